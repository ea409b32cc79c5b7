#!/bin/bash
# t-edge-security: hostile names and files around a container, and the
# default masking.  Observed: container ids with `/`, `..`, a leading `.`
# or `-`, control characters, unicode, 1025 bytes (refused with one clean
# line, nothing made outside the state root; a NUL cannot be passed on
# argv, so a NUL inside config.json strings stands for it); a relative
# --root; config.json as a FIFO, a symlink to a FIFO, to /dev/zero, to
# itself, to a huge file, a directory (each fails fast with one line); a
# bundle and rootfs path with spaces and unicode (works, reported
# verbatim); a rootfs that is a symlink (used, resolved) and a rootfs
# swapped for a symlink after create validated it (the validated dir must
# be used); the default maskedPaths/readonlyPaths of `spec` against
# `runc spec`, each masked path unreadable and each readonly path
# read-only from inside a root container without CAP_SYS_ADMIN; remounting
# /proc/sys read-write (refused without CAP_SYS_ADMIN; with it in a user
# namespace only the container's own view changes); and, rootless, a
# bundle owned by another user: the state is the caller's and the runtime
# writes nothing of that user.
# shellcheck source=tests/integration/lib.sh disable=SC2016,SC2119,SC2154,SC2317 # jq and sh programs in single quotes; unique_id takes no args here; run sets status/output/errout; tests are called by name
. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------------------
# Two users of our own for the rootless test, removed on exit with their
# processes.

USER_A=cvea$$
USER_B=cveb$$
UID_A=
UID_B=
USERS_OK=0

edge_cleanup () {
  local rc=$? u uid pid
  trap - EXIT INT TERM HUP
  cleanup_containers
  for u in "$USER_A" "$USER_B"; do
    uid=$(id -u "$u" 2>/dev/null) || continue
    for pid in $(ps -o pid= -u "$uid" 2>/dev/null); do
      kill -9 "$pid" 2>/dev/null
    done
    userdel -f "$u" >/dev/null 2>&1 || echo "# warning: userdel $u failed" >&2
    rm -rf --one-file-system "/tmp/cove-$uid"
  done
  (exit "$rc")
  lib_cleanup
}
trap edge_cleanup EXIT

# No subordinate ids are needed: -K keeps /etc/subuid and /etc/subgid as
# they are.
edge_useradd () {
  useradd -M -U -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 -d /nonexistent \
    -s /usr/sbin/nologin "$1" >/dev/null 2>&1
}

if command -v useradd >/dev/null && command -v setpriv >/dev/null \
    && edge_useradd "$USER_A" && edge_useradd "$USER_B"; then
  UID_A=$(id -u "$USER_A")
  UID_B=$(id -u "$USER_B")
  USERS_OK=1
fi

# as_user UID CMD...: CMD as that user (and its group), clean environment.
as_user () {
  local uid=$1
  shift
  setpriv --reuid="$uid" --regid="$(id -g "$uid")" --init-groups \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/ "$@"
}

# ---------------------------------------------------------------------------
# Helpers

# outside_snapshot: what exists around the state root: entries of $T (the
# state root's parent, where `../x` would land) and of the state root,
# cgroups and processes of this file.  The logs of the test are left out.
outside_snapshot () {
  find "$T" -maxdepth 2 -not -name '*.log' -not -name 'run.*' -not -name 'snap.*' \
    -not -name 'ids*' -not -name 'id-counter' -not -path "$BUNDLE/*" | sort
  find /sys/fs/cgroup -maxdepth 6 -name "*$ID_PREFIX*" 2>/dev/null | sort
}

# bad_id_refused ID: create of ID fails with one printable line and nothing
# appears outside (or inside) the state root.
bad_id_refused () {
  local id=$1 before
  before=$(outside_snapshot)
  assert_fails_clean rt create -b "$BUNDLE" -- "$id"
  if printf '%s' "$errout" | LC_ALL=C grep -q '[[:cntrl:]]'; then
    fail "the error for id $(printf '%q' "$id") holds a control character: $(printf '%q' "$errout")"
  fi
  [ "${#errout}" -le 300 ] || fail "the error for a ${#id}-byte id is ${#errout} bytes long"
  assert_eq "$(outside_snapshot)" "$before" "files and cgroups after create of $(printf '%q' "$id")"
  # The other commands refuse it the same way.
  assert_fail rt state -- "$id"
  assert_one_line "$errout" "state of a bad id"
  assert_fail rt delete -f -- "$id"
  assert_one_line "$errout" "delete of a bad id"
}

test_bad_ids () {
  local id p=$ID_PREFIX
  new_bundle /probe pid
  for id in "$p/x" "../$p-esc" ".." "." "./$p" "$p/../../$p-esc2" \
      "$p x" "$p"$'\t'"x" "$p"$'\n'"x" "$p"$'\r'"x" "$p"$'\e'"[31mred" "$p"$'\x7f' \
      "$p-ünï" "$p-☃" "$(printf '%*s' 1025 '' | tr ' ' a)"; do
    bad_id_refused "$id"
  done
  # cove also refuses a leading dot (`list` skips dot entries of the state
  # root, so such a container would be hidden); runc takes ".x".
  [ "$(runtime_name)" != cove ] || bad_id_refused ".$p-hidden"
  if [ -e "$T/$p-esc" ] || [ -e "$T/$p-esc2" ] || [ -e "$(dirname "$T")/$p-esc2" ]; then
    fail "an id escaped the state root"
  fi
}

# A leading `-` reads as an option unless after `--`; as an id it is
# legal (runc's rule too) and must work through every command.
test_dash_id () {
  local id="-$ID_PREFIX-dash"
  new_bundle /probe sleep
  track_id "$id"
  assert_fail rt create -b "$BUNDLE" "$id"
  assert_one_line "$errout" "create with an option-like id and no --"
  [ ! -e "$STATE/$id" ] || fail "an option-like id made a state dir"
  assert_ok rt create -b "$BUNDLE" -- "$id"
  [ -d "$STATE/$id" ] || fail "no state dir $STATE/$id"
  assert_eq "$(rt state -- "$id" | jq -r .id)" "$id" "id in state"
  assert_ok rt list --format json
  assert_eq "$(jq -r --arg id "$id" '[.[] | select(.id == $id)] | length' <<<"$output")" 1 \
    "the id in list"
  assert_ok rt delete -f -- "$id"
  [ ! -e "$STATE/$id" ] || fail "delete left $STATE/$id"
}

# Ids from 256 bytes up cannot name a directory (NAME_MAX): refused or a
# clean failure, one line either way; the limit of 1024 is checked above.
test_long_id () {
  local id
  new_bundle /probe pid
  id=$ID_PREFIX-$(printf '%*s' 300 '' | tr ' ' b)
  track_id "$id"
  leak_check_begin
  run rt create -b "$BUNDLE" "$id"
  if [ "$status" = 0 ]; then
    assert_ok rt delete -f "$id"
  else
    assert_one_line "$errout" "create with a 300-byte id"
  fi
  leak_check_end
}

# A NUL cannot reach argv (execve ends each argument at it), so no id or
# path given on the command line can hold one.  config.json can: JSON
# "\u0000" in a string must be refused, not cut short at the NUL (a root
# path "rootfs\u0000/../../x" would then mean "rootfs").
test_nul_in_config () {
  local f id
  new_bundle /probe pid
  cp "$BUNDLE/config.json" "$T/config.orig"
  for f in '.root.path = "rootfs\u0000/../x"' '.process.args = ["/probe\u0000x", "pid"]' \
      '.hostname = "a\u0000b"' '.mounts[0].destination = "/proc\u0000x"' \
      '.process.env += ["A=b\u0000c"]' '.process.cwd = "/\u0000tmp"'; do
    jq "$f" "$T/config.orig" >"$BUNDLE/config.json"
    id=$(unique_id)
    assert_fails_clean rt create -b "$BUNDLE" "$id"
  done
}

test_relative_root () {
  [ "$(runtime_name)" = cove ] \
    || skip "$(runtime_name) takes a relative --root (runc makes it absolute)"
  new_bundle /probe pid
  mkdir "$T/cwd"
  cd "$T/cwd" || fail "cd"
  leak_check_begin
  assert_fail timeout 10 "$RUNTIME" --root relstate create -b "$BUNDLE" "$(unique_id)"
  assert_one_line "$errout" "create with a relative --root"
  assert_error_mentions "$errout" relstate
  assert_fail timeout 10 "$RUNTIME" --root relstate list
  assert_fail timeout 10 "$RUNTIME" --root ./relstate state x
  leak_check_end
  [ -z "$(ls -A "$T/cwd")" ] || fail "a relative --root created $(ls -A "$T/cwd")"
}

# config_refused: create must fail within 10 s with one line.
config_refused () {
  local id
  id=$(unique_id)
  leak_check_begin
  run timeout 10 "$RUNTIME" --root "$STATE" create -b "$BUNDLE" "$id"
  [ "$status" != 124 ] || fail "create hung on config.json ($1)"
  [ "$status" != 0 ] || fail "create accepted config.json ($1)"
  assert_one_line "$errout" "error for config.json ($1)"
  leak_check_end
}

test_config_special_files () {
  new_bundle /probe pid
  mv "$BUNDLE/config.json" "$T/good-config.json"
  mkfifo "$T/fifo"
  ln -s "$T/fifo" "$BUNDLE/config.json"
  config_refused "symlink to a FIFO"
  rm "$BUNDLE/config.json"
  mkfifo "$BUNDLE/config.json"
  config_refused "a FIFO"
  rm "$BUNDLE/config.json"
  ln -s /dev/zero "$BUNDLE/config.json"
  config_refused "symlink to /dev/zero"
  rm "$BUNDLE/config.json"
  ln -s config.json "$BUNDLE/config.json"
  config_refused "symlink to itself"
  rm "$BUNDLE/config.json"
  mkdir "$BUNDLE/config.json"
  config_refused "a directory"
  rmdir "$BUNDLE/config.json"
  truncate -s 200M "$T/huge.json"
  ln -s "$T/huge.json" "$BUNDLE/config.json"
  config_refused "symlink to a 200 MB sparse file"
  rm "$BUNDLE/config.json" "$T/huge.json"
  # The control: a symlink to a regular file is followed, as runc does.
  ln -s "$T/good-config.json" "$BUNDLE/config.json"
  run rt run -b "$BUNDLE" "$(unique_id)"
  assert_eq "$status" 0 "run through a symlinked config.json"
  assert_match "$output" '^pid=1' "probe output"
}

test_bundle_path_unicode () {
  local b="$T/bündle with spaces ☃" id
  mkdir -m 0755 "$b"
  cp -a "$ROOTFS_CACHE" "$b/root fs ü"
  echo marker-ü >"$b/root fs ü/marker"
  config_template /probe read /marker >"$b/config.json"
  BUNDLE=$b
  cfg '.root.path = "root fs ü"'
  id=$(unique_id)
  run rt run -b "$b" "$id"
  assert_eq "$status" 0 "run from a bundle path with spaces and unicode"
  assert_eq "$output" marker-ü "the rootfs seen inside"
  config_template /probe sleep >"$b/config.json"
  cfg '.root.path = "root fs ü"'
  id=$(unique_id)
  rt_create "$id"
  assert_eq "$(state_field "$id" .bundle)" "$b" "bundle in state"
  assert_ok rt list --format json
  assert_eq "$(jq -r --arg id "$id" '.[] | select(.id == $id) | .bundle' <<<"$output")" "$b" \
    "bundle in list"
  assert_ok rt delete -f "$id"
  [ -z "$(lib_mounts_under_t)" ] || fail "mounts left: $(lib_mounts_under_t)"
}

# root.path a symlink: resolved once and used (runc does the same).
test_rootfs_symlink () {
  new_bundle /probe read /marker
  echo real >"$BUNDLE/rootfs/marker"
  mv "$BUNDLE/rootfs" "$BUNDLE/real-rootfs"
  ln -s real-rootfs "$BUNDLE/rootfs"
  run rt run -b "$BUNDLE" "$(unique_id)"
  assert_eq "$status" 0 "run with a symlinked rootfs"
  assert_eq "$output" real "the rootfs seen inside"
}

# The rootfs create validated is the one the container gets: swapped for a
# symlink to another dir between validation and the mounts, it must not be
# followed.  strace holds the runtime for a second right after it made
# the state dir (after validation, before init is cloned), which is when
# the swap is made.
test_rootfs_swapped_after_validation () {
  local id i
  command -v strace >/dev/null || skip "strace is not installed"
  new_bundle /probe read /marker
  echo validated >"$BUNDLE/rootfs/marker"
  mkdir "$T/elsewhere"
  cp -a "$ROOTFS_CACHE/." "$T/elsewhere/"
  echo elsewhere >"$T/elsewhere/marker"
  id=$(unique_id)
  # LeakSanitizer cannot work under ptrace: a sanitizer build of the
  # runtime (tests/sanitizers/run.sh sets ASAN_OPTIONS) checks no leaks here.
  timeout -k 5 30 strace -qq -o /dev/null -e trace=mkdirat \
    ${ASAN_OPTIONS:+-E "ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0"} \
    -e inject=mkdirat:delay_exit=1000000:when=1 "$RUNTIME" --root "$STATE" run \
    -b "$BUNDLE" "$id" </dev/null >"$T/swap.out" 2>"$T/swap.err" &
  for ((i = 0; i < 200; i++)); do
    [ -d "$STATE/$id" ] && break
    sleep 0.01
  done
  [ -d "$STATE/$id" ] || { wait; fail "the runtime never made its state dir: $(cat "$T/swap.err")"; }
  mv "$BUNDLE/rootfs" "$BUNDLE/rootfs.validated"
  ln -s "$T/elsewhere" "$BUNDLE/rootfs"
  wait $! || true
  lib_diag "stdout: $(cat "$T/swap.out")" "stderr: $(cat "$T/swap.err")"
  [ "$(cat "$T/swap.out")" != elsewhere ] \
    || fail "the container got the rootfs swapped in after validation"
}

# ---------------------------------------------------------------------------
# Masked and read-only paths

# The lists of `spec`'s config in BUNDLE, each as sorted JSON.
spec_lists () {
  jq -c '.linux.maskedPaths | sort' "$1/config.json"
  jq -c '.linux.readonlyPaths | sort' "$1/config.json"
}

test_default_paths_match_runc () {
  local runc ours theirs ver
  runc=$(command -v runc) || skip "runc is not installed"
  [ "$(runtime_name)" != runc ] || skip "the runtime under test is runc"
  mkdir "$T/spec-ours" "$T/spec-runc"
  assert_ok rt spec -b "$T/spec-ours"
  (cd "$T/spec-runc" && "$runc" spec) || fail "runc spec failed"
  ours=$(spec_lists "$T/spec-ours")
  theirs=$(spec_lists "$T/spec-runc")
  # runc 1.2.0 added /sys/devices/virtual/powercap (power-reading side
  # channels); an older runc on the host lacks it.
  ver=$("$runc" --version | sed -n 's/^runc version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
  if [ -n "$ver" ] && [ "${ver% *}" = 1 ] && [ "${ver#* }" -lt 2 ]; then
    theirs=$(jq -c 'if (. | index("/proc/acpi")) then . + ["/sys/devices/virtual/powercap"]
      | sort else . end' <<<"$theirs")
  fi
  assert_eq "$ours" "$theirs" "maskedPaths and readonlyPaths of spec (sorted)"
  # No duplicates in ours.
  assert_eq "$(jq -c '.linux.maskedPaths | length == (unique | length)' \
    "$T/spec-ours/config.json")" true "maskedPaths without duplicates"
}

# json_array ARGS...: ARGS as a JSON array of strings.
json_array () {
  local a out=""
  for a in "$@"; do
    out+=${out:+,}$(json_string "$a")
  done
  echo "[$out]"
}

# spec_bundle ARGS...: a bundle with `spec`'s default config, no terminal,
# process.args = ARGS.
spec_bundle () {
  BUNDLE=$(mktemp -d "$T/bundle.XXXXXX")
  chmod 0755 "$BUNDLE"
  cp -a "$ROOTFS_CACHE" "$BUNDLE/rootfs"
  rt spec -b "$BUNDLE" || fail "spec failed"
  cfg '.process.terminal = false | .process.args = $a' --argjson a "$(json_array "$@")"
}

# For each path given: "PATH TYPE BYTES ENTRIES": its type (or errno),
# how many bytes a read gives, how many names a listing gives.
PROBE_PATHS='for p in "$@"; do
  t=$(/probe stat "$p" 2>/dev/null | sed -n "s/^type=//p;/^E[A-Z]*$/p")
  b=$(/probe read "$p" 2>/dev/null | grep -v "^E[A-Z]*$" | wc -c)
  n=0
  [ "$t" != dir ] || n=$(/probe ls "$p" 2>/dev/null | grep -v "^E[A-Z]*$" | wc -l)
  echo "$p $t $b $n"
done'

test_masked_paths_unreadable () {
  local masked line p t b n host
  spec_bundle /bin/sh -c 'cat /proc/self/status >/dev/null; '"$PROBE_PATHS" sh
  mapfile -t masked < <(jq -r '.linux.maskedPaths[]' "$BUNDLE/config.json")
  cfg '.process.args += $p' --argjson p "$(json_array "${masked[@]}")"
  assert_eq "$(jq '.process.capabilities.bounding | index("CAP_SYS_ADMIN")' \
    "$BUNDLE/config.json")" null "CAP_SYS_ADMIN in the default bounding set"
  run rt run -b "$BUNDLE" "$(unique_id)"
  assert_eq "$status" 0 "run of the default spec"
  assert_eq "$(wc -l <<<"$output")" "${#masked[@]}" "one line per masked path"
  while read -r p t b n; do
    case $t in
      ENOENT | EACCES | EPERM) ;;
      char) assert_eq "$b" 0 "bytes read from masked $p" ;;
      dir) assert_eq "$n" 0 "entries of masked dir $p" ;;
      *) fail "masked path $p is a $t inside ($b bytes, $n entries)" ;;
    esac
  done <<<"$output"
  # These four hold something on a host: when this one has it, the mask
  # is what hides it (the test can fail).
  for p in /proc/kcore /proc/keys /proc/timer_list /sys/firmware; do
    line=$(grep "^$p " <<<"$output") || fail "$p is not in the default maskedPaths"
    if [ -d "$p" ]; then
      host=$(find "$p" -mindepth 1 -maxdepth 1 | wc -l)
    elif [ -e "$p" ]; then
      host=$(head -c 4096 "$p" 2>/dev/null | wc -c)
    else
      host=0
    fi
    echo "$p: host $host, inside: $line"
    [ "$host" = 0 ] || assert_match "$line" " (0 0|ENOENT 0 0|EACCES 0 0)$" "$p inside"
  done
}

test_readonly_paths_readonly () {
  local ro p mi
  spec_bundle /bin/sh -c '
    cat /proc/self/mountinfo
    echo "--"
    /probe write /proc/sys/kernel/hostname box
    /probe write /proc/sysrq-trigger ""
    /probe write /proc/irq/default_smp_affinity ""
    mount -o remount,rw /proc/sys 2>/dev/null; echo "remount $?"
    grep " /proc/sys " /proc/self/mountinfo'
  mapfile -t ro < <(jq -r '.linux.readonlyPaths[]' "$BUNDLE/config.json")
  run rt run -b "$BUNDLE" "$(unique_id)"
  assert_eq "$status" 0 "run of the default spec"
  mi=${output%%$'\n--\n'*}
  for p in "${ro[@]}"; do
    [ -e "$p" ] || continue
    # mountinfo field 5 is the mount point, 6 its own options.
    awk -v p="$p" '$5 == p { found = 1; if ($6 !~ /(^|,)ro(,|$)/) bad = 1 }
      END { exit !(found && !bad) }' <<<"$mi" \
      || fail "readonly path $p is not a read-only mount inside"
  done
  output=${output#*$'\n--\n'}
  mapfile -t lines <<<"$output"
  assert_eq "${lines[0]}" EROFS "write to /proc/sys/kernel/hostname"
  assert_match "${lines[1]}" '^(EROFS|ENOENT)$' "open of /proc/sysrq-trigger for writing"
  assert_match "${lines[2]}" '^(EROFS|ENOENT)$' "write to /proc/irq/default_smp_affinity"
  assert_ne "${lines[3]}" "remount 0" "remount rw of /proc/sys without CAP_SYS_ADMIN"
  assert_match "${lines[4]}" ' /proc/sys ro,' "/proc/sys after the remount attempt"
}

# host_view: what the host must keep whatever a container does.
host_view () {
  awk '$5 == "/proc" || $5 ~ "^/proc/" || $5 == "/sys"' /proc/self/mountinfo
  cat /proc/sys/kernel/hostname /proc/sys/kernel/domainname /proc/sys/vm/swappiness
}

# With CAP_SYS_ADMIN in its own user namespace the container owns its
# mount namespace and may remount its view of /proc/sys read-write; the
# files stay the host's (owned by an unmapped root), and the host's mounts
# and values do not move.  The global sysctl is written with the value it
# already has, so even a failing test changes nothing.
test_remount_in_userns () {
  local before after
  spec_bundle /bin/sh -c '
    mount -o remount,rw /proc/sys 2>/dev/null; echo "remount $?"
    grep " /proc/sys " /proc/self/mountinfo
    /probe write /proc/sys/vm/swappiness "$1"
    /probe write /proc/sys/kernel/domainname "$2"
    exit 0' sh \
    "$(cat /proc/sys/vm/swappiness)" "$(cat /proc/sys/kernel/domainname)"
  cfg '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
    | .process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])
    | del(.mounts[] | select(.destination == "/sys/fs/cgroup"))'
  before=$(host_view)
  run rt run -b "$BUNDLE" "$(unique_id)"
  after=$(host_view)
  assert_eq "$status" 0 "run with a user namespace and CAP_SYS_ADMIN"
  assert_eq "$after" "$before" "host mounts of /proc and /sys, hostname and sysctls"
  mapfile -t lines <<<"$output"
  lib_diag "remount inside: ${lines[0]} (${lines[1]})"
  assert_match "${lines[2]}" '^(EACCES|EPERM|EROFS)$' "write of vm.swappiness from the container"
  assert_match "${lines[3]}" '^(EACCES|EPERM|EROFS)$' \
    "write of kernel.domainname through the host-owned file"
}

# ---------------------------------------------------------------------------
# Rootless: a bundle owned by another user

# tree_state DIR: every file of DIR with owner, mode, size, mtime.
tree_state () {
  find "$1" -printf '%P %U %m %s %T@\n' | sort
}

test_rootless_foreign_bundle () {
  local rtu xdg id before st pid_target
  [ "$USERS_OK" = 1 ] || skip "cannot create users (useradd, setpriv)"
  as_user "$UID_A" unshare --user true 2>/dev/null \
    || skip "unprivileged user namespaces are disabled here"
  # The runtime where both users can run it.
  rtu=$T/rt-user
  cp "$RUNTIME" "$rtu"
  chmod 0755 "$rtu"
  xdg=$T/xdg-a
  mkdir -m 0700 "$xdg"
  chown "$UID_A:$(id -g "$UID_A")" "$xdg"
  # B's bundle: readable by all, writable by B only; the config is what
  # `spec --rootless` writes for A (A is mapped to root), rootfs writable
  # (only ownership protects B's files).
  BUNDLE=$T/bundle-of-b
  mkdir -m 0755 "$BUNDLE"
  cp -a "$ROOTFS_CACHE" "$BUNDLE/rootfs"
  mkdir "$T/spec-a"
  chown "$UID_A" "$T/spec-a"
  as_user "$UID_A" "$rtu" spec --rootless -b "$T/spec-a" || fail "spec --rootless as A"
  cp "$T/spec-a/config.json" "$BUNDLE/config.json"
  cfg '.process.terminal = false | .root.readonly = false | .process.args = ["/probe", "sleep"]'
  echo "b's file" >"$BUNDLE/b-file"
  chmod 0644 "$BUNDLE/b-file"
  chown -R "$UID_B:$(id -g "$UID_B")" "$BUNDLE"
  chmod -R go-w "$BUNDLE"
  before=$(tree_state "$BUNDLE")

  id=$(unique_id)
  track_id "$id" "$xdg/$(runtime_name)"
  # --pid-file and --log into B's files or dir: refused by the kernel, as
  # the runtime runs with A's rights only; B's files untouched.
  pid_target=$BUNDLE/b-file
  run as_user "$UID_A" XDG_RUNTIME_DIR="$xdg" timeout 30 "$rtu" create -b "$BUNDLE" \
    --pid-file "$pid_target" "$id"
  [ "$status" != 0 ] || fail "create as A wrote its pid file over B's file"
  # (A warning that no cgroup could be made may come first.)
  assert_error_mentions "$(tail -n1 <<<"$errout")" pid "error of a pid file in B's bundle"
  run as_user "$UID_A" XDG_RUNTIME_DIR="$xdg" timeout 30 "$rtu" create -b "$BUNDLE" \
    --pid-file "$BUNDLE/new-pid" "$id"
  [ "$status" != 0 ] || fail "create as A made a pid file in B's dir"
  run as_user "$UID_A" XDG_RUNTIME_DIR="$xdg" timeout 30 "$rtu" --log "$BUNDLE/b-file" list
  assert_eq "$(tree_state "$BUNDLE")" "$before" "B's bundle after the refused calls"

  run as_user "$UID_A" XDG_RUNTIME_DIR="$xdg" timeout 30 "$rtu" create -b "$BUNDLE" \
    --pid-file "$xdg/pid" "$id"
  assert_eq "$status" 0 "create as A from B's bundle"
  st=$xdg/$(runtime_name)/$id
  [ -d "$st" ] || fail "no state dir at $st"
  assert_eq "$(stat -c %u "$st")" "$UID_A" "owner of the state dir"
  assert_eq "$(( 0$(stat -c %a "$st") & 022 ))" 0 "group/other write bits of the state dir"
  assert_ok as_user "$UID_A" XDG_RUNTIME_DIR="$xdg" timeout 30 "$rtu" start "$id"
  # From inside, as A's root: B's files are another user's.
  run as_user "$UID_A" XDG_RUNTIME_DIR="$xdg" timeout 30 "$rtu" exec "$id" /bin/sh -c \
    '/probe write /etc/passwd x; (echo x >/new) 2>/dev/null; echo "create $?"'
  mapfile -t lines <<<"$output"
  assert_match "${lines[0]}" '^(EACCES|EPERM)$' "write to B's /etc/passwd from the container"
  assert_ne "${lines[1]}" "create 0" "creating a file in B's / from the container"
  [ ! -e "$BUNDLE/rootfs/new" ] || fail "the container made a file in B's rootfs"
  assert_ok as_user "$UID_A" XDG_RUNTIME_DIR="$xdg" timeout 30 "$rtu" delete -f "$id"
  [ ! -e "$st" ] || fail "delete left $st"
  assert_eq "$(tree_state "$BUNDLE")" "$before" "B's bundle after the container's whole life"
}

run_test "bad ids: refused in one printable line, nothing outside the root" test_bad_ids
run_test "an id with a leading - works after --" test_dash_id
run_test "a 300-byte id: works or fails cleanly" test_long_id
run_test "NUL in config.json strings is refused, not truncated" test_nul_in_config
run_test "a relative --root is refused" test_relative_root
run_test "config.json: FIFO, device, loop, directory, huge: fast one-line errors" \
  test_config_special_files
run_test "bundle and rootfs paths with spaces and unicode" test_bundle_path_unicode
run_test "a rootfs that is a symlink is resolved and used" test_rootfs_symlink
run_test "a rootfs swapped for a symlink after validation is not followed" \
  test_rootfs_swapped_after_validation
run_test "default maskedPaths/readonlyPaths are runc's" test_default_paths_match_runc
run_test "each default masked path is unreadable inside" test_masked_paths_unreadable
run_test "each default readonly path is read-only inside; no remount" \
  test_readonly_paths_readonly
run_test "remount of /proc/sys in a user namespace leaves the host alone" \
  test_remount_in_userns
run_test "rootless: a bundle owned by another user is only read" test_rootless_foreign_bundle
done_testing
