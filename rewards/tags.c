/* tags.c — member tags: their names, their derivation, their counts. */
#include "rewards/tags.h"
#include "store/verdict.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAGS_CHECKIN_PREFIX "checkin:"
#define TAGS_POINTS_PREFIX "points:"

static const char *const tags_simple[] = {
	[TAGS_FIRST_SCAN] = "first_scan",
	[TAGS_REPEAT_BUYER] = "repeat_buyer",
	[TAGS_WINNER] = "winner",
	[TAGS_REDEEMER] = "redeemer",
};

static const char *const tags_tiers[] = {
	[TAGS_TIER_BRONZE] = "bronze",
	[TAGS_TIER_SILVER] = "silver",
	[TAGS_TIER_GOLD] = "gold",
};

const char *const tags_tier_settings[3] = { "tags.bronze", "tags.silver",
    "tags.gold" };

const struct tags_tiers tags_tiers_default = { { TAGS_BRONZE_POINTS,
    TAGS_SILVER_POINTS, TAGS_GOLD_POINTS } };

static const uint8_t tags_no_visitor[STORE_VISITOR_BYTES];

/* True for a store id: 1 to STORE_ID_MAX of [A-Za-z0-9_-]. As
 * campaign_id_ok, which tags.c may not call: campaign.c parses scopes
 * through campaign_scope.c, which calls here. */
static bool
tags_shop_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > STORE_ID_MAX)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-") == n;
}

/* Parses a tag's name. */
int
tags_parse(const char *name, struct tags_tag *tag)
{
	size_t cl = strlen(TAGS_CHECKIN_PREFIX);
	size_t pl = strlen(TAGS_POINTS_PREFIX);

	memset(tag, 0, sizeof(*tag));
	for (int k = TAGS_FIRST_SCAN; k <= TAGS_REDEEMER; k++)
		if (strcmp(name, tags_simple[k]) == 0) {
			tag->kind = k;
			return 0;
		}
	if (strncmp(name, TAGS_CHECKIN_PREFIX, cl) == 0 &&
	    tags_shop_ok(name + cl)) {
		tag->kind = TAGS_CHECKIN;
		snprintf(tag->shop, sizeof(tag->shop), "%s", name + cl);
		return 0;
	}
	if (strncmp(name, TAGS_POINTS_PREFIX, pl) == 0)
		for (int i = TAGS_TIER_BRONZE; i <= TAGS_TIER_GOLD; i++)
			if (strcmp(name + pl, tags_tiers[i]) == 0) {
				tag->kind = TAGS_POINTS;
				tag->tier = i;
				return 0;
			}
	return -EINVAL;
}

/* A tag's name. */
void
tags_name(const struct tags_tag *tag, char out[TAGS_NAME_MAX + 1])
{
	if (tag->kind == TAGS_CHECKIN)
		snprintf(out, TAGS_NAME_MAX + 1, TAGS_CHECKIN_PREFIX "%s",
		    tag->shop);
	else if (tag->kind == TAGS_POINTS)
		snprintf(out, TAGS_NAME_MAX + 1, TAGS_POINTS_PREFIX "%s",
		    tags_tier_name(tag->tier));
	else
		snprintf(out, TAGS_NAME_MAX + 1, "%s", tags_simple[tag->kind]);
}

/* Reads one threshold's setting: 0 and *v, -ENOENT when not set or not
 * a whole number in range, or a store error. */
static int
tags_tier_setting_txn(struct store_txn *t, int i, int64_t *v)
{
	char text[STORE_CONFIG_VALUE_MAX + 1], *end;
	long long n;
	int ret;

	if ((ret = store_config_get_txn(t, tags_tier_settings[i], text,
	    sizeof(text))) < 0)
		return ret;
	/* As `config set` wrote it: a number, maybe "5e3" or "5000.0". */
	errno = 0;
	n = strtoll(text, &end, 10);
	if (*end != '\0') {
		double d = strtod(text, &end);

		if (*end != '\0' || !(d >= 1 && d <= (double)TAGS_POINTS_MAX) ||
		    d != (double)(long long)d)
			return -ENOENT;
		n = (long long)d;
	}
	if (errno != 0 || n < 1 || n > TAGS_POINTS_MAX)
		return -ENOENT;
	*v = n;
	return 0;
}

/* Reads the thresholds, with v as tier's own (when tier is not 0). */
static int
tags_tiers_read_txn(struct store_txn *t, int tier, int64_t v,
    struct tags_tiers *out)
{
	int ret;

	*out = tags_tiers_default;
	for (int i = 0; i < 3; i++) {
		if (i == tier - 1) {
			out->at[i] = v;
			continue;
		}
		if ((ret = tags_tier_setting_txn(t, i, &out->at[i])) == -ENOENT)
			out->at[i] = tags_tiers_default.at[i];
		else if (ret < 0)
			return ret;
	}
	return 0;
}

/* Reads the thresholds. */
int
tags_tiers_get_txn(struct store_txn *t, struct tags_tiers *out)
{
	int ret;

	if ((ret = tags_tiers_read_txn(t, 0, 0, out)) < 0)
		return ret;
	/* Settings that no longer rise tier by tier: the defaults. */
	if (!(out->at[0] < out->at[1] && out->at[1] < out->at[2]))
		*out = tags_tiers_default;
	return 0;
}

/* Checks a tier's new threshold against the other two. */
int
tags_tiers_check_txn(struct store_txn *t, int tier, int64_t points,
    const char **why)
{
	static const char *const whys[] = {
		"must be below tags.silver", "must be above tags.bronze",
		"must be below tags.gold", "must be above tags.silver",
	};
	struct tags_tiers x;
	int ret;

	*why = NULL;
	if (tier < TAGS_TIER_BRONZE || tier > TAGS_TIER_GOLD)
		return -EINVAL;
	if (points < 1 || points > TAGS_POINTS_MAX) {
		*why = "out of range";
		return -EINVAL;
	}
	if ((ret = tags_tiers_read_txn(t, tier, points, &x)) < 0)
		return ret;
	if (x.at[0] >= x.at[1])
		*why = tier == TAGS_TIER_BRONZE ? whys[0] : whys[1];
	else if (x.at[1] >= x.at[2])
		*why = tier == TAGS_TIER_SILVER ? whys[2] : whys[3];
	return *why != NULL ? -EINVAL : 0;
}

/* The tier of a balance. */
int
tags_tier_of(const struct tags_tiers *tiers, int64_t balance)
{
	for (int i = 2; i >= 0; i--)
		if (balance >= tiers->at[i])
			return TAGS_TIER_BRONZE + i;
	return TAGS_TIER_NONE;
}

/* A tier's name. */
const char *
tags_tier_name(int tier)
{
	return tier >= TAGS_TIER_BRONZE && tier <= TAGS_TIER_GOLD ?
	    tags_tiers[tier] : NULL;
}

/* Whether a record and balance carry a tag. */
bool
tags_record_has(const struct store_visitor *v, int64_t balance,
    const struct tags_tiers *tiers, const struct tags_tag *tag)
{
	static const struct store_visitor none;

	if (v == NULL)
		v = &none;
	switch (tag->kind) {
	case TAGS_FIRST_SCAN:
		return v->scans >= 1;
	case TAGS_REPEAT_BUYER:
		return v->codes >= 2;
	case TAGS_WINNER:
		return v->wins >= 1;
	case TAGS_REDEEMER:
		return v->redemptions >= 1;
	case TAGS_POINTS:
		/* A scope's tier admits the tiers above it too. */
		return tags_tier_of(tiers, balance) >= tag->tier;
	default:
		return false;
	}
}

/* Whether a visitor carries a tag now. */
int
tags_has_txn(struct store_txn *t, const uint8_t visitor[STORE_VISITOR_BYTES],
    const struct tags_tag *tag, bool *has)
{
	struct store_visitor v;
	int64_t balance = 0;
	uint64_t n;
	int ret;

	*has = false;
	if (memcmp(visitor, tags_no_visitor, STORE_VISITOR_BYTES) == 0)
		return 0;
	if (tag->kind == TAGS_CHECKIN) {
		if ((ret = store_visitor_shop_get_txn(t, visitor, tag->shop,
		    &n)) < 0)
			return ret;
		*has = n > 0;
		return 0;
	}
	if (tag->kind == TAGS_POINTS) {
		struct tags_tiers tiers;

		if ((ret = tags_tiers_get_txn(t, &tiers)) < 0 ||
		    (ret = store_points_balance_txn(t, visitor, &balance,
		    NULL)) < 0)
			return ret;
		*has = tags_record_has(NULL, balance, &tiers, tag);
		return 0;
	}
	if ((ret = store_visitor_get_txn(t, visitor, &v)) == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	*has = tags_record_has(&v, 0, &tags_tiers_default, tag);
	return 0;
}

/* Reads a visitor's record (zero for a new one) and marks it seen now. */
static int
tags_touch_txn(struct store_txn *t, const uint8_t visitor[STORE_VISITOR_BYTES],
    int64_t now, struct store_visitor *v)
{
	int ret = store_visitor_get_txn(t, visitor, v);

	if (ret == -ENOENT) {
		memset(v, 0, sizeof(*v));
		v->first_seen = now;
		ret = 0;
	}
	if (now < v->first_seen)
		v->first_seen = now;
	if (now > v->last_seen)
		v->last_seen = now;
	return ret;
}

/* Counts a human scan of a genuine code. */
int
tags_scan_txn(struct store_txn *t, const struct store_event *ev)
{
	struct store_visitor v;
	int ret;

	if (ev->id == 0 || ev->verdict != VERDICT_GENUINE ||
	    !(ev->flags & STORE_EVENT_F_HUMAN) ||
	    !(ev->flags & STORE_EVENT_F_AUTH) ||
	    (ev->flags & STORE_EVENT_F_HEAD) ||
	    memcmp(ev->visitor, tags_no_visitor, STORE_VISITOR_BYTES) == 0)
		return 0;
	if ((ret = tags_touch_txn(t, ev->visitor, ev->time, &v)) < 0 ||
	    (ret = store_visitor_code_add_txn(t, ev->visitor, &v,
	    ev->serial)) < 0)
		return ret;
	v.scans++;
	return store_visitor_put_txn(t, ev->visitor, &v);
}

/* Adds draws and wins to a visitor's counts. */
static int
tags_wins_txn(struct store_txn *t, const uint8_t visitor[STORE_VISITOR_BYTES],
    int64_t now, uint32_t draws, uint32_t wins)
{
	struct store_visitor v;
	int ret;

	if (memcmp(visitor, tags_no_visitor, STORE_VISITOR_BYTES) == 0)
		return 0;
	if ((ret = tags_touch_txn(t, visitor, now, &v)) < 0)
		return ret;
	v.draws += draws;
	v.wins += wins;
	return store_visitor_put_txn(t, visitor, &v);
}

/* Counts an online draw. */
int
tags_draw_txn(struct store_txn *t, const uint8_t visitor[STORE_VISITOR_BYTES],
    int64_t now, bool won)
{
	return tags_wins_txn(t, visitor, now, 1, won ? 1 : 0);
}

/* Counts a prize granted outright (a check-in streak's): a win, no draw. */
int
tags_grant_txn(struct store_txn *t, const uint8_t visitor[STORE_VISITOR_BYTES],
    int64_t now)
{
	return tags_wins_txn(t, visitor, now, 0, 1);
}

/* Counts a redemption (and a ticket's win). */
int
tags_redeem_txn(struct store_txn *t, const struct store_claim *cl,
    bool opened, int64_t now)
{
	struct store_visitor v;
	int ret;

	if (memcmp(cl->visitor, tags_no_visitor, STORE_VISITOR_BYTES) == 0 ||
	    cl->tier == 0)
		return 0;
	if ((ret = tags_touch_txn(t, cl->visitor, now, &v)) < 0)
		return ret;
	v.redemptions++;
	if (opened)
		v.wins++;
	return store_visitor_put_txn(t, cl->visitor, &v);
}

/* Counts a check-in. */
int
tags_checkin_txn(struct store_txn *t,
    const uint8_t visitor[STORE_VISITOR_BYTES], const char *shop, int64_t now)
{
	struct store_visitor v;
	uint64_t n;
	int ret;

	if (memcmp(visitor, tags_no_visitor, STORE_VISITOR_BYTES) == 0)
		return 0;
	if ((ret = tags_touch_txn(t, visitor, now, &v)) < 0 ||
	    (ret = store_visitor_shop_add_txn(t, visitor, shop, &n)) < 0)
		return ret;
	v.checkins++;
	return store_visitor_put_txn(t, visitor, &v);
}
