#!/usr/bin/env bash
# make fuzz: builds each named libFuzzer target with clang and runs it for
# FUZZ_SECONDS on a scratch copy of its corpus. Crashers land in
# test/fuzz/regressions/NAME/, which `make test` replays ever after.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
# libsystemd: lib/core/notify (sd_notify), as the Makefile's PKGS.
PKGS="simdjson re2 fmt rdkafka libsystemd"
mkdir -p "$BUILD/fuzz"
status=0
for name in "$@"; do
    bin="$BUILD/fuzz/fuzz_$name"
    echo "fuzz: building $name"
    # The core and the expression language, plus the engine folder the
    # target is named after (fuzz_status_statefile -> lib/status).
    srcs="lib/core/*.cpp lib/expr/*.cpp"
    area=${name%%_*}
    [ -d "lib/$area" ] && [ "$area" != core ] && [ "$area" != expr ] && srcs="$srcs lib/$area/*.cpp"
    # rpc links libsodium and the folders the Makefile's EXTRA_OBJS_rpc names;
    # status (and so rpc) the silences of EXTRA_OBJS_status.
    extra=""
    [ "$area" = rpc ] && srcs="$srcs lib/nagios/*.cpp lib/status/*.cpp" && extra="-lsodium"
    { [ "$area" = rpc ] || [ "$area" = status ]; } && srcs="$srcs lib/batch/silences.cpp"
    # timeline the templates of EXTRA_OBJS_timeline.
    [ "$area" = timeline ] && srcs="$srcs lib/batch/template.cpp"
    # snmptrap links net-snmp.
    [ "$area" = snmptrap ] && extra="$(net-snmp-config --netsnmp-libs)"
    # plot (evplot --graphite) links libcurl.
    [ "$area" = plot ] && extra="$(pkg-config --libs libcurl)"
    clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Ilib \
        "test/fuzz/fuzz_$name.cpp" $srcs \
        $(pkg-config --cflags --libs $PKGS) $extra -lpthread -o "$bin"
    work=$(mktemp -d)
    mkdir -p "test/fuzz/regressions/$name"
    [ -d "test/fuzz/corpus/$name" ] && cp -r "test/fuzz/corpus/$name/." "$work/"
    echo "fuzz: running $name for ${FUZZ_SECONDS}s"
    if ! "$bin" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=4096 -max_len=65536 \
        -artifact_prefix="test/fuzz/regressions/$name/" "$work" 2> "$BUILD/fuzz/$name.log"; then
        echo "fuzz: $name FOUND A CRASH; input kept in test/fuzz/regressions/$name/"
        tail -30 "$BUILD/fuzz/$name.log"
        status=1
    else
        grep -E '^(#[0-9]+|Done)' "$BUILD/fuzz/$name.log" | tail -1
    fi
    rm -rf "$work"
done
exit $status
