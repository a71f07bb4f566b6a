/*
 * signals_list.c — the signals as rows (scanloop signals, GET
 * /admin/signals.json): the stored ones after a --since id, then the
 * redemption anomalies of a period, as text, CSV or JSON Lines through
 * the exports' writer (output.h).
 */
#include "analytics/analytics_internal.h"
#include "analytics/signals.h"
#include "codegen/code.h"
#include "common/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIGNALS_DAY_US (86400LL * 1000000)

const char *const signals_fields[] = {
	"id", "kind", "time", "serial", "gtin", "batch_id", "line",
	"event_ids", "lat", "lon", "ip_prefix", "store", "detail",
};
const size_t signals_nfields = sizeof(signals_fields) /
    sizeof(signals_fields[0]);

/* One row, stored or computed. */
struct signals_row {
	uint64_t id;			/* 0: computed (no id) */
	int kind;
	int64_t time;
	char serial[CODE_SERIAL_CHARS + 1];
	char gtin[STORE_GTIN_LEN + 1];
	uint32_t batch_id;
	char line[STORE_LINE_MAX + 1];
	uint64_t event_ids[STORE_SIGNAL_EVENTS_MAX];
	size_t nevents;
	bool has_location;
	double lat, lon;
	char prefix[SIGNALS_PREFIX_TEXT];		/* "203.0.113.0/24", "" */
	char store[STORE_ID_MAX + 1];
	char detail[512];
};

struct signals_lister {
	const struct signals_query *q;
	struct output out;
	struct record_decoder dec;
	uint64_t next;
	size_t rows;
};

static const uint8_t signals_no_serial[STORE_SERIAL_BYTES];

/* Sets one option of a query. */
int
signals_query_set(struct signals_query *q, const char *name,
    const char *value, const char **why)
{
	struct analytics_query tq;
	uint64_t n;
	int k;

	*why = NULL;
	if (strcmp(name, "kind") == 0) {
		if ((k = signals_kind_parse(value)) < 0) {
			*why = "kind must be leaked_job, clone, diversion, "
			    "forgery_burst or redemption_anomaly";
			return -EINVAL;
		}
		q->kinds |= 1u << k;
	} else if (strcmp(name, "format") == 0) {
		if (strcmp(value, "text") == 0)
			q->format = SIGNALS_TEXT;
		else if (strcmp(value, "csv") == 0)
			q->format = SIGNALS_CSV;
		else if (strcmp(value, "jsonl") == 0)
			q->format = SIGNALS_JSONL;
		else {
			*why = "format must be text, csv or jsonl";
			return -EINVAL;
		}
	} else if (strcmp(name, "limit") == 0) {
		if (!analytics_parse_u64(value, 1, 100000, &n)) {
			*why = "limit must be 1 to 100000";
			return -EINVAL;
		}
		q->limit = (size_t)n;
	} else if (strcmp(name, "since") == 0 || strcmp(name, "from") == 0 ||
	    strcmp(name, "to") == 0) {
		/* The exports' parsers, so both take the same values. */
		analytics_query_init(&tq, ANALYTICS_SCANS);
		if (analytics_query_set(&tq, name, value, why) < 0) {
			if (name[0] == 's')
				*why = "since must be a signal id: digits only";
			return -EINVAL;
		}
		if (name[0] == 's') {
			q->since = tq.since;
			q->has_since = true;
		} else if (name[0] == 'f') {
			q->from = tq.from;
			q->has_from = true;
		} else {
			q->to = tq.to;
			q->has_to = true;
		}
	} else {
		*why = "unknown option";
		return -EINVAL;
	}
	return 0;
}

/* signals_query_set as an analytics_param_fn. */
static int
signals_query_param(void *q, const char *name, const char *value,
    const char **why)
{
	return signals_query_set(q, name, value, why);
}

/* Reads a URL's query string. */
int
signals_query_parse_url(struct signals_query *q, const char *query,
    size_t len, const char **why)
{
	static const char *const names[] = { "kind", "since", "from", "to",
	    "format", "limit", NULL };

	return analytics_url_params(query, len, names, signals_query_param, q,
	    why);
}

/* The network prefix of a signal ("203.0.113.0/24"), or "". */
void
signals_prefix_text(const struct store_signal *s, char *out, size_t cap)
{
	size_t n;

	out[0] = '\0';
	if (!(s->flags & STORE_SIGNAL_F_PREFIX) || inet_ntop(s->ip_family ==
	    4 ? AF_INET : AF_INET6, s->ip, out, (socklen_t)cap) == NULL) {
		out[0] = '\0';
		return;
	}
	n = strlen(out);
	snprintf(out + n, cap - n, "/%u", s->prefix_len);
}

/* Writes a row as one line of text. */
static void
signals_text_row(struct output *o, const struct signals_row *r)
{
	char line[1024], when[28];
	size_t n = 0;

	output_format_time(r->time, when);
#define SIGNALS_ADD(...) do { if (n < sizeof(line)) n += (size_t)snprintf( \
	line + n, sizeof(line) - n, __VA_ARGS__); } while (0)
	if (r->id != 0)
		SIGNALS_ADD("#%" PRIu64 " ", r->id);
	else
		SIGNALS_ADD("- ");
	SIGNALS_ADD("%s %s", when, signals_kind_name(r->kind));
	if (r->serial[0] != '\0')
		SIGNALS_ADD(" serial %s", r->serial);
	if (r->batch_id != 0)
		SIGNALS_ADD(" batch %" PRIu32, r->batch_id);
	if (r->store[0] != '\0')
		SIGNALS_ADD(" store %s", r->store);
	for (size_t i = 0; i < r->nevents; i++)
		SIGNALS_ADD("%s%" PRIu64, i == 0 ? " events " : ",",
		    r->event_ids[i]);
	if (r->has_location)
		SIGNALS_ADD(" at %.4f,%.4f", r->lat, r->lon);
	if (r->prefix[0] != '\0')
		SIGNALS_ADD(" from %s", r->prefix);
	SIGNALS_ADD(": %s\n", r->detail);
#undef SIGNALS_ADD
	if (n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	output_raw(o, line, n);
}

/* Writes a row's fields (the row stays open). */
static void
signals_row_fields(struct output *o, const struct signals_row *r)
{
	analytics_opt_u64(o, r->id);
	output_str(o, signals_kind_name(r->kind));
	output_time(o, r->time);
	analytics_opt_str(o, r->serial);
	analytics_opt_str(o, r->gtin);
	analytics_opt_u64(o, r->batch_id);
	analytics_opt_str(o, r->line);
	output_u64_list(o, r->event_ids, r->nevents);
	if (r->has_location) {
		output_double(o, r->lat, false);
		output_double(o, r->lon, false);
	} else {
		output_null(o);
		output_null(o);
	}
	analytics_opt_str(o, r->prefix);
	analytics_opt_str(o, r->store);
	output_str(o, r->detail);
}

/* Writes a row. */
static void
signals_row_write(struct signals_lister *l, const struct signals_row *r)
{
	l->rows++;
	if (l->q->format == SIGNALS_TEXT) {
		signals_text_row(&l->out, r);
		return;
	}
	signals_row_fields(&l->out, r);
	output_row_end(&l->out);
}

/* True when the query lists this kind. */
static bool
signals_wants(const struct signals_query *q, int kind)
{
	if (q->kinds == 0)
		return kind != SIGNALS_REDEMPTION_ANOMALY;
	return (q->kinds & (1u << kind)) != 0;
}

/* A stored signal as a row, with its batch's GTIN and line. */
static int
signals_row_stored(struct record_decoder *dec, const struct store_signal *s,
    struct signals_row *r)
{
	const struct store_batch *b = NULL;
	int ret;

	memset(r, 0, sizeof(*r));
	r->id = s->id;
	r->kind = s->kind;
	r->time = s->time;
	if (memcmp(s->serial, signals_no_serial, STORE_SERIAL_BYTES) != 0)
		code_serial_text(s->serial, r->serial);
	r->batch_id = s->batch_id;
	if (s->batch_id != 0 && (ret = record_batch_txn(dec, s->batch_id,
	    &b)) < 0 && ret != -ENOENT)
		return ret;
	if (b != NULL) {
		memcpy(r->gtin, b->gtin, STORE_GTIN_LEN);
		memcpy(r->line, b->line, STORE_LINE_MAX);
	}
	r->nevents = s->nevents;
	memcpy(r->event_ids, s->event_ids, sizeof(r->event_ids));
	r->has_location = (s->flags & STORE_SIGNAL_F_LOCATION) != 0;
	r->lat = s->lat;
	r->lon = s->lon;
	signals_prefix_text(s, r->prefix, sizeof(r->prefix));
	snprintf(r->detail, sizeof(r->detail), "%s", s->detail);
	return 0;
}

/* Writes the fields of a stored signal (the row stays open). */
int
signals_stored_write(struct output *o, struct record_decoder *dec,
    const struct store_signal *s)
{
	struct signals_row r;
	int ret;

	if ((ret = signals_row_stored(dec, s, &r)) < 0)
		return ret;
	signals_row_fields(o, &r);
	return 0;
}

/* Writes one stored signal. */
static int
signals_stored_cb(const struct store_signal *s, void *arg)
{
	struct signals_lister *l = arg;
	struct signals_row r;
	int ret;

	if (l->q->limit != 0 && l->rows >= l->q->limit)
		return 1;
	if (!signals_wants(l->q, s->kind) ||
	    (l->q->has_from && s->time < l->q->from) ||
	    (l->q->has_to && s->time >= l->q->to)) {
		l->next = s->id;
		return 0;
	}
	if ((ret = signals_row_stored(&l->dec, s, &r)) < 0)
		return ret;
	signals_row_write(l, &r);
	l->next = s->id;
	return l->out.err;
}

/* Writes one redemption anomaly. */
static int
signals_anomaly_cb(const struct signals_anomaly *a, void *arg)
{
	struct signals_lister *l = arg;
	struct signals_row r;

	if (l->q->limit != 0 && l->rows >= l->q->limit)
		return 1;
	memset(&r, 0, sizeof(r));
	r.kind = SIGNALS_REDEMPTION_ANOMALY;
	r.time = l->q->to;
	r.has_location = true;
	r.lat = a->lat;
	r.lon = a->lon;
	memcpy(r.store, a->shop, sizeof(r.store));
	snprintf(r.detail, sizeof(r.detail), "%" PRIu64 " of the %" PRIu64
	    " redemptions at located stores, where its share of the located "
	    "scans (%" PRIu64 " of %" PRIu64 ") predicts %.1f; P(X >= %"
	    PRIu64 ") = %.3g", a->redeemed, a->redeemed_all, a->scans,
	    a->scans_all, a->expected, a->redeemed, a->p);
	signals_row_write(l, &r);
	return l->out.err;
}

/* Checks a query against itself and fills in the period. */
static int
signals_query_check(struct signals_query *q, struct store_txn *t,
    const char **why)
{
	if (q->has_from && q->has_to && q->from > q->to) {
		*why = "--from is after --to";
		return -EINVAL;
	}
	if (q->has_since && q->kinds == 1u << SIGNALS_REDEMPTION_ANOMALY) {
		*why = "--since lists raised signals; redemption anomalies are "
		    "computed over --from and --to";
		return -EINVAL;
	}
	if (!q->has_to)
		q->to = clock_now_us();
	if (!q->has_from)
		q->from = q->to - (int64_t)signals_setting_txn(t,
		    "redemption.days") * SIGNALS_DAY_US;
	return 0;
}

/* Writes the signals a query names. */
int
signals_list(struct store *st, const struct signals_query *query,
    output_sink_fn sink, void *arg, uint64_t *next, const char **why)
{
	struct signals_query q = *query;
	struct signals_lister l;
	struct store_txn t;
	uint64_t last;
	int ret;

	*why = NULL;
	*next = q.since;
	memset(&l, 0, sizeof(l));
	l.q = &q;
	l.next = q.since;
	if ((ret = output_init(&l.out, q.format == SIGNALS_JSONL ?
	    OUTPUT_JSONL : OUTPUT_CSV, signals_fields, signals_nfields, sink,
	    arg)) < 0)
		return ret;
	if ((ret = store_txn_begin(st, true, &t)) < 0)
		goto out;
	record_decoder_init(&l.dec, &t);
	if ((ret = signals_query_check(&q, &t, why)) < 0)
		goto done;
	if ((ret = store_signal_last_id_txn(&t, &last)) < 0)
		goto done;
	if (q.since > last) {
		*why = "--since is beyond the newest signal: a cursor from "
		    "another store?";
		ret = -ERANGE;
		goto done;
	}
	if (q.format == SIGNALS_CSV)
		output_header(&l.out);
	if (q.kinds != 1u << SIGNALS_REDEMPTION_ANOMALY &&
	    (ret = store_signal_foreach_txn(&t, q.since, signals_stored_cb,
	    &l)) < 0)
		goto done;
	if (signals_wants(&q, SIGNALS_REDEMPTION_ANOMALY) &&
	    (ret = signals_anomalies_txn(&t, q.from, q.to, signals_anomaly_cb,
	    &l)) < 0)
		goto done;
	ret = output_flush(&l.out);
	*next = l.next;
done:
	record_decoder_deinit(&l.dec);
	store_txn_abort(&t);
out:
	output_deinit(&l.out);
	return ret < 0 ? ret : 0;
}
