#!/usr/bin/env bash
# sealed_job.sh — a print job sealed to a print house key: no plaintext
# on disk, `job open` restores a consistent job (the same bytes every
# time), and a tampered, truncated, re-keyed or wrongly unlocked job is
# refused without leaving its output directory.
. "$(dirname "$0")/lib.sh"
setup

COUNT=2000

# refuse WHAT SEALED OUTDIR ARGS...: job open must exit 1 with one error
# line and leave no OUTDIR (nor a partial one) behind.
refuse() {
	local what=$1 sealed=$2 out=$3 before
	shift 3
	before=$(ls -A "$(dirname "$out")")
	sl job open "$sealed" --out "$out" "$@"
	assert_rc 1 "$what"
	assert_one_error_line "$what"
	assert_absent "$out" "$what"
	assert_eq "$(ls -A "$(dirname "$out")")" "$before" \
	    "$what: the output directory's parent changed"
}

# Asserts that a directory holds no plaintext of a print job.
no_plaintext() {
	local f
	while IFS= read -r -d '' f; do
		! grep -aqi 'HTTPS://S.EXAMPLE.COM' "$f" ||
		    fail "$f holds a code URL in plaintext"
		! grep -aq 'seq,serial,url' "$f" || fail "$f holds codes.csv in plaintext"
		! grep -aq 'codes_sha256' "$f" || fail "$f holds manifest.json in plaintext"
		! grep -aq 'IHDR' "$f" || fail "$f holds a PNG in plaintext"
	done < <(find "$1" -type f -print0)
}

make_key 1
mkdir "$T/house" "$T/brand" "$T/open"
ok job keygen --out "$T/house/ph.key"
assert_contains "$OUT" "public_key: " "job keygen output"
[ -f "$T/house/ph.key" ] && [ -f "$T/house/ph.key.pub" ] || fail "keygen wrote no key files"
assert_eq "$(stat -c %a "$T/house/ph.key")" 600 "secret key file mode"
sl job keygen --out "$T/house/ph.key"
assert_rc 1 "keygen over an existing key"
assert_one_error_line "keygen over an existing key"

# Sealed mint: JOBDIR holds job.sealed and nothing else.
ok mint --key 1 --product "$GTIN" --count "$COUNT" --png \
    --seal-to "$T/house/ph.key.pub" --out "$T/brand/job"
assert_contains "$OUT" "job.sealed" "sealed mint output"
assert_eq "$(cd "$T/brand" && find . | sort | tr '\n' ' ')" \
    ". ./job ./job/job.sealed " "files written by a sealed mint"
no_plaintext "$T/brand"
# (The store holds the key's base URL, but no code text; the unit tests
# and docs/store.md cover what it keeps.)
SEALED="$T/brand/job/job.sealed"

# The print house opens it: a complete, consistent job, every time the same.
ok job open "$SEALED" --key "$T/house/ph.key" --out "$T/open/one"
check_job "$T/open/one" "$COUNT" png
ok job open "$SEALED" --key "$T/house/ph.key" --out "$T/open/two"
diff -r "$T/open/one" "$T/open/two" >/dev/null || fail "two opens of one sealed job differ"
sl job open "$SEALED" --key "$T/house/ph.key" --out "$T/open/one"
assert_rc 1 "job open into an existing directory"
assert_one_error_line "job open into an existing directory"
batch=$(manifest_get "$T/open/one" batch_id)
assert_eq "$(batches)" "$batch ready $COUNT" "batch list after a sealed mint"
assert_eq "$(codes_entries)" "$COUNT" "codes in the store"
ok batch activate "$batch"
SEED=${SEED:-$RANDOM}
note "sample seed $SEED"
sample_codes "$T/open/one" 8 >"$T/sample"
while read -r serial url; do
	got=$(zbar "$T/open/one/png/$serial.png") || fail "cannot decode $serial.png"
	assert_eq "$got" "$url" "decoded $serial.png of the opened job"
	sl verify "$got"
	assert_rc 0 "verify $serial from the opened job"
	assert_eq "${OUT%% *}" genuine "verdict of $serial"
done <"$T/sample"

# Tampered: one byte flipped in the middle, at the start, at the end.
size=$(stat -c %s "$SEALED")
for at in $((size / 2)) 9 $((size - 1)); do
	cp "$SEALED" "$T/brand/tampered"
	python3 - "$T/brand/tampered" "$at" <<'EOF'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2]))
    f.write(bytes([b[0] ^ 0x01]))
EOF
	cmp -s "$SEALED" "$T/brand/tampered" && fail "flip did not change the file"
	refuse "job with byte $at of $size flipped" "$T/brand/tampered" \
	    "$T/open/tampered" --key "$T/house/ph.key"
done

# Truncated: by half, by one byte, to nothing, and exactly at a record
# boundary (the last record, tagged FINAL, removed).
for len in $((size / 2)) $((size - 1)) 0; do
	head -c "$len" "$SEALED" >"$T/brand/short"
	refuse "job truncated to $len of $size bytes" "$T/brand/short" \
	    "$T/open/short" --key "$T/house/ph.key"
done
# job.h: magic (8), public key (32), sealed file key (48 + 32),
# secretstream header (24), then records of [u32 length][ciphertext].
cut=$(python3 - "$SEALED" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
o, last = 8 + 32 + 48 + 32 + 24, None
while o + 4 <= len(d):
    last = o
    o += 4 + struct.unpack(">I", d[o:o + 4])[0]
print(last if o == len(d) and last else -1)
EOF
)
[ "$cut" -gt 0 ] || fail "job.sealed is not a sequence of length-prefixed records (job.h changed?)"
head -c "$cut" "$SEALED" >"$T/brand/nofinal"
refuse "job without its final record" "$T/brand/nofinal" "$T/open/nofinal" \
    --key "$T/house/ph.key"
# Extra bytes after the final record.
{ cat "$SEALED"; printf 'x'; } >"$T/brand/long"
refuse "job with a byte appended" "$T/brand/long" "$T/open/long" \
    --key "$T/house/ph.key"

# Another print house's key cannot open it.
ok job keygen --out "$T/house/other.key"
refuse "job opened with another key" "$SEALED" "$T/open/other" \
    --key "$T/house/other.key"
refuse "job opened with its public key file" "$SEALED" "$T/open/pub" \
    --key "$T/house/ph.key.pub"

# A passphrase-protected print house key.
printf 'correct horse battery staple\n' >"$T/house/pass"
printf 'wrong horse\n' >"$T/house/wrong"
ok job keygen --out "$T/house/locked.key" --passphrase-file "$T/house/pass"
assert_contains "$OUT" "encrypted" "keygen with a passphrase"
! grep -aq 'correct horse' "$T/house/locked.key" || fail "passphrase stored in the key file"
mint 1 50 "$T/brand/job2" --png --seal-to "$T/house/locked.key.pub"
refuse "locked key, wrong passphrase" "$T/brand/job2/job.sealed" \
    "$T/open/wrong" --key "$T/house/locked.key" --passphrase-file "$T/house/wrong"
refuse "locked key, no passphrase" "$T/brand/job2/job.sealed" \
    "$T/open/nopass" --key "$T/house/locked.key"
refuse "job sealed to the locked key, opened with the first key" \
    "$T/brand/job2/job.sealed" "$T/open/cross" --key "$T/house/ph.key"
ok job open "$T/brand/job2/job.sealed" --key "$T/house/locked.key" \
    --passphrase-file "$T/house/pass" --out "$T/open/locked"
check_job "$T/open/locked" 50 png
assert_eq "$(find "$T/open" -name '.*' | head -3)" "" "hidden leftovers under $T/open"
note "ok"
