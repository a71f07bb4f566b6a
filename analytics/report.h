/*
 * report.h — the brand's report: how scans, batches and a campaign went
 * over a period, each figure beside the previous period of the same
 * length, as JSON (stable names, docs/report.md) or as one self-contained
 * HTML page (inline SVG charts, tables, a map; Chinese or English).
 * 'scanloop report' and the server's GET /admin/report[.json] run it.
 *
 * A report reads one LMDB read transaction from open to close, as the
 * exports do: a consistent snapshot that never makes the writer wait. It
 * streams the events of the two periods once (report_step, a budget of
 * events at a time, so that a server's loop can serve scans between
 * steps) in constant memory: its tables are bounded (days, hours, batches,
 * countries, map cells, and capped tables for repeated codes and address
 * prefixes, which say when they overflowed).
 */
#ifndef SCANLOOP_REPORT_H
#define SCANLOOP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "store/store.h"

enum report_lang { REPORT_LANG_ZH, REPORT_LANG_EN };

/* The longest period a report covers (and the previous one as long). */
#define REPORT_DAYS_MAX 1100
#define REPORT_TZ_MAX 64

/* What a report covers. from/to unset: the last 30 local days up to the
 * end of today, or a campaign's window with a campaign. */
struct report_query {
	char campaign[STORE_ID_MAX + 1];	/* "": none */
	uint32_t batch;				/* 0: every batch */
	bool has_from, has_to;
	int64_t from, to;			/* Unix µs */
	char tz[REPORT_TZ_MAX];			/* "": the campaign's or UTC */
	bool has_lang;
	enum report_lang lang;			/* given as lang= (server) */
};

/* Starts an empty query. */
void report_query_init(struct report_query *q);
/* Sets one field by its option name ("campaign", "batch", "from", "to",
 * "tz", "lang"). Returns 0, or -EINVAL with *why. */
int report_query_set(struct report_query *q, const char *name,
    const char *value, const char **why) __attribute__((warn_unused_result));
/* Reads a URL's query string (the names above, each at most once).
 * Returns 0, or -EINVAL with *why. */
int report_query_parse_url(struct report_query *q, const char *query,
    size_t len, const char **why) __attribute__((warn_unused_result));
/* Parses "zh" or "en" (-EINVAL otherwise). */
int report_lang_parse(const char *s);

struct report;

/* Opens a report at time now (Unix µs): begins its read transaction and
 * checks what the query names. Returns 0; -ENOENT (no such campaign or
 * batch), -EINVAL (--from not before --to, a period too long, an unknown
 * time zone) with *why; or a store error. */
int report_open(struct store *st, const struct report_query *q, int64_t now,
    struct report **out, const char **why)
    __attribute__((warn_unused_result));
/* Reads on: about budget events (SIZE_MAX: to the end). Returns 1 while
 * there is more, 0 when every figure is complete, or a negative errno. */
int report_step(struct report *r, size_t budget)
    __attribute__((warn_unused_result));
/* Appends the complete report as JSON (docs/report.md). 0 or -ENOMEM. */
int report_json(const struct report *r, struct buf *out)
    __attribute__((warn_unused_result));
/* Appends the complete report as an HTML page. 0 or -ENOMEM. */
int report_html(const struct report *r, enum report_lang lang,
    struct buf *out) __attribute__((warn_unused_result));
/* Ends the read transaction and frees the report; NULL is allowed. */
void report_close(struct report *r);

#endif
