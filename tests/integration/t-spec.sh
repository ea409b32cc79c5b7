#!/bin/bash
# t-spec: `cove spec` with Docker-style flags, round trip: each flag is
# given to spec, the bundle it writes is run, and the flag's effect is
# observed from inside the container (probe output, /proc, the cgroup
# files the container sees at /sys/fs/cgroup, /etc files) or, for the
# bundle's /etc files, from the host.  Also: docker run's defaults once any
# flag is given, flags refused with a one-line error and nothing written,
# and `spec --validate` listing every problem of a bundle by its JSON path
# (every schema problem as well, where create stops at the first).
# The flags are cove's: with another runtime (RUNTIME=runc) the file skips.
# shellcheck source=tests/integration/lib.sh disable=SC2016,SC2119,SC2154,SC2317 # jq programs in single quotes; unique_id takes no args here; run sets status/output/errout; tests are called by name
. "$(dirname "$0")/lib.sh"

if [ "$(runtime_name)" != cove ]; then
  echo "1..0 # SKIP the Docker-style spec flags are cove's"
  exit 0
fi

CG2=0
[ -f /sys/fs/cgroup/cgroup.controllers ] && CG2=1

# spec_bundle FLAGS...: a fresh bundle (own copy of the rootfs) whose
# config.json is written by `spec -b BUNDLE FLAGS...`; sets BUNDLE.
spec_bundle () {
  BUNDLE=$(mktemp -d "$T/bundle.XXXXXX")
  chmod 0755 "$BUNDLE"
  cp -a "$ROOTFS_CACHE" "$BUNDLE/rootfs"
  assert_ok rt spec -b "$BUNDLE" "$@"
}

# run_ct: runs $BUNDLE in the foreground under a fresh id; status, output
# and errout are the container's.
run_ct () {
  run rt run -b "$BUNDLE" "$(unique_id)"
}

# run_ok: run_ct, which must succeed.
run_ok () {
  run_ct
  [ "$status" = 0 ] || fail "the container failed with status $status: $errout"
}

# field NAME: the value of NAME=... in $output.
field () {
  sed -n "s/^$1=//p" <<<"$output"
}

# ---------------------------------------------------------------------------
# The command and the process

test_args () {
  spec_bundle --args "/probe cwd"
  run_ok
  assert_eq "$output" / "--args"
  spec_bundle -- /probe env 'A B'
  run_ct
  # An argument with a space survives after --: env 'A B' is one name.
  assert_eq "$status" 1 "probe env with an unset name"
  assert_ok jq -e '.process.args == ["/probe", "env", "A B"]' "$BUNDLE/config.json"
}

test_docker_defaults () {
  spec_bundle -- /probe write /newfile x + tty + env TERM + seccomp
  : >"$BUNDLE/rootfs/newfile"
  run_ct
  # One verb failed (env TERM), the others ran.
  assert_eq "$status" 1 "exit status (env TERM is unset)"
  assert_eq "$(sed -n 1p <<<"$output")" ok "the rootfs is writable"
  assert_eq "$(field isatty1)" 0 "no terminal"
  assert_contains "$output" $'\nunset\n' "no TERM without a terminal"
  assert_eq "$(tail -n1 <<<"$output")" 2 "the default seccomp profile is loaded"
  assert_eq "$(cat "$BUNDLE/rootfs/newfile")" x "the write reached the rootfs"
}

test_env () {
  export COVE_SPEC_FROM_HOST="host value"
  spec_bundle -e FOO=bar --env PATH=/bin:/sbin -e COVE_SPEC_FROM_HOST -e COVE_SPEC_UNSET \
    -- /probe env FOO + env PATH + env COVE_SPEC_FROM_HOST + env COVE_SPEC_UNSET
  run_ct
  assert_eq "$(sed -n 1,3p <<<"$output")" $'bar\n/bin:/sbin\nhost value' \
    "FOO set, PATH replaced, a bare NAME copied from the caller"
  assert_eq "$(sed -n 4p <<<"$output")" unset "a bare NAME unset in the caller is left out"
}

test_cwd () {
  spec_bundle -w /tmp -- /probe cwd
  run_ok
  assert_eq "$output" /tmp "-w"
  spec_bundle --cwd /var/tmp -- /probe cwd
  run_ok
  assert_eq "$output" /var/tmp "--cwd"
}

test_user () {
  spec_bundle -u 1000:1001 -- /probe ids
  run_ok
  assert_eq "$(field uid) $(field gid)" "1000 1001" "--user uid:gid"
  # The test rootfs's /etc/passwd has nobody as 65534:65534.
  spec_bundle --user nobody -- /probe ids
  run_ok
  assert_eq "$(field euid) $(field egid)" "65534 65534" "--user NAME from the rootfs's passwd"
}

test_hostname () {
  spec_bundle --hostname box.example -- /probe hostname + read /etc/hostname + read /etc/hosts
  run_ok
  assert_eq "$(sed -n 1,2p <<<"$output")" $'box.example\nbox.example' \
    "the UTS name and /etc/hostname"
  assert_contains "$output" $'127.0.1.1\tbox.example' "/etc/hosts names the host"
}

# ---------------------------------------------------------------------------
# Capabilities

test_caps_default_and_drop () {
  spec_bundle -- /probe capnames CapEff
  run_ok
  assert_contains ",$output," ",CAP_CHOWN," "Docker's set has CHOWN"
  assert_contains ",$output," ",CAP_MKNOD," "Docker's set has MKNOD"
  assert_not_contains ",$output," ",CAP_NET_ADMIN," "Docker's set has no NET_ADMIN"
  assert_eq "$(tr ',' '\n' <<<"$output" | grep -c .)" 14 "14 capabilities"
  spec_bundle --cap-drop chown --cap-add NET_ADMIN -- /probe capnames CapEff + capnames CapBnd
  run_ok
  assert_not_contains "$output" CAP_CHOWN "--cap-drop chown (no CAP_ prefix, lower case)"
  assert_eq "$(grep -c CAP_NET_ADMIN <<<"$output")" 2 "--cap-add NET_ADMIN, effective and bounding"
}

test_caps_all () {
  spec_bundle --cap-add=ALL --cap-drop=MKNOD -- /probe capnames CapBnd
  run_ok
  assert_contains ",$output," ",CAP_SYS_ADMIN," "--cap-add=ALL"
  assert_not_contains ",$output," ",CAP_MKNOD," "--cap-drop=MKNOD"
  spec_bundle --cap-drop=ALL --cap-add=CAP_KILL -- /probe capnames CapEff + capnames CapBnd
  run_ok
  assert_eq "$output" $'CAP_KILL\nCAP_KILL' "--cap-drop=ALL --cap-add=CAP_KILL"
}

# ---------------------------------------------------------------------------
# Devices, mounts, the rootfs

# /dev/loop-control (10:237) is not among the runtime's default devices, so
# only the rule --device adds lets the container open it; opening it does
# nothing, and a write(2) on it fails with EINVAL once the open passed.
test_device () {
  [ -c /dev/loop-control ] || skip "no /dev/loop-control on this host"
  spec_bundle --device /dev/loop-control:/dev/lc:r -- /probe stat /dev/lc + write /dev/lc x
  run_ct
  assert_eq "$(field type) $(field rdev)" "char 10:237" "the node, with the host's numbers"
  assert_eq "$(field mode)" "$(printf '%04o' "0$(stat -c %a /dev/loop-control)")" \
    "the host node's mode"
  assert_eq "$(tail -n1 <<<"$output")" EPERM "access r: the cgroup refuses opening for write"
  spec_bundle --device /dev/loop-control:/dev/lc -- /probe write /dev/lc x
  run_ct
  assert_eq "$output" EINVAL "access rwm: the open passes, the driver refuses the write"
  spec_bundle --device /dev/loop-control -- /probe stat /dev/loop-control
  run_ok
  assert_eq "$(field rdev)" 10:237 "--device HOST: the same path inside"
}

test_volume () {
  local vol=$T/vol-$RANDOM
  mkdir -p "$vol"
  echo hello >"$vol/f"
  spec_bundle -v "$vol:/data:ro" -- /probe read /data/f + write /data/f x
  run_ct
  assert_eq "$output" $'hello\nEROFS' "-v HOST:CONTAINER:ro: readable, not writable"
  spec_bundle --volume "$vol:/data" -- /probe write /data/f x
  run_ok
  assert_eq "$(cat "$vol/f")" x "-v HOST:CONTAINER: the write reaches the host"
  echo hello >"$vol/f"
  # A file onto a file, and docker's key=value form.
  spec_bundle --mount "type=bind,source=$vol/f,target=/etc/motd,readonly" \
    -- /probe read /etc/motd + write /etc/motd y
  run_ct
  assert_eq "$output" $'hello\nEROFS' "--mount type=bind,...,readonly"
  # A relative source is taken from the working directory.
  local rel
  rel=$(mktemp -d "$T/bundle.XXXXXX")
  (cd "$vol" && rt spec -b "$rel" -v f:/f) || fail "spec -v with a relative source failed"
  assert_eq "$(jq -r '.mounts[] | select(.destination == "/f") | .source' "$rel/config.json")" \
    "$vol/f" "relative source made absolute"
}

test_tmpfs () {
  spec_bundle --tmpfs /scratch:size=1m,mode=1770 -- /probe mountinfo + stat /scratch
  run_ok
  local line
  line=$(grep ' /scratch ' <<<"$output") || fail "no mount on /scratch"
  assert_contains "$line" " - tmpfs " "filesystem type"
  assert_match "$line" 'nosuid' "nosuid by default"
  assert_match "$line" 'noexec' "noexec by default"
  assert_match "$line" 'size=1024k' "size=1m"
  assert_eq "$(field mode)" 1770 "mode=1770"
}

test_read_only () {
  spec_bundle --read-only -- /probe write /newfile x + write /etc/hosts '10.9.9.9 edited'
  : >"$BUNDLE/rootfs/newfile"
  run_ct
  assert_eq "$(sed -n 1p <<<"$output")" EROFS "--read-only: the rootfs is read-only"
  assert_eq "$(sed -n 2p <<<"$output")" ok "/etc/hosts stays writable"
  # The bind is of the bundle's file: the edit is there, the image untouched.
  assert_eq "$(cat "$BUNDLE/hosts")" "10.9.9.9 edited" "the edit reached the bundle's hosts"
  assert_eq "$(cat "$BUNDLE/rootfs/etc/hosts")" "" "the rootfs's /etc/hosts is untouched"
}

# ---------------------------------------------------------------------------
# Resources (the container's own cgroups at /sys/fs/cgroup)

test_resources () {
  local mem pids cpu
  if [ "$CG2" = 1 ]; then
    mem=/sys/fs/cgroup/memory.max pids=/sys/fs/cgroup/pids.max cpu=/sys/fs/cgroup/cpu.max
  else
    mem=/sys/fs/cgroup/memory/memory.limit_in_bytes pids=/sys/fs/cgroup/pids/pids.max
    cpu=/sys/fs/cgroup/cpu/cpu.cfs_quota_us
  fi
  spec_bundle --memory 64m --pids-limit 42 --cpus 1.5 -- /probe read "$mem" + read "$pids" \
    + read "$cpu"
  run_ok
  assert_eq "$(sed -n 1p <<<"$output")" $((64 << 20)) "--memory 64m"
  assert_eq "$(sed -n 2p <<<"$output")" 42 "--pids-limit 42"
  if [ "$CG2" = 1 ]; then
    assert_eq "$(sed -n 3p <<<"$output")" "150000 100000" "--cpus 1.5"
  else
    assert_eq "$(sed -n 3p <<<"$output")" 150000 "--cpus 1.5 (quota for a 100 ms period)"
  fi
  spec_bundle -m 32m -- /probe read "$mem"
  run_ok
  assert_eq "$output" $((32 << 20)) "-m 32m"
}

# ---------------------------------------------------------------------------
# Network and the /etc files

test_network () {
  local host_net
  host_net=$(readlink /proc/self/ns/net)
  spec_bundle --network none -- /probe ns + ls /sys/class/net
  run_ok
  assert_ne "$(field net)" "$host_net" "--network none: a namespace of its own"
  assert_eq "$(grep -v '=' <<<"$output")" lo "--network none: only loopback"
  spec_bundle --network host -- /probe ns
  run_ok
  assert_eq "$(field net)" "$host_net" "--network host: the host's namespace"
}

test_hosts_and_dns () {
  spec_bundle --add-host db:10.1.2.3 --add-host v6=fd00::1 --dns 9.9.9.9 --dns 1.1.1.1 \
    --dns-search a.example --dns-search b.example -- /probe read /etc/hosts + read /etc/resolv.conf
  run_ok
  assert_contains "$output" $'10.1.2.3\tdb' "--add-host NAME:IP"
  assert_contains "$output" $'fd00::1\tv6' "--add-host NAME=IP (IPv6)"
  assert_contains "$output" $'127.0.0.1\tlocalhost' "localhost"
  assert_contains "$output" $'nameserver 9.9.9.9\nnameserver 1.1.1.1\n' "--dns, in order"
  assert_contains "$output" "search a.example b.example" "--dns-search"
  assert_not_contains "$output" "$(grep -m1 '^nameserver' /etc/resolv.conf || echo none)" \
    "--dns replaces the host's nameservers"
}

test_resolv_default () {
  [ -r /etc/resolv.conf ] || skip "the host has no /etc/resolv.conf"
  local want
  # Loopback nameservers are unreachable from a network namespace of its own.
  want=$(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' /etc/resolv.conf \
    | grep -v -E '^[[:space:]]*nameserver[[:space:]]+(127\.|::1)' || true)
  spec_bundle -- /probe read /etc/resolv.conf
  run_ok
  assert_eq "$output" "$want" "the host's resolv.conf"
  spec_bundle --network host -- /probe read /etc/resolv.conf
  run_ok
  assert_eq "$output" "$(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' /etc/resolv.conf)" \
    "the host's resolv.conf on the host network"
}

test_etc_files_writable () {
  spec_bundle --hostname h1 -- /probe write /etc/resolv.conf 'nameserver 10.0.0.9' \
    + write /etc/hostname h2 + mountinfo
  run_ok
  assert_eq "$(cat "$BUNDLE/resolv.conf")" "nameserver 10.0.0.9" "resolv.conf edited at run time"
  assert_eq "$(cat "$BUNDLE/hostname")" h2 "hostname edited at run time"
  assert_eq "$(grep -c -E ' /etc/(hosts|hostname|resolv\.conf) ' <<<"$output")" 3 \
    "the three files are mounts"
}

# ---------------------------------------------------------------------------
# Terminal, seccomp

test_tty () {
  spec_bundle --tty -- /probe tty + env TERM
  run rt run -b "$BUNDLE" "$(unique_id)"
  [ "$status" = 0 ] || fail "run with a terminal failed: $errout"
  output=$(tr -d '\r' <<<"$output")
  assert_eq "$(field isatty0)$(field isatty1)$(field isatty2)" 111 "--tty: stdio is a terminal"
  assert_eq "$(tail -n1 <<<"$output")" xterm "TERM with a terminal"
}

# busybox's unshare -U makes a user namespace: no capability needed, so
# only the seccomp profile (unshare is allowed with CAP_SYS_ADMIN only)
# stops it.
test_seccomp () {
  spec_bundle -- /bin/sh -c '/probe seccomp; unshare -U true && echo made'
  run_ct
  assert_eq "$(sed -n 1p <<<"$output")" 2 "default profile loaded"
  assert_not_contains "$output" made "default profile: unshare refused"
  assert_contains "$errout" "Operation not permitted" "EPERM, as Docker's profile"
  spec_bundle --seccomp unconfined -- /bin/sh -c '/probe seccomp; unshare -U true && echo made'
  run_ok
  assert_eq "$output" $'0\nmade' "--seccomp unconfined"
  spec_bundle --cap-add SYS_ADMIN -- /bin/sh -c '/probe seccomp; unshare -U true && echo made'
  run_ok
  assert_eq "$output" $'2\nmade' "default profile with CAP_SYS_ADMIN allows unshare"
}

test_seccomp_file () {
  local prof=$T/profile-$RANDOM.json
  cat >"$prof" <<'EOF'
{ "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [ { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13 } ] }
EOF
  spec_bundle --seccomp "$prof" -- /bin/sh -c 'mkdir /tmp/d; /probe seccomp'
  run_ct
  assert_contains "$errout" "Permission denied" "--seccomp FILE: mkdir gets errnoRet 13"
  assert_eq "$output" 2 "the filter is loaded"
  echo '{ "defaultAction": "SCMP_ACT_BOGUS" }' >"$prof"
  BUNDLE=$(mktemp -d "$T/bundle.XXXXXX")
  assert_fails_clean rt spec -b "$BUNDLE" --seccomp "$prof"
  assert_error_mentions "$errout" defaultAction "error names the field"
  assert_error_mentions "$errout" "$prof" "error names the file"
  [ ! -e "$BUNDLE/config.json" ] || fail "a config.json was written"
}

# (The rootless template binds the host's /sys: /sys/class/net would show
# the host's interfaces whatever the namespace, so ns links are compared.)
test_rootless_flags () {
  spec_bundle --rootless --network none --hostname rl -- /probe uidmap + hostname + ns
  run_ok
  assert_match "$(sed -n 1p <<<"$output")" "^ *0 +$(id -u) +1$" "--rootless maps the caller to 0"
  assert_eq "$(sed -n 2p <<<"$output")" rl "--hostname"
  assert_ne "$(field net)" "$(readlink /proc/self/ns/net)" "--network none: a namespace of its own"
  assert_ne "$(field user)" "$(readlink /proc/self/ns/user)" "a user namespace"
}

# ---------------------------------------------------------------------------
# Refusals

test_refusals () {
  local dir
  dir=$(mktemp -d "$T/bundle.XXXXXX")
  assert_fails_clean rt spec -b "$dir" --cap-add FLY
  assert_error_mentions "$errout" FLY
  assert_fails_clean rt spec -b "$dir" -v "$T/no-such-dir:/x"
  assert_error_mentions "$errout" no-such-dir
  assert_fails_clean rt spec -b "$dir" --device "$T"
  assert_error_mentions "$errout" "--device"
  assert_fails_clean rt spec -b "$dir" --memory lots
  assert_error_mentions "$errout" "--memory"
  assert_fails_clean rt spec -b "$dir" --network bridge
  assert_error_mentions "$errout" bridge
  assert_fails_clean rt spec -b "$dir" --dns 1.2.3
  assert_error_mentions "$errout" 1.2.3
  assert_fails_clean rt spec -b "$dir" --bogus
  assert_error_mentions "$errout" --bogus
  assert_fails_clean rt spec -b "$dir" stray-arg
  assert_error_mentions "$errout" stray-arg
  assert_eq "$(ls -A "$dir")" "" "nothing written into the bundle"
  # An existing config.json is kept, and no /etc file is written next to it.
  echo '{}' >"$dir/config.json"
  assert_fails_clean rt spec -b "$dir" --hostname x
  assert_eq "$(ls -A "$dir")" config.json "only the old config.json"
  assert_eq "$(cat "$dir/config.json")" '{}' "the old config.json is untouched"
}

# ---------------------------------------------------------------------------
# --validate

# A char major with no driver on this host (none of /proc/devices).
free_char_major () {
  local m
  for m in $(seq 200 511); do
    awk '/^Character/ { c = 1; next } /^Block/ { c = 0 } c && $1 == '"$m"' { f = 1 } END { exit !f }' \
      /proc/devices || { echo "$m"; return; }
  done
  echo 511
}

test_validate_ok () {
  spec_bundle -- /probe pid
  assert_ok rt spec --validate -b "$BUNDLE"
  assert_eq "$output" "" "nothing printed for a valid bundle"
  (cd "$BUNDLE" && rt spec --validate) || fail "--validate without -b (the working directory)"
}

test_validate_problems () {
  local major
  major=$(free_char_major)
  new_bundle /probe pid
  cfg --argjson m "$major" '.root.path = "no-rootfs"
    | .mounts += [ { destination: "/data", type: "bind", source: "/no/such/src", options: ["rbind"] },
                   { destination: "/x", type: "nosuchfs", source: "x" } ]
    | .linux.devices = [ { path: "/dev/ghost", type: "c", major: $m, minor: 0 } ]
    | .hooks = { createRuntime: [ { path: "/no/such/hook" } ] }
    | .linux.namespaces += [ { type: "cgroup", path: "/no/such/ns" } ]'
  run rt spec --validate -b "$BUNDLE"
  assert_eq "$status" 1 "exit status with problems"
  assert_contains "$output" "config.json: .root.path: " "rootfs missing"
  assert_contains "$output" "config.json: .mounts[6].source: \`/no/such/src\`" \
    "mount source missing (by index)"
  assert_contains "$output" "config.json: .mounts[7].type: \`nosuchfs\`" "unknown filesystem"
  assert_contains "$output" "config.json: .linux.devices[0].major: no character device driver" \
    "device without a driver"
  assert_contains "$output" "config.json: .hooks.createRuntime[0].path: \`/no/such/hook\`" \
    "hook program missing"
  assert_contains "$output" "config.json: .linux.namespaces[5].path: \`/no/such/ns\`" \
    "namespace path missing"
  assert_eq "$(grep -c '^config.json: \.' <<<"$output")" 6 "six problems, one line each"
  assert_eq "$errout" "" "nothing on stderr"
}

test_validate_rootfs_side () {
  new_bundle /no/such/cmd
  cfg '.process.cwd = "/probe" | .hooks = { startContainer: [ { path: "/no/hook" } ] }
    | .mounts += [ { destination: "/probe", type: "bind", source: "/tmp", options: ["bind"] } ]
    | .linux.namespaces = [ .linux.namespaces[] | select(.type != "mount") ]'
  run rt spec --validate -b "$BUNDLE"
  assert_eq "$status" 1 "exit status with problems"
  assert_contains "$output" ".process.args[0]: \`/no/such/cmd\`" "command missing in the rootfs"
  assert_contains "$output" ".process.cwd: \`/probe\`: not a directory" "cwd is a file"
  assert_contains "$output" ".hooks.startContainer[0].path: \`/no/hook\`" \
    "startContainer hook missing in the rootfs"
  assert_contains "$output" ".mounts[6].destination: \`/probe\` is a file" \
    "a directory bound onto a file"
  assert_contains "$output" ".linux.namespaces: no mount namespace" "no mount namespace"
  # PATH lookup, as execvp does it, inside the rootfs.
  new_bundle sh -c true
  assert_ok rt spec --validate -b "$BUNDLE"
  cfg '.process.args = ["nosuchprog"]'
  run rt spec --validate -b "$BUNDLE"
  assert_contains "$output" ".process.args[0]: \`nosuchprog\`: not found in the rootfs (PATH=" \
    "command not on PATH"
}

test_validate_schema () {
  new_bundle /probe pid
  cfg '.linux.namespaces[0].type = "bogus"'
  run rt spec --validate -b "$BUNDLE"
  assert_eq "$status" 1 "exit status"
  assert_match "$output" '^config.json: \.linux\.namespaces\[0\]\.type: ' \
    "a schema error, by its JSON path"
  run rt spec --validate -b "$T/no-such-bundle"
  assert_eq "$status" 1 "a missing bundle"
  assert_one_line "$errout" "error for a missing bundle"
  assert_fails_clean rt spec --validate --hostname x
  assert_error_mentions "$errout" "--validate"
}

# Every schema problem, each by its path, in the order of the document
# (process, root, linux in the template), while create still stops at the
# first one with the message it always gave.
test_validate_schema_all () {
  new_bundle /probe pid
  cfg '.process.terminal = "yes" | del(.root.path) | .linux.namespaces[1].type = "net"'
  run rt spec --validate -b "$BUNDLE"
  assert_eq "$status" 1 "exit status with schema problems"
  assert_eq "$output" 'config.json: .process.terminal: expected a boolean, got string
config.json: .root.path: missing required field
config.json: .linux.namespaces[1].type: unknown namespace type "net"' \
    "three problems, one line each, in document order"
  assert_eq "$errout" "" "nothing on stderr"
  assert_fails_clean rt create -b "$BUNDLE" "$(unique_id)"
  assert_contains "$errout" "config.json: .process.terminal: expected a boolean, got string" \
    "create stops at the first problem"
  assert_not_contains "$errout" ".root.path" "create reports only the first problem"
}

# 150 bad elements: the first 100 problems, then a line that says so.
test_validate_schema_cap () {
  new_bundle /probe pid
  cfg '.process.args = [range(0; 150)]'
  run rt spec --validate -b "$BUNDLE"
  assert_eq "$status" 1 "exit status"
  assert_eq "$(grep -c '^config.json: \.process\.args\[[0-9]*\]: expected a string, got number$' \
    <<<"$output")" 100 "100 problems listed"
  assert_eq "$(sed -n '1p;100p' <<<"$output" | cut -d: -f2)" $' .process.args[0]\n .process.args[99]' \
    "the first hundred, in order"
  assert_eq "$(tail -n1 <<<"$output")" "config.json: more problems not listed (the limit is 100)" \
    "then one line for the rest"
  assert_eq "$(wc -l <<<"$output")" 101 "nothing else"
}

# The parts without a schema problem are still checked against the host,
# after the schema problems; a broken part is not (its values are not all
# there).
test_validate_schema_and_host () {
  new_bundle /probe pid
  cfg '.process.cwd = 5
    | .mounts += [ { destination: "/data", type: "bind", source: "/no/such/src", options: ["rbind"] },
                   { destination: "/bad", type: "bind", source: 7 } ]'
  run rt spec --validate -b "$BUNDLE"
  assert_eq "$status" 1 "exit status"
  assert_eq "$(sed -n 1,2p <<<"$output")" 'config.json: .process.cwd: expected a string, got number
config.json: .mounts[7].source: expected a string, got number' "the schema problems first"
  assert_eq "$(sed -n 3p <<<"$output")" \
    'config.json: .mounts[6].source: `/no/such/src`: No such file or directory' \
    "then the host problem of a whole mount"
  assert_eq "$(wc -l <<<"$output")" 3 "nothing about the broken mount's source on the host"
}

# A rootless config binds the host's nodes: a missing one is a problem.
test_validate_userns_device () {
  new_bundle /probe pid
  cfg '.linux.namespaces += [ { type: "user" } ]
    | .linux.uidMappings = [ { containerID: 0, hostID: 0, size: 1 } ]
    | .linux.gidMappings = [ { containerID: 0, hostID: 0, size: 1 } ]
    | .linux.devices = [ { path: "/dev/no-such-node", type: "c", major: 1, minor: 3 },
                         { path: "/dev/null", type: "c", major: 1, minor: 5 } ]'
  run rt spec --validate -b "$BUNDLE"
  assert_contains "$output" ".linux.devices[0].path: \`/dev/no-such-node\`" "host node missing"
  assert_contains "$output" ".linux.devices[1].path: \`/dev/null\` on the host is not device c 1:5" \
    "host node of another device"
}

run_test "--args and -- set the command" test_args
run_test "any flag: docker run's defaults (rw rootfs, no tty, no TERM, seccomp)" test_docker_defaults
run_test "--env: set, replace, copy from the caller" test_env
run_test "--cwd / -w" test_cwd
run_test "--user uid:gid and names from the rootfs" test_user
run_test "--hostname: UTS name, /etc/hostname, /etc/hosts" test_hostname
run_test "capabilities: Docker's set, --cap-add, --cap-drop" test_caps_default_and_drop
run_test "--cap-add=ALL --cap-drop=MKNOD, --cap-drop=ALL" test_caps_all
run_test "--device: the node and its cgroup rule" test_device
run_test "-v / --volume / --mount binds" test_volume
run_test "--tmpfs with options" test_tmpfs
run_test "--read-only, /etc/hosts still writable" test_read_only
run_test "--memory, --pids-limit, --cpus in the container's cgroups" test_resources
run_test "--network none | host" test_network
run_test "--add-host, --dns, --dns-search" test_hosts_and_dns
run_test "resolv.conf from the host" test_resolv_default
run_test "/etc files are the bundle's, editable at run time" test_etc_files_writable
run_test "--tty" test_tty
run_test "--seccomp default | unconfined, CAP_SYS_ADMIN widens" test_seccomp
run_test "--seccomp FILE" test_seccomp_file
run_test "--rootless with flags" test_rootless_flags
run_test "bad flags: one-line error, nothing written" test_refusals
run_test "--validate: a valid bundle" test_validate_ok
run_test "--validate: host-side problems, all of them" test_validate_problems
run_test "--validate: rootfs-side problems" test_validate_rootfs_side
run_test "--validate: schema errors and usage" test_validate_schema
run_test "--validate: every schema problem, create stops at the first" test_validate_schema_all
run_test "--validate: at most 100 schema problems" test_validate_schema_cap
run_test "--validate: schema problems, then the host's of the whole parts" \
  test_validate_schema_and_host
run_test "--validate: host nodes of a user namespace" test_validate_userns_device
done_testing
