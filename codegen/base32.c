/* base32.c — strict RFC 4648 base32 without padding. */
#include "codegen/base32.h"

#include <errno.h>

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* Encodes bytes into uppercase base32. */
void
base32_encode(char *out, const uint8_t *in, size_t len)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = base32_alphabet[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		out[o++] = base32_alphabet[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

/* Each byte's 5-bit value plus one, in either case; 0: not base32. */
#define BASE32_V(c) ((c) >= 'A' && (c) <= 'Z' ? (c) - 'A' + 1 : \
	(c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 1 : \
	(c) >= '2' && (c) <= '7' ? (c) - '2' + 27 : 0)
#define BASE32_V4(c) BASE32_V(c), BASE32_V((c) + 1), BASE32_V((c) + 2), \
	BASE32_V((c) + 3)
#define BASE32_V16(c) BASE32_V4(c), BASE32_V4((c) + 4), \
	BASE32_V4((c) + 8), BASE32_V4((c) + 12)
#define BASE32_V64(c) BASE32_V16(c), BASE32_V16((c) + 16), \
	BASE32_V16((c) + 32), BASE32_V16((c) + 48)

static const uint8_t base32_values[256] = {
	BASE32_V64(0), BASE32_V64(64), BASE32_V64(128), BASE32_V64(192),
};

/* Decodes a canonical base32 string of exactly the expected length: eight
 * characters (five bytes) at a time from the table, then the tail. */
int
base32_decode(uint8_t *out, size_t outlen, const char *in, size_t inlen)
{
	const unsigned char *u = (const unsigned char *)in;
	uint32_t acc = 0;
	int bits = 0;
	size_t i = 0, o = 0;

	if (inlen != BASE32_LEN(outlen))
		return -EINVAL;
	for (; inlen - i >= 8; i += 8, o += 5) {
		uint64_t group = 0;
		unsigned bad = 0;

		for (int k = 0; k < 8; k++) {
			unsigned v = base32_values[u[i + k]];

			bad |= v == 0;
			group = group << 5 | (v - 1);
		}
		if (bad)
			return -EINVAL;
		for (int k = 0; k < 5; k++)
			out[o + k] = (uint8_t)(group >> (32 - 8 * k));
	}
	for (; i < inlen; i++) {
		unsigned v = base32_values[u[i]];

		if (v == 0)
			return -EINVAL;
		acc = (acc << 5) | (v - 1);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* Leftover bits must be zero: one value, one spelling. */
	if ((acc & ((1u << bits) - 1)) != 0)
		return -EINVAL;
	return 0;
}

/* Length of a UTF-8 separator (ideographic space U+3000, full-width
 * hyphen U+FF0D, the dashes U+2010-U+2015, the minus U+2212) at p, or 0. */
static size_t
base32_separator_len(const unsigned char *p, size_t left)
{
	if (left < 3)
		return 0;
	if ((p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) ||
	    (p[0] == 0xef && p[1] == 0xbc && p[2] == 0x8d) ||
	    (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0x90 && p[2] <= 0x95) ||
	    (p[0] == 0xe2 && p[1] == 0x88 && p[2] == 0x92))
		return 3;
	return 0;
}

/* The ASCII of a full-width letter or digit (U+FF10-U+FF5A) at p, or 0. */
static char
base32_fullwidth(const unsigned char *p, size_t left)
{
	unsigned cp;

	if (left < 3 || p[0] != 0xef || (p[1] != 0xbc && p[1] != 0xbd) ||
	    (p[2] & 0xc0) != 0x80)
		return 0;
	cp = 0xf000u | (unsigned)(p[1] & 0x3f) << 6 | (p[2] & 0x3fu);
	if ((cp >= 0xff10 && cp <= 0xff19) || (cp >= 0xff21 && cp <= 0xff3a) ||
	    (cp >= 0xff41 && cp <= 0xff5a))
		return (char)(cp - 0xff00 + 0x20);
	return 0;
}

/* Reads typed base32. */
ssize_t
base32_typed(const char *in, size_t len, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0, i = 0, n;

	while (i < len) {
		char ch = (char)p[i];

		if (ch == ' ' || ch == '-' || ch == '\t' || ch == '\n' ||
		    ch == '\r') {
			i++;
			continue;
		}
		if ((n = base32_separator_len(p + i, len - i)) > 0) {
			i += n;
			continue;
		}
		if (p[i] >= 0x80) {
			if ((ch = base32_fullwidth(p + i, len - i)) == 0)
				return -EINVAL;
			i += 3;
		} else
			i++;
		if (ch == '0')
			ch = 'O';
		else if (ch == '1')
			ch = 'I';
		else if (ch == '8')
			ch = 'B';
		if (o == cap)
			return -ENOSPC;
		out[o++] = ch;
	}
	return (ssize_t)o;
}
