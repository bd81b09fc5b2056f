#!/bin/sh
# evrpc action service.restart: restarts a unit named by the validated input
# "name" (JSON on stdin), fails (exit 1) when it does not come back active.
set -u
name=$(jq -r .name)
systemctl restart -- "$name.service" 2>/dev/null
active=$(systemctl is-active -- "$name.service" 2>/dev/null)
pid=$(systemctl show -p MainPID --value -- "$name.service" 2>/dev/null)
jq -cn --arg a "$active" --argjson p "${pid:-0}" '{active: $a, pid: $p, message: "\($a)"}'
[ "$active" = active ]
