/* campaign_daily.c — a tier's "daily_guarantee" (每天必送出一份). */
#include "rewards/campaign_internal.h"

#include <stdio.h>
#include <string.h>

/* Reads "HH:MM" (00:00 to 23:59) at key into *s, seconds after local
 * midnight (untouched when absent and not required); false when wrong. */
static bool
guarantee_clock(json_t *obj, const char *key, const char *field,
    bool required, uint32_t *s, struct campaign_errors *e)
{
	json_t *v = json_object_get(obj, key);
	const char *p;
	unsigned h, m;

	if (v == NULL) {
		if (required)
			campaign_err(e, field, "is required (local time "
			    "\"HH:MM\")");
		return !required;
	}
	p = json_is_string(v) ? json_string_value(v) : "";
	if (strlen(p) != 5 || p[2] != ':' || p[0] < '0' || p[0] > '2' ||
	    p[1] < '0' || p[1] > '9' || p[3] < '0' || p[3] > '5' ||
	    p[4] < '0' || p[4] > '9' ||
	    (h = (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0')) > 23) {
		campaign_err(e, field, "must be a local time \"HH:MM\" from "
		    "00:00 to 23:59");
		return false;
	}
	m = (unsigned)(p[3] - '0') * 10 + (unsigned)(p[4] - '0');
	*s = h * 3600 + m * 60;
	return true;
}

/* Parses tiers[i].daily_guarantee: per_day, expected_openings, opens,
 * last_call; the tier must reveal at the store, with odds 0, and its
 * daily cap (set to per_day when absent) equal to per_day. */
void
campaign_guarantee_parse(json_t *v, const char *path, struct campaign_tier *t,
    struct campaign_errors *e)
{
	static const char *const keys[] = { "per_day", "expected_openings",
	    "opens", "last_call", NULL };
	json_t *g = json_object_get(v, "daily_guarantee");
	char base[48], field[96];
	uint64_t k = 0, n = 0;
	bool ok = true, clocks;

	if (g == NULL)
		return;
	snprintf(base, sizeof(base), "%s.daily_guarantee", path);
	if (!json_is_object(g)) {
		campaign_err(e, base, "must be an object with per_day, "
		    "expected_openings and last_call");
		return;
	}
	campaign_known_keys(g, base, keys, e);
	snprintf(field, sizeof(field), "%s.per_day", base);
	ok &= campaign_uint(g, "per_day", field, 1, CAMPAIGN_GUARANTEE_MAX,
	    true, &k, e);
	if (ok && t->total > 0 && k > t->total) {
		campaign_err(e, field, "is larger than the tier's total");
		ok = false;
	}
	snprintf(field, sizeof(field), "%s.expected_openings", base);
	ok &= campaign_uint(g, "expected_openings", field, 1,
	    CAMPAIGN_GUARANTEE_MAX, true, &n, e);
	snprintf(field, sizeof(field), "%s.opens", base);
	t->opens_s = 0;
	clocks = guarantee_clock(g, "opens", field, false, &t->opens_s, e);
	snprintf(field, sizeof(field), "%s.last_call", base);
	clocks &= guarantee_clock(g, "last_call", field, true, &t->last_call_s,
	    e);
	if (clocks && t->last_call_s <= t->opens_s)
		campaign_err(e, field, "must be after opens");
	ok &= clocks && t->last_call_s > t->opens_s;
	if (t->reveal != CAMPAIGN_AT_STORE) {
		campaign_err(e, base, "belongs to at_store tiers only (it is "
		    "shared among the day's openings at the stores)");
		ok = false;
	}
	if (t->odds != 0) {
		snprintf(field, sizeof(field), "%s.odds", path);
		campaign_err(e, field, "must be 0 with a daily_guarantee (its "
		    "odds follow the day)");
		ok = false;
	}
	if (t->daily_cap != 0 && t->daily_cap != k && k != 0) {
		snprintf(field, sizeof(field), "%s.daily_cap", path);
		campaign_err(e, field, "must equal daily_guarantee.per_day, or "
		    "be left out");
		ok = false;
	}
	if (!ok)
		return;
	t->guarantee = (uint32_t)k;
	t->expected = (uint32_t)n;
	t->daily_cap = k;
}
