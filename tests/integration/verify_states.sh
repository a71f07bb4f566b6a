#!/usr/bin/env bash
# verify_states.sh — `scanloop verify` verdicts and exit codes: genuine,
# tampered (signature, serial, GTIN), spellings that must still verify
# (letter case, extra query parameters, whitespace), void codes and void
# batches, not-yet-active, unknown key, garbage; stdin mode; --offline
# --pubkey; --full.
. "$(dirname "$0")/lib.sh"
setup

# Prints the ROW-th URL (1-based) of JOBDIR/codes.csv.
url_of() {
	sed -n "$(($2 + 1))p" "$1/codes.csv" | cut -d, -f3 | tr -d '\r'
}

# Prints the ROW-th serial of JOBDIR/codes.csv.
serial_of() {
	sed -n "$(($2 + 1))p" "$1/codes.csv" | cut -d, -f2
}

# expect VERDICT RC WHAT [verify args...]: one code, one line, this verdict.
expect() {
	local verdict=$1 rc=$2 what=$3 n
	shift 3
	sl verify "$@"
	assert_rc "$rc" "$what"
	n=$(printf '%s\n' "$OUT" | grep -c '')
	[ "$n" -eq 1 ] || fail "$what: want one verdict line: $(last)"
	assert_eq "${OUT%% *}" "$verdict" "$what: verdict"
	[ -z "$ERR" ] || fail "$what: unexpected stderr: $(last)"
}

# Replaces the character at INDEX of STRING by another base32 character.
flip_char() {
	local s=$1 i=$2 c r
	c=${s:i:1}
	[ "$c" != A ] && [ "$c" != a ] && r=A || r=B
	printf '%s%s%s' "${s:0:i}" "$r" "${s:i+1}"
}

make_key 1
mint 1 200 "$T/a"
mint 1 50 "$T/b"
mint 1 50 "$T/c"
mint 1 30 "$T/d"
A=$(manifest_get "$T/a" batch_id)
B=$(manifest_get "$T/b" batch_id)
C=$(manifest_get "$T/c" batch_id)
D=$(manifest_get "$T/d" batch_id)
ok batch activate "$A"
ok batch activate "$C"
ok batch activate "$D"

U=$(url_of "$T/a" 7)
SER=$(serial_of "$T/a" 7)
[ -n "$U" ] && [ ${#SER} -eq 13 ] || fail "cannot read a code from codes.csv"

# Genuine, and every spelling of it that must stay genuine.
expect genuine 0 "genuine code" "$U"
[[ "$OUT" == "genuine "*" $SER active, batch $A,"* ]] || fail "genuine line: $OUT"
expect genuine 0 "lowercase URL" "${U,,}"
expect genuine 0 "appended &from=timeline" "$U&from=timeline"
expect genuine 0 "surrounding spaces" "  $U  "
expect genuine 0 "surrounding tab and newline" $'\t'"$U"$'\n'
expect genuine 0 "--full on a genuine code" --full "$U"

# Tampered: one signature character, one serial character, another GTIN.
sig=${U#*\?S=}
base=${U%\?S=*}
bad_sig="$base?S=$(flip_char "$sig" $((${#sig} / 2)))"
expect forged 1 "signature character changed" "$bad_sig"
assert_contains "$OUT" "bad signature" "signature character changed: reason"
expect forged 1 "signature character changed, --full" --full "$bad_sig"
expect forged 1 "signature character changed, lowercase" "${bad_sig,,}"
bad_serial_text=$(flip_char "$SER" 6)
expect forged 1 "serial character changed" "${U/\/21\/$SER/\/21\/$bad_serial_text}"
# Another GTIN with a valid check digit (computed here, not hard-coded).
other_gtin=$(python3 -c '
g = "0001234567890"
s = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(g)))
print(g + str((10 - s % 10) % 10))')
[ "$other_gtin" != "$GTIN14" ] || fail "test GTIN clash"
expect forged 1 "GTIN changed to $other_gtin" "${U/\/01\/$GTIN14\//\/01\/$other_gtin\/}"
assert_contains "$OUT" "GTIN" "GTIN changed: reason"
# Every GTIN digit matters, too (check digit fixed up again).
expect malformed 1 "GTIN with a bad check digit" "${U/\/01\/$GTIN14\//\/01\/04006381333932\/}"

# Not yet active.
UB=$(url_of "$T/b" 3)
expect not_active 1 "not-yet-active code" "$UB"
assert_contains "$OUT" "batch $B" "not-active line names its batch"

# Void codes: one by serial, one by URL, in a file with a comment and a
# blank line; a third code of the batch stays genuine.
SC1=$(serial_of "$T/c" 1)
UC2=$(url_of "$T/c" 2)
UC1=$(url_of "$T/c" 1)
UC3=$(url_of "$T/c" 3)
printf '# camera reject list\n%s\n\n  %s\r\n' "$SC1" "$UC2" >"$T/spoiled"
ok batch void "$C" --serials "$T/spoiled" --reason damaged
assert_contains "$OUT" "voided 2 codes" "batch void output"
expect void 1 "voided by serial" "$UC1"
assert_contains "$OUT" "damaged" "void reason shown"
expect void 1 "voided by URL" "$UC2"
assert_contains "$OUT" "damaged" "void reason shown"
expect genuine 0 "other code of a partly voided batch" "$UC3"
# Voiding again changes nothing and is not an error.
ok batch void "$C" --serials "$T/spoiled" --reason lost
expect void 1 "voided twice keeps its first reason" "$UC1"
assert_contains "$OUT" "damaged" "first void reason kept"
printf '%s\n' "$UC3" >"$T/spoiled2"
ok batch void "$C" --serials "$T/spoiled2"
expect void 1 "voided with the default reason" "$UC3"
assert_contains "$OUT" "misprint" "default void reason"
ok batch show "$C"
assert_contains "$OUT" "voided: 3" "batch show counts voided codes"

# A whole batch voided.
UD=$(url_of "$T/d" 30)
expect genuine 0 "code of batch $D before voiding" "$UD"
ok batch void "$D" --all --reason stolen
expect void 1 "code of a void batch" "$UD"
assert_contains "$OUT" "stolen" "batch void reason shown"
expect void 1 "another code of a void batch" "$(url_of "$T/d" 1)"
assert_eq "$(batches | grep "^$D ")" "$D void 30" "batch list shows the void batch"
sl batch activate "$D"
assert_rc 1 "activating a void batch"
assert_one_error_line "activating a void batch"
expect void 1 "void batch stays void" "$UD"

# Unknown key, and a foreign key with our key id: another store.
(
	export SCANLOOP_DB="$T/other/scanloop" SCANLOOP_KEYS="$T/otherkeys" \
	    SCANLOOP_SECRET_KEYS="$T/othersecret"
	"$SCANLOOP" key new --id 9 >/dev/null
	"$SCANLOOP" key new --id 1 >/dev/null
	"$SCANLOOP" mint --key 9 --product "$GTIN" --count 3 --out "$T/o9" -q
	"$SCANLOOP" mint --key 1 --product "$GTIN" --count 3 --out "$T/o1" -q
	"$SCANLOOP" key show --id 1 | sed -n 's/^public_key: //p' >"$T/otherpub"
) || fail "cannot make a second store"
expect forged 1 "code of an unknown key" "$(url_of "$T/o9" 1)"
assert_contains "$OUT" "unknown key" "unknown key: reason"
expect forged 1 "code of a foreign key with our id" "$(url_of "$T/o1" 1)"

# Garbage.
for g in garbage "" "HTTPS://S.EXAMPLE.COM/" "HTTPS://S.EXAMPLE.COM/01/$GTIN14/21/$SER" \
    "$base?S=" "$base?S=$sig$sig" "${U//\/21\//\/22\/}" $'\x01\x02\xff'; do
	expect malformed 1 "garbage '$g'" "$g"
done

# Several codes at once: one line each, in order; exit 1 if any is bad.
sl verify "$U" "$UB" "$bad_sig" "$UC1" garbage
assert_rc 1 "verify of a mixed list"
assert_eq "$(awk '{ print $1 }' <<<"$OUT" | tr '\n' ' ')" \
    "genuine not_active forged void malformed " "verdicts of a mixed list"
sl verify "$U" "$(url_of "$T/a" 8)" "$(url_of "$T/a" 200)"
assert_rc 0 "verify of three genuine codes"
assert_eq "$(grep -c '^genuine ' <<<"$OUT")" 3 "three genuine lines"

# stdin: one verdict per non-blank line, CRLF tolerated.
printf '%s\r\n%s\n\n%s\n%s\n%s\n%s\n' "$U" "$UB" "${U,,}&from=timeline" \
    "$bad_sig" "$UD" "not a code" >"$T/lines"
run_stdin "$T/lines" "$SCANLOOP" verify
assert_rc 1 "verify on stdin with bad codes"
assert_eq "$(awk '{ print $1 }' <<<"$OUT" | tr '\n' ' ')" \
    "genuine not_active genuine forged void malformed " "verdicts on stdin"
tail -n +2 "$T/a/codes.csv" | cut -d, -f3 >"$T/alla"
run_stdin "$T/alla" "$SCANLOOP" verify
assert_rc 0 "verify of all 200 codes of batch $A on stdin"
assert_eq "$(grep -c '^genuine ' <<<"$OUT")" 200 "200 genuine lines"

# Offline: the signature alone, against `key show`'s public key.
ok key show --id 1
PUB=$(sed -n 's/^public_key: //p' <<<"$OUT")
[[ "$PUB" =~ ^[0-9a-f]{64}$ ]] || fail "key show: no public_key line: $OUT"
expect valid 0 "offline, genuine" --offline --pubkey "$PUB" "$U"
expect valid 0 "offline, not-yet-active (signature only)" --offline --pubkey "$PUB" "$UB"
expect valid 0 "offline, lowercase" --offline --pubkey "$PUB" "${U,,}"
expect forged 1 "offline, signature changed" --offline --pubkey "$PUB" "$bad_sig"
expect forged 1 "offline, serial changed" --offline --pubkey "$PUB" \
    "${U/\/21\/$SER/\/21\/$bad_serial_text}"
expect forged 1 "offline, GTIN changed" --offline --pubkey "$PUB" \
    "${U/\/01\/$GTIN14\//\/01\/$other_gtin\/}"
expect forged 1 "offline, another key" --offline --pubkey "$(cat "$T/otherpub")" "$U"
expect malformed 1 "offline, garbage" --offline --pubkey "$PUB" garbage
# Offline needs no store at all.
SCANLOOP_DB="$T/nowhere/scanloop" expect valid 0 "offline without a store" \
    --offline --pubkey "$PUB" "$U"
assert_absent "$T/nowhere" "offline verify created a store"

# A MAC key (scheme 2): short codes, same verdicts.
make_key 2 mac
mint 2 20 "$T/m"
M=$(manifest_get "$T/m" batch_id)
UM=$(url_of "$T/m" 5)
expect not_active 1 "MAC code before activation" "$UM"
ok batch activate "$M"
expect genuine 0 "MAC code" "$UM"
msig=${UM#*\?S=}
expect forged 1 "MAC code with a changed tag" \
    "${UM%\?S=*}?S=$(flip_char "$msig" $((${#msig} - 4)))"
expect valid 0 "MAC code offline with its key file" --offline \
    --key-file "$SCANLOOP_SECRET_KEYS/key-2.secret" "$UM"
expect forged 1 "ed25519 code offline against the MAC key" --offline \
    --key-file "$SCANLOOP_SECRET_KEYS/key-2.secret" "$U"
note "ok"
