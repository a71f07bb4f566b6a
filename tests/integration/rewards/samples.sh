#!/usr/bin/env bash
# samples.sh — every sample campaign (samples/campaigns/) loads and draws
# on a store made as tools/quickstart.sh makes it, on the day it runs:
# the quickstart's batches (samples/print-job.env: the sample print job,
# the inner-code batch with draw codes, the Chinese campaign's batch), each
# campaign loaded with --start now, side by side without overlaps. Then
# the README's inner-code flow end to end: the outer code says to open the
# pack, the inner code draws, a win is redeemed at the demo store (its
# claim token typed as staff might: look-alikes, spaces, hyphens).
. "$(dirname "$0")/lib.sh"
rw_setup
# shellcheck source=../../../samples/print-job.env
. "$SCANLOOP_SRC/samples/print-job.env"
SAMPLES=$SCANLOOP_SRC/samples/campaigns

ok key new --id "$KEY_ID" --base-url "$BASE_URL"
# mint_job PRODUCT COUNT LINE DIR [ARGS...]: mints and activates.
mint_job() {
	local product=$1 count=$2 line=$3 dir=$4
	shift 4
	ok mint --key "$KEY_ID" --product "$product" --count "$count" \
	    --line "$line" --out "$dir" --quiet "$@"
	ok batch activate "$(manifest_get "$dir" batch_id)"
}
mint_job "$PRODUCT" 20 "$LINE" "$T/sample"
mint_job "$INNER_PRODUCT" "$INNER_COUNT" "$INNER_LINE" "$T/inner" --draw-codes
mint_job "$FESTIVAL_PRODUCT" 20 "$FESTIVAL_LINE" "$T/festival"

# Loaded as they are, the samples' dates are fixed; --start now runs them
# from now, keeping their length, their coupons' validity moving along.
for f in winter-treats inner-code spring-festival-zh; do
	ok campaign load "$SAMPLES/$f.json" --start now
	assert_contains "$OUT" "commitment: " "$f loads"
done
ok campaign list
for id in winter-treats-2026 inner-code-summer-2027 chunjie-2027; do
	grep -q "^$id .*running" <<<"$OUT" || fail "$id is not running: $OUT"
done
ok campaign show inner-code-summer-2027
python3 - "$OUT" <<'PY' || fail "inner-code: the window did not move: $OUT"
import re, sys, time
start = re.search(r"^start: (\S+ \S+)", sys.argv[1], re.M).group(1)
t = time.mktime(time.strptime(start[:19], "%Y-%m-%d %H:%M:%S")) - time.timezone
assert abs(t - time.time()) < 600, (start, time.time())
PY
# Another start that is not a time is a usage error.
sl campaign load "$SAMPLES/winter-treats.json" --start tomorrow
assert_rc 2 "--start tomorrow"
store_add demo-store

serve_start --rate 0
# The outer codes of the sample print job and the Chinese campaign draw.
draw_ok "$(outer "$T/sample" 1)"
assert_eq "$STATUS" new "winter-treats draws"
draw_ok "$(outer "$T/festival" 1)"
assert_eq "$STATUS" new "chunjie draws"
assert_eq "$(json_get 'j["campaign"]')" '"chunjie-2027"' "chunjie's draw"

# The inner-code flow: the outer code's page says to open the pack...
page "$(path_of "$(outer "$T/inner" 1)")"
expect_code 200 "the inner batch's outer code"
assert_contains "$(draw_section)" "Open the package to draw" "outer code page"
draw_api "$(outer "$T/inner" 1)"
expect_code 403 "a draw on the outer code"
# ...the inner code draws; draw until a prize is won (17% a draw).
CL=
for ((i = 1; i <= INNER_COUNT && ${#CL} == 0; i++)); do
	draw_ok "$(inner "$T/inner" "$i")"
	assert_eq "$STATUS" new "inner code $i draws"
	CL=$CLAIM
done
[ -n "$CL" ] || fail "no prize in $INNER_COUNT draws"
# Typed by staff: lower case, 0/1/8 for O/I/B, a space, hyphens and a
# full-width hyphen, percent-encoded as the staff page sends them.
TYPED=$(python3 - "$CL" <<'PY'
import sys, urllib.parse
t = sys.argv[1].translate(str.maketrans("OIB", "018")).lower()
t = t[:4] + "-" + t[4:8] + " " + t[8:12] + "\uff0d" + t[12:]
print(urllib.parse.quote(t, safe=""))
PY
)
redeem "$TYPED" "$STORE_TOKEN"
expect_code 200 "the win, typed with look-alikes, is redeemed at the demo store"
check_json 'assert j["status"] == "redeemed" and j["campaign"] == "inner-code-summer-2027", j'
serve_stop
ok campaign show inner-code-summer-2027
assert_contains "$OUT" "redeemed: 1" "the redemption counted"
note "ok: 3 samples drew; inner-code won after $((i - 1)) draws"
