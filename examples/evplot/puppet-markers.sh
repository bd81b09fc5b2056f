#!/bin/sh
# The correlation graph: web response times with a vertical mark wherever
# Puppet ran, first on the terminal, then as an SVG for a web page.
# Run from the top of the source tree (or give the events as $1).
set -eu
events=${1:-examples/evplot/web.ndjson}
evplot line --title 'web response' --markers 'type == "archive" && name =~ /puppet/' "$events"
evplot spark "$events"
evplot hist --range 0:400 --buckets 8 "$events"
evplot line --svg "${TMPDIR:-/tmp}/web.svg" --markers 'name == "puppet"' "$events"
echo "wrote ${TMPDIR:-/tmp}/web.svg"
