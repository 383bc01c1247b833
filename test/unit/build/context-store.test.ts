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
  const store = new ContextStore();
  const disk = fs.mkdtempSync(path.join(os.tmpdir(), 'ctx-'));
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
  // a context that escapes is refused and nothing is kept
  const bad = await tarBuffer([{ name: '../../escape.txt', content: 'x' }]);
  await assert.rejects(store.unpack(Readable.from([bad]), disk), /outside/);
  fs.rmSync(disk, { recursive: true, force: true });
});
