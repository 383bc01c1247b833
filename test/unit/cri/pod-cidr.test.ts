// UpdateRuntimeConfig's pod CIDR: one, or two for dual stack, each an address and a prefix length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePodCidrs } from '../../../src/cri/runtime-info.ts';

test('parsePodCidrs takes IPv4 and IPv6 CIDRs, comma-separated, and refuses anything else', () => {
  assert.deepEqual(parsePodCidrs('10.244.1.0/24'), ['10.244.1.0/24']);
  assert.deepEqual(parsePodCidrs('10.244.1.0/24, fd00:10:244:1::/64'), ['10.244.1.0/24', 'fd00:10:244:1::/64']);
  for (const bad of ['10.244.1.0', '10.244.1.0/33', 'fd00::/129', 'x/8', '10.0.0.0/8/1', '10.0.0.0/-1']) assert.throws(() => parsePodCidrs(bad), /invalid pod CIDR/, bad);
});
