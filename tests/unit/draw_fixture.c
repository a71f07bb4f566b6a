/* draw_fixture.c — what test_draw.c, test_redeem.c and test_drawcache.c
 * share: the fixture, requests, draws, reads, and the risk rules' scenario
 * that the plain and the cached tests both run. */
#include "draw_fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tz.h"

/* The key that signs every claim token the draw tests make. */
const uint8_t claim_key[32] = { 7, 7, 7 };

/* A fresh store in a fresh temporary directory. */
int
fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->st = tu_store_new(f->dir, f->db);
	*state = f;
	return 0;
}

/* Closes and removes it. */
int
fixture_teardown(void **state)
{
	struct fixture *f = *state;

	campaign_unref(f->c, __func__);
	drawcache_free(f->cache);
	tu_store_free(f->st, f->dir);
	free(f);
	return 0;
}

/* Where draws keep their records: the cache when there is one. */
const struct tallies *
tallies_of(struct fixture *f)
{
	if (f->cache == NULL)
		return &tallies_store;
	f->cache_tl = drawcache_tallies(f->cache);
	return &f->cache_tl;
}

/* A serial made from a number (distinct for distinct n). */
void
serial_of(uint64_t n, uint8_t serial[STORE_SERIAL_BYTES])
{
	for (int i = 0; i < 8; i++)
		serial[i] = (uint8_t)(n >> (56 - 8 * i));
}

/* A request for code n by visitor v from network net at now. */
struct draw_request
request(struct campaign *c, uint64_t n, uint8_t v, uint8_t net, int64_t now)
{
	struct draw_request rq;

	memset(&rq, 0, sizeof(rq));
	rq.c = c;
	serial_of(n, rq.serial);
	rq.visitor[0] = v;
	rq.visitor[15] = 1;
	rq.net[0] = 4;
	rq.net[1] = net;
	rq.now = now;
	rq.event_id = n;
	rq.claim_key = claim_key;
	rq.tallies = &tallies_store;
	return rq;
}

/* One draw in its own transaction. */
struct draw_result
draw(struct fixture *f, struct campaign *c, uint64_t n, uint8_t v,
    uint8_t net, int64_t now)
{
	struct draw_request rq = request(c, n, v, net, now);
	struct draw_result res;
	struct store_txn t;

	rq.tallies = tallies_of(f);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(draw_online_txn(&t, &rq, &res), 0);
	if (f->cache != NULL)
		assert_int_equal(drawcache_flush_txn(f->cache, &t), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	if (f->cache != NULL)
		drawcache_group_end(f->cache, true);
	return res;
}

/* A counter of campaign c. */
uint64_t
counter(struct fixture *f, const char *id, int kind, uint8_t subject0,
    uint32_t period)
{
	uint8_t subject[16] = { 0 };
	struct store_txn t;
	uint64_t v = 0;

	subject[0] = subject0;
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_counter_get_txn(&t, id, kind, subject, period,
	    &v), 0);
	store_txn_abort(&t);
	return v;
}

/* The campaign's header as stored. */
struct store_campaign
header(struct fixture *f, const char *id)
{
	struct store_campaign h;
	struct store_txn t;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_campaign_get_txn(&t, id, &h), 0);
	store_txn_abort(&t);
	return h;
}

/* Reads log entry seq. */
static struct store_draw
log_entry(struct fixture *f, const char *id, uint64_t seq)
{
	struct store_draw d;
	struct store_txn t;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_draw_get_txn(&t, id, seq, &d), 0);
	store_txn_abort(&t);
	return d;
}

/* Checks that log entry seq is a refusal of code n for reason. */
static void
assert_refusal(struct fixture *f, const char *id, uint64_t seq, uint64_t n,
    int reason)
{
	struct store_draw d = log_entry(f, id, seq);
	uint8_t serial[8];
	struct store_txn t;
	struct store_draw by;

	serial_of(n, serial);
	assert_int_equal(d.kind, STORE_DRAW_REFUSED);
	assert_int_equal(d.outcome, STORE_OUTCOME_REFUSED);
	assert_int_equal(d.reason, reason);
	assert_true(d.rnd == 0);
	assert_int_equal(d.has_claim, 0);
	assert_memory_equal(d.serial, serial, 8);
	/* The code keeps its draw: it has no online draw recorded. */
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_draw_by_code_txn(&t, id, serial, &by), -ENOENT);
	store_txn_abort(&t);
}

/* Each risk rule refuses, records why, and leaves the code its draw. */
void
refusals(struct fixture *f)
{
	const int64_t hour = 3600LL * 1000000;
	struct campaign *c, *w;
	struct draw_result r;
	int64_t t0;

	if (!tz_known("Asia/Shanghai"))
		skip();
	/* A tier that never wins, so that only the draw limits act. */
	c = f->c = tu_campaign_load(f->st, "draw-limits", 7);
	t0 = c->day_starts[0] + hour;

	/* Visitor 1: two draws, then refused for the rest of the day. */
	r = draw(f, c, 1, 1, 1, t0);
	assert_int_equal(r.status, DRAW_NEW);
	assert_int_equal(r.draw.seq, 1);
	r = draw(f, c, 2, 1, 1, t0 + 1);
	assert_int_equal(r.status, DRAW_NEW);
	r = draw(f, c, 3, 1, 2, c->day_starts[1] - 1);
	assert_int_equal(r.status, DRAW_REFUSED);
	assert_int_equal(r.refusal, DRAW_REFUSE_VISITOR_DAY);
	assert_int_equal(r.draw.seq, 3);
	assert_refusal(f, "risk", 3, 3, DRAW_REFUSE_VISITOR_DAY);
	/* A refusal is no draw: at local midnight, code 3 draws. */
	r = draw(f, c, 3, 1, 3, c->day_starts[1]);
	assert_int_equal(r.status, DRAW_NEW);
	assert_int_equal(r.draw.seq, 4);

	/* Network 9: three draws in an hour, the fourth refused. */
	for (uint64_t k = 0; k < 3; k++) {
		r = draw(f, c, 10 + k, (uint8_t)(20 + k), 9, t0 + 10);
		assert_int_equal(r.status, DRAW_NEW);
	}
	r = draw(f, c, 13, 30, 9, t0 + hour - 1);
	assert_int_equal(r.status, DRAW_REFUSED);
	assert_int_equal(r.refusal, DRAW_REFUSE_IP_HOUR);
	assert_refusal(f, "risk", r.draw.seq, 13, DRAW_REFUSE_IP_HOUR);
	/* The next hour it draws. */
	r = draw(f, c, 13, 30, 9, t0 + hour);
	assert_int_equal(r.status, DRAW_NEW);
	assert_int_equal(counter(f, "risk", STORE_COUNT_SUMMARY,
	    STORE_SUM_REFUSED, 0), 2);
	assert_int_equal(counter(f, "risk", STORE_COUNT_SUMMARY,
	    STORE_SUM_DRAWS, 0), 7);

	/* Wins per visitor: a tier that always wins, one win each. */
	w = tu_campaign_load(f->st, "draw-wins-limit", 7);
	r = draw(f, w, 1, 40, 1, t0);
	assert_int_equal(r.status, DRAW_NEW);
	assert_int_equal(r.draw.outcome, 1);
	r = draw(f, w, 2, 40, 2, t0 + 5 * 86400LL * 1000000);
	assert_int_equal(r.status, DRAW_REFUSED);
	assert_int_equal(r.refusal, DRAW_REFUSE_VISITOR_WINS);
	assert_refusal(f, "wins", 2, 2, DRAW_REFUSE_VISITOR_WINS);
	/* Another visitor may draw code 2. */
	r = draw(f, w, 2, 41, 2, t0 + 5 * 86400LL * 1000000);
	assert_int_equal(r.status, DRAW_NEW);
	assert_int_equal(r.draw.seq, 3);
	campaign_unref(w, __func__);
	assert_true(strlen(draw_refusal_text(DRAW_REFUSE_IP_HOUR, false)) > 0);
	assert_true(strlen(draw_refusal_text(DRAW_REFUSE_VISITOR_DAY, true)) > 0);
}

/* Adds shop id; returns its token. */
void
fixture_shop(struct fixture *f, const char *id, char token[TOKEN_SHOP_CHARS + 1])
{
	struct store_shop s;
	struct store_txn t;

	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "%s", id);
	snprintf(s.name, sizeof(s.name), "Shop %s", id);
	token_shop_new(&s, token);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_shop_add_txn(&t, &s), 0);
	assert_int_equal(store_txn_commit(&t), 0);
}
