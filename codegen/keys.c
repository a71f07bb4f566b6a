/* keys.c — key generation, secret files, signing and verification. */
#include "codegen/keys.h"
#include "common/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYS_MAGIC "scanloop-secret-key v1"
#define KEYS_MAC_FP_DOMAIN "SCANLOOP1-MAC-FINGERPRINT"
/* Offsets inside keypair.secret. */
#define KEYS_SEED_OFF 0
#define KEYS_SK_OFF KEYS_SEED_BYTES
#define KEYS_SECRET_LEN (KEYS_SEED_BYTES + crypto_sign_SECRETKEYBYTES)

/* Derives the public part and secret key from the seed in kp->secret. */
static void
keys_derive(struct keypair *kp)
{
	uint8_t *seed = kp->secret + KEYS_SEED_OFF;

	if (kp->scheme == CODE_SCHEME_ED25519) {
		crypto_sign_seed_keypair(kp->public, kp->secret + KEYS_SK_OFF,
		    seed);
	} else if (kp->scheme == KEYS_SCHEME_BOX) {
		crypto_box_seed_keypair(kp->public, kp->secret + KEYS_SK_OFF,
		    seed);
	} else {
		/* The MAC key is the seed; publish only a keyed fingerprint. */
		memcpy(kp->secret + KEYS_SK_OFF, seed, KEYS_SEED_BYTES);
		crypto_generichash(kp->public, KEYS_PUBLIC_BYTES,
		    (const uint8_t *)KEYS_MAC_FP_DOMAIN,
		    sizeof(KEYS_MAC_FP_DOMAIN) - 1, seed, KEYS_SEED_BYTES);
	}
	sodium_mprotect_readonly(kp->secret);
}

/* Allocates an empty key. */
static int
keys_alloc(uint8_t id, int scheme, struct keypair **out)
{
	struct keypair *kp;

	if (code_tag_len(scheme) == 0 && scheme != KEYS_SCHEME_BOX)
		return -EINVAL;
	if ((kp = calloc(1, sizeof(*kp))) == NULL)
		return -ENOMEM;
	if ((kp->secret = sodium_malloc(KEYS_SECRET_LEN)) == NULL) {
		free(kp);
		return -ENOMEM;
	}
	kp->id = id;
	kp->scheme = (uint8_t)scheme;
	*out = kp;
	return 0;
}

/* Makes a random key. */
int
keys_generate(uint8_t id, int scheme, struct keypair **out)
{
	int ret;

	if ((ret = keys_alloc(id, scheme, out)) < 0)
		return ret;
	randombytes_buf((*out)->secret + KEYS_SEED_OFF, KEYS_SEED_BYTES);
	keys_derive(*out);
	return 0;
}

/* Makes a key from a fixed seed. */
int
keys_from_seed(uint8_t id, int scheme, const uint8_t seed[KEYS_SEED_BYTES],
    struct keypair **out)
{
	int ret;

	if ((ret = keys_alloc(id, scheme, out)) < 0)
		return ret;
	memcpy((*out)->secret + KEYS_SEED_OFF, seed, KEYS_SEED_BYTES);
	keys_derive(*out);
	return 0;
}

/* Names a key's scheme in its file. */
static const char *
keys_scheme_name(int scheme)
{
	return scheme == KEYS_SCHEME_BOX ? "x25519-box" :
	    code_scheme_name(scheme);
}

/* Parses a scheme name from a key file. */
static int
keys_scheme_parse(const char *name)
{
	if (strcmp(name, "x25519-box") == 0)
		return KEYS_SCHEME_BOX;
	return code_scheme_parse(name);
}

/* The secret key proper. */
const uint8_t *
keys_secret(const struct keypair *kp)
{
	return kp->secret + KEYS_SK_OFF;
}

/* Wipes (sodium_free does) and frees. */
void
keys_free(struct keypair *kp)
{
	if (kp == NULL)
		return;
	sodium_free(kp->secret);
	free(kp);
}

/* Additional data binding the ciphertext to the key's identity. */
static void
keys_aad(const struct keypair *kp, uint8_t aad[2 + KEYS_PUBLIC_BYTES])
{
	aad[0] = kp->id;
	aad[1] = kp->scheme;
	memcpy(aad + 2, kp->public, KEYS_PUBLIC_BYTES);
}

/* Writes the secret file, a passphrase's key stretched with Argon2id
 * MODERATE. */
int
keys_save(const struct keypair *kp, const char *path, const char *passphrase,
    size_t passlen)
{
	return keys_save_kdf(kp, path, passphrase, passlen, false);
}

/* Writes the secret file. A random passphrase (keys_passphrase_new: 256
 * bits) needs no stretching: Argon2id runs at its minimum cost, so that
 * loading the key costs nothing; a chosen one gets MODERATE. */
int
keys_save_kdf(const struct keypair *kp, const char *path,
    const char *passphrase, size_t passlen, bool random)
{
	uint8_t salt[crypto_pwhash_SALTBYTES];
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	uint8_t ct[KEYS_SEED_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES];
	uint8_t aad[2 + KEYS_PUBLIC_BYTES];
	char pubhex[2 * KEYS_PUBLIC_BYTES + 1];
	char salthex[2 * sizeof(salt) + 1], noncehex[2 * sizeof(nonce) + 1];
	char *text = NULL, *sechex = NULL;
	uint8_t *k = NULL;
	size_t textcap = KEYS_FILE_MAX;
	int ret = -ENOMEM, n;

	text = sodium_malloc(textcap);
	sechex = sodium_malloc(2 * sizeof(ct) + 1);
	if (text == NULL || sechex == NULL)
		goto fail;
	sodium_bin2hex(pubhex, sizeof(pubhex), kp->public, KEYS_PUBLIC_BYTES);
	if (passphrase == NULL) {
		sodium_bin2hex(sechex, 2 * KEYS_SEED_BYTES + 1,
		    kp->secret + KEYS_SEED_OFF, KEYS_SEED_BYTES);
		n = snprintf(text, textcap,
		    "%s\n# Keep this file secret.\n"
		    "key_id: %u\nscheme: %s\npublic: %s\nkdf: none\n"
		    "secret: %s\n", KEYS_MAGIC, kp->id,
		    keys_scheme_name(kp->scheme), pubhex, sechex);
	} else {
		unsigned long long opslimit = random ?
		    crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_MODERATE;
		size_t memlimit = random ? crypto_pwhash_MEMLIMIT_MIN :
		    crypto_pwhash_MEMLIMIT_MODERATE;

		if ((k = sodium_malloc(32)) == NULL)
			goto fail;
		randombytes_buf(salt, sizeof(salt));
		randombytes_buf(nonce, sizeof(nonce));
		if (crypto_pwhash(k, 32, passphrase, passlen, salt, opslimit,
		    memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
			goto fail;
		keys_aad(kp, aad);
		crypto_aead_xchacha20poly1305_ietf_encrypt(ct, NULL,
		    kp->secret + KEYS_SEED_OFF, KEYS_SEED_BYTES, aad,
		    sizeof(aad), NULL, nonce, k);
		sodium_bin2hex(salthex, sizeof(salthex), salt, sizeof(salt));
		sodium_bin2hex(noncehex, sizeof(noncehex), nonce, sizeof(nonce));
		sodium_bin2hex(sechex, 2 * sizeof(ct) + 1, ct, sizeof(ct));
		n = snprintf(text, textcap,
		    "%s\n# Encrypted with a passphrase (Argon2id13, "
		    "XChaCha20-Poly1305).\n"
		    "key_id: %u\nscheme: %s\npublic: %s\n"
		    "kdf: argon2id13 %llu %zu %s\nnonce: %s\nsecret: %s\n",
		    KEYS_MAGIC, kp->id, keys_scheme_name(kp->scheme), pubhex,
		    opslimit, memlimit, salthex, noncehex, sechex);
	}
	if (n < 0 || (size_t)n >= textcap) {
		ret = -EOVERFLOW;
		goto fail;
	}
	ret = fsutil_write_atomic(path, text, (size_t)n, 0600, 1);
fail:
	sodium_free(k);
	sodium_free(sechex);
	sodium_free(text);
	return ret;
}

/* Finds "name: value" in the file text; returns the value or NULL. */
static const char *
keys_field(const char *text, const char *name, size_t *vlen)
{
	size_t nlen = strlen(name);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t llen = eol ? (size_t)(eol - p) : strlen(p);

		if (llen > nlen + 1 && memcmp(p, name, nlen) == 0 &&
		    p[nlen] == ':' && p[nlen + 1] == ' ') {
			*vlen = llen - nlen - 2;
			while (*vlen > 0 && p[nlen + 2 + *vlen - 1] == '\r')
				(*vlen)--;
			return p + nlen + 2;
		}
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

/* Decodes exactly n bytes of hex. */
static int
keys_hex(uint8_t *out, size_t n, const char *hex, size_t hexlen)
{
	size_t got;

	if (hexlen != 2 * n)
		return -EINVAL;
	if (sodium_hex2bin(out, n, hex, hexlen, NULL, &got, NULL) != 0 ||
	    got != n)
		return -EINVAL;
	return 0;
}

/* Parses the kdf line "argon2id13 OPS MEM SALTHEX". */
static int
keys_parse_kdf(const char *v, size_t vlen, unsigned long long *ops,
    size_t *mem, uint8_t salt[crypto_pwhash_SALTBYTES])
{
	char line[160], salthex[2 * crypto_pwhash_SALTBYTES + 2];
	int consumed = 0;

	if (vlen >= sizeof(line))
		return -EINVAL;
	memcpy(line, v, vlen);
	line[vlen] = '\0';
	/* %33s fits salthex with its NUL; a longer salt fails "consumed". */
	if (sscanf(line, "argon2id13 %llu %zu %33s%n", ops, mem, salthex,
	    &consumed) != 3 || (size_t)consumed != vlen)
		return -EINVAL;
	if (*ops < crypto_pwhash_OPSLIMIT_MIN ||
	    *ops > (unsigned long long)crypto_pwhash_OPSLIMIT_SENSITIVE * 4 ||
	    *mem < crypto_pwhash_MEMLIMIT_MIN ||
	    /* The limits are unsigned int: widen before scaling (x4 wraps). */
	    *mem > (size_t)crypto_pwhash_MEMLIMIT_SENSITIVE * 4)
		return -EINVAL;
	return keys_hex(salt, crypto_pwhash_SALTBYTES, salthex, strlen(salthex));
}

/* Reads and decrypts a secret file. */
int
keys_load(const char *path, const char *passphrase, size_t passlen,
    struct keypair **out, const char **why)
{
	uint8_t pub[KEYS_PUBLIC_BYTES], salt[crypto_pwhash_SALTBYTES];
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	uint8_t ct[KEYS_SEED_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES];
	uint8_t aad[2 + KEYS_PUBLIC_BYTES];
	struct keypair *kp = NULL;
	const char *dummy, *v;
	char *text = NULL;
	uint8_t *k = NULL;
	size_t len, vlen;
	unsigned long id;
	char idbuf[8], schemebuf[16];
	int scheme, ret, fd = -1;
	struct stat st;

	if (why == NULL)
		why = &dummy;
	*out = NULL;
	*why = "cannot read key file";
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > KEYS_FILE_MAX) {
		ret = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		*why = "not a key file";
		goto fail;
	}
	if ((text = sodium_malloc(KEYS_FILE_MAX + 1)) == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	len = 0;
	for (;;) {
		ssize_t n = read(fd, text + len, KEYS_FILE_MAX - len);

		if (n < 0) {
			ret = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == KEYS_FILE_MAX)
			break;
	}
	text[len] = '\0';
	ret = -EINVAL;
	*why = "not a scanloop secret key file";
	if (len < sizeof(KEYS_MAGIC) || memcmp(text, KEYS_MAGIC "\n",
	    sizeof(KEYS_MAGIC)) != 0 || strlen(text) != len)
		goto fail;
	*why = "key file is damaged";
	if ((v = keys_field(text, "key_id", &vlen)) == NULL || vlen == 0 ||
	    vlen >= sizeof(idbuf))
		goto fail;
	memcpy(idbuf, v, vlen);
	idbuf[vlen] = '\0';
	if (strspn(idbuf, "0123456789") != vlen ||
	    (id = strtoul(idbuf, NULL, 10)) > 255)
		goto fail;
	if ((v = keys_field(text, "scheme", &vlen)) == NULL ||
	    vlen >= sizeof(schemebuf))
		goto fail;
	memcpy(schemebuf, v, vlen);
	schemebuf[vlen] = '\0';
	if ((scheme = keys_scheme_parse(schemebuf)) < 0)
		goto fail;
	if ((v = keys_field(text, "public", &vlen)) == NULL ||
	    keys_hex(pub, sizeof(pub), v, vlen) < 0)
		goto fail;
	if ((ret = keys_alloc((uint8_t)id, scheme, &kp)) < 0)
		goto fail;
	ret = -EINVAL;
	memcpy(kp->public, pub, sizeof(pub));
	if ((v = keys_field(text, "kdf", &vlen)) == NULL)
		goto fail;
	if (vlen == 4 && memcmp(v, "none", 4) == 0) {
		if ((v = keys_field(text, "secret", &vlen)) == NULL ||
		    keys_hex(kp->secret + KEYS_SEED_OFF, KEYS_SEED_BYTES, v,
		    vlen) < 0)
			goto fail;
	} else {
		unsigned long long ops;
		size_t mem;

		if (keys_parse_kdf(v, vlen, &ops, &mem, salt) < 0)
			goto fail;
		if ((v = keys_field(text, "nonce", &vlen)) == NULL ||
		    keys_hex(nonce, sizeof(nonce), v, vlen) < 0)
			goto fail;
		if ((v = keys_field(text, "secret", &vlen)) == NULL ||
		    keys_hex(ct, sizeof(ct), v, vlen) < 0)
			goto fail;
		if (passphrase == NULL) {
			*why = "key is protected by a passphrase "
			    "(give --passphrase-file)";
			ret = -EPERM;
			goto fail;
		}
		if ((k = sodium_malloc(32)) == NULL) {
			ret = -ENOMEM;
			goto fail;
		}
		if (crypto_pwhash(k, 32, passphrase, passlen, salt, ops, mem,
		    crypto_pwhash_ALG_ARGON2ID13) != 0) {
			ret = -ENOMEM;
			*why = "not enough memory for the key derivation";
			goto fail;
		}
		keys_aad(kp, aad);
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    kp->secret + KEYS_SEED_OFF, NULL, NULL, ct, sizeof(ct),
		    aad, sizeof(aad), nonce, k) != 0) {
			*why = "wrong passphrase, or the key file was altered";
			ret = -EPERM;
			goto fail;
		}
	}
	keys_derive(kp);
	if (sodium_memcmp(kp->public, pub, sizeof(pub)) != 0) {
		*why = "key file's public key does not match its secret";
		goto fail;
	}
	*why = NULL;
	*out = kp;
	kp = NULL;
	ret = 0;
fail:
	keys_free(kp);
	sodium_free(k);
	sodium_free(text);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Computes the tag of a code. */
void
keys_sign(const struct keypair *kp, struct code *c)
{
	uint8_t msg[CODE_MSG_BYTES];

	c->version = CODE_VERSION;
	c->scheme = kp->scheme;
	c->key_id = kp->id;
	c->tag_len = (uint8_t)code_tag_len(kp->scheme);
	code_message(c, msg);
	keys_sign_bytes(kp, msg, sizeof(msg), c->tag);
}

/* An Ed25519 signature, or the MAC truncated to CODE_MAC_TAG_BYTES. */
void
keys_sign_bytes(const struct keypair *kp, const uint8_t *msg, size_t len,
    uint8_t tag[CODE_TAG_MAX])
{
	if (kp->scheme == CODE_SCHEME_ED25519) {
		crypto_sign_detached(tag, NULL, msg, len,
		    kp->secret + KEYS_SK_OFF);
	} else {
		uint8_t h[16];

		crypto_generichash(h, sizeof(h), msg, len,
		    kp->secret + KEYS_SK_OFF, 32);
		memcpy(tag, h, CODE_MAC_TAG_BYTES);
	}
}

/* Full Ed25519 verification. */
int
keys_verify_ed25519(const uint8_t public[KEYS_PUBLIC_BYTES],
    const struct code *c)
{
	uint8_t msg[CODE_MSG_BYTES];

	if (c->scheme != CODE_SCHEME_ED25519 ||
	    c->tag_len != CODE_ED25519_TAG_BYTES)
		return -EBADMSG;
	code_message(c, msg);
	if (crypto_sign_verify_detached(c->tag, msg, sizeof(msg), public) != 0)
		return -EBADMSG;
	return 0;
}

/* MAC verification in constant time. */
int
keys_verify_mac(const uint8_t key[32], const struct code *c)
{
	uint8_t msg[CODE_MSG_BYTES], h[16];

	if (c->scheme != CODE_SCHEME_MAC || c->tag_len != CODE_MAC_TAG_BYTES)
		return -EBADMSG;
	code_message(c, msg);
	crypto_generichash(h, sizeof(h), msg, sizeof(msg), key, 32);
	return sodium_memcmp(h, c->tag, CODE_MAC_TAG_BYTES) == 0 ? 0 : -EBADMSG;
}

/* Reads the first line of a passphrase file. */
int
keys_read_passphrase(const char *path, char **passp, size_t *lenp,
    const char **why)
{
	char *pass = NULL;
	size_t len = 0;
	int fd, ret;

	*why = "cannot read passphrase file";
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if ((pass = sodium_malloc(KEYS_PASSPHRASE_MAX + 1)) == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	for (;;) {
		ssize_t n = read(fd, pass + len, KEYS_PASSPHRASE_MAX - len);

		if (n < 0) {
			ret = -errno;
			goto fail;
		}
		if (n == 0 || (len += (size_t)n) == KEYS_PASSPHRASE_MAX)
			break;
	}
	pass[len] = '\0';
	len = strcspn(pass, "\r\n");
	pass[len] = '\0';
	if (len == 0) {
		*why = "passphrase file is empty";
		ret = -EINVAL;
		goto fail;
	}
	close(fd);
	*passp = pass;
	*lenp = len;
	return 0;
fail:
	sodium_free(pass);
	close(fd);
	return ret;
}

/* Makes a random passphrase (32 bytes as 64 hex digits) and writes it to
 * path (mode 0600, never over an existing file). */
int
keys_passphrase_new(const char *path, char **passp, size_t *lenp)
{
	const size_t len = 2 * KEYS_PASSPHRASE_RANDOM_BYTES;
	uint8_t raw[KEYS_PASSPHRASE_RANDOM_BYTES];
	char *pass;
	int ret;

	if ((pass = sodium_malloc(len + 2)) == NULL)
		return -ENOMEM;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(pass, len + 1, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	pass[len] = '\n';
	ret = fsutil_write_atomic(path, pass, len + 1, 0600, 1);
	pass[len] = '\0';
	if (ret < 0) {
		sodium_free(pass);
		return ret;
	}
	*passp = pass;
	*lenp = len;
	return 0;
}

/* Frees (and wipes) a passphrase. */
void
keys_free_passphrase(char *pass)
{
	sodium_free(pass);
}

#define KEYS_SERVER_MAGIC "scanloop-server-secret v1"

/* Loads or creates the server's secrets. */
int
keys_server_secrets(const char *path, bool create, struct server_secrets **out,
    const char **why)
{
	struct server_secrets *sec = NULL;
	char *text = NULL, hex1[65], hex2[65];
	const char *v;
	size_t vlen;
	int fd = -1, ret, n;
	ssize_t got;

	*out = NULL;
	*why = "cannot read the server secrets";
	if ((sec = sodium_malloc(sizeof(*sec))) == NULL ||
	    (text = sodium_malloc(KEYS_FILE_MAX + 1)) == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		randombytes_buf(sec, sizeof(*sec));
		sodium_bin2hex(hex1, sizeof(hex1), sec->drawcode, 32);
		sodium_bin2hex(hex2, sizeof(hex2), sec->claim, 32);
		n = snprintf(text, KEYS_FILE_MAX, "%s\n# The scan server's keys: "
		    "draw-code hashing, claim tokens. Keep secret;\n# mint "
		    "--draw-codes and serve must use the same file.\n"
		    "drawcode: %s\nclaim: %s\n", KEYS_SERVER_MAGIC, hex1, hex2);
		sodium_memzero(hex1, sizeof(hex1));
		sodium_memzero(hex2, sizeof(hex2));
		ret = fsutil_write_atomic(path, text, (size_t)n, 0600, 1);
		if (ret == 0)
			goto done;
		if (ret != -EEXIST) {
			*why = "cannot create the server secrets file";
			goto fail;
		}
		/* Another process made it first: read theirs. */
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	got = read(fd, text, KEYS_FILE_MAX);
	if (got < 0) {
		ret = -errno;
		goto fail;
	}
	text[got] = '\0';
	ret = -EINVAL;
	*why = "the server secrets file is damaged";
	if (strncmp(text, KEYS_SERVER_MAGIC "\n", sizeof(KEYS_SERVER_MAGIC)) != 0)
		goto fail;
	if ((v = keys_field(text, "drawcode", &vlen)) == NULL ||
	    keys_hex(sec->drawcode, 32, v, vlen) < 0)
		goto fail;
	if ((v = keys_field(text, "claim", &vlen)) == NULL ||
	    keys_hex(sec->claim, 32, v, vlen) < 0)
		goto fail;
done:
	sodium_mprotect_readonly(sec);
	*why = NULL;
	*out = sec;
	sec = NULL;
	ret = 0;
fail:
	if (fd >= 0)
		close(fd);
	sodium_free(text);
	sodium_free(sec);
	return ret;
}

/* Frees the server secrets. */
void
keys_server_secrets_free(struct server_secrets *s)
{
	sodium_free(s);
}
