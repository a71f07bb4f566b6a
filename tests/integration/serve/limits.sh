#!/usr/bin/env bash
# limits.sh — the server's bounds: the per-client rate limit (429, counted
# in /metrics, /healthz exempt, refilled after a while); oversize and
# garbage requests (414, 431, 413, 501, 400, 505, NUL bytes, a pipelined
# flood), after each of which a good request is answered; the connection
# cap (40 idle connections against --max-conns 20); the head, body and
# keep-alive deadlines. (Slowloris: slowloris.sh.)
. "$(dirname "$0")/lib.sh"
serve_setup
serve_fixture

# 1. Rate limit: 5/s, burst 5.
serve_start --rate 5/s --burst 5 --threads 2
python3 - "$SRV_PORT" "$(path_of "$GENUINE")" >"$T/run/burst" <<'EOF' || fail "burst: $(cat "$T/run/burst")"
import sys, httpc
port, path = int(sys.argv[1]), sys.argv[2]
s = httpc.connect("127.0.0.1", port)
r = httpc.Reader(s)
codes = []
for i in range(30):
    p = path if i % 2 == 0 else "/api/v1/codes/" + path.split("/21/")[1][:13]
    s.sendall(httpc.build("GET", p, {"User-Agent": "curl/8"}))
    a = r.response()
    codes.append(a.status)
    if a.status == 429:
        assert a.header("retry-after") == "1", a.headers
        if p.startswith("/api/"):
            assert a.json()["error"] == "rate_limited", a.body
    # /healthz and /metrics are exempt.
    s.sendall(httpc.build("GET", "/healthz"))
    assert r.response().status == 200
print(" ".join(map(str, codes)))
print(sum(1 for i, c in enumerate(codes) if i % 2 == 0 and c == 200))
assert codes[:5] == [200] * 5, codes
assert 429 in codes, codes
assert set(codes) <= {200, 429}, codes
EOF
CODES=$(sed -n 1p "$T/run/burst")
SCANS200=$(sed -n 2p "$T/run/burst")
note "burst of 30: $CODES"
limited=$(metric scanloop_rate_limited_total)
[ "$limited" -gt 0 ] || fail "scanloop_rate_limited_total is $limited"
assert_eq "$(metric 'scanloop_http_responses_total{status="429"}')" "$limited" \
    "429 answers in /metrics"
sleep 1.5
get "$(path_of "$GENUINE")"
expect_code 200 "a scan 1.5 s after the burst"
# Only the scans that were answered 200 were recorded (and this one).
serve_stop
ok scans show --serial "$(serial_of "$GENUINE")"
assert_contains "$OUT" "all scans: $((SCANS200 + 1))" "scans recorded"

note "part 2 at ${SECONDS}s"
# 2. Oversize and garbage requests; the next good request is answered.
serve_start --rate 0 --threads 2
python3 - "$SRV_PORT" "$(path_of "$GENUINE")" <<'EOF' || fail "bad requests (see above)"
import random, sys, time, httpc
port, path = int(sys.argv[1]), sys.argv[2]
H = "127.0.0.1"
rnd = random.Random(4)

def good(after):
    r = httpc.request(H, port, "GET", "/healthz")
    if r.status != 200:
        sys.exit("no good answer after %s: %d" % (after, r.status))

def case(name, data, want, shut=False):
    t0 = time.monotonic()
    raw = httpc.exchange(H, port, data, timeout=10, shut=shut)
    if time.monotonic() - t0 > 1:
        print("%s: took %.1f s" % (name, time.monotonic() - t0))
    got = httpc.status_of(raw)
    if callable(want):
        ok = want(got, raw)
    else:
        ok = got == want
    if not ok:
        sys.exit("%s: answered %r, want %r: %r" % (name, got, want, raw[:200]))
    good(name)

case("request line of 3 KiB",
     b"GET /" + b"a" * 3000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414)
case("request line of 5 KiB without an end", b"GET /" + b"a" * 5000, 414)
case("code URL of 3 KiB", ("GET %s&x=%s HTTP/1.1\r\nHost: x\r\n\r\n"
     % (path, "a" * 3000)).encode(), 414)
case("head of 9 KiB", b"GET / HTTP/1.1\r\nHost: x\r\n" +
     b"".join(b"X-Pad-%d: %s\r\n" % (i, b"b" * 900) for i in range(10)) +
     b"\r\n", 431)
case("head of 9 KiB without an end", b"GET / HTTP/1.1\r\nHost: x\r\n" +
     b"X-Pad: " + b"c" * 9000, 431)
case("100 header lines", b"GET / HTTP/1.1\r\nHost: x\r\n" +
     b"".join(b"X-H%d: v\r\n" % i for i in range(100)) + b"\r\n", 431)
body = b'{"code":"' + b"A" * 20000 + b'"}'
case("body of 20 KB", b"POST /api/v1/scans HTTP/1.1\r\nHost: x\r\n"
     b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" %
     len(body) + body, 413)
case("Content-Length of 1 GB", b"POST /api/v1/scans HTTP/1.1\r\nHost: x\r\n"
     b"Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n",
     413)
case("Transfer-Encoding", b"POST /api/v1/scans HTTP/1.1\r\nHost: x\r\n"
     b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"5\r\n{\"a\":\r\n0\r\n\r\n", 501)
case("POST without Content-Length", b"POST /api/v1/scans HTTP/1.1\r\n"
     b"Host: x\r\n\r\n", 411)
case("two Content-Lengths", b"POST /api/v1/scans HTTP/1.1\r\nHost: x\r\n"
     b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400)
case("Content-Length not a number", b"POST /api/v1/scans HTTP/1.1\r\n"
     b"Host: x\r\nContent-Length: 1x\r\n\r\n", 400)
case("no Host", b"GET /healthz HTTP/1.1\r\n\r\n", 400)
case("two Hosts", b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400)
case("HTTP/1.0 without Host", b"GET /healthz HTTP/1.0\r\n\r\n", 200)
case("HTTP/2.0", b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505)
case("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
     lambda st, raw: st in (400, 505))
case("HTTP/3.0", b"GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505)
case("bare LF", b"GET /healthz HTTP/1.1\nHost: x\n\n", 400)
case("obs-fold", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  2\r\n\r\n",
     400)
case("NUL in the target", b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n", 400)
case("NUL in a header", b"GET /healthz HTTP/1.1\r\nHost: x\x00y\r\n\r\n", 400)
case("NUL bytes, then the end of a head", b"\x00" * 5000 + b"\r\n\r\n",
     lambda st, raw: st in (400, 414))
case("9 KB of NUL bytes", b"\x00" * 9000, lambda st, raw: st in (400, 414, 431))
case("unknown method", b"BREW /healthz HTTP/1.1\r\nHost: x\r\n"
     b"Connection: close\r\n\r\n", 405)
case("asterisk form", b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 400)
case("absolute form", ("GET http://s.example.com%s HTTP/1.1\r\nHost: x\r\n"
     "User-Agent: curl/8\r\nConnection: close\r\n\r\n" % path).encode(), 200)
case("half a head, then EOF", b"GET /healthz HT", None, shut=True)
for i in range(20):
    junk = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 3000)))
    case("garbage %d" % i, junk + b"\r\n\r\n",
         lambda st, raw: st is None or 400 <= st < 600)
# A pipelined flood: 500 requests in one write, all answered in order.
n = 500
flood = httpc.build("GET", "/healthz") * (n - 1) + \
    httpc.build("GET", "/healthz", {"Connection": "close"})
raw = httpc.exchange(H, port, flood, timeout=30)
got = raw.count(b"HTTP/1.1 200 OK\r\n")
if got != n:
    sys.exit("pipelined flood: %d answers of %d" % (got, n))
good("pipelined flood")
# Pipelined scans: each waits for its commit, answered in order.
n = 50
flood = b"".join(httpc.build("GET", path, {"User-Agent": "curl/8"})
                 for _ in range(n - 1)) + \
    httpc.build("GET", path, {"User-Agent": "curl/8", "Connection": "close"})
raw = httpc.exchange(H, port, flood, timeout=30)
got = raw.count(b"HTTP/1.1 200 OK\r\n")
if got != n:
    sys.exit("pipelined scans: %d answers of %d" % (got, n))
good("pipelined scans")
EOF
serve_alive
get "$(path_of "$GENUINE")"
expect_code 200 "a scan after the bad requests"
serve_stop

note "part 3 at ${SECONDS}s"
# 3. The connection cap: 40 idle connections against --max-conns 20.
THREADS=2
# (One client, so without the per-client cap, a quarter of these 20.)
serve_start --rate 0 --max-conns 20 --max-conns-per-ip 0 --threads $THREADS \
    --idle-timeout 60 --header-timeout 60
python3 - "$SRV_PORT" "$THREADS" <<'EOF' || fail "connection cap (see above)"
import re, select, sys, time, httpc
port, threads = int(sys.argv[1]), int(sys.argv[2])
cap = 20
conns = [httpc.connect("127.0.0.1", port) for _ in range(40)]
for s in conns:
    s.sendall(httpc.build("GET", "/metrics"))
readers = {s: httpc.Reader(s) for s in conns}

def collect(socks, want, wait):
    """The sockets that answer: waits up to wait seconds for want of them,
    then 0.5 s more for any over the cap; also returns the open
    connection counts they report."""
    answered, counts = [], []
    end = time.monotonic() + wait
    while True:
        now = time.monotonic()
        if len(answered) >= want:
            end = min(end, now + 0.5)
        pending = [s for s in socks if s not in answered]
        if now >= end or not pending:
            break
        ready, _, _ = select.select(pending, [], [], end - now)
        for s in ready:
            r = readers[s].response()
            m = re.search(rb"^scanloop_open_connections (\d+)$", r.body, re.M)
            counts.append(int(m.group(1)))
            answered.append(s)
    return answered, counts

first, counts = collect(conns, cap, 10)
print("accepted at first: %d; open connections seen: %s" % (len(first), counts))
if not cap <= len(first) <= cap + threads:
    sys.exit("%d of 40 connections answered, cap %d" % (len(first), cap))
if max(counts) > cap + threads:
    sys.exit("open connections %d over the cap %d" % (max(counts), cap))
# Closing 10 lets the waiting ones in, up to the cap.
for s in first[:10]:
    s.close()
waiting = [s for s in conns if s not in first]
second, counts = collect(waiting, cap - (len(first) - 10), 10)
print("accepted after 10 closed: %d; open: %s" % (len(second), counts))
if not cap <= len(first) - 10 + len(second) <= cap + threads:
    sys.exit("%d waiting connections answered after 10 closed" % len(second))
if max(counts) > cap + threads:
    sys.exit("open connections %d over the cap %d" % (max(counts), cap))
for s in conns:
    s.close()
EOF
# Once they are closed the server answers at once and holds ~no connection.
conns_settle 50 "the clients closed"
get "$(path_of "$GENUINE")"
expect_code 200 "a scan after the idle connections closed"
serve_stop

note "part 4 at ${SECONDS}s"
# 4. Deadlines: --header-timeout 2 (head and body), --idle-timeout 2.
serve_start --rate 0 --threads 2 --header-timeout 2 --idle-timeout 2
python3 - "$SRV_PORT" <<'EOF' || fail "deadlines (see above)"
import sys, threading, time, httpc
port = int(sys.argv[1])
errors = []

def timed(data, what, want):
    """Sends data and reads until the server closes; checks the answer and
    that the close came after the 2 s deadline (loose bounds)."""
    s = httpc.connect("127.0.0.1", port, 20)
    t0 = time.monotonic()
    if data:
        s.sendall(data)
    got = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        got += b
    dt = time.monotonic() - t0
    s.close()
    st = httpc.status_of(got)
    print("%s: %s after %.2f s" % (what, st, dt))
    if st != want:
        errors.append("%s: answered %r, want %r" % (what, got[:100], want))
    if not 1.5 <= dt <= 6:
        errors.append("%s: closed after %.2f s, the timeout is 2 s" % (what, dt))

def keepalive():
    """Open after an answer, closed once idle for 2 s."""
    s = httpc.connect("127.0.0.1", port, 20)
    r = httpc.Reader(s)
    s.sendall(httpc.build("GET", "/healthz"))
    assert r.response().status == 200
    time.sleep(0.5)
    t0 = time.monotonic()
    s.sendall(httpc.build("GET", "/healthz"))
    assert r.response().status == 200, "keep-alive connection closed early"
    b = s.recv(4096)
    dt = time.monotonic() - t0
    print("idle keep-alive closed after %.2f s" % dt)
    if b != b"" or not 1.5 <= dt <= 6:
        errors.append("idle keep-alive: %r after %.2f s" % (b[:100], dt))

jobs = [
    (timed, (b"GET /healthz HTTP/1.1\r\nHost: x\r\n", "half a head", 408)),
    (timed, (b"POST /api/v1/scans HTTP/1.1\r\nHost: x\r\nContent-Type: "
             b"application/json\r\nContent-Length: 100\r\n\r\n{\"code\":",
             "half a body", 408)),
    (timed, (b"", "a connection that sends nothing", None)),
    (keepalive, ()),
]
threads = [threading.Thread(target=f, args=a) for f, a in jobs]
for t in threads:
    t.start()
for t in threads:
    t.join()
if errors or threading.active_count() > 1:
    sys.exit("\n".join(errors))
EOF
serve_alive
serve_stop

note "ok"
