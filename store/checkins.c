/* checkins.c — the check-in log and the shops' exemption codes, in meta. */
#include "store/checkin.h"
#include "store/store_internal.h"

#include <errno.h>
#include <string.h>

#define CHECKIN_PREFIX "checkin/"
#define CHECKIN_PREFIX_LEN (sizeof(CHECKIN_PREFIX) - 1)
#define CHECKIN_KEY_LEN (CHECKIN_PREFIX_LEN + 8)
#define EXEMPT_PREFIX "checkin_x/"
#define EXEMPT_PREFIX_LEN (sizeof(EXEMPT_PREFIX) - 1)
#define EXEMPT_KEY_LEN (EXEMPT_PREFIX_LEN + STORE_ID_MAX)

/* The meta key of check-in id. */
static void
store_checkin_key(uint64_t id, uint8_t key[CHECKIN_KEY_LEN])
{
	memcpy(key, CHECKIN_PREFIX, CHECKIN_PREFIX_LEN);
	store_u64_key(id, key + CHECKIN_PREFIX_LEN);
}

/* Appends a check-in under the next id. */
int
store_checkin_add_txn(struct store_txn *t, struct store_checkin *c)
{
	uint8_t key[CHECKIN_KEY_LEN];
	int ret;

	if ((ret = store_counter_next_txn(t, "next_checkin", &c->id)) < 0)
		return ret;
	store_checkin_key(c->id, key);
	return store_put_txn(t, STORE_DB_META, key, sizeof(key), c, sizeof(*c),
	    MDB_NOOVERWRITE);
}

/* Reads one check-in. */
int
store_checkin_get_txn(struct store_txn *t, uint64_t id,
    struct store_checkin *c)
{
	uint8_t key[CHECKIN_KEY_LEN];

	store_checkin_key(id, key);
	return store_get_txn(t, STORE_DB_META, key, sizeof(key), c, sizeof(*c));
}

struct store_checkin_walk {
	int (*cb)(const struct store_checkin *, void *);
	void *arg;
};

/* Walk callback: one check-in record. */
static int
store_checkin_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct store_checkin_walk *w = arg;
	struct store_checkin c;

	if (k->mv_size != CHECKIN_KEY_LEN || v->mv_size != sizeof(c))
		return -EIO;
	memcpy(&c, v->mv_data, sizeof(c));
	return w->cb(&c, w->arg);
}

/* Iterates over the check-ins after an id. */
int
store_checkin_foreach_txn(struct store_txn *t, uint64_t after,
    int (*cb)(const struct store_checkin *, void *), void *arg)
{
	struct store_checkin_walk w = { cb, arg };
	uint8_t key[CHECKIN_KEY_LEN];

	if (after == UINT64_MAX)
		return 0;
	store_checkin_key(after + 1, key);
	return store_walk_txn(t, STORE_DB_META, key, sizeof(key),
	    CHECKIN_PREFIX_LEN, store_checkin_walk_cb, &w);
}

/* The meta key of a shop's exemption; -EINVAL for a bad id. */
static int
store_exempt_key(const char *shop, uint8_t key[EXEMPT_KEY_LEN])
{
	size_t n = strlen(shop);

	if (n == 0 || n > STORE_ID_MAX)
		return -EINVAL;
	memset(key, 0, EXEMPT_KEY_LEN);
	memcpy(key, EXEMPT_PREFIX, EXEMPT_PREFIX_LEN);
	memcpy(key + EXEMPT_PREFIX_LEN, shop, n);
	return 0;
}

/* Reads a shop's exemption code. */
int
store_checkin_exempt_get_txn(struct store_txn *t, const char *shop,
    struct store_checkin_exempt *x)
{
	uint8_t key[EXEMPT_KEY_LEN];
	int ret;

	if ((ret = store_exempt_key(shop, key)) < 0)
		return ret;
	return store_get_txn(t, STORE_DB_META, key, sizeof(key), x, sizeof(*x));
}

/* Writes a shop's exemption code. */
int
store_checkin_exempt_put_txn(struct store_txn *t, const char *shop,
    const struct store_checkin_exempt *x)
{
	uint8_t key[EXEMPT_KEY_LEN];
	int ret;

	if ((ret = store_exempt_key(shop, key)) < 0)
		return ret;
	return store_put_txn(t, STORE_DB_META, key, sizeof(key), x, sizeof(*x),
	    0);
}
