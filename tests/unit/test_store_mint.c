/* test_store_mint.c — minting into the LMDB store: a mint's cycle,
 * incomplete and aborted mints (with draw codes too), unique serials, and
 * recovering the mints of processes that died. */
#include "store_fixture.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Orders draw code entries by hash. */
static int
drawcode_cmp(const void *a, const void *b)
{
	return memcmp(a, b, STORE_DRAWCODE_HASH_BYTES);
}

/* A draw code entry with a random hash for each of n code entries, in
 * batch id, sorted by hash. */
static struct store_drawcode_entry *
make_drawcodes(const struct store_code_entry *e, size_t n, uint32_t id)
{
	struct store_drawcode_entry *d = calloc(n ? n : 1, sizeof(*d));

	assert_non_null(d);
	for (size_t i = 0; i < n; i++) {
		tu_random(d[i].hash, sizeof(d[i].hash));
		memcpy(d[i].serial, e[i].serial, STORE_SERIAL_BYTES);
		d[i].batch_id = id;
	}
	qsort(d, n, sizeof(*d), drawcode_cmp);
	return d;
}

/* Asserts that all n draw codes are stored with their serial under batch
 * id (or, with id 0, that none is stored). */
static void
assert_drawcodes(struct store *st, const struct store_drawcode_entry *d,
    size_t n, uint32_t id)
{
	uint8_t serial[STORE_SERIAL_BYTES];
	struct store_txn t;
	uint32_t batch;

	assert_int_equal(store_txn_begin(st, true, &t), 0);
	for (size_t i = 0; i < n; i++) {
		int ret = store_drawcode_get_txn(&t, d[i].hash, serial, &batch);

		if (id == 0) {
			assert_int_equal(ret, -ENOENT);
			continue;
		}
		assert_int_equal(ret, 0);
		assert_memory_equal(serial, d[i].serial, STORE_SERIAL_BYTES);
		assert_int_equal(batch, id);
	}
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
	assert_int_equal(tu_count_codes(f->st), n);

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
	assert_int_equal(tu_count_codes(f->st), 0);
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
	assert_int_equal(tu_count_codes(f->st), na + nb);
	assert_int_equal(store_mint_abort(m), 0);
	assert_int_equal(get_batch(f->st, tb.id, &got), -ENOENT);
	assert_codes(f->st, b, nb, 0);
	assert_codes(f->st, a, na, ida);
	assert_int_equal(tu_count_codes(f->st), na);
	assert_int_equal(tu_count_batches(f->st), 1);
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
	assert_int_equal(tu_count_codes(f->st), 100);

	/* The same serial twice in one chunk. */
	free(b);
	b = make_entries(10);
	memcpy(b[5].serial, b[4].serial, 8);
	assert_int_equal(insert_chunks(m, tb.id, b, 10, 10), -EEXIST);
	assert_int_equal(tu_count_codes(f->st), 100);
	/* A serial already inserted by this very mint, in a later chunk. */
	free(b);
	b = make_entries(10);
	assert_int_equal(insert_chunks(m, tb.id, b, 5, 5), 0);
	assert_int_equal(store_mint_insert(m, b + 4, 1), -EEXIST);
	assert_int_equal(get_batch(f->st, tb.id, &got), 0);
	assert_int_equal(got.inserted, 5);
	assert_int_equal(store_mint_abort(m), 0);
	assert_int_equal(tu_count_codes(f->st), 100);
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
	assert_int_equal(tu_count_codes(f->st), 500 + 3000 + 2000 + 1000);

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
	assert_int_equal(tu_count_codes(f->st), 500 + 2000 + 1000);

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
	assert_int_equal(tu_count_codes(f->st), 500 + 2000);
	assert_int_equal(tu_count_batches(f->st), 2);
	free(dead);
	free(live);
	free(own);
	free(keep);
}

/* abort removes the draw codes of the batch too, in several clean-up
 * transactions, and none of a finished batch's, whose hashes interleave
 * with them. */
static void
test_mint_abort_drawcodes(void **state)
{
	struct fixture *f = *state;
	const size_t na = 1000, nb = 25000;
	struct store_code_entry *a = make_entries(na), *b = make_entries(nb);
	struct store_drawcode_entry *da, *db;
	struct store_batch tb, got;
	struct store_mint *m = NULL;
	uint32_t ida, idb;

	batch_template(&tb, na);
	assert_int_equal(store_mint_begin(f->st, &tb, &m), 0);
	ida = tb.id;
	assert_int_equal(insert_chunks(m, ida, a, na, na), 0);
	da = make_drawcodes(a, na, ida);
	assert_int_equal(store_mint_insert_drawcodes(m, da, na), 0);
	assert_int_equal(store_mint_finish(m), 0);
	store_mint_free(m);

	batch_template(&tb, nb);
	assert_int_equal(store_mint_begin(f->st, &tb, &m), 0);
	idb = tb.id;
	assert_int_equal(insert_chunks(m, idb, b, nb, 10000), 0);
	db = make_drawcodes(b, nb, idb);
	for (size_t i = 0; i < nb; i += 10000)
		assert_int_equal(store_mint_insert_drawcodes(m, db + i,
		    nb - i < 10000 ? nb - i : 10000), 0);
	assert_int_equal(get_batch(f->st, idb, &got), 0);
	assert_int_equal(got.draw_inserted, nb);
	assert_drawcodes(f->st, db, nb, idb);
	assert_int_equal(store_mint_abort(m), 0);
	assert_int_equal(get_batch(f->st, idb, &got), -ENOENT);
	assert_drawcodes(f->st, db, nb, 0);
	assert_codes(f->st, b, nb, 0);
	assert_drawcodes(f->st, da, na, ida);
	assert_codes(f->st, a, na, ida);
	assert_int_equal(tu_count_batches(f->st), 1);
	free(da);
	free(db);
	free(a);
	free(b);
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mint_cycle, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_mint_incomplete,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_mint_abort, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_mint_abort_drawcodes,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_serial_unique,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_mint_recover,
		    fixture_setup, fixture_teardown),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
