/* store_fixture.c — what test_store.c and test_store_mint.c share: a fresh
 * store per test, random code entries, whole mints and reads. */
#include "store_fixture.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A fresh store in a fresh temporary directory. */
int
fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->st = tu_store_new(f->dir, f->db);
	*state = f;
	return 0;
}

/* Closes and removes it. */
int
fixture_teardown(void **state)
{
	struct fixture *f = *state;

	tu_store_free(f->st, f->dir);
	free(f);
	return 0;
}

/* Orders entries by serial. */
int
entry_cmp(const void *a, const void *b)
{
	return memcmp(a, b, STORE_SERIAL_BYTES);
}

/* n entries with distinct random serials in ascending order; half is 0
 * for any serial, 1 for serials below 0x80…, 2 for serials above. */
struct store_code_entry *
make_entries_half(size_t n, int half)
{
	struct store_code_entry *e = calloc(n ? n : 1, sizeof(*e));
	bool dup;

	assert_non_null(e);
	do {
		for (size_t i = 0; i < n; i++) {
			tu_random(e[i].serial, STORE_SERIAL_BYTES);
			tu_random(e[i].code.check, STORE_CHECK_BYTES);
			if (half == 1)
				e[i].serial[0] &= 0x7f;
			else if (half == 2)
				e[i].serial[0] |= 0x80;
		}
		qsort(e, n, sizeof(*e), entry_cmp);
		dup = false;
		for (size_t i = 1; i < n; i++)
			dup |= memcmp(e[i].serial, e[i - 1].serial, 8) == 0;
	} while (dup);
	return e;
}

/* n entries with distinct random serials in ascending order. */
struct store_code_entry *
make_entries(size_t n)
{
	return make_entries_half(n, 0);
}

/* A batch record to begin a mint with. */
void
batch_template(struct store_batch *b, uint64_t count)
{
	memset(b, 0, sizeof(*b));
	b->key_id = 1;
	b->scheme = 1;
	strcpy(b->gtin, "09506000134352");
	strcpy(b->line, "line-7");
	b->count = count;
	b->created = 1700000000000000;
}

/* Inserts entries (setting their batch id) in chunks of chunk. */
int
insert_chunks(struct store_mint *m, uint32_t id, struct store_code_entry *e,
    size_t n, size_t chunk)
{
	int ret = 0;

	for (size_t i = 0; i < n; i++)
		e[i].code.batch_id = id;
	for (size_t off = 0; off < n && ret == 0; off += chunk)
		ret = store_mint_insert(m, e + off, n - off < chunk ? n - off :
		    chunk);
	return ret;
}

/* Mints a whole READY batch of the given entries; returns its id. */
uint32_t
mint_batch(struct store *st, struct store_code_entry *e, size_t n)
{
	struct store_batch b;
	struct store_mint *m = NULL;

	batch_template(&b, n);
	assert_int_equal(store_mint_begin(st, &b, &m), 0);
	assert_int_equal(insert_chunks(m, b.id, e, n, STORE_MINT_CHUNK), 0);
	assert_int_equal(store_mint_finish(m), 0);
	store_mint_free(m);
	return b.id;
}

/* Reads a batch in its own read transaction. */
int
get_batch(struct store *st, uint32_t id, struct store_batch *b)
{
	struct store_txn t;
	int ret;

	assert_int_equal(store_txn_begin(st, true, &t), 0);
	ret = store_batch_get_txn(&t, id, b);
	store_txn_abort(&t);
	return ret;
}

/* Reads a code in its own read transaction. */
int
get_code(struct store *st, const uint8_t *serial, struct store_code *c)
{
	struct store_txn t;
	int ret;

	assert_int_equal(store_txn_begin(st, true, &t), 0);
	ret = store_code_get_txn(&t, serial, c);
	store_txn_abort(&t);
	return ret;
}

/* Asserts that all n entries are stored under batch id with their
 * check bytes (or, with id 0, that none is stored). */
void
assert_codes(struct store *st, const struct store_code_entry *e, size_t n,
    uint32_t id)
{
	struct store_txn t;

	assert_int_equal(store_txn_begin(st, true, &t), 0);
	for (size_t i = 0; i < n; i++) {
		struct store_code c;
		int ret = store_code_get_txn(&t, e[i].serial, &c);

		if (id == 0) {
			if (ret != -ENOENT)
				fail_msg("code %zu still there (%d)", i, ret);
			continue;
		}
		if (ret != 0)
			fail_msg("code %zu missing (%d)", i, ret);
		assert_int_equal(c.batch_id, id);
		assert_memory_equal(c.check, e[i].code.check, STORE_CHECK_BYTES);
	}
	store_txn_abort(&t);
}
