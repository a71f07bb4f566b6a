/*
 * producer.c — the stream's thread: librdkafka's idempotent producer,
 * delivery reports, the watermarks in LMDB, the lag, the metrics.
 *
 * Every librdkafka callback that touches the stream (delivery reports,
 * errors) runs inside rd_kafka_poll on this thread, so the in-flight ring
 * and the sources need no lock; other threads read atomics only.
 */
#include "stream/stream_internal.h"
#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define STREAM_POLL_MS 5		/* waiting for delivery reports */
#define STREAM_IDLE_MS 1000		/* a pass at least this often */
#define STREAM_SAVE_MS 1000		/* a watermark save at most */
#define STREAM_WARN_US (10 * 1000000LL)	/* one broker warning per 10 s */
#define STREAM_BACKOFF_MIN_US (500 * 1000LL)
#define STREAM_BACKOFF_MAX_US (30 * 1000000LL)

/* Logs a warning about the broker at most every STREAM_WARN_US. */
static void
stream_warn(struct stream *s, const char *what, const char *detail)
{
	int64_t now = clock_mono_us();

	if (s->warned_at != 0 && now - s->warned_at < STREAM_WARN_US)
		return;
	s->warned_at = now;
	log_warnx("kafka: %s: %s (events wait in the store; lag %" PRIu64
	    ")", what, detail, (uint64_t)atomic_load(&s->lag));
}

/* Checks a topic name. */
bool
stream_topic_valid(const char *topic)
{
	size_t n = strlen(topic);

	if (n == 0 || n > STREAM_TOPIC_MAX || strcmp(topic, ".") == 0 ||
	    strcmp(topic, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = topic[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* A delivery report (on the thread, from rd_kafka_poll). A record counts
 * as acknowledged only with the offset the broker gave it: librdkafka
 * also reports success without one when the broker answered that it had
 * the batch already (DUPLICATE_SEQUENCE_NUMBER), or when a later batch's
 * success made it infer that an earlier one was stored. A broker keeping
 * the idempotence rules never lies there, but one that does not (the
 * mock cluster of librdkafka 2.0 after an injected error) loses records
 * that way; resending costs a duplicate, which consumers drop. */
static void
stream_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct stream *s = opaque;
	uint64_t pos = (uint64_t)(uintptr_t)m->_private;
	bool ok = m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->offset >= 0;

	(void)rk;
	if (!inflight_settle(&s->fl, pos, ok))
		return;				/* from before a rewind */
	if (ok) {
		atomic_fetch_add(&s->delivered, 1);
		return;
	}
	atomic_fetch_add(&s->failures, 1);
	s->failed = true;
	stream_warn(s, "delivery not confirmed, resending from the watermark",
	    m->err != RD_KAFKA_RESP_ERR_NO_ERROR ? rd_kafka_err2str(m->err) :
	    "acknowledged without an offset");
}

/* An error librdkafka reports (on the thread, from rd_kafka_poll). */
static void
stream_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct stream *s = opaque;
	char text[512];

	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		rd_kafka_fatal_error(rk, text, sizeof(text));
		log_warnx("kafka: fatal producer error, starting a new "
		    "producer: %s", text);
		s->fatal = true;
		return;
	}
	stream_warn(s, "broker", reason);
}

/* librdkafka's own log lines (its threads): errors only, few. */
static void
stream_log_cb(const rd_kafka_t *rk, int level, const char *fac,
    const char *buf)
{
	static _Atomic int64_t last;
	int64_t now = clock_mono_us(), prev = atomic_load(&last);

	(void)rk;
	if (level > 3 || (prev != 0 && now - prev < STREAM_WARN_US) ||
	    !atomic_compare_exchange_strong(&last, &prev, now))
		return;
	log_warnx("kafka: %s: %s", fac, buf);
}

/* Sets one property; false with why on a bad name or value. */
static bool
stream_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value,
    char *why, size_t whylen)
{
	char err[256];

	if (rd_kafka_conf_set(conf, name, value, err, sizeof(err)) ==
	    RD_KAFKA_CONF_OK)
		return true;
	snprintf(why, whylen, "kafka option %s: %s", name, err);
	return false;
}

/* Makes the producer: the operator's options, then the guarantees. */
static int
stream_producer_new(struct stream *s, char *why, size_t whylen)
{
	static const char *const forced[][2] = {
		/* Order per partition and no duplicates from retries. */
		{ "enable.idempotence", "true" },
		{ "acks", "all" },
		{ "max.in.flight.requests.per.connection", "5" },
		/* Never give up on a record: it waits, the lag shows it. */
		{ "message.timeout.ms", "0" },
		{ "queue.buffering.max.messages", "10000" },
		/* The Java client's partitioner: keys land where theirs do. */
		{ "partitioner", "murmur2_random" },
	};
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char client[64], err[512];

	static_assert(STREAM_QUEUE_MAX == 10000, "queue.buffering.max");
	snprintf(client, sizeof(client), "scanloop-node-%u", s->node);
	if (!stream_conf_set(conf, "bootstrap.servers", s->brokers, why,
	    whylen) || !stream_conf_set(conf, "client.id", client, why,
	    whylen) || !stream_conf_set(conf, "compression.codec", "lz4", why,
	    whylen) || !stream_conf_set(conf, "linger.ms", "5", why, whylen))
		goto fail;
	for (size_t i = 0; i < s->noptions; i++) {
		char *eq = strchr(s->options[i], '=');

		*eq = '\0';
		if (!stream_conf_set(conf, s->options[i], eq + 1, why,
		    whylen)) {
			*eq = '=';
			goto fail;
		}
		*eq = '=';
	}
	for (size_t i = 0; i < sizeof(forced) / sizeof(forced[0]); i++)
		if (!stream_conf_set(conf, forced[i][0], forced[i][1], why,
		    whylen))
			goto fail;
	rd_kafka_conf_set_dr_msg_cb(conf, stream_dr_cb);
	rd_kafka_conf_set_error_cb(conf, stream_error_cb);
	rd_kafka_conf_set_log_cb(conf, stream_log_cb);
	rd_kafka_conf_set_opaque(conf, s);
	if ((s->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err,
	    sizeof(err))) == NULL) {
		snprintf(why, whylen, "kafka: %s", err);
		goto fail;
	}
	return 0;				/* conf is the producer's now */
fail:
	rd_kafka_conf_destroy(conf);
	return -EINVAL;
}

/* Enqueues s->value. */
int
stream_produce(struct stream *s, uint32_t source, uint64_t id,
    const char *key)
{
	rd_kafka_vu_t vu[5];
	rd_kafka_error_t *error;
	rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
	uint64_t pos;

	if (inflight_push(&s->fl, source, id, &pos) < 0)
		return -ENOBUFS;
	/* The array form: RD_KAFKA_V_*() are GNU statement expressions. */
	memset(vu, 0, sizeof(vu));
	vu[0].vtype = RD_KAFKA_VTYPE_TOPIC;
	vu[0].u.cstr = s->topic;
	vu[1].vtype = RD_KAFKA_VTYPE_KEY;
	vu[1].u.mem.ptr = (void *)(uintptr_t)key;
	vu[1].u.mem.size = key != NULL ? strlen(key) : 0;
	vu[2].vtype = RD_KAFKA_VTYPE_VALUE;
	vu[2].u.mem.ptr = s->value.data;
	vu[2].u.mem.size = s->value.len;
	vu[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
	vu[3].u.i = RD_KAFKA_MSG_F_COPY;
	vu[4].vtype = RD_KAFKA_VTYPE_OPAQUE;
	vu[4].u.ptr = (void *)(uintptr_t)pos;
	if ((error = rd_kafka_produceva(s->rk, vu, 5)) != NULL) {
		err = rd_kafka_error_code(error);
		rd_kafka_error_destroy(error);
	}
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		inflight_unpush(&s->fl);
		if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			return -ENOBUFS;
		stream_warn(s, "cannot enqueue", rd_kafka_err2str(err));
		return -EIO;
	}
	s->src[source].sent = id;
	atomic_fetch_add(&s->produced, 1);
	return 0;
}

/* Passes over a record that is gone. */
int
stream_skip(struct stream *s, uint32_t source, uint64_t id)
{
	uint64_t pos;

	if (inflight_push(&s->fl, source, id, &pos) < 0)
		return -ENOBUFS;
	(void)inflight_settle(&s->fl, pos, true);
	s->src[source].sent = id;
	return 0;
}

/* Moves a source's acknowledged prefix. */
static void
stream_acked_cb(void *arg, uint32_t source, uint64_t id)
{
	struct stream *s = arg;

	s->src[source].acked = id;
}

/* Recomputes the lag and the gauges. */
static void
stream_gauges(struct stream *s)
{
	uint64_t lag = 0;

	for (size_t i = 0; i < s->nsrc; i++)
		if (s->src[i].last > s->src[i].acked)
			lag += s->src[i].last - s->src[i].acked;
	atomic_store(&s->lag, lag);
	atomic_store(&s->in_flight, inflight_count(&s->fl));
	atomic_store(&s->acked_event_id, s->src[STREAM_SCANS].acked);
}

/* Sends again from the watermarks: every slot is forgotten. */
static void
stream_rewind(struct stream *s)
{
	inflight_clear(&s->fl);
	for (size_t i = 0; i < s->nsrc; i++)
		s->src[i].sent = s->src[i].acked;
	s->failed = false;
	s->backoff_us = s->backoff_us == 0 ? STREAM_BACKOFF_MIN_US :
	    s->backoff_us * 2 > STREAM_BACKOFF_MAX_US ? STREAM_BACKOFF_MAX_US :
	    s->backoff_us * 2;
	s->retry_at = clock_mono_us() + s->backoff_us;
	atomic_fetch_add(&s->replays, 1);
}

/* Replaces a producer that hit a fatal error. */
static void
stream_remake(struct stream *s)
{
	char why[512];

	inflight_clear(&s->fl);		/* the purge's reports are stale */
	rd_kafka_purge(s->rk, RD_KAFKA_PURGE_F_QUEUE |
	    RD_KAFKA_PURGE_F_INFLIGHT | RD_KAFKA_PURGE_F_NON_BLOCKING);
	rd_kafka_destroy(s->rk);
	s->rk = NULL;
	s->fatal = false;
	if (stream_producer_new(s, why, sizeof(why)) < 0)
		fatalx("%s", why);		/* it worked at start */
	stream_rewind(s);
}

/* Takes delivery reports and moves the watermarks. */
static void
stream_settle(struct stream *s)
{
	rd_kafka_poll(s->rk, 0);
	if (s->fatal) {
		stream_remake(s);
		return;
	}
	if (inflight_retire(&s->fl, stream_acked_cb, s) > 0 && !s->failed)
		s->backoff_us = 0;
	/* After a failure: once every report is in, resend from the
	 * watermark (what came after the failed record too). */
	if (s->failed && s->fl.unsettled == 0)
		stream_rewind(s);
}

/* Writes the watermarks that moved, in a short write transaction. */
static void
stream_save(struct stream *s)
{
	struct store_txn t;
	bool changed = false;
	int ret;

	for (size_t i = 0; i < s->nsrc; i++)
		changed |= s->src[i].acked != s->src[i].saved;
	s->saved_at = clock_mono_us();
	if (!changed)
		return;
	if ((ret = store_txn_begin(s->st, false, &t)) < 0)
		goto fail;
	for (size_t i = 0; i < s->nsrc; i++)
		if (s->src[i].acked != s->src[i].saved)
			(void)store_outbox_set_txn(&t, s->src[i].name,
			    s->src[i].acked);
	if ((ret = store_txn_commit(&t)) < 0)
		goto fail;
	for (size_t i = 0; i < s->nsrc; i++)
		s->src[i].saved = s->src[i].acked;
	atomic_fetch_add(&s->saves, 1);
	return;
fail:
	if (ret == -EIO) {
		/* As the writer: a failed fsync cannot be retried safely. */
		log_warnx("store: I/O error saving the kafka watermark; "
		    "exiting so that a supervisor restarts on a clean "
		    "environment");
		_exit(EX_IOERR);
	}
	log_warnx("store: cannot save the kafka watermark: %s",
	    store_strerror(ret));
}

/* One turn of the thread: reports, a pass when due, a save when due. */
static void
stream_turn(struct stream *s, bool kicked, int64_t *passed_at)
{
	int64_t now = clock_mono_us();
	int ret;

	stream_settle(s);
	/* A pass reads the lasts (the lag grows while the broker is away)
	 * and produces when it may. */
	if (kicked || (s->more && inflight_room(&s->fl) > 0) ||
	    now - *passed_at >= STREAM_IDLE_MS * 1000LL) {
		*passed_at = now;
		if ((ret = stream_pass(s, !s->failed && now >= s->retry_at)) <
		    0) {
			log_warnx("store: kafka outbox: cannot read the store: "
			    "%s", store_strerror(ret));
			s->retry_at = now + STREAM_BACKOFF_MAX_US / 10;
		}
	}
	stream_gauges(s);
	if (now - s->saved_at >= STREAM_SAVE_MS * 1000LL)
		stream_save(s);
}

/* Waits for reports, a kick, or the next pass. */
static void
stream_wait(struct stream *s)
{
	struct timespec ts;

	if (inflight_count(&s->fl) > 0) {
		rd_kafka_poll(s->rk, STREAM_POLL_MS);
		return;
	}
	if (s->more && !s->failed && clock_mono_us() >= s->retry_at)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += STREAM_POLL_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->mu);
	if (!s->kicked && !s->stop)
		pthread_cond_timedwait(&s->cond, &s->mu, &ts);
	pthread_mutex_unlock(&s->mu);
}

/* True when everything committed at the last pass is acknowledged. */
static bool
stream_caught_up(const struct stream *s)
{
	for (size_t i = 0; i < s->nsrc; i++)
		if (s->src[i].acked < s->src[i].last)
			return false;
	return true;
}

/* The thread. */
static void *
stream_main(void *arg)
{
	struct stream *s = arg;
	int64_t passed_at = 0, deadline;
	int flush_ms;
	bool kicked;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		kicked = s->kicked;
		s->kicked = false;
		if (s->stop) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		pthread_mutex_unlock(&s->mu);
		stream_turn(s, kicked, &passed_at);
		stream_wait(s);
	}
	/* Stopping: what is committed goes out while the broker answers. */
	flush_ms = s->stop_flush_ms;
	deadline = clock_mono_us() + (int64_t)flush_ms * 1000;
	s->retry_at = 0;
	stream_turn(s, true, &passed_at);
	while (!stream_caught_up(s) && clock_mono_us() < deadline) {
		rd_kafka_poll(s->rk, STREAM_POLL_MS);
		stream_turn(s, s->more, &passed_at);
	}
	stream_save(s);
	stream_gauges(s);
	return NULL;
}

/* Starts the stream. */
int
stream_new(struct store *st, const struct stream_config *cfg,
    struct stream **out, char *why, size_t whylen)
{
	static const char *const logs[] = { "scans", "locations",
	    "redemptions", "signals" };
	const char *topic = cfg->topic != NULL ? cfg->topic :
	    STREAM_TOPIC_DEFAULT;
	struct store_txn t;
	struct stream *s;
	int ret = -EINVAL;

	*out = NULL;
	if (!stream_topic_valid(topic)) {
		snprintf(why, whylen, "a topic name is 1 to %d letters, digits, "
		    "'.', '_' or '-': not '%s'", STREAM_TOPIC_MAX, topic);
		return -EINVAL;
	}
	if (cfg->node < 1 || cfg->node > STREAM_NODE_MAX ||
	    cfg->noptions > STREAM_OPTIONS_MAX) {
		snprintf(why, whylen, "bad node id or too many options");
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->noptions; i++)
		if (strchr(cfg->options[i], '=') == NULL ||
		    cfg->options[i][0] == '=') {
			snprintf(why, whylen, "a kafka option is NAME=VALUE, "
			    "not '%s'", cfg->options[i]);
			return -EINVAL;
		}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->st = st;
	snprintf(s->topic, sizeof(s->topic), "%s", topic);
	s->node = cfg->node;
	s->max_lag = cfg->max_lag;
	s->stop_flush_ms = STREAM_STOP_FLUSH_MS;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cond, NULL);
	ret = -ENOMEM;
	if ((s->brokers = strdup(cfg->brokers)) == NULL)
		goto fail;
	for (size_t i = 0; i < cfg->noptions; i++, s->noptions++)
		if ((s->options[i] = strdup(cfg->options[i])) == NULL)
			goto fail;
	s->srccap = 8;
	if ((s->src = calloc(s->srccap, sizeof(*s->src))) == NULL ||
	    inflight_init(&s->fl, STREAM_QUEUE_MAX) < 0 ||
	    stream_record_init(s) < 0)
		goto fail;
	if ((ret = store_txn_begin(st, true, &t)) < 0) {
		snprintf(why, whylen, "cannot read the store: %s",
		    store_strerror(ret));
		goto fail;
	}
	for (size_t i = 0; i < STREAM_DRAWS; i++) {
		struct stream_source *src = &s->src[i];

		src->log = (enum stream_log)i;
		snprintf(src->name, sizeof(src->name), "%s/%s", s->topic,
		    logs[i]);
		if ((ret = store_outbox_get_txn(&t, src->name,
		    &src->acked)) < 0)
			break;
		src->saved = src->sent = src->acked;
	}
	s->nsrc = STREAM_DRAWS;
	store_txn_abort(&t);
	if (ret < 0) {
		snprintf(why, whylen, "cannot read the kafka watermark: %s",
		    store_strerror(ret));
		goto fail;
	}
	if ((ret = stream_producer_new(s, why, whylen)) < 0)
		goto fail;
	if (pthread_create(&s->thread, NULL, stream_main, s) != 0) {
		snprintf(why, whylen, "cannot start the kafka thread");
		ret = -EAGAIN;
		goto fail;
	}
	s->running = true;
	*out = s;
	return 0;
fail:
	stream_free(s);
	return ret;
}

/* A commit happened. */
void
stream_kick(struct stream *s)
{
	pthread_mutex_lock(&s->mu);
	if (!s->kicked) {
		s->kicked = true;
		pthread_cond_signal(&s->cond);
	}
	pthread_mutex_unlock(&s->mu);
}

/* True when the lag is past the limit. */
bool
stream_refuse(struct stream *s)
{
	if (s->max_lag == 0 || atomic_load(&s->lag) <= s->max_lag)
		return false;
	atomic_fetch_add(&s->refused, 1);
	return true;
}

/* The counters. */
void
stream_stats_get(struct stream *s, struct stream_stats *st)
{
	st->lag = atomic_load(&s->lag);
	st->in_flight = atomic_load(&s->in_flight);
	st->produced = atomic_load(&s->produced);
	st->delivered = atomic_load(&s->delivered);
	st->failed = atomic_load(&s->failures);
	st->replays = atomic_load(&s->replays);
	st->refused = atomic_load(&s->refused);
	st->acked_event_id = atomic_load(&s->acked_event_id);
	st->saves = atomic_load(&s->saves);
}

/* Appends one family of one sample. */
static int
stream_metric(struct buf *out, const char *name, const char *type,
    const char *help, uint64_t v)
{
	return buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n",
	    name, help, name, type, name, v);
}

/* The stream's families. */
int
stream_metrics_render(struct stream *s, struct buf *out)
{
	struct stream_stats st;

	stream_stats_get(s, &st);
	if (stream_metric(out, "scanloop_kafka_lag_events", "gauge",
	    "Records committed to the store and not yet acknowledged by the "
	    "broker.", st.lag) < 0 ||
	    stream_metric(out, "scanloop_kafka_lag_limit", "gauge",
	    "Lag past which writes are answered 503 (0: no limit).",
	    s->max_lag) < 0 ||
	    stream_metric(out, "scanloop_kafka_in_flight", "gauge",
	    "Records enqueued to the producer, not yet acknowledged.",
	    st.in_flight) < 0 ||
	    stream_metric(out, "scanloop_kafka_acked_event_id", "gauge",
	    "The newest scan event id of the acknowledged prefix.",
	    st.acked_event_id) < 0 ||
	    stream_metric(out, "scanloop_kafka_produced_total", "counter",
	    "Records enqueued (resent ones again).", st.produced) < 0 ||
	    stream_metric(out, "scanloop_kafka_delivered_total", "counter",
	    "Records the broker acknowledged.", st.delivered) < 0 ||
	    stream_metric(out, "scanloop_kafka_delivery_failures_total",
	    "counter", "Delivery reports with an error.", st.failed) < 0 ||
	    stream_metric(out, "scanloop_kafka_replays_total", "counter",
	    "Times the producer resent from the watermark after a failure.",
	    st.replays) < 0 ||
	    stream_metric(out, "scanloop_kafka_refused_total", "counter",
	    "Writes answered 503 because the lag was past its limit.",
	    st.refused) < 0)
		return -ENOMEM;
	return 0;
}

/* Stops the thread after a last flush. */
void
stream_stop(struct stream *s, int flush_ms)
{
	if (s == NULL || !s->running)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	s->stop_flush_ms = flush_ms;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	s->running = false;
}

/* Stops and frees. */
void
stream_free(struct stream *s)
{
	if (s == NULL)
		return;
	stream_stop(s, STREAM_STOP_FLUSH_MS);
	if (s->rk != NULL) {
		rd_kafka_purge(s->rk, RD_KAFKA_PURGE_F_QUEUE |
		    RD_KAFKA_PURGE_F_INFLIGHT | RD_KAFKA_PURGE_F_NON_BLOCKING);
		rd_kafka_destroy(s->rk);
	}
	stream_record_deinit(s);
	inflight_deinit(&s->fl);
	free(s->src);
	for (size_t i = 0; i < s->noptions; i++)
		free(s->options[i]);
	free(s->brokers);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
