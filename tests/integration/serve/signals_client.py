"""signals_client.py — an independent client for the signals tests
(Python's http.client, json and csv; distances by its own haversine).

  quiet --port P --codes FILE --state FILE
      ordinary traffic that must raise no signal: first scans with and
      without a location, a visitor scanning its own code again far away,
      two visitors close together, a bot, HEAD, app scans inside the
      sales region, forged and malformed scans up to the burst threshold.
  fire --port P --codes FILE --state FILE
      the constructed sequences, each meeting one rule: a not yet
      activated code (page and app), a clone seen by the app scan and by
      the page's location, a scan outside the region, the forged scan
      that crosses the threshold (and more that must not raise another).
      Adds what it expects to STATE.
  check --state FILE --jsonl FILE --csv FILE [--admin FILE] [--metrics FILE]
      compares the listing (JSON Lines and CSV, and the admin endpoint's
      object) with what the client expects, field by field.
  one --port P --codes FILE --what leaked|clone --out FILE
      one scan that raises a signal, for the crash test: prints the event
      id as soon as the 2xx answer is in.
"""
import argparse
import csv
import http.client
import json
import math
import re
import sys

PHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
         "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148")
SHANGHAI = (31.2304, 121.4737)
SHANGHAI_NEAR = (31.30, 121.50)	# about 8 km away
BEIJING = (39.9042, 116.4074)
GUANGZHOU = (23.1291, 113.2644)
CHENGDU = (30.5728, 104.0668)
FIELDS = ["id", "kind", "time", "serial", "gtin", "batch_id", "line",
          "event_ids", "lat", "lon", "ip_prefix", "store", "detail"]


def die(msg):
    print("signals_client: " + msg, file=sys.stderr)
    sys.exit(1)


def km(a, b):
    """Great-circle distance by the haversine formula (R 6371.0088 km)."""
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * \
        math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


class Visitor:
    """A phone: its own cookie jar (the sl_vid cookie the server sets)."""

    def __init__(self, port, ua=PHONE):
        self.port, self.ua, self.cookie = port, ua, None

    def request(self, method, path, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        h = {"User-Agent": self.ua}
        if self.cookie:
            h["Cookie"] = self.cookie
        if body is not None:
            h["Content-Type"] = "application/json"
            body = json.dumps(body)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        sc = r.getheader("Set-Cookie")
        if sc and sc.startswith("sl_vid="):
            self.cookie = sc.split(";")[0]
        c.close()
        return r.status, data.decode("utf-8", "replace")

    def page(self, url):
        """Opens a code's page: (status, event id, location token, html)."""
        path = url[url.index("/01/"):]
        st, html = self.request("GET", path)
        m = re.search(r'data-event="(\d+)" data-token="([A-Z2-7]+)"', html)
        return st, (int(m.group(1)) if m else 0), \
            (m.group(2) if m else None), html

    def locate(self, event, token, where, accuracy=20):
        st, body = self.request("POST", "/api/v1/scans/%d/location" % event,
                                {"token": token, "lat": where[0],
                                 "lon": where[1], "accuracy": accuracy})
        if st != 200:
            die("location of %d: %d %s" % (event, st, body))
        return json.loads(body)

    def api(self, code, where=None):
        body = {"code": code}
        if where:
            body.update(lat=where[0], lon=where[1], accuracy=15)
        st, text = self.request("POST", "/api/v1/scans", body)
        if st != 200:
            die("api scan: %d %s" % (st, text))
        return json.loads(text)


def scan_located(port, url, where):
    """A new visitor opens a page and shares where it is."""
    v = Visitor(port)
    st, ev, tok, html = v.page(url)
    if st != 200 or not ev:
        die("page of %s: status %d, event %d" % (url, st, ev))
    ans = v.locate(ev, tok, where)
    return v, ev, ans, html


def quiet(a, codes, state):
    p = a.port
    # A first scan; the same visitor again, far away: not a clone.
    v1, e1, ans, _ = scan_located(p, codes["g1"], SHANGHAI)
    st, e2, tok, _ = v1.page(codes["g1"])
    ans2 = v1.locate(e2, tok, BEIJING)
    # Two visitors close together: not a clone.
    _, _, ans3, _ = scan_located(p, codes["g5"], SHANGHAI)
    _, _, ans4, _ = scan_located(p, codes["g5"], SHANGHAI_NEAR)
    for x in (ans, ans2, ans3, ans4):
        if x.get("verified_elsewhere") is not False:
            die("a quiet location said verified_elsewhere: %s" % x)
    # A bot and HEAD, first scans without a location, app scans inside
    # the region (the visitor's cookie), one far away by another visitor
    # but of another code.
    Visitor(p, "curl/8.5.0").request("GET", codes["g1"][codes["g1"].index(
        "/01/"):])
    Visitor(p).request("HEAD", codes["g2"][codes["g2"].index("/01/"):])
    for k in ("g5", "g6"):
        if Visitor(p).page(codes[k])[0] != 200:
            die("page of " + k)
    app = Visitor(p)
    app.cookie = v1.cookie
    for k in ("g5", "g6"):
        j = app.api(codes[k], SHANGHAI)
        if j["verified_elsewhere"]:
            die("app scan said verified_elsewhere")
    # Forged and malformed scans up to the threshold (5).
    forged = []
    for i in range(3):
        forged.append(Visitor(p).api(codes["forged"])["event_id"])
    for i in range(2):
        forged.append(Visitor(p).api("HTTPS://S.EXAMPLE.COM/nonsense%d" % i)
                      ["event_id"])
    state["forged"] = forged
    state["expect"] = []


def fire(a, codes, state):
    p = a.port
    exp = state["expect"]
    # leaked_job: the page and the app.
    st, ev, _, _ = Visitor(p).page(codes["not_active"])
    if st != 200:
        die("not active page: %d" % st)
    exp.append({"kind": "leaked_job", "event_ids": [ev], "code": "not_active",
                "batch_id": codes["batch_b"], "where": None})
    j = Visitor(p).api(codes["not_active"])
    exp.append({"kind": "leaked_job", "event_ids": [j["event_id"]],
                "code": "not_active", "batch_id": codes["batch_b"],
                "where": None})
    # clone, seen by the app scan that carries its location.
    _, e1, _, _ = scan_located(p, codes["g2"], SHANGHAI)
    j = Visitor(p).api(codes["g2"], BEIJING)
    if j["verified_elsewhere"] is not True:
        die("the far app scan did not say verified_elsewhere: %s" % j)
    exp.append({"kind": "clone", "event_ids": [e1, j["event_id"]],
                "code": "g2", "batch_id": codes["batch_a"],
                "where": BEIJING})
    # clone, seen by the page's location.
    _, e1, _, _ = scan_located(p, codes["g3"], BEIJING)
    v, e2, ans, html = scan_located(p, codes["g3"], SHANGHAI)
    if ans.get("verified_elsewhere") is not True:
        die("the far location did not say verified_elsewhere: %s" % ans)
    if "data-elsewhere=" not in html:
        die("the page has no data-elsewhere text")
    exp.append({"kind": "clone", "event_ids": [e1, e2], "code": "g3",
                "batch_id": codes["batch_a"], "where": SHANGHAI})
    # diversion: outside both circles of the region.
    _, e1, ans, _ = scan_located(p, codes["g4"], CHENGDU)
    if ans.get("verified_elsewhere") is not False:
        die("a diversion said verified_elsewhere")
    exp.append({"kind": "diversion", "event_ids": [e1], "code": "g4",
                "batch_id": codes["batch_a"], "where": CHENGDU})
    # forgery_burst: the sixth forged scan of the hour, and no second.
    sixth = Visitor(p).api(codes["forged"])["event_id"]
    for i in range(5):
        Visitor(p).api(codes["forged"])
    exp.append({"kind": "forgery_burst",
                "event_ids": [state["forged"][0], sixth], "code": None,
                "batch_id": None, "where": None, "prefix": "127.0.0.0/24"})


def norm_csv(row):
    """A CSV row as the JSON Lines object would have it."""
    out = {}
    for k in FIELDS:
        v = row[k]
        if v == "":
            out[k] = None
        elif k in ("id", "batch_id"):
            out[k] = int(v)
        elif k in ("lat", "lon"):
            out[k] = float(v)
        elif k == "event_ids":
            out[k] = [int(x) for x in v.split(" ")]
        else:
            out[k] = v
    if out["event_ids"] is None:
        out["event_ids"] = []
    return out


def check(a):
    state = json.load(open(a.state))
    codes = state["codes"]
    rows = [json.loads(l) for l in open(a.jsonl, encoding="utf-8")]
    for r in rows:
        if list(r.keys()) != FIELDS:
            die("JSON keys out of order: %s" % list(r.keys()))
    with open(a.csv, newline="", encoding="utf-8") as f:
        rd = csv.DictReader(f)
        if rd.fieldnames != FIELDS:
            die("CSV header: %s" % rd.fieldnames)
        crows = [norm_csv(r) for r in rd]
    if crows != rows:
        die("CSV and JSON Lines differ:\n%s\n%s" % (crows, rows))
    if a.admin:
        obj = json.load(open(a.admin))
        if obj["signals"] != rows:
            die("the admin endpoint differs: %s" % obj)
        if rows and obj["next_since"] != rows[-1]["id"]:
            die("next_since %s" % obj["next_since"])
    exp = state["expect"]
    if len(rows) != len(exp):
        die("%d signals, expected %d:\n%s" % (len(rows), len(exp),
            json.dumps(rows, indent=1)))
    ids = [r["id"] for r in rows]
    if ids != sorted(ids) or len(set(ids)) != len(ids):
        die("ids not increasing: %s" % ids)
    serials = {k: re.search(r"/21/([A-Z2-7]+)", v).group(1)
               for k, v in codes.items() if isinstance(v, str) and "/21/" in v}
    for r in rows:
        m = [e for e in exp if e["kind"] == r["kind"] and
             e["event_ids"] == r["event_ids"]]
        if len(m) != 1:
            die("unexpected signal %s" % r)
        e = m[0]
        want_serial = serials[e["code"]] if e["code"] else None
        if r["serial"] != want_serial or r["batch_id"] != e["batch_id"]:
            die("serial/batch of %s, want %s" % (r, e))
        if e["batch_id"] is not None and r["gtin"] != codes["gtin"]:
            die("gtin of %s" % r)
        if e["where"] is not None:
            if r["lat"] is None or km((r["lat"], r["lon"]), e["where"]) > 0.01:
                die("where of %s, want %s" % (r, e["where"]))
        if e.get("prefix") and r["ip_prefix"] != e["prefix"]:
            die("prefix of %s" % r)
        if r["kind"] == "diversion":
            d = [km(e["where"], c[:2]) - c[2] for c in codes["region"]]
            if min(d) <= 0:
                die("the diversion is inside the region")
            if r["line"] != codes["line_a"] or "line " + codes["line_a"] \
                    not in r["detail"]:
                die("the diversion names no line: %s" % r)
        if r["kind"] == "clone":
            pair = [x for x in exp if x is e][0]
            far = km(SHANGHAI, BEIJING)
            if far <= 50:
                die("the oracle's cities are too close")
            if "%.0f km" % far not in r["detail"]:
                die("the clone's distance, want %.0f km: %s" % (far,
                    r["detail"]))
    if a.metrics:
        text = open(a.metrics).read()
        for kind in ("leaked_job", "clone", "diversion", "forgery_burst"):
            m = re.search(r'^scanloop_signals_total\{kind="%s"\} (\d+)$' %
                          kind, text, re.M)
            want = len([e for e in exp if e["kind"] == kind])
            if not m or int(m.group(1)) != want:
                die("metric of %s: %s, want %d" % (kind, m and m.group(1),
                    want))
    print("signals: %d, as expected (%s)" % (len(rows), ", ".join(
        sorted(set(r["kind"] for r in rows))) or "none"))


def one(a, codes):
    p = a.port
    if a.what == "leaked":
        ev = Visitor(p).api(codes["not_active"])["event_id"]
    else:
        scan_located(p, codes["g6"], SHANGHAI)
        j = Visitor(p).api(codes["g6"], GUANGZHOU)
        if not j["verified_elsewhere"]:
            die("no clone")
        ev = j["event_id"]
    print(ev, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["quiet", "fire", "check", "one"])
    ap.add_argument("--port", type=int)
    ap.add_argument("--codes")
    ap.add_argument("--state")
    ap.add_argument("--jsonl")
    ap.add_argument("--csv")
    ap.add_argument("--admin")
    ap.add_argument("--metrics")
    ap.add_argument("--what")
    a = ap.parse_args()
    if a.cmd == "check":
        check(a)
        return
    codes = json.load(open(a.codes))
    if a.cmd == "one":
        one(a, codes)
        return
    state = {"codes": codes}
    if a.cmd == "fire":
        state = json.load(open(a.state))
    (quiet if a.cmd == "quiet" else fire)(a, codes, state)
    json.dump(state, open(a.state, "w"))


if __name__ == "__main__":
    main()
