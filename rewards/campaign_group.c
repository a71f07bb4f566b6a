/* campaign_group.c — the "group" rules of a campaign file (拼团). */
#include "rewards/campaign_internal.h"

#include "store/group.h"

#define GROUP_WINDOW_HOURS_MAX (30 * 24)
#define GROUP_STARTS_DEFAULT 3
#define GROUP_STARTS_MAX 100

/* Parses "group": size, window_hours, starts_per_visitor_per_day. */
void
campaign_group_parse(json_t *root, struct campaign *c,
    struct campaign_errors *e)
{
	static const char *const keys[] = { "size", "window_hours",
	    "starts_per_visitor_per_day", NULL };
	struct campaign_group *g = &c->group;
	json_t *v = json_object_get(root, "group");
	uint64_t n;

	if (v == NULL)
		return;
	if (!json_is_object(v)) {
		campaign_err(e, "group", "must be an object with size and "
		    "window_hours");
		return;
	}
	g->on = true;
	campaign_known_keys(v, "group", keys, e);
	if (campaign_uint(v, "size", "group.size", 2, STORE_GROUP_MEMBERS_MAX,
	    true, &n, e))
		g->size = (uint32_t)n;
	if (campaign_uint(v, "window_hours", "group.window_hours", 1,
	    GROUP_WINDOW_HOURS_MAX, true, &n, e))
		g->window_us = (int64_t)n * 3600 * 1000000;
	n = GROUP_STARTS_DEFAULT;
	if (campaign_uint(v, "starts_per_visitor_per_day",
	    "group.starts_per_visitor_per_day", 1, GROUP_STARTS_MAX, false, &n,
	    e))
		g->starts_per_day = (uint32_t)n;
}
