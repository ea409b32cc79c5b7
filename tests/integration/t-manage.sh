#!/bin/bash
# t-manage: pause, resume, update, events and ps on a running container.
# Observed for real: a paused container's processes stop (a counter it
# writes into a bind-mounted host file stands still) and go on after
# resume; a paused container can be killed and force-deleted, leaving no
# cgroup; update's values land in the host's cgroup files (read through
# /proc/<init>/cgroup), from flags, a file and stdin, and a bad value
# changes nothing; events --stats reads the counters, --interval repeats
# until the container stops, and an OOM kill shows up as an "oom" event;
# ps lists the container's processes and only those.
# shellcheck source=tests/integration/lib.sh disable=SC2119,SC2154,SC2317,SC2016 # unique_id takes no args here; run sets status/output/errout; tests are called by name; container commands are single-quoted
. "$(dirname "$0")/lib.sh"

CG=/sys/fs/cgroup

# ---------------------------------------------------------------------------
# Helpers

# start_sleeper: `run -d` of $BUNDLE under a fresh id; prints the id once
# it runs.
start_sleeper () {
  local id
  id=$(unique_id)
  rt_run_d "$id"
  wait_status "$id" running
  echo "$id"
}

init_pid () {
  state_field "$1" .pid
}

alive () {
  kill -0 "$1" 2>/dev/null && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# cg_dir PID CTRL: the host dir of PID's cgroup in controller CTRL, from
# /proc/PID/cgroup (v1: the line whose controller list has CTRL; a pure v2
# host: the 0:: line).  Fails when the host has no such controller.
cg_dir () {
  local line ctrls path
  while IFS= read -r line; do
    ctrls=${line#*:}
    ctrls=${ctrls%%:*}
    path=${line#*:*:}
    if [[ ,$ctrls, == *,"$2",* ]]; then
      # Co-mounted controllers (cpu,cpuacct) have a dir named after all.
      if [ -d "$CG/$2" ]; then echo "$CG/$2$path"; else echo "$CG/$ctrls$path"; fi
      return 0
    fi
  done <"/proc/$1/cgroup"
  if [ "$(stat -fc %T "$CG")" = cgroup2fs ]; then
    echo "$CG$(sed -n 's/^0:://p' "/proc/$1/cgroup")"
    return 0
  fi
  fail "no $2 controller in /proc/$1/cgroup: $(cat "/proc/$1/cgroup")"
}

# cgv PID CTRL FILE: the first line of a control file of PID's cgroup.
cgv () {
  local v
  read -r v <"$(cg_dir "$1" "$2")/$3" || true
  echo "$v"
}

# Dirs named after a container id in any hierarchy.
cgroups_of () {
  find "$CG" -mindepth 1 -maxdepth 5 -type d -name "*$1*" 2>/dev/null | sort || true
}

is_v1 () {
  [ "$(stat -fc %T "$CG")" = tmpfs ]
}

# limits PID: every value update touches, one line, for before/after.
limits () {
  if is_v1; then
    echo "mem=$(cgv "$1" memory memory.limit_in_bytes)" \
      "pids=$(cgv "$1" pids pids.max)" \
      "quota=$(cgv "$1" cpu cpu.cfs_quota_us)" \
      "period=$(cgv "$1" cpu cpu.cfs_period_us)" \
      "shares=$(cgv "$1" cpu cpu.shares)" \
      "cpus=$(cgv "$1" cpuset cpuset.cpus)"
  else
    echo "mem=$(cgv "$1" memory memory.max)" "pids=$(cgv "$1" pids pids.max)" \
      "cpu=$(cgv "$1" cpu cpu.max)" "weight=$(cgv "$1" cpu cpu.weight)" \
      "cpus=$(cgv "$1" cpuset cpuset.cpus)"
  fi
}

# A bundle whose init counts, ten times a second, into /out/counter, a
# bind mount of the host dir $OUT.
new_counter_bundle () {
  OUT=$(mktemp -d "$T/out.XXXXXX")
  new_bundle /bin/sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/out/counter; sleep 0.1; done'
  cfg --arg src "$OUT" '.mounts += [ { destination: "/out", type: "bind", source: $src,
      options: ["rbind", "rw"] } ]'
}

counter () {
  cat "$OUT/counter" 2>/dev/null || echo 0
}

# assert_advances: the counter moves within 3 seconds.
assert_advances () {
  local a i
  a=$(counter)
  for ((i = 0; i < 30; i++)); do
    sleep 0.1
    [ "$(counter)" = "$a" ] || return 0
  done
  fail "${1:-the counter} stayed at $a for 3s"
}

# ---------------------------------------------------------------------------
# pause and resume

test_pause_freezes () {
  local id pid a b
  new_counter_bundle
  id=$(start_sleeper)
  pid=$(init_pid "$id")
  assert_advances "the counter of the running container"
  assert_ok rt pause "$id"
  assert_eq "$output" "" "output of pause"
  assert_eq "$(state_field "$id" .status)" paused "state after pause"
  run rt list --format json
  assert_eq "$(jq -r --arg id "$id" '.[] | select(.id == $id) | .status' <<<"$output")" paused \
    "list after pause"
  run rt list
  assert_match "$output" $'(^|\n)'"$id"' +[0-9]+ +paused ' "list (table) after pause"
  # Frozen: the counter stands still (a write in flight may land first).
  sleep 0.3
  a=$(counter)
  sleep 1.5
  b=$(counter)
  assert_eq "$b" "$a" "the counter while paused"
  alive "$pid" || fail "init is gone while paused"
  assert_ok rt resume "$id"
  assert_eq "$(state_field "$id" .status)" running "state after resume"
  run rt list --format json
  assert_eq "$(jq -r --arg id "$id" '.[] | select(.id == $id) | .status' <<<"$output")" running \
    "list after resume"
  assert_advances "the counter after resume"
}

# SIGKILL reaches a paused container's processes (they are thawed to die),
# and `delete -f` of a paused one leaves no process and no cgroup.
test_kill_and_delete_paused () {
  local id pid
  new_counter_bundle
  id=$(start_sleeper)
  pid=$(init_pid "$id")
  [ -n "$(cgroups_of "$id")" ] || fail "no cgroup named after $id"
  rt pause "$id"
  assert_ok rt kill "$id" KILL
  wait_status "$id" stopped 10
  alive "$pid" && fail "init $pid still alive after kill KILL"
  assert_ok rt delete "$id"
  assert_fail rt state "$id"
  assert_eq "$(cgroups_of "$id")" "" "cgroups left after kill and delete"

  id=$(start_sleeper)
  pid=$(init_pid "$id")
  rt pause "$id"
  assert_ok rt delete -f "$id"
  assert_fail rt state "$id"
  alive "$pid" && fail "init $pid still alive after delete -f"
  assert_eq "$(cgroups_of "$id")" "" "cgroups left after delete -f of a paused container"
}

test_pause_errors () {
  local id
  new_bundle /probe exit 0
  id=$(unique_id)
  rt_run_d "$id"
  wait_status "$id" stopped
  assert_fails_clean rt pause "$id"
  assert_error_mentions "$errout" stopped
  assert_eq "$(state_field "$id" .status)" stopped "state after a refused pause"
  assert_fails_clean rt resume "$id"
  new_bundle /probe sleep
  id=$(start_sleeper)
  # Resume of a container that is not paused, pause of a missing one.
  assert_fails_clean rt resume "$id"
  assert_eq "$(state_field "$id" .status)" running "state after a refused resume"
  assert_fails_clean rt pause "$(unique_id)"
}

# ---------------------------------------------------------------------------
# update

test_update_flags () {
  local id pid
  is_v1 || skip "checks v1 files (this host's layout)"
  new_bundle /probe sleep
  id=$(start_sleeper)
  pid=$(init_pid "$id")
  assert_ok rt update --memory 64m --pids-limit 10 --cpu-period 100000 --cpu-quota 50000 \
    --cpu-share 512 --cpuset-cpus 0 "$id"
  assert_eq "$(cgv "$pid" memory memory.limit_in_bytes)" 67108864 "memory.limit_in_bytes"
  assert_eq "$(cgv "$pid" pids pids.max)" 10 "pids.max"
  assert_eq "$(cgv "$pid" cpu cpu.cfs_period_us)" 100000 "cpu.cfs_period_us"
  assert_eq "$(cgv "$pid" cpu cpu.cfs_quota_us)" 50000 "cpu.cfs_quota_us"
  assert_eq "$(cgv "$pid" cpu cpu.shares)" 512 "cpu.shares"
  assert_eq "$(cgv "$pid" cpuset cpuset.cpus)" 0 "cpuset.cpus"
  # The container lives on, and its process now runs on CPU 0 only.
  run rt exec "$id" /probe affinity
  assert_eq "$output" 0 "affinity inside after --cpuset-cpus 0"
  # Another period: the quota stays.
  assert_ok rt update --cpu-period 200000 "$id"
  assert_eq "$(cgv "$pid" cpu cpu.cfs_period_us)" 200000 "cpu.cfs_period_us, second update"
  assert_eq "$(cgv "$pid" cpu cpu.cfs_quota_us)" 50000 "cpu.cfs_quota_us, second update"
  # pids.max holds from inside: 10 processes at most.
  run rt exec "$id" /bin/sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 5 & done; wait'
  assert_ne "$status" 0 "twelve sleeps under pids.max 10"
}

# Docker sends the linux.resources shape: {"memory":{"limit":...},"cpu":{...}}.
test_update_resources_file () {
  local id pid
  is_v1 || skip "checks v1 files (this host's layout)"
  new_bundle /probe sleep
  id=$(start_sleeper)
  pid=$(init_pid "$id")
  cat >"$T/res.json" <<'EOF'
{
  "memory": { "limit": 100663296, "reservation": 50331648 },
  "cpu": { "shares": 256, "quota": 20000, "period": 50000, "cpus": "0", "mems": "" },
  "pids": { "limit": 42 },
  "blockIO": {}
}
EOF
  assert_ok rt update -r "$T/res.json" "$id"
  assert_eq "$(cgv "$pid" memory memory.limit_in_bytes)" 100663296 "memory.limit_in_bytes"
  assert_eq "$(cgv "$pid" memory memory.soft_limit_in_bytes)" 50331648 "memory.soft_limit_in_bytes"
  assert_eq "$(cgv "$pid" cpu cpu.shares)" 256 "cpu.shares"
  assert_eq "$(cgv "$pid" cpu cpu.cfs_quota_us)" 20000 "cpu.cfs_quota_us"
  assert_eq "$(cgv "$pid" cpu cpu.cfs_period_us)" 50000 "cpu.cfs_period_us"
  assert_eq "$(cgv "$pid" cpuset cpuset.cpus)" 0 "cpuset.cpus"
  assert_eq "$(cgv "$pid" pids pids.max)" 42 "pids.max"
  # The same through stdin (`-r -`), with other values.
  echo '{"memory":{"limit":134217728},"cpu":{"shares":768,"quota":-1},"pids":{"limit":43}}' \
    >"$T/res2.json"
  echo "+ update -r - $id <res2.json" >>"$TEST_LOG"
  lib_rt update -r - "$id" <"$T/res2.json" >>"$TEST_LOG" 2>&1 || fail "update -r - failed"
  assert_eq "$(cgv "$pid" memory memory.limit_in_bytes)" 134217728 "memory.limit_in_bytes from stdin"
  assert_eq "$(cgv "$pid" cpu cpu.shares)" 768 "cpu.shares from stdin"
  assert_eq "$(cgv "$pid" cpu cpu.cfs_quota_us)" -1 "cpu.cfs_quota_us -1 from stdin"
  assert_eq "$(cgv "$pid" pids pids.max)" 43 "pids.max from stdin"
  # What was not in the file is left as it was.
  assert_eq "$(cgv "$pid" cpuset cpuset.cpus)" 0 "cpuset.cpus after the second update"
  assert_eq "$(cgv "$pid" memory memory.soft_limit_in_bytes)" 50331648 \
    "memory.soft_limit_in_bytes after the second update"
}

# A bad value is a one-line error and changes nothing: neither the value
# nor the others given with it.
test_update_bad_value () {
  local id pid before
  new_bundle /probe sleep
  id=$(start_sleeper)
  pid=$(init_pid "$id")
  assert_ok rt update --memory 64m --pids-limit 10 "$id"
  before=$(limits "$pid")
  lib_diag "limits: $before"
  local -a bad=(
    "--memory 12zz"
    "--memory 32m --cpu-quota abc"
    "--pids-limit ten"
    "--cpu-share -x --memory 32m"
    "--memory -5m"
  )
  local args
  for args in "${bad[@]}"; do
    # shellcheck disable=SC2086 # the flags split on blanks
    assert_fails_clean rt update $args "$id"
    assert_eq "$(limits "$pid")" "$before" "limits after \`update $args\`"
  done
  echo '{"memory":{"limit":"64m"}}' >"$T/bad.json"
  assert_fails_clean rt update -r "$T/bad.json" "$id"
  assert_eq "$(limits "$pid")" "$before" "limits after a string limit in -r"
  echo '{"memory":{"limit":33554432},' >"$T/bad.json"
  assert_fails_clean rt update -r "$T/bad.json" "$id"
  assert_eq "$(limits "$pid")" "$before" "limits after malformed JSON in -r"
  # A value the kernel refuses (a CPU this host does not have), given
  # with a good one: the good one is not applied either.
  assert_fails_clean rt update --memory 32m --pids-limit 7 --cpuset-cpus 4095 "$id"
  assert_eq "$(limits "$pid")" "$before" "limits after an update with a CPU the host lacks"
  assert_eq "$(state_field "$id" .status)" running "the container after the bad updates"
}

# checkBeforeUpdate: a memory limit below what the container uses is
# refused, and the limit stays.
test_update_check_before_update () {
  local id pid before usage
  new_bundle /bin/sh -c 'head -c 8388608 /dev/zero >/dev/shm/fill; exec /probe sleep'
  id=$(start_sleeper)
  pid=$(init_pid "$id")
  # The shell execs probe once the 8M file (tmpfs: charged to the
  # container's memory) is written.
  wait_for 10 grep -qx probe "/proc/$pid/comm"
  if is_v1; then
    usage=$(cgv "$pid" memory memory.usage_in_bytes)
    before=$(cgv "$pid" memory memory.limit_in_bytes)
  else
    usage=$(cgv "$pid" memory memory.current)
    before=$(cgv "$pid" memory memory.max)
  fi
  lib_diag "usage $usage, limit $before"
  ((usage > 4194304)) || fail "usage $usage is not above 4M: the test means nothing"
  echo '{"memory": {"limit": 4194304, "checkBeforeUpdate": true}}' >"$T/r.json"
  assert_fails_clean rt update -r "$T/r.json" "$id"
  assert_error_mentions "$errout" checkBeforeUpdate
  if is_v1; then
    assert_eq "$(cgv "$pid" memory memory.limit_in_bytes)" "$before" "limit after the refused update"
  else
    assert_eq "$(cgv "$pid" memory memory.max)" "$before" "limit after the refused update"
  fi
  # Above the usage it is applied.
  echo '{"memory": {"limit": 67108864, "checkBeforeUpdate": true}}' >"$T/r.json"
  assert_ok rt update -r "$T/r.json" "$id"
  if is_v1; then
    assert_eq "$(cgv "$pid" memory memory.limit_in_bytes)" 67108864 "limit above the usage"
  fi
  alive "$pid" || fail "the container died"
}

test_update_stopped () {
  local id
  new_bundle /probe exit 0
  id=$(unique_id)
  rt_run_d "$id"
  wait_status "$id" stopped
  assert_fails_clean rt update --memory 64m "$id"
  assert_fails_clean rt update --memory 64m "$(unique_id)"
}

# ---------------------------------------------------------------------------
# events

test_events_stats () {
  local id json
  new_bundle /bin/sh -c 'sleep 1000 & exec /probe sleep'
  cfg '.linux.resources = { memory: { limit: 33554432 }, pids: { limit: 20 } }'
  id=$(start_sleeper)
  wait_for 10 test "$(rt ps --format json "$id" | jq length)" = 2
  run rt events --stats "$id"
  assert_eq "$status" 0 "status of events --stats"
  assert_eq "$(wc -l <<<"$output")" 1 "lines of events --stats"
  json=$output
  jq -e . >/dev/null <<<"$json" || fail "not JSON: $json"
  assert_eq "$(jq -r .type <<<"$json")" stats "type"
  assert_eq "$(jq -r .id <<<"$json")" "$id" "id"
  (($(jq -r .data.memory.usage.usage <<<"$json") > 0)) || fail "memory usage is not > 0"
  assert_eq "$(jq -r .data.memory.usage.limit <<<"$json")" 33554432 "memory limit"
  assert_eq "$(jq -r .data.pids.current <<<"$json")" 2 "pids.current (init and its sleep)"
  assert_eq "$(jq -r .data.pids.limit <<<"$json")" 20 "pids.limit"
  (($(jq -r .data.cpu.usage.total <<<"$json") > 0)) || fail "cpu usage total is not > 0"
}

test_events_interval () {
  local id epid rc=0 n
  new_bundle /probe sleep
  id=$(start_sleeper)
  "$RUNTIME" --root "$STATE" events --interval 1s "$id" >"$T/events.out" 2>"$T/events.err" &
  epid=$!
  sleep 3.5
  n=$(grep -c . "$T/events.out" || true)
  lib_diag "after 3.5s: $n lines"
  ((n >= 3 && n <= 5)) || fail "events --interval 1s printed $n lines in 3.5s"
  alive "$epid" || fail "events ended while the container runs"
  jq -se 'all(.type == "stats")' <"$T/events.out" >/dev/null || fail "not all stats lines"
  # Ends by itself once the container stops.
  rt kill "$id" KILL
  wait_status "$id" stopped
  for ((n = 0; n < 50; n++)); do
    alive "$epid" || break
    sleep 0.1
  done
  alive "$epid" && fail "events still runs 5s after the container stopped"
  wait "$epid" || rc=$?
  lib_diag "events: status $rc, stderr: $(cat "$T/events.err")"
  assert_eq "$rc" 0 "status of events when the container stops"
}

# A memory hog under a 16M limit is OOM-killed; events reports it.  busybox
# tail keeps everything after the last newline, and /dev/zero has none.
test_events_oom () {
  local id epid n
  new_bundle /probe sleep
  cfg '.linux.resources = { memory: { limit: 16777216 } }'
  id=$(start_sleeper)
  "$RUNTIME" --root "$STATE" events --interval 200ms "$id" >"$T/events.out" 2>"$T/events.err" &
  epid=$!
  wait_for 5 grep -q stats "$T/events.out"
  run rt exec "$id" /bin/sh -c 'head -c 67108864 /dev/zero | tail >/dev/null'
  assert_eq "$status" 137 "status of the hog"
  for ((n = 0; n < 50; n++)); do
    grep -q '"oom"' "$T/events.out" && break
    sleep 0.1
  done
  kill "$epid" 2>/dev/null || true
  wait "$epid" || true
  lib_diag "events: $(grep -v '"stats"' "$T/events.out")"
  run jq -c 'select(.type == "oom")' "$T/events.out"
  assert_eq "$(jq -r .id <<<"$output" | head -n1)" "$id" "id of the oom event"
  assert_eq "$(wc -l <<<"$output")" 1 "oom events"
  # init was not the victim: the container still runs.
  assert_eq "$(state_field "$id" .status)" running "status after the OOM kill"
}

test_events_missing () {
  assert_fails_clean rt events --stats "$(unique_id)"
}

# ---------------------------------------------------------------------------
# ps

test_ps () {
  local id pid child json line pids
  new_bundle /bin/sh -c 'sleep 1000 & wait'
  id=$(start_sleeper)
  pid=$(init_pid "$id")
  wait_for 10 test -n "$(cat "/proc/$pid/task/$pid/children")"
  child=$(cat "/proc/$pid/task/$pid/children")
  child=${child% }
  run rt ps --format json "$id"
  assert_eq "$status" 0 "status of ps --format json"
  json=$output
  assert_eq "$(jq -c 'sort' <<<"$json")" "$(jq -cn --argjson a "$pid" --argjson b "$child" '[$a, $b] | sort')" \
    "ps --format json"
  # An exec'd process is one of them while it runs.
  assert_ok rt exec -d --pid-file "$T/exec.pid" "$id" /probe sleep
  run rt ps --format json "$id"
  assert_eq "$(jq length <<<"$output")" 3 "processes with an exec'd one"
  assert_eq "$(jq --argjson p "$(cat "$T/exec.pid")" 'index($p) != null' <<<"$output")" true \
    "the exec'd process in ps"
  # The table: ps(1)'s header, then the container's processes only.
  pids=$(jq -r '.[]' <<<"$output" | sort -n | tr '\n' ' ')
  run rt ps "$id"
  assert_eq "$status" 0 "status of ps"
  assert_match "$(head -n1 <<<"$output")" '(^| )PID( |$)' "header of ps"
  assert_eq "$(tail -n +2 <<<"$output" | wc -l)" 3 "lines below the header"
  assert_eq "$(tail -n +2 <<<"$output" | awk '{ print $2 }' | sort -n | tr '\n' ' ')" "$pids" \
    "PID column of ps"
  assert_match "$output" 'sleep 1000' "the child in ps"
  # ps arguments pass through to ps(1).
  run rt ps "$id" -o pid,comm
  assert_eq "$status" 0 "status of ps -o pid,comm"
  assert_match "$(head -n1 <<<"$output")" '^ *PID +COMMAND *$' "header of ps -o pid,comm"
  assert_eq "$(tail -n +2 <<<"$output" | awk '{ print $1 }' | sort -n | tr '\n' ' ')" "$pids" \
    "PID column of ps -o pid,comm"
}

test_ps_errors () {
  local id
  assert_fails_clean rt ps "$(unique_id)"
  assert_fails_clean rt ps --format json "$(unique_id)"
  new_bundle /probe sleep
  id=$(start_sleeper)
  assert_fails_clean rt ps --format yaml "$id"
}

run_test "pause freezes, resume thaws; state and list say so" test_pause_freezes
run_test "kill KILL and delete -f of a paused container" test_kill_and_delete_paused
run_test "pause of a stopped container, resume of a running one" test_pause_errors
run_test "update flags land in the host's cgroup files" test_update_flags
run_test "update -r FILE and -r - (Docker's shape)" test_update_resources_file
run_test "update: a bad value changes nothing" test_update_bad_value
run_test "update: checkBeforeUpdate below usage fails" test_update_check_before_update
run_test "update of a stopped or missing container" test_update_stopped
run_test "events --stats: one JSON line" test_events_stats
run_test "events --interval repeats, ends with the container" test_events_interval
run_test "events reports an OOM kill" test_events_oom
run_test "events of a missing container" test_events_missing
run_test "ps: json and table, the container's processes only" test_ps
run_test "ps errors" test_ps_errors
done_testing
