#!/bin/bash
# t-shim-proxy: cove-shim's port proxy (-p) with real containers.  The
# container has only its loopback; its servers are tests/helpers/netecho
# (copied into the rootfs), the clients run on the host.  TCP echo, a 1 GiB
# transfer both ways with sha256, half-close, 500 connections at once, a
# reader that does not read, UDP from several clients (each gets its own
# answers, also on a wildcard address), IPv6, port ranges, busy ports, a
# container without a server, connections during a restart, and the PROXY
# protocol v2 header as the container sees it.
# shellcheck source=tests/integration/lib.sh disable=SC2016,SC2119,SC2154,SC2317 # container scripts in single quotes; unique_id takes no args here; run sets status/output/errout; tests are called by name
. "$(dirname "$0")/lib.sh"

SHIM=${SHIM:-$LIB_TOP/cove-shim}
NETECHO=$LIB_TOP/tests/helpers/netecho
[ -x "$SHIM" ] || lib_bail "$SHIM is not built (run make)"
[ -x "$NETECHO" ] || lib_bail "$NETECHO is not built (run make check TESTS=)"
command -v sha256sum >/dev/null || lib_bail "sha256sum is not installed"

# The ceilings on the shim's RSS below are the plain build's.  A sanitizer
# build (tests/sanitizers/run.sh sets SHIM_RSS_SCALE) multiplies them:
# ASan's shadow memory and allocator add some MiB to any process, and its
# quarantine holds freed blocks for a while; a proxy that buffered what
# it cannot pass on would still exceed them many times over.
RSS_SCALE=${SHIM_RSS_SCALE:-1}

# shim ARGS...: cove-shim driving the runtime under test with this file's
# state root; logged like rt.
shim () {
  echo "+ cove-shim $*" >>"$TEST_LOG"
  timeout -k 5 120 "$SHIM" --cove "$RUNTIME" --root "$STATE" "$@"
}

# ct_bundle SCRIPT: a bundle whose container runs the sh SCRIPT, with
# netecho at /netecho.
ct_bundle () {
  new_bundle /bin/sh -c "$1"
  cp "$NETECHO" "$BUNDLE/rootfs/netecho"
}

# start_shim ID [OPTS...]: a detached shim for ID on $BUNDLE, its files
# under $T; returns once the container runs.  Stopped after the test.
start_shim () {
  local id=$1 rc=0
  shift
  echo "$id" >>"$T/shims"
  shim --status-file "$T/$id.status" --exit-file "$T/$id.exit" --log-path "$T/$id.log" \
    --pid-file "$T/$id.shim-pid" --stop-timeout 2 "$@" "$id" "$BUNDLE" 2>"$T/$id.shim-err" \
    || rc=$?
  [ "$rc" = 0 ] || fail "cove-shim failed with status $rc: $(cat "$T/$id.shim-err")"
}

# field ID JQ-FILTER: one field of ID's status file.
field () {
  jq -r "$2" "$T/$1.status"
}

# wait_field ID JQ-CONDITION SECONDS
wait_field () {
  local id=$1 cond=$2 secs=$3 i
  for ((i = 0; i < secs * 20; i++)); do
    jq -e "$cond" "$T/$id.status" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  lib_diag "status: $(cat "$T/$id.status" 2>/dev/null)"
  fail "status of $id: waited ${secs}s for $cond"
}

# host_port ID N: the host port of ID's Nth published port (0-based), as
# bound (the kernel picks it for "127.0.0.1::80").
host_port () {
  field "$1" ".ports[$2].host_port"
}

shim_pid () {
  field "$1" .shim_pid
}

shim_alive () {
  tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -q cove-shim
}

# After each test: SIGTERM to its shims (which stop their containers),
# SIGKILL after 20 s.
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

# wait_listening PORT [HOST]: polls until a connection to the container
# through the proxy gets an echo (the server in it may start later).
echo_ok () {
  [ "$(echo ping | timeout 5 "$NETECHO" client "${2:-127.0.0.1}" "$1" 2>/dev/null)" = ping ]
}
wait_echo () {
  wait_for 10 echo_ok "$@"
}

# A port on 127.0.0.1 that nothing listens on now, for the tests that
# need a fixed one (ranges, busy ports).
free_port () {
  local p i
  for ((i = 0; i < 50; i++)); do
    p=$((20000 + RANDOM % 30000))
    if ! ss -Htan "sport = :$p" | grep -q . && ! ss -Htun "sport = :$p" | grep -q .; then
      echo "$p"
      return 0
    fi
  done
  fail "no free port found"
}

# shim_fds ID: open fds of ID's shim.
shim_fds () {
  find "/proc/$(shim_pid "$1")/fd" -mindepth 1 -maxdepth 1 | wc -l
}

shim_rss_kb () {
  awk '/^VmRSS:/ { print $2 }' "/proc/$(shim_pid "$1")/status"
}

# ---------------------------------------------------------------------------
# TCP

test_tcp_echo () {
  local id port
  ct_bundle 'exec /netecho tcp-echo 80'
  id=$(unique_id)
  start_shim "$id" -p 127.0.0.1::80
  port=$(host_port "$id" 0)
  assert_eq "$(field "$id" '.ports[0] | "\(.proto) \(.host_ip) \(.container_port)"')" \
    "tcp 127.0.0.1 80" "published port in the status file"
  [ "$port" -gt 0 ] || fail "no host port in the status file"
  wait_echo "$port"
  # (not through `run`, which gives the command /dev/null as stdin)
  output=$(printf 'hello\nworld\n' | "$NETECHO" client 127.0.0.1 "$port")
  assert_eq "$output" $'hello\nworld' "echo through the proxy"
  # The container really has only its loopback: nothing else reaches it.
  run rt exec "$id" /bin/sh -c 'ls /sys/class/net'
  assert_eq "$output" lo "interfaces in the container"
}
run_test "TCP echo through a published port (loopback-only container)" with_shims test_tcp_echo

test_tcp_1gib () {
  local id port t0 t1 sent got
  ct_bundle 'exec /netecho tcp-echo 80'
  id=$(unique_id)
  start_shim "$id" -p 127.0.0.1::80
  port=$(host_port "$id" 0)
  wait_echo "$port"
  t0=$(date +%s%N)
  "$NETECHO" gen 1073741824 | tee >(sha256sum >"$T/sent.sum") \
    | "$NETECHO" client 127.0.0.1 "$port" | sha256sum >"$T/got.sum"
  t1=$(date +%s%N)
  # tee's process substitution may finish a moment after the pipeline.
  wait_for 10 test -s "$T/sent.sum"
  sent=$(cut -d' ' -f1 "$T/sent.sum")
  got=$(cut -d' ' -f1 "$T/got.sum")
  lib_diag "1 GiB each way in $(((t1 - t0) / 1000000)) ms"
  assert_eq "$got" "$sent" "sha256 of what came back"
  [ $(((t1 - t0) / 1000000)) -le 20000 ] || fail "1 GiB echo took $(((t1 - t0) / 1000000)) ms"
  [ "$(shim_rss_kb "$id")" -lt $((8192 * RSS_SCALE)) ] \
    || fail "shim RSS $(shim_rss_kb "$id") kB after 2 GiB"
}
run_test "1 GiB both ways, sha256 intact, within 20 s" with_shims test_tcp_1gib

# The container answers only after it read EOF: the client's shutdown
# must reach it, and the answer must still reach the client.
test_half_close () {
  local id port
  ct_bundle 'exec /netecho tcp-wc 80'
  id=$(unique_id)
  start_shim "$id" -p 127.0.0.1::80
  port=$(host_port "$id" 0)
  wait_for 10 sh -c "echo x | '$NETECHO' client 127.0.0.1 $port | grep -qx 2"
  output=$(head -c 300000 /dev/zero | timeout 10 "$NETECHO" client 127.0.0.1 "$port")
  assert_eq "$output" 300000 "bytes counted by the container, answered after EOF"
  output=$(timeout 10 "$NETECHO" client 127.0.0.1 "$port" </dev/null)
  assert_eq "$output" 0 "an immediate shutdown still gets its answer"
}
run_test "half-close: the client shuts writing and still reads the answer" with_shims \
  test_half_close

test_500_connections () {
  local id port before after
  ct_bundle 'exec /netecho tcp-echo 80'
  id=$(unique_id)
  start_shim "$id" -p 127.0.0.1::80
  port=$(host_port "$id" 0)
  wait_echo "$port"
  before=$(shim_fds "$id")
  run timeout 60 "$NETECHO" many 127.0.0.1 "$port" 500
  assert_eq "$status" 0 "status of 500 concurrent connections"
  assert_eq "$output" "500 ok"
  # Every connection's sockets are closed again; at most 32 emptied pipes
  # (64 fds) are kept for reuse.
  sleep 1
  after=$(shim_fds "$id")
  lib_diag "shim fds: $before before, $after after"
  [ "$after" -le $((before + 64)) ] || fail "shim fds: $before before, $after after"
  wait_echo "$port"
}
run_test "500 concurrent connections, each echoed, fds released" with_shims \
  test_500_connections

# A client that writes and never reads: the proxy stops reading from it
# once the way to the container is full; the shim does not buffer.
test_backpressure () {
  local id port rss0 rss1 pushed
  ct_bundle 'exec /netecho tcp-echo 80'
  id=$(unique_id)
  start_shim "$id" -p 127.0.0.1::80
  port=$(host_port "$id" 0)
  wait_echo "$port"
  rss0=$(shim_rss_kb "$id")
  "$NETECHO" stall 127.0.0.1 "$port" 3 >"$T/stall.out" &
  wait_for 30 test -s "$T/stall.out"
  rss1=$(shim_rss_kb "$id")
  pushed=$(cat "$T/stall.out")
  lib_diag "pushed $pushed bytes before the way was full; shim RSS $rss0 -> $rss1 kB"
  [ "$pushed" -lt $((128 * 1024 * 1024)) ] || fail "a non-reading client pushed $pushed bytes"
  [ "$rss1" -lt $((rss0 + 1024 * RSS_SCALE)) ] || fail "shim RSS grew from $rss0 to $rss1 kB"
  wait
  wait_echo "$port"
}
run_test "backpressure: a client that does not read cannot grow the shim" with_shims \
  test_backpressure

# ---------------------------------------------------------------------------
# UDP

test_udp () {
  local id port wport
  ct_bundle 'exec /netecho udp-echo 53'
  id=$(unique_id)
  start_shim "$id" -p 127.0.0.1::53/udp -p 53/udp
  port=$(host_port "$id" 0)
  wport=$(host_port "$id" 1)
  assert_eq "$(field "$id" '.ports[1] | "\(.proto) \(.host_ip)"')" "udp ::" "wildcard entry"
  run timeout 30 "$NETECHO" udp-clients 127.0.0.1 "$port" 10
  assert_eq "$output" "10 ok" "10 clients on 127.0.0.1, each with its own answers"
  # The wildcard socket answers from the address each client sent to (a
  # connected client socket drops anything else), IPv4 and IPv6 alike.
  run timeout 30 "$NETECHO" udp-clients 127.0.0.1 "$wport" 5
  assert_eq "$output" "5 ok" "IPv4 clients of the wildcard port"
  run timeout 30 "$NETECHO" udp-clients ::1 "$wport" 5
  assert_eq "$output" "5 ok" "IPv6 clients of the wildcard port"
}
run_test "UDP: several clients each get their own echoes" with_shims test_udp

# ---------------------------------------------------------------------------
# IPv6

test_ipv6 () {
  local id p6 p4only pw
  # One server on every address, one on 127.0.0.1 only.
  ct_bundle '/netecho -4 tcp-echo 81 & exec /netecho tcp-echo 80'
  id=$(unique_id)
  start_shim "$id" -p '[::1]::80' -p '[::1]::81' -p 80
  p6=$(host_port "$id" 0)
  p4only=$(host_port "$id" 1)
  pw=$(host_port "$id" 2)
  assert_eq "$(field "$id" '.ports[0].host_ip')" ::1 "host address"
  wait_echo "$p6" ::1
  assert_ok echo_ok "$p6" ::1
  # IPv6 clients go to ::1 in the container, and to 127.0.0.1 when the
  # server there is IPv4 only (started in the background before the one
  # on 80, it may still be starting: a slow machine or build showed it).
  wait_echo "$p4only" ::1
  # The wildcard port takes both families.
  assert_ok echo_ok "$pw" ::1
  assert_ok echo_ok "$pw" 127.0.0.1
  # [::1] is not 127.0.0.1.
  run timeout 5 "$NETECHO" client 127.0.0.1 "$p6"
  assert_ne "$status" 0 "connecting to 127.0.0.1 on a port published on [::1]"
}
run_test "IPv6: [::1], a wildcard for both families, fallback to 127.0.0.1" with_shims \
  test_ipv6

# ---------------------------------------------------------------------------
# Ranges

test_range () {
  local id base i
  ct_bundle '/netecho tcp-echo 80 & /netecho tcp-echo 81 & exec /netecho tcp-wc 82'
  id=$(unique_id)
  base=$(free_port)
  start_shim "$id" -p "127.0.0.1:$base-$((base + 2)):80-82"
  assert_eq "$(field "$id" '.ports | length')" 3 "ports in the status file"
  for i in 0 1; do
    wait_echo $((base + i))
  done
  output=$(printf abc | "$NETECHO" client 127.0.0.1 $((base + 2)))
  assert_eq "$output" 3 "the third port reaches the third server"
  # One process, one thread, whatever the number of ports.
  assert_eq "$(awk '/^Threads:/ { print $2 }' "/proc/$(shim_pid "$id")/status")" 1 "shim threads"
}
run_test "a port range: each host port reaches its container port" with_shims test_range

# ---------------------------------------------------------------------------
# Errors

# assert_no_trace ID: no container, no state, no shim directory.
assert_no_trace () {
  assert_fail rt state "$1"
  [ ! -e "$STATE/$1" ] || fail "state dir of $1 is left"
  [ ! -e "$STATE/.$1.shim" ] || fail "the shim directory of $1 is left"
}

test_busy_port () {
  local id port upid
  ct_bundle 'exec /netecho tcp-echo 80'
  id=$(unique_id)
  port=$(free_port)
  # Somebody else's listener on the host.
  "$NETECHO" -4 tcp-echo "$port" >"$T/holder.out" &
  upid=$!
  wait_for 10 test -s "$T/holder.out"
  run shim -p "127.0.0.1:$port:80" "$id" "$BUNDLE"
  kill "$upid"
  assert_ne "$status" 0 "shim status"
  assert_one_line "$errout"
  assert_contains "$errout" "127.0.0.1:$port/tcp"
  assert_contains "$errout" "Address already in use"
  assert_no_trace "$id"

  # UDP too; and a later -p that is busy undoes the earlier ones.
  "$NETECHO" -4 udp-echo "$port" >"$T/holder.out" &
  upid=$!
  wait_for 10 test -s "$T/holder.out"
  run shim -p "127.0.0.1:$((port + 1)):80" -p "127.0.0.1:$port:53/udp" "$id" "$BUNDLE"
  kill "$upid"
  assert_ne "$status" 0 "shim status"
  assert_one_line "$errout"
  assert_contains "$errout" "127.0.0.1:$port/udp"
  assert_no_trace "$id"
  ss -Hltn "sport = :$((port + 1))" | grep -q . && fail "port $((port + 1)) left bound"
  return 0
}
run_test "a port already taken: one line, no container" with_shims test_busy_port

test_bad_publish () {
  local id
  ct_bundle 'exec /netecho tcp-echo 80'
  id=$(unique_id)
  run shim -p 8080:80/sctp "$id" "$BUNDLE"
  assert_ne "$status" 0 "shim status"
  assert_one_line "$errout"
  assert_contains "$errout" "publish \`8080:80/sctp\`: bad protocol \`sctp\`"
  assert_no_trace "$id"
}
run_test "a bad -p: one line naming it, no container" with_shims test_bad_publish

# Nobody listens on the container port: each client is reset at once, and
# the proxy goes on serving.
test_no_server () {
  local id port t0 t1
  ct_bundle 'exec /netecho tcp-echo 80'
  id=$(unique_id)
  start_shim "$id" -p 127.0.0.1::80 -p 127.0.0.1::9
  wait_echo "$(host_port "$id" 0)"
  port=$(host_port "$id" 1)
  t0=$(date +%s%N)
  run timeout 5 "$NETECHO" client 127.0.0.1 "$port"
  t1=$(date +%s%N)
  assert_eq "$status" 1 "client status (not 124: no hang)"
  assert_contains "$errout" "reset by peer"
  [ $(((t1 - t0) / 1000000)) -lt 2000 ] || fail "refusal took $(((t1 - t0) / 1000000)) ms"
  assert_ok echo_ok "$(host_port "$id" 0)"
}
run_test "no server on the container port: the client is reset at once" with_shims \
  test_no_server

# ---------------------------------------------------------------------------
# Restart

# The container's server comes up 1.5 s after each start; it is killed
# while clients keep connecting.  While it is down or not yet listening,
# connections end at once (reset, or closed before any answer); then the
# same published port works again, with the same shim.
test_restart () {
  local id port pid1 pid2 i fails=0 hung=0 rc
  ct_bundle 'sleep 1.5; exec /netecho tcp-echo 80'
  id=$(unique_id)
  start_shim "$id" --restart always -p 127.0.0.1::80
  port=$(host_port "$id" 0)
  wait_echo "$port"
  pid1=$(field "$id" .container_pid)
  # Load in the background across the restart.
  (
    for ((i = 0; i < 200; i++)); do
      echo load | timeout 5 "$NETECHO" client 127.0.0.1 "$port" >/dev/null 2>&1 || true
    done
  ) &
  kill -9 "$pid1"
  wait_field "$id" ".restart_count == 1 and .state == \"running\"" 10
  pid2=$(field "$id" .container_pid)
  assert_ne "$pid2" "$pid1" "container pid after the restart"
  # The new instance sleeps before listening: refused, quickly.
  for ((i = 0; i < 5; i++)); do
    rc=0
    timeout 3 "$NETECHO" client 127.0.0.1 "$port" </dev/null >"$T/r.out" 2>&1 || rc=$?
    [ "$rc" = 124 ] && hung=$((hung + 1))
    [ "$rc" != 0 ] && fails=$((fails + 1))
    [ -s "$T/r.out" ] && ! grep -q reset "$T/r.out" && fail "unexpected answer: $(cat "$T/r.out")"
  done
  assert_eq "$hung" 0 "connections that hung during the restart"
  [ "$fails" -gt 0 ] || fail "no connection was refused while the server was not listening"
  wait_echo "$port"
  wait
  assert_ok echo_ok "$port"
  shim_alive "$(shim_pid "$id")" || fail "the shim died"
}
run_test "restart under load: refused cleanly meanwhile, then served again" with_shims \
  test_restart

# ---------------------------------------------------------------------------
# PROXY protocol

test_proxy_protocol () {
  local id p4 p6 local_port
  ct_bundle 'exec /netecho tcp-proxyhdr 80'
  id=$(unique_id)
  start_shim "$id" --proxy-protocol -p 127.0.0.1::80 -p '[::1]::80'
  p4=$(host_port "$id" 0)
  p6=$(host_port "$id" 1)
  wait_for 10 sh -c "'$NETECHO' client 127.0.0.1 $p4 </dev/null | grep -q TCP4"
  output=$("$NETECHO" client -l 127.0.0.1 "$p4" </dev/null 2>"$T/local")
  local_port=$(awk '{ print $3 }' "$T/local")
  assert_eq "$output" "TCP4 127.0.0.1 $local_port 127.0.0.1 $p4" \
    "the header the container read (client address and port, address it connected to)"
  output=$("$NETECHO" client -l ::1 "$p6" </dev/null 2>"$T/local")
  local_port=$(awk '{ print $3 }' "$T/local")
  assert_eq "$output" "TCP6 ::1 $local_port ::1 $p6" "the same over IPv6"
}
run_test "--proxy-protocol: the container reads a PROXY v2 header" with_shims \
  test_proxy_protocol

# UDP: every datagram reaches the container behind its own PROXY v2 header
# (transport DGRAM), naming the client and the address it sent to; the
# container's answers go back without one.
test_proxy_protocol_udp () {
  local id p4 p6 pw local_port
  ct_bundle 'exec /netecho udp-proxyhdr 53'
  id=$(unique_id)
  start_shim "$id" --proxy-protocol -p 127.0.0.1::53/udp -p '[::1]::53/udp' -p 53/udp
  p4=$(host_port "$id" 0)
  p6=$(host_port "$id" 1)
  pw=$(host_port "$id" 2)
  output=$(timeout 20 "$NETECHO" udp-send -l 127.0.0.1 "$p4" hello 2>"$T/local")
  local_port=$(awk '{ print $3 }' "$T/local")
  assert_eq "$output" "UDP4 127.0.0.1 $local_port 127.0.0.1 $p4 hello" \
    "what the container read: header (client, address it sent to) and payload"
  output=$(timeout 20 "$NETECHO" udp-send -l ::1 "$p6" hello6 2>"$T/local")
  local_port=$(awk '{ print $3 }' "$T/local")
  assert_eq "$output" "UDP6 ::1 $local_port ::1 $p6 hello6" "the same over IPv6"
  # The wildcard socket: the destination is the address the client
  # targeted (IPv4 clients of the dual-stack socket as IPv4).
  output=$(timeout 20 "$NETECHO" udp-send -l 127.0.0.1 "$pw" w4 2>"$T/local")
  local_port=$(awk '{ print $3 }' "$T/local")
  assert_eq "$output" "UDP4 127.0.0.1 $local_port 127.0.0.1 $pw w4" "IPv4 on the wildcard port"
  output=$(timeout 20 "$NETECHO" udp-send -l ::1 "$pw" w6 2>"$T/local")
  local_port=$(awk '{ print $3 }' "$T/local")
  assert_eq "$output" "UDP6 ::1 $local_port ::1 $pw w6" "IPv6 on the wildcard port"
}
run_test "--proxy-protocol, UDP: each datagram carries a PROXY v2 header" with_shims \
  test_proxy_protocol_udp

done_testing
