// Runs critest (built by scripts/critest/build.sh) against berthd's CRI or Debian's containerd 1.6,
// with every image it pulls served by a local registry (scripts/critest/images.ts), nothing from
// the internet:
//   bin/node scripts/critest/run.ts --critest PATH --target berthd|containerd [--out DIR] [-- CRITEST ARGS]
// The images keep their names (registry.k8s.io/..., gcr.io/...), as critest checks RepoTags against
// them, so the registry listens on 127.0.80.1:80 and both names resolve there: containerd through
// mirror entries, berthd through /etc/hosts in a private mount namespace of this run (the host's
// /etc/hosts is untouched) and --insecure-registry. Writes OUT/critest.log, junit.xml, passed.txt,
// failed.txt and the daemon's log; prints "N passed, N failed, N skipped". Run it under the e2e lock.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { startRegistry } from '../../test/helpers/registry.ts';
import { startBerthd } from '../../test/helpers/berthd.ts';
import { startContainerd } from '../../test/helpers/containerd.ts';
import { pushCritestImages } from './images.ts';

const REGISTRY_IP = '127.0.80.1';
const NAMES = ['registry.k8s.io', 'gcr.io'];
/** what needs the internet: the upstream manifest's digest is part of the image name */
const SKIP = ['public image with digest should be pulled and removed'];

const { values, positionals } = parseArgs({
  options: { critest: { type: 'string', default: process.env.CRITEST ?? '/tmp/critest' }, target: { type: 'string', default: 'berthd' }, out: { type: 'string' } },
  allowPositionals: true,
});
const target = values.target!;
if (target !== 'berthd' && target !== 'containerd') throw new Error(`--target: berthd or containerd, not ${target}`);
const out = path.resolve(values.out ?? `/tmp/critest-${target}`);

if (!process.env.BERTH_CRITEST_NS) {
  // once more inside a mount namespace of our own, where /etc/hosts names the local registry
  const hosts = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'critest-hosts-')), 'hosts');
  fs.writeFileSync(hosts, `${fs.readFileSync('/etc/hosts', 'utf8')}\n${REGISTRY_IP} ${NAMES.join(' ')}\n`);
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', hosts, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BERTH_CRITEST_NS: '1' },
  });
  fs.rmSync(path.dirname(hosts), { recursive: true, force: true });
  process.exit(r.status ?? 1);
}

fs.mkdirSync(out, { recursive: true });
const registry = await startRegistry({ addr: `${REGISTRY_IP}:80` });
let stop: () => Promise<void> = async () => {};
let logFile = '';
let code = 1;
try {
  await pushCritestImages(registry.host);
  let endpoint: string;
  if (target === 'berthd') {
    const b = await startBerthd({ extraArgs: NAMES.flatMap((n) => ['--insecure-registry', n]) });
    endpoint = `unix://${b.root}/cri.sock`;
    ({ stop, logFile } = b);
  } else {
    const c = await startContainerd({ registries: NAMES.map((n) => `${n}=http://${registry.host}`) });
    endpoint = c.address;
    ({ stop, logFile } = c);
  }
  const junit = path.join(out, 'junit.xml');
  const args = ['--runtime-endpoint', endpoint, '--image-endpoint', endpoint, '--ginkgo.no-color', `--ginkgo.junit-report=${junit}`, ...SKIP.map((s) => `--ginkgo.skip=${s}`), ...positionals];
  const log = fs.createWriteStream(path.join(out, 'critest.log'));
  code = await new Promise<number>((resolve) => {
    const p = spawn(values.critest!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const s of [p.stdout, p.stderr]) s.on('data', (d: Buffer) => (log.write(d), process.stdout.write(d)));
    p.on('exit', (c) => resolve(c ?? 1));
  });
  log.end();
  summarize(junit);
} finally {
  if (logFile && fs.existsSync(logFile)) fs.copyFileSync(logFile, path.join(out, `${target}.log`));
  await stop();
  await registry.stop();
}
process.exit(code);

/** passed.txt, failed.txt (one test a line) and the closing count line */
function summarize(junit: string): void {
  if (!fs.existsSync(junit)) return;
  const xml = fs.readFileSync(junit, 'utf8');
  const passed: string[] = [];
  const failed: string[] = [];
  let skipped = 0;
  for (const m of xml.matchAll(/<testcase name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const name = m[1]!.replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
    const body = m[3] ?? '';
    if (/^\[(BeforeSuite|AfterSuite|SynchronizedBeforeSuite|ReportAfterSuite)\]/.test(name) && !/<failure|<error/.test(body)) continue;
    if (/<skipped/.test(body)) skipped++;
    else if (/<failure|<error/.test(body)) failed.push(name);
    else passed.push(name);
  }
  fs.writeFileSync(path.join(out, 'passed.txt'), passed.sort().join('\n') + '\n');
  fs.writeFileSync(path.join(out, 'failed.txt'), failed.sort().join('\n') + '\n');
  console.log(`\ncritest on ${target}: results in ${out}\n${passed.length} passed, ${failed.length} failed, ${skipped} skipped`);
}
