/*
 * stream.h — the outbox: what a node commits, produced to a Kafka-API
 * broker (Kafka, Redpanda...) with librdkafka. docs/kafka.md is the
 * reference: the records, their keys, the guarantees.
 *
 * LMDB is the outbox. The logs the store keeps (scan events, each
 * campaign's draw log, the redemption and location logs, signals) are
 * read after
 * the last id the broker acknowledged, which is stored in LMDB
 * ("outbox/TOPIC/LOG" in meta), and produced keyed by serial, each record
 * a JSON object (the JSON Lines export's record with "type" and "node").
 * The producer is idempotent (acks=all, at most 5 requests in flight per
 * broker), so the broker keeps each partition in the order produced; the
 * watermark moves only over a prefix of acknowledged records, so that a
 * crash, a broker outage or a failed delivery resends from it: a consumer
 * may see a record twice, never a gap, and drops repeats by its key
 * ((node, event_id) for scans).
 *
 * One thread does it all (reads the store, produces, takes delivery
 * reports, saves the watermark about once a second in a short write
 * transaction of its own); the queue it feeds is bounded, so a broker
 * outage costs memory for at most STREAM_QUEUE_MAX records: the rest wait
 * in LMDB, and the node's scans never wait for the broker.
 */
#ifndef SCANLOOP_STREAM_H
#define SCANLOOP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "store/store.h"

#define STREAM_TOPIC_DEFAULT "scanloop.events"
#define STREAM_TOPIC_MAX 249		/* Kafka's limit */
/* Records enqueued and not yet acknowledged, at most (librdkafka's
 * queue.buffering.max.messages). */
#define STREAM_QUEUE_MAX 10000
/* --kafka-max-lag's default: records committed and not acknowledged past
 * which the node refuses new writes (503). About 5 minutes of a VM's
 * peak (~35,000 scans/s), days of ordinary traffic; 2-4 GB of events. */
#define STREAM_MAX_LAG_DEFAULT 10000000ULL
/* How long a stop waits for the broker to acknowledge what is queued. */
#define STREAM_STOP_FLUSH_MS 5000
#define STREAM_NODE_MAX 65535
#define STREAM_OPTIONS_MAX 32

struct stream_config {
	const char *brokers;		/* bootstrap.servers */
	const char *topic;		/* NULL: STREAM_TOPIC_DEFAULT */
	uint32_t node;			/* 1..STREAM_NODE_MAX */
	uint64_t max_lag;		/* 0: no limit */
	/* librdkafka properties "name=value" (TLS, SASL, tuning), applied
	 * before the ones the guarantees need, which win. */
	const char *options[STREAM_OPTIONS_MAX];
	size_t noptions;
};

struct stream_stats {
	uint64_t lag;			/* committed, not acknowledged */
	uint64_t in_flight;		/* enqueued, not acknowledged */
	uint64_t produced;		/* records enqueued (replays too) */
	uint64_t delivered;		/* acknowledged by the broker */
	uint64_t failed;		/* delivery reports with an error */
	uint64_t replays;		/* rewinds to the watermark */
	uint64_t refused;		/* writes refused for the lag */
	uint64_t acked_event_id;	/* the scans' watermark */
	uint64_t saves;			/* watermark write transactions */
};

struct stream;

/* Checks a topic name (1-249 of [A-Za-z0-9._-], not "." or ".."). */
bool stream_topic_valid(const char *topic);
/* Starts the producer and its thread over st (which must outlive it):
 * reads the watermarks and starts sending what is after them. The broker
 * need not be up. Returns 0, or a negative errno with a reason in why
 * (a bad option, a topic name). */
int stream_new(struct store *st, const struct stream_config *cfg,
    struct stream **out, char *why, size_t whylen)
    __attribute__((warn_unused_result));
/* Says that a commit happened (any thread, cheap): the thread reads the
 * store within a few milliseconds. */
void stream_kick(struct stream *s);
/* True when the lag is past the configured limit; counts a refusal. Any
 * thread. */
bool stream_refuse(struct stream *s);
/* The counters (any thread). */
void stream_stats_get(struct stream *s, struct stream_stats *st);
/* Appends the stream's families to a Prometheus exposition (text format
 * 0.0.4). Returns 0 or -ENOMEM. */
int stream_metrics_render(struct stream *s, struct buf *out)
    __attribute__((warn_unused_result));
/* Sends what is committed, waits up to flush_ms for the broker's
 * acknowledgements, saves the watermark and stops the thread. What is
 * left waits in LMDB for the next start. */
void stream_stop(struct stream *s, int flush_ms);
/* Stops (if running) and frees; NULL is allowed. */
void stream_free(struct stream *s);

#endif
