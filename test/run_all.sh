#!/usr/bin/env bash
# Runs every test suite against what is built and prints one closing line
# "N passed, M failed" (all suites added up). Exit 1 on any failure.
#   unit:  build/bin/unit_AREA for each test/unit/AREA_*_test.cpp (GoogleTest)
#   cli:   test/cli/*.bats (bats, TAP output)
#   docs:  test/docs/run_examples.sh (the manuals' examples)
#   fuzz:  build/bin/replay_* over test/fuzz/{corpus,regressions}/NAME
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export PATH="$PWD/$BUILD/bin:$PATH"
export EVKIT_ROOT="$PWD"
passed=0
failed=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

count_tap() {  # file -> adds to passed/failed
    local p f
    p=$(grep -cE '^ok ' "$1")
    f=$(grep -cE '^not ok ' "$1")
    passed=$((passed + p))
    failed=$((failed + f))
    echo "$2: $p passed, $f failed"
}

# Suites that mostly wait on a cluster (Kafka) run beside the others, each
# in a lane of its own started first; they are reported after the others.
run_bats() {  # file
    timeout 600 bats --tap "$1" > "$log/$(basename "$1" .bats).tap" 2>&1
}
report_bats() {  # file: its failures and its count
    local name
    name=$(basename "$1" .bats)
    grep -vE '^ok ' "$log/$name.tap" | grep -vE '^1\.\.' | head -60
    if ! grep -qE '^(ok|not ok) ' "$log/$name.tap"; then
        echo "$name: no test ran"
        failed=$((failed + 1))
        return
    fi
    count_tap "$log/$name.tap" "$name"
}
background_lane=(test/cli/kafka.bats test/cli/evrpc.bats)
lane_files=()
for f in "${background_lane[@]}"; do
    [ -e "$f" ] && lane_files+=("$f")
done
lanes=()
for f in "${lane_files[@]}"; do
    run_bats "$f" &
    lanes+=($!)
done

areas=$(ls test/unit/*_test.cpp 2>/dev/null | xargs -n1 basename | cut -d_ -f1 | sort -u)
for area in $areas; do
    bin="$BUILD/bin/unit_$area"
    if [ ! -x "$bin" ]; then
        echo "unit_$area: not built"
        failed=$((failed + 1))
        continue
    fi
    "$bin" --gtest_brief=1 > "$log/unit_$area.txt" 2>&1
    rc=$?
    p=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) tests?\..*/\1/p' "$log/unit_$area.txt" | tail -1)
    f=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) tests?, listed below:.*/\1/p' "$log/unit_$area.txt" | tail -1)
    p=${p:-0}
    f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    # Each failure with the lines that explain it (expected, actual, message).
    grep -E -A12 '_test.cpp:[0-9]+: Failure$' "$log/unit_$area.txt" | head -80
    grep -E '^\[  FAILED  \]' "$log/unit_$area.txt" | head -20
    passed=$((passed + p))
    failed=$((failed + f))
    echo "unit_$area: $p passed, $f failed"
done

for bats_file in test/cli/*.bats; do
    [ -e "$bats_file" ] || continue
    [[ " ${lane_files[*]} " == *" $bats_file "* ]] && continue
    run_bats "$bats_file"
    report_bats "$bats_file"
done

for pid in "${lanes[@]}"; do
    wait "$pid"
done
for bats_file in "${lane_files[@]}"; do
    report_bats "$bats_file"
done

if [ -x test/docs/run_examples.sh ]; then
    test/docs/run_examples.sh > "$log/docs.tap" 2>&1
    grep -vE '^ok ' "$log/docs.tap" | head -40
    count_tap "$log/docs.tap" "docs"
fi

for target in test/fuzz/fuzz_*.cpp; do
    name=${target##*/fuzz_}
    name=${name%.cpp}
    replay="$BUILD/bin/replay_$name"
    if [ ! -x "$replay" ]; then
        echo "fuzz-replay $name: not built"
        failed=$((failed + 1))
        continue
    fi
    if "$replay" test/fuzz/corpus/"$name" test/fuzz/regressions/"$name" > "$log/fuzz_$name.txt" 2>&1; then
        passed=$((passed + 1))
        echo "fuzz-replay $name: $(tail -1 "$log/fuzz_$name.txt")"
    else
        failed=$((failed + 1))
        echo "fuzz-replay $name: FAILED"
        tail -20 "$log/fuzz_$name.txt"
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
