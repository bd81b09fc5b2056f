# Shared set-up for every bats file: the built tools on PATH, bats-assert.
bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

EVKIT_ROOT="${EVKIT_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
export EVKIT_ROOT
export PATH="$EVKIT_ROOT/${BUILD:-build}/bin:$PATH"
FIXTURES="$EVKIT_ROOT/test/fixtures"
export FIXTURES

# For files that start processes in the background: each test runs in its own
# directory, and what it put in BG_PIDS (and fd 7) is stopped after it.
background_setup() {
    cd "$BATS_TEST_TMPDIR"
    BG_PIDS=()
}

background_teardown() {
    exec 7>&- 2>/dev/null || true
    local pid
    for pid in "${BG_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}

# Waits up to 5 s for a shell condition.
wait_for() {
    local i
    for i in $(seq 100); do
        if eval "$1"; then
            return 0
        fi
        sleep 0.05
    done
    echo "timed out waiting for: $1" >&2
    return 1
}

# Runs "$@" in the background reading the FIFO in.fifo (written through fd 7),
# output to out.ndjson and err.txt; EV_PID is its pid.
start_background() {
    mkfifo in.fifo
    "$@" < in.fifo > out.ndjson 2> err.txt &
    EV_PID=$!
    BG_PIDS+=("$EV_PID")
    exec 7> in.fifo
}

# Closes the input and waits for the background process; sets EV_STATUS.
finish_bg() {
    exec 7>&-
    EV_STATUS=0
    timeout 10 tail --pid="$EV_PID" -f /dev/null || true
    wait "$EV_PID" || EV_STATUS=$?
}
