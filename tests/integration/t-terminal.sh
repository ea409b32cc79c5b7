#!/bin/bash
# t-terminal: process.terminal.  With --console-socket the runtime hands the
# pty master to the socket (tests/helpers/recvtty receives it): the
# container's stdio and /dev/console are that pty's slave, consoleSize is
# its window size, what the container writes arrives on the master and
# what is written to the master reaches the container.  Without a socket,
# `create` refuses a terminal, and a foreground `run` relays the pty on its
# own stdio (driven here through script(1), which gives it a terminal).
# shellcheck source=tests/integration/lib.sh disable=SC2154,SC2317,SC2016 # run sets status/output/errout; tests are called by name; jq programs and container commands are single-quoted
. "$(dirname "$0")/lib.sh"

RECVTTY=$LIB_TOP/tests/helpers/recvtty
[ -x "$RECVTTY" ] || lib_bail "$RECVTTY is not built (run make check TESTS=)"

# field KEY: the value of `KEY=value` in $output (probe's format).
field () {
  sed -n "s/^$1=//p" <<<"$output" | head -n1
}

# start_recvtty SOCKET [RECVTTY-OPTIONS...]: starts recvtty in the
# background, its stdout in SOCKET.out and stderr in SOCKET.err; returns
# once the socket listens.  RECV_PID is its pid.
start_recvtty () {
  local sock=$1
  shift
  "$RECVTTY" -t 30 "$@" "$sock" </dev/null >"$sock.out" 2>"$sock.err" &
  RECV_PID=$!
  wait_for 10 test -S "$sock"
}

# finish_recvtty SOCKET: waits for recvtty to end, then sets $output to
# what it read from the master (carriage returns removed) and $ptn to the
# pty number it received.
finish_recvtty () {
  local rc=0
  wait "$RECV_PID" || rc=$?
  lib_diag "recvtty: status $rc, stderr: $(cat "$1.err")"
  [ "$rc" = 0 ] || fail "recvtty exited with status $rc"
  output=$(tr -d '\r' <"$1.out")
  lib_diag "from the master: $output"
  ptn=$(sed -n 's/^ptn=//p' "$1.err")
  [ -n "$ptn" ] || fail "recvtty received no pty"
}

# run_with_console ID SOCKET: create with --console-socket, start, wait for
# the process to exit.
run_with_console () {
  rt_create "$1" --console-socket "$2"
  rt start "$1"
  wait_status "$1" stopped
}

test_console_socket_stdio () {
  local id sock=$T/console.sock
  new_bundle /bin/sh -c '/probe tty + stat /dev/console; stty size'
  cfg '.process.terminal = true | .process.consoleSize = { height: 33, width: 111 }'
  id=$(unique_id tty)
  start_recvtty "$sock"
  run_with_console "$id" "$sock"
  finish_recvtty "$sock"
  assert_eq "$(field isatty0)$(field isatty1)$(field isatty2)" 111 "isatty of fds 0, 1, 2"
  assert_eq "$(field ttyname)" "/dev/pts/$ptn" "ttyname of stdin"
  assert_eq "$(field rows)x$(field cols)" 33x111 "window size"
  assert_eq "$(field type)" char "/dev/console type"
  assert_eq "$(field rdev)" "136:$ptn" "/dev/console device (the pty's slave)"
  assert_eq "$(tail -n1 <<<"$output")" "33 111" "stty size"
  # Nothing went to the runtime's own stdio.
  assert_eq "$(ct_out "$id")" "" "the runtime's stdout"
}

test_console_socket_input () {
  local id sock=$T/console.sock
  new_bundle /bin/sh -c 'read line; echo "got:$line"'
  cfg '.process.terminal = true'
  id=$(unique_id tty)
  start_recvtty "$sock" -i 'hello from the master\n'
  run_with_console "$id" "$sock"
  finish_recvtty "$sock"
  assert_match "$output" $'(^|\n)got:hello from the master($|\n)' "the container's answer"
}

# Seen from the host while the master is held: the process's stdin is the
# pty and it is its controlling terminal, and it leads its own session.
test_console_socket_outside () {
  local id pid sock=$T/console.sock stat rest tty_nr ptn
  new_bundle /probe sleep
  cfg '.process.terminal = true'
  id=$(unique_id tty)
  start_recvtty "$sock" -w 30
  rt_create "$id" --console-socket "$sock"
  rt start "$id"
  wait_status "$id" running
  pid=$(state_field "$id" .pid)
  wait_for 10 grep -q '^ptn=' "$sock.err"
  ptn=$(sed -n 's/^ptn=//p' "$sock.err")
  assert_eq "$(readlink "/proc/$pid/fd/0")" "/dev/pts/$ptn" "stdin of the process"
  assert_eq "$(readlink "/proc/$pid/fd/2")" "/dev/pts/$ptn" "stderr of the process"
  read -r stat <"/proc/$pid/stat"
  rest=${stat##*) }
  # shellcheck disable=SC2086 # split the stat fields after the command
  set -- $rest
  # Fields 6 and 7 of stat: session and tty_nr (major 136 in bits 8-15).
  assert_eq "$4" "$pid" "session of the process"
  tty_nr=$5
  assert_eq "$(((tty_nr >> 8) & 0xfff))" 136 "major of the controlling tty"
  assert_eq "$(((tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00)))" "$ptn" "minor of the controlling tty"
  kill "$RECV_PID"
  wait "$RECV_PID" || true
}

test_terminal_without_socket () {
  local id
  new_bundle /probe tty
  cfg '.process.terminal = true'
  id=$(unique_id tty)
  assert_fails_clean rt create -b "$BUNDLE" "$id"
  assert_error_mentions "$errout" console-socket "error says what is missing"
  assert_fail rt state "$id"
}

# sun_path holds 108 bytes; a longer socket path must still work.
test_long_socket_path () {
  local id dir sock
  dir=$T/$(printf 'd%.0s' {1..60})/$(printf 'e%.0s' {1..60})
  mkdir -p "$dir"
  sock=$dir/console.sock
  ((${#sock} > 108)) || fail "the socket path is only ${#sock} bytes"
  lib_diag "socket path: ${#sock} bytes"
  new_bundle /probe tty
  cfg '.process.terminal = true'
  id=$(unique_id tty)
  start_recvtty "$sock"
  run_with_console "$id" "$sock"
  finish_recvtty "$sock"
  assert_eq "$(field isatty0)" 1 "isatty of stdin"
  assert_eq "$(field ttyname)" "/dev/pts/$ptn" "ttyname of stdin"
}

# A foreground `run` with a terminal and no socket relays the pty: script(1)
# gives it a terminal of 40x100 and types a line into it; the container's
# output, its exit status and that window size come back.
test_run_foreground_tty () {
  local id cmd rc=0
  command -v script >/dev/null || skip "script(1) (util-linux) is not installed"
  new_bundle /bin/sh -c '/probe tty; read line; echo "got:$line"; exit 5'
  cfg '.process.terminal = true'
  id=$(unique_id tty)
  printf -v cmd 'stty rows 40 cols 100; exec %q --root %q run -b %q %q' \
    "$RUNTIME" "$STATE" "$BUNDLE" "$id"
  printf 'typed line\n' | timeout -k 5 60 script -qec "$cmd" /dev/null \
    >"$T/script.out" 2>"$T/script.err" || rc=$?
  output=$(tr -d '\r' <"$T/script.out")
  lib_diag "script: status $rc" "output: $output" "stderr: $(cat "$T/script.err")"
  assert_eq "$rc" 5 "exit status through the terminal"
  assert_eq "$(field isatty0)$(field isatty1)$(field isatty2)" 111 "isatty of fds 0, 1, 2"
  assert_match "$(field ttyname)" '^/dev/pts/[0-9]+$' "ttyname of stdin"
  assert_eq "$(field rows)x$(field cols)" 40x100 "window size from the runtime's terminal"
  assert_match "$output" $'(^|\n)got:typed line($|\n)' "the container's answer"
  assert_fail rt state "$id"
}

run_test "console socket: stdio, /dev/console, consoleSize" test_console_socket_stdio
run_test "console socket: input reaches the container" test_console_socket_input
run_test "console socket: controlling tty seen from the host" test_console_socket_outside
run_test "terminal without --console-socket" test_terminal_without_socket
run_test "console socket path longer than 108 bytes" test_long_socket_path
run_test "foreground run relays the pty" test_run_foreground_tty
done_testing
