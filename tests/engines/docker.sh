#!/bin/bash
# docker.sh: Docker 20.10 (Debian's docker.io) runs its containers with the
# runtime under test, registered as `dockerd --add-runtime cove=PATH` and
# chosen with `docker run --runtime cove`.  dockerd gets its own data root,
# exec root, pid file, socket and config file under the temp dir, starts
# its own containerd there, has no default bridge and touches no iptables;
# the checks that need a network use a bridge network of their own, whose
# published port docker-proxy serves on 127.0.0.1.  The busybox image is
# built here and loaded with `docker load`.  TAP on stdout; exit 77 when
# dockerd or the docker client is not installed.
#
# Docker drives the runtime through containerd's runc shim, so it calls
# what containerd.sh lists, plus `update --resources -` (docker update) and
# `ps --format json` (docker top).  docker stats and the restart policies
# do not call the runtime: the shim reads the cgroups, dockerd restarts.
#
# Environment: see common.sh (RUNTIME, REF_RUNTIME, TEST_FILTER, VERBOSE,
# KEEP_TMP, ENG_TIMEOUT); DOCKER_CLIENT (default: docker.io's
# /usr/bin/docker, whose API matches the daemon, else docker from PATH).

# shellcheck source=tests/engines/common.sh disable=SC2016,SC2154,SC2317 # container commands are single-quoted; eng_run sets status/output/errout; checks are called by name
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

command -v dockerd >/dev/null || eng_skip_all "dockerd is not installed (apt-get install docker.io)"
if [ -z "${DOCKER_CLIENT:-}" ]; then
  if [ -x /usr/bin/docker ]; then
    DOCKER_CLIENT=/usr/bin/docker
  else
    DOCKER_CLIENT=$(command -v docker) || eng_skip_all "the docker client is not installed"
  fi
fi
for tool in containerd containerd-shim-runc-v2 docker-proxy script; do
  command -v "$tool" >/dev/null || eng_skip_all "$tool is not installed"
done
eng_init docker
# Two runs at once would share /run/containerd/s and /etc/subuid's line.
eng_lock 240

DK_SOCK=$T/docker.sock
DK_IMG=cove-test/busybox:latest
# Unique per run: the containers' cgroup parent, and the bridge network
# (an interface name has at most 15 characters).
DK_CGROUP=covetest$$
DK_NET=covenet$$
DK_BRIDGE=covebr$$
DK_SUBNET=
# The runtimes, as dockerd knows them.
DK_RT_TEST=cove
DK_RT_REF=coveref
export DOCKER_CONFIG=$T/client

# docker with our daemon, as an array for eng_run (timeout(1) cannot run
# a function) and as a function for the rest.
DK=("$DOCKER_CLIENT" -H "unix://$DK_SOCK")
dk () {
  "${DK[@]}" "$@"
}

# The name under which dockerd knows ENG_RT.
dk_rt () {
  if [ "$ENG_RT" = "$RUNTIME" ]; then
    echo "$DK_RT_TEST"
  else
    echo "$DK_RT_REF"
  fi
}

# dk_run [RUN-OPTIONS...]: `docker run --runtime R` of options, image and
# command as given (the image must be named: $DK_IMG).
dk_run () {
  eng_run "${DK[@]}" run --runtime "$(dk_rt)" "$@"
}

# dk_start [RUN-OPTIONS...] -- CMD...: a detached container of the
# image; sets CID.
dk_start () {
  local opts=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    opts+=("$1")
    shift
  done
  shift
  dk_run -d "${opts[@]}" "$DK_IMG" "$@"
  [ "$status" = 0 ] || fail "docker run -d failed ($status): $errout"
  CID=$output
}

dk_inspect () {
  dk inspect -f "$2" "$1"
}

# dk_state_is CID GO-TEMPLATE VALUE: for wait_for.
dk_state_is () {
  [ "$(dk_inspect "$1" "$2")" = "$3" ]
}

# The container's cgroup directory in one v1 hierarchy, from the host.
dk_cgroup () {
  local pid path
  pid=$(dk_inspect "$1" '{{.State.Pid}}')
  path=$(awk -F: -v c="$2" '$2 == c { print $3 }' "/proc/$pid/cgroup")
  echo "/sys/fs/cgroup/$2$path"
}

ENG_AFTER_EACH () {
  local ids
  ids=$(dk ps -aq --no-trunc 2>/dev/null)
  [ -n "$ids" ] || return 0
  echo "$ids" >>"$T/cids"
  # shellcheck disable=SC2086 # a list of ids
  dk rm -f $ids >/dev/null 2>&1
}

dk_stop_daemon () {
  ENG_AFTER_EACH
  dk network rm "$DK_NET" >/dev/null 2>&1
}

# At exit, once the daemon is down: processes left in our cgroups, the
# cgroups, a bridge the daemon did not remove, shim sockets.
dk_host_cleanup () {
  local d pid
  for d in /sys/fs/cgroup/*/"$DK_CGROUP"; do
    [ -d "$d" ] || continue
    cat "$d"/*/cgroup.procs "$d"/cgroup.procs 2>/dev/null | while read -r pid; do
      kill -KILL "$pid" 2>/dev/null
    done
  done
  sleep 0.2
  for d in /sys/fs/cgroup/*/"$DK_CGROUP"; do
    [ -d "$d" ] || continue
    find "$d" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null
    rmdir "$d" 2>/dev/null || echo "# warning: cgroup $d is left"
  done
  if ip link show "$DK_BRIDGE" >/dev/null 2>&1; then
    ip link del "$DK_BRIDGE" 2>/dev/null
  fi
  # containerd names a shim's socket sha256(containerd address/namespace/
  # id); a shim that exits removes its own.
  local exec id
  for exec in exec exec-u; do
    sort -u "$T/cids${exec#exec}" 2>/dev/null | while read -r id; do
      rm -f "/run/containerd/s/$(printf '%s' "$T/$exec/containerd/containerd.sock/moby/$id" \
        | sha256sum | cut -d' ' -f1)"
    done
  done
}

# dk_image_archive FILE REF: the busybox rootfs as a one-layer image in
# the `docker save` format (manifest.json, the config blob named by its
# digest, the layer as DIGEST/layer.tar).
dk_image_archive () {
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

# dk_start_daemon SOCK DATA EXEC LOG [DOCKERD-OPTIONS...]: a dockerd of
# ours, waited for; fails the whole script when it does not come up.
dk_start_daemon () {
  local sock=$1 data=$2 exec=$3 log=$4 i
  shift 4
  eng_start_daemon "$log" dockerd --config-file "$T/daemon.json" \
    --data-root "$data" --exec-root "$exec" --pidfile "$exec.pid" \
    -H "unix://$sock" --bridge none --iptables=false --ip-masq=false \
    --ip-forward=false --cgroup-parent "/$DK_CGROUP" \
    --add-runtime "$DK_RT_TEST=$RUNTIME" --add-runtime "$DK_RT_REF=$REF_RUNTIME" "$@" \
    {ENG_LOCK_FD}>&-
  local pid=$ENG_PID start
  start=$(eng_start_time "$pid")
  for ((i = 0; i < 300; i++)); do
    "$DOCKER_CLIENT" -H "unix://$sock" version >/dev/null 2>&1 && return 0
    eng_alive "$pid" "$start" || break
    sleep 0.1
  done
  tail -n 20 "$log" | sed 's/^/# /'
  eng_bail "dockerd did not start"
}

dk_setup () {
  case $(uname -m) in
    x86_64) ;;
    *) eng_skip_all "the test image is built for amd64" ;;
  esac
  [ "$REF_RUNTIME" != none ] || REF_RUNTIME=$RUNTIME
  mkdir -p "$DOCKER_CONFIG"
  : >"$T/cids"
  echo '{}' >"$T/daemon.json"
  # What dockerd and its containerd write outside their roots.
  eng_remove_if_new /etc/docker/key.json /run/docker
  eng_rmdir_if_new /etc/docker /run/containerd/s /run/containerd
  eng_on_cleanup dk_host_cleanup
  dk_start_daemon "$DK_SOCK" "$T/docker" "$T/exec" "$T/dockerd.log"
  eng_on_cleanup dk_stop_daemon
  dk_image_archive "$T/busybox.tar" "$DK_IMG"
  dk load -i "$T/busybox.tar" >"$T/load.log" 2>&1 \
    || eng_bail "docker load failed: $(cat "$T/load.log")"
  dku_setup
  # A /24 no route of this host uses yet (another bridge with the same
  # subnet would take the traffic).
  local n
  for n in $(seq 77 99); do
    ip -4 route | grep -q "^172\.29\.$n\." && continue
    DK_SUBNET=172.29.$n.0/24
    break
  done
  [ -n "$DK_SUBNET" ] || eng_bail "no free 172.29.N.0/24 subnet"
  dk network create --driver bridge --subnet "$DK_SUBNET" \
    -o "com.docker.network.bridge.name=$DK_BRIDGE" "$DK_NET" >"$T/net.log" 2>&1 \
    || eng_bail "docker network create failed: $(cat "$T/net.log")"
}

# ---------------------------------------------------------------------------
# Checks

check_run_rm () {
  dk_run --rm "$DK_IMG" sh -c 'echo out-line; echo err-line >&2; exit 3'
  assert_eq "$status" 3 "exit code of docker run"
  assert_eq "$output" out-line "stdout"
  assert_eq "$errout" err-line "stderr"
  [ -z "$(dk ps -aq)" ] || fail "containers left after --rm: $(dk ps -a)"
  dk_run --rm "$DK_IMG" true
  assert_eq "$status" 0 "exit code of true"
}

check_run_stdin () {
  eng_run sh -c 'echo from-stdin | "$@"' sh "${DK[@]}" run --rm -i --runtime "$(dk_rt)" \
    "$DK_IMG" sh -c 'read l; echo "got $l"'
  assert_eq "$status" 0 "status"
  assert_eq "$output" "got from-stdin" "stdin piped in"
}

check_run_tty () {
  eng_run script -qec "${DK[*]} run --rm -t --runtime $(dk_rt) $DK_IMG \
sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty; exit 5'" /dev/null
  assert_eq "$status" 5 "exit code through the terminal"
  assert_match "$output" '/dev/pts/[0-9]+' "tty(1) inside"
  assert_contains "$output" both-tty "stdin and stdout are terminals"
}

check_detach_logs_stop () {
  dk_start -- sh -c 'trap "echo got-term; exit 0" TERM; echo started; while :; do sleep 0.1; done'
  wait_for 5 dk_state_is "$CID" '{{.State.Status}}' running
  eng_ok "${DK[@]}" stop -t 10 "$CID"
  assert_eq "$(dk_inspect "$CID" '{{.State.ExitCode}}')" 0 "exit code after stop"
  eng_ok "${DK[@]}" logs "$CID"
  assert_eq "$output" $'started\ngot-term' "logs"
  # One that ignores SIGTERM is SIGKILLed after the timeout.
  dk_start -- sh -c 'trap "" TERM; while :; do sleep 0.1; done'
  eng_ok "${DK[@]}" stop -t 1 "$CID"
  assert_eq "$(dk_inspect "$CID" '{{.State.ExitCode}}')" 137 "exit code after stop -t 1"
}

check_kill () {
  dk_start -- sh -c 'trap "echo got-usr1" USR1; echo ready; while :; do sleep 0.1; done'
  wait_for 5 dk_logs_contain "$CID" ready
  eng_ok "${DK[@]}" kill -s USR1 "$CID"
  wait_for 5 dk_logs_contain "$CID" got-usr1
  eng_ok "${DK[@]}" kill "$CID"
  wait_for 10 dk_state_is "$CID" '{{.State.Status}}' exited
  assert_eq "$(dk_inspect "$CID" '{{.State.ExitCode}}')" 137 "exit code after docker kill"
}

dk_logs_contain () {
  dk logs "$1" 2>&1 | grep -q "$2"
}

check_exec () {
  dk_start -- sleep 1000
  local pid
  pid=$(dk_inspect "$CID" '{{.State.Pid}}')
  eng_run "${DK[@]}" exec "$CID" sh -c 'readlink /proc/self/ns/pid; exit 6'
  assert_eq "$status" 6 "exit code of exec"
  assert_eq "$output" "$(readlink "/proc/$pid/ns/pid")" "pid namespace of the exec"
  eng_run sh -c 'echo piped | "$@"' sh "${DK[@]}" exec -i "$CID" cat
  assert_eq "$output" piped "exec -i"
  eng_run "${DK[@]}" exec --user 1000 -w /tmp "$CID" sh -c 'echo "$(id -u) $(pwd)"'
  assert_eq "$output" "1000 /tmp" "exec --user -w"
  eng_run "${DK[@]}" exec -e FOO=bar "$CID" sh -c 'echo $FOO'
  assert_eq "$output" bar "exec -e"
}

check_exec_tty () {
  dk_start -- sleep 1000
  eng_run script -qec "${DK[*]} exec -t $CID sh -c 'tty; exit 4'" /dev/null
  assert_eq "$status" 4 "exit code of exec -t"
  assert_match "$output" '/dev/pts/[0-9]+' "tty(1) in the exec"
}

check_exec_errors () {
  dk_start -- sleep 1000
  # Docker maps every failure to start an exec to 126, and quotes the
  # runtime's error.
  eng_run "${DK[@]}" exec "$CID" /no/such/binary
  assert_eq "$status" 126 "exit code of exec of a missing binary"
  assert_contains "$output$errout" /no/such/binary "error message"
  assert_match "$output$errout" '[Nn]o such file or directory|not found' "error message"
  [ "$(dk_inspect "$CID" '{{.State.Status}}')" = running ] \
    || fail "the container died with its failed exec"
}

check_run_errors () {
  dk_run --rm "$DK_IMG" /no/such/binary
  assert_eq "$status" 127 "exit code for a missing executable"
  assert_contains "$errout" /no/such/binary "error message"
  dk_run --rm "$DK_IMG" /etc/passwd
  assert_eq "$status" 126 "exit code for a non-executable file"
  assert_match "$errout" '[Pp]ermission denied' "error message"
  dk_run --rm "$DK_IMG" /tmp
  assert_eq "$status" 126 "exit code for a directory"
}

check_pause () {
  dk_start -- sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/n; sleep 0.05; done'
  local pid cg a b
  pid=$(dk_inspect "$CID" '{{.State.Pid}}')
  cg=$(dk_cgroup "$CID" freezer)
  eng_ok "${DK[@]}" pause "$CID"
  assert_eq "$(dk_inspect "$CID" '{{.State.Status}}')" paused "status"
  assert_eq "$(cat "$cg/freezer.state")" FROZEN "freezer.state"
  a=$(cat "/proc/$pid/root/tmp/n")
  sleep 0.3
  b=$(cat "/proc/$pid/root/tmp/n")
  assert_eq "$b" "$a" "counter while paused"
  eng_ok "${DK[@]}" unpause "$CID"
  assert_eq "$(dk_inspect "$CID" '{{.State.Status}}')" running "status"
  assert_eq "$(cat "$cg/freezer.state")" THAWED "freezer.state"
  wait_for 5 counter_above "/proc/$pid/root/tmp/n" "$b"
}

counter_above () {
  [ "$(cat "$1")" -gt "$2" ]
}

check_limits () {
  dk_start --memory 64m --pids-limit 50 --cpus 0.5 -- sleep 1000
  # Inside: the container's own cgroups at /sys/fs/cgroup.
  eng_ok "${DK[@]}" exec "$CID" cat /sys/fs/cgroup/memory/memory.limit_in_bytes \
    /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us \
    /sys/fs/cgroup/cpu/cpu.cfs_period_us
  assert_eq "$output" $'67108864\n50\n50000\n100000' "limits seen inside"
  assert_eq "$(cat "$(dk_cgroup "$CID" memory)/memory.limit_in_bytes")" 67108864 \
    "memory limit on the host"
  # 60 processes do not fit under the pids limit: a fork fails.
  eng_run "${DK[@]}" exec "$CID" sh -c \
    'i=0; while [ $i -lt 60 ]; do sleep 30 & i=$((i + 1)); done; echo all-forked'
  assert_not_contains "$output" all-forked "60 forks under --pids-limit 50"
  assert_match "$errout" "fork|[Rr]esource temporarily unavailable" "error of the failed fork"
  [ "$(cat "$(dk_cgroup "$CID" pids)/pids.current")" -le 50 ] || fail "more than 50 pids"
}

check_update () {
  dk_start --memory 64m -- sleep 1000
  eng_ok "${DK[@]}" update --memory 48m --memory-swap 96m --pids-limit 33 --cpus 0.25 \
    --cpu-shares 512 "$CID"
  eng_ok "${DK[@]}" exec "$CID" cat /sys/fs/cgroup/memory/memory.limit_in_bytes \
    /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes /sys/fs/cgroup/pids/pids.max \
    /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.shares
  assert_eq "$output" $'50331648\n100663296\n33\n25000\n512' "limits after docker update"
  assert_eq "$(dk_inspect "$CID" '{{.HostConfig.Memory}}')" 50331648 "inspect"
}

check_top () {
  dk_start -- sh -c 'sleep 1000 & wait'
  local pid
  pid=$(dk_inspect "$CID" '{{.State.Pid}}')
  wait_for 5 grep -q . "/proc/$pid/task/$pid/children"
  # docker top asks the runtime (`ps --format json`) for the pids.
  eng_ok "${DK[@]}" top "$CID" -o pid,args
  assert_contains "$output" "$pid" "the init in docker top"
  assert_contains "$output" "sleep 1000" "the child in docker top"
}

check_stats () {
  dk_start --memory 64m -- sh -c 'sleep 1000 & wait'
  local pid
  pid=$(dk_inspect "$CID" '{{.State.Pid}}')
  wait_for 5 grep -q . "/proc/$pid/task/$pid/children"
  eng_ok "${DK[@]}" stats --no-stream --format '{{.PIDs}} {{.MemUsage}}' "$CID"
  assert_match "$output" '^2 [0-9.]+[KMG]i?B / 64MiB$' "docker stats"
}

check_restart_on_failure () {
  dk_start --restart on-failure:3 -- sh -c 'echo run; exit 3'
  wait_for 20 dk_state_is "$CID" '{{.RestartCount}} {{.State.Status}}' "3 exited"
  assert_eq "$(dk_inspect "$CID" '{{.State.ExitCode}}')" 3 "exit code"
  assert_eq "$(dk logs "$CID" | grep -c run)" 4 "runs"
}

check_restart_always () {
  dk_start --restart always -- sh -c 'echo run; sleep 0.2'
  wait_for 20 restarted_at_least "$CID" 2
  eng_ok "${DK[@]}" stop -t 1 "$CID"
  local n
  n=$(dk_inspect "$CID" '{{.RestartCount}}')
  sleep 1
  assert_eq "$(dk_inspect "$CID" '{{.State.Status}} {{.RestartCount}}')" "exited $n" \
    "after docker stop"
}

restarted_at_least () {
  [ "$(dk_inspect "$1" '{{.RestartCount}}')" -ge "$2" ]
}

check_caps () {
  dk_run --rm "$DK_IMG" ip link set lo mtu 1280
  assert_ne "$status" 0 "ip link set without NET_ADMIN"
  dk_run --rm --cap-add NET_ADMIN "$DK_IMG" sh -c 'ip link set lo mtu 1280 && ip link show lo'
  assert_contains "$output" "mtu 1280" "ip link set with NET_ADMIN"
  dk_run --rm "$DK_IMG" chown 1 /tmp
  assert_eq "$status" 0 "chown with the default CHOWN"
  dk_run --rm --cap-drop CHOWN "$DK_IMG" chown 1 /tmp
  assert_ne "$status" 0 "chown without CHOWN"
  dk_run --rm --cap-drop ALL "$DK_IMG" grep -E 'Cap(Prm|Eff|Bnd)' /proc/self/status
  assert_eq "$(awk '{ print $2 }' <<<"$output" | sort -u)" 0000000000000000 "caps after --cap-drop ALL"
}

check_device () {
  dk_run --rm --device /dev/null:/dev/xnull "$DK_IMG" sh -c \
    'stat -c "%F %t:%T" /dev/xnull && echo data >/dev/xnull && echo written'
  assert_eq "$status" 0 "status"
  assert_eq "$output" $'character special file 1:3\nwritten' "the device node"
}

check_hosts_hostname_dns () {
  dk_run --rm --add-host foo.test:10.1.2.3 --hostname box --dns 10.9.9.9 "$DK_IMG" sh -c \
    'hostname; grep foo.test /etc/hosts; grep nameserver /etc/resolv.conf; echo "10.0.0.1 bar" >>/etc/hosts && echo hosts-writable'
  assert_eq "$status" 0 "status"
  assert_eq "$output" $'box\n10.1.2.3\tfoo.test\nnameserver 10.9.9.9\nhosts-writable' "output"
}

check_user () {
  dk_run --rm --user 1000:1000 "$DK_IMG" sh -c 'id -u; id -g; touch /tmp/f && stat -c %u /tmp/f'
  assert_eq "$output" $'1000\n1000\n1000' "uid, gid, file owner"
  dk_run --rm --user tester "$DK_IMG" id -un
  assert_eq "$output" tester "a user by name"
}

check_read_only () {
  dk_run --rm --read-only --tmpfs /run "$DK_IMG" sh -c 'touch /x 2>&1; touch /run/y && echo run-writable'
  assert_contains "$output" "Read-only file system" "write to /"
  assert_contains "$output" run-writable "tmpfs on a read-only rootfs"
}

check_volume () {
  mkdir -p "$T/vol"
  echo from-host >"$T/vol/in"
  dk_run --rm -v "$T/vol:/v" -v "$T/vol:/vro:ro" "$DK_IMG" sh -c \
    'cat /v/in; echo from-ct >/v/out; echo x >/vro/x 2>/dev/null || echo ro-refused'
  assert_eq "$output" $'from-host\nro-refused' "output"
  assert_eq "$(cat "$T/vol/out")" from-ct "file written through the volume"
}

check_tmpfs () {
  dk_run --rm --tmpfs /scratch:size=1m,mode=1770 "$DK_IMG" sh -c \
    'grep " /scratch " /proc/mounts; stat -c %a /scratch'
  assert_match "$output" '^tmpfs /scratch tmpfs [^ ]*size=1024k' "mount"
  assert_contains "$output" $'\n1770' "mode"
}

check_sysctl () {
  dk_run --rm --sysctl net.ipv4.ip_forward=1 --sysctl kernel.msgmax=12345 "$DK_IMG" \
    cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax
  assert_eq "$output" $'1\n12345' "sysctls inside"
}

check_init () {
  dk_run --rm --init "$DK_IMG" sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; echo $$'
  assert_eq "$status" 0 "status"
  assert_match "$output" '^/sbin/docker-init -- sh' "pid 1"
  assert_ne "$(tail -n1 <<<"$output")" 1 "the command's pid"
}

check_privileged () {
  local bnd
  bnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
  # Docker asks for every capability it knows; one the host's bounding
  # set lacks (CAP_SYS_RESOURCE on some CI hosts) must be dropped with a
  # warning, not fail the container.
  dk_run --rm --privileged "$DK_IMG" sh -c \
    'grep CapEff /proc/self/status; test -c /dev/kmsg -o -c /dev/loop-control -o -c /dev/fuse && echo host-devs; mount -t tmpfs t /mnt && echo mounted'
  if [ "$status" != 0 ] && [ "${ENG_RT##*/}" = runc ] && ! eng_cap_in_bounding 24; then
    skip "runc fails when the bounding set lacks CAP_SYS_RESOURCE"
  fi
  assert_eq "$status" 0 "status"
  local eff
  eff=$(awk '/CapEff/ { print $2 }' <<<"$output")
  # Every capability the host has that Docker 20.10 knows (up to 37).
  assert_eq "$(printf '%016x' $((0x$eff)))" "$(printf '%016x' $((0x$bnd & 0x3fffffffff)))" "CapEff"
  assert_contains "$output" host-devs "host devices"
  assert_contains "$output" mounted "mount"
}

check_network_none () {
  dk_run --rm --network none "$DK_IMG" sh -c 'ip -o link | cut -d: -f2; ip -o link show lo'
  assert_eq "$(head -n1 <<<"$output")" " lo" "links"
  assert_eq "$(wc -l <<<"$output")" 2 "only lo"
  # runc brings up lo in a network namespace it creates; with
  # --network none nobody else does.
  assert_match "$output" 'lo: <[^>]*UP' "lo is up"
}

check_bridge_publish () {
  dk_start --network "$DK_NET" -p 127.0.0.1::80 -- sh -c \
    'mkdir -p /www && echo "hello $(hostname)" >/www/index.html && exec httpd -f -p 80 -h /www'
  local port
  eng_ok "${DK[@]}" port "$CID" 80/tcp
  port=${output##*:}
  eng_ok "${DK[@]}" exec "$CID" ip -o -4 addr show eth0
  assert_contains "$output" "inet ${DK_SUBNET%.0/24}." "address on the bridge network"
  wait_for 10 timeout 2 "$ENG_BUSYBOX" wget -q -O "$T/page" "http://127.0.0.1:$port/"
  assert_eq "$(cat "$T/page")" "hello ${CID:0:12}" "page through the published port"
}

# ---------------------------------------------------------------------------
# User namespaces: Docker has no per-container uid map; `--userns-remap`
# makes the daemon map container root to a subordinate range of a user
# for all its containers.  A second daemon of ours does it, with the
# range of "nobody" (root cannot be remapped to itself), from lines this
# script adds to /etc/subuid and /etc/subgid and removes at exit.

DKU_SOCK=$T/docker-u.sock
DKU=("$DOCKER_CLIENT" -H "unix://$DKU_SOCK")
DKU_START=400000000
DKU_SKIP=

dku () {
  "${DKU[@]}" "$@"
}

dku_remove_subids () {
  local f
  for f in /etc/subuid /etc/subgid; do
    [ -f "$f" ] && sed -i "/^nobody:$DKU_START:65536\$/d" "$f"
  done
}

dku_stop_daemon () {
  local ids
  ids=$(dku ps -aq --no-trunc 2>/dev/null)
  [ -n "$ids" ] || return 0
  echo "$ids" >>"$T/cids-u"
  # shellcheck disable=SC2086 # a list of ids
  dku rm -f $ids >/dev/null 2>&1
}

# Sets DKU_SKIP when this host cannot do it.
dku_setup () {
  local f
  if ! getent passwd nobody >/dev/null || ! getent group nogroup >/dev/null; then
    DKU_SKIP="no user nobody or group nogroup"
    return
  fi
  for f in /etc/subuid /etc/subgid; do
    if grep -q '^nobody:' "$f" 2>/dev/null; then
      DKU_SKIP="$f already has a range for nobody"
      return
    fi
  done
  eng_remove_if_new /etc/subuid /etc/subgid
  eng_on_cleanup dku_remove_subids
  for f in /etc/subuid /etc/subgid; do
    echo "nobody:$DKU_START:65536" >>"$f"
  done
  dk_start_daemon "$DKU_SOCK" "$T/docker-u" "$T/exec-u" "$T/dockerd-u.log" \
    --userns-remap nobody:nogroup
  eng_on_cleanup dku_stop_daemon
  dku load -i "$T/busybox.tar" >"$T/load-u.log" 2>&1 \
    || DKU_SKIP="docker load failed with --userns-remap: $(cat "$T/load-u.log")"
}

check_userns_remap () {
  [ -z "$DKU_SKIP" ] || skip "$DKU_SKIP"
  mkdir -p "$T/vol-u"
  chmod 0777 "$T/vol-u"
  eng_run "${DKU[@]}" run --rm --runtime "$(dk_rt)" -v "$T/vol-u:/v" "$DK_IMG" sh -c \
    'cat /proc/self/uid_map /proc/self/gid_map; id -u; touch /v/made /rootfs-writable'
  assert_eq "$status" 0 "status"
  assert_eq "$(awk '{ print $1, $2, $3 }' <<<"$output" | head -n2 | sort -u)" \
    "0 $DKU_START 65536" "uid_map and gid_map"
  assert_eq "$(tail -n1 <<<"$output")" 0 "uid inside"
  assert_eq "$(stat -c '%u:%g' "$T/vol-u/made")" "$DKU_START:$DKU_START" \
    "owner on the host of a file root made"
  # --userns host: this one container keeps the host's ids.
  eng_run "${DKU[@]}" run --rm --runtime "$(dk_rt)" --userns host "$DK_IMG" \
    cat /proc/self/uid_map
  assert_eq "$(awk '{ print $1, $2, $3 }' <<<"$output")" "0 0 4294967295" "uid_map with --userns host"
}

dk_setup

eng_test "docker run --rm: output, exit code, nothing left" check_run_rm
eng_test "docker run -i: stdin" check_run_stdin
eng_test "docker run -t: a terminal, exit code through it" check_run_tty
eng_test "docker run -d, logs, stop (TERM trapped; KILL after -t)" check_detach_logs_stop
eng_test "docker kill -s USR1, docker kill: 137" check_kill
eng_test "docker exec: exit code, pid ns, -i, --user, -w, -e" check_exec
eng_test "docker exec -t: a terminal" check_exec_tty
eng_test "docker exec of a missing binary: 126 and the runtime's error" check_exec_errors
eng_test "docker run: missing executable 127, not executable 126" check_run_errors
eng_test "docker pause/unpause: frozen, then running" check_pause
eng_test "docker run --memory --pids-limit --cpus: seen inside" check_limits
eng_test "docker update: memory, swap, pids, cpus, shares" check_update
eng_test "docker top: the runtime's ps --format json" check_top
eng_test "docker stats: pids and memory limit" check_stats
eng_test "docker run --restart on-failure:3" check_restart_on_failure
eng_test "docker run --restart always; stop ends it" check_restart_always
eng_test "docker run --cap-add NET_ADMIN / --cap-drop CHOWN, ALL" check_caps
eng_test "docker run --device /dev/null:/dev/xnull" check_device
eng_test "docker run --add-host --hostname --dns; /etc/hosts writable" check_hosts_hostname_dns
eng_test "docker run --user" check_user
eng_test "docker run --read-only --tmpfs /run" check_read_only
eng_test "docker run -v bind, rw and ro" check_volume
eng_test "docker run --tmpfs with size and mode" check_tmpfs
eng_test "docker run --sysctl (net and ipc)" check_sysctl
eng_test "docker run --init: docker-init is pid 1" check_init
eng_test "docker run --privileged: caps the host has, devices, mount" check_privileged
eng_test "docker run --network none: lo only, and up" check_network_none
eng_test "bridge network and -p: busybox httpd through docker-proxy" check_bridge_publish
eng_test "dockerd --userns-remap: root mapped to a subordinate range" check_userns_remap
eng_done
