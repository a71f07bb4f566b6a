/*
 * store_fixture.h — what the store's unit tests share (test_store.c,
 * test_store_mint.c): a fresh store in a fresh temporary directory for
 * each test, code entries with random serials, whole mints, and reads in
 * their own transactions.
 *
 * The helpers fail the test (cmocka) when a store call they rely on
 * fails.
 */
#ifndef SCANLOOP_TESTS_STORE_FIXTURE_H
#define SCANLOOP_TESTS_STORE_FIXTURE_H

#include "testutil.h"

#include "store/store.h"

/* One test's store: its temporary directory, the store's path in it, and
 * the store, open. */
struct fixture {
	char dir[TU_PATH_MAX];
	char db[TU_PATH_MAX];
	struct store *st;
};

/* A fresh store in a fresh temporary directory (cmocka group setup). */
int fixture_setup(void **state);
/* Closes and removes it. */
int fixture_teardown(void **state);
/* Orders entries by serial (qsort, bsearch). */
int entry_cmp(const void *a, const void *b);
/* n entries with distinct random serials in ascending order; half is 0
 * for any serial, 1 for serials below 0x80…, 2 for serials above. */
struct store_code_entry *make_entries_half(size_t n, int half);
/* n entries with distinct random serials in ascending order. */
struct store_code_entry *make_entries(size_t n);
/* A batch record to begin a mint with. */
void batch_template(struct store_batch *b, uint64_t count);
/* Inserts entries (setting their batch id) in chunks of chunk. */
int insert_chunks(struct store_mint *m, uint32_t id,
    struct store_code_entry *e, size_t n, size_t chunk);
/* Mints a whole READY batch of the given entries; returns its id. */
uint32_t mint_batch(struct store *st, struct store_code_entry *e, size_t n);
/* Reads a batch in its own read transaction. */
int get_batch(struct store *st, uint32_t id, struct store_batch *b);
/* Reads a code in its own read transaction. */
int get_code(struct store *st, const uint8_t *serial, struct store_code *c);
/* Asserts that all n entries are stored under batch id with their
 * check bytes (or, with id 0, that none is stored). */
void assert_codes(struct store *st, const struct store_code_entry *e,
    size_t n, uint32_t id);

#endif
