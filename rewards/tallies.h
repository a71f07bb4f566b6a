/*
 * tallies.h — where a draw takes stock: the records every draw and
 * redemption reads and changes, behind one interface.
 *
 * A draw reads its campaign's header (the draw sequence), checks and takes
 * a tier's stock, counts itself against the risk limits, adds to the
 * campaign's summary counters, and appends itself to the draw log, indexed
 * by code. Two back ends keep those records:
 *
 *   tallies_store  — straight in the store, inside the caller's write
 *                    transaction (the command line, the tests);
 *   the scan server's draw cache (scanner/drawcache.h) — the header, stock
 *                    and summaries once per group commit, the draw index
 *                    and risk counters written back once a second.
 *
 * rewards/draw.c and rewards/redeem.c see only this interface. Every
 * function returns 0 or a negative errno from the store; -ENOENT where a
 * record is absent.
 */
#ifndef SCANLOOP_TALLIES_H
#define SCANLOOP_TALLIES_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

struct tallies;

struct tallies_ops {
	/* A campaign's header as this transaction sees it. */
	int (*header_get)(const struct tallies *tl, struct store_txn *t,
	    const char *campaign, struct store_campaign *hdr);
	/* Replaces a header read with header_get. */
	int (*header_put)(const struct tallies *tl, struct store_txn *t,
	    const struct store_campaign *hdr);
	/* A counter (stock, summary or risk: STORE_COUNT_*). */
	int (*count_get)(const struct tallies *tl, struct store_txn *t,
	    const char *campaign, int kind, const uint8_t subject[16],
	    uint32_t period, uint64_t *n);
	/* Adds delta to a counter. */
	int (*count_add)(const struct tallies *tl, struct store_txn *t,
	    const char *campaign, int kind, const uint8_t subject[16],
	    uint32_t period, uint64_t delta);
	/* A code's online draw (the draw index), or -ENOENT. */
	int (*draw_find)(const struct tallies *tl, struct store_txn *t,
	    const char *campaign, const uint8_t serial[STORE_SERIAL_BYTES],
	    struct store_draw *d);
	/* Appends a draw to the log; an online draw is also indexed. */
	int (*draw_add)(const struct tallies *tl, struct store_txn *t,
	    const char *campaign, const struct store_draw *d);
};

/*
 * Stock leased from a shared ledger (serve --pg, docs/scale-out.md): a
 * tier awards only what its node holds (STORE_COUNT_LEASE). When a draw
 * finds none held, exhausted says whether the ledger had none left to
 * lease (the tier is out of stock: a miss) or not (a lease is being
 * fetched: the draw is to be tried again shortly). Called in the
 * writer's transaction: it must not block.
 */
struct tallies_lease {
	bool (*exhausted)(void *arg, const char *campaign, int tier,
	    uint32_t period);
	void *arg;
};

struct tallies {
	const struct tallies_ops *ops;
	const struct tallies_lease *lease;	/* NULL: no ledger */
	void *be;			/* the back end's own state */
	bool writer;			/* a writer's view (may write), not a
					 * reader's */
};

/* The store itself, in the caller's transaction. */
extern const struct tallies tallies_store;

/* Reads a campaign header. */
static inline int
tallies_header_get(const struct tallies *tl, struct store_txn *t,
    const char *campaign, struct store_campaign *hdr)
{
	return tl->ops->header_get(tl, t, campaign, hdr);
}

/* Writes a campaign header back. */
static inline int
tallies_header_put(const struct tallies *tl, struct store_txn *t,
    const struct store_campaign *hdr)
{
	return tl->ops->header_put(tl, t, hdr);
}

/* Reads a counter. */
static inline int
tallies_count_get(const struct tallies *tl, struct store_txn *t,
    const char *campaign, int kind, const uint8_t subject[16],
    uint32_t period, uint64_t *n)
{
	return tl->ops->count_get(tl, t, campaign, kind, subject, period,
	    n);
}

/* Adds to a counter. */
static inline int
tallies_count_add(const struct tallies *tl, struct store_txn *t,
    const char *campaign, int kind, const uint8_t subject[16],
    uint32_t period, uint64_t delta)
{
	return tl->ops->count_add(tl, t, campaign, kind, subject, period,
	    delta);
}

/* Adds to one of a campaign's summary counters (STORE_SUM_*). */
static inline int
tallies_sum_add(const struct tallies *tl, struct store_txn *t,
    const char *campaign, uint8_t which, uint64_t delta)
{
	uint8_t subject[16] = { which };

	return tallies_count_add(tl, t, campaign, STORE_COUNT_SUMMARY, subject,
	    0, delta);
}

/* Finds a code's online draw. */
static inline int
tallies_draw_find(const struct tallies *tl, struct store_txn *t,
    const char *campaign, const uint8_t serial[STORE_SERIAL_BYTES],
    struct store_draw *d)
{
	return tl->ops->draw_find(tl, t, campaign, serial, d);
}

/* Appends (and indexes) a draw. */
static inline int
tallies_draw_add(const struct tallies *tl, struct store_txn *t,
    const char *campaign, const struct store_draw *d)
{
	return tl->ops->draw_add(tl, t, campaign, d);
}

#endif
