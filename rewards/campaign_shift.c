/* campaign_shift.c — moving a campaign file's window to another start
 * (campaign load --start now), so that a sample runs on the day it is
 * loaded. */
#include "rewards/campaign.h"
#include "common/clock.h"

#include <errno.h>
#include <jansson.h>

/* Moves one time field of obj by delta; false (and *why) if it is not a
 * time. An absent field stays absent. */
static bool
campaign_shift_field(json_t *obj, const char *key, int64_t delta,
    const char **why)
{
	char buf[CLOCK_ISO8601_LEN];
	json_t *v = json_object_get(obj, key);
	int64_t t;

	if (v == NULL)
		return true;
	if (!json_is_string(v) || campaign_parse_time(json_string_value(v),
	    &t) < 0) {
		*why = "a time of the file is not an ISO 8601 time";
		return false;
	}
	clock_format_iso8601(t + delta, buf);
	return json_object_set_new(obj, key, json_string(buf)) == 0;
}

/* Moves a campaign file's window to begin at start. */
int
campaign_shift(const char *json, size_t len, int64_t start, char **out,
    const char **why)
{
	json_t *root, *tiers, *tier, *coupon;
	int64_t old;
	size_t i;
	int ret = -EINVAL;

	*out = NULL;
	*why = "not a campaign file (a JSON object with a start time)";
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	if (root == NULL || !json_is_object(root) ||
	    !json_is_string(json_object_get(root, "start")) ||
	    campaign_parse_time(json_string_value(json_object_get(root,
	    "start")), &old) < 0)
		goto out;
	/* Whole seconds: the stored times stay readable. */
	start -= start % 1000000;
	if (!campaign_shift_field(root, "start", start - old, why) ||
	    !campaign_shift_field(root, "end", start - old, why))
		goto out;
	tiers = json_object_get(root, "tiers");
	if (json_is_array(tiers))
		json_array_foreach(tiers, i, tier) {
			coupon = json_object_get(tier, "coupon");
			if (json_is_object(coupon) && (!campaign_shift_field(
			    coupon, "valid_from", start - old, why) ||
			    !campaign_shift_field(coupon, "valid_to",
			    start - old, why)))
				goto out;
		}
	*out = json_dumps(root, JSON_PRESERVE_ORDER | JSON_INDENT(2));
	ret = *out != NULL ? 0 : -ENOMEM;
out:
	json_decref(root);
	return ret;
}
