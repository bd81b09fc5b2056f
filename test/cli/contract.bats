#!/usr/bin/env bats
# The contract every tool keeps, checked across the suite at once: each case
# runs every event-reading tool on the same input.

load helpers

setup() {
    tmp="$BATS_TEST_TMPDIR"
}

# Each tool as an event reader whose valid input reaches stdout (or is
# accepted) and whose bad input is reported on stderr as "TOOL: ...". The
# shared options go where "@" stands (before a "-- COMMAND").
readers() {
    cat <<'LIST'
evfilter @ true
evstatus @ --clock event
evroute @ -e 'rule all -> stdout'
evgraphite @ -n
evbatch group @ --clock event --wait 0
evbatch each @ --dry-run -- true {subject}
evplot line @ --ascii
evtimeline @
LIST
}

# reader_argv LINE OPT...: the words of LINE with OPT... in place of "@".
reader_argv() {
    local line=$1 w
    shift
    local -a words
    eval "words=($line)"
    argv=()
    for w in "${words[@]}"; do
        if [ "$w" = @ ]; then argv+=("$@"); else argv+=("$w"); fi
    done
}

@test "contract: every reader rejects an object whose identity fields appear twice" {
    printf '%s\n' '{"subject":"a","name":"n","state":"ok","metric":1,"time":1700000000}' \
        '{"subject":"a","subject":"b","name":"n","state":"critical","metric":1,"time":1700000000}' \
        '{"subject":"c","name":"n","state":"ok","severity":0,"severity":2,"metric":1,"time":1700000001}' \
        > "$tmp/in.ndjson"
    while read -r line; do
        tool=${line%% *}
        reader_argv "$line" --rejects "$tmp/rejects-$tool"
        run --separate-stderr timeout 10 "${argv[@]}" < "$tmp/in.ndjson"
        [ "$status" -eq 0 ] || { echo "$line: exit $status: $stderr"; return 1; }
        [[ "$stderr" == *"$tool: line 2: duplicate key \"subject\""* ]] || { echo "$line: $stderr"; return 1; }
        [[ "$stderr" == *"$tool: line 3: duplicate key \"severity\""* ]] || { echo "$line: $stderr"; return 1; }
        # The bad lines are kept verbatim; nothing about b or c reaches stdout.
        [ "$(wc -l < "$tmp/rejects-$tool")" -eq 2 ] || { echo "$line: rejects"; return 1; }
        [[ "$output" != *'"b"'* && "$output" != *'"c"'* && "$output" != *' c'* && "$output" != *'c.n'* ]] ||
            { echo "$line: $output"; return 1; }
        rm -f "$tmp/rejects-$tool"
    done < <(readers)
}

# gone_within_2s PID: true once PID has ended, waiting at most 2 s.
gone_within_2s() {
    local i
    for i in $(seq 1 40); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.05
    done
    ! kill -0 "$1" 2>/dev/null
}

# Feeds LINE for ever to ARGV..., sends SIGTERM after half a second and waits
# at most 2 s for the tool to end. Sets status, elapsed_ms; output in $tmp/out.
sigterm_under_load() {
    local line=$1 pid start
    shift
    yes "$line" | "$@" > "$tmp/out" 2> "$tmp/err" &
    pid=$!
    sleep 0.5
    start=$(date +%s%N)
    kill -TERM "$pid"
    if ! gone_within_2s "$pid"; then
        kill -KILL "$pid"
        wait "$pid" || true
        echo "$*: still running 2 s after SIGTERM"
        return 1
    fi
    wait "$pid" && status=0 || status=$?
    elapsed_ms=$((($(date +%s%N) - start) / 1000000))
}

@test "contract: SIGTERM ends every reader within 2 s while input never stops, output flushed" {
    event='{"subject":"a","name":"n","state":"critical","metric":1,"time":1700000000}'
    while read -r line; do
        reader_argv "$line"
        sigterm_under_load "$event" "${argv[@]}"
        [ "$status" -eq 0 ] || { echo "$line: exit $status: $(head -c 500 "$tmp/err")"; return 1; }
        # Whatever was written ends with a whole line: nothing half-flushed.
        [ -s "$tmp/out" ] || { echo "$line: no output"; return 1; }
        [ "$(tail -c 1 "$tmp/out" | od -An -tx1 | tr -d ' ')" = 0a ] || { echo "$line: torn output"; return 1; }
        echo "$line: stopped in ${elapsed_ms} ms"
    done < <(readers)
}

@test "contract: SIGTERM under endless input saves evstatus's state before exit" {
    sigterm_under_load '{"subject":"a","name":"n","state":"critical"}' evstatus --state "$tmp/state.json"
    [ "$status" -eq 0 ]
    run evstatus show --state "$tmp/state.json"
    assert_success
    assert_output --partial 'critical'
}

@test "contract: --rejects files are created 0600 and never written through a symlink" {
    printf '%s\n' 'not json' > "$tmp/bad.ndjson"
    umask 022
    run --separate-stderr evfilter --rejects "$tmp/rejects" true "$tmp/bad.ndjson"
    [ "$(stat -c %a "$tmp/rejects")" = 600 ]
    echo keep > "$tmp/victim"
    ln -s "$tmp/victim" "$tmp/link"
    run --separate-stderr evfilter --rejects "$tmp/link" true "$tmp/bad.ndjson"
    assert_failure
    [[ "$stderr" == *"is a symbolic link"* ]]
    [ "$(cat "$tmp/victim")" = keep ]
}

@test "contract: a FIFO named as input is waited for without blocking signals, and read once written" {
    mkfifo "$tmp/fifo"
    evfilter true "$tmp/fifo" > "$tmp/out" &
    pid=$!
    sleep 0.3
    echo '{"a":1}' > "$tmp/fifo"
    gone_within_2s "$pid"
    wait "$pid"
    [ "$(cat "$tmp/out")" = '{"a":1}' ]
    # No writer ever: SIGTERM still ends the wait.
    evfilter true "$tmp/fifo" > "$tmp/out2" &
    pid=$!
    sleep 0.3
    kill -TERM "$pid"
    if ! gone_within_2s "$pid"; then
        kill -KILL "$pid"
        echo "evfilter ignored SIGTERM while waiting for a FIFO's writer"
        return 1
    fi
    wait "$pid" || true
}
