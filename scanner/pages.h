/*
 * pages.h — the HTML a phone sees: verdict pages, the product page, and
 * error pages, in Simplified Chinese or English.
 *
 * Pages are self-contained (inline CSS and one inline script, no external
 * assets), mobile-first and under 20 KB. The script is the same bytes on
 * every page, so the Content-Security-Policy can name its SHA-256 instead
 * of allowing inline scripts; per-page data travels in data- attributes.
 * Every dynamic string is HTML-escaped. All functions are thread-safe.
 */
#ifndef SCANLOOP_PAGES_H
#define SCANLOOP_PAGES_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "scanner/http_parse.h"

enum page_lang {
	PAGE_LANG_ZH,		/* zh-CN */
	PAGE_LANG_EN,
};

/* What a scan page shows. */
struct page_scan {
	enum page_lang lang;
	int verdict;			/* enum verdict (scanner/verify.h) */
	const char *reason;		/* verify's reason, for forged/malformed */
	int void_reason;		/* enum store_void_reason */
	const char *gtin;		/* 14 digits, or NULL */
	const char *serial;		/* 13 base32 characters, or NULL */
	uint32_t batch_id;
	uint32_t scans;			/* human scans, this one included */
	int64_t first_time;		/* first human scan, Unix µs (0: none) */
	bool first_has_location;
	double first_lat;
	double first_lon;
	bool this_is_first;		/* this scan is the first human scan */
	uint64_t event_id;		/* 0: no location button */
	const char *location_token;	/* for POST .../location */
	const char *self_path;		/* this page's path+query, for the
					 * language switch link (escaped) */
};

/* Picks the language: ?lang=zh|en wins, then Accept-Language by q-value
 * (any zh-* → Chinese), else Chinese. */
enum page_lang page_lang_pick(struct http_slice accept_language,
    struct http_slice query);
/* "zh-CN" or "en". */
const char *page_lang_tag(enum page_lang lang);
/* Appends a verdict page. Returns 0 or -ENOMEM. */
int page_render_scan(const struct page_scan *p, struct buf *out)
    __attribute__((warn_unused_result));
/* Appends the page for GET /01/{GTIN} (a product, no serial). */
int page_render_product(enum page_lang lang, const char *gtin, struct buf *out)
    __attribute__((warn_unused_result));
/* Appends a short page for an HTTP error (404 unknown path, 429, 503...). */
int page_render_error(enum page_lang lang, int status, struct buf *out)
    __attribute__((warn_unused_result));
/* The Content-Security-Policy header value for these pages. */
const char *page_csp(void);
/* Appends s HTML-escaped (&, <, >, ", '). */
int page_escape(struct buf *out, const char *s, size_t len)
    __attribute__((warn_unused_result));

#endif
