import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCidr, cidrString, overlaps, pickPool, firstHost, contains, parseIp } from '../../../src/network/ipam.ts';
import { parseQuestion, answer } from '../../../src/network/dns.ts';

test('CIDR parsing, overlap and Docker-like pool choice', () => {
  assert.equal(cidrString(parseCidr('10.1.2.3/24')), '10.1.2.0/24');
  assert.throws(() => parseCidr('10.1.2.3'), /invalid CIDR/);
  assert.ok(overlaps(parseCidr('172.18.0.0/16'), parseCidr('172.18.5.0/24')));
  assert.ok(!overlaps(parseCidr('172.18.0.0/16'), parseCidr('172.19.0.0/16')));
  assert.equal(cidrString(pickPool([parseCidr('172.17.0.0/16')], [])), '172.18.0.0/16');
  assert.equal(cidrString(pickPool([parseCidr('172.17.0.0/16'), parseCidr('172.18.0.0/16')], [parseCidr('172.19.3.0/24')])), '172.20.0.0/16');
  assert.equal(firstHost(parseCidr('10.9.0.0/24')), '10.9.0.1');
  assert.ok(contains(parseCidr('10.9.0.0/24'), parseIp('10.9.0.77')!));
});

function query(name: string, type: number): Buffer {
  const head = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  const labels = Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
  return Buffer.concat([head, labels, Buffer.from([0, type, 0, 1])]);
}

test('DNS: the question is parsed and answered with A records', () => {
  const q = query('web.local', 1);
  const parsed = parseQuestion(q)!;
  assert.deepEqual([parsed.name, parsed.type], ['web.local', 1]);
  const a = answer(q, parsed, ['172.18.0.2', '172.18.0.3']);
  assert.equal(a.readUInt16BE(0), 0x1234);
  assert.equal(a.readUInt16BE(6), 2);
  assert.deepEqual([...a.subarray(a.length - 4)], [172, 18, 0, 3]);
  const nx = answer(q, parsed, [], 3);
  assert.equal(nx.readUInt16BE(2) & 0xf, 3);
  assert.equal(parseQuestion(Buffer.alloc(5)), undefined);
});
