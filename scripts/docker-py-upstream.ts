// Runs docker-py's own integration suite (tests/integration of github.com/docker/docker-py, checked
// out by hand at the tag of Debian's python3-docker, 5.0.3) against berthd, or against Debian's dockerd
// with BERTH_E2E_DAEMON=dockerd, for side-by-side comparison. Not part of the test run: the suite is not
// vendored here. As root, under the e2e lock, with python3-pytest, -paramiko and -pytest-timeout:
//   git --git-dir=DOCKER_PY.git archive 5.0.3 tests pytest.ini | tar -x -C SUITE
//   flock /tmp/berth-e2e.lock bin/node scripts/docker-py-upstream.ts SUITE OUT [pytest args...]
// The suite's conftest turns every warning into an error, and Debian's docker-py 5.0.3 warns about
// distutils on Python 3.11 in every client: that filter is relaxed for DeprecationWarning first.
// Images: the suite pulls alpine:3.10 (its TEST_IMG), alpine, busybox and hello-world from Docker Hub;
// here they are made from the host's busybox (with alpine's postgres user and /var/opt, which its
// exec tests use) and loaded, so only the tests that pull need the internet (they fail on both daemons).
// Swarm, services, secrets, configs, nodes and plugins are left out.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startDaemon } from '../test/helpers/target.ts';
import { dockerArchive, busyboxEntries } from '../test/helpers/images.ts';
import { docker, describeRun } from '../test/helpers/docker.ts';

const [suite, out, ...pytestArgs] = process.argv.slice(2);
if (!suite || !out) {
  console.error('usage: docker-py-upstream.ts SUITE_DIR OUT_DIR [pytest args...]');
  process.exit(2);
}
fs.mkdirSync(out, { recursive: true });
const conftest = path.join(suite, 'tests/integration/conftest.py');
const text = fs.readFileSync(conftest, 'utf8');
if (!text.includes("filterwarnings('ignore', category=DeprecationWarning)"))
  fs.writeFileSync(conftest, text.replace("    warnings.simplefilter('error')\n", "    warnings.simplefilter('error')\n    warnings.filterwarnings('ignore', category=DeprecationWarning)\n"));

const passwd = ['root:x:0:0:root:/root:/bin/ash', 'bin:x:1:1:bin:/bin:/sbin/nologin', 'daemon:x:2:2:daemon:/sbin:/sbin/nologin', 'postgres:x:70:70::/var/lib/postgresql:/bin/sh', 'guest:x:405:100:guest:/dev/null:/sbin/nologin', 'nobody:x:65534:65534:nobody:/:/sbin/nologin', ''].join('\n');
const group = ['root:x:0:root', 'bin:x:1:root,bin,daemon', 'daemon:x:2:root,bin,daemon', 'users:x:100:games', 'postgres:x:70:', 'nobody:x:65534:', ''].join('\n');
const dirs = ['var/opt', 'var/lib', 'var/lib/postgresql', 'opt', 'mnt', 'media', 'srv', 'run', 'sbin', 'lib', 'usr/local', 'usr/local/bin', 'usr/sbin', 'usr/lib', 'var/log', 'var/cache', 'var/spool', 'var/empty'];
const alpine = [...dirs.map((d) => ({ name: d, type: 'directory' as const, mode: 0o755 })), { name: 'etc/passwd', mode: 0o644, content: passwd }, { name: 'etc/group', mode: 0o644, content: group }];

const d = await startDaemon();
let code = 1;
try {
  const images = [
    await dockerArchive(path.join(out, 'alpine.tar'), { tags: ['alpine:3.10'], cmd: ['/bin/sh'], layers: [busyboxEntries(), alpine] }),
    await dockerArchive(path.join(out, 'hello.tar'), { tags: ['hello-world:latest'], cmd: ['/hello'], layers: [busyboxEntries(), [{ name: 'hello', mode: 0o755, content: '#!/bin/sh\necho "Hello from Docker!"\n' }]] }),
  ];
  for (const i of images) {
    const r = await docker(d.env, ['load', '-i', i.file], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(describeRun(['docker', 'load'], r));
  }
  for (const tag of ['alpine:latest', 'busybox:latest']) await docker(d.env, ['tag', 'alpine:3.10', tag]);
  const left = ['api_swarm', 'api_service', 'api_secret', 'api_config', 'api_plugin', 'models_swarm', 'models_services', 'models_nodes'].flatMap((f) => ['--ignore', `tests/integration/${f}_test.py`]);
  const log = fs.openSync(path.join(out, 'pytest.log'), 'w');
  code = spawnSync('/usr/bin/python3', ['-m', 'pytest', '-p', 'no:cacheprovider', '--timeout=120', '-rA', `--junitxml=${path.resolve(out, 'junit.xml')}`, 'tests/integration', ...left, ...pytestArgs], {
    cwd: suite,
    env: { ...process.env, DOCKER_HOST: d.env.DOCKER_HOST, PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', log, log],
  }).status ?? 1;
  fs.writeFileSync(path.join(out, 'daemon.log'), d.logs());
  console.log(`pytest exited ${code}; see ${path.join(out, 'pytest.log')}`);
} finally {
  await d.stop();
}
process.exit(code);
