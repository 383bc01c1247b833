// End-to-end: --link-local-ip (EndpointSettings.IPAMConfig.LinkLocalIPs): the address is added to the
// container's interface with the link-local prefix, on the default bridge and on a user network, at each
// start; an address that is not link-local or not an address is refused.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok, uniq } from '../helpers/util.ts';

const skip = e2eSkipReason();

describe('--link-local-ip', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[]) => docker(t.d.env, args);

  test('the address is on eth0 beside the network\'s, after a restart too', T, async () => {
    assert.match(ok(await dk(['run', '--rm', '--link-local-ip', '169.254.10.11', t.image, 'ip', '-4', '-o', 'addr', 'show', 'eth0'])), /inet 169\.254\.10\.11\/16 brd 169\.254\.255\.255/);
    const nw = uniq('ll');
    const c = uniq('ll');
    ok(await dk(['network', 'create', '--subnet', '10.184.0.0/24', nw]));
    try {
      ok(await dk(['run', '-d', '--name', c, '--network', nw, '--link-local-ip', '169.254.10.12', t.image, 'sleep', '300']));
      assert.equal(ok(await dk(['inspect', '-f', `{{json (index .NetworkSettings.Networks "${nw}").IPAMConfig}}`, c])).trim(), '{"LinkLocalIPs":["169.254.10.12"]}');
      ok(await dk(['restart', '-t', '0', c]));
      const addrs = ok(await dk(['exec', c, 'ip', '-4', '-o', 'addr', 'show', 'eth0']));
      assert.match(addrs, /inet 10\.184\.0\.\d+\/24/);
      assert.match(addrs, /inet 169\.254\.10\.12\/16/);
      // from another container of the network, over the link-local address
      assert.match(ok(await dk(['run', '--rm', '--network', nw, '--link-local-ip', '169.254.10.13', t.image, 'ping', '-c1', '-W2', '169.254.10.12'])), /1 packets received/);
    } finally {
      await dk(['rm', '-f', c]);
      ok(await dk(['network', 'rm', nw]));
    }
  });

  test('an address that is not link-local, or not an address, is refused', T, async () => {
    for (const bad of ['10.0.0.5', 'bogus']) {
      const r = await dk(['run', '--rm', '--link-local-ip', bad, t.image, 'true']);
      assert.equal(r.code, 125, r.stderr);
      assert.match(r.stderr, /invalid link.local IP address/i);
    }
  });
});
