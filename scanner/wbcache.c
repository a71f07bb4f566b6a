/* wbcache.c — staged, committed and folded entries of a write-back cache. */
#include "scanner/wbcache.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WBCACHE_MIN_BUCKETS (1u << 10)
#define WBCACHE_SWEEP 16384	/* entries a sweep looks at per call */

/* data holds the key, then (aligned) the committed and staged values. */
struct wbcache_entry {
	struct wbcache_entry *next;		/* hash chain */
	struct wbcache_entry *staged_next;	/* this group's */
	struct wbcache_entry *dirty_next;	/* not yet folded */
	struct wbcache_entry **dirty_pprev;	/* what points at it */
	uint32_t hash;
	uint16_t key_len;			/* for wbcache_cmp */
	bool staged : 1;
	bool dirty : 1;
	bool added : 1;				/* by this group */
	bool planned : 1;			/* in the plan, not yet written */
	max_align_t data[];
};

struct wbcache {
	pthread_mutex_t mu;
	size_t key_len, val_len;
	size_t val_off;			/* key_len, aligned for the value */
	struct wbcache_entry *staged;	/* this group's (the writer's) */
	struct wbcache_entry *dirty;	/* changed, not planned */
	size_t n, ndirty;
	struct wbcache_entry **plan;	/* the writer's: sorted by key */
	size_t plan_len, plan_next;	/* plan[plan_next..] not written */
	bool sweeping;			/* dropping clean entries */
	size_t sweep_next;		/* the bucket the sweep goes on at */
	size_t sweep_keep;		/* stops once no more are cached */
	size_t nbuckets;		/* a power of two */
	struct wbcache_entry **buckets;
};

/* An entry's committed value. */
static inline void *
wbcache_committed(const struct wbcache *wb, struct wbcache_entry *e)
{
	return (unsigned char *)e->data + wb->val_off;
}

/* An entry's staged value. */
static inline void *
wbcache_staged(const struct wbcache *wb, struct wbcache_entry *e)
{
	return (unsigned char *)e->data + wb->val_off + wb->val_len;
}

/* Mixes the key 8 bytes at a time (a multiply and a shift each, as in
 * the finalisers of MurmurHash3 and splitmix64), folded to 32 bits. Byte
 * at a time (FNV-1a) took a multiply per byte of a draw cache's 56-byte
 * keys, several times per draw. */
static inline uint32_t
wbcache_hash(const struct wbcache *wb, const void *key)
{
	const unsigned char *p = key;
	uint64_t h = wb->key_len * 0x9e3779b97f4a7c15ULL, w;
	size_t i = 0;

	for (; i + 8 <= wb->key_len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	if (i < wb->key_len) {
		w = 0;
		memcpy(&w, p + i, wb->key_len - i);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
	}
	h ^= h >> 29;
	h *= 0x94d049bb133111ebULL;
	return (uint32_t)(h ^ h >> 32);
}

/* Makes a cache. */
int
wbcache_new(size_t key_len, size_t val_len, size_t expect,
    struct wbcache **out)
{
	struct wbcache *wb;
	size_t align = val_len & -val_len, nb = WBCACHE_MIN_BUCKETS;

	assert(key_len > 0 && key_len <= UINT16_MAX && val_len > 0);
	/* A bucket per expected entry: chains stay short without a rehash,
	 * which would hold the writer for as long as it takes to touch
	 * every entry. */
	while (nb < expect && nb < ((size_t)1 << 24))
		nb <<= 1;
	if ((wb = calloc(1, sizeof(*wb))) == NULL)
		return -ENOMEM;
	if ((wb->buckets = calloc(nb, sizeof(*wb->buckets))) == NULL) {
		free(wb);
		return -ENOMEM;
	}
	wb->nbuckets = nb;
	/* A type's size is a multiple of its alignment: the lowest set bit
	 * of val_len is alignment enough. */
	if (align > _Alignof(max_align_t))
		align = _Alignof(max_align_t);
	pthread_mutex_init(&wb->mu, NULL);
	wb->key_len = key_len;
	wb->val_len = val_len;
	wb->val_off = (key_len + align - 1) & ~(align - 1);
	*out = wb;
	return 0;
}

/* Frees every entry and the plan (mutex held or single-threaded). */
static void
wbcache_clear(struct wbcache *wb)
{
	for (size_t b = 0; b < wb->nbuckets; b++)
		while (wb->buckets[b] != NULL) {
			struct wbcache_entry *e = wb->buckets[b];

			wb->buckets[b] = e->next;
			free(e);
		}
	free(wb->plan);
	wb->plan = NULL;
	wb->plan_len = wb->plan_next = 0;
	wb->staged = wb->dirty = NULL;
	wb->n = wb->ndirty = 0;
}

/* Frees the cache. */
void
wbcache_free(struct wbcache *wb)
{
	if (wb == NULL)
		return;
	wbcache_clear(wb);
	pthread_mutex_destroy(&wb->mu);
	free(wb->buckets);
	free(wb);
}

/* Finds an entry (mutex held). */
static struct wbcache_entry *
wbcache_find(struct wbcache *wb, const void *key, uint32_t h)
{
	struct wbcache_entry *e = wb->buckets[h & (wb->nbuckets - 1)];

	while (e != NULL && (e->hash != h ||
	    memcmp(e->data, key, wb->key_len) != 0))
		e = e->next;
	return e;
}

/* A committed value, or the writer's staged one. */
bool
wbcache_get(struct wbcache *wb, const void *key, bool writer, void *val_out)
{
	uint32_t h = wbcache_hash(wb, key);
	struct wbcache_entry *e;

	pthread_mutex_lock(&wb->mu);
	if ((e = wbcache_find(wb, key, h)) != NULL)
		memcpy(val_out, writer && e->staged ? wbcache_staged(wb, e) :
		    wbcache_committed(wb, e), wb->val_len);
	pthread_mutex_unlock(&wb->mu);
	return e != NULL;
}

/* Allocates an entry, added by this group (not yet in the table). */
static struct wbcache_entry *
wbcache_entry_new(struct wbcache *wb, const void *key, uint32_t h)
{
	struct wbcache_entry *e;

	e = calloc(1, sizeof(*e) + wb->val_off + 2 * wb->val_len);
	if (e == NULL)
		return NULL;
	memcpy(e->data, key, wb->key_len);
	e->hash = h;
	e->key_len = (uint16_t)wb->key_len;
	e->added = true;
	return e;
}

/* Puts an entry into the table (mutex held). */
static void
wbcache_link(struct wbcache *wb, struct wbcache_entry *e)
{
	struct wbcache_entry **b;

	b = &wb->buckets[e->hash & (wb->nbuckets - 1)];
	e->next = *b;
	*b = e;
	wb->n++;
}

/* Puts an entry on the dirty list (mutex held). */
static void
wbcache_dirty_push(struct wbcache *wb, struct wbcache_entry *e)
{
	e->dirty = true;
	e->dirty_next = wb->dirty;
	e->dirty_pprev = &wb->dirty;
	if (wb->dirty != NULL)
		wb->dirty->dirty_pprev = &e->dirty_next;
	wb->dirty = e;
	wb->ndirty++;
}

/* Takes an entry off the dirty list, if on it (mutex held). */
static void
wbcache_dirty_unlink(struct wbcache *wb, struct wbcache_entry *e)
{
	if (!e->dirty)
		return;
	*e->dirty_pprev = e->dirty_next;
	if (e->dirty_next != NULL)
		e->dirty_next->dirty_pprev = e->dirty_pprev;
	e->dirty_next = NULL;
	e->dirty_pprev = NULL;
	e->dirty = false;
	wb->ndirty--;
}

/* Stages an entry for this group (mutex held). */
static void
wbcache_stage_entry(struct wbcache *wb, struct wbcache_entry *e)
{
	if (e->staged)
		return;
	memcpy(wbcache_staged(wb, e), wbcache_committed(wb, e), wb->val_len);
	e->staged = true;
	e->staged_next = wb->staged;
	wb->staged = e;
}

/* Finds or adds an entry, staged for this group. */
int
wbcache_stage(struct wbcache *wb, const void *key, wbcache_load_fn load,
    void *arg, void **staged)
{
	uint32_t h = wbcache_hash(wb, key);
	struct wbcache_entry *e;
	int ret;

	pthread_mutex_lock(&wb->mu);
	if ((e = wbcache_find(wb, key, h)) == NULL && load == NULL &&
	    (e = wbcache_entry_new(wb, key, h)) != NULL)
		wbcache_link(wb, e);
	if (e != NULL)
		wbcache_stage_entry(wb, e);
	pthread_mutex_unlock(&wb->mu);
	if (e == NULL && load == NULL)
		return -ENOMEM;
	if (e == NULL) {
		/* The writer alone adds entries: none can appear meanwhile,
		 * and readers need not wait for the store. */
		if ((e = wbcache_entry_new(wb, key, h)) == NULL)
			return -ENOMEM;
		if ((ret = load(wbcache_committed(wb, e), key, arg)) < 0) {
			free(e);
			return ret;
		}
		pthread_mutex_lock(&wb->mu);
		wbcache_link(wb, e);
		wbcache_stage_entry(wb, e);
		pthread_mutex_unlock(&wb->mu);
	}
	*staged = wbcache_staged(wb, e);
	return 0;
}

/* Takes an entry out of the table and frees it (mutex held). */
static void
wbcache_remove(struct wbcache *wb, struct wbcache_entry *gone)
{
	struct wbcache_entry **pp;

	pp = &wb->buckets[gone->hash & (wb->nbuckets - 1)];
	while (*pp != gone) {
		assert(*pp != NULL);
		pp = &(*pp)->next;
	}
	*pp = gone->next;
	assert(!gone->planned && !gone->staged);
	wbcache_dirty_unlink(wb, gone);
	free(gone);
	wb->n--;
}

/* Ends a group: keep or drop the staged values. */
void
wbcache_group_end(struct wbcache *wb, bool committed)
{
	pthread_mutex_lock(&wb->mu);
	while (wb->staged != NULL) {
		struct wbcache_entry *e = wb->staged;
		void *val = wbcache_committed(wb, e);

		wb->staged = e->staged_next;
		e->staged_next = NULL;
		e->staged = false;
		if (!committed) {
			assert(!e->added || (!e->dirty && !e->planned));
			if (e->added)
				wbcache_remove(wb, e);
			continue;
		}
		e->added = false;
		if (memcmp(wbcache_staged(wb, e), val, wb->val_len) == 0)
			continue;
		memcpy(val, wbcache_staged(wb, e), wb->val_len);
		/* A planned entry is written with its value of the time. */
		if (!e->dirty && !e->planned)
			wbcache_dirty_push(wb, e);
	}
	pthread_mutex_unlock(&wb->mu);
}

/* Orders entries by key. */
static int
wbcache_cmp(const void *a, const void *b)
{
	const struct wbcache_entry *x = *(struct wbcache_entry *const *)a;
	const struct wbcache_entry *y = *(struct wbcache_entry *const *)b;

	return memcmp(x->data, y->data, x->key_len);
}

/* An entry and the first 8 bytes of its key, big-endian: what the plan's
 * sort orders by. */
struct wbcache_sortkey {
	uint64_t k;
	struct wbcache_entry *e;
};

/* Sorts entries by key (memcmp): a radix sort of their first 8 bytes,
 * then qsort within each run of equal ones (longer keys). qsort alone
 * took ~10 ms for a second's 40,000 summaries, a pause of the writer. */
static int
wbcache_sort(struct wbcache *wb, struct wbcache_entry **v, size_t n)
{
	struct wbcache_sortkey *a, *b, *t;
	size_t kl = wb->key_len < 8 ? wb->key_len : 8;

	if (n < 64) {
		qsort(v, n, sizeof(*v), wbcache_cmp);
		return 0;
	}
	if ((a = malloc(2 * n * sizeof(*a))) == NULL)
		return -ENOMEM;
	b = a + n;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *key = (const unsigned char *)v[i]->data;
		uint64_t k = 0;

		for (size_t j = 0; j < 8; j++)
			k = k << 8 | (j < kl ? key[j] : 0);
		a[i].k = k;
		a[i].e = v[i];
	}
	for (unsigned shift = 0; shift < 64; shift += 8) {
		size_t count[256] = { 0 }, pos = 0;

		for (size_t i = 0; i < n; i++)
			count[a[i].k >> shift & 0xff]++;
		if (count[a[0].k >> shift & 0xff] == n)
			continue;	/* every key has this byte */
		for (unsigned c = 0; c < 256; c++) {
			size_t m = count[c];

			count[c] = pos;
			pos += m;
		}
		for (size_t i = 0; i < n; i++)
			b[count[a[i].k >> shift & 0xff]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = a[i].e;
	if (wb->key_len > 8)
		for (size_t i = 0, j; i < n; i = j) {
			for (j = i + 1; j < n && a[j].k == a[i].k; j++)
				;
			if (j - i > 1)
				qsort(v + i, j - i, sizeof(*v), wbcache_cmp);
		}
	free(a < b ? a : b);
	return 0;
}

/* Collects the entries not yet written (plan and dirty list) into a new
 * array, sorted if asked; *out NULL when there are none. */
static int
wbcache_unwritten(struct wbcache *wb, bool sorted, struct wbcache_entry ***out,
    size_t *len)
{
	size_t n = wb->plan_len - wb->plan_next + wb->ndirty, i = 0;
	struct wbcache_entry **v, *e;
	int ret;

	*out = NULL;
	*len = 0;
	if (n == 0)
		return 0;
	if ((v = malloc(n * sizeof(*v))) == NULL)
		return -ENOMEM;
	for (size_t j = wb->plan_next; j < wb->plan_len; j++)
		v[i++] = wb->plan[j];
	for (e = wb->dirty; e != NULL; e = e->dirty_next)
		v[i++] = e;
	assert(i == n);
	if (sorted && (ret = wbcache_sort(wb, v, n)) < 0) {
		free(v);
		return ret;
	}
	*out = v;
	*len = n;
	return 0;
}

/* Hands every entry not yet written to put, in key order if sorted. */
int
wbcache_fold(struct wbcache *wb, bool sorted, wbcache_put_fn put, void *arg)
{
	struct wbcache_entry **v;
	size_t n;
	int ret;

	/* Between groups nothing is staged, and the writer alone changes
	 * entries: reading them unlocked here is safe. */
	assert(wb->staged == NULL);
	if ((ret = wbcache_unwritten(wb, sorted, &v, &n)) < 0)
		return ret;
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = put(v[i]->data, wbcache_committed(wb, v[i]), arg);
	free(v);
	return ret;
}

/* Drops entries neither dirty nor planned (mutex held, between groups):
 * the store holds them. Goes on from where the last call stopped, looking
 * at up to max entries (SIZE_MAX: to the end of the table); the sweep
 * ends at the table's end or once at most sweep_keep entries are left.
 * Bounded, so that a sweep of a large cache does not hold the writer
 * (freeing 2^18 entries at once took ~50 ms). */
static void
wbcache_sweep(struct wbcache *wb, size_t max)
{
	size_t seen = 0, b = wb->sweep_next;

	for (; b < wb->nbuckets && seen < max; b++) {
		struct wbcache_entry **pp = &wb->buckets[b], *e;

		while ((e = *pp) != NULL) {
			seen++;
			if (e->dirty || e->planned) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			free(e);
			wb->n--;
		}
	}
	wb->sweep_next = b;
	if (b == wb->nbuckets || wb->n <= wb->sweep_keep)
		wb->sweeping = false;
}

/* Starts dropping the clean entries if more than keep_clean are cached,
 * and does the first part (mutex held, between groups). */
static void
wbcache_sweep_start(struct wbcache *wb, size_t keep_clean, size_t max)
{
	if (wb->n <= keep_clean || wb->sweeping)
		return;
	wb->sweeping = true;
	wb->sweep_next = 0;
	/* Clean entries are dropped down to half the bound, so that the
	 * next sweep is not due at once. */
	wb->sweep_keep = keep_clean / 2;
	wbcache_sweep(wb, max);
}

/* Ends the plan once every entry of it is written (mutex held). */
static void
wbcache_plan_end(struct wbcache *wb, size_t keep_clean, size_t max)
{
	if (wb->plan_next < wb->plan_len)
		return;
	free(wb->plan);
	wb->plan = NULL;
	wb->plan_len = wb->plan_next = 0;
	wbcache_sweep_start(wb, keep_clean, max);
}

/* Marks everything clean after a fold, and drops it if too much. */
void
wbcache_folded(struct wbcache *wb, size_t keep_clean)
{
	assert(wb->staged == NULL);
	pthread_mutex_lock(&wb->mu);
	while (wb->dirty != NULL)
		wbcache_dirty_unlink(wb, wb->dirty);
	for (size_t i = wb->plan_next; i < wb->plan_len; i++)
		wb->plan[i]->planned = false;
	wb->plan_next = wb->plan_len;
	wb->sweeping = false;
	wbcache_plan_end(wb, keep_clean, SIZE_MAX);
	pthread_mutex_unlock(&wb->mu);
}

/* Starts a plan of the dirty entries, unless one is under way. */
int
wbcache_plan(struct wbcache *wb)
{
	struct wbcache_entry **v;
	size_t n;
	int ret;

	assert(wb->staged == NULL);
	if (wb->plan_next < wb->plan_len || wb->ndirty == 0)
		return 0;
	/* No plan: what is unwritten is the dirty list. */
	if ((ret = wbcache_unwritten(wb, true, &v, &n)) < 0)
		return ret;
	pthread_mutex_lock(&wb->mu);
	for (size_t i = 0; i < n; i++) {
		wbcache_dirty_unlink(wb, v[i]);
		v[i]->planned = true;
	}
	free(wb->plan);
	wb->plan = v;
	wb->plan_len = n;
	wb->plan_next = 0;
	pthread_mutex_unlock(&wb->mu);
	return 0;
}

/* Hands the next entries of the plan to put, each with its committed
 * value or, if staged, with the writer's. */
static int
wbcache_slice(struct wbcache *wb, size_t max, bool staged, wbcache_put_fn put,
    void *arg, size_t *n)
{
	size_t end = wb->plan_len - wb->plan_next > max ? wb->plan_next + max :
	    wb->plan_len;
	int ret = 0;

	*n = 0;
	for (size_t i = wb->plan_next; i < end && ret == 0; i++) {
		struct wbcache_entry *e = wb->plan[i];

		ret = put(e->data, staged && e->staged ? wbcache_staged(wb, e) :
		    wbcache_committed(wb, e), arg);
	}
	if (ret == 0)
		*n = end - wb->plan_next;
	return ret;
}

/* Hands the next entries of the plan to put. */
int
wbcache_plan_slice(struct wbcache *wb, size_t max, wbcache_put_fn put,
    void *arg, size_t *n)
{
	assert(wb->staged == NULL);
	return wbcache_slice(wb, max, false, put, arg, n);
}

/* Hands the next entries of the plan to put in a group, with the
 * writer's values. */
int
wbcache_plan_slice_staged(struct wbcache *wb, size_t max, wbcache_put_fn put,
    void *arg, size_t *n)
{
	/* The writer alone changes the plan and staged values. */
	return wbcache_slice(wb, max, true, put, arg, n);
}

/* Marks a written slice of the plan clean. */
void
wbcache_plan_done(struct wbcache *wb, size_t n, size_t keep_clean)
{
	assert(wb->staged == NULL && n <= wb->plan_len - wb->plan_next);
	pthread_mutex_lock(&wb->mu);
	for (size_t i = 0; i < n; i++)
		wb->plan[wb->plan_next + i]->planned = false;
	wb->plan_next += n;
	if (wb->sweeping)
		wbcache_sweep(wb, WBCACHE_SWEEP);
	wbcache_plan_end(wb, keep_clean, WBCACHE_SWEEP);
	pthread_mutex_unlock(&wb->mu);
}

/* Entries of the plan not yet written. */
size_t
wbcache_planned(struct wbcache *wb)
{
	size_t n;

	pthread_mutex_lock(&wb->mu);
	n = wb->plan_len - wb->plan_next;
	pthread_mutex_unlock(&wb->mu);
	return n;
}

/* Changes a committed value between groups, or drops its entry. */
void
wbcache_update(struct wbcache *wb, const void *key,
    bool (*fn)(void *val, void *arg), void *arg)
{
	uint32_t h = wbcache_hash(wb, key);
	struct wbcache_entry *e;

	assert(wb->staged == NULL);
	pthread_mutex_lock(&wb->mu);
	if ((e = wbcache_find(wb, key, h)) != NULL &&
	    fn(wbcache_committed(wb, e), arg))
		wbcache_remove(wb, e);
	pthread_mutex_unlock(&wb->mu);
}

/* Reads a count under the mutex. */
static size_t
wbcache_count(struct wbcache *wb, const size_t *count)
{
	size_t n;

	pthread_mutex_lock(&wb->mu);
	n = *count;
	pthread_mutex_unlock(&wb->mu);
	return n;
}

/* Entries not yet written: dirty or planned. */
size_t
wbcache_dirty(struct wbcache *wb)
{
	size_t n;

	pthread_mutex_lock(&wb->mu);
	n = wb->ndirty + wb->plan_len - wb->plan_next;
	pthread_mutex_unlock(&wb->mu);
	return n;
}

/* Cached entries. */
size_t
wbcache_size(struct wbcache *wb)
{
	return wbcache_count(wb, &wb->n);
}
