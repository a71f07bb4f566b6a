/*
 * export_visitors.c — the visitors export (scanloop export visitors): one
 * row per visitor id with its counts and member tags (rewards/tags.h), in
 * id order, for a CRM; --tag keeps the visitors that carry a tag.
 * docs/export.md gives the fields in their fixed order and defines every
 * tag.
 */
#include "analytics/analytics_internal.h"
#include "rewards/tags.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const analytics_visitor_fields[] = {
	"visitor", "first_seen", "last_seen", "scans", "codes", "draws",
	"wins", "redemptions", "checkins", "points", "tags",
};
const size_t analytics_visitor_nfields = sizeof(analytics_visitor_fields) /
    sizeof(analytics_visitor_fields[0]);

/* The walk: the --tag filter, and the tags of the visitor at hand,
 * ';'-joined in a buffer that grows with its stores (one tag each). */
struct visitors_walk {
	struct analytics_export *x;
	struct tags_tag want;
	struct tags_tiers tiers;	/* as the snapshot holds them */
	bool filter;
	bool has_want;
	char *tags;
	size_t len, cap;
};

/* Appends one tag's name to the list. */
static int
visitors_tag_add(struct visitors_walk *w, const struct tags_tag *tag)
{
	char name[TAGS_NAME_MAX + 1];
	size_t n;

	tags_name(tag, name);
	n = strlen(name);
	if (w->len + n + 2 > w->cap) {
		size_t cap = (w->cap + n + 2) * 2;
		char *nt = realloc(w->tags, cap);

		if (nt == NULL)
			return -ENOMEM;
		w->tags = nt;
		w->cap = cap;
	}
	if (w->len > 0)
		w->tags[w->len++] = ';';
	memcpy(w->tags + w->len, name, n + 1);
	w->len += n;
	return 0;
}

/* A store the visitor checked in at: its tag. */
static int
visitors_shop_cb(const char *shop, uint64_t n, void *arg)
{
	struct visitors_walk *w = arg;
	struct tags_tag tag = { .kind = TAGS_CHECKIN };

	if (n == 0)
		return 0;
	snprintf(tag.shop, sizeof(tag.shop), "%s", shop);
	if (w->filter && w->want.kind == TAGS_CHECKIN &&
	    strcmp(w->want.shop, shop) == 0)
		w->has_want = true;
	return visitors_tag_add(w, &tag);
}

/* Writes one visitor, if it carries the wanted tag. */
static int
visitors_row_cb(const uint8_t id[STORE_VISITOR_BYTES],
    const struct store_visitor *v, void *arg)
{
	static const char hex[] = "0123456789abcdef";
	struct visitors_walk *w = arg;
	struct analytics_export *x = w->x;
	struct output *o = &x->out;
	struct tags_tag tag;
	char visitor[33];
	int64_t balance;
	int tier, ret;

	if ((ret = store_points_balance_txn(&x->t, id, &balance, NULL)) < 0)
		return ret;
	w->len = 0;
	if (w->tags != NULL)
		w->tags[0] = '\0';
	w->has_want = w->filter && w->want.kind != TAGS_CHECKIN &&
	    tags_record_has(v, balance, &w->tiers, &w->want);
	for (int k = TAGS_FIRST_SCAN; k <= TAGS_REDEEMER; k++) {
		tag = (struct tags_tag){ .kind = k };
		if (tags_record_has(v, balance, &w->tiers, &tag) &&
		    (ret = visitors_tag_add(w, &tag)) < 0)
			return ret;
	}
	if ((tier = tags_tier_of(&w->tiers, balance)) != TAGS_TIER_NONE) {
		tag = (struct tags_tag){ .kind = TAGS_POINTS, .tier = tier };
		if ((ret = visitors_tag_add(w, &tag)) < 0)
			return ret;
	}
	if ((ret = store_visitor_shop_foreach_txn(&x->t, id, visitors_shop_cb,
	    w)) < 0)
		return ret;
	if (w->filter && !w->has_want)
		return 0;
	for (int i = 0; i < STORE_VISITOR_BYTES; i++) {
		visitor[2 * i] = hex[id[i] >> 4];
		visitor[2 * i + 1] = hex[id[i] & 15];
	}
	visitor[32] = '\0';
	output_str(o, visitor);
	analytics_opt_time(o, v->first_seen);
	analytics_opt_time(o, v->last_seen);
	output_u64(o, v->scans);
	output_u64(o, v->codes);
	output_u64(o, v->draws);
	output_u64(o, v->wins);
	output_u64(o, v->redemptions);
	output_u64(o, v->checkins);
	output_i64(o, balance);
	output_str_list(o, w->tags != NULL ? w->tags : "", ';');
	output_row_end(o);
	return o->err;
}

/* The visitors export. */
int
analytics_visitors_write(struct analytics_export *x)
{
	struct visitors_walk w;
	int ret;

	memset(&w, 0, sizeof(w));
	w.x = x;
	if (x->q.tag[0] != '\0') {
		if (tags_parse(x->q.tag, &w.want) < 0)
			return -EINVAL;
		w.filter = true;
	}
	if ((ret = tags_tiers_get_txn(&x->t, &w.tiers)) < 0)
		return ret;
	ret = store_visitor_foreach_txn(&x->t, visitors_row_cb, &w);
	free(w.tags);
	return ret;
}
