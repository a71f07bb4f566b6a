/* test_drawcache.c — the scan server's draw cache as the draws' tallies:
 * the risk rules through it, one group's shared tallies, failed groups,
 * the fold into the store, at once or in slices, and the replay after a
 * crash; and the visitor
 * ids the server gives the draws. */
#include "draw_fixture.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "codegen/base32.h"
#include "common/clock.h"
#include "common/tz.h"
#include "scanner/scan_internal.h"

/* Reads a code's draw seq from the store (0: none): where the server
 * finds it (its summary, else draws_by_code), or draws_by_code only. */
static uint64_t
draw_found(struct fixture *f, const char *id, uint64_t n, bool index_only)
{
	uint8_t serial[STORE_SERIAL_BYTES];
	struct store_draw d;
	struct store_txn t;
	int ret;

	serial_of(n, serial);
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	ret = index_only ?
	    store_draw_indexed_code_txn(&t, id, serial, &d) :
	    store_draw_by_code_txn(&t, id, serial, &d);
	store_txn_abort(&t);
	if (ret == -ENOENT)
		return 0;
	assert_int_equal(ret, 0);
	return d.seq;
}

/* A code's draw as the server finds it (0: none). */
static uint64_t
indexed(struct fixture *f, const char *id, uint64_t n)
{
	return draw_found(f, id, n, false);
}

/* A code's draw in draws_by_code only (0: none). */
static uint64_t
in_index(struct fixture *f, const char *id, uint64_t n)
{
	return draw_found(f, id, n, true);
}

/* Reads a campaign's index watermark. */
static uint64_t
watermark(struct fixture *f, const char *id)
{
	struct store_txn t;
	uint64_t seq;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_draws_indexed_txn(&t, id, &seq), 0);
	store_txn_abort(&t);
	return seq;
}

/* The same rules through the server's cache: the limits see the unfolded
 * counts, and a fold writes the index, counters and watermarks. */
static void
test_refusals_cached(void **state)
{
	struct fixture *f = *state;

	if (!tz_known("Asia/Shanghai"))
		skip();
	assert_int_equal(drawcache_new(&f->cache), 0);
	refusals(f);
	/* Nothing folded yet: the store's index is empty. */
	assert_true(drawcache_pending(f->cache) > 0);
	assert_int_equal(indexed(f, "risk", 1), 0);
	assert_int_equal(drawcache_draw_seq(f->cache, "risk",
	    (const uint8_t[8]){ 0, 0, 0, 0, 0, 0, 0, 1 }, false), 1);
	assert_int_equal(drawcache_fold(f->cache, f->st), 0);
	assert_int_equal(drawcache_pending(f->cache), 0);
	assert_int_equal(indexed(f, "risk", 1), 1);
	assert_int_equal(indexed(f, "risk", 3), 4);
	assert_int_equal(indexed(f, "wins", 2), 3);
	assert_int_equal(watermark(f, "risk"), 9);
	assert_int_equal(watermark(f, "wins"), 3);
	/* Written straight from now on, the folded counts still refuse. */
	drawcache_free(f->cache);
	f->cache = NULL;
	struct draw_result r = draw(f, f->c, 50, 1, 50,
	    f->c->day_starts[1] + 10);
	assert_int_equal(r.status, DRAW_NEW);
	r = draw(f, f->c, 51, 1, 51, f->c->day_starts[1] + 11);
	assert_int_equal(r.status, DRAW_REFUSED);
	assert_int_equal(r.refusal, DRAW_REFUSE_VISITOR_DAY);
}

/* With a cache, one group's draws share one read and one write of the
 * campaign header, stock and summaries: caps hold inside the group, the
 * store sees the counts only at the flush, a failed group leaves them as
 * they were, and the next group reads what others wrote in between. */
static void
test_group_tallies(void **state)
{
	struct fixture *f = *state;
	struct draw_request rq;
	struct draw_result r;
	struct store_txn t;
	struct campaign *c;
	uint8_t subject[16] = { 0 };
	int64_t t0;
	int wins = 0;

	if (!tz_known("Asia/Shanghai"))
		skip();
	c = f->c = tu_campaign_load(f->st, "drawcache-group", 9);
	t0 = c->day_starts[0] + 1000;
	assert_int_equal(drawcache_new(&f->cache), 0);

	/* Five draws in one group: three wins (the daily cap), two misses. */
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	for (uint64_t n = 1; n <= 5; n++) {
		rq = request(c, n, (uint8_t)n, 1, t0 + (int64_t)n);
		rq.tallies = tallies_of(f);
		assert_int_equal(draw_online_txn(&t, &rq, &r), 0);
		assert_int_equal(r.status, DRAW_NEW);
		assert_int_equal(r.draw.seq, n);
		wins += r.draw.outcome == 1;
	}
	assert_int_equal(wins, 3);
	/* Not yet in the transaction: the flush writes them. */
	subject[0] = STORE_SUM_DRAWS;
	uint64_t v = 99;
	assert_int_equal(store_counter_get_txn(&t, "grp", STORE_COUNT_SUMMARY,
	    subject, 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(drawcache_flush_txn(f->cache, &t), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	drawcache_group_end(f->cache, true);
	assert_int_equal(header(f, "grp").draws, 5);
	assert_int_equal(counter(f, "grp", STORE_COUNT_SUMMARY,
	    STORE_SUM_DRAWS, 0), 5);
	assert_int_equal(counter(f, "grp", STORE_COUNT_SUMMARY,
	    STORE_SUM_WINS, 0), 3);
	assert_int_equal(counter(f, "grp", STORE_COUNT_STOCK, 0, 0), 3);
	assert_int_equal(counter(f, "grp", STORE_COUNT_STOCK, 0, 1), 3);

	/* A group that fails changes nothing. */
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	rq = request(c, 6, 6, 1, c->day_starts[1] + 10);
	rq.tallies = tallies_of(f);
	assert_int_equal(draw_online_txn(&t, &rq, &r), 0);
	assert_int_equal(r.draw.seq, 6);
	assert_int_equal(r.draw.outcome, 1);
	store_txn_abort(&t);
	drawcache_group_end(f->cache, false);
	assert_int_equal(header(f, "grp").draws, 5);
	assert_int_equal(counter(f, "grp", STORE_COUNT_STOCK, 0, 0), 3);

	/* Another writer (a shop opening a ticket from the CLI) takes one
	 * unit of stock between groups: the next group sees it. */
	subject[0] = 0;
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_counter_add_txn(&t, "grp", STORE_COUNT_STOCK,
	    subject, 0, 1), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	/* Day 2: one unit left in total, so one win and then misses. */
	wins = 0;
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	for (uint64_t n = 6; n <= 8; n++) {
		rq = request(c, n, (uint8_t)n, 1, c->day_starts[1] +
		    (int64_t)n);
		rq.tallies = tallies_of(f);
		assert_int_equal(draw_online_txn(&t, &rq, &r), 0);
		assert_int_equal(r.draw.seq, n);
		wins += r.draw.outcome == 1;
	}
	assert_int_equal(drawcache_flush_txn(f->cache, &t), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	drawcache_group_end(f->cache, true);
	assert_int_equal(wins, 1);
	assert_int_equal(header(f, "grp").draws, 8);
	assert_int_equal(counter(f, "grp", STORE_COUNT_STOCK, 0, 0), 5);
	assert_int_equal(counter(f, "grp", STORE_COUNT_STOCK, 0, 2), 1);
	assert_int_equal(counter(f, "grp", STORE_COUNT_SUMMARY,
	    STORE_SUM_CLAIMS, 0), 4);
	assert_int_equal(drawcache_fold(f->cache, f->st), 0);
	drawcache_free(f->cache);
	f->cache = NULL;
}

/* A failed group leaves nothing in the cache; a crash's unfolded draws
 * are replayed at start-up into the index and the counters, once. */
static void
test_cache_recovery(void **state)
{
	struct fixture *f = *state;
	struct draw_request rq;
	struct draw_result r;
	struct registry *reg;
	struct store_txn t;
	struct campaign *c;
	int64_t t0;

	if (!tz_known("Asia/Shanghai"))
		skip();
	c = f->c = tu_campaign_load(f->st, "drawcache-recovery", 7);
	t0 = c->day_starts[0] + 1000;
	assert_int_equal(drawcache_new(&f->cache), 0);

	/* A group that does not commit: its draw is forgotten. */
	rq = request(c, 1, 1, 1, t0);
	rq.tallies = tallies_of(f);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(draw_online_txn(&t, &rq, &r), 0);
	assert_int_equal(r.status, DRAW_NEW);
	assert_true(drawcache_draw_seq(f->cache, "rec", rq.serial, true) > 0);
	assert_int_equal(drawcache_draw_seq(f->cache, "rec", rq.serial,
	    false), 0);
	store_txn_abort(&t);
	drawcache_group_end(f->cache, false);
	assert_int_equal(drawcache_pending(f->cache), 0);

	/* Two wins by visitor 1, one folded, one left by a "crash". */
	assert_int_equal(draw(f, c, 1, 1, 1, t0).status, DRAW_NEW);
	assert_int_equal(drawcache_fold(f->cache, f->st), 0);
	assert_int_equal(draw(f, c, 2, 1, 1, t0 + 1).status, DRAW_NEW);
	/* A repeat is the first result, from the cache. */
	r = draw(f, c, 2, 1, 1, t0 + 2);
	assert_int_equal(r.status, DRAW_REPEAT);
	assert_int_equal(r.draw.seq, 2);
	drawcache_free(f->cache);
	f->cache = NULL;
	assert_int_equal(indexed(f, "rec", 2), 0);
	assert_int_equal(watermark(f, "rec"), 1);

	/* Start-up: the registry, the replay, the fold. */
	assert_int_equal(registry_new(&reg), 0);
	assert_int_equal(drawcache_new(&f->cache), 0);
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(registry_sync_txn(reg, &t), 0);
	assert_int_equal(drawcache_recover_txn(&t, reg, f->cache), 1);
	store_txn_abort(&t);
	assert_int_equal(drawcache_fold(f->cache, f->st), 0);
	assert_int_equal(indexed(f, "rec", 2), 2);
	assert_int_equal(watermark(f, "rec"), 2);
	/* Once: a second start-up finds nothing to replay. */
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(drawcache_recover_txn(&t, reg, f->cache), 0);
	store_txn_abort(&t);
	registry_free(reg);
	/* The replayed counts hold: visitor 1 has drawn twice today and won
	 * twice, so a third draw is refused. */
	r = draw(f, c, 3, 1, 1, t0 + 3);
	assert_int_equal(r.status, DRAW_REFUSED);
	assert_int_equal(r.refusal, DRAW_REFUSE_VISITOR_DAY);
	r = draw(f, c, 4, 1, 1, c->day_starts[1] + 3);
	assert_int_equal(r.status, DRAW_REFUSED);
	assert_int_equal(r.refusal, DRAW_REFUSE_VISITOR_WINS);
}

static uint64_t visitor_count(struct fixture *f, int kind, uint8_t v,
    uint32_t period);

/* One draw in its own group, with the scan summaries attached. */
static struct draw_result
draw_kept(struct fixture *f, struct summaries *sm, struct campaign *c,
    uint64_t n, uint8_t v, int64_t now)
{
	struct draw_request rq = request(c, n, v, 1, now);
	struct draw_result res;
	struct store_txn t;

	rq.tallies = tallies_of(f);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(draw_online_txn(&t, &rq, &res), 0);
	assert_int_equal(drawcache_flush_txn(f->cache, &t), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	drawcache_group_end(f->cache, true);
	summaries_group_end(sm, true);
	return res;
}

/* A server's caches over the store: the scan summaries, and the draw
 * cache that keeps the codes' draws in them. */
static struct summaries *
kept_open(struct fixture *f)
{
	struct summaries *sm;

	assert_int_equal(summaries_new(0, &sm), 0);
	assert_int_equal(drawcache_new(&f->cache), 0);
	drawcache_use_summaries(f->cache, sm);
	return sm;
}

/* A crash: the caches are lost. */
static void
kept_crash(struct fixture *f, struct summaries *sm)
{
	drawcache_free(f->cache);
	f->cache = NULL;
	summaries_free(sm);
}

/* Start-up's replay of the draws after the watermarks: n of them. */
static void
kept_replay(struct fixture *f, int n)
{
	struct registry *reg;
	struct store_txn t;

	assert_int_equal(registry_new(&reg), 0);
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(registry_sync_txn(reg, &t), 0);
	assert_int_equal(drawcache_recover_txn(&t, reg, f->cache), n);
	store_txn_abort(&t);
	registry_free(reg);
}

/* With the scan summaries attached (the server), a code's draw is kept
 * in its summary, not in draws_by_code: found there by the cache, a
 * repeat and the store; its counts still fold with the watermark. A
 * crash after the summary's fold but before the counts' replays the draw
 * and counts it once. */
static void
test_kept_in_summary(void **state)
{
	struct fixture *f = *state;
	struct summaries *sm;
	struct draw_result r;
	struct campaign *c;
	int64_t t0;

	if (!tz_known("Asia/Shanghai"))
		skip();
	c = f->c = tu_campaign_load(f->st, "drawcache-recovery", 7);
	t0 = c->day_starts[0] + 1000;
	sm = kept_open(f);

	assert_int_equal(draw_kept(f, sm, c, 1, 1, t0).status, DRAW_NEW);
	/* Its counts and the watermark wait for the summary to be written. */
	assert_int_equal(drawcache_fold(f->cache, f->st), 0);
	assert_int_equal(watermark(f, "rec"), 0);
	assert_int_equal(drawcache_pending(f->cache), 1);
	assert_int_equal(summaries_fold(sm, f->st), 0);
	assert_int_equal(drawcache_fold(f->cache, f->st), 0);
	/* In the summary, not the index; the counts and watermark folded. */
	assert_int_equal(indexed(f, "rec", 1), 1);
	assert_int_equal(in_index(f, "rec", 1), 0);
	assert_int_equal(watermark(f, "rec"), 1);
	assert_int_equal(visitor_count(f, STORE_COUNT_VISITOR_DAY, 1, 1), 1);
	/* A repeat is the first result, through the summary. */
	r = draw_kept(f, sm, c, 1, 1, t0 + 1);
	assert_int_equal(r.status, DRAW_REPEAT);
	assert_int_equal(r.draw.seq, 1);

	/* The second draw's summary is folded, its counts are not: a
	 * "crash". */
	assert_int_equal(draw_kept(f, sm, c, 2, 1, t0 + 2).status, DRAW_NEW);
	assert_int_equal(summaries_fold(sm, f->st), 0);
	assert_int_equal(indexed(f, "rec", 2), 2);
	kept_crash(f, sm);
	assert_int_equal(watermark(f, "rec"), 1);
	assert_int_equal(visitor_count(f, STORE_COUNT_VISITOR_DAY, 1, 1), 1);

	/* Start-up: draw 2 is after the watermark and not in the index, so
	 * it is counted again, once. */
	sm = kept_open(f);
	kept_replay(f, 1);
	assert_int_equal(drawcache_fold(f->cache, f->st), 0);
	assert_int_equal(watermark(f, "rec"), 2);
	assert_int_equal(visitor_count(f, STORE_COUNT_VISITOR_DAY, 1, 1), 2);
	kept_replay(f, 0);
	/* The draw stays one: a repeat, found in the summary or the index. */
	r = draw_kept(f, sm, c, 2, 1, t0 + 3);
	assert_int_equal(r.status, DRAW_REPEAT);
	assert_int_equal(r.draw.seq, 2);
	summaries_free(sm);
}

/* In slices, as the server folds: a draw kept in its code's summary is
 * not folded (counts and watermark) before a summaries plan made after it
 * is written. A crash in between replays it into draws_by_code, and the
 * code does not draw twice. */
static void
test_kept_waits_for_summary(void **state)
{
	struct fixture *f = *state;
	struct summaries *sm;
	struct draw_result r;
	struct campaign *c;
	int64_t t0;

	if (!tz_known("Asia/Shanghai"))
		skip();
	c = f->c = tu_campaign_load(f->st, "drawcache-recovery", 7);
	t0 = c->day_starts[0] + 1000;
	sm = kept_open(f);

	/* Draw 1 before a summaries plan, draw 2 after it. */
	assert_int_equal(draw_kept(f, sm, c, 1, 1, t0).status, DRAW_NEW);
	assert_int_equal(summaries_plan(sm), 0);
	assert_int_equal(draw_kept(f, sm, c, 2, 2, t0 + 1).status, DRAW_NEW);
	drawcache_plan(f->cache);
	assert_int_equal(drawcache_fold_slice(f->cache, f->st, 100), 0);
	assert_int_equal(watermark(f, "rec"), 0);
	/* The plan written: draw 1 may fold, draw 2 waits for the next. */
	assert_int_equal(summaries_fold_slice(sm, f->st, 100), 0);
	drawcache_plan(f->cache);
	assert_int_equal(drawcache_fold_slice(f->cache, f->st, 100), 0);
	assert_int_equal(watermark(f, "rec"), 1);
	assert_int_equal(drawcache_pending(f->cache), 1);
	assert_int_equal(summaries_plan(sm), 0);
	drawcache_plan(f->cache);
	assert_int_equal(drawcache_fold_slice(f->cache, f->st, 100), 0);
	assert_int_equal(watermark(f, "rec"), 1);

	/* A crash before draw 2's summary is written. */
	kept_crash(f, sm);
	assert_int_equal(indexed(f, "rec", 1), 1);
	assert_int_equal(indexed(f, "rec", 2), 0);

	/* Start-up replays draw 2 into the index. */
	sm = kept_open(f);
	kept_replay(f, 1);
	assert_int_equal(drawcache_fold(f->cache, f->st), 0);
	assert_int_equal(watermark(f, "rec"), 2);
	assert_int_equal(in_index(f, "rec", 2), 2);
	assert_int_equal(visitor_count(f, STORE_COUNT_VISITOR_DAY, 2, 1), 1);
	r = draw_kept(f, sm, c, 2, 2, t0 + 2);
	assert_int_equal(r.status, DRAW_REPEAT);
	assert_int_equal(r.draw.seq, 2);
	r = draw_kept(f, sm, c, 1, 1, t0 + 3);
	assert_int_equal(r.status, DRAW_REPEAT);
	assert_int_equal(r.draw.seq, 1);
	summaries_free(sm);
}

/* A risk counter of visitor v (as request() makes it) in the store. */
static uint64_t
visitor_count(struct fixture *f, int kind, uint8_t v, uint32_t period)
{
	uint8_t subject[16] = { v };
	struct store_txn t;
	uint64_t n = 0;

	subject[15] = 1;
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_counter_get_txn(&t, "rec", kind, subject, period,
	    &n), 0);
	store_txn_abort(&t);
	return n;
}

/* Visitors 1 to last have two draws on day and two wins in the store. */
static void
visitors_drew_twice(struct fixture *f, uint8_t last, uint32_t day)
{
	for (uint8_t v = 1; v <= last; v++) {
		assert_int_equal(visitor_count(f, STORE_COUNT_VISITOR_DAY, v,
		    day), 2);
		assert_int_equal(visitor_count(f, STORE_COUNT_VISITOR_WINS, v,
		    0), 2);
	}
}

/* A planned fold written in slices: each slice holds its draws' index
 * entries and counts, the cache keeps the rest; a crash after one slice
 * replays only the draws the index lacks, so no count is lost or made
 * twice. */
static void
test_sliced_fold(void **state)
{
	struct fixture *f = *state;
	uint8_t subject[16] = { 3 };
	struct registry *reg;
	struct store_txn t;
	struct campaign *c;
	uint32_t day1;
	int64_t t0;

	if (!tz_known("Asia/Shanghai"))
		skip();
	c = f->c = tu_campaign_load(f->st, "drawcache-recovery", 7);
	t0 = c->day_starts[0] + 1000;
	day1 = 1;		/* the campaign's first day, as stored */
	subject[15] = 1;
	assert_int_equal(drawcache_new(&f->cache), 0);
	/* Visitors 1, 2 and 3 draw twice each, and win (odds 1). */
	for (uint64_t n = 1; n <= 6; n++)
		assert_int_equal(draw(f, c, n, (uint8_t)((n + 1) / 2), 1,
		    t0 + (int64_t)n).status, DRAW_NEW);
	drawcache_plan(f->cache);
	assert_int_equal(drawcache_fold_slice(f->cache, f->st, 4), 1);
	assert_int_equal(drawcache_pending(f->cache), 2);
	assert_int_equal(indexed(f, "rec", 4), 4);
	assert_int_equal(indexed(f, "rec", 5), 0);
	assert_int_equal(watermark(f, "rec"), 4);
	visitors_drew_twice(f, 2, day1);
	assert_int_equal(visitor_count(f, STORE_COUNT_VISITOR_DAY, 3, day1),
	    0);
	/* The writer's view: the store's counts plus what the cache holds. */
	assert_int_equal(drawcache_counter(f->cache, "rec",
	    STORE_COUNT_VISITOR_DAY, subject, day1), 2);
	subject[0] = 1;
	assert_int_equal(drawcache_counter(f->cache, "rec",
	    STORE_COUNT_VISITOR_DAY, subject, day1), 0);
	assert_int_equal(draw(f, c, 7, 1, 1, t0 + 7).refusal,
	    DRAW_REFUSE_VISITOR_DAY);
	assert_int_equal(draw(f, c, 8, 3, 1, t0 + 8).refusal,
	    DRAW_REFUSE_VISITOR_DAY);

	/* A crash: the rest is replayed, once. */
	drawcache_free(f->cache);
	f->cache = NULL;
	assert_int_equal(registry_new(&reg), 0);
	assert_int_equal(drawcache_new(&f->cache), 0);
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(registry_sync_txn(reg, &t), 0);
	assert_int_equal(drawcache_recover_txn(&t, reg, f->cache), 2);
	store_txn_abort(&t);
	registry_free(reg);
	drawcache_plan(f->cache);
	assert_int_equal(drawcache_fold_slice(f->cache, f->st, 1), 1);
	assert_int_equal(drawcache_fold_slice(f->cache, f->st, 1), 0);
	assert_int_equal(drawcache_pending(f->cache), 0);
	assert_int_equal(watermark(f, "rec"), 6);
	visitors_drew_twice(f, 3, day1);
	assert_int_equal(indexed(f, "rec", 6), 6);
}

/* New visitor ids start with their creation time (ms), so that ids made
 * later sort later; the rest is random; a valid cookie is taken as is. */
static void
test_visitor_ids(void **state)
{
	uint8_t a[SCAN_VISITOR_BYTES], b[SCAN_VISITOR_BYTES],
	    c[SCAN_VISITOR_BYTES];
	char cookie[64], text[40];
	struct http_req req;
	uint64_t ms = 0, before = (uint64_t)clock_now_us() / 1000, after;

	(void)state;
	memset(&req, 0, sizeof(req));
	assert_true(scan_visitor(&req, a));
	assert_true(scan_visitor(&req, b));
	after = (uint64_t)clock_now_us() / 1000;
	for (int i = 0; i < SCAN_VISITOR_TIME_BYTES; i++)
		ms = ms << 8 | a[i];
	assert_true(ms >= before && ms <= after);
	assert_true(memcmp(a, b, SCAN_VISITOR_TIME_BYTES) <= 0);
	assert_memory_not_equal(a + SCAN_VISITOR_TIME_BYTES,
	    b + SCAN_VISITOR_TIME_BYTES,
	    SCAN_VISITOR_BYTES - SCAN_VISITOR_TIME_BYTES);
	/* An id made a few milliseconds later sorts after both. */
	while ((uint64_t)clock_now_us() / 1000 <= after + 2)
		;
	assert_true(scan_visitor(&req, c));
	assert_true(memcmp(a, c, SCAN_VISITOR_BYTES) < 0);
	assert_true(memcmp(b, c, SCAN_VISITOR_BYTES) < 0);
	/* A well-formed cookie names the visitor; a bad one makes a new id. */
	base32_encode(text, a, sizeof(a));
	snprintf(cookie, sizeof(cookie), "x=1; %s=%s", SCAN_VISITOR_COOKIE,
	    text);
	req.head.cookie.p = cookie;
	req.head.cookie.len = strlen(cookie);
	assert_false(scan_visitor(&req, c));
	assert_memory_equal(a, c, SCAN_VISITOR_BYTES);
	snprintf(cookie, sizeof(cookie), "%s=%.20s!", SCAN_VISITOR_COOKIE,
	    text);
	req.head.cookie.len = strlen(cookie);
	assert_true(scan_visitor(&req, c));
	assert_memory_not_equal(a, c, SCAN_VISITOR_BYTES);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refusals_cached,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_cache_recovery,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_group_tallies,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_kept_in_summary,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_kept_waits_for_summary,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_sliced_fold,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test(test_visitor_ids),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
