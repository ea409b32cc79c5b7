#!/bin/bash
# t-cli-errors: bad input to the CLI.  Each case must fail with a non-zero
# exit and a one-line error, and leave nothing behind: no state entry, no
# mount, no process, no cgroup, no open fd.  Messages are matched loosely
# (a field path, a word), not word for word.
# shellcheck source=tests/integration/lib.sh disable=SC2154,SC2317 # run sets status/output/errout; tests are called by name
. "$(dirname "$0")/lib.sh"

# create_fails_clean: `create` of a fresh id from $BUNDLE must fail cleanly
# and leave no container; $errout keeps the error of `create`.
create_fails_clean () {
  local id create_err
  id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  create_err=$errout
  assert_fail rt state "$id"
  errout=$create_err
}

test_missing_bundle () {
  BUNDLE=$T/no-such-bundle
  create_fails_clean
  assert_error_mentions "$errout" no-such-bundle "error names the bundle"
}

test_no_config () {
  new_bundle
  rm "$BUNDLE/config.json"
  create_fails_clean
  assert_error_mentions "$errout" config.json
}

test_malformed_json () {
  new_bundle
  printf '{ "ociVersion": "1.2.1", "process": { "args": [ "/probe"' \
    >"$BUNDLE/config.json"
  create_fails_clean
}

test_not_an_object () {
  new_bundle
  echo '[ 1, 2 ]' >"$BUNDLE/config.json"
  create_fails_clean
}

test_args_wrong_type () {
  new_bundle
  cfg '.process.args = "sh"'
  create_fails_clean
  assert_error_mentions "$errout" process.args "error names the field"
}

test_uid_wrong_type () {
  new_bundle
  cfg '.process.user.uid = "root"'
  create_fails_clean
  assert_error_mentions "$errout" uid "error names the field"
}

test_unknown_namespace () {
  new_bundle
  cfg '.linux.namespaces += [ { "type": "bogus" } ]'
  create_fails_clean
  assert_error_mentions "$errout" bogus "error names the value"
}

test_duplicate_namespace () {
  new_bundle
  cfg '.linux.namespaces += [ { "type": "pid" } ]'
  create_fails_clean
}

test_namespace_path_wrong_type () {
  new_bundle
  # A network namespace file offered as a mount namespace.
  cfg '(.linux.namespaces[] | select(.type == "mount")) .path = "/proc/self/ns/net"'
  create_fails_clean
}

test_missing_rootfs () {
  new_bundle
  cfg '.root.path = "no-such-rootfs"'
  create_fails_clean
}

test_relative_cwd () {
  new_bundle
  cfg '.process.cwd = "tmp"'
  create_fails_clean
  assert_error_mentions "$errout" cwd "error names the field"
}

test_terminal_without_socket () {
  new_bundle
  cfg '.process.terminal = true'
  create_fails_clean
}

test_missing_args () {
  new_bundle
  cfg '.process.args = []'
  create_fails_clean
}

test_unknown_rlimit () {
  new_bundle
  cfg '.process.rlimits += [ { "type": "RLIMIT_BOGUS", "soft": 1, "hard": 1 } ]'
  create_fails_clean
  assert_error_mentions "$errout" RLIMIT_BOGUS "error names the value"
}

test_invalid_ids () {
  local id
  new_bundle
  for id in a/b .. . ../escape ""; do
    assert_fails_clean rt create -b "$BUNDLE" "$id"
    # Nothing may appear outside the state root either.
    [ ! -e "$T/escape" ] || fail "id '$id' escaped the state root"
  done
}

test_missing_id_argument () {
  new_bundle
  assert_fail rt create -b "$BUNDLE"
}

test_unknown_command () {
  assert_fail rt no-such-command
}

test_unknown_option () {
  new_bundle
  assert_fail rt create --no-such-option -b "$BUNDLE" "$(unique_id)"
}

test_relative_root () {
  # A relative --root either fails cleanly or is used consistently from the
  # same working directory; it must never end up somewhere else.
  local id
  new_bundle
  id=$(unique_id)
  mkdir "$T/cwd"
  cd "$T/cwd" || fail "cd"
  track_id "$id" "$T/cwd/relstate"
  leak_check_begin
  run timeout 30 "$RUNTIME" --root relstate create -b "$BUNDLE" "$id"
  if [ "$status" != 0 ]; then
    assert_one_line "$errout" "stderr of create with a relative --root"
    leak_check_end
    return 0
  fi
  [ -d "$T/cwd/relstate" ] || fail "relative --root did not resolve against the cwd"
  assert_ok timeout 30 "$RUNTIME" --root relstate state "$id"
  assert_contains "$output" created
  assert_ok timeout 30 "$RUNTIME" --root relstate delete -f "$id"
}

test_duplicate_id () {
  local id
  new_bundle /probe sleep
  id=$(unique_id)
  rt_create "$id"
  wait_status "$id" created
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" "$id" "error names the id"
  # The first container is intact.
  assert_eq "$(state_field "$id" .status)" created
  rt start "$id"
  wait_status "$id" running
}

test_start_twice () {
  local id
  new_bundle /probe sleep
  id=$(unique_id)
  rt_create "$id"
  rt start "$id"
  wait_status "$id" running
  assert_fails_clean rt start "$id"
  assert_eq "$(state_field "$id" .status)" running
}

test_start_stopped () {
  local id
  new_bundle /probe exit 0
  id=$(unique_id)
  rt_create "$id"
  rt start "$id"
  wait_status "$id" stopped
  assert_fails_clean rt start "$id"
}

test_delete_running () {
  local id
  new_bundle /probe sleep
  id=$(unique_id)
  rt_create "$id"
  rt start "$id"
  wait_status "$id" running
  assert_fails_clean rt delete "$id"
  assert_eq "$(state_field "$id" .status)" running
  assert_ok rt delete -f "$id"
  assert_fail rt state "$id"
}

test_kill_unknown_signal () {
  local id sig
  new_bundle /probe sleep
  id=$(unique_id)
  rt_create "$id"
  rt start "$id"
  wait_status "$id" running
  for sig in SIGBOGUS BOGUS 0x9 -1 99999; do
    assert_fails_clean rt kill "$id" "$sig"
  done
  assert_eq "$(state_field "$id" .status)" running
}

test_missing_container () {
  local id cmd
  id=$(unique_id missing)
  for cmd in state start kill delete; do
    assert_fails_clean rt "$cmd" "$id"
    assert_error_mentions "$errout" "$id" "error of \`$cmd\` names the id"
  done
}

run_test "create: missing bundle directory" test_missing_bundle
run_test "create: bundle without config.json" test_no_config
run_test "create: malformed JSON" test_malformed_json
run_test "create: config.json is not an object" test_not_an_object
run_test "create: process.args is a string" test_args_wrong_type
run_test "create: process.user.uid is a string" test_uid_wrong_type
run_test "create: unknown namespace type" test_unknown_namespace
run_test "create: duplicate namespace type" test_duplicate_namespace
run_test "create: namespace path of the wrong type" test_namespace_path_wrong_type
run_test "create: rootfs does not exist" test_missing_rootfs
run_test "create: relative process.cwd" test_relative_cwd
run_test "create: terminal without --console-socket" test_terminal_without_socket
run_test "create: empty process.args" test_missing_args
run_test "create: unknown rlimit" test_unknown_rlimit
run_test "create: invalid container ids" test_invalid_ids
run_test "create: missing id argument" test_missing_id_argument
run_test "unknown command" test_unknown_command
run_test "unknown option" test_unknown_option
run_test "relative --root" test_relative_root
run_test "create: duplicate id" test_duplicate_id
run_test "start: twice" test_start_twice
run_test "start: stopped container" test_start_stopped
run_test "delete: running container without -f" test_delete_running
run_test "kill: unknown signal" test_kill_unknown_signal
run_test "state/start/kill/delete: missing container" test_missing_container
done_testing
