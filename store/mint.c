/*
 * mint.c — inserting a batch's codes in bounded chunks, all or nothing.
 *
 * A batch is created in state MINTING and its codes are inserted in
 * transactions of at most STORE_MINT_CHUNK codes, each also recording the
 * serial range inserted so far. Readers ignore codes of a MINTING batch,
 * so the batch appears whole, at once, when store_mint_finish flips it to
 * READY. While minting, the process holds an OFD lock on byte <batch id>
 * of <dir>/mint.lock; the kernel drops it when the process dies, which is
 * how store_mint_recover tells an abandoned mint from a running one.
 */
#include "store/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

/* Deletions per transaction while cleaning up. */
#define STORE_CLEANUP_CHUNK 10000

struct store_mint {
	struct store *st;
	struct store_batch batch;
	int lock_fd;		/* own open file description for the lock */
};

/* Takes (or tests) the exclusive OFD lock of a batch: 0, or -EAGAIN when
 * another open file description holds it. */
static int
store_mint_lock(int fd, uint32_t id, bool lock)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = lock ? F_WRLCK : F_UNLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)id;
	fl.l_len = 1;
	if (fcntl(fd, F_OFD_SETLK, &fl) < 0)
		return errno == EAGAIN || errno == EACCES ? -EAGAIN : -errno;
	return 0;
}

/* Opens a new open file description of the lock file. */
static int
store_mint_lock_open(struct store *st)
{
	char path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/mint.lock", st->dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}

/* Creates the batch record and takes its lock inside the same write
 * transaction, so that no recovery can see the record without the lock. */
int
store_mint_begin(struct store *st, struct store_batch *b,
    struct store_mint **out)
{
	struct store_mint *m;
	struct store_txn t;
	uint64_t id;
	int ret;

	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -ENOMEM;
	m->st = st;
	if ((m->lock_fd = store_mint_lock_open(st)) < 0) {
		ret = m->lock_fd;
		free(m);
		return ret;
	}
	if ((ret = store_txn_begin(st, false, &t)) < 0)
		goto fail;
	if ((ret = store_counter_next_txn(&t, "next_batch", &id)) < 0)
		goto fail_txn;
	if (id > UINT32_MAX) {
		ret = -EOVERFLOW;
		goto fail_txn;
	}
	b->id = (uint32_t)id;
	b->state = STORE_BATCH_MINTING;
	b->inserted = 0;
	memset(b->lo, 0, sizeof(b->lo));
	memset(b->hi, 0, sizeof(b->hi));
	if ((ret = store_batch_put_txn(&t, b)) < 0)
		goto fail_txn;
	if ((ret = store_mint_lock(m->lock_fd, b->id, true)) < 0)
		goto fail_txn;
	if ((ret = store_txn_commit(&t)) < 0)
		goto fail;
	m->batch = *b;
	*out = m;
	return 0;
fail_txn:
	store_txn_abort(&t);
fail:
	close(m->lock_fd);
	free(m);
	return ret;
}

/*
 * A chunk goes in with one cursor in one transaction, together with the
 * batch's record of how far the mint got (what recovery after a kill
 * reads). Entries are key then value, stride bytes apart.
 */
struct store_mint_chunk {
	int db;				/* STORE_DB_* */
	const uint8_t *entries;
	size_t stride, klen, voff, vlen, n;
	/* Advances the batch's range to the chunk's first and last entry. */
	void (*advance)(struct store_batch *b, const uint8_t *first,
	    const uint8_t *last, size_t n);
};

/* Inserts a sorted chunk and advances the batch record. */
static int
store_mint_put_chunk(struct store_mint *m, const struct store_mint_chunk *c)
{
	struct store_txn t;
	struct store_batch b;
	MDB_cursor *cur;
	int ret, rc = 0;

	if (c->n == 0)
		return 0;
	if ((ret = store_txn_begin(m->st, false, &t)) < 0)
		return ret;
	if ((ret = store_cursor_open_txn(&t, c->db, &cur)) != 0)
		goto fail;
	for (size_t i = 0; i < c->n; i++) {
		const uint8_t *e = c->entries + i * c->stride;
		MDB_val k = { c->klen, (void *)e };
		MDB_val v = { c->vlen, (void *)(e + c->voff) };

		rc = mdb_cursor_put(cur, &k, &v, MDB_NOOVERWRITE);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc != 0) {
		ret = store_error(rc);
		goto fail;
	}
	if ((ret = store_batch_get_txn(&t, m->batch.id, &b)) < 0)
		goto fail;
	c->advance(&b, c->entries, c->entries + (c->n - 1) * c->stride, c->n);
	if ((ret = store_batch_commit(&t, &b)) < 0)
		return ret;
	m->batch = b;
	return 0;
fail:
	store_txn_abort(&t);
	return ret;
}

/* Advances the codes' range. */
static void
store_mint_advance_codes(struct store_batch *b, const uint8_t *first,
    const uint8_t *last, size_t n)
{
	if (b->inserted == 0)
		memcpy(b->lo, first, STORE_SERIAL_BYTES);
	memcpy(b->hi, last, STORE_SERIAL_BYTES);
	b->inserted += n;
}

/* Inserts one sorted chunk and advances the batch's recorded range. */
int
store_mint_insert(struct store_mint *m, const struct store_code_entry *e,
    size_t n)
{
	struct store_mint_chunk c = { STORE_DB_CODES, (const uint8_t *)e,
	    sizeof(*e), STORE_SERIAL_BYTES,
	    offsetof(struct store_code_entry, code), sizeof(e->code), n,
	    store_mint_advance_codes };

	return store_mint_put_chunk(m, &c);
}

/* Advances the draw codes' range. */
static void
store_mint_advance_drawcodes(struct store_batch *b, const uint8_t *first,
    const uint8_t *last, size_t n)
{
	if (b->draw_inserted == 0)
		memcpy(b->draw_lo, first, sizeof(b->draw_lo));
	memcpy(b->draw_hi, last, sizeof(b->draw_hi));
	b->draw_inserted += n;
	b->flags |= STORE_BATCH_F_DRAW_CODES;
}

static_assert(offsetof(struct store_drawcode_entry, batch_id) ==
    offsetof(struct store_drawcode_entry, serial) + STORE_SERIAL_BYTES,
    "a draw code's value is its serial then its batch id");

/* Inserts one sorted chunk of draw codes and advances their range. The
 * value is the serial and batch id, which follow the hash in the entry. */
int
store_mint_insert_drawcodes(struct store_mint *m,
    const struct store_drawcode_entry *e, size_t n)
{
	struct store_mint_chunk c = { STORE_DB_DRAWCODES, (const uint8_t *)e,
	    sizeof(*e), STORE_DRAWCODE_HASH_BYTES,
	    offsetof(struct store_drawcode_entry, serial),
	    STORE_SERIAL_BYTES + 4, n, store_mint_advance_drawcodes };

	return store_mint_put_chunk(m, &c);
}

/* Makes the batch visible. */
int
store_mint_finish(struct store_mint *m)
{
	struct store_txn t;
	struct store_batch b;
	int ret;

	if ((ret = store_batch_begin(m->st, m->batch.id, &t, &b)) < 0)
		return ret;
	if (b.inserted != b.count || ((b.flags & STORE_BATCH_F_DRAW_CODES) &&
	    b.draw_inserted != b.count)) {
		ret = -EINVAL;
		goto fail;
	}
	b.state = STORE_BATCH_READY;
	if ((ret = store_batch_commit(&t, &b)) < 0)
		return ret;
	m->batch = b;
	return 0;
fail:
	store_txn_abort(&t);
	return ret;
}

/* True if a draw code's value (its serial, then its batch id) names
 * batch id. */
static bool
store_mint_drawcode_of(const MDB_val *v, uint32_t id)
{
	uint32_t batch;

	if (v->mv_size != STORE_SERIAL_BYTES + 4)
		return false;
	memcpy(&batch, (uint8_t *)v->mv_data + STORE_SERIAL_BYTES, 4);
	return batch == id;
}

/* True if a code's record names batch id. */
static bool
store_mint_code_of(const MDB_val *v, uint32_t id)
{
	struct store_code c;

	memcpy(&c, v->mv_data, sizeof(c));
	return c.batch_id == id;
}

/* Deletes, from key pos (klen bytes) up to key hi, at most a chunk of the
 * entries of db that of(v, id) says are batch id's, looking at no more
 * than 20 chunks of entries; moves pos to the first key it did not look
 * at. Sets *deleted, and *done once it reached hi or the end. */
static int
store_mint_delete_chunk_txn(struct store_txn *t, enum store_db db,
    uint8_t *pos, const uint8_t *hi, size_t klen, uint32_t id,
    bool (*of)(const MDB_val *v, uint32_t id), size_t *deleted, bool *done)
{
	MDB_cursor *cur;
	MDB_val k, v;
	size_t seen = 0;
	int rc, ret;

	*deleted = 0;
	*done = false;
	if ((ret = store_cursor_open_txn(t, db, &cur)) != 0)
		return ret;
	k.mv_size = klen;
	k.mv_data = pos;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && *deleted < STORE_CLEANUP_CHUNK &&
	    seen < 20 * STORE_CLEANUP_CHUNK) {
		if (memcmp(k.mv_data, hi, klen) > 0) {
			rc = MDB_NOTFOUND;
			break;
		}
		seen++;
		if (of(&v, id)) {
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				break;
			(*deleted)++;
		}
		/* After a delete, MDB_NEXT yields the entry that followed
		 * the deleted one. */
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (rc == 0)
		memcpy(pos, k.mv_data, klen);
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_txn_fail(t, store_error(rc));
	*done = rc == MDB_NOTFOUND;
	return 0;
}

/* Deletes the draw codes of a MINTING batch within their recorded range,
 * a chunk per transaction. */
static int
store_mint_cleanup_drawcodes(struct store *st, uint32_t id)
{
	uint8_t pos[STORE_DRAWCODE_HASH_BYTES];
	struct store_batch b;
	struct store_txn t;
	bool started = false;
	int ret;

	static_assert(sizeof(pos) == sizeof(b.draw_hi), "draw code keys");
	for (;;) {
		size_t deleted;
		bool done;

		if ((ret = store_batch_begin(st, id, &t, &b)) < 0)
			return ret;
		if (b.state != STORE_BATCH_MINTING) {
			ret = -EINVAL;
			goto fail;
		}
		if (b.draw_inserted == 0) {
			store_txn_abort(&t);
			return 0;
		}
		if (!started) {
			memcpy(pos, b.draw_lo, sizeof(pos));
			started = true;
		}
		if ((ret = store_mint_delete_chunk_txn(&t, STORE_DB_DRAWCODES,
		    pos, b.draw_hi, sizeof(pos), id, store_mint_drawcode_of,
		    &deleted, &done)) < 0)
			goto fail;
		b.draw_inserted = done ? 0 : (b.draw_inserted > deleted ?
		    b.draw_inserted - deleted : 0);
		if ((ret = store_batch_commit(&t, &b)) < 0)
			return ret;
		if (done)
			return 0;
	}
fail:
	store_txn_abort(&t);
	return ret;
}

/* Deletes the codes of a MINTING batch within its recorded range, then
 * the batch record. Each transaction deletes at most a chunk, so the scan
 * server is never held up; a crash part-way is finished by the next run. */
static int
store_mint_cleanup(struct store *st, uint32_t id)
{
	int dret;

	if ((dret = store_mint_cleanup_drawcodes(st, id)) < 0)
		return dret;
	uint8_t pos[STORE_SERIAL_BYTES];
	struct store_batch b;
	struct store_txn t;
	bool done = false, started = false;
	int ret;

	while (!done) {
		size_t deleted;

		if ((ret = store_batch_begin(st, id, &t, &b)) < 0)
			return ret;
		if (b.state != STORE_BATCH_MINTING) {
			ret = -EINVAL;
			goto fail;
		}
		if (!started) {
			memcpy(pos, b.lo, sizeof(pos));
			started = true;
		}
		if (b.inserted == 0) {
			done = true;
			goto commit;
		}
		if ((ret = store_mint_delete_chunk_txn(&t, STORE_DB_CODES, pos,
		    b.hi, sizeof(pos), id, store_mint_code_of, &deleted,
		    &done)) < 0)
			goto fail;
		b.inserted = b.inserted > deleted ? b.inserted - deleted : 0;
commit:
		if (done) {
			uint8_t key[4];

			store_batch_key(id, key);
			ret = store_del_txn(&t, STORE_DB_BATCHES, key, sizeof(key));
		} else
			ret = store_batch_put_txn(&t, &b);
		if (ret < 0)
			goto fail;
		if ((ret = store_txn_commit(&t)) < 0)
			return ret;
	}
	return 0;
fail:
	store_txn_abort(&t);
	return ret;
}

/* Aborts a mint: deletes what it inserted, then releases the lock. */
int
store_mint_abort(struct store_mint *m)
{
	int ret;

	if (m == NULL)
		return 0;
	ret = store_mint_cleanup(m->st, m->batch.id);
	close(m->lock_fd);
	free(m);
	return ret;
}

/* Releases a finished mint. */
void
store_mint_free(struct store_mint *m)
{
	if (m == NULL)
		return;
	close(m->lock_fd);
	free(m);
}

/* Collects MINTING batch ids. */
struct store_mint_list {
	uint32_t *ids;
	size_t n, cap;
};

/* foreach callback: remembers MINTING batches. */
static int
store_mint_collect_cb(const struct store_batch *b, void *arg)
{
	struct store_mint_list *l = arg;

	if (b->state != STORE_BATCH_MINTING)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		uint32_t *ids = realloc(l->ids, cap * sizeof(*ids));

		if (ids == NULL)
			return -ENOMEM;
		l->ids = ids;
		l->cap = cap;
	}
	l->ids[l->n++] = b->id;
	return 0;
}

/* Cleans up every MINTING batch whose lock nobody holds. */
int
store_mint_recover(struct store *st, unsigned *recovered)
{
	struct store_mint_list l = { NULL, 0, 0 };
	struct store_txn t;
	int fd, ret;

	*recovered = 0;
	if ((ret = store_txn_begin(st, true, &t)) < 0)
		return ret;
	ret = store_batch_foreach_txn(&t, store_mint_collect_cb, &l);
	store_txn_abort(&t);
	if (ret < 0 || l.n == 0)
		goto out;
	if ((fd = store_mint_lock_open(st)) < 0) {
		ret = fd;
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		/* Holding the lock ourselves keeps two recoveries apart. */
		if (store_mint_lock(fd, l.ids[i], true) < 0)
			continue;	/* its mint is alive */
		ret = store_mint_cleanup(st, l.ids[i]);
		store_mint_lock(fd, l.ids[i], false);
		if (ret == -ENOENT || ret == -EINVAL) {
			ret = 0;	/* finished or cleaned meanwhile */
			continue;
		}
		if (ret < 0)
			break;
		(*recovered)++;
	}
	close(fd);
out:
	free(l.ids);
	return ret;
}
