/*
 * stream_internal.h — what the files of stream/ share. Not an API.
 *
 *   inflight.c  the records in flight, in the order produced, and the
 *               acknowledged prefix that moves the watermarks
 *   record.c    a stored event, draw, redemption or signal as a
 *               record's JSON
 *   sources.c   one pass over the store: each log after what was sent
 *   producer.c  librdkafka, the thread, the watermarks, the metrics
 */
#ifndef SCANLOOP_STREAM_INTERNAL_H
#define SCANLOOP_STREAM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "analytics/output.h"
#include "analytics/record.h"
#include "rewards/campaign.h"
#include "stream/stream.h"

/* ---- inflight.c ------------------------------------------------------ */

enum inflight_state {
	INFLIGHT_SENT = 1,		/* enqueued, no delivery report yet */
	INFLIGHT_ACKED,			/* acknowledged */
	INFLIGHT_FAILED,		/* delivery failed */
};

struct inflight_slot {
	uint64_t id;			/* in its source's id space */
	uint32_t source;		/* index in struct stream's sources */
	uint8_t state;			/* enum inflight_state */
};

/* A ring of the records in flight in the order produced. Positions only
 * grow; a slot is pos % cap. Not thread-safe: the stream's thread owns
 * it (librdkafka calls delivery reports from rd_kafka_poll there). */
struct inflight {
	struct inflight_slot *slots;
	size_t cap;
	uint64_t head;			/* the next position */
	uint64_t tail;			/* the oldest position not retired */
	size_t unsettled;		/* slots still SENT */
};

int inflight_init(struct inflight *f, size_t cap)
    __attribute__((warn_unused_result));
void inflight_deinit(struct inflight *f);
/* Free slots. */
size_t inflight_room(const struct inflight *f);
/* Slots not retired. */
size_t inflight_count(const struct inflight *f);
/* Takes the next slot for (source, id): its position, or -ENOBUFS. */
int inflight_push(struct inflight *f, uint32_t source, uint64_t id,
    uint64_t *pos) __attribute__((warn_unused_result));
/* Gives back the newest slot (its record was not enqueued after all). */
void inflight_unpush(struct inflight *f);
/* Records a delivery report for pos. False when pos is not in flight (a
 * report from before a rewind): ignored. */
bool inflight_settle(struct inflight *f, uint64_t pos, bool ok);
/* Retires the acknowledged prefix, oldest first, calling done for each
 * slot; stops at the first slot unsettled or failed. Returns how many. */
size_t inflight_retire(struct inflight *f,
    void (*done)(void *arg, uint32_t source, uint64_t id), void *arg);
/* Forgets every slot (after a rewind: positions keep growing, so late
 * reports of the old slots are ignored). */
void inflight_clear(struct inflight *f);

/* ---- the stream ------------------------------------------------------ */

enum stream_log {
	STREAM_SCANS,			/* events: event id */
	STREAM_LOCATIONS,		/* the location log: its seq */
	STREAM_REDEMPTIONS,		/* the redemption log: its seq */
	STREAM_SIGNALS,			/* signals: signal id */
	STREAM_DRAWS,			/* a campaign's draw log: seq */
};

/* One log that is streamed, with its watermark. */
struct stream_source {
	enum stream_log log;
	char campaign[STORE_ID_MAX + 1];	/* draws */
	char name[STORE_OUTBOX_NAME_MAX + 1];	/* "TOPIC/scans"... */
	uint64_t acked;			/* acknowledged prefix */
	uint64_t saved;			/* what LMDB holds */
	uint64_t sent;			/* newest enqueued */
	uint64_t last;			/* newest committed, at the last pass */
};

struct stream {
	struct store *st;
	char topic[STREAM_TOPIC_MAX + 1];
	char *brokers;
	uint32_t node;
	uint64_t max_lag;
	char *options[STREAM_OPTIONS_MAX];
	size_t noptions;
	void *rk;			/* rd_kafka_t */
	struct inflight fl;
	struct stream_source *src;	/* 0..3: scans, locations,
					 * redemptions, signals; then one per
					 * campaign */
	size_t nsrc, srccap;
	bool failed;			/* a delivery failed: rewind */
	bool fatal;			/* the producer must be remade */
	bool more;			/* the last pass ran out of room */
	int64_t retry_at;		/* mono µs: no pass before */
	int64_t backoff_us;
	int64_t saved_at;		/* mono µs of the last save */
	int64_t warned_at;		/* mono µs of the last broker warning */
	int stop_flush_ms;
	/* Record making (record.c), on the thread only. */
	struct output out;
	const char **names;		/* type, node, the scan fields */
	struct output sig_out;		/* the signal records' writer */
	const char **sig_names;		/* type, node, the signal fields */
	struct buf value;
	/* The thread. */
	pthread_t thread;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool stop, kicked;
	/* Counters for any thread. */
	atomic_uint_fast64_t lag, in_flight, produced, delivered, failures;
	atomic_uint_fast64_t replays, refused, acked_event_id, saves;
};

/* ---- record.c -------------------------------------------------------- */

/* Prepares the record writer. Returns 0 or -ENOMEM. */
int stream_record_init(struct stream *s) __attribute__((warn_unused_result));
void stream_record_deinit(struct stream *s);
/* Makes the record of a scan event (type "scan", or "location" when it is
 * sent again for its location) in s->value. Returns 0 or an errno. */
int stream_record_scan(struct stream *s, struct record_decoder *dec,
    const struct store_event *ev, const char *type)
    __attribute__((warn_unused_result));
/* Makes the record of a draw of campaign c in s->value. */
int stream_record_draw(struct stream *s, const struct campaign *c,
    const struct store_draw *d) __attribute__((warn_unused_result));
/* Makes the record of a redeemed claim (c may be NULL) in s->value. */
int stream_record_redemption(struct stream *s, const struct campaign *c,
    const struct store_claim *cl, int64_t now)
    __attribute__((warn_unused_result));

/* Makes the record of a stored signal in s->value. */
int stream_record_signal(struct stream *s, struct record_decoder *dec,
    const struct store_signal *sig) __attribute__((warn_unused_result));

/* ---- sources.c ------------------------------------------------------- */

/* Finds (or adds, reading its watermark in t) the source of a campaign's
 * draws; NULL when out of memory or on a store error (*ret set). */
struct stream_source *stream_draw_source_txn(struct stream *s,
    struct store_txn *t, const char *campaign, int *ret);
/* One pass: updates every source's last and, with produce, produces
 * what each log holds after what was sent, while there is room (s->more
 * says it ran out). Returns 0 or an errno from the store. */
int stream_pass(struct stream *s, bool produce)
    __attribute__((warn_unused_result));

/* ---- producer.c ------------------------------------------------------ */

/* Passes over record id of source without producing it (what it names
 * is gone: a pruned event): it counts as acknowledged in its turn.
 * Returns 0 or -ENOBUFS. */
int stream_skip(struct stream *s, uint32_t source, uint64_t id)
    __attribute__((warn_unused_result));

/* Enqueues s->value keyed by key (NULL: none) as record id of source.
 * Returns 0, -ENOBUFS when the queue is full, or -EIO when librdkafka
 * refused it (logged; the pass stops and retries later). */
int stream_produce(struct stream *s, uint32_t source, uint64_t id,
    const char *key) __attribute__((warn_unused_result));

#endif
