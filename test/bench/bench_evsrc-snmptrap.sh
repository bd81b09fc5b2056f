#!/usr/bin/env bash
# evsrc-snmptrap: SNMPv2c traps per second received and emitted without loss
# from a fast loopback sender (test/bench/trap_blaster.cpp: pre-encoded PDUs
# replayed with sendmmsg, paced to a rate), next to snmptrapd logging the same
# traps to a file in the same run. Each receiver gets a ladder of rates; the
# figure is the highest rate at which every trap came out, measured from the
# first trap sent to the last line written.
# Reproduce: make bench   (or: BUILD=build test/bench/bench_evsrc-snmptrap.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
E="$BUILD/bin/evsrc-snmptrap"
dir="$BUILD/bench/snmptrap"
mkdir -p "$dir/persist"
export SNMP_PERSISTENT_DIR="$dir/persist" SNMPCONFPATH="$dir" MIBS="" MIBDIRS="$dir/nomibs"
g++ -O2 -std=c++20 test/bench/trap_blaster.cpp $(net-snmp-config --netsnmp-libs) -o "$dir/trap_blaster"
SPAN=${BENCH_SECONDS:-2}  # seconds of traffic per step
now() { date +%s.%N; }

# Waits until FILE holds WANT lines (after SKIP header lines), stops
# growing for 2 s, or 10 s have passed since the sender finished; prints
# "lines seconds-since-T0".
settle() {  # file want skip t0
    local last=-1 n same=0 tries=0
    while :; do
        n=$(($(wc -l <"$1") - $3))
        if [ "$n" -ge "$2" ]; then break; fi
        if [ "$n" = "$last" ]; then
            same=$((same + 1))
            [ "$same" -ge 100 ] && break
        else
            same=0
        fi
        tries=$((tries + 1))
        [ "$tries" -ge 500 ] && break
        last=$n
        sleep 0.02
    done
    echo "$n $(echo "$(now) - $4" | bc -l)"
}

# One step: RECEIVER RATE -> "rate lines seconds".
step() {
    local who=$1 rate=$2 count pid out port t0 res
    count=$((rate * SPAN))
    out="$dir/$who.out"
    : >"$out"
    if [ "$who" = evsrc-snmptrap ]; then
        "$E" --listen 127.0.0.1:0 >"$out" 2>"$dir/err" &
        pid=$!
        for _ in $(seq 100); do
            port=$(sed -n 's/^evsrc-snmptrap: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$dir/err")
            [ -n "$port" ] && break
            sleep 0.05
        done
        skip=0
    else
        port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        printf 'disableAuthorization yes\n' >"$dir/snmptrapd.conf"
        snmptrapd -f -n -C -c "$dir/snmptrapd.conf" -On -Lf "$out" -F '%B %N %v\n' "udp:127.0.0.1:$port" &
        pid=$!
        for _ in $(seq 100); do grep -q 'NET-SNMP version' "$out" && break; sleep 0.05; done
        skip=1
    fi
    t0=$(now)
    "$dir/trap_blaster" 127.0.0.1 "$port" "$count" "$rate" >/dev/null
    res=$(settle "$out" "$count" "$skip" "$t0")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    echo "$rate $res $count"
}

# The highest lossless rate of a ladder: "rate measured-traps/s".
best() {  # receiver rates...
    local who=$1 rate lines secs count
    shift
    for rate in "$@"; do
        read -r rate lines secs count < <(step "$who" "$rate")
        echo "  $who at $rate/s: $lines of $count in ${secs}s" >&2
        if [ "$lines" -ge "$count" ]; then
            echo "$rate $(echo "$count / $secs" | bc -l | cut -d. -f1)"
            return
        fi
    done
    echo "0 0"
}

read -r e_rate e_measured < <(best evsrc-snmptrap 300000 200000 150000 100000 75000 50000 25000)
read -r d_rate d_measured < <(best snmptrapd 40000 20000 15000 10000 7500 5000 2000 1000)
echo "evsrc-snmptrap: lossless at ${e_rate} traps/s offered, ${e_measured} traps/s first sent to last written"
echo "snmptrapd (-Lf file): lossless at ${d_rate} traps/s offered, ${d_measured} traps/s first sent to last written"
if [ "$d_measured" -gt 0 ]; then
    echo "ratio: $(echo "scale=1; $e_measured / $d_measured" | bc -l)x snmptrapd (targets: >= 50000/s, >= 10x)"
fi
