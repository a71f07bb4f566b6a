#!/usr/bin/env bash
# forged_flood.sh — a flood of forged and malformed scans from one address
# (issue 14, point 2): 500,000 requests with --rate 0 (flood.lua: mostly a
# known code with random signatures, some random serials, some serials
# that do not parse), by wrk from 127.0.0.1. data.mdb is sampled every 2 s
# while it runs: it must grow by less than 20 MB in all, and the growth
# must flatten (the second half of the flood adds less than 1 MB, under 4
# bytes a scan, where storing each would take about 250): past the budget (--forged-budget, the
# default 1000 per network and hour) forged scans are counted, not stored.
# Then: `scans forged` counts every answered forged and malformed scan of
# the flood in 127.0.0.0/24 and says 1000 per hour were stored, the store
# holds that many forged events (`scans tail`), and a genuine code still
# scans. The figures are printed. FLOOD_REQUESTS changes the count (under
# a sanitizer build: 100,000); the flood stops after FLOOD_SECONDS (240).
. "$(dirname "$0")/../serve/lib.sh"
serve_setup
command -v wrk >/dev/null || skip "wrk is not installed"
N=${FLOOD_REQUESTS:-500000}
[ -z "${SCANLOOP_SANITIZED:-}" ] || N=${FLOOD_REQUESTS:-100000}
THREADS=2
BUDGET=1000
mint_active 10 "$T/job"
U=$(row "$T/job" 1)
SERIAL=$(serial_of "$U")
SIG=${U##*\?S=}
DATA=$SCANLOOP_DB/data.mdb

serve_start --rate 0
before=$(stat -c %s "$DATA")
forged_metric() {
	local f m
	f=$(metric 'scanloop_scans_total{verdict="forged"}')
	m=$(metric 'scanloop_scans_total{verdict="malformed"}')
	echo $((f + m))
}
FLOOD_PER_THREAD=$((N / THREADS)) wrk -t$THREADS -c32 \
    -d"${FLOOD_SECONDS:-240}s" -s "$(dirname "$0")/flood.lua" "$SRV_URL" \
    -- "$GTIN14" "$SERIAL" "$SIG" >"$T/run/wrk.out" 2>&1 &
WRK=$!
on_cleanup "kill $WRK 2>/dev/null"
: >"$T/run/sizes"
t0=$(date +%s.%N)
# Each wrk thread stops sending at its share; wrk itself prints its
# figures on SIGINT, sent once the server has counted them all.
while kill -0 "$WRK" 2>/dev/null; do
	n=$(forged_metric)
	printf '%s %s %s\n' "$(date +%s.%N)" "$n" "$(stat -c %s "$DATA")" \
	    >>"$T/run/sizes"
	[ "$n" -lt "$N" ] || kill -INT "$WRK" 2>/dev/null || true
	sleep 2
done
wait "$WRK" || fail "wrk failed: $(cat "$T/run/wrk.out")"
sleep 1.5			# the last events and a fold
printf '%s %s %s\n' "$(date +%s.%N)" "$(forged_metric)" \
    "$(stat -c %s "$DATA")" >>"$T/run/sizes"
note "$(grep '^flood.lua' "$T/run/wrk.out" | tr '\n' ';')"
sent=$(sed -n 's/^flood.lua: requests //p' "$T/run/wrk.out")
answered=$(sed -n 's/^flood.lua: status 404 //p' "$T/run/wrk.out")
[ "${answered:-0}" -ge $((N * 99 / 100)) ] ||
    fail "only ${answered:-0} of $N requests answered 404 in time: $(cat "$T/run/wrk.out")"

python3 - "$T/run/sizes" "$before" "$t0" <<'PY' || fail "the store grew too much (see above)"
import sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
before, t0 = int(sys.argv[2]), float(sys.argv[3])
mb = 1024 * 1024
print("data.mdb during the flood (seconds, forged+malformed scans, MB):")
for t, n, size in rows:
    print("  %6.1f s  %8d scans  %7.2f MB" % (t - t0, n, size / mb))
n_end, end = rows[-1][1], rows[-1][2]
half = [r for r in rows if r[1] >= n_end / 2][0]
first, second = half[2] - before, end - half[2]
dur = rows[-1][0] - t0
print("growth: %.2f MB over %d scans (%.1f s, %.0f/s): %.2f MB in the "
      "first half, %.2f MB in the second; %.1f bytes per scan" %
      ((end - before) / mb, n_end, dur, n_end / dur if dur else 0,
       first / mb, second / mb, (end - before) / max(n_end, 1)))
bad = []
if end - before >= 20 * mb:
    bad.append("grew by %.2f MB (limit 20 MB)" % ((end - before) / mb))
# Stored one by one, the second half would take about 250 bytes a scan;
# flat is under 4 (pages LMDB cannot reuse while readers hold them).
per = second / max(n_end - half[1], 1)
print("second half: %.2f bytes per scan" % per)
if second >= mb or per >= 4:
    bad.append("did not flatten: %.2f MB in the second half (%.2f bytes "
               "per scan), %.2f MB in the first" % (second / mb, per,
                                                     first / mb))
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
PY

# The counts: every scan the flood got an answer for (plus those in
# flight when wrk stopped), at most the budget stored per hour.
ok scans forged --hours 2
note "$OUT"
printf '%s\n' "$OUT" >"$T/run/forged.txt"
python3 - "$answered" "$BUDGET" "$T/run/stored" "$T/run/forged.txt" <<'PY' || fail "scans forged disagrees with the flood"
import re, sys
answered, budget = int(sys.argv[1]), int(sys.argv[2])
rows = [l for l in open(sys.argv[4]) if "127.0.0.0/24" in l]
num = lambda word, l: int(re.search(word + r" (\d+)", l).group(1))
forged = sum(num("forged", l) for l in rows)
malformed = sum(num("malformed", l) for l in rows)
stored = [num("stored", l) for l in rows]
counts = [num("forged", l) + num("malformed", l) for l in rows]
print("counted: %d forged, %d malformed in %d hour(s); stored %s" %
      (forged, malformed, len(rows), stored))
ok = rows and answered <= forged + malformed <= answered + 64 and \
    all(s == min(budget, c) for s, c in zip(stored, counts)) and \
    malformed > 0 and forged > malformed
with open(sys.argv[3], "w") as f:
    f.write("%d\n" % sum(stored))
sys.exit(0 if ok else 1)
PY
# The store holds exactly the events stored.
want=$(cat "$T/run/stored")
tail_events 100000
got=$(grep -cE '  #[0-9]+ +(forged|malformed) ' <<<"$OUT" || true)
assert_eq "$got" "$want" "forged and malformed events in the store"
note "events stored one by one: $got"
# A genuine code still scans.
get "$(path_of "$(row "$T/job" 2)")"
expect_code 200 "a genuine code after the flood"
serve_stop
note "ok"
