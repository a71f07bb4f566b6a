/*
 * draw_fixture.h — what the draw tests share (test_draw.c, test_redeem.c,
 * test_drawcache.c): a fresh store in a fresh temporary directory for each
 * test, requests for numbered codes, draws in their own transactions
 * (through the scan server's cache when the fixture has one), reads of
 * counters and campaign headers, and the risk rules' scenario that the
 * plain and the cached tests both run.
 *
 * The campaigns come from tests/fixtures/campaigns/ (testutil_rewards.h).
 * The helpers fail the test (cmocka) when a call they rely on fails.
 */
#ifndef SCANLOOP_TESTS_DRAW_FIXTURE_H
#define SCANLOOP_TESTS_DRAW_FIXTURE_H

#include <stdint.h>

#include "testutil_rewards.h"
#include "rewards/draw.h"
#include "rewards/tallies.h"
#include "scanner/drawcache.h"
#include "store/store.h"

/* The key that signs every claim token the tests make. */
extern const uint8_t claim_key[32];

/* One test's store and campaign; the teardown frees both. */
struct fixture {
	char dir[TU_PATH_MAX];
	char db[TU_PATH_MAX];
	struct store *st;
	struct campaign *c;
	struct drawcache *cache;	/* draws through it when set */
	struct tallies cache_tl;	/* its tallies */
};

/* A fresh store in a fresh temporary directory (cmocka setup). */
int fixture_setup(void **state);
/* Frees the campaign and the cache, closes and removes the store. */
int fixture_teardown(void **state);
/* Where draws keep their records: the cache when there is one. */
const struct tallies *tallies_of(struct fixture *f);
/* A serial made from a number (distinct for distinct n). */
void serial_of(uint64_t n, uint8_t serial[STORE_SERIAL_BYTES]);
/* A request for code n by visitor v from network net at now, its tallies
 * the store's. */
struct draw_request request(struct campaign *c, uint64_t n, uint8_t v,
    uint8_t net, int64_t now);
/* One draw in its own transaction (and group, with a cache). */
struct draw_result draw(struct fixture *f, struct campaign *c, uint64_t n,
    uint8_t v, uint8_t net, int64_t now);
/* A counter of campaign id, read in its own transaction. */
uint64_t counter(struct fixture *f, const char *id, int kind,
    uint8_t subject0, uint32_t period);
/* The campaign's header as stored. */
struct store_campaign header(struct fixture *f, const char *id);
/* Adds shop id; returns its token. */
void fixture_shop(struct fixture *f, const char *id,
    char token[TOKEN_SHOP_CHARS + 1]);
/* Each risk rule refuses, records why, and leaves the code its draw:
 * installs the campaigns "risk" (as f->c) and "wins", skipping the test
 * without the Asia/Shanghai time zone. */
void refusals(struct fixture *f);

#endif
