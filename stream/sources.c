/*
 * sources.c — one pass over the store in one read transaction: each log
 * after what was sent, produced while the queue has room.
 *
 * The order of a pass keeps each serial's records in commit order across
 * logs: the scans first; then late locations, each only once its scan
 * was sent; then the draws, each only once the scan event it names was
 * sent; then redemptions, each only once its claim's draws were sent;
 * then signals, each only once the scans it names and every location
 * committed with or before it were sent. Within a log the ids grow, and
 * the broker keeps a partition (a key) in the order produced.
 *
 * Retention (store/prune.c) deletes forged and malformed events, maybe
 * before they were sent: the scan walk's cursor steps over the gap; a
 * record that waits for a scan stops waiting once every event the store
 * still holds was sent; a late location whose event is gone is skipped
 * (stream_skip), acknowledged in its turn without a record.
 */
#include "stream/stream_internal.h"
#include "analytics/signals.h"
#include "codegen/code.h"
#include "common/clock.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A campaign with new draws, read before the walks. */
struct pass_campaign {
	char id[STORE_ID_MAX + 1];
	uint64_t draws;
};

struct pass {
	struct stream *s;
	struct store_txn t;
	struct record_decoder dec;
	struct campaign *c;		/* the campaign loaded last */
	uint32_t source;		/* the draw walk's source */
	struct pass_campaign *camps;
	size_t ncamps;
	int64_t now;
};

static const uint8_t pass_zero_serial[STORE_SERIAL_BYTES];

/* The key of a serial: its text, or NULL when there is none. */
static const char *
pass_key(const uint8_t serial[STORE_SERIAL_BYTES],
    char buf[CODE_SERIAL_CHARS + 1])
{
	if (memcmp(serial, pass_zero_serial, STORE_SERIAL_BYTES) == 0)
		return NULL;
	code_serial_text(serial, buf);
	return buf;
}

/* True once scan event id was sent, or once every event the store still
 * holds was (then id was sent or deleted by retention, maybe the newest:
 * last is the newest event there is, ids are never given again). */
static bool
pass_scan_sent(const struct pass *p, uint64_t id)
{
	const struct stream_source *src = &p->s->src[STREAM_SCANS];

	return id <= src->sent || src->sent >= src->last;
}

/* Finds or adds the source of a campaign's draws. */
struct stream_source *
stream_draw_source_txn(struct stream *s, struct store_txn *t,
    const char *campaign, int *ret)
{
	struct stream_source *src;

	*ret = 0;
	for (size_t i = STREAM_DRAWS; i < s->nsrc; i++)
		if (strcmp(s->src[i].campaign, campaign) == 0)
			return &s->src[i];
	if (s->nsrc == s->srccap) {
		size_t cap = s->srccap * 2;
		void *n = realloc(s->src, cap * sizeof(*s->src));

		if (n == NULL) {
			*ret = -ENOMEM;
			return NULL;
		}
		s->src = n;
		s->srccap = cap;
	}
	src = &s->src[s->nsrc];
	memset(src, 0, sizeof(*src));
	src->log = STREAM_DRAWS;
	snprintf(src->campaign, sizeof(src->campaign), "%s", campaign);
	snprintf(src->name, sizeof(src->name), "%s/draws/%s", s->topic,
	    campaign);
	if ((*ret = store_outbox_get_txn(t, src->name, &src->acked)) < 0)
		return NULL;
	src->saved = src->sent = src->acked;
	s->nsrc++;
	return src;
}

/* Loads campaign id into p->c unless it is there already (-ENOENT: it
 * is gone; p->c NULL). */
static int
pass_campaign_load(struct pass *p, const char *id)
{
	if (p->c != NULL && strcmp(p->c->id, id) == 0)
		return 0;
	campaign_unref(p->c, __func__);
	p->c = NULL;
	return campaign_load_txn(&p->t, id, &p->c, NULL, 0);
}

/* Collects the campaigns' draw counts. */
static int
pass_campaign_cb(const struct store_campaign *h, void *arg)
{
	struct pass *p = arg;
	void *n = realloc(p->camps, (p->ncamps + 1) * sizeof(*p->camps));

	if (n == NULL)
		return -ENOMEM;
	p->camps = n;
	snprintf(p->camps[p->ncamps].id, sizeof(p->camps[0].id), "%s", h->id);
	p->camps[p->ncamps++].draws = h->draws;
	return 0;
}

/* Reads what each log holds: every source's last. */
static int
pass_lasts(struct pass *p)
{
	struct stream *s = p->s;
	int ret;

	if ((ret = store_event_last_id_txn(&p->t,
	    &s->src[STREAM_SCANS].last)) < 0 ||
	    (ret = store_log_last_txn(&p->t, STORE_LOG_LOCATED,
	    &s->src[STREAM_LOCATIONS].last)) < 0 ||
	    (ret = store_log_last_txn(&p->t, STORE_LOG_REDEEMED,
	    &s->src[STREAM_REDEMPTIONS].last)) < 0 ||
	    (ret = store_signal_last_id_txn(&p->t,
	    &s->src[STREAM_SIGNALS].last)) < 0 ||
	    (ret = store_campaign_foreach_txn(&p->t, pass_campaign_cb, p)) < 0)
		return ret;
	for (size_t i = 0; i < p->ncamps; i++) {
		struct stream_source *src = stream_draw_source_txn(s, &p->t,
		    p->camps[i].id, &ret);

		if (src == NULL)
			return ret;
		src->last = p->camps[i].draws;
	}
	return 0;
}

/* Produces scan events after the sent one. */
static int
pass_scans(struct pass *p)
{
	struct stream *s = p->s;
	struct stream_source *src = &s->src[STREAM_SCANS];
	struct store_event_cursor *cur;
	struct store_event ev;
	char key[CODE_SERIAL_CHARS + 1];
	int ret;

	if (src->sent >= src->last)
		return 0;
	if ((ret = store_event_cursor_open_txn(&p->t, src->sent, &cur)) < 0)
		return ret;
	while ((ret = store_event_cursor_next(cur, &ev)) == 0) {
		if ((ret = stream_record_scan(s, &p->dec, &ev, "scan")) < 0 ||
		    (ret = stream_produce(s, STREAM_SCANS, ev.id,
		    pass_key(ev.serial, key))) < 0)
			break;
	}
	store_event_cursor_close(cur);
	return ret == -ENOENT ? 0 : ret;
}

/* Produces a late location: the event again, once its scan was sent. */
static int
pass_location_cb(const struct store_log_entry *e, void *arg)
{
	struct pass *p = arg;
	struct stream *s = p->s;
	struct store_event ev;
	char key[CODE_SERIAL_CHARS + 1];
	int ret;

	if (!pass_scan_sent(p, e->event_id))
		return 1;			/* its scan first */
	ret = store_event_get_txn(&p->t, e->event_id, &ev);
	if (ret == -ENOENT)			/* pruned */
		return stream_skip(s, STREAM_LOCATIONS, e->seq);
	if (ret < 0 || (ret = stream_record_scan(s, &p->dec, &ev,
	    "location")) < 0)
		return ret;
	return stream_produce(s, STREAM_LOCATIONS, e->seq, pass_key(ev.serial,
	    key));
}

/* Produces a draw, once the scan event it names was sent. */
static int
pass_draw_cb(const struct store_draw *d, void *arg)
{
	struct pass *p = arg;
	struct stream *s = p->s;
	char key[CODE_SERIAL_CHARS + 1];
	int ret;

	if (d->seq > s->src[p->source].last)
		return 1;			/* committed after the lasts */
	if (!pass_scan_sent(p, d->event_id))
		return 1;			/* its scan first */
	if ((ret = stream_record_draw(s, p->c, d)) < 0)
		return ret;
	return stream_produce(s, p->source, d->seq, pass_key(d->serial, key));
}

/* Produces each campaign's new draws. */
static int
pass_draws(struct pass *p)
{
	struct stream *s = p->s;
	int ret = 0;

	for (size_t i = STREAM_DRAWS; i < s->nsrc; i++) {
		if (s->src[i].sent >= s->src[i].last)
			continue;
		if ((ret = pass_campaign_load(p, s->src[i].campaign)) < 0)
			return ret;
		p->source = (uint32_t)i;
		/* 1: this campaign waits for a scan; the next may not. */
		if ((ret = store_draw_foreach_txn(&p->t, s->src[i].campaign,
		    s->src[i].sent + 1, pass_draw_cb, p)) < 0)
			return ret;
	}
	return 0;
}

/* Produces a redemption, once its claim's draws were sent. */
static int
pass_redemption_cb(const struct store_log_entry *e, void *arg)
{
	struct pass *p = arg;
	struct stream *s = p->s;
	struct stream_source *draws;
	struct store_claim cl;
	char key[CODE_SERIAL_CHARS + 1];
	int ret;

	if ((ret = store_claim_get_txn(&p->t, e->claim_id, &cl)) < 0)
		return ret;
	if ((draws = stream_draw_source_txn(s, &p->t, cl.campaign,
	    &ret)) == NULL)
		return ret;
	if (draws->sent < cl.draw_seq || draws->sent < cl.open_seq)
		return 1;			/* its draws first */
	ret = pass_campaign_load(p, cl.campaign);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	if ((ret = stream_record_redemption(s, p->c, &cl, p->now)) < 0)
		return ret;
	return stream_produce(s, STREAM_REDEMPTIONS, e->seq,
	    pass_key(cl.serial, key));
}

/* The key of a signal: its serial; else "batch/ID"; else its network
 * prefix; else none. */
static const char *
pass_signal_key(const struct store_signal *sig, char *buf, size_t cap)
{
	if (memcmp(sig->serial, pass_zero_serial, STORE_SERIAL_BYTES) != 0)
		return pass_key(sig->serial, buf);
	if (sig->batch_id != 0) {
		snprintf(buf, cap, "batch/%" PRIu32, sig->batch_id);
		return buf;
	}
	signals_prefix_text(sig, buf, cap);
	return buf[0] != '\0' ? buf : NULL;
}

/* Produces a signal, once the scans it names and the locations committed
 * with or before it were sent. */
static int
pass_signal_cb(const struct store_signal *sig, void *arg)
{
	struct pass *p = arg;
	struct stream *s = p->s;
	const struct stream_source *loc = &s->src[STREAM_LOCATIONS];
	char key[SIGNALS_PREFIX_TEXT];
	int ret;

	if (sig->id > s->src[STREAM_SIGNALS].last)
		return 1;			/* committed after the lasts */
	for (size_t i = 0; i < sig->nevents && i < STORE_SIGNAL_EVENTS_MAX;
	    i++)
		if (!pass_scan_sent(p, sig->event_ids[i]))
			return 1;		/* its scans first */
	if (loc->sent < loc->last)
		return 1;			/* a location it may follow */
	if ((ret = stream_record_signal(s, &p->dec, sig)) < 0)
		return ret;
	return stream_produce(s, STREAM_SIGNALS, sig->id,
	    pass_signal_key(sig, key, sizeof(key)));
}

/* Produces the signals after the sent one. */
static int
pass_signals(struct pass *p)
{
	struct stream_source *src = &p->s->src[STREAM_SIGNALS];

	if (src->sent >= src->last)
		return 0;
	return store_signal_foreach_txn(&p->t, src->sent, pass_signal_cb, p);
}

/* Walks a change log after its sent entry. */
static int
pass_log(struct pass *p, uint32_t source, enum store_log log,
    int (*cb)(const struct store_log_entry *, void *))
{
	struct stream_source *src = &p->s->src[source];

	if (src->sent >= src->last)
		return 0;
	return store_log_foreach_txn(&p->t, log, src->sent, cb, p);
}

/* One pass over the store. */
int
stream_pass(struct stream *s, bool produce)
{
	struct pass p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.s = s;
	p.now = clock_now_us();
	if ((ret = store_txn_begin(s->st, true, &p.t)) < 0)
		return ret;
	record_decoder_init(&p.dec, &p.t);
	s->more = false;
	if ((ret = pass_lasts(&p)) == 0 && !produce)
		;				/* the lasts only: the lag */
	else if (ret == 0 && inflight_room(&s->fl) == 0)
		ret = -ENOBUFS;
	else if (ret == 0 && (ret = pass_scans(&p)) == 0 &&
	    (ret = pass_log(&p, STREAM_LOCATIONS, STORE_LOG_LOCATED,
	    pass_location_cb)) >= 0 && (ret = pass_draws(&p)) >= 0 &&
	    (ret = pass_log(&p, STREAM_REDEMPTIONS, STORE_LOG_REDEEMED,
	    pass_redemption_cb)) >= 0)
		ret = pass_signals(&p);
	if (ret == -ENOBUFS) {
		s->more = true;			/* on when room frees */
		ret = 0;
	}
	if (ret > 0)
		ret = 0;			/* a walk waits for order */
	campaign_unref(p.c, __func__);
	free(p.camps);
	record_decoder_deinit(&p.dec);
	store_txn_abort(&p.t);
	return ret;
}
