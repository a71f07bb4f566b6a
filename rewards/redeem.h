/*
 * redeem.h — claims and their redemption (核销) at a store.
 *
 * A win (or a sealed ticket) gives the consumer a claim token: a random
 * claim id and a secret derived from it with the server's claim key. The
 * store keeps only a hash of both, so a stolen store cannot forge tokens,
 * and every look-up compares that hash in constant time whether or not the
 * claim exists. A store (shop) authenticates with its own API token, of
 * which the store keeps a selector and a hash.
 *
 * A redemption runs inside a write transaction (the writer's group commit
 * or the CLI's own): a claim is redeemed once and only once, and a sealed
 * ticket is opened (drawn over the at-store tiers, draw.c) in the same
 * transaction.
 */
#ifndef SCANLOOP_REDEEM_H
#define SCANLOOP_REDEEM_H

#include <stdbool.h>
#include <stdint.h>

#include "rewards/campaign.h"
#include "rewards/tallies.h"
#include "store/store.h"

#define REDEEM_CLAIM_SECRET_BYTES 10
#define REDEEM_CLAIM_TOKEN_CHARS 24	/* base32 of id || secret */
#define REDEEM_CLAIM_TEXT_LEN 29	/* in groups of four */
#define REDEEM_SHOP_SECRET_BYTES 15
#define REDEEM_SHOP_TOKEN_CHARS 32	/* base32 of selector || secret */

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

/* Redeems a claim (opening a sealed ticket) for a shop. Returns 0 (see
 * res->status) or a negative errno from the store. */
int redeem_txn(struct store_txn *t, const struct redeem_request *rq,
    struct redeem_result *res) __attribute__((warn_unused_result));
/* Drops the campaign reference of a redeem result. */
void redeem_result_free(struct redeem_result *res);

/* Stores a new open claim (cl filled but for id and hash) under a fresh
 * random id, and formats its token. Returns 0, -EAGAIN when no free id
 * was found, or a negative errno from the store. */
int redeem_claim_add_txn(struct store_txn *t, const uint8_t key[32],
    struct store_claim *cl, char token[REDEEM_CLAIM_TOKEN_CHARS + 1])
    __attribute__((warn_unused_result));
/* Formats a claim token from its id (the secret derives from the key). */
void redeem_claim_token(const uint8_t key[32],
    const uint8_t id[STORE_CLAIM_ID_BYTES],
    char out[REDEEM_CLAIM_TOKEN_CHARS + 1]);
/* Groups a claim token in fours for people: "ABCD-EFGH-...". */
void redeem_claim_text(const char *token,
    char out[REDEEM_CLAIM_TEXT_LEN + 1]);
/* Parses a claim token (any case, hyphens and spaces ignored). */
int redeem_claim_parse(const char *text, uint8_t id[STORE_CLAIM_ID_BYTES],
    uint8_t secret[REDEEM_CLAIM_SECRET_BYTES])
    __attribute__((warn_unused_result));
/* Finds a claim by its token (as typed or scanned), comparing the token's
 * hash in constant time whether or not the claim exists. Sets *found (and
 * *cl, zeroed when not found). Returns 0 or a negative errno from the
 * store. */
int redeem_claim_check_txn(struct store_txn *t, const char *token,
    struct store_claim *cl, bool *found) __attribute__((warn_unused_result));
/* Makes a shop API token and what the store keeps of it. */
void redeem_shop_token_new(struct store_shop *s,
    char out[REDEEM_SHOP_TOKEN_CHARS + 1]);

#endif
