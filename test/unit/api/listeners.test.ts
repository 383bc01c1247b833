// dockerd's host syntax, its check of unauthenticated TCP listeners, the socket group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDaemonHost, checkTcpAuth, lookupGroupId, socketGid, tlsServerOptions } from '../../../src/api/listeners.ts';

test('parseDaemonHost: dockerd defaults', () => {
  assert.equal(parseDaemonHost('tcp://'), 'tcp://localhost:2375');
  assert.equal(parseDaemonHost('tcp://0.0.0.0'), 'tcp://0.0.0.0:2375');
  assert.equal(parseDaemonHost('10.0.0.1:2376'), 'tcp://10.0.0.1:2376');
  assert.equal(parseDaemonHost('tcp://[::1]:2376'), 'tcp://[::1]:2376');
  assert.equal(parseDaemonHost('unix://'), 'unix:///run/berth/berth.sock');
  assert.equal(parseDaemonHost('unix:///x/y.sock'), 'unix:///x/y.sock');
  assert.throws(() => parseDaemonHost('tcp://h:0'), /invalid port/);
  assert.throws(() => parseDaemonHost('ssh://h'), /unsupported proto 'ssh'/);
});

test('checkTcpAuth: refused off loopback without TLS unless chosen; warnings otherwise', async () => {
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  await assert.rejects(checkTcpAuth({ hosts: ['tcp://0.0.0.0:2375'] }, warn), /refusing to listen on tcp:\/\/0\.0\.0\.0:2375 without --tlsverify/);
  await checkTcpAuth({ hosts: ['tcp://0.0.0.0:2375'], tlsChosen: true }, warn);
  await checkTcpAuth({ hosts: ['tcp://127.0.0.1:2375', 'tcp://localhost:1', 'tcp://[::1]:2'] }, warn);
  assert.ok(warnings.length >= 4 && warnings.every((w) => /without --tlsverify|Be safe out there/.test(w)));
  warnings.length = 0;
  await checkTcpAuth({ hosts: ['tcp://0.0.0.0:2376', 'unix:///s'], tls: { ca: 'a', cert: 'b', key: 'c', verify: true } }, warn);
  assert.deepEqual(warnings, []);
  // TLS without client verification is not authentication
  await assert.rejects(checkTcpAuth({ hosts: ['tcp://0.0.0.0:2376'], tls: { ca: 'a', cert: 'b', key: 'c', verify: false } }, warn), /refusing/);
});

test('socket group: by name or number; the default "docker" may be missing, another may not', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grp-'));
  const file = path.join(dir, 'group');
  fs.writeFileSync(file, 'root:x:0:\ndocker:x:106:alice\n');
  assert.equal(lookupGroupId('docker', file), 106);
  assert.equal(lookupGroupId('1234', file), 1234);
  assert.equal(lookupGroupId('nope', file), undefined);
  fs.rmSync(dir, { recursive: true });
  assert.throws(() => socketGid('no-such-group-here', () => {}), /group no-such-group-here not found/);
  assert.equal(socketGid('', () => {}), process.getgid!());
});

test('tlsServerOptions: dockerd\'s "invalid TLS configuration" for unreadable files', () => {
  assert.throws(() => tlsServerOptions({ ca: '/nope/ca.pem', cert: '/nope/cert.pem', key: '/nope/key.pem', verify: true }), /invalid TLS configuration: Could not load X509 key pair/);
});
