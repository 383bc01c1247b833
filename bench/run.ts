// Benchmark: berthd against Debian's real dockerd, side by side, through the real docker CLI.
//
//   npm run bench                         # every scenario, 30 runs after 3 warm-ups, interleaved
//   npm run bench -- --runs 10 --only run-true
//   npm run bench -- --json bench.json    # also write the raw timings
//   npm run bench -- --no-dockerd         # berthd alone
//   npm run bench -- --check              # exit 1 when the target is not met
//   npm run bench -- --baseline /tmp/base # also a berthd from another tree (before/after in one run)
//
// Each scenario runs against both daemons on private sockets and data roots; runs alternate
// between the daemons (berthd, dockerd, dockerd, berthd, …) so drift in the machine's load hits
// both alike. Times are wall-clock, spawn to exit of the docker CLI, so they include the CLI's
// own start-up: the `docker version` scenario shows that floor for each daemon. run-true and
// exec-true also measure, in each iteration, the floor itself (bench/floor.ts): `docker version`
// against berthd plus `runc run` / `runc exec` of a prepared bundle; the report gives berthd's
// overhead above it. exec-true and run-true also time `docker exec` / `docker run --rm` against a stub
// daemon (bench/stub-daemon.ts): the CLI's own protocol, three calls more than `docker version`, with
// no engine behind it.
//
// Scenarios are a list: add one to SCENARIOS in bench/scenarios.ts (pull, build, network, …).
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';

// The classic builder on both daemons (Debian's dockerd has no BuildKit client plugin here either).
process.env.DOCKER_BUILDKIT = '0';
import { parseArgs } from 'node:util';
import { startBerthd } from '../test/helpers/berthd.ts';
import { startDockerd, dockerdUnavailable } from '../test/helpers/dockerd.ts';
import { docker, DOCKER_CLI, type RunResult } from '../test/helpers/docker.ts';
import { busyboxDockerArchive, TEST_IMAGE } from '../test/helpers/images.ts';
import { measureOverhead, sampleEngine, type Overhead, type MemorySample } from './memory.ts';
import { prepareFloor, type Floor } from './floor.ts';
import { startStubDaemon } from './stub-daemon.ts';
import { SCENARIOS, cleanups, type BenchDaemon, type ScenarioContext } from './scenarios.ts';
import { runCriBench } from './cri.ts';

const MEMORY_CONTAINERS = 50;

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
      baseline: { type: 'string' },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('usage: npm run bench -- [--runs N] [--warmup N] [--only NAME]... [--json FILE] [--no-dockerd] [--baseline TREE] [--check]');
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
  if (values.baseline) {
    try {
      process.stdout.write(`starting baseline berthd from ${values.baseline}… `);
      const b = await startBerthd({ logLevel: 'info', binary: path.join(values.baseline, 'bin', 'berthd') });
      daemons.push({ name: 'baseline', env: b.env, root: b.root, stop: () => b.stop() });
      console.log(`ok (${b.socket})`);
    } catch (e) {
      console.log('FAILED');
      notes.push(`baseline berthd could not start: ${(e as Error).message.split('\n').slice(0, 8).join('\n  ')}`);
    }
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
  let floor: Floor | undefined;
  let stub: BenchDaemon | undefined;
  const stopAll = async () => {
    floor?.close();
    await stub?.stop().catch(() => {});
    for (const d of daemons) await d.stop().catch(() => {});
    for (const c of cleanups.splice(0)) await c().catch(() => {});
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

  const results: Record<string, Record<string, Series>> = {};
  const memory: Record<string, Overhead> = {};
  const atRest: Record<string, MemorySample> = {};
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
    // at rest: started, an image loaded, nothing run yet (the memory row's idle comes after the scenarios)
    if (measureMemory) {
      await new Promise((r) => setTimeout(r, 2000));
      for (const d of daemons) atRest[d.name] = sampleEngine(d.root);
    }

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
        const ctx = ctxs.get(d.name)!;
        await sc.beforeEach?.(ctx);
        const r = sc.measure ? await sc.measure(ctx) : await docker(d.env, sc.args!(ctx), { input: sc.input, timeoutMs: 300_000 });
        if (!record) return;
        if (r.code === 0) series[d.name].ms.push(r.ms);
        else series[d.name].failures.push(r);
      };
      // The floor, in the same iterations: the CLI's start-up against berthd plus runc's own work
      const berthd = daemons.find((d) => d.name === 'berthd');
      if (sc.floor === 'stub') {
        stub ??= await startStubDaemon();
        series.floor = { ms: [], failures: [] };
      } else if (sc.floor && berthd) {
        floor ??= prepareFloor();
        series.floor = { ms: [], failures: [] };
        series['  docker version'] = { ms: [], failures: [] };
        series[`  runc ${sc.floor === 'runTrue' ? 'run' : 'exec'}`] = { ms: [], failures: [] };
        // the floor again with a container's default seccomp filter, which runc compiles each time
        series['floor+seccomp'] = { ms: [], failures: [] };
        series[`  runc ${sc.floor === 'runTrue' ? 'run' : 'exec'} +seccomp`] = { ms: [], failures: [] };
        // what the docker CLI's exec or run protocol (five calls, a hijacked stream) costs above
        // `docker version` with no engine behind it: the same command against the stub daemon
        stub ??= await startStubDaemon();
        series[`  docker ${sc.floor === 'runTrue' ? 'run' : 'exec'} → stub`] = { ms: [], failures: [] };
      }
      const onceFloor = async (record: boolean) => {
        if (sc.floor === 'stub' && stub) {
          const r = await sc.measure!({ image: TEST_IMAGE, daemon: stub, state: {}, all: [] });
          if (!record) return;
          if (r.code === 0) series.floor.ms.push(r.ms);
          else series.floor.failures.push(r);
          return;
        }
        if (!sc.floor || sc.floor === 'stub' || !berthd || !floor) return;
        const v = await docker(berthd.env, ['version'], { timeoutMs: 60_000 });
        const r = await floor[sc.floor]();
        const rs = await floor[`${sc.floor}Seccomp`]();
        const cli = sc.floor === 'runTrue' ? ['run', '--rm', '--network', 'none', 'stub', 'true'] : ['exec', 'stub', 'true'];
        const protocol = stub ? await docker(stub.env, cli, { timeoutMs: 60_000 }) : undefined;
        if (!record) return;
        if (protocol) {
          const row = series[`  docker ${cli[0]} → stub`];
          if (protocol.code === 0) row.ms.push(protocol.ms);
          else row.failures.push(protocol);
        }
        const bad = [v, r].find((x) => x.code !== 0);
        if (bad) return void series.floor.failures.push(bad);
        series.floor.ms.push(v.ms + r.ms);
        series['  docker version'].ms.push(v.ms);
        series[`  runc ${sc.floor === 'runTrue' ? 'run' : 'exec'}`].ms.push(r.ms);
        if (rs.code !== 0) return void series['floor+seccomp'].failures.push(rs);
        series['floor+seccomp'].ms.push(v.ms + rs.ms);
        series[`  runc ${sc.floor === 'runTrue' ? 'run' : 'exec'} +seccomp`].ms.push(rs.ms);
      };
      const scWarmup = Math.min(warmup, sc.warmup ?? warmup);
      const scRuns = Math.min(runs, sc.runs ?? runs);
      for (let i = 0; i < scWarmup; i++) {
        for (const d of active) await once(d, false);
        await onceFloor(false);
      }
      for (let i = 0; i < scRuns; i++) {
        const order = i % 2 === 0 ? active : [...active].reverse();
        for (const d of order) await once(d, true);
        await onceFloor(true);
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
  const rows: string[][] = [['scenario', 'daemon', 'median', 'p90', 'min', 'max', 'ok/runs', 'dockerd/x', 'over floor', 'over floor+seccomp']];
  for (const sc of scenarios) {
    const series = results[sc.name];
    if (!series) continue;
    const b = series.berthd ? stats(series.berthd) : undefined;
    const d = series.dockerd ? stats(series.dockerd) : undefined;
    const ratio = b && d && b.n && d.n ? d.median / b.median : NaN;
    const fl = series.floor?.ms.length ? stats(series.floor) : undefined;
    const fls = series['floor+seccomp']?.ms.length ? stats(series['floor+seccomp']) : undefined;
    for (const [name, s] of Object.entries(series)) {
      const st = stats(s);
      const r = d && d.n && st.n && (name === 'berthd' || name === 'baseline') ? d.median / st.median : NaN;
      const daemon = name === 'berthd' || name === 'baseline' || name === 'dockerd';
      const over = fl && daemon ? `+${(st.median - fl.median).toFixed(1)} ms` : '';
      const overS = fls && daemon ? `+${(st.median - fls.median).toFixed(1)} ms` : '';
      rows.push([sc.name, name, fmt(st.median), fmt(st.p90), fmt(st.min), fmt(st.max), `${st.n}/${st.n + st.failed}`, Number.isFinite(r) ? `${r.toFixed(2)}x` : '', over, overS]);
    }
    if (sc.target) {
      const over = sc.target.maxOver;
      const baseSeries = over ? results[over.scenario]?.berthd : undefined;
      const overFloor = sc.target.maxOverFloor;
      const frac = sc.target.maxFractionOf;
      const fracSeries = frac ? results[frac.scenario]?.berthd : undefined;
      const fracBound = frac ? (fracSeries?.ms.length ? stats(fracSeries).median * frac.fraction : NaN) : Infinity;
      const bound = Math.min(
        over
          ? (baseSeries?.ms.length ? stats(baseSeries).median + over.ms : NaN)
          : overFloor !== undefined
            ? (fl ? fl.median + overFloor : NaN)
            : (sc.target.maxMedianMs ?? Infinity),
        fracBound,
      );
      // a speedup the floor itself forbids: even a daemon that cost nothing on top of runc would miss
      // it (berthd's exec helper does not run runc: there the floor bounds only runc's execs)
      if (fl && d && d.n && b && sc.target.minSpeedup > 0 && d.median / sc.target.minSpeedup < fl.median && b.median >= fl.median)
        notes.push(`${sc.name}: ${sc.target.minSpeedup.toFixed(2)}x faster than dockerd means ≤ ${fmt(d.median / sc.target.minSpeedup)}, below the floor (${fmt(fl.median)}): at most ${(d.median / fl.median).toFixed(2)}x is possible on this machine now`);
      const okMedian = !!b && b.n > 0 && b.median <= bound;
      const okRatio = sc.target.minSpeedup === 0 ? true : Number.isFinite(ratio) ? ratio >= sc.target.minSpeedup : undefined;
      const met = okMedian && okRatio !== false && (b?.failed ?? 1) === 0;
      targetMet = (targetMet ?? true) && met && okRatio === true;
      notes.unshift(
        `target for ${sc.name} (berthd median ≤ ${frac ? `${frac.scenario} × ${frac.fraction.toFixed(2)} = ${fmt(bound)}` : over ? `${over.scenario} + ${over.ms} ms = ${fmt(bound)}` : overFloor !== undefined ? `floor + ${overFloor} ms = ${fmt(bound)}` : sc.target.maxMedianMs !== undefined ? `${sc.target.maxMedianMs} ms` : '∞'} and ≥ ${sc.target.minSpeedup.toFixed(2)}x faster than dockerd): ` +
          `${met && okRatio ? 'MET' : 'NOT MET'} — berthd median ${b ? fmt(b.median) : 'n/a'}${okMedian ? ' ✓' : ' ✗'}, ` +
          `speedup ${Number.isFinite(ratio) ? ratio.toFixed(2) + 'x' : 'n/a (needs figures from both daemons)'}${okRatio === undefined ? '' : okRatio ? ' ✓' : ' ✗'}`,
      );
    }
  }
  console.log(table(rows));
  if (Object.keys(memory).length) {
    const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
    const mrows = [['daemon', 'at rest', 'idle after', 'processes', `with ${MEMORY_CONTAINERS}`, 'processes', 'per container', 'dockerd/berthd']];
    const b = memory.berthd;
    const dd = memory.dockerd;
    const ratio = b && dd ? dd.perContainerKiB / b.perContainerKiB : NaN;
    for (const [name, m] of Object.entries(memory)) mrows.push([name, atRest[name] ? mib(atRest[name].pssKiB) : '—', mib(m.idle.pssKiB), String(m.idle.processes), mib(m.loaded.pssKiB), String(m.loaded.processes), mib(m.perContainerKiB), name === 'berthd' && Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : '']);
    console.log('\nmemory (PSS of the engine\'s processes: the daemon, its monitors or shims, containerd; at rest: after start and an image load; idle after: after the scenarios)\n' + table(mrows));
    if (b && dd) {
      const met = b.perContainerKiB * 2 <= dd.perContainerKiB;
      targetMet = (targetMet ?? true) && met;
      const [rb, rd] = [atRest.berthd?.pssKiB ?? b.idle.pssKiB, atRest.dockerd?.pssKiB ?? dd.idle.pssKiB];
      const restMet = rb <= rd;
      targetMet = targetMet && restMet;
      notes.unshift(`target for memory at rest (berthd at most dockerd + containerd): ${restMet ? 'MET' : 'NOT MET'} — ${mib(rb)} vs ${mib(rd)} (${(rd / rb).toFixed(2)}x)`);
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
