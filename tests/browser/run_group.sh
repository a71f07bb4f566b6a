#!/bin/bash
# run_group.sh — the real-browser test of group unlocks (拼团, issue 15).
#
# Makes a key, a small active batch and a campaign running now whose
# groups need 3 members within 2 hours and whose only tier always wins;
# starts `scanloop serve` on a free port and has headless Chromium
# (group.mjs) start a group from a code's page, two more phones join it
# through its link, and each of the three draw on the group's page. Then
# the campaign's log holds exactly three draws, with the claims the
# browser showed. Screenshots (group-*.png) go to
# $SCANLOOP_BUILD/meson-logs/browser/.
#
# Needs: chromium, node and npm (Debian: chromium fonts-noto-cjk nodejs
# npm); playwright-core is installed here with `npm ci` on first use.
# Exit status: 0 pass, 1 fail, 77 skip (no browser or node and none can be
# installed, or the npm registry is unreachable).
TEST_NAME=browser_group
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CAMPAIGN=browser-group
PRIZE='拼团礼'

browser_setup
rm -f "$OUT"/group-*.png "$OUT"/group-result.json

mint_batch 2
python3 - "$T/campaign.json" "$CAMPAIGN" "$BATCH" "$PRIZE" <<'PY'
import json, sys, time
path, cid, batch, prize = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
iso = lambda s: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + s))
json.dump({"id": cid, "name": "拼团抽奖", "start": iso(-3600), "end": iso(86400),
           "time_zone": "Asia/Shanghai", "scope": {"batches": [batch]},
           "tiers": [{"id": "gift", "name": prize, "kind": "physical",
                      "total": 10, "odds": 1000000}],
           "claim": {"window_days": 14},
           "group": {"size": 3, "window_hours": 2}},
          open(path, "w"), ensure_ascii=False)
PY
sl campaign load "$T/campaign.json"
read -r _ CODE_PATH <<<"$(code_row "$T/job" 1)"

serve_start
note "server $BASE, code $CODE_PATH, screenshots in $OUT"
SL_CODE=$CODE_PATH SL_PRIZE=$PRIZE browser_run group.mjs group-result.json

sl export draws --campaign "$CAMPAIGN" --format jsonl
python3 - "$T/out" "$T/result.json" <<'PY' ||
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"type":"draw"' in l]
res = json.load(open(sys.argv[2]))
ok = (len(rows) == 3 and all(r["kind"] == "online" and r["outcome"] == "gift"
                             and r["event_id"] == 0 for r in rows) and
      len(res.get("claims", [])) == 3 and None not in res["claims"])
if not ok:
    print("FAIL [browser_group]: the draws are %s, the browser saw %s" %
          (rows, res.get("claims")), file=sys.stderr)
    sys.exit(1)
PY
    fail "the store does not hold the members' three draws"
for c in $(python3 -c 'import json, sys; print(" ".join(json.load(open(sys.argv[1]))["claims"]))' "$T/result.json"); do
	sl claim show "$(tr -d - <<<"$c")"
	grep -q '^state: open$' "$T/out" || fail "claim $c: $(cat "$T/out")"
done

serve_stop
echo "PASS [browser_group]: a group started, filled by three phones and" \
    "drawn by each in the browser; screenshots in $OUT"
