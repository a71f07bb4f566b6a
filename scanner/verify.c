/* verify.c — the verdict on one presented code. */
#include "scanner/verify.h"
#include "codegen/keys.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>

/* Names a verdict. */
const char *
verify_verdict_name(enum verdict v)
{
	return verdict_name(v);
}

/* The verdict on an authenticated code the store knows: its batch's and
 * its own state. */
static void
verify_state(struct verify_result *out)
{
	if (out->batch.state == STORE_BATCH_VOID) {
		out->verdict = VERDICT_VOID;
		out->reason = store_void_reason_name(out->batch.void_reason);
	} else if (out->rec.void_reason != STORE_VOID_NONE) {
		out->verdict = VERDICT_VOID;
		out->reason = store_void_reason_name(out->rec.void_reason);
	} else if (out->batch.state == STORE_BATCH_READY) {
		out->verdict = VERDICT_NOT_ACTIVE;
		out->reason = "not activated yet";
	} else {
		out->verdict = VERDICT_GENUINE;
		out->reason = NULL;
	}
	if (out->verdict == VERDICT_VOID && out->reason == NULL)
		out->reason = "void";
}

/* A code the store does not know: the signature alone tells whether our
 * key made it. */
static void
verify_unknown(const struct store_key *key, const struct code *c,
    struct verify_result *out)
{
	out->verdict = VERDICT_FORGED;
	if (c->scheme != CODE_SCHEME_ED25519) {
		/* MAC keys never reach the store: nothing more to check. */
		out->reason = "unknown serial";
		return;
	}
	if (keys_verify_ed25519(key->public, c) == 0) {
		out->sig = VERIFY_SIG_VALID;
		out->reason = "unknown serial (signed by our key but not minted "
		    "into this store)";
	} else {
		out->sig = VERIFY_SIG_INVALID;
		out->reason = "bad signature";
	}
}

/* Verifies a parsed code against the store. */
int
verify_code_txn(struct store_txn *t, const struct code *c, int flags,
    struct verify_result *out)
{
	uint8_t digest[CODE_CHECK_BYTES];
	struct store_key key;
	int ret;

	out->parsed = true;
	out->code = *c;
	out->verdict = VERDICT_FORGED;
	out->sig = VERIFY_SIG_UNCHECKED;
	ret = store_key_get_txn(t, c->key_id, &key);
	if (ret == -ENOENT) {
		out->reason = "unknown key";
		return 0;
	}
	if (ret < 0)
		return ret;
	if (key.scheme != c->scheme) {
		out->reason = "scheme does not match the key";
		return 0;
	}
	ret = store_code_get_txn(t, c->serial, &out->rec);
	if (ret == 0)
		ret = store_batch_get_txn(t, out->rec.batch_id, &out->batch);
	if (ret == -ENOENT || (ret == 0 &&
	    out->batch.state == STORE_BATCH_MINTING)) {
		verify_unknown(&key, c, out);
		return 0;
	}
	if (ret < 0)
		return ret;
	out->known = true;
	if (out->batch.key_id != c->key_id) {
		out->reason = "key does not match the batch";
		return 0;
	}
	if (memcmp(out->batch.gtin, c->gtin, GTIN_LEN) != 0) {
		out->reason = "GTIN does not match the batch";
		return 0;
	}
	code_check_digest(c, digest);
	if (sodium_memcmp(digest, out->rec.check, CODE_CHECK_BYTES) != 0) {
		out->sig = VERIFY_SIG_INVALID;
		out->reason = "bad signature";
		return 0;
	}
	out->sig = VERIFY_SIG_VALID;
	if ((flags & VERIFY_FULL_SIGNATURE) && c->scheme == CODE_SCHEME_ED25519 &&
	    keys_verify_ed25519(key.public, c) != 0) {
		out->sig = VERIFY_SIG_INVALID;
		out->reason = "bad signature";
		return 0;
	}
	verify_state(out);
	return 0;
}

/* Parses, then verifies. A full URL must also name the key's host: a
 * genuine code copied onto another site would send the consumer there.
 * A valid Digital Link of the product alone is malformed as a code, with
 * out->product set: the server answers it with the product's page. */
int
verify_text_txn(struct store_txn *t, const char *text, size_t len, int flags,
    struct verify_result *out)
{
	struct store_key key;
	struct code c;
	const char *why;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = code_parse(text, len, &c, &why)) < 0) {
		out->verdict = VERDICT_MALFORMED;
		out->reason = why;
		if (ret == -ENOENT) {
			out->product = true;
			memcpy(out->code.gtin, c.gtin, sizeof(c.gtin));
		}
		return 0;
	}
	if ((ret = verify_code_txn(t, &c, flags, out)) < 0)
		return ret;
	if (c.host_len == 0 || out->verdict == VERDICT_FORGED)
		return 0;
	if ((ret = store_key_get_txn(t, c.key_id, &key)) < 0)
		return ret;
	if (!code_host_is(key.base_url, text + c.host_off, c.host_len,
	    c.host_https)) {
		out->verdict = VERDICT_FORGED;
		out->reason = "the URL's host is not the host of this key's "
		    "codes";
	}
	return 0;
}

/* Finds the outer code of an inner draw code: the draw code authenticates
 * its outer code, since only the keyed hash of a printed token matches. */
int
verify_drawcode_txn(struct store_txn *t, const uint8_t key[32],
    const char *text, size_t len, struct verify_result *out)
{
	uint8_t token[CODE_DRAW_TOKEN_BYTES], hash[CODE_DRAW_HASH_BYTES];
	uint8_t serial[STORE_SERIAL_BYTES];
	uint32_t batch_id;
	const char *why;
	int ret;

	memset(out, 0, sizeof(*out));
	out->drawcode = true;
	out->verdict = VERDICT_FORGED;
	if (code_draw_parse(text, len, token, &why) < 0) {
		out->verdict = VERDICT_MALFORMED;
		out->reason = why;
		return 0;
	}
	code_draw_hash(key, token, hash);
	sodium_memzero(token, sizeof(token));
	ret = store_drawcode_get_txn(t, hash, serial, &batch_id);
	if (ret == 0)
		ret = store_code_get_txn(t, serial, &out->rec);
	if (ret == 0)
		ret = store_batch_get_txn(t, out->rec.batch_id, &out->batch);
	if (ret == -ENOENT || (ret == 0 &&
	    out->batch.state == STORE_BATCH_MINTING)) {
		out->reason = "unknown draw code";
		return 0;
	}
	if (ret < 0)
		return ret;
	out->parsed = out->known = true;
	out->sig = VERIFY_SIG_VALID;
	out->code.version = CODE_VERSION;
	out->code.scheme = out->batch.scheme;
	out->code.key_id = out->batch.key_id;
	memcpy(out->code.gtin, out->batch.gtin, sizeof(out->code.gtin));
	memcpy(out->code.serial, serial, sizeof(serial));
	verify_state(out);
	return 0;
}

/* An inner draw code names itself by its "/D/" path or, bare, by having no
 * path and the length of a printed draw code; anything else is an outer
 * code. */
int
verify_any_txn(struct store_txn *t, const uint8_t key[32], const char *text,
    size_t len, int flags, struct verify_result *out)
{
	if (memmem(text, len, "/D/", 3) != NULL ||
	    memmem(text, len, "/d/", 3) != NULL ||
	    (memchr(text, '/', len) == NULL && len <= CODE_DRAW_TEXT_LEN + 4))
		return verify_drawcode_txn(t, key, text, len, out);
	return verify_text_txn(t, text, len, flags, out);
}
