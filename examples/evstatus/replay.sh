#!/usr/bin/env bash
# The registration monitor replayed on event time from a recorded spool
# (heartbeats.ndjson): node3 misses its heartbeats for a while, node2 stops
# for good. Prints the alerts, then what cron would see. Deterministic: the
# same input always gives the same alerts, ids included.
#
#   replay.sh [WORKDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${1:-$(mktemp -d)}
state="$work/registrations.state"
rm -f "$state"
echo "== alerts"
evstatus --clock event --state "$state" --alerts-only "$here/heartbeats.ndjson"
echo "== evstatus check --max-age 2m (from cron)"
evstatus check --state "$state" --max-age 2m 'name == "heartbeat"' || echo "(exit $?)"
echo "== evstatus check --name REGISTRATIONS"
evstatus check --state "$state" --name REGISTRATIONS 'name == "heartbeat"' || echo "(exit $?)"
