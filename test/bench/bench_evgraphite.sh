#!/usr/bin/env bash
# evgraphite: datapoints per second into a loopback TCP sink that only counts
# lines, and into a real carbon-cache, next to peers doing the same work in
# the same run: a Python script (json.loads, format, sendall) and jq piped
# into bash's /dev/tcp.
# Reproduce: make bench   (or: BUILD=build test/bench/bench_evgraphite.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-build}
N=${BENCH_DATAPOINTS:-2000000}
M=${BENCH_CARBON_DATAPOINTS:-500000}
dir="$BUILD/bench/evgraphite"
mkdir -p "$dir"
evgraphite="$ROOT/$BUILD/bin/evgraphite"
source test/cli/carbon.bash

events="$dir/metrics-$N.ndjson"
[ -s "$events" ] || awk -v n="$N" 'BEGIN {
    for (i = 0; i < n; i++)
        printf "{\"time\":%d,\"type\":\"metric\",\"subject\":\"web%02d.dc%d.ex.net\",\"name\":\"cpu.core%d\",\"metric\":%d.%d}\n",
            1790000000 + int(i / 500), i % 50, i % 3, i % 10, i % 1000, i % 7
}' > "$events"
carbon_events="$dir/carbon-$M.ndjson"
now=$(date +%s)
awk -v n="$M" -v t="$now" 'BEGIN {
    for (i = 0; i < n; i++)
        printf "{\"time\":%d,\"subject\":\"host%03d\",\"name\":\"m\",\"metric\":%d}\n", t - int(i / 1000), i % 1000, i
}' > "$carbon_events"

cat > "$dir/sink.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
conn, _ = s.accept()
n = 0
while True:
    b = conn.recv(1 << 20)
    if not b:
        break
    n += b.count(b"\n")
print(n)
PY
cat > "$dir/peer.py" <<'PY'
import json, socket, sys
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port))
out = []
size = 0
with open(sys.argv[2]) as f:
    for line in f:
        e = json.loads(line)
        out.append("%s.%s %r %d\n" % (e["subject"].replace(".", "_"), e["name"], e["metric"], int(e["time"])))
        if len(out) >= 5000:
            s.sendall("".join(out).encode())
            out = []
s.sendall("".join(out).encode())
s.close()
PY
jq_program='"\(.subject | gsub("\\."; "_")).\(.name) \(.metric) \(.time | floor)"'

# Runs the command (PORT substituted) against a fresh counting sink; prints
# "wall-seconds cpu-seconds lines" (CPU: user + system of the sender).
into_sink() {
    rm -f "$dir/port"
    python3 "$dir/sink.py" "$dir/port" > "$dir/count" &
    local sink=$! i
    for i in $(seq 1 200); do [ -s "$dir/port" ] && break; sleep 0.05; done
    local port start end cpu
    port=$(cat "$dir/port")
    start=$(date +%s.%N)
    cpu=$( { TIMEFORMAT='%U %S'; time eval "${1//PORT/$port}" > /dev/null; } 2>&1 | tail -1)
    wait "$sink"
    end=$(date +%s.%N)
    echo "$(awk -v a="$start" -v b="$end" -v c="$cpu" "BEGIN { split(c, x, \" \"); print b - a, x[1] + x[2] }") $(cat "$dir/count")"
}

# Runs the command against carbon; prints seconds until the sender is done.
into_carbon() {
    local start end
    start=$(date +%s.%N)
    eval "${1//PORT/$cport}"
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" "BEGIN { print b - a }"
}

# jq is far slower: it gets the first tenth of the events.
J=$((N / 10))
head -n "$J" "$events" > "$dir/jq-events.ndjson"
echo "sink: $N datapoints ($(stat -c %s "$events") bytes of events); jq: $J"
ev=$(into_sink "$evgraphite -d 127.0.0.1:PORT $events 2> $dir/ev.err")
py=$(into_sink "python3 $dir/peer.py PORT $events")
jqr=$(into_sink "jq -r '$jq_program' $dir/jq-events.ndjson > /dev/tcp/127.0.0.1/PORT")
for r in "$ev" "$py"; do
    [ "${r##* }" = "$N" ] || { echo "a sender delivered ${r##* } of $N lines"; exit 1; }
done
[ "${jqr##* }" = "$J" ] || { echo "jq delivered ${jqr##* } of $J lines"; exit 1; }
# The peers must send the same lines as evgraphite (checked on 1000 events).
head -n 1000 "$events" > "$dir/check.ndjson"
a=$("$evgraphite" -n "$dir/check.ndjson" | cut -d' ' -f2- | md5sum)
b=$(jq -r "$jq_program" "$dir/check.ndjson" | md5sum)
[ "$a" = "$b" ] || { echo "evgraphite and jq disagree on the lines"; exit 1; }

carbon_dir=$(mktemp -d)
trap 'carbon_stop "$carbon_dir"; rm -rf "$carbon_dir"' EXIT
carbon_setup "$carbon_dir"
carbon_start "$carbon_dir"
cport=$(carbon_port "$carbon_dir")
echo "carbon-cache: $M datapoints over 1000 series"
evc=$(into_carbon "$evgraphite -d 127.0.0.1:PORT --prefix ev $carbon_events 2> $dir/evc.err")
pyc_events="$dir/carbon-peer.ndjson"
sed 's/"subject":"host/"subject":"py.host/' "$carbon_events" > "$pyc_events"
pyc=$(into_carbon "python3 $dir/peer.py PORT $pyc_events")
grep -q "delivered $M," "$dir/evc.err" || { echo "evgraphite did not deliver all to carbon"; cat "$dir/evc.err"; exit 1; }

# A carbon that cuts the connection every ~200 KB, against one that never
# does: seconds until evgraphite is done, and the distinct lines that arrived.
F=${BENCH_FLAKY_DATAPOINTS:-500000}
flaky_events="$dir/flaky-$F.ndjson"
head -n "$F" "$carbon_events" > "$flaky_events" 2>/dev/null || true
[ "$(wc -l < "$flaky_events")" = "$F" ] || awk -v n="$F" -v t="$now" 'BEGIN {
    for (i = 0; i < n; i++)
        printf "{\"time\":%d,\"subject\":\"host%03d\",\"name\":\"m\",\"metric\":%d}\n", t - int(i / 1000), i % 1000, i
}' > "$flaky_events"
into_flaky() {  # LIMIT MODE: prints "seconds distinct connections"
    rm -f "$dir/fport"
    python3 test/fixtures/graphite/flaky_carbon.py "$dir/fport" "$1" "$2" > "$dir/fstats" &
    local fake=$! i start end
    for i in $(seq 1 200); do [ -s "$dir/fport" ] && break; sleep 0.05; done
    start=$(date +%s.%N)
    "$evgraphite" -d "127.0.0.1:$(cat "$dir/fport")" --drain-timeout 120s "$flaky_events" 2> "$dir/flaky.err"
    end=$(date +%s.%N)
    sleep 0.3
    kill -TERM "$fake"
    wait "$fake" || true
    read -r _ _ _ distinct _ connections < "$dir/fstats"
    awk -v a="$start" -v b="$end" -v d="$distinct" -v c="$connections" 'BEGIN { print b - a, d, c }'
}
steady=$(into_flaky 1000000000000 clean)
cut_clean=$(into_flaky 200000 clean)
cut_reset=$(into_flaky 200000 reset)
python3 - "$F" "$steady" "$cut_clean" "$cut_reset" <<'PY'
import sys
f = int(sys.argv[1])
runs = [tuple(float(x) for x in a.split()) for a in sys.argv[2:]]
steady = runs[0][0]
print()
print(f"| carbon cutting connections every 200 KB ({f:,} datapoints) | seconds | distinct lines arrived | connections | rate / steady link |")
print("|---|---|---|---|---|")
for label, (t, d, c) in zip(["steady link", "cut, orderly close", "cut, reset with data queued"], runs):
    print(f"| {label} | {t:.2f} | {int(d):,} | {int(c)} | {steady / t:.2f} |")
ok = runs[1][1] == f and steady / runs[1][0] >= 0.95
print("target (orderly cuts: everything arrives at >= 95% of the steady-link rate):", "met" if ok else "NOT met")
PY

read -r ev_wall ev_cpu _ <<< "$ev"
read -r py_wall py_cpu _ <<< "$py"
read -r jq_wall jq_cpu _ <<< "$jqr"
python3 - "$N" "$M" "$J" "$ev_wall" "$ev_cpu" "$py_wall" "$py_cpu" "$jq_wall" "$jq_cpu" "$evc" "$pyc" <<'PY'
import sys
n, m, j = map(int, sys.argv[1:4])
ev, evcpu, py, pycpu, jq, jqcpu, evc, pyc = map(float, sys.argv[4:])
def rate(k, t):
    return f"{k / t / 1e6:.2f} M/s" if k / t >= 1e6 else f"{k / t / 1e3:.0f} k/s"
print("| into | evgraphite | python peer | jq + /dev/tcp | evgraphite / python |")
print("|---|---|---|---|---|")
print(f"| counting TCP sink, wall ({n:,} datapoints; jq {j:,}) | {ev:.2f} s ({rate(n, ev)}) | {py:.2f} s ({rate(n, py)}) | "
      f"{jq:.2f} s ({rate(j, jq)}) | {py / ev:.1f}x |")
print(f"| counting TCP sink, CPU of the sender | {evcpu:.2f} s ({rate(n, evcpu)}) | {pycpu:.2f} s ({rate(n, pycpu)}) | "
      f"{jqcpu:.2f} s ({rate(j, jqcpu)}) | {pycpu / evcpu:.1f}x |")
print(f"| carbon-cache 1.1.7, wall ({m:,} datapoints, 1000 series) | {evc:.2f} s ({rate(m, evc)}) | {pyc:.2f} s ({rate(m, pyc)}) | - | "
      f"{pyc / evc:.1f}x |")
print("target (>= 1,000,000 datapoints/s into the sink, wall):", "met" if n / ev >= 1e6 else "NOT met")
PY
