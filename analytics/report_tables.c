/*
 * report_tables.c — the report's batches, and its two bounded tables:
 * codes scanned more than once in a period, and the address prefixes of
 * forged and malformed scans. Both are open-addressing hash tables of a
 * fixed size; when one fills up, codes or prefixes first seen after that
 * are not counted and the report says the table is incomplete.
 */
#include "analytics/geo.h"
#include "analytics/report_internal.h"
#include "common/fnv.h"
#include "codegen/code.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Collects a batch the report covers. */
static int
report_batch_cb(const struct store_batch *b, void *arg)
{
	struct report *r = arg;
	struct report_batch *nb;

	if (b->state == STORE_BATCH_MINTING ||
	    (r->q.batch != 0 && b->id != r->q.batch) ||
	    (r->campaign != NULL && !campaign_covers(r->campaign, b->id,
	    b->gtin)))
		return 0;
	nb = realloc(r->batches, (r->nbatches + 1) * sizeof(*nb));
	if (nb == NULL)
		return -ENOMEM;
	r->batches = nb;
	memset(&nb[r->nbatches], 0, sizeof(*nb));
	nb[r->nbatches++].b = *b;
	return 0;
}

/* Reads the batches. */
int
report_batches_load(struct report *r)
{
	int ret = store_batch_foreach_txn(&r->t, report_batch_cb, r);

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < r->nbatches; i++) {
		const struct store_batch *b = &r->batches[i].b;
		uint64_t voided = b->state == STORE_BATCH_VOID ? b->count :
		    b->voided;

		for (int k = 0; k < 2; k++)
			if (b->activated != 0 && b->activated < r->p[k].to &&
			    voided < b->count)
				r->batches[i].fig[k].activated_codes =
				    b->count - voided;
	}
	return 0;
}

/* Finds a batch by id (they are in id order). */
struct report_batch *
report_batch_find(struct report *r, uint32_t id)
{
	return analytics_batch_find(r->batches, r->nbatches,
	    sizeof(*r->batches), id);
}

/* Counts a scanned code in its batch for each period it was first
 * scanned before the end of. */
static int
report_summary_cb(const uint8_t serial[STORE_SERIAL_BYTES],
    const struct store_code_scans *s, void *arg)
{
	struct report *r = arg;
	struct report_batch *rb;
	struct store_code c;
	int ret;

	if (s->first_event == 0 || s->first_time >= r->p[0].to)
		return 0;
	ret = store_code_get_txn(&r->t, serial, &c);
	if (ret == -ENOENT)
		return 0;		/* a forged serial */
	if (ret < 0)
		return ret;
	if ((rb = report_batch_find(r, c.batch_id)) == NULL)
		return 0;
	for (int k = 0; k < 2; k++)
		if (s->first_time < r->p[k].to)
			rb->fig[k].codes_scanned++;
	return 0;
}

/* Counts scanned codes per batch. */
int
report_batches_scanned(struct report *r)
{
	if (r->nbatches == 0)
		return 0;
	return analytics_summaries_foreach_txn(&r->t, report_summary_cb, r);
}

/* Counts a repeat of a code in the period. */
void
report_code_count(struct report_period *p, const struct store_event *ev)
{
	uint32_t i = fnv1a32(ev->serial, STORE_SERIAL_BYTES) %
	    REPORT_CODES_MAX;
	struct report_code *c;

	for (;; i = (i + 1) % REPORT_CODES_MAX) {
		c = &p->codes[i];
		if (!c->used)
			break;
		if (memcmp(c->serial, ev->serial, STORE_SERIAL_BYTES) == 0) {
			c->scans++;
			return;
		}
	}
	/* Keep a quarter free: probes stay short. */
	if (p->ncodes >= REPORT_CODES_MAX / 4 * 3) {
		p->codes_full = true;
		return;
	}
	memcpy(c->serial, ev->serial, STORE_SERIAL_BYTES);
	c->batch_id = ev->batch_id;
	c->scans = 2;			/* its first in the period, and this */
	c->used = true;
	p->ncodes++;
}

/* Counts a forged or malformed scan by its address prefix. */
void
report_prefix_count(struct report_period *p, const struct store_event *ev)
{
	struct report_prefix key, *x;
	uint32_t i;

	memset(&key, 0, sizeof(key));
	if (ev->ip_family == 4) {
		key.family = 4;
		memcpy(key.bytes, ev->ip, 3);
	} else if (ev->ip_family == 6) {
		key.family = 6;
		memcpy(key.bytes, ev->ip, 6);
	} else
		return;
	i = fnv1a32(&key.family, 7) % REPORT_PREFIXES_MAX;
	for (;; i = (i + 1) % REPORT_PREFIXES_MAX) {
		x = &p->prefixes[i];
		if (x->family == 0)
			break;
		if (x->family == key.family && memcmp(x->bytes, key.bytes,
		    6) == 0)
			goto count;
	}
	if (p->nprefixes >= REPORT_PREFIXES_MAX / 4 * 3) {
		p->prefixes_full = true;
		return;
	}
	*x = key;
	p->nprefixes++;
count:
	if (ev->verdict == VERDICT_FORGED)
		x->forged++;
	else
		x->malformed++;
}

/* Inserts entry i of weight w into a top list kept most first (ties:
 * the smaller key first, so the order does not depend on the hash). */
static size_t
report_top_add(size_t *top, uint64_t *wt, size_t n, size_t i, uint64_t w,
    int (*cmp)(const void *, size_t, size_t), const void *tab)
{
	size_t at = n;

	while (at > 0 && (wt[at - 1] < w || (wt[at - 1] == w &&
	    cmp(tab, i, top[at - 1]) < 0)))
		at--;
	if (at >= REPORT_TOP)
		return n;
	if (n == REPORT_TOP)
		n--;
	memmove(top + at + 1, top + at, (n - at) * sizeof(*top));
	memmove(wt + at + 1, wt + at, (n - at) * sizeof(*wt));
	top[at] = i;
	wt[at] = w;
	return n + 1;
}

/* Orders codes by serial, as text. */
static int
report_code_cmp(const void *tab, size_t a, size_t b)
{
	const struct report_code *c = tab;
	char x[CODE_SERIAL_CHARS + 1], y[CODE_SERIAL_CHARS + 1];

	code_serial_text(c[a].serial, x);
	code_serial_text(c[b].serial, y);
	return strcmp(x, y);
}

/* Orders prefixes by family and bytes. */
static int
report_prefix_cmp(const void *tab, size_t a, size_t b)
{
	const struct report_prefix *x = tab;

	if (x[a].family != x[b].family)
		return x[a].family < x[b].family ? -1 : 1;
	return memcmp(x[a].bytes, x[b].bytes, 6);
}

/* The most scanned codes. */
size_t
report_codes_top(const struct report_period *p, size_t out[REPORT_TOP])
{
	uint64_t wt[REPORT_TOP];
	size_t n = 0;

	for (size_t i = 0; i < REPORT_CODES_MAX; i++)
		if (p->codes[i].used)
			n = report_top_add(out, wt, n, i, p->codes[i].scans,
			    report_code_cmp, p->codes);
	return n;
}

/* The prefixes that sent most forged and malformed codes. */
size_t
report_prefixes_top(const struct report_period *p, size_t out[REPORT_TOP])
{
	uint64_t wt[REPORT_TOP];
	size_t n = 0;

	for (size_t i = 0; i < REPORT_PREFIXES_MAX; i++)
		if (p->prefixes[i].family != 0)
			n = report_top_add(out, wt, n, i,
			    (uint64_t)p->prefixes[i].forged +
			    p->prefixes[i].malformed, report_prefix_cmp,
			    p->prefixes);
	return n;
}

/* A prefix as text. */
void
report_prefix_text(const struct report_prefix *x, char out[48])
{
	uint8_t a[16];

	memset(a, 0, sizeof(a));
	if (x->family == 4) {
		snprintf(out, 48, "%u.%u.%u.0/24", x->bytes[0], x->bytes[1],
		    x->bytes[2]);
		return;
	}
	memcpy(a, x->bytes, 6);
	if (inet_ntop(AF_INET6, a, out, 48) == NULL)
		out[0] = '\0';
	else
		strcat(out, "/48");
}

struct report_area {
	uint64_t n;
	size_t i;
};

/* Orders areas by scans, most first, then by name, the unknown last. */
static int
report_area_cmp(const void *a, const void *b)
{
	const struct report_area *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	if (x->i == geo_ncountries || y->i == geo_ncountries)
		return x->i == geo_ncountries ? 1 : -1;
	return strcmp(geo_countries[x->i].name, geo_countries[y->i].name);
}

/* The countries of located scans, most first. */
size_t *
report_areas_sorted(const struct report_period *p, size_t *n)
{
	struct report_area *a = malloc((geo_ncountries + 1) * sizeof(*a));
	size_t *idx = malloc((geo_ncountries + 1) * sizeof(*idx));

	*n = 0;
	if (a == NULL || idx == NULL) {
		free(a);
		free(idx);
		return NULL;
	}
	for (size_t i = 0; i <= geo_ncountries; i++)
		if (p->countries[i] > 0)
			a[(*n)++] = (struct report_area){ p->countries[i], i };
	qsort(a, *n, sizeof(*a), report_area_cmp);
	for (size_t j = 0; j < *n; j++)
		idx[j] = a[j].i;
	free(a);
	return idx;
}
