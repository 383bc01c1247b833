import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withV6Listing, type PortMapping } from '../../../src/network/ports.ts';
import { proxiedMappings, ruledMappings } from '../../../src/network/loopback-proxy.ts';

const m = (hostIP: string, hostPort: number): PortMapping => ({ hostIP, hostPort, containerPort: 80, protocol: 'tcp' });

test('a port published on every address is listed on 0.0.0.0 and ::; one on a given address only there', () => {
  const ports = { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '127.0.0.1', HostPort: '8081' }, { HostIp: '::1', HostPort: '8082' }], '53/udp': null };
  const got = withV6Listing([m('', 8080), m('127.0.0.1', 8081), m('::1', 8082)], ports);
  assert.deepEqual(got['80/tcp'], [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }, { HostIp: '127.0.0.1', HostPort: '8081' }, { HostIp: '::1', HostPort: '8082' }]);
  assert.equal(got['53/udp'], null);
  // an explicit 0.0.0.0 stays IPv4 only, as with dockerd
  assert.deepEqual(withV6Listing([m('0.0.0.0', 9)], { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '9' }] })['80/tcp'], [{ HostIp: '0.0.0.0', HostPort: '9' }]);
});

test('a container with an IPv6 address: only [::1] goes through the proxy, the rest (ip6tables too) through portmap', () => {
  const all = [m('', 1), m('127.0.0.1', 2), m('::1', 3), m('::', 4)];
  assert.deepEqual(proxiedMappings(all, true, true), [m('::1', 3)]);
  assert.deepEqual(ruledMappings(all, true), [m('', 1), m('127.0.0.1', 2), m('::', 4)]);
});

test('a container without one: every IPv6 address through the proxy, and [::] beside each port on every address', () => {
  const all = [m('', 1), m('127.0.0.1', 2), m('::1', 3), m('::', 4), { ...m('', 5), protocol: 'udp' as const }, { ...m('', 6), protocol: 'sctp' as const }];
  assert.deepEqual(proxiedMappings(all, false, true), [m('::', 1), m('::1', 3), m('::', 4), { ...m('::', 5), protocol: 'udp' }]);
  assert.deepEqual(ruledMappings(all, false), [m('', 1), m('127.0.0.1', 2), { ...m('', 5), protocol: 'udp' }, { ...m('', 6), protocol: 'sctp' }]);
  // after a restart the mappings come back from the listing (a "::" beside each "0.0.0.0"): one listener each
  assert.deepEqual(proxiedMappings([m('', 1), m('::', 1)], false, true), [m('::', 1)]);
  // a host without IPv6: nothing on [::]
  assert.deepEqual(proxiedMappings(all, false, false), []);
  // SCTP on every address has no "::" in the listing either
  const ports = { '80/sctp': [{ HostIp: '0.0.0.0', HostPort: '6' }], '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '1' }] };
  const listed = withV6Listing([{ ...m('', 6), protocol: 'sctp' }, m('', 1)], ports, ['tcp', 'udp']);
  assert.deepEqual(listed['80/sctp'], [{ HostIp: '0.0.0.0', HostPort: '6' }]);
  assert.deepEqual(listed['80/tcp'], [{ HostIp: '0.0.0.0', HostPort: '1' }, { HostIp: '::', HostPort: '1' }]);
});
