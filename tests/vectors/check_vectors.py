#!/usr/bin/env python3
"""Recomputes every known-answer vector in codes.txt with no scanloop code.

Ed25519 is the pure-Python reference implementation of RFC 8032 section 6
(checked first against RFC 8032 test 1), the MAC is hashlib's keyed
BLAKE2b, base32 is base64.b32encode. Exits 0 when every vector matches,
1 otherwise, printing what differs.

usage: check_vectors.py [tests/vectors/codes.txt]
"""
import base64
import hashlib
import os
import sys

# ---- RFC 8032, section 6 (reference code, lightly condensed) ----------
P = 2**255 - 19
Q = 2**252 + 27742317777372353535851937790883648493


def _inv(x):
    return pow(x, P - 2, P)


D = -121665 * _inv(121666) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _add(p1, p2):
    a = (p1[1] - p1[0]) * (p2[1] - p2[0]) % P
    b = (p1[1] + p1[0]) * (p2[1] + p2[0]) % P
    c = 2 * p1[3] * p2[3] * D % P
    d = 2 * p1[2] * p2[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f, g * h, f * g, e * h)


def _mul(s, pt):
    r = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            r = _add(r, pt)
        pt = _add(pt, pt)
        s >>= 1
    return r


def _equal(p1, p2):
    return ((p1[0] * p2[2] - p2[0] * p1[2]) % P == 0 and
            (p1[1] * p2[2] - p2[1] * p1[2]) % P == 0)


def _recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * _inv(D * y * y + 1)
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


_GY = 4 * _inv(5) % P
_GX = _recover_x(_GY, 0)
G = (_GX, _GY, 1, _GX * _GY % P)


def _compress(pt):
    zi = _inv(pt[2])
    x, y = pt[0] * zi % P, pt[1] * zi % P
    return int.to_bytes(y | ((x & 1) << 255), 32, "little")


def _decompress(s):
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % P)


def _expand(secret):
    h = hashlib.sha512(secret).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    return a, h[32:]


def _hq(b):
    return int.from_bytes(hashlib.sha512(b).digest(), "little") % Q


def ed25519_public(secret):
    return _compress(_mul(_expand(secret)[0], G))


def ed25519_sign(secret, msg):
    a, prefix = _expand(secret)
    pub = _compress(_mul(a, G))
    r = _hq(prefix + msg)
    rs = _compress(_mul(r, G))
    s = (r + _hq(rs + pub + msg) * a) % Q
    return rs + int.to_bytes(s, 32, "little")


def ed25519_verify(pub, msg, sig):
    a = _decompress(pub)
    r = _decompress(sig[:32])
    s = int.from_bytes(sig[32:], "little")
    if a is None or r is None or s >= Q:
        return False
    h = _hq(sig[:32] + pub + msg)
    return _equal(_mul(s, G), _add(r, _mul(h, a)))


def _selftest():
    sk = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc4"
                       "4449c5697b326919703bac031cae7f60")
    pk = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a"
                       "0ee172f3daa62325af021a68f707511a")
    sig = bytes.fromhex("e5564300c360ac729086e2cc806e828a"
                        "84877f1eb8e5d974d873e06522490155"
                        "5fb8821590a33bacc61e39701cf9b46b"
                        "d25bf5f0595bbe24655141438e7a100b")
    assert ed25519_public(sk) == pk, "RFC 8032 test 1: public key"
    assert ed25519_sign(sk, b"") == sig, "RFC 8032 test 1: signature"
    assert ed25519_verify(pk, b"", sig), "RFC 8032 test 1: verify"


# ---- the scanloop code format v1 ----------------------------------------

def b32(data):
    return base64.b32encode(data).decode().rstrip("=")


def gtin14(text):
    assert len(text) in (8, 12, 13, 14) and text.isdigit(), text
    g = text.rjust(14, "0")
    total = sum((3 if i % 2 == 0 else 1) * int(ch)
                for i, ch in enumerate(reversed(g[:13])))
    assert str((10 - total % 10) % 10) == g[13], "check digit: " + text
    return g


def base_url(text):
    assert text.lower().startswith(("https://", "http://")), text
    return text.rstrip("/").upper()


def expected(v):
    seed = bytes.fromhex(v["seed"])
    key_id = int(v["key_id"])
    scheme = {"ed25519": 1, "mac": 2}[v["scheme"]]
    gtin = gtin14(v["gtin"])
    serial = bytes.fromhex(v["serial"])
    header = bytes([1 << 4 | scheme, key_id])
    msg = b"SCANLOOP1" + header + gtin.encode() + serial
    if scheme == 1:
        public = ed25519_public(seed)
        tag = ed25519_sign(seed, msg)
        assert ed25519_verify(public, msg, tag)
    else:
        public = hashlib.blake2b(b"SCANLOOP1-MAC-FINGERPRINT", key=seed,
                                 digest_size=32).digest()
        tag = hashlib.blake2b(msg, key=seed, digest_size=16).digest()[:10]
    text = "%s/01/%s/21/%s?S=%s" % (base_url(v["base_url"]), gtin,
                                     b32(serial), b32(header + tag))
    return public.hex(), text, msg


def read_vectors(path):
    vectors, cur = [], {}
    with open(path, encoding="ascii") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#"):
                continue
            if line == "":
                if cur:
                    vectors.append(cur)
                cur = {}
                continue
            name, sep, value = line.partition(": ")
            assert sep, "bad line: " + line
            assert name not in cur, "duplicate field: " + line
            cur[name] = value
    if cur:
        vectors.append(cur)
    return vectors


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here,
                                                              "codes.txt")
    _selftest()
    vectors = read_vectors(path)
    bad = 0
    for v in vectors:
        public, text, msg = expected(v)
        if public != v["public"]:
            print("vector %s: public %s, expected %s" % (v["vector"],
                  v["public"], public))
            bad += 1
        if text != v["text"]:
            print("vector %s:\n  file     %s\n  computed %s" % (
                v["vector"], v["text"], text))
            bad += 1
    schemes = [v["scheme"] for v in vectors]
    if schemes.count("ed25519") < 4 or schemes.count("mac") < 4:
        print("fewer than 4 vectors of a scheme")
        bad += 1
    print("%d vectors, %d mismatches" % (len(vectors), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
