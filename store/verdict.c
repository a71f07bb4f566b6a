/* verdict.c — verdict names, and the reason codes scan events store. */
#include "store/verdict.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

static const char *const verdict_names[VERDICT_COUNT] = {
	[VERDICT_GENUINE] = "genuine",
	[VERDICT_NOT_ACTIVE] = "not_active",
	[VERDICT_VOID] = "void",
	[VERDICT_FORGED] = "forged",
	[VERDICT_MALFORMED] = "malformed",
};

/*
 * Every reason a verdict can give: its stored code (never reused), its
 * exported name, and the sentence scanner/verify.c or the code parsers
 * (codegen/code.c) give for it. Some sentences share a name ("too long"
 * of an outer and of a draw code). tests/unit/test_verdict.c checks that
 * every way verify.c can refuse a code finds its entry here.
 */
static const struct verdict_reason {
	unsigned char code;
	const char *name;
	const char *text;
} verdict_reasons[] = {
	/* Verdict not_active and void. */
	{ 1, "not_activated", "not activated yet" },
	{ 2, "void", "void" },
	{ 3, "misprint", "misprint" },
	{ 4, "damaged", "damaged" },
	{ 5, "lost", "lost" },
	{ 6, "stolen", "stolen" },
	{ 7, "other", "other" },
	/* Forged: the store or the signature says no. */
	{ 20, "unknown_key", "unknown key" },
	{ 21, "scheme_mismatch", "scheme does not match the key" },
	{ 22, "unknown_serial", "unknown serial" },
	{ 23, "signed_not_minted", "unknown serial (signed by our key but "
	    "not minted into this store)" },
	{ 24, "bad_signature", "bad signature" },
	{ 25, "key_mismatch", "key does not match the batch" },
	{ 26, "gtin_mismatch", "GTIN does not match the batch" },
	{ 27, "wrong_host", "the URL's host is not the host of this key's "
	    "codes" },
	{ 28, "unknown_drawcode", "unknown draw code" },
	/* Malformed: the text is no code at all. */
	{ 40, "too_long", "too long" },
	{ 41, "empty", "empty" },
	{ 42, "nul_byte", "contains a NUL byte" },
	{ 43, "no_host_or_path", "URL has no host or path" },
	{ 44, "bad_host", "unexpected character in host" },
	{ 45, "no_signature", "no signature (S parameter)" },
	{ 46, "two_signatures", "more than one signature (S parameter)" },
	{ 47, "signature_length", "signature has the wrong length" },
	{ 48, "signature_not_base32", "signature is not canonical base32" },
	{ 49, "unknown_version", "unknown code format version" },
	{ 50, "signature_scheme_length", "signature length does not match "
	    "its scheme" },
	{ 51, "not_digital_link", "not a GS1 Digital Link path" },
	{ 52, "bad_path_character", "unexpected character in path" },
	{ 53, "not_gtin_serial_path", "path is not /01/{GTIN}/21/{SERIAL}" },
	{ 54, "gtin_check_digit", "GTIN check digit is wrong" },
	{ 55, "gtin_length", "GTIN is not 8, 12, 13 or 14 digits" },
	{ 56, "bad_serial", "serial is not 13 canonical base32 characters" },
	{ 57, "drawcode_length", "a draw code has 16 characters" },
	{ 58, "not_drawcode", "not a draw code" },
	/* Malformed, from the GS1 Digital Link parser (codegen/gs1_dl.c). */
	{ 59, "bad_url_character", "a character that a URL may not hold" },
	{ 60, "not_url_or_path", "not an http(s) URL or a path" },
	{ 61, "no_gtin", "not a GS1 Digital Link of a product (no /01/{GTIN})" },
	{ 62, "bad_qualifiers", "the path after the GTIN is not /22/, /10/, "
	    "/21/ in this order, or /235/" },
	{ 63, "gs1_value_empty", "a GS1 value is empty" },
	{ 64, "gs1_value_nul", "a GS1 value holds an encoded NUL byte" },
	{ 65, "gs1_value_length", "a GS1 value has the wrong length for its "
	    "AI" },
	{ 66, "gs1_value_character", "a GS1 value has a character its AI "
	    "does not allow" },
	{ 67, "gs1_value_check_digit", "a GS1 value has a wrong check digit" },
	{ 68, "gs1_unknown_ai", "unknown GS1 Application Identifier" },
	{ 69, "gs1_query_not_attribute", "a GS1 AI in the query is not a data "
	    "attribute" },
	{ 70, "gs1_query_in_path", "a GS1 AI in the query belongs in the "
	    "path" },
	{ 71, "gs1_ai_twice", "a GS1 AI appears twice" },
	{ 72, "gs1_too_many_ais", "too many GS1 AIs" },
	{ 73, "product_link", "a product's link without a serial" },
	{ VERDICT_REASON_UNCLASSIFIED, "unclassified", NULL },
};

#define VERDICT_REASONS (sizeof(verdict_reasons) / sizeof(verdict_reasons[0]))

/* Names a verdict. */
const char *
verdict_name(int v)
{
	return v >= 0 && v < VERDICT_COUNT ? verdict_names[v] : "?";
}

/* Parses a verdict name. */
int
verdict_parse(const char *name)
{
	for (int v = 0; v < VERDICT_COUNT; v++)
		if (strcmp(name, verdict_names[v]) == 0)
			return v;
	return -EINVAL;
}

/* Names a reason code. */
const char *
verdict_reason_name(int code)
{
	for (size_t i = 0; i < VERDICT_REASONS; i++)
		if (verdict_reasons[i].code == code)
			return verdict_reasons[i].name;
	return NULL;
}

/* The code of a reason sentence. */
int
verdict_reason_code(const char *text)
{
	if (text == NULL)
		return VERDICT_REASON_NONE;
	for (size_t i = 0; i < VERDICT_REASONS; i++)
		if (verdict_reasons[i].text != NULL &&
		    strcmp(verdict_reasons[i].text, text) == 0)
			return verdict_reasons[i].code;
	return VERDICT_REASON_UNCLASSIFIED;
}
