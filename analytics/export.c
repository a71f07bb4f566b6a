/* export.c — an export's query, its life in one read transaction, and
 * the scans. */
#include "analytics/analytics_internal.h"
#include "common/clock.h"
#include "common/xmalloc.h"
#include "store/verdict.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Events a step examines at most before it returns, so that a filter that
 * skips most events still lets a server's loop breathe. */
#define ANALYTICS_EXAMINE_MAX 20000
/* The latest time --from and --to take: 9999-12-31T23:59:59Z. */
#define ANALYTICS_SECONDS_MAX 253402300799LL

const char *const analytics_scan_fields[] = {
	"event_id", "time", "verdict", "reason", "serial", "gtin", "batch_id",
	"line", "who", "drawcode", "ip", "visitor", "lat", "lon", "accuracy",
	"location_time", "lang", "ua", "raw", "prev_event_id",
};
const size_t analytics_scan_nfields = sizeof(analytics_scan_fields) /
    sizeof(analytics_scan_fields[0]);

static const char *const analytics_kinds[] = {
	[ANALYTICS_SCANS] = "scans",
	[ANALYTICS_CODES] = "codes",
	[ANALYTICS_BATCHES] = "batches",
	[ANALYTICS_DRAWS] = "draws",
	[ANALYTICS_CLAIMS] = "claims",
};

/* Names a kind. */
const char *
analytics_kind_name(int kind)
{
	return kind >= 0 && kind <= ANALYTICS_CLAIMS ? analytics_kinds[kind] :
	    "?";
}

/* Parses a kind. */
int
analytics_kind_parse(const char *name)
{
	for (int k = 0; k <= ANALYTICS_CLAIMS; k++)
		if (strcmp(name, analytics_kinds[k]) == 0)
			return k;
	return -EINVAL;
}

/* Parses a format. */
int
analytics_format_parse(const char *name)
{
	if (strcmp(name, "csv") == 0)
		return ANALYTICS_CSV;
	if (strcmp(name, "jsonl") == 0)
		return ANALYTICS_JSONL;
	if (strcmp(name, "epcis") == 0)
		return ANALYTICS_EPCIS;
	return -EINVAL;
}

/* A query without filters. */
void
analytics_query_init(struct analytics_query *q, enum analytics_kind kind)
{
	memset(q, 0, sizeof(*q));
	q->kind = kind;
	q->format = ANALYTICS_CSV;
}

/* Parses decimal digits into [1, max] or [0, max]: no sign, no spaces,
 * no overflow. */
static bool
analytics_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0' || strlen(s) > 20)
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s -
		    '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Parses --from and --to. */
int
analytics_parse_time(const char *s, int64_t *us)
{
	char iso[40];
	uint64_t sec;

	if (analytics_parse_u64(s, 0, ANALYTICS_SECONDS_MAX, &sec)) {
		*us = (int64_t)sec * 1000000;
		return 0;
	}
	if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
		memcpy(iso, s, 10);
		strcpy(iso + 10, "T00:00:00Z");
		s = iso;
	}
	if (campaign_parse_time(s, us) < 0 || *us < 0 ||
	    *us > ANALYTICS_SECONDS_MAX * 1000000)
		return -EINVAL;
	return 0;
}

/* Parses a comma-separated list of verdict names into bits. */
static bool
analytics_parse_verdicts(const char *s, unsigned *bits)
{
	char name[16];

	*bits = 0;
	while (*s != '\0') {
		size_t n = strcspn(s, ",");
		int v;

		if (n == 0 || n >= sizeof(name))
			return false;
		memcpy(name, s, n);
		name[n] = '\0';
		if ((v = verdict_parse(name)) < 0)
			return false;
		*bits |= 1u << v;
		s += n;
		if (*s == ',' && *++s == '\0')
			return false;
	}
	return *bits != 0;
}

/* True for a flag's value: none, "", "1" or "true". */
static bool
analytics_flag_ok(const char *v)
{
	return v == NULL || *v == '\0' || strcmp(v, "1") == 0 ||
	    strcmp(v, "true") == 0;
}

/* Sets one filter. */
int
analytics_query_set(struct analytics_query *q, const char *name,
    const char *v, const char **why)
{
	uint64_t n;
	int f;

	if (strcmp(name, "human") == 0 || strcmp(name, "scanned") == 0) {
		if (!analytics_flag_ok(v)) {
			*why = "a flag takes no value (or 1, true)";
			return -EINVAL;
		}
		if (name[0] == 'h')
			q->human = true;
		else
			q->scanned = true;
		return 0;
	}
	if (v == NULL) {
		*why = "a value is missing";
		return -EINVAL;
	}
	if (strcmp(name, "format") == 0) {
		if ((f = analytics_format_parse(v)) < 0) {
			*why = "format must be csv, jsonl or epcis";
			return -EINVAL;
		}
		q->format = (enum analytics_format)f;
	} else if (strcmp(name, "since") == 0) {
		if (!analytics_parse_u64(v, 0, UINT64_MAX, &q->since)) {
			*why = "since must be an event id: digits only, at "
			    "most 18446744073709551615";
			return -EINVAL;
		}
		q->has_since = true;
	} else if (strcmp(name, "from") == 0 || strcmp(name, "to") == 0) {
		int64_t t;

		if (analytics_parse_time(v, &t) < 0) {
			*why = "a time must be ISO 8601 with Z or an offset "
			    "(2026-06-01T08:00:00+08:00), a date (2026-06-01, "
			    "UTC) or Unix seconds";
			return -EINVAL;
		}
		if (name[0] == 'f') {
			q->from = t;
			q->has_from = true;
		} else {
			q->to = t;
			q->has_to = true;
		}
	} else if (strcmp(name, "batch") == 0) {
		if (!analytics_parse_u64(v, 1, UINT32_MAX, &n)) {
			*why = "batch must be a batch id (1 to 4294967295)";
			return -EINVAL;
		}
		q->batch = (uint32_t)n;
	} else if (strcmp(name, "campaign") == 0) {
		if (!campaign_id_ok(v)) {
			*why = "campaign must be a campaign id (1 to 32 of "
			    "A-Z a-z 0-9 _ -)";
			return -EINVAL;
		}
		strcpy(q->campaign, v);
	} else if (strcmp(name, "verdict") == 0) {
		if (!analytics_parse_verdicts(v, &q->verdicts)) {
			*why = "verdict must be genuine, not_active, void, "
			    "forged or malformed (or several, with commas)";
			return -EINVAL;
		}
	} else {
		*why = "unknown filter";
		return -EINVAL;
	}
	return 0;
}

/* Checks that the filters suit the kind and each other. */
int
analytics_query_check(const struct analytics_query *q, const char **why)
{
	bool scans = q->kind == ANALYTICS_SCANS;

	*why = NULL;
	if (q->has_since && !scans)
		*why = "--since is for scans (event ids)";
	else if ((q->verdicts != 0 || q->human) && !scans)
		*why = "--verdict and --human are for scans";
	else if (q->scanned && q->kind != ANALYTICS_CODES)
		*why = "--scanned is for codes";
	else if (q->batch != 0 && q->kind != ANALYTICS_SCANS &&
	    q->kind != ANALYTICS_CODES && q->kind != ANALYTICS_BATCHES)
		*why = "--batch is for scans, codes and batches";
	else if ((q->has_from || q->has_to) && (q->kind == ANALYTICS_CODES ||
	    q->kind == ANALYTICS_BATCHES))
		*why = "--from and --to are for scans, draws and claims";
	else if (q->has_from && q->has_to && q->from > q->to)
		*why = "--from is after --to";
	else if (q->format == ANALYTICS_EPCIS && !scans)
		*why = "--format epcis is for scans";
	return *why == NULL ? 0 : -EINVAL;
}

/* Writes a text field, absent when empty. */
void
analytics_opt_str(struct output *o, const char *s)
{
	if (s == NULL || s[0] == '\0')
		output_null(o);
	else
		output_str(o, s);
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

/* Writes one scan record. */
static void
analytics_scan_row(struct output *o, const struct scan_record *r)
{
	output_u64(o, r->event_id);
	output_time(o, r->time);
	output_str(o, r->verdict);
	output_str(o, r->reason);
	analytics_opt_str(o, r->serial);
	analytics_opt_str(o, r->gtin);
	if (r->batch_id != 0)
		output_u64(o, r->batch_id);
	else
		output_null(o);
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
	if (r->prev_event_id != 0)
		output_u64(o, r->prev_event_id);
	else
		output_null(o);
	output_row_end(o);
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

/* Writes scans until the budget is spent or the events end. */
static int
analytics_scans_step(struct analytics_export *x, size_t budget)
{
	uint64_t start = x->out.bytes + x->out.len;
	struct scan_record r;
	size_t examined = 0;
	int ret;

	for (;;) {
		if (budget != SIZE_MAX && (x->out.bytes + x->out.len - start >=
		    budget || examined >= ANALYTICS_EXAMINE_MAX))
			return output_flush(&x->out) < 0 ? x->out.err : 1;
		ret = store_event_cursor_next(x->cur, &x->ev);
		if (ret == -ENOENT)
			break;
		if (ret < 0)
			return ret;
		examined++;
		if (!analytics_scan_match(&x->q, &x->ev))
			continue;
		if ((ret = record_decode_txn(x->dec, &x->ev, &r)) < 0)
			return ret;
		if (x->campaign != NULL && !campaign_covers(x->campaign,
		    r.batch_id, r.gtin))
			continue;
		analytics_scan_row(&x->out, &r);
		if (x->out.err != 0)
			return x->out.err;
		x->next_since = x->ev.id;
	}
	x->done = true;
	return output_flush(&x->out);
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
	if (q->format == ANALYTICS_EPCIS) {
		*why = "--format epcis is not built yet";
		return -ENOTSUP;
	}
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
		ret = analytics_batches_write(x);
		break;
	case ANALYTICS_DRAWS:
		ret = analytics_draws_write(x);
		break;
	case ANALYTICS_CLAIMS:
		ret = analytics_claims_write(x);
		break;
	default:
		ret = -EINVAL;
	}
	x->done = true;
	if (ret == 0)
		ret = x->out.err;
	return ret < 0 ? ret : output_flush(&x->out);
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
	return x->out.rows;
}

/* Ends the export. */
void
analytics_export_close(struct analytics_export *x)
{
	if (x == NULL)
		return;
	store_event_cursor_close(x->cur);
	if (x->dec != NULL && x->txn_open)
		record_decoder_deinit(x->dec);
	if (x->txn_open)
		store_txn_abort(&x->t);
	campaign_unref(x->campaign, __func__);
	output_deinit(&x->out);
	free(x->dec);
	free(x);
}
