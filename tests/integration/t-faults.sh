#!/bin/bash
# t-faults: the runtime SIGKILLed part-way through create, start, exec and
# delete.  Whatever point it dies at, `delete -f ID` and `list` afterwards
# must account for the container and clean everything: no state dir, no
# cgroup named after the id, no mount under the test dir, no process of
# the container.
#
# The points are deterministic: one clean run of the command under
# `strace -o` records the runtime's own syscalls (no -f: the container's
# processes run untraced, at full speed); then, for each chosen point, the
# command runs again under `strace -e inject=NAME:signal=KILL:when=N`,
# which SIGKILLs the runtime on entry to the Nth NAME call, i.e. at that
# line of the recorded trace.  Points are taken from the lines after the
# runtime first touches the state root (before that it only reads): every
# call of a rarely made syscall (clone3, renameat, sendto, recvmsg, ...,
# the stage boundaries) plus evenly spaced ones of the frequent kinds
# (openat, write, mkdirat): 40 points for create, fewer for the others
# (FAULT_POINTS=N scales them: 40 is the default, 400 takes every point).
# A timed sweep (timeout -s KILL after 1..60 ms) adds points at real speed.
# A multi-threaded runtime (runc) is traced in its main thread only, so
# its points are fewer; the checks are the same.
# shellcheck source=tests/integration/lib.sh disable=SC2154,SC2317 # run sets status/output/errout; tests are called by name
. "$(dirname "$0")/lib.sh"

FAULT_POINTS=${FAULT_POINTS:-40}

# LeakSanitizer cannot work under ptrace: with a sanitizer build of the
# runtime (tests/sanitizers/run.sh sets ASAN_OPTIONS) the runs under
# strace check no leaks; every other runtime call here still does.
STRACE_ENV=()
[ -z "${ASAN_OPTIONS:-}" ] || STRACE_ENV=(-E "ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0")

need_strace () {
  command -v strace >/dev/null || skip "strace is not installed"
  # ptrace may be forbidden (yama ptrace_scope 3, a seccomp sandbox).
  strace -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
}

# rt_traced OUT CMD-ARGS...: the runtime (with this file's --root) under
# strace, its syscalls written to OUT; the container's stdio to files.
rt_traced () {
  local out=$1
  shift
  echo "+ strace ${RUNTIME##*/} $*" >>"$TEST_LOG"
  timeout -k 5 "$RT_TIMEOUT" strace -qq -o "$out" "${STRACE_ENV[@]}" "$RUNTIME" --root "$STATE" "$@" \
    </dev/null >>"$T/fault.out" 2>>"$T/fault.err"
}

# rt_killed_at NAME N CMD-ARGS...: the runtime SIGKILLed on entry to its
# Nth NAME syscall.  Status 137 means it was killed there.
rt_killed_at () {
  local name=$1 n=$2
  shift 2
  # strace and timeout re-raise the SIGKILL on themselves: a subshell
  # keeps bash's "Killed" notice out of the log.
  (
    timeout -k 5 "$RT_TIMEOUT" strace -qq -o /dev/null -e trace="$name" \
      -e inject="$name:signal=KILL:when=$n" "${STRACE_ENV[@]}" "$RUNTIME" --root "$STATE" "$@" \
      </dev/null >>"$T/fault.out" 2>>"$T/fault.err"
    exit $?
  ) 2>/dev/null
}

# fault_points TRACE MAX: prints "NAME N LINE" for each of about MAX
# points chosen in a recorded trace (see the header).
fault_points () {
  local trace=$1
  awk -v state="\"$STATE" -v max="$2" '
    BEGIN {
      split ("mkdir mkdirat rmdir unlinkat renameat renameat2 mknodat openat " \
             "write clone clone3 fork vfork socketpair sendto sendmsg recvmsg " \
             "recvfrom pidfd_open pidfd_send_signal kill wait4 waitid poll ppoll " \
             "flock setns", l, " ")
      for (i in l) want[l[i]] = 1
    }
    {
      name = $0; sub (/\(.*/, "", name)
      if (name !~ /^[a-z0-9_]+$/) next
      seen[name]++
      if (!started && index ($0, state) == 0) next
      started = 1
      if (!(name in want)) next
      k++; pname[k] = name; pn[k] = seen[name]; pline[k] = NR
      count[name]++
    }
    END {
      rare = 0
      for (i = 1; i <= k; i++) if (count[pname[i]] <= 4) { pick[i] = 1; rare++ }
      left = max - rare; common = k - rare
      if (left > 0 && common > 0) {
        step = common / left; if (step < 1) step = 1
        j = 0; next_at = 0
        for (i = 1; i <= k; i++) {
          if (pick[i]) continue
          if (j >= next_at) { pick[i] = 1; next_at += step }
          j++
        }
      }
      for (i = 1; i <= k; i++) if (pick[i]) print pname[i], pn[i], pline[i]
    }' "$trace"
}

# ct_pids ID: processes of container ID: whose command line mentions the
# test dir (the runtime, an init still running runtime code), whose root
# is under the test dir (an init or exec'd process after pivot_root), or
# whose cgroup is named after ID.  One process per kind of scan: this runs
# after every point.  Zombies are left out: they are dead, and reaping
# orphans is the job of the host's init (here it may be slow to).
ct_pids () {
  local id=$1 pid st
  for pid in $(ct_pids_all "$id"); do
    read -r st <"/proc/$pid/stat" 2>/dev/null || continue
    st=${st##*) }
    [ "${st:0:1}" = Z ] || echo "$pid"
  done
}

ct_pids_all () {
  local id=$1
  {
    lib_stray_pids
    find /proc -mindepth 2 -maxdepth 2 -name root -lname "$T/*" 2>/dev/null \
      | cut -d/ -f3
    grep -ls -e ":/\(.*/\)\?$id\(-[0-9a-f]*\)\?\$" /proc/[0-9]*/cgroup \
      | cut -d/ -f3
  } | grep -v -x -e "$$" -e "$BASHPID" | sort -un || true
}

# ct_cgroups ID: cgroup dirs named after ID (the id, or id-<hash of the
# state root> as cove names them without cgroupsPath), deepest first.
ct_cgroups () {
  find /sys/fs/cgroup -maxdepth 6 -type d \( -name "$1" -o -name "$1-*" \) \
    2>/dev/null | sort -r || true
}

# leftovers ID: prints everything of ID still on the host, one per line,
# as KIND: DETAIL.  $T/list.json is the output of `list --format json`.
leftovers () {
  local id=$1 p
  if [ -e "$STATE/$id" ]; then
    echo "state dir: $(find "$STATE/$id" -mindepth 1 -printf '%f ')"
  fi
  if jq -e --arg id "$id" 'any(.[]?; .id == $id)' "$T/list.json" >/dev/null 2>&1; then
    echo "listed: by list"
  fi
  ct_cgroups "$id" | sed 's/^/cgroup: /'
  lib_mounts_under_t | sed 's/^/mount: /'
  for p in $(ct_pids "$id"); do
    echo "process: $p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
  done
}

# scrub ID: removes by hand what `delete -f` left, so the next point starts
# clean: our processes, then the cgroups (deepest first), then the state.
scrub () {
  local id=$1 p cg
  for _ in 1 2 3; do
    p=$(ct_pids "$id")
    [ -n "$p" ] || break
    # shellcheck disable=SC2046,SC2086 # lists of pids
    kill -9 $(lib_with_descendants $p) 2>/dev/null || true
    sleep 0.1
  done
  for _ in 1 2 3 4 5; do
    cg=$(ct_cgroups "$id")
    [ -n "$cg" ] || break
    # shellcheck disable=SC2086 # one dir a line, no spaces
    rmdir $cg 2>/dev/null || true
    sleep 0.05
  done
  lib_unmount_all
  rm -rf --one-file-system "${STATE:?}/$id"
}

# check_point ID WHAT: after a killed command, `delete -f` and `list` must
# leave nothing of ID.  A leak is recorded in $T/leaks as one line, WHAT
# and a count of each kind left (the first one in full in the log), and
# scrubbed; the caller fails at the end with all of them.
check_point () {
  local id=$1 what=$2 left
  lib_rt delete -f "$id" >>"$T/fault.out" 2>&1 || true
  lib_rt list --format json >"$T/list.json" 2>/dev/null \
    || echo "$what: list failed" >>"$T/leaks"
  left=$(leftovers "$id")
  [ -n "$left" ] || return 0
  if [ ! -s "$T/leaks" ]; then
    # shellcheck disable=SC2001 # indent every line
    lib_diag "first leak, $what:" "$(sed 's/^/    /' <<<"$left")"
  fi
  echo "$what: left $(cut -d: -f1 <<<"$left" | uniq -c \
    | awk '{ n = $1; $1 = ""; printf "%s%d%s", sep, n, $0; sep = "," }')" >>"$T/leaks"
  scrub "$id"
}

# report_leaks N-POINTS N-KILLED: fails, listing every point that leaked.
report_leaks () {
  echo "$1 points, runtime killed at $2, in ${SECONDS}s"
  if [ -s "$T/leaks" ]; then
    lib_diag "$(cat "$T/leaks")"
    fail "delete -f left resources behind at $(wc -l <"$T/leaks") of $1 points"
  fi
  [ "$2" -gt 0 ] || fail "the runtime was never killed: no point was reached"
}

# fault_loop MAX PREPARE CMD-ARGS...: records CMD once after PREPARE ID
# (which sets up the container CMD acts on, if any), then for each of
# about MAX points (scaled by FAULT_POINTS/40): PREPARE a fresh id, run CMD
# killed at the point, check.  "@ID@" in CMD-ARGS is replaced by the id
# of the round.
fault_loop () {
  local max=$(($1 * FAULT_POINTS / 40)) prepare=$2 id name n line points=0 killed=0 rc
  shift 2
  SECONDS=0
  : >"$T/leaks"
  id=$(unique_id f)
  $prepare "$id"
  rt_traced "$T/trace" "${@//@ID@/$id}" || fail "the command fails without a fault: $*"
  check_point "$id" "after the recording run"
  [ ! -s "$T/leaks" ] || fail "a clean run leaves resources: $(cat "$T/leaks")"
  fault_points "$T/trace" "$max" >"$T/points"
  [ -s "$T/points" ] || fail "no fault point found in the trace"
  while read -r name n line; do
    id=$(unique_id f)
    $prepare "$id"
    rc=0
    rt_killed_at "$name" "$n" "${@//@ID@/$id}" || rc=$?
    points=$((points + 1))
    [ "$rc" != 137 ] || killed=$((killed + 1))
    check_point "$id" "killed at $name #$n (line $line: $(sed -n "${line}p" \
      "$T/trace" | cut -c1-60)), status $rc"
  done <"$T/points"
  report_leaks "$points" "$killed"
}

# Preparations: nothing (create makes the container), a created one, a
# running one.
no_container () { :; }
created_container () {
  rt_create "$1" || fail "create $1"
}
running_container () {
  rt_run_d "$1" || fail "run -d $1"
}

test_kill_create () {
  need_strace
  new_bundle /probe sleep
  fault_loop 40 no_container create -b "$BUNDLE" @ID@
}

test_kill_start () {
  need_strace
  new_bundle /probe sleep
  fault_loop 10 created_container start @ID@
}

# A killed exec leaves its process (not yet released) to the host's init;
# when delete kills the container's init, the kernel waits for that
# orphan to be reaped before the pid namespace is gone, so on a host whose
# init reaps slowly each point takes a second: few points here.
test_kill_exec () {
  need_strace
  new_bundle /probe sleep
  fault_loop 6 running_container exec @ID@ /probe pid
}

test_kill_exec_detached () {
  need_strace
  new_bundle /probe sleep
  fault_loop 6 running_container exec -d @ID@ /probe sleep
}

test_kill_delete () {
  need_strace
  new_bundle /probe sleep
  fault_loop 12 running_container delete -f @ID@
}

test_kill_delete_created () {
  need_strace
  new_bundle /probe sleep
  fault_loop 10 created_container delete @ID@
}

test_kill_run_detached () {
  need_strace
  new_bundle /probe sleep
  fault_loop 12 no_container run -d -b "$BUNDLE" @ID@
}

# The same without strace slowing the runtime down: SIGKILL after a delay,
# from 1 ms (still loading) to 60 ms (usually done).
test_kill_create_timed () {
  local id ms points=0 killed=0 rc
  new_bundle /probe sleep
  SECONDS=0
  : >"$T/leaks"
  for ms in 1 2 3 4 5 6 8 10 12 15 20 30 45 60; do
    id=$(unique_id f)
    rc=0
    # timeout re-raises the child's SIGKILL on itself: a subshell keeps
    # bash's "Killed" notice out of the log.
    (
      timeout -s KILL "0.$(printf '%03d' "$ms")" "$RUNTIME" --root "$STATE" create \
        -b "$BUNDLE" "$id" </dev/null >>"$T/fault.out" 2>>"$T/fault.err"
      exit $?
    ) 2>/dev/null || rc=$?
    points=$((points + 1))
    [ "$rc" != 137 ] || killed=$((killed + 1))
    check_point "$id" "create killed after $ms ms, status $rc"
  done
  report_leaks "$points" "$killed"
}

run_test "SIGKILL at each stage of create: delete -f cleans up" test_kill_create
run_test "SIGKILL at each stage of start: delete -f cleans up" test_kill_start
run_test "SIGKILL at each stage of exec: delete -f cleans up" test_kill_exec
run_test "SIGKILL at each stage of exec -d: delete -f cleans up" test_kill_exec_detached
run_test "SIGKILL at each stage of delete -f: a second one cleans up" test_kill_delete
run_test "SIGKILL at each stage of delete (created): delete -f cleans up" \
  test_kill_delete_created
run_test "SIGKILL at each stage of run -d: delete -f cleans up" test_kill_run_detached
run_test "SIGKILL create after 1..60 ms: delete -f cleans up" test_kill_create_timed
done_testing
