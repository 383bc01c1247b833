#!/usr/bin/env bash
# Runs Berth's tests on this machine (as root): installs what is missing, type-checks, runs
# `npm test`. Extra arguments go to node's test runner, e.g.
#   scripts/test.sh --test-name-pattern='exec'
#   BERTH_E2E_DAEMON=dockerd scripts/test.sh   # the e2e tests against Debian's dockerd
# BERTH_DEPS_INSTALLED=1: the caller has just run scripts/install-deps.sh (.ci/run does).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${BERTH_DEPS_INSTALLED:-}" != 1 ]; then
  bash scripts/install-deps.sh
fi
echo "== type check"
npx tsc -p .
echo "== tests"
if [ $# -gt 0 ]; then
  exec bin/node --test --test-concurrency=1 --experimental-test-isolation=none "$@" 'test/**/*.test.ts'
fi
exec npm test
