/*
 * summaries.h — the scan server's per-code scan summaries, in memory.
 *
 * The writer appends scan events only; what a page says about a code
 * (scanned N times, first when and where) comes from here. Changes made
 * in a group are staged and become the committed view only if the
 * group's commit succeeds. About once a second the writer folds the
 * committed view into the store's code_scans (one transaction, a page
 * per code at most once per fold instead of once per scan) and moves the
 * fold watermark; a restart folds whatever a crash left (store_scans_fold).
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
/* Writer, between groups: writes what changed and the watermark. */
int summaries_fold(struct summaries *sm, struct store *st);
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

#endif
