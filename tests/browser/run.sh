#!/bin/bash
# run.sh — the real-browser test of the scan page (issue 4).
#
# Makes a store with a key and a small active batch, starts `scanloop
# serve` on a free port, and has headless Chromium (Debian's chromium,
# driven by playwright-core from npm: scan.mjs) open a code's URL as a
# phone with a geolocation override and tap the location button. Then it
# stops the server (SIGTERM, exit 0) and checks that the store holds the
# coordinates the browser was given: GET /api/v1/codes/{SERIAL} first_scan
# and `scanloop scans show`. Screenshots go to
# $SCANLOOP_BUILD/meson-logs/browser/ (printed).
#
# Needs: chromium, node and npm (Debian: chromium fonts-noto-cjk nodejs
# npm); playwright-core is installed here with `npm ci` on first use.
# Exit status: 0 pass, 1 fail, 77 skip (no browser or node and none can be
# installed, or the npm registry is unreachable).
set -euo pipefail
# Numbers are printed with a decimal point.
export LC_ALL=C.UTF-8

: "${SCANLOOP:?SCANLOOP must name the scanloop binary (meson sets it)}"
[ -x "$SCANLOOP" ] || { echo "FAIL [browser]: $SCANLOOP is not executable" >&2; exit 1; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# meson test sets no MESON_BUILD_ROOT (only run targets get it): the
# build root comes from SCANLOOP_BUILD (test_env), else from $SCANLOOP.
BUILD=${MESON_BUILD_ROOT:-${SCANLOOP_BUILD:-$(cd "$(dirname "$SCANLOOP")/.." && pwd)}}
OUT=${SCANLOOP_BROWSER_OUT:-$BUILD/meson-logs/browser}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
# The Debian packages this test needs.
PACKAGES=(chromium fonts-noto-cjk nodejs npm)
# Where the phone says it is (Shanghai, People's Square), metres.
LAT=31.2304
LON=121.4737
ACC=25
# A GTIN-13 with a valid check digit.
GTIN=4006381333931
# Seconds for start-up and shutdown waits (slower under sanitizers).
WAIT=30
T=
SERVER=

# Prints a failure and exits 1.
fail() {
	echo "FAIL [browser]: $*" >&2
	exit 1
}

# Skips the test (meson counts exit 77 as skipped).
skip() {
	echo "SKIP [browser]: $*"
	exit 77
}

# A progress note on stdout (meson keeps it in the test log).
note() {
	echo "# $*"
}

# Stops the server if it still runs, removes the temp dir.
cleanup() {
	local rc=$?
	set +e
	if [ -n "$SERVER" ] && kill -0 "$SERVER" 2>/dev/null; then
		kill -KILL "$SERVER"
		wait "$SERVER" 2>/dev/null
	fi
	if [ -n "$T" ] && [ -d "$T" ]; then
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -s "$T/serve.err" ]; then
			echo "--- server stderr ---" >&2
			tail -n 50 "$T/serve.err" >&2
		fi
		rm -rf "$T"
	fi
	exit "$rc"
}

# Fails if a captured stderr holds a sanitizer report.
check_sanitizer() {
	if grep -qE 'Sanitizer|runtime error:' "$1"; then
		cat "$1" >&2
		fail "sanitizer report in $2 (see above)"
	fi
}

# Installs the missing Debian packages when we may (root, apt-get, not
# SCANLOOP_NO_INSTALL); returns non-zero when that is not possible.
install_packages() {
	[ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null &&
	    [ -z "${SCANLOOP_NO_INSTALL:-}" ] || return 1
	note "installing $*"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends "$@" >"$T/apt.log" 2>&1 ||
	    { apt-get update -q >>"$T/apt.log" 2>&1 &&
	    apt-get install -y -q --no-install-recommends "$@" >>"$T/apt.log" 2>&1; } || {
		tail -n 5 "$T/apt.log"
		return 1
	}
}

# Makes sure chromium, node and npm are here (installing what is missing
# if possible) and that node is recent enough.
need_tools() {
	local missing=()

	[ -x "$CHROMIUM" ] || missing+=(chromium)
	command -v node >/dev/null || missing+=(nodejs)
	command -v npm >/dev/null || missing+=(npm)
	fc-list ':lang=zh' 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
	[ ${#missing[@]} -eq 0 ] || install_packages "${missing[@]}" ||
	    note "could not install ${missing[*]}"
	[ -x "$CHROMIUM" ] || skip "no $CHROMIUM (apt-get install ${PACKAGES[*]})"
	command -v node >/dev/null || skip "no node (apt-get install ${PACKAGES[*]})"
	command -v npm >/dev/null || skip "no npm (apt-get install ${PACKAGES[*]})"
	# Without CJK fonts the screenshots show boxes; the checks hold.
	fc-list ':lang=zh' 2>/dev/null | grep -q . ||
	    note "no CJK font: Chinese text in the screenshots will not render"
	node -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)' ||
	    skip "node $(node --version) is older than 18"
}

# Installs playwright-core from package-lock.json unless node_modules
# already holds that version. The lock is on package.json (only read):
# exclusive to install, then shared for as long as this test uses
# node_modules, so that no other run replaces it under us.
need_playwright() {
	local want have
	want=$(node -p 'require(process.argv[1]).packages["node_modules/playwright-core"].version' \
	    "$HERE/package-lock.json")
	exec 9<"$HERE/package.json"
	flock -w 300 9 || fail "timed out waiting for another run's npm ci in $HERE"
	have=$(node -p 'try { require(process.argv[1]).version } catch (e) { "" }' \
	    "$HERE/node_modules/playwright-core/package.json")
	if [ "$have" != "$want" ]; then
		note "npm ci in $HERE (playwright-core $want)"
		if ! (cd "$HERE" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
		    npm ci --no-audit --no-fund) >"$T/npm.log" 2>&1; then
			cat "$T/npm.log"
			npm ping >/dev/null 2>&1 || skip "npm registry unreachable: cannot install playwright-core"
			fail "npm ci failed in $HERE (see above)"
		fi
	fi
	flock -s 9
}

# Prints "SERIAL PATH" of row N (1-based) of a print job's codes.csv, the
# path being the URL without its scheme and host.
code_row() {
	awk -F, -v n="$2" 'NR == n + 1 {
		sub(/\r$/, "", $3)
		p = $3; sub(/^[A-Za-z]+:\/\/[^\/]+/, "", p)
		print $2, p }' "$1/codes.csv"
}

# Runs scanloop, failing with its output unless it exits 0.
sl() {
	"$SCANLOOP" "$@" >"$T/out" 2>"$T/err" </dev/null ||
	    fail "scanloop $* exited $?: $(cat "$T/out" "$T/err")"
	check_sanitizer "$T/err" "scanloop $1"
}

T=$(mktemp -d "${TMPDIR:-/tmp}/scanloop-browser.XXXXXX")
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

need_tools
need_playwright
mkdir -p "$OUT"
# (only this test's files: run_draw.sh keeps its draw-*.png here too)
rm -f "$OUT"/genuine-*.png "$OUT"/forged-*.png "$OUT"/failure.png \
    "$OUT"/result.json

export SCANLOOP_DB="$T/db" SCANLOOP_KEYS="$T/keys"
sl key new --id 1
sl mint --key 1 --product "$GTIN" --count 3 --out "$T/job" --quiet
sl batch activate 1
read -r SERIAL CODE < <(code_row "$T/job" 1)
read -r SERIAL_BOT CODE_BOT < <(code_row "$T/job" 2)
read -r SERIAL_FORGED FORGED < <(code_row "$T/job" 3)
[ -n "$CODE" ] && [ -n "$CODE_BOT" ] && [ -n "$FORGED" ] ||
    fail "no codes in $T/job/codes.csv"
# The third code with one character of its signature's middle changed
# (another serial than the phone's: a forged scan of a real serial is
# recorded in that serial's history, which is not what this test is about).
SIG=${FORGED#*\?S=}
[ "${SIG:40:1}" = A ] && C=B || C=A
FORGED="${FORGED%%\?*}?S=${SIG:0:40}$C${SIG:41}"

# The files exist before the server's shell opens them (no race with sed).
: >"$T/serve.out"
: >"$T/serve.err"
"$SCANLOOP" serve --listen 127.0.0.1:0 --rate 0 >"$T/serve.out" \
    2>"$T/serve.err" </dev/null 9<&- &
SERVER=$!
PORT=
for ((i = 0; i < WAIT * 10; i++)); do
	PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' \
	    "$T/serve.out")
	[ -n "$PORT" ] && break
	kill -0 "$SERVER" 2>/dev/null || fail "the server exited: $(cat "$T/serve.err")"
	sleep 0.1
done
[ -n "$PORT" ] || fail "the server did not print its port in ${WAIT}s"
BASE=http://127.0.0.1:$PORT
note "server $BASE, code $SERIAL, screenshots in $OUT"

set +e
SL_BASE=$BASE SL_CODE=$CODE SL_CODE_BOT=$CODE_BOT SL_FORGED=$FORGED \
    SL_LAT=$LAT SL_LON=$LON SL_ACC=$ACC SL_OUT=$OUT \
    SL_RESULT="$T/result.json" CHROMIUM=$CHROMIUM NO_COLOR=1 \
    timeout -k 10 180 node "$HERE/scan.mjs"
rc=$?
set -e
[ -s "$T/result.json" ] && cp "$T/result.json" "$OUT/result.json"
[ "$rc" -eq 0 ] || fail "scan.mjs exited $rc"
EVENT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["event_id"])' \
    "$T/result.json")

# The code's summary, before the server stops: first scan where the phone
# said it was, two human scans (Chinese and English pages).
curl -sS --max-time "$WAIT" -o "$T/code.json" -w '%{http_code}' \
    "$BASE/api/v1/codes/$SERIAL" >"$T/status" || fail "GET /api/v1/codes/$SERIAL failed"
[ "$(cat "$T/status")" = 200 ] || fail "GET /api/v1/codes/$SERIAL: status $(cat "$T/status")"
python3 - "$T/code.json" "$SERIAL" "$LAT" "$LON" "$ACC" <<'EOF' ||
import json, sys
c = json.load(open(sys.argv[1]))
serial, lat, lon, acc = sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
f = c.get("first_scan") or {}
bad = []
if c.get("serial") != serial:
    bad.append("serial %r" % c.get("serial"))
if c.get("state") != "active":
    bad.append("state %r" % c.get("state"))
if c.get("scans") != 2 or c.get("scans_total") != 2:
    bad.append("scans %r, scans_total %r (want 2 and 2)" % (c.get("scans"), c.get("scans_total")))
if f.get("lat") != lat or f.get("lon") != lon:
    bad.append("first_scan at %r, %r (want %r, %r)" % (f.get("lat"), f.get("lon"), lat, lon))
if "accuracy" in f and f["accuracy"] != acc:
    bad.append("first_scan accuracy %r (want %r)" % (f["accuracy"], acc))
for b in bad:
    print("FAIL [browser]: GET /api/v1/codes: " + b, file=sys.stderr)
if bad:
    print(json.dumps(c), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
    fail "GET /api/v1/codes/$SERIAL does not hold the browser's position"

kill -TERM "$SERVER"
set +e
for ((i = 0; i < WAIT * 10; i++)); do
	kill -0 "$SERVER" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$SERVER" 2>/dev/null && fail "the server did not stop ${WAIT}s after SIGTERM"
wait "$SERVER"
rc=$?
set -e
SERVER=
[ "$rc" -eq 0 ] || fail "the server exited $rc after SIGTERM: $(cat "$T/serve.err")"
check_sanitizer "$T/serve.err" "the server's stderr"

# The store, read by the CLI: the tapped scan has the position.
sl scans show --serial "$SERIAL" -n 10
WANT=$(printf '%.5f,%.5f±%dm' "$LAT" "$LON" "$ACC")
LINE=$(grep -E "[[:space:]]#${EVENT}[[:space:]]" "$T/out") ||
    fail "scans show has no event #$EVENT: $(cat "$T/out")"
case "$LINE" in
*" genuine "*" $SERIAL "*" human "*" $WANT "*) ;;
*) fail "event #$EVENT is not a human genuine scan at $WANT: $LINE" ;;
esac
grep -q '^human scans: 2$' "$T/out" || fail "scans show: not 2 human scans: $(cat "$T/out")"
n=$(grep -cF -- "$WANT" "$T/out" || true)
[ "$n" -eq 1 ] || fail "$n events hold $WANT, want only #$EVENT: $(cat "$T/out")"
# Both visits carry the visitor cookie the first page set.
v=$(awk '$4 ~ /^#[0-9]+$/ && $9 == "human" { print $11 }' "$T/out" | sort -u)
[ "$(wc -l <<<"$v")" -eq 1 ] && [ -n "$v" ] && [ "$v" != - ] ||
    fail "the two visits do not share one visitor id: $(cat "$T/out")"
# The headless visit was recorded, as a bot.
sl scans show --serial "$SERIAL_BOT"
grep -qE " genuine +$SERIAL_BOT .* bot " "$T/out" ||
    fail "the HeadlessChrome visit is not a bot scan: $(cat "$T/out")"
# The forged visit was recorded too.
sl scans tail -n 20
grep -qE " forged +$SERIAL_FORGED .*raw=" "$T/out" ||
    fail "no forged scan of $SERIAL_FORGED recorded: $(cat "$T/out")"

echo "PASS [browser]: event #$EVENT holds $WANT; screenshots in $OUT"
