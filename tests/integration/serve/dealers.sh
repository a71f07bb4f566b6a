#!/usr/bin/env bash
# dealers.sh — dealers, case and pallet codes, through the real CLI and
# server. Dealers (token once, list, show, revoke) and stores that belong
# to one; a mint with case and pallet codes, its print files read with
# Python's csv module, every SSCC's check digit computed in Python and
# checked by zint (--werror refuses a wrong one); pack load all or nothing
# (a child twice, an unknown code, a cycle, a file cut short: the meta
# database dumps the same bytes before and after); POST
# /api/v1/dealer/receive of a pallet of 10,000 items as one commit (the
# server's commit counter and LMDB's transaction id, mdb_stat), again,
# by another dealer, with bad tokens; SIGKILL during receipts: after a
# restart every item of the pallet is bound (counted in mdb_dump) or
# none; a located scan outside the dealer's region raises the diversion
# signal naming it, and the report counts it per dealer; a phone opening
# a case code sees what it holds, the scan counted, never a draw.
. "$(dirname "$0")/lib.sh"
serve_setup
command -v zint >/dev/null || fail "zint is not installed"
command -v mdb_dump >/dev/null || fail "lmdb-utils is not installed"
PREFIX=0614141
make_key 1

# dump_meta: the meta database's bytes (every record the dealers,
# aggregates and packing use lives there).
dump_meta() {
	mdb_dump -s meta "$SCANLOOP_DB"
}

# bound_count DEALER: items bound to DEALER, counted in the raw store.
bound_count() {
	mdb_dump -s meta "$SCANLOOP_DB" | python3 -c '
import sys
lines = sys.stdin.read().split("\n")
start = lines.index("HEADER=END") + 1
pairs = lines[start:]
n = 0
for k, v in zip(pairs[0::2], pairs[1::2]):
    key = bytes.fromhex(k.strip()) if k.strip() != "DATA=END" else b""
    if key.startswith(b"bound/") and len(key) == 14:
        val = bytes.fromhex(v.strip())
        if val[:33].rstrip(b"\0").decode() == sys.argv[1]:
            n += 1
print(n)' "$1"
}

# 1. Dealers and their stores.
ok dealer add --id east --name 'East Trading 华东' --region 31.2304,121.4737,100
assert_contains "$OUT" "region: 31.2304,121.474,100" "dealer add prints its region"
EAST=$(sed -n 's/^api_token: //p' <<<"$OUT")
[ ${#EAST} -eq 32 ] || fail "dealer add: no token: $OUT"
ok dealer add --id north --name 'North' --region 39.9042,116.4074,50
NORTH=$(sed -n 's/^api_token: //p' <<<"$OUT")
ok dealer add --id gone --name 'Gone'
GONE=$(sed -n 's/^api_token: //p' <<<"$OUT")
sl dealer add --id east --name again
assert_rc 1 "a taken dealer id"
sl dealer add --id bad --name x --region 91,0,1
assert_rc 2 "a region off the globe"
ok dealer list
grep -q '^east  *active  *1 ' <<<"$OUT" || fail "dealer list: $OUT"
assert_not_contains "$OUT" "$EAST" "dealer list shows a token"
ok store add --id s1 --name 'Shop 1' --dealer east
assert_contains "$OUT" "dealer: east" "store add --dealer"
sl store add --id s2 --name 'Shop 2' --dealer nobody
assert_rc 1 "store add with an unknown dealer"
ok store list
grep -q '^s1  *active .* east  *Shop 1$' <<<"$OUT" || fail "store list: $OUT"
grep -q '^s2 ' <<<"$OUT" && fail "store s2 was added for an unknown dealer"
ok dealer revoke gone
ok dealer show gone
assert_contains "$OUT" "state: revoked" "dealer show after revoke"

# 2. A mint with case and pallet codes: 10,000 items, 100 a case, 100
# cases a pallet.
mint_active 10000 "$T/job" --case-size 100 --pallet-size 100 \
    --company-prefix "$PREFIX"
python3 - "$T/job" "$PREFIX" <<'PY' || fail "case and pallet files (see above)"
import csv, json, sys
d, prefix = sys.argv[1], sys.argv[2]
def check_digit(s17):
    t = sum(int(c) * (3 if i % 2 == 0 else 1)
            for i, c in enumerate(reversed(s17)))
    return str((10 - t % 10) % 10)
def rows(name):
    with open(d + "/" + name, newline="") as f:
        r = list(csv.reader(f))
    return r[0], r[1:]
h, codes = rows("codes.csv")
h1, cases = rows("cases.csv")
h2, pallets = rows("pallets.csv")
h3, packing = rows("packing.csv")
assert h1 == h2 == ["seq", "serial", "url"], (h1, h2)
assert h3 == ["parent_serial", "child_serial"], h3
assert len(cases) == 100 and len(pallets) == 1, (len(cases), len(pallets))
seen = set()
for i, (seq, sscc, url) in enumerate(cases + pallets):
    assert len(sscc) == 18 and sscc.isdigit(), sscc
    assert sscc[17] == check_digit(sscc[:17]), sscc
    assert sscc[1:1 + len(prefix)] == prefix, sscc
    assert url.startswith("HTTPS://S.EXAMPLE.COM/00/" + sscc + "?S="), url
    assert sscc not in seen
    seen.add(sscc)
assert [int(r[0]) for r in cases] == list(range(1, 101))
# Every item once, case k holding items 100k..100k+99 in print order;
# every case once, in the one pallet.
parent = {}
for p, c in packing:
    assert c not in parent, "child twice: " + c
    parent[c] = p
for i, (seq, serial, url) in enumerate(codes):
    assert parent[serial] == cases[i // 100][1], (i, serial)
for seq, sscc, url in cases:
    assert parent[sscc] == pallets[0][1]
assert len(parent) == 10100
m = json.load(open(d + "/manifest.json"))
assert m["case_size"] == 100 and m["cases"] == 100 and m["pallets"] == 1, m
assert m["company_prefix"] == prefix and m["packing"] == "packing.csv", m
PY
for s in $(cut -d, -f2 "$T/job/cases.csv" | sed -n '2p;51p;101p'; cut -d, -f2 "$T/job/pallets.csv" | sed -n 2p); do
	zint --werror -b GS1_128 --gs1 -d "[00]$s" -o "$T/run/z.png" 2>"$T/run/zint" ||
	    fail "zint refuses SSCC $s: $(cat "$T/run/zint")"
done
bad=$(cut -d, -f2 "$T/job/cases.csv" | sed -n 2p)
bad=${bad:0:17}$(( (${bad:17:1} + 1) % 10 ))
zint --werror -b GS1_128 --gs1 -d "[00]$bad" -o "$T/run/z.png" 2>/dev/null &&
    fail "zint took a wrong check digit: the oracle checks nothing"
PALLET=$(sed -n 2p "$T/job/pallets.csv" | cut -d, -f3 | tr -d '\r')
PSSCC=$(sed -n 2p "$T/job/pallets.csv" | cut -d, -f2)
CASE1=$(sed -n 2p "$T/job/cases.csv" | cut -d, -f3 | tr -d '\r')
C1=$(sed -n 2p "$T/job/cases.csv" | cut -d, -f2)
ok pack show "$PSSCC"
assert_contains "$OUT" "items: 10000" "the pallet's items"
assert_contains "$OUT" "children: 100" "the pallet's cases"

# 3. Packing after printing: a batch whose cases are emptied, then loaded
# from files that must change nothing, then one that loads.
mint 1 30 "$T/job2" --case-size 10 --company-prefix "$PREFIX"
ok batch activate "$(manifest_get "$T/job2" batch_id)"
mapfile -t K < <(tail -n +2 "$T/job2/cases.csv" | cut -d, -f2)
mapfile -t I < <(tail -n +2 "$T/job2/codes.csv" | cut -d, -f2)
for k in "${K[@]}"; do ok pack unlink --parent "$k"; done
ok pack show "${K[0]}"
assert_contains "$OUT" "items: 0" "an emptied case"
BEFORE=$(dump_meta | sha256sum)
printf 'parent_serial,child_serial\n%s,%s\n%s,%s\n%s,%s\n' "${K[0]}" "${I[0]}" \
    "${K[0]}" "${I[1]}" "${K[1]}" "${I[0]}" >"$T/twice.csv"
printf '%s,%s\n%s,%s\n' "${K[0]}" "${I[0]}" "${K[0]}" 6ERZA6M5DMMGY >"$T/unknown.csv"
printf '%s,%s\n%s,%s\n%s,%s\n' "${K[0]}" "${I[0]}" "${K[0]}" "${K[1]}" \
    "${K[1]}" "${K[0]}" >"$T/cycle.csv"
printf '%s,%s\n%s,%s' "${K[0]}" "${I[0]}" "${K[0]}" "${I[1]:0:7}" >"$T/cut.csv"
printf '%s,%s\n%s,%s' "${K[0]}" "${I[0]}" "${K[0]}" "${I[1]}" >"$T/nonl.csv"
for f in twice unknown cycle cut nonl; do
	sl pack load "$T/$f.csv"
	assert_rc 1 "pack load $f.csv"
	assert_contains "$ERR" "nothing was loaded" "pack load $f.csv says so"
	assert_eq "$(dump_meta | sha256sum)" "$BEFORE" "pack load $f.csv changed the store"
done
sl pack load "$T/cycle.csv"
assert_contains "$ERR" "cycle" "the cycle is named"
sl pack load "$T/twice.csv"
assert_contains "$ERR" "line 4" "the second naming of a child is the line at fault"
# By URL: a tampered signature is refused, the true one loads.
KU=$(sed -n 2p "$T/job2/cases.csv" | cut -d, -f3 | tr -d '\r')
IU=$(sed -n 2p "$T/job2/codes.csv" | cut -d, -f3 | tr -d '\r')
c=${KU: -10:1}
if [ "$c" = A ]; then c=B; else c=A; fi
printf '"%s",%s\n' "${KU:0:${#KU}-10}$c${KU: -9}" "$IU" >"$T/tampered.csv"
sl pack load "$T/tampered.csv"
assert_rc 1 "pack load with a tampered case URL"
assert_contains "$ERR" "signature is not the store's" "the tampered URL is named"
assert_eq "$(dump_meta | sha256sum)" "$BEFORE" "pack load tampered.csv changed the store"
printf '"%s",%s\n' "$KU" "$IU" >"$T/urls.csv"
ok pack load "$T/urls.csv"
assert_contains "$OUT" "1 new" "a row by URLs"
ok pack show "$IU"
assert_contains "$OUT" "parent: ${K[0]}" "the item's case, loaded by URL"
# The job's own packing.csv loads again (as a line would send it).
ok pack load "$T/job2/packing.csv"
assert_contains "$OUT" "29 new" "packing.csv reloaded"
ok pack show "${K[2]}"
assert_contains "$OUT" "items: 10" "a reloaded case"
ok pack unlink --parent "$(sed -n 2p "$T/job2/cases.csv" | cut -d, -f3 | tr -d '\r')"
assert_contains "$OUT" "10 children unlinked" "unlink by URL"

# 4. The server: a dealer receives the pallet of 10,000 items.
serve_start --rate 0
RECV=/api/v1/dealer/receive
receive() {	# TOKEN CODE
	post_json "$RECV" "{\"code\":\"$2\"}" -H "Authorization: Bearer $1"
}
txnid() {
	mdb_stat -e "$SCANLOOP_DB" | awk '/Last transaction ID/ { print $4 }'
}
receive "$EAST" ""
expect_code 400 "receive without a code"
receive "$GONE" "$PALLET"
expect_code 401 "a revoked dealer"
if [ "${EAST:31:1}" = A ]; then tok=${EAST:0:31}B; else tok=${EAST:0:31}A; fi
receive "$tok" "$PALLET"
expect_code 401 "a changed token"
req POST "$RECV" -H 'Content-Type: application/json' --data-binary "{\"code\":\"$PALLET\"}"
expect_code 401 "no token"
get "$RECV" -H "Authorization: Bearer $EAST"
expect_code 405 "GET of the receipt"
c=${PALLET: -10:1}
if [ "$c" = A ]; then c=B; else c=A; fi
receive "$EAST" "${PALLET:0:${#PALLET}-10}$c${PALLET: -9}"
expect_code 404 "a pallet code whose signature is not the store's"
sleep 1.2	# the writer's first ticks are done
C0=$(metric scanloop_commits_total)
X0=$(txnid)
receive "$EAST" "$PALLET"
expect_code 200 "the pallet received"
C1n=$(metric scanloop_commits_total)
X1=$(txnid)
check_json() {
	python3 - "$BODY" "$1" <<'PY' || fail "JSON answer: $BODY"
import json, sys
j = json.loads(sys.argv[1])
exec(sys.argv[2])
PY
}
check_json 'assert j["status"] == "received" and j["items"] == 10000 and j["bound"] == 10000 and j["dealer"] == "east" and j["level"] == "pallet" and j["aggregates"] == 101, j'
assert_eq "$((C1n - C0))" 1 "commits for a pallet of 10,000 items"
assert_eq "$((X1 - X0))" 1 "LMDB transactions for a pallet of 10,000 items"
assert_eq "$(bound_count east)" 10000 "items bound to east in the store"
receive "$EAST" "$PALLET"
expect_code 200 "the pallet again"
check_json 'assert j["status"] == "already_received" and j["bound"] == 0 and j["already"] == 10000, j'
receive "$NORTH" "$CASE1"
expect_code 409 "a case another dealer received"
check_json 'assert j["error"] == "received_by_other" and j["dealer"] == "east", j'
assert_eq "$(bound_count north)" 0 "nothing bound to north"
ok dealer show east
assert_contains "$OUT" "received: 10000 items in 1 receipts" "dealer show counts"
ok pack show "$(sed -n 2p "$T/job/codes.csv" | cut -d, -f2)"
assert_contains "$OUT" "dealer: east" "an item's dealer"

# 5. A phone opens the case code: what it holds; counted; no draw.
get "$(path_of "$CASE1")&lang=en"
expect_code 200 "the case page"
assert_contains "$BODY" '<dd class="m" id="items">100</dd>' "the case page's count"
assert_contains "$BODY" "$GTIN14" "the case page's product"
assert_not_contains "$BODY" 'action="/draw"' "a draw on the case page"
req HEAD "$(path_of "$CASE1")"
expect_code 200 "HEAD of the case page"
get "$(path_of "$PALLET")" -A 'curl/8.0'
expect_code 200 "a bot's GET of the pallet page"
ok pack show "$C1"
assert_contains "$OUT" "scans: 1" "one person's scan counted (not HEAD, not bots)"
get "/00/${C1:0:17}$(( (${C1:17:1} + 1) % 10 ))?S=AAAA"
expect_code 400 "a wrong check digit"

# 6. Diversion: an item of east's scanned in Beijing, another in Suzhou.
ITEM1=$(row "$T/job" 1)
ITEM2=$(row "$T/job" 2)
post_json /api/v1/scans "{\"code\":\"$ITEM1\",\"lat\":31.2989,\"lon\":120.5853,\"accuracy\":30}"
expect_code 200 "a scan inside the region"
post_json /api/v1/scans "{\"code\":\"$ITEM2\",\"lat\":39.9042,\"lon\":116.4074,\"accuracy\":30}"
expect_code 200 "a scan outside the region"
ok signals --kind diversion --format jsonl
assert_eq "$(grep -c '' <<<"$OUT")" 1 "diversions raised"
python3 - "$OUT" "$(serial_of "$ITEM2")" <<'PY' || fail "the diversion signal: $OUT"
import json, sys
s = json.loads(sys.argv[1])
assert s["serial"] == sys.argv[2], s
assert "dealer east" in s["detail"] and "31.23, 121.5, 100 km" in s["detail"], s
PY
ok report --tz UTC --json "$T/r.json"
python3 - "$T/r.json" <<'PY' || fail "the report's diversion per dealer"
import json, sys
g = json.load(open(sys.argv[1]))["signals"]
assert g["counts"]["diversion"] == 1, g["counts"]
assert g["diversion_by_dealer"] == [{"dealer": "east", "count": 1}], g
PY
ok report --tz UTC --lang en --html "$T/r.html"
assert_contains "$(cat "$T/r.html")" "Diversion by dealer" "the HTML report's table"
serve_stop

# 7. SIGKILL during receipts: all or nothing, every time.
# The kill lands at a random moment within 0.4 s of the request: before,
# during or after its commit (the figures say which it was).
for i in 1 2 3 4; do
	mint 1 10000 "$T/jk$i" --case-size 1000 --pallet-size 10 \
	    --company-prefix "$PREFIX"
	ok batch activate "$(manifest_get "$T/jk$i" batch_id)"
	P=$(sed -n 2p "$T/jk$i/pallets.csv" | cut -d, -f3 | tr -d '\r')
	serve_start --rate 0
	B0=$(bound_count north)
	curl -sS -o /dev/null --max-time 20 -X POST "$SRV_URL$RECV" \
	    -H "Authorization: Bearer $NORTH" -H 'Content-Type: application/json' \
	    --data-binary "{\"code\":\"$P\"}" 2>/dev/null &
	cpid=$!
	sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
	serve_signal KILL
	serve_wait_exit 10
	wait "$cpid" 2>/dev/null || true
	serve_start --rate 0
	serve_stop
	n=$(($(bound_count north) - B0))
	[ "$n" -eq 0 ] || [ "$n" -eq 10000 ] ||
	    fail "after SIGKILL $n of the pallet's 10,000 items are bound"
	echo "kill $i: $n items bound"
done
