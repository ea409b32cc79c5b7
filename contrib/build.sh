#!/bin/bash
# build.sh: builds cove in the source tree, with the unit tests and the
# test probe: autogen and configure only when they have not run yet, then
# `make` and `make check TESTS=` (which builds check_PROGRAMS and runs
# nothing).  Quiet unless something fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT
step () {
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "build: \`$*\` failed" >&2
    exit 1
  fi
}

[ -x configure ] || step ./autogen.sh
# CI builds with -Werror: a new warning fails the run.
configure_args=()
[ "${CI:-}" != true ] || configure_args+=(--enable-werror)
[ -f Makefile ] || step ./configure "${configure_args[@]}"
jobs=$(nproc 2>/dev/null || echo 2)
step make -j"$jobs"
step make -j"$jobs" check TESTS=
echo "build: ok ($(./cove --version 2>/dev/null | head -n1))"
