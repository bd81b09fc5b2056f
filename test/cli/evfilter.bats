#!/usr/bin/env bats
# evfilter: every option, exit codes, bad input, streaming.

load helpers

setup() {
    MIXED="$FIXTURES/evfilter/mixed.ndjson"
    TMP="$BATS_TEST_TMPDIR"
}

@test "selects matching events byte for byte" {
    run evfilter 'subject =~ /blackbox/ && severity >= 1' "$MIXED"
    assert_success
    assert_output '{"id":"02","subject":"blackbox1.example.com","name":"http","state":"critical","severity":2,"tags":{"role":"probe"}}'
}

@test "reads stdin when no file is named, and '-'" {
    run bash -c "evfilter 'id == \"03\"' < '$MIXED'"
    assert_success
    assert_output --partial '"id":"03"'
    run bash -c "cat '$MIXED' | evfilter 'id == \"04\"' -"
    assert_success
    assert_output --partial '"id":"04"'
}

@test "exit 1 when nothing matches, with no output" {
    run evfilter 'severity > 5' "$MIXED"
    assert_failure 1
    assert_output ''
}

@test "-v inverts the selection" {
    run evfilter -v 'severity >= 1' "$MIXED"
    assert_success
    assert_line --index 0 --partial '"id":"01"'
    assert_line --index 1 --partial '"id":"04"'
    [ "${#lines[@]}" -eq 2 ]
}

@test "-c prints only the count" {
    run evfilter -c 'subject =~ /blackbox/' "$MIXED"
    assert_success
    assert_output '2'
    run evfilter -c 'false' "$MIXED"
    assert_failure 1
    assert_output '0'
}

@test "-m stops after N matches" {
    run evfilter -m 1 'true' "$MIXED"
    assert_success
    assert_output --partial '"id":"01"'
    [ "${#lines[@]}" -eq 1 ]
}

@test "--set rewrites canonically, values computed from the event as read" {
    run evfilter --set 'tags.env="prod"' --set 'name=upper(name)' --set 'sev2=severity*2' 'id == "03"' "$MIXED"
    assert_success
    assert_output '{"id":"03","subject":"db1.example.com","name":"DISK./VAR","state":"warning","severity":1,"metric":91.5,"unit":"%","tags":{"env":"prod"},"sev2":2}'
}

@test "--del removes fields; unchanged events stay byte for byte" {
    run evfilter --del tags --del 'missing.field' 'id == "02"' "$MIXED"
    assert_success
    assert_output '{"id":"02","subject":"blackbox1.example.com","name":"http","state":"critical","severity":2}'
}

@test "--set through arrays and quoted keys" {
    run bash -c "echo '{\"data\":{\"changes\":[{\"to\":\"a\"},{\"to\":\"b\"}]}}' | evfilter --set 'data.changes[1].to=\"c\"' --set 'tags[\"odd key\"]=1' true"
    assert_success
    assert_output '{"tags":{"odd key":1},"data":{"changes":[{"to":"a"},{"to":"c"}]}}'
}

@test "a bad expression shows a caret and exits 2" {
    run evfilter 'severity >= ' "$MIXED"
    assert_failure 2
    assert_line --index 0 --regexp '^evfilter: syntax error at offset [0-9]+: '
    assert_line --index 1 '  severity >= '
    assert_line --index 2 --regexp '^  +\^$'
}

@test "a bad --set exits 2" {
    run evfilter --set 'nopath' true "$MIXED"
    assert_failure 2
    assert_output "evfilter: --set 'nopath': expected PATH=EXPR"
}

@test "usage errors exit 2 with the tool's prefix" {
    run evfilter
    assert_failure 2
    assert_line --index 0 --partial 'evfilter: '
    run evfilter --no-such-option true
    assert_failure 2
}

@test "--help goes to stdout and exits 0; --version too" {
    run evfilter --help
    assert_success
    assert_output --partial 'Usage:'
    assert_output --partial '--set'
    run evfilter --version
    assert_success
    assert_output --regexp '^evfilter \(evkit\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "bad lines are reported with their line numbers; good lines around them survive" {
    printf '%s\n' '{"n":1}' 'not json' '[1,2]' '{"n":2}' $'{"s":"\xff"}' '{"n":3' '{"n":4}' > "$TMP/in.ndjson"
    run --separate-stderr evfilter 'exists(n)' "$TMP/in.ndjson"
    assert_success
    assert_output $'{"n":1}\n{"n":2}\n{"n":4}'
    [[ "$stderr" == *"in.ndjson: line 2: invalid JSON"* ]]
    [[ "$stderr" == *"in.ndjson: line 3: not a JSON object"* ]]
    [[ "$stderr" == *"in.ndjson: line 5: invalid UTF-8"* ]]
    [[ "$stderr" == *"in.ndjson: line 6: invalid JSON"* ]]
    [[ "$stderr" == *"evfilter: 4 lines rejected"* ]]
}

@test "the rejects file holds exactly the bad lines, verbatim" {
    printf '%s\n' '{"n":1}' 'not json' '{"n":2}' '{oops}' > "$TMP/in.ndjson"
    run --separate-stderr evfilter --rejects "$TMP/rejects" true "$TMP/in.ndjson"
    assert_success
    assert_output $'{"n":1}\n{"n":2}'
    [[ "$stderr" == *"evfilter: 2 lines rejected, written to $TMP/rejects"* ]]
    run cat "$TMP/rejects"
    assert_output $'not json\n{oops}'
}

@test "--strict makes the first bad line fatal with exit 3" {
    printf '%s\n' '{"n":1}' 'bad' '{"n":2}' > "$TMP/in.ndjson"
    run --separate-stderr evfilter --strict true "$TMP/in.ndjson"
    assert_failure 3
    assert_output '{"n":1}'
    [[ "$stderr" == *"line 2: invalid JSON"* ]]
}

@test "a 2 MiB line is rejected and the stream goes on" {
    python3 -c '
import sys
sys.stdout.write("{\"n\":1}\n{\"big\":\"" + "x" * (2 * 1024 * 1024) + "\"}\n{\"n\":2}\n")' > "$TMP/big.ndjson"
    run --separate-stderr evfilter --rejects "$TMP/rejects" true "$TMP/big.ndjson"
    assert_success
    assert_output $'{"n":1}\n{"n":2}'
    [[ "$stderr" == *"line 2: line longer than 1048576 bytes"* ]]
    cmp <(sed -n 2p "$TMP/big.ndjson") "$TMP/rejects"
}

@test "--max-line lowers the limit" {
    printf '%s\n' '{"n":1}' '{"long":"xxxxxxxxxxxxxxxxxxxxxxxx"}' > "$TMP/in.ndjson"
    run --separate-stderr evfilter --max-line 20 true "$TMP/in.ndjson"
    assert_success
    assert_output '{"n":1}'
    [[ "$stderr" == *"line 2: line longer than 20 bytes"* ]]
}

@test "a last line without a newline is read" {
    printf '{"n":1}\n{"n":2}' > "$TMP/in.ndjson"
    run evfilter -c true "$TMP/in.ndjson"
    assert_output '2'
}

@test "CRLF line ends are accepted and output lines end in LF" {
    printf '{"n":1}\r\n{"n":2}\r\n' > "$TMP/in.ndjson"
    run bash -c "evfilter 'n == 2' '$TMP/in.ndjson' | od -c | head -2"
    assert_output --partial '{   "   n   "   :   2   }  \n'
    refute_output --partial '\r'
}

@test "empty and blank lines are skipped silently" {
    printf '{"n":1}\n\n   \n{"n":2}\n' > "$TMP/in.ndjson"
    run --separate-stderr evfilter -c true "$TMP/in.ndjson"
    assert_output '2'
    [ -z "$stderr" ]
}

@test "several files are read in order; a missing one exits 4 after the rest" {
    printf '{"n":1}\n' > "$TMP/a"
    printf '{"n":2}\n' > "$TMP/b"
    run --separate-stderr evfilter true "$TMP/a" "$TMP/missing" "$TMP/b"
    assert_failure 4
    assert_output $'{"n":1}\n{"n":2}'
    [[ "$stderr" == *"missing: No such file or directory"* ]]
}

@test "evfilter | head -1 ends quietly" {
    run bash -c "set -o pipefail; yes '{\"n\":1}' | head -200000 | evfilter true | head -1; echo rc=\${PIPESTATUS[2]}"
    assert_output $'{"n":1}\nrc=0'
}

@test "streaming: an event written into a fifo comes out before the writer closes it" {
    mkfifo "$TMP/in" "$TMP/out"
    evfilter 'n == 1' < "$TMP/in" > "$TMP/out" &
    local pid=$!
    exec 7> "$TMP/in"
    exec 8< "$TMP/out"
    echo '{"n":1}' >&7
    local line=""
    read -t 5 -r line <&8
    [ "$line" = '{"n":1}' ]
    exec 7>&-
    wait "$pid"
    exec 8<&-
}

@test "SIGTERM ends a waiting evfilter with exit 0 after flushing" {
    mkfifo "$TMP/in"
    evfilter true < "$TMP/in" > "$TMP/out" &
    local pid=$!
    exec 7> "$TMP/in"
    echo '{"n":1}' >&7
    sleep 0.3
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    exec 7>&-
    [ "$rc" -eq 0 ]
    run cat "$TMP/out"
    assert_output '{"n":1}'
}

@test "the examples in examples/evfilter run" {
    run bash "$EVKIT_ROOT/examples/evfilter/select-and-tag.sh"
    assert_success
    assert_output --partial '"env":"prod"'
}

@test "streaming: one event crosses a live five-stage pipeline at once" {
    mkfifo "$TMP/in" "$TMP/out"
    evfilter true < "$TMP/in" | evfilter true | evfilter --set 'stage=5' true | evfilter true | evfilter true > "$TMP/out" &
    exec 7> "$TMP/in"
    exec 8< "$TMP/out"
    echo '{"n":1}' >&7
    local line=""
    read -t 2 -r line <&8
    [ "$line" = '{"n":1,"stage":5}' ]
    echo '{"n":2}' >&7
    read -t 2 -r line <&8
    [ "$line" = '{"n":2,"stage":5}' ]
    exec 7>&-
    wait
    exec 8<&-
}
