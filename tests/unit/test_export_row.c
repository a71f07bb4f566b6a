/* test_export_row.c — the scan export's fast paths against slow ones:
 * the text escaper (analytics/output.c, 16 bytes at a time) against a
 * byte-by-byte reference written here from RFC 4180, RFC 8259 and
 * RFC 3629; the row writer (analytics/export_row.c) against the
 * field-by-field writer it replaces in the export's loop
 * (analytics_scan_fields_write and output_row_end): the same bytes, in
 * CSV and JSON Lines, over random and hostile records (quotes, commas,
 * CR and LF, control characters, backslashes, invalid and truncated
 * UTF-8, non-ASCII, long texts, absent values, odd numbers), row after
 * row so that texts repeat and change. */
#include "testutil.h"

#include "analytics/analytics_internal.h"
#include "analytics/output.h"
#include "common/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROWS 20000

/* Sink into a struct buf. */
static int
mem_sink(void *arg, const void *data, size_t len)
{
	return buf_append(arg, data, len);
}


/* Fills out with a random text of at most max bytes: plain ASCII,
 * the bytes CSV and JSON treat specially, valid and invalid UTF-8. */
static void
random_text(char *out, size_t max)
{
	static const char *const pieces[] = {
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) ",
		"(KHTML, like Gecko)", "\"", "\"\"", ",", "\r\n", "\n", "\r",
		"\t", "\\", "\x01", "\x1f", "\x7f", "华为", "ü", "😀",
		"\xc3", "\xe2\x82", "\xf0\x9f\x98", "\xff", "\xc0\xaf",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe0\x80\xaf", " ",
		"abcdefghijklmnop", "0123456789012345", "zh-CN,zh;q=0.9",
	};
	size_t n = 0, want = tu_rand(4) == 0 ? max : tu_rand((uint32_t)max + 1);

	while (n < want) {
		const char *p = pieces[tu_rand(sizeof(pieces) /
		    sizeof(pieces[0]))];
		size_t len = strlen(p);

		if (tu_rand(3) == 0) {
			/* A random byte, NUL excepted. */
			out[n++] = (char)(1 + tu_rand(255));
			continue;
		}
		if (n + len > want)
			len = want - n;
		memcpy(out + n, p, len);
		n += len;
	}
	out[n] = '\0';
}

/* A random double: coordinates, integers, tiny, huge, not finite. */
static double
random_double(void)
{
	uint64_t bits;
	double v;

	switch (tu_rand(8)) {
	case 0:
		return (double)tu_rand(200) - 100;
	case 1:
		return tu_rand(2) ? NAN : (tu_rand(2) ? INFINITY : -INFINITY);
	case 2:
		return tu_rand(2) ? 0.0 : -0.0;
	case 3:
		bits = (uint64_t)tu_rand(UINT32_MAX) << 32 | tu_rand(UINT32_MAX);
		memcpy(&v, &bits, sizeof(v));
		return v;
	case 4:
		return ((double)tu_rand(1000000) - 500000) * 1e-9;
	default:
		bits = (uint64_t)tu_rand(UINT32_MAX) << 32 | tu_rand(UINT32_MAX);
		return ((double)(bits >> 11) / 9007199254740992.0) * 360 - 180;
	}
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), 0 if there is none. */
static size_t
ref_utf8(const uint8_t *p, size_t left)
{
	uint32_t cp;
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		n = 2, cp = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3, cp = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* The reference: a text as a CSV or JSON field, byte by byte. */
static size_t
ref_text(enum output_format f, const char *text, size_t len, char *out)
{
	const uint8_t *s = (const uint8_t *)text;
	bool json = f == OUTPUT_JSONL, quote = json;
	size_t o = 0, n;

	for (size_t i = 0; i < len; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			quote = true;
	if (quote)
		out[o++] = '"';
	for (size_t i = 0; i < len; i += n) {
		n = ref_utf8(s + i, len - i);
		if (n == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			n = 1;
		} else if (n > 1) {
			memcpy(out + o, s + i, n);
			o += n;
		} else if (!json) {
			if (s[i] == '"')
				out[o++] = '"';
			out[o++] = (char)s[i];
		} else if (s[i] == '"' || s[i] == '\\') {
			out[o++] = '\\';
			out[o++] = (char)s[i];
		} else if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t') {
			out[o++] = '\\';
			out[o++] = s[i] == '\n' ? 'n' : s[i] == '\r' ? 'r' : 't';
		} else if (s[i] < 0x20)
			o += (size_t)sprintf(out + o, "\\u%04x", s[i]);
		else
			out[o++] = (char)s[i];
	}
	if (quote)
		out[o++] = '"';
	return o;
}

/* The escaper against the reference, over texts of every length from 0
 * to 64 and some up to 300 (the 8- and 16-byte blocks and their tails),
 * each with one special byte at every place, and over random hostile
 * texts. */
static void
test_text(void **state)
{
	static const char specials[] = ",\"\r\n\\\t\x01\x1f\x7f\x80\xc3\xff";
	char in[320], want[320 * 6 + 2], got[320 * 6 + 2];
	enum output_format fs[2] = { OUTPUT_CSV, OUTPUT_JSONL };

	(void)state;
	for (int k = 0; k < 2; k++)
		for (size_t len = 0; len <= 300; len = len < 64 ? len + 1 :
		    len + 37) {
			for (size_t at = 0; at <= len; at++)
				for (size_t c = 0; c < sizeof(specials); c++) {
					size_t nw, ng;

					if (at == len && c > 0)
						break;
					memset(in, 'a' + (int)(len % 26), len);
					if (at < len)
						in[at] = c + 1 < sizeof(specials) ?
						    specials[c] : 'z';
					nw = ref_text(fs[k], in, len, want);
					ng = (size_t)((char *)output_text_put(
					    fs[k], (uint8_t *)got, in, len) - got);
					if (nw != ng || memcmp(want, got, nw) != 0)
						fail_msg("len %zu, byte %zu = %02x: "
						    "%.*s / %.*s", len, at,
						    (unsigned)(uint8_t)in[at],
						    (int)nw, want, (int)ng, got);
				}
		}
	for (int i = 0; i < 200000; i++) {
		enum output_format f = fs[i & 1];
		size_t len, nw, ng;

		random_text(in, tu_rand(8) == 0 ? 300 : 40);
		len = strlen(in);
		nw = ref_text(f, in, len, want);
		ng = (size_t)((char *)output_text_put(f, (uint8_t *)got, in,
		    len) - got);
		assert_int_equal(nw, ng);
		assert_memory_equal(want, got, nw);
	}
}

/* The texts of one record. */
struct texts {
	char verdict[24], reason[1200], serial[RECORD_SERIAL_MAX + 1];
	char gtin[STORE_GTIN_LEN + 1], line[STORE_LINE_MAX + 1];
	char who[16], ip[RECORD_IP_MAX], visitor[33];
	char lang[STORE_EVENT_LANG_MAX + 1], ua[STORE_EVENT_UA_MAX + 1];
	char raw[STORE_EVENT_RAW_MAX + 1];
};

/* Changes some fields of r (and its texts t), keeping the others from the
 * row before. */
static void
random_record(struct scan_record *r, struct texts *t)
{
	static const char *const verdicts[] = { "genuine", "not_active",
	    "void", "forged", "malformed" };
	static const char *const whos[] = { "human", "bot", "head", "api" };

	if (tu_rand(3) == 0)
		r->event_id = tu_rand(4) == 0 ? UINT64_MAX - tu_rand(10) :
		    tu_rand(1000000);
	else
		r->event_id++;
	r->time = tu_rand(6) == 0 ? -(int64_t)tu_rand(1000000000) * 1000 :
	    tu_rand(10) == 0 ? 0 : INT64_C(1780000000000000) + tu_rand(1000000000);
	if (tu_rand(4) == 0) {
		snprintf(t->verdict, sizeof(t->verdict), "%s",
		    verdicts[tu_rand(5)]);
		if (tu_rand(8) == 0)
			random_text(t->verdict, sizeof(t->verdict) - 1);
	}
	r->verdict = tu_rand(20) == 0 ? NULL : t->verdict;
	if (tu_rand(4) == 0)
		/* Now and then longer than any text the store holds: the
		 * row's room is measured, not assumed. */
		random_text(t->reason, tu_rand(2) ? 12 : tu_rand(8) ? 79 :
		    sizeof(t->reason) - 1);
	r->reason = tu_rand(3) == 0 ? NULL : t->reason;
	random_text(t->serial, tu_rand(4) == 0 ? 0 : RECORD_SERIAL_MAX);
	if (tu_rand(5) == 0)
		random_text(t->gtin, STORE_GTIN_LEN);
	r->batch_id = tu_rand(4) == 0 ? 0 : tu_rand(2) ? UINT32_MAX : tu_rand(100);
	if (tu_rand(5) == 0)
		random_text(t->line, STORE_LINE_MAX);
	r->line = tu_rand(5) == 0 ? NULL : t->line;
	if (tu_rand(4) == 0) {
		snprintf(t->who, sizeof(t->who), "%s", whos[tu_rand(4)]);
		if (tu_rand(8) == 0)
			random_text(t->who, sizeof(t->who) - 1);
	}
	r->who = tu_rand(20) == 0 ? NULL : t->who;
	r->drawcode = tu_rand(2);
	random_text(t->ip, tu_rand(3) == 0 ? 0 : RECORD_IP_MAX - 1);
	random_text(t->visitor, tu_rand(3) == 0 ? 0 : 32);
	r->has_location = tu_rand(3) != 0;
	r->lat = random_double();
	r->lon = random_double();
	r->accuracy = (float)random_double();
	r->location_time = tu_rand(5) == 0 ? 0 : r->time + tu_rand(1000);
	if (tu_rand(3) == 0)
		random_text(t->lang, STORE_EVENT_LANG_MAX);
	if (tu_rand(2) == 0)
		random_text(t->ua, STORE_EVENT_UA_MAX);
	random_text(t->raw, tu_rand(2) ? 0 : STORE_EVENT_RAW_MAX);
	r->prev_event_id = tu_rand(3) == 0 ? 0 : r->event_id - 1;
}

/* Writes ROWS random records both ways in one format and compares. */
static void
compare(enum output_format f)
{
	static struct texts t;
	struct scan_row_memos memos;
	struct scan_record r;
	struct output slow, fast;
	struct buf bs = { 0 }, bf = { 0 };

	memset(&r, 0, sizeof(r));
	memset(&t, 0, sizeof(t));
	memset(&memos, 0, sizeof(memos));
	r.serial[0] = '\0';
	assert_int_equal(output_init(&slow, f, analytics_scan_fields,
	    analytics_scan_nfields, mem_sink, &bs), 0);
	assert_int_equal(output_init(&fast, f, analytics_scan_fields,
	    analytics_scan_nfields, mem_sink, &bf), 0);
	for (size_t i = 0; i < ROWS; i++) {
		size_t s0 = bs.len + slow.len, f0 = bf.len + fast.len;

		random_record(&r, &t);
		memcpy(r.serial, t.serial, sizeof(r.serial));
		memcpy(r.gtin, t.gtin, sizeof(r.gtin));
		memcpy(r.ip, t.ip, sizeof(r.ip));
		memcpy(r.visitor, t.visitor, sizeof(r.visitor));
		r.lang = t.lang;
		r.ua = t.ua;
		r.raw = t.raw;
		analytics_scan_fields_write(&slow, &r);
		output_row_end(&slow);
		analytics_scan_row_write(&fast, &memos, &r);
		assert_int_equal(slow.err, 0);
		assert_int_equal(fast.err, 0);
		/* Row by row: a difference names its row. */
		assert_int_equal(output_flush(&slow), 0);
		assert_int_equal(output_flush(&fast), 0);
		if (bs.len - s0 != bf.len - f0 ||
		    memcmp(bs.data + s0, bf.data + f0, bs.len - s0) != 0)
			fail_msg("row %zu differs:\n%.*s\n%.*s", i,
			    (int)(bs.len - s0), bs.data + s0,
			    (int)(bf.len - f0), bf.data + f0);
	}
	assert_int_equal(slow.rows, fast.rows);
	output_deinit(&slow);
	output_deinit(&fast);
	buf_free(&bs);
	buf_free(&bf);
}

/* CSV rows. */
static void
test_rows_csv(void **state)
{
	(void)state;
	compare(OUTPUT_CSV);
}

/* JSON Lines rows. */
static void
test_rows_jsonl(void **state)
{
	(void)state;
	compare(OUTPUT_JSONL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_rows_csv),
		cmocka_unit_test(test_rows_jsonl),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
