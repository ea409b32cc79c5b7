# shellcheck shell=bash
# common.sh: sourced by every tests/engines/<engine>.sh.  Gives a private
# temp dir, a busybox image rootfs built from Debian's busybox-static (no
# registry is reachable), TAP output where each check runs in its own
# subshell, the runc comparison that tells a cove bug from a host limit,
# and cleanup (processes by pid, mounts, files the engine wrote outside its
# private roots) that runs even when a check fails or the script is killed.
#
# An engine script looks like:
#
#     . "$(dirname "$0")/common.sh"
#     eng_init podman                  # root check, $T, cleanup trap
#     eng_on_cleanup my_engine_reset   # run at exit, last registered first
#     check_echo () {
#       eng_run my_engine --runtime "$ENG_RT" run --rm img echo hi
#       assert_eq "$output" hi
#     }
#     eng_test "run prints" check_echo
#     eng_done
#
# Each check runs with ENG_RT set to the runtime under test.  When it fails
# and that runtime is not the reference runtime, it runs again with ENG_RT
# set to the reference: a check that fails there too is reported as a skip
# ("host limit"), one that passes there is a failure of the runtime.  A
# check that is known to fail on this host for a reason no runtime can
# change calls `skip REASON` itself.  Between the two runs (and after every
# check) the engine script's ENG_AFTER_EACH function, when defined, puts the
# engine back in a clean state.
#
# Environment:
#   RUNTIME      the runtime under test (default: the built ./cove)
#   REF_RUNTIME  the reference runtime (default: runc from PATH or
#                /usr/sbin/runc); REF_RUNTIME=none turns the comparison off
#   TEST_FILTER  run only checks whose name contains this string
#   VERBOSE      1 = print every check's log as TAP comments
#   KEEP_TMP     1 = keep the temp dir (processes and mounts are still undone)
#   ENG_TIMEOUT  seconds one engine command may take (default 60)

ENG_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUNTIME=${RUNTIME:-$ENG_TOP/cove}
ENG_TIMEOUT=${ENG_TIMEOUT:-60}
ENG_BUSYBOX=${BUSYBOX:-/bin/busybox}

ENG_NUM=0
ENG_FAILED=0
ENG_CLEANUPS=()
ENG_NAME=
ENG_LOG=/dev/null
T=

eng_bail () {
  echo "Bail out! $*"
  exit 1
}

# eng_skip_all REASON: the whole script cannot run here (TAP skip, exit 77).
eng_skip_all () {
  echo "1..0 # SKIP $*"
  exit 77
}

# eng_abs PATH-OR-NAME: an absolute path for a runtime given by name or by
# relative path, empty when it is not found.
eng_abs () {
  case $1 in
    /*) echo "$1" ;;
    */*) echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" ;;
    *) command -v "$1" || true ;;
  esac
}

# eng_init NAME: checks the basics, makes the temp dir $T (mode 0755, so a
# container user other than root can still reach what is bind-mounted from
# it) and installs the cleanup trap.  NAME appears in the temp dir's name.
eng_init () {
  ENG_NAME=$1
  [ "$(id -u)" = 0 ] || eng_skip_all "engine tests need root"
  local tool
  for tool in timeout jq setsid flock; do
    command -v "$tool" >/dev/null || eng_bail "$tool is not installed"
  done
  RUNTIME=$(eng_abs "$RUNTIME")
  if [ -z "$RUNTIME" ] || [ ! -x "$RUNTIME" ]; then
    eng_bail "runtime ${RUNTIME:-(not found)} is not built (run make)"
  fi
  REF_RUNTIME=${REF_RUNTIME:-$(command -v runc || echo /usr/sbin/runc)}
  if [ "$REF_RUNTIME" != none ]; then
    REF_RUNTIME=$(eng_abs "$REF_RUNTIME")
    if [ -z "$REF_RUNTIME" ] || [ ! -x "$REF_RUNTIME" ]; then
      REF_RUNTIME=none
    fi
  fi
  [ -x "$ENG_BUSYBOX" ] || eng_skip_all "$ENG_BUSYBOX is missing (busybox-static)"
  if ldd "$ENG_BUSYBOX" >/dev/null 2>&1; then
    eng_skip_all "$ENG_BUSYBOX is dynamically linked (busybox-static needed)"
  fi
  T=$(mktemp -d "${TMPDIR:-/tmp}/cove-$ENG_NAME.XXXXXX") || eng_bail "mktemp failed"
  chmod 0755 "$T"
  : >"$T/pids"
  : >"$T/paths"
  : >"$T/dirs"
  trap eng_cleanup EXIT
  trap 'eng_interrupted 130' INT
  trap 'eng_interrupted 143' TERM
  trap 'eng_interrupted 129' HUP
  echo "# $ENG_NAME: runtime $RUNTIME, reference ${REF_RUNTIME}, temp dir $T"
}

# eng_lock [SECONDS]: waits (default 240 s) until no other run of the same
# engine script holds the host-wide lock, then holds it until exit.  Two
# runs at once would share what an engine keeps host-wide (a bridge, its
# iptables chains, /run/netns) and one's cleanup would break the other.
# Call it right after eng_init, before eng_remove_if_new.  The lock is
# held through fd ENG_LOCK_FD: a command that starts long-lived processes
# (an engine daemon, a container monitor) should close it for them, as in
# `bash -c 'exec {ENG_LOCK_FD}>&-; exec dockerd ...'`, or a leftover
# process keeps the lock.
ENG_LOCK_FD=
eng_lock () {
  local dir=/run/lock
  [ -d "$dir" ] || dir=${TMPDIR:-/tmp}
  exec {ENG_LOCK_FD}>>"$dir/cove-engine-$ENG_NAME.lock" \
    || eng_bail "cannot open the lock file in $dir"
  if ! flock -n "$ENG_LOCK_FD"; then
    echo "# waiting for another $ENG_NAME engine run to finish"
    flock -w "${1:-240}" "$ENG_LOCK_FD" \
      || eng_bail "another $ENG_NAME engine run holds $dir/cove-engine-$ENG_NAME.lock"
  fi
}

# ---------------------------------------------------------------------------
# Cleanup

# eng_on_cleanup CMD...: CMD runs at exit, before the processes are killed
# and the mounts undone (an engine's own reset goes here).  The last one
# registered runs first.
eng_on_cleanup () {
  local q
  printf -v q '%q ' "$@"
  ENG_CLEANUPS=("$q" "${ENG_CLEANUPS[@]}")
}

# eng_start_time PID: the process's start time in clock ticks (field 22 of
# /proc/PID/stat), empty when it is gone; with the pid it names one process
# for good, even after the pid is reused.
eng_start_time () {
  local line
  read -r line 2>/dev/null <"/proc/$1/stat" || return 0
  line=${line##*) }
  # shellcheck disable=SC2086 # split the stat fields
  set -- $line
  echo "${20}"
}

# eng_track_pid PID: a process this script started; the cleanup stops it
# (SIGTERM, then SIGKILL after ENG_STOP_WAIT seconds, default 10) if it is
# still the same process.
eng_track_pid () {
  echo "$1 $(eng_start_time "$1")" >>"$T/pids"
}

# eng_start_daemon LOG CMD...: starts CMD in its own session in the
# background, stdout and stderr to LOG, and tracks it.  Sets ENG_PID.
eng_start_daemon () {
  local log=$1
  shift
  setsid "$@" </dev/null >"$log" 2>&1 &
  ENG_PID=$!
  eng_track_pid "$ENG_PID"
}

# eng_alive PID START: true while PID is still the process that started
# at START.
eng_alive () {
  [ -n "$2" ] && [ "$(eng_start_time "$1")" = "$2" ]
}

eng_stop_tracked () {
  local pid start left=0 i
  while read -r pid start; do
    eng_alive "$pid" "$start" || continue
    kill -TERM "$pid" 2>/dev/null && left=1
  done <"$T/pids"
  [ $left = 1 ] || return 0
  for ((i = 0; i < ${ENG_STOP_WAIT:-10} * 10; i++)); do
    left=0
    while read -r pid start; do
      eng_alive "$pid" "$start" && left=1
    done <"$T/pids"
    [ $left = 1 ] || return 0
    sleep 0.1
  done
  while read -r pid start; do
    eng_alive "$pid" "$start" || continue
    echo "# killing $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null))"
    kill -KILL "$pid" 2>/dev/null
  done <"$T/pids"
}

# A regex matching $T whose own text does not contain $T, so a grep for it
# never finds itself in /proc/*/cmdline.
eng_t_re () {
  printf '%s' "$T" | sed 's|[^A-Za-z0-9/_-]|[&]|g'
}

# eng_stray_pids: processes whose command line mentions $T (an engine's
# monitor such as conmon, a container process started from $T, a hung
# engine command) other than this shell.  These were started by this script
# through the engine.
eng_stray_pids () {
  local f pid re
  re=$(eng_t_re)
  for f in $(grep -ls -e "$re" /proc/[0-9]*/cmdline 2>/dev/null || true); do
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    [ "$pid" != $$ ] && [ "$pid" != "$BASHPID" ] && echo "$pid"
  done
}

eng_kill_strays () {
  local pid
  for pid in $(eng_stray_pids); do
    echo "# killing stray process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
    kill -KILL "$pid" 2>/dev/null
  done
}

# eng_mounts_under DIR: mount points at or under DIR, deepest first.
eng_mounts_under () {
  local dir=$1 mp
  while read -r _ _ _ _ mp _; do
    printf -v mp '%b' "$mp"
    case $mp in
      "$dir" | "$dir"/*) echo "$mp" ;;
    esac
  done </proc/self/mountinfo | awk '{ print length($0) " " $0 }' | sort -rn \
    | cut -d' ' -f2-
}

# eng_unmount_under DIR: lazily unmounts everything at or under DIR.
eng_unmount_under () {
  local mp left
  for _ in 1 2 3 4 5; do
    left=0
    while IFS= read -r mp; do
      [ -n "$mp" ] || continue
      left=1
      umount -l "$mp" 2>/dev/null
    done < <(eng_mounts_under "$1")
    [ $left = 1 ] || return 0
  done
  echo "# warning: mounts left under $1"
}

# eng_remove_if_new PATH...: a path the engine writes outside its private
# roots (a lock dir in /run, a cache in /var/lib).  One that does not exist
# yet is removed at exit, mounts under it first; one that exists already
# belongs to someone else and is left alone.
eng_remove_if_new () {
  local p
  for p in "$@"; do
    [ -e "$p" ] || [ -L "$p" ] || echo "$p" >>"$T/paths"
  done
}

# eng_rmdir_if_new DIR...: a directory other programs may use too (such as
# /run/netns, which its first user bind-mounts onto itself).  One that does
# not exist yet is removed at exit only if it is empty by then: its own
# mount is undone, nothing under it is touched.
eng_rmdir_if_new () {
  local p
  for p in "$@"; do
    [ -e "$p" ] || [ -L "$p" ] || echo "$p" >>"$T/dirs"
  done
}

eng_remove_paths () {
  local p
  while IFS= read -r p; do
    [ -n "$p" ] || continue
    eng_unmount_under "$p"
    rm -rf --one-file-system "$p" 2>/dev/null
  done <"$T/paths"
  while IFS= read -r p; do
    [ -d "$p" ] || continue
    [ -z "$(ls -A "$p" 2>/dev/null)" ] || continue
    [ "$(eng_mounts_under "$p")" = "$p" ] && umount "$p" 2>/dev/null
    rmdir "$p" 2>/dev/null
  done <"$T/dirs"
}

eng_cleanup () {
  local rc=$? c
  trap - EXIT INT TERM HUP
  for c in "${ENG_CLEANUPS[@]}"; do
    eval "$c" >>"$T/cleanup.log" 2>&1 || true
  done
  eng_stop_tracked
  eng_kill_strays
  eng_unmount_under "$T"
  eng_remove_paths
  if [ "${KEEP_TMP:-0}" = 1 ]; then
    echo "# kept $T"
  else
    rm -rf --one-file-system "$T"
  fi
  exit "$rc"
}

eng_interrupted () {
  if [ "$ENG_LOG" != /dev/null ]; then
    echo "# interrupted by signal during check $ENG_NUM"
    tail -n 30 "$ENG_LOG" | sed 's/^/#   /'
  fi
  exit "$1"
}

# ---------------------------------------------------------------------------
# The busybox image

# eng_busybox_rootfs DIR: a minimal rootfs in DIR (made if missing): static
# busybox with its applet links, root, nobody and a uid 1000 user "tester"
# in /etc/passwd and /etc/group, and the usual empty directories.  Built
# from the host side, without running anything inside it.
eng_busybox_rootfs () {
  local dir=$1 applet
  mkdir -p "$dir"
  (
    set -e
    cd "$dir"
    mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp run mnt root \
      var/tmp home/tester www
    chmod 1777 tmp var/tmp
    chmod 0700 root
    install -m 0755 "$ENG_BUSYBOX" bin/busybox
    "$ENG_BUSYBOX" --list-full | while read -r applet; do
      case $applet in linuxrc) continue ;; esac
      [ -e "$applet" ] || [ -L "$applet" ] || ln -s /bin/busybox "$applet"
    done
    cat >etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
tester:x:1000:1000:tester:/home/tester:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
    cat >etc/group <<'EOF'
root:x:0:
tty:x:5:
tester:x:1000:
nogroup:x:65534:
EOF
    chown 1000:1000 home/tester
    : >etc/hosts
    : >etc/resolv.conf
    echo busybox >etc/hostname
    echo 'hello from cove' >www/index.html
  ) || eng_bail "cannot build the busybox rootfs in $dir"
}

# eng_busybox_tar FILE: the busybox rootfs as a tar archive, for an
# engine's image import.
eng_busybox_tar () {
  local dir
  dir=$(mktemp -d "$T/rootfs.XXXXXX")
  eng_busybox_rootfs "$dir"
  tar -C "$dir" --numeric-owner -cf "$1" . || eng_bail "tar of the rootfs failed"
  rm -rf --one-file-system "$dir"
}

# ---------------------------------------------------------------------------
# TAP

eng_diag () {
  if [ "$ENG_LOG" = /dev/null ]; then
    printf '%s\n' "$@" >&2
  else
    printf '%s\n' "$@" >>"$ENG_LOG"
  fi
}

eng_err_trap () {
  eng_diag "FAILED: \`$2\` (exit status $1) at ${3##*/}:$4"
}

# eng_attempt LOG RUNTIME FN ARGS...: one run of a check; returns its exit
# status (0 pass, 77 skip, else fail).
eng_attempt () {
  local log=$1 rc=0
  shift
  export ENG_RT=$1
  shift
  ENG_LOG=$log
  rm -f "$T/skip"
  echo "## runtime: $ENG_RT" >>"$log"
  (
    trap - EXIT INT TERM HUP
    set -eE -o pipefail
    trap 'eng_err_trap $? "$BASH_COMMAND" "${BASH_SOURCE[0]}" "$LINENO"' ERR
    cd "$T"
    "$@"
  ) >>"$log" 2>&1 </dev/null || rc=$?
  if declare -F ENG_AFTER_EACH >/dev/null; then
    (ENG_AFTER_EACH) >>"$log" 2>&1 </dev/null || true
  fi
  ENG_LOG=/dev/null
  return "$rc"
}

# eng_test NAME FN [ARGS...]: runs one check and prints its TAP line, with
# the log's last lines as diagnostics when it fails.
eng_test () {
  local name=$1 log rc=0 ref_rc=0 why
  shift
  ENG_NUM=$((ENG_NUM + 1))
  if [ -n "${TEST_FILTER:-}" ] && [[ $name != *"$TEST_FILTER"* ]]; then
    echo "ok $ENG_NUM - $name # SKIP filtered out"
    return 0
  fi
  log=$T/check-$ENG_NUM.log
  : >"$log"
  eng_attempt "$log" "$RUNTIME" "$@" || rc=$?
  if [ $rc = 0 ]; then
    echo "ok $ENG_NUM - $name"
    [ "${VERBOSE:-0}" != 1 ] || sed 's/^/# /' "$log"
    return 0
  fi
  if [ $rc = 77 ] && [ -f "$T/skip" ]; then
    echo "ok $ENG_NUM - $name # SKIP $(head -n1 "$T/skip")"
    return 0
  fi
  if [ "$REF_RUNTIME" != none ] && [ "$REF_RUNTIME" != "$RUNTIME" ]; then
    eng_attempt "$log.ref" "$REF_RUNTIME" "$@" || ref_rc=$?
    if [ $ref_rc != 0 ]; then
      why=$(grep -m1 "^FAILED" "$log" | cut -c1-160 || true)
      echo "ok $ENG_NUM - $name # SKIP host limit: fails with" \
        "${REF_RUNTIME##*/} too (${why:-exit status $rc})"
      [ "${VERBOSE:-0}" != 1 ] || sed 's/^/# /' "$log" "$log.ref"
      return 0
    fi
  fi
  ENG_FAILED=$((ENG_FAILED + 1))
  echo "not ok $ENG_NUM - $name"
  echo "# exit status $rc; last lines of the log:"
  tail -n 60 "$log" | sed 's/^/#   /'
  if [ -f "$log.ref" ]; then
    echo "# (passes with $REF_RUNTIME)"
  fi
  return 0
}

# eng_done: prints the plan; the script's exit status says whether any
# check failed.
eng_done () {
  echo "1..$ENG_NUM"
  [ "$ENG_FAILED" = 0 ]
  exit $?
}

# ---------------------------------------------------------------------------
# Inside a check

# skip REASON: stop here and report a skip.
skip () {
  echo "$*" >"$T/skip"
  exit 77
}

# fail MESSAGE: stop here and report a failure.
fail () {
  eng_diag "FAILED: $*"
  exit 1
}

# eng_run CMD...: runs CMD under ENG_TIMEOUT without stopping the check;
# sets `status`, `output` (stdout) and `errout` (stderr), trailing newlines
# removed, and logs all three.
eng_run () {
  local o=$T/run.out e=$T/run.err
  status=0
  echo "+ $*" >>"$ENG_LOG"
  timeout -k 5 "$ENG_TIMEOUT" "$@" >"$o" 2>"$e" </dev/null || status=$?
  output=$(cat "$o")
  errout=$(cat "$e")
  {
    [ -z "$output" ] || printf 'stdout: %s\n' "$output"
    [ -z "$errout" ] || printf 'stderr: %s\n' "$errout"
    echo "status: $status"
  } >>"$ENG_LOG"
  return 0
}

# eng_ok CMD...: CMD must succeed (output in $output/$errout).
eng_ok () {
  eng_run "$@"
  [ "$status" = 0 ] || fail "\`$*\` failed with status $status: $errout"
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

assert_contains () {
  [[ $1 == *"$2"* ]] || fail "${3:-value}: '$1' does not contain '$2'"
}

assert_not_contains () {
  [[ $1 != *"$2"* ]] || fail "${3:-value}: '$1' contains '$2'"
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
wait_for () {
  local secs=$1 i
  shift
  for ((i = 0; i < secs * 10; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "timed out after ${secs}s waiting for: $*"
}

# eng_cap_in_bounding CAP-NUMBER: true when this host's bounding set has
# the capability (CAP_SYS_RESOURCE = 24 is missing on some CI hosts).
eng_cap_in_bounding () {
  local hex
  hex=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
  (((0x$hex >> $1) & 1))
}
