// Programs run through the spawner shell behave as spawned ones: arguments passed word for word,
// exit status, output, working directory, timeouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Spawner, shellQuote } from '../../../src/util/spawner.ts';
import { run, useSpawner, closeSpawner } from '../../../src/util/exec.ts';

test('shellQuote keeps every character of a word', () => {
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellQuote(''), "''");
});

test('the spawner runs programs with their arguments, status, output and directory', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spawner-'));
  const sp = new Spawner(path.join(dir, 'out'));
  try {
    const odd = ["a b", "it's", '$HOME', '`id`', '"q"', '\\', 'new\nline', '*', ''];
    const r = await sp.run('printf', ['%s|', ...odd]).done;
    assert.deepEqual(r, { code: 0, stdout: odd.map((a) => `${a}|`).join(''), stderr: '' });
    const f = await sp.run('sh', ['-c', 'echo oops >&2; exit 3']).done;
    assert.deepEqual(f, { code: 3, stdout: '', stderr: 'oops\n' });
    assert.equal((await sp.run('pwd', [], { cwd: dir }).done).stdout.trim(), fs.realpathSync(dir));
    // at once, in any order
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => sp.run('sh', ['-c', `sleep 0.0${i % 5}; echo ${i}`]).done));
    assert.deepEqual(many.map((m) => m.stdout.trim()), Array.from({ length: 20 }, (_, i) => String(i)));
    const { started, done } = sp.run('sleep', ['5']);
    process.kill(await started, 'SIGKILL');
    assert.equal((await done).code, 137);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'out')), []);
  } finally {
    sp.close();
    assert.deepEqual(fs.readdirSync(path.join(dir, 'out')), []);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('run() goes through the spawner once enabled, with the same results and errors', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spawner-'));
  useSpawner(dir);
  try {
    assert.equal((await run('echo', ['hi'])).stdout, 'hi\n');
    await assert.rejects(run('sh', ['-c', 'echo bad >&2; exit 2']), /sh -c failed \(exit 2\): bad/);
    assert.equal((await run('sh', ['-c', 'exit 4'], { allowFailure: true })).code, 4);
    await assert.rejects(run('sleep', ['5'], { timeoutMs: 100 }), /timed out after 100 ms/);
    await assert.rejects(run('no-such-program-here', []), /ENOENT/);
    assert.equal((await run('cat', [], { input: 'in' })).stdout, 'in');
  } finally {
    closeSpawner();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a monitor started by the spawner writes to its fifo as to a pipe, with a clean environment and default signals', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spawner-'));
  const sp = new Spawner(path.join(dir, 'out'));
  try {
    if (!sp.pipesSupported()) return t.skip('env(1) cannot reset signals here');
    const { pipes, done } = sp.startWithPipes('sh', ['-c', 'echo "{\\"data\\": 42}" >&3; env >&2; grep SigIgn /proc/self/status >&2'], { fds: [3], env: { PATH: process.env.PATH!, _OCI_SYNCPIPE: '3' }, cwd: dir });
    const fd = (await pipes)?.get(3);
    assert.ok(fd !== undefined);
    const text = await new Promise<string>((resolve) => {
      let s = '';
      const r = new net.Socket({ fd, readable: true, writable: false }).setEncoding('utf8');
      r.on('data', (c) => (s += c));
      r.on('end', () => resolve(s));
    });
    assert.equal(text, '{"data": 42}\n');
    const r = await done;
    assert.equal(r.code, 0);
    assert.match(r.stderr, /SigIgn:\s+0+\n/);
    assert.doesNotMatch(r.stderr, /HOME=/);
    assert.match(r.stderr, /_OCI_SYNCPIPE=3/);
    // a program that cannot start: no fifo, its exit status
    const bad = sp.startWithPipes('sh', ['-c', 'exit 0'], { fds: [3], env: {}, cwd: path.join(dir, 'missing') });
    assert.equal(await bad.pipes, undefined);
    assert.notEqual((await bad.done).code, 0);
    // (the spare fifos stay until the spawner closes)
    assert.deepEqual(fs.readdirSync(path.join(dir, 'out')).filter((n) => !n.startsWith('fifo-')), []);
    // several at once, each with its own pipes
    const many = await Promise.all(
      Array.from({ length: 15 }, async (_, i) => {
        const m = sp.startWithPipes('sh', ['-c', `echo out${i}; echo err${i} >&2`], { fds: [1, 2], cwd: dir });
        const fds = (await m.pipes)!;
        const read = (fd: number) =>
          new Promise<string>((resolve) => {
            let s = '';
            const r = new net.Socket({ fd, readable: true, writable: false }).setEncoding('utf8');
            r.on('data', (c) => (s += c));
            r.on('end', () => resolve(s));
          });
        return [await read(fds.get(1)!), await read(fds.get(2)!), (await m.done).code];
      }),
    );
    assert.deepEqual(many, Array.from({ length: 15 }, (_, i) => [`out${i}\n`, `err${i}\n`, 0]));
  } finally {
    sp.close();
    assert.deepEqual(fs.readdirSync(path.join(dir, 'out')), []);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a sealed program that is gone: the shell starts alone and runs the programs', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spawner-'));
  const sp = new Spawner(path.join(dir, 'out'), { sealed: path.join(dir, 'no-such-helper') });
  try {
    assert.deepEqual(await sp.run('echo', ['hi']).done, { code: 0, stdout: 'hi\n', stderr: '' });
  } finally {
    sp.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
