/* test_gtin.c — GS1 check digits and normalization to 14 digits. */
#include "testutil.h"

#include <errno.h>
#include <string.h>

#include "codegen/gtin.h"

/* Check digits of published GTINs. */
static void
test_known_check_digits(void **state)
{
	static const char *known[] = {
		"9506000134352",	/* GS1 Digital Link example, GTIN-13 */
		"09506000134352",	/* the same as GTIN-14 */
		"4006381333931",	/* GTIN-13 (EAN-13) */
		"036000291452",		/* UPC-A (GTIN-12) */
		"96385074",		/* GTIN-8 */
		"00012345600012",	/* GS1 GTIN-14 example */
		"5901234123457",	/* GS1 EAN-13 example */
		"10614141000415",	/* GS1 GTIN-14 (indicator 1) */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		size_t n = strlen(known[i]);

		if (gtin_check_digit(known[i], n - 1) != known[i][n - 1])
			fail_msg("%s: check digit %c", known[i],
			    gtin_check_digit(known[i], n - 1));
	}
	assert_int_equal(gtin_check_digit("950600013435", 12), '2');
	assert_int_equal(gtin_check_digit("400638133393", 12), '1');
	assert_int_equal(gtin_check_digit("03600029145", 11), '2');
	assert_int_equal(gtin_check_digit("9638507", 7), '4');
	/* Zero padding does not change the check digit. */
	assert_int_equal(gtin_check_digit("0000009638507", 13), '4');
}

/* Every accepted length is left-padded with zeros to 14 digits. */
static void
test_normalize_pads(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;
	} cases[] = {
		{ "9506000134352", 13, "09506000134352" },
		{ "09506000134352", 14, "09506000134352" },
		{ "4006381333931", 13, "04006381333931" },
		{ "036000291452", 12, "00036000291452" },
		{ "96385074", 8, "00000096385074" },
		{ "10614141000415", 14, "10614141000415" },
		/* len, not the NUL, bounds the input. */
		{ "96385074999", 8, "00000096385074" },
	};
	char out[GTIN_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(gtin_normalize(cases[i].in, cases[i].len, out),
		    0);
		assert_string_equal(out, cases[i].want);
	}
}

/* A wrong check digit is -EBADMSG; so is every single-digit error. */
static void
test_bad_check_digit(void **state)
{
	char out[GTIN_LEN + 1], g[GTIN_LEN + 1];

	(void)state;
	assert_int_equal(gtin_normalize("9506000134353", 13, out), -EBADMSG);
	assert_int_equal(gtin_normalize("4006381333932", 13, out), -EBADMSG);
	assert_int_equal(gtin_normalize("036000291453", 12, out), -EBADMSG);
	assert_int_equal(gtin_normalize("96385075", 8, out), -EBADMSG);
	for (int rep = 0; rep < 200; rep++) {
		tu_random_gtin(g);
		assert_int_equal(gtin_normalize(g, GTIN_LEN, out), 0);
		assert_string_equal(out, g);
		for (int pos = 0; pos < GTIN_LEN; pos++)
			for (char d = '0'; d <= '9'; d++) {
				char t[GTIN_LEN + 1];

				if (d == g[pos])
					continue;
				memcpy(t, g, sizeof(t));
				t[pos] = d;
				if (gtin_normalize(t, GTIN_LEN, out) != -EBADMSG)
					fail_msg("%s accepted", t);
			}
	}
}

/* Letters, signs, spaces and wrong lengths are -EINVAL. */
static void
test_rejects_garbage(void **state)
{
	static const char *bad[] = {
		"950600013435A", "95060001343 2", " 9506000134352",
		"+9506000134352", "-9506000134352", "9506000134352\n",
		"95O6000134352", "\xd9\xa9""506000134352",
	};
	static const size_t badlen[] = { 0, 1, 7, 9, 10, 11, 15, 16, 20 };
	char out[GTIN_LEN + 1], digits[32];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (gtin_normalize(bad[i], strlen(bad[i]), out) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	/* Lengths other than 8, 12, 13 and 14, even with a valid check
	 * digit for that length. */
	for (size_t i = 0; i < sizeof(badlen) / sizeof(badlen[0]); i++) {
		size_t n = badlen[i];

		memset(digits, '0', sizeof(digits));
		digits[n] = '\0';
		if (n > 0)
			digits[n - 1] = gtin_check_digit(digits, n - 1);
		if (gtin_normalize(digits, n, out) != -EINVAL)
			fail_msg("length %zu accepted", n);
	}
	/* An embedded NUL. */
	assert_int_equal(gtin_normalize("95060001\0004352", 13, out), -EINVAL);
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_check_digits),
		cmocka_unit_test(test_normalize_pads),
		cmocka_unit_test(test_bad_check_digit),
		cmocka_unit_test(test_rejects_garbage),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
