/*
 * wbcache.h — a write-back cache: values changed in a group commit,
 * kept in memory, and written to the store later.
 *
 * A hash table of entries with a fixed-size key and value. One thread, the
 * writer, changes it. In a group it stages entries and changes their
 * staged values in place: the staged value is the writer's own view.
 * wbcache_group_end makes the changed ones committed and dirty when the
 * group's commit succeeded; when it failed, the changes are dropped and
 * the entries the group added are removed. Any thread reads committed
 * values. Between groups the writer folds, at once or in slices. At once:
 * wbcache_fold hands every unwritten entry to a callback that writes it
 * in the caller's transaction, and once that transaction commits,
 * wbcache_folded marks them clean and keeps some clean entries as a read
 * cache. In slices: wbcache_plan takes the dirty entries into a plan in
 * key order; wbcache_plan_slice hands the next few to the callback, each
 * slice in a transaction of its own (or in a group's, with the writer's
 * values: wbcache_plan_slice_staged), and wbcache_plan_done marks them
 * clean once it committed. An entry that changes while planned stays in
 * the plan and is written with its value of the time; one that changes
 * after its slice is dirty again, for the next plan. The cache knows
 * nothing of the store: transactions and watermarks are the callers'.
 *
 * Thread safety: one mutex, taken once per call (twice to add an entry
 * that load fills: the store is read outside it); the writer changes
 * staged values through the pointer wbcache_stage returns, without it.
 * Keys and values are stored aligned as their types (give sizeof of the
 * type: a type's size is a multiple of its alignment).
 */
#ifndef SCANLOOP_WBCACHE_H
#define SCANLOOP_WBCACHE_H

#include <stdbool.h>
#include <stddef.h>

struct wbcache;

/* Fills a new entry's committed value (zeroed) with what the store holds
 * for key; 0 or a negative errno. */
typedef int (*wbcache_load_fn)(void *val, const void *key, void *arg);
/* Writes one dirty entry in the fold's transaction; 0 or a negative
 * errno, which stops the fold. */
typedef int (*wbcache_put_fn)(const void *key, const void *val, void *arg);

/* Makes an empty cache of key_len-byte keys (compared and hashed whole,
 * at most 65535 bytes) and val_len-byte values, its table sized for
 * about expect entries (it holds any number). */
int wbcache_new(size_t key_len, size_t val_len, size_t expect,
    struct wbcache **out)
    __attribute__((warn_unused_result));
/* Frees it and every entry. */
void wbcache_free(struct wbcache *wb);
/* Any thread: copies key's committed value into val_out (the writer, with
 * writer set, gets its staged value if the entry is staged); false, and
 * val_out untouched, if the key is not cached. */
bool wbcache_get(struct wbcache *wb, const void *key, bool writer,
    void *val_out);
/* Writer, in a group: finds or adds key's entry and stages it; *staged is
 * its staged value, to change in place until the group ends. A new
 * entry's committed value is filled by load (outside the mutex), or zero
 * if load is NULL. Returns 0, -ENOMEM or load's error. */
int wbcache_stage(struct wbcache *wb, const void *key, wbcache_load_fn load,
    void *arg, void **staged) __attribute__((warn_unused_result));
/* Writer: ends the group. Committed: every staged value that differs from
 * the committed one replaces it and its entry is dirty. Not committed:
 * staged values are dropped and entries added in the group removed. */
void wbcache_group_end(struct wbcache *wb, bool committed);
/* Writer, between groups: calls put for every entry not yet written
 * (dirty or planned), in key order (memcmp) when sorted; stops at put's
 * first error and returns it. Marks nothing clean. -ENOMEM if there is
 * no memory to list them. */
int wbcache_fold(struct wbcache *wb, bool sorted, wbcache_put_fn put,
    void *arg) __attribute__((warn_unused_result));
/* Writer, between groups, after the fold's transaction committed: marks
 * every entry clean and ends the plan; if more than keep_clean entries
 * are then cached, drops clean ones down to half of keep_clean (the
 * store holds them). */
void wbcache_folded(struct wbcache *wb, size_t keep_clean);
/* Writer, between groups: unless a plan is under way, takes every dirty
 * entry into a new plan, in key order. 0 or -ENOMEM. */
int wbcache_plan(struct wbcache *wb) __attribute__((warn_unused_result));
/* Writer, between groups: calls put for the next (at most max) entries of
 * the plan, and sets *n to how many; stops at put's first error and
 * returns it (*n 0). Marks nothing clean. */
int wbcache_plan_slice(struct wbcache *wb, size_t max, wbcache_put_fn put,
    void *arg, size_t *n) __attribute__((warn_unused_result));
/* Writer, in a group, before its commit: the same, with the writer's
 * view (an entry staged by the group with its staged value), so that the
 * group's own transaction writes the slice; wbcache_plan_done once the
 * group committed and ended. */
int wbcache_plan_slice_staged(struct wbcache *wb, size_t max,
    wbcache_put_fn put, void *arg, size_t *n)
    __attribute__((warn_unused_result));
/* Writer, between groups, after the slice's transaction committed: marks
 * those n entries clean. Once the plan is all written, it ends, and if
 * more than keep_clean entries are cached the clean ones are dropped,
 * down to half of keep_clean: a bounded part at once, the rest a part
 * with each later call. */
void wbcache_plan_done(struct wbcache *wb, size_t n, size_t keep_clean);
/* Entries of the plan not yet written (0: no plan under way). */
size_t wbcache_planned(struct wbcache *wb);
/* Writer, between groups: calls fn on key's committed value, if cached,
 * to change it; drops the entry if fn returns true. The entry must not
 * be planned. */
void wbcache_update(struct wbcache *wb, const void *key,
    bool (*fn)(void *val, void *arg), void *arg);
/* Entries not yet written: committed changes, dirty or planned. */
size_t wbcache_dirty(struct wbcache *wb);
/* Cached entries. */
size_t wbcache_size(struct wbcache *wb);

#endif
