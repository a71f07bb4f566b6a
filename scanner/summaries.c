/* summaries.c — staged, committed and folded per-code scan summaries. */
#include "scanner/summaries.h"
#include "common/log.h"
#include "scanner/wbcache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct summaries {
	struct wbcache *wb;		/* serial → struct store_code_scans */
	uint64_t committed_last;	/* newest committed event id */
	uint64_t staged_last;		/* newest event id of this group */
	uint64_t plan_last;		/* committed_last when planned */
	size_t plan_len;		/* entries in the plan when made */
	size_t group_slice;		/* written in this group's transaction */
	/* Plans made (a whole fold counts as one), and the newest of them
	 * all written: a change committed before plan n is in the store
	 * once written >= n. */
	uint64_t plans, written;
};

static const uint8_t summaries_zero[STORE_SERIAL_BYTES];

/* Makes a cache. */
int
summaries_new(uint64_t last_event, struct summaries **out)
{
	struct summaries *sm = calloc(1, sizeof(*sm));
	int ret;

	if (sm == NULL)
		return -ENOMEM;
	/* The clean entries a fold keeps, and as many again changed. */
	if ((ret = wbcache_new(STORE_SERIAL_BYTES,
	    sizeof(struct store_code_scans), 2 * SUMMARIES_MAX_CLEAN,
	    &sm->wb)) < 0) {
		free(sm);
		return ret;
	}
	sm->committed_last = sm->staged_last = last_event;
	*out = sm;
	return 0;
}

/* Frees the cache. */
void
summaries_free(struct summaries *sm)
{
	if (sm == NULL)
		return;
	wbcache_free(sm->wb);
	free(sm);
}

/* Reads a code's stored summary into a new entry. */
static int
summaries_load(void *val, const void *serial, void *t)
{
	int ret;

	/* Not cached means folded: the store's summary is whole. */
	if ((ret = store_code_scans_get_txn(t, serial, val)) == -ENOENT) {
		memset(val, 0, sizeof(struct store_code_scans));
		ret = 0;
	}
	return ret;
}

/* Finds or loads a code's summary, staged for this group (writer). */
static int
summaries_stage(struct summaries *sm, struct store_txn *t,
    const uint8_t serial[STORE_SERIAL_BYTES], struct store_code_scans **out)
{
	void *staged;
	int ret;

	if ((ret = wbcache_stage(sm->wb, serial, summaries_load, t,
	    &staged)) < 0)
		return ret;
	*out = staged;
	return 0;
}

/* Appends an event and stages its code's summary. */
int
summaries_add_event_txn(struct summaries *sm, struct store_txn *t,
    struct store_event *ev, struct store_code_scans *out)
{
	struct store_code_scans *s = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	ev->prev_same_code = 0;
	if (memcmp(ev->serial, summaries_zero, STORE_SERIAL_BYTES) != 0) {
		if ((ret = summaries_stage(sm, t, ev->serial, &s)) < 0)
			return ret;
		ev->prev_same_code = s->last_event;
	}
	if ((ret = store_event_append_txn(t, ev)) < 0)
		return ret;
	sm->staged_last = ev->id;
	if (s != NULL) {
		store_code_scans_apply(s, ev);
		*out = *s;
	}
	return 0;
}

struct summaries_tail {
	struct summaries *sm;
	struct store_txn *t;
	int ret;
};

/* Applies one unfolded event as committed. */
static int
summaries_tail_cb(const struct store_event *ev, void *arg)
{
	struct summaries_tail *w = arg;
	struct store_code_scans *s;
	int ret;

	w->sm->committed_last = w->sm->staged_last = ev->id;
	if (memcmp(ev->serial, summaries_zero, STORE_SERIAL_BYTES) == 0)
		return 0;
	if ((ret = summaries_stage(w->sm, w->t, ev->serial, &s)) < 0)
		return ret;
	store_code_scans_replay(s, ev);
	return 0;
}

/* Loads the unfolded tail into the cache. */
int
summaries_load_tail(struct summaries *sm, struct store *st)
{
	struct summaries_tail w = { sm, NULL, 0 };
	struct store_txn t;
	uint64_t folded;
	int ret;

	if ((ret = store_txn_begin(st, true, &t)) < 0)
		return ret;
	w.t = &t;
	if ((ret = store_scans_folded_txn(&t, &folded)) == 0)
		ret = store_event_foreach_after_txn(&t, folded, summaries_tail_cb,
		    &w);
	store_txn_abort(&t);
	/* The events are on disk: their summaries count as committed. */
	summaries_group_end(sm, ret == 0);
	return ret;
}

/* Attaches a location and stages the summary. */
int
summaries_set_location_txn(struct summaries *sm, struct store_txn *t,
    uint64_t id, double lat, double lon, float accuracy, int64_t now,
    struct store_event *ev, uint64_t *head)
{
	struct store_code_scans *s;
	int ret;

	*head = 0;
	if ((ret = store_event_set_location_txn(t, id, lat, lon, accuracy, now,
	    ev)) < 0)
		return ret;
	if (memcmp(ev->serial, summaries_zero, STORE_SERIAL_BYTES) == 0)
		return 0;
	if ((ret = summaries_stage(sm, t, ev->serial, &s)) < 0)
		return ret;
	store_code_scans_locate(s, ev);
	*head = s->last_event;
	return 0;
}

/* Ends a group: keep or drop the staged summaries. */
void
summaries_group_end(struct summaries *sm, bool committed)
{
	wbcache_group_end(sm->wb, committed);
	if (committed)
		sm->committed_last = sm->staged_last;
	else
		sm->staged_last = sm->committed_last;
	/* The slice the group's transaction wrote is in the store now,
	 * or, if it failed, left for the next. */
	if (committed && sm->group_slice > 0) {
		wbcache_plan_done(sm->wb, sm->group_slice, SUMMARIES_MAX_CLEAN);
		if (wbcache_planned(sm->wb) == 0)
			sm->written = sm->plans;
	}
	sm->group_slice = 0;
}

/* Writes one dirty summary. */
static int
summaries_put(const void *serial, const void *scans, void *t)
{
	return store_code_scans_put_txn(t, serial, scans);
}

/* Commits a fold's transaction if ret is 0, else aborts it. */
static int
summaries_txn_end(struct store_txn *t, int ret)
{
	if (ret < 0) {
		store_txn_abort(t);
		return ret;
	}
	return store_txn_commit(t);
}

/* Writes the dirty summaries and the watermark in one transaction. */
int
summaries_fold(struct summaries *sm, struct store *st)
{
	struct store_txn t;
	int ret;

	if (wbcache_dirty(sm->wb) == 0)
		goto written;
	if ((ret = store_txn_begin(st, false, &t)) < 0)
		return ret;
	if ((ret = wbcache_fold(sm->wb, false, summaries_put, &t)) == 0)
		ret = store_scans_set_folded_txn(&t, sm->committed_last);
	if ((ret = summaries_txn_end(&t, ret)) < 0)
		return ret;
	wbcache_folded(sm->wb, SUMMARIES_MAX_CLEAN);
written:
	sm->written = ++sm->plans;
	return 0;
}

/* Plans a fold in slices of what changed, unless one is under way. */
int
summaries_plan(struct summaries *sm)
{
	int ret;

	if (wbcache_planned(sm->wb) > 0)
		return 0;
	if ((ret = wbcache_plan(sm->wb)) == 0) {
		sm->plan_last = sm->committed_last;
		sm->plan_len = wbcache_planned(sm->wb);
		sm->plans++;
		if (sm->plan_len == 0)
			sm->written = sm->plans;
	}
	return ret;
}

/* Writes the next few summaries of the plan in a group's transaction,
 * and the watermark with the last; wbcache_plan_done at the group's end.
 * A few: SUMMARIES_GROUP_SLICE, or more for a long plan, so that it is
 * written in SUMMARIES_GROUP_SPREAD groups at most. */
int
summaries_fold_group_txn(struct summaries *sm, struct store_txn *t)
{
	size_t left = wbcache_planned(sm->wb), max, n;
	int ret;

	sm->group_slice = 0;
	if (left == 0)
		return 0;
	max = sm->plan_len / SUMMARIES_GROUP_SPREAD + 1;
	if (max < SUMMARIES_GROUP_SLICE)
		max = SUMMARIES_GROUP_SLICE;
	if ((ret = wbcache_plan_slice_staged(sm->wb, max, summaries_put, t,
	    &n)) < 0)
		return ret;
	if (n == left &&
	    (ret = store_scans_set_folded_txn(t, sm->plan_last)) < 0)
		return ret;
	sm->group_slice = n;
	return 0;
}

/* Writes the next slice of the plan, and the watermark with the last. */
int
summaries_fold_slice(struct summaries *sm, struct store *st, size_t max)
{
	size_t left = wbcache_planned(sm->wb), n;
	struct store_txn t;
	int ret;

	if (left == 0)
		return 0;
	if ((ret = store_txn_begin(st, false, &t)) < 0)
		return ret;
	ret = wbcache_plan_slice(sm->wb, max, summaries_put, &t, &n);
	/* Every summary changed up to plan_last is written once the plan
	 * is: the entries that were not dirty then were already whole. */
	if (ret == 0 && n == left)
		ret = store_scans_set_folded_txn(&t, sm->plan_last);
	if ((ret = summaries_txn_end(&t, ret)) < 0)
		return ret;
	wbcache_plan_done(sm->wb, n, SUMMARIES_MAX_CLEAN);
	if (n == left)
		sm->written = sm->plans;
	return n < left;
}

/* Folds, then moves the watermark over the committed events that changed
 * no summary (those without a serial), so that code_scans is whole. */
int
summaries_settle(struct summaries *sm, struct store *st)
{
	struct store_txn t;
	uint64_t folded;
	int ret;

	if ((ret = summaries_fold(sm, st)) < 0)
		return ret;
	if ((ret = store_txn_begin(st, false, &t)) < 0)
		return ret;
	if ((ret = store_scans_folded_txn(&t, &folded)) < 0 ||
	    folded >= sm->committed_last) {
		store_txn_abort(&t);
		return ret;
	}
	if ((ret = store_scans_set_folded_txn(&t, sm->committed_last)) < 0) {
		store_txn_abort(&t);
		return ret;
	}
	return store_txn_commit(&t);
}

/* Drops the cached summaries (all folded) after the store's changed. */
void
summaries_forget(struct summaries *sm)
{
	if (wbcache_dirty(sm->wb) == 0)
		wbcache_folded(sm->wb, 0);
}

/* A committed summary, if cached. */
bool
summaries_lookup(struct summaries *sm, const uint8_t serial[STORE_SERIAL_BYTES],
    struct store_code_scans *out)
{
	return wbcache_get(sm->wb, serial, false, out);
}

/* Changed summaries. */
size_t
summaries_dirty(struct summaries *sm)
{
	return wbcache_dirty(sm->wb);
}

/* Writer, in a group: keeps a code's online draw in its staged summary,
 * unless the summary holds a draw already (of another campaign). */
int
summaries_keep_draw_txn(struct summaries *sm, struct store_txn *t,
    const char *campaign, const uint8_t serial[STORE_SERIAL_BYTES],
    uint64_t seq, bool *kept)
{
	struct store_code_scans *s;
	int ret;

	*kept = false;
	if ((ret = summaries_stage(sm, t, serial, &s)) < 0)
		return ret;
	if (s->draw_seq != 0)
		return 0;
	store_draw_tag(campaign, s->draw_tag);
	s->draw_seq = seq;
	*kept = true;
	return 0;
}

/* Finds the online draw a code's summary holds for campaign: the cached
 * summary (the writer's staged one with writer set), else the store's,
 * which is whole when not cached. */
int
summaries_find_draw_txn(struct summaries *sm, struct store_txn *t,
    const char *campaign, const uint8_t serial[STORE_SERIAL_BYTES],
    bool writer, struct store_draw *d)
{
	struct store_code_scans s;
	int ret;

	if (!wbcache_get(sm->wb, serial, writer, &s) &&
	    (ret = store_code_scans_get_txn(t, serial, &s)) < 0)
		return ret;
	return store_draw_of_summary_txn(t, campaign, serial, &s, d);
}

/* Writer, between groups or in one: a ticket for the summaries as
 * committed so far, for summaries_written. */
uint64_t
summaries_ticket(struct summaries *sm)
{
	return sm->plans;
}

/* Whether the summaries as committed when the ticket was taken are all in
 * the store: a plan made after it has been written whole. */
bool
summaries_written(struct summaries *sm, uint64_t ticket)
{
	return sm->written > ticket;
}
