/*
 * analytics.h — the exports of the store for analysts: scans, codes,
 * batches, draws and claims as CSV or JSON Lines (and scans as GS1 EPCIS,
 * analytics/epcis.h). The command line (scanloop export) and the server
 * (GET /admin/export/scans) run the same export; docs/export.md lists
 * every field of every kind, which is a stable interface.
 *
 * An export reads one LMDB read transaction from open to close: a
 * consistent snapshot however long it runs, in constant memory (events
 * stream through a cursor; nothing collects the result), and LMDB's
 * writer never waits for it. It writes to a sink (output.h) in blocks,
 * and can stop after a budget of bytes and resume (analytics_export_step),
 * so that a server writes only as fast as its client reads.
 */
#ifndef SCANLOOP_ANALYTICS_H
#define SCANLOOP_ANALYTICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "analytics/output.h"
#include "store/store.h"

enum analytics_kind {
	ANALYTICS_SCANS,
	ANALYTICS_CODES,
	ANALYTICS_BATCHES,
	ANALYTICS_DRAWS,
	ANALYTICS_CLAIMS,
	ANALYTICS_CHECKINS,
	ANALYTICS_VISITORS,
};

enum analytics_format {
	ANALYTICS_CSV,
	ANALYTICS_JSONL,
	ANALYTICS_EPCIS,
};

/* What to export: a kind, a format, and filters. */
struct analytics_query {
	enum analytics_kind kind;
	enum analytics_format format;
	bool has_since;
	uint64_t since;			/* scans: ids greater than since */
	bool has_from, has_to;
	int64_t from, to;		/* Unix µs: from <= time < to */
	uint32_t batch;			/* 0: any */
	char campaign[STORE_ID_MAX + 1];	/* "": any */
	unsigned verdicts;		/* bit per enum verdict; 0: any */
	bool human;			/* scans: human (and app) scans only */
	bool scanned;			/* codes: scanned at least once */
	char tag[STORE_ID_MAX + 9];	/* visitors: carrying this member
					 * tag (rewards/tags.h); "": any */
	/* --format epcis (analytics/epcis.h, docs/export.md) */
	bool has_epcis_opts;		/* one of these three was given */
	char tz[64];			/* IANA zone; "": --campaign's or UTC */
	int geo_digits;			/* readPoint decimals, default 3 */
	int biz_step;			/* enum epcis_scan_step */
};

/* The longest value analytics_query_set takes. */
#define ANALYTICS_VALUE_MAX 64

/* Names and parsers of kinds and formats ("scans"; "csv", "jsonl",
 * "epcis"). Parsers return the value or -EINVAL. */
const char *analytics_kind_name(int kind);
int analytics_kind_parse(const char *name);
int analytics_format_parse(const char *name);

/* Starts a query of kind in CSV, without filters. */
void analytics_query_init(struct analytics_query *q, enum analytics_kind kind);
/* Sets one filter by its option name without dashes ("since", "from",
 * "to", "batch", "campaign", "verdict", "human", "scanned", "format",
 * "tag",
 * and for EPCIS "tz", "geo-precision", "biz-step";
 * value NULL for the flags). Returns 0, or -EINVAL with *why for a bad
 * value or an unknown name. */
int analytics_query_set(struct analytics_query *q, const char *name,
    const char *value, const char **why) __attribute__((warn_unused_result));
/* Checks that the filters go together and with the kind (--since is for
 * scans, --from not after --to...). Returns 0, or -EINVAL with *why. */
int analytics_query_check(const struct analytics_query *q, const char **why)
    __attribute__((warn_unused_result));
/* Reads the filters of a URL's query string ("since=5&format=jsonl"):
 * the names of analytics_query_set, percent-decoded, each at most once.
 * Returns 0, or -EINVAL with *why. */
int analytics_query_parse_url(struct analytics_query *q, const char *query,
    size_t len, const char **why) __attribute__((warn_unused_result));
/* Parses a time for --from/--to: ISO 8601 with Z or an offset
 * ("2026-06-01T08:00:00+08:00", fractions allowed), a date
 * ("2026-06-01", midnight UTC) or Unix seconds ("1780000000"). */
int analytics_parse_time(const char *s, int64_t *us)
    __attribute__((warn_unused_result));

/* The scans' field names in their order (docs/export.md). */
extern const char *const analytics_scan_fields[];
extern const size_t analytics_scan_nfields;

struct scan_record;
struct campaign;
struct store_claim;
/* Writes the analytics_scan_nfields fields of one scan record, leaving
 * the row open (a caller may add fields after them, then end it). */
void analytics_scan_fields_write(struct output *o,
    const struct scan_record *r);
/* The JSON Lines object of a claim ("type": "claim", docs/draws.md) as
 * at now; c is its campaign (NULL if gone: tiers are named "#N"). NULL
 * when out of memory. */
json_t *analytics_claim_json(const struct campaign *c,
    const struct store_claim *cl, int64_t now);

struct analytics_export;

/* Opens an export: begins its read transaction, reads what the filters
 * name (-ENOENT: no such campaign or batch; -ERANGE: --since is beyond
 * the newest event, a cursor from another store), and buffers the CSV
 * header. Nothing reaches the sink before the first step, so a refused
 * export writes nothing. why (may be NULL) says what went wrong. */
int analytics_export_open(struct store *st, const struct analytics_query *q,
    output_sink_fn sink, void *arg, struct analytics_export **out,
    const char **why) __attribute__((warn_unused_result));
/* Writes on: at least budget bytes (or everything: SIZE_MAX) before it
 * returns, except at the end. Returns 1 if there is more, 0 when the
 * export is complete and flushed, or a negative errno (store or sink).
 * Only scans resume; the other kinds are written whole in one step.
 * Scans to the end (SIZE_MAX) run on two threads, one reading, this one
 * calling the sink (export_pipe.c); a budget keeps them on this thread. */
int analytics_export_step(struct analytics_export *x, size_t budget)
    __attribute__((warn_unused_result));
/* The --since cursor of the next incremental export of scans: the last
 * event id written, or the query's since when none was. */
uint64_t analytics_export_next_since(const struct analytics_export *x);
/* Rows written so far. */
uint64_t analytics_export_rows(const struct analytics_export *x);
/* Ends the read transaction and frees the export. NULL is allowed. */
void analytics_export_close(struct analytics_export *x);

#endif
