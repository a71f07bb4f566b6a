#!/usr/bin/env bash
# nodes.sh — three nodes sharing one brand's codes (issue 16;
# docs/scale-out.md): `scanloop serve --cluster` on 127.0.0.1, 127.0.0.2
# and 127.0.0.3, each on its own store (copies of one: the same codes,
# campaign and stores), prize stock leased from one throwaway PostgreSQL
# (tests/lib/pg.sh), every committed event produced to librdkafka's mock
# cluster (tests/kafka/mock_broker).
#
#   - the internal listener refuses a request without the cluster's
#     secret, or with a wrong one (403), and a request past its bounds;
#   - clients (clusterload.py) spread scans, draws and redemptions over
#     the three nodes for SCANLOOP_CLUSTER_SECONDS (default 60; at most
#     200,000 requests) while node 2 is SIGKILLed and restarted twice and
#     every broker is down for 10 s;
#   - then: 0 acknowledged scans lost (each names the node and event that
#     committed it, and that store holds it), 0 codes drawn twice (each
#     serial in one store's draw log at most once, each 200 draw the
#     logged one, by its owner), 0 claims redeemed twice (in the stores,
#     in the answers, in PostgreSQL), awards per tier <= stock and <= the
#     daily cap, and every committed event, draw and redemption of the
#     three stores in the topic once (node, type, id) repeats are dropped;
#   - while node 2 was down, scans of the codes it owns were answered by
#     the others (recorded there) and their draws answered try_again.
# Skipped, saying why, where tests/lib/pg.sh cannot run PostgreSQL.
. "$(dirname "$0")/../rewards_load/lib.sh"
. "$SCANLOOP_SRC/tests/lib/pg.sh"
LOAD_PY=$(dirname "$0")/clusterload.py
pg_available || skip "$PG_ERROR"
command -v psql >/dev/null || skip "psql is not installed"
SECONDS_LOAD=${SCANLOOP_CLUSTER_SECONDS:-60}
rl_setup
pg_start || fail "$PG_ERROR"
on_cleanup pg_stop
ok pg init "$PG_CONNINFO"

# The codes, the campaign (A: 30, 8 a day; B: 12; P: points, 40), a store.
N=1500
ID=cluster
mint_active "$N" "$T/job"
codes_file "$T/job" "$T/codes.txt"
rl_campaign "$T/camp.json" "$ID" "$BATCH" '[
 {"id": "A", "name": "Tier A", "kind": "physical", "total": 30,
  "daily_cap": 8, "odds": 150000},
 {"id": "B", "name": "Tier B", "kind": "physical", "total": 12,
  "odds": 100000},
 {"id": "P", "name": "Points", "kind": "points", "total": 40,
  "odds": 200000, "points": 5}]'
ok campaign load "$T/camp.json"
STOCK='{"A": [30, 8], "B": [12, 0], "P": [40, 0]}'
rl_store_add s1
TOKEN=$STORE_TOKEN
for n in 1 2 3; do cp -a "$SCANLOOP_DB" "$T/n$n"; done

# The cluster: internal ports free on each address, the secret 0600.
read -r IP1 IP2 IP3 < <(python3 - <<'EOF'
import socket
ps = []
for n in (1, 2, 3):
    s = socket.socket()
    s.bind(("127.0.0.%d" % n, 0))
    ps.append(s.getsockname()[1])
    s.close()
print(*ps)
EOF
)
(umask 077; python3 -c 'import secrets; print(secrets.token_hex(32))' \
    >"$T/cluster.secret")
SECRET=$(cat "$T/cluster.secret")
cat >"$T/cluster.conf" <<EOF
# the test's three nodes
node 1 127.0.0.1:$IP1
node 2 127.0.0.2:$IP2
node 3 127.0.0.3:$IP3
secret cluster.secret
EOF

# The broker, its commands through a FIFO (mb).
TOPIC=scanloop.cluster
mb_start "$TOPIC"

# node_start N: node N on its store, its address and port (once known).
declare -A PORT PID ERRF
node_start() {
	local n=$1
	SCANLOOP_DB=$T/n$n LISTEN=127.0.0.$n:${PORT[$n]:-0} serve_start \
	    --rate 0 --node "$n" --cluster "$T/cluster.conf" \
	    --pg "$PG_CONNINFO" --pg-lease 3 --pg-return 2 \
	    --kafka "$BOOT" --kafka-topic "$TOPIC"
	PORT[$n]=$SRV_PORT
	PID[$n]=$SRV_SIG_PID
	ERRF[$n]=$SRV_ERR
}
for n in 1 2 3; do node_start "$n"; done
assert_contains "$(cat "$SRV_OUT")" "node 3 of 3, internal listener on 127.0.0.3:$IP3" \
    "the start-up line"

# 1. The internal listener: the secret or nothing.
CODE1=$(head -n 1 "$T/codes.txt")
icall() {
	curl -s -o "$T/run/ibody" -w '%{http_code}' -X POST \
	    -H 'Content-Type: application/json' "$@" \
	    -d "{\"code\": \"$CODE1\"}" "http://127.0.0.1:$IP1/api/v1/scans"
}
[ "$(icall)" = 403 ] || fail "an internal call without the secret: $(cat "$T/run/ibody")"
[ "$(icall -H "X-Scanloop-Cluster: ${SECRET%?}x")" = 403 ] ||
    fail "an internal call with a wrong secret"
[ "$(icall -H "X-Scanloop-Cluster: $SECRET")" = 200 ] ||
    fail "an internal call with the secret: $(cat "$T/run/ibody")"
big=$(head -c 20000 /dev/zero | tr '\0' a)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Scanloop-Cluster: $SECRET" \
    -H "X-Pad: $big" "http://127.0.0.1:$IP1/healthz")
[ "$code" = 431 ] || fail "an internal request past the head's bound answered $code"
note "internal listener: 403 without or with a wrong secret, 200 with it, 431 past the bound"

# 1b. A page's location, posted to every node in turn: its event is its
# owner's, which takes it once (200); the others ask the owner (409),
# never attaching it to an event of their own with the same id.
CODE2=$(sed -n 2p "$T/codes.txt")
SRV_URL=http://127.0.0.1:${PORT[1]} get "$(path_of "$CODE2")"
expect_code 200 "a page through node 1"
EV=$(sed -n 's/.*data-event="\([0-9]*\)".*/\1/p' <<<"$BODY")
TOK=$(sed -n 's/.*data-token="\([^"]*\)".*/\1/p' <<<"$BODY")
[ -n "$EV" ] && [ -n "$TOK" ] || fail "no location token on the page"
locs=""
for n in 3 2 1; do
	SRV_URL=http://127.0.0.$n:${PORT[$n]} post_json \
	    "/api/v1/scans/$EV/location" \
	    "{\"token\":\"$TOK\",\"lat\":31.2304,\"lon\":121.4737,\"accuracy\":12}"
	locs="$locs $CODE"
done
[ "$locs" = " 200 409 409" ] ||
    fail "a location posted to nodes 3, 2, 1 answered$locs"
note "a page's location posted to nodes 3, 2 and 1:$locs (the owner's event, once)"
# A HEAD of the page through each node: the owner's head, with the
# length of the body it omits.
for n in 1 2 3; do
	len=$(curl -s -I -A "$HUMAN_UA" "http://127.0.0.$n:${PORT[$n]}$(path_of "$CODE2")" |
	    tr -d '\r' | sed -n 's/^Content-Length: //ip')
	[ "${len:-0}" -gt 1000 ] || fail "a HEAD through node $n: Content-Length '$len'"
done

# 2. The load, node 2 killed and restarted twice, the brokers down 10 s.
load_start python3 "$LOAD_PY" load --nodes \
    "127.0.0.1:${PORT[1]},127.0.0.2:${PORT[2]},127.0.0.3:${PORT[3]}" \
    --codes "$T/codes.txt" --token "$TOKEN" --out "$T/run/load.jsonl" \
    --clients 6 --seconds "$SECONDS_LOAD" --max 200000
step=$((SECONDS_LOAD / 6))
[ "$step" -ge 2 ] || step=2
sleep "$step"
KILLED_AT=()
for round in 1 2; do
	node_stop 2 KILL
	[ "$SRV_RC" -eq 137 ] || fail "node 2 exited $SRV_RC on SIGKILL"
	KILLED_AT+=("$(date +%s.%N)")
	sleep 2
	node_start 2
	KILLED_AT+=("$(date +%s.%N)")
	if [ "$round" = 1 ]; then
		sleep "$step"
		mb alldown
		sleep 10
		mb allup
	fi
	sleep "$step"
done
load_wait
python3 - "$T/run/load.jsonl" >"$T/run/outage.txt" <<'EOF' || true
import collections, json, sys
c = collections.Counter()
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["status"] is None:
        c["no answer (the killed node itself)"] += 1
    elif r["status"] == 503 and r.get("error") == "try_again":
        c["draws told to try again"] += 1
print(dict(c))
EOF
note "during the outages: $(cat "$T/run/outage.txt")"
grep -q '"error": "try_again"' "$T/run/load.jsonl" ||
    fail "no draw was ever told to try again (node 2 down, leases short)"
for n in 1 2 3; do
	metric_of=$(curl -s "http://127.0.0.$n:${PORT[$n]}/metrics" |
	    grep '^scanloop_cluster_calls_total' | tr '\n' ' ')
	note "node $n: $metric_of"
done
poll 300 0.2 eval '[ "$(for n in 1 2 3; do curl -s "http://127.0.0.$n:${PORT[$n]}/metrics" | sed -n "s/^scanloop_kafka_lag_events //p"; done | sort -n | tail -1)" = 0 ]' ||
    fail "the outboxes did not drain"
for n in 1 2 3; do
	curl -s "http://127.0.0.$n:${PORT[$n]}/metrics" >"$T/run/metrics$n.txt"
done
for n in 1 2 3; do node_stop "$n" TERM; done

# 3. The checks, once the consumer has read what the brokers took.
consumed_settled() {
	local n
	n=$(grep -c '' "$T/run/consumed.tsv" || true)
	[ "$n" -gt 0 ] && [ "$n" -eq "${PREV_N:--1}" ] && return 0
	PREV_N=$n
	return 1
}
poll 60 1 consumed_settled || true
for n in 1 2 3; do
	for k in scans draws claims; do
		SCANLOOP_DB=$T/n$n ok export "$k" --format jsonl \
		    --out "$T/run/n$n-$k.jsonl"
	done
done
pg_sql "SELECT claim_id FROM scanloop_redemptions" >"$T/run/pg-redemptions.txt" ||
    fail "cannot read the redemptions"
run "$SCANLOOP" campaign reconcile "$ID" --pg "$PG_CONNINFO"
assert_rc 0 "campaign reconcile after the load"
python3 "$LOAD_PY" check --records "$T/run/load.jsonl" \
    --scans "$T/run/n1-scans.jsonl,$T/run/n2-scans.jsonl,$T/run/n3-scans.jsonl" \
    --draws "$T/run/n1-draws.jsonl,$T/run/n2-draws.jsonl,$T/run/n3-draws.jsonl" \
    --claims "$T/run/n1-claims.jsonl,$T/run/n2-claims.jsonl,$T/run/n3-claims.jsonl" \
    --stock "$STOCK" --consumed "$T/run/consumed.tsv" \
    --pg-redemptions "$T/run/pg-redemptions.txt" --min-elsewhere 1 \
    >"$T/run/check.out" 2>&1 ||
    fail "$(cat "$T/run/check.out")"
note "$(cat "$T/run/check.out")"
# The lease metrics: what each node awarded per tier is its draw log's.
python3 - "$T/run" >"$T/run/leases.out" <<'EOF' ||
import collections, json, re, sys
d = sys.argv[1]
figures = []
for n in (1, 2, 3):
    m = {}
    for l in open("%s/metrics%d.txt" % (d, n)):
        g = re.match(r'scanloop_lease_units\{campaign="cluster",tier="(\w+)",'
                     r'period="0",state="(\w+)"\} (\d+)$', l)
        if g:
            m[(g[1], g[2])] = int(g[3])
    log = collections.Counter(
        x["outcome"] for x in map(json.loads, open("%s/n%d-draws.jsonl" % (d, n)))
        if x.get("type") == "draw" and x["kind"] == "online")
    for (tier, state), v in m.items():
        if state == "awarded" and v != log[tier]:
            sys.exit("node %d tier %s: metrics say %d awarded, its log %d"
                     % (n, tier, v, log[tier]))
        if state == "leased" and v < m.get((tier, "awarded"), 0):
            sys.exit("node %d tier %s: leased %d < awarded" % (n, tier, v))
    if not m:
        sys.exit("node %d: no scanloop_lease_units" % n)
    figures.append("node %d %s" % (n, ", ".join(
        "%s %s/%s/%s" % (t, m.get((t, "leased")), m.get((t, "returned")),
                         m.get((t, "awarded")))
        for t in sorted({t for t, _ in m}))))
print("lease metrics per tier (leased/returned/awarded), each node's "
      "awards its draw log's: " + "; ".join(figures))
EOF
    fail "the lease metrics: $(cat "$T/run/leases.out")"
note "$(cat "$T/run/leases.out")"
note "ok"
