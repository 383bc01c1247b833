import { test } from 'node:test';
import assert from 'node:assert/strict';
import { criImage, credentialsFor, parseDockerRef, userOfImage } from '../../../src/cri/image-view.ts';
import { parseStored } from '../../../src/images/reference.ts';
import { isKind } from '../../../src/errdefs.ts';
import type { ImageRecord } from '../../../src/images/types.ts';

test('userOfImage: a numeric USER is a uid, a name is a user name, the group is dropped', () => {
  assert.deepEqual(userOfImage(''), { username: '' });
  assert.deepEqual(userOfImage('1000'), { uid: 1000, username: '' });
  assert.deepEqual(userOfImage('0:0'), { uid: 0, username: '' });
  assert.deepEqual(userOfImage('nobody:nogroup'), { username: 'nobody' });
});

test('parseDockerRef: normalized, :latest by default, the tag dropped beside a digest, bad names invalid', () => {
  assert.deepEqual(parseDockerRef('busybox'), { domain: 'docker.io', path: 'library/busybox', tag: 'latest' });
  assert.deepEqual(parseDockerRef('127.0.0.1:5000/a/b:v1'), { domain: '127.0.0.1:5000', path: 'a/b', tag: 'v1' });
  const d = 'sha256:' + 'a'.repeat(64);
  assert.deepEqual(parseDockerRef(`x/y:v1@${d}`), { domain: 'docker.io', path: 'x/y', digest: d });
  for (const bad of ['', 'Busybox', 'a b']) assert.throws(() => parseDockerRef(bad), (e) => isKind(e, 'invalid-parameter'));
});

test('credentialsFor: only for the registry it names; username/password, identity token, or base64 auth', () => {
  assert.equal(credentialsFor(null, 'h:5000'), undefined);
  assert.deepEqual(credentialsFor({ username: 'u', password: 'p' }, 'h:5000'), { username: 'u', password: 'p' });
  assert.deepEqual(credentialsFor({ username: 'u', password: 'p', server_address: 'http://h:5000' }, 'h:5000'), { username: 'u', password: 'p' });
  assert.deepEqual(credentialsFor({ username: 'u', password: 'p', server_address: 'h:5000' }, 'h:5000'), { username: 'u', password: 'p' });
  assert.equal(credentialsFor({ username: 'u', password: 'p', server_address: 'https://other:5000' }, 'h:5000'), undefined);
  assert.deepEqual(credentialsFor({ username: 'u', server_address: 'https://index.docker.io/v1/' }, 'registry-1.docker.io'), { username: 'u', password: '' });
  assert.deepEqual(credentialsFor({ identity_token: 't' }, 'h'), { identitytoken: 't' });
  assert.deepEqual(credentialsFor({ auth: Buffer.from('a:b:c').toString('base64') }, 'h'), { username: 'a', password: 'b:c' });
  assert.throws(() => credentialsFor({ auth: Buffer.from('nocolon').toString('base64') }, 'h'), (e) => isKind(e, 'invalid-parameter'));
  assert.equal(credentialsFor({}, 'h'), undefined);
});

test('criImage: fully qualified tags and digests, size as uint64, the USER mapped', () => {
  const id = 'sha256:' + 'c'.repeat(64);
  const d = 'sha256:' + 'd'.repeat(64);
  const img = { id, size: 1234, loaded: '', config: { rootfs: { type: 'layers', diff_ids: [] }, config: { User: '1000' } } } as unknown as ImageRecord;
  const v = criImage(img, [parseStored('docker.io/library/busybox:latest'), parseStored(`127.0.0.1:5000/x@${d}`)]);
  assert.deepEqual(v, { id, repo_tags: ['docker.io/library/busybox:latest'], repo_digests: [`127.0.0.1:5000/x@${d}`], size: '1234', uid: { value: '1000' }, username: '', pinned: false });
});
