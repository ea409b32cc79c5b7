#!/bin/bash
# t-seccomp: linux.seccomp seen from inside the container: the filter mode in
# /proc/self/status, what denied calls return (EPERM by default, errnoRet),
# SIGSYS deaths, LOG, argument comparisons (AND across arguments, OR when one
# argument repeats, as runc does), a default-deny allow-list profile shaped
# like the engines' (fixtures/seccomp-allowlist.json: ~350 names, conditional
# personality and clone, clone3 → ENOSYS), names and architectures this
# libseccomp does not know, rules equal to the default, the flags, loading
# without no_new_privs as a non-root user, and SCMP_ACT_NOTIFY with an agent
# at listenerPath (tests/helpers/seccomp-listener) that gets the container
# process state and the notify fd, and answers one call.
# shellcheck source=tests/integration/lib.sh disable=SC2016,SC2119,SC2154,SC2317 # jq programs and container commands in single quotes; unique_id takes no args here; run sets status/output/errout; tests are called by name
. "$(dirname "$0")/lib.sh"

ALLOWLIST=$LIB_TOP/tests/integration/fixtures/seccomp-allowlist.json
LISTENER=$LIB_TOP/tests/helpers/seccomp-listener

# set_seccomp JQ-EXPR [JQ-ARGS...]: linux.seccomp = the value of JQ-EXPR.
set_seccomp () {
  local expr=$1
  shift
  cfg "$@" ".linux.seccomp = ($expr)"
}

# deny_mkdir ACTION [ERRNO]: default ALLOW, mkdir and mkdirat get ACTION.
# busybox calls mkdir on x86_64 and mkdirat where there is no mkdir.
deny_mkdir () {
  local extra=""
  [ -z "${2:-}" ] || extra=", errnoRet: $2"
  set_seccomp "{ defaultAction: \"SCMP_ACT_ALLOW\",
    syscalls: [ { names: [\"mkdir\", \"mkdirat\"], action: \"$1\"$extra } ] }"
}

# run_ct: `run` of $BUNDLE under a fresh id; status/output/errout are the
# container's.
run_ct () {
  run rt run -b "$BUNDLE" "$(unique_id)"
}

# ---------------------------------------------------------------------------
# The filter is there, and what its actions do

test_mode () {
  new_bundle /probe seccomp
  run_ct
  assert_eq "$status" 0 "run without linux.seccomp"
  assert_eq "$output" 0 "Seccomp without linux.seccomp"
  new_bundle /probe seccomp
  set_seccomp '{ defaultAction: "SCMP_ACT_ALLOW" }'
  run_ct
  assert_eq "$status" 0 "run with an allow-all filter"
  assert_eq "$output" 2 "Seccomp: 2 (filter) with linux.seccomp"
}

test_errno_default_eperm () {
  new_bundle /bin/sh -c 'mkdir /tmp/x; echo mkdir=$?; [ -d /tmp/x ] || echo absent
    touch /tmp/y && echo touch=ok'
  deny_mkdir SCMP_ACT_ERRNO
  run_ct
  assert_eq "$status" 0 status
  assert_eq "$output" $'mkdir=1\nabsent\ntouch=ok' output
  assert_contains "$errout" "can't create directory '/tmp/x': Operation not permitted"
}

test_errno_ret () {
  new_bundle /bin/sh -c 'mkdir /tmp/x; echo mkdir=$?'
  deny_mkdir SCMP_ACT_ERRNO 38
  run_ct
  assert_eq "$output" mkdir=1 output
  assert_contains "$errout" "can't create directory '/tmp/x': Function not implemented"
}

# 159 = 128 + SIGSYS, as `run` reports a death by signal.
test_kill_process () {
  new_bundle /bin/mkdir /tmp/x
  deny_mkdir SCMP_ACT_KILL_PROCESS
  run_ct
  assert_eq "$status" 159 "exit status of run"
}

test_kill_thread () {
  new_bundle /bin/mkdir /tmp/x
  deny_mkdir SCMP_ACT_KILL
  run_ct
  assert_eq "$status" 159 "exit status of run"
}

test_log () {
  new_bundle /bin/sh -c 'mkdir /tmp/x && [ -d /tmp/x ] && echo made; /probe seccomp'
  deny_mkdir SCMP_ACT_LOG
  run_ct
  assert_eq "$status" 0 status
  assert_eq "$output" $'made\n2' output
}

# ---------------------------------------------------------------------------
# Argument comparisons

# personality(0xffffffff) only queries (the probe's call); busybox linux32
# sets PER_LINUX32 (8).
test_args_personality_query_only () {
  new_bundle /bin/sh -c '/probe personality; linux32 /probe personality; echo linux32=$?'
  set_seccomp '{ defaultAction: "SCMP_ACT_ALLOW", syscalls: [ { names: ["personality"],
    action: "SCMP_ACT_ERRNO", args: [ { index: 0, value: 4294967295, op: "SCMP_CMP_NE" } ] } ] }'
  run_ct
  assert_eq "$status" 0 status
  assert_eq "$output" $'domain=LINUX\nflags=0x0\nlinux32=1' output
  assert_contains "$errout" "Operation not permitted"
}

# Two comparisons on the same argument: runc adds one rule per comparison,
# so either value matches (libseccomp alone would AND them, or refuse).
test_args_same_index_or () {
  new_bundle /bin/sh -c 'linux32 true; echo linux32=$?; linux64 true; echo linux64=$?
    /probe personality'
  set_seccomp '{ defaultAction: "SCMP_ACT_ALLOW", syscalls: [ { names: ["personality"],
    action: "SCMP_ACT_ERRNO", errnoRet: 22, args: [
      { index: 0, value: 8, op: "SCMP_CMP_EQ" },
      { index: 0, value: 0, op: "SCMP_CMP_EQ" } ] } ] }'
  run_ct
  assert_eq "$status" 0 status
  assert_eq "$output" $'linux32=1\nlinux64=1\ndomain=LINUX\nflags=0x0' output
  assert_contains "$errout" "Invalid argument"
}

# Comparisons on different arguments are ANDed: kill(1, SIGUSR1) is denied,
# kill(1, SIGUSR2) and kill(other, SIGUSR1) are not.  sh is pid 1 of its
# pid namespace, so signals it has no handler for do not hurt it.
test_args_and () {
  new_bundle /bin/sh -c 'sleep 100 & kill -USR1 1; echo a=$?; kill -USR2 1; echo b=$?
    kill -USR1 $!; echo c=$?'
  set_seccomp '{ defaultAction: "SCMP_ACT_ALLOW", syscalls: [ { names: ["kill"],
    action: "SCMP_ACT_ERRNO", errnoRet: 13, args: [
      { index: 0, value: 1, op: "SCMP_CMP_EQ" },
      { index: 1, value: 10, op: "SCMP_CMP_EQ" } ] } ] }'
  run_ct
  assert_eq "$status" 0 status
  assert_eq "$output" $'a=1\nb=0\nc=0' output
  assert_contains "$errout" "Permission denied"
}

# chmod(path, mode) / fchmodat(dirfd, path, mode): denied when the mode
# gives the group nothing.
test_args_masked_eq () {
  new_bundle /bin/sh -c 'touch /tmp/f; chmod 0700 /tmp/f; echo a=$?; chmod 0750 /tmp/f
    echo b=$?; stat -c %a /tmp/f'
  set_seccomp '{ defaultAction: "SCMP_ACT_ALLOW", syscalls: [ { names: ["chmod"],
    action: "SCMP_ACT_ERRNO", args: [
      { index: 1, value: 56, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" } ] },
    { names: ["fchmodat"], action: "SCMP_ACT_ERRNO", args: [
      { index: 2, value: 56, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" } ] } ] }'
  run_ct
  assert_eq "$status" 0 status
  assert_eq "$output" $'a=1\nb=0\n750' output
}

# ---------------------------------------------------------------------------
# A default-deny profile

# defaultErrnoRet 38 makes the denials unmistakable: unshare(2) never
# fails with ENOSYS on its own.  The pipeline forks (clone without
# namespace flags passes the MASKED_EQ rule), linux32 passes one of the
# personality values.
test_allowlist () {
  new_bundle /bin/sh -c 'echo hello | cat; ls / >/dev/null && echo ls=ok
    unshare -U true; echo unshare=$?; linux32 /probe personality; /probe seccomp'
  set_seccomp '$p[0] | .defaultErrnoRet = 38' --slurpfile p "$ALLOWLIST"
  run_ct
  assert_eq "$status" 0 status
  assert_eq "$output" $'hello\nls=ok\nunshare=1\ndomain=LINUX32\nflags=0x0\n2' output
  assert_contains "$errout" "Function not implemented" "unshare's error"
}

test_allowlist_nonroot () {
  new_bundle /bin/sh -c 'id -u; echo hi >/tmp/f && cat /tmp/f; /probe seccomp + nnp'
  cfg '.process.user = { uid: 1000, gid: 1000 }'
  set_seccomp '$p[0]' --slurpfile p "$ALLOWLIST"
  run_ct
  assert_eq "$status" 0 status
  assert_eq "$output" $'1000\nhi\n2\n1' output
}

# Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: the runtime
# must load it before the user's capabilities replace init's.
test_no_nnp_nonroot () {
  new_bundle /bin/sh -c 'id -u; mkdir /tmp/x; echo mkdir=$?; /probe nnp + seccomp'
  cfg '.process.user = { uid: 1000, gid: 1000 } | .process.noNewPrivileges = false'
  deny_mkdir SCMP_ACT_ERRNO 38
  run_ct
  assert_eq "$status" 0 "status (stderr: $errout)"
  assert_eq "$output" $'1000\nmkdir=1\n0\n2' output
  assert_contains "$errout" "Function not implemented"
}

# ---------------------------------------------------------------------------
# What is skipped rather than refused

test_unknown_syscall_skipped () {
  new_bundle /bin/sh -c 'mkdir /tmp/x; echo mkdir=$?'
  set_seccomp '{ defaultAction: "SCMP_ACT_ALLOW", syscalls: [ { names: ["cove_no_such_call",
    "mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 38 } ] }'
  run_ct
  assert_eq "$status" 0 "status (stderr: $errout)"
  assert_eq "$output" mkdir=1 output
}

# The runtime-spec lists these; libseccomp < 2.6 does not know them.
test_unknown_arch_skipped () {
  [ "$(runtime_name)" != runc ] || skip "runc 1.1 refuses architectures it does not list"
  new_bundle /bin/sh -c 'mkdir /tmp/x; echo mkdir=$?'
  set_seccomp '{ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64",
    "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
    "SCMP_ARCH_SH", "SCMP_ARCH_SHEB"], syscalls: [ { names: ["mkdir", "mkdirat"],
    action: "SCMP_ACT_ERRNO", errnoRet: 38 } ] }'
  run_ct
  assert_eq "$status" 0 "status (stderr: $errout)"
  assert_eq "$output" mkdir=1 output
}

# libseccomp refuses a rule that repeats the default action; ERRNO without
# errnoRet is ERRNO(EPERM), the same as the default here.
test_rule_equal_to_default () {
  new_bundle /bin/sh -c 'mkdir /tmp/x; echo mkdir=$?'
  set_seccomp '{ defaultAction: "SCMP_ACT_ALLOW", syscalls: [
    { names: ["getpid"], action: "SCMP_ACT_ALLOW" },
    { names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 38 } ] }'
  run_ct
  assert_eq "$status" 0 "status, rule ALLOW under default ALLOW (stderr: $errout)"
  assert_eq "$output" mkdir=1 output
  new_bundle /bin/sh -c 'echo hi'
  set_seccomp '$p[0] | .syscalls += [ { names: ["mknod"], action: "SCMP_ACT_ERRNO" },
    { names: ["ioperm"], action: "SCMP_ACT_ERRNO", errnoRet: 1 } ]' --slurpfile p "$ALLOWLIST"
  run_ct
  assert_eq "$status" 0 "status, rules ERRNO(EPERM) under default ERRNO(EPERM) (stderr: $errout)"
  assert_eq "$output" hi output
}

# ---------------------------------------------------------------------------
# Flags

test_flags () {
  local flags
  [ "$(runtime_name)" != runc ] || skip "runc 1.1 refuses every seccomp flag"
  for flags in '[]' '["SECCOMP_FILTER_FLAG_LOG"]' '["SECCOMP_FILTER_FLAG_SPEC_ALLOW"]' \
      '["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG"]'; do
    new_bundle /bin/sh -c 'mkdir /tmp/x; echo mkdir=$?; /probe seccomp'
    deny_mkdir SCMP_ACT_ERRNO 38
    cfg --argjson f "$flags" '.linux.seccomp.flags = $f'
    run_ct
    assert_eq "$status" 0 "status with flags $flags (stderr: $errout)"
    assert_eq "$output" $'mkdir=1\n2' "output with flags $flags"
  done
}

# ---------------------------------------------------------------------------
# SCMP_ACT_NOTIFY

# The agent gets the container process state and the notify fd during
# create, answers the first mkdir with EOPNOTSUPP and exits; closing the fd
# makes the kernel fail the second with ENOSYS.  A runtime that kept a copy
# of the fd would leave the second mkdir hanging (the run times out).  The
# container process makes both calls itself, so the notification's pid is
# the one in the state.
test_notify () {
  [ -x "$LISTENER" ] || skip "$LISTENER is not built"
  local id sock=$T/agent.sock st=$T/agent.json agent pid
  new_bundle /bin/mkdir /tmp/a /tmp/b
  set_seccomp '{ defaultAction: "SCMP_ACT_ALLOW", listenerPath: $s,
    listenerMetadata: "cove test \"meta\"", syscalls: [ { names: ["mkdir", "mkdirat"],
    action: "SCMP_ACT_NOTIFY" } ] }' --arg s "$sock"
  "$LISTENER" -e 95 -t 30 "$sock" "$st" >"$T/agent.out" 2>"$T/agent.err" &
  agent=$!
  wait_for 10 test -S "$sock"
  id=$(unique_id)
  run rt run -b "$BUNDLE" "$id"
  # The agent exits after its answer, before the container does; if it is
  # still there it got nothing.
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 "$agent" 2>/dev/null || break
    sleep 0.2
  done
  kill "$agent" 2>/dev/null || true
  wait "$agent" || fail "agent failed (status $?): $(cat "$T/agent.err")"
  assert_eq "$status" 1 "status of run (mkdir failed)"
  assert_contains "$errout" "can't create directory '/tmp/a': Operation not supported"
  assert_contains "$errout" "can't create directory '/tmp/b': Function not implemented"

  echo "agent got: $(cat "$st")"
  pid=$(sed -n 's/^nr=[0-9]* pid=\([0-9]*\) .*/\1/p' "$T/agent.out")
  [ -n "$pid" ] || fail "agent printed no notification: $(cat "$T/agent.out")"
  # runtime-spec: the connection MUST be closed after the state.  runc 1.1
  # keeps it open while its `run` lives.
  if [ "$(runtime_name)" != runc ]; then
    assert_contains "$(cat "$T/agent.out")" "closed=yes" "runtime closed the connection"
  fi
  jq -e --arg id "$id" --arg b "$BUNDLE" --argjson pid "$pid" '
    (.ociVersion | type == "string" and length > 0) and .fds == ["seccompFd"]
    and .pid == $pid and .metadata == "cove test \"meta\""
    and .state.id == $id and .state.status == "creating" and .state.pid == $pid
    and .state.bundle == $b' "$st" >/dev/null \
    || fail "container process state: $(cat "$st"), notification from pid $pid"
}

# The fd is handed over by `create`, before `start`: engines start their
# agent's work on the created container.
test_notify_at_create () {
  [ -x "$LISTENER" ] || skip "$LISTENER is not built"
  local id sock=$T/agent.sock st=$T/agent.json agent
  new_bundle /bin/mkdir /tmp/a
  set_seccomp '{ defaultAction: "SCMP_ACT_ALLOW", listenerPath: $s, syscalls: [
    { names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY" } ] }' --arg s "$sock"
  "$LISTENER" -e 95 -t 30 "$sock" "$st" >"$T/agent.out" 2>"$T/agent.err" &
  agent=$!
  wait_for 10 test -S "$sock"
  id=$(unique_id)
  rt_create "$id"
  wait_for 5 test -f "$st"
  assert_eq "$(state_field "$id" .status)" created "status when the agent has the state"
  assert_eq "$(jq -r .pid "$st")" "$(state_field "$id" .pid)" "pid sent to the agent"
  rt start "$id"
  wait_status "$id" stopped
  wait "$agent" || fail "agent failed (status $?): $(cat "$T/agent.err")"
  assert_contains "$(ct_err "$id")" "can't create directory '/tmp/a': Operation not supported"
}

test_notify_no_listener () {
  new_bundle /bin/true
  set_seccomp '{ defaultAction: "SCMP_ACT_ALLOW", listenerPath: $s, syscalls: [
    { names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY" } ] }' --arg s "$T/nobody.sock"
  assert_fails_clean rt create -b "$BUNDLE" "$(unique_id)"
  assert_error_mentions "$errout" "$T/nobody.sock"
}

run_test "mode: Seccomp 0 without, 2 with linux.seccomp" test_mode
run_test "ERRNO: EPERM by default" test_errno_default_eperm
run_test "ERRNO: errnoRet 38" test_errno_ret
run_test "KILL_PROCESS: SIGSYS, run exits 159" test_kill_process
run_test "KILL: SIGSYS, run exits 159" test_kill_thread
run_test "LOG: the call runs" test_log
run_test "args: personality query allowed, set denied" test_args_personality_query_only
run_test "args: same argument twice is OR" test_args_same_index_or
run_test "args: different arguments are AND" test_args_and
run_test "args: MASKED_EQ on chmod's mode" test_args_masked_eq
run_test "allow-list profile: sh works, unshare denied" test_allowlist
run_test "allow-list profile: uid 1000 with no_new_privs" test_allowlist_nonroot
run_test "no no_new_privs, uid 1000: loaded while privileged" test_no_nnp_nonroot
run_test "unknown syscall name skipped" test_unknown_syscall_skipped
run_test "architectures unknown to libseccomp skipped" test_unknown_arch_skipped
run_test "rules equal to the default action skipped" test_rule_equal_to_default
run_test "flags: none, LOG, SPEC_ALLOW, TSYNC" test_flags
run_test "NOTIFY: agent gets the state and the fd, answers" test_notify
run_test "NOTIFY: the agent has the fd once create returns" test_notify_at_create
run_test "NOTIFY: missing listener fails create cleanly" test_notify_no_listener
done_testing
