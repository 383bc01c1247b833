// End-to-end: `docker cp` against a container that races it (CVE-2018-15664). A small static
// helper inside a running container swaps a directory and a symlink to a host directory as fast
// as it can (renameat2 RENAME_EXCHANGE), while the test copies into and out of that directory a
// few hundred times through the Engine API. Nothing may be written to or read from the host
// directory: it holds a marker the container cannot see otherwise.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { docker } from '../helpers/docker.ts';
import { run } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok } from '../helpers/util.ts';
import { tarBuffer } from '../helpers/images.ts';

const skip = e2eSkipReason();
const ROUNDS = Number(process.env.BERTH_CP_RACE_ROUNDS ?? 300);

// Exchanges argv[1] and argv[2] forever; where RENAME_EXCHANGE is unsupported, three plain renames.
const SWAPPER = String.raw`
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE 2
#endif
int main(int argc, char **argv) {
  if (argc < 3) return 2;
  for (;;) {
    if (syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) == 0) continue;
    rename(argv[1], "/w/tmp"); rename(argv[2], argv[1]); rename("/w/tmp", argv[2]);
  }
}
`;

/** One raw request on the daemon's socket; the whole answer body. */
function request(socket: string, method: string, p: string, body?: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, method, path: p, headers: body ? { 'Content-Type': 'application/x-tar', 'Content-Length': body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('docker cp racing a symlink swap', SUITE(skip), () => {
  const t = e2e();
  let work: string;
  let hostDir: string;
  let marker: string;
  let name: string;
  let sharedVol: string;
  let attacker: string;
  let victim: string;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cprace-'));
    hostDir = fs.mkdtempSync('/tmp/berth-cprace-host-');
    marker = crypto.randomBytes(16).toString('hex');
    fs.writeFileSync(path.join(hostDir, 'secret'), `HOST-${marker}\n`);
    fs.writeFileSync(path.join(work, 'swap.c'), SWAPPER);
    const cc = await run('gcc', ['-static', '-O2', '-o', path.join(work, 'swap'), path.join(work, 'swap.c')]);
    assert.equal(cc.code, 0, cc.stderr);
    name = `cprace-${process.pid}`;
    const script = `mkdir -p /w/d && echo inside > /w/d/secret && ln -s ${hostDir} /w/l && exec /swap /w/d /w/l`;
    ok(await docker(t.d.env, ['run', '-d', '--name', name, '-v', `${path.join(work, 'swap')}:/swap:ro`, t.image, 'sh', '-c', script]));
    // the swapper runs once /w/l exists
    for (let i = 0; i < 100; i++) {
      const r = await docker(t.d.env, ['exec', name, 'ls', '/w']);
      if (r.stdout.includes('l')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(async () => {
    await docker(t.d.env, ['rm', '-f', name]);
    if (attacker) await docker(t.d.env, ['rm', '-f', attacker, victim]);
    if (sharedVol) await docker(t.d.env, ['volume', 'rm', '-f', sharedVol]);
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(hostDir, { recursive: true, force: true });
  });

  test(`${ROUNDS} copies in and ${ROUNDS} copies out: no host file written or read`, { ...T, timeout: 600_000 }, async () => {
    const sock = t.d.socket;
    const base = '/v1.41/containers/' + name + '/archive';
    let inOk = 0;
    let outOk = 0;
    const leaked: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const tar = await tarBuffer([{ name: `in-${i}`, content: `copied ${i}\n` }]);
      const put = await request(sock, 'PUT', `${base}?path=/w/d`, tar);
      if (put.status === 200) inOk++;
      for (const p of ['/w/d/secret', '/w/d']) {
        const get = await request(sock, 'GET', `${base}?path=${encodeURIComponent(p)}`);
        if (get.status === 200) outOk++;
        if (get.body.includes(marker)) leaked.push(`GET ${p} (round ${i})`);
      }
    }
    const written = fs.readdirSync(hostDir).filter((f) => f !== 'secret');
    assert.deepEqual(written, [], `files written on the host through the container: ${written.slice(0, 5).join(', ')}`);
    assert.deepEqual(leaked, [], 'host file contents were read through the container');
    // the race must really have been run: most copies find the directory in place
    assert.ok(inOk > 0 && outOk > 0, `copies succeeded: ${inOk} in, ${outOk} out`);
    const st = JSON.parse(ok(await docker(t.d.env, ['inspect', '-f', '{{json .State}}', name])));
    assert.equal(st.Running, true);
    assert.equal(st.Paused, false);
  });

  test('copies through a volume that another container swaps meanwhile: no host file written or read', { ...T, timeout: 600_000 }, async () => {
    // the copies go to and from a quiet container; the swapper runs in another one sharing its volume
    sharedVol = `cprace-vol-${process.pid}`;
    attacker = `cprace-att-${process.pid}`;
    victim = `cprace-vic-${process.pid}`;
    const script = `mkdir -p /w/d && echo inside > /w/d/secret && ln -s ${hostDir} /w/l && exec /swap /w/d /w/l`;
    ok(await docker(t.d.env, ['run', '-d', '--name', attacker, '-v', `${sharedVol}:/w`, '-v', `${path.join(work, 'swap')}:/swap:ro`, t.image, 'sh', '-c', script]));
    ok(await docker(t.d.env, ['run', '-d', '--name', victim, '-v', `${sharedVol}:/w`, t.image, 'sleep', '600']));
    for (let i = 0; i < 100; i++) {
      const r = await docker(t.d.env, ['exec', victim, 'ls', '/w']);
      if (r.stdout.includes('l')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const sock = t.d.socket;
    const base = '/v1.41/containers/' + victim + '/archive';
    const rounds = Math.ceil(ROUNDS / 3);
    let inOk = 0;
    let outOk = 0;
    const leaked: string[] = [];
    for (let i = 0; i < rounds; i++) {
      const put = await request(sock, 'PUT', `${base}?path=/w/d`, await tarBuffer([{ name: `vin-${i}`, content: `copied ${i}\n` }]));
      if (put.status === 200) inOk++;
      const get = await request(sock, 'GET', `${base}?path=${encodeURIComponent('/w/d/secret')}`);
      if (get.status === 200) outOk++;
      if (get.body.includes(marker)) leaked.push(`GET /w/d/secret (round ${i})`);
    }
    const written = fs.readdirSync(hostDir).filter((f) => f !== 'secret');
    assert.deepEqual(written, [], `files written on the host through the shared volume: ${written.slice(0, 5).join(', ')}`);
    assert.deepEqual(leaked, [], 'host file contents were read through the shared volume');
    assert.ok(inOk > 0 && outOk > 0, `copies succeeded: ${inOk} in, ${outOk} out`);
    for (const c of [attacker, victim]) assert.equal(JSON.parse(ok(await docker(t.d.env, ['inspect', '-f', '{{json .State}}', c]))).Paused, false);
  });
});
