/*
 * mint_agg.c — a mint's aggregation codes: one signed case code (an SSCC
 * under /00/) per case_size items in print order, one pallet code per
 * pallet_size cases, their print files and their packing.
 *
 * Cases and their rows reach the store in chunks of at most
 * STORE_MINT_CHUNK items, while the batch is still minting: they become
 * visible with it (store_agg_get_txn checks the batch), and a mint that
 * dies leaves only invisible records (and unused SSCC numbers).
 */
#include "codegen/mint_internal.h"
#include "codegen/sscc.h"
#include "common/buf.h"
#include "store/dealer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the step carries: parameters, the SSCC numbers, the files. */
struct mint_agg {
	const struct mint_params *p;
	struct job *job;
	uint32_t batch_id;
	int64_t created;
	uint64_t first;			/* number of the first SSCC */
	uint64_t ncases, npallets;
	struct buf csv;			/* a chunk of one file */
	const char **why;
};

/* Items in case k. */
static uint64_t
mint_agg_case_items(const struct mint_agg *g, uint64_t k)
{
	uint64_t left = g->p->count - k * g->p->case_size;

	return left < g->p->case_size ? left : g->p->case_size;
}

/* Cases in pallet j. */
static uint64_t
mint_agg_pallet_cases(const struct mint_agg *g, uint64_t j)
{
	uint64_t left = g->ncases - j * g->p->pallet_size;

	return left < g->p->pallet_size ? left : g->p->pallet_size;
}

/* Makes aggregate number n (0-based over cases, then pallets): its
 * record and its print line "seq,SSCC,URL" in g->csv. */
static int
mint_agg_make(struct mint_agg *g, uint64_t n, uint64_t seq, int level,
    uint64_t items, uint64_t children, struct store_agg *a)
{
	struct sscc_code c;
	char url[CODE_TEXT_MAX], line[CODE_TEXT_MAX + 64];
	int len;

	memset(&c, 0, sizeof(c));
	sscc_make(g->p->company_prefix, g->first + n, c.sscc);
	sscc_sign(g->p->kp, &c);
	if (sscc_format(&c, g->p->base_url, url, sizeof(url)) < 0)
		return -ENOSPC;
	memset(a, 0, sizeof(*a));
	a->sscc = sscc_to_u64(c.sscc);
	a->batch_id = g->batch_id;
	a->level = (uint8_t)level;
	a->key_id = g->p->kp->id;
	a->height = level == STORE_AGG_PALLET ? 1 : 0;
	memcpy(a->gtin, g->p->gtin, sizeof(a->gtin));
	sscc_check_digest(&c, a->check);
	a->items = items;
	a->children = children;
	a->created = g->created;
	len = snprintf(line, sizeof(line), "%llu,%s,%s\r\n",
	    (unsigned long long)seq, c.sscc, url);
	return buf_append(&g->csv, line, (size_t)len) < 0 ? -ENOMEM : 0;
}

/* A packing row parent → child, and its line in g->csv. */
static int
mint_agg_row(struct mint_agg *g, const struct store_agg *parent,
    int kind, const uint8_t id[8], struct store_pack_row *row)
{
	char p[SSCC_LEN + 1], c[SSCC_LEN + 1], line[64];
	int len;

	memset(row, 0, sizeof(*row));
	row->parent.kind = STORE_PACK_AGG;
	sscc_id_from_u64(parent->sscc, row->parent.id);
	row->child.kind = (uint8_t)kind;
	memcpy(row->child.id, id, 8);
	sscc_from_u64(parent->sscc, p);
	if (kind == STORE_PACK_ITEM)
		code_serial_text(id, c);
	else
		sscc_from_u64(sscc_id_to_u64(id), c);
	len = snprintf(line, sizeof(line), "%s,%s\r\n", p, c);
	return buf_append(&g->csv, line, (size_t)len) < 0 ? -ENOMEM : 0;
}

/* Hands g->csv to a job file and empties it. */
static int
mint_agg_flush(struct mint_agg *g, const char *file)
{
	int ret = 0;

	if (g->csv.len > 0 && (ret = job_append(g->job, file, g->csv.data,
	    g->csv.len)) < 0)
		*g->why = "cannot write the case and pallet files";
	buf_reset(&g->csv);
	return ret;
}

/* The cases, in chunks: cases.csv, their rows (packing.csv), the store. */
static int
mint_agg_cases(struct mint_agg *g,
    const uint8_t (*serials)[CODE_SERIAL_BYTES])
{
	const struct mint_params *p = g->p;
	uint64_t per = p->case_size >= STORE_MINT_CHUNK ? 1 :
	    STORE_MINT_CHUNK / p->case_size;
	struct store_agg *a = malloc(per * sizeof(*a));
	struct store_pack_row *rows = malloc(per * p->case_size *
	    sizeof(*rows));
	int ret = 0;

	if (a == NULL || rows == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint64_t k0 = 0; k0 < g->ncases && ret == 0; k0 += per) {
		uint64_t k1 = k0 + per < g->ncases ? k0 + per : g->ncases;
		size_t nrows = 0;

		if (p->cancel && *p->cancel) {
			*g->why = "interrupted";
			ret = -EINTR;
			break;
		}
		for (uint64_t k = k0; k < k1 && ret == 0; k++) {
			uint64_t n = mint_agg_case_items(g, k);

			ret = mint_agg_make(g, k, k + 1, STORE_AGG_CASE, n, n,
			    &a[k - k0]);
		}
		if (ret == 0)
			ret = mint_agg_flush(g, "cases.csv");
		for (uint64_t k = k0; k < k1 && ret == 0; k++)
			for (uint64_t i = 0; i < mint_agg_case_items(g, k) &&
			    ret == 0; i++)
				ret = mint_agg_row(g, &a[k - k0],
				    STORE_PACK_ITEM,
				    serials[k * p->case_size + i],
				    &rows[nrows++]);
		if (ret == 0)
			ret = mint_agg_flush(g, "packing.csv");
		if (ret == 0 && (ret = store_agg_insert(p->st, a, k1 - k0,
		    rows, nrows)) < 0)
			*g->why = "cannot write the case codes to the store";
	}
out:
	free(rows);
	free(a);
	return ret;
}

/* The pallets: pallets.csv, their rows, the store. */
static int
mint_agg_pallets(struct mint_agg *g)
{
	const struct mint_params *p = g->p;
	struct store_pack_row *rows;
	struct store_agg a;
	uint8_t id[8];
	int ret = 0;

	if ((rows = malloc(p->pallet_size * sizeof(*rows))) == NULL)
		return -ENOMEM;
	for (uint64_t j = 0; j < g->npallets && ret == 0; j++) {
		uint64_t k0 = j * p->pallet_size, nc = mint_agg_pallet_cases(g, j);
		uint64_t items = 0;
		char sscc[SSCC_LEN + 1];

		for (uint64_t k = k0; k < k0 + nc; k++)
			items += mint_agg_case_items(g, k);
		if ((ret = mint_agg_make(g, g->ncases + j, j + 1,
		    STORE_AGG_PALLET, items, nc, &a)) < 0 ||
		    (ret = mint_agg_flush(g, "pallets.csv")) < 0)
			break;
		for (uint64_t k = 0; k < nc && ret == 0; k++) {
			sscc_make(p->company_prefix, g->first + k0 + k, sscc);
			sscc_id_from_u64(sscc_to_u64(sscc), id);
			ret = mint_agg_row(g, &a, STORE_PACK_AGG, id, &rows[k]);
		}
		if (ret == 0)
			ret = mint_agg_flush(g, "packing.csv");
		if (ret == 0 && (ret = store_agg_insert(p->st, &a, 1, rows,
		    nc)) < 0)
			*g->why = "cannot write the pallet codes to the store";
	}
	free(rows);
	return ret;
}

/* Runs the aggregation step. */
int
mint_agg_run(const struct mint_params *p, struct job *job,
    const uint8_t (*serials)[CODE_SERIAL_BYTES], uint32_t batch_id,
    struct mint_result *r, const char **why)
{
	static const char header[] = "seq,serial,url\r\n";
	static const char pheader[] = "parent_serial,child_serial\r\n";
	struct mint_agg g;
	int ret;

	memset(&g, 0, sizeof(g));
	g.p = p;
	g.job = job;
	g.batch_id = batch_id;
	g.created = r->created;
	g.why = why;
	g.ncases = (p->count + p->case_size - 1) / p->case_size;
	g.npallets = p->pallet_size == 0 ? 0 :
	    (g.ncases + p->pallet_size - 1) / p->pallet_size;
	if ((ret = store_sscc_reserve(p->st, p->company_prefix,
	    g.ncases + g.npallets, sscc_capacity(p->company_prefix),
	    &g.first)) < 0) {
		*why = ret == -ENOSPC ? "the company prefix has no SSCCs left" :
		    "cannot number the case codes";
		return ret;
	}
	if ((ret = job_append(job, "cases.csv", header,
	    sizeof(header) - 1)) < 0 || (ret = job_append(job,
	    "packing.csv", pheader, sizeof(pheader) - 1)) < 0 ||
	    (g.npallets > 0 && (ret = job_append(job, "pallets.csv",
	    header, sizeof(header) - 1)) < 0)) {
		*why = "cannot write the case and pallet files";
		goto out;
	}
	if ((ret = mint_agg_cases(&g, serials)) < 0 ||
	    (ret = mint_agg_pallets(&g)) < 0)
		goto out;
	r->cases = g.ncases;
	r->pallets = g.npallets;
	sscc_make(p->company_prefix, g.first, r->first_sscc);
out:
	if (ret == -ENOMEM && *why == NULL)
		*why = "not enough memory for the case codes";
	buf_free(&g.csv);
	return ret;
}
