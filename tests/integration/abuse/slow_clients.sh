#!/usr/bin/env bash
# slow_clients.sh — hostile clients under few descriptors (issue 14): the
# server runs under `ulimit -n 256` (so --max-conns 192, 48 per client)
# with its defaults and an access log, while slowhttptest attacks from
# eight other loopback addresses for ATTACK_SECONDS (default 20): slowloris
# (-H, 800 connections, from 127.0.1.1-4) and slow read (-X, 800
# connections, tiny receive windows, from 127.0.1.5-8). Meanwhile a genuine
# client on 127.0.2.1 scans a code every 0.1 s on a new connection.
# Prints the genuine scans' latencies (the target is every scan within
# 1 s), the connections the attack held, and the server's resident memory,
# descriptors, access log and stderr before and after.
# Fails if a genuine scan is not answered 200, or waits 5 s or more (a
# bound about starvation, not speed: before the per-client shares one
# slow client stalled scans for up to 10 s), if the attack never held 100
# connections (it did not run), or if memory grows by 64 MiB (512 MiB
# under ASan), the access log by 32 MiB or stderr by 256 KiB.
# Skipped (77) without slowhttptest.
. "$(dirname "$0")/lib.sh"
command -v slowhttptest >/dev/null ||
    skip "slowhttptest is not installed (apt-get install slowhttptest)"
command -v prlimit >/dev/null || skip "prlimit (util-linux) is not installed"
SHIM="${SCANLOOP_BUILD:?}/tests/integration/abuse/bindsrc.so"
[ -f "$SHIM" ] || fail "$SHIM is not built"
ATTACK_SECONDS=${ATTACK_SECONDS:-20}
serve_setup
mint_active 200 "$T/job"
codes_file "$T/job" "$T/codes.urls"
sed 's|^[A-Za-z]*://[^/]*||' "$T/codes.urls" >"$T/codes.txt"
LOG="$T/access.log"
SERVE_WRAP="prlimit --nofile=256:256" serve_start --log "$LOG"
grep -q 'max 192 connections, 48 per client' "$SRV_OUT" ||
    fail "start-up line under ulimit -n 256: $(cat "$SRV_OUT")"
PID=$SRV_SIG_PID
rss0=$(rss_kb "$PID")
fds0=$(fds_of "$PID")
log0=$(stat -c %s "$LOG")
err0=$(stat -c %s "$SRV_ERR")

attack() {
	local src=$1 out=$2
	shift 2
	BINDSRC=$src LD_PRELOAD=$SHIM slowhttptest "$@" -l "$ATTACK_SECONDS" \
	    -p 3 -u "$SRV_URL/01/$GTIN14" >"$out" 2>&1 &
	on_cleanup "kill $! 2>/dev/null"
}
attack 127.0.1.1,127.0.1.2,127.0.1.3,127.0.1.4 "$T/run/slowloris.out" \
    -H -c 800 -r 200 -i 5 -x 24
SLOWLORIS=$!
attack 127.0.1.5,127.0.1.6,127.0.1.7,127.0.1.8 "$T/run/slowread.out" \
    -X -c 800 -r 200 -w 1 -y 16 -n 3 -z 1 -k 3
SLOWREAD=$!

# Sample the server while the attack builds up and the client scans.
(
	most=0 rss=0
	while kill -0 "$SLOWLORIS" 2>/dev/null || kill -0 "$SLOWREAD" 2>/dev/null; do
		n=$(fds_of "$PID" 2>/dev/null || echo 0)
		r=$(rss_kb "$PID" 2>/dev/null || echo 0)
		[ "$n" -gt "$most" ] && most=$n
		[ "$r" -gt "$rss" ] && rss=$r
		echo "$most $rss" >"$T/run/peak"
		sleep 0.5
	done
) &
SAMPLER=$!
on_cleanup "kill $SAMPLER 2>/dev/null"
sleep 3
python3 "$ABUSE_DIR/genuine.py" --port "$SRV_PORT" --source "$GENUINE_SRC" \
    --codes "$T/codes.txt" --seconds $((ATTACK_SECONDS - 5)) --every 0.1 \
    --timeout 10 >"$T/run/genuine.json" || fail "the genuine client failed"
serve_alive
wait "$SLOWLORIS" "$SLOWREAD" || true
wait "$SAMPLER" || true
read -r fds_peak rss_peak <"$T/run/peak"
rss1=$(rss_kb "$PID")
log1=$(stat -c %s "$LOG")
err1=$(stat -c %s "$SRV_ERR")
for f in slowloris slowread; do
	grep -q 'Exit status' "$T/run/$f.out" ||
	    fail "slowhttptest ($f) did not run: $(tail -5 "$T/run/$f.out")"
done
note "genuine client from $GENUINE_SRC: $(cat "$T/run/genuine.json")"
note "server: descriptors $fds0 at start, at most $fds_peak during the attack;" \
    "RSS $((rss0 / 1024)) MiB at start, at most $((rss_peak / 1024)) MiB," \
    "$((rss1 / 1024)) MiB after"
note "access log +$(((log1 - log0) / 1024)) KiB, stderr +$((err1 - err0)) bytes" \
    "in ${ATTACK_SECONDS} s of attack"
# slowhttptest's last status line, without its colours.
status_of() {
	grep -a 'Exit status' "$1" | tail -1 | sed 's/\x1b\[[0-9;]*m//g' | tr -s ' '
}
note "slowloris: $(status_of "$T/run/slowloris.out")"
note "slow read: $(status_of "$T/run/slowread.out")"
python3 - "$T/run/genuine.json" <<'PY' || fail "genuine scans starved (see above)"
import json, sys
g = json.load(open(sys.argv[1]))
if g["scans"] < 20:
    sys.exit("only %d genuine scans" % g["scans"])
if g["ok"] != g["scans"]:
    sys.exit("%d of %d genuine scans not answered 200: %r"
             % (g["scans"] - g["ok"], g["scans"], g["failed"]))
if g["latency_ms"]["max"] >= 5000:
    sys.exit("a genuine scan waited %.1f s" % (g["latency_ms"]["max"] / 1000))
PY
[ "$fds_peak" -ge $((fds0 + 100)) ] ||
    fail "the attack never held 100 connections (at most $fds_peak descriptors)"
# (ASan keeps freed memory in quarantine, up to 256 MiB.)
rss_bound=65536
[ -z "${SCANLOOP_SANITIZED:-}" ] || rss_bound=$((512 * 1024))
[ $((rss_peak - rss0)) -lt "$rss_bound" ] ||
    fail "RSS grew from $rss0 to $rss_peak KiB"
[ $((log1 - log0)) -lt $((32 << 20)) ] ||
    fail "the access log grew by $((log1 - log0)) bytes"
[ $((err1 - err0)) -lt 262144 ] ||
    fail "stderr grew by $((err1 - err0)) bytes"
# Once the attack is over, the server lets its connections go.
conns_settle 200 "the attack ended"
get "$(path_of "$(head -1 "$T/codes.urls")")"
expect_code 200 "a scan after the attack"
serve_stop
note "ok"
