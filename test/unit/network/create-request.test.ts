import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planCreate, checkConfigInUse } from '../../../src/network/create-request.ts';
import { validateIpamRequest } from '../../../src/network/ipam-validate.ts';
import type { NetworkRecord } from '../../../src/network/types.ts';

const net = (o: Partial<NetworkRecord>) => ({ Name: 'x', Id: 'id', Driver: 'bridge', EnableIPv6: false, IPAM: { Driver: 'default', Options: null, Config: [] }, Options: {}, Labels: {}, ConfigOnly: false, ConfigFrom: { Network: '' }, ...o }) as NetworkRecord;
const err = (kind: string, message: string | RegExp) => (e: any) => e.kind === kind && (typeof message === 'string' ? e.message === message : message.test(e.message));

test('what dockerd refuses at network create, with its status and words', () => {
  assert.throws(() => planCreate({ Name: '' }, []), err('invalid-parameter', 'invalid name: name is empty'));
  assert.throws(() => planCreate({ Name: 'default' }, []), err('forbidden', 'operation is not permitted on predefined default network '));
  assert.throws(() => planCreate({ Name: 'n', Driver: 'overlay' }, []), err('forbidden', /^This node is not a swarm manager/));
  assert.throws(() => planCreate({ Name: 'n', Scope: 'swarm' }, []), err('forbidden', 'cannot create a swarm scoped network when swarm is not active'));
  assert.throws(() => planCreate({ Name: 'n', Scope: 'global' }, []), err('forbidden', /^This node is not a swarm manager/));
  assert.throws(() => planCreate({ Name: 'n', Ingress: true }, []), err('forbidden', 'Ingress network can only be global scope network'));
  assert.throws(() => planCreate({ Name: 'n', Driver: 'host' }, []), err('forbidden', 'only one instance of "host" network is allowed'));
  assert.throws(() => planCreate({ Name: 'n', Driver: 'x' }, []), err('not-found', 'plugin "x" not found'));
  assert.throws(() => planCreate({ Name: 'x' }, [net({})]), err('conflict', 'network with name x already exists'));
  assert.throws(() => planCreate({ Name: 'n', IPAM: { Config: [{ Subnet: '10.0.0.0/24' }, { Subnet: '10.0.1.0/24' }] } }, []), err('forbidden', "bridge driver doesn't support multiple subnets"));
  assert.throws(() => planCreate({ Name: 'n', EnableIPv4: false }, []), err('invalid-parameter', /not supported by Berth/));
  assert.throws(() => planCreate({ Name: 'n', Options: { 'com.docker.network.enable_ipv6': 'yes' } }, []), err('invalid-parameter', 'driver-opt "com.docker.network.enable_ipv6" is not a valid bool'));
});

test('EnableIPv6 from the field, or else from the driver option; the field drops the option', () => {
  assert.equal(planCreate({ Name: 'n', Options: { 'com.docker.network.enable_ipv6': 'true' } }, []).enableIPv6, true);
  const p = planCreate({ Name: 'n', EnableIPv6: false, Options: { 'com.docker.network.enable_ipv6': 'true' } }, []);
  assert.equal(p.enableIPv6, false);
  assert.deepEqual(p.options, {});
});

test('ConfigOnly and ConfigFrom', () => {
  const cfg = planCreate({ Name: 'cfg', ConfigOnly: true, Driver: 'macvlan', IPAM: { Config: [{ Subnet: '10.9.0.0/24' }], Options: { a: 'b' } } }, []);
  assert.equal(cfg.driver, 'null');
  assert.equal(cfg.configOnly, true);
  assert.throws(() => planCreate({ Name: 'c', ConfigOnly: true, Attachable: true }, []), err('forbidden', /^configuration network can only contain network specific fields/));
  const existing = [net({ Name: 'cfg', ConfigOnly: true, Driver: 'null', IPAM: { Driver: 'default', Options: { a: 'b' }, Config: [{ Subnet: '10.9.0.0/24', Gateway: '' }] }, Options: { parent: 'eth0' } })];
  const child = planCreate({ Name: 'c', Driver: 'macvlan', ConfigFrom: { Network: 'cfg' } }, existing);
  assert.deepEqual([child.driver, child.configFrom, child.pools?.[0]?.Subnet, child.options, child.ipamOptions], ['macvlan', 'cfg', '10.9.0.0/24', { parent: 'eth0' }, { a: 'b' }]);
  assert.throws(() => planCreate({ Name: 'c', ConfigFrom: { Network: 'nope' } }, existing), err('not-found', 'configuration network "nope" does not exist'));
  assert.throws(() => planCreate({ Name: 'c', ConfigFrom: { Network: 'cfg' }, Labels: { a: 'b' } }, existing), err('forbidden', /^user-specified configurations are not supported/));
  assert.throws(() => planCreate({ Name: 'c', ConfigFrom: { Network: 'cfg' }, Options: { a: 'b' } }, existing), err('forbidden', /^network driver options are not supported/));
  assert.throws(() => planCreate({ Name: 'c', ConfigFrom: { Network: 'cfg' }, ConfigOnly: true }, existing), err('forbidden', 'a configuration network cannot depend on another configuration network'));
  assert.throws(() => checkConfigInUse(existing[0]!, [...existing, net({ Name: 'c', ConfigFrom: { Network: 'cfg' } })]), err('forbidden', 'error while removing network: configuration network "cfg" is in use'));
  checkConfigInUse(existing[0]!, existing);
});

test('IPAM pools: current dockerd\'s validateIpamConfig, every problem at once', () => {
  validateIpamRequest([{ Subnet: '10.1.0.0/24', IPRange: '10.1.0.128/25', Gateway: '10.1.0.254', AuxiliaryAddresses: { a: '10.1.0.5' } }], false);
  assert.throws(() => validateIpamRequest([{ Subnet: '10.1.0.5/24' }], false), err('invalid-parameter', 'invalid network config:\ninvalid subnet 10.1.0.5/24: it should be 10.1.0.0/24'));
  assert.throws(
    () => validateIpamRequest([{ Subnet: '10.1.0.0/24', IPRange: 'fd00::/64', Gateway: '10.2.0.1', AuxiliaryAddresses: { a: '10.3.0.1' } }], false),
    err('invalid-parameter', "invalid network config:\n* invalid ip-range fd00::/64: parent subnet is an IPv4 block\n* invalid gateway 10.2.0.1: parent subnet 10.1.0.0/24 doesn't contain this address\n* invalid auxiliary address a: parent subnet 10.1.0.0/24 doesn't contain this address"),
  );
  assert.throws(() => validateIpamRequest([{ IPRange: '10.1.0.0/25' }], false), err('invalid-parameter', "invalid network config:\ninvalid ip-range 10.1.0.0/25: parent subnet invalid Prefix doesn't contain ip-range"));
  // IPv6 pools only with IPv6 enabled
  validateIpamRequest([{ Subnet: 'fd00::7/64' }], false);
  assert.throws(() => validateIpamRequest([{ Subnet: 'fd00::7/64' }], true), err('invalid-parameter', 'invalid network config:\ninvalid subnet fd00::7/64: it should be fd00::/64'));
});
