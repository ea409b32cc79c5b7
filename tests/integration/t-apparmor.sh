#!/bin/bash
# t-apparmor.sh: the AppArmor tests (tests/v2vm/apparmor.sh) under a real,
# enforcing AppArmor.  A host with AppArmor enabled runs them directly (they
# load uniquely named profiles and remove them again).  Any other host, like
# the Debian 12 machines this project builds on, runs them in a throw-away
# QEMU VM (tests/v2vm/run-in-v2-vm.sh): Debian's kernel there has AppArmor
# built in as its default LSM (the boot line asks for it explicitly too);
# the VM's root is an overlay of this host's /, so it runs the freshly built
# cove, probe and this host's apparmor_parser; the test rootfs goes in as a
# tarball; the VM prints the TAP on its second serial port and this file
# passes it on.  One boot runs every test.
#
# It skips (exit 77) only when neither is possible: no AppArmor here and no
# VM (qemu and friends missing, or the kernel image cannot be fetched), or
# no apparmor_parser to load a profile with.  contrib/install-deps.sh
# --tests installs the packages (apparmor, qemu-system-x86, busybox-static,
# kmod, cpio, xz-utils); the kernel (Debian's linux-image-amd64 target) is
# fetched once with `apt-get download` into V2VM_DIR (default /var/tmp/v2vm).
#
# Environment: COVE_AAVM=1 uses the VM even on an AppArmor host,
# COVE_AAVM=0 never (skip when the host has no AppArmor); V2VM_TIMEOUT
# (seconds for the VM, default 240); RUNTIME, TEST_FILTER, VERBOSE as for
# every lib.sh file; the v2vm variables (V2VM_DIR, V2VM_KVER, V2VM_APPEND,
# ...) pass through.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
inner=tests/v2vm/apparmor.sh

skip_all () {
  echo "1..0 # SKIP $*"
  exit 77
}

[ "$(id -u)" = 0 ] || skip_all "AppArmor tests need root"
command -v apparmor_parser >/dev/null \
  || skip_all "apparmor_parser is missing (contrib/install-deps.sh --tests installs apparmor)"
mode=${COVE_AAVM:-auto}
if [ "$mode" != 1 ] && [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] \
    && [ -d /sys/kernel/security/apparmor ]; then
  cd "$top" && exec bash "$inner"
fi
[ "$mode" != 0 ] || skip_all "AppArmor is not enabled here, and COVE_AAVM=0 forbids the VM"

for tool in qemu-system-x86_64 busybox depmod modprobe cpio python3 xz tar; do
  command -v "$tool" >/dev/null \
    || skip_all "no AppArmor here and no VM: $tool is missing (contrib/install-deps.sh installs it)"
done

runtime=${RUNTIME:-$top/cove}
case $runtime in
  */*) ;;
  *) runtime=$(command -v "$runtime") || { echo "Bail out! runtime $RUNTIME not found"; exit 1; } ;;
esac
[ -x "$runtime" ] || { echo "Bail out! $runtime is not built (run make)"; exit 1; }
[ -x "$top/tests/helpers/probe" ] || { echo "Bail out! tests/helpers/probe is not built"; exit 1; }

prep_log=$(mktemp)
if ! "$top/tests/v2vm/run-in-v2-vm.sh" --prepare >"$prep_log" 2>&1; then
  reason=$(grep '^v2vm:' "$prep_log" | tail -n1)
  rm -f "$prep_log"
  skip_all "no AppArmor here and no VM: ${reason:-kernel setup failed}"
fi
rm -f "$prep_log"

# The test rootfs, fresh (as lib.sh would make it), as one tarball.
rootfs=${ROOTFS_CACHE:-$top/tests/work/rootfs}
mkdir -p "$(dirname "$rootfs")"
(
  flock 9
  if [ ! -x "$rootfs/probe" ] || [ "$top/tests/helpers/probe" -nt "$rootfs/probe" ] \
      || [ "$top/tests/make-rootfs.sh" -nt "$rootfs/probe" ]; then
    "$top/tests/make-rootfs.sh" "$rootfs" >&2 || exit 1
  fi
) 9>"$rootfs.lock" || { echo "Bail out! cannot build the test rootfs"; exit 1; }

share=$(mktemp -d "${TMPDIR:-/tmp}/cove-aavm.XXXXXX")
trap 'rm -rf --one-file-system "$share"' EXIT
tar -C "$rootfs" -cf "$share/rootfs.tar" . || { echo "Bail out! tar of the rootfs failed"; exit 1; }
# The runtime goes in through the share too: /tmp, /run and /var/tmp are
# the VM's own, so a runtime there would not be seen.
if ! mkdir "$share/bin" || ! cp "$runtime" "$share/bin/"; then
  echo "Bail out! cannot copy $runtime"
  exit 1
fi

# What the VM runs (sh): unpack the rootfs on the VM's tmpfs, newer than
# the probe so lib.sh does not rebuild it, then the tests (the inner file
# mounts securityfs itself).
q () { printf '%q' "$1"; }
cmd="mkdir -p /tmp/rootfs && tar -C /tmp/rootfs -xf /run/v2share/rootfs.tar"
cmd+=" && touch /tmp/rootfs/probe && cd $(q "$top")"
cmd+=" && ROOTFS_CACHE=/tmp/rootfs RUNTIME=/run/v2share/bin/$(q "${runtime##*/}")"
cmd+=" TEST_FILTER=$(q "${TEST_FILTER:-}") VERBOSE=$(q "${VERBOSE:-0}")"
cmd+=" RT_TIMEOUT=$(q "${RT_TIMEOUT:-60}") bash $inner"

start=$(date +%s)
# The checkout itself goes in as a share when it lies under a directory
# the VM replaces with its own tmpfs (CI may clone under /tmp).
top_share=()
case $top/ in
  /tmp/* | /run/* | /var/tmp/*) top_share=(-s "$top:$top:ro") ;;
esac
# AppArmor is this kernel's default LSM; say so anyway, in case a kernel
# config or a caller's V2VM_APPEND picks another exclusive one.
V2VM_APPEND="${V2VM_APPEND:+$V2VM_APPEND }apparmor=1 security=apparmor" \
  "$top/tests/v2vm/run-in-v2-vm.sh" -r \
  -s "$share:/run/v2share" "${top_share[@]}" -t "${V2VM_TIMEOUT:-240}" "$cmd" \
  >"$share/out" 2>"$share/err"
rc=$?
secs=$(($(date +%s) - start))

cat "$share/out"
echo "# AppArmor VM: boot and run took ${secs}s (exit status $rc)"
case $rc in
  124)
    echo "Bail out! the AppArmor VM timed out after ${V2VM_TIMEOUT:-240}s"
    sed 's/^/# /' "$share/err"
    exit 1
    ;;
  125)
    if ! grep -q '^1\.\.' "$share/out"; then
      sed 's/^/# /' "$share/err"
      skip_all "the AppArmor VM did not boot here ($(grep -m1 '^v2vm:' "$share/err"))"
    fi
    ;;
esac
# stderr of the VM tool (fetch notes, console on failure) as diagnostics.
[ ! -s "$share/err" ] || sed 's/^/# /' "$share/err"
exit "$rc"
