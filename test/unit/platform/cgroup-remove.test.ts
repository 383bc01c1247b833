// Removing a stopped container's cgroups in place of runc delete: a cgroup with child cgroups goes
// with them, an empty one with one rmdir, a missing one is no error, a busy one is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { removeCgroup } from '../../../src/platform/linux/cgroup-remove.ts';

/** A writable cgroup hierarchy of this host (v1 pids, or the v2 root), or undefined. */
function hierarchy(): string | undefined {
  for (const h of ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
    const probe = `${h}/berth-unit-probe-${process.pid}`;
    try {
      fs.mkdirSync(probe);
      fs.rmdirSync(probe);
      return h;
    } catch {
      // not a cgroup hierarchy we may write to
    }
  }
  return undefined;
}

const root = process.getuid?.() === 0 ? hierarchy() : undefined;

test('a cgroup goes with its child cgroups; an empty one and a missing one are fine', { skip: !root && 'needs a writable cgroup hierarchy (root)' }, async () => {
  const d = `${root}/berth-unit-${process.pid}`;
  fs.mkdirSync(`${d}/a/b`, { recursive: true });
  fs.mkdirSync(`${d}/c`);
  assert.equal(await removeCgroup(d), true);
  assert.equal(fs.existsSync(d), false);
  fs.mkdirSync(d);
  assert.equal(await removeCgroup(d), true);
  assert.equal(fs.existsSync(d), false);
  assert.equal(await removeCgroup(d), true);
});

test('a cgroup with a process in it stays, and says so', { skip: !root && 'needs a writable cgroup hierarchy (root)' }, async () => {
  const d = `${root}/berth-unit-busy-${process.pid}`;
  fs.mkdirSync(`${d}/child`, { recursive: true });
  const p = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    fs.writeFileSync(`${d}/child/cgroup.procs`, String(p.pid));
    assert.equal(await removeCgroup(d), false);
    assert.equal(fs.existsSync(`${d}/child`), true);
  } finally {
    p.kill('SIGKILL');
    await new Promise((r) => p.once('exit', r));
    // the kernel lets go of the cgroup shortly after the process is reaped
    for (let i = 0; i < 50 && !(await removeCgroup(d)); i++) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(fs.existsSync(d), false);
});
