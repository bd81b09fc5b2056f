#!/usr/bin/env bash
# The Kafka demo (`make demo-kafka`): the demo pipeline with topics between
# its stages, on librdkafka's mock cluster on loopback (test/kafka/kafka_mock.cpp).
#
#   evsrc-nagios run -> events -> evfilter x2 (one group) -> statuses
#                    -> evstatus -> status -> evroute -> alerts.ndjson, statuses.ndjson
#
# Real monitoring-plugins checks; the "httpd" check watches a port this
# script opens and closes, so alerts flow. Runs DEMO_SECONDS (default 20,
# of which the first few are the consumer groups' joins), then stops the
# stages in pipeline order and prints each topic's message count, each
# group's lag and the routed files' line counts. Every process it starts is
# stopped; DEMO_DIR keeps the files.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
BIN="$ROOT/$BUILD/bin"
MOCK="$ROOT/$BUILD/test/kafka-mock"
DEMO_SECONDS=${DEMO_SECONDS:-20}
PLUGINS=${PLUGINS:-/usr/lib/nagios/plugins}

say() { printf 'demo-kafka: %s\n' "$*" >&2; }
fail() {
    say "FAILED: $*"
    exit 1
}

for tool in evsrc-nagios evfilter evstatus evroute; do
    [ -x "$BIN/$tool" ] || fail "$BIN/$tool is not built (run make build)"
done
[ -x "$MOCK" ] || fail "$MOCK is not built (make $BUILD/test/kafka-mock)"
command -v kcat > /dev/null || fail "kcat is missing (apt-get install kcat)"
[[ "$DEMO_SECONDS" =~ ^[0-9]+$ ]] && [ "$DEMO_SECONDS" -ge 15 ] || fail "DEMO_SECONDS must be a whole number >= 15"

if [ -n "${DEMO_DIR:-}" ]; then
    work=$DEMO_DIR
    mkdir -p "$work"
    keep=1
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/evkit-demo-kafka.XXXXXX")
    keep=0
fi

pids=()
listener=""
mock=""
cleanup() {
    local pid
    for pid in "${pids[@]}" $listener $mock; do
        kill "$pid" 2> /dev/null || true
    done
    for pid in "${pids[@]}" $listener $mock; do
        wait "$pid" 2> /dev/null || true
    done
    [ "$keep" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$MOCK" --brokers 3 --topic events:4 --topic statuses:4 --topic status:4 --control "$work/control" \
    > "$work/mock.log" 2> "$work/mock.err" &
mock=$!
for _ in $(seq 100); do [ -s "$work/mock.log" ] && break; sleep 0.05; done
export EVKIT_BROKERS
EVKIT_BROKERS=$(head -1 "$work/mock.log")
[[ $EVKIT_BROKERS == 127.0.0.1:* ]] || fail "the mock cluster did not start (see $work/mock.err)"
say "mock cluster of 3 brokers at $EVKIT_BROKERS; work directory $work"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_listener() {
    python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
while True:
    s.accept()[0].close()
' "$port" &
    listener=$!
}
stop_listener() {
    kill "$listener" 2> /dev/null || true
    wait "$listener" 2> /dev/null || true
    listener=""
}

cat > "$work/checks.conf" <<CONF
httpd 1s timeout=3s subject=demo-web1 -- $PLUGINS/check_tcp -H 127.0.0.1 -p $port -t 2
load 2s -- $PLUGINS/check_load -w 50,40,30 -c 100,80,60
disk_root 5s -- $PLUGINS/check_disk -w 5% -c 2% -p /
procs 5s -- $PLUGINS/check_procs -w 2000 -c 5000
CONF
cat > "$work/demo.rules" <<RULES
rule alerts when type == "alert" -> file $work/alerts.ndjson
rule statuses when type == "status" -> file $work/statuses.ndjson
RULES

# Low-latency settings for an interactive demo (docs/kafka.md).
low=(--kafka linger.ms=0 --kafka fetch.wait.max.ms=10 --kafka session.timeout.ms=6000)
start_listener
"$BIN/evroute" "$work/demo.rules" --from kafka:status --group demo-route --unmatched drop "${low[@]}" \
    2> "$work/evroute.err" &
route=$!
"$BIN/evstatus" --from kafka:statuses --group demo-status --to kafka:status --state "$work/state.json" "${low[@]}" \
    2> "$work/evstatus.err" &
status=$!
"$BIN/evfilter" --from kafka:events --group demo-filter --to kafka:statuses "${low[@]}" 'type == "status"' \
    2> "$work/evfilter1.err" &
filter1=$!
"$BIN/evfilter" --from kafka:events --group demo-filter --to kafka:statuses "${low[@]}" 'type == "status"' \
    2> "$work/evfilter2.err" &
filter2=$!
"$BIN/evsrc-nagios" run "$work/checks.conf" --to kafka:events "${low[@]}" 2> "$work/evsrc-nagios.err" &
src=$!
pids+=("$route" "$status" "$filter1" "$filter2" "$src")

for ((t = 1; t <= DEMO_SECONDS; t++)); do
    sleep 1
    for name in src filter1 filter2 status route; do
        kill -0 "${!name}" 2> /dev/null || fail "the $name stage stopped early; see $work/*.err"
    done
    if [ "$t" -eq $((DEMO_SECONDS * 40 / 100)) ]; then
        say "t=${t}s: closing port $port (httpd goes down)"
        stop_listener
    elif [ "$t" -eq $((DEMO_SECONDS * 70 / 100)) ]; then
        say "t=${t}s: opening port $port again (httpd comes back)"
        start_listener
    fi
done

# Stop in pipeline order, each after the one before it, letting each stage
# catch up with its topic first (a second without new output).
say "stopping"
stop() {
    local name=$1 pid=${!1} rc=0
    kill -TERM "$pid"
    timeout 15 tail --pid="$pid" -f /dev/null || fail "$name did not stop"
    wait "$pid" || rc=$?
    [ "$rc" -eq 0 ] || fail "$name exited with status $rc; see $work/*.err"
}
count() { kcat -C -b "$EVKIT_BROKERS" -t "$1" -e -q -f 'x\n' 2> /dev/null | wc -l; }
settle() {
    local topic=$1 last=-1 now
    for _ in $(seq 20); do
        now=$(count "$topic")
        [ "$now" = "$last" ] && return 0
        last=$now
        sleep 1
    done
}
stop src
settle events
settle statuses
stop filter1
stop filter2
settle status
stop status
sleep 2
stop route
pids=()

lag() {
    local before
    before=$(wc -l < "$work/mock.log")
    echo "lag $1 $2" > "$work/control"
    for _ in $(seq 100); do
        tail -n +"$((before + 1))" "$work/mock.log" | grep -qx 'ok\|error:.*' && break
        sleep 0.1
    done
    tail -n +"$((before + 1))" "$work/mock.log" | awk '$1 != "ok" { sum += $7 } END { print sum + 0 }'
}
echo
printf '%-10s %8s   %-14s %s\n' topic messages "read by" "lag after stop"
printf '%-10s %8s   %-14s %s\n' events "$(count events)" demo-filter "$(lag demo-filter events)"
printf '%-10s %8s   %-14s %s\n' statuses "$(count statuses)" demo-status "$(lag demo-status statuses)"
printf '%-10s %8s   %-14s %s\n' status "$(count status)" demo-route "$(lag demo-route status)"
echo
echo "routed: $(wc -l < "$work/statuses.ndjson" 2> /dev/null || echo 0) statuses, $(wc -l < "$work/alerts.ndjson" 2> /dev/null || echo 0) alerts"
sed -n 's/^evroute: //p' "$work/evroute.err"
[ -s "$work/alerts.ndjson" ] || fail "no alert reached the end of the pipeline"
say "done"
