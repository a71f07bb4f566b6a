/*
 * store_internal.h — what the store/ files share: the environment, the
 * database handles and small helpers. Not for use outside store/.
 */
#ifndef SCANLOOP_STORE_INTERNAL_H
#define SCANLOOP_STORE_INTERNAL_H

#include <lmdb.h>
#include <limits.h>

#include "store/store.h"

/* Named databases, opened once when the store opens. */
enum store_db {
	STORE_DB_META,		/* "schema" → u32, counters */
	STORE_DB_KEYS,		/* u8 key id → struct store_key */
	STORE_DB_BATCHES,	/* u32 BE batch id → struct store_batch */
	STORE_DB_CODES,		/* 8-byte serial → struct store_code */
	STORE_DB_EVENTS,	/* u64 BE event id → event record */
	STORE_DB_CODE_SCANS,	/* 8-byte serial → struct store_code_scans */
	STORE_DB_CAMPAIGNS,	/* id → struct store_campaign */
	STORE_DB_CAMPAIGN_CONFIG, /* id → configuration JSON */
	STORE_DB_COUNTERS,	/* id|kind|subject|period → u64 */
	STORE_DB_DRAWS,		/* id|seq → struct store_draw */
	STORE_DB_DRAWS_BY_CODE,	/* id|serial → u64 seq */
	STORE_DB_CLAIMS,	/* claim id → struct store_claim */
	STORE_DB_SHOPS,		/* id → struct store_shop */
	STORE_DB_SHOP_TOKENS,	/* selector → shop id */
	STORE_DB_POINTS,	/* visitor|n → struct store_points_entry; n 0: balance */
	STORE_DB_DRAWCODES,	/* keyed hash of a token → outer serial */
	STORE_DB_FORGED_COUNTS,	/* u32 BE hour|net → struct store_forged_count */
	STORE_DB_SIGNALS,	/* u64 BE signal id → signal record */
	STORE_DB_COUNT
};

struct store {
	MDB_env *env;
	MDB_dbi dbi[STORE_DB_COUNT];
	int lock_fd;		/* <dir>/mint.lock, for OFD byte-range locks */
	bool rdonly;
	char dir[PATH_MAX];
};

/* The MDB_txn of a store_txn. */
static inline MDB_txn *
store_mdb_txn(struct store_txn *t)
{
	return (MDB_txn *)t->txn;
}

/* Records a failure in the transaction (keeping the first one). */
static inline int
store_txn_fail(struct store_txn *t, int err)
{
	if (t->ret == 0)
		t->ret = err;
	return err;
}

/* Opens a cursor on db: the transaction's sticky error if it has one,
 * else 0 or the failure to open it (recorded in the transaction). */
static inline int
store_cursor_open_txn(struct store_txn *t, enum store_db db,
    MDB_cursor **cur)
{
	int rc;

	if (t->ret != 0)
		return t->ret;
	if ((rc = mdb_cursor_open(store_mdb_txn(t), t->st->dbi[db], cur)) != 0)
		return store_txn_fail(t, store_error(rc));
	return 0;
}

/* Begins a write transaction and reads batch id in it; aborts it on an
 * error. */
int store_batch_begin(struct store *st, uint32_t id, struct store_txn *t,
    struct store_batch *b);
/* Writes batch b and commits the transaction; aborts it on an error. */
int store_batch_commit(struct store_txn *t, const struct store_batch *b);

/* Reads a value into a fixed-size record; -EIO if its size is wrong. */
int store_get_txn(struct store_txn *t, enum store_db db, const void *key,
    size_t klen, void *val, size_t vlen);
/* Looks a key up: *v points into the map until the transaction ends.
 * 0, -ENOENT (not sticky), or a store error (sticky). */
int store_lookup_txn(struct store_txn *t, enum store_db db, const void *key,
    size_t klen, MDB_val *v);
/* Writes a value (flags as for mdb_put). */
int store_put_txn(struct store_txn *t, enum store_db db, const void *key,
    size_t klen, const void *val, size_t vlen, unsigned flags);
/* Deletes a key; -ENOENT if missing. */
int store_del_txn(struct store_txn *t, enum store_db db, const void *key,
    size_t klen);
/* Calls cb for the entries of db from key "from" (the first entry when
 * fromlen is 0) while their keys start with its first prefixlen bytes; a
 * non-zero cb return stops the walk and is returned. */
int store_walk_txn(struct store_txn *t, enum store_db db, const uint8_t *from,
    size_t fromlen, size_t prefixlen,
    int (*cb)(const MDB_val *k, const MDB_val *v, void *), void *arg);
/* Increments the u64 counter named name in meta and returns the new value. */
int store_counter_next_txn(struct store_txn *t, const char *name,
    uint64_t *value);

/* The key of an id (a campaign, shop or dealer): zero-padded to
 * STORE_ID_MAX bytes; -EINVAL if empty or too long. */
int store_id_key(const char *id, uint8_t key[STORE_ID_MAX]);
/* Rewrites a stored event in place (same id). */
int store_event_put_txn(struct store_txn *t, const struct store_event *ev);
/* Deletes an event (-ENOENT if missing); its chain is the caller's. */
int store_event_del_txn(struct store_txn *t, uint64_t id);
/* Deletes a code's summary (-ENOENT if none). */
int store_code_scans_del_txn(struct store_txn *t,
    const uint8_t serial[STORE_SERIAL_BYTES]);
/* Encodes a u64 (an event or signal id) as a big-endian key, so that
 * keys sort numerically. */
static inline void
store_u64_key(uint64_t v, uint8_t key[8])
{
	for (int i = 0; i < 8; i++)
		key[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* Encodes a batch id as a big-endian key. */
static inline void
store_batch_key(uint32_t id, uint8_t key[4])
{
	key[0] = (uint8_t)(id >> 24);
	key[1] = (uint8_t)(id >> 16);
	key[2] = (uint8_t)(id >> 8);
	key[3] = (uint8_t)id;
}

#endif
