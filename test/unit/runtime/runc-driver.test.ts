// The runc driver against the real runc and conmon, with a busybox rootfs. Needs root.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { RuncDriver } from '../../../src/runtime/runc-driver.ts';
import type { RunSpec, LogEntry, LogOptions, AttachSession, ExecSpec } from '../../../src/runtime/types.ts';
import { makeBusyboxRootfs, tempDir, runSpec, testId } from './rootfs.ts';

const canRun = process.getuid?.() === 0 && fs.existsSync('/bin/busybox');
const skip = canRun ? false : 'needs root and /bin/busybox';

let base: string;
let rootfs: string;
let driver: RuncDriver;
const created = new Set<string>();
const exitWaiters = new Map<string, (code: number) => void>();
const exitCodes = new Map<string, number>();

before(() => {
  if (!canRun) return;
  base = tempDir('berth-runc-');
  rootfs = makeBusyboxRootfs(base);
  driver = new RuncDriver({ root: path.join(base, 'runtime'), runcRoot: path.join(base, 'runc') });
  driver.onExit((id, code) => {
    exitCodes.set(id, code);
    exitWaiters.get(id)?.(code);
  });
});

after(async () => {
  if (!canRun) return;
  for (const id of created) await driver.delete(id, true).catch(() => {});
  driver.close();
  fs.rmSync(base, { recursive: true, force: true });
});

function spec(over: Partial<RunSpec>): RunSpec {
  const s = runSpec(base, rootfs, over);
  created.add(s.id);
  return s;
}

function exitOf(id: string): Promise<number> {
  const known = exitCodes.get(id);
  if (known !== undefined) return Promise.resolve(known);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no exit for ${id}`)), 10_000);
    exitWaiters.set(id, (c) => {
      clearTimeout(t);
      resolve(c);
    });
  });
}

async function logsOf(s: RunSpec, opts: Partial<LogOptions> = {}): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of driver.logs(s.id, { driver: 'k8s-file', config: {}, path: s.logPath }, { follow: false, stdout: true, stderr: true, ...opts }, new AbortController().signal)) out.push(e);
  return out;
}

function collect(session: AttachSession): { out: () => string; ended: Promise<void> } {
  let out = '';
  session.onData((stream, data) => (out += (stream === 'stderr' ? 'E:' : '') + data.toString()));
  return { out: () => out, ended: new Promise((r) => session.onEnd(r)) };
}

async function runToExit(over: Partial<RunSpec>): Promise<{ s: RunSpec; code: number }> {
  const s = spec(over);
  const exited = exitOf(s.id);
  await driver.create(s);
  await driver.start(s.id);
  return { s, code: await exited };
}

const execSpec = (over: Partial<ExecSpec>): ExecSpec => ({ execId: testId(), args: ['true'], env: [], cwd: '/', user: '', tty: false, openStdin: false, privileged: false, ...over });

test('create, start, logs split by stream, exit code via onExit and exitCode()', { skip }, async () => {
  const s = spec({ args: ['sh', '-c', 'echo hi; echo err >&2; exit 3'] });
  const exited = exitOf(s.id);
  const { pid } = await driver.create(s);
  assert.ok(pid > 0);
  assert.equal((await driver.state(s.id))?.status, 'created');
  await driver.start(s.id);
  assert.equal(await exited, 3);
  const rec = driver.exitCode(s.id);
  assert.equal(rec?.code, 3);
  assert.ok(rec!.at.getTime() <= Date.now() && rec!.at.getTime() > Date.now() - 10_000);
  const logs = await logsOf(s);
  assert.deepEqual(logs.map((e) => [e.stream, e.data.toString()]), [['stdout', 'hi\n'], ['stderr', 'err\n']]);
  assert.match(logs[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  assert.deepEqual((await logsOf(s, { stderr: false })).map((e) => e.data.toString()), ['hi\n']);
  assert.deepEqual((await logsOf(s, { tail: 1 })).map((e) => e.data.toString()), ['err\n']);
  assert.equal((await driver.state(s.id))?.status, 'stopped');
  await driver.delete(s.id);
  assert.equal(await driver.state(s.id), undefined);
  assert.equal(driver.exitCode(s.id), undefined);
  assert.ok(!fs.existsSync(path.join(base, 'runc', s.id)));
  assert.ok(!fs.existsSync(s.stateDir));
  assert.ok(!fs.existsSync(`/sys/fs/cgroup/pids/berth/${s.id}`) && !fs.existsSync(`/sys/fs/cgroup/berth/${s.id}`));
});

test('attach with stdin: cat echoes, EOF ends it', { skip }, async () => {
  const s = spec({ args: ['cat'], openStdin: true, stdinOnce: true });
  const exited = exitOf(s.id);
  await driver.create(s);
  const session = await driver.attach(s.id);
  const c = collect(session);
  await driver.start(s.id);
  session.write(Buffer.from('hello\n'));
  session.write(Buffer.from('x'.repeat(100_000) + '\n'));
  await new Promise((r) => setTimeout(r, 100));
  session.endStdin();
  assert.equal(await exited, 0);
  await c.ended;
  assert.equal(c.out(), 'hello\n' + 'x'.repeat(100_000) + '\n');
});

test('stdin once: a detach closes stdin without a TTY, keeps it open with one', { skip }, async () => {
  const s = spec({ args: ['cat'], openStdin: true, stdinOnce: true });
  const exited = exitOf(s.id);
  await driver.create(s);
  await driver.start(s.id);
  const a = await driver.attach(s.id);
  a.write(Buffer.from('x\n'));
  await new Promise((r) => setTimeout(r, 50));
  a.close();
  assert.equal(await exited, 0);

  const t = spec({ args: ['sh', '-c', 'read a; echo A=$a; read b; echo B=$b'], openStdin: true, stdinOnce: true, tty: true });
  const exited2 = exitOf(t.id);
  await driver.create(t);
  await driver.start(t.id);
  const a1 = await driver.attach(t.id);
  a1.write(Buffer.from('one\r'));
  await new Promise((r) => setTimeout(r, 100));
  a1.close();
  const a2 = await driver.attach(t.id);
  const c = collect(a2);
  a2.write(Buffer.from('two\r'));
  assert.equal(await exited2, 0);
  await c.ended;
  assert.match(c.out(), /B=two/);
});

test('tty: resize reaches the terminal; output is one stream with CRLF', { skip }, async () => {
  const s = spec({ args: ['sh', '-c', 'stty size; sleep 0.3; stty size; echo err >&2'], tty: true, resources: { ConsoleSize: [24, 80] } });
  const exited = exitOf(s.id);
  await driver.create(s);
  const session = await driver.attach(s.id);
  const c = collect(session);
  await driver.start(s.id);
  await new Promise((r) => setTimeout(r, 100));
  await driver.resize(s.id, 40, 120);
  assert.equal(await exited, 0);
  await c.ended;
  assert.equal(c.out(), '24 80\r\n40 120\r\nerr\r\n');
  assert.deepEqual((await logsOf(s)).map((e) => e.stream), ['stdout', 'stdout', 'stdout']);
});

test('exec without tty: separate streams, exit code, user; with tty and stdin: resize and input', { skip }, async () => {
  const s = spec({ args: ['sleep', '100'], env: ['FOO=bar'] });
  await driver.create(s);
  await driver.start(s.id);

  const h = await driver.exec(s.id, execSpec({ args: ['sh', '-c', 'echo out; echo err >&2; echo $FOO $HOME; id -u; exit 7'], env: ['FOO=baz'], user: 'nobody' }));
  assert.ok(h.pid > 0);
  const c = collect(h.attach);
  assert.equal(await h.exited, 7);
  await c.ended;
  assert.match(c.out(), /E:err\n/);
  assert.equal(c.out().replace('E:err\n', ''), 'out\nbaz /home\n65534\n');

  const h2 = await driver.exec(s.id, execSpec({ args: ['sh', '-c', 'sleep 0.2; stty size; read x; echo got $x; exit 5'], tty: true, openStdin: true }));
  await h2.resize(20, 70);
  const c2 = collect(h2.attach);
  setTimeout(() => h2.attach.write(Buffer.from('abc\n')), 400);
  assert.equal(await h2.exited, 5);
  await c2.ended;
  assert.equal(c2.out(), '20 70\r\nabc\r\ngot abc\r\n');

  const h3 = await driver.exec(s.id, execSpec({ args: ['cat'], openStdin: true }));
  const c3 = collect(h3.attach);
  h3.attach.write(Buffer.from('piped\n'));
  h3.attach.endStdin();
  assert.equal(await h3.exited, 0);
  await c3.ended;
  assert.equal(c3.out(), 'piped\n');

  await assert.rejects(driver.exec(s.id, execSpec({ args: ['nonexist'] })), /OCI runtime exec failed: .*executable file not found/);
  await assert.rejects(driver.exec(s.id, execSpec({ user: 'nobody2' })), { message: 'unable to find user nobody2: no matching entries in passwd file' });
  // The exec's output is not in the container's log.
  assert.deepEqual(await logsOf(s), []);
});

test('kill with SIGKILL exits 137; pause and resume', { skip }, async () => {
  const s = spec({ args: ['sleep', '100'] });
  const exited = exitOf(s.id);
  await driver.create(s);
  await driver.start(s.id);
  assert.equal((await driver.state(s.id))?.status, 'running');
  const pids = await driver.pids(s.id);
  assert.equal(pids.length, 1);
  await driver.pause(s.id);
  assert.equal((await driver.state(s.id))?.status, 'paused');
  await driver.resume(s.id);
  assert.equal((await driver.state(s.id))?.status, 'running');
  await driver.kill(s.id, 'SIGKILL');
  assert.equal(await exited, 137);
  await assert.rejects(driver.kill(s.id, 'TERM'), (e: any) => e.kind === 'conflict');
  await assert.rejects(driver.kill(testId(), 9), (e: any) => e.kind === 'not-found');
});

test('user resolution: -u nobody, uid:gid, group-add', { skip }, async () => {
  const { s, code } = await runToExit({ args: ['id'], user: 'nobody' });
  assert.equal(code, 0);
  assert.equal((await logsOf(s))[0].data.toString(), 'uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n');
  const r2 = await runToExit({ args: ['sh', '-c', 'id -u; id -g; id -G; echo $HOME'], user: '1000:29', groupAdd: ['video'] });
  assert.deepEqual((await logsOf(r2.s)).map((e) => e.data.toString()), ['1000\n', '29\n', '29 44\n', '/home/user\n']);
  await assert.rejects(driver.create(spec({ user: 'nobody2' })), { message: 'unable to find user nobody2: no matching entries in passwd file' });
});

test('container environment: hostname, env defaults, capabilities, rlimits, network none', { skip }, async () => {
  const { s, code } = await runToExit({ args: ['sh', '-c', 'hostname; echo $PATH; ulimit -n; grep CapEff /proc/self/status; ip -o link | wc -l'], hostname: 'myhost' });
  assert.equal(code, 0);
  const out = (await logsOf(s)).map((e) => e.data.toString());
  assert.equal(out[0], 'myhost\n');
  assert.equal(out[1], '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n');
  const hardNofile = Number(/Max open files\s+\S+\s+(\S+)/.exec(fs.readFileSync('/proc/self/limits', 'utf8'))![1]);
  assert.equal(out[2], `${Math.min(1048576, hardNofile)}\n`);
  assert.equal(out[3], 'CapEff:\t00000000a80425fb\n');
  assert.equal(out[4].trim(), '1');
});

test('memory limit: the OOM killer ends the container and is reported', { skip }, async () => {
  const { s, code } = await runToExit({ args: ['sh', '-c', 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived'], resources: { Memory: 16 * 1024 * 1024, MemorySwap: 16 * 1024 * 1024 } });
  assert.equal(code, 137);
  assert.equal(driver.oomKilled(s.id), true);
  const ok = await runToExit({ args: ['true'] });
  assert.equal(driver.oomKilled(ok.s.id), false);
});

test('logs follow until the container exits', { skip }, async () => {
  const s = spec({ args: ['sh', '-c', 'for i in 1 2 3; do echo $i; sleep 0.1; done; printf end'] });
  await driver.create(s);
  const got: string[] = [];
  const reader = (async () => {
    for await (const e of driver.logs(s.id, { driver: 'k8s-file', config: {}, path: s.logPath }, { follow: true, stdout: true, stderr: true }, new AbortController().signal)) got.push(e.data.toString());
  })();
  await driver.start(s.id);
  await reader;
  assert.deepEqual(got, ['1\n', '2\n', '3\n', 'end']);
});

test('a command that cannot run fails create with runc\'s message', { skip }, async () => {
  const s = spec({ args: ['nonexist'] });
  await assert.rejects(driver.create(s), /OCI runtime create failed: .*exec: "nonexist": executable file not found in \$PATH/);
  await driver.delete(s.id, true);
});

test('recover: a new driver (daemon restart) sees the exit of a container started by the old one', { skip }, async () => {
  const s = spec({ args: ['sleep', '100'] });
  await driver.create(s);
  await driver.start(s.id);
  const d2 = new RuncDriver({ root: path.join(base, 'runtime'), runcRoot: path.join(base, 'runc') });
  try {
    const exit = new Promise<number>((r) => d2.onExit((id, code) => id === s.id && r(code)));
    assert.equal((await d2.state(s.id))?.status, 'running');
    d2.recover(s.id);
    await d2.kill(s.id, 'KILL', true);
    assert.equal(await exit, 137);
    assert.equal(d2.exitCode(s.id)?.code, 137);
  } finally {
    d2.close();
  }
});

test('timing: create + start + exit + delete of `true`', { skip }, async () => {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const { s, code } = await runToExit({ args: ['true'] });
    await driver.delete(s.id);
    times.push(performance.now() - t0);
    assert.equal(code, 0);
  }
  times.sort((a, b) => a - b);
  const median = times[2];
  process.stderr.write(`# runc driver: create+start+exit+delete of true: median ${median.toFixed(1)} ms (min ${times[0].toFixed(1)})\n`);
  assert.ok(median < 1000);
});
