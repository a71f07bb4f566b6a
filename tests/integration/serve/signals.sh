#!/usr/bin/env bash
# signals.sh — the signals through the real server, driven by an
# independent client (signals_client.py: Python's http.client, json, csv
# and its own haversine). Ordinary traffic raises none (first scans, a
# visitor's own repeat far away, visitors close together, bots, HEAD, app
# scans inside the sales region, forged scans up to the threshold); each
# constructed sequence raises exactly its signal: leaked_job (page and
# app), clone (the app scan's location and the page's), diversion,
# forgery_burst (once per prefix and hour). The listing as text, CSV and
# JSON Lines, --since, GET /admin/signals.json and /metrics agree with
# the client. Crash safety: SIGKILL right after the 2xx of a scan that
# raised a signal, and the signal is there after a restart. Bad input: a
# negative radius, bad circle syntax, an unknown batch or setting, a
# value out of range, bad listing options: a clear error, nothing
# changed.
. "$(dirname "$0")/lib.sh"
serve_setup
SC="python3 $SERVE_LIB_DIR/signals_client.py"

# A forgery burst counts per UTC hour: keep the test inside one.
if [ "$(date -u +%M)" -ge 58 ]; then
	sleep $((3600 - $(date -u +%s) % 3600 + 1))
fi

make_key 1
mint 1 20 "$T/jobA" --line L2-SH
BATCH_A=$(manifest_get "$T/jobA" batch_id)
ok batch activate "$BATCH_A"
mint 1 10 "$T/jobB"
BATCH_B=$(manifest_get "$T/jobB" batch_id)
# A genuine code's URL with its signature's last character changed.
FORGED=$(row "$T/jobA" 1)
case "$FORGED" in
*A) FORGED="${FORGED%A}B" ;;
*) FORGED="${FORGED%?}A" ;;
esac

# Bad input first: a clear error, exit 2 (usage) or 1 (rejected), and
# nothing stored.
run "$SCANLOOP" batch region "$BATCH_A" --circle 31.23,121.47,-5
assert_rc 2 "a negative radius"
assert_contains "$ERR" "radius must be more than 0" "a negative radius"
for bad in 31.23 31.23,121.47 31.23,121.47,x 91,0,5 0,181,5 ',1,2' \
    '31.23, 121.47,5' 1,2,3,4 31.23,121.47,0; do
	run "$SCANLOOP" batch region "$BATCH_A" --circle "$bad"
	assert_rc 2 "circle '$bad'"
	assert_contains "$ERR" "--circle '$bad'" "circle '$bad' named"
done
run "$SCANLOOP" batch region 999 --circle 31.23,121.47,300
assert_rc 1 "an unknown batch"
assert_contains "$ERR" "no batch 999" "an unknown batch"
run "$SCANLOOP" batch region "$BATCH_A"
assert_rc 2 "region without circles"
run "$SCANLOOP" batch region "$BATCH_A" --clear --circle 1,2,3
assert_rc 2 "--clear with --circle"
run "$SCANLOOP" batch activate "$BATCH_A" --circle 1,2,3
assert_rc 2 "--circle outside 'batch region'"
ok batch show "$BATCH_A"
assert_not_contains "$OUT" "region:" "no region after the refusals"
run "$SCANLOOP" config set clone.kms 5
assert_rc 2 "an unknown setting"
assert_contains "$ERR" "unknown setting 'clone.kms'" "an unknown setting"
run "$SCANLOOP" config get nope
assert_rc 2 "get of an unknown setting"
for bad in "clone.km 0" "clone.km -5" "clone.km abc" "clone.hours 1e9" \
    "burst.per_hour 2.5" "burst.per_hour ''" "clone.km nan"; do
	eval "run \"\$SCANLOOP\" config set $bad"
	assert_rc 2 "config set $bad"
done
ok config get clone.km
assert_eq "$OUT" "50" "the default stays"
run "$SCANLOOP" signals --kind bogus
assert_rc 2 "an unknown kind"
run "$SCANLOOP" signals --format xml
assert_rc 2 "an unknown format"
run "$SCANLOOP" signals --from 2026-06-02 --to 2026-06-01
assert_rc 2 "--from after --to"
run "$SCANLOOP" signals --since 5
assert_rc 1 "--since beyond the newest signal"
assert_contains "$ERR" "beyond the newest signal" "--since beyond"
run "$SCANLOOP" signals --kind redemption_anomaly --since 0
assert_rc 2 "--since for a computed kind"

# The installation's settings and the region.
ok config set burst.per_hour 5
ok config set clone.km 50
ok config set clone.hours 24
ok config list
assert_contains "$OUT" "burst.per_hour     5" "config list"
assert_contains "$OUT" "(default)" "config list marks defaults"
ok batch region "$BATCH_A" --circle 31.2304,121.4737,300 \
    --circle 39.9042,116.4074,100
ok batch show "$BATCH_A"
assert_eq "$(grep -c '^region: ' <<<"$OUT")" 2 "two circles"

cat >"$T/codes.json" <<JSON
{"g1": "$(row "$T/jobA" 3)", "g2": "$(row "$T/jobA" 4)",
 "g3": "$(row "$T/jobA" 5)", "g4": "$(row "$T/jobA" 6)",
 "g5": "$(row "$T/jobA" 7)", "g6": "$(row "$T/jobA" 8)",
 "not_active": "$(row "$T/jobB" 1)", "forged": "$FORGED",
 "batch_a": $BATCH_A, "batch_b": $BATCH_B, "gtin": "0$GTIN",
 "line_a": "L2-SH",
 "region": [[31.2304, 121.4737, 300], [39.9042, 116.4074, 100]]}
JSON

serve_start --rate 0
ok admin token new --name protection
TOKEN=$(sed -n 's/^token: //p' <<<"$OUT")

# 1. Ordinary traffic: no signal.
$SC quiet --port "$SRV_PORT" --codes "$T/codes.json" --state "$T/state.json" ||
    fail "the ordinary traffic failed"
ok signals --format jsonl
assert_eq "$OUT" "" "no signal from ordinary traffic"
assert_eq "$ERR" "next: --since 0" "the cursor without signals"
for k in leaked_job clone diversion forgery_burst; do
	assert_eq "$(metric "scanloop_signals_total{kind=\"$k\"}")" 0 "metric $k"
done

# 2. Each rule on its sequence.
$SC fire --port "$SRV_PORT" --codes "$T/codes.json" --state "$T/state.json" ||
    fail "the constructed sequences failed"
ok signals --format jsonl
printf '%s\n' "$OUT" >"$T/signals.jsonl"
assert_eq "$ERR" "next: --since 6" "the cursor after six signals"
ok signals --format csv
printf '%s\n' "$OUT" >"$T/signals.csv"
curl -gsS -H "Authorization: Bearer $TOKEN" "$SRV_URL/admin/signals.json" \
    >"$T/admin.json" || fail "GET /admin/signals.json"
curl -gsS "$SRV_URL/metrics" >"$T/metrics.txt"
$SC check --state "$T/state.json" --jsonl "$T/signals.jsonl" \
    --csv "$T/signals.csv" --admin "$T/admin.json" \
    --metrics "$T/metrics.txt" || fail "the signals are not the expected"
note "$($SC check --state "$T/state.json" --jsonl "$T/signals.jsonl" \
    --csv "$T/signals.csv")"
ok signals
assert_eq "$(grep -c '^#' <<<"$OUT")" 6 "six lines of text"
assert_contains "$OUT" "diversion serial" "text names the kind"
assert_contains "$OUT" "(line L2-SH)" "the diversion names the line"
# --since and --kind.
ok signals --since 4 --format jsonl
assert_eq "$(grep -o '"id":[0-9]*' <<<"$OUT" | tr '\n' ' ')" '"id":5 "id":6 ' \
    "--since 4"
ok signals --kind clone --kind diversion --format jsonl
assert_eq "$(grep -c . <<<"$OUT")" 3 "two clones and a diversion"
assert_eq "$ERR" "next: --since 6" "the cursor passes skipped kinds"
ok signals --kind redemption_anomaly
assert_eq "$OUT" "" "no store, no redemption anomaly"
# The admin endpoint: a token, its own parameters.
req GET /admin/signals.json
expect_code 401 "no token"
req GET "/admin/signals.json?kind=nope" -H "Authorization: Bearer $TOKEN"
expect_code 400 "a bad kind"
req GET "/admin/signals.json?since=99" -H "Authorization: Bearer $TOKEN"
expect_code 400 "since beyond"
req GET "/admin/signals.json?kind=forgery_burst&limit=5" \
    -H "Authorization: Bearer $TOKEN"
expect_code 200 "kind and limit"
assert_eq "$(json_get 'len(j["signals"])')" 1 "one burst"
assert_eq "$(json_get 'j["signals"][0]["ip_prefix"]')" '"127.0.0.0/24"' \
    "the burst's prefix"
req GET "/admin/signals.json?since=2&limit=1" -H "Authorization: Bearer $TOKEN"
assert_eq "$(json_get '[s["id"] for s in j["signals"]]')" "[3]" "since, limit"
assert_eq "$(json_get 'j["next_since"]')" 3 "next_since after a limit"

# 3. Crash safety: SIGKILL right after the 2xx; the signal survives.
for what in leaked clone; do
	ev=$($SC one --port "$SRV_PORT" --codes "$T/codes.json" --what $what) ||
	    fail "the $what scan failed"
	serve_signal KILL
	serve_wait_exit 10
	[ "$SRV_RC" -eq 137 ] || fail "the killed server exited $SRV_RC"
	ok signals --format jsonl
	printf '%s\n' "$OUT" >"$T/after.jsonl"
	python3 - "$ev" "$what" "$T/after.jsonl" <<'PY' ||
import json, sys
ev, what = int(sys.argv[1]), sys.argv[2]
kind = {"leaked": "leaked_job", "clone": "clone"}[what]
rows = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
sys.exit(0 if any(r["kind"] == kind and ev in r["event_ids"] for r in rows)
         else 1)
PY
	    fail "the $what signal of event $ev is lost after SIGKILL"
	serve_start --rate 0
done
serve_stop
note "ok"
