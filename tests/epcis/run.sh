#!/bin/bash
# run.sh — the EPCIS writer's documents (unit.epcis's test with
# SCANLOOP_EPCIS_OUT: scans of every verdict, located and not, in UTC and
# Asia/Shanghai, and two batches' mint, activation, single-code voids and
# whole-batch void) through check.sh: the GS1 EPCIS 2.0 JSON Schema with
# ajv, and every eventID recomputed independently. The same checks run on
# real exports in tests/integration/serve/export_epcis.sh.
# Exit status: 0 pass, 1 fail, 77 skip (no node/npm).
TEST_NAME=epcis
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib/report.sh"
: "${SCANLOOP:?SCANLOOP must name the scanloop binary (meson sets it)}"
BUILD=${SCANLOOP_BUILD:-$(cd "$(dirname "$SCANLOOP")/.." && pwd)}
T=$(mktemp -d "${TMPDIR:-/tmp}/scanloop-epcis.XXXXXX")
trap 'rm -rf "$T"' EXIT

SCANLOOP_EPCIS_OUT="$T" "$BUILD/tests/unit/test_epcis" >"$T/unit.log" 2>&1 ||
    { cat "$T/unit.log"; fail "test_epcis failed"; }
docs=("$T"/*.json)
[ ${#docs[@]} -eq 3 ] || fail "expected 3 documents, got ${#docs[@]}"
"$HERE/check.sh" "${docs[@]}"
echo "PASS [$TEST_NAME]: ${#docs[@]} documents valid, eventIDs recomputed"
