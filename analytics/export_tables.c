/*
 * export_tables.c — the codes and batches exports: one row per minted
 * code (its state and scan summary) and one per batch (its counts).
 *
 * Code summaries in the store lag the events by up to a second while a
 * server runs (it folds them into code_scans once a second; see
 * store/store.h). An export adds the unfolded tail itself: it reads the
 * events after the fold watermark once, sorted by serial, and applies
 * them to the summaries it writes, as store_code_scans_current_txn does
 * for one code. Its memory is that tail (a second or so of scans), not
 * the export.
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

/* What a summary needs of an unfolded event. */
struct tail_event {
	uint8_t serial[STORE_SERIAL_BYTES];
	uint64_t id;
	int64_t time;
	uint8_t flags;
	double lat, lon;
	float accuracy;
};

struct tail {
	struct tail_event *ev;
	size_t n, cap;
};

/* Orders tail events by serial, then id. */
static int
tail_cmp(const void *a, const void *b)
{
	const struct tail_event *x = a, *y = b;
	int c = memcmp(x->serial, y->serial, STORE_SERIAL_BYTES);

	if (c != 0)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Collects one unfolded event that names a serial. */
static int
tail_add_cb(const struct store_event *ev, void *arg)
{
	static const uint8_t zero[STORE_SERIAL_BYTES];
	struct tail *t = arg;
	struct tail_event *e;

	if (memcmp(ev->serial, zero, sizeof(zero)) == 0)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct tail_event *ne = realloc(t->ev, cap * sizeof(*ne));

		if (ne == NULL)
			return -ENOMEM;
		t->ev = ne;
		t->cap = cap;
	}
	e = &t->ev[t->n++];
	memcpy(e->serial, ev->serial, STORE_SERIAL_BYTES);
	e->id = ev->id;
	e->time = ev->time;
	e->flags = ev->flags;
	e->lat = ev->lat;
	e->lon = ev->lon;
	e->accuracy = ev->accuracy;
	return 0;
}

/* Reads the events after the fold watermark, sorted by serial. */
static int
tail_load_txn(struct store_txn *t, struct tail *tl)
{
	uint64_t folded;
	int ret;

	memset(tl, 0, sizeof(*tl));
	if ((ret = store_scans_folded_txn(t, &folded)) < 0 ||
	    (ret = store_event_foreach_after_txn(t, folded, tail_add_cb,
	    tl)) < 0)
		return ret;
	if (tl->n > 1)
		qsort(tl->ev, tl->n, sizeof(*tl->ev), tail_cmp);
	return 0;
}

/* Applies a serial's unfolded events to its summary s. *pos walks the
 * sorted tail along with serials given in ascending order. */
static void
tail_apply(const struct tail *tl, size_t *pos,
    const uint8_t serial[STORE_SERIAL_BYTES], struct store_code_scans *s)
{
	struct store_event ev;
	size_t i = *pos;

	while (i < tl->n && memcmp(tl->ev[i].serial, serial,
	    STORE_SERIAL_BYTES) < 0)
		i++;
	for (; i < tl->n && memcmp(tl->ev[i].serial, serial,
	    STORE_SERIAL_BYTES) == 0; i++) {
		const struct tail_event *e = &tl->ev[i];

		memset(&ev, 0, offsetof(struct store_event, ua));
		ev.id = e->id;
		ev.time = e->time;
		ev.flags = e->flags;
		ev.lat = e->lat;
		ev.lon = e->lon;
		ev.accuracy = e->accuracy;
		store_code_scans_apply(s, &ev);
	}
	*pos = i;
}

/* A code's summary, stored and unfolded (zero when never scanned). */
static int
tables_summary_txn(struct store_txn *t, const struct tail *tl, size_t *pos,
    const uint8_t serial[STORE_SERIAL_BYTES], struct store_code_scans *s)
{
	int ret = store_code_scans_get_txn(t, serial, s);

	if (ret == -ENOENT)
		memset(s, 0, sizeof(*s));
	else if (ret < 0)
		return ret;
	tail_apply(tl, pos, serial, s);
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
	struct tail tail;
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
	if ((ret = tail_load_txn(&x->t, &w.tail)) == 0)
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
	struct tail tail;
	size_t pos;
};

/* Finds a batch's counts by id. */
static struct batch_count *
batches_find(struct batches_walk *w, uint32_t id)
{
	size_t lo = 0, hi = w->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->list[mid].b.id == id)
			return &w->list[mid];
		if (w->list[mid].b.id < id)
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

/* Counts a stored summary, with its unfolded tail. */
static int
batches_summary_cb(const uint8_t serial[STORE_SERIAL_BYTES],
    const struct store_code_scans *stored, void *arg)
{
	struct batches_walk *w = arg;
	struct store_code_scans s = *stored;

	tail_apply(&w->tail, &w->pos, serial, &s);
	return batches_code_add(w, serial, &s);
}

/* Counts the codes that only the tail has scanned (no stored summary). */
static int
batches_tail_only(struct batches_walk *w)
{
	struct store_code_scans s;
	size_t pos = 0;
	int ret;

	while (pos < w->tail.n) {
		const uint8_t *serial = w->tail.ev[pos].serial;

		ret = store_code_scans_get_txn(&w->x->t, serial, &s);
		if (ret == 0) {
			tail_apply(&w->tail, &pos, serial, &s);
			continue;	/* counted with the stored ones */
		}
		if (ret != -ENOENT)
			return ret;
		memset(&s, 0, sizeof(s));
		tail_apply(&w->tail, &pos, serial, &s);
		if ((ret = batches_code_add(w, serial, &s)) < 0)
			return ret;
	}
	return 0;
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
	    (ret = tail_load_txn(&x->t, &w.tail)) < 0 ||
	    (ret = store_code_scans_foreach_txn(&x->t, batches_summary_cb,
	    &w)) < 0 ||
	    (ret = batches_tail_only(&w)) < 0 ||
	    (ret = store_event_foreach_after_txn(&x->t, 0, batches_event_cb,
	    &w)) < 0)
		goto out;
	for (size_t i = 0; i < w.n && x->out.err == 0; i++)
		batches_row(&x->out, &w.list[i]);
	ret = x->out.err;
out:
	free(w.list);
	free(w.tail.ev);
	return ret;
}
