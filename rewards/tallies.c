/* tallies.c — the draw's records kept straight in the store. */
#include "rewards/tallies.h"

/* Reads a header from the store. */
static int
tallies_store_header_get(const struct tallies *tl, struct store_txn *t,
    const char *campaign, struct store_campaign *hdr)
{
	(void)tl;
	return store_campaign_get_txn(t, campaign, hdr);
}

/* Writes a header to the store (a draw does not move the generation). */
static int
tallies_store_header_put(const struct tallies *tl, struct store_txn *t,
    const struct store_campaign *hdr)
{
	(void)tl;
	return store_campaign_put_txn(t, hdr, false);
}

/* Reads a counter from the store. */
static int
tallies_store_count_get(const struct tallies *tl, struct store_txn *t,
    const char *campaign, int kind, const uint8_t subject[16],
    uint32_t period, uint64_t *n)
{
	(void)tl;
	return store_counter_get_txn(t, campaign, kind, subject, period, n);
}

/* Adds to a counter in the store. */
static int
tallies_store_count_add(const struct tallies *tl, struct store_txn *t,
    const char *campaign, int kind, const uint8_t subject[16],
    uint32_t period, uint64_t delta)
{
	(void)tl;
	return store_counter_add_txn(t, campaign, kind, subject, period, delta);
}

/* Looks a code up in the store's draw index. */
static int
tallies_store_draw_find(const struct tallies *tl, struct store_txn *t,
    const char *campaign, const uint8_t serial[STORE_SERIAL_BYTES],
    struct store_draw *d)
{
	(void)tl;
	return store_draw_by_code_txn(t, campaign, serial, d);
}

/* Appends a draw and indexes it in the same transaction. */
static int
tallies_store_draw_add(const struct tallies *tl, struct store_txn *t,
    const char *campaign, const struct store_draw *d)
{
	(void)tl;
	return store_draw_add_txn(t, campaign, d);
}

static const struct tallies_ops tallies_store_ops = {
	.header_get = tallies_store_header_get,
	.header_put = tallies_store_header_put,
	.count_get = tallies_store_count_get,
	.count_add = tallies_store_count_add,
	.draw_find = tallies_store_draw_find,
	.draw_add = tallies_store_draw_add,
};

const struct tallies tallies_store = { .ops = &tallies_store_ops,
    .writer = true };
