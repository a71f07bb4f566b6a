#!/usr/bin/env bash
# checkin_prize.sh — a check-in streak's prize (连续打卡 → a coupon) through
# `scanloop serve`.
#
# Campaign files whose streak prize is wrong are refused, the field named.
# Two visitors check in at s1 on seven local days in a row, the first two
# a minute before and after a local midnight (Asia/Shanghai), the server
# under faketime; the answers show the progress toward the coupon by
# name. The coupon has a stock of one: the first to complete is granted
# it with its claim (token and link), the second gets no prize and the
# reason; the first is a `winner` (export visitors), the second not. A
# store redeems the coupon once (a second time 409); `campaign
# show`, `export draws` (kind grant), `export checkins` (the grant's
# seq) and the report (its grants) agree; the audit passes from the
# store and docs/audit_draws.py, both fail a changed grant; the month's
# settlement lists the coupon.
. "$(dirname "$0")/lib.sh"
rw_setup
[ -e /usr/share/zoneinfo/Asia/Shanghai ] || skip "no tzdata (Asia/Shanghai)"

LAT=31.2304
LON=121.4737
mint_active 1 "$T/job"
TIERS='c["tiers"] = [tier("mug"), tier("coupon10", "coupon", total=1, odds=0,
    name="10-yuan coupon", coupon={"face_value": "10.00", "currency": "CNY",
    "condition": "Any purchase.", "valid_days": 30}),
    tier("pts", "points", odds=0)]
c["time_zone"] = "Asia/Shanghai"
c["start"] = iso(-2 * DAY)'

# 1. A streak's prize must be an online tier with a claim, and no draw.
for bad in '"nope"|checkin.streak.reward.prize: names tier nope, which is not in tiers' \
    '"pts"|checkin.streak.reward.prize: names tier pts, a points tier' \
    '"coupon10", "draw": True|checkin.streak.reward.prize: goes without "draw": true'; do
	campaign_write "$T/bad.json" bad "$TIERS
c[\"checkin\"] = {\"reward\": {\"points\": 1},
    \"streak\": {\"days\": 7, \"reward\": {\"prize\": ${bad%%|*}}}}"
	sl campaign load "$T/bad.json"
	assert_rc 1 "a campaign with streak prize ${bad%%|*}"
	assert_contains "$ERR" "${bad#*|}" "the error names the field"
done
campaign_write "$T/bad.json" bad "$TIERS
c[\"checkin\"] = {\"reward\": {\"points\": 1, \"prize\": \"coupon10\"}}"
sl campaign load "$T/bad.json"
assert_rc 1 "a check-in reward with a prize"
assert_contains "$ERR" "checkin.reward.prize: is for checkin.streak.reward only" \
    "the error names the field"

campaign_write "$T/c.json" ckp "$TIERS
c[\"checkin\"] = {\"reward\": {\"points\": 1},
    \"streak\": {\"days\": 7, \"reward\": {\"points\": 5, \"prize\": \"coupon10\"}}}"
campaign_load "$T/c.json"
store_add s1 --lat $LAT --lon $LON --radius-m 100
S1=$STORE_TOKEN
ok store code s1
SIG1=$(sed -n 's|^url: .*/||p' <<<"$OUT")

# checkin VISITOR: a check-in at s1 inside its fence.
checkin() {
	post_json /api/v1/checkins "{\"store\": \"s1\", \"sig\": \"$SIG1\", \"lat\": $LAT, \"lon\": $LON, \"accuracy\": 5, \"lang\": \"en\"}" \
	    -H "Cookie: sl_vid=$1"
	expect_code 200 "check-in"
}

# 2. Seven days in a row, across a midnight in Shanghai (16:00 UTC).
V1=$(visitor_new)
V2=$(visitor_new)
for d in 0 1 2 3 4 5 6; do
	serve_start_streak_day $d --rate 0
	if [ $d -eq 0 ]; then
		get "/K/s1/$SIG1?lang=en"
		expect_code 200 "the store's page"
		assert_contains "$BODY" 'data-streakz="Streak: {n} of {N} days → {z}"' \
		    "the page words the progress toward a prize"
	fi
	checkin "$V1"
	check_json "assert j['status'] == 'new', j
s = j['streak']
assert (s['days'], s['goal'], s['rewarded']) == ($d + 1, 7, $d == 6), s
assert s['prize']['tier'] == 'coupon10' and s['prize']['name'] == '10-yuan coupon', s
assert s['prize']['face_value'] == '10.00' and s['prize']['currency'] == 'CNY', s
assert j['streak_draw'] is None, j
g = j['streak_prize']
if $d < 6:
    assert g is None, j
else:
    assert g['status'] == 'granted' and g['message'] is None, g
    assert g['prize']['tier'] == 'coupon10' and g['draw'] >= 1, g
    c = g['claim']
    assert len(c['token']) == 24 and c['url'] == '/C/' + c['token'], c
    assert c['text'].replace('-', '') == c['token'] and c['redeemed'] is None, c
    assert j['points'] == 6, j"
	if [ $d -eq 6 ]; then
		CLAIM=$(json_get 'j["streak_prize"]["claim"]["token"]' | tr -d '"')
		SEQ1=$(json_get 'j["streak_prize"]["draw"]')
	fi
	checkin "$V2"
	check_json "assert j['status'] == 'new' and j['streak']['days'] == $d + 1, j
g = j['streak_prize']
if $d < 6:
    assert g is None, j
else:
    assert g['status'] == 'out_of_stock' and g['claim'] is None, g
    assert 'all given out' in g['message'] and g['draw'] >= 1, g
    assert j['streak']['rewarded'] and j['points'] == 6, j"
	[ $d -eq 6 ] && SEQ2=$(json_get 'j["streak_prize"]["draw"]')
	if [ $d -eq 6 ]; then
		# The granted visitor is a winner; the other one is not.
		ok export visitors --tag winner --format jsonl
		python3 - "$OUT" "$V1" "$V2" <<'PY' || fail "export visitors --tag winner: $OUT"
import base64, json, sys
rows = [json.loads(l) for l in sys.argv[1].splitlines() if l]
ids = {r["visitor"]: r for r in rows}
v1, v2 = (base64.b32decode(v + "=" * (-len(v) % 8)).hex()
    for v in sys.argv[2:4])
assert list(ids) == [v1], (list(ids), v1, v2)
r = ids[v1]
assert (r["wins"], r["draws"], r["redemptions"]) == (1, 0, 0), r
assert "winner" in r["tags"] and "redeemer" not in r["tags"], r
PY
		# The coupon redeems once, at the store.
		redeem "$CLAIM" "$S1"
		expect_code 200 "the streak's coupon redeemed"
		redeem "$CLAIM" "$S1"
		expect_code 409 "the streak's coupon redeemed again"
		REDEEMED=$(date -u -d "@$AT" +%Y-%m)
	fi
	serve_stop
done

# 3. The tallies, the draw log and the check-ins agree.
ok campaign show ckp
assert_contains "$OUT" "grants: 1 (streak prizes; 1 more found none in stock)" \
    "campaign show counts the grants"
assert_contains "$OUT" "redeemed: 1" "campaign show counts the redemption"
ok export draws --campaign ckp --format jsonl
python3 - "$OUT" "$SEQ1" "$SEQ2" <<'PY' || fail "export draws: $OUT"
import json, sys
rows = [json.loads(l) for l in sys.argv[1].splitlines() if l]
draws = [r for r in rows if r["type"] == "draw"]
assert [r["kind"] for r in draws] == ["grant", "grant"], draws
g1, g2 = draws
assert (g1["seq"], g2["seq"]) == (int(sys.argv[2]), int(sys.argv[3])), draws
assert g1["outcome"] == "coupon10" and g1["claim"] and g1["reason"] is None, g1
assert g2["outcome"] == "miss" and g2["claim"] is None, g2
assert g2["reason"] == "out_of_stock", g2
assert all(r["shop"] == "s1" and r["rnd"] == "0" * 16 for r in draws), draws
PY
sl_at "@$(date -d "@$((AT + 3600))" "+%F %T")" report --campaign ckp --json
assert_rc 0 "report --campaign ckp: $ERR"
python3 - "$OUT" <<'PY' || fail "the report's campaign: $OUT"
import json, sys
c = json.loads(sys.argv[1])["campaign"]
assert (c["grants"], c["wins"], c["draws"], c["opened"]) == (1, 1, 0, 0), c
t = {x["tier"]: x for x in c["tiers"]}["coupon10"]
assert (t["awarded"], t["remaining"]) == (1, 0), t
PY
ok export checkins --campaign ckp
python3 - "$OUT" "$SEQ1" "$SEQ2" <<'PY' || fail "export checkins: $OUT"
import csv, io, sys
rows = list(csv.DictReader(io.StringIO(sys.argv[1])))
assert len(rows) == 14, rows
done = [r for r in rows if r["streak_rewarded"] == "1"]
assert [r["streak_draw_seq"] for r in done] == sys.argv[2:], done
assert all(r["streak_draw_seq"] == "" for r in rows if r not in done), rows
PY

# 4. The audit: passes, and fails when the grant is changed.
audits_pass ckp "the streak's grants"
ok campaign audit ckp --seed "$CAMPAIGN_SEED"
assert_contains "$OUT" "grants: 1 (streak prizes; 1 more found none in stock)" \
    "the audit counts the grants"
python3 - "$T/log.jsonl" "$T/bad.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for r in rows:
    if r.get("kind") == "grant" and r["outcome"] == "miss":
        r["outcome"], r["tier"], r["reason"] = "coupon10", 1, None
        r["claim"] = "AAAAAAAA"
open(sys.argv[2], "w").write("".join(json.dumps(r) + "\n" for r in rows))
PY
run python3 "$SCANLOOP_SRC/docs/audit_draws.py" --seed "$CAMPAIGN_SEED" "$T/bad.jsonl"
assert_rc 1 "audit_draws.py over a second coupon granted"
assert_contains "$OUT" "reason of a grant: expected out_of_stock" "audit_draws.py"
sl campaign audit ckp --seed "$CAMPAIGN_SEED" --log "$T/bad.jsonl"
assert_rc 1 "campaign audit over a second coupon granted"
assert_contains "$OUT$ERR" "expected 'out_of_stock'" "campaign audit"

# 5. The month's settlement lists the coupon.
NEXT=$(python3 -c 'import datetime as d, sys
t = d.datetime.strptime(sys.argv[1] + "-01", "%Y-%m-%d")
print((t + d.timedelta(days=32)).strftime("%Y-%m"))' "$REDEEMED")
sl_at "@${NEXT}-02 02:00:00" settle --period "$REDEEMED" --out "$T/st"
assert_rc 0 "settle --period $REDEEMED: $ERR"
python3 - "$T/st/brand.json" <<'PY' || fail "the settlement has no coupon line"
import json, sys
b = json.load(open(sys.argv[1]))
assert [(l["campaign"], l["tier"], l["face_value"], l["currency"], l["store"])
        for l in b["lines"]] == [("ckp", "coupon10", "10.00", "CNY", "s1")], b["lines"]
PY
note "ok"
