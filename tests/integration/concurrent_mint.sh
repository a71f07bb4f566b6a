#!/usr/bin/env bash
# concurrent_mint.sh — two 50,000-code mints against one store at the same
# time: both succeed, get distinct batch ids, have disjoint serials, and
# every code of both verifies once activated.
. "$(dirname "$0")/lib.sh"
setup

N=50000
PIDS=()

# Kills mints still running when the test ends.
kill_mints() {
	local p
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}
on_cleanup kill_mints

make_key 1
make_key 2
# Both start together: each waits for a go file so that neither is done
# before the other has begun.
for k in 1 2; do
	(
		while [ ! -e "$T/go" ]; do sleep 0.01; done
		exec "$SCANLOOP" mint --key "$k" --product "$GTIN" --count "$N" \
		    --out "$T/job$k" --quiet
	) >"$T/run/out$k" 2>"$T/run/err$k" &
	PIDS+=($!)
done
touch "$T/go"
for k in 1 2; do
	rc=0
	wait "${PIDS[$((k - 1))]}" || rc=$?
	check_sanitizer "$T/run/err$k"
	[ "$rc" -eq 0 ] || fail "mint $k exited $rc: $(cat "$T/run/err$k")"
	[ ! -s "$T/run/err$k" ] || fail "mint $k wrote to stderr: $(cat "$T/run/err$k")"
done
PIDS=()

check_job "$T/job1" "$N"
check_job "$T/job2" "$N"
B1=$(manifest_get "$T/job1" batch_id)
B2=$(manifest_get "$T/job2" batch_id)
[ "$B1" != "$B2" ] || fail "both mints got batch $B1"
assert_eq "$(manifest_get "$T/job1" key_id)" 1 "key of job 1"
assert_eq "$(manifest_get "$T/job2" key_id)" 2 "key of job 2"

# Disjoint serials (each job's are unique already: check_job).
for k in 1 2; do
	tail -n +2 "$T/job$k/codes.csv" | cut -d, -f2 | sort >"$T/serials$k"
done
common=$(comm -12 "$T/serials1" "$T/serials2" | wc -l)
assert_eq "$common" 0 "serials shared by the two batches"

listed=$(batches | sort -n)
assert_eq "$listed" "$(printf '%s ready %s\n' "$B1" "$N" "$B2" "$N" | sort -n)" \
    "batch list after two concurrent mints"
assert_eq "$(codes_entries)" $((2 * N)) "codes database entries"

# Every code of both batches verifies, against its own batch and key.
ok batch activate "$B1"
ok batch activate "$B2"
for k in 1 2; do
	tail -n +2 "$T/job$k/codes.csv" | cut -d, -f3 >"$T/urls$k"
	b=$([ "$k" -eq 1 ] && echo "$B1" || echo "$B2")
	run_stdin "$T/urls$k" "$SCANLOOP" verify
	assert_rc 0 "verify all codes of job $k"
	n=$(grep -c "^genuine .* active, batch $b, GTIN $GTIN14, key $k\$" <<<"$OUT" || true)
	assert_eq "$n" "$N" "genuine codes of batch $b"
done
note "ok"
