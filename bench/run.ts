// Benchmark: berthd against Debian's real dockerd, side by side, through the real docker CLI.
//
//   npm run bench                         # every scenario, 30 runs after 3 warm-ups, interleaved
//   npm run bench -- --runs 10 --only run-true
//   npm run bench -- --json bench.json    # also write the raw timings
//   npm run bench -- --no-dockerd         # berthd alone
//   npm run bench -- --check              # exit 1 when the target is not met
//
// Each scenario runs against both daemons on private sockets and data roots; runs alternate
// between the daemons (berthd, dockerd, dockerd, berthd, …) so drift in the machine's load hits
// both alike. Times are wall-clock, spawn to exit of the docker CLI, so they include the CLI's
// own start-up: the `docker version` scenario shows that floor for each daemon.
//
// Scenarios are a list: add one to SCENARIOS (pull, build, network, sandbox, …) with a name,
// the docker arguments, and optional setup/teardown run once per daemon.
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';

// The classic builder on both daemons (Debian's dockerd has no BuildKit client plugin here either).
process.env.DOCKER_BUILDKIT = '0';
import { parseArgs } from 'node:util';
import { startBerthd } from '../test/helpers/berthd.ts';
import { startDockerd, dockerdUnavailable } from '../test/helpers/dockerd.ts';
import { docker, DOCKER_CLI, describeRun, type DaemonEnv, type RunResult } from '../test/helpers/docker.ts';
import { busyboxDockerArchive, TEST_IMAGE } from '../test/helpers/images.ts';
import { startRegistry } from '../test/helpers/registry.ts';
import { measureOverhead, type Overhead } from './memory.ts';
import { runCriBench } from './cri.ts';

const MEMORY_CONTAINERS = 50;

interface BenchDaemon {
  name: 'berthd' | 'dockerd';
  env: DaemonEnv;
  /** its private directory (sockets, data and exec roots) */
  root: string;
  stop(): Promise<void>;
}

export interface ScenarioContext {
  image: string;
  daemon: BenchDaemon;
  /** scratch state a scenario's setup may keep for its args/teardown */
  state: Record<string, string>;
  /** every daemon measured in this run (dockerd first when there is one) */
  all: BenchDaemon[];
}

export interface Scenario {
  name: string;
  title: string;
  /** docker CLI arguments for one measured run */
  args(ctx: ScenarioContext): string[];
  setup?(ctx: ScenarioContext): Promise<void>;
  teardown?(ctx: ScenarioContext): Promise<void>;
  /** run before every run (warm-ups too), untimed: e.g. remove what the last run made */
  beforeEach?(ctx: ScenarioContext): Promise<void>;
  /** fewer runs for slow scenarios (the smaller of this and --runs) */
  runs?: number;
  warmup?: number;
  /** stdin for each run */
  input?: string;
  /** the target this scenario must meet, if any: a median bound (absolute, or over another
   * scenario's berthd median) and a speedup over dockerd */
  target?: { maxMedianMs?: number; maxOver?: { scenario: string; ms: number }; minSpeedup: number };
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'version',
    title: 'docker version (CLI start-up + 2 API calls: the floor)',
    args: () => ['version'],
  },
  {
    name: 'ps',
    title: 'docker ps -a',
    args: () => ['ps', '-a'],
  },
  {
    name: 'run-true',
    title: 'docker run --rm --network none IMAGE true',
    args: (c) => ['run', '--rm', '--network', 'none', c.image, 'true'],
    target: { maxMedianMs: 50, minSpeedup: 4 },
  },
  {
    name: 'run-bridge',
    title: 'docker run --rm IMAGE true (default bridge network; compare with run-true)',
    args: (c) => ['run', '--rm', c.image, 'true'],
    // issue 5: the network adds at most 20 ms to run-true, and berthd stays 3x faster than dockerd
    target: { maxOver: { scenario: 'run-true', ms: 20 }, minSpeedup: 3 },
  },
  {
    name: 'run-sandbox',
    title: 'docker run --rm --network none --isolation=sandbox IMAGE true (gVisor; compare with run-true)',
    setup: async (c) => {
      if (c.daemon.name === 'dockerd') throw new Error('dockerd has no sandbox isolation on Linux');
    },
    args: (c) => ['run', '--rm', '--network', 'none', '--isolation=sandbox', c.image, 'true'],
    runs: 15,
  },
  {
    name: 'build-cold',
    title: 'docker build --no-cache of a 10-step Dockerfile (classic builder)',
    setup: async (c) => {
      c.state.ctx = buildContext(c.image);
    },
    args: (c) => ['build', '--no-cache', '-q', c.state.ctx],
    teardown: async (c) => fs.rmSync(c.state.ctx, { recursive: true, force: true }),
  },
  {
    name: 'build-cached',
    title: 'docker build of the same 10-step Dockerfile, fully cached',
    setup: async (c) => {
      c.state.ctx = buildContext(c.image);
      await must(c.daemon.env, ['build', '-q', c.state.ctx]);
    },
    args: (c) => ['build', '-q', c.state.ctx],
    teardown: async (c) => fs.rmSync(c.state.ctx, { recursive: true, force: true }),
    target: { maxMedianMs: 500, minSpeedup: 3 },
  },
  {
    name: 'pull',
    title: 'docker pull of a 5-layer image of ~300 MB (gzip, pushed by dockerd) from a local registry',
    setup: async (c) => {
      c.state.ref = await bigImage(c);
    },
    beforeEach: async (c) => {
      await docker(c.daemon.env, ['rmi', c.state.ref]);
    },
    args: (c) => ['pull', '-q', c.state.ref],
    runs: 5,
    warmup: 1,
    target: { maxMedianMs: 60_000, minSpeedup: 1.5 },
  },
  {
    name: 'exec-true',
    title: 'docker exec CONTAINER true',
    setup: async (c) => {
      c.state.id = (await must(c.daemon.env, ['run', '-d', '--network', 'none', c.image, 'sleep', '100000'])).trim();
    },
    args: (c) => ['exec', c.state.id, 'true'],
    teardown: async (c) => {
      await docker(c.daemon.env, ['rm', '-f', c.state.id]);
    },
  },
];

/** The registry and the image the pull scenario pulls: made once for the run, by dockerd when it is
 * measured (its gzip layers are what registries hold), else by berthd. */
let bigImageRef: Promise<string> | undefined;
function bigImage(c: ScenarioContext): Promise<string> {
  bigImageRef ??= (async () => {
    const reg = await startRegistry();
    cleanups.push(() => reg.stop());
    const maker = c.all[0]!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-big-'));
    // base64 of random bytes: compresses like real files do (about 3:4), unlike raw random bytes
    const steps = [1, 2, 3, 4, 5].map((i) => `RUN head -c 45000000 /dev/urandom | base64 > /layer${i}`);
    fs.writeFileSync(path.join(dir, 'Dockerfile'), [`FROM ${c.image}`, ...steps].join('\n') + '\n');
    const ref = `${reg.host}/bench/big:v1`;
    await must(maker.env, ['build', '-q', '-t', ref, dir]);
    await must(maker.env, ['push', ref]);
    await must(maker.env, ['rmi', ref]);
    fs.rmSync(dir, { recursive: true, force: true });
    return ref;
  })();
  return bigImageRef;
}
const cleanups: Array<() => Promise<void>> = [];

/** A context with a 10-step Dockerfile: files copied, commands run, config set. */
function buildContext(image: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ctx-'));
  fs.writeFileSync(path.join(dir, 'a.txt'), 'a\n'.repeat(1000));
  fs.mkdirSync(path.join(dir, 'src'));
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(dir, 'src', `f${i}.txt`), `file ${i}\n`);
  fs.writeFileSync(
    path.join(dir, 'Dockerfile'),
    [`FROM ${image}`, 'ENV APP=/app', 'WORKDIR /app', 'COPY a.txt .', 'COPY src/ ./src/', 'RUN echo built > built.txt', 'RUN ls src | wc -l > count.txt', 'LABEL bench=yes', 'EXPOSE 8080', 'CMD ["cat", "built.txt"]'].join('\n') + '\n',
  );
  return dir;
}

async function must(env: DaemonEnv, args: string[]): Promise<string> {
  const r = await docker(env, args, { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(describeRun(['docker', ...args], r));
  return r.stdout;
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

interface Series {
  ms: number[];
  failures: RunResult[];
}

function stats(s: Series) {
  const sorted = [...s.ms].sort((a, b) => a - b);
  return { n: sorted.length, median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), min: sorted[0] ?? NaN, max: sorted[sorted.length - 1] ?? NaN, failed: s.failures.length };
}

const fmt = (ms: number) => (Number.isFinite(ms) ? `${ms.toFixed(1)} ms` : '—');

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r, j) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ') + (j === 0 ? '\n' + widths.map((w) => '-'.repeat(w)).join('  ') : '')).join('\n');
}

async function main() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '3' },
      only: { type: 'string', multiple: true },
      json: { type: 'string' },
      'no-dockerd': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('usage: npm run bench -- [--runs N] [--warmup N] [--only NAME]... [--json FILE] [--no-dockerd] [--check]');
    console.log(`scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    return;
  }
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  const scenarios = values.only?.length ? SCENARIOS.filter((s) => values.only!.includes(s.name)) : SCENARIOS;
  // `memory` is not timed: the engine's own memory idle and with MEMORY_CONTAINERS running containers
  const measureMemory = !values.only?.length || values.only.includes('memory');
  // `cri`: the CRI's pod lifecycle and memory per pod, berthd against containerd (bench/cri.ts)
  const measureCri = !values.only?.length || values.only.includes('cri');
  if (!scenarios.length && !measureMemory && !measureCri) throw new Error(`no scenario named ${values.only?.join(', ')}`);
  if (process.getuid?.() !== 0) throw new Error('the benchmark starts daemons: run it as root');

  console.log(`Berth benchmark — ${new Date().toISOString()}`);
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}`);
  const cliVersion = (await docker({ DOCKER_HOST: 'unix:///nonexistent' }, ['version', '--format', '{{.Client.Version}}'])).stdout.trim();
  console.log(`docker CLI: ${DOCKER_CLI} ${cliVersion}; ${runs} runs after ${warmup} warm-ups per daemon, interleaved\n`);

  const archive = await busyboxDockerArchive();
  const daemons: BenchDaemon[] = [];
  const notes: string[] = [];
  try {
    process.stdout.write('starting berthd… ');
    const b = await startBerthd({ logLevel: 'info' });
    daemons.push({ name: 'berthd', env: b.env, root: b.root, stop: () => b.stop() });
    console.log(`ok (${b.socket})`);
  } catch (e) {
    console.log('FAILED');
    notes.push(`berthd could not start: ${(e as Error).message.split('\n').slice(0, 8).join('\n  ')}`);
  }
  if (!values['no-dockerd']) {
    const why = dockerdUnavailable();
    if (why) notes.push(`dockerd not measured: ${why}`);
    else {
      try {
        process.stdout.write('starting dockerd… ');
        // with its default bridge network (no NAT), as berthd has one: run-bridge compares like with like
        const d = await startDockerd({ bridge: true });
        daemons.push({ name: 'dockerd', env: d.env, root: d.root, stop: () => d.stop() });
        console.log(`ok (${d.socket})`);
      } catch (e) {
        console.log('FAILED');
        notes.push(`dockerd could not start: ${(e as Error).message.split('\n').slice(0, 8).join('\n  ')}`);
      }
    }
  }
  const stopAll = async () => {
    for (const d of daemons) await d.stop().catch(() => {});
    for (const c of cleanups.splice(0)) await c().catch(() => {});
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

  const results: Record<string, Record<string, Series>> = {};
  const memory: Record<string, Overhead> = {};
  let targetMet: boolean | undefined;
  try {
    for (const d of [...daemons]) {
      const r = await docker(d.env, ['load', '-i', archive.file], { timeoutMs: 120_000 });
      if (r.code !== 0) {
        notes.push(`${d.name}: docker load failed, not measured: ${r.stderr.trim()}`);
        await d.stop().catch(() => {});
        daemons.splice(daemons.indexOf(d), 1);
      }
    }
    if (!daemons.length) throw new Error(`no daemon to measure:\n${notes.join('\n')}`);

    for (const sc of scenarios) {
      process.stdout.write(`\n${sc.name}: ${sc.title}\n  `);
      const all = [...daemons].sort((a, b) => (a.name === 'dockerd' ? -1 : b.name === 'dockerd' ? 1 : 0));
      const ctxs = new Map(daemons.map((d) => [d.name, { image: TEST_IMAGE, daemon: d, state: {}, all } as ScenarioContext]));
      const series: Record<string, Series> = {};
      const active: BenchDaemon[] = [];
      for (const d of daemons) {
        try {
          await sc.setup?.(ctxs.get(d.name)!);
          active.push(d);
          series[d.name] = { ms: [], failures: [] };
        } catch (e) {
          notes.push(`${sc.name} on ${d.name}: setup failed: ${(e as Error).message.split('\n')[0]}`);
        }
      }
      const once = async (d: BenchDaemon, record: boolean) => {
        await sc.beforeEach?.(ctxs.get(d.name)!);
        const r = await docker(d.env, sc.args(ctxs.get(d.name)!), { input: sc.input, timeoutMs: 300_000 });
        if (!record) return;
        if (r.code === 0) series[d.name].ms.push(r.ms);
        else series[d.name].failures.push(r);
      };
      const scWarmup = Math.min(warmup, sc.warmup ?? warmup);
      const scRuns = Math.min(runs, sc.runs ?? runs);
      for (let i = 0; i < scWarmup; i++) for (const d of active) await once(d, false);
      for (let i = 0; i < scRuns; i++) {
        const order = i % 2 === 0 ? active : [...active].reverse();
        for (const d of order) await once(d, true);
        if (i % 5 === 4) process.stdout.write('.');
      }
      for (const d of active) await sc.teardown?.(ctxs.get(d.name)!).catch(() => {});
      results[sc.name] = series;
      for (const [name, s] of Object.entries(series)) {
        if (s.failures.length) {
          const f = s.failures[0];
          notes.push(`${sc.name} on ${name}: ${s.failures.length} of ${s.ms.length + s.failures.length} runs failed; first: exit ${f.code}: ${(f.stderr || f.stdout).trim().split('\n')[0]}`);
        }
      }
    }
    if (measureMemory) {
      process.stdout.write(`\nmemory: engine processes idle and with ${MEMORY_CONTAINERS} running containers\n  `);
      for (const d of daemons) {
        try {
          memory[d.name] = await measureOverhead(d, TEST_IMAGE, MEMORY_CONTAINERS);
          process.stdout.write('.');
        } catch (e) {
          notes.push(`memory on ${d.name}: ${(e as Error).message.split('\n')[0]}`);
        }
      }
    }
  } finally {
    await stopAll();
  }

  // ---- report
  console.log('\n');
  const rows: string[][] = [['scenario', 'daemon', 'median', 'p90', 'min', 'max', 'ok/runs', 'dockerd/berthd']];
  for (const sc of scenarios) {
    const series = results[sc.name];
    if (!series) continue;
    const b = series.berthd ? stats(series.berthd) : undefined;
    const d = series.dockerd ? stats(series.dockerd) : undefined;
    const ratio = b && d && b.n && d.n ? d.median / b.median : NaN;
    for (const [name, st] of [['berthd', b], ['dockerd', d]] as const) {
      if (!st) continue;
      rows.push([sc.name, name, fmt(st.median), fmt(st.p90), fmt(st.min), fmt(st.max), `${st.n}/${st.n + st.failed}`, name === 'berthd' && Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : '']);
    }
    if (sc.target) {
      const over = sc.target.maxOver;
      const baseSeries = over ? results[over.scenario]?.berthd : undefined;
      const bound = over ? (baseSeries?.ms.length ? stats(baseSeries).median + over.ms : NaN) : (sc.target.maxMedianMs ?? Infinity);
      const okMedian = !!b && b.n > 0 && b.median <= bound;
      const okRatio = Number.isFinite(ratio) ? ratio >= sc.target.minSpeedup : undefined;
      const met = okMedian && okRatio !== false && (b?.failed ?? 1) === 0;
      targetMet = (targetMet ?? true) && met && okRatio === true;
      notes.unshift(
        `target for ${sc.name} (berthd median ≤ ${over ? `${over.scenario} + ${over.ms} ms = ${fmt(bound)}` : `${sc.target.maxMedianMs} ms`} and ≥ ${sc.target.minSpeedup}x faster than dockerd): ` +
          `${met && okRatio ? 'MET' : 'NOT MET'} — berthd median ${b ? fmt(b.median) : 'n/a'}${okMedian ? ' ✓' : ' ✗'}, ` +
          `speedup ${Number.isFinite(ratio) ? ratio.toFixed(2) + 'x' : 'n/a (needs figures from both daemons)'}${okRatio === undefined ? '' : okRatio ? ' ✓' : ' ✗'}`,
      );
    }
  }
  console.log(table(rows));
  if (Object.keys(memory).length) {
    const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
    const mrows = [['daemon', 'idle', 'processes', `with ${MEMORY_CONTAINERS}`, 'processes', 'per container', 'dockerd/berthd']];
    const b = memory.berthd;
    const dd = memory.dockerd;
    const ratio = b && dd ? dd.perContainerKiB / b.perContainerKiB : NaN;
    for (const [name, m] of Object.entries(memory)) mrows.push([name, mib(m.idle.pssKiB), String(m.idle.processes), mib(m.loaded.pssKiB), String(m.loaded.processes), mib(m.perContainerKiB), name === 'berthd' && Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : '']);
    console.log('\nmemory (PSS of the engine\'s processes: the daemon, its monitors or shims, containerd)\n' + table(mrows));
    if (b && dd) {
      const met = b.perContainerKiB * 2 <= dd.perContainerKiB;
      targetMet = (targetMet ?? true) && met;
      notes.unshift(`target for memory (berthd's per-container overhead at most half of dockerd's): ${met ? 'MET' : 'NOT MET'} — ${mib(b.perContainerKiB)} vs ${mib(dd.perContainerKiB)} per container (${ratio.toFixed(2)}x)`);
    }
  }
  if (notes.length) console.log('\n' + notes.map((n) => `* ${n}`).join('\n'));
  if (measureCri) await runCriBench({ runs: Math.min(runs, 20), warmup, pods: 10 }).catch((e: Error) => console.log(`\n* CRI bench failed: ${e.message.split('\n')[0]}`));

  if (values.json) {
    fs.writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), runs, warmup, cli: cliVersion, results: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([n, s]) => [n, { ms: s.ms, ...stats(s) }]))])), memory, notes }, null, 2));
    console.log(`\nraw timings: ${values.json}`);
  }
  if (values.check && targetMet !== true) process.exitCode = 1;
}

await main().catch((e) => {
  console.error(`bench: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
});
