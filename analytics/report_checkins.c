/*
 * report_checkins.c — the report's store check-ins (docs/checkin.md): per
 * store, per local day of each period, from the check-in log in the
 * report's snapshot. Check-ins name a campaign, not a batch: --campaign
 * keeps that campaign's, --batch does not filter them. At most
 * REPORT_CHECKIN_SHOPS_MAX stores are counted (then "complete" is false).
 */
#include "analytics/report_internal.h"
#include "store/checkin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The store row of id, inserted in id order; NULL when the table is full
 * (r->ck_full) or out of memory (-ENOMEM in *err). */
static struct report_ck_shop *
report_ck_row(struct report *r, const char *id, int *err)
{
	size_t lo = 0, hi = r->nck_shops;
	struct report_ck_shop *ns, *s;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(r->ck_shops[mid].id, id);

		if (c == 0)
			return &r->ck_shops[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (r->nck_shops == REPORT_CHECKIN_SHOPS_MAX) {
		r->ck_full = true;
		return NULL;
	}
	if ((ns = realloc(r->ck_shops, (r->nck_shops + 1) * sizeof(*ns))) ==
	    NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	r->ck_shops = ns;
	memmove(ns + lo + 1, ns + lo, (r->nck_shops - lo) * sizeof(*ns));
	s = &ns[lo];
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", id);
	r->nck_shops++;
	for (int k = 0; k < 2; k++)
		if ((s->days[k] = calloc(r->p[k].ndays + 1,
		    sizeof(*s->days[k]))) == NULL) {
			*err = -ENOMEM;
			return NULL;
		}
	return s;
}

/* Counts one check-in in the period that holds it. */
static int
report_ck_cb(const struct store_checkin *ck, void *arg)
{
	struct report *r = arg;
	struct report_ck_shop *s;
	int err = 0;

	if (r->campaign != NULL && strcmp(r->campaign->id, ck->campaign) != 0)
		return 0;
	for (int k = 0; k < 2; k++) {
		const struct report_period *p = &r->p[k];
		int64_t d;

		if (ck->time < p->from || ck->time >= p->to)
			continue;
		r->ck_total[k]++;
		if ((s = report_ck_row(r, ck->shop, &err)) == NULL)
			return err;
		s->total[k]++;
		d = report_tz_day(&r->tz, ck->time) - p->day0;
		if (d >= 0 && (size_t)d < p->ndays)
			s->days[k][d]++;
	}
	return 0;
}

/* Counts the check-ins of both periods and names their stores. */
int
report_checkins_count(struct report *r)
{
	struct store_shop sh;
	int ret;

	if ((ret = store_checkin_foreach_txn(&r->t, 0, report_ck_cb, r)) < 0)
		return ret;
	for (size_t i = 0; i < r->nck_shops; i++) {
		ret = store_shop_get_txn(&r->t, r->ck_shops[i].id, &sh);
		if (ret < 0 && ret != -ENOENT)
			return ret;
		snprintf(r->ck_shops[i].name, sizeof(r->ck_shops[i].name), "%s",
		    ret == 0 && sh.name[0] != '\0' ? sh.name : r->ck_shops[i].id);
	}
	return 0;
}

/* Frees the check-in table. */
void
report_checkins_free(struct report *r)
{
	for (size_t i = 0; i < r->nck_shops; i++)
		for (int k = 0; k < 2; k++)
			free(r->ck_shops[i].days[k]);
	free(r->ck_shops);
	r->ck_shops = NULL;
	r->nck_shops = 0;
}
