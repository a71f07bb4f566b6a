#!/usr/bin/env bash
# mint_kill.sh — SIGKILL a 400,000-code mint while it signs, and again
# while it stores its codes: no JOBDIR appears, the half batch is listed
# only as "minting" (or not at all, once a command has cleaned it up) and
# none of its codes verify; re-running the same
# command works and leaves a consistent store (no minting batch, codes
# database entries == sum of batch counts) and no partial directories.
#
# To kill in a known phase without timing guesses, the test stops the
# mint (SIGSTOP), looks at the disk and, with the read-only mdb_stat, at
# the store, and either kills it there or lets it continue. While the mint
# is stopped it may hold LMDB's writer lock (and, for an instant, the
# reader-table lock), so nothing that could wait for those runs then:
# no scanloop command, and mdb_stat only under a timeout.
. "$(dirname "$0")/lib.sh"
command -v mdb_stat >/dev/null || skip "mdb_stat (lmdb-utils) is not installed"
setup

N=400000
BEFORE=1000		# codes of a finished batch minted first
POLL_LIMIT=600		# seconds; only a bound against hanging
JOB="$T/jobs/job"
mkdir "$T/jobs"
CMD=("$SCANLOOP" mint --key 1 --product "$GTIN" --count "$N" --out "$JOB" --quiet)
PID=

# Kills the mint if the test ends while it runs.
kill_mint() {
	if [ -n "$PID" ]; then
		kill -KILL "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
}
on_cleanup kill_mint

# raw_entries DB: entries of a database of the store as mdb_stat sees them
# (the raw B-tree, minting batches included); empty if mdb_stat had to
# wait for a lock.
raw_entries() {
	timeout 10 mdb_stat -s "$1" "$SCANLOOP_DB" 2>/dev/null |
	    awk '/Entries:/ { print $2 }' || true
}

# The partial job directory of the running mint.
partial() {
	printf '%s/.%s.partial-%s' "$(dirname "$JOB")" "$(basename "$JOB")" "$PID"
}

# kill_when PHASE: runs the mint in the background and SIGKILLs it once
# the predicate in_PHASE holds while it is stopped.
kill_when() {
	local phase=$1 deadline=$((SECONDS + POLL_LIMIT)) rc
	"${CMD[@]}" >"$T/run/mint.out" 2>"$T/run/mint.err" &
	PID=$!
	while :; do
		if ! kill -STOP "$PID" 2>/dev/null; then
			wait "$PID" && rc=0 || rc=$?
			PID=
			fail "the mint ended (exit $rc) before it was seen $phase: $(cat "$T/run/mint.err")"
		fi
		if "in_$phase"; then
			kill -KILL "$PID"
			wait "$PID" 2>/dev/null && rc=0 || rc=$?
			[ "$rc" -eq 137 ] || fail "killed mint exited $rc, not by SIGKILL"
			note "killed pid $PID while $phase"
			LAST_PID=$PID
			PID=
			return
		fi
		kill -CONT "$PID"
		[ "$SECONDS" -lt "$deadline" ] || fail "mint never reached '$phase' in $POLL_LIMIT s"
		sleep 0.05
	done
}

# Signing: codes.csv is being written under the partial name; the store
# has no record of the batch yet.
in_signing() {
	local csv
	csv="$(partial)/codes.csv"
	[ -s "$csv" ] && [ "$(wc -l <"$csv")" -gt 1000 ] &&
	    [ "$(raw_entries batches)" == 1 ]
}

# Storing: some, not all, of the batch's codes are in the store.
in_storing() {
	local n
	n=$(raw_entries codes)
	[ -n "$n" ] && [ "$n" -gt "$BEFORE" ] && [ "$n" -lt $((BEFORE + N)) ]
}

# Fails unless every batch but the first is listed as minting (a killed
# mint's batch may be listed so, or already cleaned up by the command).
only_minting_listed() {
	local extra
	extra=$(batches | awk -v first="$FIRST" '$1 != first && $2 != "minting"')
	[ -z "$extra" ] || fail "$1: a killed mint's batch is listed as: $extra"
	batches | grep -q "^$FIRST active $BEFORE\$" ||
	    fail "$1: the first batch is not listed as before: $(batches)"
}

make_key 1
# A finished batch beside the killed ones must be untouched.
mint 1 "$BEFORE" "$T/jobs/before"
FIRST=$(manifest_get "$T/jobs/before" batch_id)
ok batch activate "$FIRST"
UBEFORE=$(sed -n 2p "$T/jobs/before/codes.csv" | cut -d, -f3 | tr -d '\r')

# 1. Killed while signing.
kill_when signing
assert_absent "$JOB" "JOBDIR after a kill while signing"
assert_eq "$(raw_entries batches)" 1 "batch records after a kill while signing"
assert_eq "$(raw_entries codes)" "$BEFORE" "codes after a kill while signing"
only_minting_listed "batch list after a kill while signing"

# 2. Killed while storing.
kill_when storing
assert_absent "$JOB" "JOBDIR after a kill while storing"
stored=$(raw_entries codes)
note "killed with $((stored - BEFORE)) of $N codes stored"
only_minting_listed "batch list after a kill while storing"
# The half batch's codes are invisible: its codes.csv (left in the
# partial directory) names codes that must not verify.
half="$T/jobs/.job.partial-$LAST_PID/codes.csv"
[ -s "$half" ] || fail "expected the killed mint's partial codes.csv at $half"
sed -n '2p;1000p;$p' "$half" | cut -d, -f3 | tr -d '\r' >"$T/halfcodes"
run_stdin "$T/halfcodes" "$SCANLOOP" verify
assert_rc 1 "verify codes of a killed mint"
[ "$(grep -c '^forged ' <<<"$OUT")" -eq 3 ] ||
    fail "codes of a killed mint must verify as forged: $(last)"
sl verify "$UBEFORE"
assert_rc 0 "code of the earlier batch after the kills"

# 3. The same command again works and cleans up.
ok "${CMD[@]:1}"
[ -d "$JOB" ] || fail "re-run exited 0 without $JOB"
check_job "$JOB" "$N"
BATCH=$(manifest_get "$JOB" batch_id)
listed=$(batches)
! grep -q ' minting ' <<<"$listed" || fail "a minting batch remains: $listed"
assert_eq "$(sort <<<"$listed" | tr '\n' ' ')" \
    "$(printf '%s\n' "$FIRST active $BEFORE" "$BATCH ready $N" | sort | tr '\n' ' ')" \
    "batches after the re-run"
sum=$(awk '{ s += $3 } END { print s }' <<<"$listed")
assert_eq "$(codes_entries)" "$sum" "codes database entries vs batch counts ($listed)"
assert_eq "$(raw_entries batches)" 2 "batch records after the re-run"
assert_no_partial "$T/jobs"
assert_eq "$(ls -A "$T/jobs" | sort | tr '\n' ' ')" "before job " "job directories"
run_stdin "$T/halfcodes" "$SCANLOOP" verify
[ "$(grep -c '^forged ' <<<"$OUT")" -eq 3 ] ||
    fail "codes of the killed mint verify after the re-run: $(last)"
ok batch activate "$BATCH"
sed -n '2p;200000p;$p' "$JOB/codes.csv" | cut -d, -f3 | tr -d '\r' >"$T/newcodes"
run_stdin "$T/newcodes" "$SCANLOOP" verify
assert_rc 0 "codes of the re-run"
sl verify "$UBEFORE"
assert_rc 0 "code of the earlier batch at the end"
note "ok"
