#!/usr/bin/env bats
# evplot: exact small pictures on fixed input, markers at their column, SVG
# checked by xmllint, bad input, the man page's examples.

load helpers

setup() {
    WEB="$FIXTURES/plot/web.ndjson"
    TMP="$BATS_TEST_TMPDIR"
    T0=1700006400 # 2023-11-15T00:00:00Z
}

@test "line --ascii: the exact picture, with two series, a marker, axes and legend" {
    run --separate-stderr evplot line --ascii -W 40 -H 10 --markers 'name == "puppet"' "$WEB"
    assert_success
    assert_output - <<'EOF'
metric (ms)
     340 +             ***
         |          ***|  +++
         |    ******   +++   +++***
      80 ++++++++++++++|        ++++++++
         ++-------------+-------------+-
UTC       00:00       00:05
  * web1/http
  + web2/http
  | markers: name == "puppet" (1)
EOF
    [ -z "$stderr" ]
}

@test "line: a marker is drawn in the column of its time, and only there" {
    # 30 plot columns over 600 s: 20 s each; the Puppet run at +270 s is column 13,
    # character 23 of a row (9 for the labels, 1 for the axis).
    run evplot line --ascii -W 40 -H 10 --since $T0 --until $((T0 + 600)) --markers 'name == "puppet"' "$WEB"
    assert_success
    local rows marked
    rows=$(sed -n 2,5p <<< "$output")
    marked=$(while IFS= read -r row; do
        for ((i = 10; i < ${#row}; i++)); do [ "${row:i:1}" = '|' ] && echo "$i"; done
    done <<< "$rows" | sort -u)
    [ "$marked" = 23 ] || { echo "marker columns: $marked"; echo "$output"; false; }
    # A marker an hour later moves with it: still one column, further right.
    { cat "$WEB"; echo "{\"time\":$((T0 + 540)),\"subject\":\"db1\",\"name\":\"puppet\"}"; } > "$TMP/two.ndjson"
    run evplot line --ascii -W 40 -H 10 --since $T0 --until $((T0 + 600)) --markers 'name == "puppet"' "$TMP/two.ndjson"
    assert_line --index 9 '  | markers: name == "puppet" (2)'
    [[ "$(sed -n 2,5p <<< "$output" | cut -c 38)" == *'|'* ]]
}

@test "line: braille cells by default, 80 x 24 when stdout is not a terminal" {
    run evplot line "$WEB"
    assert_success
    [ "${#lines[@]}" -eq 24 ] || { echo "${#lines[@]} lines"; false; }
    [[ "$output" == *$'\u28ff web1/http'* ]]
    LC_ALL=C.UTF-8 grep -qP '[\x{2801}-\x{28ff}]' <<< "$output"
    local widest
    widest=$(while IFS= read -r l; do echo "${#l}"; done <<< "$output" | sort -n | tail -1)
    [ "$widest" -le 80 ] && [ "$widest" -ge 79 ]
}

@test "line: --by chooses the series, --field the value, --unit and --title the labels" {
    printf '%s\n' '{"time":1,"subject":"a","tags":{"role":"web"},"load":1}' \
        '{"time":2,"subject":"b","tags":{"role":"web"},"load":3}' \
        '{"time":3,"subject":"c","tags":{"role":"db"},"load":2}' > "$TMP/roles.ndjson"
    run evplot line --ascii -W 40 -H 12 --by tags.role --field load --unit '%' --title 'Load' "$TMP/roles.ndjson"
    assert_success
    assert_line --index 0 'load (%)          Load'
    assert_line '  * web'
    assert_line '  + db'
    refute_output --partial 'a/'
}

@test "line: events in any order give both ends of a year's span" {
    printf '%s\n' "{\"time\":$((T0 + 31536000)),\"subject\":\"a\",\"metric\":5}" \
        "{\"time\":$T0,\"subject\":\"a\",\"metric\":1}" > "$TMP/year.ndjson"
    run evplot line --ascii -W 40 -H 8 "$TMP/year.ndjson"
    assert_success
    # The first point at the bottom left, the last at the top right.
    assert_line --index 1 --regexp '^ +5 \+.*\*$'
    assert_line --index 4 --regexp '^ +1 \+\*'
}

@test "line: event data cannot reach the terminal raw (escape sequences, new lines)" {
    printf '%s\n' '{"time":1,"subject":"\u001b[31mevil\nforged line","name":"x","metric":1}' > "$TMP/evil.ndjson"
    run evplot line --ascii -W 60 -H 8 --title $'t\x1b]0;x\x07' "$TMP/evil.ndjson"
    assert_success
    [[ "$output" != *$'\x1b'* && "$output" != *$'\x07'* ]]
    assert_line '  * \x1b[31mevil\nforged line/x'
    refute_line 'forged line/x'
}

@test "spark: one exact line per series, last value at the end" {
    run evplot spark --ascii -W 40 "$WEB"
    assert_success
    assert_output - <<'EOF'
web1/http      _____==@++..____ 119
web2/http      _____..+@@**.___ 85
EOF
    run evplot spark -W 40 "$WEB"
    assert_line --index 0 'web1/http      ▁▁▁▁▁▄▄█▅▅▂▂▁▁▁▁ 119'
}

@test "hist: buckets over the values held, exact bars and counts" {
    run evplot hist --ascii -W 40 --buckets 3 "$WEB"
    assert_success
    assert_output - <<'EOF'
metric (ms)
   80 - 166.7 |###################### 16
166.7 - 253.3 |#####                   4
  253.3 - 340 |##                      2
22 values
EOF
}

@test "hist --range: streams, and counts what falls outside" {
    run evplot hist --ascii -W 50 --range 100:300 --buckets 4 "$WEB"
    assert_success
    assert_line --index 1 '100 - 150 |##################################### 8'
    assert_line --index 5 '14 values, 7 below 100, 1 above 300'
    run evplot hist --range 300:100 "$WEB"
    assert_failure 2
    run evplot hist --range 1:x "$WEB"
    assert_failure 2
}

@test "--svg: a valid, self-contained SVG with the series, the markers and escaped hostile text" {
    command -v xmllint
    printf '%s\n' '{"time":1700006400,"subject":"a<b>&\u0001\u001b\uffff","name":"n","metric":1}' >> "$TMP/hostile.ndjson"
    cat "$WEB" >> "$TMP/hostile.ndjson"
    umask 077
    run --separate-stderr evplot line --svg "$TMP/p.svg" --title $'x\x02y</svg>' --markers 'name == "puppet"' "$TMP/hostile.ndjson"
    assert_success
    assert_output ''
    xmllint --noout "$TMP/p.svg"
    [ "$(grep -c '<polyline class="series"' "$TMP/p.svg")" -eq 3 ]
    grep -q '>web1/http<' "$TMP/p.svg"
    grep -q '>a&lt;b&gt;&amp;' "$TMP/p.svg"
    grep -q 'x�y&lt;/svg&gt;' "$TMP/p.svg"
    [ "$(sed -n '/class="markers"/,/<\/g>/p' "$TMP/p.svg" | grep -c '<path')" -eq 1 ]
    grep -q 'markers: name == &quot;puppet&quot; (1)' "$TMP/p.svg"
    [ "$(stat -c %a "$TMP/p.svg")" = 644 ]
    [ "$(ls -A "$TMP" | grep -c tmp)" -eq 0 ]
    run evplot hist --svg "$TMP/h.svg" "$WEB"
    assert_success
    xmllint --noout "$TMP/h.svg"
    [ "$(grep -c '<rect' "$TMP/h.svg")" -eq 11 ] # the background and 10 buckets
}

@test "--svg never writes through a symbolic link, and an unwritable place is exit 4" {
    echo keep > "$TMP/victim"
    ln -s "$TMP/victim" "$TMP/link.svg"
    run --separate-stderr evplot line --svg "$TMP/link.svg" "$WEB"
    assert_failure 4
    [ "$(cat "$TMP/victim")" = keep ]
    run --separate-stderr evplot line --svg "$TMP/no/such/dir/p.svg" "$WEB"
    assert_failure 4
}

@test "bad input: rejected lines are reported and kept, the picture drawn from the rest; --strict stops" {
    { head -3 "$WEB"; echo 'not json'; echo '[1]'; tail -n +4 "$WEB"; } > "$TMP/bad.ndjson"
    run --separate-stderr evplot line --ascii -W 40 -H 10 --markers 'name == "puppet"' --rejects "$TMP/rejects" "$TMP/bad.ndjson"
    assert_success
    [[ "$stderr" == *"evplot: "*"line 4: "* ]] || { echo "$stderr"; false; }
    [ "$(cat "$TMP/rejects")" = $'not json\n[1]' ]
    [ "$output" = "$(evplot line --ascii -W 40 -H 10 --markers 'name == "puppet"' "$WEB")" ]
    run --separate-stderr evplot line --strict "$TMP/bad.ndjson"
    assert_failure 3
    assert_output ''
}

@test "exit 1 with nothing to draw; usage errors are exit 2" {
    echo '{"time":1,"subject":"a","state":"ok"}' > "$TMP/none.ndjson"
    run --separate-stderr evplot line "$TMP/none.ndjson"
    assert_failure 1
    [[ "$stderr" == 'evplot: no event with a number at metric to draw' ]]
    run --separate-stderr evplot line --markers 'name ==' "$WEB"
    assert_failure 2
    run --separate-stderr evplot line -W 5 "$WEB"
    assert_failure 2
    run --separate-stderr evplot spark --svg "$TMP/x.svg" "$WEB"
    assert_failure 2
    run --separate-stderr evplot line --since 20 --until 10 "$WEB"
    assert_failure 2
    run --separate-stderr evplot
    assert_failure 2
}

@test "at most 8 series; the points of others are counted on stderr" {
    for i in $(seq 1 10); do echo "{\"time\":$i,\"subject\":\"h$i\",\"name\":\"n\",\"metric\":$i}"; done > "$TMP/many.ndjson"
    run --separate-stderr evplot line --ascii "$TMP/many.ndjson"
    assert_success
    [ "$(grep -c '^  . h' <<< "$output")" -eq 8 ]
    [ "$stderr" = 'evplot: 2 points of further series not drawn (at most 8 series; choose with --by or evfilter)' ]
}

@test "the man page's examples print what the page shows" {
    local n=0 f cmd
    cd "$EVKIT_ROOT"
    # Each ```console block: its first line the command, the rest what it prints.
    awk -v dir="$TMP" '/^```console$/ {n++; on = 1; next} on && /^```$/ {on = 0; next}
        on {print > (dir "/example." n)}' docs/evplot.1.md
    for f in "$TMP"/example.*; do
        cmd=$(head -1 "$f")
        [[ "$cmd" == '$ evplot '* ]] || { echo "not a command: $cmd"; false; }
        run sh -c "${cmd#\$ }"
        assert_success
        [ "$output" = "$(tail -n +2 "$f")" ] || { echo "$cmd"; diff <(tail -n +2 "$f") <(echo "$output"); false; }
        n=$((n + 1))
    done
    [ "$n" -eq 3 ]
}

@test "the bash completion offers every long option of each picture's --help" {
    local sub opt missing=""
    for sub in line hist spark; do
        for opt in $(evplot "$sub" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
            grep -q -- "$opt" "$EVKIT_ROOT/completions/bash/evplot" || missing="$missing $sub:$opt"
        done
    done
    [ -z "$missing" ] || { echo "not offered:$missing"; false; }
}

# Starts the recorded render API (test/fixtures/plot/render_server.py) serving
# RESPONSE [STATUS]; sets url; stopped by teardown.
start_render_server() {
    rm -f "$TMP/port"
    "$FIXTURES/plot/render_server.py" "$1" "$TMP/port" "$TMP/requests" ${2:-} &
    SERVER_PID=$!
    local i
    for i in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
    url="http://127.0.0.1:$(cat "$TMP/port")"
}

teardown() {
    if [ -n "${SERVER_PID:-}" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
}

@test "--graphite: series from a render response, markers from the event file, the query as graphite wants it" {
    start_render_server "$FIXTURES/plot/render.json"
    run --separate-stderr timeout 10 evplot line --ascii -W 40 -H 10 --graphite "$url" --target 'web*.http.p95' \
        --target 'x y' --markers 'name == "puppet"' --since $T0 --until $((T0 + 660)) "$WEB"
    assert_success
    assert_output - <<'EOF'
graphite
     340 +         ***|
         |       **   ***+++
         |   ****     +++***++
      80 +++++++++++++|       ++++++++
         ++------------+-------------+--
UTC       00:00      00:05         00:10
  * web1.http.p95
  + web2.http.p95
  | markers: name == "puppet" (1)
EOF
    [ "$(cat "$TMP/requests")" = "/render?target=web%2A.http.p95&target=x%20y&format=json&from=$T0&until=$((T0 + 660))" ]
}

@test "--graphite without --markers reads no input; graphite's last day by default" {
    start_render_server "$FIXTURES/plot/render.json"
    # stdin stays open and empty: evplot must not wait for it.
    run --separate-stderr timeout 5 evplot spark --ascii -W 40 --graphite "$url/" --target a < <(sleep 30)
    assert_success
    assert_line --index 0 --regexp '^web1\.http\.p95  .* 118$'
    [ "$(cat "$TMP/requests")" = '/render?target=a&format=json&from=-24h&until=now' ]
}

@test "--graphite: an HTTP error, a bad response, a dead server and a lone --target are refused" {
    start_render_server "$FIXTURES/plot/render.json" 500
    run --separate-stderr timeout 10 evplot line --graphite "$url" --target a
    assert_failure 4
    [[ "$stderr" == *'HTTP status 500'* ]]
    teardown
    printf '[{"target":"a","datapoints":[[1,"x"]]}]' > "$TMP/bad.json"
    start_render_server "$TMP/bad.json"
    run --separate-stderr timeout 10 evplot line --graphite "$url" --target a
    assert_failure 4
    [[ "$stderr" == *"bad render response: series 1 (a): a datapoint's time is not a number"* ]]
    teardown
    SERVER_PID=
    run --separate-stderr timeout 10 evplot line --graphite "$url" --target a
    assert_failure 4
    run --separate-stderr evplot line --target a
    assert_failure 2
    run --separate-stderr evplot line --graphite "file:///etc/passwd" --target a
    assert_failure 4
}

@test "on a terminal the picture takes its size (TIOCGWINSZ), one line left for the prompt" {
    local sock="evkit-plot-$$-$BATS_TEST_NUMBER"
    {
        printf '%q ' "$(command -v evplot)" line --ascii "$WEB"
        echo "> '$TMP/pane.out' 2>&1 < /dev/null || true"
        printf '%q ' "$(command -v evplot)" line --ascii "$WEB"
        echo
        echo "echo done > '$TMP/done'"
        echo "sleep 30"
    } > "$TMP/run.sh"
    tmux -L "$sock" new-session -d -x 70 -y 20 -s plot "sh '$TMP/run.sh'"
    wait_for "[ -s '$TMP/done' ]" || { tmux -L "$sock" kill-server; false; }
    local pane
    pane=$(tmux -L "$sock" capture-pane -p -t plot)
    tmux -L "$sock" kill-server 2>/dev/null || true
    # Redirected to a file: 80 x 24. On the 70 x 20 pane: 19 lines of at most 70 columns.
    [ "$(wc -l < "$TMP/pane.out")" -eq 24 ]
    local lines widest
    lines=$(grep -c '' <<< "$(sed '/^$/d' <<< "$pane")")
    widest=$(while IFS= read -r l; do echo "${#l}"; done <<< "$pane" | sort -n | tail -1)
    [ "$lines" -eq 19 ] || { echo "$pane"; echo "lines: $lines"; false; }
    [ "$widest" -le 70 ] && [ "$widest" -ge 68 ] || { echo "$pane"; echo "widest: $widest"; false; }
    [[ "$pane" == *'  * web1/http'* ]]
}

@test "the README's evplot picture is what evplot draws" {
    cd "$EVKIT_ROOT"
    local expected
    expected=$(sed -n '/^evplot line --ascii -W 40 -H 10/,/^$/p' README.md | sed '1d;$d' | sed 's/^# \{0,1\}//')
    [ -n "$expected" ]
    run evplot line --ascii -W 40 -H 10 --markers 'name == "puppet"' examples/evplot/web.ndjson
    assert_success
    [ "$output" = "$expected" ] || { diff <(echo "$expected") <(echo "$output"); false; }
}
