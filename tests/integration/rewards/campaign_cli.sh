#!/usr/bin/env bash
# campaign_cli.sh — the campaign life cycle from the CLI, against a running
# server, and the exports and the audit.
#
# `campaign load`: a file with many bad fields reports each field (one
# "field: problem" line each), exits 1 and changes nothing; a good file
# prints its commitment (64 hex = BLAKE2b-256 of the seed revealed later);
# a reused id and overlapping scope and window (same batch, or the batch's
# product) are refused. `list`/`show` reflect the draws (awarded, left,
# today under the daily cap). pause: the server answers draws "closed" and
# its pages offer none (a draw button loaded before the pause shows
# "not running"; a code that drew still sees its first result); resume:
# draws again; end: closed for good, resume refused, and an overlapping
# campaign may now load. reveal is refused before the end and prints the
# seed after it; `campaign audit` passes from the store and from the
# exported log (--log), and so does docs/audit_draws.py; a tampered log
# (an outcome, a random number, a missing entry) or a wrong seed fails
# both with exit 1. `export draws|claims --format csv` has the documented
# header and one row per draw or claim; --out writes the same bytes,
# atomically (a temporary file, fsync, rename), and fails cleanly where
# it cannot write.
. "$(dirname "$0")/lib.sh"
rw_setup
AUDIT_PY=${SCANLOOP_SRC:?SCANLOOP_SRC must name the source root}/docs/audit_draws.py
[ -f "$AUDIT_PY" ] || fail "$AUDIT_PY is missing"

mint_active 12 "$T/job"
ok campaign list
LIST0=$OUT

# 1. A bad file: every problem, one line each; nothing changes.
cat >"$T/bad.json" <<'EOF'
{"id": "bad id!", "name": "", "start": "2026-13-01T00:00:00Z",
 "end": "2027-01-01T00:00:00Z", "time_zone": "UTC",
 "scope": {"batches": [0]},
 "tiers": [{"id": "a", "name": "A", "kind": "gift", "total": 0, "odds": 2000000},
           {"id": "a", "name": "B", "kind": "coupon", "total": 5, "odds": 10,
            "coupon": {"face_value": "-1", "condition": "x", "valid_days": 0}}],
 "claim": {"window_days": 0, "stores": "some"},
 "limits": {"wins_per_visitor": 0}, "foo": 1}
EOF
sum0=$(sha256sum "$SCANLOOP_DB/data.mdb")
sl campaign load "$T/bad.json"
assert_rc 1 "campaign load of a bad file"
for f in "foo: unknown field" "id: " "name: " "start: " "scope.batches[0]: " \
    "tiers[0].kind: " "tiers[0].total: " "tiers[0].odds: " "tiers[1].id: " \
    "tiers[1].coupon.face_value: " "tiers[1].coupon.valid_days: " \
    "claim.window_days: " "claim.stores: " "limits.wins_per_visitor: "; do
	grep -qF "bad.json: $f" <<<"$ERR" || fail "no error line for '$f': $ERR"
done
n=$(grep -c 'bad.json: [^ ]*: ' <<<"$ERR" || true)
[ "$n" -ge 14 ] || fail "only $n field errors: $ERR"
assert_not_contains "$OUT" "commitment" "output of a bad load"
ok campaign list
assert_eq "$OUT" "$LIST0" "campaign list after a bad load"
assert_eq "$(sha256sum "$SCANLOOP_DB/data.mdb")" "$sum0" "data.mdb after a bad load"
# A file that is not JSON, and one that is missing.
printf '{"id": "x",' >"$T/trunc.json"
sl campaign load "$T/trunc.json"
assert_rc 1 "campaign load of truncated JSON"
sl campaign load "$T/nosuch.json"
assert_rc 1 "campaign load of a missing file"

# 2. A good file: the commitment; overlaps and a reused id are refused.
campaign_write "$T/c.json" cli '
c["tiers"] = [tier("mug", total=10, daily_cap=3)]'
campaign_load "$T/c.json"
CLI_COMMITMENT=$COMMITMENT
sl campaign load "$T/c.json"
assert_rc 1 "the same id again"
assert_contains "$ERR" "exists" "the same id again"
campaign_write "$T/o1.json" cli-overlap-batch '
c["start"] = iso(5 * DAY); c["end"] = iso(40 * DAY)'
sl campaign load "$T/o1.json"
assert_rc 1 "an overlapping campaign on the same batch"
assert_contains "$ERR" "overlaps campaign cli" "overlap on the batch"
campaign_write "$T/o2.json" cli-overlap-product '
c["scope"] = {"products": ["'"$GTIN"'"]}'
sl campaign load "$T/o2.json"
assert_rc 1 "an overlapping campaign on the batch's product"
assert_contains "$ERR" "overlaps campaign cli" "overlap on the product"
campaign_write "$T/later.json" cli-later '
c["start"] = iso(15 * DAY); c["end"] = iso(20 * DAY)'
campaign_load "$T/later.json"
ok campaign list
assert_eq "$(awk '$1 == "cli" { print $2, $9, $10 }' <<<"$OUT")" "running 0 0" "list: cli"
assert_eq "$(awk '$1 == "cli-later" { print $2 }' <<<"$OUT")" "scheduled" "list: cli-later"
grep -q '^cli-overlap' <<<"$OUT" && fail "a refused campaign is listed: $OUT"

serve_start --rate 0
# 3. Draws: three wins (the daily cap), then misses.
for i in 1 2 3 4 5; do
	draw_ok "$(outer "$T/job" "$i")"
	assert_eq "$STATUS" new "draw $i"
	if [ "$i" -le 3 ]; then want=win; else want=miss; fi
	assert_eq "$OUTCOME" "$want" "draw $i (daily cap 3)"
done
ok campaign list
assert_eq "$(awk '$1 == "cli" { print $2, $9, $10 }' <<<"$OUT")" "running 5 3" "list after draws"
ok campaign show cli
assert_contains "$OUT" "state: running" "show"
assert_contains "$OUT" "commitment: $CLI_COMMITMENT" "show: commitment"
assert_contains "$OUT" "seed: secret (not revealed)" "show: seed"
assert_contains "$OUT" "awarded 3, left 7, today 3 of 3" "show: the tier's stock"
for f in "draws: 5" "wins: 3" "claims: 3" "redeemed: 0" "refused: 0"; do
	grep -qx "$f" <<<"$OUT" || fail "show lacks '$f': $OUT"
done

# 4. Pause: closed; resume: draws; end: closed for good.
ok campaign pause cli
draw_ok "$(outer "$T/job" 6)"
assert_eq "$STATUS/$OUTCOME" closed/closed "draw while paused"
check_json 'assert j["campaign"] == "cli" and j["prize"] is None and j["claim"] is None, j'
page "$(path_of "$(outer "$T/job" 6)")"
expect_code 200 "page while paused"
assert_no_form "page while paused"
# A draw button that was on a page before the pause now shows "closed".
ok campaign resume cli
page "$(path_of "$(outer "$T/job" 7)")"
page_form
ok campaign pause cli
draw_form "$FORM_C" "$FORM_E" "$FORM_T"
expect_code 200 "the form of an earlier page while paused"
assert_contains "$(draw_section)" "The campaign is not running" "the form while paused"
# The page of a code that drew still shows its result.
page "$(path_of "$(outer "$T/job" 1)")"
assert_contains "$(draw_section)" "already been used for the draw" "a drawn code's page while paused"
draw_ok "$(outer "$T/job" 1)"
assert_eq "$STATUS/$OUTCOME" repeat/win "API draw of a drawn code while paused"
[ -n "$CLAIM" ] || fail "API repeat while paused without the claim: $BODY"
ok campaign list
assert_eq "$(awk '$1 == "cli" { print $2, $9 }' <<<"$OUT")" "paused 5" "list while paused"
ok campaign resume cli
draw_ok "$(outer "$T/job" 6)"
assert_eq "$STATUS" new "draw after resume"
page "$(path_of "$(outer "$T/job" 8)")"
page_form
sl campaign reveal cli
assert_rc 1 "reveal before the end"
assert_not_contains "$OUT" "seed:" "reveal before the end"
ok campaign end cli
draw_ok "$(outer "$T/job" 7)"
assert_eq "$STATUS/$OUTCOME" closed/closed "draw after the end"
draw_form "$FORM_C" "$FORM_E" "$FORM_T"
assert_contains "$(draw_section)" "The campaign is not running" "the form after the end"
page "$(path_of "$(outer "$T/job" 9)")"
assert_no_form "page after the end"
sl campaign resume cli
assert_rc 1 "resume after the end"
sl campaign pause cli
assert_rc 1 "pause after the end"
draw_ok "$(outer "$T/job" 9)"
assert_eq "$STATUS" closed "draw after a refused resume"
ok campaign list
assert_eq "$(awk '$1 == "cli" { print $2, $9, $10 }' <<<"$OUT")" "ended 6 3" "list after the end"
sl campaign pause nosuch
assert_rc 1 "pause of an unknown campaign"
sl campaign show nosuch
assert_rc 1 "show of an unknown campaign"

# 5. Reveal and audit.
ok campaign reveal cli
SEED=$(sed -n 's/^seed: \([0-9a-f]\{64\}\)$/\1/p' <<<"$OUT")
[ ${#SEED} -eq 64 ] || fail "reveal printed no seed: $(last)"
python3 -c 'import hashlib, sys
sys.exit(hashlib.blake2b(bytes.fromhex(sys.argv[1]), digest_size=32).hexdigest() != sys.argv[2])' \
    "$SEED" "$CLI_COMMITMENT" || fail "BLAKE2b-256(seed) is not the commitment printed at load"
ok campaign show cli
assert_contains "$OUT" "seed: revealed " "show after reveal"
ok campaign audit cli --seed "$SEED"
mkdir "$T/out"
ok export draws --format jsonl --campaign cli --out "$T/out/log.jsonl"
assert_eq "$(ls -A "$T/out")" log.jsonl "files beside the exported log"
ok campaign audit cli --seed "$SEED" --log "$T/out/log.jsonl"
run python3 "$AUDIT_PY" --seed "$SEED" "$T/out/log.jsonl"
assert_rc 0 "audit_draws.py on the true log"
assert_contains "$OUT" "audit: passed" "audit_draws.py"
WRONG_SEED=$(tr '0-9a-f' '1-9a-f0' <<<"$SEED")
sl campaign audit cli --seed "$WRONG_SEED"
assert_rc 1 "audit with a wrong seed"
run python3 "$AUDIT_PY" --seed "$WRONG_SEED" "$T/out/log.jsonl"
assert_rc 1 "audit_draws.py with a wrong seed"
# tamper NAME PYTHON: a copy of the log with PYTHON applied to the list of
# draw objects `d` must fail both audits.
tamper() {
	python3 - "$T/out/log.jsonl" "$T/$1.jsonl" "$2" <<'EOF' || fail "tamper $1"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
head, d = lines[0], lines[1:]
exec(sys.argv[3])
with open(sys.argv[2], "w") as f:
    for o in [head] + d:
        f.write(json.dumps(o) + "\n")
EOF
	sl campaign audit cli --seed "$SEED" --log "$T/$1.jsonl"
	assert_rc 1 "campaign audit of a log with $1"
	run python3 "$AUDIT_PY" --seed "$SEED" "$T/$1.jsonl"
	assert_rc 1 "audit_draws.py on a log with $1"
	assert_contains "$OUT$ERR" "FAILED" "audit_draws.py on a log with $1"
}
tamper "an outcome changed (miss -> mug)" '
i = [k for k, x in enumerate(d) if x["outcome"] == "miss"][0]
d[i]["outcome"] = "mug"; d[i]["tier"] = 0'
tamper "an outcome changed (mug -> miss)" '
d[0]["outcome"] = "miss"; d[0]["tier"] = None'
tamper "a random number changed" '
d[1]["rnd"] = "%016x" % (int(d[1]["rnd"], 16) ^ 1)'
tamper "an entry removed" '
del d[2]
for k, x in enumerate(d):
    x["seq"] = k + 1
head["draws"] = len(d)'

# 6. The exports.
ok export draws --format csv --campaign cli
cp "$T/run/out" "$T/draws.csv"
ok export claims --format csv --campaign cli
cp "$T/run/out" "$T/claims.csv"
python3 - "$T/draws.csv" "$T/claims.csv" "$T/job/codes.csv" <<'EOF' || fail "CSV exports (see above)"
import csv, sys
bad = []
def rows(path, header):
    raw = open(path, "rb").read()
    lines = raw.split(b"\r\n")
    if not raw.endswith(b"\r\n"):
        bad.append("%s does not end with CRLF" % path)
    if lines[0].decode() != header:
        bad.append("%s header %r" % (path, lines[0]))
    if b"\n" in b"".join(lines):
        bad.append("%s has a bare LF" % path)
    return list(csv.DictReader(open(path, newline="")))
d = rows(sys.argv[1], "campaign,seq,time,day,date,kind,serial,outcome,tier,rnd,reason,claim,ticket_seq,shop,points,event_id")
c = rows(sys.argv[2], "id,campaign,tier,ticket,state,serial,draw_seq,open_seq,created,expires,redeemed,shop")
serials = [l.split(",")[1] for l in open(sys.argv[3], newline="").read().split("\r\n")[1:-1]]
if [(r["seq"], serials.index(r["serial"]) + 1, r["outcome"], r["kind"]) for r in d] != \
        [("1", 1, "mug", "online"), ("2", 2, "mug", "online"), ("3", 3, "mug", "online"),
         ("4", 4, "miss", "online"), ("5", 5, "miss", "online"), ("6", 6, "miss", "online")]:
    bad.append("draws %r" % d)
if sorted(serials.index(r["serial"]) + 1 for r in c) != [1, 2, 3]:
    bad.append("claims %r" % c)
won = {r["claim"] for r in d if r["claim"]}
if {r["id"] for r in c} != won or any(r["tier"] != "mug" or r["state"] != "open" for r in c):
    bad.append("claims %r do not match the draws' %r" % (c, won))
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
ok export draws --format csv --campaign cli --out "$T/out/draws.csv"
cmp -s "$T/out/draws.csv" "$T/draws.csv" || fail "export --out wrote other bytes than stdout"
ok export claims --format csv --campaign cli --out "$T/out/claims.csv"
cmp -s "$T/out/claims.csv" "$T/claims.csv" || fail "export claims --out wrote other bytes than stdout"
# Over an existing file: written beside it, synced, renamed onto it.
command -v strace >/dev/null || fail "strace is not installed"
# (LeakSanitizer cannot run under ptrace.)
run env ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" strace -f -o "$T/strace" -e trace=rename,renameat,renameat2,fsync,fdatasync \
    "$SCANLOOP" export draws --format csv --campaign cli --out "$T/out/draws.csv"
assert_rc 0 "export --out under strace"
cmp -s "$T/out/draws.csv" "$T/draws.csv" || fail "export --out over an existing file"
grep -E 'rename(at2?)?\(.*"[^"]*", .*"'"$T"'/out/draws.csv"' "$T/strace" >/dev/null ||
    fail "export --out did not rename a temporary file onto its output: $(cat "$T/strace")"
grep -qE '^[0-9]+ +f(data)?sync\(' "$T/strace" || fail "export --out did not sync: $(cat "$T/strace")"
assert_eq "$(ls -A "$T/out" | tr '\n' ' ')" "claims.csv draws.csv log.jsonl " "files in the output directory"
sl export draws --campaign cli --out "$T/nodir/draws.csv"
assert_rc 1 "export into a missing directory"
assert_absent "$T/nodir" "export into a missing directory"
sl export draws --campaign nosuch
assert_rc 1 "export of an unknown campaign"
sl export draws --campaign cli --format xml
assert_rc 2 "export in an unknown format"

# 7. After the end, an overlapping campaign may load; it draws at once.
campaign_write "$T/next.json" cli-next 'c["start"] = iso(-60)'
campaign_load "$T/next.json"
draw_ok "$(outer "$T/job" 10)"
assert_eq "$STATUS/$OUTCOME" new/win "draw in the campaign loaded while serving"
check_json 'assert j["campaign"] == "cli-next", j'
serve_stop
note "ok"
