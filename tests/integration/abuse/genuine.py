"""genuine.py — the genuine client of the abuse tests: scans codes from its
own address, one new connection per scan (as a phone does), at a steady
pace, and prints one JSON object with what it saw.

  python3 genuine.py --port P --source ADDR --codes FILE --seconds S
                     [--every SECONDS] [--timeout SECONDS]

FILE holds one code path a line (/01/.../21/...?S=...), scanned in turn.
Each scan waits at most --timeout for its whole answer. The output:
{"scans": N, "ok": N (answered 200), "failed": [[path, what]...] (first 10),
 "latency_ms": {"p50", "p90", "p99", "max"}, "over_1s": N}
"""
import argparse
import json
import socket
import sys
import time

import httpc


def scan(port, source, path, timeout):
    """One scan on a new connection: (status or error text, seconds)."""
    t0 = time.monotonic()
    try:
        s = httpc.connect("127.0.0.1", port, timeout, source)
        try:
            s.sendall(httpc.build("GET", path, {"Connection": "close"}))
            r = httpc.Reader(s).response()
            return r.status, time.monotonic() - t0
        finally:
            s.close()
    except (OSError, httpc.Closed, httpc.Truncated) as e:
        return type(e).__name__, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--codes", required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--every", type=float, default=0.1)
    ap.add_argument("--timeout", type=float, default=10.0)
    a = ap.parse_args()
    paths = [l.strip() for l in open(a.codes) if l.strip()]
    lat, failed, ok = [], [], 0
    end = time.monotonic() + a.seconds
    i = 0
    while time.monotonic() < end:
        path = paths[i % len(paths)]
        i += 1
        status, dt = scan(a.port, a.source, path, a.timeout)
        lat.append(dt)
        if status == 200:
            ok += 1
        elif len(failed) < 10:
            failed.append([path[:40], str(status)])
        time.sleep(max(0.0, a.every - dt))
    lat.sort()

    def pct(p):
        return round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 1)

    json.dump({"scans": len(lat), "ok": ok, "failed": failed,
               "latency_ms": {"p50": pct(0.5), "p90": pct(0.9),
                              "p99": pct(0.99), "max": pct(1.0)},
               "over_1s": sum(1 for x in lat if x > 1.0)}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
