/*
 * analytics_internal.h — what the files of analytics/ share. Not an API.
 *
 *   export.c         queries, the export's life (open, step, close) and
 *                    the scans
 *   export_tables.c  codes and batches: the summaries per code and batch
 *   export_rewards.c draws and claims
 *   export_visitors.c visitors and their member tags
 *   export_epcis.c   --format epcis: the writer's options, batches
 *   record.c         a stored event decoded (record.h)
 *   output.c         the CSV and JSON Lines writer (output.h)
 *   summaries.c      code summaries with the unfolded tail
 *   report*.c, geo.c the report (report_internal.h)
 */
#ifndef SCANLOOP_ANALYTICS_INTERNAL_H
#define SCANLOOP_ANALYTICS_INTERNAL_H

#include "analytics/analytics.h"
#include "analytics/epcis.h"
#include "analytics/record.h"
#include "rewards/campaign.h"

/* A text of the last row and how it was written (export_row.c). */
struct scan_row_memo {
	size_t len;			/* of in */
	size_t out_len;			/* 0: nothing kept */
	char in[64];
	uint8_t out[160];
};

/* The texts of a scan row that repeat from row to row. */
struct scan_row_memos {
	struct scan_row_memo verdict, reason, gtin, line, who, lang;
};

struct analytics_export {
	struct store *st;
	struct store_txn t;
	bool txn_open;
	struct analytics_query q;
	struct output out;
	struct record_decoder *dec;
	struct campaign *campaign;	/* the --campaign filter's */
	int64_t now;
	/* scans */
	struct epcis_writer *epcis;	/* --format epcis */
	struct store_event_cursor *cur;
	struct store_event ev;
	uint64_t next_since;
	uint32_t since_trim;		/* events read since the last trim */
	struct scan_row_memos memos;
	bool done;
};

/* The field names of each kind, in their order (docs/export.md). */
extern const char *const analytics_code_fields[];
extern const size_t analytics_code_nfields;
extern const char *const analytics_batch_fields[];
extern const size_t analytics_batch_nfields;
extern const char *const analytics_draw_fields[];
extern const size_t analytics_draw_nfields;
extern const char *const analytics_claim_fields[];
extern const size_t analytics_claim_nfields;
extern const char *const analytics_checkin_fields[];
extern const size_t analytics_checkin_nfields;
extern const char *const analytics_visitor_fields[];
extern const size_t analytics_visitor_nfields;

/* What a summary needs of an event after the fold watermark. */
struct analytics_tail_event {
	uint8_t serial[STORE_SERIAL_BYTES];
	uint64_t id;
	int64_t time;
	uint8_t flags;
	double lat, lon;
	float accuracy;
};

/* The unfolded tail, sorted by serial (summaries.c). */
struct analytics_tail {
	struct analytics_tail_event *ev;
	size_t n, cap;
};

/* Reads the tail (free tl->ev after). Returns 0 or a negative errno. */
int analytics_tail_load_txn(struct store_txn *t, struct analytics_tail *tl)
    __attribute__((warn_unused_result));
/* Applies a serial's tail events to its summary s; *pos walks the tail
 * along with serials given in ascending order (start it at 0). */
void analytics_tail_apply(const struct analytics_tail *tl, size_t *pos,
    const uint8_t serial[STORE_SERIAL_BYTES], struct store_code_scans *s);
/* Takes one code's current summary; non-zero stops the walk. */
typedef int (*analytics_summary_fn)(const uint8_t serial[STORE_SERIAL_BYTES],
    const struct store_code_scans *s, void *arg);
/* Calls cb for every scanned code's summary with the tail applied (the
 * stored ones in serial order, then those only the tail holds). */
int analytics_summaries_foreach_txn(struct store_txn *t,
    analytics_summary_fn cb, void *arg) __attribute__((warn_unused_result));

/* Takes one parameter of a URL's query string: 0 or -EINVAL with *why. */
typedef int (*analytics_param_fn)(void *arg, const char *name,
    const char *value, const char **why);
/* Reads a URL's query string: percent-decoded name=value pairs, each of
 * names (NULL-terminated, at most 32) at most once, handed to set.
 * Returns 0, or -EINVAL with *why. */
int analytics_url_params(const char *query, size_t len,
    const char *const *names, analytics_param_fn set, void *arg,
    const char **why) __attribute__((warn_unused_result));

/* Writes a text field, absent (null) when empty. */
void analytics_opt_str(struct output *o, const char *s);
/* Writes a number field, absent (null) when 0. */
void analytics_opt_u64(struct output *o, uint64_t v);
/* Writes a time field, absent when 0. */
void analytics_opt_time(struct output *o, int64_t us);

/* Parses decimal digits into [min, max]: no sign, no spaces, no
 * overflow. */
bool analytics_parse_u64(const char *s, uint64_t min, uint64_t max,
    uint64_t *out);
/* Finds, in n elements of size bytes that each start with a struct
 * store_batch and are in id order, the one of batch id, or NULL. */
void *analytics_batch_find(void *list, size_t n, size_t size, uint32_t id);

/* Writes the whole export of its kind (export_tables.c,
 * export_rewards.c). Return 0 or a negative errno. */
int analytics_codes_write(struct analytics_export *x);
int analytics_batches_write(struct analytics_export *x);
int analytics_draws_write(struct analytics_export *x);
int analytics_claims_write(struct analytics_export *x);
/* The check-ins (export_checkins.c). */
int analytics_checkins_write(struct analytics_export *x);
/* The visitors and their member tags (export_visitors.c). */
int analytics_visitors_write(struct analytics_export *x);

/* The scans of an export, one event at a time (export.c): reads the next
 * event and decodes it if it passes the filters (1; 0 if filtered out,
 * -ENOENT at the end); writes a record (in EPCIS, with its parts made
 * elsewhere unless made is NULL); ends the output. */
int analytics_scan_read(struct analytics_export *x, struct store_event *ev,
    struct scan_record *r);
int analytics_scan_write(struct analytics_export *x,
    const struct scan_record *r, const struct epcis_scan *made);
int analytics_scans_end(struct analytics_export *x);
/* Writes a scan record as one CSV or JSON Lines row: the bytes of
 * analytics_scan_fields_write and output_row_end, faster (export_row.c). */
void analytics_scan_row_write(struct output *o, struct scan_row_memos *m,
    const struct scan_record *r);
/* Writes all the scans on two threads, one reading and decoding, this one
 * writing (export_pipe.c); -EAGAIN (nothing done) if no thread starts. */
int analytics_scans_pipe(struct analytics_export *x);

/* Opens the EPCIS writer of an export (export_epcis.c). */
int analytics_epcis_open(struct analytics_export *x, output_sink_fn sink,
    void *arg);
/* Writes the life of the batches as EPCIS, with the document's tail. */
int analytics_epcis_batches_write(struct analytics_export *x);

#endif
