#!/bin/bash
# t-escapes-fs: configs and rootfs contents that try to make the runtime
# mount or write outside the container's rootfs.  Each case tries one
# escape and checks that it fails (create refuses, or the mount lands inside
# the rootfs) AND that the host is unchanged: a sentinel directory or file
# under the test dir keeps its content and gets no mount.
#
# Where a mount could land is looked at from inside the container's mount
# namespace before pivot_root, where host paths are still visible: a
# createContainer hook copies that namespace's mountinfo (mounts of
# config.mounts and /dev are all made by then).  The host's own mountinfo
# is checked too.
# shellcheck source=tests/integration/lib.sh disable=SC2154,SC2317,SC2016 # run sets status/output/errout; tests are called by name; jq programs and container commands are single-quoted
. "$(dirname "$0")/lib.sh"

RECVTTY=$LIB_TOP/tests/helpers/recvtty
HOOK_ENV='["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]'

# ---------------------------------------------------------------------------
# Helpers

# sentinel NAME: a host directory $T/NAME holding one file, `untouched`;
# prints its path.  check_sentinel NAME then asserts it is unchanged.
sentinel () {
  mkdir -p "$T/$1"
  echo untouched >"$T/$1/untouched"
  echo "$T/$1"
}

check_sentinel () {
  local dir=$T/$1
  assert_eq "$(find "$dir" -mindepth 1 -printf '%P\n' | sort | tr '\n' ' ')" "untouched " "content of the host dir $dir"
  assert_eq "$(cat "$dir/untouched")" untouched "the file in the host dir $dir"
  assert_no_host_mount "$dir"
}

# host_mounts_at PATH: this shell's (the host's) mount points at or below
# PATH.
host_mounts_at () {
  awk -v p="$1" '$5 == p || index($5, p "/") == 1 { print $5 }' /proc/self/mountinfo
}

assert_no_host_mount () {
  local m
  m=$(host_mounts_at "$1")
  [ -z "$m" ] || fail "the host has a mount at or below $1: $m"
}

# record_mounts FILE: a createContainer hook that copies the mountinfo of
# the container's mount namespace, before pivot_root, to FILE.
record_mounts () {
  cfg --arg f "$1" --argjson e "$HOOK_ENV" '.hooks.createContainer += [ { path: "/bin/sh", env: $e,
    args: ["sh", "-c", "cat >/dev/null; cat /proc/self/mountinfo >\"$1\"", "sh", $f] } ]'
}

# mounts_at PATH FILE: mount points in mountinfo FILE at or below PATH.
mounts_at () {
  awk -v p="$1" '$5 == p || index($5, p "/") == 1 { print $5 }' "$2"
}

# assert_no_ns_mount PATH FILE: seen from the container's namespace
# (FILE, from record_mounts), nothing is mounted at host PATH or below.
assert_no_ns_mount () {
  local m
  m=$(mounts_at "$1" "$2")
  [ -z "$m" ] || fail "the container's namespace has a mount at $1, outside its rootfs: $m"
}

# run_ct_or_refused [TAG]: runs $BUNDLE; sets REFUSED=1 if create failed
# (with a one-line error and no container left) or REFUSED=0 if the process
# ran and exited 0.
run_ct_or_refused () {
  local id
  id=$(unique_id "${1:-}")
  run rt run -b "$BUNDLE" "$id"
  if [ "$status" = 0 ]; then
    REFUSED=0
    return 0
  fi
  REFUSED=1
  assert_one_line "$errout" "error of run"
  assert_fail rt state "$id"
}

# own_dev: the config mounts no tmpfs on /dev, so the rootfs's own /dev is
# populated (and used for masking).
own_dev () {
  cfg '.mounts |= map(select(.destination != "/dev"))'
}

# ---------------------------------------------------------------------------
# Symlinks and .. in mount destinations

# A destination that is a symlink in the rootfs to an absolute host path,
# or a relative one climbing out with .., is followed inside the rootfs,
# where its target exists: the bind lands there.
test_symlink_destination () {
  local s_abs s_rel mi=$T/symlink-dest.mi
  s_abs=$(sentinel sentinel-abs)
  s_rel=$(sentinel sentinel-rel)
  mkdir -p "$T/bind-src"
  echo from-src >"$T/bind-src/marker"
  new_bundle /probe read /evil-abs/marker + read /evil-rel/marker
  ln -s "$s_abs" "$BUNDLE/rootfs/evil-abs"
  mkdir -p "$BUNDLE/rootfs$s_abs"
  # rootfs/evil-rel -> ../../sentinel-rel: $T/sentinel-rel from the host.
  ln -s ../../sentinel-rel "$BUNDLE/rootfs/evil-rel"
  mkdir "$BUNDLE/rootfs/sentinel-rel"
  cfg --arg s "$T/bind-src" '.mounts += [
    { destination: "/evil-abs", type: "bind", source: $s, options: ["bind"] },
    { destination: "/evil-rel", type: "bind", source: $s, options: ["bind"] } ]'
  record_mounts "$mi"
  run_ct_or_refused
  check_sentinel sentinel-abs
  check_sentinel sentinel-rel
  assert_eq "$REFUSED" 0 "create refused (symlinks whose targets exist in the rootfs)"
  assert_no_ns_mount "$s_abs" "$mi"
  assert_no_ns_mount "$s_rel" "$mi"
  # Where they went: the symlinks' targets taken inside the rootfs.
  [ -n "$(mounts_at "$BUNDLE/rootfs$s_abs" "$mi")" ] \
    || fail "no mount at $BUNDLE/rootfs$s_abs: $(mounts_at "$BUNDLE" "$mi")"
  [ -n "$(mounts_at "$BUNDLE/rootfs/sentinel-rel" "$mi")" ] \
    || fail "no mount at $BUNDLE/rootfs/sentinel-rel: $(mounts_at "$BUNDLE" "$mi")"
  assert_eq "$output" $'from-src\nfrom-src' "the bind seen through the symlinks inside"
}

# The same with a dangling symlink (its target is in no rootfs directory):
# create may refuse, or make the target inside the rootfs (runc does).
test_dangling_symlink_destination () {
  local s mi=$T/dangling.mi
  s=$(sentinel sentinel-dangling)
  new_bundle /probe ls /evil
  ln -s "$s" "$BUNDLE/rootfs/evil"
  cfg '.mounts += [ { destination: "/evil", type: "tmpfs", source: "tmpfs" } ]'
  record_mounts "$mi"
  run_ct_or_refused
  lib_diag "refused=$REFUSED"
  check_sentinel sentinel-dangling
  if [ "$REFUSED" = 0 ]; then
    assert_no_ns_mount "$s" "$mi"
    [ -n "$(mounts_at "$BUNDLE/rootfs$s" "$mi")" ] \
      || fail "no mount at $BUNDLE/rootfs$s: $(mounts_at "$BUNDLE" "$mi")"
    assert_eq "$output" "" "ls /evil inside (an empty tmpfs)"
  fi
}

# `..` in a destination cannot climb out of the rootfs: /../../NAME is
# /NAME in the rootfs (naively joined, $BUNDLE/rootfs/../../NAME is $T/NAME).
test_dotdot_destination () {
  local s mi=$T/dotdot.mi
  s=$(sentinel sentinel-dotdot)
  new_bundle /probe ls /sentinel-dotdot
  cfg '.mounts += [ { destination: "/../../sentinel-dotdot", type: "tmpfs", source: "tmpfs" },
                    { destination: "/mnt/../../../../sentinel-dotdot/sub", type: "tmpfs", source: "tmpfs" } ]'
  record_mounts "$mi"
  run_ct_or_refused
  check_sentinel sentinel-dotdot
  if [ "$REFUSED" = 0 ]; then
    assert_no_ns_mount "$s" "$mi"
    [ -n "$(mounts_at "$BUNDLE/rootfs/sentinel-dotdot" "$mi")" ] \
      || fail "no mount at $BUNDLE/rootfs/sentinel-dotdot: $(mounts_at "$BUNDLE" "$mi")"
    assert_eq "$output" sub "ls /sentinel-dotdot inside"
  fi
}

# A rootfs whose /proc, /sys or /dev is a symlink to a host path: the file
# system goes inside the rootfs, or create fails; the host path gets no
# mount and no file (no device node either).
test_special_dir_symlinks () {
  local d s mi variant
  for variant in proc sys dev dev-own; do
    d=${variant%-own}
    mi=$T/special-$variant.mi
    s=$(sentinel "sentinel-$variant")
    new_bundle /probe read /etc/passwd
    [ "$variant" != dev-own ] || own_dev
    rm -rf "${BUNDLE:?}/rootfs/$d"
    ln -s "$s" "$BUNDLE/rootfs/$d"
    record_mounts "$mi"
    run_ct_or_refused "$variant"
    lib_diag "$variant: refused=$REFUSED"
    check_sentinel "sentinel-$variant"
    if [ -e "$mi" ]; then
      assert_no_ns_mount "$s" "$mi"
    fi
  done
}

# ---------------------------------------------------------------------------
# /dev/null and /dev/console (CVE-2025-31133, CVE-2025-52565)

# mask_setup: a bundle whose process writes to a masked file; a host file,
# $T/host-file, is bound read-write at /hostfile.  If masking bound
# anything but the null device over /etc/secret, the write would reach it.
mask_setup () {
  echo original >"$T/host-file"
  new_bundle /probe write /etc/secret pwned
  echo secret >"$BUNDLE/rootfs/etc/secret"
  cfg --arg s "$T/host-file" '.linux.maskedPaths += ["/etc/secret"]
    | .mounts += [ { destination: "/hostfile", type: "bind", source: $s, options: ["bind"] } ]'
}

mask_check () {
  assert_eq "$(cat "$T/host-file")" original "the host file"
  assert_eq "$(cat "$BUNDLE/rootfs/etc/secret")" secret "the masked file in the rootfs"
  assert_eq "$REFUSED" 1 "create refused (masking with a $1 as /dev/null)"
}

# After the mounts and before masking (a createContainer hook, in the
# container's namespace), /dev/null becomes a symlink to the bound host
# file: masking must not follow it.
test_masking_dev_null_symlink () {
  mask_setup
  cfg --arg r "$BUNDLE/rootfs" --argjson e "$HOOK_ENV" '.hooks.createContainer += [ { path: "/bin/sh", env: $e,
    args: ["sh", "-c", "cat >/dev/null; rm -f \"$1/dev/null\" && ln -s /hostfile \"$1/dev/null\"", "sh", $r] } ]'
  run_ct_or_refused
  mask_check symlink
}

# The same with a regular file as /dev/null.
test_masking_dev_null_file () {
  mask_setup
  cfg --arg r "$BUNDLE/rootfs" --argjson e "$HOOK_ENV" '.hooks.createContainer += [ { path: "/bin/sh", env: $e,
    args: ["sh", "-c", "cat >/dev/null; rm -f \"$1/dev/null\" && echo fake >\"$1/dev/null\"", "sh", $r] } ]'
  run_ct_or_refused
  mask_check "regular file"
}

# A rootfs shipped with /dev/null as a symlink to a host path, and no tmpfs
# on /dev: refused (when /dev is populated, or when masking).
test_rootfs_dev_null_symlink () {
  mask_setup
  own_dev
  ln -s "$T/host-file" "$BUNDLE/rootfs/dev/null"
  run_ct_or_refused
  mask_check "symlink from the rootfs"
}

# console_case HOOK-OR-ROOTFS: /dev/console is a symlink to /etc/console-target
# when the terminal is bound; create must refuse it and leave the target
# alone.
console_case () {
  local id sock=$T/console-$1.sock rc=0
  [ -x "$RECVTTY" ] || skip "tests/helpers/recvtty is not built"
  new_bundle /probe read /etc/console-target
  echo original >"$BUNDLE/rootfs/etc/console-target"
  cfg '.process.terminal = true'
  if [ "$1" = hook ]; then
    cfg --arg r "$BUNDLE/rootfs" --argjson e "$HOOK_ENV" '.hooks.createContainer += [ { path: "/bin/sh", env: $e,
      args: ["sh", "-c", "cat >/dev/null; ln -s /etc/console-target \"$1/dev/console\"", "sh", $r] } ]'
  else
    own_dev
    ln -s /etc/console-target "$BUNDLE/rootfs/dev/console"
  fi
  "$RECVTTY" -t 20 "$sock" </dev/null >"$sock.out" 2>"$sock.err" &
  local recv_pid=$!
  wait_for 10 test -S "$sock"
  id=$(unique_id "$1")
  run rt create -b "$BUNDLE" --console-socket "$sock" "$id"
  kill "$recv_pid" 2>/dev/null || true
  wait "$recv_pid" || rc=$?
  lib_diag "recvtty: status $rc, stderr: $(cat "$sock.err")"
  [ "$status" != 0 ] || fail "create succeeded with /dev/console a symlink ($1)"
  assert_one_line "$errout" "error of create"
  assert_error_mentions "$errout" console "error names /dev/console"
  assert_fail rt state "$id"
  assert_eq "$(cat "$BUNDLE/rootfs/etc/console-target")" original "the symlink's target"
  assert_eq "$(stat -c %F "$BUNDLE/rootfs/etc/console-target")" "regular file" "the symlink's target"
}

test_console_symlink_hook () {
  console_case hook
}

test_console_symlink_rootfs () {
  console_case rootfs
}

# ---------------------------------------------------------------------------
# A symlink swapped in while containers are being set up (CVE-2021-30465)

# race_swapper A B: swaps the names A and B as fast as it can, atomically
# with renameat2(RENAME_EXCHANGE) where its number is known, else with
# three renames.
race_swapper () {
  exec perl -MPOSIX -e '
    my ($a, $b) = @ARGV;
    my %nr = (x86_64 => 316, aarch64 => 276, riscv64 => 276);
    my $nr = $nr{(POSIX::uname())[4]};
    while (1) {
      if (defined $nr) {
        syscall($nr, -100, $a, -100, $b, 2) == 0 or die "renameat2: $!\n";
      } else {
        rename($a, "$a.tmp"); rename($b, $a); rename("$a.tmp", $b);
      }
    }' "$1" "$2"
}

# rootfs/racedir flips between a directory and a symlink to a host
# directory while 30 containers with a bind on /racedir are created: each
# create fails cleanly or has the bind inside its rootfs, never on the
# host directory.
test_race_symlink_swap () {
  local s i id swapper ok=0 refused=0 mi bad=""
  command -v perl >/dev/null || skip "perl is needed for the swapping loop"
  s=$(sentinel race-sentinel)
  mkdir -p "$T/race-src" "$T/race-mi"
  echo from-src >"$T/race-src/marker"
  new_bundle /probe sleep
  mkdir "$BUNDLE/rootfs/racedir"
  ln -s "$s" "$BUNDLE/rootfs/racedir.swap"
  # The symlink's target exists inside the rootfs too, so following it
  # inside works.
  mkdir -p "$BUNDLE/rootfs$s"
  cfg --arg s "$T/race-src" '.mounts += [
    { destination: "/racedir", type: "bind", source: $s, options: ["bind"] } ]'
  # The hook names its copy after the container's id, from the state on
  # its stdin.
  cfg --arg d "$T/race-mi" --arg jq "$(command -v jq)" --argjson e "$HOOK_ENV" \
    '.hooks.createContainer += [ { path: "/bin/sh", env: $e,
      args: ["sh", "-c", "id=$(\"$2\" -r .id) && cat /proc/self/mountinfo >\"$1/$id\"", "sh", $d, $jq] } ]'
  leak_check_begin
  race_swapper "$BUNDLE/rootfs/racedir" "$BUNDLE/rootfs/racedir.swap" &
  swapper=$!
  for ((i = 0; i < 30; i++)); do
    id=$(unique_id race)
    run rt create -b "$BUNDLE" "$id"
    if [ "$status" != 0 ]; then
      refused=$((refused + 1))
      [ "$(printf '%s\n' "$errout" | wc -l)" = 1 ] || bad+=" $id:multi-line-error"
      rt state "$id" >/dev/null 2>&1 && bad+=" $id:left-after-failure"
      continue
    fi
    ok=$((ok + 1))
    mi=$T/race-mi/$id
    # Which name the bind ended up under, for the log.
    lib_diag "$id: $(awk -v r="$BUNDLE/rootfs" '/race-src/ && index($5, r) == 1 { print substr($5, length(r) + 1) }' "$mi" 2>/dev/null)"
    if [ ! -s "$mi" ]; then
      bad+=" $id:no-mountinfo"
    elif [ -n "$(mounts_at "$s" "$mi")" ]; then
      bad+=" $id:MOUNTED-ON-HOST($(mounts_at "$s" "$mi" | tr '\n' ' '))"
    elif ! awk -v r="$BUNDLE/rootfs/" 'index($5, r) == 1 && /race-src/' "$mi" | grep -q .; then
      bad+=" $id:bind-not-inside"
    fi
    rt delete -f "$id" >/dev/null 2>&1 || bad+=" $id:delete-failed"
  done
  # The swapper dies on an error: then nothing was swapped at the end.
  kill -0 "$swapper" 2>/dev/null || fail "the swapping loop died early"
  kill "$swapper"
  wait "$swapper" 2>/dev/null || true
  lib_diag "created: $ok, refused: $refused"
  [ -z "$bad" ] || fail "problems:$bad"
  check_sentinel race-sentinel
  leak_check_end
}

# ---------------------------------------------------------------------------

# A container that mounts over /proc before the runtime writes its LSM
# labels through it (CVE-2025-52881 class) needs an LSM to tell a label
# write that went astray; this host has none enabled for containers.
test_proc_overmount_lsm () {
  skip "needs an enabled LSM (SELinux or AppArmor) to observe the label writes"
}

# Run last: no mount left under the test dir on the host.
test_no_host_mounts_left () {
  assert_no_host_mount "$T"
}

run_test "mount destination: symlink to a host path, or climbing out with .." test_symlink_destination
run_test "mount destination: dangling symlink to a host path" test_dangling_symlink_destination
run_test "mount destination: .. is clamped to the rootfs" test_dotdot_destination
run_test "/proc, /sys, /dev as symlinks to host paths" test_special_dir_symlinks
run_test "masking: /dev/null swapped for a symlink (CVE-2025-31133)" test_masking_dev_null_symlink
run_test "masking: /dev/null swapped for a regular file" test_masking_dev_null_file
run_test "masking: rootfs /dev/null is a symlink to a host file" test_rootfs_dev_null_symlink
run_test "console: /dev/console made a symlink by a hook (CVE-2025-52565)" test_console_symlink_hook
run_test "console: rootfs /dev/console is a symlink" test_console_symlink_rootfs
run_test "race: destination swapped with a symlink (CVE-2021-30465)" test_race_symlink_swap
run_test "/proc mounted over before LSM writes" test_proc_overmount_lsm
run_test "no mount left on the host" test_no_host_mounts_left
done_testing
