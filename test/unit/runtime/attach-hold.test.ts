// runtime/attach.ts: output held for a listener that paused, in memory then in a file, comes out
// whole and in order, and the end waits for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SeqpacketAttach, MAX_HELD } from '../../../src/runtime/attach.ts';

function fakeSocket() {
  const e = new EventEmitter() as EventEmitter & { destroy(): void; write(): void; end(): void };
  e.destroy = () => {};
  e.write = () => {};
  e.end = () => {};
  return e;
}
const packet = (stream: 2 | 3, i: number, size: number) => Buffer.concat([Buffer.from([stream]), Buffer.alloc(size, i % 251)]);

test('held output, past memory into the spool file, is delivered whole, in order, before the end', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attach-hold-'));
  const sock = fakeSocket();
  const a = new SeqpacketAttach(sock as never, dir);
  const got: [string, number, number][] = [];
  let ended = false;
  a.onData((s, d) => got.push([s, d[0], d.length]));
  a.onEnd(() => (ended = true));
  a.pause();
  const n = Math.ceil((3 * MAX_HELD) / 8192);
  for (let i = 0; i < n; i++) sock.emit('data', packet(i % 3 ? 2 : 3, i, 8192));
  sock.emit('end');
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(got.length, 0);
  assert.equal(ended, false, 'the end waits for what is held');
  // a listener that takes a few at a time
  let budget = 0;
  const cb = (s: string, d: Buffer) => {
    if (--budget <= 0) a.pause();
  };
  a.onData(cb);
  while (got.length < n) {
    budget = 100;
    a.resume();
  }
  assert.equal(got.length, n);
  for (let i = 0; i < n; i++) assert.deepEqual(got[i], [i % 3 ? 'stdout' : 'stderr', i % 251, 8192], `record ${i}`);
  assert.equal(a.dropped, 0);
  assert.equal(ended, true);
  // the file was unlinked as soon as it was made
  assert.deepEqual(fs.readdirSync(dir), []);
  fs.rmSync(dir, { recursive: true });
});

test('without a spool directory, output past the memory bound is dropped for that listener', async () => {
  const sock = fakeSocket();
  const a = new SeqpacketAttach(sock as never);
  let bytes = 0;
  a.onData((_s, d) => (bytes += d.length));
  a.pause();
  for (let i = 0; i < (2 * MAX_HELD) / 8192; i++) sock.emit('data', packet(2, i, 8192));
  a.resume();
  assert.equal(bytes, MAX_HELD);
  assert.equal(a.dropped, MAX_HELD);
});
