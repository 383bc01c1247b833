#!/usr/bin/env bash
# Installs what Berth, its tests and its benchmark need on Debian 12, as root. Idempotent: apt is
# only asked when a package is missing, npm only when node_modules is out of date.
#   scripts/install-deps.sh            # system packages + npm ci
#   BERTH_SKIP_NPM=1 scripts/install-deps.sh
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

say() { printf '\n== %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  echo "install-deps.sh: run as root (sudo $0)" >&2
  exit 1
fi

# runc + conmon: the runtime and the per-container monitor. busybox-static: the test image.
# attr: getfattr/setfattr (xattrs in layers). docker.io: the real docker CLI fallback, and
# dockerd/containerd for interop tests and the benchmark. hyperfine, sqlite3: bench and
# debugging. podman: the second reference for RUN --mount (test/e2e/build-podman). curl: raw API tests. python3: the pty driver for -it tests. python3-docker,
# docker-compose: the client compatibility suites (test/compat). runsc: gVisor, the runtime of
# --isolation=hyperv. tmux: the berth terminal test. tini: --init (tini-static as docker-init). util-linux: mount, umount, script.
# gcc, libseccomp-dev: native/berth-exec, the exec helper (built by npm's prepare, below).
# iproute2, iptables: networking. git, ca-certificates: npm ci.
packages=(runc conmon busybox-static attr docker.io containerd hyperfine sqlite3 curl python3 containernetworking-plugins docker-registry apache2-utils
  python3-docker docker-compose runsc tmux tini podman
  gcc libc6-dev libseccomp-dev util-linux bsdutils iproute2 iptables procps psmisc tar xz-utils bzip2 git ca-certificates)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  # Never let a package start a system service (dockerd on /run/docker.sock, containerd):
  # tests start their own daemons on private paths.
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  cleanup_policy() { if [ "$created_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi; }
  trap cleanup_policy EXIT
  for attempt in 1 2 3; do
    if apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; then
      break
    fi
    if [ "$attempt" = 3 ]; then
      echo "apt-get failed three times" >&2
      exit 1
    fi
    echo "apt-get failed; retrying in 10 s" >&2
    sleep 10
  done
  cleanup_policy
  trap - EXIT
else
  say "system packages: all present"
fi

# The docker CLI the tests drive: Docker 28 in /usr/local/bin if the machine has it, else
# Debian's docker.io CLI (20.10, API 1.41, which berthd serves by version negotiation).
if [ -x /usr/local/bin/docker ]; then
  say "docker CLI: $(/usr/local/bin/docker --version)"
else
  say "docker CLI: /usr/local/bin/docker absent; using $(command -v docker) ($(docker --version 2>/dev/null || echo '?'))"
fi

if [ "${BERTH_SKIP_NPM:-}" != 1 ]; then
  if [ ! -x node_modules/.bin/node ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "npm ci (system node $(node --version 2>/dev/null || echo none), npm $(npm --version 2>/dev/null || echo none))"
    for attempt in 1 2 3; do
      # The lock names every platform's optional node-unix-socket package (the other platforms' as
      # entries without a tarball), so npm ci accepts it as committed; never fall back to npm install.
      if npm ci --no-audit --no-fund; then break; fi
      if [ "$attempt" = 3 ]; then echo "npm ci failed three times" >&2; exit 1; fi
      echo "npm ci failed; retrying in 10 s" >&2
      sleep 10
    done
  else
    say "node_modules: up to date"
  fi
  say "Berth's node: $(bin/node --version)"
fi
# (npm ci runs it as the prepare script; again here for a node_modules that was up to date)
if [ ! -x native/berth-exec ] || [ -n "$(find native -name '*.[ch]' -newer native/berth-exec)" ]; then
  say "native/berth-exec"
  sh native/build.sh
fi
