#!/usr/bin/env bash
# quickstart.sh — the main job on the embedded default store: build, create
# ./var/scanloop and signing key 1 if missing, mint the sample print job
# (samples/print-job.env: 1,000 codes with PNGs), activate it and say where
# the print job is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh

scanloop=./build/tools/scanloop
# shellcheck source=../samples/print-job.env
. samples/print-job.env
export SCANLOOP_DB=${SCANLOOP_DB:-./var/scanloop}

if ! "$scanloop" key show --id "$KEY_ID" >/dev/null 2>&1; then
	"$scanloop" key new --id "$KEY_ID" --base-url "$BASE_URL"
fi

mkdir -p var/jobs
job=var/jobs/sample-$(date -u +%Y%m%dT%H%M%SZ)
"$scanloop" mint --key "$KEY_ID" --product "$PRODUCT" --count "$COUNT" \
	--line "$LINE" --png --out "$job"
batch=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["batch_id"])' \
	"$job/manifest.json")
"$scanloop" batch activate "$batch"

echo
echo "print job for the printer: $job"
echo "  codes.csv      $(($(wc -l <"$job/codes.csv") - 1)) codes (seq,serial,url)"
echo "  png/           $(find "$job/png" -name '*.png' | wc -l) QR images, 1-bit, 4 px per module"
echo "  manifest.json  batch $batch, sha256 of codes.csv"
echo "check a code:    $scanloop verify \"\$(sed -n 2p $job/codes.csv | cut -d, -f3)\""
