/*
 * tags.h — member tags (会员标签): what a visitor id's behaviour says
 * about it, for a CRM (scanloop export visitors) and as a campaign's
 * scope (a draw only for repeat buyers).
 *
 * The counts behind the tags are kept per visitor (store/visitor.h) and
 * changed in the transaction of the event that changes them: a scan, a
 * draw, a redemption, a check-in. So a tag is exact the moment its event
 * commits, and checking one at draw time costs a lookup or two, however
 * long the visitor's history. docs/export.md defines every tag:
 *
 *   first_scan      at least one human scan of a genuine code
 *   repeat_buyer    human genuine scans of at least two distinct codes
 *   winner          at least one draw or ticket opening that won a tier
 *   redeemer        at least one redeemed claim that held a prize
 *   checkin:STORE   checked in at store STORE at least once
 *   points:TIER     the points balance's tier: bronze, silver, gold
 *
 * Events without a visitor id (no cookie) change nothing.
 */
#ifndef SCANLOOP_TAGS_H
#define SCANLOOP_TAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "store/visitor.h"

/* The points tiers' thresholds by default: a balance of at least this many
 * points. `scanloop config set tags.bronze|tags.silver|tags.gold N`
 * changes them (the settings' names below). */
#define TAGS_BRONZE_POINTS 1
#define TAGS_SILVER_POINTS 1000
#define TAGS_GOLD_POINTS 5000
#define TAGS_POINTS_MAX 1000000000000LL	/* a threshold at most */

/* The settings of the thresholds, in tier order. */
extern const char *const tags_tier_settings[3];

#define TAGS_NAME_MAX (8 + STORE_ID_MAX)	/* "checkin:" + a store id */

enum tags_kind {
	TAGS_FIRST_SCAN,
	TAGS_REPEAT_BUYER,
	TAGS_WINNER,
	TAGS_REDEEMER,
	TAGS_CHECKIN,			/* at shop */
	TAGS_POINTS,			/* tier, or a higher one */
};

enum tags_tier { TAGS_TIER_NONE, TAGS_TIER_BRONZE, TAGS_TIER_SILVER,
    TAGS_TIER_GOLD };

/* One tag. */
struct tags_tag {
	int kind;			/* enum tags_kind */
	int tier;			/* TAGS_POINTS */
	char shop[STORE_ID_MAX + 1];	/* TAGS_CHECKIN */
};

/* Parses a tag's name ("repeat_buyer", "checkin:sh-001", "points:gold").
 * Returns 0 or -EINVAL. */
int tags_parse(const char *name, struct tags_tag *tag)
    __attribute__((warn_unused_result, nonnull));
/* Writes a tag's name into out (TAGS_NAME_MAX + 1 bytes). */
void tags_name(const struct tags_tag *tag, char out[TAGS_NAME_MAX + 1]);
/* The points tiers' thresholds: at[TAGS_TIER_BRONZE - 1] and up. */
struct tags_tiers {
	int64_t at[3];			/* bronze, silver, gold */
};
extern const struct tags_tiers tags_tiers_default;

/* Reads the thresholds in t's snapshot: the defaults, or what `config
 * set` stored when it still reads as three whole numbers from 1 to
 * TAGS_POINTS_MAX in increasing order. 0 or a store error. */
int tags_tiers_get_txn(struct store_txn *t, struct tags_tiers *out)
    __attribute__((warn_unused_result));
/* Checks a threshold for a tier's setting against the other two as t
 * holds them: 0, or -EINVAL with *why. Returns a store error too. */
int tags_tiers_check_txn(struct store_txn *t, int tier, int64_t points,
    const char **why) __attribute__((warn_unused_result));
/* The tier of a points balance (enum tags_tier). */
int tags_tier_of(const struct tags_tiers *tiers, int64_t balance);
/* "bronze", "silver", "gold", or NULL for none. */
const char *tags_tier_name(int tier);
/* True when a visitor with record v (NULL: none) and points balance
 * carries tag (not for TAGS_CHECKIN: its count is kept per store). */
bool tags_record_has(const struct store_visitor *v, int64_t balance,
    const struct tags_tiers *tiers, const struct tags_tag *tag);
/* Sets *has when the visitor carries tag, in t's snapshot. */
int tags_has_txn(struct store_txn *t,
    const uint8_t visitor[STORE_VISITOR_BYTES], const struct tags_tag *tag,
    bool *has) __attribute__((warn_unused_result));

/* The events that change the counts, each in the event's transaction. */
/* A scan event (stored, id set): counted when a human scanned a genuine
 * code with a visitor id. */
int tags_scan_txn(struct store_txn *t, const struct store_event *ev)
    __attribute__((warn_unused_result));
/* An online draw made (won: it awarded a tier). */
int tags_draw_txn(struct store_txn *t,
    const uint8_t visitor[STORE_VISITOR_BYTES], int64_t now, bool won)
    __attribute__((warn_unused_result));
/* A prize granted outright (a check-in streak's): a win, no draw. */
int tags_grant_txn(struct store_txn *t,
    const uint8_t visitor[STORE_VISITOR_BYTES], int64_t now)
    __attribute__((warn_unused_result));
/* A claim redeemed (cl as redeemed); opened: it was a sealed ticket that
 * was opened now (cl->tier > 0: it won). */
int tags_redeem_txn(struct store_txn *t, const struct store_claim *cl,
    bool opened, int64_t now) __attribute__((warn_unused_result));
/* A check-in at shop. */
int tags_checkin_txn(struct store_txn *t,
    const uint8_t visitor[STORE_VISITOR_BYTES], const char *shop,
    int64_t now) __attribute__((warn_unused_result));

#endif
