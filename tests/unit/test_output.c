/* test_output.c — the exports' record writer (analytics/output.c), the
 * verdict and reason names (store/verdict.c) and the export queries
 * (analytics/query.c). */
#include "testutil.h"

#include "analytics/analytics.h"
#include "analytics/output.h"
#include "codegen/code.h"
#include "common/buf.h"
#include "common/clock.h"
#include "store/verdict.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sink into a struct buf. */
static int
mem_sink(void *arg, const void *data, size_t len)
{
	return buf_append(arg, data, len);
}

/* Writes one row of one string field and returns the text written. */
static char *
one_string(enum output_format f, const char *s, size_t len)
{
	static const char *const names[] = { "f" };
	struct output o;
	struct buf b = { 0 };
	char *text;

	assert_int_equal(output_init(&o, f, names, 1, mem_sink, &b), 0);
	output_strn(&o, s, len);
	output_row_end(&o);
	assert_int_equal(output_flush(&o), 0);
	output_deinit(&o);
	text = calloc(1, b.len + 1);
	assert_non_null(text);
	memcpy(text, b.data, b.len);
	buf_free(&b);
	return text;
}

/* CSV quotes what RFC 4180 says and doubles quotes. */
static void
test_csv_quoting(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "plain\r\n" },
		{ "", "\r\n" },
		{ "a,b", "\"a,b\"\r\n" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"\r\n" },
		{ "two\nlines", "\"two\nlines\"\r\n" },
		{ "cr\rhere", "\"cr\rhere\"\r\n" },
		{ " spaces ", " spaces \r\n" },
		{ "华为 ü", "华为 ü\r\n" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = one_string(OUTPUT_CSV, cases[i].in,
		    strlen(cases[i].in));

		assert_string_equal(t, cases[i].out);
		free(t);
	}
}

/* JSON escapes quotes, backslashes and control characters. */
static void
test_json_escaping(void **state)
{
	char *t;

	(void)state;
	t = one_string(OUTPUT_JSONL, "a\"b\\c\nd\re\tf\x01g\x1fh\x7f",
	    strlen("a\"b\\c\nd\re\tf\x01g\x1fh\x7f"));
	assert_string_equal(t, "{\"f\":\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g"
	    "\\u001fh\x7f\"}\n");
	free(t);
	t = one_string(OUTPUT_JSONL, "华为", strlen("华为"));
	assert_string_equal(t, "{\"f\":\"华为\"}\n");
	free(t);
}

/* A list: an array of strings in JSON (each escaped), one field as it is
 * in CSV; an empty one is [] or an empty field. */
static void
test_str_list(void **state)
{
	static const char *const names[] = { "a", "tags", "z" };
	static const struct {
		const char *in, *json, *csv;
	} cases[] = {
		{ "", "[]", "" },
		{ "winner", "[\"winner\"]", "winner" },
		{ "first_scan;checkin:s-1;points:gold",
		    "[\"first_scan\",\"checkin:s-1\",\"points:gold\"]",
		    "first_scan;checkin:s-1;points:gold" },
		{ "q\"x;,y", "[\"q\\\"x\",\",y\"]", "\"q\"\"x;,y\"" },
		{ ";", "[\"\",\"\"]", ";" },
	};
	char want[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int f = OUTPUT_CSV; f <= OUTPUT_JSONL; f++) {
			struct output o;
			struct buf b = { 0 };

			assert_int_equal(output_init(&o, (enum output_format)f,
			    names, 3, mem_sink, &b), 0);
			output_u64(&o, 1);
			output_str_list(&o, cases[i].in, ';');
			output_u64(&o, 2);
			output_row_end(&o);
			assert_int_equal(output_flush(&o), 0);
			output_deinit(&o);
			if (f == OUTPUT_JSONL)
				snprintf(want, sizeof(want), "{\"a\":1,\"tags\":"
				    "%s,\"z\":2}\n", cases[i].json);
			else
				snprintf(want, sizeof(want), "1,%s,2\r\n",
				    cases[i].csv);
			assert_int_equal(b.len, strlen(want));
			assert_memory_equal(b.data, want, b.len);
			buf_free(&b);
		}
	}
}

/* Bytes that are not UTF-8 become U+FFFD; valid sequences stay. */
static void
test_utf8_repair(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "a\xff" "b", "a\xef\xbf\xbd" "b" },
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },	/* emoji */
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		    "\xef\xbf\xbd" },			/* > U+10FFFF */
		{ "end\xe4\xb8", "end\xef\xbf\xbd\xef\xbf\xbd" },	/* cut */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[64];
		char *t = one_string(OUTPUT_CSV, cases[i].in,
		    strlen(cases[i].in));

		snprintf(want, sizeof(want), "%s\r\n", cases[i].out);
		assert_string_equal(t, want);
		free(t);
	}
}

/* Writes a double as one field and returns its text. */
static char *
one_double(double v, bool is_float)
{
	static const char *const names[] = { "v" };
	struct output o;
	struct buf b = { 0 };
	char *text;

	assert_int_equal(output_init(&o, OUTPUT_CSV, names, 1, mem_sink, &b),
	    0);
	output_double(&o, v, is_float);
	output_row_end(&o);
	assert_int_equal(output_flush(&o), 0);
	output_deinit(&o);
	assert_true(b.len >= 2);
	text = calloc(1, b.len - 1);
	memcpy(text, b.data, b.len - 2);
	buf_free(&b);
	return text;
}

/* Numbers read back as themselves (strtod is the oracle), in their
 * shortest form for the values people type. */
static void
test_doubles(void **state)
{
	static const struct {
		double v;
		bool f;
		const char *text;
	} fixed[] = {
		{ 31.2304, false, "31.2304" }, { -33.8688, false, "-33.8688" },
		{ 121.4737, false, "121.4737" }, { 0, false, "0" },
		{ 12.5, true, "12.5" }, { 10.3f, true, "10.3" },
		{ 7, true, "7" }, { 0.1, false, "0.1" },
		{ 2.0 / 19, false, NULL }, { 1e300, false, NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		char *t = one_double(fixed[i].v, fixed[i].f);

		if (fixed[i].text != NULL)
			assert_string_equal(t, fixed[i].text);
		if (fixed[i].f)
			assert_true((float)strtod(t, NULL) == (float)fixed[i].v);
		else
			assert_true(strtod(t, NULL) == fixed[i].v);
		free(t);
	}
	for (int i = 0; i < 20000; i++) {
		uint64_t r;
		double v;
		float f;
		char *t;

		tu_random(&r, sizeof(r));
		v = ((double)(r >> 11) / 9007199254740992.0) * 360 - 180;
		if (i % 3 == 0)		/* typed: a few decimals */
			v = (double)(int64_t)(v * 1e5) / 1e5;
		t = one_double(v, false);
		assert_true(strtod(t, NULL) == v);
		free(t);
		f = (float)((r & 0xffffff) / 1000.0);
		t = one_double(f, true);
		assert_true((float)strtod(t, NULL) == f);
		free(t);
	}
}

/* output_format_g writes what snprintf's %.17g and %.9g write, and
 * output_format_f what %.*f writes (glibc is the oracle): random bit patterns, every range of magnitude, powers of
 * two and of ten and their neighbours (ties, carries into a new digit). */
static void
test_format_g(void **state)
{
	char want[400], got[400];
	uint64_t r = 0;

	(void)state;
	for (int i = 0; i < 400000; i++) {
		double v;
		bool f = i & 1;

		if (i % 4096 == 0)
			tu_random(&r, sizeof(r));
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		switch (i % 5) {
		case 0:
			memcpy(&v, &r, sizeof(v));
			break;
		case 1:	/* log-uniform from 1e-6 to 1e16 */
			v = pow(10, (double)(r >> 11) / 9007199254740992.0 *
			    22 - 6);
			break;
		case 2:	/* powers of two, negative too */
			v = ldexp(r & 1 ? -1.0 : 1.0, (int)(r >> 1 & 127) - 64);
			break;
		case 3:	/* beside powers of ten */
			v = pow(10, (double)(int)(r % 24) - 6);
			v = nextafter(v, r & 2 ? 0 : INFINITY);
			if (r & 4)
				v = nextafter(v, r & 2 ? 0 : INFINITY);
			break;
		default:	/* coordinates with every digit */
			v = ((double)(r >> 11) / 9007199254740992.0) * 360 -
			    180;
		}
		if (!isfinite(v))
			continue;
		/* %.*f as EPCIS rounds coordinates, whole and cut short. */
		snprintf(want, sizeof(want), "%.*f", (int)(r % 10), v);
		output_format_f(v, (int)(r % 10), got, sizeof(got));
		if (strcmp(want, got) != 0)
			fail_msg("%a %%.%df: %s, not %s", v, (int)(r % 10), got,
			    want);
		snprintf(want, 32, "%.*f", (int)(r % 10), v);
		output_format_f(v, (int)(r % 10), got, 32);
		if (strcmp(want, got) != 0)
			fail_msg("%a %%.%df: %s, not %s", v, (int)(r % 10), got,
			    want);
		if (f)
			v = (float)v;
		snprintf(want, sizeof(want), f ? "%.9g" : "%.17g", v);
		output_format_g(v, f, got);
		if (strcmp(want, got) != 0)
			fail_msg("%a: %s, not %s", v, got, want);
	}
}

/* Times match clock_format_iso8601_us (gmtime) everywhere. */
static void
test_times(void **state)
{
	static const char *const names[] = { "t" };
	(void)state;
	for (int i = 0; i < 20000; i++) {
		char want[CLOCK_ISO8601_US_LEN], got[28], field[40];
		struct output o;
		struct buf b = { 0 };
		uint64_t r;
		int64_t us;

		tu_random(&r, sizeof(r));
		/* 1970 to 2200, and now and then the same second twice. */
		us = (int64_t)(r % 7258118400000000ULL);
		clock_format_iso8601_us(us, want);
		output_format_time(us, got);
		assert_string_equal(got, want);
		assert_int_equal(output_init(&o, OUTPUT_JSONL, names, 1, mem_sink,
		    &b), 0);
		output_time(&o, us);
		output_row_end(&o);
		output_time(&o, us + 1);
		output_row_end(&o);
		assert_int_equal(output_flush(&o), 0);
		output_deinit(&o);
		snprintf(field, sizeof(field), "{\"t\":\"%s\"}\n", want);
		assert_true(b.len > strlen(field));
		assert_memory_equal(b.data, field, strlen(field));
		buf_free(&b);
	}
}

/* Absent values, numbers and the header; a row of the wrong width is an
 * error that sticks. */
static void
test_rows(void **state)
{
	static const char *const names[] = { "id", "name", "n" };
	struct output o;
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(output_init(&o, OUTPUT_CSV, names, 3, mem_sink, &b),
	    0);
	output_header(&o);
	output_u64(&o, UINT64_MAX);
	output_null(&o);
	output_i64(&o, INT64_MIN);
	output_row_end(&o);
	assert_int_equal(output_flush(&o), 0);
	assert_int_equal(o.rows, 1);
	assert_int_equal(b.len, strlen("id,name,n\r\n18446744073709551615,,"
	    "-9223372036854775808\r\n"));
	assert_memory_equal(b.data, "id,name,n\r\n18446744073709551615,,"
	    "-9223372036854775808\r\n", b.len);
	output_u64(&o, 1);
	output_row_end(&o);
	assert_int_equal(output_flush(&o), -EINVAL);
	output_deinit(&o);
	buf_reset(&b);
	assert_int_equal(output_init(&o, OUTPUT_JSONL, names, 3, mem_sink, &b),
	    0);
	output_header(&o);
	output_u64(&o, 5);
	output_str(&o, NULL);
	output_double(&o, 1.0 / 0.0, false);
	output_row_end(&o);
	assert_int_equal(output_flush(&o), 0);
	output_deinit(&o);
	assert_int_equal(b.len, strlen("{\"id\":5,\"name\":null,\"n\":null}\n"));
	assert_memory_equal(b.data, "{\"id\":5,\"name\":null,\"n\":null}\n",
	    b.len);
	buf_free(&b);
}

/* Every sentence code_parse and code_draw_parse give as a reason has a
 * code in the table (a new sentence there must be added to it). */
static void
test_reason_parsers(void **state)
{
	static const char *const texts[] = {
		"", "   ", "https://", "https:///01/", "https://a b/01/x",
		"HTTPS://S.EXAMPLE.COM/01/09506000134352/21/AAAAAAAAAAAAQ",
		"HTTPS://S.EXAMPLE.COM/01/09506000134352/21/AAAAAAAAAAAAQ?S=1&S=2",
		"HTTPS://S.EXAMPLE.COM/01/09506000134352/21/AAAAAAAAAAAAQ?S=AB",
		"HTTPS://S.EXAMPLE.COM/01/09506000134352/21/AAAAAAAAAAAAQ?S="
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAAAAAAA9",
		"HTTPS://S.EXAMPLE.COM/x/y?S=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"HTTPS://S.EXAMPLE.COM/01/0950600013435/21/AAAAAAAAAAAAQ?S=x",
		"HTTPS://S.EXAMPLE.COM/01/09506000134353/21/AAAAAAAAAAAAQ?S=x",
		"HTTPS://S.EXAMPLE.COM/01/09506000134352/21/AAAA?S=x",
		"HTTPS://S.EXAMPLE.COM/01/0950600013435%/21/AAAA?S=x",
		"/02/09506000134352/22/AAAAAAAAAAAAQ?S=x",
		"nothing like a code",
	};
	struct code c;
	uint8_t token[CODE_DRAW_TOKEN_BYTES];
	const char *why;
	char big[2000];

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		why = NULL;
		if (code_parse(texts[i], strlen(texts[i]), &c, &why) == 0)
			continue;
		assert_non_null(why);
		if (verdict_reason_code(why) == VERDICT_REASON_UNCLASSIFIED)
			fail_msg("'%s' gives the unclassified reason '%s'",
			    texts[i], why);
	}
	memset(big, 'a', sizeof(big));
	assert_true(code_parse(big, sizeof(big), &c, &why) < 0);
	assert_int_not_equal(verdict_reason_code(why),
	    VERDICT_REASON_UNCLASSIFIED);
	assert_true(code_parse("a\0b?S=x", 7, &c, &why) < 0);
	assert_string_equal(verdict_reason_name(verdict_reason_code(why)),
	    "nul_byte");
	assert_true(code_draw_parse("ABCD", 4, token, &why) < 0);
	assert_int_not_equal(verdict_reason_code(why),
	    VERDICT_REASON_UNCLASSIFIED);
	assert_true(code_draw_parse("@@@@-@@@@-@@@@-@@@@", 19, token,
	    &why) < 0);
	assert_int_not_equal(verdict_reason_code(why),
	    VERDICT_REASON_UNCLASSIFIED);
	assert_true(code_draw_parse(big, sizeof(big), token, &why) < 0);
	assert_int_not_equal(verdict_reason_code(why),
	    VERDICT_REASON_UNCLASSIFIED);
}

/* Every reason sentence scanner/verify.c sets ("reason = "...") is in
 * the table: read from the source, so a new one cannot be forgotten. */
static void
test_reason_verify_source(void **state)
{
	char path[TU_PATH_MAX], text[512];
	const char *src = getenv("SCANLOOP_SRC");
	size_t len, n = 0;
	char *s, *p;

	(void)state;
	snprintf(path, sizeof(path), "%s/scanner/verify.c", src ? src : ".");
	s = tu_read(path, &len);
	assert_non_null(s);
	for (p = strstr(s, "reason = \""); p != NULL;
	    p = strstr(p, "reason = \"")) {
		size_t o = 0;

		p += strlen("reason = ");
		/* Adjacent literals, with whitespace between them. */
		while (*p == '"') {
			for (p++; *p != '"'; p++) {
				if (*p == '\\')
					p++;
				assert_true(o + 1 < sizeof(text));
				text[o++] = *p;
			}
			p++;
			while (*p == ' ' || *p == '\t' || *p == '\n')
				p++;
		}
		text[o] = '\0';
		if (verdict_reason_code(text) == VERDICT_REASON_UNCLASSIFIED)
			fail_msg("verify.c's reason '%s' is not in the table",
			    text);
		n++;
	}
	assert_true(n >= 8);
	free(s);
	/* And the void reasons it takes from the store. */
	for (int r = STORE_VOID_MISPRINT; r <= STORE_VOID_OTHER; r++)
		assert_int_not_equal(verdict_reason_code(
		    store_void_reason_name(r)), VERDICT_REASON_UNCLASSIFIED);
	assert_int_equal(verdict_reason_code(NULL), VERDICT_REASON_NONE);
	assert_int_equal(verdict_reason_code("a new sentence"),
	    VERDICT_REASON_UNCLASSIFIED);
	assert_string_equal(verdict_reason_name(VERDICT_REASON_UNCLASSIFIED),
	    "unclassified");
	assert_null(verdict_reason_name(VERDICT_REASON_NONE));
}

/* Verdict names both ways. */
static void
test_verdict_names(void **state)
{
	(void)state;
	for (int v = 0; v < VERDICT_COUNT; v++)
		assert_int_equal(verdict_parse(verdict_name(v)), v);
	assert_string_equal(verdict_name(VERDICT_NOT_ACTIVE), "not_active");
	assert_string_equal(verdict_name(99), "?");
	assert_int_equal(verdict_parse("Genuine"), -EINVAL);
}

/* Queries from URLs and options: what they take and what they refuse. */
static void
test_queries(void **state)
{
	static const char *const bad[] = {
		"since=-1", "since=1x", "since=", "since=99999999999999999999",
		"since=1&since=2", "bogus=1", "format=xml", "batch=0",
		"batch=4294967296", "verdict=genuine,", "verdict=,genuine",
		"verdict=nope", "campaign=a%20b", "from=yesterday",
		"from=2026-13-01", "human=yes", "since=%3", "since=%zz1",
		"to=2026-06-01T00:00:00", "since=%00",
	};
	static const char good[] = "since=18446744073709551615&format=jsonl"
	    "&from=2026-06-01T08%3A00%3A00%2B08%3A00&to=1780000000"
	    "&verdict=forged%2Cmalformed&human=1&&batch=7&campaign=w-1";
	struct analytics_query q;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		analytics_query_init(&q, ANALYTICS_SCANS);
		why = NULL;
		if (analytics_query_parse_url(&q, bad[i], strlen(bad[i]),
		    &why) == 0)
			fail_msg("'%s' was taken", bad[i]);
		assert_non_null(why);
	}
	analytics_query_init(&q, ANALYTICS_SCANS);
	assert_int_equal(analytics_query_parse_url(&q, good, strlen(good),
	    &why), 0);
	assert_true(q.has_since && q.since == UINT64_MAX);
	assert_int_equal(q.format, ANALYTICS_JSONL);
	assert_true(q.has_from && q.from == 1780272000LL * 1000000);
	assert_true(q.has_to && q.to == 1780000000LL * 1000000);
	assert_int_equal(q.verdicts, (1u << VERDICT_FORGED) |
	    (1u << VERDICT_MALFORMED));
	assert_true(q.human);
	assert_int_equal(q.batch, 7);
	assert_string_equal(q.campaign, "w-1");
	/* --from after --to; filters of another kind. */
	assert_int_equal(analytics_query_check(&q, &why), -EINVAL);
	assert_string_equal(why, "--from is after --to");
	analytics_query_init(&q, ANALYTICS_CODES);
	assert_int_equal(analytics_query_set(&q, "since", "3", &why), 0);
	assert_int_equal(analytics_query_check(&q, &why), -EINVAL);
	analytics_query_init(&q, ANALYTICS_BATCHES);
	assert_int_equal(analytics_query_set(&q, "from", "2026-06-01", &why),
	    0);
	assert_int_equal(analytics_query_check(&q, &why), -EINVAL);
	analytics_query_init(&q, ANALYTICS_DRAWS);
	assert_int_equal(analytics_query_set(&q, "format", "epcis", &why), 0);
	assert_int_equal(analytics_query_check(&q, &why), -EINVAL);
	assert_int_equal(analytics_kind_parse("codes"), ANALYTICS_CODES);
	assert_int_equal(analytics_kind_parse("visits"), -EINVAL);
	assert_int_equal(analytics_kind_parse("visitors"), ANALYTICS_VISITORS);
	assert_string_equal(analytics_kind_name(ANALYTICS_VISITORS),
	    "visitors");
	/* --tag: member tags, for visitors only, which take no times. */
	analytics_query_init(&q, ANALYTICS_VISITORS);
	assert_int_equal(analytics_query_set(&q, "tag", "vip", &why), -EINVAL);
	assert_int_equal(analytics_query_set(&q, "tag", "checkin:a b", &why),
	    -EINVAL);
	assert_int_equal(analytics_query_set(&q, "tag", "checkin:sh-1", &why),
	    0);
	assert_string_equal(q.tag, "checkin:sh-1");
	assert_int_equal(analytics_query_check(&q, &why), 0);
	assert_int_equal(analytics_query_set(&q, "from", "2026-06-01", &why),
	    0);
	assert_int_equal(analytics_query_check(&q, &why), -EINVAL);
	analytics_query_init(&q, ANALYTICS_SCANS);
	assert_int_equal(analytics_query_set(&q, "tag", "winner", &why), 0);
	assert_int_equal(analytics_query_check(&q, &why), -EINVAL);
	assert_string_equal(why, "--tag is for visitors");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_str_list),
		cmocka_unit_test(test_utf8_repair),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_format_g),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_reason_parsers),
		cmocka_unit_test(test_reason_verify_source),
		cmocka_unit_test(test_verdict_names),
		cmocka_unit_test(test_queries),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
