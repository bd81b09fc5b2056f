#!/usr/bin/env bats
# make install into a DESTDIR, and every shipped systemd unit checked by
# systemd-analyze verify against that tree (--root): the binaries the units
# start, the man pages they cite and the unit syntax.

load helpers

setup_file() {
    export ROOT="$BATS_FILE_TMPDIR/root"
    make -s -C "$EVKIT_ROOT" BUILD="${BUILD:-build}" install DESTDIR="$ROOT" PREFIX=/usr/local > "$BATS_FILE_TMPDIR/install.log" 2>&1
}

# A root systemd-analyze can resolve everything in: the system's own units
# (copied: symlinks out of the root are not followed), the shell and kill the
# units run, and the installed tree.
make_root() {
    mkdir -p "$ROOT/usr/bin" "$ROOT/usr/lib/systemd" "$ROOT/etc/systemd/system"
    [ -e "$ROOT/bin" ] || ln -s usr/bin "$ROOT/bin"
    cp -a /usr/lib/systemd/system "$ROOT/usr/lib/systemd/"
    cp "$(type -P sh)" "$(type -P kill)" "$ROOT/usr/bin/"
}

@test "install: binaries, man pages, completions and the examples land under PREFIX" {
    local t
    for t in evfilter evstatus evroute evbatch evgraphite evsrc-nagios evsrc-snmptrap evrpc; do
        [ -x "$ROOT/usr/local/bin/$t" ]
        [ -f "$ROOT/usr/local/share/man/man1/$t.1" ]
        [ -f "$ROOT/usr/local/share/bash-completion/completions/$t" ]
    done
    [ -x "$ROOT/usr/local/share/evkit/examples/demo.sh" ]
    [ -f "$ROOT/usr/local/share/evkit/examples/evrpc/evrpc-agent.service" ]
    # Installing twice does not nest the examples.
    make -s -C "$EVKIT_ROOT" BUILD="${BUILD:-build}" install DESTDIR="$ROOT" PREFIX=/usr/local > /dev/null 2>&1
    [ ! -e "$ROOT/usr/local/share/evkit/examples/examples" ]
}

@test "install: the units name the installed paths for another PREFIX" {
    local other="$BATS_TEST_TMPDIR/other"
    make -s -C "$EVKIT_ROOT" BUILD="${BUILD:-build}" install DESTDIR="$other" PREFIX=/opt/evkit > /dev/null 2>&1
    run grep -rh '^ExecStart=' "$other/opt/evkit/share/evkit/examples" --include='*.service'
    assert_success
    assert_output --partial '/opt/evkit/bin/'
    refute_output --partial '/usr/local/'
}

@test "install: systemd-analyze verify --root passes every shipped unit" {
    make_root
    local unit name units=()
    while IFS= read -r unit; do
        name=$(basename "$unit")
        cp "$unit" "$ROOT/etc/systemd/system/$name"
        # A template is verified through one instance.
        [[ "$name" == *@.service ]] && name=${name/@.service/@example.service}
        units+=("$name")
    done < <(find "$ROOT/usr/local/share/evkit/examples" -name '*.service' -o -name '*.socket' | sort)
    [ "${#units[@]}" -ge 9 ]
    MANPATH="$ROOT/usr/local/share/man:/usr/share/man" run systemd-analyze verify --root="$ROOT" "${units[@]}"
    assert_success
    assert_output ''
}

@test "install: verify fails a unit whose binary is not installed (the check can fail)" {
    make_root
    sed 's#/usr/local/bin/evrpc #/usr/local/bin/evrpc-missing #' \
        "$ROOT/usr/local/share/evkit/examples/evrpc/evrpc-agent.service" > "$ROOT/etc/systemd/system/broken.service"
    MANPATH="$ROOT/usr/local/share/man:/usr/share/man" run systemd-analyze verify --root="$ROOT" broken.service
    assert_failure
    assert_output --partial '/usr/local/bin/evrpc-missing is not executable'
}
