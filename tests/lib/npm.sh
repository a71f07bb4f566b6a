# shellcheck shell=bash
# npm.sh — node packages for the test scripts (tests/browser, tests/epcis;
# sourced, after report.sh). Each such test keeps a package.json and a
# package-lock.json in its folder and installs into node_modules/ there.

# npm_ci_locked DIR PACKAGE: runs `npm ci` in DIR unless DIR/node_modules
# already holds the version of PACKAGE that DIR/package-lock.json names.
# The lock on DIR/package.json (only read; fd 9) is exclusive to install,
# then shared for as long as the caller runs, so that no other run
# replaces node_modules under it. Logs go to $T/npm.log. Skips the test
# when the npm registry cannot be reached, fails when npm ci fails.
npm_ci_locked() {
	local dir=$1 pkg=$2 want have
	want=$(node -p 'require(process.argv[1]).packages["node_modules/" + process.argv[2]].version' \
	    "$dir/package-lock.json" "$pkg")
	exec 9<"$dir/package.json"
	flock -w 300 9 || fail "timed out waiting for another run's npm ci in $dir"
	have=$(node -p 'try { require(process.argv[1]).version } catch (e) { "" }' \
	    "$dir/node_modules/$pkg/package.json")
	if [ "$have" != "$want" ]; then
		note "npm ci in $dir ($pkg $want)"
		if ! (cd "$dir" && npm ci --no-audit --no-fund) >"$T/npm.log" 2>&1; then
			cat "$T/npm.log"
			npm ping >/dev/null 2>&1 || skip "npm registry unreachable: cannot install $pkg"
			fail "npm ci failed in $dir (see above)"
		fi
	fi
	flock -s 9
}
