#!/usr/bin/env bats
# Every tool ships bash, zsh and fish completions, and its man page source;
# the bash completion parses and offers every long option --help lists.

load helpers

tools() {
    local f
    for f in "$EVKIT_ROOT"/cmd/*.cpp; do
        basename "$f" .cpp
    done
}

@test "every tool has a man page source, completions and an example folder" {
    local t missing=""
    for t in $(tools); do
        for f in "docs/$t.1.md" "completions/bash/$t" "completions/zsh/_$t" "completions/fish/$t.fish" "examples/$t" \
            "test/cli/$t.bats"; do
            [ -e "$EVKIT_ROOT/$f" ] || missing="$missing $f"
        done
    done
    [ -z "$missing" ] || { echo "missing:$missing"; false; }
}

@test "bash completions parse and register" {
    local t
    for t in $(tools); do
        run bash -c "source '$EVKIT_ROOT/completions/bash/$t' && complete -p '$t'"
        assert_success
    done
}

@test "bash completions offer every long option of --help" {
    local t opt missing=""
    for t in $(tools); do
        for opt in $("$t" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
            grep -q -- "$opt" "$EVKIT_ROOT/completions/bash/$t" || missing="$missing $t:$opt"
        done
    done
    [ -z "$missing" ] || { echo "not offered:$missing"; false; }
}
