// End-to-end: large request bodies stream through the daemon with bounded memory. For each kind of
// body (a 500 MB `docker load`, a 300 MB `docker import`, a `docker build` with a 300 MB context,
// a 300 MB tar copied into a container, and a push of a 300 MB layer to a local registry, where the
// daemon is the one sending) the daemon's peak resident memory is reset (/proc/PID/clear_refs 5)
// before and read (VmHWM) after: the growth must stay under 150 MB, whatever the size of the body.
// The load goes last: after it the process keeps the memory its collector has not given back yet,
// which the smaller bodies would reuse and so hide their own growth.
//
// Same expectation against dockerd (its own process; its containerd does not take the bodies).
// The sizes scale with BERTH_BIG_MB (default 500 for the load; the others are 3/5 of it).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, TARGET } from '../helpers/target.ts';
import { startRegistry, registryUnavailable, type Registry } from '../helpers/registry.ts';
import { ok } from '../helpers/util.ts';

const skip = e2eSkipReason();
const MB = 1024 * 1024;
const BIG = Number(process.env.BERTH_BIG_MB ?? 500);
const MEDIUM = Math.round((BIG * 3) / 5);
const BOUND_MB = 150;

function status(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const kb = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

/** Runs `op` and answers how far the process's resident memory rose above where it started (MiB). */
async function growth(pid: number, op: () => Promise<void>): Promise<{ before: number; peak: number; growth: number }> {
  fs.writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
  const before = status(pid, 'VmRSS');
  await op();
  const peak = status(pid, 'VmHWM');
  return { before: Math.round(before), peak: Math.round(peak), growth: Math.round(peak - before) };
}

/** A tar of one file `name` of `size` MiB of incompressible bytes, written as it is made; answers its sha256. */
async function bigTar(file: string, name: string, sizeMiB: number, extra: { name: string; content: Buffer }[] = []): Promise<string> {
  const pack = tar.pack();
  const hash = crypto.createHash('sha256');
  const out = fs.createWriteStream(file);
  const done = pipeline(
    pack,
    async function* (src: AsyncIterable<unknown>) {
      for await (const c of src) {
        hash.update(c as Buffer);
        yield c;
      }
    },
    out,
  );
  for (const e of extra) pack.entry({ name: e.name, mode: 0o644, mtime: new Date(0) }, e.content);
  const seed = crypto.randomBytes(MB);
  const entry = pack.entry({ name, size: sizeMiB * MB, mode: 0o644, mtime: new Date(0) });
  await pipeline(
    Readable.from(
      (function* () {
        // each MiB differs (a counter in front), so nothing dedups or compresses
        for (let i = 0; i < sizeMiB; i++) {
          const chunk = Buffer.from(seed);
          chunk.writeUInt32BE(i, 0);
          yield chunk;
        }
      })(),
    ),
    entry as unknown as NodeJS.WritableStream,
  );
  pack.finalize();
  await done;
  return `sha256:${hash.digest('hex')}`;
}

/** A docker-archive of one image whose single layer is `layerFile`. */
async function imageArchive(file: string, layerFile: string, diffId: string, tag: string): Promise<void> {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch;
  const config = Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', created: '2024-01-01T00:00:00Z', config: { Cmd: ['/big'] }, rootfs: { type: 'layers', diff_ids: [diffId] }, history: [{ created: '2024-01-01T00:00:00Z' }] }));
  const configName = `${crypto.createHash('sha256').update(config).digest('hex')}.json`;
  const pack = tar.pack();
  const done = pipeline(pack, fs.createWriteStream(file));
  pack.entry({ name: configName }, config);
  pack.entry({ name: 'manifest.json' }, JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: ['layer/layer.tar'] }]));
  const entry = pack.entry({ name: 'layer/layer.tar', size: fs.statSync(layerFile).size });
  await pipeline(fs.createReadStream(layerFile), entry as unknown as NodeJS.WritableStream);
  pack.finalize();
  await done;
}

function putFile(socket: string, p: string, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, method: 'PUT', path: p, headers: { 'Content-Type': 'application/x-tar', 'Content-Length': fs.statSync(file).size } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    fs.createReadStream(file).pipe(req);
  });
}

describe('request bodies stream with bounded memory', SUITE(skip || registryUnavailable()), () => {
  const t = e2e();
  const dk = (args: string[]) => docker(t.d.env, args, { timeoutMs: 300_000, env: { DOCKER_BUILDKIT: '0' } });
  const figures: string[] = [];
  let work: string;
  let reg: Registry;
  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'bodies-'));
    reg = await startRegistry();
  });
  after(async () => {
    process.stderr.write(`[stream-memory] ${TARGET}, peak RSS growth in MiB:\n  ${figures.join('\n  ')}\n`);
    fs.rmSync(work, { recursive: true, force: true });
    await reg?.stop();
  });
  const check = (what: string, g: { before: number; peak: number; growth: number }) => {
    figures.push(`${what}: ${g.growth} (from ${g.before} to ${g.peak})`);
    assert.ok(g.growth < BOUND_MB, `${what}: peak RSS grew by ${g.growth} MiB (from ${g.before} to ${g.peak})`);
  };

  test(`docker import of ${MEDIUM} MB, then a push of its ${MEDIUM} MB layer`, { ...T, timeout: 600_000 }, async () => {
    const file = path.join(work, 'rootfs.tar');
    await bigTar(file, 'big', MEDIUM);
    const g = await growth(t.d.pid, async () => void ok(await dk(['import', file, 'big-import:1'])));
    fs.rmSync(file);
    check(`import ${MEDIUM} MB`, g);
    const remote = `${reg.host}/big:1`;
    ok(await dk(['tag', 'big-import:1', remote]));
    check(`push of a ${MEDIUM} MB layer`, await growth(t.d.pid, async () => void ok(await dk(['push', remote]))));
    ok(await dk(['rmi', 'big-import:1', remote]));
  });

  test(`docker build with a ${MEDIUM} MB context`, { ...T, timeout: 600_000 }, async () => {
    const ctx = path.join(work, 'ctx');
    fs.mkdirSync(ctx);
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${t.image}\nLABEL big=1\n`);
    const seed = crypto.randomBytes(MB);
    const fd = fs.openSync(path.join(ctx, 'big'), 'w');
    for (let i = 0; i < MEDIUM; i++) {
      seed.writeUInt32BE(i, 0);
      fs.writeSync(fd, seed);
    }
    fs.closeSync(fd);
    const g = await growth(t.d.pid, async () => void ok(await dk(['build', '-q', '-t', 'big-build:1', ctx])));
    fs.rmSync(ctx, { recursive: true });
    check(`build with a ${MEDIUM} MB context`, g);
    ok(await dk(['rmi', 'big-build:1']));
  });

  test(`docker cp of a ${MEDIUM} MB tar into a container`, { ...T, timeout: 600_000 }, async () => {
    const file = path.join(work, 'cp.tar');
    await bigTar(file, 'big', MEDIUM);
    const id = ok(await dk(['create', t.image, 'true'])).trim();
    try {
      let code = 0;
      const g = await growth(t.d.pid, async () => void (code = await putFile(t.d.socket, `/containers/${id}/archive?path=/tmp`, file)));
      assert.equal(code, 200);
      check(`cp of a ${MEDIUM} MB tar`, g);
    } finally {
      fs.rmSync(file);
      await dk(['rm', '-f', id]);
    }
  });

  test(`docker load of a ${BIG} MB image`, { ...T, timeout: 600_000 }, async () => {
    const layer = path.join(work, 'layer.tar');
    const diffId = await bigTar(layer, 'big', BIG);
    const archive = path.join(work, 'image.tar');
    await imageArchive(archive, layer, diffId, 'big-load:1');
    fs.rmSync(layer);
    const g = await growth(t.d.pid, async () => void ok(await dk(['load', '-i', archive])));
    fs.rmSync(archive);
    check(`load ${BIG} MB`, g);
    ok(await dk(['rmi', 'big-load:1']));
  });
});
