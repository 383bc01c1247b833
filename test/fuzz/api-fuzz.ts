// Fuzzes a freshly started daemon through its unix socket (run as root, under the e2e lock):
//
//   flock /tmp/berth-e2e.lock bin/node test/fuzz/api-fuzz.ts --seed 1 --duration 300 [--out f.json]
//   flock /tmp/berth-e2e.lock bin/node test/fuzz/api-fuzz.ts --replay f.json --daemon dockerd
//
// A run: start berthd, load the test image, fuzz (fuzz-run.ts), then check the daemon's log for
// crashes and unhandled rejections, its temp directory for leftovers, and that it restarts on its
// store and answers. --replay sends the 5xx reproducers of an earlier run to berthd or dockerd and
// prints each status beside the recorded one (what dockerd 20.10 answers for the same request).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startBerthd, type Berthd } from '../helpers/berthd.ts';
import { startDockerd, type Dockerd } from '../helpers/dockerd.ts';
import { busyboxDockerArchive, TEST_IMAGE } from '../helpers/images.ts';
import { docker } from '../helpers/docker.ts';
import { fuzz, type Finding, type FuzzReport } from './fuzz-run.ts';
import { send, api, ping } from './fuzz-client.ts';

/** What the daemon's log says that it never should: a crash or an error nobody typed. */
export function logProblems(log: string): string[] {
  const out: string[] = [];
  for (const line of log.split('\n')) {
    if (/uncaught exception|unhandled rejection|FATAL|Segmentation|out of memory/i.test(line)) out.push(line.slice(0, 400));
  }
  return out;
}

/** Files left in the data root's temp directory (where extraction and builds stage their work). */
export function tempLeftovers(dataRoot: string): string[] {
  const tmp = path.join(dataRoot, 'tmp');
  if (!fs.existsSync(tmp)) return [];
  return fs.readdirSync(tmp);
}

/** After a run: the log clean, no temp leftovers, and the store opening cleanly after a restart. */
export async function afterRun(d: Berthd): Promise<string[]> {
  const problems = logProblems(d.logs()).map((l) => `log: ${l}`);
  // leftovers of requests that were still running when the fuzz ended have a moment to go
  for (let i = 0; i < 20 && tempLeftovers(d.dataRoot).length; i++) await new Promise((r) => setTimeout(r, 500));
  problems.push(...tempLeftovers(d.dataRoot).map((f) => `temp leftover: ${f}`));
  const before = d.logSize();
  await d.restart();
  if (!(await ping(d.socket, 5000))) problems.push('no ping after the restart');
  for (const p of ['/containers/json?all=1', '/images/json', '/volumes', '/networks', '/system/df']) {
    const a = await api(d.socket, 'GET', p);
    if (a.status !== 200) problems.push(`after the restart GET ${p}: ${a.status} ${a.text.slice(0, 200)}`);
  }
  problems.push(...logProblems(d.logs(before)).map((l) => `log after restart: ${l}`));
  return problems;
}

async function loadImage(d: Berthd | Dockerd): Promise<void> {
  const archive = await busyboxDockerArchive();
  const r = await docker(d.env, ['load', '-i', archive.file], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`docker load: ${r.stderr}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: String(Date.now() % 100000) },
      duration: { type: 'string' },
      cases: { type: 'string' },
      out: { type: 'string' },
      trace: { type: 'string' },
      replay: { type: 'string' },
      daemon: { type: 'string', default: 'berthd' },
    },
  });
  const d = values.daemon === 'dockerd' ? await startDockerd({ bridge: true }) : await startBerthd();
  let code = 0;
  try {
    await loadImage(d);
    if (values.replay) {
      const findings: Finding[] = JSON.parse(fs.readFileSync(values.replay, 'utf8'));
      // the recorded container IDs name a running container of this daemon; dockerd 20.10 speaks up to 1.41
      const c = await api(d.socket, 'POST', '/containers/create', { Image: TEST_IMAGE, Cmd: ['sleep', '100000'] });
      await api(d.socket, 'POST', `/containers/${c.json.Id}/start`);
      for (const f of findings) {
        if (f.kind !== '5xx') continue;
        const body = f.request.bodyB64 ? Buffer.from(f.request.bodyB64, 'base64') : undefined;
        let target = f.request.target.replace(/\/containers\/[0-9a-f]{64}/, `/containers/${c.json.Id}`);
        if (d.kind === 'dockerd') target = target.replace(/^\/v1\.(4[2-9]|50)\//, '/v1.41/');
        const a = await send(d.socket, { ...f.request, target, body }, 30_000);
        let msg = a.body;
        try {
          msg = JSON.parse(a.body).message;
        } catch {}
        console.log(`${values.daemon} ${a.status} (berthd ${f.status}) ${f.request.method} ${f.request.target.slice(0, 160)} [${f.how}]\n    ${values.daemon}: ${String(msg).slice(0, 200)}\n    berthd: ${f.answer.slice(0, 200)}`);
      }
      return;
    }
    const seed = Number(values.seed);
    const t0 = Date.now();
    const report: FuzzReport = await fuzz({
      socket: d.socket,
      seed,
      image: TEST_IMAGE,
      cases: values.cases ? Number(values.cases) : undefined,
      durationMs: values.duration ? Number(values.duration) * 1000 : values.cases ? undefined : 60_000,
      log: (l) => console.log(l),
      trace: values.trace ? (l) => fs.appendFileSync(values.trace!, l + '\n') : undefined,
    });
    console.log(`seed ${seed}: ${report.cases} cases in ${Math.round((Date.now() - t0) / 1000)} s; statuses ${JSON.stringify(report.statuses)}`);
    for (const [k, n] of Object.entries(report.groups)) console.log(`  ${n}x ${k}`);
    if (values.out) fs.writeFileSync(values.out, JSON.stringify(report.findings, null, 1));
    if (d.kind === 'berthd') {
      const problems = await afterRun(d);
      for (const p of problems) console.log(`PROBLEM ${p}`);
      if (problems.length) code = 1;
    }
    if (report.findings.length) code = 1;
  } finally {
    await d.stop();
  }
  process.exitCode = code;
}

if (import.meta.main) await main();
