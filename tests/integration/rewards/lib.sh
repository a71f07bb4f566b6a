# lib.sh — helpers shared by the rewards tests (issue 5; sourced, not run).
#
# Builds on ../serve/lib.sh (serve_setup, serve_start, req, get, post_json,
# expect_code, json_get...), which builds on ../lib.sh (setup, fail, ok,
# mint, mint_active...). Adds: campaign files with windows around now
# (campaign_write), visitor cookies (visitor_new), draws through the API
# (draw_api) and through the page's form (page_form, draw_form), stores
# and redemptions (store_add, redeem), the draw log (draws_csv,
# draws_count), and running the server under faketime (serve_start_at,
# serve_start_streak_day).

. "$(dirname "${BASH_SOURCE[0]}")/../serve/lib.sh"

# libfaketime is preloaded before the sanitizer runtime under faketime.
if [ -n "${ASAN_OPTIONS:-}" ]; then
	export ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"
fi
# The server's monotonic clock (deadlines) stays real under faketime.
export FAKETIME_DONT_FAKE_MONOTONIC=1
DRAWS=/api/v1/draws

# rw_setup: serve_setup, plus the tools every rewards test needs.
rw_setup() {
	serve_setup
	command -v mdb_stat >/dev/null || fail "lmdb-utils is not installed"
}

# iso_at SECONDS: the UTC time SECONDS from now (negative: ago) in ISO 8601.
iso_at() {
	python3 -c 'import sys, time
print(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + float(sys.argv[1]))))' "$1"
}

# campaign_write FILE ID [PYTHON]: writes a campaign file: id ID, running
# from a day ago for ten days (UTC), scope batch $BATCH, one physical tier
# "mug" (total 100, odds 1000000: every draw wins), claims within 5 days at
# any store. PYTHON edits the dict `c` before it is written; tier(ID,
# KIND, **FIELDS) makes a tier (points tiers get points 10, coupon tiers
# a coupon).
campaign_write() {
	python3 - "$1" "$2" "${BATCH:-1}" "${3:-}" <<'EOF' || fail "campaign_write $2: bad python"
import json, sys, time

path, cid, batch, code = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def iso(sec):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + sec))

def tier(tid, kind="physical", **kw):
    t = {"id": tid, "name": "Prize " + tid, "kind": kind, "total": 100,
         "odds": 1000000}
    if kind == "points":
        t["points"] = 10
    if kind == "coupon":
        t["coupon"] = {"face_value": "5.00", "currency": "EUR",
                       "condition": "On a purchase of 20.00 EUR or more.",
                       "valid_days": 30}
    t.update(kw)
    return t

DAY = 86400
c = {"id": cid, "name": "Campaign " + cid, "start": iso(-DAY),
     "end": iso(10 * DAY), "time_zone": "UTC", "scope": {"batches": [batch]},
     "tiers": [tier("mug")], "claim": {"window_days": 5}}
exec(code)
with open(path, "w") as f:
    json.dump(c, f, ensure_ascii=False, indent=1)
EOF
}

# campaign_load FILE: loads a campaign (must succeed); sets COMMITMENT.
campaign_load() {
	ok campaign load "$1"
	COMMITMENT=$(sed -n 's/^commitment: \([0-9a-f]\{64\}\)$/\1/p' <<<"$OUT")
	[ ${#COMMITMENT} -eq 64 ] ||
	    fail "campaign load $1 printed no commitment: $(last)"
}

# outer JOBDIR N: the outer code URL of item N.
outer() {
	row "$1" "$2"
}

# inner JOBDIR N: the draw URL of item N (HTTPS://…/D/TOKEN).
inner() {
	sed -n "$(($2 + 1))p" "$1/draw-codes.csv" | cut -d, -f3 | tr -d '\r'
}

# inner_text JOBDIR N: the draw code of item N as typed (groups of four).
inner_text() {
	sed -n "$(($2 + 1))p" "$1/draw-codes.csv" | cut -d, -f4 | tr -d '\r'
}

# visitor_new: a fresh visitor id for the sl_vid cookie.
visitor_new() {
	python3 -c 'import base64, os
print(base64.b32encode(os.urandom(16)).decode().rstrip("="))'
}

# check_json PYTHON: runs assertions on the last body, as `j`.
check_json() {
	python3 - "$BODY" "$1" <<'EOF' || fail "unexpected JSON answer (status $CODE): $BODY"
import json, sys
j = json.loads(sys.argv[1])
exec(sys.argv[2])
EOF
}

# draw_api CODE [VISITOR] [CURL ARGS...]: POST /api/v1/draws {"code":
# CODE}, with the visitor's cookie if VISITOR is not empty.
draw_api() {
	local code=$1 vid=${2:-}
	shift
	[ $# -gt 0 ] && shift
	local body
	body=$(python3 -c 'import json, sys; print(json.dumps({"code": sys.argv[1]}))' "$code")
	if [ -n "$vid" ]; then
		post_json "$DRAWS" "$body" -H "Cookie: sl_vid=$vid" "$@"
	else
		post_json "$DRAWS" "$body" "$@"
	fi
}

# draw_ok CODE [VISITOR] [CURL ARGS...]: draw_api that must answer 200;
# sets STATUS, OUTCOME and CLAIM (the claim token or "").
draw_ok() {
	draw_api "$@"
	expect_code 200 "draw of $1"
	STATUS=$(json_get 'j["status"]' | tr -d '"')
	OUTCOME=$(json_get 'j["outcome"]' | tr -d '"')
	CLAIM=$(json_get '(j["claim"] or {}).get("token", "")' | tr -d '"')
}

# page PATH [VISITOR]: GET of a code page in English (the visitor's cookie
# if given).
page() {
	local path=$1 vid=${2:-} sep='?'
	case "$path" in *\?*) sep='&' ;; esac
	if [ -n "$vid" ]; then
		get "$path${sep}lang=en" -H "Cookie: sl_vid=$vid"
	else
		get "$path${sep}lang=en"
	fi
}

# draw_section: the page's prize-draw card (inline SVG dropped), or "".
draw_section() {
	python3 - "$BODY" <<'EOF'
import re, sys
m = re.search(r'<section class="cd dr" id="draw">.*?</section>', sys.argv[1], re.S)
print(re.sub(r"<svg.*?</svg>", "", m.group(0), flags=re.S) if m else "")
EOF
}

# page_form: the draw form of the last page: sets FORM_C, FORM_E and
# FORM_T (its hidden inputs c, e, t); fails if the page has none.
page_form() {
	local f
	f=$(python3 - "$BODY" <<'EOF'
import html.parser, sys

class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.form = None
        self.fields = {}
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("action") == "/draw":
            self.form = a.get("method", "").lower()
        elif tag == "input" and self.form is not None:
            self.fields[a.get("name")] = a.get("value", "")

p = P()
p.feed(sys.argv[1])
f = p.fields
if p.form != "post" or not all(k in f for k in "cet"):
    sys.exit(1)
print(f["c"])
print(f["e"])
print(f["t"])
EOF
	) || fail "the page has no draw form (POST /draw with c, e, t): $(draw_section)"
	FORM_C=$(sed -n 1p <<<"$f")
	FORM_E=$(sed -n 2p <<<"$f")
	FORM_T=$(sed -n 3p <<<"$f")
}

# assert_no_form WHAT: the last page offers no draw.
assert_no_form() {
	assert_not_contains "$BODY" 'action="/draw"' "$1: a draw form"
}

# draw_form C E T [VISITOR]: posts the draw form (English), as a browser
# on the server's own page does (Sec-Fetch-Site and Origin).
draw_form() {
	local vid=${4:-} ck=()
	[ -n "$vid" ] && ck=(-H "Cookie: sl_vid=$vid")
	req POST "/draw?lang=en" "${ck[@]}" -H "Origin: $SRV_URL" \
	    -H 'Sec-Fetch-Site: same-origin' --data-urlencode "c=$1" \
	    --data-urlencode "e=$2" --data-urlencode "t=$3"
}

# page_claim: the claim code shown on the last page (groups of four), or "".
page_claim() {
	sed -n 's|.*<p class="cl m">\([A-Z2-7-]*\)</p>.*|\1|p' <<<"$BODY" | head -1
}

# campaign_seed ID: reveals the campaign's seed (--force) into CAMPAIGN_SEED.
campaign_seed() {
	ok campaign reveal "$1" --force
	CAMPAIGN_SEED=$(sed -n 's/^seed: \([0-9a-f]\{64\}\)$/\1/p' <<<"$OUT")
	[ ${#CAMPAIGN_SEED} -eq 64 ] || fail "campaign reveal $1 printed no seed: $(last)"
}

# audits_pass ID WHAT: campaign ID's draws (its seed revealed) pass
# `campaign audit` from the store and docs/audit_draws.py over the
# exported log.
audits_pass() {
	campaign_seed "$1"
	ok campaign audit "$1" --seed "$CAMPAIGN_SEED"
	ok export draws --format jsonl --campaign "$1" --out "$T/log.jsonl"
	run python3 "$SCANLOOP_SRC/docs/audit_draws.py" --seed "$CAMPAIGN_SEED" \
	    "$T/log.jsonl"
	assert_rc 0 "audit_draws.py over $2"
	assert_contains "$OUT" "audit: passed" "audit_draws.py over $2"
}

# store_add ID [ARGS...]: registers a store; sets STORE_TOKEN.
store_add() {
	local id=$1
	shift
	ok store add --id "$id" --name "Store $id" "$@"
	STORE_TOKEN=$(sed -n 's/^api_token: \([A-Z2-7]*\)$/\1/p' <<<"$OUT")
	[ ${#STORE_TOKEN} -eq 32 ] || fail "store add $id printed no token: $(last)"
}

# redeem CLAIM STORE_TOKEN: POST /api/v1/claims/CLAIM/redeem as that store.
redeem() {
	req POST "/api/v1/claims/$1/redeem" -d '' -H "Authorization: Bearer $2"
}

# draws_csv [CAMPAIGN]: `export draws` (CSV) into $OUT.
draws_csv() {
	ok export draws ${1:+--campaign "$1"}
}

# draws_count CAMPAIGN: the number of entries in the campaign's draw log.
draws_count() {
	draws_csv "$1"
	printf '%s\n' "$OUT" | tail -n +2 | grep -c . || true
}

# draws_field CAMPAIGN FIELD [KIND]: one CSV field of each draw (of one
# kind: online, open, refused), in sequence order.
draws_field() {
	draws_csv "$1"
	python3 - "$OUT" "$2" "${3:-}" <<'EOF'
import csv, io, sys
for r in csv.DictReader(io.StringIO(sys.argv[1])):
    if not sys.argv[3] or r["kind"] == sys.argv[3]:
        print(r[sys.argv[2]])
EOF
}

# serve_start_at OFFSET [ARGS...]: serve_start under faketime, the
# server's clock moved by OFFSET (libfaketime's "+2d", "-36h", "+90m").
serve_start_at() {
	local at=$1
	shift
	command -v faketime >/dev/null || fail "faketime is not installed"
	SERVE_WRAP="faketime -f $at" serve_start "$@"
}

# serve_start_streak_day D [ARGS...]: serve_start_at the D-th (0-6) of
# seven local days in a row across the midnight in Shanghai (16:00 UTC)
# after the first call's hour: a minute before it for day 0, a minute
# after each later local midnight; sets AT to that Unix time.
serve_start_streak_day() {
	local d=$1
	shift
	: "${STREAK_MID:=$(python3 -c 'import time
t = time.time() + 3600
print(int((t - 16 * 3600) // 86400 + 1) * 86400 + 16 * 3600)')}"
	if [ "$d" -eq 0 ]; then
		AT=$((STREAK_MID - 60))
	else
		AT=$((STREAK_MID + 60 + (d - 1) * 86400))
	fi
	serve_start_at "+$((AT - $(date +%s)))" "$@"
}

# sl_at OFFSET ARGS...: runs scanloop (via run) with its clock moved.
sl_at() {
	local at=$1
	shift
	run faketime -f "$at" "$SCANLOOP" "$@"
}
