#!/usr/bin/env bats
# The suite's health reporting: --stats-interval on every tool (core/stats)
# and the systemd notification protocol (core/notify), checked against a
# notification socket the test listens on itself.

load helpers
bats_require_minimum_version 1.5.0

setup() {
    background_setup
}

teardown() {
    background_teardown
}

# Starts the stand-in notification socket; messages go to notify.txt.
listen_notify() {
    python3 "$FIXTURES/notify/listen.py" "$PWD/notify.sock" notify.txt 20 &
    BG_PIDS+=($!)
    wait_for '[ -S notify.sock ]'
    export NOTIFY_SOCKET="$PWD/notify.sock"
}

# Runs "$@" reading the FIFO in.fifo (written through fd 7) in the background.
start_bg() {
    start_background "$@"
}

@test "notify: READY=1 once started, STATUS= with the counters at each tick, WATCHDOG=1 at half WATCHDOG_USEC, STOPPING=1" {
    listen_notify
    WATCHDOG_USEC=200000 start_bg evfilter true --stats-interval 0.1s
    echo '{"n":1}' >&7
    wait_for 'grep -q "^STATUS=in 1, rejected 0, out 1," notify.txt'
    wait_for '[ "$(grep -c "^WATCHDOG=1$" notify.txt)" -ge 3 ]'
    finish_bg
    [ "$EV_STATUS" -eq 0 ]
    wait_for 'grep -q "^STOPPING=1$" notify.txt'
    # READY=1 comes first, once; STOPPING=1 last.
    run grep -v '^LISTENING$' notify.txt
    assert_line --index 0 'READY=1'
    assert_equal "$(grep -c '^READY=1$' notify.txt)" 1
    assert_equal "$(tail -1 notify.txt)" 'STOPPING=1'
}

@test "notify: a watchdog meant for another process (WATCHDOG_PID) is not pinged; no NOTIFY_SOCKET, nothing sent" {
    listen_notify
    WATCHDOG_USEC=100000 WATCHDOG_PID=1 start_bg evfilter true
    echo '{"n":1}' >&7
    wait_for 'grep -q "^READY=1$" notify.txt'
    sleep 0.3
    finish_bg
    [ "$EV_STATUS" -eq 0 ]
    run grep -c '^WATCHDOG=1$' notify.txt
    assert_output 0
    local before
    before=$(wc -l < notify.txt)
    unset NOTIFY_SOCKET
    run evfilter true <<< '{"n":1}'
    assert_success
    sleep 0.1
    assert_equal "$(wc -l < notify.txt)" "$before"
}

@test "notify: evroute and evsrc-snmptrap say READY=1 once listening" {
    listen_notify
    start_bg evroute -e 'rule all -> file all.ndjson'
    wait_for 'grep -q "^READY=1$" notify.txt'
    finish_bg
    [ "$EV_STATUS" -eq 0 ]
    evsrc-snmptrap --listen 127.0.0.1:0 --run-for 0.5s > /dev/null 2> err.txt &
    BG_PIDS+=($!)
    wait_for '[ "$(grep -c "^READY=1$" notify.txt)" -eq 2 ]'
    grep -q 'listening on 127.0.0.1:' err.txt
}

@test "evfilter --stats-interval: counters as metric events, and once at exit" {
    start_bg evfilter 'n > 1' --stats-interval 0.1s --self-subject host1
    echo '{"n":1}' >&7
    echo '{"n":2}' >&7
    wait_for 'grep -q "\"name\":\"evkit.evfilter.in\",\"metric\":2," out.ndjson'
    echo 'not json' >&7
    finish_bg
    [ "$EV_STATUS" -eq 0 ]
    run jq -r 'select(.type == "metric") | [.subject, .name, .metric, .unit, .source] | @tsv' out.ndjson
    assert_line "$(printf 'host1\tevkit.evfilter.out\t1\tc\tevfilter')"
    # The last ones, at exit, have the bad line too.
    assert_equal "$(jq -r 'select(.name == "evkit.evfilter.rejected") | .metric' out.ndjson | tail -1)" 1
    assert_equal "$(jq -c 'select(.type != "metric")' out.ndjson)" '{"n":2}'
}

@test "--stats-interval with --self-to writes the counters there, not to the output; -c needs --self-to" {
    printf '{"n":1}\n{"n":2}\n' > in.ndjson
    run --separate-stderr evfilter true --stats-interval 1h --self-to self.ndjson in.ndjson
    assert_success
    assert_equal "$(cat <<< "$output" | jq -c .)" '{"n":1}
{"n":2}'
    assert_equal "$(jq -r 'select(.name == "evkit.evfilter.in") | .metric' self.ndjson)" 2
    run --separate-stderr evfilter -c true --stats-interval 1h in.ndjson
    assert_failure 2
    assert_equal "$stderr" 'evfilter: --stats-interval with -c or -r needs --self-to FILE: the output is not events'
    run --separate-stderr evfilter true --stats-interval 0 in.ndjson
    assert_failure 2
    [[ "$stderr" == *"must be more than 0"* ]]
}

# A TCP sink that reads everything (a stand-in for carbon); its port in port.txt.
tcp_sink() {
    python3 -c '
import socket, sys, threading
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open("port.txt", "w").write(str(s.getsockname()[1]))
s.settimeout(20)
def drain(c):
    with open("sink.txt", "ab") as f:
        while True:
            b = c.recv(65536)
            if not b: return
            f.write(b); f.flush()
while True:
    c, _ = s.accept()
    threading.Thread(target=drain, args=(c,), daemon=True).start()
' &
    BG_PIDS+=($!)
    wait_for '[ -s port.txt ]'
}

@test "evgraphite --stats-interval: events, datapoints and each destination's counters, once more after the drain" {
    tcp_sink
    local port dest
    port=$(cat port.txt)
    for i in 1 2 3; do echo "{\"type\":\"metric\",\"subject\":\"h\",\"name\":\"m$i\",\"metric\":$i,\"time\":1700000000}"; done > in.ndjson
    run --separate-stderr evgraphite -d "127.0.0.1:$port" --stats-interval 1h --self-subject g1 in.ndjson
    assert_success
    dest="evkit.evgraphite.destination.127_0_0_1_$port"
    run jq -r 'select(.type == "metric") | "\(.subject) \(.name) \(.metric)"' <<< "$output"
    assert_line "g1 evkit.evgraphite.events 3"
    assert_line "g1 evkit.evgraphite.datapoints 3"
    assert_line "g1 $dest.delivered 3"
    assert_line "g1 $dest.pending 0"
    assert_equal "$(wc -l < sink.txt)" 3
    run --separate-stderr evgraphite -n --stats-interval 1h in.ndjson
    assert_failure 2
    assert_equal "$stderr" 'evgraphite: --stats-interval with --dry-run needs --self-to FILE: the output is carbon lines, not events'
}

@test "evbatch each --stats-interval: started/ok/failed counters at exit" {
    printf '{"n":1}\n{"n":2}\n{"n":3}\n' > in.ndjson
    run --separate-stderr evbatch each --stats-interval 1h --self-subject b1 in.ndjson -- sh -c 'test "$1" != 2' sh '{n}'
    assert_failure 1
    run jq -r 'select(.type == "metric") | "\(.subject) \(.name) \(.metric)"' <<< "$output"
    assert_line "b1 evkit.evbatch.in 3"
    assert_line "b1 evkit.evbatch.started 3"
    assert_line "b1 evkit.evbatch.ok 2"
    assert_line "b1 evkit.evbatch.failed 1"
    run --separate-stderr evbatch each -n --stats-interval 1h in.ndjson -- echo '{n}'
    assert_failure 2
}

@test "evbatch group: a failed SIGHUP reload of --inhibit-rules is a warning evkit.evbatch.reload, ok after a good one" {
    echo '{"source":"name == \"ping\"","target":"true","equal":["subject"]}' > rules.ndjson
    start_bg evbatch group --wait 1h --interval 1h --inhibit-rules rules.ndjson --self-subject b1 --stats-interval 0.1s
    echo '{"subject":"h1","name":"x","state":"ok"}' >&7
    # Running (its signals taken) once its counters appear.
    wait_for 'grep -q evkit.evbatch.in out.ndjson'
    echo 'not json' > rules.ndjson
    kill -HUP "$EV_PID"
    wait_for 'grep -q evkit.evbatch.reload out.ndjson'
    echo '{"source":"name == \"ping\"","target":"true","equal":["subject"]}' > rules.ndjson
    kill -HUP "$EV_PID"
    wait_for 'grep -q "evkit.evbatch.reload\",\"state\":\"ok\"" out.ndjson'
    finish_bg
    # The warning (repeated at each stats tick while it lasts), then one ok.
    run jq -r 'select(.name == "evkit.evbatch.reload") | [.subject, .state, .ttl, (.message | startswith("reload: "))] | @tsv' out.ndjson
    assert_line --index 0 "$(printf 'b1\twarning\t300\ttrue')"
    assert_equal "${lines[-1]}" "$(printf 'b1\tok\t300\tfalse')"
    assert_equal "$(printf '%s\n' "${lines[@]}" | grep -c ok)" 1
    grep -q 'keeping the inhibit rules loaded before' err.txt
}

@test "evsrc-nagios run: a bad config or resource file at SIGHUP is a warning evkit.evsrc-nagios.reload, ok after a good one; counters" {
    local plugins=/usr/lib/nagios/plugins
    echo "fine 100ms $plugins/check_dummy 0 fine" > checks.conf
    echo '$USER1$=/usr/lib/nagios/plugins' > resource.cfg
    evsrc-nagios run --self-subject n1 --no-splay --heartbeat 0 --stats-interval 0.2s --resource resource.cfg \
        checks.conf > out.ndjson 2> err.txt &
    EV_PID=$!
    BG_PIDS+=("$EV_PID")
    wait_for 'grep -q "\"name\":\"fine\"" out.ndjson'
    echo 'broken line without a command' > checks.conf
    kill -HUP "$EV_PID"
    wait_for 'grep -q "evkit.evsrc-nagios.reload\",\"state\":\"warning\"" out.ndjson'
    echo "fine 100ms \$USER1\$/check_dummy 0 fine" > checks.conf
    echo 'USER1 no equals sign' > resource.cfg
    kill -HUP "$EV_PID"
    wait_for '[ "$(grep -c "reload failed" err.txt)" -ge 2 ]'
    echo '$USER1$=/usr/lib/nagios/plugins' > resource.cfg
    kill -HUP "$EV_PID"
    wait_for 'grep -q "evkit.evsrc-nagios.reload\",\"state\":\"ok\"" out.ndjson'
    kill -TERM "$EV_PID"
    wait "$EV_PID"
    run jq -r 'select(.name == "evkit.evsrc-nagios.reload") | [.subject, .state, .ttl] | @tsv' out.ndjson
    assert_line --index 0 "$(printf 'n1\twarning\t300')"
    assert_equal "${lines[-1]}" "$(printf 'n1\tok\t300')"
    assert_equal "$(printf '%s\n' "${lines[@]}" | grep -c ok)" 1
    # The resource file's failure is reported too, with its reason.
    jq -r 'select(.name == "evkit.evsrc-nagios.reload" and .state == "warning") | .message' out.ndjson | grep -q resource.cfg
    run jq -r 'select(.type == "metric") | .name' out.ndjson
    assert_line evkit.evsrc-nagios.started
    assert_line evkit.evsrc-nagios.checks
}

@test "evstatus --stats-interval: statuses, alerts and identities as metric events, once more at exit" {
    printf '%s\n' '{"subject":"h","name":"a","state":"ok"}' '{"subject":"h","name":"a","state":"critical"}' \
        '{"subject":"h","name":"b","state":"ok"}' > in.ndjson
    run --separate-stderr evstatus --stats-interval 1h --self-subject s1 in.ndjson
    assert_success
    run jq -r 'select(.type == "metric") | "\(.subject) \(.name) \(.metric)"' <<< "$output"
    assert_line "s1 evkit.evstatus.in 3"
    assert_line "s1 evkit.evstatus.statuses 3"
    assert_line "s1 evkit.evstatus.identities 2"
    assert_line --regexp '^s1 evkit.evstatus.alerts [1-9]'
}

@test "--stats-interval over Kafka: the input's lag is a counter too" {
    load kafka
    kafka_start "$BATS_TEST_TMPDIR/cluster" --topic in:1
    for i in 1 2 3 4 5; do echo "{\"subject\":\"h\",\"name\":\"c\",\"state\":\"ok\",\"n\":$i}"; done | kafka_produce in
    evfilter --from kafka:in --group g --kafka fetch.wait.max.ms=50 --stats-interval 0.2s --self-to self.ndjson true \
        > out.ndjson 2> err.txt 3>&- &
    EV_PID=$!
    BG_PIDS+=("$EV_PID")
    wait_for '[ "$(wc -l < out.ndjson)" -eq 5 ]'
    wait_for 'jq -r "select(.name == \"evkit.evfilter.in\") | .metric" self.ndjson | grep -qx 5'
    kill -TERM "$EV_PID"
    wait "$EV_PID"
    kafka_stop "$BATS_TEST_TMPDIR/cluster"
    # The last emission (at exit): everything read, nothing behind.
    assert_equal "$(jq -r 'select(.name == "evkit.evfilter.lag") | .metric' self.ndjson | tail -1)" 0
    assert_equal "$(jq -r 'select(.name == "evkit.evfilter.in") | .metric' self.ndjson | tail -1)" 5
    # Never into the topic's stream: the output holds the five events only.
    assert_equal "$(jq -r .n out.ndjson | tr '\n' ' ')" "1 2 3 4 5 "
}
