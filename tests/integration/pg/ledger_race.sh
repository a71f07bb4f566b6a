#!/usr/bin/env bash
# ledger_race.sh — lease clients racing on one PostgreSQL ledger
# (tests/pg/ledger_race.c): 8 processes, each its own connection, lease,
# award from what they hold, give back and "crash" between a lease and
# their store, on a stock far smaller than they ask for; a checker reads
# the ledger meanwhile. No award past the stock; left + leased = stock in
# every snapshot; at the end each client's lease is what it awarded.
# Skipped, saying so, only when the PostgreSQL server binaries are
# missing (tools/setup.sh --tests installs them).
. "$(dirname "$0")/../lib.sh"
. "$SCANLOOP_SRC/tests/lib/pg.sh"
pg_available || skip "$PG_ERROR"
: "${SCANLOOP_LEDGER_RACE:?meson sets it}"
setup
pg_start || fail "$PG_ERROR"
on_cleanup pg_stop
run "$SCANLOOP_LEDGER_RACE" "$PG_CONNINFO" 8 300 150
[ "$RC" -eq 0 ] || fail "the race: $OUT $ERR"
note "$OUT"
note "ok"
