// api/errors.ts: one mapping from error kinds to HTTP statuses, following an error's causes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusOf, messageOf, hideHostPaths } from '../../../src/api/errors.ts';
import { BerthError, conflict, notFound, invalidParameter, forbidden, unavailable, notModified, notImplemented, systemError, kindOf, isKind } from '../../../src/errdefs.ts';

test('each kind has its status', () => {
  assert.equal(statusOf(notFound('No such container: x')), 404);
  assert.equal(statusOf(conflict('c')), 409);
  assert.equal(statusOf(invalidParameter('p')), 400);
  assert.equal(statusOf(forbidden('f')), 403);
  assert.equal(statusOf(new BerthError('unauthorized', 'u')), 401);
  assert.equal(statusOf(unavailable('u')), 503);
  assert.equal(statusOf(notModified('m')), 304);
  assert.equal(statusOf(notImplemented('n')), 501);
  assert.equal(statusOf(systemError('s')), 500);
});

test('untyped errors are 500; the cause chain is followed to the first typed error', () => {
  assert.equal(statusOf(new Error('plain')), 500);
  assert.equal(statusOf('a string'), 500);
  assert.equal(statusOf(undefined), 500);
  const wrapped = new Error('starting container', { cause: new Error('runtime', { cause: conflict('in use') }) });
  assert.equal(statusOf(wrapped), 409);
  // the outermost typed error wins: a system error caused by a not-found stays a system error
  assert.equal(statusOf(systemError('cannot stop', notFound('gone'))), 500);
  assert.equal(kindOf(wrapped), 'conflict');
  assert.ok(isKind(wrapped, 'conflict'));
  // a cycle in the causes does not hang
  const a = new Error('a');
  const b = new Error('b', { cause: a });
  (a as { cause?: unknown }).cause = b;
  assert.equal(statusOf(a), 500);
});

test('messages: the error message itself, no cause property when there is none', () => {
  assert.equal(messageOf(notFound('No such container: x')), 'No such container: x');
  assert.equal(messageOf(42), '42');
  assert.ok(!Object.hasOwn(conflict('c'), 'cause'));
  const inner = new Error('EACCES');
  assert.equal(invalidParameter('bad', inner).cause, inner);
});

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
