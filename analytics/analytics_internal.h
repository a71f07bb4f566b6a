/*
 * analytics_internal.h — what the files of analytics/ share. Not an API.
 *
 *   export.c         queries, the export's life (open, step, close) and
 *                    the scans
 *   export_tables.c  codes and batches: the summaries per code and batch
 *   export_rewards.c draws and claims
 *   record.c         a stored event decoded (record.h)
 *   output.c         the CSV and JSON Lines writer (output.h)
 */
#ifndef SCANLOOP_ANALYTICS_INTERNAL_H
#define SCANLOOP_ANALYTICS_INTERNAL_H

#include "analytics/analytics.h"
#include "analytics/record.h"
#include "rewards/campaign.h"

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
	struct store_event_cursor *cur;
	struct store_event ev;
	uint64_t next_since;
	uint32_t since_trim;		/* events read since the last trim */
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

/* Writes a text field, absent (null) when empty. */
void analytics_opt_str(struct output *o, const char *s);
/* Writes a time field, absent when 0. */
void analytics_opt_time(struct output *o, int64_t us);

/* Writes the whole export of its kind (export_tables.c,
 * export_rewards.c). Return 0 or a negative errno. */
int analytics_codes_write(struct analytics_export *x);
int analytics_batches_write(struct analytics_export *x);
int analytics_draws_write(struct analytics_export *x);
int analytics_claims_write(struct analytics_export *x);

#endif
