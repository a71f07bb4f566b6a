/*
 * draw.h — where a prize draw and a redemption are decided.
 *
 * Both run inside a write transaction (the writer's group commit, or the
 * CLI's own), so they are exact: LMDB has a single writer, and every draw
 * with its stock, counters, claim and points commits all together or not
 * at all.
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

#include "scanner/campaign.h"
#include "scanner/drawcache.h"
#include "scanner/registry.h"
#include "store/store.h"

#define DRAW_CLAIM_SECRET_BYTES 10
#define DRAW_CLAIM_TOKEN_CHARS 24	/* base32 of id || secret */
#define DRAW_CLAIM_TEXT_LEN 29		/* in groups of four */
#define DRAW_SHOP_SECRET_BYTES 15
#define DRAW_SHOP_TOKEN_CHARS 32	/* base32 of selector || secret */
#define DRAW_DOMAIN "SCANLOOP-DRAW-1"

enum draw_status {
	DRAW_NEW,		/* this request drew */
	DRAW_REPEAT,		/* the code drew before: its first result */
	DRAW_REFUSED,		/* a risk limit refused; the code keeps its draw */
	DRAW_CLOSED,		/* the campaign is not running now */
};

enum draw_refusal {
	DRAW_REFUSE_NONE,
	DRAW_REFUSE_VISITOR_DAY,	/* draws per visitor per day */
	DRAW_REFUSE_IP_HOUR,		/* draws per network per hour */
	DRAW_REFUSE_VISITOR_WINS,	/* wins per visitor */
};

struct draw_request {
	struct campaign *c;
	uint8_t serial[STORE_SERIAL_BYTES];
	uint8_t visitor[STORE_VISITOR_BYTES];
	uint8_t net[16];		/* draw_net_of() of the client */
	int64_t now;
	uint64_t event_id;
	const uint8_t *claim_key;	/* 32 bytes (server secrets) */
	/* The scan server's write-back cache of the draw index and the risk
	 * counters, and its group cache of the campaign header, stock and
	 * summaries (drawcache.h); NULL writes them straight into the store. */
	struct drawcache *cache;
};

struct draw_result {
	int status;			/* enum draw_status */
	int refusal;			/* enum draw_refusal */
	struct store_draw draw;
	bool has_claim;
	struct store_claim claim;
	char claim_token[DRAW_CLAIM_TOKEN_CHARS + 1];
	int64_t points_balance;
};

enum redeem_status {
	REDEEM_OK,
	REDEEM_BAD_SHOP,		/* 401: unknown, wrong or revoked token */
	REDEEM_NOT_FOUND,		/* 404: unknown or wrong claim token */
	REDEEM_FORBIDDEN,		/* 403: the campaign excludes this shop */
	REDEEM_ALREADY,			/* 409: redeemed before (when, where) */
	REDEEM_EXPIRED,			/* 410 */
	REDEEM_NOT_YET,			/* 409: a coupon not valid yet */
};

struct redeem_request {
	const char *claim_token;	/* as typed or scanned */
	const char *shop_token;		/* the shop's API token, or */
	const char *shop_id;		/* a shop id (trusted: the CLI) */
	int64_t now;
	const uint8_t *claim_key;
	/* Finds a campaign by id (a new reference), NULL if unknown. */
	struct campaign *(*lookup)(const char *id, void *arg);
	void *lookup_arg;
	/* The scan server's draw cache (its group cache of the campaign
	 * header, stock and summaries); NULL: the store directly. */
	struct drawcache *cache;
};

struct redeem_result {
	int status;			/* enum redeem_status */
	struct store_claim claim;	/* after the redemption */
	struct store_shop shop;
	bool opened;			/* a sealed ticket was drawn now */
	struct store_draw opening;
	int64_t points_balance;
	struct campaign *c;		/* a reference; draw_redeem_result_free */
};

/* The random number of a draw. */
uint64_t draw_random(const uint8_t seed[32], const char *campaign,
    const uint8_t serial[STORE_SERIAL_BYTES], uint64_t seq, int kind);
/* Maps it to [0, 1000000): floor(rnd * 10^6 / 2^64). */
uint32_t draw_uniform(uint64_t rnd);
/* The tier (index) u falls in among the tiers of one reveal, or -1. */
int draw_pick(const struct campaign *c, int reveal, uint32_t u);
/* The network a client counts in for draws per hour: IPv4 /24, IPv6 /48. */
void draw_net_of(int family, const uint8_t ip[16], uint8_t net[16]);
/* Formats a claim token from its id (the secret derives from the key). */
void draw_claim_token(const uint8_t key[32],
    const uint8_t id[STORE_CLAIM_ID_BYTES],
    char out[DRAW_CLAIM_TOKEN_CHARS + 1]);
/* Groups a claim token in fours for people: "ABCD-EFGH-...". */
void draw_claim_text(const char *token, char out[DRAW_CLAIM_TEXT_LEN + 1]);
/* Makes a shop API token and what the store keeps of it. */
void draw_shop_token_new(struct store_shop *s,
    char out[DRAW_SHOP_TOKEN_CHARS + 1]);
/* The refusal's neutral words. */
const char *draw_refusal_text(int refusal, bool zh);

/* Runs an online draw for a code. Returns 0 (see res->status) or a
 * negative errno from the store. */
int draw_online_txn(struct store_txn *t, const struct draw_request *rq,
    struct draw_result *res) __attribute__((warn_unused_result));
/* Reads a code's draw without drawing (res->status DRAW_REPEAT, or
 * -ENOENT if it never drew), also from cache (NULL: none) where a loop
 * sees committed draws only and the writer its group's too. */
int draw_lookup_txn(struct store_txn *t, struct campaign *c,
    const uint8_t serial[STORE_SERIAL_BYTES], const uint8_t *claim_key,
    struct drawcache *cache, bool writer, struct draw_result *res)
    __attribute__((warn_unused_result));
/* Server start: puts the online draws after each campaign's watermark
 * that the store's index lacks (a crash's unfolded tail) into cache as
 * committed, to fold. Returns how many, or a negative errno. */
int draw_recover_txn(struct store_txn *t, struct registry *r,
    struct drawcache *cache) __attribute__((warn_unused_result));
/* Redeems a claim (opening a sealed ticket) for a shop. Returns 0 (see
 * res->status) or a negative errno from the store. */
int draw_redeem_txn(struct store_txn *t, const struct redeem_request *rq,
    struct redeem_result *res) __attribute__((warn_unused_result));
/* Finds a claim by its token (as typed or scanned), comparing the token's
 * hash in constant time whether or not the claim exists. Sets *found (and
 * *cl, zeroed when not found). Returns 0 or a negative errno from the
 * store. */
int draw_claim_check_txn(struct store_txn *t, const char *token,
    struct store_claim *cl, bool *found) __attribute__((warn_unused_result));
/* Drops the campaign reference of a redeem result. */
void draw_redeem_result_free(struct redeem_result *res);
/* Parses a claim token (any case, hyphens and spaces ignored). */
int draw_claim_parse(const char *text, uint8_t id[STORE_CLAIM_ID_BYTES],
    uint8_t secret[DRAW_CLAIM_SECRET_BYTES]) __attribute__((warn_unused_result));

#endif
