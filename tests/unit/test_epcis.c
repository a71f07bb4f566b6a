/*
 * test_epcis.c — the EPCIS document writer (analytics/epcis.c,
 * epcis_batch.c): scans of every verdict, located and not, in UTC and in
 * zones with and without summer time, and the life of two batches (mint,
 * activation, single-code void runs, a whole-batch void), parsed back
 * with jansson and checked field by field.
 *
 * With SCANLOOP_EPCIS_OUT=DIR it also leaves the documents it wrote in
 * DIR (scans-utc.json, scans-shanghai.json, batches.json), for
 * tests/epcis/run.sh, which validates them against the GS1 EPCIS JSON
 * Schema with ajv and recomputes every eventID with an independent
 * Python implementation of the hash.
 */
#include "store_fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analytics/epcis.h"
#include "codegen/code.h"

#define BASE_URL "HTTPS://S.EXAMPLE.COM"
#define T_MINT 1767225600000000		/* 2026-01-01T00:00:00Z */
#define T_ACTIVATE (T_MINT + 3600000000)
#define T_VOID1 (T_MINT + 86400000000)
#define T_VOID2 (T_MINT + 2 * 86400000000)
#define T_VOIDB (T_MINT + 3 * 86400000000)
#define N_A 25000			/* three chunks of 10,000 at most */
#define N_B 5

/* A sink into memory. */
static int
mem_sink(void *arg, const void *data, size_t len)
{
	return buf_append(arg, data, len);
}

/* A sink that fails, like a full disk. */
static int
full_sink(void *arg, const void *data, size_t len)
{
	(void)arg, (void)data, (void)len;
	return -ENOSPC;
}

/* Saves a document for tests/epcis/run.sh when asked to. */
static void
save(const char *name, const struct buf *doc)
{
	const char *dir = getenv("SCANLOOP_EPCIS_OUT");
	char path[TU_PATH_MAX];

	if (dir == NULL || *dir == '\0')
		return;
	tu_write(tu_path(path, dir, name), doc->data, doc->len);
}

/* Parses a document and returns its event list (the document in *doc). */
static json_t *
parse(const struct buf *b, json_t **doc)
{
	json_error_t err;
	json_t *ctx;

	*doc = json_loadb((const char *)b->data, b->len, 0, &err);
	if (*doc == NULL)
		fail_msg("not JSON: %s at %d: %.*s", err.text, err.position,
		    (int)b->len, (const char *)b->data);
	assert_string_equal(json_string_value(json_object_get(*doc, "type")),
	    "EPCISDocument");
	assert_string_equal(json_string_value(json_object_get(*doc,
	    "schemaVersion")), "2.0");
	ctx = json_object_get(*doc, "@context");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(ctx, 1), EPCIS_NS_PREFIX)), EPCIS_NS);
	return json_object_get(json_object_get(*doc, "epcisBody"), "eventList");
}

/* A field of an event as a string (NULL if absent). */
static const char *
str(json_t *ev, const char *key)
{
	return json_string_value(json_object_get(ev, key));
}

/* The scans of the test: every verdict and kind of client, with and
 * without a location and a visitor. */
static size_t
make_scans(struct scan_record *r)
{
	static const struct {
		const char *verdict, *who, *serial, *gtin;
		bool located;
		double lat, lon;
	} s[] = {
		{ "genuine", "human", "RVZ5FII3GOT64", "09506000134352", true,
		  31.23045, 121.47367 },
		{ "genuine", "api", "RVZ5FII3GOT64", "09506000134352", false, 0, 0 },
		{ "not_active", "human", "AAAAAAAAAAAAA", "09506000134352",
		  true, -0.0004, -33.86882 },
		{ "void", "bot", "BBBBBBBBBBBBB", "09506000134352", false, 0, 0 },
		{ "forged", "human", "CCCCCCCCCCCCC", "09506000134352", true,
		  48.85837, 2.29448 },
		{ "malformed", "head", "", "", false, 0, 0 },
	};
	size_t n = sizeof(s) / sizeof(s[0]);

	for (size_t i = 0; i < n; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].event_id = 100 + i;
		/* Winter and summer (New York's offset changes). */
		r[i].time = (i % 2 ? 1782864000123456 : 1767225600654321) +
		    (int64_t)i * 1000000;
		r[i].verdict = s[i].verdict;
		r[i].who = s[i].who;
		snprintf(r[i].serial, sizeof(r[i].serial), "%s", s[i].serial);
		snprintf(r[i].gtin, sizeof(r[i].gtin), "%s", s[i].gtin);
		if (i != 1)
			snprintf(r[i].visitor, sizeof(r[i].visitor),
			    "%032x", (unsigned)(0xabc0 + i));
		r[i].has_location = s[i].located;
		r[i].lat = s[i].lat;
		r[i].lon = s[i].lon;
		r[i].lang = r[i].ua = r[i].raw = "";
		r[i].base_url = i == 4 ? NULL : BASE_URL;
	}
	return n;
}

/* Writes the scans with the given options into b. */
static void
write_scans(const struct epcis_opts *o, struct buf *b)
{
	struct scan_record r[8];
	struct epcis_writer *w;
	size_t n = make_scans(r);

	assert_int_equal(epcis_open(o, mem_sink, b, &w), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(epcis_write_scan(w, &r[i]), 0);
	assert_int_equal(epcis_events(w), n);
	assert_int_equal(epcis_close(w), 0);
	epcis_free(w);
}

/* Scans in UTC: every field of every event. */
static void
test_scans_utc(void **state)
{
	struct epcis_opts o = { .geo_digits = 3, .created = T_MINT };
	struct buf b = { 0 };
	json_t *doc, *events, *ev;
	size_t i;

	(void)state;
	write_scans(&o, &b);
	save("scans-utc.json", &b);
	events = parse(&b, &doc);
	assert_string_equal(str(doc, "creationDate"),
	    "2026-01-01T00:00:00.000000Z");
	assert_int_equal(json_array_size(events), 6);
	json_array_foreach(events, i, ev) {
		json_t *epcs = json_object_get(ev, "epcList");

		assert_string_equal(str(ev, "type"), "ObjectEvent");
		assert_string_equal(str(ev, "action"), "OBSERVE");
		assert_string_equal(str(ev, "bizStep"), EPCIS_BIZSTEP_SCAN);
		assert_string_equal(str(ev, "eventTimeZoneOffset"), "+00:00");
		assert_int_equal(strncmp(str(ev, "eventID"), "ni:///sha-256;",
		    14), 0);
		assert_int_equal(json_integer_value(json_object_get(ev,
		    EPCIS_NS_PREFIX ":event")), 100 + i);
		assert_non_null(str(ev, EPCIS_NS_PREFIX ":verdict"));
		assert_non_null(str(ev, EPCIS_NS_PREFIX ":who"));
		assert_int_equal(json_array_size(epcs), i == 5 ? 0 : 1);
		assert_true((str(ev, EPCIS_NS_PREFIX ":visitor") == NULL) ==
		    (i == 1));
		assert_true((json_object_get(ev, "readPoint") == NULL) ==
		    (i == 1 || i == 3 || i == 5));
	}
	ev = json_array_get(events, 0);
	assert_string_equal(str(ev, "eventTime"), "2026-01-01T00:00:00.654+00:00");
	assert_string_equal(json_string_value(json_array_get(json_object_get(ev,
	    "epcList"), 0)),
	    "https://s.example.com/01/09506000134352/21/RVZ5FII3GOT64");
	assert_string_equal(str(json_object_get(ev, "readPoint"), "id"),
	    "geo:31.230,121.474");
	assert_string_equal(str(ev, EPCIS_NS_PREFIX ":verdict"), "genuine");
	assert_string_equal(str(ev, EPCIS_NS_PREFIX ":who"), "human");
	assert_string_equal(str(ev, EPCIS_NS_PREFIX ":visitor"),
	    "0000000000000000000000000000abc0");
	/* 123456 µs rounds to .123 (as the hash rounds it). */
	assert_string_equal(str(json_array_get(events, 1), "eventTime"),
	    "2026-07-01T00:00:01.123+00:00");
	/* No "-0.000", and the right hemisphere. */
	assert_string_equal(str(json_object_get(json_array_get(events, 2),
	    "readPoint"), "id"), "geo:0.000,-33.869");
	/* No key base URL: the GS1 resolver. */
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    json_array_get(events, 4), "epcList"), 0)),
	    "https://id.gs1.org/01/09506000134352/21/CCCCCCCCCCCCC");
	json_decref(doc);
	buf_free(&b);
}

/* Time zones: Shanghai (+08:00), New York in winter and summer; a
 * different precision and bizStep; the eventID follows the instant, not
 * the zone it is written in, except through eventTimeZoneOffset. */
static void
test_scans_zones(void **state)
{
	struct epcis_opts o = { .tz = "Asia/Shanghai", .geo_digits = 5,
	    .scan_step = EPCIS_SCAN_STEP_INSPECTING, .created = T_MINT };
	struct buf b = { 0 }, utc = { 0 };
	json_t *doc, *doc2, *events, *events2;

	(void)state;
	write_scans(&o, &b);
	save("scans-shanghai.json", &b);
	events = parse(&b, &doc);
	assert_string_equal(str(json_array_get(events, 0), "eventTime"),
	    "2026-01-01T08:00:00.654+08:00");
	assert_string_equal(str(json_array_get(events, 0), "bizStep"),
	    "inspecting");
	assert_string_equal(str(json_object_get(json_array_get(events, 0),
	    "readPoint"), "id"), "geo:31.23045,121.47367");
	json_decref(doc);
	buf_reset(&b);
	o.tz = "America/New_York";
	o.geo_digits = 3;
	o.scan_step = EPCIS_SCAN_STEP_CONSUMER;
	write_scans(&o, &b);
	events = parse(&b, &doc);
	assert_string_equal(str(json_array_get(events, 0), "eventTime"),
	    "2025-12-31T19:00:00.654-05:00");
	assert_string_equal(str(json_array_get(events, 1), "eventTime"),
	    "2026-06-30T20:00:01.123-04:00");
	assert_string_equal(str(json_array_get(events, 1),
	    "eventTimeZoneOffset"), "-04:00");
	/* Same instants in UTC: the offsets differ, so do the eventIDs; a
	 * second export in the same zone gives the same eventIDs. */
	o.tz = NULL;
	write_scans(&o, &utc);
	events2 = parse(&utc, &doc2);
	assert_string_not_equal(str(json_array_get(events, 0), "eventID"),
	    str(json_array_get(events2, 0), "eventID"));
	buf_reset(&utc);
	o.tz = "America/New_York";
	o.created = T_MINT + 1;	/* only the document's date differs */
	write_scans(&o, &utc);
	json_decref(doc2);
	events2 = parse(&utc, &doc2);
	for (size_t i = 0; i < json_array_size(events); i++)
		assert_string_equal(str(json_array_get(events, i), "eventID"),
		    str(json_array_get(events2, i), "eventID"));
	json_decref(doc);
	json_decref(doc2);
	buf_free(&b);
	buf_free(&utc);
}

/* Bad options, a failing sink, a writer used after an error. */
static void
test_errors(void **state)
{
	struct epcis_opts o = { .geo_digits = 3 };
	struct epcis_writer *w;
	struct scan_record r[8];
	struct buf b = { 0 };

	(void)state;
	make_scans(r);
	o.tz = "Mars/Olympus_Mons";
	assert_int_equal(epcis_open(&o, mem_sink, &b, &w), -EINVAL);
	o.tz = "../etc/passwd";
	assert_int_equal(epcis_open(&o, mem_sink, &b, &w), -EINVAL);
	o.tz = NULL;
	o.geo_digits = EPCIS_GEO_DIGITS_MAX + 1;
	assert_int_equal(epcis_open(&o, mem_sink, &b, &w), -EINVAL);
	o.geo_digits = -1;
	assert_int_equal(epcis_open(&o, mem_sink, &b, &w), -EINVAL);
	o.geo_digits = 3;
	assert_int_equal(epcis_open(&o, full_sink, NULL, &w), 0);
	assert_int_equal(epcis_write_scan(w, &r[0]), 0);	/* buffered */
	assert_int_equal(epcis_close(w), -ENOSPC);
	assert_int_equal(epcis_write_scan(w, &r[0]), -ENOSPC);
	epcis_free(w);
	buf_free(&b);
}

/* The two batches of the life test: A (N_A codes, activated, two void
 * runs of 3 and 2 codes) and B (N_B codes, one voided singly, then the
 * whole batch voided, never activated). */
static void
make_batches(struct store *st, struct store_code_entry **ea,
    struct store_code_entry **eb, uint32_t *a, uint32_t *bid)
{
	static const uint8_t zero[STORE_KEY_PUBLIC_BYTES];
	uint8_t run1[3][STORE_SERIAL_BYTES], run2[2][STORE_SERIAL_BYTES];
	uint8_t one[1][STORE_SERIAL_BYTES];
	struct store_batch b;
	uint64_t newly;
	size_t bad;

	assert_int_equal(store_key_add(st, 1, 1, zero, BASE_URL, 1), 0);
	*ea = make_entries(N_A);
	*eb = make_entries(N_B);
	*a = mint_batch(st, *ea, N_A);
	*bid = mint_batch(st, *eb, N_B);
	assert_int_equal(store_batch_activate(st, *a, T_ACTIVATE, &b), 0);
	for (int i = 0; i < 3; i++)
		memcpy(run1[i], (*ea)[100 * i + 7].serial, STORE_SERIAL_BYTES);
	memcpy(run2[0], (*ea)[N_A - 1].serial, STORE_SERIAL_BYTES);
	memcpy(run2[1], (*ea)[0].serial, STORE_SERIAL_BYTES);
	assert_int_equal(store_codes_void(st, *a, (const uint8_t (*)[8])run1,
	    3, STORE_VOID_MISPRINT, T_VOID1, &bad, &newly), 0);
	assert_int_equal(newly, 3);
	/* Voiding the same codes again voids nothing: an empty run. */
	assert_int_equal(store_codes_void(st, *a, (const uint8_t (*)[8])run1,
	    3, STORE_VOID_LOST, T_VOID1 + 1, &bad, &newly), 0);
	assert_int_equal(newly, 0);
	assert_int_equal(store_codes_void(st, *a, (const uint8_t (*)[8])run2,
	    2, STORE_VOID_DAMAGED, T_VOID2, &bad, &newly), 0);
	memcpy(one[0], (*eb)[2].serial, STORE_SERIAL_BYTES);
	assert_int_equal(store_codes_void(st, *bid, (const uint8_t (*)[8])one,
	    1, STORE_VOID_OTHER, T_VOID1, &bad, &newly), 0);
	assert_int_equal(store_batch_void(st, *bid, STORE_VOID_STOLEN,
	    T_VOIDB), 0);
}

/* Writes the batches' life events in [from, to) into b. */
static void
write_batches(struct store *st, int64_t from, int64_t to, struct buf *b)
{
	struct epcis_opts o = { .geo_digits = 3, .created = T_MINT };
	struct epcis_writer *w;
	struct store_txn t;

	assert_int_equal(epcis_open(&o, mem_sink, b, &w), 0);
	assert_int_equal(store_txn_begin(st, true, &t), 0);
	assert_int_equal(epcis_write_batches_txn(w, &t, 0, from, to, NULL,
	    NULL), 0);
	store_txn_abort(&t);
	assert_int_equal(epcis_close(w), 0);
	epcis_free(w);
}

/* True when the epcList of ev holds the code of entry e. */
static bool
has_epc(json_t *ev, const struct store_code_entry *e)
{
	char serial[CODE_SERIAL_CHARS + 1], want[96];
	json_t *item;
	size_t i;

	code_serial_text(e->serial, serial);
	snprintf(want, sizeof(want),
	    "https://s.example.com/01/09506000134352/21/%s", serial);
	json_array_foreach(json_object_get(ev, "epcList"), i, item)
		if (strcmp(json_string_value(item), want) == 0)
			return true;
	return false;
}

/* The life of the two batches: chunks, steps, reasons, windows, and the
 * same bytes on a second export. */
static void
test_batches(void **state)
{
	struct fixture *f = *state;
	struct store_code_entry *ea, *eb;
	struct buf b = { 0 }, again = { 0 };
	json_t *doc, *events, *ev;
	size_t i, adds = 0, observes = 0, add_epcs = 0;
	uint32_t a, bid;

	make_batches(f->st, &ea, &eb, &a, &bid);
	write_batches(f->st, INT64_MIN, INT64_MAX, &b);
	save("batches.json", &b);
	events = parse(&b, &doc);
	/* A: 3 chunks × (ADD, OBSERVE) + 2 runs; B: ADD, run, batch void. */
	assert_int_equal(json_array_size(events), 6 + 2 + 3);
	json_array_foreach(events, i, ev) {
		size_t n = json_array_size(json_object_get(ev, "epcList"));
		json_int_t batch = json_integer_value(json_object_get(ev,
		    EPCIS_NS_PREFIX ":batch"));

		assert_true(n >= 1 && n <= EPCIS_BATCH_CHUNK);
		assert_true(batch == a || batch == bid);
		if (strcmp(str(ev, "action"), "ADD") == 0) {
			assert_string_equal(str(ev, "bizStep"), "commissioning");
			assert_string_equal(str(ev, "disposition"), "inactive");
			assert_string_equal(str(ev, "eventTime"),
			    "2023-11-14T22:13:20.000+00:00");
			adds++;
			add_epcs += n;
		} else if (strcmp(str(ev, "action"), "OBSERVE") == 0) {
			assert_string_equal(str(ev, "bizStep"),
			    EPCIS_BIZSTEP_ACTIVATE);
			assert_string_equal(str(ev, "disposition"), "active");
			assert_int_equal(batch, a);
			observes++;
		} else {
			assert_string_equal(str(ev, "action"), "DELETE");
			assert_string_equal(str(ev, "bizStep"),
			    "decommissioning");
			assert_non_null(str(ev, EPCIS_NS_PREFIX ":voidReason"));
		}
	}
	assert_int_equal(adds, 4);
	assert_int_equal(observes, 3);
	assert_int_equal(add_epcs, N_A + N_B);
	/* Run 1 of A (misprint, 3 codes), the empty run 2 writes nothing,
	 * run 3 (damaged, 2 codes). */
	ev = json_array_get(events, 6);
	assert_string_equal(str(ev, EPCIS_NS_PREFIX ":voidReason"), "misprint");
	assert_int_equal(json_array_size(json_object_get(ev, "epcList")), 3);
	assert_true(has_epc(ev, &ea[7]) && has_epc(ev, &ea[207]));
	assert_string_equal(str(ev, "eventTime"), "2026-01-02T00:00:00.000+00:00");
	ev = json_array_get(events, 7);
	assert_string_equal(str(ev, EPCIS_NS_PREFIX ":voidReason"), "damaged");
	assert_true(has_epc(ev, &ea[0]) && has_epc(ev, &ea[N_A - 1]));
	/* B: its whole-batch void leaves out the code voided before it. */
	ev = json_array_get(events, 9);
	assert_string_equal(str(ev, EPCIS_NS_PREFIX ":voidReason"), "stolen");
	assert_int_equal(json_array_size(json_object_get(ev, "epcList")), 4);
	assert_false(has_epc(ev, &eb[2]));
	ev = json_array_get(events, 10);
	assert_string_equal(str(ev, EPCIS_NS_PREFIX ":voidReason"), "other");
	assert_true(has_epc(ev, &eb[2]));
	/* A second export is the same, byte for byte. */
	write_batches(f->st, INT64_MIN, INT64_MAX, &again);
	assert_int_equal(again.len, b.len);
	assert_memory_equal(again.data, b.data, b.len);
	json_decref(doc);
	/* A window: only what happened from the first void run on, before
	 * the whole-batch void. */
	buf_reset(&again);
	write_batches(f->st, T_VOID1, T_VOIDB, &again);
	events = parse(&again, &doc);
	assert_int_equal(json_array_size(events), 3);
	json_array_foreach(events, i, ev)
		assert_string_equal(str(ev, "action"), "DELETE");
	json_decref(doc);
	free(ea);
	free(eb);
	buf_free(&b);
	buf_free(&again);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scans_utc),
		cmocka_unit_test(test_scans_zones),
		cmocka_unit_test(test_errors),
		cmocka_unit_test_setup_teardown(test_batches, fixture_setup,
		    fixture_teardown),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
