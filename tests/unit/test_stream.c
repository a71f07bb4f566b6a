/*
 * test_stream.c — the outbox's parts that need no broker: the ring of
 * records in flight (stream/inflight.c), whose acknowledged prefix moves
 * the watermarks whatever order the delivery reports come in (a record
 * skipped because its event was pruned takes its turn), and the
 * store's change logs and watermarks (store/outbox.c), which a late
 * location appends to by itself. The producer against a broker is
 * integration.serve_kafka.
 */
#include "store_fixture.h"

#include <errno.h>
#include <string.h>

#include "stream/stream_internal.h"

struct retired {
	uint32_t source[16];
	uint64_t id[16];
	size_t n;
};

/* Collects what inflight_retire hands back. */
static void
retired_cb(void *arg, uint32_t source, uint64_t id)
{
	struct retired *r = arg;

	assert_true(r->n < 16);
	r->source[r->n] = source;
	r->id[r->n++] = id;
}

/* Pushes (source, id) and returns its position. */
static uint64_t
push(struct inflight *f, uint32_t source, uint64_t id)
{
	uint64_t pos;

	assert_int_equal(inflight_push(f, source, id, &pos), 0);
	return pos;
}

/* Reports out of order: only the contiguous acknowledged prefix retires,
 * oldest first, across sources. */
static void
test_inflight_prefix(void **state)
{
	struct inflight f;
	struct retired r = { .n = 0 };
	uint64_t p[5];

	(void)state;
	assert_int_equal(inflight_init(&f, 4), 0);
	p[0] = push(&f, 0, 10);
	p[1] = push(&f, 3, 1);
	p[2] = push(&f, 0, 11);
	p[3] = push(&f, 0, 12);
	assert_int_equal(inflight_room(&f), 0);
	assert_int_equal(inflight_push(&f, 0, 13, &p[4]), -ENOBUFS);
	assert_true(inflight_settle(&f, p[2], true));
	assert_true(inflight_settle(&f, p[3], true));
	assert_int_equal(inflight_retire(&f, retired_cb, &r), 0);
	assert_true(inflight_settle(&f, p[0], true));
	assert_false(inflight_settle(&f, p[0], true));	/* twice */
	assert_int_equal(inflight_retire(&f, retired_cb, &r), 1);
	assert_int_equal(r.id[0], 10);
	assert_true(inflight_settle(&f, p[1], true));
	assert_int_equal(inflight_retire(&f, retired_cb, &r), 3);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.source[1], 3);
	assert_int_equal(r.id[1], 1);
	assert_int_equal(r.id[2], 11);
	assert_int_equal(r.id[3], 12);
	assert_int_equal(inflight_count(&f), 0);
	assert_int_equal(inflight_room(&f), 4);
	/* The ring wraps. */
	p[4] = push(&f, 0, 13);
	assert_int_equal(p[4], 4);
	assert_true(inflight_settle(&f, p[4], true));
	assert_int_equal(inflight_retire(&f, retired_cb, &r), 1);
	assert_int_equal(r.id[4], 13);
	inflight_deinit(&f);
}

/* A skipped record (its event pruned) takes its turn in the prefix: it
 * retires after the records produced before it, and before those after;
 * a full ring refuses it like a record. */
static void
test_skip_in_turn(void **state)
{
	struct stream s;
	struct stream_source src[STREAM_DRAWS];
	struct retired r = { .n = 0 };
	uint64_t p0, p2;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(src, 0, sizeof(src));
	s.src = src;
	s.nsrc = s.srccap = STREAM_DRAWS;
	assert_int_equal(inflight_init(&s.fl, 3), 0);
	p0 = push(&s.fl, STREAM_SCANS, 7);
	assert_int_equal(stream_skip(&s, STREAM_LOCATIONS, 4), 0);
	assert_int_equal(src[STREAM_LOCATIONS].sent, 4);
	p2 = push(&s.fl, STREAM_SIGNALS, 2);
	assert_int_equal(stream_skip(&s, STREAM_LOCATIONS, 5), -ENOBUFS);
	assert_int_equal(src[STREAM_LOCATIONS].sent, 4);
	assert_int_equal(inflight_retire(&s.fl, retired_cb, &r), 0);
	assert_true(inflight_settle(&s.fl, p2, true));
	assert_int_equal(inflight_retire(&s.fl, retired_cb, &r), 0);
	assert_true(inflight_settle(&s.fl, p0, true));
	assert_int_equal(inflight_retire(&s.fl, retired_cb, &r), 3);
	assert_int_equal(r.source[0], STREAM_SCANS);
	assert_int_equal(r.id[0], 7);
	assert_int_equal(r.source[1], STREAM_LOCATIONS);
	assert_int_equal(r.id[1], 4);
	assert_int_equal(r.source[2], STREAM_SIGNALS);
	assert_int_equal(r.id[2], 2);
	inflight_deinit(&s.fl);
}

/* A failed slot stops the prefix; a clear forgets every slot, and late
 * reports of the old positions are ignored. */
static void
test_inflight_failure(void **state)
{
	struct inflight f;
	struct retired r = { .n = 0 };
	uint64_t a, b, c;

	(void)state;
	assert_int_equal(inflight_init(&f, 8), 0);
	a = push(&f, 0, 1);
	b = push(&f, 0, 2);
	c = push(&f, 0, 3);
	assert_int_equal(f.unsettled, 3);
	assert_true(inflight_settle(&f, a, true));
	assert_true(inflight_settle(&f, b, false));
	assert_true(inflight_settle(&f, c, true));
	assert_int_equal(f.unsettled, 0);
	assert_int_equal(inflight_retire(&f, retired_cb, &r), 1);
	assert_int_equal(r.id[0], 1);
	assert_int_equal(inflight_count(&f), 2);	/* 2 failed, 3 behind */
	inflight_clear(&f);
	assert_int_equal(inflight_count(&f), 0);
	assert_false(inflight_settle(&f, b, true));
	assert_false(inflight_settle(&f, c, true));
	/* Positions go on growing after a clear. */
	a = push(&f, 0, 2);
	assert_int_equal(a, 3);
	/* unpush gives back the newest slot. */
	b = push(&f, 0, 3);
	inflight_unpush(&f);
	assert_int_equal(f.unsettled, 1);
	assert_int_equal(inflight_count(&f), 1);
	assert_false(inflight_settle(&f, b, true));
	assert_true(inflight_settle(&f, a, true));
	assert_int_equal(inflight_retire(&f, retired_cb, &r), 1);
	assert_int_equal(r.id[1], 2);
	inflight_deinit(&f);
}

struct walked {
	uint64_t seq[8];
	struct store_log_entry e[8];
	size_t n;
};

/* Collects log entries. */
static int
walked_cb(const struct store_log_entry *e, void *arg)
{
	struct walked *w = arg;

	assert_true(w->n < 8);
	w->e[w->n] = *e;
	w->seq[w->n++] = e->seq;
	return 0;
}

/* The two logs number their entries apart, walk from a seq, and keep
 * what was appended; watermarks read 0 until set. */
static void
test_logs_and_watermarks(void **state)
{
	struct fixture *fx = *state;
	struct store_log_entry e;
	struct walked w = { .n = 0 };
	struct store_txn t;
	uint64_t v;

	assert_int_equal(store_txn_begin(fx->st, false, &t), 0);
	for (int i = 0; i < 3; i++) {
		memset(&e, 0, sizeof(e));
		e.time = 1000 + i;
		e.claim_id[0] = (uint8_t)(0xa0 + i);
		assert_int_equal(store_log_append_txn(&t, STORE_LOG_REDEEMED,
		    &e), 0);
		assert_int_equal(e.seq, (uint64_t)i + 1);
	}
	memset(&e, 0, sizeof(e));
	e.event_id = 77;
	assert_int_equal(store_log_append_txn(&t, STORE_LOG_LOCATED, &e), 0);
	assert_int_equal(e.seq, 1);
	assert_int_equal(store_outbox_get_txn(&t, "t/scans", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(store_outbox_set_txn(&t, "t/scans", 41), 0);
	assert_int_equal(store_outbox_set_txn(&t, "t/draws/c1", 5), 0);
	assert_int_equal(store_txn_commit(&t), 0);

	assert_int_equal(store_txn_begin(fx->st, true, &t), 0);
	assert_int_equal(store_log_last_txn(&t, STORE_LOG_REDEEMED, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(store_log_last_txn(&t, STORE_LOG_LOCATED, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(store_log_foreach_txn(&t, STORE_LOG_REDEEMED, 1,
	    walked_cb, &w), 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.seq[0], 2);
	assert_int_equal(w.seq[1], 3);
	assert_int_equal(w.e[1].claim_id[0], 0xa2);
	assert_int_equal(w.e[1].time, 1002);
	w.n = 0;
	assert_int_equal(store_log_foreach_txn(&t, STORE_LOG_LOCATED, 0,
	    walked_cb, &w), 0);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.e[0].event_id, 77);
	w.n = 0;
	assert_int_equal(store_log_foreach_txn(&t, STORE_LOG_REDEEMED, 3,
	    walked_cb, &w), 0);
	assert_int_equal(w.n, 0);
	assert_int_equal(store_outbox_get_txn(&t, "t/scans", &v), 0);
	assert_int_equal(v, 41);
	assert_int_equal(store_outbox_get_txn(&t, "t/draws/c1", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(store_outbox_get_txn(&t, "u/scans", &v), 0);
	assert_int_equal(v, 0);
	store_txn_abort(&t);
}

/* A location given after the scan appends to the location log; a second
 * one is refused and appends nothing. */
static void
test_location_logged(void **state)
{
	struct fixture *fx = *state;
	struct store_event ev;
	struct store_code_scans s;
	struct walked w = { .n = 0 };
	struct store_txn t;
	uint64_t id;

	memset(&ev, 0, sizeof(ev));
	ev.time = 5000;
	ev.serial[0] = 1;
	ev.flags = STORE_EVENT_F_HUMAN;
	assert_int_equal(store_txn_begin(fx->st, false, &t), 0);
	assert_int_equal(store_event_add_txn(&t, &ev, &s), 0);
	id = ev.id;
	assert_int_equal(store_event_set_location_txn(&t, id, 31.2, 121.4,
	    10, 6000, &ev), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	assert_int_equal(store_txn_begin(fx->st, false, &t), 0);
	assert_int_equal(store_event_set_location_txn(&t, id, 1, 2, 3, 7000,
	    &ev), -EEXIST);
	store_txn_abort(&t);
	assert_int_equal(store_txn_begin(fx->st, true, &t), 0);
	assert_int_equal(store_log_foreach_txn(&t, STORE_LOG_LOCATED, 0,
	    walked_cb, &w), 0);
	store_txn_abort(&t);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.e[0].event_id, id);
	assert_int_equal(w.e[0].time, 6000);
}

/* Topic names as Kafka takes them. */
static void
test_topic_names(void **state)
{
	char long_name[260];

	(void)state;
	assert_true(stream_topic_valid("scanloop.events"));
	assert_true(stream_topic_valid("a_b-C.9"));
	assert_false(stream_topic_valid(""));
	assert_false(stream_topic_valid("."));
	assert_false(stream_topic_valid(".."));
	assert_false(stream_topic_valid("a b"));
	assert_false(stream_topic_valid("a/b"));
	memset(long_name, 'a', sizeof(long_name));
	long_name[STREAM_TOPIC_MAX] = '\0';
	assert_true(stream_topic_valid(long_name));
	long_name[STREAM_TOPIC_MAX] = 'a';
	long_name[STREAM_TOPIC_MAX + 1] = '\0';
	assert_false(stream_topic_valid(long_name));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inflight_prefix),
		cmocka_unit_test(test_inflight_failure),
		cmocka_unit_test(test_skip_in_turn),
		cmocka_unit_test_setup_teardown(test_logs_and_watermarks,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_location_logged,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test(test_topic_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
