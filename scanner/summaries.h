/*
 * summaries.h — the scan server's per-code scan summaries, in memory.
 *
 * The writer appends scan events only; what a page says about a code
 * (scanned N times, first when and where) comes from here. Changes made
 * in a group are staged and become the committed view only if the
 * group's commit succeeds. About once a second the writer plans a fold of
 * the changed summaries into the store's code_scans (a page per code at
 * most once per fold instead of once per scan) and writes it in slices
 * between later groups, each in a transaction of its own; the last one
 * moves the fold watermark to the newest event of the plan's time. A
 * summary written by a slice may already hold events past the watermark:
 * a restart folds whatever a crash left (store_scans_fold), skipping the
 * events a stored summary already holds.
 * Thread-safe: the writer changes it, loops read it.
 */
#ifndef SCANLOOP_SUMMARIES_H
#define SCANLOOP_SUMMARIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define SUMMARIES_MAX_CLEAN (1u << 18)	/* clean entries kept after a fold */
#define SUMMARIES_FOLD_MS 1000
#define SUMMARIES_FOLD_SLICE 256	/* summaries per slice of a fold */
#define SUMMARIES_GROUP_SLICE 128	/* at least, in a group's commit */
#define SUMMARIES_GROUP_SPREAD 256	/* groups a plan is written in */

struct summaries;

/* Makes an empty cache; last_event is the store's newest event id, which
 * store_scans_fold has folded. */
int summaries_new(uint64_t last_event, struct summaries **out)
    __attribute__((warn_unused_result));
/* Loads the events after the store's watermark into the cache as
 * committed, unfolded changes (when the store has no room to fold them
 * at start-up); reads only. */
int summaries_load_tail(struct summaries *sm, struct store *st)
    __attribute__((warn_unused_result));
/* Frees it (fold first). */
void summaries_free(struct summaries *sm);
/* Writer, in a group: appends the event (its chain link from the summary)
 * and stages the updated summary into *out. */
int summaries_add_event_txn(struct summaries *sm, struct store_txn *t,
    struct store_event *ev, struct store_code_scans *out);
/* Writer, in a group: a location for an event, into its code's summary
 * when it was the first human scan. -EEXIST if it has one already. The
 * located event is returned in *ev, and its code's newest event (0 for
 * none) in *head. */
int summaries_set_location_txn(struct summaries *sm, struct store_txn *t,
    uint64_t id, double lat, double lon, float accuracy, int64_t now,
    struct store_event *ev, uint64_t *head);
/* Writer: the group committed (staged becomes committed) or not (staged
 * changes are dropped). */
void summaries_group_end(struct summaries *sm, bool committed);
/* Writer, between groups: writes what changed and the watermark, all in
 * one transaction (a planned fold's rest included). */
int summaries_fold(struct summaries *sm, struct store *st);
/* Writer, between groups: unless a planned fold is under way, plans one of
 * every summary changed so far. 0 or -ENOMEM. */
int summaries_plan(struct summaries *sm) __attribute__((warn_unused_result));
/* Writer, between groups: writes the next max summaries of the plan in a
 * transaction, with the watermark if they are the last. Returns 1 if
 * more of the plan is left, 0 if none, or a negative errno (the slice is
 * left to try again). */
int summaries_fold_slice(struct summaries *sm, struct store *st, size_t max)
    __attribute__((warn_unused_result));
/* Writer, in a group, before its commit: writes the next few summaries of
 * the plan (with the group's changes) in the group's transaction, with
 * the watermark if they are the last; marked written when the group ends
 * committed. 0 or a negative errno (which fails the group). */
int summaries_fold_group_txn(struct summaries *sm, struct store_txn *t)
    __attribute__((warn_unused_result));
/* Writer, between groups: folds, and moves the watermark to the newest
 * committed event, so that the store's code_scans is whole (for
 * store_prune_step). */
int summaries_settle(struct summaries *sm, struct store *st)
    __attribute__((warn_unused_result));
/* Writer, after a settle: drops every cached summary, for the store's
 * summaries changed under it (pruning). */
void summaries_forget(struct summaries *sm);
/* Any thread: a code's committed summary, if cached. */
bool summaries_lookup(struct summaries *sm,
    const uint8_t serial[STORE_SERIAL_BYTES], struct store_code_scans *out);
/* Summaries changed since the last fold. */
size_t summaries_dirty(struct summaries *sm);

/* Writer, in a group: keeps a code's online draw in its summary (*kept),
 * unless the summary holds another campaign's already. */
int summaries_keep_draw_txn(struct summaries *sm, struct store_txn *t,
    const char *campaign, const uint8_t serial[STORE_SERIAL_BYTES],
    uint64_t seq, bool *kept) __attribute__((warn_unused_result));
/* Finds the online draw a code's summary holds for campaign (-ENOENT:
 * none); the writer sees its group's staged summaries. */
int summaries_find_draw_txn(struct summaries *sm, struct store_txn *t,
    const char *campaign, const uint8_t serial[STORE_SERIAL_BYTES],
    bool writer, struct store_draw *d) __attribute__((warn_unused_result));

/* Writer: a ticket for the summaries as committed so far. */
uint64_t summaries_ticket(struct summaries *sm);
/* Writer: whether the summaries as committed when the ticket was taken
 * are all in the store (a plan made after it is written whole). */
bool summaries_written(struct summaries *sm, uint64_t ticket);

#endif
