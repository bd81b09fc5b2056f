#!/usr/bin/env bats
# evsrc-nagios: parse, once (real monitoring-plugins and crafted scripts),
# run (scheduler, reload, hung plugins) and perfdata (formats, --follow).

load helpers

PLUGINS=/usr/lib/nagios/plugins
N="$FIXTURES/nagios"

setup() {
    TMP="$BATS_TEST_TMPDIR"
    BG_PIDS=()
}

teardown() {
    for pid in "${BG_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}

# Events without the parts that change from run to run.
stable() { jq -c 'del(.id, .time, .data.duration)'; }

@test "--help and --version" {
    run evsrc-nagios --help
    assert_success
    assert_line --partial "Run Nagios plugins and read Nagios perfdata files"
    run evsrc-nagios --version
    assert_success
    assert_output "evsrc-nagios (evkit) 0.1.0"
}

@test "no mode is a usage error" {
    run evsrc-nagios
    assert_failure 2
    assert_output --partial "evsrc-nagios: A subcommand is required"
}

@test "parse: the guidelines' multi-line example" {
    run bash -c "sh '$N/multiline_perf.sh' | evsrc-nagios parse --name disk --exit-code 0 --subject h --time 1700000000 --duration 0.25 --ttl 5m --tag role=db | jq -c 'del(.id)'"
    assert_success
    assert_output - <<'OUT'
{"time":1700000000,"type":"status","subject":"h","name":"disk","state":"ok","severity":0,"metric":2643,"unit":"MB","message":"DISK OK - free space: / 3326 MB (56%);","tags":{"role":"db"},"ttl":300,"source":"nagios","data":{"duration":0.25,"exit_code":0,"long_output":"/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);\n/var/log 819 MB (84%);","perfdata":[{"crit":"5958","label":"/","max":5968,"min":0,"unit":"MB","value":2643,"warn":"5948"},{"crit":"93","label":"/boot","max":98,"min":0,"unit":"MB","value":68,"warn":"88"},{"crit":"253409","label":"/home","max":253414,"min":0,"unit":"MB","value":69357,"warn":"253404"},{"crit":"975","label":"/var/log","max":980,"min":0,"unit":"MB","value":818,"warn":"970"}]}}
{"time":1700000000,"type":"metric","subject":"h","name":"disk./","metric":2643,"unit":"MB","tags":{"role":"db"},"source":"nagios"}
{"time":1700000000,"type":"metric","subject":"h","name":"disk./boot","metric":68,"unit":"MB","tags":{"role":"db"},"source":"nagios"}
{"time":1700000000,"type":"metric","subject":"h","name":"disk./home","metric":69357,"unit":"MB","tags":{"role":"db"},"source":"nagios"}
{"time":1700000000,"type":"metric","subject":"h","name":"disk./var/log","metric":818,"unit":"MB","tags":{"role":"db"},"source":"nagios"}
OUT
}

@test "parse: quoted labels, U, ranges, and no metric event for U" {
    run bash -c "sh '$N/quoted_labels.sh' | evsrc-nagios parse --name q --exit-code 1 --subject h --time 1 | jq -c '[.name, .metric, .unit]'"
    assert_success
    assert_output - <<'OUT'
["q",75,"%"]
["q.disk C: used",75,"%"]
["q.it's",3,"c"]
["q.time",0.12,"s"]
OUT
    run bash -c "sh '$N/quoted_labels.sh' | evsrc-nagios parse --name q --exit-code 1 --subject h --no-metrics | jq -c '.data.perfdata[2]'"
    assert_output '{"crit":"~:30","label":"rta","max":null,"min":null,"unit":null,"value":null,"warn":"@10:20"}'
}

@test "parse: exit codes 4, 126, 127 and 255 are critical with Nagios's messages" {
    for code in 4 126 127 255; do
        echo "plugin text" | evsrc-nagios parse --name t --exit-code $code --subject h | jq -r '[.state, .message, .data.exit_code, .data.output] | @tsv'
    done > "$TMP/out"
    run cat "$TMP/out"
    assert_output - <<'OUT'
critical	(Return code of 4 is out of bounds)	4	plugin text
critical	(Return code of 126 is out of bounds - plugin may not be executable)	126	plugin text
critical	(Return code of 127 is out of bounds - plugin may be missing)	127	plugin text
critical	(Return code of 255 is out of bounds)	255	plugin text
OUT
}

@test "parse: malformed perfdata items are skipped and reported, the rest kept" {
    run --separate-stderr bash -c "echo 'OK | a=1 junk b=x c=2' | evsrc-nagios parse --name t --exit-code 0 --subject h --no-metrics | jq -c '[.data.perfdata[].label, .data.perfdata_errors]'"
    assert_success
    assert_output '["a","c",["item '"'"'junk'"'"': no '"'"'='"'"'","item '"'"'b=x'"'"': bad value '"'"'x'"'"'"]]'
    [ "$stderr" = "evsrc-nagios: check 't': skipped malformed perfdata: item 'junk': no '='
evsrc-nagios: check 't': skipped malformed perfdata: item 'b=x': bad value 'x'" ]
}

@test "parse: empty output, binary garbage and a cut at --max-output" {
    run bash -c "printf '' | evsrc-nagios parse --name t --exit-code 0 --subject h | jq -r .message"
    assert_output "(No output returned from plugin)"
    run bash -c "sh '$N/garbage.sh' | evsrc-nagios parse --name t --exit-code 2 --subject h --no-metrics | jq -c '[.message, .data.long_output, .data.perfdata[].label]'"
    assert_success
    assert_output '["���\u0001garbage��","\u001b[31mred","�","ok"]'
    run bash -c "printf 'OK %.0s' {1..100} | evsrc-nagios parse --name t --exit-code 0 --subject h --max-output 10 | jq -c '[.message, .data.truncated]'"
    assert_output '["OK OK OK O",true]'
}

@test "parse: bad options" {
    run evsrc-nagios parse --name t
    assert_failure 2
    assert_output --partial "--exit-code is required"
    run evsrc-nagios parse --name t --exit-code 0 --timeout-state bad
    assert_failure 2
    assert_output --partial "expected ok, warning, critical or unknown"
    run evsrc-nagios parse --name t --exit-code 0 --tag novalue
    assert_failure 2
    assert_output "evsrc-nagios: --tag 'novalue': expected KEY=VALUE"
}

@test "once: real monitoring-plugins" {
    evsrc-nagios once --subject h --name load -- $PLUGINS/check_load -w 1000,1000,1000 -c 2000,2000,2000 > "$TMP/load"
    evsrc-nagios once --subject h --name disk $PLUGINS/check_disk -w 1% -c 1% -p / > "$TMP/disk"
    evsrc-nagios once --subject h --name procs $PLUGINS/check_procs -w 100000 -c 200000 > "$TMP/procs"
    evsrc-nagios once --subject h --name users $PLUGINS/check_users -w 1000 -c 2000 > "$TMP/users"
    evsrc-nagios once --subject h --name swap $PLUGINS/check_swap -w 10% -c 5% > "$TMP/swap"
    evsrc-nagios once --subject h --name dummy --interval 1m --timeout 10s $PLUGINS/check_dummy 3 "not sure" > "$TMP/dummy"
    run jq -sc '[.[] | select(.type == "status") | .state] ' "$TMP/load" "$TMP/disk" "$TMP/procs" "$TMP/users" "$TMP/dummy"
    assert_output '["ok","ok","ok","ok","unknown"]'
    run jq -sc '[.[] | select(.type == "metric") | .name]' "$TMP/load" "$TMP/disk" "$TMP/users"
    assert_output '["load.load1","load.load5","load.load15","disk./","users.users"]'
    run jq -c 'select(.type == "status") | [.message, .ttl, .data.exit_code, (.data.duration < 5)]' "$TMP/dummy"
    assert_output '["UNKNOWN: not sure",130,3,true]'
    # No assumption about this machine's swap: a state and a "swap" item.
    run jq -c 'select(.type == "status") | [.name, (.severity | type), .data.perfdata[0].label]' "$TMP/swap" "$TMP/procs"
    assert_output - <<'OUT'
["swap","number","swap"]
["procs","number","procs"]
OUT
}

@test "once: check_tcp against a port opened on loopback, then closed" {
    python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
end = time.time() + 20
while time.time() < end:
    c, _ = s.accept(); c.close()
' > "$TMP/port" &
    BG_PIDS+=($!)
    for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
    port=$(cat "$TMP/port")
    run bash -c "evsrc-nagios once --subject h --name tcp $PLUGINS/check_tcp -H 127.0.0.1 -p $port | jq -c 'select(.type == \"status\") | [.state, .unit, .data.perfdata[0].label]'"
    assert_output '["ok","s","time"]'
    kill "${BG_PIDS[0]}"; wait "${BG_PIDS[0]}" 2>/dev/null || true
    run bash -c "evsrc-nagios once --subject h --name tcp $PLUGINS/check_tcp -H 127.0.0.1 -p $port | jq -c '[.state, .severity]'"
    assert_output '["critical",2]'
}

@test "once: killed by a signal, missing, not executable, stderr only" {
    for s in kill_self.sh missing.sh not_executable.sh stderr_only.sh "exit_code.sh 4" garbage.sh; do
        evsrc-nagios once --subject h --no-metrics $N/$s | jq -c '[.name, .state, .message, .data.exit_code, .data.signal]'
    done > "$TMP/out"
    run cat "$TMP/out"
    assert_output - <<'OUT'
["kill_self.sh","critical","(Service check did not exit properly)",null,9]
["missing.sh","critical","(Return code of 127 is out of bounds - plugin may be missing)",127,null]
["not_executable.sh","critical","(Return code of 126 is out of bounds - plugin may not be executable)",126,null]
["stderr_only.sh","critical","(No output on stdout) stderr: cannot connect",2,null]
["exit_code.sh","critical","(Return code of 4 is out of bounds)",4,null]
["garbage.sh","critical","���\u0001garbage��",2,null]
OUT
}

@test "once: a plugin past its timeout is killed, with --timeout-state" {
    start=$(date +%s%N)
    run bash -c "evsrc-nagios once --subject h --timeout 300ms --timeout-state unknown '$N/sleep.sh' | jq -c '[.state, .message, .data.timed_out, .data.exit_code]'"
    took=$(( ($(date +%s%N) - start) / 1000000 ))
    assert_success
    assert_output '["unknown","(Service check timed out after 0.30 seconds)",true,null]'
    [ "$took" -lt 2000 ]
    run pgrep -f "$N/sleep.sh"
    assert_failure
    run pgrep -f "sleep 1001"
    assert_failure
}

@test "once: SIGTERM ignored: SIGKILL to the group after --kill-grace" {
    start=$(date +%s%N)
    run bash -c "evsrc-nagios once --subject h --timeout 200ms --kill-grace 300ms '$N/ignore_term.sh' | jq -r .message"
    took=$(( ($(date +%s%N) - start) / 1000000 ))
    assert_output "(Service check timed out after 0.20 seconds)"
    [ "$took" -ge 450 ] && [ "$took" -lt 2500 ]
    run pgrep -f "$N/ignore_term.sh"
    assert_failure
}

@test "once: a group member that survives SIGTERM gets the SIGKILL too" {
    run bash -c "evsrc-nagios once --subject h --timeout 300ms --kill-grace 300ms '$N/term_orphan.sh' | jq -r .message"
    assert_output "(Service check timed out after 0.30 seconds)"
    run pgrep -f "sleep 1003"
    assert_failure
}

@test "once: a child holding the pipe, closed stdout, a flood, no output" {
    start=$(date +%s%N)
    run bash -c "evsrc-nagios once --subject h '$N/fork_child.sh' | jq -c 'select(.type == \"status\") | [.state, .message]'"
    took=$(( ($(date +%s%N) - start) / 1000000 ))
    assert_output '["ok","OK - parent done"]'
    [ "$took" -lt 1500 ]
    run pgrep -f "sleep 1234"
    assert_failure
    run bash -c "evsrc-nagios once --subject h --timeout 300ms --kill-grace 100ms '$N/close_stdout.sh' | jq -c '[.state, .message]'"
    assert_output '["critical","(Service check timed out after 0.30 seconds)"]'
    run bash -c "evsrc-nagios once --subject h --max-output 1K '$N/flood.sh' | jq -c '[.state, .data.truncated, (.data.long_output | length) < 1024]'"
    assert_output '["ok",true,true]'
    run bash -c "evsrc-nagios once --subject h '$N/silent.sh' | jq -c '[.state, .message]'"
    assert_output '["ok","(No output returned from plugin)"]'
}

@test "once: minimal environment, no leaked descriptors, no shell" {
    run bash -c "FOO=bar evsrc-nagios once --subject h '$N/env.sh' | jq -r '.message, .data.long_output'"
    assert_output - <<OUT
LC_ALL=C
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
PWD=$PWD
OUT
    run bash -c "evsrc-nagios once --subject h '$N/fds.sh' 3</dev/null 7</dev/null | jq -r '[.message, .data.long_output] | join(\" \")'"
    assert_output "0 1
10
2"
    run bash -c "evsrc-nagios once --subject h echo 'a;b' '\$HOME' | jq -r .message"
    assert_output 'a;b $HOME'
}

@test "once: works when started with SIGCHLD ignored" {
    run bash -c "python3 -c 'import os, signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); os.execvp(sys.argv[1], sys.argv[1:])' evsrc-nagios once --subject h --timeout 3s $PLUGINS/check_dummy 0 fine | jq -r .message"
    assert_output "OK: fine"
}

@test "once: usage errors" {
    run evsrc-nagios once
    assert_failure 2
    assert_output "evsrc-nagios: once: no command given"
    run evsrc-nagios once --bogus check_dummy
    assert_failure 2
    assert_output "evsrc-nagios: once: unknown option '--bogus' (put -- before a command that starts with '-')"
    run evsrc-nagios once --timeout 0 check_dummy
    assert_failure 2
    assert_line --index 0 "evsrc-nagios: --timeout: must be above zero"
}

@test "once --exit-state exits with the plugin's state like running it; a plugin that cannot start is exit 4" {
    for code in 0 1 2 3; do
        run --separate-stderr evsrc-nagios once --exit-state --subject h $PLUGINS/check_dummy "$code" x
        [ "$status" -eq "$code" ]
    done
    # Bare names are found in --plugin-dir (default /usr/lib/nagios/plugins).
    run --separate-stderr evsrc-nagios once --exit-state --subject h check_dummy 1 'disk almost full'
    [ "$status" -eq 1 ]
    assert_equal "$(jq -r .message <<< "$output")" "WARNING: disk almost full"
    # A timeout is its --timeout-state; without --exit-state the exit is 0.
    run --separate-stderr evsrc-nagios once --exit-state --timeout 200ms --timeout-state warning sleep 5
    [ "$status" -eq 1 ]
    run --separate-stderr evsrc-nagios once --timeout 200ms sleep 5
    [ "$status" -eq 0 ]
    # Missing or not executable: the critical event is written, the exit says it never ran.
    for s in missing.sh not_executable.sh; do
        for flag in --exit-state --no-metrics; do
            run --separate-stderr evsrc-nagios once $flag --subject h "$N/$s"
            [ "$status" -eq 4 ]
            assert_equal "$(jq -r .state <<< "$output")" critical
        done
    done
    assert_equal "$stderr" "evsrc-nagios: cannot run $N/not_executable.sh: Permission denied"
    run --separate-stderr evsrc-nagios once --plugin-dir "$TMP" check_dummy 0
    [ "$status" -eq 4 ]
    assert_equal "$stderr" "evsrc-nagios: cannot run check_dummy: No such file or directory"
}

@test "check: the man page's own config passes as written, and run runs its bare plugin names" {
    # The config example of docs/evsrc-nagios.1.md, taken from the page.
    sed -n '/^# NAME     INTERVAL/,/^$/p' "$EVKIT_ROOT/docs/evsrc-nagios.1.md" | sed '$d' > "$TMP/checks.conf"
    [ "$(grep -c . "$TMP/checks.conf")" -eq 5 ]
    run --separate-stderr evsrc-nagios check "$TMP/checks.conf"
    assert_success
    assert_output "4 checks OK"
    [ -z "$stderr" ]
    run --separate-stderr evsrc-nagios run --no-splay --heartbeat 0 --run-for 3s --no-metrics "$TMP/checks.conf"
    assert_success
    # Every plugin ran: real exit codes, none the 127 of a plugin not found.
    assert_equal "$(jq -r '.name' <<< "$output" | sort | paste -sd' ')" "backup disk_root load web"
    assert_equal "$(jq -c 'select(.data.exit_code == 127 or .data.exit_code == 126)' <<< "$output")" ""
    assert_equal "$(jq -r 'select(.name == "load") | .message' <<< "$output" | cut -c1-4)" "LOAD"
    assert_equal "$(jq -r 'select(.name == "disk_root") | .message' <<< "$output" | cut -c1-4)" "DISK"
}

@test "check: the shipped example config and resource file check clean" {
    run --separate-stderr evsrc-nagios check --resource "$EVKIT_ROOT/examples/evsrc-nagios/resource.cfg" \
        "$EVKIT_ROOT/examples/evsrc-nagios/checks.conf"
    assert_success
    assert_output "10 checks OK"
}

@test "check: reports every problem with FILE:LINE, exit 2; macros come from --resource as in Nagios" {
    printf '%s\n' 'load    1m  check_load -w 5,4,3 -c 10,8,6' \
        'typo    1m  check_lod -w 5' \
        'dummy   1m  $USER1$/check_dummy 1 "$USER3$"' \
        'secret  1m  -- $USER2$/check_dummy 0' \
        'bad     1m  colour=red check_dummy 0' \
        'dup     1m  check_dummy 0' \
        'dup     1m  check_dummy 0' \
        'path    1m  /etc/passwd' > "$TMP/checks.conf"
    run --separate-stderr evsrc-nagios check "$TMP/checks.conf"
    assert_failure 2
    assert_output ''
    dirs="/usr/lib/nagios/plugins:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    assert_equal "$stderr" "evsrc-nagios: $TMP/checks.conf:2: check 'typo': cannot run check_lod: not found in $dirs
evsrc-nagios: $TMP/checks.conf:3: check 'dummy': \$USER1\$ is not defined (no --resource file given)
evsrc-nagios: $TMP/checks.conf:4: check 'secret': \$USER2\$ is not defined (no --resource file given)
evsrc-nagios: $TMP/checks.conf:5: check 'bad': unknown option 'colour' (use -- before a command that contains '=')
evsrc-nagios: $TMP/checks.conf:7: check 'dup' defined twice
evsrc-nagios: $TMP/checks.conf:8: check 'path': cannot run /etc/passwd: Permission denied"
    printf '%s\n' '# Nagios resource.cfg' '$USER1$=/usr/lib/nagios/plugins' '$USER3$ = "disk almost full"' \
        'oops' '$USER300$=x' > "$TMP/resource.cfg"
    run --separate-stderr evsrc-nagios check --resource "$TMP/resource.cfg" --plugin-dir /nonexistent "$TMP/checks.conf"
    assert_failure 2
    assert_equal "$(echo "$stderr" | head -5)" "evsrc-nagios: $TMP/resource.cfg:4: expected \$USERn\$=VALUE
evsrc-nagios: $TMP/resource.cfg:5: '\$USER300\$' is not a \$USERn\$ macro (n from 1 to 256)
evsrc-nagios: $TMP/checks.conf:1: check 'load': cannot run check_load: not found in /nonexistent:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
evsrc-nagios: $TMP/checks.conf:2: check 'typo': cannot run check_lod: not found in /nonexistent:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
evsrc-nagios: $TMP/checks.conf:4: check 'secret': \$USER2\$ is not defined (not in $TMP/resource.cfg)"
    # Clean: one line, exit 0; run expands the macros the same way (a value is one argument).
    printf '%s\n' 'dummy 1m $USER1$/check_dummy 1 "$USER3$"' 'plain 1m check_dummy 0 fine' > "$TMP/good.conf"
    printf '%s\n' '$USER1$=/usr/lib/nagios/plugins' '$USER3$ = "disk almost full"' > "$TMP/resource.cfg"
    run --separate-stderr evsrc-nagios check --resource "$TMP/resource.cfg" "$TMP/good.conf"
    assert_success
    assert_output "2 checks OK"
    run --separate-stderr evsrc-nagios run --resource "$TMP/resource.cfg" --no-splay --heartbeat 0 --run-for 1s --no-metrics "$TMP/good.conf"
    assert_success
    assert_equal "$(jq -r 'select(.name == "dummy") | .message' <<< "$output")" "WARNING: disk almost full"
    # run refuses a config whose macros are undefined, with FILE:LINE.
    run --separate-stderr evsrc-nagios run --run-for 1s "$TMP/good.conf"
    assert_failure 2
    assert_equal "$stderr" "evsrc-nagios: $TMP/good.conf:1: check 'dummy': \$USER1\$ is not defined (no --resource file given)"
    run --separate-stderr evsrc-nagios check "$TMP/nonexistent.conf"
    assert_failure 2
    assert_equal "$stderr" "evsrc-nagios: $TMP/nonexistent.conf: No such file or directory"
}

@test "run: a bad config is rejected with file:line" {
    printf 'ok 1m true\n\nbad 1m colour=red true\n' > "$TMP/checks.conf"
    run evsrc-nagios run "$TMP/checks.conf"
    assert_failure 2
    assert_output "evsrc-nagios: $TMP/checks.conf:3: check 'bad': unknown option 'colour' (use -- before a command that contains '=')"
    run evsrc-nagios run "$TMP/nonexistent.conf"
    assert_failure 2
    assert_output "evsrc-nagios: $TMP/nonexistent.conf: No such file or directory"
}

@test "run: schedules checks, retries, heartbeat with ttl" {
    cat > "$TMP/checks.conf" <<CONF
# name interval options command
fine 200ms tag.role=web $PLUGINS/check_dummy 0 fine
bad  1s    retry=200ms  $PLUGINS/check_dummy 2 bad
CONF
    run bash -c "evsrc-nagios run --subject h --no-splay --heartbeat 500ms --run-for 1100ms '$TMP/checks.conf' > '$TMP/out'"
    assert_success
    fine=$(jq -s '[.[] | select(.name == "fine")] | length' "$TMP/out")
    bad=$(jq -s '[.[] | select(.name == "bad")] | length' "$TMP/out")
    [ "$fine" -ge 5 ] && [ "$fine" -le 7 ]
    [ "$bad" -ge 5 ] && [ "$bad" -le 7 ]
    run jq -c 'select(.name == "fine") | [.state, .tags.role, .ttl]' "$TMP/out"
    assert_line --index 0 '["ok","web",60.4]'
    run jq -sc '[.[] | select(.name == "evkit.evsrc-nagios.heartbeat")] | [length >= 3, .[0].state, .[0].ttl, .[0].subject, (.[-1].data | keys)]' "$TMP/out"
    assert_output '[true,"ok",1.5,"h",["checks","lateness_max","lateness_p50","lateness_p99","lingering","running","started","started_total","timeouts","waiting"]]'
}

@test "run: hung plugins never delay healthy checks" {
    {
        for i in $(seq 20); do echo "hang$i 10s timeout=1500ms $N/sleep.sh"; done
        echo "healthy 100ms $PLUGINS/check_dummy 0 ok"
    } > "$TMP/checks.conf"
    run bash -c "evsrc-nagios run --subject h --no-splay --heartbeat 0 --kill-grace 100ms --run-for 1s '$TMP/checks.conf' > '$TMP/out'"
    assert_success
    healthy=$(jq -s '[.[] | select(.name == "healthy")] | length' "$TMP/out")
    [ "$healthy" -ge 8 ]
    run jq -s '[.[] | select(.name | startswith("hang"))] | length' "$TMP/out"
    assert_output 0
    run pgrep -f "$N/sleep.sh"
    assert_failure
    run pgrep -f "sleep 1001"
    assert_failure
}

@test "run: --max-concurrent caps running plugins, timeouts reported" {
    for i in 1 2 3 4; do echo "slow$i 10s timeout=300ms $N/sleep.sh"; done > "$TMP/checks.conf"
    run bash -c "evsrc-nagios run --subject h --no-splay --max-concurrent 2 --heartbeat 0 --kill-grace 50ms --run-for 900ms '$TMP/checks.conf' | jq -c '[.name, .message]'"
    assert_success
    assert_output - <<'OUT'
["slow1","(Service check timed out after 0.30 seconds)"]
["slow2","(Service check timed out after 0.30 seconds)"]
["slow3","(Service check timed out after 0.30 seconds)"]
["slow4","(Service check timed out after 0.30 seconds)"]
OUT
}

@test "run: the heartbeat turns warning when checks wait over a second for a slot" {
    printf 'a 100ms timeout=1500ms %s\nb 100ms timeout=1500ms %s\n' "$N/sleep.sh" "$N/sleep.sh" > "$TMP/checks.conf"
    run bash -c "evsrc-nagios run --subject h --no-splay --max-concurrent 1 --heartbeat 1s --kill-grace 50ms --run-for 2300ms '$TMP/checks.conf' | jq -c 'select(.name == \"evkit.evsrc-nagios.heartbeat\") | [.state, (.message | startswith(\"scheduler overloaded: \")), .data.waiting > 0]' | sort -u"
    assert_success
    assert_output - <<'OUT'
["ok",false,true]
["warning",true,true]
OUT
}

@test "run: SIGHUP reload keeps unchanged checks, restarts changed, stops removed; bad reload keeps old" {
    cat > "$TMP/checks.conf" <<CONF
keep   200ms $PLUGINS/check_dummy 0 keep
change 200ms $PLUGINS/check_dummy 0 old
gone   200ms $PLUGINS/check_dummy 0 gone
CONF
    evsrc-nagios run --subject h --heartbeat 0 "$TMP/checks.conf" > "$TMP/out" 2> "$TMP/err" &
    pid=$!
    BG_PIDS+=($pid)
    sleep 0.7
    cat > "$TMP/checks.conf" <<CONF
# a comment moves every line down
keep   200ms $PLUGINS/check_dummy 0 keep
change 200ms $PLUGINS/check_dummy 0 new
added  200ms $PLUGINS/check_dummy 0 added
CONF
    hup=$(date +%s.%N)
    kill -HUP $pid
    sleep 0.7
    echo "broken 1m colour=red x" >> "$TMP/checks.conf"
    kill -HUP $pid
    sleep 0.5
    kill -TERM $pid
    wait $pid
    run cat "$TMP/err"
    assert_output - <<ERR
evsrc-nagios: reloaded $TMP/checks.conf: 1 kept, 1 changed, 1 added, 1 removed
evsrc-nagios: reload failed, keeping the old configuration: $TMP/checks.conf:5: check 'broken': unknown option 'colour' (use -- before a command that contains '=')
ERR
    # Nothing of "gone" started after the reload; "added" and the new "change" did.
    run jq -s --argjson hup "$hup" '[.[] | select(.name == "gone" and .time > $hup)] | length' "$TMP/out"
    assert_output 0
    run jq -s --argjson hup "$hup" '[.[] | select(.name == "added" and .time > $hup)] | length > 3' "$TMP/out"
    assert_output true
    run jq -s --argjson hup "$hup" '[.[] | select(.name == "change" and .time > $hup) | .message] | unique' "$TMP/out"
    assert_output '[
  "OK: new"
]'
    # "keep" kept its rhythm across both reloads: no gap, no double run.
    run jq -s '[.[] | select(.name == "keep") | .time] | [range(1; length) as $i | .[$i] - .[$i-1]] | [min > 0.1, max < 0.32]' "$TMP/out"
    assert_output '[
  true,
  true
]'
}

@test "run: SIGTERM stops it with exit 0 and no plugin left running" {
    echo "hang 100ms timeout=1m $N/sleep.sh" > "$TMP/checks.conf"
    evsrc-nagios run --subject h --heartbeat 0 --kill-grace 100ms "$TMP/checks.conf" > "$TMP/out" &
    pid=$!
    sleep 0.5
    pgrep -f "$N/sleep.sh" > /dev/null
    pgrep -f "sleep 1001" > /dev/null
    kill -TERM $pid
    rc=0
    wait $pid || rc=$?
    [ "$rc" -eq 0 ]
    run pgrep -f "$N/sleep.sh"
    assert_failure
    run pgrep -f "sleep 1001"
    assert_failure
}

@test "run: SIGTERM while 5 plugins hang ends within 2 s, exit 0, every plugin group gone" {
    # A sleep length no other test uses marks this test's plugins.
    for i in 1 2 3 4 5; do
        echo "hang$i 1m timeout=1m $N/sleep.sh 4177" >> "$TMP/checks.conf"
    done
    evsrc-nagios run --subject h --heartbeat 0 --no-splay "$TMP/checks.conf" > "$TMP/out" &
    pid=$!
    BG_PIDS+=("$pid")
    for _ in $(seq 50); do
        [ "$(pgrep -c -f 'sleep 4177')" -eq 5 ] && break
        sleep 0.1
    done
    [ "$(pgrep -c -f 'sleep 4177')" -eq 5 ]
    t0=$(date +%s%N)
    kill -TERM $pid
    rc=0
    wait $pid || rc=$?
    t1=$(date +%s%N)
    [ "$rc" -eq 0 ]
    [ $(( (t1 - t0) / 1000000 )) -lt 2000 ]
    run pgrep -f "sleep 4177"
    assert_failure
    run pgrep -f "$N/sleep.sh 4177"
    assert_failure
}

@test "perfdata: PNP4Nagios bulk and Nagios default formats" {
    run --separate-stderr bash -c "evsrc-nagios perfdata '$N/pnp_bulk.perfdata' '$N/nagios_default.perfdata' | jq -c 'del(.id) | del(.data.fields)'"
    assert_success
    assert_output - <<'OUT'
{"time":1700000000,"type":"status","subject":"web1","name":"Load","state":"warning","severity":1,"metric":0.5,"source":"nagios","data":{"perfdata":[{"crit":"10","label":"load1","max":null,"min":0,"unit":null,"value":0.5,"warn":"5"},{"crit":"8","label":"load5","max":null,"min":0,"unit":null,"value":0.4,"warn":"4"}]}}
{"time":1700000000,"type":"metric","subject":"web1","name":"Load.load1","metric":0.5,"source":"nagios"}
{"time":1700000000,"type":"metric","subject":"web1","name":"Load.load5","metric":0.4,"source":"nagios"}
{"time":1700000010,"type":"status","subject":"web1","name":"host","state":"ok","severity":0,"metric":0.1,"unit":"ms","source":"nagios","data":{"perfdata":[{"crit":"5000","label":"rta","max":null,"min":0,"unit":"ms","value":0.1,"warn":"3000"},{"crit":"100","label":"pl","max":null,"min":0,"unit":"%","value":0,"warn":"80"}]}}
{"time":1700000010,"type":"metric","subject":"web1","name":"host.rta","metric":0.1,"unit":"ms","source":"nagios"}
{"time":1700000010,"type":"metric","subject":"web1","name":"host.pl","metric":0,"unit":"%","source":"nagios"}
{"time":1700000002,"type":"metric","subject":"db1","name":"Disk /./","metric":10,"unit":"MB","source":"nagios"}
{"time":1700000003,"type":"metric","subject":"db1","name":"host.rta","metric":1,"unit":"ms","source":"nagios"}
OUT
    [ "$stderr" = "evsrc-nagios: $N/nagios_default.perfdata: line 3: neither a PNP4Nagios KEY::VALUE line nor a [SERVICEPERFDATA]/[HOSTPERFDATA] line
evsrc-nagios: 1 line rejected" ]
    run bash -c "evsrc-nagios perfdata '$N/pnp_bulk.perfdata' | jq -c 'select(.name == \"host\") | .data.fields.SITE'"
    assert_output '"ams"'
}

@test "perfdata: - reads standard input" {
    run bash -c "evsrc-nagios perfdata - < '$N/pnp_bulk.perfdata' | jq -r .name"
    assert_success
    assert_output - <<'OUT'
Load
Load.load1
Load.load5
host
host.rta
host.pl
OUT
}

@test "perfdata: --follow with - is a usage error" {
    run evsrc-nagios perfdata --follow -
    assert_failure 2
    assert_output "evsrc-nagios: perfdata: --follow needs files, not '-'"
}

@test "perfdata: a missing file is exit 4" {
    run evsrc-nagios perfdata "$TMP/none.perfdata"
    assert_failure 4
    assert_output "evsrc-nagios: $TMP/none.perfdata: No such file or directory"
}

@test "perfdata --follow: growth, rotation and truncation like tail -F" {
    f="$TMP/service.perfdata"
    line() { printf 'DATATYPE::SERVICEPERFDATA\tTIMET::%s\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::v=%s\tSERVICESTATE::OK\n' "$1" "$1"; }
    line 1 > "$f"
    evsrc-nagios perfdata --follow --poll-interval 50ms --no-metrics "$f" > "$TMP/out" 2> "$TMP/err" &
    pid=$!
    BG_PIDS+=($pid)
    sleep 0.3
    line 2 >> "$f"
    printf 'DATATYPE::SERVICEPERFDATA\tTIMET::3\tHOSTNAME::h\tSERVICEDESC::s' >> "$f"
    sleep 0.3
    printf '\tSERVICEPERFDATA::v=3\tSERVICESTATE::OK\n' >> "$f"
    sleep 0.3
    mv "$f" "$f.1"
    line 4 >> "$f.1"          # written to the old file just after the move
    line 5 > "$f"
    sleep 0.4
    line 6 >> "$f"
    sleep 0.3
    : > "$f"
    sleep 0.3
    line 7 >> "$f"
    sleep 0.4
    kill -TERM $pid
    wait $pid
    run jq -c .metric "$TMP/out"
    assert_output - <<'OUT'
1
2
3
4
5
6
7
OUT
    run cat "$TMP/err"
    assert_output "evsrc-nagios: $f: file truncated, reading from the start"
}

# A PNP4Nagios service line with metric N at time N.
perf_line() { printf 'DATATYPE::SERVICEPERFDATA\tTIMET::%s\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::v=%s\tSERVICESTATE::OK\n' "$1" "$1"; }
# The start of a line whose SERVICEPERFDATA goes on for ever: "a=1 a=1 ..."
# (each item an event's worth of memory; the old reader took 2.4 GB for 10 MB).
perf_long_head() { printf 'DATATYPE::SERVICEPERFDATA\tTIMET::2\tHOSTNAME::h\tSERVICEDESC::s\tSERVICESTATE::OK\tSERVICEPERFDATA::'; }

@test "perfdata: a 10 MB line between good lines is rejected (--max-line) in bounded memory and time" {
    {
        perf_line 1
        perf_long_head; yes a=1 | head -c 10000000 | tr '\n' ' '; echo
        perf_line 3
        # Within the limit, 262000 tiny items: the first 10000 are kept.
        perf_long_head | sed 's/TIMET::2/TIMET::4/'; printf 'b=4 '; yes a=1 | head -c 1048000 | tr '\n' ' '; echo
    } > "$TMP/big.perfdata"
    # 300 MB of address space and 20 s: the old reader needed gigabytes.
    run --separate-stderr bash -c "ulimit -v 300000; exec timeout 20 evsrc-nagios perfdata --rejects '$TMP/rejects' '$TMP/big.perfdata' > '$TMP/out'"
    assert_success
    run jq -c 'select(.type == "status") | [.metric, (.data.perfdata | length)]' "$TMP/out"
    assert_output $'[1,1]\n[3,1]\n[4,10000]'
    run jq -s 'map(select(.type == "metric")) | length' "$TMP/out"
    assert_output 10002
    [ "$stderr" = "evsrc-nagios: $TMP/big.perfdata: line 2: line longer than 1048576 bytes
evsrc-nagios: $TMP/big.perfdata: line 4: more than 10000 items: the rest are skipped
evsrc-nagios: 1 line rejected, written to $TMP/rejects" ]
    # The rejects file holds the line verbatim, newline and all.
    sed -n 2p "$TMP/big.perfdata" | cmp - "$TMP/rejects"
}

@test "perfdata: a 100 MB line on standard input, streamed, is rejected; the lines around it are kept" {
    export -f perf_line perf_long_head
    run --separate-stderr bash -c '{ perf_line 1; perf_long_head; yes a=1 | head -c 100000000 | tr "\n" " "; echo; perf_line 3; } |
        (ulimit -v 300000; exec timeout 20 evsrc-nagios perfdata --no-metrics -)'
    assert_success
    run jq -c .metric <<< "$output"
    assert_output $'1\n3'
    [ "$stderr" = "evsrc-nagios: line 2: line longer than 1048576 bytes
evsrc-nagios: 1 line rejected" ]
}

@test "perfdata --follow: a 10 MB line written in pieces is rejected, reading resumes at the next line" {
    f="$TMP/follow.perfdata"
    perf_line 1 > "$f"
    (ulimit -v 300000; exec timeout 20 evsrc-nagios perfdata --follow --poll-interval 50ms --no-metrics "$f") > "$TMP/out" 2> "$TMP/err" &
    pid=$!
    BG_PIDS+=($pid)
    sleep 0.3
    perf_long_head >> "$f"
    for _ in 1 2 3 4 5; do
        yes a=1 | head -c 2000000 | tr '\n' ' ' >> "$f"
        sleep 0.1
    done
    { echo; perf_line 3; } >> "$f"
    sleep 0.5
    kill -TERM $pid
    wait $pid
    run jq -c .metric "$TMP/out"
    assert_output $'1\n3'
    run cat "$TMP/err"
    assert_output - <<ERR
evsrc-nagios: $f: line 2: line longer than 1048576 bytes
evsrc-nagios: 1 line rejected
ERR
}

@test "perfdata --max-line: the limit counts the bytes before the newline; --strict stops at the first bad line" {
    perf_line 1 > "$TMP/p"
    perf_line 22 >> "$TMP/p"
    perf_line 3 >> "$TMP/p"
    limit=$(sed -n 1p "$TMP/p" | tr -d '\n' | wc -c)
    run --separate-stderr evsrc-nagios perfdata --no-metrics --max-line "$limit" "$TMP/p"
    assert_success
    run jq -c .metric <<< "$output"
    assert_output $'1\n3'
    [ "$stderr" = "evsrc-nagios: $TMP/p: line 2: line longer than $limit bytes
evsrc-nagios: 1 line rejected" ]
    run --separate-stderr evsrc-nagios perfdata --no-metrics --max-line "$limit" --strict "$TMP/p"
    assert_failure 3
    run jq -c .metric <<< "$output"
    assert_output 1
    [ "$stderr" = "evsrc-nagios: $TMP/p: line 2: line longer than $limit bytes" ]
    printf 'junk\n' >> "$TMP/p"
    run --separate-stderr evsrc-nagios perfdata --no-metrics --strict - < "$TMP/p"
    assert_failure 3
    [ "$stderr" = "evsrc-nagios: line 4: neither a PNP4Nagios KEY::VALUE line nor a [SERVICEPERFDATA]/[HOSTPERFDATA] line" ]
}

@test "perfdata: TIMET outside 1970..9999 is rejected with the reason; diagnostics quote a short escaped prefix" {
    {
        perf_line 1
        printf 'DATATYPE::SERVICEPERFDATA\tTIMET::99999999999999999999999\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::v=2\tSERVICESTATE::OK\n'
        printf 'DATATYPE::SERVICEPERFDATA\tTIMET::-5\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::v=2\tSERVICESTATE::OK\n'
        printf 'DATATYPE::SERVICEPERFDATA\tTIMET::nan\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::v=2\tSERVICESTATE::OK\n'
        printf 'DATATYPE::\033[2J|%0100d\tTIMET::1\n' 0
        printf 'DATATYPE::SERVICEPERFDATA\tTIMET::253402300799\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::v=9 b=\033]0;x\a\tSERVICESTATE::OK\n'
    } > "$TMP/t.perfdata"
    run --separate-stderr evsrc-nagios perfdata --no-metrics "$TMP/t.perfdata"
    assert_success
    run jq -c '[.time, .metric]' <<< "$output"
    assert_output $'[1,1]\n[253402300799,9]'
    zeros=$(printf '%059d' 0)
    [ "$stderr" = "evsrc-nagios: $TMP/t.perfdata: line 2: bad TIMET '99999999999999999999999': not a time from 1970 to 9999 (0 to 253402300799)
evsrc-nagios: $TMP/t.perfdata: line 3: bad TIMET '-5': not a time from 1970 to 9999 (0 to 253402300799)
evsrc-nagios: $TMP/t.perfdata: line 4: bad TIMET 'nan': not a number
evsrc-nagios: $TMP/t.perfdata: line 5: unknown DATATYPE '\\x1b[2J\\x7c$zeros...'
evsrc-nagios: $TMP/t.perfdata: line 6: item 'b=\\x1b]0;x\\x07': bad value '\\x1b]0'
evsrc-nagios: 4 lines rejected" ]
}

@test "perfdata -: a line read from a pipe is written at once, not when the input ends" {
    { perf_line 1; sleep 3; perf_line 2; } | evsrc-nagios perfdata --no-metrics - > "$TMP/out" &
    pid=$!
    BG_PIDS+=($pid)
    for _ in $(seq 1 40); do
        [ -s "$TMP/out" ] && break
        sleep 0.05
    done
    run jq -c .metric "$TMP/out"
    assert_output 1
    wait $pid
    run jq -c .metric "$TMP/out"
    assert_output $'1\n2'
}
