#!/usr/bin/env bats
# evgraphite against Debian's real carbon-cache on loopback, read back with
# whisper-fetch; placement checked against carbon's own Python hash ring.

load helpers
load carbon
bats_require_minimum_version 1.5.0

setup() {
    T=$(mktemp -d)
    RING="$EVKIT_ROOT/test/fixtures/graphite/carbon_ring.py"
}

teardown() {
    # Stop what this test started: evgraphite runs, then carbons.
    local pid
    for pid in $(cat "$T"/*.evpid 2>/dev/null); do
        kill -KILL "$pid" 2>/dev/null || true
    done
    exec 5>&- 2>/dev/null || true
    for d in "$T"/carbon*; do
        [ -d "$d" ] && carbon_stop "$d"
    done
    rm -rf "$T"
}

# Starts evgraphite in the background reading the fifo $T/in (written through
# fd 5); its stdout, stderr and exit code go to $T/NAME.{out,err,rc}.
start_ev() {
    local name=$1
    shift
    [ -p "$T/in" ] || mkfifo "$T/in"
    evgraphite "$@" < "$T/in" > "$T/$name.out" 2> "$T/$name.err" 3>&- &
    echo $! > "$T/$name.evpid"
    exec 5> "$T/in"
}

# Waits (at most 20 s, then kills it) for the background evgraphite to end
# and writes its exit code to $T/NAME.rc.
wait_rc() {
    local name=$1 pid i rc=0
    pid=$(cat "$T/$name.evpid")
    for i in $(seq 1 400); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" || rc=$?
    echo "$rc" > "$T/$name.rc"
    rm -f "$T/$name.evpid"
}

# Waits (bounded) until the stderr of the background evgraphite matches
# pattern; signals sent before it has started would meet default handlers.
wait_err() {
    local name=$1 pattern=$2 i
    for i in $(seq 1 200); do
        grep -qE "$pattern" "$T/$name.err" && return 0
        sleep 0.05
    done
    echo "wait_err: no '$pattern' in $T/$name.err" >&2
    return 1
}

# Closes the input of the background evgraphite and waits for it.
finish_ev() {
    exec 5>&-
    rm -f "$T/in"
    wait_rc "$1"
}

# Lines "path ts value" as carbon_dump prints them for the same points.
expected_dump() {
    local path=$1 start=$2 n=$3 base=$4
    awk -v p="$path" -v s="$start" -v n="$n" -v b="$base" 'BEGIN { for (i = n - 1; i >= 0; i--) printf "%s %d %f\n", p, s - i, b + i }'
}

# Events for N points of one series, the same values as expected_dump.
events_for() {
    local subject=$1 name=$2 start=$3 n=$4 base=$5
    awk -v su="$subject" -v na="$name" -v s="$start" -v n="$n" -v b="$base" \
        'BEGIN { for (i = 0; i < n; i++) printf "{\"subject\":\"%s\",\"name\":\"%s\",\"metric\":%d,\"time\":%d}\n", su, na, b + i, s - i }'
}

@test "--help lists the options and exits 0" {
    run evgraphite --help
    assert_success
    assert_line --partial "--destination"
    assert_line --partial "--spool"
    assert_line --partial "--drain-timeout"
    assert_line --partial "--replication"
}

@test "--version" {
    run evgraphite --version
    assert_success
    assert_output "evgraphite (evkit) 0.1.0"
}

@test "usage errors exit 2 with the reason" {
    run evgraphite -n -d carbon1 < /dev/null
    assert_failure 2
    assert_output "evgraphite: destination 'carbon1': expected HOST:PORT[:INSTANCE]"
    run evgraphite -n -p '{subject' < /dev/null
    assert_failure 2
    assert_output "evgraphite: path template: unclosed '{' at offset 0"
    run evgraphite -n --buffer-size 12Q < /dev/null
    assert_failure 2
    assert_output - <<'OUT'
evgraphite: --buffer-size: '12Q' is not a size (bytes, or with B, K, M, G, KiB, MiB or GiB)
evgraphite: try 'evgraphite --help'
OUT
    # One size grammar for the suite: KiB and B are sizes too.
    run evgraphite -n --buffer-size 64KiB --batch 512B < /dev/null
    assert_success
    run evgraphite -n --drain-timeout soon < /dev/null
    assert_failure 2
    assert_output --partial "evgraphite: --drain-timeout: "
    run evgraphite -n -d 127.0.0.1:2003 -d 127.0.0.1:2004 < /dev/null
    assert_failure 2
    assert_output "evgraphite: destination '127.0.0.1:2004': host 127.0.0.1 with this instance is given twice (carbon places series by host and instance)"
    run evgraphite --pass --dry-run < /dev/null
    assert_failure 2
}

@test "a spool that cannot be made or is taken exits 4" {
    touch "$T/file"
    run evgraphite --spool "$T/file/spool" < /dev/null
    assert_failure 4
    assert_output "evgraphite: cannot create $T/file/spool: Not a directory"
    start_ev run1 -d 127.0.0.1:1 --spool "$T/spool"
    for i in $(seq 1 100); do [ -e "$T/spool/127.0.0.1_1/lock" ] && break; sleep 0.05; done
    sleep 0.2
    run evgraphite -d 127.0.0.1:1 --spool "$T/spool" < /dev/null
    assert_failure 4
    assert_output "evgraphite: spool $T/spool/127.0.0.1_1 is in use by another process"
    finish_ev run1
}

@test "paths: template, tags, prefix, sanitising, timestamps" {
    cat > "$T/in.ndjson" <<'IN'
{"subject":"www.example.com","name":"load","metric":0.5,"time":1700000000}
{"subject":"db1","name":"disk./var/log","metric":42,"time":1700000001.9,"tags":{"dc":"eu west"}}
{"subject":"h é","name":"a..b","metric":-3e-7,"time":1700000002,"tags":{"dc":""}}
IN
    run --separate-stderr evgraphite -n --prefix 'servers.' -p '{tags.dc}.{subject}.{name}' "$T/in.ndjson"
    assert_success
    assert_output - <<'OUT'
127.0.0.1:2003 servers.eu_west.db1.disk._var_log 42 1700000001
127.0.0.1:2003 servers.h__.a.b -3e-07 1700000002
OUT
    output=$stderr
    assert_output - <<OUT
evgraphite: $T/in.ndjson: line 1: no field tags.dc for the path
evgraphite: 1 line rejected
OUT
    run evgraphite -n --reverse-subject "$T/in.ndjson"
    assert_success
    assert_output - <<'OUT'
127.0.0.1:2003 com.example.www.load 0.5 1700000000
127.0.0.1:2003 db1.disk._var_log 42 1700000001
127.0.0.1:2003 h__.a.b -3e-07 1700000002
OUT
}

@test "a missing time is now" {
    before=$(date +%s)
    run evgraphite -n <<< '{"subject":"h","name":"n","metric":1}'
    after=$(date +%s)
    assert_success
    ts=${output##* }
    [ "$ts" -ge "$before" ] && [ "$ts" -le "$after" ]
}

@test "bad input is rejected, counted and kept; --strict stops" {
    cat > "$T/in.ndjson" <<'IN'
{"subject":"h","name":"ok","metric":1,"time":10}
{"subject":"h","name":"nan","metric":"NaN","time":10}
not json
{"subject":"h","name":"t","metric":1,"time":"later"}
{"type":"metric","subject":"h","name":"nometric"}
{"type":"status","subject":"h","name":"check","state":"ok"}
{"subject":"h","name":"n","metric":null}
{"subject":"h","name":"last","metric":2,"time":11}
IN
    run --separate-stderr evgraphite -n --rejects "$T/rejects" "$T/in.ndjson"
    assert_success
    assert_output - <<OUT
127.0.0.1:2003 h.ok 1 10
127.0.0.1:2003 h.last 2 11
OUT
    output=$stderr
    assert_output - <<OUT
evgraphite: $T/in.ndjson: line 2: metric is not a finite number
evgraphite: $T/in.ndjson: line 3: invalid JSON: Problem while parsing an atom starting with the letter 'n'
evgraphite: $T/in.ndjson: line 4: time is not a number
evgraphite: $T/in.ndjson: line 5: metric event without a metric
evgraphite: $T/in.ndjson: line 7: metric is not a finite number
evgraphite: 5 lines rejected, written to $T/rejects
OUT
    run cat "$T/rejects"
    assert_output - <<'OUT'
{"subject":"h","name":"nan","metric":"NaN","time":10}
not json
{"subject":"h","name":"t","metric":1,"time":"later"}
{"type":"metric","subject":"h","name":"nometric"}
{"subject":"h","name":"n","metric":null}
OUT
    run --separate-stderr evgraphite -n --strict "$T/in.ndjson"
    assert_failure 3
    assert_output "127.0.0.1:2003 h.ok 1 10"
    [ "$stderr" = "evgraphite: $T/in.ndjson: line 2: metric is not a finite number" ]
}

@test "placement equals carbon's own consistent-hashing router for 3000 series" {
    awk 'BEGIN { for (i = 0; i < 3000; i++) printf "{\"subject\":\"host%d.example.com\",\"name\":\"m%d.x\",\"metric\":1,\"time\":1}\n", i % 97, i }' > "$T/in.ndjson"
    # 24 destinations on 6 hosts: 2400 ring entries, so positions collide and
    # carbon's "+1" rule is exercised too.
    dests=()
    for h in 1 2 3 4 5 6; do
        for inst in a b c d; do
            dests+=("10.0.0.$h:20$h$inst:$inst")
        done
    done
    dests=("${dests[@]/20[1-6]a/2001}")
    dests=("${dests[@]/20[1-6]b/2002}")
    dests=("${dests[@]/20[1-6]c/2003}")
    dests=("${dests[@]/20[1-6]d/2004}")
    args=()
    for d in "${dests[@]}"; do args+=(-d "$d"); done
    for replication in 1 2 3; do
        for diverse in 1 0; do
            flag=()
            [ "$diverse" = 0 ] && flag=(--no-diverse-replicas)
            evgraphite -n "${args[@]}" --replication $replication "${flag[@]}" "$T/in.ndjson" |
                awk '{ d[$2] = d[$2] " " $1; if (!($2 in seen)) { seen[$2] = 1; order[n++] = $2 } }
                     END { for (i = 0; i < n; i++) print order[i] d[order[i]] }' > "$T/ours"
            cut -d' ' -f1 "$T/ours" | "$RING" $replication $diverse "${dests[@]}" > "$T/carbons"
            [ "$(wc -l < "$T/ours")" -eq 3000 ]
            run diff "$T/ours" "$T/carbons"
            assert_success
        done
    done
}

@test "real carbon: every datapoint arrives with its path, value and timestamp" {
    carbon_setup "$T/carbon"
    carbon_start "$T/carbon"
    now=$(date +%s)
    {
        events_for web01.example.com load "$now" 50 100
        events_for db01 "disk./var" "$now" 50 7
        echo '{"type":"status","subject":"db01","name":"check","state":"critical","metric":0.25,"time":'"$now"'}'
    } > "$T/in.ndjson"
    run evgraphite -d "127.0.0.1:$(carbon_port "$T/carbon")" "$T/in.ndjson"
    assert_success
    assert_output - <<OUT
evgraphite: events 101, datapoints 101, rejected 0, skipped 0
evgraphite: 127.0.0.1:$(carbon_port "$T/carbon"): queued 101, delivered 101, pending 0, spooled 0, replayed 0, resent 0, failures 0
OUT
    carbon_wait_total "$T/carbon" 101
    {
        expected_dump web01_example_com.load "$now" 50 100
        expected_dump db01.disk._var "$now" 50 7
        echo "db01.check $now 0.250000"
    } | sort > "$T/expected"
    carbon_dump "$T/carbon" > "$T/got"
    run diff "$T/expected" "$T/got"
    assert_success
}

@test "real carbon: 10,000 datapoints sent while carbon is down all arrive" {
    carbon_setup "$T/carbon"
    carbon_start "$T/carbon"
    port=$(carbon_port "$T/carbon")
    now=$(date +%s)
    start_ev run1 -d "127.0.0.1:$port" --spool "$T/spool" --buffer-size 64K --reconnect-max 200ms --drain-timeout 20s
    events_for before m "$now" 5 1 >&5
    carbon_wait "$T/carbon" before.m 5
    carbon_stop "$T/carbon"
    for s in 0 1 2 3 4 5 6 7 8 9; do
        events_for "during$s" m "$now" 1000 $((s * 1000))
    done >&5
    # The memory bound is 64K: most of the backlog must have gone to the spool.
    for i in $(seq 1 100); do
        ls "$T/spool/127.0.0.1_$port/" | grep -q '\.seg$' && break
        sleep 0.05
    done
    run ls "$T/spool/127.0.0.1_$port/"
    assert_output --partial ".seg"
    carbon_start "$T/carbon"
    finish_ev run1
    run cat "$T/run1.rc"
    assert_output 0
    carbon_wait_total "$T/carbon" 10005
    {
        expected_dump before.m "$now" 5 1
        for s in 0 1 2 3 4 5 6 7 8 9; do
            expected_dump "during$s.m" "$now" 1000 $((s * 1000))
        done
    } | sort > "$T/expected"
    carbon_dump "$T/carbon" > "$T/got"
    run diff "$T/expected" "$T/got"
    assert_success
    run grep -E "events|spooled" "$T/run1.err"
    assert_line "evgraphite: events 10005, datapoints 10005, rejected 0, skipped 0"
    assert_line --regexp "^evgraphite: 127.0.0.1:$port: queued 10005, delivered 100[0-9][0-9], pending 0, spooled [1-9][0-9]*, replayed [1-9][0-9]*, resent [0-9]+, failures [1-9][0-9]*$"
    run ls "$T/spool/127.0.0.1_$port/"
    assert_output "lock"
}

@test "real carbon: SIGTERM during an outage keeps everything for the next run" {
    carbon_setup "$T/carbon"
    port=$(carbon_port "$T/carbon")
    now=$(date +%s)
    start_ev run1 -d "127.0.0.1:$port" --spool "$T/spool" --reconnect-max 200ms --drain-timeout 500ms
    events_for a m "$now" 6000 0 >&5
    events_for b m "$now" 4000 50000 >&5
    wait_err run1 "Connection refused"
    # Wait until all 10,000 were read, then stop it as systemd would.
    for i in $(seq 1 100); do
        kill -USR1 "$(cat "$T/run1.evpid")"
        sleep 0.1
        grep -q "events 10000," "$T/run1.err" && break
    done
    kill -TERM "$(cat "$T/run1.evpid")"
    wait_rc run1
    run cat "$T/run1.rc"
    assert_output 0
    run grep "kept in the spool" "$T/run1.err"
    assert_output "evgraphite: 127.0.0.1:$port: 10000 datapoints kept in the spool for the next run"
    exec 5>&-
    rm -f "$T/in"
    # Started again while carbon is still down; carbon comes back later.
    start_ev run2 -d "127.0.0.1:$port" --spool "$T/spool" --reconnect-max 200ms --drain-timeout 20s
    sleep 0.5
    carbon_start "$T/carbon"
    carbon_wait_total "$T/carbon" 10000
    finish_ev run2
    run cat "$T/run2.rc"
    assert_output 0
    { expected_dump a.m "$now" 6000 0; expected_dump b.m "$now" 4000 50000; } | sort > "$T/expected"
    carbon_dump "$T/carbon" > "$T/got"
    run diff "$T/expected" "$T/got"
    assert_success
    run ls "$T/spool/127.0.0.1_$port/"
    assert_output "lock"
}

@test "real carbon: --resend-window re-sends what a restarted carbon lost from its cache" {
    carbon_setup "$T/carbon"
    carbon_start "$T/carbon"
    port=$(carbon_port "$T/carbon")
    now=$(date +%s)
    start_ev run1 -d "127.0.0.1:$port" --resend-window 60s --reconnect-max 200ms --drain-timeout 20s
    events_for r m "$now" 3000 0 >&5
    sleep 0.3
    # carbon-cache does not write its cache out when stopped: what it held is gone.
    carbon_stop "$T/carbon"
    carbon_start "$T/carbon"
    finish_ev run1
    run cat "$T/run1.rc"
    assert_output 0
    carbon_wait_total "$T/carbon" 3000
    expected_dump r.m "$now" 3000 0 > "$T/expected"
    carbon_dump "$T/carbon" > "$T/got"
    run diff "$T/expected" "$T/got"
    assert_success
    run grep -E "resent" "$T/run1.err"
    assert_output --regexp "queued 3000, delivered [0-9]+, pending 0, spooled 0, replayed 0, resent 3000, failures [1-9][0-9]*$"
}

@test "real carbon: two instances, each series where carbon's ring puts it" {
    carbon_setup "$T/carbon1"
    carbon_setup "$T/carbon2"
    carbon_start "$T/carbon1"
    carbon_start "$T/carbon2"
    d1="127.0.0.1:$(carbon_port "$T/carbon1"):a"
    d2="127.0.0.1:$(carbon_port "$T/carbon2"):b"
    now=$(date +%s)
    awk -v t="$now" 'BEGIN { for (i = 0; i < 60; i++) printf "{\"subject\":\"s%d\",\"name\":\"m\",\"metric\":%d,\"time\":%d}\n", i, i, t }' > "$T/in.ndjson"
    run evgraphite -d "$d1" -d "$d2" "$T/in.ndjson"
    assert_success
    for i in $(seq 0 59); do echo "s$i.m"; done | "$RING" 1 1 "$d1" "$d2" > "$T/placement"
    grep -q " $d1\$" "$T/placement"
    grep -q " $d2\$" "$T/placement"
    for n in 1 2; do
        d=d$n
        grep " ${!d}\$" "$T/placement" | while read -r metric dest; do
            i=${metric#s}
            echo "$metric $now $(printf '%f' "${i%.m}")"
        done | sort > "$T/expected$n"
        carbon_wait_total "$T/carbon$n" "$(wc -l < "$T/expected$n")"
    done
    # Each instance holds exactly the series carbon's ring gives it, no more.
    for n in 1 2; do
        carbon_dump "$T/carbon$n" > "$T/got$n"
        run diff "$T/expected$n" "$T/got$n"
        assert_success
    done
}

@test "real carbon-relay: evgraphite puts each series on the cache the relay picks" {
    carbon_setup "$T/carbon1"
    carbon_setup "$T/carbon2"
    carbon_start "$T/carbon1"
    carbon_start "$T/carbon2"
    # The relay reaches the caches on their pickle ports, evgraphite on their
    # line ports: carbon's ring keys on (host, instance), never on the port.
    carbon_relay_setup "$T/carbon-relay" "127.0.0.1:$(cat "$T/carbon1/pickle_port"):a" \
        "127.0.0.1:$(cat "$T/carbon2/pickle_port"):b"
    carbon_relay_start "$T/carbon-relay"
    now=$(date +%s)
    awk -v t="$now" 'BEGIN { for (i = 0; i < 60; i++) printf "{\"subject\":\"host%d.example.com\",\"name\":\"load\",\"metric\":%d,\"time\":%d}\n", i, i, t }' > "$T/events"
    # Through the relay at time now-1, straight from evgraphite at time now.
    evgraphite -n "$T/events" | awk -v t=$((now - 1)) '{ print $2, $3, t }' > "$T/lines"
    exec 6<> "/dev/tcp/127.0.0.1/$(carbon_port "$T/carbon-relay")"
    cat "$T/lines" >&6
    exec 6>&-
    run evgraphite -d "127.0.0.1:$(carbon_port "$T/carbon1"):a" -d "127.0.0.1:$(carbon_port "$T/carbon2"):b" "$T/events"
    assert_success
    for i in $(seq 1 150); do
        [ $(( $(carbon_dump "$T/carbon1" | wc -l) + $(carbon_dump "$T/carbon2" | wc -l) )) -ge 120 ] && break
        sleep 0.2
    done
    # Every series has both points on one cache, none is split over the two.
    for n in 1 2; do
        carbon_dump "$T/carbon$n" | awk '{ n[$1]++ } END { for (s in n) print s, n[s] }'
    done | sort > "$T/got"
    for i in $(seq 0 59); do echo "host${i}_example_com.load 2"; done | sort > "$T/expected"
    run diff "$T/expected" "$T/got"
    assert_success
    [ "$(carbon_dump "$T/carbon1" | wc -l)" -gt 0 ]
    [ "$(carbon_dump "$T/carbon2" | wc -l)" -gt 0 ]
}

@test "real carbon: one instance down does not hold back the other" {
    carbon_setup "$T/carbon1"
    carbon_setup "$T/carbon2"
    carbon_start "$T/carbon1"
    d1="127.0.0.1:$(carbon_port "$T/carbon1"):a"
    d2="127.0.0.1:$(carbon_port "$T/carbon2"):b"
    now=$(date +%s)
    for i in $(seq 0 29); do echo "s$i.m"; done | "$RING" 1 1 "$d1" "$d2" > "$T/placement"
    on1=$(grep -c " $d1\$" "$T/placement")
    start_ev run1 -d "$d1" -d "$d2" --spool "$T/spool" --buffer-size 1K --reconnect-max 100ms --drain-timeout 20s
    awk -v t="$now" 'BEGIN { for (i = 0; i < 30; i++) printf "{\"subject\":\"s%d\",\"name\":\"m\",\"metric\":%d,\"time\":%d}\n", i, i, t }' >&5
    # carbon2 is down, yet carbon1 gets its share while evgraphite keeps running.
    carbon_wait_total "$T/carbon1" "$on1"
    carbon_start "$T/carbon2"
    finish_ev run1
    run cat "$T/run1.rc"
    assert_output 0
    carbon_wait_total "$T/carbon2" $((30 - on1))
    run carbon_dump "$T/carbon2"
    [ "${#lines[@]}" -eq $((30 - on1)) ]
}

@test "without a spool a full buffer holds the input instead of dropping" {
    carbon_setup "$T/carbon"
    port=$(carbon_port "$T/carbon")
    now=$(date +%s)
    start_ev run1 -d "127.0.0.1:$port" --buffer-size 2K --reconnect-max 100ms --drain-timeout 20s
    events_for held m "$now" 2000 0 > "$T/events"
    cat "$T/events" >&5 &
    writer=$!
    wait_err run1 "Connection refused"
    sleep 1
    kill -USR1 "$(cat "$T/run1.evpid")"
    for i in $(seq 1 100); do grep -q "events" "$T/run1.err" && break; sleep 0.05; done
    read -r held < <(sed -nE 's/^evgraphite: events ([0-9]+),.*/\1/p' "$T/run1.err" | head -1)
    [ "$held" -lt 2000 ]
    carbon_start "$T/carbon"
    wait "$writer"
    finish_ev run1
    run cat "$T/run1.rc"
    assert_output 0
    carbon_wait_total "$T/carbon" 2000
    expected_dump held.m "$now" 2000 0 > "$T/expected"
    carbon_dump "$T/carbon" > "$T/got"
    run diff "$T/expected" "$T/got"
    assert_success
}

@test "a second SIGTERM cuts the drain short; the spool keeps everything" {
    carbon_setup "$T/carbon"
    port=$(carbon_port "$T/carbon")
    start_ev run1 -d "127.0.0.1:$port" --spool "$T/spool" --drain-timeout 60s
    events_for x m 1700000000 100 0 >&5
    wait_err run1 "Connection refused"
    for i in $(seq 1 100); do
        kill -USR1 "$(cat "$T/run1.evpid")"
        sleep 0.05
        grep -q "events 100," "$T/run1.err" && break
    done
    kill -TERM "$(cat "$T/run1.evpid")"
    sleep 0.3
    kill -TERM "$(cat "$T/run1.evpid")"
    wait_rc run1
    run cat "$T/run1.rc"
    assert_output 0
    run grep "kept in the spool" "$T/run1.err"
    assert_output "evgraphite: 127.0.0.1:$port: 100 datapoints kept in the spool for the next run"
    run head -q -n 1 "$T/spool/127.0.0.1_$port/"*.seg
    assert_output --regexp '^# evgraphite spool segment 1 lines=100 bytes=[0-9]+ md5=[0-9a-f]{32}$'
    run tail -q -n +2 "$T/spool/127.0.0.1_$port/"*.seg
    assert_output "$(for i in $(seq 0 99); do echo "x.m $i $((1700000000 - i))"; done)"
}

# "RSS-KiB HWM-KiB" of process pid from /proc, or nothing once it is gone.
memory_of() {
    awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { if (r != "") print r, h }' "/proc/$1/status" 2>/dev/null
}

@test "SIGTERM while input never stops: ends within 2 s, memory does not grow, everything read is spooled" {
    port=$(carbon_free_port)  # nothing listens there
    mkfifo "$T/in"
    yes '{"subject":"a","name":"n","metric":1,"time":1700000000}' > "$T/in" 3>&- &
    echo $! > "$T/yes.evpid"
    evgraphite -d "127.0.0.1:$port" --spool "$T/spool" --drain-timeout 300ms \
        < "$T/in" > "$T/run1.out" 2> "$T/run1.err" 3>&- &
    pid=$!
    echo "$pid" > "$T/run1.evpid"
    wait_err run1 "Connection refused"
    # Memory while reading flat out, sampled for about 1.5 s.
    before=0
    for i in $(seq 1 30); do
        read -r rss hwm < <(memory_of "$pid")
        [ "$hwm" -gt "$before" ] && before=$hwm
        sleep 0.05
    done
    start=$(date +%s%N)
    kill -TERM "$pid"
    after=0
    for i in $(seq 1 100); do
        read -r rss hwm < <(memory_of "$pid") || break
        [ -n "$hwm" ] || break
        [ "$hwm" -gt "$after" ] && after=$hwm
        sleep 0.02
    done
    wait_rc run1
    elapsed_ms=$((($(date +%s%N) - start) / 1000000))
    kill -KILL "$(cat "$T/yes.evpid")" 2>/dev/null || true
    echo "peak RSS before SIGTERM ${before} KiB, after ${after} KiB; ended ${elapsed_ms} ms after it"
    run cat "$T/run1.rc"
    assert_output 0
    [ "$elapsed_ms" -lt 2000 ]
    # Nothing more was read, and nothing was copied to be spooled: the peak
    # stays within 8 MiB of what it was (reading on, or a spool write that
    # copies the buffer, some 20 MiB in 1.5 s, goes past it).
    [ "$before" -gt 0 ] && [ "$after" -gt 0 ]
    [ "$after" -le $((before + 8192)) ]
    # Every datapoint read is in the spool, and the count says so.
    read -r events < <(sed -nE 's/^evgraphite: events ([0-9]+),.*/\1/p' "$T/run1.err")
    [ "$events" -gt 0 ]
    run grep "kept in the spool" "$T/run1.err"
    assert_output "evgraphite: 127.0.0.1:$port: $events datapoints kept in the spool for the next run"
    run grep -E "queued" "$T/run1.err"
    assert_output --regexp "^evgraphite: 127.0.0.1:$port: queued $events, delivered 0, pending $events, spooled $events, "
    [ "$(tail -q -n +2 "$T/spool/127.0.0.1_$port/"*.seg | grep -c '^a\.n 1 1700000000$')" -eq "$events" ]
}

@test "SIGINT with a pipe for input reads on to its end; a second SIGINT stops reading" {
    port=$(carbon_free_port)  # nothing listens there
    # Ctrl-C reaches the stages before evgraphite too: they end their output,
    # and evgraphite takes all of it.
    start_ev run1 -d "127.0.0.1:$port" --spool "$T/spool1" --drain-timeout 100ms
    events_for a m 1700000000 10 0 >&5
    wait_err run1 "Connection refused"
    kill -INT "$(cat "$T/run1.evpid")"
    sleep 0.3
    kill -0 "$(cat "$T/run1.evpid")"
    events_for b m 1700000000 10 100 >&5
    finish_ev run1
    run cat "$T/run1.rc"
    assert_output 0
    run grep "kept in the spool" "$T/run1.err"
    assert_output "evgraphite: 127.0.0.1:$port: 20 datapoints kept in the spool for the next run"
    # A second Ctrl-C stops reading though the input stays open.
    start_ev run2 -d "127.0.0.1:$port" --spool "$T/spool2" --drain-timeout 100ms
    events_for c m 1700000000 10 0 >&5
    wait_err run2 "Connection refused"
    for i in $(seq 1 100); do
        kill -USR1 "$(cat "$T/run2.evpid")"
        sleep 0.05
        grep -q "events 10," "$T/run2.err" && break
    done
    kill -INT "$(cat "$T/run2.evpid")"
    sleep 0.2
    kill -INT "$(cat "$T/run2.evpid")"
    wait_rc run2
    exec 5>&-
    run cat "$T/run2.rc"
    assert_output 0
    run grep "kept in the spool" "$T/run2.err"
    assert_output "evgraphite: 127.0.0.1:$port: 10 datapoints kept in the spool for the next run"
}

@test "without a spool, what carbon never took is reported and exits 5" {
    carbon_setup "$T/carbon"
    port=$(carbon_port "$T/carbon")
    run evgraphite -d "127.0.0.1:$port" --drain-timeout 300ms --reconnect-max 100ms <<< '{"subject":"h","name":"n","metric":1,"time":1}'
    assert_failure 5
    [ "${#lines[@]}" -eq 4 ]
    assert_line --index 0 "evgraphite: 127.0.0.1:$port: connect: Connection refused; retrying, datapoints wait"
    assert_line --index 1 "evgraphite: 127.0.0.1:$port: 1 datapoints undelivered (no --spool to keep them)"
    assert_line --index 2 "evgraphite: events 1, datapoints 1, rejected 0, skipped 0"
    # How many connects fail within the 300 ms drain depends on the machine's load.
    assert_line --index 3 --regexp "^evgraphite: 127\.0\.0\.1:$port: queued 1, delivered 0, pending 1, spooled 0, replayed 0, resent 0, failures [0-9]+$"
}

@test "--pass copies events to stdout; SIGUSR1 prints counters" {
    carbon_setup "$T/carbon"
    carbon_start "$T/carbon"
    port=$(carbon_port "$T/carbon")
    now=$(date +%s)
    start_ev run1 -d "127.0.0.1:$port" --pass --resend-window 0s
    printf '%s\n' '{"subject":"h","name":"n","metric":1,"time":'"$now"'}' '{"type":"status","subject":"h","state":"ok"}' >&5
    for i in $(seq 1 100); do
        [ "$(wc -l < "$T/run1.out")" -eq 2 ] && break
        sleep 0.05
    done
    kill -USR1 "$(cat "$T/run1.evpid")"
    for i in $(seq 1 100); do
        grep -q "delivered 1," "$T/run1.err" && break
        kill -USR1 "$(cat "$T/run1.evpid")"
        sleep 0.05
    done
    run grep -m1 "events" "$T/run1.err"
    assert_output "evgraphite: events 2, datapoints 1, rejected 0, skipped 1"
    finish_ev run1
    run cat "$T/run1.out"
    assert_output - <<OUT
{"subject":"h","name":"n","metric":1,"time":$now}
{"type":"status","subject":"h","state":"ok"}
OUT
    carbon_wait "$T/carbon" h.n 1
}

# Runs evgraphite once against the carbon port $port, which nothing listens
# on, with the spool $T/spool: input from stdin, stderr to $T/NAME.err, the
# exit status in $rc.
spool_run() {
    local name=$1
    shift
    rc=0
    evgraphite -d "127.0.0.1:$port" --spool "$T/spool" --reconnect-max 100ms --drain-timeout 200ms "$@" \
        2> "$T/$name.err" || rc=$?
}

@test "spool: \"kept in the spool\" counts what was spilled during the run and what earlier runs left" {
    carbon_setup "$T/carbon"
    port=$(carbon_port "$T/carbon")
    now=$(date +%s)
    # 200 lines of about 25 bytes with a 1K memory bound: most are spilled while reading.
    spool_run run1 --buffer-size 1K < <(events_for early m "$now" 200 0)
    [ "$rc" -eq 0 ]
    run grep -E "kept in the spool|queued" "$T/run1.err"
    assert_line "evgraphite: 127.0.0.1:$port: 200 datapoints kept in the spool for the next run"
    assert_line --regexp "^evgraphite: 127.0.0.1:$port: queued 200, delivered 0, pending 200, spooled 200, "
    [ "$(ls "$T/spool/127.0.0.1_$port/" | grep -c '\.seg$')" -gt 1 ]
    # Carbon is still down: the next run keeps its own lines and the earlier ones.
    spool_run run2 < <(events_for late m "$now" 50 1000)
    [ "$rc" -eq 0 ]
    run grep -E "kept in the spool|queued" "$T/run2.err"
    assert_line "evgraphite: 127.0.0.1:$port: 250 datapoints kept in the spool for the next run"
    assert_line --regexp "^evgraphite: 127.0.0.1:$port: queued 50, delivered 0, pending 250, spooled 50, replayed 0, "
    for f in "$T/spool/127.0.0.1_$port/"*.seg; do tail -n +2 "$f"; done > "$T/spooled"
    { events_for early m "$now" 200 0; events_for late m "$now" 50 1000; } |
        sed -E 's/^\{"subject":"([a-z]+)","name":"m","metric":([0-9]+),"time":([0-9]+)\}$/\1.m \2 \3/' > "$T/expected"
    run diff "$T/expected" "$T/spooled"
    assert_success
    # And all 250 arrive once carbon is back.
    carbon_start "$T/carbon"
    run evgraphite -d "127.0.0.1:$port" --spool "$T/spool" --drain-timeout 20s < /dev/null
    assert_success
    assert_output --partial "queued 0, delivered 250, pending 0, spooled 0, replayed 250,"
    carbon_wait_total "$T/carbon" 250
    run ls "$T/spool/127.0.0.1_$port/"
    assert_output lock
}

@test "spool: tampered, cut, appended-to and garbage segments are set aside as .bad, reported and never sent" {
    carbon_setup "$T/carbon"
    port=$(carbon_port "$T/carbon")
    dir="$T/spool/127.0.0.1_$port"
    now=$(date +%s)
    for s in a b c d e; do
        spool_run "$s" < <(events_for "$s" m "$now" 3 10)
        [ "$rc" -eq 0 ]
    done
    segs=($(cd "$dir" && ls *.seg))
    [ "${#segs[@]}" -eq 5 ]
    # b: a value changed, same size. c: an unterminated line appended. d: cut
    # in the middle of its last line. And a file of garbage under a segment name, first in order.
    sed -i '2s/^b\.m 10 /b.m 99 /' "$dir/${segs[1]}"
    printf 'x.m 1' >> "$dir/${segs[2]}"
    truncate -s -3 "$dir/${segs[3]}"
    printf '\x1b[2J rm -rf /\nsecret.path 1 1\n' > "$dir/00000000000000000001.seg"
    for f in "$dir"/*.seg; do cp "$f" "$f.orig"; done
    header_c=$(head -n 1 "$dir/${segs[2]}" | wc -c)
    size_c=$(($(stat -c %s "$dir/${segs[2]}") - header_c))
    header_d=$(head -n 1 "$dir/${segs[3]}" | wc -c)
    size_d=$(($(stat -c %s "$dir/${segs[3]}") - header_d))
    cut_d=$(tail -n 1 "$dir/${segs[3]}" | wc -c)
    carbon_start "$T/carbon"
    run --separate-stderr evgraphite -d "127.0.0.1:$port" --spool "$T/spool" --drain-timeout 20s < /dev/null
    # Exit 4: datapoints could not be delivered, though they are kept.
    [ "$status" -eq 4 ]
    run grep "spool segment" <<< "$stderr"
    assert_output - <<OUT
evgraphite: spool segment $dir/00000000000000000001.seg has no evgraphite segment header; set aside as $dir/00000000000000000001.seg.bad, nothing from it is sent
evgraphite: spool segment $dir/${segs[2]} holds $size_c bytes after its header, which announces $((size_c - 5)), and it ends in an unterminated line of 5 bytes; set aside as $dir/${segs[2]}.bad, nothing from it is sent
evgraphite: spool segment $dir/${segs[3]} holds $size_d bytes after its header, which announces $((size_d + 3)), and it ends in an unterminated line of $cut_d bytes; set aside as $dir/${segs[3]}.bad, nothing from it is sent
evgraphite: 127.0.0.1:$port: spool segment $dir/${segs[1]} does not match its checksum (changed since evgraphite wrote it); set aside as $dir/${segs[1]}.bad, nothing from it is sent
OUT
    # Only a and e reached carbon.
    carbon_wait_total "$T/carbon" 6
    { expected_dump a.m "$now" 3 10; expected_dump e.m "$now" 3 10; } | sort > "$T/expected"
    carbon_dump "$T/carbon" > "$T/got"
    run diff "$T/expected" "$T/got"
    assert_success
    # The bad ones are kept byte for byte; nothing else is left.
    for f in 00000000000000000001.seg "${segs[1]}" "${segs[2]}" "${segs[3]}"; do
        cmp "$dir/$f.orig" "$dir/$f.bad"
        rm "$dir/$f.orig"
    done
    rm "$dir/${segs[0]}.orig" "$dir/${segs[4]}.orig"
    run ls "$dir"
    assert_output "$(printf '%s\n' 00000000000000000001.seg.bad "${segs[1]}.bad" "${segs[2]}.bad" "${segs[3]}.bad" lock)"
}

@test "spool: segments are created 0600 and the folder 0700 whatever the umask" {
    carbon_setup "$T/carbon"
    port=$(carbon_port "$T/carbon")
    umask 000
    spool_run run1 < <(events_for a m "$(date +%s)" 3 0)
    [ "$rc" -eq 0 ]
    [ "$(stat -c %a "$T/spool")" = 700 ]
    [ "$(stat -c %a "$T/spool/127.0.0.1_$port")" = 700 ]
    [ "$(stat -c %a "$T/spool/127.0.0.1_$port/lock")" = 600 ]
    for f in "$T/spool/127.0.0.1_$port/"*.seg; do
        [ "$(stat -c %a "$f")" = 600 ]
    done
}

@test "a carbon that cuts the connection every 200 KB: every datapoint arrives, reconnecting at once" {
    python3 "$EVKIT_ROOT/test/fixtures/graphite/flaky_carbon.py" "$T/fport" 200000 clean > "$T/fstats" &
    fake=$!
    for _ in $(seq 1 100); do [ -s "$T/fport" ] && break; sleep 0.05; done
    now=$(date +%s)
    events_for cut m "$now" 100000 0 > "$T/events"
    run timeout 60 evgraphite -d "127.0.0.1:$(cat "$T/fport")" --drain-timeout 50s "$T/events"
    kill -TERM "$fake"
    wait "$fake"
    assert_success
    assert_output --regexp "queued 100000, delivered 100000, pending 0, .*failures [1-9][0-9]*$"
    run cat "$T/fstats"
    assert_output --regexp "^lines [0-9]+ distinct 100000 connections ([3-9]|[1-9][0-9]+)$"
    # What was in flight at each orderly close was read by the peer and is
    # not sent again: beyond the resend window's one pass (the lines held at
    # the first break), at most half as many lines again (the peer read 2 to
    # 3 times the datapoints when in-flight lines were re-sent at each close).
    read -r _ lines _ _ _ _ < "$T/fstats"
    echo "lines read by the peer: $lines"
    [ "$lines" -le 150000 ]
}
