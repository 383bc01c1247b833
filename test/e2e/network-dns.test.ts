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

/** A DNS query for an A record of `name`, framed for TCP (2 bytes of length first). */
function tcpQuery(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const msg = Buffer.concat([Buffer.from([0x42, 0x42, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
  return Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 0xff]), msg]);
}

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

  test('reverse look-ups name the network\'s containers ("name.network"); DNS over TCP is answered, and forwarded over TCP', T, async () => {
    const nw = uniq('dnsrev');
    const peer = uniq('peer');
    const client = uniq('client');
    ok(await dk(['network', 'create', '--subnet', '10.123.13.0/24', nw]));
    let server: Awaited<ReturnType<typeof fakeDns>> | undefined;
    try {
      const bridge = `br-${ok(await dk(['network', 'inspect', '-f', '{{.Id}}', nw])).trim().slice(0, 12)}`;
      const add = await run('ip', ['addr', 'add', '10.123.13.250/24', 'dev', bridge]);
      assert.equal(add.code, 0, add.stderr);
      server = await fakeDns('10.123.13.250', '10.9.8.6');
      ok(await dk(['run', '-d', '--name', peer, '--network', nw, t.image, 'sleep', '60']));
      ok(await dk(['run', '-d', '--name', client, '--network', nw, '--dns', '10.123.13.250', t.image, 'sleep', '60']));
      const peerIp = ok(await dk(['inspect', '-f', `{{(index .NetworkSettings.Networks "${nw}").IPAddress}}`, peer])).trim();

      const rev = ok(await dk(['exec', client, 'nslookup', peerIp]));
      assert.match(rev, new RegExp(`name = ${peer}\\.${nw}\\.?$`, 'm'), rev);

      /** The answer over TCP from the container's nameserver (the first of its resolv.conf): its bytes after the length. */
      const overTcp = async (name: string) => {
        const esc = [...tcpQuery(name)].map((b) => '\\' + b.toString(8).padStart(3, '0')).join('');
        const script = `ns=$(awk '/^nameserver/{print $2; exit}' /etc/resolv.conf); printf '${esc}' | timeout 4 nc $ns 53 | od -An -tx1 -v`;
        const hex = (await dk(['exec', client, 'sh', '-c', script])).stdout.trim().split(/\s+/).filter(Boolean);
        const res = Buffer.from(hex.map((h) => parseInt(h, 16)));
        assert.ok(res.length > 14, `no answer over TCP for ${name}`);
        assert.equal(res.readUInt16BE(0), res.length - 2, 'one framed message');
        return res.subarray(2);
      };
      const local = await overTcp(`${peer}.`);
      assert.equal(local.readUInt16BE(0), 0x4242);
      assert.equal(local.readUInt16BE(6), 1, 'one answer');
      assert.equal([...local.subarray(local.length - 4)].join('.'), peerIp);
      const forwarded = await overTcp('only-over-tcp.example.');
      assert.equal([...forwarded.subarray(forwarded.length - 4)].join('.'), '10.9.8.6');
      assert.ok(server.askedTcp.includes('only-over-tcp.example'), `asked over TCP: ${server.askedTcp}; over UDP: ${server.asked}`);
    } finally {
      server?.close();
      await dk(['rm', '-f', client, peer]);
      ok(await dk(['network', 'rm', nw]));
    }
  });
});
