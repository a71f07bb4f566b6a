/*
 * summaries.c — the code summaries as they are now. Summaries in the
 * store lag the events by up to a second while a server runs (it folds
 * them into code_scans once a second; see store/store.h). Exports and
 * reports add the unfolded tail themselves: they read the events after
 * the fold watermark once, sorted by serial, and apply them to the
 * summaries they read, as store_code_scans_current_txn does for one code.
 * Their memory is that tail (a second or so of scans), not the store.
 */
#include "analytics/analytics_internal.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Orders tail events by serial, then id. */
static int
tail_cmp(const void *a, const void *b)
{
	const struct analytics_tail_event *x = a, *y = b;
	int c = memcmp(x->serial, y->serial, STORE_SERIAL_BYTES);

	if (c != 0)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Collects one unfolded event that names a serial. */
static int
tail_add_cb(const struct store_event *ev, void *arg)
{
	static const uint8_t zero[STORE_SERIAL_BYTES];
	struct analytics_tail *t = arg;
	struct analytics_tail_event *e;

	if (memcmp(ev->serial, zero, sizeof(zero)) == 0)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct analytics_tail_event *ne = realloc(t->ev,
		    cap * sizeof(*ne));

		if (ne == NULL)
			return -ENOMEM;
		t->ev = ne;
		t->cap = cap;
	}
	e = &t->ev[t->n++];
	memcpy(e->serial, ev->serial, STORE_SERIAL_BYTES);
	e->id = ev->id;
	e->time = ev->time;
	e->flags = ev->flags;
	e->lat = ev->lat;
	e->lon = ev->lon;
	e->accuracy = ev->accuracy;
	return 0;
}

/* Reads the events after the fold watermark, sorted by serial. */
int
analytics_tail_load_txn(struct store_txn *t, struct analytics_tail *tl)
{
	uint64_t folded;
	int ret;

	memset(tl, 0, sizeof(*tl));
	if ((ret = store_scans_folded_txn(t, &folded)) < 0 ||
	    (ret = store_event_foreach_after_txn(t, folded, tail_add_cb,
	    tl)) < 0)
		return ret;
	if (tl->n > 1)
		qsort(tl->ev, tl->n, sizeof(*tl->ev), tail_cmp);
	return 0;
}

/* Applies a serial's unfolded events to its summary. */
void
analytics_tail_apply(const struct analytics_tail *tl, size_t *pos,
    const uint8_t serial[STORE_SERIAL_BYTES], struct store_code_scans *s)
{
	struct store_event ev;
	size_t i = *pos;

	while (i < tl->n && memcmp(tl->ev[i].serial, serial,
	    STORE_SERIAL_BYTES) < 0)
		i++;
	for (; i < tl->n && memcmp(tl->ev[i].serial, serial,
	    STORE_SERIAL_BYTES) == 0; i++) {
		const struct analytics_tail_event *e = &tl->ev[i];

		memset(&ev, 0, offsetof(struct store_event, ua));
		ev.id = e->id;
		ev.time = e->time;
		ev.flags = e->flags;
		ev.lat = e->lat;
		ev.lon = e->lon;
		ev.accuracy = e->accuracy;
		store_code_scans_apply(s, &ev);
	}
	*pos = i;
}

struct summaries_walk {
	struct store_txn *t;
	struct analytics_tail tail;
	size_t pos;
	analytics_summary_fn cb;
	void *arg;
};

/* A stored summary with its unfolded tail. */
static int
summaries_stored_cb(const uint8_t serial[STORE_SERIAL_BYTES],
    const struct store_code_scans *stored, void *arg)
{
	struct summaries_walk *w = arg;
	struct store_code_scans s = *stored;

	analytics_tail_apply(&w->tail, &w->pos, serial, &s);
	return w->cb(serial, &s, w->arg);
}

/* The codes that only the tail has scanned (no stored summary). */
static int
summaries_tail_only(struct summaries_walk *w)
{
	struct store_code_scans s;
	size_t pos = 0;
	int ret;

	while (pos < w->tail.n) {
		const uint8_t *serial = w->tail.ev[pos].serial;

		ret = store_code_scans_get_txn(w->t, serial, &s);
		if (ret == 0) {
			analytics_tail_apply(&w->tail, &pos, serial, &s);
			continue;	/* given with the stored ones */
		}
		if (ret != -ENOENT)
			return ret;
		memset(&s, 0, sizeof(s));
		analytics_tail_apply(&w->tail, &pos, serial, &s);
		if ((ret = w->cb(serial, &s, w->arg)) != 0)
			return ret;
	}
	return 0;
}

/* Calls cb for every scanned code's current summary. */
int
analytics_summaries_foreach_txn(struct store_txn *t, analytics_summary_fn cb,
    void *arg)
{
	struct summaries_walk w;
	int ret;

	memset(&w, 0, sizeof(w));
	w.t = t;
	w.cb = cb;
	w.arg = arg;
	if ((ret = analytics_tail_load_txn(t, &w.tail)) == 0 &&
	    (ret = store_code_scans_foreach_txn(t, summaries_stored_cb,
	    &w)) == 0)
		ret = summaries_tail_only(&w);
	free(w.tail.ev);
	return ret;
}
