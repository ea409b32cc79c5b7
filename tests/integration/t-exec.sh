#!/bin/bash
# t-exec: `exec` runs a process in a running container.  Observed for real:
# the process's output and exit status (its own, 137 when SIGKILLed from
# the host); from the host, that it is in every namespace and in the cgroup
# of the container's init; from inside, the process attributes the command
# line and the config ask for (env, cwd, user, groups, capabilities,
# no_new_privs, rlimits, seccomp), a process.json, --detach with --pid-file,
# a terminal through --console-socket or relayed in the foreground; errors
# exit 255 with one line; no fd of the runtime reaches the process; and the
# runtime's binary cannot be reached from the container while or after it
# runs the exec.
# shellcheck source=tests/integration/lib.sh disable=SC2154,SC2317,SC2016 # run sets status/output/errout; tests are called by name; container commands are single-quoted
. "$(dirname "$0")/lib.sh"

RECVTTY=$LIB_TOP/tests/helpers/recvtty
[ -x "$RECVTTY" ] || lib_bail "$RECVTTY is not built (run make check TESTS=)"

# Exit status of `exec` when the runtime itself fails (runc's convention,
# which engines rely on to tell it from the command's own status).
EXEC_FAILED=255

# ---------------------------------------------------------------------------
# Helpers

# field KEY: the value of `KEY=value` in $output (probe's format).
field () {
  sed -n "s/^$1=//p" <<<"$output" | head -n1
}

# start_sleeper [TAG]: `run -d` of $BUNDLE (default: a new bundle running
# /probe sleep) under a fresh id; prints the id once it runs.
start_sleeper () {
  local id
  id=$(unique_id "${1:-}")
  rt_run_d "$id"
  wait_status "$id" running
  echo "$id"
}

# new_sleeper: a new bundle whose init sleeps; config edits may follow
# before start_sleeper.
new_sleeper () {
  new_bundle /probe sleep
}

init_pid () {
  state_field "$1" .pid
}

# ns_of PID: `name=target` of every /proc/PID/ns link, sorted (probe ns's
# format).
ns_of () {
  local f
  for f in /proc/"$1"/ns/*; do
    echo "${f##*/}=$(readlink "$f")"
  done | sort
}

# wait_file FILE: until FILE exists and is not empty.
wait_file () {
  wait_for 10 test -s "$1"
}

alive () {
  kill -0 "$1" 2>/dev/null && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# status_of PID KEY: a field of /proc/PID/status (first column only).
status_of () {
  awk -v k="$1:" '$1 == k { print $2; exit }' "/proc/$2/status"
}

# ---------------------------------------------------------------------------
# Output and exit status

test_output_and_status () {
  local id
  new_sleeper
  id=$(start_sleeper)
  run rt exec "$id" /bin/sh -c 'echo out-line; echo err-line >&2; exit 0'
  assert_eq "$status" 0 "status of a command exiting 0"
  assert_eq "$output" out-line "stdout of the command"
  assert_eq "$errout" err-line "stderr of the command"
  run rt exec "$id" /probe exit 3
  assert_eq "$status" 3 "status of a command exiting 3"
  # The container is still running after both.
  assert_eq "$(state_field "$id" .status)" running "status of the container"
}

test_killed_from_outside () {
  local id pid rc=0 i
  new_sleeper
  id=$(start_sleeper)
  "$RUNTIME" --root "$STATE" exec --pid-file "$T/exec.pid" "$id" /probe sleep \
    </dev/null >"$T/exec.out" 2>"$T/exec.err" &
  local epid=$!
  wait_file "$T/exec.pid"
  pid=$(cat "$T/exec.pid")
  # The pid file names a host pid of the container's process.
  assert_eq "$(readlink "/proc/$pid/ns/pid")" "$(readlink "/proc/$(init_pid "$id")/ns/pid")" \
    "pid namespace of the pid-file's process"
  # Until it has exec'd, the process runs the runtime's code: wait for probe.
  for ((i = 0; i < 100; i++)); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = probe ] && break
    sleep 0.1
  done
  kill -9 "$pid"
  wait "$epid" || rc=$?
  lib_diag "stderr: $(cat "$T/exec.err")"
  assert_eq "$rc" 137 "status of exec when its process is SIGKILLed"
  assert_eq "$(cat "$T/exec.err")" "" "stderr of exec"
  assert_eq "$(state_field "$id" .status)" running "status of the container"
}

# ---------------------------------------------------------------------------
# Where the process runs

test_namespaces () {
  local id pid inside host
  new_sleeper
  id=$(start_sleeper)
  pid=$(init_pid "$id")
  run rt exec "$id" /probe ns
  assert_eq "$status" 0 "status of exec"
  inside=$(sort <<<"$output")
  host=$(ns_of "$pid")
  lib_diag "init's namespaces (from the host): $host"
  assert_eq "$inside" "$host" "namespaces of the exec'd process and of init"
  # The comparison means something: init's namespaces are not the host's.
  for ns in pid net mnt ipc uts; do
    assert_ne "$(readlink "/proc/$pid/ns/$ns")" "$(readlink "/proc/self/ns/$ns")" \
      "init's $ns namespace against the host's"
  done
  # In the pid namespace, init is pid 1 for busybox ps.
  run rt exec "$id" ps -o pid,args
  assert_eq "$status" 0 "status of ps"
  assert_match "$output" $'(^|\n) *1 +/probe sleep($|\n)' "init in ps"
  assert_not_match "$output" $'(^|\n) *'"$pid"' ' "init's host pid in ps"
  # The process itself: a pid of the namespace, parent outside it.
  run rt exec "$id" /probe pid
  assert_match "$(field pid)" '^[0-9]+$' "pid inside"
  assert_ne "$(field pid)" 1 "pid inside"
  assert_eq "$(field ppid)" 0 "ppid inside (the parent is outside the namespace)"
}

test_cgroup () {
  local id pid epid
  new_sleeper
  id=$(start_sleeper)
  pid=$(init_pid "$id")
  assert_ok rt exec -d --pid-file "$T/exec.pid" "$id" /probe sleep
  epid=$(cat "$T/exec.pid")
  lib_diag "init: $(cat "/proc/$pid/cgroup")" "exec: $(cat "/proc/$epid/cgroup")"
  assert_eq "$(cat "/proc/$epid/cgroup")" "$(cat "/proc/$pid/cgroup")" \
    "/proc/PID/cgroup of the exec'd process and of init"
  # init's cgroup is its own, not the one the test runs in.
  assert_ne "$(cat "/proc/$pid/cgroup")" "$(cat /proc/self/cgroup)" "init's cgroup against ours"
  # ps of the container lists both.
  run rt ps --format json "$id"
  assert_eq "$(jq -c 'sort' <<<"$output")" "$(jq -cn --argjson a "$pid" --argjson b "$epid" '[$a, $b] | sort')" \
    "ps --format json"
}

test_user_namespace () {
  local id pid epid
  new_sleeper
  cfg '.linux.namespaces += [ { type: "user" } ]
    | .linux.uidMappings = [ { containerID: 0, hostID: 200000, size: 2000 } ]
    | .linux.gidMappings = [ { containerID: 0, hostID: 200000, size: 2000 } ]'
  chown -R 200000:200000 "$BUNDLE/rootfs"
  id=$(start_sleeper userns)
  pid=$(init_pid "$id")
  run rt exec "$id" /probe ns + ids + uidmap
  assert_eq "$status" 0 "status of exec"
  assert_eq "$(grep '^[a-z_]*=[a-z_]*:\[' <<<"$output" | sort)" "$(ns_of "$pid")" \
    "namespaces of the exec'd process and of init"
  assert_ne "$(readlink "/proc/$pid/ns/user")" "$(readlink /proc/self/ns/user)" "init's user namespace"
  assert_eq "$(field uid):$(field gid)" 0:0 "ids inside"
  assert_match "$output" $'(^|\n) *0 +200000 +2000($|\n)' "uid_map inside"
  # From the host: the process runs as the mapped ids; -u maps too.
  assert_ok rt exec -d --pid-file "$T/exec.pid" -u 1000:1000 "$id" /probe sleep
  epid=$(cat "$T/exec.pid")
  assert_eq "$(status_of Uid "$epid")" 201000 "host uid of the exec'd process with -u 1000"
  assert_eq "$(status_of Gid "$epid")" 201000 "host gid of the exec'd process with -u 1000:1000"
  assert_eq "$(readlink "/proc/$epid/ns/user")" "$(readlink "/proc/$pid/ns/user")" \
    "user namespace of the detached process"
}

# ---------------------------------------------------------------------------
# Process attributes from the command line

test_env () {
  local id
  new_sleeper
  cfg '.process.env += [ "FROM_CONFIG=yes", "OVERRIDDEN=config" ]'
  id=$(start_sleeper)
  run rt exec -e FROM_CLI=1 -e OVERRIDDEN=cli "$id" /probe env
  assert_eq "$status" 0 "status of exec"
  assert_match "$output" $'(^|\n)PATH=/usr/sbin:/usr/bin:/sbin:/bin($|\n)' "PATH from the config"
  assert_match "$output" $'(^|\n)HOME=/root($|\n)' "HOME from the config"
  assert_match "$output" $'(^|\n)FROM_CONFIG=yes($|\n)' "FROM_CONFIG from the config"
  assert_match "$output" $'(^|\n)FROM_CLI=1($|\n)' "-e FROM_CLI=1"
  # -e wins over the config, and the variable is there once (runc: the
  # last of duplicates wins).
  assert_eq "$(grep -c '^OVERRIDDEN=' <<<"$output")" 1 "entries of OVERRIDDEN"
  assert_match "$output" $'(^|\n)OVERRIDDEN=cli($|\n)' "-e OVERRIDDEN=cli over the config's"
}

test_cwd () {
  local id
  new_sleeper
  cfg '.process.cwd = "/root"'
  id=$(start_sleeper)
  run rt exec "$id" /probe cwd
  assert_eq "$output" /root "cwd from the config"
  run rt exec --cwd /tmp "$id" /probe cwd
  assert_eq "$status" 0 "status with --cwd /tmp"
  assert_eq "$output" /tmp "cwd with --cwd /tmp"
  # A relative --cwd (or one outside the root) does not run.
  run rt exec --cwd /no/such/dir "$id" /probe cwd
  assert_eq "$status" "$EXEC_FAILED" "status with a missing --cwd"
  assert_one_line "$errout" "error of a missing --cwd"
}

test_user_and_groups () {
  local id
  new_sleeper
  id=$(start_sleeper)
  run rt exec -u 1000:1000 -g 2000 -g 3000 "$id" /probe ids
  assert_eq "$status" 0 "status of exec"
  assert_eq "$(field uid):$(field euid)" 1000:1000 "uid and euid"
  assert_eq "$(field gid):$(field egid)" 1000:1000 "gid and egid"
  assert_eq "$(field groups)" 2000,3000 "supplementary groups"
  # A uid alone keeps the config's gid (0).
  run rt exec -u 1000 "$id" /probe ids
  assert_eq "$(field uid):$(field gid)" 1000:0 "uid and gid with -u 1000"
  # Without -u: the config's user.
  run rt exec "$id" /probe ids
  assert_eq "$(field uid):$(field gid):$(field groups)" 0:0: "ids without -u"
}

test_cap_added () {
  local id
  new_sleeper
  id=$(start_sleeper)
  run rt exec "$id" /probe capnames CapEff
  assert_eq "$status" 0 "status of exec"
  assert_not_contains "$output" CAP_NET_ADMIN "CapEff without --cap"
  assert_contains "$output" CAP_KILL "CapEff without --cap"
  run rt exec --cap CAP_NET_ADMIN "$id" /probe capnames CapEff + capnames CapBnd
  assert_eq "$status" 0 "status of exec with --cap"
  assert_eq "$(sed -n 1p <<<"$output" | tr ',' '\n' | sort | tr '\n' ' ')" \
    "CAP_AUDIT_WRITE CAP_KILL CAP_NET_ADMIN CAP_NET_BIND_SERVICE " "CapEff with --cap CAP_NET_ADMIN"
  assert_contains "$(sed -n 2p <<<"$output")" CAP_NET_ADMIN "CapBnd with --cap CAP_NET_ADMIN"
  # The capability works: only CAP_NET_ADMIN may bring a link up.
  run rt exec --cap CAP_NET_ADMIN "$id" ip link set lo up
  assert_eq "$status" 0 "ip link set lo up with CAP_NET_ADMIN"
  run rt exec "$id" ip link set lo down
  assert_ne "$status" 0 "ip link set lo down without CAP_NET_ADMIN"
}

# capabilities, noNewPrivileges, rlimits and seccomp of the config hold
# for an exec'd process as for init.
test_config_confinement () {
  local id
  new_sleeper
  cfg '.process.rlimits = [ { type: "RLIMIT_NOFILE", soft: 777, hard: 888 } ]
    | .process.noNewPrivileges = true
    | .process.capabilities = { bounding: ["CAP_KILL", "CAP_CHOWN"],
        effective: ["CAP_KILL"], permitted: ["CAP_KILL"] }
    | .linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [ { names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO" } ] }'
  id=$(start_sleeper)
  run rt exec "$id" /bin/sh -c 'mkdir /tmp/made; echo mkdir=$?; touch /tmp/touched && echo touch=ok
    /probe rlimit NOFILE + nnp + seccomp + capnames CapEff + capnames CapBnd'
  assert_eq "$status" 0 "status of exec"
  assert_eq "$output" $'mkdir=1\ntouch=ok\n777 888\n1\n2\nCAP_KILL\nCAP_CHOWN,CAP_KILL' \
    "mkdir, rlimit, no_new_privs, seccomp mode, CapEff, CapBnd"
  [ ! -e "$BUNDLE/rootfs/tmp/made" ] || fail "mkdir got through the seccomp filter"
  [ -e "$BUNDLE/rootfs/tmp/touched" ] || fail "touch did not run in the container's rootfs"
  # A lone exec'd mkdir fails as well.
  run rt exec "$id" mkdir /tmp/made2
  assert_ne "$status" 0 "status of an exec'd mkdir"
  [ ! -e "$BUNDLE/rootfs/tmp/made2" ] || fail "exec'd mkdir got through the seccomp filter"
}

test_process_json () {
  local id
  new_sleeper
  cfg '.process.env += [ "FROM_CONFIG=yes" ]'
  id=$(start_sleeper)
  cat >"$T/process.json" <<'EOF'
{
  "terminal": false,
  "user": { "uid": 1000, "gid": 1000, "additionalGids": [ 4000 ] },
  "args": [ "/probe", "ids", "+", "cwd", "+", "env" ],
  "env": [ "PATH=/bin", "ONLY=json" ],
  "cwd": "/tmp"
}
EOF
  run rt exec -p "$T/process.json" "$id"
  assert_eq "$status" 0 "status of exec -p"
  assert_eq "$(field uid):$(field gid):$(field groups)" 1000:1000:4000 "user of process.json"
  assert_match "$output" $'(^|\n)/tmp($|\n)' "cwd of process.json"
  assert_match "$output" $'(^|\n)ONLY=json($|\n)' "env of process.json"
  assert_match "$output" $'(^|\n)PATH=/bin($|\n)' "PATH of process.json"
  # The file replaces the config's process: nothing of its env is left.
  assert_not_contains "$output" FROM_CONFIG "env with process.json"
}

test_detach_pid_file () {
  local id epid start end
  new_sleeper
  id=$(start_sleeper)
  start=$(date +%s%N)
  assert_ok rt exec -d --pid-file "$T/exec.pid" "$id" \
    /bin/sh -c 'sleep 3; echo finished >/tmp/detached'
  end=$(date +%s%N)
  lib_diag "exec -d took $(((end - start) / 1000000)) ms"
  (((end - start) / 1000000 < 2500)) || fail "exec -d did not return at once"
  assert_eq "$output" "" "stdout of exec -d"
  epid=$(cat "$T/exec.pid")
  assert_match "$epid" '^[0-9]+$' "pid file"
  alive "$epid" || fail "the pid file's process $epid is not running"
  assert_eq "$(readlink "/proc/$epid/ns/mnt")" "$(readlink "/proc/$(init_pid "$id")/ns/mnt")" \
    "mount namespace of the detached process"
  [ ! -e "$BUNDLE/rootfs/tmp/detached" ] || fail "the process finished before exec returned"
  wait_for 10 test -s "$BUNDLE/rootfs/tmp/detached"
  assert_eq "$(cat "$BUNDLE/rootfs/tmp/detached")" finished "what the detached process wrote"
}

# ---------------------------------------------------------------------------
# Terminal

# start_recvtty SOCKET [RECVTTY-OPTIONS...]: recvtty in the background, its
# stdout in SOCKET.out and stderr in SOCKET.err; returns once it listens.
start_recvtty () {
  local sock=$1
  shift
  "$RECVTTY" -t 30 "$@" "$sock" </dev/null >"$sock.out" 2>"$sock.err" &
  RECV_PID=$!
  wait_for 10 test -S "$sock"
}

# finish_recvtty SOCKET: waits for recvtty; $output = what it read from the
# master (carriage returns removed), $ptn = the pty number.
finish_recvtty () {
  local rc=0
  wait "$RECV_PID" || rc=$?
  lib_diag "recvtty: status $rc, stderr: $(cat "$1.err")"
  [ "$rc" = 0 ] || fail "recvtty exited with status $rc"
  output=$(tr -d '\r' <"$1.out")
  lib_diag "from the master: $output"
  ptn=$(sed -n 's/^ptn=//p' "$1.err")
  [ -n "$ptn" ] || fail "recvtty received no pty"
}

# runc takes --console-socket only with --detach; so do the tests.
test_tty_console_socket () {
  local id sock=$T/console.sock
  new_sleeper
  id=$(start_sleeper)
  start_recvtty "$sock" -i 'typed\n'
  assert_ok rt exec -d -t --console-socket "$sock" "$id" \
    /bin/sh -c '/probe tty; read l; echo "got:$l"'
  assert_eq "$output" "" "stdout of exec -d -t"
  finish_recvtty "$sock"
  assert_eq "$(field isatty0)$(field isatty1)$(field isatty2)" 111 "isatty of fds 0, 1, 2"
  assert_eq "$(field ttyname)" "/dev/pts/$ptn" "ttyname of stdin"
  assert_match "$output" $'(^|\n)got:typed($|\n)' "input through the pty"
}

# A foreground exec -t without a socket relays the pty on its own stdio;
# script(1) gives it a terminal of 40x100 and types a line.
test_tty_foreground () {
  local id cmd rc=0
  command -v script >/dev/null || skip "script(1) (util-linux) is not installed"
  new_sleeper
  id=$(start_sleeper)
  printf -v cmd 'stty rows 40 cols 100; exec %q --root %q exec -t %q /bin/sh -c %q' \
    "$RUNTIME" "$STATE" "$id" '/probe tty; read line; echo "got:$line"; exit 5'
  printf 'typed line\n' | timeout -k 5 60 script -qec "$cmd" /dev/null \
    >"$T/script.out" 2>"$T/script.err" || rc=$?
  output=$(tr -d '\r' <"$T/script.out")
  lib_diag "script: status $rc" "output: $output" "stderr: $(cat "$T/script.err")"
  assert_eq "$rc" 5 "exit status through the terminal"
  assert_eq "$(field isatty0)$(field isatty1)$(field isatty2)" 111 "isatty of fds 0, 1, 2"
  assert_match "$(field ttyname)" '^/dev/pts/[0-9]+$' "ttyname of stdin"
  assert_eq "$(field rows)x$(field cols)" 40x100 "window size from the runtime's terminal"
  assert_match "$output" $'(^|\n)got:typed line($|\n)' "the process's answer"
  # -d -t without a socket has nowhere to put the pty.
  run rt exec -d -t "$id" /probe tty
  assert_eq "$status" "$EXEC_FAILED" "status of exec -d -t without --console-socket"
  assert_one_line "$errout" "error of exec -d -t without --console-socket"
}

# ---------------------------------------------------------------------------
# Errors: exit 255, one line, nothing left behind

test_error_missing_command () {
  local id
  new_sleeper
  id=$(start_sleeper)
  assert_fails_clean rt exec "$id" no-such-command
  assert_eq "$status" "$EXEC_FAILED" "status"
  assert_contains "$errout" 'executable file not found in $PATH'
  assert_error_mentions "$errout" no-such-command
  assert_fails_clean rt exec "$id" /no/such/file
  assert_eq "$status" "$EXEC_FAILED" "status with an absolute path"
  assert_eq "$(state_field "$id" .status)" running "status of the container"
}

test_error_stopped () {
  local id
  new_bundle /probe exit 0
  id=$(unique_id)
  rt_run_d "$id"
  wait_status "$id" stopped
  assert_fails_clean rt exec "$id" /probe pid
  assert_eq "$status" "$EXEC_FAILED" "status"
  assert_error_mentions "$errout" stopped
}

test_error_missing_id () {
  local id
  id=$(unique_id)
  assert_fails_clean rt exec "$id" /probe pid
  assert_eq "$status" "$EXEC_FAILED" "status"
  assert_error_mentions "$errout" "$id"
}

# The processes of a paused container are frozen, and so would be an
# exec'd one: without --ignore-paused it is refused.
test_error_paused () {
  local id
  new_sleeper
  id=$(start_sleeper)
  rt pause "$id"
  assert_fails_clean rt exec "$id" /probe pid
  assert_eq "$status" "$EXEC_FAILED" "status"
  assert_error_mentions "$errout" paused
  assert_eq "$(state_field "$id" .status)" paused "status of the container"
}

test_error_bad_user () {
  local id u
  new_sleeper
  id=$(start_sleeper)
  for u in abc 1000:x -5; do
    assert_fails_clean rt exec -u "$u" "$id" /probe ids
    assert_eq "$status" "$EXEC_FAILED" "status with -u '$u'"
  done
  # runc refuses this one with a usage text, cove with one line.
  assert_fail rt exec -g nogroup "$id" /probe ids
  # An unknown capability: an error (cove) or a warning (runc), naming it.
  run rt exec --cap CAP_BOGUS "$id" /probe ids
  assert_contains "$errout" CAP_BOGUS "stderr with --cap CAP_BOGUS"
}

# ---------------------------------------------------------------------------
# What the process must not get from the runtime

# fd_numbers: the fd numbers of probe's `fds` output in $output, one line.
fd_numbers () {
  sed -n 's/^\([0-9]*\) -> .*/\1/p' <<<"$output" | sort -n | tr '\n' ' ' | sed 's/ $//'
}

test_no_fd_leak () {
  local id
  new_sleeper
  id=$(start_sleeper)
  mkdir -p "$T/hostdir"
  # Host fds the runtime inherits must not reach the process either.
  exec 7<"$T/hostdir" 8</ 9<"$BUNDLE/config.json"
  run rt exec "$id" /probe fds
  exec 7<&- 8<&- 9<&-
  assert_eq "$status" 0 "status of exec"
  assert_eq "$(fd_numbers)" "0 1 2" "fds of the exec'd process"
  # Nothing of the host is open either (stdio is /dev/null and our files).
  assert_not_match "$output" 'hostdir|config\.json|/sys/fs/cgroup|/run/|state|pidfd|socket|anon_inode' \
    "targets of the fds"
  # With --preserve-fds 1, fd 3 and only it comes along.
  echo kept >"$T/kept"
  exec 3<"$T/kept" 4</
  run rt exec --preserve-fds 1 "$id" /probe fds
  exec 3<&- 4<&-
  assert_eq "$(fd_numbers)" "0 1 2 3" "fds with --preserve-fds 1"
  assert_match "$output" $'(^|\n)3 -> [^\n]*/kept($|\n)' "fd 3"
}

# Prints the sha256 of a file.
sum_of () {
  sha256sum "$1" | cut -d' ' -f1
}

# CVE-2019-5736 through exec.  A copy of the runtime is used, so that a
# failure breaks only the copy.
#  1. Without a pid namespace the foreground `exec` is the process's parent
#     and visible: walk the parent chain, and hold the parent's exe to
#     write it once the runtime has exited.
#  2. With a pid namespace the parent is outside (ppid 0).
#  3. Until its execve the process runs the runtime's code inside the
#     container: frozen there (exec --ignore-paused into a paused
#     container), its /proc/PID/exe seen from the host must not be the
#     binary, and writing through it must leave the binary unchanged.
test_runtime_exe_unreachable () {
  local copy before id epid rc=0 exe xpid pid
  copy=$T/rt-copy/$(runtime_name)
  mkdir -p "$T/rt-copy"
  cp "$RUNTIME" "$copy"
  before=$(sum_of "$copy")

  new_sleeper
  cfg '.linux.namespaces |= map(select(.type != "pid"))'
  id=$(unique_id nopidns)
  timeout -k 5 60 "$copy" --root "$STATE" run -d -b "$BUNDLE" "$id" \
    </dev/null >"$T/$id.out" 2>"$T/$id.err"
  wait_status "$id" running
  run timeout -k 5 60 "$copy" --root "$STATE" exec "$id" /bin/sh -c '
    p=$PPID
    while [ "$p" -gt 1 ]; do
      echo "exe of $p: $(readlink /proc/$p/exe)"
      p=$(cut -d" " -f4 /proc/$p/stat)
    done
    /probe open-exe
    command exec 3</proc/$PPID/exe || exit 0
    (for i in 1 2 3 4 5 6 7 8; do sleep 0.5
       echo PWNED 1<>/proc/self/fd/3 2>/dev/null && echo WROTE >/tmp/exe-result; done) &
    exit 0'
  assert_eq "$status" 0 "status of exec"
  assert_contains "$output" "exe of " "the parent chain was visible"
  assert_not_contains "$output" "$copy" "the exe of a process of the parent chain"
  assert_not_match "$output" '=ok' "probe open-exe"
  sleep 5
  [ ! -e "$BUNDLE/rootfs/tmp/exe-result" ] \
    || fail "the exec'd process reopened the runtime's binary for writing"
  assert_eq "$(sum_of "$copy")" "$before" "sha256 of the runtime's binary"

  new_sleeper
  id=$(unique_id pidns)
  timeout -k 5 60 "$copy" --root "$STATE" run -d -b "$BUNDLE" "$id" \
    </dev/null >"$T/$id.out" 2>"$T/$id.err"
  wait_status "$id" running
  run timeout -k 5 60 "$copy" --root "$STATE" exec "$id" /probe pid + open-exe
  assert_eq "$(field ppid)" 0 "ppid of the exec'd process in a pid namespace"
  assert_not_match "$output" '=ok' "probe open-exe"

  pid=$(init_pid "$id")
  CVE_INIT=$pid
  trap 'thaw_by_hand "$CVE_INIT"' EXIT
  timeout -k 5 60 "$copy" --root "$STATE" pause "$id"
  timeout -k 5 60 "$copy" --root "$STATE" exec --ignore-paused "$id" /bin/sh -c 'echo thawed' \
    </dev/null >"$T/frozen.out" 2>"$T/frozen.err" &
  xpid=$!
  epid=$(frozen_exec_pid "$xpid" "$pid")
  exe=$(readlink "/proc/$epid/exe") || true
  lib_diag "exe of the frozen process $epid: $exe"
  assert_ne "$exe" "$copy" "exe of the process before its execve"
  (echo PWNED 1<>"/proc/$epid/exe") 2>/dev/null || true
  assert_eq "$(sum_of "$copy")" "$before" "sha256 after writing through /proc/PID/exe"
  # Once resumed, the exec goes on and ends.
  resume_or_thaw "$id" "$epid" "$copy"
  wait "$xpid" || rc=$?
  lib_diag "stderr: $(cat "$T/frozen.err")"
  assert_eq "$rc" 0 "status of exec --ignore-paused after resume"
  assert_eq "$(cat "$T/frozen.out")" thawed "output after resume"
}

# frozen_exec_pid RUNTIME-PID INIT-PID: waits for a process below
# RUNTIME-PID in the pid namespace of INIT-PID (the exec'd process, frozen)
# and prints its pid.  Not through `state`: it would wait for the lock of
# a runtime that lets the frozen process hold it.
frozen_exec_pid () {
  local ns p i
  ns=$(readlink "/proc/$2/ns/pid")
  for ((i = 0; i < 100; i++)); do
    for p in $(descendants "$1"); do
      if [ "$(readlink "/proc/$p/ns/pid" 2>/dev/null)" = "$ns" ]; then
        echo "$p"
        return 0
      fi
    done
    sleep 0.1
  done
  fail "no process of the exec appeared in the container's pid namespace"
}

# descendants PID: the pids below PID, through /proc/PID/task/*/children
# (cheaper than a scan of all of /proc while the CPUs are kept busy).
descendants () {
  local p c
  for p in "$@"; do
    # shellcheck disable=SC2013 # the file is a list of words
    for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
      echo "$c"
      descendants "$c"
    done
  done
}

# thaw_by_hand PID: thaws the cgroup of PID through the host's files.
thaw_by_hand () {
  local line path
  while IFS= read -r line; do
    path=${line#*:*:}
    case $line in
      *:freezer:*) echo THAWED >"/sys/fs/cgroup/freezer$path/freezer.state" ;;
      0::*) [ ! -e "/sys/fs/cgroup$path/cgroup.freeze" ] \
        || echo 0 >"/sys/fs/cgroup$path/cgroup.freeze" ;;
    esac
  done <"/proc/$1/cgroup" 2>/dev/null || true
}

# resume_or_thaw ID PID [RUNTIME]: `resume ID` must finish.  If it hangs,
# shows the fds of PID (the frozen exec'd process: an fd on the state dir
# holds the runtime's lock) and thaws by hand so cleanup can work.
resume_or_thaw () {
  local rc=0
  echo "+ resume $1" >>"$TEST_LOG"
  timeout -k 2 5 "${3:-$RUNTIME}" --root "$STATE" resume "$1" || rc=$?
  [ "$rc" != 0 ] || return 0
  lib_diag "fds of the frozen exec'd process $2:" "$(ls -l "/proc/$2/fd/" 2>&1)"
  thaw_by_hand "$2"
  fail "resume of a paused container with a frozen exec'd process: status $rc"
}

# The processes of a paused container are frozen, and so is one exec'd
# with --ignore-paused: no output until resume, then it runs and ends.
# Repeated, with both CPUs kept busy, since the moment the process freezes
# varies (a runtime whose process still holds one of its fds then, such as
# the state dir's lock, blocks `resume` for good).
test_ignore_paused () {
  local id i xpid epid rc pid
  new_sleeper
  id=$(start_sleeper)
  pid=$(init_pid "$id")
  # Two busy loops (ending by themselves after two minutes at most).  They
  # are stopped and the container is thawed whatever happens; the trap runs
  # after the function, so it uses globals of the test's subshell.
  (SECONDS=0; while ((SECONDS < 120)); do :; done) &
  SPIN1=$!
  (SECONDS=0; while ((SECONDS < 120)); do :; done) &
  SPIN2=$!
  IP_INIT=$pid
  trap 'kill "$SPIN1" "$SPIN2"; thaw_by_hand "$IP_INIT"' EXIT
  for ((i = 1; i <= 40; i++)); do
    rt pause "$id"
    "$RUNTIME" --root "$STATE" exec --ignore-paused "$id" /bin/sh -c 'echo ran' \
      </dev/null >"$T/ip.out" 2>"$T/ip.err" &
    xpid=$!
    epid=$(frozen_exec_pid "$xpid" "$pid")
    assert_eq "$(cat "$T/ip.out")" "" "output of the frozen process (round $i)"
    resume_or_thaw "$id" "$epid"
    rc=0
    wait "$xpid" || rc=$?
    lib_diag "round $i: stderr: $(cat "$T/ip.err")"
    assert_eq "$rc" 0 "status of exec --ignore-paused (round $i)"
    assert_eq "$(cat "$T/ip.out")" ran "output after resume (round $i)"
  done
}

# --cgroup: the exec'd process lands in an existing sub-cgroup of the
# container's; `..` and the v1 controller:path form are refused.
test_exec_cgroup_sub () {
  new_bundle /probe sleep 60
  local id pid host_dir
  id=$(unique_id)
  rt_run_d "$id"
  pid=$(state_field "$id" .pid)
  host_dir=/sys/fs/cgroup/pids$(awk -F: '$2 == "pids" { print $3 }' "/proc/$pid/cgroup")
  [ -d "$host_dir" ] || { skip "no v1 pids hierarchy here"; return; }
  # The sub-cgroup must exist in every hierarchy the container uses.
  local d
  for d in /sys/fs/cgroup/*/; do
    local rel
    rel=$(awk -F: -v c="$(basename "$d")" '$2 == c || $2 == "name=" c { print $3 }' "/proc/$pid/cgroup")
    [ -n "$rel" ] && [ -d "$d$rel" ] || continue
    mkdir -p "$d$rel/sub"
    # A v1 cpuset takes processes only once it has cpus and mems.
    if [ -f "$d$rel/cpuset.cpus" ]; then
      cat "$d$rel/cpuset.cpus" >"$d$rel/sub/cpuset.cpus"
      cat "$d$rel/cpuset.mems" >"$d$rel/sub/cpuset.mems"
    fi
  done
  rel=$(awk -F: '$2 == "" { print $3 }' "/proc/$pid/cgroup")
  [ -n "$rel" ] && [ -d "/sys/fs/cgroup/unified$rel" ] && mkdir -p "/sys/fs/cgroup/unified$rel/sub"
  run rt exec --cgroup sub "$id" cat /proc/self/cgroup
  assert_eq "$status" 0 "exec --cgroup sub runs"
  assert_match "$output" "pids:.*/sub" "the process is in the sub-cgroup"
  run rt exec --cgroup ../x "$id" true
  assert_eq "$status" 255 "`..` is refused"
  run rt exec --cgroup cpu:sub "$id" true
  assert_eq "$status" 255 "controller:path is refused"
}

run_test "output, stderr and exit status (0, 3)" test_output_and_status
run_test "killed from the host: 137" test_killed_from_outside
run_test "every namespace of init; ps shows init as 1" test_namespaces
run_test "init's cgroup; ps lists both" test_cgroup
run_test "user namespace: joined, ids mapped" test_user_namespace
run_test "env: config plus -e, -e wins" test_env
run_test "cwd: config and --cwd" test_cwd
run_test "-u 1000:1000, -g" test_user_and_groups
run_test "--cap CAP_NET_ADMIN" test_cap_added
run_test "config's caps, no_new_privs, rlimits, seccomp" test_config_confinement
run_test "-p process.json" test_process_json
run_test "-d --pid-file returns at once" test_detach_pid_file
run_test "-t with --console-socket" test_tty_console_socket
run_test "-t in the foreground relays the pty" test_tty_foreground
run_test "error: command not found" test_error_missing_command
run_test "error: stopped container" test_error_stopped
run_test "error: missing container" test_error_missing_id
run_test "error: paused container" test_error_paused
run_test "--ignore-paused: frozen until resume" test_ignore_paused
run_test "error: bad -u, -g; unknown --cap named" test_error_bad_user
run_test "no fd of the runtime leaks" test_no_fd_leak
run_test "runtime binary unreachable (CVE-2019-5736)" test_runtime_exe_unreachable
run_test "exec --cgroup: a sub-cgroup of the container" test_exec_cgroup_sub
done_testing
