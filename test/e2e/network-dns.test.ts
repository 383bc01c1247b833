// End-to-end: on a user network, a container with --dns keeps the embedded DNS as its resolver (names
// of the network's containers resolve) and the embedded DNS forwards what it does not know to the
// container's own servers. The custom server is this test's: a tiny UDP DNS responder on an address the
// test adds to its own network's bridge (busybox has no DNS server and its nc no UDP).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, run } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok, uniq } from '../helpers/util.ts';
import { fakeDns } from '../helpers/local-net.ts';

const skip = e2eSkipReason();


describe('embedded DNS with custom servers', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);

  test('--dns on a user network: names still resolve, other names are asked of the given server', T, async () => {
    const nw = uniq('dnsnet');
    const peer = uniq('peer');
    const client = uniq('client');
    ok(await dk(['network', 'create', '--subnet', '10.123.12.0/24', nw]));
    let server: Awaited<ReturnType<typeof fakeDns>> | undefined;
    try {
      const bridge = `br-${ok(await dk(['network', 'inspect', '-f', '{{.Id}}', nw])).trim().slice(0, 12)}`;
      const add = await run('ip', ['addr', 'add', '10.123.12.250/24', 'dev', bridge]);
      assert.equal(add.code, 0, add.stderr);
      server = await fakeDns('10.123.12.250', '10.9.8.7');
      ok(await dk(['run', '-d', '--name', peer, '--network', nw, t.image, 'sleep', '60']));
      ok(await dk(['run', '-d', '--name', client, '--network', nw, '--dns', '10.123.12.250', '--dns-search', 'corp.test', t.image, 'sleep', '60']));

      const resolv = ok(await dk(['exec', client, 'cat', '/etc/resolv.conf']));
      assert.doesNotMatch(resolv, /nameserver 10\.123\.12\.250/, 'the container asks the embedded DNS, not the server itself');
      assert.match(resolv, /^search corp\.test$/m);
      const peerIp = ok(await dk(['inspect', '-f', `{{(index .NetworkSettings.Networks "${nw}").IPAddress}}`, peer])).trim();
      const looked = ok(await dk(['exec', client, 'nslookup', `${peer}.`]));
      assert.match(looked, new RegExp(`Address: ${peerIp.replaceAll('.', '\\.')}`), looked);
      assert.ok(!server.asked.some((n) => n.startsWith(peer)), `the server was asked for a container's name: ${server.asked}`);

      const other = ok(await dk(['exec', client, 'nslookup', '-type=a', 'only-the-custom-server-knows.example.']));
      assert.match(other, /Address: 10\.9\.8\.7/, other);
      assert.ok(server.asked.includes('only-the-custom-server-knows.example'), `${server.asked}`);
    } finally {
      server?.close();
      // (a failed run must not leave a bridge holding this subnet on the host)
      await dk(['rm', '-f', client, peer]);
      ok(await dk(['network', 'rm', nw]));
    }
  });
});
