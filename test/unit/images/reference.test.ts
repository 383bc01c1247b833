import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  familiar,
  familiarMatch,
  familiarString,
  normalize,
  parseAnyReference,
  parseNormalizedNamed,
  repoTagReference,
  tagNameOnly,
} from '../../../src/images/reference.ts';

const D = 'sha256:' + 'a'.repeat(64);

test('normalizes familiar names to docker.io/library with :latest', () => {
  assert.equal(normalize('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normalize('busybox:1.36'), 'docker.io/library/busybox:1.36');
  assert.equal(normalize('user/repo'), 'docker.io/user/repo:latest');
  assert.equal(normalize('docker.io/busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normalize('index.docker.io/library/busybox:x'), 'docker.io/library/busybox:x');
  assert.equal(normalize('localhost/foo'), 'localhost/foo:latest');
  assert.equal(normalize('localhost:5000/a/b:tag'), 'localhost:5000/a/b:tag');
  assert.equal(normalize('example.com/x'), 'example.com/x:latest');
  assert.equal(normalize('[::1]:5000/x:y'), '[::1]:5000/x:y');
  assert.equal(normalize(`busybox@${D}`), `docker.io/library/busybox@${D}`);
  assert.equal(normalize(`busybox:1@${D}`), `docker.io/library/busybox:1@${D}`);
});

test('familiar forms drop docker.io and library/', () => {
  assert.equal(familiar('docker.io/library/busybox:latest'), 'busybox:latest');
  assert.equal(familiar('docker.io/user/repo:1'), 'user/repo:1');
  assert.equal(familiar('docker.io/library/a/b:1'), 'library/a/b:1');
  assert.equal(familiar('localhost:5000/a/b:tag'), 'localhost:5000/a/b:tag');
  assert.equal(familiar(`docker.io/library/busybox@${D}`), `busybox@${D}`);
  assert.equal(familiarString(parseAnyReference(D.slice(7))), D);
});

test('Docker error messages for bad references', () => {
  assert.throws(() => parseNormalizedNamed('Foo'), { message: 'invalid reference format: repository name (library/Foo) must be lowercase' });
  assert.throws(() => parseNormalizedNamed('foo/Bar'), { message: 'invalid reference format: repository name (foo/Bar) must be lowercase' });
  assert.throws(() => parseNormalizedNamed('a:b:c'), { message: 'invalid reference format' });
  assert.throws(() => parseNormalizedNamed(''), { message: 'invalid reference format' });
  assert.throws(() => parseNormalizedNamed('-x'), { message: 'invalid reference format' });
  assert.throws(() => parseNormalizedNamed('x@sha256:abc'), /invalid reference format|digest/);
  assert.throws(() => parseNormalizedNamed('a'.repeat(64)), /cannot specify 64-byte hexadecimal strings/);
  assert.throws(() => parseNormalizedNamed('x/' + 'a'.repeat(260)), /must not be more than 255 characters/);
  try {
    parseNormalizedNamed('Foo');
  } catch (e: any) {
    assert.equal(e.kind, 'invalid-parameter');
  }
});

test('uppercase registry hosts are domains, uppercase paths are not', () => {
  assert.equal(normalize('Example.com/x'), 'Example.com/x:latest');
  assert.equal(normalize('EXAMPLE/x'), 'EXAMPLE/x:latest');
});

test('parseAnyReference: ids and digests are digest references', () => {
  assert.deepEqual(parseAnyReference('b'.repeat(64)), { domain: '', path: '', digest: 'sha256:' + 'b'.repeat(64) });
  assert.deepEqual(parseAnyReference(D), { domain: '', path: '', digest: D });
  // A short id prefix parses as a name (the lookup then falls back to the id).
  assert.equal(familiarString(tagNameOnly(parseAnyReference('abc123'))), 'abc123:latest');
  // "sha256:abcd" is name "sha256" with tag "abcd".
  assert.equal(familiarString(parseAnyReference('sha256:abcd')), 'sha256:abcd');
});

test('repo/tag query parameters', () => {
  assert.equal(repoTagReference(undefined, 'x'), undefined);
  assert.equal(familiarString(repoTagReference('foo', undefined)!), 'foo:latest');
  assert.equal(familiarString(repoTagReference('foo', 'v1')!), 'foo:v1');
  assert.throws(() => repoTagReference('foo', 'bad tag'), { message: 'invalid tag format' });
  assert.throws(() => repoTagReference(`foo@${D}`, ''), { message: 'cannot import digest reference' });
});

test('reference filter globs match familiar string or name', () => {
  const r = parseNormalizedNamed('localhost:5000/a/b:tag');
  assert.ok(familiarMatch('localhost:5000/a/b', r));
  assert.ok(familiarMatch('localhost*/*/*', r));
  assert.ok(familiarMatch('*/*/b:t?g', r));
  assert.ok(!familiarMatch('a/b', r));
  const bb = parseNormalizedNamed('busybox:latest');
  assert.ok(familiarMatch('busybox', bb));
  assert.ok(familiarMatch('busy*', bb));
  assert.ok(familiarMatch('busybox:l*', bb));
  assert.ok(!familiarMatch('box', bb));
});
