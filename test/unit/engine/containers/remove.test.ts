// remove.ts: rm -f marks `removing` before the kill; prune reports only what it removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { harness, actions } from './fakes.ts';
import { statusOf } from '../../../../src/api/errors.ts';

test('rm of a running container needs force; rm -f marks removing first, then everything goes', async () => {
  const h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'rm1', config: { Image: 'busybox' } });
    await h.svc.start(Id);
    await assert.rejects(h.svc.remove(Id), (e: Error) => statusOf(e) === 409 && /container is running: stop the container before removing or force remove/.test(e.message));
    let onDisk: unknown;
    h.runtime.onSignal = (id, sig) => {
      onDisk = h.db.collection<{ State: { Status: string } }>('containers').get(id)?.State.Status;
      return sig === 9 ? 137 : undefined;
    };
    const removed = h.svc.wait(Id, 'removed');
    await h.svc.remove(Id, { force: true });
    assert.equal(onDisk, 'removing');
    assert.equal((await removed).StatusCode, 137);
    await h.svc.drain();
    assert.equal(h.svc.find(Id), undefined);
    assert.ok(!h.images.layers.has(Id));
    assert.ok(!fs.existsSync(path.join(h.cfg.dataRoot, 'containers', Id)));
    assert.equal(h.runtime.containers.size, 0);
    assert.deepEqual(actions(h, Id), ['create', 'start', 'die', 'destroy']);
    // the name is free again
    await h.svc.create({ name: 'rm1', config: { Image: 'busybox' } });
  } finally {
    h.close();
  }
});

test('prune removes the stopped ones it may, and reports only those', async () => {
  const h = harness();
  try {
    const a = (await h.svc.create({ name: 'pa', config: { Image: 'busybox' } })).Id;
    const b = (await h.svc.create({ name: 'pb', config: { Image: 'busybox' } })).Id;
    const run = (await h.svc.create({ name: 'pr', config: { Image: 'busybox' } })).Id;
    await h.svc.start(run);
    const out = await h.svc.prune((c) => c.Id !== b);
    assert.deepEqual(out.ContainersDeleted, [a]);
    assert.ok(h.svc.find(b) && h.svc.find(run));
    // a removal that fails is not reported: b is being removed by someone else (marked removing)
    const store = (h.svc as unknown as { ctx: { store: import('../../../../src/engine/containers/store.ts').ContainerStore } }).ctx.store;
    store.update(b, (x) => void (x.State = { ...x.State, Status: 'removing' }));
    assert.equal((await h.svc.prune(() => true)).ContainersDeleted, null, 'nothing removed: null, as dockerd');
  } finally {
    h.close();
  }
});

test('rename: the new name is taken atomically; Docker messages', async () => {
  const h = harness();
  try {
    const a = (await h.svc.create({ name: 'ra', config: { Image: 'busybox' } })).Id;
    const b = (await h.svc.create({ name: 'rb', config: { Image: 'busybox' } })).Id;
    await assert.rejects(h.svc.rename(a, 'rb'), (e: Error) => statusOf(e) === 409 && e.message === `Error when allocating new name: Conflict. The container name "/rb" is already in use by container "${b}". You have to remove (or rename) that container to be able to reuse that name.`);
    await assert.rejects(h.svc.rename(a, 'ra'), /Renaming a container with the same name as its current name/);
    await h.svc.rename(a, 'rc');
    assert.equal(h.svc.get('rc').Id, a);
    // the old name is free, the new one taken, also for creates
    await h.svc.create({ name: 'ra', config: { Image: 'busybox' } });
    await assert.rejects(h.svc.create({ name: 'rc', config: { Image: 'busybox' } }), (e: Error) => statusOf(e) === 409);
    assert.deepEqual(actions(h, a), ['create', 'rename']);
  } finally {
    h.close();
  }
});
