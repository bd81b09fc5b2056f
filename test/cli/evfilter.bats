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

@test "examples/evfilter/alertmanager.sh maps a webhook notification into one status per alert" {
    local body="$EVKIT_ROOT/examples/evfilter/alertmanager-webhook.json"
    run --separate-stderr bash "$EVKIT_ROOT/examples/evfilter/alertmanager.sh"
    assert_success
    [ -z "$stderr" ]
    printf '%s\n' "$output" > "$TMP/events"
    [ "${#lines[@]}" -eq "$(jq '.alerts | length' "$body")" ]
    # Identity, state and labels agree with what jq reads from the body.
    [ "$(jq -r '"\(.subject) \(.name) \(.state) \(.source) \(.type)"' "$TMP/events")" = \
      "$(jq -r '.alerts[] | "\(.labels.instance) \(.labels.alertname) \(if .status == "resolved" then "ok" elif .labels.severity == "critical" or .labels.severity == "page" then "critical" else "warning" end) alertmanager status"' "$body")" ]
    [ "$(jq -c '.tags' "$TMP/events")" = "$(jq -c '.alerts[] | .labels' "$body")" ]
    [ "$(jq -c '.data' "$TMP/events")" = "$(jq -cS '.alerts[]' "$body")" ]
    # Times: startsAt for firing alerts (fraction and offset kept), endsAt
    # for the resolved one; the zero endsAt of a firing alert is no time.
    [ "$(jq -r '.time' "$TMP/events")" = "$(printf '%s\n' 1796196600.1234567 1796196310 1796195130.5)" ]
    [ "$(date -u -d 2026-12-02T08:25:10+01:00 +%s)" = 1796196310 ]
    [ "$(date -u -d 2026-12-02T07:05:30Z +%s)" = 1796195130 ]
    assert_line --index 0 --partial '"message":"Disk almost full"'
    assert_line --index 2 --partial '"message":"db1.example.com was unreachable for 5 minutes."'
    # The events are canonical (evfilter re-encoding them changes nothing)
    # and evstatus takes them as they are.
    [ "$(evfilter --set 'x=1' --del x true "$TMP/events")" = "$output" ]
    run --separate-stderr evstatus --clock event < "$TMP/events"
    assert_success
    [ -z "$stderr" ]
}

@test "examples/evfilter/github-push.sh maps a push hook into one event per commit and one per push" {
    local body="$EVKIT_ROOT/examples/evfilter/github-push.json"
    run --separate-stderr bash "$EVKIT_ROOT/examples/evfilter/github-push.sh"
    assert_success
    [ -z "$stderr" ]
    printf '%s\n' "$output" > "$TMP/events"
    local commits
    commits=$(jq '.commits | length' "$body")
    [ "${#lines[@]}" -eq $((commits + 1)) ]
    [ "$(jq -r 'select(.name == "git.commit") | .data.commit' "$TMP/events")" = "$(jq -r '.commits[].id' "$body")" ]
    [ "$(jq -r 'select(.name == "git.commit") | .message' "$TMP/events")" = \
      "$(jq -r '.commits[] | "\(.author.username): \(.message)"' "$body")" ]
    [ "$(jq -r 'select(.name == "git.commit") | .time' "$TMP/events")" = \
      "$(jq -r '.commits[].timestamp' "$body" | while read -r t; do date -u -d "$t" +%s; done)" ]
    [ "$(jq -c 'select(.name == "git.commit") | .data.modified' "$TMP/events")" = "$(jq -c '.commits[].modified' "$body")" ]
    [ "$(jq -r 'select(.name == "git.commit") | .subject' "$TMP/events" | sort -u)" = "$(jq -r '.repository.full_name' "$body")" ]
    assert_line --index "$commits" '{"time":1796196912,"type":"metric","subject":"example/shop","name":"git.push","metric":2,"unit":"c","message":"alice pushed 2 commits to refs/heads/main","tags":{"pusher":"alice","ref":"refs/heads/main"},"source":"github","data":{"compare":"https://github.com/example/shop/compare/6113728f27ae...9f1c2e0b8d4a"}}'
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

@test "--set copies nested objects with their keys in byte order at every level" {
    run bash -c "echo '{\"labels\":{\"severity\":\"c\",\"alertname\":\"A\",\"id\":\"x\",\"n\":{\"subject\":1,\"b\":2}},\"d\":{\"subject\":\"s\",\"id\":\"i\",\"a\":1}}' | evfilter --set 'tags=labels' --set 'data=d' --del labels --del d true"
    assert_success
    assert_output '{"tags":{"alertname":"A","id":"x","n":{"b":2,"subject":1},"severity":"c"},"data":{"a":1,"id":"i","subject":"s"}}'
    # Encoding the output again changes nothing.
    local once=$output
    run bash -c "printf '%s\n' '$once' | evfilter --set 'x=1' --del x true"
    assert_output "$once"
}

@test "state and severity imply each other; an event where they disagree is rejected" {
    run --separate-stderr bash -c "printf '%s\n' '{\"state\":\"critical\"}' '{\"severity\":2}' '{\"state\":\"ok\"}' '{\"state\":\"ok\",\"severity\":2}' | evfilter 'severity >= 1 && state == \"critical\"'"
    assert_success
    assert_output $'{"state":"critical"}\n{"severity":2}'
    [ "$stderr" = $'evfilter: line 4: state and severity disagree\nevfilter: 1 line rejected' ]
    run bash -c "echo '{\"state\":\"warning\"}' | evfilter --set 'severity=severity' true"
    assert_output '{"state":"warning","severity":1}'
}

@test "--set with a type error leaves the field as it was, writes the event, reports it rate-limited" {
    run --separate-stderr bash -c "printf '%s\n' '{\"name\":\"old\",\"check_run\":{\"name\":\"lint\"}}' '{\"name\":\"old\"}' | evfilter --set 'name=\"ci/\" + check_run.name' --set 'n=1' true"
    assert_success
    assert_output $'{"name":"ci/lint","check_run":{"name":"lint"},"n":1}\n{"name":"old","n":1}'
    [ "$stderr" = $'evfilter: line 2: --set \'name="ci/" + check_run.name\': type error at offset 6: string + null (+ takes two numbers or two strings)\nevfilter: 1 type error in expressions' ]
    # A missing field read alone is still null.
    run bash -c "echo '{}' | evfilter --set 'x=missing' true"
    assert_output '{"x":null}'
    # Reports beyond the first 10 are held back, the count is complete.
    run --separate-stderr bash -c "for i in \$(seq 30); do echo '{}'; done | evfilter --set 'x=\"a\" + y' true"
    assert_success
    [ "${#lines[@]}" -eq 30 ]
    [ "$(grep -c 'type error at offset' <<< "$stderr")" -eq 10 ]
    [[ "$stderr" == *"evfilter: 30 type errors in expressions"* ]]
}

@test "--strict makes a type error fatal with exit 3; the event is not written" {
    run --separate-stderr bash -c "printf '%s\n' '{\"a\":\"x\"}' '{}' '{\"a\":\"y\"}' | evfilter --strict --set 'b=\"p/\" + a' true"
    assert_failure 3
    assert_output '{"a":"x","b":"p/x"}'
    [ "$stderr" = $'evfilter: line 2: --set \'b="p/" + a\': type error at offset 5: string + null (+ takes two numbers or two strings)' ]
}

@test "a type error in EXPR selects nothing, with or without -v" {
    run --separate-stderr bash -c "printf '%s\n' '{\"a\":\"x\"}' '{}' | evfilter 'a + \"!\" == \"x!\"'"
    assert_success
    assert_output '{"a":"x"}'
    [[ "$stderr" == "evfilter: line 2: EXPR: type error at offset 2: null + string"* ]]
    run --separate-stderr bash -c "printf '%s\n' '{\"a\":\"x\"}' '{}' | evfilter -v 'a + \"!\" == \"x!\"'"
    assert_failure 1
    assert_output ''
    # A constant type error is a compile error.
    run evfilter '"a" + 1' /dev/null
    assert_failure 2
    assert_line --index 0 'evfilter: type error at offset 4: string + number (+ takes two numbers or two strings)'
}

@test "--each: one output per element, a copy of the input with item bound; -c counts outputs" {
    run --separate-stderr bash -c "printf '%s\n' '{\"id\":\"w\",\"alerts\":[{\"n\":\"a\"},{\"n\":\"b\"},{\"n\":\"c\"}]}' '{\"id\":\"x\"}' '{\"id\":\"y\",\"alerts\":{}}' '{\"alerts\":[]}' | evfilter --each alerts --set 'name=item.n' --del alerts 'item.n != \"b\"'"
    assert_success
    assert_output $'{"id":"w","name":"a"}\n{"id":"w","name":"c"}'
    [ "$stderr" = 'evfilter: 2 events without an array at --each alerts' ]
    run --separate-stderr bash -c "printf '%s\n' '{\"alerts\":[1,2,3]}' '{\"alerts\":[4]}' | evfilter -c --each alerts 'item >= 2'"
    assert_success
    assert_output '3'
    # Without edits, each output is the input line byte for byte.
    run bash -c "echo '{\"b\":1, \"l\":[0,0]}' | evfilter --each l true"
    assert_output $'{"b":1, "l":[0,0]}\n{"b":1, "l":[0,0]}'
    # -m counts outputs too; nothing selected exits 1.
    run bash -c "echo '{\"l\":[1,2,3]}' | evfilter -m 2 --each l -r item true"
    assert_output $'1\n2'
    run bash -c "echo '{\"l\":[1]}' | evfilter --each l 'item > 5'"
    assert_failure 1
}

@test "--each: item shadows a top-level field named item, which reads as usual without --each" {
    run bash -c "echo '{\"item\":\"top\",\"list\":[\"inner\"]}' | evfilter --each list -r item true"
    assert_output 'inner'
    run bash -c "echo '{\"item\":\"top\",\"list\":[\"inner\"]}' | evfilter -r item true"
    assert_output 'top'
    run bash -c "echo '{\"data\":{\"alerts\":[{\"labels\":{\"x\":1}}]}}' | evfilter --each 'data.alerts' -r 'item.labels' true"
    assert_output '{"x":1}'
}

@test "--keep writes only the named fields, in canonical order, after --set and --del" {
    run bash -c "echo '{\"zeta\":1,\"message\":\"m\",\"subject\":\"s\",\"tags\":{\"b\":1,\"a\":2},\"x\":0}' | evfilter --set 'name=\"n\"' --del message --keep zeta --keep message --keep tags.a --keep name --keep subject true"
    assert_success
    assert_output '{"subject":"s","name":"n","tags":{"a":2},"zeta":1}'
    run bash -c "echo '{\"a\":1}' | evfilter --keep b true"
    assert_output '{}'
    run evfilter --keep 'l[0]' true /dev/null
    assert_failure 2
    assert_output 'evfilter: --keep l[0]: keeps fields, not array elements'
}

@test "-r prints the value raw, like jq -r, control characters escaped unless --raw-control" {
    run bash -c "printf '%s\n' '{\"s\":\"plain é\"}' '{\"s\":2.50}' '{\"s\":{\"b\":1,\"a\":[true]}}' '{}' '{\"s\":\"a\\nb\\u001b[31m\"}' | evfilter -r s true"
    assert_success
    assert_output $'plain é\n2.5\n{"a":[true],"b":1}\nnull\na\\nb\\x1b[31m'
    # A hostile value cannot forge a line or a field separator.
    run bash -c "echo '{\"s\":\"ok\\nFAKE LINE|x\\u202e\\\\\"}' | evfilter -r s true"
    assert_output 'ok\nFAKE LINE\x7cx\u{202e}\\'
    [ "${#lines[@]}" -eq 1 ]
    run bash -c "echo '{\"s\":\"a\\tb\"}' | evfilter -r s --raw-control true | od -c | head -1"
    assert_output --partial 'a  \t   b  \n'
    # jq -r agrees on plain values.
    run bash -c "printf '%s\n' '{\"s\":\"x y\"}' '{\"s\":[1,\"z\"]}' | evfilter -r s true"
    [ "$output" = "$(printf '%s\n' '{"s":"x y"}' '{"s":[1,"z"]}' | jq -rc .s)" ]
    run evfilter -r s -c true /dev/null
    assert_failure 2
    run evfilter --raw-control true /dev/null
    assert_failure 2
    run evfilter -r s --to kafka:t --brokers 127.0.0.1:1 true /dev/null
    assert_failure 2
    assert_output --partial 'it takes no --to'

}

@test "-r with a type error prints nothing for that event" {
    run --separate-stderr bash -c "printf '%s\n' '{\"a\":\"x\"}' '{}' '{\"a\":\"y\"}' | evfilter -r '\"p/\" + a' true"
    assert_success
    assert_output $'p/x\np/y'
    [[ "$stderr" == "evfilter: line 2: -r: type error at offset 5: string + null"* ]]
}

@test "parse_time and format_time map webhook times" {
    run bash -c "echo '{\"startsAt\":\"2026-12-02T09:30:00.25+02:00\",\"endsAt\":\"0001-01-01T00:00:00Z\"}' | evfilter --set 'time=parse_time(startsAt)' --set 'ends=parse_time(endsAt)' --set 'at=format_time(parse_time(startsAt), \"%Y-%m-%d %H:%M:%S\")' --keep time --keep ends --keep at true"
    assert_output '{"time":1796196600.25,"at":"2026-12-02 07:30:00","ends":null}'
    [ "$(date -u -d @1796196600 +%Y-%m-%dT%H:%M:%S)" = 2026-12-02T07:30:00 ]
}
