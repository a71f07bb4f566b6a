#!/usr/bin/env bash
# draw_codes.sh — inner draw codes (mint --draw-codes) end to end.
#
# The print job: draw-codes.csv (header, CRLF, one row per code in the
# order of codes.csv, URLs /D/ + 16 base32, the text in groups of four),
# draw-png/ images that zbarimg decodes to their URLs. The store keeps no
# draw token and no claim token (the bytes of data.mdb). A campaign that
# draws on the inner codes (draw_on auto with a draw-code batch, and
# draw_on inner): the outer code's page says to open the package and has no
# draw form, and the API refuses it (403 draw_code_required); the inner
# code's page (upper or lower case) offers the draw, GETs never draw, the
# form draws once and a second post shows the same result as a repeat; the
# typed text draws through the API; an altered or guessed token is 404; a
# form with a wrong one-time token is 403 and draws nothing; the inner
# scan is an event of the outer code.
. "$(dirname "$0")/lib.sh"
command -v zbarimg >/dev/null || fail "zbarimg (zbar-tools) is not installed"
rw_setup

N=12
mint_active "$N" "$T/job" --png --draw-codes
JOB=$T/job

# 1. The print job's draw codes.
python3 - "$JOB" "$N" <<'EOF' || fail "draw-codes.csv / draw-png are inconsistent (see above)"
import hashlib, json, os, re, sys
d, n = sys.argv[1], int(sys.argv[2])
bad = []
raw = open(os.path.join(d, "draw-codes.csv"), "rb").read()
if not raw.endswith(b"\r\n"):
    bad.append("draw-codes.csv does not end with CRLF")
lines = raw.split(b"\r\n")[:-1]
if any(b"\n" in l or b"\r" in l for l in lines):
    bad.append("a line end other than CRLF")
if lines[0] != b"seq,serial,draw_url,draw_text":
    bad.append("header %r" % lines[0])
if len(lines) != n + 1:
    bad.append("%d lines, want %d" % (len(lines), n + 1))
codes = open(os.path.join(d, "codes.csv"), "rb").read().split(b"\r\n")[1:-1]
serials = [c.split(b",")[1] for c in codes]
tokens = []
for i, l in enumerate(lines[1:], 1):
    f = l.split(b",")
    if len(f) != 4:
        bad.append("line %d: %d fields" % (i + 1, len(f)))
        continue
    seq, serial, url, text = f
    if seq != str(i).encode():
        bad.append("line %d: seq %r" % (i + 1, seq))
    if i - 1 < len(serials) and serial != serials[i - 1]:
        bad.append("line %d: serial %r is not codes.csv's %r" % (i + 1, serial, serials[i - 1]))
    m = re.match(rb"^HTTPS://S\.EXAMPLE\.COM/D/([A-Z2-7]{16})$", url)
    if not m:
        bad.append("line %d: draw_url %r" % (i + 1, url))
        continue
    tok = m.group(1)
    tokens.append(tok)
    want = b"-".join(tok[k:k + 4] for k in range(0, 16, 4))
    if text != want:
        bad.append("line %d: draw_text %r, want %r" % (i + 1, text, want))
if len(set(tokens)) != len(tokens):
    bad.append("draw tokens are not unique")
if set(tokens) & set(s[:16] for s in serials):
    bad.append("a draw token repeats a serial")
names = sorted(os.listdir(os.path.join(d, "draw-png")))
if names != sorted(s.decode() + ".png" for s in serials):
    bad.append("draw-png/ holds %r, not one image per serial" % names[:5])
m = json.load(open(os.path.join(d, "manifest.json")))
if m.get("draw_codes") is not True:
    bad.append("manifest draw_codes %r" % m.get("draw_codes"))
if m.get("draw_codes_sha256") != hashlib.sha256(raw).hexdigest():
    bad.append("manifest draw_codes_sha256 does not match draw-codes.csv")
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
check_job "$JOB" "$N" png

# zbarimg reads a sample of the inner codes' images back to their URLs.
for i in 1 4 7 "$N"; do
	serial=$(sed -n "$((i + 1))p" "$JOB/draw-codes.csv" | cut -d, -f2)
	got=$(zbar "$JOB/draw-png/$serial.png") || fail "zbarimg cannot read draw-png/$serial.png"
	assert_eq "$got" "$(inner "$JOB" "$i")" "draw-png/$serial.png decodes to its draw_url"
done

# 2. A campaign on this batch: draw_on left out, so inner (draw codes).
campaign_write "$T/auto.json" inner-auto
campaign_load "$T/auto.json"
# And another batch with draw codes, draw_on inner said outright.
mint_active 3 "$T/job2" --draw-codes
BATCH2=$BATCH
campaign_write "$T/inner.json" inner-said 'c["scope"] = {"batches": ['"$BATCH2"']}; c["draw_on"] = "inner"'
campaign_load "$T/inner.json"
serve_start --rate 0

# The outer code: "open the package", no draw form; the API refuses it.
for j in "$JOB" "$T/job2"; do
	page "$(path_of "$(outer "$j" 1)")"
	expect_code 200 "outer code page"
	assert_contains "$(draw_section)" "Open the package to draw" "outer code page ($j)"
	assert_contains "$BODY" "find your prize code" "outer code page ($j)"
	assert_no_form "outer code page ($j)"
	draw_api "$(outer "$j" 1)"
	expect_code 403 "API draw with the outer code ($j)"
	check_json 'assert j["error"] == "draw_code_required", j'
	draw_api "$(path_of "$(outer "$j" 1)")"
	expect_code 403 "API draw with the outer code's path ($j)"
done

# 3. The inner code's page offers the draw; GETs never draw.
IN1=$(inner "$JOB" 1)
TOK1=${IN1##*/}
page "/D/$TOK1" "$(visitor_new)"
expect_code 200 "inner code page"
page_form
assert_eq "$FORM_C" "/D/$TOK1" "the form's code"
get "/D/$(tr 'A-Z' 'a-z' <<<"$TOK1")" -A 'curl/8.0'
expect_code 200 "inner code page, lower case, from a tool"
get "/d/$(tr 'A-Z' 'a-z' <<<"$TOK1")?lang=en"
expect_code 200 "inner code page, /d/ lower case"
page_form
assert_eq "$FORM_C" "/D/$TOK1" "the lower-case page's form code (canonical)"
page "/D/$TOK1"
page_form
assert_eq "$(draws_count inner-auto)" 0 "draws after GETs of the inner code"

# The form draws once; its event is an event of the outer code.
V1=$(visitor_new)
page "/D/$TOK1" "$V1"
page_form
E1=$FORM_E
draw_form "$FORM_C" "$FORM_E" "$FORM_T" "$V1"
expect_code 200 "draw form"
assert_contains "$(draw_section)" "Congratulations, you won!" "draw result page"
assert_not_contains "$BODY" "already been used" "first draw marked as a repeat"
CLAIM1=$(page_claim)
[[ $CLAIM1 =~ ^[A-Z2-7]{4}(-[A-Z2-7]{4}){5}$ ]] || fail "no claim code on the result page: $(draw_section)"
assert_contains "$BODY" "<svg" "claim QR code (inline SVG)"
assert_eq "$(draws_count inner-auto)" 1 "draws after the form"
# The same form again: the same result, marked as a repeat.
draw_form "$FORM_C" "$FORM_E" "$FORM_T" "$V1"
expect_code 200 "second post of the form"
assert_contains "$BODY" "already been used for the draw" "second post"
assert_eq "$(page_claim)" "$CLAIM1" "claim code of the repeat"
# And the page of the code now shows its result, without a form.
page "/D/$TOK1"
assert_no_form "inner code page after the draw"
assert_eq "$(page_claim)" "$CLAIM1" "claim code on the page after the draw"
assert_eq "$(draws_count inner-auto)" 1 "draws after repeats"

# 4. The typed text through the API (any case, spaces).
TEXT2=$(inner_text "$JOB" 2)
draw_ok "$TEXT2"
assert_eq "$STATUS/$OUTCOME" new/win "API draw with the typed draw code"
check_json 'assert j["campaign"] == "inner-auto" and j["prize"]["tier"] == "mug", j
assert j["claim"]["ticket"] is False and len(j["claim"]["token"]) == 24, j'
EV2=$(json_get 'j["event_id"]')
CLAIM2=$CLAIM
draw_ok "$(tr 'A-Z-' 'a-z ' <<<"$TEXT2")"
assert_eq "$STATUS/$OUTCOME" repeat/win "API draw again (lower case, spaces)"
assert_eq "$CLAIM" "$CLAIM2" "claim of the repeat"
draw_ok "$(inner "$JOB" 2)"
assert_eq "$STATUS" repeat "API draw again with the URL"
# The second batch's inner code draws too.
draw_ok "$(inner "$T/job2" 1)"
assert_eq "$STATUS/$OUTCOME" new/win "API draw, draw_on inner"
check_json 'assert j["campaign"] == "inner-said", j'

# 5. An altered token (one character changed) and guessed tokens: 404.
TOK3=$(inner "$JOB" 3)
TOK3=${TOK3##*/}
ALT=${TOK3:0:7}$(tr 'A-Z2-7' 'B-Z2-7A' <<<"${TOK3:7:1}")${TOK3:8}
[ "$ALT" != "$TOK3" ] || fail "altering the token changed nothing"
get "/D/$ALT"
expect_code 404 "altered draw token"
assert_no_form "altered draw token"
draw_api "$ALT"
expect_code 404 "API draw with an altered token"
for ((i = 0; i < 5; i++)); do
	g=$(python3 -c 'import secrets; print("".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)))')
	get "/D/$g"
	expect_code 404 "guessed draw token $g"
	draw_api "$g"
	expect_code 404 "API draw with a guessed token $g"
done
get "/D/${TOK3:0:15}"
expect_code 404 "a draw token one character short"
assert_eq "$(draws_count inner-auto)" 2 "draws after bad tokens"

# 6. A wrong one-time token, or the token of another page: 403, no draw.
V4=$(visitor_new)
page "/D/$(inner "$JOB" 4 | sed 's|.*/||')" "$V4"
page_form
C4=$FORM_C E4=$FORM_E T4=$FORM_T
WRONG=${T4:0:5}$(tr 'A-Z2-7' 'B-Z2-7A' <<<"${T4:5:1}")${T4:6}
draw_form "$C4" "$E4" "$WRONG" "$V4"
expect_code 403 "draw form with a wrong token"
draw_form "$C4" "$E1" "$T4" "$V4"
expect_code 403 "draw form with another page's event"
draw_form "$C4" "$E4" "" "$V4"
[ "$CODE" = 400 ] || [ "$CODE" = 403 ] || fail "draw form without a token: status $CODE"
req GET "/draw?c=$C4&e=$E4&t=$T4"
expect_code 405 "GET /draw"
assert_eq "$(draws_count inner-auto)" 2 "draws after refused forms"
page "/D/$(inner "$JOB" 4 | sed 's|.*/||')"
page_form
# The right token still draws (once).
draw_form "$C4" "$E4" "$T4" "$V4"
expect_code 200 "draw form with the right token"
assert_contains "$(draw_section)" "Congratulations, you won!" "draw after refused forms"
assert_eq "$(draws_count inner-auto)" 3 "draws after the right form"
assert_eq "$(draws_field inner-auto event_id online | sort -n | tr '\n' ' ')" \
    "$(printf '%s\n' "$E1" "$EV2" "$E4" | sort -n | tr '\n' ' ')" "events of the draws"

# 7. The inner scans are events of the outer codes.
ok scans show --serial "$(outer "$JOB" 1)"
event_line "$E1" | grep -q "genuine *$(serial_of "$(outer "$JOB" 1)") " ||
    fail "event $E1 is not a genuine scan of the outer code: $(event_line "$E1")"
ok scans show --serial "$(outer "$JOB" 2)"
event_line "$EV2" | grep -q ' api ' || fail "event $EV2 is not an API scan"
serve_stop

# 8. The store holds no draw token and no claim token (the outer serials,
# by contrast, are there: the search works).
ok claim show "$CLAIM1"
ok claim show "$CLAIM2"
python3 - "$SCANLOOP_DB/data.mdb" "$JOB/draw-codes.csv" "$CLAIM1" "$CLAIM2" <<'EOF' || fail "the store holds secrets (see above)"
import base64, sys
db = open(sys.argv[1], "rb").read()
bad = []
def dec(s):
    s = s.replace("-", "")
    return base64.b32decode(s + "=" * (-len(s) % 8))
rows = [l.split(",") for l in open(sys.argv[2], newline="").read().split("\r\n")[1:-1]]
for seq, serial, url, text in rows:
    tok = url.rsplit("/", 1)[1]
    for needle in (tok.encode(), tok.lower().encode(), text.encode(), dec(tok)):
        if needle in db:
            bad.append("draw token of %s in the store as %r" % (serial, needle))
    if dec(serial)[:8] not in db:
        bad.append("serial %s not found in the store: the search is broken" % serial)
for claim in sys.argv[3:]:
    raw = dec(claim)
    for needle in (claim.encode(), claim.replace("-", "").encode(), raw, raw[5:]):
        if needle in db:
            bad.append("claim token %s in the store as %r" % (claim, needle))
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
note "ok"
