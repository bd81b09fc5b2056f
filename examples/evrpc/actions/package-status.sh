#!/bin/sh
# evrpc action package.status: the validated inputs arrive as one JSON object
# on stdin ({"name":"nginx"}), never as arguments; the answer is one JSON
# object on stdout. The name was checked against the schema's regex by the
# agent, and it is still passed to dpkg-query after "--", as data.
set -eu
name=$(jq -r .name)
if out=$(dpkg-query -W -f '${Version}\t${db:Status-Status}\t${Installed-Size}' -- "$name" 2>/dev/null); then
    version=$(printf '%s' "$out" | cut -f1)
    status=$(printf '%s' "$out" | cut -f2)
    size=$(printf '%s' "$out" | cut -f3)
    jq -cn --arg v "$version" --arg s "$status" --argjson k "${size:-0}" \
        '{version: $v, status: $s, size_kb: $k, message: "\($v) \($s)"}'
else
    jq -cn '{version: "", status: "not-installed", size_kb: 0, message: "not installed"}'
fi
