#!/bin/bash
# run_report.sh — the real-browser test of the report page (issue 11).
#
# Makes a store with a small active batch, starts `scanloop serve`,
# scans a few codes (people, a bot, a located app scan, a forged code),
# makes an admin token, and has report.mjs open GET /admin/report as a
# 360-pixel phone in Chinese and in English (no script, SVG charts with
# titles, no request but the page, nothing wider than the screen) and
# print it on A4. Screenshots report-*-360.png and report-a4.pdf go to
# $SCANLOOP_BUILD/meson-logs/browser/.
TEST_NAME=browser_report
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

browser_setup
rm -f "$OUT"/report-*.png "$OUT"/report-a4.pdf "$OUT"/report-failure.png
mint_batch 4
serve_start
UA='Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148'
for n in 1 1 2 3; do
	read -r _ P < <(code_row "$T/job" "$n")
	curl -sS -o /dev/null -A "$UA" "$BASE$P" || fail "GET $P failed"
done
read -r _ P < <(code_row "$T/job" 4)
curl -sS -o /dev/null -A 'curl/8.0' "$BASE$P" || fail "a bot's GET failed"
curl -sS -o /dev/null -A "$UA" "$BASE${P%?}A" || fail "a forged GET failed"
read -r _ P < <(code_row "$T/job" 2)
curl -sS -o /dev/null -A "$UA" -H 'Content-Type: application/json' \
    --data-binary "{\"code\": \"HTTPS://S.EXAMPLE.COM$P\", \"lat\": 31.2304, \"lon\": 121.4737}" \
    "$BASE/api/v1/scans" || fail "the located API scan failed"
sl admin token new --name browser
TOKEN=$(sed -n 's/^token: //p' "$T/out")
[ -n "$TOKEN" ] || fail "no admin token: $(cat "$T/out")"

SL_TOKEN=$TOKEN SL_QUERY="tz=Asia/Shanghai" browser_run report.mjs report.json
serve_stop
echo "PASS [browser_report]: screenshots and the A4 print in $OUT"
