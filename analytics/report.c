/*
 * report.c — a report's life: its query, its two periods, and the one
 * pass over their events.
 *
 * The pass starts at the first event of the previous period (found by
 * bisecting event ids, which follow time) and ends after the current
 * one. Each event counts in its period by who, verdict, local day and
 * hour, place and batch. A person's scan of a genuine code (a human scan
 * whose signature matched) is a first scan or a repeat, and the first of
 * its code in the period or not: the code's chain of events
 * (prev_same_code) is walked back to its previous human scan, or to the
 * period's start. Each event is walked over at most once per period, so
 * the pass stays linear.
 */
#include "analytics/geo.h"
#include "analytics/report_internal.h"
#include "codegen/code.h"
#include "common/tz.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Event times may run a little out of id order (a group commit takes
 * scans from several loops): the pass reads this much either side. */
#define REPORT_SLACK_US (60 * 1000000LL)
#define REPORT_DEFAULT_DAYS 30
/* Events read between two trims of the pages read (a flat RSS). */
#define REPORT_TRIM_EVENTS 16384

/* Starts an empty query. */
void
report_query_init(struct report_query *q)
{
	memset(q, 0, sizeof(*q));
}

/* Parses a language. */
int
report_lang_parse(const char *s)
{
	if (strcmp(s, "zh") == 0)
		return REPORT_LANG_ZH;
	if (strcmp(s, "en") == 0)
		return REPORT_LANG_EN;
	return -EINVAL;
}

/* Sets a field of the query. */
int
report_query_set(struct report_query *q, const char *name, const char *v,
    const char **why)
{
	struct analytics_query aq;
	int l;

	if (strcmp(name, "tz") == 0) {
		if (strlen(v) >= sizeof(q->tz) || !tz_known(v)) {
			*why = "tz must be an IANA time zone installed here "
			    "(Asia/Shanghai, UTC)";
			return -EINVAL;
		}
		strcpy(q->tz, v);
		return 0;
	}
	if (strcmp(name, "lang") == 0) {
		if ((l = report_lang_parse(v)) < 0) {
			*why = "lang must be zh or en";
			return -EINVAL;
		}
		q->lang = (enum report_lang)l;
		q->has_lang = true;
		return 0;
	}
	if (strcmp(name, "campaign") != 0 && strcmp(name, "batch") != 0 &&
	    strcmp(name, "from") != 0 && strcmp(name, "to") != 0) {
		*why = "unknown parameter";
		return -EINVAL;
	}
	/* The export's parsers and messages, for the same options. */
	analytics_query_init(&aq, ANALYTICS_SCANS);
	if (analytics_query_set(&aq, name, v, why) < 0)
		return -EINVAL;
	if (name[0] == 'c')
		strcpy(q->campaign, aq.campaign);
	else if (name[0] == 'b')
		q->batch = aq.batch;
	else if (name[0] == 'f') {
		q->from = aq.from;
		q->has_from = true;
	} else {
		q->to = aq.to;
		q->has_to = true;
	}
	return 0;
}

/* report_query_set as an analytics_param_fn. */
static int
report_query_param(void *arg, const char *name, const char *value,
    const char **why)
{
	return report_query_set(arg, name, value, why);
}

/* Reads a URL's query string. */
int
report_query_parse_url(struct report_query *q, const char *query, size_t len,
    const char **why)
{
	static const char *const names[] = { "campaign", "batch", "from",
	    "to", "tz", "lang", NULL };

	return analytics_url_params(query, len, names, report_query_param, q,
	    why);
}

/* The first event id after which events reach time at (the last id when
 * none does), by bisection over ids. */
static int
report_seek(struct report *r, int64_t at, uint64_t *after)
{
	uint64_t lo = 1, hi = r->last_event + 1;	/* answer in [lo, hi] */
	struct store_event_cursor *c;
	int ret;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if ((ret = store_event_cursor_open_txn(&r->t, mid - 1,
		    &c)) < 0)
			return ret;
		ret = store_event_cursor_next(c, &r->ev);
		store_event_cursor_close(c);
		if (ret == -ENOENT) {
			hi = mid;
			continue;
		}
		if (ret < 0)
			return ret;
		if (r->ev.time >= at)
			hi = mid;
		else
			lo = r->ev.id + 1;
	}
	*after = lo - 1;
	return 0;
}

/* Allocates a period's tables. */
static int
report_period_init(struct report *r, struct report_period *p, int64_t from,
    int64_t to)
{
	p->from = from;
	p->to = to;
	p->day0 = report_tz_day(&r->tz, from);
	p->ndays = (size_t)(report_tz_day(&r->tz, to - 1) - p->day0 + 1);
	p->days = calloc(p->ndays, sizeof(*p->days));
	p->cells = calloc(REPORT_CELLS, sizeof(*p->cells));
	p->countries = calloc(geo_ncountries + 1, sizeof(*p->countries));
	p->codes = calloc(REPORT_CODES_MAX, sizeof(*p->codes));
	p->prefixes = calloc(REPORT_PREFIXES_MAX, sizeof(*p->prefixes));
	if (p->days == NULL || p->cells == NULL || p->countries == NULL ||
	    p->codes == NULL || p->prefixes == NULL)
		return -ENOMEM;
	return 0;
}

/* Frees a period's tables. */
static void
report_period_free(struct report_period *p)
{
	free(p->days);
	free(p->cells);
	free(p->countries);
	free(p->codes);
	free(p->prefixes);
	free(p->camp.wins_day);
	free(p->sig.anomalies);
}

/* Decides the periods: the query's, or the default. */
static int
report_window(struct report *r, const char **why)
{
	const struct report_query *q = &r->q;
	const char *zone = q->tz[0] != '\0' ? q->tz : r->campaign != NULL &&
	    r->campaign->tz[0] != '\0' ? r->campaign->tz : "UTC";
	int64_t from, to, tomorrow;
	int ret;

	/* A first pass over the days around now for the defaults. */
	if ((ret = report_tz_resolve(&r->tz, zone, r->now - 1200LL * 86400 *
	    1000000, r->now)) < 0) {
		*why = ret == -EINVAL ? "unknown time zone" :
		    "the time zone changes too often";
		return -EINVAL;
	}
	tomorrow = report_tz_midnight(&r->tz, report_tz_day(&r->tz,
	    r->now) + 1);
	to = q->has_to ? q->to : tomorrow;
	if (!q->has_to && r->campaign != NULL) {
		to = r->campaign->end < tomorrow ? r->campaign->end : tomorrow;
		if (to <= r->campaign->start)
			to = r->campaign->end;
	}
	from = q->has_from ? q->from : r->campaign != NULL ?
	    r->campaign->start : report_tz_midnight(&r->tz,
	    report_tz_day(&r->tz, to - 1) - REPORT_DEFAULT_DAYS + 1);
	if (from >= to) {
		*why = q->has_from && q->has_to ? "--from must be before --to" :
		    "--from must be before the end of the period (--to)";
		return -EINVAL;
	}
	if (to - from > (int64_t)REPORT_DAYS_MAX * 86400 * 1000000) {
		*why = "the period is longer than 1100 days";
		return -EINVAL;
	}
	if (from - (to - from) < 0) {
		*why = "the previous period would start before 1970";
		return -EINVAL;
	}
	if ((ret = report_tz_resolve(&r->tz, zone, from - (to - from),
	    to)) < 0) {
		*why = "the time zone changes too often";
		return -EINVAL;
	}
	if ((ret = report_period_init(r, &r->p[0], from, to)) < 0 ||
	    (ret = report_period_init(r, &r->p[1], from - (to - from),
	    from)) < 0)
		return ret;
	return 0;
}

/* Opens a report. */
int
report_open(struct store *st, const struct report_query *q, int64_t now,
    struct report **out, const char **why)
{
	struct report *r;
	const struct store_batch *b;
	const char *dummy;
	uint64_t after;
	int ret;

	*out = NULL;
	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (q->has_from && q->has_to && q->from >= q->to) {
		*why = "--from must be before --to";
		return -EINVAL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->dec = malloc(sizeof(*r->dec))) == NULL) {
		free(r);
		return -ENOMEM;
	}
	r->st = st;
	r->q = *q;
	r->now = now;
	if ((ret = store_txn_begin(st, true, &r->t)) < 0)
		goto fail;
	r->txn_open = true;
	record_decoder_init(r->dec, &r->t);
	if (q->campaign[0] != '\0' && (ret = campaign_load_txn(&r->t,
	    q->campaign, &r->campaign, NULL, 0)) < 0) {
		if (ret == -ENOENT)
			*why = "no such campaign";
		goto fail;
	}
	if (q->batch != 0 && (ret = record_batch_txn(r->dec, q->batch,
	    &b)) < 0) {
		if (ret == -ENOENT)
			*why = "no such batch";
		goto fail;
	}
	if ((ret = report_window(r, why)) < 0 ||
	    (ret = report_batches_load(r)) < 0 ||
	    (ret = store_event_last_id_txn(&r->t, &r->last_event)) < 0 ||
	    (ret = analytics_tail_load_txn(&r->t, &r->tail)) < 0 ||
	    (ret = report_seek(r, r->p[1].from - REPORT_SLACK_US,
	    &after)) < 0 ||
	    (ret = store_event_cursor_open_txn(&r->t, after, &r->cur)) < 0)
		goto fail;
	*out = r;
	return 0;
fail:
	report_close(r);
	return ret;
}

/* True when the report covers a batch's codes. */
bool
report_covers_batch(struct report *r, uint32_t batch_id)
{
	const struct store_batch *b;

	if (r->q.batch == 0 && r->campaign == NULL)
		return true;
	if (batch_id == 0 || (r->q.batch != 0 && batch_id != r->q.batch))
		return false;
	if (r->campaign == NULL)
		return true;
	return record_batch_txn(r->dec, batch_id, &b) == 0 &&
	    campaign_covers(r->campaign, b->id, b->gtin);
}

/* True when the report covers the event's code (its batch, or the
 * campaign's batches and products). */
static bool
report_covers(struct report *r, const struct store_event *ev)
{
	const struct store_batch *b;
	struct code c;

	if (r->q.batch != 0 && ev->batch_id != r->q.batch)
		return false;
	if (r->campaign == NULL)
		return true;
	if (ev->batch_id != 0 && record_batch_txn(r->dec, ev->batch_id,
	    &b) == 0)
		return campaign_covers(r->campaign, b->id, b->gtin);
	if (ev->raw[0] == '\0' || code_parse(ev->raw, strlen(ev->raw), &c,
	    NULL) < 0)
		return false;
	return campaign_covers(r->campaign, 0, c.gtin);
}

/* Adds an event to counts. */
static void
report_counts_add(struct report_counts *c, const struct store_event *ev)
{
	c->scans++;
	if (ev->flags & STORE_EVENT_F_HEAD)
		c->head++;
	else if (!(ev->flags & STORE_EVENT_F_HUMAN))
		c->bot++;
	else {
		c->human++;
		if (ev->flags & STORE_EVENT_F_API)
			c->api++;
	}
	if (ev->verdict < VERDICT_COUNT)
		c->verdict[ev->verdict]++;
}

/* True for a person's scan of a code whose signature matched: the scans
 * that count as a code's first scan and repeats. */
static bool
report_human_auth(const struct store_event *ev)
{
	return (ev->flags & STORE_EVENT_F_HUMAN) &&
	    !(ev->flags & STORE_EVENT_F_HEAD) &&
	    (ev->flags & STORE_EVENT_F_AUTH);
}

/* Whether ev is its code's first human scan ever (the code's current
 * summary names it). */
static int
report_first_ever(struct report *r, const struct store_event *ev, bool *first)
{
	const struct analytics_tail *tl = &r->tail;
	struct store_code_scans s;
	size_t lo = 0, hi = tl->n;
	int ret = store_code_scans_get_txn(&r->t, ev->serial, &s);

	if (ret == -ENOENT)
		memset(&s, 0, sizeof(s));
	else if (ret < 0)
		return ret;
	while (lo < hi) {	/* the serial's first event in the tail */
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(tl->ev[mid].serial, ev->serial,
		    STORE_SERIAL_BYTES) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	analytics_tail_apply(tl, &lo, ev->serial, &s);
	*first = s.first_event == ev->id;
	return 0;
}

/* Walks ev's chain back to its previous human scan or out of the period
 * p: is ev the code's first human scan ever, and in p? */
static int
report_walk(struct report *r, const struct report_period *p,
    const struct store_event *ev, bool *first_ever, bool *first_in_period)
{
	uint64_t prev = ev->prev_same_code;
	int ret;

	while (prev != 0) {
		if ((ret = store_event_get_txn(&r->t, prev, &r->prev)) < 0)
			return ret == -ENOENT ? -EIO : ret;
		if (r->prev.time < p->from) {
			*first_in_period = true;
			return report_first_ever(r, ev, first_ever);
		}
		if (report_human_auth(&r->prev)) {
			*first_in_period = *first_ever = false;
			return 0;
		}
		prev = r->prev.prev_same_code;
	}
	*first_in_period = *first_ever = true;
	return 0;
}

/* Counts one event of period k. */
static int
report_count(struct report *r, int k, const struct store_event *ev)
{
	struct report_period *p = &r->p[k];
	struct report_batch *rb = report_batch_find(r, ev->batch_id);
	int64_t day = report_tz_day(&r->tz, ev->time) - p->day0;
	bool first_ever, first_in;
	int ret;

	report_counts_add(&p->total, ev);
	if (day >= 0 && (uint64_t)day < p->ndays)
		report_counts_add(&p->days[day], ev);
	report_counts_add(&p->hours[report_tz_hour(&r->tz, ev->time)], ev);
	if ((ev->flags & STORE_EVENT_F_LOCATION) && isfinite(ev->lat) &&
	    isfinite(ev->lon) && fabs(ev->lat) <= 90 && fabs(ev->lon) <= 180) {
		int row = (int)floor(ev->lat + 90), col = (int)floor(ev->lon +
		    180);
		int c = geo_country_at(ev->lat, ev->lon);

		p->located++;
		p->cells[(row > 179 ? 179 : row) * 360 + (col > 359 ? 359 :
		    col)]++;
		p->countries[c < 0 ? geo_ncountries : (size_t)c]++;
	}
	if (ev->verdict == VERDICT_FORGED || ev->verdict == VERDICT_MALFORMED)
		report_prefix_count(p, ev);
	if (rb != NULL && ev->verdict == VERDICT_FORGED)
		rb->fig[k].forged++;
	if (!report_human_auth(ev))
		return 0;
	if (rb != NULL)
		rb->fig[k].human++;
	if ((ret = report_walk(r, p, ev, &first_ever, &first_in)) < 0)
		return ret;
	if (first_ever) {
		p->first_scans++;
		if (rb != NULL)
			rb->fig[k].first_scans++;
	} else
		p->repeats++;
	if (first_in) {
		p->codes_scanned++;
		if (rb != NULL)
			rb->fig[k].codes_scanned_period++;
	} else
		report_code_count(p, ev);
	return 0;
}

/* Reads on. */
int
report_step(struct report *r, size_t budget)
{
	size_t n = 0;
	int ret;

	if (r->done)
		return 0;
	while (r->cur != NULL) {
		if (budget != SIZE_MAX && n++ >= budget)
			return 1;
		ret = store_event_cursor_next(r->cur, &r->ev);
		if (ret == -ENOENT || (ret == 0 && r->ev.time >= r->p[0].to +
		    REPORT_SLACK_US)) {
			store_event_cursor_close(r->cur);
			r->cur = NULL;
			break;
		}
		if (ret < 0)
			return ret;
		if (++r->since_trim == REPORT_TRIM_EVENTS) {
			store_event_cursor_trim(r->cur);
			r->since_trim = 0;
		}
		for (int k = 0; k < 2; k++)
			if (r->ev.time >= r->p[k].from &&
			    r->ev.time < r->p[k].to && report_covers(r,
			    &r->ev) && (ret = report_count(r, k,
			    &r->ev)) < 0)
				return ret;
	}
	if ((ret = report_batches_scanned(r)) < 0 ||
	    (r->campaign != NULL && (ret = report_campaign_count(r)) < 0) ||
	    (ret = report_signals_count(r)) < 0 ||
	    (ret = report_checkins_count(r)) < 0)
		return ret;
	r->done = true;
	return 0;
}

/* Ends a report. */
void
report_close(struct report *r)
{
	if (r == NULL)
		return;
	store_event_cursor_close(r->cur);
	if (r->dec != NULL && r->txn_open)
		record_decoder_deinit(r->dec);
	if (r->txn_open)
		store_txn_abort(&r->t);
	campaign_unref(r->campaign, __func__);
	for (int k = 0; k < 2; k++)
		report_period_free(&r->p[k]);
	free(r->batches);
	free(r->shops);
	report_checkins_free(r);
	free(r->tail.ev);
	free(r->dec);
	free(r);
}
