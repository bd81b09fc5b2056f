#!/usr/bin/env bats
# evsrc-snmptrap: real snmptrap/snmpinform/snmptrapd on loopback, every field
# of the events checked; informs acknowledged and deduplicated; limits,
# malformed packets, rules, snmptrapd's traphandle input, signals.

load helpers

UDP="$FIXTURES/snmptrap/udp.py"

setup() {
    TMP="$BATS_TEST_TMPDIR"
    BG_PIDS=()
    # net-snmp's tools read and write nothing outside the test's folder.
    export SNMP_PERSISTENT_DIR="$TMP/persist" SNMPCONFPATH="$TMP/conf" MIBS="" MIBDIRS="$TMP/nomibs"
    mkdir -p "$TMP/persist" "$TMP/conf" "$TMP/nomibs"
}

teardown() {
    for pid in "${BG_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}

# Starts evsrc-snmptrap on a free loopback port (PORT) with extra arguments;
# its events go to $TMP/out, its stderr to $TMP/err.
start() {
    evsrc-snmptrap --listen 127.0.0.1:0 "$@" >"$TMP/out" 2>"$TMP/err" &
    PID=$!
    BG_PIDS+=("$PID")
    for _ in $(seq 100); do
        PORT=$(sed -n 's/^evsrc-snmptrap: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMP/err" | head -1)
        [ -n "$PORT" ] && return 0
        sleep 0.05
    done
    cat "$TMP/err" >&2
    return 1
}

# Stops it with SIGTERM and waits for its exit status (in STATUS).
stop() {
    kill -TERM "$PID"
    STATUS=0
    wait "$PID" || STATUS=$?
    BG_PIDS=()
}

# Waits until FILE has at least N lines (5 s at most).
wait_lines() {
    local n=$1 file=${2:-$TMP/out}
    for _ in $(seq 100); do
        [ "$(wc -l <"$file")" -ge "$n" ] && return 0
        sleep 0.05
    done
    echo "expected $n lines in $file, got $(wc -l <"$file")" >&2
    return 1
}

# Waits until stderr has a line matching PATTERN (5 s at most).
wait_err() {
    for _ in $(seq 100); do
        grep -q -- "$1" "$TMP/err" && return 0
        sleep 0.05
    done
    cat "$TMP/err" >&2
    return 1
}

# Asks for the counters (SIGUSR1) and prints their line.
counters() {
    : >"$TMP/err.mark"
    local before
    before=$(grep -c 'received ' "$TMP/err" || true)
    kill -USR1 "$PID"
    for _ in $(seq 100); do
        [ "$(grep -c 'received ' "$TMP/err" || true)" -gt "$before" ] && break
        sleep 0.05
    done
    grep 'received ' "$TMP/err" | tail -1
}

stable() { jq -c 'del(.id, .time)'; }

@test "--help and --version" {
    run evsrc-snmptrap --help
    assert_success
    assert_line --partial "Receive SNMP traps and informs"
    run evsrc-snmptrap --version
    assert_success
    assert_output "evsrc-snmptrap (evkit) 0.1.0"
}

@test "usage errors: bad --listen, a port in use" {
    run evsrc-snmptrap --listen 127.0.0.1
    assert_failure 2
    assert_output "evsrc-snmptrap: --listen '127.0.0.1': expected ADDR:PORT or [ADDR]:PORT"
    run evsrc-snmptrap --listen '::1:162'
    assert_failure 2
    assert_output --partial "not an IPv4 address, or an IPv6 address in brackets"
    run evsrc-snmptrap --listen 127.0.0.1:70000
    assert_failure 2
    assert_output --partial "the port must be 0..65535"
    start
    run evsrc-snmptrap --listen "127.0.0.1:$PORT"
    assert_failure 2
    assert_output "evsrc-snmptrap: 127.0.0.1:$PORT: bind: Address already in use"
}

@test "SNMPv1 trap: mapped to v2 form (RFC 3584), linkDown becomes critical IF-MIB::ifOperStatus.3 on the agent" {
    start
    snmptrap -v1 -c public "127.0.0.1:$PORT" 1.3.6.1.4.1.8072.2.3 10.1.2.3 2 0 1234 \
        1.3.6.1.2.1.2.2.1.1.3 i 3 1.3.6.1.2.1.2.2.1.2.3 s "eth0 port"
    wait_lines 1
    stop
    assert_equal "$STATUS" 0
    run stable <"$TMP/out"
    assert_output '{"type":"status","subject":"10.1.2.3","name":"IF-MIB::ifOperStatus.3","state":"critical","severity":2,"message":"IF-MIB::linkDown from 10.1.2.3: IF-MIB::ifIndex.3=3, IF-MIB::ifDescr.3=eth0 port","source":"evsrc-snmptrap","data":{"community":"public","pdu":"trap","peer":"127.0.0.1","trap_name":"IF-MIB::linkDown","trap_oid":"1.3.6.1.6.3.1.1.5.3","uptime":1234,"varbinds":[{"name":"SNMPv2-MIB::sysUpTime.0","oid":"1.3.6.1.2.1.1.3.0","type":"timeticks","value":1234},{"name":"SNMPv2-MIB::snmpTrapOID.0","oid":"1.3.6.1.6.3.1.1.4.1.0","type":"oid","value":"1.3.6.1.6.3.1.1.5.3"},{"name":"IF-MIB::ifIndex.3","oid":"1.3.6.1.2.1.2.2.1.1.3","type":"integer","value":3},{"name":"IF-MIB::ifDescr.3","oid":"1.3.6.1.2.1.2.2.1.2.3","type":"string","value":"eth0 port"},{"name":"SNMP-COMMUNITY-MIB::snmpTrapAddress.0","oid":"1.3.6.1.6.3.18.1.3.0","type":"ipaddress","value":"10.1.2.3"},{"name":"SNMP-COMMUNITY-MIB::snmpTrapCommunity.0","oid":"1.3.6.1.6.3.18.1.4.0","type":"string","value":"public"},{"name":"SNMPv2-MIB::snmpTrapEnterprise.0","oid":"1.3.6.1.6.3.1.1.4.3.0","type":"oid","value":"1.3.6.1.4.1.8072.2.3"}],"version":"1"}}'
    # id: a 26-character ULID; time: the moment of receipt.
    run jq -r '[(.id | test("^[0-9A-HJKMNP-TV-Z]{26}$")), ((now - .time) | fabs < 30)] | @tsv' "$TMP/out"
    assert_output "true	true"
    run grep 'received ' "$TMP/err"
    assert_output "evsrc-snmptrap: received 1, emitted 1, written 1, informs 0, duplicates 0, malformed 0, unsupported 0, not_traps 0, community_refused 0, rate_limited 0, dropped 0, kernel_dropped 0, responses_failed 0"
}

@test "SNMPv1 enterprise-specific trap: ENTERPRISE.0.SPECIFIC, an archive event; generic traps 0..5 are snmpTraps.1..6" {
    start
    snmptrap -v1 -c public "127.0.0.1:$PORT" 1.3.6.1.4.1.8072.2.3 10.1.2.3 6 17 99 1.3.6.1.4.1.8072.2.3.1 s hi
    for g in 0 1 4 5; do
        snmptrap -v1 -c public "127.0.0.1:$PORT" 1.3.6.1.4.1.8072.2.3 10.1.2.3 $g 0 99
    done
    wait_lines 5
    stop
    run jq -c '[.type, .name, .data.trap_oid, .message]' "$TMP/out"
    assert_output - <<'OUT'
["archive","1.3.6.1.4.1.8072.2.3.0.17","1.3.6.1.4.1.8072.2.3.0.17","1.3.6.1.4.1.8072.2.3.0.17 from 10.1.2.3: 1.3.6.1.4.1.8072.2.3.1=hi"]
["archive","SNMPv2-MIB::coldStart","1.3.6.1.6.3.1.1.5.1","SNMPv2-MIB::coldStart from 10.1.2.3"]
["archive","SNMPv2-MIB::warmStart","1.3.6.1.6.3.1.1.5.2","SNMPv2-MIB::warmStart from 10.1.2.3"]
["archive","SNMPv2-MIB::authenticationFailure","1.3.6.1.6.3.1.1.5.5","SNMPv2-MIB::authenticationFailure from 10.1.2.3"]
["archive","1.3.6.1.6.3.1.1.5.6","1.3.6.1.6.3.1.1.5.6","1.3.6.1.6.3.1.1.5.6 from 10.1.2.3"]
OUT
}

@test "SNMPv2c trap: every varbind type, linkUp becomes ok on the packet's source" {
    start
    snmptrap -v2c -c public "127.0.0.1:$PORT" 4567 1.3.6.1.6.3.1.1.5.4 \
        1.3.6.1.2.1.2.2.1.1.3 i 3 1.3.6.1.2.1.2.2.1.8.3 i 1 1.3.6.1.2.1.1.5.0 x 00ff41 \
        1.3.6.1.4.1.1.1 c 77 1.3.6.1.4.1.1.2 C 12345678901 1.3.6.1.4.1.1.3 a 10.9.8.7 \
        1.3.6.1.4.1.1.4 o 1.3.6.1.4.1.9 1.3.6.1.4.1.1.5 t 99 1.3.6.1.4.1.1.6 u 42 \
        1.3.6.1.4.1.1.7 s 'héllo "q"' 1.3.6.1.4.1.1.8 i -5 1.3.6.1.4.1.1.9 s $'line\nbreak\x1b[31m'
    wait_lines 1
    stop
    run jq -c 'del(.id, .time, .data.request_id)' "$TMP/out"
    assert_output '{"type":"status","subject":"127.0.0.1","name":"IF-MIB::ifOperStatus.3","state":"ok","severity":0,"message":"IF-MIB::linkUp from 127.0.0.1: IF-MIB::ifIndex.3=3, IF-MIB::ifOperStatus.3=1, SNMPv2-MIB::sysName.0=00ff41, 1.3.6.1.4.1.1.1=77, 1.3.6.1.4.1.1.2=12345678901, 1.3.6.1.4.1.1.3=10.9.8.7, 1.3.6.1.4.1.1.4=1.3.6.1.4.1.9, ...","source":"evsrc-snmptrap","data":{"community":"public","pdu":"trap","peer":"127.0.0.1","trap_name":"IF-MIB::linkUp","trap_oid":"1.3.6.1.6.3.1.1.5.4","uptime":4567,"varbinds":[{"name":"SNMPv2-MIB::sysUpTime.0","oid":"1.3.6.1.2.1.1.3.0","type":"timeticks","value":4567},{"name":"SNMPv2-MIB::snmpTrapOID.0","oid":"1.3.6.1.6.3.1.1.4.1.0","type":"oid","value":"1.3.6.1.6.3.1.1.5.4"},{"name":"IF-MIB::ifIndex.3","oid":"1.3.6.1.2.1.2.2.1.1.3","type":"integer","value":3},{"name":"IF-MIB::ifOperStatus.3","oid":"1.3.6.1.2.1.2.2.1.8.3","type":"integer","value":1},{"encoding":"hex","name":"SNMPv2-MIB::sysName.0","oid":"1.3.6.1.2.1.1.5.0","type":"string","value":"00ff41"},{"name":"1.3.6.1.4.1.1.1","oid":"1.3.6.1.4.1.1.1","type":"counter32","value":77},{"name":"1.3.6.1.4.1.1.2","oid":"1.3.6.1.4.1.1.2","type":"counter64","value":12345678901},{"name":"1.3.6.1.4.1.1.3","oid":"1.3.6.1.4.1.1.3","type":"ipaddress","value":"10.9.8.7"},{"name":"1.3.6.1.4.1.1.4","oid":"1.3.6.1.4.1.1.4","type":"oid","value":"1.3.6.1.4.1.9"},{"name":"1.3.6.1.4.1.1.5","oid":"1.3.6.1.4.1.1.5","type":"timeticks","value":99},{"name":"1.3.6.1.4.1.1.6","oid":"1.3.6.1.4.1.1.6","type":"gauge32","value":42},{"name":"1.3.6.1.4.1.1.7","oid":"1.3.6.1.4.1.1.7","type":"string","value":"héllo \"q\""},{"name":"1.3.6.1.4.1.1.8","oid":"1.3.6.1.4.1.1.8","type":"integer","value":-5},{"name":"1.3.6.1.4.1.1.9","oid":"1.3.6.1.4.1.1.9","type":"string","value":"line\nbreak\u001b[31m"}],"version":"2c"}}'
    run jq -r '.data.request_id | type' "$TMP/out"
    assert_output "number"
}

@test "control characters in varbinds never forge a line of the message" {
    start
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.4.1.5.0.1 1.3.6.1.4.1.5.1 s $'a\nb|c\x1b[2J'
    wait_lines 1
    stop
    run jq -r '.message' "$TMP/out"
    assert_output '1.3.6.1.4.1.5.0.1 from 127.0.0.1: 1.3.6.1.4.1.5.1=a\nb\x7cc\x1b[2J'
}

@test "SNMPv2c inform: acknowledged (snmpinform succeeds), emitted with its request id" {
    start
    run snmpinform -v2c -c private -t 2 -r 0 "127.0.0.1:$PORT" 0 1.3.6.1.6.3.1.1.5.1 1.3.6.1.2.1.1.5.0 s sw1
    assert_success
    wait_lines 1
    stop
    run jq -c 'del(.id, .time, .data.request_id)' "$TMP/out"
    assert_output '{"type":"archive","subject":"127.0.0.1","name":"SNMPv2-MIB::coldStart","message":"SNMPv2-MIB::coldStart from 127.0.0.1: SNMPv2-MIB::sysName.0=sw1","source":"evsrc-snmptrap","data":{"community":"private","pdu":"inform","peer":"127.0.0.1","trap_name":"SNMPv2-MIB::coldStart","trap_oid":"1.3.6.1.6.3.1.1.5.1","uptime":0,"varbinds":[{"name":"SNMPv2-MIB::sysUpTime.0","oid":"1.3.6.1.2.1.1.3.0","type":"timeticks","value":0},{"name":"SNMPv2-MIB::snmpTrapOID.0","oid":"1.3.6.1.6.3.1.1.4.1.0","type":"oid","value":"1.3.6.1.6.3.1.1.5.1"},{"name":"SNMPv2-MIB::sysName.0","oid":"1.3.6.1.2.1.1.5.0","type":"string","value":"sw1"}],"version":"2c"}}'
    run grep -c 'informs 1, duplicates 0' "$TMP/err"
    assert_output 1
}

@test "a retransmitted inform is acknowledged every time and emitted once" {
    # A real snmpinform packet, caught on a socket that never answers it.
    python3 "$UDP" capture "$TMP/capport" "$TMP/inform.bin" &
    local cap=$!
    for _ in $(seq 100); do [ -s "$TMP/capport" ] && break; sleep 0.05; done
    snmpinform -v2c -c public -t 0.3 -r 0 "127.0.0.1:$(cat "$TMP/capport")" 0 1.3.6.1.6.3.1.1.5.2 >/dev/null 2>&1 || true
    wait "$cap"
    start
    run python3 "$UDP" send "$PORT" "$TMP/inform.bin" 3 1
    assert_output 3
    wait_lines 1
    sleep 0.2
    run counters
    assert_output --partial "received 3, emitted 1, written 1, informs 1, duplicates 2,"
    run wc -l <"$TMP/out"
    assert_output 1
    # Past --inform-window the same request id is a new inform.
    stop
    start --inform-window 200ms
    python3 "$UDP" send "$PORT" "$TMP/inform.bin" 1 0.3
    sleep 0.3
    python3 "$UDP" send "$PORT" "$TMP/inform.bin" 1 0.3
    wait_lines 2
    stop
    run grep -c 'informs 2, duplicates 0' "$TMP/err"
    assert_output 1
}

@test "IPv6: [::1]:PORT with IPv4 beside it" {
    evsrc-snmptrap --listen '[::1]:0' --listen 127.0.0.1:0 >"$TMP/out" 2>"$TMP/err" &
    PID=$!
    BG_PIDS+=("$PID")
    wait_err 'listening on 127'
    local p6 p4
    p6=$(sed -n 's/^evsrc-snmptrap: listening on \[::1\]:\([0-9]*\)$/\1/p' "$TMP/err")
    p4=$(sed -n 's/^evsrc-snmptrap: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMP/err")
    snmptrap -v2c -c public "udp6:[::1]:$p6" 5 1.3.6.1.6.3.1.1.5.2
    snmptrap -v2c -c public "127.0.0.1:$p4" 5 1.3.6.1.6.3.1.1.5.1
    wait_lines 2
    stop
    run jq -r '[.subject, .data.peer, .name] | @tsv' "$TMP/out"
    assert_output - <<'OUT'
::1	::1	SNMPv2-MIB::warmStart
127.0.0.1	127.0.0.1	SNMPv2-MIB::coldStart
OUT
}

@test "--community restricts v1 and v2c; refusals are counted" {
    start --community ops --community noc
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.6.3.1.1.5.1
    snmptrap -v2c -c ops "127.0.0.1:$PORT" 1 1.3.6.1.6.3.1.1.5.2
    snmptrap -v1 -c noc "127.0.0.1:$PORT" 1.3.6.1.4.1.1 10.0.0.1 0 0 1
    snmptrap -v1 -c nope "127.0.0.1:$PORT" 1.3.6.1.4.1.1 10.0.0.1 0 0 1
    wait_lines 2
    sleep 0.2
    stop
    run jq -r '[.data.community, .name] | @tsv' "$TMP/out"
    assert_output - <<'OUT'
ops	SNMPv2-MIB::warmStart
noc	SNMPv2-MIB::coldStart
OUT
    run grep -c 'received 4, emitted 2, .* community_refused 2,' "$TMP/err"
    assert_output 1
}

@test "--max-rate holds a flooding source back, counted, while another source gets through" {
    # A real trap packet, replayed fast from one socket.
    python3 "$UDP" capture "$TMP/capport" "$TMP/trap.bin" &
    local cap=$!
    for _ in $(seq 100); do [ -s "$TMP/capport" ] && break; sleep 0.05; done
    snmptrap -v2c -c public "127.0.0.1:$(cat "$TMP/capport")" 1 1.3.6.1.6.3.1.1.5.1
    wait "$cap"
    start --max-rate 5
    python3 "$UDP" send "$PORT" "$TMP/trap.bin" 200
    SRC=127.0.0.2 python3 "$UDP" send "$PORT" "$TMP/trap.bin" 3
    wait_lines 8
    sleep 0.2
    run counters
    assert_output --partial "received 203, emitted 8, written 8,"
    assert_output --partial "rate_limited 195,"
    run bash -c "jq -r .subject '$TMP/out' | sort | uniq -c | sed 's/^ *//'"
    assert_output - <<'OUT'
5 127.0.0.1
3 127.0.0.2
OUT
}
