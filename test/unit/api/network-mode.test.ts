import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkNetworkMode } from '../../../src/api/network-mode.ts';

test('--network container:X: dockerd\'s conflicts in its order; --network host with ports: its warning', () => {
  const c = (body: Record<string, unknown>, hc: Record<string, unknown> = {}) => checkNetworkMode({ ...body, HostConfig: { NetworkMode: 'container:base', ...hc } });
  assert.deepEqual(c({}), []);
  assert.deepEqual(c({}, { DnsSearch: ['x'], DnsOptions: ['ndots:1'], PortBindings: {} }), []);
  assert.throws(() => c({ Hostname: 'h' }, { Dns: ['1.1.1.1'] }), /^BerthError: conflicting options: hostname and the network mode$/);
  assert.throws(() => c({}, { Dns: ['1.1.1.1'], ExtraHosts: ['a:1.2.3.4'] }), /conflicting options: dns and the network mode/);
  assert.throws(() => c({}, { ExtraHosts: ['a:1.2.3.4'] }), /custom host-to-IP mapping and the network mode/);
  assert.throws(() => c({}, { PublishAllPorts: true }), /port publishing and the container type network mode/);
  assert.throws(() => c({ ExposedPorts: { '80/tcp': {} } }), /port exposing and the container type network mode/);
  assert.throws(() => checkNetworkMode({ HostConfig: { NetworkMode: 'container:' } }), /invalid network mode: invalid container format container:<name\|id>/);
  assert.deepEqual(checkNetworkMode({ HostConfig: { NetworkMode: 'host', PortBindings: { '80/tcp': [{ HostPort: '8080' }] } } }), ['Published ports are discarded when using host network mode']);
  assert.deepEqual(checkNetworkMode({ HostConfig: { NetworkMode: 'bridge', PortBindings: { '80/tcp': [{ HostPort: '8080' }] } } }), []);
});
