#!/usr/bin/env bash
# bad_input.sh — garbage for every flag: exactly one clear error line on
# stderr, the documented exit status (2 usage error, 1 rejected), nothing
# on stdout, and nothing changed (store file, batch and key lists, job
# directories, key files). Also: --help of every command, no command, an
# unknown command.
. "$(dirname "$0")/lib.sh"
setup

# Prints everything a rejected command must leave as it was.
snapshot() {
	# data.mdb holds every record (keys included); batch list shows it.
	sha256sum "$MAIN_DB/data.mdb"
	"$SCANLOOP" --db "$MAIN_DB" batch list
	(cd "$T" && find . -path ./run -prune -o -path ./var/scanloop -prune \
	    -o -printf '%p %y %s %m\n' | sort)
	[ ! -d "$SCANLOOP_KEYS" ] || (cd "$SCANLOOP_KEYS" && sha256sum -- * | sort)
	[ ! -d "$SCANLOOP_SECRET_KEYS" ] ||
	    (cd "$SCANLOOP_SECRET_KEYS" && sha256sum -- * | sort)
}

# bad RC NEEDLE WHAT ARGS...: scanloop ARGS must exit RC with one error
# line containing NEEDLE (case-insensitive), print nothing on stdout and
# change nothing.
bad() {
	local rc=$1 needle=$2 what=$3 before after
	shift 3
	before=$(snapshot)
	sl "$@"
	assert_rc "$rc" "$what"
	assert_one_error_line "$what"
	[ -z "$OUT" ] || fail "$what: unexpected stdout: $(last)"
	if [ -n "$needle" ]; then
		grep -qiF -- "$needle" <<<"$ERR" ||
		    fail "$what: error does not mention '$needle': $ERR"
	fi
	after=$(snapshot)
	[ "$before" == "$after" ] || fail "$what: changed the store or files:
$(diff <(echo "$before") <(echo "$after"))"
	note "$what -> $RC: $ERR"
}

# GS1 check digit of a GTIN body (computed, not hard-coded).
check_digit() {
	python3 -c '
import sys
g = sys.argv[1]
s = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(g)))
print((10 - s % 10) % 10)' "$1"
}

MAIN_DB=$SCANLOOP_DB
mint_active 20 "$T/good"
B1=$BATCH
mint_active 10 "$T/other"
B2=$BATCH
J="$T/jobs/new"
mkdir "$T/jobs"
M=(mint --key 1 --product "$GTIN" --out "$J" --quiet)

# --count.
for c in -5 0 100000001 1e6 abc 99999999999999999999 "" " 5" 5x +5 0x10 -0; do
	bad 2 --count "mint --count '$c'" "${M[@]}" --count "$c"
done
bad 2 --count "mint without --count" "${M[@]}"
assert_absent "$J" "JOBDIR after bad counts"

# --key.
bad 2 --key "mint without --key" mint --product "$GTIN" --count 5 --out "$J"
for k in 256 -1 abc 1.5 ""; do
	bad 2 --key "mint --key '$k'" mint --key "$k" --product "$GTIN" --count 5 --out "$J"
done
bad 1 "no key 7" "mint --key of a key not in the store" \
    mint --key 7 --product "$GTIN" --count 5 --out "$J"
make_key 3
mv "$SCANLOOP_SECRET_KEYS/key-3.secret" "$T/key-3.secret.away"
bad 1 key-3.secret "mint with the key's secret file missing" \
    mint --key 3 --product "$GTIN" --count 5 --out "$J"
mv "$T/key-3.secret.away" "$SCANLOOP_SECRET_KEYS/key-3.secret"
bad 1 "" "mint --key-file of a missing file" \
    mint --key 1 --key-file "$T/nope.secret" --product "$GTIN" --count 5 --out "$J"
bad 1 "not the secret of key 1" "mint --key-file of another key" \
    mint --key 1 --key-file "$SCANLOOP_SECRET_KEYS/key-3.secret" --product "$GTIN" \
    --count 5 --out "$J"
echo garbage >"$T/garbage.secret"
bad 1 "" "mint --key-file of a garbage file" \
    mint --key 1 --key-file "$T/garbage.secret" --product "$GTIN" --count 5 --out "$J"
rm "$T/garbage.secret"

# JOBDIR: missing parent, existing directory, parent a regular file.
bad 1 "does not exist" "mint into a JOBDIR whose parent is missing" \
    mint --key 1 --product "$GTIN" --count 5 --out "$T/missing/parent/job"
assert_absent "$T/missing" "missing parent"
mkdir "$T/exists"
echo keep >"$T/exists/file"
bad 1 exists "mint into an existing JOBDIR" \
    mint --key 1 --product "$GTIN" --count 5 --out "$T/exists"
assert_eq "$(cat "$T/exists/file")" keep "existing JOBDIR content"
assert_eq "$(ls -A "$T/exists")" file "existing JOBDIR listing"
echo x >"$T/plainfile"
bad 1 "not a directory" "mint into a JOBDIR under a regular file" \
    mint --key 1 --product "$GTIN" --count 5 --out "$T/plainfile/job"
bad 1 "" "mint into a JOBDIR that is a regular file" \
    mint --key 1 --product "$GTIN" --count 5 --out "$T/plainfile"
ln -s "$T/jobs/nowhere" "$T/dangling"
bad 1 "" "mint into a JOBDIR that is a dangling symlink" \
    mint --key 1 --product "$GTIN" --count 5 --out "$T/dangling"
if [ "$(id -u)" -ne 0 ]; then
	mkdir "$T/ro" && chmod 500 "$T/ro"
	bad 1 "" "mint into a read-only parent" \
	    mint --key 1 --product "$GTIN" --count 5 --out "$T/ro/job"
fi
bad 2 --out "mint without --out" mint --key 1 --product "$GTIN" --count 5
assert_no_partial "$T"
assert_no_partial "$T/jobs"

# --product.
body=400638133393
right=$(check_digit "$body")
wrong=$(((right + 1) % 10))
bad 2 "should be $right" "mint --product with a wrong check digit" \
    "${M[@]}" --count 5 --product "$body$wrong"
body14=1234567890123
r14=$(check_digit "$body14")
bad 2 "should be $r14" "mint --product GTIN-14 with a wrong check digit" \
    "${M[@]}" --count 5 --product "$body14$(((r14 + 3) % 10))"
for p in 40063813339AB abcdefghijklm 4006381 400638133393100 "" " $GTIN" "$GTIN " -4006381333931; do
	bad 2 GTIN "mint --product '$p'" "${M[@]}" --count 5 --product "$p"
done
bad 2 --product "mint without --product" mint --key 1 --count 5 --out "$J"

# Image and worker options.
for e in X m1 "" LM; do
	bad 2 --ecc "mint --ecc '$e'" "${M[@]}" --count 5 --png --ecc "$e"
done
for px in 0 65 -1 abc 4.5 ""; do
	bad 2 --module-px "mint --module-px '$px'" "${M[@]}" --count 5 --png --module-px "$px"
done
for th in 0 257 -2 many; do
	bad 2 --threads "mint --threads '$th'" "${M[@]}" --count 5 --threads "$th"
done
bad 2 --frobnicate "mint --frobnicate" "${M[@]}" --count 5 --frobnicate
bad 2 "-Z" "mint -Z" "${M[@]}" --count 5 -Z
bad 2 stray "mint with a stray argument" "${M[@]}" --count 5 stray
bad 2 --count "mint --count with no value" "${M[@]}" --count
bad 2 --line "mint --line of 33 characters" "${M[@]}" --count 5 \
    --line 123456789012345678901234567890123
bad 1 "" "mint --seal-to of a missing file" "${M[@]}" --count 5 --seal-to "$T/nope.pub"
echo garbage >"$T/garbage.pub"
bad 1 "" "mint --seal-to of a garbage file" "${M[@]}" --count 5 --seal-to "$T/garbage.pub"
rm "$T/garbage.pub"
bad 1 "" "mint --passphrase-file of a missing file" "${M[@]}" --count 5 \
    --passphrase-file "$T/nope.pass"
assert_absent "$J" "JOBDIR after bad mints"

# key new.
bad 2 scheme "key new --scheme rsa" key new --id 5 --scheme rsa
bad 2 --id "key new --id 300" key new --id 300
bad 2 --id "key new --id -1" key new --id -1
bad 2 --id "key new --id x" key new --id x
bad 2 --id "key new without --id" key new
bad 1 "already exists" "key new with an existing id" key new --id 1
bad 2 base-url "key new --base-url ftp://x" key new --id 5 --base-url ftp://x
bad 2 base-url "key new --base-url with a space" key new --id 5 \
    --base-url "HTTPS://S.EXAMPLE.COM/A B"
bad 2 base-url "key new --base-url without a host" key new --id 5 --base-url "https://"
bad 1 "" "key new --passphrase-file of a missing file" key new --id 5 \
    --passphrase-file "$T/nope.pass"
: >"$T/empty.pass"
bad 1 empty "key new --passphrase-file of an empty file" key new --id 5 \
    --passphrase-file "$T/empty.pass"
bad 2 --frobnicate "key new --frobnicate" key new --id 5 --frobnicate
bad 2 "" "key with an unknown subcommand" key frob
bad 1 "no key 200" "key show of a missing key" key show --id 200
assert_absent "$SCANLOOP_SECRET_KEYS/key-5.secret" "key 5 secret"

# batch.
bad 1 "no batch 999" "batch activate 999" batch activate 999
bad 1 "no batch 999" "batch show 999" batch show 999
for id in 0 -1 abc 4294967296; do
	bad 2 "" "batch activate '$id'" batch activate "$id"
done
bad 2 "" "batch activate without an id" batch activate
bad 2 "" "batch with an unknown subcommand" batch frob
U1=$(sed -n 2p "$T/good/codes.csv" | cut -d, -f3 | tr -d '\r')
S2=$(sed -n 2p "$T/other/codes.csv" | cut -d, -f2)
U2=$(sed -n 3p "$T/other/codes.csv" | cut -d, -f3 | tr -d '\r')
bad 1 "" "batch void --serials of a missing file" \
    batch void "$B1" --serials "$T/nope.txt"
printf '%s\n%s\n' "$U1" "$S2" >"$T/mixed.txt"
bad 1 "another batch" "batch void with a serial of another batch" \
    batch void "$B1" --serials "$T/mixed.txt"
printf '%s\n' "$U2" >"$T/otherurl.txt"
bad 1 "another batch" "batch void with a URL of another batch" \
    batch void "$B1" --serials "$T/otherurl.txt"
printf '%s\nnot-a-serial!\n' "$U1" >"$T/garbage.txt"
bad 1 "line 2" "batch void with a garbage line" \
    batch void "$B1" --serials "$T/garbage.txt"
printf '%s\nAAAAAAAAAAAAA\n' "$U1" >"$T/unknown.txt"
bad 1 "not in the store" "batch void with an unknown serial" \
    batch void "$B1" --serials "$T/unknown.txt"
printf '# nothing\n\n' >"$T/none.txt"
bad 1 "" "batch void with no serials" batch void "$B1" --serials "$T/none.txt"
printf '%s\n' "$U1" >"$T/one.txt"
bad 2 "" "batch void with --serials and --all" \
    batch void "$B1" --serials "$T/one.txt" --all
bad 2 "" "batch void with neither --serials nor --all" batch void "$B1"
bad 2 reason "batch void --reason bogus" batch void "$B1" --all --reason bogus
bad 2 "" "batch activate --all" batch activate "$B1" --all
bad 1 "no batch 999" "batch void 999 --all" batch void 999 --all
# Nothing was voided: both codes still verify as genuine.
sl verify "$U1" "$U2"
assert_rc 0 "codes named in rejected void requests"
assert_eq "$(grep -c '^genuine ' <<<"$OUT")" 2 "still genuine after rejected voids"

# verify and job usage errors.
bad 2 "" "verify --offline without --pubkey" verify --offline "$U1"
bad 2 "" "verify --offline --pubkey of 63 digits" verify --offline \
    --pubkey 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde "$U1"
bad 2 "" "verify --offline --pubkey of non-hex" verify --offline \
    --pubkey "$(printf 'g%.0s' {1..64})" "$U1"
bad 2 "" "verify --pubkey without --offline" verify \
    --pubkey "$(printf '0%.0s' {1..64})" "$U1"
bad 2 "" "verify --offline --full" verify --offline --full \
    --pubkey "$(printf '0%.0s' {1..64})" "$U1"
bad 2 --frobnicate "verify --frobnicate" verify --frobnicate "$U1"
ok job keygen --out "$T/ph.key"
mint 1 5 "$T/sealed" --seal-to "$T/ph.key.pub"
bad 2 --key "job open without --key" job open "$T/sealed/job.sealed" --out "$T/opened"
bad 2 --out "job open without --out" job open "$T/sealed/job.sealed" --key "$T/ph.key"
bad 2 "" "job open without a file" job open --key "$T/ph.key" --out "$T/opened"
bad 1 "" "job open of a missing file" job open "$T/nope.sealed" \
    --key "$T/ph.key" --out "$T/opened"
bad 2 "" "job keygen without --out" job keygen
bad 2 "" "job with an unknown subcommand" job frob --out x
assert_absent "$T/opened" "job open output"

# A store that is not there is reported, not created.
SCANLOOP_DB="$T/nostore/scanloop" bad 1 "no store" "batch list without a store" batch list
SCANLOOP_DB="$T/nostore/scanloop" bad 1 "no store" "mint without a store" \
    mint --key 1 --product "$GTIN" --count 5 --out "$J"
assert_absent "$T/nostore" "store of a rejected command"

# Help: every command, and the subcommands, on stdout with NAME and
# SYNOPSIS, exit 0, nothing on stderr.
sl --help
assert_rc 0 "scanloop --help"
cmds=$(awk '/^COMMANDS/ { on = 1; next } /^[A-Z]/ { on = 0 } on && NF { print $1 }' <<<"$OUT")
for c in key mint batch verify job; do
	grep -qx "$c" <<<"$cmds" || fail "scanloop --help does not list '$c': $OUT"
done
while read -r -a words; do
	sl "${words[@]}" --help
	assert_rc 0 "scanloop ${words[*]} --help"
	[ -z "$ERR" ] || fail "scanloop ${words[*]} --help wrote to stderr: $ERR"
	grep -q '^NAME$' <<<"$OUT" || fail "scanloop ${words[*]} --help has no NAME section"
	grep -q '^SYNOPSIS$' <<<"$OUT" || fail "scanloop ${words[*]} --help has no SYNOPSIS section"
	grep -q "scanloop ${words[0]}" <<<"$OUT" || fail "scanloop ${words[*]} --help does not name itself"
done < <(printf '%s\n' "$cmds"; printf '%s\n' "key new" "key list" "key show" \
    "batch list" "batch void" "job keygen" "job open")
sl -h
assert_rc 0 "scanloop -h"
sl --version
assert_rc 0 "scanloop --version"
assert_contains "$OUT" "scanloop" "version line"

# No command, an unknown command, an unknown global option.
before=$(snapshot)
sl
assert_rc 2 "scanloop with no arguments"
[ -n "$ERR" ] || fail "scanloop with no arguments printed no usage on stderr"
[ -z "$OUT" ] || fail "scanloop with no arguments wrote to stdout"
bad 2 frobnicate "unknown command" frobnicate
bad 2 groups-older "prune --groups-older garbage" prune --groups-older soon
bad 2 retain-groups "serve --retain-groups negative" serve --retain-groups -1
bad 2 --frobnicate "unknown global option" --frobnicate batch list
assert_contains "$ERR" "scanloop: unknown option '--frobnicate' (see 'scanloop --help')" \
    "unknown global option message"
[ "$before" == "$(snapshot)" ] || fail "usage errors changed the store"
note "ok"
