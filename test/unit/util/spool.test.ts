import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { spool } from '../../../src/util/spool.ts';

const chunks = (n: number, size: number) => Array.from({ length: n }, (_, i) => Buffer.alloc(size, 97 + (i % 26)));

test('spool: a small stream is read whole and given back from memory, nothing written', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-'));
  const parts = chunks(3, 10);
  let ended = false;
  const src = Readable.from(parts).on('end', () => (ended = true));
  const out = await spool(src, path.join(dir, 'sub'), 100);
  assert.equal(ended, true, 'the source is read to its end before spool() returns');
  assert.equal(await text(out), Buffer.concat(parts).toString());
  assert.equal(fs.existsSync(path.join(dir, 'sub')), false);
  assert.equal(await text(await spool(Readable.from([]), dir, 100)), '');
});

test('spool: past the memory limit the bytes go to an unlinked file and come back in order', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-'));
  const parts = chunks(40, 1000);
  const out = await spool(Readable.from(parts), dir, 5000);
  assert.deepEqual(fs.readdirSync(dir), [], 'no file is left in the directory');
  assert.equal(await text(out), Buffer.concat(parts).toString());
});

test("spool: the source's error is spool()'s", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-'));
  const src = new Readable({ read() {} });
  src.push(Buffer.alloc(10_000));
  setImmediate(() => src.destroy(new Error('read failed')));
  await assert.rejects(spool(src, dir, 100), /read failed/);
  assert.deepEqual(fs.readdirSync(dir), []);
});
