// Shared and slave bind mounts need a source mount that propagates, as dockerd checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sourceMount, checkPropagation } from '../../../src/runtime/propagation.ts';

const INFO = [
  '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
  '40 27 0:50 / /srv rw shared:5 - tmpfs tmpfs rw',
  '41 27 0:51 / /mnt/slave rw master:7 - tmpfs tmpfs rw',
  '42 27 0:52 / /my\\040dir rw - tmpfs tmpfs rw',
].join('\n');

test('the longest mount point holding a path, with its optional fields', () => {
  assert.deepEqual(sourceMount('/nonexistent-x/y', INFO), { mountpoint: '/', optional: '' });
  assert.deepEqual(sourceMount('/nonexistent-srv/a', INFO).mountpoint, '/');
  assert.deepEqual(sourceMount('/my dir/a', INFO).mountpoint, '/my dir');
});

test('rshared needs a shared source, rslave a shared or slave one; private needs nothing', () => {
  const bind = (source: string, prop: string) => [{ destination: '/d', source, type: 'bind', options: ['rbind', 'rw', prop] }];
  assert.throws(() => checkPropagation(bind('/nonexistent-a', 'rslave'), INFO), /path \/nonexistent-a is mounted on \/ but it is not a shared or slave mount/);
  assert.throws(() => checkPropagation(bind('/nonexistent-a', 'rshared'), INFO), /is not a shared mount/);
  checkPropagation(bind('/nonexistent-a', 'rprivate'), INFO);
});
