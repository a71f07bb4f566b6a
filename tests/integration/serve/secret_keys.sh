#!/usr/bin/env bash
# secret_keys.sh — the scan server never reaches a signing key (issue 14).
#   1. key new puts the secret, encrypted (Argon2id + XChaCha20-Poly1305),
#      in SECRET (mode 0700) with a random passphrase file key-N.pass
#      (mode 0600) that mint finds by itself; KEYS holds no key file.
#   2. The server, traced with `strace -f -e trace=open,openat,openat2` from
#      its start through scans, draws and its shutdown, opens server.secret
#      and the store but nothing in SECRET and no key-N.secret or .pass.
#   3. A signing key the server can read in KEYS (an older layout) or in
#      the store's directory: serve exits 1 naming it (it checks names and
#      access(2), and never opens them); `key migrate` moves
#      KEYS' keys to SECRET (an unencrypted one encrypted with a new
#      key-N.pass, an encrypted one as it is), makes KEYS mode 0700, and
#      mint and serve work again.
. "$(dirname "$0")/../rewards/lib.sh"
command -v strace >/dev/null || fail "strace is not installed"
rw_setup

# 1. key new.
make_key 1
assert_contains "$OUT" "secret: $SCANLOOP_SECRET_KEYS/key-1.secret (mode 0600, encrypted)" "key new"
grep -q '^kdf: argon2id13 ' "$SCANLOOP_SECRET_KEYS/key-1.secret" ||
    fail "the new key is not encrypted: $(cat "$SCANLOOP_SECRET_KEYS/key-1.secret")"
assert_eq "$(stat -c %a "$SCANLOOP_SECRET_KEYS")" 700 "mode of SECRET"
assert_eq "$(stat -c %a "$SCANLOOP_SECRET_KEYS/key-1.pass")" 600 "mode of key-1.pass"
[ ! -e "$SCANLOOP_KEYS" ] || [ -z "$(ls "$SCANLOOP_KEYS")" ] ||
    fail "KEYS holds files after key new: $(ls "$SCANLOOP_KEYS")"
mint_active 6 "$T/job" --draw-codes
campaign_write "$T/c.json" sk '
c["tiers"] = [tier("p5", "points", points=5, total=100)]'
campaign_load "$T/c.json"

# 2. The traced server. (LeakSanitizer stops the world with ptrace, which
# strace already holds.)
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
SERVE_WRAP="strace -f -qq -e trace=open,openat,openat2 -o $T/run/opens.txt" \
    serve_start --rate 0
for i in 1 2 3; do
	get "$(path_of "$(outer "$T/job" "$i")")"
	expect_code 200 "scan $i under strace"
done
draw_ok "$(inner "$T/job" 4)"
draw_ok "$(inner_text "$T/job" 5)"
get "/D/$(inner "$T/job" 6 | sed 's|.*/D/||')?lang=en"
expect_code 200 "a draw code's page under strace"
serve_stop
opens=$(grep -c 'open' "$T/run/opens.txt" || true)
grep -q "$SCANLOOP_KEYS/server.secret" "$T/run/opens.txt" ||
    fail "the trace shows no open of server.secret ($opens opens): is strace tracing?"
grep -q 'data.mdb' "$T/run/opens.txt" || fail "the trace shows no open of the store"
if grep -E "secret-keys|key-[0-9]+\.(secret|pass)" "$T/run/opens.txt"; then
	fail "the server opened a signing key file (above)"
fi
note "server under strace: $opens opens, none in $SCANLOOP_SECRET_KEYS"

# 3. An older layout: a signing key in KEYS.
mkdir -p "$SCANLOOP_KEYS"
chmod 755 "$SCANLOOP_KEYS"
cp "$SCANLOOP_SECRET_KEYS/key-1.secret" "$SCANLOOP_KEYS/key-9.secret"
run timeout 20 "$SCANLOOP" serve --listen 127.0.0.1:0
assert_rc 1 "serve with a readable key in KEYS"
assert_contains "$ERR" "$SCANLOOP_KEYS/key-9.secret: the scan server could read this signing key" \
    "serve with a readable key in KEYS"
rm "$SCANLOOP_KEYS/key-9.secret"
cp "$SCANLOOP_SECRET_KEYS/key-1.pass" "$SCANLOOP_DB/key-1.pass"
run timeout 20 "$SCANLOOP" serve --listen 127.0.0.1:0
assert_rc 1 "serve with a readable passphrase file in the store's directory"
assert_contains "$ERR" "$SCANLOOP_DB/key-1.pass: the scan server could read" \
    "serve, .pass in the store's directory"
rm "$SCANLOOP_DB/key-1.pass"
# An encrypted key (its operator's passphrase) moves as it is.
echo "operator passphrase" >"$T/op.pass"
ok key new --id 2 --passphrase-file "$T/op.pass"
mv "$SCANLOOP_SECRET_KEYS/key-2.secret" "$SCANLOOP_KEYS/"
sl mint --key 2 --product "$GTIN" --count 2 --out "$T/j2" --quiet
assert_rc 1 "mint with its key left in KEYS"
assert_contains "$ERR" "scanloop key migrate" "mint with its key left in KEYS"
# An unencrypted one (written by openssl's Ed25519, in the old file
# format) is encrypted on the way.
plain=0
if command -v openssl >/dev/null; then
	openssl genpkey -algorithm ed25519 -out "$T/ed.pem" 2>/dev/null
	python3 - "$T/ed.pem" "$SCANLOOP_KEYS/key-3.secret" <<'PY'
import subprocess, sys
der = subprocess.run(["openssl", "pkey", "-in", sys.argv[1], "-outform", "DER"],
                     check=True, capture_output=True).stdout
pub = subprocess.run(["openssl", "pkey", "-in", sys.argv[1], "-pubout",
                      "-outform", "DER"], check=True, capture_output=True).stdout
seed, public = der[-32:], pub[-32:]
open(sys.argv[2], "w").write(
    "scanloop-secret-key v1\n# Keep this file secret.\nkey_id: 3\n"
    "scheme: ed25519\npublic: %s\nkdf: none\nsecret: %s\n"
    % (public.hex(), seed.hex()))
PY
	chmod 600 "$SCANLOOP_KEYS/key-3.secret"
	plain=1
fi
[ "$plain" = 1 ] && want_pub=$(sed -n 's/^public: //p' "$SCANLOOP_KEYS/key-3.secret")
ok key migrate
MIGRATED=$OUT
note "key migrate: $(tr '\n' ' ' <<<"$MIGRATED")"
assert_contains "$MIGRATED" "key-2.secret (encrypted with your passphrase)" "migrate of an encrypted key"
assert_eq "$(stat -c %a "$SCANLOOP_KEYS")" 700 "mode of KEYS after key migrate"
[ -z "$(ls "$SCANLOOP_KEYS" | grep -v '^server.secret$')" ] ||
    fail "KEYS still holds: $(ls "$SCANLOOP_KEYS")"
mint 2 2 "$T/j2" --passphrase-file "$T/op.pass"
if [ "$plain" = 1 ]; then
	assert_contains "$MIGRATED" "key-3.secret, encrypted with $SCANLOOP_SECRET_KEYS/key-3.pass" \
	    "migrate of an unencrypted key"
	grep -q '^kdf: argon2id13 ' "$SCANLOOP_SECRET_KEYS/key-3.secret" ||
	    fail "the migrated key is not encrypted"
	assert_eq "$(sed -n 's/^public: //p' "$SCANLOOP_SECRET_KEYS/key-3.secret")" \
	    "$want_pub" "the migrated key's public part"
else
	note "openssl missing: the migration of an unencrypted key is not shown"
fi
ok key migrate
assert_contains "$OUT" "nothing to move" "a second key migrate"
serve_start --rate 0
get "$(path_of "$(outer "$T/job" 1)")"
expect_code 200 "a scan after the migration"
serve_stop
note "ok"
