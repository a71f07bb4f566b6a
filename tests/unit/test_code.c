/* test_code.c — the code text: format, parse, and what parse rejects. */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "codegen/base32.h"
#include "codegen/code.h"

#define SIG_MAX (2 + CODE_TAG_MAX)

/* A code with random serial, GTIN and tag for a scheme. */
static void
random_code(struct code *c, int scheme)
{
	memset(c, 0, sizeof(*c));
	tu_random_gtin(c->gtin);
	tu_random(c->serial, sizeof(c->serial));
	c->version = CODE_VERSION;
	c->scheme = (uint8_t)scheme;
	tu_random(&c->key_id, 1);
	c->tag_len = (uint8_t)code_tag_len(scheme);
	tu_random(c->tag, c->tag_len);
}

/* Fields that format and parse must carry unchanged. */
static void
assert_same_code(const struct code *a, const struct code *b)
{
	assert_string_equal(a->gtin, b->gtin);
	assert_memory_equal(a->serial, b->serial, CODE_SERIAL_BYTES);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->scheme, b->scheme);
	assert_int_equal(a->key_id, b->key_id);
	assert_int_equal(a->tag_len, b->tag_len);
	assert_memory_equal(a->tag, b->tag, a->tag_len);
}

/* Builds "{base}/01/{gtin}/21/{serial}?S={sig}" from raw parts. */
static void
build_text(char *out, size_t outlen, const char *base, const char *gtin,
    const char *serial, const uint8_t *sig, size_t siglen)
{
	char sigtext[BASE32_LEN(80) + 1];

	base32_encode(sigtext, sig, siglen);
	snprintf(out, outlen, "%s/01/%s/21/%s?S=%s", base, gtin, serial,
	    sigtext);
}

/* Parses a NUL-terminated text. */
static int
parse(const char *text, struct code *c, const char **why)
{
	return code_parse(text, strlen(text), c, why);
}

/* Asserts that text is rejected, printing it if not. */
static void
assert_rejected(const char *text, size_t len)
{
	struct code c;
	const char *why = NULL;

	/* -ENOENT: a product's link without a serial, not a code either. */
	if (code_parse(text, len, &c, &why) >= 0)
		fail_msg("accepted: %.*s", (int)len, text);
	assert_non_null(why);
}

/* Format then parse, both schemes, many random codes; the text is upper
 * case and, except for "?S=", in the QR alphanumeric set. */
static void
test_round_trip(void **state)
{
	static const int schemes[] = { CODE_SCHEME_ED25519, CODE_SCHEME_MAC };
	char text[CODE_TEXT_MAX];
	struct code c, p;
	const char *why;

	(void)state;
	for (int s = 0; s < 2; s++)
		for (int rep = 0; rep < 500; rep++) {
			char serial[CODE_SERIAL_CHARS + 1];
			int n;
			const char *q;

			random_code(&c, schemes[s]);
			n = code_format(&c, CODE_DEFAULT_BASE_URL, text,
			    sizeof(text));
			assert_int_equal(n, (int)strlen(text));
			assert_int_equal((size_t)n,
			    strlen(CODE_DEFAULT_BASE_URL) + 4 + GTIN_LEN + 4 +
			    CODE_SERIAL_CHARS + 3 +
			    BASE32_LEN(2 + (size_t)c.tag_len));
			code_serial_text(c.serial, serial);
			assert_non_null(strstr(text, serial));
			assert_non_null(strstr(text, c.gtin));
			q = strstr(text, "?S=");
			assert_non_null(q);
			for (const char *x = text; *x; x++) {
				if (x >= q && x < q + 3)
					continue;
				if (!strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    " $%*+-./:", *x))
					fail_msg("not QR alphanumeric: %s", text);
			}
			assert_int_equal(parse(text, &p, &why), 0);
			assert_same_code(&c, &p);
			assert_int_equal(p.host_off, 8);
			assert_int_equal(p.host_len, strlen("S.EXAMPLE.COM"));
		}
}

/* Any letter case, whitespace, other parameters, fragments, path prefixes
 * and a bare path all parse to the same code. */
static void
test_lenient_forms(void **state)
{
	char text[CODE_TEXT_MAX], alt[CODE_TEXT_MAX + 256];
	char serial[CODE_SERIAL_CHARS + 1], sig[BASE32_LEN(SIG_MAX) + 1];
	uint8_t sigb[SIG_MAX];
	struct code c, p;
	const char *path;

	(void)state;
	for (int s = CODE_SCHEME_ED25519; s <= CODE_SCHEME_MAC; s++) {
		random_code(&c, s);
		assert_true(code_format(&c, CODE_DEFAULT_BASE_URL, text,
		    sizeof(text)) > 0);
		code_serial_text(c.serial, serial);
		sigb[0] = (uint8_t)(CODE_VERSION << 4 | s);
		sigb[1] = c.key_id;
		memcpy(sigb + 2, c.tag, c.tag_len);
		base32_encode(sig, sigb, 2 + (size_t)c.tag_len);
		path = strstr(text, "/01/");
		assert_non_null(path);

		/* All lower case. */
		strcpy(alt, text);
		for (char *x = alt; *x; x++)
			if (*x >= 'A' && *x <= 'Z')
				*x = (char)(*x + 32);
		assert_int_equal(parse(alt, &p, NULL), 0);
		assert_same_code(&c, &p);
		/* Mixed case. */
		strcpy(alt, text);
		for (size_t i = 0; alt[i] != '\0'; i += 1)
			if (i % 2 == 0 && alt[i] >= 'A' && alt[i] <= 'Z')
				alt[i] = (char)(alt[i] + 32);
		assert_int_equal(parse(alt, &p, NULL), 0);
		assert_same_code(&c, &p);
		/* Surrounding whitespace. */
		snprintf(alt, sizeof(alt), " \t\r\n%s \r\n\t\v\f", text);
		assert_int_equal(parse(alt, &p, NULL), 0);
		assert_same_code(&c, &p);
		assert_int_equal(p.host_off, 4 + 8);
		/* Parameters a messaging app adds, after and before S. */
		snprintf(alt, sizeof(alt), "%s&from=singlemessage&isappinstalled=0",
		    text);
		assert_int_equal(parse(alt, &p, NULL), 0);
		assert_same_code(&c, &p);
		snprintf(alt, sizeof(alt),
		    "HTTPS://S.EXAMPLE.COM/01/%s/21/%s?from=timeline&x&SS=1&S=%s&y=",
		    c.gtin, serial, sig);
		assert_int_equal(parse(alt, &p, NULL), 0);
		assert_same_code(&c, &p);
		/* An "s" parameter of a sharing app's own ("&s=20"), after
		 * and before the signature. */
		snprintf(alt, sizeof(alt), "%s&s=20", text);
		assert_int_equal(parse(alt, &p, NULL), 0);
		assert_same_code(&c, &p);
		snprintf(alt, sizeof(alt), "/01/%s/21/%s?s=20&S=&S=%s", c.gtin,
		    serial, sig);
		assert_int_equal(parse(alt, &p, NULL), 0);
		assert_same_code(&c, &p);
		/* Lower-case parameter name. */
		snprintf(alt, sizeof(alt), "https://s.example.com/01/%s/21/%s?s=%s",
		    c.gtin, serial, sig);
		assert_int_equal(parse(alt, &p, NULL), 0);
		assert_same_code(&c, &p);
		/* A fragment. */
		snprintf(alt, sizeof(alt), "%s#top", text);
		assert_int_equal(parse(alt, &p, NULL), 0);
		assert_same_code(&c, &p);
		/* A path prefix, a port, plain http. */
		snprintf(alt, sizeof(alt),
		    "http://qr.example.org:8443/brand/p/01/%s/21/%s?S=%s",
		    c.gtin, serial, sig);
		assert_int_equal(parse(alt, &p, NULL), 0);
		assert_same_code(&c, &p);
		assert_int_equal(p.host_off, 7);
		assert_int_equal(p.host_len, strlen("qr.example.org:8443"));
		/* The bare path a server receives. */
		assert_int_equal(parse(path, &p, NULL), 0);
		assert_same_code(&c, &p);
		assert_int_equal(p.host_len, 0);
		/* A shorter GTIN is padded. */
		if (s == CODE_SCHEME_MAC) {
			struct code c8 = c;

			strcpy(c8.gtin, "00000096385074");
			snprintf(alt, sizeof(alt), "/01/96385074/21/%s?S=%s",
			    serial, sig);
			assert_int_equal(parse(alt, &p, NULL), 0);
			assert_same_code(&c8, &p);
		}
	}
}

/* Everything that is not one well-formed code is rejected. */
static void
test_rejects(void **state)
{
	char text[CODE_TEXT_MAX], alt[2 * CODE_TEXT_MAX];
	char serial[CODE_SERIAL_CHARS + 1], sig[BASE32_LEN(SIG_MAX) + 1];
	uint8_t sigb[SIG_MAX + 1];
	struct code c;
	size_t n, siglen;

	(void)state;
	random_code(&c, CODE_SCHEME_ED25519);
	strcpy(c.gtin, "09506000134352");
	n = (size_t)code_format(&c, CODE_DEFAULT_BASE_URL, text, sizeof(text));
	code_serial_text(c.serial, serial);
	sigb[0] = 0x11;
	sigb[1] = c.key_id;
	memcpy(sigb + 2, c.tag, 64);
	siglen = 66;
	base32_encode(sig, sigb, siglen);

	assert_rejected("", 0);
	assert_rejected("   \n", 4);
	/* No S, an empty S, S without '=', two S. */
	snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM/01/%s/21/%s",
	    c.gtin, serial);
	assert_rejected(alt, strlen(alt));
	snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM/01/%s/21/%s?X=1",
	    c.gtin, serial);
	assert_rejected(alt, strlen(alt));
	snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM/01/%s/21/%s?S=",
	    c.gtin, serial);
	assert_rejected(alt, strlen(alt));
	snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM/01/%s/21/%s?S",
	    c.gtin, serial);
	assert_rejected(alt, strlen(alt));
	snprintf(alt, sizeof(alt), "%s&S=%s", text, sig);
	assert_rejected(alt, strlen(alt));
	snprintf(alt, sizeof(alt), "%s&s=%s", text, sig);
	assert_rejected(alt, strlen(alt));
	/* S only in the fragment. */
	snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM/01/%s/21/%s#?S=%s",
	    c.gtin, serial, sig);
	assert_rejected(alt, strlen(alt));

	/* Wrong serial lengths. */
	snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM/01/%s/21/%.12s?S=%s",
	    c.gtin, serial, sig);
	assert_rejected(alt, strlen(alt));
	snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM/01/%s/21/%sA?S=%s",
	    c.gtin, serial, sig);
	assert_rejected(alt, strlen(alt));
	/* Wrong signature lengths: one character more or less, and every
	 * byte length from 0 to 70 except 12 and 66. */
	snprintf(alt, sizeof(alt), "%sA", text);
	assert_rejected(alt, strlen(alt));
	assert_rejected(text, n - 1);
	for (size_t len = 0; len <= 70; len++) {
		uint8_t b[72];

		assert_true(BASE32_LEN(len) <= BASE32_LEN(80));
		if (len == 12 || len == 66)
			continue;
		memset(b, 0, sizeof(b));
		b[0] = len > 40 ? 0x11 : 0x12;
		build_text(alt, sizeof(alt), CODE_DEFAULT_BASE_URL, c.gtin,
		    serial, b, len);
		assert_rejected(alt, strlen(alt));
	}
	/* Wrong GTIN lengths and a bad check digit. */
	snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM/01/950600013435/21/%s?S=%s",
	    serial, sig);
	assert_rejected(alt, strlen(alt));
	snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM/01/009506000134352/21/%s?S=%s",
	    serial, sig);
	assert_rejected(alt, strlen(alt));
	snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM/01/09506000134353/21/%s?S=%s",
	    serial, sig);
	assert_rejected(alt, strlen(alt));
	snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM/01/0950600013435X/21/%s?S=%s",
	    serial, sig);
	assert_rejected(alt, strlen(alt));
	/* Wrong application identifiers or path shape. */
	snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM/02/%s/21/%s?S=%s",
	    c.gtin, serial, sig);
	assert_rejected(alt, strlen(alt));
	snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM/01/%s/22/%s?S=%s",
	    c.gtin, serial, sig);
	assert_rejected(alt, strlen(alt));
	snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM/01/%s/21/%s/?S=%s",
	    c.gtin, serial, sig);
	assert_rejected(alt, strlen(alt));
	snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM/21/%s/01/%s?S=%s",
	    serial, c.gtin, sig);
	assert_rejected(alt, strlen(alt));
	snprintf(alt, sizeof(alt), "HTTPS:///01/%s/21/%s?S=%s", c.gtin, serial,
	    sig);
	assert_rejected(alt, strlen(alt));
	snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM?S=%s", sig);
	assert_rejected(alt, strlen(alt));
	snprintf(alt, sizeof(alt), "01/%s/21/%s?S=%s", c.gtin, serial, sig);
	assert_rejected(alt, strlen(alt));
	snprintf(alt, sizeof(alt), "HTTPS://S.EX AMPLE.COM/01/%s/21/%s?S=%s",
	    c.gtin, serial, sig);
	assert_rejected(alt, strlen(alt));
	snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM/%%30%%31/%s/21/%s?S=%s",
	    c.gtin, serial, sig);
	assert_rejected(alt, strlen(alt));
	snprintf(alt, sizeof(alt), "FTP://S.EXAMPLE.COM/01/%s/21/%s?S=%s",
	    c.gtin, serial, sig);
	assert_rejected(alt, strlen(alt));

	/* Version other than 1, for every version nibble. */
	for (int v = 0; v < 16; v++) {
		if (v == CODE_VERSION)
			continue;
		sigb[0] = (uint8_t)(v << 4 | CODE_SCHEME_ED25519);
		build_text(alt, sizeof(alt), CODE_DEFAULT_BASE_URL, c.gtin,
		    serial, sigb, 66);
		assert_rejected(alt, strlen(alt));
		sigb[0] = (uint8_t)(v << 4 | CODE_SCHEME_MAC);
		build_text(alt, sizeof(alt), CODE_DEFAULT_BASE_URL, c.gtin,
		    serial, sigb, 12);
		assert_rejected(alt, strlen(alt));
	}
	/* Scheme and tag length must agree; unknown schemes fail. */
	for (int s = 0; s < 16; s++) {
		sigb[0] = (uint8_t)(CODE_VERSION << 4 | s);
		build_text(alt, sizeof(alt), CODE_DEFAULT_BASE_URL, c.gtin,
		    serial, sigb, 66);
		if (s == CODE_SCHEME_ED25519)
			assert_int_equal(parse(alt, &c, NULL), 0);
		else
			assert_rejected(alt, strlen(alt));
		build_text(alt, sizeof(alt), CODE_DEFAULT_BASE_URL, c.gtin,
		    serial, sigb, 12);
		if (s == CODE_SCHEME_MAC)
			assert_int_equal(parse(alt, &c, NULL), 0);
		else
			assert_rejected(alt, strlen(alt));
	}
	strcpy(c.gtin, "09506000134352");

	/* Non-canonical base32: padding bits of serial and signature. */
	{
		char t[CODE_SERIAL_CHARS + 1];
		const char *al = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
		const char *p;

		strcpy(t, serial);
		p = strchr(al, t[12]);
		t[12] = al[(p - al) | 1];
		snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM/01/%s/21/%s?S=%s",
		    c.gtin, t, sig);
		assert_rejected(alt, strlen(alt));
		/* 66 bytes: 2 padding bits; 12 bytes: 4 padding bits. */
		for (int bit = 0; bit < 2; bit++) {
			char s2[BASE32_LEN(SIG_MAX) + 1];

			strcpy(s2, sig);
			p = strchr(al, s2[105]);
			s2[105] = al[(p - al) | (1 << bit)];
			snprintf(alt, sizeof(alt),
			    "HTTPS://S.EXAMPLE.COM/01/%s/21/%s?S=%s", c.gtin,
			    serial, s2);
			assert_rejected(alt, strlen(alt));
		}
		sigb[0] = 0x12;
		for (int bit = 0; bit < 4; bit++) {
			char s2[BASE32_LEN(SIG_MAX) + 1];

			base32_encode(s2, sigb, 12);
			p = strchr(al, s2[19]);
			s2[19] = al[(p - al) | (1 << bit)];
			snprintf(alt, sizeof(alt),
			    "HTTPS://S.EXAMPLE.COM/01/%s/21/%s?S=%s", c.gtin,
			    serial, s2);
			assert_rejected(alt, strlen(alt));
		}
		/* Characters outside the alphabet. */
		strcpy(t, serial);
		t[3] = '0';
		snprintf(alt, sizeof(alt), "HTTPS://S.EXAMPLE.COM/01/%s/21/%s?S=%s",
		    c.gtin, t, sig);
		assert_rejected(alt, strlen(alt));
		snprintf(alt, sizeof(alt), "%s", text);
		alt[n - 5] = '=';
		assert_rejected(alt, n);
		alt[n - 5] = '1';
		assert_rejected(alt, n);
	}

	/* NUL bytes anywhere inside, and at the end of the length. */
	for (size_t pos = 0; pos < n; pos += 7) {
		memcpy(alt, text, n);
		alt[pos] = '\0';
		assert_rejected(alt, n);
	}
	memcpy(alt, text, n);
	alt[n] = '\0';
	assert_rejected(alt, n + 1);

	/* Too long: more than CODE_TEXT_MAX after trimming, even when the
	 * code inside is fine. */
	memset(alt, 0, sizeof(alt));
	snprintf(alt, sizeof(alt), "%s&pad=", text);
	for (size_t l = strlen(alt); l < CODE_TEXT_MAX + 1; l++)
		alt[l] = 'X';
	assert_rejected(alt, strlen(alt));
	alt[CODE_TEXT_MAX] = '\0';
	assert_int_equal(parse(alt, &c, NULL), 0);
	/* Whitespace does not count towards the limit. */
	memmove(alt + 8, alt, CODE_TEXT_MAX + 1);
	memset(alt, ' ', 8);
	assert_int_equal(parse(alt, &c, NULL), 0);
}

/* code_format refuses a buffer that is too small. */
static void
test_format_nospace(void **state)
{
	char text[CODE_TEXT_MAX];
	struct code c;
	int n;

	(void)state;
	random_code(&c, CODE_SCHEME_MAC);
	n = code_format(&c, CODE_DEFAULT_BASE_URL, text, sizeof(text));
	assert_true(n > 0);
	assert_int_equal(code_format(&c, CODE_DEFAULT_BASE_URL, text,
	    (size_t)n), -ENOSPC);
	assert_int_equal(code_format(&c, CODE_DEFAULT_BASE_URL, text,
	    (size_t)n + 1), n);
}

/* Scheme names, tag lengths and the message layout. */
static void
test_scheme_and_message(void **state)
{
	uint8_t msg[CODE_MSG_BYTES];
	struct code c;

	(void)state;
	assert_int_equal(code_tag_len(CODE_SCHEME_ED25519), 64);
	assert_int_equal(code_tag_len(CODE_SCHEME_MAC), 10);
	assert_int_equal(code_tag_len(0), 0);
	assert_int_equal(code_tag_len(3), 0);
	assert_string_equal(code_scheme_name(1), "ed25519");
	assert_string_equal(code_scheme_name(2), "mac");
	assert_null(code_scheme_name(3));
	assert_int_equal(code_scheme_parse("Ed25519"), 1);
	assert_int_equal(code_scheme_parse("MAC"), 2);
	assert_int_equal(code_scheme_parse("rsa"), -EINVAL);
	assert_int_equal(CODE_MSG_BYTES, 33);

	memset(&c, 0, sizeof(c));
	strcpy(c.gtin, "09506000134352");
	for (int i = 0; i < 8; i++)
		c.serial[i] = (uint8_t)(0xf0 + i);
	c.version = 1;
	c.scheme = 2;
	c.key_id = 0xab;
	code_message(&c, msg);
	assert_memory_equal(msg, "SCANLOOP1\x12\xab" "09506000134352"
	    "\xf0\xf1\xf2\xf3\xf4\xf5\xf6\xf7", CODE_MSG_BYTES);
}

/* Serial text helpers. */
static void
test_serial_text(void **state)
{
	uint8_t s[8] = { 0 }, back[8];
	char t[CODE_SERIAL_CHARS + 1];

	(void)state;
	code_serial_text(s, t);
	assert_string_equal(t, "AAAAAAAAAAAAA");
	memset(s, 0xff, sizeof(s));
	code_serial_text(s, t);
	assert_string_equal(t, "7777777777776");
	assert_int_equal(code_serial_parse("7777777777776", 13, back), 0);
	assert_memory_equal(back, s, 8);
	assert_int_equal(code_serial_parse("7777777777776", 12, back), -EINVAL);
	assert_int_equal(code_serial_parse("7777777777777", 13, back), -EINVAL);
	assert_int_equal(code_serial_parse("aaaaaaaaaaaaa", 13, back), 0);
}

/* Base URLs are checked, upper-cased and stripped of trailing slashes. */
static void
test_base_url_normalize(void **state)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "https://s.example.com", "HTTPS://S.EXAMPLE.COM" },
		{ "HTTPS://S.EXAMPLE.COM/", "HTTPS://S.EXAMPLE.COM" },
		{ "https://s.example.com///", "HTTPS://S.EXAMPLE.COM" },
		{ "http://localhost:8080/p/q", "HTTP://LOCALHOST:8080/P/Q" },
		{ "Https://Qr.Brand-1.Example/x_y~z.", "HTTPS://QR.BRAND-1.EXAMPLE/X_Y~Z." },
	};
	static const char *bad[] = {
		"", "s.example.com", "ftp://s.example.com", "https://",
		"https:///", "https:///path", "https://:443", "https://a b",
		"https://s.example.com?x=1", "https://s.example.com#f",
		"https://s.example.com/%41", "https://user@s.example.com",
		"https://s.example.com/\xc3\xa4", "https:/s.example.com",
		"https://s.example.com/a\tb", "https://s.example.com/a:b",
		"https://s_1.example.com", "https://s~.example.com/p",
	};
	char out[CODE_BASE_URL_MAX + 1], longurl[CODE_BASE_URL_MAX + 16];
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		why = NULL;
		if (code_base_url_normalize(ok[i].in, out, &why) != 0)
			fail_msg("%s rejected: %s", ok[i].in, why);
		assert_string_equal(out, ok[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (code_base_url_normalize(bad[i], out, &why) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(why);
	}
	/* 128 characters is the limit. */
	memset(longurl, 0, sizeof(longurl));
	strcpy(longurl, "https://");
	memset(longurl + 8, 'a', CODE_BASE_URL_MAX - 8);
	assert_int_equal(code_base_url_normalize(longurl, out, NULL), 0);
	assert_int_equal(strlen(out), CODE_BASE_URL_MAX);
	longurl[CODE_BASE_URL_MAX] = 'a';
	assert_int_equal(code_base_url_normalize(longurl, out, NULL), -EINVAL);

	/* A normalized base URL makes codes that parse, with the host where
	 * the parser says. */
	{
		struct code c, p;
		char text[CODE_TEXT_MAX];

		assert_int_equal(code_base_url_normalize(
		    "https://qr.example.org:8443/brand/", out, NULL), 0);
		random_code(&c, CODE_SCHEME_ED25519);
		assert_true(code_format(&c, out, text, sizeof(text)) > 0);
		assert_int_equal(strncmp(text,
		    "HTTPS://QR.EXAMPLE.ORG:8443/BRAND/01/", 37), 0);
		assert_int_equal(parse(text, &p, NULL), 0);
		assert_same_code(&c, &p);
		assert_int_equal(p.host_off, 8);
		assert_int_equal(p.host_len, strlen("QR.EXAMPLE.ORG:8443"));
	}
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_lenient_forms),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_format_nospace),
		cmocka_unit_test(test_scheme_and_message),
		cmocka_unit_test(test_serial_text),
		cmocka_unit_test(test_base_url_normalize),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
