# Helpers for evrpc tests (load after helpers and kafka): a mock cluster
# with the three topics, the caller key "op", agents as real processes, and
# hand-made requests (evrpc seal) for the security tests.
#
#   rpc_setup                    cluster + $RPC/op.key; sets RPC, OP_FP
#   rpc_agent NAME [LINE...]     starts agent NAME (host NAME.example) with
#                                extra agent.conf LINEs; its files are in
#                                $RPC/NAME (facts, classes, policy, actions/,
#                                decisions.log); waits for its registration;
#                                $RPC/NAME/id holds its agent id
#   rpc_stop_agent NAME          SIGTERM, bounded wait
#   rpc_teardown                 stops every agent and the cluster
#   rpc_body [JQ-EXPR]           a request body from op (ping, ttl 60, now),
#                                changed by JQ-EXPR
#   rpc_send KEYFILE             seals stdin's bodies with KEYFILE, produces them
#   rpc_replies ID [N]           the verified reply bodies to request ID
#                                (waits, bounded, until N are there); every
#                                reply is in $RPC/evrpc.replies.log, every
#                                registration in $RPC/evrpc.registrations.log
#   rpc_decision NAME ID         agent NAME's decision lines about ID (waits, bounded)

rpc_setup() {
    RPC="$BATS_TEST_TMPDIR/rpc"
    mkdir -p "$RPC"
    kafka_start "$RPC/cluster" --topic evrpc.requests:3 --topic evrpc.replies:3 --topic evrpc.registrations:1
    # Followers of the reply and registration topics, so waiting for a
    # message is a grep, not a new consumer each time.
    local topic
    for topic in evrpc.replies evrpc.registrations; do
        kcat -C -u -q -b "$BROKERS" -t "$topic" -o beginning > "$RPC/$topic.log" 2>/dev/null 3>&- 5>&- &
        echo $! > "$RPC/$topic.pid"
    done
    evrpc keygen "$RPC/op.key" > "$RPC/op.fp"
    OP_FP=$(cut -d' ' -f1 "$RPC/op.fp")
    export RPC OP_FP
}

rpc_agent() {
    local name=$1
    shift
    local dir="$RPC/$name"
    mkdir -p "$dir/actions"
    [ -e "$dir/authorized_keys" ] || cp "$RPC/op.key.pub" "$dir/authorized_keys"
    [ -e "$dir/policy" ] || echo 'allow op *' > "$dir/policy"
    [ -e "$dir/facts" ] || echo "role=test" > "$dir/facts"
    [ -e "$dir/classes" ] || : > "$dir/classes"
    {
        echo "state_dir = state"
        echo "host = $name.example"
        echo "authorized_keys = authorized_keys"
        echo "policy = policy"
        echo "facts = facts"
        echo "classes = classes"
        echo "actions = actions"
        echo "decision_log = decisions.log"
        echo "register_interval = 30s"
        echo "kafka.fetch.wait.max.ms = 20"
        local line
        for line in "$@"; do echo "$line"; done
    } > "$dir/agent.conf"
    evrpc agent --config "$dir/agent.conf" --check > "$dir/id.line" || return 1
    cut -d' ' -f1 "$dir/id.line" > "$dir/id"
    local before
    before=$(grep -c "\"subject\":\"$name.example\"" "$RPC/evrpc.registrations.log" || true)
    evrpc agent --config "$dir/agent.conf" > "$dir/stdout" 2> "$dir/stderr" 3>&- 5>&- &
    echo $! > "$dir/pid"
    local i
    for i in $(seq 100); do
        [ "$(grep -c "\"subject\":\"$name.example\"" "$RPC/evrpc.registrations.log")" -gt "$before" ] && return 0
        kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
        sleep 0.05
    done
    cat "$dir/stderr" >&2
    return 1
}

rpc_stop_agent() {
    local pid
    pid=$(cat "$RPC/$1/pid" 2>/dev/null) || return 0
    rpc_stop_pids "$pid"
}

# rpc_stop_pids PID...: SIGTERM to all at once, then a bounded wait for all.
rpc_stop_pids() {
    local pid i left
    kill -TERM "$@" 2>/dev/null || true
    for i in $(seq 100); do
        left=0
        for pid in "$@"; do
            kill -0 "$pid" 2>/dev/null && left=1
        done
        [ "$left" -eq 0 ] && return 0
        sleep 0.05
    done
    kill -KILL "$@" 2>/dev/null || true
}

rpc_teardown() {
    [ -n "${RPC:-}" ] || return 0
    # The agents first, while the cluster still takes what they flush on
    # the way out (stopped after it, each waited for its flush timeout).
    local pidfile agents=()
    for pidfile in "$RPC"/*/pid; do
        [ -e "$pidfile" ] && [ "$pidfile" != "$RPC/cluster/pid" ] && agents+=("$(cat "$pidfile")")
    done
    [ "${#agents[@]}" -eq 0 ] || rpc_stop_pids "${agents[@]}"
    for pidfile in "$RPC"/*.pid; do
        [ -e "$pidfile" ] || continue
        kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
    done
    kafka_stop "$RPC/cluster"
}

rpc_next_id=0
rpc_body() {
    rpc_next_id=$((rpc_next_id + 1))
    jq -nc --arg id "T$(date +%s%N)x$rpc_next_id" --arg fp "$OP_FP" --argjson now "$(date +%s.%N)" \
        '{type: "rpc.request", id: $id, time: $now, ttl: 60, caller: $fp, agent: "rpcutil", action: "ping",
          inputs: {}, filter: {}, reply_to: "evrpc.replies"} | '"${1:-.}"
}

rpc_send() {
    evrpc seal --key "$1" | kcat -P -b "$BROKERS" -t evrpc.requests
}

rpc_replies() {
    local id=$1 want=${2:-}
    local i
    if [ -n "$want" ]; then
        for i in $(seq 200); do
            [ "$(grep -cF "$id" "$RPC/evrpc.replies.log")" -ge "$want" ] && break
            sleep 0.05
        done
    fi
    grep -F "$id" "$RPC/evrpc.replies.log" | evrpc verify | cut -d' ' -f2-
}

rpc_decision() {
    local file="$RPC/$1/decisions.log" id=$2
    local i
    for i in $(seq 200); do
        grep -qF "\"request\":\"$id\"" "$file" 2>/dev/null && break
        sleep 0.05
    done
    grep -F "\"request\":\"$id\"" "$file"
}
