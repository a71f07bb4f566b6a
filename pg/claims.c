/* claims.c — redemptions across nodes: the first insert wins. */
#include "pg/pg_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* A claim's key across nodes. */
void
pg_claim_key(const char *campaign, const uint8_t *id, size_t idlen,
    const uint8_t *hash, size_t hashlen, uint8_t out[PG_CLAIM_ID_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, PG_CLAIM_ID_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)campaign,
	    strlen(campaign) + 1);
	crypto_generichash_update(&st, id, idlen);
	crypto_generichash_update(&st, hash, hashlen);
	crypto_generichash_final(&st, out, PG_CLAIM_ID_BYTES);
}

/* Reads a redemption row (node, shop, µs). */
static void
pg_redemption_read(const PGresult *r, struct pg_redemption *first)
{
	first->node = pg_i64(r, 0, 0);
	snprintf(first->shop, sizeof(first->shop), "%s", PQgetvalue(r, 0, 1));
	first->time = pg_i64(r, 0, 2);
}

/*
 * INSERT ... ON CONFLICT DO NOTHING RETURNING: a row back means this try
 * was the first. Otherwise the first one is read; it is committed (a
 * conflicting insert waits for the other transaction and then sees its
 * row), so every later try, on any node, reads the same.
 */
int
pg_redeem(struct pg *pg, const uint8_t id[PG_CLAIM_ID_BYTES], int64_t node,
    const char *shop, int64_t now, bool *won, struct pg_redemption *first)
{
	char hex[2 * PG_CLAIM_ID_BYTES + 3], nd[24], t[24];
	const char *p[4] = { hex, nd, shop, t };
	PGresult *r;
	int ret;

	*won = false;
	memset(first, 0, sizeof(*first));
	hex[0] = '\\';
	hex[1] = 'x';
	for (int i = 0; i < PG_CLAIM_ID_BYTES; i++)
		snprintf(hex + 2 + 2 * i, 3, "%02x", id[i]);
	snprintf(nd, sizeof(nd), "%" PRId64, node);
	snprintf(t, sizeof(t), "%" PRId64, now);
	if ((ret = pg_exec(pg, "INSERT INTO scanloop_redemptions (claim_id, "
	    "node, shop, redeemed_at) VALUES ($1::bytea, $2, $3, "
	    "to_timestamp($4::bigint / 1000000.0)) ON CONFLICT (claim_id) DO "
	    "NOTHING RETURNING node, shop, floor(extract(epoch FROM "
	    "redeemed_at) * 1000000)::bigint", 4, p, &r)) < 0)
		return ret;
	if (PQntuples(r) == 1) {
		*won = true;
		pg_redemption_read(r, first);
		PQclear(r);
		return 0;
	}
	PQclear(r);
	if ((ret = pg_exec(pg, "SELECT node, shop, floor(extract(epoch FROM "
	    "redeemed_at) * 1000000)::bigint FROM scanloop_redemptions "
	    "WHERE claim_id = $1::bytea", 1, p, &r)) < 0)
		return ret;
	if (PQntuples(r) != 1) {
		snprintf(pg->err, sizeof(pg->err), "a redemption conflicted "
		    "but cannot be read");
		PQclear(r);
		return -EPROTO;
	}
	pg_redemption_read(r, first);
	PQclear(r);
	return 0;
}
