/*
 * audit.h — replays a campaign's draw log against its revealed seed.
 *
 * After `campaign reveal`, anyone holding the seed can recompute every
 * draw: its random number (draw_random), the tier it picks (draw_pick)
 * and whether that tier still had stock in total and on the draw's local
 * day, replaying the stock from zero. The replay also checks that the
 * sequence numbers run 1..N without a gap, that each code draws online
 * at most once, that each sealed ticket is opened at most once and only
 * after it was issued to the same code, that each grant of a check-in
 * streak's prize (no randomness) has its tier exactly when the replayed
 * stock held one, and so that no tier ever exceeds its total or daily
 * cap. From the store (audit_run.c) each grant must also be the prize of
 * the one check-in that completed its streak. docs/draws.md describes
 * the protocol and its limits; docs/audit_draws.py is an independent
 * re-implementation.
 *
 * The exported JSON form of the log that audit_run_jsonl reads is
 * drawlog.h's, the same that `scanloop export draws` writes, so the export
 * and the audit cannot drift apart.
 *
 * Not thread-safe where noted (functions that set TZ for a moment).
 */
#ifndef SCANLOOP_AUDIT_H
#define SCANLOOP_AUDIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rewards/campaign.h"
#include "store/store.h"

#define AUDIT_MSG_MAX 512

/* What a replay counted. */
struct audit_summary {
	uint64_t entries;		/* log entries replayed */
	uint64_t online;		/* online draws */
	uint64_t openings;		/* tickets opened at a shop */
	uint64_t refused;
	uint64_t tickets;		/* sealed tickets issued */
	uint64_t misses;		/* online and opening misses */
	uint64_t capped;		/* tier picked but out of stock: a miss */
	uint64_t points;		/* points credited */
	uint64_t grants;		/* streak prizes granted */
	uint64_t grant_misses;		/* ... and not: no stock */
	uint64_t wins[CAMPAIGN_TIERS_MAX];
};

struct audit;

/* True when BLAKE2b-256(seed) equals the commitment (constant time). */
bool audit_commitment_ok(const uint8_t seed[32], const uint8_t commitment[32]);
/* Starts a replay of c's log with seed; c must stay alive until
 * audit_free. Returns 0 or -ENOMEM. */
int audit_new(const struct campaign *c, const uint8_t seed[32],
    struct audit **out) __attribute__((warn_unused_result));
/* Frees a replay; NULL is allowed. */
void audit_free(struct audit *a);
/* Replays the next log entry. Returns 0, or -EINVAL with audit_error()
 * naming the first failure (every later call fails the same way). */
int audit_feed(struct audit *a, const struct store_draw *d);
/* Ends the replay: the log must hold expected entries. Returns 0 or
 * -EINVAL with audit_error(). */
int audit_finish(struct audit *a, uint64_t expected);
/* Marks the replay failed with a message (for failures found outside
 * audit_feed, such as an unreadable log line). */
void audit_fail(struct audit *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The first failure, or NULL. */
const char *audit_error(const struct audit *a);
/* The counts so far. */
const struct audit_summary *audit_summary_get(const struct audit *a);

/* Checks the stored day_starts against the campaign's time zone, resolved
 * again here. Returns 1 if they match, 0 if not (why says where), or
 * -ENOENT when the time zone is not installed. Sets TZ for a moment. */
int audit_check_days(const struct campaign *c, char *why, size_t whylen);

/* ---- whole audits ------------------------------------------------------ */

struct audit_report {
	bool passed;
	char error[AUDIT_MSG_MAX];	/* the first failure */
	struct audit_summary sum;
	struct campaign *c;		/* a reference (tier names), or NULL */
	uint8_t commitment[32];
	uint64_t expected;		/* entries the log says it holds */
	int days_checked;		/* audit_check_days(), -ENOENT: not */
};

/* Audits campaign id from the store. Returns 0 (see rep->passed) or a
 * negative errno (store, memory, no such campaign: -ENOENT). */
int audit_run_store(struct store_txn *t, const char *id,
    const uint8_t seed[32], struct audit_report *rep)
    __attribute__((warn_unused_result));
/* Audits campaign id (NULL: the log's first) from an exported JSONL log.
 * Returns 0 (see rep->passed), -ENOENT if the log has no such campaign,
 * or another negative errno. */
int audit_run_jsonl(FILE *f, const char *id, const uint8_t seed[32],
    struct audit_report *rep) __attribute__((warn_unused_result));
/* Drops the report's campaign reference. */
void audit_report_free(struct audit_report *rep);

#endif
