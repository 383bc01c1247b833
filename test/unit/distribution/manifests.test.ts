// distribution/manifests.ts and util/platform.ts: platform names and the choice of a list's manifest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlatform, platformString, selectManifest, type Manifest } from '../../../src/distribution/manifests.ts';
import { goArch, normalizeArch } from '../../../src/util/platform.ts';
import { statusOf } from '../../../src/api/errors.ts';

test('platform names as Docker spells them', () => {
  assert.equal(goArch(), process.arch === 'x64' ? 'amd64' : goArch());
  assert.equal(normalizeArch('x86_64'), 'amd64');
  assert.equal(normalizeArch('aarch64'), 'arm64');
  assert.deepEqual(parsePlatform(undefined), { os: 'linux', architecture: goArch() });
  assert.deepEqual(parsePlatform('Linux/ARM64/v8'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.deepEqual(parsePlatform('linux/x86_64'), { os: 'linux', architecture: 'amd64', variant: undefined });
  assert.throws(() => parsePlatform('linux'), (e: Error) => statusOf(e) === 400 && /"linux": unknown operating system or architecture/.test(e.message));
  assert.equal(platformString({ os: 'linux', architecture: 'arm', variant: 'v7' }), 'linux/arm/v7');
});

test('a list entry is chosen by os, architecture and variant; arm64 without a variant is v8', () => {
  const d = (digest: string, platform: object) => ({ mediaType: 'm', digest, size: 1, platform }) as never;
  const list = { schemaVersion: 2, manifests: [d('a', { os: 'linux', architecture: 'amd64' }), d('b', { os: 'linux', architecture: 'arm', variant: 'v7' }), d('c', { os: 'linux', architecture: 'arm64' })] } as unknown as Manifest;
  assert.equal(selectManifest(list, { os: 'linux', architecture: 'amd64' }).digest, 'a');
  assert.equal(selectManifest(list, { os: 'linux', architecture: 'arm', variant: 'v7' }).digest, 'b');
  assert.equal(selectManifest(list, { os: 'linux', architecture: 'arm64', variant: 'v8' }).digest, 'c');
  assert.throws(() => selectManifest(list, { os: 'linux', architecture: 's390x' }), (e: Error) => statusOf(e) === 404 && /no matching manifest for linux\/s390x in the manifest list entries/.test(e.message));
});
