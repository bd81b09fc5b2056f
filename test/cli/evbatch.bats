#!/usr/bin/env bats
# evbatch: group mode on event time (windows, interval, repeat, resolve,
# commands) and each mode (placeholders, concurrency, batches, rate,
# max-fail, timeouts, signals).

load helpers

B="$FIXTURES/batch"

setup() {
    TMP=$(mktemp -d)
}

teardown() {
    if [ -n "${BGPID:-}" ]; then
        kill -KILL "$BGPID" 2> /dev/null || true
        wait "$BGPID" 2> /dev/null || true
    fi
    rm -rf "$TMP"
}

# Writes N events {"id":"eI","subject":"hostI"} to FILE.
events() {
    local i
    for i in $(seq 1 "$1"); do
        printf '{"id":"e%d","subject":"host%d"}\n' "$i" "$i"
    done > "$2"
}

# Waits up to 10 s until FILE has at least N lines.
wait_lines() {
    local i
    for i in $(seq 1 200); do
        [ -f "$1" ] && [ "$(wc -l < "$1")" -ge "$2" ] && return 0
        sleep 0.05
    done
    return 1
}

# Waits up to TENTHS tenths of a second (default 20: 2 s) for PID to end.
wait_exit() {
    local i
    for i in $(seq 1 "${2:-20}"); do
        kill -0 "$1" 2> /dev/null || return 0
        sleep 0.1
    done
    return 1
}

# ---------------------------------------------------------------- group

@test "group: one alert per group after --wait, changes after --interval (event time)" {
    run --separate-stderr evbatch group --clock event "$B/puppet_window.ndjson"
    assert_success
    assert_equal "$stderr" ""
    assert_equal "${#lines[@]}" 3
    assert_line -n 0 '{"id":"000000Z430P0H6VHAG89H5KZRW","time":1030,"type":"alert","subject":"check_puppet_run/critical","name":"check_puppet_run","state":"critical","message":"3 hosts CRITICAL on check_puppet_run: web1, web2, web3","source":"evbatch","data":{"count":3,"members":[{"id":"p1","state":"critical","subject":"web1"},{"id":"p2","state":"critical","subject":"web2"},{"id":"p4","state":"critical","subject":"web3"}]},"reason":"new","since":1000}'
    assert_line -n 1 '{"id":"000000ZQM0DSX0TX0K6DC5XE9Z","time":1070,"type":"alert","subject":"check_disk/critical","name":"check_disk","state":"critical","message":"1 host CRITICAL on check_disk: db1","source":"evbatch","data":{"count":1,"members":[{"id":"p5","state":"critical","subject":"db1"}]},"reason":"new","since":1040}'
    assert_line -n 2 '{"id":"0000014KW0MN2TJMMHD1W2C6DC","time":1330,"type":"alert","subject":"check_puppet_run/critical","name":"check_puppet_run","state":"critical","message":"3 hosts CRITICAL on check_puppet_run: web2, web3, web4","source":"evbatch","data":{"count":3,"members":[{"id":"p7","state":"ok","subject":"web1"},{"id":"p2","state":"critical","subject":"web2"},{"id":"p4","state":"critical","subject":"web3"},{"id":"p6","state":"critical","subject":"web4"}]},"previous":"critical","reason":"changed","since":1000}'
}

@test "group: the same input always gives the same bytes on event time" {
    evbatch group --clock event "$B/puppet_window.ndjson" > "$TMP/a"
    evbatch group --clock event < "$B/puppet_window.ndjson" > "$TMP/b"
    run cmp "$TMP/a" "$TMP/b"
    assert_success
}

@test "group: repeat while unchanged, change, then a resolve notification" {
    run --separate-stderr evbatch group --clock event --wait 10s --interval 1m --repeat 3m "$B/puppet_repeat.ndjson"
    assert_success
    run jq -c '[.time, .reason, .state, .message, .previous]' <<< "$output"
    assert_output '[5010,"new","critical","2 hosts CRITICAL on check_puppet_run: web1, web2",null]
[5250,"repeat","critical","2 hosts CRITICAL on check_puppet_run: web1, web2","critical"]
[5310,"changed","critical","1 host CRITICAL on check_puppet_run: web2","critical"]
[5430,"resolved","ok","1 host OK on check_puppet_run: web2","critical"]'
}

@test "group: --no-resolve sends no resolve notification, nor one for a partial resolve" {
    run --separate-stderr evbatch group --clock event --wait 10s --interval 1m --repeat 3m --no-resolve "$B/puppet_repeat.ndjson"
    assert_success
    run jq -c '[.time, .reason, .message]' <<< "$output"
    assert_output '[5010,"new","2 hosts CRITICAL on check_puppet_run: web1, web2"]
[5250,"repeat","2 hosts CRITICAL on check_puppet_run: web1, web2"]'
}

@test "group: a group that resolves within --wait pages nobody" {
    run --separate-stderr evbatch group --clock event <<'EOF2'
{"time":100,"subject":"web1","name":"check_http","state":"critical"}
{"time":110,"subject":"web1","name":"check_http","state":"ok"}
{"time":500,"subject":"web2","name":"check_http","state":"ok"}
EOF2
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
}

@test "group: end of input flushes pending groups at the last event time" {
    run --separate-stderr evbatch group --clock event --wait 1h <<'EOF2'
{"time":100,"subject":"web1","name":"check_http","state":"warning"}
{"time":105,"subject":"web2","name":"check_http","state":"critical"}
EOF2
    assert_success
    run jq -c '[.time, .subject, .reason, .message]' <<< "$output"
    assert_output '[105,"check_http/warning","new","1 host WARNING on check_http: web1"]
[105,"check_http/critical","new","1 host CRITICAL on check_http: web2"]'
}

@test "group: --by fields and --by expression" {
    cat > "$TMP/in" <<'EOF2'
{"time":1,"subject":"a1","name":"check_ping","state":"critical","tags":{"dc":"ams"}}
{"time":2,"subject":"a2","name":"check_disk","state":"warning","tags":{"dc":"ams"}}
{"time":3,"subject":"f1","name":"check_ping","state":"critical","tags":{"dc":"fra"}}
EOF2
    run --separate-stderr evbatch group --clock event --by tags.dc "$TMP/in"
    assert_success
    run jq -c '[.subject, .name, .state, .message, .data.members]' <<< "$output"
    assert_output '["ams","ams","critical","2 hosts CRITICAL on ams: a1, a2",[{"name":"check_ping","state":"critical","subject":"a1"},{"name":"check_disk","state":"warning","subject":"a2"}]]
["fra","check_ping","critical","1 host CRITICAL on check_ping: f1",[{"state":"critical","subject":"f1"}]]'
    run --separate-stderr evbatch group --clock event --by '[upper(tags.dc), severity >= 2 or state == "critical"]' "$TMP/in"
    assert_success
    run jq -r '.subject' <<< "$output"
    assert_output '["AMS",true]
["AMS",false]
["FRA",true]'
}

# The notification rules follow Alertmanager's DedupStage (notify/dedup_stage.go):
# a group compares its firing and resolved members with what it last sent.

@test "group: a member that flaps within one interval sends nothing new; a repeat at the tick after --repeat" {
    run --separate-stderr evbatch group --clock event --wait 10s --interval 1m --repeat 10m <<'EOF2'
{"time":100,"subject":"web1","name":"check_http","state":"critical"}
{"time":130,"subject":"web1","name":"check_http","state":"ok"}
{"time":140,"subject":"web1","name":"check_http","state":"critical"}
{"time":200,"subject":"web1","name":"check_http","state":"ok"}
{"time":210,"subject":"web1","name":"check_http","state":"critical"}
{"time":800,"subject":"web9","name":"check_other","state":"ok"}
EOF2
    assert_success
    assert_equal "$stderr" ''
    run jq -c '[.time, .reason, .message]' <<< "$output"
    assert_output '[110,"new","1 host CRITICAL on check_http: web1"]
[770,"repeat","1 host CRITICAL on check_http: web1"]'
}

@test "group: a host escalating from warning to critical is resolved in the warning group" {
    run --separate-stderr evbatch group --clock event --wait 10s --interval 1m <<'EOF2'
{"time":100,"subject":"db1","name":"check_disk","state":"warning"}
{"time":100,"subject":"db2","name":"check_disk","state":"warning"}
{"time":150,"subject":"db1","name":"check_disk","state":"critical"}
{"time":300,"subject":"db9","name":"check_other","state":"ok"}
EOF2
    assert_success
    run jq -c '[.time, .subject, .reason, .message, .data.members]' <<< "$output"
    assert_output '[110,"check_disk/warning","new","2 hosts WARNING on check_disk: db1, db2",[{"state":"warning","subject":"db1"},{"state":"warning","subject":"db2"}]]
[160,"check_disk/critical","new","1 host CRITICAL on check_disk: db1",[{"state":"critical","subject":"db1"}]]
[170,"check_disk/warning","changed","1 host WARNING on check_disk: db2",[{"moved_to":"check_disk/critical","state":"ok","subject":"db1"},{"state":"warning","subject":"db2"}]]'
}

@test "group: a notified group emptied by escalations sends its resolved notification" {
    run --separate-stderr evbatch group --clock event --wait 10s --interval 1m <<'EOF2'
{"time":100,"subject":"db1","name":"check_disk","state":"warning"}
{"time":150,"subject":"db1","name":"check_disk","state":"critical"}
{"time":300,"subject":"db9","name":"check_other","state":"ok"}
EOF2
    assert_success
    run jq -c '[.time, .subject, .reason, .state, .message, .previous]' <<< "$output"
    assert_output '[110,"check_disk/warning","new","warning","1 host WARNING on check_disk: db1",null]
[160,"check_disk/critical","new","critical","1 host CRITICAL on check_disk: db1",null]
[170,"check_disk/warning","resolved","ok","1 host OK on check_disk: db1","warning"]'
}

@test "group: --no-resolve: a partial resolve sends nothing; a new firing member does" {
    run --separate-stderr evbatch group --clock event --wait 10s --interval 1m --repeat 1h --no-resolve <<'EOF2'
{"time":100,"subject":"web1","name":"check_http","state":"critical"}
{"time":100,"subject":"web2","name":"check_http","state":"critical"}
{"time":120,"subject":"web1","name":"check_http","state":"ok"}
{"time":300,"subject":"web3","name":"check_http","state":"critical"}
{"time":400,"subject":"web2","name":"check_http","state":"ok"}
{"time":400,"subject":"web3","name":"check_http","state":"ok"}
{"time":5000,"subject":"web9","name":"check_other","state":"ok"}
EOF2
    assert_success
    run jq -c '[.time, .reason, .message]' <<< "$output"
    assert_output '[110,"new","2 hosts CRITICAL on check_http: web1, web2"]
[350,"changed","2 hosts CRITICAL on check_http: web2, web3"]'
}

# Silences follow Alertmanager's silence/silence.go and its notify pipeline:
# a silenced alert is dropped before the notification log is consulted.

@test "group: a silence event mutes a member; when it ends the member notifies at the group's next tick" {
    run --separate-stderr evbatch group --clock event --wait 10s --interval 1m <<'EOF2'
{"type":"silence","id":"s1","match":"subject == \"web2\"","starts":100,"ends":400,"comment":"deploy","author":"ops"}
{"time":100,"subject":"web1","name":"check_http","state":"critical"}
{"time":100,"subject":"web2","name":"check_http","state":"critical"}
{"time":1000,"subject":"z","name":"other","state":"ok"}
EOF2
    assert_success
    assert_equal "$stderr" ''
    run jq -c '[.time, .reason, .message]' <<< "$output"
    assert_output '[110,"new","1 host CRITICAL on check_http: web1"]
[410,"changed","2 hosts CRITICAL on check_http: web1, web2"]'
}

@test "group: on event time a silence covers the events whose time lies within it" {
    # The silence (RFC 3339 times, 1790000500 to 1790000600) is far from the
    # wall clock; only event time decides.
    run --separate-stderr evbatch group --clock event --wait 10s --interval 1m <<'EOF2'
{"type":"silence","match":"true","starts":"2026-09-21T14:21:40Z","ends":"2026-09-21T14:23:20Z","comment":"window"}
{"time":1790000520,"subject":"web1","name":"check_http","state":"critical"}
{"time":1790001000,"subject":"z","name":"other","state":"ok"}
EOF2
    assert_success
    assert_equal "$stderr" ''
    run jq -c '[.time, .reason, .message]' <<< "$output"
    assert_output '[1790000650,"new","1 host CRITICAL on check_http: web1"]'
}

@test "group: a silence that never ends mutes the group to the end; re-sent with an earlier end it expires" {
    run --separate-stderr evbatch group --clock event --wait 10s --interval 1m <<'EOF2'
{"time":100,"type":"silence","id":"s1","match":"name == \"check_http\"","ends":99999}
{"time":100,"subject":"web1","name":"check_http","state":"critical"}
{"time":300,"subject":"z","name":"other","state":"ok"}
{"time":300,"type":"silence","id":"s1","match":"name == \"check_http\"","starts":100,"ends":300}
{"time":400,"subject":"z","name":"other","state":"ok"}
EOF2
    assert_success
    assert_equal "$stderr" ''
    run jq -c '[.time, .reason]' <<< "$output"
    assert_output '[350,"new"]'  # the first tick after the end at 300
}

@test "group: a bad silence event is rejected and the stream goes on" {
    run --separate-stderr evbatch group --clock event --wait 10s <<'EOF2'
{"time":100,"type":"silence","match":"subject ==","ends":500}
{"time":100,"type":"silence","match":"true","starts":300,"ends":200}
{"time":100,"subject":"web1","name":"check_http","state":"critical"}
EOF2
    assert_success
    assert_line -n 0 --partial '"reason":"new"'
    [[ "$stderr" == *"line 1: bad silence: match: syntax error at offset 10"* ]]
    [[ "$stderr" == *"line 2: bad silence: ends: before starts"* ]]
}

# ---------------------------------------------------------------- group --state

# Writes status events "TIME SUBJECT STATE" (one per argument) for check disk.
disk_events() {
    local e
    for e in "$@"; do
        set -- $e
        printf '{"id":"%s-%s","time":%s,"subject":"%s","name":"disk","state":"%s"}\n' "$2" "$1" "$1" "$2" "$3"
    done
}

@test "group --state: restarted mid-incident, no second page and one resolved notification, as an uninterrupted run" {
    disk_events "1000 web1 critical" "1001 web2 critical" "1040 web3 ok" > "$TMP/a"
    disk_events "1050 web1 ok" "1051 web2 ok" "1200 web3 ok" > "$TMP/b"
    cat "$TMP/a" "$TMP/b" | evbatch group --clock event --by name --wait 30s --interval 1m > "$TMP/whole"
    run --separate-stderr evbatch group --clock event --by name --wait 30s --interval 1m --state "$TMP/st" "$TMP/a"
    assert_success
    assert_equal "${#lines[@]}" 1
    assert_line -n 0 --partial '"reason":"new"'
    grep -q '"evbatch_group_state":1' "$TMP/st"
    evbatch group --clock event --by name --wait 30s --interval 1m --state "$TMP/st" "$TMP/b" >> "$TMP/split"
    printf '%s\n' "${lines[0]}" | cat - "$TMP/split" > "$TMP/restarted"
    assert_equal "$(grep -c '"reason":"resolved"' "$TMP/restarted")" 1
    assert_equal "$(grep -c '"reason":"new"' "$TMP/restarted")" 1
    diff "$TMP/whole" "$TMP/restarted"
}

@test "group --state: kill -9 after the page, restart, the recovery resolves it once" {
    mkfifo "$TMP/in"
    evbatch group --clock event --by name --wait 30s --interval 1m --state "$TMP/st" < "$TMP/in" > "$TMP/out1" &
    BGPID=$!
    exec 7> "$TMP/in"
    disk_events "1000 web1 critical" "1001 web2 critical" "1040 web3 ok" >&7
    wait_lines "$TMP/out1" 1
    for i in $(seq 1 100); do grep -q '"notified":true' "$TMP/st" 2> /dev/null && break; sleep 0.05; done
    kill -9 "$BGPID"
    wait "$BGPID" 2> /dev/null || true
    exec 7>&-
    BGPID=
    disk_events "1001 web2 critical" "1050 web1 ok" "1051 web2 ok" "1200 web3 ok" |
        evbatch group --clock event --by name --wait 30s --interval 1m --state "$TMP/st" > "$TMP/out2"
    assert_equal "$(grep -c '"reason":"new"' "$TMP/out1")" 1
    assert_equal "$(wc -l < "$TMP/out2")" 1
    grep -q '"reason":"resolved".*' "$TMP/out2"
    grep -q '"previous":"critical"' "$TMP/out2"
}

@test "group --state: a wall-clock timer that passed while stopped fires once at start" {
    disk_events "1000 web1 critical" > "$TMP/a"
    run --separate-stderr evbatch group --wait 1s --state "$TMP/st" "$TMP/a"
    assert_success
    assert_output ""
    sleep 1.1
    run --separate-stderr evbatch group --wait 1s --state "$TMP/st" /dev/null
    assert_success
    assert_equal "${#lines[@]}" 1
    assert_line -n 0 --partial '"reason":"new"'
    run --separate-stderr evbatch group --wait 1s --state "$TMP/st" /dev/null
    assert_success
    assert_output ""
}

@test "group --state: on event time a timer that passed while stopped fires at the next event past it" {
    disk_events "1000 web1 critical" > "$TMP/a"
    run evbatch group --clock event --by name --wait 30s --state "$TMP/st" "$TMP/a"
    assert_output ""
    disk_events "1010 web2 critical" "1100 web3 ok" | evbatch group --clock event --by name --wait 30s --state "$TMP/st" > "$TMP/out"
    assert_equal "$(wc -l < "$TMP/out")" 1
    grep -q '"time":1030,.*"count":2.*"reason":"new","since":1000' "$TMP/out"
}

@test "group --state: a bad or foreign state file is refused (exit 2, FILE: reason) and left alone" {
    disk_events "1000 web1 critical" > "$TMP/a"
    echo 'not json' > "$TMP/st"
    run --separate-stderr evbatch group --clock event --state "$TMP/st" "$TMP/a"
    assert_failure 2
    assert_equal "$stderr" "evbatch: $TMP/st: not a JSON state file"
    assert_equal "$(cat "$TMP/st")" "not json"
    echo '{"evbatch_group_state":9}' > "$TMP/st"
    run --separate-stderr evbatch group --clock event --state "$TMP/st" "$TMP/a"
    assert_failure 2
    assert_equal "$stderr" "evbatch: $TMP/st: state file version 9 is not supported (this evbatch reads version 1)"
    echo '{"evbatch_group_state":1,"clock":"event","now":1,"groups":[{"key":"k","created":"x"}]}' > "$TMP/st"
    run --separate-stderr evbatch group --clock event --state "$TMP/st" "$TMP/a"
    assert_failure 2
    assert_equal "$stderr" "evbatch: $TMP/st: group: \"created\" must be a number"
    echo '{"evbatch_group_state":1,"clock":"event","now":1,"groups":[]}' > "$TMP/st"
    run --separate-stderr evbatch group --state "$TMP/st" "$TMP/a"
    assert_failure 2
    assert_equal "$stderr" "evbatch: $TMP/st: saved with --clock event, this run uses --clock wall"
}

@test "group --state: a second evbatch on the same state file is refused while the first runs" {
    mkfifo "$TMP/in"
    evbatch group --state "$TMP/st" < "$TMP/in" > /dev/null &
    BGPID=$!
    exec 7> "$TMP/in"
    for i in $(seq 1 100); do [ -e "$TMP/st.lock" ] && break; sleep 0.05; done
    sleep 0.2
    run --separate-stderr evbatch group --state "$TMP/st" /dev/null
    exec 7>&-
    assert_failure 2
    assert_equal "$stderr" "evbatch: $TMP/st is in use: $TMP/st.lock is locked by another process"
}

# N status events of 200 hosts in 20 racks on event time (20 a second), 30 %
# critical; each with its own id.
rack_events() {
    awk -v n="$1" 'BEGIN { srand(7)
        for (i = 0; i < n; i++) {
            h = int(rand() * 200); st = rand() < 0.3 ? "critical" : "ok"
            printf "{\"id\":\"e%d\",\"time\":%d,\"subject\":\"h%d\",\"name\":\"disk\",\"state\":\"%s\",\"rack\":\"r%d\"}\n", i, 1000000 + int(i / 20), h, st, h % 20
        } }'
}

# A kill -9 can land inside a write(), leaving part of a line: a reader of
# the output after a crash drops such a torn tail, and so does this test.
drop_torn_tail() {
    if [ -n "$(tail -c 1 "$1")" ]; then
        truncate -s "$(($(stat -c %s "$1") - $(tail -n 1 "$1" | wc -c)))" "$1"
    fi
}

@test "group --state on a file: kill -9 at random moments, restarts resume, the same notifications as an uninterrupted run" {
    # One command run per notification (~1 ms each) makes the run last ~6 s,
    # long enough for saves (within 1 s of a notification) between the kills.
    rack_events 400000 > "$TMP/in"
    group_run() { evbatch group --clock event --by rack --wait 30s --interval 1m --state "$1" "$TMP/in" -- true; }
    group_run "$TMP/full.st" > "$TMP/full"
    [ "$(wc -l < "$TMP/full")" -gt 2000 ]
    [ "$(jq -r .id "$TMP/full" | sort -u | wc -l)" -eq "$(wc -l < "$TMP/full")" ]
    kills=0 runs=0 resumed=0
    : > "$TMP/crash"
    end=$((SECONDS + 25))
    while [ "$SECONDS" -lt "$end" ]; do
        runs=$((runs + 1))
        if grep -q '"offset":[1-9]' "$TMP/crash.st" 2> /dev/null; then
            resumed=$((resumed + 1))
        fi
        evbatch group --clock event --by rack --wait 30s --interval 1m --state "$TMP/crash.st" "$TMP/in" -- true >> "$TMP/crash" &
        BGPID=$!
        if [ "$kills" -lt 6 ]; then
            sleep "1.$((RANDOM % 5 + 1))"
            if kill -9 "$BGPID" 2> /dev/null; then
                kills=$((kills + 1))
            fi
        fi
        rc=0
        wait "$BGPID" || rc=$?
        BGPID=
        drop_torn_tail "$TMP/crash"
        [ "$rc" -eq 0 ] && break
    done
    echo "kills $kills runs $runs resumed $resumed lines $(wc -l < "$TMP/crash") full $(wc -l < "$TMP/full")" >&3
    [ "$rc" -eq 0 ]
    [ "$kills" -ge 4 ]
    # Restarts resumed after what the state covered (a run re-reading the file
    # from the start could not keep up with the kills).
    [ "$resumed" -ge 3 ]
    # The result lines without the command's run time; a duplicate (a
    # notification after the last save, sent again) is the same line, same id.
    jq -c 'del(.data.duration)' "$TMP/full" > "$TMP/full.cmp"
    jq -c 'del(.data.duration)' "$TMP/crash" | awk '!seen[$0]++' > "$TMP/crash.cmp"
    if ! cmp "$TMP/crash.cmp" "$TMP/full.cmp"; then
        diff "$TMP/crash.cmp" "$TMP/full.cmp" | head -10 | cut -c 1-300
        false
    fi
    # The saved groups are the uninterrupted run's (positions name other paths' inode alike).
    diff <(jq -c 'del(.positions)' "$TMP/crash.st") <(jq -c 'del(.positions)' "$TMP/full.st")
    [ "$(jq -c '.positions[0].offset' "$TMP/crash.st")" -eq "$(stat -c %s "$TMP/in")" ]
}

@test "group --state on a file: the same file again reads nothing; a replaced file is read from its start" {
    disk_events "1000 web1 critical" "1001 web2 critical" "1040 web3 ok" > "$TMP/a"
    run --separate-stderr evbatch group --clock event --by name --wait 30s --interval 1m --state "$TMP/st" "$TMP/a"
    assert_success
    assert_line -n 0 --partial '"reason":"new"'
    jq -e --arg size "$(stat -c %s "$TMP/a")" '.positions[0].offset == ($size | tonumber)' "$TMP/st"
    run --separate-stderr evbatch group --clock event --by name --wait 30s --interval 1m --state "$TMP/st" "$TMP/a"
    assert_success
    assert_output ""
    # The new file (another inode) is longer than the saved offset: resuming
    # there would skip the recoveries, and nothing would resolve.
    disk_events "1050 web1 ok" "1051 web2 ok" "1052 web3 ok" "1053 web4 ok" "1054 web5 ok" "1200 web6 ok" > "$TMP/b"
    mv "$TMP/b" "$TMP/a"
    run --separate-stderr evbatch group --clock event --by name --wait 30s --interval 1m --state "$TMP/st" "$TMP/a"
    assert_success
    assert_equal "${#lines[@]}" 1
    assert_line -n 0 --partial '"reason":"resolved"'
}

@test "silence add, list and expire: a locked file replaced atomically; the ids printed" {
    run --separate-stderr evbatch silence add 'subject == "web1"' --for 1h --comment 'disk swap' --author alice --silences "$TMP/s"
    assert_success
    id=$output
    [[ "$id" =~ ^[0-9A-HJKMNP-TV-Z]{26}$ ]]
    [ -f "$TMP/s.lock" ]
    [ "$(stat -c %a "$TMP/s")" = 600 ]
    run --separate-stderr evbatch silence add 'tags.dc == "ams"' --starts 2099-01-01T00:00:00Z --until 2099-01-02T00:00:00Z --comment later --silences "$TMP/s"
    assert_success
    later=$output
    run --separate-stderr evbatch silence list --silences "$TMP/s"
    assert_success
    run jq -c '[.id == "'"$id"'", .match, .author, .comment, .status]' <<< "$output"
    assert_output '[true,"subject == \"web1\"","alice","disk swap","active"]
[false,"tags.dc == \"ams\"","'"${USER:-$(id -un)}"'","later","pending"]'
    run --separate-stderr evbatch silence expire "$id" --silences "$TMP/s"
    assert_success
    run --separate-stderr evbatch silence list --silences "$TMP/s"
    run jq -r .id <<< "$output"
    assert_output "$later"
    run --separate-stderr evbatch silence list --all --silences "$TMP/s"
    run jq -r .status <<< "$output"
    assert_output 'expired
pending'
    run --separate-stderr evbatch silence expire "$id" --silences "$TMP/s"
    assert_failure 1
    assert_equal "$stderr" "evbatch: silence $id has already expired"
    run --separate-stderr evbatch silence expire NOPE --silences "$TMP/s"
    assert_failure 1
    assert_equal "$stderr" "evbatch: no silence NOPE in $TMP/s"
}

@test "silence add: usage errors exit 2 and leave the file alone" {
    evbatch silence add true --for 1h --comment c --silences "$TMP/s" > /dev/null
    cp "$TMP/s" "$TMP/before"
    run --separate-stderr evbatch silence add true --comment c --silences "$TMP/s"
    assert_failure 2
    assert_equal "$stderr" 'evbatch: give one of --for DURATION and --until TIME'
    run --separate-stderr evbatch silence add true --for 1h --until 2099-01-01T00:00:00Z --comment c --silences "$TMP/s"
    assert_failure 2
    run --separate-stderr evbatch silence add true --for 1h --comment ' ' --silences "$TMP/s"
    assert_failure 2
    run --separate-stderr evbatch silence add 'x ==' --for 1h --comment c --silences "$TMP/s"
    assert_failure 2
    [[ "$stderr" == "evbatch: EXPR: syntax error at offset 4"* ]]
    run --separate-stderr evbatch silence add true --until yesterday --comment c --silences "$TMP/s"
    assert_failure 2
    assert_equal "$stderr" "evbatch: --until: 'yesterday' is not a time: give epoch seconds or RFC 3339 (2026-12-02T07:30:00Z)"
    run --separate-stderr evbatch silence add true --for 1h --silences "$TMP/s"
    assert_failure 2
    run cmp "$TMP/s" "$TMP/before"
    assert_success
    # A damaged file is reported, not overwritten.
    echo 'garbage' > "$TMP/s"
    run --separate-stderr evbatch silence add true --for 1h --comment c --silences "$TMP/s"
    assert_failure 4
    assert_equal "$stderr" "evbatch: $TMP/s:1: not JSON: The JSON document has an improper structure: missing or superfluous commas, braces, missing keys, etc."
    assert_equal "$(cat "$TMP/s")" garbage
}

@test "silence: silences that ended more than a day ago are pruned at the next change" {
    printf '%s\n' '{"id":"old","match":"true","starts":1,"ends":1000,"comment":"","author":""}' > "$TMP/s"
    evbatch silence list --all --silences "$TMP/s" | jq -r .id | grep -qx old
    evbatch silence add true --for 1h --comment c --silences "$TMP/s" > "$TMP/id"
    run --separate-stderr evbatch silence list --all --silences "$TMP/s"
    run jq -r .id <<< "$output"
    assert_output "$(cat "$TMP/id")"
}

@test "group: --silences FILE mutes on event time; a bad file is a usage error" {
    # Written by hand: evbatch silence add would prune a silence that ended in 1970.
    echo '{"id":"s1","type":"silence","match":"subject == \"web2\"","starts":100,"ends":"1970-01-01T00:06:40Z"}' > "$TMP/s"
    run --separate-stderr evbatch group --clock event --wait 10s --interval 1m --silences "$TMP/s" <<'EOF2'
{"time":100,"subject":"web1","name":"check_http","state":"critical"}
{"time":100,"subject":"web2","name":"check_http","state":"critical"}
{"time":1000,"subject":"z","name":"other","state":"ok"}
EOF2
    assert_success
    run jq -c '[.time, .reason, .message]' <<< "$output"
    assert_output '[110,"new","1 host CRITICAL on check_http: web1"]
[410,"changed","2 hosts CRITICAL on check_http: web1, web2"]'
    echo '{"id":"x","match":"(","ends":5}' > "$TMP/bad"
    run --separate-stderr evbatch group --clock event --silences "$TMP/bad" < /dev/null
    assert_failure 2
    [[ "$stderr" == "evbatch: $TMP/bad:1: match: syntax error"* ]]
}

@test "group: SIGHUP reloads --silences; a silence expired meanwhile lets the member notify" {
    mkfifo "$TMP/in"
    id=$(evbatch silence add 'subject == "web1"' --for 1h --comment c --silences "$TMP/s")
    evbatch group --wait 200ms --interval 300ms --silences "$TMP/s" < "$TMP/in" > "$TMP/out" 2> "$TMP/err" &
    BGPID=$!
    exec 7> "$TMP/in"
    echo '{"subject":"web1","name":"check_http","state":"critical"}' >&7
    sleep 1
    [ ! -s "$TMP/out" ]
    evbatch silence expire "$id" --silences "$TMP/s"
    kill -HUP "$BGPID"
    wait_lines "$TMP/out" 1
    run jq -c '[.reason, .message]' "$TMP/out"
    assert_output '["new","1 host CRITICAL on check_http: web1"]'
    # A bad file at a reload keeps the silences loaded before.
    echo 'junk' > "$TMP/s"
    kill -HUP "$BGPID"
    sleep 0.5
    exec 7>&-
    wait "$BGPID"
    BGPID=
    run cat "$TMP/err"
    assert_output "evbatch: reload: $TMP/s:1: not JSON: The JSON document has an improper structure: missing or superfluous commas, braces, missing keys, etc.; keeping the silences loaded before"
}

# Inhibition follows Alertmanager's inhibit/inhibit.go (inhibit_rules).

@test "group: --inhibit: a switch down suppresses the hosts behind it, until it recovers" {
    run --separate-stderr evbatch group --clock event --wait 10s --interval 1m \
        --inhibit 'name == "ping" && tags.kind == "switch"' 'tags.kind == "host"' tags.switch <<'EOF2'
{"time":100,"subject":"sw1","name":"ping","state":"critical","tags":{"kind":"switch","switch":"sw1"}}
{"time":101,"subject":"h1","name":"ping","state":"critical","tags":{"kind":"host","switch":"sw1"}}
{"time":101,"subject":"h2","name":"ping","state":"critical","tags":{"kind":"host","switch":"sw1"}}
{"time":102,"subject":"h3","name":"ping","state":"critical","tags":{"kind":"host","switch":"sw2"}}
{"time":200,"subject":"sw1","name":"ping","state":"ok","tags":{"kind":"switch","switch":"sw1"}}
{"time":1000,"subject":"z","name":"other","state":"ok"}
EOF2
    assert_success
    assert_equal "$stderr" ''
    run jq -c '[.time, .reason, .message]' <<< "$output"
    assert_output '[110,"new","2 hosts CRITICAL on ping: h3, sw1"]
[230,"changed","3 hosts CRITICAL on ping: h1, h2, h3"]'
}

@test "group: --inhibit-rules FILE, and an alert never inhibits itself" {
    cat > "$TMP/rules" <<'EOF2'
# a switch down hides the hosts behind it
{"source":"name == \"ping\" && tags.kind == \"switch\"","target":"tags.kind == \"host\"","equal":["tags.switch"]}
# every critical hides the other alerts of its subject, itself included in the target
{"source":"state == \"critical\"","target":"true","equal":["subject"]}
EOF2
    run --separate-stderr evbatch group --clock event --wait 10s --by name --inhibit-rules "$TMP/rules" <<'EOF2'
{"time":100,"subject":"sw1","name":"ping","state":"critical","tags":{"kind":"switch","switch":"sw1"}}
{"time":101,"subject":"h1","name":"ping","state":"critical","tags":{"kind":"host","switch":"sw1"}}
{"time":101,"subject":"db1","name":"disk","state":"critical"}
{"time":101,"subject":"db1","name":"load","state":"warning"}
{"time":500,"subject":"z","name":"other","state":"ok"}
EOF2
    assert_success
    assert_equal "$stderr" ''
    run jq -c '[.subject, .message]' <<< "$output"
    assert_output '["ping","1 host CRITICAL on ping: sw1"]
["disk","1 host CRITICAL on disk: db1"]'
}

@test "group: bad --inhibit and --inhibit-rules are usage errors" {
    run --separate-stderr evbatch group --inhibit 'x ==' true subject < /dev/null
    assert_failure 2
    [[ "$stderr" == "evbatch: inhibit rule 1: source: syntax error at offset 4"* ]]
    run --separate-stderr evbatch group --inhibit true true 'tags.' < /dev/null
    assert_failure 2
    assert_equal "$stderr" "evbatch: --inhibit: 'tags.' is not a field path"
    run --separate-stderr evbatch group --inhibit true true < /dev/null
    assert_failure 2
    echo '{"source":"true"}' > "$TMP/rules"
    run --separate-stderr evbatch group --inhibit-rules "$TMP/rules" < /dev/null
    assert_failure 2
    assert_equal "$stderr" "evbatch: $TMP/rules:1: target: an expression string is required"
    run --separate-stderr evbatch group --inhibit-rules "$TMP/none" < /dev/null
    assert_failure 2
    assert_equal "$stderr" "evbatch: $TMP/none: No such file or directory"
}

@test "group: -- COMMAND runs once per notification with members on stdin" {
    run --separate-stderr evbatch group --clock event --name page -- \
        sh -c 'cat > "$0/in.$EV_REASON"; echo "$EV_GROUP $EV_COUNT $EV_STATE"' "$TMP" < "$B/puppet_window.ndjson"
    assert_success
    assert_equal "$stderr" ''
    run jq -c '[.time, .type, .subject, .name, .state, .data.exit_code, .data.output]' <<< "$output"
    assert_output '[1030,"status","check_puppet_run/critical","page","ok",0,"check_puppet_run/critical 3 critical\n"]
[1070,"status","check_disk/critical","page","ok",0,"check_disk/critical 1 critical\n"]
[1330,"status","check_puppet_run/critical","page","ok",0,"check_puppet_run/critical 3 critical\n"]'
    run jq -r '.id' "$TMP/in.changed"
    assert_output 'p7
p2
p4
p6'
}

@test "group: a failing command gives a critical result and exit 1" {
    run --separate-stderr evbatch group --clock event -- sh -c 'echo no pager; exit 3' <<'EOF2'
{"time":1,"subject":"web1","name":"check_ping","state":"critical"}
EOF2
    assert_failure 1
    run jq -c '[.name, .state, .message, .data.exit_code, .data.output]' <<< "$output"
    assert_output '["sh","critical","exited with 3",3,"no pager\n"]'
}

@test "group: a hung command is killed after --timeout" {
    SECONDS=0
    run --separate-stderr evbatch group --clock event --timeout 300ms -- sleep 30 <<'EOF2'
{"time":1,"subject":"web1","name":"check_ping","state":"critical"}
EOF2
    assert_failure 1
    [ "$SECONDS" -lt 10 ]
    run jq -c '[.subject, .state, .message, .data.timed_out]' <<< "$output"
    assert_output '["check_ping/critical","critical","timed out after 300ms (killed by signal TERM)",true]'
}

@test "group: metrics are skipped, a status without subject is rejected" {
    run --separate-stderr evbatch group --clock event <<'EOF2'
{"time":1,"subject":"web1","name":"load","metric":3}
{"time":2,"name":"check_ping","state":"critical"}
{"subject":"web1","name":"check_ping","state":"critical"}
{"time":3,"subject":"web1","name":"check_ping","state":"bogus"}
EOF2
    assert_success
    assert_output ''
    assert_equal "$stderr" 'evbatch: line 2: status without a subject
evbatch: line 3: no time field (--clock event)
evbatch: line 4: bad state or severity
evbatch: 3 lines rejected'
}

@test "group: wall clock timers fire while the input is idle" {
    { printf '{"subject":"web1","name":"check_ping","state":"critical"}\n'; sleep 1.5
      printf '{"subject":"web2","name":"check_disk","state":"critical"}\n'; } |
        evbatch group --wait 200ms > "$TMP/out"
    run jq -s -c '[.[0].subject, .[1].subject, (.[1].time - .[0].time > 1)]' "$TMP/out"
    assert_output '["check_ping/critical","check_disk/critical",true]'
}

@test "group: SIGTERM flushes pending groups and exits 0" {
    mkfifo "$TMP/fifo"
    evbatch group --wait 1h < "$TMP/fifo" > "$TMP/out" 2> "$TMP/err" &
    BGPID=$!
    exec 7> "$TMP/fifo"
    printf '{"subject":"web1","name":"check_ping","state":"critical"}\n' >&7
    sleep 0.5
    kill -TERM "$BGPID"
    rc=0
    wait "$BGPID" || rc=$?
    BGPID=
    exec 7>&-
    assert_equal "$rc" 0
    assert_equal "$(cat "$TMP/err")" ''
    assert_equal "$(jq -r '.reason + " " + .message' "$TMP/out")" 'new 1 host CRITICAL on check_ping: web1'
}

@test "group: SIGTERM while input never stops: exits 0 within 2 s, pending groups flushed" {
    yes '{"subject":"a","name":"n","state":"critical"}' | evbatch group > "$TMP/out" 2> "$TMP/err" &
    BGPID=$!
    sleep 0.5
    kill -TERM "$BGPID"
    wait_exit "$BGPID"
    rc=0
    wait "$BGPID" || rc=$?
    BGPID=
    assert_equal "$rc" 0
    assert_equal "$(cat "$TMP/err")" ''
    assert_equal "$(jq -r '.reason + " " + .message' "$TMP/out")" 'new 1 host CRITICAL on n: a'
}

@test "group: a first Ctrl-C on a pipe keeps reading until the input ends; a second one stops" {
    { printf '{"subject":"web1","name":"check_ping","state":"critical"}\n'; sleep 1
      printf '{"subject":"web2","name":"check_ping","state":"critical"}\n'; } |
        evbatch group --wait 1h > "$TMP/out" 2> "$TMP/err" &
    BGPID=$!
    sleep 0.3
    kill -INT "$BGPID"
    # The stage before got the same Ctrl-C and ends its output on its own.
    wait_exit "$BGPID" 50
    rc=0
    wait "$BGPID" || rc=$?
    BGPID=
    assert_equal "$rc" 0
    assert_equal "$(jq -r .message "$TMP/out")" '2 hosts CRITICAL on check_ping: web1, web2'
    # A second Ctrl-C stops reading, as SIGTERM does.
    mkfifo "$TMP/fifo"
    evbatch group --wait 1h < "$TMP/fifo" > "$TMP/out" 2> "$TMP/err" &
    BGPID=$!
    exec 7> "$TMP/fifo"
    printf '{"subject":"web3","name":"check_ping","state":"critical"}\n' >&7
    sleep 0.3
    kill -INT "$BGPID"
    sleep 0.2
    kill -0 "$BGPID"
    kill -INT "$BGPID"
    wait_exit "$BGPID"
    rc=0
    wait "$BGPID" || rc=$?
    BGPID=
    exec 7>&-
    assert_equal "$rc" 0
    assert_equal "$(jq -r .message "$TMP/out")" '1 host CRITICAL on check_ping: web3'
}

@test "group: at SIGTERM a command run gets --drain-timeout, then is stopped" {
    mkfifo "$TMP/fifo"
    evbatch group --wait 1h --timeout 0 --drain-timeout 300ms --kill-after 200ms -- \
        sh -c 'trap "" TERM; sleep 30' < "$TMP/fifo" > "$TMP/out" 2> "$TMP/err" &
    BGPID=$!
    exec 7> "$TMP/fifo"
    printf '{"subject":"web1","name":"check_ping","state":"critical"}\n' >&7
    printf '{"subject":"db1","name":"check_disk","state":"critical"}\n' >&7
    sleep 0.3
    kill -TERM "$BGPID"
    wait_exit "$BGPID" 30
    rc=0
    wait "$BGPID" || rc=$?
    BGPID=
    exec 7>&-
    assert_equal "$rc" 1
    run jq -c '[.subject, .state, .message]' "$TMP/out"
    assert_output '["check_ping/critical","critical","killed by signal KILL (evbatch stopped it: --drain-timeout passed)"]'
    assert_equal "$(cat "$TMP/err")" 'evbatch: stopped: 1 notification not sent'
}

@test "group: usage errors exit 2" {
    run --separate-stderr evbatch group --clock moon < /dev/null
    assert_failure 2
    assert_equal "${stderr%%$'\n'*}" "evbatch: --clock: expected wall or event, not 'moon'"
    run --separate-stderr evbatch group --wait soon < /dev/null
    assert_failure 2
    assert_output ''
    [[ "$stderr" == "evbatch: --wait: "* ]]
    run --separate-stderr evbatch
    assert_failure 2
}

@test "group: a replayed member event is not added twice; summary ids come from the members, not the clock" {
    printf '%s\n' '{"id":"a1","time":1000,"subject":"web1","name":"http","state":"critical"}' \
        '{"id":"a2","time":1001,"subject":"web2","name":"http","state":"critical"}' \
        '{"id":"a3","time":1002,"subject":"web1","name":"http","state":"ok"}' > "$TMP/in"
    # Wall clock: the summary's time and since are the machine's, its id is not.
    run --separate-stderr evbatch group "$TMP/in"
    assert_success
    assert_equal "${#lines[@]}" 1
    first=$(jq -c '{id, data}' <<< "$output")
    assert_equal "$(jq -c .data.count <<< "$output")" 1
    # Lines again (Kafka re-delivers from the last commit): a1 is within the
    # replay window, so web1 does not turn critical again.
    { cat "$TMP/in"; head -n 2 "$TMP/in"; } > "$TMP/replay"
    run --separate-stderr evbatch group "$TMP/replay"
    assert_success
    assert_equal "${#lines[@]}" 1
    assert_equal "$(jq -c '{id, data}' <<< "$output")" "$first"
    # Another member event is another summary.
    printf '%s\n' '{"id":"a4","time":1003,"subject":"web3","name":"http","state":"critical"}' >> "$TMP/in"
    run --separate-stderr evbatch group "$TMP/in"
    assert_success
    refute [ "$(jq -r .id <<< "$output")" = "$(jq -r .id <<< "$first")" ]
}

@test "group: a command's result has a replay-stable id of its own" {
    printf '%s\n' '{"id":"a1","time":1000,"subject":"web1","name":"http","state":"critical"}' > "$TMP/in"
    run --separate-stderr evbatch group "$TMP/in" -- true
    assert_success
    first=$(jq -r .id <<< "$output")
    run --separate-stderr evbatch group "$TMP/in" -- true
    assert_equal "$(jq -r .id <<< "$output")" "$first"
    run --separate-stderr evbatch group "$TMP/in" -- cat
    refute [ "$(jq -r .id <<< "$output")" = "$first" ]
    run --separate-stderr evbatch group "$TMP/in"
    refute [ "$(jq -r .id <<< "$output")" = "$first" ]
}

# ----------------------------------------------------------------- each

@test "each: --dry-run prints argvs with hostile values quoted, runs nothing" {
    cat > "$TMP/in" <<'EOF2'
{"subject":"web1","tags":{"role":"frontend"}}
{"subject":"x; touch /tmp/pwned $(id) `id`","tags":{"role":"it's"}}
{"subject":"-rf","tags":{"role":7}}
EOF2
    run --separate-stderr evbatch each --dry-run --allow-dash "$TMP/in" -- ssh {subject} --role={tags.role} 'a{{b}}'
    assert_success
    assert_equal "$stderr" ''
    assert_output "ssh web1 --role=frontend 'a{b}'
ssh 'x; touch /tmp/pwned \$(id) \`id\`' '--role=it'\\''s' 'a{b}'
ssh -rf --role=7 'a{b}'"
    # Without --allow-dash the dry run shows what the real run would refuse.
    run --separate-stderr evbatch each --dry-run "$TMP/in" -- ssh {subject} --role={tags.role}
    assert_failure 1
    assert_line --index 2 "# not run: argument 1 '{subject}': \"-rf\" begins with '-' and would be read as an option (--allow-dash allows it)"
    assert_equal "$stderr" "evbatch: 1 action not run: a placeholder value began with '-' (--allow-dash allows it)"
}

# Writes a stand-in for ssh(1) to $TMP/bin/ssh: it reads its options as ssh
# does (getopt: "-oX" and "-o X", up to the host) and, as ssh does, runs a
# ProxyCommand through a shell before it would connect.
fake_ssh() {
    mkdir -p "$TMP/bin"
    cat > "$TMP/bin/ssh" <<'EOF2'
#!/bin/sh
while getopts o: opt; do
    case "$opt:$OPTARG" in
        o:ProxyCommand=*) sh -c "${OPTARG#ProxyCommand=}" < /dev/null ;;
    esac
done
shift $((OPTIND - 1))
echo "would connect to $1 and run: $2"
EOF2
    chmod +x "$TMP/bin/ssh"
}

@test "each: a placeholder value beginning with '-' is refused, not run (ssh -oProxyCommand)" {
    fake_ssh
    printf '{"id":"e1","subject":"-oProxyCommand=touch %s/x"}\n{"id":"e2","subject":"web1"}\n' "$TMP" > "$TMP/in"
    # The stand-in is honest: with the option it runs the command.
    PATH="$TMP/bin:$PATH" ssh -o BatchMode=yes "-oProxyCommand=touch $TMP/probe" true > /dev/null
    [ -e "$TMP/probe" ]
    PATH="$TMP/bin:$PATH" run --separate-stderr evbatch each "$TMP/in" -- ssh -o BatchMode=yes {subject} true
    assert_failure 1
    [ ! -e "$TMP/x" ]
    # Messages quote the first 40 bytes of the value, escaped.
    value="-oProxyCommand=touch $TMP/x"
    quoted="${value:0:40}"
    [ "${#value}" -le 40 ] || quoted="$quoted..."
    why="not run: argument 3 '{subject}': \"$quoted\" begins with '-' and would be read as an option (--allow-dash allows it)"
    run jq -c '[.subject, .name, .state, .message, .data.refused, .data.exit_code, .cause]' <<< "$output"
    assert_output "$(jq -nc --arg v "$value" --arg why "$why" '[$v, "ssh", "unknown", $why, true, null, "e1"]')
[\"web1\",\"ssh\",\"ok\",\"exited with 0\",null,0,\"e2\"]"
    assert_equal "$stderr" "evbatch: $TMP/in: line 1: $why
evbatch: 1 action not run: a placeholder value began with '-' (--allow-dash allows it)"
}

@test "each: sort {subject} with --output=FILE is refused; --allow-dash runs it as before" {
    printf '{"subject":"--output=%s/x"}\n' "$TMP" > "$TMP/in"
    run --separate-stderr evbatch each "$TMP/in" -- sort {subject} /dev/null
    assert_failure 1
    [ ! -e "$TMP/x" ]
    assert_equal "$(jq -r .state <<< "$output")" unknown
    # Refusals count as failures: --max-fail 0 stops at the first.
    printf '{"subject":"--output=%s/x"}\n{"subject":"/dev/null"}\n' "$TMP" > "$TMP/in2"
    run --separate-stderr evbatch each --max-fail 0 "$TMP/in2" -- sort {subject} /dev/null
    assert_failure 1
    assert_equal "${#lines[@]}" 1
    [[ "$stderr" == *"Finished 1 / 2 actions: 0 ok, 1 failed (1 refused), 1 not started" ]]
    run --separate-stderr evbatch each --allow-dash "$TMP/in" -- sort {subject} /dev/null
    assert_success
    assert_equal "$stderr" ''
    assert_equal "$(jq -r .state <<< "$output")" ok
    [ -e "$TMP/x" ]
}

@test "each: a placeholder after literal text is not checked: the operator chose the option" {
    printf '{"subject":"-x"}\n' > "$TMP/in"
    run --separate-stderr evbatch each "$TMP/in" -- printf '[%s]\n' --host={subject} x{subject}
    assert_success
    assert_equal "$(jq -r .data.output <<< "$output")" '[--host=-x]
[x-x]'
}

@test "each: placeholders reach the command as whole argv elements, never a shell" {
    cat > "$TMP/in" <<'EOF2'
{"id":"h1","subject":"a b; touch $TMPDIR/pwned","tags":{"x":"$(touch pwned2)"}}
{"id":"h2","subject":"line1\nline2","tags":{"x":"*"}}
EOF2
    cd "$TMP"
    run --separate-stderr evbatch each "$TMP/in" -- printf '[%s]\n' {subject} {tags.x}
    assert_success
    run jq -c '[.subject, .state, .data.output, .cause]' <<< "$output"
    assert_output '["a b; touch $TMPDIR/pwned","ok","[a b; touch $TMPDIR/pwned]\n[$(touch pwned2)]\n","h1"]
["line1\nline2","ok","[line1\nline2]\n[*]\n","h2"]'
    [ ! -e "$TMP/pwned" ] && [ ! -e "$TMP/pwned2" ]
}

@test "each: the action gets its event on stdin and EV_SUBJECT" {
    printf '{"subject":"web1","x":1}\n' > "$TMP/in"
    run --separate-stderr evbatch each "$TMP/in" -- sh -c 'cat; echo "$EV_SUBJECT"'
    assert_success
    run jq -r '.data.output' <<< "$output"
    assert_output '{"subject":"web1","x":1}
web1'
}

@test "each: an event without a placeholder's field is rejected, the others run" {
    printf '{"subject":"a"}\n{"id":"x"}\n{"subject":"b"}\n' > "$TMP/in"
    run --separate-stderr evbatch each "$TMP/in" -- echo {subject}
    assert_success
    assert_equal "$stderr" "evbatch: $TMP/in: line 2: no field 'subject' for placeholder {subject}
evbatch: 1 line rejected"
    run jq -j '.data.output' <<< "$output"
    assert_output 'a
b'
}

@test "each: never more than --concurrency actions run, observed from inside" {
    events 12 "$TMP/in"
    run --separate-stderr evbatch each --concurrency 4 "$TMP/in" -- "$B/concurrency_action.sh" "$TMP" 0.5
    assert_success
    assert_equal "$(cat "$TMP/max")" 4
    assert_equal "$(wc -l < "$TMP/starts")" 12
    assert_equal "$(jq -r .state <<< "$output" | sort | uniq -c | tr -s ' ')" ' 12 ok'
}

@test "each: default concurrency is 1" {
    events 3 "$TMP/in"
    run --separate-stderr evbatch each "$TMP/in" -- "$B/concurrency_action.sh" "$TMP" 0.1
    assert_success
    assert_equal "$(cat "$TMP/max")" 1
}

@test "each: --batch starts M, waits for all of them, sleeps, then the next M" {
    events 7 "$TMP/in"
    run --separate-stderr evbatch each --batch 3 --batch-sleep 500ms "$TMP/in" -- "$B/log_action.sh" "$TMP/log" {subject} 0.1
    assert_success
    # Order of starts and ends: batches never overlap.
    run awk '{print $1}' "$TMP/log"
    assert_output "$(printf 'start\nstart\nstart\nend\nend\nend\nstart\nstart\nstart\nend\nend\nend\nstart\nend')"
    # The pause between the last end of a batch and the next first start.
    run awk '$1=="end"{last=$3} $1=="start" && last {if ($3-last < 0.45) bad=1; last=0} END{print bad ? "too short" : "paused"}' "$TMP/log"
    assert_output 'paused'
}

@test "each: --max-fail N stops starting actions once more than N failed" {
    events 10 "$TMP/in"
    run --separate-stderr evbatch each --max-fail 2 "$TMP/in" -- false
    assert_failure 1
    assert_equal "$stderr" 'evbatch: stopping: 3 of 3 actions failed, more than --max-fail 2
Finished 3 / 10 actions: 0 ok, 3 failed, 7 not started'
    assert_equal "${#lines[@]}" 3
}

@test "each: --max-fail P% counts failures per batch" {
    events 12 "$TMP/in"
    # Batch 1 (host1-4): one failure is 25%, not more; batch 2 (host5-8): two are 50%.
    FAIL="host2 host5 host6" run --separate-stderr evbatch each --batch 4 --max-fail 25% "$TMP/in" -- "$B/log_action.sh" "$TMP/log" {subject} 0.05
    assert_failure 1
    assert_equal "$stderr" 'evbatch: stopping: 3 of 8 actions failed, more than --max-fail 25%
Finished 8 / 12 actions: 5 ok, 3 failed, 4 not started'
}

@test "each: all ok exits 0 with no summary; a failure exits 1" {
    events 2 "$TMP/in"
    run --separate-stderr evbatch each "$TMP/in" -- true
    assert_success
    assert_equal "$stderr" ''
    run --separate-stderr evbatch each "$TMP/in" -- sh -c 'exit 2'
    assert_failure 1
    assert_equal "$stderr" ''
    run jq -c '[.subject, .name, .state, .message, .data.exit_code]' <<< "$output"
    assert_output '["host1","sh","critical","exited with 2",2]
["host2","sh","critical","exited with 2",2]'
}

@test "each: --timeout sends TERM to the process group, then KILL" {
    printf '{"subject":"slow"}\n' > "$TMP/in"
    SECONDS=0
    run --separate-stderr evbatch each --timeout 300ms --name wait "$TMP/in" -- sh -c 'sleep 20 & sleep 20; wait'
    assert_failure 1
    [ "$SECONDS" -lt 5 ]
    run jq -c '[.name, .state, .message, .data.exit_code, .data.signal, .data.timed_out]' <<< "$output"
    assert_output '["wait","critical","timed out after 300ms (killed by signal TERM)",null,"TERM",true]'
    printf '{"subject":"stubborn"}\n' > "$TMP/in"
    run --separate-stderr evbatch each --timeout 200ms --kill-after 200ms "$TMP/in" -- sh -c 'trap "" TERM; sleep 20'
    assert_failure 1
    run jq -r '.message' <<< "$output"
    assert_output 'timed out after 200ms (killed by signal KILL)'
    [ "$SECONDS" -lt 8 ]
}

@test "each: --rate spaces the starts" {
    events 5 "$TMP/in"
    run --separate-stderr evbatch each --concurrency 5 --rate 10/1s "$TMP/in" -- "$B/log_action.sh" "$TMP/log" {subject} 0
    assert_success
    run awk '$1=="start"{t[n++]=$3} END{print (t[n-1]-t[0] >= 0.38) ? "spaced" : "burst"}' "$TMP/log"
    assert_output 'spaced'
}

@test "each: a command that cannot start gives a critical result" {
    printf '{"subject":"a"}\n' > "$TMP/in"
    run --separate-stderr evbatch each "$TMP/in" -- /nonexistent/cmd
    assert_failure 1
    run jq -c '[.name, .state, .message, .data.exit_code]' <<< "$output"
    assert_output '["cmd","critical","cannot run the command: No such file or directory",127]'
}

@test "each: first signal starts nothing new and lets running actions finish" {
    events 40 "$TMP/in"
    mkdir "$TMP/m"
    evbatch each --concurrency 4 "$TMP/in" -- sh -c 'touch "$0/$1"; echo >> "$0/started"; sleep 1' "$TMP/m" {subject} \
        > "$TMP/out" 2> "$TMP/err" &
    BGPID=$!
    wait_lines "$TMP/m/started" 4
    kill -TERM "$BGPID"
    rc=0
    wait "$BGPID" || rc=$?
    BGPID=
    assert_equal "$rc" 0
    assert_equal "$(cat "$TMP/err")" 'Finished 4 / 40 actions: 4 ok, 0 failed, 36 not started'
    assert_equal "$(jq -r .state "$TMP/out" | tr '\n' ' ')" 'ok ok ok ok '
    assert_equal "$(ls "$TMP/m" | grep -c host)" 4
}

@test "each: a second signal kills the running actions" {
    events 40 "$TMP/in"
    SECONDS=0
    evbatch each --concurrency 4 --kill-after 1s "$TMP/in" -- sh -c 'echo >> "$0"; sleep 30' "$TMP/started" \
        > "$TMP/out" 2> "$TMP/err" &
    BGPID=$!
    wait_lines "$TMP/started" 4
    kill -INT "$BGPID"
    sleep 0.2
    kill -INT "$BGPID"
    rc=0
    wait "$BGPID" || rc=$?
    BGPID=
    assert_equal "$rc" 1
    [ "$SECONDS" -lt 10 ]
    assert_equal "$(cat "$TMP/err")" 'evbatch: interrupted: letting 4 running actions finish; Ctrl-C again stops them
Finished 4 / 40 actions: 0 ok, 4 failed, 36 not started'
    assert_equal "$(jq -r .message "$TMP/out" | sort -u)" 'killed by signal TERM (evbatch was interrupted twice)'
}

@test "each: a signal while waiting for live input ends the run at once" {
    mkfifo "$TMP/fifo"
    evbatch each -- true < "$TMP/fifo" > "$TMP/out" 2> "$TMP/err" &
    BGPID=$!
    exec 7> "$TMP/fifo"
    printf '{"subject":"a"}\n{"subject":"b"}\n' >&7
    wait_lines "$TMP/out" 2
    SECONDS=0
    kill -INT "$BGPID"
    rc=0
    wait "$BGPID" || rc=$?
    BGPID=
    exec 7>&-
    assert_equal "$rc" 0
    [ "$SECONDS" -lt 3 ]
    assert_equal "$(cat "$TMP/err")" 'Finished 2 / 2 actions: 2 ok, 0 failed, 0 not started'
}

@test "each: SIGTERM while input never stops: exits 0 within 2 s, results flushed" {
    yes '{"subject":"a","name":"n","state":"critical"}' | evbatch each --concurrency 4 -- true > "$TMP/out" 2> "$TMP/err" &
    BGPID=$!
    sleep 0.5
    kill -TERM "$BGPID"
    wait_exit "$BGPID"
    rc=0
    wait "$BGPID" || rc=$?
    BGPID=
    assert_equal "$rc" 0
    # Every result is whole, and the summary counts exactly those.
    n=$(jq -r .state "$TMP/out" | grep -c '^ok$')
    [ "$n" -gt 0 ]
    assert_equal "$(wc -l < "$TMP/out")" "$n"
    [[ "$(cat "$TMP/err")" =~ ^Finished\ $n\ /\ [0-9]+\ actions:\ $n\ ok,\ 0\ failed,\ [0-9]+\ not\ started$ ]]
}

@test "each: after SIGTERM running actions get --drain-timeout, then are stopped" {
    events 10 "$TMP/in"
    SECONDS=0
    evbatch each --concurrency 2 --drain-timeout 300ms --kill-after 300ms "$TMP/in" -- \
        sh -c 'echo >> "$0"; sleep 30' "$TMP/started" > "$TMP/out" 2> "$TMP/err" &
    BGPID=$!
    wait_lines "$TMP/started" 2
    kill -TERM "$BGPID"
    wait_exit "$BGPID" 30
    rc=0
    wait "$BGPID" || rc=$?
    BGPID=
    assert_equal "$rc" 1
    [ "$SECONDS" -lt 5 ]
    assert_equal "$(jq -r .message "$TMP/out" | sort -u)" 'killed by signal TERM (evbatch stopped it: --drain-timeout passed)'
    assert_equal "$(cat "$TMP/err")" 'Finished 2 / 10 actions: 0 ok, 2 failed, 8 not started'
}

@test "each: the first Ctrl-C says what it lets finish (one action)" {
    events 5 "$TMP/in"
    evbatch each "$TMP/in" -- sh -c 'echo >> "$0"; sleep 0.5' "$TMP/started" > "$TMP/out" 2> "$TMP/err" &
    BGPID=$!
    wait_lines "$TMP/started" 1
    kill -INT "$BGPID"
    wait_exit "$BGPID" 30
    rc=0
    wait "$BGPID" || rc=$?
    BGPID=
    assert_equal "$rc" 0
    assert_equal "$(cat "$TMP/err")" 'evbatch: interrupted: letting 1 running action finish; Ctrl-C again stops them
Finished 1 / 5 actions: 1 ok, 0 failed, 4 not started'
    assert_equal "$(jq -r .state "$TMP/out")" ok
}

@test "each: after a Ctrl-C the summary is printed even when standard output has gone" {
    events 4 "$TMP/in"
    mkfifo "$TMP/fifo"
    evbatch each -c 2 "$TMP/in" -- sh -c 'echo >> "$0"; sleep 0.5' "$TMP/started" > "$TMP/fifo" 2> "$TMP/err" &
    BGPID=$!
    exec 8< "$TMP/fifo"
    exec 8<&-
    wait_lines "$TMP/started" 2
    kill -INT "$BGPID"
    wait_exit "$BGPID" 30
    rc=0
    wait "$BGPID" || rc=$?
    BGPID=
    assert_equal "$rc" 0
    assert_equal "$(cat "$TMP/err")" 'evbatch: interrupted: letting 2 running actions finish; Ctrl-C again stops them
Finished 2 / 4 actions: 2 ok, 0 failed, 2 not started'
}

@test "each: Ctrl-C to the process group of evbatch each --batch 2 | evstatus mid-batch loses no result" {
    events 6 "$TMP/in"
    printf '#!/bin/sh\necho "$1" >> "$2/started"; sleep 1\n' > "$TMP/act"
    chmod +x "$TMP/act"
    # A pipeline in a process group of its own, as a terminal runs it; the
    # shell's trap only keeps it alive to record the exit statuses.
    setsid bash -c 'echo $$ > "$0/pgid"; trap : INT
        evbatch each --batch 2 "$0/in" -- "$0/act" {subject} "$0" 2> "$0/err" | evstatus --state "$0/S" > "$0/out"
        echo "${PIPESTATUS[*]}" > "$0/rc"' "$TMP" &
    BGPID=$!
    wait_lines "$TMP/started" 2
    [ -s "$TMP/pgid" ]
    kill -INT -- "-$(cat "$TMP/pgid")"
    wait_exit "$BGPID" 50
    wait "$BGPID" || true
    BGPID=
    assert_equal "$(cat "$TMP/rc")" '0 0'
    assert_equal "$(cat "$TMP/err")" 'evbatch: interrupted: letting 2 running actions finish; Ctrl-C again stops them
Finished 2 / 6 actions: 2 ok, 0 failed, 4 not started'
    # Every action that ran has its result in evstatus's state.
    assert_equal "$(sort "$TMP/started" | tr '\n' ' ')" 'host1 host2 '
    run evstatus show --state "$TMP/S" --json
    assert_success
    assert_equal "$(jq -r '[.subject, .name, .state] | join(" ")' <<< "$output" | sort | tr '\n' ',')" 'host1 act ok,host2 act ok,'
}

@test "each: --rejects keeps events without the placeholder's field; --strict stops" {
    printf '{"subject":"a"}\n{"id":"x"}\n{"subject":"b"}\n' > "$TMP/in"
    run --separate-stderr evbatch each --rejects "$TMP/rej" "$TMP/in" -- true {subject}
    assert_success
    assert_equal "$(cat "$TMP/rej")" '{"id":"x"}'
    assert_equal "${#lines[@]}" 2
    # The whole file is read before anything starts, so the bad line stops all.
    run --separate-stderr evbatch each --strict "$TMP/in" -- true {subject}
    assert_failure 3
    assert_output ''
    assert_equal "$stderr" "evbatch: $TMP/in: line 2: no field 'subject' for placeholder {subject}
Finished 0 / 1 actions: 0 ok, 0 failed, 1 not started"
}

@test "each: a progress line only when stderr is a terminal" {
    events 3 "$TMP/in"
    run --separate-stderr evbatch each "$TMP/in" -- true
    assert_equal "$stderr" ''
    run script -qec "evbatch each $TMP/in -- true > /dev/null" /dev/null
    assert_success
    assert_output --partial 'evbatch: 0 running, 3 ok, 0 failed, 0 waiting'
    assert_output --partial 'Finished 3 / 3 actions: 3 ok, 0 failed, 0 not started'
}

@test "each: a closed output ends the run quietly" {
    events 50 "$TMP/in"
    run --separate-stderr bash -c 'evbatch each -c 4 "$0" -- true | head -1 > /dev/null; echo "${PIPESTATUS[0]}"' "$TMP/in"
    assert_success
    assert_output '0'
    assert_equal "$stderr" ''
}

@test "each --journal: kill -9 mid-batch, restart: finished not run again, the interrupted one reported, then rerun" {
    events 4 "$TMP/in"
    # host3's first run hangs (its pid in hung) until evbatch is killed.
    cat > "$TMP/act.sh" << EOF
echo "\$1" >> "$TMP/runs"
if [ "\$1" = host3 ] && [ ! -e "$TMP/hung" ]; then echo \$\$ > "$TMP/hung.tmp"; mv "$TMP/hung.tmp" "$TMP/hung"; exec sleep 30; fi
EOF
    evbatch each --journal "$TMP/j" --batch 2 "$TMP/in" -- sh "$TMP/act.sh" {subject} > "$TMP/out1" 2> /dev/null &
    BGPID=$!
    for i in $(seq 1 200); do [ -e "$TMP/hung" ] && break; sleep 0.05; done
    [ -e "$TMP/hung" ]
    sleep 0.2
    kill -9 "$BGPID"
    wait "$BGPID" 2> /dev/null || true
    BGPID=
    kill -9 "$(cat "$TMP/hung")" 2> /dev/null || true
    assert_equal "$(sort "$TMP/runs" | tr '\n' ' ')" "host1 host2 host3 host4 "
    run --separate-stderr evbatch each --journal "$TMP/j" "$TMP/in" -- sh "$TMP/act.sh" {subject}
    assert_failure 1
    # Nothing ran again: host1, host2 and host4 finished, host3 is reported.
    assert_equal "$(sort "$TMP/runs" | tr '\n' ' ')" "host1 host2 host3 host4 "
    assert_equal "${#lines[@]}" 1
    assert_line --partial '"subject":"host3","name":"sh","state":"unknown","message":"interrupted: an earlier evbatch started this action and stopped before it finished; --rerun-interrupted runs it again","source":"evbatch","data":{"interrupted":true},"reason":"interrupted","cause":"e3"}'
    assert_equal "$stderr" "evbatch: --journal: 3 inputs finished before, not run again; 1 interrupted before, reported (--rerun-interrupted runs them)"
    run --separate-stderr evbatch each --journal "$TMP/j" --rerun-interrupted "$TMP/in" -- sh "$TMP/act.sh" {subject}
    assert_success
    assert_equal "${#lines[@]}" 1
    assert_line --partial '"subject":"host3","name":"sh","state":"ok"'
    assert_equal "$(grep -c host3 "$TMP/runs")" 2
    assert_equal "$(grep -c host1 "$TMP/runs")" 1
    run --separate-stderr evbatch each --journal "$TMP/j" "$TMP/in" -- sh "$TMP/act.sh" {subject}
    assert_success
    assert_output ""
    assert_equal "$(wc -l < "$TMP/j")" 4
}

@test "each --journal: a journal line that is not S/F KEY is refused (exit 2, FILE:LINE); a torn last line is not" {
    events 1 "$TMP/in"
    printf 'F abc\nX y\n' > "$TMP/j"
    run --separate-stderr evbatch each --journal "$TMP/j" "$TMP/in" -- true
    assert_failure 2
    assert_equal "$stderr" "evbatch: $TMP/j:2: not a journal line (\"S KEY\" or \"F KEY\")"
    printf 'F abc\nF tor' > "$TMP/j"
    run --separate-stderr evbatch each --journal "$TMP/j" "$TMP/in" -- true
    assert_success
    assert_equal "$(head -1 "$TMP/j")" "F abc"
}

@test "each: usage errors exit 2" {
    run --separate-stderr evbatch each < /dev/null
    assert_failure 2
    assert_equal "$stderr" 'evbatch: each needs a command: evbatch each [OPTIONS] [FILE...] -- COMMAND [ARGS...]'
    run --separate-stderr evbatch each -- echo '{subject' < /dev/null
    assert_failure 2
    assert_equal "$stderr" "evbatch: command argument 1 '{subject': unclosed '{' at offset 0 (write '{{' for a literal brace)"
    run --separate-stderr evbatch each -- '{tags.cmd}' x < /dev/null
    assert_failure 2
    assert_equal "$stderr" "evbatch: the command '{tags.cmd}' may not hold a placeholder: event data never chooses the program"
    run --separate-stderr evbatch each --max-fail 150% -- true < /dev/null
    assert_failure 2
    assert_equal "$stderr" "evbatch: bad --max-fail '150%': expected N or P% with P from 0 to 100"
    run --separate-stderr evbatch each --rate fast -- true < /dev/null
    assert_failure 2
    assert_equal "$stderr" "evbatch: bad rate 'fast': expected N/DURATION with N > 0, like 10/1m"
    run --separate-stderr evbatch each --concurrency 0 -- true < /dev/null
    assert_failure 2
}

@test "evbatch --version and --help" {
    run evbatch --version
    assert_success
    assert_output 'evbatch (evkit) 0.1.0'
    run evbatch each --help
    assert_success
    assert_output --partial '--max-fail'
}

@test "each: a replayed event's result has the same id, in the same process and in a fresh one" {
    events 3 "$TMP/in"
    run --separate-stderr evbatch each "$TMP/in" -- true
    assert_success
    jq -r '"\(.cause) \(.id)"' <<< "$output" | sort > "$TMP/first"
    assert_equal "$(wc -l < "$TMP/first")" 3
    assert_equal "$(cut -d' ' -f2 "$TMP/first" | sort -u | wc -l)" 3
    # The same lines again in one process: every result twice, with equal ids.
    cat "$TMP/in" "$TMP/in" > "$TMP/replay"
    run --separate-stderr evbatch each "$TMP/replay" -- true
    assert_success
    jq -r '"\(.cause) \(.id)"' <<< "$output" | sort -u > "$TMP/second"
    assert_equal "$(cat "$TMP/second")" "$(cat "$TMP/first")"
    # A fresh process given the last line again.
    tail -n 1 "$TMP/in" > "$TMP/last"
    run --separate-stderr evbatch each "$TMP/last" -- true
    assert_equal "$(jq -r '"\(.cause) \(.id)"' <<< "$output")" "$(grep '^e3 ' "$TMP/first")"
    # Another command template derives other results.
    run --separate-stderr evbatch each "$TMP/last" -- echo
    refute [ "$(jq -r '"\(.cause) \(.id)"' <<< "$output")" = "$(grep '^e3 ' "$TMP/first")" ]
}

@test "each: events without an id are known by their line" {
    printf '{"subject":"a"}\n{"subject":"b"}\n' > "$TMP/in"
    run --separate-stderr evbatch each "$TMP/in" -- true
    assert_success
    first=$(jq -r .id <<< "$output" | sort)
    assert_equal "$(sort -u <<< "$first" | wc -l)" 2
    run --separate-stderr evbatch each "$TMP/in" -- true
    assert_equal "$(jq -r .id <<< "$output" | sort)" "$first"
}
