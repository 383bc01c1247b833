import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signalNumber } from '../../../src/engine/containers/signals.ts';
import { normalizeName, randomName } from '../../../src/engine/containers/names.ts';

test('signals by name, SIG name and number', () => {
  assert.equal(signalNumber('KILL'), 9);
  assert.equal(signalNumber('SIGTERM'), 15);
  assert.equal(signalNumber('hup'), 1);
  assert.equal(signalNumber('10'), 10);
  assert.throws(() => signalNumber('NOPE'), /Invalid signal: NOPE/);
  assert.throws(() => signalNumber('99'), /Invalid signal/);
});

test('container names follow Docker rules', () => {
  assert.equal(normalizeName('web-1'), '/web-1');
  assert.equal(normalizeName('/web'), '/web');
  assert.throws(() => normalizeName('-bad'), /Invalid container name \(-bad\)/);
  assert.throws(() => normalizeName('a'), /Invalid container name/);
  assert.match(randomName(() => false), /^\/[a-z]+_[a-z]+$/);
});
