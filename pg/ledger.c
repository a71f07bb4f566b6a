/* ledger.c — the stock ledger: leases taken and settled, and its rows. */
#include "pg/pg_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* A key's parameters as text: campaign, tier, period. */
struct pg_key_text {
	char tier[16], period[16];
};

/* Fills p[0..2] with k's parameters. */
static void
pg_key_params(const struct pg_key *k, struct pg_key_text *kt,
    const char *p[3])
{
	snprintf(kt->tier, sizeof(kt->tier), "%d", k->tier);
	snprintf(kt->period, sizeof(kt->period), "%" PRIu32, k->period);
	p[0] = k->campaign;
	p[1] = kt->tier;
	p[2] = kt->period;
}

/* Ends a transaction: COMMIT after success (ret 0), else ROLLBACK; frees
 * r. Returns ret, or the COMMIT's failure. */
static int
pg_end(struct pg *pg, PGresult *r, int ret)
{
	PQclear(r);
	if (ret == 0 && (ret = pg_run(pg, "COMMIT", 0, NULL)) == 0)
		return 0;
	pg_rollback(pg);
	return ret;
}

/*
 * One transaction: the ledger row (made at total if new) locked, the
 * block taken with the conditional UPDATE, the node's lease raised. The
 * row lock makes concurrent leases of one row take turns, and the
 * UPDATE's condition with the table's CHECK would refuse a take beyond
 * remaining even without it.
 */
int
pg_lease(struct pg *pg, const struct pg_key *k, uint64_t total, int64_t node,
    uint64_t want, uint64_t *got, uint64_t *left)
{
	struct pg_key_text kt;
	char tot[24], nd[24], n[24];
	const char *p[5];
	PGresult *r = NULL;
	uint64_t remaining, take;
	int ret;

	*got = 0;
	*left = 0;
	pg_key_params(k, &kt, p);
	snprintf(tot, sizeof(tot), "%" PRIu64, total);
	snprintf(nd, sizeof(nd), "%" PRId64, node);
	if ((ret = pg_run(pg, "BEGIN", 0, NULL)) < 0)
		return ret;
	p[3] = tot;
	if ((ret = pg_run(pg, "INSERT INTO scanloop_stock (campaign, tier, "
	    "period, total, remaining) VALUES ($1, $2, $3, $4, $4) "
	    "ON CONFLICT DO NOTHING", 4, p)) < 0 ||
	    (ret = pg_exec(pg, "SELECT remaining FROM scanloop_stock WHERE "
	    "campaign = $1 AND tier = $2 AND period = $3 FOR UPDATE", 3, p,
	    &r)) < 0)
		goto done;
	remaining = pg_u64(r, 0, 0);
	PQclear(r);
	r = NULL;
	take = want < remaining ? want : remaining;
	*left = remaining;
	if (take > 0) {
		snprintf(n, sizeof(n), "%" PRIu64, take);
		p[3] = n;
		p[4] = nd;
		if ((ret = pg_exec(pg, "UPDATE scanloop_stock SET remaining = "
		    "remaining - $4 WHERE campaign = $1 AND tier = $2 AND "
		    "period = $3 AND remaining >= $4 RETURNING remaining", 4,
		    p, &r)) < 0)
			goto done;
		if (PQntuples(r) != 1) {
			snprintf(pg->err, sizeof(pg->err), "the ledger of %s "
			    "changed under its row lock", k->campaign);
			ret = -EPROTO;
			goto done;
		}
		*left = pg_u64(r, 0, 0);
		PQclear(r);
		r = NULL;
		if ((ret = pg_run(pg, "INSERT INTO scanloop_leases (campaign, "
		    "tier, period, node, leased) VALUES ($1, $2, $3, $5, $4) "
		    "ON CONFLICT (campaign, tier, period, node) DO UPDATE "
		    "SET leased = scanloop_leases.leased + EXCLUDED.leased, "
		    "updated = now()", 5, p)) < 0)
			goto done;
	}
done:
	if ((ret = pg_end(pg, r, ret)) == 0)
		*got = take;
	else
		*left = 0;
	return ret;
}

/*
 * One transaction, the ledger row locked first (as pg_lease does, so two
 * nodes never wait on each other in turn): the node's lease comes down to
 * held and the difference goes back to remaining. Idempotent: settling
 * the same held twice returns nothing the second time, so a node retries
 * it freely after a failure or a crash.
 */
int
pg_settle(struct pg *pg, const struct pg_key *k, int64_t node, uint64_t held,
    uint64_t used, uint64_t *returned)
{
	struct pg_key_text kt;
	char nd[24], h[24], u[24], back[24];
	const char *p[6], *q[4];
	PGresult *r = NULL;
	uint64_t leased;
	int ret;

	*returned = 0;
	pg_key_params(k, &kt, p);
	snprintf(nd, sizeof(nd), "%" PRId64, node);
	snprintf(h, sizeof(h), "%" PRIu64, held);
	snprintf(u, sizeof(u), "%" PRIu64, used);
	p[3] = nd;
	p[4] = h;
	p[5] = u;
	if ((ret = pg_run(pg, "BEGIN", 0, NULL)) < 0)
		return ret;
	if ((ret = pg_run(pg, "SELECT 1 FROM scanloop_stock WHERE campaign = "
	    "$1 AND tier = $2 AND period = $3 FOR UPDATE", 3, p)) < 0 ||
	    (ret = pg_exec(pg, "SELECT leased FROM scanloop_leases WHERE "
	    "campaign = $1 AND tier = $2 AND period = $3 AND node = $4 "
	    "FOR UPDATE", 4, p, &r)) < 0)
		goto done;
	leased = PQntuples(r) == 1 ? pg_u64(r, 0, 0) : 0;
	if (PQntuples(r) != 1 && held == 0)
		return pg_end(pg, r, 0);	/* nothing leased or held */
	PQclear(r);
	r = NULL;
	if (leased < held) {
		snprintf(pg->err, sizeof(pg->err), "node %" PRId64 " holds "
		    "%" PRIu64 " of %s tier %d period %" PRIu32 " but this "
		    "database leased it %" PRIu64 ": is it the database the "
		    "node leased from?", node, held, k->campaign, k->tier,
		    k->period, leased);
		ret = -EPROTO;
		goto done;
	}
	snprintf(back, sizeof(back), "%" PRIu64, leased - held);
	q[0] = p[0];
	q[1] = p[1];
	q[2] = p[2];
	q[3] = back;
	if ((ret = pg_run(pg, "UPDATE scanloop_stock SET remaining = "
	    "remaining + $4 WHERE campaign = $1 AND tier = $2 AND "
	    "period = $3", 4, q)) == 0)
		ret = pg_run(pg, "UPDATE scanloop_leases SET leased = $5, "
		    "used = $6, updated = now() WHERE campaign = $1 AND "
		    "tier = $2 AND period = $3 AND node = $4", 6, p);
done:
	if ((ret = pg_end(pg, r, ret)) == 0)
		*returned = leased - held;
	return ret;
}

/* Every row of a campaign's ledger with its leases. */
int
pg_ledger_foreach(struct pg *pg, const char *campaign,
    int (*cb)(const struct pg_ledger_row *, void *), void *arg)
{
	const char *p[1] = { campaign };
	PGresult *r;
	int ret;

	if ((ret = pg_exec(pg, "SELECT s.tier, s.period, s.total, "
	    "s.remaining, coalesce(l.node, -1), coalesce(l.leased, 0), "
	    "coalesce(l.used, 0), coalesce(floor(extract(epoch FROM "
	    "l.updated) * 1000000)::bigint, 0) FROM scanloop_stock s "
	    "LEFT JOIN scanloop_leases l USING (campaign, tier, period) "
	    "WHERE s.campaign = $1 ORDER BY s.tier, s.period, l.node", 1, p,
	    &r)) < 0)
		return ret;
	for (int i = 0; ret == 0 && i < PQntuples(r); i++) {
		struct pg_ledger_row row = {
			.tier = (int)pg_i64(r, i, 0),
			.period = (uint32_t)pg_u64(r, i, 1),
			.total = pg_u64(r, i, 2),
			.remaining = pg_u64(r, i, 3),
			.node = pg_i64(r, i, 4),
			.leased = pg_u64(r, i, 5),
			.used = pg_u64(r, i, 6),
			.updated = pg_i64(r, i, 7),
		};

		ret = cb(&row, arg);
	}
	PQclear(r);
	return ret;
}

/* The rows a node leases from. */
int
pg_node_leases(struct pg *pg, int64_t node,
    int (*cb)(const struct pg_key *, void *), void *arg)
{
	char nd[24];
	const char *p[1] = { nd };
	PGresult *r;
	int ret;

	snprintf(nd, sizeof(nd), "%" PRId64, node);
	if ((ret = pg_exec(pg, "SELECT campaign, tier, period FROM "
	    "scanloop_leases WHERE node = $1 ORDER BY campaign, tier, period",
	    1, p, &r)) < 0)
		return ret;
	for (int i = 0; ret == 0 && i < PQntuples(r); i++) {
		struct pg_key k = {
			.campaign = PQgetvalue(r, i, 0),
			.tier = (int)pg_i64(r, i, 1),
			.period = (uint32_t)pg_u64(r, i, 2),
		};

		ret = cb(&k, arg);
	}
	PQclear(r);
	return ret;
}
