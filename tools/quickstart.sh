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

# The sample campaigns' own batches: the inner-code campaign draws behind
# the draw code printed inside each pack (mint --draw-codes), the Chinese
# one on its own product. Minted once: later runs reuse them.
mint_once() { # LINE PRODUCT COUNT DIR [ARGS...]: mints unless LINE has a batch
	local line=$1 product=$2 count=$3 dir=$4
	shift 4
	if ! "$scanloop" batch list 2>/dev/null | grep -q " $line\$"; then
		"$scanloop" mint --key "$KEY_ID" --product "$product" --count "$count" \
			--line "$line" --png --out "$dir" "$@"
		"$scanloop" batch activate "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["batch_id"])' \
			"$dir/manifest.json")"
	fi
}
mint_once "$INNER_LINE" "$INNER_PRODUCT" "$INNER_COUNT" var/jobs/inner-code --draw-codes
mint_once "$FESTIVAL_LINE" "$FESTIVAL_PRODUCT" "$FESTIVAL_COUNT" var/jobs/spring-festival

# Every sample campaign runs from today (load --start now moves its window,
# keeping its length), and a demo store redeems their prizes at /store.
for c in winter-treats-2026:winter-treats inner-code-summer-2027:inner-code \
    chunjie-2027:spring-festival-zh; do
	if ! "$scanloop" campaign show "${c%%:*}" >/dev/null 2>&1; then
		"$scanloop" campaign load "samples/campaigns/${c#*:}.json" --start now
	fi
done
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
