/*
 * visitor.h — what the store keeps per visitor id (the first-party cookie
 * of scan events) for member tags (会员标签): a record of counts, the set
 * of codes the visitor scanned, and the stores it checked in at.
 *
 * Part of store/ (only store/ includes <lmdb.h>); rewards/tags.h decides
 * what changes them and derives the tags. All of it lives in meta, so
 * that stores made before it need no new database: the record under
 * "visitor/" and the 16-byte id (its first STORE_VISITOR_INLINE distinct
 * codes inside it, so that most visitors' scans write the record alone),
 * a later code under "visitor_code/", the id and the serial (a byte), a
 * store under "visitor_shop/", the id and the store id padded to
 * STORE_ID_MAX (its check-ins there, u64).
 * They are written in the transaction of the event that changes them.
 * docs/export.md describes them.
 */
#ifndef SCANLOOP_STORE_VISITOR_H
#define SCANLOOP_STORE_VISITOR_H

#include "store/store.h"

#define STORE_VISITOR_INLINE 4	/* codes kept in the record itself */

/* One visitor's counts. */
struct store_visitor {
	int64_t first_seen;		/* Unix µs of its first activity */
	int64_t last_seen;		/* and of its latest */
	uint64_t scans;			/* human genuine scans */
	uint64_t codes;			/* distinct codes among them */
	uint64_t draws;			/* online draws made */
	uint64_t wins;			/* draws, openings that won, grants */
	uint64_t redemptions;		/* redeemed claims with a prize */
	uint64_t checkins;		/* store check-ins */
	/* Its first distinct codes (codes of them in use). */
	uint8_t first_codes[STORE_VISITOR_INLINE][STORE_SERIAL_BYTES];
};
static_assert(sizeof(struct store_visitor) == 96, "visitor layout");

/* Reads a visitor's record (-ENOENT if none). */
int store_visitor_get_txn(struct store_txn *t,
    const uint8_t id[STORE_VISITOR_BYTES], struct store_visitor *v);
/* Writes a visitor's record. */
int store_visitor_put_txn(struct store_txn *t,
    const uint8_t id[STORE_VISITOR_BYTES], const struct store_visitor *v);
/* Adds a code to the scanned codes of visitor id, whose record (read,
 * to be written back by the caller) is v: counts it in v->codes unless it
 * was there already. */
int store_visitor_code_add_txn(struct store_txn *t,
    const uint8_t id[STORE_VISITOR_BYTES], struct store_visitor *v,
    const uint8_t serial[STORE_SERIAL_BYTES]);
/* Counts a check-in at shop for the visitor; *n is its count there now. */
int store_visitor_shop_add_txn(struct store_txn *t,
    const uint8_t id[STORE_VISITOR_BYTES], const char *shop, uint64_t *n);
/* The visitor's check-ins at shop (0 when none). */
int store_visitor_shop_get_txn(struct store_txn *t,
    const uint8_t id[STORE_VISITOR_BYTES], const char *shop, uint64_t *n);
/* Calls cb for every visitor in id order; a non-zero cb return stops the
 * walk and is returned. */
int store_visitor_foreach_txn(struct store_txn *t,
    int (*cb)(const uint8_t id[STORE_VISITOR_BYTES],
    const struct store_visitor *v, void *arg), void *arg);
/* Calls cb for the stores a visitor checked in at, in id order, with
 * its check-ins there. */
int store_visitor_shop_foreach_txn(struct store_txn *t,
    const uint8_t id[STORE_VISITOR_BYTES],
    int (*cb)(const char *shop, uint64_t n, void *arg), void *arg);

#endif
