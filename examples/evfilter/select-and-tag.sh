#!/usr/bin/env bash
# evfilter example: keep the non-OK statuses from the blackbox probes, tag
# them with the environment, and count the events that are not statuses.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# Non-OK blackbox statuses, tagged env=prod (re-encoded canonically).
evfilter --set 'tags.env="prod"' 'subject =~ /blackbox/ && severity >= 1' "$here/events.ndjson"

# How many events are not statuses (metrics, archives)?
evfilter -c '!exists(state)' "$here/events.ndjson"
