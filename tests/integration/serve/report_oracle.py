#!/usr/bin/env python3
"""report_oracle.py — the report's figures computed again, independently,
from the JSON Lines exports (scans, codes, batches, draws, claims), and
compared with `scanloop report --json`.

  report_oracle.py --report R.json --dir EXPORTS [--tz ZONE]
                   [--campaign ID --scope BATCH,...] --countries FILE
                   [--signals FILE --stores FILE]

EXPORTS holds scans.jsonl, codes.jsonl, batches.jsonl and, with
--campaign, draws.jsonl and claims.jsonl. Local days and hours come from
Python's zoneinfo, countries from a ray cast of its own over the shipped
outline file. With --signals (the JSON Lines of `scanloop signals`) and
--stores (a JSON object: store id -> [lat, lon], the located stores), the
report's signals are checked too: counts per kind and the newest of each
kind from the listing, and the redemption anomalies computed here by the
rule of docs/signals.md (default settings) from the scans and claims
exports. Prints what it compared; exits 1 on the first difference.
"""
import argparse
import datetime as dt
import json
import math
import sys
import zoneinfo

VERDICTS = ("genuine", "not_active", "void", "forged", "malformed")
KINDS = ("leaked_job", "clone", "diversion", "forgery_burst",
         "redemption_anomaly")
LATEST = 10
# docs/signals.md, the defaults of redemption.km, .min, .ratio and .p.
RED_KM, RED_MIN, RED_RATIO, RED_P = 5.0, 10, 3.0, 0.001


def ts(s):
    """ISO 8601 UTC with microseconds to Unix microseconds."""
    d = dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
    return int(d.replace(tzinfo=dt.timezone.utc).timestamp()) * 1000000 + \
        d.microsecond


def lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(x) for x in f if x.strip()]


def load_countries(path):
    out = []
    for line in open(path, encoding="utf-8"):
        if line.startswith("C "):
            _, cid, name = line.rstrip("\n").split(" ", 2)
            out.append((int(cid), name, []))
        elif line.startswith("R "):
            v = [int(x) for x in line[2:].split()]
            out[-1][2].append(list(zip(v[0::2], v[1::2])))
    return out


def by_box(countries):
    """Countries in the order points are looked up: smallest bounding box
    (in hundredths of a degree) first, then file order."""
    def area(c):
        xs = [p[0] for r in c[2] for p in r]
        ys = [p[1] for r in c[2] for p in r]
        return (max(xs) - min(xs)) * (max(ys) - min(ys))
    return sorted(countries, key=area)


def seg_dist(p, a, b):
    """Distance from point p to segment ab."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    L = dx * dx + dy * dy
    t = 0 if L == 0 else max(0, min(1, ((p[0] - a[0]) * dx +
                                      (p[1] - a[1]) * dy) / L))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def country_of(countries, lat, lon):
    """The country that holds the point, else the one whose outline
    passes nearest within 0.2 degree (longitudes scaled by cos(lat))."""
    x, y = lon * 100, lat * 100
    for cid, name, rings in countries:
        inside = False
        for ring in rings:
            n = len(ring)
            for i in range(n):
                (xi, yi), (xj, yj) = ring[i], ring[i - 1]
                if (yi > y) != (yj > y) and \
                        x < (xj - xi) * (y - yi) / (yj - yi) + xi:
                    inside = not inside
        if inside:
            return cid, name
    k = math.cos(math.radians(lat))
    best, found = 20.0, (None, "unknown")
    for cid, name, rings in countries:
        for ring in rings:
            for i in range(len(ring)):
                a, b = ring[i - 1], ring[i]
                d = seg_dist((x * k, y), (a[0] * k, a[1]), (b[0] * k, b[1]))
                if d < best:
                    best, found = d, (cid, name)
    return found


def counts(evs):
    c = {"scans": len(evs)}
    for w in ("human", "bot", "head", "api"):
        c[w] = 0
    for v in VERDICTS:
        c[v] = 0
    for e in evs:
        if e["who"] in ("human", "api"):
            c["human"] += 1
        if e["who"] in ("bot", "head", "api"):
            c[e["who"]] += 1
        c[e["verdict"]] += 1
    return c


def human_auth(e):
    return e["who"] in ("human", "api") and \
        e["verdict"] in ("genuine", "not_active", "void")


def period_figures(a, lo, hi, allscans, codes, batches, countries):
    tz = a.zone
    evs = [e for e in allscans if lo <= e["_t"] < hi]
    out = {"from": lo, "to": hi}
    # First human scans of each code, over the whole history.
    first = {}
    for e in allscans:
        if human_auth(e) and e["serial"] not in first:
            first[e["serial"]] = e["event_id"]
    auth = [e for e in evs if human_auth(e)]
    serials = {}
    for e in auth:
        serials[e["serial"]] = serials.get(e["serial"], 0) + 1
    t = counts(evs)
    t["first_scans"] = sum(1 for e in auth if first[e["serial"]] ==
                           e["event_id"])
    t["repeats"] = len(auth) - t["first_scans"]
    t["codes_scanned"] = len(serials)
    t["located"] = sum(1 for e in evs if e["lat"] is not None)
    out["totals"] = t
    # Days and hours.
    def local(e):
        return dt.datetime.fromtimestamp(e["_t"] / 1e6, tz)
    d0 = dt.datetime.fromtimestamp(lo / 1e6, tz).date()
    d1 = dt.datetime.fromtimestamp((hi - 1) / 1e6, tz).date()
    days = []
    d = d0
    while d <= d1:
        c = counts([e for e in evs if local(e).date() == d])
        c["date"] = d.isoformat()
        days.append(c)
        d += dt.timedelta(days=1)
    out["days"] = days
    out["hours"] = []
    for h in range(24):
        c = counts([e for e in evs if local(e).hour == h])
        c["hour"] = h
        out["hours"].append(c)
    # Batches.
    bl = []
    for b in batches:
        act = b["activated"] is not None and ts(b["activated"]) < hi
        active = max(b["codes"] - b["codes_void"], 0) if act else 0
        scanned = sum(1 for c in codes if c["batch_id"] == b["batch_id"]
                      and c["first_scan_time"] is not None
                      and ts(c["first_scan_time"]) < hi)
        mine = [e for e in auth if e["batch_id"] == b["batch_id"]]
        bl.append({
            "batch_id": b["batch_id"], "codes": b["codes"],
            "codes_activated": active, "codes_scanned": scanned,
            "scan_rate": scanned / active if active else None,
            "codes_scanned_period": len({e["serial"] for e in mine}),
            "first_scans": sum(1 for e in mine if first[e["serial"]] ==
                               e["event_id"]),
            "human": len(mine),
            "forged": sum(1 for e in evs if e["verdict"] == "forged" and
                          e["batch_id"] == b["batch_id"]),
        })
    out["batches"] = bl
    # Where.
    areas, cells = {}, {}
    for e in evs:
        if e["lat"] is None:
            continue
        cid, name = country_of(countries, e["lat"], e["lon"])
        areas[(cid, name)] = areas.get((cid, name), 0) + 1
        k = (int(e["lat"] // 1), int(e["lon"] // 1))
        cells[k] = cells.get(k, 0) + 1
    out["areas"] = sorted(({"id": k[0], "name": k[1], "scans": n}
                           for k, n in areas.items()),
                          key=lambda r: (-r["scans"], r["id"] is None,
                                         r["name"]))
    out["map_cells"] = sorted(({"lat": k[0], "lon": k[1], "scans": n}
                               for k, n in cells.items()),
                              key=lambda r: (r["lat"], r["lon"]))
    # Ranked tables.
    rep = sorted(((n, s) for s, n in serials.items() if n >= 2),
                 key=lambda x: (-x[0], x[1]))[:10]
    out["top_codes"] = [{"serial": s, "human": n} for n, s in rep]
    pre = {}
    for e in evs:
        if e["verdict"] not in ("forged", "malformed") or not e["ip"]:
            continue
        p = ".".join(e["ip"].split(".")[:3]) + ".0/24"
        f = pre.setdefault(p, [0, 0])
        f[0 if e["verdict"] == "forged" else 1] += 1
    out["forged_prefixes"] = sorted(
        ({"prefix": p, "forged": f[0], "malformed": f[1]}
         for p, f in pre.items()),
        key=lambda r: (-(r["forged"] + r["malformed"]), r["prefix"]))[:10]
    if a.campaign:
        out["campaign"] = campaign_figures(a, lo, hi)
    return out


def campaign_figures(a, lo, hi):
    head = None
    draws = []
    for d in lines(a.dir + "/draws.jsonl"):
        if d["campaign"] != a.campaign:
            continue
        if d["type"] == "campaign":
            head = d
        else:
            d["_t"] = ts(d["time"])
            draws.append(d)
    cfg = head["config"]
    tiers = cfg["tiers"]
    f = {"draws": 0, "wins": 0, "misses": 0, "tickets": 0, "opened": 0,
         "grants": 0, "refused": 0, "points": 0}
    tf = [{"tier": t["id"], "stock": t["total"], "awarded": 0,
           "awarded_to_end": 0, "per_day": {}} for t in tiers]
    for d in draws:
        if d["_t"] >= hi:
            continue
        if d["tier"] is not None:
            tf[d["tier"]]["awarded_to_end"] += 1
        if d["_t"] < lo:
            continue
        if d["kind"] == "refused":
            f["refused"] += 1
            continue
        if d["kind"] == "online":
            f["draws"] += 1
            if d["outcome"] == "ticket":
                f["tickets"] += 1
            elif d["outcome"] == "miss":
                f["misses"] += 1
        elif d["kind"] == "grant":
            f["grants"] += d["tier"] is not None
        else:
            f["opened"] += 1
        f["points"] += d["points"]
        if d["tier"] is not None:
            f["wins"] += 1
            t = tf[d["tier"]]
            t["awarded"] += 1
            t["per_day"][d["day"]] = t["per_day"].get(d["day"], 0) + 1
    for t, c in zip(tf, tiers):
        t["remaining"] = max(t["stock"] - t["awarded_to_end"], 0)
        t["max_day"] = max(t["per_day"].values(), default=0)
        cap = c.get("daily_cap", 0)
        t["days_at_cap"] = sum(1 for n in t["per_day"].values()
                               if cap and n >= cap)
        del t["per_day"]
    f["tiers"] = tf
    claims = [c for c in lines(a.dir + "/claims.jsonl")
              if c["campaign"] == a.campaign]
    made = [c for c in claims if lo <= ts(c["created"]) < hi]
    f["claims"] = len(made)
    f["claims_redeemed"] = sum(1 for c in made if c["state"] == "redeemed")
    f["redemption_rate"] = f["claims_redeemed"] / len(made) if made else None
    red = [c for c in claims if c["redeemed"] and
           lo <= ts(c["redeemed"]) < hi]
    f["redeemed"] = len(red)
    stores = {}
    for c in red:
        stores[c["shop"]] = stores.get(c["shop"], 0) + 1
    f["stores"] = [{"id": s, "redeemed": n} for s, n in sorted(stores.items())]
    return f


def haversine(lat1, lon1, lat2, lon2):
    """Great-circle distance in km (mean Earth radius 6371.0088 km)."""
    f1, f2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((f2 - f1) / 2) ** 2 + math.cos(f1) * math.cos(f2) * \
        math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def binomial_tail(n, p, k):
    """P(X >= k) for X ~ B(n, p), summed exactly in rationals."""
    from fractions import Fraction
    q = Fraction(p)
    return float(sum(math.comb(n, i) * q ** i * (1 - q) ** (n - i)
                     for i in range(k, n + 1)))


def anomalies(lo, hi, allscans, claims, stores):
    """The redemption anomalies of [lo, hi) by docs/signals.md."""
    shops = sorted(stores.items())
    scans = {s: 0 for s, _ in shops}
    for e in allscans:
        if not lo <= e["_t"] < hi or e["lat"] is None or \
                e["verdict"] != "genuine" or e["who"] not in ("human", "api"):
            continue
        d, s = min((haversine(ll[0], ll[1], e["lat"], e["lon"]), s)
                   for s, ll in shops)
        if d <= RED_KM:
            scans[s] += 1
    red = {s: 0 for s, _ in shops}
    for c in claims:
        if c["state"] == "redeemed" and c["shop"] in red and \
                lo <= ts(c["redeemed"]) < hi:
            red[c["shop"]] += 1
    n, r, out = sum(scans.values()), sum(red.values()), []
    if n == 0 or r == 0:
        return out
    for s, (lat, lon) in shops:
        share = (scans[s] + 1) / (n + len(shops))
        exp = r * share
        if red[s] < RED_MIN or red[s] < RED_RATIO * exp:
            continue
        pv = binomial_tail(r, share, red[s])
        if pv <= RED_P:
            out.append({"store": s, "redeemed": red[s], "redeemed_all": r,
                        "scans": scans[s], "scans_all": n, "expected": exp,
                        "p": pv, "where": {"lat": lat, "lon": lon,
                                           "ip_prefix": None}})
    return out


def signal_figures(a, lo, hi, scope, allscans):
    """The signals of [lo, hi): stored ones from the listing, anomalies
    computed here."""
    mine = [s for s in a.signal_rows if lo <= ts(s["time"]) < hi and
            (not scope or s["batch_id"] in scope)]
    counts = {k: sum(1 for s in mine if s["kind"] == k) for k in KINDS}
    latest = []
    for k in KINDS:
        latest += sorted((s for s in mine if s["kind"] == k),
                         key=lambda s: -s["id"])[:LATEST]
    latest.sort(key=lambda s: -s["id"])
    an = anomalies(lo, hi, allscans, a.claim_rows, a.store_locs)
    counts["redemption_anomaly"] = len(an)
    return {"counts": counts,
            "latest": [{"id": s["id"], "kind": s["kind"], "time": s["time"],
                        "serial": s["serial"], "batch_id": s["batch_id"],
                        "event_ids": s["event_ids"],
                        "where": {"lat": s["lat"], "lon": s["lon"],
                                  "ip_prefix": s["ip_prefix"]},
                        "detail": s["detail"]} for s in latest],
            "redemption_anomalies": an,
            "redemption_anomalies_complete": True}


def compare(path, want, got, errors):
    """Every key of want must be in got with the same value."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            errors.append("%s: %r is not an object" % (path, got))
            return
        for k, v in want.items():
            if k not in got:
                errors.append("%s.%s: missing" % (path, k))
            else:
                compare(path + "." + k, v, got[k], errors)
    elif isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            errors.append("%s: %d rows, want %d" % (
                path, len(got) if isinstance(got, list) else -1, len(want)))
            return
        for i, (w, g) in enumerate(zip(want, got)):
            compare("%s[%d]" % (path, i), w, g, errors)
    elif isinstance(want, float) and isinstance(got, (int, float)):
        # Absolute for counts' ratios, relative for tail probabilities.
        if abs(want - got) > 1e-9 * max(1.0, abs(want)) or \
                (want != 0 and abs(want - got) > 1e-6 * abs(want)):
            errors.append("%s: %r, want %r" % (path, got, want))
    elif want != got:
        errors.append("%s: %r, want %r" % (path, got, want))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--report", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--tz", default="UTC")
    ap.add_argument("--campaign")
    ap.add_argument("--scope", default="")
    ap.add_argument("--countries", required=True)
    ap.add_argument("--signals")
    ap.add_argument("--stores")
    a = ap.parse_args()
    a.zone = zoneinfo.ZoneInfo(a.tz)
    rep = json.load(open(a.report, encoding="utf-8"))
    scope = {int(x) for x in a.scope.split(",") if x}
    scans = lines(a.dir + "/scans.jsonl")
    for e in scans:
        e["_t"] = ts(e["time"])
    allscans = scans
    if a.signals:
        a.signal_rows = lines(a.signals)
        a.claim_rows = lines(a.dir + "/claims.jsonl")
        a.store_locs = json.load(open(a.stores, encoding="utf-8"))
    codes = lines(a.dir + "/codes.jsonl")
    batches = [b for b in lines(a.dir + "/batches.jsonl")
               if not scope or b["batch_id"] in scope]
    if scope:
        scans = [e for e in scans if e["batch_id"] in scope]
    countries = by_box(load_countries(a.countries))
    lo, hi = ts(rep["from"]), ts(rep["to"])
    errors = []
    for name, got, (plo, phi) in (("report", rep, (lo, hi)),
                                  ("previous", rep["previous"],
                                   (2 * lo - hi, lo))):
        want = period_figures(a, plo, phi, scans, codes, batches, countries)
        if a.signals:
            want["signals"] = signal_figures(a, plo, phi, scope, allscans)
        want["from"], want["to"] = got["from"], got["to"]
        if ts(got["from"]) != plo or ts(got["to"]) != phi:
            errors.append("%s: period %s..%s, want %d..%d" % (
                name, got["from"], got["to"], plo, phi))
        compare(name, want, got, errors)
        print("report_oracle: %s %s..%s: %d scans, %d human, %d first, "
              "%d repeats, %d located, %d days" % (
                  name, got["from"], got["to"], want["totals"]["scans"],
                  want["totals"]["human"], want["totals"]["first_scans"],
                  want["totals"]["repeats"], want["totals"]["located"],
                  len(want["days"])))
        if a.signals:
            print("report_oracle: %s signals %s, %d listed" % (
                name, " ".join("%s=%d" % kv for kv in
                               want["signals"]["counts"].items()),
                len(want["signals"]["latest"])))
    if scans == [] or rep["totals"]["scans"] == 0:
        errors.append("nothing to compare: no scans in the period")
    for e in errors[:30]:
        print("report_oracle: " + e, file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
