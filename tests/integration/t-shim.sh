#!/bin/bash
# t-shim: cove-shim supervising real containers.  Restart policies (counted
# runs, the status and exit files, the backoff delays read from the status
# timestamps), stop (the stop signal, --stop-timeout, SIGKILL, during a
# backoff, by SIGTERM to the shim), the CRI log (stdout, stderr, partial
# lines, rotation, a flood that must not grow the shim, a terminal), OOM
# kills, foreground and background modes, and that nothing of a container
# is left once its shim has stopped it.
# shellcheck source=tests/integration/lib.sh disable=SC2016,SC2119,SC2154,SC2317 # container scripts in single quotes; unique_id takes no args here; run sets status/output/errout; tests are called by name
. "$(dirname "$0")/lib.sh"

SHIM=${SHIM:-$LIB_TOP/cove-shim}
[ -x "$SHIM" ] || lib_bail "$SHIM is not built (run make)"

# The init of a pid namespace ignores signals it has no handler for, so a
# container that should die of SIGTERM or SIGINT says so itself, the way
# a signal would end it (128 + the signal).
SLEEPER='trap "exit 143" TERM; trap "exit 130" INT; while :; do sleep 0.1; done'

# The memory ceilings below are the shim's own in a plain build.  A
# sanitizer build (tests/sanitizers/run.sh sets SHIM_RSS_SCALE) multiplies
# them: ASan's shadow memory and allocator add some MiB to any process,
# and its quarantine holds freed blocks for a while; a flood the shim
# buffered would still exceed them many times over.
RSS_SCALE=${SHIM_RSS_SCALE:-1}

# The CRI log line: timestamp, stream, P or F, then the text.
CRI_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z (stdout|stderr) [PF] '

# shim ARGS...: cove-shim driving the runtime under test with this file's
# state root; logged like rt.
shim () {
  echo "+ cove-shim $*" >>"$TEST_LOG"
  timeout -k 5 120 "$SHIM" --cove "$RUNTIME" --root "$STATE" "$@"
}

# shim_files ID: the options that put ID's status, exit, log and pid files
# under $T, where they outlive the shim.
shim_files () {
  echo --status-file "$T/$1.status" --exit-file "$T/$1.exit" --log-path "$T/$1.log" \
    --pid-file "$T/$1.shim-pid"
}

# start_shim ID [OPTS...]: a detached shim for ID on $BUNDLE; returns once
# the first instance runs.  The shim is stopped after the test.
start_shim () {
  local id=$1 rc=0
  shift
  echo "$id" >>"$T/shims"
  # shellcheck disable=SC2046 # shim_files prints separate words
  shim $(shim_files "$id") "$@" "$id" "$BUNDLE" 2>"$T/$id.shim-err" || rc=$?
  [ "$rc" = 0 ] || fail "cove-shim failed with status $rc: $(cat "$T/$id.shim-err")"
}

# field ID JQ-FILTER: one field of ID's status file.
field () {
  jq -r "$2" "$T/$1.status"
}

# wait_field ID JQ-CONDITION SECONDS: polls the status file until the
# condition holds.
wait_field () {
  local id=$1 cond=$2 secs=$3 i
  for ((i = 0; i < secs * 20; i++)); do
    jq -e "$cond" "$T/$id.status" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  lib_diag "status: $(cat "$T/$id.status" 2>/dev/null)"
  fail "status of $id: waited ${secs}s for $cond"
}

# shim_alive PID: PID is still a cove-shim (not a recycled pid).
shim_alive () {
  tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -q cove-shim
}

# wait_shim_gone ID SECONDS: the shim of ID has ended.
wait_shim_gone () {
  local pid i
  pid=$(field "$1" .shim_pid)
  for ((i = 0; i < $2 * 20; i++)); do
    shim_alive "$pid" || return 0
    sleep 0.05
  done
  fail "the shim of $1 (pid $pid) is still running after $2s"
}

# After each test (EXIT trap of its subshell): SIGTERM to every shim it
# started, SIGKILL after 20 s, so no shim restarts a container that the
# runner's cleanup deletes.
stop_shims () {
  local id pid i
  [ -f "$T/shims" ] || return 0
  while read -r id; do
    pid=$(jq -r .shim_pid "$T/$id.status" 2>/dev/null) || continue
    shim_alive "$pid" || continue
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 200; i++)); do
      shim_alive "$pid" || break
      sleep 0.1
    done
    shim_alive "$pid" && kill -KILL "$pid" 2>/dev/null
  done <"$T/shims"
  : >"$T/shims"
}

with_shims () {
  trap stop_shims EXIT
  "$@"
}

# runs: how many times the container ran (its script appends to /runs).
runs () {
  local n
  n=$(wc -l <"$BUNDLE/rootfs/runs" 2>/dev/null) || n=0
  echo "$n"
}

# assert_nothing_left ID: no container, no state, no shim dir, no cgroup,
# no mount of the bundle, once the shim has ended.
assert_nothing_left () {
  local id=$1 cgs
  wait_shim_gone "$id" 20
  assert_fail rt state "$id"
  [ ! -e "$STATE/$id" ] || fail "state dir of $id is left"
  [ ! -e "$STATE/.$id.shim" ] || fail "the shim directory of $id is left"
  run rt list -q
  assert_not_contains "$output" "$id" "cove list"
  cgs=$(find /sys/fs/cgroup -maxdepth 6 -type d \( -name "$id" -o -name "$id-????????" \) \
    2>/dev/null || true)
  assert_eq "$cgs" "" "cgroups of $id"
  assert_eq "$(grep -c "$BUNDLE" /proc/self/mountinfo || true)" 0 "mounts of the bundle"
}

# epoch RFC3339: seconds since the epoch, with the fraction.
epoch () {
  date -d "$1" +%s.%N
}

# gap FROM TO: TO - FROM in seconds (timestamps in RFC 3339).
gap () {
  awk -v a="$(epoch "$1")" -v b="$(epoch "$2")" 'BEGIN { printf "%.3f", b - a }'
}

# ---------------------------------------------------------------------------
# Restart policies

test_on_failure_gives_up () {
  local id
  new_bundle /bin/sh -c 'echo run >>/runs; exit 1'
  id=$(unique_id)
  start_shim "$id" --restart on-failure:3
  wait_shim_gone "$id" 20
  assert_eq "$(runs)" 4 "runs (the first and 3 restarts)"
  assert_eq "$(field "$id" .restart_count)" 3 "restart_count"
  assert_eq "$(field "$id" .last_exit_status)" 1 "last_exit_status"
  assert_eq "$(field "$id" .state)" exited "state"
  assert_eq "$(field "$id" .policy)" on-failure:3 "policy"
  assert_eq "$(cat "$T/$id.exit")" 1 "exit file"
  # 100, 200, 400 ms: the last delay used was the third.
  assert_eq "$(field "$id" .restart_delay_ms)" 400 "restart_delay_ms"
  assert_nothing_left "$id"
}
run_test "on-failure:3: three restarts after exit 1, then it gives up" with_shims \
  test_on_failure_gives_up

test_on_failure_exit_0 () {
  local id
  new_bundle /bin/sh -c 'echo run >>/runs; exit 0'
  id=$(unique_id)
  start_shim "$id" --restart on-failure
  wait_shim_gone "$id" 10
  assert_eq "$(runs)" 1 "runs"
  assert_eq "$(field "$id" .restart_count)" 0 "restart_count"
  assert_eq "$(field "$id" .last_exit_status)" 0 "last_exit_status"
  assert_eq "$(cat "$T/$id.exit")" 0 "exit file"
  assert_nothing_left "$id"
}
run_test "on-failure: no restart after exit 0" with_shims test_on_failure_exit_0

test_always_restarts_exit_0 () {
  local id
  new_bundle /bin/sh -c 'echo run >>/runs; exit 0'
  id=$(unique_id)
  start_shim "$id" --restart always
  wait_field "$id" '.restart_count >= 3' 10
  assert_ne "$(field "$id" .last_exit_status)" null "last_exit_status"
  assert_eq "$(field "$id" .last_exit_status)" 0 "last_exit_status"
  [ "$(runs)" -ge 3 ] || fail "only $(runs) runs"
  assert_ok shim ctl "$id" stop
  assert_eq "$(field "$id" .state)" stopped "state after stop"
  assert_nothing_left "$id"
}
run_test "always: restarts after exit 0" with_shims test_always_restarts_exit_0

# Three quick failures (delays 100, 200, 400 ms), then a run of 11 s: the
# next delay is 100 ms again, not 800.  The fifth run stays up.
test_delay_reset_after_long_run () {
  local id g3 g4
  new_bundle /bin/sh -c 'echo run >>/runs; n=$(wc -l </runs)
    [ "$n" -eq 4 ] && sleep 11
    [ "$n" -ge 5 ] && exec sleep 100
    exit 1'
  id=$(unique_id)
  start_shim "$id" --restart always
  wait_field "$id" '.restart_count == 3 and .state == "running"' 10
  assert_eq "$(field "$id" .restart_delay_ms)" 400 "delay before the 4th run"
  g3=$(gap "$(field "$id" .last_exit_time)" "$(field "$id" .started_at)")
  lib_diag "exit of run 3 to start of run 4: ${g3}s"
  awk -v g="$g3" 'BEGIN { exit !(g >= 0.4) }' || fail "run 4 started ${g3}s after run 3 ended"
  wait_field "$id" '.restart_count == 4 and .state == "running"' 20
  assert_eq "$(field "$id" .restart_delay_ms)" 100 "delay after the 11 s run"
  g4=$(gap "$(field "$id" .last_exit_time)" "$(field "$id" .started_at)")
  lib_diag "exit of run 4 to start of run 5: ${g4}s"
  awk -v g="$g4" 'BEGIN { exit !(g >= 0.1 && g < 0.8) }' \
    || fail "run 5 started ${g4}s after run 4 ended (want 0.1 s plus the create)"
  assert_eq "$(runs)" 5 "runs"
}
run_test "the delay is back to 100 ms after a run of 11 s" with_shims \
  test_delay_reset_after_long_run

test_stop_during_backoff () {
  local id n t0 t1
  new_bundle /bin/sh -c 'echo run >>/runs; exit 1'
  id=$(unique_id)
  start_shim "$id" --restart always
  # After the 5th exit the shim waits 1.6 s.
  wait_field "$id" '.state == "restarting" and .restart_delay_ms == 1600' 15
  n=$(runs)
  t0=$(date +%s%N)
  assert_ok shim ctl "$id" stop
  t1=$(date +%s%N)
  [ $(((t1 - t0) / 1000000)) -lt 1000 ] || fail "stop took $(((t1 - t0) / 1000000)) ms"
  assert_eq "$(field "$id" .state)" stopped "state"
  assert_eq "$(field "$id" .next_restart_at)" null "next_restart_at"
  sleep 2
  assert_eq "$(runs)" "$n" "runs after the stop (no restart)"
  assert_nothing_left "$id"
}
run_test "stop during a backoff cancels the restart" with_shims test_stop_during_backoff

test_ctl_restart () {
  local id pid1 pid2
  new_bundle /bin/sh -c "echo run >>/runs; $SLEEPER"
  id=$(unique_id)
  start_shim "$id" --restart on-failure:1
  pid1=$(field "$id" .container_pid)
  assert_ok shim ctl "$id" restart
  pid2=$(field "$id" .container_pid)
  assert_ne "$pid2" "$pid1" "container pid after restart"
  assert_ne "$pid2" 0 "container pid after restart"
  assert_eq "$(field "$id" .state)" running "state"
  assert_eq "$(field "$id" .restart_count)" 0 "restart_count (a manual restart resets it)"
  assert_eq "$(field "$id" .last_exit_status)" 143 "exit status of the first instance"
  assert_eq "$(runs)" 2 "runs"
  [ -d "/proc/$pid2" ] || fail "pid $pid2 is not running"
  assert_ok shim ctl "$id" status
  assert_eq "$(jq -r .container_pid <<<"$output")" "$pid2" "ctl status"
}
run_test "ctl restart: a fresh instance, count reset" with_shims test_ctl_restart

# ---------------------------------------------------------------------------
# Stop

test_stop_sigterm_ignored () {
  local id t0 t1 ms
  new_bundle /bin/sh -c 'trap "" TERM; echo ready; while :; do sleep 1; done'
  id=$(unique_id)
  start_shim "$id" --stop-timeout 1
  t0=$(date +%s%N)
  assert_ok shim ctl "$id" stop
  t1=$(date +%s%N)
  ms=$(((t1 - t0) / 1000000))
  lib_diag "stop took $ms ms"
  [ "$ms" -ge 1000 ] || fail "stop took $ms ms, less than --stop-timeout"
  [ "$ms" -lt 6000 ] || fail "stop took $ms ms"
  assert_eq "$(cat "$T/$id.exit")" 137 "exit file (SIGKILL)"
  assert_eq "$(field "$id" .state)" stopped "state"
  assert_nothing_left "$id"
}
run_test "stop: a container ignoring SIGTERM is killed after --stop-timeout" with_shims \
  test_stop_sigterm_ignored

test_stop_signal_annotation () {
  local id
  new_bundle /bin/sh -c 'trap "echo got-usr1; exit 7" USR1; echo ready
    while :; do sleep 0.1; done'
  cfg '.annotations = { "org.opencontainers.image.stopSignal": "SIGUSR1" }'
  id=$(unique_id)
  start_shim "$id" --stop-timeout 20
  wait_for 5 grep -q ready "$T/$id.log"
  assert_ok shim ctl "$id" stop
  assert_eq "$(cat "$T/$id.exit")" 7 "exit file"
  assert_contains "$(cat "$T/$id.log")" "stdout F got-usr1" "log"
  assert_nothing_left "$id"
}
run_test "stop sends the config's stopSignal annotation" with_shims test_stop_signal_annotation

test_sigterm_to_shim () {
  local id pid
  new_bundle /bin/sh -c "echo run >>/runs; $SLEEPER"
  id=$(unique_id)
  start_shim "$id" --restart always
  pid=$(field "$id" .shim_pid)
  kill -TERM "$pid"
  wait_shim_gone "$id" 15
  assert_eq "$(cat "$T/$id.exit")" 143 "exit file (SIGTERM)"
  assert_eq "$(field "$id" .state)" stopped "state"
  assert_eq "$(runs)" 1 "runs (no restart after the stop)"
  [ ! -e "$T/$id.shim-pid" ] || fail "the shim's pid file is left"
  assert_nothing_left "$id"
}
run_test "SIGTERM to the shim stops the container for good" with_shims test_sigterm_to_shim

# ---------------------------------------------------------------------------
# Logs

test_log_cri_format () {
  local id log out long joined
  # The long line goes out in one write(2), so one read gets all of it.
  new_bundle /bin/sh -c 'echo out1; echo err1 >&2; printf no-newline; sleep 0.3; echo
    x=$(head -c 40000 /dev/zero | tr "\0" x); sleep 0.3; /probe write /dev/stdout "$x
"; sleep 0.3; echo end'
  id=$(unique_id)
  start_shim "$id"
  wait_shim_gone "$id" 10
  log=$(cut -c1-100 "$T/$id.log")
  lib_diag "$log"
  while IFS= read -r line; do
    [[ $line =~ $CRI_RE ]] || fail "not a CRI log line: ${line:0:100}"
  done <"$T/$id.log"
  # The order between the two streams is not defined; within one it is.
  out=$(grep ' stdout ' <<<"$log" | cut -d' ' -f2-)
  assert_eq "$(grep ' stderr ' <<<"$log" | cut -d' ' -f2-)" "stderr F err1" "stderr"
  assert_eq "$(head -n3 <<<"$out")" $'stdout F out1\nstdout P no-newline\nstdout F ' \
    "a line, then a partial line and its end"
  # 40000 bytes: two P pieces of 16384, then F with the rest.
  long=$(grep -E ' stdout [PF] x' "$T/$id.log" | cut -d' ' -f3 | tr -d '\n')
  assert_eq "$long" PPF "tags of the long line"
  joined=$(grep -E ' stdout [PF] x' "$T/$id.log" | cut -d' ' -f4- | tr -d '\n')
  assert_eq "${#joined}" 40000 "the long line joined"
  assert_eq "$(grep -E ' stdout P x' "$T/$id.log" | awk '{ print length($4) }' | sort -u)" \
    16384 "size of the P pieces"
  assert_eq "$(tail -n1 <<<"$out")" "stdout F end" "last line"
}
run_test "logs: CRI format, stdout and stderr, partial and long lines" with_shims \
  test_log_cri_format

test_log_rotation () {
  local id f
  new_bundle /bin/sh -c 'i=0; while [ $i -lt 300 ]; do
      echo "line $i $(head -c 80 /dev/zero | tr "\0" y)"; i=$((i + 1)); done'
  id=$(unique_id)
  start_shim "$id" --log-max-size 4096
  wait_shim_gone "$id" 20
  [ -f "$T/$id.log.1" ] || fail "no rotated file $id.log.1"
  for f in "$T/$id.log" "$T/$id.log.1"; do
    [ "$(stat -c %s "$f")" -le 4096 ] || fail "$f is larger than 4096 bytes"
    while IFS= read -r line; do
      [[ $line =~ $CRI_RE ]] || fail "not a whole CRI entry in $f: $line"
    done <"$f"
  done
  assert_match "$(tail -n1 "$T/$id.log")" ' stdout F line 299 y+$' "last entry"
  # The two files hold consecutive entries: .1 ends where the log begins.
  local last first
  last=$(tail -n1 "$T/$id.log.1" | sed -E 's/.* line ([0-9]+) .*/\1/')
  first=$(head -n1 "$T/$id.log" | sed -E 's/.* line ([0-9]+) .*/\1/')
  assert_eq "$first" $((last + 1)) "first entry after the rotation"
}
run_test "logs: --log-max-size rotates to .1" with_shims test_log_rotation

# A container writing as fast as it can: the shim reads it in bounded
# chunks, so its memory does not grow and it still answers ctl.
test_log_flood () {
  local id pid rss0 rss max=0 i t0 t1 ms worst=0
  new_bundle /bin/sh -c 'sleep 1; yes | head -c 20971520
    yes "$(head -c 1000 /dev/zero | tr "\0" x)" | head -c 209715200; echo flood-done
    exec sleep 100'
  id=$(unique_id)
  start_shim "$id" --log-max-size 1M
  pid=$(field "$id" .shim_pid)
  rss0=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
  lib_diag "idle RSS: $rss0 kB"
  [ "$rss0" -le $((1536 * RSS_SCALE)) ] || fail "idle RSS $rss0 kB is over $((1536 * RSS_SCALE)) kB"
  for ((i = 0; i < 600; i++)); do
    t0=$(date +%s%N)
    run timeout 5 "$SHIM" --root "$STATE" ctl "$id" status
    t1=$(date +%s%N)
    [ "$status" = 0 ] || fail "ctl status failed during the flood: $errout"
    ms=$(((t1 - t0) / 1000000))
    [ "$ms" -le "$worst" ] || worst=$ms
    rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
    [ "$rss" -le "$max" ] || max=$rss
    grep -q flood-done "$T/$id.log" 2>/dev/null && break
    sleep 0.2
  done
  lib_diag "RSS during the flood: at most $max kB; slowest ctl status: $worst ms"
  grep -q flood-done "$T/$id.log" || fail "the flood did not end within the test"
  [ $((max - rss0)) -le $((512 * RSS_SCALE)) ] || fail "RSS grew from $rss0 to $max kB"
  [ "$worst" -le 2000 ] || fail "ctl status took $worst ms during the flood"
  [ "$(stat -c %s "$T/$id.log.1")" -le 1048576 ] || fail "rotated log is over 1M"
}
run_test "logs: a 200 MiB flood does not grow the shim, ctl still answers" with_shims \
  test_log_flood

test_log_terminal () {
  local id log
  new_bundle /bin/sh -c 'echo "tty:$(tty)"; printf partial; sleep 0.3; echo rest; echo err >&2'
  cfg '.process.terminal = true'
  id=$(unique_id)
  start_shim "$id"
  wait_shim_gone "$id" 10
  log=$(cat "$T/$id.log")
  lib_diag "$log"
  assert_match "$log" $'(^|\n)[^ ]+ stdout F tty:/dev/pts/[0-9]+\n' "the pty, without \\r"
  assert_match "$log" $'[^ ]+ stdout P partial\n[^ ]+ stdout F rest\n' "partial line"
  # stderr is the same pty.
  assert_match "$log" $'stdout F err$' "stderr on the pty"
  assert_not_contains "$log" " stderr " "no stderr stream"
  assert_not_contains "$log" $'\r' "carriage returns"
}
run_test "logs: terminal: the pty master from the console socket" with_shims test_log_terminal

# ---------------------------------------------------------------------------
# Misbehaving containers

# Without a pid namespace, what init leaves running is reparented to the
# shim (the child subreaper); delete kills it, the shim reaps it, and the
# restart still happens.
test_many_children () {
  local id left
  new_bundle /bin/sh -c 'echo run >>/runs
    i=0; while [ $i -lt 100 ]; do sleep 2971 & i=$((i + 1)); done; exit 1'
  cfg '.linux.namespaces |= map(select(.type != "pid"))'
  id=$(unique_id)
  start_shim "$id" --restart on-failure:1
  wait_shim_gone "$id" 20
  assert_eq "$(runs)" 2 "runs"
  assert_eq "$(field "$id" .restart_count)" 1 "restart_count"
  # 2971: a sleep nobody else runs.
  left=$(pgrep -c -x -f 'sleep 2971' || true)
  assert_eq "$left" 0 "the container's children left running"
  assert_nothing_left "$id"
}
run_test "a container forking 100 children without a pid namespace" with_shims \
  test_many_children

# ---------------------------------------------------------------------------
# OOM

test_oom_killed () {
  local id
  [ -d /sys/fs/cgroup/memory ] || [ -f /sys/fs/cgroup/cgroup.controllers ] \
    || skip "no memory cgroup"
  new_bundle /bin/sh -c 'echo run >>/runs; [ "$(wc -l </runs)" -ge 2 ] && exit 0
    x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived'
  cfg '.linux.resources.memory = { limit: 33554432, swap: 33554432 }'
  id=$(unique_id)
  start_shim "$id" --restart on-failure
  # The first run is OOM-killed, the restart exits 0.
  wait_shim_gone "$id" 20
  assert_eq "$(field "$id" .restart_count)" 1 "restart_count"
  assert_eq "$(runs)" 2 "runs"
  assert_not_contains "$(cat "$T/$id.log")" survived "log"
  # The status of the first run was seen by the restart decision; the
  # final status is the second run's.
  assert_eq "$(field "$id" .oom_killed)" false "oom_killed of the clean run"
  assert_eq "$(field "$id" .last_exit_status)" 0 "last exit"
}

test_oom_killed_once () {
  local id
  [ -d /sys/fs/cgroup/memory ] || [ -f /sys/fs/cgroup/cgroup.controllers ] \
    || skip "no memory cgroup"
  new_bundle /bin/sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived'
  cfg '.linux.resources.memory = { limit: 33554432, swap: 33554432 }'
  id=$(unique_id)
  start_shim "$id"
  wait_shim_gone "$id" 20
  assert_eq "$(field "$id" .oom_killed)" true "oom_killed"
  assert_eq "$(field "$id" .last_exit_status)" 137 "last exit (SIGKILL)"
  assert_eq "$(cat "$T/$id.exit")" 137 "exit file"
  assert_nothing_left "$id"
}
run_test "OOM: an OOM-killed container has oom_killed true" with_shims test_oom_killed_once
run_test "OOM: the next clean run has oom_killed false" with_shims test_oom_killed

# ---------------------------------------------------------------------------
# Modes

test_foreground () {
  local id rc=0
  new_bundle /bin/sh -c 'sleep 0.5; exit 3'
  id=$(unique_id)
  echo "$id" >>"$T/shims"
  # shellcheck disable=SC2046 # shim_files prints separate words
  shim $(shim_files "$id") --foreground "$id" "$BUNDLE" || rc=$?
  assert_eq "$rc" 3 "exit status of a foreground shim (the container's)"
  assert_eq "$(cat "$T/$id.exit")" 3 "exit file"
  assert_nothing_left "$id"
}

test_foreground_pid () {
  local id pid sid
  new_bundle /bin/sh -c "$SLEEPER"
  id=$(unique_id)
  echo "$id" >>"$T/shims"
  # Without timeout(1) in between, so $! is the shim.
  # shellcheck disable=SC2046 # shim_files prints separate words
  "$SHIM" --cove "$RUNTIME" --root "$STATE" $(shim_files "$id") --foreground "$id" "$BUNDLE" \
    </dev/null >"$T/$id.fg-out" 2>&1 &
  pid=$!
  wait_field "$id" '.state == "running"' 10
  assert_eq "$(field "$id" .shim_pid)" "$pid" "shim_pid in the foreground"
  assert_eq "$(cat "$T/$id.shim-pid")" "$pid" "pid file"
  kill -INT "$pid"
  wait "$pid" || true
  # SIGINT to the shim means stop: the container gets its stop signal.
  assert_eq "$(cat "$T/$id.exit")" 143 "exit file after SIGINT to the shim"
  assert_nothing_left "$id"
  # Background: a detached session leader, not a child of the caller,
  # holding none of the caller's fds.
  id=$(unique_id)
  start_shim "$id" 9>"$T/caller-fd"
  pid=$(field "$id" .shim_pid)
  assert_eq "$(find "/proc/$pid/fd" -lname "$T/caller-fd" | wc -l)" 0 "the caller's fd 9"
  sid=$(awk '{ sub(/.*\) /, ""); print $4 }' "/proc/$pid/stat")
  assert_eq "$sid" "$pid" "session of the detached shim"
  assert_eq "$(cat "$T/$id.shim-pid")" "$pid" "pid file of the detached shim"
}
run_test "foreground: exits with the container's status" with_shims test_foreground
run_test "foreground and background: the pid, the session" with_shims test_foreground_pid

# What the shim sets up for itself (signal mask, ignored SIGPIPE and
# SIGHUP, its OOM protection, the proxy's higher RLIMIT_NOFILE) must not
# reach the container.
test_clean_process_state () {
  local id log
  new_bundle /probe rlimit NOFILE + oomscore + status
  cfg 'del(.process.rlimits)'
  id=$(unique_id)
  ulimit -Sn 512
  # Any free host port: the proxy is there only for its RLIMIT_NOFILE.
  start_shim "$id" -p 127.0.0.1::80
  wait_shim_gone "$id" 10
  log=$(cut -d' ' -f4- "$T/$id.log")
  lib_diag "$(head -n2 <<<"$log")" "$(grep ^Sig <<<"$log")"
  assert_match "$log" $'^512 [0-9]+\n' "RLIMIT_NOFILE of the container"
  assert_eq "$(sed -n 2p <<<"$log")" "$(cat /proc/$$/oom_score_adj)" "oom_score_adj"
  assert_match "$log" $'\nSigBlk:\t0+\n' "blocked signals"
  assert_match "$log" $'\nSigIgn:\t0+\n' "ignored signals"
}
run_test "the container inherits nothing of the shim's own setup" with_shims \
  test_clean_process_state

# ---------------------------------------------------------------------------
# Errors: one line, nothing created

test_errors () {
  local id
  new_bundle /bin/sh -c 'exec sleep 100'
  id=$(unique_id)
  assert_fails_clean shim --restart sometimes "$id" "$BUNDLE"
  assert_error_mentions "$errout" --restart
  assert_fails_clean shim "$id" "$T/no-such-bundle"
  assert_error_mentions "$errout" no-such-bundle
  assert_fails_clean shim "bad/id" "$BUNDLE"
  assert_fails_clean shim --cove "$T/no-such-cove" "$id" "$BUNDLE"
  assert_error_mentions "$errout" no-such-cove
  assert_fails_clean shim ctl "$id" status
  assert_error_mentions "$errout" "$id"
  # A create that fails: the error is cove's, in one line; nothing left.
  cfg '.process.args = ["/no/such/program"]'
  assert_fails_clean shim "$id" "$BUNDLE"
  assert_error_mentions "$errout" /no/such/program
  # A second shim for the same id is refused.
  cfg '.process.args = ["sleep", "100"]'
  start_shim "$id"
  run shim "$id" "$BUNDLE"
  assert_ne "$status" 0 "status of a second shim"
  assert_one_line "$errout"
  assert_error_mentions "$errout" "already has a shim"
  run shim ctl "$id" bogus
  assert_ne "$status" 0 "status of an unknown ctl command"
  assert_error_mentions "$errout" bogus
}
run_test "errors: one line, nothing left" with_shims test_errors

test_busy_port () {
  local id id2 port
  new_bundle /bin/sh -c 'exec sleep 100'
  id=$(unique_id)
  start_shim "$id" -p 127.0.0.1::80
  port=$(field "$id" '.ports[0].host_port')
  [ "$port" -gt 0 ] || fail "no host port in the status: $(field "$id" .ports)"
  id2=$(unique_id)
  assert_fails_clean shim -p "127.0.0.1:$port:80" "$id2" "$BUNDLE"
  assert_error_mentions "$errout" "$port"
  assert_fail rt state "$id2"
}
run_test "a busy published port is an error before any container" with_shims test_busy_port

done_testing
