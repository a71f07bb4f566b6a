#!/bin/bash
# run.sh — EPCIS exports against a real validator and an independent hash.
#
# Writes EPCIS documents (unit.epcis's writer test with SCANLOOP_EPCIS_OUT:
# scans of every verdict, located and not, in UTC and Asia/Shanghai, and
# two batches' mint, activation, single-code voids and whole-batch void),
# then:
#  - validates every document against the GS1 EPCIS 2.0 JSON Schema
#    (tests/fixtures/epcis/EPCIS-JSON-Schema.json) with ajv + ajv-formats
#    (npm, installed here with `npm ci` from package-lock.json on first
#    use), and checks that the validator rejects a bare bizStep word that
#    is not a CBV value;
#  - recomputes every eventID with check_hashes.py, a Python implementation
#    of the CBV 2.0 event hash that shares no code with scanloop, after
#    checking that script against the GS1 reference implementation's
#    published vectors (tests/vectors/epcis-hash/).
#
# Exit status: 0 pass, 1 fail, 77 skip (no node/npm and none can be
# installed, or the npm registry is unreachable).
TEST_NAME=epcis
set -euo pipefail
export LC_ALL=C.UTF-8
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
. "$SRC/tests/lib/report.sh"
. "$SRC/tests/lib/npm.sh"
: "${SCANLOOP:?SCANLOOP must name the scanloop binary (meson sets it)}"
BUILD=${SCANLOOP_BUILD:-$(cd "$(dirname "$SCANLOOP")/.." && pwd)}
SCHEMA=$SRC/tests/fixtures/epcis/EPCIS-JSON-Schema.json
T=$(mktemp -d "${TMPDIR:-/tmp}/scanloop-epcis.XXXXXX")
trap 'rm -rf "$T"' EXIT

# Node and npm: installed with apt-get when we may (root, not
# SCANLOOP_NO_INSTALL), else the test is skipped.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null &&
	    [ -z "${SCANLOOP_NO_INSTALL:-}" ]; then
		note "installing nodejs npm"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		    --no-install-recommends nodejs npm >"$T/apt.log" 2>&1 ||
		    tail -n 5 "$T/apt.log"
	fi
	command -v node >/dev/null || skip "no node (apt-get install nodejs npm)"
	command -v npm >/dev/null || skip "no npm (apt-get install nodejs npm)"
fi
command -v python3 >/dev/null || skip "no python3"

# ajv from package-lock.json unless node_modules holds that version.
npm_ci_locked "$HERE" ajv

# The documents.
mkdir "$T/docs"
SCANLOOP_EPCIS_OUT="$T/docs" "$BUILD/tests/unit/test_epcis" >"$T/unit.log" 2>&1 ||
    { cat "$T/unit.log"; fail "test_epcis failed"; }
docs=("$T"/docs/*.json)
[ ${#docs[@]} -ge 3 ] || fail "expected 3 documents, got ${#docs[@]}"

# The schema.
node "$HERE/validate.mjs" "$SCHEMA" "${docs[@]}" ||
    fail "an EPCIS document does not pass the GS1 schema (see above)"
# The validator is not a rubber stamp: a bizStep that is a bare word but
# not a CBV value must fail.
sed 's|"bizStep":"https://scanloop.invalid/epcis/BizStep-consumer_scanning"|"bizStep":"consumer_scanning"|' \
    "$T/docs/scans-utc.json" >"$T/bare-word.json"
if node "$HERE/validate.mjs" "$SCHEMA" "$T/bare-word.json" >"$T/bad.log"; then
	fail "the validator accepted a bizStep that is not a CBV value"
fi
grep -q 'bizStep' "$T/bad.log" || { cat "$T/bad.log"; fail "rejected, but not for its bizStep"; }

# The eventIDs.
python3 "$HERE/check_hashes.py" --vectors "$SRC/tests/vectors/epcis-hash" "${docs[@]}" ||
    fail "an eventID differs from the independent recomputation (see above)"
echo "PASS [$TEST_NAME]: ${#docs[@]} documents valid, eventIDs recomputed"
