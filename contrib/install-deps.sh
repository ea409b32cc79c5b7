#!/bin/bash
# install-deps.sh: installs the Debian/Ubuntu packages needed to build cove
# and run its tests.  Does nothing (and needs no root) when they are all
# there already; otherwise runs apt-get as root, through sudo if needed.
set -euo pipefail

packages=(
  # build
  autoconf automake pkg-config gcc make libc6-dev git
  libyajl-dev libseccomp-dev libcap-dev libselinux1-dev
  go-md2man
  # the demo and test rootfs: a static busybox plus tests/helpers/probe
  busybox-static jq iproute2 procps util-linux coreutils findutils
)
# --tests: what only the test suite needs (the cgroup v2 VM, the race
# test's renameat2, rootless id ranges).
if [ "${1:-}" = --tests ]; then
  packages+=(qemu-system-x86 kmod cpio xz-utils python3 perl uidmap)
  # tests/fuzz (libFuzzer: clang and its runtimes; llvm-symbolizer for
  # readable reports) and tests/sanitizers (gcc's ASan and UBSan runtimes).
  packages+=(clang-14 libclang-rt-14-dev llvm-14 libasan8 libubsan1)
  # The Podman suite (tests/engines/podman.sh): conmon; netavark, its
  # network backend, and iptables for it; catatonit for --init; runc as the
  # reference runtime, which also meets podman's crun|runc dependency so
  # that crun is not pulled in.
  packages+=(podman conmon netavark iptables catatonit runc)
  # containerd (ctr) and Docker suites; docker.io brings docker-proxy and
  # tini (docker-init).
  packages+=(containerd docker.io)
  # Real labels and checkpoints, both inside the test VM: apparmor_parser
  # loads the AppArmor test profiles (t-apparmor), criu dumps and restores
  # (t-checkpoint, t-migrate).
  packages+=(apparmor criu)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ $status == ii* ]] || missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0

sudo=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || {
    echo "install-deps: run as root to install: ${missing[*]}" >&2
    exit 1
  }
  sudo=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { "${sudo[@]}" apt-get update -q \
       && "${sudo[@]}" apt-get install -y -q --no-install-recommends \
            "${missing[@]}"; } </dev/null >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "install-deps: apt-get failed" >&2
  exit 1
fi
