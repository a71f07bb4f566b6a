/*
 * report_html.c — the report as one HTML page: self-contained (inline CSS
 * and SVG, no script, no external asset), readable on a 360-pixel phone
 * (tables scroll sideways inside their box) and printable on A4. Every
 * figure stands beside the previous period's.
 */
#include "analytics/geo.h"
#include "analytics/report_internal.h"
#include "codegen/code.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RH_T(key) report_text(h->lang, key)

/* What the page's writers share. */
struct rh {
	const struct report *r;
	enum report_lang lang;
	struct buf *o;
	int err;
};

static const char rh_css[] =
"*{box-sizing:border-box}"
"body{font:14px/1.45 -apple-system,'PingFang SC','Noto Sans CJK SC',"
"'Microsoft YaHei',sans-serif;margin:0;padding:12px;color:#1d2330;"
"background:#fff;max-width:980px;margin:auto}"
"h1{font-size:20px;margin:4px 0 8px}h3{font-size:14px;margin:14px 0 4px}h2{font-size:16px;margin:22px 0 8px;"
"border-bottom:2px solid #d7dde8;padding-bottom:3px}"
".meta{color:#525b6b;font-size:13px}.meta div{margin:2px 0}"
".tw{overflow-x:auto;-webkit-overflow-scrolling:touch}"
"table{border-collapse:collapse;width:100%;font-size:13px;margin:4px 0}"
"th,td{padding:4px 6px;border-bottom:1px solid #e3e7ee;text-align:right;"
"white-space:nowrap}td.wrap{white-space:normal;text-align:left;"
"min-width:14em}th:first-child,td:first-child{text-align:left}"
"thead th{background:#f2f4f8;font-weight:600}"
".up{color:#1a7f37}.down{color:#b42318}.muted{color:#7a8394}"
"svg{width:100%;height:auto;display:block;margin:6px 0}"
".ct{font-size:14px;font-weight:600;fill:#1d2330}"
".yl{font-size:11px;text-anchor:end;fill:#525b6b}"
".xl{font-size:11px;text-anchor:middle;fill:#525b6b}"
".at{font-size:12px;text-anchor:middle;fill:#1d2330}"
".lg{font-size:11px;fill:#1d2330}.grid{stroke:#e3e7ee}"
".axis{stroke:#525b6b}.sea{fill:#eef4fb}"
".land{fill:#dfe5dc;stroke:#8a9488;stroke-width:.6}"
".pt{fill:#d1495b;fill-opacity:.75;stroke:#fff;stroke-width:.5}"
".pp{fill:none;stroke:#2e6fd1;stroke-width:1.2}"
".note{font-size:12px;color:#525b6b}"
"@media print{@page{size:A4;margin:12mm}body{padding:0;max-width:none}"
"section{break-inside:avoid}.tw{overflow:visible}}";

/* Appends text. */
static void
rh_puts(struct rh *h, const char *s)
{
	if (h->err == 0 && buf_puts(h->o, s) < 0)
		h->err = -ENOMEM;
}

/* Appends escaped text. */
static void
rh_esc(struct rh *h, const char *s)
{
	if (h->err == 0 && report_html_escape(h->o, s) < 0)
		h->err = -ENOMEM;
}

/* Appends a number with thousands separators. */
static void
rh_num(struct rh *h, uint64_t v)
{
	char d[24], out[32];
	int n = snprintf(d, sizeof(d), "%llu", (unsigned long long)v), o = 0;

	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = d[i];
	}
	out[o] = '\0';
	rh_puts(h, out);
}

/* Appends a ratio as a percentage, or a dash. */
static void
rh_pct(struct rh *h, uint64_t num, uint64_t den)
{
	char t[32];

	if (den == 0) {
		rh_puts(h, "<span class=\"muted\">–</span>");
		return;
	}
	snprintf(t, sizeof(t), "%.1f%%", 100.0 * (double)num / (double)den);
	rh_puts(h, t);
}

/* The change from prev to cur, as a signed percentage. */
static void
rh_change(struct rh *h, uint64_t cur, uint64_t prev)
{
	char t[48];

	if (prev == 0) {
		rh_puts(h, cur == 0 ? "<span class=\"muted\">–</span>" :
		    "<span class=\"up\">+</span>");
		return;
	}
	snprintf(t, sizeof(t), "<span class=\"%s\">%+.0f%%</span>",
	    cur >= prev ? "up" : "down", 100.0 * ((double)cur -
	    (double)prev) / (double)prev);
	rh_puts(h, t);
}

/* A table's head: the first column's title, then this, previous and
 * (with change) the change. */
static void
rh_thead(struct rh *h, const char *first, bool change)
{
	rh_puts(h, "<div class=\"tw\"><table><thead><tr><th>");
	rh_esc(h, first);
	rh_puts(h, "</th><th>");
	rh_esc(h, RH_T("this"));
	rh_puts(h, "</th><th>");
	rh_esc(h, RH_T("previous"));
	if (change) {
		rh_puts(h, "</th><th>");
		rh_esc(h, RH_T("change"));
	}
	rh_puts(h, "</th></tr></thead><tbody>");
}

/* A table's head of n columns, each a word's key. */
static void
rh_thead_cols(struct rh *h, const char *const *cols, size_t n)
{
	rh_puts(h, "<div class=\"tw\"><table><thead><tr>");
	for (size_t i = 0; i < n; i++) {
		rh_puts(h, "<th>");
		rh_esc(h, RH_T(cols[i]));
		rh_puts(h, "</th>");
	}
	rh_puts(h, "</tr></thead><tbody>");
}

/* A row of a count this period and the previous. */
static void rh_named_row(struct rh *, const char *, uint64_t, uint64_t);

static void
rh_row(struct rh *h, const char *key, uint64_t cur, uint64_t prev)
{
	rh_named_row(h, RH_T(key), cur, prev);
}

/* A row of a name (escaped), a count this period and the previous. */
static void
rh_named_row(struct rh *h, const char *name, uint64_t cur, uint64_t prev)
{
	rh_puts(h, "<tr><td>");
	rh_esc(h, name);
	rh_puts(h, "</td><td>");
	rh_num(h, cur);
	rh_puts(h, "</td><td>");
	rh_num(h, prev);
	rh_puts(h, "</td><td>");
	rh_change(h, cur, prev);
	rh_puts(h, "</td></tr>");
}

/* Ends a table. */
static void
rh_tend(struct rh *h)
{
	rh_puts(h, "</tbody></table></div>");
}

/* A section's heading. */
static void
rh_section(struct rh *h, const char *key)
{
	rh_puts(h, "</section><section><h2>");
	rh_esc(h, RH_T(key));
	rh_puts(h, "</h2>");
}

/* The title and what the report covers. */
static void
rh_head(struct rh *h)
{
	const struct report *r = h->r;
	char a[32], b[32], line[160];

	rh_puts(h, "<h1>");
	rh_esc(h, RH_T("title"));
	rh_puts(h, "</h1><div class=\"meta\">");
	for (int k = 0; k < 2; k++) {
		report_time_text(&r->tz, r->p[k].from, a);
		report_time_text(&r->tz, r->p[k].to, b);
		snprintf(line, sizeof(line), "%s – %s", a, b);
		rh_puts(h, "<div>");
		rh_esc(h, RH_T(k == 0 ? "period" : "previous"));
		rh_puts(h, ": <b>");
		rh_esc(h, line);
		rh_puts(h, "</b></div>");
	}
	rh_puts(h, "<div>");
	rh_esc(h, RH_T("tz"));
	rh_puts(h, ": ");
	rh_esc(h, r->tz.name);
	rh_puts(h, " · ");
	rh_esc(h, RH_T("filters"));
	rh_puts(h, ": ");
	if (r->campaign != NULL) {
		rh_esc(h, RH_T("campaign"));
		rh_puts(h, " ");
		rh_esc(h, r->campaign->name[0] ? r->campaign->name :
		    r->campaign->id);
		rh_puts(h, " (");
		rh_esc(h, r->campaign->id);
		rh_puts(h, ") ");
	}
	if (r->q.batch != 0) {
		snprintf(line, sizeof(line), "%s %u", RH_T("batch"), r->q.batch);
		rh_esc(h, line);
	} else if (r->campaign == NULL)
		rh_esc(h, RH_T("all"));
	report_time_text(&r->tz, r->now, a);
	snprintf(line, sizeof(line), " · %s: %s · %s #%llu", RH_T("generated"),
	    a, RH_T("snapshot"), (unsigned long long)r->last_event);
	rh_esc(h, line);
	rh_puts(h, "</div></div>");
}

/* The summary and the verdicts. */
static void
rh_summary(struct rh *h)
{
	const struct report_period *p = &h->r->p[0], *q = &h->r->p[1];
	static const char *const verdicts[] = { "genuine", "not_active",
	    "void", "forged", "malformed" };

	rh_puts(h, "<section><h2>");
	rh_esc(h, RH_T("summary"));
	rh_puts(h, "</h2>");
	rh_thead(h, "", true);
	rh_row(h, "scans", p->total.scans, q->total.scans);
	rh_row(h, "human", p->total.human, q->total.human);
	rh_row(h, "api", p->total.api, q->total.api);
	rh_row(h, "bot", p->total.bot, q->total.bot);
	rh_row(h, "head", p->total.head, q->total.head);
	rh_row(h, "first_scans", p->first_scans, q->first_scans);
	rh_row(h, "repeats", p->repeats, q->repeats);
	rh_row(h, "codes_scanned", p->codes_scanned, q->codes_scanned);
	rh_row(h, "located", p->located, q->located);
	rh_tend(h);
	rh_section(h, "verdicts");
	rh_thead(h, "", true);
	for (int v = 0; v < VERDICT_COUNT; v++)
		rh_row(h, verdicts[v], p->total.verdict[v],
		    q->total.verdict[v]);
	rh_tend(h);
}

/* The charts per day and per hour. */
static void
rh_charts(struct rh *h)
{
	const struct report_period *p = &h->r->p[0], *q = &h->r->p[1];
	size_t n = p->ndays > 24 ? p->ndays : 24;
	double *v = calloc(5 * n, sizeof(*v));
	const char **labels = calloc(n, sizeof(*labels));
	char (*text)[11] = calloc(n, sizeof(*text));
	struct report_series s[5] = {
		{ RH_T("human"), "#2e6fd1", v, false },
		{ RH_T("bot"), "#9aa5b8", v + n, false },
		{ RH_T("head"), "#d6dbe4", v + 2 * n, false },
		{ RH_T("forged"), "#d1495b", v + 3 * n, true },
		{ RH_T("prev_human"), "#e0a030", v + 4 * n, true },
	};

	if (v == NULL || labels == NULL || text == NULL) {
		h->err = -ENOMEM;
		goto out;
	}
	for (size_t d = 0; d < p->ndays; d++) {
		report_day_text(p->day0 + (int64_t)d, text[d]);
		labels[d] = text[d] + 5;	/* "06-01" */
		v[d] = (double)p->days[d].human;
		v[n + d] = (double)p->days[d].bot;
		v[2 * n + d] = (double)p->days[d].head;
		v[3 * n + d] = (double)p->days[d].verdict[VERDICT_FORGED];
		v[4 * n + d] = d < q->ndays ? (double)q->days[d].human : 0;
	}
	rh_section(h, "per_day");
	if (h->err == 0 && report_svg_chart(h->o, RH_T("per_day"), RH_T("day"),
	    RH_T("count"), labels, p->ndays, (p->ndays + 7) / 8, s, 5) < 0)
		h->err = -ENOMEM;
	for (int hr = 0; hr < 24; hr++) {
		snprintf(text[hr], sizeof(text[hr]), "%02d", hr);
		labels[hr] = text[hr];
		v[hr] = (double)p->hours[hr].human;
		v[n + hr] = (double)p->hours[hr].bot;
		v[2 * n + hr] = (double)p->hours[hr].head;
		v[3 * n + hr] = (double)p->hours[hr].verdict[VERDICT_FORGED];
		v[4 * n + hr] = (double)q->hours[hr].human;
	}
	if (h->err == 0 && report_svg_chart(h->o, RH_T("per_hour"),
	    RH_T("hour"), RH_T("count"), labels, 24, 3, s, 5) < 0)
		h->err = -ENOMEM;
out:
	free(v);
	free(labels);
	free(text);
}

/* The batches table. */
static void
rh_batches(struct rh *h)
{
	const struct report *r = h->r;
	static const char *const cols[] = { "batch", "line", "activated",
	    "scanned", "scan_rate", "new_codes", "human", "forged" };
	char line[STORE_LINE_MAX + 1];

	rh_section(h, "batches");
	if (r->nbatches == 0) {
		rh_esc(h, RH_T("none"));
		return;
	}
	rh_thead_cols(h, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < r->nbatches; i++) {
		const struct report_batch *b = &r->batches[i];

		memcpy(line, b->b.line, STORE_LINE_MAX);
		line[STORE_LINE_MAX] = '\0';
		for (int k = 0; k < 2; k++) {
			const struct report_batch_fig *f = &b->fig[k];

			rh_puts(h, k == 0 ? "<tr><td>" : "<tr class=\"muted\">"
			    "<td>");
			if (k == 0)
				rh_num(h, b->b.id);
			else
				rh_esc(h, RH_T("previous"));
			rh_puts(h, "</td><td>");
			rh_esc(h, k == 0 ? line : "");
			rh_puts(h, "</td><td>");
			rh_num(h, f->activated_codes);
			rh_puts(h, "</td><td>");
			rh_num(h, f->codes_scanned);
			rh_puts(h, "</td><td>");
			rh_pct(h, f->codes_scanned, f->activated_codes);
			rh_puts(h, "</td><td>");
			rh_num(h, f->first_scans);
			rh_puts(h, "</td><td>");
			rh_num(h, f->human);
			rh_puts(h, "</td><td>");
			rh_num(h, f->forged);
			rh_puts(h, "</td></tr>");
		}
	}
	rh_tend(h);
}

/* The map and the table by country. */
static void
rh_where(struct rh *h)
{
	const struct report *r = h->r;
	size_t n[2], *idx[2];

	rh_section(h, "where");
	if (h->err == 0 && report_svg_map(h->o, r, h->lang) < 0)
		h->err = -ENOMEM;
	rh_puts(h, "<p class=\"note\">");
	rh_esc(h, RH_T("map_note"));
	rh_puts(h, " ");
	rh_esc(h, RH_T("source"));
	rh_puts(h, "</p>");
	idx[0] = report_areas_sorted(&r->p[0], &n[0]);
	idx[1] = report_areas_sorted(&r->p[1], &n[1]);
	if (idx[0] == NULL || idx[1] == NULL) {
		h->err = -ENOMEM;
		goto out;
	}
	rh_thead(h, RH_T("area"), true);
	/* This period's areas, then those only the previous one had. */
	for (int k = 0; k < 2; k++)
		for (size_t j = 0; j < n[k]; j++) {
			size_t i = idx[k][j];
			const char *name;

			if (k == 1 && r->p[0].countries[i] > 0)
				continue;
			name = i == geo_ncountries ? RH_T("unknown") :
			    h->lang == REPORT_LANG_ZH &&
			    geo_countries[i].name_zh != NULL ?
			    geo_countries[i].name_zh : geo_countries[i].name;
			rh_puts(h, "<tr><td>");
			rh_esc(h, name);
			rh_puts(h, "</td><td>");
			rh_num(h, r->p[0].countries[i]);
			rh_puts(h, "</td><td>");
			rh_num(h, r->p[1].countries[i]);
			rh_puts(h, "</td><td>");
			rh_change(h, r->p[0].countries[i], r->p[1].countries[i]);
			rh_puts(h, "</td></tr>");
		}
	rh_tend(h);
out:
	free(idx[0]);
	free(idx[1]);
}

/* A code's count in a period's table (0 if absent). */
static uint32_t
rh_code_scans(const struct report_period *p, const uint8_t *serial)
{
	for (size_t i = 0; i < REPORT_CODES_MAX; i++)
		if (p->codes[i].used && memcmp(p->codes[i].serial, serial,
		    STORE_SERIAL_BYTES) == 0)
			return p->codes[i].scans;
	return 0;
}

/* The ranked tables. */
static void
rh_ranked(struct rh *h)
{
	const struct report_period *p = &h->r->p[0], *q = &h->r->p[1];
	size_t top[REPORT_TOP], n;
	char text[48];

	rh_section(h, "top_codes");
	n = report_codes_top(p, top);
	rh_thead(h, RH_T("serial"), false);
	for (size_t j = 0; j < n; j++) {
		const struct report_code *c = &p->codes[top[j]];

		code_serial_text(c->serial, text);
		rh_puts(h, "<tr><td><code>");
		rh_esc(h, text);
		rh_puts(h, "</code></td><td>");
		rh_num(h, c->scans);
		rh_puts(h, "</td><td>");
		rh_num(h, rh_code_scans(q, c->serial));
		rh_puts(h, "</td></tr>");
	}
	rh_tend(h);
	if (n == 0)
		rh_esc(h, RH_T("none"));
	if (p->codes_full) {
		rh_puts(h, "<p class=\"note\">");
		rh_esc(h, RH_T("incomplete"));
		rh_puts(h, "</p>");
	}
	rh_section(h, "prefixes");
	n = report_prefixes_top(p, top);
	rh_thead(h, RH_T("prefix"), false);
	for (size_t j = 0; j < n; j++) {
		const struct report_prefix *x = &p->prefixes[top[j]];
		uint64_t prev = 0;

		for (size_t i = 0; i < REPORT_PREFIXES_MAX; i++)
			if (q->prefixes[i].family == x->family &&
			    memcmp(q->prefixes[i].bytes, x->bytes, 6) == 0)
				prev = (uint64_t)q->prefixes[i].forged +
				    q->prefixes[i].malformed;
		report_prefix_text(x, text);
		rh_puts(h, "<tr><td>");
		rh_esc(h, text);
		rh_puts(h, "</td><td>");
		rh_num(h, (uint64_t)x->forged + x->malformed);
		rh_puts(h, "</td><td>");
		rh_num(h, prev);
		rh_puts(h, "</td></tr>");
	}
	rh_tend(h);
	if (n == 0)
		rh_esc(h, RH_T("none"));
}

/* The campaign: draws, prizes, claims, stores. */
static void
rh_campaign(struct rh *h)
{
	const struct report *r = h->r;
	const struct campaign *c = r->campaign;
	const struct report_campaign_fig *f, *g;
	static const char *const tier_cols[] = { "tier", "stock", "daily_cap",
	    "awarded", "previous", "remaining", "max_day", "days_at_cap" };

	if (c == NULL)
		return;
	f = &r->p[0].camp;
	g = &r->p[1].camp;
	rh_section(h, "campaign");
	rh_thead(h, c->name[0] ? c->name : c->id, true);
	rh_row(h, "draws", f->draws, g->draws);
	rh_row(h, "wins", f->wins, g->wins);
	rh_row(h, "misses", f->misses, g->misses);
	rh_row(h, "tickets", f->tickets, g->tickets);
	rh_row(h, "opened", f->opened, g->opened);
	rh_row(h, "grants", f->grants, g->grants);
	rh_row(h, "refused", f->refused, g->refused);
	rh_row(h, "points", f->points, g->points);
	rh_row(h, "claims", f->claims, g->claims);
	rh_row(h, "claims_redeemed", f->claims_redeemed, g->claims_redeemed);
	rh_row(h, "redeemed", f->redeemed, g->redeemed);
	rh_puts(h, "<tr><td>");
	rh_esc(h, RH_T("redemption_rate"));
	rh_puts(h, "</td><td>");
	rh_pct(h, f->claims_redeemed, f->claims);
	rh_puts(h, "</td><td>");
	rh_pct(h, g->claims_redeemed, g->claims);
	rh_puts(h, "</td><td></td></tr>");
	rh_tend(h);
	rh_thead_cols(h, tier_cols, sizeof(tier_cols) / sizeof(tier_cols[0]));
	for (size_t t = 0; t < c->ntiers; t++) {
		const struct campaign_tier *ct = &c->tiers[t];

		rh_puts(h, "<tr><td>");
		rh_esc(h, ct->name[0] ? ct->name : ct->id);
		rh_puts(h, "</td><td>");
		rh_num(h, ct->total);
		rh_puts(h, "</td><td>");
		if (ct->daily_cap > 0)
			rh_num(h, ct->daily_cap);
		else
			rh_puts(h, "–");
		rh_puts(h, "</td><td>");
		rh_num(h, f->tier[t].awarded);
		rh_puts(h, "</td><td>");
		rh_num(h, g->tier[t].awarded);
		rh_puts(h, "</td><td>");
		rh_num(h, ct->total > f->tier[t].awarded_to_end ? ct->total -
		    f->tier[t].awarded_to_end : 0);
		rh_puts(h, "</td><td>");
		rh_num(h, f->tier[t].max_day);
		rh_puts(h, "</td><td>");
		rh_num(h, f->tier[t].days_at_cap);
		rh_puts(h, "</td></tr>");
	}
	rh_tend(h);
	rh_section(h, "stores");
	rh_thead(h, RH_T("store"), true);
	for (size_t i = 0; i < r->nshops; i++)
		rh_named_row(h, r->shops[i].name, r->shops[i].redeemed[0],
		    r->shops[i].redeemed[1]);
	rh_tend(h);
	if (r->nshops == 0)
		rh_esc(h, RH_T("none"));
}

/* Store check-ins: per store beside the previous period, then per local
 * day and store (days without any left out). */
static void
rh_checkins(struct rh *h)
{
	const struct report *r = h->r;
	const struct report_period *p = &r->p[0];
	static const char *const cols[] = { "date", "store", "checkins" };
	char date[11];

	if (r->ck_total[0] == 0 && r->ck_total[1] == 0)
		return;
	rh_section(h, "checkins");
	rh_thead(h, RH_T("store"), true);
	rh_row(h, "checkins", r->ck_total[0], r->ck_total[1]);
	for (size_t i = 0; i < r->nck_shops; i++)
		rh_named_row(h, r->ck_shops[i].name, r->ck_shops[i].total[0],
		    r->ck_shops[i].total[1]);
	rh_tend(h);
	if (r->ck_full)
		rh_esc(h, RH_T("incomplete"));
	rh_puts(h, "<h3>");
	rh_esc(h, RH_T("checkin_days"));
	rh_puts(h, "</h3>");
	rh_thead_cols(h, cols, 3);
	for (size_t d = 0; d < p->ndays; d++)
		for (size_t i = 0; i < r->nck_shops; i++) {
			if (r->ck_shops[i].days[0][d] == 0)
				continue;
			report_day_text(p->day0 + (int64_t)d, date);
			rh_puts(h, "<tr><td>");
			rh_esc(h, date);
			rh_puts(h, "</td><td>");
			rh_esc(h, r->ck_shops[i].name);
			rh_puts(h, "</td><td>");
			rh_num(h, r->ck_shops[i].days[0][d]);
			rh_puts(h, "</td></tr>");
		}
	rh_tend(h);
}

/* Where a signal was: "31.2304, 121.4737" and/or its network. */
static void
rh_signal_where(struct rh *h, const struct store_signal *s)
{
	char t[64];

	if (s->flags & STORE_SIGNAL_F_LOCATION) {
		snprintf(t, sizeof(t), "%.4f, %.4f", s->lat, s->lon);
		rh_esc(h, t);
	}
	signals_prefix_text(s, t, sizeof(t));
	if (t[0] != '\0') {
		rh_puts(h, s->flags & STORE_SIGNAL_F_LOCATION ? "<br>" : "");
		rh_esc(h, t);
	}
}

/* The newest signals of a kind this period. */
static void
rh_signal_table(struct rh *h, int kind)
{
	const struct report_period *p = &h->r->p[0];
	const struct store_signal *top[REPORT_SIGNALS_LATEST];
	static const char *const cols[] = { "time", "serial", "batch",
	    "place", "detail" };
	size_t n = report_signals_latest(p, kind, top);
	char t[64];

	rh_puts(h, "<h3>");
	rh_esc(h, RH_T(signals_kind_name(kind)));
	rh_puts(h, " · ");
	rh_num(h, p->sig.count[kind]);
	rh_puts(h, "</h3>");
	if (n == 0) {
		rh_esc(h, RH_T("none"));
		return;
	}
	rh_thead_cols(h, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < n; i++) {
		static const uint8_t none[STORE_SERIAL_BYTES];

		report_time_text(&h->r->tz, top[i]->time, t);
		rh_puts(h, "<tr><td>");
		rh_esc(h, t);
		rh_puts(h, "</td><td><code>");
		if (memcmp(top[i]->serial, none, STORE_SERIAL_BYTES) != 0) {
			code_serial_text(top[i]->serial, t);
			rh_esc(h, t);
		}
		rh_puts(h, "</code></td><td>");
		if (top[i]->batch_id != 0)
			rh_num(h, top[i]->batch_id);
		rh_puts(h, "</td><td>");
		rh_signal_where(h, top[i]);
		rh_puts(h, "</td><td class=\"wrap\">");
		rh_esc(h, top[i]->detail);
		rh_puts(h, "</td></tr>");
	}
	rh_tend(h);
}

/* Diversions per dealer whose region the items left. */
static void
rh_dealer_table(struct rh *h)
{
	const struct report_signals *g = &h->r->p[0].sig;
	static const char *const cols[] = { "dealer", "diversion_count" };
	size_t order[REPORT_DEALERS_MAX];

	if (g->ndealers == 0)
		return;
	rh_puts(h, "<h3>");
	rh_esc(h, RH_T("by_dealer"));
	rh_puts(h, "</h3>");
	rh_thead_cols(h, cols, sizeof(cols) / sizeof(cols[0]));
	report_dealers_order(g, order);
	for (size_t i = 0; i < g->ndealers; i++) {
		const struct report_dealer_count *d = &g->dealers[order[i]];

		rh_puts(h, "<tr><td>");
		rh_esc(h, d->dealer[0] != '\0' ? d->dealer : RH_T("no_dealer"));
		rh_puts(h, "</td><td>");
		rh_num(h, d->n);
		rh_puts(h, "</td></tr>");
	}
	rh_tend(h);
	if (g->dealers_full) {
		rh_puts(h, "<p class=\"note\">");
		rh_esc(h, RH_T("incomplete"));
		rh_puts(h, "</p>");
	}
}

/* The signals: counts per kind, the newest of each, the anomalies. */
static void
rh_signals(struct rh *h)
{
	const struct report_signals *g = &h->r->p[0].sig, *q = &h->r->p[1].sig;
	char t[64];

	rh_section(h, "signals");
	rh_thead(h, RH_T("signal_kind"), true);
	for (int kind = 1; kind < SIGNALS_KINDS; kind++)
		rh_row(h, signals_kind_name(kind), g->count[kind],
		    q->count[kind]);
	rh_tend(h);
	for (int kind = 1; kind < SIGNALS_KINDS; kind++) {
		if (kind != SIGNALS_REDEMPTION_ANOMALY)
			rh_signal_table(h, kind);
		if (kind == SIGNALS_DIVERSION)
			rh_dealer_table(h);
	}
	rh_puts(h, "<h3>");
	rh_esc(h, RH_T("anomalies"));
	rh_puts(h, " · ");
	rh_num(h, g->count[SIGNALS_REDEMPTION_ANOMALY]);
	rh_puts(h, "</h3>");
	if (g->nanomalies == 0)
		rh_esc(h, RH_T("none"));
	else {
		static const char *const cols[] = { "store", "redeemed",
		    "expected", "scans_near", "p_value", "place" };

		rh_thead_cols(h, cols, sizeof(cols) / sizeof(cols[0]));
	}
	for (size_t i = 0; i < g->nanomalies; i++) {
		const struct signals_anomaly *a = &g->anomalies[i];

		rh_puts(h, "<tr><td>");
		rh_esc(h, a->shop);
		rh_puts(h, "</td><td>");
		rh_num(h, a->redeemed);
		rh_puts(h, " / ");
		rh_num(h, a->redeemed_all);
		snprintf(t, sizeof(t), "</td><td>%.1f</td><td>", a->expected);
		rh_puts(h, t);
		rh_num(h, a->scans);
		rh_puts(h, " / ");
		rh_num(h, a->scans_all);
		snprintf(t, sizeof(t), "</td><td>%.3g</td><td>", a->p);
		rh_puts(h, t);
		snprintf(t, sizeof(t), "%.4f, %.4f", a->lat, a->lon);
		rh_esc(h, t);
		rh_puts(h, "</td></tr>");
	}
	if (g->nanomalies > 0)
		rh_tend(h);
	if (g->anomalies_full) {
		rh_puts(h, "<p class=\"note\">");
		rh_esc(h, RH_T("incomplete"));
		rh_puts(h, "</p>");
	}
	rh_puts(h, "<p class=\"note\">");
	rh_esc(h, RH_T("signals_note"));
	rh_puts(h, "</p>");
}

/* The whole page. */
int
report_html(const struct report *r, enum report_lang lang, struct buf *out)
{
	struct rh h = { r, lang, out, 0 };

	rh_puts(&h, "<!DOCTYPE html><html lang=\"");
	rh_puts(&h, lang == REPORT_LANG_EN ? "en" : "zh-CN");
	rh_puts(&h, "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width,initial-scale=1\"><title>");
	rh_esc(&h, report_text(lang, "title"));
	rh_puts(&h, "</title><style>");
	rh_puts(&h, rh_css);
	rh_puts(&h, "</style></head><body>");
	rh_head(&h);
	rh_summary(&h);
	rh_charts(&h);
	rh_batches(&h);
	rh_where(&h);
	rh_ranked(&h);
	rh_campaign(&h);
	rh_checkins(&h);
	rh_signals(&h);
	rh_puts(&h, "</section><p class=\"note\">");
	rh_esc(&h, report_text(lang, "notes"));
	rh_puts(&h, "</p></body></html>\n");
	return h.err;
}
