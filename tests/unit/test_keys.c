/* test_keys.c — signing, verification, tamper detection and key files. */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codegen/base32.h"
#include "codegen/code.h"
#include "codegen/keys.h"

#define SIG_MAX (2 + CODE_TAG_MAX)

static const uint8_t seed_a[KEYS_SEED_BYTES] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

/* Makes a key from seed_a, failing the test if that fails. */
static struct keypair *
key_a(uint8_t id, int scheme)
{
	struct keypair *kp = NULL;

	assert_int_equal(keys_from_seed(id, scheme, seed_a, &kp), 0);
	assert_non_null(kp);
	return kp;
}

/* Verifies a code against a key of its own scheme. */
static int
verify(const struct keypair *kp, const struct code *c)
{
	if (kp->scheme == CODE_SCHEME_ED25519)
		return keys_verify_ed25519(kp->public, c);
	return keys_verify_mac(keys_secret(kp), c);
}

/* A signed code with a fixed GTIN and a random serial. */
static void
signed_code(const struct keypair *kp, struct code *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->gtin, "09506000134352");
	tu_random(c->serial, sizeof(c->serial));
	keys_sign(kp, c);
}

/* Sign and verify, both schemes; other keys and schemes fail. */
static void
test_sign_verify(void **state)
{
	struct keypair *ed = key_a(1, CODE_SCHEME_ED25519);
	struct keypair *mac = key_a(2, CODE_SCHEME_MAC);
	struct keypair *ed2 = NULL, *mac2 = NULL, *ed_same = key_a(1, 1);
	struct code c, c2;

	(void)state;
	assert_int_equal(keys_generate(1, CODE_SCHEME_ED25519, &ed2), 0);
	assert_int_equal(keys_generate(2, CODE_SCHEME_MAC, &mac2), 0);
	/* Determinism of keys_from_seed; randomness of keys_generate. */
	assert_memory_equal(ed->public, ed_same->public, KEYS_PUBLIC_BYTES);
	assert_memory_not_equal(ed->public, ed2->public, KEYS_PUBLIC_BYTES);
	assert_memory_not_equal(mac->public, mac2->public, KEYS_PUBLIC_BYTES);
	/* The MAC key's published fingerprint is not the key. */
	assert_memory_not_equal(mac->public, keys_secret(mac), 32);
	/* Unknown schemes are refused. */
	{
		struct keypair *none = NULL;

		assert_int_equal(keys_generate(1, 3, &none), -EINVAL);
		assert_int_equal(keys_from_seed(1, 0, seed_a, &none), -EINVAL);
		assert_null(none);
	}

	signed_code(ed, &c);
	assert_int_equal(c.version, 1);
	assert_int_equal(c.scheme, CODE_SCHEME_ED25519);
	assert_int_equal(c.key_id, 1);
	assert_int_equal(c.tag_len, 64);
	assert_int_equal(keys_verify_ed25519(ed->public, &c), 0);
	assert_int_equal(keys_verify_ed25519(ed2->public, &c), -EBADMSG);
	assert_int_equal(keys_verify_mac(keys_secret(mac), &c), -EBADMSG);
	/* Ed25519 signatures are deterministic. */
	c2 = c;
	keys_sign(ed_same, &c2);
	assert_memory_equal(c.tag, c2.tag, 64);
	/* The same serial signed by another key with the same id. */
	keys_sign(ed2, &c2);
	assert_memory_not_equal(c.tag, c2.tag, 64);
	assert_int_equal(keys_verify_ed25519(ed->public, &c2), -EBADMSG);

	signed_code(mac, &c);
	assert_int_equal(c.scheme, CODE_SCHEME_MAC);
	assert_int_equal(c.key_id, 2);
	assert_int_equal(c.tag_len, 10);
	assert_int_equal(keys_verify_mac(keys_secret(mac), &c), 0);
	assert_int_equal(keys_verify_mac(keys_secret(mac2), &c), -EBADMSG);
	assert_int_equal(keys_verify_ed25519(ed->public, &c), -EBADMSG);
	/* A MAC code relabelled as Ed25519 with a padded tag. */
	c2 = c;
	c2.scheme = CODE_SCHEME_ED25519;
	c2.tag_len = 64;
	assert_int_equal(keys_verify_ed25519(ed->public, &c2), -EBADMSG);

	keys_free(ed);
	keys_free(ed2);
	keys_free(ed_same);
	keys_free(mac);
	keys_free(mac2);
	keys_free(NULL);
}

/* Formats a code from raw serial and signature bytes. */
static void
raw_text(char *out, size_t outlen, const char *gtin, const uint8_t *serial,
    const uint8_t *sig, size_t siglen)
{
	char st[CODE_SERIAL_CHARS + 1], sigtext[BASE32_LEN(SIG_MAX) + 1];

	base32_encode(st, serial, CODE_SERIAL_BYTES);
	base32_encode(sigtext, sig, siglen);
	snprintf(out, outlen, "%s/01/%s/21/%s?S=%s", CODE_DEFAULT_BASE_URL,
	    gtin, st, sigtext);
}

/* Outcome counts of the bit-flip test, per part of the payload. */
struct flip_stats {
	unsigned parse_rejected;
	unsigned verify_rejected;
	unsigned key_mismatch;
};

/*
 * Flips every bit of the binary payload (serial, header, key_id, tag) of
 * one valid code and every digit of its GTIN, and checks that each result
 * is refused: it no longer parses, or its tag does not verify under the
 * key, and a changed key_id or scheme also names another key.
 */
static void
flip_all(const struct keypair *kp)
{
	uint8_t sig[SIG_MAX], serial[CODE_SERIAL_BYTES], digest[CODE_CHECK_BYTES];
	char text[CODE_TEXT_MAX];
	struct flip_stats st[4];	/* serial, header, key_id, tag */
	struct code c, p;
	size_t siglen;
	unsigned gtin_changes = 0;

	memset(st, 0, sizeof(st));
	signed_code(kp, &c);
	code_check_digest(&c, digest);
	siglen = 2 + (size_t)c.tag_len;
	sig[0] = (uint8_t)(c.version << 4 | c.scheme);
	sig[1] = c.key_id;
	memcpy(sig + 2, c.tag, c.tag_len);
	memcpy(serial, c.serial, sizeof(serial));

	/* The unmodified payload is accepted: the test can tell. */
	raw_text(text, sizeof(text), c.gtin, serial, sig, siglen);
	assert_int_equal(code_parse(text, strlen(text), &p, NULL), 0);
	assert_int_equal(verify(kp, &p), 0);

	for (size_t bit = 0; bit < 8 * (CODE_SERIAL_BYTES + siglen); bit++) {
		uint8_t s2[CODE_SERIAL_BYTES], g2[SIG_MAX];
		uint8_t d2[CODE_CHECK_BYTES];
		struct code cf;
		int part;
		bool parsed, verified;

		memcpy(s2, serial, sizeof(s2));
		memcpy(g2, sig, siglen);
		cf = c;
		if (bit < 64) {
			part = 0;
			s2[bit / 8] ^= (uint8_t)(0x80 >> bit % 8);
			cf.serial[bit / 8] ^= (uint8_t)(0x80 >> bit % 8);
		} else {
			size_t b = bit - 64;

			part = b < 8 ? 1 : b < 16 ? 2 : 3;
			g2[b / 8] ^= (uint8_t)(0x80 >> b % 8);
			if (part == 1) {
				cf.version = g2[0] >> 4;
				cf.scheme = g2[0] & 0x0f;
			} else if (part == 2)
				cf.key_id = g2[1];
			else
				cf.tag[b / 8 - 2] ^= (uint8_t)(0x80 >> b % 8);
		}
		/* The store's digest sees every bit. */
		code_check_digest(&cf, d2);
		if (memcmp(d2, digest, sizeof(d2)) == 0)
			fail_msg("bit %zu: check digest unchanged", bit);

		raw_text(text, sizeof(text), c.gtin, s2, g2, siglen);
		parsed = code_parse(text, strlen(text), &p, NULL) == 0;
		verified = parsed && verify(kp, &p) == 0;
		if (verified)
			fail_msg("bit %zu (part %d) accepted: %s", bit, part, text);
		if (!parsed) {
			st[part].parse_rejected++;
			continue;
		}
		st[part].verify_rejected++;
		if (p.key_id != kp->id || p.scheme != kp->scheme)
			st[part].key_mismatch++;
		/* The struct-level flip and the parsed text agree. */
		assert_memory_equal(p.serial, cf.serial, CODE_SERIAL_BYTES);
		assert_int_equal(p.key_id, cf.key_id);
		assert_memory_equal(p.tag, cf.tag, p.tag_len);
	}
	/* Serial and tag bits parse but never verify; every header bit
	 * (version or scheme) makes the text unparseable; every key_id bit
	 * names another key and fails verification. */
	assert_int_equal(st[0].verify_rejected, 64);
	assert_int_equal(st[1].parse_rejected, 8);
	assert_int_equal(st[2].verify_rejected, 8);
	assert_int_equal(st[2].key_mismatch, 8);
	assert_int_equal(st[3].verify_rejected, 8 * c.tag_len);

	/* Every other digit in every GTIN position. As text, the check
	 * digit catches it; with the check digit fixed up, the tag does. */
	for (int pos = 0; pos < GTIN_LEN; pos++)
		for (char d = '0'; d <= '9'; d++) {
			struct code cf = c;
			uint8_t d2[CODE_CHECK_BYTES];

			if (d == c.gtin[pos])
				continue;
			cf.gtin[pos] = d;
			raw_text(text, sizeof(text), cf.gtin, serial, sig, siglen);
			if (code_parse(text, strlen(text), &p, NULL) != -EINVAL)
				fail_msg("GTIN %s parsed", cf.gtin);
			if (pos == GTIN_LEN - 1)
				continue;
			cf.gtin[GTIN_LEN - 1] = gtin_check_digit(cf.gtin,
			    GTIN_LEN - 1);
			raw_text(text, sizeof(text), cf.gtin, serial, sig, siglen);
			assert_int_equal(code_parse(text, strlen(text), &p, NULL),
			    0);
			if (verify(kp, &p) == 0)
				fail_msg("GTIN %s verified", cf.gtin);
			code_check_digest(&cf, d2);
			assert_memory_not_equal(d2, digest, sizeof(d2));
			gtin_changes++;
		}
	assert_int_equal(gtin_changes, 9 * (GTIN_LEN - 1));
}

/* Every single-bit flip of an Ed25519 code is refused. */
static void
test_bitflips_ed25519(void **state)
{
	struct keypair *kp = key_a(7, CODE_SCHEME_ED25519);

	(void)state;
	for (int rep = 0; rep < 3; rep++)
		flip_all(kp);
	keys_free(kp);
}

/* Every single-bit flip of a MAC code is refused. */
static void
test_bitflips_mac(void **state)
{
	struct keypair *kp = key_a(200, CODE_SCHEME_MAC);

	(void)state;
	for (int rep = 0; rep < 3; rep++)
		flip_all(kp);
	keys_free(kp);
}

/* A code re-labelled with another key id, or signed by a key of the other
 * scheme, does not verify under the key its header names. */
static void
test_wrong_key_and_scheme(void **state)
{
	struct keypair *ed1 = key_a(1, CODE_SCHEME_ED25519);
	struct keypair *ed2 = key_a(2, CODE_SCHEME_ED25519);
	struct keypair *mac1 = key_a(1, CODE_SCHEME_MAC);
	struct code c, p;
	char text[CODE_TEXT_MAX];

	(void)state;
	/* Same seed, other id: the id is signed, so the tags differ. */
	assert_memory_equal(ed1->public, ed2->public, KEYS_PUBLIC_BYTES);
	signed_code(ed1, &c);
	p = c;
	keys_sign(ed2, &p);
	assert_int_equal(p.key_id, 2);
	assert_memory_not_equal(p.tag, c.tag, 64);
	/* Key 1's tag presented as key 2's. */
	p = c;
	p.key_id = 2;
	assert_int_equal(keys_verify_ed25519(ed2->public, &p), -EBADMSG);
	/* Every other key id. */
	for (int id = 0; id < 256; id++) {
		if (id == 1)
			continue;
		p = c;
		p.key_id = (uint8_t)id;
		if (keys_verify_ed25519(ed1->public, &p) == 0)
			fail_msg("key id %d accepted", id);
	}
	/* The MAC key made from the same seed, same id. */
	p = c;
	keys_sign(mac1, &p);
	assert_int_equal(p.scheme, CODE_SCHEME_MAC);
	assert_int_equal(keys_verify_ed25519(ed1->public, &p), -EBADMSG);
	assert_int_equal(keys_verify_mac(keys_secret(mac1), &p), 0);
	/* A MAC tag relabelled with the Ed25519 scheme does not parse. */
	assert_true(code_format(&p, CODE_DEFAULT_BASE_URL, text,
	    sizeof(text)) > 0);
	p.scheme = CODE_SCHEME_ED25519;
	assert_true(code_format(&p, CODE_DEFAULT_BASE_URL, text,
	    sizeof(text)) > 0);
	assert_int_equal(code_parse(text, strlen(text), &c, NULL), -EINVAL);
	keys_free(ed1);
	keys_free(ed2);
	keys_free(mac1);
}

/* The temporary directory of the key file tests. */
static char keydir[TU_PATH_MAX];

/* Creates the temporary directory. */
static int
setup_dir(void **state)
{
	(void)state;
	tu_tmpdir(keydir);
	return 0;
}

/* Removes it. */
static int
teardown_dir(void **state)
{
	(void)state;
	tu_rmtree(keydir);
	keydir[0] = '\0';
	return 0;
}

/* Asserts that two keys are the same key: public part, secret, and a
 * signature made with each. */
static void
assert_same_key(const struct keypair *a, const struct keypair *b)
{
	size_t slen = a->scheme == CODE_SCHEME_ED25519 ? 64 : 32;

	assert_int_equal(a->id, b->id);
	assert_int_equal(a->scheme, b->scheme);
	assert_memory_equal(a->public, b->public, KEYS_PUBLIC_BYTES);
	assert_memory_equal(keys_secret(a), keys_secret(b), slen);
	if (a->scheme == CODE_SCHEME_ED25519 || a->scheme == CODE_SCHEME_MAC) {
		struct code ca, cb;

		signed_code(a, &ca);
		cb = ca;
		keys_sign(b, &cb);
		assert_memory_equal(ca.tag, cb.tag, ca.tag_len);
		assert_int_equal(verify(b, &ca), 0);
	}
}

/* Loads path expecting failure ret; *out must stay NULL. */
static void
assert_load_fails(const char *path, const char *pass, int want)
{
	struct keypair *kp = (struct keypair *)&kp;
	const char *why = NULL;
	int ret;

	ret = keys_load(path, pass, pass ? strlen(pass) : 0, &kp, &why);
	if (ret != want)
		fail_msg("%s: got %d (%s), want %d", path, ret,
		    why ? why : "-", want);
	assert_null(kp);
	assert_non_null(why);
}

/* Replaces the first occurrence of from by to in a file. */
static void
edit_file(const char *src, const char *dst, const char *from, const char *to)
{
	size_t len;
	char *text = tu_read(src, &len), *p, *out;

	p = strstr(text, from);
	if (p == NULL)
		fail_msg("'%s' not in %s", from, src);
	out = malloc(len + strlen(to) + 1);
	assert_non_null(out);
	memcpy(out, text, (size_t)(p - text));
	strcpy(out + (p - text), to);
	strcat(out, p + strlen(from));
	tu_write(dst, out, strlen(out));
	free(out);
	free(text);
}

/* A copy of path at bad, with the first from replaced by to, fails to
 * load with want (pass as for keys_load); then the copy is removed. */
static void
assert_edit_fails(const char *path, const char *bad, const char *from,
    const char *to, const char *pass, int want)
{
	edit_file(path, bad, from, to);
	assert_load_fails(bad, pass, want);
	unlink(bad);
}

/* Unencrypted key files of every kind round trip; the file is 0600 and
 * never overwritten. */
static void
test_plain_files(void **state)
{
	static const int schemes[] = { CODE_SCHEME_ED25519, CODE_SCHEME_MAC,
	    KEYS_SCHEME_BOX };
	char path[TU_PATH_MAX];
	struct stat sb;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct keypair *kp = NULL, *back = NULL, *other = NULL;
		const char *why = NULL;
		char name[32];
		char *before, *after;
		size_t blen, alen;

		assert_int_equal(keys_generate((uint8_t)(10 + i), schemes[i],
		    &kp), 0);
		snprintf(name, sizeof(name), "plain-%zu.key", i);
		tu_path(path, keydir, name);
		assert_int_equal(keys_save(kp, path, NULL, 0), 0);
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_mode & 07777, 0600);
		assert_int_equal(keys_load(path, NULL, 0, &back, &why), 0);
		assert_null(why);
		assert_same_key(kp, back);
		/* A passphrase given for an unencrypted file is not needed. */
		keys_free(back);
		back = NULL;
		assert_int_equal(keys_load(path, "x", 1, &back, &why), 0);
		assert_same_key(kp, back);

		/* Never overwritten, not even by the same key. */
		before = tu_read(path, &blen);
		assert_int_equal(keys_generate((uint8_t)(10 + i), schemes[i],
		    &other), 0);
		assert_int_equal(keys_save(other, path, NULL, 0), -EEXIST);
		assert_int_equal(keys_save(kp, path, NULL, 0), -EEXIST);
		after = tu_read(path, &alen);
		assert_int_equal(blen, alen);
		assert_memory_equal(before, after, blen);
		free(before);
		free(after);
		keys_free(other);
		keys_free(back);
		keys_free(kp);
	}
	/* No temporary files left beside them. */
	assert_int_equal(tu_count_entries(keydir), 3);
}

/* Damaged unencrypted files are -EINVAL; missing ones -ENOENT. */
static void
test_damaged_plain_files(void **state)
{
	struct keypair *kp = key_a(5, CODE_SCHEME_ED25519), *k2;
	char path[TU_PATH_MAX], bad[TU_PATH_MAX], pubhex[65], sechex[65];
	char *text;
	size_t len;

	(void)state;
	tu_path(path, keydir, "damaged.key");
	tu_path(bad, keydir, "bad.key");
	assert_int_equal(keys_save(kp, path, NULL, 0), 0);
	for (int i = 0; i < 32; i++) {
		snprintf(pubhex + 2 * i, 3, "%02x", kp->public[i]);
		snprintf(sechex + 2 * i, 3, "%02x", seed_a[i]);
	}
	text = tu_read(path, &len);
	assert_non_null(strstr(text, pubhex));
	assert_non_null(strstr(text, sechex));
	assert_non_null(strstr(text, "key_id: 5\n"));
	assert_non_null(strstr(text, "scheme: ed25519\n"));
	assert_non_null(strstr(text, "kdf: none\n"));

	/* Another secret under this public key. */
	assert_edit_fails(path, bad, "secret: 00", "secret: 01", NULL, -EINVAL);
	/* Another public key, and a public key of the wrong length. */
	{
		char from[16], to[16];

		snprintf(from, sizeof(from), "public: %c", pubhex[0]);
		snprintf(to, sizeof(to), "public: %c",
		    pubhex[0] == '0' ? '1' : '0');
		assert_edit_fails(path, bad, from, to, NULL, -EINVAL);
	}
	assert_edit_fails(path, bad, "public: ", "public: 0", NULL, -EINVAL);
	/* Bad fields. */
	assert_edit_fails(path, bad, "key_id: 5", "key_id: 256", NULL, -EINVAL);
	assert_edit_fails(path, bad, "key_id: 5", "key_id: -5", NULL, -EINVAL);
	assert_edit_fails(path, bad, "scheme: ed25519", "scheme: rsa",
	    NULL, -EINVAL);
	assert_edit_fails(path, bad, "kdf: none", "kdf: scrypt", NULL, -EINVAL);
	assert_edit_fails(path, bad, "scanloop-secret-key v1",
	    "scanloop-secret-key v2", NULL, -EINVAL);
	/* The key id is part of the key: relabelled, it fails nothing
	 * cryptographic for a plain file, but it is a different key. */
	edit_file(path, bad, "key_id: 5", "key_id: 6");
	k2 = NULL;
	assert_int_equal(keys_load(bad, NULL, 0, &k2, NULL), 0);
	assert_int_equal(k2->id, 6);
	keys_free(k2);
	unlink(bad);
	/* Truncated at every line boundary and mid-line. */
	for (size_t cut = 0; cut < len - 1; cut += 9) {
		tu_write(bad, text, cut);
		assert_load_fails(bad, NULL, -EINVAL);
	}
	unlink(bad);
	/* A NUL inside. */
	text[len / 2] = '\0';
	tu_write(bad, text, len);
	assert_load_fails(bad, NULL, -EINVAL);
	unlink(bad);
	/* Missing, a directory. */
	assert_load_fails(bad, NULL, -ENOENT);
	assert_load_fails(keydir, NULL, -EINVAL);
	free(text);
	keys_free(kp);
}

/*
 * Passphrase-protected files. Argon2id MODERATE costs ~0.7 s and 256 MiB
 * per call, so this test makes six: save, load, wrong passphrase, flipped
 * ciphertext, changed key id, and lowered KDF costs (cheap).
 */
static void
test_passphrase_files(void **state)
{
	static const char pass[] = "correct horse battery staple";
	struct keypair *kp = key_a(42, CODE_SCHEME_ED25519), *back = NULL;
	char path[TU_PATH_MAX], bad[TU_PATH_MAX], sechex[65];
	const char *why = NULL;
	char *text, *p;
	size_t len;
	struct stat sb;

	(void)state;
	tu_path(path, keydir, "protected.key");
	tu_path(bad, keydir, "bad.key");
	assert_int_equal(keys_save(kp, path, pass, strlen(pass)), 0);	/* 1 */
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	text = tu_read(path, &len);
	/* The seed is not in the file, in any form we can spot. */
	for (int i = 0; i < 32; i++)
		snprintf(sechex + 2 * i, 3, "%02x", seed_a[i]);
	assert_null(strstr(text, sechex));
	assert_non_null(strstr(text, "kdf: argon2id13 "));
	assert_non_null(strstr(text, "nonce: "));

	assert_int_equal(keys_load(path, pass, strlen(pass), &back, &why),
	    0);							/* 2 */
	assert_null(why);
	assert_same_key(kp, back);
	keys_free(back);

	/* Wrong passphrase: a prefix of the right one. */
	assert_load_fails(path, "correct horse battery stapl", -EPERM);	/* 3 */
	/* No passphrase: refused before any key derivation. */
	assert_load_fails(path, NULL, -EPERM);

	/* One hex digit of the ciphertext changed. */
	p = strstr(text, "secret: ");
	assert_non_null(p);
	p += 8 + 20;
	{
		char orig = *p;

		*p = orig == '0' ? '1' : '0';
		tu_write(bad, text, len);
		*p = orig;
	}
	assert_load_fails(bad, pass, -EPERM);			/* 4 */
	/* The key id is bound to the ciphertext. */
	assert_edit_fails(path, bad, "key_id: 42", "key_id: 43", pass,
	    -EPERM);						/* 5 */
	/* Lowered KDF costs give another key. */
	p = strstr(text, "kdf: argon2id13 ");
	assert_non_null(p);
	{
		char line[256], *eol = strchr(p, '\n');
		char salt[64];

		assert_non_null(eol);
		assert_true((size_t)(eol - p) < sizeof(line));
		memcpy(line, p, (size_t)(eol - p));
		line[eol - p] = '\0';
		assert_int_equal(sscanf(line, "kdf: argon2id13 %*u %*u %63s",
		    salt), 1);
		snprintf(line, sizeof(line), "kdf: argon2id13 1 8192 %s", salt);
		*eol = '\0';
		edit_file(path, bad, p, line);
		*eol = '\n';
	}
	assert_load_fails(bad, pass, -EPERM);			/* 6 (cheap) */
	/* Damage that parsing catches, before any key derivation. */
	assert_edit_fails(path, bad, "secret: ", "secret: 00", pass, -EINVAL);
	assert_edit_fails(path, bad, "nonce: ", "nonce: zz", pass, -EINVAL);
	assert_edit_fails(path, bad, "kdf: argon2id13 ",
	    "kdf: argon2id13 99999999999 ", pass, -EINVAL);
	/* Truncated inside the ciphertext or before it (cutting only the
	 * final newline leaves a whole file). */
	for (size_t cut = len - 2; cut > len - 120; cut -= 13) {
		tu_write(bad, text, cut);
		assert_load_fails(bad, pass, -EINVAL);
	}
	/* Not overwritten. */
	assert_int_equal(keys_save(kp, path, NULL, 0), -EEXIST);
	{
		size_t l2;
		char *again = tu_read(path, &l2);

		assert_int_equal(l2, len);
		assert_memory_equal(again, text, len);
		free(again);
	}
	free(text);
	keys_free(kp);
}

/* keys_read_passphrase takes the first line. */
static void
test_read_passphrase(void **state)
{
	char path[TU_PATH_MAX];
	const char *why = NULL;
	char *pass = NULL;
	size_t len = 0;

	(void)state;
	tu_path(path, keydir, "pass.txt");
	tu_write(path, "s3cret phrase\r\nsecond line\n", 27);
	assert_int_equal(keys_read_passphrase(path, &pass, &len, &why), 0);
	assert_int_equal(len, 13);
	assert_string_equal(pass, "s3cret phrase");
	keys_free_passphrase(pass);
	tu_write(path, "\nx\n", 3);
	assert_int_equal(keys_read_passphrase(path, &pass, &len, &why),
	    -EINVAL);
	unlink(path);
	assert_int_equal(keys_read_passphrase(path, &pass, &len, &why),
	    -ENOENT);
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_bitflips_ed25519),
		cmocka_unit_test(test_bitflips_mac),
		cmocka_unit_test(test_wrong_key_and_scheme),
		cmocka_unit_test_setup_teardown(test_plain_files, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_damaged_plain_files,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_passphrase_files,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_read_passphrase,
		    setup_dir, teardown_dir),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
