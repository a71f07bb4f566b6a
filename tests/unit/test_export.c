/* test_export.c — exports over a real store (analytics/export*.c): every
 * event once, in id order; resumable steps give the same bytes as one
 * pass; --since windows concatenate; filters; nothing reaches the sink
 * of a refused export; codes and batches count the summaries' unfolded
 * tail as the store's own reader does. */
#include "testutil.h"

#include "analytics/analytics.h"
#include "codegen/code.h"
#include "codegen/keys.h"
#include "common/buf.h"
#include "store/verdict.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCODES 50
#define NEVENTS 400

struct fixture {
	char dir[TU_PATH_MAX];
	struct store *st;
	struct keypair *kp;
	uint8_t serials[NCODES][STORE_SERIAL_BYTES];
	uint32_t batch;
	uint32_t batch2;		/* minted, not activated */
};

/* Orders code entries by serial. */
static int
entry_cmp(const void *a, const void *b)
{
	return memcmp(((const struct store_code_entry *)a)->serial,
	    ((const struct store_code_entry *)b)->serial, STORE_SERIAL_BYTES);
}

/* Mints n codes as one READY batch; their serials go to serials. */
static uint32_t
mint(struct fixture *f, size_t n, uint8_t (*serials)[STORE_SERIAL_BYTES])
{
	struct store_code_entry e[NCODES];
	struct store_batch b;
	struct store_mint *m = NULL;

	memset(&b, 0, sizeof(b));
	b.key_id = f->kp->id;
	b.scheme = f->kp->scheme;
	strcpy(b.gtin, "09506000134352");
	strcpy(b.line, "line,1");
	b.count = n;
	assert_int_equal(store_mint_begin(f->st, &b, &m), 0);
	memset(e, 0, sizeof(e));
	for (size_t i = 0; i < n; i++) {
		struct code c;

		memset(&c, 0, sizeof(c));
		strcpy(c.gtin, b.gtin);
		tu_random(c.serial, CODE_SERIAL_BYTES);
		keys_sign(f->kp, &c);
		memcpy(e[i].serial, c.serial, 8);
		e[i].code.batch_id = b.id;
		code_check_digest(&c, e[i].code.check);
	}
	qsort(e, n, sizeof(e[0]), entry_cmp);
	for (size_t i = 0; i < n && serials != NULL; i++)
		memcpy(serials[i], e[i].serial, STORE_SERIAL_BYTES);
	assert_int_equal(store_mint_insert(m, e, n), 0);
	assert_int_equal(store_mint_finish(m), 0);
	store_mint_free(m);
	return b.id;
}

/* Event i of the fixture: every verdict, flag and odd text. */
static void
make_event(struct fixture *f, int i, struct store_event *ev)
{
	static const char *const uas[] = { "Mozilla/5.0 (a, \"b\")",
	    "华为\nline", "bot/1.0", "\xff\xfe", "" };

	memset(ev, 0, sizeof(*ev));
	ev->time = 1780272000000000LL + (int64_t)i * 1000003;
	ev->verdict = (uint8_t)(i % VERDICT_COUNT);
	ev->flags = (uint8_t)((i % 3 == 0 ? STORE_EVENT_F_HUMAN : 0) |
	    (i % 7 == 0 ? STORE_EVENT_F_HEAD : 0) |
	    (i % 4 == 0 ? STORE_EVENT_F_API : 0) | STORE_EVENT_F_IP_ANON);
	if (ev->verdict != VERDICT_MALFORMED) {
		memcpy(ev->serial, f->serials[i % NCODES], STORE_SERIAL_BYTES);
		ev->key_id = f->kp->id;
		ev->batch_id = f->batch;
		ev->flags |= STORE_EVENT_F_KNOWN;
		if (ev->verdict != VERDICT_FORGED)
			ev->flags |= STORE_EVENT_F_AUTH;
	}
	ev->reason = ev->verdict == VERDICT_GENUINE ? 0 : 24;
	ev->ip_family = i % 2 ? 4 : 6;
	ev->ip[0] = 10;
	ev->ip[1] = (uint8_t)i;
	tu_random(ev->visitor, sizeof(ev->visitor));
	if (i % 5 == 0) {
		ev->flags |= STORE_EVENT_F_LOCATION;
		ev->lat = 31.2 + i / 1000.0;
		ev->lon = -121.5 - i / 1000.0;
		ev->accuracy = 12.5f;
		ev->location_time = ev->time + 5;
	}
	snprintf(ev->ua, sizeof(ev->ua), "%s #%d", uas[i % 5], i);
	snprintf(ev->lang, sizeof(ev->lang), "%s", i % 2 ? "zh-CN" : "");
	if (ev->verdict >= VERDICT_FORGED)
		snprintf(ev->raw, sizeof(ev->raw), "raw, \"text\"\r\n%d", i);
}

/* Appends events [from, to): with summaries (add) or without (append,
 * as the server leaves them until it folds). */
static void
add_events(struct fixture *f, int from, int to, bool fold)
{
	struct store_txn t;

	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	for (int i = from; i < to; i++) {
		struct store_event ev;
		struct store_code_scans s;

		make_event(f, i, &ev);
		if (fold)
			assert_int_equal(store_event_add_txn(&t, &ev, &s), 0);
		else
			assert_int_equal(store_event_append_txn(&t, &ev), 0);
	}
	assert_int_equal(store_txn_commit(&t), 0);
}

/* A store with a key, an active batch, a ready one and events, the last
 * 60 not folded into the summaries. */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_batch b;
	char db[TU_PATH_MAX];

	assert_non_null(f);
	f->st = tu_store_new(f->dir, db);
	assert_int_equal(keys_generate(1, CODE_SCHEME_ED25519, &f->kp), 0);
	tu_key_add(f->st, f->kp);
	f->batch = mint(f, NCODES, f->serials);
	f->batch2 = mint(f, 10, NULL);
	assert_int_equal(store_batch_activate(f->st, f->batch, 1780000000000000LL,
	    &b), 0);
	add_events(f, 0, NEVENTS - 60, true);
	add_events(f, NEVENTS - 60, NEVENTS, false);
	*state = f;
	return 0;
}

/* Frees everything. */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	keys_free(f->kp);
	tu_store_free(f->st, f->dir);
	free(f);
	return 0;
}

/* Sink into a struct buf. */
static int
mem_sink(void *arg, const void *data, size_t len)
{
	return buf_append(arg, data, len);
}

static int last_steps;

/* Runs an export into out with steps of budget bytes; returns the open's
 * or a step's error, else 0, with the next cursor in *next. */
static int
run(struct fixture *f, const struct analytics_query *q, size_t budget,
    struct buf *out, uint64_t *next)
{
	struct analytics_export *x;
	int ret, steps = 0;

	buf_reset(out);
	if ((ret = analytics_export_open(f->st, q, mem_sink, out, &x, NULL)) <
	    0)
		return ret;
	while ((ret = analytics_export_step(x, budget)) == 1)
		steps++;
	if (next != NULL)
		*next = analytics_export_next_since(x);
	analytics_export_close(x);
	last_steps = steps;
	return ret;
}

/* Counts lines that start a JSON object. */
static size_t
count_rows(const struct buf *b)
{
	size_t n = 0;

	for (size_t i = 0; i < b->len; i++)
		if (b->data[i] == '{' && (i == 0 || b->data[i - 1] == '\n'))
			n++;
	return n;
}

/* Steps of any budget give the bytes of one pass; every event is there
 * once, in order. */
static void
test_steps(void **state)
{
	struct fixture *f = *state;
	struct analytics_query q;
	struct buf one = { 0 }, many = { 0 };
	uint64_t next;

	for (int fmt = ANALYTICS_CSV; fmt <= ANALYTICS_JSONL; fmt++) {
		analytics_query_init(&q, ANALYTICS_SCANS);
		q.format = (enum analytics_format)fmt;
		assert_int_equal(run(f, &q, SIZE_MAX, &one, &next), 0);
		assert_int_equal(next, NEVENTS);
		assert_int_equal(run(f, &q, 1, &many, NULL), 0);
		assert_true(last_steps > 10);
		assert_int_equal(one.len, many.len);
		assert_memory_equal(one.data, many.data, one.len);
	}
	assert_int_equal(count_rows(&one), NEVENTS);
	for (int i = 1; i <= NEVENTS; i++) {
		char key[40];

		snprintf(key, sizeof(key), "{\"event_id\":%d,", i);
		assert_non_null(memmem(one.data, one.len, key, strlen(key)));
	}
	buf_free(&one);
	buf_free(&many);
}

/* --since windows: exactly the ids above; they concatenate. */
static void
test_since(void **state)
{
	struct fixture *f = *state;
	struct analytics_query q;
	struct buf full = { 0 }, w = { 0 }, cat = { 0 };
	uint64_t since = 0, next = 0;
	const uint64_t cuts[] = { 1, 1, 77, 200, NEVENTS, NEVENTS };

	analytics_query_init(&q, ANALYTICS_SCANS);
	q.format = ANALYTICS_JSONL;
	assert_int_equal(run(f, &q, SIZE_MAX, &full, NULL), 0);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		q.has_since = true;
		q.since = since;
		q.has_to = true;
		q.to = 1780272000000000LL + (int64_t)cuts[i] * 1000003;
		assert_int_equal(run(f, &q, 4096, &w, &next), 0);
		assert_int_equal(count_rows(&w), cuts[i] - since);
		assert_int_equal(next, cuts[i]);
		assert_int_equal(buf_append(&cat, w.data, w.len), 0);
		since = next;
	}
	assert_int_equal(cat.len, full.len);
	assert_memory_equal(cat.data, full.data, full.len);
	/* Beyond the newest event: refused, nothing written. */
	q.has_to = false;
	q.since = NEVENTS + 1;
	assert_int_equal(run(f, &q, SIZE_MAX, &w, NULL), -ERANGE);
	assert_int_equal(w.len, 0);
	q.since = UINT64_MAX;
	assert_int_equal(run(f, &q, SIZE_MAX, &w, NULL), -ERANGE);
	buf_free(&full);
	buf_free(&w);
	buf_free(&cat);
}

/* Filters select what they say. */
static void
test_filters(void **state)
{
	struct fixture *f = *state;
	struct analytics_query q;
	struct buf b = { 0 };
	size_t want = 0;

	analytics_query_init(&q, ANALYTICS_SCANS);
	q.format = ANALYTICS_JSONL;
	q.verdicts = 1u << VERDICT_FORGED;
	assert_int_equal(run(f, &q, SIZE_MAX, &b, NULL), 0);
	assert_int_equal(count_rows(&b), NEVENTS / VERDICT_COUNT);
	assert_null(memmem(b.data, b.len, "\"genuine\"", 9));
	analytics_query_init(&q, ANALYTICS_SCANS);
	q.format = ANALYTICS_JSONL;
	q.human = true;
	for (int i = 0; i < NEVENTS; i++)
		want += i % 3 == 0 && i % 7 != 0;
	assert_int_equal(run(f, &q, SIZE_MAX, &b, NULL), 0);
	assert_int_equal(count_rows(&b), want);
	assert_null(memmem(b.data, b.len, "\"who\":\"bot\"", 11));
	analytics_query_init(&q, ANALYTICS_SCANS);
	q.batch = f->batch2;
	assert_int_equal(run(f, &q, SIZE_MAX, &b, NULL), 0);
	assert_int_equal(count_rows(&b), 0);
	q.batch = 999;
	assert_int_equal(run(f, &q, SIZE_MAX, &b, NULL), -ENOENT);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

/* The codes export matches the store's own per-code reader, unfolded
 * tail included; batches add them up. */
static void
test_codes_batches(void **state)
{
	struct fixture *f = *state;
	struct analytics_query q;
	struct buf b = { 0 };
	struct store_txn t;
	uint64_t scanned = 0, human = 0;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	for (int i = 0; i < NCODES; i++) {
		struct store_code_scans s;
		char sn[CODE_SERIAL_CHARS + 1], row[160];

		int ret = store_code_scans_current_txn(&t, f->serials[i], &s);

		if (ret == -ENOENT)
			memset(&s, 0, sizeof(s));
		else
			assert_int_equal(ret, 0);
		code_serial_text(f->serials[i], sn);
		analytics_query_init(&q, ANALYTICS_CODES);
		q.format = ANALYTICS_JSONL;
		q.batch = f->batch;
		if (i == 0)
			assert_int_equal(run(f, &q, SIZE_MAX, &b, NULL), 0);
		snprintf(row, sizeof(row), "{\"serial\":\"%s\",\"gtin\":"
		    "\"09506000134352\",\"batch_id\":%u,\"state\":\"active\","
		    "\"human_scans\":%u,\"scans\":%u,", sn, f->batch, s.human,
		    s.total);
		if (memmem(b.data, b.len, row, strlen(row)) == NULL)
			fail_msg("no row %s", row);
		scanned += s.human > 0;
		human += s.human;
	}
	store_txn_abort(&t);
	assert_int_equal(count_rows(&b), NCODES);
	analytics_query_init(&q, ANALYTICS_CODES);
	assert_int_equal(run(f, &q, SIZE_MAX, &b, NULL), 0);
	analytics_query_init(&q, ANALYTICS_CODES);
	q.format = ANALYTICS_JSONL;
	q.scanned = true;
	assert_int_equal(run(f, &q, SIZE_MAX, &b, NULL), 0);
	assert_int_equal(count_rows(&b), NCODES - NCODES / 5);
	analytics_query_init(&q, ANALYTICS_BATCHES);
	q.format = ANALYTICS_JSONL;
	assert_int_equal(run(f, &q, SIZE_MAX, &b, NULL), 0);
	assert_int_equal(count_rows(&b), 2);
	{
		char want[200];

		snprintf(want, sizeof(want), "\"codes\":%d,\"codes_void\":0,"
		    "\"codes_scanned\":%llu,", NCODES,
		    (unsigned long long)scanned);
		assert_non_null(memmem(b.data, b.len, want, strlen(want)));
		snprintf(want, sizeof(want), "\"human_scans\":%llu,"
		    "\"forged_scans\":%d,", (unsigned long long)human,
		    NEVENTS / VERDICT_COUNT);
		assert_non_null(memmem(b.data, b.len, want, strlen(want)));
		assert_non_null(memmem(b.data, b.len, "\"line\":\"line,1\"",
		    15));
	}
	buf_free(&b);
}

/* The sink of a refused export is never called. */
static int
refuse_sink(void *arg, const void *data, size_t len)
{
	(void)arg;
	(void)data;
	(void)len;
	fail_msg("a refused export wrote");
	return -EIO;
}

/* A sink whose disk failed. */
static int
eio_sink(void *arg, const void *data, size_t len)
{
	(void)arg;
	(void)data;
	(void)len;
	return -EIO;
}

/* Refusals: nothing written; a sink error stops the export. */
static void
test_refusals(void **state)
{
	struct fixture *f = *state;
	struct analytics_query q;
	struct analytics_export *x = NULL;
	const char *why = NULL;

	analytics_query_init(&q, ANALYTICS_SCANS);
	strcpy(q.campaign, "nope");
	assert_int_equal(analytics_export_open(f->st, &q, refuse_sink, NULL,
	    &x, &why), -ENOENT);
	assert_string_equal(why, "no such campaign");
	analytics_query_init(&q, ANALYTICS_SCANS);
	assert_int_equal(analytics_export_open(f->st, &q, eio_sink, NULL,
	    &x, &why), 0);
	assert_int_equal(analytics_export_step(x, SIZE_MAX), -EIO);
	analytics_export_close(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_since),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_codes_batches),
		cmocka_unit_test(test_refusals),
	};

	tu_init();
	return cmocka_run_group_tests(tests, setup, teardown);
}
