#!/bin/bash
# t-process: the attributes of the container process (process.* and the
# linux fields that shape it), each seen from inside by the probe: the
# capability sets, user and groups, umask, rlimits, oom_score_adj,
# scheduler, I/O priority, personality, no_new_privs, env, cwd, the PATH
# lookup of args[0] and its error messages, `run` exit statuses and signal
# forwarding, and what the runtime must not hand the container: its fds
# (CVE-2024-21626) and a writable handle on its own binary (CVE-2019-5736).
# shellcheck source=tests/integration/lib.sh disable=SC2154,SC2317,SC2016 # run sets status/output/errout; tests are called by name; jq programs and container commands are single-quoted
. "$(dirname "$0")/lib.sh"

# field KEY: the value of `KEY=value` in $output (probe's format).
field () {
  sed -n "s/^$1=//p" <<<"$output" | head -n1
}

# host_status KEY: a field of this shell's /proc/self/status; the runtime
# started from it has the same capabilities and limits.
host_status () {
  awk -v k="$1:" '$1 == k { print $2 }' "/proc/$BASHPID/status"
}

# host_has_cap N: is capability number N in this shell's effective set?
host_has_cap () {
  local eff
  eff=$(host_status CapEff)
  (((16#$eff >> $1) & 1))
}

# run_probe ID-TAG: `run` of $BUNDLE under a fresh id; stops the test when
# the container fails.
run_probe () {
  run rt run -b "$BUNDLE" "$(unique_id "${1:-}")"
  [ "$status" = 0 ] || fail "run failed with status $status: $errout"
}

# set_caps JSON-ARRAY: the same list for bounding, effective and permitted;
# inheritable and ambient empty.
set_caps () {
  cfg --argjson c "$1" '.process.capabilities = { bounding: $c, effective: $c,
    permitted: $c, inheritable: [], ambient: [] }'
}

DOCKER_CAPS='["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
  "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP",
  "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
  "CAP_AUDIT_WRITE"]'

# ---------------------------------------------------------------------------
# Capabilities

test_caps_docker_default () {
  new_bundle /probe caps
  set_caps "$DOCKER_CAPS"
  run_probe
  assert_eq "$(field CapBnd)" 00000000a80425fb CapBnd
  assert_eq "$(field CapEff)" 00000000a80425fb CapEff
  assert_eq "$(field CapPrm)" 00000000a80425fb CapPrm
  assert_eq "$(field CapInh)" 0000000000000000 CapInh
  assert_eq "$(field CapAmb)" 0000000000000000 CapAmb
}

# No `capabilities` object.  runc (1.1, as packaged on this host) and crun
# both give the process five empty sets, root or not: a config that says
# nothing grants nothing, rather than every capability of the runtime.
test_caps_absent_root () {
  local set
  new_bundle /probe caps + ids
  cfg 'del(.process.capabilities)'
  run_probe
  assert_eq "$(field uid)" 0 uid
  for set in CapBnd CapEff CapPrm CapInh CapAmb; do
    assert_eq "$(field "$set")" 0000000000000000 "$set"
  done
}

test_caps_absent_nonroot () {
  local set
  new_bundle /probe caps + ids
  cfg 'del(.process.capabilities) | .process.user = { uid: 1000, gid: 1000 }'
  run_probe
  assert_eq "$(field uid)" 1000 uid
  for set in CapBnd CapEff CapPrm CapInh CapAmb; do
    assert_eq "$(field "$set")" 0000000000000000 "$set"
  done
}

test_caps_empty_object () {
  new_bundle /probe caps
  cfg '.process.capabilities = {}'
  run_probe
  local set
  for set in CapBnd CapEff CapPrm CapInh CapAmb; do
    assert_eq "$(field "$set")" 0000000000000000 "$set"
  done
}

# The spec: a runtime SHOULD NOT fail on a capability it cannot grant, and
# MUST log it.  The known ones are still granted.
test_caps_unknown_name () {
  new_bundle /probe caps
  set_caps '["CAP_KILL", "CAP_BOGUS"]'
  run_probe bogus
  assert_contains "$errout" CAP_BOGUS "the warning names the capability"
  assert_eq "$(field CapEff)" 0000000000000020 "CapEff (CAP_KILL only)"
  assert_eq "$(field CapBnd)" 0000000000000020 "CapBnd (CAP_KILL only)"
}

test_caps_ambient_nonroot () {
  new_bundle /probe caps + ids
  cfg '.process.user = { uid: 1000, gid: 1000 }
    | .process.capabilities = { bounding: ["CAP_NET_BIND_SERVICE"],
        effective: ["CAP_NET_BIND_SERVICE"], permitted: ["CAP_NET_BIND_SERVICE"],
        inheritable: ["CAP_NET_BIND_SERVICE"], ambient: ["CAP_NET_BIND_SERVICE"] }'
  run_probe
  assert_eq "$(field uid)" 1000 uid
  assert_eq "$(field CapAmb)" 0000000000000400 CapAmb
  assert_eq "$(field CapEff)" 0000000000000400 CapEff
  assert_eq "$(field CapPrm)" 0000000000000400 CapPrm
}

# ---------------------------------------------------------------------------
# User, groups, umask

test_user_ids_groups () {
  new_bundle /probe ids + status
  cfg '.process.user = { uid: 1000, gid: 1001, additionalGids: [10, 20, 30] }'
  run_probe
  assert_eq "$(field uid)" 1000 uid
  assert_eq "$(field euid)" 1000 euid
  assert_eq "$(field gid)" 1001 gid
  assert_eq "$(field egid)" 1001 egid
  assert_eq "$(field groups)" 10,20,30 groups
  assert_match "$output" $'(^|\n)Groups:[ \t]*10 20 30[ \t]*($|\n)' "Groups line"
  assert_match "$output" $'(^|\n)Uid:[ \t]*1000[ \t]+1000[ \t]+1000[ \t]+1000' "Uid line"
}

# Without additionalGids the runtime's own groups must not leak in.
test_user_no_additional_gids () {
  new_bundle /probe ids
  cfg '.process.user = { uid: 1000, gid: 1000 }'
  run_probe
  assert_eq "$(field groups)" "" groups
}

test_umask_set () {
  new_bundle /probe umask
  cfg '.process.user.umask = 63'
  run_probe
  assert_eq "$output" 0077 umask
}

# The default is 0022 whatever the runtime's own umask is.
test_umask_default () {
  new_bundle /probe umask
  umask 0077
  run_probe
  assert_eq "$output" 0022 umask
}

# ---------------------------------------------------------------------------
# rlimits, oom_score_adj, scheduler, I/O priority, personality, nnp

test_rlimits () {
  new_bundle /probe rlimit NOFILE + rlimit CORE
  cfg '.process.rlimits = [ { type: "RLIMIT_NOFILE", soft: 1234, hard: 2345 },
                            { type: "RLIMIT_CORE", soft: 1000, hard: 2000 } ]'
  run_probe
  assert_eq "$output" $'1234 2345\n1000 2000' "NOFILE and CORE limits"
}

# Raising a hard limit above the runtime's own needs CAP_SYS_RESOURCE.  Where
# the host has it the limit is set; where it lacks it (this CI host drops it
# from the bounding set) create must say why.
test_rlimit_raise_hard () {
  local cur want id
  cur=$(ulimit -Hn)
  want=$((cur + 1000))
  new_bundle /probe rlimit NOFILE
  cfg --argjson h "$want" '.process.rlimits = [ { type: "RLIMIT_NOFILE", soft: 1024, hard: $h } ]'
  if host_has_cap 24; then
    run_probe
    assert_eq "$output" "1024 $want" "NOFILE raised above the runtime's $cur"
    return 0
  fi
  id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" RLIMIT_NOFILE "error names the rlimit"
  assert_error_mentions "$errout" CAP_SYS_RESOURCE "error says what is missing"
}

test_oom_score_adj () {
  new_bundle /probe oomscore
  cfg '.process.oomScoreAdj = 500'
  run_probe
  assert_eq "$output" 500 oom_score_adj
}

# Lowering below the runtime's value needs CAP_SYS_RESOURCE, as above.
test_oom_score_adj_lower () {
  local cur want id
  cur=$(cat "/proc/$BASHPID/oom_score_adj")
  want=$((cur - 100))
  [ "$want" -ge -1000 ] || skip "the runtime's oom_score_adj is already $cur"
  new_bundle /probe oomscore
  cfg --argjson v "$want" '.process.oomScoreAdj = $v'
  if host_has_cap 24; then
    run_probe
    assert_eq "$output" "$want" oom_score_adj
    return 0
  fi
  id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" oomScoreAdj "error names the field"
  assert_error_mentions "$errout" CAP_SYS_RESOURCE "error says what is missing"
}

test_scheduler () {
  new_bundle /probe sched
  cfg '.process.scheduler = { policy: "SCHED_BATCH", nice: 5 }'
  run_probe
  assert_eq "$(field policy)" SCHED_BATCH policy
  assert_eq "$(field nice)" 5 nice
}

test_io_priority () {
  new_bundle /probe ioprio
  cfg '.process.ioPriority = { class: "IOPRIO_CLASS_BE", priority: 6 }'
  run_probe
  assert_eq "$(field class)" IOPRIO_CLASS_BE class
  assert_eq "$(field priority)" 6 priority
}

test_personality_linux32 () {
  [ "$(uname -m)" = x86_64 ] || skip "LINUX32 shows as i686 only on x86_64"
  new_bundle /bin/sh -c 'uname -m; /probe personality'
  cfg '.linux.personality = { domain: "LINUX32" }'
  run_probe
  assert_eq "$(head -n1 <<<"$output")" i686 "uname -m"
  assert_eq "$(field domain)" LINUX32 domain
}

test_no_new_privileges () {
  new_bundle /probe nnp
  cfg '.process.noNewPrivileges = true'
  run_probe on
  assert_eq "$output" 1 "NoNewPrivs with noNewPrivileges true"
  cfg '.process.noNewPrivileges = false'
  run_probe off
  assert_eq "$output" 0 "NoNewPrivs with noNewPrivileges false"
}

# ---------------------------------------------------------------------------
# env, cwd

test_env () {
  new_bundle /probe env
  cfg '.process.env = [ "PATH=/bin", "FOO=bar baz", "EMPTY=", "EQ=a=b" ]'
  export COVE_TEST_LEAK=from-the-runtime
  run_probe
  assert_match "$output" $'(^|\n)PATH=/bin($|\n)' PATH
  assert_match "$output" $'(^|\n)FOO=bar baz($|\n)' FOO
  assert_match "$output" $'(^|\n)EMPTY=($|\n)' EMPTY
  assert_match "$output" $'(^|\n)EQ=a=b($|\n)' EQ
  assert_not_contains "$output" COVE_TEST_LEAK "the runtime's environment"
}

test_cwd () {
  new_bundle /probe cwd
  mkdir -p "$BUNDLE/rootfs/srv/work dir"
  cfg '.process.cwd = "/srv/work dir"'
  run_probe
  assert_eq "$output" "/srv/work dir" cwd
}

test_cwd_relative () {
  local id
  new_bundle /probe cwd
  cfg '.process.cwd = "srv"'
  id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" cwd "error names the field"
}

# runc creates a missing cwd; cove refuses it with an error naming it.
test_cwd_missing () {
  local id
  new_bundle /probe cwd
  cfg '.process.cwd = "/no/such/dir"'
  id=$(unique_id)
  if [ "$(runtime_name)" = runc ]; then
    run_probe
    assert_eq "$output" /no/such/dir "cwd (runc creates it)"
    return 0
  fi
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" /no/such/dir "error names the path"
  assert_error_mentions "$errout" cwd "error names the field"
}

# ---------------------------------------------------------------------------
# args[0]: PATH lookup inside the container, and the messages Podman maps to
# exit statuses 127 and 126 (it matches these phrases).

test_args_path_lookup () {
  new_bundle xprobe pid
  ! command -v xprobe >/dev/null || skip "the host has an xprobe"
  [ ! -e /opt/cove-bin ] || skip "the host has /opt/cove-bin"
  mkdir -p "$BUNDLE/rootfs/opt/cove-bin"
  cp "$BUNDLE/rootfs/probe" "$BUNDLE/rootfs/opt/cove-bin/xprobe"
  cfg '.process.env = [ "PATH=/usr/bin:/opt/cove-bin:/bin" ]'
  run_probe
  assert_eq "$(field pid)" 1 "pid of xprobe found through the config's PATH"
}

test_args_not_in_path () {
  local id
  new_bundle no-such-command-xyz
  id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_contains "$errout" 'executable file not found in $PATH'
  assert_contains "$errout" no-such-command-xyz
}

test_args_not_executable () {
  local id
  new_bundle /bin/notexec
  cp "$BUNDLE/rootfs/probe" "$BUNDLE/rootfs/bin/notexec"
  chmod 0644 "$BUNDLE/rootfs/bin/notexec"
  id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_contains "$errout" 'permission denied'
  # The same file found through PATH.
  cfg '.process.args = ["notexec"] | .process.env = ["PATH=/bin"]'
  id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_contains "$errout" 'permission denied'
}

test_args_missing_absolute () {
  local id
  new_bundle /no/such/binary
  id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_contains "$errout" 'no such file or directory'
  assert_contains "$errout" /no/such/binary
}

# ---------------------------------------------------------------------------
# `run`: exit status and signals

test_run_exit_status () {
  new_bundle /probe exit 3
  run rt run -b "$BUNDLE" "$(unique_id)"
  assert_eq "$status" 3 "status of run"
  cfg '.process.args = ["/probe", "kill-self", "SEGV"]'
  run rt run -b "$BUNDLE" "$(unique_id)"
  assert_eq "$status" 139 "status of run after SIGSEGV"
}

test_run_killed () {
  local id rpid pid rc=0
  new_bundle /probe sleep
  id=$(unique_id)
  rt run -b "$BUNDLE" "$id" </dev/null >"$T/$id.out" 2>"$T/$id.err" &
  rpid=$!
  wait_status "$id" running
  pid=$(state_field "$id" .pid)
  kill -KILL "$pid"
  wait "$rpid" || rc=$?
  assert_eq "$rc" 137 "status of run"
}

# A foreground `run` passes signals on to the container's process.
test_run_forwards_signal () {
  local id rpid rc=0
  new_bundle /probe wait-signal 30
  id=$(unique_id)
  # Not through rt: `timeout` would catch the signal itself.
  "$RUNTIME" --root "$STATE" run -b "$BUNDLE" "$id" </dev/null >"$T/$id.out" 2>"$T/$id.err" &
  rpid=$!
  wait_for 10 grep -q waiting "$T/$id.out"
  kill -USR1 "$rpid"
  wait "$rpid" || rc=$?
  lib_diag "stdout: $(cat "$T/$id.out")" "stderr: $(cat "$T/$id.err")"
  assert_contains "$(cat "$T/$id.out")" signal=SIGUSR1 "what the container saw"
  assert_eq "$rc" 138 "status of run"
}

# ---------------------------------------------------------------------------
# File descriptors

# fd_numbers: the fd numbers of probe's `fds` output in $output, one line.
fd_numbers () {
  sed -n 's/^\([0-9]*\) -> .*/\1/p' <<<"$output" | sort -n | tr '\n' ' ' | sed 's/ $//'
}

test_fds_only_stdio () {
  new_bundle /probe fds
  mkdir "$T/hostdir"
  # Host fds the runtime inherits; none may reach the container.
  exec 7<"$T/hostdir" 8</ 9<"$BUNDLE/config.json"
  run_probe
  exec 7<&- 8<&- 9<&-
  assert_eq "$(fd_numbers)" "0 1 2" "fds of the container"
}

test_fds_preserve () {
  new_bundle /probe fds
  echo one >"$T/pf-one"
  echo two >"$T/pf-two"
  exec 3<"$T/pf-one" 4<"$T/pf-two" 7</
  run rt run --preserve-fds 2 -b "$BUNDLE" "$(unique_id)"
  exec 3<&- 4<&- 7<&-
  [ "$status" = 0 ] || fail "run failed with status $status: $errout"
  assert_eq "$(fd_numbers)" "0 1 2 3 4" "fds with --preserve-fds 2"
  assert_match "$output" $'(^|\n)3 -> [^\n]*pf-one' "fd 3"
  assert_match "$output" $'(^|\n)4 -> [^\n]*pf-two' "fd 4"
}

# Socket activation: LISTEN_FDS=1 in the runtime's environment passes fd 3.
# LISTEN_PID names the runtime itself, as systemd sets it (runc checks it).
# Inside, the service finds them through LISTEN_FDS=1 and LISTEN_PID=1 (its
# own pid), as runc sets them: sd_listen_fds() ignores fds without both.
test_fds_listen_fds () {
  new_bundle /probe fds + env LISTEN_FDS + env LISTEN_PID
  echo sock >"$T/lf"
  exec 3<"$T/lf" 4</
  run timeout -k 5 60 env LISTEN_FDS=1 bash -c 'LISTEN_PID=$$ exec "$@"' listen \
    "$RUNTIME" --root "$STATE" run -b "$BUNDLE" "$(unique_id)"
  exec 3<&- 4<&-
  assert_eq "$(fd_numbers)" "0 1 2 3" "fds with LISTEN_FDS=1"
  assert_match "$output" $'(^|\n)3 -> [^\n]*/lf($|\n)' "fd 3"
  assert_eq "$(grep -v -- ' -> ' <<<"$output" | tr '\n' ' ')" "1 1 " \
    "LISTEN_FDS and LISTEN_PID in the container"
  [ "$status" = 0 ] || fail "run failed with status $status: $errout"
}

# CVE-2024-21626: a cwd of /proc/self/fd/N must not land on a directory fd
# of the runtime, outside the container's root.  Host directory fds are open
# around the runtime to make such a leak likely; every N either fails or
# ends up inside the rootfs.
test_cwd_proc_self_fd () {
  local n id cwd
  new_bundle /probe cwd + ls .
  mkdir -p "$T/hostdir"
  : >"$T/hostdir/HOST-MARKER"
  : >"$BUNDLE/HOST-MARKER"
  exec 3<"$T/hostdir" 4</ 5<"$BUNDLE" 6<"$T/hostdir"
  for n in 3 4 5 6 7 8 9 10 11 12; do
    cfg --arg c "/proc/self/fd/$n" '.process.cwd = $c'
    id=$(unique_id "fd$n")
    run rt run -b "$BUNDLE" "$id"
    [ "$status" != 124 ] || fail "cwd /proc/self/fd/$n: run timed out"
    if [ "$status" = 0 ]; then
      cwd=$(head -n1 <<<"$output")
      assert_match "$cwd" '^/' "cwd of the container with /proc/self/fd/$n"
      assert_not_contains "$output" HOST-MARKER "listing of cwd /proc/self/fd/$n"
    fi
    assert_not_contains "$output" "unreachable" "cwd /proc/self/fd/$n"
  done
  exec 3<&- 4<&- 5<&- 6<&-
}

# ---------------------------------------------------------------------------
# CVE-2019-5736: the runtime's binary must not be writable from inside.
# The container runs a copy of the runtime, so that a runtime which fails
# this test breaks only the copy, not the binary the other tests use.

# Prints the sha256 of a file.
sum_of () {
  sha256sum "$1" | cut -d' ' -f1
}

test_runtime_exe_not_writable () {
  local copy before id problems=()
  copy=$T/rt-copy/$(runtime_name)
  mkdir -p "$T/rt-copy"
  cp "$RUNTIME" "$copy"
  before=$(sum_of "$copy")
  new_bundle /probe open-exe
  # 1. The container process itself: its exe and pid 1's.
  id=$(unique_id direct)
  run timeout -k 5 60 "$copy" --root "$STATE" run -b "$BUNDLE" "$id"
  assert_eq "$status" 0 "status of run"
  assert_not_match "$output" '=ok' "open-exe of the container process"
  # 2. A startContainer hook runs in the container while the runtime's init
  # is still pid 1: /proc/1/exe is the runtime's binary then.  One probe
  # tries to open it for writing right away; a shell keeps a read-only fd
  # on it and, once init has exec'd the container process (the binary is
  # no longer busy), tries to reopen that fd for writing.
  cfg '.hooks.startContainer = [
      { path: "/bin/sh", args: ["sh", "-c", "/probe open-exe >/tmp/open-exe.out"] },
      { path: "/bin/sh", args: ["sh", "-c",
        "command exec 3</proc/1/exe || exit 0; (sleep 1; for i in 1 2 3 4 5 6; do echo PWNED 1<>/proc/self/fd/3 2>/dev/null && echo WROTE >/tmp/exe-result; sleep 0.5; done) & exit 0"] } ]
    | .process.args = ["/probe", "sleep", "5"]'
  # create and start return at once: no process runs the binary after.
  id=$(unique_id hook)
  timeout -k 5 60 "$copy" --root "$STATE" create -b "$BUNDLE" "$id" \
    </dev/null >"$T/$id.out" 2>"$T/$id.err"
  timeout -k 5 60 "$copy" --root "$STATE" start "$id"
  wait_status "$id" stopped 15
  output=$(cat "$BUNDLE/rootfs/tmp/open-exe.out")
  lib_diag "open-exe in the hook: $output"
  assert_contains "$output" pid1= "open-exe ran in the hook"
  assert_not_match "$output" 'pid1=ok' "open-exe from a startContainer hook"
  # The other ways are still tried when this one got through.
  if [ -e "$BUNDLE/rootfs/tmp/exe-result" ] || [ "$(sum_of "$copy")" != "$before" ]; then
    problems+=("a startContainer hook reopened the runtime's binary for writing")
    cp "$RUNTIME" "$copy"
  fi
  # 3. Without a pid namespace the foreground `run` is the container's
  # parent and visible: hold its exe, write once it has exited.
  cfg 'del(.hooks) | .linux.namespaces |= map(select(.type != "pid"))
    | .process.args = ["/bin/sh", "-c",
      "command exec 3</proc/$PPID/exe || exit 0; (for i in 1 2 3 4 5 6 7 8; do sleep 0.5; echo PWNED 1<>/proc/self/fd/3 2>/dev/null && echo WROTE >/tmp/exe-result2; done) & exit 0"]'
  id=$(unique_id nopidns)
  run timeout -k 5 60 "$copy" --root "$STATE" run -b "$BUNDLE" "$id"
  assert_eq "$status" 0 "status of run"
  sleep 5
  if [ -e "$BUNDLE/rootfs/tmp/exe-result2" ] || [ "$(sum_of "$copy")" != "$before" ]; then
    problems+=("a container without a pid namespace reopened the runtime's binary for writing")
  fi
  [ ${#problems[@]} = 0 ] || fail "$(printf '%s; ' "${problems[@]}")"
}

run_test "capabilities: Docker's default set" test_caps_docker_default
run_test "capabilities: absent, uid 0" test_caps_absent_root
run_test "capabilities: absent, uid 1000" test_caps_absent_nonroot
run_test "capabilities: {} drops everything" test_caps_empty_object
run_test "capabilities: unknown name warns" test_caps_unknown_name
run_test "capabilities: ambient for uid 1000" test_caps_ambient_nonroot
run_test "user: uid, gid, additionalGids" test_user_ids_groups
run_test "user: no additionalGids, no groups" test_user_no_additional_gids
run_test "user: umask 63" test_umask_set
run_test "user: default umask 0022" test_umask_default
run_test "rlimits: NOFILE and CORE" test_rlimits
run_test "rlimits: hard limit above the runtime's" test_rlimit_raise_hard
run_test "oomScoreAdj 500" test_oom_score_adj
run_test "oomScoreAdj below the runtime's" test_oom_score_adj_lower
run_test "scheduler: SCHED_BATCH nice 5" test_scheduler
run_test "ioPriority: BE 6" test_io_priority
run_test "personality: LINUX32" test_personality_linux32
run_test "noNewPrivileges" test_no_new_privileges
run_test "env" test_env
run_test "cwd" test_cwd
run_test "cwd: relative" test_cwd_relative
run_test "cwd: missing" test_cwd_missing
run_test "args: PATH lookup in the container" test_args_path_lookup
run_test "args: not found in PATH" test_args_not_in_path
run_test "args: not executable" test_args_not_executable
run_test "args: missing absolute path" test_args_missing_absolute
run_test "run: exit status" test_run_exit_status
run_test "run: killed by SIGKILL" test_run_killed
run_test "run: forwards a signal" test_run_forwards_signal
run_test "fds: only 0, 1, 2" test_fds_only_stdio
run_test "fds: --preserve-fds 2" test_fds_preserve
run_test "fds: LISTEN_FDS=1" test_fds_listen_fds
run_test "cwd /proc/self/fd/N stays inside (CVE-2024-21626)" test_cwd_proc_self_fd
run_test "runtime binary not writable (CVE-2019-5736)" test_runtime_exe_not_writable
done_testing
