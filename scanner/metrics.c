/*
 * metrics.c — counters for GET /metrics, rendered in the Prometheus text
 * exposition format 0.0.4.
 *
 * Each loop thread counts into its own shard, a cache-line-aligned block
 * of relaxed atomic counters that no other thread writes, so counting
 * costs an uncontended add. Rendering sums the shards; it may see a
 * request in one counter and not yet in another, so every histogram's
 * _count is the sum of its own buckets (the +Inf bucket), never a
 * separate counter.
 */
#include "scanner/metrics.h"
#include "scanner/verify.h"
#include "analytics/signals.h"
#include "common/clock.h"

#include <errno.h>
#include <inttypes.h>
#include <stdalign.h>
#include <assert.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_VERDICTS 5		/* enum verdict */
#define METRICS_CLASSES 4		/* 2xx 3xx 4xx 5xx */
#define METRICS_LAT_BUCKETS 13		/* 12 bounds and +Inf */
#define METRICS_LINE_MAX 256

/* Upper bounds of the request latency buckets, in µs and as labels. */
static const int64_t metrics_lat_us[METRICS_LAT_BUCKETS - 1] = { 500, 1000,
    2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000,
    2500000 };
static const char *const metrics_lat_le[METRICS_LAT_BUCKETS] = { "0.0005",
    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
    "0.5", "1", "2.5", "+Inf" };

/* Bounds of writer_stats.group_hist (1, 2-3, 4-7, ..., 128+). */
static const char *const metrics_group_le[8] = { "1", "3", "7", "15", "31",
    "63", "127", "+Inf" };

/* Bounds of writer_stats.commit_us_hist (250 µs ... 1 s; writer.c
 * writer_time_bucket puts us <= bound in a bucket, as le means). */
static const char *const metrics_commit_le[10] = { "0.00025", "0.0005",
    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.1", "1", "+Inf" };

static_assert(sizeof(((struct writer_stats *)0)->group_hist) ==
    8 * sizeof(uint64_t), "metrics_group_le matches writer.c");
static_assert(sizeof(((struct writer_stats *)0)->commit_us_hist) ==
    10 * sizeof(uint64_t), "metrics_commit_le matches writer.c");

/* Statuses counted one by one besides their class. */
static const int metrics_statuses[] = { 404, 410, 429, 503 };
#define METRICS_STATUSES (sizeof(metrics_statuses) / sizeof(metrics_statuses[0]))

struct metrics_shard {
	alignas(64) _Atomic uint64_t scans[METRICS_VERDICTS];
	_Atomic uint64_t nonhuman;
	_Atomic uint64_t classes[METRICS_CLASSES];
	_Atomic uint64_t statuses[METRICS_STATUSES];
	_Atomic uint64_t lat[METRICS_LAT_BUCKETS];	/* not cumulative */
	_Atomic uint64_t lat_sum_us;
	_Atomic uint64_t rate_limited;
};

/* The shards summed, for rendering. */
struct metrics_totals {
	uint64_t scans[METRICS_VERDICTS];
	uint64_t nonhuman;
	uint64_t classes[METRICS_CLASSES];
	uint64_t statuses[METRICS_STATUSES];
	uint64_t lat[METRICS_LAT_BUCKETS];
	uint64_t lat_sum_us;
	uint64_t rate_limited;
};

struct metrics {
	unsigned nshards;
	struct metrics_shard *shards;
};

/* Rendering state: the output and a sticky error. */
struct metrics_out {
	struct buf *b;
	int ret;
};

/* Makes zeroed counters, one shard per loop. */
struct metrics *
metrics_new(unsigned nloops)
{
	struct metrics *m;
	size_t size;

	if (nloops == 0)
		nloops = 1;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->nshards = nloops;
	size = (size_t)nloops * sizeof(struct metrics_shard);
	m->shards = aligned_alloc(alignof(struct metrics_shard), size);
	if (m->shards == NULL) {
		free(m);
		return NULL;
	}
	for (unsigned i = 0; i < nloops; i++) {
		struct metrics_shard *s = &m->shards[i];

		for (size_t j = 0; j < METRICS_VERDICTS; j++)
			atomic_init(&s->scans[j], 0);
		atomic_init(&s->nonhuman, 0);
		for (size_t j = 0; j < METRICS_CLASSES; j++)
			atomic_init(&s->classes[j], 0);
		for (size_t j = 0; j < METRICS_STATUSES; j++)
			atomic_init(&s->statuses[j], 0);
		for (size_t j = 0; j < METRICS_LAT_BUCKETS; j++)
			atomic_init(&s->lat[j], 0);
		atomic_init(&s->lat_sum_us, 0);
		atomic_init(&s->rate_limited, 0);
	}
	return m;
}

/* Frees the counters. */
void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	free(m->shards);
	free(m);
}

/* The shard of a loop (an index past the end wraps: never out of bounds). */
static struct metrics_shard *
metrics_shard(struct metrics *m, unsigned loop)
{
	return &m->shards[loop % m->nshards];
}

/* Reads a counter, relaxed. */
static uint64_t
metrics_load(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* Adds one to a counter, relaxed. */
static void
metrics_inc(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* Sums the shards into plain numbers. */
static void
metrics_totals_get(const struct metrics *m, struct metrics_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < m->nshards; i++) {
		const struct metrics_shard *s = &m->shards[i];

		for (size_t j = 0; j < METRICS_VERDICTS; j++)
			t->scans[j] += metrics_load(&s->scans[j]);
		t->nonhuman += metrics_load(&s->nonhuman);
		for (size_t j = 0; j < METRICS_CLASSES; j++)
			t->classes[j] += metrics_load(&s->classes[j]);
		for (size_t j = 0; j < METRICS_STATUSES; j++)
			t->statuses[j] += metrics_load(&s->statuses[j]);
		for (size_t j = 0; j < METRICS_LAT_BUCKETS; j++)
			t->lat[j] += metrics_load(&s->lat[j]);
		t->lat_sum_us += metrics_load(&s->lat_sum_us);
		t->rate_limited += metrics_load(&s->rate_limited);
	}
}

/* Counts a recorded scan; verdicts out of range are ignored. */
void
metrics_scan(struct metrics *m, unsigned loop, int verdict, bool human)
{
	struct metrics_shard *s = metrics_shard(m, loop);

	if (verdict < 0 || verdict >= METRICS_VERDICTS)
		return;
	metrics_inc(&s->scans[verdict]);
	if (!human)
		metrics_inc(&s->nonhuman);
}

/* Counts an answered request. Statuses outside 200-599 (0: the client
 * left before an answer) count in the latency histogram only. */
void
metrics_request(struct metrics *m, unsigned loop, int status,
    int64_t duration_us)
{
	struct metrics_shard *s = metrics_shard(m, loop);
	size_t b = 0;

	if (status >= 200 && status <= 599)
		metrics_inc(&s->classes[status / 100 - 2]);
	for (size_t i = 0; i < METRICS_STATUSES; i++)
		if (status == metrics_statuses[i])
			metrics_inc(&s->statuses[i]);
	if (duration_us < 0)
		duration_us = 0;
	while (b < METRICS_LAT_BUCKETS - 1 && duration_us > metrics_lat_us[b])
		b++;
	metrics_inc(&s->lat[b]);
	atomic_fetch_add_explicit(&s->lat_sum_us, (uint64_t)duration_us,
	    memory_order_relaxed);
}

/* Counts a request refused by the rate limiter. */
void
metrics_rate_limited(struct metrics *m, unsigned loop)
{
	metrics_inc(&metrics_shard(m, loop)->rate_limited);
}

/* Appends formatted text unless an earlier append failed. */
static void __attribute__((format(printf, 2, 3)))
metrics_printf(struct metrics_out *o, const char *fmt, ...)
{
	char line[METRICS_LINE_MAX];
	va_list ap;
	int n;

	if (o->ret != 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		o->ret = -EINVAL;	/* our own formats: can't happen */
		return;
	}
	o->ret = buf_append(o->b, line, (size_t)n);
}

/* Writes the HELP and TYPE lines of a metric family. */
static void
metrics_family(struct metrics_out *o, const char *name, const char *type,
    const char *help)
{
	metrics_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

/* Writes a family of one unlabelled sample. */
static void
metrics_single(struct metrics_out *o, const char *name, const char *type,
    const char *help, uint64_t v)
{
	metrics_family(o, name, type, help);
	metrics_printf(o, "%s %" PRIu64 "\n", name, v);
}

/* Writes a histogram from per-bucket counts (the last bucket is +Inf):
 * cumulative buckets, then _sum (µs, written as seconds) and _count. */
static void
metrics_histogram(struct metrics_out *o, const char *name, const char *help,
    const char *const *le, const uint64_t *counts, size_t n, uint64_t sum,
    bool sum_is_us)
{
	uint64_t cum = 0;

	metrics_family(o, name, "histogram", help);
	for (size_t i = 0; i < n; i++) {
		cum += counts[i];
		metrics_printf(o, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", name,
		    le[i], cum);
	}
	if (sum_is_us)
		metrics_printf(o, "%s_sum %" PRIu64 ".%06" PRIu64 "\n", name,
		    sum / 1000000, sum % 1000000);
	else
		metrics_printf(o, "%s_sum %" PRIu64 "\n", name, sum);
	metrics_printf(o, "%s_count %" PRIu64 "\n", name, cum);
}

/* Appends the whole exposition. started_us is clock_now_us() at start
 * (as server.c sets it; a clock stepped back reads uptime 0);
 * ws may be NULL (no writer: its families read zero). Returns 0, or
 * -ENOMEM with out holding part of the text. */
int
metrics_render(struct metrics *m, const struct writer_stats *ws,
    unsigned open_conns, int64_t started_us, struct buf *out)
{
	static const struct writer_stats zero;
	static const char *const classes[METRICS_CLASSES] = { "2xx", "3xx",
	    "4xx", "5xx" };
	struct metrics_out o = { .b = out, .ret = 0 };
	struct metrics_totals t;
	int64_t up;

	if (ws == NULL)
		ws = &zero;
	metrics_totals_get(m, &t);

	metrics_family(&o, "scanloop_scans_total", "counter",
	    "Scans recorded, by verdict.");
	for (int v = 0; v < METRICS_VERDICTS; v++)
		metrics_printf(&o, "scanloop_scans_total{verdict=\"%s\"} %" PRIu64
		    "\n", verify_verdict_name((enum verdict)v), t.scans[v]);
	metrics_single(&o, "scanloop_scans_nonhuman_total", "counter",
	    "Scans recorded from link-preview bots and HEAD requests.",
	    t.nonhuman);

	metrics_family(&o, "scanloop_http_requests_total", "counter",
	    "HTTP requests answered, by status class.");
	for (size_t i = 0; i < METRICS_CLASSES; i++)
		metrics_printf(&o, "scanloop_http_requests_total{code=\"%s\"} %"
		    PRIu64 "\n", classes[i], t.classes[i]);
	metrics_family(&o, "scanloop_http_responses_total", "counter",
	    "HTTP answers with selected statuses.");
	for (size_t i = 0; i < METRICS_STATUSES; i++)
		metrics_printf(&o, "scanloop_http_responses_total{status=\"%d\"} %"
		    PRIu64 "\n", metrics_statuses[i], t.statuses[i]);
	metrics_histogram(&o, "scanloop_http_request_duration_seconds",
	    "Time from a complete request head to its answer.", metrics_lat_le,
	    t.lat, METRICS_LAT_BUCKETS, t.lat_sum_us, true);
	metrics_single(&o, "scanloop_rate_limited_total", "counter",
	    "Requests answered 429 by the per-client rate limit.",
	    t.rate_limited);

	metrics_single(&o, "scanloop_commits_total", "counter",
	    "Store write transactions committed.", ws->commits);
	metrics_single(&o, "scanloop_commit_failures_total", "counter",
	    "Store write transactions that failed (answered 503).",
	    ws->failed_commits);
	metrics_single(&o, "scanloop_committed_events_total", "counter",
	    "Operations committed to the store.", ws->ops);
	metrics_histogram(&o, "scanloop_events_per_commit",
	    "Operations per committed write transaction.", metrics_group_le,
	    ws->group_hist, 8, ws->ops, false);
	metrics_histogram(&o, "scanloop_commit_duration_seconds",
	    "Time to apply and commit (with fsync) one write transaction.",
	    metrics_commit_le, ws->commit_us_hist, 10, ws->commit_us_sum, true);

	metrics_single(&o, "scanloop_open_connections", "gauge",
	    "Client connections open now.", open_conns);
	up = clock_now_us() - started_us;
	if (up < 0)
		up = 0;
	metrics_family(&o, "scanloop_uptime_seconds", "gauge",
	    "Seconds since the server started.");
	metrics_printf(&o, "scanloop_uptime_seconds %" PRId64 ".%06" PRId64
	    "\n", up / 1000000, up % 1000000);
	return o.ret;
}

/* Appends the signals raised, by kind (redemption anomalies are computed
 * when asked, not raised: they have no counter). */
int
metrics_render_signals(const uint64_t *counts, struct buf *out)
{
	struct metrics_out o = { .b = out, .ret = 0 };

	metrics_family(&o, "scanloop_signals_total", "counter",
	    "Signals raised since the start, by kind (docs/signals.md).");
	for (int k = 1; k < SIGNALS_KINDS; k++)
		if (k != SIGNALS_REDEMPTION_ANOMALY)
			metrics_printf(&o, "scanloop_signals_total{kind=\"%s\"} %"
			    PRIu64 "\n", signals_kind_name(k), counts[k]);
	return o.ret;
}
