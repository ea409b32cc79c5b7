#!/bin/bash
# t-hooks: the OCI hooks.  Each stage runs at its point of the lifecycle and
# in its namespaces (prestart and createRuntime in the runtime's, before
# `create` returns; createContainer in the container's, before pivot_root;
# startContainer in the container, at `start`; poststart after `start`;
# poststop at `delete`), gets the state JSON on stdin and only fds 0-2.  A
# failing or hanging hook fails `create` and leaves nothing behind; a
# failing poststop hook only warns.  The hooks are bash scripts on the host
# (startContainer ones run the container's /bin/sh) that write what they see
# into files.
# shellcheck source=tests/integration/lib.sh disable=SC2154,SC2317,SC2016 # run sets status/output/errout; tests are called by name; jq programs and container commands are single-quoted
. "$(dirname "$0")/lib.sh"

HOOK_ENV='["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]'

# make_hook NAME BODY: writes an executable bash script $T/hooks/NAME with
# BODY and prints its path.  The hook's arguments after argv[0] come from
# hook_json.
make_hook () {
  local path=$T/hooks/$1
  mkdir -p "$T/hooks"
  printf '#!/bin/bash\n%s\n' "$2" >"$path"
  chmod 0755 "$path"
  echo "$path"
}

# hook_json PATH [ARG...]: one hook object; argv[0] is PATH.
hook_json () {
  local path=$1 args
  args=$(jq -n '$ARGS.positional' --args "$@")
  jq -n --arg p "$path" --argjson a "$args" --argjson e "$HOOK_ENV" \
    '{ path: $p, args: $a, env: $e }'
}

# add_hook STAGE HOOK-JSON: appends a hook to hooks.STAGE of $BUNDLE.
add_hook () {
  cfg --arg s "$1" --argjson h "$2" '.hooks[$s] += [ $h ]'
}

# A hook that records what it sees into $1.*: its mount and network
# namespaces, the state on its stdin, whether the host's $2 exists (it does
# before pivot_root) and its fds.
RECORD_BODY='out=$1
readlink /proc/self/ns/mnt >"$out.mnt"
readlink /proc/self/ns/net >"$out.net"
if [ -e "$2" ]; then echo yes; else echo no; fi >"$out.host-visible"
cat >"$out.state"'

# json_field FILE FILTER
json_field () {
  jq -r "$2" "$1"
}

# check_state FILE ID STATUS-ERE: the state JSON a hook saw.  The pid is
# required unless the status is stopped (runtime-spec: "when created or
# running").
check_state () {
  local file=$1 st
  [ -s "$file" ] || fail "no state JSON in $file"
  jq -e . "$file" >/dev/null || fail "the state in $file is not JSON: $(cat "$file")"
  assert_eq "$(json_field "$file" .id)" "$2" "id in $file"
  st=$(json_field "$file" .status)
  assert_match "$st" "^($3)\$" "status in $file"
  assert_eq "$(json_field "$file" .bundle)" "$(realpath "$BUNDLE")" "bundle in $file"
  assert_ne "$(json_field "$file" '.ociVersion // ""')" "" "ociVersion in $file"
  [ "$st" = stopped ] \
    || assert_match "$(json_field "$file" .pid)" '^[1-9][0-9]*$' "pid in $file"
}

# ---------------------------------------------------------------------------

# prestart and createRuntime run in the runtime's namespaces during
# `create`; their state has the host pid of the container.
test_runtime_namespace_hooks () {
  local hook id pid stage
  new_bundle /probe sleep
  : >"$T/marker"
  hook=$(make_hook record "$RECORD_BODY")
  add_hook prestart "$(hook_json "$hook" "$T/prestart" "$T/marker")"
  add_hook createRuntime "$(hook_json "$hook" "$T/createRuntime" "$T/marker")"
  id=$(unique_id)
  rt_create "$id"
  pid=$(state_field "$id" .pid)
  for stage in prestart createRuntime; do
    assert_eq "$(cat "$T/$stage.mnt")" "$(readlink /proc/self/ns/mnt)" "$stage: mount namespace"
    assert_eq "$(cat "$T/$stage.net")" "$(readlink /proc/self/ns/net)" "$stage: network namespace"
    assert_ne "$(cat "$T/$stage.net")" "$(readlink "/proc/$pid/ns/net")" "$stage: network namespace"
    check_state "$T/$stage.state" "$id" creating
    assert_eq "$(json_field "$T/$stage.state" .pid)" "$pid" "$stage: pid of the state"
  done
  [ "$(state_field "$id" .status)" = created ] || fail "not created"
}

# createContainer runs in the container's namespaces, before pivot_root
# (the host's files are still visible).
test_create_container_hook () {
  local hook id pid
  new_bundle /probe sleep
  : >"$T/marker"
  hook=$(make_hook record "$RECORD_BODY")
  add_hook createContainer "$(hook_json "$hook" "$T/cc" "$T/marker")"
  id=$(unique_id)
  rt_create "$id"
  pid=$(state_field "$id" .pid)
  assert_eq "$(cat "$T/cc.mnt")" "$(readlink "/proc/$pid/ns/mnt")" "mount namespace of the hook"
  assert_ne "$(cat "$T/cc.mnt")" "$(readlink /proc/self/ns/mnt)" "mount namespace of the hook"
  assert_eq "$(cat "$T/cc.net")" "$(readlink "/proc/$pid/ns/net")" "network namespace of the hook"
  assert_eq "$(cat "$T/cc.host-visible")" yes "host file visible (before pivot_root)"
  # The spec leaves open whether create is still going on here.
  check_state "$T/cc.state" "$id" 'creating|created'
}

# startContainer runs inside the container at `start`, not at `create`,
# and before the process: the process sees what the hook wrote.
test_start_container_hook () {
  local id pid mnt
  new_bundle /bin/sh -c 'cat /tmp/start-hook'
  cfg --argjson e "$HOOK_ENV" '.hooks.startContainer = [ { path: "/bin/sh",
    args: ["sh", "-c", "readlink /proc/self/ns/mnt >/tmp/start-mnt; cat >/tmp/start-state; echo hook-ran >/tmp/start-hook"],
    env: $e } ]'
  id=$(unique_id)
  rt_create "$id"
  pid=$(state_field "$id" .pid)
  mnt=$(readlink "/proc/$pid/ns/mnt")
  [ ! -e "$BUNDLE/rootfs/tmp/start-hook" ] || fail "startContainer ran at create"
  rt start "$id"
  wait_status "$id" stopped
  assert_eq "$(ct_out "$id")" hook-ran "what the process saw"
  assert_eq "$(cat "$BUNDLE/rootfs/tmp/start-mnt")" "$mnt" "mount namespace of the hook"
  check_state "$BUNDLE/rootfs/tmp/start-state" "$id" created
}

# poststart runs after `start`, once the process is executed (its command
# line is the container's, no longer the runtime's), with status running.
test_poststart_hook () {
  local hook cmdline id pid
  new_bundle /probe sleep
  hook=$(make_hook record "$RECORD_BODY")
  cmdline=$(make_hook cmdline 'pid=$(jq -r .pid) && tr "\0" " " <"/proc/$pid/cmdline" >"$1"')
  add_hook poststart "$(hook_json "$hook" "$T/ps" /)"
  add_hook poststart "$(hook_json "$cmdline" "$T/ps.cmdline")"
  id=$(unique_id)
  rt_create "$id"
  pid=$(state_field "$id" .pid)
  [ ! -e "$T/ps.state" ] || fail "poststart ran at create"
  rt start "$id"
  [ -e "$T/ps.state" ] || fail "poststart had not run when start returned"
  check_state "$T/ps.state" "$id" running
  assert_eq "$(json_field "$T/ps.state" .pid)" "$pid" "pid of the state"
  assert_eq "$(cat "$T/ps.mnt")" "$(readlink /proc/self/ns/mnt)" "mount namespace of the hook"
  assert_eq "$(cat "$T/ps.cmdline")" "/probe sleep " "command line of the process at poststart"
}

# poststop runs at `delete`, with status stopped.
test_poststop_hook () {
  local hook id
  new_bundle /probe exit 0
  hook=$(make_hook record "$RECORD_BODY")
  add_hook poststop "$(hook_json "$hook" "$T/pst" /)"
  id=$(unique_id)
  rt_create "$id"
  rt start "$id"
  wait_status "$id" stopped
  [ ! -e "$T/pst.state" ] || fail "poststop ran before delete"
  rt delete "$id"
  check_state "$T/pst.state" "$id" stopped
  assert_fail rt state "$id"
}

# Hooks of a stage run in order; the stages run in lifecycle order.  All
# append to one file: the host ones through the bundle's path, the
# startContainer one as /tmp/order inside.
test_hook_order () {
  local hook id log
  new_bundle /probe exit 0
  log=$BUNDLE/rootfs/tmp/order
  hook=$(make_hook append 'echo "$1" >>"$2"')
  add_hook prestart "$(hook_json "$hook" prestart-1 "$log")"
  add_hook prestart "$(hook_json "$hook" prestart-2 "$log")"
  add_hook prestart "$(hook_json "$hook" prestart-3 "$log")"
  add_hook createRuntime "$(hook_json "$hook" createRuntime-1 "$log")"
  add_hook createRuntime "$(hook_json "$hook" createRuntime-2 "$log")"
  add_hook createContainer "$(hook_json "$hook" createContainer "$log")"
  cfg --argjson e "$HOOK_ENV" '.hooks.startContainer = [
    { path: "/bin/sh", args: ["sh", "-c", "echo startContainer-1 >>/tmp/order"], env: $e },
    { path: "/bin/sh", args: ["sh", "-c", "echo startContainer-2 >>/tmp/order"], env: $e } ]'
  add_hook poststart "$(hook_json "$hook" poststart "$log")"
  add_hook poststop "$(hook_json "$hook" poststop-1 "$log")"
  add_hook poststop "$(hook_json "$hook" poststop-2 "$log")"
  id=$(unique_id)
  rt_create "$id"
  echo created >>"$log"
  rt start "$id"
  wait_status "$id" stopped
  echo stopped >>"$log"
  rt delete "$id"
  assert_eq "$(tr '\n' ' ' <"$log")" "prestart-1 prestart-2 prestart-3 createRuntime-1 createRuntime-2 createContainer created startContainer-1 startContainer-2 poststart stopped poststop-1 poststop-2 " "order of the hooks"
}

# A hook exiting 3 fails create with a message naming it, and nothing is
# left: no state, no process, no mount.
test_hook_failure () {
  local hook stage id
  hook=$(make_hook fail 'cat >/dev/null; exit 3')
  for stage in prestart createRuntime createContainer; do
    new_bundle /probe sleep
    add_hook "$stage" "$(hook_json "$hook")"
    id=$(unique_id "$stage")
    assert_fails_clean rt create -b "$BUNDLE" "$id"
    assert_error_mentions "$errout" "status 3" "$stage: error gives the exit status"
    assert_error_mentions "$errout" "$hook" "$stage: error names the hook"
    assert_error_mentions "$errout" "$stage" "$stage: error names the stage"
    assert_fail rt state "$id"
  done
}

# A hook running past its timeout is killed, with what it started, and
# create fails in about that time.
test_hook_timeout () {
  local hook id start secs
  new_bundle /probe sleep
  hook=$(make_hook hang "bash -c 'sleep 60; :' \"\$1\" &
sleep 60")
  add_hook createRuntime "$(hook_json "$hook" "$T/hook-child" | jq '.timeout = 2')"
  id=$(unique_id)
  start=$(date +%s%N)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  secs=$((($(date +%s%N) - start) / 1000000))
  lib_diag "create took ${secs} ms"
  ((secs >= 1900)) || fail "create failed after ${secs} ms, before the 2 s timeout"
  ((secs < 10000)) || fail "create took ${secs} ms with a 2 s timeout"
  assert_error_mentions "$errout" "timed out" "error says what happened"
  assert_error_mentions "$errout" createRuntime "error names the stage"
}

# A failing poststop hook is only a warning: delete succeeds and the next
# poststop hook still runs.
test_poststop_failure () {
  local bad good id
  new_bundle /probe exit 0
  bad=$(make_hook bad 'exit 1')
  good=$(make_hook good 'cat >"$1"')
  add_hook poststop "$(hook_json "$bad")"
  add_hook poststop "$(hook_json "$good" "$T/good.state")"
  id=$(unique_id)
  rt_create "$id"
  rt start "$id"
  wait_status "$id" stopped
  run rt delete "$id"
  assert_eq "$status" 0 "status of delete"
  assert_error_mentions "$errout" poststop "the warning names the stage"
  check_state "$T/good.state" "$id" stopped
  assert_fail rt state "$id"
}

# Hooks see only fds 0, 1 and 2, whatever the runtime has open.
test_hook_fds () {
  local hook id stage fds
  new_bundle /probe exit 0
  hook=$(make_hook fds 'exec "$2" fds >"$1"')
  for stage in prestart createRuntime createContainer poststart poststop; do
    add_hook "$stage" "$(hook_json "$hook" "$T/$stage.fds" "$BUNDLE/rootfs/probe")"
  done
  cfg --argjson e "$HOOK_ENV" '.hooks.startContainer = [ { path: "/bin/sh",
    args: ["sh", "-c", "exec /probe fds >/tmp/startContainer.fds"], env: $e } ]'
  id=$(unique_id)
  exec 7<"$T" 8</
  rt_create "$id"
  rt start "$id"
  exec 7<&- 8<&-
  wait_status "$id" stopped
  rt delete "$id"
  cp "$BUNDLE/rootfs/tmp/startContainer.fds" "$T/startContainer.fds"
  for stage in prestart createRuntime createContainer startContainer poststart poststop; do
    [ -s "$T/$stage.fds" ] || fail "$stage hook did not run"
    fds=$(sed -n 's/^\([0-9]*\) -> .*/\1/p' "$T/$stage.fds" | sort -n | tr '\n' ' ')
    lib_diag "$stage: $(tr '\n' ' ' <"$T/$stage.fds")"
    assert_eq "$fds" "0 1 2 " "fds of the $stage hook"
  done
}

run_test "prestart, createRuntime: runtime namespace, state" test_runtime_namespace_hooks
run_test "createContainer: container namespaces, before pivot_root" test_create_container_hook
run_test "startContainer: in the container, at start" test_start_container_hook
run_test "poststart: after start, status running" test_poststart_hook
run_test "poststop: at delete, status stopped" test_poststop_hook
run_test "order of hooks and stages" test_hook_order
run_test "a hook exiting 3 fails create cleanly" test_hook_failure
run_test "a hook past its timeout is killed" test_hook_timeout
run_test "a failing poststop hook only warns" test_poststop_failure
run_test "hooks see only fds 0-2" test_hook_fds
done_testing
