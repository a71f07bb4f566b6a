#!/usr/bin/env bash
# tags.sh — member tags (会员标签) after a scripted history, and a draw
# scoped to a tag, through `scanloop serve`.
#
# Five visitors, each a curl cookie jar (the server gives each its sl_vid
# on its first page): A scans one code twice; B scans two codes, draws a
# mug with one of them and has it redeemed at store s1; C scans a code
# and checks in at s1 (10 points); D scans a code of campaign "rb" (scope
# tags ["repeat_buyer"]): its page says in zh and en who the draw is for
# instead of offering it, a draw form from B's page posted with D's cookie
# and D's API draw are refused, with nothing in the draw log; after
# scanning a second code D draws and wins; E's app draws on a code of "rb" (the
# request is E's first scan, refused: one code), and a draw without a
# cookie is refused too. `export
# visitors` (CSV read by Python's csv, JSONL by json, --out) must agree
# with what Python derives from `export scans|draws|claims|checkins`
# (joined by event id and draw sequence) and with the story's tags;
# --tag filters; the points tiers' thresholds change with `config set`
# (in order only: out of order is rejected, garbage a usage error) and
# come back with `config unset`; `campaign audit` replays the scoped
# campaign.
. "$(dirname "$0")/lib.sh"
rw_setup

LAT=31.2304
LON=121.4737
mint_active 5 "$T/job"
campaign_write "$T/open.json" open '
c["checkin"] = {"reward": {"points": 10}}'
campaign_load "$T/open.json"
mint_active 2 "$T/job2"
campaign_write "$T/rb.json" rb '
c["scope"]["tags"] = ["repeat_buyer"]'
campaign_load "$T/rb.json"
store_add s1 --lat $LAT --lon $LON --radius-m 100
S1=$STORE_TOKEN
ok store code s1
SIG1=$(sed -n 's|^url: .*/||p' <<<"$OUT")

# A bad scope is refused at load.
campaign_write "$T/bad.json" bad '
c["scope"] = {"batches": [2], "tags": ["repeat_buyer", "vip", "repeat_buyer"]}'
sl campaign load "$T/bad.json"
assert_rc 1 "a campaign with unknown and repeated tags"
assert_contains "$ERR" "scope.tags[1]" "the unknown tag is named"
assert_contains "$ERR" "repeats scope.tags[0]" "the repeated tag is named"

serve_start --rate 0

# as NAME: the visitor's cookie jar for vget, vdraw, vpost.
as() { JAR="$T/$1.jar"; }
# vget N [JOB]: the page of code N (of JOB, $T/job) as the visitor.
vget() {
	local u
	u=$(outer "${2:-$T/job}" "$1")
	get "/${u#*://*/}&lang=${LANGQ:-en}" -b "$JAR" -c "$JAR"
	expect_code 200 "page of code $1"
}
# vform LANG: posts the draw form read last (page_form) as the visitor.
vform() {
	req POST "/draw?lang=$1" -b "$JAR" -H "Origin: $SRV_URL" \
	    -H 'Sec-Fetch-Site: same-origin' --data-urlencode "c=$FORM_C" \
	    --data-urlencode "e=$FORM_E" --data-urlencode "t=$FORM_T"
	expect_code 200 "the page's draw ($1)"
}
# vdraw N [JOB]: the API draw of code N as the visitor.
vdraw() {
	local body
	body=$(python3 -c 'import json, sys; print(json.dumps({"code": sys.argv[1]}))' \
	    "$(outer "${2:-$T/job}" "$1")")
	post_json "$DRAWS" "$body" -b "$JAR" -c "$JAR"
	expect_code 200 "draw of code $1"
}

as A
vget 1
vget 1
as B
vget 2
vget 3
vdraw 2
check_json 'assert j["status"] == "new" and j["outcome"] == "win", j'
CLAIM=$(json_get 'j["claim"]["token"]' | tr -d '"')
redeem "$CLAIM" "$S1"
expect_code 200 "B's redemption"
as C
vget 4
post_json /api/v1/checkins "{\"store\": \"s1\", \"sig\": \"$SIG1\", \"lat\": $LAT, \"lon\": $LON, \"accuracy\": 20}" \
    -b "$JAR" -c "$JAR"
expect_code 200 "C's check-in"
check_json 'assert j["status"] == "new" and j["points"] == 10, j'

# D: rb's draw is for repeat buyers; D has scanned one code. Its page
# says so instead of offering the draw, in English and in Chinese.
as D
vget 1 "$T/job2"
assert_no_form "D's page of an rb code"
assert_contains "$BODY" "This draw is for repeat buyers." "the page says why"
assert_contains "$BODY" "This code keeps its draw." "the code keeps its draw"
LANGQ=zh vget 1 "$T/job2"
assert_no_form "D's page in Chinese"
assert_contains "$BODY" "本次抽奖仅限复购会员参与。" "the Chinese page says why"
# A draw button from a repeat buyer's page (B's), posted by D: refused.
as B
vget 2 "$T/job2"
page_form
as D
vform en
assert_contains "$BODY" "This draw is for repeat buyers." "the form's answer"
assert_contains "$BODY" "This code keeps its draw." "the form's answer"
vdraw 1 "$T/job2"
check_json 'assert j["status"] == "refused" and j["outcome"] == "refused", j
assert j["refusal"] == "This draw is for repeat buyers.", j
assert j["scope"] == ["repeat_buyer"] and "draw" not in j, j
assert j["claim"] is None, j'
[ "$(draws_count rb)" = 0 ] || fail "a scoped-out draw was logged: $OUT"
# A second code makes D a repeat buyer: the same code now draws.
vget 5
vget 1 "$T/job2"
page_form
vdraw 1 "$T/job2"
check_json 'assert j["status"] == "new" and j["outcome"] == "win", j
assert j["draw"] == 1, j'
[ "$(draws_count rb)" = 1 ] || fail "rb's log: $OUT"
# E: an app's first request is a draw: refused (and one without a cookie).
as E
vdraw 2 "$T/job2"
check_json 'assert j["status"] == "refused" and "scope" in j, j'
draw_api "$(outer "$T/job2" 2)"
expect_code 200 "a draw without a cookie"
check_json 'assert j["status"] == "refused", j'

# The visitors' ids, as the export writes them (hex).
for v in A B C D E; do
	python3 - "$T/$v.jar" >"$T/$v.id" <<'PY' || fail "no sl_vid in $v's jar"
import base64, sys
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if len(f) == 7 and f[5] == "sl_vid":
        v = f[6]
        print(base64.b32decode(v + "=" * (-len(v) % 8)).hex())
        break
else:
    sys.exit(1)
PY
done

ok export scans
printf '%s\n' "$OUT" >"$T/scans.csv"
ok export draws
printf '%s\n' "$OUT" >"$T/draws.csv"
ok export claims
printf '%s\n' "$OUT" >"$T/claims.csv"
ok export checkins
printf '%s\n' "$OUT" >"$T/checkins.csv"
ok export visitors
printf '%s\n' "$OUT" >"$T/visitors.csv"
ok export visitors --format jsonl --out "$T/visitors.jsonl"
ok export visitors --format jsonl --tag repeat_buyer
printf '%s\n' "$OUT" >"$T/rb.jsonl"
ok export visitors --tag checkin:s1
printf '%s\n' "$OUT" >"$T/ck.csv"
ok export visitors --tag points:bronze --format jsonl
printf '%s\n' "$OUT" >"$T/bronze.jsonl"
sl export visitors --tag vip
assert_rc 2 "an unknown tag"
sl export scans --tag winner
assert_rc 2 "--tag of scans"
sl export visitors --campaign open
assert_rc 2 "--campaign of visitors"

python3 - "$T" <<'PY' || fail "export visitors disagrees (above)"
import csv, json, os, sys

T = sys.argv[1]
ids = {n: open(os.path.join(T, n + ".id")).read().strip() for n in "ABCDE"}
name = {v: n for n, v in ids.items()}

def rows(f):
    with open(os.path.join(T, f), newline="") as fh:
        return list(csv.DictReader(fh))

# The oracle: every count from the other exports.
exp = {}
def rec(v):
    return exp.setdefault(v, {"times": [], "scans": 0, "codes": set(),
        "draws": 0, "wins": 0, "redemptions": 0, "checkins": 0,
        "points": 0, "shops": set()})
scan_visitor = {}
for r in rows("scans.csv"):
    scan_visitor[r["event_id"]] = r["visitor"]
    if (r["visitor"] and r["verdict"] == "genuine" and
            r["who"] in ("human", "api")):
        e = rec(r["visitor"])
        e["scans"] += 1
        e["codes"].add(r["serial"])
        e["times"].append(r["time"])
draw_visitor = {}
for r in rows("draws.csv"):
    v = scan_visitor.get(r["event_id"], "")
    draw_visitor[(r["campaign"], r["seq"])] = v
    if r["kind"] != "online" or not v:
        continue
    e = rec(v)
    e["draws"] += 1
    e["times"].append(r["time"])
    if r["tier"]:
        e["wins"] += 1
    e["points"] += int(r["points"] or 0)
for r in rows("claims.csv"):
    v = draw_visitor[(r["campaign"], r["draw_seq"])]
    if r["state"] == "redeemed" and r["tier"] and v:
        e = rec(v)
        e["redemptions"] += 1
        e["times"].append(r["redeemed"])
for r in rows("checkins.csv"):
    e = rec(r["visitor"])
    e["checkins"] += 1
    e["points"] += int(r["points"])
    e["shops"].add(r["store"])
    e["times"].append(r["time"])

def tags(e):
    t = []
    if e["scans"] >= 1: t.append("first_scan")
    if len(e["codes"]) >= 2: t.append("repeat_buyer")
    if e["wins"] >= 1: t.append("winner")
    if e["redemptions"] >= 1: t.append("redeemer")
    p = e["points"]
    if p >= 5000: t.append("points:gold")
    elif p >= 1000: t.append("points:silver")
    elif p >= 1: t.append("points:bronze")
    t += ["checkin:" + s for s in sorted(e["shops"])]
    return t

want = {}
for v, e in sorted(exp.items()):
    want[v] = {"visitor": v, "first_seen": min(e["times"]),
        "last_seen": max(e["times"]), "scans": e["scans"],
        "codes": len(e["codes"]), "draws": e["draws"], "wins": e["wins"],
        "redemptions": e["redemptions"], "checkins": e["checkins"],
        "points": e["points"], "tags": tags(e)}

# The story, told by hand.
story = {
    "A": ["first_scan"],
    "B": ["first_scan", "repeat_buyer", "winner", "redeemer"],
    "C": ["first_scan", "points:bronze", "checkin:s1"],
    "D": ["first_scan", "repeat_buyer", "winner"],
    "E": ["first_scan"],
}
for n, t in story.items():
    assert want[ids[n]]["tags"] == t, (n, want[ids[n]], t)
assert want[ids["E"]]["draws"] == 0, "E's refused draw counts"
assert want[ids["A"]]["scans"] == 2 and want[ids["A"]]["codes"] == 1
assert want[ids["C"]]["points"] == 10

FIELDS = ["visitor", "first_seen", "last_seen", "scans", "codes", "draws",
    "wins", "redemptions", "checkins", "points", "tags"]
with open(os.path.join(T, "visitors.csv"), newline="") as fh:
    rd = csv.reader(fh)
    assert next(rd) == FIELDS, "CSV header"
    got = [dict(zip(FIELDS, r)) for r in rd]
assert [r["visitor"] for r in got] == sorted(want), \
    ("CSV rows", [name.get(r["visitor"]) for r in got])
for r in got:
    w = want[r["visitor"]]
    for f in FIELDS:
        wv = ";".join(w[f]) if f == "tags" else str(w[f])
        assert r[f] == wv, (name[r["visitor"]], f, r[f], wv)

got = [json.loads(l) for l in open(os.path.join(T, "visitors.jsonl"))]
assert [list(r) for r in got] == [FIELDS] * len(want), "JSONL keys"
assert got == [want[v] for v in sorted(want)], (got, want)

rb = [json.loads(l)["visitor"] for l in open(os.path.join(T, "rb.jsonl"))
      if l.strip()]
assert rb == sorted([ids["B"], ids["D"]]), ("--tag repeat_buyer", rb)
with open(os.path.join(T, "ck.csv"), newline="") as fh:
    ck = [r["visitor"] for r in csv.DictReader(fh)]
assert ck == [ids["C"]], ("--tag checkin:s1", ck)
br = [json.loads(l)["visitor"] for l in open(os.path.join(T, "bronze.jsonl"))
      if l.strip()]
assert br == [ids["C"]], ("--tag points:bronze", br)
PY

# The points tiers' thresholds are settings: C's 10 points become gold.
sl config set tags.gold 10
assert_rc 1 "tags.gold below tags.silver"
assert_contains "$ERR" "tags.gold 10: must be above tags.silver" "the error"
for bad in 2.5 0 -3 1e13 x; do
	sl config set tags.gold "$bad"
	assert_rc 2 "config set tags.gold $bad"
done
ok config set tags.silver 5
ok config set tags.gold 10
sl config unset tags.silver
assert_rc 1 "unset tags.silver: its default 1000 is above tags.gold"
assert_contains "$ERR" "tags.silver 1000: must be below tags.gold" "the error"
ok config list
assert_contains "$OUT" "tags.silver" "config list shows the tiers"
ok export visitors --format jsonl --tag points:silver
python3 - "$OUT" "$(cat "$T/C.id")" <<'PY' || fail "points tiers after config set: $OUT"
import json, sys
rows = [json.loads(l) for l in sys.argv[1].splitlines() if l]
assert [r["visitor"] for r in rows] == [sys.argv[2]], rows
assert rows[0]["points"] == 10 and "points:gold" in rows[0]["tags"], rows
assert "points:bronze" not in rows[0]["tags"], rows
PY
ok config unset tags.gold
ok config unset tags.silver
ok export visitors --format jsonl --tag points:silver
[ -z "$OUT" ] || fail "points:silver after the tiers' defaults came back: $OUT"

# The scoped campaign's draws replay.
campaign_seed rb
ok campaign audit rb --seed "$CAMPAIGN_SEED"
campaign_seed open
ok campaign audit open --seed "$CAMPAIGN_SEED"
serve_stop
note "ok"
