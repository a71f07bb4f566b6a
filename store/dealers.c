/* dealers.c — dealers, their token selectors, the dealer of each store;
 * kept in meta under "dealer/", "dealer_sel/" and "shop_dealer/". */
#include "store/store_internal.h"
#include "store/dealer.h"

#include <errno.h>
#include <string.h>

#define STORE_DEALER_PREFIX "dealer/"
#define STORE_DEALER_PREFIX_LEN (sizeof(STORE_DEALER_PREFIX) - 1)
#define STORE_DEALER_KEY_LEN (STORE_DEALER_PREFIX_LEN + STORE_ID_MAX)
#define STORE_DEALER_SEL_PREFIX "dealer_sel/"
#define STORE_DEALER_SEL_LEN (sizeof(STORE_DEALER_SEL_PREFIX) - 1)
#define STORE_SHOP_DEALER_PREFIX "shop_dealer/"
#define STORE_SHOP_DEALER_LEN (sizeof(STORE_SHOP_DEALER_PREFIX) - 1)

/* The meta key of a dealer: prefix and padded id. */
static int
store_dealer_key(const char *id, uint8_t key[STORE_DEALER_KEY_LEN])
{
	memcpy(key, STORE_DEALER_PREFIX, STORE_DEALER_PREFIX_LEN);
	return store_id_key(id, key + STORE_DEALER_PREFIX_LEN);
}

/* The meta key of a selector. */
static void
store_dealer_sel_key(const uint8_t sel[STORE_DEALER_SELECTOR_BYTES],
    uint8_t key[STORE_DEALER_SEL_LEN + STORE_DEALER_SELECTOR_BYTES])
{
	memcpy(key, STORE_DEALER_SEL_PREFIX, STORE_DEALER_SEL_LEN);
	memcpy(key + STORE_DEALER_SEL_LEN, sel, STORE_DEALER_SELECTOR_BYTES);
}

/* Adds a dealer and its selector. */
int
store_dealer_add_txn(struct store_txn *t, const struct store_dealer *d)
{
	uint8_t key[STORE_DEALER_KEY_LEN];
	uint8_t skey[STORE_DEALER_SEL_LEN + STORE_DEALER_SELECTOR_BYTES];
	int ret;

	if ((ret = store_dealer_key(d->id, key)) < 0)
		return ret;
	store_dealer_sel_key(d->selector, skey);
	if ((ret = store_lookup_txn(t, STORE_DB_META, skey, sizeof(skey),
	    &(MDB_val){ 0, NULL })) == 0)
		return -EAGAIN;
	if (ret != -ENOENT)
		return ret;
	if ((ret = store_put_txn(t, STORE_DB_META, key, sizeof(key), d,
	    sizeof(*d), MDB_NOOVERWRITE)) < 0)
		return ret;
	return store_put_txn(t, STORE_DB_META, skey, sizeof(skey),
	    key + STORE_DEALER_PREFIX_LEN, STORE_ID_MAX, 0);
}

/* Reads a dealer. */
int
store_dealer_get_txn(struct store_txn *t, const char *id,
    struct store_dealer *d)
{
	uint8_t key[STORE_DEALER_KEY_LEN];

	if (store_dealer_key(id, key) < 0)
		return -ENOENT;
	return store_get_txn(t, STORE_DB_META, key, sizeof(key), d,
	    sizeof(*d));
}

/* Reads a dealer by selector. */
int
store_dealer_by_selector_txn(struct store_txn *t,
    const uint8_t sel[STORE_DEALER_SELECTOR_BYTES], struct store_dealer *d)
{
	uint8_t skey[STORE_DEALER_SEL_LEN + STORE_DEALER_SELECTOR_BYTES];
	uint8_t key[STORE_DEALER_KEY_LEN];
	int ret;

	store_dealer_sel_key(sel, skey);
	memcpy(key, STORE_DEALER_PREFIX, STORE_DEALER_PREFIX_LEN);
	if ((ret = store_get_txn(t, STORE_DB_META, skey, sizeof(skey),
	    key + STORE_DEALER_PREFIX_LEN, STORE_ID_MAX)) < 0)
		return ret;
	ret = store_get_txn(t, STORE_DB_META, key, sizeof(key), d, sizeof(*d));
	return ret == -ENOENT ? store_txn_fail(t, -EIO) : ret;
}

/* Writes a dealer that exists. */
int
store_dealer_put_txn(struct store_txn *t, const struct store_dealer *d)
{
	struct store_dealer old;
	uint8_t key[STORE_DEALER_KEY_LEN];
	int ret;

	if ((ret = store_dealer_get_txn(t, d->id, &old)) < 0)
		return ret;
	if ((ret = store_dealer_key(d->id, key)) < 0)
		return ret;
	return store_put_txn(t, STORE_DB_META, key, sizeof(key), d,
	    sizeof(*d), 0);
}

struct store_dealer_walk {
	int (*cb)(const struct store_dealer *, void *);
	void *arg;
};

/* Walk callback for dealers. */
static int
store_dealer_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct store_dealer_walk *w = arg;
	struct store_dealer d;

	if (k->mv_size != STORE_DEALER_KEY_LEN || v->mv_size != sizeof(d))
		return -EIO;
	memcpy(&d, v->mv_data, sizeof(d));
	return w->cb(&d, w->arg);
}

/* Iterates over dealers. */
int
store_dealer_foreach_txn(struct store_txn *t,
    int (*cb)(const struct store_dealer *, void *), void *arg)
{
	struct store_dealer_walk w = { cb, arg };

	return store_walk_txn(t, STORE_DB_META,
	    (const uint8_t *)STORE_DEALER_PREFIX, STORE_DEALER_PREFIX_LEN,
	    STORE_DEALER_PREFIX_LEN, store_dealer_walk_cb, &w);
}

/* The meta key of a store's dealer. */
static int
store_shop_dealer_key(const char *shop,
    uint8_t key[STORE_SHOP_DEALER_LEN + STORE_ID_MAX])
{
	memcpy(key, STORE_SHOP_DEALER_PREFIX, STORE_SHOP_DEALER_LEN);
	return store_id_key(shop, key + STORE_SHOP_DEALER_LEN);
}

/* Sets a store's dealer. */
int
store_shop_dealer_put_txn(struct store_txn *t, const char *shop,
    const char *dealer)
{
	uint8_t key[STORE_SHOP_DEALER_LEN + STORE_ID_MAX], val[STORE_ID_MAX];
	int ret;

	if ((ret = store_shop_dealer_key(shop, key)) < 0 ||
	    (ret = store_id_key(dealer, val)) < 0)
		return ret;
	return store_put_txn(t, STORE_DB_META, key, sizeof(key), val,
	    sizeof(val), 0);
}

/* Reads a store's dealer. */
int
store_shop_dealer_get_txn(struct store_txn *t, const char *shop, char *dealer)
{
	uint8_t key[STORE_SHOP_DEALER_LEN + STORE_ID_MAX];
	int ret;

	if (store_shop_dealer_key(shop, key) < 0)
		return -ENOENT;
	if ((ret = store_get_txn(t, STORE_DB_META, key, sizeof(key), dealer,
	    STORE_ID_MAX)) < 0)
		return ret;
	dealer[STORE_ID_MAX] = '\0';
	return 0;
}
