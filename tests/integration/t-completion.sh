#!/bin/bash
# t-completion: the shell completions answer what a user at a prompt
# expects.  The bash completion is sourced and driven as bash does it
# (COMP_WORDS, COMP_CWORD, then the function `complete -p` names, reading
# COMPREPLY): commands, options, option values (also in the --opt=value
# form bash splits in three words), container ids of running containers
# under the --root given on the line, signal names.  fish, when installed,
# is asked the same through `complete -C`.
# shellcheck source=tests/integration/lib.sh disable=SC2016,SC2119,SC2154,SC2317 # jq programs in single quotes; unique_id takes no args here; run sets status/output/errout; tests are called by name
. "$(dirname "$0")/lib.sh"

if [ "$(runtime_name)" != cove ]; then
  echo "1..0 # SKIP the completions are cove's"
  exit 0
fi

BASH_COMP=$LIB_TOP/completions/bash
# `cove` on PATH, as the completion calls it.
mkdir -p "$T/bin"
ln -s "$RUNTIME" "$T/bin/cove"
PATH=$T/bin:$PATH

# complete_bash WORD...: the completions bash offers for the command line
# WORD... (the last word is the one being completed: "" after a space),
# one per line, sorted.
complete_bash () {
  bash -c '
    . "$1/cove"
    . "$1/cove-shim"
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    # The function bash would call, as `complete -p` reports it.
    fn=$(complete -p "$1" | sed -n "s/.*-F \([^ ]*\).*/\1/p")
    [ -n "$fn" ] || { echo "no completion for $1" >&2; exit 1; }
    COMPREPLY=()
    "$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf "%s\n" "${COMPREPLY[@]}" | sort -u
  ' complete_bash "$BASH_COMP" "$@"
}

# The long options of a --help text, sorted.
long_options () {
  grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# start_ct: a running container under the file's state root; prints its id.
start_ct () {
  local id
  id=$(unique_id)
  new_bundle /probe sleep
  rt_run_d "$id" >&2
  echo "$id"
}

test_registered () {
  local out
  out=$(bash -c '. "$1/cove"; . "$1/cove-shim"; complete -p cove; complete -p cove-shim' _ \
    "$BASH_COMP")
  assert_contains "$out" "complete -F _cove cove" "complete -p cove"
  assert_contains "$out" "complete -F _cove_shim cove-shim" "complete -p cove-shim"
}

test_commands () {
  local want
  want=$(rt --help | sed -n '/^commands:/,$p' | sed -n 's/^  \([a-z]*\) .*/\1/p' | sort)
  assert_eq "$(complete_bash cove "")" "$want" "cove <TAB>: every command of --help"
  assert_eq "$(complete_bash cove cr)" create "cove cr<TAB>"
  assert_eq "$(complete_bash cove --root "$STATE" --debug de)" delete \
    "the command after global options and their values"
  assert_eq "$(complete_bash cove --log-f)" --log-format "a global option"
  assert_eq "$(complete_bash cove --log-format "")" $'json\ntext' "--log-format values"
  assert_eq "$(complete_bash cove --rootless "")" $'auto\nfalse\ntrue' "--rootless values"
}

test_options () {
  local cmd got want
  for cmd in create run start state kill delete list ps exec pause resume update events spec \
    features; do
    want=$(rt "$cmd" --help | long_options)
    got=$(complete_bash cove "$cmd" -- | grep -- '^--' | sort -u)
    assert_eq "$got" "$want" "cove $cmd --<TAB>: the options of cove $cmd --help"
  done
  assert_eq "$(complete_bash cove spec --net)" --network "cove spec --net<TAB>"
}

test_values () {
  local dir=$T/bundle-dir-$RANDOM
  mkdir -p "$dir"
  : >"$T/bundle-file"
  assert_eq "$(complete_bash cove spec --network "")" $'host\nnone' "--network values"
  assert_eq "$(complete_bash cove spec --cap-add SYS_AD)" SYS_ADMIN "--cap-add SYS_AD<TAB>"
  assert_eq "$(complete_bash cove spec --cap-add = SYS_AD)" SYS_ADMIN \
    "--cap-add=SYS_AD<TAB> (bash splits at =)"
  assert_eq "$(complete_bash cove spec --cap-drop = "" | grep -c .)" \
    "$(complete_bash cove spec --cap-add "" | grep -c .)" "--cap-drop= lists the capabilities"
  assert_contains "$(complete_bash cove spec --cap-drop "")" ALL "ALL is offered"
  assert_eq "$(complete_bash cove spec --seccomp un)" unconfined "--seccomp values"
  assert_eq "$(complete_bash cove list --format "")" $'json\ntable' "list --format values"
  assert_eq "$(complete_bash cove run -b "$T/bundle-")" "$dir" "run -b: directories only"
  assert_eq "$(complete_bash cove create --pid-file "$T/bundle-f")" "$T/bundle-file" \
    "--pid-file: files"
  # The word after an option's value is the command's argument again.
  assert_eq "$(complete_bash cove spec --network none --ro)" --rootless \
    "an option after an option's value"
  # After --, spec's words are the container's command: no options.
  assert_eq "$(complete_bash cove spec -- --ro)" "" "nothing after --"
  assert_eq "$(complete_bash cove delete -f --fo)" --force "delete -f takes no value"
}

test_ids () {
  local id1 id2 got
  id1=$(start_ct)
  id2=$(start_ct)
  wait_status "$id1" running
  wait_status "$id2" running
  got=$(complete_bash cove --root "$STATE" kill "")
  assert_eq "$got" "$(printf '%s\n' "$id1" "$id2" | sort)" "kill <TAB>: the ids"
  assert_eq "$(complete_bash cove --root = "$STATE" state "${id2%-*}-")" \
    "$(printf '%s\n' "$id1" "$id2" | sort)" "--root=DIR form, and a prefix"
  assert_eq "$(complete_bash cove --root "$STATE" exec -t "$id1")" "$id1" "exec: after its options"
  assert_eq "$(complete_bash cove --root "$STATE" exec "$id1" "")" "" \
    "exec: the container's command is not completed from the host"
  assert_eq "$(complete_bash cove --root "$STATE" delete --force "$id1" "")" "" \
    "delete takes one id"
  assert_eq "$(complete_bash cove --root "$T/empty-root" kill "")" "" \
    "another root: no ids"
  # cove-shim ctl ID REQUEST
  assert_eq "$(complete_bash cove-shim --root "$STATE" ctl "$id1")" "$id1" "cove-shim ctl <TAB>"
  assert_eq "$(complete_bash cove-shim --root "$STATE" ctl "$id1" "")" \
    $'migrate\nrestart\nstatus\nstop' "cove-shim ctl ID <TAB>"
}

test_signals () {
  local got
  got=$(complete_bash cove kill some-id "")
  assert_contains "$got" $'\nSIGTERM\n' "SIGTERM"
  assert_contains "$got" $'\nTERM\n' "TERM, without SIG"
  assert_eq "$(complete_bash cove kill some-id SIGKI)" SIGKILL "SIGKI<TAB>"
  assert_eq "$(complete_bash cove kill -a some-id HU)" HUP "after --all"
  assert_eq "$(complete_bash cove kill some-id TERM "")" "" "one signal only"
}

test_shim () {
  local want
  assert_eq "$(complete_bash cove-shim --restart "")" \
    $'always\nno\non-failure\nunless-stopped' "--restart values"
  assert_eq "$(complete_bash cove-shim "")" ctl "first word: ctl (or a new id)"
  [ -x "$LIB_TOP/cove-shim" ] || skip "cove-shim is not built"
  # The shim's own options: its --help also lists the words of ctl migrate.
  want=$("$LIB_TOP/cove-shim" --help | sed -n '/^options:/,$p' | long_options)
  assert_eq "$(complete_bash cove-shim -- | grep -- '^--')" "$want" \
    "cove-shim --<TAB>: the options of its --help"
}

# fish answers `complete -C LINE` with "candidate<TAB>description" lines.
complete_fish () {
  fish --no-config -c "source $LIB_TOP/completions/fish/cove.fish
    source $LIB_TOP/completions/fish/cove-shim.fish
    complete -C '$1'" | cut -f1 | sort -u
}

test_fish () {
  command -v fish >/dev/null || skip "fish is not installed"
  local id
  id=$(start_ct)
  wait_status "$id" running
  assert_eq "$(complete_fish "cove sp")" spec "cove sp<TAB>"
  assert_eq "$(complete_fish "cove spec --network ")" $'host\nnone' "--network values"
  assert_eq "$(complete_fish "cove --root $STATE kill ")" "$id" "ids under --root"
  assert_contains "$(complete_fish "cove --root $STATE kill $id SIGT")" SIGTERM "signals"
  assert_eq "$(complete_fish "cove-shim --root $STATE ctl $id ")" $'migrate\nrestart\nstatus\nstop' \
    "cove-shim ctl ID"
  assert_eq "$(complete_fish "cove spec --cap-add SYS_AD")" SYS_ADMIN "capabilities"
}

run_test "complete -p: both commands registered" test_registered
run_test "commands and global options" test_commands
run_test "every command's options, as its --help lists them" test_options
run_test "option values (files, dirs, lists, --opt=value)" test_values
run_test "container ids from cove list -q under --root" test_ids
run_test "signal names for kill" test_signals
run_test "cove-shim options and values" test_shim
run_test "fish: commands, values, ids, signals" test_fish
done_testing
