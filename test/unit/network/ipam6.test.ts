import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseIp6, ip6String, parseCidr6, cidr6String, contains6, overlaps6, firstHost6, nth6, ulaPool, pickPool6, hostNameservers6 } from '../../../src/network/ipam6.ts';

test('IPv6 addresses parse as Go net.ParseIP does and print as net.IP.String (RFC 5952)', () => {
  const round = (s: string) => ip6String(parseIp6(s)!);
  assert.equal(round('fd00:db8:1::'), 'fd00:db8:1::');
  assert.equal(round('FD00:0DB8:0001:0000:0000:0000:0000:0002'), 'fd00:db8:1::2');
  assert.equal(round('::1'), '::1');
  assert.equal(round('::'), '::');
  assert.equal(round('1:0:0:1:0:0:0:1'), '1:0:0:1::1');
  assert.equal(round('1:0:0:2:0:0:3:4'), '1::2:0:0:3:4');
  assert.equal(round('1:2:3:4:5:6:7:0'), '1:2:3:4:5:6:7:0');
  assert.equal(round('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(round('64:ff9b::10.1.2.3'), '64:ff9b::a01:203');
  for (const bad of ['zz::1', '1:2:3:4:5:6:7:8:9', '1::2::3', '10.0.0.1', 'fe80::1%eth0', '1:2:3:4:5:6:7', '12345::', ':::1', '::ffff:300.1.2.3']) assert.equal(parseIp6(bad), undefined, bad);
});

test('IPv6 prefixes: host bits cleared, containment and overlap', () => {
  const c = parseCidr6('fd00:db8:1::5/64')!;
  assert.equal(cidr6String(c), 'fd00:db8:1::/64');
  assert.ok(contains6(c, parseIp6('fd00:db8:1::ffff')!));
  assert.ok(!contains6(c, parseIp6('fd00:db8:2::1')!));
  assert.ok(overlaps6(c, parseCidr6('fd00:db8::/32')!));
  assert.ok(overlaps6(parseCidr6('fd00:db8:1:0:1::/80')!, c));
  assert.ok(!overlaps6(c, parseCidr6('fd00:db8:2::/64')!));
  assert.equal(firstHost6(c), 'fd00:db8:1::1');
  assert.equal(nth6(parseCidr6('fd00:db8:5::100/120')!, 0n), 'fd00:db8:5::100');
  for (const bad of ['fd00:db8:zz::/64', 'fd00::/129', 'fd00::', '10.0.0.0/8', 'fd00::/x', 'fd00::/-1']) assert.equal(parseCidr6(bad), undefined, bad);
});

test('DNS: AAAA records carry the 16 bytes of an IPv6 address', async () => {
  const { parseQuestion, answer } = await import('../../../src/network/dns.ts');
  const head = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  const q = Buffer.concat([head, Buffer.from([3]), Buffer.from('web'), Buffer.from([0, 0, 28, 0, 1])]);
  const parsed = parseQuestion(q)!;
  const a = answer(q, parsed, ['fd00:db8:1::2']);
  assert.equal(a.readUInt16BE(6), 1);
  const rr = a.subarray(a.length - 28);
  assert.equal(rr.readUInt16BE(2), 28);
  assert.equal(rr.readUInt16BE(10), 16);
  assert.deepEqual([...rr.subarray(12)], [0xfd, 0, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
});

test('the default IPv6 pool is the ULA /48 dockerd derives from the daemon id, cut into /64s', () => {
  // (the expected prefixes are moby's own, from its ipamutils tests)
  assert.deepEqual({ base: cidr6String(ulaPool('').base), size: ulaPool('').size }, { base: 'fd42:98fc:1c14::/48', size: 64 });
  assert.equal(cidr6String(ulaPool('499d4bc0-b0b3-416f-b1ee-cf6486315593').base), 'fd62:fb69:18af::/48');
});

test('pickPool6: the lowest free prefix of the pools, past every network and reserved prefix in the way', () => {
  const pool = ulaPool('');
  const c = (s: string) => parseCidr6(s)!;
  const pick = (used: string[], reserved: string[] = [], pools = [pool]) => {
    const got = pickPool6(pools, used.map(c), reserved.map(c));
    return got && cidr6String(got);
  };
  assert.equal(pick([]), 'fd42:98fc:1c14::/64');
  assert.equal(pick(['fd42:98fc:1c14::/64']), 'fd42:98fc:1c14:1::/64');
  // a gap left by a removed network is taken again first
  assert.equal(pick(['fd42:98fc:1c14:1::/64']), 'fd42:98fc:1c14::/64');
  // a larger prefix in the way, a smaller one, and a nameserver address
  assert.equal(pick(['fd42:98fc:1c14::/62', 'fd42:98fc:1c14:4:8000::/65'], ['fd42:98fc:1c14:5::53/128']), 'fd42:98fc:1c14:6::/64');
  // prefixes outside the pool are no obstacle; a pool covered entirely gives the next pool
  assert.equal(pick(['fd00:db8::/32']), 'fd42:98fc:1c14::/64');
  const small = { base: c('fd00:1::/63'), size: 64 };
  assert.equal(pick(['fd00:1::/64', 'fd00:1:0:1::/64'], [], [pool, small]), 'fd42:98fc:1c14::/64');
  assert.equal(pick(['fd00:1::/64'], [], [pool, small]), 'fd00:1:0:1::/64');
  assert.equal(pick(['fd00::/8'], [], [pool, small]), undefined);
});

test('the host\'s IPv6 nameservers are reserved, its IPv4 ones and other lines ignored', () => {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'resolv-')), 'resolv.conf');
  fs.writeFileSync(f, 'search x\nnameserver 10.0.0.2\nnameserver fd42:98fc:1c14::53\n# nameserver ::2\n');
  assert.deepEqual(hostNameservers6(f).map(cidr6String), ['fd42:98fc:1c14::53/128']);
  assert.deepEqual(hostNameservers6(path.join(path.dirname(f), 'missing')), []);
});
