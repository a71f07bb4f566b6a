/*
 * test_wbcache.c — the write-back cache (scanner/wbcache.h) on its own.
 *
 * A group stages values that only the writer sees; its end makes them
 * committed and dirty, or drops them with the entries it added. A fold
 * hands the dirty entries to a callback (in key order when asked) and
 * marks nothing clean; wbcache_folded does, and trims. A plan is written
 * in slices. Many keys share
 * hash chains, values keep their type's alignment, and a reader thread
 * never sees a torn value or one from a failed group.
 */
#include "testutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/wbcache.h"

/* Keys of 8 bytes, values of 32: the four words are always equal. */
struct val {
	uint64_t w[4];
};

/* Makes the key of a number (big-endian: memcmp order is number order). */
static void
key_of(uint64_t n, uint8_t k[8])
{
	for (int i = 7; i >= 0; i--, n >>= 8)
		k[i] = (uint8_t)n;
}

/* The number of a key. */
static uint64_t
key_num(const uint8_t k[8])
{
	uint64_t n = 0;

	for (int i = 0; i < 8; i++)
		n = n << 8 | k[i];
	return n;
}

/* Sets every word of a value. */
static void
val_set(struct val *v, uint64_t x)
{
	for (int i = 0; i < 4; i++)
		v->w[i] = x;
}

/* Stages key n and sets its staged value to x. */
static void
stage_set(struct wbcache *wb, uint64_t n, uint64_t x)
{
	uint8_t k[8];
	void *p;

	key_of(n, k);
	assert_int_equal(wbcache_stage(wb, k, NULL, NULL, &p), 0);
	val_set(p, x);
}

/* A cache with keys 1 to count committed, each key's value its number. */
static struct wbcache *
committed_cache(uint64_t count)
{
	struct wbcache *wb;

	assert_int_equal(wbcache_new(8, sizeof(struct val), 0, &wb), 0);
	for (uint64_t n = 1; n <= count; n++)
		stage_set(wb, n, n);
	wbcache_group_end(wb, true);
	return wb;
}

/* Key n's value as the writer (or another thread) sees it; -1: absent. */
static int64_t
get(struct wbcache *wb, uint64_t n, bool writer)
{
	struct val v;
	uint8_t k[8];

	key_of(n, k);
	val_set(&v, 12345);
	if (!wbcache_get(wb, k, writer, &v)) {
		assert_int_equal(v.w[0], 12345);	/* untouched */
		return -1;
	}
	for (int i = 1; i < 4; i++)
		assert_int_equal(v.w[i], v.w[0]);
	return (int64_t)v.w[0];
}

struct load_arg {
	int calls;
	int ret;
};

/* Loads key n as value 1000 + n, or fails with arg->ret. */
static int
load_cb(void *val, const void *key, void *arg)
{
	struct load_arg *a = arg;
	const struct val zero = { { 0 } };

	a->calls++;
	assert_memory_equal(val, &zero, sizeof(zero));	/* zeroed */
	if (a->ret < 0)
		return a->ret;
	val_set(val, 1000 + key_num(key));
	return 0;
}

struct peek {
	struct wbcache *wb;
	uint64_t n;
	int64_t seen;
};

/* Reads a value from another thread. */
static void *
peek_main(void *arg)
{
	struct peek *p = arg;
	struct val v;
	uint8_t k[8];

	key_of(p->n, k);
	p->seen = wbcache_get(p->wb, k, false, &v) ? (int64_t)v.w[0] : -1;
	return NULL;
}

/* Key n's committed value, read by another thread. */
static int64_t
peek(struct wbcache *wb, uint64_t n)
{
	struct peek p = { wb, n, -2 };
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, peek_main, &p), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	return p.seen;
}

/* The writer sees its staged values, other threads the committed ones
 * (a new entry's loaded value) until the group commits. */
static void
test_stage_views(void **state)
{
	struct load_arg la = { 0, 0 };
	struct wbcache *wb;
	uint8_t k[8];
	void *p, *q;

	(void)state;
	assert_int_equal(wbcache_new(8, sizeof(struct val), 0, &wb), 0);
	assert_int_equal(get(wb, 1, true), -1);
	key_of(1, k);
	assert_int_equal(wbcache_stage(wb, k, load_cb, &la, &p), 0);
	assert_int_equal(la.calls, 1);
	assert_int_equal(((struct val *)p)->w[3], 1001);	/* loaded */
	val_set(p, 7);
	/* Staged again in the same group: the same value, no new load. */
	assert_int_equal(wbcache_stage(wb, k, load_cb, &la, &q), 0);
	assert_ptr_equal(p, q);
	assert_int_equal(la.calls, 1);
	assert_int_equal(((struct val *)q)->w[0], 7);
	assert_int_equal(get(wb, 1, true), 7);
	assert_int_equal(get(wb, 1, false), 1001);
	assert_int_equal(peek(wb, 1), 1001);
	assert_int_equal(wbcache_size(wb), 1);
	assert_int_equal(wbcache_dirty(wb), 0);

	wbcache_group_end(wb, true);
	assert_int_equal(get(wb, 1, true), 7);
	assert_int_equal(get(wb, 1, false), 7);
	assert_int_equal(peek(wb, 1), 7);
	assert_int_equal(wbcache_dirty(wb), 1);

	/* A cached entry is not loaded again; its staged value starts at
	 * the committed one. */
	assert_int_equal(wbcache_stage(wb, k, load_cb, &la, &p), 0);
	assert_int_equal(la.calls, 1);
	assert_int_equal(((struct val *)p)->w[2], 7);
	val_set(p, 8);
	assert_int_equal(peek(wb, 1), 7);
	wbcache_group_end(wb, true);
	assert_int_equal(peek(wb, 1), 8);
	assert_int_equal(wbcache_dirty(wb), 1);	/* still one entry */
	assert_int_equal(wbcache_size(wb), 1);
	wbcache_free(wb);
}

/* A failed group drops its changes and the entries it added; a value
 * staged but not changed does not make its entry dirty. */
static void
test_failed_group(void **state)
{
	struct load_arg la = { 0, -EIO };
	struct wbcache *wb;
	uint8_t k[8];
	void *p = NULL;

	(void)state;
	assert_int_equal(wbcache_new(8, sizeof(struct val), 0, &wb), 0);
	stage_set(wb, 1, 10);
	stage_set(wb, 2, 20);
	wbcache_group_end(wb, true);
	assert_int_equal(wbcache_dirty(wb), 2);

	stage_set(wb, 1, 11);
	stage_set(wb, 3, 30);
	assert_int_equal(wbcache_size(wb), 3);
	assert_int_equal(get(wb, 3, true), 30);
	assert_int_equal(get(wb, 3, false), 0);
	wbcache_group_end(wb, false);
	assert_int_equal(get(wb, 1, true), 10);
	assert_int_equal(get(wb, 1, false), 10);
	assert_int_equal(get(wb, 2, false), 20);
	assert_int_equal(get(wb, 3, true), -1);
	assert_int_equal(get(wb, 3, false), -1);
	assert_int_equal(wbcache_size(wb), 2);
	assert_int_equal(wbcache_dirty(wb), 2);

	/* A load that fails adds nothing. */
	key_of(4, k);
	assert_int_equal(wbcache_stage(wb, k, load_cb, &la, &p), -EIO);
	assert_int_equal(la.calls, 1);
	assert_int_equal(get(wb, 4, true), -1);
	assert_int_equal(wbcache_size(wb), 2);
	wbcache_group_end(wb, true);

	/* Fold; then stage 1 without change and 5 unchanged at zero. */
	wbcache_folded(wb, 10);
	assert_int_equal(wbcache_dirty(wb), 0);
	key_of(1, k);
	assert_int_equal(wbcache_stage(wb, k, NULL, NULL, &p), 0);
	stage_set(wb, 5, 0);
	wbcache_group_end(wb, true);
	assert_int_equal(wbcache_dirty(wb), 0);
	assert_int_equal(wbcache_size(wb), 3);	/* 5 is committed, at 0 */
	assert_int_equal(get(wb, 5, false), 0);
	wbcache_free(wb);
}

struct folded {
	uint64_t keys[64];
	uint64_t vals[64];
	int n;
	int fail_at;		/* the call that fails (1-based), 0: none */
};

/* Records one put; fails the fail_at-th with -ENOSPC. */
static int
put_cb(const void *key, const void *val, void *arg)
{
	struct folded *f = arg;
	const struct val *v = val;

	assert_true(f->n < 64);
	f->keys[f->n] = key_num(key);
	f->vals[f->n] = v->w[0];
	f->n++;
	return f->n == f->fail_at ? -ENOSPC : 0;
}

/* A sorted fold hands every dirty entry over in key order, an unsorted
 * one each exactly once; clean entries are not handed over. */
static void
test_fold_order(void **state)
{
	static const uint64_t order[] = { 9, 3, 40, 1, 300, 7, 65536, 2 };
	struct folded f = { .n = 0 };
	struct wbcache *wb;
	int seen[8] = { 0 };

	(void)state;
	assert_int_equal(wbcache_new(8, sizeof(struct val), 0, &wb), 0);
	for (size_t i = 0; i < 8; i++)
		stage_set(wb, order[i], order[i] * 10);
	wbcache_group_end(wb, true);
	assert_int_equal(wbcache_fold(wb, true, put_cb, &f), 0);
	assert_int_equal(f.n, 8);
	for (int i = 0; i < 8; i++) {
		if (i > 0)
			assert_true(f.keys[i - 1] < f.keys[i]);
		assert_int_equal(f.vals[i], f.keys[i] * 10);
	}
	assert_int_equal(f.keys[0], 1);
	assert_int_equal(f.keys[7], 65536);
	/* Nothing marked clean: an unsorted fold sees all of them again. */
	assert_int_equal(wbcache_dirty(wb), 8);
	f.n = 0;
	assert_int_equal(wbcache_fold(wb, false, put_cb, &f), 0);
	assert_int_equal(f.n, 8);
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++)
			if (f.keys[i] == order[j])
				seen[j]++;
	for (int j = 0; j < 8; j++)
		assert_int_equal(seen[j], 1);

	/* After folded, only what changed since is dirty. */
	wbcache_folded(wb, 100);
	assert_int_equal(wbcache_size(wb), 8);
	stage_set(wb, 40, 41);
	stage_set(wb, 5, 50);
	wbcache_group_end(wb, true);
	f.n = 0;
	assert_int_equal(wbcache_fold(wb, true, put_cb, &f), 0);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.keys[0], 5);
	assert_int_equal(f.vals[0], 50);
	assert_int_equal(f.keys[1], 40);
	assert_int_equal(f.vals[1], 41);
	wbcache_free(wb);
}

/* A fold stops at put's first error and marks nothing clean; the next
 * fold writes everything. */
static void
test_fold_error(void **state)
{
	struct folded f = { .n = 0, .fail_at = 3 };
	struct wbcache *wb = committed_cache(6);

	(void)state;
	assert_int_equal(wbcache_fold(wb, true, put_cb, &f), -ENOSPC);
	assert_int_equal(f.n, 3);
	assert_int_equal(wbcache_dirty(wb), 6);
	f.n = 0;
	assert_int_equal(wbcache_fold(wb, false, put_cb, &f), -ENOSPC);
	assert_int_equal(f.n, 3);
	assert_int_equal(wbcache_dirty(wb), 6);
	f.n = 0;
	f.fail_at = 0;
	assert_int_equal(wbcache_fold(wb, true, put_cb, &f), 0);
	assert_int_equal(f.n, 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(f.keys[i], (uint64_t)i + 1);
	wbcache_folded(wb, 0);
	assert_int_equal(wbcache_dirty(wb), 0);
	f.n = 0;
	assert_int_equal(wbcache_fold(wb, true, put_cb, &f), 0);
	assert_int_equal(f.n, 0);
	wbcache_free(wb);
}

/* Folded keeps at most keep_clean entries: all, or none. */
static void
test_folded_trim(void **state)
{
	struct wbcache *wb = committed_cache(10);

	(void)state;
	wbcache_folded(wb, 10);
	assert_int_equal(wbcache_size(wb), 10);
	assert_int_equal(wbcache_dirty(wb), 0);
	assert_int_equal(get(wb, 4, false), 4);	/* a read cache now */

	stage_set(wb, 11, 11);
	stage_set(wb, 4, 44);
	wbcache_group_end(wb, true);
	assert_int_equal(wbcache_size(wb), 11);
	assert_int_equal(wbcache_dirty(wb), 2);
	wbcache_folded(wb, 10);
	assert_int_equal(wbcache_size(wb), 0);
	assert_int_equal(wbcache_dirty(wb), 0);
	assert_int_equal(get(wb, 4, false), -1);
	assert_int_equal(get(wb, 11, false), -1);

	stage_set(wb, 1, 1);
	wbcache_group_end(wb, true);
	wbcache_folded(wb, 0);
	assert_int_equal(wbcache_size(wb), 0);
	wbcache_free(wb);
}

/* Sets a value to 5, or (arg non-NULL) asks for the entry to go. */
static bool
update_cb(void *val, void *arg)
{
	val_set(val, 5);
	return arg != NULL;
}

/* A plan takes the dirty entries in key order and is written a slice at
 * a time: an entry changed while planned is written with its value of
 * the time, one changed after its slice is dirty for the next plan, a
 * failed slice is written again, and the end of a plan trims only clean
 * entries. A fold at once writes the plan's rest too. */
static void
test_plan_slices(void **state)
{
	struct folded f = { .n = 0 };
	struct wbcache *wb = committed_cache(10);
	size_t n;

	(void)state;
	assert_int_equal(wbcache_plan(wb), 0);
	assert_int_equal(wbcache_planned(wb), 10);
	assert_int_equal(wbcache_dirty(wb), 10);
	assert_int_equal(wbcache_plan_slice(wb, 4, put_cb, &f, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(f.n, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(f.keys[i], (uint64_t)i + 1);
	wbcache_plan_done(wb, n, 100);
	assert_int_equal(wbcache_planned(wb), 6);
	assert_int_equal(wbcache_dirty(wb), 6);

	/* 6 is planned, 2 written, 20 new. */
	stage_set(wb, 6, 66);
	stage_set(wb, 2, 22);
	stage_set(wb, 20, 20);
	wbcache_group_end(wb, true);
	assert_int_equal(wbcache_dirty(wb), 8);
	assert_int_equal(wbcache_plan(wb), 0);		/* one under way */
	assert_int_equal(wbcache_planned(wb), 6);

	/* A failed slice marks nothing; the next writes it all. */
	f.n = 0;
	f.fail_at = 3;
	assert_int_equal(wbcache_plan_slice(wb, 100, put_cb, &f, &n),
	    -ENOSPC);
	assert_int_equal(n, 0);
	assert_int_equal(wbcache_planned(wb), 6);
	f.n = 0;
	f.fail_at = 0;
	assert_int_equal(wbcache_plan_slice(wb, 100, put_cb, &f, &n), 0);
	assert_int_equal(n, 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(f.keys[i], (uint64_t)i + 5);
	assert_int_equal(f.vals[1], 66);
	wbcache_plan_done(wb, n, 100);
	assert_int_equal(wbcache_planned(wb), 0);
	assert_int_equal(wbcache_dirty(wb), 2);
	assert_int_equal(wbcache_size(wb), 11);

	/* The next plan: 2 and 20. 7 changes meanwhile; the plan's end
	 * drops the clean entries but not 7. */
	assert_int_equal(wbcache_plan(wb), 0);
	assert_int_equal(wbcache_planned(wb), 2);
	stage_set(wb, 7, 77);
	wbcache_group_end(wb, true);
	f.n = 0;
	assert_int_equal(wbcache_plan_slice(wb, 1, put_cb, &f, &n), 0);
	wbcache_plan_done(wb, n, 0);
	assert_int_equal(wbcache_size(wb), 11);		/* not yet ended */
	assert_int_equal(wbcache_plan_slice(wb, 1, put_cb, &f, &n), 0);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.keys[0], 2);
	assert_int_equal(f.vals[0], 22);
	assert_int_equal(f.keys[1], 20);
	wbcache_plan_done(wb, n, 0);
	assert_int_equal(wbcache_size(wb), 1);
	assert_int_equal(get(wb, 7, false), 77);
	assert_int_equal(get(wb, 1, false), -1);

	/* A fold at once: the plan's rest and the dirty entries. */
	stage_set(wb, 3, 33);
	wbcache_group_end(wb, true);
	assert_int_equal(wbcache_plan(wb), 0);
	stage_set(wb, 9, 99);
	wbcache_group_end(wb, true);
	f.n = 0;
	assert_int_equal(wbcache_plan_slice(wb, 1, put_cb, &f, &n), 0);
	wbcache_plan_done(wb, n, 100);			/* 3 */
	f.n = 0;
	assert_int_equal(wbcache_fold(wb, true, put_cb, &f), 0);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.keys[0], 7);
	assert_int_equal(f.keys[1], 9);
	wbcache_folded(wb, 100);
	assert_int_equal(wbcache_planned(wb), 0);
	assert_int_equal(wbcache_dirty(wb), 0);

	/* An update changes a committed value, or drops the entry. */
	wbcache_update(wb, (const uint8_t[8]){ 0, 0, 0, 0, 0, 0, 0, 9 },
	    update_cb, NULL);
	assert_int_equal(get(wb, 9, false), 5);
	wbcache_update(wb, (const uint8_t[8]){ 0, 0, 0, 0, 0, 0, 0, 9 },
	    update_cb, wb);
	assert_int_equal(get(wb, 9, false), -1);
	assert_int_equal(wbcache_size(wb), 2);
	wbcache_free(wb);
}

#define MANY 200000u		/* more keys than buckets: chains */

/* Counts puts and checks key order and values. */
static int
put_many_cb(const void *key, const void *val, void *arg)
{
	uint64_t *last = arg, n = key_num(key);
	const struct val *v = val;

	if (last[1] > 0 && n <= last[0])
		return -EINVAL;
	if (v->w[0] != n * 3 || v->w[3] != n * 3)
		return -EINVAL;
	last[0] = n;
	last[1]++;
	return 0;
}

/* Many keys: every one found in its chain, a failed group's new entries
 * unlinked from the middle of chains while old ones stay. */
static void
test_many_keys(void **state)
{
	uint64_t last[2] = { 0, 0 };
	struct wbcache *wb;

	(void)state;
	assert_int_equal(wbcache_new(8, sizeof(struct val), 0, &wb), 0);
	/* Even keys committed (not 0: a value of 0 is no change), scattered
	 * over the buckets. */
	for (uint64_t n = 1; n <= MANY; n++)
		stage_set(wb, n * 2 * 7919, n * 2 * 7919 * 3);
	wbcache_group_end(wb, true);
	assert_int_equal(wbcache_size(wb), MANY);
	assert_int_equal(wbcache_dirty(wb), MANY);
	/* Odd keys added and even ones changed in a group that fails. */
	for (uint64_t n = 1; n <= MANY; n++) {
		stage_set(wb, (n * 2 + 1) * 7919, 1);
		if (n % 3 == 0)
			stage_set(wb, n * 2 * 7919, 2);
	}
	assert_int_equal(wbcache_size(wb), 2 * MANY);
	wbcache_group_end(wb, false);
	assert_int_equal(wbcache_size(wb), MANY);
	for (uint64_t n = 1; n <= MANY; n++) {
		assert_int_equal(get(wb, n * 2 * 7919, true),
		    (int64_t)(n * 2 * 7919 * 3));
		assert_int_equal(get(wb, (n * 2 + 1) * 7919, false), -1);
	}
	assert_int_equal(wbcache_fold(wb, true, put_many_cb, last), 0);
	assert_int_equal(last[1], MANY);
	wbcache_folded(wb, MANY);
	assert_int_equal(wbcache_size(wb), MANY);
	wbcache_folded(wb, MANY - 1);
	assert_int_equal(wbcache_size(wb), 0);
	wbcache_free(wb);
}

/* A value with a double, a 64-bit integer and an odd size of key. */
struct wide {
	double d;
	int64_t i;
	long double ld;
};

/* Staged and committed values are aligned as their type whatever the
 * key's length. */
static void
test_alignment(void **state)
{
	struct wbcache *wb;
	struct wide w;
	uint8_t k[13];
	void *p;

	(void)state;
	for (size_t klen = 1; klen <= sizeof(k); klen += 4) {
		assert_int_equal(wbcache_new(klen, sizeof(struct wide), 0, &wb),
		    0);
		for (uint8_t n = 0; n < 20; n++) {
			memset(k, n, sizeof(k));
			assert_int_equal(wbcache_stage(wb, k, NULL, NULL, &p),
			    0);
			assert_int_equal((uintptr_t)p %
			    _Alignof(struct wide), 0);
			((struct wide *)p)->d = n + 0.5;
			((struct wide *)p)->i = -(int64_t)n;
			((struct wide *)p)->ld = n;
		}
		wbcache_group_end(wb, true);
		for (uint8_t n = 0; n < 20; n++) {
			memset(k, n, sizeof(k));
			assert_true(wbcache_get(wb, k, false, &w));
			assert_true(w.d == n + 0.5);
			assert_int_equal(w.i, -(int64_t)n);
			assert_true(w.ld == n);
		}
		wbcache_free(wb);
	}
}

#define RACE_KEYS 8
#define RACE_WORDS 64		/* long values: a torn copy is likelier */
#define RACE_GROUPS 3000	/* at least */
#define RACE_READS 1000000	/* values read at least */

/* A value whose words are always equal. */
struct race_val {
	uint64_t w[RACE_WORDS];
};

struct race {
	struct wbcache *wb;
	atomic_bool stop;
	atomic_ulong torn;		/* values with words that differ */
	atomic_ulong failed;		/* values of a failed group seen */
	atomic_ulong backwards;		/* a value older than one seen */
	atomic_ulong reads;
};

/* Reads every key over and over until told to stop. */
static void *
race_reader(void *arg)
{
	struct race *r = arg;
	uint64_t seen[2 * RACE_KEYS] = { 0 };
	struct race_val v;
	uint8_t k[8];

	while (!atomic_load(&r->stop))
		for (uint64_t n = 0; n < 2 * RACE_KEYS; n++) {
			key_of(n, k);
			if (!wbcache_get(r->wb, k, false, &v))
				continue;
			atomic_fetch_add(&r->reads, 1);
			for (int i = 1; i < RACE_WORDS; i++)
				if (v.w[i] != v.w[0]) {
					atomic_fetch_add(&r->torn, 1);
					break;
				}
			if (v.w[0] % 2 != 0)
				atomic_fetch_add(&r->failed, 1);
			/* 0: added by the running group, nothing committed. */
			if (v.w[0] != 0 && v.w[0] < seen[n])
				atomic_fetch_add(&r->backwards, 1);
			seen[n] = v.w[0];
		}
	return NULL;
}

/* Stages key n with every word of its value set to x. */
static void
race_stage(struct wbcache *wb, uint64_t n, uint64_t x)
{
	struct race_val *v;
	uint8_t k[8];
	void *p;

	key_of(n, k);
	assert_int_equal(wbcache_stage(wb, k, NULL, NULL, &p), 0);
	v = p;
	for (int i = 0; i < RACE_WORDS; i++)
		v->w[i] = x;
}

/* A reader thread sees whole committed values only, never going back,
 * while the writer stages, commits, fails groups and folds. */
static void
test_concurrent_reader(void **state)
{
	struct race r = { .stop = false };
	pthread_t th;
	uint64_t g;

	(void)state;
	assert_int_equal(wbcache_new(8, sizeof(struct race_val), 0, &r.wb), 0);
	assert_int_equal(pthread_create(&th, NULL, race_reader, &r), 0);
	for (g = 1; g <= RACE_GROUPS || atomic_load(&r.reads) < RACE_READS;
	    g++) {
		bool ok = g % 3 != 0;
		/* Committed groups write even values, failed ones odd. */
		uint64_t x = ok ? 2 * g : 2 * g + 1;

		for (uint64_t n = g % 5; n < RACE_KEYS; n += 2)
			race_stage(r.wb, n, x);
		/* Keys above RACE_KEYS come and go. */
		race_stage(r.wb, RACE_KEYS + g % RACE_KEYS, x);
		wbcache_group_end(r.wb, ok);
		if (g % 100 == 0)
			wbcache_folded(r.wb, g % 200 == 0 ? 0 : 1000);
	}
	atomic_store(&r.stop, true);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(atomic_load(&r.reads) >= RACE_READS);
	assert_int_equal(atomic_load(&r.torn), 0);
	assert_int_equal(atomic_load(&r.failed), 0);
	assert_int_equal(atomic_load(&r.backwards), 0);
	wbcache_free(r.wb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stage_views),
		cmocka_unit_test(test_failed_group),
		cmocka_unit_test(test_fold_order),
		cmocka_unit_test(test_fold_error),
		cmocka_unit_test(test_folded_trim),
		cmocka_unit_test(test_plan_slices),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_concurrent_reader),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
