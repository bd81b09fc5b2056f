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
    # b waited for a's slot: about two seconds from receipt to reply
    [ "$(jq -r .elapsed_ms <<< "$output")" -ge 1900 ]
    run rpc_replies "$(jq -r .id <<< "$slow")" 1
    assert_output --partial '"status":"failed","code":124,"message":"timed out after 1.5s"'
}

@test "agent: nagios.run runs a check of the evsrc-nagios configuration by name, with \$USER1\$" {
    printf 'disk 1m -- $USER1$/check_dummy 1 "disk almost full"\nload 1m -- /usr/lib/nagios/plugins/check_dummy 0 fine\n' \
        > "$BATS_TEST_TMPDIR/checks.conf"
    rpc_agent n1 "nagios_config = $BATS_TEST_TMPDIR/checks.conf" "nagios_user1 = /usr/lib/nagios/plugins"
    disk=$(rpc_body '.agent = "nagios" | .action = "run" | .inputs = {check: "disk"}')
    none=$(rpc_body '.agent = "nagios" | .action = "run" | .inputs = {check: "nothing"}')
    printf '%s\n' "$disk" "$none" | rpc_send "$RPC/op.key"
    run rpc_replies "$(jq -r .id <<< "$disk")" 1
    [ "$(jq -c '[.status, .code, .data.state, .data.output]' <<< "$output")" = '["ok",1,"warning","WARNING: disk almost full"]' ]
    run rpc_replies "$(jq -r .id <<< "$none")" 1
    assert_output --partial '"status":"failed","code":3,"message":"no check named nothing"'
}
