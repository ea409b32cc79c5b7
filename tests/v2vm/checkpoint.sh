#!/bin/bash
# checkpoint.sh: checkpoint and restore through CRIU, on a machine whose
# kernel CRIU accepts.  tests/integration/t-checkpoint.sh runs it in the
# cgroup v2 VM (tests/v2vm/run-in-v2-vm.sh, Debian's 6.1 kernel) with the
# modules CRIU needs loaded at boot; it is an ordinary lib.sh test file
# otherwise: TAP on stdout.
#
# Every test runs a container whose shell loop appends 1, 2, 3... to
# /tmp/log in its rootfs, one line a tick, from a shell variable: after a
# restore the log must go on from the last value written before the dump
# (the variable came back from the images), not start again at 1.
#
# The loops run as the container's init, as they are: cove's init leads
# a session of its own (as runc's does), which CRIU wants of a pid
# namespace's init; test_plain_init checks that no --shell-job was needed.
#
# The container's stdio: rt_run_d and restore_d send stdout and stderr to
# a regular file ($T/ID.out, truncated by each) and stdin from the host's
# /dev/null, both outside the container: restore hands over its own.

# shellcheck source=tests/integration/lib.sh disable=SC2016,SC2119,SC2154,SC2317 # jq programs in single quotes; unique_id takes no args here; run sets status/output/errout; tests are called by name
. "$(dirname "$0")/../integration/lib.sh"

command -v criu >/dev/null || lib_bail "criu is not installed"
# CRIU's checks want the loopback up in the namespace it runs in.
ip link set lo up 2>/dev/null || true
if ! criu check >"$T/criu-check" 2>&1; then
  echo "1..0 # SKIP criu refuses this machine: $(grep -m1 Error "$T/criu-check")"
  exit 77
fi

LOOP='i=0; while :; do i=$((i+1)); echo $i >>/tmp/log; sleep 0.1; done'

# loop_bundle [LIMIT]: a bundle whose init counts into /tmp/log (up to
# LIMIT, then exits 7, if given).  Without a network namespace of its
# own: dumping one costs criu seconds under TCG (ip, iptables-save...),
# so only test_restore_same_id and test_plain_init have one.
loop_bundle () {
  local body=$LOOP
  [ -z "${1:-}" ] || body="i=0; while [ \$i -lt $1 ]; do i=\$((i+1)); echo \$i >>/tmp/log; sleep 0.1; done; exit 7"
  new_bundle /bin/sh -c "$body"
  cfg 'del(.linux.namespaces[] | select(.type == "network"))'
  IMG=$(mktemp -d "$T/img.XXXXXX")
}

# count: the last value the loop wrote.
count () {
  tail -n1 "$BUNDLE/rootfs/tmp/log" 2>/dev/null || echo 0
}

# wait_count N: until the loop has written N or more.
wait_count () {
  local i
  for ((i = 0; i < 300; i++)); do
    [ "$(count)" -ge "$1" ] && return 0
    sleep 0.1
  done
  fail "the loop did not reach $1 (at $(count))"
}

# assert_continuous: the log is 1, 2, 3... with no value twice: nothing
# started again from 0 and nothing ran twice.
assert_continuous () {
  local bad
  bad=$(awk 'NR != $1 { print NR ": " $0; exit }' "$BUNDLE/rootfs/tmp/log")
  [ -z "$bad" ] || fail "the count restarted or repeated at line $bad"
}

# checkpoint ID IMG [OPTS...]
checkpoint () {
  local id=$1 img=$2
  shift 2
  assert_ok rt checkpoint --image-path "$img" "$@" "$id"
}

# restore_d ID IMG [OPTS...]: restore -d from $BUNDLE, stdio to files.
restore_d () {
  local id=$1 img=$2 rc=0
  shift 2
  track_id "$id"
  rt restore -d -b "$BUNDLE" --image-path "$img" "$@" "$id" </dev/null >"$T/$id.out" \
    2>"$T/$id.err" || rc=$?
  lib_show_failure "$id" "$rc"
}

cg_of () {
  sed -n 's/^0:://p' "/proc/$1/cgroup"
}

# ---------------------------------------------------------------------------

test_restore_same_id () {
  loop_bundle
  # The default config's network namespace (loopback only) is dumped too.
  cfg '.linux.namespaces += [{type: "network"}]'
  local id pid1 pid2 at cg
  id=$(unique_id)
  rt_run_d "$id"
  pid1=$(state_field "$id" .pid)
  cg=$(cg_of "$pid1")
  wait_count 3
  checkpoint "$id" "$IMG"
  # Dumped and gone, as with runc: no state, no process, no cgroup.
  assert_fail rt state "$id"
  assert_error_mentions "$errout" "does not exist"
  [ ! -d "/proc/$pid1" ] || fail "init $pid1 still runs after the dump"
  [ ! -d "/sys/fs/cgroup$cg" ] || fail "the cgroup $cg is left after the dump"
  at=$(count)
  sleep 0.5
  assert_eq "$(count)" "$at" "the count while dumped"
  [ -f "$IMG/pstree.img" ] || fail "no pstree.img in the image dir"

  restore_d "$id" "$IMG" --pid-file "$T/pid"
  assert_eq "$(state_field "$id" .status)" running "status after restore"
  pid2=$(state_field "$id" .pid)
  assert_eq "$(cat "$T/pid")" "$pid2" "--pid-file"
  assert_eq "$(cg_of "$pid2")" "$cg" "cgroup of the restored init"
  wait_count $((at + 3))
  assert_continuous
  # The normal lifecycle: exec, kill, delete.
  assert_ok rt exec "$id" /bin/sh -c 'tail -n1 /tmp/log'
  [ "$output" -gt "$at" ] || fail "exec saw $output, dumped at $at"
  assert_ok rt kill "$id" KILL
  wait_status "$id" stopped
  assert_ok rt delete "$id"
  [ ! -d "/sys/fs/cgroup$cg" ] || fail "delete left the cgroup $cg"
}

test_restore_new_id_and_cgroup () {
  loop_bundle
  local id id2 pid at want
  id=$(unique_id)
  id2=$(unique_id new)
  rt_run_d "$id"
  wait_count 3
  checkpoint "$id" "$IMG"
  at=$(count)
  want=/covetest-$ID_PREFIX/restored
  cfg --arg p "$want" '.linux.cgroupsPath = $p'
  restore_d "$id2" "$IMG"
  assert_fail rt state "$id"
  pid=$(state_field "$id2" .pid)
  assert_eq "$(cg_of "$pid")" "$want" "cgroup of the restored init"
  wait_count $((at + 3))
  assert_continuous
  assert_ok rt delete -f "$id2"
  [ ! -d "/sys/fs/cgroup$want" ] || fail "delete left $want"
  rmdir "/sys/fs/cgroup/covetest-$ID_PREFIX" 2>/dev/null || true
}

test_leave_running () {
  loop_bundle
  local id pid at lines first
  id=$(unique_id)
  rt_run_d "$id"
  pid=$(state_field "$id" .pid)
  wait_count 3
  checkpoint "$id" "$IMG" --leave-running
  at=$(count)
  assert_eq "$(state_field "$id" .status)" running "status after --leave-running"
  assert_eq "$(state_field "$id" .pid)" "$pid" "pid after --leave-running"
  wait_count $((at + 3))
  [ -f "$IMG/pstree.img" ] || fail "no images written"
  # The images hold the loop as it was at the dump: restored once the
  # original is gone, it writes again values the original wrote after.
  assert_ok rt delete -f "$id"
  lines=$(wc -l <"$BUNDLE/rootfs/tmp/log")
  restore_d "$id" "$IMG"
  wait_count $((lines + 1))
  first=$(sed -n "$((lines + 1))p" "$BUNDLE/rootfs/tmp/log")
  if [ "$first" -le 1 ] || [ "$first" -gt $((at + 1)) ]; then
    fail "the restored loop went on with $first, dumped at or before $at"
  fi
}

test_pre_dump () {
  loop_bundle
  local id at
  id=$(unique_id)
  rt_run_d "$id"
  wait_count 3
  checkpoint "$id" "$IMG/pre" --pre-dump
  assert_eq "$(state_field "$id" .status)" running "status after --pre-dump"
  [ -n "$(ls "$IMG/pre"/pages-*.img 2>/dev/null)" ] || fail "the pre-dump wrote no pages"
  wait_count $(($(count) + 3))
  checkpoint "$id" "$IMG/final" --parent-path ../pre
  [ -L "$IMG/final/parent" ] || fail "the final dump has no parent link"
  assert_fail rt state "$id"
  at=$(count)
  restore_d "$id" "$IMG/final"
  wait_count $((at + 3))
  assert_continuous
}

test_restore_foreground () {
  loop_bundle 25
  local id at
  id=$(unique_id)
  rt_run_d "$id"
  wait_count 3
  checkpoint "$id" "$IMG"
  at=$(count)
  [ "$at" -lt 25 ] || skip "the loop finished before the dump"
  # Without -d: waits for init and exits with its status, like run.
  run rt restore -b "$BUNDLE" --image-path "$IMG" "$id"
  assert_eq "$status" 7 "exit status of restore"
  assert_eq "$(count)" 25 "last count"
  assert_continuous
  assert_fail rt state "$id"
}

test_volume_and_criu_config () {
  loop_bundle
  local id at vol
  vol=$(mktemp -d "$T/vol.XXXXXX")
  cfg --arg v "$vol" '.mounts += [{destination: "/data", type: "bind", source: $v,
                                   options: ["rbind", "rw"]}]'
  cfg '.process.args[2] = "i=0; while :; do i=$((i+1)); echo $i >>/data/log; echo $i >>/tmp/log; sleep 0.1; done"'
  # org.criu.config: criu reads that file.  An unknown option in it fails
  # the dump (and the container keeps running); a good one is used.
  printf 'no-such-criu-option\n' >"$T/criu.conf"
  cfg --arg f "$T/criu.conf" '.annotations["org.criu.config"] = $f'
  id=$(unique_id)
  rt_run_d "$id"
  wait_count 3
  assert_fail rt checkpoint --image-path "$IMG" "$id"
  assert_one_line "$errout"
  assert_error_mentions "$errout" "criu dump failed"
  assert_eq "$(state_field "$id" .status)" running "status after a failed dump"
  printf 'file-locks\n' >"$T/criu.conf"
  checkpoint "$id" "$IMG"
  grep -q "criu.conf" "$IMG/dump.log" || fail "the dump log does not name the config file"
  # The volume is a bind mount from outside the rootfs: external.
  grep -q "^mount" "$IMG/cove-descriptor" || fail "the volume is not an external mount"
  at=$(count)
  restore_d "$id" "$IMG"
  wait_count $((at + 3))
  assert_continuous
  [ "$(tail -n1 "$vol/log")" -gt "$at" ] || fail "the restored loop does not write the volume"
}

test_restore_failures () {
  loop_bundle
  local id empty
  id=$(unique_id)
  rt_run_d "$id"
  wait_count 3
  assert_fails_clean rt checkpoint --manage-cgroups-mode bogus --image-path "$IMG" "$id"
  assert_error_mentions "$errout" --manage-cgroups-mode
  checkpoint "$id" "$IMG"
  track_id "$id"
  assert_fails_clean rt restore --manage-cgroups-mode bogus -b "$BUNDLE" --image-path "$IMG" "$id"
  assert_error_mentions "$errout" --manage-cgroups-mode
  empty=$(mktemp -d "$T/empty.XXXXXX")
  assert_fails_clean rt restore -b "$BUNDLE" --image-path "$empty" "$id"
  assert_error_mentions "$errout" --image-path
  # Images without memory: criu fails half way, after cove made the
  # state dir and the cgroup.
  rm -f "$IMG"/pages-*.img
  assert_fails_clean rt restore -b "$BUNDLE" --image-path "$IMG" "$id"
  assert_error_mentions "$errout" "criu restore failed"
  assert_fail rt state "$id"
}

# start_recvtty SOCKET: holds the pty master sent there (tests/helpers/recvtty).
start_recvtty () {
  "$LIB_TOP/tests/helpers/recvtty" -w 120 -t 60 "$1" </dev/null >"$1.out" 2>"$1.err" &
  echo $! >>"$T/recvtty.pids"
  wait_for 10 test -S "$1"
}

test_terminal () {
  # process.terminal: init's stdio is a pty whose master went to the
  # console socket: an external tty for criu, a new pty on restore.
  new_bundle /bin/sh -c "$LOOP"
  cfg '.process.terminal = true | del(.linux.namespaces[] | select(.type == "network"))'
  IMG=$(mktemp -d "$T/img.XXXXXX")
  local id at pid
  id=$(unique_id)
  start_recvtty "$T/c1.sock"
  rt_run_d "$id" --console-socket "$T/c1.sock"
  wait_count 3
  checkpoint "$id" "$IMG"
  grep -q 'tty\[' "$IMG/cove-descriptor" || fail "the terminal is not an external tty"
  at=$(count)
  track_id "$id"
  assert_fails_clean rt restore -d -b "$BUNDLE" --image-path "$IMG" "$id"
  assert_error_mentions "$errout" --console-socket
  start_recvtty "$T/c2.sock"
  restore_d "$id" "$IMG" --console-socket "$T/c2.sock"
  wait_count $((at + 3))
  assert_continuous
  pid=$(state_field "$id" .pid)
  assert_match "$(readlink "/proc/$pid/fd/0")" '^/dev/pts/[0-9]+$' "stdin of the restored init"
  grep -q '^ptn=' "$T/c2.sock.err" || fail "the console socket got no pty"
  assert_ok rt delete -f "$id"
  local p
  while read -r p; do
    kill "$p" 2>/dev/null || true
  done <"$T/recvtty.pids"
}

test_plain_init () {
  # The default config (network namespace too), no --shell-job: cove's
  # init leads its own session, which CRIU wants (see the header).
  new_bundle /bin/sh -c "$LOOP"
  IMG=$(mktemp -d "$T/img.XXXXXX")
  local id at pid sid
  id=$(unique_id)
  rt_run_d "$id"
  pid=$(state_field "$id" .pid)
  sid=$(awk '{ print $6 }' "/proc/$pid/stat")
  assert_eq "$sid" "$pid" "session of init"
  wait_count 3
  checkpoint "$id" "$IMG"
  grep -q 'shell-job' "$IMG/cove-descriptor" && fail "the dump used --shell-job"
  grep -q -- '--shell-job' "$IMG/dump.log" && fail "criu was given --shell-job"
  at=$(count)
  restore_d "$id" "$IMG"
  wait_count $((at + 3))
  assert_continuous
  pid=$(state_field "$id" .pid)
  assert_eq "$(awk '{ print $6 }' "/proc/$pid/stat")" "$pid" "session of the restored init"
}

# wait_lines FILE N: until FILE has N lines or more.
wait_lines () {
  local i
  for ((i = 0; i < 300; i++)); do
    [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
    sleep 0.1
  done
  fail "$1 did not reach $2 lines"
}

test_stdout_regular_file () {
  # The count goes to stdout as well, a regular file of the host opened
  # without O_APPEND (criu records the size of such a file); restore's
  # stdout is another, empty file: the restored init writes there.
  loop_bundle
  cfg '.process.args[2] = "i=0; while :; do i=$((i+1)); echo $i >>/tmp/log; echo $i; sleep 0.1; done"'
  local id at n1 first
  id=$(unique_id)
  rt run -d -b "$BUNDLE" "$id" </dev/null >"$T/out1" 2>"$T/$id.err" \
    || fail "run -d: $(cat "$T/$id.err")"
  wait_count 3
  checkpoint "$id" "$IMG"
  grep -q '^stdio.1.file\[' "$IMG/cove-descriptor" || fail "stdout is not an external file"
  at=$(count)
  n1=$(wc -l <"$T/out1")
  [ "$n1" -gt 0 ] || fail "the loop wrote nothing to stdout before the dump"
  track_id "$id"
  rt restore -d -b "$BUNDLE" --image-path "$IMG" "$id" </dev/null >"$T/out2" 2>"$T/$id.err2" \
    || fail "restore with another stdout file: $(cat "$T/$id.err2")"
  wait_count $((at + 3))
  assert_continuous
  wait_lines "$T/out2" 3
  first=$(head -n1 "$T/out2")
  assert_eq "$first" $((at + 1)) "first value on the new stdout"
  assert_eq "$(wc -l <"$T/out1")" "$n1" "lines in the old stdout after the restore"
  assert_ok rt delete -f "$id"
}

# on_host_mount PID FD: fd FD of PID lies on a mount PID does not see.
on_host_mount () {
  local mnt
  mnt=$(awk '$1 == "mnt_id:" { print $2 }' "/proc/$1/fdinfo/$2")
  [ -n "$mnt" ] && ! awk -v m="$mnt" '$1 == m { f = 1 } END { exit !f }' "/proc/$1/mountinfo"
}

test_host_file_beyond_stdio () {
  # init's child holds the host's /dev/null (the stdin run -d got) on
  # fd 5, init no longer does (its stdin is the container's /dev/null):
  # CRIU cannot resolve that file in the container's mounts; restore
  # opens it again by its host path.
  loop_bundle
  mkfifo "$BUNDLE/rootfs/tick"
  cfg '.process.args[2] = "exec 4<&0 3<>/tick </dev/null; (while :; do read -t 1 x <&3; done) 5<&4 &
    exec 4<&-; i=0; while :; do i=$((i+1)); echo $i >>/tmp/log; read -t 0.1 x <&3; done"'
  local id at pid child
  id=$(unique_id)
  rt_run_d "$id"
  pid=$(state_field "$id" .pid)
  wait_count 3
  child=$(awk '{ print $1 }' "/proc/$pid/task/$pid/children")
  on_host_mount "$child" 5 || fail "fd 5 of the child is not on a host mount before the dump"
  on_host_mount "$pid" 0 && fail "stdin of init is still the host's"
  checkpoint "$id" "$IMG"
  grep -q '^file.file\[' "$IMG/cove-descriptor" || fail "fd 5 is not an external file"
  at=$(count)
  restore_d "$id" "$IMG"
  wait_count $((at + 3))
  assert_continuous
  pid=$(state_field "$id" .pid)
  child=$(awk '{ print $1 }' "/proc/$pid/task/$pid/children")
  [ -n "$child" ] || fail "the restored init has no child"
  assert_eq "$(stat -Lc %t:%T "/proc/$child/fd/5")" 1:3 "fd 5 of the restored child"
  on_host_mount "$child" 5 || fail "fd 5 of the restored child is not the host's /dev/null"
  assert_ok rt delete -f "$id"
}

run_test "checkpoint, then restore under the same id: the count goes on" test_restore_same_id
run_test "restore under a new id and a new cgroupsPath" test_restore_new_id_and_cgroup
run_test "--leave-running keeps the container running" test_leave_running
run_test "--pre-dump, then a dump with --parent-path" test_pre_dump
run_test "restore without -d waits and exits with init's status" test_restore_foreground
run_test "a volume is an external mount; org.criu.config is read" test_volume_and_criu_config
run_test "failed or refused restores leave nothing behind" test_restore_failures
run_test "a container with a terminal" test_terminal
run_test "init leads its session: dumped without --shell-job" test_plain_init
run_test "stdout a regular file: restored with another stdout file" test_stdout_regular_file
run_test "a host file open in init's child, not in init: opened again at restore" \
  test_host_file_beyond_stdio
done_testing
