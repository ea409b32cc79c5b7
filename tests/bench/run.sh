#!/bin/bash
# Start-up benchmark: cove against runc and crun on one bundle running /bin/true, plus the
# kernel floor (unshare of the same namespaces); then the latency of `exec` into a running
# container, and a batch of containers created at once (time, and memory held while they wait
# for `start`).  Not a test: it prints numbers and checks targets, and fails only when it
# cannot measure.  See tests/bench/README.md.
#
# Needs root and these Debian packages (apt-get install PACKAGE):
#   runc crun jq busybox-static util-linux gcc libc6-dev    always
#   valgrind                                                 for --callgrind
# Nothing is fetched from the network.

set -euo pipefail

# ---- SWITCH: cgroups -------------------------------------------------------------------------
# cove puts every container into cgroups, so crun uses its cgroupfs manager (like with like; runc
# cannot turn cgroups off).  crun with --cgroup-manager=disabled is measured as well, as the
# subject `crun-nocg`, so the numbers of the earlier comparison stay on a second line.
# BENCH_CGROUPS=0 (or --no-cgroups) goes back to that comparison alone: crun without cgroups.
BENCH_CGROUPS=${BENCH_CGROUPS:-1}
# -----------------------------------------------------------------------------------------------

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_DIR=$(cd "$BENCH_DIR/../.." && pwd)

COUNT=100
COUNT_SET=0
WARMUP=3
RUNTIMES="cove runc crun"
FLOOR=1
PHASES=1
CALLGRIND=0
RAW_OUT=
COVE=
REAP_TIMEOUT=10
EXEC=1          # exec latency
BATCH=1         # containers created at once
BATCH_N=50      # containers per batch
BATCH_ROUNDS=3  # batches per runtime (the report shows the median)

usage ()
{
  cat <<EOF
usage: run.sh [options]
  -n COUNT         containers per subject and per measurement (default 100; 1 with --callgrind)
  --only LIST      runtimes to measure, comma separated, from: cove runc crun (default all);
                   may be repeated
  --no-floor       do not time the kernel floor (unshare --fork --pid --mount --uts --ipc --net)
  --no-phases      time only \`run\`, not the create/start/delete split
  --warmup K       untimed containers per subject before measuring (default 3)
  --cgroups        crun uses its cgroupfs manager; crun-nocg (no cgroups) is measured too (default)
  --no-cgroups     crun runs with --cgroup-manager=disabled only (the comparison before cove
                   applied cgroups)
  --no-exec        do not time \`exec ID /bin/true\` into a running container
  --no-batch       do not time the batch of containers created at once
  --batch N        containers per batch (default 50)
  --batch-rounds R batches per runtime, the median is reported (default 3)
  --cove PATH      the cove binary (default ./cove, else the one in the source tree)
  --raw FILE       keep every sample (one line per step) in FILE
  --callgrind      run one cove create + start + delete under valgrind --tool=callgrind and
                   print the instructions executed per phase (use --only to pick another runtime)
  -h, --help       this text
EOF
}

die ()
{
  echo "bench: $*" >&2
  exit 1
}

while [[ $# -gt 0 ]]; do
  case $1 in
    -n) COUNT=${2:?-n needs a number}; COUNT_SET=1; shift ;;
    --only)
      [[ ${ONLY_SET:-0} == 1 ]] || RUNTIMES=
      ONLY_SET=1
      RUNTIMES="$RUNTIMES ${2//,/ }"
      shift ;;
    --no-floor) FLOOR=0 ;;
    --no-phases) PHASES=0 ;;
    --warmup) WARMUP=${2:?--warmup needs a number}; shift ;;
    --cgroups) BENCH_CGROUPS=1 ;;
    --no-cgroups) BENCH_CGROUPS=0 ;;
    --no-exec) EXEC=0 ;;
    --no-batch) BATCH=0 ;;
    --batch) BATCH_N=${2:?--batch needs a number}; shift ;;
    --batch-rounds) BATCH_ROUNDS=${2:?--batch-rounds needs a number}; shift ;;
    --cove) COVE=${2:?--cove needs a path}; shift ;;
    --raw) RAW_OUT=${2:?--raw needs a file}; shift ;;
    --callgrind) CALLGRIND=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

[[ $COUNT =~ ^[1-9][0-9]*$ ]] || die "-n wants a positive number, not '$COUNT'"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "--warmup wants a number, not '$WARMUP'"
[[ $BATCH_N =~ ^[1-9][0-9]*$ ]] || die "--batch wants a positive number, not '$BATCH_N'"
[[ $BATCH_ROUNDS =~ ^[1-9][0-9]*$ ]] || die "--batch-rounds wants a positive number, not '$BATCH_ROUNDS'"
for r in $RUNTIMES; do
  case $r in cove|runc|crun) ;; *) die "unknown runtime '$r' (cove, runc, crun)" ;; esac
done
if [[ $CALLGRIND == 1 ]]; then
  [[ ${ONLY_SET:-0} == 1 ]] || RUNTIMES=cove
  [[ $COUNT_SET == 1 ]] || COUNT=1
fi
read -r -a words <<<"$RUNTIMES"; RUNTIMES="${words[*]}"   # squeeze blanks

if [[ -z $COVE ]]; then
  if [[ -x ./cove ]]; then COVE=./cove; else COVE=$SRC_DIR/cove; fi
fi
COVE=$(realpath -m -- "$COVE")
[[ -z $RAW_OUT ]] || RAW_OUT=$(realpath -m -- "$RAW_OUT")

# ---- requirements ----------------------------------------------------------------------------
check_requirements ()
{
  local missing='' pair
  local -a needs=(runc:runc crun:crun jq:jq unshare:util-linux prlimit:util-linux cc:gcc)

  [[ $CALLGRIND == 1 ]] && needs+=(valgrind:valgrind)
  for pair in "${needs[@]}"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
  done
  # The rootfs gets only /bin/busybox, so it has to be the static build.
  if ! [[ -x /bin/busybox ]] || LC_ALL=C ldd /bin/busybox >/dev/null 2>&1; then
    missing="$missing busybox-static"
  fi
  if [[ -n $missing ]]; then
    echo "bench: missing packages:$missing" >&2
    echo "bench: install them with: apt-get install$missing" >&2
    exit 1
  fi
  [[ $(id -u) == 0 ]] || die "must run as root (the runtimes create namespaces and mounts)"
}

# ---- the private mount namespace -------------------------------------------------------------
# Everything runs inside one private mount namespace, so that the cgroup workaround below is
# seen by every subject alike and vanishes with the namespace.
if [[ ${COVE_BENCH_IN_NS:-0} != 1 ]]; then
  check_requirements
  export COVE_BENCH_IN_NS=1
  args=(-n "$COUNT" --warmup "$WARMUP" --cove "$COVE")
  for r in $RUNTIMES; do args+=(--only "$r"); done
  [[ -z $RUNTIMES ]] && args+=(--only "")
  [[ $FLOOR == 0 ]] && args+=(--no-floor)
  [[ $PHASES == 0 ]] && args+=(--no-phases)
  if [[ $BENCH_CGROUPS == 1 ]]; then args+=(--cgroups); else args+=(--no-cgroups); fi
  [[ $EXEC == 0 ]] && args+=(--no-exec)
  [[ $BATCH == 0 ]] && args+=(--no-batch)
  args+=(--batch "$BATCH_N" --batch-rounds "$BATCH_ROUNDS")
  [[ $CALLGRIND == 1 ]] && args+=(--callgrind)
  [[ -n $RAW_OUT ]] && args+=(--raw "$RAW_OUT")
  exec unshare --mount --propagation private -- bash "$BENCH_DIR/run.sh" "${args[@]}"
fi

unset COVE_BENCH_IN_NS
T=$(mktemp -d "${TMPDIR:-/tmp}/cove-bench.XXXXXX")
BIND_MOUNTED=
# crun creates /run/crun even when given --root; leave /run as we found it.
CRUN_RUNDIR_EXISTED=0
[[ ! -e /run/crun ]] || CRUN_RUNDIR_EXISTED=1
declare -A LIVE=()    # "runtime id" of containers that may still exist

cleanup ()
{
  local key
  trap - EXIT INT TERM
  for key in "${!LIVE[@]}"; do
    rt_delete_force "${key%% *}" "${key#* }"
  done
  [[ -z $BIND_MOUNTED ]] || umount "$BIND_MOUNTED" 2>/dev/null || true
  if [[ -n ${BENCH_KEEP:-} ]]; then
    echo "bench: BENCH_KEEP is set, so the temp dir stays: $T" >&2
  else
    rm -rf --one-file-system -- "$T"
  fi
  [[ $CRUN_RUNDIR_EXISTED == 1 ]] || rmdir /run/crun 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# crun 1.8 refuses a hybrid cgroup layout (v1 controllers plus an empty v2 tree at
# /sys/fs/cgroup/unified), even with --cgroup-manager=disabled.  With an empty file over the
# v2 cgroup.controllers it takes the layout for plain v1 and runs.  Only bind it when that
# layout is really there; on a pure v1 or v2 host there is nothing to work around.
CGROUP_LAYOUT=unknown
cgroup_workaround ()
{
  local top unified
  top=$(stat -f -c %T /sys/fs/cgroup 2>/dev/null || echo none)
  unified=$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null || echo none)
  if [[ $top == cgroup2fs ]]; then
    CGROUP_LAYOUT="v2 (unified)"
  elif [[ $top == tmpfs && $unified == cgroup2fs ]]; then
    CGROUP_LAYOUT="hybrid (v1 + empty v2 at /sys/fs/cgroup/unified)"
    if [[ -f /sys/fs/cgroup/unified/cgroup.controllers ]]; then
      : >"$T/empty"
      mount --bind "$T/empty" /sys/fs/cgroup/unified/cgroup.controllers
      BIND_MOUNTED=/sys/fs/cgroup/unified/cgroup.controllers
      CGROUP_LAYOUT="$CGROUP_LAYOUT; an empty file is bind-mounted over its cgroup.controllers"
    fi
  elif [[ $top == tmpfs ]]; then
    CGROUP_LAYOUT="v1"
  fi
}

# ---- bundle ----------------------------------------------------------------------------------
# A busybox-static rootfs: the one tests/make-rootfs.sh caches under tests/work/ when it is there,
# else one made by tests/make-rootfs.sh in the temp dir, else a minimal one of our own.  The
# config points at it by absolute path (runc refuses a symlinked rootfs).
make_bundle ()
{
  local rootfs='' d
  for d in tests/work/rootfs "$SRC_DIR/tests/work/rootfs"; do
    if [[ -x $d/bin/busybox && -e $d/bin/true ]]; then
      rootfs=$(realpath "$d")
      ROOTFS_NOTE="busybox-static rootfs from tests/work/rootfs"
      break
    fi
  done
  if [[ -z $rootfs && -x $SRC_DIR/tests/make-rootfs.sh ]] &&
       "$SRC_DIR/tests/make-rootfs.sh" "$T/rootfs" >>"$T/log" 2>&1; then
    rootfs=$T/rootfs
    ROOTFS_NOTE="busybox-static rootfs made by tests/make-rootfs.sh in the temp dir"
  fi
  if [[ -z $rootfs ]]; then
    rootfs=$T/rootfs
    mkdir -p "$rootfs"/{bin,dev,proc,sys,tmp,etc}
    cp /bin/busybox "$rootfs/bin/busybox"
    ln -s busybox "$rootfs/bin/true"
    ln -s busybox "$rootfs/bin/sh"
    ROOTFS_NOTE="minimal busybox-static rootfs made in the temp dir"
  fi

  BUNDLE=$T/bundle
  mkdir -p "$BUNDLE"
  (cd "$BUNDLE" && runc spec)
  jq --arg root "$rootfs" \
     '.root.path = $root | .process.args = ["/bin/true"] | .process.terminal = false' \
     "$BUNDLE/config.json" >"$BUNDLE/config.tmp"
  mv "$BUNDLE/config.tmp" "$BUNDLE/config.json"

  # The smoke test's bundle differs only in what it runs: something whose output proves that
  # the container really ran (a runtime that exits 0 and does nothing would look fast).
  SMOKE_BUNDLE=$T/smoke
  mkdir -p "$SMOKE_BUNDLE"
  jq '.process.args = ["/bin/busybox", "echo", "cove-bench-ok"]' "$BUNDLE/config.json" \
     >"$SMOKE_BUNDLE/config.json"

  # The container `exec` goes into: the same config, its process sleeps.
  EXEC_BUNDLE=$T/sleeper
  mkdir -p "$EXEC_BUNDLE"
  jq '.process.args = ["/bin/busybox", "sleep", "1000000"]' "$BUNDLE/config.json" \
     >"$EXEC_BUNDLE/config.json"
}

# ---- subjects --------------------------------------------------------------------------------
# rt_argv RUNTIME: the runtime's command with its global options, in RT_ARGV.  Every runtime
# gets a private --root under the temp dir, so nothing touches the host's state dirs.
rt_argv ()
{
  case $1 in
    cove) RT_ARGV=("$COVE_RUN" --root "$T/state-cove") ;;
    runc) RT_ARGV=(runc --root "$T/state-runc") ;;
    crun)
      if [[ $BENCH_CGROUPS == 1 ]]; then
        RT_ARGV=(crun --cgroup-manager=cgroupfs --root "$T/state-crun")
      else
        RT_ARGV=(crun --cgroup-manager=disabled --root "$T/state-crun")
      fi ;;
    # The second crun subject (BENCH_CGROUPS=1 only): no cgroups, as before cove had them.
    crun-nocg) RT_ARGV=(crun --cgroup-manager=disabled --root "$T/state-crun-nocg") ;;
  esac
}

rt_delete_force ()
{
  rt_argv "$1"
  "${RT_ARGV[@]}" delete -f "$2" >/dev/null 2>&1 || true
  unset "LIVE[$1 $2]"
}

FLOOR_ARGV=(unshare --fork --pid --mount --uts --ipc --net /bin/true)

# bench IDENT STEPS...: bench-exec with its output in $T/log, samples appended to $T/raw.
bench ()
{
  bench_to "$T/raw" "$@"
}

# bench_to FILE IDENT STEPS...: the same, samples appended to FILE.
bench_to ()
{
  local out=$1 ident=$2
  shift 2
  "$T/bench-exec" -t "$REAP_TIMEOUT" -o "$out" -p "$ident" "$@" >>"$T/log" 2>&1
}

# One `run` of /bin/true.  The @reap step catches anything a runtime left behind (none of them
# should), so its CPU time still counts.
measure_run ()
{
  local rt=$1 iter=$2 id=cb-$1-$2-r
  if [[ $rt == floor ]]; then
    bench "floor $iter" run "${FLOOR_ARGV[@]}" ::: run-orphans @reap || true
    return
  fi
  rt_argv "$rt"
  LIVE["$rt $id"]=1
  if bench "$rt $iter" run "${RT_ARGV[@]}" run -b "$BUNDLE" "$id" ::: run-orphans @reap; then
    unset "LIVE[$rt $id]"
  else
    rt_delete_force "$rt" "$id"
  fi
}

# create, start, wait for the container to exit (the @reap step: its CPU is what the container
# side spent before exec'ing /bin/true, for runtimes whose init outlives `create`), delete.
measure_phases ()
{
  local rt=$1 iter=$2 id=cb-$1-$2-p
  rt_argv "$rt"
  LIVE["$rt $id"]=1
  if bench "$rt $iter" create "${RT_ARGV[@]}" create -b "$BUNDLE" "$id" \
       ::: start "${RT_ARGV[@]}" start "$id" \
       ::: init @reap \
       ::: delete "${RT_ARGV[@]}" delete "$id"; then
    unset "LIVE[$rt $id]"
  else
    rt_delete_force "$rt" "$id"
  fi
}

# A runtime that cannot run a container is left out with a note (cove, while it is young).
# "Can run" means the container's own output came back, not just exit status 0.
SKIPPED=
smoke_test ()
{
  local rt=$1 id=cb-$1-smoke out status=0
  rt_argv "$rt"
  if [[ $rt == cove && ! -x $COVE ]]; then
    SKIPPED="$SKIPPED"$'\n'"  cove skipped: $COVE does not exist (build it with make)"
    return 1
  fi
  LIVE["$rt $id"]=1
  out=$("$T/bench-exec" -t "$REAP_TIMEOUT" -o /dev/null \
          run "${RT_ARGV[@]}" run -b "$SMOKE_BUNDLE" "$id" ::: orphans @reap 2>&1) || status=$?
  if [[ $status == 0 && $out == *cove-bench-ok* ]]; then
    unset "LIVE[$rt $id]"
    return 0
  fi
  rt_delete_force "$rt" "$id"
  out=$(printf '%s\n' "$out" | grep -v '^bench-exec' | grep -v '^[[:space:]]*$' | head -n 3 |
          sed 's/^/    /') || true
  SKIPPED="$SKIPPED"$'\n'"  $rt skipped: \`$rt run\` of a container failed (exit status $status"
  [[ $status != 0 ]] || SKIPPED="$SKIPPED, but the container's output did not come back"
  SKIPPED="$SKIPPED):"$'\n'"${out:-    (no output)}"
  return 1
}

rt_version ()
{
  case $1 in
    cove)
      local v
      v=$("$COVE" --version 2>/dev/null | head -n 1) || true
      echo "${v:-(no version)} at $COVE (run from a copy in the temp dir)" ;;
    runc) runc --version | head -n 1 ;;
    crun) crun --version | head -n 1 ;;
    crun-nocg) echo "the same crun with --cgroup-manager=disabled" ;;
  esac
}

# ---- statistics ------------------------------------------------------------------------------
# Reads $T/raw ("subject iter label wall_us user_us sys_us maxrss_kb status") and writes
# "subject metric n median p10 p90" to $T/stats.  Metrics: run.{wall,cpu,rss}, the phases
# {create,start,init,delete}.{wall,cpu}, cycle.{wall,cpu,rss} (create+start+init+delete CPU,
# create+start+delete wall) and fail.<label> counts.  mawk has no sort, so sort(1) sorts.
summarize ()
{
  awk '
    { key = $1 " " $2
      if ($8 != 0) { fail[$1 " " $3]++; bad[key " " ($3 ~ /^run/ ? "run" : "cycle")] = 1; next }
      subj[key] = $1
      wall[key " " $3] = $4; cpu[key " " $3] = $5 + $6; rss[key " " $3] = $7; has[key " " $3] = 1 }
    function max(a, b) { return a > b ? a : b }
    END {
      for (key in subj) {
        s = subj[key]
        if (has[key " run"] && has[key " run-orphans"] && !bad[key " run"]) {
          print s, "run.wall", wall[key " run"] / 1000
          print s, "run.cpu", (cpu[key " run"] + cpu[key " run-orphans"]) / 1000
          print s, "run.rss", max(rss[key " run"], rss[key " run-orphans"]) / 1024
        }
        if (has[key " create"] && !bad[key " cycle"]) {
          n = split("create start init delete", ph, " ")
          w = 0; c = 0; r = 0
          for (i = 1; i <= n; i++) {
            k = key " " ph[i]
            print s, ph[i] ".wall", wall[k] / 1000
            print s, ph[i] ".cpu", cpu[k] / 1000
            c += cpu[k]; r = max(r, rss[k])
            if (ph[i] != "init") w += wall[k]
          }
          print s, "cycle.wall", w / 1000
          print s, "cycle.cpu", c / 1000
          print s, "cycle.rss", r / 1024
        }
      }
      for (k in fail) { split(k, f, " "); print f[1], "fail." f[2], fail[k] }
    }' "$T/raw" | medians >"$T/stats"
}

# medians: reads "subject metric value" lines, writes "subject metric n median p10 p90" (for
# fail.* metrics: "subject metric n sum sum sum").
medians ()
{
  sort -k1,1 -k2,2 -k3,3g | awk '
    function flush() {
      if (n == 0) return
      if (m ~ /^fail\./) { print s, m, n, sum, sum, sum; n = 0; return }
      med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
      lo = v[int(0.1 * (n - 1)) + 1]; hi = v[n - int(0.1 * (n - 1))]
      print s, m, n, med, lo, hi
      n = 0
    }
    $1 != s || $2 != m { flush(); s = $1; m = $2; sum = 0 }
    { v[++n] = $3; sum += $3 }
    END { flush() }'
}

# getstat SUBJECT METRIC [FIELD]: the median (or n=3, p10=5, p90=6) of a metric, empty if none.
# Reads $STATS (default $T/stats).
has_subject ()
{
  [[ " $SUBJECTS " == *" $1 "* ]]
}

# ratio_lines "LABEL:METRIC:FORMAT"...: for each metric one line with every subject's median and
# cove's ratios to runc, crun and the floor; then, when crun-nocg was measured, a second block
# with crun without cgroups.  Uses $STATS like getstat.
ratio_lines ()
{
  local what label metric unit c cv line
  has_subject cove || return 0
  for what in "$@"; do
    IFS=: read -r label metric unit <<<"$what"
    line="$label"
    cv=$(getstat cove "$metric")
    for c in $SUBJECTS; do
      [[ $c == crun-nocg ]] && continue
      line="$line $c $(fmt "$unit" "$(getstat "$c" "$metric")") "
    done
    for c in runc crun floor; do
      has_subject "$c" || continue
      [[ $c == floor && $metric == *.rss ]] && continue
      line="$line cove/$c $(ratio "$cv" "$(getstat "$c" "$metric")") "
    done
    echo "$line" | sed 's/  */ /g; s/ $//' # squeeze the blanks of empty cells
  done
  has_subject crun-nocg || return 0
  echo "  second line, crun without cgroups (--cgroup-manager=disabled; cove and runc keep theirs):"
  for what in "$@"; do
    IFS=: read -r label metric unit <<<"$what"
    cv=$(getstat cove "$metric")
    echo "  $label crun-nocg $(fmt "$unit" "$(getstat crun-nocg "$metric")") cove/crun-nocg $(ratio "$cv" "$(getstat crun-nocg "$metric")")"
  done
}

getstat ()
{
  awk -v s="$1" -v m="$2" -v f="${3:-4}" '$1 == s && $2 == m { print $f }' "${STATS:-$T/stats}"
}

fmt ()
{
  # shellcheck disable=SC2059 # the format is the caller's
  if [[ -z $2 ]]; then printf '%s' -; else LC_ALL=C printf "$1" "$2"; fi
}

ratio ()
{
  if [[ -z $1 || -z $2 ]]; then printf '%s' -; else awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; fi
}

# target LABEL VALUE LIMIT_FACTOR REFERENCE: "met" when VALUE <= FACTOR * REFERENCE.
target ()
{
  local label=$1 v=$2 factor=$3 ref=$4 unit=$5
  if [[ -z $v || -z $ref ]]; then
    printf '  %-44s n/a (no data)\n' "$label"
    return
  fi
  awk -v l="$label" -v v="$v" -v f="$factor" -v r="$ref" -v u="$unit" 'BEGIN {
    lim = f * r
    printf "  %-44s %s: cove %.2f %s, limit %.2f %s\n", l, (v <= lim) ? "met" : "NOT met", v, u, lim, u }'
}

report ()
{
  local cols=() c m row
  for c in $SUBJECTS; do cols+=("$c"); done

  echo
  printf '%-34s' "median per container (n=$COUNT)"
  for c in "${cols[@]}"; do printf '%12s' "$c"; done
  echo
  local -a rows=(
    "run: wall ms|run.wall|%.2f"
    "run: cpu ms (user+sys, all procs)|run.cpu|%.2f"
    "run: peak RSS MiB (largest proc)|run.rss|%.1f"
  )
  if [[ $PHASES == 1 ]]; then
    rows+=(
      "create: wall ms|create.wall|%.2f"
      "create: cpu ms|create.cpu|%.2f"
      "start: wall ms|start.wall|%.2f"
      "start: cpu ms|start.cpu|%.2f"
      "init: cpu ms (container side)|init.cpu|%.2f"
      "delete: wall ms|delete.wall|%.2f"
      "delete: cpu ms|delete.cpu|%.2f"
      "create+start+delete: wall ms|cycle.wall|%.2f"
      "create..delete: cpu ms|cycle.cpu|%.2f"
      "create..delete: peak RSS MiB|cycle.rss|%.1f"
    )
  fi
  for row in "${rows[@]}"; do
    IFS='|' read -r label m f <<<"$row"
    printf '%-34s' "$label"
    for c in "${cols[@]}"; do
      if [[ $c == floor && $m != run.* ]]; then printf '%12s' ""; continue; fi
      printf '%12s' "$(fmt "$f" "$(getstat "$c" "$m")")"
    done
    echo
  done
  printf '%-34s' "run: cpu ms p10..p90"
  for c in "${cols[@]}"; do
    local lo hi
    lo=$(getstat "$c" run.cpu 5); hi=$(getstat "$c" run.cpu 6)
    if [[ -n $lo ]]; then printf '%12s' "$(LC_ALL=C printf '%.1f..%.1f' "$lo" "$hi")"; else printf '%12s' -; fi
  done
  echo
  local fails
  fails=$(awk '$2 ~ /^fail\./ { printf "%s%s %s %d", sep, $1, substr($2, 6), $3; sep = ", " }' "$T/stats")
  [[ -z $fails ]] || echo "failed steps (left out of the medians): $fails"

  echo
  ratio_lines "wall/container (median ms):run.wall:%.1f" "cpu/container (median ms):run.cpu:%.1f" \
              "peak RSS (median MiB):run.rss:%.1f"

  echo
  echo "targets (reported, not enforced):"
  target "cpu/container <= 0.7 x crun's" "$(getstat cove run.cpu)" 0.7 "$(getstat crun run.cpu)" ms
  target "cpu/container <= 2.5 x the kernel floor" "$(getstat cove run.cpu)" 2.5 "$(getstat floor run.cpu)" ms
  target "peak RSS <= crun's" "$(getstat cove run.rss)" 1 "$(getstat crun run.rss)" MiB
  if has_subject crun-nocg; then
    target "cpu/container <= 0.7 x crun-nocg's" "$(getstat cove run.cpu)" 0.7 \
      "$(getstat crun-nocg run.cpu)" ms
  fi

  echo
  echo "notes:"
  echo "  cgroups: runc always creates cgroups (it has no way to turn them off);"
  if [[ $BENCH_CGROUPS == 1 ]]; then
    echo "           crun uses --cgroup-manager=cgroupfs, as cove puts containers into cgroups;"
    echo "           crun-nocg is the same crun with --cgroup-manager=disabled (the second lines)."
  else
    echo "           crun runs with --cgroup-manager=disabled (--no-cgroups), while cove applies"
    echo "           its cgroups: cove pays for work crun skips."
  fi
  echo "  cgroup layout: $CGROUP_LAYOUT"
  echo "  all subjects run in one private mount namespace; each runtime has its own --root."
  echo "  floor: ${FLOOR_ARGV[*]} (host's /bin/true), timed the same way."
  [[ -z $SKIPPED ]] || echo "$SKIPPED"
}

# ---- exec latency ----------------------------------------------------------------------------
# One sleeping container per runtime (EXEC_BUNDLE), then `exec ID /bin/true` COUNT times per
# runtime, interleaved like the rest.  Every runtime waits for the exec'd process and reaps it,
# so wait4's CPU time covers the runtime, its helpers and /bin/true; the @reap step catches
# anything left behind (nothing should be).  A runtime whose exec does not bring back what the
# container printed is left out with a note.
EXEC_SUBJECTS=
start_sleepers ()
{
  local rt id out
  for rt in $SUBJECTS; do
    [[ $rt == floor ]] && continue
    id=cb-$rt-sleeper
    rt_argv "$rt"
    LIVE["$rt $id"]=1
    out=
    if "${RT_ARGV[@]}" run -d -b "$EXEC_BUNDLE" "$id" </dev/null >>"$T/log" 2>&1; then
      out=$("${RT_ARGV[@]}" exec "$id" /bin/busybox echo cove-bench-ok </dev/null 2>>"$T/log") ||
        true
    fi
    if [[ $out == cove-bench-ok ]]; then
      EXEC_SUBJECTS="$EXEC_SUBJECTS $rt"
    else
      SKIPPED="$SKIPPED"$'\n'"  $rt left out of the exec latency: \`$rt exec\` into a running container failed"
      rt_delete_force "$rt" "$id"
    fi
  done
  read -r -a words <<<"$EXEC_SUBJECTS"; EXEC_SUBJECTS="${words[*]}"
}

stop_sleepers ()
{
  local rt
  for rt in $EXEC_SUBJECTS; do rt_delete_force "$rt" "cb-$rt-sleeper"; done
}

measure_exec ()
{
  local rt=$1 iter=$2
  rt_argv "$rt"
  bench_to "$T/raw-exec" "$rt $iter" exec "${RT_ARGV[@]}" exec "cb-$rt-sleeper" /bin/true \
    ::: exec-orphans @reap || true
}

run_exec_phase ()
{
  local i s
  start_sleepers
  [[ -n $EXEC_SUBJECTS ]] || return 0
  echo "  exec latency: $EXEC_SUBJECTS; $COUNT execs each, $WARMUP warm-up" >&2
  for ((i = 1; i <= WARMUP; i++)); do
    for s in $EXEC_SUBJECTS; do measure_exec "$s" "w$i"; done
  done
  : >"$T/raw-exec"
  for ((i = 1; i <= COUNT; i++)); do
    for s in $EXEC_SUBJECTS; do measure_exec "$s" "$i"; done
  done
  stop_sleepers
  # exec.{wall,cpu,rss}: wall of exec; CPU of exec plus anything reaped after it.
  awk '
    { key = $1 " " $2 }
    $8 != 0 { fail[$1 " " $3]++; bad[key] = 1; next }
    { wall[key " " $3] = $4; cpu[key " " $3] = $5 + $6; rss[key " " $3] = $7; subj[key] = $1 }
    END {
      for (key in subj) {
        if (bad[key]) continue
        print subj[key], "exec.wall", wall[key " exec"] / 1000
        print subj[key], "exec.cpu", (cpu[key " exec"] + cpu[key " exec-orphans"]) / 1000
        r = rss[key " exec"]; if (rss[key " exec-orphans"] > r) r = rss[key " exec-orphans"]
        print subj[key], "exec.rss", r / 1024
      }
      for (k in fail) { split(k, f, " "); print f[1], "fail." f[2], fail[k] }
    }' "$T/raw-exec" | medians >"$T/stats-exec"
}

# print_fails STATS-FILE PREFIX: the fail.* counts of a stats file on one line, if any.
print_fails ()
{
  local fails
  fails=$(awk '$2 ~ /^fail\./ { printf "%s%s %s %d", sep, $1, substr($2, 6), $3; sep = ", " }' "$1")
  [[ -z $fails ]] || echo "$2: $fails"
}

report_exec ()
{
  local c row label m f lo hi
  [[ -s $T/stats-exec ]] || return 0
  local STATS=$T/stats-exec SUBJECTS=$EXEC_SUBJECTS
  echo
  printf '%-34s' "exec /bin/true, median (n=$COUNT)"
  for c in $SUBJECTS; do printf '%12s' "$c"; done
  echo
  for row in "exec: wall ms|exec.wall|%.2f" "exec: cpu ms (user+sys, all procs)|exec.cpu|%.2f" \
             "exec: peak RSS MiB (largest proc)|exec.rss|%.1f"; do
    IFS='|' read -r label m f <<<"$row"
    printf '%-34s' "$label"
    for c in $SUBJECTS; do printf '%12s' "$(fmt "$f" "$(getstat "$c" "$m")")"; done
    echo
  done
  printf '%-34s' "exec: cpu ms p10..p90"
  for c in $SUBJECTS; do
    lo=$(getstat "$c" exec.cpu 5); hi=$(getstat "$c" exec.cpu 6)
    if [[ -n $lo ]]; then printf '%12s' "$(LC_ALL=C printf '%.1f..%.1f' "$lo" "$hi")"; else printf '%12s' -; fi
  done
  echo
  print_fails "$STATS" "failed steps (left out of the medians)"
  echo
  ratio_lines "exec wall (median ms):exec.wall:%.1f" "exec cpu (median ms):exec.cpu:%.1f"
}

# ---- containers created at once --------------------------------------------------------------
# BATCH_N containers are created in a row; then the processes `create` left behind (one per
# container, blocked until `start`) are measured; then all are started, waited for and deleted.
# One bench-exec runs the whole batch, so those processes are its children (it is a subreaper)
# and the measuring step finds them as the other children of its parent.  Rounds are
# interleaved across runtimes; the report shows the median round.

# The measuring step: "COUNT RSS_KB PSS_KB" of the other children of our parent, into $1.
write_held_script ()
{
  cat >"$T/held.sh" <<'END_OF_SCRIPT'
#!/bin/bash
n=0 rss=0 pss=0
for pid in $(cat /proc/"$PPID"/task/*/children); do
  [[ $pid == "$$" ]] && continue
  r=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
  p=$(awk '$1 == "Pss:" { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null) || p=0
  n=$((n + 1)) rss=$((rss + ${r:-0})) pss=$((pss + ${p:-0}))
done
echo "$n $rss $pss" >"$1"
END_OF_SCRIPT
  chmod +x "$T/held.sh"
}

measure_batch ()
{
  local rt=$1 round=$2 k id
  local -a steps=() ids=()
  rt_argv "$rt"
  for ((k = 1; k <= BATCH_N; k++)); do
    id=cb-$rt-b$round-$k
    ids+=("$id")
    LIVE["$rt $id"]=1
    steps+=("create-$k" "${RT_ARGV[@]}" create -b "$BUNDLE" "$id" :::)
  done
  steps+=(held "$T/held.sh" "$T/held-$rt-$round" :::)
  for ((k = 1; k <= BATCH_N; k++)); do
    steps+=("start-$k" "${RT_ARGV[@]}" start "${ids[k - 1]}" :::)
  done
  steps+=(init @reap)
  for ((k = 1; k <= BATCH_N; k++)); do
    steps+=(::: "delete-$k" "${RT_ARGV[@]}" delete "${ids[k - 1]}")
  done
  if bench_to "$T/raw-batch" "$rt $round" "${steps[@]}"; then
    for id in "${ids[@]}"; do unset "LIVE[$rt $id]"; done
  else
    for id in "${ids[@]}"; do rt_delete_force "$rt" "$id"; done
  fi
}

BATCH_SUBJECTS=
run_batch_phase ()
{
  local r s f base
  for s in $SUBJECTS; do [[ $s == floor ]] || BATCH_SUBJECTS="$BATCH_SUBJECTS $s"; done
  read -r -a words <<<"$BATCH_SUBJECTS"; BATCH_SUBJECTS="${words[*]}"
  [[ -n $BATCH_SUBJECTS ]] || return 0
  write_held_script
  echo "  batch: $BATCH_SUBJECTS; $BATCH_N containers per batch, $BATCH_ROUNDS rounds" >&2
  : >"$T/raw-batch"
  for ((r = 1; r <= BATCH_ROUNDS; r++)); do
    for s in $BATCH_SUBJECTS; do measure_batch "$s" "$r"; done
  done
  # Per round: totals of the create, start (+ init: the containers' own setup until they exec)
  # and delete steps, and what was held per container.  A round with a failed step is left out.
  {
    for f in "$T"/held-*; do
      [[ -e $f ]] || continue
      base=${f##*/held-}
      echo "HELD ${base%-*} ${base##*-} $(cat "$f")"
    done
    cat "$T/raw-batch"
  } | awk -v n="$BATCH_N" '
    $1 == "HELD" { key = $2 " " $3; hn[key] = $4; hrss[key] = $5; hpss[key] = $6; next }
    { key = $1 " " $2; subj[key] = $1; ph = $3; sub(/-[0-9]+$/, "", ph)
      if ($8 != 0) { fail[$1 " " ph]++; bad[key] = 1; next }
      wall[key " " ph] += $4; cpu[key " " ph] += $5 + $6 }
    END {
      for (key in subj) {
        if (bad[key]) continue
        s = subj[key]
        print s, "batch.create.wall", wall[key " create"] / 1000
        print s, "batch.create.cpu", cpu[key " create"] / 1000
        print s, "batch.start.wall", wall[key " start"] / 1000
        print s, "batch.start.cpu", (cpu[key " start"] + cpu[key " init"]) / 1000
        print s, "batch.delete.wall", wall[key " delete"] / 1000
        if (hn[key] == n) {
          print s, "batch.held.rss", hrss[key] / n / 1024
          print s, "batch.held.pss", hpss[key] / n / 1024
        } else
          print s, "batch.held.miscount", hn[key] + 0
      }
      for (k in fail) { split(k, f, " "); print f[1], "fail." f[2], fail[k] }
    }' | medians >"$T/stats-batch"
}

report_batch ()
{
  local c row label m f miscount
  [[ -s $T/stats-batch ]] || return 0
  local STATS=$T/stats-batch SUBJECTS=$BATCH_SUBJECTS
  echo
  printf '%-40s' "$BATCH_N at once, median of $BATCH_ROUNDS rounds"
  for c in $SUBJECTS; do printf '%11s' "$c"; done
  echo
  for row in "create x$BATCH_N in a row: wall ms|batch.create.wall|%.0f" \
             "create x$BATCH_N: cpu ms|batch.create.cpu|%.0f" \
             "start x$BATCH_N: wall ms|batch.start.wall|%.0f" \
             "start x$BATCH_N: cpu ms (+ containers')|batch.start.cpu|%.0f" \
             "delete x$BATCH_N: wall ms|batch.delete.wall|%.0f" \
             "held per created container: RSS MiB|batch.held.rss|%.2f" \
             "held per created container: PSS MiB|batch.held.pss|%.2f"; do
    IFS='|' read -r label m f <<<"$row"
    printf '%-40s' "$label"
    for c in $SUBJECTS; do printf '%11s' "$(fmt "$f" "$(getstat "$c" "$m")")"; done
    echo
  done
  print_fails "$STATS" "failed steps (their rounds are left out)"
  miscount=$(awk '$2 == "batch.held.miscount" { printf "%s%s %d", sep, $1, $4; sep = ", " }' "$STATS")
  [[ -z $miscount ]] ||
    echo "rounds where create did not leave $BATCH_N processes (median count): $miscount"
  echo
  ratio_lines "create x$BATCH_N (median ms):batch.create.wall:%.0f" \
              "start x$BATCH_N (median ms):batch.start.wall:%.0f" \
              "held per created container, RSS (MiB):batch.held.rss:%.2f"
  echo "  held: VmRSS (and Pss) of the processes \`create\` left behind, summed, / $BATCH_N."
  echo "  RSS counts shared pages (the runtime's binary, libc) in every process; PSS shares them out."
}

# ---- callgrind -------------------------------------------------------------------------------
# One create + start + delete with each runtime command under callgrind.  Instruction counts are
# the "summary:" of every process valgrind followed (the runtime and any forks of it up to their
# exec), so they repeat run to run and show before/after changes of the start path.
callgrind_once ()
{
  local rt=$1 k=$2 id=cb-$1-cg-$2 dir=$T/cg/$1-$2 ph
  local -a steps=()
  mkdir -p "$dir"
  rt_argv "$rt"
  for ph in create start delete; do
    local -a cmd
    case $ph in
      create) cmd=(create -b "$BUNDLE" "$id") ;;
      *) cmd=("$ph" "$id") ;;
    esac
    [[ $ph == delete ]] && steps+=(init @reap :::)
    steps+=("$ph" valgrind --tool=callgrind --trace-children=no --log-file="$dir/$ph.log"
            --callgrind-out-file="$dir/$ph.out.%p" "${RT_ARGV[@]}" "${cmd[@]}")
    [[ $ph == delete ]] || steps+=(:::)
  done
  # valgrind keeps the top file descriptors for itself and refuses any setrlimit (NOFILE) whose
  # hard limit differs from the one it shows the program, which is our soft limit.  Make that
  # the config's hard limit, so that applying process.rlimits works as it does natively.
  local nofile
  nofile=$(jq '[.process.rlimits[]? | select(.type == "RLIMIT_NOFILE") | .hard][0] // 1024' \
             "$BUNDLE/config.json")
  LIVE["$rt $id"]=1
  if prlimit --nofile="$nofile:$((nofile + 64))" \
       "$T/bench-exec" -t 60 -o "$T/cg-raw" -p "$rt $k" "${steps[@]}" >"$dir/output" 2>&1; then
    unset "LIVE[$rt $id]"
  else
    rt_delete_force "$rt" "$id"
  fi

  local total nproc line="$rt #$k  Ir:"
  for ph in create start delete; do
    total=$(cat "$dir/$ph".out.* 2>/dev/null | awk '/^summary:/ { s += $2 } END { printf "%d", s }') || true
    nproc=$(find "$dir" -name "$ph.out.*" | wc -l)
    line="$line  $ph $total"
    [[ $nproc -le 1 ]] || line="$line ($nproc procs)"
  done
  echo "$line"
  # A failed phase makes its count meaningless: say so, with what the runtime and valgrind said.
  for ph in create start delete; do
    local st
    st=$(awk -v rt="$rt" -v k="$k" -v ph="$ph" '$1 == rt && $2 == k && $3 == ph { print $NF }' "$T/cg-raw")
    [[ $st != 0 ]] || continue
    CG_FAILED=1
    echo "  $ph FAILED (exit status ${st:-?}); its count is not comparable"
    grep -i -m 3 'unhandled\|unsupported\|unrecognised\|fatal' "$dir/$ph.log" 2>/dev/null |
      sed 's/^/    valgrind: /' || true
  done
  if awk -v rt="$rt" -v k="$k" '$1 == rt && $2 == k && $NF != 0 { bad = 1 } END { exit !bad }' \
       "$T/cg-raw"; then
    grep -v '^[[:space:]]*$' "$dir/output" | head -n 5 | sed 's/^/    output: /' || true
  fi
}

CG_FAILED=0
run_callgrind ()
{
  local rt k
  : >"$T/cg-raw"
  echo "callgrind: instructions executed (Ir) per phase, summed over the runtime's processes"
  echo "(container-side code after exec is not counted; only the runtime's own work)"
  for rt in $SUBJECTS; do
    [[ $rt == floor ]] && continue
    case $rt in
      runc|crun) echo "note: $rt re-executes itself and may not run under valgrind" ;;
    esac
    for ((k = 1; k <= COUNT; k++)); do callgrind_once "$rt" "$k"; done
  done
}

# ---- main ------------------------------------------------------------------------------------
cgroup_workaround
# cove runs from a copy: a rebuild of the tree during the run (make relinks ./cove in place)
# would otherwise make some spawns fail with EACCES or ETXTBSY.
COVE_RUN=$COVE
if [[ -x $COVE ]]; then
  mkdir -p "$T/bin"
  cp "$COVE" "$T/bin/cove"
  COVE_RUN=$T/bin/cove
fi
cc -O2 -Wall -o "$T/bench-exec" "$BENCH_DIR/bench-exec.c" ||
  die "cannot build the helper tests/bench/bench-exec.c (apt-get install gcc libc6-dev)"
make_bundle
mkdir -p "$T"/state-{cove,runc,crun,crun-nocg}
: >"$T/raw"

SUBJECTS=
for rt in $RUNTIMES; do
  if smoke_test "$rt"; then SUBJECTS="$SUBJECTS $rt"; fi
  # With cgroups compared, crun without them stays as a second line.
  if [[ $rt == crun && $BENCH_CGROUPS == 1 && $CALLGRIND == 0 ]] && smoke_test crun-nocg; then
    SUBJECTS="$SUBJECTS crun-nocg"
  fi
done
[[ $FLOOR == 1 && $CALLGRIND == 0 ]] && SUBJECTS="$SUBJECTS floor"
read -r -a words <<<"$SUBJECTS"; SUBJECTS="${words[*]}"

echo "cove start-up benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -sr), $(nproc) CPUs"
echo "  $(grep -m 1 'model name' /proc/cpuinfo | sed 's/.*: //' || true)"
for rt in $RUNTIMES; do echo "  $rt: $(rt_version "$rt")"; done
echo "  bundle: $ROOTFS_NOTE; config from \`runc spec\`, args [/bin/true], terminal false"

if [[ $CALLGRIND == 1 ]]; then
  [[ -z $SKIPPED ]] || echo "$SKIPPED"
  [[ -n $SUBJECTS ]] || die "no runtime left to measure"
  run_callgrind
  exit "$CG_FAILED"
fi

[[ -n $SUBJECTS ]] || { echo "$SKIPPED"; die "no subject left to measure"; }
echo "  subjects, interleaved: $SUBJECTS; $COUNT containers each per measurement, $WARMUP warm-up"

for ((i = 1; i <= WARMUP; i++)); do
  for s in $SUBJECTS; do
    measure_run "$s" "w$i"
    [[ $PHASES == 0 || $s == floor ]] || measure_phases "$s" "w$i"
  done
done
: >"$T/raw"

for ((i = 1; i <= COUNT; i++)); do
  for s in $SUBJECTS; do measure_run "$s" "$i"; done
  if [[ $PHASES == 1 ]]; then
    for s in $SUBJECTS; do [[ $s == floor ]] || measure_phases "$s" "$i"; done
  fi
  if [[ -t 2 ]]; then
    printf '\r  %d/%d' "$i" "$COUNT" >&2
  elif ((i % 20 == 0 || i == COUNT)); then
    echo "  $i/$COUNT" >&2
  fi
done
[[ -t 2 ]] && echo >&2

[[ $EXEC == 0 ]] || run_exec_phase
[[ $BATCH == 0 ]] || run_batch_phase

if [[ -n $RAW_OUT ]]; then
  cat "$T/raw" >"$RAW_OUT"
  for f in "$T/raw-exec" "$T/raw-batch"; do [[ ! -e $f ]] || cat "$f" >>"$RAW_OUT"; done
fi
summarize
report
report_exec
report_batch
