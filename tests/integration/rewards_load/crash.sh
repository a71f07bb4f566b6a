#!/usr/bin/env bash
# crash.sh — SIGKILL the server in the middle of the draw load, restart it
# on the same store, finish the load (issue 5, "Crash").
#
# The load of concurrency.sh (5,000 codes, 8 clients, races and repeats;
# --rate 0) against a campaign with tiers of small stock — A (physical,
# total 10, daily cap 3), B (coupon, total 5), P (points) — and an
# at_store tier T, so that every draw without an online prize gets a
# sealed ticket (a claim). Once 1,500 answers have come back the server
# is killed (SIGKILL) mid-load; it restarts on the same store and port a
# day later by its clock (faketime +1d: local day 1 of the campaign, so
# that the daily caps start again), and the clients, retrying whatever got
# no answer, finish the load. Then, as in concurrency.sh: no tier beyond
# its total or its daily cap on either local day (A reached its cap on
# both), each code drew online once, one claim per physical/coupon award
# and per ticket, every answer any client saw — before the kill or after
# — is its code's stored draw (a code whose answer was lost in the kill
# answers "repeat" with the committed result), no "new" twice; every
# claim token seen before the kill opens its claim with `claim show`; the
# audit passes.
. "$(dirname "$0")/lib.sh"
rl_setup
command -v faketime >/dev/null || fail "faketime is not installed"
N=5000
KILL_AFTER=1500
ID=crash-1

rl_load_campaign "$ID" "$N" '
 {"id": "T", "name": "Store prize", "kind": "physical", "total": 8,
  "daily_cap": 4, "odds": 500000, "reveal": "at_store"}'

serve_start --rate 0
PORT=$SRV_PORT
rl_load_start

# Kill once KILL_AFTER answers are in (60 s at most).
for ((i = 0; i < 600; i++)); do
	n=$(grep -c '"status":200' "$T/run/load.jsonl" 2>/dev/null || true)
	[ "${n:-0}" -ge "$KILL_AFTER" ] && break
	kill -0 "$LOAD" 2>/dev/null || fail "the load ended early: $(cat "$T/run/load.out")"
	sleep 0.1
done
[ "${n:-0}" -ge "$KILL_AFTER" ] || fail "only ${n:-0} answers in 60 s"
KILL_TIME=$(date +%s.%N)
serve_signal KILL
serve_wait_exit 10
[ "$SRV_RC" -eq 137 ] || fail "the killed server exited $SRV_RC"
note "killed the server after $n answers"
# Same port (SO_REUSEADDR), so that the clients reach the new server; a
# day later by its clock.
LISTEN="127.0.0.1:$PORT" SERVE_WRAP="faketime -f +1d" serve_start --rate 0
load_wait
serve_alive
serve_stop
check_sanitizer "$SRV_ERR"

rl_export "$ID" "$T/run/c"
python3 "$DRAWLOAD" check --crash --kill-time "$KILL_TIME" \
    --records "$T/run/load.jsonl" --codes "$T/job/codes.csv" \
    --campaign "$ID" --draws "$T/run/c-draws.jsonl" \
    --claims "$T/run/c-claims.jsonl" --show "$T/run/c-show.txt" \
    --points "$T/run/points.jsonl" --min-awarded A=6,B=5 \
    --tokens-out "$T/run/tokens.txt" ||
    fail "the clients' answers and the store disagree (see above)"
# The log spans (at least) two local days: the clock moved a day.
days=$(python3 -c 'import json, sys
print(len({json.loads(l)["day"] for l in open(sys.argv[1]) if "\"type\":\"draw\"" in l}))' \
    "$T/run/c-draws.jsonl")
[ "$days" -ge 2 ] || fail "the draws fall on $days local day(s), want 2"

# Every claim seen before the kill (each prize, and up to 100 tickets)
# opens with its token.
wins=0 tickets=0
while read -r tok serial outcome before; do
	[ "$before" = 1 ] || continue
	if [ "$outcome" = ticket ]; then
		tickets=$((tickets + 1))
		[ "$tickets" -le 100 ] || continue
	else
		wins=$((wins + 1))
	fi
	ok claim show "$tok"
	assert_contains "$OUT" "serial: $serial" "claim show $tok"
	assert_contains "$OUT" "state: open" "claim show $tok"
	[ "$outcome" = ticket ] || assert_contains "$OUT" "tier: $outcome " \
	    "claim show $tok"
done <"$T/run/tokens.txt"
[ "$wins" -ge 3 ] || fail "only $wins prizes answered before the kill"
[ "$tickets" -ge 1 ] || fail "no ticket answered before the kill"
note "claim show: the $wins prizes and $((tickets > 100 ? 100 : tickets)) of" \
    "the $tickets tickets answered before the kill"

rl_audit "$ID" "$T/run/c-draws.jsonl" +1d
note "ok"
