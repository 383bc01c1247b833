// What the image side finishes or undoes when it opens a data root a killed daemon left: half-written
// blobs and layers, layers and blobs nothing holds, and the layers a pull's lease keeps for a retry.
// A restart is a new ImageStoreService on the same database and directories.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { MetaDB } from '../../../src/store/db.ts';
import { EventsService } from '../../../src/events/bus.ts';
import { ImageStoreService } from '../../../src/images/image-service.ts';
import { loadArchive } from '../../../src/images/archive-load.ts';
import { layout } from '../../../src/config.ts';
import { tarBuffer } from '../../helpers/images.ts';

const roots: string[] = [];
const dbs: MetaDB[] = [];
after(() => {
  for (const db of dbs) db.close();
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});
const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

function dataRoot() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-recovery-'));
  roots.push(root);
  const cfg = { socketPath: '', dataRoot: path.join(root, 'data'), execRoot: path.join(root, 'exec'), logLevel: 'info' };
  /** the daemon (re)starting on this data root */
  const open = () => {
    const db = new MetaDB(layout(cfg).db);
    dbs.push(db);
    return new ImageStoreService({ cfg, db, events: new EventsService() });
  };
  return { cfg, open };
}

test('a restart removes what nothing holds: layers with their blobs, stray blobs, temp files, unrecorded directories', async () => {
  const { cfg, open } = dataRoot();
  const s = open();
  const layer = await s.layers.register(Readable.from([await tarBuffer([{ name: 'a', content: 'A' }])]), undefined, { storeBlob: true });
  const stray = s.content.put('nobody holds me');
  fs.writeFileSync(path.join(layout(cfg).tmp, 'blob-0123456789abcdef'), 'half an ingest');
  fs.mkdirSync(path.join(layout(cfg).tmp, 'layer-0123456789abcdef', 'diff'), { recursive: true });
  fs.mkdirSync(path.join(layout(cfg).layers, 'f'.repeat(64), 'diff'), { recursive: true });
  // killed here: the layer was never referenced
  const r = open();
  assert.equal(r.layers.get(layer.chainId), undefined);
  assert.equal(r.content.has(layer.blob!.digest), false);
  assert.equal(r.content.has(stray), false);
  assert.deepEqual(r.layers.dirs(), []);
  assert.ok(!fs.readdirSync(layout(cfg).tmp).some((n) => n.startsWith('blob-')));
});

test("a pull's lease keeps its landed layers across a restart until it expires; what an image or container holds is never removed", async () => {
  const { open } = dataRoot();
  const s = open();
  const base = await s.layers.register(Readable.from([await tarBuffer([{ name: 'base', content: 'B' }])]), undefined, { storeBlob: true });
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [base.diffId] } });
  const img = s.createImage(Buffer.from(config));
  const landed = await s.layers.register(Readable.from([await tarBuffer([{ name: 'top', content: 'T' }])]), base.chainId, { storeBlob: true });
  s.lease('pull:x', [base.chainId, landed.chainId, sha('not yet')]);
  const r = open();
  assert.ok(r.layers.get(landed.chainId), 'the lease keeps the landed layer');
  assert.ok(r.content.has(landed.blob!.digest));
  // the layer the lease holds also outlives an rmi of the image below it
  r.deleteImage(img.id);
  assert.ok(r.layers.get(base.chainId));
  r.lease('pull:x', [base.chainId, landed.chainId], { ttlMs: -1 }); // expired
  const r2 = open();
  assert.equal(r2.layers.get(landed.chainId), undefined);
  assert.equal(r2.layers.get(base.chainId), undefined);
  assert.deepEqual(r2.storeView().leases, []);
  assert.deepEqual(r2.content.list(), []);
});

test('a load that fails on its second layer gives back the first', async () => {
  const { open } = dataRoot();
  const s = open();
  const good = await tarBuffer([{ name: 'a', content: 'A' }]);
  const bad = await tarBuffer([{ name: 'b', content: 'B' }]);
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha(good), sha('something else')] } });
  const archive = await tarBuffer([
    { name: 'l1.tar', content: good },
    { name: 'l2.tar', content: bad },
    { name: 'c.json', content: config },
    { name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', RepoTags: ['x:1'], Layers: ['l1.tar', 'l2.tar'] }]) },
  ]);
  await assert.rejects(loadArchive(s, Readable.from([archive]), { quiet: true }, () => {}), /invalid diffID for layer 1/);
  assert.deepEqual(s.layers.all(), []);
  assert.deepEqual(s.content.list(), []);
});
