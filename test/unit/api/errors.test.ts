import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hideHostPaths, messageOf, statusOf } from '../../../src/api/errors.ts';
import { notFound } from '../../../src/errdefs.ts';

test('answers name no daemon host path and no JavaScript error text', () => {
  const root = '/var/lib/berth';
  hideHostPaths([root, '/run/berth']);
  const id = 'a'.repeat(64);
  assert.equal(messageOf(notFound(`Could not find ${root}/containers/${id}/rw/merged/etc/x`)), 'Could not find /etc/x');
  assert.equal(messageOf(notFound(`open ${root}/volumes/v/_data: nope`)), 'open <daemon root>: nope');
  const sys = Object.assign(new Error(`ENAMETOOLONG: name too long, mkdir '${root}/volumes/${'v'.repeat(300)}'`), { code: 'ENAMETOOLONG', syscall: 'mkdir' });
  assert.equal(messageOf(sys), 'mkdir: name too long');
  assert.match(messageOf(new TypeError("Cannot read properties of null (reading 'Cmd')")), /^internal error/);
  assert.equal(statusOf(new TypeError('x')), 500);
  hideHostPaths([]);
});
