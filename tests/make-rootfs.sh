#!/bin/bash
# make-rootfs.sh DIR: builds the minimal rootfs every integration test copies:
# a static busybox with its applet links, the static probe at /probe, a
# two-user /etc/passwd and empty mount points.  Everything is done from the
# host side (no chroot), so it works before any runtime does.
#
# The result replaces DIR as a whole, so a reader never sees half a rootfs.
# Environment: BUSYBOX (default /bin/busybox, from Debian's busybox-static),
# PROBE (default tests/helpers/probe next to this script; run `make` first).
set -euo pipefail

die () { echo "make-rootfs: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: make-rootfs.sh DIR"
dest=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
busybox=${BUSYBOX:-/bin/busybox}
probe=${PROBE:-$here/helpers/probe}

[ -x "$busybox" ] || die "$busybox not found (apt-get install busybox-static)"
[ -x "$probe" ] || die "$probe not found (run make first)"
# A dynamic binary would fail inside the rootfs with a confusing ENOENT.
for bin in "$busybox" "$probe"; do
  if ldd "$bin" >/dev/null 2>&1; then
    die "$bin is dynamically linked; a static binary is needed"
  fi
done

mkdir -p "$(dirname "$dest")"
dest=$(cd "$(dirname "$dest")" && pwd)/$(basename "$dest")
tmp=$(mktemp -d "$dest.tmp.XXXXXX")
trap 'rm -rf --one-file-system "$tmp"' EXIT

cd "$tmp"
mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp run mnt root \
  var/tmp home
chmod 1777 tmp var/tmp
chmod 0700 root

install -m 0755 "$busybox" bin/busybox
install -m 0755 "$probe" probe

# The same links `busybox --install -s` makes, but without running busybox
# inside the rootfs.
"$busybox" --list-full | while read -r applet; do
  case $applet in linuxrc) continue ;; esac
  [ -e "$applet" ] || [ -L "$applet" ] || ln -s /bin/busybox "$applet"
done
[ -L bin/sh ] || die "busybox has no sh applet"

cat >etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >etc/group <<'EOF'
root:x:0:
tty:x:5:
nogroup:x:65534:
EOF
# Bind-mount targets engines use; empty so a missing bind shows up.
: >etc/hosts
: >etc/resolv.conf
: >etc/hostname

cd /
chmod 0755 "$tmp"
if [ -e "$dest" ]; then
  old=$(mktemp -d "$dest.old.XXXXXX")
  mv "$dest" "$old/"
  mv "$tmp" "$dest"
  rm -rf --one-file-system "$old"
else
  mv "$tmp" "$dest"
fi
trap - EXIT
