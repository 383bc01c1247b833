import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shouldRestart, restartOnDaemonStart, validatePolicy, Backoff } from '../../../src/engine/containers/restart-policy.ts';

test('which exits restart, per policy', () => {
  const o = (exitCode: number, restartCount = 0, manuallyStopped = false) => ({ exitCode, restartCount, manuallyStopped });
  assert.equal(shouldRestart({ Name: 'no' }, o(1)), false);
  assert.equal(shouldRestart({ Name: 'always' }, o(0)), true);
  assert.equal(shouldRestart({ Name: 'always' }, o(0, 0, true)), false);
  assert.equal(shouldRestart({ Name: 'unless-stopped' }, o(3)), true);
  assert.equal(shouldRestart({ Name: 'on-failure' }, o(0)), false);
  assert.equal(shouldRestart({ Name: 'on-failure', MaximumRetryCount: 2 }, o(1, 1)), true);
  assert.equal(shouldRestart({ Name: 'on-failure', MaximumRetryCount: 2 }, o(1, 2)), false);
  assert.equal(restartOnDaemonStart({ Name: 'always' }, false), true);
  assert.equal(restartOnDaemonStart({ Name: 'always' }, true), true);
  assert.equal(restartOnDaemonStart({ Name: 'unless-stopped' }, true), false);
  assert.equal(restartOnDaemonStart({ Name: 'on-failure' }, false), false);
});

test('validation messages and the back-off', () => {
  assert.match(validatePolicy({ Name: 'sometimes' }, false)!, /unknown policy 'sometimes'/);
  assert.match(validatePolicy({ Name: 'always', MaximumRetryCount: 2 }, false)!, /only be used with 'on-failure'/);
  assert.match(validatePolicy({ Name: 'always' }, true)!, /AutoRemove/);
  assert.equal(validatePolicy({ Name: 'on-failure', MaximumRetryCount: 5 }, false), undefined);
  const b = new Backoff();
  assert.deepEqual([b.next(0), b.next(50), b.next(50), b.next(20_000)], [100, 200, 400, 100]);
});
