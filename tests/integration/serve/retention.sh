#!/usr/bin/env bash
# retention.sh — forged scans past the budget, and retention (issue 14,
# point 2), through the real server and CLI:
#   - with --forged-budget 2, of 5 forged scans from one address 2 are
#     stored; the API answers a scan past the budget with event_id null;
#     `scans forged` counts all of them (127.0.0.0/24, stored 2);
#   - `scanloop prune` refuses while the server runs;
#   - a server started 91 days later (faketime) prunes by itself (the
#     default --retain-forged 90): the forged events go, the genuine ones
#     stay; the code whose chain held forged events lists its genuine
#     scans only, and a new scan joins that chain (the server dropped its
#     cached summaries); addresses are kept (100 days not reached);
#   - `scanloop prune --ip-older 100` 101 days later drops the addresses
#     of the old events, not of the new one; the first day's counts went
#     with its forged events.
. "$(dirname "$0")/lib.sh"
serve_setup
command -v faketime >/dev/null || skip "faketime is not installed"
# libfaketime must come before the sanitizer runtime under faketime.
if [ -n "${ASAN_OPTIONS:-}" ]; then
	export ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"
fi
# Only the wall clock moves (the server's deadlines use the monotonic one).
export FAKETIME_DONT_FAKE_MONOTONIC=1
mint_active 5 "$T/job"
G=$(row "$T/job" 1)
FORGED=$(sed 's/\(S=.\{40\}\)./\1A/' <<<"$G")
[ "$FORGED" != "$G" ] || FORGED=$(sed 's/\(S=.\{40\}\)./\1B/' <<<"$G")
SERIAL=$(serial_of "$G")

# chain_ids: sets CHAIN to the event ids of `scans show --serial $SERIAL`
# (in $OUT), newest first.
chain_ids() {
	ok scans show --serial "$SERIAL" -n 1000
	# The id column only: a forged scan's stored text may hold '#'.
	CHAIN=$(awk '$4 ~ /^#[0-9]+$/ { printf "%s ", substr($4, 2) }' \
	    <<<"$OUT")
}

serve_start --rate 0 --forged-budget 2
get "$(path_of "$G")"
expect_code 200 "a genuine scan"
for i in 1 2 3; do
	get "$(path_of "$FORGED")"
	expect_code 404 "forged scan $i"
done
get "$(path_of "$G")"
expect_code 200 "a second genuine scan"
post_json /api/v1/scans "{\"code\":\"$FORGED\"}"
expect_code 200 "an API scan of a forged code past the budget"
assert_eq "$(json_get 'j["event_id"]')" null "event_id past the budget"
assert_eq "$(json_get 'j["verdict"]')" '"forged"' "verdict past the budget"
get /01/09506000134352/21/NOT-A-SERIAL
expect_code 404 "a malformed scan"
sleep 1.5			# the events behind the answers, a fold
ok scans forged
assert_contains "$OUT" "127.0.0.0/24" "scans forged"
grep -qE '127\.0\.0\.0/24 +forged 4 +malformed 1 +stored 2$' <<<"$OUT" ||
    fail "scans forged: want 4 forged, 1 malformed, 2 stored: $OUT"
tail_events 100
assert_eq "$(grep -c ' forged ' <<<"$OUT")" 2 "forged events stored"
chain_ids
before=$CHAIN
note "chain before: $before"
assert_eq "$(wc -w <<<"$before")" 4 "events in the code's chain"

run "$SCANLOOP" prune
assert_rc 1 "prune while the server runs"
assert_contains "$ERR" "serve is using this store" "prune while serving"
serve_stop

# 91 days later the server prunes at start.
SERVE_WRAP="faketime -f +91d" serve_start --rate 0
for ((i = 0; i < 100; i++)); do
	tail_events 100
	grep -q ' forged ' <<<"$OUT" || break
	sleep 0.1
done
assert_not_contains "$OUT" " forged " "events after the automatic prune"
assert_eq "$(grep -c ' genuine ' <<<"$OUT")" 2 "genuine events kept"
assert_contains "$OUT" "127.0.0.0 " "addresses kept before 100 days"
chain_ids
after=$CHAIN
note "chain after: $after"
assert_eq "$(wc -w <<<"$after")" 2 "the chain after the prune"
assert_contains "$OUT" "all scans: 2" "the summary after the prune"
get "$(path_of "$G")"
expect_code 200 "a scan after the prune"
sleep 1.5
chain_ids
new=$CHAIN
assert_eq "$(wc -w <<<"$new")" 3 "the chain after a new scan"
assert_eq "$(cut -d' ' -f2- <<<"$new")" "$after" "the new scan links to the kept chain"
assert_contains "$OUT" "all scans: 3" "the summary after a new scan"
assert_contains "$(cat "$SRV_ERR")" "pruned: 2 forged or malformed" \
    "the server's report"
serve_stop

# 101 days later, by hand: the addresses of the first day go.
run faketime -f +101d "$SCANLOOP" prune --ip-older 100
assert_rc 0 "prune --ip-older 100"
note "$OUT"
assert_contains "$OUT" "addresses dropped: 2" "prune --ip-older"
tail_events 100
note "$OUT"
assert_eq "$(grep -c ' 127\.0\.0\.0 ' <<<"$OUT")" 1 "events that keep their address"
# The first day's counts went with its forged events (90 days).
run faketime -f +101d "$SCANLOOP" scans forged --hours 2500
assert_rc 0 "scans forged"
assert_eq "$OUT" "" "counts after 101 days"
note "ok"
