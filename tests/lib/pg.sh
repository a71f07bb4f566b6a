# pg.sh — a throwaway PostgreSQL cluster for the tests (bash; sourced, not
# run): initdb into a temporary directory, a unix socket there and no TCP
# listener, run as an unprivileged user (nobody, when the tests run as
# root: PostgreSQL refuses to run as root), stopped and removed by
# pg_stop. Debian's postgresql package puts the binaries in
# /usr/lib/postgresql/VERSION/bin (tools/setup.sh --tests installs it).
#
# The functions return non-zero with the reason in PG_ERROR.

PG_BIN=${PG_BIN:-}
PG_DIR=
PG_CONNINFO=
PG_ERROR=
PG_AS=()

# pg_available: finds initdb and pg_ctl (sets PG_BIN) and, as root, checks
# that the unprivileged user can run them (not in a chroot whose root
# directory only root may search); 1 with PG_ERROR if not.
pg_available() {
	local d
	if [ -z "$PG_BIN" ]; then
		for d in /usr/lib/postgresql/*/bin; do
			[ -x "$d/initdb" ] && PG_BIN=$d
		done
	fi
	if ! [ -n "$PG_BIN" ] || ! [ -x "$PG_BIN/initdb" ] ||
	    ! [ -x "$PG_BIN/pg_ctl" ]; then
		PG_ERROR="the PostgreSQL server binaries (initdb, pg_ctl in /usr/lib/postgresql/*/bin) are not installed"
		return 1
	fi
	if [ "$(id -u)" -eq 0 ] &&
	    ! runuser -u nobody -- "$PG_BIN/initdb" --version >/dev/null 2>&1; then
		PG_ERROR="user nobody cannot run $PG_BIN/initdb (PostgreSQL refuses to run as root; is / searchable by others? $(stat -c %A /))"
		return 1
	fi
}

# pg_start: a new cluster, running; sets PG_DIR and PG_CONNINFO (libpq's
# connection string: the socket directory, the user, database postgres).
pg_start() {
	local user
	pg_available || return 1
	PG_DIR=$(mktemp -d /tmp/scanloop-pg.XXXXXX) || {
		PG_ERROR="cannot make a temporary directory"
		return 1
	}
	if [ "$(id -u)" -eq 0 ]; then
		user=nobody
		chown nobody "$PG_DIR"
		PG_AS=(runuser -u nobody --)
	else
		user=$(id -un)
		PG_AS=()
	fi
	chmod 700 "$PG_DIR"
	if ! "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$user" \
	    -A trust -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1; then
		PG_ERROR="initdb failed: $(tail -n 3 "$PG_DIR/initdb.log")"
		return 1
	fi
	PG_CONNINFO="host=$PG_DIR user=$user dbname=postgres"
	pg_resume
}

# pg_resume: starts the cluster of pg_start again (after pg_pause).
pg_resume() {
	if ! "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" \
	    -w -t 60 -o "-k $PG_DIR -c listen_addresses='' -c fsync=off" \
	    start >/dev/null 2>&1; then
		PG_ERROR="PostgreSQL did not start: $(tail -n 3 "$PG_DIR/log")"
		return 1
	fi
}

# pg_pause: stops the cluster (fast: connections are cut), keeping it.
pg_pause() {
	"${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop \
	    >/dev/null 2>&1
}

# pg_stop: stops the cluster and removes it (for a cleanup hook).
pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	[ -f "$PG_DIR/data/postmaster.pid" ] &&
		"${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate \
		    -w stop >/dev/null 2>&1
	rm -rf "$PG_DIR"
	PG_DIR=
}

# pg_sql SQL: runs SQL with psql, unaligned, tuples only.
pg_sql() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 "$PG_CONNINFO" -c "$1"
}
