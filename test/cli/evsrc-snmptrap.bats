#!/usr/bin/env bats
# evsrc-snmptrap: real snmptrap/snmpinform/snmptrapd on loopback, every field
# of the events checked; informs acknowledged and deduplicated; limits,
# malformed packets, rules, snmptrapd's traphandle input, signals.

load helpers
load kafka

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

# Forgets PID in BG_PIDS (it has been waited for).
forget() {
    local keep=() p
    for p in "${BG_PIDS[@]}"; do
        [ "$p" = "$1" ] || keep+=("$p")
    done
    BG_PIDS=("${keep[@]}")
}

# Stops it with SIGTERM and waits for its exit status (in STATUS).
stop() {
    kill -TERM "$PID"
    STATUS=0
    wait "$PID" || STATUS=$?
    forget "$PID"
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

@test "malformed packets (truncated, wrong lengths, huge OIDs, random bytes) are counted and reported, never crash" {
    python3 "$UDP" capture "$TMP/capport" "$TMP/trap.bin" &
    local cap=$!
    for _ in $(seq 100); do [ -s "$TMP/capport" ] && break; sleep 0.05; done
    snmptrap -v2c -c public "127.0.0.1:$(cat "$TMP/capport")" 1 1.3.6.1.6.3.1.1.5.1 1.3.6.1.4.1.1 s x
    wait "$cap"
    for kind in "truncated-of:$TMP/trap.bin" "length-of:$TMP/trap.bin" huge-oid inner-length random empty-sequence empty; do
        python3 "$UDP" craft "$kind" "$TMP/bad.${kind%%:*}"
    done
    start
    for f in "$TMP"/bad.*; do
        python3 "$UDP" send "$PORT" "$f"
    done
    printf 'hello' >"/dev/udp/127.0.0.1/$PORT"
    # Still receiving afterwards.
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.6.3.1.1.5.2
    wait_lines 1
    sleep 0.2
    stop
    assert_equal "$STATUS" 0
    run jq -r .name "$TMP/out"
    assert_output "SNMPv2-MIB::warmStart"
    run grep -c 'refused: not an SNMP message' "$TMP/err"
    assert_output 8
    run grep 'received ' "$TMP/err"
    assert_output "evsrc-snmptrap: received 9, emitted 1, written 1, informs 0, duplicates 0, malformed 8, unsupported 0, not_traps 0, community_refused 0, rate_limited 0, dropped 0, kernel_dropped 0, responses_failed 0"
}

@test "SNMPv3 traps are refused as unsupported, GET requests as not notifications" {
    start
    snmptrap -v3 -u evkit -l noAuthNoPriv -e 0x8000000001020304 "127.0.0.1:$PORT" 1 1.3.6.1.6.3.1.1.5.1
    snmpget -v2c -c public -t 0.3 -r 0 "127.0.0.1:$PORT" 1.3.6.1.2.1.1.1.0 >/dev/null 2>&1 || true
    wait_err 'not a notification'
    stop
    run grep 'refused' "$TMP/err"
    assert_line --regexp '^evsrc-snmptrap: packet from 127\.0\.0\.1:[0-9]+ refused: SNMPv3 is not supported$'
    assert_line --regexp '^evsrc-snmptrap: packet from 127\.0\.0\.1:[0-9]+ refused: not a notification \(GET\)$'
    run grep -c 'received 2, emitted 0, .* malformed 0, unsupported 1, not_traps 1,' "$TMP/err"
    assert_output 1
}

@test "--rules: exact and subtree matches, index varbinds, archive, ttl; first match wins over the built-in rules" {
    cat >"$TMP/rules" <<'RULES'
# Cisco-style config change: a warning on the device itself.
exact   1.3.6.1.4.1.9.9.43.2.0.1   warning   name=config.changed ttl=1h
# A vendor's whole notification subtree is archived under one name.
subtree 1.3.6.1.4.1.2636           archive   name=juniper
# BGP peer down, named by the peer address varbind's instance.
exact   1.3.6.1.4.1.99.0.1         critical  index=1.3.6.1.4.1.99.1.1 name=bgp.peer
# Overrides the built-in linkDown rule: flapping ports are only warnings here.
exact   IF-MIB::linkDown           warning   index=IF-MIB::ifIndex name=IF-MIB::ifOperStatus
RULES
    run evsrc-snmptrap --rules "$TMP/rules" --check
    assert_success
    assert_output "6 rules OK"
    start --rules "$TMP/rules"
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.4.1.9.9.43.2.0.1
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.4.1.2636.4.1.1
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.4.1.99.0.1 1.3.6.1.4.1.99.1.1.10.0.0.9 a 10.0.0.9
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.4.1.99.0.1
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.6.3.1.1.5.3 1.3.6.1.2.1.2.2.1.1.7 i 7
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.6.3.1.1.5.4 1.3.6.1.2.1.2.2.1.1.7 i 7
    wait_lines 6
    stop
    run jq -c '[.type, .name, .state, .ttl]' "$TMP/out"
    assert_output - <<'OUT'
["status","config.changed","warning",3600]
["archive","juniper",null,null]
["status","bgp.peer.10.0.0.9","critical",null]
["archive","1.3.6.1.4.1.99.0.1",null,null]
["status","IF-MIB::ifOperStatus.7","warning",null]
["status","IF-MIB::ifOperStatus.7","ok",null]
OUT
}

@test "--rules errors name the file and line; --no-builtin-rules archives linkDown" {
    printf 'exact 1.3.6.1.4.1.1 critical\nsubtree 1.3.x warning\n' >"$TMP/bad"
    run evsrc-snmptrap --rules "$TMP/bad" --listen 127.0.0.1:0
    assert_failure 2
    assert_output "evsrc-snmptrap: $TMP/bad:2: '1.3.x': not an OID or a known name"
    for line in 'exact 1.3.6.1.4.1.1' 'maybe 1.3.6 ok' 'exact 1.3.6 fine' 'exact 1.3.6 ok colour=red' 'exact 1.3.6 archive ttl=5m' 'exact 1.3.6 ok ttl=0'; do
        printf '%s\n' "$line" >"$TMP/bad"
        run evsrc-snmptrap --rules "$TMP/bad" --check
        assert_failure 2
        assert_output --partial "$TMP/bad:1: "
    done
    run evsrc-snmptrap --rules "$TMP/missing" --check
    assert_failure 2
    assert_output "evsrc-snmptrap: $TMP/missing: cannot open"
    start --no-builtin-rules
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.6.3.1.1.5.3 1.3.6.1.2.1.2.2.1.1.7 i 7
    wait_lines 1
    stop
    run jq -c '[.type, .name]' "$TMP/out"
    assert_output '["archive","IF-MIB::linkDown"]'
}

@test "SIGHUP re-reads the rules; a bad new file keeps the old rules" {
    echo 'exact 1.3.6.1.4.1.7.0.1 warning name=seven' >"$TMP/rules"
    start --rules "$TMP/rules" --self-subject trapd1
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.4.1.7.0.1
    wait_lines 1
    echo 'exact 1.3.6.1.4.1.7.0.1 critical name=seven' >"$TMP/rules"
    kill -HUP "$PID"
    wait_err 'reloaded: 3 rules'
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.4.1.7.0.1
    wait_lines 2
    echo 'exact 1.3.6.1.4.1.7.0.1 broken' >"$TMP/rules"
    kill -HUP "$PID"
    wait_err 'reload failed'
    # The failed reload is a self-status on the output, then the old rules go on.
    wait_lines 3
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.4.1.7.0.1
    wait_lines 4
    echo 'exact 1.3.6.1.4.1.7.0.1 critical name=seven' >"$TMP/rules"
    kill -HUP "$PID"
    wait_lines 5
    stop
    run jq -r '[.name, .state] | @tsv' "$TMP/out"
    assert_output "$(printf 'seven\twarning\nseven\tcritical\nevkit.evsrc-snmptrap.reload\twarning\nseven\tcritical\nevkit.evsrc-snmptrap.reload\tok')"
    run jq -r 'select(.name == "evkit.evsrc-snmptrap.reload") | [.subject, .ttl, .message] | @tsv' "$TMP/out"
    assert_line --index 0 "$(printf 'trapd1\t300\treload failed, keeping the old rules: %s' "$TMP/rules:1: 'broken': expected ok, warning, critical, unknown or archive")"
    run grep 'reload failed' "$TMP/err"
    assert_output "evsrc-snmptrap: reload failed, keeping the old rules: $TMP/rules:1: 'broken': expected ok, warning, critical, unknown or archive"
}

@test "--map names agents; unmapped ones keep their address" {
    printf '# agents\n10.1.2.3 sw1.example.net\n::1 v6.example.net\n' >"$TMP/map"
    start --map "$TMP/map"
    snmptrap -v1 -c public "127.0.0.1:$PORT" 1.3.6.1.4.1.1 10.1.2.3 3 0 1 1.3.6.1.2.1.2.2.1.1.4 i 4
    snmptrap -v1 -c public "127.0.0.1:$PORT" 1.3.6.1.4.1.1 10.1.2.4 3 0 1 1.3.6.1.2.1.2.2.1.1.4 i 4
    wait_lines 2
    stop
    run jq -r '[.subject, .name, .state] | @tsv' "$TMP/out"
    assert_output - <<'OUT'
sw1.example.net	IF-MIB::ifOperStatus.4	ok
10.1.2.4	IF-MIB::ifOperStatus.4	ok
OUT
    printf '10.1.2.3\n' >"$TMP/map"
    run evsrc-snmptrap --map "$TMP/map" --check
    assert_failure 2
    assert_output "evsrc-snmptrap: $TMP/map:1: expected ADDRESS NAME"
}

@test "--resolve names agents by reverse DNS (here /etc/hosts); --map comes first; no name keeps the address" {
    local name
    name=$(getent hosts 127.0.0.1 | awk '{print $2; exit}')
    [ -n "$name" ] || { echo "127.0.0.1 has no name in this resolver" >&2; false; }
    printf '10.1.2.3 sw1.example.net\n' >"$TMP/map"
    start --resolve --map "$TMP/map"
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.6.3.1.1.5.1
    snmptrap -v1 -c public "127.0.0.1:$PORT" 1.3.6.1.4.1.1 10.1.2.3 0 0 1
    snmptrap -v1 -c public "127.0.0.1:$PORT" 1.3.6.1.4.1.1 192.0.2.77 0 0 1
    wait_lines 3
    stop
    run jq -r .subject "$TMP/out"
    assert_output "$name
sw1.example.net
192.0.2.77"
}

@test "a stalled output never blocks the socket: events past --queue-size are dropped and counted, informs still answered" {
    # stdout is a pipe nobody reads: the writer blocks once the pipe is full.
    mkfifo "$TMP/fifo"
    exec 7<>"$TMP/fifo"
    evsrc-snmptrap --listen 127.0.0.1:0 --queue-size 64K --drain-timeout 300ms >&7 2>"$TMP/err" &
    PID=$!
    BG_PIDS+=("$PID")
    wait_err 'listening on'
    PORT=$(sed -n 's/^evsrc-snmptrap: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMP/err")
    python3 "$UDP" capture "$TMP/capport" "$TMP/trap.bin" &
    local cap=$!
    for _ in $(seq 100); do [ -s "$TMP/capport" ] && break; sleep 0.05; done
    snmptrap -v2c -c public "127.0.0.1:$(cat "$TMP/capport")" 1 1.3.6.1.4.1.1.0.1 1.3.6.1.4.1.1.1 s "$(printf 'x%.0s' $(seq 300))"
    wait "$cap"
    python3 "$UDP" send "$PORT" "$TMP/trap.bin" 3000
    sleep 0.5
    # Still responsive: the counters come, and a fresh inform is acknowledged or dropped, never hung.
    run counters
    assert_output --regexp "received 3000, emitted ([0-9]+), written ([0-9]+), .* dropped ([1-9][0-9]*),"
    # Larger than any trap of the burst, so it cannot slip into the room a smaller line leaves.
    run snmpinform -v2c -c public -t 1 -r 0 "127.0.0.1:$PORT" 0 1.3.6.1.6.3.1.1.5.1 \
        1.3.6.1.4.1.1.2 s "$(printf 'y%.0s' $(seq 600))"
    # Dropped for want of room, so unanswered: the sender retries later.
    assert_failure
    run counters
    assert_output --partial "received 3001,"
    # At exit the stuck output gets --drain-timeout, then the tool says so and exits 4.
    stop
    assert_equal "$STATUS" 4
    run grep -E 'output stalled: [0-9]+ events not written after --drain-timeout' "$TMP/err"
    assert_success
    exec 7<&-
}

@test "--stats-interval writes the counters as metric events" {
    start --stats-interval 200ms
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.6.3.1.1.5.1
    sleep 0.7
    stop
    run jq -c 'select(.type == "metric" and .name == "evkit.evsrc-snmptrap.received") | [.metric, .unit, .source, (.subject | length > 0)]' "$TMP/out"
    assert_line '[1,"c","evsrc-snmptrap",true]'
    run jq -r 'select(.type == "metric") | .name' "$TMP/out"
    assert_line "evkit.evsrc-snmptrap.kernel_dropped"
    assert_line "evkit.evsrc-snmptrap.dropped"
}

@test "SIGINT stops it like SIGTERM; a closed output ends it quietly with exit 0" {
    start
    kill -INT "$PID"
    STATUS=0
    wait "$PID" || STATUS=$?
    forget "$PID"
    assert_equal "$STATUS" 0
    # The reader of its output goes away: the next trap ends it.
    mkfifo "$TMP/fifo"
    evsrc-snmptrap --listen 127.0.0.1:0 >"$TMP/fifo" 2>"$TMP/err" &
    PID=$!
    BG_PIDS+=("$PID")
    head -c 1 <"$TMP/fifo" >/dev/null &
    wait_err 'listening on'
    PORT=$(sed -n 's/^evsrc-snmptrap: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMP/err")
    for i in 1 2 3 4 5; do
        # Once it has gone, the port is closed and snmptrap may say so.
        snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.6.3.1.1.5.1 2>/dev/null || true
        sleep 0.2
        kill -0 "$PID" 2>/dev/null || break
    done
    STATUS=0
    timeout 5 tail --pid="$PID" -f /dev/null
    wait "$PID" || STATUS=$?
    forget "$PID"
    assert_equal "$STATUS" 0
    run grep -c 'write failed\|Broken pipe' "$TMP/err"
    assert_output 0
}

# Sends the comparison traps to PORT: v1 linkDown, v2c with every type, an inform.
send_set() {
    snmptrap -v1 -c public "127.0.0.1:$1" 1.3.6.1.4.1.8072.2.3 10.1.2.3 2 0 1234 \
        1.3.6.1.2.1.2.2.1.1.3 i 3 1.3.6.1.2.1.2.2.1.2.3 s "eth0 port"
    snmptrap -v2c -c public "127.0.0.1:$1" 4567 1.3.6.1.6.3.1.1.5.4 \
        1.3.6.1.2.1.2.2.1.1.3 i 3 1.3.6.1.2.1.1.5.0 x 00ff41 1.3.6.1.4.1.1.1 c 77 \
        1.3.6.1.4.1.1.2 C 12345678901 1.3.6.1.4.1.1.3 a 10.9.8.7 1.3.6.1.4.1.1.4 o 1.3.6.1.4.1.9 \
        1.3.6.1.4.1.1.6 u 42 1.3.6.1.4.1.1.7 s 'héllo "q"' 1.3.6.1.4.1.1.8 i -5 \
        1.3.6.1.4.1.1.9 s "$(printf 'long text %.0s' $(seq 8))" 1.3.6.1.4.1.1.10 s ''
    snmpinform -v2c -c public -t 2 -r 1 "127.0.0.1:$1" 77 1.3.6.1.6.3.1.1.5.1 1.3.6.1.2.1.1.5.0 s sw1
}

@test "--stdin-snmptrapd: snmptrapd's traphandle input gives the events direct reception gives" {
    local bin
    bin=$(command -v evsrc-snmptrap)
    printf '#!/bin/sh\nexec %s --stdin-snmptrapd >>%s 2>>%s\n' "$bin" "$TMP/via.ndjson" "$TMP/via.err" >"$TMP/handle"
    chmod +x "$TMP/handle"
    printf 'disableAuthorization yes\ntraphandle default %s\n' "$TMP/handle" >"$TMP/conf/snmptrapd.conf"
    local trapd_port
    trapd_port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # Fixed output options: numeric OIDs, raw TimeTicks, strings in hex.
    snmptrapd -f -Lf "$TMP/trapd.log" -C -c "$TMP/conf/snmptrapd.conf" -On -Ot -Ox "udp:127.0.0.1:$trapd_port" &
    local trapd=$!
    BG_PIDS+=("$trapd")
    for _ in $(seq 100); do grep -q 'NET-SNMP version' "$TMP/trapd.log" 2>/dev/null && break; sleep 0.05; done
    start
    send_set "$PORT"
    send_set "$trapd_port"
    wait_lines 3
    wait_lines 3 "$TMP/via.ndjson"
    stop
    kill "$trapd"
    wait "$trapd" || true
    forget "$trapd"
    assert_equal "$(cat "$TMP/via.err" 2>/dev/null)" ""
    # Not carried by traphandle input: version, pdu, request id, the v2c community, varbind types.
    local norm='del(.id, .time, .data.version, .data.pdu, .data.request_id, .data.varbinds[].type)
                | if .data.community and (.data.varbinds | map(.oid) | index("1.3.6.1.6.3.18.1.4.0") | not) then del(.data.community) else . end'
    jq -c "$norm" "$TMP/out" >"$TMP/direct.norm"
    jq -c "$norm" "$TMP/via.ndjson" >"$TMP/via.norm"
    run diff "$TMP/direct.norm" "$TMP/via.norm"
    assert_success
    run jq -r '.data.varbinds | map(.type) | join(" ")' "$TMP/via.ndjson"
    assert_output - <<'OUT'
timeticks oid integer string ipaddress string oid
timeticks oid integer string number number ipaddress oid number string integer string string
timeticks oid string
OUT
    run jq -r '.data.varbinds | map(.type) | join(" ")' "$TMP/out"
    assert_line "timeticks oid integer string counter32 counter64 ipaddress oid gauge32 string integer string string"
}

@test "--stdin-snmptrapd: bad input is reported, good traps around it kept" {
    printf 'host\nUDP: [10.0.0.5]:5000->[127.0.0.1]:162\n.1.3.6.1.2.1.1.3.0 5\n.1.3.6.1.6.3.1.1.4.1.0 .1.3.6.1.6.3.1.1.5.1\n\nhost\nno transport\n\nhost\nUDP: [10.0.0.6]:1->[127.0.0.1]:162\n.1.3.6.1.2.1.1.3.0 "unterminated\n' >"$TMP/in"
    run --separate-stderr evsrc-snmptrap --stdin-snmptrapd <"$TMP/in"
    assert_success
    assert_output --partial '"subject":"10.0.0.5","name":"SNMPv2-MIB::coldStart"'
    assert_equal "${#lines[@]}" 1
    assert_equal "$stderr" "evsrc-snmptrap: trap 2: transport line 'no transport': no [ADDRESS]
evsrc-snmptrap: trap 3: 1.3.6.1.2.1.1.3.0: unterminated string"
}

@test "--user drops root privileges after binding" {
    if [ "$(id -u)" != 0 ]; then
        # Not root: changing user is refused, naming the reason.
        run evsrc-snmptrap --listen 127.0.0.1:0 --user nobody
        assert_failure 2
        assert_output --partial "evsrc-snmptrap: --user nobody: only root can change user"
        return
    fi
    start --user nobody
    run awk '/^Uid:/ {print $2, $3}' "/proc/$PID/status"
    assert_output "$(id -u nobody) $(id -u nobody)"
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.6.3.1.1.5.1
    wait_lines 1
    stop
    assert_equal "$STATUS" 0
    run grep -c 'running as root' "$TMP/err"
    assert_output 0
    run evsrc-snmptrap --listen 127.0.0.1:0 --user no-such-user-here
    assert_failure 2
    assert_output --partial "evsrc-snmptrap: --user no-such-user-here: no such user"
}

@test "--mibs DIR names OIDs beyond the built-in table" {
    mkdir -p "$TMP/mibs"
    cat >"$TMP/mibs/EVKIT-TEST-MIB.txt" <<'MIB'
EVKIT-TEST-MIB DEFINITIONS ::= BEGIN
evkitTest OBJECT IDENTIFIER ::= { iso 3 6 1 4 1 99999 }
evkitNotifications OBJECT IDENTIFIER ::= { evkitTest 0 }
evkitFanFailed OBJECT IDENTIFIER ::= { evkitNotifications 1 }
evkitFanSpeed OBJECT IDENTIFIER ::= { evkitTest 2 }
END
MIB
    echo 'exact EVKIT-TEST-MIB::evkitFanFailed critical index=EVKIT-TEST-MIB::evkitFanSpeed name=fan' >"$TMP/rules"
    start --mibs "$TMP/mibs" --rules "$TMP/rules"
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.4.1.99999.0.1 1.3.6.1.4.1.99999.2.4 i 0
    wait_lines 1
    stop
    run jq -c '[.name, .state, .data.trap_name, .data.varbinds[2].name]' "$TMP/out"
    assert_output '["fan.4","critical","EVKIT-TEST-MIB::evkitFanFailed","EVKIT-TEST-MIB::evkitFanSpeed.4"]'
}

@test "--to kafka:TOPIC: each trap one message, keyed by its identity" {
    kafka_start "$TMP/kafka" --topic traps:1
    start --to kafka:traps
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.6.3.1.1.5.3 1.3.6.1.2.1.2.2.1.1.3 i 3
    snmptrap -v2c -c public "127.0.0.1:$PORT" 1 1.3.6.1.6.3.1.1.5.1
    run kafka_consume traps 2
    stop
    kafka_stop "$TMP/kafka"
    assert_equal "$STATUS" 0
    assert_equal "${#lines[@]}" 2
    assert_line --index 0 --regexp '^0 \["127\.0\.0\.1","IF-MIB::ifOperStatus\.3"\] \{"id":"[0-9A-Z]{26}",.*"state":"critical"'
    assert_line --index 1 --regexp '^0 \["127\.0\.0\.1","SNMPv2-MIB::coldStart"\] \{.*"type":"archive"'
}
