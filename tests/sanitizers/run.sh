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
# writes its reports to $SAN_WORK/reports/report.<pid>: cove's exit status
# alone would not tell a report from an expected failure.  One more TAP
# test per kind of report makes the run fail.  A process that has already
# pivoted into the container's rootfs cannot open that file: ASan then
# prints the report on its stderr and exits, which fails the test that ran
# it.  t-rootless runs cove with a clean environment (env -i): there the
# defaults apply, reports go to stderr and fail the test the same way.
#
# Leaks are checked when a sanitized process exits through exit() or by
# returning from main; the runtime's children end in execve or _exit, so
# in practice this checks the runtime processes and the unit tests.
# LeakSanitizer cannot work under ptrace: t-faults, which runs cove under
# strace, is left out.
#
# FILTERs are passed to tests/run.sh; the default is every unit test and
# the integration files listed in $SAN_DEFAULT below (about 5 minutes on 2
# cores).  Environment: SAN_WORK, SAN_JOBS (make -j, default nproc),
# TEST_TIMEOUT (per file, passed on).
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top" || exit 1
work=${SAN_WORK:-$top/tests/work/sanitizers}
src=$work/src
reports=$work/reports
jobs=${SAN_JOBS:-$(nproc 2>/dev/null || echo 2)}

# What runs by default: every unit test, and integration files that cover
# the lifecycle, exec, every confinement, `spec`, rootless and the error
# paths.  Left out: t-cgroup-* (mostly the same code with more containers;
# the v2 file boots a VM without the sanitizer runtime), t-faults (strace),
# the engines (their network setup, not cove, takes the time) and the shim
# (its throughput and memory-ceiling tests measure ASan, not the shim: run
# `tests/sanitizers/run.sh t-shim` by hand).
SAN_DEFAULT=(unit/ t-lifecycle t-cli-errors t-cli.sh t-process t-namespaces
  t-mounts t-devices t-seccomp t-hooks t-terminal t-exec t-escapes-fs t-lsm
  t-manage t-spec t-rootless t-hardening)

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

build () {
  copy_sources || return 1
  cd "$src" || return 1
  [ -x configure ] || ./autogen.sh || return 1
  grep -q -e '--enable-sanitizers' config.status 2>/dev/null \
    || ./configure --enable-sanitizers || return 1
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
mkdir -p "$reports" && chmod 1777 "$reports"
# log_path: reports go to files, not into the stderr the tests compare
# (ASan and UBSan share it: report.<pid>).  fast_unwind_on_malloc=0: the
# frame-pointer unwinder stops in glibc (asprintf), and a leak report would
# not name the caller.  UBSan goes on after a report (one bug shows as one
# report, not as a cascade of test failures); the report file makes the
# run fail anyway.
export ASAN_OPTIONS="log_path=$reports/report:detect_leaks=1:strict_string_checks=1:fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="log_path=$reports/report:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS=${LSAN_OPTIONS:-}
unset RUNTIME # the copy's tests run the copy's cove

filters=("$@")
[ ${#filters[@]} -gt 0 ] || filters=("${SAN_DEFAULT[@]}")
out=$work/run.out
TEST_LOGS=$work/logs "$src/tests/run.sh" "${filters[@]}" >"$out" 2>&1

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
while IFS= read -r line; do
  case $line in
    PASS\ * | FAIL\ * | SKIP\ *) flush; current=$line ;;
    "  "*) details+=$line$'\n' ;;
    *) flush ;;
  esac
done <"$out"
flush

# One test per kind of report: its first line and the first frame in
# cove's own sources that is not an allocation wrapper (xmalloc...); the
# same leak in every run of a command is one bug, not twenty.
declare -A seen=() example=()
keys=()
for r in "$reports"/*; do
  [ -f "$r" ] || continue
  what=$(grep -m1 -E 'ERROR: |runtime error: ' "$r" | sed 's/^==[0-9]*==//' | cut -c1-160)
  where=$(awk '$1 ~ /^#[0-9]+$/ && $3 == "in" && $4 !~ /^(jw_)?x[a-z]+$/ \
      && $5 ~ /^(src|oci-spec|tests)\/.*\.c:[0-9]+/ { print $4 " " $5; exit }' "$r")
  key="${what:-(no error line)}${where:+ in $where}"
  [ -n "${seen[$key]:-}" ] || { keys+=("$key"); example[$key]=$r; }
  seen[$key]=$((${seen[$key]:-0} + 1))
done
for key in "${keys[@]}"; do
  tap not-ok "sanitizer: $key (${seen[$key]} report(s), e.g. ${example[$key]##*/})"
  { grep -v -e '^$' -e libsanitizer "${example[$key]}" | head -n 30
    echo "full report: ${example[$key]}"; } | diag
done
[ ${#keys[@]} != 0 ] || tap ok "no sanitizer report"

echo "1..$n"
echo "# $(tail -n 1 "$out") (sanitized build, $(($(date +%s) - start))s in all)"
[ "$failed" = 0 ]
