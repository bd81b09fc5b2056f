#!/usr/bin/env bash
# The live demo (`make demo`): real monitoring-plugins checks against this
# machine, no Kafka.
#
#   evsrc-nagios run CONFIG | evstatus --state FILE | evroute RULES
#                                                       |-> alerts.ndjson (every raw alert)
#                                                       |-> evbatch group: pages, one line each on this terminal
#                                                       |-> metrics.ndjson, and carbon via evgraphite
#                                                       |-> statuses.ndjson
#                                                       `-> a callback when httpd comes up on a frontend_web host
#
# evstatus alerts on every non-OK result, as Nagios notifies; evbatch group
# turns them into what a pager should get, as Alertmanager does: one page when
# the outage starts and one when it is resolved.
# The "httpd" check is check_tcp against a port this script opens, closes
# after 35% of the run and opens again after 70%, so its state changes while
# you watch. Runs DEMO_SECONDS (default 30), then prints `evstatus show`,
# how many alerts became how many pages, and evplot's pictures of httpd's
# response time and the load with the alerts marked. Every process it starts is stopped; a failed stage makes
# it exit non-zero. DEMO_DIR keeps the files (default: a temporary directory,
# removed at the end). Metrics also go through evgraphite to a private
# carbon-cache the demo starts on loopback (Debian's graphite-carbon, with the
# tests' helper test/cli/carbon.bash); DEMO_CARBON=HOST:PORT sends them to an
# existing carbon instead, DEMO_CARBON=off to none.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
BIN="$ROOT/$BUILD/bin"
DEMO_SECONDS=${DEMO_SECONDS:-30}
PLUGINS=${PLUGINS:-/usr/lib/nagios/plugins}

say() { printf 'demo: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

for tool in evsrc-nagios evstatus evroute evfilter evplot; do
    [ -x "$BIN/$tool" ] || fail "$BIN/$tool is not built (run make build)"
done
for plugin in check_tcp check_load check_disk check_procs; do
    [ -x "$PLUGINS/$plugin" ] || fail "$PLUGINS/$plugin is missing (apt-get install monitoring-plugins)"
done
command -v python3 > /dev/null || fail "python3 is missing"
command -v jq > /dev/null || fail "jq is missing"
[[ "$DEMO_SECONDS" =~ ^[0-9]+$ ]] && [ "$DEMO_SECONDS" -ge 6 ] || fail "DEMO_SECONDS must be a whole number >= 6"

if [ -n "${DEMO_DIR:-}" ]; then
    work=$DEMO_DIR
    mkdir -p "$work"
    keep=1
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/evkit-demo.XXXXXX")
    keep=0
fi

pids=()
listener=""
carbon_dir=""
cleanup() {
    local pid
    [ -n "$listener" ] && kill "$listener" 2> /dev/null || true
    for pid in "${pids[@]}"; do
        kill "$pid" 2> /dev/null || true
    done
    for pid in "${pids[@]}" $listener; do
        wait "$pid" 2> /dev/null || true
    done
    [ -z "$carbon_dir" ] || carbon_stop "$carbon_dir"
    [ "$keep" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A TCP listener on a free loopback port: the service check_tcp watches.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_listener() {
    python3 - "$port" <<'PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    c.close()
PY
    listener=$!
    # Up before the first check runs, so the demo starts from ok.
    local i
    for i in $(seq 50); do
        "$PLUGINS/check_tcp" -H 127.0.0.1 -p "$port" -t 1 > /dev/null 2>&1 && return 0
        sleep 0.1
    done
    fail "the listener on port $port did not come up"
}
stop_listener() {
    kill "$listener" 2> /dev/null || true
    wait "$listener" 2> /dev/null || true
    listener=""
}

cat > "$work/checks.conf" <<CONF
# evsrc-nagios checks for the demo: real plugins against localhost.
httpd 1s timeout=3s subject=demo-web1 tag.role=frontend_web -- $PLUGINS/check_tcp -H 127.0.0.1 -p $port -t 2
load 2s -- $PLUGINS/check_load -w 50,40,30 -c 100,80,60
disk_root 5s -- $PLUGINS/check_disk -w 5% -c 2% -p /
procs 5s -- $PLUGINS/check_procs -w 2000 -c 5000
CONF

# Metrics also go to carbon through evgraphite (spooled, never blocking).
carbon=${DEMO_CARBON:-private}
if [ "$carbon" = private ]; then
    carbon=off
    if [ -x "$BIN/evgraphite" ] && command -v carbon-cache > /dev/null; then
        # shellcheck source=../test/cli/carbon.bash
        source "$ROOT/test/cli/carbon.bash"
        carbon_dir="$work/carbon"
        carbon_setup "$carbon_dir"
        if carbon_start "$carbon_dir" 2> "$work/carbon.err"; then
            carbon="127.0.0.1:$(carbon_port "$carbon_dir")"
            say "started a private carbon-cache on $carbon"
        else
            say "carbon-cache did not start (see $work/carbon.err); metrics go to the file only"
            carbon_dir=""
        fi
    fi
fi
to_carbon=""
if [ "$carbon" != off ] && [ -x "$BIN/evgraphite" ] &&
    "$PLUGINS/check_tcp" -H "${carbon%:*}" -p "${carbon##*:}" -t 1 > /dev/null 2>&1; then
    mkdir -p "$work/spool"
    to_carbon=", consumer $BIN/evgraphite -d $carbon --prefix evkit-demo --spool $work/spool"
    say "metrics also go to carbon at $carbon"
fi

cat > "$work/demo.rules" <<RULES
# evroute rules for the demo.
rule metrics when type == "metric" -> file $work/metrics.ndjson$to_carbon policy spill

# Every alert to a file, and to evbatch group, which groups them by check and
# state and sends a page (a summary event) when a group starts, changes or is
# resolved; its pages flow out of evroute's stdout to the terminal. Continue,
# so the callback rule sees the alert too.
rule alerts when type == "alert"
    -> file $work/alerts.ndjson,
       consumer pager: $BIN/evbatch group --wait 2s --interval 3s --repeat 1h | stdout
    continue

# Code that reacts: httpd came up on a frontend_web host.
rule web_started
    when type == "alert" and name == "httpd" and state == "ok" and tags.role == "frontend_web"
    -> callback $ROOT/examples/evroute/lb-add-backend --pool web

rule statuses when type == "status" -> file $work/statuses.ndjson
RULES

"$BIN/evroute" --check "$work/demo.rules" > /dev/null || fail "evroute rejected the demo rules"

say "work directory $work, $DEMO_SECONDS seconds, httpd check on 127.0.0.1:$port"
start_listener

mkfifo "$work/checks.pipe" "$work/status.pipe" "$work/pages.pipe"
"$BIN/evsrc-nagios" run "$work/checks.conf" > "$work/checks.pipe" 2> "$work/evsrc-nagios.err" &
src=$!
pids+=("$src")
"$BIN/evstatus" --state "$work/state.json" < "$work/checks.pipe" > "$work/status.pipe" 2> "$work/evstatus.err" &
status=$!
pids+=("$status")
"$BIN/evroute" --results "file $work/callback-failures.ndjson" --unmatched drop "$work/demo.rules" \
    < "$work/status.pipe" > "$work/pages.pipe" &
route=$!
pids+=("$route")
# The pages: kept in a file and shown as one line each. Event text is escaped
# for the terminal (control characters as JSON escapes; C1, separators and
# bidi controls as "?"), as evkit's own tables do.
page_line='def esc: tostring | tojson | .[1:-1] | gsub("[\u0080-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]"; "?");
    "PAGE \(.state // "?" | ascii_upcase) (\(.reason // "?")): \(.message // "" | esc)"'
tee "$work/pages.ndjson" < "$work/pages.pipe" | jq -r --unbuffered "$page_line" &
pages=$!
pids+=("$pages")

alive() {
    local name pid
    for name in src status route pages; do
        pid=${!name}
        kill -0 "$pid" 2> /dev/null || { wait "$pid" || true; fail "$name stage ($pid) stopped early; see $work/*.err"; }
    done
}

down_at=$((DEMO_SECONDS * 35 / 100))
up_at=$((DEMO_SECONDS * 70 / 100))
for ((t = 1; t <= DEMO_SECONDS; t++)); do
    sleep 1
    alive
    if [ "$t" -eq "$down_at" ]; then
        say "t=${t}s: closing port $port (httpd goes down)"
        stop_listener
    elif [ "$t" -eq "$up_at" ]; then
        say "t=${t}s: opening port $port again (httpd comes back)"
        start_listener
    fi
done

# Stop the source; end of input then flows down the pipeline.
say "stopping"
kill -TERM "$src"
stop_wait() {
    local pid=$1 name=$2 rc=0
    timeout 15 tail --pid="$pid" -f /dev/null || { kill -KILL "$pid" 2> /dev/null; fail "$name did not stop"; }
    wait "$pid" || rc=$?
    [ "$rc" -eq 0 ] || [ "$rc" -eq 143 ] || fail "$name exited with status $rc; see $work/$name.err"
}
stop_wait "$src" evsrc-nagios
stop_wait "$status" evstatus
stop_wait "$route" evroute
stop_wait "$pages" pages
pids=()
stop_listener

echo
echo "== evstatus show --state $work/state.json"
"$BIN/evstatus" show --state "$work/state.json" || fail "evstatus show failed"
alerts=$(wc -l < "$work/alerts.ndjson" 2> /dev/null || echo 0)
metrics=$(wc -l < "$work/metrics.ndjson" 2> /dev/null || echo 0)
statuses=$(wc -l < "$work/statuses.ndjson" 2> /dev/null || echo 0)
pages=$(wc -l < "$work/pages.ndjson" 2> /dev/null || echo 0)
echo
echo "$alerts alerts became $pages pages (alerts in $work/alerts.ndjson, pages in $work/pages.ndjson)"
echo "metrics: $metrics; statuses: $statuses"
[ "$statuses" -gt 0 ] || fail "no status events reached evroute"
[ "$metrics" -gt 0 ] || fail "no metric events reached evroute"
[ "$alerts" -gt 0 ] || fail "no alerts were raised"
jq -e -s 'any(.[]; .name == "httpd" and .state == "critical")' "$work/alerts.ndjson" > /dev/null ||
    fail "the httpd outage raised no critical alert"
jq -e -s 'any(.[]; .subject == "httpd/critical" and .state == "critical" and .reason == "new")' \
    "$work/pages.ndjson" > /dev/null || fail "the httpd outage sent no page"
jq -e -s 'any(.[]; .subject == "httpd/critical" and .reason == "resolved")' "$work/pages.ndjson" > /dev/null ||
    fail "the httpd recovery sent no resolved page"
[ "$pages" -lt "$alerts" ] || fail "$alerts alerts made $pages pages: nothing was grouped"
if [ -n "$carbon_dir" ] && [ -n "$to_carbon" ]; then
    # evgraphite drained to carbon when evroute closed its input; give
    # carbon-cache a moment to write its cache to whisper files.
    points=0
    for _ in $(seq 1 50); do
        points=$(carbon_dump "$carbon_dir" | wc -l)
        [ "$points" -ge "$metrics" ] && break
        sleep 0.2
    done
    series=$(carbon_dump "$carbon_dir" | awk '{print $1}' | sort -u | wc -l)
    echo "carbon: $points datapoints in $series series under evkit-demo.* (whisper files in $carbon_dir/storage/whisper)"
    [ "$points" -gt 0 ] || fail "no datapoint reached carbon"
fi
# The picture of the run: httpd's response time and this machine's load,
# with a vertical mark at each alert (evfilter picks the series and the
# alerts, evplot draws them: braille on a terminal, 80 columns otherwise).
echo
"$BIN/evfilter" 'type == "alert" || name == "httpd.time"' "$work/metrics.ndjson" "$work/alerts.ndjson" |
    "$BIN/evplot" line --title "httpd response time on demo-web1, alerts marked" \
        --markers 'type == "alert" && name == "httpd"' --width 80 --height 12 ||
    fail "evplot could not draw httpd's response time"
"$BIN/evfilter" 'type == "alert" || name =~ /^load\./' "$work/metrics.ndjson" "$work/alerts.ndjson" |
    "$BIN/evplot" line --title "load on this machine, alerts marked" --markers 'type == "alert"' \
        --width 80 --height 12 || fail "evplot could not draw the load"
say "done"
