#!/usr/bin/env bash
# make bench: runs every test/bench/bench_*.sh in turn. Each prints its own
# figures next to a peer's measured in the same run.
set -uo pipefail
cd "$(dirname "$0")/../.."
export BUILD=${BUILD:-build}
export PATH="$PWD/$BUILD/bin:$PATH"
status=0
for bench in test/bench/bench_*.sh; do
    [ -x "$bench" ] || continue
    echo "== $bench"
    if ! "$bench"; then
        echo "bench: $bench failed"
        status=1
    fi
done
exit $status
