// Compatibility: docker-py (Debian's python3-docker) against berthd. The suite itself is plain
// Python unittest (docker_py_suite.py); this file starts the daemon and a reference registry on
// loopback, runs it, and reports each Python test as a subtest.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, describeRun } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, SUITE } from '../helpers/target.ts';
import { startRegistry, type Registry } from '../helpers/registry.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// Debian's interpreter, so that Debian's python3-docker is the one imported (not a pyenv's)
const PYTHON = process.env.BERTH_TEST_SYSTEM_PYTHON ?? '/usr/bin/python3';

describe('docker-py', SUITE(e2eSkipReason()), () => {
  const t = e2e();
  let registry: Registry;
  before(async () => {
    registry = await startRegistry();
  });
  after(async () => {
    await registry?.stop();
  });

  test('the docker-py suite passes', { timeout: 15 * 60_000 }, async () => {
    const r = await run(PYTHON, [path.join(HERE, 'docker_py_suite.py')], {
      timeoutMs: 14 * 60_000,
      envAll: { ...process.env, DOCKER_HOST: t.d.env.DOCKER_HOST, TEST_IMAGE: t.image, REGISTRY: registry.host, PYTHONDONTWRITEBYTECODE: '1' },
    });
    // unittest writes its per-test lines ("test_x (...) ... ok") to stderr
    process.stdout.write(r.stderr.split('\n').filter((l) => / \.\.\. /.test(l)).map((l) => `# docker-py: ${l}\n`).join(''));
    assert.equal(r.code, 0, describeRun(['python3', 'docker_py_suite.py'], r));
    assert.match(r.stderr, /\nOK\n?$/);
  });
});
