# lib.sh — helpers shared by the integration tests (sourced, not run).
#
# Each test sources this file, calls setup, and then drives the real
# scanloop binary ($SCANLOOP, set by meson) against a store and keys in its
# own temporary directory $T, which is removed on exit.
#
# Exit status of a test: 0 pass, 1 fail, 77 skip.

set -euo pipefail

: "${SCANLOOP:?SCANLOOP must name the scanloop binary (meson sets it)}"
[ -x "$SCANLOOP" ] || { echo "FAIL: $SCANLOOP is not executable" >&2; exit 1; }

TEST_NAME=$(basename "$0" .sh)
# fail, skip, note, check_sanitizer.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/report.sh"
T=
CLEANUP_HOOKS=()
# A GTIN-13 with a valid check digit (padded to 04006381333931).
GTIN=4006381333931
GTIN14=04006381333931

# Registers a command to run at cleanup, before the temp dir goes.
on_cleanup() {
	CLEANUP_HOOKS+=("$1")
}

# Runs the hooks (last registered first), then removes $T.
cleanup() {
	local rc=$? i
	set +e
	for ((i = ${#CLEANUP_HOOKS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUP_HOOKS[$i]}"
	done
	if [ -n "$T" ] && [ -d "$T" ]; then
		chmod -R u+rwx "$T" 2>/dev/null
		rm -rf "$T"
	fi
	exit "$rc"
}

# Makes $T, points the store and the keys into it, arms the trap.
setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/scanloop-$TEST_NAME.XXXXXX")
	trap cleanup EXIT
	# A timeout (SIGTERM from meson) or ^C still cleans up (and unmounts).
	trap 'exit 143' TERM
	trap 'exit 130' INT
	mkdir -p "$T/run" "$T/var"
	export SCANLOOP_DB="$T/var/scanloop"
	export SCANLOOP_KEYS="$T/keys"
	export SCANLOOP_SECRET_KEYS="$T/secret-keys"
	cd "$T"
}

# run CMD...: runs CMD with stdin from /dev/null, capturing $OUT, $ERR
# and $RC without stopping the test on a non-zero status.
run() {
	run_stdin /dev/null "$@"
}

# run_stdin FILE CMD...: as run, with stdin from FILE.
run_stdin() {
	local in=$1
	shift
	set +e
	"$@" <"$in" >"$T/run/out" 2>"$T/run/err"
	RC=$?
	set -e
	OUT=$(cat "$T/run/out")
	ERR=$(cat "$T/run/err")
	check_sanitizer "$T/run/err"
}

# sl ARGS...: runs scanloop via run.
sl() {
	run "$SCANLOOP" "$@"
}

# ok ARGS...: runs scanloop and fails unless it exits 0.
ok() {
	sl "$@"
	[ "$RC" -eq 0 ] || fail "scanloop $* exited $RC: $ERR"
}

# Describes the last command's output for failure messages.
last() {
	printf 'exit %s\n--- stdout ---\n%s\n--- stderr ---\n%s' "$RC" "$OUT" "$ERR"
}

# assert_rc N WHAT: the last command exited N.
assert_rc() {
	[ "$RC" -eq "$1" ] || fail "$2: expected exit $1, $(last)"
}

# assert_eq GOT WANT WHAT.
assert_eq() {
	[ "$1" == "$2" ] || fail "$3: got '$1', want '$2'"
}

# assert_contains HAYSTACK NEEDLE WHAT (fixed string).
assert_contains() {
	case "$1" in
	*"$2"*) ;;
	*) fail "$3: '$2' not in: $1" ;;
	esac
}

# assert_not_contains HAYSTACK NEEDLE WHAT.
assert_not_contains() {
	case "$1" in
	*"$2"*) fail "$3: unexpected '$2' in: $1" ;;
	*) ;;
	esac
}

# assert_one_error_line WHAT: stderr is exactly one "scanloop..." line.
assert_one_error_line() {
	local n
	n=$(printf '%s' "$ERR" | grep -c '' || true)
	[ "$n" -eq 1 ] || fail "$1: expected one error line on stderr, got $n: $(last)"
	case "$ERR" in
	scanloop*) ;;
	*) fail "$1: error line does not start with 'scanloop': $ERR" ;;
	esac
}

# assert_absent PATH WHAT.
assert_absent() {
	[ ! -e "$1" ] && [ ! -L "$1" ] || fail "$2: $1 exists"
}

# assert_no_partial DIR: no ".NAME.partial-*" leftovers in DIR.
assert_no_partial() {
	local left
	left=$(find "$1" -maxdepth 1 -name '.*.partial-*' | head -5)
	[ -z "$left" ] || fail "partial job directories left in $1: $left"
}

# poll TRIES SECONDS CMD...: runs CMD until it succeeds, sleeping SECONDS
# after each failure, TRIES times, then once more; returns its last status.
poll() {
	local tries=$1 delay=$2 i
	shift 2
	for ((i = 0; i < tries; i++)); do
		"$@" && return 0
		sleep "$delay"
	done
	"$@"
}

# Makes key ID (ed25519 unless a scheme is given).
make_key() {
	ok key new --id "$1" ${2:+--scheme "$2"}
}

# mint KEY COUNT JOBDIR [ARGS...]: a quiet mint that must succeed.
mint() {
	local key=$1 count=$2 dir=$3
	shift 3
	ok mint --key "$key" --product "$GTIN" --count "$count" --out "$dir" \
	    --quiet "$@"
}

# manifest_get JOBDIR KEY: prints one field of JOBDIR/manifest.json.
manifest_get() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
	    "$1/manifest.json" "$2"
}

# mint_active COUNT JOBDIR [ARGS...]: mints with key 1 (made if missing)
# and activates the batch; sets BATCH.
mint_active() {
	local n=$1 dir=$2
	shift 2
	[ -f "$SCANLOOP_SECRET_KEYS/key-1.secret" ] || make_key 1
	mint 1 "$n" "$dir" "$@"
	BATCH=$(manifest_get "$dir" batch_id)
	ok batch activate "$BATCH"
}

# Prints the number of entries in the store's codes database.
codes_entries() {
	mdb_stat -s codes "$SCANLOOP_DB" | awk '/Entries:/ { print $2 }'
}

# Prints "id state count" for each batch in the store.
batches() {
	"$SCANLOOP" batch list | awk 'NR > 1 { print $1, $2, $5 }'
}

# Checks a plain print job in DIR: codes.csv (RFC 4180, CRLF, header,
# COUNT rows, seq in order, unique serials, URLs naming their serial),
# manifest.json (fields, codes_sha256), and, with "png"/"svg", one image
# per code named by serial. Prints nothing on success.
check_job() {
	local dir=$1 count=$2 images=${3:-}
	python3 - "$dir" "$count" "$images" "$GTIN14" <<'EOF' || fail "print job $1 is inconsistent (see above)"
import hashlib, json, os, re, sys

d, count, images, gtin = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
bad = []
raw = open(os.path.join(d, "codes.csv"), "rb").read()
if not raw.endswith(b"\r\n"):
    bad.append("codes.csv does not end with CRLF")
lines = raw.split(b"\r\n")[:-1]
if b"\n" in b"".join(lines) or b"\r" in b"".join(lines):
    bad.append("codes.csv has a line end other than CRLF")
if len(lines) != count + 1:
    bad.append("codes.csv has %d lines, want %d" % (len(lines), count + 1))
if lines and lines[0] != b"seq,serial,url":
    bad.append("header is %r" % lines[0])
b32 = re.compile(rb"^[A-Z2-7]{13}$")
serials = []
for i, line in enumerate(lines[1:], 1):
    f = line.split(b",")
    if len(f) != 3:
        bad.append("line %d has %d fields" % (i + 1, len(f)))
        break
    if f[0] != str(i).encode():
        bad.append("line %d has seq %r" % (i + 1, f[0]))
        break
    if not b32.match(f[1]):
        bad.append("line %d: serial %r is not 13 base32 characters" % (i + 1, f[1]))
        break
    want = b"HTTPS://S.EXAMPLE.COM/01/" + gtin.encode() + b"/21/" + f[1] + b"?S="
    if not f[2].startswith(want) or not re.match(rb"^[A-Z2-7]+$", f[2][len(want):]):
        bad.append("line %d: url %r is not {base}/01/GTIN/21/SERIAL?S=SIG" % (i + 1, f[2]))
        break
    serials.append(f[1].decode())
if len(set(serials)) != len(serials):
    bad.append("serials are not unique")
m = json.load(open(os.path.join(d, "manifest.json")))
for k in ("batch_id", "product", "key_id", "scheme", "count", "qr_version",
          "ecc", "created", "codes_sha256"):
    if k not in m:
        bad.append("manifest.json lacks %s" % k)
if not bad:
    if m["count"] != count:
        bad.append("manifest count %r" % m["count"])
    if m["product"] != gtin:
        bad.append("manifest product %r" % m["product"])
    if not isinstance(m["batch_id"], int) or m["batch_id"] < 1:
        bad.append("manifest batch_id %r" % m["batch_id"])
    if not isinstance(m["qr_version"], int) or not 1 <= m["qr_version"] <= 40:
        bad.append("manifest qr_version %r" % m["qr_version"])
    if m["ecc"] not in ("L", "M", "Q", "H"):
        bad.append("manifest ecc %r" % m["ecc"])
    if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", m["created"]):
        bad.append("manifest created %r" % m["created"])
    if m["codes_sha256"] != hashlib.sha256(raw).hexdigest():
        bad.append("codes_sha256 does not match codes.csv")
for kind in ("png", "svg"):
    p = os.path.join(d, kind)
    if kind not in images.split(","):
        if os.path.exists(p):
            bad.append("%s/ exists without --%s" % (kind, kind))
        continue
    names = os.listdir(p)
    want = {s + "." + kind for s in serials}
    if len(names) != count or set(names) != want:
        bad.append("%s/ holds %d files, not one per serial (%d)" % (kind, len(names), count))
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}

# zbar FILE: prints the text of the one QR symbol in an image. Only QR
# symbols: zbar's linear decoders now and then read a short false symbol
# in a QR's modules (once: "D38D", on a second line), which no phone
# camera app looking for a QR code would report.
zbar() {
	if [ -z "${ZBAR_OPTS+set}" ]; then
		ZBAR_OPTS=(-Sdisable -Sqrcode.enable)
		# zbar >= 0.23 tries D-Bus unless told not to.
		if zbarimg --help 2>&1 | grep -q -- --nodbus; then
			ZBAR_OPTS+=(--nodbus)
		fi
	fi
	zbarimg "${ZBAR_OPTS[@]}" -q --raw "$1"
}

# Prints "SERIAL URL" for N random rows of DIR/codes.csv (seed in $SEED).
sample_codes() {
	python3 - "$1/codes.csv" "$2" "${SEED:-$RANDOM}" <<'EOF'
import random, sys
rows = open(sys.argv[1], newline="").read().split("\r\n")[1:-1]
rnd = random.Random(int(sys.argv[3]))
for r in rnd.sample(rows, min(int(sys.argv[2]), len(rows))):
    seq, serial, url = r.split(",")
    print(serial, url)
EOF
}
