/*
 * draw_daily.c — the pick of a ticket opening when a tier guarantees its
 * prizes each local day (daily_guarantee, docs/draws.md §3).
 *
 * The odds of a guaranteed tier follow the day: the prizes still to go
 * today over the openings still expected before its last call, and
 * certainty from the last call on. They depend only on the opening's time,
 * its local day and the tier's awards so far (today and in total), which
 * the audit replays from the log, so the audit recomputes them exactly;
 * the awards are the stock counters the draw takes in its own commit, so
 * concurrent openings (serialised by the single writer) never give more
 * than per_day.
 */
#include "rewards/draw.h"

#include <assert.h>

/* The odds, per million, of guaranteed tier i at an opening at now. */
uint32_t
draw_guarantee_odds(const struct campaign *c, size_t i, int64_t now, int day,
    uint64_t today, bool stock_left)
{
	const struct campaign_tier *t = &c->tiers[i];
	uint64_t left, s, from, rem, span, denom, p;

	if (t->guarantee == 0 || day < 0 || (size_t)day >= c->ndays ||
	    !stock_left || today >= t->guarantee)
		return 0;
	left = t->guarantee - today;
	assert(now >= c->day_starts[day]);
	s = (uint64_t)(now - c->day_starts[day]) / 1000000;
	if (s >= t->last_call_s)
		return CAMPAIGN_ODDS_SCALE;
	/* Openings expected from now to the last call, at least one: the
	 * day's expected count spread evenly from opens to last_call. With
	 * left ≤ 10^6 and span < 86400 s the product fits 64 bits. */
	from = s > t->opens_s ? s : t->opens_s;
	rem = t->last_call_s - from;
	span = t->last_call_s - t->opens_s;
	denom = (uint64_t)t->expected * rem;
	if (denom < span)
		denom = span;
	p = left * CAMPAIGN_ODDS_SCALE * span / denom;
	return p > CAMPAIGN_ODDS_SCALE ? CAMPAIGN_ODDS_SCALE : (uint32_t)p;
}

/* Guaranteed at_store tiers first, each at its odds (the rest of u scaled
 * back to [0, 10^6) after each), then the others by their odds. */
int
draw_pick_opening(const struct campaign *c, uint32_t u,
    const uint32_t odds[CAMPAIGN_TIERS_MAX])
{
	for (size_t i = 0; i < c->ntiers; i++) {
		if (c->tiers[i].reveal != CAMPAIGN_AT_STORE ||
		    c->tiers[i].guarantee == 0 || odds[i] == 0)
			continue;
		if (u < odds[i])
			return (int)i;
		u = (uint32_t)((uint64_t)(u - odds[i]) * CAMPAIGN_ODDS_SCALE /
		    (CAMPAIGN_ODDS_SCALE - odds[i]));
	}
	return draw_pick(c, CAMPAIGN_AT_STORE, u);
}

/* Reads the awards of c's guaranteed tiers and picks an opening's tier. */
int
draw_opening_pick_txn(struct store_txn *t, const struct tallies *tl,
    const struct campaign *c, const struct store_draw *d, int day, int *tier)
{
	uint32_t odds[CAMPAIGN_TIERS_MAX] = { 0 };
	uint8_t subject[16] = { 0 };
	uint64_t total, today;
	int ret;

	for (size_t i = 0; i < c->ntiers; i++) {
		if (c->tiers[i].guarantee == 0 || day < 0)
			continue;
		subject[0] = (uint8_t)i;
		if ((ret = tallies_count_get(tl, t, c->id, STORE_COUNT_STOCK,
		    subject, 0, &total)) < 0 ||
		    (ret = tallies_count_get(tl, t, c->id, STORE_COUNT_STOCK,
		    subject, (uint32_t)day + 1, &today)) < 0)
			return ret;
		odds[i] = draw_guarantee_odds(c, i, d->time, day, today,
		    total < c->tiers[i].total);
	}
	*tier = draw_pick_opening(c, draw_uniform(d->rnd), odds);
	return 0;
}
