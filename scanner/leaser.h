/*
 * leaser.h — the scan server's leases of prize stock from PostgreSQL
 * (serve --pg; docs/scale-out.md).
 *
 * One thread talks to PostgreSQL; nothing else in the server waits on it.
 * It leases blocks of a tier's stock ahead of the draws (pg_lease), and
 * each block becomes the node's through a writer operation that adds it
 * to the store's lease counters in a group commit, with the draws it then
 * funds. A draw awards only from what the node holds; when a tier has
 * none held the draw answers "try again shortly" and the thread is woken
 * to lease more (or learns that the ledger has none left: a miss).
 *
 * Stock goes back in the other order: a writer operation first moves what
 * the node holds to the store's returned counter, then the thread settles
 * the ledger to the store's lease (pg_settle, idempotent). So the store's
 * lease never exceeds the ledger's, a crash in between leaves the ledger
 * holding more than the node, and the restarted node's first settle (or
 * `campaign reconcile --node`) gives the difference back. Unused stock of
 * a tier goes back once it was idle for --pg-return seconds, at once when
 * its campaign stops running or its day is over, and at shutdown.
 *
 * The same thread makes redemptions' conditional inserts, before the
 * writer records them (handle_claim.c).
 */
#ifndef SCANLOOP_LEASER_H
#define SCANLOOP_LEASER_H

#include <stdint.h>

#include "rewards/tallies.h"
#include "store/store.h"

#define LEASER_BLOCK_DEFAULT 20		/* units per lease */
#define LEASER_IDLE_DEFAULT 30		/* seconds before idle stock goes */
#define LEASER_KEYS_MAX 512		/* campaign × tier × period */
#define LEASER_REDEEM_MAX 1024		/* redemptions waiting at most */

struct scan_core;
struct scan_op;
struct writer_port;
struct leaser;

struct leaser_config {
	const char *conninfo;		/* libpq's, --pg */
	uint32_t node;			/* --node */
	uint32_t block;			/* --pg-lease */
	uint32_t idle_s;		/* --pg-return */
};

#define LEASER_STORE_ID_CHARS 32		/* hex of 16 bytes */

/* The name a store goes by in the ledger (pg_node_bind): hex of a hash of
 * a secret the store makes once; the same at every start of a node. */
int leaser_store_id(struct store *st, char out[LEASER_STORE_ID_CHARS + 1])
    __attribute__((warn_unused_result));
/* Starts the thread (it connects by itself, and again after a loss). */
int leaser_start(struct scan_core *core, const struct leaser_config *cfg,
    struct leaser **out) __attribute__((warn_unused_result));
/* What draws consult (tallies.h). */
const struct tallies_lease *leaser_lease(struct leaser *l);
/* Queues the redemption checked in o (its claim by its shop) for the
 * conditional insert in PostgreSQL: the thread runs it and hands o back
 * to port (writer_port_hand_back) with o->op.ret, o->pg_won and
 * o->pg_first. -EBUSY when LEASER_REDEEM_MAX wait already. */
int leaser_redeem(struct leaser *l, struct writer_port *port,
    struct scan_op *o) __attribute__((warn_unused_result));
/* Gives back every unit held and settles the ledger (for a few seconds
 * at most while PostgreSQL answers), then stops the thread; while the
 * writer still runs and after the loops stopped drawing. */
void leaser_stop(struct leaser *l);
struct buf;
struct registry;
/* Appends the units each tier leased since the start holds, in the
 * store's counters read through tl in t (leased, returned, awarded), to
 * /metrics. 0 or -ENOMEM. */
int leaser_metrics_render(struct leaser *l, struct registry *reg,
    const struct tallies *tl, struct store_txn *t, struct buf *out)
    __attribute__((warn_unused_result));
/* Frees a stopped leaser. NULL is allowed. */
void leaser_free(struct leaser *l);

#endif
