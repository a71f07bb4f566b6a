/*
 * pg.h — prize stock and redemptions in PostgreSQL, for nodes that share
 * one campaign (serve --pg, docs/scale-out.md).
 *
 * The ledger holds, per campaign, tier and period (0: the whole campaign;
 * d + 1: the campaign's local day d, for a daily cap), the stock and what
 * is left of it. A node leases blocks of it (pg_lease: the ledger's
 * remaining goes down, the node's lease up, in one transaction), awards
 * from its lease alone, and gives back what it did not use (pg_settle:
 * its lease is set to what its own store says it holds, the difference
 * goes back to remaining). So remaining plus every node's lease is always
 * the stock, and a node awards at most its lease: no over-award.
 *
 * Each node id belongs to one store (pg_node_bind): two stores serving as
 * one node would settle each other's leases.
 *
 * A redemption is a conditional insert keyed by the claim id: the first
 * one wins, every later try (any node) reads the first one's result.
 *
 * Every function runs libpq calls that block: never on an event loop or
 * inside a store transaction. Returns 0 or a negative errno: -ECONNRESET
 * when the server cannot be reached (try again later), -EPROTO when the
 * database disagrees with the caller (a wrong database, no schema), with
 * the server's words in pg_error().
 */
#ifndef SCANLOOP_PG_H
#define SCANLOOP_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PG_SCHEMA_VERSION 1
#define PG_CLAIM_ID_BYTES 16

struct pg;

/* A ledger row's key. */
struct pg_key {
	const char *campaign;
	int tier;			/* index in the campaign file */
	uint32_t period;		/* 0, or the campaign day + 1 */
};

/* Connects (conninfo: libpq's "host=... dbname=..." or a URI). */
int pg_open(const char *conninfo, struct pg **out)
    __attribute__((warn_unused_result));
/* Closes. NULL is allowed. */
void pg_close(struct pg *pg);
/* The last error's words (the server's or libpq's). */
const char *pg_error(const struct pg *pg);
/* Creates the tables if missing (idempotent). */
int pg_schema_init(struct pg *pg) __attribute__((warn_unused_result));
/* -EPROTO unless the schema is there, at this version. */
int pg_schema_check(struct pg *pg) __attribute__((warn_unused_result));

/* Binds node (its id) to store (a text that names the node's store, the
 * same at every start): the first store to serve as node keeps it;
 * *mine is false (with the reason in pg_error) for another store, whose
 * leases would be settled against the first one's. */
int pg_node_bind(struct pg *pg, int64_t node, const char *store, bool *mine)
    __attribute__((warn_unused_result));

/* Leases up to want units of k for node; the ledger row is made with total
 * units if it is new. *got: what was leased (0 when none is left), *left:
 * what the ledger has left after it, *total: its stock. */
int pg_lease(struct pg *pg, const struct pg_key *k, uint64_t total,
    int64_t node, uint64_t want, uint64_t *got, uint64_t *left)
    __attribute__((warn_unused_result));
/* Sets node's lease of k to held (its store's leased minus returned),
 * giving the rest back to the ledger, and records used (its awards) for
 * reconcile. *returned: what went back. -EPROTO when the database's lease
 * is below held (the node's store was leased from another database). */
int pg_settle(struct pg *pg, const struct pg_key *k, int64_t node,
    uint64_t held, uint64_t used, uint64_t *returned)
    __attribute__((warn_unused_result));

/* One row of a campaign's ledger with one node's lease (node < 0: a row
 * no node leases from). */
struct pg_ledger_row {
	int tier;
	uint32_t period;
	uint64_t total, remaining;
	int64_t node;
	uint64_t leased, used;
	int64_t updated;		/* Unix µs of the lease's last change */
};
/* Calls cb for each row of a campaign, by tier, period and node. */
int pg_ledger_foreach(struct pg *pg, const char *campaign,
    int (*cb)(const struct pg_ledger_row *, void *), void *arg)
    __attribute__((warn_unused_result));

/* Calls cb for each ledger row node leases from (what it may have to
 * settle after a restart). */
int pg_node_leases(struct pg *pg, int64_t node,
    int (*cb)(const struct pg_key *, void *), void *arg)
    __attribute__((warn_unused_result));

/* The first redemption of a claim. */
struct pg_redemption {
	int64_t node;
	char shop[64];
	int64_t time;			/* Unix µs */
};
/* A claim's key across nodes: BLAKE2b-128 of its campaign (with its NUL),
 * id and token hash. The id alone (5 bytes) is unique in one store only;
 * a claim that several stores hold (a copied store) has one key. */
void pg_claim_key(const char *campaign, const uint8_t *id, size_t idlen,
    const uint8_t *hash, size_t hashlen, uint8_t out[PG_CLAIM_ID_BYTES]);
/* Records a redemption of the claim keyed id (the same on every node
 * that knows the claim) by node at shop, at now, unless one is
 * there: *first is the first one (this one when *won). */
int pg_redeem(struct pg *pg, const uint8_t id[PG_CLAIM_ID_BYTES],
    int64_t node, const char *shop, int64_t now, bool *won,
    struct pg_redemption *first) __attribute__((warn_unused_result));

#endif
