# Helpers for tests and benchmarks that need a real carbon-cache (Debian's
# graphite-carbon) on loopback, with a private configuration and storage.
#
#   carbon_setup DIR        writes DIR/carbon.conf, DIR/storage-schemas.conf
#                           and picks free loopback ports (line port in
#                           DIR/port, pickle port in DIR/pickle_port)
#   carbon_start DIR        starts carbon-cache in the foreground (background
#                           job, fds 3 and 5 closed so it holds no test pipe);
#                           waits until its line port accepts
#   carbon_stop DIR         SIGTERM, waits for it to exit (bounded)
#   carbon_fetch DIR PATH   prints "timestamp value" lines of the whisper file
#                           for metric PATH, non-null points only
#   carbon_wait DIR PATH N  polls (bounded) until PATH has N non-null points
#   carbon_dump DIR         every point of every series, "path time value"
#   carbon_wait_total DIR N polls (bounded) until N points are stored in all
#   carbon_relay_setup DIR DEST...  a consistent-hashing carbon-relay
#   carbon_relay_start DIR  starts it like carbon_start (stop: carbon_stop)
#
# Retention is 1s points for a day, so whisper-fetch reads back exact values.

carbon_free_port() {
    python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

carbon_setup() {
    local dir=$1
    mkdir -p "$dir/storage/whisper" "$dir/storage/lists" "$dir/log" "$dir/run"
    local line pickle query
    line=$(carbon_free_port)
    pickle=$(carbon_free_port)
    query=$(carbon_free_port)
    echo "$line" > "$dir/port"
    echo "$pickle" > "$dir/pickle_port"
    cat > "$dir/carbon.conf" <<CONF
[cache]
STORAGE_DIR = $dir/storage/
LOCAL_DATA_DIR = $dir/storage/whisper/
WHITELISTS_DIR = $dir/storage/lists/
CONF_DIR = $dir/
LOG_DIR = $dir/log/
PID_DIR = $dir/run/
DATABASE = whisper
ENABLE_LOGROTATION = False
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = 100000
MAX_UPDATES_PER_SECOND_ON_SHUTDOWN = 100000
MAX_CREATES_PER_MINUTE = inf
MIN_TIMESTAMP_RESOLUTION = 1
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = $line
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = $pickle
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = $query
USE_FLOW_CONTROL = True
ENABLE_TAGS = False
LOG_UPDATES = False
LOG_CREATES = False
LOG_LISTENER_CONN_SUCCESS = False
CACHE_WRITE_STRATEGY = sorted
WHISPER_AUTOFLUSH = False
WHISPER_FALLOCATE_CREATE = False
WHISPER_SPARSE_CREATE = True
CONF
    cat > "$dir/storage-schemas.conf" <<CONF
[everything]
pattern = .*
retentions = 1s:1d
CONF
}

carbon_port() { cat "$1/port"; }

carbon_start() {
    local dir=$1 port i
    port=$(carbon_port "$dir")
    carbon-cache --config="$dir/carbon.conf" --nodaemon --pidfile="$dir/run/carbon.pid" \
        --logdir="$dir/log" start > "$dir/log/console.log" 2>&1 3>&- 5>&- &
    echo $! > "$dir/run/job.pid"
    for i in $(seq 1 200); do
        if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2).close()" 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    echo "carbon did not start; log:" >&2
    cat "$dir/log/console.log" >&2
    return 1
}

carbon_stop() {
    local dir=$1 pid i
    [ -f "$dir/run/job.pid" ] || return 0
    pid=$(cat "$dir/run/job.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 200); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/run/job.pid"
}

# Metric path a.b.c lives in storage/whisper/a/b/c.wsp.
carbon_wsp() { echo "$1/storage/whisper/${2//.//}.wsp"; }

carbon_fetch() {
    local file
    file=$(carbon_wsp "$1" "$2")
    [ -f "$file" ] || return 0
    whisper-fetch --from=0 "$file" | awk '$2 != "None" { print $1, $2 }'
}

carbon_wait() {
    local dir=$1 path=$2 want=$3 i have
    for i in $(seq 1 300); do
        have=$(carbon_fetch "$dir" "$path" | wc -l)
        [ "$have" -ge "$want" ] && return 0
        sleep 0.1
    done
    echo "carbon_wait: $path has $have of $want points" >&2
    return 1
}

# Every non-null point of every series: "path timestamp value", sorted.
carbon_dump() {
    "${EVKIT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/test/fixtures/graphite/whisper_dump.py" \
        "$1/storage/whisper"
}

# Polls (bounded, about 30 s) until the storage holds at least N points in all.
carbon_wait_total() {
    local dir=$1 want=$2 i have=0
    for i in $(seq 1 150); do
        have=$(carbon_dump "$dir" | wc -l)
        [ "$have" -ge "$want" ] && return 0
        sleep 0.2
    done
    echo "carbon_wait_total: $have of $want points" >&2
    return 1
}

# carbon_relay_setup DIR DEST...: a carbon-relay (RELAY_METHOD =
# consistent-hashing) in DIR whose DESTINATIONS are DEST (HOST:PORT:INSTANCE,
# the caches' pickle ports); its line port is in DIR/port. Start and stop it
# with carbon_relay_start / carbon_stop.
carbon_relay_setup() {
    local dir=$1
    shift
    mkdir -p "$dir/storage" "$dir/log" "$dir/run"
    local line pickle dests
    line=$(carbon_free_port)
    pickle=$(carbon_free_port)
    echo "$line" > "$dir/port"
    dests=$(IFS=,; echo "$*")
    cat > "$dir/carbon.conf" <<CONF
[relay]
STORAGE_DIR = $dir/storage/
CONF_DIR = $dir/
LOG_DIR = $dir/log/
PID_DIR = $dir/run/
ENABLE_TAGS = False
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = $line
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = $pickle
RELAY_METHOD = consistent-hashing
REPLICATION_FACTOR = 1
DESTINATIONS = $dests
MAX_QUEUE_SIZE = 100000
CONF
    printf '[everything]\npattern = .*\nretentions = 1s:1d\n' > "$dir/storage-schemas.conf"
}

carbon_relay_start() {
    local dir=$1 port i
    port=$(carbon_port "$dir")
    carbon-relay --config="$dir/carbon.conf" --nodaemon --pidfile="$dir/run/carbon.pid" \
        --logdir="$dir/log" start > "$dir/log/console.log" 2>&1 3>&- 5>&- &
    echo $! > "$dir/run/job.pid"
    for i in $(seq 1 200); do
        if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2).close()" 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    echo "carbon-relay did not start; log:" >&2
    cat "$dir/log/console.log" >&2
    return 1
}
