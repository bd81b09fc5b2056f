# Helpers for tests that need Kafka: librdkafka's mock cluster on loopback
# (test/kafka/kafka_mock.cpp, built as $BUILD/test/kafka-mock) and kcat.
#
#   kafka_start DIR [ARGS...]  starts the cluster (ARGS: --brokers N,
#                              --topic NAME:PARTITIONS); sets BROKERS and
#                              exports EVKIT_BROKERS; DIR/control takes
#                              commands (see kafka_cmd), DIR/log its answers
#   kafka_cmd DIR CMD...       one command: topic NAME N, down ID, up ID,
#                              rtt ID MS, error API_KEY CODE COUNT
#   kafka_stop DIR             SIGTERM, bounded wait
#   kafka_produce TOPIC [ARGS] kcat producer of stdin's lines, keyed as evkit
#                              keys (the line's ["subject","name"]), with the
#                              partitioner evkit uses; ARGS go to kcat
#   kafka_consume TOPIC [N]    every message of TOPIC, "PARTITION KEY VALUE"
#                              lines, partition by partition; with N, waits
#                              (bounded) until N messages are there
#   kafka_count TOPIC          how many messages TOPIC holds

KAFKA_MOCK="$EVKIT_ROOT/${BUILD:-build}/test/kafka-mock"

kafka_start() {
    local dir=$1
    shift
    mkdir -p "$dir"
    "$KAFKA_MOCK" --control "$dir/control" "$@" > "$dir/log" 2>&1 3>&- 5>&- &
    echo $! > "$dir/pid"
    local i
    for i in $(seq 100); do
        [ -s "$dir/log" ] && break
        sleep 0.05
    done
    BROKERS=$(head -1 "$dir/log")
    export BROKERS EVKIT_BROKERS="$BROKERS"
    [[ $BROKERS == 127.0.0.1:* ]]
}

kafka_cmd() {
    local dir=$1
    shift
    local before
    before=$(wc -l < "$dir/log")
    echo "$*" > "$dir/control"
    local i
    for i in $(seq 100); do
        [ "$(wc -l < "$dir/log")" -gt "$before" ] && break
        sleep 0.05
    done
    [ "$(tail -1 "$dir/log")" = ok ]
}

kafka_stop() {
    local dir=$1 pid
    pid=$(cat "$dir/pid" 2>/dev/null) || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    local i
    for i in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
}

kafka_produce() {
    local lines
    lines=$(mktemp)
    cat > "$lines"
    local topic=$1
    shift
    paste <(jq -c '[.subject, .name]' < "$lines") "$lines" |
        kcat -P -b "$BROKERS" -t "$topic" -K $'\t' -X partitioner=murmur2_random "$@"
    rm -f "$lines"
}

kafka_count() {
    kcat -C -b "$BROKERS" -t "$1" -e -q -f 'x\n' 2>/dev/null | wc -l
}

kafka_consume() {
    local topic=$1 want=${2:-}
    if [ -n "$want" ]; then
        local i
        for i in $(seq 200); do
            [ "$(kafka_count "$topic")" -ge "$want" ] && break
            sleep 0.1
        done
    fi
    kcat -C -b "$BROKERS" -t "$topic" -e -q -f '%p %k %s\n'
}
