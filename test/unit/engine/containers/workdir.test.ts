// workdir.ts: the working directory is made inside the container's root, through the image's symlinks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeWorkingDir } from '../../../../src/engine/containers/workdir.ts';

test('symlinks (absolute, dangling, relative) and .. resolve inside the root; a file on the way is refused', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-'));
  const root = path.join(base, 'root');
  const host = path.join(base, 'host');
  try {
    fs.mkdirSync(path.join(root, 'target'), { recursive: true });
    fs.mkdirSync(host);
    fs.symlinkSync('/target', path.join(root, 'some'));
    fs.symlinkSync(host, path.join(root, 'abs')); // a host path the root lacks
    fs.symlinkSync('../../../..' + host, path.join(root, 'target', 'up'));
    fs.writeFileSync(path.join(root, 'target', 'f'), 'x');
    makeWorkingDir(root, '/some/a/b');
    assert.ok(fs.statSync(path.join(root, 'target/a/b')).isDirectory());
    makeWorkingDir(root, '/abs/dir');
    makeWorkingDir(root, '/some/up/dir2');
    makeWorkingDir(root, '/../../x');
    assert.ok(fs.statSync(path.join(root, host, 'dir')).isDirectory());
    assert.ok(fs.statSync(path.join(root, host, 'dir2')).isDirectory());
    assert.ok(fs.statSync(path.join(root, 'x')).isDirectory());
    assert.deepEqual(fs.readdirSync(host), [], 'nothing on the host');
    makeWorkingDir(root, '/some'); // exists: nothing to do
    makeWorkingDir(root, '/');
    assert.throws(() => makeWorkingDir(root, '/some/f'), /Cannot mkdir: \/some\/f is not a directory/);
    assert.throws(() => makeWorkingDir(root, '/some/f/g'), /Cannot mkdir: \/some\/f\/g is not a directory/);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});
