#!/usr/bin/env bash
# daily.sh — a guaranteed daily prize (每天必送出一份) through `scanloop
# serve`: a campaign whose only tier is at_store with a daily_guarantee
# of 2 (odds 0; 40 openings expected from 09:00 to the last call at
# 20:00, UTC). Tickets drawn online; then, the server's clock under
# faketime at 21:00 (after the last call), 16 tickets opened by 8
# concurrent clients give exactly 2 prizes, the first two the writer
# commits; the next local day at 21:00, 3 more openings give 2 again. The
# log's prizes per day are 2 and 2, and `campaign audit` and
# docs/audit_draws.py replay the odds and pass.
. "$(dirname "$0")/lib.sh"
rw_setup
command -v faketime >/dev/null || skip "faketime is not installed"

N=19
mint_active "$N" "$T/job"
campaign_write "$T/c.json" daily '
c["start"] = iso(-2 * DAY)
c["tiers"] = [tier("gift", total=100, odds=0, reveal="at_store",
    daily_guarantee={"per_day": 2, "expected_openings": 40,
                     "opens": "09:00", "last_call": "20:00"})]'
campaign_load "$T/c.json"
store_add s1
S1=$STORE_TOKEN

# The tickets, drawn now.
serve_start --rate 0
: >"$T/tickets"
for i in $(seq 1 "$N"); do
	draw_ok "$(outer "$T/job" "$i")"
	assert_eq "$OUTCOME" ticket "draw $i"
	echo "$CLAIM" >>"$T/tickets"
done
serve_stop

# 21:00 UTC of the first local day at least an hour from now.
AT=$(python3 -c 'import time
t = time.time() + 3600
d = int(t // 86400) * 86400 + 21 * 3600
print(d if d >= t else d + 86400)')

# opens FIRST LAST: opens tickets FIRST..LAST at s1, 8 at a time; each
# answer in $T/open.I.
opens() {
	export SRV_URL S1 T
	seq "$1" "$2" | xargs -P 8 -I{} sh -c 'curl -sS --max-time 20 -X POST \
	    -o "$T/open.{}" -w "%{http_code}\n" -H "Authorization: Bearer $S1" \
	    -d "" "$SRV_URL/api/v1/claims/$(sed -n {}p "$T/tickets")/redeem"' \
	    >"$T/codes" || fail "a concurrent opening failed"
	[ "$(sort -u "$T/codes")" = 200 ] || fail "openings answered $(sort "$T/codes" | uniq -c)"
}
# prizes FIRST LAST: how many of those openings won.
prizes() {
	python3 - "$T" "$1" "$2" <<'PY'
import json, sys
t, a, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
won = 0
for i in range(a, b + 1):
    j = json.load(open("%s/open.%d" % (t, i)))
    assert j["status"] == "redeemed" and j["ticket_opened"], j
    won += j["prize"] is not None
print(won)
PY
}

serve_start_at "+$((AT - $(date +%s)))" --rate 0
opens 1 16
assert_eq "$(prizes 1 16)" 2 "prizes among 16 concurrent openings after the last call"
serve_stop
serve_start_at "+$((AT + 86400 - $(date +%s)))" --rate 0
opens 17 19
assert_eq "$(prizes 17 19)" 2 "prizes among 3 openings the next day"
serve_stop

ok export draws --campaign daily --format jsonl
python3 - "$OUT" <<'PY' || fail "prizes per day: $OUT"
import collections, json, sys
rows = [json.loads(l) for l in sys.argv[1].splitlines() if '"type":"draw"' in l]
opened = [r for r in rows if r["kind"] == "open"]
assert len(opened) == 19, len(opened)
won = collections.Counter(r["date"] for r in opened if r["outcome"] == "gift")
assert sorted(won.values()) == [2, 2] and len(won) == 2, won
PY
audits_pass daily "the openings of a daily guarantee"
note "ok"
