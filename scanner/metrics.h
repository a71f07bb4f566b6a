/*
 * metrics.h — counters for GET /metrics (Prometheus text format 0.0.4).
 *
 * Each loop thread counts into its own shard (relaxed atomics, no shared
 * cache lines); rendering sums the shards.
 */
#ifndef SCANLOOP_METRICS_H
#define SCANLOOP_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "scanner/writer.h"

struct metrics;

/* Makes counters for nloops loop threads. */
struct metrics *metrics_new(unsigned nloops);
/* Frees them. */
void metrics_free(struct metrics *m);
/* A recorded scan with its verdict (enum verdict) and whether human. */
void metrics_scan(struct metrics *m, unsigned loop, int verdict, bool human);
/* An answered request: status and time from head to answer. */
void metrics_request(struct metrics *m, unsigned loop, int status,
    int64_t duration_us);
/* A request refused by the rate limiter. */
void metrics_rate_limited(struct metrics *m, unsigned loop);
/* Appends the exposition: scans by verdict, requests by status class,
 * request latency histogram, events per commit, commit latency, open
 * connections, uptime. ws may be NULL (writer families read zero);
 * started_us is Unix µs (clock_now_us) at start. Returns 0 or -ENOMEM. */
int metrics_render(struct metrics *m, const struct writer_stats *ws,
    unsigned open_conns, int64_t started_us, struct buf *out)
    __attribute__((warn_unused_result));

/* Appends the signals raised since the start, by kind: counts[k] for
 * each kind k of analytics/signals.h that the server raises. Returns 0
 * or -ENOMEM. */
int metrics_render_signals(const uint64_t *counts, struct buf *out)
    __attribute__((warn_unused_result));

#endif
