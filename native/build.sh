#!/bin/sh
# Builds native/berth-exec (the exec helper, see berth-exec.c) when gcc and libseccomp's headers are
# there; without them berthd runs every exec through runc, so a failure here is not fatal.
# Static when the static libraries are installed: no dynamic loading on every exec.
cd "$(dirname "$0")" || exit 0
if ! command -v gcc >/dev/null 2>&1 || [ ! -e /usr/include/seccomp.h ]; then
  echo "native/build.sh: gcc or libseccomp-dev missing; berthd will use runc exec" >&2
  exit 0
fi
flags="-s -O2 -Wall -Wextra -Wno-unused-parameter -D_FORTIFY_SOURCE=2"
gcc $flags -static -o berth-exec.tmp berth-exec.c exec-child.c exec-cgroup.c exec-seccomp.c exec-sealed.c -lseccomp 2>/dev/null ||
  gcc $flags -o berth-exec.tmp berth-exec.c exec-child.c exec-cgroup.c exec-seccomp.c exec-sealed.c -lseccomp || { echo "native/build.sh: build failed; berthd will use runc exec" >&2; rm -f berth-exec.tmp; exit 0; }
mv berth-exec.tmp berth-exec
