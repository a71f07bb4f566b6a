# lib.sh — what the real-browser tests share (run.sh, run_draw.sh):
# paths, the tools they need (installed when possible, else skipped),
# playwright-core from npm, scanloop runs, the server (on
# ../lib/serve.sh) and cleanup. The sourcing script sets TEST_NAME (for
# its messages) first.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib/serve.sh"
# fail, skip, note, check_sanitizer.
. "$HERE/../lib/report.sh"
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

# Runs scanloop, failing with its output unless it exits 0.
sl() {
	"$SCANLOOP" "$@" >"$T/out" 2>"$T/err" </dev/null ||
	    fail "scanloop $* exited $?: $(cat "$T/out" "$T/err")"
	check_sanitizer "$T/err" "scanloop $1"
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
