#!/bin/bash
# Port-proxy benchmark: cove-shim's -p against docker-proxy and socat, and against no proxy at
# all (client and server on the container's loopback).  iperf3 throughput with 1 and 4
# streams, new connections per second with 1 and 16 clients (against a cheap single-threaded
# server, and against busybox httpd), the proxy's CPU time per GB relayed and per connection,
# and its RSS idle and at peak; --base-shim adds a second cove-shim build (before/after a change,
# same run).  Not a test: it prints numbers, ratios and the targets of issue 5, and fails only
# when it cannot measure.  See "Port proxy" in tests/bench/README.md.
#
# Needs root and these Debian packages (apt-get install PACKAGE):
#   iperf3 jq gcc libc6-dev util-linux busybox-static    always
#   docker.io (for /usr/sbin/docker-proxy), socat         for those subjects (else skipped)
# Traffic stays on loopback addresses of this machine.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_DIR=$(cd "$BENCH_DIR/../.." && pwd)

SECS=3
ROUNDS=3
SUBJECTS="direct cove-shim docker-proxy socat"
COVE=
SHIM=
BASE_SHIM=
DOCKER_PROXY=${DOCKER_PROXY:-/usr/sbin/docker-proxy}

usage ()
{
  cat <<EOF
usage: proxy.sh [options]
  -t SECONDS     length of each measurement (default $SECS)
  -r ROUNDS      rounds; each figure is the median (default $ROUNDS)
  --only LIST    subjects, comma separated, from: direct cove-shim docker-proxy socat
  --cove PATH    the cove binary (default ./cove, else the source tree's)
  --shim PATH    the cove-shim binary (default beside cove)
  --base-shim PATH  also measure this other cove-shim binary (subject cove-shim-base, its
                 own container), e.g. a build from before a change, in the same rounds
  -h, --help     this text
EOF
}

die ()
{
  echo "bench-proxy: $*" >&2
  exit 1
}

while [[ $# -gt 0 ]]; do
  case $1 in
    -t) SECS=${2:?-t needs seconds}; shift ;;
    -r) ROUNDS=${2:?-r needs a count}; shift ;;
    --only) SUBJECTS=${2//,/ }; shift ;;
    --cove) COVE=$2; shift ;;
    --shim) SHIM=$2; shift ;;
    --base-shim) BASE_SHIM=$(realpath -m -- "$2"); shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done
[[ $SECS =~ ^[1-9][0-9]*$ ]] || die "-t wants whole seconds, not '$SECS'"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "-r wants a positive number, not '$ROUNDS'"
for s in $SUBJECTS; do
  case $s in direct | cove-shim | cove-shim-base | docker-proxy | socat) ;; *) die "unknown subject '$s'" ;; esac
done
if [[ -n $BASE_SHIM && " $SUBJECTS " != *" cove-shim-base "* ]]; then
  [[ -x $BASE_SHIM ]] || die "$BASE_SHIM is not executable"
  # Right after cove-shim, so the two are measured back to back.
  if [[ " $SUBJECTS " == *" cove-shim "* ]]; then
    SUBJECTS=${SUBJECTS/cove-shim/cove-shim cove-shim-base}
  else
    SUBJECTS="$SUBJECTS cove-shim-base"
  fi
fi

if [[ -z $COVE ]]; then
  if [[ -x ./cove ]]; then COVE=./cove; else COVE=$SRC_DIR/cove; fi
fi
COVE=$(realpath -m -- "$COVE")
SHIM=$(realpath -m -- "${SHIM:-$(dirname "$COVE")/cove-shim}")

# ---- requirements ----------------------------------------------------------------------------
missing=''
for pair in iperf3:iperf3 jq:jq cc:gcc nsenter:util-linux unshare:util-linux ip:iproute2; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
done
if ! [[ -x /bin/busybox ]] || LC_ALL=C ldd /bin/busybox >/dev/null 2>&1; then
  missing="$missing busybox-static"
fi
[[ -z $missing ]] || die "missing packages:$missing (apt-get install$missing)"
[[ $(id -u) == 0 ]] || die "must run as root (containers, nsenter)"
[[ -x $COVE ]] || die "$COVE is not built (make)"
[[ -x $SHIM ]] || die "$SHIM is not built (make)"
NOTES=()
if [[ " $SUBJECTS " == *" docker-proxy "* ]] && ! [[ -x $DOCKER_PROXY ]]; then
  NOTES+=("docker-proxy skipped: $DOCKER_PROXY not found (apt-get install docker.io)")
  SUBJECTS=${SUBJECTS/docker-proxy/}
fi
if [[ " $SUBJECTS " == *" socat "* ]] && ! command -v socat >/dev/null; then
  NOTES+=("socat skipped: not installed (apt-get install socat)")
  SUBJECTS=${SUBJECTS/socat/}
fi
read -r -a SUBJ <<<"$SUBJECTS"

# The whole benchmark runs in a network namespace of its own, which stands for the host: its
# loopback has no netfilter hooks (a host with NAT tables, as Docker leaves them, would make
# every connection through the host's loopback pay for conntrack, and only cove-shim's client
# uses it), and nothing else on the machine can take or see its ports.
if [[ ${COVE_BENCH_PROXY_IN_NS:-0} != 1 ]]; then
  export COVE_BENCH_PROXY_IN_NS=1
  # shellcheck disable=SC2016 # expanded by the inner bash
  exec unshare --net -- bash -c 'ip link set lo up && exec bash "$0" "$@"' "$BENCH_DIR/proxy.sh" \
    -t "$SECS" -r "$ROUNDS" --only "${SUBJECTS// /,}" --cove "$COVE" --shim "$SHIM" \
    ${BASE_SHIM:+--base-shim "$BASE_SHIM"}
fi
unset COVE_BENCH_PROXY_IN_NS

T=$(mktemp -d "${TMPDIR:-/tmp}/cove-bench-proxy.XXXXXX")
ID=bench-proxy-$$
PIDS=()        # servers and proxies we started, killed by pid at the end
SHIM_PID=
BASE_PID=

cleanup ()
{
  local pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  if [[ -n $SHIM_PID ]] && kill -0 "$SHIM_PID" 2>/dev/null; then
    "$SHIM" --root "$T/state" ctl "$ID" stop >/dev/null 2>&1 || kill "$SHIM_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SHIM_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  if [[ -n $BASE_PID ]] && kill -0 "$BASE_PID" 2>/dev/null; then
    "$BASE_SHIM" --root "$T/state" ctl "$ID-base" stop >/dev/null 2>&1 || kill "$BASE_PID" 2>/dev/null \
      || true
    for _ in $(seq 50); do kill -0 "$BASE_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  "$COVE" --root "$T/state" delete -f "$ID" >/dev/null 2>&1 || true
  "$COVE" --root "$T/state" delete -f "$ID-base" >/dev/null 2>&1 || true
  if [[ -n ${BENCH_KEEP:-} ]]; then
    echo "bench-proxy: BENCH_KEEP is set, so the temp dir stays: $T" >&2
  else
    rm -rf --one-file-system -- "$T"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the container ---------------------------------------------------------------------------
# A busybox-static rootfs whose init is busybox httpd; the other servers (iperf3, the cheap
# HTTP responder) are host binaries run in the container's network namespace with nsenter.
cc -O2 -Wall -o "$T/connrate" "$BENCH_DIR/connrate.c" || die "cannot compile connrate.c"
mkdir -p "$T/bundle" "$T/state"
if [[ -x $SRC_DIR/tests/work/rootfs/bin/busybox ]]; then
  cp -a "$SRC_DIR/tests/work/rootfs" "$T/bundle/rootfs"
else
  mkdir -p "$T/bundle/rootfs"/{bin,dev,proc,sys,tmp,etc}
  cp /bin/busybox "$T/bundle/rootfs/bin/busybox"
  ln -s busybox "$T/bundle/rootfs/bin/sh"
fi
mkdir -p "$T/bundle/rootfs/www"
echo hello >"$T/bundle/rootfs/www/index.html"
(cd "$T/bundle" && "$COVE" spec) || die "cove spec failed"
jq '.process.args = ["/bin/busybox", "httpd", "-f", "-p", "80", "-h", "/www"] | .process.terminal = false
    | .root.readonly = false' "$T/bundle/config.json" >"$T/config.json"
mv "$T/config.json" "$T/bundle/config.json"

# Host ports chosen by the kernel, read back from the status file.
start_shim ()
{
  local shim=$1 id=$2 status=$T/$2.status
  "$shim" --cove "$COVE" --root "$T/state" --status-file "$status" --stop-timeout 2 \
    -p 127.0.0.1::5201 -p 127.0.0.1::8080 -p 127.0.0.1::80 "$id" "$T/bundle" \
    2>"$T/$id.err" || die "cove-shim failed: $(cat "$T/$id.err")"
}
start_shim "$SHIM" "$ID"
SHIM_PID=$(jq -r .shim_pid "$T/$ID.status")
CT_PID=$(jq -r .container_pid "$T/$ID.status")
SHIM_IPERF=$(jq -r '.ports[0].host_port' "$T/$ID.status")
SHIM_FAST=$(jq -r '.ports[1].host_port' "$T/$ID.status")
SHIM_HTTPD=$(jq -r '.ports[2].host_port' "$T/$ID.status")
NS=(nsenter -n -t "$CT_PID")
if [[ -n $BASE_SHIM ]]; then
  # The other binary gets a container of its own (a shim supervises one), with the same
  # servers in its network namespace.
  start_shim "$BASE_SHIM" "$ID-base"
  BASE_PID=$(jq -r .shim_pid "$T/$ID-base.status")
  BASE_NS=(nsenter -n -t "$(jq -r .container_pid "$T/$ID-base.status")")
  BASE_IPERF=$(jq -r '.ports[0].host_port' "$T/$ID-base.status")
  BASE_FAST=$(jq -r '.ports[1].host_port' "$T/$ID-base.status")
  BASE_HTTPD=$(jq -r '.ports[2].host_port' "$T/$ID-base.status")
fi

# Idle: before any connection went through.
rss_kb () { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hwm_kb () { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
# PID_OF: the process relaying iperf3 (CPU per GB, RSS); FAST_PID_OF: the one relaying to the
# fast server (CPU per connection).  One process for cove-shim, one per port for the others.
declare -A RSS_IDLE=() RSS_PEAK=() PID_OF=() FAST_PID_OF=()
PID_OF[cove-shim]=$SHIM_PID
FAST_PID_OF[cove-shim]=$SHIM_PID
RSS_IDLE[cove-shim]=$(rss_kb "$SHIM_PID")
if [[ -n $BASE_PID ]]; then
  PID_OF[cove-shim-base]=$BASE_PID
  FAST_PID_OF[cove-shim-base]=$BASE_PID
  RSS_IDLE[cove-shim-base]=$(rss_kb "$BASE_PID")
  "${BASE_NS[@]}" iperf3 -s -p 5201 >/dev/null 2>&1 &
  PIDS+=($!)
  "${BASE_NS[@]}" "$T/connrate" serve 8080 >"$T/fast-base.out" 2>&1 &
  PIDS+=($!)
fi

"${NS[@]}" iperf3 -s -p 5201 >/dev/null 2>&1 &
PIDS+=($!)
"${NS[@]}" "$T/connrate" serve 8080 >"$T/fast.out" 2>&1 &
PIDS+=($!)

# docker-proxy and socat run inside the container's namespace too, forwarding a port of its
# loopback to the server's: the same two loopback hops as cove-shim's, without a bridge.
# docker-proxy reports on fd 3 ("0" = listening), as dockerd expects.  Each sets LAST_PID.
start_docker_proxy ()
{
  local from=$1 to=$2
  "${NS[@]}" "$DOCKER_PROXY" -proto tcp -host-ip 127.0.0.1 -host-port "$from" \
    -container-ip 127.0.0.1 -container-port "$to" 3>"$T/dp-$from.ready" >/dev/null \
    2>>"$T/dp.log" &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
  for _ in $(seq 50); do [[ -s $T/dp-$from.ready ]] && break; sleep 0.1; done
  [[ $(head -c1 "$T/dp-$from.ready") == 0 ]] || die "docker-proxy on $from: $(cat "$T/dp-$from.ready")"
}
start_socat ()
{
  "${NS[@]}" socat "TCP-LISTEN:$1,bind=127.0.0.1,fork,reuseaddr" "TCP:127.0.0.1:$2" \
    >/dev/null 2>>"$T/socat.log" &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}
for s in "${SUBJ[@]}"; do
  case $s in
    docker-proxy)
      start_docker_proxy 25201 5201
      PID_OF[docker-proxy]=$LAST_PID
      start_docker_proxy 28080 8080
      FAST_PID_OF[docker-proxy]=$LAST_PID
      start_docker_proxy 20080 80 ;;
    socat)
      start_socat 35201 5201
      PID_OF[socat]=$LAST_PID
      start_socat 38080 8080
      FAST_PID_OF[socat]=$LAST_PID
      start_socat 30080 80 ;;
  esac
done
sleep 0.5
for s in docker-proxy socat; do
  [[ -n ${PID_OF[$s]:-} ]] && RSS_IDLE[$s]=$(rss_kb "${PID_OF[$s]}")
done

# ---- measurements ----------------------------------------------------------------------------
# subject -> how the client reaches the server: "ns" (inside the namespace) or "host", a port.
client_for ()
{
  local s=$1 what=$2
  case $s/$what in
    direct/iperf) echo "ns 5201" ;;     direct/fast) echo "ns 8080" ;;     direct/httpd) echo "ns 80" ;;
    cove-shim/iperf) echo "host $SHIM_IPERF" ;; cove-shim/fast) echo "host $SHIM_FAST" ;;
    cove-shim/httpd) echo "host $SHIM_HTTPD" ;;
    cove-shim-base/iperf) echo "host $BASE_IPERF" ;; cove-shim-base/fast) echo "host $BASE_FAST" ;;
    cove-shim-base/httpd) echo "host $BASE_HTTPD" ;;
    docker-proxy/iperf) echo "ns 25201" ;; docker-proxy/fast) echo "ns 28080" ;;
    docker-proxy/httpd) echo "ns 20080" ;;
    socat/iperf) echo "ns 35201" ;;     socat/fast) echo "ns 38080" ;;     socat/httpd) echo "ns 30080" ;;
  esac
}

run_client ()
{
  if [[ $1 == ns ]]; then "${NS[@]}" "${@:2}"; else "${@:2}"; fi
}

# CPU ticks of a proxy (utime + stime); for socat also its reaped per-connection children's
# (cutime + cstime).  Not for the shim: it reaps cove's processes, not the proxy's work.
cpu_ticks ()
{
  local s=$1 pid=$2
  [[ -n $pid ]] || { echo 0; return; }
  if [[ $s == socat ]]; then
    awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pid/stat"
  else
    awk '{ print $14 + $15 }' "/proc/$pid/stat"
  fi
}

RESULTS=$T/results   # "subject metric value"
: >"$RESULTS"

measure_iperf ()
{
  local s=$1 streams=$2 where port pid c0 c1 bytes gbps hz
  read -r where port <<<"$(client_for "$s" iperf)"
  pid=${PID_OF[$s]:-}
  [[ $s == direct ]] && pid=
  c0=$(cpu_ticks "$s" "$pid")
  if ! run_client "$where" iperf3 -c 127.0.0.1 -p "$port" -t "$SECS" -P "$streams" -J \
      >"$T/iperf.json" 2>>"$T/iperf.err"; then
    echo "$s iperf$streams-failed 1" >>"$RESULTS"
    return 0
  fi
  sleep 0.2   # socat's children are reaped (and counted) after they exit
  c1=$(cpu_ticks "$s" "$pid")
  bytes=$(jq '.end.sum_received.bytes' "$T/iperf.json")
  gbps=$(jq '.end.sum_received.bits_per_second / 1e9' "$T/iperf.json")
  hz=$(getconf CLK_TCK)
  echo "$s gbps$streams $gbps" >>"$RESULTS"
  # What the two ends cost (iperf3's own rusage, client and server): the kernel's work for
  # one loopback TCP connection plus iperf3's copies, the yardstick for the proxy's figure.
  echo "$s endsgb$streams $(jq --argjson b "$bytes" '(.end.cpu_utilization_percent.host_total
    + .end.cpu_utilization_percent.remote_total) / 100 * .end.sum_received.seconds / ($b / 1e9)' \
    "$T/iperf.json")" >>"$RESULTS"
  [[ -n $pid ]] && echo "$s cpugb$streams $(awk -v t=$((c1 - c0)) -v hz="$hz" -v b="$bytes" \
    'BEGIN { printf "%.4f", (t / hz) / (b / 1e9) }')" >>"$RESULTS"
  return 0
}

measure_conns ()
{
  local s=$1 server=$2 conc=$3 where port out pid c0 c1 us
  read -r where port <<<"$(client_for "$s" "$server")"
  pid=
  [[ $server == fast ]] && pid=${FAST_PID_OF[$s]:-}
  c0=$(cpu_ticks "$s" "$pid")
  out=$(run_client "$where" "$T/connrate" 127.0.0.1 "$port" "$conc" "$SECS")
  [[ $s == socat ]] && sleep 0.2
  c1=$(cpu_ticks "$s" "$pid")
  # completed errors seconds rate
  echo "$s $server$conc $(awk '{ print $4 }' <<<"$out")" >>"$RESULTS"
  # The proxy's CPU per relayed connection: steadier than the rate on a busy machine, where
  # the rate mostly says how much of the CPU the three processes got.
  us=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" \
    '$1 > 0 { printf "%.1f", (t / hz) / $1 * 1e6 }' <<<"$out")
  [[ -n $pid && -n $us ]] && echo "$s $server$conc-cpu $us" >>"$RESULTS"
  echo "$s $server$conc-errors $(awk '{ print $2 }' <<<"$out")" >>"$RESULTS"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench-proxy: ${#SUBJ[@]} subjects, $ROUNDS rounds of ${SECS}s measurements (interleaved)" >&2
for ((r = 1; r <= ROUNDS; r++)); do
  for s in "${SUBJ[@]}"; do
    echo "bench-proxy: round $r: $s" >&2
    measure_iperf "$s" 1
    measure_iperf "$s" 4
    measure_conns "$s" fast 1
    measure_conns "$s" fast 16
    measure_conns "$s" httpd 1
    measure_conns "$s" httpd 16
  done
done
for s in cove-shim cove-shim-base docker-proxy socat; do
  [[ -n ${PID_OF[$s]:-} && -e /proc/${PID_OF[$s]} ]] && RSS_PEAK[$s]=$(hwm_kb "${PID_OF[$s]}")
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report ----------------------------------------------------------------------------------
# median SUBJECT METRIC: the median of the rounds, "-" when there is none.
median ()
{
  awk -v s="$1" -v m="$2" '$1 == s && $2 == m { print $3 }' "$RESULTS" | sort -g \
    | awk '{ v[n++] = $1 } END { if (!n) print "-"; else if (n % 2) print v[(n - 1) / 2];
                                 else print (v[n / 2 - 1] + v[n / 2]) / 2 }'
}
fmt () { [[ $1 == - ]] && echo - || printf "%.${2}f" "$1"; }
mib () { if [[ -z ${1:-} ]]; then echo -; else awk -v k="$1" 'BEGIN { printf "%.2f", k / 1024 }'; fi; }
ratio () { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }

row ()
{
  local label=$1 metric=$2 digits=$3 s line
  line=$(printf '%-36s' "$label")
  for s in "${SUBJ[@]}"; do
    line+=$(printf '%15s' "$(fmt "$(median "$s" "$metric")" "$digits")")
  done
  echo "$line"
}

echo
echo "port proxy: ${SECS}s per measurement, median of $ROUNDS interleaved rounds"
printf '%-36s' ""
for s in "${SUBJ[@]}"; do printf '%15s' "$s"; done
echo
row "throughput, 1 stream (Gbit/s)" gbps1 2
row "throughput, 4 streams (Gbit/s)" gbps4 2
row "conn/s, 1 client (fast server)" fast1 0
row "conn/s, 16 clients (fast server)" fast16 0
row "conn/s, 1 client (busybox httpd)" httpd1 0
row "conn/s, 16 clients (busybox httpd)" httpd16 0
row "proxy CPU us/conn, fast, 1 client" fast1-cpu 1
row "proxy CPU us/conn, fast, 16 clients" fast16-cpu 1
row "proxy CPU s/GB, 1 stream" cpugb1 3
row "proxy CPU s/GB, 4 streams" cpugb4 3
row "iperf3 ends CPU s/GB, 1 stream" endsgb1 3
line=$(printf '%-36s' "RSS idle (MiB)")
for s in "${SUBJ[@]}"; do line+=$(printf '%15s' "$(mib "${RSS_IDLE[$s]:-}")"); done
echo "$line"
line=$(printf '%-36s' "RSS peak, VmHWM (MiB)")
for s in "${SUBJ[@]}"; do line+=$(printf '%15s' "$(mib "${RSS_PEAK[$s]:-}")"); done
echo "$line"
errs=$(awk '$2 ~ /-errors$/ && $3 > 0 { printf " %s %s: %s;", $1, $2, $3 }' "$RESULTS")
fails=$(awk '$2 ~ /-failed$/ { printf " %s %s;", $1, $2 }' "$RESULTS")
[[ -z $errs ]] || echo "connections that failed:$errs"
[[ -z $fails ]] || echo "iperf3 runs that failed:$fails"

if [[ " ${SUBJ[*]} " == *" cove-shim "* ]]; then
  c=cove-shim
  t1=$(ratio "$(median $c gbps1)" "$(median direct gbps1)")
  t4=$(ratio "$(median $c gbps4)" "$(median direct gbps4)")
  k1=$(ratio "$(median $c fast1)" "$(median docker-proxy fast1)")
  k16=$(ratio "$(median $c fast16)" "$(median docker-proxy fast16)")
  h1=$(ratio "$(median $c httpd1)" "$(median docker-proxy httpd1)")
  h16=$(ratio "$(median $c httpd16)" "$(median docker-proxy httpd16)")
  echo
  echo "ratios:"
  echo "  cove-shim / direct throughput:     1 stream $t1, 4 streams $t4"
  echo "  cove-shim / docker-proxy conn/s:   fast server: 1 client $k1, 16 clients $k16;" \
    "httpd: 1 client $h1, 16 clients $h16"
  echo "  cove-shim / docker-proxy CPU/GB:   1 stream $(ratio "$(median $c cpugb1)" \
    "$(median docker-proxy cpugb1)"), 4 streams $(ratio "$(median $c cpugb4)" \
    "$(median docker-proxy cpugb4)")"
  if [[ " ${SUBJ[*]} " == *" cove-shim-base "* ]]; then
    b=cove-shim-base
    echo "  cove-shim / cove-shim-base:        throughput 1 stream $(ratio "$(median $c gbps1)" \
      "$(median $b gbps1)"), 4 streams $(ratio "$(median $c gbps4)" "$(median $b gbps4)");" \
      "conn/s fast 1 $(ratio "$(median $c fast1)" "$(median $b fast1)"), 16 $(ratio \
      "$(median $c fast16)" "$(median $b fast16)"); CPU/GB 1 stream $(ratio \
      "$(median $c cpugb1)" "$(median $b cpugb1)"), 4 streams $(ratio "$(median $c cpugb4)" \
      "$(median $b cpugb4)")"
  fi
  verdict () { awk -v v="$1" -v lim="$2" -v op="$3" 'BEGIN {
    if (v == "-") { print "n/a"; exit }
    ok = op == ">=" ? v >= lim : v <= lim; print (ok ? "met" : "missed") }'; }
  echo
  echo "targets (reported, not enforced):"
  printf '  %-44s %s (1 stream %s, 4 streams %s)\n' "throughput >= 0.9 x direct" \
    "$(verdict "$t1" 0.9 '>=')" "$t1" "$t4"
  printf '  %-44s %s (fast server, 16 clients: %s; 1 client: %s)\n' \
    "conn/s >= 2 x docker-proxy" "$(verdict "$k16" 2 '>=')" "$k16" "$k1"
  printf '  %-44s %s (%s s/GB, 1 stream)\n' "proxy CPU <= 0.1 s/GB" \
    "$(verdict "$(median $c cpugb1)" 0.1 '<=')" "$(fmt "$(median $c cpugb1)" 3)"
  printf '  %-44s %s (%s MiB)\n' "shim RSS idle <= 1.5 MiB" \
    "$(verdict "$(mib "${RSS_IDLE[$c]}")" 1.5 '<=')" "$(mib "${RSS_IDLE[$c]}")"
fi
echo
echo "notes:"
echo "  machine: $(nproc) CPUs, load average $LOAD0 before, $LOAD1 after"
echo "  direct = client and server on the container's loopback; docker-proxy and socat run in"
echo "  the container's network namespace, forwarding one of its loopback ports to the server"
echo "  (two loopback hops, like cove-shim's host port -> container loopback)"
echo "  fast server = connrate serve (one thread, no fork); CPU s/GB counts utime+stime of the"
echo "  proxy (socat: and its reaped per-connection children) over the bytes iperf3 received"
for n in "${NOTES[@]}"; do echo "  $n"; done
