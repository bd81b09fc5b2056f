#!/bin/sh
# Page once for N nodes: 40 hosts failing check_puppet_run make one page,
# not 40. Non-OK statuses are grouped by check name and state; the pager
# command runs once per notification, with the members as NDJSON on stdin
# and EV_GROUP, EV_COUNT, EV_STATE in the environment.
#
# Live, from evstatus (or any source of status events):
#   evstatus ... | evbatch group --wait 30s --interval 5m --repeat 4h -- ./page.sh
#
# Replayed on event time, with a pager that just prints what it would send:
set -eu
here=$(cd "$(dirname "$0")" && pwd)
evbatch group --clock event --wait 30s --interval 5m \
    "$here/failures.ndjson" \
    -- sh -c 'echo "PAGE [$EV_STATE] $EV_COUNT on $EV_GROUP: $(jq -r .subject | paste -sd, -)"'
