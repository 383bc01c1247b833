// recover.ts: after a daemon killed mid-operation, each operation is finished or undone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { harness, type Harness } from './fakes.ts';
import type { ContainerStore } from '../../../../src/engine/containers/store.ts';

const storeOf = (h: Harness) => (h.svc as unknown as { ctx: { store: ContainerStore } }).ctx.store;

test('a start cut short after the runtime created the container: undone at recover', async () => {
  let h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'rc1', config: { Image: 'busybox' } });
    h.runtime.start = () => new Promise(() => {}); // the daemon "dies" here
    void h.svc.start(Id);
    await sleep(30);
    assert.equal(h.runtime.containers.get(Id)?.status, 'created');
    h = h.reopen();
    h.runtime.start = async (id) => void (h.runtime.containers.get(id)!.status = 'running');
    await h.svc.recover();
    await h.svc.drain();
    const c = h.svc.get(Id);
    assert.deepEqual([c.State.Status, c.Intent], ['created', undefined]);
    assert.equal(h.runtime.containers.size, 0, 'no untracked runtime container');
    assert.ok(!h.images.mounted.has(Id));
    await h.svc.start(Id);
    assert.equal(h.svc.get(Id).State.Status, 'running');
  } finally {
    h.close();
  }
});

test('a removal cut short after the mark: finished at recover', async () => {
  let h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'rc2', config: { Image: 'busybox' } });
    await h.svc.start(Id);
    storeOf(h).update(Id, (x) => {
      x.State = { ...x.State, Status: 'removing' };
      x.Intent = 'remove';
    });
    h = h.reopen();
    await h.svc.recover();
    await h.svc.drain();
    assert.equal(h.svc.find(Id), undefined);
    assert.equal(h.runtime.containers.size, 0);
    assert.equal(h.images.layers.size, 0);
    assert.deepEqual(fs.readdirSync(path.join(h.cfg.dataRoot, 'containers')), []);
  } finally {
    h.close();
  }
});

test('a create cut short (name reserved, layer made, no record): swept, and the name is free', async () => {
  let h = harness();
  try {
    const id = 'b'.repeat(64);
    storeOf(h).reserveName('/rc3', id);
    await h.images.createRWLayer(id);
    h = h.reopen();
    await h.svc.recover();
    await h.svc.drain();
    assert.equal(h.images.layers.size, 0);
    assert.deepEqual(fs.readdirSync(path.join(h.cfg.dataRoot, 'containers')), []);
    await h.svc.create({ name: 'rc3', config: { Image: 'busybox' } });
  } finally {
    h.close();
  }
});

test('a stop cut short on a live container: finished (SIGKILL) at recover', async () => {
  let h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'rc4', config: { Image: 'busybox' } });
    await h.svc.start(Id);
    storeOf(h).update(Id, (x) => {
      x.Intent = 'stop';
      x.HasBeenManuallyStopped = true;
    });
    h = h.reopen();
    await h.svc.recover();
    for (let i = 0; i < 50 && h.svc.get(Id).State.Running; i++) await sleep(10);
    const c = h.svc.get(Id);
    assert.deepEqual([c.State.Status, c.State.ExitCode, c.Intent], ['exited', 137, undefined]);
  } finally {
    h.close();
  }
});

test('an exit whose teardown a crash cut short (record exited, runtime container and mount left): torn down at recover', async () => {
  let h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'rc5', config: { Image: 'busybox' } });
    await h.svc.start(Id);
    h.runtime.delete = () => new Promise(() => {}); // the daemon "dies" in the teardown
    h.runtime.exit(Id, 0);
    await sleep(30);
    assert.equal(h.svc.get(Id).State.Status, 'exited');
    assert.equal(h.runtime.containers.get(Id)?.status, 'stopped');
    h = h.reopen();
    delete (h.runtime as { delete?: unknown }).delete; // the prototype's again
    await h.svc.recover();
    await h.svc.drain();
    assert.equal(h.svc.get(Id).State.Status, 'exited');
    assert.equal(h.runtime.containers.size, 0, 'no runtime container left');
    assert.ok(!h.images.mounted.has(Id), 'no mount left');
  } finally {
    h.close();
  }
});

test('a commit cut short while it held the container paused: running and unpaused after recover; a user pause stays', async () => {
  let h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'rc-commit', config: { Image: 'busybox' } });
    const user = (await h.svc.create({ name: 'rc-user', config: { Image: 'busybox' } })).Id;
    await h.svc.start(Id);
    await h.svc.start(user);
    // the commit's pause, then the daemon "dies" before its unpause
    await h.runtime.pause(Id);
    storeOf(h).update(Id, (x) => {
      x.State = { ...x.State, Status: 'paused', Paused: true };
      x.pausedForCommit = true;
    });
    await h.svc.pause(user);
    h = h.reopen();
    await h.svc.recover();
    await h.svc.drain();
    const c = h.svc.get(Id);
    assert.deepEqual([c.State.Status, c.State.Paused, c.pausedForCommit], ['running', false, undefined]);
    assert.equal(h.runtime.containers.get(Id)?.status, 'running');
    assert.deepEqual([h.svc.get(user).State.Status, h.runtime.containers.get(user)?.status], ['paused', 'paused']);
  } finally {
    h.close();
  }
});
