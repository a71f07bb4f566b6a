#!/usr/bin/env bash
# concurrency.sh — 8 concurrent clients draw with 5,000 codes against tiers
# of small stock (issue 5, "Concurrency").
#
# A batch of 5,000 active codes; a running campaign over it that draws on
# the outer code with tier A (physical, total 10, daily cap 3, odds 20%),
# tier B (coupon, total 5, odds 10%) and tier P (points, odds 30%). The
# server runs with --rate 0. drawload.py runs 8 clients (threads, each its
# own keep-alive connection and visitor cookie) through POST
# /api/v1/draws: 100 codes drawn by all 8 at once (a barrier before each),
# every other code by its owner and every tenth also by a second client in
# step, then 50 repeats per client. After a clean stop, against `scanloop
# export draws|claims --format jsonl` and `campaign show`:
#   - no tier beyond its total, nor beyond its daily cap on any local day
#     of the log; show's awarded/left agree; B's stock and A's cap for the
#     day were used up (the load was big enough to test them);
#   - each code drew online exactly once, and exactly one answer said
#     "new"; nothing was refused;
#   - one claim per physical/coupon award, bound to its draw;
#   - every answer (win, points, miss) names its code's stored draw:
#     sequence number, outcome, tier, claim token (its public id), the
#     scan event of the new draw; all answers of a code are identical
#     (repeats return the first result);
#   - the points balances of the 8 visitors are what their new points
#     draws credited, and add up to the points in the log;
#   - `claim show` finds every claim token a client saw;
#   - after `campaign end` and `reveal`, `campaign audit` passes (from the
#     store, from the exported log, and docs/audit_draws.py), and a
#     tampered log fails it.
. "$(dirname "$0")/lib.sh"
rl_setup
N=5000
ID=load-1

rl_load_campaign "$ID" "$N"

serve_start --rate 0
rl_load_start
load_wait
serve_alive
serve_stop
check_sanitizer "$SRV_ERR"

rl_export "$ID" "$T/run/c"
python3 "$DRAWLOAD" check --records "$T/run/load.jsonl" \
    --codes "$T/job/codes.csv" --campaign "$ID" \
    --draws "$T/run/c-draws.jsonl" --claims "$T/run/c-claims.jsonl" \
    --show "$T/run/c-show.txt" --points "$T/run/points.jsonl" \
    --min-awarded A=3,B=5 --tokens-out "$T/run/tokens.txt" ||
    fail "the clients' answers and the store disagree (see above)"

# Every claim token a client saw opens its claim.
n=0
while read -r tok serial outcome _; do
	ok claim show "$tok"
	assert_contains "$OUT" "serial: $serial" "claim show $tok"
	assert_contains "$OUT" "tier: $outcome " "claim show $tok"
	assert_contains "$OUT" "state: open" "claim show $tok"
	n=$((n + 1))
done <"$T/run/tokens.txt"
[ "$n" -ge 8 ] || fail "only $n claim tokens seen (A and B award at least 8)"
note "claim show: $n claims"

rl_audit "$ID" "$T/run/c-draws.jsonl"
note "ok"
