/*
 * group.h — the store's records of group unlocks (拼团): each group and
 * its members.
 *
 * Part of store/ (only store/ includes <lmdb.h>); kept apart from store.h
 * like checkin.h. Both live in meta, so that stores made before them need
 * no new database: a group under "group/" and its 10-byte id, a member
 * under "group_m/", the group's id and the visitor id. docs/draws.md
 * describes them.
 */
#ifndef SCANLOOP_STORE_GROUP_H
#define SCANLOOP_STORE_GROUP_H

#include "store/store.h"

#define STORE_GROUP_ID_BYTES 10
#define STORE_GROUP_MEMBERS_MAX 50

/* Counters of a campaign's groups (store_counter_*_txn). */
enum store_group_count {
	STORE_COUNT_GROUP_START = 'g',	/* subject: visitor; per local day */
};

/* One group. */
struct store_group {
	uint8_t id[STORE_GROUP_ID_BYTES];
	uint8_t pad[6];
	char campaign[STORE_ID_MAX + 1];
	uint8_t pad2[7];
	uint8_t creator[STORE_VISITOR_BYTES];
	int64_t created;		/* Unix µs */
	int64_t deadline;		/* joins until (exclusive) */
	int64_t unlocked;		/* when the last member joined, or 0 */
	uint32_t size;			/* members it needs */
	uint32_t joined;		/* members so far */
};
static_assert(sizeof(struct store_group) == 104, "group layout");

/* One member of a group. */
struct store_group_member {
	int64_t joined;			/* Unix µs */
	uint32_t index;			/* 1: the creator, 2, ... */
	uint32_t pad;
	uint8_t visitor[STORE_VISITOR_BYTES];
};
static_assert(sizeof(struct store_group_member) == 32, "member layout");

/* Adds a group (-EEXIST when its id is taken). */
int store_group_add_txn(struct store_txn *t, const struct store_group *g);
/* Reads a group (-ENOENT if none). */
int store_group_get_txn(struct store_txn *t,
    const uint8_t id[STORE_GROUP_ID_BYTES], struct store_group *g);
/* Rewrites a group (same id). */
int store_group_put_txn(struct store_txn *t, const struct store_group *g);
/* Reads a member of group id (-ENOENT if the visitor is none). */
int store_group_member_get_txn(struct store_txn *t,
    const uint8_t id[STORE_GROUP_ID_BYTES],
    const uint8_t visitor[STORE_VISITOR_BYTES], struct store_group_member *m);
/* Adds a member of group id (-EEXIST when the visitor is one). */
int store_group_member_add_txn(struct store_txn *t,
    const uint8_t id[STORE_GROUP_ID_BYTES],
    const struct store_group_member *m);
/* Calls cb for each member of group id, in visitor order; a non-zero cb
 * return stops the walk and is returned. */
int store_group_member_foreach_txn(struct store_txn *t,
    const uint8_t id[STORE_GROUP_ID_BYTES],
    int (*cb)(const struct store_group_member *, void *), void *arg);
/* One step of retention over the groups (store_prune_step): deletes the
 * groups never unlocked whose deadline is before the cut-off, with their
 * members, going on from where the last step stopped (meta
 * "pruned_group"); adds to *groups and *members, and sets *more when it
 * stopped at a limit (STORE_PRUNE_EXAMINE groups looked at, about
 * STORE_PRUNE_CHANGE records deleted). */
int store_group_prune_txn(struct store_txn *t, int64_t before,
    uint64_t *groups, uint64_t *members, bool *more)
    __attribute__((warn_unused_result));

#endif
