"""httpc.py — a small HTTP/1.1 client for the scan server tests.

Raw sockets (so that tests can send anything and see exactly what comes
back) and a bounded concurrent load generator. Standard library only.

As a program:
  python3 httpc.py load --port P --clients N --seconds S --max M
                        --mode api|page|mixed --codes FILE --out FILE
                        [--host H] [--stop-on STATUS] [--stop-file F]
runs N clients, each sending at most M scans for at most S seconds (one
keep-alive connection each, reconnecting after an error; with --stop-on
STATUS all stop after the first answer with that status, with --stop-file
F once F exists), and writes one JSON line per request: {"client", "n",
"status", "event", "error", "t0", "t1"}. error is null for a complete
answer, "closed" when the connection closed before any byte of the
answer, "truncated" when it closed in the middle of one, "refused",
"reset" or "timeout". event is the event id of a 2xx answer (the API's
event_id, or the page's data-event). Mode mixed: even clients use the
API, odd ones the page.
  python3 httpc.py seq --port P --codes FILE --out FILE [--first I]
                       [--max M]
sends API scans one at a time, each on a new connection, codes I, I+1...
(default 10), until one is not answered 200 (at most M, default 40);
writes {"status", "event", "error"} per request and prints how many were
answered 200. Exits 1 if the last one was answered below 500 (a failure
injected at a commit must not be answered as a success or a refusal).
  python3 httpc.py check --records FILE --events FILE [--status LIST]
                         [--errors LIST]
checks those records against `scanloop scans tail` output: every 2xx
names an event in the store, and only the listed statuses and client
errors occurred.
"""
import argparse
import json
import os
import re
import socket
import sys
import threading
import time

HUMAN_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
            "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148")


class Truncated(Exception):
    """The connection closed in the middle of an answer."""


class Closed(Exception):
    """The connection closed before any byte of an answer."""


class Response:
    """A parsed answer."""

    def __init__(self, status, reason, headers, body, raw_head):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.raw_head = raw_head

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def json(self):
        return json.loads(self.body)


def connect(host, port, timeout=10.0, source=None):
    """Opens a connection (from the address source, if given)."""
    s = socket.create_connection((host, port), timeout=timeout,
                                 source_address=(source, 0) if source else None)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Reader:
    """Reads answers from one socket, keeping what follows an answer."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _more(self):
        b = self.sock.recv(65536)
        if not b:
            return False
        self.buf += b
        return True

    def response(self, head_request=False):
        """Reads one answer; raises Closed, Truncated or socket.timeout."""
        while b"\r\n\r\n" not in self.buf:
            try:
                more = self._more()
            except ConnectionResetError:
                if self.buf:
                    raise Truncated(self.buf[:200])
                raise
            if not more:
                if self.buf:
                    raise Truncated(self.buf[:200])
                raise Closed()
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        m = re.match(rb"^HTTP/1\.[01] (\d{3}) ?(.*)$", lines[0])
        if not m:
            raise Truncated(b"bad status line: " + lines[0][:100])
        status = int(m.group(1))
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            headers[k.strip().lower().decode("latin-1")] = \
                v.strip().decode("latin-1")
        n = int(headers.get("content-length", "0"))
        if head_request or status in (100, 204, 304):
            n = 0
        while len(rest) < n:
            try:
                b = self.sock.recv(65536)
            except ConnectionResetError:
                raise Truncated(b"reset in the body")
            if not b:
                raise Truncated(b"closed in the body")
            rest += b
        self.buf = rest[n:]
        if status == 100:
            return self.response(head_request)
        return Response(status, m.group(2).decode("latin-1"), headers,
                        rest[:n], head)


def build(method, path, headers=None, body=None, host="x"):
    """Formats a request."""
    h = {"Host": host, "User-Agent": HUMAN_UA}
    if body is not None:
        h["Content-Type"] = "application/json"
        h["Content-Length"] = str(len(body))
    h.update(headers or {})
    out = "%s %s HTTP/1.1\r\n" % (method, path)
    for k, v in h.items():
        if v is not None:
            out += "%s: %s\r\n" % (k, v)
    out += "\r\n"
    data = out.encode("latin-1")
    if body is not None:
        data += body if isinstance(body, bytes) else body.encode()
    return data


def request(host, port, method, path, headers=None, body=None, timeout=10.0):
    """One request on a new connection (closed after it)."""
    h = {"Connection": "close"}
    h.update(headers or {})
    s = connect(host, port, timeout)
    try:
        s.sendall(build(method, path, h, body))
        return Reader(s).response(method == "HEAD")
    finally:
        s.close()


def exchange(host, port, data, timeout=10.0, shut=False):
    """Sends raw bytes, reads until the server closes (or timeout), returns
    everything that came back."""
    s = connect(host, port, timeout)
    out = b""
    end = time.monotonic() + timeout
    try:
        try:
            s.sendall(data)
            if shut:
                s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass
        while time.monotonic() < end:
            s.settimeout(max(0.01, end - time.monotonic()))
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not b:
                break
            out += b
    finally:
        s.close()
    return out


def status_of(raw):
    """The status of the first answer in raw bytes, or None."""
    m = re.match(rb"^HTTP/1\.1 (\d{3}) ", raw)
    return int(m.group(1)) if m else None


def event_of(resp, mode):
    """The event id in a 2xx answer of a scan."""
    if mode == "api":
        return resp.json()["event_id"]
    m = re.search(rb'data-event="(\d+)"', resp.body)
    return int(m.group(1)) if m else None


def load(host, port, clients, seconds, max_requests, mode, codes, out,
         stop_on=None, stop_file=None):
    """Runs the load (see the module comment); returns the records. With
    stop_on, every client stops once any answer has that status; with
    stop_file, once that file exists."""
    stop = threading.Event()
    records = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(ci):
        sock = reader = None
        n = 0
        while n < max_requests and time.monotonic() < deadline and \
                not stop.is_set():
            if stop_file and os.path.exists(stop_file):
                break
            code = codes[(ci + n * clients) % len(codes)]
            cmode = mode if mode != "mixed" else ("api", "page")[ci % 2]
            if cmode == "api":
                data = build("POST", "/api/v1/scans",
                             body=json.dumps({"code": code}))
            else:
                path = code[code.index("/01/"):]
                data = build("GET", path)
            rec = {"client": ci, "n": n, "status": None, "event": None,
                   "error": None, "t0": time.time()}
            n += 1
            try:
                if sock is None:
                    sock = connect(host, port, 20)
                    reader = Reader(sock)
                sock.sendall(data)
                r = reader.response()
                rec["status"] = r.status
                if stop_on is not None and r.status == stop_on:
                    stop.set()
                if 200 <= r.status < 300:
                    rec["event"] = event_of(r, cmode)
                if r.header("connection", "").lower() == "close":
                    sock.close()
                    sock = None
            except ConnectionRefusedError:
                rec["error"] = "refused"
            except Closed:
                rec["error"] = "closed"
            except Truncated:
                rec["error"] = "truncated"
            except (ConnectionResetError, BrokenPipeError):
                rec["error"] = "reset"
            except socket.timeout:
                rec["error"] = "timeout"
            except OSError as e:
                rec["error"] = "oserror: %s" % e
            rec["t1"] = time.time()
            if rec["error"] is not None:
                if sock is not None:
                    sock.close()
                sock = None
                if rec["error"] == "refused":
                    time.sleep(0.05)
            with lock:
                records.append(rec)
        if sock is not None:
            sock.close()

    threads = [threading.Thread(target=client, args=(i,))
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if out:
        with open(out, "w") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")
    return records


def check(records, events, statuses, errors):
    """Checks load records against `scanloop scans tail` output: every 2xx
    names an event that is in the store; only the given statuses and
    client errors occurred. Prints a summary; returns 0 or a message."""
    recs = [json.loads(l) for l in open(records)]
    stored = set(int(m.group(1)) for m in
                 re.finditer(r"  #(\d+) ", open(events).read()))
    ok_status = set(int(x) for x in statuses.split(",") if x)
    ok_errors = set(x for x in errors.split(",") if x)
    bad = []
    acked = [r for r in recs if r["status"] and 200 <= r["status"] < 300]
    ids = [r["event"] for r in acked]
    for r in recs:
        if r["status"] is not None and r["status"] not in ok_status:
            bad.append("status %s: %r" % (r["status"], r))
        if r["error"] is not None and r["error"] not in ok_errors:
            bad.append("client error %s: %r" % (r["error"], r))
    for r in acked:
        if r["event"] is None:
            bad.append("a 2xx without an event id: %r" % r)
        elif r["event"] not in stored:
            bad.append("event %d was answered 2xx but is not in the store"
                       % r["event"])
    if len(set(i for i in ids if i is not None)) != len(ids):
        bad.append("an event id was answered twice")
    errs = {}
    for r in recs:
        if r["error"]:
            errs[r["error"]] = errs.get(r["error"], 0) + 1
    print("check: %d requests, %d answered 2xx; the store holds %d events; "
          "client errors %s" % (len(recs), len(acked), len(stored),
                                errs or "none"))
    if not acked:
        bad.append("no request was answered 2xx")
    for b in bad[:20]:
        print("  " + b, file=sys.stderr)
    return 1 if bad else 0


def seq(port, codes, out, first, most):
    """API scans one at a time until one is not answered 200; returns
    the records."""
    recs = []
    for i in range(most):
        rec = {"status": None, "event": None, "error": None}
        try:
            r = request("127.0.0.1", port, "POST", "/api/v1/scans",
                        body=json.dumps({"code": codes[first + i]}))
            rec["status"] = r.status
            if r.status == 200:
                rec["event"] = r.json()["event_id"]
        except Closed:
            rec["error"] = "closed"
        except (ConnectionResetError, ConnectionRefusedError, Truncated):
            rec["error"] = "reset"
        recs.append(rec)
        if rec["status"] != 200:
            break
    with open(out, "w") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")
    return recs


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    lp = sub.add_parser("load")
    lp.add_argument("--host", default="127.0.0.1")
    lp.add_argument("--port", type=int, required=True)
    lp.add_argument("--clients", type=int, default=8)
    lp.add_argument("--seconds", type=float, default=3)
    lp.add_argument("--max", type=int, default=1000)
    lp.add_argument("--mode", choices=("api", "page", "mixed"),
                    default="api")
    lp.add_argument("--codes", required=True)
    lp.add_argument("--out", required=True)
    lp.add_argument("--stop-on", type=int, default=None,
                    help="stop every client after an answer with this status")
    lp.add_argument("--stop-file", default=None,
                    help="stop every client once this file exists")
    sp = sub.add_parser("seq")
    sp.add_argument("--port", type=int, required=True)
    sp.add_argument("--codes", required=True)
    sp.add_argument("--out", required=True)
    sp.add_argument("--first", type=int, default=10)
    sp.add_argument("--max", type=int, default=40)
    cp = sub.add_parser("check")
    cp.add_argument("--records", required=True)
    cp.add_argument("--events", required=True)
    cp.add_argument("--status", default="200",
                    help="statuses allowed, comma-separated")
    cp.add_argument("--errors", default="",
                    help="client errors allowed, comma-separated")
    a = p.parse_args()
    if a.cmd == "check":
        return check(a.records, a.events, a.status, a.errors)
    if a.cmd == "seq":
        recs = seq(a.port, [l.strip() for l in open(a.codes)], a.out,
                   a.first, a.max)
        print(sum(1 for r in recs if r["status"] == 200))
        last = recs[-1]["status"]
        if last is not None and last < 500:
            print("the failed commit was answered %d" % last,
                  file=sys.stderr)
            return 1
        return 0
    codes = [l.strip() for l in open(a.codes) if l.strip()]
    recs = load(a.host, a.port, a.clients, a.seconds, a.max, a.mode, codes,
                a.out, a.stop_on, a.stop_file)
    ok = sum(1 for r in recs if r["status"] and 200 <= r["status"] < 300)
    print("load: %d requests, %d 2xx" % (len(recs), ok))


if __name__ == "__main__":
    sys.exit(main())
