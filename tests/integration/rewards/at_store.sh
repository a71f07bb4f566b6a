#!/usr/bin/env bash
# at_store.sh — sealed tickets (到店开奖): the prize is drawn when staff
# open the ticket at a store, under the tier's caps.
#
# A campaign whose only tier is at_store (always drawn: odds 1000000; total
# 5, daily cap 2): online draws give tickets (outcome ticket, claim.ticket
# true, the page shows a ticket code); opening a ticket at an allowed store
# answers what was won, or nothing once today's cap or the total is used
# up (three local days under faketime: 2 + 2 + 1 prizes, the rest misses);
# a ticket opens once (409), a store not listed cannot open it (403, still
# sealed). The draw log agrees (kind open, ticket_seq, shop), never over a
# cap, and the audit (after a forced reveal) passes.
. "$(dirname "$0")/lib.sh"
rw_setup

N=10
mint_active "$N" "$T/job"
campaign_write "$T/c.json" sealed '
c["tiers"] = [tier("gift", total=5, daily_cap=2, reveal="at_store")]
c["claim"] = {"window_days": 7, "stores": ["s1"]}'
campaign_load "$T/c.json"
store_add s1
S1=$STORE_TOKEN
store_add s2
S2=$STORE_TOKEN
serve_start --rate 0

# 1. Online draws give sealed tickets.
declare -a TK
page "$(path_of "$(outer "$T/job" 1)")"
page_form
draw_form "$FORM_C" "$FORM_E" "$FORM_T"
expect_code 200 "draw form"
assert_contains "$(draw_section)" "You have a sealed ticket" "ticket page"
assert_contains "$(draw_section)" "Ticket code" "ticket page"
TEXT1=$(page_claim)
for i in $(seq 1 "$N"); do
	draw_ok "$(outer "$T/job" "$i")"
	[ "$i" -eq 1 ] && assert_eq "$STATUS" repeat "API draw of the code drawn by the form"
	[ "$i" -gt 1 ] && assert_eq "$STATUS" new "draw $i"
	assert_eq "$OUTCOME" ticket "draw $i"
	check_json 'assert j["prize"] is None and j["claim"]["ticket"] is True, j
assert j["claim"]["redeemed"] is None and j["claim"]["expires"] is not None, j'
	TK[i]=$CLAIM
done
assert_eq "$(json_get 'j["claim"]["text"]' | tr -d '"')" "$(python3 -c 'import sys; t = sys.argv[1]; print("-".join(t[i:i + 4] for i in range(0, 24, 4)))' "${TK[$N]}")" "claim text"
assert_eq "$TEXT1" "$(python3 -c 'import sys; t = sys.argv[1]; print("-".join(t[i:i + 4] for i in range(0, 24, 4)))' "${TK[1]}")" "ticket code on the page"

# open N WANT: opens ticket N at s1; WANT is "win" or "miss".
open_ticket() {
	redeem "${TK[$1]}" "$S1"
	expect_code 200 "opening ticket $1"
	check_json 'assert j["status"] == "redeemed" and j["ticket_opened"] is True, j
assert j["claim"]["shop"] == "s1" and j["claim"]["redeemed"] is not None, j'
	case $2 in
	win)
		check_json 'assert j["prize"] is not None and j["prize"]["tier"] == "gift", j
assert "won" in j["message"] and "Prize gift" in j["message"], j' ;;
	miss)
		check_json 'assert j["prize"] is None and "no prize" in j["message"], j' ;;
	esac
}

# 2. Today: two prizes (the daily cap), then misses; one opening each.
redeem "${TK[1]}" "$S2"
expect_code 403 "a store the campaign does not list"
open_ticket 1 win
open_ticket 2 win
open_ticket 3 miss
redeem "${TK[1]}" "$S1"
expect_code 409 "ticket 1 opened again"
check_json 'assert j["error"] == "already_redeemed" and j["shop"] == "s1", j'
redeem "${TK[3]}" "$S1"
expect_code 409 "ticket 3 (a miss) opened again"
page "$(path_of "$(outer "$T/job" 1)")"
assert_no_form "the page of an opened ticket"
assert_contains "$(draw_section)" "This ticket was opened on" "the page of an opened ticket"
serve_stop

# 3. The next local day: two more; the day after: the last one of the
# total, then misses though the daily cap would allow more.
serve_start_at +1d --rate 0
open_ticket 4 win
open_ticket 5 win
open_ticket 6 miss
open_ticket 7 miss
serve_stop
serve_start_at +2d --rate 0
open_ticket 8 win
open_ticket 9 miss
redeem "${TK[9]}" "$S1"
expect_code 409 "ticket 9 opened again"
serve_stop
# The CLI opens a ticket the same way.
sl_at +2d claim redeem "${TK[10]}" --store s1
assert_rc 0 "CLI opening of ticket 10"
sl_at +2d claim redeem "${TK[10]}" --store s1
assert_rc 1 "CLI second opening of ticket 10"

# 4. The log and the counts.
ok export draws --campaign sealed --format jsonl
python3 - "$OUT" "$T/job/codes.csv" <<'EOF' || fail "draw log (see above)"
import json, sys
rows = [json.loads(l) for l in sys.argv[1].splitlines()]
draws = rows[1:]
serials = [l.split(",")[1] for l in open(sys.argv[2], newline="").read().split("\r\n")[1:-1]]
bad = []
online = [d for d in draws if d["kind"] == "online"]
opens = [d for d in draws if d["kind"] == "open"]
if len(online) != 10 or any(d["outcome"] != "ticket" for d in online):
    bad.append("online draws %r" % online)
seq_of = {d["serial"]: d["seq"] for d in online}
got = [(serials.index(d["serial"]) + 1, d["outcome"]) for d in opens]
want = [(1, "gift"), (2, "gift"), (3, "miss"), (4, "gift"), (5, "gift"),
        (6, "miss"), (7, "miss"), (8, "gift"), (9, "miss"), (10, "miss")]
if got != want:
    bad.append("openings %r\n    want %r" % (got, want))
for d in opens:
    if d["shop"] != "s1" or d["ticket_seq"] != seq_of.get(d["serial"]):
        bad.append("opening %r: shop or ticket_seq" % d)
per_day = {}
for d in opens:
    if d["outcome"] == "gift":
        per_day[d["day"]] = per_day.get(d["day"], 0) + 1
if max(per_day.values()) > 2 or sum(per_day.values()) > 5 or len(per_day) != 3:
    bad.append("prizes per local day %r" % per_day)
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
ok campaign show sealed
assert_contains "$OUT" "awarded 5, left 0" "campaign show: the total is used up"
ok export claims --campaign sealed
assert_eq "$(tail -n +2 <<<"$OUT" | grep -c ',redeemed,')" 10 "claims redeemed (opened)"
assert_eq "$(tail -n +2 <<<"$OUT" | grep -c ',sealed,gift,')" 5 "claims that won the gift"
assert_eq "$(tail -n +2 <<<"$OUT" | grep -c ',sealed,miss,')" 5 "claims opened without a prize"
campaign_seed sealed
ok campaign audit sealed --seed "$CAMPAIGN_SEED"
note "ok"
