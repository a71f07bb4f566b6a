#!/usr/bin/env bash
# redeem.sh — stores and redemption (核销) of prize claims.
#
# `store add` prints the store's API token once (store list and the store
# never show it). POST /api/v1/claims/TOKEN/redeem: 200 with the prize;
# again 409 saying when and at which store; two concurrent redemptions of
# one claim (python threads) give exactly one 200 and one 409; a wrong
# claim token 404; an unknown or revoked store token, or none, 401; a
# store the campaign does not list 403 (and the claim stays open); a coupon
# before its valid_from 409 not_yet_valid; an expired claim 410 (the
# server under faketime past the claim window). The CLI (`claim show`,
# `claim redeem --store`) agrees with the server both ways. GET /store and
# GET /C/TOKEN serve the staff page with the claim filled in.
. "$(dirname "$0")/lib.sh"
rw_setup

mint_active 20 "$T/job"
campaign_write "$T/c.json" shops '
c["claim"] = {"window_days": 1, "stores": ["s1", "s2", "s4"]}'
campaign_load "$T/c.json"
mint_active 3 "$T/jobC"
campaign_write "$T/coupon.json" coupons '
c["tiers"] = [tier("five", "coupon", coupon={"face_value": "5.00",
    "condition": "Minimum spend 20.00", "valid_from": iso(3 * DAY),
    "valid_to": iso(20 * DAY)})]'
campaign_load "$T/coupon.json"

# 1. Stores: the token is printed once, kept only as a hash.
store_add s1
S1=$STORE_TOKEN
store_add s2 --lat 31.2304 --lon 121.4737 --radius-m 500
S2=$STORE_TOKEN
store_add s3
S3=$STORE_TOKEN
store_add s4
S4=$STORE_TOKEN
[ "$S1" != "$S2" ] || fail "two stores got the same token"
sl store add --id s1 --name again
assert_rc 1 "store add of a taken id"
ok store list
for s in s1 s2 s3 s4; do
	grep -q "^$s  *active " <<<"$OUT" || fail "store list lacks $s: $OUT"
done
for tok in "$S1" "$S2" "$S3" "$S4"; do
	assert_not_contains "$OUT" "$tok" "store list shows a token"
done
ok store revoke s4
ok store list
grep -q "^s4  *revoked " <<<"$OUT" || fail "store list: s4 not revoked: $OUT"

serve_start --rate 0
# Claims: every draw of "shops" wins a mug.
declare -a CL
for i in $(seq 1 12); do
	draw_ok "$(outer "$T/job" "$i")"
	assert_eq "$STATUS/$OUTCOME" new/win "draw $i"
	CL[i]=$CLAIM
done

# 2. A redemption, then a second one.
redeem "${CL[1]}" "$S1"
expect_code 200 "redemption"
check_json '
assert j["status"] == "redeemed" and j["campaign"] == "shops", j
assert j["prize"]["tier"] == "mug" and j["prize"]["kind"] == "physical", j
assert j["claim"]["shop"] == "s1" and j["claim"]["redeemed"].endswith("Z"), j
assert j["ticket_opened"] is False and "Prize mug" in j["message"], j'
WHEN1=$(json_get 'j["claim"]["redeemed"]')
redeem "${CL[1]}" "$S1"
expect_code 409 "second redemption"
check_json 'assert j["error"] == "already_redeemed" and j["shop"] == "s1", j
assert "s1" in j["message"] and j["redeemed"] in j["message"], j'
assert_eq "$(json_get 'j["redeemed"]')" "$WHEN1" "409: when it was redeemed"
redeem "${CL[1]}" "$S2"
expect_code 409 "redemption by another store"
check_json 'assert j["shop"] == "s1" and "store s1" in j["message"], j
assert j["shop_name"] == "Store s1", j'
# The winner's page says it was redeemed, and where: by the store's name.
page "$(path_of "$(outer "$T/job" 1)")"
assert_contains "$(draw_section)" "Redeemed on" "the winner's page after redemption"
assert_contains "$(draw_section)" " at Store s1." "the winner's page names the store"
assert_not_contains "$(draw_section)" " at s1" "the winner's page names no store id"

# 3. Concurrent redemptions of one claim: exactly one 200, one 409.
python3 - "$SRV_HOST" "$SRV_PORT" "$S1" "$S2" "${CL[2]}" "${CL[3]}" "${CL[4]}" <<'EOF' || fail "concurrent redemptions (see above)"
import sys, threading
import httpc
host, port, s1, s2, claims = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
bad = []
for claim in claims:
    res = {}
    go = threading.Barrier(2)
    def one(tok):
        go.wait()
        r = httpc.request(host, port, "POST", "/api/v1/claims/%s/redeem" % claim,
                          {"Authorization": "Bearer " + tok}, "")
        res[tok] = (r.status, r.json())
    ts = [threading.Thread(target=one, args=(t,)) for t in (s1, s2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    st = sorted(v[0] for v in res.values())
    if st != [200, 409]:
        bad.append("claim %s: statuses %r: %r" % (claim, st, res))
        continue
    win = [k for k, v in res.items() if v[0] == 200][0]
    lose = [v[1] for v in res.values() if v[0] == 409][0]
    shop = "s1" if win == s1 else "s2"
    if res[win][1]["claim"]["shop"] != shop or lose["shop"] != shop:
        bad.append("claim %s: the 409 names %r, the winner was %s" % (claim, lose, shop))
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF

# 4. Refusals: wrong claim token, bad store tokens, a store not allowed.
C5=${CL[5]}
WRONG=${C5:0:20}$(tr 'A-Z2-7' 'B-Z2-7A' <<<"${C5:20:1}")${C5:21}
redeem "$WRONG" "$S1"
expect_code 404 "wrong claim token"
check_json 'assert j["error"] == "not_found", j'
redeem AAAAAAAAAAAAAAAAAAAAAAAA "$S1"
expect_code 404 "unknown claim token"
redeem nope "$S1"
expect_code 404 "not a claim token"
redeem "$C5" AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
expect_code 401 "unknown store token"
[ -n "$(header WWW-Authenticate)" ] || fail "401 without WWW-Authenticate"
redeem "$C5" "${S1:0:31}"
expect_code 401 "store token one character short"
redeem "$C5" "$S4"
expect_code 401 "revoked store's token"
req POST "/api/v1/claims/$C5/redeem" -d ''
expect_code 401 "no Authorization"
redeem "$C5" "$S3"
expect_code 403 "store s3 is not in claim.stores"
check_json 'assert j["error"] == "forbidden", j'
req GET "/api/v1/claims/$C5/redeem" -H "Authorization: Bearer $S1"
expect_code 405 "GET of a redemption"
ok claim show "$C5"
assert_contains "$OUT" "state: open" "claim after refused redemptions"
# The claim as typed by staff (groups of four, lower case) redeems.
redeem "$(python3 -c 'import sys; t = sys.argv[1].lower(); print("-".join(t[i:i + 4] for i in range(0, 24, 4)))' "$C5")" "$S2"
expect_code 200 "redemption of the typed claim code"
check_json 'assert j["claim"]["shop"] == "s2" and j["claim"]["token"] == "'"$C5"'", j'

# 5. The CLI agrees with the server.
C6=${CL[6]}
ok claim show "$C6"
assert_contains "$OUT" "state: open" "claim show"
assert_contains "$OUT" "campaign: shops" "claim show"
assert_contains "$OUT" "tier: mug (physical)" "claim show"
ok claim redeem "$C6" --store s2
assert_contains "$OUT" "redeemed at store s2" "claim redeem"
redeem "$C6" "$S1"
expect_code 409 "server redemption after the CLI's"
check_json 'assert j["shop"] == "s2", j'
sl claim redeem "$C6" --store s1
assert_rc 1 "CLI redemption of a redeemed claim"
assert_contains "$ERR" "already redeemed" "CLI second redemption"
assert_contains "$ERR" "s2" "CLI second redemption names the store"
sl claim redeem "${CL[1]}" --store s2
assert_rc 1 "CLI redemption of a claim the server redeemed"
assert_contains "$ERR" "s1" "CLI: the store that redeemed it"
ok claim show "${CL[1]}"
assert_contains "$OUT" "state: redeemed" "claim show after the server's redemption"
assert_contains "$OUT" "at store s1" "claim show after the server's redemption"
sl claim redeem "${CL[7]}" --store s3
assert_rc 1 "CLI redemption at a store not allowed"
sl claim redeem "${CL[7]}" --store nosuch
assert_rc 1 "CLI redemption at an unknown store"
sl claim redeem "${CL[7]}" --store s4
assert_rc 1 "CLI redemption at a revoked store"
sl claim show "$WRONG"
assert_rc 1 "claim show of a wrong token"
sl claim redeem "$WRONG" --store s1
assert_rc 1 "claim redeem of a wrong token"
ok claim show "${CL[7]}"
assert_contains "$OUT" "state: open" "claim after refused CLI redemptions"

# 6. The staff page.
get /store
expect_code 200 "GET /store"
assert_contains "$(header Content-Type)" text/html "staff page type"
assert_contains "$BODY" "<form" "staff page form"
get "/C/${CL[8]}?lang=en"
expect_code 200 "GET /C/TOKEN"
assert_contains "$BODY" "value=\"${CL[8]}\"" "staff page with the claim filled in"
get "/store?claim=${CL[8]}"
expect_code 200 "GET /store?claim="
assert_contains "$BODY" "value=\"${CL[8]}\"" "staff page ?claim="
ok claim show "${CL[8]}"
assert_contains "$OUT" "state: open" "the staff page redeems nothing by itself"

# 7. A coupon before its valid_from.
draw_ok "$(outer "$T/jobC" 1)"
assert_eq "$STATUS/$OUTCOME" new/win "coupon draw"
check_json 'assert j["prize"]["face_value"] == "5.00" and j["prize"]["condition"] == "Minimum spend 20.00", j'
COUPON=$CLAIM
redeem "$COUPON" "$S1"
expect_code 409 "coupon before valid_from"
check_json 'assert j["error"] == "not_yet_valid", j'
serve_stop

# 8. Four days later: the mugs' claims (window 1 day) expired, the coupon
# (valid from day 3) is valid.
serve_start_at +4d --rate 0
redeem "${CL[9]}" "$S1"
expect_code 410 "expired claim"
check_json 'assert j["error"] == "expired" and "expired" in j["message"], j'
redeem "${CL[1]}" "$S1"
expect_code 409 "an expired claim that was redeemed: still 409"
redeem "$COUPON" "$S1"
expect_code 200 "coupon after valid_from"
serve_stop
sl_at +4d claim redeem "${CL[10]}" --store s1
assert_rc 1 "CLI redemption of an expired claim"
assert_contains "$ERR" "expired" "CLI expired"
sl_at +4d claim show "${CL[10]}"
assert_rc 0 "claim show of an expired claim"
assert_contains "$OUT" "state: expired" "claim show of an expired claim"
ok claim show "${CL[10]}"
assert_contains "$OUT" "state: open" "the expired claim was not changed"

# 9. The claims log and the store.
ok export claims --campaign shops --format jsonl
python3 - "$OUT" <<'EOF' || fail "claims log (see above)"
import json, sys
rows = [json.loads(l) for l in sys.argv[1].splitlines()]
by = {}
for r in rows:
    by.setdefault(r["state"], []).append(r)
bad = []
if len(rows) != 12:
    bad.append("%d claims, want 12" % len(rows))
red = by.get("redeemed", [])
if len(red) != 6:   # 1, 2, 3, 4 (concurrent), 5 (s2), 6 (CLI s2)
    bad.append("%d redeemed, want 6: %r" % (len(red), red))
if any(r["shop"] not in ("s1", "s2") or not r["redeemed"] for r in red):
    bad.append("redeemed claims without a store or time: %r" % red)
if any(r["shop"] or r["redeemed"] for r in by.get("open", [])):
    bad.append("open claims with a store or time")
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
python3 - "$SCANLOOP_DB/data.mdb" "$S1" "$S2" "$S3" "$S4" <<'EOF' || fail "the store holds a store's API token"
import base64, sys
db = open(sys.argv[1], "rb").read()
bad = [t for t in sys.argv[2:] if t.encode() in db or base64.b32decode(t) in db or
       base64.b32decode(t)[-15:] in db]
sys.exit(1 if bad else 0)
EOF
note "ok"
