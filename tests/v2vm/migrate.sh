#!/bin/bash
# migrate.sh: moving a container with cove-shim (`ctl ID migrate`,
# `--restore-from`) and the portable checkpoint (`cove checkpoint
# --export`, `cove restore --import`).  tests/integration/t-migrate.sh runs
# it on the host (where CRIU refuses the kernel, only the tests that need
# no CRIU run; the others are skipped with CRIU's reason) and in the cgroup
# v2 VM (tests/v2vm/run-in-v2-vm.sh, Debian's 6.1 kernel, CRIU's modules
# loaded), where everything runs.  An ordinary lib.sh test file otherwise.
#
# The container counts in a shell variable, appends each value to /data/log
# in its volume (a bind mount the config marks for migration), and serves
# an echo on port 80, published by the shim.  After a move the log must go
# on 1, 2, 3... without a gap or a restart (the variable came back from the
# images and the volume came along), and the port must answer; while the
# shim moves it within one machine, clients that connect must be served
# late, never refused.  The downtimes are printed as TAP comments.
#
# The loops run as the container's init: cove's init leads a session of
# its own, as CRIU wants of a pid namespace's init.

# shellcheck source=tests/integration/lib.sh disable=SC2016,SC2119,SC2154,SC2317 # container scripts in single quotes; unique_id takes no args here; run sets status/output/errout; tests are called by name
. "$(dirname "$0")/../integration/lib.sh"

SHIM=${SHIM:-$LIB_TOP/cove-shim}
NETECHO=${NETECHO:-$LIB_TOP/tests/helpers/netecho}
[ -x "$SHIM" ] || lib_bail "$SHIM is not built (run make)"
[ -x "$NETECHO" ] || lib_bail "$NETECHO is not built (run make check TESTS=)"

# CRIU's checks want the loopback up in the namespace it runs in.
ip link set lo up 2>/dev/null || true
CRIU_WHY=""
if ! command -v criu >/dev/null; then
  CRIU_WHY="criu is not installed"
elif ! criu check >"$T/criu-check" 2>&1; then
  CRIU_WHY="criu refuses this machine: $(grep -m1 Error "$T/criu-check")"
fi

need_criu () {
  [ -z "$CRIU_WHY" ] || skip "$CRIU_WHY"
}

# The loop waits on a fifo of the image that nobody writes (`read -t`), not
# with `sleep`: a process forked between a pre-dump and the dump makes
# criu refuse to build on the pre-dump, and the pre-dumps are under test.
# `<&3`: meanwhile ash keeps its stdin (the shim's /dev/null, outside the
# container) on fd 10, which the dump must find and restore give back.
COUNTER='exec 3<>/tick; /netecho tcp-echo 80 & i=0
  while :; do i=$((i+1)); echo $i >>/data/log; read -t 0.1 x <&3; done'

# ct_bundle: $BUNDLE with the counter, netecho, and its volume vol/ at
# /data, marked for migration.
ct_bundle () {
  new_bundle /bin/sh -c "$COUNTER"
  cp "$NETECHO" "$BUNDLE/rootfs/netecho"
  mkfifo "$BUNDLE/rootfs/tick"
  mkdir -p "$BUNDLE/vol" "$BUNDLE/rootfs/data"
  cfg '.mounts += [{destination: "/data", type: "bind", source: "vol", options: ["rbind", "rw"]}]
    | .annotations["dev.cove.migrate.volumes"] = "/data"'
}

# target_bundle DIR: what another host has before a move: the image (the
# rootfs), no config.json.
target_bundle () {
  mkdir -p "$1"
  chmod 0755 "$1"
  cp -a "$ROOTFS_CACHE" "$1/rootfs"
  cp "$NETECHO" "$1/rootfs/netecho"
  mkfifo "$1/rootfs/tick"
  mkdir -p "$1/rootfs/data"
}

# shim ARGS...: cove-shim with this file's runtime and state root (a later
# --root or --cove wins).
shim () {
  echo "+ cove-shim $*" >>"$TEST_LOG"
  timeout -k 5 300 "$SHIM" --cove "$RUNTIME" --root "$STATE" "$@"
}

# start_shim NAME ID [OPTS...]: a detached shim for ID on $BUNDLE, its
# files $T/NAME.*; stopped after the test.  NS=netns runs it there.
start_shim () {
  local name=$1 id=$2 rc=0
  shift 2
  echo "$name" >>"$T/shims"
  ${NS:+ip netns exec "$NS"} timeout -k 5 300 "$SHIM" --cove "$RUNTIME" --root "$STATE" \
    --status-file "$T/$name.status" --exit-file "$T/$name.exit" --log-path "$T/$name.log" \
    --stop-timeout 2 "$@" "$id" "${TARGET:-$BUNDLE}" 2>"$T/$name.shim-err" || rc=$?
  echo "+ cove-shim (as $name) $* $id ${TARGET:-$BUNDLE}: $rc" >>"$TEST_LOG"
  [ "$rc" = 0 ] || fail "cove-shim failed with status $rc: $(cat "$T/$name.shim-err")"
}

field () {
  jq -r "$2" "$T/$1.status"
}

shim_alive () {
  tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -q cove-shim
}

stop_shims () {
  local name pid i
  [ -f "$T/shims" ] || return 0
  while read -r name; do
    pid=$(jq -r .shim_pid "$T/$name.status" 2>/dev/null) || continue
    shim_alive "$pid" || continue
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 200; i++)); do
      shim_alive "$pid" || break
      sleep 0.1
    done
    shim_alive "$pid" && kill -KILL "$pid" 2>/dev/null
  done <"$T/shims"
  : >"$T/shims"
  while read -r name; do
    ip netns del "$name" 2>/dev/null || true
  done < <(cat "$T/netns" 2>/dev/null)
  rm -f "$T/netns"
}

with_shims () {
  trap stop_shims EXIT
  "$@"
}

# A port on 127.0.0.1 that nothing listens on now.
free_port () {
  local p i
  for ((i = 0; i < 50; i++)); do
    p=$((20000 + RANDOM % 30000))
    if ! ss -Htan "sport = :$p" 2>/dev/null | grep -q .; then
      echo "$p"
      return 0
    fi
  done
  fail "no free port found"
}

echo_ok () {
  [ "$(echo ping | ${NS:+ip netns exec "$NS"} timeout 10 "$NETECHO" client 127.0.0.1 "$1" \
    2>/dev/null)" = ping ]
}

# count LOG: the last value the loop wrote.
count () {
  tail -n1 "$1" 2>/dev/null || echo 0
}

# wait_count LOG N: until the loop has written N or more there.
wait_count () {
  local i
  for ((i = 0; i < 600; i++)); do
    [ "$(count "$1")" -ge "$2" ] && return 0
    sleep 0.1
  done
  fail "the loop did not reach $2 in $1 (at $(count "$1"))"
}

# assert_continuous LOG: 1, 2, 3... with no value missing or twice.
assert_continuous () {
  local bad
  bad=$(awk 'NR != $1 { print NR ": " $0; exit }' "$1")
  [ -z "$bad" ] || fail "$1: the count restarted, skipped or repeated at line $bad"
}

# clients PORT OUT: connects every 50 ms until $T/stop-clients exists;
# one line per attempt in OUT: "ok MS" or "fail WHAT".
clients () {
  local port=$1 out=$2 n=0 t0 r
  while [ ! -e "$T/stop-clients" ]; do
    t0=$(date +%s%N)
    if r=$(echo "ping $n" | ${NS:+ip netns exec "$NS"} timeout 60 "$NETECHO" client 127.0.0.1 \
      "$port" 2>&1) && [ "$r" = "ping $n" ]; then
      echo "ok $((($(date +%s%N) - t0) / 1000000))" >>"$out"
    else
      echo "fail ${r:-no answer}" >>"$out"
    fi
    n=$((n + 1))
    sleep 0.05
  done
}

# report TEXT: a line printed as a TAP comment after the test.
report () {
  echo "$*" >>"$T/report"
  lib_diag "$*"
}

print_report () {
  [ -f "$T/report" ] || return 0
  sed 's/^/# /' "$T/report"
  rm -f "$T/report"
}

# A cove that fails every checkpoint the way cove does (a message in its
# --log, exit 1) and runs everything else: a dump refused on any machine.
fake_cove () {
  cat >"$T/fake-cove" <<EOF
#!/bin/sh
log=/dev/null prev=
for a in "\$@"; do [ "\$prev" = --log ] && log=\$a; prev=\$a; done
for a in "\$@"; do
  if [ "\$a" = checkpoint ]; then
    echo "2026-01-01T00:00:00Z error: injected: criu said no" >>"\$log"
    exit 1
  fi
done
exec "$RUNTIME" "\$@"
EOF
  chmod 0755 "$T/fake-cove"
}

# ---------------------------------------------------------------------------

# A move within the machine: pre-dumps, the dump, the restore under the
# same id, while clients keep connecting: each is answered.
test_local () {
  need_criu
  local id port pid0 out fails slow
  ct_bundle
  id=$(unique_id)
  port=$(free_port)
  start_shim "$id" "$id" -p "127.0.0.1:$port:80"
  wait_for 20 echo_ok "$port"
  wait_count "$BUNDLE/vol/log" 20
  pid0=$(field "$id" .container_pid)
  rm -f "$T/stop-clients"
  clients "$port" "$T/clients" &
  sleep 1
  run shim ctl "$id" migrate --pre-dumps 2
  touch "$T/stop-clients"
  wait
  [ "$status" = 0 ] || fail "ctl migrate: $errout"
  out=$output
  lib_diag "migrate: $out" "status: $(cat "$T/$id.status")"
  assert_eq "$(jq -r .kind <<<"$out")" local "kind"
  assert_eq "$(field "$id" .migration.state)" "done" "migration state in the status file"
  assert_eq "$(field "$id" .state)" running "state"
  [ "$(field "$id" .container_pid)" != "$pid0" ] || fail "the container pid did not change"
  [ "$(field "$id" .restart_count)" = 0 ] || fail "the migration counted as a restart"
  # The restored loop writes on from its own variable.
  wait_count "$BUNDLE/vol/log" $(($(count "$BUNDLE/vol/log") + 10))
  assert_continuous "$BUNDLE/vol/log"
  echo_ok "$port" || fail "the port does not answer after the move"
  fails=$(grep -c '^fail' "$T/clients" || true)
  slow=$(awk '$1 == "ok" && $2 > m { m = $2 } END { print m + 0 }' "$T/clients")
  [ "$fails" = 0 ] || fail "$fails client(s) refused during the move: $(grep -m3 '^fail' "$T/clients")"
  [ -d "$STATE/.$id.shim/migrate" ] && fail "the migration's files are left"
  report "local move: downtime $(jq .downtime_ms <<<"$out") ms (dump $(jq .dump_ms <<<"$out") ms," \
    "restore $(jq .restore_ms <<<"$out") ms; $(jq .pre_dumps <<<"$out") pre-dumps," \
    "incremental $(jq .incremental <<<"$out")," \
    "$(jq .pre_dump_ms <<<"$out") ms while running); $(grep -c '^ok' "$T/clients") client" \
    "connections, none refused, the slowest answered in $slow ms"
}
run_test "ctl migrate: restored in place, the count goes on, clients delayed not refused" \
  with_shims test_local
print_report

# --to: the same machine, another directory (the volume is copied).
test_to () {
  need_criu
  local id port b2 n0
  ct_bundle
  id=$(unique_id)
  port=$(free_port)
  b2=$T/hostB/$id
  target_bundle "$b2"
  start_shim "$id" "$id" -p "127.0.0.1:$port:80"
  wait_for 20 echo_ok "$port"
  wait_count "$BUNDLE/vol/log" 20
  run shim ctl "$id" migrate --to "$b2"
  [ "$status" = 0 ] || fail "ctl migrate --to: $errout"
  lib_diag "migrate: $output"
  [ -f "$b2/config.json" ] || fail "no config.json in $b2"
  assert_eq "$(jq -r '.mounts[] | select(.destination == "/data") | .source' "$b2/config.json")" \
    "$b2/volumes/0" "the volume's new source"
  n0=$(count "$BUNDLE/vol/log")
  wait_count "$b2/volumes/0/log" $((n0 + 10))
  assert_continuous "$b2/volumes/0/log"
  sleep 0.5
  assert_eq "$(count "$BUNDLE/vol/log")" "$n0" "the old volume no longer grows"
  echo_ok "$port" || fail "the port does not answer after the move"
  report "move to another directory: downtime $(jq .downtime_ms <<<"$output") ms"
  # Stopped from its new bundle, nothing left.
  assert_ok shim ctl "$id" stop
  assert_fail rt state "$id"
}
run_test "ctl migrate --to BUNDLE: the volume follows, the old one stops" with_shims test_to
print_report

# Two hosts on one machine: network namespaces A and B, state roots and
# bundles apart.  A exports and ends; B imports, restores and publishes
# the same port.
test_cross_host () {
  need_criu
  local id a=${ID_PREFIX}a b=${ID_PREFIX}b t0 t1 n0 out i
  ct_bundle
  id=$(unique_id)
  ip netns add "$a" && echo "$a" >>"$T/netns"
  ip netns add "$b" && echo "$b" >>"$T/netns"
  ip -n "$a" link set lo up
  ip -n "$b" link set lo up
  track_id "$id" "$T/hostA"
  track_id "$id" "$T/hostB"
  mkdir -p "$T/hostA" "$T/hostB"
  STATE=$T/hostA NS=$a start_shim "$id.a" "$id" -p 127.0.0.1:8080:80
  NS=$a wait_for 20 echo_ok 8080
  wait_count "$BUNDLE/vol/log" 20
  t0=$(date +%s%N)
  run ip netns exec "$a" "$SHIM" --root "$T/hostA" ctl "$id" migrate --export "$T/move.tar"
  [ "$status" = 0 ] || fail "ctl migrate --export: $errout"
  out=$output
  n0=$(count "$BUNDLE/vol/log")
  # Host A: the shim has ended, nothing of the container is left.
  for ((i = 0; i < 100; i++)); do
    shim_alive "$(field "$id.a" .shim_pid)" || break
    sleep 0.1
  done
  assert_eq "$(field "$id.a" .state)" migrated "host A's last status"
  run "$RUNTIME" --root "$T/hostA" state "$id"
  [ "$status" != 0 ] || fail "host A still knows the container"
  NS=$a echo_ok 8080 && fail "host A still answers"
  tar -tf "$T/move.tar" >"$T/list"
  grep -qx manifest.json "$T/list" || fail "no manifest.json in the archive"
  grep -qx volumes/0/log "$T/list" || fail "no volume data in the archive"
  # Host B: the image is there, the rest comes from the archive.
  target_bundle "$T/hostB/b"
  STATE=$T/hostB NS=$b TARGET=$T/hostB/b start_shim "$id.b" "$id" \
    --restore-from "$T/move.tar" -p 127.0.0.1:8080:80
  NS=$b wait_for 30 echo_ok 8080
  t1=$(date +%s%N)
  assert_eq "$(field "$id.b" .state)" running "host B's status"
  assert_eq "$(field "$id.b" .migration.kind)" restore-from "how B's container came"
  wait_count "$T/hostB/b/volumes/0/log" $((n0 + 10))
  assert_continuous "$T/hostB/b/volumes/0/log"
  report "move between hosts: $(((t1 - t0) / 1000000)) ms from the export request until host B" \
    "answered (dump $(jq .dump_ms <<<"$out") ms, archive $(jq .restore_ms <<<"$out") ms," \
    "$(stat -c %s "$T/move.tar") bytes)"
}
run_test "migrate --export + --restore-from: another host (netns) goes on counting, same port" \
  with_shims test_cross_host
print_report

# The CLI's portable checkpoint, without the shim.
test_cli_export_import () {
  need_criu
  local id id2 n0 nb=$T/cli-target
  ct_bundle
  id=$(unique_id)
  # stdout a regular file, another one at restore, not empty: restore's
  # own stdio stands for the dumped one, whatever its size.
  rt run -d -b "$BUNDLE" "$id" </dev/null >"$T/cli-out1" 2>&1 || fail "run -d failed"
  wait_count "$BUNDLE/vol/log" 20
  assert_ok rt checkpoint --image-path "$T/cli-img" --export "$T/cli.tar" "$id"
  n0=$(count "$BUNDLE/vol/log")
  sleep 0.3
  assert_eq "$(count "$BUNDLE/vol/log")" "$n0" "the source is stopped"
  target_bundle "$nb"
  id2=$(unique_id)
  echo "restore's own stdout" >"$T/cli-out2"
  rt restore -d --import "$T/cli.tar" -b "$nb" --image-path "$T/cli-img2" "$id2" \
    </dev/null >>"$T/cli-out2" 2>"$T/$id2.err" || fail "restore --import: $(cat "$T/$id2.err")"
  wait_count "$nb/volumes/0/log" $((n0 + 10))
  assert_continuous "$nb/volumes/0/log"
}
run_test "cove checkpoint --export / restore --import: the count and the volume go on" \
  with_shims test_cli_export_import

# A dump that fails (injected: any machine): the container runs on where
# it was, the held connections are served, the error is reported.
test_dump_fails () {
  local id port pid0 n0
  ct_bundle
  fake_cove
  id=$(unique_id)
  port=$(free_port)
  start_shim "$id" "$id" --cove "$T/fake-cove" -p "127.0.0.1:$port:80"
  wait_for 20 echo_ok "$port"
  wait_count "$BUNDLE/vol/log" 10
  pid0=$(field "$id" .container_pid)
  rm -f "$T/stop-clients"
  clients "$port" "$T/clients" &
  sleep 0.5
  run shim ctl "$id" migrate
  sleep 0.5
  touch "$T/stop-clients"
  wait
  assert_eq "$status" 1 "ctl migrate exit status"
  assert_contains "$errout" "injected: criu said no" "the error"
  assert_contains "$errout" "runs where it was" "the error"
  assert_eq "$(field "$id" .migration.state)" failed "migration state"
  assert_eq "$(field "$id" .state)" running "state"
  assert_eq "$(field "$id" .container_pid)" "$pid0" "container pid"
  assert_eq "$(field "$id" .restart_count)" 0 "restart_count"
  n0=$(count "$BUNDLE/vol/log")
  wait_count "$BUNDLE/vol/log" $((n0 + 5))
  echo_ok "$port" || fail "the port does not answer: the proxy was not released"
  [ "$(grep -c '^fail' "$T/clients" || true)" = 0 ] \
    || fail "clients refused: $(grep -m3 '^fail' "$T/clients")"
  # And it can still be stopped as usual.
  assert_ok shim ctl "$id" stop
  assert_eq "$(field "$id" .state)" stopped "state after stop"
}
run_test "a checkpoint that fails: the container runs on, the port answers, the error is told" \
  with_shims test_dump_fails

# Where CRIU refuses the kernel: the real refusal, reported the same way.
test_criu_refuses () {
  [ -n "$CRIU_WHY" ] || skip "criu works here (the moves above are tested instead)"
  command -v criu >/dev/null || skip "criu is not installed"
  local id port pid0
  ct_bundle
  id=$(unique_id)
  port=$(free_port)
  start_shim "$id" "$id" -p "127.0.0.1:$port:80"
  wait_for 20 echo_ok "$port"
  pid0=$(field "$id" .container_pid)
  run shim ctl "$id" migrate --pre-dumps 1
  assert_eq "$status" 1 "ctl migrate exit status"
  assert_contains "$errout" "cove checkpoint" "the error"
  assert_contains "$errout" "runs where it was" "the error"
  assert_eq "$(field "$id" .container_pid)" "$pid0" "container pid"
  assert_eq "$(field "$id" .state)" running "state"
  echo_ok "$port" || fail "the port does not answer: the proxy was not released"
}
run_test "CRIU refuses: ctl migrate fails, the container runs on, the port answers" \
  with_shims test_criu_refuses

test_bad_requests () {
  local id
  ct_bundle
  id=$(unique_id)
  start_shim "$id" "$id"
  run shim ctl "$id" migrate --export "$T/x.tar" --to "$T/y"
  assert_eq "$status" 1 "--export with --to"
  assert_contains "$errout" "exclude each other" "the error"
  run shim ctl "$id" migrate --pre-dumps 99
  assert_eq "$status" 1 "--pre-dumps 99"
  assert_contains "$errout" "--pre-dumps \`99\`" "the error"
  run shim ctl "$id" migrate --bogus
  assert_eq "$status" 1 "--bogus"
  assert_contains "$errout" "\`--bogus\`" "the error"
  run shim ctl "$id" migrate --to "$BUNDLE"
  assert_eq "$status" 1 "--to the same bundle"
  assert_contains "$errout" "the container's bundle already" "the error"
  assert_eq "$(field "$id" .state)" running "state"
  [ "$(field "$id" .migration)" = null ] || fail "a refused request started a migration"
}
run_test "ctl migrate: bad requests are refused, nothing starts" with_shims test_bad_requests

test_restore_from_garbage () {
  local id port
  target_bundle "$T/junk-target"
  printf 'not an archive at all%.0s' $(seq 40) >"$T/junk.tar"
  id=$(unique_id)
  port=$(free_port)
  run shim -p "127.0.0.1:$port:80" --restore-from "$T/junk.tar" "$id" "$T/junk-target"
  assert_eq "$status" 1 "cove-shim exit status"
  assert_contains "$errout" "not a ustar header" "the error"
  [ ! -e "$STATE/.$id.shim" ] || fail "the shim directory is left"
  [ ! -e "$T/junk-target/volumes" ] || fail "volumes/ is left in the bundle"
  [ ! -e "$T/junk-target/config.json" ] || fail "config.json was written"
  ss -Htan "sport = :$port" | grep -q . && fail "the port is still bound"
  return 0
}
run_test "--restore-from a bad archive: one error, nothing left, the port free" \
  with_shims test_restore_from_garbage

done_testing
