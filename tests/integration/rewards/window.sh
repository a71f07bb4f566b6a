#!/usr/bin/env bash
# window.sh — a campaign draws only inside its time window.
#
# A campaign from one day ahead to three days ahead (Asia/Shanghai), and
# the server's clock moved with faketime: now (before the start) the page
# offers no draw and the API answers status and outcome "closed" and draws
# nothing, though the campaign is listed as scheduled; two days ahead
# (inside) the page's form and the API draw, with the draw's local day and
# date in the campaign's time zone; four days ahead (after the end) draws
# are closed again, a drawn code's page (and the API) still shows its
# first result, the campaign is listed as ended, the seed may be revealed
# without --force and the audit passes.
. "$(dirname "$0")/lib.sh"
rw_setup

mint_active 6 "$T/job"
campaign_write "$T/c.json" win '
c["start"] = iso(DAY); c["end"] = iso(3 * DAY); c["time_zone"] = "Asia/Shanghai"'
campaign_load "$T/c.json"
code() { outer "$T/job" "$1"; }

# 1. Before the start.
ok campaign list
assert_eq "$(awk '$1 == "win" { print $2 }' <<<"$OUT")" scheduled "list before the start"
serve_start --rate 0
page "$(path_of "$(code 1)")"
expect_code 200 "page before the start"
assert_contains "$BODY" "Genuine" "page before the start"
assert_no_form "page before the start"
draw_ok "$(code 1)"
assert_eq "$STATUS/$OUTCOME" closed/closed "API draw before the start"
check_json 'assert j["campaign"] == "win" and j["claim"] is None and "draw" not in j, j'
serve_stop
assert_eq "$(draws_count win)" 0 "draws before the start"

# 2. Inside the window.
serve_start_at +2d --rate 0
page "$(path_of "$(code 1)")"
page_form
draw_form "$FORM_C" "$FORM_E" "$FORM_T"
expect_code 200 "draw form inside the window"
assert_contains "$(draw_section)" "Congratulations, you won!" "draw inside the window"
draw_ok "$(code 2)"
assert_eq "$STATUS/$OUTCOME" new/win "API draw inside the window"
CLAIM2=$CLAIM
# A page fetched inside the window, its form posted after the end.
page "$(path_of "$(code 3)")"
page_form
serve_stop
sl_at +2d campaign list
assert_eq "$(awk '$1 == "win" { print $2 }' <<<"$OUT")" running "list inside the window"

# 3. After the end.
serve_start_at +4d --rate 0
draw_form "$FORM_C" "$FORM_E" "$FORM_T"
expect_code 200 "draw form after the end"
assert_contains "$(draw_section)" "The campaign is not running" "draw form after the end"
draw_ok "$(code 4)"
assert_eq "$STATUS/$OUTCOME" closed/closed "API draw after the end"
page "$(path_of "$(code 5)")"
assert_no_form "page after the end"
page "$(path_of "$(code 1)")"
assert_no_form "drawn code's page after the end"
assert_contains "$(draw_section)" "already been used for the draw" "drawn code's page after the end"
draw_ok "$(code 2)"
assert_eq "$STATUS/$OUTCOME" repeat/win "API draw of a drawn code after the end"
assert_eq "$CLAIM" "$CLAIM2" "the claim of a drawn code after the end"
serve_stop
sl_at +4d campaign list
assert_eq "$(awk '$1 == "win" { print $2 }' <<<"$OUT")" ended "list after the end"

# 4. The log: two draws, inside the window, on their local days.
ok export draws --campaign win --format jsonl
python3 - "$OUT" <<'EOF' || fail "draw log (see above)"
import datetime, json, sys, zoneinfo
rows = [json.loads(l) for l in sys.argv[1].splitlines()]
head, d = rows[0], rows[1:]
cfg = head["config"]
tz = zoneinfo.ZoneInfo("Asia/Shanghai")
def t(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
bad = []
if [x["outcome"] for x in d] != ["mug", "mug"]:
    bad.append("outcomes %r" % d)
for x in d:
    when = t(x["time"])
    if not t(cfg["start"]) <= when < t(cfg["end"]):
        bad.append("draw %d at %s is outside the window" % (x["seq"], x["time"]))
    if x["date"] != when.astimezone(tz).date().isoformat():
        bad.append("draw %d: date %s, local date %s" % (x["seq"], x["date"], when.astimezone(tz).date()))
    starts = cfg["day_starts"]
    if not starts[x["day"]] <= when.timestamp() < starts[x["day"] + 1]:
        bad.append("draw %d: day %d does not hold its time" % (x["seq"], x["day"]))
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
sl campaign reveal win
assert_rc 1 "reveal before the end (real clock)"
sl_at +4d campaign reveal win
assert_rc 0 "reveal after the end"
SEED=$(sed -n 's/^seed: \([0-9a-f]\{64\}\)$/\1/p' <<<"$OUT")
[ ${#SEED} -eq 64 ] || fail "reveal printed no seed: $(last)"
ok campaign audit win --seed "$SEED"
note "ok"
