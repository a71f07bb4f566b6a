/* code.c — formatting and parsing the signed GS1 Digital Link text. */
#include "codegen/code.h"
#include "codegen/base32.h"
#include "codegen/gs1.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define CODE_SIG_MAX_BYTES (2 + CODE_TAG_MAX)
#define CODE_CHECK_DOMAIN "SCANLOOP1-CHECK"

/* Tag length per scheme. */
size_t
code_tag_len(int scheme)
{
	switch (scheme) {
	case CODE_SCHEME_ED25519:
		return CODE_ED25519_TAG_BYTES;
	case CODE_SCHEME_MAC:
		return CODE_MAC_TAG_BYTES;
	default:
		return 0;
	}
}

/* Scheme name for display. */
const char *
code_scheme_name(int scheme)
{
	switch (scheme) {
	case CODE_SCHEME_ED25519:
		return "ed25519";
	case CODE_SCHEME_MAC:
		return "mac";
	default:
		return NULL;
	}
}

/* Scheme from its name. */
int
code_scheme_parse(const char *name)
{
	if (strcasecmp(name, "ed25519") == 0)
		return CODE_SCHEME_ED25519;
	if (strcasecmp(name, "mac") == 0)
		return CODE_SCHEME_MAC;
	return -EINVAL;
}

/* "SCANLOOP1" || header || key_id || GTIN || serial. */
void
code_message(const struct code *c, uint8_t msg[CODE_MSG_BYTES])
{
	size_t o = 0;

	memcpy(msg, CODE_MSG_DOMAIN, 9);
	o += 9;
	msg[o++] = (uint8_t)(c->version << 4 | c->scheme);
	msg[o++] = c->key_id;
	memcpy(msg + o, c->gtin, GTIN_LEN);
	o += GTIN_LEN;
	memcpy(msg + o, c->serial, CODE_SERIAL_BYTES);
}

/* BLAKE2b-64 over a domain, the message and the tag. */
void
code_check_digest(const struct code *c, uint8_t out[CODE_CHECK_BYTES])
{
	uint8_t msg[CODE_MSG_BYTES];

	code_message(c, msg);
	code_digest_bytes(msg, sizeof(msg), c->tag, c->tag_len, out);
}

/* BLAKE2b-64 over the check domain, a message and its tag. */
void
code_digest_bytes(const uint8_t *msg, size_t len, const uint8_t *tag,
    size_t taglen, uint8_t out[CODE_CHECK_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, CODE_CHECK_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)CODE_CHECK_DOMAIN,
	    sizeof(CODE_CHECK_DOMAIN) - 1);
	crypto_generichash_update(&st, msg, len);
	crypto_generichash_update(&st, tag, taglen);
	crypto_generichash_final(&st, out, CODE_CHECK_BYTES);
}

/* Base32 of a serial. */
void
code_serial_text(const uint8_t serial[CODE_SERIAL_BYTES],
    char out[CODE_SERIAL_CHARS + 1])
{
	base32_encode(out, serial, CODE_SERIAL_BYTES);
}

/* Serial from base32. */
int
code_serial_parse(const char *text, size_t len,
    uint8_t serial[CODE_SERIAL_BYTES])
{
	return base32_decode(serial, CODE_SERIAL_BYTES, text, len);
}

/* Writes the full URL text. */
int
code_format(const struct code *c, const char *base_url, char *out,
    size_t outlen)
{
	uint8_t sig[CODE_SIG_MAX_BYTES];
	size_t blen = strlen(base_url), glen = strnlen(c->gtin, GTIN_LEN);
	size_t slen = BASE32_LEN(2 + (size_t)c->tag_len), n;

	/* By hand, not snprintf: a mint formats a URL per code. */
	n = blen + 4 + glen + 4 + CODE_SERIAL_CHARS + 3 + slen;
	if (n >= outlen || n > INT_MAX)
		return -ENOSPC;
	sig[0] = (uint8_t)(c->version << 4 | c->scheme);
	sig[1] = c->key_id;
	memcpy(sig + 2, c->tag, c->tag_len);
	memcpy(out, base_url, blen);
	out += blen;
	memcpy(out, "/01/", 4);
	memcpy(out + 4, c->gtin, glen);
	out += 4 + glen;
	memcpy(out, "/21/", 4);
	code_serial_text(c->serial, out + 4);
	out += 4 + CODE_SERIAL_CHARS;
	memcpy(out, "?S=", 3);
	base32_encode(out + 3, sig, 2 + (size_t)c->tag_len);
	return (int)n;
}

/* Whitespace as in C isspace, without locale. */
static int
code_is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	    ch == '\v' || ch == '\f';
}

/* Characters allowed in a base URL's host and path. */
static int
code_is_path_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' ||
	    ch == '~' || ch == '/';
}

/* True if a value has the length of a scheme-1 or scheme-2 signature. */
static bool
code_sig_len_ok(size_t vlen)
{
	return vlen == BASE32_LEN(2 + CODE_ED25519_TAG_BYTES) ||
	    vlen == BASE32_LEN(2 + CODE_MAC_TAG_BYTES);
}

/* True if the query parameter name (raw, len bytes) is "S" or "s", also
 * percent-encoded ("%53"). */
static bool
code_param_is_s(const char *name, size_t len)
{
	char d[4];
	ssize_t n;

	if (len > 3)
		return false;
	n = gs1_unescape(d, sizeof(d), name, len, true);
	return n == 1 && (d[0] == 'S' || d[0] == 's');
}

/*
 * Parses the query string for the signature. Other parameters are
 * ignored, including an "s" a sharing app adds of its own (X appends
 * "&s=20"): the signature is the one S parameter whose value, once
 * percent-decoded, has a signature's length. Two such values are
 * ambiguous and rejected.
 */
int
code_parse_query(const char *q, size_t len, struct code *out, const char **why)
{
	uint8_t sig[CODE_SIG_MAX_BYTES];
	char val[BASE32_LEN(CODE_SIG_MAX_BYTES) + 1], v[sizeof(val)];
	size_t vlen = 0, siglen, i = 0;
	bool found = false, saw_s = false;

	while (i <= len) {
		size_t start = i, eq;
		ssize_t n;

		while (i < len && q[i] != '&')
			i++;
		for (eq = start; eq < i && q[eq] != '='; eq++)
			;
		if (eq < i && code_param_is_s(q + start, eq - start)) {
			saw_s = true;
			n = gs1_unescape(v, sizeof(v), q + eq + 1, i - eq - 1,
			    true);
			if (n > 0 && code_sig_len_ok((size_t)n)) {
				if (found) {
					*why = "more than one signature (S "
					    "parameter)";
					return -EINVAL;
				}
				found = true;
				vlen = (size_t)n;
				memcpy(val, v, vlen);
			}
		}
		i++;
	}
	if (!found) {
		*why = saw_s ? "signature has the wrong length" :
		    "no signature (S parameter)";
		return -EINVAL;
	}
	siglen = vlen == BASE32_LEN(2 + CODE_ED25519_TAG_BYTES) ?
	    2 + CODE_ED25519_TAG_BYTES : 2 + CODE_MAC_TAG_BYTES;
	if (base32_decode(sig, siglen, val, vlen) < 0) {
		*why = "signature is not canonical base32";
		return -EINVAL;
	}
	out->version = sig[0] >> 4;
	out->scheme = sig[0] & 0x0f;
	out->key_id = sig[1];
	if (out->version != CODE_VERSION) {
		*why = "unknown code format version";
		return -EINVAL;
	}
	if (code_tag_len(out->scheme) != siglen - 2) {
		*why = "signature length does not match its scheme";
		return -EINVAL;
	}
	out->tag_len = (uint8_t)(siglen - 2);
	memcpy(out->tag, sig + 2, out->tag_len);
	return 0;
}

/* Parses a code URL or path: a GS1 Digital Link of a GTIN with a serial
 * (gs1_dl.c), then scanloop's serial and signature. */
int
code_parse(const char *text, size_t len, struct code *out, const char **why)
{
	const char *dummy;
	struct gs1_dl dl;
	size_t hostoff = 0;

	if (why == NULL)
		why = &dummy;
	memset(out, 0, sizeof(*out));
	/* host_off is 16 bits, whitespace included. */
	if (len > UINT16_MAX) {
		*why = "too long";
		return -EINVAL;
	}
	while (len > 0 && code_is_space(text[0])) {
		text++;
		len--;
		hostoff++;
	}
	while (len > 0 && code_is_space(text[len - 1]))
		len--;
	if (len == 0) {
		*why = "empty";
		return -EINVAL;
	}
	if (len > CODE_TEXT_MAX) {
		*why = "too long";
		return -EINVAL;
	}
	if (memchr(text, '\0', len) != NULL) {
		*why = "contains a NUL byte";
		return -EINVAL;
	}
	if (gs1_dl_parse(text, len, &dl, why) < 0)
		return -EINVAL;
	memcpy(out->gtin, dl.gtin, sizeof(out->gtin));
	if (dl.host_len > 0) {
		out->host_off = (uint16_t)(hostoff + dl.host_off);
		out->host_len = dl.host_len;
		out->host_https = dl.https;
	}
	if (!dl.has_serial) {
		*why = "a product's link without a serial";
		return -ENOENT;
	}
	if (dl.serial_len != CODE_SERIAL_CHARS ||
	    code_serial_parse(dl.serial, dl.serial_len, out->serial) < 0) {
		*why = "serial is not 13 canonical base32 characters";
		return -EINVAL;
	}
	return code_parse_query(text + dl.query_off, dl.query_len, out, why);
}

/* Writes the canonical form of a URL's host (len bytes) to out: lower
 * case, no trailing dot, no port when it is the scheme's default, a port
 * without leading zeros. Returns its length, or 0 when it does not fit. */
static size_t
code_host_canon(const char *h, size_t len, bool https, char *out, size_t cap)
{
	size_t nlen = len, o = 0, port = 0;
	bool numeric = true;
	int n = 0;

	/* The port follows the last ':' outside an IPv6 literal. */
	for (size_t i = len; i > 0 && h[i - 1] != ']'; i--)
		if (h[i - 1] == ':') {
			nlen = i - 1;
			break;
		}
	for (size_t i = nlen + 1; i < len; i++) {
		if (h[i] < '0' || h[i] > '9' || port > 65535)
			numeric = false;
		else
			port = port * 10 + (size_t)(h[i] - '0');
	}
	/* An empty port, or the scheme's own, is no port. */
	if (nlen + 1 < len && !(numeric && port == (https ? 443U : 80U))) {
		if (numeric)
			n = snprintf(out, cap, ":%zu", port);
		else
			n = snprintf(out, cap, "%.*s", (int)(len - nlen),
			    h + nlen);
		if (n < 0 || (size_t)n >= cap)
			return 0;
	}
	/* The name goes before the port: move the port behind it. */
	if (nlen > 1 && h[nlen - 1] == '.')
		nlen--;
	if (nlen + (size_t)n >= cap)
		return 0;
	memmove(out + nlen, out, (size_t)n);
	for (size_t i = 0; i < nlen; i++)
		out[o++] = (h[i] >= 'A' && h[i] <= 'Z') ? (char)(h[i] + 32) :
		    h[i];
	return o + (size_t)n;
}

/* Compares a code's host with the host of a base URL. */
bool
code_host_is(const char *base_url, const char *host, size_t len, bool https)
{
	char a[CODE_BASE_URL_MAX + 8], b[CODE_BASE_URL_MAX + 8];
	const char *h = strstr(base_url, "://");
	size_t alen, blen;

	if (h == NULL)
		return false;
	h += 3;
	alen = code_host_canon(h, strcspn(h, "/"), strncasecmp(base_url,
	    "https:", 6) == 0, a, sizeof(a));
	blen = code_host_canon(host, len, https, b, sizeof(b));
	return alen > 0 && alen == blen && memcmp(a, b, alen) == 0;
}

/* Validates and uppercases a base URL. */
int
code_base_url_normalize(const char *in, char out[CODE_BASE_URL_MAX + 1],
    const char **why)
{
	const char *dummy;
	size_t len = strlen(in), start, i;

	if (why == NULL)
		why = &dummy;
	if (len > CODE_BASE_URL_MAX) {
		*why = "base URL is longer than 128 characters";
		return -EINVAL;
	}
	if (strncasecmp(in, "https://", 8) == 0)
		start = 8;
	else if (strncasecmp(in, "http://", 7) == 0)
		start = 7;
	else {
		*why = "base URL must start with https:// or http://";
		return -EINVAL;
	}
	while (len > start && in[len - 1] == '/')
		len--;
	if (len == start || in[start] == '/' || in[start] == ':') {
		*why = "base URL has no host";
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		char ch = in[i];

		if (i >= start && !code_is_path_char(ch) && ch != ':') {
			*why = "base URL may hold only letters, digits, "
			    "'-', '.', '_', '~', ':' and '/'";
			return -EINVAL;
		}
		/* code_parse takes ':' in the host only (a port), and no
		 * '_' or '~' there (GS1 Digital Link forbids them in a
		 * domain). */
		if (ch == ':' && i >= start &&
		    memchr(in + start, '/', i - start) != NULL) {
			*why = "base URL may hold ':' only in its host";
			return -EINVAL;
		}
		if ((ch == '_' || ch == '~') && i >= start &&
		    memchr(in + start, '/', i - start) == NULL) {
			*why = "base URL's host may not hold '_' or '~'";
			return -EINVAL;
		}
		out[i] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch;
	}
	out[len] = '\0';
	return 0;
}

/* Formats {BASE}/D/{TOKEN}. */
int
code_draw_format(const uint8_t token[CODE_DRAW_TOKEN_BYTES],
    const char *base_url, char *out, size_t outlen)
{
	char t[CODE_DRAW_TOKEN_CHARS + 1];
	int n;

	base32_encode(t, token, CODE_DRAW_TOKEN_BYTES);
	n = snprintf(out, outlen, "%s/D/%s", base_url, t);
	if (n < 0 || (size_t)n >= outlen)
		return -ENOSPC;
	return n;
}

/* Formats ABCD-EFGH-IJKL-MNOP. */
void
code_draw_text(const uint8_t token[CODE_DRAW_TOKEN_BYTES],
    char out[CODE_DRAW_TEXT_LEN + 1])
{
	char t[CODE_DRAW_TOKEN_CHARS + 1];
	size_t o = 0;

	base32_encode(t, token, CODE_DRAW_TOKEN_BYTES);
	for (size_t i = 0; i < CODE_DRAW_TOKEN_CHARS; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = t[i];
	}
	out[o] = '\0';
}

/* Parses a draw code in any of its forms. */
int
code_draw_parse(const char *text, size_t len,
    uint8_t token[CODE_DRAW_TOKEN_BYTES], const char **why)
{
	char t[CODE_DRAW_TOKEN_CHARS + 1];
	const char *dummy, *p = text, *end;
	ssize_t got;
	size_t n;

	if (why == NULL)
		why = &dummy;
	if (len > 512) {
		*why = "too long";
		return -EINVAL;
	}
	while (len > 0 && code_is_space(p[0])) {
		p++;
		len--;
	}
	while (len > 0 && code_is_space(p[len - 1]))
		len--;
	end = p + len;
	/* A URL or path: the token follows the last "/D/" (any case). */
	for (const char *q = end; q - 3 >= p; q--)
		if (q[-3] == '/' && (q[-2] == 'D' || q[-2] == 'd') &&
		    q[-1] == '/') {
			const char *stop = q;

			while (stop < end && *stop != '?' && *stop != '#')
				stop++;
			p = q;
			end = stop;
			break;
		}
	/* Typed: spaces and hyphens anywhere, 0/1/8 for O/I/B. */
	got = base32_typed(p, (size_t)(end - p), t, sizeof(t));
	if (got == -EINVAL) {
		*why = "not a draw code";
		return -EINVAL;
	}
	n = got < 0 ? sizeof(t) : (size_t)got;
	if (n != CODE_DRAW_TOKEN_CHARS) {
		*why = "a draw code has 16 characters";
		return -EINVAL;
	}
	if (base32_decode(token, CODE_DRAW_TOKEN_BYTES, t, n) < 0) {
		*why = "not a draw code";
		return -EINVAL;
	}
	return 0;
}

/* BLAKE2b-128 keyed with the server's draw-code key. */
void
code_draw_hash(const uint8_t key[32], const uint8_t token[CODE_DRAW_TOKEN_BYTES],
    uint8_t out[CODE_DRAW_HASH_BYTES])
{
	crypto_generichash(out, CODE_DRAW_HASH_BYTES, token,
	    CODE_DRAW_TOKEN_BYTES, key, 32);
}
