/*
 * export_tables.c — the codes and batches exports: one row per minted
 * code (its state and scan summary) and one per batch (its counts).
 *
 * Code summaries in the store lag the events by up to a second while a
 * server runs; the exports add the unfolded tail (summaries.c).
 */
#include "analytics/analytics_internal.h"
#include "codegen/code.h"
#include "store/verdict.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

const char *const analytics_code_fields[] = {
	"serial", "gtin", "batch_id", "state", "human_scans", "scans",
	"first_scan_time", "first_scan_lat", "first_scan_lon", "void_reason",
	"first_scan_event_id", "last_event_id",
};
const size_t analytics_code_nfields = sizeof(analytics_code_fields) /
    sizeof(analytics_code_fields[0]);

const char *const analytics_batch_fields[] = {
	"batch_id", "gtin", "line", "key_id", "state", "minted", "activated",
	"codes", "codes_void", "codes_scanned", "scan_rate", "human_scans",
	"forged_scans", "void_reason", "voided",
};
const size_t analytics_batch_nfields = sizeof(analytics_batch_fields) /
    sizeof(analytics_batch_fields[0]);

/* A code's summary, stored and unfolded (zero when never scanned). */
static int
tables_summary_txn(struct store_txn *t, const struct analytics_tail *tl,
    size_t *pos,
    const uint8_t serial[STORE_SERIAL_BYTES], struct store_code_scans *s)
{
	int ret = store_code_scans_get_txn(t, serial, s);

	if (ret == -ENOENT)
		memset(s, 0, sizeof(*s));
	else if (ret < 0)
		return ret;
	analytics_tail_apply(tl, pos, serial, s);
	return 0;
}

/* The state of a code: its batch's, or void. */
static const char *
tables_code_state(const struct store_batch *b, const struct store_code *c)
{
	if (b->state == STORE_BATCH_VOID || c->void_reason != STORE_VOID_NONE)
		return "void";
	return store_batch_state_name(b->state);
}

struct codes_walk {
	struct analytics_export *x;
	struct analytics_tail tail;
	size_t pos;
};

/* Writes one code. */
static int
codes_row_cb(const uint8_t serial[STORE_SERIAL_BYTES],
    const struct store_code *c, void *arg)
{
	struct codes_walk *w = arg;
	struct analytics_export *x = w->x;
	struct output *o = &x->out;
	const struct store_batch *b;
	struct store_code_scans s;
	char text[CODE_SERIAL_CHARS + 1], gtin[STORE_GTIN_LEN + 1];
	int ret;

	if (x->q.batch != 0 && c->batch_id != x->q.batch)
		return 0;
	ret = record_batch_txn(x->dec, c->batch_id, &b);
	if (ret == -ENOENT)
		return 0;		/* its batch is still minting */
	if (ret < 0)
		return ret;
	if (x->campaign != NULL && !campaign_covers(x->campaign, b->id,
	    b->gtin))
		return 0;
	if ((ret = tables_summary_txn(&x->t, &w->tail, &w->pos, serial,
	    &s)) < 0)
		return ret;
	if (x->q.scanned && s.total == 0)
		return 0;
	code_serial_text(serial, text);
	memcpy(gtin, b->gtin, STORE_GTIN_LEN);
	gtin[STORE_GTIN_LEN] = '\0';
	output_str(o, text);
	output_str(o, gtin);
	output_u64(o, b->id);
	output_str(o, tables_code_state(b, c));
	output_u64(o, s.human);
	output_u64(o, s.total);
	analytics_opt_time(o, s.first_event != 0 ? s.first_time : 0);
	if (s.first_event != 0 && s.first_has_location) {
		output_double(o, s.first_lat, false);
		output_double(o, s.first_lon, false);
	} else {
		output_null(o);
		output_null(o);
	}
	output_str(o, store_void_reason_name(c->void_reason));
	if (s.first_event != 0)
		output_u64(o, s.first_event);
	else
		output_null(o);
	if (s.last_event != 0)
		output_u64(o, s.last_event);
	else
		output_null(o);
	output_row_end(o);
	return o->err;
}

/* The codes export. */
int
analytics_codes_write(struct analytics_export *x)
{
	struct codes_walk w;
	int ret;

	memset(&w, 0, sizeof(w));
	w.x = x;
	if ((ret = analytics_tail_load_txn(&x->t, &w.tail)) == 0)
		ret = store_code_foreach_txn(&x->t, codes_row_cb, &w);
	free(w.tail.ev);
	return ret;
}

/* What a batch row counts. */
struct batch_count {
	struct store_batch b;
	uint64_t scanned;		/* codes with a human scan */
	uint64_t human;			/* human scans */
	uint64_t forged;		/* forged scans naming its serials */
};

struct batches_walk {
	struct analytics_export *x;
	struct batch_count *list;	/* in id order */
	size_t n, cap;
};

/* Finds a batch's counts by id. */
static struct batch_count *
batches_find(struct batches_walk *w, uint32_t id)
{
	return analytics_batch_find(w->list, w->n, sizeof(*w->list), id);
}

/* Finds, in n elements of size bytes that start with a struct
 * store_batch and are in id order, the one of batch id, or NULL. */
void *
analytics_batch_find(void *list, size_t n, size_t size, uint32_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct store_batch *b = (const struct store_batch *)
		    ((char *)list + mid * size);

		if (b->id == id)
			return (char *)list + mid * size;
		if (b->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Collects the batches to count. */
static int
batches_list_cb(const struct store_batch *b, void *arg)
{
	struct batches_walk *w = arg;
	struct analytics_export *x = w->x;

	if (b->state == STORE_BATCH_MINTING ||
	    (x->q.batch != 0 && b->id != x->q.batch) ||
	    (x->campaign != NULL && !campaign_covers(x->campaign, b->id,
	    b->gtin)))
		return 0;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct batch_count *nl = realloc(w->list, cap * sizeof(*nl));

		if (nl == NULL)
			return -ENOMEM;
		w->list = nl;
		w->cap = cap;
	}
	memset(&w->list[w->n], 0, sizeof(w->list[0]));
	w->list[w->n++].b = *b;
	return 0;
}

/* Adds a code's summary to its batch. */
static int
batches_code_add(struct batches_walk *w,
    const uint8_t serial[STORE_SERIAL_BYTES], const struct store_code_scans *s)
{
	struct batch_count *bc;
	struct store_code c;
	int ret;

	if (s->human == 0)
		return 0;
	ret = store_code_get_txn(&w->x->t, serial, &c);
	if (ret == -ENOENT)
		return 0;		/* a forged serial */
	if (ret < 0)
		return ret;
	if ((bc = batches_find(w, c.batch_id)) != NULL) {
		bc->scanned++;
		bc->human += s->human;
	}
	return 0;
}

/* Counts a code's current summary. */
static int
batches_summary_cb(const uint8_t serial[STORE_SERIAL_BYTES],
    const struct store_code_scans *s, void *arg)
{
	return batches_code_add(arg, serial, s);
}

/* Counts forged scans by batch. */
static int
batches_event_cb(const struct store_event *ev, void *arg)
{
	struct batches_walk *w = arg;
	struct batch_count *bc;

	if (ev->verdict == VERDICT_FORGED && ev->batch_id != 0 &&
	    (bc = batches_find(w, ev->batch_id)) != NULL)
		bc->forged++;
	return 0;
}

/* Writes one batch. */
static void
batches_row(struct output *o, const struct batch_count *bc)
{
	const struct store_batch *b = &bc->b;
	char gtin[STORE_GTIN_LEN + 1], line[STORE_LINE_MAX + 1];
	uint64_t voided = b->state == STORE_BATCH_VOID ? b->count : b->voided;
	uint64_t active = b->activated != 0 && voided < b->count ?
	    b->count - voided : 0;

	memcpy(gtin, b->gtin, STORE_GTIN_LEN);
	gtin[STORE_GTIN_LEN] = '\0';
	memcpy(line, b->line, STORE_LINE_MAX);
	line[STORE_LINE_MAX] = '\0';
	output_u64(o, b->id);
	output_str(o, gtin);
	analytics_opt_str(o, line);
	output_u64(o, b->key_id);
	output_str(o, store_batch_state_name(b->state));
	analytics_opt_time(o, b->created);
	analytics_opt_time(o, b->activated);
	output_u64(o, b->count);
	output_u64(o, voided);
	output_u64(o, bc->scanned);
	if (active != 0)
		output_double(o, (double)bc->scanned / (double)active, false);
	else
		output_null(o);
	output_u64(o, bc->human);
	output_u64(o, bc->forged);
	output_str(o, b->state == STORE_BATCH_VOID ?
	    store_void_reason_name(b->void_reason) : NULL);
	analytics_opt_time(o, b->state == STORE_BATCH_VOID ? b->voided_at : 0);
	output_row_end(o);
}

/* The batches export. */
int
analytics_batches_write(struct analytics_export *x)
{
	struct batches_walk w;
	int ret;

	memset(&w, 0, sizeof(w));
	w.x = x;
	if ((ret = store_batch_foreach_txn(&x->t, batches_list_cb, &w)) < 0 ||
	    (ret = analytics_summaries_foreach_txn(&x->t, batches_summary_cb,
	    &w)) < 0 ||
	    (ret = store_event_foreach_after_txn(&x->t, 0, batches_event_cb,
	    &w)) < 0)
		goto out;
	for (size_t i = 0; i < w.n && x->out.err == 0; i++)
		batches_row(&x->out, &w.list[i]);
	ret = x->out.err;
out:
	free(w.list);
	return ret;
}
