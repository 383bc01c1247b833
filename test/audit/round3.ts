// Differential audit, third round: both daemons up, the commands of a JSON list (test/audit/round3-commands/)
// run on each, full outputs (and binary stdout of {"bin": true} steps) saved side by side for diff:
//   flock /tmp/berth-e2e.lock bin/node test/audit/round3.ts test/audit/round3-commands/c1.json /tmp/out
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { startBerthd } from '../helpers/berthd.ts';
import { startDockerd } from '../helpers/dockerd.ts';
import { cliEnv, DOCKER_CLI } from '../helpers/docker.ts';
import { busyboxDockerArchive } from '../helpers/images.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const I = 'berth-test/busybox:latest';
type Cmd = string[] | { args: string[]; bin?: boolean; input?: string; wait?: number };
const cmds: Cmd[] = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8').replaceAll('$I', I));
const outDir = process.argv[3]!;
fs.mkdirSync(outDir, { recursive: true });

function run(env: any, args: string[], input?: string): Promise<{ code: number | null; out: Buffer; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(DOCKER_CLI, args, { env: cliEnv(env), stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const o: Buffer[] = [], e: Buffer[] = [];
    c.stdout!.on('data', (b) => o.push(b)); c.stderr!.on('data', (b) => e.push(b));
    if (input !== undefined) c.stdin!.end(input);
    const t = setTimeout(() => c.kill('SIGKILL'), 30000);
    c.on('close', (code) => { clearTimeout(t); resolve({ code, out: Buffer.concat(o), err: Buffer.concat(e).toString() }); });
  });
}
const which = process.env.ONLY;
const ds: [string, any][] = [];
if (which !== 'dockerd') ds.push(['berthd', await startBerthd()]);
if (which !== 'berthd') ds.push(['dockerd', await startDockerd({ extraArgs: ['--live-restore'], bridge: true })]);
try {
  const archive = await busyboxDockerArchive();
  for (const [, d] of ds) await run(d.env, ['load', '-i', archive.file]);
  for (const [name, d] of ds) {
    let log = '';
    let i = 0;
    for (const c of cmds) {
      const o = Array.isArray(c) ? { args: c } : c;
      const r = await run(d.env, o.args, o.input);
      i++;
      if (o.bin) fs.writeFileSync(`${outDir}/${name}.${i}.bin`, r.out);
      log += `### ${i} docker ${o.args.join(' ')}\nexit ${r.code}\n${o.bin ? `<bin ${r.out.length}>\n` : r.out.toString()}${r.err ? '--stderr\n' + r.err : ''}`;
      if (o.wait) await sleep(o.wait);
    }
    fs.writeFileSync(`${outDir}/${name}.txt`, log);
  }
} finally {
  for (const [, d] of ds) await d.stop();
}
process.exit(0);
