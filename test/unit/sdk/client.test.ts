// The client against a fake daemon on a unix socket: version negotiation, errors, hijacking.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Socket } from 'node:net';
import { Client, ApiError, DaemonUnreachableError, stdCopy, encodeFrame, STDOUT, STDERR } from '../../../src/sdk/index.ts';
import { PassThrough } from 'node:stream';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sdk-'));
const sock = path.join(dir, 'd.sock');
const seen: string[] = [];
let server: http.Server;

before(async () => {
  server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url === '/_ping') {
      res.writeHead(200, { 'Api-Version': '1.41', OSType: 'linux' });
      return res.end('OK');
    }
    if (req.url === '/v1.41/containers/nope/json') {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      return res.end('{"message":"No such container: nope"}\n');
    }
    if (req.url?.startsWith('/v1.41/containers/json')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify([{ Id: 'abc', Names: ['/x'] }]));
    }
    if (req.url === '/v1.41/containers/c1/wait?condition=next-exit') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      setTimeout(() => res.end('{"StatusCode":3}\n'), 50);
      return;
    }
    res.writeHead(404);
    res.end();
  });
  server.on('upgrade', (req, socket: Socket, head: Buffer) => {
    seen.push(`${req.method} ${req.url} upgrade=${req.headers.upgrade}`);
    socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    socket.write(encodeFrame(STDERR, 'ready\n'));
    const input: Buffer[] = [head];
    socket.on('data', (c: Buffer) => input.push(c));
    socket.on('end', () => {
      // stdin was half-closed: answer with what we got, then close.
      socket.end(encodeFrame(STDOUT, `got:${Buffer.concat(input).toString()}`));
    });
  });
  await new Promise<void>((r) => server.listen(sock, r));
});

after(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('negotiates min(client, server) version and prefixes requests', async () => {
  const c = new Client({ host: `unix://${sock}` });
  try {
    assert.equal(await c.apiVersion(), '1.41');
    const list = await c.containers.list({ all: true });
    assert.equal(list[0].Id, 'abc');
    assert.ok(seen.includes('GET /v1.41/containers/json?all=1'));
  } finally {
    c.close();
  }
});

test('errors carry the status code and the daemon message', async () => {
  const c = new Client({ host: `unix://${sock}` });
  try {
    await assert.rejects(c.containers.inspect('nope'), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.statusCode, 404);
      assert.equal(e.reason, 'No such container: nope');
      assert.equal(e.message, 'Error response from daemon: No such container: nope');
      return true;
    });
  } finally {
    c.close();
  }
});

test('beginWait resolves once registered, then gives the exit code', async () => {
  const c = new Client({ host: `unix://${sock}` });
  try {
    const w = await c.containers.beginWait('c1', 'next-exit');
    assert.deepEqual(await w.result, { StatusCode: 3 });
  } finally {
    c.close();
  }
});

test('hijacked attach: raw bidirectional stream with stdin half-close', async () => {
  const c = new Client({ host: `unix://${sock}` });
  try {
    const h = await c.containers.attach('c1', { stdin: true, stdout: true, stderr: true });
    assert.equal(h.contentType, 'application/vnd.docker.multiplexed-stream');
    const out = new PassThrough();
    const err = new PassThrough();
    const outText: Buffer[] = [];
    const errText: Buffer[] = [];
    out.on('data', (b: Buffer) => outText.push(b));
    err.on('data', (b: Buffer) => errText.push(b));
    const copying = stdCopy(h.output, out, err);
    h.socket.write('hello ');
    h.socket.write('daemon');
    h.closeWrite();
    await copying;
    assert.equal(Buffer.concat(outText).toString(), 'got:hello daemon');
    assert.equal(Buffer.concat(errText).toString(), 'ready\n');
    assert.ok(seen.some((s) => s.startsWith('POST /v1.41/containers/c1/attach?stream=1&stdin=1&stdout=1&stderr=1 upgrade=tcp')));
  } finally {
    c.close();
  }
});

test('nothing listening: DaemonUnreachableError with docker-like text', async () => {
  const c = new Client({ host: `unix://${dir}/missing.sock` });
  try {
    await assert.rejects(c.ping(), (e: unknown) => {
      assert.ok(e instanceof DaemonUnreachableError);
      assert.equal(e.message, `Cannot connect to the Berth daemon at unix://${dir}/missing.sock. Is the daemon running?`);
      return true;
    });
  } finally {
    c.close();
  }
});
