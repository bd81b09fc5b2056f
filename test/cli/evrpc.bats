#!/usr/bin/env bats
# evrpc (docs/evrpc.1.md, docs/rpc.md): agents as real processes on the
# Kafka mock cluster. The agent and security section sends hand-made
# requests (evrpc seal, kcat) so that every refusal can be provoked; the
# client section drives the same agents with evrpc call, ping and nagios.

load helpers
load kafka
load rpc

setup() {
    rpc_setup
}

teardown() {
    rpc_teardown
}

# --- agent and security ------------------------------------------------------

@test "evrpc keygen: a 0600 secret key and its public line; an existing key is never overwritten" {
    run evrpc keygen "$BATS_TEST_TMPDIR/me.key"
    assert_success
    assert_output --regexp "^ed25519:[0-9a-f]{32} $BATS_TEST_TMPDIR/me.key.pub$"
    [ "$(stat -c %a "$BATS_TEST_TMPDIR/me.key")" = 600 ]
    run cat "$BATS_TEST_TMPDIR/me.key.pub"
    assert_output --regexp '^ed25519 [A-Za-z0-9+/]{43}= me$'
    run evrpc keygen "$BATS_TEST_TMPDIR/me.key"
    assert_failure 4
    assert_output "evrpc: $BATS_TEST_TMPDIR/me.key: exists already (a key is never overwritten)"
}

@test "evrpc agent --check: the agent id from a key made on first start; a bad configuration exits 2" {
    mkdir -p "$RPC/a"
    cp "$RPC/op.key.pub" "$RPC/a/authorized_keys"
    echo 'allow op *' > "$RPC/a/policy"
    printf 'state_dir = s\nhost = a.example\nauthorized_keys = authorized_keys\npolicy = policy\n' > "$RPC/a/agent.conf"
    run evrpc agent --config "$RPC/a/agent.conf" --check
    assert_success
    assert_output --regexp '^ed25519:[0-9a-f]{32} a.example$'
    first=$output
    [ "$(stat -c %a "$RPC/a/s/agent.key")" = 600 ]
    run evrpc agent --config "$RPC/a/agent.conf" --check
    assert_output "$first"
    echo 'allow nobody *' > "$RPC/a/policy"
    run evrpc agent --config "$RPC/a/agent.conf" --check
    assert_failure 2
    assert_output "evrpc: $RPC/a/policy:1: caller nobody is not in the authorized keys"
    echo 'colour = blue' >> "$RPC/a/agent.conf"
    run evrpc agent --config "$RPC/a/agent.conf" --check
    assert_failure 2
    assert_output "evrpc: $RPC/a/agent.conf:5: unknown key colour"
}

@test "agent: a signed ping gets a reply signed by the agent, and the decision is logged" {
    rpc_agent n1
    body=$(rpc_body)
    id=$(jq -r .id <<< "$body")
    rpc_send "$RPC/op.key" <<< "$body"
    run rpc_replies "$id" 1
    assert_success
    [ "$(jq -r .status <<< "$output")" = ok ]
    [ "$(jq -r .agent_id <<< "$output")" = "$(cat "$RPC/n1/id")" ]
    [ "$(jq -r .host <<< "$output")" = n1.example ]
    # the signer of the reply is the agent itself
    run bash -c "grep -F $id '$RPC/evrpc.replies.log' | evrpc verify | cut -d' ' -f1"
    assert_output "$(cat "$RPC/n1/id")"
    run rpc_decision n1 "$id"
    assert_output --partial '"decision":"allowed"'
    assert_output --partial "\"caller\":\"$OP_FP\""
    assert_output --partial '"action":"rpcutil.ping"'
}

@test "agent: unsigned, wrongly signed and tampered requests are refused and logged, never answered" {
    rpc_agent n1
    evrpc keygen "$RPC/evil.key" > "$RPC/evil.fp"
    evil_fp=$(cut -d' ' -f1 "$RPC/evil.fp")
    # unsigned: a bare body
    unsigned=$(rpc_body)
    kcat -P -b "$BROKERS" -t evrpc.requests <<< "$unsigned"
    # signed by a key that claims to be op
    claims=$(rpc_body)
    rpc_send "$RPC/evil.key" <<< "$claims"
    # signed by an unknown key, honestly
    stranger=$(rpc_body ".caller = \"$evil_fp\"")
    rpc_send "$RPC/evil.key" <<< "$stranger"
    # op's signature over a changed body
    tampered=$(rpc_body)
    evrpc seal --key "$RPC/op.key" <<< "$tampered" | sed 's/\\"ttl\\":60/\\"ttl\\":3600/' |
        kcat -P -b "$BROKERS" -t evrpc.requests
    run rpc_decision n1 "$(jq -r .id <<< "$tampered")"
    assert_output --partial '"reason":"bad signature"'
    run rpc_decision n1 "$(jq -r .id <<< "$claims")"
    assert_output --partial '"reason":"the caller field is not the signer'"'"'s fingerprint"'
    run rpc_decision n1 "$(jq -r .id <<< "$stranger")"
    assert_output --partial '"reason":"the caller'"'"'s key is not authorized"'
    run grep -c '"reason":"not a signed envelope: not an envelope (needs v, key, sig and body)"' "$RPC/n1/decisions.log"
    assert_output 1
    # a ping after them all is answered: nothing before it was
    good=$(rpc_body)
    rpc_send "$RPC/op.key" <<< "$good"
    rpc_replies "$(jq -r .id <<< "$good")" 1 > /dev/null
    run grep -c . "$RPC/evrpc.replies.log"
    assert_output 1
}

@test "agent: a replayed request runs once, also across a restart that reads the TTL window back" {
    mkdir -p "$RPC/n1/actions"
    cp "$FIXTURES"/evrpc/demo.echo.json "$FIXTURES"/evrpc/echo.sh "$RPC/n1/actions/"
    rpc_agent n1
    body=$(rpc_body '.agent = "demo" | .action = "echo" | .inputs = {text: "once"}')
    id=$(jq -r .id <<< "$body")
    evrpc seal --key "$RPC/op.key" <<< "$body" > "$RPC/envelope"
    kcat -P -b "$BROKERS" -t evrpc.requests < "$RPC/envelope"
    rpc_replies "$id" 1 > /dev/null
    kcat -P -b "$BROKERS" -t evrpc.requests < "$RPC/envelope"
    for i in $(seq 50); do
        [ "$(grep -c replayed "$RPC/n1/decisions.log")" -ge 1 ] && break
        sleep 0.1
    done
    rpc_stop_agent n1
    rpc_agent n1
    for i in $(seq 50); do
        [ "$(grep -c replayed "$RPC/n1/decisions.log")" -ge 3 ] && break
        sleep 0.1
    done
    # allowed once; refused as a replay the second time and twice after the
    # restart (both copies read back)
    run grep -c "\"request\":\"$id\".*\"decision\":\"allowed\"\|\"decision\":\"allowed\".*\"request\":\"$id\"" "$RPC/n1/decisions.log"
    assert_output 1
    run grep -c 'replayed (its id was seen before)' "$RPC/n1/decisions.log"
    assert_output 3
    run grep -c . "$RPC/evrpc.replies.log"
    assert_output 1
}

@test "agent: expired requests and requests from beyond the skew grace are refused; within the grace they run" {
    rpc_agent n1 "skew = 30s"
    now=$(date +%s)
    expired=$(rpc_body ".time = $now - 100 | .ttl = 60")
    late_ok=$(rpc_body ".time = $now - 80 | .ttl = 60")
    future=$(rpc_body ".time = $now + 120")
    future_ok=$(rpc_body ".time = $now + 20")
    printf '%s\n' "$expired" "$late_ok" "$future" "$future_ok" | rpc_send "$RPC/op.key"
    run rpc_replies "$(jq -r .id <<< "$late_ok")" 1
    [ "$(jq -r .status <<< "$output")" = ok ]
    run rpc_replies "$(jq -r .id <<< "$future_ok")" 1
    [ "$(jq -r .status <<< "$output")" = ok ]
    run rpc_replies "$(jq -r .id <<< "$future")" 1
    [ "$(jq -r .status <<< "$output")" = refused ]
    [ "$(jq -r .code <<< "$output")" = 6 ]
    assert_output --regexp '"message":"from the future \(1[0-9][0-9]\.[0-9]{3}s ahead, skew grace 30s\)"'
    run rpc_decision n1 "$(jq -r .id <<< "$expired")"
    assert_output --regexp '"reason":"expired \([0-9.]+s after its ttl, skew grace 30s\)"'
    run rpc_replies "$(jq -r .id <<< "$expired")"
    assert_output ""
    too_long=$(rpc_body '.ttl = 7200')
    rpc_send "$RPC/op.key" <<< "$too_long"
    run rpc_replies "$(jq -r .id <<< "$too_long")" 1
    assert_output --partial '"status":"refused","code":5,"message":"ttl 7200s is above max_ttl 3600s"'
}

@test "agent: the policy allows per caller and action, optionally by fact; everything else is refused" {
    mkdir -p "$RPC/n1/actions"
    cp "$FIXTURES"/evrpc/demo.echo.json "$FIXTURES"/evrpc/echo.sh "$RPC/n1/actions/"
    printf 'allow op rpcutil.ping\nallow op demo.* role=web\n' > "$RPC/n1/policy"
    rpc_agent n1
    ping=$(rpc_body)
    inventory=$(rpc_body '.action = "inventory"')
    echo_=$(rpc_body '.agent = "demo" | .action = "echo" | .inputs = {text: "x"}')
    unknown=$(rpc_body '.agent = "demo" | .action = "nothing"')
    printf '%s\n' "$ping" "$inventory" "$echo_" | rpc_send "$RPC/op.key"
    run rpc_replies "$(jq -r .id <<< "$ping")" 1
    assert_output --partial '"status":"ok"'
    run rpc_replies "$(jq -r .id <<< "$inventory")" 1
    assert_output --partial '"status":"refused","code":2,"message":"not allowed: no policy line allows it"'
    run rpc_replies "$(jq -r .id <<< "$echo_")" 1
    assert_output --partial '"status":"refused","code":2'
    # the fact test: this node becomes a web node
    echo "role=web" > "$RPC/n1/facts"
    echo 'allow op *' >> "$RPC/n1/policy"
    kill -HUP "$(cat "$RPC/n1/pid")"
    for i in $(seq 50); do grep -q reloaded "$RPC/n1/stderr" && break; sleep 0.1; done
    echo2=$(rpc_body '.agent = "demo" | .action = "echo" | .inputs = {text: "x"}')
    printf '%s\n' "$echo2" "$unknown" | rpc_send "$RPC/op.key"
    run rpc_replies "$(jq -r .id <<< "$echo2")" 1
    assert_output --partial '"status":"ok"'
    run rpc_replies "$(jq -r .id <<< "$unknown")" 1
    assert_output --partial '"status":"refused","code":3,"message":"unknown action demo.nothing"'
}

@test "agent: SIGHUP re-reads the authorized keys (a revoked caller is refused); a bad new file keeps the old" {
    rpc_agent n1
    echo 'garbage' > "$RPC/n1/authorized_keys"
    kill -HUP "$(cat "$RPC/n1/pid")"
    for i in $(seq 50); do grep -q 'reload:' "$RPC/n1/stderr" && break; sleep 0.1; done
    run cat "$RPC/n1/stderr"
    assert_output "evrpc: reload: $RPC/n1/authorized_keys:1: expected \"ed25519 BASE64 [NAME]\"; keeping the old configuration"
    # ... and as the agent's reload self-status among its registrations, until a good reload.
    for i in $(seq 50); do grep -q '"name":"evkit.evrpc.reload"' "$RPC/evrpc.registrations.log" && break; sleep 0.1; done
    run jq -r 'select(.name == "evkit.evrpc.reload") | [.subject, .state, .ttl, (.message | startswith("reload: "))] | @tsv' "$RPC/evrpc.registrations.log"
    assert_output "$(printf 'n1.example\twarning\t300\ttrue')"
    before=$(rpc_body)
    rpc_send "$RPC/op.key" <<< "$before"
    run rpc_replies "$(jq -r .id <<< "$before")" 1
    assert_output --partial '"status":"ok"'
    : > "$RPC/n1/authorized_keys"
    : > "$RPC/n1/policy"
    kill -HUP "$(cat "$RPC/n1/pid")"
    for i in $(seq 50); do grep -q 'reloaded: 0 keys' "$RPC/n1/stderr" && break; sleep 0.1; done
    after=$(rpc_body)
    rpc_send "$RPC/op.key" <<< "$after"
    run rpc_decision n1 "$(jq -r .id <<< "$after")"
    assert_output --partial '"reason":"the caller'"'"'s key is not authorized"'
    for i in $(seq 50); do grep -q '"name":"evkit.evrpc.reload","state":"ok"' "$RPC/evrpc.registrations.log" && break; sleep 0.1; done
    run jq -r 'select(.name == "evkit.evrpc.reload") | .state' "$RPC/evrpc.registrations.log"
    assert_output $'warning\nok'
}

@test "agent: inputs that break the schema are refused, each with the rule it breaks" {
    mkdir -p "$RPC/n1/actions"
    cp "$FIXTURES"/evrpc/demo.echo.json "$FIXTURES"/evrpc/echo.sh "$RPC/n1/actions/"
    rpc_agent n1
    for inputs in '{}' '{"text":"x","other":1}' '{"text":5}' '{"text":"-rf"}' '{"text":"x","word":"a b"}' \
        '{"text":"x","count":11}' '{"text":"x","count":"3"}' '{"text":"x","mode":"medium"}' \
        '{"text":"x","flag":"-v"}'; do
        rpc_body ".agent = \"demo\" | .action = \"echo\" | .inputs = $inputs"
    done > "$RPC/bodies"
    rpc_send "$RPC/op.key" < "$RPC/bodies"
    rpc_replies T 9 > /dev/null
    messages=()
    for id in $(jq -r .id "$RPC/bodies"); do
        messages+=("$(rpc_replies "$id" | jq -r '[.status, .code, .message] | join(" ")')")
    done
    assert_equal "${messages[0]}" "refused 4 input text: required"
    assert_equal "${messages[1]}" "refused 4 input other: not declared by demo.echo"
    assert_equal "${messages[2]}" "refused 4 input text: not a string"
    assert_equal "${messages[3]}" "refused 4 input text: begins with '-' (the schema does not allow it: allow_dash)"
    assert_equal "${messages[4]}" "refused 4 input word: does not match [a-z]+"
    assert_equal "${messages[5]}" "refused 4 input count: above the maximum 10"
    assert_equal "${messages[6]}" "refused 4 input count: not an integer"
    assert_equal "${messages[7]}" "refused 4 input mode: not one of the allowed values"
    assert_equal "${messages[8]}" "ok 0 "
    run grep -c '"reason":"input .*"decision":"refused"' "$RPC/n1/decisions.log"
    assert_output 8
}

@test "agent: hostile values reach the action as data on stdin, never in its argv or a shell" {
    mkdir -p "$RPC/n1/actions"
    cp "$FIXTURES"/evrpc/demo.echo.json "$FIXTURES"/evrpc/echo.sh "$RPC/n1/actions/"
    rpc_agent n1
    marker="$BATS_TEST_TMPDIR/pwned"
    hostile="\$(touch $marker); \`touch $marker\` | touch $marker && touch $marker
second line	tab \\ \" '"
    head -c 90000 /dev/zero | tr '\0' 'A' > "$RPC/big"
    head -c 100001 /dev/zero | tr '\0' 'B' > "$RPC/toolong"
    body=$(jq -c --arg t "$hostile" '.agent = "demo" | .action = "echo" | .inputs = {text: $t}' <<< "$(rpc_body)")
    huge=$(jq -c --rawfile t "$RPC/big" '.agent = "demo" | .action = "echo" | .inputs = {text: $t}' <<< "$(rpc_body)")
    toolong=$(jq -c --rawfile t "$RPC/toolong" '.agent = "demo" | .action = "echo" | .inputs = {text: $t}' <<< "$(rpc_body)")
    printf '%s\n' "$body" "$huge" "$toolong" | rpc_send "$RPC/op.key"
    run rpc_replies "$(jq -r .id <<< "$body")" 1
    [ "$(jq -r .status <<< "$output")" = ok ]
    [ "$(jq -r .data.stdin.text <<< "$output")" = "$hostile" ]
    [ "$(jq -r .data.argc <<< "$output")" = 0 ]
    run rpc_replies "$(jq -r .id <<< "$huge")" 1
    [ "$(jq -r '.data.stdin.text | length' <<< "$output")" = 90000 ]
    run rpc_replies "$(jq -r .id <<< "$toolong")" 1
    assert_output --partial '"status":"refused","code":4,"message":"input text: longer than 100000 bytes"'
    [ ! -e "$marker" ]
}

@test "agent: on start it acts on requests still within their TTL, not on those whose TTL passed" {
    now=$(date +%s)
    fresh=$(rpc_body ".time = $now - 5 | .ttl = 60")
    stale=$(rpc_body ".time = $now - 200 | .ttl = 60")
    printf '%s\n' "$stale" "$fresh" | rpc_send "$RPC/op.key"
    rpc_agent n1
    run rpc_replies "$(jq -r .id <<< "$fresh")" 1
    assert_output --partial '"status":"ok"'
    run rpc_decision n1 "$(jq -r .id <<< "$stale")"
    assert_output --partial '"reason":"expired ('
    run rpc_replies "$(jq -r .id <<< "$stale")"
    assert_output ""
}

@test "agent: direct addressing: a request naming other targets is ignored without a trace; its own name is answered" {
    rpc_agent n1
    other=$(rpc_body '.targets = ["n2.example", "ed25519:00000000000000000000000000000000"]')
    mine=$(rpc_body '.targets = ["n2.example", "n1.example"]')
    by_id=$(rpc_body ".targets = [\"$(cat "$RPC/n1/id")\"]")
    printf '%s\n' "$other" "$mine" "$by_id" | rpc_send "$RPC/op.key"
    rpc_replies "$(jq -r .id <<< "$mine")" 1 > /dev/null
    rpc_replies "$(jq -r .id <<< "$by_id")" 1 > /dev/null
    run grep -c "$(jq -r .id <<< "$other")" "$RPC/n1/decisions.log"
    assert_output 0
    run grep -c . "$RPC/evrpc.replies.log"
    assert_output 2
}

@test "agent: the concurrency cap queues actions; an action past its timeout is stopped and fails" {
    mkdir -p "$RPC/n1/actions"
    cp "$FIXTURES"/evrpc/demo.sleep.json "$FIXTURES"/evrpc/sleep.sh "$RPC/n1/actions/"
    rpc_agent n1 "concurrency = 1"
    a=$(rpc_body '.agent = "demo" | .action = "sleep" | .inputs = {seconds: 1}')
    b=$(rpc_body '.agent = "demo" | .action = "sleep" | .inputs = {seconds: 1}')
    slow=$(rpc_body '.agent = "demo" | .action = "sleep" | .inputs = {seconds: 20}')
    printf '%s\n' "$a" "$b" "$slow" | rpc_send "$RPC/op.key"
    run rpc_replies "$(jq -r .id <<< "$b")" 1
    [ "$(jq -r .status <<< "$output")" = ok ]
    b_ms=$(jq -r .elapsed_ms <<< "$output")
    run rpc_replies "$(jq -r .id <<< "$a")" 1
    [ "$(jq -r .status <<< "$output")" = ok ]
    a_ms=$(jq -r .elapsed_ms <<< "$output")
    # one waited for the other's slot (partitions decide which came first):
    # about one second, then about two, from receipt to reply
    first=$((a_ms < b_ms ? a_ms : b_ms))
    second=$((a_ms < b_ms ? b_ms : a_ms))
    [ "$first" -ge 900 ] && [ "$first" -lt 1900 ]
    [ "$second" -ge 1900 ]
    run rpc_replies "$(jq -r .id <<< "$slow")" 1
    assert_output --partial '"status":"failed","code":124,"message":"timed out after 1.5s"'
}

@test "agent: nagios.run runs a check of the evsrc-nagios configuration by name, with \$USERn\$ from the resource file and the plugin directory" {
    printf 'disk 1m -- $USER1$/check_dummy 1 "disk almost full"\nload 1m -- check_dummy 0 fine\n' \
        > "$BATS_TEST_TMPDIR/checks.conf"
    printf '$USER1$=/usr/lib/nagios/plugins\n' > "$BATS_TEST_TMPDIR/resource.cfg"
    # as evsrc-nagios run: an undefined $USERn$ refuses the check list
    printf 'disk 1m -- $USER2$/check_dummy 0 fine\n' > "$BATS_TEST_TMPDIR/bad.conf"
    mkdir -p "$RPC/bad"
    echo 'allow op *' > "$RPC/bad/policy"
    printf '%s\n' "state_dir = state" "authorized_keys = $RPC/op.key.pub" "policy = policy" \
        "nagios_config = $BATS_TEST_TMPDIR/bad.conf" "nagios_resource = $BATS_TEST_TMPDIR/resource.cfg" \
        > "$RPC/bad/agent.conf"
    run --separate-stderr evrpc agent --config "$RPC/bad/agent.conf" --check
    assert_failure 2
    assert_equal "$stderr" "evrpc: $BATS_TEST_TMPDIR/bad.conf:1: check 'disk': \$USER2\$ is not defined (not in $BATS_TEST_TMPDIR/resource.cfg)"
    rpc_agent n1 "nagios_config = $BATS_TEST_TMPDIR/checks.conf" "nagios_resource = $BATS_TEST_TMPDIR/resource.cfg" \
        "nagios_plugin_dir = /usr/lib/nagios/plugins"
    disk=$(rpc_body '.agent = "nagios" | .action = "run" | .inputs = {check: "disk"}')
    none=$(rpc_body '.agent = "nagios" | .action = "run" | .inputs = {check: "nothing"}')
    load=$(rpc_body '.agent = "nagios" | .action = "run" | .inputs = {check: "load"}')
    printf '%s\n' "$disk" "$none" "$load" | rpc_send "$RPC/op.key"
    run rpc_replies "$(jq -r .id <<< "$load")" 1
    [ "$(jq -c '[.status, .code, .data.state, .data.output]' <<< "$output")" = '["ok",0,"ok","OK: fine"]' ]
    run rpc_replies "$(jq -r .id <<< "$disk")" 1
    [ "$(jq -c '[.status, .code, .data.state, .data.output]' <<< "$output")" = '["ok",1,"warning","WARNING: disk almost full"]' ]
    run rpc_replies "$(jq -r .id <<< "$none")" 1
    assert_output --partial '"status":"failed","code":3,"message":"no check named nothing"'
}

# --- client --------------------------------------------------------------------

# Three agents with different facts and classes, each with a pkg.status
# action whose answer differs per node (version, size, age), and the client's
# key and pins (EVRPC_KEY, XDG_STATE_HOME) in the test's directory.
client_fleet() {
    local n
    for n in web1 web2 db1; do
        mkdir -p "$RPC/$n/actions"
        cp "$FIXTURES/evrpc/pkg.status.json" "$RPC/$n/actions/"
    done
    printf 'role=web\nslots=8\ndc=ams\n' > "$RPC/web1/facts"
    printf 'role=web\nslots=2\ndc=fra\n' > "$RPC/web2/facts"
    printf 'role=db\nslots=16\ndc=ams\n' > "$RPC/db1/facts"
    printf 'role::web\nbase\n' > "$RPC/web1/classes"
    printf 'role::web\n' > "$RPC/web2/classes"
    printf 'role::db\nbase\n' > "$RPC/db1/classes"
    client_pkg web1 '{"version":"1.2.3","size":10,"age":1}'
    client_pkg web2 '{"version":"1.2.3","size":20,"age":2}'
    client_pkg db1 '{"version":"1.0.0","size":30,"age":6}'
    for n in web1 web2 db1; do
        rpc_agent "$n" "$@"
    done
    export EVRPC_KEY="$RPC/op.key" XDG_STATE_HOME="$RPC/client-state"
}

# client_pkg NAME JSON: agent NAME's pkg.status answers JSON.
client_pkg() {
    printf '#!/bin/sh\ncat > /dev/null\necho %s\n' "'$2'" > "$RPC/$1/actions/pkg.sh"
    chmod +x "$RPC/$1/actions/pkg.sh"
}

# The subjects of the events on stdin, sorted, one line.
subjects() {
    jq -r .subject | sort | paste -sd' '
}

@test "client: every filter selects its nodes (-F with each operator, -C, -I exact and /regex/, -A, -S), combined with AND" {
    client_fleet
    mkdir -p "$RPC/web2/extra"
    run --separate-stderr evrpc ping < /dev/null
    assert_success
    [ "$(subjects <<< "$output")" = "db1.example web1.example web2.example" ]
    [ "$(jq -r .state <<< "$output" | sort -u)" = ok ]
    check() {
        local want=$1
        shift
        run --separate-stderr evrpc ping "$@" < /dev/null
        [ "$(subjects <<< "$output")" = "$want" ] || { echo "evrpc ping $*: got '$(subjects <<< "$output")'"; return 1; }
    }
    check "web1.example web2.example" -F role=web
    check "db1.example" -F role!=web
    check "db1.example web1.example" -F 'slots>4'
    check "db1.example web1.example" -F 'slots>=8'
    check "web2.example" -F 'slots<8'
    check "web1.example web2.example" -F 'slots<=8'
    check "db1.example web2.example" -F 'dc=~^(fra|ams)$' -F 'slots!=8'
    check "web1.example" -F role=web -F dc=ams
    check "db1.example web1.example" -C base
    check "db1.example" -C base -C /::db$/
    check "web2.example" -I web2.example
    check "db1.example web2.example" -I web2.example -I db1.example
    check "web1.example web2.example" -I '/^web/'
    check "db1.example" -I "$(cat "$RPC/db1/id")"
    check "db1.example web1.example web2.example" -A pkg
    check "web1.example" -S 'role == "web" and number(slots) > 4'
    check "web2.example" -S 'dc == "fra" or number(slots) > 100'
    # a filter nothing matches: nothing called, exit 1
    run --separate-stderr evrpc ping -F role=mail < /dev/null
    assert_failure 1
    assert_output ""
    assert_equal "$stderr" "evrpc: no nodes match"
    # bad filters are usage errors
    run --separate-stderr evrpc ping -F role < /dev/null
    assert_failure 2
    assert_equal "$stderr" "evrpc: bad fact filter 'role': expected FACT=VALUE (or != < > <= >= =~)"
    run --separate-stderr evrpc ping -S 'role ==' < /dev/null
    assert_failure 2
    run --separate-stderr evrpc ping -C '/(/' < /dev/null
    assert_failure 2
}

@test "client: discovery from --nodes (a silent node reported unknown), stdin identities or NDJSON, empty stdin, broadcast, an evstatus state" {
    client_fleet
    printf 'web1.example\n# not a node\nghost.example\n' > "$RPC/hosts"
    run --separate-stderr evrpc ping --nodes "$RPC/hosts" --timeout 2s < /dev/null
    assert_failure 1
    [ "$(subjects <<< "$output")" = "ghost.example web1.example" ]
    [ "$(jq -r 'select(.subject == "ghost.example") | [.state, .message, .rpc.status] | join(",")' <<< "$output")" = \
        "unknown,no reply within 2s,no reply" ]
    [ "$(jq -r 'select(.subject == "web1.example") | [.state, .rpc.agent_id] | join(",")' <<< "$output")" = \
        "ok,$(cat "$RPC/web1/id")" ]
    # stdin with data: identities one per line (a host or an agent id), or NDJSON events naming the node
    run --separate-stderr evrpc ping <<< "web2.example"
    assert_success
    [ "$(subjects <<< "$output")" = "web2.example" ]
    run --separate-stderr evrpc ping < <(cat "$RPC/db1/id")
    [ "$(subjects <<< "$output")" = "db1.example" ]
    run --separate-stderr evrpc ping < <(printf '{"subject":"db1.example","name":"x"}\n{"subject":"web1.example"}\n')
    [ "$(subjects <<< "$output")" = "db1.example web1.example" ]
    # an empty stdin (cron, systemd) falls back to the registrations
    run --separate-stderr evrpc ping < <(true)
    [ "$(subjects <<< "$output")" = "db1.example web1.example web2.example" ]
    # --nodes - forces stdin
    run --separate-stderr evrpc ping --nodes - <<< "web1.example"
    [ "$(subjects <<< "$output")" = "web1.example" ]
    run --separate-stderr evrpc ping --nodes - < <(printf '{"name":"no subject"}\n')
    assert_failure 2
    assert_equal "$stderr" "evrpc: discovery: stdin:1: an event without a string subject"
    # broadcast: who answers a ping with the filter within the discovery timeout
    run --separate-stderr evrpc ping --discover broadcast --discovery-timeout 1s -F role=web < /dev/null
    assert_success
    [ "$(subjects <<< "$output")" = "web1.example web2.example" ]
    # no live registration on the topic: auto discovery broadcasts
    kafka_cmd "$RPC/cluster" topic empty.registrations 1
    run --separate-stderr evrpc ping --registration-topic empty.registrations --discovery-timeout 1s -C role::db < /dev/null
    assert_success
    [ "$(subjects <<< "$output")" = "db1.example" ]
    assert_equal "$stderr" "evrpc: discovery: no live registration on empty.registrations; discovering by broadcast"
    # an evstatus state of the registrations (here without web2's)
    grep -v web2 "$RPC/evrpc.registrations.log" | evstatus --state "$RPC/status.state" > /dev/null
    run --separate-stderr evrpc ping --discover "state:$RPC/status.state" < /dev/null
    assert_success
    [ "$(subjects <<< "$output")" = "db1.example web1.example" ]
    run --separate-stderr evrpc ping --discover "state:$RPC/status.state" -I /^web/ < /dev/null
    [ "$(subjects <<< "$output")" = "web1.example" ]
}

@test "client: --batch N calls N nodes at a time in order with --batch-sleep between; --limit N and P%" {
    client_fleet
    run --separate-stderr evrpc call pkg.status name=foo --batch 1 --batch-sleep 1s < /dev/null
    assert_success
    [ "$(jq -r .subject <<< "$output" | paste -sd' ')" = "db1.example web1.example web2.example" ]
    [ "$(jq -r .rpc.request <<< "$output" | sort -u | wc -l)" -eq 3 ]
    # the agents' reply times are a batch sleep apart
    run jq -s '[.[].time] | [.[1] - .[0], .[2] - .[1]] | map(. >= 1 and . < 3) | all' <<< "$output"
    assert_output true
    run --separate-stderr evrpc call pkg.status name=foo --batch 2 < /dev/null
    # within a batch replies come as they arrive
    [ "$(head -2 <<< "$output" | subjects)" = "db1.example web1.example" ]
    [ "$(tail -1 <<< "$output" | subjects)" = "web2.example" ]
    [ "$(jq -r .rpc.request <<< "$output" | uniq -c | awk '{print $1}' | paste -sd' ')" = "2 1" ]
    run --separate-stderr evrpc ping --limit 2 < /dev/null
    [ "$(subjects <<< "$output")" = "db1.example web1.example" ]
    run --separate-stderr evrpc ping --limit 50% < /dev/null
    [ "$(subjects <<< "$output")" = "db1.example web1.example" ]
    run --separate-stderr evrpc ping --limit 1% -F role=web < /dev/null
    [ "$(subjects <<< "$output")" = "web1.example" ]
    for bad in 0 -1 1.5 150% x; do
        run --separate-stderr evrpc ping --limit "$bad" < /dev/null
        assert_failure 2
    done
}

@test "client: chaining through a pipe: replies as events, filtered, address the next call" {
    client_fleet
    run --separate-stderr bash -c "evrpc call pkg.status name=foo --json < /dev/null |
        evfilter 'data.version == \"1.2.3\"' | evrpc call pkg.status name=bar"
    assert_success
    [ "$(subjects <<< "$output")" = "web1.example web2.example" ]
    [ "$(jq -r .name <<< "$output" | sort -u)" = pkg.status ]
    [ "$(jq -c '.data' <<< "$output" | sort -u)" = '{"age":1,"size":10,"version":"1.2.3"}
{"age":2,"size":20,"version":"1.2.3"}' ]
}

@test "client: TTL: an agent that starts after the request but within its TTL acts on it; after the TTL it does not" {
    mkdir -p "$RPC/late"
    export EVRPC_KEY="$RPC/op.key" XDG_STATE_HOME="$RPC/client-state"
    evrpc ping --nodes - --ttl 20s --timeout 8s <<< late.example > "$RPC/within" 2>&1 &
    within=$!
    evrpc ping --nodes - --ttl 1s --timeout 4s <<< late.example > "$RPC/after" 2>&1 &
    after=$!
    # the agent starts once both requests are out and the 1s TTL has passed
    # by their signed time (skew 0), however slowly the clients started
    for i in $(seq 200); do [ "$(kafka_count evrpc.requests)" -ge 2 ] && break; sleep 0.05; done
    sent=$(kcat -C -b "$BROKERS" -t evrpc.requests -e -q | evrpc verify | cut -d' ' -f2- | jq -s 'map(.time) | max')
    while [ "$(jq -n --argjson s "$sent" --argjson now "$(date +%s.%N)" '$now < $s + 1.2')" = true ]; do sleep 0.05; done
    rpc_agent late "skew = 0"
    wait "$within"
    wait "$after" || true
    [ "$(jq -r '[.subject, .state] | join(" ")' "$RPC/within")" = "late.example ok" ]
    [ "$(jq -r '[.subject, .state, .message] | join(" ")' "$RPC/after")" = "late.example unknown no reply within 4s" ]
}

@test "client: on a terminal: progress, failed replies by default (--display), aggregations, --graph, Finished processing, the silent" {
    client_fleet
    client_pkg web2 '{"version":"1.2.4","size":20,"age":2}'
    printf '#!/bin/sh\ncat > /dev/null\necho "{\\"version\\":\\"0.9\\",\\"error\\":\\"disk\\\\u001b[31m red\\"}"\nexit 3\n' > "$RPC/db1/actions/pkg.sh"
    printf 'db1.example\nweb1.example\nweb2.example\nghost.example\n' > "$RPC/hosts"
    run script -qec "evrpc call pkg.status name=foo --nodes $RPC/hosts --timeout 3s --actions $RPC/web1/actions --graph" /dev/null
    assert_failure 1
    output=$(tr -d '\r' <<< "$output")
    assert_output --partial ' * [ '
    assert_output --partial "db1.example: failed (code 3)"
    assert_output --partial '    error: disk\x1b[31m red'
    refute_output --partial 'web1.example: ok'
    assert_output --partial "Summary of version:
   1.2.3 = 1
   1.2.4 = 1"
    assert_output --partial "size: sum 30 (2 replies)"
    assert_output --partial "age: average 1.5 (min 1, max 2, 2 replies)"
    assert_output --partial "Response times (ms):"
    assert_output --regexp "Finished processing 3 / 4 hosts in [0-9]+ ms
No response from:
   ghost.example"
    run script -qec "evrpc call pkg.status name=foo -F role=web --display ok" /dev/null
    assert_success
    output=$(tr -d '\r' <<< "$output")
    assert_output --partial "web1.example: ok
    age: 1
    size: 10
    version: 1.2.3"
    assert_output --regexp "Finished processing 2 / 2 hosts in [0-9]+ ms"
    # inputs are typed and checked by the action's schema before anything is sent
    run --separate-stderr evrpc call pkg.status 'name=Bad Name' --actions "$RPC/web1/actions" < /dev/null
    assert_failure 2
    assert_equal "$stderr" "evrpc: input name: does not match [a-z0-9-]+"
}

@test "client: evrpc nagios: one aggregate line, non-responders UNKNOWN, the non-OK listed by state, Nagios exit codes" {
    printf 'disk 1m -- $USER1$/check_dummy 0 fine\n' > "$RPC/ok.conf"
    printf 'disk 1m -- $USER1$/check_dummy 1 "almost full"\n' > "$RPC/warn.conf"
    printf 'disk 1m -- $USER1$/check_dummy 2 "full|x"\n' > "$RPC/crit.conf"
    printf '$USER1$=/usr/lib/nagios/plugins\n' > "$RPC/resource.cfg"
    mkdir -p "$RPC/web1" "$RPC/web2" "$RPC/db1"
    for n in web1:ok web2:warn db1:crit; do
        rpc_agent "${n%%:*}" "nagios_config = $RPC/${n##*:}.conf" "nagios_resource = $RPC/resource.cfg"
    done
    rpc_agent plain
    export EVRPC_KEY="$RPC/op.key" XDG_STATE_HOME="$RPC/client-state"
    # discovered by registration: only nodes that offer nagios.run
    run --separate-stderr evrpc nagios disk < /dev/null
    assert_failure 2
    assert_line --index 0 --regexp '^disk: OK: 1 WARNING: 1 CRITICAL: 1 UNKNOWN: 0\|total=3 ok=1 warn=1 crit=1 unknown=0 checktime=[0-9.]+s$'
    assert_line --index 1 "CRITICAL: db1.example"
    assert_line --index 2 "WARNING: web2.example"
    [ "${#lines[@]}" -eq 3 ]
    # --nodes reads evstatus check --expect's host lists; the silent count as UNKNOWN
    printf '{"subject":"web1.example","name":"disk"}\n{"subject":"ghost.example"}\n' > "$RPC/expect"
    run --separate-stderr evrpc nagios disk --nodes "$RPC/expect" --timeout 2s < /dev/null
    assert_failure 3
    assert_line --index 0 --regexp '^disk: OK: 1 WARNING: 0 CRITICAL: 0 UNKNOWN: 1\|total=2 ok=1 warn=0 crit=0 unknown=1 '
    assert_line --index 1 "UNKNOWN: ghost.example"
    run --separate-stderr evrpc nagios disk -I web1.example < /dev/null
    assert_success
    # thresholds decide alone, the verdict leads; caps on the listed nodes
    run --separate-stderr evrpc nagios disk --warn-count 1 --crit-count 90% --max-list 1 < /dev/null
    assert_failure 1
    assert_line --index 0 --regexp '^disk: WARNING: OK: 1 WARNING: 1 CRITICAL: 1 UNKNOWN: 0\|'
    # nothing matched is UNKNOWN, never an all-zero OK
    run --separate-stderr evrpc nagios disk -F role=none < /dev/null
    assert_failure 3
    assert_output "disk: UNKNOWN: no nodes match"
}

@test "client: agent keys are pinned on first reply; a host answering with another key is refused" {
    mkdir -p "$RPC/web1"
    rpc_agent web1
    export EVRPC_KEY="$RPC/op.key" XDG_STATE_HOME="$RPC/client-state"
    run --separate-stderr evrpc ping --nodes - <<< web1.example
    assert_success
    run cat "$RPC/client-state/evrpc/known_agents"
    assert_line "web1.example $(cat "$RPC/web1/id")"
    # the same host name with a new key (a new state directory; the later line wins)
    pinned=$(cat "$RPC/web1/id")
    rpc_stop_agent web1
    rpc_agent web1 "state_dir = state2"
    [ "$(cat "$RPC/web1/id")" != "$pinned" ]
    run --separate-stderr evrpc ping --nodes - --timeout 2s <<< web1.example
    assert_failure 1
    [ "$(jq -r '[.state, .message] | join(" ")' <<< "$output")" = \
        "unknown reply refused: web1.example is pinned to $pinned, the reply was signed by $(cat "$RPC/web1/id")" ]
    # --strict-pins: an unknown host is refused too
    run --separate-stderr evrpc ping --nodes - --timeout 2s --known-agents "$RPC/empty-pins" --strict-pins <<< web1.example
    assert_failure 1
    [ "$(jq -r .message <<< "$output")" = "reply refused: web1.example is not a known agent" ]
}

@test "client: Ctrl-C stops further batches and reports what was done" {
    mkdir -p "$RPC/a1" "$RPC/a2" "$RPC/a3"
    for n in a1 a2 a3; do rpc_agent "$n"; done
    export EVRPC_KEY="$RPC/op.key" XDG_STATE_HOME="$RPC/client-state"
    # Background jobs of a script ignore SIGINT: restore it for evrpc, as a terminal has it.
    python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
        evrpc ping --batch 1 --batch-sleep 3s < /dev/null > "$RPC/out" 2> "$RPC/err" &
    pid=$!
    for i in $(seq 100); do [ -s "$RPC/out" ] && break; sleep 0.05; done
    kill -INT "$pid"
    wait "$pid" || status=$?
    [ "${status:-0}" -eq 1 ]
    [ "$(subjects < "$RPC/out")" = "a1.example" ]
    run cat "$RPC/err"
    assert_output "evrpc: interrupted: 2 of 3 nodes were not called"
}
