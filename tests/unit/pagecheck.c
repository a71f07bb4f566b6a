/* pagecheck.c — what the page tests share: the code page the fixtures
 * start from, and the checks that every page must pass. */
#include "testutil.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "scanner/pages.h"
#include "pagecheck.h"

/* 2024-05-03T06:05:09Z, and a quarter second. */
#define T_FIRST 1714716309250000LL

/* The code page the fixtures start from. */
const struct page_scan base = {
	.gtin = "09506000134352",
	.serial = "AB3DEFGHIJKLA",
	.batch_id = 7,
	.first_time = T_FIRST,
	.self_path = "/01/09506000134352/21/AB3DEFGHIJKLA?S=abc",
};

/* Sets the fields that differ from base. */
struct page_scan
mk(int verdict, uint32_t scans, bool first, bool loc, uint64_t ev)
{
	struct page_scan p = base;

	p.verdict = verdict;
	p.scans = scans;
	p.this_is_first = first;
	/* As the server judges a page whose scan it cannot weigh. */
	p.repeat = !first && scans > 1 ? PAGE_REPEAT_OTHER : PAGE_REPEAT_NONE;
	p.first_has_location = loc;
	p.first_lat = 31.2304;
	p.first_lon = 121.4737;
	p.event_id = ev;
	p.location_token = ev != 0 ? "tok_Zm9vYmFy-_" : NULL;
	return p;
}

/* Counts the occurrences of needle in hay. */
size_t
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
void
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
bool
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
void
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
void
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
