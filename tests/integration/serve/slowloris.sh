#!/usr/bin/env bash
# slowloris.sh — 200 slow-header connections (slowhttptest) against
# --max-conns 100 --max-conns-per-ip 0 --header-timeout 3 for at most
# 15 s: during the attack a good request is answered within 5 s each
# second and the server stays up; afterwards it scans and holds no
# connection. Skipped (77) without slowhttptest.
. "$(dirname "$0")/lib.sh"
command -v slowhttptest >/dev/null ||
    skip "slowhttptest is not installed (apt-get install slowhttptest)"
serve_setup
serve_fixture
# The attack and the probes share 127.0.0.1: no per-client cap, so that
# the attack meets the global one (tests/integration/abuse/ for the cap).
serve_start --rate 0 --threads 2 --max-conns 100 --max-conns-per-ip 0 \
    --header-timeout 3
slowhttptest -H -c 200 -r 200 -i 1 -x 24 -l 15 -p 5 \
    -u "$SRV_URL/01/$GTIN14" >"$T/run/slow.out" 2>&1 &
SLOW=$!
on_cleanup "kill $SLOW 2>/dev/null"
sleep 0.5
probes=0
most=0
while kill -0 "$SLOW" 2>/dev/null && [ "$probes" -lt 20 ]; do
	probes=$((probes + 1))
	code=$(curl -s -o "$T/run/probe" -w '%{http_code}' --max-time 5 "$SRV_URL/metrics" || true)
	[ "$code" = 200 ] || fail "probe $probes during slowloris: '$code' (no answer within 5 s)"
	n=$(awk '$1 == "scanloop_open_connections" { print $2 }' "$T/run/probe")
	[ "$n" -gt "$most" ] && most=$n
	serve_alive
	sleep 1
done
# The attack held connections, and no more than the cap (+1 per loop).
[ "$most" -ge 50 ] || fail "slowloris never held more than $most connections"
[ "$most" -le 102 ] || fail "$most connections open, cap 100"
wait "$SLOW" || true
grep -q 'SLOW HEADERS' "$T/run/slow.out" || fail "slowhttptest did not run: $(cat "$T/run/slow.out")"
note "slowloris: $probes probes answered, at most $most connections; $(grep -a 'Exit status' "$T/run/slow.out" | tail -1)"
get "$(path_of "$GENUINE")"
expect_code 200 "a scan after slowloris"
conns_settle 100 slowloris
serve_stop
note "ok"
