/* outbox.c — the change logs that leave the node (redemptions with their
 * settlement lines, locations) and the outbox watermarks, all in meta. */
#include "store/store_internal.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define STORE_LOG_PREFIX "log/"
#define STORE_LOG_PREFIX_LEN (sizeof(STORE_LOG_PREFIX) - 1)
/* "log/", the log's letter, "/", the big-endian seq. */
#define STORE_LOG_KEY_LEN (STORE_LOG_PREFIX_LEN + 2 + 8)
#define STORE_OUTBOX_PREFIX "outbox/"

/* The meta key of a log's entry (prefix only when seq is 0). */
static void
store_log_key(enum store_log log, uint64_t seq, uint8_t key[STORE_LOG_KEY_LEN])
{
	memcpy(key, STORE_LOG_PREFIX, STORE_LOG_PREFIX_LEN);
	key[STORE_LOG_PREFIX_LEN] = (uint8_t)log;
	key[STORE_LOG_PREFIX_LEN + 1] = '/';
	for (int i = 0; i < 8; i++)
		key[STORE_LOG_PREFIX_LEN + 2 + i] = (uint8_t)(seq >>
		    (56 - 8 * i));
}

/* The meta name of a log's counter. */
static void
store_log_counter(enum store_log log, char name[16])
{
	snprintf(name, 16, "log_next/%c", (char)log);
}

/* Appends an entry, with len bytes of tail after it in its value. */
static int
store_log_put_txn(struct store_txn *t, enum store_log log,
    struct store_log_entry *e, const void *tail, size_t len)
{
	uint8_t key[STORE_LOG_KEY_LEN];
	uint8_t val[sizeof(*e) + sizeof(struct store_settle_line)];
	char counter[16];
	int ret;

	assert(len <= sizeof(val) - sizeof(*e));
	store_log_counter(log, counter);
	if ((ret = store_counter_next_txn(t, counter, &e->seq)) < 0)
		return ret;
	memset(e->reserved, 0, sizeof(e->reserved));
	memcpy(val, e, sizeof(*e));
	if (len > 0)
		memcpy(val + sizeof(*e), tail, len);
	store_log_key(log, e->seq, key);
	ret = store_put_txn(t, STORE_DB_META, key, sizeof(key), val,
	    sizeof(*e) + len, MDB_NOOVERWRITE);
	/* Sequence numbers only grow: an entry in the way is damage. */
	return ret == -EEXIST ? store_txn_fail(t, -EIO) : ret;
}

/* Appends an entry. */
int
store_log_append_txn(struct store_txn *t, enum store_log log,
    struct store_log_entry *e)
{
	return store_log_put_txn(t, log, e, NULL, 0);
}

/* Appends a redemption with its settlement line. */
int
store_settle_append_txn(struct store_txn *t, struct store_log_entry *e,
    const struct store_settle_line *line)
{
	int ret;

	if ((ret = store_log_put_txn(t, STORE_LOG_REDEEMED, e, line,
	    sizeof(*line))) < 0)
		return ret;
	/* The line's hash covers its seq: the caller must have foreseen it. */
	return e->seq == line->seq ? 0 : store_txn_fail(t, -EIO);
}

/* The newest redemption's seq and its line's hash. */
int
store_settle_head_txn(struct store_txn *t, uint64_t *seq,
    uint8_t hash[STORE_SETTLE_HASH_BYTES])
{
	uint8_t key[STORE_LOG_KEY_LEN];
	struct store_settle_line line;
	MDB_val v;
	int ret;

	memset(hash, 0, STORE_SETTLE_HASH_BYTES);
	if ((ret = store_log_last_txn(t, STORE_LOG_REDEEMED, seq)) < 0 ||
	    *seq == 0)
		return ret;
	store_log_key(STORE_LOG_REDEEMED, *seq, key);
	if ((ret = store_lookup_txn(t, STORE_DB_META, key, sizeof(key),
	    &v)) < 0)
		return ret == -ENOENT ? store_txn_fail(t, -EIO) : ret;
	if (v.mv_size == sizeof(struct store_log_entry))
		return 0;
	if (v.mv_size != sizeof(struct store_log_entry) + sizeof(line))
		return store_txn_fail(t, -EIO);
	memcpy(&line, (const uint8_t *)v.mv_data +
	    sizeof(struct store_log_entry), sizeof(line));
	memcpy(hash, line.hash, STORE_SETTLE_HASH_BYTES);
	return 0;
}

/* The newest seq of a log. */
int
store_log_last_txn(struct store_txn *t, enum store_log log, uint64_t *seq)
{
	char counter[16];
	int ret;

	*seq = 0;
	store_log_counter(log, counter);
	ret = store_get_txn(t, STORE_DB_META, counter, strlen(counter), seq,
	    sizeof(*seq));
	return ret == -ENOENT ? 0 : ret;
}

struct store_log_walk {
	int (*cb)(const struct store_log_entry *, void *);
	int (*line_cb)(const struct store_settle_line *, void *);
	uint64_t through;
	void *arg;
};

/* Walk callback for log entries (and their settlement lines). */
static int
store_log_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct store_log_walk *w = arg;
	struct store_settle_line line;
	struct store_log_entry e;

	if (k->mv_size != STORE_LOG_KEY_LEN || (v->mv_size != sizeof(e) &&
	    v->mv_size != sizeof(e) + sizeof(line)))
		return -EIO;
	memcpy(&e, v->mv_data, sizeof(e));
	if (w->cb != NULL)
		return w->cb(&e, w->arg);
	if (e.seq > w->through)
		return 1;
	if (v->mv_size == sizeof(e))
		return 0;	/* redeemed before settlement lines */
	memcpy(&line, (const uint8_t *)v->mv_data + sizeof(e), sizeof(line));
	if (line.seq != e.seq)
		return -EIO;
	return w->line_cb(&line, w->arg);
}

/* Walks a log after a seq. */
int
store_log_foreach_txn(struct store_txn *t, enum store_log log, uint64_t after,
    int (*cb)(const struct store_log_entry *, void *), void *arg)
{
	struct store_log_walk w = { cb, NULL, UINT64_MAX, arg };
	uint8_t key[STORE_LOG_KEY_LEN];

	if (after == UINT64_MAX)
		return 0;
	store_log_key(log, after + 1, key);
	return store_walk_txn(t, STORE_DB_META, key, sizeof(key),
	    STORE_LOG_PREFIX_LEN + 2, store_log_walk_cb, &w);
}

/* Walks the settlement lines in (after, through]. */
int
store_settle_foreach_txn(struct store_txn *t, uint64_t after,
    uint64_t through, int (*cb)(const struct store_settle_line *, void *),
    void *arg)
{
	struct store_log_walk w = { NULL, cb, through, arg };
	uint8_t key[STORE_LOG_KEY_LEN];
	int ret;

	if (after >= through)
		return 0;
	store_log_key(STORE_LOG_REDEEMED, after + 1, key);
	ret = store_walk_txn(t, STORE_DB_META, key, sizeof(key),
	    STORE_LOG_PREFIX_LEN + 2, store_log_walk_cb, &w);
	return ret == 1 ? 0 : ret;
}

/* The meta key of a watermark; -EINVAL if the name is too long. */
static int
store_outbox_key(const char *name, char key[STORE_OUTBOX_NAME_MAX + 8],
    size_t *len)
{
	int n;

	if (strlen(name) > STORE_OUTBOX_NAME_MAX)
		return -EINVAL;
	n = snprintf(key, STORE_OUTBOX_NAME_MAX + 8, STORE_OUTBOX_PREFIX "%s",
	    name);
	*len = (size_t)n;
	return 0;
}

/* Reads a watermark. */
int
store_outbox_get_txn(struct store_txn *t, const char *name, uint64_t *id)
{
	char key[STORE_OUTBOX_NAME_MAX + 8];
	size_t len;
	int ret;

	*id = 0;
	if ((ret = store_outbox_key(name, key, &len)) < 0)
		return ret;
	ret = store_get_txn(t, STORE_DB_META, key, len, id, sizeof(*id));
	return ret == -ENOENT ? 0 : ret;
}

/* Writes a watermark. */
int
store_outbox_set_txn(struct store_txn *t, const char *name, uint64_t id)
{
	char key[STORE_OUTBOX_NAME_MAX + 8];
	size_t len;
	int ret;

	if ((ret = store_outbox_key(name, key, &len)) < 0)
		return ret;
	return store_put_txn(t, STORE_DB_META, key, len, &id, sizeof(id), 0);
}
