/*
 * dealer.h — the store's records of dealers, aggregation codes (cases and
 * pallets) and their packing: who received what, and what an item's
 * region is.
 *
 * Part of store/ (only store/ includes <lmdb.h>); kept apart from store.h
 * like group.h and checkin.h. docs/dealers.md describes each record.
 */
#ifndef SCANLOOP_STORE_DEALER_H
#define SCANLOOP_STORE_DEALER_H

#include "store/store.h"

/* ---- dealers, aggregation codes, packing (dealers.c, pack.c) ---------
 * A dealer (经销商) receives cases and pallets; every item below one it
 * received is bound to it, and its region (circles, like a batch's) is
 * where the item is expected to be scanned. Stores may belong to a
 * dealer. Aggregation codes (a case or pallet, by SSCC) hold items or
 * other aggregation codes. All of it lives in meta under prefixes
 * ("dealer/", "dealer_sel/", "shop_dealer/", "agg/", "pack/", "in/",
 * "bound/", "agg_scan/"), so that stores made before them need no new
 * database; docs/dealers.md describes each record. */

#define STORE_DEALER_SELECTOR_BYTES 5
#define STORE_DEALER_HASH_BYTES 32

struct store_dealer {
	char id[STORE_ID_MAX + 1];
	char name[STORE_NAME_MAX * 3 + 1];	/* UTF-8 */
	uint8_t revoked;
	uint8_t nregion;		/* circles in region */
	uint8_t selector[STORE_DEALER_SELECTOR_BYTES];
	uint8_t pad[7];
	uint8_t hash[STORE_DEALER_HASH_BYTES];	/* of the API token */
	int64_t created;
	int64_t revoked_at;
	uint64_t received;		/* items bound to it */
	uint64_t receipts;		/* cases and pallets it received */
	struct store_circle region[STORE_REGION_MAX];
};
static_assert(sizeof(struct store_dealer) == 1072, "dealer layout");

/* Adds a dealer and indexes its token selector: -EEXIST if the id is
 * taken, -EAGAIN if the selector is (draw another token). */
int store_dealer_add_txn(struct store_txn *t, const struct store_dealer *d);
/* Reads a dealer by id (-ENOENT if none). */
int store_dealer_get_txn(struct store_txn *t, const char *id,
    struct store_dealer *d);
/* Reads a dealer by its token selector (-ENOENT if none). */
int store_dealer_by_selector_txn(struct store_txn *t,
    const uint8_t sel[STORE_DEALER_SELECTOR_BYTES], struct store_dealer *d);
/* Writes a dealer (which must exist). */
int store_dealer_put_txn(struct store_txn *t, const struct store_dealer *d);
/* Calls cb for every dealer in id order. */
int store_dealer_foreach_txn(struct store_txn *t,
    int (*cb)(const struct store_dealer *, void *), void *arg);
/* Sets the dealer a store (shop) belongs to. */
int store_shop_dealer_put_txn(struct store_txn *t, const char *shop,
    const char *dealer);
/* Reads the dealer of a store into dealer (STORE_ID_MAX + 1 bytes);
 * -ENOENT if it belongs to none. */
int store_shop_dealer_get_txn(struct store_txn *t, const char *shop,
    char *dealer);

#define STORE_AGG_CASE 1
#define STORE_AGG_PALLET 2
#define STORE_AGG_F_MIXED 0x01		/* items of more than one product */
#define STORE_PACK_DEPTH_MAX 8		/* levels of nesting at most */

/* An aggregation code (a case or pallet) under its SSCC. */
struct store_agg {
	uint64_t sscc;			/* the 18 digits as a number */
	uint32_t batch_id;		/* the mint's: visible once it is */
	uint8_t level;			/* STORE_AGG_CASE or _PALLET */
	uint8_t key_id;
	uint8_t flags;			/* STORE_AGG_F_* */
	uint8_t height;			/* levels of aggregates below it (an
					 * upper bound: unlinks keep it) */
	char gtin[STORE_GTIN_LEN + 1];	/* of its items ("" if none yet) */
	uint8_t pad2;
	uint8_t check[STORE_CHECK_BYTES];	/* as a code's */
	uint64_t items;			/* items below it, at any depth */
	uint64_t children;		/* items or aggregates right below */
	int64_t created;
	int64_t received;		/* when a dealer received it; 0: not */
	char dealer[STORE_ID_MAX + 1];	/* who received it */
	uint8_t pad3[7];
	uint64_t scans;			/* consumers' scans of it */
	int64_t last_scan;
};
static_assert(sizeof(struct store_agg) == 128, "agg layout");

enum store_pack_kind {
	STORE_PACK_AGG = 1,		/* id: the SSCC as a u64 BE */
	STORE_PACK_ITEM = 2,		/* id: the item's serial */
};

/* A code named in a packing row; with has_check, the row gave the code's
 * URL and check is the digest the store must hold for it. */
struct store_pack_ref {
	uint8_t kind;			/* enum store_pack_kind */
	bool has_check;
	uint8_t id[8];
	uint8_t check[STORE_CHECK_BYTES];
};

/* One row of a packing table: parent holds child. */
struct store_pack_row {
	struct store_pack_ref parent;
	struct store_pack_ref child;
	uint64_t line;			/* where it came from, for errors */
};

/* What the store keeps of an item a dealer received. */
struct store_binding {
	char dealer[STORE_ID_MAX + 1];
	uint8_t pad[7];
	int64_t time;			/* Unix µs */
	uint64_t sscc;			/* the code it was received under */
};
static_assert(sizeof(struct store_binding) == 56, "binding layout");

/* Reads an aggregation code (-ENOENT if none, or if its batch is still
 * minting). */
int store_agg_get_txn(struct store_txn *t, uint64_t sscc,
    struct store_agg *a);
/* Writes an aggregation code's record (which must exist). */
int store_agg_put_txn(struct store_txn *t, const struct store_agg *a);
/* Inserts aggregation codes (counts set by the caller) and the rows
 * that pack them, new, in one transaction: a mint's. -EEXIST if an SSCC
 * or a child's place is taken. */
int store_agg_insert(struct store *st, const struct store_agg *a, size_t na,
    const struct store_pack_row *rows, size_t nrows)
    __attribute__((warn_unused_result));
/* Reserves n consecutive numbers of a company prefix's SSCCs: *first
 * is the first; -ENOSPC past capacity. */
int store_sscc_reserve(struct store *st, const char *prefix, uint64_t n,
    uint64_t capacity, uint64_t *first) __attribute__((warn_unused_result));

/* Loads a packing table in one transaction: every parent and child must
 * be a known code (whose digest matches when a URL was given), every
 * child is named once and is in no other parent, no parent was received
 * yet, and the nesting has no cycle and at most STORE_PACK_DEPTH_MAX
 * levels. On -EINVAL nothing changed and *bad is the row at fault, *why
 * says why. *added counts the rows new to the store. */
int store_pack_load(struct store *st, const struct store_pack_row *rows,
    size_t n, size_t *bad, uint64_t *added, const char **why)
    __attribute__((warn_unused_result));
/* Empties an aggregation code (a case opened and repacked) in one
 * transaction: its children leave it, its ancestors' counts drop.
 * -EBUSY if it was received; *n is how many children left. */
int store_pack_unlink(struct store *st, uint64_t sscc, uint64_t *n)
    __attribute__((warn_unused_result));
/* The aggregate that holds a code (-ENOENT: none). */
int store_pack_parent_txn(struct store_txn *t, const struct store_pack_ref *r,
    uint64_t *parent);
/* Calls cb for the children right below an aggregate, in key order. */
int store_pack_children_txn(struct store_txn *t, uint64_t sscc,
    int (*cb)(const struct store_pack_ref *, void *), void *arg);

/* What a receipt did. */
struct store_receipt {
	uint64_t items;			/* items below the code */
	uint64_t bound;			/* of them newly bound */
	uint64_t aggs;			/* aggregates below it, itself too */
	char other[STORE_ID_MAX + 1];	/* -EEXIST: the dealer it went to */
};

/* Binds every item below an aggregation code to a dealer, in the
 * caller's transaction. -ENOENT: no such code; -EEXIST: it or an item
 * below went to another dealer (r->other; the caller aborts: nothing may
 * stay half done). Receiving it again is harmless (bound 0). */
int store_receive_txn(struct store_txn *t, uint64_t sscc, const char *dealer,
    int64_t now, struct store_receipt *r);
/* The dealer an item was received by (-ENOENT: none). */
int store_binding_get_txn(struct store_txn *t,
    const uint8_t serial[STORE_SERIAL_BYTES], struct store_binding *b);
/* Counts a consumer's scan of an aggregation code on its record. */
int store_agg_scan_txn(struct store_txn *t, uint64_t sscc, int64_t now);

#endif
