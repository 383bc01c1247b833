// exit.ts and restart.ts: an exit is recorded, waiters answered, policies restart with back-off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { harness, actions } from './fakes.ts';

test('an exit: exited with its code, die event, waiters answered, runtime torn down', async () => {
  const h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'ex', config: { Image: 'busybox' } });
    await h.svc.start(Id);
    const next = h.svc.wait(Id, 'next-exit');
    h.runtime.exit(Id, 3);
    assert.equal((await next).StatusCode, 3);
    const c = h.svc.get(Id);
    assert.deepEqual([c.State.Status, c.State.Running, c.State.ExitCode], ['exited', false, 3]);
    assert.equal(h.runtime.containers.size, 0);
    assert.deepEqual(actions(h, Id), ['create', 'start', 'die']);
  } finally {
    h.close();
  }
});

test('on-failure: restarted after the back-off, up to the maximum', async () => {
  const h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'of', config: { Image: 'busybox', HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 1 } } } as never });
    await h.svc.start(Id);
    h.runtime.exit(Id, 1);
    await h.svc.wait(Id, 'next-exit');
    assert.equal(h.svc.get(Id).State.Status, 'restarting');
    for (let i = 0; i < 50 && !h.svc.get(Id).State.Running; i++) await sleep(20);
    assert.equal(h.svc.get(Id).State.Status, 'running');
    assert.equal(h.svc.get(Id).RestartCount, 1);
    h.runtime.exit(Id, 1);
    await h.svc.wait(Id, 'next-exit');
    assert.equal(h.svc.get(Id).State.Status, 'exited');
  } finally {
    h.close();
  }
});

test('--rm: the container is removed at its exit; a wait for removed is answered', async () => {
  const h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'ar', config: { Image: 'busybox', HostConfig: { AutoRemove: true } } as never });
    await h.svc.start(Id);
    const removed = h.svc.wait(Id, 'removed');
    h.runtime.exit(Id, 0);
    assert.equal((await removed).StatusCode, 0);
    await h.svc.drain();
    assert.equal(h.svc.find(Id), undefined);
    assert.equal(h.images.layers.size, 0);
  } finally {
    h.close();
  }
});
