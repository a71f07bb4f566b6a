#!/usr/bin/env bash
# disk_full.sh — a full disk under the print job, then under the store:
# the mint exits 1 with one clear error line and leaves nothing behind (no
# JOBDIR, no partial directory, no batch, no codes); the store still opens
# and serves, and a smaller mint afterwards works.
# Needs root and tmpfs mounts; skipped (77) otherwise.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root to mount a small tmpfs"
setup

# mount_small DIR SIZE: mounts a tmpfs of SIZE on DIR (unmounted at exit).
mount_small() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2,mode=0700" tmpfs "$1" 2>"$T/run/mount.err" ||
	    skip "cannot mount a tmpfs: $(cat "$T/run/mount.err")"
	on_cleanup "umount '$1'"
}

# must_fail WHAT NEEDLE ARGS...: scanloop ARGS exits 1 with one error line
# mentioning NEEDLE (case-insensitive; empty: anything).
must_fail() {
	local what=$1 needle=$2
	shift 2
	sl "$@"
	assert_rc 1 "$what"
	assert_one_error_line "$what"
	[ -z "$needle" ] || grep -qi -- "$needle" <<<"$ERR" ||
	    fail "$what: error does not say '$needle': $ERR"
	note "$what: $ERR"
}

# 1. The print job's disk fills up.
make_key 1
mint 1 100 "$T/first"
ok batch activate "$(manifest_get "$T/first" batch_id)"
U1=$(sed -n 2p "$T/first/codes.csv" | cut -d, -f3 | tr -d '\r')
before_batches=$(batches)
before_codes=$(codes_entries)
mount_small "$T/small" 3m
must_fail "mint 10,000 PNGs onto a 3 MiB disk" "no space" \
    mint --key 1 --product "$GTIN" --count 10000 --png --out "$T/small/job"
assert_absent "$T/small/job" "JOBDIR on a full disk"
assert_eq "$(ls -A "$T/small")" "" "leftovers on the full disk"
must_fail "mint 100,000 codes (no images) onto a 3 MiB disk" "no space" \
    mint --key 1 --product "$GTIN" --count 100000 --out "$T/small/job2"
assert_eq "$(ls -A "$T/small")" "" "leftovers on the full disk"
ok job keygen --out "$T/ph.key"
must_fail "sealed mint of 10,000 PNGs onto a 3 MiB disk" "no space" \
    mint --key 1 --product "$GTIN" --count 10000 --png \
    --seal-to "$T/ph.key.pub" --out "$T/small/job3"
assert_eq "$(ls -A "$T/small")" "" "leftovers on the full disk"
assert_eq "$(df --output=used -B1 "$T/small" | tail -1 | tr -d ' ')" 0 \
    "bytes left in use on the full disk"
assert_eq "$(batches)" "$before_batches" "batches after the failed mints"
assert_eq "$(codes_entries)" "$before_codes" "codes after the failed mints"
# The same disk takes a job that fits.
mint 1 50 "$T/small/fits" --png
check_job "$T/small/fits" 50 png

# 2. The store's disk fills up (the print job is on the normal disk).
export SCANLOOP_DB="$T/smalldb/scanloop"
export SCANLOOP_KEYS="$T/keys2" SCANLOOP_SECRET_KEYS="$T/secret-keys2"
mount_small "$T/smalldb" 2m
make_key 1
mint 1 500 "$T/s1"
B1=$(manifest_get "$T/s1" batch_id)
ok batch activate "$B1"
U2=$(sed -n 2p "$T/s1/codes.csv" | cut -d, -f3 | tr -d '\r')
before_batches=$(batches)
must_fail "mint 100,000 codes into a store on a 2 MiB disk" "store" \
    mint --key 1 --product "$GTIN" --count 100000 --out "$T/s2"
assert_absent "$T/s2" "JOBDIR of a mint the store could not take"
assert_no_partial "$T"
ok batch list
assert_eq "$(batches)" "$before_batches" "batch list after the store filled up"
assert_eq "$(codes_entries)" 500 "codes after the store filled up"
sl verify "$U2"
assert_rc 0 "a code of the earlier batch after the store filled up"
# Space freed inside the store file is reused: a smaller mint works.
mint 1 1000 "$T/s3"
check_job "$T/s3" 1000
B3=$(manifest_get "$T/s3" batch_id)
assert_eq "$(batches | grep -c ' minting ')" 0 "minting batches"
assert_eq "$(batches | awk '{ s += $3 } END { print s }')" 1500 "sum of batch counts"
assert_eq "$(codes_entries)" 1500 "codes database entries"
ok batch activate "$B3"
sl verify "$U2" "$(sed -n '$p' "$T/s3/codes.csv" | cut -d, -f3 | tr -d '\r')"
assert_rc 0 "codes of both batches"
# The first store, on the normal disk, was never touched by part 2.
SCANLOOP_DB="$T/var/scanloop" sl verify "$U1"
assert_rc 0 "a code of the first store"
note "ok"
