"""kafka_check.py — what a consumer of the node's Kafka topic read,
against the store's own exports (tests/integration/serve/kafka.sh).

  python3 kafka_check.py --consumed FILE --scans S.jsonl --draws D.jsonl
        --claims C.jsonl --signals G.jsonl --node N [--records LOAD.jsonl]
        [--located IDS]

FILE is mock_broker's output (PARTITION TAB OFFSET TAB KEY TAB VALUE).
Checks, with Python's json as the reader:
  - every record is a JSON object with "type" and "node" N first, and
    the rest is the exports' record: a scan (or a location) is the line
    `export scans --format jsonl` has for its event (a scan sent before
    its late location may lack the location), a draw the draws export's
    object without "date", a redemption the claims export's object, a
    signal the row `scanloop signals --format jsonl` has for it;
  - nothing is missing: every event, every draw, every redeemed claim of
    the exports, every stored signal, every event in LOCATED (a location record), and every
    event a client got a 2xx for (RECORDS) is in the topic;
  - nothing else: no record the store does not hold;
  - keys: a record's key is its serial (none for events without one; a
    signal without a serial: "batch/ID", else its ip_prefix), and
    all the records of a key are in one partition;
  - order per key: read in offset order, each (type, id) once, a record
    comes after every record it follows in the store (scans by increasing
    event id, a draw after its scan event, a location after its scan, a
    redemption after its claim's draw, a signal after the scans it names
    that have its key). Reading the last copies, always;
    reading the first copies (a consumer that drops repeats), unless the
    server resent from its watermark after a delivery it could not
    confirm (--resent): records after the lost one were stored before
    it, and come again after it;
  - duplicates are only repeats of a (node, type, id).
Prints the figures: records, distinct, duplicates, events committed.
"""
import argparse
import json
import sys

LOCATION_FIELDS = ("lat", "lon", "accuracy", "location_time")


def fail(msg):
    print("kafka_check: " + msg, file=sys.stderr)
    sys.exit(1)


def read_jsonl(path, keep=None):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                o = json.loads(line)
                if keep is None or keep(o):
                    out.append(o)
    return out


def ident(rec):
    """The dedupe key of a record (besides the node)."""
    t = rec["type"]
    if t in ("scan", "location"):
        return (t, rec["event_id"])
    if t == "draw":
        return (t, rec["campaign"], rec["seq"])
    if t in ("redemption", "signal"):
        return (t, rec["id"])
    fail("unknown type %r" % t)


def order_violations(p, recs, claim_draw, events_of_key):
    """The records of partition p (offset order, repeats dropped) that
    come before one they follow in the store."""
    bad = []
    state = {}
    firsts = set()
    for off, key, rec in recs:
        i = ident(rec)
        if i in firsts:
            continue
        firsts.add(i)
        if key is None:
            continue
        st = state.setdefault(key, {"scan": 0, "scans": set(),
                                    "draws": set()})
        t = rec["type"]
        if t == "scan":
            if rec["event_id"] <= st["scan"]:
                bad.append("key %s: event %d after event %d (partition %d "
                           "offset %d)" % (key, rec["event_id"], st["scan"],
                                           p, off))
            st["scan"] = max(st["scan"], rec["event_id"])
            st["scans"].add(rec["event_id"])
        elif t == "location":
            if rec["event_id"] not in st["scans"]:
                bad.append("key %s: the location of event %d before its "
                           "scan" % (key, rec["event_id"]))
        elif t == "draw":
            if rec["event_id"] and rec["event_id"] not in st["scans"]:
                bad.append("key %s: draw %s/%d before its scan event %d"
                           % (key, rec["campaign"], rec["seq"],
                              rec["event_id"]))
            st["draws"].add((rec["campaign"], rec["seq"]))
        elif t == "signal":
            for e in rec["event_ids"]:
                if e in events_of_key.get(key, ()) and e not in st["scans"]:
                    bad.append("key %s: signal %d before its scan event %d"
                               % (key, rec["id"], e))
        else:
            d = claim_draw.get(rec["id"])
            if d is not None and d not in st["draws"]:
                bad.append("key %s: redemption of %s before its draw %s/%d"
                           % ((key, rec["id"]) + d))
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--consumed", required=True)
    ap.add_argument("--scans", required=True)
    ap.add_argument("--draws", required=True)
    ap.add_argument("--claims", required=True)
    ap.add_argument("--signals", required=True)
    ap.add_argument("--node", type=int, required=True)
    ap.add_argument("--records")
    ap.add_argument("--located", default="")
    ap.add_argument("--resent", action="store_true",
                    help="the server resent after an unconfirmed delivery")
    a = ap.parse_args()

    scans = {o["event_id"]: o for o in read_jsonl(a.scans)}
    draws = {(o["campaign"], o["seq"]): o
             for o in read_jsonl(a.draws, lambda o: o["type"] == "draw")}
    claims = {o["id"]: o for o in read_jsonl(a.claims)}
    redeemed = {k for k, o in claims.items() if o["state"] == "redeemed"}
    located = {int(x) for x in a.located.split(",") if x}
    signals = {o["id"]: o for o in read_jsonl(a.signals)}
    events_of_key = {}
    for o in scans.values():
        if o["serial"] is not None:
            events_of_key.setdefault(o["serial"], set()).add(o["event_id"])

    consumed = []
    with open(a.consumed, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            parts = line.rstrip("\n").split("\t", 3)
            if len(parts) != 4:
                fail("line %d of the consumer's file is cut: %r" % (n, line))
            p, off, key, value = parts
            try:
                rec = json.loads(value)
            except ValueError as e:
                fail("record %s/%s is not JSON (%s): %r" % (p, off, e, value))
            if list(rec)[:2] != ["type", "node"] or rec["node"] != a.node:
                fail("record %s/%s does not begin with type and node %d: %s"
                     % (p, off, a.node, value))
            consumed.append((int(p), int(off), None if key == "-" else key,
                             rec))

    seen = {}
    key_part = {}
    for p, off, key, rec in consumed:
        body = dict(rec)
        del body["type"], body["node"]
        t = rec["type"]
        if t in ("scan", "location"):
            want = scans.get(rec["event_id"])
            if want is None:
                fail("%s record of event %d, which the store does not hold"
                     % (t, rec["event_id"]))
            got = dict(body)
            exp = dict(want)
            if t == "scan" and got["location_time"] is None:
                for k in LOCATION_FIELDS:
                    got[k] = exp[k] = None
            if got != exp:
                fail("%s record of event %d differs from the export:\n  %s\n"
                     "  %s" % (t, rec["event_id"], body, want))
            if t == "location" and rec["event_id"] not in located:
                fail("a location record of event %d, which got none later"
                     % rec["event_id"])
            want_key = want["serial"]
        elif t == "draw":
            want = draws.get((rec["campaign"], rec["seq"]))
            if want is None:
                fail("draw %s/%d is not in the draw log" % (rec["campaign"],
                                                            rec["seq"]))
            exp = {k: v for k, v in want.items() if k not in ("type", "date")}
            if body != exp:
                fail("draw record differs from the export:\n  %s\n  %s"
                     % (body, want))
            want_key = want["serial"]
        elif t == "signal":
            want = signals.get(rec["id"])
            if want is None:
                fail("signal %d, which the store does not hold" % rec["id"])
            if body != want:
                fail("signal record differs from the listing:\n  %s\n  %s"
                     % (body, want))
            want_key = (want["serial"] or
                        ("batch/%d" % want["batch_id"] if want["batch_id"]
                         else want["ip_prefix"]))
        else:
            want = claims.get(rec["id"])
            if want is None or rec["id"] not in redeemed:
                fail("redemption of claim %s, which is not redeemed"
                     % rec["id"])
            exp = {k: v for k, v in want.items() if k != "type"}
            if body != exp:
                fail("redemption record differs from the claims export:\n"
                     "  %s\n  %s" % (body, want))
            want_key = want["serial"]
        if key != want_key:
            fail("record %s/%d is keyed %r, not by its serial %r"
                 % (p, off, key, want_key))
        if key is not None and key_part.setdefault(key, p) != p:
            fail("key %s is in partitions %d and %d" % (key, key_part[key], p))
        seen.setdefault(ident(rec), 0)
        seen[ident(rec)] += 1

    # Nothing missing.
    for eid in scans:
        if ("scan", eid) not in seen:
            fail("event %d is committed but not in the topic" % eid)
    for d in draws:
        if ("draw",) + d not in seen:
            fail("draw %s/%d is committed but not in the topic" % d)
    for cid in redeemed:
        if ("redemption", cid) not in seen:
            fail("claim %s was redeemed but no redemption is in the topic"
                 % cid)
    for sid in signals:
        if ("signal", sid) not in seen:
            fail("signal %d is stored but not in the topic" % sid)
    for eid in located:
        if ("location", eid) not in seen:
            fail("event %d got a location but no location record is in "
                 "the topic" % eid)
    acked = 0
    if a.records:
        for r in read_jsonl(a.records):
            if r.get("status") and 200 <= r["status"] < 300 and r["event"]:
                acked += 1
                if ("scan", r["event"]) not in seen:
                    fail("a client got %d for event %d, which is not in the "
                         "topic" % (r["status"], r["event"]))

    # Order per key, in offset order, reading each (type, id) once: at
    # its first occurrence (what a consumer that drops repeats sees) and
    # at its last (a resend from the watermark sends everything after it
    # again, in order, so the last copies are always in order).
    by_part = {}
    for p, off, key, rec in consumed:
        by_part.setdefault(p, []).append((off, key, rec))
    claim_draw = {o["claim"]: (o["campaign"], o["seq"])
                  for o in draws.values() if o.get("claim")}
    for recs in by_part.values():
        recs.sort(key=lambda x: x[0])
    first_bad = []
    for p, recs in sorted(by_part.items()):
        first_bad += order_violations(p, recs, claim_draw, events_of_key)
        last = {}
        for i, (off, key, rec) in enumerate(recs):
            last[ident(rec)] = i
        lasts = [r for i, r in enumerate(recs) if last[ident(r[2])] == i]
        bad = order_violations(p, lasts, claim_draw, events_of_key)
        if bad:
            fail("out of order, reading the last copies: " + bad[0])
    if first_bad and not a.resent:
        fail("out of order, reading the first copies, though the server "
             "resent nothing after an unconfirmed delivery: " + first_bad[0])
    total = len(consumed)
    distinct = len(seen)
    print("kafka: %d records read, %d distinct, %d duplicates (repeats of "
          "a (node, type, id)); committed: %d scan events, %d draws, %d "
          "redemptions, %d late locations, %d signals; %d scans answered 2xx to the "
          "load, all in the topic; order per key: the last copies in "
          "order, the first copies %s"
          % (total, distinct, total - distinct, len(scans), len(draws),
             len(redeemed), len(located), len(signals), acked,
             "in order" if not first_bad else
             "out of order %d times (after resends)" % len(first_bad)))


if __name__ == "__main__":
    main()
