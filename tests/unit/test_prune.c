/* test_prune.c — forged and malformed scans against a temporary store: the
 * budget per network and hour, and retention (store_prune_step): chains
 * and summaries after forged events go, addresses dropped, counts merged,
 * each step all or nothing and a prune killed part-way finished by a
 * second one. The expected store is computed from a model of the events
 * the test appended, not from the store. */
#include "store_fixture.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* For the watermarks in meta: the store's own internals. */
#include "store/store_internal.h"

#define HOUR_US (3600LL * 1000000)
#define T0 (1800000000LL * 1000000)	/* 2027-01-15, on an hour */
#define NSERIALS 6

/* What the test appended: one row per event. */
struct model_ev {
	uint64_t id;
	int64_t time;
	int serial;			/* index into serials, or -1 for none */
	uint8_t verdict;
	uint8_t ip_family;
	bool human;
};

struct model {
	struct model_ev *ev;
	size_t n;
	uint8_t serials[NSERIALS][STORE_SERIAL_BYTES];
};

/* An event of serial index s (or -1), verdict v, at time us, from an
 * IPv4 client a.b.c.d (a = 0: no address). */
static void
make_event(struct model *m, struct store_event *ev, int s, uint8_t v,
    int64_t us, uint8_t a, uint8_t b)
{
	memset(ev, 0, sizeof(*ev));
	ev->time = us;
	ev->verdict = v;
	if (s >= 0)
		memcpy(ev->serial, m->serials[s], STORE_SERIAL_BYTES);
	if (a != 0) {
		ev->ip_family = 4;
		ev->ip[0] = a;
		ev->ip[1] = b;
		ev->ip[2] = 7;
		ev->ip[3] = 9;
	}
	if (v < STORE_VERDICT_FORGED && s >= 0) {
		ev->flags = STORE_EVENT_F_HUMAN | STORE_EVENT_F_AUTH |
		    STORE_EVENT_F_KNOWN;
		ev->batch_id = 1;
	}
	snprintf(ev->ua, sizeof(ev->ua), "ua-%d", s);
	if (v >= STORE_VERDICT_FORGED)
		snprintf(ev->raw, sizeof(ev->raw), "raw-%d", s);
}

/* Appends n random events, times from t0 one second apart: forged and
 * malformed (with or without a serial), genuine, over NSERIALS serials,
 * from a few networks; records them in the model. */
static void
model_fill(struct store *st, struct model *m, size_t n, int64_t t0)
{
	struct store_txn t;
	struct store_event ev;
	struct store_code_scans cs;
	uint32_t r;

	m->ev = realloc(m->ev, (m->n + n) * sizeof(*m->ev));
	assert_non_null(m->ev);
	assert_int_equal(store_txn_begin(st, false, &t), 0);
	for (size_t i = 0; i < n; i++) {
		struct model_ev *me = &m->ev[m->n++];
		int s;
		uint8_t v;

		tu_random(&r, sizeof(r));
		s = (int)(r % (NSERIALS + 1)) - 1;
		v = (r >> 8) % 3 == 0 ? 0 : (r >> 8) % 3 == 1 ?
		    STORE_VERDICT_FORGED : STORE_VERDICT_MALFORMED;
		if (v == 0 && s < 0)
			s = 0;
		make_event(m, &ev, s, v, t0 + (int64_t)i * 1000000,
		    (uint8_t)(10 + (r >> 16) % 3), (uint8_t)(r >> 24));
		assert_int_equal(store_event_add_txn(&t, &ev, &cs), 0);
		me->id = ev.id;
		me->time = ev.time;
		me->serial = s;
		me->verdict = v;
		me->ip_family = ev.ip_family;
		me->human = v == 0;
		if (i % 1000 == 999) {
			assert_int_equal(store_txn_commit(&t), 0);
			assert_int_equal(store_txn_begin(st, false, &t), 0);
		}
	}
	assert_int_equal(store_txn_commit(&t), 0);
}

/* True if the model says retention deletes the event. */
static bool
model_gone(const struct model_ev *e, int64_t forged_before)
{
	return e->verdict >= STORE_VERDICT_FORGED && e->time < forged_before;
}

/* Checks the store against the model after forged events older than
 * forged_before went (0: none) and addresses older than ip_before were
 * dropped (0: none; -1: do not look at addresses): which events exist,
 * each code's chain (newest first, every link) and summary. */
static void
model_check(struct store *st, const struct model *m, int64_t forged_before,
    int64_t ip_before)
{
	struct store_txn t;
	struct store_event ev;
	struct store_code_scans cs;

	assert_int_equal(store_txn_begin(st, true, &t), 0);
	for (size_t i = 0; i < m->n; i++) {
		const struct model_ev *e = &m->ev[i];
		int ret = store_event_get_txn(&t, e->id, &ev);

		if (forged_before && model_gone(e, forged_before)) {
			assert_int_equal(ret, -ENOENT);
			continue;
		}
		assert_int_equal(ret, 0);
		assert_int_equal(ev.verdict, e->verdict);
		if (ip_before < 0)
			continue;
		if (ip_before && e->time < ip_before) {
			static const uint8_t zero[16];

			assert_int_equal(ev.ip_family, 0);
			assert_memory_equal(ev.ip, zero, 16);
		} else
			assert_int_equal(ev.ip_family, e->ip_family);
	}
	for (int s = 0; s < NSERIALS; s++) {
		uint64_t want[64 * 1024], cur;
		size_t nw = 0, k = 0;
		uint32_t human = 0;

		for (size_t i = m->n; i > 0; i--) {
			const struct model_ev *e = &m->ev[i - 1];

			if (e->serial != s || (forged_before &&
			    model_gone(e, forged_before)))
				continue;
			assert_true(nw < sizeof(want) / sizeof(want[0]));
			want[nw++] = e->id;
			human += e->human;
		}
		if (nw == 0) {
			assert_int_equal(store_code_scans_get_txn(&t,
			    m->serials[s], &cs), -ENOENT);
			continue;
		}
		assert_int_equal(store_code_scans_get_txn(&t, m->serials[s],
		    &cs), 0);
		assert_int_equal(cs.total, nw);
		assert_int_equal(cs.human, human);
		for (cur = cs.last_event; cur != 0; cur = ev.prev_same_code) {
			assert_true(k < nw);
			assert_int_equal(cur, want[k]);
			k++;
			assert_int_equal(store_event_get_txn(&t, cur, &ev), 0);
		}
		assert_int_equal(k, nw);
	}
	store_txn_abort(&t);
}

/* Prunes to the end; returns the number of steps. */
static int
prune_all(struct store *st, const struct store_prune_policy *p,
    struct store_prune_stats *s)
{
	int ret, steps = 0;

	do {
		ret = store_prune_step(st, p, s);
		assert_true(ret >= 0);
		steps++;
	} while (ret == 1);
	return steps;
}

/* A model with random serials. */
static void
model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	tu_random(m->serials, sizeof(m->serials));
}

/* Counts an event as the server does: its network-hour's count read,
 * counted, written back (ev->id names it: 0 as if not stored); returns
 * whether it was counted. */
static int
count_event(struct store_txn *t, const struct store_event *ev,
    uint64_t budget, bool *keep)
{
	struct store_forged_count c;
	int counted = store_forged_count_txn(t, ev, budget, &c, keep);

	assert_true(counted == 0 || counted == 1);
	if (counted)
		assert_int_equal(store_forged_count_put_txn(t, ev, &c), 0);
	return counted;
}

/* The budget: the first N forged or malformed scans of a network-hour
 * are kept, the rest counted; networks are /24 and /48; hours are UTC;
 * other verdicts are neither counted nor refused; the counts survive a
 * reopen of the store. */
static void
test_budget(void **state)
{
	struct fixture *f = *state;
	struct store_forged_count c;
	struct store_event ev;
	struct store_txn t;
	struct model m;
	uint8_t net[STORE_NET_BYTES];
	uint32_t hour = (uint32_t)(T0 / HOUR_US);
	int kept = 0;
	bool keep;

	model_init(&m);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	for (int i = 0; i < 10; i++) {
		make_event(&m, &ev, 0, i < 8 ? STORE_VERDICT_FORGED :
		    STORE_VERDICT_MALFORMED, T0 + i, 10, 1);
		ev.ip[3] = (uint8_t)i;		/* same /24 */
		ev.id = 100 + (uint64_t)i;
		assert_int_equal(count_event(&t, &ev, 5, &keep), 1);
		kept += keep;
		assert_true(keep == (i < 5));
	}
	assert_int_equal(kept, 5);
	/* Genuine scans are not counted and always kept. */
	make_event(&m, &ev, 0, 0, T0 + 20, 10, 1);
	assert_int_equal(count_event(&t, &ev, 0, &keep), 0);
	assert_true(keep);
	/* Another /24, and the next hour, have budgets of their own; a
	 * budget of 0 keeps nothing. */
	make_event(&m, &ev, 1, STORE_VERDICT_FORGED, T0 + 30, 10, 2);
	assert_int_equal(count_event(&t, &ev, 5, &keep), 1);
	assert_true(keep);
	make_event(&m, &ev, 1, STORE_VERDICT_FORGED, T0 + HOUR_US, 10, 1);
	assert_int_equal(count_event(&t, &ev, 5, &keep), 1);
	assert_true(keep);
	make_event(&m, &ev, 1, STORE_VERDICT_FORGED, T0 + HOUR_US + 1, 10, 3);
	assert_int_equal(count_event(&t, &ev, 0, &keep), 1);
	assert_false(keep);
	/* IPv6: the /48 is the network. */
	for (int i = 0; i < 3; i++) {
		make_event(&m, &ev, -1, STORE_VERDICT_MALFORMED, T0 + 40, 0, 0);
		ev.ip_family = 6;
		memcpy(ev.ip, "\x20\x01\x0d\xb8\x00\x01", 6);
		ev.ip[6 + i] = (uint8_t)(i + 1);	/* beyond the /48 */
		assert_int_equal(count_event(&t, &ev, 2, &keep), 1);
		assert_true(keep == (i < 2));
	}
	assert_int_equal(store_txn_commit(&t), 0);

	/* Reopened: the counts are there, and go on. */
	store_close(f->st);
	assert_int_equal(store_open(f->db, 0, &f->st), 0);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	make_event(&m, &ev, 0, STORE_VERDICT_FORGED, T0 + 50, 10, 1);
	store_event_net(&ev, net);
	assert_memory_equal(net, "\x04\x0a\x01\x07\0\0\0\0", STORE_NET_BYTES);
	assert_int_equal(store_forged_count_get_txn(&t, hour, net, &c), 0);
	assert_int_equal(c.forged, 8);
	assert_int_equal(c.malformed, 2);
	assert_int_equal(c.kept, 5);
	assert_int_equal(c.first, T0);
	assert_int_equal(c.last, T0 + 9);
	assert_int_equal(c.first_event, 100);	/* the first stored */
	assert_int_equal(c.signal_id, 0);
	assert_int_equal(count_event(&t, &ev, 5, &keep), 1);
	assert_false(keep);
	assert_int_equal(count_event(&t, &ev, 7, &keep), 1);
	assert_true(keep);
	assert_int_equal(store_forged_count_get_txn(&t, hour, net, &c), 0);
	assert_int_equal(c.forged, 10);
	assert_int_equal(c.kept, 6);
	memcpy(net, "\x06\x20\x01\x0d\xb8\x00\x01\x00", STORE_NET_BYTES);
	assert_int_equal(store_forged_count_get_txn(&t, hour, net, &c), 0);
	assert_int_equal(c.malformed, 3);
	assert_int_equal(c.kept, 2);
	assert_int_equal(store_txn_commit(&t), 0);
	free(m.ev);
}

/* Retention of forged events: 25,000 random events, the older half's
 * forged and malformed ones deleted over several steps; chains relinked,
 * summaries recounted or deleted, newer events untouched, ids never
 * reused; a second prune finds nothing; addresses of the oldest third
 * dropped. */
static void
test_prune_forged(void **state)
{
	struct fixture *f = *state;
	struct store_prune_policy p = { T0 + 12500LL * 1000000, 0, 0 };
	struct store_prune_stats s;
	struct store_event ev;
	struct store_code_scans cs;
	struct store_txn t;
	struct model m;
	uint64_t folded, deleted = 0;
	int steps;

	model_init(&m);
	model_fill(f->st, &m, 25000, T0);
	for (size_t i = 0; i < m.n; i++)
		deleted += model_gone(&m.ev[i], p.forged_before);
	model_check(f->st, &m, 0, 0);
	memset(&s, 0, sizeof(s));
	steps = prune_all(f->st, &p, &s);
	assert_true(steps >= 3);	/* > STORE_PRUNE_CHANGE deletions */
	assert_int_equal(s.deleted, deleted);
	model_check(f->st, &m, p.forged_before, 0);
	/* Nothing left: the watermark says so. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_prune_step(f->st, &p, &s), 0);
	assert_int_equal(s.deleted + s.examined, 0);
	/* New events take new ids and join the relinked chains. */
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	make_event(&m, &ev, 2, 0, T0 + 30000LL * 1000000, 10, 1);
	assert_int_equal(store_event_add_txn(&t, &ev, &cs), 0);
	assert_int_equal(ev.id, m.ev[m.n - 1].id + 1);
	assert_int_equal(store_scans_folded_txn(&t, &folded), 0);
	assert_int_equal(folded, ev.id);
	assert_int_equal(store_txn_commit(&t), 0);
	m.ev = realloc(m.ev, (m.n + 1) * sizeof(*m.ev));
	m.ev[m.n++] = (struct model_ev){ ev.id, ev.time, 2, 0, 4, true };
	model_check(f->st, &m, p.forged_before, 0);
	/* Addresses of the oldest third. */
	p.forged_before = 0;
	p.ip_before = T0 + 8000LL * 1000000;
	memset(&s, 0, sizeof(s));
	prune_all(f->st, &p, &s);
	assert_true(s.addresses > 0);
	model_check(f->st, &m, T0 + 12500LL * 1000000, p.ip_before);
	free(m.ev);
}

/* Unfolded events stop the forged pass (-EBUSY): chains are walked from
 * the stored summaries; unless no event is old enough to look at. */
static void
test_prune_needs_fold(void **state)
{
	struct fixture *f = *state;
	struct store_prune_policy p = { T0 + 100LL * 1000000, 0, 0 },
	    early = { T0, 0, 0 };
	struct store_prune_stats s;
	struct store_event ev;
	struct store_txn t;
	struct model m;
	uint64_t folded;

	model_init(&m);
	model_fill(f->st, &m, 50, T0);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	make_event(&m, &ev, 1, STORE_VERDICT_FORGED, T0 + 60, 10, 1);
	assert_int_equal(store_event_append_txn(&t, &ev), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	memset(&s, 0, sizeof(s));
	/* No event old enough: nothing need be folded first. */
	assert_int_equal(store_prune_step(f->st, &early, &s), 0);
	assert_int_equal(s.examined, 0);
	assert_int_equal(store_prune_step(f->st, &p, &s), -EBUSY);
	assert_int_equal(s.deleted, 0);
	assert_int_equal(store_scans_fold(f->st, &folded), 0);
	assert_int_equal(folded, 1);
	assert_true(prune_all(f->st, &p, &s) >= 1);
	assert_true(s.deleted > 0);
	free(m.ev);
}

/* The newest events pruned: the watermark stays above the last id, and
 * an event added afterwards is folded once (not again from the tail). */
static void
test_prune_tail(void **state)
{
	struct fixture *f = *state;
	struct store_prune_policy p = { T0 + 1000LL * 1000000, 0, 0 };
	struct store_prune_stats s;
	struct store_code_scans cs;
	struct store_event ev;
	struct store_txn t;
	struct model m;
	uint64_t folded, last;

	model_init(&m);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	for (int i = 0; i < 5; i++) {
		make_event(&m, &ev, 3, STORE_VERDICT_FORGED, T0 + i, 10, 1);
		assert_int_equal(store_event_add_txn(&t, &ev, &cs), 0);
	}
	assert_int_equal(store_txn_commit(&t), 0);
	memset(&s, 0, sizeof(s));
	prune_all(f->st, &p, &s);
	assert_int_equal(s.deleted, 5);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_event_last_id_txn(&t, &last), 0);
	assert_int_equal(store_scans_folded_txn(&t, &folded), 0);
	assert_int_equal(last, 0);
	assert_int_equal(folded, 5);
	assert_int_equal(store_code_scans_get_txn(&t, m.serials[3], &cs),
	    -ENOENT);
	make_event(&m, &ev, 3, 0, T0 + 2000LL * 1000000, 10, 1);
	assert_int_equal(store_event_add_txn(&t, &ev, &cs), 0);
	assert_int_equal(ev.id, 6);
	assert_int_equal(ev.prev_same_code, 0);
	assert_int_equal(store_scans_folded_txn(&t, &folded), 0);
	assert_int_equal(folded, 6);
	assert_int_equal(store_txn_commit(&t), 0);
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_code_scans_current_txn(&t, m.serials[3], &cs),
	    0);
	assert_int_equal(cs.total, 1);
	assert_int_equal(cs.human, 1);
	store_txn_abort(&t);
	/* A second prune runs (nothing is left to fold) and keeps it. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_prune_step(f->st, &p, &s), 0);
	assert_int_equal(s.deleted, 0);
	free(m.ev);
}

#define COUNT_HOURS 5

struct count_sum {
	uint64_t forged, malformed, kept, nets, entries;
	uint32_t hour_lo, hour_hi;	/* entries in [lo, hi) */
	/* per hour from lo: the smallest first_event and signal_id */
	uint64_t first_event[COUNT_HOURS], signal_id[COUNT_HOURS];
};

/* The smaller of a and b, 0 meaning none. */
static uint64_t
min_set(uint64_t a, uint64_t b)
{
	return a == 0 || (b != 0 && b < a) ? b : a;
}

/* Sums the counts of hours in [lo, hi). */
static int
count_sum_cb(uint32_t hour, const uint8_t net[STORE_NET_BYTES],
    const struct store_forged_count *c, void *arg)
{
	struct count_sum *s = arg;
	uint32_t h = hour - s->hour_lo;

	if (hour < s->hour_lo || hour >= s->hour_hi)
		return 0;
	s->forged += c->forged;
	s->malformed += c->malformed;
	s->kept += c->kept;
	s->entries++;
	s->nets += net[0] != 0;
	assert_true(h < COUNT_HOURS);
	s->first_event[h] = min_set(s->first_event[h], c->first_event);
	s->signal_id[h] = min_set(s->signal_id[h], c->signal_id);
	return 0;
}

/* Sums the counts of hours [lo, hi). */
static struct count_sum
count_sum(struct store *st, uint32_t lo, uint32_t hi)
{
	struct count_sum s;
	struct store_txn t;

	memset(&s, 0, sizeof(s));
	s.hour_lo = lo;
	s.hour_hi = hi;

	assert_int_equal(store_txn_begin(st, true, &t), 0);
	assert_int_equal(store_forged_count_foreach_txn(&t, 0, count_sum_cb,
	    &s), 0);
	store_txn_abort(&t);
	return s;
}

/* Counts: address retention merges whole hours into one count without a
 * network (sums kept, and the earliest first event and burst signal);
 * forged retention deletes whole hours. */
static void
test_prune_counts(void **state)
{
	struct fixture *f = *state;
	struct store_prune_policy p = { 0, T0 + 3 * HOUR_US + 5, 0 };
	struct store_prune_stats s;
	struct store_forged_count c;
	struct store_event ev;
	struct store_txn t;
	struct count_sum a, b;
	struct model m;
	uint32_t h0 = (uint32_t)(T0 / HOUR_US);
	bool keep;

	model_init(&m);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	for (int i = 0; i < 3000; i++) {
		make_event(&m, &ev, -1, i % 3 ? STORE_VERDICT_FORGED :
		    STORE_VERDICT_MALFORMED, T0 + (i % 5) * HOUR_US + i,
		    (uint8_t)(20 + i % 7), (uint8_t)(i % 11));
		ev.id = (uint64_t)i + 1;
		assert_int_equal(store_forged_count_txn(&t, &ev, 10, &c,
		    &keep), 1);
		/* Some networks' bursts, signal ids falling over time. */
		if (c.signal_id == 0 && i % 13 == 12)
			c.signal_id = 100000 - (uint64_t)i;
		assert_int_equal(store_forged_count_put_txn(&t, &ev, &c), 0);
	}
	assert_int_equal(store_txn_commit(&t), 0);
	a = count_sum(f->st, h0, h0 + 3);
	b = count_sum(f->st, h0 + 3, h0 + 5);
	assert_int_equal(a.entries, 3 * 77);
	memset(&s, 0, sizeof(s));
	prune_all(f->st, &p, &s);
	assert_int_equal(s.counts_merged, 3 * 77);
	{
		struct count_sum a2 = count_sum(f->st, h0, h0 + 3);
		struct count_sum b2 = count_sum(f->st, h0 + 3, h0 + 5);

		assert_int_equal(a2.entries, 3);
		assert_int_equal(a2.nets, 0);
		assert_int_equal(a2.forged, a.forged);
		assert_int_equal(a2.malformed, a.malformed);
		assert_int_equal(a2.kept, a.kept);
		for (int h = 0; h < 3; h++) {
			assert_int_not_equal(a.signal_id[h], 0);
			assert_int_equal(a2.first_event[h], a.first_event[h]);
			assert_int_equal(a2.signal_id[h], a.signal_id[h]);
		}
		assert_memory_equal(&b2, &b, sizeof(b));
	}
	/* Hour h0 + 3 is not whole before the cut-off: kept. */
	p.forged_before = T0 + 4 * HOUR_US - 1;
	p.ip_before = 0;
	memset(&s, 0, sizeof(s));
	prune_all(f->st, &p, &s);
	assert_int_equal(s.counts_deleted, 3);
	assert_int_equal(count_sum(f->st, h0, h0 + 3).entries, 0);
	assert_int_equal(count_sum(f->st, h0 + 3, h0 + 5).entries, b.entries);
	free(m.ev);
}

/* Reads a watermark from meta. */
static uint64_t
mark_get(struct store *st, const char *name)
{
	struct store_txn t;
	uint64_t v = 0;

	assert_int_equal(store_txn_begin(st, true, &t), 0);
	(void)store_get_txn(&t, STORE_DB_META, name, strlen(name), &v,
	    sizeof(v));
	store_txn_abort(&t);
	return v;
}

/* Checks a store a prune was killed in: every forged event up to the
 * watermark (and older than the cut-off) is gone, every one after it is
 * there, every chain and summary whole; returns the watermark. */
static uint64_t
check_partial(struct store *st, const struct model *m, int64_t before)
{
	uint64_t mark = mark_get(st, "pruned_forged");
	struct model part = *m;
	struct store_txn t;
	struct store_event ev;

	/* The events at or below the watermark are pruned, the rest not:
	 * the model of that is a cut-off just after the watermark's event. */
	assert_int_equal(store_txn_begin(st, true, &t), 0);
	for (size_t i = 0; i < m->n; i++) {
		const struct model_ev *e = &m->ev[i];
		int ret = store_event_get_txn(&t, e->id, &ev);

		if (model_gone(e, before) && e->id <= mark)
			assert_int_equal(ret, -ENOENT);
		else
			assert_int_equal(ret, 0);
	}
	store_txn_abort(&t);
	part.ev = malloc(m->n * sizeof(*m->ev));
	assert_non_null(part.ev);
	memcpy(part.ev, m->ev, m->n * sizeof(*m->ev));
	for (size_t i = 0; i < m->n; i++)
		if (part.ev[i].id > mark)
			part.ev[i].time = before;	/* not gone */
	model_check(st, &part, before, -1);
	free(part.ev);
	return mark;
}

/* A prune killed (SIGKILL) inside its steps, again and again: every time
 * the store holds whole steps only (the watermark and the deletions
 * agree, chains intact), and a prune run afterwards finishes it. The
 * child tells the parent each step it committed through a pipe; round r
 * is killed after r % 4 of them and a random delay of up to 2 ms, inside
 * a step or between two. */
static void
test_prune_killed(void **state)
{
	struct fixture *f = *state;
	struct store_prune_policy p = { T0 + 15000LL * 1000000,
	    T0 + 5000LL * 1000000, 0 };
	struct store_prune_stats s;
	struct model m;
	uint64_t mark = 0, last = 0;
	int kills = 0;

	model_init(&m);
	model_fill(f->st, &m, 20000, T0);
	store_close(f->st);
	f->st = NULL;
	for (int round = 0; round < 12; round++) {
		struct timespec d = { 0, 0 };
		int fds[2], status;
		uint32_t r;
		pid_t pid;
		char c;

		assert_int_equal(pipe(fds), 0);
		assert_true((pid = fork()) >= 0);
		if (pid == 0) {
			struct store *st;

			close(fds[0]);
			if (store_open(f->db, 0, &st) != 0)
				_exit(3);
			memset(&s, 0, sizeof(s));
			while (store_prune_step(st, &p, &s) == 1)
				if (write(fds[1], "s", 1) != 1)
					_exit(4);
			_exit(0);
		}
		close(fds[1]);
		for (int k = 0; k < round % 4; k++)
			if (read(fds[0], &c, 1) != 1)
				break;
		tu_random(&r, sizeof(r));
		d.tv_nsec = (long)(r % 2000000);
		nanosleep(&d, NULL);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		close(fds[0]);
		if (WIFSIGNALED(status))
			kills++;
		else
			assert_int_equal(WEXITSTATUS(status), 0);
		assert_int_equal(store_open(f->db, 0, &f->st), 0);
		mark = check_partial(f->st, &m, p.forged_before);
		assert_true(mark >= last);
		last = mark;
		store_close(f->st);
		f->st = NULL;
	}
	print_message("prune killed %d times in 12 rounds; forged watermark "
	    "%llu of %llu events\n", kills, (unsigned long long)mark,
	    (unsigned long long)m.n);
	assert_int_equal(store_open(f->db, 0, &f->st), 0);
	memset(&s, 0, sizeof(s));
	prune_all(f->st, &p, &s);
	model_check(f->st, &m, p.forged_before, p.ip_before);
	free(m.ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_budget, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_prune_forged,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_prune_needs_fold,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_prune_tail,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_prune_counts,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_prune_killed,
		    fixture_setup, fixture_teardown),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
