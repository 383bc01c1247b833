import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipamConfigs, v4Config, v6Config } from '../../../src/network/ipam-request.ts';
import { ulaPool } from '../../../src/network/ipam6.ts';
import type { NetworkRecord } from '../../../src/network/types.ts';

const net = (Config: NetworkRecord['IPAM']['Config'], EnableIPv6 = true) => ({ IPAM: { Driver: 'default', Options: null, Config }, EnableIPv6 }) as NetworkRecord;

test('dual-stack pools: an IPv4 pool always, the IPv6 one as given (canonical, gateway first host)', () => {
  const got = ipamConfigs('n', [{ Subnet: 'FD00:DB8:1::7/64' }], true, [net([{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }])], []);
  assert.equal(got.length, 2);
  assert.equal(got[0]!.Subnet, '172.18.0.0/16');
  // a subnet given without a gateway: inspect shows none (gatewayImplicit), as dockerd
  assert.deepEqual(got[1], { Subnet: 'fd00:db8:1::/64', Gateway: 'fd00:db8:1::1', gatewayImplicit: true });
  const both = ipamConfigs('n', [{ Subnet: 'fd00:db8:2::/64', Gateway: 'fd00:db8:2::fe', IPRange: 'fd00:db8:2::100/120', AuxiliaryAddresses: { a: 'fd00:db8:2::5' } }, { Subnet: '10.9.0.0/24' }], true, []);
  assert.deepEqual(both.map((c) => c.Subnet), ['10.9.0.0/24', 'fd00:db8:2::/64']);
  assert.equal(both[1]!.Gateway, 'fd00:db8:2::fe');
  assert.equal(both[1]!.IPRange, 'fd00:db8:2::100/120');
  assert.equal(v4Config(net(both))!.Subnet, '10.9.0.0/24');
  assert.equal(v6Config(net(both, false)), undefined);
});

test('IPv6 pools refused as dockerd refuses them', () => {
  const existing = [net([{ Subnet: '10.1.0.0/24', Gateway: '10.1.0.1' }, { Subnet: 'fd00:db8:1::/64', Gateway: 'fd00:db8:1::1' }])];
  assert.throws(() => ipamConfigs('n', [], true, [], []), /could not find an available, non-overlapping IPv6 address pool among the defaults/);
  assert.throws(() => ipamConfigs('n', [{ Subnet: 'fd00:db8:zz::/64' }], true, []), /Invalid subnet fd00:db8:zz::\/64 : invalid CIDR address: fd00:db8:zz::\/64/);
  assert.throws(() => ipamConfigs('n', [{ Subnet: 'fd00:db8:1:0:1::/80' }], true, existing), /Pool overlaps with other one on this address space/);
  assert.throws(() => ipamConfigs('n', [{ Subnet: 'fd00:db8::/32' }], true, existing), /Pool overlaps/);
  assert.throws(() => ipamConfigs('n', [{ Subnet: 'fd00:db8:3::/64', Gateway: 'fd00:db8:4::1' }], true, existing), /invalid gateway/);
  assert.throws(() => ipamConfigs('n', [{ Subnet: 'fd00:db8:3::/64', AuxiliaryAddresses: { a: 'fd00:db8:4::1' } }], true, existing), /must belong to the master pool: fd00:db8:3::\/64/);
  assert.throws(() => ipamConfigs('n', [{ Subnet: 'fd00:db8:3::/64' }, { Subnet: 'fd00:db8:4::/64' }], true, existing), /one IPAM pool per address family/);
  // an IPv6 subnet without EnableIPv6 is kept (dockerd keeps it) and gives no addresses
  assert.equal(ipamConfigs('n', [{ Subnet: 'fd00:db8:3::/64' }], false, existing, []).length, 2);
});

test('EnableIPv6 without an IPv6 subnet: the next free /64 of the default IPv6 pools, as dockerd 27+ allocates', () => {
  const pools = { pools: [ulaPool('')], reserved: [] };
  const got = ipamConfigs('n', [{ Subnet: '10.9.0.0/24' }], true, [net([{ Subnet: 'fd42:98fc:1c14::/64', Gateway: 'fd42:98fc:1c14::1' }])], [], pools);
  assert.deepEqual(got, [{ Subnet: '10.9.0.0/24', Gateway: '10.9.0.1', gatewayImplicit: true }, { Subnet: 'fd42:98fc:1c14:1::/64', Gateway: 'fd42:98fc:1c14:1::1' }]);
  // no pool at all asked for: both families from the defaults
  assert.deepEqual(ipamConfigs('n', undefined, true, [], [], pools).map((c) => c.Subnet), ['172.18.0.0/16', 'fd42:98fc:1c14::/64']);
  // without EnableIPv6 no IPv6 pool is taken
  assert.equal(ipamConfigs('n', undefined, false, [], [], pools).length, 1);
  // every default pool taken
  assert.throws(() => ipamConfigs('n', undefined, true, [net([{ Subnet: 'fd42:98fc:1c14::/48', Gateway: 'fd42:98fc:1c14::1' }])], [], pools), /could not find an available, non-overlapping IPv6 address pool/);
});
