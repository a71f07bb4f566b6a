/* export.c — an export's query, its life in one read transaction, and
 * the scans. */
#include "analytics/analytics_internal.h"
#include "analytics/epcis.h"
#include "common/clock.h"
#include "common/xmalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Events a step examines at most before it returns, so that a filter that
 * skips most events still lets a server's loop breathe. */
#define ANALYTICS_EXAMINE_MAX 20000
/* Events read between two trims of the pages read (a flat RSS). */
#define ANALYTICS_TRIM_EVENTS 16384

const char *const analytics_scan_fields[] = {
	"event_id", "time", "verdict", "reason", "serial", "gtin", "batch_id",
	"line", "who", "drawcode", "ip", "visitor", "lat", "lon", "accuracy",
	"location_time", "lang", "ua", "raw", "prev_event_id",
};
const size_t analytics_scan_nfields = sizeof(analytics_scan_fields) /
    sizeof(analytics_scan_fields[0]);


/* Writes a text field, absent when empty. */
void
analytics_opt_str(struct output *o, const char *s)
{
	if (s == NULL || s[0] == '\0')
		output_null(o);
	else
		output_str(o, s);
}

/* Writes a number field, absent when 0. */
void
analytics_opt_u64(struct output *o, uint64_t v)
{
	if (v == 0)
		output_null(o);
	else
		output_u64(o, v);
}

/* Writes a time field, absent when 0. */
void
analytics_opt_time(struct output *o, int64_t us)
{
	if (us == 0)
		output_null(o);
	else
		output_time(o, us);
}

/* Writes the fields of one scan record (the row stays open). */
void
analytics_scan_fields_write(struct output *o, const struct scan_record *r)
{
	output_u64(o, r->event_id);
	output_time(o, r->time);
	output_str(o, r->verdict);
	output_str(o, r->reason);
	analytics_opt_str(o, r->serial);
	analytics_opt_str(o, r->gtin);
	analytics_opt_u64(o, r->batch_id);
	analytics_opt_str(o, r->line);
	output_str(o, r->who);
	output_u64(o, r->drawcode);
	analytics_opt_str(o, r->ip);
	analytics_opt_str(o, r->visitor);
	if (r->has_location) {
		output_double(o, r->lat, false);
		output_double(o, r->lon, false);
		output_double(o, r->accuracy, true);
		analytics_opt_time(o, r->location_time);
	} else {
		output_null(o);
		output_null(o);
		output_null(o);
		output_null(o);
	}
	analytics_opt_str(o, r->lang);
	analytics_opt_str(o, r->ua);
	analytics_opt_str(o, r->raw);
	analytics_opt_u64(o, r->prev_event_id);
}

/* True if an event passes the filters that need no decoding. */
static bool
analytics_scan_match(const struct analytics_query *q,
    const struct store_event *ev)
{
	if (q->verdicts != 0 && (ev->verdict >= 32 ||
	    !(q->verdicts & (1u << ev->verdict))))
		return false;
	if (q->human && (!(ev->flags & STORE_EVENT_F_HUMAN) ||
	    (ev->flags & STORE_EVENT_F_HEAD)))
		return false;
	if (q->batch != 0 && ev->batch_id != q->batch)
		return false;
	if (q->has_from && ev->time < q->from)
		return false;
	if (q->has_to && ev->time >= q->to)
		return false;
	return true;
}

/* Bytes written so far, given to the sink or buffered. */
static uint64_t
analytics_bytes(const struct analytics_export *x)
{
	return x->epcis != NULL ? epcis_bytes(x->epcis) :
	    x->out.bytes + x->out.len;
}

/* Hands what is buffered to the sink. */
static int
analytics_flush(struct analytics_export *x)
{
	if (x->epcis != NULL)
		return epcis_flush(x->epcis);
	return output_flush(&x->out) < 0 ? x->out.err : 0;
}

/* Reads the next event into ev and, if it passes the filters, decodes it
 * into r: 1, 0 if filtered out, -ENOENT at the end, or a negative errno. */
int
analytics_scan_read(struct analytics_export *x, struct store_event *ev,
    struct scan_record *r)
{
	int ret;

	if ((ret = store_event_cursor_next(x->cur, ev)) < 0)
		return ret;
	if (++x->since_trim == ANALYTICS_TRIM_EVENTS) {
		store_event_cursor_trim(x->cur);
		x->since_trim = 0;
	}
	if (!analytics_scan_match(&x->q, ev))
		return 0;
	if ((ret = record_decode_txn(x->dec, ev, r)) < 0)
		return ret;
	if (x->campaign != NULL && !campaign_covers(x->campaign, r->batch_id,
	    r->gtin))
		return 0;
	return 1;
}

/* Writes a scan record; in EPCIS, with its parts made if made is not
 * NULL. */
int
analytics_scan_write(struct analytics_export *x, const struct scan_record *r,
    const struct epcis_scan *made)
{
	int ret;

	if (x->epcis != NULL) {
		if ((ret = made != NULL ? epcis_write_made(x->epcis, r, made) :
		    epcis_write_scan(x->epcis, r)) < 0)
			return ret;
	} else {
		analytics_scan_row_write(&x->out, &x->memos, r);
		if (x->out.err != 0)
			return x->out.err;
	}
	x->next_since = r->event_id;
	return 0;
}

/* Ends the scans: the document's tail, what is buffered. */
int
analytics_scans_end(struct analytics_export *x)
{
	x->done = true;
	if (x->epcis != NULL)
		return epcis_close(x->epcis);
	return output_flush(&x->out);
}

/* Writes scans until the budget is spent or the events end; all of them
 * on two threads when the budget is unlimited (export_pipe.c). */
static int
analytics_scans_step(struct analytics_export *x, size_t budget)
{
	uint64_t start = analytics_bytes(x);
	struct scan_record r;
	size_t examined = 0;
	int ret;

	if (budget == SIZE_MAX && (ret = analytics_scans_pipe(x)) != -EAGAIN)
		return ret;
	for (;;) {
		if (budget != SIZE_MAX && (analytics_bytes(x) - start >=
		    budget || examined >= ANALYTICS_EXAMINE_MAX))
			return (ret = analytics_flush(x)) < 0 ? ret : 1;
		ret = analytics_scan_read(x, &x->ev, &r);
		if (ret == -ENOENT)
			break;
		if (ret < 0)
			return ret;
		examined++;
		if (ret == 1 && (ret = analytics_scan_write(x, &r, NULL)) < 0)
			return ret;
	}
	return analytics_scans_end(x);
}

/* Checks --since against the snapshot and opens the event cursor. */
static int
analytics_scans_open(struct analytics_export *x, const char **why)
{
	uint64_t last;
	int ret;

	if ((ret = store_event_last_id_txn(&x->t, &last)) < 0)
		return ret;
	if (x->q.since > last) {
		*why = "--since is beyond the newest event: a cursor from "
		    "another store?";
		return -ERANGE;
	}
	x->next_since = x->q.since;
	return store_event_cursor_open_txn(&x->t, x->q.since, &x->cur);
}

/* The field list of a kind. */
static void
analytics_fields(enum analytics_kind kind, const char *const **names,
    size_t *n)
{
	*names = analytics_scan_fields;
	*n = analytics_scan_nfields;
	if (kind == ANALYTICS_CODES) {
		*names = analytics_code_fields;
		*n = analytics_code_nfields;
	} else if (kind == ANALYTICS_BATCHES) {
		*names = analytics_batch_fields;
		*n = analytics_batch_nfields;
	} else if (kind == ANALYTICS_DRAWS) {
		*names = analytics_draw_fields;
		*n = analytics_draw_nfields;
	} else if (kind == ANALYTICS_CLAIMS) {
		*names = analytics_claim_fields;
		*n = analytics_claim_nfields;
	} else if (kind == ANALYTICS_CHECKINS) {
		*names = analytics_checkin_fields;
		*n = analytics_checkin_nfields;
	} else if (kind == ANALYTICS_VISITORS) {
		*names = analytics_visitor_fields;
		*n = analytics_visitor_nfields;
	}
}

/* Opens an export. */
int
analytics_export_open(struct store *st, const struct analytics_query *q,
    output_sink_fn sink, void *arg, struct analytics_export **out,
    const char **why)
{
	struct analytics_export *x;
	const char *const *names;
	const char *dummy;
	size_t n;
	int ret;

	*out = NULL;
	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if ((ret = analytics_query_check(q, why)) < 0)
		return ret;
	if ((x = calloc(1, sizeof(*x))) == NULL ||
	    (x->dec = malloc(sizeof(*x->dec))) == NULL) {
		free(x);
		return -ENOMEM;
	}
	x->st = st;
	x->q = *q;
	x->now = clock_now_us();
	analytics_fields(q->kind, &names, &n);
	if ((ret = output_init(&x->out, q->format == ANALYTICS_JSONL ?
	    OUTPUT_JSONL : OUTPUT_CSV, names, n, sink, arg)) < 0)
		goto fail;
	if ((ret = store_txn_begin(st, true, &x->t)) < 0)
		goto fail;
	x->txn_open = true;
	record_decoder_init(x->dec, &x->t);
	if (q->campaign[0] != '\0' && (ret = campaign_load_txn(&x->t,
	    q->campaign, &x->campaign, NULL, 0)) < 0) {
		if (ret == -ENOENT)
			*why = "no such campaign";
		goto fail;
	}
	if (q->batch != 0) {
		const struct store_batch *b;

		if ((ret = record_batch_txn(x->dec, q->batch, &b)) < 0) {
			if (ret == -ENOENT)
				*why = "no such batch";
			goto fail;
		}
	}
	if (q->kind == ANALYTICS_SCANS && (ret = analytics_scans_open(x,
	    why)) < 0)
		goto fail;
	if (q->format == ANALYTICS_EPCIS) {
		if ((ret = analytics_epcis_open(x, sink, arg)) < 0)
			goto fail;
	} else
		output_header(&x->out);
	*out = x;
	return 0;
fail:
	analytics_export_close(x);
	return ret;
}

/* Writes on. */
int
analytics_export_step(struct analytics_export *x, size_t budget)
{
	int ret;

	if (x->done)
		return 0;
	switch (x->q.kind) {
	case ANALYTICS_SCANS:
		return analytics_scans_step(x, budget);
	case ANALYTICS_CODES:
		ret = analytics_codes_write(x);
		break;
	case ANALYTICS_BATCHES:
		ret = x->epcis != NULL ? analytics_epcis_batches_write(x) :
		    analytics_batches_write(x);
		break;
	case ANALYTICS_DRAWS:
		ret = analytics_draws_write(x);
		break;
	case ANALYTICS_CLAIMS:
		ret = analytics_claims_write(x);
		break;
	case ANALYTICS_CHECKINS:
		ret = analytics_checkins_write(x);
		break;
	case ANALYTICS_VISITORS:
		ret = analytics_visitors_write(x);
		break;
	default:
		ret = -EINVAL;
	}
	x->done = true;
	if (ret == 0 && x->epcis == NULL)
		ret = x->out.err;
	return ret < 0 || x->epcis != NULL ? ret : output_flush(&x->out);
}

/* The next --since. */
uint64_t
analytics_export_next_since(const struct analytics_export *x)
{
	return x->next_since;
}

/* Rows written. */
uint64_t
analytics_export_rows(const struct analytics_export *x)
{
	return x->epcis != NULL ? epcis_events(x->epcis) : x->out.rows;
}

/* Ends the export. */
void
analytics_export_close(struct analytics_export *x)
{
	if (x == NULL)
		return;
	store_event_cursor_close(x->cur);
	epcis_free(x->epcis);
	if (x->dec != NULL && x->txn_open)
		record_decoder_deinit(x->dec);
	if (x->txn_open)
		store_txn_abort(&x->t);
	campaign_unref(x->campaign, __func__);
	output_deinit(&x->out);
	free(x->dec);
	free(x);
}
