/* batches.c — the batches database and batch-level state changes. */
#include "store/store_internal.h"

#include <errno.h>
#include <string.h>

static_assert(sizeof(struct store_batch) == 192,
    "store_batch layout is schema");

/* Names a batch state. */
const char *
store_batch_state_name(int state)
{
	switch (state) {
	case STORE_BATCH_MINTING:
		return "minting";
	case STORE_BATCH_READY:
		return "ready";
	case STORE_BATCH_ACTIVE:
		return "active";
	case STORE_BATCH_VOID:
		return "void";
	default:
		return "?";
	}
}

/* Size of a batch record written before draw codes existed. */
#define STORE_BATCH_V1_SIZE 128

/* Reads a batch (records of the first layout are read with zeroed
 * draw-code fields). */
int
store_batch_get_txn(struct store_txn *t, uint32_t id, struct store_batch *b)
{
	MDB_val k, v;
	uint8_t key[4];
	int rc;

	if (t->ret != 0)
		return t->ret;
	store_batch_key(id, key);
	k.mv_size = sizeof(key);
	k.mv_data = key;
	rc = mdb_get(store_mdb_txn(t), t->st->dbi[STORE_DB_BATCHES], &k, &v);
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc != 0)
		return store_txn_fail(t, store_error(rc));
	if (v.mv_size != sizeof(*b) && v.mv_size != STORE_BATCH_V1_SIZE)
		return store_txn_fail(t, -EIO);
	memset(b, 0, sizeof(*b));
	memcpy(b, v.mv_data, v.mv_size);
	return 0;
}

/* Writes a batch. */
int
store_batch_put_txn(struct store_txn *t, const struct store_batch *b)
{
	uint8_t key[4];

	store_batch_key(b->id, key);
	return store_put_txn(t, STORE_DB_BATCHES, key, sizeof(key), b,
	    sizeof(*b), 0);
}

/* Begins a write transaction on a batch. */
int
store_batch_begin(struct store *st, uint32_t id, struct store_txn *t,
    struct store_batch *b)
{
	int ret;

	if ((ret = store_txn_begin(st, false, t)) < 0)
		return ret;
	if ((ret = store_batch_get_txn(t, id, b)) < 0)
		store_txn_abort(t);
	return ret;
}

/* Writes a batch back and commits. */
int
store_batch_commit(struct store_txn *t, const struct store_batch *b)
{
	int ret;

	if ((ret = store_batch_put_txn(t, b)) < 0) {
		store_txn_abort(t);
		return ret;
	}
	return store_txn_commit(t);
}

/* Iterates over batches in id order. */
int
store_batch_foreach_txn(struct store_txn *t,
    int (*cb)(const struct store_batch *, void *), void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, ret = 0;

	if ((ret = store_cursor_open_txn(t, STORE_DB_BATCHES, &cur)) != 0)
		return ret;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct store_batch b;

		if (v.mv_size != sizeof(b) && v.mv_size != STORE_BATCH_V1_SIZE) {
			ret = store_txn_fail(t, -EIO);
			break;
		}
		memset(&b, 0, sizeof(b));
		memcpy(&b, v.mv_data, v.mv_size);
		if ((ret = cb(&b, arg)) != 0)
			break;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		ret = store_txn_fail(t, store_error(rc));
	mdb_cursor_close(cur);
	return ret;
}

/* READY → ACTIVE. */
int
store_batch_activate(struct store *st, uint32_t id, int64_t now,
    struct store_batch *out)
{
	struct store_txn t;
	struct store_batch b;
	int ret;

	if ((ret = store_batch_begin(st, id, &t, &b)) < 0)
		return ret;
	switch (b.state) {
	case STORE_BATCH_MINTING:
		ret = -EBUSY;
		goto fail;
	case STORE_BATCH_VOID:
		ret = -EPERM;
		goto fail;
	case STORE_BATCH_ACTIVE:
		store_txn_abort(&t);
		*out = b;
		return 0;
	default:
		break;
	}
	b.state = STORE_BATCH_ACTIVE;
	b.activated = now;
	if ((ret = store_batch_commit(&t, &b)) < 0)
		return ret;
	*out = b;
	return 0;
fail:
	store_txn_abort(&t);
	return ret;
}

/* Voids every code of a batch at once. */
int
store_batch_void(struct store *st, uint32_t id, int reason, int64_t now)
{
	struct store_txn t;
	struct store_batch b;
	int ret;

	if ((ret = store_batch_begin(st, id, &t, &b)) < 0)
		return ret;
	if (b.state == STORE_BATCH_MINTING) {
		ret = -EBUSY;
		goto fail;
	}
	if (b.state == STORE_BATCH_VOID) {
		store_txn_abort(&t);
		return 0;
	}
	b.state = STORE_BATCH_VOID;
	b.void_reason = (uint8_t)reason;
	b.voided_at = now;
	return store_batch_commit(&t, &b);
fail:
	store_txn_abort(&t);
	return ret;
}
