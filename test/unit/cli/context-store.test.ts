// berth reads docker's context store as the docker CLI does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { contextName, loadContext, writeContext, readMeta, storedNames, tlsFiles, removeContext, checkNewName } from '../../../src/cli/context-store.ts';

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

test('written contexts read back as docker stores them: meta under sha256(name), TLS files 0600, removal', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctx-'));
  try {
    writeContext(dir, { Name: 'b-ctx', Metadata: { Description: 'd' }, Endpoints: { docker: { Host: 'tcp://h:2376', SkipTLSVerify: false } } }, { ca: Buffer.from('CA') });
    writeContext(dir, { Name: 'a-ctx', Metadata: {}, Endpoints: { docker: { Host: 'unix:///x.sock', SkipTLSVerify: true } } }, {});
    const id = crypto.createHash('sha256').update('b-ctx').digest('hex');
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'contexts', 'meta', id, 'meta.json'), 'utf8'));
    assert.deepEqual(meta, { Name: 'b-ctx', Metadata: { Description: 'd' }, Endpoints: { docker: { Host: 'tcp://h:2376', SkipTLSVerify: false } } });
    assert.equal(fs.statSync(path.join(dir, 'contexts', 'tls', id, 'docker', 'ca.pem')).mode & 0o777, 0o600);
    assert.deepEqual(storedNames(dir), ['a-ctx', 'b-ctx']);
    assert.deepEqual(tlsFiles(dir, 'b-ctx'), ['ca.pem']);
    assert.equal(readMeta(dir, 'a-ctx').Endpoints.docker.SkipTLSVerify, true);
    assert.equal(loadContext(dir, 'b-ctx').tls?.ca?.toString(), 'CA');
    removeContext(dir, 'b-ctx');
    assert.deepEqual(storedNames(dir), ['a-ctx']);
    assert.throws(() => readMeta(dir, 'b-ctx'), /context "b-ctx": context not found: open .*meta\.json: no such file or directory/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("new context names: docker's pattern, default reserved", () => {
  assert.doesNotThrow(() => checkNewName('remote-1.x_y+z'));
  assert.throws(() => checkNewName('default'), /"default" is a reserved context name/);
  assert.throws(() => checkNewName('x'), /names are validated against regexp/);
  assert.throws(() => checkNewName('bad name'), /context name "bad name" is invalid/);
  assert.throws(() => checkNewName('-lead'), /is invalid/);
});
