#!/bin/bash
# t-migrate.sh: moving containers (tests/v2vm/migrate.sh): cove-shim's
# `ctl ID migrate` (in place, --to another bundle, --export to another
# host) and `--restore-from`, and the portable checkpoint of the CLI.
#
# Where CRIU accepts this host's kernel, the tests run here.  Elsewhere
# (CRIU refuses the vDSO of recent kernels) they run twice: here, where
# only the tests that need no working CRIU run (a dump that fails, CRIU's
# own refusal, bad requests and archives) and the others are skipped with
# CRIU's reason; then in a throw-away QEMU VM with Debian's 6.1 kernel
# (tests/v2vm/run-in-v2-vm.sh), the kernel's own modules that CRIU needs
# loaded from the VM tool's cache, where they all run.  The two TAP
# streams are printed as one, numbered in order, the VM's names marked.
#
# It skips (exit 77) only when neither can run a move: CRIU refuses here
# and no VM can be had (qemu or friends missing, the kernel image not
# fetched); the reason says which.
#
# Environment: COVE_V2VM=0 never uses the VM, =1 uses it even where CRIU
# works here; V2VM_TIMEOUT (seconds for the VM, default 400); RUNTIME,
# SHIM, TEST_FILTER, VERBOSE as for every lib.sh file; the v2vm variables
# (V2VM_DIR, V2VM_KVER, ...) pass through.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
inner=tests/v2vm/migrate.sh
# What CRIU needs of the 6.1 kernel, as modules there (the socket diag
# modules to dump sockets; nftables, its xtables compat and conntrack to
# dump a network namespace and lock the network; tun), as
# tests/integration/t-checkpoint.sh has them.  Loaded from the kernel tree
# the VM tool caches, shared read-only (no initramfs of our own).
criu_modules="nf_tables nft_ct nft_compat nf_conntrack nf_conntrack_netlink unix_diag inet_diag
  tcp_diag udp_diag netlink_diag af_packet_diag xt_mark tun"

skip_all () {
  echo "1..0 # SKIP $*"
  exit 77
}

[ "$(id -u)" = 0 ] || skip_all "migration tests need root"
mode=${COVE_V2VM:-auto}

criu_here=""
if ! command -v criu >/dev/null; then
  criu_here="criu is not installed"
else
  ip link set lo up 2>/dev/null || true
  criu_here=$(criu check 2>&1 | grep -m1 Error) || criu_here=""
fi
if [ -z "$criu_here" ] && [ "$mode" != 1 ]; then
  cd "$top" && exec bash "$inner"
fi

runtime=${RUNTIME:-$top/cove}
case $runtime in
  */*) ;;
  *) runtime=$(command -v "$runtime") || { echo "Bail out! runtime $RUNTIME not found"; exit 1; } ;;
esac
shim=${SHIM:-$top/cove-shim}
for f in "$runtime" "$shim" "$top/tests/helpers/probe" "$top/tests/helpers/netecho"; do
  [ -x "$f" ] || { echo "Bail out! $f is not built (run make and make check TESTS=)"; exit 1; }
done

share=$(mktemp -d "${TMPDIR:-/tmp}/cove-migrate.XXXXXX")
trap 'rm -rf --one-file-system "$share"' EXIT

# print_tap FILE TAG: FILE's test lines renumbered from $n, names tagged;
# counts failures in $failed.
n=0
failed=0
print_tap () {
  local line rest tag=$2
  while IFS= read -r line; do
    case $line in
      "ok "[0-9]* | "not ok "[0-9]*)
        n=$((n + 1))
        rest=${line#not }
        rest=${rest#ok }
        rest=${rest#*[0-9] }
        rest=${rest#- }
        if [ "${line#not }" != "$line" ]; then
          failed=$((failed + 1))
          echo "not ok $n - ${tag}${rest}"
        else
          echo "ok $n - ${tag}${rest}"
        fi
        ;;
      1..*) ;;
      *) echo "$line" ;;
    esac
  done <"$1"
}

# 1. Here: what needs no working CRIU.
(cd "$top" && RUNTIME=$runtime SHIM=$shim bash "$inner") >"$share/host.tap" 2>&1
host_rc=$?
if [ $host_rc = 77 ]; then
  cat "$share/host.tap"
  exit 77
fi
print_tap "$share/host.tap" ""
if ! grep -q '^1\.\.' "$share/host.tap"; then
  n=$((n + 1))
  failed=$((failed + 1))
  echo "not ok $n - the tests here ended early (status $host_rc)"
fi

finish () {
  echo "1..$n"
  [ "$failed" = 0 ]
  exit $?
}

# 2. In the VM, where CRIU works.
vm_skip () {
  echo "# the moves themselves were not tested: $*"
  finish
}
[ "$mode" != 0 ] || vm_skip "CRIU refuses this host (${criu_here}), and COVE_V2VM=0 forbids the VM"
for tool in qemu-system-x86_64 busybox depmod modprobe cpio python3 xz tar; do
  command -v "$tool" >/dev/null \
    || vm_skip "CRIU refuses this host (${criu_here}) and no VM here: $tool is missing"
done
if ! "$top/tests/v2vm/run-in-v2-vm.sh" --prepare >"$share/prep" 2>&1; then
  vm_skip "CRIU refuses this host (${criu_here}) and no VM here: $(grep '^v2vm:' "$share/prep" \
    | tail -n1)"
fi
ktree=$(find "${V2VM_DIR:-/var/tmp/v2vm}" -maxdepth 1 -name 'k-*' -type d 2>/dev/null | head -n1)
[ -n "$ktree" ] || vm_skip "the VM's kernel modules are not in ${V2VM_DIR:-/var/tmp/v2vm}"

rootfs=${ROOTFS_CACHE:-$top/tests/work/rootfs}
mkdir -p "$(dirname "$rootfs")"
(
  flock 9
  if [ ! -x "$rootfs/probe" ] || [ "$top/tests/helpers/probe" -nt "$rootfs/probe" ] \
      || [ "$top/tests/make-rootfs.sh" -nt "$rootfs/probe" ]; then
    "$top/tests/make-rootfs.sh" "$rootfs" >&2 || exit 1
  fi
) 9>"$rootfs.lock" || { echo "Bail out! cannot build the test rootfs"; exit 1; }
tar -C "$rootfs" -cf "$share/rootfs.tar" . || { echo "Bail out! tar of the rootfs failed"; exit 1; }
# Binaries through the share: /tmp, /run and /var/tmp are the VM's own.
if ! mkdir "$share/bin" || ! cp "$runtime" "$shim" "$top/tests/helpers/netecho" "$share/bin/"; then
  echo "Bail out! cannot copy the binaries"
  exit 1
fi

q () { printf '%q' "$1"; }
cmd="modprobe -d /run/kmods -a ${criu_modules//$'\n'/ } >/dev/null 2>&1; ip link set lo up"
cmd+="; mkdir -p /tmp/rootfs && tar -C /tmp/rootfs -xf /run/v2share/rootfs.tar"
cmd+=" && touch /tmp/rootfs/probe && cd $(q "$top")"
cmd+=" && ROOTFS_CACHE=/tmp/rootfs RUNTIME=/run/v2share/bin/$(q "${runtime##*/}")"
cmd+=" SHIM=/run/v2share/bin/$(q "${shim##*/}") NETECHO=/run/v2share/bin/netecho"
cmd+=" TEST_FILTER=$(q "${TEST_FILTER:-}") VERBOSE=$(q "${VERBOSE:-0}")"
cmd+=" RT_TIMEOUT=$(q "${RT_TIMEOUT:-120}") bash $inner"

top_share=()
case $top/ in
  /tmp/* | /run/* | /var/tmp/*) top_share=(-s "$top:$top:ro") ;;
esac
start=$(date +%s)
"$top/tests/v2vm/run-in-v2-vm.sh" -r -s "$share:/run/v2share" -s "$ktree:/run/kmods:ro" \
  "${top_share[@]}" -t "${V2VM_TIMEOUT:-400}" "$cmd" >"$share/vm.tap" 2>"$share/vm.err"
rc=$?
secs=$(($(date +%s) - start))

echo "# in the VM (Debian's 6.1 kernel, where CRIU works): boot and run took ${secs}s (status $rc)"
print_tap "$share/vm.tap" "[vm] "
case $rc in
  124)
    n=$((n + 1))
    failed=$((failed + 1))
    echo "not ok $n - [vm] timed out after ${V2VM_TIMEOUT:-400}s"
    ;;
  125)
    grep -q '^1\.\.' "$share/vm.tap" \
      || vm_skip "the VM did not boot here ($(grep -m1 '^v2vm:' "$share/vm.err"))"
    ;;
  *)
    if ! grep -q '^1\.\.' "$share/vm.tap"; then
      n=$((n + 1))
      failed=$((failed + 1))
      echo "not ok $n - [vm] the tests ended early (status $rc)"
    fi
    ;;
esac
[ ! -s "$share/vm.err" ] || sed 's/^/# vm: /' "$share/vm.err"
finish
