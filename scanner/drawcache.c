/* drawcache.c — staged, committed and folded draw index and counters. */
#include "scanner/drawcache.h"
#include "scanner/summaries.h"
#include "scanner/wbcache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DRAWCACHE_INDEX 'D'		/* key kind of a code's draw */
#define DRAWCACHE_IN_SUMMARY 'd'	/* a fold's: a draw its summary holds */
#define DRAWCACHE_HEADER 'H'		/* key kind of a campaign header */
#define DRAWCACHE_DRAW_COUNTS 4		/* risk counts of one draw, at most */
#define DRAWCACHE_EXPECT (1u << 17)	/* entries the table is sized for */

/* Compared with memcmp (built zeroed): campaign first, so that a fold
 * writes each campaign's entries together and in key order. */
struct dc_key {
	char campaign[STORE_ID_MAX + 1];
	uint8_t kind;			/* DRAWCACHE_INDEX (or, in a fold,
					 * DRAWCACHE_IN_SUMMARY) or a counter kind */
	uint8_t subject[16];		/* serial, visitor or IP prefix */
	uint32_t period;
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

/* One risk count a draw made: the counter and what it added. */
struct dc_count {
	struct dc_key key;
	uint64_t delta;
};

/* An online draw not yet in the store's index, with the risk counts it
 * made: a fold writes them in one transaction, so that a draw the index
 * holds has its counts in the store too (drawcache_recover_txn). */
struct dc_draw {
	struct dc_key index;		/* kind DRAWCACHE_INDEX, the serial */
	uint64_t seq;
	bool in_summary;		/* the code's summary holds it: no
					 * draws_by_code entry */
	uint64_t ticket;		/* the summaries' when it was added */
	size_t ncounts;
	struct dc_count counts[DRAWCACHE_DRAW_COUNTS];
};

struct drawcache {
	struct wbcache *wb;		/* dc_key → seq or counter delta */
	struct summaries *sm;		/* where a code's draw is kept */
	struct dc_tally *tallies;	/* the writer's alone: no mutex */
	size_t ntallies, tallies_cap;
	/* The writer's alone: draws[head, committed) are committed, in
	 * commit order, and [committed, n) this group's; a planned fold
	 * ends at plan_end. */
	struct dc_draw *draws;
	size_t head, committed, n, cap, plan_end;
	struct dc_count pend[DRAWCACHE_DRAW_COUNTS];	/* this draw's so far */
	size_t npend;
	size_t plan_len;		/* draws in the plan when made */
	size_t group_fold;		/* written in this group's transaction */
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

/* Makes a cache. */
int
drawcache_new(struct drawcache **out)
{
	struct drawcache *dc = calloc(1, sizeof(*dc));
	int ret;

	if (dc == NULL)
		return -ENOMEM;
	/* A few seconds of draws, the counters they make, until folded. */
	if ((ret = wbcache_new(sizeof(struct dc_key), sizeof(uint64_t),
	    DRAWCACHE_EXPECT, &dc->wb)) < 0) {
		free(dc);
		return ret;
	}
	*out = dc;
	return 0;
}

/* Frees the cache. */
void
drawcache_free(struct drawcache *dc)
{
	if (dc == NULL)
		return;
	wbcache_free(dc->wb);
	free(dc->tallies);
	free(dc->draws);
	free(dc);
}

/* Names the summaries that keep the codes' draws. */
void
drawcache_use_summaries(struct drawcache *dc, struct summaries *sm)
{
	dc->sm = sm;
}

/* The summaries that keep the codes' draws (NULL: none). */
struct summaries *
drawcache_summaries(struct drawcache *dc)
{
	return dc->sm;
}

/* A code's draw seq held here. */
uint64_t
drawcache_draw_seq(struct drawcache *dc, const char *campaign,
    const uint8_t serial[STORE_SERIAL_BYTES], bool writer)
{
	struct dc_key k;
	uint64_t seq = 0;

	dc_key_make(&k, campaign, DRAWCACHE_INDEX, serial, STORE_SERIAL_BYTES,
	    0);
	wbcache_get(dc->wb, &k, writer, &seq);
	return seq;
}

/* Makes room for one more draw at the end of the list. */
static int
dc_draws_reserve(struct drawcache *dc)
{
	struct dc_draw *v;
	size_t cap;

	if (dc->n < dc->cap)
		return 0;
	if (dc->head > 0) {
		/* Folded draws leave room at the front. */
		memmove(dc->draws, dc->draws + dc->head,
		    (dc->n - dc->head) * sizeof(*dc->draws));
		dc->committed -= dc->head;
		dc->plan_end -= dc->head;
		dc->n -= dc->head;
		dc->head = 0;
		if (dc->n < dc->cap / 2 + 1)
			return 0;
	}
	cap = dc->cap ? 2 * dc->cap : 256;
	if ((v = realloc(dc->draws, cap * sizeof(*v))) == NULL)
		return -ENOMEM;
	dc->draws = v;
	dc->cap = cap;
	return 0;
}

/* Stages a code's draw, with the risk counts made since the last. */
int
drawcache_add_draw(struct drawcache *dc, const char *campaign,
    const uint8_t serial[STORE_SERIAL_BYTES], uint64_t seq, bool in_summary)
{
	struct dc_draw *d;
	struct dc_key k;
	void *v;
	int ret;

	dc_key_make(&k, campaign, DRAWCACHE_INDEX, serial, STORE_SERIAL_BYTES,
	    0);
	if ((ret = dc_draws_reserve(dc)) < 0 ||
	    (ret = wbcache_stage(dc->wb, &k, NULL, NULL, &v)) < 0)
		return ret;
	if (*(uint64_t *)v != 0)
		return -EIO;		/* a code draws once: a bug */
	*(uint64_t *)v = seq;
	d = &dc->draws[dc->n++];
	d->index = k;
	d->seq = seq;
	d->in_summary = in_summary;
	d->ticket = dc->sm != NULL ? summaries_ticket(dc->sm) : 0;
	d->ncounts = dc->npend;
	memcpy(d->counts, dc->pend, dc->npend * sizeof(dc->pend[0]));
	dc->npend = 0;
	return 0;
}

/* A counter's delta held here. */
uint64_t
drawcache_counter(struct drawcache *dc, const char *campaign, int kind,
    const uint8_t subject[16], uint32_t period)
{
	struct dc_key k;
	uint64_t v = 0;

	dc_key_make(&k, campaign, kind, subject, 16, period);
	wbcache_get(dc->wb, &k, true, &v);
	return v;
}

/* Stages an addition to a counter. */
int
drawcache_count(struct drawcache *dc, const char *campaign, int kind,
    const uint8_t subject[16], uint32_t period, uint64_t delta)
{
	struct dc_key k;
	void *v;
	int ret;

	dc_key_make(&k, campaign, kind, subject, 16, period);
	/* A draw makes its counts just before it is added. (Not -EIO,
	 * which would end the server as a disk error does.) */
	if (dc->npend == DRAWCACHE_DRAW_COUNTS)
		return -ENOTRECOVERABLE;
	if ((ret = wbcache_stage(dc->wb, &k, NULL, NULL, &v)) < 0)
		return ret;
	*(uint64_t *)v += delta;
	dc->pend[dc->npend].key = k;
	dc->pend[dc->npend++].delta = delta;
	return 0;
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

	/* Every risk count belongs to a draw and is folded with it: counts
	 * left by a draw that failed half-way fail the group. */
	if (dc->npend != 0)
		return -ENOTRECOVERABLE;
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

static void dc_fold_forget(struct drawcache *dc, size_t k);

/* Ends a group: keep or drop the staged changes. */
void
drawcache_group_end(struct drawcache *dc, bool committed)
{
	dc->ntallies = 0;
	dc->npend = 0;
	if (committed)
		dc->committed = dc->n;
	else
		dc->n = dc->committed;
	wbcache_group_end(dc->wb, committed);
	/* The draws the group's transaction folded are in the store now,
	 * or, if it failed, left for the next. */
	if (committed && dc->group_fold > 0)
		dc_fold_forget(dc, dc->group_fold);
	dc->group_fold = 0;
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

/* A fold in key order: the campaign of the entries so far and its newest
 * draw. */
struct dc_fold {
	struct store_txn *t;
	char campaign[STORE_ID_MAX + 1];
	uint64_t newest;
};

/* Whether a fold key is a code's draw (unique), not a counter (whose
 * deltas add up). */
static bool
dc_kind_is_draw(int kind)
{
	return kind == DRAWCACHE_INDEX || kind == DRAWCACHE_IN_SUMMARY;
}

/* Writes one entry, and a campaign's watermark once past its entries. */
static int
dc_fold_put(const struct dc_key *k, uint64_t v, struct dc_fold *w)
{
	int ret;

	if (strcmp(k->campaign, w->campaign) != 0) {
		if ((ret = dc_fold_watermark(w->t, w->campaign,
		    w->newest)) < 0)
			return ret;
		memcpy(w->campaign, k->campaign, sizeof(w->campaign));
		w->newest = 0;
	}
	if (!dc_kind_is_draw(k->kind))
		return store_counter_add_txn(w->t, k->campaign, k->kind,
		    k->subject, k->period, v);
	if (v > w->newest)
		w->newest = v;
	if (k->kind == DRAWCACHE_IN_SUMMARY)
		return 0;
	return store_draw_index_txn(w->t, k->campaign, k->subject, v);
}

/* Orders a slice's entries by key. */
static int
dc_count_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct dc_count *)a)->key,
	    &((const struct dc_count *)b)->key, sizeof(struct dc_key));
}

/* Writes draws [head, head + k): their index entries and the sums of
 * their counts in key order, and each campaign's watermark (the draws
 * before them are folded: the list is in commit order). */
static int
dc_fold_draws_txn(struct drawcache *dc, struct store_txn *t, size_t k)
{
	struct dc_fold w = { .t = t };
	struct dc_count *v;
	size_t n = 0, i, j;
	int ret = 0;

	if ((v = malloc(k * (DRAWCACHE_DRAW_COUNTS + 1) * sizeof(*v))) ==
	    NULL)
		return -ENOMEM;
	for (i = dc->head; i < dc->head + k; i++) {
		const struct dc_draw *d = &dc->draws[i];

		v[n].key = d->index;
		if (d->in_summary)
			v[n].key.kind = DRAWCACHE_IN_SUMMARY;
		v[n++].delta = d->seq;
		for (j = 0; j < d->ncounts; j++)
			v[n++] = d->counts[j];
	}
	qsort(v, n, sizeof(*v), dc_count_cmp);
	for (i = 0; i < n && ret == 0; i = j) {
		uint64_t sum = v[i].delta;

		/* Index keys are unique; a counter's deltas add up. */
		for (j = i + 1; j < n && !dc_kind_is_draw(v[i].key.kind) &&
		    dc_count_cmp(&v[i], &v[j]) == 0; j++)
			sum += v[j].delta;
		ret = dc_fold_put(&v[i].key, sum, &w);
	}
	if (ret == 0)
		ret = dc_fold_watermark(t, w.campaign, w.newest);
	free(v);
	return ret;
}

/* Drops a folded index entry from the cache. */
static bool
dc_drop(void *val, void *arg)
{
	(void)val;
	(void)arg;
	return true;
}

/* Takes a folded count off a counter's delta; dropped at zero. */
static bool
dc_subtract(void *val, void *arg)
{
	uint64_t *v = val;

	*v -= *(const uint64_t *)arg;
	return *v == 0;
}

/* Writes up to max draws of the plan in one transaction, then forgets
 * them (the store has them). Returns how many, or a negative errno. */
static int
dc_fold_slice(struct drawcache *dc, struct store *st, size_t max)
{
	size_t k = dc->plan_end - dc->head;
	struct store_txn t;
	int ret;

	if (k > max)
		k = max;
	if (k == 0)
		return 0;
	if ((ret = store_txn_begin(st, false, &t)) < 0)
		return ret;
	if ((ret = dc_fold_draws_txn(dc, &t, k)) == 0)
		ret = store_txn_commit(&t);
	else
		store_txn_abort(&t);
	if (ret < 0)
		return ret;
	dc_fold_forget(dc, k);
	return k > INT32_MAX ? INT32_MAX : (int)k;
}

/* Forgets the next k draws, folded (between groups): the store has
 * their index entries and counts. */
static void
dc_fold_forget(struct drawcache *dc, size_t k)
{
	for (size_t i = dc->head; i < dc->head + k; i++) {
		struct dc_draw *d = &dc->draws[i];

		wbcache_update(dc->wb, &d->index, dc_drop, NULL);
		for (size_t j = 0; j < d->ncounts; j++)
			wbcache_update(dc->wb, &d->counts[j].key, dc_subtract,
			    &d->counts[j].delta);
	}
	dc->head += k;
}

/* Writes the next few draws of the planned fold in a group's transaction
 * (they are forgotten when the group ends committed): at least
 * DRAWCACHE_GROUP_SLICE, more for a long plan, so that it is written in
 * DRAWCACHE_GROUP_SPREAD groups at most. */
int
drawcache_fold_group_txn(struct drawcache *dc, struct store_txn *t)
{
	size_t k = dc->plan_end - dc->head, max;
	int ret;

	dc->group_fold = 0;
	if (k == 0)
		return 0;
	max = dc->plan_len / DRAWCACHE_GROUP_SPREAD + 1;
	if (max < DRAWCACHE_GROUP_SLICE)
		max = DRAWCACHE_GROUP_SLICE;
	if (k > max)
		k = max;
	if ((ret = dc_fold_draws_txn(dc, t, k)) < 0)
		return ret;
	dc->group_fold = k;
	return 0;
}

/* Where a fold of the committed draws must stop: before the first draw
 * kept in a summary that is not yet in the store. Its fold moves the
 * watermark past it, so that a crash would not replay it; the summary
 * rebuilt from the events at start-up would not hold it either, and the
 * code could draw again. */
static size_t
dc_fold_end(struct drawcache *dc)
{
	size_t i;

	if (dc->sm == NULL)
		return dc->committed;
	for (i = dc->head; i < dc->committed; i++)
		if (dc->draws[i].in_summary &&
		    !summaries_written(dc->sm, dc->draws[i].ticket))
			break;
	return i;
}

/* Writes every committed draw whose summary is written in one
 * transaction, and drops it. */
int
drawcache_fold(struct drawcache *dc, struct store *st)
{
	int ret;

	dc->plan_end = dc_fold_end(dc);
	ret = dc_fold_slice(dc, st, dc->plan_end - dc->head);
	return ret < 0 ? ret : 0;
}

/* Plans a fold of the committed draws whose summaries are written, unless
 * one is under way. */
void
drawcache_plan(struct drawcache *dc)
{
	if (dc->head == dc->plan_end) {
		dc->plan_end = dc_fold_end(dc);
		dc->plan_len = dc->plan_end - dc->head;
	}
}

/* Writes the next slice of the planned fold. */
int
drawcache_fold_slice(struct drawcache *dc, struct store *st, size_t max)
{
	int ret = dc_fold_slice(dc, st, max);

	return ret < 0 ? ret : dc->head < dc->plan_end;
}

/* Committed draws not yet folded. */
size_t
drawcache_pending(struct drawcache *dc)
{
	return dc->committed - dc->head;
}
