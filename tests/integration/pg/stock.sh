#!/usr/bin/env bash
# stock.sh — prize stock and redemptions across nodes on one PostgreSQL
# (issue 16; docs/scale-out.md). A throwaway cluster (tests/lib/pg.sh),
# three `scanloop serve --pg` nodes, each on its own store (copies of one
# store: the same codes, campaign, stores and claims), small leases:
#   - 1,800 codes draw once each, spread over the nodes by 6 clients,
#     while node 2 is SIGKILLed and restarted: awards per tier <= stock
#     and <= the daily cap; every acknowledged answer is the code's logged
#     draw; after a clean stop, the ledger adds up (left + leased = stock)
#     and each node's lease and reported use are what its log awarded;
#   - PostgreSQL stopped: scans answer 200, draws answer a win never but
#     503 try_again, and the same draws go through once it is back;
#   - a node SIGKILLed holding stock: `campaign reconcile --node --return`
#     on its store gives the rest back;
#   - one claim (on every store) redeemed on two nodes at once succeeds
#     once; a third try on the third node gets the first one's result,
#     and so does `claim redeem --pg` on the third node's store;
#   - a second store serving as node 1 leases nothing;
#   - a node's draw log passes the audit (store, log, audit_draws.py),
#     its misses for the ledger included.
# Skipped, saying so, only when the PostgreSQL server binaries are
# missing (tools/setup.sh --tests installs them).
. "$(dirname "$0")/../rewards_load/lib.sh"
. "$SCANLOOP_SRC/tests/lib/pg.sh"
PGDRAWS=$(dirname "$0")/pgdraws.py
pg_available || skip "$PG_ERROR"
command -v psql >/dev/null || skip "psql is not installed"
rl_setup
pg_start || fail "$PG_ERROR"
on_cleanup pg_stop
ok pg init "$PG_CONNINFO"
assert_contains "$OUT" "schema version 1" "pg init"

# The campaign: A (total 40, daily cap 12), B (total 10), P (points,
# total 25); and a second one, "race", whose claim every store gets.
N=1800
ID=pgstock
mint_active "$N" "$T/job"
codes_file "$T/job" "$T/all.txt"
head -n 1740 "$T/all.txt" >"$T/codes.txt"
tail -n 60 "$T/all.txt" >"$T/later.txt"
rl_campaign "$T/camp.json" "$ID" "$BATCH" '[
 {"id": "A", "name": "Tier A", "kind": "physical", "total": 40,
  "daily_cap": 12, "odds": 250000},
 {"id": "B", "name": "Tier B", "kind": "physical", "total": 10,
  "odds": 150000},
 {"id": "P", "name": "Points", "kind": "points", "total": 25,
  "odds": 100000, "points": 5}]'
ok campaign load "$T/camp.json"
STOCK='{"A": [40, 12], "B": [10, 0], "P": [25, 0]}'
mint_active 3 "$T/racejob"
rl_campaign "$T/race.json" race "$BATCH" '[
 {"id": "W", "name": "Always", "kind": "physical", "total": 100,
  "odds": 1000000}]'
ok campaign load "$T/race.json"
rl_store_add s1
TOK1=$STORE_TOKEN
rl_store_add s2
TOK2=$STORE_TOKEN

# The race's claim, drawn on the first store before it is copied.
serve_start --rate 0
post_json /api/v1/draws "{\"code\": \"$(sed -n 2p "$T/racejob/codes.csv" | cut -d, -f3 | tr -d '\r')\"}"
expect_code 200 "the race draw"
CLAIM=$(json_get "j['claim']['token']" | tr -d '"')
[ -n "$CLAIM" ] && [ "$CLAIM" != None ] || fail "no claim: $BODY"
serve_stop
for n in 1 2 3; do cp -a "$SCANLOOP_DB" "$T/n$n"; done

# node_start N [ARGS]: node N on its store (and its port, if it had one).
declare -A PORT PID ERRF
node_start() {
	local n=$1
	shift
	SCANLOOP_DB=$T/n$n LISTEN=127.0.0.1:${PORT[$n]:-0} serve_start \
	    --rate 0 --pg "$PG_CONNINFO" --node "$n" --pg-lease 3 \
	    --pg-return 2 "$@"
	PORT[$n]=$SRV_PORT
	PID[$n]=$SRV_SIG_PID
	ERRF[$n]=$SRV_ERR
}
for n in 1 2 3; do node_start "$n"; done

# 1. Draws raced over the nodes; node 2 killed and restarted meanwhile.
load_start python3 "$PGDRAWS" load --ports "${PORT[1]},${PORT[2]},${PORT[3]}" \
    --codes "$T/codes.txt" --out "$T/run/draws.jsonl" --clients 6
sleep 2
node_stop 2 KILL
[ "$SRV_RC" -eq 137 ] || fail "node 2 exited $SRV_RC on SIGKILL"
sleep 1
node_start 2
load_wait
for n in 1 2 3; do node_stop "$n" TERM; done
for n in 1 2 3; do
	SCANLOOP_DB=$T/n$n ok export draws --campaign "$ID" --format jsonl \
	    --out "$T/run/n$n-draws.jsonl"
done
run "$SCANLOOP" campaign reconcile "$ID" --pg "$PG_CONNINFO"
assert_rc 0 "campaign reconcile after the load"
note "$OUT"
pg_sql "SELECT s.tier, s.period, s.total, s.remaining, coalesce(l.node, -1),
    coalesce(l.leased, 0), coalesce(l.used, 0) FROM scanloop_stock s
    LEFT JOIN scanloop_leases l USING (campaign, tier, period)
    WHERE s.campaign = '$ID' ORDER BY 1, 2, 5" >"$T/run/ledger.txt" ||
    fail "cannot read the ledger"
python3 "$PGDRAWS" check --records "$T/run/draws.jsonl" \
    --draws "$T/run/n1-draws.jsonl,$T/run/n2-draws.jsonl,$T/run/n3-draws.jsonl" \
    --stock "$STOCK" --ledger "$T/run/ledger.txt" >"$T/run/check.out" ||
    fail "the draws and the ledger disagree: $(cat "$T/run/check.out")"
note "$(cat "$T/run/check.out")"
grep -q '"error": "try_again"' "$T/run/draws.jsonl" ||
    grep -q '"retries": [1-9]' "$T/run/draws.jsonl" ||
    fail "no draw was ever asked to try again: the leases were never short"

# 2. PostgreSQL down: scans go on, a draw that needs stock answers
# try_again (never a win), and goes through once it is back.
node_start 1
pg_pause
get "/$(sed -n 1p "$T/later.txt" | sed 's|^[A-Za-z]*://[^/]*/||')"
expect_code 200 "a scan while PostgreSQL is down"
retry=0 wins=0
: >"$T/run/pgdown.txt"
for i in $(seq 1 30); do
	code=$(sed -n "${i}p" "$T/later.txt")
	post_json /api/v1/draws "{\"code\": \"$code\"}"
	case $CODE in
	503) assert_contains "$BODY" try_again "a 503 draw"; retry=$((retry + 1))
	     echo "$code" >>"$T/run/pgdown.txt" ;;
	200) [ "$(json_get "j['outcome']")" = '"miss"' ] ||
	         fail "a draw won while PostgreSQL was down: $BODY" ;;
	*) fail "a draw answered $CODE while PostgreSQL was down: $BODY" ;;
	esac
done
[ "$retry" -gt 0 ] || fail "no draw needed stock while PostgreSQL was down"
grep -q "try again" "$SRV_ERR" || fail "no warning about PostgreSQL: $(tail -5 "$SRV_ERR")"
pg_resume || fail "$PG_ERROR"
sleep 1
while read -r code; do
	for _ in $(seq 1 100); do
		post_json /api/v1/draws "{\"code\": \"$code\"}"
		[ "$CODE" = 503 ] || break
		sleep 0.1
	done
	[ "$CODE" = 200 ] || fail "a draw once PostgreSQL is back: $CODE $BODY; the node said: $(tail -n 5 "$SRV_ERR")"
done <"$T/run/pgdown.txt"
note "PostgreSQL down: $retry of 30 draws answered try_again, none won; all answered once it was back"

# 3. A node killed holding stock: its store's lease tells what it used,
# and reconcile --return gives the rest back.
run "$SCANLOOP" campaign reconcile "$ID" --pg "$PG_CONNINFO"
assert_rc 0 "campaign reconcile"
pg_sql "UPDATE scanloop_stock SET total = total + 6, remaining = remaining + 6
    WHERE campaign = '$ID' AND tier = 1 AND period = 0" >/dev/null
tail -n 29 "$T/later.txt" | head -n 25 >"$T/last.txt"
node_start 3
python3 "$PGDRAWS" load --ports "${PORT[3]}" --codes "$T/last.txt" \
    --out "$T/run/last.jsonl" --clients 2 --deadline 20 >/dev/null
held=$(pg_sql "SELECT leased - used FROM scanloop_leases WHERE campaign =
    '$ID' AND tier = 1 AND period = 0 AND node = 3")
node_stop 3 KILL
node_stop 1 TERM
run "$SCANLOOP" campaign reconcile "$ID" --pg "$PG_CONNINFO" --node 3 \
    --db "$T/n3" --return
assert_rc 0 "campaign reconcile --node 3 --return"
assert_contains "$OUT" "gave back" "reconcile --return"
note "node 3 killed ($held of tier B leased beyond its last report): $(grep 'gave back' <<<"$OUT" | tr '\n' ';')"
SCANLOOP_DB=$T/n3 ok export draws --campaign "$ID" --format jsonl \
    --out "$T/run/n3-draws.jsonl"
SCANLOOP_DB=$T/n1 ok export draws --campaign "$ID" --format jsonl \
    --out "$T/run/n1-draws.jsonl"
cat "$T/run/draws.jsonl" "$T/run/last.jsonl" >"$T/run/all.jsonl"
pg_sql "SELECT s.tier, s.period, s.total, s.remaining, coalesce(l.node, -1),
    coalesce(l.leased, 0), coalesce(l.used, 0) FROM scanloop_stock s
    LEFT JOIN scanloop_leases l USING (campaign, tier, period)
    WHERE s.campaign = '$ID' ORDER BY 1, 2, 5" >"$T/run/ledger.txt"
python3 "$PGDRAWS" check --records "$T/run/all.jsonl" \
    --draws "$T/run/n1-draws.jsonl,$T/run/n2-draws.jsonl,$T/run/n3-draws.jsonl" \
    --stock '{"A": [40, 12], "B": [16, 0], "P": [25, 0]}' \
    --ledger "$T/run/ledger.txt" >"$T/run/check.out" ||
    fail "after reconcile --return: $(cat "$T/run/check.out")"

# 4. One claim redeemed on two nodes at once: once. A third try on the
# third node gets the first one's result.
node_start 1
node_start 2
node_start 3
racers=()
for n in 1 2; do
	tok=TOK$n
	curl -s -o "$T/run/redeem$n.json" -w '%{http_code}' -X POST \
	    -H "Authorization: Bearer ${!tok}" -d '' \
	    "http://127.0.0.1:${PORT[$n]}/api/v1/claims/$CLAIM/redeem" \
	    >"$T/run/redeem$n.code" &
	racers+=($!)
done
wait "${racers[@]}"
codes="$(cat "$T/run/redeem1.code") $(cat "$T/run/redeem2.code")"
case $codes in
"200 409"|"409 200") ;;
*) fail "a claim redeemed on two nodes at once answered $codes: $(cat "$T/run/redeem1.json" "$T/run/redeem2.json")" ;;
esac
winner=1
[ "$(cat "$T/run/redeem1.code")" = 200 ] || winner=2
code=$(curl -s -o "$T/run/redeem3.json" -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $TOK1" -d '' \
    "http://127.0.0.1:${PORT[3]}/api/v1/claims/$CLAIM/redeem")
[ "$code" = 409 ] || fail "the third try answered $code: $(cat "$T/run/redeem3.json")"
python3 - "$T/run/redeem3.json" "s$winner" "$winner" <<'PY' || fail "the third try: $(cat "$T/run/redeem3.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["error"] == "already_redeemed", d
assert d["shop"] == sys.argv[2] and d["node"] == int(sys.argv[3]), d
PY
[ "$(pg_sql "SELECT count(*) FROM scanloop_redemptions")" = 1 ] ||
    fail "redemptions in PostgreSQL: $(pg_sql "SELECT * FROM scanloop_redemptions")"
for n in 1 2 3; do node_stop "$n" TERM; done
run "$SCANLOOP" claim redeem "$CLAIM" --store s2 --pg "$PG_CONNINFO" \
    --node 3 --db "$T/n3"
assert_rc 1 "claim redeem --pg on node 3's store"
assert_contains "$ERR" "already redeemed" "claim redeem --pg on node 3"
assert_contains "$ERR" "store s$winner (node $winner)" "claim redeem --pg on node 3"
SCANLOOP_DB=$T/n$winner ok claim show "$CLAIM"
assert_contains "$OUT" "redeemed: " "claim show on the winner"
note "a claim redeemed on nodes 1 and 2 at once: $codes; node 3 then answered 409 with node $winner's redemption, and so did claim redeem --pg on its store"

# 5. A node id is one store's: node 2's store serving as node 1 leases
# nothing (it would settle node 1's leases) and says why.
SCANLOOP_DB=$T/n2 serve_start --rate 0 --pg "$PG_CONNINFO" --node 1
poll 50 0.2 grep -q "is another store's" "$SRV_ERR" ||
    fail "a second store as node 1: $(tail -n 3 "$SRV_ERR")"
serve_stop
run "$SCANLOOP" serve --pg "$PG_CONNINFO"
assert_rc 2 "serve --pg without --node"
note "a second store as node 1: refused by the ledger"

# 6. Each node's draw log audits on its own: a draw that missed for the
# ledger (its tier had stock by the node's log) carries its reason.
SCANLOOP_DB=$T/n1 ok export draws --campaign "$ID" --format jsonl \
    --out "$T/run/n1-final.jsonl"
grep -q '"reason": *"ledger_empty"' "$T/run/n1-final.jsonl" ||
    fail "node 1 never missed for the ledger: $(grep -c . "$T/run/n1-final.jsonl") entries"
SCANLOOP_DB=$T/n1 rl_audit "$ID" "$T/run/n1-final.jsonl"
note "ok"
