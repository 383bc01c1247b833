// A body the handler left unread: read on when little is left (the connection serves the next
// request), else the connection is closed after the answer, so the client's upload ends instead of stalling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { settleUnreadBody } from '../../../src/api/unread-body.ts';

const MB = 1024 * 1024;

/** A server whose handler reads `readFirst` bytes of the body (through an async iterator, as the
 * build context store does), then answers 400 and leaves the rest. */
async function server(readFirst: number): Promise<{ socket: string; close(): Promise<void>; connections: () => number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unread-'));
  const socket = path.join(dir, 's');
  let connections = 0;
  const srv = http.createServer(async (req, res) => {
    settleUnreadBody(req, res);
    const it = req[Symbol.asyncIterator]();
    for (let n = 0; n < readFirst; ) {
      const r = await it.next();
      if (r.done) break;
      n += (r.value as Buffer).length;
    }
    res.writeHead(400, { 'Content-Type': 'application/json' });
    res.end('{"message":"bad archive"}\n');
  });
  srv.on('connection', () => connections++);
  await new Promise<void>((r) => srv.listen(socket, r));
  return {
    socket,
    connections: () => connections,
    close: () => new Promise<void>((r) => {
      srv.closeAllConnections();
      srv.close(() => {
        fs.rmSync(dir, { recursive: true, force: true });
        r();
      });
    }),
  };
}

/**
 * A raw HTTP/1.1 client on one connection, as Go's (the docker CLI's) behaves: it goes on sending a
 * body after the answer came. `send` POSTs `size` bytes and answers the status once the answer is
 * in, and when the upload ended (all written, or the connection gone).
 */
function client(socket: string) {
  const conn = net.connect(socket);
  conn.on('error', () => {});
  let received = '';
  const waiting: (() => void)[] = [];
  conn.on('data', (c) => {
    received += c;
    for (const w of waiting.splice(0)) w();
  });
  conn.on('close', () => {
    for (const w of waiting.splice(0)) w();
  });
  return {
    conn,
    async send(size: number): Promise<{ status: number; uploadEnded: Promise<void> }> {
      const start = received.length;
      conn.write(`POST /build HTTP/1.1\r\nHost: berth\r\nContent-Length: ${size}\r\n\r\n`);
      const uploadEnded = (async () => {
        const chunk = Buffer.alloc(64 * 1024);
        for (let sent = 0; sent < size && !conn.destroyed; sent += chunk.length) {
          const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
          if (!conn.write(part)) await new Promise<void>((r) => (conn.once('drain', r), conn.once('close', r)));
        }
      })();
      // the answer: headers and the body this server sends
      while (!received.slice(start).includes('bad archive')) {
        if (conn.destroyed) throw new Error('connection closed before the answer');
        await new Promise<void>((r) => waiting.push(r));
      }
      return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(received.slice(start))?.[1]), uploadEnded };
    },
  };
}

test('an answer given half-way through a big body closes the connection: the upload ends, it does not stall', { timeout: 20_000 }, async () => {
  const s = await server(1 * MB);
  const c = client(s.socket);
  try {
    const r = await c.send(200 * MB);
    assert.equal(r.status, 400);
    const stalled = await Promise.race([r.uploadEnded.then(() => false), new Promise<boolean>((res) => setTimeout(() => res(true), 5000).unref())]);
    assert.equal(stalled, false, 'the upload ended within 5 s of the answer');
  } finally {
    c.conn.destroy();
    await s.close();
  }
});

test('a little left unread is read on: the connection carries the next request', { timeout: 20_000 }, async () => {
  const s = await server(64 * 1024);
  const c = client(s.socket);
  try {
    const a = await c.send(200 * 1024);
    await a.uploadEnded;
    assert.equal(a.status, 400);
    const b = await c.send(1024);
    assert.equal(b.status, 400);
    assert.equal(s.connections(), 1, 'one connection for both requests');
  } finally {
    c.conn.destroy();
    await s.close();
  }
});
