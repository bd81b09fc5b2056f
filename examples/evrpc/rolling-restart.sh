#!/bin/sh
# Restart nginx on every web server in Amsterdam, ten at a time, a minute
# apart; Ctrl-C stops further batches and reports what was done. Nodes that
# failed or did not answer end up in failed.ndjson (one status event each).
set -eu
evrpc call service.restart name=nginx -F role=web -F dc=ams1 \
    --batch 10 --batch-sleep 1m --timeout 90s --json |
    tee restart.ndjson |
    evfilter 'state != "ok"' > failed.ndjson
echo "failed or silent: $(wc -l < failed.ndjson)"
