/*
 * test_signals.c — the rules of analytics/signals.c on constructed event
 * sequences in a real store: each fires where docs/signals.md says and
 * stays silent next to it (another visitor close by, the same visitor
 * far away, outside the window, a bot, a forged copy, inside a circle,
 * at the threshold); the settings and circles refuse bad values; the
 * redemption anomaly's binomial tail against a direct sum, and its rule
 * on stores with and without excess; the listing's rows and cursor.
 */
#include "store_fixture.h"

#include "analytics/signals.h"
#include "store/verdict.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUR (3600LL * 1000000)
#define T0 (1780000000LL * 1000000)	/* 2026-05-28T20:26:40Z */

static const double SHANGHAI[2] = { 31.2304, 121.4737 };
static const double SUZHOU[2] = { 31.2989, 120.5853 };	/* ~85 km */
static const double NEAR[2] = { 31.30, 121.50 };	/* ~8 km */
static const double BEIJING[2] = { 39.9042, 116.4074 };

/* One scan to append: who, what, when and where. */
struct scan {
	uint8_t code;			/* serial byte; 0: none */
	uint8_t visitor;
	uint8_t flags;			/* STORE_EVENT_F_* */
	uint8_t verdict;
	int64_t time;
	const double *where;		/* NULL: no location */
	float accuracy;
	uint8_t ip[4];
	uint32_t batch;
};

#define HUMAN (STORE_EVENT_F_HUMAN | STORE_EVENT_F_AUTH | STORE_EVENT_F_KNOWN)

/* Builds a store event from a scan. */
static void
make_event(const struct scan *s, struct store_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->time = s->time;
	if (s->code != 0)
		memset(ev->serial, s->code, STORE_SERIAL_BYTES);
	ev->batch_id = s->batch;
	ev->verdict = s->verdict;
	ev->flags = s->flags;
	ev->visitor[0] = s->visitor;
	ev->visitor[15] = 1;
	ev->ip_family = 4;
	memcpy(ev->ip, s->ip[0] ? s->ip : (const uint8_t[]){ 10, 1, 2, 3 }, 4);
	if (s->where != NULL) {
		ev->flags |= STORE_EVENT_F_LOCATION;
		ev->lat = s->where[0];
		ev->lon = s->where[1];
		ev->accuracy = s->accuracy;
		ev->location_time = s->time;
	}
}

/* Appends a scan as the server does and raises its signals; returns the
 * event id, *r what it raised. */
static uint64_t
scan_add(struct store *st, const struct scan *s, struct signals_raised *r)
{
	struct store_code_scans cs;
	struct store_event ev;
	struct store_txn t;

	make_event(s, &ev);
	memset(r, 0, sizeof(*r));
	assert_int_equal(store_txn_begin(st, false, &t), 0);
	assert_int_equal(store_event_add_txn(&t, &ev, &cs), 0);
	assert_int_equal(signals_event_txn(&t, &ev, r), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	return ev.id;
}

/* Attaches a location to event id as the server does; returns what it
 * raised. */
static struct signals_raised
locate(struct store *st, uint64_t id, const double *where, int64_t now)
{
	struct store_code_scans cs;
	struct signals_raised r;
	struct store_event ev;
	struct store_txn t;

	memset(&r, 0, sizeof(r));
	assert_int_equal(store_txn_begin(st, false, &t), 0);
	assert_int_equal(store_event_set_location_txn(&t, id, where[0],
	    where[1], 10, now, &ev), 0);
	assert_int_equal(store_code_scans_current_txn(&t, ev.serial, &cs), 0);
	assert_int_equal(signals_location_txn(&t, &ev, cs.last_event, &r), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	return r;
}

/* Sets a setting (NULL: unsets it). */
static void
setting(struct store *st, const char *name, const char *value)
{
	struct store_txn t;
	int ret;

	assert_int_equal(store_txn_begin(st, false, &t), 0);
	ret = store_config_put_txn(&t, name, value);
	assert_true(ret == 0 || (value == NULL && ret == -ENOENT));
	assert_int_equal(store_txn_commit(&t), 0);
}

/* The stored signals: how many, and the last one in *last. */
static int
signal_count_cb(const struct store_signal *s, void *arg)
{
	struct store_signal *last = arg;

	*last = *s;
	return 0;
}

static size_t
signals_stored(struct store *st, struct store_signal *last)
{
	struct store_txn t;
	uint64_t n;

	assert_int_equal(store_txn_begin(st, true, &t), 0);
	assert_int_equal(store_signal_foreach_txn(&t, 0, signal_count_cb,
	    last), 0);
	assert_int_equal(store_signal_last_id_txn(&t, &n), 0);
	store_txn_abort(&t);
	return (size_t)n;
}

/* leaked_job: a not_active scan raises at once, whoever scans; nothing
 * else does. */
static void
test_leaked_job(void **state)
{
	struct fixture *f = *state;
	struct signals_raised r;
	struct store_signal last;
	struct scan s = { .code = 1, .visitor = 1, .flags = HUMAN,
	    .verdict = VERDICT_GENUINE, .time = T0, .batch = 7 };

	scan_add(f->st, &s, &r);
	assert_int_equal(r.n[SIGNALS_LEAKED_JOB], 0);
	s.verdict = VERDICT_NOT_ACTIVE;
	s.flags = STORE_EVENT_F_KNOWN | STORE_EVENT_F_AUTH;	/* a bot */
	s.code = 2;
	uint64_t id = scan_add(f->st, &s, &r);
	assert_int_equal(r.n[SIGNALS_LEAKED_JOB], 1);
	assert_int_equal(signals_stored(f->st, &last), 1);
	assert_int_equal(last.kind, SIGNALS_LEAKED_JOB);
	assert_int_equal(last.nevents, 1);
	assert_int_equal(last.event_ids[0], id);
	assert_int_equal(last.batch_id, 7);
	assert_int_equal(last.serial[0], 2);
	assert_true(last.flags & STORE_SIGNAL_F_PREFIX);
	assert_int_equal(last.prefix_len, 24);
	assert_int_equal(last.ip[3], 0);
	assert_non_null(strstr(last.detail, "by a bot"));
}

/* Scans code first by visitor 1 in Shanghai, then b (with the same
 * code); returns the clones b raised. */
static unsigned
clone_pair(struct store *st, uint8_t code, struct scan b, uint64_t *id)
{
	struct scan a = { .code = code, .visitor = 1, .flags = HUMAN,
	    .time = T0, .where = SHANGHAI };
	struct signals_raised r;

	scan_add(st, &a, &r);
	b.code = code;
	if (b.time == 0)
		b.time = T0 + HOUR;
	*id = scan_add(st, &b, &r);
	assert_true(r.elsewhere == (r.n[SIGNALS_CLONE] > 0));
	return r.n[SIGNALS_CLONE];
}

/* clone: far apart, other visitor, inside the window; silent for each
 * condition that fails. */
static void
test_clone(void **state)
{
	struct fixture *f = *state;
	struct store_signal last;
	uint64_t id;
	struct scan b = { .visitor = 1, .flags = HUMAN, .where = BEIJING };

	/* The same visitor far away: no. */
	assert_int_equal(clone_pair(f->st, 3, b, &id), 0);
	/* Another visitor close by: no. */
	b.visitor = 2;
	b.where = NEAR;
	assert_int_equal(clone_pair(f->st, 4, b, &id), 0);
	/* A bot far away: no. */
	b.flags = STORE_EVENT_F_AUTH | STORE_EVENT_F_KNOWN;
	b.where = BEIJING;
	assert_int_equal(clone_pair(f->st, 5, b, &id), 0);
	/* A forged copy (its signature wrong: no AUTH) far away: no. */
	b.flags = STORE_EVENT_F_HUMAN | STORE_EVENT_F_KNOWN;
	b.verdict = VERDICT_FORGED;
	assert_int_equal(clone_pair(f->st, 6, b, &id), 0);
	/* Without a location: no (a later location may raise it). */
	b.flags = HUMAN;
	b.verdict = VERDICT_GENUINE;
	b.where = NULL;
	assert_int_equal(clone_pair(f->st, 7, b, &id), 0);
	/* 85 km away, but a fix 40 km rough: 85 - 40 is within 50: no. */
	b.where = SUZHOU;
	b.accuracy = 40000;
	assert_int_equal(clone_pair(f->st, 8, b, &id), 0);
	assert_int_equal(signals_stored(f->st, &last), 0);
	/* Precise: a clone, paired with visitor 1's Shanghai scan. */
	b.accuracy = 10;
	assert_int_equal(clone_pair(f->st, 9, b, &id), 1);
	assert_int_equal(signals_stored(f->st, &last), 1);
	assert_int_equal(last.kind, SIGNALS_CLONE);
	assert_int_equal(last.nevents, 2);
	assert_int_equal(last.event_ids[0], id - 1);
	assert_int_equal(last.event_ids[1], id);
	assert_int_equal(last.serial[0], 9);
	assert_true(last.flags & STORE_SIGNAL_F_LOCATION);
	assert_true(fabs(last.lat - SUZHOU[0]) < 1e-9);
	assert_non_null(strstr(last.detail, "85 km apart, 1.0 h apart"));
	/* clone.km 100: the same 85 km are no clone any more. */
	setting(f->st, "clone.km", "100");
	assert_int_equal(clone_pair(f->st, 10, b, &id), 0);
	setting(f->st, "clone.km", NULL);
	/* A third scan far from the first raises its own. */
	b.visitor = 3;
	b.time = T0 + 2 * HOUR;
	b.code = 9;
	struct signals_raised r;
	id = scan_add(f->st, &b, &r);
	assert_int_equal(r.n[SIGNALS_CLONE], 1);
}

/* clone: the window in hours, both ways, and the walk's stop. */
static void
test_clone_window(void **state)
{
	struct fixture *f = *state;
	struct signals_raised r;
	struct scan a = { .code = 4, .visitor = 1, .flags = HUMAN,
	    .time = T0, .where = SHANGHAI };

	scan_add(f->st, &a, &r);
	a.visitor = 2;
	a.where = BEIJING;
	a.time = T0 + 25 * HOUR;		/* outside 24 h */
	scan_add(f->st, &a, &r);
	assert_int_equal(r.n[SIGNALS_CLONE], 0);
	setting(f->st, "clone.hours", "26");
	a.visitor = 3;
	a.where = SHANGHAI;
	a.time = T0 + 25 * HOUR + 1;	/* Beijing 1 µs ago */
	scan_add(f->st, &a, &r);
	assert_int_equal(r.n[SIGNALS_CLONE], 1);
	setting(f->st, "clone.hours", NULL);
}

/* clone through a location that arrives after the scan, and a page scan
 * without one raises nothing when it commits. */
static void
test_clone_location(void **state)
{
	struct fixture *f = *state;
	struct signals_raised r;
	struct store_signal last;
	struct scan a = { .code = 5, .visitor = 1, .flags = HUMAN,
	    .time = T0 };
	uint64_t e1, e2, e3;

	e1 = scan_add(f->st, &a, &r);
	a.visitor = 2;
	a.time = T0 + 60000000;
	e2 = scan_add(f->st, &a, &r);
	assert_int_equal(r.n[SIGNALS_CLONE], 0);
	/* The later scan's location first, then the earlier's: the second
	 * location completes the pair. A third, close, scan in between. */
	a.visitor = 3;
	a.time = T0 + 120000000;
	e3 = scan_add(f->st, &a, &r);
	r = locate(f->st, e2, BEIJING, T0 + 130000000);
	assert_int_equal(r.n[SIGNALS_CLONE], 0);
	r = locate(f->st, e3, NEAR, T0 + 140000000);
	assert_int_equal(r.n[SIGNALS_CLONE], 1);	/* e3 near vs e2 */
	r = locate(f->st, e1, BEIJING, T0 + 150000000);
	assert_int_equal(r.n[SIGNALS_CLONE], 1);	/* e1 Beijing vs e3 */
	assert_true(r.elsewhere);
	assert_int_equal(signals_stored(f->st, &last), 2);
	assert_int_equal(last.event_ids[0], e1);
	assert_int_equal(last.event_ids[1], e3);
	assert_int_equal(last.time, T0 + 150000000);
}

/* diversion: outside every circle, accuracy allowed; silent without a
 * region, without a location, inside. */
static void
test_diversion(void **state)
{
	struct fixture *f = *state;
	struct store_code_entry *e = make_entries(4);
	struct store_circle c[2] = { { 31.2304, 121.4737, 50 },
	    { 39.9042, 116.4074, 100 } };
	struct signals_raised r;
	struct store_signal last;
	struct store_txn t;
	uint32_t batch = mint_batch(f->st, e, 4);
	struct scan s = { .code = 6, .visitor = 1, .flags = HUMAN,
	    .time = T0, .where = SUZHOU, .batch = batch };

	scan_add(f->st, &s, &r);		/* no region yet */
	assert_int_equal(r.n[SIGNALS_DIVERSION], 0);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_region_put_txn(&t, batch, c, 2), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	s.where = NEAR;
	s.code = 7;
	scan_add(f->st, &s, &r);
	assert_int_equal(r.n[SIGNALS_DIVERSION], 0);
	s.where = NULL;				/* not located */
	s.code = 8;
	uint64_t later = scan_add(f->st, &s, &r);
	assert_int_equal(r.n[SIGNALS_DIVERSION], 0);
	s.where = SUZHOU;			/* ~85 km, 50 km circle */
	s.accuracy = 40000;			/* but 40 km rough */
	s.code = 9;
	scan_add(f->st, &s, &r);
	assert_int_equal(r.n[SIGNALS_DIVERSION], 0);
	s.accuracy = 100;
	s.code = 10;
	scan_add(f->st, &s, &r);
	assert_int_equal(r.n[SIGNALS_DIVERSION], 1);
	assert_int_equal(signals_stored(f->st, &last), 1);
	assert_non_null(strstr(last.detail, "(line line-7)"));
	assert_non_null(strstr(last.detail, "outside its sales region"));
	/* A location that arrives later, outside. */
	r = locate(f->st, later, SUZHOU, T0 + HOUR);
	assert_int_equal(r.n[SIGNALS_DIVERSION], 1);
	assert_false(r.elsewhere);
	free(e);
}

/* forgery_burst: above the threshold once per prefix and hour; /24 and
 * /48 group addresses, other prefixes and hours count apart. */
static void
test_forgery_burst(void **state)
{
	struct fixture *f = *state;
	struct signals_raised r;
	struct store_signal last;
	struct store_event ev;
	struct store_code_scans cs;
	struct store_txn t;
	struct scan s = { .visitor = 1, .flags = STORE_EVENT_F_HUMAN,
	    .verdict = VERDICT_FORGED, .time = T0, .ip = { 203, 0, 113, 9 } };
	unsigned raised = 0;
	uint64_t first = 0, id = 0;

	setting(f->st, "burst.per_hour", "3");
	for (int i = 0; i < 12; i++) {
		s.ip[3] = (uint8_t)(i * 20);	/* same /24 */
		s.verdict = i % 2 ? VERDICT_MALFORMED : VERDICT_FORGED;
		id = scan_add(f->st, &s, &r);
		if (i == 0)
			first = id;
		raised += r.n[SIGNALS_FORGERY_BURST];
		if (i == 3)
			assert_int_equal(raised, 1);	/* the fourth */
		if (i < 3)
			assert_int_equal(raised, 0);
	}
	assert_int_equal(raised, 1);
	assert_int_equal(signals_stored(f->st, &last), 1);
	assert_int_equal(last.event_ids[0], first);
	assert_int_equal(last.event_ids[1], first + 3);
	assert_int_equal(last.prefix_len, 24);
	assert_non_null(strstr(last.detail, "203.0.113.0/24"));
	/* A genuine scan from there counts nothing; another /24, and the
	 * next hour, start again. */
	s.verdict = VERDICT_GENUINE;
	scan_add(f->st, &s, &r);
	s.verdict = VERDICT_FORGED;
	s.ip[2] = 114;
	for (int i = 0; i < 3; i++) {
		scan_add(f->st, &s, &r);
		assert_int_equal(r.n[SIGNALS_FORGERY_BURST], 0);
	}
	s.ip[2] = 113;
	s.time = T0 + HOUR;
	for (int i = 0; i < 4; i++)
		scan_add(f->st, &s, &r);
	assert_int_equal(r.n[SIGNALS_FORGERY_BURST], 1);
	/* IPv6: one /48, different /64s. */
	for (int i = 0; i < 4; i++) {
		make_event(&s, &ev);
		ev.ip_family = 6;
		memset(ev.ip, 0, 16);
		ev.ip[0] = 0x20;
		ev.ip[1] = 0x01;
		ev.ip[5] = 7;
		ev.ip[7] = (uint8_t)i;
		memset(&r, 0, sizeof(r));
		assert_int_equal(store_txn_begin(f->st, false, &t), 0);
		assert_int_equal(store_event_add_txn(&t, &ev, &cs), 0);
		assert_int_equal(signals_event_txn(&t, &ev, &r), 0);
		assert_int_equal(store_txn_commit(&t), 0);
	}
	assert_int_equal(r.n[SIGNALS_FORGERY_BURST], 1);
	assert_int_equal(signals_stored(f->st, &last), 3);
	assert_int_equal(last.prefix_len, 48);
	assert_non_null(strstr(last.detail, "2001:0:7::/48"));
}

/* Settings and circles refuse what they should. */
static void
test_settings_and_circles(void **state)
{
	struct fixture *f = *state;
	const struct signals_setting *s;
	struct store_circle c;
	struct store_txn t;
	const char *why;
	double v;
	bool set;
	static const char *const bad_circles[] = { "", "1", "1,2", "1,2,",
	    "1,2,3,4", "a,2,3", "91,0,1", "0,-181,1", "0,0,0", "0,0,-5",
	    "0,0,20041", " 1,2,3", "1,2,nan", "1,2,inf", NULL };

	assert_null(signals_setting_find("clone.kms"));
	s = signals_setting_find("burst.per_hour");
	assert_non_null(s);
	assert_int_equal(signals_setting_check(s, "2.5", &v, &why), -EINVAL);
	assert_int_equal(signals_setting_check(s, "0", &v, &why), -EINVAL);
	assert_int_equal(signals_setting_check(s, "", &v, &why), -EINVAL);
	assert_int_equal(signals_setting_check(s, "7", &v, &why), 0);
	assert_true(v == 7);
	s = signals_setting_find("clone.km");
	assert_int_equal(signals_setting_check(s, "1e400", &v, &why), -EINVAL);
	assert_int_equal(signals_setting_check(s, "-1", &v, &why), -EINVAL);
	assert_int_equal(signals_setting_check(s, "12.5", &v, &why), 0);
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(signals_setting_get_txn(&t, s, &v, &set), 0);
	store_txn_abort(&t);
	assert_false(set);
	assert_true(v == 50);
	setting(f->st, "clone.km", "12.5");
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(signals_setting_get_txn(&t, s, &v, &set), 0);
	store_txn_abort(&t);
	assert_true(set && v == 12.5);
	for (int i = 0; bad_circles[i] != NULL; i++)
		assert_int_equal(signals_circle_parse(bad_circles[i], &c, &why),
		    -EINVAL);
	assert_int_equal(signals_circle_parse("-33.86,151.21,0.5", &c, &why),
	    0);
	assert_true(c.lat == -33.86 && c.lon == 151.21 && c.km == 0.5);
	/* Shanghai to Beijing, as published great-circle tools give it. */
	v = signals_distance_km(SHANGHAI[0], SHANGHAI[1], BEIJING[0],
	    BEIJING[1]);
	assert_true(v > 1060 && v < 1075);
	assert_true(signals_distance_km(0, 0, 0, 180) > 20015 &&
	    signals_distance_km(0, 0, 0, 180) < 20016);
}

/* The binomial tail against a direct sum of the probability mass. */
static void
test_binomial_tail(void **state)
{
	static const struct { uint64_t n, k; double p; } cases[] = {
		{ 10, 3, 0.2 }, { 50, 40, 0.108 }, { 200, 1, 0.001 },
		{ 1000, 120, 0.1 }, { 30, 30, 0.5 }, { 5, 0, 0.3 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t n = cases[i].n, k = cases[i].k;
		double p = cases[i].p, pmf = pow(1 - p, (double)n), sum = 0,
		    got = signals_binomial_tail(n, p, k);

		/* pmf(j+1) = pmf(j) (n-j)/(j+1) p/(1-p) */
		for (uint64_t j = 0; j <= n; j++) {
			if (j >= k)
				sum += pmf;
			pmf *= (double)(n - j) / (double)(j + 1) * p / (1 - p);
		}
		assert_true(fabs(got - sum) <= 1e-9 * sum + 1e-300);
	}
	assert_true(signals_binomial_tail(10, 0.5, 11) == 0);
}

/* Adds a located store and n claims redeemed there at time when. */
static void
shop_with_claims(struct store *st, const char *id, const double *where,
    int n, int64_t when)
{
	static uint8_t next_claim;
	struct store_shop s;
	struct store_claim c;
	struct store_txn t;

	memset(&s, 0, sizeof(s));
	strcpy(s.id, id);
	strcpy(s.name, id);
	s.has_location = 1;
	s.lat = where[0];
	s.lon = where[1];
	s.radius_m = 200;
	s.selector[0] = (uint8_t)id[0];
	s.selector[1] = (uint8_t)id[1];
	assert_int_equal(store_txn_begin(st, false, &t), 0);
	assert_int_equal(store_shop_add_txn(&t, &s), 0);
	for (int i = 0; i < n; i++) {
		memset(&c, 0, sizeof(c));
		c.id[0] = ++next_claim;
		c.id[1] = (uint8_t)id[0];
		c.state = STORE_CLAIM_REDEEMED;
		strcpy(c.campaign, "c1");
		strcpy(c.shop, id);
		c.created = when - HOUR;
		c.redeemed = when;
		assert_int_equal(store_claim_add_txn(&t, &c), 0);
	}
	assert_int_equal(store_txn_commit(&t), 0);
}

static int
anomaly_cb(const struct signals_anomaly *a, void *arg)
{
	struct signals_anomaly *out = arg;

	assert_int_equal(out->redeemed, 0);	/* one only */
	*out = *a;
	return 0;
}

/* redemption_anomaly: 90 scans near A, 10 near B; A redeems 10, B 40:
 * B is flagged, A not; outside the period nothing. */
static void
test_redemption_anomaly(void **state)
{
	struct fixture *f = *state;
	struct signals_anomaly a;
	struct signals_raised r;
	struct store_txn t;
	struct scan s = { .code = 20, .visitor = 1, .flags = HUMAN,
	    .time = T0, .where = SHANGHAI };

	shop_with_claims(f->st, "sh-a", SHANGHAI, 10, T0 + HOUR);
	shop_with_claims(f->st, "bj-b", BEIJING, 40, T0 + HOUR);
	for (int i = 0; i < 100; i++) {
		s.code = (uint8_t)(20 + i);
		s.where = i < 90 ? SHANGHAI : BEIJING;
		s.time = T0 + i;
		scan_add(f->st, &s, &r);
	}
	/* A scan 100 km from any store counts for none. */
	s.where = SUZHOU;
	scan_add(f->st, &s, &r);
	memset(&a, 0, sizeof(a));
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(signals_anomalies_txn(&t, T0 - HOUR, T0 + 2 * HOUR,
	    anomaly_cb, &a), 0);
	assert_string_equal(a.shop, "bj-b");
	assert_int_equal(a.redeemed, 40);
	assert_int_equal(a.redeemed_all, 50);
	assert_int_equal(a.scans, 10);
	assert_int_equal(a.scans_all, 100);
	assert_true(fabs(a.expected - 50.0 * 11 / 102) < 1e-9);
	assert_true(a.p < 1e-10);
	/* A period without the redemptions: nothing. */
	memset(&a, 0, sizeof(a));
	assert_int_equal(signals_anomalies_txn(&t, T0 + 3 * HOUR, T0 + 4 * HOUR,
	    anomaly_cb, &a), 0);
	assert_int_equal(a.redeemed, 0);
	store_txn_abort(&t);
	/* A stricter ratio lets it pass: 40 < 8 x 5.4. */
	setting(f->st, "redemption.ratio", "8");
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(signals_anomalies_txn(&t, T0 - HOUR, T0 + 2 * HOUR,
	    anomaly_cb, &a), 0);
	store_txn_abort(&t);
	assert_int_equal(a.redeemed, 0);
}

/* Collects a listing. */
static int
list_sink(void *arg, const void *data, size_t len)
{
	char *buf = arg;
	size_t n = strlen(buf);

	assert_true(n + len < 8192);
	memcpy(buf + n, data, len);
	buf[n + len] = '\0';
	return 0;
}

/* The listing: rows in id order, --since, --kind, the cursor. */
static void
test_listing(void **state)
{
	struct fixture *f = *state;
	struct signals_query q;
	struct signals_raised r;
	struct scan s = { .code = 1, .visitor = 1, .flags = HUMAN,
	    .verdict = VERDICT_NOT_ACTIVE, .time = T0, .batch = 3 };
	static char out[8192];
	const char *why;
	uint64_t next;

	for (int i = 0; i < 3; i++)
		scan_add(f->st, &s, &r);
	memset(&q, 0, sizeof(q));
	q.format = SIGNALS_JSONL;
	out[0] = '\0';
	assert_int_equal(signals_list(f->st, &q, list_sink, out, &next, &why),
	    0);
	assert_int_equal(next, 3);
	assert_non_null(strstr(out, "{\"id\":1,\"kind\":\"leaked_job\""));
	assert_non_null(strstr(out, "\"event_ids\":[3],"));
	assert_non_null(strstr(out, "\"ip_prefix\":\"10.1.2.0/24\""));
	q.format = SIGNALS_CSV;
	assert_int_equal(signals_query_set(&q, "since", "1", &why), 0);
	out[0] = '\0';
	assert_int_equal(signals_list(f->st, &q, list_sink, out, &next, &why),
	    0);
	assert_non_null(strstr(out, "id,kind,time,serial,gtin,batch_id,line,"
	    "event_ids,lat,lon,ip_prefix,store,detail\r\n2,leaked_job,"));
	assert_null(strstr(out, "\r\n1,"));
	assert_int_equal(signals_query_set(&q, "kind", "clone", &why), 0);
	out[0] = '\0';
	assert_int_equal(signals_list(f->st, &q, list_sink, out, &next, &why),
	    0);
	assert_int_equal(next, 3);		/* skipped kinds move it */
	assert_null(strstr(out, "leaked_job"));
	assert_int_equal(signals_query_set(&q, "since", "4", &why), 0);
	assert_int_equal(signals_list(f->st, &q, list_sink, out, &next, &why),
	    -ERANGE);
	assert_int_equal(signals_query_set(&q, "kind", "nope", &why), -EINVAL);
	assert_int_equal(signals_query_set(&q, "format", "xml", &why),
	    -EINVAL);
	memset(&q, 0, sizeof(q));
	assert_int_equal(signals_query_parse_url(&q, "kind=clone&kind=x", 17,
	    &why), -EINVAL);
	assert_int_equal(signals_query_parse_url(&q, "since=2&limit=1", 15,
	    &why), 0);
	assert_true(q.has_since && q.since == 2 && q.limit == 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_leaked_job, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_clone, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_clone_window,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_clone_location,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_diversion, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_forgery_burst,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_settings_and_circles,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test(test_binomial_tail),
		cmocka_unit_test_setup_teardown(test_redemption_anomaly,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_listing, fixture_setup,
		    fixture_teardown),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
