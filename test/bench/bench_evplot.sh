#!/usr/bin/env bash
# evplot: 1,000,000 points (8 series, a marker every 1000 events) drawn as a
# line chart with markers, a histogram and sparklines, next to jq merely
# extracting the same values (`jq -c .metric`), in the same run.
# Target (issue 18): 1,000,000 points render in under a second.
# Reproduce: make bench   (or: BUILD=build test/bench/bench_evplot.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${BENCH_EVENTS:-1000000}
dir="$BUILD/bench"
mkdir -p "$dir"
corpus="$dir/plot-corpus-$N.ndjson"
[ -s "$corpus" ] || python3 - "$N" > "$corpus" <<'PY'
import math, sys
n = int(sys.argv[1])
t0 = 1700006400
out = sys.stdout
for i in range(n):
    t = t0 + i * 0.5
    if i % 1000 == 999:
        out.write('{"time":%.1f,"subject":"db1","type":"archive","name":"puppet"}\n' % t)
        continue
    s = i % 8
    v = 100 + 50 * math.sin(i / 5000 + s) + (i * 7919 % 13)
    out.write('{"time":%.1f,"subject":"web%d","name":"http","state":"ok","metric":%.3f,"unit":"ms"}\n' % (t, s, v))
PY
evplot="$BUILD/bin/evplot"
bytes=$(stat -c %s "$corpus")
echo "corpus: $N events, $bytes bytes"
# What is timed must be a real picture of every point.
"$evplot" line --ascii -W 100 -H 30 --markers 'name == "puppet"' "$corpus" | tail -1 | grep -q "markers: name == \"puppet\" ($((N / 1000)))" ||
    { echo "evplot line did not count every marker"; exit 1; }
points=$(jq -c '.metric // empty' "$corpus" | wc -l)
"$evplot" hist --ascii "$corpus" | tail -1 | grep -qx "$points values" || { echo "evplot hist and jq disagree"; exit 1; }

hyperfine --style basic --warmup 1 --runs "${BENCH_RUNS:-5}" --export-json "$dir/plot.json" \
    -n line "$evplot line --ascii -W 100 -H 30 --markers 'name == \"puppet\"' $corpus > /dev/null" \
    -n braille "$evplot line -W 100 -H 30 $corpus > /dev/null" \
    -n svg "$evplot line --svg $dir/plot.svg $corpus" \
    -n hist "$evplot hist --range 0:200 $corpus > /dev/null" \
    -n spark "$evplot spark $corpus > /dev/null" > /dev/null
hyperfine --style basic --runs 2 --export-json "$dir/plot-jq.json" \
    -n jq "jq -c .metric $corpus > /dev/null" > /dev/null

python3 - "$dir/plot.json" "$dir/plot-jq.json" "$N" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for f in sys.argv[1:3] for x in json.load(open(f))["results"]}
n = int(sys.argv[3])
print("| work | time | events/s | jq -c .metric / it |")
print("|---|---|---|---|")
for k, what in [("line", "line --ascii with --markers"), ("braille", "line, braille"), ("svg", "line --svg"),
                ("hist", "hist --range"), ("spark", "spark"), ("jq", "jq -c .metric (extraction only)")]:
    print(f"| {what} | {r[k]:.3f} s | {n / r[k] / 1e6:.2f} M | {r['jq'] / r[k]:.1f}x |")
ok = all(r[k] < 1.0 for k in ("line", "braille", "svg", "hist", "spark"))
print("target (1,000,000 points in under a second, every picture):", "met" if ok else "NOT met")
sys.exit(0 if ok else 1)
PY
