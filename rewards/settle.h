/*
 * settle.h — settlement (逐层结算): the redemption log as a hash chain, and
 * the closing of a month.
 *
 * Every redemption appends a settlement line (store/store.h) in its own
 * transaction: the claim, campaign, prize, store, the store's dealer, the
 * face value and the time, and the chain's link: the line's hash is
 * SHA-256 over the previous line's hash and the line's fields as text,
 * each a netstring ("LEN:TEXT,"), in the order of settle_field_names. A
 * closed period holds the lines from where the last one ended, in log
 * order, up to the first line dated at or after the period's end (a line
 * dated inside a closed period lands in the next one), and is sealed: an
 * Ed25519 signature by the brand's key over settle_period_message. The
 * statements (analytics/statement.h) carry the lines, the period and its
 * seal. docs/settlement.md is the reference.
 */
#ifndef SCANLOOP_SETTLE_H
#define SCANLOOP_SETTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rewards/campaign.h"
#include "store/store.h"

#define SETTLE_FIELDS 10
#define SETTLE_HEX_LEN (2 * STORE_SETTLE_HASH_BYTES + 1)
#define SETTLE_AMOUNT_LEN 24
#define SETTLE_AMOUNT_DIGITS 12	/* digits before the point, at most */
#define SETTLE_PERIOD_MESSAGE_MAX 1024
/* The dealer group of stores without a dealer. */
#define SETTLE_NO_DEALER "none"

/* A line's fields as text, as statements show them and the hash covers
 * them: seq, time, claim, campaign, tier, prize, store, dealer,
 * face_value, currency. */
extern const char *const settle_field_names[SETTLE_FIELDS];

struct settle_text {
	char seq[24];
	char time[32];			/* "2026-11-23T22:55:00.123456Z" */
	char claim[16];			/* base32 of the claim id */
	char face[SETTLE_AMOUNT_LEN];	/* "12.50" */
	const char *v[SETTLE_FIELDS];	/* all ten, in order */
};

/* Fills the text of a line's fields (pointing into l and tx). */
void settle_line_text(const struct store_settle_line *l,
    struct settle_text *tx);
/* The hash of a line's fields (as text) after prev. */
void settle_hash_fields(const uint8_t prev[STORE_SETTLE_HASH_BYTES],
    const char *const v[SETTLE_FIELDS], uint8_t out[STORE_SETTLE_HASH_BYTES]);
/* Appends the settlement line of a redemption of claim cl (its tier
 * final) of campaign c at shop s with the log entry e (time and claim
 * set), in the redemption's transaction. */
int settle_append_txn(struct store_txn *t, const struct store_claim *cl,
    const struct campaign *c, const struct store_shop *s,
    struct store_log_entry *e) __attribute__((warn_unused_result));

/* Formats hundredths as "12.50" ("-0.50"). */
void settle_amount_text(int64_t v, char out[SETTLE_AMOUNT_LEN]);
/* Parses a face value ("10", "10.5", "10.005") into hundredths, rounding
 * half up; "" is 0. Returns 0 or -EINVAL. */
int settle_amount_parse(const char *s, int64_t *out)
    __attribute__((warn_unused_result));

/* Checks a period id "YYYY-MM" (1970-01 to 9999-12). */
bool settle_period_ok(const char *id);
/* The month after a period ("2026-12" → "2027-01"). */
void settle_period_next(const char *id, char out[STORE_SETTLE_PERIOD_LEN + 1]);
/* The month that holds time t in time zone tz. Returns 0 or -EINVAL. */
int settle_period_of(int64_t t, const char *tz,
    char out[STORE_SETTLE_PERIOD_LEN + 1]) __attribute__((warn_unused_result));
/* Sets the start and end (Unix µs, local midnights of tz) of a period.
 * Returns 0, -EINVAL or -ENOMEM. */
int settle_period_bounds(const char *id, const char *tz, int64_t *start,
    int64_t *end) __attribute__((warn_unused_result));

/* What settle_close_txn found when it cannot close. */
struct settle_why {
	char text[256];
};

/* Prepares the closing of period id at now in time zone tz (NULL: the
 * zone of the last closed period, else UTC) in a transaction: fills p
 * (all but key, public key and seal) with the lines it takes, checking
 * the chain on the way. Returns 0; 1 when the period is closed already
 * (p holds it); -EINVAL with why when it may not be closed (not ended,
 * an earlier one open, another zone); -EBADMSG with why when the chain is
 * broken; or a store error. */
int settle_close_txn(struct store_txn *t, const char *id, const char *tz,
    int64_t now, struct store_settle_period *p, struct settle_why *why)
    __attribute__((warn_unused_result));
/* A closed period's fields as text, in statements and its seal: period,
 * time_zone, start, end, after, through, lines, prev_head, head, closed,
 * key, public_key (and the seal, which is not in what it signs). */
#define SETTLE_PERIOD_FIELDS 12
extern const char *const settle_period_names[SETTLE_PERIOD_FIELDS];

struct settle_period_text {
	char start[32], end[32], closed[32];
	char after[24], through[24], lines[24], key[8];
	char prev_head[SETTLE_HEX_LEN], head[SETTLE_HEX_LEN];
	char public_key[SETTLE_HEX_LEN];
	char seal[2 * 64 + 1];
	const char *v[SETTLE_PERIOD_FIELDS];
};

/* Fills the text of a period's fields (pointing into p and tx). */
void settle_period_text(const struct store_settle_period *p,
    struct settle_period_text *tx);
/* The text a period's seal signs, from its fields' text: the line
 * "scanloop settlement period 1", then "NAME: VALUE" per field, each
 * ending in "\n". Returns its length. */
size_t settle_period_message(const char *const v[SETTLE_PERIOD_FIELDS],
    char out[SETTLE_PERIOD_MESSAGE_MAX]);
/* Seals a period with an Ed25519 secret key (64 bytes) and its public
 * key. */
void settle_period_seal(struct store_settle_period *p, uint8_t key_id,
    const uint8_t public_key[32], const uint8_t secret[64]);
/* Checks the seal against a public key: 0 or -EBADMSG. */
int settle_period_check(const struct store_settle_period *p,
    const uint8_t public_key[32]) __attribute__((warn_unused_result));
/* Hex of a hash (lower case). */
void settle_hex(const uint8_t *bin, size_t len, char *out, size_t cap);

#endif
