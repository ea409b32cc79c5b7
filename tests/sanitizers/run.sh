#!/bin/bash
# run.sh [FILTER...]: builds cove with --enable-sanitizers (AddressSanitizer,
# LeakSanitizer and UndefinedBehaviorSanitizer) and runs the unit tests and
# integration tests against it; prints TAP.  tests/run.sh runs it when a
# FILTER names sanitizers/ (contrib/test.sh does in CI); `make
# check-sanitizers` runs it from a configured tree.
#
# Why a copy: automake refuses a VPATH build (`../configure` from a build
# dir) next to an in-tree one, and the in-tree objects would be picked up by
# VPATH anyway.  So the tracked and new source files are copied, with their
# times, to $SAN_WORK/src (default tests/work/sanitizers/src) and configured
# there once; later runs copy again and rebuild only what changed (a file
# deleted from the tree stays in the copy: rm -rf tests/work/sanitizers to
# start afresh).
#
# The tests run through that copy's tests/run.sh, so the probe put in test
# containers is the copy's: a sanitizer build still links it static and
# uninstrumented (Makefile.am).  Every sanitized process (the runtime, its
# intermediate and container-side processes until execve, the unit tests)
# writes its reports to $SAN_WORK/reports/report.<pid> (vm/report.<pid>
# inside the test VMs, engines/report.<pid> under podman: see below):
# cove's exit status alone would not tell a report from an expected
# failure.  One more TAP test per kind of report makes the run fail.  A process that has already
# pivoted into the container's rootfs cannot open that file: ASan then
# prints the report on its stderr and exits, which fails the test that ran
# it.  t-rootless runs cove with a clean environment (env -i): there the
# defaults apply, reports go to stderr and fail the test the same way.
#
# Leaks are checked when a sanitized process exits through exit() or by
# returning from main; the runtime's children end in execve or _exit, so
# in practice this checks the runtime and shim processes, the unit tests
# and the test helpers.  LeakSanitizer cannot work under ptrace: where
# t-faults and t-edge-security run cove under strace they turn it off for
# that run only (strace -E ASAN_OPTIONS=...:detect_leaks=0).
#
# FILTERs are passed to tests/run.sh and run one file after the other;
# the default is every unit test and the integration files listed in
# $SAN_LANE1 and $SAN_LANE2 below, the two lists at the same time.
# Environment: SAN_WORK, SAN_JOBS (make -j, default nproc), SAN_LANES=1
# (the default files in one lane), SAN_CRIU=0|checkpoint|all (which of the
# CRIU files run: none, t-checkpoint only, or both, the default),
# TEST_TIMEOUT (per file, passed on),
# CC and LDFLAGS (for configure).
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top" || exit 1
work=${SAN_WORK:-$top/tests/work/sanitizers}
src=$work/src
reports=$work/reports
jobs=${SAN_JOBS:-$(nproc 2>/dev/null || echo 2)}

# What runs by default: every unit test and every integration file, in
# two lanes that run at the same time (most of a test's time is spent
# waiting, for a container, a timeout, a restart backoff, a daemon: two
# lanes take about half the time of one on 2 cores).  SAN_LANES=1 runs
# them one after the other.  The two CRIU files are the slowest by far
# (in a CI rehearsal on a quiet machine, with t-checkpoint in lane 1 and
# t-migrate not: the whole run 432 s; t-migrate alone, sanitized, 97 s):
# SAN_CRIU=checkpoint drops t-migrate, SAN_CRIU=0 both.  The four files that boot a QEMU VM
# (TCG: two busy cores) are in lane 1, so that no two VMs run side by
# side, with t-shim: tests/run.sh runs a lane's files in name order, so
# t-shim comes after the VMs and its timing tests do not run beside one
# (lane 2 is over by then).  Lane 2 holds everything else.  Seconds
# each file took sanitized, the only load on a 2-core machine being this
# run's other lane: lane 1 t-apparmor 82, t-cgroup-v2 92, t-checkpoint
# 243 (5 of its 22 tests failing), t-migrate 203 (alone), t-shim 73
# (alone): 693 s; lane 2 about 410 s (t-engine-podman 44, t-shim-proxy
# 35, t-faults 34, t-exec 31, t-spec 30, t-engine-docker 28, t-cgroup-v1
# 20, t-process 19, t-rootless 15, t-lifecycle 14, t-manage 14, ...).
# The whole run took 695 s (SAN_CRIU=0: lane 2's 410 s, lane 1 being
# about 250 s then).  Before, without t-checkpoint and t-migrate and with
# lanes of about 280 s each, it took 294 s in a CI rehearsal and 418 s
# with other engineers' builds and tests beside it (load 1 to 4).  With
# three QEMU VMs of others beside it (load 7 to 10) files took 2 to 3
# times as long as alone.
#
# Reports from places the environment does not reach by itself:
# - t-cgroup-v2, t-apparmor, t-checkpoint and t-migrate run their tests in
#   a QEMU VM (tests/v2vm/run-in-v2-vm.sh) whose command line the file
#   builds.  The VM tool exports the variables named in V2VM_PASS_ENV to
#   the guest's command and adds the shares in V2VM_EXTRA_SHARES to every
#   VM: $reports/vm is shared at the guest path $reports, so a guest's
#   report.<pid> lands in $reports/vm.  Their own directory, because guest
#   pids are small and this host's may wrap: ASan opens report.<pid> with
#   O_TRUNC.  (Two VMs' reports of the same pid can still overwrite one
#   another: a report is left either way, and the run fails.)
# - Under podman, conmon runs the runtime with a cleared environment:
#   tests/engines/podman.sh gives podman a wrapper of the runtime that
#   sets the variables named in ENG_RT_PASS_ENV again (their values when
#   the file started) and execs it.  containerd and Docker pass them on.
#
# Timing limits and memory ceilings: t-shim and t-shim-proxy multiply
# their ceilings on the shim's RSS by SHIM_RSS_SCALE (set below); their
# time limits hold as they are, sanitized.  t-faults and t-edge-security
# run the runtime under strace with detect_leaks=0 (LeakSanitizer cannot
# work under ptrace): those runs check everything but leaks; their other
# runtime calls check leaks too.
#
# (integration/ in front: tests/run.sh matches substrings, and t-seccomp
# alone would also run unit/test-seccomp.)
SAN_LANE1=(integration/{t-shim,t-cgroup-v2,t-apparmor,t-checkpoint,t-migrate}.sh)
SAN_LANE2=(unit/ integration/{t-shim-proxy,t-faults,t-cgroup-v1,t-exec,t-process}.sh
  integration/{t-lifecycle,t-manage,t-rootless,t-seccomp,t-spec,t-mounts,t-hooks}.sh
  integration/{t-escapes-fs,t-edge-security,t-cli-errors,t-namespaces,t-terminal}.sh
  integration/{t-lsm,t-devices,t-docs,t-completion,t-hardening,t-cli}.sh
  integration/{t-engine-containerd,t-engine-docker,t-engine-podman}.sh)
case ${SAN_CRIU:-all} in
  0) SAN_LANE1=(integration/{t-shim,t-cgroup-v2,t-apparmor}.sh) ;;
  checkpoint) SAN_LANE1=(integration/{t-shim,t-cgroup-v2,t-apparmor,t-checkpoint}.sh) ;;
  all) ;;
  *) echo "sanitizers/run.sh: SAN_CRIU must be 0, checkpoint or all" >&2; exit 2 ;;
esac
SAN_DEFAULT=("${SAN_LANE1[@]}" "${SAN_LANE2[@]}")

# `tests/sanitizers/run.sh sanitizers/` would build a copy in the copy.
if [ -n "${SAN_NESTED:-}" ]; then
  echo "1..0 # SKIP already inside a sanitizer run"
  exit 77
fi
export SAN_NESTED=1

n=0
failed=0
tap () { # ok|not-ok DESCRIPTION
  n=$((n + 1))
  if [ "$1" = ok ]; then
    echo "ok $n - $2"
  else
    echo "not ok $n - $2"
    failed=$((failed + 1))
  fi
}
diag () { sed 's/^/# /'; }

# ---------------------------------------------------------------------------
# The copy and its build

copy_sources () {
  mkdir -p "$src" || return 1
  if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
    # Tracked files and new ones not ignored: what the next commit would
    # hold, without build products (nor files deleted but not committed).
    git -C "$top" ls-files -z --cached --others --exclude-standard \
      | while IFS= read -r -d '' f; do
          [ ! -e "$top/$f" ] || printf '%s\0' "$f"
        done | (cd "$top" && cpio -pdmu0 --quiet "$src")
  else
    # A release tarball: everything but the test scratch dir, objects and
    # what configure wrote.
    tar -C "$top" --exclude=./tests/work --exclude='*.o' --exclude='*.a' \
      --exclude=./Makefile --exclude=./config.status --exclude=./config.h \
      --exclude=./config.log --exclude=./stamp-h1 -cf - . \
      | tar -C "$src" -xpf -
  fi
}

# GCC links its ASan and UBSan runtimes as two shared libraries, and
# libubsan's start-up then sets the report path of libasan (the symbol is
# interposed) while its own stays stderr: UBSan's reports ignore log_path
# and land in whatever stderr a test keeps or throws away.  Linked
# statically into each program they share one report path.  Clang has one
# combined runtime (and no such option): the probe leaves it alone.
configure_args () {
  local flags=(-static-libasan -static-libubsan)
  echo --enable-sanitizers
  if printf 'int main (void) { return 0; }\n' \
      | ${CC:-gcc} -fsanitize=address,undefined "${flags[@]}" -x c -o "$work/cc-probe" - \
        >/dev/null 2>&1; then
    echo "LDFLAGS=${LDFLAGS:+$LDFLAGS }${flags[*]}"
  fi
  rm -f "$work/cc-probe"
}

build () {
  local args=()
  copy_sources || return 1
  cd "$src" || return 1
  [ -x configure ] || ./autogen.sh || return 1
  mapfile -t args < <(configure_args)
  # Configured again when the arguments change; then everything is built
  # again too (make does not relink for new LDFLAGS).
  if [ ! -f config.status ] || [ "$(cat "$work/configured" 2>/dev/null)" != "${args[*]}" ]; then
    [ ! -f Makefile ] || make clean >/dev/null
    ./configure "${args[@]}" || return 1
    echo "${args[*]}" >"$work/configured"
  fi
  make -j"$jobs" && make -j"$jobs" check TESTS=
}

build_log=$work/build.log
mkdir -p "$work" || exit 1
start=$(date +%s)
if (build) >"$build_log" 2>&1; then
  build_ok=1
else
  build_ok=0
fi

# The plan: the build, one test per tests/run.sh line, one for the
# reports; counted after the fact, so it is printed last (TAP allows it).
if [ "$build_ok" = 1 ]; then
  tap ok "build with --enable-sanitizers ($(($(date +%s) - start))s)"
else
  tap not-ok "build with --enable-sanitizers"
  tail -n 30 "$build_log" | diag
  echo "1..$n"
  exit 1
fi

# ---------------------------------------------------------------------------
# The tests

rm -rf "$reports"
mkdir -p "$reports/vm" "$reports/engines" && chmod 1777 "$reports" "$reports/vm" "$reports/engines"
# log_path: reports go to files, not into the stderr the tests compare
# (ASan and UBSan share it: report.<pid>).  fast_unwind_on_malloc=0: the
# frame-pointer unwinder stops in glibc (asprintf), and a leak report would
# not name the caller.  UBSan goes on after a report (one bug shows as one
# report, not as a cascade of test failures); the report file makes the
# run fail anyway.
export ASAN_OPTIONS="log_path=$reports/report:detect_leaks=1:strict_string_checks=1:fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="log_path=$reports/report:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS=${LSAN_OPTIONS:-}
# Into the test VMs (a path with white space would not do: both lists are
# split on it).
export V2VM_PASS_ENV="ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS"
export V2VM_EXTRA_SHARES="$reports/vm:$reports"
# Through podman's conmon: the same variables, but log_path in
# $reports/engines, to tell which of the reports came that way.
export ENG_RT_PASS_ENV="ASAN_OPTIONS=${ASAN_OPTIONS//"$reports/report"/"$reports/engines/report"}"
ENG_RT_PASS_ENV+=" UBSAN_OPTIONS=${UBSAN_OPTIONS//"$reports/report"/"$reports/engines/report"}"
ENG_RT_PASS_ENV+=" LSAN_OPTIONS"
unset RUNTIME # the copy's tests run the copy's cove
# t-shim and t-shim-proxy multiply their ceilings on the shim's RSS by
# this: the sanitized shim idles at about 9 MiB where the plain one takes
# 1, and ASan's quarantine keeps freed blocks from reuse for a while.
export SHIM_RSS_SCALE=${SHIM_RSS_SCALE:-8}

# Each lane is one tests/run.sh; the FILTERs given run in one.
rm -f "$work"/run*.out
if [ $# -gt 0 ]; then
  TEST_LOGS=$work/logs "$src/tests/run.sh" "$@" >"$work/run.out" 2>&1
elif [ "${SAN_LANES:-2}" = 1 ]; then
  TEST_LOGS=$work/logs "$src/tests/run.sh" "${SAN_DEFAULT[@]}" >"$work/run.out" 2>&1
else
  TEST_LOGS=$work/logs "$src/tests/run.sh" "${SAN_LANE1[@]}" >"$work/run-1.out" 2>&1 &
  TEST_LOGS=$work/logs "$src/tests/run.sh" "${SAN_LANE2[@]}" >"$work/run-2.out" 2>&1 &
  wait
fi

# tests/run.sh's lines: `PASS|FAIL|SKIP  name  summary`, a failure's
# details indented under it, the totals last.
current=""
details=""
flush () {
  [ -n "$current" ] || return 0
  case $current in
    PASS*) tap ok "sanitized: ${current#PASS  }" ;;
    SKIP*) n=$((n + 1)); echo "ok $n - sanitized: ${current#SKIP  } # SKIP" ;;
    FAIL*)
      tap not-ok "sanitized: ${current#FAIL  }"
      printf "%s" "$details" | head -n 40 | diag
      ;;
  esac
  current=""
  details=""
}
for out in "$work"/run*.out; do
  while IFS= read -r line; do
    case $line in
      PASS\ * | FAIL\ * | SKIP\ *) flush; current=$line ;;
      "  "*) details+=$line$'\n' ;;
      *) flush ;;
    esac
  done <"$out"
  flush
done

# One test per kind of report: its first line and the first frame in
# cove's own sources that is not an allocation wrapper (xmalloc...); the
# same leak in every run of a command is one bug, not twenty.
declare -A seen=() example=()
keys=()
for r in "$reports"/* "$reports"/vm/* "$reports"/engines/*; do
  [ -f "$r" ] || continue
  what=$(grep -m1 -E 'ERROR: |runtime error: ' "$r" | sed 's/^==[0-9]*==//' | cut -c1-160)
  where=$(awk '$1 ~ /^#[0-9]+$/ && $3 == "in" && $4 !~ /^(jw_)?x[a-z]+$/ \
      && $5 ~ /^(src|oci-spec|tests)\/.*\.c:[0-9]+/ { print $4 " " $5; exit }' "$r")
  key="${what:-(no error line)}${where:+ in $where}"
  [ -n "${seen[$key]:-}" ] || { keys+=("$key"); example[$key]=$r; }
  seen[$key]=$((${seen[$key]:-0} + 1))
done
for key in "${keys[@]}"; do
  tap not-ok "sanitizer: $key (${seen[$key]} report(s), e.g. ${example[$key]#"$reports/"})"
  { grep -v -e '^$' -e libsanitizer "${example[$key]}" | head -n 30
    echo "full report: ${example[$key]}"; } | diag
done
[ ${#keys[@]} != 0 ] || tap ok "no sanitizer report"

echo "1..$n"
# The lanes' totals (their last lines) added up.
totals=$(for out in "$work"/run*.out; do tail -n 1 "$out"; done | awk '
  { for (i = 2; i <= NF; i++) if ($i ~ /^(passed|failed|skipped)/) c[substr ($i, 1, 4)] += $(i - 1) }
  END { printf "%d passed, %d failed", c["pass"], c["fail"]
        if (c["skip"]) printf ", %d skipped", c["skip"] }')
echo "# $totals (sanitized build, $(($(date +%s) - start))s in all)"
[ "$failed" = 0 ]
