#!/usr/bin/env bash
# fsync_eio.sh — an I/O error on the sync of a commit (injected with
# strace): the server exits with status 74 at once, the request whose
# commit failed gets no 2xx, every 2xx it gave is in the store and the
# failed event is not; a restarted server serves the same store. Once
# with scans one at a time (exactly the first four commits succeed), once
# under a concurrent load. Skipped (77) without a working strace.
. "$(dirname "$0")/lib.sh"
serve_setup
command -v strace >/dev/null || skip "strace is not installed"
# LeakSanitizer stops the world with ptrace, which strace already holds.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
mint_active 100 "$T/job"
codes_file "$T/job" "$T/codes.txt"
strace -f -o /dev/null true 2>"$T/run/strace.err" ||
    skip "strace cannot trace here: $(cat "$T/run/strace.err")"

# Which call makes LMDB's commits durable: count the sync calls of one
# server that records two scans.
SERVE_WRAP="strace -f -c -o $T/run/count.txt -e trace=fsync,fdatasync,msync,sync_file_range,syncfs" \
    serve_start --rate 0
for i in 1 2; do
	get "$(path_of "$(sed -n "${i}p" "$T/codes.txt")")"
	expect_code 200 "scan $i under strace -c"
done
serve_stop
# LMDB's own call (fdatasync on Linux) wins over the fsync calls of
# one-off files such as KEYS/server.secret, made by the first start.
SYNC=$(awk '$NF ~ /^(fsync|fdatasync|msync|sync_file_range|syncfs)$/ && $(NF - 1) + 0 >= 2 { print $NF }' \
    "$T/run/count.txt" | sort | awk '$0 == "fdatasync" { f = 1 } { l[NR] = $0 } END { print f ? "fdatasync" : l[1] }')
[ -n "$SYNC" ] || fail "no sync call per commit: $(cat "$T/run/count.txt")"
note "commits sync with $SYNC"

# expect_exit_74: the traced server exits 74 within 15 s.
expect_exit_74() {
	serve_wait_exit 15
	[ "$SRV_RC" -eq 74 ] || fail "the server exited $SRV_RC, want 74: $(tail "$SRV_ERR")"
	grep -q 'I/O error on commit' "$SRV_ERR" || fail "no I/O error message: $(cat "$SRV_ERR")"
}

# 1. One scan at a time: the fifth sync of the writer thread fails.
SERVE_WRAP="strace -f -o /dev/null -e trace=$SYNC -e inject=$SYNC:error=EIO:when=5+" \
    serve_start --rate 0
acked=$(python3 "$SERVE_LIB_DIR/httpc.py" seq --port "$SRV_PORT" \
    --codes "$T/codes.txt" --out "$T/run/seq.jsonl" --max 20) ||
    fail "sequential scans: the failing commit was answered below 500"
note "sequential: $acked answered 200, then $(tail -1 "$T/run/seq.jsonl")"
# Exactly the four commits before the failing fifth.
assert_eq "$acked" 4 "scans answered before the failing 5th commit"
expect_exit_74
events_check "$T/run/seq.jsonl" sequential --status 200,500,503 \
    --errors closed,reset
# 2 scans of the first server + the 4 answered; not the failed one.
assert_eq "$(grep -c '' <<<"$OUT")" 6 "events in the store"

# 2. Under load: 4 clients; the 20th sync of the writer thread fails.
SERVE_WRAP="strace -f -o /dev/null -e trace=$SYNC -e inject=$SYNC:error=EIO:when=20+" \
    serve_start --rate 0
python3 "$SERVE_LIB_DIR/httpc.py" load --port "$SRV_PORT" --clients 4 \
    --seconds 4 --max 5000 --mode api --codes "$T/codes.txt" \
    --out "$T/run/load.jsonl" >"$T/run/load.out" 2>&1 ||
    fail "the load failed: $(cat "$T/run/load.out")"
note "$(cat "$T/run/load.out")"
expect_exit_74
events_check "$T/run/load.jsonl" "under load" --status 200 \
    --errors closed,reset,refused

# 3. A plain restart serves the same store.
serve_start --rate 0
get "$(path_of "$(sed -n 99p "$T/codes.txt")")"
expect_code 200 "a scan after the restart"
serve_stop
run_stdin "$T/codes.txt" "$SCANLOOP" verify --full
assert_rc 0 "verify --full after the I/O errors"
note "ok"
