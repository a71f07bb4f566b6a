/*
 * export_rewards.c — the draws and claims exports: the campaigns' draw
 * logs in sequence order and every claim. Their formats are those of the
 * draw log (rewards/drawlog.h, docs/draws.md): the JSON Lines of draws is
 * what 'scanloop campaign audit --log' and docs/audit_draws.py read, so
 * their objects come from drawlog_*_json; CSV goes through the writer.
 */
#include "analytics/analytics_internal.h"
#include "codegen/base32.h"
#include "codegen/code.h"
#include "rewards/drawlog.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const analytics_draw_fields[] = {
	"campaign", "seq", "time", "day", "date", "kind", "serial", "outcome",
	"tier", "rnd", "reason", "claim", "ticket_seq", "shop", "points",
	"event_id",
};
const size_t analytics_draw_nfields = sizeof(analytics_draw_fields) /
    sizeof(analytics_draw_fields[0]);

const char *const analytics_claim_fields[] = {
	"id", "campaign", "tier", "ticket", "state", "serial", "draw_seq",
	"open_seq", "created", "expires", "redeemed", "shop",
};
const size_t analytics_claim_nfields = sizeof(analytics_claim_fields) /
    sizeof(analytics_claim_fields[0]);

/* Writes a JSON value (consumed) as one line. */
static int
rewards_jsonl(struct output *o, json_t *v)
{
	char *s;

	if (v == NULL)
		return -ENOMEM;
	s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(v);
	if (s == NULL)
		return -ENOMEM;
	output_raw(o, s, strlen(s));
	output_raw(o, "\n", 1);
	free(s);
	if (o->err == 0)
		o->rows++;
	return o->err;
}

/* True when a time passes --from and --to. */
static bool
rewards_in_window(const struct analytics_query *q, int64_t t)
{
	return (!q->has_from || t >= q->from) && (!q->has_to || t < q->to);
}

struct draws_walk {
	struct analytics_export *x;
	struct campaign *c;
	int64_t day0;
	bool has_day0;
};

/* Writes one draw. */
static int
draws_row_cb(const struct store_draw *d, void *arg)
{
	struct draws_walk *w = arg;
	struct output *o = &w->x->out;
	char date[DRAWLOG_DATE_LEN] = "", rnd[17], sn[CODE_SERIAL_CHARS + 1];
	char claim[BASE32_LEN(STORE_CLAIM_ID_BYTES) + 1] = "";
	static const char hex[] = "0123456789abcdef";

	if (!rewards_in_window(&w->x->q, d->time))
		return 0;
	if (w->has_day0)
		drawlog_date_text(w->day0, d->day, date);
	if (w->x->q.format == ANALYTICS_JSONL)
		return rewards_jsonl(o, drawlog_draw_json(w->c, d,
		    date[0] ? date : NULL));
	for (int i = 0; i < 16; i++)
		rnd[i] = hex[(d->rnd >> (60 - 4 * i)) & 15];
	rnd[16] = '\0';
	code_serial_text(d->serial, sn);
	if (d->has_claim)
		base32_encode(claim, d->claim_id, STORE_CLAIM_ID_BYTES);
	output_str(o, w->c->id);
	output_u64(o, d->seq);
	output_time(o, d->time);
	output_u64(o, d->day);
	output_str(o, date);
	output_str(o, drawlog_kind_name(d->kind));
	output_str(o, sn);
	output_str(o, drawlog_outcome_name(w->c, d->outcome));
	if (d->outcome != STORE_OUTCOME_MISS &&
	    d->outcome != STORE_OUTCOME_TICKET &&
	    d->outcome != STORE_OUTCOME_REFUSED)
		output_u64(o, d->outcome - 1u);
	else
		output_null(o);
	output_str(o, rnd);
	output_str(o, drawlog_reason_name(d->reason));
	output_str(o, claim);
	if (d->kind == STORE_DRAW_OPEN)
		output_u64(o, d->ticket_seq);
	else
		output_null(o);
	output_str(o, d->shop);
	output_u64(o, d->points);
	output_u64(o, d->event_id);
	output_row_end(o);
	return o->err;
}

/* Writes one campaign's draw log. */
static int
draws_of_txn(struct analytics_export *x, const char *id)
{
	struct draws_walk w = { x, NULL, 0, false };
	int ret;

	if ((ret = campaign_load_txn(&x->t, id, &w.c, NULL, 0)) < 0)
		return ret;
	w.has_day0 = drawlog_day0(w.c, &w.day0) == 0;
	if (x->q.format == ANALYTICS_JSONL &&
	    (ret = rewards_jsonl(&x->out, drawlog_header_json(&w.c->hdr,
	    w.c->config, w.c->config_len))) < 0)
		goto out;
	if (x->q.format == ANALYTICS_JSONL)
		x->out.rows--;		/* a header, not a draw */
	ret = store_draw_foreach_txn(&x->t, id, 1, draws_row_cb, &w);
out:
	campaign_unref(w.c, __func__);
	return ret;
}

struct draws_ids {
	char (*ids)[STORE_ID_MAX + 1];
	size_t n;
};

/* Collects campaign ids. */
static int
draws_ids_cb(const struct store_campaign *h, void *arg)
{
	struct draws_ids *l = arg;
	void *nl = realloc(l->ids, (l->n + 1) * sizeof(*l->ids));

	if (nl == NULL)
		return -ENOMEM;
	l->ids = nl;
	memcpy(l->ids[l->n++], h->id, STORE_ID_MAX + 1);
	return 0;
}

/* The draws export: one campaign, or every one in id order. */
int
analytics_draws_write(struct analytics_export *x)
{
	struct draws_ids l = { NULL, 0 };
	int ret = 0;

	if (x->campaign != NULL)
		return draws_of_txn(x, x->campaign->id);
	if ((ret = store_campaign_foreach_txn(&x->t, draws_ids_cb, &l)) < 0)
		goto out;
	for (size_t i = 0; i < l.n && ret == 0; i++)
		ret = draws_of_txn(x, l.ids[i]);
out:
	free(l.ids);
	return ret;
}

struct claims_walk {
	struct analytics_export *x;
	struct campaign *c;		/* of the last claim */
};

/* A claim's tier as text: the tier id, "#N" for a tier the campaign (c,
 * may be NULL) does not name, "ticket" or "miss" for a sealed ticket. */
static const char *
claims_tier_name(const struct campaign *c, const struct store_claim *cl,
    char buf[16])
{
	const struct campaign_tier *t = c != NULL && cl->tier > 0 ?
	    campaign_tier_at(c, cl->tier - 1u) : NULL;

	if (t != NULL)
		return t->id;
	if (cl->tier > 0) {
		snprintf(buf, 16, "#%u", cl->tier - 1u);
		return buf;
	}
	return cl->ticket && cl->open_seq != 0 ? "miss" : "ticket";
}

/* A claim's state at now: "redeemed", "expired" or "open". */
static const char *
claims_state_name(const struct store_claim *cl, int64_t now)
{
	return cl->state == STORE_CLAIM_REDEEMED ? "redeemed" :
	    now >= cl->expires ? "expired" : "open";
}

/* The JSON Lines object of a claim. */
json_t *
analytics_claim_json(const struct campaign *c, const struct store_claim *cl,
    int64_t now)
{
	char id[BASE32_LEN(STORE_CLAIM_ID_BYTES) + 1], sn[CODE_SERIAL_CHARS + 1];
	char tierbuf[16], created[28], expires[28], redeemed[28] = "";
	json_t *j = json_object();

	if (j == NULL)
		return NULL;
	base32_encode(id, cl->id, STORE_CLAIM_ID_BYTES);
	code_serial_text(cl->serial, sn);
	output_format_time(cl->created, created);
	output_format_time(cl->expires, expires);
	if (cl->redeemed != 0)
		output_format_time(cl->redeemed, redeemed);
	json_object_set_new(j, "type", json_string("claim"));
	json_object_set_new(j, "id", json_string(id));
	json_object_set_new(j, "campaign", json_string(cl->campaign));
	json_object_set_new(j, "tier", json_string(claims_tier_name(c, cl,
	    tierbuf)));
	json_object_set_new(j, "ticket", json_boolean(cl->ticket));
	json_object_set_new(j, "state", json_string(claims_state_name(cl,
	    now)));
	json_object_set_new(j, "serial", json_string(sn));
	json_object_set_new(j, "draw_seq",
	    json_integer((json_int_t)cl->draw_seq));
	json_object_set_new(j, "open_seq", cl->open_seq ?
	    json_integer((json_int_t)cl->open_seq) : json_null());
	json_object_set_new(j, "created", json_string(created));
	json_object_set_new(j, "expires", json_string(expires));
	json_object_set_new(j, "redeemed", redeemed[0] ?
	    json_string(redeemed) : json_null());
	json_object_set_new(j, "shop", cl->shop[0] ?
	    json_string(cl->shop) : json_null());
	return j;
}

/* Writes one claim. */
static int
claims_row_cb(const struct store_claim *cl, void *arg)
{
	struct claims_walk *w = arg;
	struct analytics_export *x = w->x;
	struct output *o = &x->out;
	char id[BASE32_LEN(STORE_CLAIM_ID_BYTES) + 1], sn[CODE_SERIAL_CHARS + 1];
	char tierbuf[16];
	int ret;

	if (!rewards_in_window(&x->q, cl->created))
		return 0;
	if (w->c == NULL || strcmp(w->c->id, cl->campaign) != 0) {
		campaign_unref(w->c, __func__);
		w->c = NULL;
		ret = campaign_load_txn(&x->t, cl->campaign, &w->c, NULL, 0);
		if (ret < 0 && ret != -ENOENT)
			return ret;
	}
	if (x->q.format == ANALYTICS_JSONL)
		return rewards_jsonl(o, analytics_claim_json(w->c, cl, x->now));
	base32_encode(id, cl->id, STORE_CLAIM_ID_BYTES);
	code_serial_text(cl->serial, sn);
	output_str(o, id);
	output_str(o, cl->campaign);
	output_str(o, claims_tier_name(w->c, cl, tierbuf));
	output_u64(o, cl->ticket ? 1 : 0);
	output_str(o, claims_state_name(cl, x->now));
	output_str(o, sn);
	output_u64(o, cl->draw_seq);
	if (cl->open_seq != 0)
		output_u64(o, cl->open_seq);
	else
		output_null(o);
	output_time(o, cl->created);
	output_time(o, cl->expires);
	analytics_opt_time(o, cl->redeemed);
	output_str(o, cl->shop);
	output_row_end(o);
	return o->err;
}

/* The claims export. */
int
analytics_claims_write(struct analytics_export *x)
{
	struct claims_walk w = { x, NULL };
	int ret;

	ret = store_claim_foreach_txn(&x->t, x->campaign != NULL ?
	    x->campaign->id : NULL, claims_row_cb, &w);
	campaign_unref(w.c, __func__);
	return ret;
}
