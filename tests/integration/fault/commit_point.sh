#!/usr/bin/env bash
# commit_point.sh — faults at the commit point, injected with strace into
# a server that records scans one at a time (issue 14, the fault regime):
#   - fdatasync fails with EIO on its Nth call, N = 3, 8, 15;
#   - fdatasync's Nth call kills the server (SIGKILL), N = 4, 11;
#   - the pwrite64 of the meta page (the commit's last write; LMDB writes
#     it through its O_DSYNC descriptor) fails with EIO, and kills the
#     server, on the 3rd and the 7th commit: which pwrite64 call that is
#     comes from a dry run of the same requests on a copy of the same
#     store, and the trace shows that the injected call was that write.
# Each case starts from the same store. For each: no 2xx for the failed
# commit (the request gets no answer), the server exits 74 after EIO (137
# after SIGKILL), every 2xx it gave is in the store after a restart (0
# acknowledged lost), the restarted server scans, and every code still
# verifies. The figures of each case are printed. Skipped (77) without a
# working strace.
. "$(dirname "$0")/../serve/lib.sh"
serve_setup
command -v strace >/dev/null || skip "strace is not installed"
# LeakSanitizer stops the world with ptrace, which strace already holds.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
strace -f -o /dev/null true 2>"$T/run/strace.err" ||
    skip "strace cannot trace here: $(cat "$T/run/strace.err")"
mint_active 100 "$T/job"
codes_file "$T/job" "$T/codes.txt"
# The server's first start creates its secrets; the copy keeps them.
serve_start --rate 0
serve_stop
cp -a "$SCANLOOP_DB" "$T/template"

# scan_seq OUT: API scans one at a time until one gets no 200 (httpc.py
# seq); prints how many were answered.
scan_seq() {
	python3 "$SERVE_LIB_DIR/httpc.py" seq --port "$SRV_PORT" \
	    --codes "$T/codes.txt" --out "$1"
}

# fresh: the store as it was before any case.
fresh() {
	rm -rf "$SCANLOOP_DB"
	cp -a "$T/template" "$SCANLOOP_DB"
}

# case_run NAME WANT_RC STRACE_ARGS...: one case (see the header).
case_run() {
	local name=$1 want=$2 acked rc what
	shift 2
	fresh
	SERVE_WRAP="strace -f -o $T/run/$name.trace $*" serve_start --rate 0
	acked=$(scan_seq "$T/run/$name.jsonl") ||
	    fail "$name: the sequential scans (see above)"
	serve_wait_exit 15
	rc=$SRV_RC
	[ "$rc" -eq "$want" ] ||
	    fail "$name: the server exited $rc, want $want: $(tail -3 "$SRV_ERR")"
	what=commit
	grep -q 'I/O error folding' "$SRV_ERR" && what="fold of the summaries"
	[ "$want" -ne 74 ] || grep -q 'I/O error' "$SRV_ERR" ||
	    fail "$name: no I/O error message: $(cat "$SRV_ERR")"
	injected=$(grep -cE 'INJECTED|killed by SIGKILL' "$T/run/$name.trace" || true)
	[ "$injected" -ge 1 ] || fail "$name: strace injected nothing"
	# A restart recovers; every 2xx is in the store.
	serve_start --rate 0
	get "$(path_of "$(sed -n 99p "$T/codes.txt")")"
	expect_code 200 "$name: a scan after the restart"
	serve_stop
	events_check "$T/run/$name.jsonl" "$name" --status 200,500,503 \
	    --errors closed,reset >"$T/run/$name.check"
	run_stdin "$T/codes.txt" "$SCANLOOP" verify --full
	assert_rc 0 "$name: verify --full after the fault"
	note "$name: $acked scans acknowledged before the failed $what," \
	    "exit $rc, 0 acknowledged lost; $(cat "$T/run/$name.check")"
}

for n in 3 8 15; do
	case_run "fdatasync-eio-$n" 74 -e trace=fdatasync \
	    -e "inject=fdatasync:error=EIO:when=$n"
done
for n in 4 11; do
	case_run "fdatasync-kill-$n" 137 -e trace=fdatasync \
	    -e "inject=fdatasync:signal=SIGKILL:when=$n"
done

# The meta page: a dry run records the pwrite64 calls of 12 commits; a
# meta write is the one not page-aligned (LMDB writes a meta page from its
# checksum-free fields on: offset 32 or 4096 + 32). Under strace on a
# loaded machine a gap of 200 ms between two scans lets the writer fold a
# slice in a commit of its own, which the dry run may not have had: then
# the ordinal names another write, and the dry run and case run again (at
# most three times; each injected write is still checked to be a meta
# write).
dry_run_metas() {
	fresh
	SERVE_WRAP="strace -f -o $T/run/dry.trace -e trace=pwrite64,fdatasync" \
	    serve_start --rate 0
	python3 - "$SRV_PORT" "$T/codes.txt" <<'PY' || fail "the dry run's scans"
import json, sys, httpc
port, codes = int(sys.argv[1]), [l.strip() for l in open(sys.argv[2])]
for i in range(12):
    r = httpc.request("127.0.0.1", port, "POST", "/api/v1/scans",
                      body=json.dumps({"code": codes[10 + i]}))
    assert r.status == 200, r.status
PY
	serve_stop
	metas=$(python3 - "$T/run/dry.trace" <<'PY'
import re, sys
n, out = 0, []
for line in open(sys.argv[1]):
    m = re.search(r"pwrite64\(\d+, .*, (\d+), (\d+)\) = ", line)
    if not m:
        continue
    n += 1
    size, off = int(m.group(1)), int(m.group(2))
    if off % 4096 != 0 and size < 4096:
        out.append(n)
print(" ".join(map(str, out)))
PY
)
	note "meta-page writes among the pwrite64 calls of the dry run: $metas"
}

# Whether the write a case's trace shows injected is a meta write.
injected_meta() {
	python3 - "$1" <<'PY'
import re, sys
inj = [l for l in open(sys.argv[1]) if "INJECTED" in l]
m = re.search(r"pwrite64\(\d+, .*, (\d+), (\d+)\) = -1 EIO", inj[0])
sys.exit(0 if m and int(m.group(2)) % 4096 != 0 else 1)
PY
}

dry_run_metas
for k in 3 7; do
	for try in 1 2 3; do
		ord=$(cut -d' ' -f"$k" <<<"$metas")
		[ -n "$ord" ] ||
		    fail "the dry run made fewer than $k meta writes: $metas"
		case_run "meta-pwrite-eio-$k" 74 -e trace=pwrite64 \
		    -e "inject=pwrite64:error=EIO:when=$ord"
		injected_meta "$T/run/meta-pwrite-eio-$k.trace" && break
		[ "$try" -lt 3 ] ||
		    fail "meta $k: the injected pwrite64 is not a meta write: $(grep INJECTED "$T/run/meta-pwrite-eio-$k.trace")"
		note "meta $k: write $ord was not a meta write this time (a fold slice of its own moved it): a new dry run"
		dry_run_metas
	done
	case_run "meta-pwrite-kill-$k" 137 -e trace=pwrite64 \
	    -e "inject=pwrite64:signal=SIGKILL:when=$ord"
done
note "ok"
