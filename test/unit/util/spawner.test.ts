// Programs run through the spawner shell behave as spawned ones: arguments passed word for word,
// exit status, output, working directory, timeouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
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
