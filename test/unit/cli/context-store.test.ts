// berth reads docker's context store as the docker CLI does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { contextName, loadContext } from '../../../src/cli/context-store.ts';

test('context name: --context, then -H/DOCKER_HOST mean default, then DOCKER_CONTEXT, then currentContext', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctx-'));
  try {
    assert.equal(contextName({ hostGiven: false, configDir: dir, env: {} }), 'default');
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ currentContext: 'remote' }));
    assert.equal(contextName({ hostGiven: false, configDir: dir, env: {} }), 'remote');
    assert.equal(contextName({ hostGiven: false, configDir: dir, env: { DOCKER_CONTEXT: 'other' } }), 'other');
    assert.equal(contextName({ hostGiven: false, configDir: dir, env: { DOCKER_HOST: 'tcp://x:1', DOCKER_CONTEXT: 'other' } }), 'default');
    assert.equal(contextName({ hostGiven: true, configDir: dir, env: {} }), 'default');
    assert.equal(contextName({ flag: 'flagged', hostGiven: false, configDir: dir, env: { DOCKER_CONTEXT: 'other' } }), 'flagged');
    assert.throws(() => contextName({ flag: 'x', hostGiven: true, configDir: dir, env: {} }), /conflicting options: cannot specify both --host and --context/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a context: its host, its TLS files, skip-tls-verify; a missing one named as docker names it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctx-'));
  try {
    const id = crypto.createHash('sha256').update('remote').digest('hex');
    fs.mkdirSync(path.join(dir, 'contexts', 'meta', id), { recursive: true });
    fs.writeFileSync(path.join(dir, 'contexts', 'meta', id, 'meta.json'), JSON.stringify({ Name: 'remote', Endpoints: { docker: { Host: 'tcp://10.0.0.1:2376', SkipTLSVerify: false } } }));
    assert.deepEqual(loadContext(dir, 'remote'), { host: 'tcp://10.0.0.1:2376', tls: undefined });
    fs.mkdirSync(path.join(dir, 'contexts', 'tls', id, 'docker'), { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(dir, 'contexts', 'tls', id, 'docker', f), f);
    const c = loadContext(dir, 'remote');
    assert.equal(c.tls?.verify, true);
    assert.equal(c.tls?.cert?.toString(), 'cert.pem');
    assert.throws(() => loadContext(dir, 'nope'), /unable to resolve docker endpoint: context "nope": context not found: open .*\/contexts\/meta\/[0-9a-f]{64}\/meta.json: no such file or directory/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
