#!/usr/bin/env python3
"""pgdraws.py — draws raced across scanloop nodes that lease prize stock
from one PostgreSQL ledger (tests/integration/pg/stock.sh), and the checks
of their outcome.

  load    --ports P1,P2,... --codes FILE --out JSONL [--clients N]
          Each code draws once, on node (its line number mod the number of
          nodes): POST /api/v1/draws. A 503 "try_again" (leased stock on
          its way) or a node that does not answer (killed, restarting) is
          asked again, the same node, until --deadline. Writes one record
          per code: node, status, error, outcome, tier, retries.
  check   --records JSONL --draws D1,D2,... --stock JSON --ledger FILE
          The nodes' exported draw logs against the clients' answers, the
          campaign's stock and daily caps, and the ledger's rows (psql
          output: tier|period|total|remaining|node|leased|used).
"""
import argparse
import collections
import http.client
import json
import sys
import threading
import time


def draw(port, code, deadline):
    """Draws code on the node at port; returns (status, body, retries)."""
    retries = 0
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("POST", "/api/v1/draws", json.dumps({"code": code}),
                      {"Content-Type": "application/json"})
            r = c.getresponse()
            body = r.read()
            c.close()
            st = r.status
            doc = json.loads(body) if body else {}
        except (OSError, http.client.HTTPException, ValueError):
            st, doc = None, {}
        if st == 200 or (st is not None and st != 503) or \
                time.time() > deadline:
            return st, doc, retries
        retries += 1
        time.sleep(0.05 if st == 503 else 0.2)


def load(a):
    ports = [int(p) for p in a.ports.split(",")]
    codes = [l.strip() for l in open(a.codes) if l.strip()]
    deadline = time.time() + a.deadline
    out, lock, nxt = [], threading.Lock(), [0]

    def worker():
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= len(codes):
                return
            node = i % len(ports)
            st, doc, retries = draw(ports[node], codes[i], deadline)
            prize = doc.get("prize") or {}
            rec = {"i": i, "node": node + 1, "code": codes[i], "status": st,
                   "error": doc.get("error"), "outcome": doc.get("outcome"),
                   "tier": prize.get("tier"), "retries": retries}
            with lock:
                out.append(rec)

    ts = [threading.Thread(target=worker) for _ in range(a.clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    with open(a.out, "w") as f:
        for r in sorted(out, key=lambda r: r["i"]):
            f.write(json.dumps(r) + "\n")
    st = collections.Counter(r["status"] for r in out)
    print("draws: %d codes, answers %s, %d asked again after try_again or "
          "no answer" % (len(out), dict(st),
                         sum(1 for r in out if r["retries"])))
    return 0


def check(a):
    recs = [json.loads(l) for l in open(a.records)]
    stock = json.loads(a.stock)      # {"A": [total, cap or 0], ...}
    tiers = list(stock)
    bad = []
    awards = collections.Counter()          # tier
    per_day = collections.Counter()         # (tier, day)
    per_node = collections.Counter()        # (node, tier, period)
    logged = {}
    for n, path in enumerate(a.draws.split(","), 1):
        for l in open(path):
            d = json.loads(l)
            if d.get("type") != "draw" or d["kind"] != "online":
                continue
            if d["serial"] in logged:
                bad.append("code %s drawn on nodes %d and %d" %
                           (d["serial"], logged[d["serial"]][0], n))
            logged[d["serial"]] = (n, d["outcome"])
            if d["outcome"] in stock:
                t = d["outcome"]
                awards[t] += 1
                per_day[(t, d["day"])] += 1
                per_node[(n, tiers.index(t), 0)] += 1
                if stock[t][1]:
                    per_node[(n, tiers.index(t), d["day"] + 1)] += 1
    # Every acknowledged answer is its code's logged draw.
    acked = 0
    for r in recs:
        if r["status"] != 200:
            continue
        acked += 1
        serial = r["code"].split("/21/")[1].split("?")[0]
        got = logged.get(serial)
        want = r["tier"] if r["outcome"] in ("win", "points") else "miss"
        if got is None:
            bad.append("an acknowledged draw is not logged: %s" % r)
        elif got[1] != want:
            bad.append("node %d logged %s, answered %s" % (got[0], got[1],
                                                           want))
    for t, (total, cap) in stock.items():
        if awards[t] > total:
            bad.append("tier %s: %d awards, stock %d" % (t, awards[t], total))
        for (tt, day), k in per_day.items():
            if tt == t and cap and k > cap:
                bad.append("tier %s day %d: %d awards, cap %d" %
                           (t, day, k, cap))
    # The ledger: left + leased = stock; each node's lease is what it
    # awarded (every node gave its stock back); its used is its awards.
    rows = [l.strip().split("|") for l in open(a.ledger) if l.strip()]
    groups = collections.defaultdict(list)
    for tier, period, total, left, node, leased, used in rows:
        groups[(int(tier), int(period))].append(
            (int(total), int(left), int(node), int(leased), int(used)))
    for (tier, period), g in sorted(groups.items()):
        total, left = g[0][0], g[0][1]
        leased = sum(x[3] for x in g if x[2] >= 0)
        if left + leased != total:
            bad.append("ledger tier %d period %d: left %d + leased %d != %d"
                       % (tier, period, left, leased, total))
        for _, _, node, lsd, used in g:
            if node < 0:
                continue
            mine = per_node[(node, tier, period)]
            if lsd != mine or used != mine:
                bad.append("ledger tier %d period %d node %d: leased %d, "
                           "used %d, but it awarded %d" %
                           (tier, period, node, lsd, used, mine))
    for (node, tier, period), k in per_node.items():
        if not any(x[2] == node for x in groups.get((tier, period), [])):
            bad.append("node %d awarded %d of tier %d period %d without a "
                       "lease" % (node, k, tier, period))
    print("figures: %d codes drawn on %d nodes, %d acknowledged; awards %s "
          "(stock %s); per day %s; awards per node %s" %
          (len(logged), len(a.draws.split(",")), acked, dict(awards),
           {t: s[0] for t, s in stock.items()},
           {"%s/%d" % k: v for k, v in sorted(per_day.items())},
           {"%d/%s/%d" % (n, tiers[t], p): v
            for (n, t, p), v in sorted(per_node.items())}))
    for b in bad[:20]:
        print("FAIL: " + b, file=sys.stderr)
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    l = sub.add_parser("load")
    l.add_argument("--ports", required=True)
    l.add_argument("--codes", required=True)
    l.add_argument("--out", required=True)
    l.add_argument("--clients", type=int, default=6)
    l.add_argument("--deadline", type=float, default=120)
    c = sub.add_parser("check")
    c.add_argument("--records", required=True)
    c.add_argument("--draws", required=True)
    c.add_argument("--stock", required=True)
    c.add_argument("--ledger", required=True)
    a = p.parse_args()
    return load(a) if a.cmd == "load" else check(a)


if __name__ == "__main__":
    sys.exit(main())
