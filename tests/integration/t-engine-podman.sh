#!/bin/bash
# t-engine-podman: Podman runs its containers with the runtime under test.
# A thin wrapper, so the engine suite is part of tests/run.sh: the checks,
# their private podman state and their cleanup are in tests/engines/podman.sh
# (which prints the TAP).  Skipped (exit 77) only when podman, or conmon
# which it needs, is not installed; `contrib/install-deps.sh --tests`
# installs both.
for tool in podman conmon; do
  if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/libexec/podman/$tool" ]; then
    echo "1..0 # SKIP $tool is not installed (contrib/install-deps.sh --tests installs it)"
    exit 77
  fi
done
exec bash "$(dirname "$0")/../engines/podman.sh"
