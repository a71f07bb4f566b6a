/*
 * pages_internal.h — what the page renderers share (pages.c, page_scan.c,
 * page_fast.c, page_draw.c, page_staff.c). Not an API: the server uses
 * pages.h only.
 *
 * A page is appended to a struct page_out, whose error is sticky: after
 * the first failure every put does nothing, and page_finish() puts the
 * buffer back as it was. The small helpers called for every fragment are
 * static inline here, so a page costs the same whichever file renders it.
 */
#ifndef SCANLOOP_PAGES_INTERNAL_H
#define SCANLOOP_PAGES_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/buf.h"
#include "scanner/pages.h"

/* Longest self_path kept in the language link; a longer (hostile) one is
 * replaced by a bare "?lang=…", which keeps the page small. */
#define PAGE_SELF_MAX 512
/* Longest reason, GTIN or serial shown (they are short when honest). */
#define PAGE_FIELD_MAX 160
/* Longest location token kept whole (the server makes them short). */
#define PAGE_TOKEN_MAX 1024
/* Longest campaign, prize or shop name shown (campaign.h allows 192). */
#define PAGE_NAME_MAX 200
/* Longest coupon condition or refusal shown (campaign.h allows 384). */
#define PAGE_TEXT_MAX 400
/* Longest face value or currency shown (campaign.h keeps 31 and 7). */
#define PAGE_MONEY_MAX 32
/* Longest claim code shown (draw.h makes 29 characters). */
#define PAGE_CLAIM_MAX 64

/* Text in the page's language. */
#define TR(lang, zh, en) ((lang) == PAGE_LANG_EN ? (en) : (zh))

/* Output with a sticky error: after the first failure nothing is added. */
struct page_out {
	struct buf *b;
	int ret;
};

/* The script a page ends with; page_csp() allows exactly these. */
enum page_script_kind {
	PAGE_SCRIPT_CODE,	/* code, product and error pages */
	PAGE_SCRIPT_STAFF,	/* the staff page */
	PAGE_SCRIPT_CHECKIN,	/* the check-in pages (page_checkin.c) */
	PAGE_SCRIPT_GROUP,	/* the group pages (page_group.c) */
};

/* Appends a string. Inline, so that the length of a literal (most of a
 * page) is known when compiling, not counted for every page. */
static inline void
put(struct page_out *o, const char *s)
{
	if (o->ret == 0)
		o->ret = buf_append(o->b, s, strlen(s));
}

/* Appends a string HTML-escaped, cut at max bytes on a UTF-8 boundary. */
static inline void
put_esc(struct page_out *o, const char *s, size_t max)
{
	size_t len;

	if (o->ret != 0 || s == NULL)
		return;
	len = strnlen(s, max + 1);
	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	o->ret = page_escape(o->b, s, len);
}

/* Appends a <dt>/<dd> pair with an escaped, monospaced value. */
static inline void
put_field(struct page_out *o, const char *label, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	put(o, "<dt>");
	put(o, label);
	put(o, "</dt><dd class=\"m\">");
	put_esc(o, value, PAGE_FIELD_MAX);
	put(o, "</dd>\n");
}

/* True when the page has a prize-draw part. */
static inline bool
page_scan_has_draw(const struct page_scan *p)
{
	return p->draw != NULL && p->draw->mode != PAGE_DRAW_NONE;
}

/* Appends the decimal digits of v, after a '-' when neg. */
void page_put_dec(struct page_out *o, uint64_t v, bool neg);
/* Appends the language link of page_close: "<footer><a href=\"" self
 * without its lang= parameters, the other language, "</a></footer>\n". */
void page_lang_link(struct page_out *o, enum page_lang lang,
    const char *self);
/* Appends formatted text (short numbers only: -EINVAL past 255 bytes). */
void page_putf(struct page_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends a Unix time in µs as <time>, in UTC until the script makes it
 * local. */
void page_put_time(struct page_out *o, int64_t us);
/* Appends everything up to and including <main class="cls">; css2 (or
 * NULL) follows the common style sheet. */
void page_open(struct page_out *o, enum page_lang lang, const char *title,
    const char *cls, const char *css2);
/* Appends the coloured header's icon and headline; the caller adds its
 * paragraphs and closes it with "</header>". */
void page_hero(struct page_out *o, const char *icon, const char *headline);
/* Appends the end of every page: the language link (to self without its
 * lang= parameters; NULL or hostile: the query only) and the script. */
void page_close(struct page_out *o, enum page_lang lang, const char *self,
    enum page_script_kind script);
/* Ends a render: returns o's error, and on failure leaves the buffer as it
 * was at start. */
int page_finish(struct page_out *o, size_t start);

/* Appends the prize-draw card of a code page (page_draw.c): the notice to
 * open the package, the draw form, or the result; nothing without a draw. */
void page_scan_draw(struct page_out *o, const struct page_scan *p);

#endif
