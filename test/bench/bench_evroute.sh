#!/usr/bin/env bash
# evroute: 5 rules fanning out to 5 files, against awk (raw-text matching)
# and jq (JSON-aware, with awk writing the files) doing the same split in the
# same run; then the cost of a stalled consumer under the drop policy.
# Reproduce: make bench   (or: BUILD=build test/bench/bench_evroute.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${BENCH_EVENTS:-1000000}
RUNS=${BENCH_RUNS:-5}
dir="$BUILD/bench"
mkdir -p "$dir"
corpus="$PWD/$dir/corpus-$N.ndjson"
[ -s "$corpus" ] || python3 test/bench/gen_corpus.py "$N" > "$corpus"
evroute="$PWD/$BUILD/bin/evroute"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bytes=$(stat -c %s "$corpus")
echo "corpus: $N events, $bytes bytes ($((bytes / N)) bytes per event)"

cat > "$work/five.rules" <<'R'
rule load when type == "metric" and name == "load" -> file out1.ndjson
rule metrics when type == "metric" -> file out2.ndjson
rule critical when severity >= 2 -> file out3.ndjson
rule web when subject =~ /^web/ -> file out4.ndjson
rule rest -> file out5.ndjson
R
# The same split in awk on the raw text (the corpus writes every key in one
# fixed form, so these matches are exact for it) and in jq.
cat > "$work/split.awk" <<'A'
{
    if (index($0, "\"type\":\"metric\"") && index($0, "\"name\":\"load\"")) print > "out1.ndjson"
    else if (index($0, "\"type\":\"metric\"")) print > "out2.ndjson"
    else if ($0 ~ /"severity":[23][,}]/) print > "out3.ndjson"
    else if ($0 ~ /"subject":"web/) print > "out4.ndjson"
    else print > "out5.ndjson"
}
A
jqprog='(if .type == "metric" and .name == "load" then 1 elif .type == "metric" then 2
  elif (.severity // -1) >= 2 then 3 elif ((.subject // "") | test("^web")) then 4 else 5 end) as $n
  | "\($n)\t\(tojson)"'
cat > "$work/jq.sh" <<J
jq -r '$jqprog' "$corpus" | awk -F'\t' '{ print \$2 > ("out" \$1 ".ndjson") }'
J

run_in() { (cd "$work/$1" && rm -f out*.ndjson && eval "$2"); }
mkdir -p "$work/ev" "$work/awk" "$work/jq"
run_in ev "$evroute ../five.rules --unmatched drop $corpus 2>/dev/null"
run_in awk "mawk -f ../split.awk $corpus"
run_in jq "bash ../jq.sh"
# The three must agree before any timing means anything.
for i in 1 2 3 4 5; do
    cmp -s "$work/ev/out$i.ndjson" "$work/awk/out$i.ndjson" || { echo "evroute and awk disagree on out$i"; exit 1; }
    [ "$(wc -l < "$work/ev/out$i.ndjson")" = "$(wc -l < "$work/jq/out$i.ndjson")" ] ||
        { echo "evroute and jq disagree on out$i"; exit 1; }
done
echo "split: $(wc -l "$work"/ev/out*.ndjson | awk '{printf "%s ", $1}')"

hyperfine --style basic --warmup 1 --runs "$RUNS" --export-json "$work/fanout.json" \
    -n evroute "cd $work/ev && rm -f out*.ndjson && $evroute ../five.rules --unmatched drop $corpus 2>/dev/null" \
    -n awk "cd $work/awk && rm -f out*.ndjson && mawk -f ../split.awk $corpus" > /dev/null
hyperfine --style basic --runs 2 --export-json "$work/fanout-jq.json" \
    -n jq "cd $work/jq && rm -f out*.ndjson && bash ../jq.sh" > /dev/null

# Stall: the same run with a consumer that never reads, fed every event under
# the drop policy, against the run without it, alternated in one hyperfine call.
sed 's/^rule rest -> file out5.ndjson$/rule rest -> file out5.ndjson/' "$work/five.rules" > "$work/plain.rules"
{ echo 'rule stalled -> consumer sleep 3600 continue policy drop'; cat "$work/five.rules"; } > "$work/stall.rules"
mkdir -p "$work/stall"
hyperfine --style basic --warmup 1 --runs "$RUNS" --export-json "$work/stall.json" \
    -n without "cd $work/stall && rm -f out*.ndjson && $evroute ../plain.rules --unmatched drop $corpus 2>/dev/null" \
    -n with-stalled-consumer "cd $work/stall && rm -f out*.ndjson && $evroute ../stall.rules --unmatched drop --drain-timeout 0 $corpus 2>/dev/null" > /dev/null
(cd "$work/stall" && rm -f out*.ndjson && "$evroute" ../stall.rules --unmatched drop --drain-timeout 0 "$corpus" 2> stall.err)
for i in 1 2 3 4 5; do
    cmp -s "$work/ev/out$i.ndjson" "$work/stall/out$i.ndjson" || { echo "the stalled consumer changed out$i"; exit 1; }
done
stalled=$(grep '^evroute: consumer sleep 3600' "$work/stall/stall.err")

table=$(python3 - "$work/fanout.json" "$work/fanout-jq.json" "$work/stall.json" "$N" "$stalled" <<'PY'
import json, sys
r = {x["command"]: x for f in sys.argv[1:4] for x in json.load(open(f))["results"]}
n = int(sys.argv[4])
def eps(name): return n / r[name]["mean"]
def cell(name): return f"{r[name]['mean']:.3f} s ({eps(name) / 1e6:.2f} M events/s)"
print("| work | evroute | awk (raw text) | jq + awk |")
print("|---|---|---|---|")
print(f"| 5 rules to 5 files | {cell('evroute')} | {cell('awk')} | {cell('jq')} |")
w, s = r["without"], r["with-stalled-consumer"]
slow = (s["mean"] - w["mean"]) / w["mean"] * 100
noise = (w["stddev"] + s["stddev"]) / w["mean"] * 100
print()
print("| stall test (same 5 rules) | time | slowdown |")
print("|---|---|---|")
print(f"| without | {w['mean']:.3f} s ± {w['stddev']:.3f} | - |")
print(f"| plus a consumer that never reads, fed every event, policy drop | {s['mean']:.3f} s ± {s['stddev']:.3f} | {slow:+.1f}% (noise ±{noise:.1f}%) |")
cpu = lambda x: x["user"] + x["system"]
print()
print(f"CPU time (user+sys, less sensitive to the machine's load): without {cpu(w):.3f} s, "
      f"with the stalled consumer {cpu(s):.3f} s ({(cpu(s) - cpu(w)) / cpu(w) * 100:+.1f}%)")
print()
print(f"stalled consumer's counters: `{sys.argv[5].replace('evroute: ', '')}`")
ok = eps("evroute") >= 500000 and slow <= max(noise, 5.0)
print()
print("targets (>= 500,000 events/s; stall slowdown within noise or 5%):", "met" if ok else "NOT met")
PY
)
echo "$table"
# Figures are printed only; docs/benchmarks.md is curated from a quiet run.
