/*
 * ratelimit.h — per-client token buckets and connection counts.
 *
 * A client is an IPv4 address or an IPv6 /64 (one host usually owns a
 * whole /64). Each has a token bucket (rate per second, burst) and a count
 * of open connections. Thread-safe: the table is split into shards with
 * their own locks. Idle entries are dropped, and the table never holds
 * more than RATELIMIT_MAX_ENTRIES (past it, the oldest idle entries go).
 */
#ifndef SCANLOOP_RATELIMIT_H
#define SCANLOOP_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_MAX_ENTRIES (1u << 20)

struct ratelimit;

/* Makes a limiter: rate 0 means no request limit; max_conns 0 no limit. */
struct ratelimit *ratelimit_new(double rate, double burst, unsigned max_conns);
/* Frees it. */
void ratelimit_free(struct ratelimit *rl);
/* Takes a token for a request at now_us; false means answer 429. */
bool ratelimit_allow(struct ratelimit *rl, int family, const uint8_t ip[16],
    int64_t now_us);
/* Counts a new connection; false when the client has max_conns open. */
bool ratelimit_conn_open(struct ratelimit *rl, int family,
    const uint8_t ip[16]);
/* The same with a lower bound for this connection: false when the client
 * has max open already (max above the limiter's max_conns counts as it;
 * with max_conns 0 every connection is admitted, uncounted). */
bool ratelimit_conn_open_max(struct ratelimit *rl, int family,
    const uint8_t ip[16], unsigned max);
/* Uncounts a connection that ratelimit_conn_open admitted. */
void ratelimit_conn_close(struct ratelimit *rl, int family,
    const uint8_t ip[16]);
/* Entries held now (for metrics and tests). */
size_t ratelimit_entries(struct ratelimit *rl);

#endif
