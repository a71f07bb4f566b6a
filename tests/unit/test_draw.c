/* test_draw.c — draws and redemptions in a temporary store: picking by
 * odds, caps across local days, one draw per code, risk refusals, sealed
 * tickets, and every way a redemption can be refused. */
#include "testutil.h"

#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "rewards/campaign.h"
#include "rewards/draw.h"
#include "scanner/scan_internal.h"
#include "codegen/base32.h"
#include "common/clock.h"
#include "store/store.h"

__extension__ typedef unsigned __int128 u128;

static const uint8_t claim_key[32] = { 7, 7, 7 };

struct fixture {
	char dir[TU_PATH_MAX];
	char db[TU_PATH_MAX];
	struct store *st;
	struct campaign *c;
	struct drawcache *cache;	/* draws through it when set */
	struct tallies cache_tl;	/* its tallies */
};

/* A fresh store in a fresh temporary directory. */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	tu_tmpdir(f->dir);
	tu_path(f->db, f->dir, "db");
	assert_int_equal(store_open(f->db, STORE_CREATE, &f->st), 0);
	*state = f;
	return 0;
}

/* Closes and removes it. */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	campaign_unref(f->c, __func__);
	drawcache_free(f->cache);
	store_close(f->st);
	tu_rmtree(f->dir);
	free(f);
	return 0;
}

/* True when the time zone database holds Asia/Shanghai. */
static bool
have_tz(void)
{
	struct stat sb;

	return stat("/usr/share/zoneinfo/Asia/Shanghai", &sb) == 0;
}

/* Parses a campaign (tiers and extra members given as JSON text) running
 * 2027-03-01 to 2027-03-11 in Asia/Shanghai, and stores it with a seed
 * made from seed_byte, so that every run draws the same numbers. */
static struct campaign *
install(struct fixture *f, const char *id, const char *tiers,
    const char *extra, uint8_t seed_byte)
{
	struct campaign_errors errs = { NULL, 0 };
	struct store_campaign hdr;
	struct store_txn t;
	struct campaign *c = NULL;
	char text[4096];

	snprintf(text, sizeof(text), "{\"id\":\"%s\",\"name\":\"T\","
	    "\"start\":\"2027-03-01T00:00:00+08:00\","
	    "\"end\":\"2027-03-11T00:00:00+08:00\",\"time_zone\":\"Asia/Shanghai\","
	    "\"scope\":{\"batches\":[1]},\"tiers\":[%s],%s}", id, tiers,
	    extra != NULL ? extra : "\"claim\":{\"window_days\":7}");
	if (campaign_parse(text, strlen(text), true, &c, &errs) != 0) {
		for (size_t i = 0; i < errs.n; i++)
			print_message("%s\n", errs.msgs[i]);
		fail_msg("campaign does not parse");
	}
	memset(&hdr, 0, sizeof(hdr));
	snprintf(hdr.id, sizeof(hdr.id), "%s", c->id);
	hdr.state = STORE_CAMPAIGN_ACTIVE;
	hdr.start = c->start;
	hdr.end = c->end;
	memset(hdr.seed, seed_byte, sizeof(hdr.seed));
	crypto_generichash(hdr.commitment, 32, hdr.seed, 32, NULL, 0);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_campaign_add_txn(&t, &hdr, c->config,
	    c->config_len), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	c->hdr = hdr;
	return c;
}

/* Where draws keep their records: the cache when there is one. */
static const struct tallies *
tallies_of(struct fixture *f)
{
	if (f->cache == NULL)
		return &tallies_store;
	f->cache_tl = drawcache_tallies(f->cache);
	return &f->cache_tl;
}

/* A serial made from a number (distinct for distinct n). */
static void
serial_of(uint64_t n, uint8_t serial[STORE_SERIAL_BYTES])
{
	for (int i = 0; i < 8; i++)
		serial[i] = (uint8_t)(n >> (56 - 8 * i));
}

/* A request for code n by visitor v from network net at now. */
static struct draw_request
request(struct campaign *c, uint64_t n, uint8_t v, uint8_t net, int64_t now)
{
	struct draw_request rq;

	memset(&rq, 0, sizeof(rq));
	rq.c = c;
	serial_of(n, rq.serial);
	rq.visitor[0] = v;
	rq.visitor[15] = 1;
	rq.net[0] = 4;
	rq.net[1] = net;
	rq.now = now;
	rq.event_id = n;
	rq.claim_key = claim_key;
	rq.tallies = &tallies_store;
	return rq;
}

/* One draw in its own transaction. */
static struct draw_result
draw(struct fixture *f, struct campaign *c, uint64_t n, uint8_t v,
    uint8_t net, int64_t now)
{
	struct draw_request rq = request(c, n, v, net, now);
	struct draw_result res;
	struct store_txn t;

	rq.tallies = tallies_of(f);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(draw_online_txn(&t, &rq, &res), 0);
	if (f->cache != NULL)
		assert_int_equal(drawcache_flush_txn(f->cache, &t), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	if (f->cache != NULL)
		drawcache_group_end(f->cache, true);
	return res;
}

/* A counter of campaign c. */
static uint64_t
counter(struct fixture *f, const char *id, int kind, uint8_t subject0,
    uint32_t period)
{
	uint8_t subject[16] = { 0 };
	struct store_txn t;
	uint64_t v = 0;

	subject[0] = subject0;
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_counter_get_txn(&t, id, kind, subject, period,
	    &v), 0);
	store_txn_abort(&t);
	return v;
}

/* The campaign's header as stored. */
static struct store_campaign
header(struct fixture *f, const char *id)
{
	struct store_campaign h;
	struct store_txn t;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_campaign_get_txn(&t, id, &h), 0);
	store_txn_abort(&t);
	return h;
}

/* Reads log entry seq. */
static struct store_draw
log_entry(struct fixture *f, const char *id, uint64_t seq)
{
	struct store_draw d;
	struct store_txn t;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_draw_get_txn(&t, id, seq, &d), 0);
	store_txn_abort(&t);
	return d;
}

/* draw_uniform is exactly floor(rnd * 10^6 / 2^64); draw_random is keyed
 * BLAKE2b-256 over the documented message, first 8 bytes big-endian. */
static void
test_random_and_uniform(void **state)
{
	static const uint8_t serial[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t seed[32], msg[64], out[32];
	uint64_t want = 0;
	size_t n = 0;

	(void)state;
	assert_int_equal(draw_uniform(0), 0);
	assert_int_equal(draw_uniform(UINT64_MAX), 999999);
	assert_int_equal(draw_uniform(1ULL << 63), 500000);
	/* The first rnd of each u: ceil(k * 2^64 / 10^6). */
	assert_int_equal(draw_uniform(18446744073709ULL), 0);
	assert_int_equal(draw_uniform(18446744073710ULL), 1);
	for (int i = 0; i < 100000; i++) {
		uint64_t r;

		tu_random(&r, sizeof(r));
		assert_int_equal(draw_uniform(r),
		    (uint32_t)(((u128)r * 1000000u) >> 64));
	}

	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	memcpy(msg + n, "SCANLOOP-DRAW-1", 15);
	n += 15;
	memcpy(msg + n, "camp", 4);
	n += 4;
	msg[n++] = 0;
	memcpy(msg + n, serial, 8);
	n += 8;
	memcpy(msg + n, "\0\0\0\0\0\0\x01\x02", 8);	/* seq 258 */
	n += 8;
	msg[n++] = 'D';
	crypto_generichash(out, sizeof(out), msg, n, seed, sizeof(seed));
	for (int i = 0; i < 8; i++)
		want = want << 8 | out[i];
	assert_true(draw_random(seed, "camp", serial, 258, 'D') == want);
	assert_true(draw_random(seed, "camp", serial, 258, 'T') != want);
	assert_true(draw_random(seed, "camp", serial, 259, 'D') != want);
	assert_true(draw_random(seed, "camq", serial, 258, 'D') != want);
	seed[0] ^= 1;
	assert_true(draw_random(seed, "camp", serial, 258, 'D') != want);
}

/* Cumulative odds in file order, within one reveal. */
static void
test_pick_boundaries(void **state)
{
	struct fixture *f = *state;
	struct campaign *c;

	if (!have_tz())
		skip();
	c = f->c = install(f, "pick",
	    "{\"id\":\"a\",\"name\":\"A\",\"kind\":\"physical\",\"total\":1,"
	    "\"odds\":100},"
	    "{\"id\":\"s\",\"name\":\"S\",\"kind\":\"physical\",\"total\":1,"
	    "\"odds\":500,\"reveal\":\"at_store\"},"
	    "{\"id\":\"b\",\"name\":\"B\",\"kind\":\"physical\",\"total\":1,"
	    "\"odds\":200},"
	    "{\"id\":\"z\",\"name\":\"Z\",\"kind\":\"physical\",\"total\":1,"
	    "\"odds\":0},"
	    "{\"id\":\"c\",\"name\":\"C\",\"kind\":\"physical\",\"total\":1,"
	    "\"odds\":300}", NULL, 1);
	assert_int_equal(draw_pick(c, CAMPAIGN_ONLINE, 0), 0);
	assert_int_equal(draw_pick(c, CAMPAIGN_ONLINE, 99), 0);
	assert_int_equal(draw_pick(c, CAMPAIGN_ONLINE, 100), 2);
	assert_int_equal(draw_pick(c, CAMPAIGN_ONLINE, 299), 2);
	assert_int_equal(draw_pick(c, CAMPAIGN_ONLINE, 300), 4);
	assert_int_equal(draw_pick(c, CAMPAIGN_ONLINE, 599), 4);
	assert_int_equal(draw_pick(c, CAMPAIGN_ONLINE, 600), -1);
	assert_int_equal(draw_pick(c, CAMPAIGN_ONLINE, 999999), -1);
	assert_int_equal(draw_pick(c, CAMPAIGN_AT_STORE, 0), 1);
	assert_int_equal(draw_pick(c, CAMPAIGN_AT_STORE, 499), 1);
	assert_int_equal(draw_pick(c, CAMPAIGN_AT_STORE, 500), -1);
}

/* 20,000 draws on a 25% tier (fixed seed: the same numbers every run)
 * win within six standard deviations of 5,000, and each win is logged. */
static void
test_odds_statistics(void **state)
{
	struct fixture *f = *state;
	const int n = 20000;
	struct campaign *c;
	struct store_txn t;
	uint64_t wins = 0;
	int64_t now;

	if (!have_tz())
		skip();
	c = f->c = install(f, "odds",
	    "{\"id\":\"q\",\"name\":\"Q\",\"kind\":\"physical\","
	    "\"total\":1000000,\"odds\":250000}", NULL, 42);
	now = c->start + 3600LL * 1000000;
	for (int i = 0; i < n; i += 1000) {
		assert_int_equal(store_txn_begin(f->st, false, &t), 0);
		for (int k = i; k < i + 1000; k++) {
			struct draw_request rq = request(c, (uint64_t)k + 1,
			    (uint8_t)k, (uint8_t)k, now);
			struct draw_result res;

			assert_int_equal(draw_online_txn(&t, &rq, &res), 0);
			assert_int_equal(res.status, DRAW_NEW);
			assert_int_equal(res.draw.seq, (uint64_t)k + 1);
			if (res.draw.outcome == 1) {
				wins++;
				assert_true(res.has_claim);
				assert_true(draw_uniform(res.draw.rnd) < 250000);
			} else {
				assert_int_equal(res.draw.outcome,
				    STORE_OUTCOME_MISS);
				assert_true(draw_uniform(res.draw.rnd) >= 250000);
			}
		}
		assert_int_equal(store_txn_commit(&t), 0);
	}
	/* sd = sqrt(20000 * 0.25 * 0.75) = 61.2 */
	assert_true(wins > 5000 - 367 && wins < 5000 + 367);
	assert_int_equal(counter(f, "odds", STORE_COUNT_STOCK, 0, 0), wins);
	assert_int_equal(counter(f, "odds", STORE_COUNT_SUMMARY, STORE_SUM_WINS,
	    0), wins);
	assert_int_equal(counter(f, "odds", STORE_COUNT_SUMMARY, STORE_SUM_DRAWS,
	    0), n);
	assert_int_equal(header(f, "odds").draws, n);
}

/* A tier of 10 in total and 3 a day that always wins: never more than 3
 * on a local day, never more than 10, and the day changes at local
 * midnight. */
static void
test_caps_across_days(void **state)
{
	struct fixture *f = *state;
	const int64_t hour = 3600LL * 1000000;
	struct campaign *c;
	uint64_t code = 1, total = 0;

	if (!have_tz())
		skip();
	c = f->c = install(f, "caps",
	    "{\"id\":\"g\",\"name\":\"G\",\"kind\":\"physical\",\"total\":10,"
	    "\"daily_cap\":3,\"odds\":1000000}", NULL, 3);
	for (int day = 0; day < 6; day++) {
		uint64_t today = 0;

		/* Draws through the local day, the last a microsecond
		 * before local midnight. */
		for (int k = 0; k < 5; k++) {
			int64_t now = k < 4 ? c->day_starts[day] + (k * 5 + 1) *
			    hour : c->day_starts[day + 1] - 1;
			struct draw_result res = draw(f, c, code, (uint8_t)code,
			    (uint8_t)code, now);

			code++;

			assert_int_equal(res.status, DRAW_NEW);
			assert_int_equal(res.draw.day, day);
			if (res.draw.outcome == 1) {
				today++;
				total++;
			} else
				assert_int_equal(res.draw.outcome,
				    STORE_OUTCOME_MISS);
		}
		assert_int_equal(today, day < 3 ? 3 : day == 3 ? 1 : 0);
		assert_int_equal(counter(f, "caps", STORE_COUNT_STOCK, 0,
		    (uint32_t)day + 1), today);
	}
	assert_int_equal(total, 10);
	assert_int_equal(counter(f, "caps", STORE_COUNT_STOCK, 0, 0), 10);
}

/* The daily cap rolls over at local midnight (Asia/Shanghai), not UTC. */
static void
test_cap_rollover_midnight(void **state)
{
	struct fixture *f = *state;
	struct campaign *c;
	int64_t mid;
	struct draw_result r;

	if (!have_tz())
		skip();
	c = f->c = install(f, "roll",
	    "{\"id\":\"g\",\"name\":\"G\",\"kind\":\"physical\",\"total\":10,"
	    "\"daily_cap\":1,\"odds\":1000000}", NULL, 4);
	mid = c->day_starts[1];		/* 2027-03-02 00:00 +08:00 */
	r = draw(f, c, 1, 1, 1, mid - 2);
	assert_int_equal(r.draw.outcome, 1);
	r = draw(f, c, 2, 2, 2, mid - 1);
	assert_int_equal(r.draw.outcome, STORE_OUTCOME_MISS);	/* capped */
	r = draw(f, c, 3, 3, 3, mid);
	assert_int_equal(r.draw.outcome, 1);			/* new day */
	assert_int_equal(r.draw.day, 1);
	/* UTC midnight (08:00 local) is not a new day. */
	r = draw(f, c, 4, 4, 4, mid + 8 * 3600LL * 1000000);
	assert_int_equal(r.draw.outcome, STORE_OUTCOME_MISS);
}

/* A code draws once: a repeat returns the first result and claim token,
 * uses no sequence number, and changes no counter. */
static void
test_one_draw_per_code(void **state)
{
	struct fixture *f = *state;
	struct draw_result a, b;
	struct store_txn t;
	struct campaign *c;
	int64_t now;

	if (!have_tz())
		skip();
	c = f->c = install(f, "once",
	    "{\"id\":\"g\",\"name\":\"G\",\"kind\":\"physical\",\"total\":10,"
	    "\"odds\":1000000}", NULL, 5);
	now = c->start + 1000;
	a = draw(f, c, 77, 1, 1, now);
	assert_int_equal(a.status, DRAW_NEW);
	assert_int_equal(a.draw.outcome, 1);
	assert_true(a.has_claim);
	assert_int_equal(strlen(a.claim_token), REDEEM_CLAIM_TOKEN_CHARS);
	/* Another visitor, another day: still the first result. */
	b = draw(f, c, 77, 9, 9, now + 86400LL * 1000000);
	assert_int_equal(b.status, DRAW_REPEAT);
	assert_int_equal(b.draw.seq, a.draw.seq);
	assert_int_equal(b.draw.outcome, a.draw.outcome);
	assert_true(b.draw.rnd == a.draw.rnd);
	assert_string_equal(b.claim_token, a.claim_token);
	assert_memory_equal(b.claim.id, a.claim.id, STORE_CLAIM_ID_BYTES);
	assert_int_equal(header(f, "once").draws, 1);
	assert_int_equal(counter(f, "once", STORE_COUNT_STOCK, 0, 0), 1);
	assert_int_equal(counter(f, "once", STORE_COUNT_SUMMARY,
	    STORE_SUM_DRAWS, 0), 1);
	assert_int_equal(counter(f, "once", STORE_COUNT_SUMMARY,
	    STORE_SUM_CLAIMS, 0), 1);
	/* draw_lookup_txn finds it without drawing. */
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(draw_lookup_txn(&t, &tallies_store, c, a.draw.serial, claim_key, &b),
	    0);
	assert_int_equal(b.status, DRAW_REPEAT);
	assert_string_equal(b.claim_token, a.claim_token);
	{
		uint8_t other[8];

		serial_of(78, other);
		assert_int_equal(draw_lookup_txn(&t, &tallies_store, c, other, claim_key, &b),
		    -ENOENT);
	}
	store_txn_abort(&t);
}

/* A campaign that is paused, not started or over draws nothing. */
static void
test_closed(void **state)
{
	struct fixture *f = *state;
	struct store_campaign h;
	struct store_txn t;
	struct campaign *c;
	struct draw_result r;

	if (!have_tz())
		skip();
	c = f->c = install(f, "closed",
	    "{\"id\":\"g\",\"name\":\"G\",\"kind\":\"physical\",\"total\":10,"
	    "\"odds\":1000000}", NULL, 6);
	r = draw(f, c, 1, 1, 1, c->start - 1);
	assert_int_equal(r.status, DRAW_CLOSED);
	r = draw(f, c, 1, 1, 1, c->end);
	assert_int_equal(r.status, DRAW_CLOSED);
	h = header(f, "closed");
	h.state = STORE_CAMPAIGN_PAUSED;
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_campaign_put_txn(&t, &h, true), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	r = draw(f, c, 1, 1, 1, c->start + 1);
	assert_int_equal(r.status, DRAW_CLOSED);
	assert_int_equal(header(f, "closed").draws, 0);
}

/* Checks that log entry seq is a refusal of code n for reason. */
static void
assert_refusal(struct fixture *f, const char *id, uint64_t seq, uint64_t n,
    int reason)
{
	struct store_draw d = log_entry(f, id, seq);
	uint8_t serial[8];
	struct store_txn t;
	struct store_draw by;

	serial_of(n, serial);
	assert_int_equal(d.kind, STORE_DRAW_REFUSED);
	assert_int_equal(d.outcome, STORE_OUTCOME_REFUSED);
	assert_int_equal(d.reason, reason);
	assert_true(d.rnd == 0);
	assert_int_equal(d.has_claim, 0);
	assert_memory_equal(d.serial, serial, 8);
	/* The code keeps its draw: it has no online draw recorded. */
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_draw_by_code_txn(&t, id, serial, &by), -ENOENT);
	store_txn_abort(&t);
}

/* Each risk rule refuses, records why, and leaves the code its draw. */
static void
refusals(struct fixture *f)
{
	const int64_t hour = 3600LL * 1000000;
	struct campaign *c, *w;
	struct draw_result r;
	int64_t t0;

	if (!have_tz())
		skip();
	/* A tier that never wins, so that only the draw limits act. */
	c = f->c = install(f, "risk",
	    "{\"id\":\"g\",\"name\":\"G\",\"kind\":\"physical\",\"total\":100,"
	    "\"odds\":0}",
	    "\"claim\":{\"window_days\":7},\"limits\":{"
	    "\"draws_per_visitor_per_day\":2,\"draws_per_ip_prefix_per_hour\":3}",
	    7);
	t0 = c->day_starts[0] + hour;

	/* Visitor 1: two draws, then refused for the rest of the day. */
	r = draw(f, c, 1, 1, 1, t0);
	assert_int_equal(r.status, DRAW_NEW);
	assert_int_equal(r.draw.seq, 1);
	r = draw(f, c, 2, 1, 1, t0 + 1);
	assert_int_equal(r.status, DRAW_NEW);
	r = draw(f, c, 3, 1, 2, c->day_starts[1] - 1);
	assert_int_equal(r.status, DRAW_REFUSED);
	assert_int_equal(r.refusal, DRAW_REFUSE_VISITOR_DAY);
	assert_int_equal(r.draw.seq, 3);
	assert_refusal(f, "risk", 3, 3, DRAW_REFUSE_VISITOR_DAY);
	/* A refusal is no draw: at local midnight, code 3 draws. */
	r = draw(f, c, 3, 1, 3, c->day_starts[1]);
	assert_int_equal(r.status, DRAW_NEW);
	assert_int_equal(r.draw.seq, 4);

	/* Network 9: three draws in an hour, the fourth refused. */
	for (uint64_t k = 0; k < 3; k++) {
		r = draw(f, c, 10 + k, (uint8_t)(20 + k), 9, t0 + 10);
		assert_int_equal(r.status, DRAW_NEW);
	}
	r = draw(f, c, 13, 30, 9, t0 + hour - 1);
	assert_int_equal(r.status, DRAW_REFUSED);
	assert_int_equal(r.refusal, DRAW_REFUSE_IP_HOUR);
	assert_refusal(f, "risk", r.draw.seq, 13, DRAW_REFUSE_IP_HOUR);
	/* The next hour it draws. */
	r = draw(f, c, 13, 30, 9, t0 + hour);
	assert_int_equal(r.status, DRAW_NEW);
	assert_int_equal(counter(f, "risk", STORE_COUNT_SUMMARY,
	    STORE_SUM_REFUSED, 0), 2);
	assert_int_equal(counter(f, "risk", STORE_COUNT_SUMMARY,
	    STORE_SUM_DRAWS, 0), 7);

	/* Wins per visitor: a tier that always wins, one win each. */
	w = install(f, "wins",
	    "{\"id\":\"g\",\"name\":\"G\",\"kind\":\"physical\",\"total\":100,"
	    "\"odds\":1000000}",
	    "\"claim\":{\"window_days\":7},\"limits\":{\"wins_per_visitor\":1}",
	    7);
	r = draw(f, w, 1, 40, 1, t0);
	assert_int_equal(r.status, DRAW_NEW);
	assert_int_equal(r.draw.outcome, 1);
	r = draw(f, w, 2, 40, 2, t0 + 5 * 86400LL * 1000000);
	assert_int_equal(r.status, DRAW_REFUSED);
	assert_int_equal(r.refusal, DRAW_REFUSE_VISITOR_WINS);
	assert_refusal(f, "wins", 2, 2, DRAW_REFUSE_VISITOR_WINS);
	/* Another visitor may draw code 2. */
	r = draw(f, w, 2, 41, 2, t0 + 5 * 86400LL * 1000000);
	assert_int_equal(r.status, DRAW_NEW);
	assert_int_equal(r.draw.seq, 3);
	campaign_unref(w, __func__);
	assert_true(strlen(draw_refusal_text(DRAW_REFUSE_IP_HOUR, false)) > 0);
	assert_true(strlen(draw_refusal_text(DRAW_REFUSE_VISITOR_DAY, true)) > 0);
}

/* The risk rules, with the index and counters written straight. */
static void
test_refusals(void **state)
{
	refusals(*state);
}

/* Reads a code's indexed draw seq from the store (0: none). */
static uint64_t
indexed(struct fixture *f, const char *id, uint64_t n)
{
	uint8_t serial[STORE_SERIAL_BYTES];
	struct store_draw d;
	struct store_txn t;
	int ret;

	serial_of(n, serial);
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	ret = store_draw_by_code_txn(&t, id, serial, &d);
	store_txn_abort(&t);
	if (ret == -ENOENT)
		return 0;
	assert_int_equal(ret, 0);
	return d.seq;
}

/* Reads a campaign's index watermark. */
static uint64_t
watermark(struct fixture *f, const char *id)
{
	struct store_txn t;
	uint64_t seq;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_draws_indexed_txn(&t, id, &seq), 0);
	store_txn_abort(&t);
	return seq;
}

/* The same rules through the server's cache: the limits see the unfolded
 * counts, and a fold writes the index, counters and watermarks. */
static void
test_refusals_cached(void **state)
{
	struct fixture *f = *state;

	if (!have_tz())
		skip();
	assert_int_equal(drawcache_new(&f->cache), 0);
	refusals(f);
	/* Nothing folded yet: the store's index is empty. */
	assert_true(drawcache_pending(f->cache) > 0);
	assert_int_equal(indexed(f, "risk", 1), 0);
	assert_int_equal(drawcache_draw_seq(f->cache, "risk",
	    (const uint8_t[8]){ 0, 0, 0, 0, 0, 0, 0, 1 }, false), 1);
	assert_int_equal(drawcache_fold(f->cache, f->st), 0);
	assert_int_equal(drawcache_pending(f->cache), 0);
	assert_int_equal(indexed(f, "risk", 1), 1);
	assert_int_equal(indexed(f, "risk", 3), 4);
	assert_int_equal(indexed(f, "wins", 2), 3);
	assert_int_equal(watermark(f, "risk"), 9);
	assert_int_equal(watermark(f, "wins"), 3);
	/* Written straight from now on, the folded counts still refuse. */
	drawcache_free(f->cache);
	f->cache = NULL;
	struct draw_result r = draw(f, f->c, 50, 1, 50,
	    f->c->day_starts[1] + 10);
	assert_int_equal(r.status, DRAW_NEW);
	r = draw(f, f->c, 51, 1, 51, f->c->day_starts[1] + 11);
	assert_int_equal(r.status, DRAW_REFUSED);
	assert_int_equal(r.refusal, DRAW_REFUSE_VISITOR_DAY);
}

/* With a cache, one group's draws share one read and one write of the
 * campaign header, stock and summaries: caps hold inside the group, the
 * store sees the counts only at the flush, a failed group leaves them as
 * they were, and the next group reads what others wrote in between. */
static void
test_group_tallies(void **state)
{
	struct fixture *f = *state;
	struct draw_request rq;
	struct draw_result r;
	struct store_txn t;
	struct campaign *c;
	uint8_t subject[16] = { 0 };
	int64_t t0;
	int wins = 0;

	if (!have_tz())
		skip();
	c = f->c = install(f, "grp",
	    "{\"id\":\"g\",\"name\":\"G\",\"kind\":\"physical\",\"total\":5,"
	    "\"daily_cap\":3,\"odds\":1000000}",
	    "\"claim\":{\"window_days\":7}", 9);
	t0 = c->day_starts[0] + 1000;
	assert_int_equal(drawcache_new(&f->cache), 0);

	/* Five draws in one group: three wins (the daily cap), two misses. */
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	for (uint64_t n = 1; n <= 5; n++) {
		rq = request(c, n, (uint8_t)n, 1, t0 + (int64_t)n);
		rq.tallies = tallies_of(f);
		assert_int_equal(draw_online_txn(&t, &rq, &r), 0);
		assert_int_equal(r.status, DRAW_NEW);
		assert_int_equal(r.draw.seq, n);
		wins += r.draw.outcome == 1;
	}
	assert_int_equal(wins, 3);
	/* Not yet in the transaction: the flush writes them. */
	subject[0] = STORE_SUM_DRAWS;
	uint64_t v = 99;
	assert_int_equal(store_counter_get_txn(&t, "grp", STORE_COUNT_SUMMARY,
	    subject, 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(drawcache_flush_txn(f->cache, &t), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	drawcache_group_end(f->cache, true);
	assert_int_equal(header(f, "grp").draws, 5);
	assert_int_equal(counter(f, "grp", STORE_COUNT_SUMMARY,
	    STORE_SUM_DRAWS, 0), 5);
	assert_int_equal(counter(f, "grp", STORE_COUNT_SUMMARY,
	    STORE_SUM_WINS, 0), 3);
	assert_int_equal(counter(f, "grp", STORE_COUNT_STOCK, 0, 0), 3);
	assert_int_equal(counter(f, "grp", STORE_COUNT_STOCK, 0, 1), 3);

	/* A group that fails changes nothing. */
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	rq = request(c, 6, 6, 1, c->day_starts[1] + 10);
	rq.tallies = tallies_of(f);
	assert_int_equal(draw_online_txn(&t, &rq, &r), 0);
	assert_int_equal(r.draw.seq, 6);
	assert_int_equal(r.draw.outcome, 1);
	store_txn_abort(&t);
	drawcache_group_end(f->cache, false);
	assert_int_equal(header(f, "grp").draws, 5);
	assert_int_equal(counter(f, "grp", STORE_COUNT_STOCK, 0, 0), 3);

	/* Another writer (a shop opening a ticket from the CLI) takes one
	 * unit of stock between groups: the next group sees it. */
	subject[0] = 0;
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_counter_add_txn(&t, "grp", STORE_COUNT_STOCK,
	    subject, 0, 1), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	/* Day 2: one unit left in total, so one win and then misses. */
	wins = 0;
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	for (uint64_t n = 6; n <= 8; n++) {
		rq = request(c, n, (uint8_t)n, 1, c->day_starts[1] +
		    (int64_t)n);
		rq.tallies = tallies_of(f);
		assert_int_equal(draw_online_txn(&t, &rq, &r), 0);
		assert_int_equal(r.draw.seq, n);
		wins += r.draw.outcome == 1;
	}
	assert_int_equal(drawcache_flush_txn(f->cache, &t), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	drawcache_group_end(f->cache, true);
	assert_int_equal(wins, 1);
	assert_int_equal(header(f, "grp").draws, 8);
	assert_int_equal(counter(f, "grp", STORE_COUNT_STOCK, 0, 0), 5);
	assert_int_equal(counter(f, "grp", STORE_COUNT_STOCK, 0, 2), 1);
	assert_int_equal(counter(f, "grp", STORE_COUNT_SUMMARY,
	    STORE_SUM_CLAIMS, 0), 4);
	assert_int_equal(drawcache_fold(f->cache, f->st), 0);
	drawcache_free(f->cache);
	f->cache = NULL;
}

/* A failed group leaves nothing in the cache; a crash's unfolded draws
 * are replayed at start-up into the index and the counters, once. */
static void
test_cache_recovery(void **state)
{
	struct fixture *f = *state;
	struct draw_request rq;
	struct draw_result r;
	struct registry *reg;
	struct store_txn t;
	struct campaign *c;
	int64_t t0;

	if (!have_tz())
		skip();
	c = f->c = install(f, "rec",
	    "{\"id\":\"g\",\"name\":\"G\",\"kind\":\"physical\",\"total\":100,"
	    "\"odds\":1000000}",
	    "\"claim\":{\"window_days\":7},\"limits\":{"
	    "\"draws_per_visitor_per_day\":2,\"wins_per_visitor\":2}", 7);
	t0 = c->day_starts[0] + 1000;
	assert_int_equal(drawcache_new(&f->cache), 0);

	/* A group that does not commit: its draw is forgotten. */
	rq = request(c, 1, 1, 1, t0);
	rq.tallies = tallies_of(f);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(draw_online_txn(&t, &rq, &r), 0);
	assert_int_equal(r.status, DRAW_NEW);
	assert_true(drawcache_draw_seq(f->cache, "rec", rq.serial, true) > 0);
	assert_int_equal(drawcache_draw_seq(f->cache, "rec", rq.serial,
	    false), 0);
	store_txn_abort(&t);
	drawcache_group_end(f->cache, false);
	assert_int_equal(drawcache_pending(f->cache), 0);

	/* Two wins by visitor 1, one folded, one left by a "crash". */
	assert_int_equal(draw(f, c, 1, 1, 1, t0).status, DRAW_NEW);
	assert_int_equal(drawcache_fold(f->cache, f->st), 0);
	assert_int_equal(draw(f, c, 2, 1, 1, t0 + 1).status, DRAW_NEW);
	/* A repeat is the first result, from the cache. */
	r = draw(f, c, 2, 1, 1, t0 + 2);
	assert_int_equal(r.status, DRAW_REPEAT);
	assert_int_equal(r.draw.seq, 2);
	drawcache_free(f->cache);
	f->cache = NULL;
	assert_int_equal(indexed(f, "rec", 2), 0);
	assert_int_equal(watermark(f, "rec"), 1);

	/* Start-up: the registry, the replay, the fold. */
	assert_int_equal(registry_new(&reg), 0);
	assert_int_equal(drawcache_new(&f->cache), 0);
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(registry_sync_txn(reg, &t), 0);
	assert_int_equal(drawcache_recover_txn(&t, reg, f->cache), 1);
	store_txn_abort(&t);
	assert_int_equal(drawcache_fold(f->cache, f->st), 0);
	assert_int_equal(indexed(f, "rec", 2), 2);
	assert_int_equal(watermark(f, "rec"), 2);
	/* Once: a second start-up finds nothing to replay. */
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(drawcache_recover_txn(&t, reg, f->cache), 0);
	store_txn_abort(&t);
	registry_free(reg);
	/* The replayed counts hold: visitor 1 has drawn twice today and won
	 * twice, so a third draw is refused. */
	r = draw(f, c, 3, 1, 1, t0 + 3);
	assert_int_equal(r.status, DRAW_REFUSED);
	assert_int_equal(r.refusal, DRAW_REFUSE_VISITOR_DAY);
	r = draw(f, c, 4, 1, 1, c->day_starts[1] + 3);
	assert_int_equal(r.status, DRAW_REFUSED);
	assert_int_equal(r.refusal, DRAW_REFUSE_VISITOR_WINS);
}

/* Adds a shop; returns its token. */
static void
add_shop(struct fixture *f, const char *id, char token[REDEEM_SHOP_TOKEN_CHARS + 1])
{
	struct store_shop s;
	struct store_txn t;

	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "%s", id);
	snprintf(s.name, sizeof(s.name), "Shop %s", id);
	redeem_shop_token_new(&s, token);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_shop_add_txn(&t, &s), 0);
	assert_int_equal(store_txn_commit(&t), 0);
}

/* The lookup redeem_txn uses: the fixture's campaign. */
static struct campaign *
lookup(const char *id, void *arg)
{
	struct fixture *f = arg;

	if (f->c == NULL || strcmp(f->c->id, id) != 0)
		return NULL;
	return campaign_ref(f->c, __func__);
}

/* One redemption in its own transaction (committed only when OK). */
static struct redeem_result
redeem(struct fixture *f, const char *claim, const char *shop_token,
    int64_t now)
{
	struct redeem_request rq;
	struct redeem_result res;
	struct store_txn t;

	memset(&rq, 0, sizeof(rq));
	rq.claim_token = claim;
	rq.shop_token = shop_token;
	rq.now = now;
	rq.claim_key = claim_key;
	rq.lookup = lookup;
	rq.lookup_arg = f;
	rq.tallies = &tallies_store;
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(redeem_txn(&t, &rq, &res), 0);
	if (res.status == REDEEM_OK)
		assert_int_equal(store_txn_commit(&t), 0);
	else
		store_txn_abort(&t);
	redeem_result_free(&res);
	return res;
}

/* Sealed tickets: every online draw of an at_store-only campaign gives a
 * ticket; opening at a shop draws over the at_store tiers under their
 * total and daily caps, once per ticket. */
static void
test_tickets(void **state)
{
	struct fixture *f = *state;
	char shop[REDEEM_SHOP_TOKEN_CHARS + 1];
	char tokens[12][REDEEM_CLAIM_TOKEN_CHARS + 1];
	struct redeem_result rr;
	struct campaign *c;
	int64_t t0;
	int won = 0;

	if (!have_tz())
		skip();
	c = f->c = install(f, "tix",
	    "{\"id\":\"box\",\"name\":\"Box\",\"kind\":\"physical\",\"total\":5,"
	    "\"daily_cap\":2,\"odds\":1000000,\"reveal\":\"at_store\"}", NULL, 8);
	add_shop(f, "s1", shop);
	t0 = c->day_starts[0] + 3600LL * 1000000;
	for (int i = 0; i < 12; i++) {
		struct draw_result r = draw(f, c, (uint64_t)i + 1, (uint8_t)i,
		    (uint8_t)i, t0);

		assert_int_equal(r.status, DRAW_NEW);
		assert_int_equal(r.draw.outcome, STORE_OUTCOME_TICKET);
		assert_true(r.has_claim);
		assert_int_equal(r.claim.ticket, 1);
		assert_int_equal(r.claim.tier, 0);
		snprintf(tokens[i], sizeof(tokens[i]), "%s", r.claim_token);
	}
	assert_int_equal(counter(f, "tix", STORE_COUNT_SUMMARY,
	    STORE_SUM_TICKETS, 0), 12);
	assert_int_equal(counter(f, "tix", STORE_COUNT_STOCK, 0, 0), 0);
	/* Day 0: 3 openings, 2 win (the daily cap), 1 misses. */
	for (int i = 0; i < 3; i++) {
		rr = redeem(f, tokens[i], shop, t0 + i);
		assert_int_equal(rr.status, REDEEM_OK);
		assert_true(rr.opened);
		assert_int_equal(rr.opening.kind, STORE_DRAW_OPEN);
		assert_int_equal(rr.opening.ticket_seq, (uint64_t)i + 1);
		assert_int_equal(rr.opening.seq, 12 + (uint64_t)i + 1);
		assert_string_equal(rr.opening.shop, "s1");
		assert_true(rr.opening.rnd == draw_random(c->hdr.seed, "tix",
		    rr.opening.serial, rr.opening.seq, 'T'));
		assert_int_equal(rr.opening.outcome, i < 2 ? 1 : 0);
		assert_int_equal(rr.claim.tier, i < 2 ? 1 : 0);
		assert_int_equal(rr.claim.open_seq, rr.opening.seq);
		won += rr.opening.outcome == 1;
	}
	/* Opened tickets do not open again. */
	rr = redeem(f, tokens[0], shop, t0 + 10);
	assert_int_equal(rr.status, REDEEM_ALREADY);
	/* Days 1 and 2: 2 each, then the total of 5 stops it. */
	for (int i = 3; i < 12; i++) {
		int day = i < 7 ? 1 : 2;

		rr = redeem(f, tokens[i], shop, c->day_starts[day] + i);
		assert_int_equal(rr.status, REDEEM_OK);
		won += rr.opening.outcome == 1;
		assert_true(counter(f, "tix", STORE_COUNT_STOCK, 0,
		    (uint32_t)day + 1) <= 2);
	}
	assert_int_equal(won, 5);
	assert_int_equal(counter(f, "tix", STORE_COUNT_STOCK, 0, 0), 5);
	assert_int_equal(counter(f, "tix", STORE_COUNT_STOCK, 0, 1), 2);
	assert_int_equal(counter(f, "tix", STORE_COUNT_STOCK, 0, 2), 2);
	assert_int_equal(counter(f, "tix", STORE_COUNT_STOCK, 0, 3), 1);
	assert_int_equal(counter(f, "tix", STORE_COUNT_SUMMARY,
	    STORE_SUM_REDEEMED, 0), 12);
	assert_int_equal(header(f, "tix").draws, 24);
}

/* Every refusal of a redemption, and the one success. */
static void
test_redeem_statuses(void **state)
{
	struct fixture *f = *state;
	char s1[REDEEM_SHOP_TOKEN_CHARS + 1], s2[REDEEM_SHOP_TOKEN_CHARS + 1];
	char s3[REDEEM_SHOP_TOKEN_CHARS + 1], bad[REDEEM_CLAIM_TOKEN_CHARS + 1];
	char badshop[REDEEM_SHOP_TOKEN_CHARS + 1];
	char text[REDEEM_CLAIM_TEXT_LEN + 1];
	struct redeem_result rr;
	struct draw_result a, b, cpn;
	struct store_claim cl;
	struct store_shop sh;
	struct store_txn t;
	struct campaign *c;
	int64_t t0;
	bool found;

	if (!have_tz())
		skip();
	c = f->c = install(f, "red",
	    "{\"id\":\"g\",\"name\":\"G\",\"kind\":\"physical\",\"total\":100,"
	    "\"odds\":500000},"
	    "{\"id\":\"c\",\"name\":\"C\",\"kind\":\"coupon\",\"total\":100,"
	    "\"odds\":500000,\"coupon\":{\"face_value\":\"5\",\"condition\":"
	    "\"any\",\"valid_from\":\"2027-03-20T00:00:00+08:00\","
	    "\"valid_days\":30}}",
	    "\"claim\":{\"window_days\":7,\"stores\":[\"s1\",\"s3\"]}", 9);
	add_shop(f, "s1", s1);
	add_shop(f, "s2", s2);
	add_shop(f, "s3", s3);
	t0 = c->start + 1000;
	/* Find two physical wins and a coupon among the first codes. */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&cpn, 0, sizeof(cpn));
	for (uint64_t n = 1; n < 60 && (b.draw.outcome != 1 ||
	    cpn.draw.outcome != 2); n++) {
		struct draw_result r = draw(f, c, n, (uint8_t)n, (uint8_t)n, t0);

		assert_true(r.has_claim);
		if (r.draw.outcome == 1 && a.draw.outcome != 1)
			a = r;
		else if (r.draw.outcome == 1)
			b = r;
		else
			cpn = r;
	}
	assert_int_equal(b.draw.outcome, 1);
	assert_int_equal(cpn.draw.outcome, 2);

	/* A wrong or unknown shop token: 401. */
	rr = redeem(f, a.claim_token, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", t0);
	assert_int_equal(rr.status, REDEEM_BAD_SHOP);
	memcpy(badshop, s1, sizeof(badshop));
	badshop[20] = badshop[20] == 'A' ? 'B' : 'A';
	rr = redeem(f, a.claim_token, badshop, t0);
	assert_int_equal(rr.status, REDEEM_BAD_SHOP);
	rr = redeem(f, a.claim_token, "not a token", t0);
	assert_int_equal(rr.status, REDEEM_BAD_SHOP);
	/* A wrong claim: an altered secret, an unknown id, garbage: 404. */
	memcpy(bad, a.claim_token, sizeof(bad));
	bad[20] = bad[20] == 'A' ? 'B' : 'A';
	rr = redeem(f, bad, s1, t0);
	assert_int_equal(rr.status, REDEEM_NOT_FOUND);
	memcpy(bad, a.claim_token, sizeof(bad));
	bad[0] = bad[0] == 'A' ? 'B' : 'A';
	rr = redeem(f, bad, s1, t0);
	assert_int_equal(rr.status, REDEEM_NOT_FOUND);
	rr = redeem(f, "hello", s1, t0);
	assert_int_equal(rr.status, REDEEM_NOT_FOUND);
	/* A shop the campaign does not list: 403. */
	rr = redeem(f, a.claim_token, s2, t0);
	assert_int_equal(rr.status, REDEEM_FORBIDDEN);
	/* The coupon is not valid before valid_from. */
	rr = redeem(f, cpn.claim_token, s1, t0);
	assert_int_equal(rr.status, REDEEM_NOT_YET);
	/* Success, typed in groups of four and lower case. */
	redeem_claim_text(a.claim_token, text);
	for (char *p = text; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	rr = redeem(f, text, s1, t0 + 5);
	assert_int_equal(rr.status, REDEEM_OK);
	assert_int_equal(rr.claim.state, STORE_CLAIM_REDEEMED);
	assert_string_equal(rr.claim.shop, "s1");
	assert_false(rr.opened);
	/* A second redemption: 409 with when and where. */
	rr = redeem(f, a.claim_token, s3, t0 + 9);
	assert_int_equal(rr.status, REDEEM_ALREADY);
	assert_int_equal(rr.claim.redeemed, t0 + 5);
	assert_string_equal(rr.claim.shop, "s1");
	/* Expired: at or after the claim window. */
	assert_int_equal(b.claim.expires, t0 + 7 * 86400LL * 1000000);
	rr = redeem(f, b.claim_token, s1, b.claim.expires);
	assert_int_equal(rr.status, REDEEM_EXPIRED);
	rr = redeem(f, b.claim_token, s1, b.claim.expires - 1);
	assert_int_equal(rr.status, REDEEM_OK);
	/* A revoked shop is a bad shop. */
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_shop_get_txn(&t, "s3", &sh), 0);
	sh.revoked = 1;
	assert_int_equal(store_shop_put_txn(&t, &sh), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	rr = redeem(f, cpn.claim_token, s3, cpn.claim.expires - 1);
	assert_int_equal(rr.status, REDEEM_BAD_SHOP);
	/* The coupon, once valid. */
	rr = redeem(f, cpn.claim_token, s1, cpn.claim.expires - 1);
	assert_int_equal(rr.status, REDEEM_OK);
	assert_int_equal(counter(f, "red", STORE_COUNT_SUMMARY,
	    STORE_SUM_REDEEMED, 0), 3);

	/* redeem_claim_check_txn: found for the token, not for others. */
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(redeem_claim_check_txn(&t, a.claim_token, &cl, &found),
	    0);
	assert_true(found);
	assert_memory_equal(cl.id, a.claim.id, STORE_CLAIM_ID_BYTES);
	memcpy(bad, a.claim_token, sizeof(bad));
	bad[23] = bad[23] == 'A' ? 'Q' : 'A';
	assert_int_equal(redeem_claim_check_txn(&t, bad, &cl, &found), 0);
	assert_false(found);
	assert_int_equal(cl.state, 0);
	assert_int_equal(redeem_claim_check_txn(&t, "", &cl, &found), 0);
	assert_false(found);
	store_txn_abort(&t);
}

/* Points tiers credit the visitor's ledger and make no claim. */
static void
test_points(void **state)
{
	struct fixture *f = *state;
	struct campaign *c;
	struct draw_result r;
	struct store_txn t;
	int64_t balance;
	uint64_t entries;

	if (!have_tz())
		skip();
	c = f->c = install(f, "pts",
	    "{\"id\":\"p\",\"name\":\"P\",\"kind\":\"points\",\"total\":3,"
	    "\"odds\":1000000,\"points\":25}", NULL, 10);
	for (uint64_t n = 1; n <= 4; n++) {
		r = draw(f, c, n, 5, (uint8_t)n, c->start + (int64_t)n);
		assert_false(r.has_claim);
		assert_int_equal(r.draw.outcome, n <= 3 ? 1 : 0);
		assert_int_equal(r.draw.points, n <= 3 ? 25 : 0);
		assert_int_equal(r.points_balance, 25 * (n <= 3 ? n : 3));
	}
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	{
		uint8_t v[16] = { 5 };

		v[15] = 1;
		assert_int_equal(store_points_balance_txn(&t, v, &balance,
		    &entries), 0);
	}
	store_txn_abort(&t);
	assert_int_equal(balance, 75);
	assert_int_equal(entries, 3);
	assert_int_equal(counter(f, "pts", STORE_COUNT_SUMMARY,
	    STORE_SUM_POINTS, 0), 75);
}

/* New visitor ids start with their creation time (ms), so that ids made
 * later sort later; the rest is random; a valid cookie is taken as is. */
static void
test_visitor_ids(void **state)
{
	uint8_t a[SCAN_VISITOR_BYTES], b[SCAN_VISITOR_BYTES],
	    c[SCAN_VISITOR_BYTES];
	char cookie[64], text[40];
	struct http_req req;
	uint64_t ms = 0, before = (uint64_t)clock_now_us() / 1000, after;

	(void)state;
	memset(&req, 0, sizeof(req));
	assert_true(scan_visitor(&req, a));
	assert_true(scan_visitor(&req, b));
	after = (uint64_t)clock_now_us() / 1000;
	for (int i = 0; i < SCAN_VISITOR_TIME_BYTES; i++)
		ms = ms << 8 | a[i];
	assert_true(ms >= before && ms <= after);
	assert_true(memcmp(a, b, SCAN_VISITOR_TIME_BYTES) <= 0);
	assert_memory_not_equal(a + SCAN_VISITOR_TIME_BYTES,
	    b + SCAN_VISITOR_TIME_BYTES,
	    SCAN_VISITOR_BYTES - SCAN_VISITOR_TIME_BYTES);
	/* An id made a few milliseconds later sorts after both. */
	while ((uint64_t)clock_now_us() / 1000 <= after + 2)
		;
	assert_true(scan_visitor(&req, c));
	assert_true(memcmp(a, c, SCAN_VISITOR_BYTES) < 0);
	assert_true(memcmp(b, c, SCAN_VISITOR_BYTES) < 0);
	/* A well-formed cookie names the visitor; a bad one makes a new id. */
	base32_encode(text, a, sizeof(a));
	snprintf(cookie, sizeof(cookie), "x=1; %s=%s", SCAN_VISITOR_COOKIE,
	    text);
	req.head.cookie.p = cookie;
	req.head.cookie.len = strlen(cookie);
	assert_false(scan_visitor(&req, c));
	assert_memory_equal(a, c, SCAN_VISITOR_BYTES);
	snprintf(cookie, sizeof(cookie), "%s=%.20s!", SCAN_VISITOR_COOKIE,
	    text);
	req.head.cookie.len = strlen(cookie);
	assert_true(scan_visitor(&req, c));
	assert_memory_not_equal(a, c, SCAN_VISITOR_BYTES);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_and_uniform),
		cmocka_unit_test_setup_teardown(test_pick_boundaries, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_odds_statistics, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_caps_across_days, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cap_rollover_midnight,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_draw_per_code, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_cached, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cache_recovery, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_group_tallies, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tickets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redeem_statuses, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_points, setup, teardown),
		cmocka_unit_test(test_visitor_ids),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
