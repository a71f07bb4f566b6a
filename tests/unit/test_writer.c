/*
 * test_writer.c — the group-commit writer (scanner/writer.h) against a real
 * store, with a libevent base run in the test thread.
 *
 * Operations record the order in which the writer applied them and the
 * order in which their port's done callback saw them; the tests check that
 * each comes back exactly once, in submission order, to its own port, that
 * one loop round shares one commit, that a business refusal fails only its
 * own operation while a store error (a real LMDB map-full) fails the whole
 * group and the writer goes on, that the queue bound answers -EBUSY, that
 * detached operations are applied and released, that writer_stop
 * applies what is queued before it returns, and that the hooks see every
 * group's outcome and a last tick at stop, and the steps a tick plans.
 */
#include "testutil.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scanner/http.h"
#include "scanner/writer.h"
#include "store/store.h"

#define GUARD_SEC 120		/* a loop that waits longer is stuck */

enum op_kind {
	OP_NOOP,		/* returns 0, writes nothing */
	OP_KEY,			/* adds key key_id: 0 or -EEXIST */
	OP_EVENT,		/* adds an event */
	OP_HOG,			/* adds events until the store is full */
	OP_GATE,		/* waits until the test opens the gate */
};

struct fx;

struct top {
	struct writer_op op;		/* first: writer_op * ↔ top * */
	struct fx *f;
	enum op_kind kind;
	int seq;			/* submission order */
	int port_id;			/* submitted through */
	uint8_t key_id;
	/* written by the writer thread */
	int applied_at;			/* 1-based apply order, 0: not applied */
	int apply_ret;
	int hog_events;
	/* written by the loop (done callback) */
	int done_count;
	int done_at;			/* 1-based */
	int done_port;
	int done_ret;
};

struct port_tag {
	struct fx *f;
	int id;
	struct writer_port *port;
};

struct fx {
	char dir[TU_PATH_MAX];
	struct store *st;
	struct writer *w;
	bool stopped;
	struct event_base *base;
	struct event *guard;
	bool timed_out;
	struct port_tag ports[2];
	int done_total;
	atomic_int apply_seq;
	atomic_int released;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool gate_open;
	bool gate_reached;
};

/* ---- operations (writer thread: no cmocka asserts here) -------------- */

/* Adds one event with long variable fields (about 600 bytes). */
static int
add_event(struct store_txn *t, int64_t time)
{
	struct store_event ev;
	struct store_code_scans scans;

	memset(&ev, 0, sizeof(ev));
	ev.time = time;
	ev.ip_family = 4;
	memset(ev.ua, 'u', STORE_EVENT_UA_MAX);
	memset(ev.raw, 'r', STORE_EVENT_RAW_MAX);
	return store_event_add_txn(t, &ev, &scans);
}

/* The apply function of every test operation. */
static int
top_apply(struct store_txn *t, struct writer_op *op)
{
	struct top *o = (struct top *)op;
	struct fx *f = o->f;
	struct store_key k;
	int ret = 0;

	o->applied_at = atomic_fetch_add(&f->apply_seq, 1) + 1;
	switch (o->kind) {
	case OP_NOOP:
		break;
	case OP_KEY:
		memset(&k, 0, sizeof(k));
		k.id = o->key_id;
		k.scheme = 1;
		k.created = o->seq;
		strcpy(k.base_url, "HTTPS://S.EXAMPLE.COM");
		ret = store_key_add_txn(t, &k);
		break;
	case OP_EVENT:
		ret = add_event(t, o->seq);
		break;
	case OP_HOG:
		for (o->hog_events = 0; o->hog_events < 1000000;
		    o->hog_events++)
			if ((ret = add_event(t, o->hog_events)) < 0)
				break;
		break;
	case OP_GATE:
		pthread_mutex_lock(&f->mu);
		f->gate_reached = true;
		pthread_cond_broadcast(&f->cond);
		while (!f->gate_open)
			pthread_cond_wait(&f->cond, &f->mu);
		pthread_mutex_unlock(&f->mu);
		break;
	}
	o->apply_ret = ret;
	return ret;
}

/* Releases a detached operation (writer thread, or the submitter when the
 * queue is full). The test owns the memory; count and signal. */
static void
top_release(struct writer_op *op)
{
	struct top *o = (struct top *)op;
	struct fx *f = o->f;

	pthread_mutex_lock(&f->mu);
	atomic_fetch_add(&f->released, 1);
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->mu);
}

/* A finished operation back on the loop. */
static void
top_done(struct writer_op *op, void *arg)
{
	struct port_tag *tag = arg;
	struct top *o = (struct top *)op;

	o->done_count++;
	o->done_at = ++tag->f->done_total;
	o->done_port = tag->id;
	o->done_ret = op->ret;
}

/* ---- fixture ------------------------------------------------------------ */

/* The loop waited GUARD_SEC: something is stuck. */
static void
guard_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fx *f = arg;

	(void)fd;
	(void)what;
	f->timed_out = true;
}

/* A store (map size from SCANLOOP_MAP_SIZE if map is set), a writer, a
 * base with the server's priorities and two ports. */
static struct fx *
fx_new(const char *map)
{
	struct fx *f = calloc(1, sizeof(*f));
	char db[TU_PATH_MAX];
	struct timeval tv = { GUARD_SEC, 0 };

	assert_non_null(f);
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cond, NULL);
	tu_tmpdir(f->dir);
	if (map != NULL)
		assert_int_equal(setenv("SCANLOOP_MAP_SIZE", map, 1), 0);
	assert_int_equal(store_open(tu_path(db, f->dir, "db"), STORE_CREATE,
	    &f->st), 0);
	unsetenv("SCANLOOP_MAP_SIZE");
	assert_int_equal(writer_new(f->st, &f->w), 0);
	assert_non_null(f->base = event_base_new());
	assert_int_equal(event_base_priority_init(f->base, HTTP_PRIORITIES), 0);
	/* A pending timer keeps EVLOOP_ONCE waiting for the writer's wake-up
	 * (a base with no events would return at once). */
	assert_non_null(f->guard = evtimer_new(f->base, guard_cb, f));
	assert_int_equal(evtimer_add(f->guard, &tv), 0);
	for (int i = 0; i < 2; i++) {
		f->ports[i].f = f;
		f->ports[i].id = i;
		assert_int_equal(writer_port_new(f->w, f->base, top_done,
		    &f->ports[i], &f->ports[i].port), 0);
	}
	return f;
}

static int
setup(void **state)
{
	*state = fx_new(NULL);
	return 0;
}

/* A 1 MiB map: a few thousand events fill it. */
static int
setup_small(void **state)
{
	*state = fx_new("1048576");
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	if (!f->stopped)
		writer_stop(f->w);
	for (int i = 0; i < 2; i++)
		writer_port_free(f->ports[i].port);
	writer_free(f->w);
	event_free(f->guard);
	event_base_free(f->base);
	store_close(f->st);
	tu_rmtree(f->dir);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->mu);
	free(f);
	return 0;
}

/* ---- helpers -------------------------------------------------------- */

/* Makes n operations of one kind with seq 0..n-1 and key ids base+seq. */
static struct top *
ops_new(struct fx *f, size_t n, enum op_kind kind, int key_base)
{
	struct top *o = calloc(n, sizeof(*o));

	assert_non_null(o);
	for (size_t i = 0; i < n; i++) {
		o[i].f = f;
		o[i].kind = kind;
		o[i].seq = (int)i;
		o[i].key_id = (uint8_t)(key_base + (int)i);
		o[i].op.apply = top_apply;
		o[i].op.release = top_release;
	}
	return o;
}

/* Submits an op through port p (the base is not running: this thread is
 * the port's loop thread). */
static int
submit(struct fx *f, struct top *o, int p)
{
	o->port_id = p;
	return writer_submit(f->ports[p].port, &o->op);
}

/* Runs the loop until total done callbacks have run. */
static void
run_until(struct fx *f, int total)
{
	while (f->done_total < total) {
		if (f->timed_out)
			fail_msg("%d of %d operations came back in %d s",
			    f->done_total, total, GUARD_SEC);
		assert_int_equal(event_base_loop(f->base, EVLOOP_ONCE), 0);
	}
}

/* Waits (on the condition) until n detached ops were released. */
static void
wait_released(struct fx *f, int n)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += GUARD_SEC;
	pthread_mutex_lock(&f->mu);
	while (atomic_load(&f->released) < n)
		if (pthread_cond_timedwait(&f->cond, &f->mu, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&f->mu);
	if (atomic_load(&f->released) < n)
		fail_msg("%d of %d detached operations released in %d s",
		    atomic_load(&f->released), n, GUARD_SEC);
}

/* Waits until the gate op is inside its apply (the writer is busy). */
static void
wait_gate_reached(struct fx *f)
{
	pthread_mutex_lock(&f->mu);
	while (!f->gate_reached)
		pthread_cond_wait(&f->cond, &f->mu);
	pthread_mutex_unlock(&f->mu);
}

/* Opens the gate. */
static void
open_gate(struct fx *f)
{
	pthread_mutex_lock(&f->mu);
	f->gate_open = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->mu);
}

/* True if key id is in the store. */
static bool
key_exists(struct fx *f, uint8_t id)
{
	struct store_txn t;
	struct store_key k;
	int ret;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	ret = store_key_get_txn(&t, id, &k);
	store_txn_abort(&t);
	assert_true(ret == 0 || ret == -ENOENT);
	return ret == 0;
}

/* The newest event id in the store. */
static uint64_t
last_event(struct fx *f)
{
	struct store_txn t;
	uint64_t id = 0;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_event_last_id_txn(&t, &id), 0);
	store_txn_abort(&t);
	return id;
}

/* ---- tests ---------------------------------------------------------------- */

/* One round through one port: every op back once, in order, ret 0, all
 * applied in order, in a single commit. */
static void
test_one_round_one_commit(void **state)
{
	struct fx *f = *state;
	enum { N = 200 };
	struct top *o = ops_new(f, N, OP_KEY, 1);
	struct writer_stats s0, s1;

	writer_stats_get(f->w, &s0);
	for (int i = 0; i < N; i++)
		assert_int_equal(submit(f, &o[i], 0), 0);
	run_until(f, N);
	writer_stats_get(f->w, &s1);
	for (int i = 0; i < N; i++) {
		assert_int_equal(o[i].done_count, 1);
		assert_int_equal(o[i].done_at, i + 1);
		assert_int_equal(o[i].applied_at, i + 1);
		assert_int_equal(o[i].done_port, 0);
		assert_int_equal(o[i].done_ret, 0);
		assert_true(key_exists(f, o[i].key_id));
	}
	assert_int_equal(s1.commits - s0.commits, 1);
	assert_int_equal(s1.ops - s0.ops, N);
	assert_int_equal(s1.failed_commits, s0.failed_commits);
	assert_int_equal(s1.group_hist[7] - s0.group_hist[7], 1); /* 128+ */
	assert_false(writer_degraded(f->w));
	free(o);
}

/* Two ports, interleaved: each op comes back to its own port, once, in
 * its port's submission order. */
static void
test_two_ports(void **state)
{
	struct fx *f = *state;
	enum { N = 100, ROUNDS = 3 };
	struct top *o = ops_new(f, N * ROUNDS, OP_EVENT, 0);
	struct writer_stats s0, s1;
	int last_done[2];

	writer_stats_get(f->w, &s0);
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = r * N; i < (r + 1) * N; i++)
			assert_int_equal(submit(f, &o[i], i % 2), 0);
		run_until(f, (r + 1) * N);
	}
	writer_stats_get(f->w, &s1);
	last_done[0] = last_done[1] = 0;
	for (int i = 0; i < N * ROUNDS; i++) {
		assert_int_equal(o[i].done_count, 1);
		assert_int_equal(o[i].done_port, o[i].port_id);
		assert_int_equal(o[i].done_ret, 0);
		assert_true(o[i].applied_at > 0);
		/* In order within its port. */
		assert_true(o[i].done_at > last_done[o[i].port_id]);
		last_done[o[i].port_id] = o[i].done_at;
	}
	/* Each round is one flush per port: at most two commits a round. */
	assert_int_equal(s1.ops - s0.ops, N * ROUNDS);
	assert_true(s1.commits - s0.commits >= ROUNDS);
	assert_true(s1.commits - s0.commits <= 2 * ROUNDS);
	assert_true(s1.commits - s0.commits < s1.ops - s0.ops);
	assert_int_equal(last_event(f), N * ROUNDS);
	free(o);
}

/* A business refusal (-EEXIST) fails its own op only. */
static void
test_business_error(void **state)
{
	struct fx *f = *state;
	struct top *o = ops_new(f, 5, OP_KEY, 10);
	struct writer_stats s0, s1;

	o[2].key_id = 10;		/* the same id as o[0] */
	writer_stats_get(f->w, &s0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(submit(f, &o[i], 0), 0);
	run_until(f, 5);
	writer_stats_get(f->w, &s1);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(o[i].done_count, 1);
		assert_int_equal(o[i].done_at, i + 1);
		assert_int_equal(o[i].done_ret, i == 2 ? -EEXIST : 0);
	}
	assert_int_equal(s1.commits - s0.commits, 1);
	assert_int_equal(s1.failed_commits, s0.failed_commits);
	assert_false(writer_degraded(f->w));
	assert_true(key_exists(f, 10));
	assert_true(key_exists(f, 11));
	assert_false(key_exists(f, 12));	/* o[2]'s own id: refused */
	assert_true(key_exists(f, 13));
	assert_true(key_exists(f, 14));
	/* The kept record is o[0]'s. */
	{
		struct store_txn t;
		struct store_key k;

		assert_int_equal(store_txn_begin(f->st, true, &t), 0);
		assert_int_equal(store_key_get_txn(&t, 10, &k), 0);
		store_txn_abort(&t);
		assert_int_equal(k.created, 0);
	}
	free(o);
}

/* A store error (the map is full) fails the whole group with -ENOSPC;
 * nothing of it is committed; the next group commits. */
static void
test_store_error(void **state)
{
	struct fx *f = *state;
	struct top *o = ops_new(f, 4, OP_KEY, 20), *next = ops_new(f, 2,
	    OP_KEY, 30);
	struct writer_stats s0, s1, s2;

	o[2].kind = OP_HOG;
	writer_stats_get(f->w, &s0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(submit(f, &o[i], 0), 0);
	run_until(f, 4);
	writer_stats_get(f->w, &s1);
	assert_int_equal(o[2].apply_ret, -ENOSPC);
	assert_true(o[2].hog_events > 100);	/* it did fill the map */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(o[i].done_count, 1);
		assert_int_equal(o[i].done_at, i + 1);
		assert_int_equal(o[i].done_ret, -ENOSPC);
	}
	assert_int_equal(s1.commits, s0.commits);
	assert_int_equal(s1.failed_commits - s0.failed_commits, 1);
	assert_true(writer_degraded(f->w));
	assert_false(key_exists(f, 20));
	assert_false(key_exists(f, 21));
	assert_int_equal(last_event(f), 0);

	/* The writer goes on: the next group commits and clears the state. */
	for (int i = 0; i < 2; i++)
		assert_int_equal(submit(f, &next[i], 1), 0);
	run_until(f, 6);
	writer_stats_get(f->w, &s2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(next[i].done_count, 1);
		assert_int_equal(next[i].done_ret, 0);
		assert_int_equal(next[i].done_port, 1);
	}
	assert_int_equal(s2.commits - s1.commits, 1);
	assert_int_equal(s2.failed_commits, s1.failed_commits);
	assert_false(writer_degraded(f->w));
	assert_true(key_exists(f, 30));
	assert_true(key_exists(f, 31));
	free(o);
	free(next);
}

/* Past WRITER_MAX_PENDING waiting ops, submit answers -EBUSY and a
 * detached op is released unapplied; once the queue drains, submitting
 * works again. */
static void
test_busy(void **state)
{
	struct fx *f = *state;
	enum { N = WRITER_MAX_PENDING };
	struct top *o = ops_new(f, N + 2, OP_NOOP, 0);
	struct writer_stats s0, s1;

	writer_stats_get(f->w, &s0);
	/* The base is not running: all N stay in this round's list. */
	for (int i = 0; i < N; i++)
		assert_int_equal(submit(f, &o[i], i % 2), 0);
	assert_int_equal(submit(f, &o[N], 0), -EBUSY);
	writer_submit_detached(f->w, &o[N + 1].op);
	assert_int_equal(atomic_load(&f->released), 1);
	assert_int_equal(o[N + 1].applied_at, 0);
	run_until(f, N);
	writer_stats_get(f->w, &s1);
	for (int i = 0; i < N; i++) {
		assert_int_equal(o[i].done_count, 1);
		assert_int_equal(o[i].done_ret, 0);
		assert_int_equal(o[i].done_port, i % 2);
	}
	assert_int_equal(o[N].done_count, 0);
	assert_int_equal(o[N].applied_at, 0);
	assert_int_equal(s1.ops - s0.ops, N);
	/* Groups are bounded: at least N / WRITER_MAX_GROUP commits. */
	assert_true(s1.commits - s0.commits >= N / WRITER_MAX_GROUP);
	/* Drained: the refused op goes through now. */
	assert_int_equal(submit(f, &o[N], 0), 0);
	run_until(f, N + 1);
	assert_int_equal(o[N].done_count, 1);
	assert_int_equal(o[N].done_ret, 0);
	free(o);
}

/* Detached ops, from another thread: applied, committed, released. */
struct detach_arg {
	struct fx *f;
	struct top *o;
	int n;
};

static void *
detach_thread(void *arg)
{
	struct detach_arg *a = arg;

	for (int i = 0; i < a->n; i++)
		writer_submit_detached(a->f->w, &a->o[i].op);
	return NULL;
}

static void
test_detached(void **state)
{
	struct fx *f = *state;
	enum { N = 50 };
	struct top *o = ops_new(f, N, OP_EVENT, 0);
	struct detach_arg a = { f, o, N };
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, detach_thread, &a), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	wait_released(f, N);
	for (int i = 0; i < N; i++) {
		assert_true(o[i].applied_at > 0);
		assert_int_equal(o[i].apply_ret, 0);
		assert_int_equal(o[i].done_count, 0);	/* no port */
	}
	assert_int_equal(atomic_load(&f->released), N);
	assert_int_equal(last_event(f), N);
	free(o);
}

/* writer_stop, called while the writer is busy and ops wait behind it,
 * applies and commits them all before it returns. */
struct stop_arg {
	struct fx *f;
	bool calling;
};

static void *
stop_thread(void *arg)
{
	struct stop_arg *a = arg;

	pthread_mutex_lock(&a->f->mu);
	a->calling = true;
	pthread_cond_broadcast(&a->f->cond);
	pthread_mutex_unlock(&a->f->mu);
	writer_stop(a->f->w);
	return NULL;
}

static void
test_stop_applies_queued(void **state)
{
	struct fx *f = *state;
	enum { M = 30, N = 20 };
	struct top *gate = ops_new(f, 1, OP_GATE, 0);
	struct top *det = ops_new(f, M, OP_EVENT, 0);
	struct top *o = ops_new(f, N, OP_KEY, 100);
	struct stop_arg a = { f, false };
	pthread_t th;

	/* Hold the writer inside a group, queue work behind it. */
	writer_submit_detached(f->w, &gate->op);
	wait_gate_reached(f);
	for (int i = 0; i < M; i++)
		writer_submit_detached(f->w, &det[i].op);
	for (int i = 0; i < N; i++)
		assert_int_equal(submit(f, &o[i], 0), 0);
	/* One round of the loop hands the port's ops to the writer. */
	assert_int_equal(event_base_loop(f->base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(f->done_total, 0);
	/* Stop from another thread, then let the writer go. */
	assert_int_equal(pthread_create(&th, NULL, stop_thread, &a), 0);
	pthread_mutex_lock(&f->mu);
	while (!a.calling)
		pthread_cond_wait(&f->cond, &f->mu);
	pthread_mutex_unlock(&f->mu);
	open_gate(f);
	assert_int_equal(pthread_join(th, NULL), 0);
	f->stopped = true;
	/* writer_stop has returned: everything was applied and committed. */
	assert_int_equal(atomic_load(&f->apply_seq), 1 + M + N);
	assert_int_equal(atomic_load(&f->released), 1 + M);
	assert_int_equal(last_event(f), M);
	for (int i = 0; i < N; i++) {
		assert_true(o[i].applied_at > 0);
		assert_true(key_exists(f, o[i].key_id));
	}
	/* Their completions wait on the loop. */
	run_until(f, N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(o[i].done_count, 1);
		assert_int_equal(o[i].done_at, i + 1);
		assert_int_equal(o[i].done_ret, 0);
	}
	free(gate);
	free(det);
	free(o);
}

/* Hook counters (writer thread). */
static atomic_int hook_committed, hook_failed, hook_ticks;

/* group_end hook: counts groups by outcome. */
static void
hook_group_end(bool committed, void *arg)
{
	(void)arg;
	atomic_fetch_add(committed ? &hook_committed : &hook_failed, 1);
}

/* tick hook: counts, and writes in a transaction of its own. */
static void
hook_tick(struct store *st, void *arg)
{
	struct store_txn t;
	struct store_key k;

	(void)arg;
	atomic_fetch_add(&hook_ticks, 1);
	memset(&k, 0, sizeof(k));
	k.id = 200;
	k.scheme = 1;
	strcpy(k.base_url, "HTTPS://S.EXAMPLE.COM");
	if (store_txn_begin(st, false, &t) == 0) {
		store_key_add_txn(&t, &k);
		store_txn_commit(&t);
	}
}

/* The hooks: group_end once per group with its outcome, tick once more at
 * stop (forced), able to commit a transaction of its own. */
static void
test_hooks(void **state)
{
	struct fx *f = *state;
	struct writer_hooks h = { .group_end = hook_group_end,
	    .tick = hook_tick, .tick_ms = 3600 * 1000 };
	struct top *ok = ops_new(f, 3, OP_KEY, 40), *bad = ops_new(f, 2,
	    OP_KEY, 50);

	atomic_store(&hook_committed, 0);
	atomic_store(&hook_failed, 0);
	atomic_store(&hook_ticks, 0);
	writer_set_hooks(f->w, &h);
	for (int i = 0; i < 3; i++)
		assert_int_equal(submit(f, &ok[i], 0), 0);
	run_until(f, 3);
	assert_int_equal(atomic_load(&hook_committed), 1);
	assert_int_equal(atomic_load(&hook_failed), 0);
	bad[1].kind = OP_HOG;
	for (int i = 0; i < 2; i++)
		assert_int_equal(submit(f, &bad[i], 0), 0);
	run_until(f, 5);
	assert_int_equal(bad[0].done_ret, -ENOSPC);
	assert_int_equal(atomic_load(&hook_committed), 1);
	assert_int_equal(atomic_load(&hook_failed), 1);
	/* The tick is an hour away: it runs only at stop, twice (a fold
	 * the first plans may wait for another's). */
	assert_int_equal(atomic_load(&hook_ticks), 0);
	writer_stop(f->w);
	f->stopped = true;
	assert_int_equal(atomic_load(&hook_ticks), 2);
	assert_true(key_exists(f, 200));
	assert_true(key_exists(f, 40));
	assert_false(key_exists(f, 50));
	free(ok);
	free(bad);
}

/* Step hook counters: a tick plans three steps. */
static atomic_int step_ticks, step_plan, step_steps;

/* tick hook: plans three steps. */
static void
step_tick(struct store *st, void *arg)
{
	(void)st;
	(void)arg;
	atomic_store(&step_plan, 3);
	atomic_fetch_add(&step_ticks, 1);
}

/* step hook: does one; 1 while some are left. */
static int
step_step(struct store *st, void *arg)
{
	(void)st;
	(void)arg;
	if (atomic_load(&step_plan) == 0)
		return 0;
	atomic_fetch_add(&step_steps, 1);
	return atomic_fetch_sub(&step_plan, 1) > 1;
}

/* The steps a tick plans run while the writer is idle, one after another,
 * and at stop after the last tick; each tick and step is a pause in the
 * writer's statistics. */
static void
test_steps(void **state)
{
	struct fx *f = *state;
	struct writer_hooks h = { .tick = step_tick, .step = step_step,
	    .tick_ms = 20 };
	struct writer_stats ws;
	int ticks, steps;

	atomic_store(&step_ticks, 0);
	atomic_store(&step_plan, 0);
	atomic_store(&step_steps, 0);
	writer_set_hooks(f->w, &h);
	/* Idle: after two ticks, their steps are all done. */
	for (;;) {
		/* The steps of a tick run after it is counted. */
		ticks = atomic_load(&step_ticks);
		if (ticks >= 2 && atomic_load(&step_plan) == 0) {
			steps = atomic_load(&step_steps);
			if (ticks == atomic_load(&step_ticks))
				break;
		}
		usleep(10000);
	}
	assert_true(ticks >= 2);
	assert_int_equal(steps, 3 * ticks);
	writer_stop(f->w);
	f->stopped = true;
	ticks = atomic_load(&step_ticks);
	assert_int_equal(atomic_load(&step_steps), 3 * ticks);
	assert_int_equal(atomic_load(&step_plan), 0);
	writer_stats_get(f->w, &ws);
	uint64_t pauses = 0;
	for (int i = 0; i < 10; i++)
		pauses += ws.pause_us_hist[i];
	/* A tick, and each step that found work. */
	assert_int_equal(pauses, (uint64_t)(4 * ticks));
	assert_true(ws.pause_us_max <= ws.pause_us_sum);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_round_one_commit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_two_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_business_error, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_store_error, setup_small,
		    teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_applies_queued, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hooks, setup_small,
		    teardown),
		cmocka_unit_test_setup_teardown(test_steps, setup, teardown),
	};

	tu_init();
	/* Before any base: the writer wakes the loop from its thread. */
	if (evthread_use_pthreads() < 0) {
		fprintf(stderr, "libevent has no thread support\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
