// The docker CLI's TLS rules for a tcp:// daemon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTls } from '../../../src/sdk/tls.ts';

test('resolveTls: off by default; DOCKER_TLS_VERIFY and DOCKER_CERT_PATH; flags win; missing default client files are skipped', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-'));
  for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(dir, f), f);
  try {
    assert.equal(resolveTls({}, {}), undefined);
    const env = resolveTls({}, { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir })!;
    assert.equal(env.verify, true);
    assert.equal(env.ca?.toString(), 'ca.pem');
    assert.equal(env.cert?.toString(), 'cert.pem');
    assert.equal(resolveTls({ tlsverify: false }, { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir }), undefined);
    const insecure = resolveTls({ tls: true }, { DOCKER_CERT_PATH: dir })!;
    assert.equal(insecure.verify, false);
    assert.equal(insecure.ca, undefined);
    fs.rmSync(path.join(dir, 'cert.pem'));
    fs.rmSync(path.join(dir, 'key.pem'));
    const noClient = resolveTls({ tlsverify: true }, { DOCKER_CERT_PATH: dir })!;
    assert.equal(noClient.cert, undefined);
    assert.throws(() => resolveTls({ tlsverify: true, tlscacert: path.join(dir, 'nope.pem') }, {}), /unable to resolve docker endpoint: open .*nope.pem: no such file or directory/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
