#!/bin/bash
# t-devices: the container's /dev.  The default devices with their numbers,
# the /dev/ptmx, /dev/fd and std* links, linux.devices (char, block and fifo
# nodes with their mode and owner, parent directories made), a node already
# in the rootfs (the same device is kept, another file is an error), and in
# a user namespace the host's nodes bound in.  Observed with `probe stat`
# (lstat: type, mode, owner, rdev) and by using the devices.
# shellcheck source=tests/integration/lib.sh disable=SC2154,SC2317,SC2016,SC2119,SC2120 # run sets status/output/errout; tests are called by name; jq programs and container commands are single-quoted; run_ct/start_ct take an optional tag
. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------------------
# Helpers

# run_ct [TAG]: runs $BUNDLE to its end; the process must exit 0.
run_ct () {
  run rt run -b "$BUNDLE" "$(unique_id "${1:-}")"
  [ "$status" = 0 ] || fail "run failed with status $status: $errout"
}

# A shell function for the container: `st PATH...` prints one line per
# path, `PATH type=... mode=... dev=... uid=... gid=... rdev=...`.
ST='st () { for p; do echo "$p $(/probe stat "$p" | tr "\n" " ")"; done; }'

# st_get PATH KEY: KEY's value on PATH's line of $output (see ST).
st_get () {
  awk -v p="$1" -v k="$2" '$1 == p {
      for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2)
    }' <<<"$output" | head -n1
}

# assert_node PATH TYPE MODE RDEV [UID GID]: what `st` printed for PATH.
assert_node () {
  local got want
  got="$(st_get "$1" type) $(st_get "$1" mode) $(st_get "$1" rdev)"
  want="$2 $3 $4"
  if [ $# -gt 4 ]; then
    got+=" $(st_get "$1" uid):$(st_get "$1" gid)"
    want+=" $5:$6"
  fi
  assert_eq "$got" "$want" "$1: type mode rdev${5:+ uid:gid}"
}

# mi_get MOUNTPOINT WHAT [TEXT]: dev, root or fstype of the last line of
# mountinfo TEXT (default $output) mounted at MOUNTPOINT.
mi_get () {
  awk -v mp="$1" -v what="$2" '
    $5 == mp && / - / {
      for (i = 7; i <= NF && $i != "-"; i++) ;
      if (what == "dev") r = $3
      else if (what == "root") r = $4
      else if (what == "fstype") r = $(i + 1)
      found = 1
    }
    END { if (found) print r }' <<<"${3-$output}"
}

# own_dev: the bundle's config uses the rootfs's own /dev (no tmpfs there).
own_dev () {
  cfg '.mounts |= map(select(.destination != "/dev"))'
}

# userns: a user namespace mapping root to host uid/gid 100000 (64k ids),
# the rootfs owned accordingly.
userns () {
  cfg '.linux.namespaces += [ { type: "user" } ]
    | .linux.uidMappings = [ { containerID: 0, hostID: 100000, size: 65536 } ]
    | .linux.gidMappings = [ { containerID: 0, hostID: 100000, size: 65536 } ]'
  chown -R 100000:100000 "$BUNDLE/rootfs"
}

DEFAULT_DEVICES="null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0"

# ---------------------------------------------------------------------------
# Default devices and links

# config-linux.md "Default Devices": each is a char device with its
# numbers, mode 0666, owned by root.
test_default_devices () {
  local d name
  new_bundle /bin/sh -c "$ST; st /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty"
  run_ct
  for d in $DEFAULT_DEVICES; do
    name=${d%%:*}
    assert_node "/dev/$name" char 0666 "${d#*:}" 0 0
  done
}

# The devices work: /dev/null takes writes, /dev/zero reads zeros,
# /dev/full refuses writes with ENOSPC, /dev/urandom gives bytes.
test_devices_work () {
  new_bundle /bin/sh -c '/probe write /dev/null x + write /dev/full x + exit 0
    echo "zero=$(head -c 4 /dev/zero | od -An -tx1 | tr -d " ")"
    echo "urandom=$(head -c 16 /dev/urandom | wc -c)"'
  run_ct
  assert_eq "$(tr '\n' ' ' <<<"$output")" "ok ENOSPC zero=00000000 urandom=16 " \
    "write /dev/null, write /dev/full, read /dev/zero, read /dev/urandom"
}

# runtime-linux.md "Dev symbolic links" and /dev/ptmx to the container's
# own devpts instance.
test_dev_links () {
  new_bundle /bin/sh -c "$ST"'; st /dev/ptmx /dev/fd /dev/stdin /dev/stdout /dev/stderr
    for l in ptmx fd stdin stdout stderr; do echo "link $l $(readlink /dev/$l)"; done
    st /dev/pts/ptmx'
  run_ct
  for l in ptmx fd stdin stdout stderr; do
    assert_eq "$(st_get "/dev/$l" type)" symlink "/dev/$l"
  done
  assert_eq "$(grep '^link ' <<<"$output" | tr '\n' ' ')" \
    "link ptmx pts/ptmx link fd /proc/self/fd link stdin /proc/self/fd/0 link stdout /proc/self/fd/1 link stderr /proc/self/fd/2 " \
    "link targets"
  assert_eq "$(st_get /dev/pts/ptmx type) $(st_get /dev/pts/ptmx rdev)" "char 5:2" "/dev/pts/ptmx"
}

# ---------------------------------------------------------------------------
# linux.devices

# A char device with fileMode 0620, uid 1, gid 2; a block device; a fifo;
# a device in a directory that does not exist yet.
test_config_devices () {
  new_bundle /bin/sh -c "$ST; st /dev/mychar /dev/myblk /dev/myfifo /dev/foo /dev/foo/bar"
  cfg '.linux.devices = [
    { path: "/dev/mychar", type: "c", major: 1, minor: 3, fileMode: 400, uid: 1, gid: 2 },
    { path: "/dev/myblk", type: "b", major: 7, minor: 0, fileMode: 432 },
    { path: "/dev/myfifo", type: "p", fileMode: 384 },
    { path: "/dev/foo/bar", type: "c", major: 1, minor: 5, fileMode: 438 } ]'
  run_ct
  assert_node /dev/mychar char 0620 1:3 1 2
  assert_node /dev/myblk block 0660 7:0 0 0
  assert_node /dev/myfifo fifo 0600 0:0
  assert_eq "$(st_get /dev/foo type)" dir "/dev/foo"
  assert_node /dev/foo/bar char 0666 1:5
}

# The rootfs's own /dev (no tmpfs in the config): the nodes are made there,
# one already there that is the same device is kept.
test_rootfs_own_dev () {
  new_bundle /bin/sh -c "$ST; st /dev/null /dev/zero /dev/mychar; /probe write /dev/null x"
  own_dev
  mknod -m 0666 "$BUNDLE/rootfs/dev/null" c 1 3
  cfg '.linux.devices = [ { path: "/dev/mychar", type: "c", major: 1, minor: 5 } ]'
  run_ct
  assert_node /dev/null char 0666 1:3
  assert_node /dev/zero char 0666 1:5
  assert_node /dev/mychar char 0666 1:5
  assert_eq "$(tail -n1 <<<"$output")" ok "write /dev/null"
  # Seen from the host: real nodes in the rootfs.
  assert_eq "$(stat -c '%F %t:%T' "$BUNDLE/rootfs/dev/zero")" "character special file 1:5" \
    "the rootfs's /dev/zero on the host"
}

# A file already at a device's path that is not that device: create fails,
# leaves nothing, and the file is untouched.
test_existing_mismatch () {
  local id
  new_bundle
  own_dev
  echo keep >"$BUNDLE/rootfs/dev/mydev"
  cfg '.linux.devices = [ { path: "/dev/mydev", type: "c", major: 1, minor: 3 } ]'
  id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" /dev/mydev "error names the device"
  assert_fail rt state "$id"
  assert_eq "$(stat -c %F "$BUNDLE/rootfs/dev/mydev")" "regular file" "/dev/mydev on the host"
  assert_eq "$(cat "$BUNDLE/rootfs/dev/mydev")" keep "/dev/mydev's content"

  # Another device with the same path: a char node of other numbers.
  rm "$BUNDLE/rootfs/dev/mydev"
  mknod -m 0600 "$BUNDLE/rootfs/dev/mydev" c 1 5
  id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_eq "$(stat -c '%F %t:%T %a' "$BUNDLE/rootfs/dev/mydev")" "character special file 1:5 600" \
    "/dev/mydev on the host"
}

# ---------------------------------------------------------------------------
# User namespaces

# In a user namespace mknod of devices is refused: the host's nodes are
# bound in instead (mountinfo shows the host's /dev file system), and they
# work.
test_userns_devices () {
  local d name host_dev host_fs extra=""
  host_dev=$(mi_get /dev dev "$(cat /proc/self/mountinfo)")
  host_fs=$(mi_get /dev fstype "$(cat /proc/self/mountinfo)")
  [ -n "$host_dev" ] || skip "the host's /dev is not a mount point"
  # A device from linux.devices is bound from the host's same path.
  [ -c /dev/kmsg ] && extra=/dev/kmsg
  new_bundle /bin/sh -c "$ST; /probe mountinfo; st /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty $extra
    /probe write /dev/null x + write /dev/full x + exit 0"
  userns
  [ -z "$extra" ] || cfg --arg p "$extra" --argjson ma "$((0x$(stat -c %t "$extra")))" \
    --argjson mi "$((0x$(stat -c %T "$extra")))" \
    '.linux.devices = [ { path: $p, type: "c", major: $ma, minor: $mi } ]'
  run_ct
  for d in $DEFAULT_DEVICES ${extra:+${extra#/dev/}:$((0x$(stat -c %t "$extra"))):$((0x$(stat -c %T "$extra")))}; do
    name=${d%%:*}
    assert_eq "$(mi_get "/dev/$name" dev) $(mi_get "/dev/$name" root) $(mi_get "/dev/$name" fstype)" \
      "$host_dev /$name $host_fs" "mount on /dev/$name"
    assert_eq "$(st_get "/dev/$name" type) $(st_get "/dev/$name" rdev)" "char ${d#*:}" "/dev/$name"
  done
  assert_eq "$(tail -n2 <<<"$output" | tr '\n' ' ')" "ok ENOSPC " "write /dev/null, write /dev/full"
}

run_test "default devices" test_default_devices
run_test "default devices work" test_devices_work
run_test "/dev/ptmx, /dev/fd, /dev/std* links" test_dev_links
run_test "linux.devices: char, block, fifo, parent dirs" test_config_devices
run_test "rootfs's own /dev is populated" test_rootfs_own_dev
run_test "existing different node fails cleanly" test_existing_mismatch
run_test "user namespace: host nodes bound in" test_userns_devices
done_testing
