/* summaries.c — staged, committed and folded per-code scan summaries. */
#include "scanner/summaries.h"
#include "common/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SUMMARIES_BUCKETS (1u << 16)

struct summary {
	struct summary *next;		/* hash chain */
	struct summary *staged_next;	/* this group's staged entries */
	uint8_t serial[STORE_SERIAL_BYTES];
	bool dirty;			/* committed, not yet folded */
	bool staged;
	struct store_code_scans committed;
	struct store_code_scans stage;
};

struct summaries {
	pthread_mutex_t mu;
	struct summary *buckets[SUMMARIES_BUCKETS];
	struct summary *staged;		/* list of staged entries */
	size_t n, dirty;
	uint64_t committed_last;	/* newest committed event id */
	uint64_t staged_last;		/* newest event id of this group */
};

static const uint8_t summaries_zero[STORE_SERIAL_BYTES];

/* Bucket of a serial (serials are random: their bytes hash well). */
static size_t
summaries_bucket(const uint8_t serial[STORE_SERIAL_BYTES])
{
	return ((size_t)serial[0] << 8 | serial[1]) & (SUMMARIES_BUCKETS - 1);
}

/* Makes a cache. */
int
summaries_new(uint64_t last_event, struct summaries **out)
{
	struct summaries *sm = calloc(1, sizeof(*sm));

	if (sm == NULL)
		return -ENOMEM;
	pthread_mutex_init(&sm->mu, NULL);
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
	for (size_t b = 0; b < SUMMARIES_BUCKETS; b++)
		while (sm->buckets[b] != NULL) {
			struct summary *e = sm->buckets[b];

			sm->buckets[b] = e->next;
			free(e);
		}
	pthread_mutex_destroy(&sm->mu);
	free(sm);
}

/* Finds an entry (mutex held). */
static struct summary *
summaries_find(struct summaries *sm, const uint8_t serial[STORE_SERIAL_BYTES])
{
	struct summary *e = sm->buckets[summaries_bucket(serial)];

	while (e != NULL && memcmp(e->serial, serial, STORE_SERIAL_BYTES) != 0)
		e = e->next;
	return e;
}

/* Finds or loads an entry, staged for this group (writer). */
static int
summaries_stage(struct summaries *sm, struct store_txn *t,
    const uint8_t serial[STORE_SERIAL_BYTES], struct summary **out)
{
	struct summary *e;
	int ret;

	pthread_mutex_lock(&sm->mu);
	e = summaries_find(sm, serial);
	pthread_mutex_unlock(&sm->mu);
	if (e == NULL) {
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return -ENOMEM;
		memcpy(e->serial, serial, STORE_SERIAL_BYTES);
		/* Not cached means folded: the store's summary is whole. */
		ret = store_code_scans_get_txn(t, serial, &e->committed);
		if (ret < 0 && ret != -ENOENT) {
			free(e);
			return ret;
		}
		pthread_mutex_lock(&sm->mu);
		e->next = sm->buckets[summaries_bucket(serial)];
		sm->buckets[summaries_bucket(serial)] = e;
		sm->n++;
		pthread_mutex_unlock(&sm->mu);
	}
	if (!e->staged) {
		e->stage = e->committed;
		e->staged = true;
		e->staged_next = sm->staged;
		sm->staged = e;
	}
	*out = e;
	return 0;
}

/* Appends an event and stages its code's summary. */
int
summaries_add_event_txn(struct summaries *sm, struct store_txn *t,
    struct store_event *ev, struct store_code_scans *out)
{
	struct summary *e = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	ev->prev_same_code = 0;
	if (memcmp(ev->serial, summaries_zero, STORE_SERIAL_BYTES) != 0) {
		if ((ret = summaries_stage(sm, t, ev->serial, &e)) < 0)
			return ret;
		ev->prev_same_code = e->stage.last_event;
	}
	if ((ret = store_event_append_txn(t, ev)) < 0)
		return ret;
	sm->staged_last = ev->id;
	if (e != NULL) {
		store_code_scans_apply(&e->stage, ev);
		*out = e->stage;
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
	struct summary *e;
	int ret;

	w->sm->committed_last = w->sm->staged_last = ev->id;
	if (memcmp(ev->serial, summaries_zero, STORE_SERIAL_BYTES) == 0)
		return 0;
	if ((ret = summaries_stage(w->sm, w->t, ev->serial, &e)) < 0)
		return ret;
	store_code_scans_apply(&e->stage, ev);
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
    uint64_t id, double lat, double lon, float accuracy, int64_t now)
{
	struct store_event ev;
	struct summary *e;
	int ret;

	if ((ret = store_event_set_location_txn(t, id, lat, lon, accuracy, now,
	    &ev)) < 0)
		return ret;
	if (memcmp(ev.serial, summaries_zero, STORE_SERIAL_BYTES) == 0)
		return 0;
	if ((ret = summaries_stage(sm, t, ev.serial, &e)) < 0)
		return ret;
	store_code_scans_locate(&e->stage, &ev);
	return 0;
}

/* Ends a group: keep or drop the staged summaries. */
void
summaries_group_end(struct summaries *sm, bool committed)
{
	pthread_mutex_lock(&sm->mu);
	while (sm->staged != NULL) {
		struct summary *e = sm->staged;

		sm->staged = e->staged_next;
		e->staged_next = NULL;
		e->staged = false;
		if (committed && memcmp(&e->stage, &e->committed,
		    sizeof(e->stage)) != 0) {
			e->committed = e->stage;
			if (!e->dirty)
				sm->dirty++;
			e->dirty = true;
		}
	}
	if (committed)
		sm->committed_last = sm->staged_last;
	else
		sm->staged_last = sm->committed_last;
	pthread_mutex_unlock(&sm->mu);
}

/* Drops clean entries when there are too many (mutex held). */
static void
summaries_trim(struct summaries *sm)
{
	if (sm->n <= SUMMARIES_MAX_CLEAN)
		return;
	for (size_t b = 0; b < SUMMARIES_BUCKETS; b++) {
		struct summary **pp = &sm->buckets[b];

		while (*pp != NULL) {
			struct summary *e = *pp;

			if (!e->dirty && !e->staged) {
				*pp = e->next;
				free(e);
				sm->n--;
			} else
				pp = &e->next;
		}
	}
}

/* Writes the dirty summaries and the watermark in one transaction. */
int
summaries_fold(struct summaries *sm, struct store *st)
{
	struct store_txn t;
	uint64_t last;
	int ret;

	pthread_mutex_lock(&sm->mu);
	last = sm->committed_last;
	if (sm->dirty == 0) {
		pthread_mutex_unlock(&sm->mu);
		return 0;
	}
	pthread_mutex_unlock(&sm->mu);
	/* The writer thread alone changes entries: reading them unlocked
	 * here is safe; loops only read under the lock. */
	if ((ret = store_txn_begin(st, false, &t)) < 0)
		return ret;
	for (size_t b = 0; b < SUMMARIES_BUCKETS && ret == 0; b++)
		for (struct summary *e = sm->buckets[b]; e != NULL && ret == 0;
		    e = e->next)
			if (e->dirty)
				ret = store_code_scans_put_txn(&t, e->serial,
				    &e->committed);
	if (ret == 0)
		ret = store_scans_set_folded_txn(&t, last);
	if (ret == 0)
		ret = store_txn_commit(&t);
	else
		store_txn_abort(&t);
	if (ret < 0)
		return ret;
	pthread_mutex_lock(&sm->mu);
	for (size_t b = 0; b < SUMMARIES_BUCKETS; b++)
		for (struct summary *e = sm->buckets[b]; e != NULL; e = e->next)
			e->dirty = false;
	sm->dirty = 0;
	summaries_trim(sm);
	pthread_mutex_unlock(&sm->mu);
	return 0;
}

/* A committed summary, if cached. */
bool
summaries_lookup(struct summaries *sm, const uint8_t serial[STORE_SERIAL_BYTES],
    struct store_code_scans *out)
{
	struct summary *e;
	bool found = false;

	pthread_mutex_lock(&sm->mu);
	if ((e = summaries_find(sm, serial)) != NULL) {
		*out = e->committed;
		found = true;
	}
	pthread_mutex_unlock(&sm->mu);
	return found;
}

/* Changed summaries. */
size_t
summaries_dirty(struct summaries *sm)
{
	size_t n;

	pthread_mutex_lock(&sm->mu);
	n = sm->dirty;
	pthread_mutex_unlock(&sm->mu);
	return n;
}
