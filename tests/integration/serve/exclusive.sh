#!/usr/bin/env bash
# exclusive.sh — one server per port and per store: a second `scanloop
# serve` on the port of a running one (another store; the same address,
# and the wildcard address) exits 1 with "Address already in use" instead
# of joining its SO_REUSEPORT listeners, and every scan still reaches the
# first server; a second server on the same store (another port) exits 1
# on the store's lock. After the first stops, the port serves again.
. "$(dirname "$0")/lib.sh"
serve_setup
serve_fixture
serve_start --rate 0 --threads 2
PORT=$SRV_PORT
FIRST_PID=$SRV_PID

# A second store, with its own key, on the same port.
mkdir "$T/other"
other() {
	SCANLOOP_DB="$T/other/db" SCANLOOP_KEYS="$T/other/keys" \
	    SCANLOOP_SECRET_KEYS="$T/other/secret-keys" \
	    run timeout 20 "$SCANLOOP" "$@"
}
other key new --id 1
assert_rc 0 "a key for the second store"
for addr in "127.0.0.1:$PORT" "0.0.0.0:$PORT"; do
	other serve --listen "$addr" --threads 2
	assert_rc 1 "a second server on $addr"
	grep -qi 'address already in use' <<<"$ERR" ||
	    fail "second server on $addr: no 'address already in use': $(last)"
	note "second server on $addr: $ERR"
done
serve_alive

# Every scan reaches the first server (a joined listener would have
# taken some of them and answered 404 from the other store).
for i in $(seq 1 40); do
	get "$(path_of "$GENUINE")"
	expect_code 200 "scan $i after the second servers"
done

# A second server on the same store, another port: the lock refuses it.
sl serve --listen 127.0.0.1:0
assert_rc 1 "a second server on the same store"
assert_contains "$ERR" "another scanloop serve uses this store" \
    "second server on the same store"
serve_alive
serve_stop

# The port is free again: a server on the other store takes it.
SCANLOOP_DB="$T/other/db" SCANLOOP_KEYS="$T/other/keys" \
    SCANLOOP_SECRET_KEYS="$T/other/secret-keys" LISTEN="127.0.0.1:$PORT" serve_start --rate 0
[ "$SRV_PID" != "$FIRST_PID" ] || fail "no new server"
get "$(path_of "$GENUINE")"
expect_code 404 "the first store's code on the second store's server"
serve_stop
note "ok"
