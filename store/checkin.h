/*
 * checkin.h — the store's records of store check-ins (到店打卡): the
 * check-in log and each shop's one live exemption code.
 *
 * Part of store/ (only store/ includes <lmdb.h>); kept apart from store.h
 * so that the check-in records read as one piece. Both live in meta, so
 * that stores made before them need no new database: the log under
 * "checkin/" and a u64 BE id (numbered from the counter "next_checkin"),
 * an exemption under "checkin_x/" and the shop id padded to STORE_ID_MAX.
 * docs/checkin.md describes them.
 */
#ifndef SCANLOOP_STORE_CHECKIN_H
#define SCANLOOP_STORE_CHECKIN_H

#include "store/store.h"

/* How the visit was shown. */
enum store_checkin_method {
	STORE_CHECKIN_GPS = 'G',	/* a location inside the fence */
	STORE_CHECKIN_EXEMPT = 'X',	/* a staff exemption code */
};

/* Counters of a campaign's check-ins (store_counter_*_txn). */
enum store_checkin_count {
	STORE_COUNT_CHECKIN_VISIT = 'K',	/* subject: visitor × shop */
	STORE_COUNT_CHECKIN_SHOP = 'k',		/* subject: shop id hash */
	STORE_COUNT_CHECKIN_DAY = 'Q',		/* subject: visitor */
};

/* One check-in. */
struct store_checkin {
	uint64_t id;			/* 1, 2, ... */
	int64_t time;			/* Unix µs */
	char shop[STORE_ID_MAX + 1];
	uint8_t method;			/* enum store_checkin_method */
	uint8_t streak_rewarded;	/* 1: this day completed a streak */
	uint8_t draw_outcome;		/* STORE_OUTCOME_*, tier + 1 */
	uint8_t pad[4];
	char campaign[STORE_ID_MAX + 1];
	uint8_t pad2[7];
	uint8_t visitor[STORE_VISITOR_BYTES];
	double lat, lon;		/* GPS only */
	float accuracy;			/* metres, GPS only */
	uint32_t distance_m;		/* from the shop, GPS only */
	uint32_t day;			/* the campaign's local day index */
	uint32_t streak;		/* consecutive days, this one included */
	int64_t points;			/* credited by this check-in */
	uint64_t draw_seq;		/* its draw in the campaign's log, or 0 */
	uint64_t streak_draw_seq;	/* the streak's draw, or 0 */
};
static_assert(sizeof(struct store_checkin) == 168, "checkin layout");

/* A shop's live exemption code: its keyed hash and when it lapses. */
struct store_checkin_exempt {
	uint8_t hash[16];
	int64_t issued;			/* Unix µs */
	int64_t expires;
	uint64_t serial;		/* codes issued to this shop so far */
};
static_assert(sizeof(struct store_checkin_exempt) == 40, "exempt layout");

/* Appends a check-in: assigns c->id. */
int store_checkin_add_txn(struct store_txn *t, struct store_checkin *c);
/* Reads one check-in (-ENOENT if none). */
int store_checkin_get_txn(struct store_txn *t, uint64_t id,
    struct store_checkin *c);
/* Calls cb for each check-in with an id greater than after, in id order;
 * a non-zero cb return stops the walk and is returned. */
int store_checkin_foreach_txn(struct store_txn *t, uint64_t after,
    int (*cb)(const struct store_checkin *, void *), void *arg);
/* Reads a shop's exemption code (-ENOENT: none live or issued). */
int store_checkin_exempt_get_txn(struct store_txn *t, const char *shop,
    struct store_checkin_exempt *x);
/* Writes a shop's exemption code, replacing the one before. */
int store_checkin_exempt_put_txn(struct store_txn *t, const char *shop,
    const struct store_checkin_exempt *x);

#endif
