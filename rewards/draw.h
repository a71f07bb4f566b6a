/*
 * draw.h — where a prize draw is decided: the online draw of a code and the
 * opening of a sealed ticket at a store.
 *
 * Both run inside a write transaction (the writer's group commit, or the
 * CLI's own), so they are exact: LMDB has a single writer, and every draw
 * with its stock, counters, claim and points commits all together or not
 * at all. They read and change the campaign's records through a tallies
 * back end (tallies.h): the store itself, or the scan server's draw cache.
 *
 * Randomness is auditable: each draw's number is keyed BLAKE2b of the
 * campaign's secret seed over the campaign id, the code's serial, the draw's
 * sequence number and its kind; the seed's BLAKE2b commitment is printed
 * at load and the seed revealed after the campaign (docs/draws.md).
 */
#ifndef SCANLOOP_DRAW_H
#define SCANLOOP_DRAW_H

#include <stdbool.h>
#include <stdint.h>

#include "rewards/campaign.h"
#include "rewards/token.h"
#include "rewards/tallies.h"
#include "store/store.h"

#define DRAW_DOMAIN "SCANLOOP-DRAW-1"

enum draw_status {
	DRAW_NEW,		/* this request drew */
	DRAW_REPEAT,		/* the code drew before: its first result */
	DRAW_REFUSED,		/* a risk limit refused; the code keeps its draw */
	DRAW_CLOSED,		/* the campaign is not running now */
	DRAW_RETRY,		/* leased stock is being fetched: nothing was
				 * recorded, try again shortly */
};

enum draw_refusal {
	DRAW_REFUSE_NONE,
	DRAW_REFUSE_VISITOR_DAY,	/* draws per visitor per day */
	DRAW_REFUSE_IP_HOUR,		/* draws per network per hour */
	DRAW_REFUSE_VISITOR_WINS,	/* wins per visitor */
	/* Not a refusal: the reason of an online draw or an opening whose
	 * tier had stock by the node's log but none left in the shared
	 * ledger (serve --pg): no prize, and the audit knows why. */
	DRAW_MISS_LEDGER,
	/* The visitor lacks a member tag the campaign's scope names: no
	 * draw is made or logged, and the code keeps its draw. */
	DRAW_REFUSE_SCOPE,
	/* Not a refusal: the reason of a grant (a streak's prize) whose
	 * tier had no stock left, in total or today: no prize. */
	DRAW_MISS_STOCK,
};

struct draw_request {
	struct campaign *c;
	uint8_t serial[STORE_SERIAL_BYTES];
	uint8_t visitor[STORE_VISITOR_BYTES];
	uint8_t net[16];		/* draw_net_of() of the client */
	int64_t now;
	uint64_t event_id;
	const uint8_t *claim_key;	/* 32 bytes (server secrets) */
	const struct tallies *tallies;	/* where stock and counters are kept */
};

struct draw_result {
	int status;			/* enum draw_status */
	int refusal;			/* enum draw_refusal */
	struct store_draw draw;
	bool has_claim;
	struct store_claim claim;
	char claim_token[TOKEN_CLAIM_CHARS + 1];
	int64_t points_balance;
};

/* The random number of a draw. */
uint64_t draw_random(const uint8_t seed[32], const char *campaign,
    const uint8_t serial[STORE_SERIAL_BYTES], uint64_t seq, int kind);
/* Maps it to [0, 1000000): floor(rnd * 10^6 / 2^64). */
uint32_t draw_uniform(uint64_t rnd);
/* The tier (index) u falls in among the tiers of one reveal, or -1. */
int draw_pick(const struct campaign *c, int reveal, uint32_t u);
/* The odds, per million, of tier i's daily_guarantee at an opening at
 * now on local day day, with today of its prizes awarded today and stock
 * left or not (draw_daily.c; 0 for a tier without one). */
uint32_t draw_guarantee_odds(const struct campaign *c, size_t i, int64_t now,
    int day, uint64_t today, bool stock_left);
/* The at_store tier (index) u falls in when the guaranteed tiers have the
 * odds odds[i] (the others: their own), or -1. */
int draw_pick_opening(const struct campaign *c, uint32_t u,
    const uint32_t odds[CAMPAIGN_TIERS_MAX]);
/* Picks the at_store tier of opening d on day, reading the guaranteed
 * tiers' awards from tl. Returns 0 or a negative errno. */
int draw_opening_pick_txn(struct store_txn *t, const struct tallies *tl,
    const struct campaign *c, const struct store_draw *d, int day, int *tier)
    __attribute__((warn_unused_result));
/* The network a client counts in for draws per hour: IPv4 /24, IPv6 /48. */
void draw_net_of(int family, const uint8_t ip[16], uint8_t net[16]);
/* The refusal's neutral words. */
const char *draw_refusal_text(int refusal, bool zh);
/* The words of a result's refusal in campaign c (a scope's own). */
const char *draw_refusal_words(const struct campaign *c, int refusal,
    bool zh);

/* Runs an online draw for a code. Returns 0 (see res->status) or a
 * negative errno from the store. */
int draw_online_txn(struct store_txn *t, const struct draw_request *rq,
    struct draw_result *res) __attribute__((warn_unused_result));
/* Reads a code's draw without drawing: res->status DRAW_REPEAT, or
 * -ENOENT if it never drew (as far as tl's view goes: the server's loops
 * see committed draws only, its writer its group's too). */
int draw_lookup_txn(struct store_txn *t, const struct tallies *tl,
    const struct campaign *c, const uint8_t serial[STORE_SERIAL_BYTES],
    const uint8_t *claim_key, struct draw_result *res)
    __attribute__((warn_unused_result));
/* Opens the sealed ticket of claim cl at shop: draws over the at-store
 * tiers; on a win sets cl->tier. Fills the log entry (opening) and, for
 * points, the visitor's new balance. Returns 0 or a negative errno:
 * -EAGAIN when the tier drawn is leased stock none of which is held now. */
int draw_open_txn(struct store_txn *t, const struct tallies *tl,
    const struct campaign *c, struct store_claim *cl, const char *shop,
    int64_t now, struct store_draw *opening, int64_t *points_balance)
    __attribute__((warn_unused_result));
/* Grants one unit of tier (index) outright, no randomness: rq's serial
 * and visitor, at shop (a completed check-in streak's prize). Logs kind G
 * with the outcome: the tier and its claim, or a miss for want of stock
 * (reason DRAW_MISS_STOCK, or DRAW_MISS_LEDGER); status DRAW_RETRY when
 * the stock is leased and none is held now (nothing written). Returns 0
 * or a negative errno from the store. */
int draw_grant_txn(struct store_txn *t, const struct draw_request *rq,
    int tier, const char *shop, struct draw_result *res)
    __attribute__((warn_unused_result));
/* Counts a logged online draw against the campaign's risk limits again,
 * as draw_online_txn counted it (net: draw_net_of() of its client): the
 * scan server's replay of draws a crash left out of its write-back. */
int draw_count_txn(struct store_txn *t, const struct tallies *tl,
    const struct campaign *c, const struct store_draw *d,
    const uint8_t net[16]) __attribute__((warn_unused_result));

#endif
