#!/usr/bin/env bash
# redeem_race.sh — concurrent redemptions of the same claim, and sealed
# tickets opened concurrently under their caps (issue 5, "Redemption").
#
# Two batches and two campaigns on one server (--rate 0), two stores s1
# and s2:
#   gift-1 (batch 1, 40 codes): tier "gift", physical, odds 100%: every
#     draw wins a claim;
#   seal-1 (batch 2, 80 codes): only at_store tiers (到店开奖) — "big"
#     (physical, total 6, daily cap 4, odds 40%) and "cpn" (coupon, total
#     5, odds 30%) — so every draw gets a sealed ticket.
# The 120 codes draw through the API (8 clients). Then, through POST
# /api/v1/claims/TOKEN/redeem:
#   - 10 claims, each redeemed by 2 clients at once (a barrier; one with
#     s1's token, one with s2's);
#   - 10 claims, each by 8 clients at once;
#   - 5 claims, each by 4 clients and 2 `scanloop claim redeem --store s2`
#     processes at once (the clients wait 0-60 ms, so that either side
#     may win);
# for each claim exactly one redemption succeeds; every other one is a 409
# "already_redeemed" naming the winner's store (a CLI loser exits 1 saying
# so), and the claims export holds the claim redeemed at that store.
#   - the 80 tickets, each opened by 2 clients at once, 8 clients at a
#     time: one 200 per ticket, which opened it and says what it won; the
#     log holds one opening per ticket with that outcome and store; no tier
#     beyond its total or its daily cap on any local day ("big" reached
#     its cap, "cpn" its total); `campaign show` agrees.
# A wrong claim token is a 404, a wrong store token a 401. Both campaigns
# pass the audit after the reveal.
. "$(dirname "$0")/lib.sh"
rl_setup

mint_active 40 "$T/job1"
B1=$BATCH
mint_active 80 "$T/job2"
B2=$BATCH
rl_campaign "$T/gift.json" gift-1 "$B1" '[
 {"id": "gift", "name": "Gift", "kind": "physical", "total": 40,
  "odds": 1000000}]'
ok campaign load "$T/gift.json"
rl_campaign "$T/seal.json" seal-1 "$B2" '[
 {"id": "big", "name": "Big prize", "kind": "physical", "total": 6,
  "daily_cap": 4, "odds": 400000, "reveal": "at_store"},
 {"id": "cpn", "name": "10 off", "kind": "coupon", "total": 5,
  "odds": 300000, "reveal": "at_store",
  "coupon": {"face_value": "10.00", "condition": "Any purchase.",
   "valid_days": 10}}]'
ok campaign load "$T/seal.json"
rl_store_add s1
TOK1=$STORE_TOKEN
rl_store_add s2
TOK2=$STORE_TOKEN

serve_start --rate 0
for j in 1 2; do
	python3 "$DRAWLOAD" load --port "$SRV_PORT" --clients 8 --race 0 \
	    --pair-every 0 --repeats 0 --codes "$T/job$j/codes.csv" \
	    --out "$T/run/draw$j.jsonl" >"$T/run/draw$j.out" 2>&1 ||
	    fail "the draws of batch $j failed: $(cat "$T/run/draw$j.out")"
	# One claim token a line, in print order.
	python3 - "$T/run/draw$j.jsonl" "$j" >"$T/run/tokens$j.txt" <<'EOF' ||
import json, sys
want = "win" if sys.argv[2] == "1" else "ticket"
rows = sorted((json.loads(l) for l in open(sys.argv[1])), key=lambda r: r["i"])
bad = [r for r in rows if r["status"] != 200 or r["body"]["outcome"] != want]
for r in bad[:5]:
    print("FAIL: draw answered %s %s" % (r["status"], r["body"]), file=sys.stderr)
for r in rows:
    print(r["body"]["claim"]["token"])
sys.exit(1 if bad else 0)
EOF
	    fail "batch $j: not every draw answered a $( [ $j = 1 ] && echo win || echo ticket)"
done
[ "$(wc -l <"$T/run/tokens1.txt")" -eq 40 ] || fail "not 40 claims"
[ "$(wc -l <"$T/run/tokens2.txt")" -eq 80 ] || fail "not 80 tickets"

# Wrong tokens.
T1=$(head -1 "$T/run/tokens1.txt")
WRONG=${TOK1:0:31}$([ "${TOK1:31:1}" = A ] && echo Q || echo A)
req POST "/api/v1/claims/$T1/redeem" -d "" -H "Authorization: Bearer $WRONG"
expect_code 401 "a wrong store token"
BAD=${T1:0:23}$([ "${T1:23:1}" = A ] && echo B || echo A)
req POST "/api/v1/claims/$BAD/redeem" -d "" -H "Authorization: Bearer $TOK1"
expect_code 404 "a wrong claim token"

# Races on the claims of gift-1.
sed -n '1,10p' "$T/run/tokens1.txt" >"$T/run/r2.txt"
sed -n '11,20p' "$T/run/tokens1.txt" >"$T/run/r8.txt"
sed -n '21,25p' "$T/run/tokens1.txt" >"$T/run/rcli.txt"
python3 "$DRAWLOAD" redeem --port "$SRV_PORT" --tokens "$T/run/r2.txt" \
    --bearer "$TOK1,$TOK2" --racers 2 --out "$T/run/redeem.jsonl" ||
    fail "the 2-way races failed"
python3 "$DRAWLOAD" redeem --port "$SRV_PORT" --tokens "$T/run/r8.txt" \
    --bearer "$TOK1,$TOK2" --racers 8 --out "$T/run/redeem8.jsonl" ||
    fail "the 8-way races failed"
python3 "$DRAWLOAD" redeem --port "$SRV_PORT" --tokens "$T/run/rcli.txt" \
    --bearer "$TOK1" --racers 4 --cli-racers 2 --cli-store s2 \
    --api-delay-ms 60 \
    --out "$T/run/redeemcli.jsonl" || fail "the races with the CLI failed"
cat "$T/run/redeem8.jsonl" "$T/run/redeemcli.jsonl" >>"$T/run/redeem.jsonl"
# One more, later: still 409.
req POST "/api/v1/claims/$T1/redeem" -d "" -H "Authorization: Bearer $TOK2"
expect_code 409 "a redemption of a redeemed claim"

# The tickets of seal-1, 2 racers each, 8 at a time.
python3 "$DRAWLOAD" redeem --port "$SRV_PORT" --tokens "$T/run/tokens2.txt" \
    --bearer "$TOK1,$TOK2" --racers 2 --workers 8 \
    --out "$T/run/tickets.jsonl" || fail "the ticket openings failed"
serve_alive
serve_stop
check_sanitizer "$SRV_ERR"

rl_export gift-1 "$T/run/g"
python3 "$DRAWLOAD" check-redeem --records "$T/run/redeem.jsonl" \
    --claims "$T/run/g-claims.jsonl" ||
    fail "the redemption races of gift-1 (see above)"
assert_contains "$(cat "$T/run/g-show.txt")" $'\nredeemed: 25\n' \
    "campaign show gift-1"
rl_export seal-1 "$T/run/s"
python3 "$DRAWLOAD" check-redeem --tickets --records "$T/run/tickets.jsonl" \
    --claims "$T/run/s-claims.jsonl" --draws "$T/run/s-draws.jsonl" \
    --show "$T/run/s-show.txt" --min-awarded big=4,cpn=5 ||
    fail "the ticket openings of seal-1 (see above)"

rl_audit gift-1 "$T/run/g-draws.jsonl"
rl_audit seal-1 "$T/run/s-draws.jsonl"
note "ok"
