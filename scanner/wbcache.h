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
 * values. Between groups the writer folds: wbcache_fold hands every dirty
 * entry to a callback that writes it in the caller's transaction, and
 * once that transaction commits, wbcache_folded marks them clean and
 * keeps some clean entries as a read cache. The cache knows nothing of
 * the store: transactions and watermarks are the callers'.
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
 * at most 65535 bytes) and val_len-byte values. */
int wbcache_new(size_t key_len, size_t val_len, struct wbcache **out)
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
/* Writer, between groups: calls put for every dirty entry, in key order
 * (memcmp) when sorted; stops at put's first error and returns it.
 * Marks nothing clean. -ENOMEM if sorting has no memory. */
int wbcache_fold(struct wbcache *wb, bool sorted, wbcache_put_fn put,
    void *arg) __attribute__((warn_unused_result));
/* Writer, between groups, after the fold's transaction committed: marks
 * every entry clean; if more than keep_clean entries are then cached,
 * drops them all (the store holds them). */
void wbcache_folded(struct wbcache *wb, size_t keep_clean);
/* Dirty entries: committed changes not yet folded. */
size_t wbcache_dirty(struct wbcache *wb);
/* Cached entries. */
size_t wbcache_size(struct wbcache *wb);

#endif
