/* groups.c — groups (拼团) and their members, in meta. */
#include "store/group.h"
#include "store/store_internal.h"

#include <errno.h>
#include <string.h>

#define GROUP_PREFIX "group/"
#define GROUP_PREFIX_LEN (sizeof(GROUP_PREFIX) - 1)
#define GROUP_KEY_LEN (GROUP_PREFIX_LEN + STORE_GROUP_ID_BYTES)
#define MEMBER_PREFIX "group_m/"
#define MEMBER_PREFIX_LEN (sizeof(MEMBER_PREFIX) - 1)
#define MEMBER_KEY_LEN (MEMBER_PREFIX_LEN + STORE_GROUP_ID_BYTES + \
    STORE_VISITOR_BYTES)

/* The meta key of group id. */
static void
store_group_key(const uint8_t id[STORE_GROUP_ID_BYTES],
    uint8_t key[GROUP_KEY_LEN])
{
	memcpy(key, GROUP_PREFIX, GROUP_PREFIX_LEN);
	memcpy(key + GROUP_PREFIX_LEN, id, STORE_GROUP_ID_BYTES);
}

/* The meta key of a member (visitor NULL: all zero, the walk's start). */
static void
store_member_key(const uint8_t id[STORE_GROUP_ID_BYTES],
    const uint8_t *visitor, uint8_t key[MEMBER_KEY_LEN])
{
	memcpy(key, MEMBER_PREFIX, MEMBER_PREFIX_LEN);
	memcpy(key + MEMBER_PREFIX_LEN, id, STORE_GROUP_ID_BYTES);
	if (visitor != NULL)
		memcpy(key + MEMBER_PREFIX_LEN + STORE_GROUP_ID_BYTES, visitor,
		    STORE_VISITOR_BYTES);
	else
		memset(key + MEMBER_PREFIX_LEN + STORE_GROUP_ID_BYTES, 0,
		    STORE_VISITOR_BYTES);
}

/* Adds a group under its id. */
int
store_group_add_txn(struct store_txn *t, const struct store_group *g)
{
	uint8_t key[GROUP_KEY_LEN];

	store_group_key(g->id, key);
	return store_put_txn(t, STORE_DB_META, key, sizeof(key), g, sizeof(*g),
	    MDB_NOOVERWRITE);
}

/* Reads one group. */
int
store_group_get_txn(struct store_txn *t,
    const uint8_t id[STORE_GROUP_ID_BYTES], struct store_group *g)
{
	uint8_t key[GROUP_KEY_LEN];

	store_group_key(id, key);
	return store_get_txn(t, STORE_DB_META, key, sizeof(key), g, sizeof(*g));
}

/* Rewrites one group. */
int
store_group_put_txn(struct store_txn *t, const struct store_group *g)
{
	uint8_t key[GROUP_KEY_LEN];

	store_group_key(g->id, key);
	return store_put_txn(t, STORE_DB_META, key, sizeof(key), g, sizeof(*g),
	    0);
}

/* Reads one member. */
int
store_group_member_get_txn(struct store_txn *t,
    const uint8_t id[STORE_GROUP_ID_BYTES],
    const uint8_t visitor[STORE_VISITOR_BYTES], struct store_group_member *m)
{
	uint8_t key[MEMBER_KEY_LEN];

	store_member_key(id, visitor, key);
	return store_get_txn(t, STORE_DB_META, key, sizeof(key), m, sizeof(*m));
}

/* Adds one member. */
int
store_group_member_add_txn(struct store_txn *t,
    const uint8_t id[STORE_GROUP_ID_BYTES],
    const struct store_group_member *m)
{
	uint8_t key[MEMBER_KEY_LEN];

	store_member_key(id, m->visitor, key);
	return store_put_txn(t, STORE_DB_META, key, sizeof(key), m, sizeof(*m),
	    MDB_NOOVERWRITE);
}

struct store_member_walk {
	int (*cb)(const struct store_group_member *, void *);
	void *arg;
};

/* Walk callback: one member record. */
static int
store_member_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct store_member_walk *w = arg;
	struct store_group_member m;

	if (k->mv_size != MEMBER_KEY_LEN || v->mv_size != sizeof(m))
		return -EIO;
	memcpy(&m, v->mv_data, sizeof(m));
	return w->cb(&m, w->arg);
}

/* Iterates over a group's members. */
int
store_group_member_foreach_txn(struct store_txn *t,
    const uint8_t id[STORE_GROUP_ID_BYTES],
    int (*cb)(const struct store_group_member *, void *), void *arg)
{
	struct store_member_walk w = { cb, arg };
	uint8_t key[MEMBER_KEY_LEN];

	store_member_key(id, NULL, key);
	return store_walk_txn(t, STORE_DB_META, key, sizeof(key),
	    MEMBER_PREFIX_LEN + STORE_GROUP_ID_BYTES, store_member_walk_cb, &w);
}
