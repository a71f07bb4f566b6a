/*
 * test_wording.c — a page speaks one language: every reason that verify
 * can give (read from the sources that give them) has Chinese and English
 * words; a Chinese verdict page of every verdict and reason holds no
 * English reason, an English one no Chinese; the staff page has words in
 * both languages for every machine-readable answer of a redemption, and
 * its Chinese page no English words.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "rewards/redeem.h"
#include "scanner/pages.h"
#include "scanner/verify.h"
#include "store/store.h"
#include "pagecheck.h"

#define MAX_REASONS 128

/* The files where verify's reasons are written. */
static const char *const reason_sources[] = {
	"codegen/code.c", "codegen/gs1_dl.c", "codegen/gs1_ai.c",
	"scanner/verify.c",
};

static char *reasons[MAX_REASONS];
static size_t nreasons;

/* Appends the C string literals that start the text at p (adjacent ones
 * joined) to out; returns where they end. */
static const char *
literal(const char *p, char *out, size_t cap)
{
	size_t o = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p != '"')
			break;
		for (p++; *p != '"' && *p != '\0'; p++) {
			if (*p == '\\')
				p++;
			if (o + 1 < cap)
				out[o++] = *p;
		}
		if (*p == '"')
			p++;
	}
	out[o] = '\0';
	return p;
}

/* Collects every literal assigned as a reason ("why = ...", "reason =
 * ...", both arms of a "? :"), but for the base URL's (key new only). */
static void
collect(const char *src)
{
	static const char *const marks[] = { "why = ", "reason = " };

	for (size_t m = 0; m < 2; m++)
		for (const char *p = strstr(src, marks[m]); p != NULL;
		    p = strstr(p + 1, marks[m])) {
			const char *e = strchr(p, ';');
			const char *q = p + strlen(marks[m]);
			char lit[256];

			while (q != NULL && q < e) {
				const char *after = literal(q, lit, sizeof(lit));

				if (after != q && lit[0] != '\0' &&
				    strncmp(lit, "base URL", 8) != 0 &&
				    nreasons < MAX_REASONS)
					reasons[nreasons++] = strdup(lit);
				/* The next arm of a conditional. */
				q = strpbrk(after, "?:");
				if (q != NULL)
					q++;
			}
		}
}

/* Reads the reasons from the sources. */
static int
setup(void **state)
{
	const char *root = getenv("SCANLOOP_SRC");
	char path[TU_PATH_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(reason_sources) / sizeof(*reason_sources);
	    i++) {
		char *src;

		snprintf(path, sizeof(path), "%s/%s", root ? root : ".",
		    reason_sources[i]);
		src = tu_read(path, NULL);
		collect(src);
		free(src);
	}
	return 0;
}

/* True if s holds a character of the CJK block (a UTF-8 lead E4-E9). */
static bool
has_cjk(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0xe4 && (unsigned char)*s <= 0xe9)
			return true;
	return false;
}

/* Every reason in the sources has words in both languages. */
static void
test_reasons_known(void **state)
{
	(void)state;
	assert_true(nreasons >= 40);
	for (size_t i = 0; i < nreasons; i++) {
		const char *zh = page_reason_text(PAGE_LANG_ZH, reasons[i]);
		const char *en = page_reason_text(PAGE_LANG_EN, reasons[i]);

		if (zh == NULL || en == NULL)
			fail_msg("no words for the reason \"%s\"", reasons[i]);
		assert_string_equal(en, reasons[i]);
		if (!has_cjk(zh))
			fail_msg("\"%s\" in Chinese is \"%s\"", en, zh);
	}
	/* An unknown reason is not shown. */
	assert_null(page_reason_text(PAGE_LANG_ZH, "no such reason"));
}

/* Fails if the page shows any English reason (of two words or more:
 * single words such as "void" are markup too). */
static void
no_english_reason(const char *html, const char *what)
{
	for (size_t i = 0; i < nreasons; i++)
		if (strchr(reasons[i], ' ') != NULL &&
		    strstr(html, reasons[i]) != NULL)
			fail_msg("%s shows \"%s\"", what, reasons[i]);
	if (strstr(html, "Technical detail") != NULL)
		fail_msg("%s has English words", what);
}

/* Every verdict, with every reason: the Chinese page is Chinese, the
 * English page shows the reason in English. */
static void
test_verdict_pages(void **state)
{
	static const int verdicts[] = { VERDICT_GENUINE, VERDICT_NOT_ACTIVE,
		VERDICT_VOID, VERDICT_FORGED, VERDICT_MALFORMED };
	struct buf b = { 0 }, esc = { 0 };
	char what[512];

	(void)state;
	for (size_t v = 0; v < 5; v++)
		for (size_t i = 0; i <= nreasons; i++)
			for (int vr = STORE_VOID_NONE; vr <= STORE_VOID_OTHER;
			    vr++) {
				struct page_scan p = mk(verdicts[v], 2, false,
				    false, 0);

				if (vr != STORE_VOID_NONE &&
				    verdicts[v] != VERDICT_VOID)
					continue;
				p.reason = i < nreasons ? reasons[i] :
				    store_void_reason_name(vr);
				p.void_reason = vr;
				p.lang = PAGE_LANG_ZH;
				assert_int_equal(page_render_scan(&p, &b), 0);
				snprintf(what, sizeof(what), "zh page %d (%s)",
				    verdicts[v], p.reason ? p.reason : "-");
				check_page(&b, PAGE_LANG_ZH);
				no_english_reason((const char *)b.data, what);
				buf_reset(&b);
				if (i == nreasons || (verdicts[v] !=
				    VERDICT_FORGED && verdicts[v] !=
				    VERDICT_MALFORMED))
					continue;
				p.lang = PAGE_LANG_EN;
				assert_int_equal(page_render_scan(&p, &b), 0);
				assert_int_equal(page_escape(&esc, reasons[i],
				    strlen(reasons[i])), 0);
				assert_int_equal(buf_append(&esc, "", 1), 0);
				if (strstr((const char *)b.data,
				    (const char *)esc.data) == NULL)
					fail_msg("en page without \"%s\"",
					    reasons[i]);
				buf_reset(&esc);
				buf_reset(&b);
			}
	buf_free(&b);
	buf_free(&esc);
}

/* The staff page: words for every machine-readable answer of a
 * redemption (and the server's own refusals), in both languages; the
 * Chinese page holds none of the English words. */
static void
test_staff_page(void **state)
{
	static const char *const more[] = { "rate_limited", "unavailable" };
	static const char *const english[] = { "store's token", "claim code",
		"Redeem", "has expired", "Please", "Prize", "Unknown",
		"camera", "already been" };
	struct buf zh = { 0 }, en = { 0 };
	char attr[64];

	(void)state;
	assert_int_equal(page_render_staff(PAGE_LANG_ZH, "", &zh), 0);
	assert_int_equal(page_render_staff(PAGE_LANG_EN, "", &en), 0);
	check_page(&zh, PAGE_LANG_ZH);
	check_page(&en, PAGE_LANG_EN);
	/* The script never shows the server's English message. */
	assert_null(strstr((const char *)zh.data, "j.message"));
	for (int s = REDEEM_BAD_SHOP; s <= REDEEM_NOT_YET + 2; s++) {
		const char *code = s <= REDEEM_NOT_YET ? redeem_status_code(s) :
		    more[s - REDEEM_NOT_YET - 1];

		snprintf(attr, sizeof(attr), " data-e-%s=\"", code);
		if (strstr((const char *)zh.data, attr) == NULL ||
		    strstr((const char *)en.data, attr) == NULL)
			fail_msg("the staff page has no words for \"%s\"", code);
	}
	assert_string_equal(redeem_status_code(REDEEM_OK), "redeemed");
	/* What a person reads: everything before the script. */
	*strstr((char *)zh.data, "<script") = '\0';
	for (size_t i = 0; i < sizeof(english) / sizeof(*english); i++)
		if (strstr((const char *)zh.data, english[i]) != NULL)
			fail_msg("the Chinese staff page says \"%s\"", english[i]);
	buf_free(&zh);
	buf_free(&en);
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reasons_known),
		cmocka_unit_test(test_verdict_pages),
		cmocka_unit_test(test_staff_page),
	};

	tu_init();
	return cmocka_run_group_tests(tests, setup, NULL);
}
