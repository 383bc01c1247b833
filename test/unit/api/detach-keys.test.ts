import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDetachKeys, DetachScanner } from '../../../src/api/detach-keys.ts';
import { frame } from '../../../src/api/stdcopy.ts';
import { compareVersions, splitVersion } from '../../../src/api/version.ts';

test('default detach keys are ctrl-p ctrl-q', () => {
  assert.deepEqual([...parseDetachKeys(undefined)], [16, 17]);
  assert.deepEqual([...parseDetachKeys('ctrl-a,x')], [1, 120]);
  assert.throws(() => parseDetachKeys('ctrl-'), /Invalid escape keys/);
});

test('scanner passes input and spots the sequence across chunks', () => {
  const s = new DetachScanner(parseDetachKeys(undefined));
  assert.deepEqual(s.feed(Buffer.from('ab')), { pass: Buffer.from('ab'), detach: false });
  assert.deepEqual(s.feed(Buffer.from([16])), { pass: Buffer.alloc(0), detach: false });
  assert.deepEqual(s.feed(Buffer.from([17])), { pass: Buffer.alloc(0), detach: true });
});

test('a broken partial sequence is passed on', () => {
  const s = new DetachScanner(parseDetachKeys(undefined));
  assert.equal(s.feed(Buffer.from([16, 65])).pass.length, 2);
  const r = new DetachScanner(parseDetachKeys(undefined)).feed(Buffer.from([16, 65]));
  assert.deepEqual([...r.pass], [16, 65]);
});

test('stdcopy frame header', () => {
  const f = frame('stderr', Buffer.from('hi'));
  assert.deepEqual([...f.subarray(0, 8)], [2, 0, 0, 0, 0, 0, 0, 2]);
  assert.equal(f.subarray(8).toString(), 'hi');
});

test('api versions', () => {
  assert.equal(compareVersions('1.41', '1.50'), -1);
  assert.equal(compareVersions('1.50', '1.50'), 0);
  assert.deepEqual(splitVersion('/v1.41/containers/json'), { version: '1.41', path: '/containers/json' });
  assert.deepEqual(splitVersion('/_ping'), { path: '/_ping' });
});
