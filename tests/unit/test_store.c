/* test_store.c — the LMDB store against a temporary directory: opening
 * and the schema, keys, which codes exist, voiding codes, batch states and
 * statistics (minting: test_store_mint.c). */
#include "store_fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* For the schema record and error mapping: the store's own internals. */
#include "store/store_internal.h"

/* Orders serials. */
static int
serial_cmp(const void *a, const void *b)
{
	return memcmp(a, b, STORE_SERIAL_BYTES);
}

/* Creating, reopening, the schema record, and refusals. */
static void
test_open_schema(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct store_txn t;
	char path[TU_PATH_MAX];
	uint32_t schema = 0;

	assert_string_equal(store_dir(f->st), f->db);
	assert_true(tu_exists(tu_path(path, f->db, "data.mdb")));
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_get_txn(&t, STORE_DB_META, "schema", 6, &schema,
	    sizeof(schema)), 0);
	store_txn_abort(&t);
	assert_int_equal(schema, STORE_SCHEMA_VERSION);
	store_close(f->st);
	f->st = NULL;

	/* Missing stores are not created unless asked. */
	tu_path(path, f->dir, "missing");
	assert_int_equal(store_open(path, 0, &st), -ENOENT);
	assert_int_equal(store_open(path, STORE_RDONLY, &st), -ENOENT);
	assert_null(st);
	assert_false(tu_exists(path));
	/* An empty directory is not a store either. */
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(store_open(path, 0, &st), -ENOENT);
	/* A file is not a directory. */
	tu_path(path, f->dir, "file");
	tu_write(path, "x", 1);
	assert_int_equal(store_open(path, STORE_CREATE, &st), -ENOTDIR);

	/* Reopened read-only: reads work, writes do not. */
	assert_int_equal(store_open(f->db, STORE_RDONLY, &st), 0);
	assert_int_equal(store_txn_begin(st, true, &t), 0);
	schema = 0;
	assert_int_equal(store_get_txn(&t, STORE_DB_META, "schema", 6, &schema,
	    sizeof(schema)), 0);
	assert_int_equal(schema, STORE_SCHEMA_VERSION);
	store_txn_abort(&t);
	assert_true(store_txn_begin(st, false, &t) < 0);
	store_close(st);

	/* A store of another schema version is refused. */
	assert_int_equal(store_open(f->db, 0, &st), 0);
	assert_int_equal(store_txn_begin(st, false, &t), 0);
	schema = STORE_SCHEMA_VERSION + 1;
	assert_int_equal(store_put_txn(&t, STORE_DB_META, "schema", 6, &schema,
	    sizeof(schema), 0), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	store_close(st);
	st = NULL;
	assert_int_equal(store_open(f->db, 0, &st), -EPROTO);
	assert_int_equal(store_open(f->db, STORE_CREATE, &st), -EPROTO);
	assert_null(st);

	/* Error mapping and texts. */
	assert_int_equal(store_error(MDB_NOTFOUND), -ENOENT);
	assert_int_equal(store_error(MDB_KEYEXIST), -EEXIST);
	assert_int_equal(store_error(MDB_MAP_FULL), -ENOSPC);
	assert_int_equal(store_error(MDB_CORRUPTED), -EIO);
	assert_int_equal(store_error(0), 0);
	assert_string_equal(store_strerror(-EBUSY),
	    "a mint is still running for this batch");

	/* Put the fixture back for teardown. */
	tu_rmtree(f->dir);
	f->st = tu_store_new(f->dir, f->db);
}

/* foreach callback collecting key ids; stops at id 200 if asked. */
struct key_list {
	int ids[8];
	int n;
	bool stop;
};

/* Records a key id. */
static int
key_cb(const struct store_key *k, void *arg)
{
	struct key_list *l = arg;

	l->ids[l->n++] = k->id;
	return l->stop && k->id == 5 ? 42 : 0;
}

/* Keys: add, get, duplicates, iteration order, persistence. */
static void
test_keys(void **state)
{
	struct fixture *f = *state;
	static const uint8_t ids[] = { 5, 1, 200 };
	struct store_key k, got;
	struct store_txn t;
	struct key_list l;

	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	for (size_t i = 0; i < 3; i++) {
		memset(&k, 0, sizeof(k));
		k.id = ids[i];
		k.scheme = i == 1 ? 2 : 1;
		k.created = 1000 + (int64_t)i;
		memset(k.public, 0x10 + (int)i, sizeof(k.public));
		snprintf(k.base_url, sizeof(k.base_url), "HTTPS://K%u.EXAMPLE",
		    ids[i]);
		assert_int_equal(store_key_add_txn(&t, &k), 0);
	}
	/* A taken id, in the same transaction: refused, not sticky. */
	k.id = 5;
	memset(k.public, 0xee, sizeof(k.public));
	assert_int_equal(store_key_add_txn(&t, &k), -EEXIST);
	assert_int_equal(t.ret, 0);
	assert_int_equal(store_txn_commit(&t), 0);

	store_close(f->st);
	assert_int_equal(store_open(f->db, 0, &f->st), 0);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_key_add_txn(&t, &k), -EEXIST);
	store_txn_abort(&t);

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	for (size_t i = 0; i < 3; i++) {
		uint8_t pub[STORE_KEY_PUBLIC_BYTES];
		char url[64];

		assert_int_equal(store_key_get_txn(&t, ids[i], &got), 0);
		assert_int_equal(got.id, ids[i]);
		assert_int_equal(got.scheme, i == 1 ? 2 : 1);
		assert_int_equal(got.created, 1000 + (int64_t)i);
		memset(pub, 0x10 + (int)i, sizeof(pub));
		assert_memory_equal(got.public, pub, sizeof(pub));
		snprintf(url, sizeof(url), "HTTPS://K%u.EXAMPLE", ids[i]);
		assert_string_equal(got.base_url, url);
	}
	assert_int_equal(store_key_get_txn(&t, 2, &got), -ENOENT);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_key_foreach_txn(&t, key_cb, &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.ids[0], 1);
	assert_int_equal(l.ids[1], 5);
	assert_int_equal(l.ids[2], 200);
	/* A callback's non-zero return stops the walk and is returned. */
	memset(&l, 0, sizeof(l));
	l.stop = true;
	assert_int_equal(store_key_foreach_txn(&t, key_cb, &l), 42);
	assert_int_equal(l.n, 2);
	store_txn_abort(&t);
}

/* store_codes_exist_txn on a sorted mix of known and unknown serials. */
static void
test_codes_exist(void **state)
{
	struct fixture *f = *state;
	struct store_code_entry *e = make_entries(1000);
	uint8_t (*q)[STORE_SERIAL_BYTES];
	bool *exists, *want;
	struct store_txn t;
	size_t nq = 0;

	mint_batch(f->st, e, 1000);
	q = calloc(1500, sizeof(*q));
	exists = calloc(1500, sizeof(*exists));
	want = calloc(1500, sizeof(*want));
	assert_true(q && exists && want);
	for (size_t i = 0; i < 1000; i += 2)
		memcpy(q[nq++], e[i].serial, 8);
	while (nq < 1500)
		tu_random(q[nq++], 8);
	qsort(q, nq, 8, serial_cmp);
	for (size_t i = 0; i < nq; i++)
		want[i] = bsearch(q[i], e, 1000, sizeof(*e), entry_cmp) != NULL;
	memset(exists, 0xff, 1500 * sizeof(*exists));
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_codes_exist_txn(&t, (const uint8_t (*)[8])q,
	    nq, exists), 0);
	store_txn_abort(&t);
	{
		size_t hits = 0;

		for (size_t i = 0; i < nq; i++) {
			assert_int_equal(exists[i], want[i]);
			hits += exists[i];
		}
		assert_int_equal(hits, 500);
	}
	free(q);
	free(exists);
	free(want);
	free(e);
}

/* Voiding codes: counts, all-or-nothing refusals, idempotence. */
static void
test_codes_void(void **state)
{
	struct fixture *f = *state;
	struct store_code_entry *a = make_entries(100), *bb = make_entries(10);
	struct store_code_entry *big = make_entries(25000);
	uint8_t list[4][STORE_SERIAL_BYTES], unknown[8];
	uint8_t (*all)[STORE_SERIAL_BYTES];
	struct store_batch got, tb;
	struct store_mint *m = NULL;
	struct store_code c;
	uint32_t ida, idb, idbig;
	uint64_t newly = 99;
	size_t bad = 99;

	ida = mint_batch(f->st, a, 100);
	idb = mint_batch(f->st, bb, 10);

	memcpy(list[0], a[0].serial, 8);
	memcpy(list[1], a[1].serial, 8);
	assert_int_equal(store_codes_void(f->st, ida, (const uint8_t (*)[8])list,
	    2, STORE_VOID_DAMAGED, 5, &bad, &newly), 0);
	assert_int_equal(newly, 2);
	assert_int_equal(get_code(f->st, a[0].serial, &c), 0);
	assert_int_equal(c.void_reason, STORE_VOID_DAMAGED);
	assert_int_equal(c.batch_id, ida);
	assert_memory_equal(c.check, a[0].code.check, 8);
	assert_int_equal(get_code(f->st, a[2].serial, &c), 0);
	assert_int_equal(c.void_reason, STORE_VOID_NONE);
	assert_int_equal(get_batch(f->st, ida, &got), 0);
	assert_int_equal(got.voided, 2);
	assert_int_equal(got.state, STORE_BATCH_READY);

	/* Again, even with another reason: nothing changes. */
	assert_int_equal(store_codes_void(f->st, ida, (const uint8_t (*)[8])list,
	    2, STORE_VOID_STOLEN, 6, &bad, &newly), 0);
	assert_int_equal(newly, 0);
	assert_int_equal(get_code(f->st, a[1].serial, &c), 0);
	assert_int_equal(c.void_reason, STORE_VOID_DAMAGED);
	assert_int_equal(get_batch(f->st, ida, &got), 0);
	assert_int_equal(got.voided, 2);

	/* An unknown serial in the list: nothing is voided. */
	do
		tu_random(unknown, 8);
	while (bsearch(unknown, a, 100, sizeof(*a), entry_cmp) ||
	    bsearch(unknown, bb, 10, sizeof(*bb), entry_cmp));
	memcpy(list[0], a[2].serial, 8);
	memcpy(list[1], unknown, 8);
	memcpy(list[2], a[3].serial, 8);
	assert_int_equal(store_codes_void(f->st, ida, (const uint8_t (*)[8])list,
	    3, STORE_VOID_MISPRINT, 7, &bad, &newly), -ENOENT);
	assert_int_equal(bad, 1);
	assert_int_equal(newly, 0);
	assert_int_equal(get_code(f->st, a[2].serial, &c), 0);
	assert_int_equal(c.void_reason, STORE_VOID_NONE);
	assert_int_equal(get_code(f->st, a[3].serial, &c), 0);
	assert_int_equal(c.void_reason, STORE_VOID_NONE);
	/* A serial of another batch: nothing is voided. */
	memcpy(list[1], a[4].serial, 8);
	memcpy(list[2], bb[0].serial, 8);
	assert_int_equal(store_codes_void(f->st, ida, (const uint8_t (*)[8])list,
	    3, STORE_VOID_MISPRINT, 7, &bad, &newly), -EXDEV);
	assert_int_equal(bad, 2);
	assert_int_equal(get_code(f->st, a[2].serial, &c), 0);
	assert_int_equal(c.void_reason, STORE_VOID_NONE);
	assert_int_equal(get_code(f->st, bb[0].serial, &c), 0);
	assert_int_equal(c.void_reason, STORE_VOID_NONE);
	assert_int_equal(get_batch(f->st, ida, &got), 0);
	assert_int_equal(got.voided, 2);
	assert_int_equal(get_batch(f->st, idb, &got), 0);
	assert_int_equal(got.voided, 0);

	/* Duplicates count once. */
	memcpy(list[0], a[5].serial, 8);
	memcpy(list[1], a[6].serial, 8);
	memcpy(list[2], a[5].serial, 8);
	memcpy(list[3], a[6].serial, 8);
	assert_int_equal(store_codes_void(f->st, ida, (const uint8_t (*)[8])list,
	    4, STORE_VOID_LOST, 8, &bad, &newly), 0);
	assert_int_equal(newly, 2);
	assert_int_equal(get_batch(f->st, ida, &got), 0);
	assert_int_equal(got.voided, 4);

	/* Bad reasons, unknown batch, empty list. */
	assert_int_equal(store_codes_void(f->st, ida, (const uint8_t (*)[8])list,
	    1, STORE_VOID_NONE, 8, &bad, &newly), -EINVAL);
	assert_int_equal(store_codes_void(f->st, ida, (const uint8_t (*)[8])list,
	    1, STORE_VOID_OTHER + 1, 8, &bad, &newly), -EINVAL);
	assert_int_equal(store_codes_void(f->st, 9999, (const uint8_t (*)[8])list,
	    1, STORE_VOID_OTHER, 8, &bad, &newly), -ENOENT);
	assert_int_equal(store_codes_void(f->st, ida, (const uint8_t (*)[8])list,
	    0, STORE_VOID_OTHER, 8, &bad, &newly), 0);
	assert_int_equal(newly, 0);

	/* A MINTING batch cannot be voided code by code. */
	batch_template(&tb, 1);
	assert_int_equal(store_mint_begin(f->st, &tb, &m), 0);
	assert_int_equal(store_codes_void(f->st, tb.id,
	    (const uint8_t (*)[8])list, 1, STORE_VOID_OTHER, 8, &bad, &newly),
	    -EBUSY);
	assert_int_equal(store_mint_abort(m), 0);

	/* More codes than one write transaction takes. */
	idbig = mint_batch(f->st, big, 25000);
	all = calloc(25000, sizeof(*all));
	assert_non_null(all);
	for (size_t i = 0; i < 25000; i++)
		memcpy(all[24999 - i], big[i].serial, 8);	/* unsorted */
	assert_int_equal(store_codes_void(f->st, idbig,
	    (const uint8_t (*)[8])all, 25000, STORE_VOID_STOLEN, 9, &bad,
	    &newly), 0);
	assert_int_equal(newly, 25000);
	assert_int_equal(get_batch(f->st, idbig, &got), 0);
	assert_int_equal(got.voided, 25000);
	assert_int_equal(get_code(f->st, big[12345].serial, &c), 0);
	assert_int_equal(c.void_reason, STORE_VOID_STOLEN);
	assert_int_equal(store_codes_void(f->st, idbig,
	    (const uint8_t (*)[8])all, 25000, STORE_VOID_STOLEN, 9, &bad,
	    &newly), 0);
	assert_int_equal(newly, 0);
	free(all);
	free(a);
	free(bb);
	free(big);
}

/* The batch state machine: activate and void. */
static void
test_batch_states(void **state)
{
	struct fixture *f = *state;
	struct store_code_entry *e1 = make_entries(5), *e2 = make_entries(5);
	struct store_batch tb, got, out;
	struct store_mint *m = NULL;
	uint32_t id1, id2;

	id1 = mint_batch(f->st, e1, 5);
	id2 = mint_batch(f->st, e2, 5);
	batch_template(&tb, 1);
	assert_int_equal(store_mint_begin(f->st, &tb, &m), 0);

	/* MINTING: neither activated nor voided. */
	assert_int_equal(store_batch_activate(f->st, tb.id, 10, &out), -EBUSY);
	assert_int_equal(store_batch_void(f->st, tb.id, STORE_VOID_OTHER, 10),
	    -EBUSY);
	assert_int_equal(get_batch(f->st, tb.id, &got), 0);
	assert_int_equal(got.state, STORE_BATCH_MINTING);
	assert_int_equal(store_mint_abort(m), 0);

	/* Unknown. */
	assert_int_equal(store_batch_activate(f->st, 777, 10, &out), -ENOENT);
	assert_int_equal(store_batch_void(f->st, 777, STORE_VOID_OTHER, 10),
	    -ENOENT);

	/* READY → ACTIVE, then idempotent. */
	assert_int_equal(get_batch(f->st, id1, &got), 0);
	assert_int_equal(got.state, STORE_BATCH_READY);
	assert_int_equal(got.activated, 0);
	assert_int_equal(store_batch_activate(f->st, id1, 111, &out), 0);
	assert_int_equal(out.state, STORE_BATCH_ACTIVE);
	assert_int_equal(out.activated, 111);
	assert_int_equal(get_batch(f->st, id1, &got), 0);
	assert_int_equal(got.state, STORE_BATCH_ACTIVE);
	assert_int_equal(got.activated, 111);
	assert_int_equal(store_batch_activate(f->st, id1, 222, &out), 0);
	assert_int_equal(out.state, STORE_BATCH_ACTIVE);
	assert_int_equal(out.activated, 111);
	assert_int_equal(get_batch(f->st, id1, &got), 0);
	assert_int_equal(got.activated, 111);

	/* ACTIVE → VOID; VOID stays VOID; VOID cannot be activated. */
	assert_int_equal(store_batch_void(f->st, id1, STORE_VOID_STOLEN, 333), 0);
	assert_int_equal(get_batch(f->st, id1, &got), 0);
	assert_int_equal(got.state, STORE_BATCH_VOID);
	assert_int_equal(got.void_reason, STORE_VOID_STOLEN);
	assert_int_equal(got.voided_at, 333);
	assert_int_equal(store_batch_void(f->st, id1, STORE_VOID_LOST, 444), 0);
	assert_int_equal(get_batch(f->st, id1, &got), 0);
	assert_int_equal(got.void_reason, STORE_VOID_STOLEN);
	assert_int_equal(got.voided_at, 333);
	assert_int_equal(store_batch_activate(f->st, id1, 555, &out), -EPERM);
	assert_int_equal(get_batch(f->st, id1, &got), 0);
	assert_int_equal(got.state, STORE_BATCH_VOID);

	/* READY → VOID directly. */
	assert_int_equal(store_batch_void(f->st, id2, STORE_VOID_MISPRINT, 666),
	    0);
	assert_int_equal(get_batch(f->st, id2, &got), 0);
	assert_int_equal(got.state, STORE_BATCH_VOID);
	assert_int_equal(store_batch_activate(f->st, id2, 777, &out), -EPERM);
	/* Codes keep their records. */
	assert_codes(f->st, e2, 5, id2);

	/* Names. */
	assert_string_equal(store_batch_state_name(STORE_BATCH_MINTING),
	    "minting");
	assert_string_equal(store_batch_state_name(STORE_BATCH_READY), "ready");
	assert_string_equal(store_batch_state_name(STORE_BATCH_ACTIVE),
	    "active");
	assert_string_equal(store_batch_state_name(STORE_BATCH_VOID), "void");
	assert_string_equal(store_batch_state_name(0), "?");
	assert_string_equal(store_void_reason_name(STORE_VOID_DAMAGED),
	    "damaged");
	assert_null(store_void_reason_name(STORE_VOID_NONE));
	assert_null(store_void_reason_name(STORE_VOID_OTHER + 1));
	assert_int_equal(store_void_reason_parse("Stolen"), STORE_VOID_STOLEN);
	assert_int_equal(store_void_reason_parse("none"), -EINVAL);
	free(e1);
	free(e2);
}

/* Statistics count the codes and the pages they take. */
static void
test_stats(void **state)
{
	struct fixture *f = *state;
	struct store_code_entry *e = make_entries(30000);
	struct store_stats s;

	assert_int_equal(store_stats_get(f->st, &s), 0);
	assert_int_equal(s.codes, 0);
	mint_batch(f->st, e, 30000);
	assert_int_equal(store_stats_get(f->st, &s), 0);
	assert_int_equal(s.codes, 30000);
	assert_true(s.page_size >= 4096);
	assert_true(s.code_pages > 0);
	/* 24 bytes of key and value plus LMDB's 8-byte node header. */
	assert_true(s.code_pages * s.page_size >= 30000ULL * 32);
	assert_true(s.file_bytes >= s.code_pages * s.page_size);
	print_message("%llu codes in %llu pages: %.1f bytes per code\n",
	    (unsigned long long)s.codes, (unsigned long long)s.code_pages,
	    (double)(s.code_pages * s.page_size) / (double)s.codes);
	free(e);
}

/* Runs the tests. */
/* Appends an online draw of serial to campaign's log. */
static void
draw_logged(struct store_txn *t, const char *campaign, uint64_t seq,
    const uint8_t serial[STORE_SERIAL_BYTES])
{
	struct store_draw d;

	memset(&d, 0, sizeof(d));
	d.seq = seq;
	d.kind = STORE_DRAW_ONLINE;
	memcpy(d.serial, serial, STORE_SERIAL_BYTES);
	assert_int_equal(store_draw_append_txn(t, campaign, &d), 0);
}

/* A code's draw kept in its summary: found for its campaign only, checked
 * against the draw record (two campaigns whose tags collide), the index
 * for the rest, and a summary of an older store (56 bytes) read as one
 * without a draw. */
static void
test_draw_in_summary(void **state)
{
	struct fixture *f = *state;
	static const uint8_t x[STORE_SERIAL_BYTES] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t y[STORE_SERIAL_BYTES] = { 9, 9, 9, 9, 9, 9, 9, 9 };
	struct store_code_scans s;
	struct store_draw d;
	struct store_txn t;
	static const char a[] = "c2896", b[] = "c12266";
	uint8_t tags[2][3], tag[3];
	unsigned char old[STORE_CODE_SCANS_V1];

	/* Two campaign ids whose tags collide: the first pair among c0,
	 * c1, ... (found by a search over their tags). */
	store_draw_tag(a, tags[0]);
	store_draw_tag(b, tags[1]);
	assert_memory_equal(tags[0], tags[1], 3);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	draw_logged(&t, a, 1, x);
	memset(&s, 0, sizeof(s));
	s.human = 1;
	store_draw_tag(a, s.draw_tag);
	s.draw_seq = 1;
	assert_int_equal(store_code_scans_put_txn(&t, x, &s), 0);
	assert_int_equal(store_draw_by_code_txn(&t, a, x, &d), 0);
	assert_int_equal(d.seq, 1);
	/* b: its own draw 1 is of another code, so x never drew in b. */
	draw_logged(&t, b, 1, y);
	assert_int_equal(store_draw_by_code_txn(&t, b, x, &d), -ENOENT);
	/* x's draw in b goes to the index: found there. */
	draw_logged(&t, b, 2, x);
	assert_int_equal(store_draw_index_txn(&t, b, x, 2), 0);
	assert_int_equal(store_draw_by_code_txn(&t, b, x, &d), 0);
	assert_int_equal(d.seq, 2);
	assert_int_equal(store_draw_indexed_code_txn(&t, a, x, &d), -ENOENT);
	/* An older store's 56-byte summary (its last bytes reserved, zero):
	 * read, with no draw in it. */
	memset(s.draw_tag, 0, sizeof(s.draw_tag));
	memcpy(old, &s, sizeof(old));
	assert_int_equal(store_put_txn(&t, STORE_DB_CODE_SCANS, y,
	    STORE_SERIAL_BYTES, old, sizeof(old), 0), 0);
	assert_int_equal(store_code_scans_get_txn(&t, y, &s), 0);
	assert_int_equal(s.human, 1);
	assert_int_equal(s.draw_seq, 0);
	store_draw_tag(a, tag);
	assert_memory_not_equal(s.draw_tag, tag, 3);
	assert_int_equal(store_draw_by_code_txn(&t, a, y, &d), -ENOENT);
	assert_int_equal(store_draw_by_code_txn(&t, b, y, &d), -ENOENT);
	store_txn_abort(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_schema, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_keys, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_codes_exist, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_codes_void, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_batch_states,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_stats, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_draw_in_summary,
		    fixture_setup, fixture_teardown),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
