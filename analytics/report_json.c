/*
 * report_json.c — the report as JSON for dashboards: the current period's
 * figures at the top level and the previous period's, under the same
 * names, in "previous". docs/report.md names every field; names are
 * stable (later versions add fields, never rename or remove one).
 */
#include "analytics/geo.h"
#include "analytics/report_internal.h"
#include "codegen/code.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Adds a count (jansson integers are signed 64-bit). */
static void
rj_u64(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer((json_int_t)v));
}

/* Adds a time as ISO 8601 UTC. */
static void
rj_time(json_t *o, const char *key, int64_t us)
{
	char text[28];

	output_format_time(us, text);
	json_object_set_new(o, key, json_string(text));
}

/* Adds a ratio, null when the denominator is 0. */
static void
rj_ratio(json_t *o, const char *key, uint64_t num, uint64_t den)
{
	json_object_set_new(o, key, den == 0 ? json_null() :
	    json_real((double)num / (double)den));
}

/* The counts of a day, an hour or a period. */
static void
rj_counts(json_t *o, const struct report_counts *c)
{
	rj_u64(o, "scans", c->scans);
	rj_u64(o, "human", c->human);
	rj_u64(o, "bot", c->bot);
	rj_u64(o, "head", c->head);
	rj_u64(o, "api", c->api);
	for (int v = 0; v < VERDICT_COUNT; v++)
		rj_u64(o, verdict_name(v), c->verdict[v]);
}

/* The batches of period k. */
static json_t *
rj_batches(const struct report *r, int k)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nbatches; i++) {
		const struct report_batch *rb = &r->batches[i];
		const struct report_batch_fig *f = &rb->fig[k];
		char gtin[STORE_GTIN_LEN + 1], line[STORE_LINE_MAX + 1];
		json_t *o = json_object();

		memcpy(gtin, rb->b.gtin, STORE_GTIN_LEN);
		gtin[STORE_GTIN_LEN] = '\0';
		memcpy(line, rb->b.line, STORE_LINE_MAX);
		line[STORE_LINE_MAX] = '\0';
		rj_u64(o, "batch_id", rb->b.id);
		json_object_set_new(o, "gtin", json_string(gtin));
		json_object_set_new(o, "line", line[0] != '\0' ?
		    json_string(line) : json_null());
		json_object_set_new(o, "state", json_string(
		    store_batch_state_name(rb->b.state)));
		rj_u64(o, "codes", rb->b.count);
		rj_u64(o, "codes_activated", f->activated_codes);
		rj_u64(o, "codes_scanned", f->codes_scanned);
		rj_ratio(o, "scan_rate", f->codes_scanned, f->activated_codes);
		rj_u64(o, "codes_scanned_period", f->codes_scanned_period);
		rj_u64(o, "first_scans", f->first_scans);
		rj_u64(o, "human", f->human);
		rj_u64(o, "forged", f->forged);
		json_array_append_new(a, o);
	}
	return a;
}

/* Days and hours of period k. */
static void
rj_days_hours(json_t *o, const struct report *r, int k)
{
	const struct report_period *p = &r->p[k];
	json_t *days = json_array(), *hours = json_array();
	char date[11];

	for (size_t d = 0; d < p->ndays; d++) {
		json_t *e = json_object();

		report_day_text(p->day0 + (int64_t)d, date);
		json_object_set_new(e, "date", json_string(date));
		rj_counts(e, &p->days[d]);
		json_array_append_new(days, e);
	}
	for (int h = 0; h < 24; h++) {
		json_t *e = json_object();

		rj_u64(e, "hour", (uint64_t)h);
		rj_counts(e, &p->hours[h]);
		json_array_append_new(hours, e);
	}
	json_object_set_new(o, "days", days);
	json_object_set_new(o, "hours", hours);
}

/* Where: countries, map cells. */
static void
rj_where(json_t *o, const struct report *r, int k)
{
	const struct report_period *p = &r->p[k];
	json_t *areas = json_array(), *cells = json_array();
	size_t n, *idx = report_areas_sorted(p, &n);

	for (size_t j = 0; idx != NULL && j < n; j++) {
		size_t i = idx[j];
		json_t *e = json_object();

		if (i == geo_ncountries) {
			json_object_set_new(e, "id", json_null());
			json_object_set_new(e, "name", json_string("unknown"));
			json_object_set_new(e, "name_zh", json_string("未知"));
		} else {
			rj_u64(e, "id", (uint64_t)geo_countries[i].id);
			json_object_set_new(e, "name",
			    json_string(geo_countries[i].name));
			json_object_set_new(e, "name_zh", geo_countries[i].name_zh ?
			    json_string(geo_countries[i].name_zh) : json_null());
		}
		rj_u64(e, "scans", p->countries[i]);
		json_array_append_new(areas, e);
	}
	free(idx);
	for (size_t c = 0; c < REPORT_CELLS; c++) {
		json_t *e;

		if (p->cells[c] == 0)
			continue;
		e = json_object();
		json_object_set_new(e, "lat", json_integer((json_int_t)(c /
		    360) - 90));
		json_object_set_new(e, "lon", json_integer((json_int_t)(c %
		    360) - 180));
		rj_u64(e, "scans", p->cells[c]);
		json_array_append_new(cells, e);
	}
	json_object_set_new(o, "areas", areas);
	json_object_set_new(o, "map_cells", cells);
}

/* The ranked tables: repeated codes, forgery prefixes. */
static void
rj_ranked(json_t *o, const struct report *r, int k)
{
	const struct report_period *p = &r->p[k];
	json_t *codes = json_array(), *prefixes = json_array();
	size_t top[REPORT_TOP], n;
	char text[48];

	n = report_codes_top(p, top);
	for (size_t j = 0; j < n; j++) {
		const struct report_code *c = &p->codes[top[j]];
		json_t *e = json_object();

		code_serial_text(c->serial, text);
		json_object_set_new(e, "serial", json_string(text));
		rj_u64(e, "batch_id", c->batch_id);
		rj_u64(e, "human", c->scans);
		json_array_append_new(codes, e);
	}
	n = report_prefixes_top(p, top);
	for (size_t j = 0; j < n; j++) {
		const struct report_prefix *x = &p->prefixes[top[j]];
		json_t *e = json_object();

		report_prefix_text(x, text);
		json_object_set_new(e, "prefix", json_string(text));
		rj_u64(e, "forged", x->forged);
		rj_u64(e, "malformed", x->malformed);
		json_array_append_new(prefixes, e);
	}
	json_object_set_new(o, "top_codes", codes);
	json_object_set_new(o, "top_codes_complete", json_boolean(
	    !p->codes_full));
	json_object_set_new(o, "forged_prefixes", prefixes);
	json_object_set_new(o, "forged_prefixes_complete", json_boolean(
	    !p->prefixes_full));
}

/* The campaign in period k, or null. */
static json_t *
rj_campaign(const struct report *r, int k)
{
	const struct campaign *c = r->campaign;
	const struct report_campaign_fig *f;
	json_t *o, *tiers, *stores;

	if (c == NULL)
		return json_null();
	f = &r->p[k].camp;
	o = json_object();
	json_object_set_new(o, "id", json_string(c->id));
	json_object_set_new(o, "name", json_string(c->name));
	rj_u64(o, "draws", f->draws);
	rj_u64(o, "wins", f->wins);
	rj_u64(o, "misses", f->misses);
	rj_u64(o, "tickets", f->tickets);
	rj_u64(o, "opened", f->opened);
	rj_u64(o, "grants", f->grants);
	rj_u64(o, "refused", f->refused);
	rj_u64(o, "points", f->points);
	rj_u64(o, "claims", f->claims);
	rj_u64(o, "claims_redeemed", f->claims_redeemed);
	rj_u64(o, "redeemed", f->redeemed);
	rj_ratio(o, "redemption_rate", f->claims_redeemed, f->claims);
	tiers = json_array();
	for (size_t t = 0; t < c->ntiers; t++) {
		const struct campaign_tier *ct = &c->tiers[t];
		const struct report_tier_fig *tf = &f->tier[t];
		json_t *e = json_object();

		json_object_set_new(e, "tier", json_string(ct->id));
		json_object_set_new(e, "name", json_string(ct->name));
		json_object_set_new(e, "kind", json_string(
		    campaign_kind_name(ct->kind)));
		rj_u64(e, "stock", ct->total);
		if (ct->daily_cap > 0)
			rj_u64(e, "daily_cap", ct->daily_cap);
		else
			json_object_set_new(e, "daily_cap", json_null());
		rj_u64(e, "awarded", tf->awarded);
		rj_u64(e, "awarded_to_end", tf->awarded_to_end);
		rj_u64(e, "remaining", ct->total > tf->awarded_to_end ?
		    ct->total - tf->awarded_to_end : 0);
		rj_u64(e, "max_day", tf->max_day);
		rj_u64(e, "days_at_cap", tf->days_at_cap);
		json_array_append_new(tiers, e);
	}
	json_object_set_new(o, "tiers", tiers);
	stores = json_array();
	for (size_t i = 0; i < r->nshops; i++) {
		json_t *e;

		if (r->shops[i].redeemed[k] == 0)
			continue;
		e = json_object();
		json_object_set_new(e, "id", json_string(r->shops[i].id));
		json_object_set_new(e, "name", json_string(r->shops[i].name));
		rj_u64(e, "redeemed", r->shops[i].redeemed[k]);
		json_array_append_new(stores, e);
	}
	json_object_set_new(o, "stores", stores);
	json_object_set_new(o, "stores_complete", json_boolean(
	    !r->shops_full));
	return o;
}

/* Where a signal was: its place and its network, each null if unknown. */
static json_t *
rj_where_signal(double lat, double lon, bool located, const char *prefix)
{
	json_t *o = json_object();

	json_object_set_new(o, "lat", located ? json_real(lat) : json_null());
	json_object_set_new(o, "lon", located ? json_real(lon) : json_null());
	json_object_set_new(o, "ip_prefix", prefix[0] != '\0' ?
	    json_string(prefix) : json_null());
	return o;
}

/* A stored signal. */
static json_t *
rj_signal(const struct store_signal *s)
{
	static const uint8_t none[STORE_SERIAL_BYTES];
	json_t *o = json_object(), *ids = json_array();
	char text[64];

	rj_u64(o, "id", s->id);
	json_object_set_new(o, "kind", json_string(signals_kind_name(
	    s->kind)));
	rj_time(o, "time", s->time);
	if (memcmp(s->serial, none, STORE_SERIAL_BYTES) != 0) {
		code_serial_text(s->serial, text);
		json_object_set_new(o, "serial", json_string(text));
	} else
		json_object_set_new(o, "serial", json_null());
	json_object_set_new(o, "batch_id", s->batch_id != 0 ?
	    json_integer(s->batch_id) : json_null());
	for (size_t i = 0; i < s->nevents; i++)
		json_array_append_new(ids, json_integer((json_int_t)
		    s->event_ids[i]));
	json_object_set_new(o, "event_ids", ids);
	signals_prefix_text(s, text, sizeof(text));
	json_object_set_new(o, "where", rj_where_signal(s->lat, s->lon,
	    (s->flags & STORE_SIGNAL_F_LOCATION) != 0, text));
	json_object_set_new(o, "detail", json_string(s->detail));
	return o;
}

/* Diversions per dealer, most first; dealer null: batch regions. */
static json_t *
rj_dealers(const struct report_signals *g)
{
	json_t *a = json_array();
	size_t order[REPORT_DEALERS_MAX];

	report_dealers_order(g, order);
	for (size_t i = 0; i < g->ndealers; i++) {
		const struct report_dealer_count *d = &g->dealers[order[i]];
		json_t *e = json_object();

		json_object_set_new(e, "dealer", d->dealer[0] != '\0' ?
		    json_string(d->dealer) : json_null());
		rj_u64(e, "count", d->n);
		json_array_append_new(a, e);
	}
	return a;
}

/* The signals of period k: counts, the newest of each kind (newest
 * first), the redemption anomalies. */
static json_t *
rj_signals(const struct report *r, int k)
{
	const struct report_signals *g = &r->p[k].sig;
	const struct store_signal *top[SIGNALS_KINDS][REPORT_SIGNALS_LATEST];
	size_t n[SIGNALS_KINDS], at[SIGNALS_KINDS] = { 0 };
	json_t *o = json_object(), *counts = json_object();
	json_t *latest = json_array(), *anomalies = json_array();

	for (int kind = 1; kind < SIGNALS_KINDS; kind++) {
		rj_u64(counts, signals_kind_name(kind), g->count[kind]);
		n[kind] = report_signals_latest(&r->p[k], kind, top[kind]);
	}
	/* The kinds' newest merged by id, newest first. */
	for (;;) {
		int best = 0;

		for (int kind = 1; kind < SIGNALS_KINDS; kind++)
			if (at[kind] < n[kind] && (best == 0 ||
			    top[kind][at[kind]]->id > top[best][at[best]]->id))
				best = kind;
		if (best == 0)
			break;
		json_array_append_new(latest, rj_signal(top[best][at[best]++]));
	}
	for (size_t i = 0; i < g->nanomalies; i++) {
		const struct signals_anomaly *a = &g->anomalies[i];
		json_t *e = json_object();

		json_object_set_new(e, "store", json_string(a->shop));
		rj_u64(e, "redeemed", a->redeemed);
		rj_u64(e, "redeemed_all", a->redeemed_all);
		rj_u64(e, "scans", a->scans);
		rj_u64(e, "scans_all", a->scans_all);
		json_object_set_new(e, "expected", json_real(a->expected));
		json_object_set_new(e, "p", json_real(a->p));
		json_object_set_new(e, "where", rj_where_signal(a->lat, a->lon,
		    true, ""));
		json_array_append_new(anomalies, e);
	}
	json_object_set_new(o, "counts", counts);
	json_object_set_new(o, "diversion_by_dealer", rj_dealers(g));
	json_object_set_new(o, "latest", latest);
	json_object_set_new(o, "redemption_anomalies", anomalies);
	json_object_set_new(o, "redemption_anomalies_complete", json_boolean(
	    !g->anomalies_full));
	return o;
}

/* The store check-ins of period k, per store and per day. */
static json_t *
rj_checkins(const struct report *r, int k)
{
	const struct report_period *p = &r->p[k];
	json_t *o = json_object(), *stores = json_array();
	char date[11];

	rj_u64(o, "total", r->ck_total[k]);
	for (size_t i = 0; i < r->nck_shops; i++) {
		const struct report_ck_shop *s = &r->ck_shops[i];
		json_t *e, *days;

		if (s->total[k] == 0)
			continue;
		e = json_object();
		days = json_array();
		json_object_set_new(e, "id", json_string(s->id));
		json_object_set_new(e, "name", json_string(s->name));
		rj_u64(e, "checkins", s->total[k]);
		for (size_t d = 0; d < p->ndays; d++) {
			json_t *x = json_object();

			report_day_text(p->day0 + (int64_t)d, date);
			json_object_set_new(x, "date", json_string(date));
			rj_u64(x, "checkins", s->days[k][d]);
			json_array_append_new(days, x);
		}
		json_object_set_new(e, "days", days);
		json_array_append_new(stores, e);
	}
	json_object_set_new(o, "stores", stores);
	json_object_set_new(o, "complete", json_boolean(!r->ck_full));
	return o;
}

/* The figures of period k. */
static json_t *
rj_period(const struct report *r, int k)
{
	const struct report_period *p = &r->p[k];
	json_t *o = json_object(), *totals = json_object();

	rj_time(o, "from", p->from);
	rj_time(o, "to", p->to);
	rj_counts(totals, &p->total);
	rj_u64(totals, "first_scans", p->first_scans);
	rj_u64(totals, "repeats", p->repeats);
	rj_u64(totals, "codes_scanned", p->codes_scanned);
	rj_u64(totals, "located", p->located);
	json_object_set_new(o, "totals", totals);
	json_object_set_new(o, "batches", rj_batches(r, k));
	rj_days_hours(o, r, k);
	rj_where(o, r, k);
	rj_ranked(o, r, k);
	json_object_set_new(o, "campaign", rj_campaign(r, k));
	json_object_set_new(o, "signals", rj_signals(r, k));
	json_object_set_new(o, "checkins", rj_checkins(r, k));
	return o;
}

/* The whole report. */
int
report_json(const struct report *r, struct buf *out)
{
	json_t *o = rj_period(r, 0), *filters = json_object();
	char *s;
	int ret;

	json_object_set_new(o, "version", json_integer(1));
	rj_time(o, "generated", r->now);
	rj_u64(o, "snapshot_event_id", r->last_event);
	json_object_set_new(o, "tz", json_string(r->tz.name));
	json_object_set_new(filters, "campaign", r->q.campaign[0] != '\0' ?
	    json_string(r->q.campaign) : json_null());
	json_object_set_new(filters, "batch", r->q.batch != 0 ?
	    json_integer(r->q.batch) : json_null());
	json_object_set_new(o, "filters", filters);
	json_object_set_new(o, "previous", rj_period(r, 1));
	s = json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(12));
	json_decref(o);
	if (s == NULL)
		return -ENOMEM;
	ret = buf_puts(out, s) < 0 || buf_puts(out, "\n") < 0 ? -ENOMEM : 0;
	free(s);
	return ret;
}
