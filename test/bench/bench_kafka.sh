#!/usr/bin/env bash
# Kafka on librdkafka's mock cluster (loopback), in the same run:
# 1. throughput: evfilter --from kafka:in --to kafka:out moving a topic,
#    next to `kcat -C | kcat -P` moving the same topic; both rates come from
#    the output messages' create timestamps (first to last), so the consumer
#    group's join (about 3 s on the mock, none for kcat -C) is not counted.
# 2. latency: single events, one every 50 ms, through three evfilter stages
#    chained by topics, with the low-latency settings (linger.ms=0,
#    fetch.wait.max.ms=2); end-to-end = the last topic's create timestamp
#    minus the first's, per event.
# Reproduce: make bench   (or: BUILD=build test/bench/bench_kafka.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${BENCH_KAFKA_EVENTS:-200000}
PARTS=16 # the mock keeps about 100,000 messages or 5 MiB per partition
LAT_EVENTS=${BENCH_KAFKA_LATENCY_EVENTS:-200}
export PATH="$PWD/$BUILD/bin:$PATH"
work=$(mktemp -d)
mock_pid=
stage_pids=()
cleanup() {
    for p in "${stage_pids[@]}" $mock_pid; do kill -TERM "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$BUILD/test/kafka-mock" --topic in:$PARTS --topic out:$PARTS --topic copy:$PARTS \
    --topic l0:1 --topic l1:1 --topic l2:1 --topic l3:1 > "$work/mock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 100); do [ -s "$work/mock.log" ] && break; sleep 0.05; done
B=$(head -1 "$work/mock.log")

count() { kcat -C -b "$B" -t "$1" -e -q -f 'x\n' 2>/dev/null | wc -l; }
wait_count() { # TOPIC N: bounded wait until TOPIC holds N messages
    for _ in $(seq 600); do [ "$(count "$1")" -ge "$2" ] && return 0; sleep 0.5; done
    echo "bench_kafka: $1 never reached $2 messages" >&2
    return 1
}
# Messages per second from the first to the last create timestamp of TOPIC.
rate() {
    kcat -C -b "$B" -t "$1" -e -q -f '%T\n' 2>/dev/null |
        awk 'NR == 1 || $1 < lo { lo = $1 } $1 > hi { hi = $1 } END { printf "%.0f", NR / ((hi - lo) / 1000) }'
}

awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
    printf "{\"subject\":\"host%d\",\"name\":\"check%d\",\"state\":\"ok\",\"severity\":%d,\"n\":%d}\n", i % 1000, i % 7, i % 3, i }' \
    > "$work/events"
paste -d '\t' <(awk -F'"' '{ printf "[\"%s\",\"%s\"]\n", $4, $8 }' "$work/events") "$work/events" |
    kcat -P -b "$B" -t in -K $'\t' -X partitioner=murmur2_random
echo "topic in: $(count in) events on $PARTS partitions"

kcat -C -b "$B" -t in -e -q | kcat -P -b "$B" -t copy -X linger.ms=5
kcat_rate=$(rate copy)

evfilter --from kafka:in --group bench --to kafka:out --brokers "$B" true 2> "$work/evfilter.err" &
stage_pids+=($!)
wait_count out "$N"
kill -TERM "${stage_pids[0]}"
wait "${stage_pids[0]}" || true
stage_pids=()
ev_rate=$(rate out)

low=(--brokers "$B" --kafka linger.ms=0 --kafka fetch.wait.max.ms=2)
for s in 0 1 2; do
    evfilter --from kafka:l$s --group lat$s --to kafka:l$((s + 1)) "${low[@]}" true 2>> "$work/latency.err" &
    stage_pids+=($!)
done
sleep 5 # the three group joins
for i in $(seq "$LAT_EVENTS"); do
    echo "{\"subject\":\"h\",\"name\":\"lat\",\"n\":$i}"
    sleep 0.05
done | kcat -P -b "$B" -t l0 -X linger.ms=0
wait_count l3 "$LAT_EVENTS"
join <(kcat -C -b "$B" -t l0 -e -q -f '%s %T\n' | sed 's/.*"n":\([0-9]*\)} /\1 /' | sort) \
    <(kcat -C -b "$B" -t l3 -e -q -f '%s %T\n' | sed 's/.*"n":\([0-9]*\)} /\1 /' | sort) |
    awk '{ print $3 - $2 }' | sort -n > "$work/latency"
p50=$(awk '{ a[NR] = $1 } END { print a[int(NR * 0.50)] }' "$work/latency")
p99=$(awk '{ a[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; print a[i] }' "$work/latency")
max=$(tail -1 "$work/latency")

ratio=$(awk -v a="$ev_rate" -v b="$kcat_rate" 'BEGIN { printf "%.2f", a / b }')
echo "| work | evfilter --from --to | kcat -C \\| kcat -P | evfilter / kcat |"
echo "|---|---|---|---|"
echo "| move $N events between topics of $PARTS partitions | $ev_rate events/s | $kcat_rate events/s | $ratio |"
echo
echo "latency through three evfilter stages ($LAT_EVENTS single events, linger.ms=0, fetch.wait.max.ms=2): p50 ${p50} ms, p99 ${p99} ms, max ${max} ms"
met() { awk -v v="$1" -v t="$2" "BEGIN { exit !(v $3 t) }" && echo met || echo "NOT met"; }
echo "targets (throughput >= 0.8 of kcat: $(met "$ratio" 0.8 '>='); p99 < 20 ms: $(met "$p99" 20 '<'))"
