# shellcheck shell=bash
# lib.sh: sourced by every tests/integration/t-*.sh.  Gives TAP output,
# bundles made from the cached test rootfs, a wrapper for the runtime under
# test, assertions, a leak checker, and cleanup that runs even when a test
# fails or the file is interrupted.  Bash only.
#
# A test file looks like:
#
#     . "$(dirname "$0")/lib.sh"
#
#     test_hostname () {
#       new_bundle /probe hostname
#       cfg '.hostname = "box"'
#       run rt run -b "$BUNDLE" "$(unique_id)"
#       assert_eq "$status" 0
#       assert_eq "$output" box
#     }
#     run_test "hostname is set" test_hostname
#     done_testing
#
# Each test function runs in its own subshell with `set -eE -o pipefail`, its
# output goes to a log shown only when it fails (VERBOSE=1 shows all), and the
# containers it created are force-deleted after it.
#
# Environment:
#   RUNTIME     runtime binary (default: the built ./cove; RUNTIME=runc works)
#   RT_TIMEOUT  seconds one runtime call may take (default 60, 0 = no limit)
#   TEST_FILTER run only tests whose name contains this string
#   VERBOSE     1 = print every test's log
#   KEEP_TMP    1 = keep the temp dir (mounts are still undone) for a look

LIB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PROBE=$LIB_TOP/tests/helpers/probe
ROOTFS_CACHE=${ROOTFS_CACHE:-$LIB_TOP/tests/work/rootfs}
RUNTIME=${RUNTIME:-$LIB_TOP/cove}
RT_TIMEOUT=${RT_TIMEOUT:-60}

TEST_NUM=0
TEST_FAILED=0

lib_bail () {
  echo "Bail out! $*"
  exit 1
}

if [ "$(id -u)" != 0 ]; then
  echo "1..0 # SKIP integration tests need root"
  exit 77
fi

for lib_tool in jq timeout flock; do
  command -v "$lib_tool" >/dev/null || lib_bail "$lib_tool is not installed"
done
case $RUNTIME in
  */*) ;;
  *) RUNTIME=$(command -v "$RUNTIME") || lib_bail "runtime not found in PATH" ;;
esac
[ -x "$RUNTIME" ] || lib_bail "runtime $RUNTIME is not built (run make)"
[ -x "$PROBE" ] || lib_bail "$PROBE is not built (run make check TESTS=)"

# The cached rootfs is rebuilt when the probe or the builder is newer; the
# lock keeps two test files started together from building it at once.
lib_ensure_rootfs () {
  local builder=$LIB_TOP/tests/make-rootfs.sh
  mkdir -p "$(dirname "$ROOTFS_CACHE")"
  (
    flock 9
    if [ ! -x "$ROOTFS_CACHE/probe" ] || [ "$PROBE" -nt "$ROOTFS_CACHE/probe" ] \
        || [ "$builder" -nt "$ROOTFS_CACHE/probe" ]; then
      "$builder" "$ROOTFS_CACHE" || exit 1
    fi
  ) 9>"$ROOTFS_CACHE.lock" || lib_bail "cannot build the test rootfs"
}
lib_ensure_rootfs

# One temp dir per test file holds bundles, the runtime's state root and
# logs.  Search permission for all: a container user mapped to another uid
# must still reach its rootfs.
T=$(mktemp -d "${TMPDIR:-/tmp}/cove-test.XXXXXX") || lib_bail "mktemp failed"
chmod 0755 "$T"
STATE=$T/state
mkdir "$STATE"
: >"$T/ids"
echo 0 >"$T/id-counter"
# A regex matching $T whose own text does not contain $T (every
# non-alphanumeric character is bracketed, and mktemp's name has a dot), so
# a grep for it never finds itself in /proc/*/cmdline.
LIB_T_RE=$(printf '%s' "$T" | sed 's|[^A-Za-z0-9/_-]|[&]|g')
# Container ids start with this, so leftovers (cgroups, processes) can be
# traced back to this file.
ID_PREFIX=t$$
TEST_LOG=/dev/null

# ---------------------------------------------------------------------------
# Cleanup

# Force-deletes every container this file created.  The pid from `state` is
# SIGKILLed only while the runtime reports the container alive, so a
# recycled pid is never hit; `delete -f` then does the runtime's own part.
cleanup_containers () {
  local id root json pid status
  sort -u "$T/ids" 2>/dev/null >"$T/ids.cleanup"
  while read -r id root; do
    [ -n "$id" ] || continue
    root=${root:-$STATE}
    json=$(timeout 30 "$RUNTIME" --root "$root" state "$id" 2>/dev/null)
    status=$(jq -r '.status // empty' <<<"$json" 2>/dev/null)
    case $status in
      created | running | paused)
        pid=$(jq -r '.pid // 0' <<<"$json" 2>/dev/null)
        if [ "${pid:-0}" -gt 1 ]; then
          kill -9 "$pid" 2>/dev/null
        fi
        ;;
    esac
    timeout 30 "$RUNTIME" --root "$root" delete -f "$id" >/dev/null 2>&1
  done <"$T/ids.cleanup"
  : >"$T/ids"
}

# Mount points under $T, deepest first (mountinfo escapes spaces as \040).
lib_mounts_under_t () {
  local mp
  while read -r _ _ _ _ mp _; do
    printf -v mp '%b' "$mp"
    case $mp in
      "$T" | "$T"/*) echo "$mp" ;;
    esac
  done </proc/self/mountinfo | awk '{ print length($0) " " $0 }' | sort -rn \
    | cut -d' ' -f2-
}

lib_unmount_all () {
  local mp
  for _ in 1 2 3 4 5; do
    local left=0
    while IFS= read -r mp; do
      [ -n "$mp" ] || continue
      left=1
      umount -l "$mp" 2>/dev/null
    done < <(lib_mounts_under_t)
    [ $left = 1 ] || return 0
  done
  echo "# warning: mounts left under $T" >&2
}

# Pids of the processes whose command line mentions the temp dir (a runtime
# call that hung, a stage process of the runtime), but not this shell.
lib_stray_pids () {
  local f pid
  for f in $(grep -ls -e "$LIB_T_RE" /proc/[0-9]*/cmdline || true); do
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    [ "$pid" != $$ ] && [ "$pid" != "$BASHPID" ] && echo "$pid"
  done
}

# Prints the given pids and all their descendants.
lib_with_descendants () {
  local -A set=()
  local pid d line rest grew=1
  for pid in "$@"; do set[$pid]=1; done
  while [ $grew = 1 ]; do
    grew=0
    for d in /proc/[0-9]*; do
      pid=${d#/proc/}
      [ -z "${set[$pid]:-}" ] || continue
      read -r line <"$d/stat" 2>/dev/null || continue
      rest=${line##*) }
      # shellcheck disable=SC2086 # split the stat fields
      set -- $rest
      if [ -n "${set[${2:-0}]:-}" ]; then
        set[$pid]=1
        grew=1
      fi
    done
  done
  echo "${!set[@]}"
}

# Strays are ours: SIGKILL them with everything they started.
lib_kill_strays () {
  local pids
  pids=$(lib_stray_pids)
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2046,SC2086 # lists of pids
  kill -9 $(lib_with_descendants $pids) 2>/dev/null
}

# After each test: processes still mentioning $T once its containers are
# deleted are reported as a TAP comment and killed, so they cannot disturb
# the next test.
lib_report_strays () {
  local pids pid
  pids=$(lib_stray_pids)
  [ -n "$pids" ] || return 0
  for pid in $pids; do
    echo "# after test $TEST_NUM: killing stray process $pid: $(tr '\0' ' ' \
      <"/proc/$pid/cmdline" 2>/dev/null)"
  done
  lib_kill_strays
}

lib_cleanup () {
  local rc=$?
  trap - EXIT INT TERM HUP
  cleanup_containers
  lib_kill_strays
  lib_unmount_all
  if [ "${KEEP_TMP:-0}" = 1 ]; then
    echo "# kept $T" >&2
  else
    rm -rf --one-file-system "$T"
  fi
  exit "$rc"
}
# On a signal (the runner's timeout), say which test was running and how
# far it got before cleaning up.
lib_interrupted () {
  if [ "$TEST_LOG" != /dev/null ]; then
    echo "# interrupted by signal during test $TEST_NUM - $LIB_CURRENT_TEST"
    tail -n 30 "$TEST_LOG" | sed 's/^/#   /'
  fi
  exit "$1"
}
LIB_CURRENT_TEST=
trap lib_cleanup EXIT
trap 'lib_interrupted 130' INT
trap 'lib_interrupted 143' TERM
trap 'lib_interrupted 129' HUP

# ---------------------------------------------------------------------------
# TAP

# run_test NAME FUNCTION [ARGS...]: runs one test in a subshell, prints
# `ok N - NAME` or `not ok N - NAME` followed by its log as diagnostics.
run_test () {
  local name=$1 rc
  shift
  TEST_NUM=$((TEST_NUM + 1))
  if [ -n "${TEST_FILTER:-}" ] && [[ $name != *"$TEST_FILTER"* ]]; then
    echo "ok $TEST_NUM - $name # SKIP filtered out"
    return 0
  fi
  TEST_LOG=$T/test-$TEST_NUM.log
  LIB_CURRENT_TEST=$name
  rm -f "$T/skip"
  : >"$TEST_LOG"
  (
    trap - EXIT INT TERM HUP
    set -eE -o pipefail
    trap 'lib_err_trap $? "$BASH_COMMAND" "${BASH_SOURCE[0]}" "$LINENO"' ERR
    cd "$T"
    "$@"
  ) >>"$TEST_LOG" 2>&1 </dev/null
  rc=$?
  cleanup_containers
  if [ $rc = 0 ]; then
    echo "ok $TEST_NUM - $name"
    [ "${VERBOSE:-0}" != 1 ] || sed 's/^/# /' "$TEST_LOG"
  elif [ $rc = 77 ] && [ -f "$T/skip" ]; then
    echo "ok $TEST_NUM - $name # SKIP $(head -n1 "$T/skip")"
  else
    TEST_FAILED=$((TEST_FAILED + 1))
    echo "not ok $TEST_NUM - $name"
    echo "# exit status $rc; last lines of the log:"
    tail -n 60 "$TEST_LOG" | sed 's/^/#   /'
  fi
  lib_report_strays
  TEST_LOG=/dev/null
  return 0
}

# Diagnostics go straight to the test log: the failing command's stdout
# may be redirected (a snapshot, a command substitution).
lib_diag () {
  if [ "$TEST_LOG" = /dev/null ]; then
    printf '%s\n' "$@" >&2
  else
    printf '%s\n' "$@" >>"$TEST_LOG"
  fi
}

lib_err_trap () {
  lib_diag "FAILED: \`$2\` (exit status $1) at ${3##*/}:$4"
  lib_stack 2
}

# lib_stack N: the call chain above frame N, leaving out calls made from
# lib.sh itself (run_test, assertions calling each other).
lib_stack () {
  local i
  for ((i = $1; i < ${#FUNCNAME[@]} - 1; i++)); do
    [ "${BASH_SOURCE[$i + 1]}" != "${BASH_SOURCE[0]}" ] || continue
    lib_diag "  ${FUNCNAME[$i]} called at ${BASH_SOURCE[$i + 1]##*/}:${BASH_LINENO[$i]}"
  done
}

# Prints the plan; the file's exit status says whether any test failed.
done_testing () {
  echo "1..$TEST_NUM"
  [ "$TEST_FAILED" = 0 ]
  exit $?
}

# Inside a test: stop here and report a skip.
skip () {
  echo "$*" >"$T/skip"
  exit 77
}

# Inside a test: stop here and report a failure with a message.
fail () {
  lib_diag "FAILED: $*"
  lib_stack 2
  exit 1
}

# ---------------------------------------------------------------------------
# The runtime

lib_rt () {
  if [ "$RT_TIMEOUT" = 0 ]; then
    "$RUNTIME" --root "$STATE" "$@"
  else
    timeout -k 5 "$RT_TIMEOUT" "$RUNTIME" --root "$STATE" "$@"
  fi
}

# rt ARGS...: the runtime under test with this file's state root.  The call
# is logged in the test log; exit status 124 means it timed out.
rt () {
  echo "+ ${RUNTIME##*/} $*" >>"$TEST_LOG"
  lib_rt "$@"
}

# The runtime's base name, for the rare test that knows a runtime differs:
# `[ "$(runtime_name)" = runc ] && skip "runc ..."`.
runtime_name () {
  basename "$RUNTIME"
}

# unique_id [TAG]: prints a fresh container id and records it for cleanup.
unique_id () {
  local n
  n=$(($(cat "$T/id-counter") + 1))
  echo "$n" >"$T/id-counter"
  local id="$ID_PREFIX-$n${1:+-$1}"
  echo "$id" >>"$T/ids"
  echo "$id"
}

# track_id ID [ROOT]: records for cleanup an id not made by unique_id, or
# one created under another state root.
track_id () {
  echo "$1${2:+ $2}" >>"$T/ids"
}

# rt_create ID [OPTS...]: creates ID from $BUNDLE.  The container's stdio
# goes to files ($(ct_out ID), $(ct_err ID)) so no pipe is held open by it.
rt_create () {
  local id=$1 rc=0
  shift
  rt create -b "$BUNDLE" "$@" "$id" </dev/null >"$T/$id.out" 2>"$T/$id.err" \
    || rc=$?
  lib_show_failure "$id" "$rc"
}

# After a failed create or run -d, puts the runtime's stderr in the log.
lib_show_failure () {
  [ "$2" = 0 ] && return 0
  lib_diag "status: $2" "stderr: $(cat "$T/$1.err")"
  return "$2"
}

# rt_run_d ID [OPTS...]: `run -d`, with stdio handled as by rt_create.
rt_run_d () {
  local id=$1 rc=0
  shift
  rt run -d -b "$BUNDLE" "$@" "$id" </dev/null >"$T/$id.out" 2>"$T/$id.err" \
    || rc=$?
  lib_show_failure "$id" "$rc"
}

ct_out () { cat "$T/$1.out"; }
ct_err () { cat "$T/$1.err"; }

# state_field ID JQ-FILTER: one field of `state ID` (`state_field id .pid`).
state_field () {
  rt state "$1" | jq -r "$2"
}

# wait_status ID STATUS [SECONDS]: polls `state` until it reports STATUS.
wait_status () {
  local id=$1 want=$2 secs=${3:-10} i s=""
  for ((i = 0; i < secs * 10; i++)); do
    s=$(lib_rt state "$id" 2>/dev/null | jq -r .status 2>/dev/null) || true
    [ "$s" = "$want" ] && return 0
    sleep 0.1
  done
  fail "container $id: status is '${s}', waited ${secs}s for '$want'"
}

# wait_for SECONDS CMD...: polls CMD until it succeeds.
wait_for () {
  local secs=$1 i
  shift
  for ((i = 0; i < secs * 10; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "timed out after ${secs}s waiting for: $*"
}

# ---------------------------------------------------------------------------
# Bundles

# json_string TEXT: TEXT as a JSON string literal.
json_string () {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  s=${s//$'\r'/\\r}
  printf '"%s"' "$s"
}

# config_template ARGS...: prints the default config.json with process.args
# set to ARGS: namespaces pid, network, ipc, uts and mount; the mounts and
# masked/readonly paths runc's `spec` uses; no terminal.
config_template () {
  local args="" a
  for a in "$@"; do
    args+=${args:+,}$(json_string "$a")
  done
  jq -n --argjson args "[$args]" '{
    ociVersion: "1.2.1",
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: $args,
      env: [ "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root" ],
      cwd: "/",
      capabilities: {
        bounding: [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
        effective: [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
        permitted: [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ]
      },
      rlimits: [ { type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 } ],
      noNewPrivileges: true
    },
    root: { path: "rootfs", readonly: false },
    hostname: "cove-test",
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      { destination: "/dev", type: "tmpfs", source: "tmpfs",
        options: [ "nosuid", "strictatime", "mode=755", "size=65536k" ] },
      { destination: "/dev/pts", type: "devpts", source: "devpts",
        options: [ "nosuid", "noexec", "newinstance", "ptmxmode=0666",
                   "mode=0620", "gid=5" ] },
      { destination: "/dev/shm", type: "tmpfs", source: "shm",
        options: [ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" ] },
      { destination: "/dev/mqueue", type: "mqueue", source: "mqueue",
        options: [ "nosuid", "noexec", "nodev" ] },
      { destination: "/sys", type: "sysfs", source: "sysfs",
        options: [ "nosuid", "noexec", "nodev", "ro" ] }
    ],
    linux: {
      namespaces: [ { type: "pid" }, { type: "network" }, { type: "ipc" },
                    { type: "uts" }, { type: "mount" } ],
      maskedPaths: [ "/proc/acpi", "/proc/asound", "/proc/kcore",
        "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
        "/sys/firmware", "/sys/devices/virtual/powercap" ],
      readonlyPaths: [ "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
        "/proc/sysrq-trigger" ]
    }
  }'
}

# new_bundle [ARGS...]: makes a fresh bundle (own copy of the rootfs) and
# sets BUNDLE to it.  ARGS become process.args (default: /probe pid).
new_bundle () {
  BUNDLE=$(mktemp -d "$T/bundle.XXXXXX")
  chmod 0755 "$BUNDLE"
  cp -a "$ROOTFS_CACHE" "$BUNDLE/rootfs"
  if [ $# = 0 ]; then
    set -- /probe pid
  fi
  config_template "$@" >"$BUNDLE/config.json"
  echo "+ new bundle $BUNDLE: $*" >>"$TEST_LOG"
}

# cfg [-b DIR] JQ-FILTER [JQ-ARGS...]: edits DIR/config.json (default
# $BUNDLE) in place: cfg '.process.args = ["/probe", "caps"]'.
cfg () {
  local dir=${BUNDLE:-}
  if [ "${1:-}" = -b ]; then
    dir=$2
    shift 2
  fi
  local f=$dir/config.json
  jq "$@" "$f" >"$f.new" || fail "cfg: jq $* failed"
  mv "$f.new" "$f"
}

# ---------------------------------------------------------------------------
# Assertions: each prints what it expected and stops the test on failure.

# run CMD...: runs CMD without stopping the test; sets `status`, `output`
# (stdout) and `errout` (stderr), trailing newlines removed.
run () {
  local o=$T/run.out e=$T/run.err
  status=0
  "$@" >"$o" 2>"$e" </dev/null || status=$?
  output=$(cat "$o")
  errout=$(cat "$e")
  {
    [ -z "$output" ] || printf 'stdout: %s\n' "$output"
    [ -z "$errout" ] || printf 'stderr: %s\n' "$errout"
    echo "status: $status"
  } >>"$TEST_LOG"
  return 0
}

assert_eq () {
  [ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}

assert_ne () {
  [ "$1" != "$2" ] || fail "${3:-value}: expected anything but '$2'"
}

# assert_match STRING ERE [WHAT]
assert_match () {
  [[ $1 =~ $2 ]] || fail "${3:-value}: '$1' does not match /$2/"
}

assert_not_match () {
  [[ ! $1 =~ $2 ]] || fail "${3:-value}: '$1' matches /$2/"
}

# assert_contains STRING SUBSTRING [WHAT]
assert_contains () {
  [[ $1 == *"$2"* ]] || fail "${3:-value}: '$1' does not contain '$2'"
}

assert_not_contains () {
  [[ $1 != *"$2"* ]] || fail "${3:-value}: '$1' contains '$2'"
}

# assert_error_mentions MESSAGE WORD [WHAT]: an error message should name
# the field, value or id at fault (case-insensitive).  Enforced for cove;
# for another runtime (RUNTIME=runc) a miss is only logged, since the
# wording is cove's choice, not the spec's.
assert_error_mentions () {
  local msg=${1,,} word=${2,,}
  [[ $msg == *"$word"* ]] && return 0
  if [ "$(runtime_name)" != cove ]; then
    lib_diag "note: error does not mention '$2' (not enforced for $(runtime_name))"
    return 0
  fi
  fail "${3:-error}: '$1' does not mention '$2'"
}

# assert_ok CMD...: CMD must succeed; its output is in $output/$errout.
assert_ok () {
  run "$@"
  [ "$status" = 0 ] || fail "\`$*\` failed with status $status: $errout"
}

# assert_fail CMD...: CMD must fail (non-zero, not a timeout).
assert_fail () {
  run "$@"
  [ "$status" != 0 ] || fail "\`$*\` succeeded but should have failed"
  [ "$status" != 124 ] || fail "\`$*\` timed out"
}

# assert_one_line TEXT [WHAT]: a single non-empty line, as an error should be.
assert_one_line () {
  [ -n "$1" ] || fail "${2:-message} is empty"
  [ "$(printf '%s\n' "$1" | wc -l)" = 1 ] \
    || fail "${2:-message} has more than one line: '$1'"
}

# ---------------------------------------------------------------------------
# Leak checks: what a failing command must not leave behind.

# Prints the host resources tied to this test file: mount points under $T,
# entries of the state root, cgroups named after our ids, processes whose
# command line mentions $T, children and open fds of the calling shell.
snapshot_host () {
  local shell=$BASHPID d line rest comm
  echo "## mounts"
  lib_mounts_under_t | sort || true
  echo "## state root"
  ls -A "$STATE" 2>/dev/null || true
  echo "## cgroups"
  { find /sys/fs/cgroup -maxdepth 5 -type d -name "*$ID_PREFIX-*" 2>/dev/null \
      || true; } | sort
  echo "## processes mentioning the test dir"
  for d in $(lib_stray_pids); do
    echo "$d $(tr '\0' ' ' <"/proc/$d/cmdline" 2>/dev/null)"
  done
  echo "## children of the shell"
  # Pure bash, so the scan itself adds no child.
  for d in /proc/[0-9]*; do
    read -r line <"$d/stat" 2>/dev/null || continue
    rest=${line##*) }
    # shellcheck disable=SC2086 # split the stat fields
    set -- $rest
    [ "${2:-}" = "$shell" ] || continue
    read -r comm <"$d/comm" 2>/dev/null || comm='?'
    echo "${d#/proc/} $comm"
  done 2>/dev/null
  echo "## fds of the shell"
  # Through a file, not a pipe: a pipeline's own pipe would show up here.
  find "/proc/$shell/fd" -mindepth 1 -printf '%f -> %l\n' \
    >"$T/snap.fds" 2>/dev/null || true
  sort -n "$T/snap.fds"
}

# leak_check_begin / leak_check_end: snapshot around some commands; the end
# fails the test, showing the difference, if anything new is left.
leak_check_begin () {
  snapshot_host >"$T/snap.tmp"
  mv "$T/snap.tmp" "$T/snap.before"
}

leak_check_end () {
  snapshot_host >"$T/snap.tmp"
  mv "$T/snap.tmp" "$T/snap.after"
  if ! diff -u "$T/snap.before" "$T/snap.after" >"$T/snap.diff"; then
    lib_diag "$(cat "$T/snap.diff")"
    fail "resources were left behind (diff above)"
  fi
}

# assert_fails_clean CMD...: CMD must fail with a one-line error on stderr
# and leave nothing behind.  $output/$errout/$status stay set for more checks.
assert_fails_clean () {
  leak_check_begin
  assert_fail "$@"
  assert_one_line "$errout" "stderr of \`$*\`"
  leak_check_end
}
