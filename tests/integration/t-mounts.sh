#!/bin/bash
# t-mounts: the container's filesystem view, read from its mountinfo and
# checked by writing: / is a slave of the host (receives host mounts, sends
# none back) unless linux.rootfsPropagation says otherwise; root.readonly,
# readonlyPaths and maskedPaths; config.mounts in order, with bind flags,
# recursive read-only, file-onto-file binds, tmpfs data, relative sources and
# destinations, missing parents created, unknown options passed as data; an
# idmap bind in a user namespace; the cgroup mount (the container's own
# cgroups and limits in the host's layout, with or without a cgroup or user
# namespace, read-only or not); sysfs read-only.
#
# Host mounts a test makes live under $T and are undone by the test; the last
# test checks that none is left.
# shellcheck source=tests/integration/lib.sh disable=SC2154,SC2317,SC2016,SC2119,SC2120 # run sets status/output/errout; tests are called by name; jq programs and container commands are single-quoted; run_ct/start_ct take an optional tag
. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------------------
# Helpers

# field KEY: the value of `KEY=value` in $output (probe's format).
field () {
  sed -n "s/^$1=//p" <<<"$output" | head -n1
}

# run_ct [TAG]: runs $BUNDLE to its end; the process must exit 0 (probe
# chains that expect a failing verb end with `+ exit 0`).
run_ct () {
  run rt run -b "$BUNDLE" "$(unique_id "${1:-}")"
  [ "$status" = 0 ] || fail "run failed with status $status: $errout"
}

# results: the lines of $output that are not mountinfo lines (what the
# other probe verbs printed), joined by spaces.
results () {
  grep -vE '^[0-9]+ [0-9]+ [0-9]+:[0-9]+ ' <<<"$output" | tr '\n' ' ' | sed 's/ $//'
}

# mi_get MOUNTPOINT WHAT [TEXT]: from the last line of mountinfo TEXT
# (default $output) mounted at MOUNTPOINT: id, parent, dev, root, opts
# (per-mount options), tags (optional fields: shared:N master:N ...),
# fstype, source or super (superblock options).  Empty if none is there.
mi_get () {
  awk -v mp="$1" -v what="$2" '
    $5 == mp && / - / {
      tags = ""
      for (i = 7; i <= NF && $i != "-"; i++)
        tags = tags (tags == "" ? "" : " ") $i
      if (what == "id") r = $1
      else if (what == "parent") r = $2
      else if (what == "dev") r = $3
      else if (what == "root") r = $4
      else if (what == "opts") r = $6
      else if (what == "tags") r = tags
      else if (what == "fstype") r = $(i + 1)
      else if (what == "source") r = $(i + 2)
      else if (what == "super") r = $(i + 3)
      found = 1
    }
    END { if (found) print r }' <<<"${3-$output}"
}

# mi_count MOUNTPOINT [TEXT]: how many mounts are stacked at MOUNTPOINT.
mi_count () {
  awk -v mp="$1" '$5 == mp { n++ } END { print n + 0 }' <<<"${2-$output}"
}

# assert_mounted MOUNTPOINT [TEXT]
assert_mounted () {
  [ -n "$(mi_get "$1" id "${2-$output}")" ] || fail "nothing is mounted at $1"
}

# assert_opt OPTIONS OPT WHAT / assert_no_opt: OPT is (not) one of the
# comma-separated OPTIONS.
assert_opt () {
  [[ ,$1, == *",$2,"* ]] || fail "$3: '$1' lacks '$2'"
}

assert_no_opt () {
  [[ ,$1, != *",$2,"* ]] || fail "$3: '$1' has '$2'"
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

# host_tmpfs DIR: a small tmpfs mounted on the host at DIR (made if
# needed), unmounted when the test ends, even when it fails (the test's
# containers are still there then: a lazy unmount).
HOST_MOUNTS=()
host_tmpfs () {
  mkdir -p "$1"
  mount -t tmpfs -o size=16m,mode=0755 cove-test "$1"
  HOST_MOUNTS=("$1" "${HOST_MOUNTS[@]}")
  trap 'umount_host_mounts' EXIT
}

umount_host_mounts () {
  local m
  for m in "${HOST_MOUNTS[@]}"; do
    umount -l "$m" 2>/dev/null || true
  done
}

# shared_bundle DIR ARGS...: a fresh bundle on a new tmpfs at DIR that is
# shared on the host, so the container's / has a peer group to be a slave
# of (the host's own / may be private).  Sets BUNDLE and PEER, the host
# mount's peer group number.
shared_bundle () {
  local dir=$1 tags
  shift
  host_tmpfs "$dir"
  mount --make-shared "$dir"
  new_bundle "$@"
  mv "$BUNDLE" "$dir/bundle"
  BUNDLE=$dir/bundle
  tags=$(mi_get "$dir" tags "$(cat /proc/self/mountinfo)")
  [[ $tags =~ shared:([0-9]+) ]] || fail "the host mount at $dir is not shared: '$tags'"
  PEER=${BASH_REMATCH[1]}
}

# start_ct [TAG]: creates and starts $BUNDLE (a long-running process);
# prints its id.  Its pid is then `state_field ID .pid`.
start_ct () {
  local id
  id=$(unique_id "${1:-}")
  rt_create "$id" >&2
  rt start "$id" >&2
  wait_status "$id" running >&2
  echo "$id"
}

# add_mount JQ-OBJECT [JQ-ARGS...]: appends one entry to .mounts.
add_mount () {
  local obj=$1
  shift
  cfg "$@" ".mounts += [ $obj ]"
}

CAPS_SYS_ADMIN='.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'

# ---------------------------------------------------------------------------
# Propagation of /

# By default / is a slave of the host's mount: a mount the host makes under
# the rootfs shows up inside, one the container makes stays inside.
test_root_slave_by_default () {
  local id pid mi
  shared_bundle "$T/shared-default" /bin/sh -c \
    'mount -t tmpfs inner /mnt/inner && exec /probe sleep'
  mkdir "$BUNDLE/rootfs/mnt/inner" "$BUNDLE/rootfs/mnt/from-host"
  cfg "$CAPS_SYS_ADMIN"
  id=$(start_ct)
  pid=$(state_field "$id" .pid)
  wait_for 10 grep -q ' /mnt/inner ' "/proc/$pid/mountinfo"
  mi=$(cat "/proc/$pid/mountinfo")
  assert_match "$(mi_get / tags "$mi")" "(^| )master:$PEER( |$)" \
    "propagation of / (host peer group $PEER)"
  assert_not_match "$(mi_get / tags "$mi")" "shared:" "propagation of /"
  # Container → host: nothing.
  assert_no_host_mount "$BUNDLE/rootfs/mnt/inner"
  # Host → container: received.
  mount -t tmpfs from-host "$BUNDLE/rootfs/mnt/from-host"
  wait_for 5 grep -q ' /mnt/from-host ' "/proc/$pid/mountinfo"
  umount "$BUNDLE/rootfs/mnt/from-host"
}

# Each value of linux.rootfsPropagation, as the optional fields of /'s
# mountinfo line.  The r* forms reach the mounts under / as well (/proc).
# Every value is tried; the failures are reported together.
test_rootfs_propagation () {
  local value tags proc_tags bad=""
  shared_bundle "$T/shared-values" /probe mountinfo
  for value in shared rshared slave rslave private rprivate unbindable runbindable; do
    cfg --arg v "$value" '.linux.rootfsPropagation = $v'
    run rt run -b "$BUNDLE" "$(unique_id "$value")"
    if [ "$status" != 0 ]; then
      bad+=" $value:run-failed($errout)"
      continue
    fi
    tags=$(mi_get / tags)
    proc_tags=$(mi_get /proc tags)
    lib_diag "$value: / has '$tags', /proc has '$proc_tags'"
    case $value in
      shared | rshared)
        # Shared, in a peer group of its own (a slave of the host's too).
        [[ $tags =~ (^| )shared:([0-9]+) ]] && [ "${BASH_REMATCH[2]}" != "$PEER" ] \
          || bad+=" $value:/=[$tags]"
        ;;
      slave | rslave)
        [[ $tags =~ (^| )master:$PEER( |$) && $tags != *shared:* ]] || bad+=" $value:/=[$tags]"
        ;;
      private | rprivate)
        [ -z "$tags" ] || bad+=" $value:/=[$tags]"
        ;;
      unbindable | runbindable)
        [[ $tags =~ (^| )unbindable( |$) ]] || bad+=" $value:/=[$tags]"
        ;;
    esac
    case $value in
      rshared) [[ $proc_tags == *shared:* ]] || bad+=" $value:/proc=[$proc_tags]" ;;
      runbindable) [[ $proc_tags == *unbindable* ]] || bad+=" $value:/proc=[$proc_tags]" ;;
      shared) [[ $proc_tags != *shared:* ]] || bad+=" $value:/proc=[$proc_tags]" ;;
      unbindable) [[ $proc_tags != *unbindable* ]] || bad+=" $value:/proc=[$proc_tags]" ;;
    esac
  done
  [ -z "$bad" ] || fail "unexpected propagation (host peer group $PEER):$bad"
}

test_rootfs_propagation_invalid () {
  local id
  new_bundle
  cfg '.linux.rootfsPropagation = "bogus"'
  id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" bogus "error names the value"
  assert_fail rt state "$id"
}

# ---------------------------------------------------------------------------
# root.readonly, readonlyPaths, maskedPaths

# A read-only root: / is `ro` and its files cannot be written; the mounts
# on it (the /dev tmpfs) keep their own flags.
test_readonly_root () {
  new_bundle /bin/sh -c '/probe mountinfo + write /etc/passwd x + exit 0
    echo y >/dev/shm/f && /probe read /dev/shm/f'
  cfg '.root.readonly = true'
  cp "$BUNDLE/rootfs/etc/passwd" "$T/passwd.orig"
  run_ct
  assert_opt "$(mi_get / opts)" ro "per-mount options of /"
  assert_opt "$(mi_get /dev/shm opts)" rw "per-mount options of /dev/shm"
  assert_eq "$(results)" "EROFS y" "write /etc/passwd, write and read /dev/shm/f"
  cmp -s "$T/passwd.orig" "$BUNDLE/rootfs/etc/passwd" || fail "/etc/passwd changed on the host"
}

# readonlyPaths: the default /proc/sys, a rootfs directory and a directory
# with a mount under it (read-only too: cove makes them read-only
# recursively); a path that does not exist is skipped.
test_readonly_paths () {
  new_bundle /probe mountinfo + write /proc/sys/kernel/hostname x \
    + write /etc/passwd x + write /mnt/ro/sub/f x + write /tmp/f x + exit 0
  : >"$BUNDLE/rootfs/tmp/f"
  mkdir -p "$BUNDLE/rootfs/mnt/ro/sub"
  : >"$BUNDLE/rootfs/mnt/ro/sub/f"
  add_mount '{ destination: "/mnt/ro/sub", type: "tmpfs", source: "tmpfs",
               options: ["tmpcopyup"] }'
  cfg '.linux.readonlyPaths += ["/etc", "/mnt/ro", "/no/such/path"]'
  cp "$BUNDLE/rootfs/etc/passwd" "$T/passwd.orig"
  run_ct
  assert_opt "$(mi_get /proc/sys opts)" ro "per-mount options of /proc/sys"
  assert_opt "$(mi_get /etc opts)" ro "per-mount options of /etc"
  assert_opt "$(mi_get /mnt/ro opts)" ro "per-mount options of /mnt/ro"
  assert_opt "$(mi_get /mnt/ro/sub opts)" ro "per-mount options of /mnt/ro/sub"
  assert_opt "$(mi_get / opts)" rw "per-mount options of /"
  assert_eq "$(results)" "EROFS EROFS EROFS ok" \
    "write /proc/sys/kernel/hostname, /etc/passwd, /mnt/ro/sub/f, /tmp/f"
  cmp -s "$T/passwd.orig" "$BUNDLE/rootfs/etc/passwd" || fail "/etc/passwd changed on the host"
  [ ! -e "$BUNDLE/rootfs/no/such/path" ] || fail "a missing readonly path was created"
}

# maskedPaths: directories get an empty read-only tmpfs, files the
# container's /dev/null (reads are empty, writes vanish); a missing path is
# skipped.
test_masked_paths () {
  local dev_dev mp dirs=/secret-dir files=/secret-file
  local -a args=(/probe mountinfo + ls /secret-dir + read /secret-file)
  # From the template, where this kernel has them (checked on the host):
  # a directory and a file with content.
  if [ -d /proc/acpi ]; then
    dirs+=" /proc/acpi"
    args+=(+ ls /proc/acpi)
  fi
  if [ -n "$(head -c 1 /proc/timer_list 2>/dev/null)" ]; then
    files+=" /proc/timer_list"
    args+=(+ read /proc/timer_list)
  fi
  new_bundle "${args[@]}" + write /secret-file pwned + exit 0
  mkdir "$BUNDLE/rootfs/secret-dir"
  echo hidden >"$BUNDLE/rootfs/secret-dir/file"
  echo secret >"$BUNDLE/rootfs/secret-file"
  cfg '.linux.maskedPaths += ["/secret-dir", "/secret-file", "/no/such/path"]'
  run_ct
  # Every verb printed nothing but the write's `ok`: the directories are
  # empty, the files read as empty.
  assert_eq "$(results)" ok "ls and read of $dirs $files, then write /secret-file"
  for mp in $dirs; do
    assert_eq "$(mi_get "$mp" fstype)" tmpfs "file system masking $mp"
    assert_opt "$(mi_get "$mp" opts)" ro "per-mount options of the tmpfs on $mp"
  done
  dev_dev=$(mi_get /dev dev)
  for mp in $files; do
    assert_eq "$(mi_get "$mp" dev):$(mi_get "$mp" root)" "$dev_dev:/null" \
      "what masks $mp (/dev is $dev_dev)"
  done
  assert_eq "$(cat "$BUNDLE/rootfs/secret-file")" secret "the masked file on the host"
  [ ! -e "$BUNDLE/rootfs/no/such/path" ] || fail "a missing masked path was created"
}

# ---------------------------------------------------------------------------
# Bind mounts

# rro is read-only on every submount of an rbind; ro only on its top.
test_rro_submounts () {
  local src=$T/rro-src
  mkdir -p "$src"
  : >"$src/top"
  host_tmpfs "$src/sub"
  : >"$src/sub/f"
  new_bundle /probe mountinfo + write /mnt/rro/top x + write /mnt/rro/sub/f x \
    + write /mnt/ro/sub/f x + exit 0
  add_mount '{ destination: "/mnt/rro", type: "bind", source: $s, options: ["rbind", "rro"] }' \
    --arg s "$src"
  add_mount '{ destination: "/mnt/ro", type: "bind", source: $s, options: ["rbind", "ro"] }' \
    --arg s "$src"
  run_ct
  assert_opt "$(mi_get /mnt/rro opts)" ro "per-mount options of /mnt/rro"
  assert_opt "$(mi_get /mnt/rro/sub opts)" ro "per-mount options of /mnt/rro/sub"
  assert_opt "$(mi_get /mnt/ro opts)" ro "per-mount options of /mnt/ro"
  assert_opt "$(mi_get /mnt/ro/sub opts)" rw "per-mount options of /mnt/ro/sub (plain ro is not recursive)"
  assert_eq "$(results)" "EROFS EROFS ok" "write /mnt/rro/top, /mnt/rro/sub/f, /mnt/ro/sub/f"
  # The submount of the host stays writable on the host.
  assert_opt "$(mi_get "$src/sub" opts "$(cat /proc/self/mountinfo)")" rw "the host's $src/sub"
}

# Per-mount flags of a bind, which need a remount after MS_BIND: visible in
# mountinfo and in effect (no write, no exec).
test_bind_flags () {
  local src=$T/flags-src
  mkdir -p "$src"
  : >"$src/file"
  cp "$PROBE" "$src/probe"
  new_bundle /bin/sh -c '/probe mountinfo; /probe write /mnt/flags/file x
    /mnt/flags/probe pid >/dev/null 2>&1; echo "exec=$?"
    /mnt/plain/probe pid >/dev/null 2>&1; echo "plain-exec=$?"
    /probe write /mnt/plain/file y'
  add_mount '{ destination: "/mnt/flags", type: "bind", source: $s,
               options: ["bind", "ro", "nosuid", "nodev", "noexec"] }' --arg s "$src"
  add_mount '{ destination: "/mnt/plain", type: "bind", source: $s, options: ["bind"] }' \
    --arg s "$src"
  run_ct
  local o
  o=$(mi_get /mnt/flags opts)
  for f in ro nosuid nodev noexec; do
    assert_opt "$o" "$f" "per-mount options of /mnt/flags"
  done
  o=$(mi_get /mnt/plain opts)
  assert_opt "$o" rw "per-mount options of /mnt/plain"
  for f in nosuid nodev noexec; do
    assert_no_opt "$o" "$f" "per-mount options of /mnt/plain"
  done
  assert_eq "$(results)" "EROFS exec=126 plain-exec=0 ok" \
    "write and exec through /mnt/flags, then /mnt/plain"
  assert_eq "$(cat "$src/file")" y "the host file after the writes"
}

# Files bound onto files, writable on a read-only root: how engines give a
# container its /etc/hosts, /etc/hostname and /etc/resolv.conf.  Writes
# inside reach the host's files, not the rootfs's.
test_file_binds () {
  local f
  mkdir -p "$T/files"
  for f in hosts hostname resolv.conf; do
    echo "host $f" >"$T/files/$f"
  done
  new_bundle /probe read /etc/hosts + read /etc/hostname + read /etc/resolv.conf \
    + write /etc/hosts new-hosts + write /etc/hostname new-hostname \
    + write /etc/resolv.conf new-resolv + write /etc/passwd x + exit 0
  cfg '.root.readonly = true'
  for f in hosts hostname resolv.conf; do
    add_mount '{ destination: $d, type: "bind", source: $s, options: ["bind", "rw"] }' \
      --arg d "/etc/$f" --arg s "$T/files/$f"
  done
  run_ct
  assert_eq "$(results)" "host hosts host hostname host resolv.conf ok ok ok EROFS" \
    "reads of the bound files, writes to them and to /etc/passwd"
  assert_eq "$(cat "$T/files/hosts")" new-hosts "host's hosts file"
  assert_eq "$(cat "$T/files/hostname")" new-hostname "host's hostname file"
  assert_eq "$(cat "$T/files/resolv.conf")" new-resolv "host's resolv.conf file"
  for f in hosts hostname resolv.conf; do
    [ ! -s "$BUNDLE/rootfs/etc/$f" ] || fail "the rootfs's /etc/$f was written"
  done
}

# A relative source is taken from the bundle directory, not from the
# runtime's working directory (which has a `data` of its own here).
test_bundle_relative_source () {
  new_bundle /probe read /mnt/data/file
  mkdir "$BUNDLE/data" "$T/cwd-data" "$T/cwd-data/data"
  echo from-bundle >"$BUNDLE/data/file"
  echo from-cwd >"$T/cwd-data/data/file"
  add_mount '{ destination: "/mnt/data", type: "bind", source: "data", options: ["bind"] }'
  cd "$T/cwd-data"
  run_ct
  assert_eq "$output" from-bundle "/mnt/data/file"
}

# ---------------------------------------------------------------------------
# Other file systems

# tmpfs options: the ones cove does not know (size, mode, nr_inodes) go to
# the file system as data; the flags are per-mount flags.
test_tmpfs_data () {
  local super
  new_bundle /probe mountinfo + stat /mnt/t
  add_mount '{ destination: "/mnt/t", type: "tmpfs", source: "tmpfs",
               options: ["nosuid", "nodev", "size=1m", "mode=1770", "nr_inodes=100"] }'
  run_ct
  assert_eq "$(mi_get /mnt/t fstype)" tmpfs "file system at /mnt/t"
  super=$(mi_get /mnt/t super)
  assert_opt "$super" size=1024k "superblock options of /mnt/t"
  assert_opt "$super" mode=1770 "superblock options of /mnt/t"
  assert_opt "$super" nr_inodes=100 "superblock options of /mnt/t"
  assert_opt "$(mi_get /mnt/t opts)" nosuid "per-mount options of /mnt/t"
  assert_opt "$(mi_get /mnt/t opts)" nodev "per-mount options of /mnt/t"
  assert_eq "$(field type) $(field mode)" "dir 1770" "/mnt/t"
}

# An option neither cove nor the file system knows fails create.
test_unknown_fs_option () {
  local id
  new_bundle
  add_mount '{ destination: "/mnt/t", type: "tmpfs", source: "tmpfs",
               options: ["no-such-option=1"] }'
  id=$(unique_id)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" /mnt/t "error names the destination"
}

# The template's /dev/mqueue: an mqueue file system with its flags, where
# a queue can be made.
test_mqueue () {
  new_bundle /bin/sh -c '/probe mountinfo && touch /dev/mqueue/q && /probe stat /dev/mqueue/q'
  run_ct
  assert_eq "$(mi_get /dev/mqueue fstype)" mqueue "file system at /dev/mqueue"
  for f in nosuid nodev noexec; do
    assert_opt "$(mi_get /dev/mqueue opts)" "$f" "per-mount options of /dev/mqueue"
  done
  assert_eq "$(field type)" file "a queue in /dev/mqueue"
}

# ---------------------------------------------------------------------------
# Destinations

# A relative destination (deprecated) is taken relative to /.
test_relative_destination () {
  new_bundle /probe mountinfo
  add_mount '{ destination: "mnt/rel", type: "tmpfs", source: "tmpfs" }'
  run_ct
  assert_eq "$(mi_get /mnt/rel fstype)" tmpfs "file system at /mnt/rel"
}

# Missing parents of a destination are made: directories for a file
# system, and the file itself for a file bind.
test_missing_parents () {
  echo content >"$T/one-file"
  new_bundle /probe mountinfo + read /new2/x/y/file
  add_mount '{ destination: "/new/a/b/c", type: "tmpfs", source: "tmpfs" }'
  add_mount '{ destination: "/new2/x/y/file", type: "bind", source: $s, options: ["bind"] }' \
    --arg s "$T/one-file"
  run_ct
  assert_eq "$(mi_get /new/a/b/c fstype)" tmpfs "file system at /new/a/b/c"
  assert_mounted /new2/x/y/file
  assert_eq "$(results)" content "/new2/x/y/file"
  [ -d "$BUNDLE/rootfs/new/a/b/c" ] || fail "/new/a/b/c was not made in the rootfs"
  if [ ! -f "$BUNDLE/rootfs/new2/x/y/file" ] || [ -s "$BUNDLE/rootfs/new2/x/y/file" ]; then
    fail "/new2/x/y/file was not made as an empty file in the rootfs"
  fi
}

# Mounts are made in their order: a later one covers an earlier one at the
# same place, and a destination inside an earlier mount is looked up in it.
test_mount_order () {
  mkdir -p "$T/order-a/sub" "$T/order-b"
  echo a >"$T/order-a/f"
  echo b >"$T/order-b/f"
  new_bundle /probe mountinfo + read /mnt/o/f + ls /mnt/p/sub
  add_mount '{ destination: "/mnt/o", type: "tmpfs", source: "tmpfs" }'
  add_mount '{ destination: "/mnt/o", type: "bind", source: $s, options: ["bind"] }' \
    --arg s "$T/order-a"
  add_mount '{ destination: "/mnt/o", type: "bind", source: $s, options: ["bind"] }' \
    --arg s "$T/order-b"
  add_mount '{ destination: "/mnt/p", type: "bind", source: $s, options: ["bind"] }' \
    --arg s "$T/order-a"
  add_mount '{ destination: "/mnt/p/sub", type: "tmpfs", source: "tmpfs" }'
  run_ct
  assert_eq "$(mi_count /mnt/o)" 3 "mounts stacked at /mnt/o"
  # The tmpfs is empty, so `ls` prints nothing: only b's content is left.
  assert_eq "$(results)" b "/mnt/o/f, then ls /mnt/p/sub"
  assert_eq "$(mi_get /mnt/p/sub fstype)" tmpfs "file system at /mnt/p/sub"
  assert_eq "$(mi_get /mnt/p/sub parent)" "$(mi_get /mnt/p id)" "parent of /mnt/p/sub"
}

# ---------------------------------------------------------------------------
# User namespaces, cgroup, sysfs

# An idmap bind in a user namespace: files of the host's root show as the
# container's root (not as the overflow id they have through a plain
# bind), and what root makes inside belongs to the host's root.
test_idmap_userns () {
  local src=$T/idmap-src major minor
  IFS=. read -r major minor _ < <(uname -r)
  ((major > 5 || (major == 5 && minor >= 12))) || skip "idmapped mounts need Linux 5.12"
  mkdir -p "$src"
  : >"$src/root-file"
  : >"$src/user-file"
  chown 0:0 "$src" "$src/root-file"
  chown 1000:1000 "$src/user-file"
  new_bundle /bin/sh -c '/probe mountinfo; for f in root-file user-file; do
      /probe stat /mnt/idmapped/$f | grep -E "^(uid|gid)="
      /probe stat /mnt/plain/$f | grep -E "^(uid|gid)="
    done; echo made >/mnt/idmapped/made-inside'
  cfg '.linux.namespaces += [ { type: "user" } ]
    | .linux.uidMappings = [ { containerID: 0, hostID: 100000, size: 65536 } ]
    | .linux.gidMappings = [ { containerID: 0, hostID: 100000, size: 65536 } ]'
  chown -R 100000:100000 "$BUNDLE/rootfs"
  add_mount '{ destination: "/mnt/idmapped", type: "bind", source: $s,
               options: ["bind", "idmap"] }' --arg s "$src"
  add_mount '{ destination: "/mnt/plain", type: "bind", source: $s, options: ["bind"] }' \
    --arg s "$src"
  run_ct
  assert_opt "$(mi_get /mnt/idmapped opts)" idmapped "per-mount options of /mnt/idmapped"
  assert_no_opt "$(mi_get /mnt/plain opts)" idmapped "per-mount options of /mnt/plain"
  # root-file through idmapped, then plain; user-file likewise.
  assert_eq "$(results)" \
    "uid=0 gid=0 uid=65534 gid=65534 uid=1000 gid=1000 uid=65534 gid=65534" \
    "owners of root-file and user-file through /mnt/idmapped and /mnt/plain"
  assert_eq "$(stat -c %u:%g "$src/made-inside")" 0:0 "host owner of a file made inside"
}

# A cgroup mount is read-only: every hierarchy under it (v1), and the top
# too when it is the host's own /sys/fs/cgroup (a runtime may instead make
# a tmpfs of the container's there, as runc does on v1).
test_cgroup_readonly () {
  local sub host_dev
  new_bundle /bin/sh -c '/probe mountinfo
    for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
      [ -d "$d" ] || continue; touch "$d/cove-test" 2>&1; break; done; true'
  add_mount '{ destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
               options: ["nosuid", "noexec", "nodev", "relatime", "ro"] }'
  run_ct
  assert_mounted /sys/fs/cgroup
  host_dev=$(mi_get /sys/fs/cgroup dev "$(cat /proc/self/mountinfo)")
  if [ "$(mi_get /sys/fs/cgroup dev)" = "$host_dev" ]; then
    assert_opt "$(mi_get /sys/fs/cgroup opts)" ro "per-mount options of /sys/fs/cgroup (the host's, $host_dev)"
  fi
  while read -r sub; do
    assert_opt "$(mi_get "$sub" opts)" ro "per-mount options of $sub"
  done < <(awk '$5 ~ "^/sys/fs/cgroup/" { print $5 }' <<<"$output")
  assert_match "$(results)" 'Read-only file system' "touch in a hierarchy"
}

# Each cgroup v1 hierarchy mounted under /sys/fs/cgroup (and the v2 one)
# has the container's own cgroup at its root, as /proc/self/cgroup names
# it: the container sees its cgroup, not the host's tree.
test_cgroup_own_hierarchy () {
  local mi cg mp root fstype super line ctrls want n=0
  new_bundle /bin/sh -c '/probe mountinfo; echo cgroups:; cat /proc/self/cgroup'
  add_mount '{ destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
               options: ["nosuid", "noexec", "nodev", "relatime", "ro"] }'
  run_ct
  mi=$(sed '/^cgroups:$/,$d' <<<"$output")
  cg=$(sed '1,/^cgroups:$/d' <<<"$output")
  while read -r mp root fstype super; do
    want=
    while IFS= read -r line; do
      # hierarchy-id:controllers:path; the controllers must all be in the
      # mount's superblock options (v2: no controllers, fstype cgroup2).
      ctrls=${line#*:}
      ctrls=${ctrls%%:*}
      if [ "$fstype" = cgroup2 ]; then
        [ -z "$ctrls" ] || continue
      else
        [ -n "$ctrls" ] || continue
        ! tr ',' '\n' <<<"$ctrls" | grep -qvxF -f <(tr ',' '\n' <<<"$super") || continue
      fi
      want=${line#*:*:}
    done <<<"$cg"
    [ -n "$want" ] || fail "no line of /proc/self/cgroup for $mp ($fstype $super)"
    assert_eq "$root" "$want" "root of the hierarchy at $mp ($super)"
    n=$((n + 1))
  done < <(awk '$5 ~ "^/sys/fs/cgroup/" {
      for (i = 7; $i != "-"; i++) ;
      if ($(i + 1) ~ /^cgroup2?$/) print $5, $4, $(i + 1), $(i + 3) }
    $5 == "/sys/fs/cgroup" && / - cgroup2 / { print $5, $4, "cgroup2", "" }' <<<"$mi")
  [ "$n" -gt 0 ] || fail "no cgroup hierarchy is mounted under /sys/fs/cgroup"
}

# The template's sysfs is read-only.
test_sysfs_readonly () {
  new_bundle /bin/sh -c '/probe mountinfo; touch /sys/cove-test 2>&1; touch /sys/kernel/cove-test 2>&1; true'
  run_ct
  assert_eq "$(mi_get /sys fstype)" sysfs "file system at /sys"
  assert_opt "$(mi_get /sys opts)" ro "per-mount options of /sys"
  assert_eq "$(grep -c 'Read-only file system' <<<"$output")" 2 \
    "touch in /sys and /sys/kernel (output: $(results))"
}

# ---------------------------------------------------------------------------
# The cgroup mount in more detail: with and without a cgroup namespace, in a
# user namespace, read-write.  On a v1 or hybrid host each hierarchy under
# the destination shows the container's cgroup; on a v2 host the
# destination is that cgroup.

CG_LIMIT=134217728

# host_cgroup_v2: the host mounts cgroup2 at /sys/fs/cgroup itself.
host_cgroup_v2 () {
  [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]
}

# cg_view_bundle [OPTIONS_JSON]: a bundle whose container mounts cgroups at
# /sys/fs/cgroup (default options: read-only, as engines mount it), has a
# memory limit of $CG_LIMIT, and prints, in @@-marked sections, its
# mountinfo, /proc/self/cgroup, the names at /sys/fs/cgroup, its memory
# limit as read under /sys/fs/cgroup, and the directories one and two
# levels down.
cg_view_bundle () {
  local limit_file=/sys/fs/cgroup/memory/memory.limit_in_bytes
  host_cgroup_v2 && limit_file=/sys/fs/cgroup/memory.max
  new_bundle /bin/sh -c '/probe mountinfo; echo @@cgroup; cat /proc/self/cgroup
    echo @@names; ls -A /sys/fs/cgroup; echo @@limit; cat "$0"; echo @@dirs
    for d in /sys/fs/cgroup/*/; do
      [ -d "$d" ] && echo "1 $d"
      for s in "$d"*/; do [ -d "$s" ] && echo "2 $s"; done
    done; echo @@end' "$limit_file"
  add_mount '{ destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: $o }' \
    --argjson o "${1:-[\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}"
  cfg '.linux.resources.memory.limit = ($l | tonumber)' --arg l "$CG_LIMIT"
}

# cg_section NAME: the lines of section @@NAME of $output ("": those
# before the first section, the mountinfo).
cg_section () {
  awk -v s="@@$1" 'BEGIN { on = (s == "@@") } /^@@/ { on = ($0 == s); next } on' <<<"$output"
}

# cg_mounts: "mountpoint root fstype super opts" for each cgroup mount at or
# under /sys/fs/cgroup in the container's mountinfo.
cg_mounts () {
  cg_section "" | awk '($5 == "/sys/fs/cgroup" || $5 ~ "^/sys/fs/cgroup/") && / - cgroup2? / {
      for (i = 7; $i != "-"; i++) ;
      print $5, $4, $(i + 1), $(i + 3), $6 }'
}

# cg_path_of FSTYPE SUPER: the path /proc/self/cgroup (section @@cgroup)
# gives for the hierarchy with these superblock options (v2: no
# controllers; v1: all of the line's controllers are among SUPER).
cg_path_of () {
  local line ctrls
  while IFS= read -r line; do
    ctrls=${line#*:}
    ctrls=${ctrls%%:*}
    if [ "$1" = cgroup2 ]; then
      [ -z "$ctrls" ] || continue
    else
      [ -n "$ctrls" ] || continue
      ! tr ',' '\n' <<<"$ctrls" | grep -qvxF -f <(tr ',' '\n' <<<"$2") || continue
    fi
    echo "${line#*:*:}"
    return
  done < <(cg_section cgroup)
}

# assert_cg_view NS: the checks both cases share, NS being "cgroupns" (then
# every hierarchy's root, and init's cgroup in it, is the namespace's "/")
# or "host".
assert_cg_view () {
  local mp root fstype super opts want n=0 host_names
  while read -r mp root fstype super opts; do
    want=$(cg_path_of "$fstype" "$super")
    [ -n "$want" ] || fail "no line of /proc/self/cgroup for $mp ($fstype $super)"
    assert_eq "$root" "$want" "root of the hierarchy at $mp ($super)"
    if [ "$1" = cgroupns ]; then
      assert_eq "$root" / "root of $mp in the container's cgroup namespace"
    else
      assert_ne "$root" / "root of $mp without a cgroup namespace (the host's root)"
    fi
    n=$((n + 1))
  done < <(cg_mounts)
  [ "$n" -gt 0 ] || fail "no cgroup hierarchy is mounted at or under /sys/fs/cgroup"
  # The config's limit, read where the container looks for it.
  assert_eq "$(cg_section limit)" "$CG_LIMIT" "memory limit read in /sys/fs/cgroup"
  if host_cgroup_v2; then
    assert_eq "$(mi_get /sys/fs/cgroup fstype)" cgroup2 "file system at /sys/fs/cgroup"
    assert_eq "$(cg_section dirs)" "" "cgroups below the container's own"
    return
  fi
  assert_eq "$(mi_get /sys/fs/cgroup fstype)" tmpfs "file system at /sys/fs/cgroup"
  # The host's names: its hierarchies and the symlinks to them.
  host_names=$(
    awk '$5 ~ "^/sys/fs/cgroup/[^/]+$" && / - cgroup2? / { sub("^/sys/fs/cgroup/", "", $5); print $5 }' \
      /proc/self/mountinfo
    for e in /sys/fs/cgroup/*; do
      if [ -L "$e" ] && [ -d "/sys/fs/cgroup/$(readlink "$e")" ]; then echo "${e##*/}"; fi
    done
  )
  assert_eq "$(cg_section names | sort)" "$(sort -u <<<"$host_names")" "names in /sys/fs/cgroup"
  # Nothing below the container's own cgroup: no other container's.
  assert_eq "$(cg_section dirs | grep '^2 ' || true)" "" "cgroups below the container's own"
}

test_cgroup_view_host_ns () {
  cg_view_bundle
  run_ct
  assert_cg_view host
}

test_cgroup_view_cgroupns () {
  cg_view_bundle
  cfg '.linux.namespaces += [ { type: "cgroup" } ]'
  run_ct
  assert_cg_view cgroupns
  # A new mount of each hierarchy (its source is "cgroup"), not a bind of
  # the host's.
  assert_eq "$(cg_mounts | awk '{ print $1 }' | sort)" \
    "$(cg_section "" | awk '($5 == "/sys/fs/cgroup" || $5 ~ "^/sys/fs/cgroup/") && / - cgroup2? cgroup2? / { print $5 }' | sort)" \
    "cgroup mounts whose source is cgroup/cgroup2"
}

# Mounted read-only, every part of the view is: a hierarchy and the tmpfs.
assert_cg_readonly () {
  local mp opts
  while read -r mp _ _ _ opts; do
    assert_opt "$opts" ro "per-mount options of $mp"
  done < <(cg_mounts)
  assert_opt "$(mi_get /sys/fs/cgroup opts)" ro "per-mount options of /sys/fs/cgroup"
}

# In a user namespace a new cgroup mount needs a cgroup namespace of the
# container's own; without one the host's directories are bound.
cg_userns () {
  cg_view_bundle
  cfg '.linux.namespaces += [ { type: "user" } ]
    | .linux.uidMappings = [ { containerID: 0, hostID: 100000, size: 65536 } ]
    | .linux.gidMappings = [ { containerID: 0, hostID: 100000, size: 65536 } ]'
  chown -R 100000:100000 "$BUNDLE/rootfs"
}

test_cgroup_view_userns () {
  cg_userns
  run_ct
  assert_cg_view host
  assert_cg_readonly
}

test_cgroup_view_userns_cgroupns () {
  cg_userns
  cfg '.linux.namespaces += [ { type: "cgroup" } ]'
  run_ct
  assert_cg_view cgroupns
  assert_cg_readonly
}

# Without "ro" the container may manage its own cgroup (privileged engines
# mount it so): a sub-cgroup can be made and removed, and no part of the
# view is read-only.
test_cgroup_view_rw () {
  local dir=/sys/fs/cgroup/pids/cove-sub mp opts
  host_cgroup_v2 && dir=/sys/fs/cgroup/cove-sub
  new_bundle /bin/sh -c '/probe mountinfo; echo @@made
    mkdir "$0" && rmdir "$0" && echo ok' "$dir"
  add_mount '{ destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
               options: ["rprivate", "nosuid", "noexec", "nodev", "relatime", "rw"] }'
  run_ct
  while read -r mp _ _ _ opts; do
    assert_no_opt "$opts" ro "per-mount options of $mp"
  done < <(cg_mounts)
  assert_no_opt "$(mi_get /sys/fs/cgroup opts)" ro "per-mount options of /sys/fs/cgroup"
  assert_eq "$(cg_section made)" ok "mkdir and rmdir of $dir"
}

# Run last: every mount a test made on the host is gone.
test_no_host_mounts_left () {
  assert_no_host_mount "$T"
}

run_test "/ is a slave of the host by default" test_root_slave_by_default
run_test "rootfsPropagation: each value" test_rootfs_propagation
run_test "rootfsPropagation: invalid value fails cleanly" test_rootfs_propagation_invalid
run_test "root.readonly" test_readonly_root
run_test "readonlyPaths" test_readonly_paths
run_test "maskedPaths" test_masked_paths
run_test "bind: rro is recursive, ro is not" test_rro_submounts
run_test "bind: ro, nosuid, nodev, noexec" test_bind_flags
run_test "bind: files onto files on a read-only root" test_file_binds
run_test "bind: relative source is bundle-relative" test_bundle_relative_source
run_test "tmpfs: size, mode and other data" test_tmpfs_data
run_test "tmpfs: unknown option fails cleanly" test_unknown_fs_option
run_test "mqueue" test_mqueue
run_test "relative destination" test_relative_destination
run_test "missing parents of destinations are made" test_missing_parents
run_test "mounts are made in order" test_mount_order
run_test "idmap bind in a user namespace" test_idmap_userns
run_test "cgroup mount is read-only" test_cgroup_readonly
run_test "cgroup mount shows the container's own cgroups" test_cgroup_own_hierarchy
run_test "cgroup mount: own limits and the host's layout, no cgroup namespace" test_cgroup_view_host_ns
run_test "cgroup mount: own limits and the host's layout, in a cgroup namespace" test_cgroup_view_cgroupns
run_test "cgroup mount in a user namespace" test_cgroup_view_userns
run_test "cgroup mount in a user and a cgroup namespace" test_cgroup_view_userns_cgroupns
run_test "cgroup mount without ro is writable" test_cgroup_view_rw
run_test "sysfs is read-only" test_sysfs_readonly
run_test "no mount left on the host" test_no_host_mounts_left
done_testing
