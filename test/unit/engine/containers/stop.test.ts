// stop.ts: kill waits for the exit after SIGKILL; every wait of stop is bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, actions } from './fakes.ts';
import { limits } from '../../../../src/engine/containers/stop.ts';
import { statusOf } from '../../../../src/api/errors.ts';

test('stop: the stop signal, the exit, the events in Docker order', async () => {
  const h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'sp', config: { Image: 'busybox' } });
    await h.svc.start(Id);
    await h.svc.stop(Id, { timeout: 5 });
    const c = h.svc.get(Id);
    assert.equal(c.State.Status, 'exited');
    assert.equal(c.State.ExitCode, 143);
    assert.equal(c.HasBeenManuallyStopped, true);
    assert.equal(c.Intent, undefined);
    assert.deepEqual(actions(h, Id), ['create', 'start', 'kill', 'die', 'stop']);
    await assert.rejects(h.svc.stop(Id), (e: Error) => statusOf(e) === 304);
  } finally {
    h.close();
  }
});

test('stop of a process that ignores TERM: SIGKILL after the timeout', async () => {
  const h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'sp2', config: { Image: 'busybox' } });
    await h.svc.start(Id);
    h.runtime.onSignal = (_id, sig) => (sig === 9 ? 137 : undefined);
    const t0 = Date.now();
    await h.svc.stop(Id, { timeout: 1 });
    assert.ok(Date.now() - t0 >= 900);
    assert.equal(h.svc.get(Id).State.ExitCode, 137);
  } finally {
    h.close();
  }
});

test('a process that never reports its exit: kill and stop give up after the grace, with dockerd message', async () => {
  const h = harness();
  const saved = limits.killGraceMs;
  limits.killGraceMs = 100;
  try {
    const { Id } = await h.svc.create({ name: 'sp3', config: { Image: 'busybox' } });
    await h.svc.start(Id);
    h.runtime.onSignal = () => undefined;
    await assert.rejects(h.svc.kill(Id), (e: Error) => statusOf(e) === 500 && /tried to kill container, but did not receive an exit event/.test(e.message));
    await assert.rejects(h.svc.stop(Id, { timeout: 0 }), /did not receive an exit event/);
    assert.equal(h.svc.get(Id).Intent, undefined, 'a stop that gave up does not leave its intent');
  } finally {
    limits.killGraceMs = saved;
    h.close();
  }
});

test('kill: SIGKILL returns once the container is down; another signal returns at once', async () => {
  const h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'kl', config: { Image: 'busybox' } });
    await h.svc.start(Id);
    h.runtime.onSignal = (_id, sig) => (sig === 9 ? 137 : undefined);
    await h.svc.kill(Id, 'HUP');
    assert.equal(h.svc.get(Id).State.Running, true);
    await h.svc.kill(Id);
    assert.equal(h.svc.get(Id).State.Running, false);
    await assert.rejects(h.svc.kill(Id), (e: Error) => statusOf(e) === 409 && /is not running/.test(e.message));
  } finally {
    h.close();
  }
});
