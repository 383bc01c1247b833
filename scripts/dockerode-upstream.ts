// Runs dockerode's own test suite (test/ of github.com/apocas/dockerode at the tag of the dockerode in
// package.json, 5.0.1: mocha + chai) against berthd, or against Debian's dockerd with
// BERTH_E2E_DAEMON=dockerd, for side-by-side comparison. The suite is not vendored here. As root,
// under the e2e lock, with the suite's devDependencies installed in its own directory:
//   git --git-dir=DOCKERODE.git archive v5.0.1 | tar -x -C SUITE && (cd SUITE && npm install)
//   flock /tmp/berth-e2e.lock bin/node scripts/dockerode-upstream.ts SUITE OUT [mocha args...]
// Images: the suite uses ubuntu (with bash, uptime, wc) and alpine (its buildkit Dockerfile) from Docker
// Hub; here both are the host's busybox with a /bin/bash script running busybox sh, loaded under those names,
// so only the tests that pull or search need the internet (they fail on both daemons).
// The swarm and plugin files are left out. spec_helper.js takes the daemon from DOCKER_HOST: its own
// `DOCKER_SOCKET || isWin ? pipe : sock` picks the Windows pipe whenever DOCKER_SOCKET is set.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startDaemon } from '../test/helpers/target.ts';
import { dockerArchive, busyboxEntries } from '../test/helpers/images.ts';
import { docker, describeRun } from '../test/helpers/docker.ts';

const [suite, out, ...mochaArgs] = process.argv.slice(2);
if (!suite || !out) {
  console.error('usage: dockerode-upstream.ts SUITE_DIR OUT_DIR [mocha args...]');
  process.exit(2);
}
fs.mkdirSync(out, { recursive: true });
const helper = path.join(suite, 'test/spec_helper.js');
fs.writeFileSync(helper, fs.readFileSync(helper, 'utf8').replace(/var socket = .*\n/, "var socket = '/nonexistent/docker.sock';\n"));

/** the suite's ubuntu and alpine: busybox, with /bin/bash (a script: busybox has no bash applet) */
export async function dockerodeImages(dir: string) {
  const bash = [{ name: 'bin/bash', mode: 0o755, content: '#!/bin/sh\nexec /bin/sh "$@"\n' }];
  return [await dockerArchive(path.join(dir, 'ubuntu.tar'), { tags: ['ubuntu:latest', 'alpine:latest'], cmd: ['/bin/bash'], layers: [busyboxEntries(), bash] })];
}

const d = await startDaemon();
let code = 1;
try {
  for (const i of await dockerodeImages(out)) {
    const r = await docker(d.env, ['load', '-i', i.file], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(describeRun(['docker', 'load'], r));
  }
  const files = ['docker', 'container', 'image', 'networks', 'promises', 'util', 'buildkit_test'].map((f) => `test/${f}.js`);
  const log = fs.openSync(path.join(out, 'mocha.log'), 'w');
  code =
    spawnSync(process.execPath, ['node_modules/mocha/bin/mocha.js', '--exit', '--reporter', 'json', '--reporter-option', `output=${path.resolve(out, 'results.json')}`, ...files, ...mochaArgs], {
      cwd: suite,
      env: { ...process.env, DOCKER_HOST: d.env.DOCKER_HOST, DOCKER_SOCKET: '' },
      stdio: ['ignore', log, log],
    }).status ?? 1;
  fs.writeFileSync(path.join(out, 'daemon.log'), d.logs());
  console.log(`mocha exited ${code}; see ${path.join(out, 'results.json')}`);
} finally {
  await d.stop();
}
process.exit(code);
