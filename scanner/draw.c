/* draw.c — online draws, sealed tickets and redemption, in a transaction. */
#include "scanner/draw.h"
#include "codegen/base32.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define DRAW_CLAIM_DOMAIN "SCANLOOP-CLAIM"
#define DRAW_CLAIM_HASH_DOMAIN "SCANLOOP-CLAIM-HASH"
#define DRAW_SHOP_DOMAIN "SCANLOOP-SHOP"
#define DRAW_CLAIM_ID_TRIES 8

static const uint8_t draw_zero16[16];

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

/* BLAKE2b, keyed with 32 bytes unless key is NULL, of a domain string,
 * a and b (blen may be 0). */
static void
draw_hash(const uint8_t *key, const char *domain, const uint8_t *a,
    size_t alen, const uint8_t *b, size_t blen, uint8_t *out, size_t outlen)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, key, key != NULL ? 32 : 0, outlen);
	crypto_generichash_update(&st, (const uint8_t *)domain, strlen(domain));
	crypto_generichash_update(&st, a, alen);
	if (blen > 0)
		crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, out, outlen);
}

/* The secret half of a claim token. */
static void
draw_claim_secret(const uint8_t key[32], const uint8_t id[STORE_CLAIM_ID_BYTES],
    uint8_t secret[DRAW_CLAIM_SECRET_BYTES])
{
	draw_hash(key, DRAW_CLAIM_DOMAIN, id, STORE_CLAIM_ID_BYTES, NULL, 0,
	    secret, DRAW_CLAIM_SECRET_BYTES);
}

/* What the store keeps of a claim token: a hash of id and secret. */
static void
draw_claim_hash(const uint8_t id[STORE_CLAIM_ID_BYTES],
    const uint8_t secret[DRAW_CLAIM_SECRET_BYTES],
    uint8_t out[STORE_CLAIM_HASH_BYTES])
{
	draw_hash(NULL, DRAW_CLAIM_HASH_DOMAIN, id, STORE_CLAIM_ID_BYTES,
	    secret, DRAW_CLAIM_SECRET_BYTES, out, STORE_CLAIM_HASH_BYTES);
}

/* id || secret in base32. */
void
draw_claim_token(const uint8_t key[32], const uint8_t id[STORE_CLAIM_ID_BYTES],
    char out[DRAW_CLAIM_TOKEN_CHARS + 1])
{
	uint8_t raw[STORE_CLAIM_ID_BYTES + DRAW_CLAIM_SECRET_BYTES];

	memcpy(raw, id, STORE_CLAIM_ID_BYTES);
	draw_claim_secret(key, id, raw + STORE_CLAIM_ID_BYTES);
	base32_encode(out, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
}

/* Groups of four. */
void
draw_claim_text(const char *token, char out[DRAW_CLAIM_TEXT_LEN + 1])
{
	size_t o = 0;

	for (size_t i = 0; token[i] != '\0' && i < DRAW_CLAIM_TOKEN_CHARS; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = token[i];
	}
	out[o] = '\0';
}

/* Strips hyphens and spaces and decodes n bytes of base32. */
static int
draw_token_decode(const char *text, uint8_t *out, size_t n)
{
	char t[64];
	size_t len = 0;

	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '-' || *p == ' ' || *p == '\t' || *p == '\n' ||
		    *p == '\r')
			continue;
		if (len == sizeof(t))
			return -EINVAL;
		t[len++] = *p;
	}
	return base32_decode(out, n, t, len);
}

/* Parses a claim token. */
int
draw_claim_parse(const char *text, uint8_t id[STORE_CLAIM_ID_BYTES],
    uint8_t secret[DRAW_CLAIM_SECRET_BYTES])
{
	uint8_t raw[STORE_CLAIM_ID_BYTES + DRAW_CLAIM_SECRET_BYTES];

	if (draw_token_decode(text, raw, sizeof(raw)) < 0)
		return -EINVAL;
	memcpy(id, raw, STORE_CLAIM_ID_BYTES);
	memcpy(secret, raw + STORE_CLAIM_ID_BYTES, DRAW_CLAIM_SECRET_BYTES);
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

/* What the store keeps of a shop token. */
static void
draw_shop_hash(const uint8_t sel[STORE_SHOP_SELECTOR_BYTES],
    const uint8_t secret[DRAW_SHOP_SECRET_BYTES],
    uint8_t out[STORE_SHOP_HASH_BYTES])
{
	draw_hash(NULL, DRAW_SHOP_DOMAIN, sel, STORE_SHOP_SELECTOR_BYTES, secret,
	    DRAW_SHOP_SECRET_BYTES, out, STORE_SHOP_HASH_BYTES);
}

/* Draws a new shop token; the shop keeps selector and hash. */
void
draw_shop_token_new(struct store_shop *s, char out[DRAW_SHOP_TOKEN_CHARS + 1])
{
	uint8_t raw[STORE_SHOP_SELECTOR_BYTES + DRAW_SHOP_SECRET_BYTES];

	randombytes_buf(raw, sizeof(raw));
	memcpy(s->selector, raw, STORE_SHOP_SELECTOR_BYTES);
	draw_shop_hash(raw, raw + STORE_SHOP_SELECTOR_BYTES, s->hash);
	base32_encode(out, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
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

/*
 * The campaign header and its stock and summary counters: every draw
 * reads and changes them, so the scan server keeps them in its draw cache
 * for the length of a group commit (one read and one write per group, not
 * per draw); without a cache they are read and written in the store.
 */

/* Reads a campaign header. */
static int
draw_header_get(struct store_txn *t, struct drawcache *cache,
    const char *campaign, struct store_campaign *hdr)
{
	if (cache != NULL)
		return drawcache_header_txn(cache, t, campaign, hdr);
	return store_campaign_get_txn(t, campaign, hdr);
}

/* Writes a campaign header read with draw_header_get. */
static int
draw_header_put(struct store_txn *t, struct drawcache *cache,
    const struct store_campaign *hdr)
{
	if (cache != NULL)
		return drawcache_header_put(cache, hdr);
	return store_campaign_put_txn(t, hdr, false);
}

/* Reads a stock or summary counter. */
static int
draw_tally(struct store_txn *t, struct drawcache *cache, const char *campaign,
    int kind, const uint8_t subject[16], uint32_t period, uint64_t *n)
{
	if (cache != NULL)
		return drawcache_tally_txn(cache, t, campaign, kind, subject,
		    period, n);
	return store_counter_get_txn(t, campaign, kind, subject, period, n);
}

/* Adds to a stock or summary counter. */
static int
draw_tally_add(struct store_txn *t, struct drawcache *cache,
    const char *campaign, int kind, const uint8_t subject[16],
    uint32_t period, uint64_t delta)
{
	if (cache != NULL)
		return drawcache_tally_add(cache, campaign, kind, subject,
		    period, delta);
	return store_counter_add_txn(t, campaign, kind, subject, period,
	    delta);
}

/* Adds to a summary counter. */
static int
draw_sum(struct store_txn *t, struct drawcache *cache, const char *campaign,
    uint8_t which, uint64_t delta)
{
	uint8_t subject[16] = { 0 };

	subject[0] = which;
	return draw_tally_add(t, cache, campaign, STORE_COUNT_SUMMARY,
	    subject, 0, delta);
}

/* True if tier i still has stock in total and on day. */
static int
draw_in_stock(struct store_txn *t, struct drawcache *cache,
    const struct campaign *c, size_t i, int day, bool *ok)
{
	const struct campaign_tier *tier = &c->tiers[i];
	uint8_t subject[16] = { 0 };
	uint64_t n;
	int ret;

	subject[0] = (uint8_t)i;
	*ok = false;
	if ((ret = draw_tally(t, cache, c->id, STORE_COUNT_STOCK, subject, 0,
	    &n)) < 0)
		return ret;
	if (n >= tier->total)
		return 0;
	if (tier->daily_cap != 0) {
		if (day < 0)
			return 0;
		if ((ret = draw_tally(t, cache, c->id, STORE_COUNT_STOCK,
		    subject, (uint32_t)day + 1, &n)) < 0)
			return ret;
		if (n >= tier->daily_cap)
			return 0;
	}
	*ok = true;
	return 0;
}

/* Takes one unit of tier i's stock on day. */
static int
draw_take_stock(struct store_txn *t, struct drawcache *cache,
    const struct campaign *c, size_t i, int day)
{
	uint8_t subject[16] = { 0 };
	int ret;

	subject[0] = (uint8_t)i;
	if ((ret = draw_tally_add(t, cache, c->id, STORE_COUNT_STOCK, subject,
	    0, 1)) < 0)
		return ret;
	if (day >= 0)
		ret = draw_tally_add(t, cache, c->id, STORE_COUNT_STOCK, subject,
		    (uint32_t)day + 1, 1);
	return ret;
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

/* Adds a claim with a fresh random id for a win or a ticket. */
static int
draw_add_claim(struct store_txn *t, const struct draw_request *rq,
    const struct store_draw *d, int tier, struct draw_result *res)
{
	struct store_claim *cl = &res->claim;
	uint8_t secret[DRAW_CLAIM_SECRET_BYTES];
	int ret = -EEXIST;

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
	for (int i = 0; i < DRAW_CLAIM_ID_TRIES && ret == -EEXIST; i++) {
		randombytes_buf(cl->id, STORE_CLAIM_ID_BYTES);
		draw_claim_secret(rq->claim_key, cl->id, secret);
		draw_claim_hash(cl->id, secret, cl->hash);
		ret = store_claim_add_txn(t, cl);
	}
	sodium_memzero(secret, sizeof(secret));
	if (ret < 0)
		return ret == -EEXIST ? -EAGAIN : ret;
	res->has_claim = true;
	draw_claim_token(rq->claim_key, cl->id, res->claim_token);
	return draw_sum(t, rq->cache, rq->c->id, STORE_SUM_CLAIMS, 1);
}

/* Reads a code's earlier draw and its claim. */
int
draw_lookup_txn(struct store_txn *t, struct campaign *c,
    const uint8_t serial[STORE_SERIAL_BYTES], const uint8_t *claim_key,
    struct drawcache *cache, bool writer, struct draw_result *res)
{
	uint64_t seq = 0;
	int ret;

	memset(res, 0, sizeof(*res));
	if (cache != NULL)
		seq = drawcache_draw_seq(cache, c->id, serial, writer);
	if (seq == 0)
		ret = store_draw_by_code_txn(t, c->id, serial, &res->draw);
	else if ((ret = store_draw_get_txn(t, c->id, seq, &res->draw)) ==
	    -ENOENT && writer)
		ret = -EIO;
	/* (A loop's read transaction may predate the commit: not yet.) */
	if (ret < 0)
		return ret;
	res->status = DRAW_REPEAT;
	if (res->draw.has_claim) {
		if ((ret = store_claim_get_txn(t, res->draw.claim_id,
		    &res->claim)) < 0)
			return ret == -ENOENT ? -EIO : ret;
		res->has_claim = true;
		draw_claim_token(claim_key, res->claim.id, res->claim_token);
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

	memset(d, 0, sizeof(*d));
	d->seq = ++hdr->draws;
	d->time = rq->now;
	memcpy(d->serial, rq->serial, STORE_SERIAL_BYTES);
	d->event_id = rq->event_id;
	d->kind = STORE_DRAW_REFUSED;
	d->outcome = STORE_OUTCOME_REFUSED;
	d->reason = (uint8_t)refusal;
	d->day = day < 0 ? 0 : (uint32_t)day;
	memcpy(d->visitor, rq->visitor, STORE_VISITOR_BYTES);
	if ((ret = store_draw_add_txn(t, rq->c->id, d)) < 0 ||
	    (ret = draw_sum(t, rq->cache, rq->c->id, STORE_SUM_REFUSED, 1)) <
	    0 || (ret = draw_header_put(t, rq->cache, hdr)) < 0)
		return ret;
	res->status = DRAW_REFUSED;
	res->refusal = refusal;
	return 0;
}

/* Reads a risk counter: the store's value and the cache's delta. */
static int
draw_counter(struct store_txn *t, const struct draw_request *rq, int kind,
    const uint8_t subject[16], uint32_t period, uint64_t *n)
{
	int ret;

	if ((ret = store_counter_get_txn(t, rq->c->id, kind, subject, period,
	    n)) < 0)
		return ret;
	if (rq->cache != NULL)
		*n += drawcache_counter(rq->cache, rq->c->id, kind, subject,
		    period);
	return 0;
}

/* Adds one to a risk counter, in the cache when there is one. */
static int
draw_counter_add(struct store_txn *t, struct drawcache *cache,
    const char *campaign, int kind, const uint8_t subject[16],
    uint32_t period)
{
	if (cache != NULL)
		return drawcache_count(cache, campaign, kind, subject, period,
		    1);
	return store_counter_add_txn(t, campaign, kind, subject, period, 1);
}

/* Checks the risk limits before a draw; sets *refusal. */
static int
draw_check_limits(struct store_txn *t, const struct draw_request *rq, int day,
    uint32_t hour, int *refusal)
{
	const struct campaign *c = rq->c;
	uint64_t n;
	int ret;

	*refusal = DRAW_REFUSE_NONE;
	if (c->lim_visitor_day != 0) {
		if ((ret = draw_counter(t, rq, STORE_COUNT_VISITOR_DAY,
		    rq->visitor, (uint32_t)day + 1, &n)) < 0)
			return ret;
		if (n >= c->lim_visitor_day) {
			*refusal = DRAW_REFUSE_VISITOR_DAY;
			return 0;
		}
	}
	if (c->lim_ip_hour != 0) {
		if ((ret = draw_counter(t, rq, STORE_COUNT_IP_HOUR, rq->net,
		    hour, &n)) < 0)
			return ret;
		if (n >= c->lim_ip_hour) {
			*refusal = DRAW_REFUSE_IP_HOUR;
			return 0;
		}
	}
	if (c->lim_visitor_wins != 0 && memcmp(rq->visitor, draw_zero16,
	    16) != 0) {
		if ((ret = draw_counter(t, rq, STORE_COUNT_VISITOR_WINS,
		    rq->visitor, 0, &n)) < 0)
			return ret;
		if (n >= c->lim_visitor_wins) {
			*refusal = DRAW_REFUSE_VISITOR_WINS;
			return 0;
		}
	}
	return 0;
}

/*
 * The risk counters are kept only for the limits a campaign sets: they
 * are random-key writes, and a campaign's limits never change once it is
 * loaded, so a counter nobody reads is pure cost.
 */

/* Counts a draw against the per-visitor-day and per-IP-hour limits. */
static int
draw_count_draw(struct store_txn *t, const struct draw_request *rq, int day,
    uint32_t hour)
{
	const struct campaign *c = rq->c;
	int ret;

	if (c->lim_visitor_day != 0 && (ret = draw_counter_add(t, rq->cache,
	    c->id, STORE_COUNT_VISITOR_DAY, rq->visitor, (uint32_t)day + 1)) <
	    0)
		return ret;
	if (c->lim_ip_hour != 0 && (ret = draw_counter_add(t, rq->cache,
	    c->id, STORE_COUNT_IP_HOUR, rq->net, hour)) < 0)
		return ret;
	return 0;
}

/* Counts a win against the per-visitor wins limit. */
static int
draw_count_win(struct store_txn *t, struct drawcache *cache,
    const struct campaign *c, const uint8_t *visitor)
{
	if (c->lim_visitor_wins == 0)
		return 0;
	return draw_counter_add(t, cache, c->id, STORE_COUNT_VISITOR_WINS,
	    visitor, 0);
}

/* Appends an online draw and indexes it by code, in the cache when there
 * is one. */
static int
draw_record(struct store_txn *t, const struct draw_request *rq,
    const struct store_draw *d)
{
	int ret;

	if (rq->cache == NULL)
		return store_draw_add_txn(t, rq->c->id, d);
	if ((ret = store_draw_append_txn(t, rq->c->id, d)) < 0)
		return ret;
	return drawcache_add_draw(rq->cache, rq->c->id, d->serial, d->seq);
}

/* The online draw. */
int
draw_online_txn(struct store_txn *t, const struct draw_request *rq,
    struct draw_result *res)
{
	const struct campaign *c = rq->c;
	struct store_campaign hdr;
	struct store_draw *d = &res->draw;
	uint32_t hour = (uint32_t)(rq->now / (3600LL * 1000000));
	int day, tier = -1, refusal, ret;
	bool ok = false;

	memset(res, 0, sizeof(*res));
	if ((ret = draw_header_get(t, rq->cache, c->id, &hdr)) < 0)
		return ret == -ENOENT ? (res->status = DRAW_CLOSED, 0) : ret;
	/* One draw per code, always: a repeat shows the first result, also
	 * once the campaign is paused or over (as the code's page does). */
	ret = draw_lookup_txn(t, rq->c, rq->serial, rq->claim_key, rq->cache,
	    true, res);
	if (ret != -ENOENT)
		return ret;
	memset(res, 0, sizeof(*res));
	if (hdr.state != STORE_CAMPAIGN_ACTIVE || rq->now < c->start ||
	    rq->now >= c->end) {
		res->status = DRAW_CLOSED;
		return 0;
	}
	day = campaign_day(c, rq->now);
	if ((ret = draw_check_limits(t, rq, day, hour, &refusal)) < 0)
		return ret;
	if (refusal != DRAW_REFUSE_NONE)
		return draw_refuse(t, rq, &hdr, day, refusal, res);

	d->seq = ++hdr.draws;
	d->time = rq->now;
	memcpy(d->serial, rq->serial, STORE_SERIAL_BYTES);
	d->event_id = rq->event_id;
	d->kind = STORE_DRAW_ONLINE;
	d->day = (uint32_t)day;
	d->rnd = draw_random(hdr.seed, c->id, rq->serial, d->seq, d->kind);
	memcpy(d->visitor, rq->visitor, STORE_VISITOR_BYTES);
	tier = draw_pick(c, CAMPAIGN_ONLINE, draw_uniform(d->rnd));
	/* A tier out of stock, in total or today, is a miss. */
	if (tier >= 0 && (ret = draw_in_stock(t, rq->cache, c, (size_t)tier,
	    day, &ok)) < 0)
		return ret;
	if (tier >= 0 && !ok)
		tier = -1;
	if (tier >= 0) {
		d->outcome = (uint8_t)(tier + 1);
		if ((ret = draw_take_stock(t, rq->cache, c, (size_t)tier,
		    day)) < 0 ||
		    (ret = draw_count_win(t, rq->cache, c, rq->visitor)) < 0 ||
		    (ret = draw_sum(t, rq->cache, c->id, STORE_SUM_WINS, 1)) < 0)
			return ret;
		if (c->tiers[tier].kind == CAMPAIGN_POINTS) {
			d->points = (uint32_t)c->tiers[tier].points;
			if ((ret = store_points_add_txn(t, rq->visitor, c->id,
			    (uint8_t)tier, c->tiers[tier].points, d->seq, rq->now,
			    &res->points_balance)) < 0 ||
			    (ret = draw_sum(t, rq->cache, c->id,
			    STORE_SUM_POINTS, (uint64_t)c->tiers[tier].points)) <
			    0)
				return ret;
		} else if ((ret = draw_add_claim(t, rq, d, tier, res)) < 0)
			return ret;
	} else if (c->has_at_store) {
		/* No online prize: a sealed ticket to open at a shop. */
		d->outcome = STORE_OUTCOME_TICKET;
		if ((ret = draw_add_claim(t, rq, d, -1, res)) < 0 ||
		    (ret = draw_sum(t, rq->cache, c->id, STORE_SUM_TICKETS,
		    1)) < 0)
			return ret;
	} else
		d->outcome = STORE_OUTCOME_MISS;
	if (res->has_claim) {
		d->has_claim = 1;
		memcpy(d->claim_id, res->claim.id, STORE_CLAIM_ID_BYTES);
	}
	if (tier < 0 || c->tiers[tier].kind != CAMPAIGN_POINTS) {
		if ((ret = store_points_balance_txn(t, rq->visitor,
		    &res->points_balance, NULL)) < 0)
			return ret;
	}
	if ((ret = draw_count_draw(t, rq, day, hour)) < 0 ||
	    (ret = draw_sum(t, rq->cache, c->id, STORE_SUM_DRAWS, 1)) < 0 ||
	    (ret = draw_record(t, rq, d)) < 0 ||
	    (ret = draw_header_put(t, rq->cache, &hdr)) < 0)
		return ret;
	res->status = DRAW_NEW;
	return 0;
}

struct draw_replay {
	struct store_txn *t;
	struct campaign *c;
	struct drawcache *cache;
	size_t n;
};

/* Replays one logged draw into the cache, unless the index holds it. */
static int
draw_replay_cb(const struct store_draw *d, void *arg)
{
	struct draw_replay *w = arg;
	struct draw_request rq;
	struct store_draw indexed;
	struct store_event ev;
	int ret;

	if (d->kind != STORE_DRAW_ONLINE)
		return 0;
	/* In the index: written with its counters, in one transaction. */
	ret = store_draw_by_code_txn(w->t, w->c->id, d->serial, &indexed);
	if (ret != -ENOENT)
		return ret;
	memset(&rq, 0, sizeof(rq));
	rq.c = w->c;
	rq.cache = w->cache;
	memcpy(rq.serial, d->serial, STORE_SERIAL_BYTES);
	memcpy(rq.visitor, d->visitor, STORE_VISITOR_BYTES);
	/* The event keeps the client's address (anonymised, but within the
	 * prefix the hourly limit counts). */
	if (w->c->lim_ip_hour != 0) {
		ret = store_event_get_txn(w->t, d->event_id, &ev);
		if (ret < 0 && ret != -ENOENT)
			return ret;
		if (ret == 0)
			draw_net_of(ev.ip_family == 4 ? AF_INET : AF_INET6,
			    ev.ip, rq.net);
	}
	if ((ret = drawcache_add_draw(w->cache, w->c->id, d->serial,
	    d->seq)) < 0 ||
	    (ret = draw_count_draw(w->t, &rq, (int)d->day,
	    (uint32_t)(d->time / (3600LL * 1000000)))) < 0)
		return ret;
	if (d->outcome != STORE_OUTCOME_MISS &&
	    d->outcome != STORE_OUTCOME_TICKET &&
	    (ret = draw_count_win(w->t, w->cache, w->c, d->visitor)) < 0)
		return ret;
	w->n++;
	return 0;
}

/* Replays one campaign's draws after its watermark. */
static int
draw_recover_cb(struct campaign *c, void *arg)
{
	struct draw_replay *w = arg;
	uint64_t seq;
	int ret;

	w->c = c;
	if ((ret = store_draws_indexed_txn(w->t, c->id, &seq)) < 0)
		return ret;
	return store_draw_foreach_txn(w->t, c->id, seq + 1, draw_replay_cb, w);
}

/* Puts the unindexed online draws into the cache. */
int
draw_recover_txn(struct store_txn *t, struct registry *r,
    struct drawcache *cache)
{
	struct draw_replay w = { t, NULL, cache, 0 };
	int ret;

	ret = registry_foreach(r, draw_recover_cb, &w);
	/* They are on disk: what they add counts as committed. */
	drawcache_group_end(cache, ret == 0);
	return ret < 0 ? ret : (int)(w.n > INT32_MAX ? INT32_MAX : w.n);
}

/* Authenticates a shop by its token, in constant time per shop. */
static int
draw_shop_auth(struct store_txn *t, const char *token, struct store_shop *s,
    bool *ok)
{
	uint8_t raw[STORE_SHOP_SELECTOR_BYTES + DRAW_SHOP_SECRET_BYTES];
	uint8_t hash[STORE_SHOP_HASH_BYTES];
	int ret;

	*ok = false;
	memset(s, 0, sizeof(*s));
	if (token == NULL || draw_token_decode(token, raw, sizeof(raw)) < 0)
		memset(raw, 0, sizeof(raw));
	ret = store_shop_by_selector_txn(t, raw, s);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	draw_shop_hash(raw, raw + STORE_SHOP_SELECTOR_BYTES, hash);
	/* Compare even when the selector is unknown: same work, no hint. */
	*ok = sodium_memcmp(hash, s->hash, sizeof(hash)) == 0 && ret == 0 &&
	    !s->revoked;
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

/* Opens a sealed ticket at a shop: the draw over the at_store tiers. */
static int
draw_open_ticket(struct store_txn *t, struct campaign *c,
    const struct redeem_request *rq, struct redeem_result *res)
{
	struct store_claim *cl = &res->claim;
	struct store_draw *d = &res->opening;
	struct store_campaign hdr;
	int day = campaign_day(c, rq->now), tier, ret;
	bool ok = false;

	if ((ret = draw_header_get(t, rq->cache, c->id, &hdr)) < 0)
		return ret == -ENOENT ? -EIO : ret;
	memset(d, 0, sizeof(*d));
	d->seq = ++hdr.draws;
	d->time = rq->now;
	memcpy(d->serial, cl->serial, STORE_SERIAL_BYTES);
	d->kind = STORE_DRAW_OPEN;
	d->day = day < 0 ? 0 : (uint32_t)day;
	d->rnd = draw_random(hdr.seed, c->id, cl->serial, d->seq, d->kind);
	memcpy(d->visitor, cl->visitor, STORE_VISITOR_BYTES);
	d->ticket_seq = cl->draw_seq;
	memcpy(d->claim_id, cl->id, STORE_CLAIM_ID_BYTES);
	d->has_claim = 1;
	snprintf(d->shop, sizeof(d->shop), "%s", res->shop.id);
	tier = draw_pick(c, CAMPAIGN_AT_STORE, draw_uniform(d->rnd));
	if (tier >= 0 && (ret = draw_in_stock(t, rq->cache, c, (size_t)tier,
	    day, &ok)) < 0)
		return ret;
	if (tier >= 0 && !ok)
		tier = -1;
	d->outcome = tier >= 0 ? (uint8_t)(tier + 1) : STORE_OUTCOME_MISS;
	if (tier >= 0) {
		if ((ret = draw_take_stock(t, rq->cache, c, (size_t)tier,
		    day)) < 0 ||
		    (ret = draw_count_win(t, NULL, c, cl->visitor)) < 0 ||
		    (ret = draw_sum(t, rq->cache, c->id, STORE_SUM_WINS, 1)) < 0)
			return ret;
		cl->tier = (uint8_t)(tier + 1);
		if (c->tiers[tier].kind == CAMPAIGN_POINTS) {
			d->points = (uint32_t)c->tiers[tier].points;
			if ((ret = store_points_add_txn(t, cl->visitor, c->id,
			    (uint8_t)tier, c->tiers[tier].points, d->seq, rq->now,
			    &res->points_balance)) < 0 ||
			    (ret = draw_sum(t, rq->cache, c->id,
			    STORE_SUM_POINTS, (uint64_t)c->tiers[tier].points)) <
			    0)
				return ret;
		}
	}
	cl->open_seq = d->seq;
	res->opened = true;
	if ((ret = store_draw_add_txn(t, c->id, d)) < 0 ||
	    (ret = draw_header_put(t, rq->cache, &hdr)) < 0)
		return ret;
	return 0;
}

/* Finds a claim by its token, in constant time found or not. */
int
draw_claim_check_txn(struct store_txn *t, const char *token,
    struct store_claim *cl, bool *found)
{
	uint8_t id[STORE_CLAIM_ID_BYTES], secret[DRAW_CLAIM_SECRET_BYTES];
	uint8_t hash[STORE_CLAIM_HASH_BYTES];
	bool got;
	int ret;

	*found = false;
	if (token == NULL || draw_claim_parse(token, id, secret) < 0) {
		memset(id, 0, sizeof(id));
		memset(secret, 0xff, sizeof(secret));
	}
	ret = store_claim_get_txn(t, id, cl);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	got = ret == 0;
	if (!got)
		memset(cl, 0, sizeof(*cl));
	draw_claim_hash(id, secret, hash);
	sodium_memzero(secret, sizeof(secret));
	/* Constant time, found or not: a wrong token learns nothing. */
	*found = (sodium_memcmp(hash, cl->hash, sizeof(hash)) == 0) & got;
	if (!*found)
		memset(cl, 0, sizeof(*cl));
	return 0;
}

/* Redeems a claim for a shop. */
int
draw_redeem_txn(struct store_txn *t, const struct redeem_request *rq,
    struct redeem_result *res)
{
	struct store_claim *cl = &res->claim;
	bool ok, found;
	int ret;

	memset(res, 0, sizeof(*res));
	if (rq->shop_id != NULL) {
		ret = store_shop_get_txn(t, rq->shop_id, &res->shop);
		if (ret < 0 && ret != -ENOENT)
			return ret;
		ok = ret == 0 && !res->shop.revoked;
	} else if ((ret = draw_shop_auth(t, rq->shop_token, &res->shop,
	    &ok)) < 0)
		return ret;
	if (!ok) {
		res->status = REDEEM_BAD_SHOP;
		return 0;
	}
	if ((ret = draw_claim_check_txn(t, rq->claim_token, cl, &found)) < 0)
		return ret;
	if (!found) {
		res->status = REDEEM_NOT_FOUND;
		return 0;
	}
	if (cl->state == STORE_CLAIM_REDEEMED) {
		res->status = REDEEM_ALREADY;
		return 0;
	}
	if (rq->now >= cl->expires) {
		res->status = REDEEM_EXPIRED;
		return 0;
	}
	if ((res->c = rq->lookup(cl->campaign, rq->lookup_arg)) == NULL)
		return -EIO;
	if (!campaign_shop_allowed(res->c, res->shop.id)) {
		res->status = REDEEM_FORBIDDEN;
		return 0;
	}
	if (!cl->ticket && cl->tier > 0 &&
	    res->c->tiers[cl->tier - 1].kind == CAMPAIGN_COUPON &&
	    res->c->tiers[cl->tier - 1].valid_from > rq->now) {
		res->status = REDEEM_NOT_YET;
		return 0;
	}
	if (cl->ticket && (ret = draw_open_ticket(t, res->c, rq, res)) < 0)
		return ret;
	cl->state = STORE_CLAIM_REDEEMED;
	cl->redeemed = rq->now;
	snprintf(cl->shop, sizeof(cl->shop), "%s", res->shop.id);
	if ((ret = store_claim_put_txn(t, cl)) < 0 ||
	    (ret = draw_sum(t, rq->cache, cl->campaign, STORE_SUM_REDEEMED,
	    1)) < 0)
		return ret;
	if (!res->opened && (ret = store_points_balance_txn(t, cl->visitor,
	    &res->points_balance, NULL)) < 0)
		return ret;
	res->status = REDEEM_OK;
	return 0;
}

/* Drops the campaign reference. */
void
draw_redeem_result_free(struct redeem_result *res)
{
	campaign_unref(res->c, __func__);
	res->c = NULL;
}
