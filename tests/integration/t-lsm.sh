#!/bin/bash
# Security labels: an AppArmor profile on a host without AppArmor fails
# create cleanly; an SELinux label without SELinux is a no-op and the
# container runs.  (The procfs check on label writes is in
# tests/unit/test-lsm.c.)
. "$(dirname "$0")/lib.sh"

apparmor_on () { [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; }
selinux_on () { [ -e /sys/fs/selinux/enforce ]; }

test_apparmor_profile_without_apparmor () {
  apparmor_on && { skip "AppArmor is enabled on this host"; return; }
  new_bundle /probe ids
  cfg '.process.apparmorProfile = "docker-default"'
  local id; id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" apparmorProfile "error names the field"
  assert_error_mentions "$errout" "AppArmor is not enabled" "error says why"
}

test_selinux_label_without_selinux () {
  selinux_on && { skip "SELinux is enabled on this host"; return; }
  new_bundle /probe ids
  cfg '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
  cfg '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
  run rt run -b "$BUNDLE" "$(unique_id)"
  assert_eq "$status" 0 "runs with a label on a host without SELinux"
  assert_match "$output" "uid=0" "the process ran"
}

test_exec_apparmor_flag_without_apparmor () {
  apparmor_on && { skip "AppArmor is enabled on this host"; return; }
  new_bundle /probe sleep 30
  local id; id=$(unique_id)
  rt_run_d "$id"
  run rt exec --apparmor docker-default "$id" /probe ids
  assert_eq "$status" 255 "exec fails as a runtime error"
  assert_match "$errout" "AppArmor is not enabled" "and says why"
}

run_test "apparmorProfile without AppArmor: clean error" test_apparmor_profile_without_apparmor
run_test "selinuxLabel without SELinux: no-op" test_selinux_label_without_selinux
run_test "exec --apparmor without AppArmor: error 255" test_exec_apparmor_flag_without_apparmor
done_testing
