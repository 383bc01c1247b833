// The embedded resolver of macvlan/ipvlan containers: its NAT rules (as dockerd's), the resolv.conf it
// gets (as dockerd's rebuildDNS writes it), and what it answers itself or forwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolverRules } from '../../../src/network/resolver-rules.ts';
import { embeddedResolvConf } from '../../../src/network/resolv-conf.ts';
import { resolveLocally } from '../../../src/network/dns.ts';
import { dnsQuery } from './dns-query.ts';

test('resolverRules: 127.0.0.11:53 NATed to the real ports and back; the jumps only when missing', () => {
  const first = resolverRules(40001, 40002);
  assert.equal(first, [
    '*nat',
    ':DOCKER_OUTPUT - [0:0]',
    ':DOCKER_POSTROUTING - [0:0]',
    '-A DOCKER_OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127.0.0.11:40001',
    '-A DOCKER_POSTROUTING -s 127.0.0.11/32 -p udp -m udp --sport 40001 -j SNAT --to-source :53',
    '-A DOCKER_OUTPUT -d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 127.0.0.11:40002',
    '-A DOCKER_POSTROUTING -s 127.0.0.11/32 -p tcp -m tcp --sport 40002 -j SNAT --to-source :53',
    '-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT',
    '-A POSTROUTING -d 127.0.0.11/32 -j DOCKER_POSTROUTING',
    'COMMIT',
    '',
  ].join('\n'));
  // a restarted daemon: the chains are refilled (declaring them flushes them), the jumps not repeated
  const saved = '*nat\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT\n-A POSTROUTING -d 127.0.0.11/32 -j DOCKER_POSTROUTING\nCOMMIT\n';
  const again = resolverRules(50001, 50002, saved);
  assert.doesNotMatch(again, /-A (OUTPUT|POSTROUTING) /);
  assert.match(again, /--to-destination 127\.0\.0\.11:50001/);
});

test('embeddedResolvConf: dockerd\'s file for a container with the embedded resolver', () => {
  assert.equal(embeddedResolvConf('nameserver 10.255.255.53\n'), 'nameserver 127.0.0.11\noptions ndots:0\n');
  assert.equal(embeddedResolvConf('search corp.test\nnameserver 10.0.0.2\noptions timeout:3\n'), 'search corp.test\nnameserver 127.0.0.11\noptions timeout:3 ndots:0\n');
  // the container's own ndots wins; IPv6 servers stay listed (only IPv4 ones are forwarded)
  assert.equal(embeddedResolvConf('nameserver 10.0.0.2\nnameserver 2001:db8::53\noptions ndots:2\n'), 'nameserver 127.0.0.11\nnameserver 2001:db8::53\noptions ndots:2\n');
  // "search ." means none; the last search line is the one that counts
  assert.equal(embeddedResolvConf('search .\n'), 'nameserver 127.0.0.11\noptions ndots:0\n');
  assert.equal(embeddedResolvConf('search a.test\nsearch b.test c.test\n'), 'search b.test c.test\nnameserver 127.0.0.11\noptions ndots:0\n');
  // idempotent: a second start rewrites what the first wrote
  const once = embeddedResolvConf('search corp.test\nnameserver 10.0.0.2\noptions timeout:3\n');
  assert.equal(embeddedResolvConf(once), once);
});

const query = dnsQuery;

test('resolveLocally: known names answered (A or an empty AAAA), others to forward, junk dropped', () => {
  const lookup = (name: string) => (name === 'srv' ? ['10.181.0.10'] : []);
  const a = resolveLocally(query('srv', 1), lookup);
  assert.ok(a && 'reply' in a);
  assert.equal(a.reply.readUInt16BE(0), 0x1234);
  assert.equal(a.reply.readUInt16BE(6), 1, 'one answer');
  assert.deepEqual([...a.reply.subarray(-4)], [10, 181, 0, 10]);
  const aaaa = resolveLocally(query('srv', 28), lookup);
  assert.ok(aaaa && 'reply' in aaaa);
  assert.equal(aaaa.reply.readUInt16BE(6), 0, 'a known name without IPv6: an empty answer, never forwarded');
  const other = resolveLocally(query('example.org', 1), lookup);
  assert.ok(other && 'forward' in other);
  assert.equal(other.forward.name, 'example.org');
  assert.equal(resolveLocally(Buffer.from([1, 2, 3]), lookup), undefined);
});

test('Forwarder: queries with the same id from two clients each get their own answer, ids given back; none: SERVFAIL/NXDOMAIN', async () => {
  const dgram = await import('node:dgram');
  const { Forwarder } = await import('../../../src/network/netns-resolver.ts');
  // an upstream that echoes the query with the QR bit and the name's first letter in the last byte
  const up = dgram.createSocket('udp4');
  up.on('message', (m, from) => up.send(Buffer.concat([m, Buffer.from([m[13]!])]), from.port, from.address));
  await new Promise<void>((r) => up.bind(0, '127.0.0.1', r));
  const out = dgram.createSocket('udp4');
  await new Promise<void>((r) => out.bind(0, '127.0.0.1', r));
  const f = new Forwarder(out, up.address().port);
  try {
    const [x, y] = await Promise.all([f.ask(query('xa', 1), { name: 'xa', type: 1, end: 20 }, ['127.0.0.1']), f.ask(query('yb', 1), { name: 'yb', type: 1, end: 20 }, ['127.0.0.1'])]);
    assert.equal(x.readUInt16BE(0), 0x1234);
    assert.equal(y.readUInt16BE(0), 0x1234);
    assert.equal(String.fromCharCode(x.at(-1)!), 'x');
    assert.equal(String.fromCharCode(y.at(-1)!), 'y');
    const none = await f.ask(query('zz', 1), { name: 'zz', type: 1, end: 20 }, []);
    assert.equal(none.readUInt16BE(2) & 0xf, 3, 'no server: NXDOMAIN');
  } finally {
    f.close();
    out.close();
    up.close();
  }
});
