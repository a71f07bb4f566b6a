#!/usr/bin/env bash
# conn_share.sh — how the connection slots are shared out (issue 14):
# --max-conns-per-ip is lowered to a quarter of --max-conns (said on
# stderr and in the start-up line), and the last quarter of the slots
# admits only clients holding fewer than 8 connections. With --max-conns
# 40: three clients holding all they may (10 each) and a fourth (8 in the
# reserve) still leave room for a genuine scan from another address, and
# a client already holding 10 is refused there. Under `ulimit -n 256` the
# server lowers --max-conns to 192 and the per-client cap to 48 and says
# so; --max-conns-per-ip 0 (behind a proxy) turns both off.
. "$(dirname "$0")/lib.sh"
serve_setup
serve_fixture

serve_start --rate 0 --threads 1 --max-conns 40 --max-conns-per-ip 100 \
    --idle-timeout 60 --header-timeout 60
grep -q -- '--max-conns-per-ip lowered from 100 to 10' "$SRV_ERR" ||
    fail "no warning about the lowered per-client cap: $(cat "$SRV_ERR")"
grep -q 'max 40 connections, 10 per client' "$SRV_OUT" ||
    fail "start-up line: $(cat "$SRV_OUT")"
python3 - "$SRV_PORT" "$(path_of "$GENUINE")" "$GENUINE_SRC" <<'PY' || fail "connection shares (see above)"
import socket, sys, httpc
port, code_path, genuine = int(sys.argv[1]), sys.argv[2], sys.argv[3]
held = {}

def one(src, path="/healthz"):
    """A connection from src with one request on it: the socket if it was
    answered 200 (kept open), None if refused (429, or reset after it)."""
    s = httpc.connect("127.0.0.1", port, 10, src)
    try:
        s.sendall(httpc.build("GET", path))
        r = httpc.Reader(s).response()
    except (ConnectionResetError, httpc.Closed):
        s.close()
        return None
    if r.status == 429:
        s.close()
        return None
    if r.status != 200:
        sys.exit("%s: answer %d" % (src, r.status))
    return s

def hold(src, n):
    """Opens n connections from src; returns (admitted, refused)."""
    got = [one(src) for _ in range(n)]
    kept = [s for s in got if s is not None]
    held.setdefault(src, []).extend(kept)
    return len(kept), n - len(kept)

want = {"127.0.1.1": (10, 10), "127.0.1.2": (10, 10),
        "127.0.1.3": (10, 10), "127.0.1.4": (8, 12)}
for src, w in want.items():
    got = hold(src, 20)
    print("%s: %d admitted, %d refused" % (src, got[0], got[1]))
    if got != w:
        sys.exit("%s: %r, want %r" % (src, got, w))
# 38 of 40 slots are held; a genuine scan from another address gets in.
s = one(genuine, code_path)
if s is None:
    sys.exit("the genuine scan was refused")
print("genuine scan from %s answered 200 with 38 slots held" % genuine)
# A client holding its share is refused in the reserve.
if one("127.0.1.1") is not None:
    sys.exit("127.0.1.1 got an 11th connection")
s.close()
for socks in held.values():
    for x in socks:
        x.close()
PY
conns_settle 50 "the clients closed"
serve_stop

# Few descriptors: both caps lowered, and said so.
SERVE_WRAP="prlimit --nofile=256:256" serve_start --rate 0
grep -q -- '--max-conns lowered from 4096 to 192' "$SRV_ERR" ||
    fail "no warning about the lowered --max-conns: $(cat "$SRV_ERR")"
grep -q -- '--max-conns-per-ip lowered from 256 to 48' "$SRV_ERR" ||
    fail "no warning about the lowered per-client cap: $(cat "$SRV_ERR")"
grep -q 'max 192 connections, 48 per client' "$SRV_OUT" ||
    fail "start-up line under ulimit -n 256: $(cat "$SRV_OUT")"
note "under ulimit -n 256: $(head -1 "$SRV_OUT")"
serve_stop
SERVE_WRAP="prlimit --nofile=256:256" serve_start --rate 0 --max-conns-per-ip 0
grep -q 'max 192 connections, no cap per client' "$SRV_OUT" ||
    fail "start-up line with --max-conns-per-ip 0: $(cat "$SRV_OUT")"
grep -q -- '--max-conns-per-ip lowered' "$SRV_ERR" &&
    fail "--max-conns-per-ip 0 was lowered: $(cat "$SRV_ERR")"
serve_stop
note "ok"
