/* test_lang.c — the language of a page (?lang=, Accept-Language, the
 * language link) and the Content-Security-Policy that allows the pages'
 * two scripts. */
#include "testutil.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "scanner/pages.h"
#include "scanner/verify.h"
#include "pagecheck.h"

/* The language link: same path, lang= dropped and set, escaped. */
static void
test_lang_link(void **state)
{
	static const struct {
		enum page_lang lang;
		const char *self, *href;
	} v[] = {
		{ PAGE_LANG_ZH, "/01/09506000134352/21/AB3DEFGHIJKLA?S=abc",
		    "/01/09506000134352/21/AB3DEFGHIJKLA?S=abc&amp;lang=en" },
		{ PAGE_LANG_EN, "/01/1/21/X?S=a&lang=en&x=1",
		    "/01/1/21/X?S=a&amp;x=1&amp;lang=zh" },
		{ PAGE_LANG_EN, "/01/1/21/X?lang=en", "/01/1/21/X?lang=zh" },
		{ PAGE_LANG_ZH, "/01/1/21/X?lang&&languages=1&lang=",
		    "/01/1/21/X?languages=1&amp;lang=en" },
		{ PAGE_LANG_ZH, "/x", "/x?lang=en" },
		{ PAGE_LANG_ZH, "/x?", "/x?lang=en" },
		{ PAGE_LANG_ZH, "/a b\x01\xe4\xb8\xad#f?q=\x7f",
		    "/a%20b%01%E4%B8%AD%23f?q=%7F&amp;lang=en" },
		/* Network paths would leave the site: query only. */
		{ PAGE_LANG_ZH, "//evil.example/x?S=1", "?S=1&amp;lang=en" },
		{ PAGE_LANG_ZH, "/\\evil.example/x", "?lang=en" },
		{ PAGE_LANG_ZH, "javascript:alert(1)", "?lang=en" },
		{ PAGE_LANG_ZH, "", "?lang=en" },
		{ PAGE_LANG_EN, NULL, "?lang=zh" },
	};
	struct page_scan p = mk(VERDICT_GENUINE, 1, true, false, 0);
	struct buf b = { 0 };
	char want[256], *longpath;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		p.lang = v[i].lang;
		p.self_path = v[i].self;
		assert_int_equal(page_render_scan(&p, &b), 0);
		snprintf(want, sizeof(want),
		    "<footer><a href=\"%s\" "
		    "hreflang=\"%s\"",
		    v[i].href, v[i].lang == PAGE_LANG_EN ? "zh-CN" : "en");
		if (strstr((const char *)b.data, want) == NULL)
			fail_msg("case %zu: no %s", i, want);
		buf_reset(&b);
	}
	/* A long path (hostile) is replaced, keeping the page small. */
	longpath = malloc(4001);
	assert_non_null(longpath);
	longpath[0] = '/';
	memset(longpath + 1, '"', 3999);
	longpath[4000] = '\0';
	p.self_path = longpath;
	p.lang = PAGE_LANG_ZH;
	assert_int_equal(page_render_scan(&p, &b), 0);
	assert_non_null(strstr((const char *)b.data, "<a href=\"?lang=en\""));
	check_page(&b, PAGE_LANG_ZH);
	free(longpath);
	buf_free(&b);
}

/* Makes a slice of a string (NULL stays NULL). */
static struct http_slice
sl(const char *s)
{
	return (struct http_slice){ s, s != NULL ? strlen(s) : 0 };
}

/* page_lang_pick: query first, then Accept-Language by q, else Chinese. */
static void
test_lang_pick(void **state)
{
	static const struct {
		const char *al, *query;
		enum page_lang want;
	} v[] = {
		{ NULL, NULL, PAGE_LANG_ZH },
		{ "", "", PAGE_LANG_ZH },
		{ "en-US,en;q=0.9,zh-CN;q=0.8", "", PAGE_LANG_EN },
		{ "zh-CN,zh;q=0.9,en;q=0.8", "", PAGE_LANG_ZH },
		{ "zh-TW", "", PAGE_LANG_ZH },
		{ "zh-Hant-HK;q=0.9, en;q=0.8", "", PAGE_LANG_ZH },
		{ "en", "", PAGE_LANG_EN },
		{ "EN-gb", "", PAGE_LANG_EN },
		{ "en_US", "", PAGE_LANG_EN },
		{ "fr", "", PAGE_LANG_ZH },
		{ "fr-FR,fr;q=0.9", "", PAGE_LANG_ZH },
		{ "fr-FR,fr;q=0.9,en;q=0.5", "", PAGE_LANG_EN },
		{ "zh;q=0.5,en;q=0.6", "", PAGE_LANG_EN },
		{ "zh;q=0.6,en;q=0.5", "", PAGE_LANG_ZH },
		{ "en;q=0.8,zh;q=0.8", "", PAGE_LANG_EN }, /* tie: first */
		{ "zh;q=0.8,en;q=0.8", "", PAGE_LANG_ZH },
		{ "en, zh", "", PAGE_LANG_EN },
		{ "en;q=0", "", PAGE_LANG_ZH },
		{ "zh;q=0, en;q=0.1", "", PAGE_LANG_EN },
		{ "zh;q=0", "", PAGE_LANG_ZH }, /* nothing else */
		{ "*", "", PAGE_LANG_ZH },
		{ "en;q=0.5, *;q=0.9", "", PAGE_LANG_ZH },
		{ "zh;q=0.5, *;q=0.9", "", PAGE_LANG_EN },
		{ "eng, english", "", PAGE_LANG_ZH }, /* not "en" */
		{ "zhx", "", PAGE_LANG_ZH },
		{ "en;q=1.5,zh;q=0.1", "", PAGE_LANG_ZH }, /* bad q */
		{ "en;q=abc", "", PAGE_LANG_ZH },
		{ "en;q=0.1234", "", PAGE_LANG_ZH },
		{ "en;q=1.000", "", PAGE_LANG_EN },
		{ "en ; Q=0.7 ; x=y , zh;q=0.6", "", PAGE_LANG_EN },
		{ "\ten\t;\tq=0.9", "", PAGE_LANG_EN },
		{ ";;;,,,;q=,=,en;;q=0.3", "", PAGE_LANG_EN },
		{ ",,,", "", PAGE_LANG_ZH },
		{ ";q=1", "", PAGE_LANG_ZH },
		{ "en;q=", "", PAGE_LANG_ZH },
		{ "en;q=.5", "", PAGE_LANG_ZH },
		{ "en-US,en;q=0.9", "lang=zh", PAGE_LANG_ZH },
		{ "zh-CN", "lang=en", PAGE_LANG_EN },
		{ "zh-CN", "S=abc&lang=en", PAGE_LANG_EN },
		{ "zh-CN", "lang=EN", PAGE_LANG_ZH }, /* exact only */
		{ "en", "lang=fr", PAGE_LANG_EN },
		{ "en", "lang=", PAGE_LANG_EN },
		{ "en", "lang", PAGE_LANG_EN },
		{ "en", "xlang=zh", PAGE_LANG_EN },
		{ "en", "lang=zh-CN", PAGE_LANG_EN },
		{ NULL, "lang=en", PAGE_LANG_EN },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		enum page_lang got =
		    page_lang_pick(sl(v[i].al), sl(v[i].query));

		if (got != v[i].want)
			fail_msg("case %zu (\"%s\", \"%s\"): got %d", i,
			    v[i].al ? v[i].al : "(null)",
			    v[i].query ? v[i].query : "(null)", got);
	}
}

/* Malformed and long headers: any bytes, no crash, a valid answer. The
 * slices are not NUL-terminated (the copies are exact-size heap blocks,
 * so ASan catches a read past the end). */
static void
test_lang_pick_garbage(void **state)
{
	uint8_t raw[512];

	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)(round % 97) * (round % 5 + 1);
		char *a, *q;
		enum page_lang got;

		tu_random(raw, sizeof(raw));
		/* Bias towards the bytes the parser cares about. */
		for (size_t i = 0; i < len; i++) {
			static const char pick[] = ",;= \tq0.1enzh-*&";

			if (raw[i] & 1)
				raw[i] = (uint8_t)pick[raw[i] % 16];
		}
		a = malloc(len + 1);
		q = malloc(len / 3 + 1);
		assert_non_null(a);
		assert_non_null(q);
		memcpy(a, raw, len);
		memcpy(q, raw + len / 2, len / 3);
		got = page_lang_pick((struct http_slice){ a, len },
		    (struct http_slice){ q, len / 3 });
		assert_true(got == PAGE_LANG_ZH || got == PAGE_LANG_EN);
		free(a);
		free(q);
	}
}

/* Runs page_csp() in a thread. */
static void *
csp_thread(void *arg)
{
	*(const char **)arg = page_csp();
	return NULL;
}

/* The policy: computed once (first use from several threads at once),
 * the script's hash, nothing else allowed to run or load. */
static void
test_csp(void **state)
{
	pthread_t th[4];
	const char *got[4];
	const char *csp;
	char want[640], staff[160], checkin[160], other[160], group[160];
	struct page_checkin pc = { PAGE_LANG_EN, NULL, NULL, NULL, NULL };
	struct page_group pg = { .lang = PAGE_LANG_EN, .campaign_id = "c",
	    .campaign_name = "C", .size = 2, .window_hours = 1 };
	struct buf b = { 0 };

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(
		    pthread_create(&th[i], NULL, csp_thread, &got[i]), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	csp = page_csp();
	for (int i = 0; i < 4; i++)
		assert_ptr_equal(got[i], csp);
	assert_non_null(strstr(csp, "default-src 'none';"));
	assert_non_null(strstr(csp, "connect-src 'self';"));
	assert_non_null(strstr(csp, "frame-ancestors 'none'"));
	assert_non_null(strstr(csp, "base-uri 'none';"));
	assert_null(strstr(csp, "unsafe-eval"));
	assert_int_equal(count(csp, "unsafe-inline"), 1);
	assert_non_null(strstr(csp, "style-src 'unsafe-inline';"));
	/* Four scripts: the code pages', the staff page's, the check-in
	 * pages' and the group pages', each the same
	 * on every page of its kind (check_page checks each page). */
	assert_int_equal(page_render_error(PAGE_LANG_EN, 404, &b), 0);
	script_source((const char *)b.data, want, sizeof(want));
	assert_true(csp_allows(csp, want));
	assert_int_equal(strlen(want), strlen("'sha256-'") + 44);
	buf_reset(&b);
	assert_int_equal(page_render_staff(PAGE_LANG_ZH, NULL, &b), 0);
	script_source((const char *)b.data, staff, sizeof(staff));
	assert_true(csp_allows(csp, staff));
	assert_string_not_equal(want, staff);
	buf_reset(&b);
	assert_int_equal(page_render_checkin(&pc, &b), 0);
	script_source((const char *)b.data, checkin, sizeof(checkin));
	assert_true(csp_allows(csp, checkin));
	buf_reset(&b);
	assert_int_equal(page_render_checkin_staff(PAGE_LANG_ZH, &b), 0);
	script_source((const char *)b.data, other, sizeof(other));
	assert_string_equal(other, checkin);
	assert_string_not_equal(checkin, staff);
	buf_reset(&b);
	assert_int_equal(page_render_group(&pg, &b), 0);
	script_source((const char *)b.data, group, sizeof(group));
	assert_true(csp_allows(csp, group));
	assert_string_not_equal(group, want);
	assert_string_not_equal(group, checkin);
	assert_int_equal(count(csp, "'sha256-"), 4);
	snprintf(want + strlen(want), sizeof(want) - strlen(want),
	    " %s %s %s;", staff, checkin, group);
	assert_non_null(strstr(csp, "script-src 'sha256-"));
	assert_non_null(strstr(csp, want));
	/* Forms may post to this site only; nothing else may load. */
	assert_non_null(strstr(csp, "form-action 'self';"));
	assert_null(strstr(csp, "media-src"));
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csp),
		cmocka_unit_test(test_lang_link),
		cmocka_unit_test(test_lang_pick),
		cmocka_unit_test(test_lang_pick_garbage),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
