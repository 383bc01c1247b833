// attach.ts: an attach before start is connected at start, and fails (does not hang) when the container goes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness } from './fakes.ts';
import { statusOf } from '../../../../src/api/errors.ts';

test('an attach made before start is connected when it starts', async () => {
  const h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'at1', config: { Image: 'busybox' } });
    const pending = h.svc.attach(Id);
    await h.svc.start(Id);
    assert.ok(await pending);
  } finally {
    h.close();
  }
});

test('an attach waiting for a start that never comes settles when the container is removed', async () => {
  const h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'at2', config: { Image: 'busybox' } });
    const pending = h.svc.attach(Id);
    await h.svc.remove(Id);
    await assert.rejects(pending, (e: Error) => statusOf(e) === 404);
    await h.svc.drain();
  } finally {
    h.close();
  }
});
