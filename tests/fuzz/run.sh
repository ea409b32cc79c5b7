#!/bin/bash
# run.sh [SECONDS]: builds the libFuzzer targets of tests/fuzz/fuzz-oci.c
# with clang (-fsanitize=fuzzer,address,undefined) and fuzzes each document
# of the oci-spec parser (config, process, state, resources) for its share
# of SECONDS (default 60 in all).  Prints TAP: one test for the build, one
# per target.  `make fuzz` runs it; tests/run.sh runs it when a FILTER
# names fuzz/ (contrib/test.sh does in CI).  See tests/fuzz/README.md.
#
# The seeds are tests/fuzz/corpus/<doc>/ (and tests/unit/fixtures for
# config); what the fuzzer finds on top is kept in tests/work/fuzz/corpus/
# for the next run.  A crash leaves its input in tests/work/fuzz/crashes/
# and makes the target's test fail with the report and how to replay it.
#
# Environment: CLANG (default clang-14, else clang), BUILD_DIR (where
# config.h is, default the source tree), FUZZ_WORK (default
# tests/work/fuzz), FUZZ_TARGETS (default "config process state resources"),
# FUZZ_JOBS (libFuzzer -jobs/-workers for long runs, default 1).
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top" || exit 1
seconds=${1:-${FUZZ_SECONDS:-60}}
work=${FUZZ_WORK:-$top/tests/work/fuzz}
targets=(${FUZZ_TARGETS:-config process state resources})
jobs=${FUZZ_JOBS:-1}
build_dir=${BUILD_DIR:-$top}
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

case $seconds in
  '' | *[!0-9]*) echo "usage: run.sh [SECONDS]" >&2; exit 2 ;;
esac

clang=${CLANG:-}
if [ -z "$clang" ]; then
  for c in clang-14 clang; do
    command -v "$c" >/dev/null && { clang=$c; break; }
  done
fi
probe_src='int LLVMFuzzerTestOneInput (const char *d, unsigned long n) { return 0; }'
if [ -z "$clang" ] || ! echo "$probe_src" | "$clang" -x c -fsanitize=fuzzer,address,undefined \
    -o /dev/null - >/dev/null 2>&1; then
  echo "1..0 # SKIP clang with libFuzzer not found (apt-get install clang-14 libclang-rt-14-dev)"
  exit 77
fi
echo "1..$((1 + ${#targets[@]}))"

# The fuzz targets' number for -DFUZZ_DOC (fuzz-oci.c).
doc_number () {
  case $1 in
    config) echo 1 ;; process) echo 2 ;; state) echo 3 ;; resources) echo 4 ;;
    *) return 1 ;;
  esac
}

# ---------------------------------------------------------------------------
# Build: the oci-spec sources once, instrumented, then one binary per target.

mkdir -p "$work/obj" "$work/include" "$work/crashes" || exit 1
if [ -f "$build_dir/config.h" ]; then
  inc_config=-I$build_dir
else
  # Not configured: what the oci-spec sources need from config.h.
  printf '#define _GNU_SOURCE 1\n#define HAVE_YAJL 1\n' >"$work/include/config.h"
  inc_config=-I$work/include
fi
read -r -a yajl_cflags < <(pkg-config --cflags yajl 2>/dev/null)
read -r -a yajl_libs < <(pkg-config --libs yajl 2>/dev/null || echo -lyajl)
cflags=(-g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror
  "$inc_config" -I"$top/oci-spec" "${yajl_cflags[@]}")
build_log=$work/build.log
: >"$build_log"

build () {
  local src objs=() obj t
  for src in oci-spec/*.c; do
    obj=$work/obj/$(basename "$src" .c).o
    objs+=("$obj")
    "$clang" "${cflags[@]}" -fsanitize=fuzzer-no-link,address,undefined \
      -c "$src" -o "$obj" || return 1
  done
  for t in "${targets[@]}"; do
    "$clang" "${cflags[@]}" -fsanitize=fuzzer,address,undefined \
      -DFUZZ_DOC="$(doc_number "$t")" tests/fuzz/fuzz-oci.c "${objs[@]}" \
      "${yajl_libs[@]}" -o "$work/fuzz-$t" || return 1
  done
}

for t in "${targets[@]}"; do
  doc_number "$t" >/dev/null || { echo "run.sh: unknown target $t" >&2; exit 2; }
done
if build >>"$build_log" 2>&1; then
  tap ok "build the fuzz targets with $clang"
else
  tap not-ok "build the fuzz targets with $clang"
  tail -n 30 "$build_log" | diag
  for t in "${targets[@]}"; do tap not-ok "fuzz $t: not built"; done
  exit 1
fi

# ---------------------------------------------------------------------------
# Fuzz each target for its share of the time.

# JSON's tokens and every property name the parser knows (its field
# tables), so mutations speak the documents' language.
dict=$work/oci.dict
{
  printf '%s\n' '"{"' '"}"' '"["' '"]"' '":"' '","' '"true"' '"false"' \
    '"null"' '"\\\""' '"\\u0000"' '"-1"' '"4294967296"' \
    '"18446744073709551616"' '"1e400"' '"/"'
  grep -ho '"[A-Za-z_][A-Za-z0-9_.]*"' oci-spec/*.c | sort -u \
    | sed 's/^"\(.*\)"$/"\\"\1\\""/'
} >"$dict"

if [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ] && [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
  export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

share=$((seconds / ${#targets[@]}))
[ "$share" -ge 1 ] || share=1
for t in "${targets[@]}"; do
  corpus=$work/corpus/$t
  crashes=$work/crashes/$t
  log=$work/fuzz-$t.log
  seeds=(tests/fuzz/corpus/"$t")
  [ "$t" != config ] || seeds+=(tests/unit/fixtures)
  mkdir -p "$corpus" "$crashes"
  parallel=()
  [ "$jobs" -le 1 ] || parallel=(-jobs="$jobs" -workers="$jobs")
  # The first directory receives the new inputs; the seeds are only read.
  # In $work, where -jobs leaves each worker's fuzz-<n>.log.
  (cd "$work" && rm -f fuzz-[0-9]*.log \
    && exec "$work/fuzz-$t" -max_total_time="$share" -timeout=10 \
      -rss_limit_mb=2048 -max_len=65536 -dict="$dict" \
      -artifact_prefix="$crashes/" -print_final_stats=1 "${parallel[@]}" \
      "$corpus" "${seeds[@]/#/$top/}") >"$log" 2>&1
  rc=$?
  [ "${#parallel[@]}" = 0 ] || cat "$work"/fuzz-[0-9]*.log >>"$log" 2>/dev/null
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" \
    | awk '{ s += $2 } END { print s + 0 }')
  inputs=$(find "$corpus" -type f | wc -l)
  artifact=$(grep -ho 'Test unit written to [^ ]*' "$log" | head -n1 | sed 's/.* to //')
  if [ "$rc" = 0 ] && [ -z "$artifact" ]; then
    tap ok "fuzz $t: ${share}s, $runs runs, corpus of $inputs inputs, nothing found"
  else
    tap not-ok "fuzz $t: exit status $rc after $runs runs"
    {
      [ -z "$artifact" ] || echo "input: $artifact (replay: $work/fuzz-$t $artifact)"
      grep -m1 -A30 -E '^==[0-9]+== ?ERROR|runtime error|^fuzz-oci:' "$log" \
        | grep -v -e 'in fuzzer::' -e '__libc_start' -e 'in _start ' | head -n 30
      echo "full log: $log"
    } | diag
  fi
done
[ "$failed" = 0 ]
