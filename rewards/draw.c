/* draw.c — online draws and ticket openings, in a transaction. */
#include "rewards/draw.h"
#include "rewards/tags.h"

#include <assert.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define DRAW_HOUR_US (3600LL * 1000000)

/* Keyed BLAKE2b of the seed over domain, campaign, serial, seq, kind. */
uint64_t
draw_random(const uint8_t seed[32], const char *campaign,
    const uint8_t serial[STORE_SERIAL_BYTES], uint64_t seq, int kind)
{
	crypto_generichash_state st;
	uint8_t out[32], seqbe[8], k = (uint8_t)kind, zero = 0;
	uint64_t r = 0;

	for (int i = 0; i < 8; i++)
		seqbe[i] = (uint8_t)(seq >> (56 - 8 * i));
	crypto_generichash_init(&st, seed, 32, sizeof(out));
	crypto_generichash_update(&st, (const uint8_t *)DRAW_DOMAIN,
	    sizeof(DRAW_DOMAIN) - 1);
	crypto_generichash_update(&st, (const uint8_t *)campaign,
	    strlen(campaign));
	crypto_generichash_update(&st, &zero, 1);
	crypto_generichash_update(&st, serial, STORE_SERIAL_BYTES);
	crypto_generichash_update(&st, seqbe, sizeof(seqbe));
	crypto_generichash_update(&st, &k, 1);
	crypto_generichash_final(&st, out, sizeof(out));
	for (int i = 0; i < 8; i++)
		r = r << 8 | out[i];
	return r;
}

/* floor(rnd × 10^6 / 2^64), exactly, in 64-bit halves: with rnd =
 * hi·2^32 + lo, that is (hi·10^6 + (lo·10^6 >> 32)) >> 32. */
uint32_t
draw_uniform(uint64_t rnd)
{
	uint64_t hi = rnd >> 32, lo = rnd & 0xffffffffu;

	return (uint32_t)((hi * CAMPAIGN_ODDS_SCALE +
	    ((lo * CAMPAIGN_ODDS_SCALE) >> 32)) >> 32);
}

/* Cumulative odds over the tiers of one reveal, in file order. */
int
draw_pick(const struct campaign *c, int reveal, uint32_t u)
{
	uint64_t acc = 0;

	for (size_t i = 0; i < c->ntiers; i++) {
		if (c->tiers[i].reveal != reveal)
			continue;
		acc += c->tiers[i].odds;
		if (u < acc)
			return (int)i;
	}
	return -1;
}

/* IPv4 /24 or IPv6 /48, tagged with the family. */
void
draw_net_of(int family, const uint8_t ip[16], uint8_t net[16])
{
	memset(net, 0, 16);
	if (family == AF_INET) {
		net[0] = 4;
		memcpy(net + 1, ip, 3);
	} else {
		net[0] = 6;
		memcpy(net + 1, ip, 6);
	}
}

/* Neutral words for a refusal. */
const char *
draw_refusal_text(int refusal, bool zh)
{
	switch (refusal) {
	case DRAW_REFUSE_VISITOR_DAY:
		return zh ? "今天的抽奖次数已用完，请明天再来。" :
		    "You have used today's draws. Please come back tomorrow.";
	case DRAW_REFUSE_IP_HOUR:
		return zh ? "当前网络的抽奖次数过多，请稍后再试。" :
		    "Too many draws from this network just now. Please try "
		    "again later.";
	case DRAW_REFUSE_VISITOR_WINS:
		return zh ? "您在本活动中的中奖次数已达上限。" :
		    "You have reached the number of prizes allowed in this "
		    "campaign.";
	default:
		return zh ? "暂时无法抽奖。" : "The draw is not available now.";
	}
}

/* A result's refusal in its campaign's words. */
const char *
draw_refusal_words(const struct campaign *c, int refusal, bool zh)
{
	if (refusal == DRAW_REFUSE_SCOPE && c != NULL)
		return campaign_scope_text(c, zh);
	return draw_refusal_text(refusal, zh);
}

/*
 * With leased stock: whether this node holds a unit of tier i in period
 * beyond the used it awarded. A tier is leased when the server has a
 * ledger (serve --pg) or when the store took a lease of it (the command
 * line on a node's store then awards only what the node holds). When none
 * is held, *retry unless the ledger has none left (the command line
 * cannot lease: always *retry).
 */
static int
draw_leased(struct store_txn *t, const struct tallies *tl,
    const struct campaign *c, size_t i, uint32_t period, uint64_t used,
    bool *ok, bool *retry)
{
	uint8_t subject[16] = { (uint8_t)i, STORE_LEASE_TAKEN };
	uint64_t taken, back;
	int ret;

	*ok = true;
	if ((ret = tallies_count_get(tl, t, c->id, STORE_COUNT_LEASE, subject,
	    period, &taken)) < 0)
		return ret;
	if (tl->lease == NULL && taken == 0)
		return 0;
	subject[1] = STORE_LEASE_RETURNED;
	if ((ret = tallies_count_get(tl, t, c->id, STORE_COUNT_LEASE, subject,
	    period, &back)) < 0)
		return ret;
	*ok = taken > back && taken - back > used;
	if (!*ok)
		*retry = tl->lease == NULL || !tl->lease->exhausted(
		    tl->lease->arg, c->id, (int)i, period);
	return 0;
}

/* True if tier i still has stock in total and on day; then, leased, if
 * this node holds some: else *retry when more may come, or *ledger when
 * the shared ledger has none left. The stock of the log comes first, so
 * that a ledger miss is one the audit's replay would have awarded. */
static int
draw_in_stock(struct store_txn *t, const struct tallies *tl,
    const struct campaign *c, size_t i, int day, bool *ok, bool *retry,
    bool *ledger)
{
	const struct campaign_tier *tier = &c->tiers[i];
	uint8_t subject[16] = { (uint8_t)i };
	uint64_t n, today = 0;
	int ret;

	assert(i < c->ntiers);
	*ok = false;
	if ((ret = tallies_count_get(tl, t, c->id, STORE_COUNT_STOCK, subject,
	    0, &n)) < 0)
		return ret;
	if (n >= tier->total)
		return 0;
	if (tier->daily_cap != 0) {
		if (day < 0)
			return 0;
		if ((ret = tallies_count_get(tl, t, c->id, STORE_COUNT_STOCK,
		    subject, (uint32_t)day + 1, &today)) < 0)
			return ret;
		if (today >= tier->daily_cap)
			return 0;
	}
	if ((ret = draw_leased(t, tl, c, i, 0, n, ok, retry)) < 0)
		return ret;
	if (*ok && tier->daily_cap != 0 && (ret = draw_leased(t, tl, c, i,
	    (uint32_t)day + 1, today, ok, retry)) < 0)
		return ret;
	*ledger = !*ok && !*retry;
	return 0;
}

/* Picks the tier of d's random number among the tiers of one reveal;
 * a tier out of stock, in total or today, is a miss (-1), and one the
 * shared ledger has none left of sets d->reason; *retry when the tier's
 * stock is leased and more is being fetched. */
static int
draw_pick_in_stock(struct store_txn *t, const struct tallies *tl,
    const struct campaign *c, int reveal, struct store_draw *d,
    int day, int *tier, bool *retry)
{
	bool ok = false, ledger = false;
	int ret;

	*retry = false;
	if (reveal == CAMPAIGN_AT_STORE) {
		if ((ret = draw_opening_pick_txn(t, tl, c, d, day, tier)) < 0)
			return ret;
	} else
		*tier = draw_pick(c, reveal, draw_uniform(d->rnd));
	if (*tier < 0)
		return 0;
	if ((ret = draw_in_stock(t, tl, c, (size_t)*tier, day, &ok,
	    retry, &ledger)) < 0)
		return ret;
	if (!ok)
		*tier = -1;
	if (ledger)
		d->reason = (uint8_t)DRAW_MISS_LEDGER;
	return 0;
}

/* Takes one unit of tier i's stock on day. */
static int
draw_take_stock(struct store_txn *t, const struct tallies *tl,
    const struct campaign *c, size_t i, int day)
{
	uint8_t subject[16] = { (uint8_t)i };
	int ret;

	if ((ret = tallies_count_add(tl, t, c->id, STORE_COUNT_STOCK, subject,
	    0, 1)) < 0)
		return ret;
	if (day >= 0)
		ret = tallies_count_add(tl, t, c->id, STORE_COUNT_STOCK,
		    subject, (uint32_t)day + 1, 1);
	return ret;
}

/*
 * The risk counters are kept only for the limits a campaign sets: they
 * are random-key writes, and a campaign's limits never change once it is
 * loaded, so a counter nobody reads is pure cost.
 */

/* Counts a win against the per-visitor wins limit. */
static int
draw_count_win(struct store_txn *t, const struct tallies *tl,
    const struct campaign *c, const uint8_t *visitor)
{
	if (c->lim_visitor_wins == 0)
		return 0;
	return tallies_count_add(tl, t, c->id, STORE_COUNT_VISITOR_WINS,
	    visitor, 0, 1);
}

/* Counts a draw against the per-visitor-day and per-IP-hour limits. */
static int
draw_count_draw(struct store_txn *t, const struct tallies *tl,
    const struct campaign *c, const uint8_t *visitor, const uint8_t net[16],
    int day, uint32_t hour)
{
	int ret;

	if (c->lim_visitor_day != 0 && (ret = tallies_count_add(tl, t, c->id,
	    STORE_COUNT_VISITOR_DAY, visitor, (uint32_t)day + 1, 1)) < 0)
		return ret;
	if (c->lim_ip_hour != 0 && (ret = tallies_count_add(tl, t, c->id,
	    STORE_COUNT_IP_HOUR, net, hour, 1)) < 0)
		return ret;
	return 0;
}

/* Checks one risk limit: *refused when counter n has reached max. */
static int
draw_limit(struct store_txn *t, const struct draw_request *rq, int kind,
    const uint8_t subject[16], uint32_t period, uint32_t max, bool *refused)
{
	uint64_t n;
	int ret;

	*refused = false;
	if (max == 0)
		return 0;
	if ((ret = tallies_count_get(rq->tallies, t, rq->c->id, kind, subject,
	    period, &n)) < 0)
		return ret;
	*refused = n >= max;
	return 0;
}

/* Checks the risk limits before a draw; sets *refusal. */
static int
draw_check_limits(struct store_txn *t, const struct draw_request *rq, int day,
    uint32_t hour, int *refusal)
{
	static const uint8_t no_visitor[STORE_VISITOR_BYTES];
	const struct campaign *c = rq->c;
	bool refused;
	int ret;

	*refusal = DRAW_REFUSE_NONE;
	if ((ret = draw_limit(t, rq, STORE_COUNT_VISITOR_DAY, rq->visitor,
	    (uint32_t)day + 1, c->lim_visitor_day, &refused)) < 0)
		return ret;
	if (refused) {
		*refusal = DRAW_REFUSE_VISITOR_DAY;
		return 0;
	}
	if ((ret = draw_limit(t, rq, STORE_COUNT_IP_HOUR, rq->net, hour,
	    c->lim_ip_hour, &refused)) < 0)
		return ret;
	if (refused) {
		*refusal = DRAW_REFUSE_IP_HOUR;
		return 0;
	}
	/* Requests without a visitor (no cookie yet) count no wins. */
	if (memcmp(rq->visitor, no_visitor, sizeof(no_visitor)) == 0)
		return 0;
	if ((ret = draw_limit(t, rq, STORE_COUNT_VISITOR_WINS, rq->visitor, 0,
	    c->lim_visitor_wins, &refused)) < 0)
		return ret;
	if (refused)
		*refusal = DRAW_REFUSE_VISITOR_WINS;
	return 0;
}

/* Starts the next entry of a campaign's log (its header's sequence). */
static void
draw_entry(struct store_draw *d, struct store_campaign *hdr,
    const struct campaign *c, int kind,
    const uint8_t serial[STORE_SERIAL_BYTES],
    const uint8_t visitor[STORE_VISITOR_BYTES], int64_t now, int day)
{
	memset(d, 0, sizeof(*d));
	d->seq = ++hdr->draws;
	d->time = now;
	d->kind = (uint8_t)kind;
	d->day = day < 0 ? 0 : (uint32_t)day;
	memcpy(d->serial, serial, STORE_SERIAL_BYTES);
	memcpy(d->visitor, visitor, STORE_VISITOR_BYTES);
	if (kind == STORE_DRAW_ONLINE || kind == STORE_DRAW_OPEN)
		d->rnd = draw_random(hdr->seed, c->id, serial, d->seq, kind);
}

/*
 * The one award path, for online draws and ticket openings alike: the
 * tier's stock, the win in the summaries and against the visitor's wins
 * limit (in wins_tl), and for a points tier the credit to the visitor.
 */
static int
draw_award(struct store_txn *t, const struct tallies *tl,
    const struct tallies *wins_tl, const struct campaign *c, int tier,
    int day, struct store_draw *d, int64_t *points_balance)
{
	const struct campaign_tier *ct;
	int ret;

	assert(tier >= 0 && (size_t)tier < c->ntiers);
	ct = &c->tiers[tier];
	d->outcome = (uint8_t)(tier + 1);
	if ((ret = draw_take_stock(t, tl, c, (size_t)tier, day)) < 0 ||
	    (ret = draw_count_win(t, wins_tl, c, d->visitor)) < 0 ||
	    (ret = tallies_sum_add(tl, t, c->id, STORE_SUM_WINS, 1)) < 0)
		return ret;
	if (ct->kind != CAMPAIGN_POINTS)
		return 0;
	d->points = (uint32_t)ct->points;
	if ((ret = store_points_add_txn(t, d->visitor, c->id, (uint8_t)tier,
	    ct->points, d->seq, d->time, points_balance)) < 0)
		return ret;
	return tallies_sum_add(tl, t, c->id, STORE_SUM_POINTS,
	    (uint64_t)ct->points);
}

/* When a claim of tier i (or a ticket: i < 0) drawn at now expires. */
static int64_t
draw_expiry(const struct campaign *c, int i, int64_t now)
{
	int64_t window = now + (int64_t)c->claim_days * 86400 * 1000000;

	if (i >= 0 && c->tiers[i].kind == CAMPAIGN_COUPON) {
		const struct campaign_tier *tier = &c->tiers[i];

		if (tier->valid_to != 0)
			return tier->valid_to;
		return now + (int64_t)tier->valid_days * 86400 * 1000000;
	}
	return window;
}

/* Adds a claim for a win or a ticket (tier < 0) and names it in d. */
static int
draw_add_claim(struct store_txn *t, const struct draw_request *rq,
    struct store_draw *d, int tier, struct draw_result *res)
{
	struct store_claim *cl = &res->claim;
	int ret;

	memset(cl, 0, sizeof(*cl));
	cl->state = STORE_CLAIM_OPEN;
	cl->ticket = tier < 0;
	cl->tier = tier < 0 ? 0 : (uint8_t)(tier + 1);
	snprintf(cl->campaign, sizeof(cl->campaign), "%s", rq->c->id);
	memcpy(cl->serial, rq->serial, STORE_SERIAL_BYTES);
	cl->draw_seq = d->seq;
	cl->created = rq->now;
	cl->expires = draw_expiry(rq->c, tier, rq->now);
	memcpy(cl->visitor, rq->visitor, STORE_VISITOR_BYTES);
	if ((ret = token_claim_add_txn(t, rq->claim_key, cl,
	    res->claim_token)) < 0)
		return ret;
	res->has_claim = true;
	d->has_claim = 1;
	memcpy(d->claim_id, cl->id, STORE_CLAIM_ID_BYTES);
	return tallies_sum_add(rq->tallies, t, rq->c->id, STORE_SUM_CLAIMS, 1);
}

/* Reads a code's earlier draw and its claim. */
int
draw_lookup_txn(struct store_txn *t, const struct tallies *tl,
    const struct campaign *c, const uint8_t serial[STORE_SERIAL_BYTES],
    const uint8_t *claim_key, struct draw_result *res)
{
	int ret;

	memset(res, 0, sizeof(*res));
	if ((ret = tallies_draw_find(tl, t, c->id, serial, &res->draw)) < 0)
		return ret;
	res->status = DRAW_REPEAT;
	if (res->draw.has_claim) {
		if ((ret = store_claim_get_txn(t, res->draw.claim_id,
		    &res->claim)) < 0)
			return ret == -ENOENT ? -EIO : ret;
		res->has_claim = true;
		token_claim_format(claim_key, res->claim.id, res->claim_token);
	}
	return store_points_balance_txn(t, res->draw.visitor,
	    &res->points_balance, NULL);
}

/* Records a refusal in the log (it uses no randomness). */
static int
draw_refuse(struct store_txn *t, const struct draw_request *rq,
    struct store_campaign *hdr, int day, int refusal, struct draw_result *res)
{
	struct store_draw *d = &res->draw;
	int ret;

	draw_entry(d, hdr, rq->c, STORE_DRAW_REFUSED, rq->serial, rq->visitor,
	    rq->now, day);
	d->event_id = rq->event_id;
	d->outcome = STORE_OUTCOME_REFUSED;
	d->reason = (uint8_t)refusal;
	if ((ret = tallies_draw_add(rq->tallies, t, rq->c->id, d)) < 0 ||
	    (ret = tallies_sum_add(rq->tallies, t, rq->c->id,
	    STORE_SUM_REFUSED, 1)) < 0 ||
	    (ret = tallies_header_put(rq->tallies, t, hdr)) < 0)
		return ret;
	res->status = DRAW_REFUSED;
	res->refusal = refusal;
	return 0;
}

/* The online draw. */
int
draw_online_txn(struct store_txn *t, const struct draw_request *rq,
    struct draw_result *res)
{
	const struct tallies *tl = rq->tallies;
	const struct campaign *c = rq->c;
	struct store_campaign hdr;
	struct store_draw *d = &res->draw;
	uint32_t hour = (uint32_t)(rq->now / DRAW_HOUR_US);
	int day, tier = -1, refusal, ret;
	bool retry, in_scope;

	memset(res, 0, sizeof(*res));
	if ((ret = tallies_header_get(tl, t, c->id, &hdr)) < 0)
		return ret == -ENOENT ? (res->status = DRAW_CLOSED, 0) : ret;
	/* One draw per code, always: a repeat shows the first result, also
	 * once the campaign is paused or over (as the code's page does). */
	ret = draw_lookup_txn(t, tl, c, rq->serial, rq->claim_key, res);
	if (ret != -ENOENT)
		return ret;
	memset(res, 0, sizeof(*res));
	if (!campaign_running(&hdr, rq->now)) {
		res->status = DRAW_CLOSED;
		return 0;
	}
	if ((ret = campaign_scope_check_txn(t, c, rq->visitor, &in_scope)) < 0)
		return ret;
	if (!in_scope) {
		res->status = DRAW_REFUSED;
		res->refusal = DRAW_REFUSE_SCOPE;
		return 0;
	}
	day = campaign_day(c, rq->now);
	if ((ret = draw_check_limits(t, rq, day, hour, &refusal)) < 0)
		return ret;
	if (refusal != DRAW_REFUSE_NONE)
		return draw_refuse(t, rq, &hdr, day, refusal, res);

	draw_entry(d, &hdr, c, STORE_DRAW_ONLINE, rq->serial, rq->visitor,
	    rq->now, day);
	d->event_id = rq->event_id;
	if ((ret = draw_pick_in_stock(t, tl, c, CAMPAIGN_ONLINE, d, day,
	    &tier, &retry)) < 0)
		return ret;
	if (retry) {
		/* Nothing is written: the code keeps its draw, and its
		 * sequence number is not used. */
		memset(res, 0, sizeof(*res));
		res->status = DRAW_RETRY;
		return 0;
	}
	if (tier >= 0) {
		if ((ret = draw_award(t, tl, tl, c, tier, day, d,
		    &res->points_balance)) < 0)
			return ret;
		if (c->tiers[tier].kind != CAMPAIGN_POINTS &&
		    (ret = draw_add_claim(t, rq, d, tier, res)) < 0)
			return ret;
	} else if (c->has_at_store) {
		/* No online prize: a sealed ticket to open at a shop. */
		d->outcome = STORE_OUTCOME_TICKET;
		if ((ret = draw_add_claim(t, rq, d, -1, res)) < 0 ||
		    (ret = tallies_sum_add(tl, t, c->id, STORE_SUM_TICKETS,
		    1)) < 0)
			return ret;
	} else
		d->outcome = STORE_OUTCOME_MISS;
	if ((tier < 0 || c->tiers[tier].kind != CAMPAIGN_POINTS) &&
	    (ret = store_points_balance_txn(t, rq->visitor,
	    &res->points_balance, NULL)) < 0)
		return ret;
	if ((ret = draw_count_draw(t, tl, c, rq->visitor, rq->net, day,
	    hour)) < 0 ||
	    (ret = tallies_sum_add(tl, t, c->id, STORE_SUM_DRAWS, 1)) < 0 ||
	    (ret = tallies_draw_add(tl, t, c->id, d)) < 0 ||
	    (ret = tallies_header_put(tl, t, &hdr)) < 0 ||
	    (ret = tags_draw_txn(t, rq->visitor, rq->now, tier >= 0)) < 0)
		return ret;
	res->status = DRAW_NEW;
	return 0;
}

/* Grants a tier outright: stock as a draw's, no randomness, no limits. */
int
draw_grant_txn(struct store_txn *t, const struct draw_request *rq, int tier,
    const char *shop, struct draw_result *res)
{
	const struct tallies *tl = rq->tallies;
	const struct campaign *c = rq->c;
	struct store_campaign hdr;
	struct store_draw *d = &res->draw;
	bool ok = false, retry = false, ledger = false;
	int day, ret;

	assert(tier >= 0 && (size_t)tier < c->ntiers);
	memset(res, 0, sizeof(*res));
	if ((ret = tallies_header_get(tl, t, c->id, &hdr)) < 0)
		return ret == -ENOENT ? (res->status = DRAW_CLOSED, 0) : ret;
	if (!campaign_running(&hdr, rq->now)) {
		res->status = DRAW_CLOSED;
		return 0;
	}
	day = campaign_day(c, rq->now);
	if ((ret = draw_in_stock(t, tl, c, (size_t)tier, day, &ok, &retry,
	    &ledger)) < 0)
		return ret;
	if (retry) {
		/* Leased stock, none held now: nothing is written. */
		res->status = DRAW_RETRY;
		return 0;
	}
	draw_entry(d, &hdr, c, STORE_DRAW_GRANT, rq->serial, rq->visitor,
	    rq->now, day);
	snprintf(d->shop, sizeof(d->shop), "%s", shop);
	d->outcome = STORE_OUTCOME_MISS;
	if (ok) {
		/* Its win counts in the store itself, as an opening's: the
		 * server's write-back replays online draws only. */
		if ((ret = draw_award(t, tl, &tallies_store, c, tier, day, d,
		    &res->points_balance)) < 0 ||
		    (ret = draw_add_claim(t, rq, d, tier, res)) < 0 ||
		    (ret = tags_grant_txn(t, rq->visitor, rq->now)) < 0)
			return ret;
	} else
		d->reason = (uint8_t)(ledger ? DRAW_MISS_LEDGER :
		    DRAW_MISS_STOCK);
	if ((ret = tallies_sum_add(tl, t, c->id, ok ? STORE_SUM_GRANTS :
	    STORE_SUM_GRANTS_MISSED, 1)) < 0 ||
	    (ret = tallies_draw_add(tl, t, c->id, d)) < 0 ||
	    (ret = tallies_header_put(tl, t, &hdr)) < 0)
		return ret;
	res->status = DRAW_NEW;
	return 0;
}

/* Counts a logged online draw against the risk limits again. */
int
draw_count_txn(struct store_txn *t, const struct tallies *tl,
    const struct campaign *c, const struct store_draw *d,
    const uint8_t net[16])
{
	int ret;

	assert(d->kind == STORE_DRAW_ONLINE);
	if ((ret = draw_count_draw(t, tl, c, d->visitor, net, (int)d->day,
	    (uint32_t)(d->time / DRAW_HOUR_US))) < 0)
		return ret;
	if (d->outcome == STORE_OUTCOME_MISS ||
	    d->outcome == STORE_OUTCOME_TICKET)
		return 0;
	return draw_count_win(t, tl, c, d->visitor);
}

/* Opens a sealed ticket at a shop: the draw over the at_store tiers. */
int
draw_open_txn(struct store_txn *t, const struct tallies *tl,
    const struct campaign *c, struct store_claim *cl, const char *shop,
    int64_t now, struct store_draw *d, int64_t *points_balance)
{
	struct store_campaign hdr;
	int day = campaign_day(c, now), tier, ret;
	bool retry;

	if ((ret = tallies_header_get(tl, t, c->id, &hdr)) < 0)
		return ret == -ENOENT ? -EIO : ret;
	draw_entry(d, &hdr, c, STORE_DRAW_OPEN, cl->serial, cl->visitor, now,
	    day);
	d->ticket_seq = cl->draw_seq;
	memcpy(d->claim_id, cl->id, STORE_CLAIM_ID_BYTES);
	d->has_claim = 1;
	snprintf(d->shop, sizeof(d->shop), "%s", shop);
	if ((ret = draw_pick_in_stock(t, tl, c, CAMPAIGN_AT_STORE, d, day,
	    &tier, &retry)) < 0)
		return ret;
	if (retry)
		return -EAGAIN;		/* nothing written yet */
	d->outcome = STORE_OUTCOME_MISS;
	/* The opening's win counts in the store itself: the scan server
	 * replays only online draws into its write-back after a crash. */
	if (tier >= 0) {
		if ((ret = draw_award(t, tl, &tallies_store, c, tier, day, d,
		    points_balance)) < 0)
			return ret;
		cl->tier = (uint8_t)(tier + 1);
	}
	cl->open_seq = d->seq;
	if ((ret = tallies_draw_add(tl, t, c->id, d)) < 0 ||
	    (ret = tallies_header_put(tl, t, &hdr)) < 0)
		return ret;
	return 0;
}
