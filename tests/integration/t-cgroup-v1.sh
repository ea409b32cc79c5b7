#!/bin/bash
# t-cgroup-v1: the cgroup v1 (and hybrid) back end.  Every linux.resources
# field is read back from the host's control files under /sys/fs/cgroup;
# limits are observed from inside (a fork loop stopped by pids.max, a
# memory hog OOM-killed, devices refused); /proc/<pid>/cgroup shows the
# path in every hierarchy; and nothing named after a test id is left in any
# hierarchy after delete: normal, with init already dead, with `delete -f`
# of a container that has children, after failed creates, and after 200
# create/start/delete cycles.  Skipped on a cgroup v2 host.
# shellcheck source=tests/integration/lib.sh disable=SC2016,SC2119,SC2154,SC2317 # jq programs in single quotes; unique_id takes no args here; run sets status/output/errout; tests are called by name
. "$(dirname "$0")/lib.sh"

CG=/sys/fs/cgroup
case $(stat -fc %T "$CG" 2>/dev/null) in
  tmpfs) ;;
  *)
    echo "1..0 # SKIP $CG is not a cgroup v1 (or hybrid) host"
    exit 77
    ;;
esac
HYBRID=0
[ "$(stat -fc %T "$CG/unified" 2>/dev/null)" = cgroup2fs ] && HYBRID=1

# ---------------------------------------------------------------------------
# Helpers

# The hierarchies a container joins: every v1 mount under /sys/fs/cgroup
# (one per superblock) and, on a hybrid host, the unified tree.
hierarchies () {
  awk '$9 == "cgroup" && $5 ~ "^/sys/fs/cgroup/" && !seen[$3]++ { print $5 }' /proc/self/mountinfo
  [ "$HYBRID" = 0 ] || echo "$CG/unified"
}

# cgd CTRL PATH: the host dir of cgroup PATH in CTRL's hierarchy ("unified"
# for the cgroup2 tree of a hybrid host).
cgd () {
  echo "$CG/$1$2"
}

# cgf CTRL PATH FILE: a control file, first line, trailing blanks removed.
cgf () {
  local v
  read -r v <"$(cgd "$1" "$2")/$3" || true
  echo "$v"
}

have_ctrl () {
  [ -d "$CG/$1" ] && [ "$(stat -fc %T "$CG/$1")" = cgroupfs ]
}

# Dirs named after this file's ids (or under a parent named so) anywhere.
our_dirs () {
  find "$CG" -mindepth 1 -maxdepth 4 -type d -name "*$ID_PREFIX-*" 2>/dev/null | sort || true
}

# /cove in any hierarchy (the default parent).
cove_dirs () {
  find "$CG" -mindepth 2 -maxdepth 2 -type d -name cove 2>/dev/null | sort || true
}

# The host's first whole disk as major:minor.
first_disk () {
  awk 'NR > 2 && $2 % 16 == 0 && $4 !~ /[0-9]$/ { print $1 ":" $2; exit }' /proc/partitions
}

# Every line of /proc/PID/cgroup must end in :PATH.
assert_cgroup_of () {
  local pid=$1 want=$2 line n=0
  while IFS= read -r line; do
    n=$((n + 1))
    [ "${line#*:*:}" = "$want" ] || fail "/proc/$pid/cgroup: '$line' is not in $want"
  done <"/proc/$pid/cgroup"
  [ "$n" -gt 0 ] || fail "/proc/$pid/cgroup is empty"
  # One line per hierarchy (plus 0:: on a hybrid host).
  assert_eq "$n" "$(hierarchies | wc -l)" "lines of /proc/$pid/cgroup"
}

# assert_gone PATH...: none of the cgroup paths exists in any hierarchy.
# What is left is removed (deepest first, list them so) before failing,
# so a failure leaks nothing onto the host.
assert_gone () {
  local h p left=""
  for h in $(hierarchies); do
    for p in "$@"; do
      [ ! -e "$h$p" ] || left+=" $h$p"
    done
  done
  [ -n "$left" ] || return 0
  for p in $left; do
    rmdir "$p" 2>/dev/null || true
  done
  fail "still there after delete:$left"
}

# pids_of PATH: the pids in cgroup PATH (memory hierarchy), one per line.
pids_of () {
  cat "$(cgd memory "$1")/cgroup.procs" 2>/dev/null || true
}

alive () {
  kill -0 "$1" 2>/dev/null && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# own_cgroup ID: sets a one-level absolute cgroupsPath for ID and prints
# it.  The same place for every runtime (runc's default is relative to its
# own cgroup), and nothing above it for delete to remove.
own_cgroup () {
  cfg --arg p "/$1" '.linux.cgroupsPath = $p'
  echo "/$1"
}

no_pidns () {
  cfg '.linux.namespaces |= map(select(.type != "pid"))'
}

# ---------------------------------------------------------------------------
# Every resource in the host's files

test_resources_in_host_files () {
  local id pid p disk
  new_bundle /probe sleep
  id=$(unique_id)
  p=$(own_cgroup "$id")
  disk=$(first_disk)
  cfg --arg disk "$disk" '.linux.resources = {
      memory: { limit: 33554432, reservation: 16777216, swappiness: 10,
                disableOOMKiller: true, kernel: 67108864, kernelTCP: 67108864 },
      cpu: { shares: 512, quota: 50000, period: 100000, cpus: "0", mems: "0" },
      pids: { limit: 42 },
      blockIO: { throttleReadBpsDevice: [ { major: ($disk | split(":")[0] | tonumber),
                                            minor: ($disk | split(":")[1] | tonumber),
                                            rate: 1048576 } ],
                 throttleWriteIOPSDevice: [ { major: ($disk | split(":")[0] | tonumber),
                                              minor: ($disk | split(":")[1] | tonumber),
                                              rate: 300 } ] }
    }'
  # memory.kernel only has to be accepted: kmem limits are a no-op on
  # recent kernels.  Optional knobs, where this kernel has them:
  [ ! -e "$CG/memory/memory.memsw.limit_in_bytes" ] \
    || cfg '.linux.resources.memory.swap = 67108864'
  [ ! -e "$CG/cpu/cpu.cfs_burst_us" ] || cfg '.linux.resources.cpu.burst = 20000'
  rt_create "$id"
  pid=$(state_field "$id" .pid)

  assert_eq "$(cgf memory "$p" memory.limit_in_bytes)" 33554432 memory.limit_in_bytes
  assert_eq "$(cgf memory "$p" memory.soft_limit_in_bytes)" 16777216 memory.soft_limit_in_bytes
  assert_eq "$(cgf memory "$p" memory.swappiness)" 10 memory.swappiness
  assert_eq "$(cgf memory "$p" memory.oom_control)" "oom_kill_disable 1" memory.oom_control
  assert_eq "$(cgf memory "$p" memory.kmem.tcp.limit_in_bytes)" 67108864 \
    memory.kmem.tcp.limit_in_bytes
  if [ -e "$CG/memory/memory.memsw.limit_in_bytes" ]; then
    assert_eq "$(cgf memory "$p" memory.memsw.limit_in_bytes)" 67108864 memsw.limit_in_bytes
  fi
  assert_eq "$(cgf cpu "$p" cpu.shares)" 512 cpu.shares
  assert_eq "$(cgf cpu "$p" cpu.cfs_quota_us)" 50000 cpu.cfs_quota_us
  assert_eq "$(cgf cpu "$p" cpu.cfs_period_us)" 100000 cpu.cfs_period_us
  [ ! -e "$CG/cpu/cpu.cfs_burst_us" ] \
    || assert_eq "$(cgf cpu "$p" cpu.cfs_burst_us)" 20000 cpu.cfs_burst_us
  assert_eq "$(cgf cpuset "$p" cpuset.cpus)" 0 cpuset.cpus
  assert_eq "$(cgf cpuset "$p" cpuset.mems)" 0 cpuset.mems
  assert_eq "$(cgf pids "$p" pids.max)" 42 pids.max
  assert_eq "$(cgf blkio "$p" blkio.throttle.read_bps_device)" "$disk 1048576" read_bps_device
  assert_eq "$(cgf blkio "$p" blkio.throttle.write_iops_device)" "$disk 300" write_iops_device
  # The default device rules follow the (here absent) configured ones.
  assert_contains "$(cat "$(cgd devices "$p")/devices.list")" "c 1:3 rwm" devices.list
  assert_not_contains "$(cat "$(cgd devices "$p")/devices.list")" "a *:* rwm" devices.list

  # After create, before the user's process runs, init is in the path in
  # every hierarchy.
  assert_cgroup_of "$pid" "$p"
  if [ "$HYBRID" = 1 ]; then
    assert_eq "$(cat "$(cgd unified "$p")/cgroup.procs")" "$pid" "unified cgroup.procs"
  fi
  rt delete -f "$id"
  assert_gone "$p"
}
run_test "every resource lands in the host's control files" test_resources_in_host_files

test_cpu_idle () {
  local id p
  [ -e "$CG/cpu/cpu.idle" ] || skip "this kernel's v1 cpu controller has no cpu.idle"
  new_bundle /probe sleep
  id=$(unique_id)
  p=$(own_cgroup "$id")
  cfg '.linux.resources.cpu = { idle: 1 }'
  rt_create "$id"
  assert_eq "$(cgf cpu "$p" cpu.idle)" 1 cpu.idle
  # SCHED_IDLE groups get the minimum weight (config-linux.md).
  assert_eq "$(cgf cpu "$p" cpu.shares)" 3 "cpu.shares of an idle group"
}
run_test "cpu.idle 1 lands in cpu.idle" test_cpu_idle

test_blkio_weight () {
  local id p f
  grep -qw bfq /sys/block/*/queue/scheduler 2>/dev/null || skip "no bfq I/O scheduler"
  new_bundle /probe sleep
  id=$(unique_id)
  p=$(own_cgroup "$id")
  cfg '.linux.resources.blockIO = { weight: 200 }'
  rt_create "$id"
  # blkio.weight went with CFQ; BFQ's file prints "default N".
  for f in blkio.weight blkio.bfq.weight; do
    [ -e "$(cgd blkio "$p")/$f" ] || continue
    assert_match "$(cgf blkio "$p" "$f")" '^(default )?200$' "$f"
    return 0
  done
  fail "no blkio weight file in $(cgd blkio "$p")"
}
run_test "blockIO.weight lands in blkio.weight or blkio.bfq.weight" test_blkio_weight

test_hugetlb () {
  local id p dir
  [ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages"
  new_bundle /probe sleep
  id=$(unique_id)
  p=$(own_cgroup "$id")
  cfg '.linux.resources.hugepageLimits = [ { pageSize: "2MB", limit: 4194304 } ]'
  if have_ctrl hugetlb; then
    rt_create "$id"
    dir=$(cgd hugetlb "$p")
    assert_eq "$(cat "$dir/hugetlb.2MB.limit_in_bytes")" 4194304 hugetlb.2MB.limit_in_bytes
    [ ! -e "$dir/hugetlb.2MB.rsvd.limit_in_bytes" ] \
      || assert_eq "$(cat "$dir/hugetlb.2MB.rsvd.limit_in_bytes")" 4194304 rsvd.limit_in_bytes
  elif [ "$HYBRID" = 1 ] && grep -qw hugetlb "$CG/unified/cgroup.controllers"; then
    # Not a v1 controller here: converted to the unified tree's files.
    rt_create "$id"
    dir=$(cgd unified "$p")
    assert_eq "$(cat "$dir/hugetlb.2MB.max")" 4194304 hugetlb.2MB.max
    [ ! -e "$dir/hugetlb.2MB.rsvd.max" ] \
      || assert_eq "$(cat "$dir/hugetlb.2MB.rsvd.max")" 4194304 hugetlb.2MB.rsvd.max
  else
    assert_fails_clean rt create -b "$BUNDLE" "$id"
    assert_error_mentions "$errout" "hugepageLimits"
  fi
}
run_test "hugepageLimits land in the hugetlb files (v1, or converted to the unified tree)" \
  test_hugetlb

test_unified () {
  local id p
  new_bundle /probe sleep
  id=$(unique_id)
  p=$(own_cgroup "$id")
  cfg '.linux.resources.unified = { "cgroup.max.descendants": "7" }'
  if [ "$HYBRID" = 0 ]; then
    assert_fails_clean rt create -b "$BUNDLE" "$id"
    assert_error_mentions "$errout" "needs cgroup v2"
    return 0
  fi
  rt_create "$id"
  assert_eq "$(cgf unified "$p" cgroup.max.descendants)" 7 "unified cgroup.max.descendants"
}
run_test "unified keys go to the hybrid host's cgroup2 tree (or fail on pure v1)" test_unified

test_unified_missing_controller () {
  local id
  [ "$HYBRID" = 1 ] || skip "not a hybrid host"
  # memory is bound to a v1 hierarchy, so the cgroup2 tree cannot have it.
  have_ctrl memory || skip "no v1 memory controller"
  new_bundle /probe true
  id=$(unique_id)
  cfg '.linux.resources.unified = { "memory.max": "1000000" }'
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" "linux.resources.unified.memory.max"
  assert_error_mentions "$errout" "not in the cgroup v2 tree"
}
run_test "a unified key of a controller the cgroup2 tree lacks is an error" \
  test_unified_missing_controller

# ---------------------------------------------------------------------------
# Limits seen from inside

test_pids_limit_stops_forks () {
  local id
  # busybox sh gives up at the first fork that fails: with pids.max 5 it
  # and 4 sleeps fill the cgroup.  The same loop with 50 starts all 10.
  new_bundle sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 5 & echo "started $i"; done'
  cfg '.linux.resources.pids = { limit: 5 }'
  id=$(unique_id)
  run rt run -b "$BUNDLE" "$id"
  assert_ne "$status" 0 "exit status with pids.max 5"
  assert_eq "$(grep -c started <<<"$output")" 4 "sleeps started with pids.max 5"
  assert_contains "$errout" "fork" "stderr with pids.max 5"
  cfg '.linux.resources.pids = { limit: 50 }'
  id=$(unique_id)
  run rt run -b "$BUNDLE" "$id"
  assert_eq "$status" 0 "exit status with pids.max 50"
  assert_eq "$(grep -c started <<<"$output")" 10 "sleeps started with pids.max 50"
}
run_test "pids.limit 5 stops a fork loop from inside" test_pids_limit_stops_forks

test_memory_limit_oom_kills () {
  local id
  # tail keeps everything after the last newline: /dev/zero has none.
  new_bundle sh -c 'dd if=/dev/zero bs=1M count=48 2>/dev/null | tail >/dev/null'
  cfg '.linux.resources.memory = { limit: 16777216 }'
  id=$(unique_id)
  run rt run -b "$BUNDLE" "$id"
  assert_eq "$status" 137 "exit status of a 48M hog under a 16M limit"
  cfg '.linux.resources.memory = { limit: 268435456 }'
  id=$(unique_id)
  run rt run -b "$BUNDLE" "$id"
  assert_eq "$status" 0 "exit status of the same hog under 256M"
}
run_test "memory.limit 16M OOM-kills a memory hog (137)" test_memory_limit_oom_kills

# A device number no driver has: open reaches the driver (ENXIO) only when
# the device cgroup allows it, else EPERM.  Its node comes from
# linux.devices, which adds no rule of its own.  /dev/zero and the other
# default devices are allowed after the configured rules (as runc, crun and
# youki do, so a config whose list is only a deny-all still works): they
# cannot show a deny.
test_device_rules () {
  local id
  new_bundle /probe read /dev/cgtest + write /dev/cgtest x + write /dev/null x
  cfg '.linux.devices = [ { path: "/dev/cgtest", type: "c", major: 240, minor: 0,
                             fileMode: 438 } ]'

  cfg '.linux.resources.devices = [ { allow: false, access: "rwm" },
                                    { allow: true, type: "c", major: 1, minor: 3,
                                      access: "rwm" } ]'
  id=$(unique_id)
  run rt run -b "$BUNDLE" "$id"
  assert_eq "$output" $'EPERM\nEPERM\nok' "deny-all + allow /dev/null"

  cfg '.linux.resources.devices = [ { allow: false, access: "rwm" },
                                    { allow: true, type: "c", major: 240, minor: 0,
                                      access: "r" } ]'
  id=$(unique_id)
  run rt run -b "$BUNDLE" "$id"
  assert_eq "$output" $'ENXIO\nEPERM\nok' "allow c 240:0 r: read reaches the driver, write does not"

  # No rules at all: still an allow-list, with the default devices.
  cfg 'del(.linux.resources.devices)'
  id=$(unique_id)
  run rt run -b "$BUNDLE" "$id"
  assert_eq "$output" $'EPERM\nEPERM\nok' "no rules"

  cfg '.linux.resources.devices = [ { allow: true, access: "rwm" } ]'
  id=$(unique_id)
  run rt run -b "$BUNDLE" "$id"
  assert_eq "$output" $'ENXIO\nENXIO\nok' "allow all"
}
run_test "device rules apply in order; /dev/null stays usable" test_device_rules

# net_cls, net_prio and rdma have no cgroup v2 equivalent here: where the
# host lacks them, a value for them is an error naming the field.
test_missing_controllers () {
  local id n=0
  new_bundle /probe true
  if ! have_ctrl net_cls; then
    cfg '.linux.resources = { network: { classID: 1048577 } }'
    id=$(unique_id)
    assert_fails_clean rt create -b "$BUNDLE" "$id"
    assert_error_mentions "$errout" "linux.resources.network.classID"
    n=$((n + 1))
  fi
  if ! have_ctrl net_prio; then
    cfg '.linux.resources = { network: { priorities: [ { name: "lo", priority: 5 } ] } }'
    id=$(unique_id)
    assert_fails_clean rt create -b "$BUNDLE" "$id"
    assert_error_mentions "$errout" "linux.resources.network.priorities"
    n=$((n + 1))
  fi
  if ! have_ctrl rdma && ! grep -qsw rdma "$CG/unified/cgroup.controllers"; then
    cfg '.linux.resources = { rdma: { mlx5_1: { hcaHandles: 3 } } }'
    id=$(unique_id)
    assert_fails_clean rt create -b "$BUNDLE" "$id"
    assert_error_mentions "$errout" "linux.resources.rdma"
    n=$((n + 1))
  fi
  [ "$n" -gt 0 ] || skip "the host has net_cls, net_prio and rdma"
}
run_test "values for controllers the host lacks are errors naming the field" \
  test_missing_controllers

test_cpuset_bad_cpu () {
  local id n
  n=$(($(nproc --all) + 5))
  new_bundle /probe true
  cfg --arg c "$n" '.linux.resources.cpu = { cpus: $c }'
  id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" "linux.resources.cpu.cpus"
}
run_test "a CPU the host lacks is refused, naming cpu.cpus" test_cpuset_bad_cpu

test_swap_below_limit () {
  local id
  new_bundle /probe true
  cfg '.linux.resources.memory = { limit: 33554432, swap: 16777216 }'
  id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" "linux.resources.memory.swap"
}
run_test "memory.swap below memory.limit is refused (v1 swap includes memory)" \
  test_swap_below_limit

# ---------------------------------------------------------------------------
# update, pause, kill --all, stats

test_update_memory_order () {
  local id p
  [ -e "$CG/memory/memory.memsw.limit_in_bytes" ] || skip "no swap accounting"
  new_bundle /probe sleep
  cfg '.linux.resources.memory = { limit: 33554432, swap: 67108864 }'
  id=$(unique_id)
  p=$(own_cgroup "$id")
  rt_create "$id"
  # Raising both above the old memsw needs memsw first; lowering both
  # below the old limit needs the limit first.
  echo '{"memory": {"limit": 134217728, "swap": 268435456}}' >"$T/r1.json"
  assert_ok rt update -r "$T/r1.json" "$id"
  assert_eq "$(cgf memory "$p" memory.limit_in_bytes)" 134217728 "raised limit"
  assert_eq "$(cgf memory "$p" memory.memsw.limit_in_bytes)" 268435456 "raised memsw"
  echo '{"memory": {"limit": 20971520, "swap": 25165824}}' >"$T/r2.json"
  assert_ok rt update -r "$T/r2.json" "$id"
  assert_eq "$(cgf memory "$p" memory.limit_in_bytes)" 20971520 "lowered limit"
  assert_eq "$(cgf memory "$p" memory.memsw.limit_in_bytes)" 25165824 "lowered memsw"
}
run_test "update raises and lowers limit and swap in a valid order" test_update_memory_order

test_update_check_before_update () {
  local id p
  new_bundle /probe sleep
  id=$(unique_id)
  p=$(own_cgroup "$id")
  rt_create "$id"
  echo '{"memory": {"limit": 4096, "checkBeforeUpdate": true}}' >"$T/r.json"
  run rt update -r "$T/r.json" "$id"
  assert_ne "$status" 0 "update to 4096 bytes with checkBeforeUpdate"
  assert_error_mentions "$errout" "linux.resources.memory.limit"
  assert_error_mentions "$errout" "checkBeforeUpdate"
  assert_ne "$(cgf memory "$p" memory.limit_in_bytes)" 4096 "limit after the refused update"
  echo '{"pids": {"limit": 0}}' >"$T/r.json"
  assert_ok rt update -r "$T/r.json" "$id"
  assert_eq "$(cgf pids "$p" pids.max)" 0 "pids.max 0 is a valid limit"
  echo '{"pids": {"limit": -1}}' >"$T/r.json"
  assert_ok rt update -r "$T/r.json" "$id"
  assert_eq "$(cgf pids "$p" pids.max)" max "pids -1"
}
run_test "update: checkBeforeUpdate refuses a limit below usage; pids 0 and -1" \
  test_update_check_before_update

test_pause_resume () {
  local id p
  have_ctrl freezer || skip "no v1 freezer"
  new_bundle /probe sleep
  id=$(unique_id)
  p=$(own_cgroup "$id")
  rt_run_d "$id"
  assert_ok rt pause "$id"
  assert_eq "$(cgf freezer "$p" freezer.state)" FROZEN "freezer.state after pause"
  assert_eq "$(state_field "$id" .status)" paused "status after pause"
  assert_ok rt resume "$id"
  assert_eq "$(cgf freezer "$p" freezer.state)" THAWED "freezer.state after resume"
  assert_eq "$(state_field "$id" .status)" running "status after resume"
  # A paused container with children goes away entirely on delete -f.
  assert_ok rt pause "$id"
  rt delete -f "$id"
  assert_gone "$p"
}
run_test "pause and resume through freezer.state" test_pause_resume

test_kill_all () {
  local id p pids pid
  # Without a pid namespace init's death alone would leave the sleeps.
  new_bundle sh -c 'sleep 100 & sleep 100 & exec sleep 100'
  no_pidns
  id=$(unique_id)
  p=$(own_cgroup "$id")
  rt_run_d "$id"
  wait_for 5 test "$(pids_of "$p" | wc -l)" = 3
  pids=$(pids_of "$p")
  assert_ok rt kill --all "$id" KILL
  for pid in $pids; do
    wait_for 5 eval "! alive $pid"
  done
  wait_for 5 test -z "$(pids_of "$p")"
  rt delete "$id"
  assert_gone "$p"
}
run_test "kill --all reaches every process of the cgroup" test_kill_all

test_stats () {
  local id json
  new_bundle /probe sleep
  cfg '.linux.resources = { memory: { limit: 33554432 }, pids: { limit: 20 } }'
  id=$(unique_id)
  rt_run_d "$id"
  json=$(timeout 5 "$RUNTIME" --root "$STATE" events --stats "$id" | head -n1)
  echo "$json" >>"$TEST_LOG"
  assert_eq "$(jq -r .data.memory.usage.limit <<<"$json")" 33554432 "memory limit in stats"
  assert_eq "$(jq -r .data.pids.limit <<<"$json")" 20 "pids limit in stats"
  assert_eq "$(jq -r .data.pids.current <<<"$json")" 1 "pids current in stats"
  assert_ne "$(jq -r .data.cpu.usage.total <<<"$json")" 0 "cpu usage in stats"
}
run_test "events --stats reads the v1 counters" test_stats

# ---------------------------------------------------------------------------
# Paths and cleanup

test_custom_paths () {
  local id id2 pid
  new_bundle /probe sleep
  id=$(unique_id)
  cfg --arg p "/$id-abs/$id" '.linux.cgroupsPath = $p'
  rt_create "$id"
  pid=$(state_field "$id" .pid)
  assert_cgroup_of "$pid" "/$id-abs/$id"
  rt delete -f "$id"
  # Both levels were made by create, so both go.
  assert_gone "/$id-abs/$id" "/$id-abs"

  # Relative: taken from each hierarchy's root as well.
  id2=$(unique_id)
  cfg --arg p "$id2-rel/$id2" '.linux.cgroupsPath = $p'
  rt_create "$id2"
  pid=$(state_field "$id2" .pid)
  assert_cgroup_of "$pid" "/$id2-rel/$id2"
  rt delete -f "$id2"
  assert_gone "/$id2-rel/$id2" "/$id2-rel"
}
run_test "absolute and relative cgroupsPath, removed on delete" test_custom_paths

test_existing_parent_kept () {
  local id h
  new_bundle /probe sleep
  id=$(unique_id)
  # An engine made the parent (and may have set limits on it): delete
  # removes only the container's own level.
  for h in $(hierarchies); do
    mkdir "$h/$id-pre"
  done
  cfg --arg p "/$id-pre/$id" '.linux.cgroupsPath = $p'
  rt_create "$id"
  rt delete -f "$id"
  assert_gone "/$id-pre/$id"
  for h in $(hierarchies); do
    [ -d "$h/$id-pre" ] || fail "$h/$id-pre, made before create, was removed"
    rmdir "$h/$id-pre"
  done
}
run_test "a parent that existed before create is kept on delete" test_existing_parent_kept

test_populated_cgroup_refused () {
  local id sleeper h
  new_bundle /probe true
  id=$(unique_id)
  for h in $(hierarchies); do
    mkdir "$h/$id-busy"
  done
  sleep 30 &
  sleeper=$!
  echo "$sleeper" >"$CG/pids/$id-busy/cgroup.procs"
  cfg --arg p "/$id-busy" '.linux.cgroupsPath = $p'
  run rt create -b "$BUNDLE" "$id"
  # Undo before judging: a runtime that accepted it must let go first.
  [ "$status" != 0 ] || lib_rt delete -f "$id" >/dev/null 2>&1 || true
  kill "$sleeper"
  wait "$sleeper" 2>/dev/null || true
  for h in $(hierarchies); do
    rmdir "$h/$id-busy" 2>/dev/null || true
  done
  assert_ne "$status" 0 "create in a cgroup that has a process"
  assert_error_mentions "$errout" "already has processes"
}
run_test "a cgroup that already has processes is refused" test_populated_cgroup_refused

test_dotdot_refused () {
  local id
  new_bundle /probe true
  id=$(unique_id)
  cfg --arg p "/$id/../$id-x" '.linux.cgroupsPath = $p'
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" ".."
  assert_error_mentions "$errout" "cgroupsPath"
}
run_test "a cgroupsPath with .. is refused" test_dotdot_refused

test_default_path () {
  local id pid p had_cove
  [ "$(runtime_name)" = cove ] || skip "the default path is the runtime's choice"
  had_cove=$(cove_dirs)
  new_bundle /probe sleep
  cfg '.linux.resources.cpu = { cpus: "0" }'
  id=$(unique_id)
  rt_create "$id"
  pid=$(state_field "$id" .pid)
  # /cove/<id>, with a suffix telling state roots apart.
  p=$(awk -F: '$2 == "pids" { print $3 }' "/proc/$pid/cgroup")
  assert_match "$p" "^/cove/$id(-[0-9a-f]+)?\$" "default cgroup path"
  assert_cgroup_of "$pid" "$p"
  # A new cpuset level starts empty; /cove got the root's CPUs and nodes,
  # else nobody could join below it.
  assert_eq "$(cgf cpuset /cove cpuset.cpus)" "$(cgf cpuset "" cpuset.cpus)" "/cove cpuset.cpus"
  assert_eq "$(cgf cpuset /cove cpuset.mems)" "$(cgf cpuset "" cpuset.mems)" "/cove cpuset.mems"
  rt delete -f "$id"
  assert_gone "$p"
  # cove's own parent goes with its last container.
  [ -n "$had_cove" ] || assert_eq "$(cove_dirs)" "" "/cove dirs left"
}
run_test "default path under /cove; /cove gets the parent's cpuset and goes when empty" \
  test_default_path

test_gone_after_delete () {
  local id p pids pid

  # Stopped by itself: init is dead before delete.
  new_bundle /probe true
  id=$(unique_id)
  p=$(own_cgroup "$id")
  rt_create "$id"
  rt start "$id"
  wait_status "$id" stopped
  rt delete "$id"
  assert_gone "$p"

  # init dead, its children still running in the cgroup (no pid namespace).
  new_bundle sh -c 'sleep 100 & sleep 100 & exit 0'
  no_pidns
  id=$(unique_id)
  p=$(own_cgroup "$id")
  rt_run_d "$id"
  wait_status "$id" stopped
  pids=$(pids_of "$p")
  assert_eq "$(wc -w <<<"$pids")" 2 "orphans left in the cgroup"
  rt delete "$id"
  assert_gone "$p"
  for pid in $pids; do
    ! alive "$pid" || fail "orphan $pid survived delete"
  done

  # delete -f of a running container with children.
  new_bundle sh -c 'sleep 100 & sleep 100 & exec sleep 100'
  no_pidns
  id=$(unique_id)
  p=$(own_cgroup "$id")
  rt_run_d "$id"
  wait_for 5 test "$(pids_of "$p" | wc -l)" = 3
  pids=$(pids_of "$p")
  rt delete -f "$id"
  assert_gone "$p"
  for pid in $pids; do
    ! alive "$pid" || fail "process $pid survived delete -f"
  done
}
run_test "the cgroup is removed by delete: stopped, orphans left, delete -f" test_gone_after_delete

test_failed_create_leaves_nothing () {
  local id
  new_bundle /probe true
  # The kernel clamps cpu.shares 1 to 2; create reads it back and fails
  # after every dir was made: all of it is undone.
  cfg '.linux.resources.pids = { limit: 5 } | .linux.resources.cpu = { shares: 1 }'
  id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" "linux.resources.cpu.shares"
}
run_test "a failed create removes the dirs it made" test_failed_create_leaves_nothing

test_many_cycles () {
  local i id before after
  new_bundle /probe true
  before=$(our_dirs)
  for ((i = 0; i < 200; i++)); do
    id=$ID_PREFIX-cycle-$i
    track_id "$id"
    lib_rt create -b "$BUNDLE" "$id" </dev/null >/dev/null 2>"$T/cycle.err" \
      || fail "create $i: $(cat "$T/cycle.err")"
    lib_rt start "$id" || fail "start $i"
    lib_rt delete -f "$id" || fail "delete $i"
  done
  after=$(our_dirs)
  assert_eq "$after" "$before" "cgroup dirs named after the ids"
  : >"$T/ids"
}
run_test "200 create/start/delete cycles leave no cgroup dir" test_many_cycles

done_testing
