/* test_page_fast.c — the verdict pages made from pieces
 * (page_render_scan_iov) against the same pages rendered whole
 * (page_render_scan), the oracle: for every verdict, both languages, every
 * kind of genuine page with and without each optional field, hostile
 * field values, and times across many seconds. The pieces must make the
 * same bytes, and every genuine page without a draw must come in pieces.
 */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "scanner/pages.h"
#include "scanner/verify.h"
#include "store/store.h"

/* Joins n pieces into out. */
static void
join(const struct iovec *iov, int n, struct buf *out)
{
	buf_reset(out);
	for (int i = 0; i < n; i++)
		assert_int_equal(buf_append(out, iov[i].iov_base,
		    iov[i].iov_len), 0);
}

/* Renders p both ways; returns true when the pieces path made it (and
 * then checks the bytes are the same), false when it declined. */
static bool
same_page(const struct page_scan *p)
{
	struct buf whole = { 0 }, scratch = { 0 }, joined = { 0 };
	struct iovec iov[PAGE_IOV_MAX];
	size_t total = 12345;
	int n;

	assert_int_equal(page_render_scan(p, &whole), 0);
	/* Scratch that already holds bytes: the pieces start after them. */
	assert_int_equal(buf_append(&scratch, "junk", 4), 0);
	n = page_render_scan_iov(p, &scratch, iov, &total);
	if (n == -ENOTSUP) {
		assert_int_equal(scratch.len, 4);
		buf_free(&whole);
		buf_free(&scratch);
		return false;
	}
	assert_true(n > 0 && n <= PAGE_IOV_MAX);
	join(iov, n, &joined);
	assert_int_equal(total, joined.len);
	if (joined.len != whole.len ||
	    memcmp(joined.data, whole.data, whole.len) != 0) {
		fprintf(stderr, "pieces:\n%.*s\nwhole:\n%.*s\n",
		    (int)joined.len, (const char *)joined.data, (int)whole.len,
		    (const char *)whole.data);
		fail_msg("the pieces differ from the whole page");
	}
	buf_free(&whole);
	buf_free(&scratch);
	buf_free(&joined);
	return true;
}

/* A genuine page with every optional field set. */
static struct page_scan
full_page(enum page_lang lang)
{
	struct page_scan p;

	memset(&p, 0, sizeof(p));
	p.lang = lang;
	p.verdict = VERDICT_GENUINE;
	p.gtin = "04006381333931";
	p.serial = "BXSI6MAVTOCV2";
	p.batch_id = 7;
	p.scans = 3;
	p.first_time = 1714716309000000LL;	/* 2024-05-03 06:05:09 */
	p.repeat_since = 1714716000000000LL;
	p.event_id = 123456789;
	p.location_token = "YPVS4M4DDAQY7XKS2R7DEFZ7N4";
	p.self_path = "/01/04006381333931/21/BXSI6MAVTOCV2?S=CEAUL&lang=en";
	return p;
}

/* Every kind of genuine page, each optional field on and off, both
 * languages: all come in pieces, the same as whole. */
static void
test_genuine_kinds(void **state)
{
	static const int repeats[] = { PAGE_REPEAT_NONE, PAGE_REPEAT_SELF,
	    PAGE_REPEAT_OTHER };
	unsigned made = 0;

	(void)state;
	for (int lang = 0; lang < 2; lang++)
		for (size_t r = 0; r < 3; r++)
			for (unsigned bits = 0; bits < 64; bits++) {
				struct page_scan p = full_page(
				    (enum page_lang)lang);

				p.repeat = repeats[r];
				p.this_is_first = bits & 1;
				if (bits & 2)
					p.batch_id = 0;
				if (bits & 4)
					p.first_time = 0;
				if (bits & 8)
					p.repeat_since = 0;
				if (bits & 16)
					p.event_id = 0;
				if (bits & 32)
					p.location_token = NULL;
				assert_true(same_page(&p));
				made++;
			}
	assert_int_equal(made, 2 * 3 * 64);
}

/* Hostile and odd field values: escaping, cuts, links, numbers. */
static void
test_fields(void **state)
{
	static const char *const texts[] = { "a&b<c>\"d'e", "\001G\001",
	    "\001S\001", "", "x", "中文序列号" };
	static const char *const selves[] = { NULL, "", "/", "//evil.example",
	    "/\\evil", "/01/1/21/2?lang=zh&S=A&lang&x=\"<>\"",
	    "/a b?c d&lang=en&&e", "?only=query" };
	char longtext[600];

	(void)state;
	memset(longtext, 'Z', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	/* A multi-byte character across the field's cut. */
	memcpy(longtext + 158, "中", 3);
	for (int lang = 0; lang < 2; lang++) {
		struct page_scan p = full_page((enum page_lang)lang);

		for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
			p = full_page((enum page_lang)lang);
			p.gtin = texts[i];
			same_page(&p);
			p = full_page((enum page_lang)lang);
			p.serial = texts[i];
			same_page(&p);
			p = full_page((enum page_lang)lang);
			p.location_token = texts[i];
			assert_true(same_page(&p));
		}
		p = full_page((enum page_lang)lang);
		p.serial = longtext;
		assert_true(same_page(&p));
		p.gtin = longtext;
		p.location_token = longtext;
		assert_true(same_page(&p));
		for (size_t i = 0; i < sizeof(selves) / sizeof(selves[0]); i++) {
			p = full_page((enum page_lang)lang);
			p.self_path = selves[i];
			assert_true(same_page(&p));
		}
		p = full_page((enum page_lang)lang);
		p.batch_id = UINT32_MAX;
		p.scans = UINT32_MAX;
		p.event_id = UINT64_MAX;
		p.repeat = PAGE_REPEAT_OTHER;
		assert_true(same_page(&p));
		p.scans = 4294967279u;	/* the template's own sentinel */
		p.batch_id = 4294967291u;
		assert_true(same_page(&p));
		p.first_time = -1;	/* before 1970 */
		assert_true(same_page(&p));
	}
}

/* Times across seconds, minutes and days, as the per-second cache of the
 * formatted time sees them. */
static void
test_times(void **state)
{
	(void)state;
	for (int lang = 0; lang < 2; lang++)
		for (int64_t us = 1714716309000000LL;
		    us < 1714716309000000LL + 3LL * 86400 * 1000000;
		    us += 977777777) {
			struct page_scan p = full_page((enum page_lang)lang);

			p.this_is_first = true;
			p.first_time = us;
			assert_true(same_page(&p));
			p.first_time = 0;
			p.repeat = PAGE_REPEAT_SELF;
			p.repeat_since = us;
			assert_true(same_page(&p));
			p.repeat = PAGE_REPEAT_OTHER;
			p.first_time = us;
			assert_true(same_page(&p));
		}
}

/* Every other verdict, pages with the first scan's place, and pages with
 * a draw: page_render_scan's (declined, or the same bytes). */
static void
test_other_pages(void **state)
{
	static const int verdicts[] = { VERDICT_NOT_ACTIVE, VERDICT_VOID,
	    VERDICT_FORGED, VERDICT_MALFORMED };
	struct page_draw d;

	(void)state;
	for (int lang = 0; lang < 2; lang++) {
		struct page_scan p;

		for (size_t v = 0; v < 4; v++) {
			p = full_page((enum page_lang)lang);
			p.verdict = verdicts[v];
			p.reason = "bad_signature";
			p.void_reason = STORE_VOID_DAMAGED;
			assert_false(same_page(&p));
		}
		p = full_page((enum page_lang)lang);
		p.repeat = PAGE_REPEAT_OTHER;
		p.first_has_location = true;
		p.first_lat = 31.2304;
		p.first_lon = 121.4737;
		assert_false(same_page(&p));
		/* Without a first time the place is not shown. */
		p.first_time = 0;
		assert_true(same_page(&p));
		p = full_page((enum page_lang)lang);
		p.gtin = NULL;
		assert_false(same_page(&p));
		p = full_page((enum page_lang)lang);
		memset(&d, 0, sizeof(d));
		d.mode = PAGE_DRAW_OPEN_PACKAGE;
		p.draw = &d;
		assert_false(same_page(&p));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_genuine_kinds),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_other_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
