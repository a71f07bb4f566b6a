/*
 * epcis_batch.c — the life of a batch's codes as EPCIS events: its mint
 * (ADD, commissioning), its activation (OBSERVE, activating), a void of
 * the whole batch (DELETE, decommissioning) and every single-code void run
 * (`batch void --serials`: DELETE, decommissioning), each split into
 * events of at most EPCIS_BATCH_CHUNK codes in serial order, so that a
 * re-export writes the same events with the same eventIDs.
 *
 * The codes of a batch are spread over the codes database (serials are
 * random), so each batch costs one walk of that database for its mint,
 * activation and whole-batch void, and one more if it has void runs.
 */
#include "analytics/epcis.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A chunk of serials waiting to become one event per life step. */
struct life_chunk {
	uint8_t (*serials)[STORE_SERIAL_BYTES];
	size_t n;
};

/* What a walk of the codes database collects for one batch. */
struct batch_walk {
	struct epcis_writer *w;
	struct store_txn *t;
	const struct store_batch *b;
	const char *base_url;
	int64_t from, to;
	bool runs;			/* second walk: single-code voids */
	struct life_chunk all;		/* first walk: every code */
	struct life_chunk live;		/* and those not voided singly */
	struct life_chunk *run;		/* second walk: per void run */
	struct store_void_run *run_info;
};

/* True when a life event at time happened inside [from, to). */
static bool
in_window(const struct batch_walk *bw, int64_t time)
{
	return time != 0 && time >= bw->from && time < bw->to;
}

/* Writes one life event over a chunk. */
static int
write_step(struct batch_walk *bw, enum epcis_life step, int64_t time,
    int reason, const struct life_chunk *c)
{
	struct epcis_life_event ev = {
		.step = step, .time = time, .batch_id = bw->b->id,
		.gtin = bw->b->gtin, .base_url = bw->base_url,
		.void_reason = store_void_reason_name(reason),
		.serials = (const uint8_t (*)[STORE_SERIAL_BYTES])c->serials,
		.n = c->n,
	};

	if (c->n == 0 || !in_window(bw, time))
		return 0;
	if (step == EPCIS_LIFE_VOID && ev.void_reason == NULL)
		ev.void_reason = "other";
	return epcis_write_life(bw->w, &ev);
}

/* Writes the mint, activation and whole-batch void of a full chunk. */
static int
flush_all(struct batch_walk *bw)
{
	const struct store_batch *b = bw->b;
	int ret;

	if ((ret = write_step(bw, EPCIS_LIFE_MINT, b->created, 0,
	    &bw->all)) < 0 ||
	    (ret = write_step(bw, EPCIS_LIFE_ACTIVATE, b->activated, 0,
	    &bw->all)) < 0)
		return ret;
	bw->all.n = 0;
	return 0;
}

/* Writes the whole-batch void of a full chunk of codes that were not
 * voided one by one before (those had their own DELETE). */
static int
flush_live(struct batch_walk *bw)
{
	const struct store_batch *b = bw->b;
	int ret = 0;

	if (b->state == STORE_BATCH_VOID)
		ret = write_step(bw, EPCIS_LIFE_VOID, b->voided_at,
		    b->void_reason, &bw->live);
	bw->live.n = 0;
	return ret;
}

/* Writes the DELETE event of one void run's full chunk. */
static int
flush_run(struct batch_walk *bw, uint16_t run)
{
	struct life_chunk *c = &bw->run[run - 1];
	const struct store_void_run *r = &bw->run_info[run - 1];
	int ret;

	ret = write_step(bw, EPCIS_LIFE_VOID, r->time, r->reason, c);
	c->n = 0;
	return ret;
}

/* Collects one code of the batch into its chunk(s). */
static int
walk_cb(const uint8_t serial[STORE_SERIAL_BYTES], const struct store_code *c,
    void *arg)
{
	struct batch_walk *bw = arg;
	struct life_chunk *k;

	if (c->batch_id != bw->b->id)
		return 0;
	if (!bw->runs) {
		int ret = 0;

		k = &bw->all;
		memcpy(k->serials[k->n++], serial, STORE_SERIAL_BYTES);
		if (k->n == EPCIS_BATCH_CHUNK)
			ret = flush_all(bw);
		if (ret < 0 || c->void_reason != STORE_VOID_NONE)
			return ret;
		k = &bw->live;
		memcpy(k->serials[k->n++], serial, STORE_SERIAL_BYTES);
		return k->n == EPCIS_BATCH_CHUNK ? flush_live(bw) : 0;
	}
	if (c->void_reason == STORE_VOID_NONE || c->void_run == 0 ||
	    c->void_run > bw->b->void_runs)
		return 0;
	k = &bw->run[c->void_run - 1];
	if (k->serials == NULL &&
	    (k->serials = malloc(EPCIS_BATCH_CHUNK * STORE_SERIAL_BYTES)) == NULL)
		return -ENOMEM;
	memcpy(k->serials[k->n++], serial, STORE_SERIAL_BYTES);
	return k->n == EPCIS_BATCH_CHUNK ? flush_run(bw, c->void_run) : 0;
}

/* Writes the single-code void runs of a batch that fall in the window. */
static int
write_runs(struct batch_walk *bw)
{
	const struct store_batch *b = bw->b;
	bool any = false;
	int ret = 0;

	bw->run = calloc(b->void_runs, sizeof(*bw->run));
	bw->run_info = calloc(b->void_runs, sizeof(*bw->run_info));
	if (bw->run == NULL || bw->run_info == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint16_t i = 1; i <= b->void_runs && ret == 0; i++) {
		ret = store_void_run_get_txn(bw->t, b->id, i, &bw->run_info[i - 1]);
		if (ret == 0)
			any |= bw->run_info[i - 1].count > 0 &&
			    in_window(bw, bw->run_info[i - 1].time);
	}
	if (ret < 0 || !any)
		goto out;
	bw->runs = true;
	ret = store_code_foreach_txn(bw->t, walk_cb, bw);
	for (uint16_t i = 1; i <= b->void_runs && ret == 0; i++)
		ret = flush_run(bw, i);
out:
	for (uint16_t i = 0; bw->run != NULL && i < b->void_runs; i++)
		free(bw->run[i].serials);
	free(bw->run);
	free(bw->run_info);
	bw->run = NULL;
	bw->run_info = NULL;
	return ret;
}

/* Writes the life events of one batch. */
static int
write_batch(struct epcis_writer *w, struct store_txn *t,
    const struct store_batch *b, int64_t from, int64_t to)
{
	struct batch_walk bw = { .w = w, .t = t, .b = b, .from = from,
	    .to = to };
	struct store_key key;
	int ret;

	if (b->state == STORE_BATCH_MINTING)
		return 0;	/* invisible until it is finished */
	ret = store_key_get_txn(t, b->key_id, &key);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	bw.base_url = ret == 0 ? key.base_url : NULL;
	if (in_window(&bw, b->created) || in_window(&bw, b->activated) ||
	    (b->state == STORE_BATCH_VOID && in_window(&bw, b->voided_at))) {
		bw.all.serials = malloc(EPCIS_BATCH_CHUNK * STORE_SERIAL_BYTES);
		bw.live.serials = malloc(EPCIS_BATCH_CHUNK * STORE_SERIAL_BYTES);
		if (bw.all.serials == NULL || bw.live.serials == NULL)
			ret = -ENOMEM;
		else
			ret = store_code_foreach_txn(t, walk_cb, &bw);
		if (ret == 0 && (ret = flush_all(&bw)) == 0)
			ret = flush_live(&bw);
		free(bw.all.serials);
		free(bw.live.serials);
		if (ret < 0)
			return ret;
	}
	return b->void_runs > 0 ? write_runs(&bw) : 0;
}

/* Arguments of the batch walk. */
struct batches_walk {
	struct epcis_writer *w;
	struct store_txn *t;
	int64_t from, to;
	bool (*want)(const struct store_batch *, void *);
	void *arg;
};

/* store_batch_foreach_txn callback: one batch, if wanted. */
static int
batches_cb(const struct store_batch *b, void *arg)
{
	struct batches_walk *bw = arg;

	if (bw->want != NULL && !bw->want(b, bw->arg))
		return 0;
	return write_batch(bw->w, bw->t, b, bw->from, bw->to);
}

/* Writes the life events of one batch or of all. */
int
epcis_write_batches_txn(struct epcis_writer *w, struct store_txn *t,
    uint32_t batch_id, int64_t from, int64_t to,
    bool (*want)(const struct store_batch *, void *), void *arg)
{
	struct batches_walk bw = { w, t, from, to, want, arg };
	struct store_batch b;
	int ret;

	if (batch_id == 0)
		return store_batch_foreach_txn(t, batches_cb, &bw);
	if ((ret = store_batch_get_txn(t, batch_id, &b)) < 0)
		return ret;
	return batches_cb(&b, &bw);
}
