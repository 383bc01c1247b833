import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostPortAllocator, dynamicPortRange, parseReservedPorts, DEFAULT_RANGE } from '../../../src/network/port-allocator.ts';
import { allocatePorts } from '../../../src/network/ports.ts';

const first = (a: HostPortAllocator, proto: string, ip: string, wanted?: { begin: number; end: number }) => a.candidates(proto, ip, wanted).next().value as number;

test('the range is the kernel\'s ephemeral one; moby\'s 49153-65535 when it cannot be read', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-'));
  fs.writeFileSync(path.join(dir, 'r'), '32768\t60999\n');
  assert.deepEqual(dynamicPortRange(path.join(dir, 'r')), { begin: 32768, end: 60999 });
  fs.writeFileSync(path.join(dir, 'bad'), 'x\n');
  assert.deepEqual(dynamicPortRange(path.join(dir, 'bad')), DEFAULT_RANGE);
  assert.deepEqual(dynamicPortRange(path.join(dir, 'nosuch')), DEFAULT_RANGE);
  fs.rmSync(dir, { recursive: true });
});

test('reserved ports: single ports and ranges, kept within the range; a bad list is ignored', () => {
  assert.deepEqual([...parseReservedPorts('8080,32770-32772,70000\n', 32768, 32771)].sort(), [32770, 32771]);
  assert.deepEqual([...parseReservedPorts('\n', 1, 10)], []);
  assert.deepEqual([...parseReservedPorts('5-3', 1, 10)], []);
});

test('sequential from the start of the range, after the last given, wrapping round', () => {
  const a = new HostPortAllocator({ begin: 100, end: 104 }, new Set());
  assert.deepEqual([...a.candidates('tcp', '')], [100, 101, 102, 103, 104]);
  a.given('tcp', '', 100);
  assert.equal(first(a, 'tcp', ''), 101);
  a.given('tcp', '', 104);
  assert.deepEqual([...a.candidates('tcp', '')], [100, 101, 102, 103, 104]);
  a.given('tcp', '', 102);
  assert.deepEqual([...a.candidates('tcp', '')], [103, 104, 100, 101, 102]);
});

test('per protocol, host address and range; reserved ports skipped only in the default range', () => {
  const a = new HostPortAllocator({ begin: 100, end: 104 }, new Set([100, 102]));
  assert.deepEqual([...a.candidates('tcp', '')], [101, 103, 104]);
  a.given('tcp', '', 101);
  assert.equal(first(a, 'tcp', ''), 103);
  assert.equal(first(a, 'udp', ''), 101);
  assert.equal(first(a, 'tcp', '127.0.0.1'), 101);
  assert.equal(first(a, 'tcp', '0.0.0.0'), 103); // '' and 0.0.0.0 are one address
  const wanted = { begin: 100, end: 102 };
  assert.deepEqual([...a.candidates('tcp', '', wanted)], [100, 101, 102]);
  a.given('tcp', '', 100, wanted);
  assert.deepEqual([...a.candidates('tcp', '', wanted)], [101, 102, 100]);
});

test('allocatePorts: -p 80 takes ports in the allocator\'s order, skipping those other containers hold', async () => {
  // a range high up and unlikely to be bound on the host running the tests
  const a = new HostPortAllocator({ begin: 61990, end: 61999 }, new Set());
  const one = await allocatePorts({ '80/tcp': [{ HostIp: '', HostPort: '' }] }, null, false, new Set(), 'c1', a);
  assert.equal(one.mappings[0]!.hostPort, 61990);
  const two = await allocatePorts({ '80/tcp': [{ HostIp: '', HostPort: '' }] }, null, false, new Set(['tcp/0.0.0.0/61991']), 'c2', a);
  assert.equal(two.mappings[0]!.hostPort, 61992);
  // the first port freed comes round again only after the rest of the range
  const three = await allocatePorts({ '80/tcp': [{ HostIp: '', HostPort: '' }] }, null, false, new Set(), 'c3', a);
  assert.equal(three.mappings[0]!.hostPort, 61993);
  const udp = await allocatePorts({ '53/udp': [{ HostIp: '', HostPort: '' }] }, null, false, new Set(), 'c4', a);
  assert.equal(udp.mappings[0]!.hostPort, 61990);
  // a range given: its own order
  const r1 = await allocatePorts({ '80/tcp': [{ HostIp: '', HostPort: '61995-61997' }] }, null, false, new Set(), 'c5', a);
  const r2 = await allocatePorts({ '80/tcp': [{ HostIp: '', HostPort: '61995-61997' }] }, null, false, new Set(), 'c6', a);
  assert.deepEqual([r1.mappings[0]!.hostPort, r2.mappings[0]!.hostPort], [61995, 61996]);
});
