#!/usr/bin/env python3
"""epcis_compare.py - an EPCIS export against the JSON Lines export and the
print jobs of the same store (tests/integration/serve/export_epcis.sh).

  epcis_compare.py scans EPCIS JSONL OFFSET DIGITS
      every scan of the JSON Lines export is one ObjectEvent, field by
      field: scanloop:event, the time (milliseconds, in the offset), the
      item's Digital Link URI, verdict, who, visitor, readPoint rounded to
      DIGITS decimals; nothing else.
  epcis_compare.py batches EPCIS SPEC
      SPEC (JSON): {"BATCH": {"codes": CSV, "steps": [[action, reason,
      count], ...]}}: each batch's events in order, and the ADD events
      together list every code of the batch's codes.csv.
Exit status 0 when all match; prints what differs otherwise.
"""
import csv
import datetime
import decimal
import json
import sys

NS = "scanloop:"


def fail(msg):
    print(msg)
    sys.exit(1)


def item_uri(url):
    """The code's URL without ?S=, scheme and host in lower case."""
    base = url.split("?", 1)[0]
    scheme, rest = base.split("://", 1)
    host, _, path = rest.partition("/")
    return scheme.lower() + "://" + host.lower() + "/" + path


def when(us, offset):
    """Unix microseconds as the EPCIS text in offset, milliseconds half up."""
    ms = (us + 500) // 1000
    sign = -1 if offset[0] == "-" else 1
    delta = datetime.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])) * sign
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=ms) + delta
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (ms % 1000) + offset


def parse_us(iso):
    t = datetime.datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S")
    frac = iso[19:].rstrip("Z")
    us = int((t - datetime.datetime(1970, 1, 1)).total_seconds()) * 1000000
    return us + (int(frac[1:].ljust(6, "0")) if frac else 0)


def geo(x, digits):
    s = str(decimal.Decimal(x).quantize(decimal.Decimal(1).scaleb(-digits),
                                              rounding=decimal.ROUND_HALF_EVEN))
    if s.startswith("-") and s.strip("-0.") == "":
        s = s[1:]
    return s


def scans(epcis_path, jsonl_path, offset, digits):
    events = json.load(open(epcis_path))["epcisBody"]["eventList"]
    rows = [json.loads(l) for l in open(jsonl_path)]
    if len(events) != len(rows) or not rows:
        fail("%d EPCIS events, %d JSON Lines rows" % (len(events), len(rows)))
    for ev, r in zip(events, rows):
        want = {
            "type": "ObjectEvent", "action": "OBSERVE",
            NS + "event": r["event_id"], NS + "verdict": r["verdict"],
            NS + "who": r["who"],
            "eventTime": when(parse_us(r["time"]), offset),
            "eventTimeZoneOffset": offset,
        }
        if r["visitor"] is not None:
            want[NS + "visitor"] = r["visitor"]
        if r["lat"] is not None:
            want["readPoint"] = {"id": "geo:%s,%s" % (geo(r["lat"], digits),
                                                      geo(r["lon"], digits))}
        for k, v in want.items():
            if ev.get(k) != v:
                fail("event %s: %s is %r, want %r" % (r["event_id"], k, ev.get(k), v))
        epcs = ev["epcList"]
        if r["serial"] and r["gtin"]:
            host = "https://s.example.com" if r["batch_id"] is not None else None
            uri = "/01/%s/21/%s" % (r["gtin"], r["serial"])
            if len(epcs) != 1 or not epcs[0].endswith(uri) or \
                    (host and not epcs[0].startswith(host)):
                fail("event %s: epcList %r, want ...%s" % (r["event_id"], epcs, uri))
        elif epcs:
            fail("event %s: epcList %r, want none" % (r["event_id"], epcs))
        extra = set(ev) - set(want) - {"epcList", "bizStep", "eventID", "readPoint"}
        if extra:
            fail("event %s: unexpected fields %s" % (r["event_id"], sorted(extra)))
        if "readPoint" in ev and "readPoint" not in want:
            fail("event %s: a readPoint without a location" % r["event_id"])
    print("%d scans match the JSON Lines export" % len(rows))


def batches(epcis_path, spec_path):
    events = json.load(open(epcis_path))["epcisBody"]["eventList"]
    spec = json.load(open(spec_path))
    seen = {}
    for ev in events:
        seen.setdefault(str(ev[NS + "batch"]), []).append(ev)
    if sorted(seen) != sorted(spec):
        fail("batches %s, want %s" % (sorted(seen), sorted(spec)))
    for b, want in spec.items():
        got = [[e["action"], e.get(NS + "voidReason"), len(e["epcList"])] for e in seen[b]]
        if got != want["steps"]:
            fail("batch %s: steps %s, want %s" % (b, got, want["steps"]))
        with open(want["codes"], newline="") as f:
            codes = {item_uri(r["url"]) for r in csv.DictReader(f)}
        added = [u for e in seen[b] if e["action"] == "ADD" for u in e["epcList"]]
        if sorted(added) != sorted(codes):
            fail("batch %s: the ADD events do not list its %d codes" % (b, len(codes)))
        for e in seen[b]:
            if not set(e["epcList"]) <= codes:
                fail("batch %s: an event lists a code of another batch" % b)
    print("%d batches match their print jobs" % len(spec))


if __name__ == "__main__":
    if sys.argv[1] == "scans":
        scans(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        batches(sys.argv[2], sys.argv[3])
