/* sscc.c — aggregation codes: SSCCs, their signature, URL and parsing. */
#include "codegen/sscc.h"
#include "codegen/base32.h"
#include "codegen/gtin.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SSCC_SIG_MAX_BYTES (2 + CODE_TAG_MAX)

/* A company prefix is 6 to 12 digits. */
int
sscc_prefix_check(const char *prefix)
{
	size_t n;

	if (prefix == NULL)
		return -EINVAL;
	n = strlen(prefix);
	if (n < SSCC_PREFIX_MIN || n > SSCC_PREFIX_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (prefix[i] < '0' || prefix[i] > '9')
			return -EINVAL;
	return 0;
}

/* 10^(17 - len): the extension digit and the serial reference. */
uint64_t
sscc_capacity(const char *prefix)
{
	uint64_t cap = 1;

	for (size_t i = strlen(prefix); i < SSCC_LEN - 1; i++)
		cap *= 10;
	return cap;
}

/* Extension digit (the top digit of n), prefix, serial reference, check
 * digit. */
void
sscc_make(const char *prefix, uint64_t n, char out[SSCC_LEN + 1])
{
	size_t plen = strlen(prefix), rlen = SSCC_LEN - 2 - plen;
	uint64_t refcap = sscc_capacity(prefix) / 10;

	out[0] = (char)('0' + n / refcap % 10);
	memcpy(out + 1, prefix, plen);
	n %= refcap;
	for (size_t i = 0; i < rlen; i++) {
		out[1 + plen + rlen - 1 - i] = (char)('0' + n % 10);
		n /= 10;
	}
	out[SSCC_LEN - 1] = gtin_check_digit(out, SSCC_LEN - 1);
	out[SSCC_LEN] = '\0';
}

/* 18 digits with a correct check digit. */
bool
sscc_valid(const char *text, size_t len)
{
	if (len != SSCC_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (text[i] < '0' || text[i] > '9')
			return false;
	return gtin_check_digit(text, SSCC_LEN - 1) == text[SSCC_LEN - 1];
}

/* The digits as a number: 18 digits fit in 60 bits. */
uint64_t
sscc_to_u64(const char sscc[SSCC_LEN])
{
	uint64_t v = 0;

	for (size_t i = 0; i < SSCC_LEN; i++)
		v = v * 10 + (uint64_t)(sscc[i] - '0');
	return v;
}

/* The number as 18 digits. */
void
sscc_from_u64(uint64_t v, char out[SSCC_LEN + 1])
{
	for (size_t i = 0; i < SSCC_LEN; i++) {
		out[SSCC_LEN - 1 - i] = (char)('0' + v % 10);
		v /= 10;
	}
	out[SSCC_LEN] = '\0';
}

/* Big-endian, so that ids sort as numbers. */
void
sscc_id_from_u64(uint64_t v, uint8_t id[8])
{
	for (int i = 0; i < 8; i++)
		id[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* The number of an id. */
uint64_t
sscc_id_to_u64(const uint8_t id[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | id[i];
	return v;
}

/* The signed message. */
static void
sscc_message(const struct sscc_code *c, uint8_t msg[SSCC_MSG_BYTES])
{
	size_t o = sizeof(SSCC_MSG_DOMAIN) - 1;

	memcpy(msg, SSCC_MSG_DOMAIN, o);
	msg[o++] = (uint8_t)(c->version << 4 | c->scheme);
	msg[o++] = c->key_id;
	memcpy(msg + o, c->sscc, SSCC_LEN);
}

/* Signs a case code. */
void
sscc_sign(const struct keypair *kp, struct sscc_code *c)
{
	uint8_t msg[SSCC_MSG_BYTES];

	c->version = CODE_VERSION;
	c->scheme = kp->scheme;
	c->key_id = kp->id;
	c->tag_len = (uint8_t)code_tag_len(kp->scheme);
	sscc_message(c, msg);
	keys_sign_bytes(kp, msg, sizeof(msg), c->tag);
}

/* The digest the store compares a presented case code with. */
void
sscc_check_digest(const struct sscc_code *c, uint8_t out[CODE_CHECK_BYTES])
{
	uint8_t msg[SSCC_MSG_BYTES];

	sscc_message(c, msg);
	code_digest_bytes(msg, sizeof(msg), c->tag, c->tag_len, out);
}

/* BASE/00/SSCC?S=SIG. */
int
sscc_format(const struct sscc_code *c, const char *base_url, char *out,
    size_t outlen)
{
	uint8_t sig[SSCC_SIG_MAX_BYTES];
	char sigtext[BASE32_LEN(SSCC_SIG_MAX_BYTES) + 1];
	int n;

	sig[0] = (uint8_t)(c->version << 4 | c->scheme);
	sig[1] = c->key_id;
	memcpy(sig + 2, c->tag, c->tag_len);
	base32_encode(sigtext, sig, 2 + (size_t)c->tag_len);
	n = snprintf(out, outlen, "%s/00/%s?S=%s", base_url, c->sscc, sigtext);
	if (n < 0 || (size_t)n >= outlen)
		return -ENOSPC;
	return n;
}

/* Where "/00/" starts in text, or NULL. */
static const char *
sscc_find(const char *text, size_t len)
{
	for (size_t i = 0; i + 4 <= len; i++)
		if (memcmp(text + i, "/00/", 4) == 0)
			return text + i;
	return NULL;
}

/* A path with "/00/". */
bool
sscc_path_is(const char *path, size_t len)
{
	return sscc_find(path, len) != NULL;
}

/* Parses .../00/{18 digits}[?query with S=]. */
int
sscc_parse(const char *text, size_t len, struct sscc_code *out,
    const char **why)
{
	const char *p = sscc_find(text, len), *end = text + len;
	struct code sig;

	memset(out, 0, sizeof(*out));
	while (end > text && (end[-1] == ' ' || end[-1] == '\n' ||
	    end[-1] == '\r' || end[-1] == '\t'))
		end--;
	if (p == NULL || end - p < 4 + SSCC_LEN) {
		*why = "not an aggregation code (/00/ and an SSCC)";
		return -EINVAL;
	}
	p += 4;
	if (!sscc_valid(p, SSCC_LEN)) {
		*why = "the SSCC is not 18 digits with a correct check digit";
		return -EINVAL;
	}
	memcpy(out->sscc, p, SSCC_LEN);
	p += SSCC_LEN;
	if (p == end || *p != '?') {
		*why = p == end ? "no signature (S parameter)" :
		    "unexpected text after the SSCC";
		return -EINVAL;
	}
	p++;
	memset(&sig, 0, sizeof(sig));
	if (code_parse_query(p, (size_t)(end - p), &sig, why) < 0)
		return -EINVAL;
	out->version = sig.version;
	out->scheme = sig.scheme;
	out->key_id = sig.key_id;
	out->tag_len = sig.tag_len;
	memcpy(out->tag, sig.tag, sig.tag_len);
	return 0;
}
