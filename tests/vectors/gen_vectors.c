/*
 * gen_vectors.c — writes tests/vectors/codes.txt, the known-answer vectors
 * of the code format v1, to stdout.
 *
 * Run once, by hand, when the vector set changes:
 *
 *	build/tests/unit/gen_vectors > tests/vectors/codes.txt
 *
 * The tests never run it: they recompute every vector from its inputs and
 * compare with the checked-in text (tests/unit/test_vectors.c), and a
 * pure-Python implementation does the same independently
 * (tests/vectors/check_vectors.py). README.md describes the format.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/code.h"
#include "codegen/gtin.h"
#include "codegen/keys.h"

struct spec {
	char seed;		/* 'A' or 'B' */
	unsigned key_id;
	int scheme;
	const char *base_url;	/* as given to code_base_url_normalize */
	const char *gtin;	/* as given to gtin_normalize */
	const char *serial;	/* 16 hex digits */
};

static const struct spec specs[] = {
	{ 'A', 1, CODE_SCHEME_ED25519, "HTTPS://S.EXAMPLE.COM", "9506000134352",
	    "0000000000000000" },
	{ 'A', 1, CODE_SCHEME_ED25519, "HTTPS://S.EXAMPLE.COM", "9506000134352",
	    "ffffffffffffffff" },
	{ 'B', 7, CODE_SCHEME_ED25519, "https://qr.scanloop.test/p/",
	    "4006381333931", "0123456789abcdef" },
	{ 'B', 255, CODE_SCHEME_ED25519, "HTTP://LOCALHOST:8080", "036000291452",
	    "8000000000000001" },
	{ 'A', 0, CODE_SCHEME_ED25519, "https://qr.scanloop.test/p",
	    "96385074", "00ff00ff00ff00ff" },
	{ 'A', 2, CODE_SCHEME_MAC, "HTTPS://S.EXAMPLE.COM", "9506000134352",
	    "0000000000000000" },
	{ 'A', 2, CODE_SCHEME_MAC, "HTTPS://S.EXAMPLE.COM", "9506000134352",
	    "ffffffffffffffff" },
	{ 'B', 9, CODE_SCHEME_MAC, "https://qr.scanloop.test/p/",
	    "10614141000415", "fedcba9876543210" },
	{ 'B', 0, CODE_SCHEME_MAC, "HTTP://LOCALHOST:8080", "96385074",
	    "0000000000000001" },
	{ 'A', 128, CODE_SCHEME_MAC, "HTTPS://S.EXAMPLE.COM", "036000291452",
	    "7fffffffffffffff" },
};

/* Seed A is the bytes 00..1f, seed B the bytes ff down to e0. */
static void
gen_seed(char which, uint8_t seed[KEYS_SEED_BYTES])
{
	for (int i = 0; i < KEYS_SEED_BYTES; i++)
		seed[i] = which == 'A' ? (uint8_t)i : (uint8_t)(0xff - i);
}

/* Prints bytes as lower-case hex. */
static void
gen_hex(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
}

/* Prints one vector block; returns 0 or -1. */
static int
gen_one(int num, const struct spec *s)
{
	uint8_t seed[KEYS_SEED_BYTES];
	char base[CODE_BASE_URL_MAX + 1], text[CODE_TEXT_MAX];
	struct keypair *kp = NULL;
	struct code c;
	size_t got;

	gen_seed(s->seed, seed);
	memset(&c, 0, sizeof(c));
	if (code_base_url_normalize(s->base_url, base, NULL) < 0 ||
	    gtin_normalize(s->gtin, strlen(s->gtin), c.gtin) < 0 ||
	    sodium_hex2bin(c.serial, sizeof(c.serial), s->serial,
	    strlen(s->serial), NULL, &got, NULL) != 0 || got != 8 ||
	    keys_from_seed((uint8_t)s->key_id, s->scheme, seed, &kp) < 0)
		return -1;
	keys_sign(kp, &c);
	if (code_format(&c, base, text, sizeof(text)) < 0) {
		keys_free(kp);
		return -1;
	}
	printf("vector: %d\nseed: ", num);
	gen_hex(seed, sizeof(seed));
	printf("\nkey_id: %u\nscheme: %s\nbase_url: %s\ngtin: %s\n"
	    "serial: %s\npublic: ", s->key_id, code_scheme_name(s->scheme),
	    s->base_url, s->gtin, s->serial);
	gen_hex(kp->public, KEYS_PUBLIC_BYTES);
	printf("\ntext: %s\n", text);
	keys_free(kp);
	return 0;
}

/* Prints every vector. */
int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	printf("# scanloop code format v1: known-answer vectors.\n"
	    "# Made by tests/vectors/gen_vectors.c; the format is described in\n"
	    "# tests/vectors/README.md. Blocks are separated by blank lines.\n");
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		printf("\n");
		if (gen_one((int)i + 1, &specs[i]) < 0) {
			fprintf(stderr, "gen_vectors: vector %zu failed\n", i + 1);
			return 1;
		}
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
