#!/usr/bin/env bash
# Node side of the registration monitor: prints one heartbeat status every
# INTERVAL seconds, valid for three intervals (ttl), so one lost heartbeat is
# forgiven and a node that stops registering expires after 3 x INTERVAL.
#
#   heartbeat.sh [--subject NAME] [--role ROLE] [INTERVAL] [COUNT]   (COUNT 0: for ever)
#
# --subject defaults to the host's FQDN (as evkit's own status events), --role
# (tags.role) to $ROLE or "node". The event is built by jq, so a name with
# quotes or control characters stays one valid JSON line.
# Ship the lines however your fleet moves events: appended to a spool file
# the monitor tails, through ssh, or into a Kafka topic.
set -euo pipefail
usage() {
    echo "usage: heartbeat.sh [--subject NAME] [--role ROLE] [INTERVAL] [COUNT]" >&2
    exit 2
}
subject=$(hostname -f 2> /dev/null || hostname)
role=${ROLE:-node}
while [ $# -gt 0 ]; do
    case $1 in
        --subject) [ $# -ge 2 ] || usage; subject=$2; shift 2 ;;
        --role) [ $# -ge 2 ] || usage; role=$2; shift 2 ;;
        --) shift; break ;;
        -*) usage ;;
        *) break ;;
    esac
done
interval=${1:-60}
count=${2:-0}
[[ "$interval" =~ ^[1-9][0-9]*$ && "$count" =~ ^[0-9]+$ && $# -le 2 ]] || usage
[ -n "$subject" ] || { echo "heartbeat.sh: the subject is empty" >&2; exit 2; }
sent=0
while [ "$count" -eq 0 ] || [ "$sent" -lt "$count" ]; do
    jq -cn --argjson time "$(date +%s)" --arg subject "$subject" --argjson ttl "$((interval * 3))" \
        --arg role "$role" \
        '{time: $time, type: "status", subject: $subject, name: "heartbeat", state: "ok", ttl: $ttl,
          source: "heartbeat.sh", tags: {role: $role}}'
    sent=$((sent + 1))
    [ "$count" -ne 0 ] && [ "$sent" -ge "$count" ] && break
    sleep "$interval"
done
