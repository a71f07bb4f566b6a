/* codes.c — the codes database: one 16-byte record per serial. */
#include "store/store_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *store_void_names[] = {
	[STORE_VOID_MISPRINT] = "misprint",
	[STORE_VOID_DAMAGED] = "damaged",
	[STORE_VOID_LOST] = "lost",
	[STORE_VOID_STOLEN] = "stolen",
	[STORE_VOID_OTHER] = "other",
};

/* Names a void reason. */
const char *
store_void_reason_name(int reason)
{
	if (reason <= STORE_VOID_NONE || reason > STORE_VOID_OTHER)
		return NULL;
	return store_void_names[reason];
}

/* Parses a void reason. */
int
store_void_reason_parse(const char *name)
{
	for (int r = STORE_VOID_MISPRINT; r <= STORE_VOID_OTHER; r++)
		if (strcasecmp(name, store_void_names[r]) == 0)
			return r;
	return -EINVAL;
}

/* Reads a code. */
int
store_code_get_txn(struct store_txn *t, const uint8_t serial[STORE_SERIAL_BYTES],
    struct store_code *c)
{
	return store_get_txn(t, STORE_DB_CODES, serial, STORE_SERIAL_BYTES, c,
	    sizeof(*c));
}

/* Looks up sorted serials with one cursor, so neighbouring lookups reuse
 * the leaf page already found. */
int
store_codes_exist_txn(struct store_txn *t,
    const uint8_t (*serials)[STORE_SERIAL_BYTES], size_t n, bool *exists)
{
	MDB_cursor *cur;
	int rc, ret;

	if ((ret = store_cursor_open_txn(t, STORE_DB_CODES, &cur)) != 0)
		return ret;
	for (size_t i = 0; i < n; i++) {
		MDB_val k = { STORE_SERIAL_BYTES, (void *)serials[i] }, v;

		rc = mdb_cursor_get(cur, &k, &v, MDB_SET);
		if (rc != 0 && rc != MDB_NOTFOUND)
			break;
		exists[i] = rc == 0;
		rc = 0;
	}
	mdb_cursor_close(cur);
	return rc != 0 ? store_txn_fail(t, store_error(rc)) : 0;
}

/* Orders serials. */
static int
store_serial_cmp(const void *a, const void *b)
{
	return memcmp(a, b, STORE_SERIAL_BYTES);
}

/* Checks that every serial belongs to the batch. */
static int
store_codes_check_batch(struct store *st, uint32_t batch_id,
    const uint8_t (*serials)[STORE_SERIAL_BYTES], size_t n, size_t *bad)
{
	struct store_txn t;
	int ret;

	if ((ret = store_txn_begin(st, true, &t)) < 0)
		return ret;
	for (size_t i = 0; i < n; i++) {
		struct store_code c;

		ret = store_code_get_txn(&t, serials[i], &c);
		if (ret == 0 && c.batch_id != batch_id)
			ret = -EXDEV;
		if (ret < 0) {
			*bad = i;
			break;
		}
	}
	store_txn_abort(&t);
	return ret;
}

/* The meta key of a batch's void run: "void_run/", batch and run, big
 * endian. */
static void
store_void_run_key(uint32_t batch_id, uint16_t run, uint8_t key[15])
{
	memcpy(key, "void_run/", 9);
	key[9] = (uint8_t)(batch_id >> 24);
	key[10] = (uint8_t)(batch_id >> 16);
	key[11] = (uint8_t)(batch_id >> 8);
	key[12] = (uint8_t)batch_id;
	key[13] = (uint8_t)(run >> 8);
	key[14] = (uint8_t)run;
}

/* Reads a void run of a batch. */
int
store_void_run_get_txn(struct store_txn *t, uint32_t batch_id, uint16_t run,
    struct store_void_run *r)
{
	uint8_t key[15];

	store_void_run_key(batch_id, run, key);
	return store_get_txn(t, STORE_DB_META, key, sizeof(key), r,
	    sizeof(*r));
}

/* Voids listed codes of a batch, in chunks. */
int
store_codes_void(struct store *st, uint32_t batch_id,
    const uint8_t (*serials)[STORE_SERIAL_BYTES], size_t n, int reason,
    int64_t now, size_t *bad, uint64_t *newly_voided)
{
	uint8_t (*sorted)[STORE_SERIAL_BYTES] = NULL;
	struct store_void_run run = { .time = now, .reason = (uint8_t)reason };
	uint8_t run_key[15];
	struct store_txn t;
	struct store_batch b;
	uint64_t total = 0;
	uint16_t run_no = 0;
	int ret;

	*newly_voided = 0;
	*bad = n;
	if (reason <= STORE_VOID_NONE || reason > STORE_VOID_OTHER)
		return -EINVAL;
	if ((ret = store_txn_begin(st, true, &t)) < 0)
		return ret;
	ret = store_batch_get_txn(&t, batch_id, &b);
	store_txn_abort(&t);
	if (ret < 0)
		return ret;
	if (b.state == STORE_BATCH_MINTING)
		return -EBUSY;
	if ((ret = store_codes_check_batch(st, batch_id, serials, n, bad)) < 0)
		return ret;
	if (n == 0)
		return 0;
	if ((sorted = malloc(n * STORE_SERIAL_BYTES)) == NULL)
		return -ENOMEM;
	memcpy(sorted, serials, n * STORE_SERIAL_BYTES);
	qsort(sorted, n, STORE_SERIAL_BYTES, store_serial_cmp);
	for (size_t off = 0; off < n; off += STORE_MINT_CHUNK) {
		size_t end = off + STORE_MINT_CHUNK < n ? off + STORE_MINT_CHUNK : n;
		uint64_t count = 0;

		if ((ret = store_txn_begin(st, false, &t)) < 0)
			goto out;
		/* The first chunk numbers this call's run in the batch. */
		if (run_no == 0 &&
		    (ret = store_batch_get_txn(&t, batch_id, &b)) == 0) {
			if (b.void_runs == UINT16_MAX)
				ret = -ENOSPC;
			else
				run_no = ++b.void_runs;
			if (ret == 0)
				ret = store_batch_put_txn(&t, &b);
			store_void_run_key(batch_id, run_no, run_key);
		}
		for (size_t i = off; i < end && ret == 0; i++) {
			struct store_code c;

			if (i > 0 && memcmp(sorted[i], sorted[i - 1],
			    STORE_SERIAL_BYTES) == 0)
				continue;
			if ((ret = store_code_get_txn(&t, sorted[i], &c)) < 0)
				break;
			if (c.void_reason != STORE_VOID_NONE)
				continue;
			c.void_reason = (uint8_t)reason;
			c.void_run = run_no;
			if ((ret = store_put_txn(&t, STORE_DB_CODES, sorted[i],
			    STORE_SERIAL_BYTES, &c, sizeof(c), 0)) < 0)
				break;
			count++;
		}
		if (ret == 0 && (ret = store_batch_get_txn(&t, batch_id, &b)) == 0) {
			b.voided += count;
			ret = store_batch_put_txn(&t, &b);
		}
		run.count += count;
		if (ret == 0)
			ret = store_put_txn(&t, STORE_DB_META, run_key,
			    sizeof(run_key), &run, sizeof(run), 0);
		if (ret < 0) {
			store_txn_abort(&t);
			goto out;
		}
		if ((ret = store_txn_commit(&t)) < 0)
			goto out;
		total += count;
	}
out:
	*newly_voided = total;
	free(sorted);
	return ret;
}

struct store_code_walk {
	int (*cb)(const uint8_t *, const struct store_code *, void *);
	void *arg;
};

/* Walk callback for codes. */
static int
store_code_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct store_code_walk *w = arg;
	struct store_code c;

	if (k->mv_size != STORE_SERIAL_BYTES || v->mv_size != sizeof(c))
		return -EIO;
	memcpy(&c, v->mv_data, sizeof(c));
	return w->cb(k->mv_data, &c, w->arg);
}

/* Iterates over every code in serial order. */
int
store_code_foreach_txn(struct store_txn *t,
    int (*cb)(const uint8_t serial[STORE_SERIAL_BYTES],
    const struct store_code *c, void *arg), void *arg)
{
	struct store_code_walk w = { cb, arg };

	return store_walk_txn(t, STORE_DB_CODES, NULL, 0, 0, store_code_walk_cb,
	    &w);
}
