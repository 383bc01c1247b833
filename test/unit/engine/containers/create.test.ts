// create.ts: the name is reserved atomically, whatever the layer step awaits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { harness } from './fakes.ts';
import { BerthError } from '../../../../src/errdefs.ts';
import { statusOf } from '../../../../src/api/errors.ts';

test('200 concurrent creates of one name: one wins, 199 get Docker conflict, nothing orphaned', async () => {
  const h = harness();
  try {
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => h.svc.create({ name: 'xx', config: { Image: 'busybox' } })));
    const won = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ Id: string }>[];
    const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    assert.equal(won.length, 1);
    assert.equal(lost.length, 199);
    const id = won[0].value.Id;
    for (const r of lost) {
      assert.ok(r.reason instanceof BerthError);
      assert.equal(statusOf(r.reason), 409);
      assert.equal(r.reason.message, `Conflict. The container name "/xx" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    // only the winner has a layer and a directory; the store holds one record
    assert.deepEqual([...h.images.layers], [id]);
    assert.deepEqual(fs.readdirSync(path.join(h.cfg.dataRoot, 'containers')), [id]);
    assert.equal(h.svc.list().length, 1);
    assert.equal(h.svc.get('xx').Id, id);
  } finally {
    h.close();
  }
});

test('a create that fails after reserving gives the name, layer and directory back', async () => {
  const h = harness();
  try {
    h.images.failLayer = new Error('disk full');
    await assert.rejects(h.svc.create({ name: 'yy', config: { Image: 'busybox' } }), /disk full/);
    assert.deepEqual(fs.readdirSync(path.join(h.cfg.dataRoot, 'containers')), []);
    h.images.failLayer = undefined;
    const { Id } = await h.svc.create({ name: 'yy', config: { Image: 'busybox' } });
    assert.equal(h.svc.get('yy').Id, Id);
    assert.equal(h.svc.get(Id).State.Status, 'created');
  } finally {
    h.close();
  }
});

test('random names never collide with reserved ones; invalid names are refused before anything', async () => {
  const h = harness();
  try {
    const ids = await Promise.all(Array.from({ length: 50 }, () => h.svc.create({ config: { Image: 'busybox' } })));
    assert.equal(new Set(ids.map((r) => h.svc.get(r.Id).Name)).size, 50);
    await assert.rejects(h.svc.create({ name: '-bad', config: { Image: 'busybox' } }), (e: Error) => statusOf(e) === 400 && /Invalid container name/.test(e.message));
    await assert.rejects(h.svc.create({ name: 'zz', config: { Image: 'busybox', WorkingDir: 'rel' } }), /needs to be an absolute path/);
    // the refused create did not keep its name
    await h.svc.create({ name: 'zz', config: { Image: 'busybox' } });
  } finally {
    h.close();
  }
});

test('a failed create takes back the anonymous volumes it made, not the named ones it found', async () => {
  const h = harness();
  try {
    h.volumes.create({ Name: 'keepme' });
    h.images.failLayer = new Error('disk full');
    await assert.rejects(h.svc.create({ name: 'vv', config: { Image: 'busybox', Volumes: { '/data': {} }, HostConfig: { Binds: ['keepme:/keep'] } } as never }), /disk full/);
    assert.deepEqual(h.volumes.all().map((v) => v.Name), ['keepme']);
  } finally {
    h.close();
  }
});
