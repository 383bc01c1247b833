// What a container holds on a network, read back for its release: the mappings its published ports
// were programmed with, and host-local's lease files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mappingsOf } from '../../../src/network/ports.ts';
import { readLeases } from '../../../src/network/leases.ts';

test('mappingsOf: NetworkSettings.Ports back into portmap mappings', () => {
  assert.deepEqual(
    mappingsOf({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '127.0.0.1', HostPort: '8081' }], '53/udp': [{ HostIp: '', HostPort: '5353' }], '443/tcp': null }),
    [
      { hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '' },
      { hostPort: 8081, containerPort: 80, protocol: 'tcp', hostIP: '127.0.0.1' },
      { hostPort: 5353, containerPort: 53, protocol: 'udp', hostIP: '' },
    ],
  );
  assert.deepEqual(mappingsOf(undefined), []);
});

test('readLeases: one lease per address file, host-local\'s own files skipped', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leases-'));
  try {
    fs.writeFileSync(path.join(dir, '172.18.0.2'), 'aaaa\r\neth0');
    fs.writeFileSync(path.join(dir, '172.18.0.3'), 'bbbb'); // before CNI 0.8: the id alone
    fs.writeFileSync(path.join(dir, 'fd00::5'), 'cccc\r\neth1');
    fs.writeFileSync(path.join(dir, 'last_reserved_ip.0'), '172.18.0.3');
    fs.writeFileSync(path.join(dir, 'lock'), '');
    fs.mkdirSync(path.join(dir, '10.0.0.1'));
    const got = readLeases(dir).sort((a, b) => a.ip.localeCompare(b.ip));
    assert.deepEqual(got, [
      { ip: '172.18.0.2', containerId: 'aaaa', ifName: 'eth0' },
      { ip: '172.18.0.3', containerId: 'bbbb', ifName: 'eth0' },
      { ip: 'fd00::5', containerId: 'cccc', ifName: 'eth1' },
    ]);
    assert.deepEqual(readLeases(path.join(dir, 'missing')), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
