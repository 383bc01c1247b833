// Berth's SPDY/3.1 framer: every frame type round-trips (also when the bytes arrive split), header
// blocks are a zlib stream primed with SPDY/3's dictionary that plain zlib can read, and two
// connections keep each other's flow-control windows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { duplexPair } from 'node:stream';
import { decode, encode, FrameReader, FLAG_FIN, Type, SETTINGS_INITIAL_WINDOW_SIZE, DEFAULT_WINDOW, type Frame, type Headers } from '../../../../src/cri/streaming/spdy/frames.ts';
import { HEADER_DICTIONARY, HeaderCompressor, HeaderDecompressor } from '../../../../src/cri/streaming/spdy/header-zlib.ts';
import { SpdyConnection } from '../../../../src/cri/streaming/spdy/connection.ts';

const frames: Array<Exclude<Frame, { type: 'unknown' }>> = [
  { type: 'data', streamId: 5, flags: FLAG_FIN, data: Buffer.from('hello') },
  { type: 'data', streamId: 0x7fffffff, flags: 0, data: Buffer.alloc(0) },
  { type: Type.SYN_STREAM, flags: 2, streamId: 3, associatedId: 1, priority: 7, block: Buffer.from([1, 2, 3]) },
  { type: Type.SYN_REPLY, flags: FLAG_FIN, streamId: 3, block: Buffer.from([4, 5]) },
  { type: Type.HEADERS, flags: 0, streamId: 9, block: Buffer.alloc(0) },
  { type: Type.RST_STREAM, flags: 0, streamId: 3, status: 5 },
  { type: Type.SETTINGS, flags: 1, settings: [{ flags: 0, id: SETTINGS_INITIAL_WINDOW_SIZE, value: 1 << 20 }, { flags: 1, id: 4, value: 100 }] },
  { type: Type.PING, flags: 0, id: 0xfffffffe },
  { type: Type.GOAWAY, flags: 0, lastGoodStreamId: 7, status: 2 },
  { type: Type.WINDOW_UPDATE, flags: 0, streamId: 0, delta: 0x7fffffff },
];

test('every frame type round-trips, whole and byte by byte', () => {
  for (const f of frames) assert.deepEqual(decode(encode(f)), f);
  const wire = Buffer.concat(frames.map(encode));
  const r = new FrameReader();
  const got: Frame[] = [];
  for (let i = 0; i < wire.length; i++) got.push(...r.push(wire.subarray(i, i + 1)));
  assert.deepEqual(got, frames);
});

test('control frames carry version 3; a frame of another version or an unknown type is skipped, not fatal', () => {
  const ping = encode({ type: Type.PING, flags: 0, id: 1 });
  assert.equal(ping.readUInt16BE(0), 0x8003);
  const v2 = Buffer.from(ping);
  v2.writeUInt16BE(0x8002, 0);
  assert.equal(decode(v2).type, 'unknown');
  const t42 = Buffer.from(ping);
  t42.writeUInt16BE(42, 2);
  assert.equal(decode(t42).type, 'unknown');
});

test("the header dictionary is SPDY/3's, byte for byte", () => {
  assert.equal(HEADER_DICTIONARY.length, 1423);
  assert.equal(crypto.createHash('sha256').update(HEADER_DICTIONARY).digest('hex'), '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
});

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

test('header blocks: one zlib stream with the dictionary, sync-flushed per block, readable by plain zlib', async () => {
  const c = new HeaderCompressor();
  const d = new HeaderDecompressor();
  const blocks: Headers[] = [{ streamtype: ['error'] }, { streamtype: ['data'], port: ['8080'], requestid: ['0'] }, { 'x-multi': ['a', 'b'] }, {}];
  const wire: Buffer[] = [];
  for (const h of blocks) {
    const b = await c.compress(h);
    wire.push(b);
    assert.deepEqual(await d.decompress(b), h);
  }
  // the zlib header says a dictionary is used (FDICT) and names it by its Adler-32
  assert.ok(wire[0]![1]! & 0x20, 'FDICT');
  assert.equal(wire[0]!.readUInt32BE(2), adler32(HEADER_DICTIONARY));
  // the dictionary makes a usual block small: "streamtype" costs a few bytes after the first time
  assert.ok(wire[1]!.length < 40, `second block ${wire[1]!.length} bytes`);
  // an independent inflate of the whole stream gives the blocks back, in order
  const plain = zlib.inflateSync(Buffer.concat(wire), { dictionary: HEADER_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  assert.equal(plain.readUInt32BE(0), 1);
  assert.match(plain.toString('latin1'), /streamtype.*error.*streamtype.*data.*port.*8080.*x-multi.*a\0b/s);
  await assert.rejects(d.decompress(Buffer.from('not zlib at all')));
  c.close();
  d.close();
});

async function pair(o: { clientSettings: boolean }) {
  const [a, b] = duplexPair();
  const server = new SpdyConnection(a, { server: true });
  const client = new SpdyConnection(b, { server: false });
  if (o.clientSettings) client.settings([{ id: SETTINGS_INITIAL_WINDOW_SIZE, value: DEFAULT_WINDOW }]);
  const accepted = new Promise<import('../../../../src/cri/streaming/spdy/connection.ts').SpdyStream>((resolve) =>
    server.onStream((s) => {
      server.reply(s);
      resolve(s);
    }),
  );
  const cs = client.open({ streamtype: ['stdout'] });
  assert.deepEqual(await cs.replied, {});
  const ss = await accepted;
  assert.equal(ss.header('streamType'), 'stdout');
  return { server, client, cs, ss };
}

const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms));

test('flow control: a sender stops at the 64 KiB window until the reader consumes and updates it', async () => {
  const { server, client, cs, ss } = await pair({ clientSettings: true });
  const big = crypto.randomBytes(200 * 1024);
  ss.write(big);
  ss.end();
  await tick();
  // nobody reads on the client yet: what arrived is held, and no more than the window was sent
  const early = (cs as unknown as { early: Buffer[] }).early;
  assert.equal(Buffer.concat(early).length, DEFAULT_WINDOW);
  const got: Buffer[] = [];
  const ended = new Promise<boolean>((r) => cs.onEnd(r));
  cs.onData((b) => got.push(Buffer.from(b)));
  assert.equal(await ended, false, 'ended by FIN, not reset');
  assert.ok(Buffer.concat(got).equals(big));
  client.destroy();
  server.destroy();
});

test("flow control: a peer that never says it keeps windows (Kubernetes' spdystream) is not held to them", async () => {
  const { server, client, cs, ss } = await pair({ clientSettings: false });
  ss.write(Buffer.alloc(300 * 1024, 1));
  await tick();
  assert.equal(Buffer.concat((cs as unknown as { early: Buffer[] }).early).length, 300 * 1024);
  client.destroy();
  server.destroy();
});

test('streams: half-close each way, data after the end dropped, reset ends both sides', async () => {
  const { server, client, cs, ss } = await pair({ clientSettings: true });
  const fromClient: Buffer[] = [];
  ss.onData((b) => fromClient.push(b));
  const serverSawEnd = new Promise<boolean>((r) => ss.onEnd(r));
  cs.write('in');
  cs.end();
  cs.write('ignored after end');
  assert.equal(await serverSawEnd, false);
  assert.equal(Buffer.concat(fromClient).toString(), 'in');
  // the other direction still works
  const fromServer: string[] = [];
  cs.onData((b) => fromServer.push(b.toString()));
  ss.write('out');
  await tick();
  assert.deepEqual(fromServer, ['out']);
  // a reset ends the peer's side at once
  const reset = new Promise<boolean>((r) => cs.onEnd(r));
  ss.reset();
  assert.equal(await reset, true);
  // a stream opened half-closed: its FIN follows its SYN_STREAM
  const next = new Promise<boolean>((resolve) => server.onStream((s) => (server.reply(s), s.onEnd(resolve))));
  const fin = client.open({ streamtype: ['error'] }, { fin: true });
  assert.equal(await next, false);
  await fin.replied;
  client.destroy();
  server.destroy();
});

test("the session: the peer's pings are echoed, a stream opened after GOAWAY is refused, garbage ends it", async () => {
  const [a, b] = duplexPair();
  const server = new SpdyConnection(a, { server: true });
  server.onStream((s) => server.reply(s));
  const seen: Frame[] = [];
  const r = new FrameReader();
  b.on('data', (x: Buffer) => seen.push(...r.push(x)));
  b.write(encode({ type: Type.PING, flags: 0, id: 1 }));
  b.write(encode({ type: Type.PING, flags: 0, id: 2 })); // an even id is the server's own: not echoed
  b.write(encode({ type: Type.GOAWAY, flags: 0, lastGoodStreamId: 0, status: 0 }));
  const hc = new HeaderCompressor();
  const block = await hc.compress({ streamtype: ['error'] });
  hc.close();
  b.write(encode({ type: Type.SYN_STREAM, flags: 0, streamId: 1, associatedId: 0, priority: 0, block }));
  await tick();
  assert.deepEqual(seen, [
    { type: Type.PING, flags: 0, id: 1 },
    { type: Type.RST_STREAM, flags: 0, streamId: 1, status: 3 },
  ]);
  let closed = false;
  server.onClose(() => (closed = true));
  b.write(encode({ type: Type.SYN_STREAM, flags: 0, streamId: 3, associatedId: 0, priority: 0, block: Buffer.from('garbage') }));
  await tick();
  assert.equal(seen.at(-1)?.type, Type.GOAWAY);
  assert.ok(closed);
});
