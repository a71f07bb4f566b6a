/*
 * fuzz_fixture.h — the store that the router target serves, shared with
 * gen_corpus_server.c so that the seeds name real codes, draw codes,
 * claims and valid location, draw, shop and claim tokens.
 *
 * Two keys from fixed seeds (the same as gen_corpus.c: id 1 Ed25519, id 2
 * MAC) and four batches with fixed serials: FX_ACTIVE_ED (active; its last
 * code voided as damaged), FX_ACTIVE_MAC (active), FX_READY_ED (minted, not
 * activated, another GTIN) and FX_VOID_MAC (the whole batch voided); both
 * MAC batches have inner draw codes. A running prize campaign covers the
 * two active batches (fuzz_fixture_rewards.c).
 *
 * Everything random (the server secrets, shop tokens, claim ids) comes
 * from the harnesses' deterministic generator, restarted by fx_store, so
 * the router target and gen_corpus_server make the same store.
 */
#ifndef SCANLOOP_FUZZ_FIXTURE_H
#define SCANLOOP_FUZZ_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "codegen/code.h"
#include "codegen/keys.h"
#include "rewards/draw.h"
#include "rewards/redeem.h"
#include "rewards/token.h"
#include "store/store.h"

#define FX_GTIN "09506000134352"
#define FX_GTIN_OTHER "04006381333931"
#define FX_CODES 10			/* codes per batch */
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
/* The prize campaign: online tiers prize (physical), later (a coupon
 * valid from ten days on), gone (a coupon that expired an hour ago) and
 * pts (points); at the store box and spot; claims at FX_SHOP_OK and
 * FX_SHOP_REVOKED; one win per visitor. */
#define FX_CAMPAIGN "fx-prizes"
/* The codes of FX_ACTIVE_ED from FX_PREDRAW_FIRST drew at start-up, in
 * order: prize, later, gone, pts, a sealed ticket. */
#define FX_PREDRAW_FIRST 4
#define FX_PREDRAWS 5

/* A group (拼团) of the campaign, groups of 2, started at start-up by the
 * visitor who won pts: its 10-byte id. */
#define FX_GROUP_ID "fx-group-1"

enum fx_shop { FX_SHOP_OK, FX_SHOP_OTHER, FX_SHOP_REVOKED, FX_SHOPS };
/* Where FX_SHOP_OK is (its check-in fence: 200 m); "fx-shop" its id. */
#define FX_SHOP_LAT 31.2304
#define FX_SHOP_LON 121.4737
#define FX_SHOP_ID "fx-shop"
/* The claims of the start-up draws. */
enum fx_claim { FX_CLAIM_PRIZE, FX_CLAIM_LATER, FX_CLAIM_GONE,
    FX_CLAIM_TICKET, FX_CLAIMS };

struct fx_rewards {
	uint8_t claim_key[32];		/* of the server secrets */
	char shop_token[FX_SHOPS][TOKEN_SHOP_CHARS + 1];
	char claim_token[FX_CLAIMS][TOKEN_CLAIM_CHARS + 1];
	uint8_t points_visitor[STORE_VISITOR_BYTES];	/* won pts */
};

/* Creates the store in dir (which must not hold one) with the keys,
 * batches and campaign above, and the server secrets file at secrets
 * (which must not exist); fills rw (may be NULL) and returns the store
 * open. Needs fuzz_rng_install. Aborts on failure. */
struct store *fx_store(const char *dir, const char *secrets,
    struct fx_rewards *rw);
/* The location token key. */
void fx_token_key(uint8_t key[32]);
/* The token that lets a page attach a location to event id (as code_page.c
 * computes it under fx_token_key). */
void fx_token(uint64_t id, char out[FX_TOKEN_CHARS + 1]);

/* fuzz_fixture_rewards.c (fx_store's helpers, then the seeds'). */
/* Inserts the draw codes of batch b, if it has any, into its mint. */
void fx_drawcodes_insert(struct store_mint *m, enum fx_batch b,
    uint32_t batch_id, const struct keypair *ed, const struct keypair *mac,
    const uint8_t key[32]);
/* Adds the shops and the campaign (over batches ed_id and mac_id), and
 * runs the start-up draws at now; fills rw. */
void fx_rewards(struct store *st, const uint8_t claim_key[32],
    uint32_t ed_id, uint32_t mac_id, int64_t now, struct fx_rewards *rw);
/* Writes the path of code i's draw code ("/D/{TOKEN}"), or its typed
 * form ("ABCD-EFGH-IJKL-MNOP") when typed. */
void fx_drawcode(enum fx_batch b, int i, bool typed, char *out, size_t cap);
/* The one-time token of a page's draw button for a code and event (as
 * scan_draw_token in scanner/code_page.c computes it). */
void fx_draw_token(const uint8_t claim_key[32],
    const uint8_t serial[CODE_SERIAL_BYTES], uint64_t event_id,
    char out[FX_TOKEN_CHARS + 1]);

#endif
