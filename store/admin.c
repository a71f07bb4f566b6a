/* admin.c — admin API tokens, kept in meta under "admin_token/". */
#include "store/store_internal.h"

#include <errno.h>
#include <string.h>

#define STORE_ADMIN_PREFIX "admin_token/"
#define STORE_ADMIN_PREFIX_LEN (sizeof(STORE_ADMIN_PREFIX) - 1)
#define STORE_ADMIN_KEY_LEN (STORE_ADMIN_PREFIX_LEN + \
	STORE_ADMIN_SELECTOR_BYTES)

/* The meta key of a token's selector. */
static void
store_admin_key(const uint8_t sel[STORE_ADMIN_SELECTOR_BYTES],
    uint8_t key[STORE_ADMIN_KEY_LEN])
{
	memcpy(key, STORE_ADMIN_PREFIX, STORE_ADMIN_PREFIX_LEN);
	memcpy(key + STORE_ADMIN_PREFIX_LEN, sel, STORE_ADMIN_SELECTOR_BYTES);
}

/* Adds a token under its selector. */
int
store_admin_token_add_txn(struct store_txn *t,
    const struct store_admin_token *a)
{
	uint8_t key[STORE_ADMIN_KEY_LEN];
	int ret;

	store_admin_key(a->selector, key);
	ret = store_put_txn(t, STORE_DB_META, key, sizeof(key), a, sizeof(*a),
	    MDB_NOOVERWRITE);
	return ret == -EEXIST ? -EAGAIN : ret;
}

/* Reads a token. */
int
store_admin_token_get_txn(struct store_txn *t,
    const uint8_t sel[STORE_ADMIN_SELECTOR_BYTES], struct store_admin_token *a)
{
	uint8_t key[STORE_ADMIN_KEY_LEN];

	store_admin_key(sel, key);
	return store_get_txn(t, STORE_DB_META, key, sizeof(key), a, sizeof(*a));
}

/* Writes a token that exists. */
int
store_admin_token_put_txn(struct store_txn *t,
    const struct store_admin_token *a)
{
	struct store_admin_token old;
	uint8_t key[STORE_ADMIN_KEY_LEN];
	int ret;

	if ((ret = store_admin_token_get_txn(t, a->selector, &old)) < 0)
		return ret;
	store_admin_key(a->selector, key);
	return store_put_txn(t, STORE_DB_META, key, sizeof(key), a, sizeof(*a),
	    0);
}

struct store_admin_walk {
	int (*cb)(const struct store_admin_token *, void *);
	void *arg;
};

/* Walk callback for tokens. */
static int
store_admin_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct store_admin_walk *w = arg;
	struct store_admin_token a;

	if (k->mv_size != STORE_ADMIN_KEY_LEN || v->mv_size != sizeof(a))
		return -EIO;
	memcpy(&a, v->mv_data, sizeof(a));
	return w->cb(&a, w->arg);
}

/* Iterates over tokens. */
int
store_admin_token_foreach_txn(struct store_txn *t,
    int (*cb)(const struct store_admin_token *, void *), void *arg)
{
	struct store_admin_walk w = { cb, arg };

	return store_walk_txn(t, STORE_DB_META,
	    (const uint8_t *)STORE_ADMIN_PREFIX, STORE_ADMIN_PREFIX_LEN,
	    STORE_ADMIN_PREFIX_LEN, store_admin_walk_cb, &w);
}
