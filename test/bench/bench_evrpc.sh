#!/usr/bin/env bash
# evrpc ping round trip, collated, for 1,000 and 10,000 agent identities on
# librdkafka's mock cluster (loopback), in the same run as a peer:
# - the agent runs in its benchmark mode (evrpc agent --bench-identities N,
#   docs/rpc.md "Benchmark mode"): N identities in one process, each with its
#   own key and host name, each testing the filter and policy, signing its
#   reply and registering (the request is verified once per process);
# - "ping": `evrpc ping --json` end to end (process start, discovery from the
#   N registrations, one signed request, N signed replies verified, pinned
#   and written as events), wall time;
# - "direct": the same with the N agent ids given as --nodes (direct
#   addressing, no registration read);
# - the peer: kcat reading the same N replies off the reply topic (-e), the
#   transport's floor for moving them; the ratio is ping / kcat.
# Targets (issue 15): under 1 s for 1,000, under 3 s for 10,000.
# Reproduce: make bench   (or: BUILD=build test/bench/bench_evrpc.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SIZES=${BENCH_EVRPC_SIZES:-1000 10000}
export PATH="$PWD/$BUILD/bin:$PATH"
work=$(mktemp -d)
mock_pid=
agent_pid=
cleanup() {
    for p in $agent_pid $mock_pid; do kill -TERM "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
count() { kcat -C -b "$B" -t "$1" -e -q -f 'x\n' 2>/dev/null | wc -l; }

evrpc keygen "$work/op.key" > /dev/null
export EVRPC_KEY="$work/op.key" XDG_STATE_HOME="$work/client-state"
mkdir -p "$work/agent"
cp "$work/op.key.pub" "$work/agent/authorized_keys"
echo 'allow op *' > "$work/agent/policy"
cat > "$work/agent/agent.conf" <<CONF
state_dir = state
host = bench.example
authorized_keys = authorized_keys
policy = policy
decision_log = decisions.log
register_interval = 10m
kafka.fetch.wait.max.ms = 10
kafka.linger.ms = 1
CONF

for n in $SIZES; do
    # A fresh cluster per size: the mock keeps about 5 MiB per partition.
    "$BUILD/test/kafka-mock" --topic evrpc.requests:1 --topic evrpc.replies:16 --topic evrpc.registrations:16 \
        > "$work/mock.log" 2>&1 &
    mock_pid=$!
    for _ in $(seq 100); do [ -s "$work/mock.log" ] && break; sleep 0.05; done
    B=$(head -1 "$work/mock.log")
    export EVKIT_BROKERS=$B
    rm -rf "$work/agent/state" "$work/client-state"
    evrpc agent --config "$work/agent/agent.conf" --bench-identities "$n" > /dev/null 2> "$work/agent.err" &
    agent_pid=$!
    for _ in $(seq 600); do [ "$(count evrpc.registrations)" -ge "$n" ] && break; sleep 0.2; done
    [ "$(count evrpc.registrations)" -ge "$n" ] || { echo "bench_evrpc: $n registrations never arrived" >&2; exit 1; }
    # a warm-up call pins the keys (a first run also writes known_agents)
    evrpc ping --timeout 60s < /dev/null > /dev/null 2> "$work/client.err"
    t0=$(now)
    evrpc ping --timeout 60s < /dev/null > "$work/ping.out" 2>> "$work/client.err"
    t1=$(now)
    replies=$(grep -c '"state":"ok"' "$work/ping.out" || true)
    kcat -C -b "$B" -t evrpc.registrations -e -q 2>/dev/null | jq -r .data.agent_id | sort -u > "$work/ids"
    t2=$(now)
    evrpc ping --nodes "$work/ids" --timeout 60s < /dev/null > "$work/direct.out" 2>> "$work/client.err"
    t3=$(now)
    direct=$(grep -c '"state":"ok"' "$work/direct.out" || true)
    t4=$(now)
    got=$(kcat -C -b "$B" -t evrpc.replies -e -q -c "$n" -f 'x\n' 2>/dev/null | wc -l)
    t5=$(now)
    awk -v n="$n" -v r="$replies" -v d="$direct" -v g="$got" \
        -v ping="$(echo "$t1 - $t0" | bc)" -v dir="$(echo "$t3 - $t2" | bc)" -v kc="$(echo "$t5 - $t4" | bc)" \
        'BEGIN { printf "evrpc ping, %d identities: %.3f s (%d replies ok); direct --nodes: %.3f s (%d ok); kcat reading the %d replies: %.3f s; ratio ping/kcat %.2fx\n", n, ping, r, dir, d, g, kc, ping / kc }'
    kill -TERM "$agent_pid" "$mock_pid" 2>/dev/null || true
    wait "$agent_pid" "$mock_pid" 2>/dev/null || true
    agent_pid= mock_pid=
done
