/*
 * group.h — group unlocks (拼团): a visitor starts a group of a campaign
 * with group rules and shares its link; when the group's size of
 * distinct visitors joined before its deadline, every member has one
 * online draw of the campaign (docs/draws.md §3, "Group unlock").
 *
 * A group's id is 10 random bytes (16 base32 characters in its link
 * /G/{ID}): unguessable, so only those it was shared with can join. A
 * member is a visitor id (the first-party cookie); the creator is the
 * first member. A member's draw is an online draw whose code is a hash of
 * the group's id and the visitor's (never a minted serial), in the
 * campaign's log like any other, and audited like it.
 *
 * Every function runs inside a write transaction (the server's writer, or
 * a test's): a join, the unlock it completes and the group's count commit
 * together, and the single writer serialises joins, so a group never has
 * more members than its size.
 */
#ifndef SCANLOOP_GROUP_H
#define SCANLOOP_GROUP_H

#include <stdbool.h>
#include <stdint.h>

#include "codegen/base32.h"
#include "rewards/campaign.h"
#include "rewards/draw.h"
#include "rewards/tallies.h"
#include "store/group.h"

#define GROUP_ID_CHARS BASE32_LEN(STORE_GROUP_ID_BYTES)

enum group_status {
	GROUP_OPEN,		/* joining: fewer members than its size */
	GROUP_UNLOCKED,		/* full: every member has a draw */
	GROUP_EXPIRED,		/* its deadline passed before it filled */
	GROUP_NOT_FOUND,	/* no such group */
	GROUP_CLOSED,		/* the campaign has no group rules or is not
				 * running */
	GROUP_TOO_MANY,		/* the visitor started enough groups today */
	GROUP_NOT_MEMBER,	/* a draw by a visitor who is not a member */
	GROUP_LOCKED,		/* a draw before the group filled */
	GROUP_FULL,		/* a join of a full group by a non-member */
};

struct group_request {
	struct campaign *c;		/* the group's campaign */
	uint8_t id[STORE_GROUP_ID_BYTES];
	uint8_t visitor[STORE_VISITOR_BYTES];
	uint8_t net[16];		/* draw_net_of() of the client */
	int64_t now;
	const uint8_t *claim_key;	/* 32 bytes: the server's claim key */
	const struct tallies *tallies;
};

struct group_result {
	int status;			/* enum group_status */
	struct store_group g;
	bool member;			/* the visitor is a member */
	bool joined_now;		/* this request made it one */
	struct store_group_member m;	/* member: the record */
	bool has_draw;			/* the member's draw (new or before) */
	struct draw_result draw;
};

/* The group id as 16 base32 characters and a NUL. */
void group_id_text(const uint8_t id[STORE_GROUP_ID_BYTES],
    char out[GROUP_ID_CHARS + 1]);
/* Reads a group id (any case); false when it is not one. */
bool group_id_parse(const char *s, size_t len,
    uint8_t id[STORE_GROUP_ID_BYTES]) __attribute__((warn_unused_result));
/* The code a member's draw is made on. */
void group_serial(const uint8_t id[STORE_GROUP_ID_BYTES],
    const uint8_t visitor[STORE_VISITOR_BYTES],
    uint8_t serial[STORE_SERIAL_BYTES]);
/* A status's machine name: "open", "unlocked", "expired", ... */
const char *group_status_name(int status);
/* The words of a status, for people. */
const char *group_status_text(int status, bool zh);
/* Reads the campaign id of group id into campaign (for the server to find
 * the campaign). Returns 0, -ENOENT, or a store error. */
int group_campaign_txn(struct store_txn *t,
    const uint8_t id[STORE_GROUP_ID_BYTES], char campaign[STORE_ID_MAX + 1])
    __attribute__((warn_unused_result));
/* Starts a group of rq->c with id rq->id (random: the caller's), the
 * visitor its first member. Returns 0 (res->status: OPEN, CLOSED or
 * TOO_MANY) or a negative errno (-EEXIST: the id is taken). */
int group_start_txn(struct store_txn *t, const struct group_request *rq,
    struct group_result *res) __attribute__((warn_unused_result));
/* Reads group rq->id as the visitor sees it: its state, membership and
 * the member's draw. Returns 0 or a negative errno. */
int group_read_txn(struct store_txn *t, const struct group_request *rq,
    struct group_result *res) __attribute__((warn_unused_result));
/* Joins the visitor to group rq->id; the member who fills it unlocks it.
 * A member joining again changes nothing. Returns 0 (res->status) or a
 * negative errno. */
int group_join_txn(struct store_txn *t, const struct group_request *rq,
    struct group_result *res) __attribute__((warn_unused_result));
/* The member's draw of an unlocked group (its first result again when it
 * drew). Returns 0 (res->status; res->draw when UNLOCKED) or a negative
 * errno. */
int group_draw_txn(struct store_txn *t, const struct group_request *rq,
    struct group_result *res) __attribute__((warn_unused_result));

#endif
