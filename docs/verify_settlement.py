#!/usr/bin/env python3
"""verify_settlement.py STATEMENT PUBLIC_KEY_HEX: checks a scanloop settlement
statement (JSON or CSV) the way `scanloop settle verify` does, sharing no code
with scanloop: the brand's signature over the file, the period's seal, every
line's hash, the whole chain in the brand's statement, and the totals.
Needs Python 3 and python3-cryptography. Format: docs/settlement.md."""
import csv, hashlib, io, json, re, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PERIOD = "period time_zone start end after through lines prev_head head closed key public_key".split()
FIELDS = "seq time claim campaign tier prize store dealer face_value currency".split()

def verify(data, pub):
    json_form = data[:1] == b"{"
    m = re.fullmatch(rb'(.*),\n  "signature": "([0-9a-f]{128})"\n}\n' if json_form else
                     rb'(.*\n)signature,([0-9a-f]{128})\r\n', data, re.S)
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(pub))
    key.verify(bytes.fromhex(m[2].decode()), m[1])  # raises if changed
    if json_form:
        d = json.loads(data)
        per, kind, subject = d["period"], d["statement"], d["subject"]
        totals = [[t["group"], t["currency"], str(t["count"]), t["amount"]] for t in d["totals"]]
        lines = [[str(l["seq"])] + [l[k] for k in FIELDS[1:]] + [l["prev"], l["hash"]] for l in d["lines"]]
    else:
        rows = list(csv.reader(io.StringIO(m[1].decode(), newline="")))
        blank = rows.index([])
        per = dict(r for r in rows[:blank] if r[0] != "total")
        kind, subject = per["statement"], per["subject"]
        totals = [r[1:] for r in rows[:blank] if r[0] == "total"]
        assert rows[blank + 1] == FIELDS + ["prev", "hash"]
        lines = rows[blank + 2:]
    assert per["public_key"] == pub, "sealed with another key"
    seal = "scanloop settlement period 1\n" + "".join("%s: %s\n" % (k, per[k]) for k in PERIOD)
    key.verify(bytes.fromhex(per["seal"]), seal.encode())
    sums, prev = {}, None
    for l in lines:
        v = [f.encode() for f in l[:10]]
        digest = hashlib.sha256(bytes.fromhex(l[10]) + b"".join(b"%d:%s," % (len(f), f) for f in v))
        assert digest.hexdigest() == l[11], "line %s: hash" % l[0]
        assert int(per["after"]) < int(l[0]) <= int(per["through"]) and (prev is None or int(l[0]) > int(prev[0]))
        if prev and (kind == "brand" or int(l[0]) == int(prev[0]) + 1):
            assert l[10] == prev[11], "line %s: chain" % l[0]
        assert {"store": l[6], "dealer": l[7] or "none", "brand": "brand"}[kind] == subject
        whole, _, cents = l[8].partition(".")
        for g in ["*"] + {"store": [], "dealer": [l[6]], "brand": [l[7] or "none"]}[kind]:
            n, a = sums.get((g, l[9]), (0, 0))
            sums[(g, l[9])] = (n + 1, a + int(whole) * 100 + int(cents))
        prev = l
    if kind == "brand":
        ends = (lines[0][10], lines[-1][11]) if lines else (per["prev_head"], per["prev_head"])
        assert len(lines) == int(per["lines"]) and ends == (per["prev_head"], per["head"]), "chain"
    assert totals == sorted([g, c, str(n), "%d.%02d" % divmod(a, 100)] for (g, c), (n, a) in sums.items())
    return "%s %s, period %s: %d lines, head %s" % (kind, subject, per["period"], len(lines), per["head"])

if __name__ == "__main__":
    try:
        print("verified: " + verify(open(sys.argv[1], "rb").read(), sys.argv[2].strip().lower()))
    except Exception as e:  # any damage: a bad signature, a malformed file, a wrong sum
        sys.exit("%s does NOT verify: %s %s" % (sys.argv[1], type(e).__name__, e))
