#!/usr/bin/env bash
# Runs the client compatibility suites (test/compat) against Debian's real dockerd instead of
# berthd, to show that they test Docker's behaviour and not Berth's. Run by hand, as root:
#   scripts/compat-vs-dockerd.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export BERTH_E2E_DAEMON=dockerd
exec bin/node --test --test-concurrency=1 --experimental-test-isolation=none 'test/compat/*.test.ts'
