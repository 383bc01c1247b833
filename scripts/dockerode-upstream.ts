// Runs dockerode's own test suite (test/ of github.com/apocas/dockerode at the tag of the dockerode in
// package.json, v5.0.1: mocha + chai) against berthd, or against Debian's dockerd with
// BERTH_E2E_DAEMON=dockerd, for side-by-side comparison, and prints its failures. The suite is not
// vendored here. As root, under the e2e lock, with the suite's devDependencies installed in its own
// directory:
//   git --git-dir=DOCKERODE.git archive v5.0.1 | tar -x -C SUITE && (cd SUITE && npm install)
//   flock /tmp/berth-e2e.lock bin/node scripts/dockerode-upstream.ts SUITE OUT [mocha args...]
// test/e2e/upstream-dockerode.test.ts runs the same with BERTH_DOCKERODE_SUITE=SUITE and checks the
// failures against the list of those that need the internet. Images: see test/helpers/dockerode-suite.ts.
import path from 'node:path';
import { startDaemon } from '../test/helpers/target.ts';
import { docker, describeRun } from '../test/helpers/docker.ts';
import { dockerodeImage, runDockerodeSuite } from '../test/helpers/dockerode-suite.ts';

const [suite, out, ...mochaArgs] = process.argv.slice(2);
if (!suite || !out) {
  console.error('usage: dockerode-upstream.ts SUITE_DIR OUT_DIR [mocha args...]');
  process.exit(2);
}
const d = await startDaemon();
let code = 1;
try {
  const image = await dockerodeImage(path.join(out, 'ubuntu.tar'));
  const r = await docker(d.env, ['load', '-i', image.file], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(describeRun(['docker', 'load'], r));
  const res = await runDockerodeSuite(suite, out, d.env.DOCKER_HOST, mochaArgs);
  console.log(JSON.stringify(res.stats));
  for (const f of res.failures) console.log(`FAIL ${f.fullTitle}: ${(f.err.message ?? '').split('\n')[0]}`);
  code = res.failures.length ? 1 : 0;
} finally {
  await d.stop();
}
process.exit(code);
