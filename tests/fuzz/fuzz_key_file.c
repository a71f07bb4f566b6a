/*
 * fuzz_key_file.c — keys_load, the parser of secret key files.
 *
 * The input is written to a temporary file and loaded without a
 * passphrase and with the passphrase "fuzz". The Argon2id parameters come
 * from the file; keys_load bounds them (up to 4 × the SENSITIVE limits,
 * 4 GiB), but a derivation that large takes seconds, so to keep fuzzing
 * fast this harness skips the passphrase load when the file's kdf line
 * (found and scanned exactly as keys_load does) asks for more than
 * FUZZ_KDF_OPS_MAX passes or FUZZ_KDF_MEM_MAX bytes. The seeds use the
 * minimum parameters (1 pass, 8 KiB). The load without a passphrase never
 * derives a key and runs on every input.
 *
 * Invariants: a failure sets *why and returns no key; a loaded key's public
 * part is the one its seed derives, it signs codes that verify, and saving
 * it and loading it again gives the same key; a file that loads without a
 * passphrase loads the same with one, and a file that needs one is refused
 * without it with -EPERM.
 */
#include "fuzz.h"
#include "codegen/code.h"
#include "codegen/keys.h"

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_KDF_OPS_MAX 4ULL
#define FUZZ_KDF_MEM_MAX (1024 * 1024)
#define FUZZ_PASS FUZZ_PASSPHRASE

/* True when the file's kdf line asks for a derivation too slow to fuzz. */
static int
fuzz_kdf_too_slow(const uint8_t *data, size_t size)
{
	char text[KEYS_FILE_MAX + 1], line[160], salt[64];
	unsigned long long ops;
	size_t mem, llen, vlen;
	const char *p = text;

	if (size > KEYS_FILE_MAX)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* The first line "kdf: VALUE", as keys_field finds it. */
	while (p != NULL && *p != '\0') {
		const char *eol = strchr(p, '\n');

		llen = eol ? (size_t)(eol - p) : strlen(p);
		if (llen > 4 && memcmp(p, "kdf: ", 5) == 0) {
			vlen = llen - 5;
			while (vlen > 0 && p[5 + vlen - 1] == '\r')
				vlen--;
			if (vlen >= sizeof(line))
				return 0;
			memcpy(line, p + 5, vlen);
			line[vlen] = '\0';
			if (sscanf(line, "argon2id13 %llu %zu %34s", &ops, &mem,
			    salt) != 3)
				return 0;
			return ops > FUZZ_KDF_OPS_MAX || mem > FUZZ_KDF_MEM_MAX;
		}
		p = eol ? eol + 1 : NULL;
	}
	return 0;
}

/* Checks that two loaded keys are the same key. */
static void
fuzz_same_key(const struct keypair *a, const struct keypair *b)
{
	FUZZ_CHECK(a->id == b->id && a->scheme == b->scheme);
	FUZZ_CHECK(memcmp(a->public, b->public, KEYS_PUBLIC_BYTES) == 0);
	FUZZ_CHECK(memcmp(a->secret, b->secret, KEYS_SEED_BYTES) == 0);
	FUZZ_CHECK(memcmp(keys_secret(a), keys_secret(b), 32) == 0);
}

/* Checks a key that loaded. */
static void
fuzz_check_key(const struct keypair *kp, const char *dir)
{
	struct keypair *again = NULL;
	struct code c = { .gtin = "04006381333931" };
	char path[PATH_MAX];
	const char *why = NULL;

	FUZZ_CHECK(kp->scheme == CODE_SCHEME_ED25519 ||
	    kp->scheme == CODE_SCHEME_MAC || kp->scheme == KEYS_SCHEME_BOX);
	/* The public part is the one the seed derives. */
	FUZZ_CHECK(keys_from_seed(kp->id, kp->scheme, kp->secret, &again) == 0);
	fuzz_same_key(kp, again);
	keys_free(again);
	again = NULL;
	/* It signs codes that verify. */
	if (kp->scheme != KEYS_SCHEME_BOX) {
		memcpy(c.serial, kp->public, CODE_SERIAL_BYTES);
		keys_sign(kp, &c);
		if (kp->scheme == CODE_SCHEME_ED25519)
			FUZZ_CHECK(keys_verify_ed25519(kp->public, &c) == 0);
		else
			FUZZ_CHECK(keys_verify_mac(keys_secret(kp), &c) == 0);
	}
	/* Saved and loaded again, it is the same key. */
	fuzz_path(path, dir, "saved");
	unlink(path);
	FUZZ_CHECK(keys_save(kp, path, NULL, 0) == 0);
	FUZZ_CHECK(keys_load(path, NULL, 0, &again, &why) == 0);
	FUZZ_CHECK(why == NULL);
	fuzz_same_key(kp, again);
	keys_free(again);
	unlink(path);
}

/* One input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct keypair *plain = NULL, *pass = NULL;
	const char *dir, *why;
	char path[PATH_MAX];
	int r1, r2;

	if (!ready) {
		FUZZ_CHECK(sodium_init() >= 0);
		ready = 1;
	}
	dir = fuzz_tmpdir();
	fuzz_path(path, dir, "key");
	fuzz_write_file(path, data, size);

	why = NULL;
	r1 = keys_load(path, NULL, 0, &plain, &why);
	if (r1 == 0) {
		FUZZ_CHECK(plain != NULL && why == NULL);
		fuzz_check_key(plain, dir);
	} else {
		FUZZ_CHECK(plain == NULL && why != NULL);
		FUZZ_CHECK(r1 == -EINVAL || r1 == -EPERM || r1 == -EFBIG);
	}
	if (!fuzz_kdf_too_slow(data, size)) {
		why = NULL;
		r2 = keys_load(path, FUZZ_PASS, strlen(FUZZ_PASS), &pass, &why);
		if (r2 == 0) {
			FUZZ_CHECK(pass != NULL && why == NULL);
			fuzz_check_key(pass, dir);
			/* Without the passphrase: the same key, or -EPERM. */
			if (r1 == 0)
				fuzz_same_key(plain, pass);
			else
				FUZZ_CHECK(r1 == -EPERM);
		} else {
			FUZZ_CHECK(pass == NULL && why != NULL);
			FUZZ_CHECK(r2 == -EINVAL || r2 == -EPERM ||
			    r2 == -EFBIG || r2 == -ENOMEM);
			/* A file that loads without a passphrase ignores one. */
			FUZZ_CHECK(r1 != 0);
		}
	}
	keys_free(pass);
	keys_free(plain);
	unlink(path);
	return 0;
}
