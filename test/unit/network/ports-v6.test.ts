import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withV6Listing, checkHostFamilies, type PortMapping } from '../../../src/network/ports.ts';
import { proxied } from '../../../src/network/loopback-proxy.ts';

const m = (hostIP: string, hostPort: number): PortMapping => ({ hostIP, hostPort, containerPort: 80, protocol: 'tcp' });

test('a port published on every address is listed on 0.0.0.0 and ::; one on a given address only there', () => {
  const ports = { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '127.0.0.1', HostPort: '8081' }, { HostIp: '::1', HostPort: '8082' }], '53/udp': null };
  const got = withV6Listing([m('', 8080), m('127.0.0.1', 8081), m('::1', 8082)], ports);
  assert.deepEqual(got['80/tcp'], [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }, { HostIp: '127.0.0.1', HostPort: '8081' }, { HostIp: '::1', HostPort: '8082' }]);
  assert.equal(got['53/udp'], null);
  // an explicit 0.0.0.0 stays IPv4 only, as with dockerd
  assert.deepEqual(withV6Listing([m('0.0.0.0', 9)], { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '9' }] })['80/tcp'], [{ HostIp: '0.0.0.0', HostPort: '9' }]);
});

test('an IPv6 host address needs a container with an IPv6 address; [::1] goes through the proxy', () => {
  assert.throws(() => checkHostFamilies([m('::1', 8082)], false), /no IPv6 address/);
  assert.throws(() => checkHostFamilies([m('::', 8082)], false), /no IPv6 address/);
  checkHostFamilies([m('::1', 8082), m('', 1)], true);
  checkHostFamilies([m('', 1), m('127.0.0.1', 2)], false);
  assert.ok(proxied('::1'));
  assert.ok(!proxied('::') && !proxied('') && !proxied('127.0.0.1'));
});
