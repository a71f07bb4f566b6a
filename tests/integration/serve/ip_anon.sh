#!/usr/bin/env bash
# ip_anon.sh — client addresses in scan events: anonymised by default
# (IPv4 last octet, IPv6 last 80 bits), whole with --no-ip-anon; over IPv6
# when the kernel has a ::1; X-Forwarded-For only with --trust-proxy (its
# last entry), anonymised the same way.
. "$(dirname "$0")/lib.sh"
serve_setup
serve_fixture

# scan_api [CURL ARGS]: scans GENUINE through the API; LAST_EV is its
# event.
LAST_EV=
scan_api() {
	post_json /api/v1/scans "{\"code\":\"$GENUINE\"}" "$@"
	expect_code 200 "API scan $*"
	LAST_EV=$(json_get 'j["event_id"]')
}
# stored_ip ID: the client address of event ID (from $OUT of scans tail).
stored_ip() {
	event_line "$1" | awk '{ print $10 }'
}
# expect ADDR: the event of the last scan must hold ADDR (checked at the
# end, from the store).
EVS=()
IPS=()
expect() {
	EVS+=("$LAST_EV")
	IPS+=("$1")
}

# IPv4: default, --ip-anon, --no-ip-anon.
serve_start --rate 0
scan_api
expect 127.0.0.0
get "$(path_of "$GENUINE")"
EVS+=("$(sed -n 's/.*data-event="\([0-9]*\)".*/\1/p' <<<"$BODY")")
IPS+=(127.0.0.0)
# X-Forwarded-For is ignored without --trust-proxy.
scan_api -H 'X-Forwarded-For: 203.0.113.77'
expect 127.0.0.0
serve_stop
serve_start --rate 0 --ip-anon
scan_api
expect 127.0.0.0
serve_stop
serve_start --rate 0 --no-ip-anon
scan_api
expect 127.0.0.1
scan_api -H 'X-Forwarded-For: 203.0.113.77'
expect 127.0.0.1
serve_stop

# Behind a proxy.
serve_start --rate 0 --trust-proxy
scan_api -H 'X-Forwarded-For: 203.0.113.77'
expect 203.0.113.0
scan_api -H 'X-Forwarded-For: 10.1.2.3, 198.51.100.201'
expect 198.51.100.0
scan_api -H 'X-Forwarded-For: 2001:db8:1:2:3:4:5:6'
expect 2001:db8:1::
scan_api -H 'X-Forwarded-For: not-an-address'
expect 127.0.0.0
scan_api
expect 127.0.0.0
serve_stop
serve_start --rate 0 --trust-proxy --no-ip-anon
scan_api -H 'X-Forwarded-For: 203.0.113.77'
expect 203.0.113.77
scan_api -H 'X-Forwarded-For: 2001:db8:1:2:3:4:5:6'
expect 2001:db8:1:2:3:4:5:6
serve_stop

# IPv6 loopback, if this kernel has it.
if python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	LISTEN='[::1]:0' serve_start --rate 0
	assert_eq "$SRV_HOST" ::1 "IPv6 listener"
	scan_api
	expect ::
	serve_stop
	LISTEN='[::1]:0' serve_start --rate 0 --no-ip-anon
	scan_api
	expect ::1
	serve_stop
else
	note "no IPv6 loopback: IPv6 listener part skipped"
fi

tail_events 1000
for i in "${!EVS[@]}"; do
	assert_eq "$(stored_ip "${EVS[$i]}")" "${IPS[$i]}" "address of event ${EVS[$i]}"
done
note "ok: ${#EVS[@]} events"
