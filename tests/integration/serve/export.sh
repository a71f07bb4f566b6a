#!/usr/bin/env bash
# export.sh — the exports against events an independent client caused
# (export_client.py over raw sockets: every verdict, the page, HEAD, a
# bot and the JSON API, User-Agents with commas, quotes, non-ASCII and a
# byte that is not UTF-8, code texts with newlines, locations), read back
# with Python's csv and json modules field by field; --since windows that
# concatenate to the full export byte for byte; exports taken while a
# server writes (complete lines, ids strictly increasing, none twice, and
# each row as a later export has it); the admin endpoint (401 without,
# with a wrong and with a revoked token; 200 streams equal to the CLI's
# export, with the X-Next-Since trailer); the other kinds; bad input (a
# clear error, exit 1 or 2, nothing written).
. "$(dirname "$0")/lib.sh"
serve_setup
serve_fixture

serve_start --rate 0
export_scan_all

# 1. Round trips: CSV and JSONL against what the client sent.
ok export scans --out "$T/all.csv"
assert_eq "$ERR" "next: --since $NREC" "the cursor after a full export"
ok export scans --format jsonl --out "$T/all.jsonl"
$EC check --records "$T/records.json" --csv "$T/all.csv" \
    --jsonl "$T/all.jsonl" || fail "the exports do not match the scans"
note "$($EC check --records "$T/records.json" --csv "$T/all.csv" --jsonl "$T/all.jsonl")"
# stdout is the same bytes as --out.
"$SCANLOOP" export scans >"$T/stdout.csv" 2>/dev/null
cmp -s "$T/stdout.csv" "$T/all.csv" || fail "stdout and --out differ"

# 2. --since windows concatenate to the full export, byte for byte.
for fmt in csv jsonl; do
	: >"$T/cat.$fmt"
	since=0
	for w in 3 7 7 $NREC; do
		"$SCANLOOP" export scans --format $fmt --since $since \
		    --verdict genuine,not_active,void,forged,malformed \
		    >"$T/w.$fmt" 2>"$T/w.err" || fail "window after $since failed"
		if [ $fmt = csv ] && [ $since -gt 0 ]; then
			tail -n +2 "$T/w.$fmt" >>"$T/cat.$fmt"
		else
			cat "$T/w.$fmt" >>"$T/cat.$fmt"
		fi
		next=$(sed -n 's/^next: --since \([0-9]*\)$/\1/p' "$T/w.err")
		[ -n "$next" ] || fail "no 'next: --since N' line: $(cat "$T/w.err")"
		rows=$(grep -c . "$T/w.$fmt" || true)
		[ $fmt = jsonl ] || rows=$((rows - 1))
		# Windows as the nightly load takes them: up to id w.
		if [ "$rows" -gt 0 ]; then
			want=$(tail -1 "$T/w.$fmt" | grep -o '^[{"a-z_:]*[0-9]*' |
			    grep -o '[0-9]*$')
			assert_eq "$next" "$want" "the cursor is the last id written"
		else
			assert_eq "$next" "$since" "an empty window keeps the cursor"
		fi
		since=$next
	done
	cmp -s "$T/cat.$fmt" "$T/all.$fmt" ||
	    fail "$fmt windows do not concatenate to the full export"
done
# Bounded windows: --since N gives exactly the ids above N.
ok export scans --since 5 --format jsonl
assert_eq "$(grep -o '"event_id":[0-9]*' <<<"$OUT" | head -1)" '"event_id":6' \
    "--since 5 starts at 6"
assert_eq "$(grep -c . <<<"$OUT")" "$((NREC - 5))" "--since 5 rows"

# 3. Filters.
ok export scans --verdict forged --format jsonl
assert_eq "$(grep -c '"verdict":"forged"' <<<"$OUT")" 2 "--verdict forged"
assert_eq "$(grep -c . <<<"$OUT")" 2 "--verdict forged rows"
ok export scans --human --format jsonl
assert_not_contains "$OUT" '"who":"bot"' "--human drops bots"
assert_not_contains "$OUT" '"who":"head"' "--human drops HEAD"
ok export scans --batch "$BATCH_B" --format jsonl
assert_eq "$(grep -c . <<<"$OUT")" 1 "--batch B: the not-active scan"
ok export scans --from 2000-01-01 --to 2000-01-02
assert_eq "$(wc -l <<<"$OUT")" 1 "a window in 2000: the header alone"
ok export scans --format jsonl --from "$(date -u +%s -d '-1 hour')" \
    --to "$(date -u +%Y-%m-%dT%H:%M:%S+00:00 -d '+1 hour')"
assert_eq "$(wc -l <<<"$OUT")" "$NREC" "a window around now: all"

# 4. The other kinds.
ok export codes --scanned --format jsonl --out "$T/codes.jsonl"
python3 - "$T/codes.jsonl" "$(serial_of "$GENUINE")" "$(serial_of "$GENUINE4")" \
    "$(serial_of "$GENUINE3")" <<'PY' || fail "codes export"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {r["serial"]: r for r in rows}
assert all(r["scans"] > 0 for r in rows), rows
# Scanned: GENUINE, GENUINE2, GENUINE3 (forged only), GENUINE4 (HEAD and a
# bot), VOID, NOT_ACTIVE, VOID_BATCH.
assert len(rows) == 7, rows
g = by[sys.argv[2]]
assert (g["human_scans"], g["scans"]) == (2, 2), g
assert g["first_scan_time"] is not None and g["first_scan_event_id"] == 1, g
g4 = by[sys.argv[3]]
assert (g4["human_scans"], g4["scans"], g4["first_scan_time"]) == (0, 2, None), g4
g3 = by[sys.argv[4]]
assert (g3["human_scans"], g3["scans"]) == (0, 1), g3
PY
ok export codes --format csv
assert_eq "$(($(wc -l <<<"$OUT") - 1))" 40 "codes: every minted code"
ok export batches --format jsonl --out "$T/batches.jsonl"
python3 - "$T/batches.jsonl" "$BATCH_A" "$BATCH_B" "$BATCH_C" <<'PY' ||
import json, sys
a, b, c = (int(x) for x in sys.argv[2:])
rows = {r["batch_id"]: r for r in map(json.loads, open(sys.argv[1]))}
assert len(rows) == 3, rows
ra = rows[a]
assert ra["codes"] == 20 and ra["codes_void"] == 1, ra
# Codes of A a person scanned with its genuine signature: GENUINE (two
# pages), GENUINE2 (a page, the API), VOID (a page: void, but authentic).
assert ra["codes_scanned"] == 3, ra
assert ra["scan_rate"] == 3 / 19, ra
assert ra["human_scans"] == 5, ra
assert ra["forged_scans"] == 1, ra
assert rows[b]["state"] == "ready" and rows[b]["activated"] is None, rows[b]
assert rows[b]["scan_rate"] is None, rows[b]
assert rows[c]["state"] == "void" and rows[c]["void_reason"] == "stolen", rows[c]
PY
    fail "batches export: $(cat "$T/batches.jsonl")"

# 5. The admin endpoint.
ok admin token new --name analyst
TOKEN=$(sed -n 's/^token: //p' <<<"$OUT")
TOKEN_ID=$(sed -n 's/^id: //p' <<<"$OUT")
ok admin token new --name other
OTHER=$(sed -n 's/^token: //p' <<<"$OUT")
OTHER_ID=$(sed -n 's/^id: //p' <<<"$OUT")
ok admin token revoke "$OTHER_ID"
req GET /admin/export/scans
expect_code 401 "no token"
assert_contains "$(header WWW-Authenticate)" "Bearer" "401 names the scheme"
# The last character changed (to one it is not: X, else Y).
case $TOKEN in *X) WRONG="${TOKEN%?}Y" ;; *) WRONG="${TOKEN%?}X" ;; esac
req GET /admin/export/scans -H "Authorization: Bearer $WRONG"
expect_code 401 "a wrong token"
assert_contains "$(header WWW-Authenticate)" 'invalid_token' "a wrong token"
req GET /admin/export/scans -H "Authorization: Bearer $OTHER"
expect_code 401 "a revoked token"
req GET "/admin/export/scans?since=abc" -H "Authorization: Bearer $TOKEN"
expect_code 400 "since=abc"
req GET "/admin/export/scans?since=99999" -H "Authorization: Bearer $TOKEN"
expect_code 400 "a since beyond the newest event"
req GET "/admin/export/scans?bogus=1" -H "Authorization: Bearer $TOKEN"
expect_code 400 "an unknown parameter"
req GET "/admin/export/codes" -H "Authorization: Bearer $TOKEN"
expect_code 404 "codes are not served"
for fmt in csv jsonl; do
	S=$($EC stream --port "$SRV_PORT" --token "$TOKEN" \
	    --path "/admin/export/scans?format=$fmt" --out "$T/http.$fmt") ||
	    fail "stream failed"
	python3 -c '
import json, sys
s = json.loads(sys.argv[1])
assert s["status"] == 200, s
assert s["complete"], s
assert s["trailers"].get("x-next-since") == sys.argv[2], s
assert s["headers"].get("trailer", "").lower() == "x-next-since", s
' "$S" "$NREC" || fail "admin stream ($fmt): $S"
	cmp -s "$T/http.$fmt" "$T/all.$fmt" ||
	    fail "the admin stream ($fmt) differs from scanloop export"
done
S=$($EC stream --port "$SRV_PORT" --token "$TOKEN" --out "$T/http.w" \
    --path "/admin/export/scans?since=7&format=jsonl&from=2000-01-01T00%3A00%3A00%2B08%3A00")
"$SCANLOOP" export scans --since 7 --format jsonl --from 2000-01-01T00:00:00+08:00 \
    >"$T/cli.w" 2>/dev/null
cmp -s "$T/http.w" "$T/cli.w" || fail "a filtered admin stream differs"

# 6. Consistent snapshots while a server writes.
codes_file "$T/jobA" "$T/codes.txt"
load_start python3 "$SERVE_LIB_DIR/httpc.py" load --port "$SRV_PORT" \
    --clients 4 --seconds 4 --max 5000 --mode mixed --codes "$T/codes.txt" \
    --out "$T/run/load.jsonl"
n=0
while kill -0 "$LOAD" 2>/dev/null && [ $n -lt 6 ]; do
	n=$((n + 1))
	"$SCANLOOP" export scans >"$T/snap$n.csv" 2>/dev/null ||
	    fail "an export during writes failed"
	"$SCANLOOP" export scans --format jsonl >"$T/snap$n.jsonl" 2>/dev/null ||
	    fail "an export during writes failed"
	$EC stream --port "$SRV_PORT" --token "$TOKEN" --out "$T/hsnap$n.jsonl" \
	    --path "/admin/export/scans?format=jsonl" >/dev/null ||
	    fail "an admin export during writes failed"
done
load_wait
[ $n -gt 0 ] || fail "the load ended before any export"
sleep 0.3
ok export scans --format jsonl --out "$T/final.jsonl"
for i in $(seq 1 $n); do
	$EC snapshot --csv "$T/snap$i.csv" --jsonl "$T/snap$i.jsonl" \
	    --final "$T/final.jsonl" >/dev/null || fail "snapshot $i"
	$EC snapshot --csv "$T/snap$i.csv" --jsonl "$T/hsnap$i.jsonl" \
	    --final "$T/final.jsonl" >/dev/null || fail "admin snapshot $i"
done
note "$n snapshots during the load, $(wc -l <"$T/final.jsonl") events at the end"

# 7. Bad input: a clear error, exit 2 (usage) or 1 (rejected), nothing
# written.
bad() {
	local want=$1 what=$2
	shift 2
	rm -f "$T/bad.out"
	sl export "$@"
	assert_rc "$want" "$what"
	assert_eq "$OUT" "" "$what: stdout"
	assert_one_error_line "$what"
	[ ! -e "$T/bad.out" ] || fail "$what: --out was written"
	[ -z "$(ls "$T" | grep 'bad.out.tmp' || true)" ] || fail "$what: a temporary file was left"
}
bad 2 "unknown kind" visits
bad 2 "unknown format" scans --format xml --out "$T/bad.out"
bad 2 "since garbage" scans --since 12abc --out "$T/bad.out"
bad 2 "since negative" scans --since -5 --out "$T/bad.out"
bad 2 "since overflow" scans --since 99999999999999999999999 --out "$T/bad.out"
bad 1 "since beyond the newest event" scans --since 18446744073709551615 --out "$T/bad.out"
bad 2 "from after to" scans --from 2026-06-02 --to 2026-06-01 --out "$T/bad.out"
bad 2 "bad time" scans --from yesterday --out "$T/bad.out"
bad 2 "since on codes" codes --since 3 --out "$T/bad.out"
bad 2 "bad verdict" scans --verdict fake --out "$T/bad.out"
bad 1 "no such campaign" scans --campaign nope --out "$T/bad.out"
bad 1 "no such batch" scans --batch 999 --out "$T/bad.out"
mkdir "$T/ro"
chmod 0555 "$T/ro"
if [ "$(id -u)" -ne 0 ]; then
	sl export scans --out "$T/ro/x.csv"
	assert_rc 1 "unwritable --out"
	[ -z "$(ls "$T/ro")" ] || fail "unwritable --out left a file"
fi
# (root writes into 0555 directories; nobody creates files in /proc.)
sl export scans --out /proc/scanloop-export.csv
assert_rc 1 "--out in /proc"
assert_one_error_line "--out in /proc"
mkdir "$T/isdir"
sl export scans --out "$T/isdir"
assert_rc 1 "--out names a directory"
[ -z "$(ls "$T" | grep 'isdir.tmp' || true)" ] ||
    fail "--out a directory: a temporary file was left"
sl export scans --out "$T/nodir/x.csv"
assert_rc 1 "--out in a missing directory"
assert_contains "$ERR" "cannot create" "--out in a missing directory"

serve_stop
note "exports: $NREC scans round-tripped; windows, snapshots, the admin stream"
