#!/bin/bash
# run_checkin.sh — the real-browser test of store check-ins (issue 15).
#
# Makes a store with a key, a small active batch and a campaign running
# now whose check-ins earn 10 points and a draw (its only tier always
# wins), a store sh-1 with a location (radius 150 m) and its printed code
# (`scanloop store code`); starts `scanloop serve` on a free port and has
# headless Chromium (checkin.mjs) check in from inside the fence, again,
# from 2 km away, with a staff's exemption code, twice, and as a visitor
# who checked in the day before (a server under faketime a day back), so
# completing the campaign's two-day streak, whose prize is a coupon
# granted outright. Then the export holds exactly the four check-ins made
# (three by location, one by code), the first with the claim the browser
# showed, the last with the streak's grant. Screenshots
# (checkin-*.png) go to $SCANLOOP_BUILD/meson-logs/browser/.
#
# Needs: chromium, node and npm (Debian: chromium fonts-noto-cjk nodejs
# npm), faketime; playwright-core is installed here with `npm ci` on first use.
# Exit status: 0 pass, 1 fail, 77 skip (no browser or node and none can be
# installed, or the npm registry is unreachable).
TEST_NAME=browser_checkin
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CAMPAIGN=browser-checkin
PRIZE='到店礼'
COUPON='10元优惠券'
LAT=31.2304
LON=121.4737

browser_setup
rm -f "$OUT"/checkin-*.png "$OUT"/checkin-result.json

mint_batch 2
python3 - "$T/campaign.json" "$CAMPAIGN" "$BATCH" "$PRIZE" "$COUPON" <<'PY'
import json, sys, time
path, cid, batch, prize, coupon = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
iso = lambda s: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + s))
json.dump({"id": cid, "name": "到店打卡", "start": iso(-2 * 86400), "end": iso(86400),
           "time_zone": "Asia/Shanghai", "scope": {"batches": [batch]},
           "tiers": [{"id": "gift", "name": prize, "kind": "physical",
                      "total": 10, "odds": 1000000},
                     {"id": "coupon10", "name": coupon, "kind": "coupon",
                      "total": 5, "odds": 0,
                      "coupon": {"face_value": "10.00", "currency": "CNY",
                                 "condition": "满 50 元可用", "valid_days": 30}}],
           "claim": {"window_days": 14},
           "checkin": {"reward": {"points": 10, "draw": True},
                       "streak": {"days": 2, "reward": {"prize": "coupon10"}}}},
          open(path, "w"), ensure_ascii=False)
PY
sl campaign load "$T/campaign.json"
sl store add --id sh-1 --name '徐家汇店' --lat $LAT --lon $LON --radius-m 150
STORE_TOKEN=$(sed -n 's/^api_token: \([A-Z2-7]\{32\}\)$/\1/p' "$T/out")
[ -n "$STORE_TOKEN" ] || fail "store add printed no token: $(cat "$T/out")"
sl store code sh-1
STORE_PATH=$(sed -n 's|^url: [A-Za-z]*://[^/]*||p' "$T/out")
case $STORE_PATH in
/K/sh-1/*) ;;
*) fail "store code printed $(cat "$T/out")" ;;
esac

# Yesterday, by the server's clock a day back: a visitor checks in, so
# that the browser's check-in as that visitor today completes the streak.
command -v faketime >/dev/null || fail "faketime is not installed"
# libfaketime is preloaded before a sanitizer runtime; the server's
# monotonic clock (deadlines) stays real.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export FAKETIME_DONT_FAKE_MONOTONIC=1
VISITOR=$(python3 -c 'import base64, os
print(base64.b32encode(os.urandom(16)).decode().rstrip("="))')
serve_launch --prefix "faketime -f -1d" --out "$T/serve.out" \
    --err "$T/serve.err" -- --rate 0 || fail "$SRV_ERROR"
# faketime may run the server as its child: signal the server itself.
SRV_SIG_PID=$(pgrep -P "$SRV_PID" | head -1 || true)
[ -n "$SRV_SIG_PID" ] || SRV_SIG_PID=$SRV_PID
curl -sS -X POST "$SRV_URL/api/v1/checkins" -H 'Content-Type: application/json' \
    -H "Cookie: sl_vid=$VISITOR" -o "$T/yesterday.json" --data-binary \
    "{\"store\": \"sh-1\", \"sig\": \"${STORE_PATH##*/}\", \"lat\": $LAT, \"lon\": $LON, \"accuracy\": 5}" ||
    fail "yesterday's check-in: curl failed"
grep -q '"status":"new"' "$T/yesterday.json" ||
    fail "yesterday's check-in: $(cat "$T/yesterday.json")"
serve_stop

serve_start
note "server $BASE, store code $STORE_PATH, screenshots in $OUT"
SL_STORE=$STORE_PATH SL_LAT=$LAT SL_LON=$LON SL_TOKEN=$STORE_TOKEN \
    SL_PRIZE=$PRIZE SL_COUPON=$COUPON SL_VISITOR=$VISITOR \
    browser_run checkin.mjs checkin-result.json

sl export checkins --format jsonl
python3 - "$T/out" "$T/result.json" <<'PY' ||
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
res = json.load(open(sys.argv[2]))
ok = (len(rows) == 4 and [r["method"] for r in rows] == ["gps", "gps", "code", "gps"] and
      all(r["store"] == "sh-1" and r["points"] == 10 and
          r["draw_outcome"] == "gift" for r in rows) and
      rows[1]["distance_m"] < 50 and rows[0]["visitor"] == rows[3]["visitor"] and
      [r["streak"] for r in rows] == [1, 1, 1, 2] and
      [r["streak_rewarded"] for r in rows] == [0, 0, 0, 1] and
      rows[3]["streak_draw_seq"] == res["streak_draw"])
if not ok:
    print("FAIL [browser_checkin]: export checkins holds %s" % rows, file=sys.stderr)
    sys.exit(1)
PY
    fail "the store does not hold the browser's check-ins"
sl claim show "$(cut -d'"' -f4 <<<"$(grep '"claim"' "$T/result.json")" | tr -d -)"
grep -q '^state: open$' "$T/out" || fail "the browser's claim: $(cat "$T/out")"

serve_stop
echo "PASS [browser_checkin]: checked in by location and by a staff code" \
    "in the browser; screenshots in $OUT"
