/*
 * gen_corpus.c — writes the seed corpora of the fuzz targets.
 *
 *   ninja -C BUILD tests/fuzz/gen_corpus
 *   BUILD/tests/fuzz/gen_corpus tests/fuzz/corpus
 *
 * Codes are made from fixed seed keys and fixed serials; the randomness
 * that sealing and key files need comes from the harnesses' deterministic
 * generator, so running it again writes the same files. Existing files of
 * the same names are replaced; other files (crash inputs that fuzzing found
 * and that were added by hand) are left alone.
 */
#include "fuzz.h"
#include "gen_corpus.h"
#include "codegen/code.h"
#include "codegen/job.h"
#include "codegen/keys.h"
#include "codegen/render.h"
#include "common/buf.h"
#include "common/fsutil.h"

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GEN_GTIN "04006381333931"
#define GEN_KDF_OPS 1ULL
#define GEN_KDF_MEM 8192

static const char *gen_root;
static int gen_count;

/* Writes one seed file root/target/name. */
void
gen_put(const char *target, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", gen_root, target);
	FUZZ_CHECK(fsutil_mkdirs(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/%s/%s", gen_root, target, name);
	fuzz_write_file(path, data, len);
	chmod(path, 0644);
	gen_count++;
}

/* Writes one text seed. */
void
gen_puts(const char *target, const char *name, const char *text)
{
	gen_put(target, name, text, strlen(text));
}

/* Makes a signed code with a fixed serial. */
static void
gen_code(const struct keypair *kp, const char *gtin, uint8_t serial_byte,
    struct code *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->gtin, gtin, GTIN_LEN + 1);
	for (int i = 0; i < CODE_SERIAL_BYTES; i++)
		c->serial[i] = (uint8_t)(serial_byte + 37 * i);
	keys_sign(kp, c);
}

/* Seeds of the code text parser. */
static void
gen_code_parse(const struct keypair *ed, const struct keypair *mac)
{
	char text[CODE_TEXT_MAX + 1], v[2 * CODE_TEXT_MAX];
	char serial[CODE_SERIAL_CHARS + 1];
	struct code c, m;
	const char *q, *path;
	size_t n;

	gen_code(ed, GEN_GTIN, 1, &c);
	gen_code(mac, "00000096385074", 2, &m);
	FUZZ_CHECK(code_format(&c, CODE_DEFAULT_BASE_URL, text,
	    sizeof(text)) > 0);
	gen_puts("code_parse", "ed25519-default", text);
	q = strchr(text, '?');
	path = text + strlen(CODE_DEFAULT_BASE_URL);
	gen_puts("code_parse", "ed25519-path-only", path);
	/* Lowercase, whitespace, a foreign parameter and a fragment. */
	snprintf(v, sizeof(v), "  %s&from=timeline#top\r\n", text);
	for (char *p = v; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	gen_puts("code_parse", "ed25519-lowercase-shared", v);
	snprintf(v, sizeof(v), "%.*s?utm_source=x&%s", (int)(q - text), text,
	    q + 1);
	gen_puts("code_parse", "ed25519-param-first", v);
	/* Rejected: two S parameters, a flipped trailing bit, a bad GTIN. */
	snprintf(v, sizeof(v), "%s&S=%s", text, q + 3);
	gen_puts("code_parse", "reject-two-signatures", v);
	snprintf(v, sizeof(v), "%s", text);
	n = strlen(v);
	v[n - 1] = v[n - 1] == 'A' ? 'B' : 'A';
	gen_puts("code_parse", "reject-trailing-bits", v);
	snprintf(v, sizeof(v), "%s", text);
	v[strlen(CODE_DEFAULT_BASE_URL) + 4 + 13] ^= 1;
	gen_puts("code_parse", "reject-gtin-check-digit", v);
	snprintf(v, sizeof(v), "%.*s", (int)(q - text), text);
	gen_puts("code_parse", "reject-no-query", v);
	snprintf(v, sizeof(v), "%s", text);
	v[q - text - 1] = '1';		/* the serial's last character */
	gen_puts("code_parse", "reject-serial-bad-char", v);
	snprintf(v, sizeof(v), "%.*s?S=", (int)(q - text), text);
	gen_puts("code_parse", "reject-empty-signature", v);
	snprintf(v, sizeof(v), "%s", text);
	v[q - text + 3] = '0';
	gen_puts("code_parse", "reject-bad-base32-char", v);
	snprintf(v, sizeof(v), "%s", text);
	v[q - text + 3] = 'E';		/* header 0x21: version 2 */
	gen_puts("code_parse", "reject-version-2", v);
	snprintf(v, sizeof(v), "%s", text);
	v[20] = '\0';
	v[21] = 'X';
	gen_put("code_parse", "reject-nul-byte", v, strlen(text));

	FUZZ_CHECK(code_format(&m, CODE_DEFAULT_BASE_URL, text,
	    sizeof(text)) > 0);
	gen_puts("code_parse", "mac-default", text);
	/* A GTIN-8 spelled short, a port and a path prefix, plain http. */
	q = strstr(text, "/21/");
	snprintf(v, sizeof(v), "https://example.org:8443/p/q/01/96385074%s", q);
	gen_puts("code_parse", "mac-gtin8-port-prefix", v);
	snprintf(v, sizeof(v), "http://localhost/01/0096385074%s", q);
	gen_puts("code_parse", "reject-gtin-10-digits", v);
	snprintf(v, sizeof(v), "http://localhost/01/000096385074%s", q);
	gen_puts("code_parse", "mac-gtin12-http", v);
	FUZZ_CHECK(code_format(&m, "HTTPS://A.B-C.D:1/X-Y_Z~", text,
	    sizeof(text)) > 0);
	gen_puts("code_parse", "mac-odd-base", text);
	/* GS1 Digital Link forms of the same code (code-format.md 9.1). */
	code_serial_text(m.serial, serial);
	q = strstr(text, "?S=") + 3;
	snprintf(v, sizeof(v), "https://s.example.com.:443/01/96385074/22/2A/"
	    "10/L%%2F1/21/%s?17=261231&s=20&S=%s", serial, q);
	gen_puts("code_parse", "gs1-qualifiers-attributes", v);
	n = (size_t)snprintf(v, sizeof(v), "/01/00000096385074/21/");
	for (size_t i = 0; i < CODE_SERIAL_CHARS; i++)
		n += (size_t)snprintf(v + n, sizeof(v) - n, "%%%02X",
		    (unsigned char)serial[i]);
	snprintf(v + n, sizeof(v) - n, "?%%53=%s", q);
	gen_puts("code_parse", "gs1-percent-encoded", v);
	gen_puts("code_parse", "gs1-product-235",
	    "https://a/01/09506000134352/235/TPX?10=L1&3103=000195");
	gen_puts("code_parse", "gs1-reject-duplicate-ai",
	    "/01/09506000134352/10/A/21/AERUKZ4JVPG66?S=X&10=A");
	gen_puts("code_parse", "gs1-reject-unknown-ai",
	    "/01/09506000134352?99=X&89=Y");
	gen_puts("code_parse", "gs1-reject-order",
	    "/01/09506000134352/21/AERUKZ4JVPG66/10/L?S=X");
	/* Signature of one scheme with the other's header. */
	{
		struct code x = m;

		x.scheme = CODE_SCHEME_ED25519;
		FUZZ_CHECK(code_format(&x, CODE_DEFAULT_BASE_URL, text,
		    sizeof(text)) > 0);
		gen_puts("code_parse", "reject-scheme-length", text);
	}
	code_serial_text(c.serial, serial);
	gen_puts("code_parse", "serial-only", serial);
	gen_puts("code_parse", "base-url-only", "https://s.example.com/");
	gen_puts("code_parse", "base32-alphabet",
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcdefghijklmnopqrstuvwxyz");
	gen_puts("code_parse", "gtin-13", "4006381333931");
	gen_puts("code_parse", "empty", "");
	gen_puts("code_parse", "whitespace", " \t\r\n\v\f");
	gen_puts("code_parse", "reject-no-host", "https:///01/1/21/2?S=3");
	/* host_off is 16 bits: 65,530 spaces before a valid code. */
	{
		size_t pad = 65530, tl;
		char *big;

		FUZZ_CHECK(code_format(&c, CODE_DEFAULT_BASE_URL, text,
		    sizeof(text)) > 0);
		tl = strlen(text);
		FUZZ_CHECK((big = malloc(pad + tl)) != NULL);
		memset(big, ' ', pad);
		memcpy(big + pad, text, tl);
		gen_put("code_parse", "regress-host-off-leading-spaces", big,
		    pad + tl);
		free(big);
	}
	memset(v, 'A', CODE_TEXT_MAX + 1);
	memcpy(v, "HTTPS://", 8);
	gen_put("code_parse", "reject-too-long", v, CODE_TEXT_MAX + 1);
}

/* Writes a key file with a passphrase and small Argon2id parameters. */
static void
gen_key_small_kdf(const char *name, const struct keypair *kp,
    const char *pass, const char *scheme)
{
	uint8_t salt[crypto_pwhash_SALTBYTES], k[32];
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	uint8_t ct[KEYS_SEED_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES];
	uint8_t aad[2 + KEYS_PUBLIC_BYTES];
	char pub[65], salthex[2 * sizeof(salt) + 1];
	char noncehex[2 * sizeof(nonce) + 1], cthex[2 * sizeof(ct) + 1];
	char text[KEYS_FILE_MAX];

	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(nonce, sizeof(nonce));
	FUZZ_CHECK(crypto_pwhash(k, sizeof(k), pass, strlen(pass), salt,
	    GEN_KDF_OPS, GEN_KDF_MEM, crypto_pwhash_ALG_ARGON2ID13) == 0);
	aad[0] = kp->id;
	aad[1] = kp->scheme;
	memcpy(aad + 2, kp->public, KEYS_PUBLIC_BYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, NULL, kp->secret,
	    KEYS_SEED_BYTES, aad, sizeof(aad), NULL, nonce, k);
	sodium_bin2hex(pub, sizeof(pub), kp->public, KEYS_PUBLIC_BYTES);
	sodium_bin2hex(salthex, sizeof(salthex), salt, sizeof(salt));
	sodium_bin2hex(noncehex, sizeof(noncehex), nonce, sizeof(nonce));
	sodium_bin2hex(cthex, sizeof(cthex), ct, sizeof(ct));
	snprintf(text, sizeof(text), "scanloop-secret-key v1\n"
	    "# Encrypted with a passphrase (Argon2id13, XChaCha20-Poly1305).\n"
	    "key_id: %u\nscheme: %s\npublic: %s\n"
	    "kdf: argon2id13 %llu %d %s\nnonce: %s\nsecret: %s\n",
	    kp->id, scheme, pub, GEN_KDF_OPS, GEN_KDF_MEM, salthex, noncehex,
	    cthex);
	gen_puts("key_file", name, text);
}

/* Reads back a file keys_save wrote, as a seed. */
static void
gen_key_saved(const char *tmp, const char *name, const struct keypair *kp,
    const char *pass, char *text, size_t cap)
{
	char path[PATH_MAX];
	char *buf;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	unlink(path);
	FUZZ_CHECK(keys_save(kp, path, pass, pass ? strlen(pass) : 0) == 0);
	FUZZ_CHECK(fsutil_read_file(path, KEYS_FILE_MAX, &buf, &len) == 0);
	gen_put("key_file", name, buf, len);
	FUZZ_CHECK(len < cap);
	memcpy(text, buf, len + 1);
	free(buf);
	unlink(path);
}

/* Replaces the first occurrence of from in a copy of text with to. */
static void
gen_key_edit(const char *name, const char *text, const char *from,
    const char *to)
{
	char out[KEYS_FILE_MAX + 64];
	const char *at = strstr(text, from);

	FUZZ_CHECK(at != NULL);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - text), text, to,
	    at + strlen(from));
	gen_puts("key_file", name, out);
}

/* Seeds of the key file parser. */
static void
gen_key_file(const char *tmp, const struct keypair *ed,
    const struct keypair *mac, const struct keypair *box)
{
	char ed_plain[KEYS_FILE_MAX + 1], other[KEYS_FILE_MAX + 1];
	char crlf[2 * KEYS_FILE_MAX];
	size_t o = 0;

	gen_key_saved(tmp, "ed25519-plain", ed, NULL, ed_plain,
	    sizeof(ed_plain));
	gen_key_saved(tmp, "mac-plain", mac, NULL, other, sizeof(other));
	gen_key_saved(tmp, "box-plain", box, NULL, other, sizeof(other));
	/* What keys_save writes with a passphrase (moderate Argon2id: the
	 * harness parses it but skips the derivation). */
	gen_key_saved(tmp, "ed25519-passphrase-moderate", ed, FUZZ_PASSPHRASE,
	    other, sizeof(other));
	gen_key_small_kdf("ed25519-passphrase", ed, FUZZ_PASSPHRASE, "ed25519");
	gen_key_small_kdf("mac-passphrase", mac, FUZZ_PASSPHRASE, "mac");
	gen_key_small_kdf("box-passphrase", box, FUZZ_PASSPHRASE, "x25519-box");
	gen_key_small_kdf("ed25519-wrong-passphrase", ed, "not the one",
	    "ed25519");
	gen_key_small_kdf("reject-scheme-changed", ed, FUZZ_PASSPHRASE, "mac");
	for (const char *p = ed_plain; *p != '\0'; p++) {
		if (*p == '\n')
			crlf[o++] = '\r';
		crlf[o++] = *p;
	}
	crlf[o] = '\0';
	gen_puts("key_file", "ed25519-crlf", crlf);
	gen_key_edit("reject-public-mismatch", ed_plain, "public: ",
	    "public: 00");
	gen_key_edit("reject-key-id-256", ed_plain, "key_id: 1", "key_id: 256");
	gen_key_edit("reject-unknown-scheme", ed_plain, "scheme: ed25519",
	    "scheme: rsa");
	gen_key_edit("reject-no-kdf", ed_plain, "kdf: none\n", "");
	gen_key_edit("reject-kdf-ops-0", ed_plain, "kdf: none",
	    "kdf: argon2id13 0 8192 00000000000000000000000000000000\n"
	    "nonce: 000000000000000000000000000000000000000000000000");
	gen_key_edit("reject-salt-too-long", ed_plain, "kdf: none",
	    "kdf: argon2id13 1 8192 0000000000000000000000000000000000");
	gen_key_edit("reject-kdf-huge-memory", ed_plain, "kdf: none",
	    "kdf: argon2id13 1 18446744073709551615 "
	    "00000000000000000000000000000000");
	gen_key_edit("reject-secret-odd-hex", ed_plain, "secret: ", "secret: 0");
	gen_puts("key_file", "magic-only", "scanloop-secret-key v1\n");
	gen_puts("key_file", "empty", "");
	{
		char nul[] = "scanloop-secret-key v1\nkey_id: 1\0\nscheme: mac\n";

		gen_put("key_file", "reject-nul-byte", nul, sizeof(nul) - 1);
	}
	{
		char big[KEYS_FILE_MAX + 1];

		memset(big, '#', sizeof(big));
		memcpy(big, ed_plain, strlen(ed_plain));
		gen_put("key_file", "reject-too-big", big, sizeof(big));
	}
}

/* Appends a structured job record (see fuzz_job_open.c). */
static void
gen_rec(struct buf *b, int type, const char *path, size_t plen,
    const void *data, size_t dlen)
{
	uint8_t h[2] = { (uint8_t)(dlen >> 8), (uint8_t)dlen };
	uint8_t t[2] = { (uint8_t)type, (uint8_t)plen };

	FUZZ_CHECK(plen < 256 && dlen < 65536);
	FUZZ_CHECK(buf_append(b, t, 2) == 0);
	FUZZ_CHECK(buf_append(b, path, plen) == 0);
	FUZZ_CHECK(buf_append(b, h, 2) == 0);
	FUZZ_CHECK(buf_append(b, data, dlen) == 0);
}

/* Appends a structured record with a C-string path. */
static void
gen_srec(struct buf *b, int type, const char *path, const char *data)
{
	gen_rec(b, type, path, strlen(path), data, strlen(data));
}

/* Appends a raw plaintext record (u16 BE length || plaintext). */
static void
gen_raw(struct buf *b, int type, const char *path, const void *data,
    size_t dlen, long fix)
{
	size_t plen = strlen(path), len = 7 + plen + dlen;
	size_t hdlen = (size_t)((long)dlen + fix);
	uint8_t h[9] = { (uint8_t)(len >> 8), (uint8_t)len, (uint8_t)type,
	    (uint8_t)(plen >> 8), (uint8_t)plen, (uint8_t)(hdlen >> 24),
	    (uint8_t)(hdlen >> 16), (uint8_t)(hdlen >> 8), (uint8_t)hdlen };

	FUZZ_CHECK(buf_append(b, h, sizeof(h)) == 0);
	FUZZ_CHECK(buf_append(b, path, plen) == 0);
	FUZZ_CHECK(buf_append(b, data, dlen) == 0);
}

/* Writes a job seed: flags, [flip offset], body. */
static void
gen_job(const char *name, int flags, unsigned flip, const struct buf *body)
{
	struct buf b = { 0 };
	uint8_t f = (uint8_t)flags;
	uint8_t off[2] = { (uint8_t)(flip >> 8), (uint8_t)flip };

	FUZZ_CHECK(buf_append(&b, &f, 1) == 0);
	if (flags & 0x20)
		FUZZ_CHECK(buf_append(&b, off, 2) == 0);
	FUZZ_CHECK(buf_append(&b, body->data, body->len) == 0);
	gen_put("job_open", name, b.data, b.len);
	buf_free(&b);
}

/* Seeds of the sealed job reader. */
static void
gen_job_open(const char *tmp, const struct keypair *ed,
    const struct keypair *box)
{
	static const char manifest[] = "{\"batch_id\": 1, \"product\": \""
	    GEN_GTIN "\", \"key_id\": 1, \"scheme\": \"ed25519\", "
	    "\"count\": 2}\n";
	struct render_opts ro = { RENDER_DEFAULT_MODULE_PX, RENDER_QUIET_ZONE };
	char text[CODE_TEXT_MAX + 1], csv[4 * CODE_TEXT_MAX];
	char serial[CODE_SERIAL_CHARS + 1], pngname[64], path[PATH_MAX];
	struct buf png = { 0 }, typical = { 0 }, b = { 0 };
	struct code c;
	struct job *j;
	QRcode *qr;
	const char *why;
	char *sealed;
	size_t len;
	int n = 0;

	/* A typical job: codes.csv appended, a manifest, one PNG. */
	n = snprintf(csv, sizeof(csv), "seq,serial,url\r\n");
	for (int i = 1; i <= 2; i++) {
		gen_code(ed, GEN_GTIN, (uint8_t)i, &c);
		FUZZ_CHECK(code_format(&c, CODE_DEFAULT_BASE_URL, text,
		    sizeof(text)) > 0);
		code_serial_text(c.serial, serial);
		n += snprintf(csv + n, sizeof(csv) - (size_t)n, "%d,%s,%s\r\n",
		    i, serial, text);
	}
	FUZZ_CHECK(render_qr(text, QR_ECLEVEL_M, &qr) == 0);
	FUZZ_CHECK(render_png(qr, &ro, &png) == 0);
	QRcode_free(qr);
	snprintf(pngname, sizeof(pngname), "png/%s.png", serial);
	gen_srec(&typical, 'D', "png", "");
	gen_srec(&typical, 'A', "codes.csv", csv);
	gen_rec(&typical, 'F', pngname, strlen(pngname), png.data, png.len);
	gen_srec(&typical, 'F', "manifest.json", manifest);
	gen_job("typical", 0, 0, &typical);
	gen_job("reject-bad-count", 0x04, 0, &typical);
	gen_job("reject-no-end", 0x08, 0, &typical);
	gen_job("reject-other-key", 0x10, 0, &typical);
	gen_job("reject-flip-pk", 0x20, 8 + 3, &typical);
	gen_job("reject-flip-sealed-key", 0x20, 40 + 5 + (2u << 13), &typical);
	gen_job("reject-flip-stream-header", 0x20, 120 + 1, &typical);
	gen_job("reject-flip-length", 0x20, 144 + 3 + (4u << 13), &typical);
	gen_job("reject-flip-ciphertext", 0x20, 300 + (7u << 13), &typical);
	gen_job("reject-trailing", 0x40, 0, &typical);
	gen_job("reject-end-first", 0x80, 0, &typical);
	buf_reset(&b);
	gen_job("empty-job", 0, 0, &b);
	gen_job("empty-end-first", 0x80, 0, &b);
	buf_reset(&b);
	gen_srec(&b, 'A', "codes.csv", "seq,serial,url\r\n");
	gen_srec(&b, 'A', "codes.csv", "1,AAAAAAAAAAAAA,X\r\n");
	gen_srec(&b, 'A', "b", "x");
	gen_srec(&b, 'A', "c", "y");
	gen_srec(&b, 'A', "codes.csv", "2,AAAAAAAAAAAAB,Y\r\n");
	gen_srec(&b, 'A', "d", "z");
	gen_job("appends-4-files", 0, 0, &b);
	gen_srec(&b, 'A', "e", "!");
	gen_job("reject-appends-5-files", 0, 0, &b);
	buf_reset(&b);
	gen_srec(&b, 'D', "d", "");
	gen_srec(&b, 'D', "d", "");
	gen_job("reject-dir-twice", 0, 0, &b);
	buf_reset(&b);
	gen_srec(&b, 'D', "no/parent", "");
	gen_job("reject-dir-no-parent", 0, 0, &b);
	buf_reset(&b);
	gen_srec(&b, 'D', "a", "");
	gen_srec(&b, 'D', "a/b", "");
	gen_srec(&b, 'F', "a/b/c.txt", "deep");
	gen_srec(&b, 'F', "a/.hidden", "");
	gen_srec(&b, 'F', "a/..b", "dots in a name");
	gen_job("nested-dirs", 0, 0, &b);
	/* Unsafe or impossible paths: every one must be refused. */
	{
		static const char *bad[] = { "../escape", "/abs", "a/../../x",
		    ".", "..", "a//b", "a/", "sp ace", "png/..", "./x",
		    "back\\slash" };
		char nm[64];

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			buf_reset(&b);
			gen_srec(&b, 'F', bad[i], "pwned");
			snprintf(nm, sizeof(nm), "reject-path-%zu", i);
			gen_job(nm, 0, 0, &b);
		}
		buf_reset(&b);
		gen_rec(&b, 'F', "ok\0/../../x", 11, "pwned", 5);
		gen_job("reject-path-nul", 0, 0, &b);
		buf_reset(&b);
		gen_rec(&b, 'F', "", 0, "x", 1);
		gen_job("reject-path-empty", 0, 0, &b);
	}
	buf_reset(&b);
	gen_srec(&b, 'F', "x", "1");
	gen_srec(&b, 'F', "x", "2");
	gen_job("reject-duplicate-file", 0, 0, &b);
	buf_reset(&b);
	gen_srec(&b, 'F', "x", "1");
	gen_srec(&b, 'D', "x/y", "");
	gen_job("reject-file-as-dir", 0, 0, &b);
	buf_reset(&b);
	gen_srec(&b, 'D', "x", "");
	gen_srec(&b, 'A', "x", "1");
	gen_job("reject-append-to-dir", 0, 0, &b);
	buf_reset(&b);
	gen_srec(&b, 'X', "x", "1");
	gen_job("reject-record-type", 0, 0, &b);
	buf_reset(&b);
	{
		char longp[300];

		memset(longp, 'p', sizeof(longp));
		gen_rec(&b, 'F', longp, 255, "x", 1);
		gen_job("path-255", 0, 0, &b);
	}
	/* Raw records: the fuzzer writes the headers. */
	buf_reset(&b);
	gen_raw(&b, 'F', "f", "data", 4, 0);
	gen_raw(&b, 'E', "", "\0\0\0\0\0\0\0\1", 8, 0);
	gen_job("raw-valid", 0x02, 0, &b);
	buf_reset(&b);
	gen_raw(&b, 'F', "f", "data", 4, 1);
	gen_raw(&b, 'E', "", "\0\0\0\0\0\0\0\1", 8, 0);
	gen_job("raw-reject-layout", 0x02, 0, &b);
	buf_reset(&b);
	gen_raw(&b, 'F', "f", "data", 4, 0);
	gen_raw(&b, 'E', "", "\0\0\0\0\0\0\0\1", 8, 0);
	gen_raw(&b, 'E', "", "\0\0\0\0\0\0\0\2", 8, 0);
	gen_job("raw-reject-end-not-final", 0x02, 0, &b);
	buf_reset(&b);
	gen_raw(&b, 'F', "f", "data", 4, 0);
	gen_job("raw-reject-final-not-end", 0x02, 0, &b);
	buf_reset(&b);
	gen_raw(&b, 'E', "", "\0\0\0\0\0\0\0", 7, 0);
	gen_job("raw-reject-end-short", 0x02, 0, &b);
	buf_reset(&b);
	FUZZ_CHECK(buf_append(&b, "\0\3F\0\1", 5) == 0);
	gen_job("raw-reject-record-size", 0x02, 0, &b);

	/* A whole sealed job as job.c writes it, fed as the raw file. */
	snprintf(path, sizeof(path), "%s/sealed-job", tmp);
	FUZZ_CHECK(job_create(path, box->public, &j, &why) == 0);
	FUZZ_CHECK(job_mkdir(j, "png") == 0);
	FUZZ_CHECK(job_append(j, "codes.csv", csv, strlen(csv)) == 0);
	FUZZ_CHECK(job_put(j, pngname, png.data, png.len) == 0);
	FUZZ_CHECK(job_put(j, "manifest.json", manifest, strlen(manifest)) ==
	    0);
	FUZZ_CHECK(job_commit(j) == 0);
	snprintf(path, sizeof(path), "%s/sealed-job/" JOB_SEALED_NAME, tmp);
	FUZZ_CHECK(fsutil_read_file(path, 1 << 20, &sealed, &len) == 0);
	buf_reset(&b);
	FUZZ_CHECK(buf_append(&b, sealed, len) == 0);
	gen_job("raw-file-sealed-job", 0x01, 0, &b);
	b.len = len / 2;
	gen_job("raw-file-truncated", 0x01, 0, &b);
	b.len = 8;
	gen_job("raw-file-magic-only", 0x01, 0, &b);
	free(sealed);
	snprintf(path, sizeof(path), "%s/sealed-job", tmp);
	fsutil_rmtree(path);
	buf_free(&b);
	buf_free(&typical);
	buf_free(&png);
}

/* Writes every corpus under argv[1]. */
int
main(int argc, char **argv)
{
	static const uint8_t box_seed[KEYS_SEED_BYTES] = FUZZ_BOX_SEED;
	uint8_t seed[KEYS_SEED_BYTES];
	struct keypair *ed = NULL, *mac = NULL, *box = NULL;
	const char *tmp;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
		return 2;
	}
	gen_root = argv[1];
	fuzz_rng_install();
	FUZZ_CHECK(sodium_init() >= 0);
	tmp = fuzz_tmpdir();
	for (int i = 0; i < KEYS_SEED_BYTES; i++)
		seed[i] = (uint8_t)i;
	FUZZ_CHECK(keys_from_seed(1, CODE_SCHEME_ED25519, seed, &ed) == 0);
	seed[0] = 0xff;
	FUZZ_CHECK(keys_from_seed(2, CODE_SCHEME_MAC, seed, &mac) == 0);
	FUZZ_CHECK(keys_from_seed(0, KEYS_SCHEME_BOX, box_seed, &box) == 0);
	gen_code_parse(ed, mac);
	gen_key_file(tmp, ed, mac, box);
	gen_job_open(tmp, ed, box);
	gen_campaign_parse();
	gen_drawlog(tmp);
	gen_statement();
	keys_free(ed);
	keys_free(mac);
	keys_free(box);
	printf("%d seed files written under %s\n", gen_count, gen_root);
	return 0;
}
