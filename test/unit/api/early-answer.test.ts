// An answer given before the request's body was read (an early refusal) reaches the client: the
// connection is not closed under a client still writing its body, nor lost when the client closes
// its side before the body it announced is all there (dockerd answers both).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ApiServer } from '../../../src/api/server.ts';
import { unavailable } from '../../../src/errdefs.ts';

/** A raw request: the headers, then (after `delayMs`) the body; `shortBy`: announce more than is sent and close. */
function request(socket: string, body: Buffer, delayMs: number, shortBy = 0): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(socket);
    const got: Buffer[] = [];
    s.on('data', (d) => got.push(d));
    s.on('error', (e) => resolve(`error: ${e.message}`));
    s.on('close', () => resolve(Buffer.concat(got).toString()));
    s.on('connect', () => {
      s.write(`POST /v1.41/refuse HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length + shortBy}\r\n\r\n`);
      setTimeout(() => (shortBy ? s.end(body) : s.write(body)), delayMs);
    });
  });
}

test('an early answer waits for the body, and is given when the client stops short', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'early-'));
  const socket = path.join(dir, 'api.sock');
  const server = new ApiServer();
  server.router.post('/refuse', () => {
    throw unavailable('not now');
  });
  await server.prepare({ hosts: [`unix://${socket}`] } as Parameters<ApiServer['prepare']>[0]);
  await server.listen();
  try {
    const late = await request(socket, Buffer.from('{"x":1}'), 150);
    assert.match(late, /^HTTP\/1\.1 503 /, late);
    assert.match(late, /"message":"not now"/);
    const short = await request(socket, Buffer.from('{"x":1}'), 50, 100);
    assert.match(short, /^HTTP\/1\.1 503 /, short);
    // a body far larger than the discard limit does not hold the answer until its end
    const big = await request(socket, Buffer.alloc(4 << 20, 0x20), 0);
    assert.match(big, /^HTTP\/1\.1 503 |^error: /);
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
