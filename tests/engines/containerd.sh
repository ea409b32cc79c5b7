#!/bin/bash
# containerd.sh: containerd 1.6 runs its containers with the runtime under
# test, through ctr and the runc shim (containerd-shim-runc-v2), which takes
# the runtime as `ctr run --runc-binary PATH` (the BinaryName of the runc
# runtime options; a CRI config sets the same field).  containerd gets its
# own config, root, state and socket under the temp dir, and a busybox image
# built here as a `docker save` archive.  TAP on stdout; exit 77 when
# containerd or ctr is not installed.
#
# What the shim runs, for the record (go-runc, containerd 1.6):
#   RT --root R --log B/log.json --log-format json create --bundle B
#      --pid-file B/init.pid [--console-socket S] ID
#   RT ... start ID | exec --process F --detach --pid-file P [--console-socket S] ID
#   RT ... kill ID SIG | pause ID | resume ID | ps --format json ID | delete [--force] ID
# `ctr tasks metrics` does not call the runtime on cgroup v1: the shim
# reads the container's cgroups itself (found from /proc/PID/cgroup of
# the init), so it checks where the runtime put the process and what it
# wrote there.
#
# Environment: see common.sh (RUNTIME, REF_RUNTIME, TEST_FILTER, VERBOSE,
# KEEP_TMP, ENG_TIMEOUT).

# shellcheck source=tests/engines/common.sh disable=SC2016,SC2154,SC2317 # container commands are single-quoted; eng_run sets status/output/errout; checks are called by name
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

for tool in containerd ctr containerd-shim-runc-v2; do
  command -v "$tool" >/dev/null \
    || eng_skip_all "$tool is not installed (apt-get install containerd)"
done
command -v script >/dev/null || eng_skip_all "script(1) is not installed (bsdutils)"
eng_init containerd
# Two runs at once would share /run/containerd/s.
eng_lock 240

CT_SOCK=$T/ctrd.sock
# The namespace names the cgroups (/sys/fs/cgroup/*/NS/ID), the runtime
# state dirs and the shim sockets; unique, so the cleanup removes only ours.
CT_NS=covetest$$
CT_IMG=docker.io/cove-test/busybox:latest
CT_SHIM_SOCKS=/run/containerd/s

# ctr with our daemon and namespace; an array for eng_run, which runs
# commands under timeout(1), a function for the rest.
CTR=(ctr --address "$CT_SOCK" --namespace "$CT_NS")
ctr_ () {
  "${CTR[@]}" "$@"
}

# ctr_run [RUN-OPTIONS...] -- ID CMD...: `ctr run` of the busybox image
# with the runtime under test; the result is in status/output/errout.
ctr_run () {
  local opts=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    opts+=("$1")
    shift
  done
  shift
  local id=$1
  shift
  echo "$id" >>"$T/ids"
  eng_run "${CTR[@]}" run --runc-binary "$ENG_RT" --runc-root "$T/runc" \
    --fifo-dir "$T/fifo" "${opts[@]}" "$CT_IMG" "$id" "$@"
}

# ctr_start [RUN-OPTIONS...] -- ID CMD...: a detached task whose stdout
# and stderr go to $T/ID.log; fails the check when it does not start.
ctr_start () {
  local opts=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    opts+=("$1")
    shift
  done
  local id=$2
  rm -f "$T/$id.log"
  ctr_run -d --log-uri "file://$T/$id.log" "${opts[@]}" "$@"
  [ "$status" = 0 ] || fail "ctr run -d $id failed ($status): $errout"
}

# The task's status as `ctr tasks ls` shows it (RUNNING, PAUSED, STOPPED).
task_status () {
  ctr_ tasks ls | awk -v id="$1" '$1 == id { print $3 }'
}

# task_is ID STATUS: for wait_for.
task_is () {
  [ "$(task_status "$1")" = "$2" ]
}

task_pid () {
  ctr_ tasks ls | awk -v id="$1" '$1 == id { print $2 }'
}

# The init's cgroup directory in one v1 hierarchy, seen from the host.
task_cgroup () {
  local path
  path=$(awk -F: -v c="$2" '$2 == c { print $3 }' "/proc/$1/cgroup")
  echo "/sys/fs/cgroup/$2$path"
}

# task_exit_code ID: deletes a stopped task and prints its exit code, which
# ctr reports as a warning when it is not 0.
task_exit_code () {
  local msg
  msg=$(ctr_ tasks rm "$1" 2>&1) || fail "ctr tasks rm $1: $msg"
  if [[ $msg =~ exit\ code\ ([0-9]+) ]]; then
    echo "${BASH_REMATCH[1]}"
  else
    echo 0
  fi
}

# Removes every task and container of the namespace (after each check and
# at exit): SIGKILL, then the task, then the container with its snapshot.
ctr_remove_all () {
  local id i
  for id in $(ctr_ containers ls -q 2>/dev/null); do
    ctr_ tasks kill --signal SIGKILL "$id" >/dev/null 2>&1
    for ((i = 0; i < 50; i++)); do
      case $(task_status "$id") in RUNNING | PAUSED | CREATED) sleep 0.1 ;; *) break ;; esac
    done
    ctr_ tasks rm --force "$id" >/dev/null 2>&1
    ctr_ containers rm "$id" >/dev/null 2>&1
  done
}
ENG_AFTER_EACH () {
  ctr_remove_all
}

# At exit, after the engine is down: whatever still runs in our cgroups,
# the cgroup dirs, and the shim sockets containerd names sha256(address/
# namespace/id) under /run/containerd/s (a shim that exits removes its own).
ctr_host_cleanup () {
  local d pid id
  for d in /sys/fs/cgroup/*/"$CT_NS"; do
    [ -d "$d" ] || continue
    cat "$d"/*/cgroup.procs "$d"/cgroup.procs 2>/dev/null | while read -r pid; do
      kill -KILL "$pid" 2>/dev/null
    done
  done
  sleep 0.2
  for d in /sys/fs/cgroup/*/"$CT_NS"; do
    [ -d "$d" ] || continue
    find "$d" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null
    rmdir "$d" 2>/dev/null || echo "# warning: cgroup $d is left"
  done
  sort -u "$T/ids" 2>/dev/null | while read -r id; do
    rm -f "$CT_SHIM_SOCKS/$(printf '%s' "$CT_SOCK/$CT_NS/$id" | sha256sum | cut -d' ' -f1)"
  done
}

ctr_stop_daemon () {
  ctr_remove_all
  ctr_ images rm "$CT_IMG" >/dev/null 2>&1
  ctr_ namespaces rm "$CT_NS" >/dev/null 2>&1
}

# ctr_image_archive FILE REF: the busybox rootfs as a one-layer image in
# the `docker save` format (manifest.json, the config blob named by its
# digest, the layer as DIGEST/layer.tar), which `ctr images import` and
# `docker load` both read.
ctr_image_archive () {
  local out=$1 ref=$2 dir=$T/image layer config
  mkdir -p "$dir/archive"
  eng_busybox_tar "$dir/layer.tar"
  layer=$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)
  mkdir "$dir/archive/$layer"
  mv "$dir/layer.tar" "$dir/archive/$layer/layer.tar"
  jq -cn --arg diff "sha256:$layer" '{
      architecture: "amd64", os: "linux",
      config: { Env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["sh"] },
      rootfs: { type: "layers", diff_ids: [$diff] },
      history: [{ created_by: "cove tests: busybox-static" }]
    }' >"$dir/config.json"
  config=$(sha256sum "$dir/config.json" | cut -d' ' -f1)
  mv "$dir/config.json" "$dir/archive/$config.json"
  jq -cn --arg c "$config.json" --arg r "$ref" --arg l "$layer/layer.tar" \
    '[{ Config: $c, RepoTags: [$r], Layers: [$l] }]' >"$dir/archive/manifest.json"
  tar -C "$dir/archive" -cf "$out" . || eng_bail "tar of the image failed"
  rm -rf "$dir"
}

ctr_setup () {
  case $(uname -m) in
    x86_64) ;;
    *) eng_skip_all "the test image is built for amd64" ;;
  esac
  mkdir -p "$T/fifo" "$T/runc"
  : >"$T/ids"
  cat >"$T/config.toml" <<EOF
version = 2
root = "$T/root"
state = "$T/state"
# Only what ctr needs: no CRI (it would want CNI and a sandbox image), no
# snapshotters this host cannot use, no /opt/containerd.
disabled_plugins = [
  "io.containerd.grpc.v1.cri",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.internal.v1.opt",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
]

[grpc]
  address = "$CT_SOCK"

[ttrpc]
  address = ""

[debug]
  level = "debug"
EOF
  # The shims keep their sockets in /run/containerd/s whatever the config
  # says; Docker's containerd uses it too.
  eng_rmdir_if_new /run/containerd/s /run/containerd
  eng_on_cleanup ctr_host_cleanup
  # The daemon (and the shims it starts) must not hold the lock.
  eng_start_daemon "$T/containerd.log" containerd --config "$T/config.toml" {ENG_LOCK_FD}>&-
  eng_on_cleanup ctr_stop_daemon
  local i
  for ((i = 0; i < 100; i++)); do
    ctr_ version >/dev/null 2>&1 && break
    eng_alive "$ENG_PID" "$(eng_start_time "$ENG_PID")" || break
    sleep 0.1
  done
  if ! ctr_ version >/dev/null 2>&1; then
    sed 's/^/# /' "$T/containerd.log" | tail -n 20
    eng_bail "containerd did not start"
  fi
  ctr_image_archive "$T/busybox.tar" cove-test/busybox:latest
  ctr_ images import "$T/busybox.tar" >"$T/import.log" 2>&1 \
    || eng_bail "ctr images import failed: $(cat "$T/import.log")"
  rm -f "$T/busybox.tar"
}

# ---------------------------------------------------------------------------
# Checks

check_run_rm () {
  ctr_run --rm -- rm1 sh -c 'echo out-line; echo err-line >&2; exit 3'
  assert_eq "$status" 3 "exit code of ctr run"
  assert_eq "$output" out-line "stdout"
  assert_eq "$errout" err-line "stderr"
  # --rm: the container, the task, the runtime's state and the cgroup
  # are gone.
  [ -z "$(ctr_ containers ls -q)" ] || fail "containers left: $(ctr_ containers ls -q)"
  [ ! -e "$T/runc/$CT_NS/rm1" ] || fail "the runtime's state dir $T/runc/$CT_NS/rm1 is left"
  [ ! -d "/sys/fs/cgroup/memory/$CT_NS/rm1" ] || fail "the memory cgroup is left"
}

check_exit_codes () {
  ctr_run --rm -- ex0 true
  assert_eq "$status" 0 "exit code of true"
  ctr_run --rm -- ex1 sh -c 'exit 42'
  assert_eq "$status" 42 "exit code 42"
  # Killed from outside while ctr waits: 128 + the signal number.
  ( ctr_run --rm -- ex2 sleep 1000; echo "$status" >"$T/ex2.status" ) &
  wait_for 10 task_is ex2 RUNNING
  eng_ok "${CTR[@]}" tasks kill --signal SIGKILL ex2
  wait $!
  assert_eq "$(cat "$T/ex2.status")" 137 "exit code after SIGKILL"
}

check_process_spec () {
  ctr_run --rm --env FOO=bar --cwd /tmp -- ps1 sh -c 'echo "$FOO $(pwd) $(id -u) $$"'
  assert_eq "$status" 0 "status"
  # pid 1 in its own pid namespace, root, the env and cwd from the spec.
  assert_eq "$output" "bar /tmp 0 1" "env, cwd, uid and pid"
}

check_tty () {
  eng_run script -qec "ctr --address $CT_SOCK --namespace $CT_NS run --rm -t \
--runc-binary $ENG_RT --runc-root $T/runc --fifo-dir $T/fifo $CT_IMG tty1 \
sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty; exit 5'" /dev/null
  echo tty1 >>"$T/ids"
  assert_eq "$status" 5 "exit code through the terminal"
  assert_match "$output" '/dev/pts/[0-9]+' "tty(1) inside"
  assert_contains "$output" both-tty "stdin and stdout are terminals"
}

check_exec () {
  ctr_start -- ex sleep 1000
  local pid
  pid=$(task_pid ex)
  eng_run "${CTR[@]}" tasks exec --fifo-dir "$T/fifo" --exec-id e1 ex sh -c \
    'echo "exec-out $(readlink /proc/self/ns/pid)"; exit 7'
  assert_eq "$status" 7 "exec exit code"
  # The exec'd process is in the container's pid namespace.
  assert_eq "$output" "exec-out $(readlink "/proc/$pid/ns/pid")" "exec output"
  eng_run "${CTR[@]}" tasks exec --fifo-dir "$T/fifo" --exec-id e2 --cwd /tmp ex pwd
  assert_eq "$output" /tmp "exec --cwd"
}

check_exec_tty () {
  ctr_start -- ext sleep 1000
  eng_run script -qec "ctr --address $CT_SOCK --namespace $CT_NS tasks exec -t \
--fifo-dir $T/fifo --exec-id t1 ext sh -c 'tty; exit 4'" /dev/null
  assert_eq "$status" 4 "exit code of exec -t"
  assert_match "$output" '/dev/pts/[0-9]+' "tty(1) in the exec"
}

check_exec_missing () {
  ctr_start -- exm sleep 1000
  eng_run "${CTR[@]}" tasks exec --fifo-dir "$T/fifo" --exec-id m1 exm /no/such/binary
  assert_ne "$status" 0 "exec of a missing binary"
  # containerd quotes the runtime's last JSON log error.
  assert_contains "$errout" /no/such/binary "error message"
  assert_match "$errout" '[Nn]o such file or directory|not found' "error message"
  [ "$(task_status exm)" = RUNNING ] || fail "the container died with its failed exec"
}

check_ps () {
  ctr_start -- ps sh -c 'sleep 1000 & wait'
  local pid
  pid=$(task_pid ps)
  wait_for 5 grep -q . "/proc/$pid/task/$pid/children"
  eng_ok "${CTR[@]}" tasks ps ps
  # `ctr tasks ps` lists what `RT ps --format json` printed: the init
  # and its sleep child.
  assert_contains "$output" "$pid" "ps output"
  local child
  child=$(tr ' ' '\n' <"/proc/$pid/task/$pid/children" | head -n1)
  assert_contains "$output" "$child" "ps output lists the child"
}

check_kill () {
  ctr_start -- k1 sh -c 'trap "echo got-term; exit 0" TERM; echo ready; while :; do sleep 0.1; done'
  wait_for 5 grep -q ready "$T/k1.log"
  eng_ok "${CTR[@]}" tasks kill k1
  wait_for 10 task_is k1 STOPPED
  assert_eq "$(task_exit_code k1)" 0 "exit code after the TERM trap"
  grep -q got-term "$T/k1.log" || fail "no got-term in the log: $(cat "$T/k1.log")"
  ctr_start -- k2 sleep 1000
  eng_ok "${CTR[@]}" tasks kill --signal SIGKILL k2
  wait_for 10 task_is k2 STOPPED
  assert_eq "$(task_exit_code k2)" 137 "exit code after SIGKILL"
}

lines_are () {
  [ "$(wc -l <"$1")" = "$2" ]
}

# A cgroup that is gone or has no process left.
cgroup_empty () {
  [ ! -e "$1/cgroup.procs" ] || [ -z "$(cat "$1/cgroup.procs" 2>/dev/null)" ]
}

check_kill_all () {
  ctr_start -- ka sleep 1000
  eng_run "${CTR[@]}" tasks exec --detach --fifo-dir "$T/fifo" --exec-id s1 ka sleep 999
  assert_eq "$status" 0 "exec --detach"
  local cg
  cg=$(task_cgroup "$(task_pid ka)" pids)
  wait_for 5 lines_are "$cg/cgroup.procs" 2
  eng_ok "${CTR[@]}" tasks kill --all --signal SIGKILL ka
  wait_for 10 task_is ka STOPPED
  wait_for 5 cgroup_empty "$cg"
}

counter_above () {
  [ "$(cat "$1")" -gt "$2" ]
}

check_pause_resume () {
  ctr_start -- pa sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/n; sleep 0.05; done'
  local pid cg a b
  pid=$(task_pid pa)
  cg=$(task_cgroup "$pid" freezer)
  eng_ok "${CTR[@]}" tasks pause pa
  assert_eq "$(task_status pa)" PAUSED "status after pause"
  assert_eq "$(cat "$cg/freezer.state")" FROZEN "freezer.state"
  # Frozen means no progress: the counter stands still.
  a=$(cat "/proc/$pid/root/tmp/n")
  sleep 0.3
  b=$(cat "/proc/$pid/root/tmp/n")
  assert_eq "$b" "$a" "counter while paused"
  eng_ok "${CTR[@]}" tasks resume pa
  assert_eq "$(task_status pa)" RUNNING "status after resume"
  assert_eq "$(cat "$cg/freezer.state")" THAWED "freezer.state"
  wait_for 5 counter_above "/proc/$pid/root/tmp/n" "$b"
}

check_cap_add () {
  # busybox ip changes nothing (and needs no capability) when the link
  # already is as asked: an MTU no link has by default.
  ctr_run --rm -- cap0 ip link set lo mtu 1280
  assert_ne "$status" 0 "ip link set without CAP_NET_ADMIN"
  ctr_run --rm --cap-add CAP_NET_ADMIN -- cap1 sh -c \
    'ip link set lo mtu 1280 && ip link show lo'
  assert_eq "$status" 0 "ip link set with CAP_NET_ADMIN"
  assert_contains "$output" "mtu 1280" "lo after the change"
  ctr_run --rm --cap-drop CAP_CHOWN -- cap2 chown 1 /tmp
  assert_ne "$status" 0 "chown without CAP_CHOWN"
}

# A host character device that is not among the default ones, with its
# major:minor in hex as stat(1) prints them.
pick_device () {
  local d
  for d in /dev/fuse /dev/net/tun /dev/loop-control /dev/kmsg; do
    [ -c "$d" ] && { echo "$d"; return 0; }
  done
  return 1
}

check_device () {
  local dev nums
  dev=$(pick_device) || skip "no spare character device on this host"
  nums=$(stat -c '%t:%T' "$dev")
  ctr_run --rm -- dev0 test -e "$dev"
  assert_ne "$status" 0 "$dev without --device"
  ctr_run --rm --device "$dev" -- dev1 sh -c \
    "stat -c %t:%T $dev && exec 3<>$dev && echo opened"
  assert_eq "$status" 0 "status"
  # The node, with the host's numbers, opens: the device cgroup allows it.
  assert_eq "$output" "$nums"$'\n'opened "node and open"
}

check_privileged () {
  local bnd dev
  bnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
  dev=$(pick_device) || dev=/dev/null
  ctr_run --rm --privileged -- pr1 sh -c \
    "grep CapEff /proc/self/status; test -c $dev && echo has-dev; mount -t tmpfs t /mnt && echo mounted"
  assert_eq "$status" 0 "status"
  # Every capability this host has, the host's devices, mount allowed.
  assert_contains "$output" "$bnd" "CapEff"
  assert_contains "$output" has-dev "host device"
  assert_contains "$output" mounted "mount in the container"
}

check_memory_limit () {
  ctr_start --memory-limit 33554432 -- mem sleep 1000
  local cg
  cg=$(task_cgroup "$(task_pid mem)" memory)
  assert_eq "$(cat "$cg/memory.limit_in_bytes")" 33554432 "memory.limit_in_bytes"
  # The shim reads the same cgroup for `tasks metrics`.
  eng_ok "${CTR[@]}" tasks metrics mem
  assert_match "$output" 'memory\.limit_in_bytes +33554432' "metrics"
  assert_match "$output" 'pids\.current +1' "metrics pids.current"
}

check_metrics () {
  ctr_start -- met sh -c 'sleep 1000 & i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; wait'
  local pid
  pid=$(task_pid met)
  wait_for 5 grep -q . "/proc/$pid/task/$pid/children"
  eng_ok "${CTR[@]}" tasks metrics --format json met
  local j=$output
  [ "$(jq -r '.pids.current' <<<"$j")" = 2 ] || fail "pids.current: $j"
  [ "$(jq -r '.cpu.usage.total' <<<"$j")" -gt 0 ] || fail "cpu usage: $j"
  [ "$(jq -r '.memory.usage.usage' <<<"$j")" -gt 0 ] || fail "memory usage: $j"
}

check_net_host () {
  local host_ns
  host_ns=$(readlink /proc/self/ns/net)
  ctr_run --rm --net-host -- nh1 readlink /proc/self/ns/net
  assert_eq "$output" "$host_ns" "netns with --net-host"
  ctr_run --rm -- nh2 sh -c 'readlink /proc/self/ns/net; ip -o link show lo'
  local first
  first=$(head -n1 <<<"$output")
  assert_ne "$first" "$host_ns" "netns without --net-host"
  # runc brings up lo in a network namespace it creates; ctr configures
  # no network, so this is the runtime's doing.
  assert_match "$output" 'lo: <[^>]*UP' "lo is up in a new netns"
}

check_snapshotter () {
  local sn=$1 pattern=$2
  # The root mount's root and fs type (past the optional fields).
  local prog='$5 == "/" { for (i = 7; $i != "-"; i++) ; print $4 " " $(i + 1) }'
  ctr_run --rm --snapshotter "$sn" -- "sn-$sn" sh -c \
    'echo x >/written && awk "$1" /proc/self/mountinfo' sh "$prog"
  assert_eq "$status" 0 "status"
  assert_match "$output" "$pattern" "root mount with the $sn snapshotter"
}

check_read_only () {
  ctr_run --rm --read-only -- ro1 sh -c 'touch /x'
  assert_ne "$status" 0 "write to a read-only rootfs"
  assert_contains "$errout" "Read-only file system" "error"
}

check_create_error () {
  ctr_run --rm -- err1 /no/such/binary
  assert_ne "$status" 0 "status"
  # containerd reports the last error the runtime wrote to its JSON log.
  assert_contains "$errout" /no/such/binary "error message"
  assert_match "$errout" '[Nn]o such file or directory|not found' "error message"
  ctr_run --rm -- err2 /etc/passwd
  assert_ne "$status" 0 "status"
  assert_contains "$errout" /etc/passwd "error message"
  assert_match "$errout" '[Pp]ermission denied' "error message"
  # Nothing is left behind by the failed creates.
  [ ! -e "$T/runc/$CT_NS/err1" ] || fail "state of err1 is left"
  [ ! -d "/sys/fs/cgroup/pids/$CT_NS/err1" ] || fail "the pids cgroup of err1 is left"
}

ctr_setup

eng_test "ctr run --rm: output, exit code, nothing left" check_run_rm
eng_test "ctr run: exit codes 0, 42 and 137 (SIGKILL)" check_exit_codes
eng_test "ctr run --env --cwd: the process spec inside" check_process_spec
eng_test "ctr run --tty: a terminal, exit code through it" check_tty
eng_test "ctr tasks exec: output, exit code, pid namespace, --cwd" check_exec
eng_test "ctr tasks exec -t: a terminal" check_exec_tty
eng_test "ctr tasks exec of a missing binary: the runtime's error" check_exec_missing
eng_test "ctr tasks ps: the runtime's ps --format json" check_ps
eng_test "ctr tasks kill: SIGTERM trapped, SIGKILL 137" check_kill
eng_test "ctr tasks kill --all: every process of the container" check_kill_all
eng_test "ctr tasks pause/resume: frozen, then running again" check_pause_resume
eng_test "ctr run --cap-add NET_ADMIN / --cap-drop CHOWN" check_cap_add
eng_test "ctr run --device: the node and the cgroup rule" check_device
eng_test "ctr run --privileged: all caps, host devices, mount" check_privileged
eng_test "ctr run --memory-limit: cgroup and tasks metrics" check_memory_limit
eng_test "ctr tasks metrics: pids, cpu, memory of the container" check_metrics
eng_test "ctr run --net-host; a new netns has lo up" check_net_host
eng_test "ctr run --snapshotter overlayfs" check_snapshotter overlayfs '^/ overlay$'
eng_test "ctr run --snapshotter native" check_snapshotter native \
  "io\.containerd\.snapshotter\.v1\.native/snapshots/[0-9]+ "
eng_test "ctr run --read-only" check_read_only
eng_test "a failing create: containerd reports the runtime's error" check_create_error
eng_done
