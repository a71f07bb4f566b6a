/*
 * test_gs1.c — GS1 Digital Link parsing (codegen/gs1.h) and the forms of a
 * code that are the same code (codegen/code.h, docs/code-format.md 9):
 * GS1's own parsing cases with scanloop's verdict for each, every
 * equivalent spelling of a code, the host comparison, and forms that are
 * not the code.
 */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "codegen/base32.h"
#include "codegen/code.h"
#include "codegen/gs1.h"
#include "../fixtures/gs1_dl_cases.h"

#define NO_KEY "not a GS1 Digital Link of a product (no /01/{GTIN})"

/* GS1's cases: scanloop's verdict, and the parser agrees with the engine
 * wherever the table names no deviation (and disagrees where it does). */
static void
test_engine_cases(void **state)
{
	size_t n = sizeof(gs1t_cases) / sizeof(gs1t_cases[0]);

	(void)state;
	assert_true(n >= 100);
	for (size_t i = 0; i < n; i++) {
		const struct gs1t_case *k = &gs1t_cases[i];
		const char *why = NULL;
		struct gs1_dl dl;
		struct code c;
		int r = code_parse(k->text, strlen(k->text), &c, &why);
		enum gs1t_verdict v;
		bool dl_ok;

		assert_true(r < 0);
		assert_non_null(why);
		v = r == -ENOENT ? GS1T_PRODUCT : strcmp(why, NO_KEY) == 0 ?
		    GS1T_OTHER : GS1T_MALFORMED;
		if (v != k->verdict)
			fail_msg("dl.c:%d %s: verdict %d, want %d (%s)", k->line,
			    k->text, v, k->verdict, why);
		dl_ok = gs1_dl_parse(k->text, strlen(k->text), &dl, &why) == 0;
		if ((dl_ok == k->engine_valid) != (k->deviation == 0))
			fail_msg("dl.c:%d %s: scanloop %s it, the engine %s it "
			    "(deviation %d)", k->line, k->text,
			    dl_ok ? "takes" : "rejects", k->engine_valid ?
			    "takes" : "rejects", k->deviation);
		/* A product's link is a valid Digital Link, and its GTIN
		 * is the one in the path. */
		if (v == GS1T_PRODUCT) {
			assert_true(dl_ok);
			assert_false(dl.has_serial);
			assert_string_equal(c.gtin, dl.gtin);
		}
	}
}

/* Formats c under base with a path between the GTIN and the serial and a
 * query around the signature. */
static void
spell(char *out, size_t cap, const char *base, const struct code *c,
    const char *mid, const char *serial, const char *name,
    const char *sig, const char *tail)
{
	snprintf(out, cap, "%s/01/%s%s/21/%s?%s=%s%s", base, c->gtin, mid,
	    serial, name, sig, tail);
}

/* Percent-encodes every character of s. */
static void
pct(char *out, const char *s)
{
	for (; *s; s++, out += 3)
		sprintf(out, "%%%02X", (unsigned char)*s);
	*out = '\0';
}

/* Every spelling that the standard says is the same code parses to the
 * same code, with the host where it is. */
static void
test_equivalent_forms(void **state)
{
	char serial[CODE_SERIAL_CHARS + 1], sig[BASE32_LEN(66) + 1];
	char pserial[3 * sizeof(serial)], psig[3 * sizeof(sig)];
	char text[2 * CODE_TEXT_MAX];
	uint8_t sigb[66];
	struct code c, p;
	const char *why;
	struct {
		const char *base, *mid, *name, *tail;
		int encode;	/* 1 serial, 2 signature, 3 both */
	} forms[] = {
		{ "HTTPS://S.EXAMPLE.COM", "", "S", "", 0 },
		{ "https://s.example.com:443", "", "S", "", 0 },
		{ "https://s.example.com.", "", "S", "", 0 },
		{ "HTTPS://S.EXAMPLE.COM.:443", "", "s", "", 0 },
		{ "http://s.example.com:80", "", "S", "", 0 },
		{ "HtTpS://S.Example.Com", "", "S", "", 0 },
		{ "https://s.example.com", "", "S", "", 1 },
		{ "https://s.example.com", "", "S", "", 2 },
		{ "https://s.example.com", "", "%53", "", 3 },
		{ "https://s.example.com", "", "%73", "", 0 },
		{ "https://s.example.com", "/10/L%2F1", "S", "", 0 },
		{ "https://s.example.com", "/22/2A/10/ABC+1", "S", "", 0 },
		{ "https://s.example.com", "/22/CPV", "S", "", 0 },
		{ "https://s.example.com", "", "S", "&s=20", 0 },
		{ "https://s.example.com", "", "S", "&17=261231&3103=000195",
		    0 },
		{ "https://s.example.com", "", "S", "&from=timeline&x#frag", 0 },
		{ "https://s.example.com/p/q", "/10/7", "S", "&&", 0 },
		{ "", "", "S", "", 0 },
	};

	(void)state;
	memset(&c, 0, sizeof(c));
	strcpy(c.gtin, "09506000134352");
	c.version = CODE_VERSION;
	c.scheme = CODE_SCHEME_ED25519;
	c.key_id = 1;
	c.tag_len = CODE_ED25519_TAG_BYTES;
	tu_random(c.serial, sizeof(c.serial));
	tu_random(c.tag, c.tag_len);
	code_serial_text(c.serial, serial);
	sigb[0] = 0x11;
	sigb[1] = 1;
	memcpy(sigb + 2, c.tag, 64);
	base32_encode(sig, sigb, 66);
	pct(pserial, serial);
	pct(psig, sig);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		spell(text, sizeof(text), forms[i].base, &c, forms[i].mid,
		    forms[i].encode & 1 ? pserial : serial, forms[i].name,
		    forms[i].encode & 2 ? psig : sig, forms[i].tail);
		why = NULL;
		if (code_parse(text, strlen(text), &p, &why) != 0)
			fail_msg("%s: %s", text, why);
		assert_string_equal(p.gtin, c.gtin);
		assert_memory_equal(p.serial, c.serial, sizeof(c.serial));
		assert_memory_equal(p.tag, c.tag, c.tag_len);
		if (*forms[i].base == '\0') {
			assert_int_equal(p.host_len, 0);
			continue;
		}
		/* The host is the code's, however spelled. */
		assert_true(code_host_is(CODE_DEFAULT_BASE_URL,
		    text + p.host_off, p.host_len, p.host_https));
	}
}

/* Spellings that are not the code, or not the same host. */
static void
test_not_the_code(void **state)
{
	static const char *bad[] = {
		/* A qualifier out of order, twice, or with 235. */
		"/01/09506000134352/10/A/22/B/21/AERUKZ4JVPG66?S=X",
		"/01/09506000134352/21/AERUKZ4JVPG66/21/AERUKZ4JVPG66?S=X",
		"/01/09506000134352/235/T/21/AERUKZ4JVPG66?S=X",
		/* A lot longer than 20 characters; an empty one. */
		"/01/09506000134352/10/ABCDEFGHIJKLMNOPQRSTU/21/"
		    "AERUKZ4JVPG66?S=X",
		"/01/09506000134352/10//21/AERUKZ4JVPG66?S=X",
		/* The serial again in the query; an AI that is not one. */
		"/01/09506000134352/21/AERUKZ4JVPG66?21=AERUKZ4JVPG66",
		"/01/09506000134352/21/AERUKZ4JVPG66?S=X&89=1",
		/* A bad date length, a bad check digit in a query AI. */
		"/01/09506000134352/21/AERUKZ4JVPG66?S=X&17=2612",
		"/01/09506000134352/21/AERUKZ4JVPG66?S=X&414=9520123456789",
		/* A space, an escaped NUL. */
		"/01/09506000134352/21/AERUKZ4JVPG66?S=X&a=b c",
		"/01/09506000134352/21/AERUKZ4JVPG66%00?S=X",
	};
	struct code c;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (code_parse(bad[i], strlen(bad[i]), &c, &why) != -EINVAL)
			fail_msg("not rejected: %s", bad[i]);
		assert_non_null(why);
	}
	/* Another port, another scheme's default port, another host. */
	assert_false(code_host_is("HTTPS://S.EXAMPLE.COM", "s.example.com:8443",
	    18, true));
	assert_false(code_host_is("HTTPS://S.EXAMPLE.COM", "s.example.com:443",
	    17, false));
	assert_false(code_host_is("HTTPS://S.EXAMPLE.COM", "s.example.co", 12,
	    true));
	assert_false(code_host_is("HTTPS://S.EXAMPLE.COM", "s.example.com..",
	    15, true));
	assert_true(code_host_is("HTTPS://S.EXAMPLE.COM:8443", "S.example.com.:08443",
	    20, true));
	assert_true(code_host_is("HTTP://S.EXAMPLE.COM", "s.example.com:80", 16,
	    false));
	assert_true(code_host_is("HTTPS://[2001:DB8::1]", "[2001:db8::1]:443",
	    17, true));
}

/* Percent-decoding: '+' in a query, bad escapes kept, NUL refused. */
static void
test_unescape(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(gs1_unescape(out, sizeof(out), "a%2Fb+c", 7, true), 5);
	assert_memory_equal(out, "a/b c", 5);
	assert_int_equal(gs1_unescape(out, sizeof(out), "a+%zz%4", 7, false), 7);
	assert_memory_equal(out, "a+%zz%4", 7);
	assert_int_equal(gs1_unescape(out, sizeof(out), "%00", 3, false),
	    -EINVAL);
	assert_int_equal(gs1_unescape(out, 2, "abc", 3, false), -ENOSPC);
}

/* AI formats: check digits, character sets, blocks of AIs. */
static void
test_ai_values(void **state)
{
	const char *why;

	(void)state;
	assert_true(gs1_ai_known("3103", 4));
	assert_false(gs1_ai_known("3106", 4));
	assert_false(gs1_ai_known("89", 2));
	assert_true(gs1_ai_is_attribute("17", 2));
	assert_false(gs1_ai_is_attribute("21", 2));
	assert_int_equal(gs1_ai_value_check("414", 3, "9520123456788", 13,
	    &why), 0);
	assert_int_equal(gs1_ai_value_check("414", 3, "9520123456789", 13,
	    &why), -EINVAL);
	assert_int_equal(gs1_ai_value_check("10", 2, "AB C", 4, &why),
	    -EINVAL);
	assert_int_equal(gs1_ai_value_check("8010", 4, "AB-1/#", 6, &why), 0);
	assert_int_equal(gs1_ai_value_check("8010", 4, "ab", 2, &why),
	    -EINVAL);
	assert_int_equal(gs1_ai_value_check("421", 3, "156ABC", 6, &why), 0);
	assert_int_equal(gs1_ai_value_check("421", 3, "15ABC", 5, &why),
	    -EINVAL);
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_cases),
		cmocka_unit_test(test_equivalent_forms),
		cmocka_unit_test(test_not_the_code),
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_ai_values),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
