/* keys.c — the keys database: public keys and base URLs by key id. */
#include "store/store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static_assert(sizeof(struct store_key) == 184, "store_key layout is schema");

/* Adds a key record; refuses to replace one. */
int
store_key_add_txn(struct store_txn *t, const struct store_key *k)
{
	struct store_key rec;

	memset(&rec, 0, sizeof(rec));	/* no uninitialised padding on disk */
	rec.id = k->id;
	rec.scheme = k->scheme;
	rec.created = k->created;
	memcpy(rec.public, k->public, sizeof(rec.public));
	memcpy(rec.base_url, k->base_url, sizeof(rec.base_url));
	rec.base_url[STORE_URL_MAX] = '\0';
	return store_put_txn(t, STORE_DB_KEYS, &rec.id, 1, &rec, sizeof(rec),
	    MDB_NOOVERWRITE);
}

/* Adds a key record in its own transaction. */
int
store_key_add(struct store *st, uint8_t id, uint8_t scheme,
    const uint8_t *public, const char *base_url, int64_t created)
{
	struct store_txn t;
	struct store_key k;
	int ret;

	memset(&k, 0, sizeof(k));
	k.id = id;
	k.scheme = scheme;
	k.created = created;
	memcpy(k.public, public, sizeof(k.public));
	snprintf(k.base_url, sizeof(k.base_url), "%s", base_url);
	if ((ret = store_txn_begin(st, false, &t)) < 0)
		return ret;
	if ((ret = store_key_add_txn(&t, &k)) < 0) {
		store_txn_abort(&t);
		return ret;
	}
	return store_txn_commit(&t);
}

/* Reads a key record. */
int
store_key_get_txn(struct store_txn *t, uint8_t id, struct store_key *k)
{
	return store_get_txn(t, STORE_DB_KEYS, &id, 1, k, sizeof(*k));
}

/* Iterates over keys in id order. */
int
store_key_foreach_txn(struct store_txn *t,
    int (*cb)(const struct store_key *, void *), void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, ret = 0;

	if ((ret = store_cursor_open_txn(t, STORE_DB_KEYS, &cur)) != 0)
		return ret;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct store_key key;

		if (v.mv_size != sizeof(key)) {
			ret = store_txn_fail(t, -EIO);
			break;
		}
		memcpy(&key, v.mv_data, sizeof(key));
		if ((ret = cb(&key, arg)) != 0)
			break;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		ret = store_txn_fail(t, store_error(rc));
	mdb_cursor_close(cur);
	return ret;
}
