/* redeem.c — claim and shop tokens, and redeeming a claim at a store. */
#include "rewards/redeem.h"
#include "rewards/draw.h"
#include "codegen/base32.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define REDEEM_CLAIM_DOMAIN "SCANLOOP-CLAIM"
#define REDEEM_CLAIM_HASH_DOMAIN "SCANLOOP-CLAIM-HASH"
#define REDEEM_SHOP_DOMAIN "SCANLOOP-SHOP"
#define REDEEM_CLAIM_ID_TRIES 8

/* BLAKE2b, keyed with 32 bytes unless key is NULL, of a domain string,
 * a and b (blen may be 0). */
static void
redeem_hash(const uint8_t *key, const char *domain, const uint8_t *a,
    size_t alen, const uint8_t *b, size_t blen, uint8_t *out, size_t outlen)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, key, key != NULL ? 32 : 0, outlen);
	crypto_generichash_update(&st, (const uint8_t *)domain, strlen(domain));
	crypto_generichash_update(&st, a, alen);
	if (blen > 0)
		crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, out, outlen);
}

/* The secret half of a claim token. */
static void
redeem_claim_secret(const uint8_t key[32],
    const uint8_t id[STORE_CLAIM_ID_BYTES],
    uint8_t secret[REDEEM_CLAIM_SECRET_BYTES])
{
	redeem_hash(key, REDEEM_CLAIM_DOMAIN, id, STORE_CLAIM_ID_BYTES, NULL, 0,
	    secret, REDEEM_CLAIM_SECRET_BYTES);
}

/* What the store keeps of a claim token: a hash of id and secret. */
static void
redeem_claim_hash(const uint8_t id[STORE_CLAIM_ID_BYTES],
    const uint8_t secret[REDEEM_CLAIM_SECRET_BYTES],
    uint8_t out[STORE_CLAIM_HASH_BYTES])
{
	redeem_hash(NULL, REDEEM_CLAIM_HASH_DOMAIN, id, STORE_CLAIM_ID_BYTES,
	    secret, REDEEM_CLAIM_SECRET_BYTES, out, STORE_CLAIM_HASH_BYTES);
}

/* id || secret in base32. */
void
redeem_claim_token(const uint8_t key[32], const uint8_t id[STORE_CLAIM_ID_BYTES],
    char out[REDEEM_CLAIM_TOKEN_CHARS + 1])
{
	uint8_t raw[STORE_CLAIM_ID_BYTES + REDEEM_CLAIM_SECRET_BYTES];

	memcpy(raw, id, STORE_CLAIM_ID_BYTES);
	redeem_claim_secret(key, id, raw + STORE_CLAIM_ID_BYTES);
	base32_encode(out, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
}

/* Groups of four. */
void
redeem_claim_text(const char *token, char out[REDEEM_CLAIM_TEXT_LEN + 1])
{
	size_t o = 0;

	for (size_t i = 0; token[i] != '\0' && i < REDEEM_CLAIM_TOKEN_CHARS;
	    i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = token[i];
	}
	out[o] = '\0';
}

/* Stores a claim under a fresh random id (ids are half of the token). */
int
redeem_claim_add_txn(struct store_txn *t, const uint8_t key[32],
    struct store_claim *cl, char token[REDEEM_CLAIM_TOKEN_CHARS + 1])
{
	uint8_t secret[REDEEM_CLAIM_SECRET_BYTES];
	int ret = -EEXIST;

	for (int i = 0; i < REDEEM_CLAIM_ID_TRIES && ret == -EEXIST; i++) {
		randombytes_buf(cl->id, STORE_CLAIM_ID_BYTES);
		redeem_claim_secret(key, cl->id, secret);
		redeem_claim_hash(cl->id, secret, cl->hash);
		ret = store_claim_add_txn(t, cl);
	}
	sodium_memzero(secret, sizeof(secret));
	if (ret < 0)
		return ret == -EEXIST ? -EAGAIN : ret;
	redeem_claim_token(key, cl->id, token);
	return 0;
}

/* Strips hyphens and spaces and decodes n bytes of base32. */
static int
redeem_token_decode(const char *text, uint8_t *out, size_t n)
{
	char t[64];
	size_t len = 0;

	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '-' || *p == ' ' || *p == '\t' || *p == '\n' ||
		    *p == '\r')
			continue;
		if (len == sizeof(t))
			return -EINVAL;
		t[len++] = *p;
	}
	return base32_decode(out, n, t, len);
}

/* Parses a claim token. */
int
redeem_claim_parse(const char *text, uint8_t id[STORE_CLAIM_ID_BYTES],
    uint8_t secret[REDEEM_CLAIM_SECRET_BYTES])
{
	uint8_t raw[STORE_CLAIM_ID_BYTES + REDEEM_CLAIM_SECRET_BYTES];

	if (redeem_token_decode(text, raw, sizeof(raw)) < 0)
		return -EINVAL;
	memcpy(id, raw, STORE_CLAIM_ID_BYTES);
	memcpy(secret, raw + STORE_CLAIM_ID_BYTES, REDEEM_CLAIM_SECRET_BYTES);
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

/* Finds a claim by its token, in constant time found or not. */
int
redeem_claim_check_txn(struct store_txn *t, const char *token,
    struct store_claim *cl, bool *found)
{
	uint8_t id[STORE_CLAIM_ID_BYTES], secret[REDEEM_CLAIM_SECRET_BYTES];
	uint8_t hash[STORE_CLAIM_HASH_BYTES];
	bool got;
	int ret;

	*found = false;
	if (token == NULL || redeem_claim_parse(token, id, secret) < 0) {
		memset(id, 0, sizeof(id));
		memset(secret, 0xff, sizeof(secret));
	}
	ret = store_claim_get_txn(t, id, cl);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	got = ret == 0;
	if (!got)
		memset(cl, 0, sizeof(*cl));
	redeem_claim_hash(id, secret, hash);
	sodium_memzero(secret, sizeof(secret));
	/* Constant time, found or not: a wrong token learns nothing. */
	*found = (sodium_memcmp(hash, cl->hash, sizeof(hash)) == 0) & got;
	if (!*found)
		memset(cl, 0, sizeof(*cl));
	return 0;
}

/* What the store keeps of a shop token. */
static void
redeem_shop_hash(const uint8_t sel[STORE_SHOP_SELECTOR_BYTES],
    const uint8_t secret[REDEEM_SHOP_SECRET_BYTES],
    uint8_t out[STORE_SHOP_HASH_BYTES])
{
	redeem_hash(NULL, REDEEM_SHOP_DOMAIN, sel, STORE_SHOP_SELECTOR_BYTES,
	    secret, REDEEM_SHOP_SECRET_BYTES, out, STORE_SHOP_HASH_BYTES);
}

/* Draws a new shop token; the shop keeps selector and hash. */
void
redeem_shop_token_new(struct store_shop *s,
    char out[REDEEM_SHOP_TOKEN_CHARS + 1])
{
	uint8_t raw[STORE_SHOP_SELECTOR_BYTES + REDEEM_SHOP_SECRET_BYTES];

	randombytes_buf(raw, sizeof(raw));
	memcpy(s->selector, raw, STORE_SHOP_SELECTOR_BYTES);
	redeem_shop_hash(raw, raw + STORE_SHOP_SELECTOR_BYTES, s->hash);
	base32_encode(out, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
}

/* Authenticates a shop by its token, in constant time per shop. */
static int
redeem_shop_auth(struct store_txn *t, const char *token, struct store_shop *s,
    bool *ok)
{
	uint8_t raw[STORE_SHOP_SELECTOR_BYTES + REDEEM_SHOP_SECRET_BYTES];
	uint8_t hash[STORE_SHOP_HASH_BYTES];
	int ret;

	*ok = false;
	memset(s, 0, sizeof(*s));
	if (token == NULL || redeem_token_decode(token, raw, sizeof(raw)) < 0)
		memset(raw, 0, sizeof(raw));
	ret = store_shop_by_selector_txn(t, raw, s);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	redeem_shop_hash(raw, raw + STORE_SHOP_SELECTOR_BYTES, hash);
	/* Compare even when the selector is unknown: same work, no hint. */
	*ok = sodium_memcmp(hash, s->hash, sizeof(hash)) == 0 && ret == 0 &&
	    !s->revoked;
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

/* Finds the shop a request names: by token, or by id from the CLI. */
static int
redeem_shop(struct store_txn *t, const struct redeem_request *rq,
    struct store_shop *s, bool *ok)
{
	int ret;

	if (rq->shop_id == NULL)
		return redeem_shop_auth(t, rq->shop_token, s, ok);
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

/* Redeems a claim for a shop. */
int
redeem_txn(struct store_txn *t, const struct redeem_request *rq,
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
	if ((ret = redeem_claim_check_txn(t, rq->claim_token, cl, &found)) < 0)
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
	if ((res->status = redeem_refusal(rq, res)) != REDEEM_OK)
		return 0;
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
	if ((ret = store_claim_put_txn(t, cl)) < 0 ||
	    (ret = tallies_sum_add(rq->tallies, t, cl->campaign,
	    STORE_SUM_REDEEMED, 1)) < 0)
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
