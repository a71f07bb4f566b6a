/*
 * ratelimit_internal.h — what the unit tests need to see of ratelimit.c.
 * Not an API: the server uses ratelimit.h only.
 */
#ifndef SCANLOOP_RATELIMIT_INTERNAL_H
#define SCANLOOP_RATELIMIT_INTERNAL_H

#include "scanner/ratelimit.h"

#define RATELIMIT_SHARDS 64		/* default shard count */

/* Makes a limiter with its own entry bound and shard count (a power of two
 * from 1 to RATELIMIT_SHARDS). Each shard holds at most
 * max(1, max_entries / nshards) entries. NULL when out of memory or when
 * nshards is invalid. */
struct ratelimit *ratelimit_new_limit(double rate, double burst,
    unsigned max_conns, size_t max_entries, unsigned nshards);
/* Shard index of a client (tests check that the hash is keyed). */
unsigned ratelimit_shard_of(struct ratelimit *rl, int family,
    const uint8_t ip[16]);

#endif
