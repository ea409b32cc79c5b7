#!/bin/bash
# t-rootless: the runtime run by an unprivileged user, as runc and crun
# allow.  The file creates a user of its own (useradd, removed on exit with
# its /etc/subuid and /etc/subgid lines, processes, state dirs and cgroup
# dirs), builds bundles that user owns with `spec --rootless`, and runs the
# runtime as that user (setpriv).  It observes: ids and maps from inside
# (uid 0, one mapping of the user, setgroups denied), the hostname, a bind
# mount of a user-owned dir, exec into the container's namespaces, kill,
# delete and list; the state root under $XDG_RUNTIME_DIR (or a private
# /tmp/cove-UID, a hostile one refused); cgroups: no cgroup and one warning
# when none can be made, an error when a limit or a cgroupsPath is asked,
# limits applied in a cgroup subtree delegated to the user; several ranges
# mapped through newuidmap/newgidmap (package uidmap; skipped without it),
# seen as host ids from outside; clear errors for what only privilege can do
# (lowering oom_score_adj, raising a hard rlimit).
# shellcheck source=tests/integration/lib.sh disable=SC2016,SC2119,SC2154,SC2317 # jq programs in single quotes; unique_id takes no args here; run sets status/output/errout; tests are called by name
. "$(dirname "$0")/lib.sh"

skip_all () {
  echo "1..0 # SKIP $*"
  exit 77
}

for tool in useradd userdel setpriv; do
  command -v "$tool" >/dev/null || skip_all "$tool is missing"
done

CG=/sys/fs/cgroup
case $(stat -fc %T "$CG" 2>/dev/null) in
  cgroup2fs) CG_MODE=v2 ;;
  tmpfs) CG_MODE=v1 ;;
  *) CG_MODE=none ;;
esac

# ---------------------------------------------------------------------------
# The test user, and undoing everything made for it

RL_USER=cvrl$$
RL_UID=
RL_GID=
RL_XDG=$T/xdg
RL_RT=$T/rt-user
# A cgroup subtree "delegated" to the user (see delegate_setup).
RL_DLG=covetest-$ID_PREFIX-rl
SUBID_FILES_EXISTED=

for f in /etc/subuid /etc/subgid; do
  [ -e "$f" ] && SUBID_FILES_EXISTED+=" $f"
done

rl_cleanup () {
  local rc=$? pid f h
  trap - EXIT INT TERM HUP
  cleanup_containers
  if [ -n "$RL_UID" ]; then
    # Whatever still runs as the user was started by this file.
    for pid in $(ps -o pid= -u "$RL_UID" 2>/dev/null); do
      kill -9 "$pid" 2>/dev/null
    done
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      [ -z "$(ps -o pid= -u "$RL_UID" 2>/dev/null)" ] && break
      sleep 0.1
    done
    rm -rf --one-file-system "/tmp/cove-$RL_UID"
  fi
  for h in $(hierarchies); do
    [ -d "$h/$RL_DLG" ] || continue
    find "$h/$RL_DLG" -depth -mindepth 1 -type d -exec rmdir {} \; 2>/dev/null
    rmdir "$h/$RL_DLG" 2>/dev/null || echo "# warning: cgroup $h/$RL_DLG is left" >&2
  done
  if id "$RL_USER" >/dev/null 2>&1; then
    userdel -f "$RL_USER" >/dev/null 2>&1 || echo "# warning: userdel $RL_USER failed" >&2
  fi
  for f in /etc/subuid /etc/subgid; do
    [ -f "$f" ] || continue
    sed -i "/^$RL_USER:/d" "$f"
    # useradd makes the file when it is missing (and userdel a backup
    # "$f-"): leave the host as found.
    [[ $SUBID_FILES_EXISTED == *" $f"* ]] || [ -s "$f" ] || rm -f "$f" "$f-"
  done
  (exit "$rc")
  lib_cleanup
}
trap rl_cleanup EXIT

useradd -M -U -d /nonexistent -s /usr/sbin/nologin "$RL_USER" >/dev/null 2>&1 \
  || skip_all "useradd $RL_USER failed"
RL_UID=$(id -u "$RL_USER")
RL_GID=$(id -g "$RL_USER")
# The runtime where the user can run it, and a runtime dir only it enters.
cp "$RUNTIME" "$RL_RT"
chmod 0755 "$RL_RT"
mkdir -m 0700 "$RL_XDG"
chown "$RL_UID:$RL_GID" "$RL_XDG"

# as_user [VAR=VALUE...] CMD...: CMD as the test user, with a clean
# environment (no XDG_RUNTIME_DIR unless given).
as_user () {
  setpriv --reuid="$RL_UID" --regid="$RL_GID" --init-groups \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/ "$@"
}

setpriv_ok=1
as_user unshare --user true 2>/dev/null || setpriv_ok=0
[ "$setpriv_ok" = 1 ] || skip_all "unprivileged user namespaces are disabled here"

# urt ARGS...: the runtime as the test user, state under $RL_XDG.
urt () {
  echo "+ (as $RL_USER) ${RUNTIME##*/} $*" >>"$TEST_LOG"
  as_user XDG_RUNTIME_DIR="$RL_XDG" timeout -k 5 "$RT_TIMEOUT" "$RL_RT" "$@"
}

# The state root the runtime picks for the user with $RL_XDG.
USER_ROOT=$RL_XDG/$(runtime_name)

# user_ct_id: a fresh container id, cleaned up (as root) under the user's
# state root.
user_ct_id () {
  local id
  id=$(unique_id)
  track_id "$id" "$USER_ROOT"
  echo "$id"
}

# urt_run_d ID [OPTS...]: `run -d` as the user, stdio to files.
urt_run_d () {
  local id=$1 rc=0
  shift
  urt run -d -b "$BUNDLE" "$@" "$id" </dev/null >"$T/$id.out" 2>"$T/$id.err" || rc=$?
  lib_show_failure "$id" "$rc"
}

# user_bundle [ARGS...]: a bundle owned by the user, its config.json written
# by `spec --rootless` run as the user; process.args = ARGS (default: sleep),
# no terminal unless KEEP_TERMINAL=1.
user_bundle () {
  local args
  BUNDLE=$(mktemp -d "$T/ubundle.XXXXXX")
  chmod 0755 "$BUNDLE"
  cp -a "$ROOTFS_CACHE" "$BUNDLE/rootfs"
  chown -R "$RL_UID:$RL_GID" "$BUNDLE"
  as_user "$RL_RT" spec --rootless -b "$BUNDLE" || fail "spec --rootless as $RL_USER failed"
  [ $# -gt 0 ] || set -- /probe sleep
  args=$(jq -cn '$ARGS.positional' --args "$@")
  cfg '.process.args = $a' --argjson a "$args"
  [ "${KEEP_TERMINAL:-0}" = 1 ] || cfg '.process.terminal = false'
  chown "$RL_UID:$RL_GID" "$BUNDLE/config.json"
  echo "+ user bundle $BUNDLE: $*" >>"$TEST_LOG"
}

# Every line of a probe map, blanks squeezed: "0 1001 1".
squeeze () {
  tr -s ' \t' ' ' | sed 's/^ //; s/ $//'
}

# ---------------------------------------------------------------------------
# Cgroup helpers

# The hierarchies: every v1 mount under /sys/fs/cgroup (one per
# superblock) and the cgroup2 tree, wherever it is mounted there.
hierarchies () {
  awk '($9 == "cgroup" || $9 == "cgroup2") && ($5 == "/sys/fs/cgroup" || $5 ~ "^/sys/fs/cgroup/") \
       && !seen[$3]++ { print $5 }' /proc/self/mountinfo
}

# What a cgroup manager does to delegate a subtree to a user (systemd's
# Delegate=, cgroups(7) "Delegation"): a dir in every hierarchy owned by
# the user with its cgroup.procs (and on cgroup2 cgroup.subtree_control
# and cgroup.threads), cpuset inherited, and the user's shell in a leaf
# "sh" below it, so the container's cgroup can be a sibling of that leaf:
# moving a process needs write access to the common ancestor's
# cgroup.procs (cgroup2), and a cgroup2 parent with processes cannot
# enable controllers for its children.
delegate_setup () {
  local h f
  for h in $(hierarchies); do
    mkdir -p "$h/$RL_DLG/sh"
    for f in cpuset.cpus cpuset.mems; do
      [ -f "$h/$f" ] || continue
      cat "$h/$f" >"$h/$RL_DLG/$f"
      cat "$h/$f" >"$h/$RL_DLG/sh/$f"
    done
    if [ -f "$h/cgroup.subtree_control" ]; then
      for f in memory pids; do
        grep -qw "$f" "$h/cgroup.controllers" || continue
        grep -qw "$f" "$h/cgroup.subtree_control" || echo "+$f" >"$h/cgroup.subtree_control"
      done
    fi
    chown "$RL_UID:$RL_GID" "$h/$RL_DLG"
    for f in cgroup.procs cgroup.subtree_control cgroup.threads; do
      [ -e "$h/$RL_DLG/$f" ] && chown "$RL_UID:$RL_GID" "$h/$RL_DLG/$f"
    done
  done
}

# in_delegated CMD...: CMD (as root: give it as_user ...) from the leaf
# "sh" of the delegated subtree.
in_delegated () {
  (
    for h in $(hierarchies); do
      echo "$BASHPID" >"$h/$RL_DLG/sh/cgroup.procs"
    done
    "$@"
  )
}

# ---------------------------------------------------------------------------
# Tests

# The config exactly as `spec --rootless` writes it, terminal included (a
# foreground run proxies the pty), only the arguments changed.
test_default_config_runs () {
  local id
  KEEP_TERMINAL=1 user_bundle /probe uidmap + gidmap + ids + hostname + read /proc/self/setgroups
  id=$(user_ct_id)
  run urt run -b "$BUNDLE" "$id"
  [ "$status" = 0 ] || fail "run of the spec --rootless config as $RL_USER failed: $errout"
  output=$(tr -d '\r' <<<"$output")
  assert_eq "$(sed -n 1p <<<"$output" | squeeze)" "0 $RL_UID 1" "uid_map inside"
  assert_eq "$(sed -n 2p <<<"$output" | squeeze)" "0 $RL_GID 1" "gid_map inside"
  assert_contains "$output" $'\nuid=0\ngid=0\neuid=0\negid=0\n' "ids inside"
  assert_contains "$output" $'\ncove\n' "hostname of the default config"
  # An unprivileged writer of gid_map must deny setgroups first.
  assert_eq "$(tail -n1 <<<"$output")" deny "/proc/self/setgroups"
}
run_test "spec --rootless config runs as an unprivileged user: uid 0, one mapping, hostname" \
  test_default_config_runs

# Lifecycle as the user: state under $XDG_RUNTIME_DIR, exec joins the
# container's namespaces, kill, list, delete.
test_lifecycle_state_dir () {
  local id pid dir inside ns
  user_bundle /probe sleep
  cfg '.hostname = "rl-box"'
  id=$(user_ct_id)
  urt_run_d "$id"
  dir=$USER_ROOT/$id
  [ -d "$dir" ] || fail "no state dir $dir"
  assert_eq "$(stat -c '%u %a' "$USER_ROOT")" "$RL_UID 700" "owner and mode of $USER_ROOT"
  assert_eq "$(stat -c %u "$dir")" "$RL_UID" "owner of $dir"
  [ ! -e "/run/$(runtime_name)/$id" ] || fail "state written under /run/$(runtime_name)"
  assert_ok urt list
  grep -Eq "^$id +[0-9]+ +running" <<<"$output" || fail "list as the user: no running $id"
  pid=$(urt state "$id" | jq -r .pid)
  # The init runs as the user on the host.
  assert_eq "$(awk '/^Uid:/ { print $3 }' "/proc/$pid/status")" "$RL_UID" "host euid of init"

  assert_ok urt exec "$id" /probe ids + hostname + ns
  inside=$output
  assert_contains "$inside" $'uid=0\ngid=0\neuid=0\negid=0' "ids of exec"
  assert_contains "$inside" $'\nrl-box\n' "hostname seen by exec"
  for ns in user mnt pid uts ipc; do
    assert_contains "$inside" "$(readlink "/proc/$pid/ns/$ns")" "$ns namespace of exec"
  done

  assert_ok urt kill "$id" KILL
  for _ in $(seq 50); do
    [ "$(urt state "$id" 2>/dev/null | jq -r .status)" = stopped ] && break
    sleep 0.1
  done
  assert_eq "$(urt state "$id" | jq -r .status)" stopped "status after kill"
  assert_ok urt delete "$id"
  [ ! -e "$dir" ] || fail "delete left $dir"
  assert_ok urt list -q
  assert_not_contains "$output" "$id" "list after delete"
}
run_test "as the user: state in \$XDG_RUNTIME_DIR, exec, kill, list, delete" \
  test_lifecycle_state_dir

test_bind_user_dir () {
  local id vol=$T/uvol-$RANDOM
  mkdir "$vol"
  echo from-host >"$vol/file"
  chown -R "$RL_UID:$RL_GID" "$vol"
  user_bundle /probe read /vol/file + write /vol/file from-container + stat /vol/file
  cfg '.mounts += [{destination: "/vol", type: "none", source: $v, options: ["rbind", "rw"]}]' \
    --arg v "$vol"
  id=$(user_ct_id)
  assert_ok urt run -b "$BUNDLE" "$id"
  assert_contains "$output" from-host "file read inside"
  assert_contains "$output" ok "write inside"
  # The user's file belongs to the container's root.
  assert_contains "$output" $'\nuid=0\ngid=0\n' "owner seen inside"
  assert_eq "$(cat "$vol/file")" from-container "file on the host"
  assert_eq "$(stat -c %u:%g "$vol/file")" "$RL_UID:$RL_GID" "owner on the host"
}
run_test "a bind mount of a user-owned dir is read and written as container root" \
  test_bind_user_dir

# No XDG_RUNTIME_DIR: a private /tmp/cove-UID; one made by someone else is
# refused rather than used.
test_tmp_state_root () {
  local id dir=/tmp/cove-$RL_UID
  [ "$(runtime_name)" = cove ] || skip "the /tmp fallback is cove's (runc uses /run/runc)"
  rm -rf --one-file-system "$dir"
  user_bundle /probe sleep
  id=$(unique_id)
  track_id "$id" "$dir"
  run as_user timeout -k 5 "$RT_TIMEOUT" "$RL_RT" run -d -b "$BUNDLE" "$id"
  [ "$status" = 0 ] || fail "run -d without XDG_RUNTIME_DIR failed: $errout"
  [ -d "$dir/$id" ] || fail "no state dir under $dir"
  assert_eq "$(stat -c '%u %a' "$dir")" "$RL_UID 700" "owner and mode of $dir"
  assert_ok as_user "$RL_RT" delete -f "$id"
  [ ! -e "$dir/$id" ] || fail "delete left $dir/$id"

  # Pre-made by another user, or open to others: refused, nothing written.
  rm -rf --one-file-system "$dir"
  mkdir -m 0755 "$dir"
  assert_fail as_user "$RL_RT" run -d -b "$BUNDLE" "$id"
  assert_one_line "$errout" "error for a root-owned $dir"
  assert_error_mentions "$errout" "$dir"
  chown "$RL_UID" "$dir"
  chmod 0777 "$dir"
  assert_fail as_user "$RL_RT" run -d -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" "$dir"
  assert_eq "$(ls -A "$dir")" "" "entries in the refused $dir"
  rm -rf --one-file-system "$dir"
}
run_test "without XDG_RUNTIME_DIR: private /tmp/cove-UID; a foreign one is refused" \
  test_tmp_state_root

# The cgroup hierarchy is not writable for the user: no cgroup, one
# warning, init stays in its caller's cgroups.
test_no_cgroup_warning () {
  local id pid
  [ "$CG_MODE" != none ] || skip "no cgroup hierarchy here"
  user_bundle /probe sleep
  id=$(user_ct_id)
  urt_run_d "$id"
  assert_eq "$(grep -ci warning "$T/$id.err")" 1 "warnings of run -d"
  assert_error_mentions "$(cat "$T/$id.err")" cgroup "the warning"
  pid=$(urt state "$id" | jq -r .pid)
  # The caller (this shell's child, setpriv → runtime) was in our cgroups.
  assert_eq "$(cat "/proc/$pid/cgroup")" "$(cat /proc/self/cgroup)" "cgroups of init"
  [ -z "$(find "$CG" -maxdepth 3 -type d -name "$id*" 2>/dev/null)" ] \
    || fail "a cgroup named after $id was made"
  # Commands on the container do not warn again; those that need the
  # cgroup say it is missing.
  run urt state "$id"
  assert_eq "$errout" "" "stderr of state"
  assert_fail urt pause "$id"
  assert_one_line "$errout" "error of pause"
  assert_error_mentions "$errout" cgroup "error of pause"
  run urt delete -f "$id"
  assert_eq "$status" 0 "delete -f"
  assert_eq "$errout" "" "stderr of delete -f"
}
run_test "no writable cgroup and no limits: one warning, no cgroup" test_no_cgroup_warning

# Without a cgroup and without a pid namespace, delete -f and kill --all
# still find every process (by mount namespace).
test_no_cgroup_no_pidns_kill_all () {
  local id pid pid2
  user_bundle /probe sleep
  # proc cannot be mounted without a pid namespace the user namespace
  # owns: the host's is bound instead (as podman does for --pid=host).
  cfg '.linux.namespaces |= map(select(.type != "pid"))
       | .mounts |= map(if .destination == "/proc"
                        then {destination: "/proc", type: "none", source: "/proc",
                              options: ["rbind", "nosuid", "nodev", "noexec"]}
                        else . end)'
  id=$(user_ct_id)
  urt_run_d "$id"
  pid=$(urt state "$id" | jq -r .pid)
  assert_ok urt exec -d --pid-file "$RL_XDG/exec.pid" "$id" /probe sleep
  pid2=$(cat "$RL_XDG/exec.pid")
  kill -0 "$pid2" || fail "exec'd process $pid2 is not running"
  assert_ok urt kill --all "$id" KILL
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || kill -0 "$pid2" 2>/dev/null || break
    sleep 0.1
  done
  ! kill -0 "$pid2" 2>/dev/null || fail "kill --all left the exec'd process $pid2"
  ! kill -0 "$pid" 2>/dev/null || fail "kill --all left init $pid"
  assert_ok urt delete "$id"
}
run_test "without cgroup or pid namespace, kill --all reaches exec'd processes" \
  test_no_cgroup_no_pidns_kill_all

# A limit that cannot be applied is an error (runc: "cannot set memory
# limit: container could not join or create cgroup").
test_memory_limit_refused () {
  local id
  [ "$CG_MODE" != none ] || skip "no cgroup hierarchy here"
  user_bundle /probe ids
  cfg '.linux.resources.memory = {limit: 67108864}'
  id=$(user_ct_id)
  assert_fail urt run -b "$BUNDLE" "$id"
  assert_one_line "$errout" "error for memory.limit"
  assert_error_mentions "$errout" memory
  assert_not_contains "$errout" warning "error for memory.limit"
  assert_eq "$(ls -A "$USER_ROOT" 2>/dev/null)" "" "entries in the state root"
  [ -z "$(find "$CG" -maxdepth 3 -type d -name "$id*" 2>/dev/null)" ] \
    || fail "a cgroup named after $id was left"
}
run_test "rootless memory limit without a writable cgroup: an error, nothing left" \
  test_memory_limit_refused

test_cgroups_path_refused () {
  local id
  [ "$CG_MODE" != none ] || skip "no cgroup hierarchy here"
  user_bundle /probe ids
  id=$(user_ct_id)
  cfg '.linux.cgroupsPath = $p' --arg p "/covetest-$ID_PREFIX-nope/$id"
  assert_fail urt run -b "$BUNDLE" "$id"
  assert_one_line "$errout" "error for cgroupsPath"
  assert_error_mentions "$errout" "covetest-$ID_PREFIX-nope"
  assert_eq "$(ls -A "$USER_ROOT" 2>/dev/null)" "" "entries in the state root"
}
run_test "rootless cgroupsPath the user cannot write: an error" test_cgroups_path_refused

# --rootless false: cgroup failures are errors again; true: skipped.
test_rootless_flag () {
  local id
  [ "$(runtime_name)" = cove ] || skip "cove's handling of --rootless false"
  [ "$CG_MODE" != none ] || skip "no cgroup hierarchy here"
  user_bundle /probe ids
  id=$(user_ct_id)
  assert_fail urt --rootless false run -b "$BUNDLE" "$id"
  assert_one_line "$errout" "error with --rootless false"
  assert_error_mentions "$errout" cgroup
  assert_ok urt --rootless true run -b "$BUNDLE" "$id"
  assert_contains "$output" uid=0 "ids with --rootless true"
  assert_fail urt --rootless maybe list
  assert_error_mentions "$errout" maybe
}
run_test "--rootless false makes an unwritable cgroup an error; bad values refused" \
  test_rootless_flag

# A subtree delegated to the user: create makes the container's cgroup in
# it, applies the limit, and delete removes it.
test_delegated_cgroup () {
  local id pid leaf limit
  [ "$CG_MODE" != none ] || skip "no cgroup hierarchy here"
  delegate_setup
  user_bundle /probe sleep
  id=$(user_ct_id)
  cfg '.linux.cgroupsPath = $p | .linux.resources.memory = {limit: 67108864}' \
    --arg p "/$RL_DLG/$id"
  run in_delegated urt run -d -b "$BUNDLE" "$id"
  [ "$status" = 0 ] || fail "run -d in a delegated cgroup failed: $errout"
  pid=$(urt state "$id" | jq -r .pid)
  grep -q "^[0-9]*:[^:]*:/$RL_DLG/$id\$" "/proc/$pid/cgroup" \
    || fail "init is not in /$RL_DLG/$id: $(cat "/proc/$pid/cgroup")"
  if [ "$CG_MODE" = v2 ]; then
    leaf=$CG/$RL_DLG/$id
    limit=$(cat "$leaf/memory.max")
  else
    leaf=$CG/memory/$RL_DLG/$id
    limit=$(cat "$leaf/memory.limit_in_bytes")
  fi
  assert_eq "$limit" 67108864 "memory limit of $leaf"
  assert_ok urt pause "$id"
  assert_eq "$(urt state "$id" | jq -r .status)" paused "status after pause"
  assert_ok urt resume "$id"
  assert_ok urt delete -f "$id"
  [ ! -d "$leaf" ] || fail "delete left $leaf"
  [ -d "$CG/memory/$RL_DLG" ] || [ -d "$CG/$RL_DLG" ] || fail "delete removed the delegated parent"
}
run_test "a cgroup subtree delegated to the user: limit applied, pause, removed on delete" \
  test_delegated_cgroup

# cgroup v2 without cgroupsPath: next to the caller's own (delegated) cgroup.
test_v2_default_next_to_own () {
  local id pid
  [ "$CG_MODE" = v2 ] || skip "cgroup v2 only (this host: $CG_MODE)"
  [ "$(runtime_name)" = cove ] || skip "cove's default placement"
  delegate_setup
  user_bundle /probe sleep
  id=$(user_ct_id)
  run in_delegated urt run -d -b "$BUNDLE" "$id"
  [ "$status" = 0 ] || fail "run -d from a delegated cgroup failed: $errout"
  assert_not_contains "$errout" warning "stderr of run -d"
  pid=$(urt state "$id" | jq -r .pid)
  grep -q "^0::/$RL_DLG/$id" "/proc/$pid/cgroup" \
    || fail "init is not under /$RL_DLG: $(cat "/proc/$pid/cgroup")"
  assert_ok urt delete -f "$id"
}
run_test "cgroup v2: without cgroupsPath the container goes next to the caller's cgroup" \
  test_v2_default_next_to_own

# The user's subordinate range: "START COUNT" from /etc/subuid (or subgid),
# added for the test user when useradd did not.
subid_range () {
  local f=$1 line start
  line=$(grep -s "^$RL_USER:" "$f" | head -n1 || true)
  if [ -z "$line" ]; then
    start=100000
    [ ! -f "$f" ] || start=$(awk -F: '{ e = $2 + $3; if (e > m) m = e }
                                      END { print (m > 100000 ? m : 100000) }' "$f")
    echo "$RL_USER:$start:65536" >>"$f"
    line="$RL_USER:$start:65536"
  fi
  echo "$line" | awk -F: '{ print $2, $3 }'
}

test_multi_range_newuidmap () {
  local id pid us uc gs gc out
  if ! command -v newuidmap >/dev/null || ! command -v newgidmap >/dev/null; then
    skip "newuidmap/newgidmap missing (apt-get install uidmap)"
  fi
  read -r us uc < <(subid_range /etc/subuid)
  read -r gs gc < <(subid_range /etc/subgid)
  if [ "$uc" -lt 2000 ] || [ "$gc" -lt 2000 ]; then
    skip "subordinate ranges below 2000 ids"
  fi
  user_bundle /probe uidmap + gidmap + ids + sleep
  cfg '.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1},
                             {containerID: 1, hostID: $us, size: $uc}]
       | .linux.gidMappings = [{containerID: 0, hostID: $g, size: 1},
                               {containerID: 1, hostID: $gs, size: $gc}]
       | .process.user = {uid: 1000, gid: 1000, additionalGids: [1500]}' \
    --argjson u "$RL_UID" --argjson g "$RL_GID" --argjson us "$us" --argjson uc "$uc" \
    --argjson gs "$gs" --argjson gc "$gc"
  id=$(user_ct_id)
  urt_run_d "$id"
  pid=$(urt state "$id" | jq -r .pid)
  wait_for 5 grep -q groups= "$T/$id.out"
  out=$(cat "$T/$id.out")
  assert_eq "$(sed -n 2p <<<"$out" | squeeze)" "1 $us $uc" "second uid_map line"
  assert_eq "$(sed -n 4p <<<"$out" | squeeze)" "1 $gs $gc" "second gid_map line"
  assert_contains "$out" $'uid=1000\ngid=1000\neuid=1000\negid=1000\ngroups=1500' "ids inside"
  # Seen from the host: ids from the subordinate ranges.
  assert_eq "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" "$((us + 999))" "host uid"
  assert_eq "$(awk '/^Gid:/ { print $2 }' "/proc/$pid/status")" "$((gs + 999))" "host gid"
  assert_eq "$(awk '/^Groups:/ { print $2 }' "/proc/$pid/status")" "$((gs + 1499))" "host group"
  assert_ok urt delete -f "$id"
}
run_test "several ranges are mapped through newuidmap/newgidmap (/etc/subuid)" \
  test_multi_range_newuidmap

test_range_not_allowed () {
  local id
  command -v newuidmap >/dev/null || skip "newuidmap missing (apt-get install uidmap)"
  user_bundle /probe ids
  # Far outside any range /etc/subuid gives the user.
  cfg '.linux.uidMappings += [{containerID: 1, hostID: 3000000000, size: 10}]'
  id=$(user_ct_id)
  assert_fail urt run -b "$BUNDLE" "$id"
  errout=$(grep -v 'warning: rootless: running without a cgroup' <<<"$errout" || true)
  assert_one_line "$errout" "error for a range outside /etc/subuid"
  assert_error_mentions "$errout" uidMappings
  assert_error_mentions "$errout" newuidmap
  assert_eq "$(ls -A "$USER_ROOT" 2>/dev/null)" "" "entries in the state root"
}
run_test "a range outside /etc/subuid: one-line error naming newuidmap" test_range_not_allowed

# What needs CAP_SYS_RESOURCE on the host fails clearly; the rest works.
# Without it a process may lower oom_score_adj only down to the floor a
# privileged writer set (proc(5), 0 by default; -1000 is never ours), and
# may not raise a hard rlimit (this shell lowers its NOFILE to 2000 first).
# with_nofile N CMD...: CMD with RLIMIT_NOFILE soft and hard at N.
with_nofile () {
  local n=$1
  shift
  (ulimit -n "$n" && "$@")
}

test_oom_and_rlimits () {
  local id cur up
  cur=$(cat /proc/self/oom_score_adj)
  [ "$cur" != -1000 ] || skip "oom_score_adj is already -1000 here"
  up=$((cur + 100 > 1000 ? 1000 : cur + 100))
  user_bundle /probe oomscore + rlimit NOFILE
  cfg '.process.oomScoreAdj = -1000'
  id=$(user_ct_id)
  run urt run -b "$BUNDLE" "$id"
  assert_ne "$status" 0 "status of run with oomScoreAdj -1000"
  assert_error_mentions "$errout" oomScoreAdj
  assert_error_mentions "$errout" CAP_SYS_RESOURCE

  cfg '.process.oomScoreAdj = $u | .process.rlimits = [{type: "RLIMIT_NOFILE", soft: 512, hard: 1000}]' \
    --argjson u "$up"
  id=$(user_ct_id)
  run with_nofile 2000 urt run -b "$BUNDLE" "$id"
  [ "$status" = 0 ] || fail "raising oomScoreAdj and lowering rlimits failed: $errout"
  assert_eq "$(head -n1 <<<"$output")" "$up" "oom_score_adj inside"
  assert_eq "$(tail -n1 <<<"$output" | squeeze)" "512 1000" "RLIMIT_NOFILE inside"

  cfg '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 512, hard: 4000}]'
  id=$(user_ct_id)
  run with_nofile 2000 urt run -b "$BUNDLE" "$id"
  assert_ne "$status" 0 "status of run with a hard NOFILE above the caller's 2000"
  assert_error_mentions "$errout" RLIMIT_NOFILE
  assert_error_mentions "$errout" CAP_SYS_RESOURCE
}
run_test "oomScoreAdj below the floor and a raised hard rlimit fail clearly" \
  test_oom_and_rlimits

# The runtime writes init's maps from outside: init must still be ours
# (dumpable, so /proc/<init>/uid_map belongs to the user) until then.  A
# race when it is not, hence several runs.
test_repeated_runs () {
  local i id
  user_bundle /probe uidmap
  for i in 1 2 3 4 5 6 7 8 9 10; do
    id=$(user_ct_id)
    run urt run -b "$BUNDLE" "$id"
    [ "$status" = 0 ] || fail "run $i of 10 failed: $errout"
    assert_eq "$(squeeze <<<"$output")" "0 $RL_UID 1" "uid_map of run $i"
  done
}
run_test "ten rootless runs in a row all get their maps" test_repeated_runs

done_testing
