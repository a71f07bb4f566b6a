#!/usr/bin/env bash
# report.sh — the report against figures computed independently from the
# exports. A scripted history over ten days (the server run under
# faketime, one day at a time): page, app, bot and HEAD scans of genuine
# codes with repeats, located scans in China and Singapore, forged,
# malformed, not-yet-active and void codes, and a campaign's draws,
# claims and redemptions at two stores. Then `scanloop report --json`
# for the last five days (and the five before) in UTC and in
# Asia/Shanghai, with and without --campaign, is compared field by field
# with report_oracle.py over the JSON Lines exports; the HTML is one
# self-contained page of SVG charts; the admin endpoint gives the same
# JSON to a token's holder (401 without, 404/400 for bad queries, cached);
# bad input is refused with a clear error.
. "$(dirname "$0")/../rewards/lib.sh"
rw_setup
serve_fixture
ORACLE="python3 $SERVE_LIB_DIR/report_oracle.py"
COUNTRIES="$SERVE_LIB_DIR/../../../analytics/data/countries.txt"
BOT_UA='Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'
BATCH=$BATCH_A campaign_write "$T/c.json" rep '
c["start"] = iso(-11 * DAY)
c["tiers"] = [tier("mug", total=6, daily_cap=1, odds=500000),
              tier("pts", "points", odds=500000)]'
campaign_load "$T/c.json"
store_add sh-1
S1=$STORE_TOKEN
store_add sh-2
S2=$STORE_TOKEN
# A forged copy of the fourth code: one signature character changed.
SIG=${GENUINE4#*\?S=}
[ "${SIG:30:1}" = A ] && C=B || C=A
FORGED="${GENUINE4%%\?*}?S=${SIG:0:30}$C${SIG:31}"
CITIES=("31.2304 121.4737" "39.9042 116.4074" "1.3521 103.8198"
    "23.1291 113.2644")

# api_scan CODE LAT LON: a located scan through the JSON API.
api_scan() {
	post_json /api/v1/scans "$(python3 -c 'import json, sys
print(json.dumps({"code": sys.argv[1], "lat": float(sys.argv[2]),
    "lon": float(sys.argv[3]), "accuracy": 30}))' "$1" "$2" "$3")"
	expect_code 200 "API scan"
}

for day in 9 8 7 6 5 4 3 2 1 0; do
	serve_start_at "-${day}d" --rate 0
	g=$(row "$T/jobA" $((day % 5 + 3)))
	get "$(path_of "$g")"
	get "$(path_of "$g")"				# a repeat
	get "$(path_of "$GENUINE")"
	[ $((day % 3)) -ne 0 ] || get "$(path_of "$GENUINE2")"
	read -r lat lon <<<"${CITIES[$((day % 4))]}"
	api_scan "$GENUINE3" "$lat" "$lon"
	[ $((day % 2)) -ne 0 ] || api_scan "$g" 31.3 121.5
	get "$(path_of "$GENUINE2")" -A "$BOT_UA"
	req HEAD "$(path_of "$GENUINE")"
	get "$(path_of "$FORGED")"
	[ $((day % 2)) -ne 0 ] || get "$(path_of "$FORGED")"
	get "/01/09506000134352/21/AAAAAAAAAAAAA"	# no signature
	get "$(path_of "$NOT_ACTIVE")"
	get "$(path_of "$VOID")"
	[ $((day % 4)) -ne 1 ] || get "$(path_of "$VOID_BATCH")"
	# One draw a day by a code of its own; the physical prize claimed
	# at a store on even days.
	draw_ok "$(row "$T/jobA" $((day + 8)))"
	if [ "$OUTCOME" = mug ] && [ $((day % 2)) -eq 0 ]; then
		[ $((day % 4)) -eq 0 ] && redeem "$CLAIM" "$S1" || redeem "$CLAIM" "$S2"
		expect_code 200 "redemption on day -$day"
	fi
	serve_stop
done

# The exports the oracle reads.
mkdir -p "$T/x"
for k in scans codes batches draws claims; do
	ok export $k --format jsonl --out "$T/x/$k.jsonl"
done
FROM=$(python3 -c 'import datetime as d; print((d.datetime.now(d.timezone.utc).date() - d.timedelta(days=4)).isoformat())')
TO=$(python3 -c 'import datetime as d; print((d.datetime.now(d.timezone.utc).date() + d.timedelta(days=1)).isoformat())')

# 1. The figures, against the oracle.
ok report --from "$FROM" --to "$TO" --tz UTC --json "$T/r.json"
$ORACLE --report "$T/r.json" --dir "$T/x" --countries "$COUNTRIES" ||
    fail "the report (UTC) differs from the exports"
note "$($ORACLE --report "$T/r.json" --dir "$T/x" --countries "$COUNTRIES")"
ok report --from "$FROM" --to "$TO" --tz Asia/Shanghai --json "$T/rs.json"
$ORACLE --report "$T/rs.json" --dir "$T/x" --countries "$COUNTRIES" \
    --tz Asia/Shanghai || fail "the report (Asia/Shanghai) differs"
ok report --campaign rep --from "$FROM" --to "$TO" --tz UTC --json "$T/rc.json"
$ORACLE --report "$T/rc.json" --dir "$T/x" --countries "$COUNTRIES" \
    --campaign rep --scope "$BATCH_A" || fail "the campaign report differs"
python3 - "$T/rc.json" <<'EOF' || fail "the campaign report has no draws or redemptions"
import json, sys
c = json.load(open(sys.argv[1]))
cur, prev = c["campaign"], c["previous"]["campaign"]
assert cur["draws"] == 5 and prev["draws"] == 5, (cur["draws"], prev["draws"])
assert cur["wins"] + prev["wins"] > 0 and c["totals"]["located"] > 0
assert {a["name"] for a in c["areas"] + c["previous"]["areas"]} >= {"China", "Singapore"}
EOF
# stdout without a file, and the default period (30 days up to today).
ok report --json
python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert len(r["days"]) == 30, len(r["days"])' \
    "$OUT" || fail "the default period is not 30 days"

# 2. The page: self-contained, SVG charts with titles, both languages.
ok report --from "$FROM" --to "$TO" --campaign rep --lang en --html "$T/r.html"
ok report --from "$FROM" --to "$TO" --html "$T/rzh.html"
python3 - "$T/r.html" "$T/rzh.html" <<'EOF' || fail "the HTML page is not what it should be"
import re, sys
en, zh = (open(p, encoding="utf-8").read() for p in sys.argv[1:3])
for page in (en, zh):
    assert page.startswith("<!DOCTYPE html>"), "doctype"
    assert "<script" not in page.lower(), "a script"
    urls = set(re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', page))
    assert not urls, "external references: %r" % urls
    assert page.count("<svg") >= 3 and "<title>" in page, "SVG charts"
    assert 'class="land"' in page and "<circle" in page, "the map"
assert 'lang="en"' in en and "Scans per day" in en and "Redemptions by store" in en
assert 'lang="zh-CN"' in zh and "每日扫码" in zh
EOF

# 3. The admin endpoint.
serve_start --rate 0
ok admin token new --name analyst
TOKEN=$(sed -n 's/^token: //p' <<<"$OUT")
Q="from=$FROM&to=$TO&tz=UTC"
get "/admin/report.json?$Q"
expect_code 401 "no token"
get "/admin/report.json?$Q" -H "Authorization: Bearer $TOKEN"
expect_code 200 "the JSON report"
printf '%s' "$BODY" >"$T/srv.json"
python3 - "$T/srv.json" "$T/r.json" <<'EOF' || fail "the server's report differs from the CLI's"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for x in (a, b):
    x.pop("generated")
assert a == b
EOF
GEN=$(json_get 'j["generated"]')
get "/admin/report.json?$Q" -H "Authorization: Bearer $TOKEN"
assert_eq "$(json_get 'j["generated"]')" "$GEN" "a second request within seconds is the cached report"
get "/admin/report?$Q" -H "Authorization: Bearer $TOKEN" -H 'Accept-Language: en-US,en;q=0.9'
expect_code 200 "the HTML report"
assert_contains "$(header Content-Type)" "text/html" "the page's type"
assert_contains "$BODY" '<html lang="en">' "Accept-Language picks English"
get "/admin/report.json?campaign=nope" -H "Authorization: Bearer $TOKEN"
expect_code 404 "an unknown campaign"
assert_contains "$BODY" "no such campaign" "the unknown campaign's message"
get "/admin/report.json?from=$TO&to=$FROM" -H "Authorization: Bearer $TOKEN"
expect_code 400 "--from after --to"
get "/admin/report.json?colour=red" -H "Authorization: Bearer $TOKEN"
expect_code 400 "an unknown parameter"
serve_stop

# 4. Bad input: a clear error, nothing written.
sl report --campaign nope --json "$T/bad.json"
assert_rc 1 "an unknown campaign"
assert_contains "$ERR" "no such campaign" "its message"
assert_absent "$T/bad.json"
sl report --from "$TO" --to "$FROM" --json "$T/bad.json"
assert_rc 2 "--from after --to"
assert_contains "$ERR" "--from must be before --to" "its message"
sl report --batch 999 --json "$T/bad.json"
assert_rc 1 "an unknown batch"
sl report --tz Mars/Olympus --json "$T/bad.json"
assert_rc 2 "an unknown zone"
sl report --html "$T/bad.html" --json
assert_rc 2 "both outputs"
sl report
assert_rc 2 "no output"
sl report --from 2020-01-01 --to 2026-01-01 --json
assert_rc 2 "a period over 1100 days"
assert_absent "$T/bad.json"
echo "PASS [report]"
