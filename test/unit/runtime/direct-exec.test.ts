// An exec without stdin started by the daemon's spawner shell (direct-exec.ts), against the real
// runc with a busybox rootfs: its stdout and stderr come through fifos, its exit status through the
// shell. Needs root.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { RuncDriver } from '../../../src/runtime/runc-driver.ts';
import type { AttachSession, ExecSpec } from '../../../src/runtime/types.ts';
import { useSpawner, closeSpawner, activeSpawner, run } from '../../../src/util/exec.ts';
import { fastExecHelper } from '../../../src/runtime/fast-exec.ts';
import { makeBusyboxRootfs, tempDir, runSpec, testId } from './rootfs.ts';

const canRun = process.getuid?.() === 0 && fs.existsSync('/bin/busybox');
const skip = canRun ? false : 'needs root and /bin/busybox';

let base: string;
let rootfs: string;
let driver: RuncDriver;
let id: string;
const exits = new Map<string, () => void>();

// (in a describe: with --experimental-test-isolation=none, as npm test runs, a file's top-level hooks
// belong to the whole run, and the container would be long gone when these tests come)
describe('an exec started by the spawner shell', () => {
  before(async () => {
    if (!canRun) return;
    base = tempDir('berth-direct-exec-');
    rootfs = makeBusyboxRootfs(base);
    // (as the daemon has it: the shell holds the helper's sealed copy)
    useSpawner(path.join(base, 'spawn'), { sealed: fastExecHelper() ?? undefined });
    driver = new RuncDriver({ root: path.join(base, 'runtime'), runcRoot: path.join(base, 'runc') });
    driver.onExit((exitedId) => exits.get(exitedId)?.());
    const s = runSpec(base, rootfs, { args: ['sleep', '100'] });
    id = s.id;
    await driver.create(s);
    await driver.start(id);
  });

  after(async () => {
    if (!canRun) return;
    await driver.delete(id, true).catch(() => {});
    driver.close();
    closeSpawner();
    fs.rmSync(base, { recursive: true, force: true });
  });

  const execSpec = (over: Partial<ExecSpec>): ExecSpec => ({ execId: testId(), args: ['true'], env: [], cwd: '/', user: '', tty: false, openStdin: false, privileged: false, ...over });

  function collect(session: AttachSession): { out: () => string; ended: Promise<void> } {
    let out = '';
    session.onData((stream, data) => (out += (stream === 'stderr' ? 'E:' : '') + data.toString()));
    return { out: () => out, ended: new Promise((r) => session.onEnd(r)) };
  }

  test('the spawner can hand over pipes here (else the Node path is what runs)', { skip }, () => {
    assert.equal(activeSpawner()?.pipesSupported(), true);
  });

  test('streams apart, exit code, signals at their defaults in the process', { skip }, async () => {
    const h = await driver.exec(id, execSpec({ args: ['sh', '-c', 'echo out; echo err >&2; grep SigIgn /proc/self/status; exit 7'] }));
    assert.ok(h.pid > 0);
    const c = collect(h.attach);
    assert.equal(await h.exited, 7);
    await c.ended;
    // (two pipes: their order between each other is not kept)
    assert.match(c.out(), /E:err\n/);
    assert.equal(c.out().replace('E:err\n', ''), 'out\nSigIgn:\t0000000000000000\n');
  });

  test('the helper runs from the sealed copy the shell holds, made once (CVE-2019-5736), and only it gets that copy', { skip: skip || (!fastExecHelper() && 'the exec helper is not built') }, async () => {
    const h = await driver.exec(id, execSpec({ args: ['sh', '-c', 'ls /proc/self/fd; sleep 5'] }));
    const c = collect(h.attach);
    try {
      const ppid = (p: number) => Number(/^PPid:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))![1]);
      const helper = ppid(h.pid);
      const shell = ppid(ppid(helper));
      assert.equal(fs.readlinkSync(`/proc/${helper}/exe`), '/memfd:berth-exec (deleted)');
      assert.equal(fs.statSync(`/proc/${helper}/exe`).ino, fs.statSync(`/proc/${shell}/fd/7`).ino);
      assert.match(fs.readFileSync(`/proc/${shell}/cmdline`, 'utf8'), /^\/bin\/sh\0-s\0--\0.*\0\/dev\/fd\/7\0$/);
      // (its listing first: killed before it ran, it would have written nothing)
      for (let i = 0; i < 100 && !c.out().endsWith('\n3\n'); i++) await new Promise((r) => setTimeout(r, 20));
    } finally {
      h.kill?.('SIGKILL');
      await h.exited;
      await c.ended;
    }
    // (the process's own descriptors: 0-2 and ls's directory)
    assert.equal(c.out(), '0\n1\n2\n3\n');
    const other = await run('sh', ['-c', 'ls /proc/$$/fd']);
    assert.ok(!other.stdout.trim().split('\n').includes('7'), other.stdout);
  });

  test('killed by a signal: 128+n, as dockerd reports it', { skip }, async () => {
    const h = await driver.exec(id, execSpec({ args: ['sh', '-c', 'kill -9 $$'] }));
    const c = collect(h.attach);
    assert.equal(await h.exited, 137);
    await c.ended;
  });

  test('output beyond a pipe\'s room, read before anyone listens (a detached exec)', { skip }, async () => {
    const h = await driver.exec(id, execSpec({ args: ['sh', '-c', 'yes 0123456789 | head -n 30000'] }));
    assert.equal(await h.exited, 0);
    const c = collect(h.attach);
    await c.ended;
    assert.equal(c.out().length, 30000 * 11);
  });

  test('a command that cannot run is runc\'s error, the exec of a stopped container a conflict', { skip }, async () => {
    await assert.rejects(driver.exec(id, execSpec({ args: ['nonexist'] })), /OCI runtime exec failed: .*executable file not found/);
    const s = runSpec(base, rootfs, { args: ['true'] });
    const exited = new Promise<void>((r) => exits.set(s.id, r));
    await driver.create(s);
    await driver.start(s.id);
    await exited;
    try {
      await assert.rejects(driver.exec(s.id, execSpec({})), /is not running/);
    } finally {
      await driver.delete(s.id, true).catch(() => {});
    }
  });
});
