/* settle.c — closed settlement periods, in meta under "settle/period/". */
#include "store/store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define STORE_PERIOD_PREFIX "settle/period/"
#define STORE_PERIOD_PREFIX_LEN (sizeof(STORE_PERIOD_PREFIX) - 1)
#define STORE_PERIOD_KEY_LEN (STORE_PERIOD_PREFIX_LEN + \
	STORE_SETTLE_PERIOD_LEN)

/* The meta key of a period; -EINVAL unless id is "YYYY-MM". */
static int
store_period_key(const char *id, char key[STORE_PERIOD_KEY_LEN + 1])
{
	if (strlen(id) != STORE_SETTLE_PERIOD_LEN)
		return -EINVAL;
	snprintf(key, STORE_PERIOD_KEY_LEN + 1, STORE_PERIOD_PREFIX "%s", id);
	return 0;
}

/* Stores a closed period. */
int
store_settle_period_add_txn(struct store_txn *t,
    const struct store_settle_period *p)
{
	char key[STORE_PERIOD_KEY_LEN + 1];
	int ret;

	if ((ret = store_period_key(p->id, key)) < 0)
		return ret;
	return store_put_txn(t, STORE_DB_META, key, STORE_PERIOD_KEY_LEN, p,
	    sizeof(*p), MDB_NOOVERWRITE);
}

/* Reads a closed period. */
int
store_settle_period_get_txn(struct store_txn *t, const char *id,
    struct store_settle_period *p)
{
	char key[STORE_PERIOD_KEY_LEN + 1];
	int ret;

	if ((ret = store_period_key(id, key)) < 0)
		return ret;
	return store_get_txn(t, STORE_DB_META, key, STORE_PERIOD_KEY_LEN, p,
	    sizeof(*p));
}

struct store_period_walk {
	int (*cb)(const struct store_settle_period *, void *);
	void *arg;
};

/* Walk callback for periods. */
static int
store_period_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct store_period_walk *w = arg;
	struct store_settle_period p;

	if (k->mv_size != STORE_PERIOD_KEY_LEN || v->mv_size != sizeof(p))
		return -EIO;
	memcpy(&p, v->mv_data, sizeof(p));
	return w->cb(&p, w->arg);
}

/* Calls cb for every closed period, oldest first ("YYYY-MM" sorts so). */
int
store_settle_period_foreach_txn(struct store_txn *t,
    int (*cb)(const struct store_settle_period *, void *), void *arg)
{
	struct store_period_walk w = { cb, arg };

	return store_walk_txn(t, STORE_DB_META,
	    (const uint8_t *)STORE_PERIOD_PREFIX, STORE_PERIOD_PREFIX_LEN,
	    STORE_PERIOD_PREFIX_LEN, store_period_walk_cb, &w);
}

/* Keeps the period it is given: the last one wins. */
static int
store_period_keep_cb(const struct store_settle_period *p, void *arg)
{
	memcpy(arg, p, sizeof(*p));
	return 0;
}

/* Reads the newest closed period. */
int
store_settle_period_last_txn(struct store_txn *t,
    struct store_settle_period *p)
{
	int ret;

	memset(p, 0, sizeof(*p));
	if ((ret = store_settle_period_foreach_txn(t, store_period_keep_cb,
	    p)) < 0)
		return ret;
	return p->id[0] == '\0' ? -ENOENT : 0;
}
