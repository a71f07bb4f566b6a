/* writer.c — the group-commit writer thread. */
#include "scanner/writer.h"
#include "scanner/http.h"
#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct writer_port {
	struct writer *w;
	struct event *flush_ev;		/* lowest priority: end of round */
	struct event *inbox_ev;		/* completions arrived */
	writer_done_fn done;
	void *arg;
	struct writer_op *out_head, *out_tail;	/* this round's ops */
	pthread_mutex_t mu;
	struct writer_op *in_head, *in_tail;	/* finished ops */
};

struct writer {
	struct store *st;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct writer_op *head, *tail;
	atomic_size_t pending;		/* submitted, not yet delivered */
	bool stop;
	atomic_bool degraded;
	struct writer_hooks hooks;	/* read by the writer thread only */
	int64_t last_tick;
	bool stepping;			/* step has more to do */
	pthread_mutex_t stats_mu;
	struct writer_stats stats;
};

/* Appends a list to a queue. */
static void
writer_list_append(struct writer_op **head, struct writer_op **tail,
    struct writer_op *h, struct writer_op *t)
{
	if (h == NULL)
		return;
	if (*tail != NULL)
		(*tail)->next = h;
	else
		*head = h;
	*tail = t;
}

/* Bucket index of a count in powers of two (1, 2-3, 4-7, ..., 128+). */
static unsigned
writer_group_bucket(size_t n)
{
	unsigned b = 0;

	while (n > 1 && b < 7) {
		n >>= 1;
		b++;
	}
	return b;
}

/* Bucket of a commit time; bounds match metrics.c. */
static unsigned
writer_time_bucket(int64_t us)
{
	static const int64_t bounds[] = { 250, 500, 1000, 2500, 5000, 10000,
	    25000, 100000, 1000000 };
	unsigned b = 0;

	while (b < 9 && us > bounds[b])
		b++;
	return b;
}

/* Hands finished ops back to their loops, one wake-up per loop. */
static void
writer_deliver(struct writer_op *ops)
{
	while (ops != NULL) {
		struct writer_port *p = ops->port;
		struct writer_op *op = ops, *h = NULL, *t = NULL, *rest = NULL,
		    *rest_tail = NULL;

		/* Split off every op of this port, keeping order. */
		for (op = ops; op != NULL;) {
			struct writer_op *next = op->next;

			op->next = NULL;
			if (op->port == p)
				writer_list_append(&h, &t, op, op);
			else
				writer_list_append(&rest, &rest_tail, op, op);
			op = next;
		}
		if (p == NULL) {
			for (op = h; op != NULL;) {
				struct writer_op *next = op->next;

				op->release(op);
				op = next;
			}
		} else {
			pthread_mutex_lock(&p->mu);
			writer_list_append(&p->in_head, &p->in_tail, h, t);
			pthread_mutex_unlock(&p->mu);
			event_active(p->inbox_ev, 0, 0);
		}
		ops = rest;
	}
}

/* Applies one group in one transaction and commits it. */
static void
writer_commit_group(struct writer *w, struct writer_op *ops, size_t n)
{
	struct store_txn t;
	int64_t t0 = clock_mono_us(), dt;
	int ret;

	ret = store_txn_begin(w->st, false, &t);
	for (struct writer_op *op = ops; ret == 0 && op != NULL; op = op->next) {
		op->ret = op->apply(&t, op);
		if (t.ret != 0)
			ret = t.ret;
	}
	if (ret == 0 && w->hooks.pre_commit != NULL &&
	    (ret = w->hooks.pre_commit(&t, w->hooks.arg)) == 0 && t.ret != 0)
		ret = t.ret;
	if (ret == 0)
		ret = store_txn_commit(&t);
	else
		store_txn_abort(&t);
	if (ret == -EIO) {
		/* A failed fsync cannot be retried safely (fsyncgate). */
		log_warnx("store: I/O error on commit; exiting so that a "
		    "supervisor restarts on a clean environment");
		_exit(WRITER_EXIT_IO);
	}
	dt = clock_mono_us() - t0;
	if (w->hooks.group_end != NULL)
		w->hooks.group_end(ret == 0, w->hooks.arg);
	atomic_store(&w->degraded, ret != 0);
	if (ret != 0) {
		static atomic_long last;
		long now = (long)time(NULL);

		for (struct writer_op *op = ops; op != NULL; op = op->next)
			op->ret = ret;
		if (atomic_exchange(&last, now) != now)
			log_warnx("store: commit failed: %s; answering 503",
			    store_strerror(ret));
	}
	pthread_mutex_lock(&w->stats_mu);
	if (ret == 0) {
		w->stats.commits++;
		w->stats.ops += n;
		w->stats.group_hist[writer_group_bucket(n)]++;
		w->stats.commit_us_sum += (uint64_t)dt;
		w->stats.commit_us_hist[writer_time_bucket(dt)]++;
		if ((uint64_t)dt > w->stats.commit_us_max)
			w->stats.commit_us_max = (uint64_t)dt;
	} else
		w->stats.failed_commits++;
	pthread_mutex_unlock(&w->stats_mu);
	atomic_fetch_sub(&w->pending, n);
	writer_deliver(ops);
}

/* Counts a pause of the hooks between groups, from t0 to now. */
static void
writer_pause_count(struct writer *w, int64_t t0)
{
	int64_t dt = clock_mono_us() - t0;

	pthread_mutex_lock(&w->stats_mu);
	w->stats.pause_us_sum += (uint64_t)dt;
	w->stats.pause_us_hist[writer_time_bucket(dt)]++;
	if ((uint64_t)dt > w->stats.pause_us_max)
		w->stats.pause_us_max = (uint64_t)dt;
	pthread_mutex_unlock(&w->stats_mu);
}

/* Runs the tick hook if it is due (or forced); mutex not held. */
static void
writer_tick(struct writer *w, bool force)
{
	int64_t now = clock_mono_us();

	if (w->hooks.tick == NULL)
		return;
	if (!force && now - w->last_tick < (int64_t)w->hooks.tick_ms * 1000)
		return;
	w->last_tick = now;
	w->hooks.tick(w->st, w->hooks.arg);
	w->stepping = w->hooks.step != NULL;
	writer_pause_count(w, now);
}

/* Runs one step of the work a tick planned, if any is left; mutex not
 * held. */
static void
writer_step(struct writer *w)
{
	int64_t t0;

	if (!w->stepping)
		return;
	t0 = clock_mono_us();
	w->stepping = w->hooks.step(w->st, w->hooks.arg) > 0;
	writer_pause_count(w, t0);
}

/* Waits on the writer's condition for up to ms milliseconds (mutex
 * held); true if the time ran out. */
static bool
writer_wait(struct writer *w, long us)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += us % 1000000 * 1000L;
	ts.tv_sec += us / 1000000 + ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	return pthread_cond_timedwait(&w->cond, &w->mu, &ts) == ETIMEDOUT;
}

/* The writer thread. */
static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	bool idle = false;

	w->last_tick = clock_mono_us();
	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct writer_op *ops, *last;
		size_t n = 0;

		while (w->head == NULL && !w->stop) {
			if (w->stepping && !idle) {
				/* The pre-commit hook may take the planned
				 * work on in the groups: a step runs only
				 * once no group came for a while. */
				idle = writer_wait(w, WRITER_IDLE_STEP_US);
			} else if (w->stepping) {
				/* Idle: the planned work goes on, a slice
				 * at a time, with a look at the queue
				 * between slices. */
				pthread_mutex_unlock(&w->mu);
				writer_step(w);
				pthread_mutex_lock(&w->mu);
			} else if (w->hooks.tick != NULL) {
				if (writer_wait(w, (long)w->hooks.tick_ms *
				    1000L)) {
					pthread_mutex_unlock(&w->mu);
					writer_tick(w, false);
					pthread_mutex_lock(&w->mu);
				}
			} else
				pthread_cond_wait(&w->cond, &w->mu);
		}
		if (w->head == NULL && w->stop)
			break;
		/* Take up to WRITER_MAX_GROUP ops. */
		ops = last = w->head;
		n = 1;
		while (last->next != NULL && n < WRITER_MAX_GROUP) {
			last = last->next;
			n++;
		}
		w->head = last->next;
		if (w->head == NULL)
			w->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&w->mu);
		writer_commit_group(w, ops, n);
		writer_tick(w, false);
		idle = false;
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	/* The rest of a planned fold, then two last ticks and their steps:
	 * a fold the first plans may wait for another's to be written (the
	 * draw index for the summaries). */
	while (w->stepping)
		writer_step(w);
	for (int last = 0; last < 2; last++) {
		writer_tick(w, true);
		while (w->stepping)
			writer_step(w);
	}
	return NULL;
}

/* Installs hooks. */
void
writer_set_hooks(struct writer *w, const struct writer_hooks *hooks)
{
	pthread_mutex_lock(&w->mu);
	w->hooks = *hooks;
	/* The thread may wait without a timeout: it had no tick before. */
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mu);
}

/* Moves a loop's round of ops to the writer. */
static void
writer_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct writer_port *p = arg;
	struct writer *w = p->w;

	(void)fd;
	(void)what;
	if (p->out_head == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	writer_list_append(&w->head, &w->tail, p->out_head, p->out_tail);
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mu);
	p->out_head = p->out_tail = NULL;
}

/* Delivers finished ops on the loop thread. */
static void
writer_inbox_cb(evutil_socket_t fd, short what, void *arg)
{
	struct writer_port *p = arg;
	struct writer_op *ops;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&p->mu);
	ops = p->in_head;
	p->in_head = p->in_tail = NULL;
	pthread_mutex_unlock(&p->mu);
	while (ops != NULL) {
		struct writer_op *next = ops->next;

		ops->next = NULL;
		p->done(ops, p->arg);
		ops = next;
	}
}

/* Starts the writer. */
int
writer_new(struct store *st, struct writer **out)
{
	struct writer *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	w->st = st;
	pthread_mutex_init(&w->mu, NULL);
	pthread_mutex_init(&w->stats_mu, NULL);
	pthread_cond_init(&w->cond, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		free(w);
		return -EAGAIN;
	}
	*out = w;
	return 0;
}

/* Makes a loop's port. */
int
writer_port_new(struct writer *w, struct event_base *base, writer_done_fn done,
    void *arg, struct writer_port **out)
{
	struct writer_port *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -ENOMEM;
	p->w = w;
	p->done = done;
	p->arg = arg;
	pthread_mutex_init(&p->mu, NULL);
	p->flush_ev = event_new(base, -1, 0, writer_flush_cb, p);
	p->inbox_ev = event_new(base, -1, 0, writer_inbox_cb, p);
	if (p->flush_ev == NULL || p->inbox_ev == NULL) {
		writer_port_free(p);
		return -ENOMEM;
	}
	event_priority_set(p->flush_ev, HTTP_PRIORITY_LAST);
	*out = p;
	return 0;
}

/* Frees a port. */
void
writer_port_free(struct writer_port *p)
{
	if (p == NULL)
		return;
	if (p->flush_ev != NULL)
		event_free(p->flush_ev);
	if (p->inbox_ev != NULL)
		event_free(p->inbox_ev);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/* Queues an op for this round. */
int
writer_submit(struct writer_port *p, struct writer_op *op)
{
	struct writer *w = p->w;

	if (atomic_fetch_add(&w->pending, 1) >= WRITER_MAX_PENDING) {
		atomic_fetch_sub(&w->pending, 1);
		return -EBUSY;
	}
	op->port = p;
	op->next = NULL;
	op->ret = 0;
	if (p->out_head == NULL)
		event_active(p->flush_ev, 0, 0);
	writer_list_append(&p->out_head, &p->out_tail, op, op);
	return 0;
}

/* Hands an op back to its port's loop from any thread, as if the writer
 * had finished it: for work done elsewhere (a PostgreSQL call). */
void
writer_port_hand_back(struct writer_port *p, struct writer_op *op)
{
	op->port = p;
	op->next = NULL;
	pthread_mutex_lock(&p->mu);
	writer_list_append(&p->in_head, &p->in_tail, op, op);
	pthread_mutex_unlock(&p->mu);
	event_active(p->inbox_ev, 0, 0);
}

/* Queues a fire-and-forget op. */
void
writer_submit_detached(struct writer *w, struct writer_op *op)
{
	if (atomic_fetch_add(&w->pending, 1) >= WRITER_MAX_PENDING) {
		atomic_fetch_sub(&w->pending, 1);
		op->release(op);
		return;
	}
	op->port = NULL;
	op->next = NULL;
	pthread_mutex_lock(&w->mu);
	writer_list_append(&w->head, &w->tail, op, op);
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mu);
}

/* Stops after committing what is queued. */
void
writer_stop(struct writer *w)
{
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
}

/* Frees a stopped writer. */
void
writer_free(struct writer *w)
{
	if (w == NULL)
		return;
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->mu);
	pthread_mutex_destroy(&w->stats_mu);
	free(w);
}

/* Copies the counters. */
void
writer_stats_get(struct writer *w, struct writer_stats *s)
{
	pthread_mutex_lock(&w->stats_mu);
	*s = w->stats;
	pthread_mutex_unlock(&w->stats_mu);
}

/* True after a failed commit until one succeeds. */
bool
writer_degraded(struct writer *w)
{
	return atomic_load(&w->degraded);
}
