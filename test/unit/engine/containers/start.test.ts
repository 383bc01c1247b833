// start.ts: the intent is on disk before the runtime is touched; a failed start is undone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, actions } from './fakes.ts';
import { statusOf } from '../../../../src/api/errors.ts';

test('start writes its intent before the runtime creates, and running after it started', async () => {
  const h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'st', config: { Image: 'busybox' } });
    let seen: unknown;
    h.runtime.beforeCreate = () => {
      // what a daemon killed now would find on disk
      const again = h.db.collection<{ Intent?: string; State: { Status: string } }>('containers').get(Id)!;
      seen = [again.Intent, again.State.Status];
    };
    await h.svc.start(Id);
    assert.deepEqual(seen, ['start', 'created']);
    const c = h.svc.get(Id);
    assert.equal(c.State.Status, 'running');
    assert.equal(c.Intent, undefined);
    assert.equal(h.db.collection<{ Intent?: string }>('containers').get(Id)!.Intent, undefined);
    assert.deepEqual(actions(h, Id), ['create', 'start']);
    await assert.rejects(h.svc.start(Id), (e: Error) => statusOf(e) === 304);
  } finally {
    h.close();
  }
});

test('a start the runtime refuses is undone: back to created, no runtime container, no mount', async () => {
  const h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'st2', config: { Image: 'busybox', Cmd: ['nope'] } });
    h.runtime.failCreate = new Error('exec: "nope": executable file not found in $PATH');
    await assert.rejects(h.svc.start(Id), (e: Error) => statusOf(e) === 400);
    const c = h.svc.get(Id);
    assert.equal(c.State.Status, 'created');
    assert.equal(c.State.ExitCode, 127);
    assert.equal(c.Intent, undefined);
    assert.equal(h.runtime.containers.size, 0);
    assert.ok(!h.images.mounted.has(Id));
  } finally {
    h.close();
  }
});

test('pause and unpause; a paused container cannot be started', async () => {
  const h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'pz', config: { Image: 'busybox' } });
    await assert.rejects(h.svc.pause(Id), (e: Error) => statusOf(e) === 409 && /is not running/.test(e.message));
    await h.svc.start(Id);
    await h.svc.pause(Id);
    assert.equal(h.svc.get(Id).State.Status, 'paused');
    await assert.rejects(h.svc.start(Id), /cannot start a paused container, try unpause instead/);
    await h.svc.unpause(Id);
    assert.equal(h.svc.get(Id).State.Status, 'running');
  } finally {
    h.close();
  }
});
