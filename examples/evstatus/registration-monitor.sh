#!/usr/bin/env bash
# Monitor side: condenses every node's heartbeats into one state per node and
# writes an alert when a node stops registering (reason "expired") and when it
# comes back (a transition to ok). The state file survives restarts, so a
# restart neither forgets the nodes nor storms alerts.
#
#   registration-monitor.sh SPOOL STATE ALERTS
#     SPOOL   heartbeat lines appended by the nodes (see heartbeat.sh)
#     STATE   evstatus state file, read by `evstatus check` from cron
#     ALERTS  where alert events are appended (route them on with evroute)
set -euo pipefail
spool=${1:?spool file}
state=${2:?state file}
alerts=${3:?alerts file}
exec tail -n 0 -F "$spool" |
    evstatus --state "$state" --save-interval 30s --alerts-only >> "$alerts"
