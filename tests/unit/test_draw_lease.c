/* test_draw_lease.c — draws from leased stock (serve --pg): a tier awards
 * only what the node holds of its lease, in total and per day; with none
 * held a draw answers "try again" and records nothing, unless the ledger
 * has none left (a miss); the command line never awards past a lease. */
#include "draw_fixture.h"

#include <errno.h>
#include <string.h>

#include "common/tz.h"

/* The ledger as the draws see it: exhausted or not, and who asked. */
struct mock_ledger {
	bool exhausted;
	int calls;
	int tier;
	uint32_t period;
};

/* tallies_lease.exhausted. */
static bool
mock_exhausted(void *arg, const char *campaign, int tier, uint32_t period)
{
	struct mock_ledger *m = arg;

	assert_string_equal(campaign, "caps");
	m->calls++;
	m->tier = tier;
	m->period = period;
	return m->exhausted;
}

/* Adds n to a tier's lease counter (which: STORE_LEASE_*) in period. */
static void
lease_add(struct fixture *f, uint8_t which, uint32_t period, uint64_t n)
{
	uint8_t subject[16] = { 0, which };
	struct store_txn t;

	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_counter_add_txn(&t, "caps", STORE_COUNT_LEASE,
	    subject, period, n), 0);
	assert_int_equal(store_txn_commit(&t), 0);
}

/* One draw through the given tallies. */
static struct draw_result
draw_with(struct fixture *f, const struct tallies *tl, uint64_t n,
    int64_t now)
{
	struct draw_request rq = request(f->c, n, (uint8_t)n, (uint8_t)n, now);
	struct draw_result res;
	struct store_txn t;

	rq.tallies = tl;
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(draw_online_txn(&t, &rq, &res), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	return res;
}

/* The server's view: awards within the lease, try-again past it (nothing
 * written), a miss once the ledger has none left. */
static void
test_server_lease(void **state)
{
	struct fixture *f = *state;
	struct mock_ledger m = { false, 0, -1, 0 };
	struct tallies_lease lease = { mock_exhausted, &m };
	struct tallies tl = tallies_store;
	struct draw_result r;
	int64_t now;

	if (!tz_known("Asia/Shanghai"))
		skip();
	f->c = tu_campaign_load(f->st, "draw-daily-cap", 1);
	now = f->c->start + 1;		/* day 0: period 1 */
	tl.lease = &lease;

	/* Nothing leased: try again, nothing recorded. */
	r = draw_with(f, &tl, 1, now);
	assert_int_equal(r.status, DRAW_RETRY);
	assert_int_equal(m.calls, 1);
	assert_int_equal(m.period, 0);
	assert_int_equal(header(f, "caps").draws, 0);
	assert_int_equal(counter(f, "caps", STORE_COUNT_SUMMARY,
	    STORE_SUM_DRAWS, 0), 0);

	/* The campaign's lease but not the day's: the day is asked for. */
	lease_add(f, STORE_LEASE_TAKEN, 0, 3);
	lease_add(f, STORE_LEASE_RETURNED, 0, 1);	/* holds 2 */
	r = draw_with(f, &tl, 1, now);
	assert_int_equal(r.status, DRAW_RETRY);
	assert_int_equal(m.period, 1);
	assert_int_equal(header(f, "caps").draws, 0);

	/* Both held: two awards, then the campaign's lease is used up. */
	lease_add(f, STORE_LEASE_TAKEN, 1, 3);
	r = draw_with(f, &tl, 1, now);
	assert_int_equal(r.status, DRAW_NEW);
	assert_int_equal(r.draw.outcome, 1);
	assert_int_equal(r.draw.seq, 1);
	r = draw_with(f, &tl, 2, now);
	assert_int_equal(r.draw.outcome, 1);
	m.calls = 0;
	r = draw_with(f, &tl, 3, now);
	assert_int_equal(r.status, DRAW_RETRY);
	assert_int_equal(m.calls, 1);
	assert_int_equal(m.period, 0);
	assert_int_equal(counter(f, "caps", STORE_COUNT_STOCK, 0, 0), 2);

	/* The ledger has none left: a miss, recorded as one, with its reason
	 * (the audit's replay would have awarded it). */
	m.exhausted = true;
	r = draw_with(f, &tl, 3, now);
	assert_int_equal(r.status, DRAW_NEW);
	assert_int_equal(r.draw.outcome, STORE_OUTCOME_MISS);
	assert_int_equal(r.draw.reason, DRAW_MISS_LEDGER);
	assert_int_equal(r.draw.seq, 3);
	assert_int_equal(counter(f, "caps", STORE_COUNT_STOCK, 0, 0), 2);
	assert_int_equal(counter(f, "caps", STORE_COUNT_STOCK, 0, 1), 2);

	/* A repeat is its first answer, lease or not. */
	r = draw_with(f, &tl, 1, now);
	assert_int_equal(r.status, DRAW_REPEAT);
	assert_int_equal(r.draw.outcome, 1);
}

/* The command line on a node's store (no ledger): a tier it leased awards
 * only what is held, and asks to try again (through the server) past it;
 * a tier never leased draws from the stock as before. */
static void
test_store_lease(void **state)
{
	struct fixture *f = *state;
	struct draw_result r;
	int64_t now;

	if (!tz_known("Asia/Shanghai"))
		skip();
	f->c = tu_campaign_load(f->st, "draw-daily-cap", 1);
	now = f->c->start + 1;
	r = draw_with(f, &tallies_store, 1, now);
	assert_int_equal(r.draw.outcome, 1);		/* no lease: stock */
	lease_add(f, STORE_LEASE_TAKEN, 0, 2);		/* holds 1 more */
	lease_add(f, STORE_LEASE_TAKEN, 1, 5);
	r = draw_with(f, &tallies_store, 2, now);
	assert_int_equal(r.draw.outcome, 1);
	r = draw_with(f, &tallies_store, 3, now);
	assert_int_equal(r.status, DRAW_RETRY);
	assert_int_equal(header(f, "caps").draws, 2);
	assert_int_equal(counter(f, "caps", STORE_COUNT_STOCK, 0, 0), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_server_lease,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_store_lease,
		    fixture_setup, fixture_teardown),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
