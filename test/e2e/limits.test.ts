// End-to-end: the daemon's resources under large and abandoned requests. Ten 50 MB request bodies
// at once (copies into a container, a JSON body far over any limit, image loads) are streamed with
// bounded memory; an attached exec whose client hangs up is ended, as dockerd ends it.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, TARGET } from '../helpers/target.ts';
import { ok, waitFor } from '../helpers/util.ts';
import { tarBuffer } from '../helpers/images.ts';

const skip = e2eSkipReason();
const MB = 1024 * 1024;

function send(socket: string, method: string, p: string, body: Buffer, type: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ socketPath: socket, method, path: p, headers: { 'Content-Type': type, 'Content-Length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/** Peak resident memory (VmHWM) of a process, in MiB. */
function peakRssMiB(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return Math.round(kb / 1024);
}

describe('limits', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[]) => docker(t.d.env, args);
  let id: string;
  before(async () => {
    id = ok(await dk(['run', '-d', t.image, 'sleep', '1000'])).trim();
  });
  after(async () => {
    await dk(['rm', '-f', id]);
  });

  test('ten 50 MB request bodies at once: peak RSS stays under 300 MB', { ...T, timeout: 300_000 }, async () => {
    const blob = crypto.randomBytes(50 * MB);
    const tar = await tarBuffer([{ name: 'big', content: blob }]);
    const json = Buffer.concat([Buffer.from('{"Image":"'), Buffer.alloc(50 * MB - 20, 'a'), Buffer.from('"}')]);
    const before = peakRssMiB(t.d.pid);
    const statuses = await Promise.all([
      ...[0, 1, 2, 3].map(() => send(t.d.socket, 'PUT', `/containers/${id}/archive?path=/tmp`, tar, 'application/x-tar')),
      ...[0, 1, 2].map(() => send(t.d.socket, 'POST', '/containers/create', json, 'application/json')),
      ...[0, 1, 2].map(() => send(t.d.socket, 'POST', '/images/load?quiet=1', tar, 'application/x-tar')),
    ]);
    const peak = peakRssMiB(t.d.pid);
    process.stderr.write(`[limits] ${TARGET}: peak RSS ${before} MiB before, ${peak} MiB after ten 50 MB bodies (statuses ${statuses.join(',')})\n`);
    assert.deepEqual(statuses.slice(0, 4), [200, 200, 200, 200]);
    // the JSON body is refused (Berth: over its size limit; dockerd: no such image)
    for (const s of statuses.slice(4, 7)) assert.ok(s >= 400 && s < 600, `create: ${s}`);
    if (TARGET === 'berthd') {
      for (const s of statuses.slice(4, 7)) assert.equal(s, 400);
      assert.ok(peak < 300, `peak RSS ${peak} MiB`);
    }
    assert.equal(ok(await dk(['exec', id, 'sh', '-c', 'wc -c < /tmp/big'])).trim(), String(50 * MB));
  });

  test('attached execs whose client hangs up are ended', T, async () => {
    const sockets: Socket[] = [];
    const N = 40;
    for (let i = 0; i < N; i++) {
      const c = await new Promise<{ Id: string }>((resolve, reject) => {
        const req = http.request({ socketPath: t.d.socket, method: 'POST', path: `/containers/${id}/exec`, headers: { 'Content-Type': 'application/json' } }, (res) => {
          let b = '';
          res.on('data', (d) => (b += d));
          res.on('end', () => (res.statusCode === 201 ? resolve(JSON.parse(b)) : reject(new Error(b))));
        });
        req.end(JSON.stringify({ AttachStdin: true, AttachStdout: true, AttachStderr: true, Cmd: ['cat'] }));
      });
      // half of them as the docker CLI asks (Upgrade: tcp, answered 101), half as a plain POST (200)
      const upgrade = i % 2 === 0;
      const sock = await new Promise<Socket>((resolve, reject) => {
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (upgrade) Object.assign(headers, { Connection: 'Upgrade', Upgrade: 'tcp' });
        const req = http.request({ socketPath: t.d.socket, method: 'POST', path: `/exec/${c.Id}/start`, headers });
        req.on('upgrade', (_res, s: Socket) => resolve(s));
        req.on('response', (res) => (upgrade ? reject(new Error(`no upgrade: ${res.statusCode}`)) : resolve(res.socket as Socket)));
        req.on('error', reject);
        req.end(JSON.stringify({ Detach: false, Tty: false }));
      });
      // a quarter hang up at once, while the exec may still be starting
      if (i % 4 === 1) sock.destroy();
      else sockets.push(sock);
    }
    const cats = async () => ok(await dk(['exec', id, 'ps', '-o', 'comm'])).split('\n').filter((l) => l.trim() === 'cat').length;
    await waitFor(async () => (await cats()) === sockets.length, `${sockets.length} cat processes`, 10_000);
    // hang up without closing stdin first: the exec's stdin closes with the connection, and cat ends
    for (const s of sockets) s.destroy();
    await waitFor(async () => (await cats()) === 0, 'every abandoned exec ended', 8_000);
  });
});
