#!/usr/bin/env bats
# make demo's pipeline (examples/demo.sh), run as the README runs it, short.

load helpers

@test "demo: one outage of httpd makes one page and one resolved page, out of many alerts" {
    DEMO_DIR="$BATS_TEST_TMPDIR/demo" DEMO_SECONDS=12 DEMO_CARBON=off run timeout 60 "$EVKIT_ROOT/examples/demo.sh"
    assert_success
    assert_line --partial 'PAGE CRITICAL (new): 1 host CRITICAL on httpd: demo-web1'
    assert_line --partial 'PAGE OK (resolved): 1 host OK on httpd: demo-web1'
    refute_line --partial 'ALERT '
    # It ends with evplot's pictures, a mark per alert: all of httpd's on
    # the first, every alert on the second.
    local httpd_alerts
    httpd_alerts=$(jq -c 'select(.name == "httpd")' "$BATS_TEST_TMPDIR/demo/alerts.ndjson" | wc -l)
    assert_line --partial 'httpd response time on demo-web1, alerts marked'
    assert_line --partial "markers: type == \"alert\" && name == \"httpd\" ($httpd_alerts)"
    assert_line --partial '⣿ demo-web1/httpd.time'
    assert_line --partial 'load on this machine, alerts marked'
    assert_line --regexp '⣿ .+/load\.load1$'
    # Each page on the terminal is one event in pages.ndjson; the raw alerts
    # (every failed check alerts) stay in alerts.ndjson.
    local dir="$BATS_TEST_TMPDIR/demo" alerts pages
    alerts=$(wc -l < "$dir/alerts.ndjson")
    pages=$(wc -l < "$dir/pages.ndjson")
    [ "$pages" -eq 2 ]
    [ "$alerts" -gt 2 ]
    assert_line "$alerts alerts became 2 pages (alerts in $dir/alerts.ndjson, pages in $dir/pages.ndjson)"
    run jq -c '[.subject, .state, .reason]' "$dir/pages.ndjson"
    assert_output '["httpd/critical","critical","new"]
["httpd/critical","ok","resolved"]'
}
