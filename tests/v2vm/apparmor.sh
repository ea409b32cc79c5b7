#!/bin/bash
# apparmor.sh: process.apparmorProfile and `exec --apparmor` under a real,
# enforcing AppArmor.  tests/integration/t-apparmor.sh runs it, in a
# throw-away VM (tests/v2vm/run-in-v2-vm.sh) unless the host itself has
# AppArmor.  It is an ordinary lib.sh test file otherwise: TAP on stdout.
#
# It loads profiles of its own with apparmor_parser (names carry this
# file's id prefix, so a host run cannot clash with the host's profiles; they
# are removed at exit).  They allow everything a container needs but deny a
# few paths of the test rootfs, so confinement is seen in two ways: the
# label the kernel reports for the process (from outside in
# /proc/<pid>/attr/..., from inside in /proc/self/attr/current) and what the
# process is refused (EACCES where an unconfined container succeeds).
#
# SELinux is not tested here.  The VM's kernel has it built in, but like
# AppArmor it is an exclusive LSM (one per boot; `security=selinux` picks
# it).  Booted that way without a policy (tried), every process is
# `kernel`, /proc/self/attr/exec takes any string, garbage included, and
# nothing changes at exec: no label to observe, no denial to provoke.
# libselinux's is_selinux_enabled() is 0 there too (no /etc/selinux/config),
# so cove rightly treats SELinux as absent (tests/integration/t-lsm.sh
# covers that no-op).  Real labels need a loaded policy with a container
# domain that root may transition into: Debian's refpolicy
# (selinux-policy-default with its tools, a relabelled root) or a
# hand-written minimal policy covering every class and permission the
# runtime and probe touch.  Neither is cheap: left out.

# shellcheck source=tests/integration/lib.sh disable=SC2016,SC2119,SC2154,SC2317 # jq programs in single quotes; unique_id takes no args here; run sets status/output/errout; tests are called by name
. "$(dirname "$0")/../integration/lib.sh"

[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] \
  || lib_bail "AppArmor is not enabled in this kernel (/sys/module/apparmor/parameters/enabled)"
command -v apparmor_parser >/dev/null || lib_bail "apparmor_parser is not installed"
SECFS=/sys/kernel/security
SECFS_OURS=0
if [ ! -d "$SECFS"/apparmor ]; then
  # The VM's init does not mount securityfs; apparmor_parser loads through it.
  mount -t securityfs securityfs "$SECFS" || lib_bail "cannot mount securityfs on $SECFS"
  SECFS_OURS=1
fi
[ -w "$SECFS"/apparmor/.load ] || lib_bail "$SECFS/apparmor/.load is missing"

# The profiles allow all files, capabilities, networking, signals, ptrace,
# unix sockets and mounts (what init and probe need), then deny: A (and C)
# reading /aa-secret and writing under /aa-dir; B reading /aa-other.  Paths are as the container sees them (AppArmor names files
# relative to the mount namespace's root, the container's after
# pivot_root); attach_disconnected keeps names of files outside that root
# (the runtime's inherited fds) from being denied.
PA=cove-test-$ID_PREFIX-a
PB=cove-test-$ID_PREFIX-b
PC=cove-test-$ID_PREFIX-c   # loaded and removed by one test
NOSUCH=cove-test-$ID_PREFIX-not-loaded

aa_profile () { # NAME DENY-RULES...
  local name=$1
  shift
  printf 'profile %s flags=(attach_disconnected,mediate_deleted) {\n' "$name"
  printf '  file,\n  capability,\n  network,\n  signal,\n  ptrace,\n  unix,\n'
  printf '  mount,\n  umount,\n  pivot_root,\n'
  printf '  %s\n' "$@"
  printf '}\n'
}

aa_unload () {
  local p
  for p in "$PA" "$PB" "$PC"; do
    if grep -q "^$p " "$SECFS"/apparmor/profiles 2>/dev/null; then
      printf '%s' "$p" >"$SECFS"/apparmor/.remove 2>/dev/null
    fi
  done
}

# Containers go first (lib.sh's cleanup), then our profiles.
aa_exit () {
  local rc=$?
  cleanup_containers
  aa_unload
  [ "$SECFS_OURS" = 0 ] || umount "$SECFS" 2>/dev/null
  (exit "$rc")
  lib_cleanup
}
trap aa_exit EXIT

aa_profile "$PA" 'deny /aa-secret r,' 'deny /aa-dir/** w,' >"$T/profile-a"
aa_profile "$PB" 'deny /aa-other r,' >"$T/profile-b"
for f in "$T/profile-a" "$T/profile-b"; do
  apparmor_parser -K -r "$f" >"$T/parser.log" 2>&1 \
    || lib_bail "apparmor_parser -r $f failed: $(tr '\n' ' ' <"$T/parser.log")"
done
grep -q "^$PA (enforce)" "$SECFS"/apparmor/profiles || lib_bail "profile $PA is not loaded"

# The label AppArmor reports for a confined process.
LA="$PA (enforce)"
LB="$PB (enforce)"

# aa_bundle ARGS...: new_bundle plus the files the profiles name.
aa_bundle () {
  new_bundle "$@"
  echo secret >"$BUNDLE/rootfs/aa-secret"
  echo other >"$BUNDLE/rootfs/aa-other"
  mkdir "$BUNDLE/rootfs/aa-dir" "$BUNDLE/rootfs/aa-ok"
  # probe's write truncates an existing file (it does not create one).
  : >"$BUNDLE/rootfs/aa-dir/f"
  : >"$BUNDLE/rootfs/aa-ok/f"
  : >"$BUNDLE/rootfs/aa-ok/ran"
}

# label_of PID: the AppArmor label of a process, seen from outside, through
# both interfaces (the stacked one, Linux >= 5.8, and the legacy one); they
# must agree.
label_of () {
  local a b
  a=$(cat "/proc/$1/attr/apparmor/current")
  b=$(cat "/proc/$1/attr/current")
  [ "$a" = "$b" ] || fail "attr/apparmor/current '$a' and attr/current '$b' of $1 differ"
  echo "$a"
}

# pids_in_ns PID: the pids (host view) in the pid namespace of PID.
pids_in_ns () {
  local ns d
  ns=$(readlink "/proc/$1/ns/pid")
  for d in /proc/[0-9]*; do
    if [ "$(readlink "$d/ns/pid" 2>/dev/null)" = "$ns" ]; then
      echo "${d#/proc/}"
    fi
  done | sort -n
}

# ---------------------------------------------------------------------------

test_init_label () {
  aa_bundle /probe label + sleep 60
  cfg --arg p "$PA" '.process.apparmorProfile = $p'
  local id pid
  id=$(unique_id)
  rt_run_d "$id"
  pid=$(state_field "$id" .pid)
  assert_eq "$(label_of "$pid")" "$LA" "label of init from outside"
  wait_for 10 test -s "$T/$id.out"
  assert_eq "$(ct_out "$id")" "$LA" "label of init from inside"
}
run_test "apparmorProfile: init's label, from outside and inside" test_init_label

test_label_at_exec () {
  aa_bundle /probe label
  cfg --arg p "$PA" '.process.apparmorProfile = $p'
  local id pid
  id=$(unique_id)
  rt_create "$id"
  pid=$(state_field "$id" .pid)
  # The profile is for the container's program: the runtime's own init is
  # not confined while it still sets the container up.
  assert_eq "$(label_of "$pid")" "$(cat /proc/self/attr/current)" \
    "label of the created init (the runtime's)"
  assert_ok rt start "$id"
  wait_status "$id" stopped
  assert_eq "$(ct_out "$id")" "$LA" "label of the started program"
}
run_test "apparmorProfile: the profile applies at exec, not before start" test_label_at_exec

test_denials () {
  aa_bundle /probe read /aa-secret + write /aa-dir/f x + write /aa-ok/f x + read /aa-other
  local id
  cfg --arg p "$PA" '.process.apparmorProfile = $p'
  id=$(unique_id)
  run rt run -b "$BUNDLE" "$id"
  assert_eq "$status" 1 "probe's status (a verb failed)"
  assert_eq "$output" $'EACCES\nEACCES\nok\nother' "confined by $PA"
  [ ! -s "$BUNDLE/rootfs/aa-dir/f" ] || fail "the denied write happened"
  # The same program unconfined: the files are there and writable.
  cfg 'del(.process.apparmorProfile)'
  id=$(unique_id)
  run rt run -b "$BUNDLE" "$id"
  assert_eq "$status" 0 "probe's status unconfined"
  assert_eq "$output" $'secret\nok\nok\nother' "unconfined"
  assert_eq "$(cat "$BUNDLE/rootfs/aa-dir/f")" x "the write unconfined"
}
run_test "apparmorProfile: the profile's denials apply (EACCES), not without it" test_denials

test_unconfined_name () {
  aa_bundle /probe label + read /aa-secret
  cfg '.process.apparmorProfile = "unconfined"'
  run rt run -b "$BUNDLE" "$(unique_id)"
  assert_eq "$status" 0 "status"
  assert_eq "$output" $'unconfined\nsecret' "label and read"
}
run_test "apparmorProfile \"unconfined\" runs unconfined" test_unconfined_name

test_exec_flag () {
  aa_bundle /probe sleep 60
  local id pid
  id=$(unique_id)
  rt_run_d "$id"
  pid=$(state_field "$id" .pid)
  run rt exec --apparmor "$PB" "$id" /probe label + read /aa-other + read /aa-secret
  assert_eq "$status" 1 "probe's status (a verb failed)"
  assert_eq "$output" "$LB"$'\nEACCES\nsecret' "exec --apparmor $PB"
  assert_eq "$(label_of "$pid")" unconfined "init stays unconfined"
  assert_ok rt exec "$id" /probe label + read /aa-other
  assert_eq "$output" $'unconfined\nother' "exec without --apparmor"
  # Seen from outside while it runs.
  rt exec -d --apparmor "$PB" "$id" /probe sleep 60 >/dev/null 2>&1 </dev/null
  local p found=""
  for p in $(pids_in_ns "$pid"); do
    if [ "$p" != "$pid" ] && [ "$(tr '\0' ' ' <"/proc/$p/cmdline")" = "/probe sleep 60 " ]; then
      found=$p
    fi
  done
  [ -n "$found" ] || fail "the detached exec process is not in the container"
  assert_eq "$(label_of "$found")" "$LB" "label of the exec'd process from outside"
}
run_test "exec --apparmor confines the exec'd process only" test_exec_flag

test_exec_inherits () {
  aa_bundle /probe sleep 60
  cfg --arg p "$PA" '.process.apparmorProfile = $p'
  local id
  id=$(unique_id)
  rt_run_d "$id"
  assert_fail rt exec "$id" /probe label + read /aa-secret
  assert_eq "$output" "$LA"$'\nEACCES' "exec takes the container's profile"
  assert_ok rt exec --apparmor "$PB" "$id" /probe label + read /aa-secret
  assert_eq "$output" "$LB"$'\nsecret' "--apparmor overrides it"
  jq --arg p "$PB" '.process | .args = ["/probe", "label"] | .apparmorProfile = $p' \
    "$BUNDLE/config.json" >"$T/process.json"
  assert_ok rt exec --process "$T/process.json" "$id"
  assert_eq "$output" "$LB" "exec --process with apparmorProfile"
}
run_test "exec takes the container's profile; --apparmor and --process override it" \
  test_exec_inherits

test_not_loaded_create () {
  aa_bundle /probe label
  cfg --arg p "$NOSUCH" '.process.apparmorProfile = $p'
  local id
  id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" "$NOSUCH" "error names the profile"
  assert_fail rt state "$id"
}
run_test "apparmorProfile not loaded: create fails cleanly, naming it" test_not_loaded_create

test_not_loaded_run () {
  aa_bundle /probe write /aa-ok/ran x
  cfg --arg p "$NOSUCH" '.process.apparmorProfile = $p'
  local id
  id=$(unique_id)
  assert_fails_clean rt run -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" "$NOSUCH" "error names the profile"
  [ ! -s "$BUNDLE/rootfs/aa-ok/ran" ] || fail "the program ran unconfined"
  assert_fail rt state "$id"
}
run_test "apparmorProfile not loaded: run fails cleanly, the program never runs" \
  test_not_loaded_run

test_exec_not_loaded () {
  aa_bundle /probe sleep 60
  local id pid before
  id=$(unique_id)
  rt_run_d "$id"
  pid=$(state_field "$id" .pid)
  before=$(pids_in_ns "$pid")
  leak_check_begin
  assert_fail rt exec --apparmor "$NOSUCH" "$id" /probe write /aa-ok/ran x
  assert_one_line "$errout" "stderr of exec"
  assert_error_mentions "$errout" "$NOSUCH" "error names the profile"
  leak_check_end
  [ ! -s "$BUNDLE/rootfs/aa-ok/ran" ] || fail "the program ran unconfined"
  assert_eq "$(pids_in_ns "$pid")" "$before" "processes of the container"
  assert_eq "$(state_field "$id" .status)" running "the container"
}
run_test "exec --apparmor with a profile not loaded fails cleanly" test_exec_not_loaded

test_redirected_attr () {
  # The container mounts another procfs file over init's attr file before
  # the label is written: the kernel's hostname file, which writes go to
  # the UTS namespace of the writer (the container's).  A runtime that
  # only checks "is it procfs" would rename the container and run it
  # unconfined.  (CVE-2025-52881 reached such a mount through a race;
  # config.json is the simple way to get it.)
  aa_bundle /probe hostname + label
  cfg --arg p "$PA" '.process.apparmorProfile = $p
    | .mounts += [{destination: "/proc/1/task/1/attr/apparmor/exec", type: "bind",
                   source: "/proc/sys/kernel/hostname", options: ["bind"]},
                  {destination: "/proc/1/task/1/attr/exec", type: "bind",
                   source: "/proc/sys/kernel/hostname", options: ["bind"]}]'
  local id
  id=$(unique_id)
  run rt run -b "$BUNDLE" "$id"
  assert_ne "$status" 0 "run with a procfs file over the attr file"
  assert_not_contains "$output" "exec $PA" "the label went into the hostname"
  assert_not_contains "$output" unconfined "the program ran unconfined"
  assert_error_mentions "$errout" "refusing to write a label" "the error"
}
run_test "a procfs file mounted over the attr file does not get the label" test_redirected_attr

test_unloaded_before_start () {
  # Confined by C the write is refused; it only lands if the program runs
  # unconfined.
  aa_bundle /probe write /aa-dir/f x
  cfg --arg p "$PC" '.process.apparmorProfile = $p'
  aa_profile "$PC" 'deny /aa-secret r,' 'deny /aa-dir/** w,' >"$T/profile-c"
  assert_ok apparmor_parser -K -r "$T/profile-c"
  local id
  id=$(unique_id)
  rt_create "$id"
  printf '%s' "$PC" >"$SECFS"/apparmor/.remove
  run rt start "$id"
  wait_status "$id" stopped
  [ ! -s "$BUNDLE/rootfs/aa-dir/f" ] || fail "the program ran unconfined"
  # start may fail, or (like runc's, which only opens the exec fifo) succeed
  # with init failing just after: then the error is on the container's
  # stderr.
  if [ "$status" = 0 ]; then
    errout=$(ct_err "$id")
    lib_diag "container's stderr: $errout"
  fi
  assert_error_mentions "$errout" "$PC" "the error names the profile"
  assert_error_mentions "$errout" "not loaded" "the error says why"
  assert_ok rt delete "$id"
}
run_test "a profile removed between create and start: never unconfined; error names it" \
  test_unloaded_before_start

test_unit_lsm () {
  # lsm.c's unit tests, here where AppArmor is real: the profile check
  # tells a loaded profile from an unknown one, and the refusals of
  # covered attr files hold with AppArmor's own attr files too.
  local bin=$LIB_TOP/tests/unit/test-lsm
  [ -x "$bin" ] || skip "tests/unit/test-lsm is not built"
  run "$bin"
  assert_eq "$status" 0 "test-lsm status"
  assert_contains "$output" "ok 5 - apparmor enabled: a loaded profile is accepted"
  assert_contains "$output" "ok 6 - apparmor enabled: a profile the kernel does not know"
  assert_not_contains "$output" "not ok"
}
run_test "unit tests of lsm.c pass under AppArmor" test_unit_lsm

done_testing
