#!/bin/bash
# run_draw.sh — the real-browser test of the prize draw (issue 5).
#
# Makes a store with a key, a small active batch and a campaign running
# now over it that draws on the outer code, whose only tier is a physical
# prize with odds 1,000,000 (every draw wins: the result is known), and a
# store (核销) with its API token; starts `scanloop serve` on a free port,
# and has headless Chromium (Debian's chromium driven by playwright-core:
# draw.mjs) scan a code as a phone, tap the draw button, see the result
# with its claim code and QR, and open the code's page again (the same
# result, as a repeat). Then, with the server still running, it checks
# the store and the API: the draw log holds one draw of that code, made
# from the page's scan event, with the claim the browser showed; the QR
# code on the screenshot (zbarimg) is the claim's staff link /C/TOKEN,
# which opens the staff page; the claim redeems once (200, then 409)
# through POST /api/v1/claims/TOKEN/redeem;
# the code's page then says where it was redeemed. The server must drain
# and exit 0 on SIGTERM. Screenshots (draw-before.png, draw-result.png,
# draw-repeat.png) go to $SCANLOOP_BUILD/meson-logs/browser/ (printed).
#
# Needs: chromium, node and npm (Debian: chromium fonts-noto-cjk nodejs
# npm), zbarimg (zbar-tools); playwright-core is installed here with `npm ci` on first use.
# Exit status: 0 pass, 1 fail, 77 skip (no browser or node and none can be
# installed, or the npm registry is unreachable).
TEST_NAME=browser_draw
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CAMPAIGN=browser-draw
PRIZE='限定保温杯'


# api METHOD PATH [CURL ARGS...]: a request to the server; sets CODE (the
# status) and BODY.
api() {
	local method=$1 path=$2
	shift 2
	CODE=$(curl -sS --max-time "$WAIT" -X "$method" -o "$T/body" \
	    -w '%{http_code}' "$@" "$BASE$path") || fail "curl $method $path failed"
	BODY=$(cat "$T/body")
}

browser_setup
rm -f "$OUT"/draw-*.png "$OUT"/draw-result.json

mint_batch 2
read -r SERIAL CODE_PATH < <(code_row "$T/job" 1)
[ -n "$CODE_PATH" ] || fail "no code in $T/job/codes.csv"
# Running from an hour ago for a day; one tier that always wins.
python3 - "$T/campaign.json" "$CAMPAIGN" "$BATCH" "$PRIZE" <<'EOF'
import json, sys, time
path, cid, batch, prize = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
iso = lambda s: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + s))
json.dump({"id": cid, "name": "扫码有礼", "start": iso(-3600), "end": iso(86400),
           "time_zone": "Asia/Shanghai", "scope": {"batches": [batch]},
           "draw_on": "outer",
           "tiers": [{"id": "cup", "name": prize, "kind": "physical",
                      "total": 10, "odds": 1000000}],
           "claim": {"window_days": 14, "stores": ["sh-1"]}},
          open(path, "w"), ensure_ascii=False)
EOF
sl campaign load "$T/campaign.json"
sl store add --id sh-1 --name '徐家汇店'
STORE_TOKEN=$(sed -n 's/^api_token: \([A-Z2-7]\{32\}\)$/\1/p' "$T/out")
[ -n "$STORE_TOKEN" ] || fail "store add printed no token: $(cat "$T/out")"

serve_start
note "server $BASE, code $SERIAL, screenshots in $OUT"

SL_CODE=$CODE_PATH SL_PRIZE=$PRIZE browser_run draw.mjs draw-result.json
read -r EVENT CLAIM < <(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(r["event_id"], r["claim"])' "$T/result.json")
TOKEN=${CLAIM//-/}

# The draw log: one draw, this code's, from the page's scan event, with
# the claim the browser showed.
sl export draws --campaign "$CAMPAIGN" --format jsonl
python3 - "$T/out" "$SERIAL" "$EVENT" "${TOKEN:0:8}" <<'EOF' ||
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
draws = [r for r in rows if r["type"] == "draw"]
want = {"kind": "online", "serial": sys.argv[2], "event_id": int(sys.argv[3]),
        "outcome": "cup", "claim": sys.argv[4]}
if len(draws) != 1 or any(draws[0].get(k) != v for k, v in want.items()):
    print("FAIL [browser_draw]: the draw log holds %s, want one draw %s" % (draws, want),
          file=sys.stderr)
    sys.exit(1)
EOF
    fail "the store does not hold the browser's draw"
sl claim show "$TOKEN"
grep -q "^serial: $SERIAL$" "$T/out" && grep -q '^state: open$' "$T/out" ||
    fail "claim show $TOKEN: $(cat "$T/out")"

# The QR code in the result card is the claim's staff link (zbar-tools
# reads it off the screenshot), which opens the staff page with the claim.
command -v zbarimg >/dev/null || fail "zbarimg is not installed (zbar-tools)"
QR=$(zbarimg -q --raw -Sdisable -Sqrcode.enable "$OUT/draw-result.png" 2>/dev/null) ||
    fail "no QR code readable in $OUT/draw-result.png"
[ "$QR" = "HTTPS://S.EXAMPLE.COM/C/$TOKEN" ] ||
    fail "the result's QR code says '$QR', want HTTPS://S.EXAMPLE.COM/C/$TOKEN"
api GET "/C/$TOKEN"
[ "$CODE" = 200 ] && grep -q "$TOKEN" "$T/body" ||
    fail "GET /C/$TOKEN: status $CODE, or the claim is not on the staff page"

# The claim redeems once, at the store, through the API.
api POST "/api/v1/claims/$TOKEN/redeem" -H "Authorization: Bearer $STORE_TOKEN" -d ''
[ "$CODE" = 200 ] || fail "redeem: status $CODE: $BODY"
python3 -c 'import json, sys
b = json.loads(sys.argv[1])
ok = b["status"] == "redeemed" and b["claim"]["shop"] == "sh-1" and \
    b["prize"]["tier"] == "cup" and b["campaign"] == sys.argv[2]
sys.exit(0 if ok else 1)' "$BODY" "$CAMPAIGN" || fail "redeem answered $BODY"
api POST "/api/v1/claims/$TOKEN/redeem" -H "Authorization: Bearer $STORE_TOKEN" -d ''
[ "$CODE" = 409 ] || fail "a second redemption: status $CODE: $BODY"
# The code's page now says where the prize was redeemed.
api GET "$CODE_PATH" -A 'Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36' \
    -H 'Accept-Language: zh-CN'
[ "$CODE" = 200 ] || fail "the code's page after the redemption: status $CODE"
grep -q '此奖品已于 .* 在徐家汇店核销。' "$T/body" ||
    fail "the code's page does not name the store (徐家汇店) where the prize was redeemed"

serve_stop
echo "PASS [browser_draw]: code $SERIAL drew once in the browser and won" \
    "claim $CLAIM, redeemed once at sh-1; screenshots in $OUT"
