#!/usr/bin/env bats
# evstatus: the filter's options, exit codes, bad input, wall-clock timers,
# signals, the state file (restart, corruption, kill -9), show and check.
# The state machine's rules are pinned by test/fixtures/status/*.scenario
# (run by test/unit/status_scenarios_test.cpp).

load helpers
bats_require_minimum_version 1.5.0

setup() {
    TMP="$BATS_TEST_TMPDIR"
    FLEET="$FIXTURES/status/fleet.ndjson"
}

teardown() {
    if [ -n "${PID:-}" ]; then
        kill -9 "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
}

@test "--help and --version" {
    run --separate-stderr evstatus --help
    assert_success
    assert_line --index 0 'Keep the current state per identity (subject, name) and insert alerts into the event stream.'
    run --separate-stderr evstatus --version
    assert_success
    assert_output 'evstatus (evkit) 0.1.0'
}

@test "usage errors exit 2 with a message on stderr" {
    run --separate-stderr evstatus --clock cpu
    assert_failure 2
    assert_output ''
    [ "${stderr%%$'\n'*}" = "evstatus: --clock: expected wall or event, not 'cpu'" ]
    run --separate-stderr evstatus --confirm 0
    assert_failure 2
    [ "$stderr" = "evstatus: --confirm: expected 1..255, not 0" ]
    run --separate-stderr evstatus --no-such-option
    assert_failure 2
    [ "${stderr_lines[0]}" = "evstatus: The following argument was not expected: --no-such-option" ]
}

@test "passes events through byte for byte and inserts alerts after their cause" {
    run --separate-stderr evstatus --clock event "$FLEET"
    assert_success
    [ "$stderr" = "" ]
    [ "${#lines[@]}" -eq 13 ]
    assert_line --index 0 "$(sed -n 1p "$FLEET")"
    assert_line --index 1 "$(sed -n 2p "$FLEET")"
    assert_line --index 2 --regexp '^\{"id":"[0-9A-Z]{26}","time":1000,"type":"alert","subject":"web2","name":"check_http","state":"warning","severity":1,"message":"slow","source":"evstatus","previous":"ok","reason":"transition","since":1000,"cause":"02"\}$'
    assert_line --index 3 "$(sed -n 3p "$FLEET")"
    assert_line --index 7 --regexp '"reason":"non-ok","since":1000,"cause":"06"\}$'
    assert_line --index 8 --regexp '^\{"id":"[0-9A-Z]{26}","time":1300,"type":"alert","subject":"web3","name":"check_http","state":"critical","severity":2,"message":"no status within ttl 5m","source":"evstatus","previous":"ok","reason":"expired","since":1300\}$'
    assert_line --index 9 "$(sed -n 7p "$FLEET")"
    assert_line --index 12 "$(sed -n 9p "$FLEET")"
}

@test "--alerts-only writes only alerts; event time gives the same bytes every run" {
    run --separate-stderr evstatus --clock event --alerts-only "$FLEET"
    assert_success
    [ "${#lines[@]}" -eq 4 ]
    first="$output"
    run --separate-stderr evstatus --clock event --alerts-only - < "$FLEET"
    assert_success
    [ "$output" = "$first" ]
}

@test "bad statuses are rejected, reported and kept with --rejects; the stream goes on" {
    printf '%s\n' '{"time":1,"subject":"a","name":"b","state":"broken"}' \
        '{"time":2,"subject":"a","name":"b","state":"critical"}' > "$TMP/in"
    run --separate-stderr evstatus --clock event --alerts-only --rejects "$TMP/rej" "$TMP/in"
    assert_success
    assert_output --partial '"reason":"transition"'
    [ "${stderr_lines[0]}" = "evstatus: $TMP/in: line 1: unknown state 'broken'" ]
    [ "${stderr_lines[1]}" = "evstatus: 1 line rejected, written to $TMP/rej" ]
    [ "$(cat "$TMP/rej")" = '{"time":1,"subject":"a","name":"b","state":"broken"}' ]
}

@test "--strict stops at the first bad status with exit 3" {
    printf '%s\n' '{"time":1,"subject":"a","name":"b","severity":9}' \
        '{"time":2,"subject":"a","name":"b","state":"critical"}' > "$TMP/in"
    run --separate-stderr evstatus --clock event --strict "$TMP/in"
    assert_failure 3
    assert_output ''
    [ "$stderr" = "evstatus: $TMP/in: line 1: severity is not an integer in 0..3" ]
}

@test "wall clock: expiry fires on a timer while the input is silent" {
    # The input stays open for 3 s; the ttl of 0.3 s must fire long before.
    start=$(date +%s.%N)
    (echo '{"id":"hb","type":"status","subject":"node1","name":"heartbeat","state":"ok","ttl":0.3}'; sleep 3) |
        timeout 10 evstatus --alerts-only > "$TMP/out" &
    PID=$!
    for _ in $(seq 50); do
        [ -s "$TMP/out" ] && break
        sleep 0.1
    done
    end=$(date +%s.%N)
    run cat "$TMP/out"
    assert_output --regexp '"subject":"node1","name":"heartbeat","state":"critical","severity":2,"message":"no status within ttl 300ms","source":"evstatus","previous":"ok","reason":"expired"'
    # It came from the timer, not from the end of input.
    awk -v s="$start" -v e="$end" 'BEGIN { exit !(e - s < 2.5) }'
}

@test "streaming: each status's alert is written at once while the input stays open" {
    # evstatus applies a status once the next line is read (to prefetch the
    # next identity): when no next line comes, it must still apply and flush.
    mkfifo "$TMP/in" "$TMP/out"
    evstatus --clock event --alerts-only < "$TMP/in" > "$TMP/out" &
    PID=$!
    exec 7> "$TMP/in"
    exec 8< "$TMP/out"
    echo '{"id":"a","time":1,"type":"status","subject":"web1","name":"http","state":"critical"}' >&7
    local line=""
    read -t 2 -r line <&8
    [[ "$line" == *'"state":"critical","severity":2,"source":"evstatus","previous":"ok","reason":"transition","since":1,"cause":"a"}' ]]
    echo '{"id":"b","time":2,"type":"status","subject":"web1","name":"http","state":"ok"}' >&7
    read -t 2 -r line <&8
    [[ "$line" == *'"state":"ok","severity":0,"source":"evstatus","previous":"critical","reason":"transition","since":2,"cause":"b"}' ]]
    exec 7>&-
    wait "$PID"
    PID=
    exec 8<&-
}

@test "SIGTERM flushes, saves the state file and exits 0" {
    mkfifo "$TMP/fifo"
    evstatus --state "$TMP/state" --alerts-only < "$TMP/fifo" > "$TMP/out" 2> "$TMP/err" &
    PID=$!
    exec 7> "$TMP/fifo"
    echo '{"id":"x","type":"status","subject":"web1","name":"http","state":"critical"}' >&7
    for _ in $(seq 50); do
        [ -s "$TMP/out" ] && break
        sleep 0.1
    done
    kill -TERM "$PID"
    rc=0
    wait "$PID" || rc=$?
    PID=
    exec 7>&-
    [ "$rc" -eq 0 ]
    run cat "$TMP/out"
    assert_output --partial '"reason":"transition"'
    [ ! -s "$TMP/err" ]
    run evstatus show --state "$TMP/state" --json
    assert_success
    assert_output --partial '"subject":"web1","name":"http","state":"critical"'
}

@test "restart with --state: unchanged states raise no alerts, changes do" {
    printf '%s\n' '{"time":1,"subject":"a","name":"x","state":"ok"}' \
        '{"time":1,"subject":"b","name":"x","state":"critical"}' > "$TMP/one"
    printf '%s\n' '{"time":2,"subject":"a","name":"x","state":"ok"}' \
        '{"time":2,"subject":"b","name":"x","state":"critical"}' \
        '{"time":3,"subject":"b","name":"x","state":"ok"}' > "$TMP/two"
    run evstatus --clock event --alert-on transitions --alerts-only --state "$TMP/state" "$TMP/one"
    assert_success
    [ "${#lines[@]}" -eq 1 ]
    run evstatus --clock event --alert-on transitions --alerts-only --state "$TMP/state" "$TMP/two"
    assert_success
    [ "${#lines[@]}" -eq 1 ]
    assert_output --partial '"state":"ok","severity":0,"source":"evstatus","previous":"critical","reason":"transition","since":3'
}

@test "a corrupt or unreadable state file stops evstatus with exit 2" {
    echo '{"evstatus_state":1,"clock":"event","time":1,"count":2}' > "$TMP/state"
    run --separate-stderr evstatus --state "$TMP/state" < /dev/null
    assert_failure 2
    [ "$stderr" = "evstatus: state file $TMP/state is corrupt: holds 0 identities, the header says 2 (the file is truncated)" ]
    echo 'not json' > "$TMP/state"
    run --separate-stderr evstatus --state "$TMP/state" < /dev/null
    assert_failure 2
    [ "$stderr" = "evstatus: state file $TMP/state is corrupt: line 1: not a JSON object" ]
    # Never silently discarded: the file is left as it was.
    [ "$(cat "$TMP/state")" = 'not json' ]
    mkdir "$TMP/dir"
    run --separate-stderr evstatus --state "$TMP/dir" < /dev/null
    assert_failure 2
    [ "$stderr" = "evstatus: state file $TMP/dir: Is a directory" ]
}

@test "kill -9 at any moment leaves a loadable state file" {
    awk 'BEGIN { for (i = 0; i < 300000; i++) {
        s = (i % 7 == 0) ? "critical" : "ok";
        printf "{\"time\":%d,\"subject\":\"host%d\",\"name\":\"check\",\"state\":\"%s\",\"ttl\":60}\n", i, i % 20000, s } }' \
        > "$TMP/in"
    for i in $(seq 20); do
        evstatus --clock event --state "$TMP/state" --save-interval 5ms "$TMP/in" > /dev/null 2>&1 &
        PID=$!
        sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
        kill -9 "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
        PID=
        if [ -e "$TMP/state" ]; then
            run evstatus show --state "$TMP/state" --json 'false'
            # exit 1: loaded, nothing selected; exit 2 would be a corrupt file
            [ "$status" -eq 1 ] || { echo "round $i: state file not loadable: $output"; false; }
        fi
    done
    [ -e "$TMP/state" ]
}

@test "show prints a table, --json prints NDJSON, EXPR selects" {
    evstatus --clock event --state "$TMP/state" "$FLEET" > /dev/null
    run --separate-stderr evstatus show --state "$TMP/state"
    assert_success
    assert_output "SUBJECT  NAME        STATE     SINCE                 LAST-SEEN             FLAGS    MESSAGE
web1     check_http  ok        1970-01-01T00:16:40Z  1970-01-01T00:25:00Z  -        -
web2     check_http  warning   1970-01-01T00:16:40Z  1970-01-01T00:25:00Z  -        slow
web3     check_http  critical  1970-01-01T00:21:40Z  1970-01-01T00:16:40Z  expired  no status within ttl 5m"
    run --separate-stderr evstatus show --state "$TMP/state" --json 'state != "ok"'
    assert_success
    assert_output '{"time":1500,"subject":"web2","name":"check_http","state":"warning","severity":1,"message":"slow","ttl":300,"since":1000,"deadline":1800,"expired":false,"flapping":false,"soft":0}
{"time":1000,"subject":"web3","name":"check_http","state":"critical","severity":2,"message":"no status within ttl 5m","ttl":300,"since":1300,"expired":true,"flapping":false,"soft":0}'
    run --separate-stderr evstatus show --state "$TMP/state" 'subject == "nope"'
    assert_failure 1
    run --separate-stderr evstatus show --state "$TMP/missing"
    assert_failure 2
    [ "$stderr" = "evstatus: state file $TMP/missing: No such file or directory" ]
}

@test "check: one Nagios line for many subjects, non-OK named, exit 2 on critical" {
    evstatus --clock event --state "$TMP/state" "$FLEET" > /dev/null
    run --separate-stderr evstatus check --state "$TMP/state" --name HTTP 'name == "check_http"'
    assert_failure 2
    assert_output 'HTTP: OK: 1 WARNING: 1 CRITICAL: 1 UNKNOWN: 0|total=3 ok=1 warn=1 crit=1 unknown=0
CRITICAL: web3 (check_http)
WARNING: web2 (check_http)'
    run --separate-stderr evstatus check --state "$TMP/state" 'subject != "web3"'
    assert_failure 1
    assert_output 'EVSTATUS: OK: 1 WARNING: 1 CRITICAL: 0 UNKNOWN: 0|total=2 ok=1 warn=1 crit=0 unknown=0
WARNING: web2 (check_http)'
    run --separate-stderr evstatus check --state "$TMP/state" 'subject == "web1"'
    assert_success
    assert_output 'EVSTATUS: OK: 1 WARNING: 0 CRITICAL: 0 UNKNOWN: 0|total=1 ok=1 warn=0 crit=0 unknown=0'
}

@test "check --warn-count / --crit-count: counts or percentages of non-OK" {
    evstatus --clock event --state "$TMP/state" "$FLEET" > /dev/null
    run evstatus check --state "$TMP/state" --warn-count 2 --crit-count 3
    assert_failure 1
    run evstatus check --state "$TMP/state" --crit-count 50%
    assert_failure 2
    run evstatus check --state "$TMP/state" --warn-count 90%
    assert_success
    run --separate-stderr evstatus check --state "$TMP/state" --warn-count lots
    assert_failure 2
    [ "$stderr" = "evstatus: --warn-count: bad threshold 'lots': expected a count N or a percentage N%" ]
}

@test "check --max-age: the registration form" {
    evstatus --clock event --state "$TMP/state" "$FLEET" > /dev/null
    run --separate-stderr evstatus check --state "$TMP/state" --max-age 5m
    assert_failure 2
    assert_output 'EVSTATUS: CRITICAL: 1 / 3 hosts not checked in within 300 seconds|totalhosts=3 oldhosts=1 currenthosts=2
web3 last seen 600 seconds ago'
    run --separate-stderr evstatus check --state "$TMP/state" --max-age 5m --now 1700
    assert_failure 2
    assert_line --index 0 'EVSTATUS: CRITICAL: 1 / 3 hosts not checked in within 300 seconds|totalhosts=3 oldhosts=1 currenthosts=2'
    run --separate-stderr evstatus check --state "$TMP/state" --max-age 1h
    assert_success
    assert_output 'EVSTATUS: OK: 0 / 3 hosts not checked in within 3600 seconds|totalhosts=3 oldhosts=0 currenthosts=3'
    run --separate-stderr evstatus check --state "$TMP/state" --max-age 5m --warn-count 1 --crit-count 2
    assert_failure 1
    assert_line --index 0 'EVSTATUS: WARNING: 1 / 3 hosts not checked in within 300 seconds|totalhosts=3 oldhosts=1 currenthosts=2'
}

@test "check on a missing or corrupt state file is UNKNOWN, exit 3" {
    run --separate-stderr evstatus check --state "$TMP/missing"
    assert_failure 3
    assert_output "EVSTATUS: UNKNOWN: state file $TMP/missing: No such file or directory"
    echo garbage > "$TMP/state"
    run --separate-stderr evstatus check --state "$TMP/state" --name REG
    assert_failure 3
    assert_output "REG: UNKNOWN: state file $TMP/state is corrupt: line 1: not a JSON object"
}

@test "--stats reports counters and memory per identity" {
    run --separate-stderr evstatus --clock event --alerts-only --stats "$FLEET"
    assert_success
    [ "${stderr_lines[0]}" = "evstatus: events 9, statuses 7, replayed 0, alerts 4 (1 expired, 0 held back by flapping), identities 3" ]
    [[ "${stderr_lines[1]}" =~ ^evstatus:\ memory:\ [0-9]+\ bytes\ per\ identity\ beyond\ subject\ and\ name\ \([0-9]+\ bytes\ of\ strings\),\ peak\ RSS\ [0-9]+\ kB$ ]]
}

@test "every option of --help is in the bash, zsh and fish completions" {
    opts=$( { evstatus --help; evstatus show --help; evstatus check --help; evstatus forget --help; } |
        grep -oE '(^|[ ,])--[a-z][a-z-]+' | sed 's/^[ ,]*//' | sort -u)
    [ -n "$opts" ]
    for opt in $opts; do
        for f in bash/evstatus zsh/_evstatus fish/evstatus.fish; do
            name=${opt#--}
            grep -qE -- "(--|-l )$name([^a-z-]|$)" "$EVKIT_ROOT/completions/$f" ||
                { echo "$opt missing from completions/$f"; false; }
        done
    done
    run bash -c "source '$EVKIT_ROOT/completions/bash/evstatus'; COMP_WORDS=(evstatus check --max-a); COMP_CWORD=2; _evstatus; echo \"\${COMPREPLY[*]}\""
    assert_output '--max-age'
    run bash -c "source '$EVKIT_ROOT/completions/bash/evstatus'; COMP_WORDS=(evstatus --clock ''); COMP_CWORD=2; _evstatus; echo \"\${COMPREPLY[*]}\""
    assert_output 'wall event'
}

@test "the registration monitor example replays to the documented alerts and checks" {
    run --separate-stderr "$EVKIT_ROOT/examples/evstatus/replay.sh" "$TMP"
    assert_success
    [ "$stderr" = "" ]
    assert_line --index 0 '== alerts'
    assert_line --index 1 --partial '"subject":"node3.example.com","name":"heartbeat","state":"critical","severity":2,"message":"no status within ttl 3m","source":"evstatus","previous":"ok","reason":"expired","since":1790000182}'
    assert_line --index 2 --partial '"subject":"node3.example.com","name":"heartbeat","state":"ok","severity":0,"source":"evstatus","previous":"critical","reason":"transition","since":1790000241}'
    assert_line --index 3 --partial '"subject":"node2.example.com","name":"heartbeat","state":"critical","severity":2,"message":"no status within ttl 3m","source":"evstatus","previous":"ok","reason":"expired","since":1790000241}'
    assert_line --index 5 'EVSTATUS: CRITICAL: 1 / 3 hosts not checked in within 120 seconds|totalhosts=3 oldhosts=1 currenthosts=2'
    assert_line --index 6 'node2.example.com last seen 240 seconds ago'
    assert_line --index 7 '(exit 2)'
    assert_line --index 9 'REGISTRATIONS: OK: 2 WARNING: 0 CRITICAL: 1 UNKNOWN: 0|total=3 ok=2 warn=0 crit=1 unknown=0'
    assert_line --index 10 'CRITICAL: node2.example.com (heartbeat)'
}

@test "the heartbeat example emits valid status events that evstatus accepts" {
    run bash -c "ROLE=web '$EVKIT_ROOT/examples/evstatus/heartbeat.sh' 1 2 | evstatus --clock event --strict --state '$TMP/hb.state' --alerts-only"
    assert_success
    assert_output ''
    run evstatus show --state "$TMP/hb.state" --json
    assert_success
    assert_output --regexp '"name":"heartbeat","state":"ok","severity":0,"tags":\{"role":"web"\},"ttl":3,'
}

@test "the heartbeat example takes its subject and role as data, never as JSON text" {
    run "$EVKIT_ROOT/examples/evstatus/heartbeat.sh" --subject 'web"1
x' --role 'a\b' 1 1
    assert_success
    run jq -c '[.subject, .tags.role, .name, .ttl]' <<< "$output"
    assert_output '["web\"1\nx","a\\b","heartbeat",3]'
    run "$EVKIT_ROOT/examples/evstatus/heartbeat.sh" --subject
    assert_failure 2
    assert_output --partial 'usage: heartbeat.sh'
}

@test "wall clock restart: deadlines passed while stopped get one ttl, not an alert storm" {
    # Saved long ago (event times near 0): every deadline is far in the past.
    printf '%s\n' '{"time":100,"subject":"a","name":"hb","state":"ok","ttl":2}' \
        '{"time":100,"subject":"b","name":"hb","state":"ok","ttl":2}' |
        evstatus --clock event --state "$TMP/state" > /dev/null
    run bash -c "sleep 1 | evstatus --state '$TMP/state' --alerts-only"
    assert_success
    assert_output ''
    # Still silent one ttl after the start: now they expire, once each.
    run bash -c "sleep 3 | timeout 10 evstatus --state '$TMP/state' --alerts-only"
    assert_success
    [ "${#lines[@]}" -eq 2 ]
    assert_line --index 0 --partial '"subject":"a","name":"hb","state":"critical","severity":2,"message":"no status within ttl 2s","source":"evstatus","previous":"ok","reason":"expired"'
    assert_line --index 1 --partial '"subject":"b","name":"hb","state":"critical"'
}

@test "--save-interval saves the state file while running, even when the input is idle" {
    mkfifo "$TMP/fifo"
    evstatus --state "$TMP/state" --save-interval 200ms --alerts-only < "$TMP/fifo" > /dev/null &
    PID=$!
    exec 7> "$TMP/fifo"
    echo '{"type":"status","subject":"db1","name":"disk","state":"warning"}' >&7
    for _ in $(seq 50); do
        grep -q '"subject":"db1"' "$TMP/state" 2> /dev/null && break
        sleep 0.1
    done
    run evstatus show --state "$TMP/state" --json
    assert_success
    assert_output --partial '"subject":"db1","name":"disk","state":"warning"'
    kill -0 "$PID"  # still running: the save came from the interval, not the exit
    kill -TERM "$PID"
    rc=0
    wait "$PID" || rc=$?
    PID=
    exec 7>&-
    [ "$rc" -eq 0 ]
}

@test "state file: a symlink planted at STATE.tmp is not followed; the state is still saved" {
    echo precious > "$TMP/victim"
    ln -s "$TMP/victim" "$TMP/state.tmp"
    ln -s "$TMP/victim" "$TMP/.state.tmp"
    run evstatus --clock event --state "$TMP/state" <<< '{"time":1,"subject":"web1","name":"http","state":"critical"}'
    assert_success
    [ "$(cat "$TMP/victim")" = precious ]
    [ -L "$TMP/state.tmp" ] && [ -L "$TMP/.state.tmp" ]
    [ -f "$TMP/state" ] && [ ! -L "$TMP/state" ]
    run evstatus show --state "$TMP/state" --json
    assert_success
    assert_output --partial '"subject":"web1","name":"http","state":"critical"'
    # Nothing else was left beside the state file but its lock file.
    run ls -A "$TMP"
    assert_output "$(printf '%s\n' .state.tmp state state.lock state.tmp victim)"
}

@test "state file: a symlink at STATE itself is refused with exit 2, its target untouched" {
    echo precious > "$TMP/victim"
    ln -s "$TMP/victim" "$TMP/state"
    run --separate-stderr evstatus --clock event --state "$TMP/state" <<< '{"time":1,"subject":"a","name":"b","state":"ok"}'
    assert_failure 2
    [ "$stderr" = "evstatus: state file $TMP/state is a symbolic link (give the path of the file itself)" ]
    [ "$(cat "$TMP/victim")" = precious ]
    [ -L "$TMP/state" ]
}

@test "state file: a new one is 0600 whatever the umask; a saved one keeps its mode" {
    ev='{"time":1,"subject":"a","name":"b","state":"ok"}'
    run bash -c "umask 022; evstatus --clock event --state '$TMP/state' <<< '$ev'"
    assert_success
    [ "$(stat -c %a "$TMP/state")" = 600 ]
    for mode in 600 640 644; do
        chmod "$mode" "$TMP/state"
        run bash -c "umask 077; evstatus --clock event --state '$TMP/state' <<< '$ev'"
        assert_success
        [ "$(stat -c %a "$TMP/state")" = "$mode" ]
    done
}

@test "state file: temporaries left by a save killed with -9 are removed by the next save" {
    bash -c 'exit 0' &
    dead=$!
    wait "$dead"
    stale="$TMP/.state.tmp.$dead.0123456789ab"
    echo '{"partial' > "$stale"
    run evstatus --clock event --state "$TMP/state" <<< '{"time":1,"subject":"a","name":"b","state":"ok"}'
    assert_success
    [ ! -e "$stale" ]
    [ -f "$TMP/state" ]
}

@test "check and show escape subjects and names: no forged status line, perfdata or terminal control" {
    printf '%s\n' '{"time":1000,"subject":"a\nOK - fake | x=1","name":"n","state":"critical"}' \
        '{"time":1000,"subject":"\u001b[2J\u0000z","name":"n\u2028|","state":"critical"}' |
        evstatus --clock event --state "$TMP/state" > /dev/null
    # Bytes go through files, not $output: bash drops NUL from variables.
    evstatus check --state "$TMP/state" > "$TMP/check" || [ $? -eq 2 ]
    [ "$(wc -l < "$TMP/check")" -eq 2 ]
    [ "$(tr -cd '|' < "$TMP/check")" = "|" ]                       # the perfdata separator only
    [ "$(tr -d '\n -~' < "$TMP/check" | wc -c)" -eq 0 ]              # printable ASCII only: no ESC, NUL, U+2028
    run cat "$TMP/check"
    assert_output 'EVSTATUS: OK: 0 WARNING: 0 CRITICAL: 2 UNKNOWN: 0|total=2 ok=0 warn=0 crit=2 unknown=0
CRITICAL: \x1b[2J\x00z (n\u{2028}\x7c), a\nOK - fake \x7c x=1 (n)'
    evstatus check --state "$TMP/state" --max-age 1s --now 2000 > "$TMP/age" || [ $? -eq 2 ]
    [ "$(wc -l < "$TMP/age")" -eq 3 ]
    [ "$(tr -cd '|' < "$TMP/age")" = "|" ]
    run cat "$TMP/age"
    assert_output 'EVSTATUS: CRITICAL: 2 / 2 hosts not checked in within 1 seconds|totalhosts=2 oldhosts=2 currenthosts=0
\x1b[2J\x00z last seen 1000 seconds ago
a\nOK - fake \x7c x=1 last seen 1000 seconds ago'
    evstatus show --state "$TMP/state" > "$TMP/show"
    [ "$(wc -l < "$TMP/show")" -eq 3 ]
    [ "$(tr -d '\n -~' < "$TMP/show" | wc -c)" -eq 0 ]
    run cat "$TMP/show"
    assert_output 'SUBJECT                NAME           STATE     SINCE                 LAST-SEEN             FLAGS  MESSAGE
\x1b[2J\x00z           n\u{2028}\x7c  critical  1970-01-01T00:16:40Z  1970-01-01T00:16:40Z  -      -
a\nOK - fake \x7c x=1  n              critical  1970-01-01T00:16:40Z  1970-01-01T00:16:40Z  -      -'
    # --json stays JSON, escaped by the encoder, and gives the values back exactly.
    run evstatus show --state "$TMP/state" --json
    assert_success
    run jq -ac '[.subject, .name]' <<< "$output"
    assert_output '["\u001b[2J\u0000z","n\u2028|"]
["a\nOK - fake | x=1","n"]'
}

# ---------------------------------------------------------------- replays

# Writes the statuses of one identity: critical (c1, time 1), ok (o2, time 2),
# warning (w3, time 3).
replay_input() {
    printf '%s\n' '{"id":"c1","time":1,"type":"status","subject":"web1","name":"http","state":"critical"}' \
        '{"id":"o2","time":2,"type":"status","subject":"web1","name":"http","state":"ok"}' \
        '{"id":"w3","time":3,"type":"status","subject":"web1","name":"http","state":"warning"}' > "$1"
}

@test "replay: alert ids come from their causes, not the clock: two wall-clock runs give the same ids" {
    replay_input "$TMP/in"
    run --separate-stderr evstatus --alerts-only "$TMP/in"
    assert_success
    assert_equal "${#lines[@]}" 3
    first=$(jq -r '"\(.cause) \(.id)"' <<< "$output")
    sleep 0.01
    run --separate-stderr evstatus --alerts-only "$TMP/in"
    assert_equal "$(jq -r '"\(.cause) \(.id)"' <<< "$output")" "$first"
    # Three causes, three ids; each id's time part is its cause's time in
    # milliseconds, Crockford base32 (1000 = Z8, 2000 = 1YG, 3000 = 2XR).
    assert_equal "$(cut -d' ' -f2 <<< "$first" | sort -u | wc -l)" 3
    assert_equal "$(cut -c4-13 <<< "$first" | tr '\n' ' ')" "00000000Z8 00000001YG 00000002XR "
}

@test "replay: the same lines again in one process pass through and change nothing" {
    replay_input "$TMP/in"
    run --separate-stderr evstatus --clock event --alerts-only --stats "$TMP/in"
    assert_success
    alerts=$output
    cat "$TMP/in" "$TMP/in" > "$TMP/twice"
    run --separate-stderr evstatus --clock event --stats --state "$TMP/state" "$TMP/twice"
    assert_success
    # Every input line is written, the alerts only once, with the same bytes.
    assert_equal "$(grep -c '"type":"status"' <<< "$output")" 6
    assert_equal "$(grep '"type":"alert"' <<< "$output")" "$alerts"
    [ "${stderr_lines[0]}" = "evstatus: events 6, statuses 3, replayed 3, alerts 3 (0 expired, 0 held back by flapping), identities 1" ]
    run evstatus show --state "$TMP/state" --json
    assert_equal "$(jq -r .state <<< "$output")" warning
}

@test "replay: a fresh process with the saved state, fed the last lines again, keeps its state and ids" {
    replay_input "$TMP/in"
    run --separate-stderr evstatus --clock event --alerts-only "$TMP/in"
    whole=$output
    # The state covers the first two lines; the replay re-reads lines 1..3
    # (Kafka re-delivers from an older commit): 1 and 2 are in the saved
    # window, 3 is new and raises the alert the whole run raised for it.
    head -n 2 "$TMP/in" > "$TMP/first"
    run --separate-stderr evstatus --clock event --alerts-only --state "$TMP/state" "$TMP/first"
    assert_success
    assert_equal "$output" "$(head -n 2 <<< "$whole")"
    grep -q '"recent_ids":"' "$TMP/state"
    run --separate-stderr evstatus --clock event --alerts-only --stats --state "$TMP/state" "$TMP/in"
    assert_success
    assert_equal "$output" "$(tail -n 1 <<< "$whole")"
    [ "${stderr_lines[0]}" = "evstatus: events 3, statuses 1, replayed 2, alerts 1 (0 expired, 0 held back by flapping), identities 1" ]
    # Fed the last two lines once more: nothing at all.
    tail -n 2 "$TMP/in" > "$TMP/last"
    run --separate-stderr evstatus --clock event --alerts-only --state "$TMP/state" "$TMP/last"
    assert_success
    assert_output ""
    run evstatus show --state "$TMP/state" --json
    assert_equal "$(jq -r .state <<< "$output")" warning
}

@test "replay: statuses without an id are always applied, their alerts known by their line" {
    printf '%s\n' '{"time":1,"subject":"web1","name":"http","state":"critical"}' \
        '{"time":2,"subject":"web1","name":"http","state":"ok"}' > "$TMP/in"
    cat "$TMP/in" "$TMP/in" > "$TMP/twice"
    run --separate-stderr evstatus --clock event --alerts-only "$TMP/twice"
    assert_success
    assert_equal "${#lines[@]}" 4
    # The same line raises the same alert twice: the same id.
    ids=$(jq -r .id <<< "$output")
    assert_equal "$(sed -n 1p <<< "$ids")" "$(sed -n 3p <<< "$ids")"
    assert_equal "$(sort -u <<< "$ids" | wc -l)" 2
}

@test "state keeps tags and the last message: check selects on tags, show has a message column" {
    printf '%s\n' \
        '{"time":100,"subject":"web1","name":"http","state":"critical","message":"HTTP CRITICAL - 503","tags":{"role":"frontend_web"}}' \
        '{"time":101,"subject":"db1","name":"disk","state":"warning","message":"DISK WARNING - 91%","tags":{"role":"db"}}' \
        '{"time":102,"subject":"web2","name":"http","state":"ok","tags":{"role":"frontend_web"}}' \
        '{"time":110,"subject":"web2","name":"http","state":"ok"}' |
        evstatus --clock event --state "$TMP/state" > /dev/null
    run evstatus check --state "$TMP/state" 'tags.role == "frontend_web"'
    assert_output 'EVSTATUS: OK: 1 WARNING: 0 CRITICAL: 1 UNKNOWN: 0|total=2 ok=1 warn=0 crit=1 unknown=0
CRITICAL: web1 (http)'
    [ "$status" -eq 2 ]
    run evstatus show --state "$TMP/state" 'message =~ /DISK/'
    assert_output 'SUBJECT  NAME  STATE    SINCE                 LAST-SEEN             FLAGS  MESSAGE
db1      disk  warning  1970-01-01T00:01:41Z  1970-01-01T00:01:41Z  -      DISK WARNING - 91%'
    # A restart keeps them (state file version 2).
    echo '{"time":120,"subject":"db1","name":"disk","state":"warning"}' | evstatus --clock event --state "$TMP/state" > /dev/null
    run evstatus show --state "$TMP/state" --json 'subject == "db1"'
    assert_output '{"time":120,"subject":"db1","name":"disk","state":"warning","severity":1,"tags":{"role":"db"},"since":101,"expired":false,"flapping":false,"soft":0}'
}

@test "a version 1 state file loads and is saved as version 2" {
    printf '%s\n' '{"evstatus_state":1,"clock":"event","time":300,"count":1}' \
        '{"subject":"web1","name":"http","state":"critical","raw":"critical","since":100,"seen":290,"ttl":0,"deadline":0,"soft":0,"flap":1,"flapping":false,"expired":false}' > "$TMP/state"
    run evstatus check --state "$TMP/state"
    [ "$status" -eq 2 ]
    echo '{"time":310,"subject":"web1","name":"http","state":"ok"}' | evstatus --clock event --alerts-only --state "$TMP/state" > "$TMP/alerts"
    run jq -c '[.previous, .state, .reason]' "$TMP/alerts"
    assert_output '["critical","ok","transition"]'
    run head -1 "$TMP/state"
    assert_output '{"evstatus_state":2,"clock":"event","time":310,"count":1,"positions":[]}'
    run jq -c 'select(.subject) | [.flap, .flap_last]' "$TMP/state"
    assert_output '[3,"ok"]'
}

@test "check: nothing selected is UNKNOWN naming EXPR; --name labels --max-age; --now takes RFC 3339" {
    evstatus --clock event --state "$TMP/state" "$FLEET" > /dev/null
    run --separate-stderr evstatus check --state "$TMP/state" --name HTTP 'subject == "web9"'
    assert_failure 3
    assert_output 'HTTP: UNKNOWN: no identities match subject == "web9"'
    run --separate-stderr evstatus check --state "$TMP/state" --max-age 5m 'subject == "web9"'
    assert_failure 3
    assert_output 'EVSTATUS: UNKNOWN: no identities match subject == "web9"'
    run --separate-stderr evstatus check --state "$TMP/state" --name REG --max-age 5m --now 1970-01-01T00:28:20Z
    assert_failure 2
    assert_line --index 0 'REG: CRITICAL: 1 / 3 hosts not checked in within 300 seconds|totalhosts=3 oldhosts=1 currenthosts=2'
    assert_line --index 1 'web3 last seen 700 seconds ago'
    run --separate-stderr evstatus check --state "$TMP/state" --max-age 5m --now 1700
    assert_line --index 1 'web3 last seen 700 seconds ago'
    run --separate-stderr evstatus check --state "$TMP/state" --max-age 5m --now soon
    assert_failure 2
    assert_output ''
    [[ "$stderr" == "evstatus: --now: "* ]]
}

@test "check --warn-count / --crit-count: the verdict word leads the first line" {
    evstatus --clock event --state "$TMP/state" "$FLEET" > /dev/null
    run --separate-stderr evstatus check --state "$TMP/state" --name HTTP --warn-count 90%
    assert_success
    assert_line --index 0 'HTTP: OK: OK: 1 WARNING: 1 CRITICAL: 1 UNKNOWN: 0|total=3 ok=1 warn=1 crit=1 unknown=0'
    assert_line --index 1 'CRITICAL: web3 (check_http)'
    run --separate-stderr evstatus check --state "$TMP/state" --warn-count 1 --crit-count 3
    assert_failure 1
    assert_line --index 0 'EVSTATUS: WARNING: OK: 1 WARNING: 1 CRITICAL: 1 UNKNOWN: 0|total=3 ok=1 warn=1 crit=1 unknown=0'
}

@test "check --max-list caps each state's list; --expect counts identities never seen as UNKNOWN" {
    for i in $(seq -w 1 30); do
        echo "{\"time\":100,\"subject\":\"node$i\",\"name\":\"heartbeat\",\"state\":\"critical\"}"
    done | evstatus --clock event --state "$TMP/state" > /dev/null
    run --separate-stderr evstatus check --state "$TMP/state"
    assert_failure 2
    assert_line --index 1 --regexp '^CRITICAL: node01 \(heartbeat\), .*, node20 \(heartbeat\), \.\.\. and 10 more$'
    run --separate-stderr evstatus check --state "$TMP/state" --max-list 1
    assert_line --index 1 'CRITICAL: node01 (heartbeat), ... and 29 more'
    run --separate-stderr evstatus check --state "$TMP/state" --max-list 0
    assert_line --index 1 --regexp ', node30 \(heartbeat\)$'

    # The inventory (an evrpc --nodes list: subjects, or events with subject and name).
    printf '%s\n' '# fleet' node01 node31 '{"subject":"node02","name":"heartbeat"}' '{"subject":"node02","name":"ntp"}' > "$TMP/fleet"
    run --separate-stderr evstatus check --state "$TMP/state" --expect "$TMP/fleet" --max-list 2 'subject <= "node02"'
    assert_failure 2
    assert_output 'EVSTATUS: OK: 0 WARNING: 0 CRITICAL: 2 UNKNOWN: 2|total=4 ok=0 warn=0 crit=2 unknown=2 unseen=2
CRITICAL: node01 (heartbeat), node02 (heartbeat)
UNKNOWN: node02 (ntp, never seen), node31 (never seen)'
    run --separate-stderr evstatus check --state "$TMP/state" --expect "$TMP/fleet" --max-age 1m --now 130 'subject <= "node02"'
    assert_failure 2
    assert_output 'EVSTATUS: CRITICAL: 1 / 3 hosts not checked in within 60 seconds|totalhosts=3 oldhosts=1 currenthosts=2
node31 never seen'
    # The same list from standard input, and a list that is wrong is UNKNOWN, not OK.
    run --separate-stderr evstatus check --state "$TMP/state" --expect - 'subject == "node01"' <<< 'node01'
    assert_line --index 0 --partial 'total=1 '
    echo '{"name":"x"}' > "$TMP/bad"
    run --separate-stderr evstatus check --state "$TMP/state" --expect "$TMP/bad"
    assert_failure 3
    assert_output "EVSTATUS: UNKNOWN: --expect: $TMP/bad:1: an event without a string subject"
}

@test "forget drops identities atomically and refuses while an evstatus holds the state file" {
    evstatus --clock event --state "$TMP/state" "$FLEET" > /dev/null
    run --separate-stderr evstatus forget --state "$TMP/state" 'subject == "web3"'
    assert_success
    assert_output 'forgot 1 of 3 identities'
    run evstatus show --state "$TMP/state" --json
    assert_equal "$(jq -r .subject <<< "$output" | tr '\n' ' ')" 'web1 web2 '
    run --separate-stderr evstatus forget --state "$TMP/state" 'subject == "web3"'
    assert_failure 1
    assert_output 'forgot 0 of 2 identities'
    run --separate-stderr evstatus forget --state "$TMP/state"
    assert_failure 2

    # A running evstatus holds STATE.lock: forget and a second evstatus refuse
    # (its next save would undo the one, the two would overwrite each other).
    mkfifo "$TMP/in"
    evstatus --clock event --state "$TMP/state" "$TMP/in" > /dev/null &
    PID=$!
    exec 8> "$TMP/in"
    for _ in $(seq 100); do flock -n "$TMP/state.lock" true || break; sleep 0.05; done
    run ! flock -n "$TMP/state.lock" true
    run --separate-stderr evstatus forget --state "$TMP/state" 'subject == "web1"'
    assert_failure 2
    [ "$stderr" = "evstatus: state file $TMP/state is in use: $TMP/state.lock is locked by another process (stop it, or give it --forget-after)" ]
    run --separate-stderr evstatus --clock event --state "$TMP/state" < /dev/null
    assert_failure 2
    [ "$stderr" = "evstatus: state file $TMP/state is in use: $TMP/state.lock is locked by another process" ]
    exec 8>&-
    wait "$PID"
    PID=
    run --separate-stderr evstatus forget --state "$TMP/state" 'subject == "web1"'
    assert_success
    assert_output 'forgot 1 of 2 identities'
}

@test "--forget-after drops identities silent that long on event time, after their expiry; a return starts afresh" {
    printf '%s\n' \
        '{"time":0,"subject":"gone","name":"hb","state":"critical"}' \
        '{"time":0,"subject":"ttl","name":"hb","state":"ok","ttl":600}' \
        '{"time":0,"subject":"live","name":"hb","state":"ok"}' \
        '{"time":200,"subject":"live","name":"hb","state":"ok"}' \
        '{"time":400,"subject":"live","name":"hb","state":"ok"}' \
        '{"time":500,"subject":"gone","name":"hb","state":"critical"}' > "$TMP/in"
    # Without it the second critical is a repeat of the first.
    run evstatus --clock event --alerts-only "$TMP/in"
    assert_equal "$(jq -r 'select(.subject == "gone") | .reason' <<< "$output" | tr '\n' ' ')" 'transition non-ok '
    # With it, gone (silent 500 s > 5m) was dropped at a sweep before t=500
    # and comes back new: a transition from ok. ttl expires at 600 first.
    run --separate-stderr evstatus --clock event --alerts-only --forget-after 5m --state "$TMP/state" "$TMP/in"
    assert_success
    assert_equal "$(jq -r 'select(.subject == "gone") | [.previous, .reason] | join(" ")' <<< "$output" | tr '\n' ',')" 'ok transition,ok transition,'
    first=$output
    run evstatus show --state "$TMP/state" --json
    assert_equal "$(jq -r .subject <<< "$output" | tr '\n' ' ')" 'gone live ttl '
    # Time moves on: ttl expires at 600 (the alert comes first), and being
    # silent for more than 5m already it goes at once.
    echo '{"time":700,"subject":"live","name":"hb","state":"ok"}' |
        evstatus --clock event --alerts-only --forget-after 5m --state "$TMP/state" > "$TMP/alerts"
    assert_equal "$(jq -r '[.subject, .reason] | join(" ")' "$TMP/alerts")" 'ttl expired'
    run evstatus show --state "$TMP/state" --json
    assert_equal "$(jq -r .subject <<< "$output" | tr '\n' ' ')" 'gone live '
    echo '{"time":1000,"subject":"live","name":"hb","state":"ok"}' |
        evstatus --clock event --alerts-only --forget-after 5m --state "$TMP/state" > /dev/null
    run evstatus show --state "$TMP/state" --json
    assert_equal "$(jq -r .subject <<< "$output" | tr '\n' ' ')" 'live '
    # Event time: the same input gives the same output.
    rm "$TMP/state"
    run --separate-stderr evstatus --clock event --alerts-only --forget-after 5m --state "$TMP/state" "$TMP/in"
    assert_equal "$output" "$first"
    run --separate-stderr evstatus --forget-after 0s
    assert_failure 2
    [ "$stderr" = "evstatus: --forget-after: must be more than 0" ]
}

@test "show --format openmetrics: node_exporter's textfile collector reads it (labels escaped, no timestamps)" {
    printf '%s\n' '{"time":990,"subject":"db1","name":"disk","state":"warning","ttl":5}' \
        '{"time":1000,"subject":"web\"1\\ a\nb","name":"http","state":"critical"}' \
        '{"time":1100,"subject":"web2","name":"http","state":"ok"}' |
        evstatus --clock event --state "$TMP/state" > /dev/null
    mkdir "$TMP/textfile"
    run --separate-stderr evstatus show --state "$TMP/state" --format openmetrics --output "$TMP/textfile/evstatus.prom"
    assert_success
    assert_output ''
    [ "$(stat -c %a "$TMP/textfile/evstatus.prom")" = 644 ]
    run grep -c '^# TYPE evkit_status_[a-z_]* gauge$' "$TMP/textfile/evstatus.prom"
    assert_output 5
    run grep -F 'evkit_status_severity{subject="web\"1\\ a\nb",name="http"} 2' "$TMP/textfile/evstatus.prom"
    assert_success
    run grep -F 'evkit_status_expired{subject="db1",name="disk"} 1' "$TMP/textfile/evstatus.prom"
    assert_success
    # No sample has a timestamp: every sample line is NAME{LABELS} VALUE.
    run grep -vE '^(# (HELP|TYPE) .*|evkit_status_[a-z_]+\{subject="([^"\\]|\\.)*",name="([^"\\]|\\.)*"\} [0-9.e+-]+)$' "$TMP/textfile/evstatus.prom"
    assert_failure 1

    # The real reader: node_exporter parses the directory at each scrape,
    # and says node_textfile_scrape_error 1 for a file it cannot parse.
    command -v prometheus-node-exporter
    echo 'broken{ 1' > "$TMP/textfile/broken.prom"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
        --collector.textfile --collector.textfile.directory="$TMP/textfile" 2> "$TMP/node_exporter.log" &
    PID=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/metrics" > "$TMP/metrics" && break; sleep 0.1; done
    run grep -F 'node_textfile_scrape_error 1' "$TMP/metrics"
    assert_success
    rm "$TMP/textfile/broken.prom"
    curl -sf "http://127.0.0.1:$port/metrics" > "$TMP/metrics"
    run grep -F 'node_textfile_scrape_error 0' "$TMP/metrics"
    assert_success
    run grep '^evkit_status_' "$TMP/metrics"
    assert_success
    assert_line 'evkit_status_severity{name="http",subject="web\"1\\ a\nb"} 2'
    # db1 expired at 995 (ttl 5): critical since then.
    assert_line 'evkit_status_severity{name="disk",subject="db1"} 2'
    assert_line 'evkit_status_last_seen_seconds{name="http",subject="web2"} 1100'
    assert_line 'evkit_status_since_seconds{name="disk",subject="db1"} 995'
    assert_line 'evkit_status_flapping{name="http",subject="web2"} 0'
    assert_line 'evkit_status_expired{name="disk",subject="db1"} 1'
    [ "${#lines[@]}" -eq 15 ]
    kill "$PID"
    wait "$PID" || true
    PID=
}

@test "show --silences marks the identities a silence of evbatch's file covers" {
    now=$(date +%s)
    printf '%s\n' "{\"time\":$now,\"subject\":\"web1\",\"name\":\"http\",\"state\":\"critical\",\"tags\":{\"switch\":\"sw1\"}}" \
        "{\"time\":$now,\"subject\":\"web2\",\"name\":\"http\",\"state\":\"critical\"}" |
        evstatus --clock event --state "$TMP/state" > /dev/null
    run evbatch silence add 'tags.switch == "sw1"' --starts "$((now - 60))" --for 1h --comment 'switch sw1 maintenance' --silences "$TMP/silences"
    assert_success
    evbatch silence add 'subject == "web2"' --starts "$((now + 600))" --for 1h --comment later --silences "$TMP/silences" > /dev/null
    run --separate-stderr evstatus show --state "$TMP/state" --silences "$TMP/silences"
    assert_success
    assert_line --index 1 --regexp '^web1 +http +critical .* silenced +-$'
    assert_line --index 2 --regexp '^web2 +http +critical .* - +-$'
    run evstatus show --state "$TMP/state" --silences "$TMP/silences" --json
    assert_equal "$(jq -r '[.subject, .silenced] | join(" ")' <<< "$output" | tr '\n' ',')" 'web1 true,web2 false,'
    run evstatus show --state "$TMP/state" --silences "$TMP/silences" --format openmetrics
    assert_line 'evkit_status_silenced{subject="web1",name="http"} 1'
    assert_line 'evkit_status_silenced{subject="web2",name="http"} 0'
    echo garbage > "$TMP/bad"
    run --separate-stderr evstatus show --state "$TMP/state" --silences "$TMP/bad"
    assert_failure 2
    assert_output ''
}

@test "--forget-after on the wall clock: identities silent that long are gone from the state saved at exit" {
    now=$(date +%s)
    printf '%s\n' "{\"time\":$((now - 7200)),\"subject\":\"retired\",\"name\":\"hb\",\"state\":\"critical\"}" \
        "{\"time\":$((now - 60)),\"subject\":\"live\",\"name\":\"hb\",\"state\":\"ok\"}" |
        evstatus --clock event --state "$TMP/state" > /dev/null
    run --separate-stderr evstatus --forget-after 1h --state "$TMP/state" < /dev/null
    assert_success
    run evstatus show --state "$TMP/state" --json
    assert_equal "$(jq -r .subject <<< "$output")" 'live'
}
