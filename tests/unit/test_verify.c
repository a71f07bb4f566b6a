/* test_verify.c — the verdicts of scanner/verify.h against a real store. */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/code.h"
#include "codegen/keys.h"
#include "scanner/verify.h"
#include "store/store.h"

#define NCODES 20
#define GTIN_A "09506000134352"
#define GTIN_B "04006381333931"

struct fixture {
	char dir[TU_PATH_MAX];
	struct store *st;
	struct keypair *ed;	/* id 1, in the store */
	struct keypair *mac;	/* id 2, in the store */
	struct keypair *ed3;	/* id 3, in the store */
	struct keypair *stranger;	/* id 9, not in the store */
	struct code a[NCODES];	/* batch A: key 1, GTIN_A */
	struct code m[NCODES];	/* batch M: key 2, GTIN_A */
	struct code c3[NCODES];	/* batch C: key 3, GTIN_B */
	uint32_t ida, idm, idc;
};

/* Orders entries by serial. */
static int
entry_cmp(const void *a, const void *b)
{
	return memcmp(a, b, STORE_SERIAL_BYTES);
}

/* Signs n codes with kp and stores them as one READY batch. */
static uint32_t
mint(struct store *st, const struct keypair *kp, const char *gtin,
    struct code *codes, size_t n, bool finish, struct store_mint **mp)
{
	struct store_code_entry e[NCODES];
	struct store_batch b;
	struct store_mint *m = NULL;

	memset(&b, 0, sizeof(b));
	b.key_id = kp->id;
	b.scheme = kp->scheme;
	strcpy(b.gtin, gtin);
	b.count = n;
	assert_int_equal(store_mint_begin(st, &b, &m), 0);
	memset(e, 0, sizeof(e));
	for (size_t i = 0; i < n; i++) {
		memset(&codes[i], 0, sizeof(codes[i]));
		strcpy(codes[i].gtin, gtin);
		tu_random(codes[i].serial, CODE_SERIAL_BYTES);
		keys_sign(kp, &codes[i]);
		memcpy(e[i].serial, codes[i].serial, 8);
		e[i].code.batch_id = b.id;
		code_check_digest(&codes[i], e[i].code.check);
	}
	qsort(e, n, sizeof(e[0]), entry_cmp);
	assert_int_equal(store_mint_insert(m, e, n), 0);
	if (finish) {
		assert_int_equal(store_mint_finish(m), 0);
		store_mint_free(m);
	} else
		*mp = m;
	return b.id;
}

/* A store with three keys and three READY batches. */
static int
setup(void **state)
{
	static const uint8_t seed[32] = { 1, 2, 3 };
	struct fixture *f = calloc(1, sizeof(*f));
	char db[TU_PATH_MAX];

	assert_non_null(f);
	f->st = tu_store_new(f->dir, db);
	assert_int_equal(keys_generate(1, CODE_SCHEME_ED25519, &f->ed), 0);
	assert_int_equal(keys_generate(2, CODE_SCHEME_MAC, &f->mac), 0);
	assert_int_equal(keys_generate(3, CODE_SCHEME_ED25519, &f->ed3), 0);
	assert_int_equal(keys_from_seed(9, CODE_SCHEME_ED25519, seed,
	    &f->stranger), 0);
	tu_key_add(f->st, f->ed);
	tu_key_add(f->st, f->mac);
	tu_key_add(f->st, f->ed3);
	f->ida = mint(f->st, f->ed, GTIN_A, f->a, NCODES, true, NULL);
	f->idm = mint(f->st, f->mac, GTIN_A, f->m, NCODES, true, NULL);
	f->idc = mint(f->st, f->ed3, GTIN_B, f->c3, NCODES, true, NULL);
	*state = f;
	return 0;
}

/* Frees everything. */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	keys_free(f->ed);
	keys_free(f->mac);
	keys_free(f->ed3);
	keys_free(f->stranger);
	tu_store_free(f->st, f->dir);
	free(f);
	return 0;
}

/* Formats and verifies a code's text in a fresh read transaction. */
static void
verify(struct fixture *f, const struct code *c, int flags,
    struct verify_result *r)
{
	char text[CODE_TEXT_MAX];
	struct store_txn t;

	assert_true(code_format(c, CODE_DEFAULT_BASE_URL, text,
	    sizeof(text)) > 0);
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(verify_text_txn(&t, text, strlen(text), flags, r), 0);
	store_txn_abort(&t);
}

/* Asserts a verdict and, if given, a word of its reason. */
static void
expect(struct fixture *f, const struct code *c, enum verdict v,
    const char *reason_has)
{
	struct verify_result r;

	for (int flags = 0; flags <= VERIFY_FULL_SIGNATURE; flags++) {
		verify(f, c, flags, &r);
		if (r.verdict != v)
			fail_msg("verdict %s (%s), want %s",
			    verify_verdict_name(r.verdict),
			    r.reason ? r.reason : "-", verify_verdict_name(v));
		if (v == VERDICT_GENUINE)
			assert_null(r.reason);
		else
			assert_non_null(r.reason);
		if (reason_has != NULL && strstr(r.reason, reason_has) == NULL)
			fail_msg("reason '%s' lacks '%s'", r.reason, reason_has);
		assert_true(r.parsed);
	}
}

/* READY → not_active, ACTIVE → genuine, for both schemes. */
static void
test_not_active_then_genuine(void **state)
{
	struct fixture *f = *state;
	struct store_batch b;
	struct verify_result r;

	for (int i = 0; i < NCODES; i++) {
		expect(f, &f->a[i], VERDICT_NOT_ACTIVE, "not activated");
		expect(f, &f->m[i], VERDICT_NOT_ACTIVE, NULL);
	}
	assert_int_equal(store_batch_activate(f->st, f->ida, 1, &b), 0);
	assert_int_equal(store_batch_activate(f->st, f->idm, 1, &b), 0);
	for (int i = 0; i < NCODES; i++) {
		expect(f, &f->a[i], VERDICT_GENUINE, NULL);
		expect(f, &f->m[i], VERDICT_GENUINE, NULL);
	}
	verify(f, &f->a[3], VERIFY_FULL_SIGNATURE, &r);
	assert_int_equal(r.sig, VERIFY_SIG_VALID);
	assert_true(r.known);
	assert_int_equal(r.batch.id, f->ida);
	assert_int_equal(r.rec.batch_id, f->ida);
	assert_memory_equal(r.code.serial, f->a[3].serial, 8);
	assert_string_equal(verify_verdict_name(r.verdict), "genuine");
	/* Batch C is still READY. */
	expect(f, &f->c3[0], VERDICT_NOT_ACTIVE, NULL);
}

/* Voided codes and voided batches. */
static void
test_void(void **state)
{
	struct fixture *f = *state;
	struct store_batch b;
	uint8_t list[2][8];
	uint64_t newly;
	size_t bad;

	assert_int_equal(store_batch_activate(f->st, f->ida, 1, &b), 0);
	memcpy(list[0], f->a[0].serial, 8);
	memcpy(list[1], f->a[1].serial, 8);
	assert_int_equal(store_codes_void(f->st, f->ida,
	    (const uint8_t (*)[8])list, 2, STORE_VOID_DAMAGED, 2, &bad,
	    &newly), 0);
	expect(f, &f->a[0], VERDICT_VOID, "damaged");
	expect(f, &f->a[1], VERDICT_VOID, "damaged");
	expect(f, &f->a[2], VERDICT_GENUINE, NULL);
	/* A voided code of a batch not yet active is void too. */
	memcpy(list[0], f->m[5].serial, 8);
	assert_int_equal(store_codes_void(f->st, f->idm,
	    (const uint8_t (*)[8])list, 1, STORE_VOID_MISPRINT, 2, &bad,
	    &newly), 0);
	expect(f, &f->m[5], VERDICT_VOID, "misprint");
	expect(f, &f->m[6], VERDICT_NOT_ACTIVE, NULL);
	/* The whole batch. */
	assert_int_equal(store_batch_void(f->st, f->ida, STORE_VOID_STOLEN, 3),
	    0);
	expect(f, &f->a[2], VERDICT_VOID, "stolen");
	expect(f, &f->a[0], VERDICT_VOID, NULL);
	assert_int_equal(store_batch_void(f->st, f->idc, STORE_VOID_LOST, 3), 0);
	expect(f, &f->c3[7], VERDICT_VOID, "lost");
	assert_string_equal(verify_verdict_name(VERDICT_VOID), "void");
}

/* Forgeries of every kind. */
static void
test_forged(void **state)
{
	struct fixture *f = *state;
	struct store_batch b;
	struct verify_result r;
	struct code c;

	assert_int_equal(store_batch_activate(f->st, f->ida, 1, &b), 0);
	assert_int_equal(store_batch_activate(f->st, f->idm, 1, &b), 0);
	assert_int_equal(store_batch_activate(f->st, f->idc, 1, &b), 0);

	/* A flipped tag bit, either scheme. */
	c = f->a[4];
	c.tag[17] ^= 0x04;
	expect(f, &c, VERDICT_FORGED, "bad signature");
	verify(f, &c, 0, &r);
	assert_int_equal(r.sig, VERIFY_SIG_INVALID);
	assert_true(r.known);
	c = f->m[4];
	c.tag[9] ^= 0x80;
	expect(f, &c, VERDICT_FORGED, "bad signature");

	/* A key the store does not know. */
	c = f->a[4];
	keys_sign(f->stranger, &c);
	expect(f, &c, VERDICT_FORGED, "unknown key");
	/* Key 1's serial signed as key 3: the batch was key 1's. */
	c = f->a[4];
	keys_sign(f->ed3, &c);
	expect(f, &c, VERDICT_FORGED, "key does not match the batch");
	/* Key id 1 with a MAC tag: scheme mismatch. */
	c = f->a[4];
	c.scheme = CODE_SCHEME_MAC;
	c.tag_len = CODE_MAC_TAG_BYTES;
	expect(f, &c, VERDICT_FORGED, "scheme does not match");
	/* Key id 2 (MAC) with an Ed25519 tag. */
	c = f->m[4];
	c.scheme = CODE_SCHEME_ED25519;
	c.tag_len = CODE_ED25519_TAG_BYTES;
	expect(f, &c, VERDICT_FORGED, "scheme does not match");

	/* A known serial, properly signed by the right key, for another
	 * GTIN than its batch's. */
	c = f->c3[4];
	strcpy(c.gtin, GTIN_A);
	keys_sign(f->ed3, &c);
	assert_int_equal(keys_verify_ed25519(f->ed3->public, &c), 0);
	expect(f, &c, VERDICT_FORGED, "GTIN does not match");

	/* A serial the store never minted, validly signed by our key: the
	 * key signed it, but it is not ours to honour. */
	memset(&c, 0, sizeof(c));
	strcpy(c.gtin, GTIN_A);
	tu_random(c.serial, 8);
	keys_sign(f->ed, &c);
	expect(f, &c, VERDICT_FORGED, "unknown serial");
	verify(f, &c, 0, &r);
	assert_int_equal(r.sig, VERIFY_SIG_VALID);
	assert_false(r.known);
	/* The same with a bad signature. */
	c.tag[0] ^= 1;
	expect(f, &c, VERDICT_FORGED, "bad signature");
	verify(f, &c, 0, &r);
	assert_int_equal(r.sig, VERIFY_SIG_INVALID);
	assert_false(r.known);
	/* An unknown MAC serial. */
	memset(&c, 0, sizeof(c));
	strcpy(c.gtin, GTIN_A);
	tu_random(c.serial, 8);
	keys_sign(f->mac, &c);
	expect(f, &c, VERDICT_FORGED, "unknown serial");

	/* A genuine code on another host (copied to a look-alike site):
	 * forged. The bare path a server receives carries no host. */
	{
		char text[CODE_TEXT_MAX], *path;
		struct store_txn t;

		assert_true(code_format(&f->a[7], "HTTPS://S.EXAMPLE.CO", text,
		    sizeof(text)) > 0);
		assert_int_equal(store_txn_begin(f->st, true, &t), 0);
		assert_int_equal(verify_text_txn(&t, text, strlen(text), 0, &r),
		    0);
		assert_int_equal(r.verdict, VERDICT_FORGED);
		assert_non_null(strstr(r.reason, "host"));
		/* The host is compared without regard to case. */
		assert_true(code_format(&f->a[7], "https://s.example.com", text,
		    sizeof(text)) > 0);
		assert_int_equal(verify_text_txn(&t, text, strlen(text), 0, &r),
		    0);
		assert_int_equal(r.verdict, VERDICT_GENUINE);
		path = strstr(text, "/01/");
		assert_int_equal(verify_text_txn(&t, path, strlen(path), 0, &r),
		    0);
		assert_int_equal(r.verdict, VERDICT_GENUINE);
		store_txn_abort(&t);
	}

	/* A copy of a genuine code whose serial is one bit away. */
	c = f->a[6];
	c.serial[7] ^= 1;
	expect(f, &c, VERDICT_FORGED, NULL);
	assert_string_equal(verify_verdict_name(VERDICT_FORGED), "forged");
}

/* Codes of a batch still minting are unknown, hence forged, whatever
 * their signature. */
static void
test_minting_invisible(void **state)
{
	struct fixture *f = *state;
	struct code c[NCODES];
	struct store_mint *m = NULL;
	struct verify_result r;

	mint(f->st, f->ed, GTIN_A, c, 5, false, &m);
	expect(f, &c[0], VERDICT_FORGED, "unknown serial");
	verify(f, &c[0], 0, &r);
	assert_false(r.known);
	assert_int_equal(store_mint_finish(m), 0);
	store_mint_free(m);
	expect(f, &c[0], VERDICT_NOT_ACTIVE, NULL);
}

/* Text that is not a code. */
static void
test_malformed(void **state)
{
	static const char *bad[] = {
		"", "hello", "https://s.example.com/",
		"HTTPS://S.EXAMPLE.COM/01/09506000134352/21/AAAAAAAAAAAAA",
		"HTTPS://S.EXAMPLE.COM/01/09506000134353/21/AAAAAAAAAAAAA?S=CIBIZSH27PPQQY6DEEYA",
		"HTTPS://S.EXAMPLE.COM/01/09506000134352/21/AAAAAAAAAAAAB?S=CIBIZSH27PPQQY6DEEYA",
	};
	struct fixture *f = *state;
	struct verify_result r;
	struct store_txn t;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(verify_text_txn(&t, bad[i], strlen(bad[i]), 0,
		    &r), 0);
		if (r.verdict != VERDICT_MALFORMED)
			fail_msg("'%s': %s", bad[i], verify_verdict_name(r.verdict));
		assert_false(r.parsed);
		assert_non_null(r.reason);
	}
	/* Well-formed but unknown to the store: forged, not malformed. */
	{
		const char *ok = "HTTPS://S.EXAMPLE.COM/01/09506000134352/21/"
		    "AAAAAAAAAAAAA?S=CIBIZSH27PPQQY6DEEYA";

		assert_int_equal(verify_text_txn(&t, ok, strlen(ok), 0, &r), 0);
		assert_int_equal(r.verdict, VERDICT_FORGED);
		assert_true(r.parsed);
	}
	store_txn_abort(&t);
	assert_string_equal(verify_verdict_name(VERDICT_MALFORMED), "malformed");
	assert_string_equal(verify_verdict_name(VERDICT_NOT_ACTIVE),
	    "not_active");
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_not_active_then_genuine,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_void, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_minting_invisible, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
