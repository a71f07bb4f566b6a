/* code.c — formatting and parsing the signed GS1 Digital Link text. */
#include "codegen/code.h"
#include "codegen/base32.h"

#include <errno.h>
#include <stdbool.h>
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
	crypto_generichash_state st;
	uint8_t msg[CODE_MSG_BYTES];

	code_message(c, msg);
	crypto_generichash_init(&st, NULL, 0, CODE_CHECK_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)CODE_CHECK_DOMAIN,
	    sizeof(CODE_CHECK_DOMAIN) - 1);
	crypto_generichash_update(&st, msg, sizeof(msg));
	crypto_generichash_update(&st, c->tag, c->tag_len);
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
	char serial[CODE_SERIAL_CHARS + 1];
	char sigtext[BASE32_LEN(CODE_SIG_MAX_BYTES) + 1];
	int n;

	sig[0] = (uint8_t)(c->version << 4 | c->scheme);
	sig[1] = c->key_id;
	memcpy(sig + 2, c->tag, c->tag_len);
	base32_encode(sigtext, sig, 2 + (size_t)c->tag_len);
	code_serial_text(c->serial, serial);
	n = snprintf(out, outlen, "%s/01/%s/21/%s?S=%s", base_url, c->gtin,
	    serial, sigtext);
	if (n < 0 || (size_t)n >= outlen)
		return -ENOSPC;
	return n;
}

/* Whitespace as in C isspace, without locale. */
static int
code_is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	    ch == '\v' || ch == '\f';
}

/* Characters allowed in a URL path segment we accept. */
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

/*
 * Parses the query string for the signature. Other parameters are
 * ignored, including an "s" a sharing app adds of its own (X appends
 * "&s=20"): the signature is the one S parameter whose value has a
 * signature's length. Two such values are ambiguous and rejected.
 */
static int
code_parse_query(const char *q, size_t len, struct code *out, const char **why)
{
	uint8_t sig[CODE_SIG_MAX_BYTES];
	const char *val = NULL;
	size_t vlen = 0, siglen, i = 0;
	bool saw_s = false;

	while (i <= len) {
		size_t start = i, eq;

		while (i < len && q[i] != '&')
			i++;
		for (eq = start; eq < i && q[eq] != '='; eq++)
			;
		if (eq - start == 1 && (q[start] == 'S' || q[start] == 's')) {
			saw_s = true;
			if (eq < i && code_sig_len_ok(i - eq - 1)) {
				if (val != NULL) {
					*why = "more than one signature (S "
					    "parameter)";
					return -EINVAL;
				}
				val = q + eq + 1;
				vlen = i - eq - 1;
			}
		}
		i++;
	}
	if (val == NULL) {
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

/* Parses the path, which must end in /01/{GTIN}/21/{SERIAL}. */
static int
code_parse_path(const char *p, size_t len, struct code *out, const char **why)
{
	const char *seg[4];
	size_t seglen[4];
	size_t end = len;
	int ret;

	if (len == 0 || p[0] != '/') {
		*why = "not a GS1 Digital Link path";
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++)
		if (!code_is_path_char(p[i])) {
			*why = "unexpected character in path";
			return -EINVAL;
		}
	/* Take the last four segments; anything before is a path prefix. */
	for (int k = 3; k >= 0; k--) {
		size_t s = end;

		while (s > 0 && p[s - 1] != '/')
			s--;
		if (s == 0) {
			*why = "not a GS1 Digital Link path";
			return -EINVAL;
		}
		seg[k] = p + s;
		seglen[k] = end - s;
		end = s - 1;
	}
	if (seglen[0] != 2 || memcmp(seg[0], "01", 2) != 0 ||
	    seglen[2] != 2 || memcmp(seg[2], "21", 2) != 0) {
		*why = "path is not /01/{GTIN}/21/{SERIAL}";
		return -EINVAL;
	}
	if ((ret = gtin_normalize(seg[1], seglen[1], out->gtin)) < 0) {
		*why = ret == -EBADMSG ? "GTIN check digit is wrong" :
		    "GTIN is not 8, 12, 13 or 14 digits";
		return -EINVAL;
	}
	if (seglen[3] != CODE_SERIAL_CHARS ||
	    code_serial_parse(seg[3], seglen[3], out->serial) < 0) {
		*why = "serial is not 13 canonical base32 characters";
		return -EINVAL;
	}
	return 0;
}

/* Parses a code URL or path. */
int
code_parse(const char *text, size_t len, struct code *out, const char **why)
{
	const char *dummy, *path, *q;
	size_t plen, qlen, hostoff = 0, hostlen = 0;
	int ret;

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
	q = memchr(text, '#', len);
	if (q != NULL)
		len = (size_t)(q - text);
	path = text;
	plen = len;
	if (len >= 8 && strncasecmp(text, "https://", 8) == 0)
		hostlen = 8;
	else if (len >= 7 && strncasecmp(text, "http://", 7) == 0)
		hostlen = 7;
	if (hostlen > 0) {
		const char *h = text + hostlen;
		const char *slash = memchr(h, '/', len - hostlen);

		if (slash == NULL || slash == h) {
			*why = "URL has no host or path";
			return -EINVAL;
		}
		for (const char *c = h; c < slash; c++)
			if (!code_is_path_char(*c) && *c != ':') {
				*why = "unexpected character in host";
				return -EINVAL;
			}
		out->host_off = (uint16_t)(hostoff + hostlen);
		out->host_len = (uint16_t)(slash - h);
		path = slash;
		plen = len - (size_t)(slash - text);
	}
	q = memchr(path, '?', plen);
	if (q == NULL) {
		*why = "no signature (S parameter)";
		return -EINVAL;
	}
	qlen = plen - (size_t)(q - path) - 1;
	plen = (size_t)(q - path);
	if ((ret = code_parse_path(path, plen, out, why)) < 0)
		return ret;
	return code_parse_query(q + 1, qlen, out, why);
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
		/* code_parse takes ':' in the host only (a port). */
		if (ch == ':' && i >= start &&
		    memchr(in + start, '/', i - start) != NULL) {
			*why = "base URL may hold ':' only in its host";
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
	char t[CODE_DRAW_TOKEN_CHARS];
	const char *dummy, *p = text, *end;
	size_t n = 0;

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
	for (; p < end; p++) {
		if (*p == '-' || *p == ' ')
			continue;
		if (n == CODE_DRAW_TOKEN_CHARS) {
			*why = "a draw code has 16 characters";
			return -EINVAL;
		}
		t[n++] = *p;
	}
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
