#!/usr/bin/env bash
# settle.sh — settlement (逐层结算): redemptions through the real server,
# a month closed and its signed statements.
#
# Draws and redemptions through `scanloop serve` (and one `claim redeem` at
# the CLI) on a physical tier with a face value and a coupon tier; the
# month cannot close before it ends; once it has (the CLI under faketime),
# settle writes store-ID, dealer-ID (s3 buys from dealer east),
# dealer-none and brand statements with CSV twins
# whose lines and totals match the claims (export claims, Python's json
# and csv as the oracle); `settle verify` and docs/verify_settlement.py
# (no scanloop code) accept every one and agree that any single-byte
# change (every byte of two statements, three ways, for the script; a
# spread of bytes of four more for both) and another key fail. A
# redemption made after its month closed lands in the next month, which
# chains on from the closed one's head; the closed month's statements
# come out byte for byte the same; periods close in order.
. "$(dirname "$0")/lib.sh"
rw_setup
VERIFY_PY=${SCANLOOP_SRC:?SCANLOOP_SRC must name the source root}/docs/verify_settlement.py
python3 -c 'import cryptography' 2>/dev/null ||
	fail "python3-cryptography is not installed (tools/setup.sh --tests)"

# The month of the redemptions: wait out the last minutes of a month, so
# that all of them fall into one.
left=$(python3 -c 'import datetime as d
n = d.datetime.now(d.timezone.utc)
m = (n.replace(day=1) + d.timedelta(days=32)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
print(int((m - n).total_seconds()))')
[ "$left" -gt 300 ] || sleep $((left + 2))
read -r M M1 M2 < <(python3 -c 'import datetime as d
n = d.datetime.now(d.timezone.utc)
def nxt(t): return (t.replace(day=1) + d.timedelta(days=32)).replace(day=1)
print(n.strftime("%Y-%m"), nxt(n).strftime("%Y-%m"), nxt(nxt(n)).strftime("%Y-%m"))')
# The CLI's clock on the second day of the next month and the one after.
AT1="@${M1}-02 02:00:00"
AT2="@${M2}-02 02:00:00"

mint_active 12 "$T/job"
campaign_write "$T/mugs.json" mugs '
c["tiers"] = [tier("mug", face_value="12.50", currency="CNY")]'
campaign_load "$T/mugs.json"
mint_active 4 "$T/jobC"
campaign_write "$T/coupons.json" coupons '
c["tiers"] = [tier("five", "coupon")]'
campaign_load "$T/coupons.json"
store_add s1
S1=$STORE_TOKEN
store_add s2
S2=$STORE_TOKEN
ok dealer add --id east --name 'East Trading'
store_add s3 --dealer east
ok key show --id 1
PUB=$(sed -n 's/^public_key: \([0-9a-f]\{64\}\)$/\1/p' <<<"$OUT")
[ ${#PUB} -eq 64 ] || fail "key show printed no public key: $OUT"
printf '%s\n' "$OUT" >"$T/key1.txt"

serve_start --rate 0
declare -a CL
for i in $(seq 1 10); do
	draw_ok "$(outer "$T/job" "$i")"
	assert_eq "$OUTCOME" win "mug draw $i"
	CL[i]=$CLAIM
done
declare -a CC
for i in 1 2 3; do
	draw_ok "$(outer "$T/jobC" "$i")"
	assert_eq "$OUTCOME" win "coupon draw $i"
	CC[i]=$CLAIM
done
# Mugs: 4 at s1, 3 at s2, 1 at s3 from the CLI; coupons: 2 at s1.
for i in 1 2 3 4; do
	redeem "${CL[i]}" "$S1"
	expect_code 200 "redemption of mug $i"
done
for i in 5 6 7; do
	redeem "${CL[i]}" "$S2"
	expect_code 200 "redemption of mug $i"
done
for i in 1 2; do
	redeem "${CC[i]}" "$S1"
	expect_code 200 "redemption of coupon $i"
done
redeem "${CL[1]}" "$S2"
expect_code 409 "a second redemption (adds no line)"
ok claim redeem "${CL[8]}" --store s3

# 1. The month has not ended.
sl settle --period "$M" --out "$T/early"
assert_rc 1 "settle of a month that has not ended"
assert_contains "$ERR" "has not ended" "settle too early"
assert_absent "$T/early/brand.json"
sl settle --period 2026-13 --out "$T/x"
assert_rc 2 "a bad period"

# 2. Closed once it has ended: the statements.
sl_at "$AT1" settle --period "$M" --out "$T/st"
assert_rc 0 "settle --period $M: $ERR"
assert_contains "$OUT" "closed $M (UTC): 10 lines" "settle output"
for f in store-s1 store-s2 store-s3 dealer-east dealer-none brand; do
	for e in json csv; do
		[ -s "$T/st/$f.$e" ] || fail "settle wrote no $f.$e: $OUT"
	done
done
ok export claims --format jsonl
printf '%s\n' "$OUT" >"$T/claims.jsonl"
python3 - "$T/st" "$T/claims.jsonl" <<'PY' || fail "the statements do not match the claims (see above)"
import csv, json, sys
d, claims = sys.argv[1], [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
red = {c["id"]: c for c in claims if c["state"] == "redeemed"}
bad = []
def check(cond, what):
    if not cond:
        bad.append(what)
b = json.load(open(d + "/brand.json"))
check(len(b["lines"]) == 10 and b["period"]["lines"] == 10, "brand: 10 lines")
check(sorted(l["claim"] for l in b["lines"]) == sorted(red), "brand: the redeemed claims")
for l in b["lines"]:
    c = red.get(l["claim"], {})
    check(l["store"] == c.get("shop") and l["campaign"] == c.get("campaign") and
          l["time"] == c.get("redeemed"), "line %r, claim %r" % (l, c))
    want = (("mug", "12.50", "CNY", "Prize mug") if l["campaign"] == "mugs" else
            ("five", "5.00", "EUR", "Prize five"))
    check((l["tier"], l["face_value"], l["currency"], l["prize"]) == want and
          l["dealer"] == ("east" if l["store"] == "s3" else ""),
          "line %r" % l)
check([l["seq"] for l in b["lines"]] == list(range(1, 11)), "seqs 1..10")
check(b["lines"][0]["prev"] == "0" * 64 and b["period"]["prev_head"] == "0" * 64, "genesis")
check(b["period"]["head"] == b["lines"][-1]["hash"], "head")
tot = {(t["group"], t["currency"]): (t["count"], t["amount"]) for t in b["totals"]}
check(tot == {("*", "CNY"): (8, "100.00"), ("*", "EUR"): (2, "10.00"),
              ("none", "CNY"): (7, "87.50"), ("east", "CNY"): (1, "12.50"),
              ("none", "EUR"): (2, "10.00")},
      "brand totals %r" % tot)
s1 = json.load(open(d + "/store-s1.json"))
check(s1["name"] == "Store s1" and len(s1["lines"]) == 6, "store s1")
check({(t["group"], t["currency"]): (t["count"], t["amount"]) for t in s1["totals"]} ==
      {("*", "CNY"): (4, "50.00"), ("*", "EUR"): (2, "10.00")}, "s1 totals %r" % s1["totals"])
dn = json.load(open(d + "/dealer-none.json"))
check({(t["group"], t["currency"]): t["count"] for t in dn["totals"]} ==
      {("*", "CNY"): 7, ("*", "EUR"): 2, ("s1", "CNY"): 4, ("s1", "EUR"): 2,
       ("s2", "CNY"): 3}, "dealer totals %r" % dn["totals"])
de = json.load(open(d + "/dealer-east.json"))
check([l["store"] for l in de["lines"]] == ["s3"] and
      {(t["group"], t["currency"]): (t["count"], t["amount"]) for t in de["totals"]} ==
      {("*", "CNY"): (1, "12.50"), ("s3", "CNY"): (1, "12.50")},
      "dealer east %r" % de["totals"])
# The CSV twin holds the same lines and head.
rows = list(csv.reader(open(d + "/brand.csv", newline="")))
blank = rows.index([])
table = rows[blank + 1:-1]
check(table[0][:3] == ["seq", "time", "claim"] and len(table) == 11, "brand.csv table")
for r, l in zip(table[1:], b["lines"]):
    check(r == [str(l["seq"])] + [l[k] for k in table[0][1:]], "csv row %r" % r)
head = dict(r[:2] for r in rows[:blank] if r[0] != "total")
check(rows[-1][0] == "signature" and head["head"] == b["period"]["head"], "csv head")
for x in bad[:10]:
    print("  " + x, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# 3. Both verifiers accept every statement, by key text or key file.
for f in "$T"/st/*; do
	ok settle verify "$f" --pubkey "$PUB"
	assert_contains "$OUT" "verified:" "settle verify $f"
	run python3 "$VERIFY_PY" "$f" "$PUB"
	assert_rc 0 "verify_settlement.py $f: $ERR"
done
# And agree on the statement target's seeds (stores of a dealer and
# without, a line without a prize, CJK text, broken copies).
PUBF=$(python3 -c '
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey as K
from cryptography.hazmat.primitives import serialization as s
k = K.from_private_bytes(b"scanloop fuzz brand key, public\0").public_key()
print(k.public_bytes(s.Encoding.Raw, s.PublicFormat.Raw).hex())')
agreed=0
for f in "$SCANLOOP_SRC"/tests/fuzz/corpus/statement/*; do
	sl settle verify "$f" --pubkey "$PUBF"
	c=$RC
	run python3 "$VERIFY_PY" "$f" "$PUBF"
	[ "$c" = "$RC" ] || fail "the verifiers disagree on $f: $c, $RC"
	[ "$c" = 1 ] || agreed=$((agreed + 1))
done
[ "$agreed" -ge 7 ] || fail "only $agreed seed statements verify"
ok settle verify "$T/st/brand.json" --pubkey "$T/key1.txt"
assert_contains "$OUT" "10 of its 10 lines" "verify brand.json"
assert_contains "$OUT" "total: * CNY 8 100.00" "verify brand.json totals"

# 4. Any single-byte change fails both; so does another key.
make_key 2
ok key show --id 2
PUB2=$(sed -n 's/^public_key: \([0-9a-f]\{64\}\)$/\1/p' <<<"$OUT")
sl settle verify "$T/st/store-s1.json" --pubkey "$PUB2"
assert_rc 1 "settle verify with another key"
run python3 "$VERIFY_PY" "$T/st/store-s1.json" "$PUB2"
assert_rc 1 "verify_settlement.py with another key"
python3 - "$VERIFY_PY" "$PUB" "$T/st/store-s1.json" "$T/st/store-s1.csv" <<'PY' || fail "the script accepted a changed statement"
import importlib.util, sys
spec = importlib.util.spec_from_file_location("verify_settlement", sys.argv[1])
vs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vs)
for path in sys.argv[3:]:
    data = open(path, "rb").read()
    vs.verify(data, sys.argv[2])
    for i in range(len(data)):
        for x in (0x01, 0x20, 0x80):
            d = bytearray(data)
            d[i] ^= x
            try:
                vs.verify(bytes(d), sys.argv[2])
            except Exception:
                continue
            sys.exit("%s: byte %d ^ %#x still verifies" % (path, i, x))
    print("%s: each of %d bytes changed 3 ways fails" % (path, len(data)))
PY
python3 - "$T/st" "$T/flip" <<'PY'
import os, random, sys
random.seed(15)
os.makedirs(sys.argv[2])
for name in ("brand.json", "brand.csv", "dealer-none.csv", "store-s2.json"):
    data = open(os.path.join(sys.argv[1], name), "rb").read()
    picks = sorted(set([0, 1, len(data) - 1, len(data) - 2, len(data) // 2] +
                       random.sample(range(len(data)), 20)))
    for i in picks:
        d = bytearray(data)
        d[i] = (d[i] + random.randrange(1, 256)) % 256
        open(os.path.join(sys.argv[2], "%s.%d" % (name, i)), "wb").write(d)
PY
n=0
for f in "$T"/flip/*; do
	sl settle verify "$f" --pubkey "$PUB"
	assert_rc 1 "settle verify of a changed statement ($f)"
	run python3 "$VERIFY_PY" "$f" "$PUB"
	assert_rc 1 "verify_settlement.py of a changed statement ($f)"
	n=$((n + 1))
done
[ "$n" -ge 80 ] || fail "only $n changed statements"
note "$n changed statements: both verifiers refuse each"

# 5. A closed month never changes: settling it again writes the same
# files; a redemption after it closed lands in the next month.
redeem "${CL[9]}" "$S2"
expect_code 200 "a redemption after the month closed"
sl_at "$AT1" settle --period "$M" --out "$T/again"
assert_rc 0 "settle of a closed month"
assert_not_contains "$OUT" "closed $M" "settling a closed month again"
for f in "$T"/st/*; do
	cmp -s "$f" "$T/again/$(basename "$f")" || fail "$(basename "$f") changed"
done
sl_at "$AT2" settle --period "$M2" --out "$T/x"
assert_rc 1 "settle of a month after an open one"
assert_contains "$ERR" "settle --period $M1 first" "periods close in order"
sl_at "$AT2" settle --period "$M1" --out "$T/next" --tz Asia/Shanghai
assert_rc 1 "settle in another time zone"
sl_at "$AT2" settle --period "$M1" --out "$T/next"
assert_rc 0 "settle --period $M1"
assert_contains "$OUT" "closed $M1 (UTC): 1 lines" "the late redemption"
python3 - "$T/st/brand.json" "$T/next/brand.json" "$M" <<'PY' || fail "the next month (see above)"
import json, sys
a, b, m = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
l = b["lines"]
assert len(l) == 1 and l[0]["seq"] == 11 and l[0]["store"] == "s2", l
assert l[0]["time"].startswith(m), "the late line is dated in %s: %r" % (m, l[0])
assert b["period"]["prev_head"] == a["period"]["head"] == l[0]["prev"], (a["period"], b["period"])
assert b["period"]["after"] == 10 and b["period"]["through"] == 11, b["period"]
PY
ok settle verify "$T/next/brand.csv" --pubkey "$PUB"
run python3 "$VERIFY_PY" "$T/next/brand.csv" "$PUB"
assert_rc 0 "verify_settlement.py of the next month"
sl_at "$AT2" settle --period "$M1" --out "$T/s2only" --store s2
assert_rc 0 "settle --store"
[ "$(ls "$T/s2only" | tr '\n' ' ')" = "store-s2.csv store-s2.json " ] ||
	fail "settle --store s2 wrote $(ls "$T/s2only")"
sl_at "$AT2" settle --period "$M1" --out "$T/x" --store nosuch
assert_rc 1 "settle --store of an unknown store"
ok settle list
assert_contains "$OUT" "$M " "settle list"
assert_contains "$OUT" "$M1 " "settle list"
serve_stop
note "ok"
