#!/usr/bin/env bash
# risk_rules.sh — a campaign's risk limits refuse draws with their reason,
# record the refusal, and leave the code its draw.
#
# Campaign "visitor" (draws_per_visitor_per_day 2, wins_per_visitor 1; one
# tier that always wins but holds 1 prize, so that a visitor can both win
# once and then draw misses): a visitor's third draw of the day is refused
# (visitor_day); a winner's next draw is refused (visitor_wins); through
# the API (status and outcome "refused", the neutral "refusal" text) and
# the page's form (the refusal, "keeps its draw"). Campaign "net"
# (draws_per_ip_prefix_per_hour 3, behind --trust-proxy): the fourth draw
# from one IPv4 /24 or IPv6 /48 is refused (ip_hour), another network
# draws. Every refusal is in the draw log (kind refused, its reason, the
# serial, a sequence number, rnd zero), and the refused codes draw later
# (another visitor, another network), once.
. "$(dirname "$0")/lib.sh"
rw_setup

mint_active 10 "$T/jobV"
BV=$BATCH
mint_active 10 "$T/jobN"
BN=$BATCH
BATCH=$BV campaign_write "$T/v.json" visitor '
c["tiers"] = [tier("mug", total=1)]
c["limits"] = {"draws_per_visitor_per_day": 2, "wins_per_visitor": 1}'
campaign_load "$T/v.json"
BATCH=$BN campaign_write "$T/n.json" net '
c["tiers"] = [tier("mug", total=1000)]
c["limits"] = {"draws_per_ip_prefix_per_hour": 3}'
campaign_load "$T/n.json"
serve_start --rate 0 --trust-proxy

TXT_DAY="used today's draws"
TXT_NET="Too many draws from this network"
TXT_WINS="reached the number of prizes"
cv() { outer "$T/jobV" "$1"; }
cn() { outer "$T/jobN" "$1"; }

# refused WHAT TEXT: the last draw answer is a refusal with TEXT.
refused() {
	expect_code 200 "$1"
	check_json 'assert j["status"] == "refused" and j["outcome"] == "refused", j
assert j["prize"] is None and j["claim"] is None, j
assert isinstance(j["refusal"], str), j'
	assert_contains "$(json_get 'j["refusal"]')" "$2" "$1: refusal text"
}

# 1. Visitor limits.
W=$(visitor_new) V=$(visitor_new) X=$(visitor_new)
draw_ok "$(cv 1)" "$W"
assert_eq "$STATUS/$OUTCOME" new/win "W's first draw (the only prize)"
draw_ok "$(cv 2)" "$V"
assert_eq "$STATUS/$OUTCOME" new/miss "V's first draw (stock gone: a miss)"
draw_ok "$(cv 3)" "$V"
assert_eq "$STATUS/$OUTCOME" new/miss "V's second draw"
draw_api "$(cv 4)" "$V"
refused "V's third draw of the day" "$TXT_DAY"
draw_api "$(cv 5)" "$V"
refused "V's fourth draw of the day" "$TXT_DAY"
draw_api "$(cv 6)" "$W"
refused "W's draw after a win" "$TXT_WINS"
# The form answers the same, and the code keeps its draw.
page "$(path_of "$(cv 7)")" "$V"
page_form
draw_form "$FORM_C" "$FORM_E" "$FORM_T" "$V"
expect_code 200 "V's draw by the form"
assert_contains "$(draw_section)" "No draw this time" "refusal page"
assert_contains "$(draw_section)" "used today&#39;s draws" "refusal page"
assert_contains "$(draw_section)" "This code keeps its draw" "refusal page"
page "$(path_of "$(cv 7)")" "$V"
page_form
# A repeated refused draw is refused again, not shown as a result.
draw_api "$(cv 4)" "$V"
refused "V's draw of code 4 again" "$TXT_DAY"

# The refused codes draw with another visitor, once.
draw_ok "$(cv 4)" "$X"
assert_eq "$STATUS/$OUTCOME" new/miss "code 4 drawn by X after V's refusals"
draw_ok "$(cv 6)" "$X"
assert_eq "$STATUS/$OUTCOME" new/miss "code 6 drawn by X after W's refusal"
draw_ok "$(cv 4)" "$V"
assert_eq "$STATUS" repeat "code 4 drawn again by V: its first result"
draw_ok "$(cv 6)" "$W"
assert_eq "$STATUS" repeat "code 6 drawn again by W: its first result"
draw_api "$(cv 8)" "$X"
refused "X's third draw of the day" "$TXT_DAY"

# 2. Network limits (X-Forwarded-For, trusted).
for i in 1 2 3; do
	draw_ok "$(cn "$i")" "" -H "X-Forwarded-For: 10.9.0.$i"
	assert_eq "$STATUS/$OUTCOME" new/win "draw $i from 10.9.0.0/24"
done
draw_api "$(cn 4)" "" -H "X-Forwarded-For: 10.9.0.200"
refused "fourth draw from 10.9.0.0/24" "$TXT_NET"
draw_api "$(cn 5)" "" -H "X-Forwarded-For: 10.9.0.7"
refused "fifth draw from 10.9.0.0/24" "$TXT_NET"
draw_ok "$(cn 4)" "" -H "X-Forwarded-For: 10.9.1.1"
assert_eq "$STATUS/$OUTCOME" new/win "code 4 from 10.9.1.0/24"
for i in 6 7 8; do
	draw_ok "$(cn "$i")" "" -H "X-Forwarded-For: 2001:db8:5:$i::1"
	assert_eq "$STATUS/$OUTCOME" new/win "draw $i from 2001:db8:5::/48"
done
draw_api "$(cn 9)" "" -H "X-Forwarded-For: 2001:db8:5:ffff::9"
refused "fourth draw from 2001:db8:5::/48" "$TXT_NET"
draw_ok "$(cn 9)" "" -H "X-Forwarded-For: 2001:db8:6::1"
assert_eq "$STATUS/$OUTCOME" new/win "code 9 from 2001:db8:6::/48"
draw_ok "$(cn 5)" "" -H "X-Forwarded-For: 192.0.2.1"
assert_eq "$STATUS/$OUTCOME" new/win "code 5 from 192.0.2.0/24"
serve_stop

# 3. The draw log: every refusal, with its reason; each code drew once.
check_log() { # CAMPAIGN EXPECTED (kind:serial-index:outcome/reason list)
	ok export draws --campaign "$1" --format jsonl
	python3 - "$OUT" "$2" "$3" <<'EOF' || fail "draw log of $1 (see above)"
import json, sys
rows = [json.loads(l) for l in sys.argv[1].splitlines()]
head, draws = rows[0], rows[1:]
serials = [l.split(",")[1] for l in open(sys.argv[3], newline="").read().split("\r\n")[1:-1]]
want = [w.split(":") for w in sys.argv[2].split()]
bad = []
if head["type"] != "campaign" or head["draws"] != len(draws):
    bad.append("header %r for %d draws" % (head, len(draws)))
got = []
for d in draws:
    what = d["reason"] if d["kind"] == "refused" else d["outcome"]
    got.append([d["kind"], str(serials.index(d["serial"]) + 1), what])
    if d["kind"] == "refused":
        if d["outcome"] != "refused" or d["rnd"] != "0" * 16 or d["claim"] is not None:
            bad.append("refusal %r" % d)
if [d["seq"] for d in draws] != list(range(1, len(draws) + 1)):
    bad.append("sequence numbers %r" % [d["seq"] for d in draws])
if got != want:
    bad.append("log %r\n    want %r" % (got, want))
online = [d["serial"] for d in draws if d["kind"] == "online"]
if len(set(online)) != len(online):
    bad.append("a code drew twice: %r" % online)
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}
check_log visitor "online:1:mug online:2:miss online:3:miss refused:4:visitor_day
refused:5:visitor_day refused:6:visitor_wins refused:7:visitor_day
refused:4:visitor_day online:4:miss online:6:miss refused:8:visitor_day" "$T/jobV/codes.csv"
check_log net "online:1:mug online:2:mug online:3:mug refused:4:ip_hour
refused:5:ip_hour online:4:mug online:6:mug online:7:mug online:8:mug
refused:9:ip_hour online:9:mug online:5:mug" "$T/jobN/codes.csv"
ok campaign show visitor
assert_contains "$OUT" "refused: 6" "campaign show visitor: refusals"
assert_contains "$OUT" "draws: 5" "campaign show visitor: draws"
ok campaign show net
assert_contains "$OUT" "refused: 3" "campaign show net: refusals"
note "ok"
