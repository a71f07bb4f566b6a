#!/bin/bash
# check.sh DOCUMENT... — EPCIS documents against a real validator and an
# independent hash, for tests/epcis/run.sh and
# tests/integration/serve/export_epcis.sh:
#  - every document must pass the GS1 EPCIS 2.0 JSON Schema
#    (tests/fixtures/epcis/EPCIS-JSON-Schema.json) under ajv + ajv-formats
#    (npm, installed here with `npm ci` from package-lock.json on first
#    use), and the validator must reject the first document with a bare
#    bizStep word that is not a CBV value;
#  - check_hashes.py, a Python implementation of the CBV 2.0 event hash
#    that shares no code with scanloop, checked first against the GS1
#    reference implementation's published vectors (tests/vectors/
#    epcis-hash/), must recompute every eventID.
# Exit status: 0 pass, 1 fail, 77 skip (no node/npm and none can be
# installed, or the npm registry is unreachable).
TEST_NAME=${TEST_NAME:-epcis}
set -euo pipefail
export LC_ALL=C.UTF-8
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
. "$SRC/tests/lib/report.sh"
. "$SRC/tests/lib/npm.sh"
SCHEMA=$SRC/tests/fixtures/epcis/EPCIS-JSON-Schema.json
[ $# -ge 1 ] || fail "usage: check.sh DOCUMENT..."
T=$(mktemp -d "${TMPDIR:-/tmp}/scanloop-epcis-check.XXXXXX")
trap 'rm -rf "$T"' EXIT

# Node and npm: installed with apt-get when we may (root, not
# SCANLOOP_NO_INSTALL), else the check is skipped.
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
npm_ci_locked "$HERE" ajv

# The schema.
node "$HERE/validate.mjs" "$SCHEMA" "$@" ||
    fail "an EPCIS document does not pass the GS1 schema (see above)"
# The validator is not a rubber stamp: a bizStep that is a bare word but
# not a CBV value must fail.
python3 - "$1" "$T/bare-word.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
events = doc["epcisBody"]["eventList"]
assert events, "the first document has no events"
events[0]["bizStep"] = "consumer_scanning"
json.dump(doc, open(sys.argv[2], "w"))
PY
if node "$HERE/validate.mjs" "$SCHEMA" "$T/bare-word.json" >"$T/bad.log"; then
	fail "the validator accepted a bizStep that is not a CBV value"
fi
grep -q 'bizStep' "$T/bad.log" || { cat "$T/bad.log"; fail "rejected, but not for its bizStep"; }

# The eventIDs.
python3 "$HERE/check_hashes.py" --vectors "$SRC/tests/vectors/epcis-hash" "$@" ||
    fail "an eventID differs from the independent recomputation (see above)"
