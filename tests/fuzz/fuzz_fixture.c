/* fuzz_fixture.c — the router target's store, codes and tokens. */
#include "fuzz_fixture.h"
#include "fuzz.h"
#include "codegen/base32.h"
#include "common/clock.h"

#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Scheme and GTIN of each batch. */
static const struct {
	int scheme;
	const char *gtin;
} fx_spec[FX_BATCHES] = {
	[FX_ACTIVE_ED] = { CODE_SCHEME_ED25519, FX_GTIN },
	[FX_ACTIVE_MAC] = { CODE_SCHEME_MAC, FX_GTIN },
	[FX_READY_ED] = { CODE_SCHEME_ED25519, FX_GTIN_OTHER },
	[FX_VOID_MAC] = { CODE_SCHEME_MAC, FX_GTIN },
};

/* Makes the keys from the seeds gen_corpus.c uses. */
void
fx_keys(struct keypair **ed, struct keypair **mac)
{
	uint8_t seed[KEYS_SEED_BYTES];

	for (int i = 0; i < KEYS_SEED_BYTES; i++)
		seed[i] = (uint8_t)i;
	FUZZ_CHECK(keys_from_seed(1, CODE_SCHEME_ED25519, seed, ed) == 0);
	seed[0] = 0xff;
	FUZZ_CHECK(keys_from_seed(2, CODE_SCHEME_MAC, seed, mac) == 0);
}

/* Code i of batch b: a fixed serial, signed with the batch's key. */
void
fx_code(const struct keypair *ed, const struct keypair *mac, enum fx_batch b,
    int i, struct code *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->gtin, fx_spec[b].gtin, GTIN_LEN + 1);
	for (int k = 0; k < CODE_SERIAL_BYTES; k++)
		c->serial[k] = (uint8_t)(0x10 * (int)b + i + 1 + 37 * k);
	keys_sign(fx_spec[b].scheme == CODE_SCHEME_MAC ? mac : ed, c);
}

/* The path and query of a code's URL. */
void
fx_path(const struct code *c, char *out, size_t cap)
{
	char text[CODE_TEXT_MAX + 1];
	const char *path;

	FUZZ_CHECK(code_format(c, CODE_DEFAULT_BASE_URL, text,
	    sizeof(text)) > 0);
	path = text + strlen(CODE_DEFAULT_BASE_URL);
	FUZZ_CHECK(path[0] == '/');
	FUZZ_CHECK(snprintf(out, cap, "%s", path) < (int)cap);
}

/* Adds a key's public part to the store. */
static void
fx_add_key(struct store *st, const struct keypair *kp)
{
	FUZZ_CHECK(store_key_add(st, kp->id, kp->scheme, kp->public,
	    CODE_DEFAULT_BASE_URL, 1) == 0);
}

/* Orders entries by serial. */
static int
fx_entry_cmp(const void *a, const void *b)
{
	return memcmp(a, b, STORE_SERIAL_BYTES);
}

/* Mints batch b (READY) with its draw codes and returns its id. */
static uint32_t
fx_mint(struct store *st, const struct keypair *ed, const struct keypair *mac,
    enum fx_batch b, const uint8_t drawcode_key[32])
{
	struct store_code_entry e[FX_CODES];
	struct store_batch batch;
	struct store_mint *m = NULL;
	struct code c;

	memset(&batch, 0, sizeof(batch));
	batch.key_id = fx_spec[b].scheme == CODE_SCHEME_MAC ? mac->id : ed->id;
	batch.scheme = (uint8_t)fx_spec[b].scheme;
	strcpy(batch.gtin, fx_spec[b].gtin);
	batch.count = FX_CODES;
	FUZZ_CHECK(store_mint_begin(st, &batch, &m) == 0);
	memset(e, 0, sizeof(e));
	for (int i = 0; i < FX_CODES; i++) {
		fx_code(ed, mac, b, i, &c);
		memcpy(e[i].serial, c.serial, STORE_SERIAL_BYTES);
		e[i].code.batch_id = batch.id;
		code_check_digest(&c, e[i].code.check);
	}
	qsort(e, FX_CODES, sizeof(e[0]), fx_entry_cmp);
	FUZZ_CHECK(store_mint_insert(m, e, FX_CODES) == 0);
	fx_drawcodes_insert(m, b, batch.id, ed, mac, drawcode_key);
	FUZZ_CHECK(store_mint_finish(m) == 0);
	store_mint_free(m);
	return batch.id;
}

/* Makes the store. */
struct store *
fx_store(const char *dir, const char *secrets, struct fx_rewards *rw)
{
	struct keypair *ed = NULL, *mac = NULL;
	struct server_secrets *sec = NULL;
	struct store *st = NULL;
	const char *why = NULL;
	struct store_batch out;
	uint32_t id[FX_BATCHES];
	struct code c;
	size_t bad = 0;
	uint64_t newly = 0;
	int64_t now = clock_now_us();

	/* The same stream, whatever ran before: the same secrets, tokens
	 * and claim ids in every process. */
	FUZZ_CHECK(strcmp(randombytes_implementation_name(),
	    "scanloop-fuzz") == 0);
	fuzz_rng_reset();
	FUZZ_CHECK(keys_server_secrets(secrets, true, &sec, &why) == 0);
	fx_keys(&ed, &mac);
	FUZZ_CHECK(store_open(dir, STORE_CREATE, &st) == 0);
	fx_add_key(st, ed);
	fx_add_key(st, mac);
	for (int b = 0; b < FX_BATCHES; b++)
		id[b] = fx_mint(st, ed, mac, (enum fx_batch)b, sec->drawcode);
	FUZZ_CHECK(store_batch_activate(st, id[FX_ACTIVE_ED], now, &out) == 0);
	FUZZ_CHECK(store_batch_activate(st, id[FX_ACTIVE_MAC], now, &out) ==
	    0);
	FUZZ_CHECK(store_batch_activate(st, id[FX_VOID_MAC], now, &out) == 0);
	FUZZ_CHECK(store_batch_void(st, id[FX_VOID_MAC], STORE_VOID_STOLEN,
	    now) == 0);
	fx_code(ed, mac, FX_ACTIVE_ED, FX_VOIDED_CODE, &c);
	FUZZ_CHECK(store_codes_void(st, id[FX_ACTIVE_ED],
	    (const uint8_t (*)[STORE_SERIAL_BYTES])c.serial, 1,
	    STORE_VOID_DAMAGED, now, &bad, &newly) == 0);
	FUZZ_CHECK(newly == 1);
	fx_rewards(st, sec->claim, id[FX_ACTIVE_ED], id[FX_ACTIVE_MAC], now,
	    rw);
	keys_server_secrets_free(sec);
	keys_free(ed);
	keys_free(mac);
	return st;
}

/* The token key. */
void
fx_token_key(uint8_t key[32])
{
	static const uint8_t seed[32] = FX_TOKEN_SEED;

	memcpy(key, seed, 32);
}

/* As scan_location_token in scanner/code_page.c. */
void
fx_token(uint64_t id, char out[FX_TOKEN_CHARS + 1])
{
	uint8_t msg[9 + 8], mac[16], key[32];

	fx_token_key(key);
	memcpy(msg, "location:", 9);
	for (int i = 0; i < 8; i++)
		msg[9 + i] = (uint8_t)(id >> (56 - 8 * i));
	crypto_generichash(mac, sizeof(mac), msg, sizeof(msg), key,
	    sizeof(key));
	base32_encode(out, mac, sizeof(mac));
}
