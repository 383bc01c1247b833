// Build contexts: identical small contexts are unpacked once and shared; changed ones are new.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ContextStore } from '../../../src/build/context-store.ts';
import { tarBuffer } from '../../helpers/images.ts';

test('an identical context is reused; a changed one is unpacked afresh', async () => {
  const disk = fs.mkdtempSync(path.join(os.tmpdir(), 'ctx-'));
  const store = new ContextStore(disk);
  const a = await tarBuffer([{ name: 'Dockerfile', content: 'FROM scratch\n' }, { name: 'f.txt', content: 'one\n' }]);
  const b = await tarBuffer([{ name: 'Dockerfile', content: 'FROM scratch\n' }, { name: 'f.txt', content: 'two\n' }]);
  const first = await store.unpack(Readable.from([a]), disk);
  assert.equal(fs.readFileSync(path.join(first.dir, 'f.txt'), 'utf8'), 'one\n');
  first.release();
  const again = await store.unpack(Readable.from([a]), disk);
  assert.equal(again.dir, first.dir, 'the same bytes reuse the unpacked directory');
  const changed = await store.unpack(Readable.from([b]), disk);
  assert.notEqual(changed.dir, first.dir);
  assert.equal(fs.readFileSync(path.join(changed.dir, 'f.txt'), 'utf8'), 'two\n');
  again.release();
  changed.release();
  // a context whose names climb out lands inside it, as dockerd's chrooted unpack puts it
  const bad = await tarBuffer([{ name: '../../escape.txt', content: 'x' }, { name: 'up', type: 'symlink', linkname: '../../..' }, { name: 'up/escape2.txt', content: 'y' }]);
  const contained = await store.unpack(Readable.from([bad]), disk);
  assert.equal(fs.readFileSync(path.join(contained.dir, 'escape.txt'), 'utf8'), 'x');
  assert.equal(fs.readFileSync(path.join(contained.dir, 'escape2.txt'), 'utf8'), 'y');
  assert.equal(fs.readlinkSync(path.join(contained.dir, 'up')), '../../..');
  assert.ok(!fs.existsSync(path.join(path.dirname(disk), 'escape.txt')) && !fs.existsSync(path.join(path.dirname(disk), 'escape2.txt')));
  contained.release();
  store.close();
  fs.rmSync(disk, { recursive: true, force: true });
});

test("a daemon's contexts left in memory by a killed predecessor are removed at start", async () => {
  const disk = fs.mkdtempSync(path.join(os.tmpdir(), 'ctx-'));
  const killed = new ContextStore(disk);
  const ctx = await killed.unpack(Readable.from([await tarBuffer([{ name: 'Dockerfile', content: 'FROM scratch\n' }])]), disk);
  ctx.release();
  assert.ok(fs.existsSync(ctx.dir));
  // (no close(): the daemon was killed) — the next daemon on the same data root starts
  const next = new ContextStore(disk);
  assert.ok(!fs.existsSync(ctx.dir), 'the leftover context is gone');
  next.close();
  fs.rmSync(disk, { recursive: true, force: true });
});
