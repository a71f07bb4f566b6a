#!/usr/bin/env bash
# points.sh — points tiers credit the visitor's points ledger.
#
# A points tier (25 points, odds 1000000, total 4): a visitor's draws (API
# and the page's form) credit 25 each and answer the running balance; the
# fifth draw finds the stock gone (a miss, no credit); repeats credit
# nothing. GET /api/v1/visitors/me/points with the visitor's cookie shows
# the balance and one history entry per credited draw (amount, running
# balance, campaign, the draw's sequence number as in the draw log);
# another visitor, and no cookie, show 0 and no history.
. "$(dirname "$0")/lib.sh"
rw_setup

mint_active 8 "$T/job"
campaign_write "$T/c.json" pts '
c["tiers"] = [tier("p25", "points", points=25, total=4)]'
campaign_load "$T/c.json"
serve_start --rate 0
ME=/api/v1/visitors/me/points
V=$(visitor_new)
W=$(visitor_new)

# 1. Draws credit points.
for i in 1 2 3; do
	draw_ok "$(outer "$T/job" "$i")" "$V"
	assert_eq "$STATUS/$OUTCOME" new/points "draw $i"
	check_json 'assert j["prize"]["kind"] == "points" and j["prize"]["points"] == 25, j
assert j["claim"] is None, j'
	assert_eq "$(json_get 'j["points_balance"]')" $((25 * i)) "balance after draw $i"
done
page "$(path_of "$(outer "$T/job" 4)")" "$V"
page_form
draw_form "$FORM_C" "$FORM_E" "$FORM_T" "$V"
expect_code 200 "draw form"
assert_contains "$(draw_section)" "You earned points!" "points page"
assert_contains "$(draw_section)" "+25 points" "points page"
assert_contains "$(draw_section)" "Your balance: 100" "points page"
# The stock is gone: a miss, no credit.
draw_ok "$(outer "$T/job" 5)" "$V"
assert_eq "$STATUS/$OUTCOME" new/miss "fifth draw (total 4)"
assert_eq "$(json_get 'j["points_balance"]')" 100 "balance after a miss"
# Repeats credit nothing, whoever asks.
draw_ok "$(outer "$T/job" 1)" "$V"
assert_eq "$STATUS/$OUTCOME" repeat/points "repeat by the visitor"
draw_ok "$(outer "$T/job" 2)" "$W"
assert_eq "$STATUS" repeat "repeat by another visitor"

# 2. The ledger.
get "$ME" -H "Cookie: sl_vid=$V"
expect_code 200 "GET $ME"
assert_contains "$(header Content-Type)" application/json "points content type"
ok export draws --campaign pts --format jsonl
python3 - "$BODY" "$OUT" <<'EOF' || fail "points ledger (see above): $BODY"
import json, sys
j = json.loads(sys.argv[1])
log = [json.loads(l) for l in sys.argv[2].splitlines()][1:]
credited = sorted(d["seq"] for d in log if d["points"])
bad = []
if j["balance"] != 100:
    bad.append("balance %r" % j["balance"])
h = j["history"]
if len(h) != 4:
    bad.append("%d history entries, want 4" % len(h))
if any(e["amount"] != 25 or e["campaign"] != "pts" for e in h):
    bad.append("entries %r" % h)
if sorted(e["balance"] for e in h) != [25, 50, 75, 100]:
    bad.append("running balances %r" % [e["balance"] for e in h])
if sorted(e["draw"] for e in h) != credited:
    bad.append("draws %r, the log credits %r" % ([e["draw"] for e in h], credited))
if any(not isinstance(e["time"], str) or not e["time"].endswith("Z") for e in h):
    bad.append("times %r" % h)
if [d["points"] for d in log] != [25, 25, 25, 25, 0]:
    bad.append("log points %r" % [d["points"] for d in log])
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
get "$ME" -H "Cookie: sl_vid=$W"
expect_code 200 "GET $ME, another visitor"
check_json 'assert j == {"balance": 0, "history": []}, j'
get "$ME"
expect_code 200 "GET $ME, no cookie"
check_json 'assert j == {"balance": 0, "history": []}, j'
get "$ME" -H "Cookie: sl_vid=not-base32!"
expect_code 200 "GET $ME, a bad cookie"
check_json 'assert j["balance"] == 0, j'
req POST "$ME" -d ''
expect_code 405 "POST $ME"
# W draws: W's own points, V's stay.
draw_ok "$(outer "$T/job" 6)" "$W"
assert_eq "$OUTCOME" miss "W's draw (no stock left)"
get "$ME" -H "Cookie: sl_vid=$V"
check_json 'assert j["balance"] == 100 and len(j["history"]) == 4, j'
serve_stop
ok campaign show pts
assert_contains "$OUT" "points: 100" "campaign show: points"
note "ok"
