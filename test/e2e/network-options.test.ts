// End-to-end: bridge driver options Docker honours — the MTU of a network's interfaces, the default
// host address of its published ports — and a value dockerd's parser rejects. Ports on 127.0.0.1 only.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok, uniq } from '../helpers/util.ts';

const skip = e2eSkipReason();

describe('bridge driver options', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);

  test('com.docker.network.driver.mtu and com.docker.network.bridge.host_binding_ipv4', T, async () => {
    const nw = uniq('opts');
    ok(await dk(['network', 'create', '-o', 'com.docker.network.driver.mtu=1400', '-o', 'com.docker.network.bridge.host_binding_ipv4=127.0.0.1', nw]));
    try {
      assert.equal(ok(await dk(['network', 'inspect', '-f', '{{index .Options "com.docker.network.driver.mtu"}}', nw])).trim(), '1400');
      assert.equal(ok(await dk(['run', '--rm', '--network', nw, t.image, 'cat', '/sys/class/net/eth0/mtu'])).trim(), '1400');
      const c = uniq('hb');
      ok(await dk(['run', '-d', '--name', c, '--network', nw, '-p', '80', t.image, 'sleep', '60']));
      assert.match(ok(await dk(['port', c, '80'])).trim(), /^127\.0\.0\.1:\d+$/);
      ok(await dk(['rm', '-f', c]));
    } finally {
      ok(await dk(['network', 'rm', nw]));
    }
  });

  test('an MTU that is not a number is refused and no network is made', T, async () => {
    const nw = uniq('badmtu');
    const r = await dk(['network', 'create', '-o', 'com.docker.network.driver.mtu=big', nw]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /invalid syntax|mtu/i);
    assert.ok(!ok(await dk(['network', 'ls', '--format', '{{.Name}}'])).split('\n').includes(nw));
  });
});
