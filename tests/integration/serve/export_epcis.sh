#!/usr/bin/env bash
# export_epcis.sh — `scanloop export --format epcis` on a real store: scans
# of every verdict that an independent client caused (export_client.py:
# the page, HEAD, a bot, the API, locations), in UTC and in Asia/Shanghai
# with another precision, and the life of three batches (mint, activation,
# a single-code void, a whole-batch void). Every document passes the GS1
# EPCIS 2.0 JSON Schema (ajv) and has its eventIDs recomputed by an
# independent implementation (tests/epcis/check.sh); the scans match the
# JSON Lines export field by field and the batches their print jobs
# (epcis_compare.py); a second export has the same eventIDs; the admin
# endpoint streams the same document; bad options are refused with
# nothing written. Skipped (77) without node/npm, as check.sh is.
. "$(dirname "$0")/lib.sh"
serve_setup
serve_fixture
CMP="python3 $SERVE_LIB_DIR/epcis_compare.py"
CHECK="$SERVE_LIB_DIR/../../epcis/check.sh"

serve_start --rate 0
export_scan_all

# 1. Scans, in UTC and in Shanghai, against the JSON Lines export.
ok export scans --format jsonl --out "$T/all.jsonl"
ok export scans --format epcis --out "$T/scans.json"
assert_eq "$ERR" "next: --since $NREC" "the cursor of an EPCIS export"
ok export scans --format epcis --tz Asia/Shanghai --geo-precision 5 \
    --biz-step inspecting --out "$T/scans-sh.json"
$CMP scans "$T/scans.json" "$T/all.jsonl" +00:00 3 || fail "UTC scans differ"
$CMP scans "$T/scans-sh.json" "$T/all.jsonl" +08:00 5 || fail "Shanghai scans differ"
python3 -c '
import json, sys
for path, step in (sys.argv[1], "https://scanloop.invalid/epcis/BizStep-consumer_scanning"), \
        (sys.argv[2], "inspecting"):
    for ev in json.load(open(path))["epcisBody"]["eventList"]:
        assert ev["bizStep"] == step, (path, ev["bizStep"])
' "$T/scans.json" "$T/scans-sh.json" || fail "bizStep"
# An incremental window is a document of its own with the same events.
ok export scans --format epcis --since 5 --out "$T/since5.json"
python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["epcisBody"]["eventList"]
b = json.load(open(sys.argv[2]))["epcisBody"]["eventList"]
assert b == [e for e in a if e["scanloop:event"] > 5] and b, "window"
' "$T/scans.json" "$T/since5.json" || fail "--since 5 is not the tail of the full export"

# 2. The life of the batches, against their print jobs.
ok export batches --format epcis --out "$T/life.json"
cat >"$T/spec.json" <<JSON
{"$BATCH_A": {"codes": "$T/jobA/codes.csv",
   "steps": [["ADD", null, 20], ["OBSERVE", null, 20], ["DELETE", "misprint", 1]]},
 "$BATCH_B": {"codes": "$T/jobB/codes.csv", "steps": [["ADD", null, 10]]},
 "$BATCH_C": {"codes": "$T/jobC/codes.csv",
   "steps": [["ADD", null, 10], ["OBSERVE", null, 10], ["DELETE", "stolen", 10]]}}
JSON
$CMP batches "$T/life.json" "$T/spec.json" || fail "the batches' life differs"
ok export batches --format epcis --batch "$BATCH_C" --from 2000-01-01 \
    --out "$T/life-c.json"
python3 -c '
import json, sys
evs = json.load(open(sys.argv[1]))["epcisBody"]["eventList"]
assert [e["action"] for e in evs] == ["ADD", "OBSERVE", "DELETE"], evs
' "$T/life-c.json" || fail "--batch $BATCH_C"

# 3. Schema and eventIDs (skips the test without node/npm).
TEST_NAME=$TEST_NAME "$CHECK" "$T/scans.json" "$T/scans-sh.json" "$T/life.json"

# 4. A second export has the same events, eventIDs included (only
# creationDate differs).
ok export scans --format epcis --out "$T/again.json"
ok export batches --format epcis --out "$T/life-again.json"
for p in scans life; do
	a=$T/$p.json b=$T/$([ $p = scans ] && echo again || echo life-again).json
	cmp -s <(sed 1d "$a") <(sed 1d "$b") || fail "a second $p export differs"
done

# 5. The admin endpoint streams the same document (in UTC only).
ok admin token new --name analyst
TOKEN=$(sed -n 's/^token: //p' <<<"$OUT")
S=$($EC stream --port "$SRV_PORT" --token "$TOKEN" \
    --path "/admin/export/scans?format=epcis" --out "$T/http.json") ||
    fail "stream failed"
python3 -c '
import json, sys
s = json.loads(sys.argv[1])
assert s["status"] == 200 and s["complete"], s
assert s["headers"]["content-type"] == "application/ld+json", s
assert s["trailers"].get("x-next-since") == sys.argv[2], s
' "$S" "$NREC" || fail "admin stream: $S"
cmp -s <(sed 1d "$T/http.json") <(sed 1d "$T/scans.json") ||
    fail "the admin stream differs from scanloop export"
req GET "/admin/export/scans?format=epcis&tz=Asia%2FShanghai" \
    -H "Authorization: Bearer $TOKEN"
expect_code 501 "a zone on the server"

# 6. Bad options: a clear error (exit 2), nothing written.
for args in "codes --format epcis" "draws --format epcis" \
    "scans --format epcis --tz Mars/Base" "scans --format epcis --tz ../x" \
    "scans --format epcis --geo-precision 10" \
    "scans --format epcis --geo-precision -1" \
    "scans --format epcis --biz-step shipping" "scans --tz UTC" \
    "batches --geo-precision 2" "batches --format epcis --since 3"; do
	# shellcheck disable=SC2086 # (word splitting wanted)
	sl export $args --out "$T/bad.json"
	assert_rc 2 "export $args"
	assert_one_error_line "export $args"
	assert_absent "$T/bad.json" "export $args"
done
serve_stop
