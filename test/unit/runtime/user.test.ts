import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveExecUser, resolveAdditionalGroups, ociUser } from '../../../src/runtime/user.ts';

const passwd = ['root:x:0:0:root:/root:/bin/sh', '# comment', 'user:x:1000:1000:User:/home/user:/bin/sh', 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false', ''].join('\n');
const group = ['root:x:0:', 'wheel:x:10:root', 'audio:x:29:user', 'video:x:44:user,root', 'user:x:1000:', 'nogroup:x:65534:', 'staff:x:50:'].join('\n');

test('empty user is root with root memberships', () => {
  assert.deepEqual(resolveExecUser('', passwd, group), { uid: 0, gid: 0, sgids: [10, 44], home: '/root' });
});

test('name resolves uid, gid, home and memberships', () => {
  assert.deepEqual(resolveExecUser('user', passwd, group), { uid: 1000, gid: 1000, sgids: [29, 44], home: '/home/user' });
  assert.deepEqual(resolveExecUser('nobody', passwd, group), { uid: 65534, gid: 65534, sgids: [], home: '/nonexistent' });
});

test('numeric uid: from passwd if listed, else as is with gid 0', () => {
  assert.deepEqual(resolveExecUser('1000', passwd, group), { uid: 1000, gid: 1000, sgids: [29, 44], home: '/home/user' });
  assert.deepEqual(resolveExecUser('4242', passwd, group), { uid: 4242, gid: 0, sgids: [], home: '/' });
});

test('uid:gid and name:group forms set the group and skip memberships', () => {
  assert.deepEqual(resolveExecUser('1000:50', passwd, group), { uid: 1000, gid: 50, sgids: [], home: '/home/user' });
  assert.deepEqual(resolveExecUser('user:staff', passwd, group), { uid: 1000, gid: 50, sgids: [], home: '/home/user' });
  assert.deepEqual(resolveExecUser('4242:4343', passwd, group), { uid: 4242, gid: 4343, sgids: [], home: '/' });
});

test('unknown names fail with Docker messages', () => {
  assert.throws(() => resolveExecUser('nobody2', passwd, group), { message: 'unable to find user nobody2: no matching entries in passwd file' });
  assert.throws(() => resolveExecUser('user:nogroup2', passwd, group), { message: 'unable to find group nogroup2: no matching entries in group file' });
  assert.throws(() => resolveExecUser('99999999999', passwd, group), /uids and gids must be in range/);
});

test('missing passwd/group files: numeric ids work, names do not', () => {
  assert.deepEqual(resolveExecUser('123:456', undefined, undefined), { uid: 123, gid: 456, sgids: [], home: '/' });
  assert.deepEqual(resolveExecUser('', undefined, undefined), { uid: 0, gid: 0, sgids: [], home: '/' });
  assert.throws(() => resolveExecUser('root', undefined, undefined), /unable to find user root/);
});

test('group-add resolves names, keeps numbers, rejects unknown names', () => {
  assert.deepEqual(resolveAdditionalGroups(['audio', '777', '50'], group), [29, 777, 50]);
  assert.throws(() => resolveAdditionalGroups(['nope'], group), { message: 'Unable to find group nope: no matching entries in group file' });
});

test('ociUser puts the primary gid first and deduplicates', () => {
  assert.deepEqual(ociUser('user', ['video', 'staff'], passwd, group), { uid: 1000, gid: 1000, additionalGids: [1000, 29, 44, 50], home: '/home/user' });
  assert.deepEqual(ociUser('nobody', [], passwd, group), { uid: 65534, gid: 65534, additionalGids: [65534], home: '/nonexistent' });
});
