/*
 * redeem.h — where a redemption (核销) at a store is decided.
 *
 * A win (or a sealed ticket) gives the consumer a claim token, and a
 * store authenticates with its own API token (token.h). A redemption
 * runs inside a write transaction (the writer's group commit or the CLI's
 * own): a claim is redeemed once and only once, and a sealed ticket is
 * opened (drawn over the at-store tiers, draw.c) in the same
 * transaction.
 */
#ifndef SCANLOOP_REDEEM_H
#define SCANLOOP_REDEEM_H

#include <stdbool.h>
#include <stdint.h>

#include "rewards/campaign.h"
#include "rewards/tallies.h"
#include "store/store.h"

enum redeem_status {
	REDEEM_OK,
	REDEEM_BAD_SHOP,		/* 401: unknown, wrong or revoked token */
	REDEEM_NOT_FOUND,		/* 404: unknown or wrong claim token */
	REDEEM_FORBIDDEN,		/* 403: the campaign excludes this shop */
	REDEEM_ALREADY,			/* 409: redeemed before (when, where) */
	REDEEM_EXPIRED,			/* 410 */
	REDEEM_NOT_YET,			/* 409: a coupon not valid yet */
};

struct redeem_request {
	const char *claim_token;	/* as typed or scanned */
	const char *shop_token;		/* the shop's API token, or */
	const char *shop_id;		/* a shop id (trusted: the CLI) */
	int64_t now;
	const uint8_t *claim_key;
	/* Finds a campaign by id (a new reference), NULL if unknown. */
	struct campaign *(*lookup)(const char *id, void *arg);
	void *lookup_arg;
	/* Where the campaign header, stock and summaries are kept. */
	const struct tallies *tallies;
};

struct redeem_result {
	int status;			/* enum redeem_status */
	struct store_claim claim;	/* after the redemption */
	struct store_shop shop;
	bool opened;			/* a sealed ticket was drawn now */
	struct store_draw opening;
	int64_t points_balance;
	struct campaign *c;		/* a reference; redeem_result_free */
};

/* The checks of redeem_txn without the redemption (a read transaction
 * will do): res->status REDEEM_OK when redeem_txn would redeem now. */
int redeem_check_txn(struct store_txn *t, const struct redeem_request *rq,
    struct redeem_result *res) __attribute__((warn_unused_result));
/* Redeems a claim (opening a sealed ticket) for a shop. Returns 0 (see
 * res->status) or a negative errno from the store. */
int redeem_txn(struct store_txn *t, const struct redeem_request *rq,
    struct redeem_result *res) __attribute__((warn_unused_result));
/* The machine-readable code of a status, the same in the JSON API and the
 * staff page's words: "redeemed", "unauthorized", "not_found",
 * "forbidden", "already_redeemed", "expired", "not_yet_valid". */
const char *redeem_status_code(int status);
/* Drops the campaign reference of a redeem result. */
void redeem_result_free(struct redeem_result *res);

#endif
