#!/usr/bin/env python3
"""clusterload.py — clients spread over the nodes of a scanloop cluster
(tests/integration/cluster/nodes.sh, tests/bench/cluster), and the checks
of what they were told against the nodes' stores and the Kafka topic.

  load   --nodes H:P,H:P,... --codes FILE --out JSONL [--token SHOP]
         [--clients N] [--seconds S] [--max N] [--draws F] [--redeems F]
         [--stop-file F]
         Each client picks a node and a code at random, again and again,
         until S seconds or N requests: a scan (POST /api/v1/scans), a draw
         (POST /api/v1/draws, share F) or, with --token, the redemption of
         a claim won earlier (share F), at any node. One record per answer;
         a node that does not answer (killed, restarting) is a record with
         status null. Prints the counts (and scans/s, draws/s).
  check  --records JSONL --scans S1,S2,.. --draws D1,.. --claims C1,..
         --stock JSON [--consumed TSV] [--pg-redemptions FILE]
         [--min-elsewhere N]
         S, D and C are each node's `export scans|draws|claims --format
         jsonl` (node n's files n-th). Checks:
           - 0 acknowledged scans lost: every 200 scan and draw names the
             node and event id that committed it, and that node's store
             holds that event of that serial;
           - 0 codes drawn twice: a serial's online draw is in one store's
             log once at most, and every 200 draw is that logged draw;
           - 0 claims redeemed twice: no claim is redeemed in two stores,
             one 200 per redeemed claim, and PostgreSQL's redemptions are
             the stores' ones;
           - awards per tier <= its stock, per day <= its daily cap;
           - every committed event, draw and redemption is in the topic
             (TSV: mock_broker's PARTITION TAB OFFSET TAB KEY TAB VALUE),
             after dropping (node, type, id) repeats, keyed by serial;
           - at least N acknowledged scans were recorded by a node other
             than the one that recorded most of their code's scans (the
             owner, which was down meanwhile).
         Prints the figures.
"""
import argparse
import collections
import http.client
import json
import os
import random
import sys
import threading
import time


def call(node, method, path, body, headers, timeout=10):
    """One request; returns (status, doc). status None: no answer."""
    host, port = node.rsplit(":", 1)
    try:
        c = http.client.HTTPConnection(host, int(port), timeout=timeout)
        c.request(method, path, body, headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        try:
            doc = json.loads(data) if data else {}
        except ValueError:
            doc = {}
        return r.status, doc
    except (OSError, http.client.HTTPException):
        return None, {}


def load(a):
    nodes = a.nodes.split(",")
    codes = [l.strip() for l in open(a.codes) if l.strip()]
    start = time.time()
    deadline = start + a.seconds
    out, lock = [], threading.Lock()
    count = [0]
    claims = []          # won claim tokens
    json_h = {"Content-Type": "application/json",
              "User-Agent": "Mozilla/5.0 (iPhone; clusterload)"}

    def worker(seed):
        rnd = random.Random(seed)
        while time.time() < deadline:
            if a.stop_file and os.path.exists(a.stop_file):
                return
            with lock:
                if count[0] >= a.max:
                    return
                count[0] += 1
                claim = rnd.choice(claims) if claims else None
            n = rnd.randrange(len(nodes))
            r = rnd.random()
            rec = {"t": round(time.time() - start, 3), "node": n + 1}
            if a.token and claim and r < a.redeems:
                rec.update(action="redeem", claim=claim)
                st, doc = call(nodes[n], "POST", "/api/v1/claims/%s/redeem"
                               % claim, "", {"Authorization": "Bearer " +
                                             a.token})
            else:
                code = rnd.choice(codes)
                draw = r < a.redeems + a.draws
                rec.update(action="draw" if draw else "scan", code=code)
                st, doc = call(nodes[n], "POST", "/api/v1/draws" if draw
                               else "/api/v1/scans", json.dumps(
                                   {"code": code}), json_h)
            rec.update(status=st, error=doc.get("error"),
                       event_id=doc.get("event_id"), by=doc.get("node"))
            if rec["action"] == "draw" and st == 200:
                prize = doc.get("prize") or {}
                rec.update(outcome=doc.get("outcome"), tier=prize.get("tier"),
                           draw_status=doc.get("status"),
                           claim_token=(doc.get("claim") or {}).get("token"))
            if rec["action"] == "scan" and st == 200:
                rec.update(verdict=doc.get("verdict"),
                           serial=doc.get("serial"))
            if rec["action"] == "redeem":
                rec.update(shop=doc.get("shop"), redeemed_node=doc.get("node"))
            with lock:
                out.append(rec)
                if rec.get("claim_token"):
                    claims.append(rec["claim_token"])

    ts = [threading.Thread(target=worker, args=(i,))
          for i in range(a.clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    took = time.time() - start
    with open(a.out, "w") as f:
        for r in sorted(out, key=lambda r: r["t"]):
            f.write(json.dumps(r) + "\n")
    by = collections.Counter((r["action"], r["status"]) for r in out)
    scans = by[("scan", 200)]
    draws = sum(1 for r in out if r["action"] == "draw" and
                r["status"] == 200)
    print("load: %d requests in %.1f s over %d nodes: %s; %.0f scans/s, "
          "%.0f draws/s acknowledged" % (
              len(out), took, len(nodes),
              ", ".join("%s %s: %d" % (k[0], k[1], v)
                        for k, v in sorted(by.items(), key=str)),
              scans / took, draws / took))
    return 0


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def serial_of(code):
    return code.split("/21/")[1].split("?")[0].upper()


def check(a):
    bad = []
    recs = read_jsonl(a.records)
    stock = json.loads(a.stock)
    tiers = list(stock)
    scans = [{e["event_id"]: e for e in read_jsonl(p)}
             for p in a.scans.split(",")]
    draws = [[d for d in read_jsonl(p) if d.get("type") == "draw"]
             for p in a.draws.split(",")]
    claims = [read_jsonl(p) for p in a.claims.split(",")]

    # 0 acknowledged scans lost (a draw through the API records a scan).
    acked = 0
    for r in recs:
        if r["status"] != 200 or r["action"] not in ("scan", "draw"):
            continue
        acked += 1
        n, ev = r.get("by"), r.get("event_id")
        if not n or not ev:
            bad.append("an acknowledged %s names no node or event: %s"
                       % (r["action"], r))
            continue
        e = scans[n - 1].get(ev)
        if e is None or e["serial"] != serial_of(r["code"]):
            bad.append("acknowledged %s lost: node %d event %d (%s) holds %s"
                       % (r["action"], n, ev, serial_of(r["code"]), e))

    # A code's scans are recorded by its owner; while the owner was down,
    # by the node that answered.
    recorders = collections.defaultdict(collections.Counter)
    for r in recs:
        if r["status"] == 200 and r["action"] == "scan" and r.get("by"):
            recorders[serial_of(r["code"])][r["by"]] += 1
    elsewhere = sum(sum(c.values()) - max(c.values())
                    for c in recorders.values())
    if a.min_elsewhere and elsewhere < a.min_elsewhere:
        bad.append("only %d scans recorded away from their code's owner"
                   % elsewhere)

    # 0 codes drawn twice; every acknowledged draw is the logged one.
    logged = {}
    awards, per_day = collections.Counter(), collections.Counter()
    for n, log in enumerate(draws, 1):
        for d in log:
            if d["kind"] != "online":
                continue
            if d["serial"] in logged:
                bad.append("code %s drawn twice: nodes %d and %d"
                           % (d["serial"], logged[d["serial"]][0], n))
            logged[d["serial"]] = (n, d)
            if d["outcome"] in stock:
                awards[d["outcome"]] += 1
                per_day[(d["outcome"], d["day"])] += 1
    draws_ok = 0
    for r in recs:
        if r["action"] != "draw" or r["status"] != 200:
            continue
        draws_ok += 1
        got = logged.get(serial_of(r["code"]))
        if got is None:
            bad.append("an acknowledged draw is in no log: %s" % r)
            continue
        if got[0] != r["by"]:
            bad.append("draw of %s answered by node %s, logged by node %d"
                       % (serial_of(r["code"]), r["by"], got[0]))
        want = r["tier"] if r["outcome"] in ("win", "points") \
            else "miss"
        if (got[1]["outcome"] if got[1]["outcome"] in stock else "miss") \
                != want:
            bad.append("draw of %s answered %s, logged %s"
                       % (serial_of(r["code"]), want, got[1]["outcome"]))
    for t, (total, cap) in stock.items():
        if awards[t] > total:
            bad.append("tier %s: %d awards, stock %d" % (t, awards[t], total))
        for (tt, day), k in per_day.items():
            if tt == t and cap and k > cap:
                bad.append("tier %s day %d: %d awards, cap %d"
                           % (t, day, k, cap))

    # 0 claims redeemed twice.
    redeemed = {}
    for n, cl in enumerate(claims, 1):
        for c in cl:
            if c.get("redeemed"):
                if c["id"] in redeemed:
                    bad.append("claim %s redeemed on nodes %d and %d"
                               % (c["id"], redeemed[c["id"]], n))
                redeemed[c["id"]] = n
    ok200 = collections.Counter(r["claim"] for r in recs
                                if r["action"] == "redeem" and
                                r["status"] == 200)
    for claim, k in ok200.items():
        if k > 1:
            bad.append("claim %s: %d redemptions answered 200" % (claim, k))
    if a.pg_redemptions:
        rows = [l for l in open(a.pg_redemptions) if l.strip()]
        if len(rows) != len(redeemed):
            bad.append("PostgreSQL holds %d redemptions, the stores %d"
                       % (len(rows), len(redeemed)))

    # Every committed event, draw and redemption in the topic.
    topic = ""
    if a.consumed:
        seen, records, dups = set(), 0, 0
        for line in open(a.consumed, encoding="utf-8"):
            part, off, key, value = line.rstrip("\n").split("\t", 3)
            rec = json.loads(value)
            records += 1
            t = rec["type"]
            ident = (rec["node"], t, rec["event_id"] if t in
                     ("scan", "location") else
                     (rec["campaign"], rec["seq"]) if t == "draw" else
                     rec["id"])
            if ident in seen:
                dups += 1
            seen.add(ident)
            if t in ("scan", "draw") and rec.get("serial") and \
                    key != rec["serial"]:
                bad.append("record %s keyed %s" % (ident, key))
        missing = []
        for n in range(len(scans)):
            for ev in scans[n]:
                if (n + 1, "scan", ev) not in seen:
                    missing.append((n + 1, "scan", ev))
            for d in draws[n]:
                if (n + 1, "draw", (d["campaign"], d["seq"])) not in seen:
                    missing.append((n + 1, "draw", d["seq"]))
            for c in claims[n]:
                if c.get("redeemed") and \
                        (n + 1, "redemption", c["id"]) not in seen:
                    missing.append((n + 1, "redemption", c["id"]))
        if missing:
            bad.append("%d committed records not in the topic, e.g. %s"
                       % (len(missing), missing[:5]))
        topic = ("; topic: %d records, %d distinct (node, type, id), %d "
                 "repeats dropped, 0 missing" % (records, len(seen), dups)) \
            if not missing else ""
    for b in bad[:20]:
        print("clusterload: " + b, file=sys.stderr)
    if bad:
        return 1
    events = sum(len(s) for s in scans)
    print("check: %d acknowledged scans and draws, 0 lost (%d events in "
          "the stores: %s); %d codes drawn, 0 twice (%d draws answered "
          "200); awards %s within stock %s; %d claims redeemed, 0 twice%s; "
          "%d scans recorded away from their code's owner (it was down)"
          % (acked, events, "/".join(str(len(s)) for s in scans),
             len(logged), draws_ok, dict(awards),
             {t: v[0] for t, v in stock.items()}, len(redeemed), topic,
             elsewhere))
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    lo = sub.add_parser("load")
    lo.add_argument("--nodes", required=True)
    lo.add_argument("--codes", required=True)
    lo.add_argument("--out", required=True)
    lo.add_argument("--token")
    lo.add_argument("--clients", type=int, default=6)
    lo.add_argument("--seconds", type=float, default=60)
    lo.add_argument("--max", type=int, default=200000)
    lo.add_argument("--draws", type=float, default=0.3)
    lo.add_argument("--redeems", type=float, default=0.05)
    lo.add_argument("--stop-file")
    ch = sub.add_parser("check")
    ch.add_argument("--records", required=True)
    ch.add_argument("--scans", required=True)
    ch.add_argument("--draws", required=True)
    ch.add_argument("--claims", required=True)
    ch.add_argument("--stock", required=True)
    ch.add_argument("--consumed")
    ch.add_argument("--pg-redemptions")
    ch.add_argument("--min-elsewhere", type=int, default=0)
    a = ap.parse_args()
    return load(a) if a.cmd == "load" else check(a)


if __name__ == "__main__":
    sys.exit(main())
