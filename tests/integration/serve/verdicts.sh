#!/usr/bin/env bash
# verdicts.sh — every verdict of a code URL with its status and page:
# genuine (first scan, scanned again), not activated, void code, void
# batch, forged (bad signature, another store's key, unknown key, GTIN
# changed), malformed, missing signature; any letter case; extra query
# parameters; the page language; the product page; HEAD and link-preview
# bots (answered, recorded as non-human, not counted); robots.txt; an
# unknown path. Every scan is recorded with its verdict (forged and
# malformed with the raw text).
. "$(dirname "$0")/lib.sh"
serve_setup
serve_fixture
SG=$(serial_of "$GENUINE")

# Codes the store does not know: a second store with its own key 1 (same
# id, another key) and one with key 7, which our store does not have.
(
	export SCANLOOP_DB="$T/other/db" SCANLOOP_KEYS="$T/other/keys" \
	    SCANLOOP_SECRET_KEYS="$T/other/secret-keys"
	make_key 1
	make_key 7
	mint 1 1 "$T/other/job1"
	mint 7 1 "$T/other/job7"
)
OTHER_KEY1=$(row "$T/other/job1" 1)
OTHER_KEY7=$(row "$T/other/job7" 1)

serve_start --rate 0
NSCANS=0
# scan PATH [CURL ARGS]: GET of a code URL (counted: each one is an event).
scan() {
	NSCANS=$((NSCANS + 1))
	get "$@"
}
# has TEXT WHAT: the last body contains TEXT.
has() {
	assert_contains "$BODY" "$1" "$2"
}
# lang_of: the page's <html lang>.
lang_of() {
	sed -n 's/^<html lang="\([^"]*\)">$/\1/p' <<<"$BODY" | head -1
}

# 1. Genuine, first scan (no Accept-Language: Chinese, the default).
scan "$(path_of "$GENUINE")"
expect_code 200 "genuine first scan"
has 'data-event="' "first scan page has the location button"
has 'data-token="' "first scan page has the location token"
has '这是该码第一次被扫描。' "first scan page (Chinese) says first scan"
assert_eq "$(lang_of)" zh-CN "default page language"
assert_contains "$(header Content-Type)" "text/html" "page content type"
FIRST_EV=$(sed -n 's/.*data-event="\([0-9]*\)".*/\1/p' <<<"$BODY")
[ -n "$FIRST_EV" ] || fail "no event id in the page"
SIZE=$(wc -c <"$T/run/body")
[ "$SIZE" -lt 20480 ] || fail "the page weighs $SIZE bytes (limit 20 KB)"

# 2. Genuine, scanned again (English).
scan "$(path_of "$GENUINE")" -H 'Accept-Language: en-US,en;q=0.9'
expect_code 200 "genuine second scan"
assert_eq "$(lang_of)" en "Accept-Language: en"
has 'This code has been scanned 2 times.' "second scan page"
has 'Genuine code, scanned before' "second scan headline"
assert_not_contains "$BODY" 'This is the first time' "second scan page"
scan "$(path_of "$GENUINE")" -H 'Accept-Language: zh-CN,zh;q=0.9,en;q=0.8'
expect_code 200 "genuine third scan"
assert_eq "$(lang_of)" zh-CN "Accept-Language: zh-CN"
has '此码已被扫描 3 次。' "third scan page (Chinese)"
scan "$(path_of "$GENUINE")&lang=en" -H 'Accept-Language: zh-CN,zh;q=0.9'
expect_code 200 "genuine with ?lang=en"
assert_eq "$(lang_of)" en "?lang=en over Accept-Language: zh-CN"
has 'This code has been scanned 4 times.' "fourth scan page"

# 3. HEAD: the page's headers without a body, recorded as non-human.
NSCANS=$((NSCANS + 1))
req HEAD "$(path_of "$GENUINE")"
expect_code 200 "HEAD of a genuine code"
CL=$(header Content-Length)
[ -n "$CL" ] && [ "$CL" -gt 1000 ] || fail "HEAD: Content-Length '$CL'"
# On the wire: the head, then nothing until the server closes.
NSCANS=$((NSCANS + 1))
raw_http "HEAD $(path_of "$GENUINE") HTTP/1.1\r\nHost: x\r\nUser-Agent: $HUMAN_UA\r\nConnection: close\r\n\r\n"
python3 - "$T/run/raw" <<'EOF' || fail "HEAD answered with a body (see above)"
import sys
d = open(sys.argv[1], "rb").read()
head, sep, rest = d.partition(b"\r\n\r\n")
if not sep or not head.startswith(b"HTTP/1.1 200 ") or \
        b"\r\ncontent-length: " not in head.lower():
    sys.exit("HEAD answer: %r" % d[:300])
if rest:
    sys.exit("HEAD answered with %d bytes of body: %r" % (len(rest), rest[:80]))
EOF

# 4. Link-preview bots get the page; their scans are not human.
for ua in 'facebookexternalhit/1.1' 'WhatsApp/2.23.20.0' 'TelegramBot (like TwitterBot)'; do
	scan "$(path_of "$GENUINE")" -A "$ua"
	expect_code 200 "genuine code for $ua"
	has '<html lang=' "page for $ua"
	assert_not_contains "$BODY" 'data-event=' "location button for $ua"
done
scan "$(path_of "$GENUINE")" -H 'Accept-Language: en'
expect_code 200 "human scan after the bots"
has 'This code has been scanned 5 times.' "bots and HEAD are not counted"

# 5. Any letter case, extra query parameters.
LOWER=$(path_of "$GENUINE2" | tr 'A-Z' 'a-z')
scan "$LOWER" -H 'Accept-Language: en'
expect_code 200 "lowercased code URL"
has 'This is the first time this code has been scanned.' "lowercased URL, first scan"
scan "$(path_of "$GENUINE2")" -H 'Accept-Language: en'
expect_code 200 "uppercase after lowercase"
has 'This code has been scanned 2 times.' "both cases are the same code"
for extra in '&from=singlemessage' '&from=singlemessage&isappinstalled=0' '&s=20' '&utm_source=x&S2=y'; do
	scan "$(path_of "$GENUINE3")$extra" -H 'Accept-Language: en'
	expect_code 200 "genuine code with '$extra'"
	has 'Genuine' "genuine code with '$extra'"
done
P3=$(path_of "$GENUINE3")
scan "${P3%%\?*}?from=timeline&${P3#*\?}" -H 'Accept-Language: en'
expect_code 200 "genuine code with a parameter before S"

# 6. Not activated, void code, void batch.
scan "$(path_of "$NOT_ACTIVE")" -H 'Accept-Language: en'
expect_code 200 "not activated"
has 'Code not activated yet' "not activated page"
scan "$(path_of "$NOT_ACTIVE")"
expect_code 200 "not activated (Chinese)"
has '此码尚未激活' "not activated page (Chinese)"
scan "$(path_of "$VOID")" -H 'Accept-Language: en'
expect_code 410 "void code"
has 'Code voided' "void page"
has 'misprinted label' "void reason"
scan "$(path_of "$VOID_BATCH")" -H 'Accept-Language: en'
expect_code 410 "void batch"
has 'reported stolen' "void batch reason"
scan "$(path_of "$VOID_BATCH" | tr 'A-Z' 'a-z')"
expect_code 410 "void batch, lowercase"

# 7. Forged and malformed (copies of GENUINE4, not scanned yet).
P=$(path_of "$GENUINE4")
SIG=${P#*\?S=}
i=60
c=${SIG:$i:1}
[ "$c" = A ] && r=B || r=A
BADSIG="${P%%\?*}?S=${SIG:0:$i}$r${SIG:$((i + 1))}"
scan "$BADSIG" -H 'Accept-Language: en'
expect_code 404 "bad signature"
has 'Not verified' "forged page"
has 'bad signature' "forged page reason"
scan "$(path_of "$OTHER_KEY1")" -H 'Accept-Language: en'
expect_code 404 "a code of another store's key 1"
has 'Not verified' "another store's code"
scan "$(path_of "$OTHER_KEY7")" -H 'Accept-Language: en'
expect_code 404 "a code of an unknown key"
has 'unknown key' "unknown key reason"
OTHER_GTIN=05901234123457
scan "$(path_of "$GENUINE4" | sed "s|/01/$GTIN14/|/01/$OTHER_GTIN/|")" -H 'Accept-Language: en'
expect_code 404 "GTIN changed"
has 'GTIN does not match' "GTIN changed reason"
scan "/01/$GTIN14/21/ABC?S=XYZ" -H 'Accept-Language: en'
expect_code 404 "malformed"
has 'Not a valid product code' "malformed page"
scan "${P%%\?*}" -H 'Accept-Language: en'
expect_code 404 "missing S"
has 'Not a valid product code' "missing S page"
scan "${P%%\?*}?S=" -H 'Accept-Language: en'
expect_code 404 "empty S"
scan "$(tr 'A-Z' 'a-z' <<<"$BADSIG")"
expect_code 404 "bad signature, lowercase"
has '未通过验证' "forged page (Chinese)"
# Forged scans that name the serial of GENUINE4 are not its scans: its
# first genuine scan is still the first.
scan "$(path_of "$GENUINE4")" -H 'Accept-Language: en'
expect_code 200 "genuine code after forged copies of it"
has 'This is the first time this code has been scanned.' \
    "forged copies do not count as scans"
scan "/prefix$(path_of "$GENUINE3")" -H 'Accept-Language: en'
expect_code 200 "a GS1 path prefix"

# 8. Product page, robots.txt, favicon, unknown paths.
get "/01/$GTIN14" -H 'Accept-Language: en'
expect_code 200 "product page"
has "$GTIN14" "product page names the GTIN"
has '<html lang="en">' "product page language"
get "/01/$GTIN"
expect_code 200 "product page, GTIN-13"
# What the GS1 Digital Link standard rejects is malformed, and recorded.
scan "/01/4006381333932" -H 'Accept-Language: en'
expect_code 404 "product page with a bad check digit"
has 'Not a valid product code' "bad check digit: malformed page"
scan "/01/12"
expect_code 404 "product page with a short GTIN"
get /robots.txt
expect_code 200 "robots.txt"
assert_contains "$BODY" "Disallow: /" "robots.txt"
get /nope
expect_code 404 "unknown path"
get /api/v1/nope
expect_code 404 "unknown API path"
req DELETE "$(path_of "$GENUINE")"
expect_code 405 "DELETE of a code URL"

# 9. Every scan was recorded. SIGTERM commits what is queued.
serve_stop
ok scans show --serial "$SG"
assert_contains "$OUT" "human scans: 5" "human scans of the genuine code"
assert_contains "$OUT" "all scans: 10" "all scans of the genuine code"
n_head=$(grep -c "genuine .* head " <<<"$OUT" || true)
n_bot=$(grep -c "genuine .* bot " <<<"$OUT" || true)
n_human=$(grep -c "genuine .* human " <<<"$OUT" || true)
assert_eq "$n_head" 2 "HEAD events of the genuine code"
assert_eq "$n_bot" 3 "bot events of the genuine code"
assert_eq "$n_human" 5 "human events of the genuine code"
assert_contains "$OUT" '"facebookexternalhit/1.1"' "bot User-Agent recorded"
tail_events 1000
got=$(grep -c '' <<<"$OUT")
assert_eq "$got" "$NSCANS" "scan events recorded"
event_line "$FIRST_EV" | grep -q " genuine .*$SG .* human " ||
    fail "first event: $(event_line "$FIRST_EV")"
for v in genuine not_active void forged malformed; do
	grep -q " $v " <<<"$OUT" || fail "no $v event in: $OUT"
done
nf=$(grep -c ' forged ' <<<"$OUT" || true)
nm=$(grep -c ' malformed ' <<<"$OUT" || true)
assert_eq "$nf" 5 "forged events"
assert_eq "$nm" 5 "malformed events"
grep ' forged ' <<<"$OUT" | grep -v -q 'raw="' &&
    fail "a forged event without its raw text: $OUT"
# The raw text keeps the code's public part and, of S=, 6 characters
# and a keyed hash (a mistyped signature is a near-valid one).
grep ' malformed ' <<<"$OUT" | grep -q "raw=\"/01/$GTIN14/21/ABC?S=XYZ\.\.\.#[0-9a-f]\{12\}\"" ||
    fail "malformed raw text not recorded: $OUT"
BADSIG_S=${BADSIG#*\?S=}
grep ' forged ' <<<"$OUT" | grep -qF "raw=\"${BADSIG%%\?S=*}?S=${BADSIG_S:0:6}...#" ||
    fail "forged raw text not recorded: $OUT"
assert_not_contains "$OUT" "${BADSIG_S:6:30}" "the forged signature in the raw text"
assert_eq "$(grep -c ' void ' <<<"$OUT")" 3 "void events"
assert_eq "$(grep -c ' not_active ' <<<"$OUT")" 2 "not_active events"
# The forged copies of GENUINE4 are in its history, not in its counts.
ok scans show --serial "$(serial_of "$GENUINE4")"
assert_contains "$OUT" "human scans: 1" "human scans of GENUINE4"
assert_contains "$OUT" "all scans: 4" "all scans of GENUINE4"
assert_eq "$(grep -c ' forged ' <<<"$OUT")" 3 "forged events in the history of GENUINE4"
note "ok: $NSCANS scan events"
