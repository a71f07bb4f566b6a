/* test_rawtext.c — the raw text of forged and malformed scan events
 * (scanner/rawtext.c): draw tokens and S= values are cut to their first
 * characters and a keyed hash that is the same for the same attempt in
 * any letter case, different for another attempt or key; the rest of the
 * text is kept; the output fits its buffer. */
#include "testutil.h"

#include <string.h>

#include "scanner/scan_internal.h"

static const uint8_t key1[32] = { 1 };
static const uint8_t key2[32] = { 2 };

/* Redacts s with key into a 257-byte buffer (as an event's). */
static const char *
redact(const uint8_t *key, const char *s, bool drawcode)
{
	static char out[2][STORE_EVENT_RAW_MAX + 1];
	static int which;
	char *o = out[which++ & 1];
	size_t n = scan_raw_redact(key, s, strlen(s), drawcode, o,
	    STORE_EVENT_RAW_MAX + 1);

	assert_int_equal(n, strlen(o));
	return o;
}

/* The hash after "...#" at the n-th redaction of s (0-based). */
static void
hash_at(const char *s, int n, char out[13])
{
	const char *p = s;

	for (int i = 0; i <= n; i++) {
		p = strstr(p, "...#");
		assert_non_null(p);
		p += 4;
	}
	memcpy(out, p, 12);
	out[12] = '\0';
	for (int i = 0; i < 12; i++)
		assert_non_null(strchr("0123456789abcdef", out[i]));
}

/* What is kept and what is cut. */
static void
test_shapes(void **state)
{
	const char *r;
	char h1[13], h2[13];

	(void)state;
	r = redact(key1, "/D/ABCDEFGHJKLMNPQR?lang=en", true);
	assert_int_equal(strncmp(r, "/D/ABCD...#", 11), 0);
	assert_string_equal(r + 11 + 12, "?lang=en");
	r = redact(key1, "HTTPS://S.EXAMPLE.COM/D/ABCDEFGHJKLMNPQR", true);
	assert_int_equal(strncmp(r, "HTTPS://S.EXAMPLE.COM/D/ABCD...#", 32), 0);
	assert_int_equal(strlen(r), 32 + 12);
	r = redact(key1, "ABCD-EFGH-JKLM-NPQR", true);
	assert_int_equal(strncmp(r, "ABCD...#", 8), 0);
	assert_int_equal(strlen(r), 8 + 12);
	r = redact(key1, "/01/09506000134352/21/RVZ5FII3GOT64?S=SIGNATURE2345"
	    "&lang=en", false);
	assert_int_equal(strncmp(r, "/01/09506000134352/21/RVZ5FII3GOT64?S="
	    "SIGNAT...#", 48), 0);
	assert_string_equal(r + 48 + 12, "&lang=en");
	/* Every S, any case, in any position of the query; not other names. */
	r = redact(key1, "/01/x/21/y?lang=en&s=abcdefgh&XS=keep&S=zzzzzzzz",
	    false);
	assert_non_null(strstr(r, "?lang=en&s=abcdef...#"));
	assert_non_null(strstr(r, "&XS=keep&S=zzzzzz...#"));
	assert_null(strstr(r, "abcdefgh"));
	assert_null(strstr(r, "zzzzzzzz"));
	/* A text with no secret is kept whole; a /D/ token is cut even in
	 * what was read as an outer code (the scan API); a bare short text
	 * may be a typed draw code. */
	assert_string_equal(redact(key1, "not a code, nothing secret", false),
	    "not a code, nothing secret");
	r = redact(key1, "x/D/ABCDEFGH?S=x", false);
	assert_int_equal(strncmp(r, "x/D/ABCD...#", 12), 0);
	r = redact(key1, "ABCD-EFGH-JKLM-NPQ", false);
	assert_int_equal(strncmp(r, "ABCD...#", 8), 0);
	assert_string_equal(redact(key1, "", true), "");
	/* Short secrets keep at most what they have. */
	r = redact(key1, "/d/AB", true);
	assert_int_equal(strncmp(r, "/d/AB...#", 9), 0);
	/* The same attempt in any case: the same hash; another attempt or
	 * another key: another. */
	hash_at(redact(key1, "/D/ABCDEFGHJKLMNPQR", true), 0, h1);
	hash_at(redact(key1, "/d/abcdefghjklmnpqr", true), 0, h2);
	assert_string_equal(h1, h2);
	hash_at(redact(key1, "/D/ABCDEFGHJKLMNPQS", true), 0, h2);
	assert_string_not_equal(h1, h2);
	hash_at(redact(key2, "/D/ABCDEFGHJKLMNPQR", true), 0, h2);
	assert_string_not_equal(h1, h2);
}

/* Long texts are cut to the buffer, and never show more of a secret. */
static void
test_long(void **state)
{
	char text[2048], out[64];
	size_t n;

	(void)state;
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	memcpy(text + 1000, "?S=", 3);
	assert_int_equal(strlen(redact(key1, text, false)), STORE_EVENT_RAW_MAX);
	memcpy(text, "?S=", 3);
	n = scan_raw_redact(key1, text, strlen(text), false, out, sizeof(out));
	assert_int_equal(n, 3 + 6 + 4 + 12);
	assert_int_equal(strncmp(out, "?S=aaaaaa...#", 13), 0);
	n = scan_raw_redact(key1, text, strlen(text), false, out, 10);
	assert_int_equal(n, 9);
	assert_string_equal(out, "?S=aaaaaa");
}

/* An empty draw token ("/d/" then the query) is redacted once and the
 * rest still read: a "/d/" inside the S= value is not a second token. */
static void
test_empty_token(void **state)
{
	const char *r;

	(void)state;
	r = redact(key1, "/01/09506000134352/21/AMUE24UXXT/d/?S=CEAYR3KLYPJ7"
	    "/d/DMPPTBMJ", false);
	assert_int_equal(strncmp(r, "/01/09506000134352/21/AMUE24UXXT/d/...#",
	    39), 0);
	assert_int_equal(strncmp(r + 39 + 12, "?S=CEAYR3...#", 13), 0);
	assert_int_equal(strlen(r), 39 + 12 + 13 + 12);
	assert_string_equal(redact(key1, "/D/", false), "/D/");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_empty_token),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
