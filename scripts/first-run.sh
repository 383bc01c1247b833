#!/usr/bin/env bash
# First run on a fresh Debian 12 machine (as root): installs the prerequisites, starts berthd in
# the background (unless one already answers on /run/berth/berth.sock), loads a busybox image
# made from the host's busybox as busybox:latest, and runs a first container. Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
cd "$(dirname "$0")/.."
repo=$(pwd)

SOCK=/run/berth/berth.sock
LOG=/var/log/berthd.log
export DOCKER_HOST="unix://$SOCK"

say() { printf '\n== %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  echo "first-run.sh: Berth needs root: sudo $0" >&2
  exit 1
fi

say "prerequisites"
bash scripts/install-deps.sh

DOCKER=/usr/local/bin/docker
[ -x "$DOCKER" ] || DOCKER=$(command -v docker)

ping_berthd() { curl -fsS --max-time 2 --unix-socket "$SOCK" http://localhost/_ping >/dev/null 2>&1; }

if ping_berthd; then
  say "berthd already answers on $SOCK"
else
  say "starting berthd (log: $LOG)"
  mkdir -p /run/berth /var/lib/berth
  # a stale socket from an earlier berthd that is gone
  [ -S "$SOCK" ] && rm -f "$SOCK"
  setsid nohup "$repo/bin/berthd" -H "unix://$SOCK" --pidfile /run/berth/berthd.pid >>"$LOG" 2>&1 </dev/null &
  for _ in $(seq 1 150); do
    ping_berthd && break
    if ! kill -0 $! 2>/dev/null; then
      echo "berthd exited; the end of $LOG:" >&2
      tail -n 40 "$LOG" >&2
      exit 1
    fi
    sleep 0.2
  done
  if ! ping_berthd; then
    echo "berthd did not answer on $SOCK within 30 s; the end of $LOG:" >&2
    tail -n 40 "$LOG" >&2
    exit 1
  fi
  echo "berthd is up (pid $(cat /run/berth/berthd.pid 2>/dev/null || echo $!))"
fi

if "$DOCKER" image inspect busybox:latest >/dev/null 2>&1; then
  say "busybox:latest is already loaded"
else
  say "building busybox:latest from $(readlink -f /bin/busybox) and loading it"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  bin/node scripts/make-test-image.ts archive "$tmp/busybox.tar" busybox:latest
  "$DOCKER" load -i "$tmp/busybox.tar"
fi

say "docker run --rm busybox echo \"Hello from Berth\""
"$DOCKER" run --rm busybox echo "Hello from Berth"

cat <<MSG

Berth is running. Use it with the docker CLI:
  export DOCKER_HOST=unix://$SOCK
  docker run --rm -it busybox sh
Daemon log: $LOG. Stop it with: kill \$(cat /run/berth/berthd.pid)
MSG
