#!/usr/bin/env bash
# group.sh — group unlocks (拼团) through `scanloop serve`.
#
# A code page of a campaign with group rules links to the page that starts
# a group; POST /api/v1/groups starts one (the creator its first member)
# and answers its link /G/{ID}, whose page shows joined/size and the
# deadline (zh and en). Three distinct visitors fill a group of three (the
# second joining twice counts once); before that nobody draws, after it a
# fourth cannot join, and each member draws once (a repeat shows the first
# draw). A second group, its clock moved past its two-hour window under
# faketime, refuses the third visitor with a clear message (410) and
# unlocks nothing. A visitor's third start in a day is refused (429). The
# members' draws pass `campaign audit` and docs/audit_draws.py. A POST from
# another site is refused (origin.c) before anything is recorded. Two days
# on, a server with --retain-groups 1 deletes the expired group with its
# members and keeps the unlocked one (`prune --groups-older 3` keeps both).
. "$(dirname "$0")/lib.sh"
rw_setup

mint_active 3 "$T/job"
campaign_write "$T/c.json" gr '
c["group"] = {"size": 3, "window_hours": 2, "starts_per_visitor_per_day": 2}
c["tiers"] = [tier("mug", odds=600000), tier("pts", "points", odds=300000)]'
campaign_load "$T/c.json"
serve_start --rate 0

# 1. The code page's link, and the page that starts a group.
CODE1=$(outer "$T/job" 1)
page "/${CODE1#*://*/}"
expect_code 200 "a code page of the campaign"
assert_contains "$BODY" 'href="/G/?campaign=gr&amp;lang=en"' \
    "the code page's group link"
get "/G/?campaign=gr&lang=en"
expect_code 200 "the page that starts a group"
assert_contains "$BODY" 'data-campaign="gr"' "the start page names the campaign"
assert_contains "$BODY" 'when 3 people have joined within 2 hours' \
    "the start page's rule"
get "/G/?campaign=gr"
assert_contains "$BODY" '3 人在 2 小时内加入' "the start page in Chinese"
get "/G/?campaign=nope"
expect_code 404 "the start page of an unknown campaign"

# group_post PATH VISITOR [JSON]: a POST of the group API as VISITOR.
group_post() {
	post_json "$1" "${3:-{\}}" -H "Cookie: sl_vid=$2"
}
V1=$(visitor_new)
V2=$(visitor_new)
V3=$(visitor_new)
V4=$(visitor_new)
post_json /api/v1/groups '{"campaign": "gr"}' -H "Cookie: sl_vid=$V1" \
    -H 'Sec-Fetch-Site: cross-site' -H 'Origin: https://evil.example'
expect_code 403 "a group started from another site"
group_post /api/v1/groups "$V1" '{"campaign": "nope"}'
expect_code 404 "a group of an unknown campaign"
group_post /api/v1/groups "$V1" '{"campaign": 7}'
expect_code 400 "a campaign that is not an id"
group_post /api/v1/groups "$V1" '{"campaign": "gr", "lang": "en"}'
expect_code 200 "a group started"
check_json 'import re
assert j["status"] == "open" and j["joined"] == 1 and j["size"] == 3, j
assert re.fullmatch("[A-Z2-7]{16}", j["group"]) and j["url"] == "/G/" + j["group"], j
assert j["member"] is True and j["draw"] is None and j["unlocked"] is None, j'
G=$(json_get 'j["group"]' | tr -d '"')

# 2. The group's page: the count, the deadline, what each visitor can do.
get "/G/$G?lang=en" -H "Cookie: sl_vid=$V2"
expect_code 200 "the group's page"
assert_contains "$BODY" '1 of 3 joined' "the page shows the count"
assert_contains "$BODY" '<time datetime=' "the page shows the deadline"
assert_contains "$BODY" 'id="gj"' "a visitor who is not a member may join"
get "/G/$G" -H "Cookie: sl_vid=$V1"
assert_contains "$BODY" '已有 1 人加入，共需 3 人' "the page in Chinese"
assert_contains "$BODY" 'id="gu"' "the creator gets the link to share"
get "/g/$(tr 'A-Z' 'a-z' <<<"$G")?lang=en"
expect_code 200 "the link typed in lower case"
get "/G/AAAAAAAAAAAAAAAA"
expect_code 404 "an unknown group's page"
get "/G/not-a-group"
expect_code 404 "a malformed group id"

# 3. Filling: the second joins (twice: counted once), no draw before the
# third, who unlocks it; a fourth cannot join.
group_post "/api/v1/groups/$G/join" "$V2"
expect_code 200 "the second joins"
check_json 'assert j["status"] == "open" and j["joined"] == 2, j'
group_post "/api/v1/groups/$G/join" "$V2"
expect_code 200 "the second joins again"
check_json 'assert j["joined"] == 2 and j["member"], j'
group_post "/api/v1/groups/$G/join" "$V1"
check_json 'assert j["joined"] == 2, j'
group_post "/api/v1/groups/$G/draw" "$V1" '{"lang": "en"}'
expect_code 409 "a draw before the group filled"
check_json 'assert j["status"] == "locked" and "not complete" in j["message"], j'
group_post "/api/v1/groups/$G/join" "$V3"
expect_code 200 "the third fills the group"
check_json 'assert j["status"] == "unlocked" and j["joined"] == 3, j
assert j["unlocked"] is not None, j'
group_post "/api/v1/groups/$G/join" "$V4" '{"lang": "en"}'
expect_code 409 "a fourth joins a full group"
check_json 'assert j["status"] == "full" and j["joined"] == 3 and not j["member"], j'
group_post "/api/v1/groups/$G/draw" "$V4"
expect_code 403 "a draw by a visitor who is not a member"
get "/G/$G?lang=en" -H "Cookie: sl_vid=$V4"
assert_contains "$BODY" 'This group is full' "a full group's page to a non-member"
assert_not_contains "$BODY" 'id="gj"' "no join button on a full group"

# 4. Each member draws once; again: the same draw.
for v in "$V1" "$V2" "$V3"; do
	group_post "/api/v1/groups/$G/draw" "$v"
	expect_code 200 "a member's draw"
	check_json 'assert j["status"] == "unlocked" and j["draw"]["status"] == "new", j'
	SEQ=$(json_get 'j["draw"]["draw"]')
	group_post "/api/v1/groups/$G/draw" "$v"
	check_json "assert j['draw']['status'] == 'repeat' and j['draw']['draw'] == $SEQ, j"
done
get "/api/v1/groups/$G" -H "Cookie: sl_vid=$V2"
expect_code 200 "the group's JSON"
check_json 'assert j["member"] and j["draw"]["status"] == "repeat", j'
get "/G/$G?lang=en" -H "Cookie: sl_vid=$V2"
assert_contains "$BODY" 'Your draw: ' "the page shows the member's draw"
assert_contains "$BODY" '3 of 3 joined' "the page shows a full group"
assert_not_contains "$BODY" 'id="gd"' "no second draw button"
draws_csv gr
[ "$(printf '%s\n' "$OUT" | tail -n +2 | grep -c .)" = 3 ] ||
    fail "three members drew once each: $OUT"

# 5. A group that does not fill within its window: refused from then on.
group_post /api/v1/groups "$V1" '{"campaign": "gr"}'
expect_code 200 "a second group"
G2=$(json_get 'j["group"]' | tr -d '"')
group_post "/api/v1/groups/$G2/join" "$V2"
check_json 'assert j["joined"] == 2, j'
group_post /api/v1/groups "$V1" '{"campaign": "gr", "lang": "en"}'
expect_code 429 "a third start the same day"
check_json 'assert j["status"] == "too_many" and "started as many" in j["message"], j'
serve_stop
serve_start_at "+3h" --rate 0
group_post "/api/v1/groups/$G2/join" "$V3" '{"lang": "en"}'
expect_code 410 "a join after the deadline"
check_json 'assert j["status"] == "expired" and j["joined"] == 2, j
assert "expired" in j["message"] and j["unlocked"] is None, j'
group_post "/api/v1/groups/$G2/join" "$V3" '{"lang": "zh"}'
check_json 'assert "拼团已过期" in j["message"], j'
group_post "/api/v1/groups/$G2/draw" "$V1"
expect_code 410 "a member's draw of an expired group"
get "/G/$G2?lang=en" -H "Cookie: sl_vid=$V3"
expect_code 200 "an expired group's page"
assert_contains "$BODY" 'This group has expired' "the page says it expired"
assert_not_contains "$BODY" 'id="gj"' "no join button on an expired group"
serve_stop
draws_csv gr
[ "$(printf '%s\n' "$OUT" | tail -n +2 | grep -c .)" = 3 ] ||
    fail "the expired group drew: $OUT"

# 6. The members' draws pass the audits.
audits_pass gr "the members' draws"

# 7. Retention, two days on: `prune --groups-older 3` keeps the group that
# expired (two hours after its start); a server with --retain-groups 1
# deletes it with its two members, not the unlocked one, and the expired
# group's link then finds nothing; a prune after it finds nothing more.
sl_at "+2d" prune --groups-older 3
[ "$RC" = 0 ] || fail "prune --groups-older 3: exit $RC: $ERR"
assert_contains "$OUT" "abandoned groups deleted: 0 (members: 0)" \
    "a group two days past its deadline is younger than 3 days"
assert_contains "$OUT" "forged or malformed events deleted: 0" \
    "--groups-older alone prunes no events"
serve_start_at "+2d" --rate 0 --retain-groups 1
for _ in $(seq 1 100); do
	get "/G/$G2?lang=en" -H "Cookie: sl_vid=$V1"
	[ "$CODE" = 404 ] && break
	sleep 0.1
done
expect_code 404 "the pruned group's page"
assert_contains "$(cat "$SRV_ERR")" "1 abandoned groups deleted (2 members)" \
    "the server's report"
get "/G/$G?lang=en" -H "Cookie: sl_vid=$V1"
expect_code 200 "the unlocked group's page"
assert_contains "$BODY" '3 of 3 joined' "the unlocked group stays whole"
serve_stop
sl_at "+2d" prune --groups-older 1
[ "$RC" = 0 ] || fail "prune --groups-older 1: exit $RC: $ERR"
assert_contains "$OUT" "abandoned groups deleted: 0 (members: 0)" \
    "a prune after the server's finds nothing more"
note "ok"
