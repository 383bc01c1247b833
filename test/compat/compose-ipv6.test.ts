// Compatibility: docker-compose (1.29, a docker-py client) with an IPv6-enabled network (enable_ipv6,
// an IPv6 IPAM subnet, a service's ipv6_address): the network is dual-stack, the service has its fixed
// address, and another service finds it by name (AAAA) and reaches it over IPv6.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, docker, describeRun, type RunResult } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, SUITE } from '../helpers/target.ts';
import { ok, uniq, waitFor } from '../helpers/util.ts';

const APP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'compose-ipv6');
const COMPOSE = process.env.BERTH_TEST_COMPOSE ?? 'docker-compose';

describe('docker-compose with an IPv6 network', SUITE(e2eSkipReason()), () => {
  const t = e2e();
  const project = uniq('cmp6').replace(/-/g, '');
  const compose = (args: string[], timeoutMs = 120_000): Promise<RunResult> =>
    run(COMPOSE, ['--no-ansi', '-p', project, ...args], { cwd: APP, timeoutMs, envAll: { ...process.env, DOCKER_HOST: t.d.env.DOCKER_HOST, TEST_IMAGE: t.image } });
  const composeOk = async (args: string[], timeoutMs?: number) => {
    const r = await compose(args, timeoutMs);
    assert.equal(r.code, 0, describeRun(['docker-compose', ...args], r));
    return r;
  };

  test('enable_ipv6 network, ipv6_address, AAAA by service name, traffic over IPv6', { timeout: 5 * 60_000 }, async () => {
    try {
      await composeOk(['up', '-d'], 180_000);
      const nw = `${project}_v6net`;
      assert.equal(ok(await docker(t.d.env, ['network', 'inspect', '-f', '{{.EnableIPv6}}', nw])).trim(), 'true');
      assert.equal(ok(await docker(t.d.env, ['inspect', '-f', `{{(index .NetworkSettings.Networks "${nw}").GlobalIPv6Address}}`, `${project}_web6_1`])).trim(), 'fd00:db8:7c::10');
      const out = await waitFor(async () => {
        const r = await compose(['exec', '-T', 'client6', 'sh', '-c', 'nslookup -type=AAAA web6; nc fd00:db8:7c::10 80']);
        return /hello-over-v6/.test(r.stdout) ? r.stdout : undefined;
      }, 'client6 reaches web6 over IPv6', 30_000, 500);
      assert.match(out, /Address:\s+fd00:db8:7c::10/);
    } finally {
      await composeOk(['down', '--remove-orphans'], 180_000);
    }
    assert.equal(ok(await docker(t.d.env, ['network', 'ls', '-q', '--filter', `name=${project}_v6net`])), '');
  });
});
