/* test_store.c — the LMDB store against a temporary directory. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"
/* For the schema record and error mapping: the store's own internals. */
#include "store/store_internal.h"

struct fixture {
	char dir[TU_PATH_MAX];
	char db[TU_PATH_MAX];
	struct store *st;
};

/* A fresh store in a fresh temporary directory. */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	tu_tmpdir(f->dir);
	tu_path(f->db, f->dir, "db");
	assert_int_equal(store_open(f->db, STORE_CREATE, &f->st), 0);
	*state = f;
	return 0;
}

/* Closes and removes it. */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	tu_rmtree(f->dir);
	free(f);
	return 0;
}

/* Orders entries by serial. */
static int
entry_cmp(const void *a, const void *b)
{
	return memcmp(a, b, STORE_SERIAL_BYTES);
}

/* Orders serials. */
static int
serial_cmp(const void *a, const void *b)
{
	return memcmp(a, b, STORE_SERIAL_BYTES);
}

/* n entries with distinct random serials in ascending order; half is 0
 * for any serial, 1 for serials below 0x80…, 2 for serials above. */
static struct store_code_entry *
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
static struct store_code_entry *
make_entries(size_t n)
{
	return make_entries_half(n, 0);
}

/* A batch record to begin a mint with. */
static void
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
static int
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
static uint32_t
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
static int
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
static int
get_code(struct store *st, const uint8_t *serial, struct store_code *c)
{
	struct store_txn t;
	int ret;

	assert_int_equal(store_txn_begin(st, true, &t), 0);
	ret = store_code_get_txn(&t, serial, c);
	store_txn_abort(&t);
	return ret;
}

/* Counts the batches. */
static int
count_cb(const struct store_batch *b, void *arg)
{
	(void)b;
	(*(int *)arg)++;
	return 0;
}

/* Number of batches in the store. */
static int
count_batches(struct store *st)
{
	struct store_txn t;
	int n = 0;

	assert_int_equal(store_txn_begin(st, true, &t), 0);
	assert_int_equal(store_batch_foreach_txn(&t, count_cb, &n), 0);
	store_txn_abort(&t);
	return n;
}

/* Number of codes in the store. */
static uint64_t
count_codes(struct store *st)
{
	struct store_stats s;

	assert_int_equal(store_stats_get(st, &s), 0);
	return s.codes;
}

/* Asserts that all n entries are stored under batch id with their
 * check bytes (or, with id 0, that none is stored). */
static void
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
	tu_tmpdir(f->dir);
	tu_path(f->db, f->dir, "db");
	assert_int_equal(store_open(f->db, STORE_CREATE, &f->st), 0);
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

/* begin → insert chunks → finish: the batch is MINTING until finish,
 * then READY, with every code under its id. */
static void
test_mint_cycle(void **state)
{
	struct fixture *f = *state;
	const size_t n = 25000;
	struct store_code_entry *e = make_entries(n);
	struct store_batch b, got;
	struct store_mint *m = NULL;
	struct store_txn rt;
	struct store_code c;
	uint32_t id;

	batch_template(&b, n);
	assert_int_equal(store_mint_begin(f->st, &b, &m), 0);
	id = b.id;
	assert_true(id >= 1);
	assert_int_equal(b.state, STORE_BATCH_MINTING);
	assert_int_equal(get_batch(f->st, id, &got), 0);
	assert_int_equal(got.state, STORE_BATCH_MINTING);
	assert_int_equal(got.count, n);
	assert_string_equal(got.gtin, "09506000134352");
	assert_string_equal(got.line, "line-7");

	/* A reader that started before the inserts keeps its snapshot. */
	assert_int_equal(store_txn_begin(f->st, true, &rt), 0);

	assert_int_equal(store_mint_insert(m, e, 0), 0);
	for (size_t i = 0; i < n; i++)
		e[i].code.batch_id = id;
	assert_int_equal(store_mint_insert(m, e, 10000), 0);
	assert_int_equal(get_batch(f->st, id, &got), 0);
	assert_int_equal(got.inserted, 10000);
	assert_memory_equal(got.lo, e[0].serial, 8);
	assert_memory_equal(got.hi, e[9999].serial, 8);
	assert_int_equal(store_mint_insert(m, e + 10000, 10000), 0);
	assert_int_equal(store_mint_insert(m, e + 20000, n - 20000), 0);
	assert_int_equal(get_batch(f->st, id, &got), 0);
	assert_int_equal(got.inserted, n);
	assert_memory_equal(got.lo, e[0].serial, 8);
	assert_memory_equal(got.hi, e[n - 1].serial, 8);
	/* Inserted but still MINTING: the batch state is what readers see. */
	assert_int_equal(got.state, STORE_BATCH_MINTING);
	assert_codes(f->st, e, n, id);
	assert_int_equal(store_code_get_txn(&rt, e[0].serial, &c), -ENOENT);

	assert_int_equal(store_mint_finish(m), 0);
	store_mint_free(m);
	assert_int_equal(get_batch(f->st, id, &got), 0);
	assert_int_equal(got.state, STORE_BATCH_READY);
	assert_int_equal(got.inserted, n);
	assert_int_equal(count_codes(f->st), n);

	/* The old snapshot still sees a MINTING batch and no codes;
	 * renewed, it sees all. */
	assert_int_equal(store_batch_get_txn(&rt, id, &got), 0);
	assert_int_equal(got.state, STORE_BATCH_MINTING);
	assert_int_equal(got.inserted, 0);
	assert_int_equal(store_code_get_txn(&rt, e[n - 1].serial, &c), -ENOENT);
	store_txn_reset(&rt);
	assert_int_equal(store_txn_renew(&rt), 0);
	assert_int_equal(store_batch_get_txn(&rt, id, &got), 0);
	assert_int_equal(got.state, STORE_BATCH_READY);
	assert_int_equal(store_code_get_txn(&rt, e[n / 2].serial, &c), 0);
	assert_int_equal(c.batch_id, id);
	store_txn_abort(&rt);

	/* Batch ids are never reused. */
	{
		struct store_code_entry *e2 = make_entries(3);
		uint32_t id2 = mint_batch(f->st, e2, 3);

		assert_int_equal(id2, id + 1);
		free(e2);
	}
	free(e);
}

/* finish refuses a batch whose inserts are incomplete. */
static void
test_mint_incomplete(void **state)
{
	struct fixture *f = *state;
	struct store_code_entry *e = make_entries(10);
	struct store_batch b, got;
	struct store_mint *m = NULL;

	batch_template(&b, 10);
	assert_int_equal(store_mint_begin(f->st, &b, &m), 0);
	assert_int_equal(insert_chunks(m, b.id, e, 5, 5), 0);
	assert_int_equal(store_mint_finish(m), -EINVAL);
	assert_int_equal(get_batch(f->st, b.id, &got), 0);
	assert_int_equal(got.state, STORE_BATCH_MINTING);
	assert_int_equal(store_mint_abort(m), 0);
	assert_int_equal(get_batch(f->st, b.id, &got), -ENOENT);
	assert_codes(f->st, e, 5, 0);
	assert_int_equal(count_codes(f->st), 0);
	free(e);
}

/* abort removes every code of the batch and its record, in several
 * clean-up transactions, and nothing of a neighbouring batch whose
 * serials interleave with it. */
static void
test_mint_abort(void **state)
{
	struct fixture *f = *state;
	const size_t na = 20000, nb = 25000;
	struct store_code_entry *a = make_entries(na), *b = make_entries(nb);
	struct store_batch tb, got;
	struct store_mint *m = NULL;
	uint32_t ida;

	ida = mint_batch(f->st, a, na);
	batch_template(&tb, nb);
	assert_int_equal(store_mint_begin(f->st, &tb, &m), 0);
	assert_int_equal(insert_chunks(m, tb.id, b, nb, 10000), 0);
	assert_int_equal(count_codes(f->st), na + nb);
	assert_int_equal(store_mint_abort(m), 0);
	assert_int_equal(get_batch(f->st, tb.id, &got), -ENOENT);
	assert_codes(f->st, b, nb, 0);
	assert_codes(f->st, a, na, ida);
	assert_int_equal(count_codes(f->st), na);
	assert_int_equal(count_batches(f->st), 1);
	assert_int_equal(store_mint_abort(NULL), 0);
	free(a);
	free(b);
}

/* A serial is unique across the whole store: a chunk holding a serial
 * of another batch, or the same serial twice, fails with -EEXIST and
 * inserts nothing. */
static void
test_serial_unique(void **state)
{
	struct fixture *f = *state;
	struct store_code_entry *a = make_entries(100), *b = make_entries(50);
	struct store_batch tb, got;
	struct store_mint *m = NULL;
	struct store_code c;
	uint32_t ida;

	ida = mint_batch(f->st, a, 100);
	batch_template(&tb, 50);
	assert_int_equal(store_mint_begin(f->st, &tb, &m), 0);
	/* Plant batch A's serial number 37 in B's chunk, kept sorted. */
	memcpy(b[20].serial, a[37].serial, 8);
	qsort(b, 50, sizeof(*b), entry_cmp);
	assert_int_equal(insert_chunks(m, tb.id, b, 50, 50), -EEXIST);
	/* Nothing of the chunk went in; A's record is untouched. */
	assert_int_equal(get_code(f->st, a[37].serial, &c), 0);
	assert_int_equal(c.batch_id, ida);
	assert_memory_equal(c.check, a[37].code.check, 8);
	for (size_t i = 0; i < 50; i++)
		if (memcmp(b[i].serial, a[37].serial, 8) != 0)
			assert_int_equal(get_code(f->st, b[i].serial, &c),
			    -ENOENT);
	assert_int_equal(get_batch(f->st, tb.id, &got), 0);
	assert_int_equal(got.inserted, 0);
	assert_int_equal(count_codes(f->st), 100);

	/* The same serial twice in one chunk. */
	free(b);
	b = make_entries(10);
	memcpy(b[5].serial, b[4].serial, 8);
	assert_int_equal(insert_chunks(m, tb.id, b, 10, 10), -EEXIST);
	assert_int_equal(count_codes(f->st), 100);
	/* A serial already inserted by this very mint, in a later chunk. */
	free(b);
	b = make_entries(10);
	assert_int_equal(insert_chunks(m, tb.id, b, 5, 5), 0);
	assert_int_equal(store_mint_insert(m, b + 4, 1), -EEXIST);
	assert_int_equal(get_batch(f->st, tb.id, &got), 0);
	assert_int_equal(got.inserted, 5);
	assert_int_equal(store_mint_abort(m), 0);
	assert_int_equal(count_codes(f->st), 100);
	assert_codes(f->st, a, 100, ida);
	free(a);
	free(b);
}

/* In a child: opens the store, begins a mint of n codes, inserts the
 * entries, tells the parent through ready_fd, waits for a byte on
 * wait_fd (if >= 0), and dies without finishing or aborting. */
static void
child_mint(const char *db, struct store_code_entry *e, size_t n, int ready_fd,
    int wait_fd)
{
	struct store *st = NULL;
	struct store_batch b;
	struct store_mint *m = NULL;
	char ch = 'r';

	if (store_open(db, 0, &st) < 0)
		_exit(10);
	batch_template(&b, n * 2);
	if (store_mint_begin(st, &b, &m) < 0)
		_exit(11);
	for (size_t i = 0; i < n; i++)
		e[i].code.batch_id = b.id;
	if (store_mint_insert(m, e, n) < 0)
		_exit(12);
	if (write(ready_fd, &b.id, sizeof(b.id)) != sizeof(b.id))
		_exit(13);
	if (wait_fd >= 0 && read(wait_fd, &ch, 1) != 1)
		_exit(14);
	_exit(0);	/* as if killed: no finish, no abort */
}

/* Forks a child_mint; returns its pid and the batch id it made. */
static pid_t
fork_mint(const char *db, struct store_code_entry *e, size_t n, int *wait_wr,
    uint32_t *id)
{
	int ready[2], wait[2] = { -1, -1 };
	pid_t pid;

	assert_int_equal(pipe(ready), 0);
	if (wait_wr != NULL)
		assert_int_equal(pipe(wait), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		if (wait[1] >= 0)
			close(wait[1]);
		child_mint(db, e, n, ready[1], wait[0]);
	}
	close(ready[1]);
	if (wait[0] >= 0)
		close(wait[0]);
	if (read(ready[0], id, sizeof(*id)) != sizeof(*id))
		fail_msg("child mint failed");
	close(ready[0]);
	if (wait_wr != NULL)
		*wait_wr = wait[1];
	return pid;
}

/* Waits for a child that must exit with status 0. */
static void
reap(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A mint whose process died is cleaned up by store_mint_recover; a mint
 * whose process lives (another process, or this one) is not. */
static void
test_mint_recover(void **state)
{
	struct fixture *f = *state;
	struct store_code_entry *dead = make_entries(3000);
	struct store_code_entry *live = make_entries(2000);
	struct store_code_entry *own = make_entries_half(1000, 1);
	struct store_code_entry *keep = make_entries(500);
	struct store_batch b, got;
	struct store_mint *m = NULL;
	uint32_t dead_id, live_id, keep_id;
	unsigned recovered = 99;
	int wait_wr;
	pid_t pid;

	keep_id = mint_batch(f->st, keep, 500);
	/* Children open their own environment: close ours across fork. */
	store_close(f->st);
	f->st = NULL;

	pid = fork_mint(f->db, dead, 3000, NULL, &dead_id);
	reap(pid);
	pid = fork_mint(f->db, live, 2000, &wait_wr, &live_id);

	assert_int_equal(store_open(f->db, 0, &f->st), 0);
	/* And one in this process. */
	batch_template(&b, 2000);
	assert_int_equal(store_mint_begin(f->st, &b, &m), 0);
	assert_int_equal(insert_chunks(m, b.id, own, 1000, 1000), 0);

	assert_int_equal(get_batch(f->st, dead_id, &got), 0);
	assert_int_equal(got.state, STORE_BATCH_MINTING);
	assert_int_equal(got.inserted, 3000);
	assert_codes(f->st, dead, 3000, dead_id);
	assert_int_equal(count_codes(f->st), 500 + 3000 + 2000 + 1000);

	assert_int_equal(store_mint_recover(f->st, &recovered), 0);
	assert_int_equal(recovered, 1);
	assert_int_equal(get_batch(f->st, dead_id, &got), -ENOENT);
	assert_codes(f->st, dead, 3000, 0);
	/* The live ones are untouched. */
	assert_int_equal(get_batch(f->st, live_id, &got), 0);
	assert_int_equal(got.state, STORE_BATCH_MINTING);
	assert_codes(f->st, live, 2000, live_id);
	assert_int_equal(get_batch(f->st, b.id, &got), 0);
	assert_codes(f->st, own, 1000, b.id);
	assert_codes(f->st, keep, 500, keep_id);
	assert_int_equal(count_codes(f->st), 500 + 2000 + 1000);

	/* Nothing more to do while they live. */
	assert_int_equal(store_mint_recover(f->st, &recovered), 0);
	assert_int_equal(recovered, 0);

	/* The other process dies: now its mint is recovered. */
	assert_int_equal(write(wait_wr, "x", 1), 1);
	close(wait_wr);
	reap(pid);
	assert_int_equal(store_mint_recover(f->st, &recovered), 0);
	assert_int_equal(recovered, 1);
	assert_int_equal(get_batch(f->st, live_id, &got), -ENOENT);
	assert_codes(f->st, live, 2000, 0);
	assert_codes(f->st, own, 1000, b.id);

	/* Ours finishes normally and is never "recovered". */
	{
		/* The rest sorts above what was inserted. */
		struct store_code_entry *rest = make_entries_half(1000, 2);

		assert_int_equal(insert_chunks(m, b.id, rest, 1000, 1000), 0);
		free(rest);
	}
	assert_int_equal(store_mint_finish(m), 0);
	store_mint_free(m);
	assert_int_equal(store_mint_recover(f->st, &recovered), 0);
	assert_int_equal(recovered, 0);
	assert_int_equal(get_batch(f->st, b.id, &got), 0);
	assert_int_equal(got.state, STORE_BATCH_READY);
	assert_int_equal(count_codes(f->st), 500 + 2000);
	assert_int_equal(count_batches(f->st), 2);
	free(dead);
	free(live);
	free(own);
	free(keep);
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
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_schema, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mint_cycle, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mint_incomplete, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mint_abort, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_serial_unique, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mint_recover, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_codes_exist, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_codes_void, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_batch_states, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
