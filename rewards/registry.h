/*
 * registry.h — the campaigns a server knows, reloaded when they change.
 *
 * Every campaign load or state change bumps a generation counter in the
 * store; a request's read transaction checks it and the first request
 * that sees a new one reloads the whole list. Campaigns are reference
 * counted, so a draw in flight keeps the object it started with.
 * Thread-safe.
 */
#ifndef SCANLOOP_REGISTRY_H
#define SCANLOOP_REGISTRY_H

#include <stdint.h>

#include "rewards/campaign.h"
#include "store/store.h"

struct registry;

/* Makes an empty registry. */
int registry_new(struct registry **out) __attribute__((warn_unused_result));
/* Frees it and drops its references. */
void registry_free(struct registry *r);
/* Reloads the campaigns if the store's generation moved. */
int registry_sync_txn(struct registry *r, struct store_txn *t);
/* The running campaign (active, now in its window) covering a batch, as a
 * new reference, or NULL. */
struct campaign *registry_find(struct registry *r, uint32_t batch_id,
    const char *gtin, int64_t now);
/* The campaign covering a batch in any state (paused, ended, scheduled),
 * the one nearest in time to now, as a new reference, or NULL. */
struct campaign *registry_find_any(struct registry *r, uint32_t batch_id,
    const char *gtin, int64_t now);
/* A campaign by id (any state), as a new reference, or NULL. */
struct campaign *registry_get(struct registry *r, const char *id);

/* Calls cb for every campaign, in id order, until it returns non-zero
 * (which it returns). */
int registry_foreach(struct registry *r,
    int (*cb)(struct campaign *, void *), void *arg);

#endif
