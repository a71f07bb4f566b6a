/*
 * fuzz_fixture.h — the store that the router target serves, shared with
 * gen_corpus_server.c so that the seeds name real codes and valid
 * location tokens.
 *
 * Two keys from fixed seeds (the same as gen_corpus.c: id 1 Ed25519, id 2
 * MAC) and four batches with fixed serials: FX_ACTIVE_ED (active; its last
 * code voided as damaged), FX_ACTIVE_MAC (active), FX_READY_ED (minted, not
 * activated, another GTIN) and FX_VOID_MAC (the whole batch voided).
 */
#ifndef SCANLOOP_FUZZ_FIXTURE_H
#define SCANLOOP_FUZZ_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "codegen/code.h"
#include "codegen/keys.h"
#include "store/store.h"

#define FX_GTIN "09506000134352"
#define FX_GTIN_OTHER "04006381333931"
#define FX_CODES 4			/* codes per batch */
#define FX_TOKEN_CHARS 26		/* SCAN_TOKEN_CHARS */
/* The location token key of the router target's server (31 + NUL). */
#define FX_TOKEN_SEED "scanloop fuzz location tokens!!"

enum fx_batch {
	FX_ACTIVE_ED,
	FX_ACTIVE_MAC,
	FX_READY_ED,
	FX_VOID_MAC,
	FX_BATCHES
};

/* The voided code of FX_ACTIVE_ED. */
#define FX_VOIDED_CODE (FX_CODES - 1)

/* Makes the two keys; free them with keys_free. Aborts on failure. */
void fx_keys(struct keypair **ed, struct keypair **mac);
/* Fills c with code i of batch b, signed. */
void fx_code(const struct keypair *ed, const struct keypair *mac,
    enum fx_batch b, int i, struct code *c);
/* Writes the code's path and query ("/01/.../21/...?S=..."). */
void fx_path(const struct code *c, char *out, size_t cap);
/* Creates the store in dir (which must not hold one) with the keys and
 * batches above, and returns it open. Aborts on failure. */
struct store *fx_store(const char *dir);
/* The location token key. */
void fx_token_key(uint8_t key[32]);
/* The token that lets a page attach a location to event id (as scan.c
 * computes it under fx_token_key). */
void fx_token(uint64_t id, char out[FX_TOKEN_CHARS + 1]);

#endif
