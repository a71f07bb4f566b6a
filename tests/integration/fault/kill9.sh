#!/usr/bin/env bash
# kill9.sh — SIGKILL at random moments under mixed scan and draw load
# (issue 14, the fault regime): the server is killed 10 times (KILLS),
# each time 0.3 to 1.5 s after it came up, and restarted on the same store
# and port while the clients go on:
#   - draws: drawload.py's 8 clients over 8,000 codes of a campaign with
#     small stock (A: total 10, daily cap 3; B: total 5; P: points),
#     races, pairs and repeats, retrying whatever got no answer;
#   - scans: httpc.py, 4 clients of page and API scans over 300 other
#     codes, until the kills are done.
# Then, on the last server: 20 claims of A and B prizes are each redeemed
# by 2 clients at once. Checked against the store (drawload.py check
# --crash, check-redeem; httpc.py check):
#   acknowledged scans lost: 0 (every 2xx event id is stored);
#   acknowledged draws lost: 0 (every answer is its code's stored draw);
#   codes drawn twice: 0; answers that differ on re-ask: 0;
#   awards per tier <= its stock and its daily cap; campaign show agrees;
#   each raced redemption succeeded exactly once.
# The figures are printed.
. "$(dirname "$0")/../rewards_load/lib.sh"
rl_setup
KILLS=${KILLS:-10}
N=8000
ID=kill-1

rl_load_campaign "$ID" "$N"
mint_active 300 "$T/scanjob"
codes_file "$T/scanjob" "$T/scancodes.txt"
rl_store_add s1
TOK1=$STORE_TOKEN
rl_store_add s2
TOK2=$STORE_TOKEN

serve_start --rate 0
PORT=$SRV_PORT
rl_load_start
DRAWS=$LOAD
python3 "$SERVE_LIB_DIR/httpc.py" load --port "$PORT" --clients 4 \
    --seconds 300 --max 200000 --mode mixed --codes "$T/scancodes.txt" \
    --out "$T/run/scans.jsonl" --stop-file "$T/run/stop" \
    >"$T/run/scans.out" 2>&1 &
SCANS=$!
on_cleanup "kill $SCANS 2>/dev/null"

kills=0 during_draws=0
: >"$T/run/kills"
while [ "$kills" -lt "$KILLS" ]; do
	sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", 0.3 + r % 1200 / 1000 }')"
	kill -0 "$DRAWS" 2>/dev/null && during_draws=$((during_draws + 1))
	serve_signal KILL
	serve_wait_exit 10
	[ "$SRV_RC" -eq 137 ] || fail "kill $((kills + 1)): the server exited $SRV_RC"
	kills=$((kills + 1))
	date +%s.%N >>"$T/run/kills"
	LISTEN="127.0.0.1:$PORT" serve_start --rate 0
done
note "killed the server $kills times ($during_draws while draws ran)"
wait "$DRAWS" || fail "the draw load failed: $(cat "$T/run/load.out")"
note "$(cat "$T/run/load.out")"
touch "$T/run/stop"
wait "$SCANS" || fail "the scan load failed: $(cat "$T/run/scans.out")"

# The draws against the store; then redemption races on the last
# server: 20 prizes, 2 clients each.
rl_export "$ID" "$T/run/c"
python3 "$DRAWLOAD" check --crash --records "$T/run/load.jsonl" \
    --codes "$T/job/codes.csv" --campaign "$ID" \
    --draws "$T/run/c-draws.jsonl" --claims "$T/run/c-claims.jsonl" \
    --show "$T/run/c-show.txt" --points "$T/run/points.jsonl" \
    --tokens-out "$T/run/tokens.txt" ||
    fail "draws: the clients' answers and the store disagree (see above)"
awk '$3 == "A" || $3 == "B" { print $1 }' "$T/run/tokens.txt" | head -20 \
    >"$T/run/race.txt"
[ "$(wc -l <"$T/run/race.txt")" -ge 5 ] ||
    fail "too few prize claims to race: $(head "$T/run/tokens.txt")"
python3 "$DRAWLOAD" redeem --port "$PORT" --tokens "$T/run/race.txt" \
    --bearer "$TOK1,$TOK2" --racers 2 --out "$T/run/redeem.jsonl" ||
    fail "the redemption races failed"
serve_alive
serve_stop
check_sanitizer "$SRV_ERR"
rl_export "$ID" "$T/run/r"
python3 "$DRAWLOAD" check-redeem --records "$T/run/redeem.jsonl" \
    --claims "$T/run/r-claims.jsonl" ||
    fail "the redemption races (see above)"
events_check "$T/run/scans.jsonl" scans --status 200,404,503 \
    --errors closed,refused,reset,truncated
python3 - "$T/run/load.jsonl" "$T/run/scans.jsonl" "$T/run/c-draws.jsonl" \
    "$T/run/redeem.jsonl" "$kills" <<'PY'
import collections, json, sys
draws = [json.loads(l) for l in open(sys.argv[1])]
scans = [json.loads(l) for l in open(sys.argv[2])]
log = [json.loads(l) for l in open(sys.argv[3])]
red = [json.loads(l) for l in open(sys.argv[4])]
acked_d = [r for r in draws if r["status"] == 200]
acked_s = [r for r in scans if r["status"] and 200 <= r["status"] < 300]
online = [d for d in log if d.get("type") == "draw" and d["kind"] == "online"]
tiers = collections.Counter(d["outcome"] for d in online)
per_serial = collections.Counter(d["serial"] for d in online)
print("figures: %s kills; scans: %d requests, %d acknowledged, 0 lost; "
      "draws: %d requests, %d acknowledged, 0 lost, %d codes drawn, %d drawn "
      "twice, 0 answers differing on re-ask; awards %s; redemptions: %d "
      "claims raced by 2, %d succeeded" %
      (sys.argv[5], len(scans), len(acked_s), len(draws), len(acked_d),
       len(per_serial), sum(1 for k in per_serial.values() if k > 1),
       {t: k for t, k in sorted(tiers.items()) if t not in ("miss",)},
       len({r["token"] for r in red}),
       sum(1 for r in red if r["status"] == 200)))
PY
note "ok"
