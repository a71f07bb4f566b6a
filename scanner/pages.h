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
#include <sys/uio.h>

#include "common/buf.h"
#include "scanner/http_parse.h"

enum page_lang {
	PAGE_LANG_ZH,		/* zh-CN */
	PAGE_LANG_EN,
};

/* The prize-draw part of a code page (issue 5). */
enum page_draw_mode {
	PAGE_DRAW_NONE,
	PAGE_DRAW_OPEN_PACKAGE,	/* outer code of a batch with draw codes:
				 * "open the package to find your prize code" */
	PAGE_DRAW_OFFER,	/* a draw button (a form POST to /draw) */
	PAGE_DRAW_RESULT,	/* what the draw gave (now, or before) */
};

enum page_draw_outcome {
	PAGE_OUTCOME_WIN,	/* a physical or coupon prize: a claim */
	PAGE_OUTCOME_POINTS,	/* points credited */
	PAGE_OUTCOME_TICKET,	/* a sealed ticket to open at a shop */
	PAGE_OUTCOME_MISS,
	PAGE_OUTCOME_REFUSED,	/* a risk limit: refusal holds the words */
	PAGE_OUTCOME_CLOSED,	/* the campaign is not running */
};

struct page_draw {
	int mode;			/* enum page_draw_mode */
	const char *campaign_name;
	int64_t campaign_end;		/* Unix µs */
	bool checkin;			/* the campaign rewards store check-ins:
					 * a link to the check-in page (/K/) */
	const char *group_campaign;	/* the campaign has group rules: a
					 * link to start one (/G/), or NULL */
	/* PAGE_DRAW_OFFER: the form's hidden fields. */
	const char *form_code;		/* the code's path (outer or /D/...) */
	uint64_t form_event;		/* the event of this page */
	const char *form_token;		/* one-time draw token */
	/* PAGE_DRAW_RESULT */
	int outcome;			/* enum page_draw_outcome */
	bool repeat;			/* the code drew before: first result */
	const char *refusal;		/* PAGE_OUTCOME_REFUSED */
	const char *prize_name;		/* WIN, POINTS */
	int prize_kind;			/* enum campaign_kind (campaign.h) */
	int64_t points;			/* POINTS: credited */
	int64_t points_balance;
	const char *coupon_face;	/* coupon prizes */
	const char *coupon_currency;
	const char *coupon_condition;
	int64_t coupon_valid_from;	/* 0: from the draw */
	const char *claim_text;		/* WIN, TICKET: "ABCD-EFGH-..." */
	const char *claim_qr_svg;	/* an inline <svg> of the claim URL */
	int64_t claim_expires;
	bool claim_redeemed;		/* already redeemed (when, where) */
	int64_t claim_redeemed_at;
	const char *claim_shop;
};

/* Whether a scan repeats an earlier person's scan of the code. */
enum page_repeat {
	PAGE_REPEAT_NONE,
	PAGE_REPEAT_SELF,	/* this visitor's: "you scanned this before" */
	PAGE_REPEAT_OTHER,	/* another visitor's: may have been copied */
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
	int repeat;			/* enum page_repeat */
	int64_t repeat_since;		/* SELF: the visitor's first scan */
	uint64_t event_id;		/* 0: no location button */
	const char *location_token;	/* for POST .../location */
	const char *self_path;		/* this page's path+query, for the
					 * language switch link (escaped) */
	const struct page_draw *draw;	/* NULL: no prize draw */
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
/* Pieces of a page from page_render_scan_iov at most. */
#define PAGE_IOV_MAX 17
/* The same page as page_render_scan, as pieces for one writev (total
 * bytes in *total) for a genuine page without a prize draw (page_fast.c):
 * text shared by every page of its language and kind, rendered once, and
 * p's own fields, appended to scratch (which must outlive the iov).
 * Returns the number of pieces (at most PAGE_IOV_MAX), -ENOTSUP for a
 * page it does not make (use page_render_scan), or -ENOMEM. */
int page_render_scan_iov(const struct page_scan *p, struct buf *scratch,
    struct iovec *iov, size_t *total) __attribute__((warn_unused_result));
/* Appends the staff page (GET /store): paste or scan a claim token and
 * redeem it with the shop's API token, kept in the phone's localStorage.
 * claim_prefill (escaped) fills the claim field (from /C/{TOKEN}). */
int page_render_staff(enum page_lang lang, const char *claim_prefill,
    struct buf *out) __attribute__((warn_unused_result));
/* What a check-in page shows (page_checkin.c). */
struct page_checkin {
	enum page_lang lang;
	const char *shop;		/* its id, or NULL: found by location */
	const char *shop_name;
	const char *sig;		/* the store code's signature */
	const char *self_path;		/* for the language link */
};

/* Appends a store's check-in page (GET /K/{STORE}/{SIG}, or GET /K/ to
 * check in at the store the location is in). */
int page_render_checkin(const struct page_checkin *p, struct buf *out)
    __attribute__((warn_unused_result));
/* Appends the staff's check-in code page (GET /store/checkin-code): one
 * exemption code at a time, for a phone without GPS. */
int page_render_checkin_staff(enum page_lang lang, struct buf *out)
    __attribute__((warn_unused_result));
/* What a group page shows (page_group.c): the start page of a campaign
 * (group_id NULL) or a group's. */
struct page_group {
	enum page_lang lang;
	const char *campaign_id;
	const char *campaign_name;
	const char *group_id;		/* NULL: the start page */
	int status;			/* enum group_status (rewards/group.h) */
	const char *status_text;
	uint32_t joined, size;
	int64_t deadline;		/* Unix µs */
	uint32_t window_hours;		/* the start page */
	bool member;
	bool can_draw;			/* a member of an unlocked group who has
					 * not drawn */
	const char *draw_text;		/* the member's draw, or NULL */
	const char *claim_text;		/* its claim code, or NULL */
	const char *self_path;
};

/* Appends a group page (GET /G/{ID}, or GET /G/?campaign=ID to start
 * one). */
int page_render_group(const struct page_group *p, struct buf *out)
    __attribute__((warn_unused_result));
/* Appends the page for GET /01/{GTIN} (a product, no serial). */
int page_render_product(enum page_lang lang, const char *gtin, struct buf *out)
    __attribute__((warn_unused_result));
/* What the page of a case or pallet code shows. */
struct page_case {
	enum page_lang lang;
	bool pallet;
	const char *sscc;		/* 18 digits */
	const char *gtin;		/* its items' product, or "" */
	bool mixed;			/* items of several products */
	uint64_t items;			/* below it, at any depth */
	uint64_t children;		/* cases right below a pallet */
	const char *self_path;		/* for the language link */
};

/* Appends the page of a case or pallet code: what it holds; no draw. */
int page_render_case(const struct page_case *p, struct buf *out)
    __attribute__((warn_unused_result));
/* Appends a short page for an HTTP error (404 unknown path, 429, 503...). */
int page_render_error(enum page_lang lang, int status, struct buf *out)
    __attribute__((warn_unused_result));
/* A reason of verify.c in the page's language, or NULL for a reason the
 * table does not know (a page then shows none: never English words on a
 * Chinese page). */
const char *page_reason_text(enum page_lang lang, const char *reason)
    __attribute__((nonnull));
/* The Content-Security-Policy header value for these pages. */
const char *page_csp(void);
/* Appends s HTML-escaped (&, <, >, ", '). */
int page_escape(struct buf *out, const char *s, size_t len)
    __attribute__((warn_unused_result));

#endif
