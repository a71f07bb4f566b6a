/*
 * token.h — claim tokens and store tokens.
 *
 * A win (or a sealed ticket) gives the consumer a claim token: a random
 * claim id and a secret derived from it with the server's claim key. The
 * store keeps only a hash of both, so a stolen store cannot forge tokens,
 * and every look-up compares that hash in constant time whether or not the
 * claim exists. A store (shop) authenticates with its own API token, of
 * which the store keeps a selector and a hash; so does an admin of the
 * server's admin API (scanloop admin token new), with a token of the same
 * form under another hash domain.
 */
#ifndef SCANLOOP_TOKEN_H
#define SCANLOOP_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

#include "store/dealer.h"
#include "store/store.h"

#define TOKEN_CLAIM_SECRET_BYTES 10
#define TOKEN_CLAIM_CHARS 24		/* base32 of id || secret */
#define TOKEN_CLAIM_TEXT_LEN 29		/* in groups of four */
/* Shop and admin tokens: base32 of a selector and a secret. */
#define TOKEN_SELECTOR_BYTES 5
#define TOKEN_SELECTOR_CHARS 8		/* base32 of the selector */
#define TOKEN_SECRET_BYTES 15
#define TOKEN_PAIR_CHARS 32		/* base32 of selector || secret */
#define TOKEN_PAIR_HASH_BYTES 32
#define TOKEN_SHOP_SECRET_BYTES TOKEN_SECRET_BYTES
#define TOKEN_SHOP_CHARS TOKEN_PAIR_CHARS
#define TOKEN_ADMIN_CHARS TOKEN_PAIR_CHARS
#define TOKEN_DEALER_CHARS TOKEN_PAIR_CHARS

/* Stores a new open claim (cl filled but for id and hash) under a fresh
 * random id, and formats its token. Returns 0, -EAGAIN when no free id
 * was found, or a negative errno from the store. */
int token_claim_add_txn(struct store_txn *t, const uint8_t key[32],
    struct store_claim *cl, char token[TOKEN_CLAIM_CHARS + 1])
    __attribute__((warn_unused_result));
/* Formats a claim token from its id (the secret derives from the key). */
void token_claim_format(const uint8_t key[32],
    const uint8_t id[STORE_CLAIM_ID_BYTES],
    char out[TOKEN_CLAIM_CHARS + 1]);
/* Groups a claim token in fours for people: "ABCD-EFGH-...". */
void token_claim_text(const char *token,
    char out[TOKEN_CLAIM_TEXT_LEN + 1]);
/* Parses a claim token as staff type it: any case, spaces and hyphens
 * anywhere, full-width characters, and 0, 1, 8 read as O, I, B (which
 * base32 lacks, so no two tokens become one; base32_typed). */
int token_claim_parse(const char *text, uint8_t id[STORE_CLAIM_ID_BYTES],
    uint8_t secret[TOKEN_CLAIM_SECRET_BYTES])
    __attribute__((warn_unused_result));
/* Finds a claim by its token (as typed or scanned), comparing the token's
 * hash in constant time whether or not the claim exists. Sets *found (and
 * *cl, zeroed when not found). Returns 0 or a negative errno from the
 * store. */
int token_claim_check_txn(struct store_txn *t, const char *token,
    struct store_claim *cl, bool *found) __attribute__((warn_unused_result));
/* Makes a shop API token and what the store keeps of it. */
void token_shop_new(struct store_shop *s,
    char out[TOKEN_SHOP_CHARS + 1]);

/* Authenticates a shop by its API token, in constant time whether or not
 * the shop exists: *ok when the token is a known, unrevoked shop's (then
 * in *s). Returns 0 or a negative errno from the store. */
int token_shop_auth_txn(struct store_txn *t, const char *token,
    struct store_shop *s, bool *ok) __attribute__((warn_unused_result));

/* Makes an admin API token and what the store keeps of it (selector,
 * hash; the caller sets name and created). */
void token_admin_new(struct store_admin_token *a,
    char out[TOKEN_ADMIN_CHARS + 1]);
/* Authenticates an admin token in constant time whether or not it
 * exists: *ok when it is a known, unrevoked token's (then in *a). Returns
 * 0 or a negative errno from the store. */
int token_admin_auth_txn(struct store_txn *t, const char *token,
    struct store_admin_token *a, bool *ok) __attribute__((warn_unused_result));
/* Makes a dealer API token and what the store keeps of it (selector,
 * hash). */
void token_dealer_new(struct store_dealer *d,
    char out[TOKEN_DEALER_CHARS + 1]);
/* Authenticates a dealer token in constant time whether or not it
 * exists: *ok when it is a known, unrevoked dealer's (then in *d).
 * Returns 0 or a negative errno from the store. */
int token_dealer_auth_txn(struct store_txn *t, const char *token,
    struct store_dealer *d, bool *ok) __attribute__((warn_unused_result));
/* Parses a token's selector: the first TOKEN_SELECTOR_CHARS characters
 * of the token (or the selector alone, as 'admin token list' shows it). */
int token_selector_parse(const char *text, uint8_t sel[TOKEN_SELECTOR_BYTES])
    __attribute__((warn_unused_result));
/* Formats a selector. */
void token_selector_text(const uint8_t sel[TOKEN_SELECTOR_BYTES],
    char out[TOKEN_SELECTOR_CHARS + 1]);

#endif
