#!/usr/bin/env bash
# A trap and a poller's status for the same port meet under one identity.
# Run from the repository after `make`: it starts evsrc-snmptrap on a loopback
# port, sends a linkDown for ifIndex 3 of 127.0.0.1 with Debian's snmptrap,
# adds the poller's own ok for IF-MIB::ifOperStatus.3 (here a literal line;
# in production, whatever polls IF-MIB), and lets evstatus alert on the
# transition.
set -euo pipefail
cd "$(dirname "$0")/../.."
PATH="$PWD/${BUILD:-build}/bin:$PATH"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SNMP_PERSISTENT_DIR="$tmp" MIBS=""
mkdir -p "$tmp/cert_indexes"  # else snmptrap says it created it
poller='{"time":1,"type":"status","subject":"127.0.0.1","name":"IF-MIB::ifOperStatus.3","state":"ok","source":"poller"}'
evsrc-snmptrap --listen 127.0.0.1:0 --run-for 2s >"$tmp/traps" 2>"$tmp/err" &
for _ in $(seq 100); do grep -q 'listening on' "$tmp/err" && break; sleep 0.05; done
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/err")
snmptrap -v2c -c public "127.0.0.1:$port" '' 1.3.6.1.6.3.1.1.5.3 \
    1.3.6.1.2.1.2.2.1.1.3 i 3 1.3.6.1.2.1.2.2.1.7.3 i 1 1.3.6.1.2.1.2.2.1.8.3 i 2
wait
{ echo "$poller"; cat "$tmp/traps"; } | evstatus | jq -c 'select(.type == "alert") | [.subject, .name, .previous, .state, .source]'
