#!/bin/bash
# t-namespaces: linux.namespaces.  Each type asked for without a path is
# new (its inode differs from the host's) and has its effect inside: pid 1,
# only lo, the hostname and domain name, mounts the host does not see, the
# id maps of a user namespace and the owner of files, the offsets of a time
# namespace.  A type left out is the host's; a path joins another
# container's namespace, and a path of the wrong type is refused.  Also
# linux.sysctl, which needs the namespace it applies to.
# shellcheck source=tests/integration/lib.sh disable=SC2154,SC2317,SC2016 # run sets status/output/errout; tests are called by name; jq programs and container commands are single-quoted
. "$(dirname "$0")/lib.sh"

# field KEY: the value of `KEY=value` in $output (probe's format).
field () {
  sed -n "s/^$1=//p" <<<"$output" | head -n1
}

# host_ns NAME: this shell's namespace link, e.g. `net:[4026531840]`; the
# runtime started from it has the same.
host_ns () {
  readlink "/proc/$BASHPID/ns/$1"
}

run_probe () {
  run rt run -b "$BUNDLE" "$(unique_id "${1:-}")"
  [ "$status" = 0 ] || fail "run failed with status $status: $errout"
}

# ns_type_of PROBE-NAME: the linux.namespaces type of a /proc/self/ns name.
ns_type_of () {
  case $1 in
    net) echo network ;;
    mnt) echo mount ;;
    *) echo "$1" ;;
  esac
}

# start_sleeper: creates and starts a container sleeping forever from
# $BUNDLE; prints its id.  Its host pid is then `state_field ID .pid`.
start_sleeper () {
  local id
  id=$(unique_id sleeper)
  rt_create "$id" >&2
  rt start "$id" >&2
  wait_status "$id" running >&2
  echo "$id"
}

# ---------------------------------------------------------------------------
# New namespaces

test_all_new () {
  local name
  new_bundle /probe ns
  cfg '.linux.namespaces = [ { type: "pid" }, { type: "network" },
    { type: "ipc" }, { type: "uts" }, { type: "mount" }, { type: "cgroup" } ]'
  run_probe
  for name in pid net ipc uts mnt cgroup; do
    [ -n "$(field "$name")" ] || fail "no $name namespace link in the probe's output"
    assert_ne "$(field "$name")" "$(host_ns "$name")" "$name namespace (host's is $(host_ns "$name"))"
  done
  # Not asked for: the host's.
  assert_eq "$(field user)" "$(host_ns user)" "user namespace"
  assert_eq "$(field time)" "$(host_ns time)" "time namespace"
}

test_pid_ns () {
  new_bundle /probe pid + ls /proc
  run_probe
  assert_eq "$(field pid)" 1 pid
  assert_eq "$(field ppid)" 0 ppid
  # Only the container's own process in its /proc.
  assert_eq "$(grep -E '^[0-9]+$' <<<"$output" | tr '\n' ' ')" "1 " "pids in /proc"
}

test_network_ns () {
  new_bundle /probe ls /sys/class/net + read /proc/net/dev
  run_probe
  assert_eq "$(sed -n '1p' <<<"$output")" lo "/sys/class/net"
  # /proc/net/dev: two header lines, then one line per interface.
  assert_eq "$(sed -n '2,$p' <<<"$output" | grep -c ':')" 1 "interfaces in /proc/net/dev"
  assert_match "$output" $'\n *lo:' "lo in /proc/net/dev"
}

# runc brings lo up in a new network namespace; ctr and `docker run
# --network none` rely on it (flags 0x9 = IFF_UP|IFF_LOOPBACK, bit 0 up).
test_network_lo_up () {
  new_bundle /probe read /sys/class/net/lo/flags
  run_probe
  assert_eq "$(( $(tr -d '\n' <<<"$output") & 1 ))" 1 "lo is up (flags $output)"
}

test_uts_ns () {
  local host_name
  host_name=$(hostname)
  new_bundle /probe hostname + domainname
  cfg '.hostname = "box-one" | .domainname = "example.org"'
  run_probe
  assert_eq "$output" $'box-one\nexample.org' "hostname and domainname"
  assert_eq "$(hostname)" "$host_name" "the host's hostname"
}

# The container's mounts stay in its namespace: the host sees none of them
# while it runs, and its mount namespace is not the host's.
test_mount_ns () {
  local id pid
  new_bundle /probe sleep
  id=$(start_sleeper)
  pid=$(state_field "$id" .pid)
  assert_ne "$(readlink "/proc/$pid/ns/mnt")" "$(host_ns mnt)" "mount namespace"
  if grep -F -- "$BUNDLE/rootfs" /proc/self/mountinfo; then
    fail "the container's mounts are visible on the host"
  fi
  # ... but the container's own mountinfo has its /proc and /dev.
  assert_match "$(cat "/proc/$pid/mountinfo")" ' /proc [^ ]+ .* - proc ' "/proc in the container"
}

test_cgroup_ns () {
  new_bundle /probe ns + cgroup
  cfg '.linux.namespaces += [ { type: "cgroup" } ]'
  run_probe
  assert_ne "$(field cgroup)" "$(host_ns cgroup)" "cgroup namespace"
  # Every path is relative to the namespace's root: "/".
  local line n=0
  while IFS= read -r line; do
    [[ $line =~ ^[0-9]+:[^=]*:(.*)$ ]] || continue
    n=$((n + 1))
    assert_eq "${BASH_REMATCH[1]}" / "cgroup path inside ($line)"
  done <<<"$output"
  [ "$n" -gt 0 ] || fail "no cgroup lines in the probe's output"
}

test_ipc_ns () {
  local id pid
  new_bundle /probe sleep
  id=$(start_sleeper)
  pid=$(state_field "$id" .pid)
  assert_ne "$(readlink "/proc/$pid/ns/ipc")" "$(host_ns ipc)" "ipc namespace"
}

# A user namespace with ranges: the maps are visible inside and from the
# host, and files are owned as mapped (the rootfs is chowned to the range).
test_user_ns () {
  local id pid
  new_bundle /bin/sh -c '/probe uidmap + gidmap + stat /probe + ids && touch /tmp/made-inside'
  cfg '.linux.namespaces += [ { type: "user" } ]
    | .linux.uidMappings = [ { containerID: 0, hostID: 200000, size: 1000 },
                            { containerID: 1000, hostID: 300000, size: 10 } ]
    | .linux.gidMappings = [ { containerID: 0, hostID: 200000, size: 1000 } ]'
  chown -R 200000:200000 "$BUNDLE/rootfs"
  run_probe
  assert_match "$output" $'(^|\n) *0 +200000 +1000\n *1000 +300000 +10\n' uid_map
  assert_match "$output" $'\n *0 +200000 +1000\n' gid_map
  # /probe belongs to host uid 200000: root inside.
  assert_eq "$(sed -n 's/^uid=//p' <<<"$output" | head -n1)" 0 "owner of /probe inside"
  assert_eq "$(sed -n 's/^gid=//p' <<<"$output" | head -n1)" 0 "group of /probe inside"
  # A file made by root inside belongs to host uid 200000.
  assert_eq "$(stat -c %u:%g "$BUNDLE/rootfs/tmp/made-inside")" 200000:200000 \
    "host owner of a file made inside"
  # The maps from the host side, of a running container.
  cfg '.process.args = ["/probe", "sleep"]'
  id=$(start_sleeper)
  pid=$(state_field "$id" .pid)
  assert_ne "$(readlink "/proc/$pid/ns/user")" "$(host_ns user)" "user namespace"
  assert_match "$(cat "/proc/$pid/uid_map")" '^ *0 +200000 +1000' "uid_map seen from the host"
  assert_eq "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" 200000 "host uid of the container process"
}

# Offsets of a time namespace move CLOCK_MONOTONIC and CLOCK_BOOTTIME, and
# /proc/uptime with it.
test_time_ns () {
  local host_up inside_up host_mono
  [ -e /proc/self/ns/time ] || skip "no time namespaces in this kernel"
  new_bundle /bin/sh -c '/probe time + ns; cat /proc/uptime'
  cfg '.linux.namespaces += [ { type: "time" } ]
    | .linux.timeOffsets = { boottime: { secs: 1000000, nanosecs: 0 },
                             monotonic: { secs: 2000000 } }'
  host_up=$(cut -d. -f1 /proc/uptime)
  host_mono=$host_up
  run_probe
  inside_up=$(tail -n1 <<<"$output" | cut -d. -f1)
  # A few seconds of slack for the run itself.
  (( inside_up >= host_up + 1000000 && inside_up < host_up + 1000000 + 60 )) \
    || fail "/proc/uptime inside is $inside_up, host's $host_up (+1000000 expected)"
  (( $(field boottime) >= host_up + 1000000 && $(field boottime) < host_up + 1000000 + 60 )) \
    || fail "CLOCK_BOOTTIME inside is $(field boottime), host uptime $host_up"
  # CLOCK_MONOTONIC is at most CLOCK_BOOTTIME on the host (it stops in
  # suspend), so only a lower and an upper bound.
  (( $(field monotonic) >= 2000000 && $(field monotonic) < host_mono + 2000000 + 60 )) \
    || fail "CLOCK_MONOTONIC inside is $(field monotonic) (+2000000 expected)"
  assert_ne "$(field time)" "$(host_ns time)" "time namespace"
}

# ---------------------------------------------------------------------------
# Absent types, joined paths

test_absent_is_host () {
  local name
  new_bundle /probe ns
  # uts goes, so hostname must go too (it needs its own uts namespace).
  cfg 'del(.hostname) | .linux.namespaces = [ { type: "pid" }, { type: "mount" } ]'
  run_probe
  for name in net ipc uts cgroup user; do
    assert_eq "$(field "$name")" "$(host_ns "$name")" "$name namespace"
  done
  assert_ne "$(field pid)" "$(host_ns pid)" "pid namespace"
}

test_join_network_by_path () {
  local a pid_a
  new_bundle /probe sleep
  a=$(start_sleeper)
  pid_a=$(state_field "$a" .pid)
  new_bundle /probe ns
  cfg --arg p "/proc/$pid_a/ns/net" \
    '(.linux.namespaces[] | select(.type == "network")) .path = $p'
  run_probe joiner
  assert_eq "$(field net)" "$(readlink "/proc/$pid_a/ns/net")" "network namespace of the joiner"
  assert_ne "$(field net)" "$(host_ns net)" "network namespace"
  # Only the network namespace is shared.
  assert_ne "$(field uts)" "$(readlink "/proc/$pid_a/ns/uts")" "uts namespace of the joiner"
}

test_join_wrong_type () {
  local a pid_a id
  new_bundle /probe sleep
  a=$(start_sleeper)
  pid_a=$(state_field "$a" .pid)
  new_bundle /probe ns
  cfg --arg p "/proc/$pid_a/ns/uts" \
    '(.linux.namespaces[] | select(.type == "network")) .path = $p'
  id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_contains "$errout" "is not a network namespace"
  assert_error_mentions "$errout" "/proc/$pid_a/ns/uts" "error names the path"
}

# Joining another container's pid namespace: its processes are visible.
test_join_pid_by_path () {
  local a pid_a
  new_bundle /probe sleep
  a=$(start_sleeper)
  pid_a=$(state_field "$a" .pid)
  new_bundle /probe pid + read /proc/1/cmdline + ns
  cfg --arg p "/proc/$pid_a/ns/pid" \
    '(.linux.namespaces[] | select(.type == "pid")) .path = $p'
  run_probe joiner
  assert_ne "$(field pid)" 1 "pid of the joiner"
  # Command substitution drops the NULs of cmdline: "/probe sleep" reads
  # "/probesleep".
  assert_contains "$output" "/probesleep" "pid 1 seen by the joiner"
  assert_eq "$(sed -n 's/^pid=\(pid:\)/\1/p' <<<"$output")" \
    "$(readlink "/proc/$pid_a/ns/pid")" "pid namespace of the joiner"
}

# ---------------------------------------------------------------------------
# sysctl

test_sysctl_net () {
  local before
  before=$(cat /proc/sys/net/ipv4/ip_forward)
  new_bundle /probe sysctl net.ipv4.ip_forward + sysctl kernel.msgmax
  cfg '.linux.sysctl = { "net.ipv4.ip_forward": "1", "kernel.msgmax": "4321" }'
  run_probe
  assert_eq "$output" $'1\n4321' "ip_forward and msgmax inside"
  assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$before" "the host's ip_forward"
  assert_ne "$(cat /proc/sys/kernel/msgmax)" 4321 "the host's msgmax"
}

test_sysctl_without_netns () {
  local id
  new_bundle /probe sysctl net.ipv4.ip_forward
  cfg '.linux.sysctl = { "net.ipv4.ip_forward": "1" }
    | .linux.namespaces |= map(select(.type != "network"))'
  id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" net.ipv4.ip_forward "error names the key"
  assert_error_mentions "$errout" "network namespace" "error says what is missing"
}

run_test "new namespaces: all types but user and time" test_all_new
run_test "pid: pid 1, alone in /proc" test_pid_ns
run_test "network: only lo" test_network_ns
run_test "network: lo is up" test_network_lo_up
run_test "uts: hostname, domainname" test_uts_ns
run_test "mount: the host sees no container mount" test_mount_ns
run_test "cgroup: paths relative to the namespace" test_cgroup_ns
run_test "ipc: new" test_ipc_ns
run_test "user: maps and file owners" test_user_ns
run_test "time: boottime and monotonic offsets" test_time_ns
run_test "absent types are the host's" test_absent_is_host
run_test "join: network namespace by path" test_join_network_by_path
run_test "join: path of the wrong type" test_join_wrong_type
run_test "join: pid namespace by path" test_join_pid_by_path
run_test "sysctl: net and ipc keys in own namespaces" test_sysctl_net
run_test "sysctl: net.* without a network namespace" test_sysctl_without_netns
done_testing
