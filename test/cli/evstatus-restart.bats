#!/usr/bin/env bats
# evstatus --state on files: exact restarts. The state file holds, per input
# file, its identity (device, inode, first bytes) and the offset after the
# last event the saved state covers; a restart resumes there.

load helpers
bats_require_minimum_version 1.5.0

setup() {
    TMP="$BATS_TEST_TMPDIR"
}

teardown() {
    if [ -n "${PID:-}" ]; then
        kill -9 "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
}

# N statuses of 400 identities on event time (10 per second), some with a
# ttl so that expiry happens too; each line is unique (seq), so is each alert.
make_input() {
    awk -v n="$1" 'BEGIN { srand(7); s[0] = "ok"; s[1] = "warning"; s[2] = "critical"
        for (i = 0; i < n; i++) {
            h = int(rand() * 400); st = s[int(rand() * rand() * 3)]
            ttl = (h % 7 == 0) ? ",\"ttl\":30" : ""
            printf "{\"time\":%d,\"subject\":\"h%d\",\"name\":\"disk\",\"state\":\"%s\",\"seq\":%d%s}\n", 1000000 + int(i / 10), h, st, i, ttl
        } }'
}

# A kill -9 can land inside a write(): the kernel stops a write to a regular
# file between pages, so the output may end in part of a line. A reader of
# a file after a crash drops such a torn tail (the restarted run writes the
# whole line again); so does this test, before the next run appends.
drop_torn_tail() {
    # $(...) strips a final newline: a last byte left over is a torn line.
    if [ -n "$(tail -c 1 "$1")" ]; then
        local keep=$(($(stat -c %s "$1") - $(tail -n 1 "$1" | wc -c)))
        truncate -s "$keep" "$1"
        echo "torn tail dropped at byte $keep" >&3
    fi
}

status_run() {
    evstatus --clock event --confirm 2 --alerts-only --state "$1" --save-interval 0.01 "$2"
}

@test "kill -9 at a dozen random moments: the same alerts as an uninterrupted run, duplicates only" {
    make_input 1000000 > "$TMP/in.ndjson"
    status_run "$TMP/full.state" "$TMP/in.ndjson" > "$TMP/full"
    [ "$(wc -l < "$TMP/full")" -gt 100000 ]
    [ "$(sort -u "$TMP/full" | wc -l)" -eq "$(wc -l < "$TMP/full")" ]
    kills=0
    runs=0
    : > "$TMP/crash"
    end=$((SECONDS + 30))
    while [ "$SECONDS" -lt "$end" ]; do
        runs=$((runs + 1))
        # Not through status_run: $! must be evstatus itself.
        evstatus --clock event --confirm 2 --alerts-only --state "$TMP/crash.state" --save-interval 0.01 \
            "$TMP/in.ndjson" >> "$TMP/crash" &
        PID=$!
        if [ "$kills" -lt 12 ]; then
            sleep "0.0$((RANDOM % 6 + 2))"
            if kill -9 "$PID" 2>/dev/null; then
                kills=$((kills + 1))
            fi
        fi
        rc=0
        wait "$PID" || rc=$?
        PID=
        drop_torn_tail "$TMP/crash"
        if [ "$rc" -eq 0 ]; then
            break
        fi
    done
    echo "kills $kills runs $runs lines $(wc -l < "$TMP/crash") full $(wc -l < "$TMP/full")" >&3
    # Most kills must land mid-run, else the test shows nothing.
    [ "$kills" -ge 10 ]
    [ "$rc" -eq 0 ]
    # Without the duplicates (same line, same id), the very same alerts in the same order.
    awk '!seen[$0]++' "$TMP/crash" > "$TMP/dedup"
    if ! cmp "$TMP/dedup" "$TMP/full"; then
        diff "$TMP/dedup" "$TMP/full" | head -20 | cut -c 1-300
        false
    fi
    # A duplicate is a whole line again, so it carries the same id.
    [ "$(jq -r .id "$TMP/crash" | sort -u | wc -l)" -eq "$(wc -l < "$TMP/full")" ]
    # The saved state is the uninterrupted run's.
    run -0 evstatus show --json --state "$TMP/crash.state"
    crash_show="$output"
    run -0 evstatus show --json --state "$TMP/full.state"
    [ "$crash_show" = "$output" ]
}

@test "a restart on the same file that grew reads only the new lines" {
    make_input 30 > "$TMP/all"
    head -15 "$TMP/all" > "$TMP/in.ndjson"
    run -0 --separate-stderr status_run "$TMP/state" "$TMP/in.ndjson"
    first="$output"
    run -0 jq -c '.positions[0] | [.kind, .path, .offset]' <(head -1 "$TMP/state")
    assert_output "[\"file\",\"$TMP/in.ndjson\",$(wc -c < "$TMP/in.ndjson")]"
    tail -15 "$TMP/all" >> "$TMP/in.ndjson"
    run -0 --separate-stderr status_run "$TMP/state" "$TMP/in.ndjson"
    second="$output"
    run -0 --separate-stderr status_run "$TMP/whole.state" "$TMP/all"
    [ -n "$first" ] && [ -n "$second" ]
    [ "$(printf '%s\n%s' "$first" "$second")" = "$output" ]
    # Run again with nothing new: no alert at all.
    run -0 --separate-stderr status_run "$TMP/state" "$TMP/in.ndjson"
    assert_output ''
}

@test "a replaced file (another inode) or a rewritten one is read from its beginning" {
    make_input 40 > "$TMP/in.ndjson"
    run -0 --separate-stderr status_run "$TMP/state" "$TMP/in.ndjson"
    run -0 --separate-stderr status_run "$TMP/state" "$TMP/in.ndjson"
    assert_output ''
    # Same bytes, new inode: a rotated-in file is another file.
    cp "$TMP/in.ndjson" "$TMP/copy" && mv "$TMP/copy" "$TMP/in.ndjson"
    run -0 jq -c '.positions | length' <(head -1 "$TMP/state")
    assert_output 1
    before=$(jq -r '.positions[0].ino' <(head -1 "$TMP/state"))
    [ "$before" != "$(stat -c %i "$TMP/in.ndjson")" ]
    run -0 jq -r '.seq' <(evstatus --clock event --state "$TMP/state" "$TMP/in.ndjson" 2>/dev/null | jq -c 'select(.seq != null)' | head -1)
    assert_output 0
    # Same inode, first bytes rewritten (same length): read from the start.
    sed -i -e '1s/"seq":0/"seq":9/' "$TMP/in.ndjson"
    ino=$(stat -c %i "$TMP/in.ndjson")
    run -0 --separate-stderr evstatus --clock event --state "$TMP/state" "$TMP/in.ndjson"
    assert_line --index 0 --partial '"seq":9'
}

@test "stdin has no position: the state file keeps none and a restart reads all it is given" {
    make_input 20 > "$TMP/in.ndjson"
    run -0 --separate-stderr status_run "$TMP/state" - < "$TMP/in.ndjson"
    run -0 jq -c '.positions' <(head -1 "$TMP/state")
    assert_output '[]'
    run -0 --separate-stderr bash -c "evstatus --clock event --state '$TMP/state' < '$TMP/in.ndjson' | jq -c 'select(.seq != null)' | wc -l"
    assert_output 20
}

@test "a malformed saved file position is an error naming the state file" {
    printf '%s\n' '{"evstatus_state":2,"clock":"event","time":1,"count":0,"positions":[{"kind":"file","path":"x"}]}' > "$TMP/state"
    make_input 3 > "$TMP/in.ndjson"
    run -2 --separate-stderr evstatus --clock event --state "$TMP/state" "$TMP/in.ndjson"
    [[ "$stderr" == *"state file $TMP/state: positions[0]: a bad file position"* ]]
}
