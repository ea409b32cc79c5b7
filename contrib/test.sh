#!/bin/bash
# test.sh [FILTER...]: installs the build dependencies, builds cove, then runs
# every test (tests/run.sh); the last line printed is `N passed, N failed`.
# The integration tests need root: as another user this re-runs itself with
# sudo.  RUNTIME=/usr/sbin/runc runs the same integration tests against runc.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then
  exec sudo --preserve-env=RUNTIME,TEST_TIMEOUT,RT_TIMEOUT,RT_TEST_STRICT,VERBOSE \
    "$0" "$@"
fi

contrib/install-deps.sh --tests
contrib/build.sh
# In CI, without FILTERs: the slow suites too, which tests/run.sh runs only
# when named: the tests against an ASan+UBSan build (the build and two
# lanes of tests, VMs included: about 9 minutes on a quiet 2-core machine)
# and 60 s of fuzzing the oci-spec parser.
if [ $# = 0 ] && [ "${CI:-}" = true ]; then
  set -- unit/ integration/ sanitizers/ fuzz/
fi
exec tests/run.sh "$@"
