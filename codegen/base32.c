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

/* Returns the 5-bit value of a base32 character in either case, or -1. */
static int
base32_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

/* Decodes a canonical base32 string of exactly the expected length. */
int
base32_decode(uint8_t *out, size_t outlen, const char *in, size_t inlen)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	if (inlen != BASE32_LEN(outlen))
		return -EINVAL;
	for (size_t i = 0; i < inlen; i++) {
		int v = base32_value((unsigned char)in[i]);

		if (v < 0)
			return -EINVAL;
		acc = (acc << 5) | (uint32_t)v;
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
