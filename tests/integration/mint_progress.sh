#!/usr/bin/env bash
# mint_progress.sh — the mint's progress bar: on a terminal it names each
# phase as it runs (signing and rendering images, storing, storing draw
# codes) with its rate and the time left or taken; without a terminal, or
# with --quiet, there is none.
. "$(dirname "$0")/lib.sh"
setup
make_key 1

# Runs scanloop mint ARGS on a pseudo-terminal; what it wrote goes to FILE.
on_tty() {
	local file=$1
	shift
	python3 - "$SCANLOOP" "$file" "$@" <<'PY'
import os, pty, sys
prog, out, args = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(prog, [prog] + args)
data = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
_, status = os.waitpid(pid, 0)
open(out, "wb").write(data)
sys.exit(os.waitstatus_to_exitcode(status))
PY
}

on_tty "$T/tty.txt" mint --key 1 --product "$GTIN" --count 3000 --png \
    --draw-codes --out "$T/job1" || fail "mint on a terminal failed: $(cat "$T/tty.txt")"
TTY=$(tr '\r' '\n' <"$T/tty.txt")
for phase in "signing, rendering images" "storing" "storing draw codes"; do
	grep -q "^$phase \[#*\.*\] *[0-9]*% [0-9]*/3000 [0-9]* codes/s " <<<"$TTY" ||
	    fail "no progress line of the phase '$phase' in: $TTY"
	grep -q "^$phase \[#*\] 100% 3000/3000 [0-9]* codes/s took [0-9]*:[0-9][0-9]" <<<"$TTY" ||
	    fail "the phase '$phase' does not end with the time it took: $TTY"
done
# While a phase runs, the time it still needs (or -:-- before a rate).
grep -Eq " (ETA [0-9]+:[0-9]{2}|ETA -:--)" <<<"$TTY" || note "no ETA line (a fast mint)"
assert_contains "$TTY" "minted batch" "summary after the bar"

# Not a terminal: no bar at all.
sl mint --key 1 --product "$GTIN" --count 3000 --png --out "$T/job2"
assert_rc 0 "mint without a terminal"
assert_not_contains "$ERR" "codes/s" "progress without a terminal"
[ -z "$ERR" ] || fail "mint wrote to stderr without a terminal: $ERR"
assert_contains "$OUT" "minted batch" "summary without a terminal"
# --quiet on a terminal: nothing.
on_tty "$T/quiet.txt" mint --key 1 --product "$GTIN" --count 100 --quiet \
    --out "$T/job3" || fail "quiet mint failed"
[ ! -s "$T/quiet.txt" ] || fail "--quiet printed: $(cat "$T/quiet.txt")"
note "ok"
