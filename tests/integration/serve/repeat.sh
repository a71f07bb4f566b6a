#!/usr/bin/env bash
# repeat.sh — a scan that repeats an earlier one (issue 11): the same
# phone (visitor cookie) scanning its code again is told "you scanned this
# before, on DATE" and not warned of a copy; another phone is; scanning
# the outer code and then the inner draw code (and back) is no repeat; the
# JSON API says the same in "repeat" ("self", "other" or null). Cookies
# are kept in curl cookie jars, one per phone.
. "$(dirname "$0")/lib.sh"
serve_setup
make_key 1
mint 1 4 "$T/job" --draw-codes
ok batch activate "$(manifest_get "$T/job" batch_id)"
serve_start --rate 0

A=$T/phone-a.jar
B=$T/phone-b.jar
C=$T/phone-c.jar
COPY_EN='If you did not scan it before, the label may have been copied.'
SELF_EN='You scanned this before, on <time datetime="'
# page URL JAR [ARGS...]: GET of a code's page (English) as the phone
# whose cookies are in JAR (a missing file: a phone without any).
page() {
	local url=$1 jar=$2
	shift 2
	get "$url" -b "$jar" -c "$jar" -H 'Accept-Language: en' "$@"
	expect_code 200 "GET $url"
}
# inner N: the path of the Nth inner draw code.
inner() {
	sed -n "$(($1 + 1))p" "$T/job/draw-codes.csv" | cut -d, -f3 |
	    sed 's|^HTTPS://S.EXAMPLE.COM||'
}

# 1. One code, phone A twice: first scan, then its own repeat.
P1=$(path_of "$(row "$T/job" 1)")
page "$P1" "$A"
assert_contains "$BODY" 'This is the first time this code has been scanned.' "first scan"
FIRST=$(sed -n 's/.*<time datetime="\([^"]*\)".*/\1/p' <<<"$BODY" | head -1)
[ -n "$FIRST" ] || fail "first scan page shows no time"
page "$P1" "$A"
assert_contains "$BODY" "$SELF_EN$FIRST\"" "same phone again: scanned by you, on the first scan's time"
assert_contains "$BODY" '<main class="ok">' "same phone again: not a warning"
assert_not_contains "$BODY" "$COPY_EN" "same phone again: no copy warning"
assert_not_contains "$BODY" 'scanned before</h1>' "same phone again: headline"
get "$P1" -b "$A" -c "$A"
assert_contains "$BODY" '您之前扫描过此码，时间：<time datetime="' "same phone again (Chinese)"
assert_not_contains "$BODY" '此标签可能被复制' "same phone again (Chinese): no copy warning"

# 2. Phone B scans the same code: the copy warning.
page "$P1" "$B"
assert_contains "$BODY" 'Genuine code, scanned before' "other phone: headline"
assert_contains "$BODY" "$COPY_EN" "other phone: copy warning"
assert_contains "$BODY" 'This code has been scanned 4 times.' "other phone: count"
# ... and from then on phone A is warned too: someone else scanned it.
page "$P1" "$A"
assert_contains "$BODY" "$COPY_EN" "phone A after phone B: copy warning"

# 3. Outer code, then the inner draw code, then the outer again: phone C.
P2=$(path_of "$(row "$T/job" 2)")
I2=$(inner 2)
page "$P2" "$C"
assert_contains "$BODY" 'This is the first time this code has been scanned.' "outer first"
page "$I2" "$C"
assert_contains "$BODY" 'This is the first time this code has been scanned.' "inner after outer: first scan of the inner code"
assert_not_contains "$BODY" "$COPY_EN" "inner after outer: no copy warning"
assert_not_contains "$BODY" 'You scanned this before' "inner after outer: not a repeat"
page "$I2" "$C"
assert_contains "$BODY" "$SELF_EN" "inner again: scanned by you"
page "$P2" "$C"
assert_contains "$BODY" "$SELF_EN" "outer again: scanned by you"
assert_not_contains "$BODY" "$COPY_EN" "outer again: no copy warning"
# Another phone's inner scan is a repeat of the inner code by another.
page "$I2" "$B"
assert_contains "$BODY" "$COPY_EN" "inner by another phone: copy warning"
# Inner first, then outer: no repeat either way.
P3=$(path_of "$(row "$T/job" 3)")
I3=$(inner 3)
page "$I3" "$C"
assert_contains "$BODY" 'This is the first time this code has been scanned.' "inner first"
page "$P3" "$C"
assert_contains "$BODY" 'This is the first time this code has been scanned.' "outer after inner"
assert_not_contains "$BODY" "$COPY_EN" "outer after inner: no copy warning"

# 4. The API: "repeat" is null, then "self" with "repeat_since", then
# "other".
G4=$(row "$T/job" 4)
api() {
	post_json /api/v1/scans "{\"code\":\"$G4\"}" "$@"
	expect_code 200 "POST /api/v1/scans"
}
api -b "$A" -c "$A"
assert_eq "$(json_get 'j["repeat"]')" null "API first scan: repeat"
api -b "$A" -c "$A"
assert_eq "$(json_get 'j["repeat"]')" '"self"' "API same phone: repeat"
assert_eq "$(json_get 'j["repeat_since"] == j["first_scan"]["time"]')" true "API same phone: repeat_since"
api -b "$B" -c "$B"
assert_eq "$(json_get 'j["repeat"]')" '"other"' "API other phone: repeat"
assert_eq "$(json_get '"repeat_since" in j')" false "API other phone: no repeat_since"
# A bot's scan is never a repeat: it is not a person's.
api -b "$A" -A 'curl/8.5.0'
assert_eq "$(json_get 'j["repeat"]')" null "API bot: repeat"

serve_stop
