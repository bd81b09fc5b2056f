#!/usr/bin/env bash
# evbatch: group mode throughput against awk and jq grouping the same input,
# and each mode starting 1,000 trivial actions at concurrency 16 against
# xargs -P16 running the same command, all in the same run.
# Reproduce: make bench   (or: BUILD=build test/bench/bench_evbatch.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${BENCH_EVENTS:-1000000}
ACTIONS=${BENCH_ACTIONS:-1000}
dir="$BUILD/bench"
mkdir -p "$dir"
corpus="$dir/corpus-$N.ndjson"
[ -s "$corpus" ] || python3 test/bench/gen_corpus.py "$N" > "$corpus"
evbatch="$BUILD/bin/evbatch"
bytes=$(stat -c %s "$corpus")
echo "corpus: $N events, $bytes bytes; statuses among them: $(grep -c '"type":"status"' "$corpus")"

# --- group mode ------------------------------------------------------------
# Every tool must find the same groups (name/state of the non-ok statuses)
# before any timing means anything.
awk_prog='match($0, /"state":"[a-z]+"/) { st = substr($0, RSTART + 9, RLENGTH - 10)
    if (st != "ok" && match($0, /"name":"[^"]*"/)) g[substr($0, RSTART + 8, RLENGTH - 9) "/" st]++ }
    END { for (k in g) print k }'
jq_prog='reduce (inputs | select(.state and .state != "ok")) as $e ({}; .[$e.name + "/" + $e.state] += 1) | keys[]'
a=$("$evbatch" group --clock event "$corpus" | jq -r .subject | sort -u | md5sum)
b=$(awk "$awk_prog" "$corpus" | sort | md5sum)
c=$(jq -nr "$jq_prog" "$corpus" | sort | md5sum)
[ "$a" = "$b" ] && [ "$a" = "$c" ] || { echo "evbatch, awk and jq disagree on the groups"; exit 1; }

hyperfine --style basic --warmup 1 --runs "${BENCH_RUNS:-5}" --export-json "$dir/batch-group.json" \
    -n evbatch "$evbatch group --clock event $corpus > /dev/null" \
    -n awk "awk '$awk_prog' $corpus > /dev/null" > /dev/null
hyperfine --style basic --runs 1 --export-json "$dir/batch-group-jq.json" \
    -n jq "jq -nr '$jq_prog' $corpus > /dev/null" > /dev/null
cpu() { { /usr/bin/time -f '%U %S' "$@" > /dev/null; } 2>&1 | tail -1 | awk '{print $1 + $2}'; }
group_cpu=$(cpu "$evbatch" group --clock event "$corpus")
awk_cpu=$(cpu awk "$awk_prog" "$corpus")
# The harder case: every event a status (the corpus's statuses, repeated to N lines).
statuses="$dir/statuses-$N.ndjson"
if [ ! -s "$statuses" ]; then
    grep '"type":"status"' "$corpus" > "$dir/statuses-once.ndjson"
    : > "$statuses"
    while [ "$(wc -l < "$statuses")" -lt "$N" ]; do cat "$dir/statuses-once.ndjson" >> "$statuses"; done
    head -n "$N" "$statuses" > "$statuses.tmp" && mv "$statuses.tmp" "$statuses"
    rm -f "$dir/statuses-once.ndjson"
fi
hyperfine --style basic --warmup 1 --runs "${BENCH_RUNS:-5}" --export-json "$dir/batch-group-status.json" \
    -n evbatch "$evbatch group --clock event $statuses > /dev/null" \
    -n awk "awk '$awk_prog' $statuses > /dev/null" > /dev/null
status_cpu=$(cpu "$evbatch" group --clock event "$statuses")

# --- each mode -------------------------------------------------------------
actions="$dir/actions-$ACTIONS.ndjson"
seq 1 "$ACTIONS" | awk '{printf "{\"id\":\"a%d\",\"subject\":\"host%d\"}\n", $1, $1}' > "$actions"
hosts="$dir/actions-$ACTIONS.txt"
seq 1 "$ACTIONS" | awk '{print "host" $1}' > "$hosts"
[ "$("$evbatch" each -c 16 "$actions" -- true {subject} | grep -c '"state":"ok"')" = "$ACTIONS" ] ||
    { echo "evbatch each did not run every action"; exit 1; }
hyperfine --style basic --warmup 1 --runs "${BENCH_RUNS:-5}" --export-json "$dir/batch-each.json" \
    -n evbatch "$evbatch each -c 16 $actions -- true {subject} > /dev/null" \
    -n xargs "xargs -P16 -n1 true < $hosts" > /dev/null
# The scheduler's own CPU time, without the actions': read from the exited
# (not yet reaped) process's /proc/PID/stat.
own_cpu() {
    python3 -c '
import os, subprocess, sys
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
f = open("/proc/%d/stat" % p.pid).read().rsplit(")", 1)[1].split()
print((int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK"))
p.wait()' "$@"
}
each_cpu=$(own_cpu "$evbatch" each -c 16 "$actions" -- true {subject})
xargs_cpu=$(own_cpu xargs -a "$hosts" -P16 -n1 true)

python3 - "$dir" "$N" "$ACTIONS" "$group_cpu" "$each_cpu" "$xargs_cpu" "$awk_cpu" "$status_cpu" <<'PY'
import json, sys
d, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
group_cpu, each_cpu, xargs_cpu, awk_cpu, status_cpu = map(float, sys.argv[4:9])
s = {r["command"]: r["mean"] for r in json.load(open(f"{d}/batch-group-status.json"))["results"]}
g = {r["command"]: r["mean"] for f in ("batch-group.json", "batch-group-jq.json")
     for r in json.load(open(f"{d}/{f}"))["results"]}
e = {r["command"]: r["mean"] for r in json.load(open(f"{d}/batch-each.json"))["results"]}
def eps(t): return f"{n / t / 1e6:.2f} M events/s"
print("| work | evbatch | awk | jq | evbatch / awk | evbatch / jq |")
print("|---|---|---|---|---|---|")
print(f"| group {n} events by name,state (event time) | {g['evbatch']:.3f} s ({eps(g['evbatch'])}) | "
      f"{g['awk']:.3f} s ({eps(g['awk'])}) | {g['jq']:.3f} s ({eps(g['jq'])}) | "
      f"{g['awk'] / g['evbatch']:.1f}x | {g['jq'] / g['evbatch']:.1f}x |")
print(f"| group {n} status events (every one grouped) | {s['evbatch']:.3f} s ({eps(s['evbatch'])}) | "
      f"{s['awk']:.3f} s ({eps(s['awk'])}) | - | {s['awk'] / s['evbatch']:.1f}x | - |")
print(f"\nCPU time (user+sys), free of the machine's load: evbatch {group_cpu:.2f} s "
      f"({n / max(group_cpu, 1e-9) / 1e6:.2f} M events per CPU second), awk {awk_cpu:.2f} s "
      f"({n / max(awk_cpu, 1e-9) / 1e6:.2f} M); all statuses: evbatch {status_cpu:.2f} s "
      f"({n / max(status_cpu, 1e-9) / 1e6:.2f} M events per CPU second)")
print()
print("| work | evbatch each -c 16 | xargs -P16 | evbatch / xargs |")
print("|---|---|---|---|")
print(f"| {k} x `true {{subject}}` | {e['evbatch']:.3f} s ({k / e['evbatch']:.0f} actions/s) | "
      f"{e['xargs']:.3f} s ({k / e['xargs']:.0f} actions/s) | {e['xargs'] / e['evbatch']:.2f} |")
print(f"\nwall time per action: evbatch {e['evbatch'] / k * 1e6:.0f} us, xargs {e['xargs'] / k * 1e6:.0f} us; "
      f"scheduling overhead per action (the scheduler's own CPU, spawn + pipes + result event): "
      f"evbatch {each_cpu / k * 1e6:.0f} us, xargs {xargs_cpu / k * 1e6:.0f} us")
print("target (group >= 1,000,000 events/s):",
      "met (wall)" if n / g["evbatch"] >= 1e6 else
      ("met per CPU second, NOT in wall time on this shared machine" if n / group_cpu >= 1e6 else "NOT met"))
PY
