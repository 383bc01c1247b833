// The streaming server's limits, as the kubelet's streaming library (containerd's CRI) sets them: a
// connection idle in both directions for the idle timeout is closed (SPDY: its streams reset, GOAWAY;
// websocket: dropped), traffic either way keeps it open; at most 1000 unused URLs are held.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import { WebSocket } from 'ws';
import { StreamingServer } from '../../../../src/cri/streaming/server.ts';
import { STDOUT, type ChannelSession } from '../../../../src/cri/streaming/sessions.ts';
import { CriError } from '../../../../src/cri/errors.ts';
import { spdyConnect } from '../../../helpers/spdy-client.ts';

const IDLE_MS = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server with a short idle timeout and an exec URL whose session the test gets. */
async function serverWithExec(idleTimeoutMs = IDLE_MS) {
  const server = new StreamingServer({ idleTimeoutMs });
  await server.listen();
  let resolve!: (s: ChannelSession) => void;
  const session = new Promise<ChannelSession>((r) => (resolve = r));
  const url = server.url({ kind: 'exec', streams: { stdin: false, stdout: true, stderr: false, tty: false }, serve: resolve });
  return { server, url, session };
}

async function spdySession(url: string) {
  const { conn } = await spdyConnect(url, ['v4.channel.k8s.io']);
  const error = conn.open({ streamtype: ['error'] });
  const stdout = conn.open({ streamtype: ['stdout'] });
  await Promise.all([error.replied, stdout.replied]);
  const resets: boolean[] = [];
  stdout.onEnd((reset) => resets.push(reset));
  const closed = new Promise<number>((r) => conn.onClose(() => r(Date.now())));
  return { conn, stdout, resets, closed };
}

test('SPDY: an idle connection is closed after the idle timeout, its streams reset; the session sees the close', async () => {
  const { server, url, session } = await serverWithExec();
  try {
    const started = Date.now();
    const c = await spdySession(url);
    const s = await session;
    const sessionClosed = new Promise<void>((r) => s.onClose(() => r()));
    const at = await c.closed;
    await sessionClosed;
    assert.ok(at - started >= IDLE_MS - 50, `closed after ${at - started} ms`);
    assert.ok(at - started < IDLE_MS + 2000, `closed after ${at - started} ms`);
    assert.deepEqual(c.resets, [true]);
    assert.equal(s.open, false);
  } finally {
    await server.close();
  }
});

test('SPDY: output every 100 ms keeps the connection open past the idle timeout; silence then closes it', async () => {
  const { server, url, session } = await serverWithExec();
  try {
    const c = await spdySession(url);
    const s = await session;
    for (let i = 0; i < 8; i++) {
      s.send(STDOUT, `tick ${i}\n`);
      await sleep(100);
    }
    assert.equal(c.conn.isClosed, false, 'closed while output flowed');
    const quiet = Date.now();
    const at = await c.closed;
    assert.ok(at - quiet >= IDLE_MS - 150, `closed ${at - quiet} ms after the last output`);
  } finally {
    await server.close();
  }
});

test('websocket: an idle connection is dropped after the idle timeout', async () => {
  const { server, url, session } = await serverWithExec();
  try {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), ['v4.channel.k8s.io']);
    ws.on('error', () => {});
    const started = Date.now();
    const closed = new Promise<number>((r) => ws.on('close', () => r(Date.now())));
    const s = await session;
    const sessionClosed = new Promise<void>((r) => s.onClose(() => r()));
    const at = await closed;
    await sessionClosed;
    assert.ok(at - started >= IDLE_MS - 50 && at - started < IDLE_MS + 2000, `closed after ${at - started} ms`);
  } finally {
    await server.close();
  }
});

test('idle timeout 0: a connection stays open', async () => {
  const { server, url } = await serverWithExec(0);
  try {
    const c = await spdySession(url);
    await sleep(IDLE_MS * 2);
    assert.equal(c.conn.isClosed, false);
    c.conn.destroy();
  } finally {
    await server.close();
  }
});

test('at most 1000 unused URLs: then RESOURCE_EXHAUSTED, as the kubelet\'s request cache', async () => {
  const server = new StreamingServer();
  await server.listen();
  try {
    const h = { kind: 'portforward' as const, serve: () => {} };
    for (let i = 0; i < 1000; i++) server.url(h);
    assert.throws(() => server.url(h), (e: unknown) => e instanceof CriError && e.code === Status.RESOURCE_EXHAUSTED && e.message === 'maximum number of in-flight requests exceeded');
  } finally {
    await server.close();
  }
});
