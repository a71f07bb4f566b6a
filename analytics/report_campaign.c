/*
 * report_campaign.c — a campaign's figures in each period, from its draw
 * log and its claims: draws, wins per tier against the tier's stock and
 * daily cap, sealed tickets, refusals, points, claims made and redeemed,
 * and redemptions per store.
 */
#include "analytics/report_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Counts a draw in period k. */
static void
report_draw_add(struct report *r, int k, const struct store_draw *d)
{
	const struct campaign *c = r->campaign;
	struct report_campaign_fig *f = &r->p[k].camp;
	bool win = d->outcome != STORE_OUTCOME_MISS &&
	    d->outcome != STORE_OUTCOME_TICKET &&
	    d->outcome != STORE_OUTCOME_REFUSED &&
	    (size_t)(d->outcome - 1) < c->ntiers;
	int day;

	if (d->time >= r->p[k].to)
		return;
	if (win)
		f->tier[d->outcome - 1].awarded_to_end++;
	if (d->time < r->p[k].from)
		return;
	if (d->kind == STORE_DRAW_REFUSED) {
		f->refused++;
		return;
	}
	if (d->kind == STORE_DRAW_ONLINE) {
		f->draws++;
		if (d->outcome == STORE_OUTCOME_TICKET)
			f->tickets++;
		else if (d->outcome == STORE_OUTCOME_MISS)
			f->misses++;
	} else if (d->kind == STORE_DRAW_OPEN)
		f->opened++;
	else if (d->kind == STORE_DRAW_GRANT && win)
		f->grants++;
	f->points += d->points;
	if (!win)
		return;
	f->wins++;
	f->tier[d->outcome - 1].awarded++;
	day = campaign_day(c, d->time);
	if (day >= 0 && f->wins_day != NULL)
		f->wins_day[(size_t)(d->outcome - 1) * c->ndays +
		    (size_t)day]++;
}

/* Counts one draw of the log. */
static int
report_draw_cb(const struct store_draw *d, void *arg)
{
	struct report *r = arg;

	for (int k = 0; k < 2; k++)
		report_draw_add(r, k, d);
	return 0;
}

/* The shop's row, made if it is new; NULL when the table is full. */
static struct report_shop *
report_shop_row(struct report *r, const char *id)
{
	size_t lo = 0, hi = r->nshops;
	struct report_shop *ns;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(r->shops[mid].id, id);

		if (c == 0)
			return &r->shops[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (r->nshops == REPORT_SHOPS_MAX) {
		r->shops_full = true;
		return NULL;
	}
	if ((ns = realloc(r->shops, (r->nshops + 1) * sizeof(*ns))) == NULL)
		return NULL;
	r->shops = ns;
	memmove(ns + lo + 1, ns + lo, (r->nshops - lo) * sizeof(*ns));
	memset(&ns[lo], 0, sizeof(*ns));
	strcpy(ns[lo].id, id);
	r->nshops++;
	return &ns[lo];
}

/* Counts one claim: made and redeemed in each period. */
static int
report_claim_cb(const struct store_claim *cl, void *arg)
{
	struct report *r = arg;
	struct report_shop *s;

	for (int k = 0; k < 2; k++) {
		struct report_campaign_fig *f = &r->p[k].camp;

		if (cl->created >= r->p[k].from && cl->created < r->p[k].to) {
			f->claims++;
			if (cl->state == STORE_CLAIM_REDEEMED)
				f->claims_redeemed++;
		}
		if (cl->state != STORE_CLAIM_REDEEMED ||
		    cl->redeemed < r->p[k].from || cl->redeemed >= r->p[k].to)
			continue;
		f->redeemed++;
		if ((s = report_shop_row(r, cl->shop)) == NULL) {
			if (!r->shops_full)
				return -ENOMEM;
			continue;
		}
		s->redeemed[k]++;
	}
	return 0;
}

/* Reads the draws and claims. */
int
report_campaign_count(struct report *r)
{
	const struct campaign *c = r->campaign;
	int ret;

	for (int k = 0; k < 2 && c->ndays > 0; k++) {
		struct report_campaign_fig *f = &r->p[k].camp;

		f->wins_day = calloc(c->ntiers * c->ndays,
		    sizeof(*f->wins_day));
		if (f->wins_day == NULL)
			return -ENOMEM;
	}
	if ((ret = store_draw_foreach_txn(&r->t, c->id, 1, report_draw_cb,
	    r)) < 0 ||
	    (ret = store_claim_foreach_txn(&r->t, c->id, report_claim_cb,
	    r)) < 0)
		return ret;
	/* The stores' names, while the transaction is open. */
	for (size_t i = 0; i < r->nshops; i++) {
		struct store_shop sh;

		ret = store_shop_get_txn(&r->t, r->shops[i].id, &sh);
		if (ret < 0 && ret != -ENOENT)
			return ret;
		snprintf(r->shops[i].name, sizeof(r->shops[i].name), "%s",
		    ret == 0 && sh.name[0] != '\0' ? sh.name : r->shops[i].id);
	}
	/* The busiest day of each tier, and the days its cap was reached,
	 * among the campaign days that start in the period. */
	for (int k = 0; k < 2; k++) {
		struct report_campaign_fig *f = &r->p[k].camp;

		for (size_t t = 0; t < c->ntiers && f->wins_day != NULL; t++)
			for (size_t d = 0; d < c->ndays; d++) {
				uint32_t w = f->wins_day[t * c->ndays + d];

				if (w > f->tier[t].max_day)
					f->tier[t].max_day = w;
				if (c->tiers[t].daily_cap > 0 &&
				    w >= c->tiers[t].daily_cap)
					f->tier[t].days_at_cap++;
			}
	}
	return 0;
}
