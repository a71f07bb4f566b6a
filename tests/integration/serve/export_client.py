"""export_client.py — an independent client for the export tests.

  scan --port P --codes FILE --out FILE
      causes scan events of every verdict over raw sockets (the page, HEAD,
      the JSON API), with User-Agents holding commas, quotes, non-ASCII
      and invalid UTF-8, code texts with newlines, and locations; writes
      what it sent and what it expects to see exported (JSON).
  check --records FILE --csv FILE --jsonl FILE
      reads the exports back with Python's csv and json modules and
      compares them, field by field, with the records and each other.
  snapshot --csv FILE --jsonl FILE [--final FILE]
      an export taken while a server writes: every line complete, ids
      strictly increasing, none twice, and (with --final, a later JSONL
      export) each row equal to the later export's row of that id.
  stream --port P --path PATH [--token T] --out FILE
      GET PATH, decodes the chunked answer itself and writes the body;
      prints the status and the trailer fields as JSON.
"""
import argparse
import base64
import csv
import io
import json
import socket
import sys
import time

import httpc

FIELDS = ["event_id", "time", "verdict", "reason", "serial", "gtin",
          "batch_id", "line", "who", "drawcode", "ip", "visitor", "lat",
          "lon", "accuracy", "location_time", "lang", "ua", "raw",
          "prev_event_id"]
INTS = {"event_id", "batch_id", "drawcode", "prev_event_id"}
FLOATS = {"lat", "lon", "accuracy"}


def die(msg):
    print("export_client: " + msg, file=sys.stderr)
    sys.exit(1)


def raw_request(port, method, target, ua, lang=None, body=None):
    """One request with a User-Agent given as bytes; returns the answer."""
    head = b"%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" % (
        method.encode(), target.encode("latin-1"))
    head += b"User-Agent: " + ua + b"\r\n"
    if lang is not None:
        head += b"Accept-Language: " + lang.encode() + b"\r\n"
    if body is not None:
        head += b"Content-Type: application/json\r\n"
        head += b"Content-Length: %d\r\n" % len(body)
    s = httpc.connect("127.0.0.1", port)
    try:
        s.sendall(head + b"\r\n" + (body or b""))
        return httpc.Reader(s).response(method == "HEAD")
    finally:
        s.close()


def visitor_hex(resp):
    """The visitor id the answer's cookie gives, in hex."""
    cookie = resp.header("set-cookie") or ""
    if not cookie.startswith("sl_vid="):
        return None
    v = cookie[len("sl_vid="):].split(";")[0]
    v += "=" * (-len(v) % 8)
    return base64.b32decode(v).hex()


def parts(url):
    """(path, gtin, serial) of a code URL."""
    path = url[len("HTTPS://S.EXAMPLE.COM"):]
    seg = path.split("?")[0].split("/")
    return path, seg[2], seg[4]


def tamper(url):
    """The URL with a character in the middle of its signature changed
    (the last one carries padding bits: changing it may make the base32
    non-canonical, a malformed code rather than a forged one)."""
    i = len(url) - 10
    return url[:i] + ("A" if url[i] != "A" else "B") + url[i + 1:]


def scan(args):
    codes = json.load(open(args.codes))
    out = []

    def rec(case, method, target, ua, expect, lang=None, body=None,
            api=False):
        t0 = time.time()
        resp = raw_request(args.port, method, target, ua, lang, body)
        t1 = time.time()
        if resp.status >= 500 or resp.status in (400, 429):
            die("%s: status %d %r" % (case, resp.status, resp.body[:200]))
        r = {"case": case, "t0": t0, "t1": t1, "status": resp.status,
             "ua": ua.decode("utf-8", errors="replace"),
             "lang": lang, "visitor": visitor_hex(resp), "ip": "127.0.0.0",
             "drawcode": 0, "line": None, "lat": None, "lon": None,
             "accuracy": None, "raw": None, "serial": None, "gtin": None,
             "batch_id": None, "reason": None}
        r.update(expect)
        if api:
            r["answer_event"] = resp.json()["event_id"]
        out.append(r)

    g, g2, g3, g4 = (codes["genuine"], codes["genuine2"], codes["genuine3"],
                     codes["genuine4"])
    pa, gtin, sn = parts(g)
    browser = (b"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
               b"AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 ")
    ok = {"verdict": "genuine", "batch_id": codes["batch_a"]}
    # The page, a browser's User-Agent with commas and quotes.
    rec("page-quotes", "GET", pa, browser + b'"t1", a,b; c""d',
        dict(ok, serial=sn, gtin=gtin, who="human"), lang="zh-CN,zh;q=0.9")
    # Non-ASCII (UTF-8) in the User-Agent.
    rec("page-utf8", "GET", pa, browser + "t2 华为 Mate; Ünï".encode(),
        dict(ok, serial=sn, gtin=gtin, who="human"), lang="en-US")
    # A byte that is not UTF-8: exported as U+FFFD.
    p2, gtin2, sn2 = parts(g2)
    rec("page-latin1", "GET", p2, browser + b"t3 \xff\xfe end",
        dict(ok, serial=sn2, gtin=gtin2, who="human"))
    # The API, with a location.
    body = json.dumps({"code": g2, "lat": 31.2304, "lon": 121.4737,
                       "accuracy": 12.5}).encode()
    rec("api-location", "POST", "/api/v1/scans", browser + b"t4 app",
        dict(ok, serial=sn2, gtin=gtin2, who="api", lat=31.2304,
             lon=121.4737, accuracy=12.5), body=body, api=True)
    # Not active, void code, void batch.
    pn, gtinn, snn = parts(codes["not_active"])
    body = json.dumps({"code": codes["not_active"], "lat": -33.8688,
                       "lon": 151.2093, "accuracy": 7}).encode()
    rec("api-not-active", "POST", "/api/v1/scans", browser + b"t5",
        {"verdict": "not_active", "reason": "not_activated", "serial": snn,
         "gtin": gtinn, "batch_id": codes["batch_b"], "who": "api",
         "lat": -33.8688, "lon": 151.2093, "accuracy": 7.0},
        body=body, api=True)
    pv, gtinv, snv = parts(codes["void"])
    rec("page-void", "GET", pv, browser + b"t6",
        {"verdict": "void", "reason": "misprint", "serial": snv,
         "gtin": gtinv, "batch_id": codes["batch_a"], "who": "human"})
    pvb, gtinvb, snvb = parts(codes["void_batch"])
    rec("page-void-batch", "GET", pvb, browser + b"t7",
        {"verdict": "void", "reason": "stolen", "serial": snvb,
         "gtin": gtinvb, "batch_id": codes["batch_c"], "who": "human"})
    # Forged: a known serial with a wrong signature (the page).
    pf = parts(tamper(g3))[0]
    _, gtin3, sn3 = parts(g3)
    rec("page-forged", "GET", pf, browser + b"t8",
        {"verdict": "forged", "reason": "bad_signature", "serial": sn3,
         "gtin": gtin3, "batch_id": codes["batch_a"], "who": "human",
         "raw": pf})
    # Forged through the API: a serial the store does not know.
    unknown = g4.replace("/21/" + parts(g4)[2], "/21/QQQQQQQQQQQQQ")
    body = json.dumps({"code": unknown}).encode()
    rec("api-forged-unknown", "POST", "/api/v1/scans", browser + b"t9",
        {"verdict": "forged", "reason": "bad_signature",
         "serial": "QQQQQQQQQQQQQ", "gtin": parts(g4)[1], "who": "api",
         "raw": unknown}, body=body, api=True)
    # Malformed through the API: text with commas, quotes, a newline and
    # non-ASCII (the raw field holds what the UA cannot).
    text = 'hello, "world"\nline two, 华 ü\r\nend'
    body = json.dumps({"code": text}).encode()
    rec("api-malformed", "POST", "/api/v1/scans", browser + b"t10",
        {"verdict": "malformed", "reason": "bad_url_character",
         "who": "api", "raw": text}, body=body, api=True)
    # Malformed on the page: no signature.
    pm = pa.split("?")[0]
    rec("page-malformed", "GET", pm, browser + b"t11",
        {"verdict": "malformed", "reason": "no_signature", "who": "human",
         "gtin": gtin, "raw": pm})
    # HEAD and a bot.
    p4, gtin4, sn4 = parts(g4)
    rec("head", "HEAD", p4, browser + b"t12",
        dict(ok, serial=sn4, gtin=gtin4, who="head"))
    rec("bot", "GET", p4, b"curl/8.1 t13",
        dict(ok, serial=sn4, gtin=gtin4, who="bot"))
    json.dump(out, open(args.out, "w"))


def from_csv(row):
    """A CSV row as typed values: '' is absent."""
    v = {}
    for k in FIELDS:
        s = row[k]
        if s == "":
            v[k] = None
        elif k in INTS:
            v[k] = int(s)
        elif k in FLOATS:
            v[k] = float(s)
        else:
            v[k] = s
    return v


def check(args):
    records = json.load(open(args.records))
    raw = open(args.csv, "rb").read()
    if not raw.startswith(",".join(FIELDS).encode() + b"\r\n") or \
            not raw.endswith(b"\r\n"):
        die("CSV does not start with its header line or end with CRLF")
    text = raw.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    with open(args.csv, newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    if header != FIELDS:
        die("CSV header %r" % header)
    lines = open(args.jsonl, encoding="utf-8").read().split("\n")
    if lines[-1] != "":
        die("JSONL does not end with a newline")
    objs = [json.loads(l) for l in lines[:-1]]
    if len(objs) != len(rows):
        die("CSV has %d rows, JSONL %d" % (len(rows), len(objs)))
    for o, r in zip(objs, rows):
        if list(o.keys()) != FIELDS:
            die("JSONL keys %r" % list(o.keys()))
        c = from_csv(r)
        for k in FIELDS:
            if c[k] != o[k]:
                die("event %s field %s: CSV %r, JSONL %r" % (
                    o["event_id"], k, c[k], o[k]))
        for k in INTS | FLOATS:
            if o[k] is not None and not isinstance(o[k], (int, float)):
                die("field %s is not a number: %r" % (k, o[k]))
    ids = [o["event_id"] for o in objs]
    if ids != sorted(set(ids)):
        die("ids not strictly increasing")
    by_ua = {}
    for o in objs:
        by_ua.setdefault(o["ua"], []).append(o)
    last_of = {}
    for o in objs:
        if o["serial"] is not None:
            want = last_of.get(o["serial"])
            if o["prev_event_id"] != want:
                die("event %d: prev_event_id %r, the code's previous event "
                    "is %r" % (o["event_id"], o["prev_event_id"], want))
            last_of[o["serial"]] = o["event_id"]
        elif o["prev_event_id"] is not None:
            die("event %d without a serial has a prev_event_id" %
                o["event_id"])
    for r in records:
        got = by_ua.get(r["ua"])
        if not got or len(got) != 1:
            die("%s: %d exported events with its User-Agent %r" % (
                r["case"], len(got or []), r["ua"]))
        o = got[0]
        if "answer_event" in r and o["event_id"] != r["answer_event"]:
            die("%s: event_id %d, the API answered %d" % (
                r["case"], o["event_id"], r["answer_event"]))
        if not raw_matches(o["raw"], r["raw"]):
            die("%s: raw is %r, want %r redacted (%r)" % (r["case"], o["raw"],
                                                          r["raw"], o))
        for k in ("verdict", "reason", "serial", "gtin", "batch_id", "who",
                  "drawcode", "ip", "visitor", "lang", "line"):
            if o[k] != r[k]:
                die("%s: %s is %r, want %r (%r)" % (r["case"], k, o[k], r[k], o))
        for k in ("lat", "lon", "accuracy"):
            if o[k] != r[k]:
                die("%s: %s is %r, want %r (%r)" % (r["case"], k, o[k], r[k], o))
        t = parse_time(o["time"])
        if not (r["t0"] - 0.001 <= t <= r["t1"] + 0.001):
            die("%s: time %s is outside [%f, %f]" % (r["case"], o["time"],
                                                     r["t0"], r["t1"]))
        if (o["location_time"] is None) != (r["lat"] is None):
            die("%s: location_time %r" % (r["case"], o["location_time"]))
    print("%d events exported, %d records checked" % (len(objs),
                                                      len(records)))


def raw_matches(got, sent):
    """True if got is the text sent as the store keeps it: each S= value
    cut to its first 6 characters, '...#' and a 12-hex-digit keyed hash
    (docs/server.md section 9); the rest as sent."""
    import re
    if sent is None or got is None:
        return got == sent
    pattern, last = "", 0
    for m in re.finditer(r"([?&]S=)([^&]*)", sent):
        pattern += re.escape(sent[last:m.start(2)])
        pattern += re.escape(m.group(2)[:6]) + r"\.\.\.#[0-9a-f]{12}"
        last = m.end(2)
    pattern += re.escape(sent[last:])
    return re.fullmatch(pattern, got, re.S) is not None


def parse_time(s):
    """ISO 8601 UTC with microseconds to Unix seconds."""
    import datetime
    if len(s) != 27 or not s.endswith("Z"):
        die("time %r is not YYYY-MM-DDTHH:MM:SS.ffffffZ" % s)
    d = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
    return d.replace(tzinfo=datetime.timezone.utc).timestamp()


def snapshot(args):
    text = open(args.csv, "rb").read().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not text.endswith("\r\n"):
        die("CSV snapshot does not end with CRLF")
    if rows[0] != FIELDS or any(len(r) != len(FIELDS) for r in rows):
        die("CSV snapshot has a row of the wrong width")
    lines = open(args.jsonl, encoding="utf-8").read().split("\n")
    if lines[-1] != "":
        die("JSONL snapshot does not end with a newline")
    objs = [json.loads(l) for l in lines[:-1]]
    for name, ids in (("CSV", [int(r[0]) for r in rows[1:]]),
                      ("JSONL", [o["event_id"] for o in objs])):
        if any(b <= a for a, b in zip(ids, ids[1:])):
            die("%s snapshot ids are not strictly increasing" % name)
    if args.final:
        final = {}
        for l in open(args.final, encoding="utf-8"):
            o = json.loads(l)
            final[o["event_id"]] = o
        for o in objs:
            if final.get(o["event_id"]) != o:
                die("event %d differs from the later export" %
                    o["event_id"])
    print("%d CSV rows, %d JSONL rows" % (len(rows) - 1, len(objs)))


def stream(args):
    head = "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" % args.path
    if args.token is not None:
        head += "Authorization: Bearer %s\r\n" % args.token
    data = httpc.exchange("127.0.0.1", args.port,
                          (head + "\r\n").encode(), timeout=60)
    h, _, rest = data.partition(b"\r\n\r\n")
    lines = h.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        headers[k.strip().lower().decode()] = v.strip().decode()
    body, trailers, complete = b"", {}, False
    if headers.get("transfer-encoding") == "chunked":
        while True:
            size_line, sep, rest = rest.partition(b"\r\n")
            if not sep:
                break
            n = int(size_line, 16)
            if n == 0:
                tr, _, _ = rest.partition(b"\r\n\r\n")
                for l in tr.split(b"\r\n"):
                    if l:
                        k, _, v = l.partition(b":")
                        trailers[k.strip().lower().decode()] = \
                            v.strip().decode()
                complete = rest.endswith(b"\r\n\r\n") or rest == b"\r\n"
                break
            if len(rest) < n + 2 or rest[n:n + 2] != b"\r\n":
                break
            body += rest[:n]
            rest = rest[n + 2:]
    else:
        body = rest
        complete = True
    open(args.out, "wb").write(body)
    print(json.dumps({"status": status, "headers": headers,
                      "trailers": trailers, "complete": complete}))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("scan")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--codes", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("check")
    p.add_argument("--records", required=True)
    p.add_argument("--csv", required=True)
    p.add_argument("--jsonl", required=True)
    p = sub.add_parser("snapshot")
    p.add_argument("--csv", required=True)
    p.add_argument("--jsonl", required=True)
    p.add_argument("--final")
    p = sub.add_parser("stream")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--path", required=True)
    p.add_argument("--token")
    p.add_argument("--out", required=True)
    args = ap.parse_args()
    {"scan": scan, "check": check, "snapshot": snapshot,
     "stream": stream}[args.cmd](args)


if __name__ == "__main__":
    main()
