#!/usr/bin/env bash
# kafka.sh — scan events out through the Kafka API (docs/kafka.md),
# against librdkafka's mock cluster (tests/kafka/mock_broker: 3 brokers,
# a topic of 6 partitions, a consumer writing every record it reads).
#
# 1. Under a scan load (httpc.py, 2 clients, page and API, 40 codes
#    scanned again and again), with draws, redemptions and a late
#    location: Produce requests fail with injected retriable errors, then
#    every broker is down for 5 s (scans still answer 200 at once, the lag
#    gauge grows), then the server is SIGKILLed mid-stream and restarted
#    on the same store (it resends from the stored watermark).
#    kafka_check.py then checks what the consumer read against the store's
#    exports: every committed scan, draw, redemption, late location and
#    signal (leaked_job: scans of a batch not activated, keyed by serial;
#    forgery_burst: forged scans from one network, keyed by its prefix;
#    raised before and after the kill) is in the topic, equal to its
#    export record (`scanloop signals --format jsonl` for signals), keyed
#    by serial, in order per key; duplicates only as repeats of a (node,
#    type, id).
# 1b. Retention deletes events the broker never got: a genuine scan, then
#    forged scans from one network (the newest events) that raise a
#    forgery_burst naming two of them, all while the brokers are down;
#    stopped, pruned (scanloop prune --forged-older 0), restarted with the
#    brokers up: the lag drains, the genuine scan and the signal arrive,
#    none of the pruned events does, and the store is never reported
#    unreadable.
# 2. --kafka-max-lag: with the brokers down, writes past the limit get 503
#    with Retry-After (and /metrics counts them); once the brokers are
#    back the lag drains and scans answer 200 again.
# 3. A broker that never answers: the server starts, scans answer 200,
#    and SIGTERM still stops it within the flush deadline.
# 4. Usage: --kafka-topic without --kafka, a bad topic, a bad option.
. "$(dirname "$0")/../rewards/lib.sh"
rw_setup
TOPIC=scanloop.test-events

mint_active 40 "$T/job"
BATCH=$(manifest_get "$T/job" batch_id)
codes_file "$T/job" "$T/codes.txt"
campaign_write "$T/c.json" kdraws
campaign_load "$T/c.json"
store_add s1
# Signals: a batch that is never activated (its scans are leaked_job),
# forged codes (a burst past burst.per_hour 3 is a forgery_burst).
mint 1 4 "$T/leak"
ok config set burst.per_hour 3
forged_url() {
	local u
	u=$(outer "$T/job" "$1")
	case "$u" in
	*A) printf '%sB\n' "${u%A}" ;;
	*) printf '%sA\n' "${u%?}" ;;
	esac
}

# The broker, its commands through a FIFO (mb).
mb_start "$TOPIC"
# lag: the lag gauge.
lag() {
	metric scanloop_kafka_lag_events
}
MAXLAG=0
# lag_sample: notes the lag in MAXLAG.
lag_sample() {
	local l
	l=$(lag)
	[ "$l" -gt "$MAXLAG" ] && MAXLAG=$l
	return 0
}
KOPTS=(--kafka "$BOOT" --kafka-topic "$TOPIC" --node 7)

# 1. The proof.
serve_start --rate 0 "${KOPTS[@]}"
PORT=$SRV_PORT
assert_contains "$(cat "$SRV_OUT")" "streaming events to topic $TOPIC" \
    "the start-up line"
load_start python3 "$SERVE_LIB_DIR/httpc.py" load --port "$PORT" \
    --clients 2 --seconds 120 --max 50000 --mode mixed \
    --codes "$T/codes.txt" --stop-file "$T/run/stop" \
    --out "$T/run/load.jsonl"
# Draws (each records a scan too) and redemptions of half the wins.
declare -a CL
for i in 1 2 3 4 5 6; do
	draw_ok "$(outer "$T/job" "$i")"
	CL[i]=$CLAIM
done
for i in 1 2 3; do
	redeem "${CL[i]}" "$STORE_TOKEN"
	expect_code 200 "redemption $i"
done
# A location given after the scan, from the page's button.
get "$(path_of "$(outer "$T/job" 7)")"
expect_code 200 "a page scan"
EV=$(sed -n 's/.*data-event="\([0-9]*\)".*/\1/p' <<<"$BODY")
TOK=$(sed -n 's/.*data-token="\([^"]*\)".*/\1/p' <<<"$BODY")
post_json "/api/v1/scans/$EV/location" \
    "{\"token\":\"$TOK\",\"lat\":31.2304,\"lon\":121.4737,\"accuracy\":12}"
expect_code 200 "a late location"
LOCATED=$EV
# Signals before the broker's trouble: two leaked codes, a forged burst.
for i in 1 2; do
	get "$(path_of "$(outer "$T/leak" "$i")")"
	expect_code 200 "a scan of a batch not activated"
done
for i in 1 2 3 4 5; do
	get "$(path_of "$(forged_url "$((20 + i))")")"
done
# Produce requests fail: not leader, timed out, not enough replicas.
mb errors 40 6
sleep 1
mb errors 40 7
sleep 1
mb errors 40 19
sleep 1
lag_sample
# Every broker down for 5 s: scans go on, the lag grows.
mb alldown
for i in $(seq 10); do
	t0=$(date +%s%N)
	get "$(path_of "$(outer "$T/job" $((10 + i)))")"
	expect_code 200 "a scan while the brokers are down"
	t1=$(date +%s%N)
	[ $(((t1 - t0) / 1000000)) -lt 3000 ] ||
	    fail "a scan took $(((t1 - t0) / 1000000)) ms while the brokers were down"
	lag_sample
	sleep 0.5
done
[ "$MAXLAG" -gt 0 ] || fail "the lag stayed 0 while the brokers were down"
mb allup
sleep 2
lag_sample
# SIGKILL mid-stream; the restart resends from the stored watermark.
DOWN_DELIVERED=$(metric scanloop_kafka_delivered_total)
DOWN_RESENDS="replays $(metric scanloop_kafka_replays_total), unconfirmed $(metric scanloop_kafka_delivery_failures_total)"
serve_signal KILL
serve_wait_exit 10
[ "$SRV_RC" -eq 137 ] || fail "the killed server exited $SRV_RC"
LISTEN="127.0.0.1:$PORT" serve_start --rate 0 "${KOPTS[@]}"
for i in 8 9; do
	draw_ok "$(outer "$T/job" "$i")"
	redeem "$CLAIM" "$STORE_TOKEN"
	expect_code 200 "a redemption after the restart"
done
redeem "${CL[4]}" "$STORE_TOKEN"
expect_code 200 "redemption 4"
get "$(path_of "$(outer "$T/leak" 3)")"
expect_code 200 "a leaked code after the restart"
sleep 2
lag_sample
touch "$T/run/stop"
load_wait
poll 600 0.1 eval '[ "$(lag)" -eq 0 ]' ||
    fail "the lag did not drain: $(lag)"
note "delivered before the kill: $DOWN_DELIVERED ($DOWN_RESENDS); after the restart: $(metric scanloop_kafka_delivered_total) (resent from the watermark), replays $(metric scanloop_kafka_replays_total), failures $(metric scanloop_kafka_delivery_failures_total)"
serve_stop
ok export scans --format jsonl --out "$T/scans.jsonl"
ok export draws --format jsonl --out "$T/draws.jsonl"
ok export claims --format jsonl --out "$T/claims.jsonl"
ok signals --format jsonl
printf '%s\n' "$OUT" >"$T/signals.jsonl"
[ "$(grep -c '"kind":"leaked_job"' "$T/signals.jsonl")" -eq 3 ] ||
    fail "not 3 leaked_job signals: $(cat "$T/signals.jsonl")"
grep -q '"kind":"forgery_burst"' "$T/signals.jsonl" ||
    fail "no forgery_burst signal: $(cat "$T/signals.jsonl")"
NEV=$(grep -c '' "$T/scans.jsonl")
KC=(python3 "$SERVE_LIB_DIR/kafka_check.py" --consumed "$T/run/consumed.tsv"
    --scans "$T/scans.jsonl" --draws "$T/draws.jsonl"
    --claims "$T/claims.jsonl" --signals "$T/signals.jsonl" --node 7 --records "$T/run/load.jsonl"
    --located "$LOCATED")
# A delivery the server could not confirm (librdkafka 2.0's mock cluster
# acknowledges, without an offset, batches it never stored after an
# injected REQUEST_TIMED_OUT) makes it resend from the watermark.
if grep -q 'delivery not confirmed' "$T"/run/serve*.err; then
	KC+=(--resent)
fi
# The consumer reads what the broker acknowledged within moments: wait
# until it has read at least one record per event and stops reading.
consumed_settled() {
	local n
	n=$(grep -c '' "$T/run/consumed.tsv" || true)
	[ "$n" -ge "$NEV" ] && [ "$n" -eq "${PREV_N:-}" ] && return 0
	PREV_N=$n
	return 1
}
poll 120 1 consumed_settled || true
"${KC[@]}" >"$T/run/check.out" 2>&1 ||
    fail "the topic and the store disagree: $(cat "$T/run/check.out")"
note "$(cat "$T/run/check.out"); max lag $MAXLAG"
[ "$NEV" -gt 100 ] || fail "only $NEV events: the load did not run"

# 1b. Pruned before produced.
serve_start --rate 0 --trust-proxy "${KOPTS[@]}"
mb alldown
post_json /api/v1/scans "{\"code\":\"$(outer "$T/job" 32)\"}"
expect_code 200 "a genuine scan while the brokers are down"
G=$(json_get 'j["event_id"]')
F=()
for i in 33 34 35 36 37; do
	post_json /api/v1/scans "{\"code\":\"$(forged_url "$i")\"}" \
	    -H 'X-Forwarded-For: 198.51.100.7'
	F+=("$(json_get 'j["event_id"]')")
done
[ "${F[0]}" -gt "$G" ] || fail "the forged scans were not the newest events"
serve_stop
ok signals --kind forgery_burst --format jsonl
BURST=$(grep '"ip_prefix":"198.51.100.0/24"' <<<"$OUT" |
    sed -n 's/^{"id":\([0-9]*\),.*/\1/p')
[ -n "$BURST" ] || fail "no forgery_burst of 198.51.100.0/24: $OUT"
ok prune --forged-older 0
mb allup
LISTEN="127.0.0.1:$PORT" serve_start --rate 0 "${KOPTS[@]}"
poll 300 0.1 eval '[ "$(lag)" -eq 0 ]' ||
    fail "the lag did not drain over pruned events: $(lag)"
serve_stop
! grep -q 'cannot read the store' "$T"/run/serve*.err ||
    fail "the outbox failed over pruned events"
# consumed KEY PATTERN: a record keyed KEY whose value matches PATTERN
# has been read.
consumed() {
	awk -F '\t' -v k="$1" -v p="$2" '$3 == k && $4 ~ p { f = 1 }
	    END { exit !f }' "$T/run/consumed.tsv"
}
poll 100 0.1 consumed "$(serial_of "$(outer "$T/job" 32)")" \
    "\"type\":\"scan\".*\"event_id\":$G," ||
    fail "scan $G, committed beside pruned events, is not in the topic"
poll 100 0.1 consumed 198.51.100.0/24 "\"type\":\"signal\",.*\"id\":$BURST," ||
    fail "the burst signal $BURST, whose scans were pruned, is not in the topic"
for e in "${F[@]}"; do
	! grep -q "\"type\":\"scan\".*\"event_id\":$e," "$T/run/consumed.tsv" ||
	    fail "pruned event $e reached the topic"
done
note "pruned before produced: events ${F[*]} skipped; scan $G and signal $BURST (naming pruned events) sent"

# 2. The lag limit.
serve_start --rate 0 "${KOPTS[@]}" --kafka-max-lag 5
mb alldown
codes=()
mapfile -t codes <"$T/codes.txt"
refused=0
for i in $(seq 0 19); do
	post_json /api/v1/scans "{\"code\":\"${codes[i]}\"}"
	case $CODE in
	200) ;;
	503)
		refused=$((refused + 1))
		assert_contains "$HEADERS" "Retry-After:" "a 503 for the lag"
		check_json 'assert "outbox" in j["message"], j' ;;
	*) fail "a scan past the lag limit answered $CODE" ;;
	esac
	sleep 0.1
done
[ "$refused" -gt 0 ] || fail "no scan was refused past --kafka-max-lag 5"
[ "$(metric scanloop_kafka_refused_total)" -eq "$refused" ] ||
    fail "refused_total is not $refused"
mb allup
poll 300 0.1 eval '[ "$(lag)" -eq 0 ]' || fail "the lag did not drain"
post_json /api/v1/scans "{\"code\":\"${codes[0]}\"}"
expect_code 200 "a scan once the lag drained"
note "lag limit 5: $refused of 20 scans refused while the brokers were down"
serve_stop

# 3. A broker that never answers.
serve_start --rate 0 --kafka 127.0.0.1:9 --kafka-topic "$TOPIC" --node 7
post_json /api/v1/scans "{\"code\":\"${codes[1]}\"}"
expect_code 200 "a scan with no broker"
poll 50 0.1 eval '[ "$(lag)" -gt 0 ]' || fail "no lag without a broker"
t0=$(date +%s)
serve_stop
[ $(($(date +%s) - t0)) -lt 20 ] || fail "the stop waited for the broker"

# 4. Usage.
sl serve --kafka-topic x
assert_rc 2 "--kafka-topic without --kafka"
sl serve --kafka 127.0.0.1:9 --kafka-topic 'a b'
assert_rc 2 "a bad topic name"
sl serve --kafka 127.0.0.1:9 --node 0
assert_rc 2 "--node 0"
sl serve --kafka 127.0.0.1:9 --kafka-option no.such.property=1 --listen 127.0.0.1:0
assert_rc 1 "an unknown librdkafka property"
assert_contains "$ERR" "no.such.property" "the error names the property"
note "ok"
