/* test_draw.c — online draws in a temporary store: the random numbers,
 * picking by odds, caps across local days, one draw per code, closed
 * campaigns and risk refusals. */
#include "draw_fixture.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "common/tz.h"

__extension__ typedef unsigned __int128 u128;

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

	if (!tz_known("Asia/Shanghai"))
		skip();
	c = f->c = tu_campaign_load(f->st, "draw-pick", 1);
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

	if (!tz_known("Asia/Shanghai"))
		skip();
	c = f->c = tu_campaign_load(f->st, "draw-odds", 42);
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

	if (!tz_known("Asia/Shanghai"))
		skip();
	c = f->c = tu_campaign_load(f->st, "draw-daily-cap", 3);
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

	if (!tz_known("Asia/Shanghai"))
		skip();
	c = f->c = tu_campaign_load(f->st, "draw-cap-rollover", 4);
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

	if (!tz_known("Asia/Shanghai"))
		skip();
	c = f->c = tu_campaign_load(f->st, "draw-once", 5);
	now = c->start + 1000;
	a = draw(f, c, 77, 1, 1, now);
	assert_int_equal(a.status, DRAW_NEW);
	assert_int_equal(a.draw.outcome, 1);
	assert_true(a.has_claim);
	assert_int_equal(strlen(a.claim_token), TOKEN_CLAIM_CHARS);
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

	if (!tz_known("Asia/Shanghai"))
		skip();
	c = f->c = tu_campaign_load(f->st, "draw-closed", 6);
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

/* The risk rules, with the index and counters written straight. */
static void
test_refusals(void **state)
{
	refusals(*state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_and_uniform),
		cmocka_unit_test_setup_teardown(test_pick_boundaries,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_odds_statistics,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_caps_across_days,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_cap_rollover_midnight,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_one_draw_per_code,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_closed, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, fixture_setup,
		    fixture_teardown),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
