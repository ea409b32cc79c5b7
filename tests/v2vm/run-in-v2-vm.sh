#!/bin/bash
# run-in-v2-vm.sh - run a command inside a throw-away QEMU VM whose only cgroup
# hierarchy is cgroup v2 (kernel booted with cgroup_no_v1=all, cgroup2 mounted
# at /sys/fs/cgroup by a busybox /init). Prints the command's stdout+stderr
# and exits with the command's exit code.
#
# usage: run-in-v2-vm.sh [options] [--] COMMAND [ARG...]
#   One COMMAND word is run as a shell script (sh -c); several words are quoted.
#   COMMAND's stdout and stderr are merged (both go to the VM's 2nd serial port).
# options:
#   -s HOSTDIR[:GUESTDIR[:ro]]  share HOSTDIR via virtio-9p (default GUESTDIR =
#                               HOSTDIR, rw). Repeatable. Results written there
#                               are visible on the host afterwards.
#   -r, --host-root             root = overlay(host's / via 9p read-only, tmpfs
#                               upper): host binaries + libs usable (runc, bash,
#                               python3, dynamically linked test binaries);
#                               writes are discarded except in -s shares.
#                               /run /tmp /var/tmp are fresh tmpfs (use -s for
#                               host dirs under them). Without -r the root is
#                               the busybox initramfs (static binaries only).
#   -C DIR                      working directory for COMMAND (default: first
#                               share's guest dir, else /)
#   -m MB   guest RAM (default 1024)      -c N    vCPUs (default 2)
#   -t SEC  timeout for the whole VM (default 300) -> exit 124
#   -a kvm|tcg|auto  accelerator (auto = kvm only if /dev/kvm is writable and
#                    the CPU has vmx/svm; else tcg. On a host whose /dev/kvm is
#                    kvm_pvm without vmx/svm, -a kvm hangs a stock kernel)
#   -v      print the guest console (kernel log, timings) to stderr
#   -k      keep the temp dir (console log etc.)
#   --prepare  only fetch the kernel and build the initramfs (the one-time
#              setup), then exit: 0 ready, 125 not possible here
# exit codes: COMMAND's code; 124 timeout; 125 VM failed before reporting a code.
# env: V2VM_DIR (cache dir for kernel/initramfs, default /var/tmp/v2vm),
#      V2VM_KVER (Debian kernel ABI, default: cached one or the one
#      linux-image-amd64 depends on; tested 6.1.0-56-amd64), V2VM_MODULES (modules
#      to modprobe at boot), V2VM_APPEND (extra kernel cmdline),
#      V2VM_TCG_CPU (default qemu64; e.g. Nehalem/max for x86-64-v2+ binaries),
#      V2VM_PASS_ENV (names of variables exported to COMMAND with their values
#      here, e.g. "ASAN_OPTIONS UBSAN_OPTIONS": a caller's settings reach the
#      guest without each wrapper passing them; unset ones are left out),
#      V2VM_EXTRA_SHARES (more -s specs, whitespace-separated, after the
#      command line's; they never become the default -C dir: a caller such
#      as the sanitizer run gets a host dir into every VM without editing the
#      scripts that build the VM's command line)
# (cove's copy of the project's v2vm tool, plus --prepare and exit 125 when the kernel cannot be fetched.)
# shellcheck disable=SC2054,SC2015 # qemu option values contain commas; a || b fallbacks
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
V2VM_DIR=${V2VM_DIR:-/var/tmp/v2vm}; mkdir -p "$V2VM_DIR"
KVER=${V2VM_KVER:-}   # Debian linux-image-$KVER flavour amd64 (tested: 6.1.0-56-amd64)
if [ -z "$KVER" ]; then  # reuse the cached kernel, else what linux-image-amd64 points to
  # shellcheck disable=SC2010 # our own file names
  KVER=$(ls "$V2VM_DIR"/vmlinux-*-amd64 2>/dev/null | grep -v cloud | sed "s|.*/vmlinux-||" | sort -V | tail -1 || true)
  [ -n "$KVER" ] || KVER=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: linux-image-\(.*\)$/\1/p' | head -1 || true)
fi
for t in qemu-system-x86_64 busybox depmod modprobe python3 xz gzip timeout; do
  command -v $t >/dev/null || { echo "v2vm: missing $t (apt-get install qemu-system-x86 busybox-static kmod python3 xz-utils)" >&2; exit 125; }
done
MEM=1024 CPUS=2 TIMEOUT=300 ACCEL=auto VERBOSE=0 KEEP=0 HOSTROOT=0 CWD="" PREPARE=0
SHARES=()
usage() { sed -n '2,45p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    -s) SHARES+=("$2"); shift 2;;
    -r|--host-root) HOSTROOT=1; shift;;
    -C) CWD=$2; shift 2;;
    -m) MEM=$2; shift 2;;
    -c) CPUS=$2; shift 2;;
    -t) TIMEOUT=$2; shift 2;;
    -a) ACCEL=$2; shift 2;;
    -v) VERBOSE=1; shift;;
    -k) KEEP=1; shift;;
    --prepare) PREPARE=1; shift;;
    -h|--help) usage;;
    --) shift; break;;
    -*) echo "unknown option $1" >&2; usage;;
    *) break;;
  esac
done
[ $# -gt 0 ] || [ $PREPARE = 1 ] || usage
NSHARES=${#SHARES[@]}  # the command line's: the first of them is the default -C
# shellcheck disable=SC2206 # split on whitespace, as documented
SHARES+=(${V2VM_EXTRA_SHARES:-})

# ---------- one-time setup: kernel (PVH-bootable vmlinux) + initramfs ----------
VMLINUX=$V2VM_DIR/vmlinux-$KVER
INITRAMFS=$V2VM_DIR/initramfs-$KVER.cpio.gz
KTREE=$V2VM_DIR/k-${KVER#*-*-}   # k-amd64
if [ ! -s "$VMLINUX" ] || [ ! -d "$KTREE/lib/modules/$KVER" ]; then
  [ -n "$KVER" ] || { echo "v2vm: no kernel cached and apt-cache knows no linux-image-amd64 (run apt-get update)" >&2; exit 125; }
  echo "v2vm: fetching linux-image-$KVER (one time)" >&2
  d=$(mktemp -d)
  (cd "$d" && apt-get download "linux-image-$KVER" >/dev/null) \
    || { rm -rf "$d"; echo "v2vm: apt-get download linux-image-$KVER failed" >&2; exit 125; }
  mkdir -p "$KTREE"; dpkg-deb -x "$d"/linux-image-"$KVER"_*.deb "$KTREE"; rm -rf "$d"
  depmod -b "$KTREE" "$KVER"
  # QEMU can boot the uncompressed ELF vmlinux through its PVH entry point:
  # skips the BIOS real-mode path and the (very slow under TCG) xz decompressor.
  vz=$KTREE/boot/vmlinuz-$KVER
  extract() { # like linux/scripts/extract-vmlinux: MAGIC(python bytes) DECOMPRESSOR...
    local off; off=$(python3 -c "import sys;d=open(sys.argv[1],'rb').read();print(d.find($1))" "$vz")
    [ "$off" -ge 0 ] || return 1; shift
    tail -c +$((off+1)) "$vz" | "$@" 2>/dev/null > "$VMLINUX.tmp"
    [ "$(head -c 4 "$VMLINUX.tmp")" = $'\x7fELF' ]
  }
  extract "b'\xfd7zXZ\x00'" xz -dc || extract "b'\x02\x21\x4c\x18'" lz4 -dc ||
    extract "b'\x28\xb5\x2f\xfd'" zstd -dc || extract "b'\x1f\x8b\x08'" gzip -dc ||
    cp "$vz" "$VMLINUX.tmp"   # fallback: boot the bzImage (slower: BIOS + decompressor under TCG)
  mv "$VMLINUX.tmp" "$VMLINUX"
fi
if [ ! -s "$INITRAMFS" ] || [ "$HERE/init" -nt "$INITRAMFS" ] || [ "$HERE/build-initramfs.sh" -nt "$INITRAMFS" ]; then
  "$HERE/build-initramfs.sh" "$KTREE" "$INITRAMFS" >&2
fi
[ $PREPARE = 0 ] || exit 0

# ---------- accelerator ----------
if [ "$ACCEL" = auto ]; then
  # /dev/kvm here is kvm_pvm (no VMX/SVM): a stock kernel hangs under it, so
  # only use KVM where the host has real hardware virtualization.
  if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then ACCEL=kvm; else ACCEL=tcg; fi
fi
case $ACCEL in
  kvm) ACCEL_ARGS=(-accel kvm -cpu host);;
  tcg) ACCEL_ARGS=(-accel "tcg,thread=multi${V2VM_TB_SIZE:+,tb-size=$V2VM_TB_SIZE}" -cpu "${V2VM_TCG_CPU:-qemu64}");;
  *) echo "bad accel $ACCEL" >&2; exit 2;;
esac

# ---------- per-run payload: /vmrun/{env,cmd} appended as an extra cpio ----------
T=$(mktemp -d /tmp/v2vm.XXXXXX)
# shellcheck disable=SC2317 # called by the trap
cleanup() { if [ "$KEEP" = 1 ]; then echo "v2vm: kept $T" >&2; else rm -rf "$T"; fi; }
trap cleanup EXIT
mkdir -p "$T/p/vmrun"
q() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
if [ $# -eq 1 ]; then printf '%s\n' "$1" > "$T/p/vmrun/cmd"
else { for a in "$@"; do q "$a"; printf ' '; done; echo; } > "$T/p/vmrun/cmd"; fi

VIRTFS=() GSHARES="" i=0
if [ $HOSTROOT = 1 ]; then
  VIRTFS+=(-virtfs local,path=/,mount_tag=hostroot,security_model=passthrough,id=hostroot,readonly=on,multidevs=remap)
  GSHARES="hostroot:/host:ro"
fi
for s in "${SHARES[@]}"; do
  hd=${s%%:*}; rest=${s#"$hd"}; rest=${rest#:}; gd=${rest%%:*}; ro=""
  case "$rest" in *:ro) ro=",readonly=on";; esac
  [ -d "$hd" ] || { echo "v2vm: $hd is not a directory" >&2; exit 2; }
  hd=$(realpath "$hd"); [ -n "$gd" ] || gd=$hd
  VIRTFS+=(-virtfs "local,path=$hd,mount_tag=share$i,security_model=passthrough,id=share$i,multidevs=remap$ro")
  GSHARES="$GSHARES share$i:$gd${ro:+:ro}"
  [ -n "$CWD" ] || [ $i -ge "$NSHARES" ] || CWD=$gd
  i=$((i+1))
done
{
  echo "VM_SHARES='${GSHARES# }'"
  echo "VM_HOSTROOT=$HOSTROOT"
  echo "VM_MODULES='${V2VM_MODULES:-}'"   # modules to load at boot, e.g. "overlay veth"
  echo "VM_CWD=$(q "${CWD:-/}")"
  # the init sources this file in both stages: exported, these reach COMMAND
  for v in ${V2VM_PASS_ENV:-}; do
    case $v in
      '' | [0-9]* | *[!A-Za-z0-9_]*) echo "v2vm: V2VM_PASS_ENV: bad name $v" >&2; exit 2;;
    esac
    [ -z "${!v+set}" ] || echo "export $v=$(q "${!v}")"
  done
} > "$T/p/vmrun/env"

# command output goes to the guest's 2nd UART (ttyS1, raw mode): byte-exact but
# ~100 KB/s under TCG -> write big logs into a -s share instead. (virtio-console
# /dev/hvc0 was tried: far slower in the guest, ~7 KB/s.)
OUT_ARGS=(-chardev stdio,id=out,signal=off -serial chardev:out)
(cd "$T/p" && find . | { command -v cpio >/dev/null && cpio -o -H newc --quiet || busybox cpio -o -H newc 2>/dev/null; }) > "$T/run.cpio"
cat "$INITRAMFS" "$T/run.cpio" > "$T/initrd"

# ---------- boot ----------
# ttyS0 = kernel console -> $T/console.log (exit code marker, boot diagnostics)
# ttyS1 = command stdout/stderr -> our stdout
set +e
timeout --foreground -k 5 "$TIMEOUT" qemu-system-x86_64 \
  "${ACCEL_ARGS[@]}" -M q35 -m "$MEM" -smp "$CPUS" \
  -nodefaults -no-user-config -display none -no-reboot \
  -kernel "$VMLINUX" -initrd "$T/initrd" \
  -append "console=ttyS0 cgroup_no_v1=all,named systemd.unified_cgroup_hierarchy=1 panic=-1 quiet loglevel=1 mitigations=off ${V2VM_APPEND:-}" \
  -chardev file,id=con,path="$T/console.log" -serial chardev:con \
  "${OUT_ARGS[@]}" \
  "${VIRTFS[@]}" </dev/null
qrc=$?
set -e
[ $VERBOSE = 1 ] && { echo "----- guest console ($ACCEL) -----"; tr -d '\r' < "$T/console.log"; } >&2
if [ $qrc = 124 ] || [ $qrc = 137 ]; then echo "v2vm: timeout after ${TIMEOUT}s" >&2; exit 124; fi
rc=$(tr -d '\r' < "$T/console.log" | sed -n 's/^V2VM_EXIT_CODE=\([0-9]*\)$/\1/p' | tail -1)
if [ -z "$rc" ]; then
  echo "v2vm: VM did not report an exit code (qemu rc=$qrc); console:" >&2
  tr -d '\r' < "$T/console.log" | tail -40 >&2
  exit 125
fi
exit "$rc"
