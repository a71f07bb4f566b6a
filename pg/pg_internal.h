/* pg_internal.h — what the files of pg/ share: the connection and its
 * statement helpers. */
#ifndef SCANLOOP_PG_INTERNAL_H
#define SCANLOOP_PG_INTERNAL_H

#include "pg/pg.h"

#include <libpq-fe.h>

struct pg {
	PGconn *conn;
	char conninfo[1024];
	char err[512];
	bool in_txn;			/* between BEGIN and COMMIT */
};

/* Runs a statement with text parameters (without any: several statements
 * may be given); *res is the result on success (PQclear it), NULL
 * otherwise. A lost connection is made again before the statement; a
 * transaction it cut short is gone, and its next statement fails. */
int pg_exec(struct pg *pg, const char *sql, int n, const char *const *params,
    PGresult **res) __attribute__((warn_unused_result));
/* Runs a statement whose result is not needed. */
int pg_run(struct pg *pg, const char *sql, int n, const char *const *params)
    __attribute__((warn_unused_result));
/* Rolls back after a failure inside a transaction (errors ignored). */
void pg_rollback(struct pg *pg);
/* Parses a column of a row as an unsigned or signed integer. */
uint64_t pg_u64(const PGresult *r, int row, int col);
int64_t pg_i64(const PGresult *r, int row, int col);

#endif
