# shellcheck shell=bash
# report.sh — how a test script reports: fail, skip, note, and the
# sanitizer check of a captured stderr, for the integration and browser
# scripts (bash; sourced, not run). The sourcing script sets TEST_NAME
# (for its messages). Exit status of a test: 0 pass, 1 fail, 77 skip.

# Prints a failure and exits 1.
fail() {
	echo "FAIL [$TEST_NAME]: $*" >&2
	exit 1
}

# Skips the test (meson counts exit 77 as skipped).
skip() {
	echo "SKIP [$TEST_NAME]: $*"
	exit 77
}

# A progress note on stdout (meson keeps it in the test log).
note() {
	echo "# $*"
}

# check_sanitizer FILE [WHAT]: fails if FILE, a captured stderr (of
# WHAT), holds a sanitizer report.
check_sanitizer() {
	if grep -qE 'Sanitizer|runtime error:' "$1"; then
		cat "$1" >&2
		fail "sanitizer report${2:+ in $2} (see above)"
	fi
}
