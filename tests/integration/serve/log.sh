#!/usr/bin/env bash
# log.sh — the access log (--log FILE): one JSON object per line per
# request, whatever the client sent; a code's signature and a claim token
# (?claim=, in any letter case) are redacted;
# SIGHUP after `mv` of the log makes the server write a new file at the
# original path while the moved file is complete (also under load).
. "$(dirname "$0")/lib.sh"
serve_setup
serve_fixture
mkdir "$T/log"
LOG="$T/log/access.log"
serve_start --rate 0 --log "$LOG"

# check_log FILE...: every line is a JSON object with the fields of a
# request; prints the number of lines.
check_log() {
	python3 - "$@" <<'PY' || fail "access log: see above"
import json, sys
n = 0
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    if data and not data.endswith(b"\n"):
        sys.exit("%s does not end with a newline" % path)
    for i, line in enumerate(data.split(b"\n")[:-1], 1):
        try:
            e = json.loads(line.decode("utf-8"))
        except ValueError as err:
            sys.exit("%s:%d is not JSON (%s): %r" % (path, i, err, line[:200]))
        for k, t in (("time", str), ("ip", str), ("method", str),
                     ("path", str), ("status", int), ("bytes", int),
                     ("us", int)):
            if not isinstance(e.get(k), t):
                sys.exit("%s:%d: %s is %r" % (path, i, k, e.get(k)))
        n += 1
print(n)
PY
}

# 1. Requests of every kind.
P=$(path_of "$GENUINE")
SIG=${P#*\?S=}
[ ${#SIG} -eq 106 ] || fail "signature of ${#SIG} characters"
get "$P"
expect_code 200 "genuine page"
EV=$(sed -n 's/.*data-event="\([0-9]*\)".*/\1/p' <<<"$BODY")
get "$(tr 'A-Z' 'a-z' <<<"$P")&from=singlemessage"
expect_code 200 "genuine page, lowercase"
post_json /api/v1/scans "{\"code\":\"$GENUINE2\"}"
expect_code 200 "API scan"
get "$(path_of "$VOID")"
expect_code 410 "void"
get "/01/$GTIN14/21/ABC?S=XYZ"
expect_code 404 "malformed"
get /nope -A 'evil "quoted" \back\slash'
expect_code 404 "unknown path"
raw_http "GET /healthz HTTP/1.1\r\nHost: x\r\nUser-Agent: bad\xff\xfe utf8\ttab\r\nConnection: close\r\n\r\n"
raw_http "GET /x HTTP/1.1\r\n\r\n"
raw_http "GARBAGE\r\n\r\n"
CLAIM_TOKEN=3HVMNAYC53X4MX3KUVBOHI6C
get "/store?CLAIM=$CLAIM_TOKEN"
expect_code 200 "staff page with ?CLAIM="
req HEAD "$P"
expect_code 200 "HEAD"
python3 - "$LOG" "$SIG" "$EV" "$(serial_of "$GENUINE")" "$CLAIM_TOKEN" <<'PY' || fail "access log content: see above"
import json, sys, time
path, sig, ev, serial, claim = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
# The log is written after each answer: wait for the last line (HEAD).
for _ in range(100):
    lines = open(path, "rb").read().split(b"\n")[:-1]
    if lines and json.loads(lines[-1])["method"] == "HEAD":
        break
    time.sleep(0.05)
text = open(path, "rb").read().decode("utf-8")
if sig in text or sig.lower() in text or sig[20:60] in text.upper():
    sys.exit("the signature is in the access log")
if claim[4:] in text:
    sys.exit("the claim token of ?CLAIM= is in the access log")
es = [json.loads(l) for l in text.splitlines()]
es = [e for e in es if not (e["path"] == "/healthz" and e["ua"].startswith("curl/"))]
want = [("GET", 200), ("GET", 200), ("POST", 200), ("GET", 410),
        ("GET", 404), ("GET", 404), ("GET", 200), (None, 400), (None, 400),
        ("GET", 200), ("HEAD", 200)]
got = [(e["method"], e["status"]) for e in es]
if len(got) != len(want) or any(w[0] and w != g for w, g in zip(want, got)):
    sys.exit("requests in the log: %r" % got)
first = es[0]
if first.get("event") != ev or first.get("verdict") != "genuine":
    sys.exit("first line: %r" % first)
if not first["path"].startswith("/01/04006381333931/21/%s?S=%s" % (serial, sig[:6])) \
        or "..." not in first["path"]:
    sys.exit("redacted path: %r" % first["path"])
if "s=" + sig.lower()[:6] not in es[1]["path"] or "singlemessage" not in es[1]["path"]:
    sys.exit("lowercase redacted path: %r" % es[1]["path"])
if es[-2]["path"] != "/store?CLAIM=%s..." % claim[:4]:
    sys.exit("?CLAIM= redacted: %r" % es[-2]["path"])
if es[2].get("verdict") != "genuine" or not isinstance(es[2].get("event"), int):
    sys.exit("API line: %r" % es[2])
if es[5]["ua"] != 'evil "quoted" \\back\\slash':
    sys.exit("UA: %r" % es[5]["ua"])
if "\ufffd" not in es[6]["ua"] and "\\u00ff" not in json.dumps(es[6]["ua"]) \
        and "\xff" not in es[6]["ua"]:
    sys.exit("bad UTF-8 UA: %r" % es[6]["ua"])
if es[0]["ip"] not in ("127.0.0.1", "127.0.0.0") or es[0]["bytes"] <= 0 or es[0]["us"] < 0:
    sys.exit("fields: %r" % es[0])
print("access log: %d lines checked" % len(es))
PY
check_log "$LOG" >/dev/null

# 2. Rotation: mv, SIGHUP, a new file at the same path.
mv "$LOG" "$LOG.1"
get /healthz -A rotate-before
serve_signal HUP
poll 100 0.05 test -e "$LOG" || fail "no new log file after SIGHUP"
# The file appears at open(2), a moment before dup3(2) swaps it in.
sleep 0.2
get /healthz -A rotate-after
serve_alive
poll 100 0.05 grep -q rotate-after "$LOG" ||
    fail "the request after SIGHUP is not in the new log"
grep -q rotate-after "$LOG.1" && fail "the request after SIGHUP is in the old log"
grep -q rotate-before "$LOG.1" || fail "the request before SIGHUP is not in the old log"
grep -q '"verdict":"genuine"' "$LOG.1" || fail "the old log lost its lines"

# 3. Rotation under load: nothing lost, nothing cut in two.
codes_file "$T/jobA" "$T/codes.txt"
sed -i 2d "$T/codes.txt"
rm -f "$LOG" "$LOG.1"
serve_signal HUP
poll 100 0.05 test -e "$LOG" || fail "no log file after the second SIGHUP"
load_start python3 "$SERVE_LIB_DIR/httpc.py" load --port "$SRV_PORT" \
    --clients 4 --seconds 2 --max 2000 --mode mixed --codes "$T/codes.txt" \
    --out "$T/run/load.jsonl"
# Rotate once the load has logged something (a busy machine may be slow
# to start the clients), but well before it ends.
poll 100 0.02 test -s "$LOG" || true
sleep 0.3
mv "$LOG" "$LOG.1"
serve_signal HUP
load_wait
serve_stop
[ -e "$LOG" ] || fail "no log file after the third SIGHUP"
n_old=$(check_log "$LOG.1")
n_new=$(check_log "$LOG")
n_req=$(grep -c '' "$T/run/load.jsonl")
note "log lines: $n_old before the rotation, $n_new after; $n_req requests"
[ "$n_new" -gt 0 ] && [ "$n_old" -gt 0 ] || fail "the load did not span the rotation"
assert_eq "$((n_old + n_new))" "$n_req" "log lines of the load"
python3 - "$T/run/load.jsonl" "$LOG.1" "$LOG" <<'PY' || fail "events in the logs: see above"
import json, sys
acked = sorted(r["event"] for r in map(json.loads, open(sys.argv[1])) if r["status"] == 200)
logged = sorted(e["event"] for p in sys.argv[2:] for e in map(json.loads, open(p))
                if e["status"] == 200 and "event" in e)
if acked != logged:
    sys.exit("events answered and logged differ: %d vs %d" % (len(acked), len(logged)))
PY
note "ok"
