/* groups.c — groups (拼团) and their members, in meta. */
#include "store/group.h"
#include "store/store_internal.h"

#include <errno.h>
#include <stdlib.h>
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

#define GROUP_PRUNE_MARK "pruned_group"

/* Abandoned groups a pass picked, and where it stopped. */
struct group_pick {
	int64_t before;
	uint8_t (*ids)[STORE_GROUP_ID_BYTES];
	size_t n;
	size_t records;			/* groups and members picked */
	size_t examined;
	uint8_t mark[STORE_GROUP_ID_BYTES];	/* the last id looked at */
	bool skip_mark;			/* the walk starts at the mark */
	bool more;			/* stopped at a limit */
};

/* Walk callback: picks a group never unlocked whose deadline is before
 * the cut-off. */
static int
group_pick_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct group_pick *p = arg;
	const uint8_t *id = (const uint8_t *)k->mv_data + GROUP_PREFIX_LEN;
	struct store_group g;

	if (k->mv_size != GROUP_KEY_LEN || v->mv_size != sizeof(g))
		return -EIO;
	if (p->skip_mark) {
		p->skip_mark = false;
		if (memcmp(id, p->mark, STORE_GROUP_ID_BYTES) == 0)
			return 0;
	}
	if (p->examined == STORE_PRUNE_EXAMINE ||
	    p->records >= STORE_PRUNE_CHANGE) {
		p->more = true;
		return 1;
	}
	memcpy(&g, v->mv_data, sizeof(g));
	p->examined++;
	memcpy(p->mark, id, STORE_GROUP_ID_BYTES);
	if (g.unlocked != 0 || g.deadline >= p->before)
		return 0;
	memcpy(p->ids[p->n++], id, STORE_GROUP_ID_BYTES);
	p->records += 1 + (g.joined < STORE_GROUP_MEMBERS_MAX ? g.joined :
	    STORE_GROUP_MEMBERS_MAX);
	return 0;
}

/* The visitors of a group's members, for deleting them after the walk. */
struct group_members {
	uint8_t visitors[STORE_GROUP_MEMBERS_MAX][STORE_VISITOR_BYTES];
	size_t n;
};

/* Walk callback: notes one member. */
static int
group_member_note_cb(const struct store_group_member *m, void *arg)
{
	struct group_members *w = arg;

	if (w->n == STORE_GROUP_MEMBERS_MAX)
		return -EIO;
	memcpy(w->visitors[w->n++], m->visitor, STORE_VISITOR_BYTES);
	return 0;
}

/* Deletes a group and its members. */
static int
group_delete_txn(struct store_txn *t, const uint8_t id[STORE_GROUP_ID_BYTES],
    uint64_t *members)
{
	struct group_members w;
	uint8_t key[MEMBER_KEY_LEN], gkey[GROUP_KEY_LEN];
	int ret;

	w.n = 0;
	if ((ret = store_group_member_foreach_txn(t, id, group_member_note_cb,
	    &w)) < 0)
		return ret;
	for (size_t i = 0; i < w.n; i++) {
		store_member_key(id, w.visitors[i], key);
		if ((ret = store_del_txn(t, STORE_DB_META, key, sizeof(key))) < 0)
			return ret;
	}
	*members += w.n;
	store_group_key(id, gkey);
	return store_del_txn(t, STORE_DB_META, gkey, sizeof(gkey));
}

/* One step over the groups from the last one looked at: the abandoned
 * ones (never unlocked, deadline before the cut-off) go with their
 * members. At the end of the groups the mark goes, so the next pass
 * starts again from the first. */
int
store_group_prune_txn(struct store_txn *t, int64_t before, uint64_t *groups,
    uint64_t *members, bool *more)
{
	uint8_t from[GROUP_KEY_LEN];
	struct group_pick p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.before = before;
	if ((p.ids = calloc(STORE_PRUNE_CHANGE, sizeof(*p.ids))) == NULL)
		return -ENOMEM;
	ret = store_get_txn(t, STORE_DB_META, GROUP_PRUNE_MARK,
	    strlen(GROUP_PRUNE_MARK), p.mark, sizeof(p.mark));
	if (ret < 0 && ret != -ENOENT)
		goto fail;
	p.skip_mark = ret == 0;
	store_group_key(p.mark, from);
	if ((ret = store_walk_txn(t, STORE_DB_META, from, sizeof(from),
	    GROUP_PREFIX_LEN, group_pick_cb, &p)) < 0)
		goto fail;
	for (size_t i = 0; i < p.n; i++) {
		if ((ret = group_delete_txn(t, p.ids[i], members)) < 0)
			goto fail;
		(*groups)++;
	}
	if (p.more)
		ret = store_put_txn(t, STORE_DB_META, GROUP_PRUNE_MARK,
		    strlen(GROUP_PRUNE_MARK), p.mark, sizeof(p.mark), 0);
	else if ((ret = store_del_txn(t, STORE_DB_META, GROUP_PRUNE_MARK,
	    strlen(GROUP_PRUNE_MARK))) == -ENOENT)
		ret = 0;
	*more = p.more;
fail:
	free(p.ids);
	return ret;
}
