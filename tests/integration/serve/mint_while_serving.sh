#!/usr/bin/env bash
# mint_while_serving.sh — `scanloop mint` of 100,000 codes into the store
# the server is using while 2 clients scan continuously: the mint
# succeeds, every scan during it is answered 200 (no 5xx, no error), the
# new batch's codes scan as not activated and, after `batch activate`, as
# genuine through the same server.
. "$(dirname "$0")/lib.sh"
serve_setup
serve_fixture
codes_file "$T/jobA" "$T/codes.txt"
sed -i 2d "$T/codes.txt"	# the void code
COUNT=100000
serve_start --rate 0
load_start python3 "$SERVE_LIB_DIR/httpc.py" load --port "$SRV_PORT" \
    --clients 2 --seconds 120 --max 1000000 --mode mixed \
    --codes "$T/codes.txt" --stop-file "$T/run/stop" --out "$T/run/load.jsonl"
sleep 0.5
MINT_T0=$(date +%s.%N)
mint 1 "$COUNT" "$T/big"
MINT_T1=$(date +%s.%N)
sleep 0.3
touch "$T/run/stop"
load_wait
serve_alive
python3 - "$T/run/load.jsonl" "$MINT_T0" "$MINT_T1" <<'PY' || fail "scans during the mint: see above"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
t0, t1 = float(sys.argv[2]), float(sys.argv[3])
bad = [r for r in recs if r["status"] != 200 or r["error"] is not None]
during = [r for r in recs if r["t0"] >= t0 and r["t1"] <= t1]
slowest = max(r["t1"] - r["t0"] for r in recs)
print("%d scans, %d during the %.1f s mint, slowest %.3f s" %
      (len(recs), len(during), t1 - t0, slowest))
if bad:
    sys.exit("%d scans not answered 200, e.g. %r" % (len(bad), bad[0]))
if len(during) < 10:
    sys.exit("only %d scans ran during the mint" % len(during))
PY
BIG=$(manifest_get "$T/big" batch_id)
assert_eq "$(manifest_get "$T/big" count)" "$COUNT" "codes minted"
SEED=7 sample_codes "$T/big" 20 >"$T/sample.txt"
read -r _ U <<<"$(head -1 "$T/sample.txt")"
get "$(path_of "$U")" -H 'Accept-Language: en'
expect_code 200 "a new code before activation"
assert_contains "$BODY" 'Code not activated yet' "a new code before activation"
ok batch activate "$BIG"
while read -r serial U; do
	get "$(path_of "$U")" -H 'Accept-Language: en'
	expect_code 200 "new code $serial after activation"
	assert_contains "$BODY" 'Genuine' "new code $serial after activation"
	assert_contains "$BODY" "$serial" "page of $serial"
done <"$T/sample.txt"
get "$(path_of "$(row "$T/big" "$COUNT")")"
expect_code 200 "the last code of the new batch"
serve_stop
events_check "$T/run/load.jsonl" "" --status 200
note "ok"
