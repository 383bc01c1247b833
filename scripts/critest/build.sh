#!/bin/sh
# Builds critest (the CRI conformance suite of kubernetes-sigs/cri-tools) from a cri-tools source tree
# with Debian bookworm's Go 1.19 and the Go modules cri-tools vendors (no module download):
#   scripts/critest/build.sh CRI_TOOLS_SRC [OUT]      (OUT defaults to CRI_TOOLS_SRC/critest)
# cri-tools v1.29.0 is the newest tag that builds so (v1.30 needs Go 1.21's standard library: cmp):
#   git -C MIRROR archive v1.29.0 | tar -x -C SRC
set -eu
src=${1:?usage: build.sh CRI_TOOLS_SRC [OUT]}
out=${2:-$src/critest}
command -v go >/dev/null || { echo "go not found: apt-get install golang-go" >&2; exit 1; }
cd "$src"
GOFLAGS=-mod=vendor CGO_ENABLED=0 go test -c -o "$out" ./cmd/critest
echo "built $out"
