/* checkin.c — store check-ins: codes, fences, and the decision. */
#include "rewards/checkin.h"
#include "rewards/tags.h"
#include "codegen/base32.h"
#include "common/earth.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define CHECKIN_KEY_DOMAIN "SCANLOOP-CHECKIN-KEY-1"
#define CHECKIN_SIG_DOMAIN "SCANLOOP-STORE-CODE-1"
#define CHECKIN_EXEMPT_DOMAIN "SCANLOOP-EXEMPT-1"
#define CHECKIN_SERIAL_DOMAIN "SCANLOOP-CHECKIN-DRAW-1"
#define CHECKIN_HOUR_US (3600LL * 1000000)

static_assert(BASE32_LEN(CHECKIN_SIG_BYTES) == CHECKIN_SIG_CHARS,
    "signature text length");

/* Keyed BLAKE2b of a domain and up to two parts (NUL-separated). */
static void
checkin_hash(uint8_t *out, size_t outlen, const uint8_t *key,
    const char *domain, const void *a, size_t alen, const void *b,
    size_t blen)
{
	crypto_generichash_state st;
	uint8_t zero = 0;

	crypto_generichash_init(&st, key, key ? 32 : 0, outlen);
	crypto_generichash_update(&st, (const uint8_t *)domain, strlen(domain));
	crypto_generichash_update(&st, &zero, 1);
	crypto_generichash_update(&st, a, alen);
	crypto_generichash_update(&st, &zero, 1);
	if (b != NULL)
		crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, out, outlen);
}

/* The check-in key: the claim secret's, under its own domain. */
void
checkin_key(const uint8_t claim_key[32], uint8_t key[32])
{
	checkin_hash(key, 32, claim_key, CHECKIN_KEY_DOMAIN, "", 0, NULL, 0);
}

/* The signature of a store's code. */
void
checkin_store_sig(const uint8_t key[32], const char *shop,
    char out[CHECKIN_SIG_CHARS + 1])
{
	uint8_t mac[CHECKIN_SIG_BYTES];

	checkin_hash(mac, sizeof(mac), key, CHECKIN_SIG_DOMAIN, shop,
	    strlen(shop), NULL, 0);
	base32_encode(out, mac, sizeof(mac));
}

/* Checks a store code's signature in constant time. */
bool
checkin_store_sig_ok(const uint8_t key[32], const char *shop, const char *sig,
    size_t len)
{
	char want[CHECKIN_SIG_CHARS + 1], got[CHECKIN_SIG_CHARS + 1];

	if (len != CHECKIN_SIG_CHARS)
		return false;
	for (size_t i = 0; i < len; i++)
		got[i] = (char)(sig[i] >= 'a' && sig[i] <= 'z' ? sig[i] - 32 :
		    sig[i]);
	got[len] = '\0';
	checkin_store_sig(key, shop, want);
	return sodium_memcmp(want, got, CHECKIN_SIG_CHARS) == 0;
}

/* A status's machine name. */
const char *
checkin_status_name(int status)
{
	static const char *names[] = { "new", "already", "outside",
	    "inaccurate", "no_fence", "full", "refused", "closed", "bad_code",
	    "no_store" };

	return (unsigned)status < sizeof(names) / sizeof(names[0]) ?
	    names[status] : "?";
}

/* The words of a status. */
const char *
checkin_status_text(const struct checkin_result *r, bool zh)
{
	switch (r->status) {
	case CHECKIN_NEW:
		return zh ? "打卡成功！" : "You have checked in.";
	case CHECKIN_ALREADY:
		return zh ? "您今天已在本店打过卡，请明天再来。" :
		    "You have already checked in at this store today. Please "
		    "come back tomorrow.";
	case CHECKIN_OUTSIDE:
		return zh ? "您当前不在门店范围内，请到店后再打卡。" :
		    "You are not at the store yet. Please check in when you are "
		    "there.";
	case CHECKIN_INACCURATE:
		return zh ? "定位精度不足，无法确认您在店内。请到开阔处或打开"
		    "精确定位后重试，或请店员提供打卡码。" :
		    "Your location is not accurate enough to show you are in the "
		    "store. Try again with precise location on, or ask the staff "
		    "for a check-in code.";
	case CHECKIN_NO_FENCE:
		return zh ? "本店未设置位置，请请店员提供打卡码。" :
		    "This store has no location set. Please ask the staff for a "
		    "check-in code.";
	case CHECKIN_FULL:
		return zh ? "本店今天的打卡名额已满，请明天再来。" :
		    "This store's check-ins for today are used up. Please come "
		    "back tomorrow.";
	case CHECKIN_REFUSED:
		return draw_refusal_text(r->refusal, zh);
	case CHECKIN_CLOSED:
		return zh ? "本店当前没有打卡活动。" :
		    "There is no check-in campaign at this store now.";
	case CHECKIN_BAD_CODE:
		return zh ? "打卡码无效、已使用或已过期，请向店员索取新的打卡码。" :
		    "This check-in code is wrong, used or expired. Please ask the "
		    "staff for a new one.";
	default:
		return zh ? "门店不存在或已停用。" :
		    "This store is unknown or no longer takes part.";
	}
}

/* The keyed hash an exemption code is kept as. */
static void
checkin_exempt_hash(const uint8_t key[32], const char *shop, const char *code,
    uint8_t out[16])
{
	checkin_hash(out, 16, key, CHECKIN_EXEMPT_DOMAIN, shop, strlen(shop),
	    code, strlen(code));
}

/* Issues a shop's next exemption code. */
int
checkin_exempt_issue_txn(struct store_txn *t, const uint8_t key[32],
    const char *shop, int64_t now, char code[CHECKIN_EXEMPT_DIGITS + 1],
    int64_t *expires)
{
	struct store_checkin_exempt x;
	int ret;

	ret = store_checkin_exempt_get_txn(t, shop, &x);
	if (ret == -ENOENT)
		memset(&x, 0, sizeof(x));
	else if (ret < 0)
		return ret;
	for (int i = 0; i < CHECKIN_EXEMPT_DIGITS; i++)
		code[i] = (char)('0' + randombytes_uniform(10));
	code[CHECKIN_EXEMPT_DIGITS] = '\0';
	checkin_exempt_hash(key, shop, code, x.hash);
	x.issued = now;
	x.expires = now + CHECKIN_EXEMPT_TTL_US;
	x.serial++;
	*expires = x.expires;
	return store_checkin_exempt_put_txn(t, shop, &x);
}

/* Checks a typed exemption code against the shop's live one; *ok. */
static int
checkin_exempt_check(struct store_txn *t, const struct checkin_request *rq,
    struct store_checkin_exempt *x, bool *ok)
{
	uint8_t h[16];
	int ret;

	*ok = false;
	if ((ret = store_checkin_exempt_get_txn(t, rq->shop, x)) == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	checkin_exempt_hash(rq->key, rq->shop, rq->exemption, h);
	*ok = sodium_memcmp(h, x->hash, sizeof(h)) == 0 &&
	    rq->now < x->expires && x->expires != 0;
	return 0;
}

/* The subject of a visitor's check-ins at one shop. */
static void
checkin_visit_subject(const uint8_t visitor[STORE_VISITOR_BYTES],
    const char *shop, uint8_t out[16])
{
	checkin_hash(out, 16, NULL, "visit", visitor, STORE_VISITOR_BYTES, shop,
	    strlen(shop));
}

/* The subject of a shop's check-ins. */
static void
checkin_shop_subject(const char *shop, uint8_t out[16])
{
	checkin_hash(out, 16, NULL, "shop", shop, strlen(shop), NULL, 0);
}

/* The run of consecutive days up to day (or the day before, when day has
 * none yet) with a counter of kind and subject above zero. */
static int
checkin_run(struct store_txn *t, const struct campaign *c, int kind,
    const uint8_t subject[16], int day, uint32_t *run)
{
	uint64_t n;
	int ret;

	*run = 0;
	for (int d = day; d >= 0; d--) {
		if ((ret = store_counter_get_txn(t, c->id, kind, subject,
		    (uint32_t)d + 1, &n)) < 0)
			return ret;
		if (n == 0 && d == day)
			continue;
		if (n == 0)
			break;
		(*run)++;
	}
	return 0;
}

/* Checks the campaign's draw limits a check-in counts in: per visitor
 * per day and per network per hour (draw.c keeps the counters). */
static int
checkin_limits(struct store_txn *t, const struct checkin_request *rq, int day,
    int *refusal)
{
	const struct campaign *c = rq->c;
	uint32_t hour = (uint32_t)(rq->now / CHECKIN_HOUR_US);
	uint64_t n;
	int ret;

	*refusal = DRAW_REFUSE_NONE;
	if (c->lim_visitor_day != 0) {
		if ((ret = tallies_count_get(rq->tallies, t, c->id,
		    STORE_COUNT_VISITOR_DAY, rq->visitor, (uint32_t)day + 1,
		    &n)) < 0)
			return ret;
		if (n >= c->lim_visitor_day) {
			*refusal = DRAW_REFUSE_VISITOR_DAY;
			return 0;
		}
	}
	if (c->lim_ip_hour != 0) {
		if ((ret = tallies_count_get(rq->tallies, t, c->id,
		    STORE_COUNT_IP_HOUR, rq->net, hour, &n)) < 0)
			return ret;
		if (n >= c->lim_ip_hour)
			*refusal = DRAW_REFUSE_IP_HOUR;
	}
	return 0;
}

/* Counts a check-in that does not draw in those limits, in the store
 * itself (a drawing one is counted by its draw). */
static int
checkin_count(struct store_txn *t, const struct checkin_request *rq, int day)
{
	const struct campaign *c = rq->c;
	int ret;

	if (c->lim_visitor_day != 0 && (ret = store_counter_add_txn(t, c->id,
	    STORE_COUNT_VISITOR_DAY, rq->visitor, (uint32_t)day + 1, 1)) < 0)
		return ret;
	if (c->lim_ip_hour != 0 && (ret = store_counter_add_txn(t, c->id,
	    STORE_COUNT_IP_HOUR, rq->net, (uint32_t)(rq->now /
	    CHECKIN_HOUR_US), 1)) < 0)
		return ret;
	return 0;
}

/* The serial of a check-in's draw: a hash of what makes it one, never a
 * minted serial (those are random). */
void
checkin_serial(const uint8_t visitor[STORE_VISITOR_BYTES], const char *shop,
    int day, int which, uint8_t out[STORE_SERIAL_BYTES])
{
	uint8_t tag[8];

	for (int i = 0; i < 4; i++)
		tag[i] = (uint8_t)((uint32_t)day >> (24 - 8 * i));
	tag[4] = (uint8_t)which;
	memcpy(tag + 5, "ck", 2);
	tag[7] = 0;
	checkin_hash(out, STORE_SERIAL_BYTES, NULL, CHECKIN_SERIAL_DOMAIN,
	    visitor, STORE_VISITOR_BYTES, shop, strlen(shop));
	for (int i = 0; i < 8; i++)
		out[i] ^= tag[i];
}

/* The words of a streak's prize not granted. */
const char *
checkin_grant_text(const struct checkin_result *res, bool zh)
{
	const struct draw_result *g = &res->streak_grant;

	if (!res->has_streak_grant || (g->status == DRAW_NEW &&
	    g->draw.outcome != STORE_OUTCOME_MISS))
		return NULL;
	if (g->status == DRAW_RETRY)
		return zh ? "连续打卡奖品暂时无法发放，本次打卡已记录。" :
		    "The streak's prize cannot be given out just now; your "
		    "check-in is recorded.";
	return zh ? "连续打卡奖品已发完，本次未能发放。" :
	    "The streak's prizes are all given out, so none could be given "
	    "this time.";
}

/* A draw request for the check-in's serial of which. */
static void
checkin_draw_request(const struct checkin_request *rq, int day, int which,
    struct draw_request *drq)
{
	memset(drq, 0, sizeof(*drq));
	drq->c = rq->c;
	checkin_serial(rq->visitor, rq->shop, day, which, drq->serial);
	memcpy(drq->visitor, rq->visitor, STORE_VISITOR_BYTES);
	memcpy(drq->net, rq->net, sizeof(drq->net));
	drq->now = rq->now;
	drq->claim_key = rq->claim_key;
	drq->tallies = rq->tallies;
}

/* Gives a reward: points to the visitor, and a draw whose code is the
 * check-in's own serial (which: enum checkin_serial_of). */
static int
checkin_reward(struct store_txn *t, const struct checkin_request *rq,
    const struct campaign_reward *rw, int day, int which,
    struct draw_result *dr, bool *drew, int64_t *points)
{
	struct draw_request drq;
	int64_t balance;
	int ret;

	*drew = false;
	if (rw->points > 0) {
		/* Not in the campaign's points summary, which is the draw
		 * log's (the audit checks one against the other). */
		if ((ret = store_points_add_txn(t, rq->visitor, rq->c->id, 0,
		    rw->points, 0, rq->now, &balance)) < 0)
			return ret;
		*points += rw->points;
	}
	if (!rw->draw)
		return 0;
	checkin_draw_request(rq, day, which, &drq);
	if ((ret = draw_online_txn(t, &drq, dr)) < 0)
		return ret;
	/* With stock leased from PostgreSQL and none held yet, the draw
	 * wrote nothing: the check-in counts, without a draw. */
	*drew = dr->status != DRAW_RETRY;
	return 0;
}

/* Grants the streak's prize, when it has one: one unit of its tier. */
static int
checkin_grant(struct store_txn *t, const struct checkin_request *rq, int day,
    struct checkin_result *res)
{
	const struct campaign_reward *rw = &rq->c->checkin.streak_reward;
	struct draw_request drq;
	int ret;

	if (rw->prize == 0)
		return 0;
	checkin_draw_request(rq, day, CHECKIN_SERIAL_PRIZE, &drq);
	if ((ret = draw_grant_txn(t, &drq, rw->prize - 1, rq->shop,
	    &res->streak_grant)) < 0)
		return ret;
	/* Leased stock and none held (DRAW_RETRY): the check-in counts,
	 * without it. */
	res->has_streak_grant = res->streak_grant.status != DRAW_CLOSED;
	if (res->streak_grant.status == DRAW_NEW)
		res->ck.streak_draw_seq = res->streak_grant.draw.seq;
	return 0;
}

/* Checks where the visitor is: the fence, or an exemption code. */
static int
checkin_presence(struct store_txn *t, const struct checkin_request *rq,
    const struct store_shop *s, struct checkin_result *res,
    struct store_checkin_exempt *x)
{
	bool ok;
	int ret;

	if (rq->exemption[0] != '\0') {
		if ((ret = checkin_exempt_check(t, rq, x, &ok)) < 0)
			return ret;
		if (!ok)
			res->status = CHECKIN_BAD_CODE;
		return 0;
	}
	if (!s->has_location || s->radius_m == 0) {
		res->status = CHECKIN_NO_FENCE;
		return 0;
	}
	res->radius_m = s->radius_m;
	res->distance_m = earth_distance_m(s->lat, s->lon, rq->lat, rq->lon);
	if (!(rq->accuracy >= 0) || rq->accuracy > (float)s->radius_m)
		res->status = CHECKIN_INACCURATE;
	else if (res->distance_m > s->radius_m)
		res->status = CHECKIN_OUTSIDE;
	return 0;
}

/* The streak after this check-in (shop's check-in counted already); sets
 * *completed when it reached a multiple of the streak's days today. */
static int
checkin_streak(struct store_txn *t, const struct checkin_request *rq, int day,
    uint32_t *streak, bool *completed)
{
	const struct campaign_checkin *ck = &rq->c->checkin;
	uint8_t subject[16];
	bool counts = ck->streak_store[0] == '\0' ||
	    strcmp(ck->streak_store, rq->shop) == 0;
	uint64_t today;
	int ret, kind = STORE_COUNT_CHECKIN_DAY;

	*streak = 0;
	*completed = false;
	if (ck->streak_days == 0)
		return 0;
	if (ck->streak_store[0] != '\0') {
		checkin_visit_subject(rq->visitor, ck->streak_store, subject);
		kind = STORE_COUNT_CHECKIN_VISIT;
	} else
		memcpy(subject, rq->visitor, 16);
	if ((ret = checkin_run(t, rq->c, kind, subject, day, streak)) < 0)
		return ret;
	/* Completed by this check-in: the day's first at a counting store. */
	if (!counts || (ret = store_counter_get_txn(t, rq->c->id, kind, subject,
	    (uint32_t)day + 1, &today)) < 0)
		return counts ? ret : 0;
	*completed = today == 1 && *streak > 0 &&
	    *streak % ck->streak_days == 0;
	return 0;
}

/* Counts the check-in in its three counters. */
static int
checkin_tally(struct store_txn *t, const struct checkin_request *rq, int day,
    const uint8_t visit[16], const uint8_t shop[16])
{
	const char *id = rq->c->id;
	int ret;

	if ((ret = store_counter_add_txn(t, id, STORE_COUNT_CHECKIN_VISIT,
	    visit, (uint32_t)day + 1, 1)) < 0 ||
	    (ret = store_counter_add_txn(t, id, STORE_COUNT_CHECKIN_SHOP, shop,
	    (uint32_t)day + 1, 1)) < 0)
		return ret;
	return store_counter_add_txn(t, id, STORE_COUNT_CHECKIN_DAY,
	    rq->visitor, (uint32_t)day + 1, 1);
}

/* Decides, records and rewards a check-in. */
int
checkin_txn(struct store_txn *t, const struct checkin_request *rq,
    struct checkin_result *res)
{
	const struct campaign *c = rq->c;
	struct store_checkin *ck = &res->ck;
	struct store_checkin_exempt x;
	struct store_campaign hdr;
	struct store_shop s;
	uint8_t visit[16], shop[16];
	uint64_t n;
	bool completed;
	int day, ret;

	memset(res, 0, sizeof(*res));
	ret = store_shop_get_txn(t, rq->shop, &s);
	if (ret == -ENOENT || (ret == 0 && s.revoked)) {
		res->status = CHECKIN_NO_STORE;
		return 0;
	}
	if (ret < 0)
		return ret;
	day = campaign_day(c, rq->now);
	if ((ret = tallies_header_get(rq->tallies, t, c->id, &hdr)) < 0 &&
	    ret != -ENOENT)
		return ret;
	if (ret == -ENOENT || !campaign_running(&hdr, rq->now) || day < 0 ||
	    !c->checkin.on || !campaign_checkin_store(&c->checkin, rq->shop)) {
		res->status = CHECKIN_CLOSED;
		return 0;
	}
	if ((ret = checkin_presence(t, rq, &s, res, &x)) < 0 ||
	    res->status != CHECKIN_NEW)
		return ret;
	checkin_visit_subject(rq->visitor, rq->shop, visit);
	checkin_shop_subject(rq->shop, shop);
	if ((ret = store_counter_get_txn(t, c->id, STORE_COUNT_CHECKIN_VISIT,
	    visit, (uint32_t)day + 1, &n)) < 0)
		return ret;
	if (n > 0) {
		res->status = CHECKIN_ALREADY;
		return checkin_streak(t, rq, day, &res->streak, &completed);
	}
	if (c->checkin.per_store_per_day != 0) {
		if ((ret = store_counter_get_txn(t, c->id,
		    STORE_COUNT_CHECKIN_SHOP, shop, (uint32_t)day + 1, &n)) < 0)
			return ret;
		if (n >= c->checkin.per_store_per_day) {
			res->status = CHECKIN_FULL;
			return 0;
		}
	}
	if ((ret = checkin_limits(t, rq, day, &res->refusal)) < 0)
		return ret;
	if (res->refusal != DRAW_REFUSE_NONE) {
		res->status = CHECKIN_REFUSED;
		return 0;
	}

	/* From here on it counts: every write below commits together. */
	memset(ck, 0, sizeof(*ck));
	ck->time = rq->now;
	snprintf(ck->shop, sizeof(ck->shop), "%s", rq->shop);
	snprintf(ck->campaign, sizeof(ck->campaign), "%s", c->id);
	memcpy(ck->visitor, rq->visitor, STORE_VISITOR_BYTES);
	ck->day = (uint32_t)day;
	if (rq->exemption[0] != '\0') {
		ck->method = STORE_CHECKIN_EXEMPT;
		memset(x.hash, 0, sizeof(x.hash));	/* used: none live */
		x.expires = 0;
		if ((ret = store_checkin_exempt_put_txn(t, rq->shop, &x)) < 0)
			return ret;
	} else {
		ck->method = STORE_CHECKIN_GPS;
		ck->lat = rq->lat;
		ck->lon = rq->lon;
		ck->accuracy = rq->accuracy;
		ck->distance_m = (uint32_t)lround(res->distance_m);
	}
	/* Before the reward: its draw may be for this store's visitors. */
	if ((ret = checkin_tally(t, rq, day, visit, shop)) < 0 ||
	    (ret = tags_checkin_txn(t, rq->visitor, rq->shop, rq->now)) < 0 ||
	    (ret = checkin_streak(t, rq, day, &res->streak, &completed)) < 0)
		return ret;
	ck->streak = res->streak;
	if (!c->checkin.reward.draw && (ret = checkin_count(t, rq, day)) < 0)
		return ret;
	if ((ret = checkin_reward(t, rq, &c->checkin.reward, day,
	    CHECKIN_SERIAL_REWARD, &res->draw, &res->has_draw, &ck->points)) < 0)
		return ret;
	if (res->has_draw && res->draw.status != DRAW_CLOSED) {
		ck->draw_seq = res->draw.draw.seq;
		ck->draw_outcome = res->draw.draw.outcome;
	}
	if (completed) {
		ck->streak_rewarded = 1;
		if ((ret = checkin_reward(t, rq, &c->checkin.streak_reward, day,
		    CHECKIN_SERIAL_STREAK, &res->streak_draw,
		    &res->has_streak_draw, &ck->points)) < 0 ||
		    (ret = checkin_grant(t, rq, day, res)) < 0)
			return ret;
		if (res->has_streak_draw)
			ck->streak_draw_seq = res->streak_draw.draw.seq;
	}
	if ((ret = store_points_balance_txn(t, rq->visitor,
	    &res->points_balance, NULL)) < 0)
		return ret;
	return store_checkin_add_txn(t, ck);
}
