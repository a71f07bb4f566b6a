#!/bin/bash
# run.sh — the real-browser test of the scan page (issue 4).
#
# Makes a store with a key and a small active batch, starts `scanloop
# serve` on a free port, and has headless Chromium (Debian's chromium,
# driven by playwright-core from npm: scan.mjs) open a code's URL as a
# phone with a geolocation override and tap the location button. Then it
# stops the server (SIGTERM, exit 0) and checks that the store holds the
# coordinates the browser was given: GET /api/v1/codes/{SERIAL} first_scan
# and `scanloop scans show`. Screenshots go to
# $SCANLOOP_BUILD/meson-logs/browser/ (printed).
#
# Needs: chromium, node and npm (Debian: chromium fonts-noto-cjk nodejs
# npm); playwright-core is installed here with `npm ci` on first use.
# Exit status: 0 pass, 1 fail, 77 skip (no browser or node and none can be
# installed, or the npm registry is unreachable).
TEST_NAME=browser
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Where the phone says it is (Shanghai, People's Square), metres.
LAT=31.2304
LON=121.4737
ACC=25

browser_setup
# (only this test's files: run_draw.sh keeps its draw-*.png here too)
rm -f "$OUT"/genuine-*.png "$OUT"/forged-*.png "$OUT"/failure.png \
    "$OUT"/result.json

mint_batch 3
read -r SERIAL CODE < <(code_row "$T/job" 1)
read -r SERIAL_BOT CODE_BOT < <(code_row "$T/job" 2)
read -r SERIAL_FORGED FORGED < <(code_row "$T/job" 3)
[ -n "$CODE" ] && [ -n "$CODE_BOT" ] && [ -n "$FORGED" ] ||
    fail "no codes in $T/job/codes.csv"
# The third code with one character of its signature's middle changed
# (another serial than the phone's: a forged scan of a real serial is
# recorded in that serial's history, which is not what this test is about).
SIG=${FORGED#*\?S=}
[ "${SIG:40:1}" = A ] && C=B || C=A
FORGED="${FORGED%%\?*}?S=${SIG:0:40}$C${SIG:41}"

# The server, on a free port.
serve_start
note "server $BASE, code $SERIAL, screenshots in $OUT"

SL_CODE=$CODE SL_CODE_BOT=$CODE_BOT SL_FORGED=$FORGED \
    SL_LAT=$LAT SL_LON=$LON SL_ACC=$ACC browser_run scan.mjs result.json
EVENT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["event_id"])' \
    "$T/result.json")

# The code's summary, before the server stops: first scan where the phone
# said it was, three human scans (Chinese and English pages, and the
# phone far away).
curl -sS --max-time "$WAIT" -o "$T/code.json" -w '%{http_code}' \
    "$BASE/api/v1/codes/$SERIAL" >"$T/status" || fail "GET /api/v1/codes/$SERIAL failed"
[ "$(cat "$T/status")" = 200 ] || fail "GET /api/v1/codes/$SERIAL: status $(cat "$T/status")"
python3 - "$T/code.json" "$SERIAL" "$LAT" "$LON" "$ACC" <<'EOF' ||
import json, sys
c = json.load(open(sys.argv[1]))
serial, lat, lon, acc = sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
f = c.get("first_scan") or {}
bad = []
if c.get("serial") != serial:
    bad.append("serial %r" % c.get("serial"))
if c.get("state") != "active":
    bad.append("state %r" % c.get("state"))
if c.get("scans") != 3 or c.get("scans_total") != 3:
    bad.append("scans %r, scans_total %r (want 3 and 3)" % (c.get("scans"), c.get("scans_total")))
if f.get("lat") != lat or f.get("lon") != lon:
    bad.append("first_scan at %r, %r (want %r, %r)" % (f.get("lat"), f.get("lon"), lat, lon))
if "accuracy" in f and f["accuracy"] != acc:
    bad.append("first_scan accuracy %r (want %r)" % (f["accuracy"], acc))
for b in bad:
    print("FAIL [browser]: GET /api/v1/codes: " + b, file=sys.stderr)
if bad:
    print(json.dumps(c), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
    fail "GET /api/v1/codes/$SERIAL does not hold the browser's position"
# The phone far away raised a clone with the first phone's scan.
FAR=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["elsewhere_event_id"])' \
    "$T/result.json")
CLONES=$("$SCANLOOP" signals --kind clone --format jsonl 2>/dev/null) ||
    fail "scanloop signals failed"
grep -qF "\"event_ids\":[$EVENT,$FAR]" <<<"$CLONES" ||
    fail "no clone of events $EVENT and $FAR: $CLONES"

serve_stop

# The store, read by the CLI: the tapped scan has the position.
sl scans show --serial "$SERIAL" -n 10
WANT=$(printf '%.5f,%.5f±%dm' "$LAT" "$LON" "$ACC")
LINE=$(grep -E "[[:space:]]#${EVENT}[[:space:]]" "$T/out") ||
    fail "scans show has no event #$EVENT: $(cat "$T/out")"
case "$LINE" in
*" genuine "*" $SERIAL "*" human "*" $WANT "*) ;;
*) fail "event #$EVENT is not a human genuine scan at $WANT: $LINE" ;;
esac
grep -q '^human scans: 3$' "$T/out" || fail "scans show: not 3 human scans: $(cat "$T/out")"
n=$(grep -cF -- "$WANT" "$T/out" || true)
[ "$n" -eq 1 ] || fail "$n events hold $WANT, want only #$EVENT: $(cat "$T/out")"
# Both visits of the first phone carry the visitor cookie its first page
# set (the phone far away is another visitor).
v=$(awk -v far="#$FAR" '$4 ~ /^#[0-9]+$/ && $4 != far && $9 == "human" { print $11 }' \
    "$T/out" | sort -u)
vfar=$(awk -v far="#$FAR" '$4 == far { print $11 }' "$T/out")
[ -n "$vfar" ] && [ "$vfar" != "$v" ] ||
    fail "the phone far away is not another visitor: $(cat "$T/out")"
[ "$(wc -l <<<"$v")" -eq 1 ] && [ -n "$v" ] && [ "$v" != - ] ||
    fail "the two visits do not share one visitor id: $(cat "$T/out")"
# The headless visit was recorded, as a bot.
sl scans show --serial "$SERIAL_BOT"
grep -qE " genuine +$SERIAL_BOT .* bot " "$T/out" ||
    fail "the HeadlessChrome visit is not a bot scan: $(cat "$T/out")"
# The forged visit was recorded too.
sl scans tail -n 20
grep -qE " forged +$SERIAL_FORGED .*raw=" "$T/out" ||
    fail "no forged scan of $SERIAL_FORGED recorded: $(cat "$T/out")"

echo "PASS [browser]: event #$EVENT holds $WANT; screenshots in $OUT"
