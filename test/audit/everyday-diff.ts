// Differential audit: the same docker CLI commands against berthd and Debian's dockerd 20.10,
// stdout / stderr / exit code compared after masking ids, times and sizes. Prints the differences.
// Run as root under the e2e lock:
//   flock /tmp/berth-e2e.lock bin/node test/audit/everyday-diff.ts [GROUP...]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBerthd } from '../helpers/berthd.ts';
import { startDockerd } from '../helpers/dockerd.ts';
import { docker, type RunResult } from '../helpers/docker.ts';
import { busyboxDockerArchive, TEST_IMAGE } from '../helpers/images.ts';
import { STEPS, type Step } from './everyday-steps.ts';

const only = process.argv.slice(2);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'everyday-'));

function mask(s: string): string {
  return s
    .replace(/sha256:[0-9a-f]{64}/g, 'sha256:<ID>')
    .replace(/[0-9a-f]{64}/g, '<ID>')
    .replace(/\b[0-9a-f]{12}\b/g, '<id>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g, '<TIME>')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \w+/g, '<TIME>')
    .replace(/(About a minute|About an hour|Less than a second|\d+ (seconds?|minutes|hours|days|weeks|months|years)) ago/g, '<AGO>')
    .replace(/Up (About a minute|Less than a second|\d+ seconds?|\d+ minutes)/g, 'Up <DUR>')
    .replace(/\) (About a minute|Less than a second|\d+ seconds|\d+ minutes) ago/g, ') <AGO>')
    .replace(/\/tmp\/everyday-[A-Za-z0-9]+/g, '<SCRATCH>');
}

const d1 = await startBerthd();
const d2 = await startDockerd({ extraArgs: ['--live-restore'], bridge: true });
let diffs = 0;
try {
  const archive = await busyboxDockerArchive();
  for (const d of [d1, d2]) {
    const r = await docker(d.env, ['load', '-i', archive.file]);
    if (r.code !== 0) throw new Error(`load: ${r.stderr}`);
  }
  const ctx = { scratch, image: TEST_IMAGE };
  const runOn = async (d: { env: Record<string, string> }, s: Step): Promise<RunResult> => {
    const args = typeof s.args === 'function' ? s.args(ctx) : s.args;
    const r = await docker(d.env as { DOCKER_HOST: string }, args, { input: s.input, cwd: s.cwd ? path.join(scratch, s.cwd) : undefined, timeoutMs: 60_000 });
    if (s.after) await s.after(d.env);
    return r;
  };
  for (const s of STEPS) {
    if (only.length && !only.includes(s.group)) continue;
    if (s.setup) s.setup(ctx);
    const a = await runOn(d1, s);
    const b = await runOn(d2, s);
    const norm = (r: RunResult) => {
      let out = mask(r.stdout), err = mask(r.stderr);
      if (s.sort) out = out.split('\n').sort().join('\n');
      if (s.ignoreOut) out = '<ignored>';
      return { code: r.code, out, err };
    };
    const na = norm(a), nb = norm(b);
    const args = typeof s.args === 'function' ? s.args(ctx) : s.args;
    const label = `[${s.group}] docker ${args.join(' ')}`;
    if (na.code === nb.code && na.out === nb.out && na.err === nb.err) {
      console.log(`SAME ${label}`);
    } else {
      diffs++;
      console.log(`DIFF ${label}`);
      if (na.code !== nb.code) console.log(`  exit: berthd ${na.code}  dockerd ${nb.code}`);
      if (na.out !== nb.out) console.log(`  stdout berthd:\n${indent(na.out)}\n  stdout dockerd:\n${indent(nb.out)}`);
      if (na.err !== nb.err) console.log(`  stderr berthd:\n${indent(na.err)}\n  stderr dockerd:\n${indent(nb.err)}`);
    }
  }
} finally {
  await d1.stop();
  await d2.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
}
console.log(`${diffs} differences`);
process.exit(0);

function indent(s: string): string {
  return s.split('\n').map((l) => `    |${l}`).join('\n');
}
