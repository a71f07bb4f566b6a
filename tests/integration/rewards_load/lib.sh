# lib.sh — helpers shared by the rewards load tests (issue 5; sourced,
# not run).
#
# Builds on ../serve/lib.sh (serve_setup, serve_start, serve_stop,
# serve_signal...), which builds on ../lib.sh (setup, fail, ok, mint...).
# Adds: campaign files with a window around now (rl_campaign), the
# campaign and the load of concurrency.sh and crash.sh (rl_load_campaign,
# rl_load_start), the campaign's logs and counters as files (rl_export), the audit after the
# reveal (rl_audit), store tokens (rl_store_add), stopping one of several
# servers (node_stop), and drawload.py (the concurrent clients and the
# checks) as $DRAWLOAD.

. "$(dirname "${BASH_SOURCE[0]}")/../serve/lib.sh"

RL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DRAWLOAD=$RL_DIR/drawload.py
# libfaketime must come before the sanitizer runtime under faketime.
if [ -n "${ASAN_OPTIONS:-}" ]; then
	export ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"
fi
# Under faketime only the wall clock moves (the server's deadlines use
# the monotonic one).
export FAKETIME_DONT_FAKE_MONOTONIC=1

# rl_setup: serve_setup, plus the tools these tests need.
rl_setup() {
	serve_setup
	command -v mdb_stat >/dev/null || fail "lmdb-utils is not installed"
}

# rl_campaign FILE ID BATCH TIERS [LIMITS]: writes a campaign file: id ID,
# UTC, running from an hour ago for three days, scope batch BATCH, the
# tiers TIERS (a JSON array), claims within 10 days at any store, and the
# risk limits LIMITS (a JSON object, default none).
rl_campaign() {
	python3 - "$@" <<'EOF' || fail "rl_campaign $2: bad tiers or limits"
import json, sys, time

path, cid, batch, tiers = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
limits = sys.argv[5] if len(sys.argv) > 5 else "{}"

def iso(sec):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + sec))

c = {"id": cid, "name": "Load test " + cid, "start": iso(-3600),
     "end": iso(3 * 86400), "time_zone": "UTC", "scope": {"batches": [batch]},
     "draw_on": "outer", "tiers": json.loads(tiers),
     "claim": {"window_days": 10, "stores": "all"}}
if json.loads(limits):
    c["limits"] = json.loads(limits)
json.dump(c, open(path, "w"), indent=1)
EOF
}

# rl_load_campaign ID COUNT [TIER]: COUNT active codes in $T/job (sets
# BATCH) and campaign ID over them with the tiers of the draw load — A
# (physical, total 10, daily cap 3, odds 20%), B (coupon, total 5, odds
# 10%), P (points, odds 30%) — and TIER (a JSON object) after them.
rl_load_campaign() {
	mint_active "$2" "$T/job"
	rl_campaign "$T/camp.json" "$1" "$BATCH" '[
 {"id": "A", "name": "Tier A", "kind": "physical", "total": 10,
  "daily_cap": 3, "odds": 200000},
 {"id": "B", "name": "Tier B", "kind": "coupon", "total": 5, "odds": 100000,
  "coupon": {"face_value": "5.00", "condition": "Any purchase.",
   "valid_days": 10}},
 {"id": "P", "name": "Points", "kind": "points", "total": 1000000,
  "odds": 300000, "points": 10}'"${3:+,$3}]"
	ok campaign load "$T/camp.json"
}

# rl_load_start: drawload.py's load (8 clients, the codes of $T/job) in
# the background against the server on $SRV_PORT (load_start): records
# in $T/run/load.jsonl, points balances in $T/run/points.jsonl.
rl_load_start() {
	load_start python3 "$DRAWLOAD" load --port "$SRV_PORT" --clients 8 \
	    --codes "$T/job/codes.csv" --out "$T/run/load.jsonl" \
	    --points-out "$T/run/points.jsonl" --deadline 240
}

# rl_export ID PREFIX: the campaign's draw and claim logs (JSONL) and
# `campaign show` into PREFIX-draws.jsonl, PREFIX-claims.jsonl and
# PREFIX-show.txt.
rl_export() {
	ok export draws --campaign "$1" --format jsonl --out "$2-draws.jsonl"
	ok export claims --campaign "$1" --format jsonl --out "$2-claims.jsonl"
	ok campaign show "$1"
	printf '%s\n' "$OUT" >"$2-show.txt"
}

# rl_audit ID LOG [CLOCK]: ends the campaign, reveals its seed and audits
# it three ways: from the store, from the exported LOG, and with the
# independent docs/audit_draws.py; then a copy of LOG with one outcome
# changed must fail the audit. CLOCK (a libfaketime offset such as
# "+1d") runs the CLI at that time. Sets SEED.
rl_audit() {
	local id=$1 log=$2 clock=${3:-} pre=()
	[ -z "$clock" ] || pre=(faketime -f "$clock")
	run "${pre[@]}" "$SCANLOOP" campaign end "$id"
	assert_rc 0 "campaign end $id"
	run "${pre[@]}" "$SCANLOOP" campaign reveal "$id"
	assert_rc 0 "campaign reveal $id"
	SEED=$(sed -n 's/^seed: \([0-9a-f]\{64\}\)$/\1/p' <<<"$OUT")
	[ -n "$SEED" ] || fail "campaign reveal $id printed no seed: $OUT"
	ok campaign audit "$id" --seed "$SEED"
	ok campaign audit "$id" --seed "$SEED" --log "$log"
	run python3 "$SCANLOOP_SRC/docs/audit_draws.py" --seed "$SEED" \
	    --campaign "$id" "$log"
	assert_rc 0 "docs/audit_draws.py on the log of $id"
	# A log with one miss turned into a win (or one win into a miss)
	# must fail: the audit can tell.
	python3 - "$log" "$T/run/tampered-$id.jsonl" <<'EOF' || fail "cannot tamper with $log"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
tiers = next(r for r in rows if r["type"] == "campaign")["config"]["tiers"]
for r in rows:
    if r["type"] == "draw" and r["kind"] == "online":
        r["outcome"] = tiers[0]["id"] if r["outcome"] == "miss" else "miss"
        break
else:
    sys.exit(1)
open(sys.argv[2], "w").write("".join(json.dumps(r) + "\n" for r in rows))
EOF
	run "$SCANLOOP" campaign audit "$id" --seed "$SEED" --log \
	    "$T/run/tampered-$id.jsonl"
	assert_rc 1 "campaign audit of a tampered log of $id"
	note "audit of $id: passed (store, log, audit_draws.py); tampered log refused"
}

# rl_store_add ID: registers store ID; sets STORE_TOKEN to its API token.
rl_store_add() {
	ok store add --id "$1" --name "Store $1"
	STORE_TOKEN=$(sed -n 's/^api_token: \([A-Z2-7]\{32\}\)$/\1/p' <<<"$OUT")
	[ -n "$STORE_TOKEN" ] || fail "store add $1 printed no token: $OUT"
}

# node_stop N SIG: stops node N of a test that runs several servers (its
# pid in ${PID[N]}, its stderr in ${ERRF[N]}, associative arrays the test
# keeps) with SIG; sets SRV_RC. TERM: it must exit 0.
node_stop() {
	SRV_PID=${PID[$1]} SRV_SIG_PID=${PID[$1]}
	kill -"$2" "${PID[$1]}"
	serve_reap 30 2>/dev/null
	[ -n "$SRV_RC" ] || fail "node $1 did not exit"
	check_sanitizer "${ERRF[$1]}"
	if [ "$2" = TERM ]; then
		[ "$SRV_RC" -eq 0 ] ||
		    fail "node $1 exited $SRV_RC: $(tail -5 "${ERRF[$1]}")"
	fi
}
