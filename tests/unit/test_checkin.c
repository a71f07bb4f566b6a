/* test_checkin.c — store check-ins in a temporary store: the campaign's
 * checkin rules, the store code's signature, the fence and the accuracy,
 * once a day, the per-store cap, the risk limits, exemption codes,
 * streaks across local midnights and a streak's prize granted (its
 * stock, claim, redemption and audit). */
#include "draw_fixture.h"

#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/earth.h"
#include "common/tz.h"
#include "rewards/audit.h"
#include "rewards/checkin.h"
#include "rewards/token.h"

/* Where the fixture's stores are: s1 in Shanghai (radius 100 m). */
#define S1_LAT 31.2304
#define S1_LON 121.4737
#define DAY_US (86400LL * 1000000)

static const uint8_t ck_key[32] = { 9, 9, 9 };

/* Unix µs of an ISO 8601 time. */
static int64_t
at(const char *iso)
{
	int64_t us;

	assert_int_equal(campaign_parse_time(iso, &us), 0);
	return us;
}

/* Adds a shop; radius 0: no location. */
static void
shop_add(struct fixture *f, const char *id, double lat, double lon,
    uint32_t radius)
{
	char token[TOKEN_SHOP_CHARS + 1];
	struct store_shop s;
	struct store_txn t;

	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "%s", id);
	snprintf(s.name, sizeof(s.name), "Shop %s", id);
	s.has_location = radius != 0;
	s.lat = lat;
	s.lon = lon;
	s.radius_m = radius;
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	token_shop_new(&s, token);
	assert_int_equal(store_shop_add_txn(&t, &s), 0);
	assert_int_equal(store_txn_commit(&t), 0);
}

/* A check-in request at shop by visitor v from network net. */
static struct checkin_request
ck_request(struct fixture *f, const char *shop, uint8_t v, uint8_t net,
    int64_t now)
{
	struct checkin_request rq;

	memset(&rq, 0, sizeof(rq));
	rq.c = f->c;
	snprintf(rq.shop, sizeof(rq.shop), "%s", shop);
	rq.visitor[0] = v;
	rq.visitor[15] = 2;
	rq.net[0] = 4;
	rq.net[1] = net;
	rq.now = now;
	rq.key = ck_key;
	rq.claim_key = claim_key;
	rq.tallies = &tallies_store;
	return rq;
}

/* Runs a check-in in its own transaction (committed). */
static struct checkin_result
ck_run(struct fixture *f, const struct checkin_request *rq)
{
	struct checkin_result res;
	struct store_txn t;

	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(checkin_txn(&t, rq, &res), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	return res;
}

/* A GPS check-in offset north of s1 by metres, with accuracy. */
static struct checkin_result
ck_gps(struct fixture *f, const char *shop, uint8_t v, uint8_t net,
    int64_t now, double north_m, float accuracy)
{
	struct checkin_request rq = ck_request(f, shop, v, net, now);

	rq.has_location = true;
	rq.lat = S1_LAT + north_m / 111195.08;
	rq.lon = S1_LON;
	rq.accuracy = accuracy;
	return ck_run(f, &rq);
}

/* The check-ins stored, counted. */
static int
count_cb(const struct store_checkin *c, void *arg)
{
	(void)c;
	(*(int *)arg)++;
	return 0;
}

static int
stored(struct fixture *f)
{
	struct store_txn t;
	int n = 0;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_checkin_foreach_txn(&t, 0, count_cb, &n), 0);
	store_txn_abort(&t);
	return n;
}

/* A visitor's points balance. */
static int64_t
balance(struct fixture *f, uint8_t v)
{
	uint8_t visitor[STORE_VISITOR_BYTES] = { v };
	struct store_txn t;
	int64_t b;

	visitor[15] = 2;
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_points_balance_txn(&t, visitor, &b, NULL), 0);
	store_txn_abort(&t);
	return b;
}

/* Installs the "checkin" fixture and its three shops. */
static void
install(struct fixture *f, const char *name)
{
	if (!tz_known("Asia/Shanghai"))
		skip();
	f->c = tu_campaign_load(f->st, name, 3);
	shop_add(f, "s1", S1_LAT, S1_LON, 100);
	shop_add(f, "s2", S1_LAT, S1_LON, 100);
	shop_add(f, "s3", 0, 0, 0);
}

/* The rules parse, and every mistake in them is named. */
static void
test_rules(void **state)
{
	static const struct {
		const char *checkin, *want;
	} bad[] = {
		{ "{}", "checkin.reward: is required" },
		{ "{\"reward\": {}}", "checkin.reward: gives nothing" },
		{ "{\"reward\": {\"draw\": 1}}", "checkin.reward.draw: must be "
		    "true or false" },
		{ "{\"reward\": {\"points\": 0}}", "checkin.reward.points: must "
		    "be a whole number" },
		{ "{\"reward\": {\"points\": 1}, \"x\": 1}", "checkin.x: unknown "
		    "field" },
		{ "{\"reward\": {\"points\": 1}, \"stores\": []}",
		    "checkin.stores: must be \"all\" or a list" },
		{ "{\"reward\": {\"points\": 1}, \"stores\": [\"a\", 2]}",
		    "checkin.stores[1]: must be a store id" },
		{ "{\"reward\": {\"points\": 1}, \"per_store_per_day\": 0}",
		    "checkin.per_store_per_day: must be" },
		{ "{\"reward\": {\"points\": 1}, \"streak\": {\"days\": 1, "
		    "\"reward\": {\"points\": 1}}}", "checkin.streak.days: must "
		    "be a whole number from 2" },
		{ "{\"reward\": {\"points\": 1}, \"stores\": [\"a\"], "
		    "\"streak\": {\"days\": 3, \"store\": \"b\", \"reward\": "
		    "{\"points\": 1}}}", "checkin.streak.store: names store b, "
		    "which is not in checkin.stores" },
		{ "{\"reward\": {\"points\": 1}, \"streak\": {\"days\": 3}}",
		    "checkin.streak.reward: is required" },
		{ "[]", "checkin: must be an object" },
	};
	static const char head[] = "{\"id\": \"c\", \"name\": \"n\", "
	    "\"start\": \"2027-03-01T00:00:00+08:00\", \"end\": "
	    "\"2027-03-11T00:00:00+08:00\", \"time_zone\": \"Asia/Shanghai\", "
	    "\"scope\": {\"batches\": [1]}, \"tiers\": [{\"id\": \"g\", "
	    "\"name\": \"G\", \"kind\": \"physical\", \"total\": 1, \"odds\": "
	    "1}], \"claim\": {\"window_days\": 1}, \"checkin\": ";
	struct campaign *c;

	(void)state;
	if (!tz_known("Asia/Shanghai"))
		skip();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct campaign_errors errs = { NULL, 0 };
		char text[1024];
		bool found = false;

		snprintf(text, sizeof(text), "%s%s}", head, bad[i].checkin);
		assert_int_equal(campaign_parse(text, strlen(text), true, &c,
		    &errs), -EINVAL);
		for (size_t k = 0; k < errs.n; k++)
			if (strstr(errs.msgs[k], bad[i].want) != NULL)
				found = true;
		if (!found)
			fail_msg("%s: no \"%s\" among %zu messages (first: %s)",
			    bad[i].checkin, bad[i].want, errs.n,
			    errs.n ? errs.msgs[0] : "-");
		campaign_errors_free(&errs);
	}
	c = tu_campaign_file("checkin");
	assert_true(c->checkin.on);
	assert_false(c->checkin.all_stores);
	assert_int_equal(c->checkin.nstores, 3);
	assert_true(campaign_checkin_store(&c->checkin, "s2"));
	assert_false(campaign_checkin_store(&c->checkin, "s4"));
	assert_int_equal(c->checkin.reward.points, 10);
	assert_true(c->checkin.reward.draw);
	assert_int_equal(c->checkin.per_store_per_day, 3);
	assert_int_equal(c->checkin.streak_days, 7);
	assert_string_equal(c->checkin.streak_store, "");
	assert_int_equal(c->checkin.streak_reward.points, 100);
	assert_false(c->checkin.streak_reward.draw);
	campaign_unref(c, __func__);
	/* The stored configuration parses again the same. */
	c = tu_campaign_file("checkin-store-streak");
	assert_true(c->checkin.all_stores);
	assert_string_equal(c->checkin.streak_store, "s1");
	campaign_unref(c, __func__);
}

/* Distances against known values; store codes against other stores. */
static void
test_geometry_and_codes(void **state)
{
	char sig[CHECKIN_SIG_CHARS + 1], lower[CHECKIN_SIG_CHARS + 1];
	uint8_t other[32] = { 9, 9, 8 };

	(void)state;
	/* One degree of a great circle of radius 6371008.8 m. */
	assert_true(fabs(earth_distance_m(0, 0, 1, 0) - 111195.08) < 0.01);
	assert_true(fabs(earth_distance_m(10, 20, 10, 20)) < 1e-9);
	/* Antipodes: half the circumference. */
	assert_true(fabs(earth_distance_m(0, 0, 0, 180) -
	    M_PI * 6371008.8) < 0.01);
	checkin_store_sig(ck_key, "s1", sig);
	assert_int_equal(strlen(sig), CHECKIN_SIG_CHARS);
	assert_true(checkin_store_sig_ok(ck_key, "s1", sig, strlen(sig)));
	for (int i = 0; i <= CHECKIN_SIG_CHARS; i++)
		lower[i] = (char)(sig[i] >= 'A' && sig[i] <= 'Z' ? sig[i] + 32 :
		    sig[i]);
	assert_true(checkin_store_sig_ok(ck_key, "s1", lower, strlen(lower)));
	assert_false(checkin_store_sig_ok(ck_key, "s2", sig, strlen(sig)));
	assert_false(checkin_store_sig_ok(other, "s1", sig, strlen(sig)));
	assert_false(checkin_store_sig_ok(ck_key, "s1", sig, strlen(sig) - 1));
	sig[3] = sig[3] == 'A' ? 'B' : 'A';
	assert_false(checkin_store_sig_ok(ck_key, "s1", sig, strlen(sig)));
}

/* Inside, outside, poor accuracy, twice a day, no fence, unknown and
 * closed; only NEW is recorded and rewarded. */
static void
test_fence(void **state)
{
	struct fixture *f = *state;
	int64_t noon = at("2027-03-02T12:00:00+08:00");
	struct checkin_result r;

	install(f, "checkin");
	r = ck_gps(f, "s1", 1, 1, noon, 150, 10);
	assert_int_equal(r.status, CHECKIN_OUTSIDE);
	assert_true(r.distance_m > 149 && r.distance_m < 151);
	r = ck_gps(f, "s1", 1, 1, noon, 20, 150);
	assert_int_equal(r.status, CHECKIN_INACCURATE);
	assert_int_equal(stored(f), 0);
	assert_int_equal(balance(f, 1), 0);
	r = ck_gps(f, "s1", 1, 1, noon, 90, 100);	/* accuracy = radius */
	assert_int_equal(r.status, CHECKIN_NEW);
	assert_int_equal(r.ck.method, STORE_CHECKIN_GPS);
	assert_int_equal(r.ck.distance_m, 90);
	assert_int_equal(r.ck.day, 1);
	assert_int_equal(r.streak, 1);
	/* The reward: 10 points and a draw, which wins the sure tier. */
	assert_true(r.has_draw);
	assert_int_equal(r.draw.status, DRAW_NEW);
	assert_int_equal(r.draw.draw.outcome, 1);
	assert_true(r.draw.has_claim);
	assert_int_equal(r.ck.draw_seq, r.draw.draw.seq);
	assert_int_equal(r.ck.points, 10);
	assert_int_equal(balance(f, 1), 10);
	assert_int_equal(stored(f), 1);
	/* Twice the same day at the same store: refused; at another: new. */
	r = ck_gps(f, "s1", 1, 1, noon + 3600000000LL, 0, 5);
	assert_int_equal(r.status, CHECKIN_ALREADY);
	assert_int_equal(r.streak, 1);
	r = ck_gps(f, "s2", 1, 1, noon, 0, 5);
	assert_int_equal(r.status, CHECKIN_NEW);
	assert_int_equal(r.streak, 1);		/* still one day */
	assert_int_equal(balance(f, 1), 20);
	/* A store without a location takes exemption codes only; an unknown
	 * store, or one outside the rules, is refused. */
	assert_int_equal(ck_gps(f, "s3", 2, 1, noon, 0, 5).status,
	    CHECKIN_NO_FENCE);
	assert_int_equal(ck_gps(f, "s9", 2, 1, noon, 0, 5).status,
	    CHECKIN_NO_STORE);
	shop_add(f, "s4", S1_LAT, S1_LON, 100);
	assert_int_equal(ck_gps(f, "s4", 2, 1, noon, 0, 5).status,
	    CHECKIN_CLOSED);
	assert_int_equal(ck_gps(f, "s1", 2, 1, at("2027-02-28T23:59:59+08:00"),
	    0, 5).status, CHECKIN_CLOSED);
	/* The next local day (midnight in Shanghai) takes a new check-in. */
	r = ck_gps(f, "s1", 1, 1, at("2027-03-03T00:00:00+08:00"), 0, 5);
	assert_int_equal(r.status, CHECKIN_NEW);
	assert_int_equal(r.streak, 2);
	assert_int_equal(stored(f), 3);
}

/* The per-store cap of a day, and the network limit of the draws. */
static void
test_cap_and_limits(void **state)
{
	struct fixture *f = *state;
	int64_t noon = at("2027-03-05T12:00:00+08:00");
	struct checkin_result r;

	install(f, "checkin");
	for (uint8_t v = 1; v <= 3; v++)
		assert_int_equal(ck_gps(f, "s1", v, v, noon, 0, 5).status,
		    CHECKIN_NEW);
	r = ck_gps(f, "s1", 4, 4, noon, 0, 5);
	assert_int_equal(r.status, CHECKIN_FULL);
	assert_int_equal(ck_gps(f, "s1", 4, 4, noon + DAY_US, 0, 5).status,
	    CHECKIN_NEW);
	/* Six draws an hour from network 9: check-ins count (their draws). */
	noon += 2 * DAY_US;
	for (uint8_t v = 10; v < 13; v++)
		assert_int_equal(ck_gps(f, "s2", v, 9, noon, 0, 5).status,
		    CHECKIN_NEW);
	for (uint8_t v = 10; v < 13; v++)
		assert_int_equal(draw(f, f->c, 100 + v, v, 9, noon).status,
		    DRAW_NEW);
	r = ck_gps(f, "s1", 21, 9, noon, 0, 5);
	assert_int_equal(r.status, CHECKIN_REFUSED);
	assert_int_equal(r.refusal, DRAW_REFUSE_IP_HOUR);
	assert_int_equal(balance(f, 21), 0);
	/* The next hour the network may again. */
	r = ck_gps(f, "s1", 21, 9, noon + 3600000000LL, 0, 5);
	assert_int_equal(r.status, CHECKIN_NEW);
	assert_int_equal(balance(f, 21), 10);
}

/* An exemption code checks in once; the next one replaces it; an old
 * one lapses. */
static void
test_exemption(void **state)
{
	struct fixture *f = *state;
	int64_t noon = at("2027-03-04T12:00:00+08:00"), expires;
	char code[CHECKIN_EXEMPT_DIGITS + 1], old[CHECKIN_EXEMPT_DIGITS + 1];
	struct checkin_request rq;
	struct checkin_result r;
	struct store_txn t;

	install(f, "checkin");
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(checkin_exempt_issue_txn(&t, ck_key, "s3", noon, code,
	    &expires), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	assert_int_equal(strspn(code, "0123456789"), CHECKIN_EXEMPT_DIGITS);
	assert_true(expires == noon + CHECKIN_EXEMPT_TTL_US);
	rq = ck_request(f, "s3", 1, 1, noon + 1000);
	snprintf(rq.exemption, sizeof(rq.exemption), "%s", code);
	r = ck_run(f, &rq);
	assert_int_equal(r.status, CHECKIN_NEW);
	assert_int_equal(r.ck.method, STORE_CHECKIN_EXEMPT);
	/* Used: another visitor cannot use it again. */
	rq = ck_request(f, "s3", 2, 1, noon + 2000);
	snprintf(rq.exemption, sizeof(rq.exemption), "%s", code);
	assert_int_equal(ck_run(f, &rq).status, CHECKIN_BAD_CODE);
	/* At another store it is not valid either. */
	rq = ck_request(f, "s1", 2, 1, noon + 2000);
	snprintf(rq.exemption, sizeof(rq.exemption), "%s", code);
	assert_int_equal(ck_run(f, &rq).status, CHECKIN_BAD_CODE);
	/* A new code replaces the one before. */
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(checkin_exempt_issue_txn(&t, ck_key, "s3", noon, old,
	    &expires), 0);
	assert_int_equal(checkin_exempt_issue_txn(&t, ck_key, "s3", noon, code,
	    &expires), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	rq = ck_request(f, "s3", 2, 1, noon + 3000);
	snprintf(rq.exemption, sizeof(rq.exemption), "%s", old);
	if (strcmp(old, code) != 0)
		assert_int_equal(ck_run(f, &rq).status, CHECKIN_BAD_CODE);
	/* It lapses after its time. */
	rq = ck_request(f, "s3", 2, 1, noon + CHECKIN_EXEMPT_TTL_US);
	snprintf(rq.exemption, sizeof(rq.exemption), "%s", code);
	assert_int_equal(ck_run(f, &rq).status, CHECKIN_BAD_CODE);
	rq.now = noon + CHECKIN_EXEMPT_TTL_US - 1;
	assert_int_equal(ck_run(f, &rq).status, CHECKIN_NEW);
	assert_int_equal(stored(f), 2);
}

/* Seven local days in a row, check-ins a minute either side of local
 * midnight, reward the streak on the seventh; a missed day starts over. */
static void
test_streak(void **state)
{
	struct fixture *f = *state;
	int64_t first = at("2027-03-01T23:59:00+08:00");
	struct checkin_result r;

	install(f, "checkin");
	for (int d = 0; d < 7; d++) {
		/* Day 0 at 23:59, then 00:01 of each next day: two minutes
		 * apart, two local days apart for the first pair. */
		int64_t now = d == 0 ? first : first + 120000000LL +
		    (d - 1) * DAY_US;

		r = ck_gps(f, d % 2 ? "s1" : "s2", 1, (uint8_t)(30 + d), now,
		    0, 5);
		assert_int_equal(r.status, CHECKIN_NEW);
		assert_int_equal(r.streak, d + 1);
		assert_int_equal(r.ck.streak_rewarded, d == 6);
		assert_int_equal(r.ck.points, d == 6 ? 110 : 10);
	}
	assert_int_equal(balance(f, 1), 7 * 10 + 100);
	/* Day 8 follows on: 8 of the next 7; then a gap: 1 again. */
	r = ck_gps(f, "s1", 1, 50, first + 120000000LL + 6 * DAY_US, 0, 5);
	assert_int_equal(r.streak, 8);
	assert_int_equal(r.ck.streak_rewarded, 0);
	r = ck_gps(f, "s1", 1, 51, first + 120000000LL + 8 * DAY_US, 0, 5);
	assert_int_equal(r.status, CHECKIN_NEW);
	assert_int_equal(r.streak, 1);
}

/* A streak at one named store: check-ins elsewhere neither count nor
 * break it. */
static void
test_streak_one_store(void **state)
{
	struct fixture *f = *state;
	int64_t noon = at("2027-03-02T12:00:00+08:00");
	struct checkin_result r;

	install(f, "checkin-store-streak");
	assert_int_equal(ck_gps(f, "s1", 1, 1, noon, 0, 5).streak, 1);
	r = ck_gps(f, "s2", 1, 1, noon + DAY_US, 0, 5);
	assert_int_equal(r.status, CHECKIN_NEW);
	assert_int_equal(r.streak, 1);		/* s1's run, from yesterday */
	assert_false(r.has_draw);
	r = ck_gps(f, "s1", 1, 1, noon + DAY_US, 0, 5);
	assert_int_equal(r.streak, 2);
	r = ck_gps(f, "s1", 1, 1, noon + 2 * DAY_US, 0, 5);
	assert_int_equal(r.streak, 3);
	assert_int_equal(r.ck.streak_rewarded, 1);
	assert_int_equal(balance(f, 1), 4 + 50);
}

/* An online draw of code n by ck_request()'s visitor v. */
static struct draw_result
ck_draw(struct fixture *f, uint64_t n, uint8_t v, int64_t now)
{
	struct checkin_request ck = ck_request(f, "s1", v, 1, now);
	struct draw_request rq = request(f->c, n, v, 1, now);
	struct draw_result res;
	struct store_txn t;

	memcpy(rq.visitor, ck.visitor, STORE_VISITOR_BYTES);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(draw_online_txn(&t, &rq, &res), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	return res;
}

/* A campaign for the visitors of store s1: a check-in elsewhere earns its
 * points but no draw (nothing logged); one at s1 counts for checkin:s1
 * before its own draw, which is made; the tag lets the visitor's codes
 * draw too. */
static void
test_scope(void **state)
{
	struct fixture *f = *state;
	int64_t noon = at("2027-03-02T12:00:00+08:00");
	struct checkin_result r;
	struct draw_result d;

	install(f, "checkin-scope");
	r = ck_gps(f, "s2", 1, 1, noon, 0, 5);
	assert_int_equal(r.status, CHECKIN_NEW);
	assert_true(r.has_draw);
	assert_int_equal(r.draw.status, DRAW_REFUSED);
	assert_int_equal(r.draw.refusal, DRAW_REFUSE_SCOPE);
	assert_int_equal(r.ck.draw_seq, 0);
	assert_int_equal(r.ck.points, 10);
	assert_int_equal(header(f, "ckscope").draws, 0);
	assert_int_equal(draw(f, f->c, 1, 1, 1, noon).refusal,
	    DRAW_REFUSE_SCOPE);
	r = ck_gps(f, "s1", 1, 1, noon + 60000000, 0, 5);
	assert_int_equal(r.status, CHECKIN_NEW);
	assert_int_equal(r.draw.status, DRAW_NEW);
	assert_int_equal(r.ck.draw_seq, 1);
	/* draw()'s visitor 1 is another than ck_request()'s visitor 1. */
	d = draw(f, f->c, 2, 1, 1, noon + 120000000);
	assert_int_equal(d.refusal, DRAW_REFUSE_SCOPE);
	d = ck_draw(f, 1, 1, noon + 180000000);
	assert_int_equal(d.status, DRAW_NEW);
	assert_int_equal(d.draw.seq, 2);
}

/* A streak's prize: every mistake in it is named with its field. */
static void
test_prize_rules(void **state)
{
	static const struct {
		const char *reward, *want;
	} bad[] = {
		{ "{\"prize\": \"zz\"}", "checkin.streak.reward.prize: names "
		    "tier zz, which is not in tiers" },
		{ "{\"prize\": \"pts\"}", "checkin.streak.reward.prize: names "
		    "tier pts, a points tier" },
		{ "{\"prize\": \"box\"}", "checkin.streak.reward.prize: names "
		    "tier box, which reveals at_store" },
		{ "{\"prize\": 1}", "checkin.streak.reward.prize: must be the "
		    "id of a tier" },
		{ "{\"prize\": \"mug\", \"draw\": true}",
		    "checkin.streak.reward.prize: goes without \"draw\": true" },
		{ "{}", "checkin.streak.reward: gives nothing: give points "
		    "and/or \"draw\": true or a prize" },
	};
	json_t *root, *streak;
	struct campaign *c;

	(void)state;
	if (!tz_known("Asia/Shanghai"))
		skip();
	c = tu_campaign_file("checkin-prize");
	assert_int_equal(c->checkin.streak_reward.prize, 2);
	assert_int_equal(c->checkin.streak_reward.points, 5);
	assert_false(c->checkin.streak_reward.draw);
	assert_int_equal(c->checkin.reward.prize, 0);
	campaign_unref(c, __func__);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char path[TU_PATH_MAX];

		assert_non_null(root = json_load_file(tu_fixture_path(path,
		    "campaigns/checkin-prize.json"), 0, NULL));
		streak = json_object_get(json_object_get(root, "checkin"),
		    "streak");
		json_object_set_new(streak, "reward", json_loads(bad[i].reward,
		    0, NULL));
		tu_campaign_expect(root, bad[i].want);
		json_decref(root);
	}
	/* Only a streak is granted a prize. */
	assert_non_null(root = json_loads("{\"points\": 1, \"prize\": "
	    "\"mug\"}", 0, NULL));
	{
		char path[TU_PATH_MAX];
		json_t *file = json_load_file(tu_fixture_path(path,
		    "campaigns/checkin-prize.json"), 0, NULL);

		assert_non_null(file);
		json_object_set_new(json_object_get(file, "checkin"), "reward",
		    root);
		tu_campaign_expect(file, "checkin.reward.prize: is for "
		    "checkin.streak.reward only");
		json_decref(file);
	}
}

/* Audits campaign "ckp" from the store; returns the report (freed). */
static struct audit_report
prize_audit(struct fixture *f)
{
	struct audit_report rep;
	struct store_txn t;
	uint8_t seed[32];

	memset(seed, 3, sizeof(seed));	/* install()'s */
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(audit_run_store(&t, "ckp", seed, &rep), 0);
	store_txn_abort(&t);
	audit_report_free(&rep);
	if (!rep.passed)
		print_message("# audit: %s\n", rep.error);
	return rep;
}

/*
 * Two visitors complete a three-day streak (across a local midnight) at
 * s1; the coupon has a stock of one: the first is granted it with a
 * claim, which a store redeems once; the second gets no prize, and says
 * why. A second check-in that day grants nothing more. The audit passes
 * from the store, and fails when the log holds a grant no check-in made.
 */
static void
test_prize(void **state)
{
	struct fixture *f = *state;
	int64_t first = at("2027-03-01T23:59:00+08:00");
	struct checkin_result r[2];
	struct audit_report rep;
	struct store_campaign hdr;
	struct store_draw d;
	struct store_txn t;

	install(f, "checkin-prize");
	for (int day = 0; day < 3; day++) {
		int64_t now = day == 0 ? first : first + 120000000LL +
		    (day - 1) * DAY_US;

		for (uint8_t v = 1; v <= 2; v++) {
			r[v - 1] = ck_gps(f, "s1", v, v, now + v, 0, 5);
			assert_int_equal(r[v - 1].status, CHECKIN_NEW);
			assert_int_equal(r[v - 1].streak, day + 1);
			assert_int_equal(r[v - 1].has_streak_grant, day == 2);
			assert_false(r[v - 1].has_streak_draw);
		}
	}
	/* The first: the coupon, its claim, its log entry. */
	assert_int_equal(r[0].streak_grant.status, DRAW_NEW);
	assert_int_equal(r[0].streak_grant.draw.kind, STORE_DRAW_GRANT);
	assert_int_equal(r[0].streak_grant.draw.outcome, 2);
	assert_int_equal(r[0].streak_grant.draw.rnd, 0);
	assert_string_equal(r[0].streak_grant.draw.shop, "s1");
	assert_true(r[0].streak_grant.has_claim);
	assert_int_equal(r[0].streak_grant.claim.tier, 2);
	assert_int_equal(r[0].ck.streak_draw_seq, r[0].streak_grant.draw.seq);
	assert_int_equal(r[0].ck.points, 1 + 5);
	assert_null(checkin_grant_text(&r[0], false));
	/* The second: none left. */
	assert_int_equal(r[1].streak_grant.status, DRAW_NEW);
	assert_int_equal(r[1].streak_grant.draw.outcome, STORE_OUTCOME_MISS);
	assert_int_equal(r[1].streak_grant.draw.reason, DRAW_MISS_STOCK);
	assert_false(r[1].streak_grant.has_claim);
	assert_int_equal(r[1].ck.streak_draw_seq, r[1].streak_grant.draw.seq);
	assert_non_null(strstr(checkin_grant_text(&r[1], false),
	    "all given out"));
	assert_int_equal(counter(f, "ckp", STORE_COUNT_SUMMARY,
	    STORE_SUM_GRANTS, 0), 1);
	assert_int_equal(counter(f, "ckp", STORE_COUNT_SUMMARY,
	    STORE_SUM_GRANTS_MISSED, 0), 1);
	assert_int_equal(counter(f, "ckp", STORE_COUNT_SUMMARY,
	    STORE_SUM_DRAWS, 0), 0);
	/* Again that day, at another store: no second grant. */
	r[0] = ck_gps(f, "s2", 1, 1, first + 120000000LL + DAY_US + 60000000,
	    0, 5);
	assert_int_equal(r[0].status, CHECKIN_NEW);
	assert_int_equal(r[0].streak, 3);
	assert_false(r[0].has_streak_grant);
	assert_int_equal(header(f, "ckp").draws, 2);
	rep = prize_audit(f);
	assert_true(rep.passed);
	assert_int_equal(rep.sum.grants, 1);
	assert_int_equal(rep.sum.grant_misses, 1);
	assert_int_equal(rep.sum.wins[1], 1);

	/* A grant in the log that no check-in made fails the audit. */
	hdr = header(f, "ckp");
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_draw_get_txn(&t, "ckp", 2, &d), 0);
	d.seq = ++hdr.draws;
	d.serial[0] ^= 1;
	d.time += 1000;
	assert_int_equal(store_draw_add_txn(&t, "ckp", &d), 0);
	assert_int_equal(store_campaign_put_txn(&t, &hdr, false), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	rep = prize_audit(f);
	assert_false(rep.passed);
	assert_non_null(strstr(rep.error, "a grant without its check-in"));
}

/* The granted claim redeems once, like a won draw's. */
static void
test_prize_redeem(void **state)
{
	struct fixture *f = *state;
	int64_t noon = at("2027-03-02T12:00:00+08:00");
	char shop[TOKEN_SHOP_CHARS + 1];
	struct checkin_result r;
	struct redeem_result rr;

	install(f, "checkin-prize");
	for (int day = 0; day < 3; day++)
		r = ck_gps(f, "s2", 1, 1, noon + day * DAY_US, 0, 5);
	assert_true(r.streak_grant.has_claim);
	fixture_shop(f, "s9", shop);
	rr = tu_redeem(f->st, f->c, r.streak_grant.claim_token, shop,
	    noon + 3 * DAY_US, claim_key);
	assert_int_equal(rr.status, REDEEM_OK);
	assert_string_equal(rr.claim.shop, "s9");
	assert_int_equal(rr.claim.tier, 2);
	rr = tu_redeem(f->st, f->c, r.streak_grant.claim_token, shop,
	    noon + 3 * DAY_US + 1, claim_key);
	assert_int_equal(rr.status, REDEEM_ALREADY);
	assert_true(prize_audit(f).passed);
}

/* Leased stock (serve --pg) the node holds none of: the check-in counts
 * and its streak is complete, but nothing is granted or logged. */
static void
test_prize_leased(void **state)
{
	struct fixture *f = *state;
	int64_t noon = at("2027-03-02T12:00:00+08:00");
	uint8_t subject[16] = { 1, STORE_LEASE_TAKEN };
	struct checkin_result r;
	struct store_txn t;

	install(f, "checkin-prize");
	/* The coupon leased, and all of it given back. */
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_counter_add_txn(&t, "ckp", STORE_COUNT_LEASE,
	    subject, 0, 1), 0);
	subject[1] = STORE_LEASE_RETURNED;
	assert_int_equal(store_counter_add_txn(&t, "ckp", STORE_COUNT_LEASE,
	    subject, 0, 1), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	for (int day = 0; day < 3; day++)
		r = ck_gps(f, "s1", 1, 1, noon + day * DAY_US, 0, 5);
	assert_int_equal(r.status, CHECKIN_NEW);
	assert_int_equal(r.ck.streak_rewarded, 1);
	assert_true(r.has_streak_grant);
	assert_int_equal(r.streak_grant.status, DRAW_RETRY);
	assert_int_equal(r.ck.streak_draw_seq, 0);
	assert_non_null(strstr(checkin_grant_text(&r, false), "just now"));
	assert_int_equal(header(f, "ckp").draws, 0);
	assert_int_equal(stored(f), 3);
	assert_true(prize_audit(f).passed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_geometry_and_codes),
		cmocka_unit_test_setup_teardown(test_fence, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_cap_and_limits,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_exemption, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_streak, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_streak_one_store,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_scope, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test(test_prize_rules),
		cmocka_unit_test_setup_teardown(test_prize, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_prize_redeem,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_prize_leased,
		    fixture_setup, fixture_teardown),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
