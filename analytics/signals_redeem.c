/*
 * signals_redeem.c — redemption anomalies: a store that redeems far more
 * claims in a period than its share of the period's scans predicts. The
 * rule (docs/signals.md, "redemption_anomaly"):
 *
 *   Every located human scan of a genuine code in the period counts for
 *   the nearest store with a location within redemption.km. With K such
 *   stores, N scans counted and R claims redeemed at them, store s with
 *   n_s scans has the share p_s = (n_s + 1) / (N + K) (add-one smoothing:
 *   a store no scan was near still has a share) and expects
 *   E_s = R x p_s redemptions. It is an anomaly when its redemptions r_s
 *   are at least redemption.min, at least redemption.ratio x E_s, and
 *   P(X >= r_s) <= redemption.p for X ~ Binomial(R, p_s).
 *
 * Computed when asked, in one read transaction; nothing is stored.
 */
#include "analytics/signals.h"
#include "store/verdict.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Events whose time may precede an earlier id's (times are taken before
 * the commit that orders ids): the search for the period's first event
 * starts this much earlier. */
#define SIGNALS_TIME_SLACK_US (60LL * 1000000)

struct signals_shop {
	char id[STORE_ID_MAX + 1];
	double lat, lon;
	uint64_t redeemed, scans;
};

struct signals_period {
	struct signals_shop *shops;
	size_t n, cap;
	int64_t from, to;
	double km;
	int ret;
};

/* The binomial upper tail, summed in log space from k up. */
double
signals_binomial_tail(uint64_t n, double p, uint64_t k)
{
	double sum = 0, lp, lq, base, term;

	if (k == 0)
		return 1;
	if (k > n || p <= 0)
		return 0;
	if (p >= 1)
		return 1;
	lp = log(p);
	lq = log1p(-p);
	base = lgamma((double)n + 1);
	for (uint64_t i = k; i <= n; i++) {
		term = exp(base - lgamma((double)i + 1) -
		    lgamma((double)(n - i) + 1) + (double)i * lp +
		    (double)(n - i) * lq);
		sum += term;
		/* Past the mode the terms only shrink. */
		if ((double)i > (double)n * p && term < sum * 1e-17)
			break;
	}
	return sum > 1 ? 1 : sum;
}

/* Collects the stores that have a location. */
static int
signals_shop_cb(const struct store_shop *s, void *arg)
{
	struct signals_period *w = arg;
	struct signals_shop *nv;

	if (!s->has_location || s->revoked)
		return 0;
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		if ((nv = realloc(w->shops, w->cap * sizeof(*nv))) == NULL)
			return -ENOMEM;
		w->shops = nv;
	}
	memset(&w->shops[w->n], 0, sizeof(w->shops[0]));
	memcpy(w->shops[w->n].id, s->id, sizeof(s->id));
	w->shops[w->n].lat = s->lat;
	w->shops[w->n].lon = s->lon;
	w->n++;
	return 0;
}

/* Counts a claim redeemed in the period at a located store. */
static int
signals_claim_cb(const struct store_claim *c, void *arg)
{
	struct signals_period *w = arg;

	if (c->state != STORE_CLAIM_REDEEMED || c->redeemed < w->from ||
	    c->redeemed >= w->to)
		return 0;
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->shops[i].id, c->shop) == 0) {
			w->shops[i].redeemed++;
			break;
		}
	return 0;
}

/* Counts a located human scan for its nearest store in reach; stops
 * past the period. */
static int
signals_scan_cb(const struct store_event *ev, void *arg)
{
	struct signals_period *w = arg;
	double best = INFINITY, d;
	size_t at = 0;

	if (ev->time >= w->to + SIGNALS_TIME_SLACK_US)
		return 1;
	if (ev->time < w->from || ev->time >= w->to ||
	    ev->verdict != VERDICT_GENUINE || !(ev->flags & STORE_EVENT_F_LOCATION) ||
	    !(ev->flags & STORE_EVENT_F_HUMAN) ||
	    !(ev->flags & STORE_EVENT_F_AUTH))
		return 0;
	for (size_t i = 0; i < w->n; i++) {
		d = signals_distance_km(w->shops[i].lat, w->shops[i].lon,
		    ev->lat, ev->lon);
		if (d < best) {
			best = d;
			at = i;
		}
	}
	if (best <= w->km)
		w->shops[at].scans++;
	return 0;
}

/* Keeps the first event a walk meets. */
static int
signals_first_cb(const struct store_event *ev, void *arg)
{
	*(struct store_event *)arg = *ev;
	return 1;
}

/* The id after which the period's events start: a binary search over
 * ids for the first event at or after from less the slack. */
static int
signals_period_start(struct store_txn *t, int64_t from, uint64_t *after)
{
	struct store_event ev;
	uint64_t lo = 0, hi, mid;
	int ret;

	*after = 0;
	if ((ret = store_event_last_id_txn(t, &hi)) < 0)
		return ret;
	/* Invariant: events up to lo are before the slack; hi is not. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		ev.id = 0;
		if ((ret = store_event_foreach_after_txn(t, mid, signals_first_cb,
		    &ev)) < 0)
			return ret;
		if (ev.id == 0 || ev.time >= from - SIGNALS_TIME_SLACK_US)
			hi = mid;
		else
			lo = ev.id;
	}
	*after = lo;
	return 0;
}

/* Computes the period's anomalies. */
int
signals_anomalies_txn(struct store_txn *t, int64_t from, int64_t to,
    int (*cb)(const struct signals_anomaly *, void *), void *arg)
{
	struct signals_period w;
	struct signals_anomaly a;
	uint64_t after, scans = 0, redeemed = 0;
	double min, ratio, pmax, share;
	int ret;

	memset(&w, 0, sizeof(w));
	w.from = from;
	w.to = to;
	w.km = signals_setting_txn(t, "redemption.km");
	min = signals_setting_txn(t, "redemption.min");
	ratio = signals_setting_txn(t, "redemption.ratio");
	pmax = signals_setting_txn(t, "redemption.p");
	if ((ret = store_shop_foreach_txn(t, signals_shop_cb, &w)) < 0 ||
	    w.n == 0)
		goto out;
	if ((ret = store_claim_foreach_txn(t, NULL, signals_claim_cb, &w)) < 0)
		goto out;
	if ((ret = signals_period_start(t, from, &after)) < 0 ||
	    (ret = store_event_foreach_after_txn(t, after, signals_scan_cb,
	    &w)) < 0)
		goto out;
	for (size_t i = 0; i < w.n; i++) {
		scans += w.shops[i].scans;
		redeemed += w.shops[i].redeemed;
	}
	/* No located scan: no share to compare with. */
	ret = 0;
	if (scans == 0 || redeemed == 0)
		goto out;
	for (size_t i = 0; i < w.n && ret == 0; i++) {
		struct signals_shop *s = &w.shops[i];

		share = ((double)s->scans + 1) / ((double)scans + (double)w.n);
		memset(&a, 0, sizeof(a));
		memcpy(a.shop, s->id, sizeof(a.shop));
		a.redeemed = s->redeemed;
		a.redeemed_all = redeemed;
		a.scans = s->scans;
		a.scans_all = scans;
		a.expected = (double)redeemed * share;
		a.lat = s->lat;
		a.lon = s->lon;
		if ((double)s->redeemed < min ||
		    (double)s->redeemed < ratio * a.expected)
			continue;
		a.p = signals_binomial_tail(redeemed, share, s->redeemed);
		if (a.p <= pmax)
			ret = cb(&a, arg);
	}
	if (ret > 0)
		ret = 0;
out:
	free(w.shops);
	return ret;
}
