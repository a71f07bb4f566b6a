/* test_vectors.c — the known-answer vectors of tests/vectors/codes.txt. */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/code.h"
#include "codegen/keys.h"

#define MAX_VECTORS 64

struct vector {
	int line;
	char num[8];
	char seed[80];
	char key_id[8];
	char scheme[16];
	char base_url[CODE_BASE_URL_MAX + 8];
	char gtin[24];
	char serial[24];
	char public[80];
	char text[CODE_TEXT_MAX];
	unsigned have;		/* bit per field */
};

#define NFIELDS 9

/* Stores "name: value" into the vector; returns 0 or -1. */
static int
set_field(struct vector *v, const char *name, const char *value)
{
	static const char *names[NFIELDS] = { "vector", "seed", "key_id",
	    "scheme", "base_url", "gtin", "serial", "public", "text" };
	char *dst[NFIELDS] = { v->num, v->seed, v->key_id, v->scheme,
	    v->base_url, v->gtin, v->serial, v->public, v->text };
	size_t size[NFIELDS] = { sizeof(v->num), sizeof(v->seed),
	    sizeof(v->key_id), sizeof(v->scheme), sizeof(v->base_url),
	    sizeof(v->gtin), sizeof(v->serial), sizeof(v->public),
	    sizeof(v->text) };

	for (int i = 0; i < NFIELDS; i++)
		if (strcmp(name, names[i]) == 0) {
			if ((v->have & (1u << i)) || strlen(value) >= size[i])
				return -1;
			strcpy(dst[i], value);
			v->have |= 1u << i;
			return 0;
		}
	return -1;
}

/* Parses codes.txt into vectors; returns their number. */
static size_t
read_vectors(struct vector *vs)
{
	char path[TU_PATH_MAX];
	char *text, *line;
	size_t n = 0;
	int lineno = 0;
	bool open = false;

	text = tu_read(tu_vector_path(path, "codes.txt"), NULL);
	/* strtok_r skips empty lines, so split by hand. */
	line = text;
	while (line != NULL) {
		char *eol = strchr(line, '\n'), *sep;

		if (eol != NULL)
			*eol = '\0';
		lineno++;
		if (line[0] == '\0') {
			if (open)
				n++;
			open = false;
		} else if (line[0] != '#') {
			if (!open) {
				assert_true(n < MAX_VECTORS);
				memset(&vs[n], 0, sizeof(vs[n]));
				vs[n].line = lineno;
				open = true;
			}
			sep = strstr(line, ": ");
			if (sep == NULL)
				fail_msg("codes.txt:%d: not 'name: value'", lineno);
			*sep = '\0';
			if (set_field(&vs[n], line, sep + 2) < 0)
				fail_msg("codes.txt:%d: bad field '%s'", lineno,
				    line);
		}
		line = eol != NULL ? eol + 1 : NULL;
	}
	if (open)
		n++;
	free(text);
	return n;
}

/* Recomputes one vector and checks it both ways. */
static void
check_vector(const struct vector *v)
{
	uint8_t seed[KEYS_SEED_BYTES], serial[CODE_SERIAL_BYTES];
	uint8_t pub[KEYS_PUBLIC_BYTES];
	char base[CODE_BASE_URL_MAX + 1], text[CODE_TEXT_MAX];
	struct keypair *kp = NULL;
	struct code c, p;
	const char *why = NULL;
	char *end;
	unsigned long id;
	int scheme, n;

	if (v->have != (1u << NFIELDS) - 1)
		fail_msg("vector at line %d lacks fields", v->line);
	assert_int_equal(tu_unhex(seed, sizeof(seed), v->seed,
	    strlen(v->seed)), 0);
	assert_int_equal(tu_unhex(serial, sizeof(serial), v->serial,
	    strlen(v->serial)), 0);
	assert_int_equal(tu_unhex(pub, sizeof(pub), v->public,
	    strlen(v->public)), 0);
	id = strtoul(v->key_id, &end, 10);
	assert_true(*end == '\0' && id <= 255);
	scheme = code_scheme_parse(v->scheme);
	assert_true(scheme == CODE_SCHEME_ED25519 || scheme == CODE_SCHEME_MAC);

	/* Forwards: inputs to text. */
	assert_int_equal(code_base_url_normalize(v->base_url, base, &why), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(gtin_normalize(v->gtin, strlen(v->gtin), c.gtin), 0);
	memcpy(c.serial, serial, sizeof(serial));
	assert_int_equal(keys_from_seed((uint8_t)id, scheme, seed, &kp), 0);
	if (memcmp(kp->public, pub, sizeof(pub)) != 0)
		fail_msg("vector %s: public key differs", v->num);
	keys_sign(kp, &c);
	n = code_format(&c, base, text, sizeof(text));
	assert_int_equal(n, (int)strlen(v->text));
	if (strcmp(text, v->text) != 0)
		fail_msg("vector %s:\n  file     %s\n  computed %s", v->num,
		    v->text, text);

	/* Backwards: the expected text parses to the same fields. */
	assert_int_equal(code_parse(v->text, strlen(v->text), &p, &why), 0);
	assert_string_equal(p.gtin, c.gtin);
	assert_memory_equal(p.serial, serial, sizeof(serial));
	assert_int_equal(p.version, CODE_VERSION);
	assert_int_equal(p.scheme, scheme);
	assert_int_equal(p.key_id, id);
	assert_int_equal(p.tag_len, code_tag_len(scheme));
	assert_memory_equal(p.tag, c.tag, p.tag_len);
	{
		/* The host is what lies between "://" and the next '/'. */
		const char *host = strstr(base, "://") + 3;

		assert_int_equal(p.host_off, host - base);
		assert_int_equal(p.host_len, strcspn(host, "/"));
	}
	if (scheme == CODE_SCHEME_ED25519)
		assert_int_equal(keys_verify_ed25519(pub, &p), 0);
	else
		assert_int_equal(keys_verify_mac(keys_secret(kp), &p), 0);
	keys_free(kp);
}

/* Every vector matches; the set covers what the README promises. */
static void
test_vectors(void **state)
{
	static struct vector vs[MAX_VECTORS];
	size_t n = read_vectors(vs);
	int ed = 0, mac = 0, zero[3] = { 0 }, ones[3] = { 0 };
	int bases = 0;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		int s;

		check_vector(&vs[i]);
		s = code_scheme_parse(vs[i].scheme);
		ed += s == CODE_SCHEME_ED25519;
		mac += s == CODE_SCHEME_MAC;
		zero[s] += strcmp(vs[i].serial, "0000000000000000") == 0;
		ones[s] += strcmp(vs[i].serial, "ffffffffffffffff") == 0;
		/* Distinct base URLs after normalization. */
		bases++;
		for (size_t j = 0; j < i; j++) {
			char a[CODE_BASE_URL_MAX + 1], b[CODE_BASE_URL_MAX + 1];

			assert_int_equal(code_base_url_normalize(vs[i].base_url,
			    a, NULL), 0);
			assert_int_equal(code_base_url_normalize(vs[j].base_url,
			    b, NULL), 0);
			if (strcmp(a, b) == 0) {
				bases--;
				break;
			}
		}
	}
	print_message("%zu vectors checked (%d ed25519, %d mac, %d base URLs)\n",
	    n, ed, mac, bases);
	assert_true(ed >= 4);
	assert_true(mac >= 4);
	assert_true(bases >= 2);
	for (int s = CODE_SCHEME_ED25519; s <= CODE_SCHEME_MAC; s++) {
		assert_true(zero[s] >= 1);
		assert_true(ones[s] >= 1);
	}
}

/* The comparison can fail: a vector with one character changed in its
 * text, seed or serial no longer matches. */
static void
test_vectors_detect_changes(void **state)
{
	static struct vector vs[MAX_VECTORS];
	size_t n = read_vectors(vs);

	(void)state;
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		struct vector v = vs[i];
		uint8_t seed[KEYS_SEED_BYTES], serial[CODE_SERIAL_BYTES];
		char base[CODE_BASE_URL_MAX + 1], text[CODE_TEXT_MAX];
		struct keypair *kp = NULL;
		struct code c;

		assert_int_equal(tu_unhex(seed, sizeof(seed), v.seed, 64), 0);
		assert_int_equal(tu_unhex(serial, 8, v.serial, 16), 0);
		seed[31] ^= 1;
		assert_int_equal(code_base_url_normalize(v.base_url, base,
		    NULL), 0);
		memset(&c, 0, sizeof(c));
		assert_int_equal(gtin_normalize(v.gtin, strlen(v.gtin),
		    c.gtin), 0);
		memcpy(c.serial, serial, 8);
		assert_int_equal(keys_from_seed((uint8_t)atoi(v.key_id),
		    code_scheme_parse(v.scheme), seed, &kp), 0);
		keys_sign(kp, &c);
		assert_true(code_format(&c, base, text, sizeof(text)) > 0);
		assert_string_not_equal(text, v.text);
		keys_free(kp);
	}
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_vectors_detect_changes),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
