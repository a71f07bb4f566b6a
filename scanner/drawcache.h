/*
 * drawcache.h — the scan server's draw index and risk counters, in memory.
 *
 * Every online draw would otherwise write two or three pages at random
 * keys in its group commit: the code's entry in the draw index (has this
 * code drawn?) and the risk counters (draws per visitor a day, per IP
 * prefix an hour, wins per visitor). The writer appends the draw log
 * entry alone and stages those here; a group's changes become committed
 * only if its commit succeeds. Each online draw is kept with the risk
 * counts it made. About once a second the writer plans a fold of the
 * committed draws and writes it in slices between later groups: a slice
 * is a run of draws in commit order, written with all their counts, in
 * key order, and each campaign's watermark in one transaction
 * (store_draws_set_indexed_txn), then dropped from memory. So a draw the
 * store's index holds has its counts in the store, and
 * drawcache_recover_txn replays, once, the draws a crash left out of the
 * index. Counters are deltas on top of the store's values, so other
 * writers (a shop opening a ticket from the CLI) still add to the store
 * directly.
 *
 * Within one group it also holds the campaign headers (the draw sequence)
 * and the stock and summary counters, which every draw reads and changes:
 * read from the store once per group, changed in memory, and written into
 * the group's own transaction just before its commit
 * (drawcache_flush_txn, the writer's pre-commit hook). Nothing of them
 * outlives the transaction, so they need no recovery, and the CLI sees
 * them whole after each commit. While a group runs, every reader and
 * writer of those records in its transaction must go through here.
 * Thread-safe: the writer changes it, loops read committed entries (the
 * group tallies are the writer's alone).
 */
#ifndef SCANLOOP_DRAWCACHE_H
#define SCANLOOP_DRAWCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rewards/registry.h"
#include "rewards/tallies.h"
#include "store/store.h"

#define DRAWCACHE_FOLD_SLICE 32	/* draws per slice of a fold */
#define DRAWCACHE_GROUP_SLICE 16	/* at least, in a group's commit */
#define DRAWCACHE_GROUP_SPREAD 256	/* groups a plan is written in */

struct drawcache;

/* Makes an empty cache. */
int drawcache_new(struct drawcache **out) __attribute__((warn_unused_result));
/* Frees it (fold first). */
void drawcache_free(struct drawcache *dc);
struct summaries;
/* Names the scan summaries that keep the codes' online draws (the server;
 * without, every draw gets a draws_by_code entry). */
void drawcache_use_summaries(struct drawcache *dc, struct summaries *sm);
/* Those summaries, or NULL. */
struct summaries *drawcache_summaries(struct drawcache *dc);
/* The seq of a code's online draw held here, or 0: the writer sees its
 * group's staged draws, other threads committed ones only. */
uint64_t drawcache_draw_seq(struct drawcache *dc, const char *campaign,
    const uint8_t serial[STORE_SERIAL_BYTES], bool writer);
/* Writer, in a group: indexes a code's online draw; the risk counts
 * made since the last draw (drawcache_count) are this draw's. With
 * in_summary, the code's summary holds the draw: its fold writes the
 * counts but no draws_by_code entry. */
int drawcache_add_draw(struct drawcache *dc, const char *campaign,
    const uint8_t serial[STORE_SERIAL_BYTES], uint64_t seq, bool in_summary)
    __attribute__((warn_unused_result));
/* Writer: what the cache adds to a store counter (staged included). */
uint64_t drawcache_counter(struct drawcache *dc, const char *campaign,
    int kind, const uint8_t subject[16], uint32_t period);
/* Writer, in a group: adds delta to a risk counter, for the draw added
 * next (at most four counts a draw: -ENOTRECOVERABLE, a bug, past
 * that). */
int drawcache_count(struct drawcache *dc, const char *campaign, int kind,
    const uint8_t subject[16], uint32_t period, uint64_t delta)
    __attribute__((warn_unused_result));
/* Writer, in a group: a campaign's header as this transaction sees it
 * (read from the store on first use). */
int drawcache_header_txn(struct drawcache *dc, struct store_txn *t,
    const char *campaign, struct store_campaign *hdr)
    __attribute__((warn_unused_result));
/* Writer, in a group: replaces a header read above; written at the flush. */
int drawcache_header_put(struct drawcache *dc, const struct store_campaign *hdr)
    __attribute__((warn_unused_result));
/* Writer, in a group: a stock or summary counter as this transaction
 * sees it. */
int drawcache_tally_txn(struct drawcache *dc, struct store_txn *t,
    const char *campaign, int kind, const uint8_t subject[16],
    uint32_t period, uint64_t *n) __attribute__((warn_unused_result));
/* Writer, in a group: adds to a stock or summary counter at the flush. */
int drawcache_tally_add(struct drawcache *dc, const char *campaign, int kind,
    const uint8_t subject[16], uint32_t period, uint64_t delta)
    __attribute__((warn_unused_result));
/* Writer, after a group's operations and before its commit: writes the
 * group's headers and counters into its transaction. -ENOTRECOVERABLE
 * (which fails the group) if a risk count was made without a draw. */
int drawcache_flush_txn(struct drawcache *dc, struct store_txn *t)
    __attribute__((warn_unused_result));
/* Writer: the group committed (staged becomes committed) or not (staged
 * changes are dropped). */
void drawcache_group_end(struct drawcache *dc, bool committed);
/* Writer, between groups: writes every committed draw with its counts
 * and the watermarks in one transaction and drops them from memory; a
 * draw kept in a summary not yet written waits, and those after it. */
int drawcache_fold(struct drawcache *dc, struct store *st)
    __attribute__((warn_unused_result));
/* Writer, between groups: unless a planned fold is under way, plans one of
 * the draws committed so far, up to the first kept in a summary not yet
 * written (summaries_written). */
void drawcache_plan(struct drawcache *dc);
/* Writer, in a group, before its commit: writes the next few draws of the
 * plan with their counts and watermarks in the group's transaction; they
 * are dropped from memory when the group ends committed. 0 or a negative
 * errno (which fails the group). */
int drawcache_fold_group_txn(struct drawcache *dc, struct store_txn *t)
    __attribute__((warn_unused_result));
/* Writer, between groups: writes the next (at most max) draws of the plan
 * with their counts in one transaction. Returns 1 if more of the plan is
 * left, 0 if none, or a negative errno (the slice is left to try again). */
int drawcache_fold_slice(struct drawcache *dc, struct store *st, size_t max)
    __attribute__((warn_unused_result));
/* Writer: committed draws not yet folded. */
size_t drawcache_pending(struct drawcache *dc);

/* ---- the rewards' tallies back end (drawtallies.c) ------------------ */

/* The writer's tallies (tallies.h): what draws and redemptions in a group
 * commit go through. The header, stock and summary counters are the
 * group's; risk counters are the store's plus the cache's deltas; the
 * draw index holds the group's staged draws. */
struct tallies drawcache_tallies(struct drawcache *dc);
/* The loop threads' view, for reads in their read transactions: the draw
 * index with the draws committed here, the rest as the store has it
 * (risk counters without unfolded deltas). It writes nothing. */
struct tallies drawcache_reader(struct drawcache *dc);
/* Server start: puts the online draws after each campaign's watermark
 * that the store's index lacks (a crash's unfolded tail) into the cache as
 * committed, with their risk counters, to fold. Returns how many, or a
 * negative errno. */
int drawcache_recover_txn(struct store_txn *t, struct registry *r,
    struct drawcache *dc) __attribute__((warn_unused_result));

#endif
