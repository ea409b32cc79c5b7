#!/bin/bash
# t-engine-containerd: containerd (through ctr and its runc shim) runs its
# containers with the runtime under test.  A thin wrapper, so the engine
# suite is part of tests/run.sh: the checks, containerd's private root,
# state and socket, and their cleanup are in tests/engines/containerd.sh
# (which prints the TAP).  Skipped (exit 77) only when containerd is not
# installed; `contrib/install-deps.sh --tests` installs it.
for tool in containerd ctr containerd-shim-runc-v2; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "1..0 # SKIP $tool is not installed (contrib/install-deps.sh --tests installs it)"
    exit 77
  fi
done
exec bash "$(dirname "$0")/../engines/containerd.sh"
