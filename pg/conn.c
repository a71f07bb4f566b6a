/* conn.c — the connection to PostgreSQL, its errors and the schema. */
#include "pg/pg_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The tables. The ledger's CHECKs hold the invariant even against a bug
 * or a hand-made UPDATE: remaining never below 0 nor above the stock.
 */
static const char *const pg_schema_sql =
    "CREATE TABLE IF NOT EXISTS scanloop_schema ("
    " version integer NOT NULL);"
    "CREATE TABLE IF NOT EXISTS scanloop_stock ("
    " campaign text NOT NULL,"
    " tier integer NOT NULL CHECK (tier >= 0),"
    " period integer NOT NULL CHECK (period >= 0),"
    " total bigint NOT NULL CHECK (total >= 0),"
    " remaining bigint NOT NULL CHECK (remaining >= 0 AND"
    " remaining <= total),"
    " PRIMARY KEY (campaign, tier, period));"
    "CREATE TABLE IF NOT EXISTS scanloop_leases ("
    " campaign text NOT NULL,"
    " tier integer NOT NULL,"
    " period integer NOT NULL,"
    " node bigint NOT NULL,"
    " leased bigint NOT NULL CHECK (leased >= 0),"
    " used bigint NOT NULL DEFAULT 0 CHECK (used >= 0),"
    " updated timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (campaign, tier, period, node),"
    " FOREIGN KEY (campaign, tier, period)"
    "  REFERENCES scanloop_stock (campaign, tier, period));"
    "CREATE TABLE IF NOT EXISTS scanloop_nodes ("
    " node bigint PRIMARY KEY,"
    " store text NOT NULL,"
    " since timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE IF NOT EXISTS scanloop_redemptions ("
    " claim_id bytea PRIMARY KEY CHECK (length(claim_id) = 16),"
    " node bigint NOT NULL,"
    " shop text NOT NULL,"
    " redeemed_at timestamptz NOT NULL);";

/* Keeps the server's or libpq's words, one line. */
static void
pg_set_error(struct pg *pg, const char *what, const char *msg)
{
	char *nl;

	snprintf(pg->err, sizeof(pg->err), "%s: %s", what,
	    msg != NULL && *msg != '\0' ? msg : "no answer");
	/* libpq's own: "...failed: ...\n\tIs the server running...\n". */
	for (nl = pg->err; *nl != '\0'; nl++)
		if (*nl == '\n' || *nl == '\t')
			*nl = ' ';
	while (nl > pg->err && nl[-1] == ' ')
		*--nl = '\0';
}

/* Drops the server's notices ("relation ... already exists, skipping"). */
static void
pg_notice_drop(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Connects, or reconnects after a loss. */
static int
pg_connect(struct pg *pg)
{
	if (pg->conn != NULL)
		PQfinish(pg->conn);
	pg->conn = PQconnectdb(pg->conninfo);
	if (pg->conn == NULL || PQstatus(pg->conn) != CONNECTION_OK) {
		pg_set_error(pg, "cannot connect to PostgreSQL",
		    pg->conn != NULL ? PQerrorMessage(pg->conn) : NULL);
		return -ECONNRESET;
	}
	/* Every transaction here takes the rows it changes FOR UPDATE;
	 * READ COMMITTED is enough, and a lock wait is bounded. */
	PQsetNoticeProcessor(pg->conn, pg_notice_drop, NULL);
	PQclear(PQexec(pg->conn, "SET lock_timeout = '10s';"
	    "SET statement_timeout = '30s'"));
	return 0;
}

/* Opens a connection. */
int
pg_open(const char *conninfo, struct pg **out)
{
	struct pg *pg;
	int ret;

	*out = NULL;
	if ((pg = calloc(1, sizeof(*pg))) == NULL)
		return -ENOMEM;
	if (strlen(conninfo) >= sizeof(pg->conninfo)) {
		free(pg);
		return -ENAMETOOLONG;
	}
	snprintf(pg->conninfo, sizeof(pg->conninfo), "%s", conninfo);
	ret = pg_connect(pg);
	*out = pg;		/* also on failure: pg_error() tells why */
	return ret;
}

/* Closes a connection. */
void
pg_close(struct pg *pg)
{
	if (pg == NULL)
		return;
	if (pg->conn != NULL)
		PQfinish(pg->conn);
	free(pg);
}

/* The last error. */
const char *
pg_error(const struct pg *pg)
{
	return pg->err[0] != '\0' ? pg->err : "no error";
}

/* Runs a statement with text parameters. */
int
pg_exec(struct pg *pg, const char *sql, int n, const char *const *params,
    PGresult **res)
{
	ExecStatusType st;
	PGresult *r;

	*res = NULL;
	if (pg->conn == NULL || PQstatus(pg->conn) != CONNECTION_OK) {
		/* Never half a transaction on a new connection. */
		if (pg->in_txn || pg_connect(pg) < 0)
			return -ECONNRESET;
	}
	/* Without parameters, the simple protocol: several statements. */
	r = n == 0 ? PQexec(pg->conn, sql) : PQexecParams(pg->conn, sql, n,
	    NULL, params, NULL, NULL, 0);
	st = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		if (strcmp(sql, "BEGIN") == 0)
			pg->in_txn = true;
		else if (strcmp(sql, "COMMIT") == 0)
			pg->in_txn = false;
		*res = r;
		return 0;
	}
	pg_set_error(pg, "PostgreSQL", r != NULL ? PQresultErrorMessage(r) :
	    PQerrorMessage(pg->conn));
	PQclear(r);
	if (PQstatus(pg->conn) != CONNECTION_OK)
		return -ECONNRESET;
	return -EPROTO;
}

/* Runs a statement, dropping its result. */
int
pg_run(struct pg *pg, const char *sql, int n, const char *const *params)
{
	PGresult *r;
	int ret;

	if ((ret = pg_exec(pg, sql, n, params, &r)) == 0)
		PQclear(r);
	return ret;
}

/* Rolls back, ignoring errors (the connection may be gone). */
void
pg_rollback(struct pg *pg)
{
	if (pg->conn != NULL && PQstatus(pg->conn) == CONNECTION_OK)
		PQclear(PQexec(pg->conn, "ROLLBACK"));
	pg->in_txn = false;
}

/* A column as an unsigned integer (0 if NULL). */
uint64_t
pg_u64(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return 0;
	return strtoull(PQgetvalue(r, row, col), NULL, 10);
}

/* A column as a signed integer (0 if NULL). */
int64_t
pg_i64(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return 0;
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* Creates the tables and records the version, in one transaction. */
int
pg_schema_init(struct pg *pg)
{
	char v[16];
	const char *p[1] = { v };
	int ret;

	snprintf(v, sizeof(v), "%d", PG_SCHEMA_VERSION);
	if ((ret = pg_run(pg, "BEGIN", 0, NULL)) < 0)
		return ret;
	if ((ret = pg_run(pg, pg_schema_sql, 0, NULL)) < 0 ||
	    (ret = pg_run(pg, "INSERT INTO scanloop_schema (version) "
	    "SELECT $1::integer WHERE NOT EXISTS "
	    "(SELECT 1 FROM scanloop_schema)", 1, p)) < 0 ||
	    (ret = pg_run(pg, "COMMIT", 0, NULL)) < 0) {
		pg_rollback(pg);
		return ret;
	}
	return pg_schema_check(pg);
}

/* Checks that the schema is there, at this version. */
int
pg_schema_check(struct pg *pg)
{
	PGresult *r;
	int ret;

	if ((ret = pg_exec(pg, "SELECT version FROM scanloop_schema", 0,
	    NULL, &r)) < 0) {
		if (ret == -EPROTO)
			snprintf(pg->err, sizeof(pg->err), "no scanloop "
			    "tables in this database: run 'scanloop pg init'");
		return ret;
	}
	if (PQntuples(r) != 1 || pg_i64(r, 0, 0) != PG_SCHEMA_VERSION) {
		snprintf(pg->err, sizeof(pg->err), "the scanloop tables are "
		    "at another version than %d", PG_SCHEMA_VERSION);
		ret = -EPROTO;
	}
	PQclear(r);
	return ret;
}

/* Binds node to the store that first served as it. */
int
pg_node_bind(struct pg *pg, int64_t node, const char *store, bool *mine)
{
	char nd[24];
	const char *p[2] = { nd, store };
	PGresult *r;
	int ret;

	*mine = false;
	snprintf(nd, sizeof(nd), "%" PRId64, node);
	if ((ret = pg_run(pg, "INSERT INTO scanloop_nodes (node, store) "
	    "VALUES ($1, $2) ON CONFLICT (node) DO NOTHING", 2, p)) < 0 ||
	    (ret = pg_exec(pg, "SELECT store FROM scanloop_nodes WHERE "
	    "node = $1", 1, p, &r)) < 0)
		return ret;
	*mine = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), store) == 0;
	if (!*mine)
		snprintf(pg->err, sizeof(pg->err), "node %" PRId64 " is "
		    "another store's in this database (its store %s, this "
		    "one %s): give each node its own --node", node,
		    PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "?", store);
	PQclear(r);
	return 0;
}
