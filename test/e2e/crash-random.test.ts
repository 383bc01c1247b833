// End-to-end: berthd killed (SIGKILL) at random moments of pull, build, commit, run, rm, load and
// import comes back on the same data root with nothing broken and nothing unaccounted for. After
// each restart: every image inspects and runs, every container inspects, the containers that were
// running still run (unpaused: commit freezes its container), and no runtime container, overlay
// mount, network namespace, cgroup, temporary file or build context is left without an owner. The
// image store is accounted for (src/images/store-accounting.ts over the daemon's own records and
// files): every blob is an image's or a layer's or held by a pull's lease, every layer is under an
// image, a container or that lease, every layer directory is recorded, nothing held is missing. A
// pull cut short is retried at once and must reuse the layers that landed ("Already exists").
//
// The moments are drawn from a seeded generator, so a failure is replayed with its seed:
//   BERTH_CRASH_SEED (default: random, printed)   BERTH_CRASH_N (kills, default 7: one of each kind)
//
// berthd only: it kills the daemon and inspects Berth's own data root, exec root and runtime
// root; dockerd 20.10 keeps all of these elsewhere and in other forms.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { docker, type RunResult } from '../helpers/docker.ts';
import { e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { startBerthd, type Berthd } from '../helpers/berthd.ts';
import { DatabaseSync } from 'node:sqlite';
import { busyboxDockerArchive, busyboxEntries, dockerArchive, tarBuffer, TEST_IMAGE } from '../helpers/images.ts';
import { accountStore, type StoreView } from '../../src/images/store-accounting.ts';
import { chainIds } from '../../src/images/layer-store.ts';
import { startRegistry, registryUnavailable, type Registry } from '../helpers/registry.ts';
import { pushImage } from '../helpers/registry-push.ts';
import { makeContext } from '../helpers/build.ts';
import { ok } from '../helpers/util.ts';

const skip = e2eSkipReason() || (REAL_DOCKER && 'berthd only: the test inspects its data root, exec root and runtime') || registryUnavailable();
const SEED = Number(process.env.BERTH_CRASH_SEED ?? crypto.randomInt(1, 2 ** 31));
const N = Number(process.env.BERTH_CRASH_N ?? 7);

/** mulberry32: a small seeded generator, so a run is replayed from its seed */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Op = 'pull' | 'build' | 'commit' | 'run' | 'rm' | 'load' | 'import';
const OPS: Op[] = ['pull', 'build', 'commit', 'run', 'rm', 'load', 'import'];

describe('crash at random moments', SUITE(skip), () => {
  test(`kill -9 during pull, build, commit, run, rm (seed ${SEED}, N ${N}): the restarted daemon is whole`, { ...T, timeout: 300_000 }, async () => {
    process.stderr.write(`[crash-random] BERTH_CRASH_SEED=${SEED} BERTH_CRASH_N=${N}\n`);
    const rand = rng(SEED);
    const reg: Registry = await startRegistry();
    const d: Berthd = await startBerthd();
    const dk = (args: string[], timeoutMs = 60_000) => docker(d.env, args, { timeoutMs });
    // (a rw bind mount copies its source to a scratch directory in the data root's tmp for the step)
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'crash-'));
    const ctxDir = makeContext({ Dockerfile: `FROM ${TEST_IMAGE}\nCOPY data /data\nARG N\nRUN echo $N > /built && sync\nRUN --mount=type=bind,source=data,target=/d,rw echo $N >> /d && cp /d /copied\nCMD ["sh"]\n`, data: crypto.randomBytes(256 * 1024).toString('hex') });
    /** every container id this daemon ever showed: the network namespaces and cgroups checked are theirs (other daemons on the host make berth-* too) */
    const known = new Set<string>();
    const started = Date.now();
    const failures: string[] = [];
    /** what the kills left before recovery, summed: orphan layers, blobs, unrecorded layer dirs, temp files, leases */
    const left: Record<string, number> = {};
    try {
      ok(await dk(['load', '-i', (await busyboxDockerArchive()).file]));
      // three layers of incompressible data, so that a pull takes long enough to be cut in the middle;
      // the top one big, so that the one below has long landed when the image is not there yet
      const big = (n: number, mb = 2) => [{ name: `blob${n}`, content: crypto.randomBytes(mb * 1024 * 1024) }];
      const remote = `${reg.host}/crash/base:1`;
      await pushImage(reg.host, 'crash/base', '1', { layers: [busyboxEntries(), big(1), big(2, 12)] });
      const keep = ok(await dk(['run', '-d', '--name', 'keep', TEST_IMAGE, 'sleep', '100000'])).trim();
      // load: an archive whose bottom layer is the test image's (shared, must survive) and two of its own
      const loadFile = path.join(work, 'load.tar');
      await dockerArchive(loadFile, { tags: ['crash-load:1'], layers: [busyboxEntries(), big(3), big(4)] });
      const importFile = path.join(work, 'import.tar');
      fs.writeFileSync(importFile, await tarBuffer([...busyboxEntries(), ...big(5), ...big(6)]));

      /** one operation of kind `op`, its preparation awaited, the operation itself not */
      const launch = async (op: Op, i: number) => {
        let rmTarget = '';
        if (op === 'pull') await dk(['rmi', '-f', remote]);
        if (op === 'load') await dk(['rmi', '-f', 'crash-load:1']);
        if (op === 'rm') rmTarget = ok(await dk(['run', '-d', TEST_IMAGE, 'sleep', '100000'])).trim();
        const args: Record<Op, string[]> = {
          pull: ['pull', remote],
          build: ['build', '-q', '-t', `crash-build:i${i}`, '--build-arg', `N=${i}`, ctxDir],
          commit: ['commit', keep, `crash-commit:i${i}`],
          run: ['run', '-d', '--name', `run-i${i}`, TEST_IMAGE, 'sleep', '100000'],
          rm: ['rm', '-f', rmTarget],
          load: ['load', '-i', loadFile],
          import: ['import', importFile, `crash-import:i${i}`],
        };
        const runningBefore = lines(ok(await dk(['ps', '-q', '--no-trunc']))).filter((id) => id !== rmTarget);
        const t0 = Date.now();
        const cli: Promise<RunResult> = docker(d.env, args[op], { timeoutMs: 60_000, env: { DOCKER_BUILDKIT: '0' } });
        return { cli, runningBefore, t0 };
      };
      // how long each operation takes here, uncut: the kills fall within that span
      const span = {} as Record<Op, number>;
      for (const op of OPS) {
        const { cli, t0 } = await launch(op, -1 - OPS.indexOf(op));
        ok(await cli);
        span[op] = Date.now() - t0;
      }
      process.stderr.write(`[crash-random] uncut, in ms: ${JSON.stringify(span)}\n`);

      for (let i = 0; i < N; i++) {
        const op = OPS[(i + SEED) % OPS.length];
        // (a pull's layers land in its second half: its kills fall there, so that the retry has something to reuse)
        const delay = Math.floor(op === 'pull' ? span[op] * (0.5 + rand() / 2) : rand() * span[op]);
        for (const id of lines(ok(await dk(['ps', '-aq', '--no-trunc'])))) known.add(id);
        const { cli, runningBefore } = await launch(op, i);
        await sleep(delay);
        for (const id of fs.readdirSync(path.join(d.dataRoot, 'containers'))) known.add(id);
        await d.stopDaemon({ signal: 'SIGKILL' });
        // what the kill left for recovery to finish or undo (figures for the log)
        const cut = storeView(d.dataRoot);
        const leftAt = accountStore(cut);
        const tmpLeft = fs.existsSync(path.join(d.dataRoot, 'tmp')) ? fs.readdirSync(path.join(d.dataRoot, 'tmp')).length : 0;
        for (const [k, n] of Object.entries({ layers: leftAt.orphanLayers.length, blobs: leftAt.orphanBlobs.length, dirs: leftAt.unrecordedDirs.length, tmp: tmpLeft, leases: cut.leases.length })) left[k] = (left[k] ?? 0) + n;
        const r = await cli;
        const what = `#${i} ${op} killed after ${delay} ms (the CLI: ${r.code === 0 ? 'done' : 'failed'})`;
        await d.startDaemon();

        const problems = await audit(d, known, runningBefore);
        if (op === 'pull') problems.push(...(await resumedPull(d, remote, cut)));
        if (problems.length) {
          // the daemon's lines about the containers concerned, to tell which step left them
          const ids = new Set(problems.join(' ').match(/[0-9a-f]{64}/g) ?? []);
          const log = fs.readFileSync(d.logFile, 'utf8').split('\n').filter((l) => [...ids].some((id) => l.includes(id.slice(0, 12))));
          process.stderr.write(`[crash-random] daemon log about ${[...ids].join(' ')}:\n${log.slice(-40).join('\n')}\n`);
        }
        // every kill is run and reported; the test fails at the end with all that was found
        if (problems.length) failures.push(`${what}:\n  ${problems.join('\n  ')}`);
        process.stderr.write(`[crash-random] ${what}: ${problems.length ? `${problems.length} problem(s)\n  ${problems.join('\n  ')}` : 'whole'}\n`);
      }
      // the container frozen by a killed commit works as any other
      ok(await dk(['exec', keep, 'true']));
      ok(await dk(['pause', keep]));
      ok(await dk(['unpause', keep]));
      process.stderr.write(`[crash-random] left by the kills, before recovery: ${JSON.stringify(left)}\n`);
      assert.equal(failures.join('\n'), '', `${failures.length} of ${N} kills left problems`);
      process.stderr.write(`[crash-random] ${N} kills in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    } finally {
      fs.rmSync(ctxDir, { recursive: true, force: true });
      fs.rmSync(work, { recursive: true, force: true });
      await d.stop();
      await reg.stop();
    }
  });
});

const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);

/** What is broken or unaccounted for after a restart; [] when nothing. */
async function audit(d: Berthd, known: Set<string>, runningBefore: string[]): Promise<string[]> {
  const dk = (args: string[]) => docker(d.env, args, { timeoutMs: 60_000 });
  const problems: string[] = [];
  // images: every one inspects and runs
  const images = [...new Set(lines(ok(await dk(['images', '-aq', '--no-trunc']))))];
  for (const img of images) {
    const ins = await dk(['image', 'inspect', img]);
    if (ins.code !== 0) problems.push(`image ${img} does not inspect: ${ins.stderr.trim()}`);
    const run = await dk(['run', '--rm', '--net', 'none', img, 'true']);
    if (run.code !== 0) problems.push(`image ${img} does not run: ${run.stderr.trim()}`);
  }
  // containers: every one inspects; those running before still run, unpaused
  const all = lines(ok(await dk(['ps', '-aq', '--no-trunc'])));
  for (const id of all) known.add(id);
  const states = new Map<string, { Status: string; Paused: boolean; Running: boolean }>();
  for (const id of all) {
    const ins = await dk(['inspect', '-f', '{{json .State}}', id]);
    if (ins.code !== 0) problems.push(`container ${id} does not inspect: ${ins.stderr.trim()}`);
    else states.set(id, JSON.parse(ins.stdout));
  }
  for (const id of runningBefore) {
    const st = states.get(id);
    if (!st || st.Status !== 'running' || st.Paused) problems.push(`container ${id} ran before the kill; now ${st ? JSON.stringify(st) : 'gone'}`);
  }
  const live = new Set([...states].filter(([, s]) => s.Running).map(([id]) => id));
  // the runtime: no container without a running record, and the frozen state agrees with Paused
  const runc = spawnSync('runc', ['--root', path.join(d.execRoot, 'runc'), 'list', '--format', 'json'], { encoding: 'utf8' });
  for (const c of (JSON.parse(runc.stdout || 'null') ?? []) as { id: string; status: string }[]) {
    if (!live.has(c.id)) problems.push(`runtime container ${c.id} (${c.status}) has no running container`);
    else if ((c.status === 'paused') !== states.get(c.id)!.Paused) problems.push(`runtime container ${c.id} is ${c.status}, its record says Paused=${states.get(c.id)!.Paused}`);
  }
  // mounts under the data and exec roots: each one belongs to a running container
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mnt = line.split(' ')[4];
    if (!mnt || !(mnt.startsWith(d.dataRoot + '/') || mnt.startsWith(d.execRoot + '/'))) continue;
    const owner = /[0-9a-f]{64}/.exec(mnt)?.[0];
    if (!owner || !live.has(owner)) problems.push(`mount ${mnt} has no running owner (${owner && states.has(owner) ? JSON.stringify(states.get(owner)) : 'no container'})`);
  }
  // network namespaces of this daemon's containers: only running ones have one
  for (const ns of lines(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout)) {
    const id = /^berth-([0-9a-f]{64})/.exec(ns)?.[1];
    if (id && known.has(id) && !live.has(id)) problems.push(`netns ${ns} has no running container`);
  }
  // cgroups of this daemon's containers (v2: /sys/fs/cgroup/berth; v1: under each controller): only running ones have one
  const cg = '/sys/fs/cgroup';
  for (const parent of [path.join(cg, 'berth'), ...fs.readdirSync(cg).map((c) => path.join(cg, c, 'berth'))]) {
    if (!fs.existsSync(parent)) continue;
    for (const id of fs.readdirSync(parent)) if (known.has(id) && !live.has(id)) problems.push(`cgroup ${path.join(parent, id)} has no running container`);
  }
  // temporary files: none in the data root's tmp (blob ingests, half-unpacked layers and trash are
  // removed in the background at start: given a few seconds), no build context of this daemon in /dev/shm
  const tmp = path.join(d.dataRoot, 'tmp');
  const left = () => (fs.existsSync(tmp) ? fs.readdirSync(tmp) : []);
  for (let t = 0; t < 100 && left().length; t++) await sleep(100);
  const leftover = left();
  if (leftover.length) problems.push(`left in ${tmp}: ${leftover.join(' ')}`);
  // the image store: nothing orphaned, nothing held missing
  const a = accountStore(storeView(d.dataRoot));
  for (const l of a.orphanLayers) problems.push(`layer ${l} is held by no image, container or lease`);
  for (const b of a.orphanBlobs) problems.push(`blob ${b} is held by no image, layer or lease`);
  for (const l of a.unrecordedDirs) problems.push(`layer directory ${l} has no record`);
  for (const l of a.endedLeases) problems.push(`lease ${l} has ended (expired or its image exists) and was kept`);
  for (const m of a.missing) problems.push(`missing: ${m}`);
  const shm = path.join('/dev/shm/berth-build', crypto.createHash('sha256').update(d.dataRoot).digest('hex').slice(0, 16));
  const contexts = fs.existsSync(shm) ? fs.readdirSync(shm) : [];
  if (contexts.length) problems.push(`build contexts left in ${shm}: ${contexts.join(' ')}`);
  return problems;
}

/** The image side of the data root as the daemon records it (read-only, beside the running daemon). */
function storeView(dataRoot: string): StoreView {
  const db = new DatabaseSync(path.join(dataRoot, 'berth.db'), { readOnly: true });
  try {
    const docs = <T>(kind: string) => (db.prepare('SELECT doc FROM docs WHERE kind = ?').all(kind) as { doc: string }[]).map((r) => JSON.parse(r.doc) as T);
    const hexes = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`) : []);
    return {
      images: docs<{ id: string; config: { rootfs?: { diff_ids?: string[] } }; blobs?: string[] }>('images').map((i) => ({ id: i.id, chain: chainIds(i.config.rootfs?.diff_ids ?? []), blobs: i.blobs })),
      layers: docs<{ chainId: string; parent?: string; blob?: { digest: string } }>('layers').map((l) => ({ chainId: l.chainId, parent: l.parent, blob: l.blob?.digest })),
      rwLayers: docs('rwlayers'),
      leases: docs('leases'),
      blobFiles: hexes(path.join(dataRoot, 'content', 'blobs', 'sha256')),
      layerDirs: hexes(path.join(dataRoot, 'layers')),
      now: Date.now(),
    };
  } finally {
    db.close();
  }
}

/** After a pull was killed: the retried pull reuses the layers of the image that had landed
 * (recorded in `cut`, the store as the kill left it), and leaves no lease. */
async function resumedPull(d: Berthd, remote: string, cut: StoreView): Promise<string[]> {
  const ins = await docker(d.env, ['image', 'inspect', '-f', '{{json .RootFS.Layers}}', remote]);
  if (ins.code === 0) return []; // the pull had finished
  const recorded = new Set(cut.layers.map((l) => l.chainId));
  const r = await docker(d.env, ['pull', remote], { timeoutMs: 60_000 });
  if (r.code !== 0) return [`the retried pull failed: ${r.stderr.trim()}`];
  const diffIds = JSON.parse(ok(await docker(d.env, ['image', 'inspect', '-f', '{{json .RootFS.Layers}}', remote]))) as string[];
  const landed = chainIds(diffIds).filter((c) => recorded.has(c)).length;
  const reused = (r.stdout.match(/: Already exists/g) ?? []).length;
  const problems = reused === landed ? [] : [`the retried pull reused ${reused} layer(s) of the ${landed} that had landed`];
  if (storeView(d.dataRoot).leases.length) problems.push('the retried pull left its lease');
  process.stderr.write(`[crash-random] retried pull: ${landed} layer(s) had landed, ${reused} reused\n`);
  return problems;
}
