// End-to-end: bridge driver options Docker honours — the MTU of a network's interfaces, the default
// host address of its published ports — and a value dockerd's parser rejects. Ports on 127.0.0.1 only.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok, uniq } from '../helpers/util.ts';

const skip = e2eSkipReason();

describe('bridge driver options', SUITE(skip), () => {
  // enable_icc=false is an iptables rule in Docker as in Berth: the test dockerd writes its rules too
  const t = e2e({ dockerdIptables: true });
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

  test('com.docker.network.bridge.enable_icc=false: containers of the network cannot reach each other', T, async () => {
    const nw = uniq('noicc');
    ok(await dk(['network', 'create', '-o', 'com.docker.network.bridge.enable_icc=false', nw]));
    const srv = uniq('srv');
    try {
      ok(await dk(['run', '-d', '--name', srv, '--network', nw, t.image, 'nc', '-ll', '-p', '80', '-e', 'echo', 'hi']));
      const ip = ok(await dk(['inspect', '-f', `{{(index .NetworkSettings.Networks "${nw}").IPAddress}}`, srv])).trim();
      const r = await dk(['run', '--rm', '--network', nw, t.image, 'sh', '-c', `nc -w 2 ${ip} 80 </dev/null`]);
      assert.notEqual(r.stdout.trim(), 'hi', 'a container reached another one on an enable_icc=false network');
    } finally {
      await dk(['rm', '-f', srv]);
      ok(await dk(['network', 'rm', nw]));
    }
    // and on a network with icc (the default) it does
    const open = uniq('icc');
    ok(await dk(['network', 'create', open]));
    try {
      ok(await dk(['run', '-d', '--name', srv, '--network', open, t.image, 'nc', '-ll', '-p', '80', '-e', 'echo', 'hi']));
      const ip = ok(await dk(['inspect', '-f', `{{(index .NetworkSettings.Networks "${open}").IPAddress}}`, srv])).trim();
      assert.equal(ok(await dk(['run', '--rm', '--network', open, t.image, 'sh', '-c', `sleep 0.5; nc -w 2 ${ip} 80 </dev/null`])).trim(), 'hi');
    } finally {
      await dk(['rm', '-f', srv]);
      ok(await dk(['network', 'rm', open]));
    }
  });
});
