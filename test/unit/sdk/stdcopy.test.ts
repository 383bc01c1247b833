import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Demuxer, demuxBuffer, encodeFrame, stdCopy, STDOUT, STDERR, SYSTEMERR } from '../../../src/sdk/stdcopy.ts';

test('encodeFrame writes the 8-byte header', () => {
  const f = encodeFrame(STDERR, 'hi');
  assert.deepEqual([...f.subarray(0, 8)], [2, 0, 0, 0, 0, 0, 0, 2]);
  assert.equal(f.subarray(8).toString(), 'hi');
  const big = encodeFrame(STDOUT, Buffer.alloc(70000));
  assert.equal(big.readUInt32BE(4), 70000);
});

test('demuxBuffer splits frames, keeping same-stream frames apart', () => {
  const buf = Buffer.concat([encodeFrame(STDOUT, 'a'), encodeFrame(STDOUT, 'b'), encodeFrame(STDERR, 'err'), encodeFrame(STDOUT, '')]);
  const frames = demuxBuffer(buf).map((f) => [f.stream, f.data.toString()]);
  assert.deepEqual(frames, [
    [1, 'a'],
    [1, 'b'],
    [2, 'err'],
    [1, ''],
  ]);
});

test('Demuxer handles headers and payloads split at every byte', () => {
  const input = Buffer.concat([encodeFrame(STDOUT, 'hello '), encodeFrame(STDERR, 'oops'), encodeFrame(STDOUT, 'world')]);
  const out: Record<number, string> = { 1: '', 2: '' };
  const d = new Demuxer((s, data) => (out[s] += data.toString()));
  for (let i = 0; i < input.length; i++) d.feed(input.subarray(i, i + 1));
  assert.deepEqual(out, { 1: 'hello world', 2: 'oops' });
  assert.ok(d.idle);
});

test('Demuxer streams a large payload without waiting for all of it', () => {
  const payload = Buffer.alloc(1 << 20, 0x61);
  const framed = encodeFrame(STDOUT, payload);
  let got = 0;
  let calls = 0;
  const d = new Demuxer((_s, data) => {
    got += data.length;
    calls++;
  });
  d.feed(framed.subarray(0, 100));
  assert.equal(got, 92);
  d.feed(framed.subarray(100));
  assert.equal(got, payload.length);
  assert.equal(calls, 2);
});

test('Demuxer rejects an unknown stream id', () => {
  const bad = Buffer.from([9, 0, 0, 0, 0, 0, 0, 1, 65]);
  assert.throws(() => new Demuxer(() => {}).feed(bad), /Unrecognized input header: 9/);
});

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString() };
}

test('stdCopy routes stdout and stderr and resolves at the end', async () => {
  const src = new PassThrough();
  const out = sink();
  const err = sink();
  const done = stdCopy(src, out.stream, err.stream);
  src.write(Buffer.concat([encodeFrame(STDOUT, 'one\n'), encodeFrame(STDERR, 'two\n').subarray(0, 5)]));
  src.end(Buffer.concat([encodeFrame(STDERR, 'two\n').subarray(5), encodeFrame(STDOUT, 'three\n')]));
  const n = await done;
  assert.equal(n, 14);
  assert.equal(out.text(), 'one\nthree\n');
  assert.equal(err.text(), 'two\n');
});

test('stdCopy turns a systemerr frame into an error', async () => {
  const src = new PassThrough();
  const done = stdCopy(src, sink().stream, sink().stream);
  src.end(Buffer.concat([encodeFrame(STDOUT, 'x'), encodeFrame(SYSTEMERR, 'daemon broke')]));
  await assert.rejects(done, /daemon broke/);
});
