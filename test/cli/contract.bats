#!/usr/bin/env bats
# The contract every tool keeps, checked across the suite at once: each case
# runs every event-reading tool on the same input.

load helpers

setup() {
    tmp="$BATS_TEST_TMPDIR"
}

# Each tool as an event reader whose valid input reaches stdout (or is
# accepted) and whose bad input is reported on stderr as "TOOL: ...". The
# shared options go where "@" stands (before a "-- COMMAND").
readers() {
    cat <<'LIST'
evfilter @ true
evstatus @ --clock event
evroute @ -e 'rule all -> stdout'
evgraphite @ -n
evbatch group @ --clock event --wait 0
evbatch each @ --dry-run -- true {subject}
LIST
}

# reader_argv LINE OPT...: the words of LINE with OPT... in place of "@".
reader_argv() {
    local line=$1 w
    shift
    local -a words
    eval "words=($line)"
    argv=()
    for w in "${words[@]}"; do
        if [ "$w" = @ ]; then argv+=("$@"); else argv+=("$w"); fi
    done
}

@test "contract: every reader rejects an object whose identity fields appear twice" {
    printf '%s\n' '{"subject":"a","name":"n","state":"ok","metric":1,"time":1700000000}' \
        '{"subject":"a","subject":"b","name":"n","state":"critical","metric":1,"time":1700000000}' \
        '{"subject":"c","name":"n","state":"ok","severity":0,"severity":2,"metric":1,"time":1700000001}' \
        > "$tmp/in.ndjson"
    while read -r line; do
        tool=${line%% *}
        reader_argv "$line" --rejects "$tmp/rejects-$tool"
        run --separate-stderr timeout 10 "${argv[@]}" < "$tmp/in.ndjson"
        [ "$status" -eq 0 ] || { echo "$line: exit $status: $stderr"; return 1; }
        [[ "$stderr" == *"$tool: line 2: duplicate key \"subject\""* ]] || { echo "$line: $stderr"; return 1; }
        [[ "$stderr" == *"$tool: line 3: duplicate key \"severity\""* ]] || { echo "$line: $stderr"; return 1; }
        # The bad lines are kept verbatim; nothing about b or c reaches stdout.
        [ "$(wc -l < "$tmp/rejects-$tool")" -eq 2 ] || { echo "$line: rejects"; return 1; }
        [[ "$output" != *'"b"'* && "$output" != *'"c"'* && "$output" != *' c'* && "$output" != *'c.n'* ]] ||
            { echo "$line: $output"; return 1; }
        rm -f "$tmp/rejects-$tool"
    done < <(readers)
}
