#!/bin/bash
# run.sh [FILTER...]: runs every unit test binary (tests/unit/test-*) and
# every integration test file (tests/integration/t-*.sh), in that order,
# each under a timeout; reads their TAP and prints one line per file, the
# failures' diagnostics, and as the very last line
#
#     N passed, N failed[, N skipped]
#
# It builds nothing (`make check TESTS=` or contrib/build.sh does).  A FILTER
# keeps only files whose path under tests/ contains it (`unit`, `lifecycle`).
# A file that crashes, times out, bails out, breaks its plan or exits
# non-zero without a failing test counts as one failure.  Exit status 0 only when nothing failed.
#
# Two slow suites run only when a FILTER names them (contrib/test.sh does
# in CI): `sanitizers/` (tests/sanitizers/run.sh: the tests against an
# ASan+UBSan build) and `fuzz/` (tests/fuzz/run.sh: 60 s of libFuzzer).
# They print TAP like the others, within SUITE_TIMEOUT (default 1500) s.
#
# Environment: TEST_TIMEOUT (seconds per file, default 300), RUNTIME (passed
# on to the integration tests), RT_TEST_STRICT=1 (a skip counts as a failure),
# TEST_LOGS (where full logs are kept, default tests/work/logs).
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top" || exit 1
timeout_s=${TEST_TIMEOUT:-300}
logs=${TEST_LOGS:-$top/tests/work/logs}
mkdir -p "$logs"

total_pass=0
total_fail=0
total_skip=0

wanted () {
  local name=$1 f
  [ ${#filters[@]} = 0 ] && return 0
  for f in "${filters[@]}"; do
    [[ $name == *"$f"* ]] && return 0
  done
  return 1
}

# Reads a TAP log; prints "PASS FAIL SKIP PLAN TESTS BAILED" counts.  Only
# unindented lines count (indented ones belong to subtests).  `not ok` with a
# TODO directive is a known failure and counted as skipped.
tap_counts () {
  awk '
    BEGIN { pass = fail = skip = tests = bailed = 0; plan = -1 }
    /^1\.\.[0-9]+/ { split ($0, a, /[.][.]| /); plan = a[2] + 0; next }
    /^Bail out!/ { bailed = 1; next }
    /^(not )?ok( |$)/ {
      tests++
      directive = ""
      if (match ($0, /#[ \t]*(SKIP|skip|Skip|TODO|todo|Todo)/))
        directive = toupper (substr ($0, RSTART + 1))
      sub (/^[ \t]*/, "", directive)
      if (directive ~ /^(SKIP|TODO)/) skip++
      else if ($0 ~ /^ok/) pass++
      else fail++
    }
    END { print pass, fail, skip, plan, tests, bailed }
  ' "$1"
}

# Prints each `not ok` line of a TAP log with the diagnostics under it.
tap_failures () {
  awk '
    /^(not )?ok( |$)/ { show = ($0 ~ /^not ok/ && $0 !~ /# *TODO/); n = 0 }
    /^1\.\.[0-9]/ { show = 0 }
    /^Bail out!/ { print "  " $0; next }
    show && n < 60 { print "  " $0; n++ }
  ' "$1"
}

run_file () {
  local file=$1 name log rc start secs limit=$timeout_s
  name=${file#tests/}
  log=$logs/$(echo "$name" | tr '/' '_').log
  start=$(date +%s)
  case $file in
    tests/sanitizers/* | tests/fuzz/*) limit=${SUITE_TIMEOUT:-1500} ;;
  esac
  if [[ $file == *.sh ]]; then
    timeout -k 30 "$limit" bash "$file" </dev/null >"$log" 2>&1
  else
    timeout -k 30 "$limit" "$file" </dev/null >"$log" 2>&1
  fi
  rc=$?
  secs=$(($(date +%s) - start))

  local pass fail skip plan tests bailed problem=""
  read -r pass fail skip plan tests bailed < <(tap_counts "$log")
  if [ "$tests" = 0 ] && { [ "$rc" = 77 ] || { [ "$rc" = 0 ] && [ "$plan" = 0 ]; }; }; then
    skip=1
    printf 'SKIP  %-40s %s\n' "$name" "$(grep -m1 -o '# SKIP.*' "$log" || echo "exit 77")"
    total_skip=$((total_skip + 1))
    return
  fi
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    problem="timed out after ${limit}s"
  elif [ "$rc" -gt 128 ]; then
    problem="killed by signal $((rc - 128))"
  elif [ "$bailed" = 1 ]; then
    problem="bailed out"
  elif [ "$plan" = -1 ]; then
    problem="no TAP plan (exit status $rc)"
  elif [ "$plan" != "$tests" ]; then
    problem="plan of $plan tests, $tests ran"
  elif [ "$rc" != 0 ] && [ "$fail" = 0 ]; then
    problem="exit status $rc"
  fi
  [ -z "$problem" ] || fail=$((fail + 1))
  if [ "${RT_TEST_STRICT:-0}" = 1 ] && [ "$skip" -gt 0 ]; then
    problem="${problem:+$problem; }$skip skipped in strict mode"
    fail=$((fail + skip))
    skip=0
  fi

  total_pass=$((total_pass + pass))
  total_fail=$((total_fail + fail))
  total_skip=$((total_skip + skip))
  local summary="$pass passed, $fail failed"
  [ "$skip" = 0 ] || summary+=", $skip skipped"
  if [ "$fail" = 0 ]; then
    printf 'PASS  %-40s %s (%ss)\n' "$name" "$summary" "$secs"
  else
    printf 'FAIL  %-40s %s (%ss)%s\n' "$name" "$summary" "$secs" \
      "${problem:+: $problem}"
    tap_failures "$log"
    if [ -n "$problem" ]; then
      echo "  last lines of $log:"
      tail -n 15 "$log" | sed 's/^/    /'
    fi
  fi
}

filters=("$@")
files=()
for src in tests/unit/test-*.c; do
  [ -e "$src" ] || continue
  wanted "unit/$(basename "$src" .c)" || continue
  files+=("${src%.c}")
done
for f in tests/integration/t-*.sh; do
  [ -e "$f" ] || continue
  wanted "integration/$(basename "$f")" || continue
  files+=("$f")
done
# The opt-in suites: only when a filter names them.
for f in tests/sanitizers/run.sh tests/fuzz/run.sh; do
  [ -e "$f" ] && [ ${#filters[@]} -gt 0 ] && wanted "${f#tests/}" || continue
  files+=("$f")
done

if [ -x "${RUNTIME:-$top/cove}" ] || command -v "${RUNTIME:-}" >/dev/null 2>&1; then
  echo "runtime: ${RUNTIME:-$top/cove}"
fi
for f in "${files[@]}"; do
  if [[ $f != *.sh ]] && [ ! -x "$f" ]; then
    printf 'FAIL  %-40s not built (run make check TESTS=)\n' "${f#tests/}"
    total_fail=$((total_fail + 1))
    continue
  fi
  run_file "$f"
done

if [ "$total_skip" = 0 ]; then
  echo "$total_pass passed, $total_fail failed"
else
  echo "$total_pass passed, $total_fail failed, $total_skip skipped"
fi
[ "$total_fail" = 0 ]
