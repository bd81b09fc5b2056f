#!/usr/bin/env bash
# Node side of the registration monitor: prints one heartbeat status every
# INTERVAL seconds, valid for three intervals (ttl), so one lost heartbeat is
# forgiven and a node that stops registering expires after 3 x INTERVAL.
#
#   heartbeat.sh [INTERVAL] [COUNT]     (COUNT 0: for ever)
#
# Ship the lines however your fleet moves events: appended to a spool file
# the monitor tails, through ssh, or into a Kafka topic.
set -euo pipefail
interval=${1:-60}
count=${2:-0}
node=$(hostname -f 2>/dev/null || hostname)
sent=0
while [ "$count" -eq 0 ] || [ "$sent" -lt "$count" ]; do
    printf '{"time":%s,"type":"status","subject":"%s","name":"heartbeat","state":"ok","ttl":%s,"source":"heartbeat.sh","tags":{"role":"%s"}}\n' \
        "$(date +%s)" "$node" "$((interval * 3))" "${ROLE:-node}"
    sent=$((sent + 1))
    [ "$count" -ne 0 ] && [ "$sent" -ge "$count" ] && break
    sleep "$interval"
done
