#!/usr/bin/env bash
# crash.sh — SIGKILL under load: 8 clients POST /api/v1/scans for 4 s
# (--rate 0); the server is killed part-way and restarted on the same
# store and port while they go on. Every event id a client saw in a 2xx
# answer is in the store; ids are unique; the store is consistent
# (`scanloop verify --full` of every code, `scans show`); the restarted
# server answers and drains cleanly.
. "$(dirname "$0")/lib.sh"
serve_setup
mint_active 500 "$T/job"
codes_file "$T/job" "$T/codes.txt"

serve_start --rate 0
PORT=$SRV_PORT
load_start python3 "$SERVE_LIB_DIR/httpc.py" load --port "$PORT" \
    --clients 8 --seconds 4 --max 10000 --mode api --codes "$T/codes.txt" \
    --out "$T/run/load.jsonl"
sleep 1.5
serve_signal KILL
serve_wait_exit 10
[ "$SRV_RC" -eq 137 ] || fail "the killed server exited $SRV_RC"
# Same port (SO_REUSEADDR), so that the clients reach the new server.
LISTEN="127.0.0.1:$PORT" serve_start --rate 0
load_wait
get "$(path_of "$(head -1 "$T/codes.txt")")"
expect_code 200 "a scan on the restarted server"
serve_stop

events_check "$T/run/load.jsonl" "" --status 200 \
    --errors closed,refused,reset,truncated
# Answers after the restart: the clients reached the new server.
python3 - "$T/run/load.jsonl" <<'PY' || fail "no client reached the restarted server"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
refused = [r["t1"] for r in recs if r["error"] == "refused"]
later = [r for r in recs if r["status"] == 200 and refused and r["t0"] > max(refused)]
print("answered by the restarted server: %d" % len(later))
sys.exit(0 if later else 1)
PY
# The store is consistent: ids unique and increasing, every code still
# verifies, every code's summary is readable.
ids=$(event_ids)
[ "$(sort -n <<<"$ids" | uniq -d | wc -l)" -eq 0 ] || fail "duplicate event ids"
[ "$(sort -n <<<"$ids")" = "$ids" ] || fail "event ids out of order"
run_stdin "$T/codes.txt" "$SCANLOOP" verify --full
assert_rc 0 "verify --full of every code after the crash"
[ "$(grep -c '^genuine ' <<<"$OUT")" -eq 500 ] || fail "not all codes verify: $OUT"
ok scans show --serial "$(head -1 "$T/codes.txt")"
ok batch list
note "ok"
