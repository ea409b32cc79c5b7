#!/bin/bash
# checkpoint-flags.sh: the flags of checkpoint and restore that change
# what criu does, each observed through its effect, on a machine whose
# kernel CRIU accepts.  tests/integration/t-checkpoint.sh runs it in the
# same VM boot as tests/v2vm/checkpoint.sh (which covers the lifecycle:
# same or new id, --leave-running, --pre-dump, -d, --pid-file, terminals,
# volumes); an ordinary lib.sh test file otherwise: TAP on stdout.
#
# Dumps are slow under TCG, so flags whose effects are independent share
# a container and a dump (locks, work dir, status fd and the LSM options;
# TCP and unix sockets); every --manage-cgroups-mode value is used once at
# a dump and once at a restore (strict is refused there by criu: cove has
# made the cgroup), and each restore checks that the restored init is in
# the cgroup cove made.
#
# Tools the busybox rootfs lacks (flock, socat) are copied into the
# bundle's rootfs from this machine with their shared libraries.

# shellcheck source=tests/integration/lib.sh disable=SC2016,SC2119,SC2154,SC2317 # jq programs in single quotes; unique_id takes no args here; run sets status/output/errout; tests are called by name
. "$(dirname "$0")/../integration/lib.sh"

command -v criu >/dev/null || lib_bail "criu is not installed"
ip link set lo up 2>/dev/null || true
if ! criu check >"$T/criu-check" 2>&1; then
  echo "1..0 # SKIP criu refuses this machine: $(grep -m1 Error "$T/criu-check")"
  exit 77
fi

LOOP='i=0; while :; do i=$((i+1)); echo $i >>/tmp/log; sleep 0.1; done'

# loop_bundle: a bundle whose init counts into /tmp/log, without a network
# namespace of its own (dumping one costs criu seconds under TCG).
loop_bundle () {
  new_bundle /bin/sh -c "$LOOP"
  cfg 'del(.linux.namespaces[] | select(.type == "network"))'
  IMG=$(mktemp -d "$T/img.XXXXXX")
}

# add_host_bins NAME...: copies these programs of this machine and their
# shared libraries (and the loader) into the bundle's rootfs, same paths.
add_host_bins () {
  local b p f
  for b in "$@"; do
    p=$(command -v "$b") || skip "$b is not installed here"
    for f in "$p" $(ldd "$p" | grep -o '/[^ ]*'); do
      cp -L --parents "$f" "$BUNDLE/rootfs/"
    done
  done
}

# last FILE: its last line (0 when none).
last () {
  tail -n1 "$1" 2>/dev/null | grep . || echo 0
}

count () {
  last "$BUNDLE/rootfs/tmp/log"
}

# wait_above FILE N: until the last value in FILE exceeds N.
wait_above () {
  local i
  for ((i = 0; i < 300; i++)); do
    [ "$(last "$1")" -gt "$2" ] && return 0
    sleep 0.1
  done
  fail "${1##*/} did not go past $2 (at $(last "$1"))"
}

wait_count () {
  wait_above "$BUNDLE/rootfs/tmp/log" $(($1 - 1))
}

# assert_continuous [FILE]: 1, 2, 3... with no value missing or twice.
assert_continuous () {
  local f=${1:-$BUNDLE/rootfs/tmp/log} bad
  bad=$(awk 'NR != $1 { print NR ": " $0; exit }' "$f")
  [ -z "$bad" ] || fail "${f##*/}: the count restarted, skipped or repeated at line $bad"
}

checkpoint () {
  local id=$1 img=$2
  shift 2
  assert_ok rt checkpoint --image-path "$img" "$@" "$id"
}

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

# assert_cgroup PID CGROUP MODE: the restored init is in the cgroup cove
# made for the container, whatever criu's cgroup mode was.
assert_cgroup () {
  assert_eq "$(cg_of "$1")" "$2" "cgroup of the restored init (--manage-cgroups-mode $3)"
  [ -d "/sys/fs/cgroup$2" ] || fail "the cgroup $2 does not exist"
}

# host_locked FILE: a host process cannot flock FILE now.
host_locked () {
  ! flock -n "$1" true
}

# ---------------------------------------------------------------------------

test_locks_work_status_lsm () {
  # init takes an flock on /tmp/lk (on its fd 9, which it keeps) and counts.
  loop_bundle
  add_host_bins flock
  cfg '.process.args[2] = "exec 9>/tmp/lk; /usr/bin/flock -x 9 || exit 9; " + .process.args[2]'
  local id pid cg at w0=$T/work0 w=$T/work1 w2=$T/work2 pid2 lk
  lk=$BUNDLE/rootfs/tmp/lk
  id=$(unique_id)
  rt_run_d "$id"
  pid=$(state_field "$id" .pid)
  cg=$(cg_of "$pid")
  wait_count 3
  host_locked "$lk" || fail "the container holds no lock on /tmp/lk"

  # Without --file-locks criu refuses the lock: the dump fails, its log
  # lies in --work-path, and the status fd gets nothing.
  run rt checkpoint --image-path "$IMG/refused" --work-path "$w0" --status-fd 3 "$id" \
    3>"$T/status0"
  assert_ne "$status" 0 "status of the dump without --file-locks"
  assert_one_line "$errout"
  assert_error_mentions "$errout" "criu dump failed"
  assert_error_mentions "$errout" "$w0/dump.log"
  [ -s "$w0/dump.log" ] || fail "no dump.log in --work-path"
  [ ! -e "$IMG/refused/dump.log" ] || fail "the log went to the image dir"
  assert_eq "$(wc -c <"$T/status0")" 0 "bytes on --status-fd after a failed dump"
  assert_eq "$(state_field "$id" .status)" running "status after the refused dump"
  assert_eq "$(state_field "$id" .pid)" "$pid" "pid after the refused dump"

  run rt checkpoint --image-path "$IMG" --work-path "$w" --status-fd 3 --file-locks \
    --manage-cgroups-mode full "$id" 3>"$T/status1"
  assert_eq "$status" 0 "status of the dump with --file-locks ($errout)"
  # One NUL byte, once the images were complete.
  assert_eq "$(od -An -tx1 "$T/status1" | tr -d ' \n')" 00 "what --status-fd got"
  [ -s "$w/dump.log" ] || fail "no dump.log in --work-path"
  [ ! -e "$IMG/dump.log" ] || fail "dump.log went to the image dir"
  [ -f "$IMG/pstree.img" ] || fail "no pstree.img in the image dir"
  [ -z "$(ls "$w"/*.img 2>/dev/null)" ] || fail "images went to --work-path: $(ls "$w")"
  at=$(count)
  # Dumped and gone: the lock went with the container.
  host_locked "$lk" && fail "the lock is still held after the dump"

  track_id "$id"
  # --lsm-profile: criu checks the LSM the profile names against the
  # kernel's; the VM has no SELinux.
  assert_fails_clean rt restore -b "$BUNDLE" --image-path "$IMG" \
    --lsm-profile selinux:system_u:system_r:container_t:s0 "$id"
  assert_error_mentions "$errout" "criu restore failed"
  assert_error_mentions "$errout" selinux
  if [ ! -d /sys/kernel/security/apparmor ]; then
    assert_fails_clean rt restore -b "$BUNDLE" --image-path "$IMG" \
      --lsm-profile apparmor:unconfined "$id"
    assert_error_mentions "$errout" apparmor
  fi

  # --lsm-mount-context replaces only a context= the dumped mounts had:
  # none here, nothing changes.  No --file-locks: the dump's is implied.
  mkdir "$w2"
  rm -f "$IMG/restore.log"
  restore_d "$id" "$IMG" --work-path "$w2" --manage-cgroups-mode soft \
    --lsm-mount-context system_u:object_r:container_file_t:s0
  [ -s "$w2/restore.log" ] || fail "no restore.log in --work-path"
  [ ! -e "$IMG/restore.log" ] || fail "restore.log went to the image dir"
  pid2=$(state_field "$id" .pid)
  assert_cgroup "$pid2" "$cg" soft
  wait_count $((at + 3))
  assert_continuous
  host_locked "$lk" || fail "the restored container does not hold the lock"
  grep -q 'context=' "/proc/$pid2/mountinfo" && fail "a restored mount has a context"
  assert_ok rt delete -f "$id"
  host_locked "$lk" && fail "the lock outlived the container"
  return 0
}

test_sockets () {
  # init counts into /tmp/log and sends each value over a loopback TCP
  # connection to a server in the container (busybox nc -l -e /srv.sh),
  # which logs it in /tmp/srv and answers into /tmp/cli.  A second loop
  # sends datagrams on a unix socket connected to one bound outside, by
  # the host ($T/extsk/sock, a volume at the same path inside, as /dev/log
  # is for a logger).  In this machine's network namespace: criu finds an
  # external unix peer through sock_diag, which sees only the namespace
  # the container is in (with a namespace of its own the dump fails even
  # with --ext-unix-sk: "Unix socket N without peer M").
  loop_bundle
  add_host_bins socat
  local sk=$T/extsk id pid cg at srv_n cli_n recv_at pid2
  mkdir "$sk"
  socat -u "UNIX-RECV:$sk/sock" - >"$T/recv" 2>"$T/recv.err" &
  echo $! >"$T/recv.pid"
  wait_for 10 test -S "$sk/sock"
  printf '#!/bin/sh\nwhile read x; do echo "$x" >>/tmp/srv; echo "ack $x"; done\n' \
    >"$BUNDLE/rootfs/srv.sh"
  chmod 755 "$BUNDLE/rootfs/srv.sh"
  cfg --arg d "$sk" --arg p "$((17000 + $$ % 1000))" \
    '.mounts += [{destination: $d, type: "bind", source: $d, options: ["rbind", "rw"]}]
     | .process.env += ["SK=" + $d + "/sock", "PORT=" + $p]'
  cfg --arg s 'nc -l -p $PORT -e /srv.sh &
    until netstat -ltn | grep -q ":$PORT "; do sleep 0.1; done
    (j=0; while :; do j=$((j+1)); echo $j; sleep 0.1; done |
      /usr/bin/socat -u - UNIX-CONNECT:$SK,type=2) &
    i=0; while :; do i=$((i+1)); echo $i >>/tmp/log; echo $i; sleep 0.1; done |
      nc 127.0.0.1 $PORT >>/tmp/cli' '.process.args[2] = $s'
  id=$(unique_id)
  rt_run_d "$id"
  pid=$(state_field "$id" .pid)
  cg=$(cg_of "$pid")
  wait_count 3
  wait_above "$BUNDLE/rootfs/tmp/srv" 2
  wait_above "$T/recv" 2

  # The unix socket's peer is outside: refused without --ext-unix-sk.
  run rt checkpoint --image-path "$IMG/refused" --tcp-established "$id"
  assert_ne "$status" 0 "status of the dump without --ext-unix-sk"
  assert_one_line "$errout"
  assert_error_mentions "$errout" "criu dump failed"
  assert_eq "$(state_field "$id" .status)" running "status after the refused dump"

  checkpoint "$id" "$IMG" --tcp-established --ext-unix-sk --manage-cgroups-mode soft
  at=$(count)
  srv_n=$(wc -l <"$BUNDLE/rootfs/tmp/srv")
  cli_n=$(wc -l <"$BUNDLE/rootfs/tmp/cli")
  recv_at=$(last "$T/recv")
  restore_d "$id" "$IMG" --tcp-established --ext-unix-sk --manage-cgroups-mode full
  pid2=$(state_field "$id" .pid)
  assert_cgroup "$pid2" "$cg" full
  wait_count $((at + 5))
  assert_continuous
  # The same connection carried data both ways after the restore: the
  # server logged every value once, in order, past the dump.
  wait_above "$BUNDLE/rootfs/tmp/srv" $((srv_n + 3))
  assert_continuous "$BUNDLE/rootfs/tmp/srv"
  [ "$(wc -l <"$BUNDLE/rootfs/tmp/cli")" -gt "$cli_n" ] || fail "no answer came back after restore"
  # The restored unix socket is connected to the host's again.
  wait_above "$T/recv" $((recv_at + 3))
  assert_continuous "$T/recv"
  assert_ok rt delete -f "$id"
  kill "$(cat "$T/recv.pid")" 2>/dev/null || true
}

test_page_server () {
  # Memory goes to `criu page-server` (here, on loopback); the image dir
  # gets everything else.  Restored once the pages are put back.
  loop_bundle
  local id pid cg at ps=$T/ps port=$((27000 + $$ % 1000)) f pid2
  mkdir "$ps"
  id=$(unique_id)
  rt_run_d "$id"
  pid=$(state_field "$id" .pid)
  cg=$(cg_of "$pid")
  wait_count 3
  assert_fails_clean rt checkpoint --image-path "$IMG" --page-server "$port" "$id"
  assert_error_mentions "$errout" --page-server
  criu page-server --images-dir "$ps" --address 127.0.0.1 --port "$port" -d \
    --pidfile "$ps/criu.pid" -o ps.log -v4 || fail "criu page-server did not start"
  checkpoint "$id" "$IMG" --page-server "127.0.0.1:$port" --manage-cgroups-mode ignore
  at=$(count)
  [ -f "$IMG/pstree.img" ] || fail "no pstree.img in the image dir"
  [ -z "$(ls "$IMG"/pages-*.img 2>/dev/null)" ] || fail "pages went to the image dir"
  [ -n "$(ls "$ps"/pages-*.img 2>/dev/null)" ] || fail "the page server got no pages: $(ls "$ps")"
  [ "$(du -ck "$ps"/pages-*.img | tail -n1 | cut -f1)" -gt 0 ] || fail "the pages are empty"
  for f in "$ps"/pagemap-*.img "$ps"/pages-*.img; do
    [ ! -e "$f" ] || cp -n "$f" "$IMG/"
  done
  restore_d "$id" "$IMG" --manage-cgroups-mode ignore
  pid2=$(state_field "$id" .pid)
  assert_cgroup "$pid2" "$cg" ignore
  wait_count $((at + 3))
  assert_continuous
  assert_ok rt delete -f "$id"
}

# blocks DIR: disk blocks of the page images in DIR; apparent DIR: bytes.
blocks () {
  stat -c %b "$1"/pages-*.img | awk '{ s += $1 } END { print s }'
}

apparent () {
  stat -c %s "$1"/pages-*.img | awk '{ s += $1 } END { print s }'
}

test_auto_dedup () {
  loop_bundle
  local id at b1 b2 s1 s2
  id=$(unique_id)
  rt_run_d "$id"
  wait_count 3
  checkpoint "$id" "$IMG/pre" --pre-dump
  wait_count $(($(count) + 5))
  b1=$(blocks "$IMG/pre")
  s1=$(apparent "$IMG/pre")
  checkpoint "$id" "$IMG/final" --parent-path ../pre --auto-dedup
  b2=$(blocks "$IMG/pre")
  s2=$(apparent "$IMG/pre")
  # Pages the final dump wrote again are punched out of the parent's
  # images: fewer blocks, same size (holes, not a truncation).
  [ "$b2" -lt "$b1" ] || fail "the parent's pages still take $b2 blocks (were $b1)"
  assert_eq "$s2" "$s1" "apparent size of the parent's pages"
  at=$(count)
  restore_d "$id" "$IMG/final"
  wait_count $((at + 3))
  assert_continuous
  assert_ok rt delete -f "$id"
}

test_empty_ns () {
  # Own network namespace, marked with an address on lo; not dumped, so
  # the restored container is in a fresh one without it.
  new_bundle /bin/sh -c "$LOOP"
  IMG=$(mktemp -d "$T/img.XXXXXX")
  local id pid cg at pid2
  id=$(unique_id)
  rt_run_d "$id"
  pid=$(state_field "$id" .pid)
  cg=$(cg_of "$pid")
  nsenter -t "$pid" -n ip addr add 10.77.0.1/32 dev lo
  wait_count 3
  assert_fails_clean rt checkpoint --empty-ns ipc "$id"
  assert_error_mentions "$errout" --empty-ns
  checkpoint "$id" "$IMG" --empty-ns network --manage-cgroups-mode strict
  grep -q '^flags.*empty-netns' "$IMG/cove-descriptor" || fail "the descriptor lacks empty-netns"
  [ -z "$(ls "$IMG"/netdev-*.img "$IMG"/ifaddr-*.img 2>/dev/null)" ] \
    || fail "the network namespace was dumped"
  at=$(count)
  # strict makes criu abort on an existing cgroup, and cove makes the
  # container's before criu runs: refused, cleanly.
  track_id "$id"
  assert_fails_clean rt restore -b "$BUNDLE" --image-path "$IMG" --manage-cgroups-mode strict "$id"
  assert_error_mentions "$errout" "Abort restore of existing cgroups"
  restore_d "$id" "$IMG"
  pid2=$(state_field "$id" .pid)
  assert_cgroup "$pid2" "$cg" "(default)"
  wait_count $((at + 3))
  assert_continuous
  assert_ne "$(readlink "/proc/$pid2/ns/net")" "$(readlink /proc/self/ns/net)" "netns of the restored init"
  nsenter -t "$pid2" -n ip -o addr show dev lo >"$T/lo" 2>&1
  lib_diag "lo after restore: $(cat "$T/lo")"
  grep -q 10.77.0.1 "$T/lo" && fail "the dumped address is back: the namespace is not fresh"
  grep -q 'inet 127.0.0.1/8' "$T/lo" || fail "lo is not up in the new namespace (as create brings it up)"
  assert_ok rt delete -f "$id"
}

test_netns_path () {
  # A named network namespace joined by path: external to the dump,
  # joined again at restore (the address set there is still seen).
  local name=cove-ck-$ID_PREFIX id pid at pid2 ino
  ip netns add "$name"
  # shellcheck disable=SC2064 # the name now
  trap "ip netns del '$name' 2>/dev/null || true" EXIT
  ip netns exec "$name" ip link set lo up
  ip netns exec "$name" ip addr add 10.77.0.2/32 dev lo
  ino=$(stat -Lc %i "/run/netns/$name")
  loop_bundle
  cfg --arg p "/run/netns/$name" '.linux.namespaces += [{type: "network", path: $p}]'
  id=$(unique_id)
  rt_run_d "$id"
  pid=$(state_field "$id" .pid)
  assert_eq "$(stat -Lc %i "/proc/$pid/ns/net")" "$ino" "netns of init"
  wait_count 3
  checkpoint "$id" "$IMG"
  grep -q '^netns' "$IMG/cove-descriptor" || fail "the namespace is not external"
  at=$(count)
  restore_d "$id" "$IMG"
  pid2=$(state_field "$id" .pid)
  assert_eq "$(stat -Lc %i "/proc/$pid2/ns/net")" "$ino" "netns of the restored init"
  # (Through a file: grep -q would end the pipe early, and pipefail.)
  nsenter -t "$pid2" -n ip -o addr show dev lo >"$T/lo" 2>&1
  grep -q 10.77.0.2 "$T/lo" || fail "the restored init does not see the namespace's address"
  wait_count $((at + 3))
  assert_continuous
  assert_ok rt delete -f "$id"
}

test_shell_job () {
  # cove's init leads its own session: nothing of the dumped tree is in the
  # caller's session, so --shell-job is never needed; it is accepted,
  # recorded in the checkpoint and implied at restore, and the restored
  # init still leads its session.
  loop_bundle
  local id at pid2
  id=$(unique_id)
  rt_run_d "$id"
  wait_count 3
  checkpoint "$id" "$IMG" --shell-job
  grep -q '^flags.*shell-job' "$IMG/cove-descriptor" || fail "the descriptor lacks shell-job"
  at=$(count)
  restore_d "$id" "$IMG"
  pid2=$(state_field "$id" .pid)
  assert_eq "$(awk '{ print $6 }' "/proc/$pid2/stat")" "$pid2" "session of the restored init"
  wait_count $((at + 3))
  assert_continuous
  assert_ok rt delete -f "$id"
}

run_test "--file-locks, --work-path, --status-fd, --lsm-profile, --lsm-mount-context" \
  test_locks_work_status_lsm
run_test "--tcp-established and --ext-unix-sk: both connections live on" test_sockets
run_test "--page-server: the memory goes to criu page-server" test_page_server
run_test "--auto-dedup punches the parent's pages" test_auto_dedup
run_test "--empty-ns network: restored into a fresh network namespace" test_empty_ns
run_test "a network namespace joined by path is joined again" test_netns_path
run_test "--shell-job: recorded and implied at restore" test_shell_job
done_testing
