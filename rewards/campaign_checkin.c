/* campaign_checkin.c — the "checkin" rules of a campaign file. */
#include "rewards/campaign_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECKIN_POINTS_MAX 1000000000ULL
#define CHECKIN_CAP_MAX 1000000000ULL
#define CHECKIN_STREAK_MAX 366

/* Resolves a streak's "prize": an online tier with a claim (physical or
 * coupon), granted outright, never beside a draw. */
static void
checkin_prize(json_t *v, const char *field, const struct campaign *c,
    struct campaign_reward *r, struct campaign_errors *e)
{
	const char *id = json_string_value(v);
	const struct campaign_tier *t;
	size_t i;

	if (!json_is_string(v)) {
		campaign_err(e, field, "must be the id of a tier");
		return;
	}
	for (i = 0; i < c->ntiers && strcmp(c->tiers[i].id, id) != 0; i++)
		;
	if (i == c->ntiers) {
		campaign_err(e, field, "names tier %s, which is not in tiers",
		    id);
		return;
	}
	t = &c->tiers[i];
	if (t->reveal != CAMPAIGN_ONLINE)
		campaign_err(e, field, "names tier %s, which reveals at_store "
		    "(a prize is granted online, with its claim)", id);
	else if (t->kind == CAMPAIGN_POINTS)
		campaign_err(e, field, "names tier %s, a points tier: give the "
		    "points as checkin.streak.reward.points instead", id);
	else
		r->prize = (int)i + 1;
}

/* Parses a reward object {"points": N, "draw": true}, and for a streak
 * also {"prize": TIER}. */
static void
checkin_reward(json_t *v, const char *path, const struct campaign *c,
    bool streak, struct campaign_reward *r, struct campaign_errors *e)
{
	static const char *const keys[] = { "points", "draw", "prize", NULL };
	char field[96];
	uint64_t n = 0;
	json_t *d, *p;

	memset(r, 0, sizeof(*r));
	if (v == NULL) {
		campaign_err(e, path, "is required (points and/or %s)",
		    streak ? "draw or prize" : "draw");
		return;
	}
	if (!json_is_object(v)) {
		campaign_err(e, path, "must be an object with points and/or "
		    "%s", streak ? "draw or prize" : "draw");
		return;
	}
	campaign_known_keys(v, path, keys, e);
	snprintf(field, sizeof(field), "%s.points", path);
	if (campaign_uint(v, "points", field, 1, CHECKIN_POINTS_MAX, false, &n,
	    e))
		r->points = (int64_t)n;
	snprintf(field, sizeof(field), "%s.draw", path);
	if ((d = json_object_get(v, "draw")) != NULL) {
		if (!json_is_boolean(d))
			campaign_err(e, field, "must be true or false");
		else
			r->draw = json_is_true(d);
	}
	snprintf(field, sizeof(field), "%s.prize", path);
	if ((p = json_object_get(v, "prize")) != NULL && !streak)
		campaign_err(e, field, "is for checkin.streak.reward only (a "
		    "prize granted for a completed streak)");
	else if (p != NULL && r->draw)
		campaign_err(e, field, "goes without \"draw\": true (the prize "
		    "is granted, not drawn)");
	else if (p != NULL)
		checkin_prize(p, field, c, r, e);
	if (json_object_get(v, "points") == NULL && !r->draw && p == NULL &&
	    (d == NULL || json_is_boolean(d)))
		campaign_err(e, path, "gives nothing: give points and/or "
		    "%s", streak ? "\"draw\": true or a prize" :
		    "\"draw\": true");
}

/* Parses a list of stores: "all" (or absent) or 1 to CAMPAIGN_SHOPS_MAX
 * store ids (claim.stores, checkin.stores). */
void
campaign_store_ids(json_t *arr, const char *path, bool *all,
    char (**ids)[STORE_ID_MAX + 1], size_t *n, struct campaign_errors *e)
{
	json_t *v;
	size_t i;

	*all = true;
	if (arr == NULL || (json_is_string(arr) &&
	    strcmp(json_string_value(arr), "all") == 0))
		return;
	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > CAMPAIGN_SHOPS_MAX) {
		campaign_err(e, path, "must be \"all\" or a list of 1 to %d "
		    "store ids", CAMPAIGN_SHOPS_MAX);
		return;
	}
	*all = false;
	if ((*ids = calloc(json_array_size(arr), sizeof(**ids))) == NULL) {
		campaign_err(e, path, "out of memory");
		return;
	}
	json_array_foreach(arr, i, v) {
		char field[48];

		snprintf(field, sizeof(field), "%s[%zu]", path, i);
		if (!json_is_string(v) || !campaign_id_ok(json_string_value(v)))
			campaign_err(e, field, "must be a store id");
		else
			snprintf((*ids)[(*n)++], STORE_ID_MAX + 1, "%s",
			    json_string_value(v));
	}
}

/* Parses checkin.streak. */
static void
checkin_streak(json_t *v, struct campaign *c, struct campaign_errors *e)
{
	struct campaign_checkin *ck = &c->checkin;
	static const char *const keys[] = { "days", "store", "reward", NULL };
	uint64_t days = 0;

	if (v == NULL)
		return;
	if (!json_is_object(v)) {
		campaign_err(e, "checkin.streak", "must be an object with days "
		    "and reward");
		return;
	}
	campaign_known_keys(v, "checkin.streak", keys, e);
	if (campaign_uint(v, "days", "checkin.streak.days", 2,
	    CHECKIN_STREAK_MAX, true, &days, e))
		ck->streak_days = (uint32_t)days;
	if (campaign_str(v, "store", "checkin.streak.store", false,
	    STORE_ID_MAX, ck->streak_store, sizeof(ck->streak_store), e) &&
	    ck->streak_store[0] != '\0') {
		if (!campaign_id_ok(ck->streak_store))
			campaign_err(e, "checkin.streak.store", "must be a store "
			    "id");
		else if (!campaign_checkin_store(ck, ck->streak_store))
			campaign_err(e, "checkin.streak.store", "names store %s, "
			    "which is not in checkin.stores", ck->streak_store);
	}
	checkin_reward(json_object_get(v, "reward"), "checkin.streak.reward",
	    c, true, &ck->streak_reward, e);
}

/* Parses the "checkin" rules. */
void
campaign_checkin_parse(json_t *root, struct campaign *c,
    struct campaign_errors *e)
{
	static const char *const keys[] = { "stores", "reward",
	    "per_store_per_day", "streak", NULL };
	struct campaign_checkin *ck = &c->checkin;
	json_t *v = json_object_get(root, "checkin");
	uint64_t cap = 0;

	if (v == NULL)
		return;
	if (!json_is_object(v)) {
		campaign_err(e, "checkin", "must be an object with reward "
		    "(and stores, per_store_per_day, streak)");
		return;
	}
	ck->on = true;
	campaign_known_keys(v, "checkin", keys, e);
	campaign_store_ids(json_object_get(v, "stores"), "checkin.stores",
	    &ck->all_stores, &ck->stores, &ck->nstores, e);
	checkin_reward(json_object_get(v, "reward"), "checkin.reward", c,
	    false, &ck->reward, e);
	if (campaign_uint(v, "per_store_per_day", "checkin.per_store_per_day",
	    1, CHECKIN_CAP_MAX, false, &cap, e))
		ck->per_store_per_day = (uint32_t)cap;
	checkin_streak(json_object_get(v, "streak"), c, e);
}

/* True when check-ins at a store count in the campaign's rules. */
bool
campaign_checkin_store(const struct campaign_checkin *ck, const char *shop)
{
	if (ck->all_stores)
		return true;
	for (size_t i = 0; i < ck->nstores; i++)
		if (strcmp(ck->stores[i], shop) == 0)
			return true;
	return false;
}
