/*
 * verify.h — where a scan is decided: is this code genuine, and may it be
 * honoured? Every code gets its verdict here: the outer code printed on the
 * package (verify_text_txn) and the inner draw code inside it
 * (verify_drawcode_txn), by the same rules (batch and code state).
 *
 * A code the store minted is authenticated against the 8-byte digest the
 * store keeps of its message and tag (code_check_digest), compared in
 * constant time: a forger would need a tag whose BLAKE2b digest, bound to
 * this exact serial, GTIN and key, matches: 2^64 work per serial, and the
 * store never holds the tags themselves. Codes the store does not know get
 * the full Ed25519 check, so the answer can say whether our key signed
 * them (a leaked key or lost store) or not (a forgery).
 */
#ifndef SCANLOOP_VERIFY_H
#define SCANLOOP_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "codegen/code.h"
#include "store/store.h"
#include "store/verdict.h"

enum verify_sig {
	VERIFY_SIG_UNCHECKED,
	VERIFY_SIG_VALID,
	VERIFY_SIG_INVALID,
};

/* Also run the full Ed25519 check on codes the store knows. */
#define VERIFY_FULL_SIGNATURE 0x1

struct verify_result {
	enum verdict verdict;
	enum verify_sig sig;
	const char *reason;		/* why, for anything but genuine */
	bool parsed;			/* code below is valid */
	bool known;			/* serial in a visible batch */
	bool drawcode;			/* presented as an inner draw code */
	bool product;			/* malformed as a code, but a valid
					 * GS1 Digital Link of the product
					 * (code.gtin) without a serial */
	struct code code;
	struct store_code rec;		/* when known */
	struct store_batch batch;	/* when known */
};

/* Returns "genuine", "not_active", "void", "forged" or "malformed"
 * (verdict_name of store/verdict.h). */
const char *verify_verdict_name(enum verdict v);
/* Parses and verifies code text. Returns 0 (see out->verdict) or a
 * negative errno for a store failure. */
int verify_text_txn(struct store_txn *t, const char *text, size_t len,
    int flags, struct verify_result *out)
    __attribute__((warn_unused_result, nonnull));
/* Verifies a parsed code. */
int verify_code_txn(struct store_txn *t, const struct code *c, int flags,
    struct verify_result *out) __attribute__((warn_unused_result, nonnull));
/* Parses and verifies an inner draw code (its URL, its /D/ path or the
 * bare token) with the server's draw-code key: the store finds the outer
 * code by the token's keyed hash, and the verdict is the outer code's. */
int verify_drawcode_txn(struct store_txn *t, const uint8_t key[32],
    const char *text, size_t len, struct verify_result *out)
    __attribute__((warn_unused_result, nonnull));
/* Verifies what a consumer's app or a draw form hands in: an inner draw
 * code when the text names one (a /D/ path, or a bare token), else an
 * outer code (verify_text_txn). */
int verify_any_txn(struct store_txn *t, const uint8_t key[32],
    const char *text, size_t len, int flags, struct verify_result *out)
    __attribute__((warn_unused_result, nonnull));

#endif
