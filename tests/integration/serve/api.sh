#!/usr/bin/env bash
# api.sh — the JSON API: POST /api/v1/scans with and without a location
# (fields, types, the event in the store), its errors (bad JSON, missing
# code, half a location, out-of-range lat, wrong Content-Type, oversize
# body, GET); GET /api/v1/codes/{SERIAL} in every state (first_scan null
# until a human scan); the page's location button (token from the page,
# 200 once, then 409; a wrong token 403 and nothing attached); the visitor
# cookie (set once, kept in the events).
. "$(dirname "$0")/lib.sh"
serve_setup
serve_fixture
serve_start --rate 0

# check_json PYTHON-ASSERTIONS: runs assertions on the last body `j`.
check_json() {
	python3 - "$BODY" "$1" <<'EOF' || fail "JSON answer: $BODY"
import json, sys
j = json.loads(sys.argv[1])
exec(sys.argv[2])
EOF
}
API=/api/v1/scans

# 1. A scan without a location, from an app (a phone's User-Agent).
post_json "$API" "{\"code\":\"$GENUINE\"}"
expect_code 200 "POST $API"
assert_contains "$(header Content-Type)" application/json "API content type"
check_json '
assert isinstance(j["event_id"], int) and j["event_id"] > 0, j
assert j["verdict"] == "genuine", j
assert isinstance(j["scans"], int) and j["scans"] == 1, j
assert isinstance(j["serial"], str) and len(j["serial"]) == 13, j
assert j["gtin"] == "04006381333931", j
assert isinstance(j["batch_id"], int), j
assert isinstance(j["first_scan"], dict) and j["first_scan"]["lat"] is None, j
'
EV1=$(json_get 'j["event_id"]')
assert_eq "$(json_get 'j["serial"]')" "\"$(serial_of "$GENUINE")\"" "serial in the answer"
assert_eq "$(json_get 'j["batch_id"]')" "$BATCH_A" "batch in the answer"

# 2. With a location: the event holds it.
post_json "$API" "{\"code\":\"$GENUINE2\",\"lat\":31.2304,\"lon\":121.4737,\"accuracy\":15}"
expect_code 200 "POST $API with a location"
check_json '
assert j["verdict"] == "genuine" and j["scans"] == 1, j
f = j["first_scan"]
assert isinstance(f["time"], str) and f["time"].endswith("Z"), f
assert abs(f["lat"] - 31.2304) < 1e-6 and abs(f["lon"] - 121.4737) < 1e-6, f
assert abs(f["accuracy"] - 15) < 1e-3, f
'
EV2=$(json_get 'j["event_id"]')
[ "$EV2" -gt "$EV1" ] || fail "event ids do not increase: $EV1 then $EV2"
# Other verdicts through the API.
post_json "$API" "{\"code\":\"$NOT_ACTIVE\"}"
expect_code 200 "API: not activated"
check_json 'assert j["verdict"] == "not_active" and isinstance(j["event_id"], int), j'
post_json "$API" "{\"code\":\"$VOID\"}"
expect_code 200 "API: void"
check_json 'assert j["verdict"] == "void" and "reason" in j, j'
post_json "$API" "{\"code\":\"$(tr 'A-Z' 'a-z' <<<"$GENUINE3")\"}" -A 'curl/8'
expect_code 200 "API: lowercase, from a tool"
check_json 'assert j["verdict"] == "genuine" and j["scans"] == 0, j'
post_json "$API" '{"code":"HTTPS://S.EXAMPLE.COM/01/04006381333931/21/AAAAAAAAAAAAA?S=AAAA"}'
expect_code 200 "API: malformed"
check_json 'assert j["verdict"] in ("malformed", "forged") and j["scans"] == 0 and j["first_scan"] is None, j'
post_json "$API" "{\"code\":\"$(sed 's|S.EXAMPLE.COM|EVIL.EXAMPLE|' <<<"$GENUINE4")\"}"
expect_code 200 "API: a genuine code on another host"
check_json 'assert j["verdict"] == "forged", j'

# 3. Errors.
api_error() { # STATUS WHAT JSON [CURL ARGS]
	local want=$1 what=$2 json=$3
	shift 3
	post_json "$API" "$json" "$@"
	expect_code "$want" "$what"
	check_json 'assert isinstance(j["error"], str) and isinstance(j["message"], str), j'
}
api_error 400 "bad JSON" '{"code": '
api_error 400 "not an object" '["x"]'
api_error 400 "missing code" '{"lat": 1, "lon": 2}'
api_error 400 "code not a string" '{"code": 12}'
api_error 400 "code with a NUL" '{"code": "HTTPS://S.EXAMPLE.COM/01/04006381333931/21/A\u0000B"}'
api_error 400 "empty body" ''
api_error 400 "lat without lon" "{\"code\":\"$GENUINE5\",\"lat\":10}"
api_error 400 "lat 91" "{\"code\":\"$GENUINE5\",\"lat\":91,\"lon\":10}"
api_error 400 "lon -181" "{\"code\":\"$GENUINE5\",\"lat\":1,\"lon\":-181}"
api_error 400 "lat a string" "{\"code\":\"$GENUINE5\",\"lat\":\"1\",\"lon\":1}"
api_error 400 "negative accuracy" "{\"code\":\"$GENUINE5\",\"lat\":1,\"lon\":1,\"accuracy\":-1}"
api_error 400 "duplicate key" "{\"code\":\"$GENUINE5\",\"code\":\"$GENUINE5\"}"
req POST "$API" -H 'Content-Type: text/plain' --data-binary "{\"code\":\"$GENUINE5\"}"
expect_code 415 "text/plain body"
req POST "$API" --data-binary "{\"code\":\"$GENUINE5\"}"
expect_code 415 "form-encoded body"
python3 -c 'import sys; sys.stdout.write("{\"code\":\"" + "A" * 17000 + "\"}")' >"$T/big.json"
req POST "$API" -H 'Content-Type: application/json' --data-binary @"$T/big.json"
expect_code 413 "17 KB body"
req GET "$API"
expect_code 405 "GET $API"
get "/api/v1/codes/$(serial_of "$GENUINE5")"
expect_code 200 "a failed API call records nothing"
check_json 'assert j["scans_total"] == 0 and j["first_scan"] is None, j'

# 4. GET /api/v1/codes/{SERIAL} records nothing.
code_state() { # URL STATE
	get "/api/v1/codes/$(serial_of "$1")"
	expect_code 200 "code look-up ($2)"
	check_json "
assert j['state'] == '$2', j
assert j['serial'] == '$(serial_of "$1")' and j['gtin'] == '$GTIN14', j
assert isinstance(j['batch_id'], int) and isinstance(j['scans'], int), j
assert isinstance(j['scans_total'], int), j
"
}
code_state "$GENUINE" active
check_json 'assert j["scans"] == 1 and j["scans_total"] == 1, j'
code_state "$NOT_ACTIVE" not_active
code_state "$VOID" void
code_state "$VOID_BATCH" void
check_json 'assert j["first_scan"] is None and j["scans"] == 0, j'
get "/api/v1/codes/$(serial_of "$GENUINE" | tr 'A-Z' 'a-z')"
expect_code 200 "code look-up, lowercase serial"
get /api/v1/codes/AAAAAAAAAAAAA
expect_code 404 "unknown serial"
get /api/v1/codes/nope
expect_code 404 "not a serial"
# first_scan: null until a human scan; a bot's does not set it.
code_state "$GENUINE5" active
check_json 'assert j["first_scan"] is None and j["scans"] == 0, j'
get "$(path_of "$GENUINE5")" -A 'WhatsApp/2.23'
expect_code 200 "bot scan"
code_state "$GENUINE5" active
check_json 'assert j["first_scan"] is None and j["scans"] == 0 and j["scans_total"] == 1, j'

# 5. Location from the page's button.
get "$(path_of "$GENUINE5")"
expect_code 200 "human page scan"
EV=$(sed -n 's/.*data-event="\([0-9]*\)".*/\1/p' <<<"$BODY")
TOK=$(sed -n 's/.*data-token="\([^"]*\)".*/\1/p' <<<"$BODY")
[ -n "$EV" ] && [ -n "$TOK" ] || fail "no data-event/data-token in the page"
code_state "$GENUINE5" active
check_json 'f = j["first_scan"]; assert j["scans"] == 1 and f is not None and f["lat"] is None, j'
# A wrong token, a token of another event, an unknown event: 403.
WRONG=$(tr 'A-Z2-7' 'B-Z2-7A' <<<"$TOK")
post_json "$API/$EV/location" "{\"token\":\"$WRONG\",\"lat\":1,\"lon\":2,\"accuracy\":3}"
expect_code 403 "wrong location token"
post_json "$API/$EV1/location" "{\"token\":\"$TOK\",\"lat\":1,\"lon\":2,\"accuracy\":3}"
expect_code 403 "another event's token"
post_json "$API/99999999/location" "{\"token\":\"$TOK\",\"lat\":1,\"lon\":2}"
expect_code 403 "unknown event with a wrong token"
post_json "$API/abc/location" "{\"token\":\"$TOK\",\"lat\":1,\"lon\":2}"
expect_code 404 "not an event id"
post_json "$API/$EV/location" "{\"token\":\"$TOK\",\"lat\":1}"
expect_code 400 "location without lon"
req POST "$API/$EV/location" -H 'Content-Type: text/plain' \
    --data-binary "{\"token\":\"$TOK\",\"lat\":1,\"lon\":2}"
expect_code 415 "location as text/plain"
req GET "$API/$EV/location"
expect_code 405 "GET of a location"
code_state "$GENUINE5" active
check_json 'assert j["first_scan"]["lat"] is None, j'
# The right token: 200 once, then 409.
post_json "$API/$EV/location" "{\"token\":\"$TOK\",\"lat\":22.5431,\"lon\":114.0579,\"accuracy\":30}"
expect_code 200 "location post"
check_json 'assert j == {"ok": True, "verified_elsewhere": False}, j'
code_state "$GENUINE5" active
check_json '
f = j["first_scan"]
assert abs(f["lat"] - 22.5431) < 1e-6 and abs(f["lon"] - 114.0579) < 1e-6, j
'
post_json "$API/$EV/location" "{\"token\":\"$TOK\",\"lat\":1,\"lon\":2,\"accuracy\":3}"
expect_code 409 "second location post"
code_state "$GENUINE5" active
check_json 'assert abs(j["first_scan"]["lat"] - 22.5431) < 1e-6, j'
# The next page shows where the first scan was.
get "$(path_of "$GENUINE5")" -H 'Accept-Language: en'
assert_contains "$BODY" "near 22.54, 114.06" "second scan page shows the first scan's place"

# 6. The visitor cookie: set on the first answer, kept afterwards.
get "$(path_of "$GENUINE")"
expect_code 200 "page without a cookie"
SC=$(header Set-Cookie)
VID=$(sed -n 's/^sl_vid=\([A-Z2-7]*\);.*/\1/p' <<<"$SC")
[ ${#VID} -ge 16 ] || fail "no visitor cookie in: $SC"
assert_contains "$SC" "HttpOnly" "visitor cookie flags"
EVA=$(sed -n 's/.*data-event="\([0-9]*\)".*/\1/p' <<<"$BODY")
get "$(path_of "$GENUINE2")" -H "Cookie: other=1; sl_vid=$VID"
expect_code 200 "page with the cookie"
[ -z "$(header Set-Cookie)" ] || fail "a new cookie for a known visitor: $(header Set-Cookie)"
EVB=$(sed -n 's/.*data-event="\([0-9]*\)".*/\1/p' <<<"$BODY")
get "$(path_of "$GENUINE2")" -H "Cookie: sl_vid=garbage!"
expect_code 200 "page with a bad cookie"
[ -n "$(header Set-Cookie)" ] || fail "no new cookie for a bad one"
EVC=$(sed -n 's/.*data-event="\([0-9]*\)".*/\1/p' <<<"$BODY")

# 7. The store.
serve_stop
ok scans show --serial "$(serial_of "$GENUINE2")"
event_line "$EV2" | grep -q '31.23040,121.47370±15m' ||
    fail "the API's location is not in event $EV2: $(event_line "$EV2")"
event_line "$EV2" | grep -q ' api ' || fail "event $EV2 is not marked api"
ok scans show --serial "$(serial_of "$GENUINE5")"
event_line "$EV" | grep -q '22.54310,114.05790±30m' ||
    fail "the page's location is not in event $EV: $(event_line "$EV")"
tail_events 1000
event_line "$EV1" | grep -q ' - "' || fail "event $EV1 has a location: $(event_line "$EV1")"
event_line "$EV1" | grep -q ' api ' || fail "event $EV1 is not marked api"
grep -q '#99999999 ' <<<"$OUT" && fail "an event 99999999 appeared"
assert_eq "$(event_line "$EVA" | awk '{ print $11 }')" "${VID: -8}" "visitor of the first page"
assert_eq "$(event_line "$EVB" | awk '{ print $11 }')" "${VID: -8}" "visitor sent back"
[ "$(event_line "$EVC" | awk '{ print $11 }')" != "${VID: -8}" ] ||
    fail "a bad cookie kept the visitor id"
note "ok"
