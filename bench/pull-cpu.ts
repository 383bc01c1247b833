// CPU seconds a daemon spends on one `docker pull` of the pull scenario's 5-layer image, beside the
// wall-clock time: on a loaded machine a pull is bound by CPU, so the ratio of these CPU times is
// about the ratio the loaded bench runs show, whatever the load of the moment.
//
//   bin/node bench/pull-cpu.ts [--runs 3] [--tree /other/worktree]... [--prof DIR]   # under the e2e lock
//
// --prof DIR: this tree's berthd writes a V8 CPU profile (node --cpu-prof) into DIR when it stops.
//
// The CPU time is the daemon process's (all its threads, and its children once reaped, such as
// dockerd's re-exec'd layer unpacker), read from /proc before and after each pull.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startBerthd } from '../test/helpers/berthd.ts';
import { startDockerd } from '../test/helpers/dockerd.ts';
import { docker } from '../test/helpers/docker.ts';
import { busyboxDockerArchive, TEST_IMAGE } from '../test/helpers/images.ts';
import { SCENARIOS, cleanups } from './scenarios.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, tree: { type: 'string', multiple: true }, prof: { type: 'string' } } });
const runs = Number(values.runs);
const REPO = path.resolve(import.meta.dirname, '..');

/** user + system time of a process and of its reaped children, in ms (clock ticks of 10 ms) */
function cpuMs(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 10;
}

const daemons: Array<{ name: string; pid: number; env: { DOCKER_HOST: string }; stop: () => Promise<void> }> = [];
try {
  for (const tree of [REPO, ...(values.tree ?? [])]) {
    const prof = tree === REPO && values.prof ? { env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(values.prof)}` } } : {};
    const b = await startBerthd({ logLevel: 'info', binary: path.join(tree, 'bin', 'berthd'), ...prof });
    daemons.push({ name: tree === REPO ? 'berthd' : `berthd ${tree}`, pid: b.pid, env: b.env, stop: () => b.stop() });
  }
  const d = await startDockerd({});
  daemons.push({ name: 'dockerd', pid: d.pid, env: d.env, stop: () => d.stop() });
  const archive = await busyboxDockerArchive();
  for (const x of daemons) await docker(x.env, ['load', '-i', archive.file], { timeoutMs: 120_000 });
  const pull = SCENARIOS.find((s) => s.name === 'pull')!;
  const maker = { name: 'dockerd', env: d.env, root: d.root, stop: async () => {} };
  const state: Record<string, any> = {};
  await pull.setup!({ image: TEST_IMAGE, daemon: maker, state, all: [maker] } as never);
  const got = new Map<string, { wall: number[]; cpu: number[] }>();
  // one warm-up round, then `runs` rounds, the order reversed every other round
  for (let i = 0; i <= runs; i++) {
    for (const x of i % 2 ? [...daemons].reverse() : daemons) {
      await docker(x.env, ['rmi', state.ref]);
      await new Promise((r) => setTimeout(r, 500));
      const c0 = cpuMs(x.pid);
      const t0 = performance.now();
      const r = await docker(x.env, ['pull', '-q', state.ref], { timeoutMs: 300_000 });
      const wall = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 300)); // (the daemon's last bookkeeping after its answer)
      if (r.code !== 0) throw new Error(`${x.name}: pull failed: ${r.stderr}`);
      if (i === 0) continue;
      const g = got.get(x.name) ?? { wall: [], cpu: [] };
      g.wall.push(Math.round(wall));
      g.cpu.push(cpuMs(x.pid) - c0);
      got.set(x.name, g);
    }
  }
  const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!;
  const cpuOf = (n: string) => median(got.get(n)!.cpu);
  for (const [name, g] of got) {
    const ratio = name === 'dockerd' ? '' : `  dockerd/x CPU ${(cpuOf('dockerd') / cpuOf(name)).toFixed(2)}x`;
    console.log(`${name.padEnd(30)} wall ${median(g.wall)} ms [${g.wall.join(' ')}]  CPU ${median(g.cpu)} ms [${g.cpu.join(' ')}]${ratio}`);
  }
} finally {
  for (const x of daemons) await x.stop().catch(() => {});
  for (const c of cleanups.splice(0)) await c().catch(() => {});
}
