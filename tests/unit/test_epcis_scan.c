/* test_epcis_scan.c — the pre-hash string of a scan's event made from
 * kept pieces (analytics/epcis_scan.c) against epcis_prehash over the
 * same event (analytics/epcis_hash.c, itself checked against the GS1
 * reference implementation's published vectors in test_epcis_hash.c):
 * byte for byte, over random events with hostile base URLs, GTINs,
 * serials, visitors, verdicts and times, one memo for many events so
 * that its pieces are kept, changed and kept again. */
#include "testutil.h"

#include "analytics/epcis.h"
#include "common/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENTS 100000


/* One of the texts, or one of its characters replaced at random. */
static void
pick(char *out, size_t size, const char *const *list, size_t n)
{
	size_t len;

	snprintf(out, size, "%s", list[tu_rand((uint32_t)n)]);
	len = strlen(out);
	if (len > 0 && tu_rand(6) == 0)
		out[tu_rand((uint32_t)len)] =
		    "/?#%:. AZaz09\"'-_;=<>!*"[tu_rand(23)];
}

#define PICK(out, list) pick(out, sizeof(out), list, \
	sizeof(list) / sizeof(list[0]))

/* Compares the two ways over random events. */
static void
test_prehash(void **state)
{
	static const char *const bases[] = {
		"https://s.example.com", "HTTPS://S.EXAMPLE.COM/",
		"https://s.example.com/01/09506000134352/21", "http://x.cn/a/",
		"https://s.example.com/q?x=1", "https://s.example.com/#f",
		"https://id.gs1.org", "https://x/00/", "https://x/sscc/",
		"https://x/gtin/", " https://x", "urn:epc:id:sgtin:0614141.812345.",
		"https://x/00", "https://x/414/", "ftp://x", "",
	};
	static const char *const gtins[] = {
		"09506000134352", "12345678", "0950600013435", "abcdefghijklmn",
		"095060001343521", "",
	};
	static const char *const serials[] = {
		"AAAAAAAAAAAAQ", "A", "ABCDEFGHIJKLMNOPQRST",
		"ABCDEFGHIJKLMNOPQRSTU",
		"a/b", "a?b", "a#b", "a b", "0", "ser", "21", "x%20y", "\"'-.;<=>_",
		"",
	};
	static const char *const visitors[] = {
		"0123456789abcdef0123456789abcdef",
		"01234567890123456789012345678901",
		"1e5", "0e1234567890123456789012345678901", "12345678901234e5",
		"1.5", "-3", "ffffffffffffffffffffffffffffffff", "",
	};
	static const char *const verdicts[] = { "genuine", "forged", " x ",
	    "urn:epcglobal:cbv:disp:active", "2.50", "" };
	static const char *const offs[] = { "+08:00", "+00:00", "-03:30",
	    "+05:45" };
	char base[64], gtin[STORE_GTIN_LEN + 1], serial[RECORD_SERIAL_MAX + 1];
	char visitor[sizeof(((struct scan_record *)0)->visitor)], verdict[40];
	struct epcis_scan_memo memo;
	struct buf fast = { 0 }, slow = { 0 };
	int steps[2] = { EPCIS_SCAN_STEP_CONSUMER, EPCIS_SCAN_STEP_INSPECTING };
	int step = 0;
	int64_t prev = 0;

	(void)state;
	memset(&memo, 0, sizeof(memo));
	PICK(base, bases);
	PICK(gtin, gtins);
	for (int i = 0; i < EVENTS; i++) {
		struct scan_record r;
		struct epcis_scan s;
		struct epcis_ext ext[4];
		const char *epcs[1];
		struct epcis_hash_event ev;
		uint64_t id;

		memset(&r, 0, sizeof(r));
		memset(&s, 0, sizeof(s));
		/* The head changes now and then, as batches do. */
		if (tu_rand(50) == 0)
			PICK(base, bases);
		if (tu_rand(50) == 0)
			PICK(gtin, gtins);
		if (tu_rand(500) == 0)
			step = !step;
		PICK(serial, serials);
		PICK(visitor, visitors);
		PICK(verdict, verdicts);
		/* A third close after the one before: the same second, or
		 * the next (the fast path keeps the second's text). */
		r.time = i > 0 && tu_rand(3) == 0 ? prev + tu_rand(1500000) :
		    tu_rand(10) == 0 ? -(int64_t)tu_rand(1000000) * 1000003 :
		    tu_rand(20) == 0 ? INT64_C(253402300799999) + tu_rand(1000) :
		    INT64_C(1780000000000000) + (int64_t)tu_rand(1000000000) * 997;
		prev = r.time;
		id = (uint64_t)tu_rand(UINT32_MAX) << 32 | tu_rand(UINT32_MAX);
		snprintf(s.event, sizeof(s.event), tu_rand(8) == 0 ? "%05llu" :
		    "%llu", (unsigned long long)(tu_rand(4) == 0 ? id :
		    tu_rand(4) == 0 ? id % 1000 : id % 100000000));
		snprintf(s.off, sizeof(s.off), "%s", offs[tu_rand(4)]);
		s.step = steps[step] == EPCIS_SCAN_STEP_INSPECTING ?
		    "inspecting" : EPCIS_BIZSTEP_SCAN;
		memcpy(r.serial, serial, sizeof(r.serial));
		memcpy(r.gtin, gtin, sizeof(r.gtin));
		memcpy(r.visitor, visitor, sizeof(r.visitor));
		r.verdict = tu_rand(30) == 0 ? NULL : verdict;
		r.who = tu_rand(30) == 0 ? NULL : "human";
		s.has_epc = tu_rand(10) != 0;
		/* The EPC as format_epc makes it: head, then the serial. */
		snprintf(s.epc, sizeof(s.epc), "%s/01/%s/21/%s", base, gtin,
		    serial);
		r.has_location = tu_rand(3) == 0;
		snprintf(s.geo, sizeof(s.geo), tu_rand(10) == 0 ? " " :
		    "geo:%d.%03d,%d.%03d", (int)tu_rand(90), (int)tu_rand(1000),
		    (int)tu_rand(180), (int)tu_rand(1000));
		assert_int_equal(epcis_scan_prehash(&memo, &r, &s, &fast), 0);
		epcis_scan_event(&r, &s, ext, epcs, &ev);
		buf_reset(&slow);
		assert_int_equal(epcis_prehash(&ev, &slow), 0);
		if (fast.len != slow.len ||
		    memcmp(fast.data, slow.data, fast.len) != 0)
			fail_msg("event %d:\n%.*s\n%.*s", i, (int)fast.len,
			    fast.data, (int)slow.len, slow.data);
	}
	epcis_scan_memo_free(&memo);
	buf_free(&fast);
	buf_free(&slow);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prehash),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
