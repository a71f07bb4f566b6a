#!/usr/bin/env python3
"""Independent audit of a scanloop draw log (docs/draws.md).

Usage: audit_draws.py --seed HEX [--campaign ID] LOG.jsonl

LOG.jsonl is the output of `scanloop export draws --format jsonl`. The
script uses the Python standard library only (hashlib.blake2b) and shares
no code with scanloop. It checks that the seed matches the commitment,
that the local days follow the time zone (when zoneinfo knows it), and
replays every draw: sequence numbers 1..N, one online draw per code, the
random number of each draw, its outcome under the tiers' odds with the
stock replayed from zero (total and per local day; a daily_guarantee
tier's odds of the moment from it), tickets opened once
and only after they were issued, and each grant of a check-in streak's
prize (no randomness) to its tier exactly when the stock held one. Exit status 0: the log is sound; 1: it
is not (the first failure is printed); 2: usage.
"""
import argparse
import base64
import bisect
import calendar
import datetime
import hashlib
import json
import sys

DOMAIN = b"SCANLOOP-DRAW-1"
SCALE = 1000000


class AuditError(Exception):
    pass


def parse_time(s):
    """ISO 8601 with an offset or Z -> Unix microseconds, exactly."""
    main, frac, rest = s[:19], 0, s[19:]
    if rest.startswith("."):
        digits = ""
        rest = rest[1:]
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        frac = int((digits + "000000")[:6])
    t = calendar.timegm(datetime.datetime.strptime(main, "%Y-%m-%dT%H:%M:%S").timetuple())
    if rest != "Z":
        sign = -1 if rest[0] == "-" else 1
        t -= sign * (int(rest[1:3]) * 3600 + int(rest[4:6]) * 60)
    return t * 1000000 + frac


def draw_random(seed, campaign, serial, seq, kind):
    msg = DOMAIN + campaign.encode() + b"\0" + serial + seq.to_bytes(8, "big") + kind
    return int.from_bytes(hashlib.blake2b(msg, digest_size=32, key=seed).digest()[:8], "big")


def uniform(rnd):
    return (rnd * SCALE) >> 64


def pick(tiers, reveal, u):
    acc = 0
    for i, t in enumerate(tiers):
        if t.get("reveal", "online") != reveal:
            continue
        acc += t["odds"]
        if u < acc:
            return i
    return -1


def clock(hhmm):
    return int(hhmm[:2]) * 3600 + int(hhmm[3:5]) * 60


def guarantee_odds(t, now, day_start, today, stock_left):
    """A daily_guarantee tier's odds per million at an opening."""
    g = t.get("daily_guarantee")
    if not g or not stock_left or today >= g["per_day"]:
        return 0
    s = (now - day_start) // 1000000
    opens, last = clock(g.get("opens", "00:00")), clock(g["last_call"])
    if s >= last:
        return SCALE
    span = last - opens
    p = (g["per_day"] - today) * SCALE * span // max(span, g["expected_openings"] * (last - max(s, opens)))
    return min(p, SCALE)


def pick_opening(tiers, u, odds):
    """Guaranteed at_store tiers first at their odds, then the others."""
    for i, t in enumerate(tiers):
        if t.get("reveal") == "at_store" and odds[i]:
            if u < odds[i]:
                return i
            u = (u - odds[i]) * SCALE // (SCALE - odds[i])
    return pick(tiers, "at_store", u)


def local_midnights(cfg):
    """The day starts scanloop computes at load, from zoneinfo."""
    from zoneinfo import ZoneInfo
    tz = ZoneInfo(cfg["time_zone"])
    start = parse_time(cfg["start"]) // 1000000
    limit = parse_time(cfg["end"]) + cfg["claim"]["window_days"] * 86400 * 1000000
    day = datetime.datetime.fromtimestamp(start, tz).date()
    out = []
    while True:
        m = int(datetime.datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())
        out.append(m)
        if m * 1000000 >= limit:
            return out
        day += datetime.timedelta(days=1)


class Replay:
    def __init__(self, cfg, seed):
        self.cfg, self.seed, self.id = cfg, seed, cfg["id"]
        self.tiers = cfg["tiers"]
        self.start, self.end = parse_time(cfg["start"]), parse_time(cfg["end"])
        self.days = [d * 1000000 for d in cfg["day_starts"]]
        self.at_store = any(t.get("reveal") == "at_store" for t in self.tiers)
        self.total = [0] * len(self.tiers)
        self.daily = {}
        self.codes = {}          # serial -> [online seq, ticket state, opened at]
        self.next = 1
        self.wins = [0] * len(self.tiers)
        self.count = {"online": 0, "open": 0, "refused": 0, "tickets": 0, "grant": 0, "grant_miss": 0}
        ck = cfg.get("checkin") or {}
        streak = ck.get("streak") or {}
        prize = (streak.get("reward") or {}).get("prize")
        self.prize = next((i for i, x in enumerate(self.tiers) if x["id"] == prize), -1) if prize else -1
        self.ck_stores = ck.get("stores", "all")
        self.streak_store = streak.get("store")
        self.granted = {}

    def day_of(self, t):
        if t < self.days[0] or t >= self.days[-1]:
            return -1
        return bisect.bisect_right(self.days, t) - 1

    def in_stock(self, i, day):
        t = self.tiers[i]
        if self.total[i] >= t["total"]:
            return False
        cap = t.get("daily_cap", 0) or t.get("daily_guarantee", {}).get("per_day", 0)
        return not cap or (day >= 0 and self.daily.get((i, day), 0) < cap)

    def name(self, outcome):
        return {0: "miss", 0xFE: "ticket", 0xFF: "refused"}.get(outcome) or self.tiers[outcome - 1]["id"]

    def feed(self, d):
        seq = d["seq"]
        if seq != self.next:
            raise AuditError(f"entry {self.next}: expected seq {self.next}, found seq {seq}")
        self.next += 1
        kind, t = d["kind"], parse_time(d["time"])
        serial = base64.b32decode(d["serial"] + "===")
        day = self.day_of(t)
        tier = d["tier"]
        outcome = tier + 1 if tier is not None else {"miss": 0, "ticket": 0xFE, "refused": 0xFF}[d["outcome"]]
        if tier is not None and self.tiers[tier]["id"] != d["outcome"]:
            raise AuditError(f"seq {seq}: outcome {d['outcome']} is not tier {tier}")
        if d["day"] != max(day, 0):
            raise AuditError(f"seq {seq}: day: expected {max(day, 0)}, found {d['day']}")
        if kind == "grant":
            self.grant(d, seq, t, day, serial, outcome)
            return
        code = self.codes.setdefault(serial, [0, 0, 0])
        if kind in ("online", "refused"):
            if not self.start <= t < self.end:
                raise AuditError(f"seq {seq}: time {d['time']} is outside the campaign")
            if code[0]:
                raise AuditError(f"seq {seq}: serial {d['serial']} drew online before, at seq {code[0]}")
        if kind == "refused":
            if outcome != 0xFF or int(d["rnd"], 16) != 0 or d["claim"] or not d["reason"] \
                    or d["reason"] == "ledger_empty":
                raise AuditError(f"seq {seq}: malformed refusal")
            self.count["refused"] += 1
            return
        if kind == "open":
            if code[0] == 0 or code[0] != d["ticket_seq"]:
                raise AuditError(f"seq {seq}: ticket_seq {d['ticket_seq']} is not a draw of serial {d['serial']}")
            if code[1] != 1:
                raise AuditError(f"seq {seq}: the ticket of seq {code[0]} was "
                                 + ("opened before" if code[1] == 2 else "never issued"))
        elif kind != "online":
            raise AuditError(f"seq {seq}: unknown kind {kind}")
        rnd = draw_random(self.seed, self.id, serial, seq, b"D" if kind == "online" else b"T")
        if f"{rnd:016x}" != d["rnd"]:
            raise AuditError(f"seq {seq}: rnd: expected {rnd:016x}, found {d['rnd']}")
        if kind == "online":
            i = pick(self.tiers, "online", uniform(rnd))
        else:
            odds = [guarantee_odds(x, t, self.days[day], self.daily.get((j, day), 0), self.total[j] < x["total"])
                    if day >= 0 else 0 for j, x in enumerate(self.tiers)]
            i = pick_opening(self.tiers, uniform(rnd), odds)
        if i >= 0 and not self.in_stock(i, day):
            i = -1
        if d["reason"] == "ledger_empty":
            # Nodes sharing a PostgreSQL ledger (serve --pg): the tier had
            # stock by this log, none left in the ledger.
            if i < 0:
                raise AuditError(f"seq {seq}: reason ledger_empty, but the draw picks no tier in stock")
            i = -1
        elif d["reason"] is not None:
            raise AuditError(f"seq {seq}: a {kind} draw has no reason")
        want = i + 1 if i >= 0 else (0xFE if kind == "online" and self.at_store else 0)
        if outcome != want:
            raise AuditError(f"seq {seq}: outcome: expected {self.name(want)}, found {self.name(outcome)}")
        points = self.tiers[i].get("points", 0) if i >= 0 and self.tiers[i]["kind"] == "points" else 0
        if d["points"] != points:
            raise AuditError(f"seq {seq}: points: expected {points}, found {d['points']}")
        claim = kind == "open" or want == 0xFE or (i >= 0 and self.tiers[i]["kind"] != "points")
        if bool(d["claim"]) != claim:
            raise AuditError(f"seq {seq}: claim: expected {'one' if claim else 'none'}")
        if i >= 0:
            self.total[i] += 1
            self.daily[(i, day)] = self.daily.get((i, day), 0) + 1
            self.wins[i] += 1
        if kind == "online":
            code[0], code[1] = seq, 1 if want == 0xFE else 0
            self.count["tickets"] += want == 0xFE
        else:
            code[1], code[2] = 2, seq
        self.count[kind] += 1


    def grant(self, d, seq, t, day, serial, outcome):
        """A check-in streak's prize, granted outright: its tier if the
        replayed stock holds one, else no prize with the reason."""
        if self.prize < 0:
            raise AuditError(f"seq {seq}: a grant, but the campaign's streak has no prize")
        if not self.start <= t < self.end:
            raise AuditError(f"seq {seq}: time {d['time']} is outside the campaign")
        shop = d["shop"]
        if int(d["rnd"], 16) != 0 or d["ticket_seq"] is not None or not shop \
                or (self.ck_stores != "all" and shop not in self.ck_stores) \
                or (self.streak_store and shop != self.streak_store):
            raise AuditError(f"seq {seq}: malformed grant")
        if serial in self.granted:
            raise AuditError(f"seq {seq}: serial {d['serial']} was granted before, at seq {self.granted[serial]}")
        i = self.prize if self.in_stock(self.prize, day) else -1
        reason = d["reason"]
        if reason == "ledger_empty" and i >= 0:
            i = -1
        elif reason not in (None, "out_of_stock") or (reason == "out_of_stock") != (i < 0):
            raise AuditError(f"seq {seq}: reason of a grant: expected {'out_of_stock' if i < 0 else None}, found {reason}")
        want = i + 1 if i >= 0 else 0
        if outcome != want or bool(d["claim"]) != (i >= 0) or d["points"] != 0:
            raise AuditError(f"seq {seq}: grant: expected {self.name(want)}, found {self.name(outcome)}")
        if i >= 0:
            self.total[i] += 1
            self.daily[(i, day)] = self.daily.get((i, day), 0) + 1
            self.wins[i] += 1
        self.granted[serial] = seq
        self.count["grant" if i >= 0 else "grant_miss"] += 1


def main():
    ap = argparse.ArgumentParser(description="Audit a scanloop draw log.")
    ap.add_argument("--seed", required=True, help="the revealed seed, 64 hex digits")
    ap.add_argument("--campaign", help="the campaign id (default: the log's first)")
    ap.add_argument("log", help="exported JSONL ('-' for stdin)")
    args = ap.parse_args()
    try:
        seed = bytes.fromhex(args.seed)
        assert len(seed) == 32
    except (ValueError, AssertionError):
        ap.error("--seed must be 64 hex digits")
    f = sys.stdin if args.log == "-" else open(args.log, encoding="utf-8")
    replay, header, n = None, None, 0
    try:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            o = json.loads(line)
            if o.get("type") == "campaign":
                if replay:
                    break
                if args.campaign in (None, o["campaign"]):
                    header = o
                    if hashlib.blake2b(seed, digest_size=32).hexdigest() != o["commitment"]:
                        raise AuditError("the seed does not match the commitment")
                    replay = Replay(o["config"], seed)
                    try:
                        if local_midnights(o["config"]) != o["config"]["day_starts"]:
                            raise AuditError("day_starts are not the local midnights of "
                                             + o["config"]["time_zone"])
                    except (ImportError, LookupError, OSError):
                        print("warning: time zone not known here; day_starts not checked")
            elif replay:
                if o.get("type") != "draw" or o.get("campaign") != replay.id:
                    raise AuditError(f"line {n}: not a draw of {replay.id}")
                replay.feed(o)
        if not replay:
            raise AuditError("no such campaign in the log")
        if replay.next - 1 != header["draws"]:
            raise AuditError(f"the log holds {replay.next - 1} draws, the header says {header['draws']}")
    except AuditError as e:
        print(f"audit: FAILED: {e}")
        return 1
    except (KeyError, TypeError, ValueError) as e:
        print(f"audit: FAILED: line {n}: malformed ({e!r})")
        return 1
    c = replay.count
    print(f"campaign: {replay.id}")
    grants = c["grant"] + c["grant_miss"]
    print(f"draws: {replay.next - 1} (online {c['online']}, openings {c['open']}, refused {c['refused']}"
          + (f", grants {grants})" if grants else ")"))
    print(f"tickets: {c['tickets']}")
    print(f"grants: {c['grant']} (out of stock {c['grant_miss']})")
    for t, w in zip(replay.tiers, replay.wins):
        print(f"wins {t['id']}: {w} of {t['total']}")
    print("audit: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
