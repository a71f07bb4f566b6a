/*
 * test_summaries.c — the scan server's summaries folded in slices
 * (scanner/summaries.h), and what a crash between slices leaves.
 *
 * A slice writes summaries that already hold events past the fold
 * watermark; the restart's fold (store_scans_fold) and the readers that
 * add the unfolded tail (store_code_scans_current_txn) must count each
 * event once. The oracle is a count of the events made, per code.
 */
#include "store_fixture.h"

#include <errno.h>
#include <string.h>

#include "scanner/summaries.h"

#define CODES 5

/* The serial of code i: ascending with i (a plan writes in key order). */
static void
serial_at(int i, uint8_t serial[STORE_SERIAL_BYTES])
{
	memset(serial, 0, STORE_SERIAL_BYTES);
	serial[0] = 0x10;
	serial[STORE_SERIAL_BYTES - 1] = (uint8_t)(i + 1);
}

/* One group commit of human, authenticated scans of the codes listed
 * (-1 ends the list); counts them in made[]. */
static void
group(struct fixture *f, struct summaries *sm, const int *codes, int made[])
{
	struct store_code_scans out;
	struct store_event ev;
	struct store_txn t;

	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	for (; *codes >= 0; codes++) {
		memset(&ev, 0, sizeof(ev));
		serial_at(*codes, ev.serial);
		ev.time = 1800000000LL * 1000000 + made[*codes];
		ev.flags = STORE_EVENT_F_HUMAN | STORE_EVENT_F_AUTH;
		assert_int_equal(summaries_add_event_txn(sm, &t, &ev, &out), 0);
		made[*codes]++;
		assert_int_equal(out.total, (uint32_t)made[*codes]);
	}
	assert_int_equal(store_txn_commit(&t), 0);
	summaries_group_end(sm, true);
}

/* Code i's summary as stored, or with the unfolded tail (current). */
static struct store_code_scans
stored(struct fixture *f, int i, bool current)
{
	uint8_t serial[STORE_SERIAL_BYTES];
	struct store_code_scans s;
	struct store_txn t;
	int ret;

	serial_at(i, serial);
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	ret = current ? store_code_scans_current_txn(&t, serial, &s) :
	    store_code_scans_get_txn(&t, serial, &s);
	store_txn_abort(&t);
	if (ret == -ENOENT)
		memset(&s, 0, sizeof(s));
	else
		assert_int_equal(ret, 0);
	return s;
}

/* The fold watermark. */
static uint64_t
watermark(struct fixture *f)
{
	struct store_txn t;
	uint64_t id;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_scans_folded_txn(&t, &id), 0);
	store_txn_abort(&t);
	return id;
}

/* A plan written in slices moves the watermark only with its last slice,
 * to the newest event of its time; later changes wait for the next. */
static void
test_slices(void **state)
{
	static const int all[] = { 0, 1, 2, 3, 4, -1 }, again[] = { 4, 0, -1 };
	struct fixture *f = *state;
	struct summaries *sm;
	int made[CODES] = { 0 };

	assert_int_equal(summaries_new(0, &sm), 0);
	group(f, sm, all, made);
	assert_int_equal(summaries_plan(sm), 0);
	group(f, sm, again, made);			/* events 6 and 7 */
	assert_int_equal(summaries_dirty(sm), CODES);
	assert_int_equal(summaries_fold_slice(sm, f->st, 2), 1);
	assert_int_equal(watermark(f), 0);
	assert_int_equal(stored(f, 0, false).total, 2);	/* its value now */
	assert_int_equal(stored(f, 2, false).total, 0);
	assert_int_equal(summaries_fold_slice(sm, f->st, 2), 1);
	assert_int_equal(summaries_fold_slice(sm, f->st, 2), 0);
	assert_int_equal(watermark(f), 5);
	assert_int_equal(summaries_fold_slice(sm, f->st, 2), 0);
	for (int i = 0; i < CODES; i++) {
		assert_int_equal(stored(f, i, false).total, made[i]);
		assert_int_equal(stored(f, i, true).total, made[i]);
	}
	/* Code 0 changed after its slice: dirty for the next plan. */
	group(f, sm, again, made);
	assert_int_equal(summaries_plan(sm), 0);
	assert_int_equal(summaries_fold_slice(sm, f->st, 10), 0);
	assert_int_equal(watermark(f), 9);
	assert_int_equal(stored(f, 0, false).total, 3);
	assert_int_equal(stored(f, 4, false).total, 3);
	summaries_free(sm);
}

/* A crash after one slice: the restart's fold and the readers count every
 * event once, and a location given after the slice to a first scan that
 * the slice wrote is not lost. */
static void
test_crash_between_slices(void **state)
{
	static const int all[] = { 0, 1, 2, 3, 4, -1 }, again[] = { 4, 0, 1, -1 };
	struct fixture *f = *state;
	struct store_code_scans s;
	struct store_event ev;
	struct summaries *sm;
	struct store_txn t;
	uint64_t folded, head;
	int made[CODES] = { 0 };

	assert_int_equal(summaries_new(0, &sm), 0);
	group(f, sm, all, made);
	assert_int_equal(summaries_plan(sm), 0);
	group(f, sm, again, made);
	assert_int_equal(summaries_fold_slice(sm, f->st, 2), 1);
	/* Code 0's first scan (event 1) gets its location now. */
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(summaries_set_location_txn(sm, &t, 1, 31.2, 121.5,
	    20.0f, 1800000001LL * 1000000, &ev, &head), 0);
	assert_int_equal(head, 7);
	assert_int_equal(store_txn_commit(&t), 0);
	summaries_group_end(sm, true);
	summaries_free(sm);				/* the crash */

	assert_int_equal(watermark(f), 0);
	for (int i = 0; i < CODES; i++)
		assert_int_equal(stored(f, i, true).total, made[i]);
	assert_true(stored(f, 0, true).first_has_location);
	assert_int_equal(store_scans_fold(f->st, &folded), 0);
	assert_int_equal(folded, 8);
	assert_int_equal(watermark(f), 8);
	for (int i = 0; i < CODES; i++) {
		s = stored(f, i, false);
		assert_int_equal(s.total, made[i]);
		assert_int_equal(s.human, made[i]);
	}
	s = stored(f, 0, false);
	assert_int_equal(s.first_event, 1);
	assert_int_equal(s.last_event, 7);
	assert_true(s.first_has_location);
	assert_true(s.first_lat > 31.1 && s.first_lat < 31.3);
	/* Once: a second fold finds nothing. */
	assert_int_equal(store_scans_fold(f->st, &folded), 0);
	assert_int_equal(folded, 0);
	assert_int_equal(stored(f, 1, false).total, 2);
}

/* With no room to fold at start, the tail loads into memory: a summary a
 * slice wrote is not counted twice there either. */
static void
test_load_tail(void **state)
{
	static const int all[] = { 0, 1, 2, 3, 4, -1 }, again[] = { 0, 3, -1 };
	struct fixture *f = *state;
	struct store_code_scans s;
	struct summaries *sm;
	int made[CODES] = { 0 };

	assert_int_equal(summaries_new(0, &sm), 0);
	group(f, sm, all, made);
	group(f, sm, again, made);
	assert_int_equal(summaries_plan(sm), 0);
	assert_int_equal(summaries_fold_slice(sm, f->st, 1), 1);
	summaries_free(sm);
	assert_int_equal(summaries_new(0, &sm), 0);
	assert_int_equal(summaries_load_tail(sm, f->st), 0);
	for (int i = 0; i < CODES; i++) {
		uint8_t serial[STORE_SERIAL_BYTES];

		serial_at(i, serial);
		assert_true(summaries_lookup(sm, serial, &s));
		assert_int_equal(s.total, made[i]);
	}
	summaries_free(sm);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_slices, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_crash_between_slices,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_load_tail, fixture_setup,
		    fixture_teardown),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
