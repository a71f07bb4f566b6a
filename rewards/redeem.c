/* redeem.c — redeeming a claim at a store: once, by an allowed store. */
#include "rewards/redeem.h"
#include "rewards/draw.h"
#include "rewards/settle.h"
#include "rewards/tags.h"
#include "rewards/token.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* Finds the shop a request names: by token, or by id from the CLI. */
static int
redeem_shop(struct store_txn *t, const struct redeem_request *rq,
    struct store_shop *s, bool *ok)
{
	int ret;

	if (rq->shop_id == NULL)
		return token_shop_auth_txn(t, rq->shop_token, s, ok);
	ret = store_shop_get_txn(t, rq->shop_id, s);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	*ok = ret == 0 && !s->revoked;
	return 0;
}

/* Why a found claim may not be redeemed now, or REDEEM_OK. */
static int
redeem_refusal(const struct redeem_request *rq, const struct redeem_result *res)
{
	const struct store_claim *cl = &res->claim;
	const struct campaign *c = res->c;

	if (!campaign_shop_allowed(c, res->shop.id))
		return REDEEM_FORBIDDEN;
	if (!cl->ticket && cl->tier > 0 &&
	    c->tiers[cl->tier - 1].kind == CAMPAIGN_COUPON &&
	    c->tiers[cl->tier - 1].valid_from > rq->now)
		return REDEEM_NOT_YET;
	return REDEEM_OK;
}

/* Checks a redemption without making it. */
int
redeem_check_txn(struct store_txn *t, const struct redeem_request *rq,
    struct redeem_result *res)
{
	struct store_claim *cl = &res->claim;
	bool ok, found;
	int ret;

	memset(res, 0, sizeof(*res));
	if ((ret = redeem_shop(t, rq, &res->shop, &ok)) < 0)
		return ret;
	if (!ok) {
		res->status = REDEEM_BAD_SHOP;
		return 0;
	}
	if ((ret = token_claim_check_txn(t, rq->claim_token, cl, &found)) < 0)
		return ret;
	if (!found) {
		res->status = REDEEM_NOT_FOUND;
		return 0;
	}
	if (cl->state == STORE_CLAIM_REDEEMED) {
		res->status = REDEEM_ALREADY;
		return 0;
	}
	if (rq->now >= cl->expires) {
		res->status = REDEEM_EXPIRED;
		return 0;
	}
	if ((res->c = rq->lookup(cl->campaign, rq->lookup_arg)) == NULL)
		return -EIO;
	res->status = redeem_refusal(rq, res);
	return 0;
}

/* Redeems a claim for a shop. */
int
redeem_txn(struct store_txn *t, const struct redeem_request *rq,
    struct redeem_result *res)
{
	struct store_claim *cl = &res->claim;
	struct store_log_entry logged;
	int ret;

	if ((ret = redeem_check_txn(t, rq, res)) < 0 ||
	    res->status != REDEEM_OK)
		return ret;
	if (cl->ticket) {
		if ((ret = draw_open_txn(t, rq->tallies, res->c, cl,
		    res->shop.id, rq->now, &res->opening,
		    &res->points_balance)) < 0)
			return ret;
		res->opened = true;
	}
	cl->state = STORE_CLAIM_REDEEMED;
	cl->redeemed = rq->now;
	snprintf(cl->shop, sizeof(cl->shop), "%s", res->shop.id);
	memset(&logged, 0, sizeof(logged));
	logged.time = rq->now;
	memcpy(logged.claim_id, cl->id, sizeof(logged.claim_id));
	if ((ret = store_claim_put_txn(t, cl)) < 0 ||
	    (ret = settle_append_txn(t, cl, res->c, &res->shop, &logged)) < 0 ||
	    (ret = tallies_sum_add(rq->tallies, t, cl->campaign,
	    STORE_SUM_REDEEMED, 1)) < 0 ||
	    (ret = tags_redeem_txn(t, cl, res->opened, rq->now)) < 0)
		return ret;
	if (!res->opened && (ret = store_points_balance_txn(t, cl->visitor,
	    &res->points_balance, NULL)) < 0)
		return ret;
	res->status = REDEEM_OK;
	return 0;
}

/* Drops the campaign reference. */
void
redeem_result_free(struct redeem_result *res)
{
	campaign_unref(res->c, __func__);
	res->c = NULL;
}

/* Machine-readable status codes. */
const char *
redeem_status_code(int status)
{
	switch (status) {
	case REDEEM_OK:
		return "redeemed";
	case REDEEM_BAD_SHOP:
		return "unauthorized";
	case REDEEM_NOT_FOUND:
		return "not_found";
	case REDEEM_FORBIDDEN:
		return "forbidden";
	case REDEEM_ALREADY:
		return "already_redeemed";
	case REDEEM_EXPIRED:
		return "expired";
	case REDEEM_NOT_YET:
		return "not_yet_valid";
	}
	return "refused";
}
