#!/usr/bin/env bats
# evstatus top: the one-shot board (stdout not a terminal) and the live board
# driven in a real terminal, tmux on a socket of this test's own.

load helpers
bats_require_minimum_version 1.5.0

setup() {
    TMP="$BATS_TEST_TMPDIR"
    FLEET="$FIXTURES/status/fleet.ndjson"
    SOCK="evkit-top-$$-$BATS_TEST_NUMBER"
    evstatus --clock event --state "$TMP/state" "$FLEET" > /dev/null
}

teardown() {
    local path
    path=$(tmux -L "$SOCK" display-message -p '#{socket_path}' 2>/dev/null) || true
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    # tmux leaves the socket file behind; it is this test's alone
    if [ -n "$path" ]; then
        rm -f "$path"
    fi
}

# Starts evstatus top "$@" in a 120x30 tmux pane; the pane's shell records
# the terminal settings before and after, and the exit code, then waits.
start_top() {
    local bin
    bin="$(command -v evstatus)"
    {
        # Ctrl-C goes to the shell too (no job control): it must outlive top.
        echo "trap 'echo interrupted' INT"
        echo "stty -a > '$TMP/stty.before'"
        echo "echo before-top"
        printf '%q ' "$bin" top "$@"
        echo
        echo "echo \$? > '$TMP/rc'"
        echo "stty -a > '$TMP/stty.after'"
        echo "sleep 60"
    } > "$TMP/run.sh"
    tmux -L "$SOCK" new-session -d -x 120 -y 30 -s top "sh '$TMP/run.sh'"
    wait_for 'screen | grep -q "^SUBJECT"'
}

screen() {
    tmux -L "$SOCK" capture-pane -p -t top
}

# Row N (from 0) of the pane, blank rows counted (bats's lines skip them).
row() {
    screen | sed -n "$(($1 + 1))p"
}

# The pid of evstatus top, the child of the pane's shell.
top_pid() {
    ps -o pid= --ppid "$(tmux -L "$SOCK" display-message -p -t top '#{pane_pid}')" | tr -d ' '
}

# The terminal is as it was before top: same settings, the normal screen back.
assert_restored() {
    wait_for '[ -s "$TMP/stty.after" ]'
    diff "$TMP/stty.before" "$TMP/stty.after"
    run screen
    assert_line --index 0 before-top
    refute_output --partial SUBJECT
}

@test "top one-shot: the board once, worst first, counts per state, the filter, no escapes" {
    run --separate-stderr evstatus top --state "$TMP/state"
    assert_success
    assert_output "evstatus top: $TMP/state (saved 1970-01-01T00:26:40Z, event clock)
critical 1  unknown 0  warning 1  ok 1

SUBJECT  NAME        STATE     SINCE                 LAST-SEEN             FLAGS    MESSAGE
web3     check_http  critical  1970-01-01T00:21:40Z  1970-01-01T00:16:40Z  expired  no status within ttl 5m
web2     check_http  warning   1970-01-01T00:16:40Z  1970-01-01T00:25:00Z  -        slow
web1     check_http  ok        1970-01-01T00:16:40Z  1970-01-01T00:25:00Z  -        -"
    run --separate-stderr evstatus top --state "$TMP/state" 'state != "ok"'
    assert_success
    assert_output "evstatus top: $TMP/state (saved 1970-01-01T00:26:40Z, event clock)
critical 1  unknown 0  warning 1  ok 0
filter: state != \"ok\" (2 of 3)

SUBJECT  NAME        STATE     SINCE                 LAST-SEEN             FLAGS    MESSAGE
web3     check_http  critical  1970-01-01T00:21:40Z  1970-01-01T00:16:40Z  expired  no status within ttl 5m
web2     check_http  warning   1970-01-01T00:16:40Z  1970-01-01T00:25:00Z  -        slow"
}

@test "top one-shot: equal states, the longest in its state first; silences flagged" {
    printf '%s\n' \
        '{"time":50,"type":"status","subject":"db2","name":"disk","state":"warning","ttl":3600}' \
        '{"time":100,"type":"status","subject":"db1","name":"disk","state":"warning","ttl":3600}' \
        '{"time":120,"type":"status","subject":"db3","name":"disk","state":"critical","ttl":3600}' |
        evstatus --clock event --state "$TMP/s2" > /dev/null
    # evbatch's silences file; on the event clock silences apply at the file's time (120)
    echo '{"id":"s1","type":"silence","author":"ops","comment":"disk swap","starts":0,"ends":3600,"match":"subject == \"db1\""}' > "$TMP/silences"
    run --separate-stderr evstatus top --state "$TMP/s2" --silences "$TMP/silences"
    assert_success
    # (bats's lines skip the blank line: index 2 is the table's header)
    assert_line --index 3 --regexp '^db3 +disk +critical '
    assert_line --index 4 --regexp '^db2 +disk +warning .* - +-$'
    assert_line --index 5 --regexp '^db1 +disk +warning .* silenced +-$'
}

@test "top: hostile subjects and messages are shown escaped, one-shot and live" {
    printf '%s\n' '{"time":1,"type":"status","subject":"\u001b]2;pwned\u0007evil\u001b[2J","name":"n\r1","state":"critical","message":"a\u009bb\u001b[31mred\nnext","ttl":600}' |
        evstatus --clock event --state "$TMP/hostile" > /dev/null
    run --separate-stderr evstatus top --state "$TMP/hostile"
    assert_success
    refute_output --partial $'\x1b'
    refute_output --partial $'\r'
    assert_line --index 3 --partial '\x1b]2;pwned\x07evil\x1b[2J  n\r1  critical'
    assert_line --index 3 --partial 'a\u{9b}b\x1b[31mred\nnext'
    start_top --state "$TMP/hostile"
    run screen
    assert_output --partial '\x1b]2;pwned\x07evil\x1b[2J'
    assert_output --partial 'a\u{9b}b\x1b[31mred\nne'  # cut at the pane's 120 columns
    run tmux -L "$SOCK" display-message -p -t top '#{pane_title}'
    refute_output --partial pwned
}

@test "top live: the board, a state change shown within the interval, / filters, Esc clears, q restores the terminal" {
    start_top --interval 200ms --state "$TMP/state"
    run row 0
    assert_output "evstatus top: $TMP/state (saved 1970-01-01T00:26:40Z, event clock)"
    run row 1
    assert_output 'critical 1  unknown 0  warning 1  ok 1'
    run row 4
    assert_output --regexp '^web3 +check_http +critical '
    run row 29
    assert_output 'q quit  / filter  Esc clear filter'
    # A second run of evstatus replaces the state file: web1 goes critical.
    echo '{"time":1700,"type":"status","subject":"web1","name":"check_http","state":"critical","message":"down","ttl":300}' |
        evstatus --clock event --state "$TMP/state" > /dev/null
    wait_for 'screen | grep -q "^critical 2 "'
    run row 4
    assert_output --regexp '^web3 +check_http +critical '
    run row 5
    assert_output --regexp '^web1 +check_http +critical .* down$'
    tmux -L "$SOCK" send-keys -t top / 'subject == "web2"'
    wait_for 'screen | tail -1 | grep -q "^/subject == \"web2\""'
    tmux -L "$SOCK" send-keys -t top Enter
    wait_for 'screen | grep -q "^filter: subject == \"web2\" (1 of 3)"'
    run row 5
    assert_output --regexp '^web2 +check_http +warning '
    run screen
    refute_output --partial web1
    # A filter that does not compile keeps the board and says why.
    tmux -L "$SOCK" send-keys -t top / 'subject ==' Enter
    wait_for 'screen | tail -1 | grep -q "^filter: "'
    run row 2
    assert_output 'filter: subject == "web2" (1 of 3)'
    tmux -L "$SOCK" send-keys -t top Escape
    wait_for '! screen | grep -q "^filter:"'
    run row 1
    assert_output 'critical 2  unknown 0  warning 1  ok 0'
    # Ctrl-Z is harmless: top still reads keys after it. (This pane's shell
    # has no job control, so the kernel would drop its SIGTSTP anyway: this
    # checks the key does nothing else, not that VSUSP is off.)
    tmux -L "$SOCK" send-keys -t top C-z /
    wait_for '[ "$(row 29)" = / ]'
    tmux -L "$SOCK" send-keys -t top Escape
    wait_for 'row 29 | grep -q "^q quit"'
    tmux -L "$SOCK" send-keys -t top q
    assert_restored
    [ "$(cat "$TMP/rc")" = 0 ]
}

@test "top live: SIGTERM and Ctrl-C (SIGINT) end it with the terminal restored" {
    start_top --state "$TMP/state"
    kill -TERM "$(top_pid)"
    assert_restored
    [ "$(cat "$TMP/rc")" = 0 ]
    tmux -L "$SOCK" kill-server
    rm -f "$TMP/stty.after" "$TMP/rc"
    start_top --state "$TMP/state"
    tmux -L "$SOCK" send-keys -t top C-c
    assert_restored
    [ "$(cat "$TMP/rc")" = 0 ]
}

@test "top live: redrawn at the new size on SIGWINCH, lines cut, rows counted" {
    start_top --state "$TMP/state"
    # 6 rows: 3 of header, the table's header, "... and N more", the help
    tmux -L "$SOCK" resize-window -t top -x 40 -y 6
    wait_for 'screen | grep -q "^\.\.\. and 3 more"'
    run row 0
    assert_output "$(printf '%.40s' "evstatus top: $TMP/state (saved 1970-01-01T00:26:40Z, event clock)")"
    run row 3
    assert_output 'SUBJECT  NAME        STATE     SINCE'
    run row 5
    assert_output 'q quit  / filter  Esc clear filter'
    tmux -L "$SOCK" resize-window -t top -x 120 -y 30
    wait_for 'screen | grep -q "^web1 "'
}

@test "top: bad state file, interval or expression is exit 2 before any screen" {
    run --separate-stderr evstatus top --state "$TMP/missing"
    assert_failure 2
    [ "$stderr" = "evstatus: state file $TMP/missing: No such file or directory" ]
    run --separate-stderr evstatus top --state "$TMP/state" --interval 0
    assert_failure 2
    [ "$stderr" = "evstatus: --interval: expected a positive duration, not '0'" ]
    run --separate-stderr evstatus top --state "$TMP/state" 'subject =='
    assert_failure 2
    assert_output ''
}

@test "top: the man page's one-shot example prints what it shows" {
    cd "$TMP"
    # The ```console block of the top section: a command making the state,
    # then evstatus top and what it prints (test/docs/run_examples.sh runs
    # every block; this runs this one without the other tools built).
    awk '/^```console$/ {on = 1; next} on && /^```$/ {on = 0; if (top) exit; next}
         on && /top\.state/ {top = 1} on && top' "$EVKIT_ROOT/docs/evstatus.1.md" > block
    [ "$(wc -l < block)" -gt 4 ]
    sh -c "$(sed -n '1s/^\$ //p' block)"
    run --separate-stderr sh -c "$(sed -n '2s/^\$ //p' block)"
    assert_success
    assert_output "$(tail -n +3 block)"
}

@test "top live: a state file gone bad keeps the last board, says why, and recovers" {
    cp "$TMP/state" "$TMP/good"
    start_top --interval 200ms --state "$TMP/state"
    echo garbage > "$TMP/bad" && mv "$TMP/bad" "$TMP/state"
    wait_for 'row 29 | grep -q "is corrupt"'
    run row 29
    assert_output "state file $TMP/state is corrupt: line 1: not a JSON object"
    run row 4
    assert_output --regexp '^web3 +check_http +critical '
    cp "$TMP/good" "$TMP/again" && mv "$TMP/again" "$TMP/state"
    wait_for 'row 29 | grep -q "^q quit"'
    tmux -L "$SOCK" send-keys -t top q
    assert_restored
}

@test "top live: a bad silences file keeps the last board whole, even across a new state file" {
    echo '{"id":"s1","type":"silence","author":"ops","comment":"c","starts":0,"ends":99999,"match":"subject == \"web2\""}' > "$TMP/silences"
    start_top --interval 200ms --state "$TMP/state" --silences "$TMP/silences"
    run row 5
    assert_output --regexp '^web2 +check_http +warning .* silenced +slow$'
    echo garbage > "$TMP/silences"
    echo '{"time":1700,"type":"status","subject":"web1","name":"check_http","state":"critical","message":"down","ttl":300}' |
        evstatus --clock event --state "$TMP/state" > /dev/null
    wait_for 'row 29 | grep -q "silences"'
    run row 1
    assert_output 'critical 1  unknown 0  warning 1  ok 1'
    run row 5
    assert_output --regexp '^web2 +check_http +warning .* silenced +slow$'
    : > "$TMP/silences"
    wait_for 'row 1 | grep -q "^critical 2 "'
    run row 6
    assert_output --regexp '^web2 +check_http +warning .* - +slow$'
    run row 29
    assert_output 'q quit  / filter  Esc clear filter'
}
