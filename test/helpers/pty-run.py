#!/usr/bin/env python3
"""Runs a command on a new pseudo-terminal and follows a script of (expect, send) steps.

Reads a JSON spec on stdin: {"argv": [...], "steps": [{"expect": regex, "send": str, "delayMs": n}],
"timeout": seconds, "rows": n, "cols": n}. Prints one JSON object on stdout:
{"code": exit code or null, "output": what the terminal showed, "timedOut": bool, "failedStep": n}.
Used by test/helpers/docker.ts for `docker run -it` / `docker exec -it` tests.
"""
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time


def main():
    spec = json.load(sys.stdin)
    argv = spec["argv"]
    steps = spec.get("steps", [])
    deadline = time.monotonic() + float(spec.get("timeout", 30))
    rows, cols = int(spec.get("rows", 24)), int(spec.get("cols", 80))

    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        except Exception as e:  # noqa: BLE001
            os.write(2, ("exec failed: %s\n" % e).encode())
        os._exit(127)

    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    out = bytearray()
    pos = 0  # where the next expect starts looking
    step = 0
    status = None
    timed_out = False
    eof = False

    def pump(wait):
        nonlocal eof
        if eof:
            time.sleep(min(wait, 0.05))
            return
        r, _, _ = select.select([fd], [], [], wait)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                eof = True
            else:
                out.extend(data)

    while True:
        now = time.monotonic()
        if now >= deadline:
            timed_out = True
            break
        # run steps whose expectation is met
        while step < len(steps):
            s = steps[step]
            exp = s.get("expect")
            if exp:
                m = re.search(exp.encode(), bytes(out[pos:]))
                if not m:
                    break
                pos += m.end()
            if s.get("delayMs"):
                time.sleep(s["delayMs"] / 1000.0)
            if s.get("send") is not None:
                try:
                    os.write(fd, s["send"].encode())
                except OSError:
                    pass
            step += 1
        if status is None:
            p, st = os.waitpid(pid, os.WNOHANG)
            if p == pid:
                status = st
        if status is not None and (eof or step >= len(steps)):
            # drain what is left
            end = time.monotonic() + 0.5
            while not eof and time.monotonic() < end:
                pump(0.05)
            break
        pump(min(0.1, max(0.0, deadline - time.monotonic())))

    if status is None:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            _, status = os.waitpid(pid, 0)
        except OSError:
            status = None
    try:
        os.close(fd)
    except OSError:
        pass

    code = None
    if status is not None:
        if os.WIFEXITED(status):
            code = os.WEXITSTATUS(status)
        elif os.WIFSIGNALED(status):
            code = 128 + os.WTERMSIG(status)
    res = {"code": code, "output": out.decode("utf-8", "replace"), "timedOut": timed_out}
    if step < len(steps):
        res["failedStep"] = step
    json.dump(res, sys.stdout)


if __name__ == "__main__":
    main()
