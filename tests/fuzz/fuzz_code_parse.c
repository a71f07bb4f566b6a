/*
 * fuzz_code_parse.c — the code text parser (code_parse), serials, base32,
 * GTINs and base URLs.
 *
 * Invariants: a text that parses has version 1, a tag as long as its
 * scheme's, a 14-digit GTIN with a valid check digit and a host inside the
 * input; formatting it under the default base (and under any base URL that
 * code_base_url_normalize accepts) gives QR-alphanumeric uppercase text that
 * parses back to the same fields, also in lowercase, with whitespace around
 * it, with a foreign query parameter and as a bare path. A product's link
 * (no serial) has a valid GTIN; gs1_dl_parse keeps its offsets inside the
 * text. base32_decode and
 * gtin_normalize agree with small independent reference checks.
 */
#include "fuzz.h"
#include "codegen/base32.h"
#include "codegen/code.h"
#include "codegen/gtin.h"
#include "codegen/gs1.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#define FUZZ_ALNUM "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

/* Checks that two codes have the same signed fields. */
static void
fuzz_same_code(const struct code *a, const struct code *b)
{
	FUZZ_CHECK(memcmp(a->gtin, b->gtin, sizeof(a->gtin)) == 0);
	FUZZ_CHECK(memcmp(a->serial, b->serial, sizeof(a->serial)) == 0);
	FUZZ_CHECK(a->version == b->version);
	FUZZ_CHECK(a->scheme == b->scheme);
	FUZZ_CHECK(a->key_id == b->key_id);
	FUZZ_CHECK(a->tag_len == b->tag_len);
	FUZZ_CHECK(memcmp(a->tag, b->tag, a->tag_len) == 0);
}

/* Checks what every parsed code must satisfy; text is what was parsed. */
static void
fuzz_check_parsed(const struct code *c, const char *text, size_t len)
{
	FUZZ_CHECK(c->version == CODE_VERSION);
	FUZZ_CHECK(c->tag_len != 0 && c->tag_len == code_tag_len(c->scheme));
	FUZZ_CHECK(strlen(c->gtin) == GTIN_LEN);
	FUZZ_CHECK(strspn(c->gtin, "0123456789") == GTIN_LEN);
	FUZZ_CHECK(gtin_check_digit(c->gtin, GTIN_LEN - 1) ==
	    c->gtin[GTIN_LEN - 1]);
	if (c->host_len > 0) {
		/* The host lies inside the text, after "//" and before '/'. */
		FUZZ_CHECK(c->host_off >= 7);
		FUZZ_CHECK((size_t)c->host_off + c->host_len < len);
		FUZZ_CHECK(text[c->host_off - 1] == '/' &&
		    text[c->host_off - 2] == '/' &&
		    text[c->host_off - 3] == ':');
		FUZZ_CHECK(text[c->host_off + c->host_len] == '/');
		FUZZ_CHECK(memchr(text + c->host_off, '/', c->host_len) == NULL);
	}
}

/* Parses text and checks it gives the code c. */
static void
fuzz_parse_same(const struct code *c, const char *text, size_t len)
{
	const char *why = NULL;
	struct code d;

	if (code_parse(text, len, &d, &why) != 0) {
		fprintf(stderr, "does not parse back (%s): %.*s\n", why,
		    (int)len, text);
		FUZZ_CHECK(!"a formatted code parses back");
	}
	fuzz_check_parsed(&d, text, len);
	fuzz_same_code(c, &d);
}

/* Formats c under base and checks every spelling parses back to c. */
static void
fuzz_roundtrip(const struct code *c, const char *base)
{
	char text[CODE_TEXT_MAX + 1], again[CODE_TEXT_MAX + 1];
	char variant[CODE_TEXT_MAX + 64];
	const char *q, *host, *hend, *path;
	struct code d;
	size_t hlen;
	int n, m;

	n = code_format(c, base, text, sizeof(text));
	FUZZ_CHECK(n > 0 && (size_t)n == strlen(text));
	/* Uppercase only; up to "?S=" QR alphanumeric for the default base. */
	for (int i = 0; i < n; i++)
		FUZZ_CHECK(!(text[i] >= 'a' && text[i] <= 'z'));
	q = strchr(text, '?');
	FUZZ_CHECK(q != NULL && strncmp(q, "?S=", 3) == 0);
	FUZZ_CHECK(strspn(q + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") ==
	    strlen(q + 3));
	if (strcmp(base, CODE_DEFAULT_BASE_URL) == 0)
		FUZZ_CHECK(strspn(text, FUZZ_ALNUM) == (size_t)(q - text));
	fuzz_parse_same(c, text, (size_t)n);
	FUZZ_CHECK(code_parse(text, (size_t)n, &d, NULL) == 0);
	/* The host is the base's. */
	host = strstr(base, "://") + 3;
	hend = strchr(host, '/');
	hlen = hend ? (size_t)(hend - host) : strlen(host);
	FUZZ_CHECK(d.host_len == hlen);
	FUZZ_CHECK(memcmp(text + d.host_off, host, hlen) == 0);
	/* Formatting is a function of the fields. */
	m = code_format(&d, base, again, sizeof(again));
	FUZZ_CHECK(m == n && memcmp(text, again, (size_t)n) == 0);
	/* Any letter case, whitespace, foreign parameters, a fragment. */
	m = snprintf(variant, sizeof(variant), " \t%s&from=timeline#x\r\n", text);
	for (int i = 0; i < m; i++)
		if (variant[i] >= 'A' && variant[i] <= 'Z')
			variant[i] = (char)(variant[i] + 32);
	fuzz_parse_same(c, variant, (size_t)m);
	m = snprintf(variant, sizeof(variant), "%.*s?utm=1&%s", (int)(q - text),
	    text, q + 1);
	fuzz_parse_same(c, variant, (size_t)m);
	/* The path and query alone, as a server receives them. */
	path = text + (hend ? (size_t)(hend - base) : strlen(base));
	fuzz_parse_same(c, path, strlen(path));
	FUZZ_CHECK(code_parse(path, strlen(path), &d, NULL) == 0);
	FUZZ_CHECK(d.host_len == 0);
}

/* Value of a base32 character in either case, or -1 (reference). */
static int
fuzz_b32(unsigned char ch)
{
	const char *abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	const char *p;

	if (ch >= 'a' && ch <= 'z')
		ch = (unsigned char)(ch - 32);
	if (ch == '\0' || (p = strchr(abc, ch)) == NULL)
		return -1;
	return (int)(p - abc);
}

/* Checks base32_decode against a reference on a prefix of the input. */
static void
fuzz_base32(const uint8_t *data, size_t size, size_t outlen)
{
	uint8_t out[2 + CODE_TAG_MAX];
	char enc[BASE32_LEN(2 + CODE_TAG_MAX) + 1];
	size_t inlen = BASE32_LEN(outlen), unused;
	int ret, want = 1;

	if (inlen > size)
		return;
	for (size_t i = 0; i < inlen; i++)
		if (fuzz_b32(data[i]) < 0)
			want = 0;
	unused = inlen * 5 - outlen * 8;
	if (want && inlen > 0 &&
	    (fuzz_b32(data[inlen - 1]) & ((1 << unused) - 1)) != 0)
		want = 0;
	ret = base32_decode(out, outlen, (const char *)data, inlen);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	FUZZ_CHECK((ret == 0) == want);
	if (ret == 0) {
		base32_encode(enc, out, outlen);
		FUZZ_CHECK(strlen(enc) == inlen);
		FUZZ_CHECK(strncasecmp(enc, (const char *)data, inlen) == 0);
	}
	/* Any other length is refused. */
	if (inlen + 1 <= size)
		FUZZ_CHECK(base32_decode(out, outlen, (const char *)data,
		    inlen + 1) != 0);
	if (inlen > 0)
		FUZZ_CHECK(base32_decode(out, outlen, (const char *)data,
		    inlen - 1) != 0);
}

/* Checks gtin_normalize against a reference on a prefix of the input. */
static void
fuzz_gtin(const uint8_t *data, size_t len)
{
	char out[GTIN_LEN + 1], pad[GTIN_LEN + 1];
	int ret, sum = 0, want;

	ret = gtin_normalize((const char *)data, len, out);
	if (len != 8 && len != 12 && len != 13 && len != 14) {
		FUZZ_CHECK(ret == -EINVAL);
		return;
	}
	for (size_t i = 0; i < len; i++)
		if (data[i] < '0' || data[i] > '9') {
			FUZZ_CHECK(ret == -EINVAL);
			return;
		}
	memset(pad, '0', GTIN_LEN - len);
	memcpy(pad + GTIN_LEN - len, data, len);
	for (int i = 0; i < GTIN_LEN - 1; i++)
		sum += (pad[i] - '0') * (i % 2 == 0 ? 3 : 1);
	want = (10 - sum % 10) % 10 == pad[GTIN_LEN - 1] - '0';
	FUZZ_CHECK(want ? ret == 0 : ret == -EBADMSG);
	if (ret == 0)
		FUZZ_CHECK(memcmp(out, pad, GTIN_LEN) == 0 && out[GTIN_LEN] == 0);
}

/* Checks code_base_url_normalize and formats under the base it gives. */
static void
fuzz_base_url(const uint8_t *data, size_t size, const struct code *c)
{
	char in[CODE_BASE_URL_MAX + 8], out[CODE_BASE_URL_MAX + 1];
	char again[CODE_BASE_URL_MAX + 1];
	const char *why = NULL;
	size_t n = size < sizeof(in) - 1 ? size : sizeof(in) - 1;

	memcpy(in, data, n);
	in[n] = '\0';
	if (code_base_url_normalize(in, out, &why) != 0) {
		FUZZ_CHECK(why != NULL);
		return;
	}
	FUZZ_CHECK(strlen(out) <= CODE_BASE_URL_MAX);
	FUZZ_CHECK(strncmp(out, "HTTPS://", 8) == 0 ||
	    strncmp(out, "HTTP://", 7) == 0);
	FUZZ_CHECK(out[strlen(out) - 1] != '/');
	FUZZ_CHECK(code_base_url_normalize(out, again, NULL) == 0);
	FUZZ_CHECK(strcmp(out, again) == 0);
	fuzz_roundtrip(c, out);
}

/* Checks gs1_dl_parse: what it returns lies inside the text and is well
 * formed. */
static void
fuzz_gs1(const char *text, size_t size)
{
	const char *why = NULL;
	struct gs1_dl dl;
	char out[GS1_DL_MAX];
	ssize_t n;

	if (gs1_dl_parse(text, size, &dl, &why) != 0) {
		FUZZ_CHECK(why != NULL);
		return;
	}
	FUZZ_CHECK(strlen(dl.gtin) == GTIN_LEN);
	FUZZ_CHECK(dl.has_serial || dl.serial_len == 0);
	FUZZ_CHECK(dl.serial_len <= GS1_SERIAL_MAX &&
	    strlen(dl.serial) == dl.serial_len);
	FUZZ_CHECK((size_t)dl.host_off + dl.host_len <= size);
	FUZZ_CHECK((size_t)dl.query_off + dl.query_len <= size);
	/* Decoding never grows. */
	n = gs1_unescape(out, sizeof(out), text, size < sizeof(out) ? size :
	    sizeof(out), true);
	FUZZ_CHECK(n == -EINVAL || (n >= 0 && (size_t)n <= size));
}

/* One input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A fixed valid MAC code for the base URL round trip. */
	static const struct code example = {
		.gtin = "04006381333931", .version = CODE_VERSION,
		.scheme = CODE_SCHEME_MAC, .key_id = 7,
		.tag_len = CODE_MAC_TAG_BYTES,
		.serial = { 1, 2, 3, 4, 5, 6, 7, 8 },
	};
	const char *text = (const char *)data;
	const char *why = NULL;
	uint8_t serial[CODE_SERIAL_BYTES];
	char stext[CODE_SERIAL_CHARS + 1];
	struct code c;
	int ret;

	ret = code_parse(text, size, &c, &why);
	FUZZ_CHECK(ret == 0 || ((ret == -EINVAL || ret == -ENOENT) &&
	    why != NULL));
	/* A product's link: a valid GTIN, and gs1_dl_parse agrees. */
	if (ret == -ENOENT) {
		FUZZ_CHECK(strlen(c.gtin) == GTIN_LEN);
		FUZZ_CHECK(gtin_check_digit(c.gtin, GTIN_LEN - 1) ==
		    c.gtin[GTIN_LEN - 1]);
	}
	fuzz_gs1(text, size);
	if (ret == 0) {
		fuzz_check_parsed(&c, text, size);
		fuzz_roundtrip(&c, CODE_DEFAULT_BASE_URL);
	}
	/* Serials: only 13 canonical characters, and they round trip. */
	for (size_t len = 0; len <= size && len <= CODE_SERIAL_CHARS + 2;
	    len++) {
		if (code_serial_parse(text, len, serial) != 0)
			continue;
		FUZZ_CHECK(len == CODE_SERIAL_CHARS);
		code_serial_text(serial, stext);
		FUZZ_CHECK(strncasecmp(stext, text, CODE_SERIAL_CHARS) == 0);
	}
	for (size_t outlen = 0; outlen <= 2 + CODE_TAG_MAX; outlen++)
		fuzz_base32(data, size, outlen);
	for (size_t len = 0; len <= size && len <= GTIN_LEN + 1; len++)
		fuzz_gtin(data, len);
	fuzz_base_url(data, size, ret == 0 ? &c : &example);
	return 0;
}
