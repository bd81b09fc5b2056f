#!/usr/bin/env bats
# evtimeline: exact lines for fixed input, templates and their errors, hostile
# text, Atom validated by xmllint, the HTML page's fragment filter in Chromium.

load helpers

setup() {
    TMP="$BATS_TEST_TMPDIR"
    FLEET="$EVKIT_ROOT/examples/evtimeline/fleet.ndjson"
    TEMPLATES="$EVKIT_ROOT/examples/evtimeline/templates.ndjson"
}

@test "the man page's examples print what it shows" {
    local n=0 f cmd
    cd "$EVKIT_ROOT"
    awk -v dir="$TMP" '/^```console$/ {n++; on = 1; next} on && /^```$/ {on = 0; next}
        on {print > (dir "/example." n)}' docs/evtimeline.1.md
    for f in "$TMP"/example.*; do
        cmd=$(head -1 "$f")
        [[ "$cmd" == '$ evtimeline '* ]] || { echo "not a command: $cmd"; false; }
        run sh -c "${cmd#\$ }"
        assert_success
        [ "$output" = "$(tail -n +2 "$f")" ] || { echo "$cmd"; diff <(tail -n +2 "$f") <(echo "$output"); false; }
        n=$((n + 1))
    done
    [ "$n" -eq 2 ]
}

@test "templates give the lines, with hashtags from state, role, template and source" {
    run evtimeline -t "$TEMPLATES" "$FLEET"
    assert_success
    assert_output "2026-09-21 14:13 web3 is under high load #warning #frontend_web #nagios
2026-09-21 14:14 puppet changed 3 resources on db1 #puppet
2026-09-21 14:16 disk /var on db1 is failing #critical #database #nagios
2026-09-21 14:17 web3 is back to a normal load #ok #frontend_web #nagios
2026-09-21 14:18 a network link changed on sw1 #network #snmptrap"
}

@test "--select and --tag choose what a reader follows" {
    run evtimeline --select 'tags.role == "database"' "$FLEET"
    assert_success
    assert_output "2026-09-21 14:16 disk /var on db1 is failing #critical #database #nagios"
    run evtimeline -t "$TEMPLATES" --tag '#puppet' --tag network "$FLEET"
    assert_success
    assert_output "2026-09-21 14:14 puppet changed 3 resources on db1 #puppet
2026-09-21 14:18 a network link changed on sw1 #network #snmptrap"
}

@test "a template whose field is missing falls through; skip drops events" {
    printf '%s\n' '{"name":"load","text":"{subject} load {data.x}"}' '{"state":"ok","skip":true}' > "$TMP/t.ndjson"
    run evtimeline -t "$TMP/t.ndjson" "$FLEET"
    assert_success
    assert_line --index 0 "2026-09-21 14:13 load on web3 needs attention #warning #frontend_web #nagios"
    refute_output --partial '#ok'
}

@test "a bad templates file is refused with FILE:LINE (exit 2)" {
    printf '# comment\n\n{"name":"x","txt":"a"}\n' > "$TMP/t.ndjson"
    run --separate-stderr evtimeline -t "$TMP/t.ndjson" "$FLEET"
    assert_failure 2
    [[ "$stderr" == "evtimeline: $TMP/t.ndjson:3: unknown key \"txt\""* ]] || { echo "$stderr"; false; }
    printf '{"text":"{subject"}\n' > "$TMP/t.ndjson"
    run --separate-stderr evtimeline -t "$TMP/t.ndjson" "$FLEET"
    assert_failure 2
    [[ "$stderr" == "evtimeline: $TMP/t.ndjson:1: text: "* ]] || { echo "$stderr"; false; }
    printf 'not json\n' > "$TMP/t.ndjson"
    run --separate-stderr evtimeline -t "$TMP/t.ndjson" "$FLEET"
    assert_failure 2
    [[ "$stderr" == "evtimeline: $TMP/t.ndjson:1: not JSON"* ]] || { echo "$stderr"; false; }
}

@test "hostile field text cannot forge a line or a control sequence" {
    printf '%s\n' '{"time":1790000000,"type":"archive","subject":"h\nFAKE 2026 x\u001b[2J\u202e","message":"m\r\u0085","tags":{"role":"a-b\nc"}}' > "$TMP/in"
    run evtimeline "$TMP/in"
    assert_success
    [ "${#lines[@]}" -eq 1 ]
    [ "$output" = "2026-09-21 14:13 h FAKE 2026 x [2J : m   #a_b_c" ] || { echo "$output" | od -c | head; false; }
}

@test "bad input lines are reported and skipped; --strict stops with exit 3" {
    printf '%s\n' '{"type":"archive","subject":"a","name":"n"}' 'nope' '{"type":"archive","subject":"b","name":"n"}' > "$TMP/in"
    run --separate-stderr evtimeline "$TMP/in"
    assert_success
    assert_output "a: n
b: n"
    [[ "$stderr" == *"evtimeline: $TMP/in: line 2: "* ]] || { echo "$stderr"; false; }
    run --separate-stderr evtimeline --strict "$TMP/in"
    assert_failure 3
    assert_output "a: n"
}

@test "Atom: valid against the RELAX NG schema, stable ids, newest first, --max-entries" {
    evtimeline -f atom -n 3 -t "$TEMPLATES" --title 'fleet <&>' -o "$TMP/feed.xml" "$FLEET"
    run xmllint --noout --relaxng "$EVKIT_ROOT/test/fixtures/evtimeline/atom.rng" "$TMP/feed.xml"
    assert_success
    ns='declare namespace a="http://www.w3.org/2005/Atom";'
    run xmllint --xpath "count(/*[local-name()='feed']/*[local-name()='entry'])" "$TMP/feed.xml"
    assert_output 3
    run xmllint --xpath "string(/*[local-name()='feed']/*[local-name()='entry'][1]/*[local-name()='id'])" "$TMP/feed.xml"
    assert_output "urn:evkit:event:01JD1000000000000000000006"
    run xmllint --xpath "string(/*[local-name()='feed']/*[local-name()='title'])" "$TMP/feed.xml"
    assert_output "fleet <&>"
    run xmllint --xpath "string(/*[local-name()='feed']/*[local-name()='updated'])" "$TMP/feed.xml"
    assert_output "2026-09-21T14:18:20Z"
    # The same input gives the same file.
    cp "$TMP/feed.xml" "$TMP/first.xml"
    evtimeline -f atom -n 3 -t "$TEMPLATES" --title 'fleet <&>' -o "$TMP/feed.xml" "$FLEET"
    cmp "$TMP/first.xml" "$TMP/feed.xml"
}

@test "Atom: characters XML 1.0 forbids become U+FFFD and the feed stays well-formed" {
    printf '%s\n' '{"id":"a b/\u0001","time":1790000000,"type":"archive","subject":"x","message":"<b>&\u0001"}' > "$TMP/in"
    evtimeline -f atom -t /dev/null --feed-id 'urn:x:&' "$TMP/in" > "$TMP/feed.xml"
    run xmllint --noout --relaxng "$EVKIT_ROOT/test/fixtures/evtimeline/atom.rng" "$TMP/feed.xml"
    assert_success
    run xmllint --xpath "string(//*[local-name()='entry']/*[local-name()='id'])" "$TMP/feed.xml"
    assert_output "urn:evkit:event:a%20b%2F%01"
    run xmllint --xpath "string(//*[local-name()='entry']/*[local-name()='title'])" "$TMP/feed.xml"
    assert_output "x: <b>& "
}

@test "HTML: Chromium renders the entries and a #tag= fragment hides the others" {
    command -v chromium >/dev/null || { echo "chromium is not installed (make deps)"; false; }
    evtimeline -f html -t "$TEMPLATES" -o "$TMP/page.html" "$FLEET"
    run timeout 30 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$TMP/profile" \
        --dump-dom "file://$TMP/page.html#tag=frontend_web"
    assert_success
    [ "$(grep -c '<li class="entry"' <<<"$output")" -eq 5 ]
    # Shown: the two #frontend_web entries; the three others carry hidden.
    [ "$(grep '<li class="entry"' <<<"$output" | grep -c 'hidden=""')" -eq 3 ]
    grep '<li class="entry"' <<<"$output" | grep -v 'hidden=""' | grep -q 'web3 is under high load'
    grep -q 'showing 2 (#frontend_web)' <<<"$output"
    run timeout 30 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$TMP/profile" \
        --dump-dom "file://$TMP/page.html#subject=db1"
    assert_success
    [ "$(grep '<li class="entry"' <<<"$output" | grep -vc 'hidden=""')" -eq 2 ]
}
