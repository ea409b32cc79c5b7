#!/bin/bash
# demo.sh: installs the build dependencies, builds cove, makes a small bundle
# (busybox + the test probe) and runs one container that shows what it is
# isolated from: its own hostname, its own pid 1, a reduced capability set.
# Run as root (as another user it re-runs itself with sudo).
# RUNTIME=/usr/sbin/runc runs the same demo with runc.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
top=$(pwd)

if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then
  exec sudo --preserve-env=RUNTIME "$0" "$@"
fi

contrib/install-deps.sh
contrib/build.sh

runtime=${RUNTIME:-$top/cove}
id=cove-demo-$$
work=$(mktemp -d "${TMPDIR:-/tmp}/cove-demo.XXXXXX")
chmod 0755 "$work"
cleanup () {
  "$runtime" delete -f "$id" >/dev/null 2>&1 || true
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# The bundle: a rootfs and the runtime's own default config.json, edited to
# run a short script without a terminal.
tests/make-rootfs.sh "$work/bundle/rootfs"
(cd "$work/bundle" && "$runtime" spec)
cat >"$work/bundle/rootfs/demo.sh" <<'SCRIPT'
echo "hostname:      $(hostname)"
echo "pid of sh:     $$"
echo "user:          $(id)"
echo "capabilities:  $(/probe capnames)"
echo "network:       $(ls /sys/class/net | tr '\n' ' ')"
echo "processes:"
ps -o pid,user,comm
SCRIPT
jq '
  .process.terminal = false
  | .process.args = ["/bin/sh", "/demo.sh"]
  | .hostname = "cove-demo"
' "$work/bundle/config.json" >"$work/config.json"
mv "$work/config.json" "$work/bundle/config.json"

echo "== on the host"
echo "hostname:      $(hostname)"
echo "processes:     $(find /proc -maxdepth 1 -name "[0-9]*" | wc -l) visible"
echo "capabilities:  $(tests/helpers/probe capnames | tr , "\n" | wc -l) effective"
echo
echo "== inside the container ($(basename "$runtime") run -b $work/bundle $id)"
"$runtime" run -b "$work/bundle" "$id" </dev/null
