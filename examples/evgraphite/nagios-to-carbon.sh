#!/usr/bin/env bash
# evgraphite example: Nagios plugin results from evsrc-nagios, their perfdata
# metrics to carbon, and every event passed on for the rest of the pipeline.
#
#   examples/evgraphite/nagios-to-carbon.sh [HOST:PORT]   (default 127.0.0.1:2003)
#
# Each check's status event carries its first perfdata value as `metric`,
# and each perfdata value is a metric event of its own, so carbon gets
#   servers.<host>.check_load 0.42
#   servers.<host>.check_load.load1 0.42 ...
# While carbon is down the datapoints wait in memory and, beyond 16 MiB, in
# the spool. Stop it with Ctrl-C: evsrc-nagios ends its output, evgraphite
# (reading a pipe) takes all of it, and what carbon has not taken within 5 s
# is kept in the spool and sent first on the next start.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
carbon=${1:-127.0.0.1:2003}
spool=${EVGRAPHITE_SPOOL:-${XDG_STATE_HOME:-$HOME/.local/state}/evgraphite}

evsrc-nagios run "$here/../evsrc-nagios/checks.conf" |
    evgraphite --pass -d "$carbon" --prefix servers --spool "$spool" \
        --buffer-size 16M --drain-timeout 5s |
    evfilter 'type == "status" && severity >= 1'
