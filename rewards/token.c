/* token.c — claim and store tokens: made, formatted, parsed, checked. */
#include "rewards/token.h"
#include "codegen/base32.h"

#include <assert.h>
#include <errno.h>
#include <sodium.h>
#include <string.h>

#define TOKEN_CLAIM_DOMAIN "SCANLOOP-CLAIM"
#define TOKEN_CLAIM_HASH_DOMAIN "SCANLOOP-CLAIM-HASH"
#define TOKEN_SHOP_DOMAIN "SCANLOOP-SHOP"
#define TOKEN_ADMIN_DOMAIN "SCANLOOP-ADMIN"
#define TOKEN_DEALER_DOMAIN "SCANLOOP-DEALER"
#define TOKEN_CLAIM_ID_TRIES 8

/* BLAKE2b, keyed with 32 bytes unless key is NULL, of a domain string,
 * a and b (blen may be 0). */
static void
token_hash(const uint8_t *key, const char *domain, const uint8_t *a,
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
token_claim_secret(const uint8_t key[32],
    const uint8_t id[STORE_CLAIM_ID_BYTES],
    uint8_t secret[TOKEN_CLAIM_SECRET_BYTES])
{
	token_hash(key, TOKEN_CLAIM_DOMAIN, id, STORE_CLAIM_ID_BYTES, NULL, 0,
	    secret, TOKEN_CLAIM_SECRET_BYTES);
}

/* What the store keeps of a claim token: a hash of id and secret. */
static void
token_claim_hash(const uint8_t id[STORE_CLAIM_ID_BYTES],
    const uint8_t secret[TOKEN_CLAIM_SECRET_BYTES],
    uint8_t out[STORE_CLAIM_HASH_BYTES])
{
	token_hash(NULL, TOKEN_CLAIM_HASH_DOMAIN, id, STORE_CLAIM_ID_BYTES,
	    secret, TOKEN_CLAIM_SECRET_BYTES, out, STORE_CLAIM_HASH_BYTES);
}

/* id || secret in base32. */
void
token_claim_format(const uint8_t key[32],
    const uint8_t id[STORE_CLAIM_ID_BYTES],
    char out[TOKEN_CLAIM_CHARS + 1])
{
	uint8_t raw[STORE_CLAIM_ID_BYTES + TOKEN_CLAIM_SECRET_BYTES];

	memcpy(raw, id, STORE_CLAIM_ID_BYTES);
	token_claim_secret(key, id, raw + STORE_CLAIM_ID_BYTES);
	base32_encode(out, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
}

/* Groups of four. */
void
token_claim_text(const char *token, char out[TOKEN_CLAIM_TEXT_LEN + 1])
{
	size_t o = 0;

	for (size_t i = 0; token[i] != '\0' && i < TOKEN_CLAIM_CHARS;
	    i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = token[i];
	}
	out[o] = '\0';
}

/* Stores a claim under a fresh random id (ids are half of the token). */
int
token_claim_add_txn(struct store_txn *t, const uint8_t key[32],
    struct store_claim *cl, char token[TOKEN_CLAIM_CHARS + 1])
{
	uint8_t secret[TOKEN_CLAIM_SECRET_BYTES];
	int ret = -EEXIST;

	for (int i = 0; i < TOKEN_CLAIM_ID_TRIES && ret == -EEXIST; i++) {
		randombytes_buf(cl->id, STORE_CLAIM_ID_BYTES);
		token_claim_secret(key, cl->id, secret);
		token_claim_hash(cl->id, secret, cl->hash);
		ret = store_claim_add_txn(t, cl);
	}
	sodium_memzero(secret, sizeof(secret));
	if (ret < 0)
		return ret == -EEXIST ? -EAGAIN : ret;
	token_claim_format(key, cl->id, token);
	return 0;
}

/* Reads n bytes of base32 as staff type it (base32_typed: spaces and
 * hyphens anywhere, any case, full-width, 0/1/8 for O/I/B). */
static int
token_decode(const char *text, uint8_t *out, size_t n)
{
	char t[64];
	ssize_t len = base32_typed(text, strlen(text), t, sizeof(t));

	if (len < 0)
		return -EINVAL;
	return base32_decode(out, n, t, (size_t)len);
}

/* Parses a claim token. */
int
token_claim_parse(const char *text, uint8_t id[STORE_CLAIM_ID_BYTES],
    uint8_t secret[TOKEN_CLAIM_SECRET_BYTES])
{
	uint8_t raw[STORE_CLAIM_ID_BYTES + TOKEN_CLAIM_SECRET_BYTES];

	if (token_decode(text, raw, sizeof(raw)) < 0)
		return -EINVAL;
	memcpy(id, raw, STORE_CLAIM_ID_BYTES);
	memcpy(secret, raw + STORE_CLAIM_ID_BYTES, TOKEN_CLAIM_SECRET_BYTES);
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

/* Finds a claim by its token, in constant time found or not. */
int
token_claim_check_txn(struct store_txn *t, const char *token,
    struct store_claim *cl, bool *found)
{
	uint8_t id[STORE_CLAIM_ID_BYTES], secret[TOKEN_CLAIM_SECRET_BYTES];
	uint8_t hash[STORE_CLAIM_HASH_BYTES];
	bool got;
	int ret;

	*found = false;
	if (token == NULL || token_claim_parse(token, id, secret) < 0) {
		memset(id, 0, sizeof(id));
		memset(secret, 0xff, sizeof(secret));
	}
	ret = store_claim_get_txn(t, id, cl);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	got = ret == 0;
	if (!got)
		memset(cl, 0, sizeof(*cl));
	token_claim_hash(id, secret, hash);
	sodium_memzero(secret, sizeof(secret));
	/* Constant time, found or not: a wrong token learns nothing. */
	*found = (sodium_memcmp(hash, cl->hash, sizeof(hash)) == 0) & got;
	if (!*found)
		memset(cl, 0, sizeof(*cl));
	return 0;
}

/*
 * Shop and admin tokens have one form: a public selector (what the store
 * looks the token up by) and a secret, in base32; the store keeps the
 * selector and a hash of both, under a domain string per kind of token.
 */
#define TOKEN_PAIR_BYTES (TOKEN_SELECTOR_BYTES + TOKEN_SECRET_BYTES)
static_assert(STORE_SHOP_SELECTOR_BYTES == TOKEN_SELECTOR_BYTES &&
    STORE_ADMIN_SELECTOR_BYTES == TOKEN_SELECTOR_BYTES &&
    STORE_DEALER_SELECTOR_BYTES == TOKEN_SELECTOR_BYTES, "selectors");
static_assert(STORE_SHOP_HASH_BYTES == TOKEN_PAIR_HASH_BYTES &&
    STORE_ADMIN_HASH_BYTES == TOKEN_PAIR_HASH_BYTES &&
    STORE_DEALER_HASH_BYTES == TOKEN_PAIR_HASH_BYTES, "hashes");

/* What the store keeps of a selector and secret. */
static void
token_pair_hash(const char *domain, const uint8_t raw[TOKEN_PAIR_BYTES],
    uint8_t out[TOKEN_PAIR_HASH_BYTES])
{
	token_hash(NULL, domain, raw, TOKEN_SELECTOR_BYTES,
	    raw + TOKEN_SELECTOR_BYTES, TOKEN_SECRET_BYTES, out,
	    TOKEN_PAIR_HASH_BYTES);
}

/* Draws a new token: its text, selector and hash. */
static void
token_pair_new(const char *domain, uint8_t sel[TOKEN_SELECTOR_BYTES],
    uint8_t hash[TOKEN_PAIR_HASH_BYTES], char out[TOKEN_PAIR_CHARS + 1])
{
	uint8_t raw[TOKEN_PAIR_BYTES];

	randombytes_buf(raw, sizeof(raw));
	memcpy(sel, raw, TOKEN_SELECTOR_BYTES);
	token_pair_hash(domain, raw, hash);
	base32_encode(out, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
}

/* Decodes a presented token into raw (zeros when it does not decode, so
 * that the caller does the same work either way). */
static void
token_pair_parse(const char *token, uint8_t raw[TOKEN_PAIR_BYTES])
{
	if (token == NULL || token_decode(token, raw, TOKEN_PAIR_BYTES) < 0)
		memset(raw, 0, TOKEN_PAIR_BYTES);
}

/* Compares a presented token's hash with the stored one in constant time
 * (found or not: the caller compared against a zero hash then) and wipes
 * the token. */
static bool
token_pair_check(const char *domain, uint8_t raw[TOKEN_PAIR_BYTES],
    const uint8_t stored[TOKEN_PAIR_HASH_BYTES], bool found)
{
	uint8_t hash[TOKEN_PAIR_HASH_BYTES];
	bool ok;

	token_pair_hash(domain, raw, hash);
	ok = sodium_memcmp(hash, stored, sizeof(hash)) == 0 && found;
	sodium_memzero(raw, TOKEN_PAIR_BYTES);
	return ok;
}

/* Draws a new shop token; the shop keeps selector and hash. */
void
token_shop_new(struct store_shop *s,
    char out[TOKEN_SHOP_CHARS + 1])
{
	token_pair_new(TOKEN_SHOP_DOMAIN, s->selector, s->hash, out);
}

/* Authenticates a shop by its token, in constant time per shop. */
int
token_shop_auth_txn(struct store_txn *t, const char *token,
    struct store_shop *s, bool *ok)
{
	uint8_t raw[TOKEN_PAIR_BYTES];
	int ret;

	*ok = false;
	memset(s, 0, sizeof(*s));
	token_pair_parse(token, raw);
	ret = store_shop_by_selector_txn(t, raw, s);
	if (ret < 0 && ret != -ENOENT) {
		sodium_memzero(raw, sizeof(raw));
		return ret;
	}
	/* Compare even when the selector is unknown: same work, no hint. */
	*ok = token_pair_check(TOKEN_SHOP_DOMAIN, raw, s->hash, ret == 0) &&
	    !s->revoked;
	return 0;
}

/* Draws a new admin token; the store keeps selector and hash. */
void
token_admin_new(struct store_admin_token *a, char out[TOKEN_ADMIN_CHARS + 1])
{
	token_pair_new(TOKEN_ADMIN_DOMAIN, a->selector, a->hash, out);
}

/* Looks a presented token up by its selector (get fills rec, of size
 * bytes, into whose fields hash and revoked point) and checks it in
 * constant time whether or not the selector is known: *ok when it is a
 * known, unrevoked one's; rec is zeroed otherwise. */
static int
token_pair_auth_txn(struct store_txn *t, const char *domain,
    const char *token, int (*get)(struct store_txn *, const uint8_t *,
    void *), void *rec, size_t size, const uint8_t *hash,
    const uint8_t *revoked, bool *ok)
{
	uint8_t raw[TOKEN_PAIR_BYTES];
	int ret;

	*ok = false;
	memset(rec, 0, size);
	token_pair_parse(token, raw);
	ret = get(t, raw, rec);
	if (ret < 0 && ret != -ENOENT) {
		sodium_memzero(raw, sizeof(raw));
		return ret;
	}
	*ok = token_pair_check(domain, raw, hash, ret == 0) && !*revoked;
	if (!*ok)
		memset(rec, 0, size);
	return 0;
}

/* An admin token by selector, for token_pair_auth_txn. */
static int
token_admin_get(struct store_txn *t, const uint8_t *sel, void *rec)
{
	return store_admin_token_get_txn(t, sel, rec);
}

/* Authenticates an admin token, in constant time whether or not its
 * selector is known. */
int
token_admin_auth_txn(struct store_txn *t, const char *token,
    struct store_admin_token *a, bool *ok)
{
	return token_pair_auth_txn(t, TOKEN_ADMIN_DOMAIN, token,
	    token_admin_get, a, sizeof(*a), a->hash, &a->revoked, ok);
}

/* Draws a new dealer token; the dealer keeps selector and hash. */
void
token_dealer_new(struct store_dealer *d, char out[TOKEN_DEALER_CHARS + 1])
{
	token_pair_new(TOKEN_DEALER_DOMAIN, d->selector, d->hash, out);
}

/* A dealer by selector, for token_pair_auth_txn. */
static int
token_dealer_get(struct store_txn *t, const uint8_t *sel, void *rec)
{
	return store_dealer_by_selector_txn(t, sel, rec);
}

/* Authenticates a dealer by its token, in constant time whether or not
 * its selector is known. */
int
token_dealer_auth_txn(struct store_txn *t, const char *token,
    struct store_dealer *d, bool *ok)
{
	return token_pair_auth_txn(t, TOKEN_DEALER_DOMAIN, token,
	    token_dealer_get, d, sizeof(*d), d->hash, &d->revoked, ok);
}

/* Parses the public part of a token or a selector given alone (the
 * first TOKEN_SELECTOR_CHARS characters of a token). */
int
token_selector_parse(const char *text, uint8_t sel[TOKEN_SELECTOR_BYTES])
{
	char head[TOKEN_SELECTOR_CHARS + 1];

	if (strlen(text) < TOKEN_SELECTOR_CHARS)
		return -EINVAL;
	memcpy(head, text, TOKEN_SELECTOR_CHARS);
	head[TOKEN_SELECTOR_CHARS] = '\0';
	return base32_decode(sel, TOKEN_SELECTOR_BYTES, head,
	    TOKEN_SELECTOR_CHARS) < 0 ? -EINVAL : 0;
}

/* Formats a selector as its TOKEN_SELECTOR_CHARS characters. */
void
token_selector_text(const uint8_t sel[TOKEN_SELECTOR_BYTES],
    char out[TOKEN_SELECTOR_CHARS + 1])
{
	base32_encode(out, sel, TOKEN_SELECTOR_BYTES);
}
