#!/usr/bin/env bats
# evroute: rules, destinations, flow control, reload and argv safety.

load helpers
bats_require_minimum_version 1.5.0

R="$FIXTURES/route"

setup() {
    background_setup
}

teardown() {
    background_teardown
}

# Starts evroute in the background reading the FIFO in.fifo (written via fd 7).
start_bg() {
    start_background evroute "$@"
}

# Events of fixed length (15 bytes with the newline): {"n":"000001"}.
fixed_events() {
    seq -f '{"n":"%06g"}' 1 "$1"
}

@test "--help prints usage and exits 0" {
    run --separate-stderr evroute --help
    assert_success
    assert_line --index 0 'Route NDJSON events by rules to files, FIFOs, long-running consumers and per-event callbacks.'
    [ -z "$stderr" ]
}

@test "fan-out to several files; unmatched events go to stdout" {
    run --separate-stderr evroute "$R/basic.rules" "$R/events.ndjson"
    assert_success
    assert_output "$(sed -n '2p;5p' "$R/events.ndjson")"
    [ "$stderr" = "evroute: rule metrics: matched 2
evroute: rule alerts: matched 2
evroute: unmatched: 2
evroute: file metrics.ndjson: delivered 2, dropped 0, spilled 0, queued 0
evroute: file alerts.ndjson: delivered 2, dropped 0, spilled 0, queued 0
evroute: stdout: delivered 2, dropped 0, spilled 0, queued 0" ]
    [ "$(cat metrics.ndjson)" = "$(sed -n '1p;4p' "$R/events.ndjson")" ]
    [ "$(cat alerts.ndjson)" = "$(sed -n '3p;6p' "$R/events.ndjson")" ]
}

@test "files are appended, never truncated" {
    echo '{"old":true}' > metrics.ndjson
    run --separate-stderr evroute "$R/basic.rules" --unmatched drop "$R/events.ndjson"
    assert_success
    [ "$(cat metrics.ndjson)" = "$(echo '{"old":true}'; sed -n '1p;4p' "$R/events.ndjson")" ]
}

@test "first match stops, continue goes on to later rules" {
    run --separate-stderr evroute "$R/continue.rules" "$R/events.ndjson"
    assert_success
    assert_output ''
    [ "$(cat all.ndjson)" = "$(cat "$R/events.ndjson")" ]
    [ "$(cat web.ndjson)" = "$(sed -n '1p;2p;6p' "$R/events.ndjson")" ]
    [ "$(cat alerts.ndjson)" = "$(sed -n '3p;6p' "$R/events.ndjson")" ]
    [ "$(cat late.ndjson)" = "$(sed -n '1p;2p;4p;5p' "$R/events.ndjson")" ]
    assert_equal "$(echo "$stderr" | head -4)" "evroute: rule everything: matched 6
evroute: rule web: matched 3
evroute: rule alerts: matched 2
evroute: rule late: matched 4"
}

@test "an event reaches a destination once even when two matching rules name it" {
    run --separate-stderr evroute -e 'rule a -> file x.ndjson continue' -e 'rule b when type == "alert" -> file x.ndjson' \
        "$R/events.ndjson"
    assert_success
    [ "$(cat x.ndjson)" = "$(cat "$R/events.ndjson")" ]
}

@test "--unmatched sends the rest to a destination, or drops it" {
    run --separate-stderr evroute "$R/basic.rules" --unmatched 'file rest.ndjson' "$R/events.ndjson"
    assert_success
    assert_output ''
    [ "$(cat rest.ndjson)" = "$(sed -n '2p;5p' "$R/events.ndjson")" ]
    run --separate-stderr evroute "$R/basic.rules" --unmatched drop "$R/events.ndjson"
    assert_success
    assert_output ''
    [ "$(echo "$stderr" | tail -1)" = "evroute: file alerts.ndjson: delivered 2, dropped 0, spilled 0, queued 0" ]
}

@test "a bad rule is rejected with file:line:column and a caret" {
    run --separate-stderr evroute "$R/bad.rules" "$R/events.ndjson"
    assert_failure 2
    assert_output ''
    [ "$stderr" = "evroute: $R/bad.rules:4:26: syntax error: unexpected '=' (did you mean '=='?)
  rule alerts when type == = \"alert\" -> file alerts.ndjson
                           ^" ]
    [ ! -e metrics.ndjson ]
}

@test "bad destinations, policies and names are rejected with a caret" {
    run --separate-stderr evroute -e 'rule a when true -> pager x' < /dev/null
    assert_failure 2
    [ "$stderr" = "evroute: -e 1:1:21: unknown destination 'pager' (expected file, fifo, stdout, consumer, callback, drop or kafka:TOPIC)
  rule a when true -> pager x
                      ^" ]
    run --separate-stderr evroute -e 'rule a -> file x policy later' < /dev/null
    assert_failure 2
    [ "$stderr" = "evroute: -e 1:1:25: unknown policy 'later' (expected block, drop or spill)
  rule a -> file x policy later
                          ^" ]
    run --separate-stderr evroute -e 'rule a -> file x y' < /dev/null
    assert_failure 2
    [ "$(echo "$stderr" | head -1)" = "evroute: -e 1:1:18: 'file' takes exactly one path" ]
    run --separate-stderr evroute -e 'rule a when type == "x"' < /dev/null
    assert_failure 2
    [ "$(echo "$stderr" | head -1)" = "evroute: -e 1:1:24: expected '->' and a destination after the expression" ]
    run --separate-stderr evroute -e 'rule a -> stdout' -e 'rule a -> drop' < /dev/null
    assert_failure 2
    [ "$stderr" = "evroute: -e 2:1: rule 'a' is already defined at -e 1:1" ]
}

@test "a NUL byte in a rules file is rejected with file:line:column, never cuts a path" {
    printf 'rule ok -> stdout\nrule all -> file alerts\000.ndjson\n' > nul.rules
    fixed_events 3 > in.ndjson
    run --separate-stderr evroute nul.rules in.ndjson
    assert_failure 2
    assert_output ''
    assert_equal "$stderr" "evroute: nul.rules:2:24: a NUL byte is not allowed in rules
  rule all -> file alerts .ndjson
                         ^"
    # Once the path was cut at the NUL and "alerts" was written.
    [ ! -e alerts ] && [ ! -e alerts.ndjson ]
    printf 'rule all -> consumer sh -c "cat > got\000; touch ran"\n' > nul2.rules
    run --separate-stderr evroute --check nul2.rules
    assert_failure 2
    assert_equal "$(echo "$stderr" | head -1)" "evroute: nul2.rules:1:38: a NUL byte is not allowed in rules"
    [ ! -e ran ]
}

@test "--check validates the rules without reading input" {
    run --separate-stderr evroute --check "$R/continue.rules"
    assert_success
    assert_output '4 rules OK'
    run --separate-stderr evroute --check "$R/bad.rules"
    assert_failure 2
}

@test "--check resolves every consumer and callback command and reports each one that does not resolve" {
    printf '#!/bin/sh\n' > noexec.sh
    chmod 644 noexec.sh
    printf '%s\n' 'rule metrics when type == "metric" -> consumer evgraphit -d carbon:2003, file m.ndjson' \
        '# fine: found on PATH, and by path' \
        'rule ok -> consumer cat, callback /bin/true' \
        'rule hook -> callback ./noexec.sh' \
        'rule gone' '  -> consumer named: /nonexistent/tool x' > cmds.rules
    run --separate-stderr env PATH="$PATH" evroute --check --unmatched 'consumer evkit-no-such-sink' cmds.rules
    assert_failure 2
    assert_output ''
    assert_equal "$stderr" "evroute: cmds.rules:1: rule 'metrics': consumer evgraphit -d carbon:2003: cannot run evgraphit: not found on PATH ($PATH)
evroute: cmds.rules:4: rule 'hook': callback ./noexec.sh: cannot run ./noexec.sh: Permission denied
evroute: cmds.rules:5: rule 'gone': named: cannot run /nonexistent/tool: No such file or directory
evroute: --unmatched: consumer evkit-no-such-sink: cannot run evkit-no-such-sink: not found on PATH ($PATH)"
    # Nothing was started or created.
    [ ! -e m.ndjson ]
    run --separate-stderr evroute --check -e 'rule ok -> consumer cat, callback /bin/true'
    assert_success
    assert_output '1 rule OK'
}

@test "labels name destinations in counters and metric names; one label names one destination" {
    fixed_events 3 > in.ndjson
    # The counters (every 0.05 s, and at exit) are routed too: their rule comes first.
    run --separate-stderr evroute -e 'rule stats when source == "evroute" -> file stats.ndjson' \
        -e "rule all -> consumer sink: sh -c 'exec cat > got.ndjson', file archive: a.ndjson" \
        --stats-interval 0.05s --unmatched drop in.ndjson
    assert_success
    cmp got.ndjson in.ndjson
    cmp a.ndjson in.ndjson
    grep -q '"name":"evkit.evroute.destination.sink.delivered"' stats.ndjson
    assert_equal "$(echo "$stderr" | grep -E '^evroute: (sink|archive):')" "evroute: sink: delivered 3, dropped 0, spilled 0, queued 0, restarts 0
evroute: archive: delivered 3, dropped 0, spilled 0, queued 0"
    run --separate-stderr evroute -e 'rule all -> file x: a.ndjson, file x: b.ndjson' < /dev/null
    assert_failure 2
    assert_equal "$stderr" "evroute: -e 1:1: rule 'all': the label 'x' names two destinations: file x: a.ndjson and file x: b.ndjson"
}

@test "a consumer's output goes where its rule says: down the pipeline on stdout, or to a file, never to stderr" {
    fixed_events 200 > in.ndjson
    run --separate-stderr evroute --unmatched drop \
        -e "rule all -> consumer enrich: jq -c --unbuffered '{seen: .n}' | stdout, consumer jq -c '{copy: .n}' | file copies.ndjson" in.ndjson
    assert_success
    assert_equal "$(echo "$output" | wc -l)" 200
    assert_equal "$output" "$(jq -c '{seen: .n}' in.ndjson)"
    assert_equal "$(jq -c '{copy: .n}' in.ndjson)" "$(cat copies.ndjson)"
    # stderr holds evroute's counters only.
    [ -z "$(echo "$stderr" | grep -v '^evroute: ')" ]
    # Without '|' its output is discarded, not written to stderr.
    run --separate-stderr evroute --unmatched drop -e "rule all -> consumer sh -c 'cat; echo noise'" in.ndjson
    assert_success
    assert_output ''
    [ -z "$(echo "$stderr" | grep -v '^evroute: ')" ]
}

@test "a restarted consumer's output: whole lines pass on, a last line without its newline is dropped and said" {
    fixed_events 3 > in.ndjson
    run --separate-stderr evroute --unmatched drop \
        -e "rule all -> consumer once: sh -c 'read -r l; echo \"out \$l\"; printf partial; exit 1' | stdout" in.ndjson
    assert_success
    assert_equal "$output" "$(sed 's/^/out /' in.ndjson)"
    assert_equal "$(echo "$stderr" | grep -c '^evroute: once: its output ended without a newline; 7 bytes dropped$')" 3
}

@test "a consumer's output lines reach stdout whole, interleaved only between lines with routed events" {
    # Long lines from the consumer and events on stdout: every line is one of the two, never a mix.
    jq -cn '[range(300)] | .[] | {id: "e\(.)", pad: ("p" * 9000)}' > in.ndjson
    evroute -e "rule all -> consumer jq -c '{back: .id, pad: .pad}' | stdout, stdout" in.ndjson 2> err.txt | cat > out.ndjson
    assert_equal "$(wc -l < out.ndjson)" 600
    assert_equal "$(jq -c 'select(.back) | .back' out.ndjson | wc -l)" 300
    assert_equal "$(jq -c 'select(.id) | .id' out.ndjson | wc -l)" 300
}

@test "a consumer killed mid-stream is restarted and no event is lost" {
    fixed_events 50 > in.ndjson
    run --separate-stderr evroute -e "rule all -> consumer $R/consumer_dies_once.sh got.ndjson" in.ndjson
    assert_success
    [ -e got.ndjson.died ]
    cmp got.ndjson in.ndjson
    [ "$(echo "$stderr" | head -1)" = "evroute: consumer $R/consumer_dies_once.sh got.ndjson: killed by signal 9 (Killed); restarting in 0.1s, 47 unread lines kept" ]
    [ "$(echo "$stderr" | tail -2 | head -1)" = "evroute: consumer $R/consumer_dies_once.sh got.ndjson: delivered 50, dropped 0, spilled 0, queued 0, restarts 1" ]
}

@test "consumer that stops reading, policy drop: others unaffected, memory bounded" {
    fixed_events 300000 > in.ndjson
    evroute -e 'rule all -> consumer sleep 30, file all.ndjson policy drop' --queue-size 64K --drain-timeout 0.2s \
        in.ndjson > out.ndjson 2> err.txt &
    pid=$!
    BG_PIDS+=("$pid")
    hwm=0
    while kill -0 "$pid" 2>/dev/null; do
        h=$(awk '/VmHWM/ {print $2}' /proc/"$pid"/status 2>/dev/null || echo 0)
        [ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h
        sleep 0.02
    done
    wait "$pid"
    cmp all.ndjson in.ndjson
    [ "$hwm" -lt 40000 ]
    # What the pipe and the 64 KiB queue hold is delivered or lost at exit; the rest is dropped.
    line=$(grep '^evroute: consumer sleep 30:' err.txt)
    [[ "$line" =~ delivered\ ([0-9]+),\ dropped\ ([0-9]+),\ spilled\ 0,\ queued\ 0,\ restarts\ 0,\ lost\ ([0-9]+)$ ]]
    [ $((BASH_REMATCH[1] + BASH_REMATCH[2] + BASH_REMATCH[3])) -eq 300000 ]
    # It never read a byte, so nothing was delivered to it.
    [ "${BASH_REMATCH[1]}" -eq 0 ]
    [ "${BASH_REMATCH[2]}" -gt 290000 ]
}

@test "a consumer's lines count as delivered only once it has read them" {
    # It reads exactly 3 lines (15 bytes each) and then never reads again.
    start_bg -e "rule all -> consumer sh -c 'dd bs=15 count=3 of=got.ndjson 2> /dev/null; exec sleep 30'" \
        --drain-timeout 0.5s
    fixed_events 10 >&7
    wait_for '[ -s got.ndjson ] && [ "$(wc -l < got.ndjson)" -eq 3 ]'
    kill -USR1 "$EV_PID"
    wait_for 'grep -q "^evroute: consumer" err.txt'
    # Seven lines sit unread in its pipe: not delivered, still queued.
    assert_equal "$(grep '^evroute: consumer' err.txt)" \
        "evroute: consumer sh -c 'dd bs=15 count=3 of=got.ndjson 2> /dev/null; exec sleep 30': delivered 3, dropped 0, spilled 0, queued 7, restarts 0"
    finish_bg
    [ "$EV_STATUS" -eq 0 ]
    # At exit evroute gives up on them: lost, never delivered.
    assert_equal "$(grep '^evroute: consumer' err.txt | tail -1)" \
        "evroute: consumer sh -c 'dd bs=15 count=3 of=got.ndjson 2> /dev/null; exec sleep 30': delivered 3, dropped 0, spilled 0, queued 0, restarts 0, lost 7"
}

@test "a consumer that never reads is never counted as delivered" {
    # Once the consumer runs, evroute has its signal handlers.
    start_bg -e "rule all -> consumer sh -c 'touch started; exec sleep 30'" --drain-timeout 0.5s
    wait_for '[ -e started ]'
    fixed_events 10 >&7
    wait_for 'kill -USR1 "$EV_PID"; sleep 0.1; grep -q "^evroute: rule all: matched 10" err.txt'
    assert_equal "$(grep '^evroute: consumer' err.txt | tail -1)" \
        "evroute: consumer sh -c 'touch started; exec sleep 30': delivered 0, dropped 0, spilled 0, queued 10, restarts 0"
    finish_bg
    [ "$EV_STATUS" -eq 0 ]
    assert_equal "$(grep '^evroute: consumer' err.txt | tail -1)" \
        "evroute: consumer sh -c 'touch started; exec sleep 30': delivered 0, dropped 0, spilled 0, queued 0, restarts 0, lost 10"
}

@test "consumer that is slow to start reading, policy spill: everything arrives in order, memory bounded" {
    fixed_events 300000 > in.ndjson
    evroute -e "rule all -> consumer sh -c 'sleep 1; exec cat > got.ndjson' policy spill" --queue-size 64K \
        in.ndjson > out.ndjson 2> err.txt &
    pid=$!
    BG_PIDS+=("$pid")
    hwm=0
    while kill -0 "$pid" 2>/dev/null; do
        h=$(awk '/VmHWM/ {print $2}' /proc/"$pid"/status 2>/dev/null || echo 0)
        [ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h
        sleep 0.02
    done
    wait "$pid"
    cmp got.ndjson in.ndjson
    [ "$hwm" -lt 40000 ]
    line=$(grep '^evroute: consumer' err.txt)
    [[ "$line" =~ delivered\ 300000,\ dropped\ 0,\ spilled\ ([0-9]+),\ queued\ 0,\ restarts\ 0$ ]]
    [ "${BASH_REMATCH[1]}" -gt 100000 ]
}

@test "consumer that stops reading, policy block: back-pressure reaches the input, memory bounded" {
    mkfifo in.fifo
    evroute -e 'rule all -> consumer sleep 30' --queue-size 64K --drain-timeout 0.2s < in.fifo > out.ndjson 2> err.txt &
    pid=$!
    BG_PIDS+=("$pid")
    fixed_events 300000 > in.fifo &
    writer=$!
    BG_PIDS+=("$writer")
    sleep 1
    kill -USR1 "$pid"
    wait_for 'grep -q "^evroute: rule all" err.txt'
    matched=$(awk '/^evroute: rule all: matched/ {print $5}' err.txt)
    # The consumer's pipe (64 KiB) and queue (64 KiB) hold 2 x 4369 lines at most: input is held back.
    [ "$matched" -gt 4000 ] && [ "$matched" -le 8739 ]
    kill -0 "$writer"
    hwm=$(awk '/VmHWM/ {print $2}' /proc/"$pid"/status)
    [ "$hwm" -lt 40000 ]
    kill -TERM "$pid"
    wait "$pid"
}

@test "callbacks get the event on stdin and EV_* in the environment, never through a shell" {
    printf '%s\n' '{"id":"x1","type":"status","subject":"a $(touch pwned) `touch pwned2`; \"q\"","name":"n'"'"'1","severity":2}' \
        '{"id":"x2","type":"alert","subject":"line1\nline2","name":"two","state":"ok","previous":"critical","reason":"transition","message":"back \u001b[31m|ok","since":1700000000.25,"tags":{"role":"web","dc-1":"b","DC.1":"a"}}' > in.ndjson
    run --separate-stderr evroute -e "rule cb -> callback $R/callback_record.sh '\$(touch pwned3)' \"two words\"" \
        --callback-concurrency 1 in.ndjson
    assert_success
    [ ! -e pwned ] && [ ! -e pwned2 ] && [ ! -e pwned3 ]
    assert_equal "$(cat record.txt)" "argv: [\$(touch pwned3)] [two words]
EV_SUBJECT=[a \$(touch pwned) \`touch pwned2\`; \"q\"]
EV_NAME=[n'1]
EV_TYPE=[status]
EV_STATE=[critical]
EV_ID=[x1]
EV_PREVIOUS=[] EV_REASON=[] EV_MESSAGE=[] EV_SINCE=[]
stdin=[$(head -1 in.ndjson)
]
argv: [\$(touch pwned3)] [two words]
EV_SUBJECT=[line1\\nline2]
EV_NAME=[two]
EV_TYPE=[alert]
EV_STATE=[ok]
EV_ID=[x2]
EV_PREVIOUS=[critical] EV_REASON=[transition] EV_MESSAGE=[back \\x1b[31m\\x7cok] EV_SINCE=[1700000000.25]
EV_TAG_DC_1=a
EV_TAG_ROLE=web
stdin=[$(tail -1 in.ndjson)
]"
}

@test "a huge message does not stop a callback: each EV_* value is capped at 4 KiB, the event is whole on stdin" {
    jq -cn '{id: "big", subject: "s", message: ("m" * 3000000), tags: ([range(2000) | {key: "k\(.)", value: ("v" * 5000)}] | from_entries)}' > in.ndjson
    run --separate-stderr evroute --max-line 64M --unmatched drop --results 'file failures.ndjson' \
        -e "rule cb -> callback big: sh -c 'printf %s \"\$EV_MESSAGE\" | wc -c; env | grep -c ^EV_TAG_; wc -c'" in.ndjson
    assert_success
    [ ! -s failures.ndjson ]
    # A callback's own output still goes to evroute's standard error.
    assert_equal "$(echo "$stderr" | grep -v '^evroute:' | tr -d ' ')" "4096
64
$(wc -c < in.ndjson)"
    assert_equal "$(echo "$stderr" | grep '^evroute: big')" "evroute: big: delivered 1, dropped 0, spilled 0, queued 0, failures 0"
}

@test "callback failures and timeouts are counted and reported on --results" {
    printf '%s\n' '{"id":"f1","subject":"s","name":"fail"}' '{"id":"h1","subject":"s","name":"hang"}' \
        '{"id":"k1","subject":"s","name":"fine"}' > in.ndjson
    SECONDS=0
    run --separate-stderr evroute -e "rule cb -> callback $R/callback_record.sh" --callback-timeout 0.5s \
        --results 'file results.ndjson' in.ndjson
    assert_success
    [ "$SECONDS" -lt 5 ]
    run jq -c '[.type, .subject, .name, .message, .cause, .data.exit_code, .data.signal, .data.timed_out, .data.event.id]' results.ndjson
    assert_output "[\"archive\",\"s\",\"evroute.callback\",\"callback $R/callback_record.sh: exited with status 3\",\"f1\",3,null,false,\"f1\"]
[\"archive\",\"s\",\"evroute.callback\",\"callback $R/callback_record.sh: timed out after 500ms\",\"h1\",null,15,true,\"h1\"]"
}

@test "a callback failure is reported under an id derived from its event: a replay reports under the same id" {
    printf '%s\n' '{"id":"f1","time":1790000000,"subject":"s","name":"a"}' '{"id":"f2","subject":"s","name":"b"}' > in.ndjson
    run --separate-stderr evroute -e "rule cb -> callback false" --results 'file r1.ndjson' in.ndjson
    assert_success
    run --separate-stderr evroute -e "rule cb -> callback false" --results 'file r2.ndjson' in.ndjson
    assert_success
    first=$(jq -r '"\(.cause) \(.id)"' r1.ndjson | sort)
    assert_equal "$(jq -r '"\(.cause) \(.id)"' r2.ndjson | sort)" "$first"
    assert_equal "$(cut -d' ' -f2 <<< "$first" | sort -u | wc -l)" 2
    # A copy routed to a file keeps the input's own bytes, id included.
    run --separate-stderr evroute -e "rule all -> file copy.ndjson" in.ndjson
    assert_success
    assert_equal "$(cat copy.ndjson)" "$(cat in.ndjson)"
}

@test "a callback past its timeout gets SIGTERM, then SIGKILL after a 1 s grace" {
    echo '{"id":"t1","subject":"s","name":"stubborn"}' > in.ndjson
    start=$(date +%s%N)
    # Its shell notes the SIGTERM and carries on (each sleep dies of it); only SIGKILL ends it.
    run --separate-stderr evroute \
        -e "rule cb -> callback sh -c 'trap \"echo TERM >> seen\" TERM; while :; do sleep 0.1; done'" \
        --callback-timeout 0.3s --results 'file results.ndjson' in.ndjson
    elapsed=$((($(date +%s%N) - start) / 1000000))
    assert_success
    [ "$(sort -u seen)" = TERM ]
    [ "$elapsed" -ge 1200 ] && [ "$elapsed" -lt 5000 ]
    run jq -c '[.data.signal, .data.timed_out]' results.ndjson
    assert_output '[9,true]'
    run jq -r .message results.ndjson
    assert_output --regexp ': timed out after 300ms$'
}

@test "callbacks run at most --callback-concurrency at once" {
    seq -f '{"id":"c%g"}' 1 6 > in.ndjson
    SECONDS=0
    run --separate-stderr evroute -e "rule cb -> callback $R/callback_concurrency.sh" --callback-concurrency 2 in.ndjson
    assert_success
    [ "$(wc -l < concurrency.txt)" -eq 6 ]
    [ "$(sort -n concurrency.txt | tail -1)" -le 2 ]
    [ "$(echo "$stderr" | grep '^evroute: callback')" = "evroute: callback $R/callback_concurrency.sh: delivered 6, dropped 0, spilled 0, queued 0, failures 0" ]
}

@test "SIGHUP reloads good rules, keeps the old ones on a bad file, keeps unchanged consumers" {
    cat > rules <<'R'
rule a when type == "metric" -> file a.ndjson
rule keep -> consumer sh -c 'echo started >> starts.txt; exec cat >> kept.ndjson'
R
    start_bg rules
    echo '{"type":"metric","n":1}' >&7
    wait_for '[ -s a.ndjson ]'
    sed -i 's/a\.ndjson/b.ndjson/' rules
    kill -HUP "$EV_PID"
    wait_for 'grep -q reloaded err.txt'
    echo '{"type":"metric","n":2}' >&7
    wait_for '[ -s b.ndjson ]'
    echo 'rule broken when type == -> file c.ndjson' > rules
    kill -HUP "$EV_PID"
    wait_for 'grep -q "reload failed" err.txt'
    echo '{"type":"metric","n":3}' >&7
    echo '{"type":"other","n":4}' >&7
    wait_for '[ "$(wc -l < b.ndjson)" -eq 2 ]'
    finish_bg
    [ "$EV_STATUS" -eq 0 ]
    [ "$(cat a.ndjson)" = '{"type":"metric","n":1}' ]
    [ "$(cat b.ndjson)" = '{"type":"metric","n":2}
{"type":"metric","n":3}' ]
    # The failed reload's self-status is routed like an event, so the catch-all takes it too.
    [ "$(grep -v evkit.evroute.reload kept.ndjson)" = '{"type":"other","n":4}' ]
    [ "$(jq -r 'select(.name == "evkit.evroute.reload") | .state' kept.ndjson)" = warning ]
    [ "$(cat starts.txt)" = started ]
    [ ! -e c.ndjson ]
    [ "$(sed -n 1,4p err.txt)" = "evroute: reloaded 2 rules from rules
evroute: reload failed, keeping the old rules: rules:1:25: syntax error: expected an operand
  rule broken when type == -> file c.ndjson
                          ^" ]
}

@test "SIGHUP reopens files, so logrotate works" {
    start_bg -e 'rule all -> file log.ndjson'
    echo '{"n":1}' >&7
    wait_for '[ -s log.ndjson ]'
    mv log.ndjson log.ndjson.1
    kill -HUP "$EV_PID"
    sleep 0.2
    echo '{"n":2}' >&7
    wait_for '[ -s log.ndjson ]'
    finish_bg
    [ "$(cat log.ndjson.1)" = '{"n":1}' ]
    [ "$(cat log.ndjson)" = '{"n":2}' ]
}

@test "a FIFO destination is created and fed once a reader opens it" {
    start_bg -e 'rule all -> fifo events.fifo'
    echo '{"n":1}' >&7
    echo '{"n":2}' >&7
    wait_for '[ -p events.fifo ]'
    run timeout 5 head -n 2 events.fifo
    assert_output '{"n":1}
{"n":2}'
    finish_bg
    [ "$EV_STATUS" -eq 0 ]
}

@test "--stats-interval routes counter metric events through the rules" {
    start_bg -e 'rule stats when source == "evroute" -> file stats.ndjson' -e 'rule rest -> file rest.ndjson' \
        --stats-interval 0.2s --self-subject router1
    echo '{"n":1}' >&7
    wait_for '[ -s stats.ndjson ]'
    finish_bg
    run jq -r 'select(.name == "evkit.evroute.rule.rest.matched") | [.type, .subject, .metric, .unit] | @tsv' stats.ndjson
    assert_line --index 0 "$(printf 'metric\trouter1\t1\tc')"
    run jq -r 'select(.name == "evkit.evroute.destination.file_rest_ndjson.delivered") | .metric' stats.ndjson
    assert_line --index 0 1
}

@test "--stats-interval writes the counters once more at exit, even before the first interval" {
    fixed_events 3 > in.ndjson
    run --separate-stderr evroute -e 'rule stats when source == "evroute" -> file stats.ndjson' \
        -e 'rule rest -> file archive: rest.ndjson' --stats-interval 1h in.ndjson
    assert_success
    run jq -r 'select(.type == "metric") | "\(.name) \(.metric)"' stats.ndjson
    assert_line 'evkit.evroute.in 3'
    assert_line 'evkit.evroute.rule.rest.matched 3'
    assert_line 'evkit.evroute.destination.archive.queued 0'
    refute_line --partial 'evkit.evroute.destination.archive.delivered 0'
}

@test "a failed reload is a warning self-status evkit.evroute.reload until a good reload, then ok once" {
    printf 'rule all -> file all.ndjson\n' > r.rules
    start_bg r.rules --self-subject router1
    echo '{"n":1}' >&7
    wait_for '[ -s all.ndjson ]'
    printf 'rule all -> nowhere\n' > r.rules
    kill -HUP "$EV_PID"
    wait_for 'grep -q evkit.evroute.reload all.ndjson'
    printf 'rule all -> file all.ndjson\n' > r.rules
    kill -HUP "$EV_PID"
    wait_for '[ "$(grep -c evkit.evroute.reload all.ndjson)" -ge 2 ]'
    finish_bg
    run jq -r 'select(.name == "evkit.evroute.reload") | [.type, .subject, .state, .ttl, (.message | test("reload failed"))] | @tsv' all.ndjson
    assert_equal "${#lines[@]}" 2
    assert_line --index 0 "$(printf 'status\trouter1\twarning\t300\ttrue')"
    assert_line --index 1 "$(printf 'status\trouter1\tok\t300\tfalse')"
}

@test "SIGTERM stops a run and prints the counters" {
    start_bg -e 'rule all -> file all.ndjson'
    echo '{"n":1}' >&7
    wait_for '[ -s all.ndjson ]'
    kill -TERM "$EV_PID"
    finish_bg
    [ "$EV_STATUS" -eq 0 ]
    grep -qx 'evroute: file all.ndjson: delivered 1, dropped 0, spilled 0, queued 0' err.txt
}

@test "bad input lines are rejected and the stream goes on" {
    printf '%s\n' '{"n":1}' 'not json' '{"n":2}' > in.ndjson
    run --separate-stderr evroute -e 'rule all -> file all.ndjson' in.ndjson
    assert_success
    [ "$(cat all.ndjson)" = '{"n":1}
{"n":2}' ]
    assert_equal "$(echo "$stderr" | head -1)" "evroute: in.ndjson: line 2: invalid JSON: Problem while parsing an atom starting with the letter 'n'"
}

@test "no rules, a file that cannot be opened, a command that cannot start" {
    run --separate-stderr evroute < /dev/null
    assert_failure 2
    [ "$stderr" = "evroute: no rules: give a rules file or -e RULE" ]
    run --separate-stderr evroute -e 'rule a -> file /nonexistent/x' < /dev/null
    assert_failure 4
    [ "$stderr" = "evroute: -e 1:1: rule 'a': cannot open /nonexistent/x: No such file or directory" ]
    run --separate-stderr evroute -e 'rule a -> consumer /nonexistent/x' < /dev/null
    assert_failure 4
    [ "$stderr" = "evroute: -e 1:1: rule 'a': cannot start /nonexistent/x: No such file or directory" ]
    run --separate-stderr evroute --queue-size 1X -e 'rule a -> drop' < /dev/null
    assert_failure 2
    [ "$stderr" = "evroute: --queue-size: '1X' is not a size (bytes, or with B, K, M, G, KiB, MiB or GiB)
evroute: try 'evroute --help'" ]
    run --separate-stderr evroute --callback-timeout 0 -e 'rule a -> drop' < /dev/null
    assert_failure 2
    [ "$stderr" = "evroute: --callback-timeout: must be more than 0" ]
}

@test "output larger than the queue flows through a stdout pipe and a FIFO" {
    fixed_events 100000 > in.ndjson
    evroute -e 'rule none when false -> drop' --queue-size 64K in.ndjson 2> err.txt | cat > out.ndjson
    cmp out.ndjson in.ndjson
    mkfifo big.fifo
    cat big.fifo > fifo.ndjson &
    BG_PIDS+=($!)
    run --separate-stderr timeout 20 evroute -e 'rule all -> fifo big.fifo' --queue-size 64K in.ndjson
    assert_success
    wait_for 'cmp -s fifo.ndjson in.ndjson'
}

@test "-f names the rules file when -e rules follow it; positionals are then inputs" {
    run --separate-stderr evroute -f "$R/basic.rules" -e 'rule rest -> file rest.ndjson' "$R/events.ndjson"
    assert_success
    assert_output ''
    [ "$(cat rest.ndjson)" = "$(sed -n '2p;5p' "$R/events.ndjson")" ]
    [ "$(echo "$stderr" | sed -n 3,4p)" = "evroute: rule rest: matched 2
evroute: unmatched: 0" ]
}

@test "a reader of stdout that goes away ends evroute quietly with status 0" {
    fixed_events 100000 > in.ndjson
    run bash -c 'evroute -e "rule n when false -> drop" in.ndjson 2> err.txt | head -1; echo "status ${PIPESTATUS[0]}"'
    assert_output '{"n":"000001"}
status 0'
    grep -q '^evroute: unmatched: ' err.txt
}

# Prints the line count of file, 0 when it does not exist.
lines_of() {
    if [ -e "$1" ]; then
        wc -l < "$1"
    else
        echo 0
    fi
}

@test "policy block: a consumer that never reads holds input back, yet the file destination is written at once" {
    mkfifo in.fifo
    evroute -e "rule all -> file out.ndjson, consumer sh -c 'echo \$\$ > consumer.pid; exec sleep 60' policy block" \
        --queue-size 64K < in.fifo > /dev/null 2> err.txt &
    pid=$!
    BG_PIDS+=("$pid")
    # More than the consumer's pipe (64 KiB) and queue (64 KiB) take: 2 x 4369 lines of 15 bytes.
    fixed_events 30000 > in.fifo &
    writer=$!
    BG_PIDS+=("$writer")
    wait_for '[ -s consumer.pid ]'
    BG_PIDS+=("$(cat consumer.pid)")
    # Within 2 s every line evroute accepted is in the file, while input is held back.
    matched=0
    for i in $(seq 40); do
        kill -USR1 "$pid"
        sleep 0.05
        matched=$(awk '/^evroute: rule all: matched/ {m = $5} END {print m + 0}' err.txt)
        if [ "$matched" -gt 8000 ] && [ "$(lines_of out.ndjson)" -ge "$matched" ]; then
            break
        fi
    done
    [ "$matched" -gt 8000 ] && [ "$matched" -le 8739 ]
    [ "$(lines_of out.ndjson)" -ge "$matched" ]
    kill -0 "$writer"
    # They are in the kernel's hands, not in evroute's buffers: a SIGKILL loses none.
    kill -9 "$pid"
    wait "$pid" || true
    [ "$(lines_of out.ndjson)" -ge "$matched" ]
    [ "$(head -n "$matched" out.ndjson)" = "$(fixed_events "$matched")" ]
}

# Runs evroute with rule $1 on endless input, stdout to $2 (a file, or "pipe"
# for a FIFO read by cat into out.ndjson); SIGTERM after 0.5 s must end it,
# status 0, within 2 s. Sets EV_PID and ELAPSED_MS.
term_under_load() {
    if [ "$2" = pipe ]; then
        mkfifo out.fifo
        cat out.fifo > out.ndjson &
        CAT_PID=$!
        BG_PIDS+=("$CAT_PID")
        yes '{"subject":"a","name":"n"}' | evroute -e "$1" > out.fifo 2> err.txt &
    else
        yes '{"subject":"a","name":"n"}' | evroute -e "$1" > "$2" 2> err.txt &
    fi
    EV_PID=$!
    BG_PIDS+=("$EV_PID")
    sleep 0.5
    kill -0 "$EV_PID"
    start=$(date +%s%N)
    kill -TERM "$EV_PID"
    while kill -0 "$EV_PID" 2> /dev/null && [ $((($(date +%s%N) - start) / 1000000)) -lt 5000 ]; do
        sleep 0.02
    done
    ELAPSED_MS=$((($(date +%s%N) - start) / 1000000))
    EV_STATUS=0
    wait "$EV_PID" || EV_STATUS=$?
    [ "$EV_STATUS" -eq 0 ]
    [ "$ELAPSED_MS" -lt 2000 ]
}

# Every line of $1 is the whole event, and there are as many as evroute says
# it delivered to destination $2.
assert_flushed() {
    local n
    n=$(lines_of "$1")
    [ "$n" -gt 0 ]
    [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ]
    [ "$(grep -cvx '{"subject":"a","name":"n"}' "$1")" -eq 0 ]
    grep -qx "evroute: $2: delivered $n, dropped 0, spilled 0, queued 0" err.txt
}

@test "SIGTERM while input never stops: exits 0 within 2 s, stdout (a file) flushed" {
    term_under_load 'rule all -> stdout' out.ndjson
    assert_flushed out.ndjson stdout
}

@test "SIGTERM while input never stops: exits 0 within 2 s, stdout (a pipe) flushed" {
    term_under_load 'rule all -> stdout' pipe
    # cat ends once evroute's end of the pipe is closed.
    timeout 5 tail --pid="$CAT_PID" -f /dev/null
    assert_flushed out.ndjson stdout
}

@test "SIGTERM while input never stops: exits 0 within 2 s, a file destination flushed" {
    term_under_load 'rule all -> file all.ndjson' out.ndjson
    assert_flushed all.ndjson 'file all.ndjson'
    [ ! -s out.ndjson ]
}

@test "an idle input named as a FILE (here a FIFO) is waited for, not polled every few milliseconds" {
    mkfifo in.fifo
    evroute -e 'rule all -> file all.ndjson' in.fifo > /dev/null 2> err.txt &
    pid=$!
    BG_PIDS+=("$pid")
    exec 7> in.fifo
    echo '{"n":1}' >&7
    wait_for '[ -s all.ndjson ]'
    switches() { awk '/^voluntary_ctxt_switches/ {print $2}' /proc/"$pid"/status; }
    before=$(switches)
    sleep 1
    after=$(switches)
    # One wait for the input, the signals and the destinations: it wakes for
    # nothing while nothing happens (a 10 ms spin would wake 100 times).
    [ $((after - before)) -lt 10 ]
    echo '{"n":2}' >&7
    exec 7>&-
    wait "$pid"
    [ "$(cat all.ndjson)" = '{"n":1}
{"n":2}' ]
}
