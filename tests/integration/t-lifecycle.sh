#!/bin/bash
# t-lifecycle: create, start, run, kill, delete, state and list, each
# observed for real: the init's /proc entry before and after exec, files the
# container writes into a bind-mounted host directory, exit statuses, the
# state JSON, and what is left on the host (state dirs, mounts, processes)
# after containers come and go.
# shellcheck source=tests/integration/lib.sh disable=SC2016,SC2119,SC2154,SC2317 # jq programs in single quotes; unique_id takes no args here; run sets status/output/errout; tests are called by name
. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------------------
# Helpers

# proc_field PID INDEX: a field of /proc/PID/stat counted from the one after
# the command name (0 = state, 19 = starttime); nothing if PID is gone.
proc_field () {
  local line
  local -a f
  read -r line <"/proc/$1/stat" 2>/dev/null || return 0
  read -r -a f <<<"${line##*) }"
  echo "${f[$2]}"
}

proc_starttime () {
  proc_field "$1" 19
}

# proc_alive PID STARTTIME: PID is still the process that started at
# STARTTIME and has not exited (a zombie counts as exited).
proc_alive () {
  local state
  [ "$(proc_starttime "$1")" = "$2" ] || return 1
  state=$(proc_field "$1" 0)
  [ "$state" != Z ] && [ "$state" != X ]
}

proc_gone () {
  ! proc_alive "$@"
}

# share_dir NAME [FILE...]: a host directory bind-mounted read-write at
# /NAME in $BUNDLE, with empty FILEs in it (`probe write` does not create
# files); prints its host path.
share_dir () {
  local dir=$T/share-$1 f
  mkdir -p "$dir"
  for f in "${@:2}"; do
    : >"$dir/$f"
  done
  cfg --arg src "$dir" --arg dst "/$1" \
    '.mounts += [ { destination: $dst, type: "bind", source: $src,
                    options: [ "rbind", "rw" ] } ]'
  echo "$dir"
}

# rt_root ROOT ARGS...: the runtime with another state root.
rt_root () {
  local root=$1
  shift
  echo "+ ${RUNTIME##*/} --root $root $*" >>"$TEST_LOG"
  timeout -k 5 60 "$RUNTIME" --root "$root" "$@"
}

# The program name of PID, as the host sees it: its argv[0].
proc_argv0 () {
  tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | head -n1
}

RFC3339_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$'

# ---------------------------------------------------------------------------
# create / start / kill / delete

test_full_lifecycle () {
  local id share piddir pid json start
  new_bundle /probe write /shared/ran yes + sleep
  share=$(share_dir shared ran)
  id=$(unique_id)
  piddir=$T/piddir-$id
  mkdir "$piddir"
  # A stale pid file is replaced, not appended to.
  echo stale >"$piddir/pid"

  rt_create "$id" --pid-file "$piddir/pid"
  json=$(rt state "$id")
  assert_eq "$(jq -r .status <<<"$json")" created "status after create"
  pid=$(jq -r .pid <<<"$json")
  [ "$pid" -gt 0 ] || fail "state pid '$pid' is not a pid"
  [ -d "/proc/$pid" ] || fail "/proc/$pid of the created container does not exist"
  start=$(proc_starttime "$pid")
  # Not exec'd yet: neither its executable nor its argv is the probe, and
  # the program's side effect has not happened.
  assert_ne "$(readlink "/proc/$pid/exe")" /probe "exe of the created init"
  assert_ne "$(proc_argv0 "$pid")" /probe "argv[0] of the created init"
  [ ! -s "$share/ran" ] || fail "the program ran before start"
  # The pid file names the init, and nothing else was left next to it.
  assert_eq "$(cat "$piddir/pid")" "$pid" "--pid-file content"
  assert_eq "$(ls -A "$piddir")" pid "files next to the pid file"

  rt start "$id"
  wait_for 10 test -s "$share/ran"
  assert_eq "$(cat "$share/ran")" yes "file written by the container"
  wait_status "$id" running
  assert_eq "$(state_field "$id" .pid)" "$pid" "pid after start"
  proc_alive "$pid" "$start" || fail "init $pid is not the process seen at create"
  assert_eq "$(readlink "/proc/$pid/exe")" /probe "exe after start"
  assert_eq "$(proc_argv0 "$pid")" /probe "argv[0] after start"

  rt kill "$id" KILL
  wait_status "$id" stopped
  wait_for 10 proc_gone "$pid" "$start"

  rt delete "$id"
  [ ! -e "$STATE/$id" ] || fail "state dir $STATE/$id is still there after delete"
  assert_fail rt state "$id"
  assert_error_mentions "$errout" "does not exist" "state after delete"
}

test_state_json () {
  local id json before after created_s want_ann
  new_bundle /probe sleep
  cfg '.annotations = { "org.example.one": "1", "org.example.two": "zwei" }'
  want_ann=$(jq -cS .annotations "$BUNDLE/config.json")
  id=$(unique_id)
  # A relative bundle path must still give an absolute bundle in state.
  cd "$(dirname "$BUNDLE")"
  before=$(date +%s)
  rt create -b "$(basename "$BUNDLE")" "$id" </dev/null >"$T/$id.out" 2>"$T/$id.err"
  after=$(date +%s)
  json=$(rt state "$id")
  echo "$json"
  jq -e 'type == "object"' <<<"$json" >/dev/null || fail "state is not a JSON object"
  assert_match "$(jq -r .ociVersion <<<"$json")" '^[0-9]+\.[0-9]+\.[0-9]+' "ociVersion"
  assert_eq "$(jq -r .id <<<"$json")" "$id" "id"
  assert_eq "$(jq -r .status <<<"$json")" created "status"
  assert_match "$(jq -r .pid <<<"$json")" '^[1-9][0-9]*$' "pid"
  assert_eq "$(jq -r .bundle <<<"$json")" "$(realpath "$BUNDLE")" "bundle"
  assert_eq "$(jq -r .rootfs <<<"$json")" "$(realpath "$BUNDLE/rootfs")" "rootfs"
  assert_eq "$(jq -r '.owner | type' <<<"$json")" string "type of owner"
  assert_eq "$(jq -cS .annotations <<<"$json")" "$want_ann" "annotations"
  created=$(jq -r .created <<<"$json")
  assert_match "$created" "$RFC3339_RE" "created"
  created_s=$(date -d "$created" +%s) || fail "date cannot parse created '$created'"
  if [ "$created_s" -lt $((before - 1)) ] || [ "$created_s" -gt $((after + 1)) ]; then
    fail "created $created ($created_s) is not between $before and $after"
  fi

  # Start changes the status only.
  rt start "$id"
  wait_status "$id" running
  assert_eq "$(state_field "$id" .created)" "$created" "created after start"
  assert_eq "$(state_field "$id" .pid)" "$(jq -r .pid <<<"$json")" "pid after start"
}

test_config_edits_after_create () {
  local id ctl share hook_file ctl_file
  new_bundle /probe write /shared/who original + sleep
  share=$(share_dir shared who)
  cfg '.annotations = { "org.example.k": "before" }'
  id=$(unique_id)
  rt_create "$id"
  # Edits after create: new args, new annotations, a poststop hook.
  hook_file=$T/poststop-late-$id
  cfg '.process.args = [ "/probe", "write", "/shared/who", "edited", "+", "sleep" ]'
  cfg '.annotations = { "org.example.k": "after" }'
  cfg --arg f "$hook_file" \
    '.hooks.poststop = [ { path: "/bin/sh", args: [ "sh", "-c", "echo ran >> \"$0\"", $f ] } ]'
  assert_eq "$(state_field "$id" '.annotations["org.example.k"]')" before "annotation"
  rt start "$id"
  wait_for 10 test -s "$share/who"
  assert_eq "$(cat "$share/who")" original "what the container ran"
  assert_eq "$(state_field "$id" '.annotations["org.example.k"]')" before "annotation after start"
  rt delete -f "$id"

  # Control: the same hook given before create does run, so its absence
  # above means something.
  new_bundle /probe sleep
  ctl_file=$T/poststop-early-$id
  cfg --arg f "$ctl_file" \
    '.hooks.poststop = [ { path: "/bin/sh", args: [ "sh", "-c", "echo ran >> \"$0\"", $f ] } ]'
  ctl=$(unique_id control)
  rt_create "$ctl"
  rt start "$ctl"
  rt delete -f "$ctl"
  wait_for 10 test -s "$ctl_file"
  [ ! -e "$hook_file" ] || fail "a poststop hook added after create ran"
}

# ---------------------------------------------------------------------------
# run

test_run_exit_status () {
  local id code
  for code in 0 3; do
    new_bundle /probe exit "$code"
    id=$(unique_id)
    run rt run -b "$BUNDLE" "$id"
    assert_eq "$status" "$code" "exit status of run"
    # run deletes the container after it exits.
    [ ! -e "$STATE/$id" ] || fail "state dir of $id left after run"
    assert_fail rt state "$id"
  done
}

test_run_killed () {
  local id rpid rc=0
  new_bundle /probe sleep
  id=$(unique_id)
  rt run -b "$BUNDLE" "$id" </dev/null >"$T/$id.out" 2>"$T/$id.err" &
  rpid=$!
  wait_status "$id" running
  rt kill "$id" KILL
  wait "$rpid" || rc=$?
  assert_eq "$rc" 137 "exit status of run after SIGKILL"
  assert_fail rt state "$id"
}

test_run_keep () {
  local id
  new_bundle /probe exit 0
  id=$(unique_id)
  assert_ok rt run --keep -b "$BUNDLE" "$id"
  assert_eq "$(state_field "$id" .status)" stopped "status after run --keep"
  assert_ok rt delete "$id"
  assert_fail rt state "$id"
}

test_run_detach () {
  local id secs pid
  new_bundle /probe pid + sleep
  id=$(unique_id)
  SECONDS=0
  rt_run_d "$id"
  secs=$SECONDS
  [ "$secs" -lt 10 ] || fail "run -d took ${secs}s to return"
  assert_eq "$(state_field "$id" .status)" running "status after run -d"
  pid=$(state_field "$id" .pid)
  [ -d "/proc/$pid" ] || fail "init $pid of the detached container is gone"
  # Its stdout went where run's stdout pointed.
  wait_for 10 grep -qx pid=1 "$T/$id.out"
}

# run (foreground or -d) of a program that does not exist: one error,
# exit status 1 for cove, no container, nothing left.
test_run_fails_clean () {
  local id opt
  new_bundle /no-such-program
  for opt in "" -d; do
    id=$(unique_id)
    # shellcheck disable=SC2086 # "" stands for no option
    assert_fails_clean rt run $opt -b "$BUNDLE" "$id"
    assert_error_mentions "$errout" no-such-program "error of run $opt"
    assert_fail rt state "$id"
  done
}

# --pid-file that cannot be written: the failure comes after the init was
# spawned, so create has a process and a state dir to undo.
test_pid_file_unwritable () {
  local id
  new_bundle /probe sleep
  id=$(unique_id)
  assert_fails_clean rt create --pid-file "$T/no-such-dir/pid" -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" no-such-dir "error of create"
  assert_fail rt state "$id"
  [ ! -e "$STATE/$id" ] || fail "state dir left after the failed create"
}

# ---------------------------------------------------------------------------
# kill

# start_waiting ID: creates and starts ID from $BUNDLE (a wait-signal probe)
# and waits until the probe has its handlers installed.
start_waiting () {
  rt_create "$1"
  rt start "$1"
  wait_for 10 grep -qx waiting "$T/$1.out"
}

test_kill_signal_forms () {
  local id sig pid start
  for sig in TERM SIGTERM 15 ""; do
    new_bundle /probe wait-signal
    id=$(unique_id)
    start_waiting "$id"
    # shellcheck disable=SC2086 # "" stands for no signal argument
    rt kill "$id" $sig
    wait_status "$id" stopped
    assert_contains "$(ct_out "$id")" signal=SIGTERM "signal delivered for '${sig:-default}'"
  done
  for sig in sigkill KILL 9; do
    new_bundle /probe sleep
    id=$(unique_id)
    rt_create "$id"
    rt start "$id"
    wait_status "$id" running
    pid=$(state_field "$id" .pid)
    start=$(proc_starttime "$pid")
    rt kill "$id" "$sig"
    wait_status "$id" stopped
    wait_for 10 proc_gone "$pid" "$start"
  done
}

test_kill_all () {
  local id
  new_bundle /probe wait-signal
  id=$(unique_id)
  start_waiting "$id"
  assert_ok rt kill --all "$id" TERM
  wait_status "$id" stopped
  assert_contains "$(ct_out "$id")" signal=SIGTERM "signal delivered by kill --all"
}

# Without a pid namespace, killing the init does not take its children
# along: --all must reach every process of the container.  The child's
# command line names $T (a `stat` that fails inside), so lib.sh finds and
# kills it should the runtime leave it behind.
test_kill_all_children () {
  local id share cpid cstart ipid istart
  new_bundle /bin/sh -c "/probe pid + stat $T + sleep >/shared/child & exec /probe sleep"
  cfg '.linux.namespaces |= map(select(.type != "pid"))'
  share=$(share_dir shared)
  id=$(unique_id)
  rt_create "$id"
  rt start "$id"
  wait_status "$id" running
  wait_for 10 grep -q '^pid=' "$share/child"
  cpid=$(sed -n 's/^pid=//p' "$share/child")
  cstart=$(proc_starttime "$cpid")
  ipid=$(state_field "$id" .pid)
  istart=$(proc_starttime "$ipid")
  proc_alive "$cpid" "$cstart" || fail "the container's child $cpid is not running"
  assert_ok rt kill --all "$id" KILL
  wait_for 10 proc_gone "$ipid" "$istart"
  wait_for 10 proc_gone "$cpid" "$cstart"
  wait_status "$id" stopped
}

test_kill_created () {
  # kill is allowed on a created container: its init dies before exec.
  local id share
  new_bundle /probe write /shared/ran yes
  share=$(share_dir shared ran)
  id=$(unique_id)
  rt_create "$id"
  rt kill "$id" KILL
  wait_status "$id" stopped
  [ ! -s "$share/ran" ] || fail "the program of a killed created container ran"
}

test_kill_stopped () {
  local id
  new_bundle /probe exit 0
  id=$(unique_id)
  rt_create "$id"
  rt start "$id"
  wait_status "$id" stopped
  assert_fails_clean rt kill "$id" KILL
  assert_error_mentions "$errout" "$id" "kill error names the id"
  assert_eq "$(state_field "$id" .status)" stopped "status after the failed kill"
}

# ---------------------------------------------------------------------------
# delete

test_delete_created () {
  local id pid start share
  new_bundle /probe write /shared/ran yes
  share=$(share_dir shared ran)
  id=$(unique_id)
  rt_create "$id"
  pid=$(state_field "$id" .pid)
  start=$(proc_starttime "$pid")
  assert_ok rt delete "$id"
  [ ! -e "$STATE/$id" ] || fail "state dir left after delete"
  wait_for 10 proc_gone "$pid" "$start"
  [ ! -s "$share/ran" ] || fail "the program of a deleted created container ran"
  assert_fail rt state "$id"
}

test_delete_force_running () {
  local id pid start
  new_bundle /probe sleep
  id=$(unique_id)
  rt_run_d "$id"
  pid=$(state_field "$id" .pid)
  start=$(proc_starttime "$pid")
  proc_alive "$pid" "$start" || fail "init $pid is not running"
  assert_ok rt delete -f "$id"
  wait_for 10 proc_gone "$pid" "$start"
  [ ! -e "$STATE/$id" ] || fail "state dir left after delete -f"
  assert_fail rt state "$id"
}

# After the init exits its pid stays in the saved state; the status must
# come from the process, not from the file.  Then the pid is "reused" by an
# unrelated process of ours: neither kill nor delete may touch it.
test_stopped_pid_reuse () {
  local id pid sj decoy key
  new_bundle /probe exit 0
  id=$(unique_id)
  rt_create "$id"
  pid=$(state_field "$id" .pid)
  rt start "$id"
  wait_status "$id" stopped
  sj=$STATE/$id/state.json
  [ -f "$sj" ] || skip "no $sj: the runtime keeps its state elsewhere"
  grep -qw "$pid" "$sj" || fail "state.json does not name the exited init $pid"
  assert_eq "$(state_field "$id" .status)" stopped "status with a dead pid"

  key=$(jq -r 'if has("pid") then "pid" elif has("init_process_pid")
               then "init_process_pid" else empty end' "$sj")
  [ -n "$key" ] || skip "unknown state.json layout"
  # The decoy's command line names $T, so lib.sh would kill it if we fail.
  cp /bin/sleep "$T/decoy-$id"
  "$T/decoy-$id" 120 &
  decoy=$!
  jq --arg k "$key" --argjson p "$decoy" '.[$k] = $p' "$sj" >"$sj.new"
  mv "$sj.new" "$sj"
  assert_eq "$(state_field "$id" .status)" stopped "status with a reused pid"
  assert_fails_clean rt kill "$id" KILL
  kill -0 "$decoy" || fail "kill of a stopped container hit the process now at its pid"
  assert_ok rt delete "$id"
  kill -0 "$decoy" || fail "delete of a stopped container hit the process now at its pid"
  [ ! -e "$STATE/$id" ] || fail "state dir left after delete"
  kill "$decoy"
  wait "$decoy" || true
}

# ---------------------------------------------------------------------------
# list

test_list () {
  local root=$T/list-root c r s json id
  new_bundle /probe sleep
  c=$(unique_id created)
  r=$(unique_id running)
  s=$(unique_id stopped)
  for id in "$c" "$r" "$s"; do
    track_id "$id" "$root"
  done
  rt_root "$root" create -b "$BUNDLE" "$c" </dev/null >/dev/null 2>&1
  rt_root "$root" create -b "$BUNDLE" "$r" </dev/null >/dev/null 2>&1
  rt_root "$root" start "$r"
  cfg '.process.args = [ "/probe", "exit", "0" ]'
  rt_root "$root" create -b "$BUNDLE" "$s" </dev/null >/dev/null 2>&1
  rt_root "$root" start "$s"
  for _ in $(seq 100); do
    [ "$(rt_root "$root" state "$s" | jq -r .status)" = stopped ] && break
    sleep 0.1
  done

  assert_ok rt_root "$root" list -q
  assert_eq "$output" "$(printf '%s\n' "$c" "$r" "$s" | sort)" "list -q"

  assert_ok rt_root "$root" list
  assert_eq "$(wc -l <<<"$output")" 4 "lines of list (header + 3)"
  assert_match "$(grep -w -- "$c" <<<"$output")" "[[:space:]]created[[:space:]]" "row of $c"
  assert_match "$(grep -w -- "$r" <<<"$output")" "[[:space:]]running[[:space:]]" "row of $r"
  assert_match "$(grep -w -- "$s" <<<"$output")" "[[:space:]]stopped[[:space:]]" "row of $s"

  assert_ok rt_root "$root" list --format json
  json=$output
  jq -e 'type == "array" and length == 3' <<<"$json" >/dev/null \
    || fail "list --format json is not an array of 3: $json"
  assert_eq "$(jq -r --arg id "$c" '.[] | select(.id == $id) | .status' <<<"$json")" created
  assert_eq "$(jq -r --arg id "$r" '.[] | select(.id == $id) | .status' <<<"$json")" running
  assert_eq "$(jq -r --arg id "$s" '.[] | select(.id == $id) | .status' <<<"$json")" stopped
  assert_eq "$(jq -r --arg id "$r" '.[] | select(.id == $id) | .pid' <<<"$json")" \
    "$(rt_root "$root" state "$r" | jq -r .pid)" "pid of $r in list"
  assert_eq "$(jq -r --arg id "$r" '.[] | select(.id == $id) | .bundle' <<<"$json")" \
    "$(realpath "$BUNDLE")" "bundle of $r in list"

  # An empty (or never used) root lists nothing, successfully.
  assert_ok rt_root "$T/list-root-unused" list -q
  assert_eq "$output" "" "list -q of an unused root"
  assert_ok rt_root "$T/list-root-unused" list --format json
  if [ "$(runtime_name)" != cove ] && [ "$output" = null ]; then
    lib_diag "note: $(runtime_name) prints null for an empty list"
  else
    assert_eq "$(jq -c . <<<"$output")" "[]" "list --format json of an unused root"
  fi
}

# ---------------------------------------------------------------------------
# Races, repetition, isolation

test_concurrent_create () {
  local id round a b rc_a rc_b pid start
  new_bundle /probe sleep
  leak_check_begin
  for round in 1 2 3 4 5; do
    id=$(unique_id "race$round")
    rc_a=0
    rc_b=0
    rt create -b "$BUNDLE" "$id" </dev/null >"$T/$id.a.out" 2>"$T/$id.a.err" &
    a=$!
    rt create -b "$BUNDLE" "$id" </dev/null >"$T/$id.b.out" 2>"$T/$id.b.err" &
    b=$!
    wait "$a" || rc_a=$?
    wait "$b" || rc_b=$?
    lib_diag "round $round: exit statuses $rc_a $rc_b" \
      "stderr a: $(cat "$T/$id.a.err")" "stderr b: $(cat "$T/$id.b.err")"
    if [ "$rc_a" = 0 ]; then
      [ "$rc_b" != 0 ] || fail "both concurrent creates of $id succeeded"
      assert_one_line "$(cat "$T/$id.b.err")" "error of the losing create"
    else
      assert_eq "$rc_b" 0 "one of the concurrent creates must succeed"
      assert_one_line "$(cat "$T/$id.a.err")" "error of the losing create"
    fi
    assert_eq "$(state_field "$id" .status)" created "status of the winner"
    pid=$(state_field "$id" .pid)
    start=$(proc_starttime "$pid")
    rt start "$id"
    wait_status "$id" running
    rt delete -f "$id"
    wait_for 10 proc_gone "$pid" "$start"
  done
  leak_check_end
}

test_many_containers () {
  local i id pid pids=() starts=() n
  new_bundle /probe sleep
  leak_check_begin
  for i in $(seq 20); do
    id=$(unique_id "loop$i")
    if [ $((i % 2)) = 0 ]; then
      cfg '.process.args = [ "/probe", "exit", "0" ]'
    else
      cfg '.process.args = [ "/probe", "sleep" ]'
    fi
    rt_create "$id"
    pid=$(state_field "$id" .pid)
    pids+=("$pid")
    starts+=("$(proc_starttime "$pid")")
    rt start "$id"
    if [ $((i % 2)) = 0 ]; then
      wait_status "$id" stopped
      rt delete "$id"
    else
      wait_status "$id" running
      rt delete -f "$id"
    fi
  done
  for ((n = 0; n < ${#pids[@]}; n++)); do
    wait_for 10 proc_gone "${pids[n]}" "${starts[n]}"
  done
  assert_eq "$(ls -A "$STATE")" "" "state root after 20 containers"
  leak_check_end
}

test_root_isolation () {
  local a=$T/root-a b=$T/root-b id d
  new_bundle /probe sleep
  id=$(unique_id)
  track_id "$id" "$a"
  track_id "$id" "$b"
  rt_root "$a" create -b "$BUNDLE" "$id" </dev/null >/dev/null 2>"$T/$id.err"
  [ -d "$a/$id" ] || fail "no state dir under --root $a"
  # Invisible from another root, and from this file's usual one.
  assert_fail rt_root "$b" state "$id"
  assert_error_mentions "$errout" "does not exist"
  assert_fail rt state "$id"
  # Nothing written to a default root either.
  for d in /run/*/"$id"; do
    [ ! -e "$d" ] || fail "$d exists: state escaped --root"
  done
  # The same id can exist under another root.
  rt_root "$b" create -b "$BUNDLE" "$id" </dev/null >/dev/null 2>"$T/$id.err"
  assert_ok rt_root "$b" list -q
  assert_eq "$output" "$id" "list of root b"
  rt_root "$a" start "$id"
  assert_eq "$(rt_root "$a" state "$id" | jq -r .status)" running "status in root a"
  assert_eq "$(rt_root "$b" state "$id" | jq -r .status)" created "status in root b"
  assert_ok rt_root "$a" delete -f "$id"
  assert_eq "$(rt_root "$b" state "$id" | jq -r .status)" created "root b after delete in a"
  assert_ok rt_root "$b" delete -f "$id"
  assert_eq "$(ls -A "$a")" "" "root a after delete"
  assert_eq "$(ls -A "$b")" "" "root b after delete"
}

# ---------------------------------------------------------------------------
# Global and create options

# check_json_log FILE: every line is a JSON object with level, msg and an
# RFC 3339 time; prints the msg of the error lines.
check_json_log () {
  local line n=0
  [ -s "$1" ] || fail "log file $1 is empty"
  while IFS= read -r line; do
    n=$((n + 1))
    jq -e 'type == "object" and (.level | type) == "string"
           and (.msg | type) == "string" and (.time | type) == "string"' \
      <<<"$line" >/dev/null || fail "log line $n is not a {level,msg,time} object: $line"
    assert_match "$(jq -r .time <<<"$line")" "$RFC3339_RE" "time of log line $n"
  done <"$1"
  jq -r 'select(.level == "error") | .msg' "$1"
}

test_log_json () {
  local id log msgs
  id=$(unique_id missing)
  log=$T/log-$id.json
  assert_fails_clean rt --log "$log" --log-format json state "$id"
  msgs=$(check_json_log "$log")
  [ -n "$msgs" ] || fail "no level=error line in $(cat "$log")"
  assert_error_mentions "$msgs" "$id" "logged error"
  assert_error_mentions "$errout" "$id" "error on stderr"
  # The same error, not just some error, reached stderr.
  assert_contains "$errout" "$(head -n1 <<<"$msgs")" "stderr vs the log"

  # A create that fails half way: logged, printed, nothing left behind.
  new_bundle
  cfg '.root.path = "no-such-rootfs"'
  id=$(unique_id)
  log=$T/log-$id.json
  assert_fails_clean rt --log "$log" --log-format json create -b "$BUNDLE" "$id"
  msgs=$(check_json_log "$log")
  [ -n "$msgs" ] || fail "no level=error line in $(cat "$log")"
  assert_error_mentions "$msgs" no-such-rootfs "logged error"
  assert_contains "$errout" "$(tail -n1 <<<"$msgs")" "stderr vs the log"
  assert_fail rt state "$id"
}

test_no_pivot () {
  local id want got
  new_bundle /probe ls / + stat "$T"
  id=$(unique_id)
  run rt run --no-pivot -b "$BUNDLE" "$id"
  assert_eq "$status" 1 "exit status (stat of a host path must fail)"
  # The stat of the host-only path printed ENOENT after the listing.
  assert_eq "$(tail -n1 <<<"$output")" ENOENT "stat of $T inside"
  got=$(head -n -1 <<<"$output" | sort)
  want=$(find "$BUNDLE/rootfs" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort)
  assert_eq "$got" "$want" "/ inside vs the rootfs"
}

# keyring_of ID: the /proc/keys line of a keyring named after ID (cove uses
# `_ses.ID`, runc the bare id).
keyring_of () {
  grep -E " keyring +(_ses\.)?$1: " /proc/keys || true
}

test_keyring () {
  local id nk
  [ -r /proc/keys ] || skip "no /proc/keys: kernel without CONFIG_KEYS (or not readable)"
  new_bundle /probe pid + sleep
  id=$(unique_id)
  rt_create "$id"
  rt start "$id"
  wait_status "$id" running
  wait_for 10 grep -qx pid=1 "$T/$id.out"
  [ -n "$(keyring_of "$id")" ] || fail "no session keyring named after $id in /proc/keys"

  nk=$(unique_id nokeyring)
  rt_create "$nk" --no-new-keyring
  rt start "$nk"
  wait_status "$nk" running
  # The container runs, and no keyring was made for it.
  wait_for 10 grep -qx pid=1 "$T/$nk.out"
  assert_eq "$(keyring_of "$nk")" "" "keyring of a --no-new-keyring container"
}

run_test "create, start, kill, delete" test_full_lifecycle
run_test "state: the JSON fields" test_state_json
run_test "config.json edits after create change nothing" test_config_edits_after_create
run_test "run: exit status, container deleted" test_run_exit_status
run_test "run: 137 after kill KILL" test_run_killed
run_test "run --keep: stopped container kept" test_run_keep
run_test "run -d: returns with the container running" test_run_detach
run_test "run, run -d: missing program fails cleanly" test_run_fails_clean
run_test "create: unwritable --pid-file fails cleanly" test_pid_file_unwritable
run_test "kill: TERM, SIGTERM, 15, default, sigkill, KILL, 9" test_kill_signal_forms
run_test "kill --all" test_kill_all
run_test "kill --all: also the init's children (no pid namespace)" test_kill_all_children
run_test "kill: created container" test_kill_created
run_test "kill: stopped container fails" test_kill_stopped
run_test "delete: created container" test_delete_created
run_test "delete -f: running container" test_delete_force_running
run_test "stopped: status from the process, reused pid untouched" test_stopped_pid_reuse
run_test "list, list -q, list --format json" test_list
run_test "two concurrent creates of one id" test_concurrent_create
run_test "20 containers leave nothing behind" test_many_containers
run_test "--root isolates state" test_root_isolation
run_test "--log --log-format json on errors" test_log_json
run_test "create --no-pivot" test_no_pivot
run_test "session keyring, --no-new-keyring" test_keyring
done_testing
