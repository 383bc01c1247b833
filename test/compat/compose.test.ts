// Compatibility: Debian's docker-compose (1.29, a docker-py client) drives a three-service
// application (compose-app/) against berthd: build, named volume, healthcheck, depends_on with
// service_healthy, name resolution by service name, then ps, logs, exec, scale, restart, down -v.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, docker, describeRun, type RunResult } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, SUITE } from '../helpers/target.ts';
import { ok, uniq, waitFor } from '../helpers/util.ts';

const APP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'compose-app');
const COMPOSE = process.env.BERTH_TEST_COMPOSE ?? 'docker-compose';

describe('docker-compose', SUITE(e2eSkipReason()), () => {
  const t = e2e();
  const project = uniq('cmp').replace(/-/g, '');
  const compose = (args: string[], timeoutMs = 120_000): Promise<RunResult> =>
    run(COMPOSE, ['--no-ansi', '-p', project, ...args], {
      cwd: APP,
      timeoutMs,
      envAll: { ...process.env, DOCKER_HOST: t.d.env.DOCKER_HOST, TEST_IMAGE: t.image, COMPOSE_DOCKER_CLI_BUILD: '0', DOCKER_BUILDKIT: '0' },
    });
  const composeOk = async (args: string[], timeoutMs?: number) => {
    const r = await compose(args, timeoutMs);
    assert.equal(r.code, 0, describeRun(['docker-compose', ...args], r));
    return r;
  };

  test('up, ps, logs, exec, scale, restart, down -v', { timeout: 10 * 60_000 }, async () => {
    try {
      await composeOk(['up', '-d', '--build'], 300_000);

      const ps = (await composeOk(['ps'])).stdout;
      for (const svc of ['app_1', 'web_1', 'client_1']) assert.match(ps, new RegExp(`${project}_${svc}\\s.*Up`), ps);
      assert.match(ps, new RegExp(`${project}_web_1\\s.*\\(healthy\\)`), ps);

      // the client waited for web to be healthy, then fetched the page by service name
      await waitFor(async () => /hello-from-web/.test((await compose(['logs', '--no-color', 'client'])).stdout), 'the client fetched the page', 30_000, 300);
      assert.match((await composeOk(['logs', '--no-color', 'app'])).stdout, /built by compose/);

      assert.equal((await composeOk(['exec', '-T', 'web', 'cat', '/www/index.html'])).stdout, 'hello-from-web\n');

      // the built image carries the Dockerfile's label; the volume is the project's
      assert.equal(ok(await docker(t.d.env, ['image', 'inspect', '-f', '{{index .Config.Labels "suite"}}', `${project}_app`])).trim(), 'compose');
      assert.match(ok(await docker(t.d.env, ['volume', 'ls', '-q'])), new RegExp(`^${project}_webdata$`, 'm'));

      await composeOk(['up', '-d', '--scale', 'app=3', '--no-recreate'], 180_000);
      const apps = ok(await docker(t.d.env, ['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`, '--filter', 'label=com.docker.compose.service=app']));
      assert.equal(apps.trim().split('\n').length, 3, apps);

      const before = ok(await docker(t.d.env, ['inspect', '-f', '{{.State.StartedAt}}', `${project}_web_1`])).trim();
      await composeOk(['restart', 'web']);
      const afterStart = ok(await docker(t.d.env, ['inspect', '-f', '{{.State.StartedAt}} {{.State.Running}}', `${project}_web_1`])).trim();
      assert.notEqual(afterStart.split(' ')[0], before);
      assert.match(afterStart, / true$/);
    } finally {
      await composeOk(['down', '-v', '--remove-orphans'], 180_000);
    }
    assert.equal(ok(await docker(t.d.env, ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`])), '');
    assert.doesNotMatch(ok(await docker(t.d.env, ['volume', 'ls', '-q'])), new RegExp(`${project}_webdata`));
    assert.doesNotMatch(ok(await docker(t.d.env, ['network', 'ls', '--format', '{{.Name}}'])), new RegExp(`${project}_default`));
  });
});
