#!/bin/bash
# cgroup-v2.sh: the cgroup v2 tests, run on a host whose only hierarchy is
# cgroup v2 at /sys/fs/cgroup.  tests/integration/t-cgroup-v2.sh runs it,
# in a throw-away VM (tests/v2vm/run-in-v2-vm.sh) unless the host itself is
# pure v2.  It is an ordinary lib.sh test file otherwise: TAP on stdout.
#
# Every test runs a real container and looks at the effect: the control
# files of the container's cgroup, found from outside through its init's
# /proc/<pid>/cgroup, and what the processes inside can or cannot do.

# shellcheck source=tests/integration/lib.sh disable=SC2016,SC2119,SC2154,SC2317 # jq programs in single quotes; unique_id takes no args here; run sets status/output/errout; tests are called by name
. "$(dirname "$0")/../integration/lib.sh"

[ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] \
  || lib_bail "/sys/fs/cgroup is not a cgroup2 mount"

CG=/sys/fs/cgroup

# cg_dir ID: the container's cgroup dir, from its init's /proc entry (read
# from the host's cgroup namespace, so the full path even when the
# container has its own).
cg_dir () {
  local pid
  pid=$(state_field "$1" .pid)
  echo "$CG$(sed -n 's/^0:://p' "/proc/$pid/cgroup")"
}

# cg_file ID FILE: one control file of the container's cgroup.
cg_file () {
  cat "$(cg_dir "$1")/$2"
}

# A cgroupsPath of this test file's own, under a parent it owns.
cg_path () {
  echo "/covetest-$ID_PREFIX/$1"
}

# Nodes of a char major no driver claims (240 is "local/experimental"):
# an open the cgroup allows fails with ENXIO, one it refuses with EPERM.
add_test_devices () {
  cfg '.linux.devices = [
    {path: "/dev/n0", type: "c", major: 240, minor: 0, fileMode: 438},
    {path: "/dev/n1", type: "c", major: 240, minor: 1, fileMode: 438}]'
}

# ---------------------------------------------------------------------------

test_default_path () {
  new_bundle /probe sleep
  local id dir
  id=$(unique_id)
  rt_run_d "$id"
  dir=$(cg_dir "$id")
  # /cove/<id>, perhaps with a suffix that keeps ids apart.
  assert_match "$dir" "^$CG/cove/$id" "cgroup of init"
  [ -d "$dir" ] || fail "$dir does not exist"
  rt kill "$id" KILL
  wait_status "$id" stopped
  assert_ok rt delete "$id"
  [ ! -e "$dir" ] || fail "delete left $dir"
  # /cove is cove's own: gone with its last container.
  [ ! -e "$CG/cove" ] || fail "delete left $CG/cove (holds: $(find "$CG/cove" -mindepth 1 -type d))"
}
run_test "the default cgroup is under /cove; delete removes it" test_default_path

test_resources_files () {
  new_bundle /probe sleep
  local id dir f loop=""
  id=$(unique_id)
  [ -e /sys/block/loop0 ] && loop=$(cat /sys/block/loop0/dev)
  cfg --arg p "$(cg_path "$id")" --arg loop "$loop" '.linux.cgroupsPath = $p
    | .linux.resources = {
        memory: {limit: 67108864, reservation: 33554432, swap: 134217728},
        cpu: {shares: 1024, quota: 50000, period: 100000, burst: 1000,
              cpus: "0", mems: "0"},
        pids: {limit: 20},
        blockIO: ({weight: 500} + (if $loop == "" then {} else
          {throttleReadBpsDevice: [{major: ($loop | split(":")[0] | tonumber),
                                    minor: ($loop | split(":")[1] | tonumber),
                                    rate: 1048576}]} end)),
        hugepageLimits: [{pageSize: "2MB", limit: 4194304}],
        unified: {"memory.high": "52428800", "pids.max": "7"}}'
  rt_run_d "$id"
  dir=$(cg_dir "$id")
  assert_eq "$dir" "$CG$(cg_path "$id")" "cgroup of init"
  assert_eq "$(cat "$dir/memory.max")" 67108864 memory.max
  assert_eq "$(cat "$dir/memory.low")" 33554432 "memory.low (reservation)"
  # v1's swap counts memory too; v2's swap.max is swap alone.
  assert_eq "$(cat "$dir/memory.swap.max")" 67108864 "memory.swap.max (swap - limit)"
  # The spec's mapping takes v1's default 1024 shares to v2's default 100.
  assert_eq "$(cat "$dir/cpu.weight")" 100 "cpu.weight (from 1024 shares)"
  assert_eq "$(cat "$dir/cpu.max")" "50000 100000" cpu.max
  assert_eq "$(cat "$dir/cpu.max.burst")" 1000 cpu.max.burst
  assert_eq "$(cat "$dir/cpuset.cpus")" 0 cpuset.cpus
  assert_eq "$(cat "$dir/cpuset.mems")" 0 cpuset.mems
  assert_eq "$(cat "$dir/io.weight")" "default 4950" "io.weight (from blkio 500)"
  if [ -n "$loop" ]; then
    assert_contains "$(cat "$dir/io.max")" "$loop rbps=1048576 " io.max
  fi
  assert_eq "$(cat "$dir/hugetlb.2MB.max")" 4194304 hugetlb.2MB.max
  if [ -e "$dir/hugetlb.2MB.rsvd.max" ]; then
    assert_eq "$(cat "$dir/hugetlb.2MB.rsvd.max")" 4194304 hugetlb.2MB.rsvd.max
  fi
  assert_eq "$(cat "$dir/memory.high")" 52428800 "memory.high (unified)"
  # unified is written last: it wins over pids.limit.
  assert_eq "$(cat "$dir/pids.max")" 7 "pids.max (unified over pids.limit)"
  # Every ancestor enables the controllers (the root's included).
  for f in "$CG" "$(dirname "$dir")"; do
    assert_match "$(cat "$f/cgroup.subtree_control")" "cpu.*io.*memory.*pids" \
      "$f/cgroup.subtree_control"
  done
}
run_test "linux.resources become v2 control files" test_resources_files

test_conversions () {
  new_bundle /probe sleep
  local id1 id2 id3 id4
  id1=$(unique_id)
  id2=$(unique_id)
  id3=$(unique_id)
  id4=$(unique_id)
  cfg '.linux.resources = {cpu: {shares: 2}, memory: {limit: 33554432, swap: 33554432}}'
  rt_create "$id1"
  cfg '.linux.resources = {cpu: {shares: 262144}, memory: {limit: 33554432, swap: -1}}'
  rt_create "$id2"
  cfg '.linux.resources = {cpu: {idle: 1, quota: -1, period: 50000}}'
  rt_create "$id3"
  cfg '.linux.resources = {pids: {limit: -1}, memory: {limit: -1}}'
  rt_create "$id4"
  assert_eq "$(cg_file "$id1" cpu.weight)" 1 "cpu.weight from 2 shares"
  assert_eq "$(cg_file "$id2" cpu.weight)" 10000 "cpu.weight from 262144 shares"
  assert_eq "$(cg_file "$id1" memory.swap.max)" 0 "memory.swap.max when swap == limit"
  assert_eq "$(cg_file "$id2" memory.swap.max)" max "memory.swap.max when swap is -1"
  assert_eq "$(cg_file "$id3" cpu.idle)" 1 cpu.idle
  assert_eq "$(cg_file "$id3" cpu.max)" "max 50000" "cpu.max with quota -1"
  assert_eq "$(cg_file "$id4" pids.max)" max "pids.max with limit -1"
  assert_eq "$(cg_file "$id4" memory.max)" max "memory.max with limit -1"
}
run_test "shares, swap, quota and -1 limits convert as the spec says" test_conversions

test_pids_limit () {
  # The shell forks 8 sleeps: with pids.max 4 the fourth fork fails.
  new_bundle /bin/sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 30 & done; echo started'
  cfg '.linux.resources = {pids: {limit: 4}}'
  run rt run -b "$BUNDLE" "$(unique_id)"
  assert_ne "$status" 0 "status with pids.max 4"
  assert_match "$errout" "fork" "stderr with pids.max 4"
  assert_not_contains "$output" started
  # The same with room for them: it was the limit.
  cfg '.linux.resources = {pids: {limit: 20}}'
  run rt run -b "$BUNDLE" "$(unique_id)"
  assert_eq "$status" 0 "status with pids.max 20"
  assert_eq "$output" started
}
run_test "pids.max stops forks" test_pids_limit

test_memory_oom () {
  # dd's 64 MiB buffer is faulted in by the read of /dev/zero: over a
  # 16 MiB memory.max (and no swap) the OOM killer ends it.
  new_bundle /bin/dd if=/dev/zero of=/dev/null bs=64M count=1
  cfg '.linux.resources = {memory: {limit: 16777216, swap: 16777216}}'
  run rt run -b "$BUNDLE" "$(unique_id)"
  assert_eq "$status" 137 "exit status of the OOM-killed init"
  cfg '.process.args = ["/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=1M", "count=1"]'
  run rt run -b "$BUNDLE" "$(unique_id)"
  assert_eq "$status" 0 "a 1 MiB buffer fits"
}
run_test "memory.max OOM-kills (exit 137)" test_memory_oom

test_devices_deny_all () {
  new_bundle /probe read /dev/n0 + write /dev/n0 x + read /dev/n1 + write /dev/null x \
    + write /dev/full x
  add_test_devices
  cfg '.linux.resources.devices = [{allow: false, access: "rwm"},
                                   {allow: true, type: "c", major: 240, minor: 0, access: "r"}]'
  run rt run -b "$BUNDLE" "$(unique_id)"
  local -a l
  mapfile -t l <<<"$output"
  assert_eq "${l[0]}" ENXIO "read of the allowed c 240:0 (passes the cgroup, no driver)"
  assert_eq "${l[1]}" EPERM "write of c 240:0 (only r allowed)"
  assert_eq "${l[2]}" EPERM "read of c 240:1 (denied by the deny-all)"
  # The spec's default devices stay usable whatever the rules.
  assert_eq "${l[3]}" ok "write of /dev/null"
  assert_eq "${l[4]}" ENOSPC "write of /dev/full (opened: the driver says full)"
}
run_test "devices: deny all + allow one, the default devices stay" test_devices_deny_all

test_devices_order () {
  new_bundle /probe read /dev/n0 + read /dev/n1
  add_test_devices
  cfg '.linux.resources.devices = [{allow: false, access: "rwm"},
      {allow: true, type: "c", major: 240, access: "rwm"},
      {allow: false, type: "c", major: 240, minor: 1, access: "rwm"}]'
  run rt run -b "$BUNDLE" "$(unique_id)"
  assert_eq "$output" $'ENXIO\nEPERM' "allow 240:*, then deny 240:1"
  cfg '.linux.resources.devices = [{allow: false, access: "rwm"},
      {allow: false, type: "c", major: 240, minor: 1, access: "rwm"},
      {allow: true, type: "c", major: 240, access: "rwm"}]'
  run rt run -b "$BUNDLE" "$(unique_id)"
  assert_eq "$output" $'ENXIO\nENXIO' "deny 240:1, then allow 240:*"
}
run_test "devices: a later rule overrides an earlier one" test_devices_order

test_update () {
  new_bundle /probe sleep
  add_test_devices
  local id dir
  id=$(unique_id)
  cfg '.linux.resources = {memory: {limit: 67108864},
      devices: [{allow: false, access: "rwm"}, {allow: true, type: "c", major: 240, minor: 0, access: "r"}]}'
  rt_run_d "$id"
  dir=$(cg_dir "$id")
  echo '{"memory": {"limit": 50331648}, "pids": {"limit": 9}, "cpu": {"shares": 512},
         "devices": [{"allow": false, "access": "rwm"},
                     {"allow": true, "type": "c", "major": 240, "minor": 1, "access": "r"}]}' \
    >"$T/res.json"
  assert_ok rt update -r "$T/res.json" "$id"
  assert_eq "$(cat "$dir/memory.max")" 50331648 "memory.max after update"
  assert_eq "$(cat "$dir/pids.max")" 9 "pids.max after update"
  assert_eq "$(cat "$dir/cpu.weight")" 59 "cpu.weight after update (512 shares)"
  # The new device program replaced the old one (had both stayed attached,
  # both would have to allow).
  run rt exec "$id" /probe read /dev/n1 + read /dev/n0
  assert_eq "$output" $'ENXIO\nEPERM' "devices after update"
  # The flags; a swap alone is memory plus swap over the limit in force.
  assert_ok rt update --memory-swap 104857600 --cpu-quota 20000 --cpu-period 100000 "$id"
  assert_eq "$(cat "$dir/memory.swap.max")" $((104857600 - 50331648)) \
    "memory.swap.max after update"
  assert_eq "$(cat "$dir/cpu.max")" "20000 100000" "cpu.max after update"
  # checkBeforeUpdate: a limit below what is in use is refused.
  echo '{"memory": {"limit": 4096, "checkBeforeUpdate": true}}' >"$T/res.json"
  assert_fail rt update -r "$T/res.json" "$id"
  assert_error_mentions "$errout" "usage"
  assert_eq "$(cat "$dir/memory.max")" 50331648 "memory.max after a refused update"
}
run_test "update rewrites the files and replaces the device program" test_update

test_pause_resume () {
  new_bundle /probe sleep
  local id dir
  id=$(unique_id)
  rt_run_d "$id"
  dir=$(cg_dir "$id")
  assert_ok rt pause "$id"
  assert_eq "$(state_field "$id" .status)" paused "status after pause"
  assert_eq "$(cat "$dir/cgroup.freeze")" 1 cgroup.freeze
  assert_contains "$(cat "$dir/cgroup.events")" "frozen 1" cgroup.events
  assert_ok rt resume "$id"
  assert_eq "$(state_field "$id" .status)" running "status after resume"
  assert_contains "$(cat "$dir/cgroup.events")" "frozen 0" cgroup.events
  # A paused container can still be killed and deleted.
  assert_ok rt pause "$id"
  assert_ok rt delete -f "$id"
  [ ! -e "$dir" ] || fail "delete -f of a paused container left $dir"
}
run_test "pause and resume freeze and thaw the cgroup" test_pause_resume

test_exec_and_stats () {
  new_bundle /probe sleep
  local id init_cg json
  id=$(unique_id)
  cfg '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 50}}'
  rt_run_d "$id"
  init_cg=$(sed -n 's/^0:://p' "/proc/$(state_field "$id" .pid)/cgroup")
  run rt exec "$id" /probe cgroup
  assert_eq "$output" "0::$init_cg" "cgroup of an exec'd process"
  run rt events --stats "$id"
  json=$output
  assert_eq "$(jq -r .data.pids.limit <<<"$json")" 50 "events: pids.limit"
  assert_eq "$(jq -r .data.pids.current <<<"$json")" 1 "events: pids.current"
  assert_eq "$(jq -r .data.memory.usage.limit <<<"$json")" 67108864 "events: memory limit"
  [ "$(jq -r .data.memory.usage.usage <<<"$json")" -gt 0 ] || fail "events: no memory usage"
}
run_test "exec joins the cgroup; events --stats reads it" test_exec_and_stats

test_cgroupns () {
  new_bundle /probe cgroup
  cfg '.linux.namespaces += [{type: "cgroup"}]'
  run rt run -b "$BUNDLE" "$(unique_id)"
  assert_eq "$status" 0
  assert_eq "$output" "0::/" "/proc/self/cgroup in a cgroup namespace"
}
run_test "in a cgroup namespace the container's cgroup is /" test_cgroupns

# Ownership (runtime-spec v1.1.0): with a user namespace, a new cgroup
# namespace and /sys/fs/cgroup mounted read-write, the cgroup is chowned to
# the host uid of the container's root; otherwise it stays root's.
userns_bundle () {
  new_bundle /probe sleep
  cfg '.linux.namespaces += [{type: "user"}]
    | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
                   options: ["nosuid", "noexec", "nodev", "relatime", "rw"]}]'
}

test_ownership () {
  local id dir f
  userns_bundle
  cfg '.linux.namespaces += [{type: "cgroup"}]'
  id=$(unique_id)
  rt_run_d "$id"
  dir=$(cg_dir "$id")
  assert_eq "$(stat -c %u:%g "$dir")" 100000:100000 "owner of the cgroup dir"
  for f in cgroup.procs cgroup.subtree_control cgroup.threads; do
    assert_eq "$(stat -c %u:%g "$dir/$f")" 100000:100000 "owner of $f"
  done
  assert_eq "$(stat -c %u "$dir/memory.max")" 0 "memory.max stays root's"
  # Without a cgroup namespace nothing is delegated.
  userns_bundle
  id=$(unique_id)
  rt_run_d "$id"
  assert_eq "$(stat -c %u "$(cg_dir "$id")")" 0 "owner without a cgroup namespace"
}
run_test "cgroup ownership goes to the container's root with a cgroupns" test_ownership

test_unified_missing_controller () {
  new_bundle /probe sleep
  cfg '.linux.resources.unified = {"nosuch.max": "1"}'
  assert_fails_clean rt run -d -b "$BUNDLE" "$(unique_id)"
  assert_error_mentions "$errout" 'controller "nosuch" is not available'
  [ ! -e "$CG/cove" ] || fail "the failed create left $CG/cove"
  # A key that is not a plain file name never reaches the filesystem.
  cfg '.linux.resources.unified = {"../memory.max": "1"}'
  assert_fails_clean rt run -d -b "$BUNDLE" "$(unique_id)"
  assert_error_mentions "$errout" "unified"
}
run_test "unified: a missing controller fails clearly, leaving nothing" \
  test_unified_missing_controller

test_populated_cgroup_refused () {
  local dir=$CG/covetest-$ID_PREFIX-busy pid id
  mkdir -p "$dir"
  sleep 60 &
  pid=$!
  echo "$pid" >"$dir/cgroup.procs"
  new_bundle /probe sleep
  id=$(unique_id)
  cfg --arg p "/covetest-$ID_PREFIX-busy" '.linux.cgroupsPath = $p'
  run rt run -d -b "$BUNDLE" "$id"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$dir" 2>/dev/null && break; sleep 0.1; done
  assert_ne "$status" 0 "create in a populated cgroup"
  assert_error_mentions "$errout" "processes"
}
run_test "a cgroup that already has processes is refused" test_populated_cgroup_refused

# Our own parent of the cgroupsPath tests goes when they are done.
rmdir "$CG/covetest-$ID_PREFIX" 2>/dev/null || true
done_testing
