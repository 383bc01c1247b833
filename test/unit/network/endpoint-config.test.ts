// Endpoint settings a client sends: what is honoured, and Docker's refusals for the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMac, checkEndpoint } from '../../../src/network/endpoint-config.ts';
import { migrateMacAddress } from '../../../src/api/mac-address.ts';
import type { NetworkRecord } from '../../../src/network/types.ts';

const net = (name: string, subnet = '10.9.0.0/24'): NetworkRecord => ({
  Name: name, Id: 'x'.repeat(64), Created: '', Scope: 'local', Driver: 'bridge', EnableIPv4: true, EnableIPv6: false,
  IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: subnet, Gateway: '10.9.0.1' }] }, Internal: false, Attachable: false, Ingress: false,
  ConfigFrom: { Network: '' }, ConfigOnly: false, Options: {}, Labels: {},
});

test('parseMac reads Go ParseMAC\'s Ethernet forms', () => {
  assert.equal(parseMac('02:42:AC:11:00:02'), '02:42:ac:11:00:02');
  assert.equal(parseMac('02-42-ac-11-00-02'), '02:42:ac:11:00:02');
  assert.equal(parseMac('0242.ac11.0002'), '02:42:ac:11:00:02');
  for (const bad of ['not-a-mac', '02:42:ac:11:00', '02:42-ac:11:00:02', '02:42:ac:11:00:0g', '']) assert.equal(parseMac(bad), undefined, bad);
});

test('checkEndpoint: honoured fields, and Docker\'s refusals', () => {
  const user = net('app');
  assert.deepEqual(checkEndpoint(user, { Aliases: ['a'], IPAMConfig: { IPv4Address: '10.9.0.7' }, MacAddress: '02:42:AC:11:00:02' }), { aliases: ['a'], ipv4: '10.9.0.7', mac: '02:42:ac:11:00:02' });
  assert.throws(() => checkEndpoint(net('bridge'), { IPAMConfig: { IPv4Address: '10.9.0.7' } }), /user specified IP address is supported on user defined networks only/);
  assert.throws(() => checkEndpoint(net('bridge'), { Aliases: ['a'] }), /network-scoped alias is supported only for containers in user defined networks/);
  assert.throws(() => checkEndpoint(user, { IPAMConfig: { IPv4Address: '10.8.0.7' } }), /no configured subnet or ip-range contain the IP address 10.8.0.7/);
  assert.throws(() => checkEndpoint(user, { IPAMConfig: { IPv6Address: 'fd00::7' } }), /no configured subnet or ip-range contain the IP address fd00::7/);
  assert.throws(() => checkEndpoint(user, { MacAddress: 'zz' }), /invalid MAC address zz/);
  assert.deepEqual(checkEndpoint(user, { IPAMConfig: { LinkLocalIPs: ['169.254.0.9', 'fe80::9'] } }), { linkLocal: ['169.254.0.9', 'fe80::9'] });
  assert.throws(() => checkEndpoint(user, { IPAMConfig: { LinkLocalIPs: ['10.0.0.9'] } }), /invalid link local IP address: 10\.0\.0\.9/);
  assert.throws(() => checkEndpoint(user, { IPAMConfig: { LinkLocalIPs: ['bogus'] } }), /invalid link-local IP address: bogus/);
  assert.deepEqual(checkEndpoint(user, { Links: ['web:db'] }), { links: ['web:db'] });
  // the options dockerd acts on itself are refused; any other is recorded (no driver reads one)
  assert.throws(() => checkEndpoint(user, { DriverOpts: { 'com.docker.network.endpoint.ifname': 'foo0' } }), /endpoint driver option com.docker.network.endpoint.ifname is not supported by Berth/);
  assert.deepEqual(checkEndpoint(user, { DriverOpts: { a: 'b' } }), { driverOpts: { a: 'b' } });
  assert.deepEqual(checkEndpoint(user, { DriverOpts: {}, Links: [] }), {});
});

test('checkEndpoint: a MAC address on macvlan and ipvlan networks is taken (ipvlan refuses it at start, as dockerd)', () => {
  for (const Driver of ['macvlan', 'ipvlan'] as const) {
    assert.deepEqual(checkEndpoint({ ...net('vl'), Driver }, { MacAddress: '02-42-0A-B9-00-77' }), { mac: '02:42:0a:b9:00:77' });
    assert.throws(() => checkEndpoint({ ...net('vl'), Driver }, { MacAddress: 'zz' }), /invalid MAC address zz/);
  }
});

test('migrateMacAddress: the container-wide address of API < 1.44 moves to the endpoint', () => {
  const b1: any = { MacAddress: '02:42:ac:11:00:02', HostConfig: { NetworkMode: 'app' } };
  assert.equal(migrateMacAddress(b1, '1.41'), undefined);
  assert.equal(b1.NetworkingConfig.EndpointsConfig.app.MacAddress, '02:42:ac:11:00:02');
  const b2: any = { NetworkingConfig: { EndpointsConfig: { app: { MacAddress: '02:42:ac:11:00:02' } } } };
  migrateMacAddress(b2, '1.43');
  assert.equal(b2.NetworkingConfig.EndpointsConfig.app.MacAddress, undefined, 'ignored by the old API');
  assert.throws(() => migrateMacAddress({ MacAddress: '02:42:ac:11:00:02', HostConfig: { NetworkMode: 'host' } }, '1.41'), /conflicting options: mac-address and the network mode/);
  const b3: any = { MacAddress: '02:42:ac:11:00:02' };
  assert.match(migrateMacAddress(b3, '1.50')!, /deprecated/);
  assert.equal(b3.NetworkingConfig.EndpointsConfig.bridge.MacAddress, '02:42:ac:11:00:02');
  assert.equal(b3.MacAddress, undefined);
  assert.throws(() => migrateMacAddress({ MacAddress: '02:42:ac:11:00:02', NetworkingConfig: { EndpointsConfig: { bridge: { MacAddress: '02:42:ac:11:00:03' } } } }, '1.50'), /must match/);
});
