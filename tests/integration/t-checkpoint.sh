#!/bin/bash
# t-checkpoint.sh: checkpoint and restore through CRIU.
#
# Here, on the host: what cove says where CRIU cannot work.  This
# project's build machines run a kernel Debian's CRIU 3.17 refuses
# ("vdso: Unexpected rt vDSO area bounds"): checkpoint must then fail
# with one line naming CRIU's refusal and leave the container running and
# intact, and `features` must report checkpoint as not available.
#
# Then the real tests (tests/v2vm/checkpoint.sh, the lifecycle, and
# tests/v2vm/checkpoint-flags.sh, the flags that change what criu does):
# on this host itself when `criu check` passes here and the host is
# cgroup v2, else in one boot of the cgroup v2 VM (tests/v2vm/run-in-v2-vm.sh: Debian's 6.1 kernel, root
# = overlay of this host's /), with the modules CRIU needs for sockets and
# network namespaces in its initramfs and loaded at boot.  The VM's TAP
# lines are renumbered into this file's.  They are skipped, saying why,
# only where no VM can be had or criu is not installed.
#
# The VM part takes about 1.5 minutes on an idle 2-core host (TCG, one
# boot, the two inner files side by side), about 3.5 while another VM
# runs; it must end within tests/run.sh's 300 s per file.
#
# Environment: CKPT_INNER (the inner files to run, names without .sh,
# default "checkpoint checkpoint-flags"), COVE_V2VM=0 never boots the VM
# (skip), V2VM_TIMEOUT (seconds, default 285); RUNTIME, TEST_FILTER, VERBOSE as for every
# lib.sh file; the v2vm variables pass through.  The VM's kernel and
# initramfs are cached in "${V2VM_DIR:-/var/tmp/v2vm}-criu" (the kernel is
# shared with V2VM_DIR, the initramfs has more modules).

# shellcheck source=tests/integration/lib.sh disable=SC2016,SC2119,SC2154,SC2317 # jq programs in single quotes; unique_id takes no args here; run sets status/output/errout; tests are called by name
. "$(dirname "$0")/lib.sh"

CRIU_MODULES="nf_tables nft_ct nft_compat nf_conntrack nf_conntrack_netlink unix_diag inet_diag
  tcp_diag udp_diag netlink_diag af_packet_diag xt_mark tun"
# What tests/v2vm/build-initramfs.sh puts in by default, plus ours.
INITRD_MODULES="virtio_pci 9pnet_virtio 9p overlay veth bridge br_netfilter tun loop"

CRIU_WORKS=0
CRIU_WHY=""
if ! command -v criu >/dev/null; then
  CRIU_WHY="criu is not installed"
elif criu check >"$T/criu-check" 2>&1; then
  CRIU_WORKS=1
else
  # The first error is the cause: "Error (criu/vdso.c:381): vdso: ...".
  CRIU_WHY=$(sed -n 's/^.*Error ([^)]*): //p' "$T/criu-check" | head -n1)
  CRIU_WHY=${CRIU_WHY:-$(head -n1 "$T/criu-check")}
fi

LOOP='i=0; while :; do i=$((i+1)); echo $i >>/tmp/log; sleep 0.1; done'

count () {
  tail -n1 "$BUNDLE/rootfs/tmp/log" 2>/dev/null || echo 0
}

count_above () {
  [ "$(count)" -gt "$1" ]
}

# ---------------------------------------------------------------------------
# On this host

test_host_refusal () {
  [ "$CRIU_WORKS" = 0 ] || skip "criu works here (the tests below check the dump)"
  command -v criu >/dev/null || skip "criu is not installed"
  new_bundle /bin/sh -c "$LOOP"
  local id pid at
  id=$(unique_id)
  rt_run_d "$id"
  pid=$(state_field "$id" .pid)
  wait_for 10 test -s "$BUNDLE/rootfs/tmp/log"
  run rt checkpoint --image-path "$T/img" "$id"
  assert_ne "$status" 0 "status of checkpoint"
  assert_one_line "$errout"
  assert_error_mentions "$errout" "criu dump failed"
  assert_error_mentions "$errout" "$CRIU_WHY"
  # Running and intact: same init, same state, the loop goes on.
  assert_eq "$(state_field "$id" .status)" running "status after the refused dump"
  assert_eq "$(state_field "$id" .pid)" "$pid" "pid after the refused dump"
  at=$(count)
  wait_for 10 count_above "$at"
  assert_ok rt exec "$id" /bin/true
  assert_ok rt kill "$id" KILL
  wait_status "$id" stopped
  assert_ok rt delete "$id"
}

test_features () {
  local enabled reason
  assert_ok rt features
  enabled=$(jq -r '.annotations["io.github.cove.checkpoint.enabled"]' <<<"$output")
  reason=$(jq -r '.annotations["io.github.cove.checkpoint.reason"] // ""' <<<"$output")
  if [ "$CRIU_WORKS" = 1 ]; then
    assert_eq "$enabled" true "checkpoint.enabled"
  else
    assert_eq "$enabled" false "checkpoint.enabled"
    assert_contains "$reason" "$CRIU_WHY" "checkpoint.reason"
  fi
}

test_no_criu () {
  [ "$(runtime_name)" = cove ] || skip "cove's own message"
  new_bundle /bin/sh -c "$LOOP"
  local id
  id=$(unique_id)
  rt_run_d "$id"
  mkdir "$T/img-empty"
  # No criu in $PATH: a clear error, before anything is touched.
  leak_check_begin
  run env PATH=/nonexistent "$RUNTIME" --root "$STATE" checkpoint --image-path "$T/img-x" "$id"
  assert_ne "$status" 0 "status of checkpoint"
  assert_one_line "$errout"
  assert_error_mentions "$errout" "criu is not installed"
  [ ! -e "$T/img-x" ] || fail "checkpoint made the image dir"
  leak_check_end
  assert_eq "$(state_field "$id" .status)" running "status"
}

test_usage_errors () {
  new_bundle
  local id
  id=$(unique_id)
  rt_create "$id"
  assert_fails_clean rt checkpoint --manage-cgroups-mode bogus "$id"
  assert_error_mentions "$errout" --manage-cgroups-mode
  assert_fails_clean rt restore -b "$BUNDLE" --image-path "$T/no-such-dir" "$id-new"
  assert_error_mentions "$errout" --image-path
  track_id "$id-new"
  assert_fails_clean rt restore --manage-cgroups-mode bogus -b "$BUNDLE" "$id-new"
  assert_error_mentions "$errout" --manage-cgroups-mode
  # LSM options are checked before anything is done; criu checks the
  # LSM itself against the kernel (the VM tests).
  assert_fails_clean rt restore --lsm-profile bogus -b "$BUNDLE" "$id-new"
  assert_error_mentions "$errout" --lsm-profile
  assert_fails_clean rt restore --lsm-profile apparmor: -b "$BUNDLE" "$id-new"
  assert_error_mentions "$errout" --lsm-profile
  assert_fails_clean rt restore --lsm-mount-context "" -b "$BUNDLE" "$id-new"
  assert_error_mentions "$errout" --lsm-mount-context
  assert_fails_clean rt checkpoint --empty-ns pid "$id"
  assert_error_mentions "$errout" --empty-ns
  assert_fails_clean rt checkpoint --status-fd x "$id"
  assert_error_mentions "$errout" --status-fd
  # A status fd that is not open: refused before criu runs.
  assert_fails_clean rt checkpoint --status-fd 99 --image-path "$T/img-s" "$id"
  assert_error_mentions "$errout" --status-fd
  [ ! -e "$T/img-s" ] || fail "checkpoint made the image dir"
  # A created (not started) container is not dumped.
  assert_fails_clean rt checkpoint --image-path "$T/img-c" "$id"
  assert_error_mentions "$errout" "not running"
}

run_test "checkpoint where CRIU refuses the kernel: one line, container intact" test_host_refusal
run_test "features reports checkpoint support truthfully" test_features
run_test "checkpoint without criu installed: a clear error" test_no_criu
run_test "usage errors name the flag and leave nothing" test_usage_errors

# ---------------------------------------------------------------------------
# The real tests, here or in the VM

# vm_skip REASON: one skipped test standing for the VM's.
vm_skip () {
  TEST_NUM=$((TEST_NUM + 1))
  echo "ok $TEST_NUM - checkpoint and restore with CRIU # SKIP $*"
}

# Renumbers the inner file's TAP into ours.
vm_tap () {
  local line n rest
  while IFS= read -r line; do
    case $line in
      "ok "* | "not ok "*)
        rest=${line#ok }
        [ "${line#not }" = "$line" ] || rest=${line#not ok }
        n=${rest%% *}
        rest=${rest#"$n"}
        TEST_NUM=$((TEST_NUM + 1))
        if [ "${line#not }" != "$line" ]; then
          TEST_FAILED=$((TEST_FAILED + 1))
          echo "not ok $TEST_NUM$rest"
        else
          echo "ok $TEST_NUM$rest"
        fi
        ;;
      "1..0 # SKIP"*) vm_skip "${line#1..0 # SKIP }" ;;
      1..*) ;;
      "Bail out!"*)
        TEST_NUM=$((TEST_NUM + 1))
        TEST_FAILED=$((TEST_FAILED + 1))
        echo "not ok $TEST_NUM - checkpoint tests: ${line#Bail out! }"
        ;;
      *) echo "$line" ;;
    esac
  done
}

run_inner () {
  local top=$LIB_TOP inner
  # The inner files run side by side (their dumps are CPU-bound, their
  # waits are not) in one boot, each into its own file, shown in order.
  local f taps=""
  inner=""
  for f in ${CKPT_INNER:-checkpoint checkpoint-flags}; do
    inner+="bash tests/v2vm/$f.sh >\"\$T0/$f.tap\" 2>&1 & "
    taps+=" \"\$T0/$f.tap\""
  done
  inner="T0=\$(mktemp -d) && { ${inner}wait; cat$taps; }"
  if ! command -v criu >/dev/null; then
    vm_skip "criu is not installed (apt-get install criu)"
    return
  fi
  if [ "$CRIU_WORKS" = 1 ] && [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
    (cd "$top" && eval "$inner") | vm_tap
    return
  fi
  if [ "${COVE_V2VM:-auto}" = 0 ]; then
    vm_skip "criu refuses this kernel ($CRIU_WHY) and COVE_V2VM=0 forbids the VM"
    return
  fi
  local tool
  for tool in qemu-system-x86_64 busybox depmod modprobe cpio python3 xz tar; do
    if ! command -v "$tool" >/dev/null; then
      vm_skip "criu refuses this kernel ($CRIU_WHY) and no VM here: $tool is missing"
      return
    fi
  done
  local base=${V2VM_DIR:-/var/tmp/v2vm} dir prep_log=$T/prep.log kver
  if ! V2VM_DIR=$base "$top/tests/v2vm/run-in-v2-vm.sh" --prepare >"$prep_log" 2>&1; then
    vm_skip "criu refuses this kernel ($CRIU_WHY) and no VM here: $(grep '^v2vm:' "$prep_log" \
      | tail -n1)"
    return
  fi
  # Our own cache dir: the shared kernel, an initramfs with more modules
  # (rebuilt when the list changes).
  dir=$base-criu
  mkdir -p "$dir"
  for kver in "$base"/vmlinux-*; do
    ln -sfn "$kver" "$dir/"
  done
  ln -sfn "$base/k-amd64" "$dir/k-amd64"
  local mods
  mods=$(echo "$INITRD_MODULES $CRIU_MODULES" | tr -s ' \n' ' ')
  if [ "$(cat "$dir/modules" 2>/dev/null)" != "$mods" ]; then
    rm -f "$dir"/initramfs-*
    echo "$mods" >"$dir/modules"
  fi

  local share runtime=$RUNTIME
  share=$(mktemp -d "${TMPDIR:-/tmp}/cove-ckpt-vm.XXXXXX")
  if ! tar -C "$ROOTFS_CACHE" -cf "$share/rootfs.tar" . || ! mkdir "$share/bin" \
    || ! cp "$runtime" "$share/bin/"; then
    rm -rf --one-file-system "$share"
    vm_skip "cannot prepare the VM share"
    return
  fi
  q () { printf '%q' "$1"; }
  local cmd="mkdir -p /tmp/rootfs && tar -C /tmp/rootfs -xf /run/v2share/rootfs.tar"
  cmd+=" && touch /tmp/rootfs/probe && cd $(q "$top")"
  cmd+=" && export ROOTFS_CACHE=/tmp/rootfs RUNTIME=/run/v2share/bin/$(q "${runtime##*/}")"
  cmd+=" TEST_FILTER=$(q "${TEST_FILTER:-}") VERBOSE=$(q "${VERBOSE:-0}")"
  cmd+=" RT_TIMEOUT=$(q "${RT_TIMEOUT:-60}") && $inner"
  local top_share=() start rc secs
  case $top/ in
    /tmp/* | /run/* | /var/tmp/*) top_share=(-s "$top:$top:ro") ;;
  esac
  start=$(date +%s)
  V2VM_DIR=$dir V2VM_INITRD_MODULES="$mods" V2VM_MODULES=$(echo "$CRIU_MODULES" | tr -s ' \n' ' ') \
    "$top/tests/v2vm/run-in-v2-vm.sh" -r -s "$share:/run/v2share" "${top_share[@]}" \
    -t "${V2VM_TIMEOUT:-285}" "$cmd" >"$share/out" 2>"$share/err"
  rc=$?
  secs=$(($(date +%s) - start))
  vm_tap <"$share/out"
  echo "# checkpoint VM: boot and run took ${secs}s (exit status $rc)"
  case $rc in
    124)
      TEST_NUM=$((TEST_NUM + 1))
      TEST_FAILED=$((TEST_FAILED + 1))
      echo "not ok $TEST_NUM - the checkpoint VM timed out after ${V2VM_TIMEOUT:-285}s"
      ;;
    125)
      grep -q '^1\.\.' "$share/out" || vm_skip "the VM did not boot here ($(grep -m1 '^v2vm:' \
        "$share/err"))"
      ;;
  esac
  [ ! -s "$share/err" ] || sed 's/^/# /' "$share/err"
  rm -rf --one-file-system "$share"
}

run_inner
done_testing
