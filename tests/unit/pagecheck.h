/*
 * pagecheck.h — what the page tests share (test_pages.c, test_page_draw.c,
 * test_lang.c): the fixtures of a code page and the checks that every page
 * must pass, whatever it says. The checks fail the running cmocka test.
 * The names are the tests' own (short, unprefixed): they exist in the test
 * programs only.
 */
#ifndef SCANLOOP_PAGECHECK_H
#define SCANLOOP_PAGECHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "scanner/pages.h"

/* Every page is smaller than this. */
#define PAGE_LIMIT (20 * 1024)
/* Hostile text from a request, and what the page must show of it. */
#define HOSTILE "\"><script>alert(1)</script>"
#define HOSTILE_ESC "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
/* The start of an inline SVG (a claim's QR code). */
#define SVG_NS "<svg xmlns=\"http://www.w3.org/2000/svg\""

/* 2024-06-30T16:00:00Z: the campaign's end. */
#define T_END 1719763200000000LL
/* 2024-05-04T00:00:00Z, 2024-06-03T00:00:00Z: a coupon's validity. */
#define T_FROM 1714780800000000LL
#define T_EXP 1717372800000000LL
/* 2024-05-10T03:04:00Z: a redemption. */
#define T_RED 1715310240000000LL
/* A claim code as draw.h makes them. */
#define CLAIM "ABCD-EFGH-JKMN-PQRS-TVWX-YZ23"

/* The code page the fixtures start from: a GTIN, a serial, batch 7, a
 * first scan at 2024-05-03T06:05:09.25Z and a self_path. */
extern const struct page_scan base;

/* Sets the fields that differ from base. */
struct page_scan mk(int verdict, uint32_t scans, bool first, bool loc,
    uint64_t ev);
/* Counts the occurrences of needle in hay. */
size_t count(const char *hay, const char *needle);
/* The SHA-256 of the page's script, as a CSP source expression. */
void script_source(const char *html, char *out, size_t outlen);
/* True when the policy's script-src directive names source. */
bool csp_allows(const char *csp, const char *source);
/* Writes a page under $SCANLOOP_PAGES_PREVIEW (for looking at it). */
void preview(const char *name, const char *lang, const struct buf *b);
/* What every page must be, whatever it says: size, UTF-8, the head, one
 * inline script that the CSP allows, nothing fetched, proper nesting. */
void check_page(const struct buf *b, enum page_lang lang);

#endif
