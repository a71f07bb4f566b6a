/* visitors.c — per-visitor records for member tags, in meta. */
#include "store/visitor.h"
#include "store/store_internal.h"

#include <errno.h>
#include <string.h>

#define VISITOR_PREFIX "visitor/"
#define VISITOR_PREFIX_LEN (sizeof(VISITOR_PREFIX) - 1)
#define VISITOR_KEY_LEN (VISITOR_PREFIX_LEN + STORE_VISITOR_BYTES)
#define VCODE_PREFIX "visitor_code/"
#define VCODE_PREFIX_LEN (sizeof(VCODE_PREFIX) - 1)
#define VCODE_KEY_LEN (VCODE_PREFIX_LEN + STORE_VISITOR_BYTES + \
    STORE_SERIAL_BYTES)
#define VSHOP_PREFIX "visitor_shop/"
#define VSHOP_PREFIX_LEN (sizeof(VSHOP_PREFIX) - 1)
#define VSHOP_HEAD_LEN (VSHOP_PREFIX_LEN + STORE_VISITOR_BYTES)
#define VSHOP_KEY_LEN (VSHOP_HEAD_LEN + STORE_ID_MAX)

/* Builds prefix + visitor id into key; returns the length. */
static size_t
store_visitor_key(const char *prefix, size_t plen,
    const uint8_t id[STORE_VISITOR_BYTES], uint8_t *key)
{
	memcpy(key, prefix, plen);
	memcpy(key + plen, id, STORE_VISITOR_BYTES);
	return plen + STORE_VISITOR_BYTES;
}

/* Reads a visitor's record. */
int
store_visitor_get_txn(struct store_txn *t,
    const uint8_t id[STORE_VISITOR_BYTES], struct store_visitor *v)
{
	uint8_t key[VISITOR_KEY_LEN];

	store_visitor_key(VISITOR_PREFIX, VISITOR_PREFIX_LEN, id, key);
	return store_get_txn(t, STORE_DB_META, key, sizeof(key), v, sizeof(*v));
}

/* Writes a visitor's record. */
int
store_visitor_put_txn(struct store_txn *t,
    const uint8_t id[STORE_VISITOR_BYTES], const struct store_visitor *v)
{
	uint8_t key[VISITOR_KEY_LEN];

	store_visitor_key(VISITOR_PREFIX, VISITOR_PREFIX_LEN, id, key);
	return store_put_txn(t, STORE_DB_META, key, sizeof(key), v, sizeof(*v),
	    0);
}

/* Adds a code to the set of the visitor's codes: the record's own slots
 * first, then a key of its own. */
int
store_visitor_code_add_txn(struct store_txn *t,
    const uint8_t id[STORE_VISITOR_BYTES], struct store_visitor *v,
    const uint8_t serial[STORE_SERIAL_BYTES])
{
	uint8_t key[VCODE_KEY_LEN], one = 1;
	uint64_t inl = v->codes < STORE_VISITOR_INLINE ? v->codes :
	    STORE_VISITOR_INLINE;
	int ret;

	for (uint64_t i = 0; i < inl; i++)
		if (memcmp(v->first_codes[i], serial, STORE_SERIAL_BYTES) == 0)
			return 0;
	if (v->codes < STORE_VISITOR_INLINE) {
		memcpy(v->first_codes[v->codes++], serial, STORE_SERIAL_BYTES);
		return 0;
	}
	memcpy(store_visitor_key(VCODE_PREFIX, VCODE_PREFIX_LEN, id, key) +
	    key, serial, STORE_SERIAL_BYTES);
	ret = store_put_txn(t, STORE_DB_META, key, sizeof(key), &one,
	    sizeof(one), MDB_NOOVERWRITE);
	if (ret == 0)
		v->codes++;
	return ret == -EEXIST ? 0 : ret;
}

/* The key of a visitor's check-ins at a shop; -EINVAL for a bad id. */
static int
store_visitor_shop_key(const uint8_t id[STORE_VISITOR_BYTES],
    const char *shop, uint8_t key[VSHOP_KEY_LEN])
{
	size_t n = strlen(shop);

	if (n == 0 || n > STORE_ID_MAX)
		return -EINVAL;
	memset(key, 0, VSHOP_KEY_LEN);
	store_visitor_key(VSHOP_PREFIX, VSHOP_PREFIX_LEN, id, key);
	memcpy(key + VSHOP_HEAD_LEN, shop, n);
	return 0;
}

/* Reads the visitor's check-ins at a shop. */
int
store_visitor_shop_get_txn(struct store_txn *t,
    const uint8_t id[STORE_VISITOR_BYTES], const char *shop, uint64_t *n)
{
	uint8_t key[VSHOP_KEY_LEN];
	int ret;

	*n = 0;
	if ((ret = store_visitor_shop_key(id, shop, key)) < 0)
		return ret;
	ret = store_get_txn(t, STORE_DB_META, key, sizeof(key), n, sizeof(*n));
	if (ret == -ENOENT) {
		*n = 0;
		ret = 0;
	}
	return ret;
}

/* Counts a check-in at a shop. */
int
store_visitor_shop_add_txn(struct store_txn *t,
    const uint8_t id[STORE_VISITOR_BYTES], const char *shop, uint64_t *n)
{
	uint8_t key[VSHOP_KEY_LEN];
	int ret;

	if ((ret = store_visitor_shop_get_txn(t, id, shop, n)) < 0)
		return ret;
	(*n)++;
	if ((ret = store_visitor_shop_key(id, shop, key)) < 0)
		return ret;
	return store_put_txn(t, STORE_DB_META, key, sizeof(key), n,
	    sizeof(*n), 0);
}

struct store_visitor_walk {
	int (*cb)(const uint8_t id[STORE_VISITOR_BYTES],
	    const struct store_visitor *v, void *arg);
	int (*shop_cb)(const char *shop, uint64_t n, void *arg);
	void *arg;
};

/* Walk callback: one visitor record. */
static int
store_visitor_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct store_visitor_walk *w = arg;
	struct store_visitor rec;

	if (k->mv_size != VISITOR_KEY_LEN || v->mv_size != sizeof(rec))
		return -EIO;
	memcpy(&rec, v->mv_data, sizeof(rec));
	return w->cb((const uint8_t *)k->mv_data + VISITOR_PREFIX_LEN, &rec,
	    w->arg);
}

/* Iterates over the visitors. */
int
store_visitor_foreach_txn(struct store_txn *t,
    int (*cb)(const uint8_t id[STORE_VISITOR_BYTES],
    const struct store_visitor *v, void *arg), void *arg)
{
	struct store_visitor_walk w = { cb, NULL, arg };

	return store_walk_txn(t, STORE_DB_META,
	    (const uint8_t *)VISITOR_PREFIX, VISITOR_PREFIX_LEN,
	    VISITOR_PREFIX_LEN, store_visitor_walk_cb, &w);
}

/* Walk callback: one store of a visitor. */
static int
store_visitor_shop_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct store_visitor_walk *w = arg;
	char shop[STORE_ID_MAX + 1];
	uint64_t n;

	if (k->mv_size != VSHOP_KEY_LEN || v->mv_size != sizeof(n))
		return -EIO;
	memcpy(shop, (const uint8_t *)k->mv_data + VSHOP_HEAD_LEN,
	    STORE_ID_MAX);
	shop[STORE_ID_MAX] = '\0';
	memcpy(&n, v->mv_data, sizeof(n));
	return w->shop_cb(shop, n, w->arg);
}

/* Iterates over the stores a visitor checked in at. */
int
store_visitor_shop_foreach_txn(struct store_txn *t,
    const uint8_t id[STORE_VISITOR_BYTES],
    int (*cb)(const char *shop, uint64_t n, void *arg), void *arg)
{
	struct store_visitor_walk w = { NULL, cb, arg };
	uint8_t key[VSHOP_HEAD_LEN];

	store_visitor_key(VSHOP_PREFIX, VSHOP_PREFIX_LEN, id, key);
	return store_walk_txn(t, STORE_DB_META, key, sizeof(key), sizeof(key),
	    store_visitor_shop_walk_cb, &w);
}
