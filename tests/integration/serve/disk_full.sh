#!/usr/bin/env bash
# disk_full.sh — the store fills up while the server scans: (1) the LMDB
# map (SCANLOOP_MAP_SIZE=1 MiB), (2) a real disk (a 768 KiB tmpfs; needs
# root). Scans go on until the answers become 503; then reads still answer
# (GET /api/v1/codes), /healthz says 503 degraded, forged codes still get
# their 404 page, and no 2xx was given for an event that is not in the
# store. Once there is room again the server records scans and /healthz
# is 200 again. Without root (or a tmpfs) the second part is skipped (77).
. "$(dirname "$0")/lib.sh"
serve_setup

# fill NAME: scans through the API until the first 503: 4 clients, then
# (a smaller write may still fit) one at a time, so that the last commit
# is one that failed.
fill() {
	local step clients
	for step in 1 2; do
		clients=$((step == 1 ? 4 : 1))
		python3 "$SERVE_LIB_DIR/httpc.py" load --port "$SRV_PORT" \
		    --clients $clients --seconds 60 --max 100000 --mode api \
		    --codes "$T/codes.txt" --out "$T/run/$1.$step.jsonl" \
		    --stop-on 503 >"$T/run/$1.out" 2>&1 ||
		    fail "$1: the load failed: $(cat "$T/run/$1.out")"
		grep -q '"status": 503' "$T/run/$1.$step.jsonl" ||
		    fail "$1: never answered 503: $(cat "$T/run/$1.out")"
		note "$1, $clients clients: $(cat "$T/run/$1.out")"
	done
	cat "$T/run/$1.1.jsonl" "$T/run/$1.2.jsonl" >"$T/run/$1.jsonl"
}

# push_full WHAT: scans until a commit fails again. Near the limit LMDB
# reuses freed pages, so a small commit may fit now and then; a 2xx it
# gets must be in the store like any other (checked at the end).
push_full() {
	local i id
	for ((i = 0; i < 200; i++)); do
		post_json /api/v1/scans "{\"code\":\"$GENUINE\"}"
		[ "$CODE" = 503 ] && return 0
		expect_code 200 "$1: an API scan near the limit"
		id=$(json_get 'j["event_id"]')
		printf '%s\n' "$id" >>"$T/run/$1.extra"
	done
	fail "$1: commits never failed again"
}

# extra_stored WHAT: the 2xx push_full got are in the store.
extra_stored() {
	[ -s "$T/run/$1.extra" ] || return 0
	tail_events 100000
	while read -r id; do
		grep -q "#$id " <<<"$OUT" ||
		    fail "$1: event $id was answered 200 but is not in the store"
	done <"$T/run/$1.extra"
}

# degraded WHAT: the checks while commits fail (the last write first: a
# forged scan's event is written behind its answer and may still fit).
degraded() {
	local serial i
	serial=$(serial_of "$GENUINE")
	push_full "$1"
	get /healthz
	expect_code 503 "$1: /healthz"
	assert_contains "$BODY" degraded "$1: /healthz body"
	get "/api/v1/codes/$serial"
	expect_code 200 "$1: a code look-up (a read)"
	assert_eq "$(json_get 'j["state"]')" '"active"' "$1: state of the code"
	push_full "$1"
	assert_eq "$(json_get 'j["error"]')" '"unavailable"' "$1: API error"
	for ((i = 0; i < 200; i++)); do
		get "$(path_of "$GENUINE")" -H 'Accept-Language: en'
		[ "$CODE" = 503 ] && break
		expect_code 200 "$1: a genuine code near the limit"
	done
	expect_code 503 "$1: a genuine code while the store is full"
	assert_eq "$(header Retry-After)" 5 "$1: Retry-After"
	[ "$(metric scanloop_commit_failures_total)" -gt 0 ] ||
	    fail "$1: no failed commit in /metrics"
	get "$(path_of "$FORGED")" -H 'Accept-Language: en'
	expect_code 404 "$1: a forged code"
	assert_contains "$BODY" 'Not verified' "$1: forged page"
	serve_alive
}

# compare NAME: every 2xx of the load is in the store.
compare() {
	events_check "$T/run/$1.jsonl" "$1" --status 200,503
}

# restarted WHAT: on a server restarted over the full store, reads
# answer, and scans answer 200 until one answers 503 (free pages of the
# last run may hold a few more events first).
restarted() {
	local i
	get "/api/v1/codes/$(serial_of "$GENUINE")"
	expect_code 200 "$1, restarted: a read"
	for ((i = 0; i < 200; i++)); do
		get "$(path_of "$GENUINE")"
		[ "$CODE" = 503 ] && break
		expect_code 200 "$1, restarted: a scan"
	done
	expect_code 503 "$1, restarted: a scan"
}

# recovered WHAT: scans are recorded again, /healthz is 200.
recovered() {
	get "$(path_of "$GENUINE2")"
	expect_code 200 "$1: a scan once there is room"
	get /healthz
	expect_code 200 "$1: /healthz once there is room"
}

# 1. The LMDB map fills up (MDB_MAP_FULL).
serve_fixture
FORGED=$(sed 's/\(S=.\{40\}\)./\1A/' <<<"$GENUINE3")
[ "$FORGED" != "$GENUINE3" ] || FORGED=$(sed 's/\(S=.\{40\}\)./\1B/' <<<"$GENUINE3")
codes_file "$T/jobA" "$T/codes.txt"
sed -i 2d "$T/codes.txt"	# the void code (410)
SCANLOOP_MAP_SIZE=1048576 serve_start --rate 0
fill mapfull
degraded mapfull
serve_stop
compare mapfull
extra_stored mapfull
SCANLOOP_MAP_SIZE=1048576 serve_start --rate 0
restarted "map full"
serve_stop
serve_start --rate 0
recovered "map full, larger map"
serve_stop

# 2. The disk fills up (ENOSPC).
[ "$(id -u)" -eq 0 ] ||
    skip "not root: no tmpfs for the ENOSPC part (the map-full part passed)"
mkdir -p "$T/small"
mount -t tmpfs -o size=768k,mode=0700 tmpfs "$T/small" 2>"$T/run/mount.err" ||
    skip "cannot mount a tmpfs for the ENOSPC part (the map-full part passed): $(cat "$T/run/mount.err")"
on_cleanup "umount '$T/small'"
export SCANLOOP_DB="$T/small/db" SCANLOOP_KEYS="$T/keys2" SCANLOOP_SECRET_KEYS="$T/secret-keys2"
mkdir -p "$T/jobs2"
mint_active 20 "$T/jobs2/a"
GENUINE=$(row "$T/jobs2/a" 1)
GENUINE2=$(row "$T/jobs2/a" 2)
FORGED=$(sed 's/\(S=.\{40\}\)./\1A/' <<<"$(row "$T/jobs2/a" 3)")
[ "$FORGED" != "$(row "$T/jobs2/a" 3)" ] || FORGED=$(sed 's/\(S=.\{40\}\)./\1B/' <<<"$(row "$T/jobs2/a" 3)")
codes_file "$T/jobs2/a" "$T/codes.txt"
serve_start --rate 0
fill enospc
degraded enospc
serve_stop
compare enospc
extra_stored enospc
serve_start --rate 0
restarted "disk full"
# More room: the same server records scans again.
mount -o remount,size=8m "$T/small"
recovered "disk full, more room"
serve_stop
note "ok"
