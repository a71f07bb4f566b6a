/* test_pages.c — the verdict, product, error and staff pages: content per
 * verdict and language, the prize-draw card (every mode and outcome, the
 * draw form, the claim's QR code), size, escaping, structure, the location
 * button, the CSP hashes of both scripts, and the language pick. */
#include "testutil.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codegen/render.h"
#include "common/buf.h"
#include "rewards/campaign.h"
#include "scanner/pages.h"
#include "scanner/verify.h"
#include "store/store.h"

#define PAGE_LIMIT (20 * 1024)
#define HOSTILE "\"><script>alert(1)</script>"
#define HOSTILE_ESC "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
#define SVG_NS "<svg xmlns=\"http://www.w3.org/2000/svg\""

/* 2024-05-03T06:05:09Z, and a quarter second. */
#define T_FIRST 1714716309250000LL

/* One page to render and what it must hold. */
struct pcase {
	const char *name;
	struct page_scan p;
	const char *cls;   /* class of <main> */
	const char *zh[3]; /* texts the Chinese page holds */
	const char *en[3]; /* texts the English page holds */
};

static const struct page_scan base = {
	.gtin = "09506000134352",
	.serial = "AB3DEFGHIJKLA",
	.batch_id = 7,
	.first_time = T_FIRST,
	.self_path = "/01/09506000134352/21/AB3DEFGHIJKLA?S=abc",
};

/* Sets the fields that differ from base. */
static struct page_scan
mk(int verdict, uint32_t scans, bool first, bool loc, uint64_t ev)
{
	struct page_scan p = base;

	p.verdict = verdict;
	p.scans = scans;
	p.this_is_first = first;
	p.first_has_location = loc;
	p.first_lat = 31.2304;
	p.first_lon = 121.4737;
	p.event_id = ev;
	p.location_token = ev != 0 ? "tok_Zm9vYmFy-_" : NULL;
	return p;
}

/* Every verdict and its variants. */
static struct pcase *
cases(size_t *n)
{
	static struct pcase c[16];
	size_t i = 0;

	c[i++] = (struct pcase){ "genuine-first",
		mk(VERDICT_GENUINE, 1, true, false, 41), "ok",
		{ "<h1>正品</h1>", "这是该码第一次被扫描。",
		    "<time datetime=\"2024-05-03T06:05:09Z\">"
		    "2024-05-03 06:05 UTC</time>" },
		{ "<h1>Genuine product</h1>",
		    "This is the first time this code has been scanned.",
		    "<time datetime=\"2024-05-03T06:05:09Z\">"
		    "2024-05-03 06:05 UTC</time>" } };
	c[i++] = (struct pcase){ "genuine-again-located",
		mk(VERDICT_GENUINE, 3, false, true, 42), "warn",
		{ "此码已被扫描 3 次。首次扫描：<time datetime=\""
		  "2024-05-03T06:05:09Z\">2024-05-03 06:05 UTC</time>"
		  "，位置约 31.23, 121.47。",
		    "此标签可能被复制", "品牌" },
		{ "This code has been scanned 3 times. First scan: <time "
		  "datetime=\"2024-05-03T06:05:09Z\">2024-05-03 06:05 UTC"
		  "</time>, near 31.23, 121.47.",
		    "If you did not scan it before, the label may have been "
		    "copied.",
		    "contact the brand" } };
	c[i] = (struct pcase){ "genuine-again-south-west",
		mk(VERDICT_GENUINE, 12, false, true, 0), "warn",
		{ "此码已被扫描 12 次。", "位置约 -33.87, 0.00。" },
		{ "scanned 12 times.", "near -33.87, 0.00." } };
	c[i].p.first_lat = -33.8688;
	c[i++].p.first_lon = -0.001;
	c[i++] = (struct pcase){ "genuine-again-no-location",
		mk(VERDICT_GENUINE, 2, false, false, 43), "warn",
		{ "此码已被扫描 2 次。首次扫描：" },
		{ "This code has been scanned 2 times. First scan: " } };
	c[i++] = (struct pcase){ "genuine-bot",
		mk(VERDICT_GENUINE, 0, false, false, 0), "ok",
		{ "<h1>正品</h1>", "验证通过" },
		{ "<h1>Genuine product</h1>", "checks out" } };
	c[i++] = (struct pcase){ "not-active",
		mk(VERDICT_NOT_ACTIVE, 1, true, false, 44), "warn",
		{ "此码尚未激活", "正常渠道", "店铺" },
		{ "Code not activated yet", "normal sales channel",
		    "the store where you bought it" } };
	c[i] = (struct pcase){ "void-stolen",
		mk(VERDICT_VOID, 1, false, false, 45), "bad",
		{ "此码已作废", "（原因：已报告被盗）", "请勿信任此商品" },
		{ "Code voided", "(reason: reported stolen)",
		    "Do not trust this item." } };
	c[i++].p.void_reason = STORE_VOID_STOLEN;
	c[i] = (struct pcase){ "void-misprint",
		mk(VERDICT_VOID, 1, false, false, 0), "bad",
		{ "（原因：标签印刷错误）" },
		{ "(reason: misprinted label)" } };
	c[i++].p.void_reason = STORE_VOID_MISPRINT;
	c[i] = (struct pcase){ "void-damaged",
		mk(VERDICT_VOID, 1, false, false, 0), "bad",
		{ "（原因：标签损坏）" }, { "(reason: damaged label)" } };
	c[i++].p.void_reason = STORE_VOID_DAMAGED;
	c[i] = (struct pcase){ "void-lost",
		mk(VERDICT_VOID, 1, false, false, 0), "bad",
		{ "（原因：已报告遗失）" }, { "(reason: reported lost)" } };
	c[i++].p.void_reason = STORE_VOID_LOST;
	c[i] =
	    (struct pcase){ "void-other", mk(VERDICT_VOID, 1, false, false, 0),
		    "bad", { "（原因：其他原因）" }, { "(reason: other)" } };
	c[i++].p.void_reason = STORE_VOID_OTHER;
	c[i] = (struct pcase){ "forged",
		mk(VERDICT_FORGED, 1, false, false, 46), "bad",
		{ "未通过验证", "技术信息：bad signature", "AB3DEFGHIJKLA" },
		{ "Not verified", "Technical detail: bad signature",
		    "Serial on the code" } };
	c[i].p.reason = "bad signature";
	c[i].p.gtin = NULL;
	c[i++].p.batch_id = 0;
	c[i] = (struct pcase){ "malformed",
		mk(VERDICT_MALFORMED, 0, false, false, 47), "bad",
		{ "无效的商品码", "扫描到的内容不是可以验证的商品码。" },
		{ "Not a valid product code",
		    "is not a product code that can be checked" } };
	c[i].p.reason = "not a code URL";
	c[i].p.gtin = NULL;
	c[i].p.serial = NULL;
	c[i++].p.batch_id = 0;
	assert_true(i <= sizeof(c) / sizeof(c[0]));
	*n = i;
	return c;
}

/* Counts the occurrences of needle in hay. */
static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += len)
		n++;
	return n;
}

/* True when s (len bytes) is valid UTF-8 without overlong forms. */
static bool
utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i], need;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			need = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (need >= len - i)
			return false;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
		    (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

/* Checks that the elements of a page nest properly: every opened element
 * that is not void is closed in order, <script> and <style> hold raw
 * text, and SVG elements may close themselves with "/>". */
static void
check_nesting(const char *html)
{
	static const char *voids[] = { "meta", "link", "br", "hr", "img",
		"input", NULL };
	char stack[64][16];
	int depth = 0;
	const char *p = html;

	while ((p = strchr(p, '<')) != NULL) {
		char name[16];
		size_t n = 0;
		bool closing = p[1] == '/';
		const char *q = p + 1 + closing, *gt;

		if (p[1] == '!') { /* the doctype */
			p = strchr(p, '>');
			assert_non_null(p);
			continue;
		}
		while ((q[n] >= 'a' && q[n] <= 'z') ||
		    (q[n] >= '0' && q[n] <= '9'))
			n++;
		if (n == 0 || n >= sizeof(name))
			fail_msg("stray '<' at offset %td", p - html);
		memcpy(name, q, n);
		name[n] = '\0';
		gt = strchr(q, '>');
		assert_non_null(gt);
		if (closing) {
			if (depth == 0 || strcmp(stack[depth - 1], name) != 0)
				fail_msg("</%s> at offset %td closes <%s>",
				    name, p - html,
				    depth > 0 ? stack[depth - 1] : "");
			depth--;
		} else if (gt[-1] != '/') {
			bool v = false;

			for (size_t k = 0; voids[k] != NULL; k++)
				v = v || strcmp(voids[k], name) == 0;
			if (!v) {
				assert_true(depth < 64);
				strcpy(stack[depth++], name);
			}
			if (strcmp(name, "script") == 0 ||
			    strcmp(name, "style") == 0) {
				char end[24];

				/* Raw text up to its end tag. */
				snprintf(end, sizeof(end), "</%s>", name);
				gt = strstr(gt, end);
				assert_non_null(gt);
				gt += strlen(end) - 1;
				depth--;
			}
		}
		p = gt + 1;
	}
	if (depth != 0)
		fail_msg("<%s> never closed", stack[depth - 1]);
}

/* True when some tag has an event handler attribute (" onclick="). */
static bool
has_handler(const char *html)
{
	for (const char *p = html; (p = strstr(p, " on")) != NULL; p++) {
		const char *q = p + 3;

		while (*q >= 'a' && *q <= 'z')
			q++;
		if (q > p + 3 && *q == '=')
			return true;
	}
	return false;
}

/* The SHA-256 of the page's script, as a CSP source expression. */
static void
script_source(const char *html, char *out, size_t outlen)
{
	const char *s = strstr(html, "<script>"), *e;
	unsigned char h[crypto_hash_sha256_BYTES];
	char b64[64];

	assert_non_null(s);
	s += strlen("<script>");
	e = strstr(s, "</script>");
	assert_non_null(e);
	crypto_hash_sha256(h, (const unsigned char *)s, (size_t)(e - s));
	sodium_bin2base64(b64, sizeof(b64), h, sizeof(h),
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, outlen, "'sha256-%s'", b64);
}

/* True when the policy's script-src directive names source. */
static bool
csp_allows(const char *csp, const char *source)
{
	const char *d = strstr(csp, "script-src "), *end, *hit;

	if (d == NULL || (end = strchr(d, ';')) == NULL)
		return false;
	hit = strstr(d, source);
	return hit != NULL && hit + strlen(source) <= end && (hit[-1] == ' ') &&
	    (hit[strlen(source)] == ' ' || hit[strlen(source)] == ';');
}

/* Writes a page under $SCANLOOP_PAGES_PREVIEW (for looking at it). */
static void
preview(const char *name, const char *lang, const struct buf *b)
{
	const char *dir = getenv("SCANLOOP_PAGES_PREVIEW");
	char path[TU_PATH_MAX];

	if (dir == NULL || *dir == '\0')
		return;
	(void)mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/%s-%s.html", dir, name, lang);
	tu_write(path, b->data, b->len);
	printf("# %-28s %-2s %6zu bytes\n", name, lang, b->len);
}

/* What every page must be, whatever it says. */
static void
check_page(const struct buf *b, enum page_lang lang)
{
	const char *html = (const char *)b->data;
	char want[128], src[128];

	assert_non_null(html);
	assert_int_equal(strlen(html), b->len);
	assert_true(b->len < PAGE_LIMIT);
	assert_true(utf8_valid(b->data, b->len));
	assert_true(strncmp(html, "<!doctype html>\n", 16) == 0);
	snprintf(want, sizeof(want), "<html lang=\"%s\">",
	    lang == PAGE_LANG_EN ? "en" : "zh-CN");
	assert_non_null(strstr(html, want));
	assert_string_equal(page_lang_tag(lang),
	    lang == PAGE_LANG_EN ? "en" : "zh-CN");
	assert_non_null(strstr(html, "<meta charset=\"utf-8\">"));
	assert_non_null(strstr(html,
	    "<meta name=\"viewport\" "
	    "content=\"width=device-width,initial-scale=1\">"));
	assert_int_equal(count(html, "<title>"), 1);
	assert_int_equal(count(html, "<h1>"), 1);
	/* Self-contained: one inline script, no URL to fetch anything. */
	assert_int_equal(count(html, "<script"), 1);
	assert_int_equal(count(html, "</script>"), 1);
	assert_int_equal(count(html, "<style>"), 1);
	/* The only URL: the namespace of an inline SVG (a claim's QR). */
	assert_int_equal(count(html, "http://"), count(html, SVG_NS));
	assert_null(strstr(html, "https://"));
	assert_null(strstr(html, "src="));
	assert_null(strstr(html, "url("));
	assert_null(strstr(html, "@import"));
	assert_null(strstr(html, "<link"));
	assert_null(strstr(html, "<img"));
	/* No inline handlers: the CSP hash does not cover them. */
	assert_false(has_handler(html));
	check_nesting(html);
	script_source(html, src, sizeof(src));
	if (!csp_allows(page_csp(), src))
		fail_msg("CSP %s lacks %s", page_csp(), src);
	assert_true(strlen(html) > 1000);
	assert_true(strstr(html, "</html>\n") == html + b->len - 8);
}

/* Every verdict in both languages. */
static void
test_scan_pages(void **state)
{
	size_t n;
	struct pcase *c = cases(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		for (int l = PAGE_LANG_ZH; l <= PAGE_LANG_EN; l++) {
			struct page_scan p = c[i].p;
			const char *const *texts =
			    l == PAGE_LANG_EN ? c[i].en : c[i].zh;
			struct buf b = { 0 };
			char cls[64];
			const char *html;

			p.lang = (enum page_lang)l;
			assert_int_equal(page_render_scan(&p, &b), 0);
			html = (const char *)b.data;
			preview(c[i].name, l == PAGE_LANG_EN ? "en" : "zh", &b);
			check_page(&b, p.lang);
			snprintf(cls, sizeof(cls), "<main class=\"%s\">",
			    c[i].cls);
			if (strstr(html, cls) == NULL)
				fail_msg("%s: no %s", c[i].name, cls);
			for (size_t k = 0; k < 3 && texts[k] != NULL; k++)
				if (strstr(html, texts[k]) == NULL)
					fail_msg("%s/%d: missing \"%s\"",
					    c[i].name, l, texts[k]);
			/* The other language's headline is not there. */
			if (strstr(html,
				(l == PAGE_LANG_EN ? c[i].zh : c[i].en)[0]) !=
			    NULL)
				fail_msg("%s/%d: other language", c[i].name, l);
			buf_free(&b);
		}
	}
}

/* What a genuine code's page shows and what a forged or malformed one
 * does not. */
static void
test_scan_fields(void **state)
{
	size_t n;
	struct pcase *c = cases(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		struct buf b = { 0 };
		struct page_scan p = c[i].p;
		const char *html;
		int v = p.verdict;

		/* All fields set: the verdict decides what is shown. */
		p.gtin = base.gtin;
		p.batch_id = base.batch_id;
		p.self_path = NULL; /* it holds the GTIN */
		assert_int_equal(page_render_scan(&p, &b), 0);
		html = (const char *)b.data;
		if (v == VERDICT_GENUINE || v == VERDICT_NOT_ACTIVE ||
		    v == VERDICT_VOID) {
			assert_non_null(strstr(html, "09506000134352"));
			assert_non_null(strstr(html, "AB3DEFGHIJKLA"));
			assert_non_null(strstr(html,
			    "<dt>批次</dt><dd class=\"m\">7</dd>"));
			assert_null(strstr(html, "技术信息"));
		} else {
			assert_null(strstr(html, "09506000134352"));
			assert_null(strstr(html, "批次"));
		}
		if (v == VERDICT_MALFORMED)
			assert_null(strstr(html, "AB3DEFGHIJKLA"));
		/* The scan time is shown on a first scan only. */
		assert_int_equal(strstr(html, "<dt>扫描时间</dt>") != NULL,
		    c[i].p.this_is_first && v == VERDICT_GENUINE);
		buf_free(&b);
	}
}

/* The location section: only with an event id and a token, with both in
 * data- attributes and the texts in the page's language. */
static void
test_location_button(void **state)
{
	struct page_scan p = mk(VERDICT_GENUINE, 1, true, false, 0);
	struct buf b = { 0 };
	const char *html;

	(void)state;
	for (int v = VERDICT_GENUINE; v <= VERDICT_MALFORMED; v++) {
		p.verdict = v;
		p.event_id = 0;
		p.location_token = "t";
		assert_int_equal(page_render_scan(&p, &b), 0);
		assert_null(strstr((const char *)b.data, "id=\"loc\""));
		assert_null(strstr((const char *)b.data, "data-token=\""));
		buf_reset(&b);
		p.event_id = 9;
		p.location_token = NULL;
		assert_int_equal(page_render_scan(&p, &b), 0);
		assert_null(strstr((const char *)b.data, "id=\"loc\""));
		buf_reset(&b);
		p.event_id = UINT64_MAX;
		p.location_token = "Zm9v_-";
		assert_int_equal(page_render_scan(&p, &b), 0);
		html = (const char *)b.data;
		assert_int_equal(count(html, "id=\"loc\""), 1);
		assert_non_null(strstr(html,
		    "<button type=\"button\" "
		    "id=\"loc\" data-event=\"18446744073709551615\" "
		    "data-token=\"Zm9v_-\""));
		assert_non_null(strstr(html, "分享我的位置</button>"));
		assert_non_null(strstr(html, "id=\"loc-box\" hidden"));
		assert_non_null(strstr(html, "id=\"loc-msg\""));
		for (const char *k = "wait\0ok\0deny\0err\0"; *k != '\0';
		     k += strlen(k) + 1) {
			char attr[32];

			snprintf(attr, sizeof(attr), " data-%s=\"", k);
			assert_non_null(strstr(html, attr));
		}
		buf_reset(&b);
	}
	p.lang = PAGE_LANG_EN;
	p.location_token = "a\"b<c>";
	assert_int_equal(page_render_scan(&p, &b), 0);
	html = (const char *)b.data;
	assert_non_null(strstr(html, "data-token=\"a&quot;b&lt;c&gt;\""));
	assert_non_null(strstr(html, ">Share my location</button>"));
	assert_non_null(strstr(html, "fight counterfeits and diversion"));
	check_page(&b, PAGE_LANG_EN);
	buf_free(&b);
}

/* Hostile text from the request never reaches the page raw. */
static void
test_hostile_input(void **state)
{
	size_t n;
	struct pcase *c = cases(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		for (int l = PAGE_LANG_ZH; l <= PAGE_LANG_EN; l++) {
			struct page_scan p = c[i].p;
			struct buf b = { 0 };
			const char *html;

			p.lang = (enum page_lang)l;
			p.self_path = "/01/1?a=" HOSTILE "&lang=zh&b='x'";
			p.reason = HOSTILE;
			p.location_token = p.event_id != 0 ? HOSTILE : NULL;
			if (p.verdict == VERDICT_FORGED)
				p.serial = HOSTILE;
			assert_int_equal(page_render_scan(&p, &b), 0);
			html = (const char *)b.data;
			check_page(&b, p.lang);
			assert_null(strstr(html, "alert(1)</script>"));
			assert_null(strstr(html, "<script>alert"));
			assert_null(strstr(html, "'x'"));
			assert_non_null(strstr(html,
			    l == PAGE_LANG_EN ?
				"href=\"/01/1?a=%22%3E%3Cscript%3Ealert(1)%3C/"
				"script%3E&amp;b=&#39;x&#39;&amp;lang=zh\"" :
				"href=\"/01/1?a=%22%3E%3Cscript%3Ealert(1)%3C/"
				"script%3E&amp;b=&#39;x&#39;&amp;lang=en\""));
			if (p.verdict == VERDICT_FORGED ||
			    p.verdict == VERDICT_MALFORMED)
				assert_non_null(strstr(html,
				    "&quot;&gt;&lt;"
				    "script&gt;alert(1)&lt;/script&gt;</p>"));
			buf_free(&b);
		}
	}
}

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

/* The product page for GET /01/{GTIN}. */
static void
test_product_page(void **state)
{
	struct buf b = { 0 };
	const char *html;

	(void)state;
	assert_int_equal(
	    page_render_product(PAGE_LANG_ZH, "09506000134352", &b), 0);
	preview("product", "zh", &b);
	check_page(&b, PAGE_LANG_ZH);
	html = (const char *)b.data;
	assert_non_null(strstr(html, "<dd class=\"m\">09506000134352</dd>"));
	assert_non_null(strstr(html, "每件商品的包装上都有它自己的二维码"));
	assert_null(strstr(html, "id=\"loc\""));
	assert_non_null(strstr(html, "<a href=\"?lang=en\""));
	buf_reset(&b);
	assert_int_equal(
	    page_render_product(PAGE_LANG_EN, "09506000134352", &b), 0);
	preview("product", "en", &b);
	check_page(&b, PAGE_LANG_EN);
	html = (const char *)b.data;
	assert_non_null(strstr(html, "Each package carries its own code"));
	assert_non_null(strstr(html, "09506000134352"));
	buf_reset(&b);
	assert_int_equal(page_render_product(PAGE_LANG_EN, HOSTILE, &b), 0);
	check_page(&b, PAGE_LANG_EN);
	assert_null(strstr((const char *)b.data, "alert(1)</script>"));
	buf_reset(&b);
	assert_int_equal(page_render_product(PAGE_LANG_EN, NULL, &b), 0);
	check_page(&b, PAGE_LANG_EN);
	buf_free(&b);
}

/* Error pages: a title per status, the status shown, generic otherwise. */
static void
test_error_pages(void **state)
{
	static const struct {
		int status;
		const char *zh, *en;
	} v[] = {
		{ 400, "请求无效", "Bad request" },
		{ 404, "页面不存在", "Page not found" },
		{ 405, "不支持此操作", "Method not allowed" },
		{ 413, "请求过大", "Request too large" },
		{ 429, "请求过于频繁", "Too many requests" },
		{ 500, "服务器出错", "Something went wrong" },
		{ 503, "暂时无法服务", "Temporarily unavailable" },
		{ 418, "出错了", "Error" },
		{ 502, "出错了", "Error" },
	};
	struct buf b = { 0 };
	char want[128], name[16];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		for (int l = PAGE_LANG_ZH; l <= PAGE_LANG_EN; l++) {
			const char *t = l == PAGE_LANG_EN ? v[i].en : v[i].zh;

			assert_int_equal(page_render_error((enum page_lang)l,
					     v[i].status, &b),
			    0);
			snprintf(name, sizeof(name), "error-%d", v[i].status);
			preview(name, l == PAGE_LANG_EN ? "en" : "zh", &b);
			check_page(&b, (enum page_lang)l);
			snprintf(want, sizeof(want), "<h1>%s</h1>", t);
			assert_non_null(strstr((const char *)b.data, want));
			snprintf(want, sizeof(want), "<title>%s · ", t);
			assert_non_null(strstr((const char *)b.data, want));
			snprintf(want, sizeof(want), "HTTP %d", v[i].status);
			assert_non_null(strstr((const char *)b.data, want));
			buf_reset(&b);
		}
	}
	assert_int_equal(page_render_error(PAGE_LANG_EN, 429, &b), 0);
	assert_non_null(strstr((const char *)b.data, "slow down"));
	buf_reset(&b);
	assert_int_equal(page_render_error(PAGE_LANG_EN, 503, &b), 0);
	assert_non_null(strstr((const char *)b.data, "try again"));
	buf_free(&b);
}

/* 2024-06-30T16:00:00Z: the campaign's end. */
#define T_END 1719763200000000LL
/* 2024-05-04T00:00:00Z, 2024-06-03T00:00:00Z: a coupon's validity. */
#define T_FROM 1714780800000000LL
#define T_EXP 1717372800000000LL
/* 2024-05-10T03:04:00Z: a redemption. */
#define T_RED 1715310240000000LL
#define CLAIM "ABCD-EFGH-JKMN-PQRS-TVWX-YZ23"

/* A win with every field, for the out-of-memory child. */
static const struct page_draw draw_win_full = {
	.mode = PAGE_DRAW_RESULT,
	.campaign_name = "春季开盒有礼",
	.outcome = PAGE_OUTCOME_WIN,
	.prize_name = "保温杯",
	.prize_kind = CAMPAIGN_COUPON,
	.coupon_face = "10.00",
	.coupon_currency = "CNY",
	.coupon_condition = "满100元可用",
	.claim_text = CLAIM,
	.claim_qr_svg = "<svg viewBox=\"0 0 1 1\"></svg>",
	.claim_expires = T_EXP,
};

/* The inline SVG of a claim URL as the server makes it: a version-4
 * symbol at one unit per module with the quiet zone. */
static void
claim_svg(struct buf *out)
{
	static const char url[] =
	    "HTTPS://S.EXAMPLE.COM/C/ABCDEFGHJKMNPQRSTVWXYZ23";
	const struct render_opts ro = { 1, RENDER_QUIET_ZONE };
	QRcode *q = NULL;

	assert_int_equal(render_qr(url, QR_ECLEVEL_Q, &q), 0);
	assert_int_equal(q->version, 4);
	assert_int_equal(render_svg_inline(q, &ro, out), 0);
	QRcode_free(q);
	assert_true(
	    strncmp((const char *)out->data, SVG_NS, strlen(SVG_NS)) == 0);
	/* Realistic: a few kilobytes of path. */
	assert_true(out->len > 2000);
}

/* A page with a draw and what it must hold. */
struct dcase {
	const char *name;
	struct page_draw d;
	bool again; /* the code was scanned before (warn page) */
	const char *zh[4];
	const char *en[4];
};

/* What every draw case starts from. */
static struct page_draw
dmk(int mode, int outcome)
{
	return (struct page_draw){
		.mode = mode,
		.campaign_name = "春季开盒有礼",
		.campaign_end = T_END,
		.form_code = "/D/ABCDEFGHJKMNPQRS",
		.form_event = 12345,
		.form_token = "dt_Zm9vYmFy-_",
		.outcome = outcome,
		.prize_name = "保温杯",
		.prize_kind = CAMPAIGN_PHYSICAL,
		.claim_text = CLAIM,
		.claim_expires = T_EXP,
		.claim_redeemed_at = T_RED,
		.claim_shop = "南京路店",
		.points = 50,
		.points_balance = 1250,
	};
}

/* Every draw mode and outcome with their variants. */
static struct dcase *
dcases(size_t *n)
{
	static struct dcase c[24];
	size_t i = 0;

	c[i++] = (struct dcase){
		"draw-open-package", dmk(PAGE_DRAW_OPEN_PACKAGE, 0), false,
		{ "<h2>开盒扫码抽奖</h2>",
		    "本商品正在参加「春季开盒有礼」活动。请打开包装，找到里面的"
		    "抽奖码（在盒内或瓶盖下），扫描它即可抽奖。",
		    "活动截止：<time datetime=\"2024-06-30T16:00:00Z\">" },
		{ "<h2>Open the package to draw</h2>",
		    "This product is in the campaign “春季开盒有礼”. Open the "
		    "package to find your prize code (inside the box or under "
		    "the cap) and scan it.",
		    "The campaign ends <time datetime=\"2024-06-30T16:00:00Z\">" }
	};
	c[i] = (struct dcase){
		"draw-open-package-unnamed", dmk(PAGE_DRAW_OPEN_PACKAGE, 0),
		true, { "<p>本商品正在参加抽奖活动。请打开包装" },
		{ "<p>This product is in a prize campaign. Open the package" }
	};
	c[i].d.campaign_name = NULL;
	c[i++].d.campaign_end = 0;
	c[i++] = (struct dcase){ "draw-offer", dmk(PAGE_DRAW_OFFER, 0), false,
		{ "<h2>您有一次抽奖机会</h2>",
		    "<p class=\"cp\">春季开盒有礼</p>", ">立即抽奖</button>",
		    "每个码只能抽奖一次。" },
		{ "<h2>You have a prize draw</h2>",
		    "<p class=\"cp\">春季开盒有礼</p>", ">Draw now</button>",
		    "One draw per code." } };
	c[i++] = (struct dcase){ "draw-offer-again", dmk(PAGE_DRAW_OFFER, 0),
		true, { "此码已被扫描 3 次", ">立即抽奖</button>" },
		{ "scanned 3 times", ">Draw now</button>" } };
	c[i++] = (struct dcase){ "draw-win",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_WIN), false,
		{ "<h2>恭喜您中奖了！</h2>", "<p class=\"pz\">保温杯</p>",
		    "<p class=\"cl m\">" CLAIM "</p>",
		    "<dt>领奖截止</dt><dd><time datetime=\""
		    "2024-06-03T00:00:00Z\">" },
		{ "<h2>Congratulations, you won!</h2>",
		    "<p class=\"cl m\">" CLAIM "</p>",
		    "<dt>Claim by</dt><dd><time datetime=\""
		    "2024-06-03T00:00:00Z\">",
		    "staff scan the QR code or type the code" } };
	c[i] = (struct dcase){ "draw-win-coupon",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_WIN), false,
		{ "<dt>面值</dt><dd class=\"dn\">¥10.00</dd>",
		    "<dt>使用条件</dt><dd>满100元可用</dd>",
		    "<dt>有效期</dt><dd><time datetime=\"2024-05-04T00:00:00Z\">"
		    "2024-05-04 00:00 UTC</time> 至 <time datetime=\""
		    "2024-06-03T00:00:00Z\">",
		    "<p class=\"pz\">满100减10元券</p>" },
		{ "<dt>Value</dt><dd class=\"dn\">¥10.00</dd>",
		    "<dt>Condition</dt><dd>满100元可用</dd>",
		    "<dt>Valid</dt><dd><time datetime=\"2024-05-04T00:00:00Z\">"
		    "2024-05-04 00:00 UTC</time> to <time datetime=\""
		    "2024-06-03T00:00:00Z\">" } };
	c[i].d.prize_kind = CAMPAIGN_COUPON;
	c[i].d.prize_name = "满100减10元券";
	c[i].d.coupon_face = "10.00";
	c[i].d.coupon_currency = "CNY";
	c[i].d.coupon_condition = "满100元可用";
	c[i++].d.coupon_valid_from = T_FROM;
	c[i] = (struct dcase){ "draw-win-coupon-usd",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_WIN), false,
		{ "<dt>有效期</dt><dd>至 <time",
		    "<dd class=\"dn\">5.00 USD</dd>" },
		{ "<dt>Valid</dt><dd>until <time",
		    "<dd class=\"dn\">5.00 USD</dd>" } };
	c[i].d.prize_kind = CAMPAIGN_COUPON;
	c[i].d.coupon_face = "5.00";
	c[i++].d.coupon_currency = "USD";
	c[i] = (struct dcase){ "draw-win-redeemed",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_WIN), false,
		{ "<h2>恭喜您中奖了！</h2>",
		    "此奖品已于 <time datetime=\"2024-05-10T03:04:00Z\">"
		    "2024-05-10 03:04 UTC</time> 在南京路店核销。" },
		{ "<h2>Congratulations, you won!</h2>",
		    "Redeemed on <time datetime=\"2024-05-10T03:04:00Z\">"
		    "2024-05-10 03:04 UTC</time> at 南京路店." } };
	c[i++].d.claim_redeemed = true;
	c[i] = (struct dcase){ "draw-win-redeemed-noshop",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_WIN), false,
		{ "2024-05-10 03:04 UTC</time>核销。" },
		{ "2024-05-10 03:04 UTC</time>." } };
	c[i].d.claim_shop = NULL;
	c[i++].d.claim_redeemed = true;
	c[i] = (struct dcase){ "draw-win-repeat",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_WIN), true,
		{ "<p class=\"rp\">此码已参加过抽奖，以下是它的抽奖结果。</p>",
		    "<h2>恭喜您中奖了！</h2>" },
		{ "<p class=\"rp\">This code has already been used for the "
		  "draw; here is its result.</p>",
		    "<h2>Congratulations, you won!</h2>" } };
	c[i++].d.repeat = true;
	c[i++] = (struct dcase){ "draw-ticket",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_TICKET), false,
		{ "<h2>您获得一张到店开奖券</h2>",
		    "<p class=\"lb\">开奖券码</p>", "<dt>开奖截止</dt><dd><time",
		    "店员开启时当场抽出奖品" },
		{ "<h2>You have a sealed ticket</h2>",
		    "Take it to a participating store; the prize is drawn when "
		    "staff open it.",
		    "<p class=\"lb\">Ticket code</p>", "<dt>Open by</dt><dd><time" } };
	c[i] = (struct dcase){ "draw-ticket-redeemed",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_TICKET), false,
		{ "此券已于 <time", "在南京路店开奖。" },
		{ "This ticket was opened on <time", "at 南京路店." } };
	c[i++].d.claim_redeemed = true;
	c[i++] = (struct dcase){ "draw-points",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_POINTS), false,
		{ "<h2>恭喜您获得积分！</h2>", "<p class=\"pt\">+50 积分</p>",
		    "<p>积分余额：1250</p>" },
		{ "<h2>You earned points!</h2>",
		    "<p class=\"pt\">+50 points</p>",
		    "<p>Your balance: 1250</p>" } };
	c[i] = (struct dcase){ "draw-points-one-repeat",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_POINTS), true,
		{ "<p class=\"pt\">+1 积分</p>", "以下是它的抽奖结果" },
		{ "<p class=\"pt\">+1 point</p>", "here is its result" } };
	c[i].d.points = 1;
	c[i].d.prize_name = NULL;
	c[i++].d.repeat = true;
	c[i++] = (struct dcase){ "draw-miss",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_MISS), false,
		{ "<h2>很遗憾，这次没有中奖</h2>", "谢谢参与！祝您下次好运。" },
		{ "<h2>Not this time</h2>",
		    "Thank you for taking part, and good luck next time." } };
	c[i] = (struct dcase){ "draw-miss-repeat",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_MISS), true,
		{ "此码已参加过抽奖", "这次没有中奖" },
		{ "already been used for the draw", "Not this time" } };
	c[i++].d.repeat = true;
	/* The refusal is in the page's language (set per language below). */
	c[i++] = (struct dcase){ "draw-refused",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_REFUSED), false,
		{ "<h2>本次未能抽奖</h2>",
		    "<p>今天的抽奖次数已用完，请明天再来。</p>",
		    "此码的抽奖机会仍然保留。" },
		{ "<h2>No draw this time</h2>",
		    "<p>You have used today&#39;s draws. Please come back "
		    "tomorrow.</p>",
		    "This code keeps its draw." } };
	c[i] = (struct dcase){ "draw-refused-empty",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_REFUSED), false,
		{ "<p>暂时无法抽奖。</p>" },
		{ "<p>The draw is not available now.</p>" } };
	c[i++].d.refusal = "";
	c[i++] = (struct dcase){ "draw-closed",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_CLOSED), false,
		{ "<h2>活动未在进行</h2>", "已暂停、已结束或尚未开始" },
		{ "<h2>The campaign is not running</h2>",
		    "paused, has ended or has not started yet" } };
	assert_true(i <= sizeof(c) / sizeof(c[0]));
	*n = i;
	return c;
}

/* The refusal words of a case, in a language. */
static const char *
refusal_for(const struct dcase *c, enum page_lang lang)
{
	if (c->d.outcome != PAGE_OUTCOME_REFUSED ||
	    c->d.mode != PAGE_DRAW_RESULT || c->d.refusal != NULL)
		return c->d.refusal;
	return lang == PAGE_LANG_EN ?
	    "You have used today's draws. Please come back tomorrow." :
	    "今天的抽奖次数已用完，请明天再来。";
}

/* True when the case shows a claim still to redeem (QR and how-to). */
static bool
shows_qr(const struct page_draw *d)
{
	return d->mode == PAGE_DRAW_RESULT && !d->claim_redeemed &&
	    (d->outcome == PAGE_OUTCOME_WIN ||
		d->outcome == PAGE_OUTCOME_TICKET);
}

/* Every draw mode and outcome in both languages: its texts, the QR code
 * where a claim waits, size, structure and place on the page. */
static void
test_draw_pages(void **state)
{
	struct buf svg = { 0 };
	size_t n;
	struct dcase *c = dcases(&n);

	(void)state;
	claim_svg(&svg);
	for (size_t i = 0; i < n; i++) {
		for (int l = PAGE_LANG_ZH; l <= PAGE_LANG_EN; l++) {
			struct page_draw d = c[i].d;
			struct page_scan p = c[i].again ?
			    mk(VERDICT_GENUINE, 3, false, true, 42) :
			    mk(VERDICT_GENUINE, 1, true, false, 41);
			const char *const *texts =
			    l == PAGE_LANG_EN ? c[i].en : c[i].zh;
			const char *html, *card, *details, *loc;
			struct buf b = { 0 };

			d.claim_qr_svg = (const char *)svg.data;
			d.refusal = refusal_for(&c[i], (enum page_lang)l);
			p.lang = (enum page_lang)l;
			p.draw = &d;
			assert_int_equal(page_render_scan(&p, &b), 0);
			html = (const char *)b.data;
			preview(c[i].name, l == PAGE_LANG_EN ? "en" : "zh", &b);
			check_page(&b, p.lang);
			for (size_t k = 0; k < 4 && texts[k] != NULL; k++)
				if (strstr(html, texts[k]) == NULL)
					fail_msg("%s/%d: missing \"%s\"",
					    c[i].name, l, texts[k]);
			if (strstr(html,
				(l == PAGE_LANG_EN ? c[i].zh : c[i].en)[0]) !=
			    NULL)
				fail_msg("%s/%d: other language", c[i].name, l);
			/* The verdict stays: the card follows it. */
			assert_non_null(strstr(html,
			    c[i].again ? "<main class=\"warn\">" :
					 "<main class=\"ok\">"));
			assert_int_equal(count(html, "id=\"draw\""), 1);
			assert_int_equal(count(html, ".dr{"), 1);
			card = strstr(html,
			    "<section class=\"cd dr\" id=\"draw\">");
			details = strstr(html, "<section class=\"cd\"><dl>");
			loc = strstr(html, "id=\"loc-box\"");
			assert_non_null(card);
			assert_non_null(details);
			assert_non_null(loc);
			assert_true(strstr(html, "</header>") < card);
			assert_true(card < details && details < loc);
			/* The QR code (raw) and how to claim, only while a
			 * claim waits; the claim code as text always. */
			assert_int_equal(count(html, (const char *)svg.data),
			    shows_qr(&d) ? 1 : 0);
			assert_int_equal(count(html, SVG_NS), shows_qr(&d));
			assert_int_equal(count(html, "<div class=\"qr\">"),
			    shows_qr(&d));
			assert_int_equal(
			    count(html, "<p class=\"cl m\">" CLAIM "</p>"),
			    d.mode == PAGE_DRAW_RESULT &&
				(d.outcome == PAGE_OUTCOME_WIN ||
				    d.outcome == PAGE_OUTCOME_TICKET));
			assert_int_equal(count(html, "<p class=\"hw\">"),
			    shows_qr(&d));
			/* The deadline (or validity) while a claim waits. */
			assert_int_equal(count(html, "截止</dt>") +
				count(html, " by</dt>") +
				count(html, "<dt>有效期</dt>") +
				count(html, "<dt>Valid</dt>"),
			    shows_qr(&d));
			assert_int_equal(count(html, "class=\"rp\""),
			    d.mode == PAGE_DRAW_RESULT && d.repeat);
			/* Only the offer posts, and nothing links to /draw. */
			assert_int_equal(count(html, "<form"),
			    d.mode == PAGE_DRAW_OFFER);
			assert_int_equal(count(html, "/draw"),
			    d.mode == PAGE_DRAW_OFFER);
			assert_null(strstr(html, "href=\"/draw"));
			assert_int_equal(count(html, "<h2>"), 1);
			if (b.len >= PAGE_LIMIT)
				fail_msg("%s: %zu bytes", c[i].name, b.len);
			buf_free(&b);
		}
	}
	buf_free(&svg);
}

/* The offer is a plain form POST to /draw with the three hidden fields,
 * escaped; without a draw (or mode none) nothing of it is on the page. */
static void
test_draw_form(void **state)
{
	struct page_draw d = dmk(PAGE_DRAW_OFFER, 0);
	struct page_scan p = mk(VERDICT_GENUINE, 1, true, false, 41);
	struct buf b = { 0 };
	const char *html;

	(void)state;
	p.draw = &d;
	d.form_event = UINT64_MAX;
	assert_int_equal(page_render_scan(&p, &b), 0);
	html = (const char *)b.data;
	assert_non_null(strstr(html,
	    "<form method=\"post\" action=\"/draw\" id=\"dw\">\n"
	    "<input type=\"hidden\" name=\"c\" value=\"/D/ABCDEFGHJKMNPQRS\">\n"
	    "<input type=\"hidden\" name=\"e\" "
	    "value=\"18446744073709551615\">\n"
	    "<input type=\"hidden\" name=\"t\" value=\"dt_Zm9vYmFy-_\">\n"
	    "<button type=\"submit\" class=\"big\" data-wait=\"正在抽奖…\">"
	    "立即抽奖</button>\n</form>\n"));
	assert_int_equal(count(strstr(html, "<form"), " name=\""), 3);
	assert_int_equal(count(html, "<button"), 2); /* and the location */
	buf_reset(&b);
	/* Hostile fields stay inside their attributes. */
	d.form_code = "/01/1?x=" HOSTILE;
	d.form_token = HOSTILE;
	d.form_event = 0;
	p.lang = PAGE_LANG_EN;
	assert_int_equal(page_render_scan(&p, &b), 0);
	html = (const char *)b.data;
	check_page(&b, PAGE_LANG_EN);
	assert_non_null(
	    strstr(html, "name=\"c\" value=\"/01/1?x=" HOSTILE_ESC "\">"));
	assert_non_null(strstr(html, "name=\"e\" value=\"0\">"));
	assert_non_null(strstr(html, "name=\"t\" value=\"" HOSTILE_ESC "\">"));
	assert_non_null(strstr(html, "data-wait=\"Drawing…\">Draw now<"));
	assert_null(strstr(html, "<script>alert"));
	buf_reset(&b);
	/* No draw: no card, no form, no draw styles. */
	for (int mode = -1; mode <= PAGE_DRAW_NONE; mode++) {
		d = dmk(PAGE_DRAW_NONE, 0);
		p.draw = mode < 0 ? NULL : &d;
		assert_int_equal(page_render_scan(&p, &b), 0);
		html = (const char *)b.data;
		assert_null(strstr(html, "id=\"draw\""));
		assert_null(strstr(html, "<form"));
		assert_null(strstr(html, ".dr{"));
		assert_null(strstr(html, "春季开盒有礼"));
		buf_reset(&b);
	}
	buf_free(&b);
}

/* Sets every string of a draw to s (the QR code to svg). */
static void
draw_strings(struct page_draw *d, const char *s, const char *svg)
{
	d->campaign_name = s;
	d->form_code = s;
	d->form_token = s;
	d->refusal = s;
	d->prize_name = s;
	d->coupon_face = s;
	d->coupon_currency = s;
	d->coupon_condition = s;
	d->claim_text = s;
	d->claim_qr_svg = svg;
	d->claim_shop = s;
}

/* Hostile and overlong strings in every mode, outcome and variant, both
 * languages: escaped, never raw, and the page (with a real QR code) stays
 * under 20 KB. */
static void
test_draw_hostile(void **state)
{
	struct buf svg = { 0 };
	char *longs;
	size_t worst = 0;

	(void)state;
	claim_svg(&svg);
	longs = malloc(4001);
	assert_non_null(longs);
	memset(longs, '"', 4000);
	longs[4000] = '\0';
	for (int mode = PAGE_DRAW_OPEN_PACKAGE; mode <= PAGE_DRAW_RESULT;
	     mode++)
		for (int oc = PAGE_OUTCOME_WIN; oc <= PAGE_OUTCOME_CLOSED + 1;
		     oc++)
			for (int v = 0; v < 48; v++) {
				struct page_draw d = dmk(mode, oc);
				struct page_scan p = (v & 4) ?
				    mk(VERDICT_GENUINE, 3, false, true, 42) :
				    mk(VERDICT_GENUINE, 1, true, false, 41);
				struct buf b = { 0 };
				const char *html;

				d.repeat = v & 1;
				d.claim_redeemed = v & 2;
				d.prize_kind = v >> 4; /* every kind */
				p.lang = (v & 8) ? PAGE_LANG_EN : PAGE_LANG_ZH;
				p.draw = &d;
				draw_strings(&d, HOSTILE,
				    (const char *)svg.data);
				assert_int_equal(page_render_scan(&p, &b), 0);
				html = (const char *)b.data;
				check_page(&b, p.lang);
				assert_null(strstr(html, "<script>alert"));
				assert_null(strstr(html, "alert(1)</script>"));
				assert_true(count(html, HOSTILE_ESC) >= 1);
				buf_reset(&b);
				draw_strings(&d, longs, (const char *)svg.data);
				assert_int_equal(page_render_scan(&p, &b), 0);
				check_page(&b, p.lang);
				worst = b.len > worst ? b.len : worst;
				buf_free(&b);
			}
	printf("# largest draw page with overlong fields: %zu bytes\n", worst);
	free(longs);
	buf_free(&svg);
}

/* The staff page: both languages, the form and its words, no field that
 * a browser would put in a URL, the prefill escaped and bounded. */
static void
test_staff_page(void **state)
{
	static const char *ids[] = { "id=\"rf\" hidden", "id=\"st-box\"",
		"<input id=\"st\" type=\"password\"",
		"id=\"st-saved\" class=\"mu\" hidden",
		"<a href=\"#\" id=\"st-chg\">", "<input id=\"cl\"",
		"<button type=\"button\" id=\"cam\" class=\"b2\" hidden>",
		"<video id=\"vid\" playsinline muted hidden></video>",
		"<button type=\"submit\" id=\"go\">",
		"<section class=\"cd\" id=\"out\" role=\"status\"",
		"data-401=\"", "data-403=\"", "data-404=\"", "data-409=\"",
		"data-410=\"", "data-net=\"", "data-ok=\"", "data-face=\"",
		"data-notyet=\"", "<noscript>",
		NULL };
	struct buf b = { 0 };
	char script[2][160], *longs;
	const char *html;

	(void)state;
	for (int l = PAGE_LANG_ZH; l <= PAGE_LANG_EN; l++) {
		assert_int_equal(
		    page_render_staff((enum page_lang)l, CLAIM, &b), 0);
		preview("staff", l == PAGE_LANG_EN ? "en" : "zh", &b);
		check_page(&b, (enum page_lang)l);
		html = (const char *)b.data;
		for (size_t k = 0; ids[k] != NULL; k++)
			if (strstr(html, ids[k]) == NULL)
				fail_msg("staff/%d: no %s", l, ids[k]);
		assert_non_null(strstr(html, "value=\"" CLAIM "\">"));
		assert_null(strstr(strstr(html, "<form"), " name="));
		assert_non_null(strstr(html,
		    l == PAGE_LANG_EN ? "<h1>Redeem a prize</h1>" :
					"<h1>门店核销</h1>"));
		assert_non_null(strstr(html,
		    l == PAGE_LANG_EN ? ">Redeem</button>" : ">核销</button>"));
		assert_non_null(strstr(html,
		    l == PAGE_LANG_EN ?
			"data-401=\"This store's token is not valid." :
			"data-401=\"门店令牌无效"));
		assert_null(strstr(html,
		    l == PAGE_LANG_EN ? "门店核销" : "Redeem a prize"));
		assert_non_null(strstr(html,
		    l == PAGE_LANG_EN ?
			"<a href=\"?claim=" CLAIM "&amp;lang=zh\"" :
			"<a href=\"?claim=" CLAIM "&amp;lang=en\""));
		/* The staff script: the redeem call, the stored token. */
		assert_non_null(strstr(html,
		    "fetch('/api/v1/claims/'+encodeURIComponent(c)+'/redeem',"
		    "{method:'POST'"));
		assert_non_null(strstr(html, "'Authorization':'Bearer '+t"));
		assert_non_null(strstr(html, "localStorage.setItem(K,t)"));
		assert_non_null(strstr(html, "'BarcodeDetector' in window"));
		assert_non_null(strstr(html,
		    l == PAGE_LANG_EN ?
			"data-done=\"Already redeemed on {t} at store {s}.\"" :
			"data-done=\"此奖品已于 {t} 在门店 {s} 核销。\""));
		assert_null(strstr(html, "innerHTML"));
		assert_null(strstr(html, "id=\"loc"));
		script_source(html, script[l], sizeof(script[l]));
		buf_reset(&b);
	}
	assert_string_equal(script[0], script[1]);
	/* No prefill. */
	assert_int_equal(page_render_staff(PAGE_LANG_ZH, NULL, &b), 0);
	preview("staff-empty", "zh", &b);
	check_page(&b, PAGE_LANG_ZH);
	assert_non_null(strstr((const char *)b.data, "value=\"\">"));
	assert_non_null(strstr((const char *)b.data, "<a href=\"?lang=en\""));
	buf_reset(&b);
	/* Hostile: escaped in the field, percent-encoded in the link. */
	assert_int_equal(page_render_staff(PAGE_LANG_ZH, HOSTILE, &b), 0);
	html = (const char *)b.data;
	check_page(&b, PAGE_LANG_ZH);
	assert_non_null(strstr(html, "value=\"" HOSTILE_ESC "\">"));
	assert_non_null(strstr(html,
	    "<a href=\"?claim=%22%3E%3Cscript%3Ealert(1)%3C/script%3E"
	    "&amp;lang=en\""));
	assert_null(strstr(html, "<script>alert"));
	buf_reset(&b);
	/* Overlong: cut, and the link drops it. */
	longs = malloc(4001);
	assert_non_null(longs);
	memset(longs, '"', 4000);
	longs[4000] = '\0';
	assert_int_equal(page_render_staff(PAGE_LANG_EN, longs, &b), 0);
	html = (const char *)b.data;
	check_page(&b, PAGE_LANG_EN);
	assert_non_null(strstr(html, "<a href=\"?lang=zh\""));
	assert_true(count(html, "&quot;") <= 64);
	free(longs);
	buf_free(&b);
}

/* In a child whose address space is capped just above its use, renders
 * into a buffer that must grow by 8 MiB: each renderer must answer
 * -ENOMEM and leave the buffer as it was. Exit status: 0 pass, 1 + which
 * failed, 77 when the allocation could not be made to fail. */
static int
enomem_child(void)
{
	const size_t cap = 8u << 20;
	struct page_scan p = mk(VERDICT_GENUINE, 3, false, true, 5);
	struct rlimit rl;
	struct buf b = { 0 };
	unsigned long pages;
	FILE *f;
	void *probe;

	/* cap - 256 bytes, so that the buffer holds exactly cap bytes. */
	if (buf_reserve(&b, cap - 257) != 0 || b.cap != cap)
		return 1;
	memset(b.data, 'x', cap - 256);
	b.len = cap - 256;
	b.data[b.len] = '\0';
	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		return 77;
	if (fscanf(f, "%lu", &pages) != 1) {
		fclose(f);
		return 77;
	}
	fclose(f);
	rl.rlim_cur = rl.rlim_max = pages * (rlim_t)sysconf(_SC_PAGESIZE) +
	    (2u << 20);
	if (setrlimit(RLIMIT_AS, &rl) != 0)
		return 77;
	if ((probe = malloc(cap)) != NULL) {
		free(probe);
		return 77;
	}
	p.self_path = "/01/1/21/X?S=1";
	if (page_render_scan(&p, &b) != -ENOMEM)
		return 2;
	if (page_render_product(PAGE_LANG_EN, "09506000134352", &b) != -ENOMEM)
		return 3;
	if (page_render_error(PAGE_LANG_ZH, 503, &b) != -ENOMEM)
		return 4;
	if (page_escape(&b, (const char *)b.data, b.len) != -ENOMEM)
		return 5;
	if (page_render_staff(PAGE_LANG_ZH, "ABCD", &b) != -ENOMEM)
		return 8;
	p.draw = &draw_win_full;
	if (page_render_scan(&p, &b) != -ENOMEM)
		return 9;
	if (b.len != cap - 256 || b.data[b.len] != '\0' ||
	    memchr(b.data, 0, b.len) != NULL)
		return 6;
	for (size_t i = 0; i < b.len; i++)
		if (b.data[i] != 'x')
			return 7;
	return 0;
}

/* Out of memory: -ENOMEM, no crash, the buffer unchanged. */
static void
test_enomem(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	/* The sanitizers reserve terabytes of address space up front. */
	if (getenv("SCANLOOP_SANITIZED") != NULL)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(enomem_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Renders append to what the buffer holds. */
static void
test_append(void **state)
{
	struct page_scan p = mk(VERDICT_FORGED, 1, false, false, 0);
	struct buf b = { 0 }, alone = { 0 };

	(void)state;
	assert_int_equal(buf_puts(&b, "HTTP/1.1 200 OK\r\n\r\n"), 0);
	assert_int_equal(page_render_scan(&p, &b), 0);
	assert_int_equal(page_render_scan(&p, &alone), 0);
	assert_int_equal(b.len, 19 + alone.len);
	assert_memory_equal(b.data + 19, alone.data, alone.len);
	buf_reset(&b);
	assert_int_equal(page_render_error(PAGE_LANG_ZH, 404, &b), 0);
	assert_int_equal(page_render_error(PAGE_LANG_ZH, 404, &b), 0);
	assert_int_equal(count((const char *)b.data, "<!doctype html>"), 2);
	buf_free(&b);
	buf_free(&alone);
}

/* page_escape: the five characters, NUL dropped, the rest untouched. */
static void
test_escape(void **state)
{
	static const char in[] = "a&b<c>d\"e'f\0g 中文&";
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(page_escape(&b, in, sizeof(in) - 1), 0);
	assert_int_equal(b.len,
	    strlen("a&amp;b&lt;c&gt;d&quot;e&#39;fg 中文"
		   "&amp;"));
	assert_string_equal((const char *)b.data,
	    "a&amp;b&lt;c&gt;d&quot;e&#39;fg 中文&amp;");
	buf_reset(&b);
	assert_int_equal(page_escape(&b, "", 0), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(page_escape(&b, "plain", 5), 0);
	assert_string_equal((const char *)b.data, "plain");
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
	char want[400], staff[160];
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
	/* Two scripts: the code pages' and the staff page's, each the same
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
	assert_int_equal(count(csp, "'sha256-"), 2);
	snprintf(want + strlen(want), sizeof(want) - strlen(want), " %s;",
	    staff);
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
		cmocka_unit_test(test_scan_pages),
		cmocka_unit_test(test_scan_fields),
		cmocka_unit_test(test_location_button),
		cmocka_unit_test(test_hostile_input),
		cmocka_unit_test(test_lang_link),
		cmocka_unit_test(test_product_page),
		cmocka_unit_test(test_error_pages),
		cmocka_unit_test(test_draw_pages),
		cmocka_unit_test(test_draw_form),
		cmocka_unit_test(test_draw_hostile),
		cmocka_unit_test(test_staff_page),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_lang_pick),
		cmocka_unit_test(test_lang_pick_garbage),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
