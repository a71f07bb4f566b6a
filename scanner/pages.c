/*
 * pages.c — what every page shares: the output helpers, the frame of a
 * page (head, coloured header, language link, script), and the small
 * product and error pages; and the Content-Security-Policy that allows
 * the pages' two scripts. The code pages are in page_scan.c and
 * page_draw.c, the staff page in page_staff.c, the language in lang.c.
 */
#include "scanner/pages.h"
#include "scanner/pages_assets.h"
#include "scanner/pages_internal.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pthread_once_t page_csp_once = PTHREAD_ONCE_INIT;
static char page_csp_text[512];

/* Appends the decimal digits of v, after a '-' when neg. */
void
page_put_dec(struct page_out *o, uint64_t v, bool neg)
{
	char tmp[21];
	size_t n = 0;

	if (neg)
		tmp[n++] = '-';
	n += buf_dec(tmp + n, v);
	if (o->ret == 0)
		o->ret = buf_append(o->b, tmp, n);
}

/* Appends v in upper-case hex, at least two digits. */
static void
page_put_hex(struct page_out *o, uint64_t v)
{
	char tmp[16];
	size_t n = sizeof(tmp);

	do {
		tmp[--n] = "0123456789ABCDEF"[v & 15];
		v >>= 4;
	} while (v > 0 || n > sizeof(tmp) - 2);
	if (o->ret == 0)
		o->ret = buf_append(o->b, tmp + n, sizeof(tmp) - n);
}

/* Length of a conversion page_putf makes itself (%%, %s, %d, %u, %ld,
 * %lu, %lld, %llu, %02X: what the pages use but floating point), after
 * its '%'; 0 for any other. */
static size_t
page_conv_len(const char *p)
{
	size_t n = 0;

	if (p[0] == '%' || p[0] == 's' || p[0] == 'd' || p[0] == 'u')
		return 1;
	if (p[0] == '0' && p[1] == '2' && p[2] == 'X')
		return 3;
	while (n < 2 && p[n] == 'l')
		n++;
	return n > 0 && (p[n] == 'd' || p[n] == 'u') ? n + 1 : 0;
}

/* Appends text formatted the slow way (floating point). */
static void
page_putf_libc(struct page_out *o, const char *fmt, va_list ap)
{
	char tmp[256];
	int n;

	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	/* Only short numbers are formatted here. */
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		o->ret = -EINVAL;
		return;
	}
	o->ret = buf_append(o->b, tmp, (size_t)n);
}

/* Appends formatted text: integers and strings without the printf
 * family (a page formats several per scan), the rest through it. */
void
page_putf(struct page_out *o, const char *fmt, ...)
{
	size_t start = o->b->len;
	const char *p, *pc;
	va_list ap;

	if (o->ret != 0)
		return;
	for (p = fmt; (pc = strchr(p, '%')) != NULL; p = pc + 1 +
	    page_conv_len(pc + 1))
		if (page_conv_len(pc + 1) == 0) {
			va_start(ap, fmt);
			page_putf_libc(o, fmt, ap);
			va_end(ap);
			return;
		}
	va_start(ap, fmt);
	for (p = fmt; o->ret == 0 && *p != '\0'; ) {
		size_t run = (pc = strchr(p, '%')) != NULL ? (size_t)(pc - p) :
		    strlen(p);
		bool ll = false;

		if (run > 0)
			o->ret = buf_append(o->b, p, run);
		if (pc == NULL)
			break;
		p = pc + 1 + page_conv_len(pc + 1);
		switch (pc[1]) {
		case '%':
			put(o, "%");
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);

			put(o, str != NULL ? str : "(null)");
			break;
		}
		case 'd': {
			int v = va_arg(ap, int);

			page_put_dec(o, v < 0 ? 0 - (uint64_t)v : (uint64_t)v,
			    v < 0);
			break;
		}
		case 'u':
			page_put_dec(o, va_arg(ap, unsigned), false);
			break;
		case '0':
			page_put_hex(o, va_arg(ap, unsigned));
			break;
		default:	/* l, ll */
			ll = pc[2] == 'l';
			if (p[-1] == 'u')
				page_put_dec(o, ll ? va_arg(ap, unsigned long long) :
				    va_arg(ap, unsigned long), false);
			else {
				long long v = ll ? va_arg(ap, long long) :
				    va_arg(ap, long);

				page_put_dec(o, v < 0 ? 0 - (uint64_t)v :
				    (uint64_t)v, v < 0);
			}
			break;
		}
	}
	va_end(ap);
	/* As with vsnprintf into 256 bytes: short texts only. */
	if (o->ret == 0 && o->b->len - start >= 256) {
		o->b->len = start;
		o->b->data[start] = '\0';
		o->ret = -EINVAL;
	}
}

/* The entity of each byte that HTML text must not hold raw (NULL: the
 * byte itself). */
static const char *const page_entity[256] = {
	['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;",
	['\''] = "&#39;", ['\0'] = "",	/* NUL is never valid in HTML text */
};

/* Appends HTML-escaped text. */
int
page_escape(struct buf *out, const char *s, size_t len)
{
	size_t i, run = 0;
	const char *rep;
	int ret;

	for (i = 0; i < len; i++) {
		if ((rep = page_entity[(unsigned char)s[i]]) == NULL)
			continue;
		if ((ret = buf_append(out, s + run, i - run)) < 0 ||
		    (ret = buf_append(out, rep, strlen(rep))) < 0)
			return ret;
		run = i + 1;
	}
	if ((ret = buf_append(out, s + run, len - run)) < 0)
		return ret;
	return 0;
}

/* True for a byte that an href may hold as it is (HTML-escaped). */
static inline bool
page_url_raw(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != '<' && c != '>' &&
	    c != '\\' && c != '`' && c != '#';
}

/* Appends part of a URL for an href: characters a URL may not hold raw
 * are percent-encoded, the rest HTML-escaped, in one pass. */
static void
put_url(struct page_out *o, const char *s, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len && o->ret == 0; i++) {
		unsigned char c = (unsigned char)s[i];
		bool raw = page_url_raw(c);

		if (raw && page_entity[c] == NULL)
			continue;
		o->ret = buf_append(o->b, s + run, i - run);
		if (raw)
			put(o, page_entity[c]);	/* & and ' */
		else {
			put(o, "%");
			page_put_hex(o, c);
		}
		run = i + 1;
	}
	if (o->ret == 0)
		o->ret = buf_append(o->b, s + run, len - run);
}

/* Appends a Unix time in µs as <time>, in UTC until the script makes it
 * local. The text of the last second formatted is kept per thread: a
 * page's time is mostly its own scan's, so most pages format none. */
void
page_put_time(struct page_out *o, int64_t us)
{
	static _Thread_local time_t last = -1;
	static _Thread_local char text[128];
	static _Thread_local size_t text_len;
	time_t sec;

	sec = (time_t)(us / 1000000 - (us % 1000000 < 0 ? 1 : 0));
	if (sec != last) {
		char iso[48], human[48];
		struct tm tm;
		int n;

		if (gmtime_r(&sec, &tm) == NULL ||
		    strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 ||
		    strftime(human, sizeof(human), "%Y-%m-%d %H:%M UTC",
			&tm) == 0 ||
		    (n = snprintf(text, sizeof(text),
			"<time datetime=\"%s\">%s</time>", iso, human)) < 0 ||
		    (size_t)n >= sizeof(text)) {
			last = -1;
			put(o, "?");
			return;
		}
		text_len = (size_t)n;
		last = sec;
	}
	if (o->ret == 0)
		o->ret = buf_append(o->b, text, text_len);
}

/* Appends everything up to and including <main class="cls">; css2 (or
 * NULL) follows the common style sheet. */
void
page_open(struct page_out *o, enum page_lang lang, const char *title,
    const char *cls, const char *css2)
{
	put(o, "<!doctype html>\n<html lang=\"");
	put(o, page_lang_tag(lang));
	put(o,
	    "\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" "
	    "content=\"width=device-width,initial-scale=1\">\n"
	    "<meta name=\"format-detection\" content=\"telephone=no\">\n"
	    "<meta name=\"color-scheme\" content=\"light dark\">\n<title>");
	put(o, title);
	put(o, TR(lang, " · 扫码验证", " · Product check"));
	put(o, "</title>\n<style>");
	put(o, page_css);
	if (css2 != NULL)
		put(o, css2);
	put(o, "</style>\n</head>\n<body>\n<main class=\"");
	put(o, cls);
	put(o, "\">\n");
}

/* Appends the coloured header's icon and headline; the caller adds its
 * paragraphs and closes it with "</header>". */
void
page_hero(struct page_out *o, const char *icon, const char *headline)
{
	put(o, "<header class=\"hd\">");
	put(o, icon);
	put(o, "<h1>");
	put(o, headline);
	put(o, "</h1>\n");
}

/* Appends the language link: self_path without its lang= parameters, plus
 * the other language's. */
void
page_lang_link(struct page_out *o, enum page_lang lang, const char *self)
{
	const char *q = NULL, *p, *end;
	bool first = true;

	put(o, "<footer><a href=\"");
	if (self != NULL && strnlen(self, PAGE_SELF_MAX + 1) <= PAGE_SELF_MAX) {
		q = strchr(self, '?');
		/* Keep the path only when it cannot leave the site
		 * ("//host" and "/\host" are network paths to browsers). */
		if (self[0] == '/' && self[1] != '/' && self[1] != '\\')
			put_url(o, self,
			    q != NULL ? (size_t)(q - self) : strlen(self));
	}
	put(o, "?");
	for (p = q != NULL ? q + 1 : NULL; p != NULL && *p != '\0'; p = end) {
		size_t n;

		end = strchr(p, '&');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		end = end != NULL ? end + 1 : p + n;
		if (n == 0 ||
		    (n >= 4 && memcmp(p, "lang", 4) == 0 &&
			(n == 4 || p[4] == '=')))
			continue;
		if (!first)
			put(o, "&amp;");
		put_url(o, p, n);
		first = false;
	}
	if (!first)
		put(o, "&amp;");
	put(o,
	    TR(lang, "lang=en\" hreflang=\"en\" lang=\"en\">English",
		"lang=zh\" hreflang=\"zh-CN\" lang=\"zh-CN\">中文"));
	put(o, "</a></footer>\n");
}

/* Appends the end of every page: the language link and the script. */
void
page_close(struct page_out *o, enum page_lang lang, const char *self,
    enum page_script_kind script)
{
	page_lang_link(o, lang, self);
	put(o, "</main>\n<script>");
	put(o, script == PAGE_SCRIPT_STAFF ? page_staff_script :
	    script == PAGE_SCRIPT_CHECKIN ? page_checkin_script :
	    script == PAGE_SCRIPT_GROUP ? page_group_script : page_script);
	put(o, "</script>\n</body>\n</html>\n");
}

/* Ends a render: on failure, out is left as it was. */
int
page_finish(struct page_out *o, size_t start)
{
	if (o->ret != 0) {
		o->b->len = start;
		if (o->b->data != NULL)
			o->b->data[start] = '\0';
		return o->ret;
	}
	return 0;
}

/* Appends the product page for GET /01/{GTIN}. */
int
page_render_product(enum page_lang lang, const char *gtin, struct buf *out)
{
	struct page_out o = { out, 0 };
	size_t start = out->len;

	page_open(&o, lang, TR(lang, "商品信息", "Product"), "info", NULL);
	page_hero(&o, page_icon_info, TR(lang, "商品信息", "Product"));
	put(&o,
	    TR(lang, "<p>此地址代表一种商品，而不是某一件商品。</p>\n",
		"<p>This address stands for a product, not for one item.</p>\n"));
	put(&o, "</header>\n");
	if (gtin != NULL && *gtin != '\0') {
		put(&o, "<section class=\"cd\"><dl>\n");
		put_field(&o, TR(lang, "商品编码", "Product (GTIN)"), gtin);
		put(&o, "</dl></section>\n");
	}
	put(&o, "<section class=\"cd\"><p>");
	put(&o,
	    TR(lang,
		"每件商品的包装上都有它自己的二维码。"
		"扫描包装上的二维码，即可验证这一件商品是否为正品。",
		"Each package carries its own code. Scan the QR code on the "
		"package to check that the item is genuine."));
	put(&o, "</p></section>\n");
	page_close(&o, lang, NULL, PAGE_SCRIPT_CODE);
	return page_finish(&o, start);
}

/* Appends a short page for an HTTP error status. */
int
page_render_error(enum page_lang lang, int status, struct buf *out)
{
	struct page_out o = { out, 0 };
	size_t start = out->len;
	const char *title, *text;

	switch (status) {
	case 400:
		title = TR(lang, "请求无效", "Bad request");
		text = TR(lang, "无法读取此链接。请重新扫描包装上的二维码。",
		    "This link could not be read. Please scan the code on "
		    "the package again.");
		break;
	case 404:
		title = TR(lang, "页面不存在", "Page not found");
		text = TR(lang, "请检查链接，或重新扫描包装上的二维码。",
		    "Please check the link, or scan the code on the package "
		    "again.");
		break;
	case 405:
		title = TR(lang, "不支持此操作", "Method not allowed");
		text = TR(lang, "此地址不支持这种请求。",
		    "This address does not accept this kind of request.");
		break;
	case 413:
		title = TR(lang, "请求过大", "Request too large");
		text = TR(lang, "发送的数据超过了允许的大小。",
		    "The request was larger than this service accepts.");
		break;
	case 429:
		title = TR(lang, "请求过于频繁", "Too many requests");
		text = TR(lang, "请稍等片刻再试。",
		    "Please slow down, wait a moment and try again.");
		break;
	case 500:
		title = TR(lang, "服务器出错", "Something went wrong");
		text = TR(lang, "服务器出现问题，请稍后再试。",
		    "The server had a problem. Please try again in a "
		    "moment.");
		break;
	case 503:
		title = TR(lang, "暂时无法服务", "Temporarily unavailable");
		text = TR(lang, "服务暂时繁忙或正在维护，请几分钟后再试。",
		    "The service is busy or under maintenance. Please try "
		    "again in a few minutes.");
		break;
	default:
		title = TR(lang, "出错了", "Error");
		text = TR(lang, "无法完成此请求。",
		    "The request could not be completed.");
		break;
	}
	page_open(&o, lang, title, "info", NULL);
	page_hero(&o, page_icon_info, title);
	put(&o, "<p>");
	put(&o, text);
	put(&o, "</p>\n");
	if (status >= 100 && status <= 999)
		page_putf(&o, "<p class=\"m st\">HTTP %d</p>\n", status);
	put(&o, "</header>\n");
	page_close(&o, lang, NULL, PAGE_SCRIPT_CODE);
	return page_finish(&o, start);
}

/* Appends the CSP source of a script: 'sha256-BASE64'. Returns false
 * when it cannot be hashed. */
static bool
page_csp_hash(char *out, size_t outlen, const char *script, size_t len)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
	    sodium_base64_VARIANT_ORIGINAL)];
	size_t used = strlen(out);
	int n;

	if (crypto_hash_sha256(h, (const unsigned char *)script, len) != 0)
		return false;
	sodium_bin2base64(b64, sizeof(b64), h, sizeof(h),
	    sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(out + used, outlen - used, "%s'sha256-%s'",
	    used > 0 ? " " : "", b64);
	return n > 0 && (size_t)n < outlen - used;
}

/* Builds the policy once: the SHA-256 of the scripts in base64. */
static void
page_csp_init(void)
{
	char scripts[384] = "";

	if (sodium_init() < 0 ||
	    !page_csp_hash(scripts, sizeof(scripts), page_script,
		sizeof(page_script) - 1) ||
	    !page_csp_hash(scripts, sizeof(scripts), page_staff_script,
		sizeof(page_staff_script) - 1) ||
	    !page_csp_hash(scripts, sizeof(scripts), page_checkin_script,
		sizeof(page_checkin_script) - 1) ||
	    !page_csp_hash(scripts, sizeof(scripts), page_group_script,
		sizeof(page_group_script) - 1))
		strcpy(scripts, "'none'");
	/* Without the hashes the code pages still work: times stay in UTC
	 * and the location section stays hidden (the staff page says it
	 * needs JavaScript). */
	snprintf(page_csp_text, sizeof(page_csp_text),
	    "default-src 'none'; style-src 'unsafe-inline'; "
	    "script-src %s; connect-src 'self'; img-src data:; "
	    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
	    scripts);
}

/* The Content-Security-Policy value; computed once, thread-safe. */
const char *
page_csp(void)
{
	(void)pthread_once(&page_csp_once, page_csp_init);
	return page_csp_text;
}
