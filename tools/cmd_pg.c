/* cmd_pg.c — scanloop pg init, and campaign reconcile: the PostgreSQL
 * ledger of prize stock shared by nodes (docs/scale-out.md). */
#include "tools/cli.h"
#include "common/xmalloc.h"
#include "pg/pg.h"
#include "scanner/scan.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char pg_help[] =
"NAME\n"
"     scanloop pg — the PostgreSQL tables of prize stock and redemptions\n"
"\n"
"SYNOPSIS\n"
"     scanloop pg init CONNINFO\n"
"\n"
"DESCRIPTION\n"
"     init creates the tables that nodes serving with --pg share\n"
"     (docs/scale-out.md): scanloop_stock (the ledger: stock and what is\n"
"     left of it per campaign, tier and day), scanloop_leases (what each\n"
"     node leased and used), scanloop_redemptions (one row per redeemed\n"
"     claim). It changes nothing that is there, so it can run again.\n"
"     CONNINFO is libpq's: 'host=/run/pg dbname=scanloop' or a\n"
"     postgresql:// URI; the password, if any, from ~/.pgpass or\n"
"     PGPASSWORD, never the command line.\n"
"\n"
"OPTIONS\n"
"     -h, --help         this text\n"
"\n"
"EXIT STATUS\n"
"     0 on success, 1 when PostgreSQL refuses or cannot be reached, 2 on\n"
"     a usage error.\n";

/* Parses --node N (1 to 65535): 0, or a usage error's status. */
int
cli_node_arg(const char *cmd, const char *arg, uint64_t *node)
{
	if (cli_parse_u64(arg, 1, 65535, node))
		return 0;
	return cli_usage(cmd, "--node must be from 1 to 65535, not '%s'", arg);
}

/* scanloop pg init CONNINFO. */
int
cmd_pg(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const subs[] = { "init", NULL };
	const char *sub, *conninfo;
	char cmd[CLI_CMD_MAX];
	struct pg *pg = NULL;
	int ch, rc, ret;

	if ((sub = cli_subcommand("pg", pg_help, "subcommand", subs, &argc,
	    &argv, cmd, &rc)) == NULL)
		return rc;
	while ((ch = cli_getopt(cmd, pg_help, argc, argv, ":h", longopts,
	    &rc)) != -1)
		if (ch == CLI_OPT_EXIT)
			return rc;
	if ((rc = cli_operand(cmd, "a connection string (CONNINFO)", argc,
	    argv, &conninfo)) != 0)
		return rc;
	if ((ret = pg_open(conninfo, &pg)) < 0 ||
	    (ret = pg_schema_init(pg)) < 0) {
		rc = cli_reject(cmd, "%s", pg != NULL ? pg_error(pg) :
		    strerror(-ret));
		pg_close(pg);
		return rc;
	}
	pg_close(pg);
	printf("scanloop tables ready (schema version %d)\n",
	    PG_SCHEMA_VERSION);
	return 0;
}

/* The ledger rows of a campaign, read whole. */
struct rec_rows {
	struct pg_ledger_row *v;
	size_t n, cap;
};

/* pg_ledger_foreach callback: keeps a row. */
static int
rec_keep(const struct pg_ledger_row *row, void *arg)
{
	struct rec_rows *r = arg;

	if (r->n == r->cap) {
		r->cap = r->cap == 0 ? 16 : r->cap * 2;
		r->v = xreallocarray(r->v, r->cap, sizeof(*r->v));
	}
	r->v[r->n++] = *row;
	return 0;
}

/* A node's own figures of a ledger row, from its store. */
static int
rec_store_state(struct store_txn *t, const char *campaign, int tier,
    uint32_t period, uint64_t *taken, uint64_t *back, uint64_t *used)
{
	uint8_t subject[16] = { (uint8_t)tier, STORE_LEASE_TAKEN };
	int ret;

	if ((ret = store_counter_get_txn(t, campaign, STORE_COUNT_LEASE,
	    subject, period, taken)) < 0)
		return ret;
	subject[1] = STORE_LEASE_RETURNED;
	if ((ret = store_counter_get_txn(t, campaign, STORE_COUNT_LEASE,
	    subject, period, back)) < 0)
		return ret;
	subject[1] = 0;
	return store_counter_get_txn(t, campaign, STORE_COUNT_STOCK, subject,
	    period, used);
}

/* "campaign" or "day N". */
static const char *
rec_period(uint32_t period, char buf[24])
{
	if (period == 0)
		return "campaign";
	snprintf(buf, 24, "day %" PRIu32, period - 1);
	return buf;
}

/*
 * Gives back what a node's store holds of one row (its server stopped):
 * the store first (returned += held), then the ledger settled to the
 * store's lease, as the server itself does.
 */
static int
rec_give_back(const char *cmd, struct store *st, struct pg *pg,
    const char *campaign, const struct pg_ledger_row *row)
{
	struct store_txn t;
	uint8_t subject[16] = { (uint8_t)row->tier, STORE_LEASE_RETURNED };
	uint64_t taken, back, used, held, returned;
	char pb[24];
	int ret;

	if ((ret = store_txn_begin(st, false, &t)) < 0)
		return cli_reject(cmd, "%s", store_strerror(ret));
	if ((ret = rec_store_state(&t, campaign, row->tier, row->period,
	    &taken, &back, &used)) < 0)
		goto fail;
	held = taken > back + used ? taken - back - used : 0;
	if (held > 0 && (ret = store_counter_add_txn(&t, campaign,
	    STORE_COUNT_LEASE, subject, row->period, held)) < 0)
		goto fail;
	if ((ret = store_txn_commit(&t)) < 0)
		return cli_reject(cmd, "%s", store_strerror(ret));
	back += held;
	if ((ret = pg_settle(pg, &(struct pg_key){ campaign, row->tier,
	    row->period }, row->node, taken - back, used, &returned)) < 0)
		return cli_reject(cmd, "%s", pg_error(pg));
	printf("gave back %" PRIu64 " of tier %d %s\n", returned, row->tier,
	    rec_period(row->period, pb));
	return 0;
fail:
	store_txn_abort(&t);
	return cli_reject(cmd, "%s", store_strerror(ret));
}

/* Prints one row; with the node's store (t), its own figures too. Returns
 * false if they disagree with the ledger. */
static bool
rec_print_row(struct store_txn *t, const char *campaign,
    const struct pg_ledger_row *row)
{
	uint64_t taken, back, used;
	char when[40], pb[24];
	bool ok = true;

	printf("%-4d  %-9s %9" PRIu64 " %9" PRIu64, row->tier,
	    rec_period(row->period, pb), row->total, row->remaining);
	if (row->node < 0) {
		printf("  %5s\n", "-");
		return true;
	}
	printf("  %5" PRId64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 "  %s\n",
	    row->node, row->leased, row->used, row->leased > row->used ?
	    row->leased - row->used : 0, cli_time(row->updated, when));
	if (t == NULL)
		return true;
	if (rec_store_state(t, campaign, row->tier, row->period, &taken,
	    &back, &used) < 0)
		return false;
	printf("      node %" PRId64 "'s store: leased %" PRIu64 ", awarded "
	    "%" PRIu64 ", holds %" PRIu64 "\n", row->node, taken - back, used,
	    taken - back > used ? taken - back - used : 0);
	if (taken - back > row->leased || used > taken - back) {
		printf("      MISMATCH: the store holds more than the ledger "
		    "leased it\n");
		ok = false;
	} else if (taken - back < row->leased)
		printf("      the ledger holds %" PRIu64 " more for this node "
		    "(a lease or a return cut short): its next start, or "
		    "--return, settles it\n", row->leased - (taken - back));
	return ok;
}

/* Checks that one (tier, period) group adds up: left + leased = stock. */
static bool
rec_check_group(const struct rec_rows *r, size_t from, size_t to)
{
	uint64_t leased = 0;
	char pb[24];
	bool ok;

	for (size_t i = from; i < to; i++)
		leased += r->v[i].leased;
	ok = r->v[from].remaining + leased == r->v[from].total;
	printf("check tier %d %s: left %" PRIu64 " + leased %" PRIu64 " = "
	    "%" PRIu64 ", stock %" PRIu64 ": %s\n", r->v[from].tier,
	    rec_period(r->v[from].period, pb), r->v[from].remaining, leased,
	    r->v[from].remaining + leased, r->v[from].total,
	    ok ? "ok" : "MISMATCH");
	return ok;
}

/* Opens the node's store for reconcile (locked against its server when it
 * is to be changed, and only if it is node's store in the ledger). */
static int
rec_store_open(const char *cmd, struct pg *pg, int64_t node, bool give_back,
    struct store **st, int *lock)
{
	char id[LEASER_STORE_ID_CHARS + 1];
	bool mine = false;
	int rc, ret;

	*lock = -1;
	if ((rc = cli_store_open(cmd, give_back ? 0 : STORE_RDONLY, st)) != 0)
		return rc;
	if (give_back && (*lock = scan_lock_store(*st)) < 0) {
		store_close(*st);
		*st = NULL;
		return cli_reject(cmd, "the node's server is running on %s: "
		    "stop it first (it gives back its stock itself)",
		    cli_db());
	}
	if (give_back && ((ret = leaser_store_id(*st, id)) < 0 ||
	    (ret = pg_node_bind(pg, node, id, &mine)) < 0 || !mine)) {
		rc = cli_reject(cmd, "%s", ret < 0 && ret != -ECONNRESET &&
		    ret != -EPROTO ? store_strerror(ret) : pg_error(pg));
		close(*lock);
		*lock = -1;
		store_close(*st);
		*st = NULL;
		return rc;
	}
	return 0;
}

/* campaign reconcile ID --pg CONNINFO [--node N [--return]]. */
int
cli_campaign_reconcile(const char *cmd, const char *id, const char *conninfo,
    int64_t node, bool give_back)
{
	struct rec_rows r = { NULL, 0, 0 };
	struct store *st = NULL;
	struct store_txn t;
	struct pg *pg = NULL;
	bool ok = true, have_t = false;
	int rc = EXIT_REJECTED, lock = -1, ret;

	if ((ret = pg_open(conninfo, &pg)) < 0 ||
	    (ret = pg_schema_check(pg)) < 0 ||
	    (ret = pg_ledger_foreach(pg, id, rec_keep, &r)) < 0) {
		cli_reject(cmd, "%s", pg != NULL ? pg_error(pg) :
		    strerror(-ret));
		goto out;
	}
	if (r.n == 0) {
		cli_reject(cmd, "no stock of campaign %s in the ledger (no "
		    "node has leased from it)", id);
		goto out;
	}
	if (node > 0 && (rc = rec_store_open(cmd, pg, node, give_back, &st,
	    &lock)) != 0)
		goto out;
	rc = EXIT_REJECTED;
	for (size_t i = 0; give_back && i < r.n; i++)
		if (r.v[i].node == node && rec_give_back(cmd, st, pg, id,
		    &r.v[i]) != 0)
			goto out;
	if (give_back) {
		r.n = 0;
		if (pg_ledger_foreach(pg, id, rec_keep, &r) < 0) {
			cli_reject(cmd, "%s", pg_error(pg));
			goto out;
		}
	}
	if (st != NULL) {
		if ((ret = store_txn_begin(st, true, &t)) < 0) {
			cli_reject(cmd, "%s", store_strerror(ret));
			goto out;
		}
		have_t = true;
	}
	printf("%-4s  %-9s %9s %9s  %5s %9s %9s %9s  %s\n", "tier", "period",
	    "stock", "left", "node", "leased", "used", "held", "updated");
	for (size_t i = 0, from = 0; i < r.n; i++) {
		if (!rec_print_row(have_t && r.v[i].node == node ? &t : NULL,
		    id, &r.v[i]))
			ok = false;
		if (i + 1 == r.n || r.v[i + 1].tier != r.v[i].tier ||
		    r.v[i + 1].period != r.v[i].period) {
			if (!rec_check_group(&r, from, i + 1))
				ok = false;
			from = i + 1;
		}
	}
	rc = ok ? 0 : EXIT_REJECTED;
out:
	if (have_t)
		store_txn_abort(&t);
	if (lock >= 0)
		close(lock);
	if (st != NULL)
		store_close(st);
	pg_close(pg);
	free(r.v);
	return rc;
}
