#!/usr/bin/env bash
# checkin.sh — store check-ins (到店打卡) through `scanloop serve`.
#
# `store code` prints a store's signed code URL (and its QR PNG, which
# zbarimg reads back); GET of it serves the check-in page, a changed
# signature or another store's id 404. POST /api/v1/checkins: inside the
# fence a new check-in with its points and draw; outside it, or with an
# accuracy worse than the radius, refused with a clear message (zh/en) and
# nothing recorded; the same visitor again that day "already"; a store's
# staff issue an exemption code (their token, 401 without) that checks in
# once and is refused when reused; without a store the location picks it.
# A seven-day streak, its first two check-ins a minute before and after a
# local midnight (Asia/Shanghai), the server under faketime, completes on
# the seventh day with the streak's points. `export checkins` (CSV read by
# Python's csv) lists exactly the recorded check-ins, fields in order; the
# report counts them per store and local day as Python does from the
# export; their draws pass `campaign audit` and docs/audit_draws.py.
. "$(dirname "$0")/lib.sh"
rw_setup
command -v zbarimg >/dev/null || fail "zbarimg is not installed"
[ -e /usr/share/zoneinfo/Asia/Shanghai ] || skip "no tzdata (Asia/Shanghai)"

LAT=31.2304
LON=121.4737
mint_active 3 "$T/job"
campaign_write "$T/c.json" ck '
c["time_zone"] = "Asia/Shanghai"
c["start"] = iso(-2 * DAY)
c["checkin"] = {"reward": {"points": 10, "draw": True},
    "per_store_per_day": 100,
    "streak": {"days": 7, "reward": {"points": 100}}}'
campaign_load "$T/c.json"
store_add s1 --lat $LAT --lon $LON --radius-m 100
store_add s2
S2=$STORE_TOKEN

# 1. The store code: a URL with the store's signature, and its QR code.
ok store code s1 --png "$T/s1.png"
URL=$(sed -n 's/^url: //p' <<<"$OUT")
case $URL in
"$CODE_BASE"/K/s1/*) ;;
*) fail "store code printed $URL" ;;
esac
[ "$(zbarimg -q --raw "$T/s1.png" 2>/dev/null)" = "$URL" ] ||
    fail "the PNG does not read back as $URL"
SIG1=${URL##*/}
ok store code s2
SIG2=$(sed -n 's|^url: .*/||p' <<<"$OUT")
sl store code s9
assert_rc 1 "store code of an unknown store"

serve_start --rate 0
get "/K/s1/$SIG1?lang=en"
expect_code 200 "the store's page"
assert_contains "$BODY" 'data-store="s1"' "the page names the store"
assert_contains "$BODY" 'Store s1' "the page shows the store's name"
get "/K/s2/$SIG1"
expect_code 404 "another store's id with s1's signature"
BAD=$(tr 'A-Z' 'B-ZA' <<<"$SIG1")
get "/K/s1/$BAD"
expect_code 404 "a changed signature"
CODE1=$(outer "$T/job" 1)
page "/${CODE1#*://*/}"
expect_code 200 "a code page of the campaign"
assert_contains "$BODY" 'href="/K/?lang=en"' "the code page's check-in link"
# A store whose id looks like a GS1 key ("01") still has its page.
store_add 01 --lat 31.2 --lon 121.4
ok store code 01
SIG01=$(sed -n 's|^url: .*/||p' <<<"$OUT")
get "/K/01/$SIG01"
expect_code 200 "store 01's page"
assert_contains "$BODY" 'data-store="01"' "store 01's page"
# A code whose base URL's path is /K still opens its code's page.
ok key new --id 2 --base-url https://s.example.com/K
mint 2 1 "$T/jobK"
ok batch activate "$(manifest_get "$T/jobK" batch_id)"
CODEK=$(outer "$T/jobK" 1)
case $CODEK in
"$CODE_BASE"/K/01/*) ;;
*) fail "a code under /K is $CODEK" ;;
esac
page "/${CODEK#*://*/}"
expect_code 200 "a code under /K"
assert_contains "$BODY" '<main class="ok"' "a code under /K is genuine"
get "/K/?lang=en"
expect_code 200 "the page that finds the store by location"
get "/store/checkin-code"
expect_code 200 "the staff's check-in code page"

# checkin VISITOR JSON-FIELDS: POST /api/v1/checkins with s1's code.
checkin() {
	post_json /api/v1/checkins "{\"store\": \"s1\", \"sig\": \"$SIG1\", $2}" \
	    -H "Cookie: sl_vid=$1"
	expect_code 200 "check-in ($2)"
}
V1=$(visitor_new)
# 2. Outside (about 220 m north), and an inaccurate fix: refused.
checkin "$V1" "\"lat\": 31.2324, \"lon\": $LON, \"accuracy\": 10, \"lang\": \"en\""
check_json 'assert j["status"] == "outside" and j["checkin"] is None, j
assert 210 < j["distance_m"] < 235 and j["radius_m"] == 100, j
assert "not at the store" in j["message"], j'
checkin "$V1" "\"lat\": $LAT, \"lon\": $LON, \"accuracy\": 150, \"lang\": \"en\""
check_json 'assert j["status"] == "inaccurate", j
assert "not accurate enough" in j["message"], j'
checkin "$V1" "\"lat\": $LAT, \"lon\": $LON, \"accuracy\": 150, \"lang\": \"zh\""
check_json 'assert "定位精度不足" in j["message"], j'
post_json /api/v1/checkins "{\"store\": \"s1\", \"sig\": \"$SIG1\", \"lat\": $LAT, \"lon\": $LON}"
expect_code 400 "a location without its accuracy"
post_json /api/v1/checkins "{\"store\": \"s2\", \"sig\": \"$SIG1\", \"lat\": $LAT, \"lon\": $LON, \"accuracy\": 5}"
expect_code 403 "another store's signature"
ok export checkins
[ "$(printf '%s\n' "$OUT" | grep -c .)" = 1 ] ||
    fail "refused check-ins were recorded: $OUT"

# 3. Inside: a check-in, its points and its draw; again: already.
checkin "$V1" "\"lat\": 31.2307, \"lon\": $LON, \"accuracy\": 30, \"lang\": \"en\""
check_json 'assert j["status"] == "new" and j["checkin"] == 1, j
assert j["points"] == 10 and j["points_balance"] == 10, j
assert 25 < j["distance_m"] < 40, j
assert j["draw"]["status"] == "new" and j["draw"]["outcome"] == "win", j
assert j["draw"]["claim"]["token"], j
assert j["streak"] == {"days": 1, "goal": 7, "store": None, "rewarded": False,
    "prize": None}, j'
checkin "$V1" "\"lat\": $LAT, \"lon\": $LON, \"accuracy\": 5"
check_json 'assert j["status"] == "already" and j["checkin"] is None, j'

# 4. Exemption codes: the staff's token, one use each.
post_json /api/v1/stores/me/checkin-code '{}'
expect_code 401 "a check-in code without a store token"
post_json /api/v1/stores/me/checkin-code '{}' -H "Authorization: Bearer $S2"
expect_code 200 "a check-in code"
XCODE=$(json_get 'j["code"]' | tr -d '"')
[[ $XCODE =~ ^[0-9]{8}$ ]] || fail "check-in code $XCODE"
V2=$(visitor_new)
V3=$(visitor_new)
post_json /api/v1/checkins "{\"store\": \"s2\", \"sig\": \"$SIG2\", \"exemption\": \"$XCODE\"}" \
    -H "Cookie: sl_vid=$V2"
check_json 'assert j["status"] == "new" and j["method"] == "code", j'
post_json /api/v1/checkins "{\"store\": \"s2\", \"sig\": \"$SIG2\", \"exemption\": \"$XCODE\", \"lang\": \"en\"}" \
    -H "Cookie: sl_vid=$V3"
check_json 'assert j["status"] == "bad_code", j
assert "used or expired" in j["message"], j'
# s2 has no location: a phone there needs a code.
post_json /api/v1/checkins "{\"store\": \"s2\", \"sig\": \"$SIG2\", \"lat\": $LAT, \"lon\": $LON, \"accuracy\": 5}" \
    -H "Cookie: sl_vid=$V3"
check_json 'assert j["status"] == "no_fence", j'

# 5. No store named: the location finds s1.
V4=$(visitor_new)
post_json /api/v1/checkins "{\"lat\": $LAT, \"lon\": 121.4738, \"accuracy\": 8}" \
    -H "Cookie: sl_vid=$V4"
check_json 'assert j["status"] == "new" and j["store"] == "s1", j'
serve_stop

# 6. Seven local days in a row across a midnight in Shanghai (16:00 UTC):
# the server's clock under faketime, restarted for each day.
V5=$(visitor_new)
for d in 0 1 2 3 4 5 6; do
	serve_start_streak_day $d --rate 0
	checkin "$V5" "\"lat\": $LAT, \"lon\": $LON, \"accuracy\": 5"
	check_json "assert j['status'] == 'new', j
assert j['streak']['days'] == $d + 1, j
assert j['streak']['rewarded'] == ($d == 6), j
assert j['points'] == (110 if $d == 6 else 10), j
assert j['points_balance'] == 10 * ($d + 1) + (100 if $d == 6 else 0), j"
	serve_stop
done

# 7. The export: every recorded check-in, fields in their order.
ok export checkins
python3 - "$OUT" "$V5" <<'PY' || fail "export checkins: $OUT"
import base64, csv, io, sys
rows = list(csv.DictReader(io.StringIO(sys.argv[1])))
fields = ("id time campaign day store method visitor lat lon accuracy "
          "distance_m streak streak_rewarded points draw_seq draw_outcome "
          "streak_draw_seq").split()
assert list(rows[0].keys()) == fields, list(rows[0].keys())
assert [int(r["id"]) for r in rows] == list(range(1, 11)), rows
assert [r["method"] for r in rows].count("code") == 1
v5 = base64.b32decode(sys.argv[2] + "======").hex()
week = [r for r in rows if r["visitor"] == v5]
assert [int(r["streak"]) for r in week] == list(range(1, 8)), week
assert [int(r["day"]) for r in week] == list(range(int(week[0]["day"]), int(week[0]["day"]) + 7))
assert week[6]["streak_rewarded"] == "1" and week[6]["points"] == "110"
assert all(r["draw_outcome"] == "mug" for r in rows), rows
PY
# 8. The report: check-ins per store and per local day, as the export's
# rows counted by Python (zoneinfo) say.
ok report --tz Asia/Shanghai --from "$(iso_at -$((3 * 86400)))" \
    --to "$(iso_at $((9 * 86400)))" --json "$T/report.json"
ok export checkins --format jsonl
python3 - "$T/report.json" "$OUT" <<'PY' || fail "report check-ins"
import collections, datetime, json, sys, zoneinfo
rep = json.load(open(sys.argv[1]))
rows = [json.loads(l) for l in sys.argv[2].splitlines() if l]
tz = zoneinfo.ZoneInfo("Asia/Shanghai")
want = collections.Counter()
for r in rows:
    t = datetime.datetime.fromisoformat(r["time"].replace("Z", "+00:00"))
    want[(r["store"], t.astimezone(tz).date().isoformat())] += 1
ck = rep["checkins"]
assert ck["total"] == len(rows) == 10 and ck["complete"], ck
got = collections.Counter()
for s in ck["stores"]:
    assert s["checkins"] == sum(d["checkins"] for d in s["days"]), s
    for d in s["days"]:
        if d["checkins"]:
            got[(s["id"], d["date"])] = d["checkins"]
assert got == want, (got, want)
assert rep["previous"]["checkins"]["total"] == 0
PY
ok report --tz Asia/Shanghai --lang en --from "$(iso_at -$((3 * 86400)))" \
    --to "$(iso_at $((9 * 86400)))" --html "$T/report.html"
grep -q 'Check-ins by day and store' "$T/report.html" ||
    fail "the HTML report has no check-ins table"
draws_csv ck
[ "$(printf '%s\n' "$OUT" | tail -n +2 | grep -c .)" = 10 ] ||
    fail "each check-in drew once: $OUT"
# 9. The check-ins' draws pass the audit, the CLI's and the independent
# script's, like any online draw.
audits_pass ck "the check-ins' draws"
note "ok"
