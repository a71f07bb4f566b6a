/* test_base32.c — strict RFC 4648 base32: round trips and rejections. */
#include "testutil.h"

#include <errno.h>
#include <string.h>

#include "codegen/base32.h"

#define MAXLEN 70

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* Reference encoder, one bit at a time (a different algorithm). */
static void
ref_encode(char *out, const uint8_t *in, size_t len)
{
	size_t nbits = len * 8, nchars = (nbits + 4) / 5;

	for (size_t c = 0; c < nchars; c++) {
		unsigned v = 0;

		for (size_t b = 0; b < 5; b++) {
			size_t bit = c * 5 + b;
			unsigned x = 0;

			if (bit < nbits)
				x = (in[bit / 8] >> (7 - bit % 8)) & 1;
			v = v << 1 | x;
		}
		out[c] = alphabet[v];
	}
	out[nchars] = '\0';
}

/* RFC 4648 section 10 vectors, without padding. */
static void
test_rfc4648(void **state)
{
	static const struct { const char *in, *out; } v[] = {
		{ "", "" }, { "f", "MY" }, { "fo", "MZXQ" }, { "foo", "MZXW6" },
		{ "foob", "MZXW6YQ" }, { "fooba", "MZXW6YTB" },
		{ "foobar", "MZXW6YTBOI" },
	};
	char enc[32];
	uint8_t dec[16];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = strlen(v[i].in);

		base32_encode(enc, (const uint8_t *)v[i].in, n);
		assert_string_equal(enc, v[i].out);
		assert_int_equal(strlen(enc), BASE32_LEN(n));
		assert_int_equal(base32_decode(dec, n, v[i].out,
		    strlen(v[i].out)), 0);
		assert_memory_equal(dec, v[i].in, n);
	}
}

/* Every length 0..70 with random data: encode, compare with the reference,
 * decode (upper and lower case), and no byte written past the end. */
static void
test_round_trip(void **state)
{
	uint8_t in[MAXLEN], out[MAXLEN + 8];
	char enc[BASE32_LEN(MAXLEN) + 8], ref[BASE32_LEN(MAXLEN) + 1];
	char lower[BASE32_LEN(MAXLEN) + 1];

	(void)state;
	for (size_t len = 0; len <= MAXLEN; len++) {
		for (int rep = 0; rep < 20; rep++) {
			size_t elen = BASE32_LEN(len);

			tu_random(in, len);
			if (rep == 0)
				memset(in, 0, len);
			else if (rep == 1)
				memset(in, 0xff, len);
			memset(enc, '#', sizeof(enc));
			base32_encode(enc, in, len);
			assert_int_equal(strlen(enc), elen);
			assert_int_equal(enc[elen + 1], '#');
			ref_encode(ref, in, len);
			assert_string_equal(enc, ref);
			for (size_t i = 0; i < elen; i++)
				assert_non_null(strchr(alphabet, enc[i]));

			memset(out, 0xa5, sizeof(out));
			assert_int_equal(base32_decode(out, len, enc, elen), 0);
			assert_memory_equal(out, in, len);
			assert_int_equal(out[len], 0xa5);

			for (size_t i = 0; i <= elen; i++)
				lower[i] = (enc[i] >= 'A' && enc[i] <= 'Z') ?
				    (char)(enc[i] + 32) : enc[i];
			memset(out, 0, sizeof(out));
			assert_int_equal(base32_decode(out, len, lower, elen), 0);
			assert_memory_equal(out, in, len);
		}
	}
}

/* A bad character anywhere is rejected. */
static void
test_bad_characters(void **state)
{
	static const unsigned char bad[] = { '0', '1', '8', '9', '=', ' ',
	    '-', '+', '/', '\0', '\n', 'z' + 1, '@', '[', 0x80, 0xc3, 0xe4,
	    0xff };
	uint8_t in[8], out[8];
	char enc[BASE32_LEN(8) + 1];

	(void)state;
	tu_random(in, sizeof(in));
	base32_encode(enc, in, sizeof(in));
	assert_int_equal(base32_decode(out, 8, enc, 13), 0);
	for (size_t pos = 0; pos < 13; pos++)
		for (size_t b = 0; b < sizeof(bad); b++) {
			char t[BASE32_LEN(8) + 1];

			memcpy(t, enc, sizeof(t));
			t[pos] = (char)bad[b];
			if (base32_decode(out, 8, t, 13) != -EINVAL)
				fail_msg("char 0x%02x at %zu accepted", bad[b],
				    pos);
		}
}

/* Input of any length but the exact one is rejected. */
static void
test_wrong_lengths(void **state)
{
	char enc[BASE32_LEN(MAXLEN) + 2];
	uint8_t in[MAXLEN], out[MAXLEN];

	(void)state;
	for (size_t len = 0; len < MAXLEN; len++) {
		size_t elen = BASE32_LEN(len);

		tu_random(in, len);
		base32_encode(enc, in, len);
		/* One more valid character, or one fewer. */
		enc[elen] = 'A';
		enc[elen + 1] = '\0';
		assert_int_equal(base32_decode(out, len, enc, elen + 1),
		    -EINVAL);
		if (elen > 0)
			assert_int_equal(base32_decode(out, len, enc, elen - 1),
			    -EINVAL);
	}
	/* The 13-character form of an 8-byte serial, as 12 or 14. */
	assert_int_equal(base32_decode(out, 8, "AAAAAAAAAAAA", 12), -EINVAL);
	assert_int_equal(base32_decode(out, 8, "AAAAAAAAAAAAAA", 14), -EINVAL);
}

/* Any set bit after the last whole byte is rejected, so that each value
 * has exactly one spelling. */
static void
test_padding_bits(void **state)
{
	uint8_t in[MAXLEN], out[MAXLEN];
	char enc[BASE32_LEN(MAXLEN) + 1];
	int tested = 0;

	(void)state;
	for (size_t len = 1; len <= MAXLEN; len++) {
		size_t elen = BASE32_LEN(len);
		int pad = (int)(elen * 5 - len * 8);

		tu_random(in, len);
		base32_encode(enc, in, len);
		for (int bit = 0; bit < pad; bit++) {
			char t[BASE32_LEN(MAXLEN) + 1];
			const char *p;

			memcpy(t, enc, elen + 1);
			p = strchr(alphabet, t[elen - 1]);
			assert_non_null(p);
			assert_int_equal((p - alphabet) & ((1 << pad) - 1), 0);
			t[elen - 1] = alphabet[(p - alphabet) | (1 << bit)];
			if (base32_decode(out, len, t, elen) != -EINVAL)
				fail_msg("len %zu: padding bit %d accepted", len,
				    bit);
			tested++;
		}
	}
	assert_true(tested > 0);

	/* The example of the code format: a 13-character serial whose last
	 * character carries the one padding bit. */
	assert_int_equal(base32_decode(out, 8, "AAAAAAAAAAAAA", 13), 0);
	assert_int_equal(base32_decode(out, 8, "AAAAAAAAAAAAB", 13), -EINVAL);
	assert_int_equal(base32_decode(out, 8, "7777777777776", 13), 0);
	assert_int_equal(base32_decode(out, 8, "7777777777777", 13), -EINVAL);
	assert_int_equal(base32_decode(out, 8, "aaaaaaaaaaaab", 13), -EINVAL);
}

/* Typed base32: look-alikes, separators and full-width characters are
 * read, the alphabet is kept as it is (so two valid spellings never become
 * one), anything else is refused. */
static void
test_typed(void **state)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	char out[64];
	ssize_t n;

	(void)state;
	/* Every character of the alphabet, both cases, maps to itself. */
	for (size_t i = 0; i < 32; i++) {
		char lc = (char)(abc[i] >= 'A' ? abc[i] + 32 : abc[i]);

		assert_int_equal(base32_typed(abc + i, 1, out, sizeof(out)), 1);
		assert_int_equal(out[0], abc[i]);
		assert_int_equal(base32_typed(&lc, 1, out, sizeof(out)), 1);
		assert_int_equal(out[0], lc);
	}
	n = base32_typed("0o-1i 8b\t", 9, out, sizeof(out));
	assert_int_equal(n, 6);
	assert_memory_equal(out, "OoIiBb", 6);
	/* U+FF21 (A), U+FF4B (k), U+FF13 (3), ideographic space, full-width
	 * hyphen, an en dash, a minus sign. */
	n = base32_typed("\xef\xbc\xa1\xe3\x80\x80\xef\xbd\x8b\xef\xbc\x8d"
	    "\xef\xbc\x93\xe2\x80\x93Q\xe2\x88\x92R", 23, out, sizeof(out));
	assert_int_equal(n, 5);
	assert_memory_equal(out, "Ak3QR", 5);
	assert_int_equal(base32_typed("AB9", 3, out, sizeof(out)), 3);
	assert_int_equal(base32_typed("A\xc3\xa4", 3, out, sizeof(out)),
	    -EINVAL);
	assert_int_equal(base32_typed("ABC", 3, out, 2), -ENOSPC);
	/* Random tokens survive every look-alike spelling. */
	for (int rep = 0; rep < 200; rep++) {
		uint8_t raw[15], back[15];
		char enc[BASE32_LEN(15) + 1], typed[3 * sizeof(enc)];
		size_t o = 0;

		tu_random(raw, sizeof(raw));
		base32_encode(enc, raw, sizeof(raw));
		for (size_t i = 0; enc[i] != '\0'; i++) {
			char ch = enc[i];

			typed[o++] = ch == 'O' ? '0' : ch == 'I' ? '1' :
			    ch == 'B' ? '8' : (char)(ch >= 'A' && ch <= 'Z' &&
			    i % 2 ? ch + 32 : ch);
			if (i % 4 == 3)
				typed[o++] = '-';
		}
		n = base32_typed(typed, o, out, sizeof(out));
		assert_int_equal(n, BASE32_LEN(15));
		assert_int_equal(base32_decode(back, 15, out, (size_t)n), 0);
		assert_memory_equal(raw, back, 15);
	}
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typed),
		cmocka_unit_test(test_rfc4648),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_characters),
		cmocka_unit_test(test_wrong_lengths),
		cmocka_unit_test(test_padding_bits),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
