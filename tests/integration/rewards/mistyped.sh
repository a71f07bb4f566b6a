#!/usr/bin/env bash
# mistyped.sh — a mistyped secret is not kept whole (issue 14). An inner
# draw code with one wrong character (opened as /D/..., posted to the scan
# and draw APIs as a URL and as typed text) and an outer code whose S= has one wrong
# character are forged scans (pages and the scan API; the draw API keeps
# no raw text); their events keep the code's public part,
# the secret's first characters and a keyed hash ("ABCD...#0123456789ab"),
# and neither `scans tail` nor the bytes of the store (data.mdb) contain
# the mistyped secret. The same mistake twice gets the same hash.
. "$(dirname "$0")/lib.sh"
rw_setup
mint_active 4 "$T/job" --draw-codes
campaign_write "$T/c.json" typo '
c["tiers"] = [tier("p5", "points", points=5, total=100)]'
campaign_load "$T/c.json"
serve_start --rate 0

# flip TEXT POS: TEXT with the base32 character at POS changed.
flip() {
	python3 - "$1" "$2" <<'PY'
import sys
s, i = sys.argv[1], int(sys.argv[2])
c = s[i]
print(s[:i] + ("B" if c.upper() != "B" else "C") + s[i + 1:])
PY
}
URL=$(inner "$T/job" 1)
TOKEN=${URL##*/D/}
[ ${#TOKEN} -eq 16 ] || fail "draw token '$TOKEN'"
BAD_TOKEN=$(flip "$TOKEN" 10)
TYPED=$(inner_text "$T/job" 2)
BAD_TYPED=$(flip "$TYPED" 12)
P=$(path_of "$(outer "$T/job" 3)")
SIG=${P#*\?S=}
BAD_SIG=$(flip "$SIG" 40)

get "/D/$BAD_TOKEN?lang=en"
expect_code 404 "a draw code with one wrong character"
get "/d/$(tr 'A-Z' 'a-z' <<<"$BAD_TOKEN")"
expect_code 404 "the same, in lower case"
scan_api() {
	post_json /api/v1/scans "$(python3 -c 'import json, sys
print(json.dumps({"code": sys.argv[1]}))' "$1")"
}
scan_api "${URL%/D/*}/D/$BAD_TOKEN"
expect_code 200 "the scan API with the mistyped draw URL"
check_json 'assert j["verdict"] in ("forged", "malformed"), j'
scan_api "$BAD_TYPED"
expect_code 200 "the scan API with a mistyped typed draw code"
check_json 'assert j["verdict"] in ("forged", "malformed"), j'
draw_api "$BAD_TYPED"
expect_code 404 "the draw API with a mistyped typed draw code"
get "${P%%\?S=*}?S=$BAD_SIG"
expect_code 404 "an outer code with one wrong character in S="
# The real ones still work.
get "/D/$TOKEN?lang=en"
expect_code 200 "the real draw code"

ok scans tail -n 10
TAIL=$OUT
note "$(grep -o 'raw="[^"]*"' <<<"$TAIL" | head -5 | tr '\n' ' ')"
for secret in "$BAD_TOKEN" "${BAD_TOKEN:4}" "$BAD_TYPED" \
    "$(tr -d '-' <<<"$BAD_TYPED")" "${BAD_SIG:6:40}"; do
	assert_not_contains "$TAIL" "$secret" "scans tail"
	assert_not_contains "$(tr 'A-Z' 'a-z' <<<"$TAIL")" \
	    "$(tr 'A-Z' 'a-z' <<<"$secret")" "scans tail, any case"
done
assert_contains "$TAIL" "raw=\"/D/${BAD_TOKEN:0:4}...#" "the draw code's event"
assert_contains "$TAIL" "/D/${BAD_TOKEN:0:4}...#" "the draw URL's event"
assert_contains "$TAIL" "raw=\"${BAD_TYPED:0:4}...#" "the typed draw code's event"
assert_contains "$TAIL" "?S=${BAD_SIG:0:6}...#" "the outer code's event"
# The same mistake (upper and lower case) has the same hash.
h=$(grep -o "/[Dd]/[A-Za-z0-9]\{4\}\.\.\.#[0-9a-f]\{12\}" <<<"$TAIL" |
    sed 's/.*#//' | sort | uniq -c | sort -rn | head -1 | awk '{ print $1 }')
assert_eq "$h" 3 "events of the same mistyped draw code sharing one hash"
serve_stop
# Nor does the store hold them, in any form the server wrote.
python3 - "$SCANLOOP_DB/data.mdb" "$BAD_TOKEN" "$BAD_TYPED" "$BAD_SIG" <<'PY' || fail "the store holds a mistyped secret"
import sys
data = open(sys.argv[1], "rb").read().upper()
for s in sys.argv[2:]:
    for v in {s, s.replace("-", "")}:
        part = v[6:].upper().encode()
        if part in data:
            sys.exit("%s... is in data.mdb" % v[:6])
print("data.mdb: no mistyped secret")
PY
note "ok"
