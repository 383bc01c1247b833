// The default seccomp profile as current Docker's: an allow list. A static probe compiled here
// (gcc -static) makes system calls in a container and prints what each returned: io_uring
// refused, an unknown system call number refused (ENOSYS: runc answers numbers beyond the
// profile's with ENOSYS), a call not on the list refused with EPERM, the 32-bit personality
// allowed and other personalities refused; with seccomp=unconfined the same calls go through.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok } from '../helpers/util.ts';

const PROBE_C = String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
static void report(const char *what, long r) {
  if (r < 0) printf("%s errno %d\n", what, errno);
  else printf("%s ok\n", what);
}
int main(void) {
  unsigned char params[120] = {0};
  long fd = syscall(__NR_io_uring_setup, 2, params);
  report("io_uring_setup", fd);
  if (fd >= 0) close((int)fd);
  report("syscall_999", syscall(999));
  report("keyctl", syscall(SYS_keyctl, 0, -3, 0));
  report("personality_linux32", personality(PER_LINUX32));
  report("personality_read_implies_exec", personality(READ_IMPLIES_EXEC));
  personality(PER_LINUX);
  report("unshare_user", syscall(SYS_unshare, CLONE_NEWUSER));
  report("getpid", syscall(SYS_getpid));
  return 0;
}
`;

const noGcc = spawnSync('sh', ['-c', 'command -v gcc']).status !== 0 ? 'gcc is not installed' : false;

function results(out: string): Record<string, string> {
  return Object.fromEntries(out.trim().split('\n').map((l) => [l.split(' ')[0]!, l.split(' ').slice(1).join(' ')]));
}

describe('default seccomp profile', SUITE(e2eSkipReason() || noGcc), () => {
  const t = e2e();
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-seccomp-'));
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, 'probe.c'), PROBE_C);
    const cc = spawnSync('gcc', ['-static', '-O2', '-o', path.join(dir, 'probe'), path.join(dir, 'probe.c')], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`gcc -static failed: ${cc.stderr}`);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const probe = async (extra: string[]) => results(ok(await docker(t.d.env, ['run', '--rm', ...extra, '-v', `${dir}:/probe:ro`, t.image, '/probe/probe'])));

  test('io_uring and unknown system calls are refused, personality by value, as current Docker', T, async () => {
    const r = await probe([]);
    // dockerd 20.10's profile still allows io_uring (io_uring_setup succeeds there); Docker's
    // profile refuses it since 25.0 (moby commit 891241e7 "seccomp: block io_uring_* syscalls")
    if (!REAL_DOCKER) assert.equal(r.io_uring_setup, 'errno 1', 'io_uring_setup is refused with EPERM');
    assert.equal(r.syscall_999, 'errno 38', 'a system call newer than the profile gets ENOSYS');
    assert.equal(r.keyctl, 'errno 1', 'a known call not on the allow list gets EPERM');
    assert.equal(r.personality_linux32, 'ok');
    assert.equal(r.personality_read_implies_exec, 'errno 1');
    assert.equal(r.unshare_user, 'errno 1');
    assert.equal(r.getpid, 'ok');
    // the capability that makes them legitimate opens the namespace calls
    const admin = await probe(['--cap-add', 'SYS_ADMIN']);
    assert.equal(admin.unshare_user, 'ok');
    assert.equal(admin.keyctl, 'errno 1');
  });

  test('seccomp=unconfined lets the same calls through to the kernel', T, async () => {
    const r = await probe(['--security-opt', 'seccomp=unconfined']);
    assert.notEqual(r.io_uring_setup, 'errno 1');
    assert.equal(r.syscall_999, 'errno 38');
    assert.equal(r.personality_read_implies_exec, 'ok');
    assert.equal(r.unshare_user, 'ok');
  });
});
