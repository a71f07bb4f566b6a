#!/usr/bin/env bash
# sigterm.sh — SIGTERM under load: 8 clients scan (4 through the JSON API,
# 4 through the page) for 3 s; SIGTERM part-way. The server drains and
# exits 0 within 15 s; every request answered 2xx has its event in the
# store; no answer was cut short; no 5xx.
. "$(dirname "$0")/lib.sh"
serve_setup
mint_active 500 "$T/job"
codes_file "$T/job" "$T/codes.txt"

serve_start --rate 0
load_start python3 "$SERVE_LIB_DIR/httpc.py" load --port "$SRV_PORT" \
    --clients 8 --seconds 3 --max 5000 --mode mixed --codes "$T/codes.txt" \
    --out "$T/run/load.jsonl"
sleep 1.5
KILLED_AT=$(date +%s.%N)
serve_signal TERM
serve_wait_exit 15
[ "$SRV_RC" -eq 0 ] || fail "the server exited $SRV_RC after SIGTERM: $(tail "$SRV_ERR")"
grep -q 'drained and stopped' "$SRV_ERR" || fail "no drain message: $(cat "$SRV_ERR")"
load_wait
events_check "$T/run/load.jsonl" "" --status 200 \
    --errors closed,refused,reset
after=$(python3 -c 'import json, sys
k = float(sys.argv[2])
print(sum(1 for l in open(sys.argv[1]) for r in [json.loads(l)]
          if r["status"] == 200 and r["t1"] > k))' "$T/run/load.jsonl" "$KILLED_AT")
note "ok: $after requests answered after SIGTERM"
