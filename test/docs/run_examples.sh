#!/usr/bin/env bash
# Runs the examples in the manuals as tests, so the docs cannot rot.
# In docs/*.md, a fenced block marked `console` holds examples: a line
# starting with "$ " is a command (run by bash in a scratch directory, with
# build/bin on PATH and EVKIT_ROOT set), and the lines after it, up to the
# next "$ " or the closing fence, are its exact expected stdout.
# Prints TAP lines: "ok N - FILE:LINE" or "not ok N - FILE:LINE" with a diff.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
export EVKIT_ROOT="$PWD"
export PATH="$PWD/$BUILD/bin:$PATH"
n=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

run_one() {  # file line command expected
    local file=$1 line=$2 cmd=$3 expected=$4 actual
    n=$((n + 1))
    actual=$(cd "$scratch" && timeout 20 bash -c "$cmd" 2>/dev/null)
    if [ "$actual" == "$expected" ]; then
        echo "ok $n - $file:$line"
    else
        echo "not ok $n - $file:$line: $cmd"
        diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") | sed 's/^/#   /'
    fi
}

for file in docs/*.md; do
    in_block=0
    cmd=""
    cmd_line=0
    expected=""
    line_no=0
    while IFS= read -r line || [ -n "$line" ]; do
        line_no=$((line_no + 1))
        if [ $in_block -eq 0 ]; then
            [[ "$line" =~ ^\`\`\`console[[:space:]]*$ ]] && in_block=1
            continue
        fi
        if [[ "$line" =~ ^\`\`\` ]]; then
            [ -n "$cmd" ] && run_one "$file" "$cmd_line" "$cmd" "$expected"
            in_block=0
            cmd=""
            continue
        fi
        if [[ "$line" == '$ '* ]]; then
            [ -n "$cmd" ] && run_one "$file" "$cmd_line" "$cmd" "$expected"
            cmd=${line#\$ }
            cmd_line=$line_no
            expected=""
            continue
        fi
        if [ -z "$expected" ]; then expected=$line; else expected+=$'\n'$line; fi
    done < "$file"
done
echo "1..$n"
