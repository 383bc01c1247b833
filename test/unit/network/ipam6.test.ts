import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp6, ip6String, parseCidr6, cidr6String, contains6, overlaps6, firstHost6, nth6 } from '../../../src/network/ipam6.ts';

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
