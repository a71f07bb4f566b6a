#!/usr/bin/env bash
# quickstart.sh — the main job on the embedded default store: build, create
# ./var/scanloop and signing key 1 if missing (its secret, encrypted, in
# ./var/secret-keys; the server reads only ./var/keys), mint the sample
# print job (samples/print-job.env: 1,000 codes with PNGs), activate it,
# say where the print job is, then serve scans in the foreground (Ctrl-C
# stops it) and print one code's URL to open.
#   SCANLOOP_LISTEN=ADDR:PORT   where to serve (default 127.0.0.1:8080)
#   QUICKSTART_SERVE=0          mint only, do not start the server
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh

scanloop=./build/tools/scanloop
# shellcheck source=../samples/print-job.env
. samples/print-job.env
export SCANLOOP_DB=${SCANLOOP_DB:-./var/scanloop}
listen=${SCANLOOP_LISTEN:-127.0.0.1:8080}

if ! "$scanloop" key show --id "$KEY_ID" >/dev/null 2>&1; then
	"$scanloop" key new --id "$KEY_ID" --base-url "$BASE_URL"
fi
# A ./var of an older version keeps its signing keys in var/keys, which the
# server reads: move them to var/secret-keys (encrypted), or serve refuses.
"$scanloop" key migrate | grep -v '^no signing key' || true

mkdir -p var/jobs
job=var/jobs/sample-$(date -u +%Y%m%dT%H%M%SZ)
"$scanloop" mint --key "$KEY_ID" --product "$PRODUCT" --count "$COUNT" \
	--line "$LINE" --png --out "$job"
batch=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["batch_id"])' \
	"$job/manifest.json")
"$scanloop" batch activate "$batch"

# The sample campaign draws on this product's codes while it runs (it
# ends 2027-01-31; loading it later changes nothing), and a demo store
# redeems its prizes at /store.
campaign=samples/campaigns/winter-treats.json
if ! "$scanloop" campaign show winter-treats-2026 >/dev/null 2>&1; then
	"$scanloop" campaign load "$campaign"
fi
if ! "$scanloop" store list 2>/dev/null | grep -q '^demo-store '; then
	"$scanloop" store add --id demo-store --name "Demo store" |
		tee var/demo-store.token | grep -i token || true
	chmod 600 var/demo-store.token
fi

url=$(sed -n 2p "$job/codes.csv" | cut -d, -f3 | tr -d '\r')
serial=$(sed -n 2p "$job/codes.csv" | cut -d, -f2)
echo
echo "print job for the printer: $job"
echo "  codes.csv      $(($(wc -l <"$job/codes.csv") - 1)) codes (seq,serial,url)"
echo "  png/           $(find "$job/png" -name '*.png' | wc -l) QR images, 1-bit, 4 px per module"
echo "  manifest.json  batch $batch, sha256 of codes.csv"
echo "first code:      $url"
echo "  its QR image:  $job/png/$serial.png"

if [[ ${QUICKSTART_SERVE:-1} == 0 ]]; then
	exit 0
fi
echo
echo "open this on this machine (the printed host S.EXAMPLE.COM stands for yours):"
echo "  http://$listen/${url#*://*/}"
echo "staff page (redeem prizes): http://$listen/store   token: var/demo-store.token"
echo "scans:   $scanloop scans tail      stop: Ctrl-C"
exec "$scanloop" serve --listen "$listen"
