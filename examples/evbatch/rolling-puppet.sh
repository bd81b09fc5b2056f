#!/bin/sh
# A rolling Puppet run over the frontend web servers: batches of 4, never
# more than 4 at once, 10 seconds between batches, each run killed after
# 10 minutes, and no new batch once more than 25% of a batch failed (as
# Ansible's serial + max_fail_percentage). Results are status events that
# can go straight back into evstatus.
#
# Real use (the host list comes from discovery, a file, or evrpc):
#   evfilter 'tags.role == "frontend_web"' nodes.ndjson |
#       evbatch each --concurrency 4 --batch 4 --batch-sleep 10s --timeout 10m \
#           --max-fail 25% --name puppet_run -- ssh {subject} sudo puppet agent -t
#
# {subject} is ssh's host argument: a subject that begins with '-' (an ssh
# option such as -oProxyCommand=...) is refused, not run (evbatch(1),
# SECURITY). Put no placeholder after the host: ssh hands those words to the
# remote shell.
#
# This script runs the same pipeline with fake-puppet-agent standing in for
# `ssh HOST puppet agent -t`, so it works on any machine.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BATCH_SLEEP=${BATCH_SLEEP:-1s}
evfilter 'tags.role == "frontend_web"' "$here/nodes.ndjson" |
    evbatch each --concurrency 4 --batch 4 --batch-sleep "$BATCH_SLEEP" --timeout 10m \
        --max-fail 25% --name puppet_run -- "$here/fake-puppet-agent" {subject}
