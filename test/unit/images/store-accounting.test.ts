// The accounting of the image store, and so the decision the daemon takes at start about what a
// crash left: what is orphaned (deleted), what a lease keeps, what is held but missing (reported).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountStore, liveLeases, type StoreView } from '../../../src/images/store-accounting.ts';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const NOW = Date.parse('2026-11-27T08:00:00Z');
const LATER = '2026-11-28T08:00:00Z';
const EARLIER = '2026-11-26T08:00:00Z';

/** base ← mid ← top, each with a blob; an image on all three; a second image sharing base */
function view(over: Partial<StoreView> = {}): StoreView {
  return {
    images: [
      { id: d('a'), chain: [d('1'), d('2'), d('3')] },
      { id: d('b'), chain: [d('1')], blobs: [d('e')] },
    ],
    layers: [
      { chainId: d('1'), blob: d('4') },
      { chainId: d('2'), parent: d('1'), blob: d('5') },
      { chainId: d('3'), parent: d('2'), blob: d('6') },
    ],
    rwLayers: [],
    leases: [],
    blobFiles: [d('a'), d('b'), d('e'), d('4'), d('5'), d('6')],
    layerDirs: [d('1'), d('2'), d('3')],
    now: NOW,
    ...over,
  };
}

test('a whole store has nothing orphaned and nothing missing', () => {
  assert.deepEqual(accountStore(view()), { orphanLayers: [], orphanBlobs: [], unrecordedDirs: [], endedLeases: [], missing: [] });
});

test('layers of a removed image go top first, with their blobs; a layer another image shares stays', () => {
  const a = accountStore(view({ images: [{ id: d('b'), chain: [d('1')] }], blobFiles: [d('b'), d('4'), d('5'), d('6'), d('f')] }));
  assert.deepEqual(a.orphanLayers, [d('3'), d('2')]);
  assert.deepEqual(a.orphanBlobs, [d('5'), d('6'), d('f')]);
  assert.deepEqual(a.missing, []);
});

test("a container's layers are held, and so are their parents, with no image left", () => {
  const a = accountStore(view({ images: [], rwLayers: [{ id: 'c1', layers: [d('1'), d('2'), d('3')] }], blobFiles: [d('4'), d('5'), d('6')] }));
  assert.deepEqual(a.orphanLayers, []);
  assert.deepEqual(a.orphanBlobs, []);
  // a record that names only its top layer still holds the chain below it
  assert.deepEqual(accountStore(view({ images: [], rwLayers: [{ id: 'c1', layers: [d('3')] }], blobFiles: [d('4'), d('5'), d('6')] })).orphanLayers, []);
});

test('a live lease keeps the layers a killed pull landed; an expired one keeps nothing', () => {
  const landed = { images: [], layers: [{ chainId: d('1'), blob: d('4') }, { chainId: d('2'), parent: d('1'), blob: d('5') }], blobFiles: [d('4'), d('5')], layerDirs: [d('1'), d('2')] };
  const live = accountStore(view({ ...landed, leases: [{ id: 'pull:x', expires: LATER, chains: [d('1'), d('2'), d('3')] }] }));
  assert.deepEqual(live.orphanLayers, []);
  assert.deepEqual(live.orphanBlobs, []);
  assert.deepEqual(live.missing, [], 'a lease holds what has not landed yet without calling it missing');
  const expired = accountStore(view({ ...landed, leases: [{ id: 'pull:x', expires: EARLIER, chains: [d('1'), d('2'), d('3')] }] }));
  assert.deepEqual(expired.orphanLayers, [d('2'), d('1')]);
  assert.deepEqual(expired.orphanBlobs, [d('4'), d('5')]);
  assert.deepEqual(expired.endedLeases, ['pull:x']);
  assert.deepEqual(liveLeases([{ id: 'x', expires: LATER, chains: [] }, { id: 'y', expires: EARLIER, chains: [] }], NOW).map((l) => l.id), ['x']);
});

test("a lease whose image exists holds nothing more: the operation finished, killed before it could end the lease", () => {
  const a = accountStore(view({ images: [], leases: [{ id: 'pull:a', expires: LATER, chains: [d('1'), d('2'), d('3')], image: d('a') }] }));
  assert.deepEqual(a.endedLeases, []);
  assert.deepEqual(a.orphanLayers, []);
  const b = accountStore(view({ leases: [{ id: 'pull:a', expires: LATER, chains: [d('1'), d('2'), d('3')], image: d('a') }] }));
  assert.deepEqual(b.endedLeases, ['pull:a']);
});

test('a lease holds blobs it names', () => {
  const a = accountStore(view({ blobFiles: [...view().blobFiles, d('9')], leases: [{ id: 'l', expires: LATER, chains: [], blobs: [d('9')] }] }));
  assert.deepEqual(a.orphanBlobs, []);
});

test('directories without a record are reported; held but missing things are never orphans', () => {
  const a = accountStore(view({ layerDirs: [d('1'), d('3'), d('7')], blobFiles: [d('b'), d('e'), d('4'), d('5')] }));
  assert.deepEqual(a.unrecordedDirs, [d('7')]);
  assert.deepEqual(a.orphanLayers, []);
  assert.deepEqual(a.missing.sort(), [`blob ${d('6')} of layer ${d('3')}`, `config blob of image ${d('a')}`, `directory of layer ${d('2')}`].sort());
  const gone = accountStore(view({ layers: [{ chainId: d('1'), blob: d('4') }] }));
  assert.deepEqual(gone.missing, [`layer ${d('2')} of image ${d('a')}`, `layer ${d('3')} of image ${d('a')}`]);
});
