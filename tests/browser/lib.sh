# lib.sh — what the real-browser tests share (run.sh, run_draw.sh):
# paths, the tools they need (installed when possible, else skipped),
# playwright-core from npm, the temporary directory and cleanup, scanloop
# runs and a batch of codes, the server (on ../lib/serve.sh) and running
# the browser script. The sourcing script sets TEST_NAME (for its
# messages) first.
set -euo pipefail
# Numbers are printed with a decimal point.
export LC_ALL=C.UTF-8

: "${SCANLOOP:?SCANLOOP must name the scanloop binary (meson sets it)}"
[ -x "$SCANLOOP" ] ||
    { echo "FAIL [$TEST_NAME]: $SCANLOOP is not executable" >&2; exit 1; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib/serve.sh"
# fail, skip, note, check_sanitizer.
. "$HERE/../lib/report.sh"
# npm_ci_locked.
. "$HERE/../lib/npm.sh"
# meson test sets no MESON_BUILD_ROOT (only run targets get it): the
# build root comes from SCANLOOP_BUILD (test_env), else from $SCANLOOP.
BUILD=${MESON_BUILD_ROOT:-${SCANLOOP_BUILD:-$(cd "$(dirname "$SCANLOOP")/.." && pwd)}}
OUT=${SCANLOOP_BROWSER_OUT:-$BUILD/meson-logs/browser}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
# The Debian packages this test needs.
PACKAGES=(chromium fonts-noto-cjk nodejs npm)
# A GTIN-13 with a valid check digit.
GTIN=4006381333931
# Seconds for start-up and shutdown waits (slower under sanitizers).
WAIT=30
T=

# Stops the server if it still runs, removes the temp dir.
cleanup() {
	local rc=$?
	set +e
	if [ -n "$SRV_PID" ] && kill -0 "$SRV_PID" 2>/dev/null; then
		kill -KILL "$SRV_PID"
		wait "$SRV_PID" 2>/dev/null
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

# browser_setup: makes $T (removed at exit, the server killed if still
# running), makes sure of the tools and playwright-core, makes the
# screenshot directory $OUT, and points the store and the keys into $T.
browser_setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/scanloop-$TEST_NAME.XXXXXX")
	trap cleanup EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	need_tools
	need_playwright
	mkdir -p "$OUT"
	export SCANLOOP_DB="$T/db" SCANLOOP_KEYS="$T/keys"
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
# already holds that version (../lib/npm.sh), without its browsers.
need_playwright() {
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm_ci_locked "$HERE" playwright-core
}

# Runs scanloop, failing with its output unless it exits 0.
sl() {
	"$SCANLOOP" "$@" >"$T/out" 2>"$T/err" </dev/null ||
	    fail "scanloop $* exited $?: $(cat "$T/out" "$T/err")"
	check_sanitizer "$T/err" "scanloop $1"
}

# mint_batch COUNT: key 1, and a print job of COUNT codes in $T/job whose
# batch is activated; sets BATCH.
mint_batch() {
	sl key new --id 1
	sl mint --key 1 --product "$GTIN" --count "$1" --out "$T/job" --quiet
	BATCH=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["batch_id"])' \
	    "$T/job/manifest.json")
	sl batch activate "$BATCH"
}

# code_row JOBDIR N: prints "SERIAL PATH" of row N (1-based) of a print
# job's codes.csv, the path being the URL without its scheme and host.
code_row() {
	awk -F, -v n="$2" 'NR == n + 1 {
		sub(/\r$/, "", $3)
		p = $3; sub(/^[A-Za-z]+:\/\/[^\/]+/, "", p)
		print $2, p }' "$1/codes.csv"
}

# serve_start: starts `scanloop serve --rate 0` on a free port of
# 127.0.0.1 (its output in $T/serve.out and $T/serve.err) and waits until
# it answers; sets BASE (http://127.0.0.1:PORT).
serve_start() {
	serve_launch --out "$T/serve.out" --err "$T/serve.err" -- --rate 0 ||
	    fail "$SRV_ERROR"
	# shellcheck disable=SC2034 # (read by the sourcing script)
	BASE=$SRV_URL
}

# serve_stop: SIGTERM; the server must exit 0 within $WAIT s, with no
# sanitizer report.
serve_stop() {
	serve_halt "$WAIT" || fail "$SRV_ERROR"
	SRV_PID=
	[ "$SRV_RC" -eq 0 ] ||
	    fail "the server exited $SRV_RC after SIGTERM: $(cat "$T/serve.err")"
	check_sanitizer "$T/serve.err" "the server's stderr"
}

# browser_run SCRIPT RESULT: runs the node SCRIPT (scan.mjs, draw.mjs; 3
# minutes at most) against the server with SL_BASE, SL_OUT, SL_RESULT and
# CHROMIUM, besides the SL_ variables the caller gives it; keeps the
# result file it wrote as $OUT/RESULT, and fails if it did not exit 0.
browser_run() {
	local rc=0
	SL_BASE=$BASE SL_OUT=$OUT SL_RESULT="$T/result.json" CHROMIUM=$CHROMIUM \
	    NO_COLOR=1 timeout -k 10 180 node "$HERE/$1" || rc=$?
	[ -s "$T/result.json" ] && cp "$T/result.json" "$OUT/$2"
	[ "$rc" -eq 0 ] || fail "$1 exited $rc"
}
