# lib.sh — helpers shared by the scan server tests (sourced, not run).
#
# Builds on ../lib.sh (setup, fail, skip, ok, mint...) and
# ../../lib/serve.sh (serve_launch, serve_reap, serve_halt). Adds: a store
# with a batch in every state (serve_fixture), starting `scanloop serve`
# on a free port of 127.0.0.1 in the background (serve_start), stopping it
# with SIGTERM and checking its exit status (serve_stop), curl wrappers
# that capture status, headers and body (req, get, post_json), raw requests
# (raw_http), a load in the background (load_start, load_wait), reading
# the recorded events (tail_events, event_line) and checking a load's
# answers against them (events_check), and librdkafka's mock Kafka
# cluster (mb_start, mb).
#
# Servers started here are killed (SIGKILL) at cleanup if still running.

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../../lib/serve.sh"

# httpc.py (raw HTTP client and load generator) is importable.
SERVE_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PYTHONPATH="$SERVE_LIB_DIR${PYTHONPATH:+:$PYTHONPATH}"
# (and leaves no __pycache__ in the source tree)
export PYTHONDONTWRITEBYTECODE=1
# A phone's browser: its scans count as human scans.
HUMAN_UA='Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148'
# The host part of the code URLs minted with the default base URL.
CODE_BASE=HTTPS://S.EXAMPLE.COM
SERVE_PIDS=()
SRV_N=0

# Kills every server this test started that is still running (a server
# under a wrapper first: killing strace would leave its tracee running),
# the one still starting (SRV_PID) too.
serve_kill_all() {
	local p c
	for p in "${SERVE_PIDS[@]}" ${SRV_PID:+"$SRV_PID"}; do
		for c in $(pgrep -P "$p" 2>/dev/null || true); do
			kill -KILL "$c" 2>/dev/null
		done
		if kill -0 "$p" 2>/dev/null; then
			kill -KILL "$p" 2>/dev/null
			wait "$p" 2>/dev/null
		fi
	done
	return 0
}

# setup, plus the server cleanup.
serve_setup() {
	setup
	on_cleanup serve_kill_all
	command -v curl >/dev/null || fail "curl is not installed"
	command -v python3 >/dev/null || fail "python3 is not installed"
}

# serve_start [ARGS...]: starts `scanloop serve --listen ${LISTEN:-127.0.0.1:0}
# ARGS` in the background (env SERVE_WRAP: a command to run it under) and
# waits until it listens and /healthz answers (serve_launch). Sets SRV_PID
# (the background job: the wrapper, if any), SRV_SIG_PID (the server
# itself), SRV_URL (http://ADDR:PORT), SRV_HOST, SRV_PORT, SRV_OUT and
# SRV_ERR (its stdout and stderr files).
serve_start() {
	local rc=0
	SRV_N=$((SRV_N + 1))
	serve_launch --prefix "${SERVE_WRAP:-}" \
	    --listen "${LISTEN:-127.0.0.1:0}" --out "$T/run/serve$SRV_N.out" \
	    --err "$T/run/serve$SRV_N.err" -- "$@" || rc=1
	[ -z "$SRV_PID" ] || SERVE_PIDS+=("$SRV_PID")
	[ "$rc" -eq 0 ] || fail "$SRV_ERROR"
	# Under a wrapper (strace) signals go to the server itself; a wrapper
	# that execs the server (prlimit) has no child: it is the server.
	if [ -n "${SERVE_WRAP:-}" ]; then
		SRV_SIG_PID=$(pgrep -P "$SRV_PID" | head -1 || true)
		[ -n "$SRV_SIG_PID" ] || SRV_SIG_PID=$SRV_PID
		SERVE_PIDS+=("$SRV_SIG_PID")
	fi
}

# serve_wait_exit SECONDS: waits up to SECONDS for the server to exit;
# sets SRV_RC (its exit status) or fails.
serve_wait_exit() {
	# (stderr: bash's "Killed" notice of a job killed by a signal)
	serve_reap "$1" 2>/dev/null
	[ -n "$SRV_RC" ] || fail "the server (pid $SRV_PID) did not exit within $1 s"
	check_sanitizer "$SRV_ERR"
}

# serve_signal SIG: sends SIG to the server (not to its wrapper).
serve_signal() {
	kill -"$1" "$SRV_SIG_PID" 2>/dev/null ||
	    fail "the server (pid $SRV_SIG_PID) is not running"
}

# serve_stop: SIGTERM; the server must drain and exit 0 within 30 s.
serve_stop() {
	serve_halt 30 2>/dev/null || fail "$SRV_ERROR"
	check_sanitizer "$SRV_ERR"
	[ "$SRV_RC" -eq 0 ] ||
	    fail "the server exited $SRV_RC after SIGTERM: $(tail -20 "$SRV_ERR")"
}

# serve_alive: fails unless the server still runs.
serve_alive() {
	kill -0 "$SRV_SIG_PID" 2>/dev/null ||
	    fail "the server died: $(tail -20 "$SRV_ERR")"
}

# req METHOD PATH [CURL ARGS...]: one request to the server with a phone's
# User-Agent (a later -A wins). Sets CODE (the status), BODY, HEADERS
# (also in $T/run/body and $T/run/head). HEAD is sent with curl -I (which
# writes the head as the body too: use raw_http to see the bytes).
req() {
	local method=$1 path=$2 m
	shift 2
	if [ "$method" = HEAD ]; then
		m=(-I)
	else
		m=(-X "$method")
	fi
	rm -f "$T/run/body" "$T/run/head"
	CODE=$(curl -gsS --max-time 20 "${m[@]}" -A "$HUMAN_UA" -o "$T/run/body" \
	    -D "$T/run/head" -w '%{http_code}' "$@" "$SRV_URL$path") ||
	    fail "curl $method $path failed (status '$CODE')"
	BODY=$(cat "$T/run/body" 2>/dev/null || true)
	HEADERS=$(tr -d '\r' <"$T/run/head")
}

# get PATH [CURL ARGS...]: GET via req.
get() {
	local path=$1
	shift
	req GET "$path" "$@"
}

# post_json PATH JSON [CURL ARGS...]: POST a JSON body via req.
post_json() {
	local path=$1 json=$2
	shift 2
	req POST "$path" -H 'Content-Type: application/json' --data-binary "$json" "$@"
}

# expect_code WANT WHAT: the last request answered WANT.
expect_code() {
	[ "$CODE" = "$1" ] || fail "$2: status $CODE, want $1; body: ${BODY:0:400}"
}

# header NAME: prints the value of a header of the last answer.
header() {
	awk -v n="$(tr 'A-Z' 'a-z' <<<"$1")" -F': ' \
	    'tolower($1) == n { sub(/^[^:]*: /, ""); print; exit }' <<<"$HEADERS"
}

# json_get EXPR: evaluates a python expression on the last JSON body `j`
# and prints it (json.dumps of the result).
json_get() {
	python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(json.dumps(eval(sys.argv[2])))' \
	    "$BODY" "$1" || fail "body is not the JSON expected ($1): $BODY"
}

# metric NAME: prints the value of one Prometheus sample (full name with
# labels) from /metrics.
metric() {
	curl -gsS --max-time 10 "$SRV_URL/metrics" |
	    awk -v n="$1" '$1 == n { print $2; found = 1 } END { exit !found }' ||
	    fail "/metrics has no sample $1"
}

# conns_settle TRIES WHAT: waits (TRIES times 0.1 s at most) until the
# server holds at most one open connection (the one asking it); fails
# saying how many are still open after WHAT if it does not.
conns_settle() {
	local i n
	for ((i = 0; i < $1; i++)); do
		n=$(metric scanloop_open_connections)
		[ "$n" -le 1 ] && return 0
		sleep 0.1
	done
	fail "$n connections still open after $2"
}

# path_of URL: the path and query of a code URL (what a phone requests).
path_of() {
	printf '%s\n' "${1#"$CODE_BASE"}"
}

# serial_of URL: the serial in a code URL.
serial_of() {
	sed 's|.*/21/\([A-Za-z2-7]*\).*|\1|' <<<"$1"
}

# row JOBDIR N: the URL of the Nth code of a print job.
row() {
	sed -n "$(($2 + 1))p" "$1/codes.csv" | cut -d, -f3 | tr -d '\r'
}

# raw_http REQUEST: sends REQUEST (Python escapes such as \r\n are
# expanded) on one connection, reads until the server closes (10 s at
# most) and writes what came back to $T/run/raw.
raw_http() {
	python3 - "$SRV_HOST" "$SRV_PORT" "$1" "$T/run/raw" <<'EOF' || fail "raw request failed"
import socket, sys, time
host, port, req, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
req = req.encode("latin-1").decode("unicode_escape").encode("latin-1")
s = socket.create_connection((host, port), timeout=10)
s.sendall(req)
data = b""
end = time.monotonic() + 10
while time.monotonic() < end:
    try:
        b = s.recv(65536)
    except socket.timeout:
        break
    if not b:
        break
    data += b
open(out, "wb").write(data)
EOF
}

# codes_file JOBDIR FILE: writes the code URLs of a print job to FILE.
codes_file() {
	tail -n +2 "$1/codes.csv" | cut -d, -f3 | tr -d '\r' >"$2"
}

# load_start CMD...: runs the load generator CMD (httpc.py load,
# drawload.py load) in the background, its output into $T/run/load.out;
# sets LOAD (killed at cleanup if still running).
load_start() {
	"$@" >"$T/run/load.out" 2>&1 &
	LOAD=$!
	on_cleanup "kill $LOAD 2>/dev/null"
}

# load_wait: waits for the load of load_start, which must succeed, and
# notes its report.
load_wait() {
	wait "$LOAD" || fail "the load failed: $(cat "$T/run/load.out")"
	note "$(cat "$T/run/load.out")"
}

# events_check RECORDS WHAT [ARGS...]: checks the answers in RECORDS
# (httpc.py's records) against every event in the store (httpc.py check
# ARGS: --status, --errors); fails, naming WHAT if given, if they
# disagree. Leaves `scans tail` in $OUT.
events_check() {
	local records=$1 what=$2
	shift 2
	tail_events 100000
	printf '%s\n' "$OUT" >"$T/run/events.txt"
	python3 "$SERVE_LIB_DIR/httpc.py" check --records "$records" \
	    --events "$T/run/events.txt" "$@" ||
	    fail "${what:+$what: }answers and store disagree (see above)"
}

# serve_fixture: key 1, and batches in every state. Sets
#   GENUINE, GENUINE2..GENUINE5: codes of active batch $BATCH_A (20 codes)
#   VOID:      a voided code of batch A (misprint)
#   NOT_ACTIVE: a code of batch $BATCH_B (10 codes, never activated)
#   VOID_BATCH: a code of batch $BATCH_C (10 codes, activated, then voided
#              whole as stolen)
# (full URLs; path_of gives what a phone requests).
serve_fixture() {
	make_key 1
	mint 1 20 "$T/jobA"
	BATCH_A=$(manifest_get "$T/jobA" batch_id)
	ok batch activate "$BATCH_A"
	GENUINE=$(row "$T/jobA" 1)
	VOID=$(row "$T/jobA" 2)
	GENUINE2=$(row "$T/jobA" 3)
	GENUINE3=$(row "$T/jobA" 4)
	GENUINE4=$(row "$T/jobA" 5)
	GENUINE5=$(row "$T/jobA" 6)
	serial_of "$VOID" >"$T/void.txt"
	ok batch void "$BATCH_A" --serials "$T/void.txt" --reason misprint
	mint 1 10 "$T/jobB"
	BATCH_B=$(manifest_get "$T/jobB" batch_id)
	NOT_ACTIVE=$(row "$T/jobB" 1)
	mint 1 10 "$T/jobC"
	BATCH_C=$(manifest_get "$T/jobC" batch_id)
	ok batch activate "$BATCH_C"
	ok batch void "$BATCH_C" --all --reason stolen
	VOID_BATCH=$(row "$T/jobC" 1)
}

# tail_events N: `scanloop scans tail -n N` into $OUT (fails on error).
tail_events() {
	ok scans tail -n "$1"
}

# event_ids: the event ids in $OUT (scans tail/show lines), one a line.
event_ids() {
	grep -o '#[0-9]*' <<<"$OUT" | tr -d '#'
}

# event_line ID: the scans tail line of event ID in $OUT.
event_line() {
	grep -E "  #$1 " <<<"$OUT" || fail "event #$1 is not in: $OUT"
}

# export_scan_all: the scans of the export tests (export.sh,
# export_epcis.sh): export_client.py ($EC) scans serve_fixture's codes
# against the running server (every verdict, the page, HEAD, a bot, the
# API, locations, odd User-Agents), writing what it did to
# $T/records.json; then waits until the store holds every event. Sets
# NREC, the number of events.
EC="python3 $SERVE_LIB_DIR/export_client.py"
export_scan_all() {
	cat >"$T/codes.json" <<JSON
{"genuine": "$GENUINE", "genuine2": "$GENUINE2", "genuine3": "$GENUINE3",
 "genuine4": "$GENUINE4", "not_active": "$NOT_ACTIVE", "void": "$VOID",
 "void_batch": "$VOID_BATCH", "batch_a": $BATCH_A, "batch_b": $BATCH_B,
 "batch_c": $BATCH_C}
JSON
	$EC scan --port "$SRV_PORT" --codes "$T/codes.json" \
	    --out "$T/records.json" || fail "the client's scans failed"
	NREC=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' \
	    "$T/records.json")
	# Forged and malformed pages are recorded without waiting: wait for
	# all.
	poll 50 0.2 export_events_at_least "$NREC" ||
	    fail "the store has fewer than $NREC events"
}

# export_events_at_least N: the store holds at least N scan events.
export_events_at_least() {
	[ "$("$SCANLOOP" export scans 2>/dev/null | tail -n +2 | wc -l)" -ge "$1" ]
}

# mb_start TOPIC: librdkafka's mock cluster (tests/kafka/mock_broker,
# $SCANLOOP_MOCK_BROKER) with topic TOPIC, its consumer writing what it
# reads to $T/run/consumed.tsv, its commands through a FIFO (mb); sets
# BOOT (its bootstrap servers) and MB_PID, and stops it at cleanup.
mb_start() {
	local exe=${SCANLOOP_MOCK_BROKER:?meson sets SCANLOOP_MOCK_BROKER}
	[ -x "$exe" ] || fail "$exe is not built"
	mkfifo "$T/run/mb.ctl"
	"$exe" --topic "$1" --out "$T/run/consumed.tsv" <"$T/run/mb.ctl" \
	    >"$T/run/mb.out" 2>"$T/run/mb.err" &
	MB_PID=$!
	exec 7>"$T/run/mb.ctl"
	on_cleanup "exec 7>&-; kill $MB_PID 2>/dev/null; wait $MB_PID 2>/dev/null"
	poll 100 0.1 grep -q '^bootstrap: ' "$T/run/mb.out" ||
	    fail "the mock cluster did not start: $(cat "$T/run/mb.err")"
	BOOT=$(sed -n 's/^bootstrap: //p' "$T/run/mb.out")
}

# mb CMD: one command to the mock cluster of mb_start; waits (up to 30 s:
# a sanitizer build on a loaded machine is slow to take brokers down) for
# its "ok".
mb() {
	local n
	n=$(grep -c '' "$T/run/mb.out")
	echo "$*" >&7
	poll 600 0.05 eval '[ "$(grep -c "" "$T/run/mb.out")" -gt '"$n"' ]' ||
	    fail "mock_broker did not answer '$*'"
	tail -1 "$T/run/mb.out" | grep -q '^ok ' ||
	    fail "mock_broker: $* -> $(tail -1 "$T/run/mb.out")"
}
