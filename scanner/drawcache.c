/* drawcache.c — staged, committed and folded draw index and counters. */
#include "scanner/drawcache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define DRAWCACHE_BUCKETS (1u << 16)
#define DRAWCACHE_INDEX 'D'		/* key kind of a code's draw */
#define DRAWCACHE_HEADER 'H'		/* key kind of a campaign header */

/* Compared with memcmp (built zeroed): campaign first, so that a fold
 * writes each campaign's entries together and in key order. */
struct dc_key {
	char campaign[STORE_ID_MAX + 1];
	uint8_t kind;			/* DRAWCACHE_INDEX or a counter kind */
	uint8_t subject[16];		/* serial, visitor or IP prefix */
	uint32_t period;
};

struct dc_entry {
	struct dc_entry *next;		/* hash chain */
	struct dc_entry *staged_next;	/* this group's staged entries */
	struct dc_key key;
	uint64_t committed;		/* seq, or the counter's delta */
	uint64_t stage;
	bool staged;
};

/* A campaign header or counter as this group's transaction sees it. */
struct dc_tally {
	struct dc_key key;		/* kind DRAWCACHE_HEADER: a header */
	bool loaded;			/* base (or hdr) read from the store */
	uint64_t base;			/* the store's value when first read */
	uint64_t delta;			/* this group's additions */
	struct store_campaign hdr;
	bool hdr_dirty;
};

struct drawcache {
	pthread_mutex_t mu;
	struct dc_entry *buckets[DRAWCACHE_BUCKETS];
	struct dc_entry *staged;
	size_t n;
	struct dc_tally *tallies;	/* the writer's alone: no mutex */
	size_t ntallies, tallies_cap;
};

/* Builds a key. */
static void
dc_key_make(struct dc_key *k, const char *campaign, int kind,
    const uint8_t *subject, size_t len, uint32_t period)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->campaign, campaign, strnlen(campaign, STORE_ID_MAX));
	k->kind = (uint8_t)kind;
	if (len > 0)
		memcpy(k->subject, subject, len);
	k->period = period;
}

/* FNV-1a over the key. */
static size_t
dc_bucket(const struct dc_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return (size_t)(h ^ h >> 32) & (DRAWCACHE_BUCKETS - 1);
}

/* Makes a cache. */
int
drawcache_new(struct drawcache **out)
{
	struct drawcache *dc = calloc(1, sizeof(*dc));

	if (dc == NULL)
		return -ENOMEM;
	pthread_mutex_init(&dc->mu, NULL);
	*out = dc;
	return 0;
}

/* Drops every entry (mutex held or single-threaded). */
static void
dc_clear(struct drawcache *dc)
{
	for (size_t b = 0; b < DRAWCACHE_BUCKETS; b++)
		while (dc->buckets[b] != NULL) {
			struct dc_entry *e = dc->buckets[b];

			dc->buckets[b] = e->next;
			free(e);
		}
	dc->staged = NULL;
	dc->n = 0;
}

/* Frees the cache. */
void
drawcache_free(struct drawcache *dc)
{
	if (dc == NULL)
		return;
	dc_clear(dc);
	free(dc->tallies);
	pthread_mutex_destroy(&dc->mu);
	free(dc);
}

/* Finds an entry (mutex held). */
static struct dc_entry *
dc_find(struct drawcache *dc, const struct dc_key *k)
{
	struct dc_entry *e = dc->buckets[dc_bucket(k)];

	while (e != NULL && memcmp(&e->key, k, sizeof(*k)) != 0)
		e = e->next;
	return e;
}

/* Finds or adds an entry, staged for this group (mutex held). */
static struct dc_entry *
dc_stage(struct drawcache *dc, const struct dc_key *k)
{
	struct dc_entry *e = dc_find(dc, k);

	if (e == NULL) {
		size_t b = dc_bucket(k);

		if ((e = calloc(1, sizeof(*e))) == NULL)
			return NULL;
		e->key = *k;
		e->next = dc->buckets[b];
		dc->buckets[b] = e;
		dc->n++;
	}
	if (!e->staged) {
		e->stage = e->committed;
		e->staged = true;
		e->staged_next = dc->staged;
		dc->staged = e;
	}
	return e;
}

/* A code's draw seq held here. */
uint64_t
drawcache_draw_seq(struct drawcache *dc, const char *campaign,
    const uint8_t serial[STORE_SERIAL_BYTES], bool writer)
{
	struct dc_entry *e;
	struct dc_key k;
	uint64_t seq = 0;

	dc_key_make(&k, campaign, DRAWCACHE_INDEX, serial, STORE_SERIAL_BYTES,
	    0);
	pthread_mutex_lock(&dc->mu);
	if ((e = dc_find(dc, &k)) != NULL)
		seq = writer && e->staged ? e->stage : e->committed;
	pthread_mutex_unlock(&dc->mu);
	return seq;
}

/* Stages a code's draw. */
int
drawcache_add_draw(struct drawcache *dc, const char *campaign,
    const uint8_t serial[STORE_SERIAL_BYTES], uint64_t seq)
{
	struct dc_entry *e;
	struct dc_key k;
	int ret = 0;

	dc_key_make(&k, campaign, DRAWCACHE_INDEX, serial, STORE_SERIAL_BYTES,
	    0);
	pthread_mutex_lock(&dc->mu);
	if ((e = dc_stage(dc, &k)) == NULL)
		ret = -ENOMEM;
	else if (e->stage != 0)
		ret = -EIO;		/* a code draws once: a bug */
	else
		e->stage = seq;
	pthread_mutex_unlock(&dc->mu);
	return ret;
}

/* A counter's delta held here. */
uint64_t
drawcache_counter(struct drawcache *dc, const char *campaign, int kind,
    const uint8_t subject[16], uint32_t period)
{
	struct dc_entry *e;
	struct dc_key k;
	uint64_t v = 0;

	dc_key_make(&k, campaign, kind, subject, 16, period);
	pthread_mutex_lock(&dc->mu);
	if ((e = dc_find(dc, &k)) != NULL)
		v = e->staged ? e->stage : e->committed;
	pthread_mutex_unlock(&dc->mu);
	return v;
}

/* Stages an addition to a counter. */
int
drawcache_count(struct drawcache *dc, const char *campaign, int kind,
    const uint8_t subject[16], uint32_t period, uint64_t delta)
{
	struct dc_entry *e;
	struct dc_key k;

	dc_key_make(&k, campaign, kind, subject, 16, period);
	pthread_mutex_lock(&dc->mu);
	if ((e = dc_stage(dc, &k)) != NULL)
		e->stage += delta;
	pthread_mutex_unlock(&dc->mu);
	return e == NULL ? -ENOMEM : 0;
}

/* Removes an entry (mutex held). */
static void
dc_remove(struct drawcache *dc, struct dc_entry *gone)
{
	struct dc_entry **pp = &dc->buckets[dc_bucket(&gone->key)];

	while (*pp != gone)
		pp = &(*pp)->next;
	*pp = gone->next;
	free(gone);
	dc->n--;
}

/* Finds or adds a group tally. */
static struct dc_tally *
dc_tally(struct drawcache *dc, const struct dc_key *k)
{
	struct dc_tally *x;

	for (size_t i = 0; i < dc->ntallies; i++)
		if (dc->tallies[i].key.kind == k->kind &&
		    dc->tallies[i].key.subject[0] == k->subject[0] &&
		    memcmp(&dc->tallies[i].key, k, sizeof(*k)) == 0)
			return &dc->tallies[i];
	if (dc->ntallies == dc->tallies_cap) {
		size_t cap = dc->tallies_cap ? 2 * dc->tallies_cap : 16;

		if ((x = realloc(dc->tallies, cap * sizeof(*x))) == NULL)
			return NULL;
		dc->tallies = x;
		dc->tallies_cap = cap;
	}
	x = &dc->tallies[dc->ntallies++];
	memset(x, 0, sizeof(*x));
	x->key = *k;
	return x;
}

/* Reads a campaign header as this group's transaction sees it. */
int
drawcache_header_txn(struct drawcache *dc, struct store_txn *t,
    const char *campaign, struct store_campaign *hdr)
{
	struct dc_tally *x;
	struct dc_key k;
	int ret;

	dc_key_make(&k, campaign, DRAWCACHE_HEADER, NULL, 0, 0);
	if ((x = dc_tally(dc, &k)) == NULL)
		return -ENOMEM;
	if (!x->loaded) {
		if ((ret = store_campaign_get_txn(t, campaign, &x->hdr)) < 0) {
			dc->ntallies--;		/* the newest: drop it */
			return ret;
		}
		x->loaded = true;
	}
	*hdr = x->hdr;
	return 0;
}

/* Replaces a header read with drawcache_header_txn, written at the flush. */
int
drawcache_header_put(struct drawcache *dc, const struct store_campaign *hdr)
{
	struct dc_tally *x;
	struct dc_key k;

	dc_key_make(&k, hdr->id, DRAWCACHE_HEADER, NULL, 0, 0);
	if ((x = dc_tally(dc, &k)) == NULL)
		return -ENOMEM;
	if (!x->loaded)
		return -EIO;		/* put without get: a bug */
	x->hdr = *hdr;
	x->hdr_dirty = true;
	return 0;
}

/* Reads a counter as this group's transaction sees it. */
int
drawcache_tally_txn(struct drawcache *dc, struct store_txn *t,
    const char *campaign, int kind, const uint8_t subject[16],
    uint32_t period, uint64_t *n)
{
	struct dc_tally *x;
	struct dc_key k;
	int ret;

	dc_key_make(&k, campaign, kind, subject, 16, period);
	if ((x = dc_tally(dc, &k)) == NULL)
		return -ENOMEM;
	if (!x->loaded) {
		if ((ret = store_counter_get_txn(t, campaign, kind, subject,
		    period, &x->base)) < 0)
			return ret;
		x->loaded = true;
	}
	*n = x->base + x->delta;
	return 0;
}

/* Adds to a counter at the flush. */
int
drawcache_tally_add(struct drawcache *dc, const char *campaign, int kind,
    const uint8_t subject[16], uint32_t period, uint64_t delta)
{
	struct dc_tally *x;
	struct dc_key k;

	dc_key_make(&k, campaign, kind, subject, 16, period);
	if ((x = dc_tally(dc, &k)) == NULL)
		return -ENOMEM;
	x->delta += delta;
	return 0;
}

/* Writes this group's headers and counter additions into its transaction. */
int
drawcache_flush_txn(struct drawcache *dc, struct store_txn *t)
{
	int ret = 0;

	for (size_t i = 0; i < dc->ntallies && ret == 0; i++) {
		struct dc_tally *x = &dc->tallies[i];

		if (x->key.kind == DRAWCACHE_HEADER) {
			if (x->hdr_dirty)
				ret = store_campaign_put_txn(t, &x->hdr, false);
		} else if (x->delta != 0)
			ret = store_counter_add_txn(t, x->key.campaign,
			    x->key.kind, x->key.subject, x->key.period,
			    x->delta);
	}
	dc->ntallies = 0;
	return ret;
}

/* Ends a group: keep or drop the staged changes. */
void
drawcache_group_end(struct drawcache *dc, bool committed)
{
	dc->ntallies = 0;
	pthread_mutex_lock(&dc->mu);
	while (dc->staged != NULL) {
		struct dc_entry *e = dc->staged;

		dc->staged = e->staged_next;
		e->staged_next = NULL;
		e->staged = false;
		if (committed)
			e->committed = e->stage;
		else if (e->committed == 0)
			dc_remove(dc, e);
	}
	pthread_mutex_unlock(&dc->mu);
}

/* Orders entries by key. */
static int
dc_cmp(const void *a, const void *b)
{
	const struct dc_entry *x = *(struct dc_entry *const *)a;
	const struct dc_entry *y = *(struct dc_entry *const *)b;

	return memcmp(&x->key, &y->key, sizeof(x->key));
}

/* Writes one campaign's watermark: its newest draw folded. */
static int
dc_fold_watermark(struct store_txn *t, const char *campaign, uint64_t seq)
{
	uint64_t old;
	int ret;

	if (seq == 0)
		return 0;
	if ((ret = store_draws_indexed_txn(t, campaign, &old)) < 0)
		return ret;
	return seq > old ? store_draws_set_indexed_txn(t, campaign, seq) : 0;
}

/* Writes the sorted entries and the watermarks. */
static int
dc_fold_txn(struct store_txn *t, struct dc_entry **v, size_t n)
{
	uint64_t newest = 0;
	int ret = 0;

	for (size_t i = 0; i < n && ret == 0; i++) {
		const struct dc_key *k = &v[i]->key;

		if (i > 0 && strcmp(k->campaign, v[i - 1]->key.campaign) != 0) {
			ret = dc_fold_watermark(t, v[i - 1]->key.campaign,
			    newest);
			newest = 0;
			if (ret < 0)
				break;
		}
		if (k->kind == DRAWCACHE_INDEX) {
			ret = store_draw_index_txn(t, k->campaign, k->subject,
			    v[i]->committed);
			if (v[i]->committed > newest)
				newest = v[i]->committed;
		} else
			ret = store_counter_add_txn(t, k->campaign, k->kind,
			    k->subject, k->period, v[i]->committed);
	}
	if (ret == 0 && n > 0)
		ret = dc_fold_watermark(t, v[n - 1]->key.campaign, newest);
	return ret;
}

/* Writes the committed changes in one transaction and drops them. */
int
drawcache_fold(struct drawcache *dc, struct store *st)
{
	struct dc_entry **v;
	struct store_txn t;
	size_t n = 0;
	int ret;

	/* The writer alone changes entries, and folds between groups: none
	 * is staged, and reading them unlocked here is safe. */
	if (dc->n == 0)
		return 0;
	if ((v = malloc(dc->n * sizeof(*v))) == NULL)
		return -ENOMEM;
	for (size_t b = 0; b < DRAWCACHE_BUCKETS; b++)
		for (struct dc_entry *e = dc->buckets[b]; e != NULL;
		    e = e->next)
			v[n++] = e;
	qsort(v, n, sizeof(*v), dc_cmp);
	if ((ret = store_txn_begin(st, false, &t)) < 0)
		goto out;
	if ((ret = dc_fold_txn(&t, v, n)) == 0)
		ret = store_txn_commit(&t);
	else
		store_txn_abort(&t);
	if (ret == 0) {
		pthread_mutex_lock(&dc->mu);
		dc_clear(dc);
		pthread_mutex_unlock(&dc->mu);
	}
out:
	free(v);
	return ret;
}

/* Committed changes not yet folded. */
size_t
drawcache_pending(struct drawcache *dc)
{
	size_t n;

	pthread_mutex_lock(&dc->mu);
	n = dc->n;
	pthread_mutex_unlock(&dc->mu);
	return n;
}
