"""drawload.py — concurrent prize draws and redemptions against a running
`scanloop serve`, and the checks of what the clients saw against the store
(tests/integration/rewards_load/). Standard library only.

  python3 drawload.py load --port P --codes CODES.csv --out RECORDS.jsonl
        [--clients 8] [--race 100] [--pair-every 10] [--repeats 50]
        [--deadline 240] [--points-out FILE] [--seed N]
runs CLIENTS threads, each with its own keep-alive connection and its own
visitor cookie (sl_vid), drawing through POST /api/v1/draws with the
codes of a print job (codes.csv: seq,serial,url):
  phase "race":   RACE codes, each drawn by every client at once (a
                  barrier before each code);
  phase "main":   every other code, each owned by one client (index mod
                  CLIENTS); every PAIR-EVERY-th code also by the next
                  client, in the same order, so that the two race;
  phase "repeat": after a barrier, REPEATS codes per client picked at
                  random among all codes: each must answer "repeat".
A request that gets no answer (connection refused, reset, closed,
truncated, timed out) or a 503 is retried on a new connection until it is
answered or DEADLINE seconds have passed since the start; every attempt is
a record. Records (one JSON line each, written as they happen): client
"c", code index "i", "serial", phase "ph", "t0", "t1" (Unix seconds),
"status" (HTTP status or null), "error" (null, "refused", "reset",
"closed", "truncated", "timeout", "oserror"), "body" (the JSON answer).
With --points-out, each client's GET /api/v1/visitors/me/points at the end.

  python3 drawload.py check --records R --codes CODES.csv --campaign ID
        --draws DRAWS.jsonl --claims CLAIMS.jsonl --show SHOW.txt
        [--points P] [--crash] [--kill-time T] [--min-awarded TIER=N,...]
        [--tokens-out FILE]
checks the records against `scanloop export draws|claims --campaign ID
--format jsonl` and `scanloop campaign show ID` (section comments below);
with --crash a code's first draw may have been committed while its answer
was lost (then no client saw "new" for it). --tokens-out writes the claim
tokens the clients saw, one "TOKEN SERIAL OUTCOME BEFORE" a line (BEFORE:
1 if first answered before --kill-time, else 0), for `scanloop claim
show`.

  python3 drawload.py redeem --port P --tokens FILE --bearer T1[,T2...]
        --out RECORDS.jsonl [--racers K] [--workers W]
        [--cli-racers M --cli-store ID] [--api-delay-ms D]
redeems claims through POST /api/v1/claims/TOKEN/redeem. Without
--workers: for each token, K threads with open connections (racer k
uses bearer k mod the number given) and M threads running `$SCANLOOP
claim redeem TOKEN --store ID` wait at a barrier and go at once (the API
racers after a random 0..D ms, so that either kind may win). With
--workers W: each token is queued K times in a row and W threads take
from the queue, so that many tokens are redeemed at once, each by K
racers. Records: "token", "racer", "cli" (the CLI's store, for a CLI
racer), "t0", "t1", "status" (HTTP status, or the CLI's exit status),
"error", "body" (the JSON answer, or the CLI's stdout and stderr).

  python3 drawload.py check-redeem --records R --claims CLAIMS.jsonl
        [--tickets --draws DRAWS.jsonl --show SHOW.txt]
        [--min-awarded TIER=N,...]
checks the races: for each token exactly one success (an API 200 or a
CLI exit 0), every other attempt a 409 "already_redeemed" naming the
winner's store (a CLI loser exits 1 saying "already redeemed ... at
store ID"); the claims export holds the claim redeemed at that store.
With --tickets: every 200 opened a sealed ticket, and its prize is the
store's opening draw (kind "open") in the log and in the claims export,
one opening per ticket, no tier beyond its total or its daily cap on any
local day, `campaign show` agreeing.

Exit status: 0 pass, 1 a check failed (each failure printed), 2 usage.
"""
import argparse
import base64
import collections
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time

PHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
            "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148")
REQUEST_TIMEOUT = 60.0
MAX_FAILURES_SHOWN = 25


def read_codes(path):
    """(serial, url) of each row of a job's codes.csv, in print order."""
    out = []
    with open(path, newline="") as f:
        for n, line in enumerate(f):
            line = line.strip()
            if n == 0 or not line:
                continue
            seq, serial, url = line.split(",", 2)
            out.append((serial, url))
    return out


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def classify(exc):
    """The record's error word for an exception of a request."""
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError)):
        return "reset"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "closed"
    if isinstance(exc, http.client.IncompleteRead):
        return "truncated"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(exc, http.client.HTTPException):
        return "truncated"
    return "oserror"


class Out:
    """A JSONL file written line by line from several threads."""

    def __init__(self, path):
        self.f = open(path, "w")
        self.mu = threading.Lock()

    def write(self, rec):
        line = json.dumps(rec, separators=(",", ":")) + "\n"
        with self.mu:
            self.f.write(line)
            self.f.flush()

    def close(self):
        self.f.close()


class Client:
    """One keep-alive connection that reconnects after an error."""

    def __init__(self, host, port, cookie=None):
        self.host, self.port, self.cookie = host, port, cookie
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def connect(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port,
                                                   timeout=REQUEST_TIMEOUT)
            self.conn.connect()
            self.conn.sock.setsockopt(socket.IPPROTO_TCP,
                                      socket.TCP_NODELAY, 1)

    def send(self, method, path, body=None, headers=None):
        """One request: (status, parsed JSON or None, error word)."""
        h = {"User-Agent": PHONE_UA, "Accept": "application/json"}
        if self.cookie:
            h["Cookie"] = "sl_vid=" + self.cookie
        if body is not None:
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        h = {k: v for k, v in h.items() if v is not None}
        try:
            self.connect()
            self.conn.request(method, path, body=body, headers=h)
            r = self.conn.getresponse()
            data = r.read()
            if r.getheader("Connection", "").lower() == "close":
                self.close()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            return None, None, classify(e)
        try:
            j = json.loads(data)
        except ValueError:
            j = {"_raw": data[:300].decode("latin-1")}
        return r.status, j, None


def slim(body):
    """What the checks need of a draw answer."""
    if not isinstance(body, dict):
        return body
    keep = {}
    for k in ("event_id", "campaign", "status", "outcome", "draw",
              "points_balance", "error", "message", "refusal", "_raw"):
        if k in body:
            keep[k] = body[k]
    p = body.get("prize")
    if isinstance(p, dict):
        keep["prize"] = {"tier": p.get("tier"), "kind": p.get("kind"),
                         "points": p.get("points")}
    elif "prize" in body:
        keep["prize"] = None
    c = body.get("claim")
    if isinstance(c, dict):
        keep["claim"] = {"token": c.get("token"), "text": c.get("text"),
                         "ticket": c.get("ticket")}
    elif "claim" in body:
        keep["claim"] = None
    return keep


# ---- load ------------------------------------------------------------------

def plan(n, clients, race, pair_every, repeats, seed):
    """Per client: the list of (phase, code index)."""
    race_idx = [i for i in range(n) if i % 50 == 7][:race]
    in_race = set(race_idx)
    lists = [[("race", i) for i in race_idx] for _ in range(clients)]
    for i in range(n):
        if i in in_race:
            continue
        owner = i % clients
        lists[owner].append(("main", i))
        if pair_every > 0 and i % pair_every == pair_every // 2:
            lists[(owner + 1) % clients].append(("main", i))
    for c in range(clients):
        rng = random.Random(seed * 1000 + c)
        for i in rng.sample(range(n), min(repeats, n)):
            lists[c].append(("repeat", i))
    return lists


def cmd_load(a):
    codes = read_codes(a.codes)
    if not codes:
        sys.exit("drawload: no codes in " + a.codes)
    lists = plan(len(codes), a.clients, a.race, a.pair_every, a.repeats,
                 a.seed)
    out = Out(a.out)
    start = time.monotonic()
    deadline = start + a.deadline
    barrier = threading.Barrier(a.clients)
    stats = collections.Counter()
    smu = threading.Lock()
    cookies = [base64.b32encode(os.urandom(16)).decode().rstrip("=")
               for _ in range(a.clients)]
    problems = []

    def sync(c):
        """Waits for every client (bounded by the deadline)."""
        try:
            barrier.wait(timeout=max(1.0, deadline - time.monotonic()))
        except threading.BrokenBarrierError:
            with smu:
                stats["barrier broken"] += 1

    def run(c):
        cl = Client(a.host, a.port, cookies[c])
        prev = None
        for n, (ph, i) in enumerate(lists[c]):
            if ph == "race" or (ph == "repeat" and prev != "repeat"):
                sync(c)
            prev = ph
            serial, url = codes[i]
            body = json.dumps({"code": url})
            while True:
                t0 = time.time()
                st, j, err = cl.send("POST", "/api/v1/draws", body)
                t1 = time.time()
                out.write({"c": c, "n": n, "i": i, "serial": serial,
                           "ph": ph, "t0": t0, "t1": t1, "status": st,
                           "error": err, "body": slim(j)})
                with smu:
                    stats[err or str(st)] += 1
                if st is not None and st != 503:
                    break
                if time.monotonic() > deadline:
                    with smu:
                        problems.append("client %d: no answer for code %d "
                                        "before the deadline" % (c, i))
                    cl.close()
                    return
                if err == "refused" or st == 503:
                    time.sleep(0.05)
        cl.close()

    threads = [threading.Thread(target=run, args=(c,))
               for c in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.close()
    if a.points_out:
        with open(a.points_out, "w") as f:
            for c in range(a.clients):
                cl = Client(a.host, a.port, cookies[c])
                st, j, err = cl.send("GET", "/api/v1/visitors/me/points")
                cl.close()
                f.write(json.dumps({"client": c, "status": st, "error": err,
                                    "balance": (j or {}).get("balance"),
                                    "cookie": cookies[c]}) + "\n")
    el = time.monotonic() - start
    total = sum(stats.values())
    print("drawload: %d clients, %d codes, %d requests in %.1f s (%.0f/s): %s"
          % (a.clients, len(codes), total, el, total / el if el else 0,
             ", ".join("%s %d" % kv for kv in sorted(stats.items()))))
    for p in problems:
        print("drawload: " + p, file=sys.stderr)
    sys.exit(1 if problems else 0)


# ---- checks ----------------------------------------------------------------

class Failures:
    def __init__(self, name):
        self.name = name
        self.items = []

    def __call__(self, ok, what):
        if not ok:
            self.items.append(what)
        return ok

    def finish(self, summary):
        for x in self.items[:MAX_FAILURES_SHOWN]:
            print("FAIL [%s]: %s" % (self.name, x), file=sys.stderr)
        if len(self.items) > MAX_FAILURES_SHOWN:
            print("FAIL [%s]: ... and %d more" %
                  (self.name, len(self.items) - MAX_FAILURES_SHOWN),
                  file=sys.stderr)
        if self.items:
            sys.exit(1)
        print("%s: ok: %s" % (self.name, summary))


def parse_show(path):
    """`scanloop campaign show`: per tier (by id) awarded, left, today, and
    the counters (draws, wins, tickets, refused, claims, redeemed, points,
    log)."""
    tiers, counts, cur = {}, {}, None
    with open(path) as f:
        for line in f:
            m = re.match(r"^\s+tier (\d+) (\S+)\s+(\S+)\s+total (\d+)", line)
            if m:
                cur = m.group(2)
                tiers[cur] = {"index": int(m.group(1)), "kind": m.group(3),
                              "total": int(m.group(4))}
                continue
            m = re.match(r"^\s+awarded (\d+), left (\d+), today (\d+)", line)
            if m and cur is not None:
                tiers[cur].update(awarded=int(m.group(1)),
                                  left=int(m.group(2)), today=int(m.group(3)))
                continue
            m = re.match(r"^(draws|wins|tickets|refused|claims|redeemed|"
                         r"points|log): (\d+)", line)
            if m:
                counts[m.group(1)] = int(m.group(2))
    return tiers, counts


def load_export(draws_path, claims_path, campaign):
    """The campaign header, its draws (by seq) and its claims (by id)."""
    header, draws = None, []
    for r in read_jsonl(draws_path):
        if r.get("type") == "campaign" and r.get("campaign") == campaign:
            header = r
        elif r.get("type") == "draw" and r.get("campaign") == campaign:
            draws.append(r)
    claims = {}
    if claims_path:
        for r in read_jsonl(claims_path):
            if r.get("type") == "claim" and r.get("campaign") == campaign:
                claims[r["id"]] = r
    return header, draws, claims


def check_caps(fail, tiers, draws, show_tiers):
    """Awards per tier: at most its total and, per local day, its daily
    cap; `campaign show` agrees. Returns the awards per tier id."""
    by_tier = collections.Counter()
    by_day = collections.Counter()
    for d in draws:
        if d["kind"] in ("online", "open") and d["outcome"] in tiers:
            by_tier[d["outcome"]] += 1
            by_day[(d["outcome"], d["day"])] += 1
    for tid, t in tiers.items():
        fail(by_tier[tid] <= t["total"], "tier %s: %d awarded, total %d" %
             (tid, by_tier[tid], t["total"]))
        cap = t.get("daily_cap")
        for (tt, day), k in sorted(by_day.items()):
            if tt == tid and cap is not None:
                fail(k <= cap, "tier %s: %d awarded on local day %d, daily "
                     "cap %d" % (tid, k, day, cap))
        s = show_tiers.get(tid)
        if fail(s is not None and "awarded" in s,
                "campaign show has no tier %s" % tid):
            fail(s["awarded"] == by_tier[tid],
                 "tier %s: campaign show says %d awarded, the log %d" %
                 (tid, s["awarded"], by_tier[tid]))
            fail(s["left"] == t["total"] - by_tier[tid],
                 "tier %s: campaign show says %d left, want %d" %
                 (tid, s["left"], t["total"] - by_tier[tid]))
    return by_tier, by_day


def cmd_check(a):
    fail = Failures("check")
    codes = read_codes(a.codes)
    serials = [s for s, _ in codes]
    recs = read_jsonl(a.records)
    header, draws, claims = load_export(a.draws, a.claims, a.campaign)
    show_tiers, counts = parse_show(a.show)
    if not fail(header is not None, "no campaign %s in %s" %
                (a.campaign, a.draws)):
        fail.finish("")
    cfg = header["config"]
    tiers = {t["id"]: t for t in cfg["tiers"]}
    kinds = {t["id"]: t["kind"] for t in cfg["tiers"]}
    at_store = any(t.get("reveal") == "at_store" for t in cfg["tiers"])

    # The log: sequence numbers 1..N, N in the header and in `show`.
    seqs = [d["seq"] for d in draws]
    fail(seqs == list(range(1, len(draws) + 1)),
         "the log's sequence numbers are not 1..%d" % len(draws))
    fail(header["draws"] == len(draws), "header says %d draws, the log has "
         "%d" % (header["draws"], len(draws)))
    fail(counts.get("log") == len(draws), "campaign show: log %s entries, "
         "export %d" % (counts.get("log"), len(draws)))

    # Each code of the batch drew online exactly once; nothing refused.
    online = [d for d in draws if d["kind"] == "online"]
    by_serial = {}
    for d in online:
        fail(d["serial"] not in by_serial, "code %s drew online twice "
             "(seq %d and %d)" % (d["serial"],
                                  by_serial.get(d["serial"], {}).get("seq", 0),
                                  d["seq"]))
        by_serial[d["serial"]] = d
    missing = [s for s in serials if s not in by_serial]
    fail(not missing, "%d codes never drew, e.g. %s" % (len(missing),
                                                        missing[:3]))
    extra = set(by_serial) - set(serials)
    fail(not extra, "draws of codes outside the batch: %s" % sorted(extra)[:3])
    refused = [d for d in draws if d["kind"] == "refused"]
    fail(not refused, "%d refused draws (no risk limits set)" % len(refused))
    fail(counts.get("draws") == len(online), "campaign show: %s draws, the "
         "log %d online draws" % (counts.get("draws"), len(online)))
    event_ids = [d["event_id"] for d in online]
    fail(len(set(event_ids)) == len(event_ids),
         "two online draws share a scan event")

    # Stock: never beyond a tier's total or daily cap; `show` agrees.
    by_tier, by_day = check_caps(fail, tiers, draws, show_tiers)
    wins = sum(by_tier.values())
    fail(counts.get("wins") == wins, "campaign show: %s wins, the log %d" %
         (counts.get("wins"), wins))
    for spec in filter(None, (a.min_awarded or "").split(",")):
        tid, _, k = spec.partition("=")
        fail(by_tier[tid] >= int(k), "tier %s: only %d awarded (want at "
             "least %s: the load should use up its stock)" %
             (tid, by_tier[tid], k))

    # Claims: one per physical or coupon win and per sealed ticket, each
    # bound to its draw; nothing else.
    want_claims = {}
    for d in online:
        o = d["outcome"]
        needs = (o in kinds and kinds[o] in ("physical", "coupon")) or \
            o == "ticket"
        if fail(bool(d["claim"]) == needs, "draw %d (%s, outcome %s): claim "
                "%r" % (d["seq"], d["serial"], o, d["claim"])) and needs:
            want_claims[d["claim"]] = d
    fail(set(claims) == set(want_claims), "claims export: %d claims, the "
         "draws name %d (%d missing, %d extra)" %
         (len(claims), len(want_claims), len(set(want_claims) - set(claims)),
          len(set(claims) - set(want_claims))))
    fail(counts.get("claims") == len(want_claims), "campaign show: %s "
         "claims, want %d" % (counts.get("claims"), len(want_claims)))
    tickets = sum(1 for d in online if d["outcome"] == "ticket")
    fail(counts.get("tickets") == tickets, "campaign show: %s tickets, the "
         "log %d" % (counts.get("tickets"), tickets))
    fail(at_store or tickets == 0, "tickets without at_store tiers")
    for cid, d in want_claims.items():
        cl = claims.get(cid)
        if cl is None:
            continue
        want_tier = "ticket" if d["outcome"] == "ticket" else d["outcome"]
        fail(cl["serial"] == d["serial"] and cl["draw_seq"] == d["seq"] and
             cl["tier"] == want_tier and cl["ticket"] ==
             (d["outcome"] == "ticket") and cl["state"] == "open",
             "claim %s does not match draw %d: %s" % (cid, d["seq"],
                                                      json.dumps(cl)))
    points = sum(d.get("points") or 0 for d in draws)
    fail(counts.get("points") == points, "campaign show: %s points, the log "
         "%d" % (counts.get("points"), points))

    # What the clients saw: every answer agrees with the stored draw of its
    # code, all answers of a code are the same, one "new" each.
    answers = collections.defaultdict(list)
    status_count = collections.Counter()
    errors = collections.Counter()
    ev_seen = collections.Counter()
    tokens = []
    for r in recs:
        if r["error"] is not None:
            errors[r["error"]] += 1
            continue
        status_count[r["status"]] += 1
        if r["status"] == 503:
            fail(a.crash, "a 503 without a crash: %s" % json.dumps(r))
            continue
        if not fail(r["status"] == 200, "client %d code %d: status %s: %s" %
                    (r["c"], r["i"], r["status"], json.dumps(r["body"]))):
            continue
        b = r["body"]
        ev_seen[b.get("event_id")] += 1
        answers[r["serial"]].append(r)
    fail(not any(k > 1 for k in ev_seen.values()),
         "event ids answered twice: %s" %
         sorted(e for e, k in ev_seen.items() if k > 1)[:5])
    outcome_word = {"miss": "miss", "ticket": "ticket"}
    for tid, k in kinds.items():
        outcome_word[tid] = "points" if k == "points" else "win"
    news = 0
    for s in serials:
        rs = answers.get(s, [])
        if not fail(rs, "code %s: no client got an answer" % s):
            continue
        d = by_serial.get(s)
        if d is None:
            continue
        nnew = 0
        for r in rs:
            b = r["body"]
            what = "client %d %s answer for %s" % (r["c"], r["ph"], s)
            fail(b.get("campaign") == a.campaign, what + ": campaign %r" %
                 b.get("campaign"))
            fail(b.get("status") in ("new", "repeat"), what + ": status %r" %
                 b.get("status"))
            fail(b.get("draw") == d["seq"], what + ": draw %r, stored seq %d"
                 % (b.get("draw"), d["seq"]))
            fail(b.get("outcome") == outcome_word.get(d["outcome"]),
                 what + ": outcome %r, stored %r" % (b.get("outcome"),
                                                     d["outcome"]))
            p = b.get("prize")
            fail((p or {}).get("tier") == (d["outcome"] if d["outcome"] in
                                            kinds else None),
                 what + ": prize %r, stored %r" % (p, d["outcome"]))
            c = b.get("claim")
            tok = (c or {}).get("token")
            fail((tok[:8] if tok else None) == d["claim"],
                 what + ": claim %r, stored claim %r" % (tok, d["claim"]))
            if b.get("status") == "new":
                nnew += 1
                fail(b.get("event_id") == d["event_id"], what + ": event %r, "
                     "the draw's event %r" % (b.get("event_id"),
                                              d["event_id"]))
                fail(r["ph"] != "repeat", what + ": a new draw in the repeat "
                     "phase")
            if tok:
                tokens.append((r["t1"], tok, s, d["outcome"]))
        if a.crash:
            fail(nnew <= 1, "code %s: %d new draws answered" % (s, nnew))
        else:
            fail(nnew == 1, "code %s: %d new draws answered" % (s, nnew))
        # All answers of a code show the same result.
        shapes = {json.dumps([r["body"].get("outcome"), r["body"].get("draw"),
                              r["body"].get("prize"),
                              (r["body"].get("claim") or {}).get("token")])
                  for r in rs}
        fail(len(shapes) == 1, "code %s: answers differ: %s" %
             (s, sorted(shapes)))
        news += nnew
    races = [s for s in answers if len({r["c"] for r in answers[s]}) > 1]

    # Points: the clients' balances add up to the points credited.
    if a.points:
        pts = read_jsonl(a.points)
        fail(all(p["status"] == 200 for p in pts), "points: %s" % pts)
        total = sum(p["balance"] or 0 for p in pts)
        fail(total == points, "the clients' point balances add up to %d, "
             "the log credited %d" % (total, points))
        if not a.crash:
            mine = collections.Counter()
            for rs in answers.values():
                for r in rs:
                    b = r["body"]
                    if b.get("status") == "new" and b.get("outcome") == \
                            "points":
                        mine[r["c"]] += (b.get("prize") or {}).get("points") \
                            or 0
            for p in pts:
                fail(p["balance"] == mine[p["client"]], "client %d: balance "
                     "%s, its new points draws credited %d" %
                     (p["client"], p["balance"], mine[p["client"]]))

    before = 0
    if a.kill_time is not None:
        before = sum(1 for rs in answers.values() for r in rs
                     if r["t1"] < a.kill_time)
        after = sum(1 for rs in answers.values() for r in rs
                    if r["t0"] > a.kill_time and r["body"].get("status") ==
                    "new")
        fail(before > 0, "no answer before the kill")
        fail(after > 0, "no new draw answered after the restart")
    if a.tokens_out:
        tokens.sort()
        seen, rows = set(), []
        for t1, tok, s, o in tokens:
            if tok not in seen:
                seen.add(tok)
                rows.append("%s %s %s %d\n" % (tok, s, o,
                            1 if a.kill_time is not None and t1 < a.kill_time
                            else 0))
        with open(a.tokens_out, "w") as f:
            f.writelines(rows)
    fail.finish("%d records (%s; errors %s); %d codes drew once (%d answered "
                "new, %d raced by several clients); %d online draws, awards "
                "%s, %d claims, %d tickets, %d points%s" %
                (len(recs), dict(status_count), dict(errors), len(by_serial),
                 news, len(races), len(online), dict(by_tier),
                 len(want_claims), tickets, points,
                 "; %d answers before the kill" % before
                 if a.kill_time is not None else ""))


# ---- redemptions -----------------------------------------------------------

def cmd_redeem(a):
    tokens = [t.split()[0] for t in open(a.tokens) if t.strip()]
    bearers = [b for b in a.bearer.split(",") if b]
    out = Out(a.out)
    k = a.racers

    def one(cl, token, racer):
        t0 = time.time()
        st, j, err = cl.send("POST", "/api/v1/claims/%s/redeem" % token,
                             body=b"", headers={
                                 "Authorization": "Bearer " +
                                 bearers[racer % len(bearers)],
                                 "Content-Type": None})
        out.write({"token": token, "racer": racer, "t0": t0,
                   "t1": time.time(), "status": st, "error": err, "body": j})

    if a.workers:
        jobs = [(t, r) for t in tokens for r in range(k)]
        mu = threading.Lock()

        def work():
            cl = Client(a.host, a.port)
            while True:
                with mu:
                    if not jobs:
                        break
                    t, r = jobs.pop(0)
                one(cl, t, r)
            cl.close()
        threads = [threading.Thread(target=work) for _ in range(a.workers)]
    else:
        barrier = threading.Barrier(k + a.cli_racers)

        def race(racer):
            cl = Client(a.host, a.port)
            cl.connect()
            rng = random.Random(racer)
            for t in tokens:
                barrier.wait(timeout=60)
                if a.api_delay_ms:
                    time.sleep(rng.uniform(0, a.api_delay_ms) / 1000)
                one(cl, t, racer)
            cl.close()

        def race_cli(racer):
            for t in tokens:
                barrier.wait(timeout=60)
                t0 = time.time()
                p = subprocess.run([os.environ["SCANLOOP"], "claim", "redeem",
                                    t, "--store", a.cli_store],
                                   stdin=subprocess.DEVNULL,
                                   capture_output=True, text=True)
                out.write({"token": t, "racer": racer, "cli": a.cli_store,
                           "t0": t0, "t1": time.time(),
                           "status": p.returncode, "error": None,
                           "body": {"stdout": p.stdout[-2000:],
                                    "stderr": p.stderr[-2000:]}})
        threads = [threading.Thread(target=race, args=(r,)) for r in range(k)]
        threads += [threading.Thread(target=race_cli, args=(k + r,))
                    for r in range(a.cli_racers)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.close()
    print("drawload: %d claims, %d API and %d CLI racers each, in %.2f s" %
          (len(tokens), k, a.cli_racers, time.monotonic() - t0))


def cmd_check_redeem(a):
    fail = Failures("check-redeem")
    recs = read_jsonl(a.records)
    claims = {}
    for r in read_jsonl(a.claims):
        if r.get("type") == "claim":
            claims[r["id"]] = r
    by_token = collections.defaultdict(list)
    for r in recs:
        if r.get("cli"):
            by_token[r["token"]].append(("cli", r["status"],
                                         dict(r["body"], shop=r["cli"]),
                                         None))
        else:
            by_token[r["token"]].append(("api", r["status"],
                                         r.get("body") or {}, r.get("error")))
    opened = []
    winners = collections.Counter()
    for tok, rs in sorted(by_token.items()):
        wins = [r for r in rs if (r[0] == "api" and r[1] == 200) or
                (r[0] == "cli" and r[1] == 0)]
        if not fail(len(wins) == 1, "claim %s: %d successful redemptions of "
                    "%d: %s" % (tok, len(wins), len(rs),
                                [(r[0], r[1], r[3]) for r in rs])):
            continue
        w = wins[0]
        winners[w[0]] += 1
        shop = w[2]["shop"] if w[0] == "cli" else \
            (w[2].get("claim") or {}).get("shop")
        for r in rs:
            if r is w:
                continue
            if r[0] == "cli":
                fail(r[1] == 1 and "already redeemed" in r[2]["stderr"] and
                     ("at store %s" % shop) in r[2]["stderr"],
                     "claim %s: a losing claim redeem exited %d, want 1 "
                     "(already redeemed at store %s): %s" %
                     (tok, r[1], shop, r[2]["stderr"]))
                continue
            fail(r[1] == 409 and r[2].get("error") == "already_redeemed" and
                 r[2].get("shop") == shop,
                 "claim %s: a losing redemption answered %s %s (want 409 "
                 "already_redeemed at %s)" % (tok, r[1], json.dumps(r[2]),
                                               shop))
        cl = claims.get(tok[:8])
        if fail(cl is not None, "claim %s is not in the claims export" % tok):
            fail(cl["state"] == "redeemed" and cl["shop"] == shop,
                 "claim %s: export says %s at %s, want redeemed at %s" %
                 (tok, cl["state"], cl["shop"], shop))
        if w[0] == "api":
            b = w[2]
            fail(b.get("status") == "redeemed" and
                 (b.get("claim") or {}).get("token") == tok,
                 "claim %s: 200 body %s" % (tok, json.dumps(b)))
            if a.tickets:
                fail(b.get("ticket_opened") is True, "claim %s: the ticket "
                     "was not opened: %s" % (tok, json.dumps(b)))
                opened.append((tok, b, cl))
    summary = "%d claims raced, %d attempts; won by %s" % (
        len(by_token), len(recs), dict(winners))
    if a.tickets:
        header = None
        draws = []
        for r in read_jsonl(a.draws):
            if r.get("type") == "campaign":
                header = r
            elif r.get("type") == "draw":
                draws.append(r)
        tiers = {t["id"]: t for t in header["config"]["tiers"]}
        opens = {d["claim"]: d for d in draws if d["kind"] == "open"}
        fail(len(opens) == len([d for d in draws if d["kind"] == "open"]),
             "a ticket opened twice")
        fail(len(opens) == len(opened), "%d openings in the log, %d tickets "
             "opened through the API" % (len(opens), len(opened)))
        for tok, b, cl in opened:
            d = opens.get(tok[:8])
            if not fail(d is not None, "ticket %s: no opening in the log" %
                        tok):
                continue
            got = (b.get("prize") or {}).get("tier") or "miss"
            fail(got == d["outcome"], "ticket %s: the store answered %s, the "
                 "log says %s" % (tok, got, d["outcome"]))
            fail(d["shop"] == (b.get("claim") or {}).get("shop"),
                 "ticket %s: opened at %s, the log says %s" %
                 (tok, (b.get("claim") or {}).get("shop"), d["shop"]))
            if cl is not None:
                fail(cl["tier"] == got and cl["open_seq"] == d["seq"],
                     "ticket %s: claims export tier %s open_seq %s, want %s "
                     "%s" % (tok, cl["tier"], cl["open_seq"], got, d["seq"]))
        show_tiers, counts = parse_show(a.show)
        by_tier, by_day = check_caps(fail, tiers, draws, show_tiers)
        fail(counts.get("redeemed") == len(opened), "campaign show: %s "
             "redeemed, want %d" % (counts.get("redeemed"), len(opened)))
        capped = [tid for tid, t in tiers.items() if t.get("daily_cap") and
                  any(k == t["daily_cap"] for (x, _), k in by_day.items()
                      if x == tid)]
        summary += "; tickets opened %d, awards %s, per day %s, at a cap: " \
            "%s" % (len(opened), dict(by_tier), dict(
                ("%s/day%d" % k, v) for k, v in by_day.items()), capped)
        for spec in filter(None, (a.min_awarded or "").split(",")):
            tid, _, k = spec.partition("=")
            fail(by_tier[tid] >= int(k), "tier %s: only %d awarded at the "
                 "stores (want at least %s)" % (tid, by_tier[tid], k))
    fail.finish(summary)


def main():
    ap = argparse.ArgumentParser(description="Prize draw load and checks.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("load")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--codes", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--race", type=int, default=100)
    p.add_argument("--pair-every", type=int, default=10)
    p.add_argument("--repeats", type=int, default=50)
    p.add_argument("--deadline", type=float, default=240)
    p.add_argument("--points-out")
    p.add_argument("--seed", type=int, default=1)
    p = sub.add_parser("check")
    p.add_argument("--records", required=True)
    p.add_argument("--codes", required=True)
    p.add_argument("--campaign", required=True)
    p.add_argument("--draws", required=True)
    p.add_argument("--claims", required=True)
    p.add_argument("--show", required=True)
    p.add_argument("--points")
    p.add_argument("--crash", action="store_true")
    p.add_argument("--kill-time", type=float)
    p.add_argument("--min-awarded")
    p.add_argument("--tokens-out")
    p = sub.add_parser("redeem")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tokens", required=True)
    p.add_argument("--bearer", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--racers", type=int, default=2)
    p.add_argument("--workers", type=int, default=0)
    p.add_argument("--cli-racers", type=int, default=0)
    p.add_argument("--cli-store")
    p.add_argument("--api-delay-ms", type=float, default=0)
    p = sub.add_parser("check-redeem")
    p.add_argument("--records", required=True)
    p.add_argument("--claims", required=True)
    p.add_argument("--draws")
    p.add_argument("--show")
    p.add_argument("--tickets", action="store_true")
    p.add_argument("--min-awarded")
    a = ap.parse_args()
    {"load": cmd_load, "check": cmd_check, "redeem": cmd_redeem,
     "check-redeem": cmd_check_redeem}[a.cmd](a)


if __name__ == "__main__":
    main()
