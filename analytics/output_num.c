/*
 * output_num.c — numbers as printf writes them, without printf: the exact
 * decimal digits of a double, computed with 128-bit integers, for
 * output_double's numbers that no shorter text reads back as (%.17g) and
 * for EPCIS's rounded coordinates (%.*f). tests/unit/test_output.c
 * compares both with glibc's snprintf.
 */
#include "analytics/output.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

__extension__ typedef unsigned __int128 output_u128;

/* N = a * 10^q rounded to nearest, ties to even, exactly (a = m * 2^e,
 * 2^52 <= m < 2^53, -113 < e < 0, 0 <= q <= 20, m * 10^q < 2^128). */
static uint64_t
output_scaled(uint64_t m, int e, int q)
{
	output_u128 num = m, rem, half;
	uint64_t n;

	for (int i = 0; i < q; i++)
		num *= 10;
	n = (uint64_t)(num >> -e);
	rem = num & (((output_u128)1 << -e) - 1);
	half = (output_u128)1 << (-e - 1);
	if (rem > half || (rem == half && (n & 1)))
		n++;
	return n;
}

/*
 * What snprintf's "%.17g" (or "%.9g" with is_float) writes, computed
 * exactly with integers where it writes no exponent (1e-4 <= |v| < 1e15:
 * coordinates with every digit, mostly): the 17 (9) significant digits
 * of v rounded to nearest, ties to even, as glibc rounds, trailing zeros
 * dropped. Elsewhere snprintf itself. Returns the length (out holds at
 * least 48 bytes).
 */
size_t
output_format_g(double v, bool is_float, char *out)
{
	static const uint64_t p10[] = { 1ULL, 10ULL, 100ULL, 1000ULL,
	    10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
	    1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
	    10000000000000ULL, 100000000000000ULL, 1000000000000000ULL,
	    10000000000000000ULL, 100000000000000000ULL,
	    1000000000000000000ULL, 10000000000000000000ULL };
	int prec = is_float ? 9 : 17, x, e, tries = 0;
	double a = fabs(v);
	uint64_t bits, m, n = 0;
	char digits[20], *o = out;
	size_t nd;

	if (!(a >= 1e-4 && a < 1e15))
		goto slow;
	memcpy(&bits, &a, sizeof(bits));
	m = (bits & ((UINT64_C(1) << 52) - 1)) | UINT64_C(1) << 52;
	e = (int)(bits >> 52) - 1075;
	/* The decimal exponent, from the double, then set right by the
	 * digits' count (a power of ten is not exact in binary). */
	for (x = -4; x < 14 && a >= (double)p10[x + 5] / 1e4; x++)
		;
	for (;;) {
		if (x < -4 || x >= prec || ++tries > 3)
			goto slow;
		n = output_scaled(m, e, prec - 1 - x);
		if (n >= p10[prec])
			x++;
		else if (n < p10[prec - 1])
			x--;
		else
			break;
	}
	for (int i = prec - 1; i >= 0; i--, n /= 10)
		digits[i] = (char)('0' + n % 10);
	for (nd = (size_t)prec; nd > 1 && digits[nd - 1] == '0' &&
	    (int)nd > x + 1; nd--)
		;
	if (v < 0)
		*o++ = '-';
	if (x >= 0) {
		memcpy(o, digits, (size_t)x + 1);
		o += x + 1;
		if (nd > (size_t)x + 1) {
			*o++ = '.';
			memcpy(o, digits + x + 1, nd - (size_t)x - 1);
			o += nd - (size_t)x - 1;
		}
	} else {
		*o++ = '0';
		*o++ = '.';
		for (int i = -1; i > x; i--)
			*o++ = '0';
		memcpy(o, digits, nd);
		o += nd;
	}
	*o = '\0';
	return (size_t)(o - out);
slow:
	return (size_t)snprintf(out, 48, is_float ? "%.9g" : "%.17g", v);
}

/* What snprintf(out, size, "%.*f", digits, v) writes (digits 0 to 9,
 * size at least 32): exactly with integers for |v| from 2^-60 to 1e9,
 * else snprintf itself. Returns the length written. */
size_t
output_format_f(double v, int digits, char *out, size_t size)
{
	static const uint64_t p10[] = { 1ULL, 10ULL, 100ULL, 1000ULL,
	    10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
	    1000000000ULL };
	double a = fabs(v);
	uint64_t bits, m, n, ip, fp;
	char *o = out;
	int e;

	int len;

	if (!(a >= 0x1p-60 && a < 1e9) || digits < 0 || digits > 9) {
		len = snprintf(out, size, "%.*f", digits, v);
		return len < 0 ? 0 : (size_t)len < size ? (size_t)len :
		    size - 1;
	}
	memcpy(&bits, &a, sizeof(bits));
	m = (bits & ((UINT64_C(1) << 52) - 1)) | UINT64_C(1) << 52;
	e = (int)(bits >> 52) - 1075;
	n = output_scaled(m, e, digits);
	ip = n / p10[digits];
	fp = n % p10[digits];
	if (v < 0)
		*o++ = '-';
	o = (char *)output_u64_put((uint8_t *)o, ip);
	if (digits > 0) {
		*o++ = '.';
		for (int i = digits - 1; i >= 0; i--, fp /= 10)
			o[i] = (char)('0' + fp % 10);
		o += digits;
	}
	*o = '\0';
	return (size_t)(o - out);
}
