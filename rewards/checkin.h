/*
 * checkin.h — store check-ins (到店打卡): where a check-in is decided, and
 * the codes that lead to it (docs/checkin.md).
 *
 * A store's printed code is BASE/K/{STORE}/{SIG}: SIG is a keyed BLAKE2b
 * of the store id under a key derived from the server's claim secret
 * (codegen/keys.h), which a copy of the store does not hold; changing the
 * store id in the URL breaks it. A check-in shows presence with a location
 * inside the store's fence (its radius, the fix no less accurate than the
 * radius) or with a staff exemption code: random digits, one live per
 * store, stored hashed, valid for CHECKIN_EXEMPT_TTL_US, used once.
 *
 * checkin_txn runs inside a write transaction (the server's group commit,
 * or a test's): the check-in record, its counters, its points and draws
 * commit together or not at all.
 */
#ifndef SCANLOOP_CHECKIN_H
#define SCANLOOP_CHECKIN_H

#include <stdbool.h>
#include <stdint.h>

#include "rewards/campaign.h"
#include "rewards/draw.h"
#include "rewards/tallies.h"
#include "store/checkin.h"

#define CHECKIN_SIG_BYTES 10
#define CHECKIN_SIG_CHARS 16		/* base32 of CHECKIN_SIG_BYTES */
#define CHECKIN_EXEMPT_DIGITS 8
#define CHECKIN_EXEMPT_TTL_US (10LL * 60 * 1000000)

enum checkin_status {
	CHECKIN_NEW,		/* recorded and rewarded */
	CHECKIN_ALREADY,	/* this visitor's check-in here today exists */
	CHECKIN_OUTSIDE,	/* the location is outside the fence */
	CHECKIN_INACCURATE,	/* the fix's accuracy is worse than the radius */
	CHECKIN_NO_FENCE,	/* the store has no location */
	CHECKIN_FULL,		/* the store's check-ins today reached the cap */
	CHECKIN_REFUSED,	/* a risk limit (refusal says which) */
	CHECKIN_CLOSED,		/* no running campaign counts this store */
	CHECKIN_BAD_CODE,	/* the exemption code is wrong, used or old */
	CHECKIN_NO_STORE,	/* no such store, or revoked */
};

/* Whose serial a check-in's draw or grant has (checkin_serial). */
enum checkin_serial_of {
	CHECKIN_SERIAL_REWARD,		/* the check-in's reward's draw */
	CHECKIN_SERIAL_STREAK,		/* the streak reward's draw */
	CHECKIN_SERIAL_PRIZE,		/* the streak's prize, granted */
};

struct checkin_request {
	struct campaign *c;		/* a campaign with check-in rules */
	char shop[STORE_ID_MAX + 1];
	uint8_t visitor[STORE_VISITOR_BYTES];
	uint8_t net[16];		/* draw_net_of() of the client */
	int64_t now;
	bool has_location;
	double lat, lon;
	float accuracy;			/* metres */
	char exemption[16];		/* typed digits, or "" for GPS */
	const uint8_t *key;		/* 32 bytes: checkin_key() */
	const uint8_t *claim_key;	/* 32 bytes: the server's claim key */
	const struct tallies *tallies;
};

struct checkin_result {
	int status;			/* enum checkin_status */
	int refusal;			/* CHECKIN_REFUSED: enum draw_refusal */
	struct store_checkin ck;	/* NEW: the record */
	double distance_m;		/* GPS: from the store */
	uint32_t radius_m;
	uint32_t streak;		/* the visitor's run of days (streaks) */
	bool has_draw;
	struct draw_result draw;	/* the reward's draw */
	bool has_streak_draw;
	struct draw_result streak_draw;	/* the streak reward's draw */
	bool has_streak_grant;		/* the streak's prize was granted or
					 * (status DRAW_RETRY) could not be */
	struct draw_result streak_grant;
	int64_t points_balance;
};

/* Derives the check-in key from the server's claim secret. */
void checkin_key(const uint8_t claim_key[32], uint8_t key[32]);
/* The signature of a store's printed code (CHECKIN_SIG_CHARS + NUL). */
void checkin_store_sig(const uint8_t key[32], const char *shop,
    char out[CHECKIN_SIG_CHARS + 1]);
/* True when sig (as typed, any case) is shop's, compared in constant
 * time. */
bool checkin_store_sig_ok(const uint8_t key[32], const char *shop,
    const char *sig, size_t len);
/* The serial a check-in's draw or grant draws with: one per visitor,
 * store, local day and which (enum checkin_serial_of). */
void checkin_serial(const uint8_t visitor[STORE_VISITOR_BYTES],
    const char *shop, int day, int which, uint8_t out[STORE_SERIAL_BYTES]);
/* The words of a streak's prize that was not granted (res->streak_grant
 * a miss or DRAW_RETRY), or NULL when it was (or there is none). */
const char *checkin_grant_text(const struct checkin_result *res, bool zh);
/* The words of a status (a refusal's from draw_refusal_text), for people. */
const char *checkin_status_text(const struct checkin_result *r, bool zh);
/* A status's machine name: "new", "already", "outside", ... */
const char *checkin_status_name(int status);
/* Issues shop's next exemption code (digits into code), replacing the live
 * one; *expires is when it lapses. Returns 0 or a store error. */
int checkin_exempt_issue_txn(struct store_txn *t, const uint8_t key[32],
    const char *shop, int64_t now, char code[CHECKIN_EXEMPT_DIGITS + 1],
    int64_t *expires) __attribute__((warn_unused_result));
/* Decides a check-in and, when it is NEW, records and rewards it. Returns
 * 0 (see res->status) or a negative errno from the store. */
int checkin_txn(struct store_txn *t, const struct checkin_request *rq,
    struct checkin_result *res) __attribute__((warn_unused_result));

#endif
