#!/bin/bash
# t-cli: the command line itself: --version, --help, features, spec (and
# running what spec wrote), and how unknown commands, unknown options and
# wrong arguments are refused: exit status 1, one line on stderr naming the
# culprit, nothing on stdout, nothing left behind.
# shellcheck source=tests/integration/lib.sh disable=SC2016,SC2119,SC2154,SC2317 # jq programs in single quotes; unique_id takes no args here; run sets status/output/errout; tests are called by name
. "$(dirname "$0")/lib.sh"

SEMVER_RE='^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'

# is_cove: the checks of cove's own CLI contract (exact exit status, one
# line, wording) are only logged for another runtime (RUNTIME=runc).
is_cove () {
  [ "$(runtime_name)" = cove ]
}

# assert_cli_error WORD CMD...: CMD must fail, leaving nothing behind; for
# cove also with exit status 1, nothing on stdout and one line on stderr
# that mentions WORD.
assert_cli_error () {
  local word=$1
  shift
  leak_check_begin
  assert_fail "$@"
  if is_cove; then
    assert_eq "$status" 1 "exit status of \`$*\`"
    assert_eq "$output" "" "stdout of \`$*\`"
    assert_one_line "$errout" "stderr of \`$*\`"
  else
    lib_diag "note: $(runtime_name) exit status $status, $(wc -l <<<"$errout") line(s) on stderr"
  fi
  assert_error_mentions "$errout" "$word" "error of \`$*\`"
  leak_check_end
}

# features_json: the runtime's features document (the test fails if it is
# not JSON).
features_json () {
  local json
  json=$(rt features)
  jq -e 'type == "object"' <<<"$json" >/dev/null || fail "features is not a JSON object"
  printf '%s\n' "$json"
}

# ---------------------------------------------------------------------------
# --version, --help

test_version () {
  local v line flags f
  assert_ok rt --version
  v=$output
  assert_eq "$errout" "" "stderr of --version"
  line=$(head -n1 <<<"$v")
  assert_match "$line" "^$(runtime_name) version [0-9]+\.[0-9]+\.[0-9]+" "first line"
  assert_match "$(grep '^commit:' <<<"$v")" '^commit: [^ ]+' "commit line"
  line=$(grep '^spec:' <<<"$v") || fail "no spec line in: $v"
  assert_match "${line#spec: }" "$SEMVER_RE" "spec version"
  # The spec version printed is the newest the features document claims.
  assert_eq "${line#spec: }" "$(features_json | jq -r .ociVersionMax)" \
    "spec line vs features ociVersionMax"
  # -v says the same.
  assert_ok rt -v
  assert_eq "$output" "$v" "output of -v"

  is_cove || return 0
  # cove's compiled-in features: one line of +NAME / -NAME words.
  flags=$(grep -E '^[+-][A-Z]' <<<"$v") || fail "no features line in: $v"
  assert_one_line "$flags" "features line"
  for f in $flags; do
    assert_match "$f" '^[+-][A-Z0-9_]+$' "word '$f' of the features line"
  done
  for f in +CAP +SECCOMP +SELINUX +YAJL; do
    [[ " $flags " == *" $f "* ]] || fail "features line '$flags' lacks $f"
  done
}

test_help () {
  local cmd opt
  for opt in --help -h; do
    assert_ok rt "$opt"
    for cmd in create start run state kill delete list spec features; do
      grep -qE "^[[:space:]]+$cmd([[:space:],]|$)" <<<"$output" \
        || fail "\`$opt\` does not list the command $cmd"
    done
  done
  # Every command has its own --help, on stdout, exit status 0.
  for cmd in create start run state kill delete list spec; do
    assert_ok rt "$cmd" --help
    assert_contains "$output" "$cmd" "\`$cmd --help\`"
  done
}

# ---------------------------------------------------------------------------
# features

test_features () {
  local json min max ns caps h o
  json=$(features_json)
  min=$(jq -r .ociVersionMin <<<"$json")
  max=$(jq -r .ociVersionMax <<<"$json")
  assert_match "$min" "$SEMVER_RE" "ociVersionMin"
  assert_match "$max" "$SEMVER_RE" "ociVersionMax"
  assert_eq "$(printf '%s\n' "$max" "$min" | sort -V | head -n1)" "$min" "min <= max"

  for h in prestart createRuntime createContainer startContainer poststart poststop; do
    jq -e --arg h "$h" '.hooks | index($h)' <<<"$json" >/dev/null \
      || fail "hooks lacks $h: $(jq -c .hooks <<<"$json")"
  done

  jq -e '.mountOptions | type == "array" and all(type == "string")
         and length == (unique | length)' <<<"$json" >/dev/null \
    || fail "mountOptions is not a list of distinct strings"
  for o in ro rw bind rbind nosuid nodev noexec rprivate; do
    jq -e --arg o "$o" '.mountOptions | index($o)' <<<"$json" >/dev/null \
      || fail "mountOptions lacks $o"
  done

  ns=$(jq -r '.linux.namespaces[]' <<<"$json" | sort | tr '\n' ' ')
  assert_eq "$ns" "cgroup ipc mount network pid time user uts " "linux.namespaces"

  caps=$(jq -r '.linux.capabilities[]' <<<"$json")
  grep -qx CAP_CHOWN <<<"$caps" || fail "capabilities lack CAP_CHOWN"
  grep -qx CAP_SYS_ADMIN <<<"$caps" || fail "capabilities lack CAP_SYS_ADMIN"
  ! grep -qvE '^CAP_[A-Z_]+$' <<<"$caps" || fail "odd capability names: $caps"
  assert_eq "$(sort <<<"$caps" | uniq -d)" "" "duplicate capabilities"

  jq -e '(.annotations // {}) | type == "object" and all(.[]; type == "string")' \
    <<<"$json" >/dev/null || fail "annotations is not a map of strings"
}

# --version and features describe the same build: a compiled-in feature
# is `enabled` in the features document (features-linux.md: "enabled ...
# is true if ... support is compiled in").
test_features_match_version () {
  local json flags
  is_cove || skip "the +NAME features line is cove's"
  flags=$(rt --version | grep -E '^[+-][A-Z]')
  json=$(features_json)
  if [[ " $flags " == *" +SECCOMP "* ]]; then
    assert_eq "$(jq -r .linux.seccomp.enabled <<<"$json")" true \
      "linux.seccomp.enabled with +SECCOMP"
  fi
  if [[ " $flags " == *" +SELINUX "* ]]; then
    assert_eq "$(jq -r .linux.selinux.enabled <<<"$json")" true \
      "linux.selinux.enabled with +SELINUX"
  fi
}

# ---------------------------------------------------------------------------
# spec

test_spec_and_run () {
  local dir=$T/spec-$RANDOM id hostname
  mkdir "$dir"
  cp -a "$ROOTFS_CACHE" "$dir/rootfs"
  # Without -b, spec writes to the working directory.
  cd "$dir"
  assert_ok rt spec
  cd "$T"
  [ -f "$dir/config.json" ] || fail "spec wrote no config.json"
  jq -e 'type == "object"' "$dir/config.json" >/dev/null || fail "config.json is not JSON"
  assert_match "$(jq -r .ociVersion "$dir/config.json")" "$SEMVER_RE" "ociVersion"
  assert_eq "$(jq -r .root.path "$dir/config.json")" rootfs "root.path"
  assert_eq "$(jq -r .process.terminal "$dir/config.json")" true "process.terminal"

  hostname=$(jq -r .hostname "$dir/config.json")
  cfg -b "$dir" '.process.terminal = false
                 | .process.args = [ "/probe", "hostname", "+", "ids" ]'
  id=$(unique_id)
  assert_ok rt run -b "$dir" "$id"
  assert_eq "$(head -n1 <<<"$output")" "$hostname" "hostname inside"
  assert_contains "$output" $'\nuid=0' "ids inside"

  # A second spec must not overwrite the edited file.
  cp "$dir/config.json" "$T/config.saved"
  assert_fails_clean rt spec -b "$dir"
  assert_error_mentions "$errout" config.json "error of spec over an existing file"
  cmp -s "$dir/config.json" "$T/config.saved" || fail "spec changed the existing config.json"
}

test_spec_bundle_option () {
  local dir=$T/spec-b-$RANDOM dir2=$T/spec-b2-$RANDOM cwd=$T/spec-cwd-$RANDOM
  mkdir "$dir" "$dir2" "$cwd"
  cd "$cwd"
  assert_ok rt spec -b "$dir"
  [ -f "$dir/config.json" ] || fail "spec -b DIR wrote no DIR/config.json"
  [ ! -e "$cwd/config.json" ] || fail "spec -b DIR wrote into the working directory"
  assert_ok rt spec --bundle "$dir2"
  [ -f "$dir2/config.json" ] || fail "spec --bundle DIR wrote no DIR/config.json"
  [ ! -e "$cwd/config.json" ] || fail "spec --bundle DIR wrote into the working directory"
  # A bundle directory that does not exist: an error, nothing created.
  assert_fails_clean rt spec -b "$T/no-such-dir"
  assert_error_mentions "$errout" no-such-dir "error of spec -b missing dir"
  [ ! -e "$T/no-such-dir" ] || fail "spec created the missing bundle dir"
}

test_spec_rootless () {
  local dir=$T/spec-rootless-$RANDOM uid=65534 id umap
  mkdir "$dir"
  if command -v setpriv >/dev/null; then
    # The caller is an unprivileged uid: that uid must be the one mapped.
    chown "$uid:$uid" "$dir"
    cp "$RUNTIME" "$T/rt-copy"
    chmod 0755 "$T/rt-copy"
    run setpriv --reuid="$uid" --regid="$uid" --clear-groups \
      timeout 30 "$T/rt-copy" spec --rootless -b "$dir"
    [ "$status" = 0 ] || fail "spec --rootless as uid $uid failed: $errout"
  else
    uid=0
    assert_ok rt spec --rootless -b "$dir"
  fi
  jq -e '.linux.namespaces | map(.type) | index("user")' "$dir/config.json" >/dev/null \
    || fail "spec --rootless has no user namespace"
  assert_eq "$(jq -c '[.linux.uidMappings[] | select(.containerID == 0)
                       | .hostID, (.size >= 1)]' "$dir/config.json")" "[$uid,true]" \
    "uid mapping of container root"
  assert_eq "$(jq -c '[.linux.gidMappings[] | select(.containerID == 0)
                       | .hostID, (.size >= 1)]' "$dir/config.json")" "[$uid,true]" \
    "gid mapping of container root"

  # Run it (as root; the rootfs belongs to the mapped uid).
  cp -a "$ROOTFS_CACHE" "$dir/rootfs"
  chown -R "$uid:$uid" "$dir/rootfs"
  cfg -b "$dir" '.process.terminal = false
                 | .process.args = [ "/probe", "uidmap", "+", "ids" ]'
  id=$(unique_id)
  assert_ok rt run -b "$dir" "$id"
  umap=$(head -n1 <<<"$output" | tr -s ' ' | sed 's/^ //')
  assert_eq "$umap" "0 $uid 1" "uid_map inside"
  assert_contains "$output" $'\nuid=0' "ids inside"
}

# ---------------------------------------------------------------------------
# Refused command lines

test_unknown_command () {
  assert_cli_error no-such-command rt no-such-command
  assert_cli_error frobnicate rt frobnicate x y
}

test_unknown_options () {
  local id cmd
  new_bundle /probe exit 0
  id=$(unique_id)
  assert_cli_error --no-such-global rt --no-such-global list
  assert_cli_error --no-such-opt rt create --no-such-opt -b "$BUNDLE" "$id"
  assert_cli_error --no-such-opt rt run --no-such-opt -b "$BUNDLE" "$id"
  for cmd in start state kill delete; do
    assert_cli_error --no-such-opt rt "$cmd" --no-such-opt "$id"
  done
  assert_cli_error --no-such-opt rt list --no-such-opt
  assert_cli_error --no-such-opt rt spec --no-such-opt -b "$T"
  [ ! -e "$T/config.json" ] || fail "spec with a bad option wrote config.json"
  assert_cli_error z rt delete -z "$id"
  assert_fail rt state "$id"
  assert_cli_error --no-such-opt rt features --no-such-opt
}

test_wrong_arguments () {
  local id
  new_bundle /probe exit 0
  id=$(unique_id)
  # The word an error must mention is what the user got wrong; an extra
  # argument may be reported as a wrong count (""), not by name.
  assert_cli_error id rt state
  assert_cli_error id rt delete
  assert_cli_error id rt create -b "$BUNDLE"
  assert_cli_error "" rt state "$id" extra
  assert_cli_error "" rt kill "$id" TERM extra
  assert_cli_error "" rt list extra
  assert_cli_error "" rt spec -b "$T" extra
  assert_cli_error "" rt create -b "$BUNDLE" "$id" extra
  assert_cli_error bogus rt --log-format bogus list
  assert_cli_error many rt create --preserve-fds many -b "$BUNDLE" "$id"
  assert_cli_error yaml rt list --format yaml
  assert_cli_error "" rt features extra
  [ ! -e "$T/config.json" ] || fail "spec with an extra argument wrote config.json"
  assert_fail rt state "$id"
}

run_test "--version, -v" test_version
run_test "--help, -h, COMMAND --help" test_help
run_test "features document" test_features
run_test "features agree with --version" test_features_match_version
run_test "spec, then run it; no overwrite" test_spec_and_run
run_test "spec -b / --bundle" test_spec_bundle_option
run_test "spec --rootless maps the caller" test_spec_rootless
run_test "unknown command" test_unknown_command
run_test "unknown options" test_unknown_options
run_test "wrong arguments" test_wrong_arguments
done_testing
