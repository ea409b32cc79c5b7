#!/bin/bash
# t-engine-docker: Docker (dockerd --add-runtime, docker run --runtime)
# runs its containers with the runtime under test.  A thin wrapper, so the
# engine suite is part of tests/run.sh: the checks, dockerd's private data
# root, exec root and socket, and their cleanup are in
# tests/engines/docker.sh (which prints the TAP).  Skipped (exit 77) only
# when Docker is not installed; `contrib/install-deps.sh --tests` installs
# it (docker.io).
for tool in dockerd docker containerd; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "1..0 # SKIP $tool is not installed (contrib/install-deps.sh --tests installs docker.io)"
    exit 77
  fi
done
exec bash "$(dirname "$0")/../engines/docker.sh"
