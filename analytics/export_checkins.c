/*
 * export_checkins.c — the check-ins export (scanloop export checkins):
 * every store check-in in id order, with what it earned (docs/export.md
 * gives the fields in their fixed order; docs/checkin.md what they mean).
 */
#include "analytics/analytics_internal.h"
#include "rewards/drawlog.h"
#include "store/checkin.h"

#include <errno.h>
#include <string.h>

const char *const analytics_checkin_fields[] = {
	"id", "time", "campaign", "day", "store", "method", "visitor", "lat",
	"lon", "accuracy", "distance_m", "streak", "streak_rewarded",
	"points", "draw_seq", "draw_outcome", "streak_draw_seq",
};
const size_t analytics_checkin_nfields = sizeof(analytics_checkin_fields) /
    sizeof(analytics_checkin_fields[0]);

struct checkins_walk {
	struct analytics_export *x;
	struct campaign *c;		/* of the last check-in */
};

/* Writes a sequence number, or null for 0. */
static void
checkins_opt_seq(struct output *o, uint64_t seq)
{
	if (seq != 0)
		output_u64(o, seq);
	else
		output_null(o);
}

/* Writes one check-in. */
static int
checkins_row_cb(const struct store_checkin *ck, void *arg)
{
	static const char hex[] = "0123456789abcdef";
	struct checkins_walk *w = arg;
	struct analytics_export *x = w->x;
	struct output *o = &x->out;
	bool gps = ck->method == STORE_CHECKIN_GPS;
	char visitor[33];
	int ret;

	if ((x->q.has_from && ck->time < x->q.from) ||
	    (x->q.has_to && ck->time >= x->q.to) ||
	    (x->campaign != NULL && strcmp(x->campaign->id, ck->campaign) != 0))
		return 0;
	if (w->c == NULL || strcmp(w->c->id, ck->campaign) != 0) {
		campaign_unref(w->c, __func__);
		w->c = NULL;
		ret = campaign_load_txn(&x->t, ck->campaign, &w->c, NULL, 0);
		if (ret < 0 && ret != -ENOENT)
			return ret;
	}
	for (int i = 0; i < 16; i++) {
		visitor[2 * i] = hex[ck->visitor[i] >> 4];
		visitor[2 * i + 1] = hex[ck->visitor[i] & 15];
	}
	visitor[32] = '\0';
	output_u64(o, ck->id);
	output_time(o, ck->time);
	output_str(o, ck->campaign);
	output_u64(o, ck->day);
	output_str(o, ck->shop);
	output_str(o, gps ? "gps" : "code");
	output_str(o, visitor);
	if (gps) {
		output_double(o, ck->lat, false);
		output_double(o, ck->lon, false);
		output_double(o, ck->accuracy, true);
		output_u64(o, ck->distance_m);
	} else {
		for (int i = 0; i < 4; i++)
			output_null(o);
	}
	output_u64(o, ck->streak);
	output_u64(o, ck->streak_rewarded);
	output_i64(o, ck->points);
	checkins_opt_seq(o, ck->draw_seq);
	if (ck->draw_seq != 0)
		output_str(o, drawlog_outcome_name(w->c, ck->draw_outcome));
	else
		output_null(o);
	checkins_opt_seq(o, ck->streak_draw_seq);
	output_row_end(o);
	return o->err;
}

/* The check-ins export. */
int
analytics_checkins_write(struct analytics_export *x)
{
	struct checkins_walk w = { x, NULL };
	int ret;

	ret = store_checkin_foreach_txn(&x->t, 0, checkins_row_cb, &w);
	campaign_unref(w.c, __func__);
	return ret;
}
