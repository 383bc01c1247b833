// Container layers on real overlayfs (needs root): create, mount, diff, commit, export, many layers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { MetaDB } from '../../../src/store/db.ts';
import { EventsService } from '../../../src/events/bus.ts';
import { ImageStoreService } from '../../../src/images/image-service.ts';
import { ImagesEngine } from '../../../src/engine/images.ts';
import { mountPoints } from '../../../src/snapshots/rw-layer.ts';
import { layout } from '../../../src/config.ts';
import { tarBuffer, type TarEntry } from '../../helpers/images.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (overlay mounts)' : false;

let root: string;
let db: MetaDB;
let store: ImageStoreService;
let eng: ImagesEngine;
let base: string;
const mounted: string[] = [];

before(async () => {
  if (skip) return;
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-rw-'));
  const cfg = { socketPath: '', dataRoot: path.join(root, 'data'), execRoot: path.join(root, 'exec'), logLevel: 'info' };
  db = new MetaDB(layout(cfg).db);
  store = new ImageStoreService({ cfg, db, events: new EventsService() });
  eng = new ImagesEngine({ cfg, db, events: new EventsService(), store });
  const entries: TarEntry[] = [
    { name: 'bin/', type: 'directory' },
    { name: 'bin/tool', content: '#!/bin/sh\n', mode: 0o755 },
    { name: 'bin/gone', content: 'x' },
    { name: 'etc/', type: 'directory' },
    { name: 'etc/hosts', content: '127.0.0.1 image\n' },
    { name: 'etc/conf', content: 'v1' },
    { name: 'var/', type: 'directory' },
    { name: 'var/old/', type: 'directory' },
    { name: 'var/old/file', content: 'o' },
  ];
  base = await eng.importImage(Readable.from([await tarBuffer(entries)]), { repo: 'rwbase', changes: ['CMD ["sh"]'] });
});

after(async () => {
  if (skip) return;
  for (const m of mounted) if (mountPoints().has(m)) execFileSync('umount', ['-l', m]);
  db.close();
  fs.rmSync(root, { recursive: true, force: true });
});

test('create + mount: image content, init layer entries, idempotent mount', { skip }, async () => {
  await store.createRWLayer('c1', base);
  // a create makes rw/ and its upper dir only; the overlay's work and mount dirs come with the first mount
  const rw = path.join(root, 'data', 'containers', 'c1', 'rw');
  assert.deepEqual(fs.readdirSync(rw), ['upper']);
  const merged = await store.mountRWLayer('c1');
  assert.deepEqual(fs.readdirSync(rw).sort(), ['merged', 'upper', 'work']);
  mounted.push(merged);
  assert.equal(await store.mountRWLayer('c1'), merged, 'mounting again returns the same path');
  assert.equal(fs.readFileSync(path.join(merged, 'bin/tool'), 'utf8'), '#!/bin/sh\n');
  // Docker's init layer: mount points and fresh empty files the daemon bind-mounts over.
  assert.equal(fs.readFileSync(path.join(merged, 'etc/hosts'), 'utf8'), '');
  assert.ok(fs.existsSync(path.join(merged, '.dockerenv')));
  assert.ok(fs.statSync(path.join(merged, 'proc')).isDirectory());
  assert.equal(fs.readlinkSync(path.join(merged, 'etc/mtab')), '/proc/mounts');
  assert.deepEqual(await store.changes('c1'), [], 'a fresh container has no changes');
  const g = store.graphDriverData('c1');
  // the init layer, shared by the image's containers, beside its top layer
  assert.ok(g.LowerDir!.split(':')[0]!.endsWith('/init'));
  assert.equal(g.LowerDir!.split(':')[1], path.join(path.dirname(g.LowerDir!.split(':')[0]!), 'diff'));
});

test('changes: added, modified, deleted (also under an opaque dir), sorted by path', { skip }, async () => {
  const m = await store.mountRWLayer('c1');
  fs.writeFileSync(path.join(m, 'new'), 'n');
  fs.writeFileSync(path.join(m, 'etc/conf'), 'v2');
  fs.rmSync(path.join(m, 'bin/gone'));
  fs.rmSync(path.join(m, 'var/old'), { recursive: true });
  fs.mkdirSync(path.join(m, 'var/old'));
  fs.writeFileSync(path.join(m, 'var/old/fresh'), 'f');
  const ch = await store.changes('c1');
  assert.deepEqual(ch, [
    { Path: '/bin', Kind: 0 },
    { Path: '/bin/gone', Kind: 2 },
    { Path: '/etc', Kind: 0 },
    { Path: '/etc/conf', Kind: 0 },
    { Path: '/new', Kind: 1 },
    { Path: '/var', Kind: 0 },
    { Path: '/var/old', Kind: 0 },
    { Path: '/var/old/file', Kind: 2 },
    { Path: '/var/old/fresh', Kind: 1 },
  ]);
});

test('commit: new layer with OCI whiteouts, history, changes applied, tag, parent', { skip }, async () => {
  const rec = await store.commit({
    containerId: 'c1',
    parentImageId: base,
    config: { Cmd: ['sh'], Env: ['A=1'] },
    changes: ['ENV B=2', 'LABEL built=yes'],
    comment: 'my commit',
    author: 'me',
    reference: 'committed:v1',
  });
  assert.equal(rec.parent, base);
  assert.equal(rec.config.rootfs.diff_ids.length, 2);
  assert.deepEqual(rec.config.config.Env, ['A=1', 'B=2']);
  assert.deepEqual(rec.config.config.Labels, { built: 'yes' });
  assert.equal(rec.config.author, 'me');
  const h = rec.config.history!.at(-1)!;
  assert.equal(h.created_by, 'sh');
  assert.equal(h.comment, 'my commit');
  assert.deepEqual(eng.inspect('committed:v1').RepoTags, ['committed:v1']);
  assert.equal(eng.inspect('committed:v1').Comment, 'my commit');
  // The new layer's tar uses OCI whiteouts.
  const top = store.images.chain(rec).at(-1)!;
  const tar = await collect(await store.layers.tarStream(top));
  const listing = execFileSync('tar', ['-t'], { input: tar, encoding: 'utf8' }).split('\n');
  for (const n of ['bin/.wh.gone', 'var/old/.wh..wh..opq', 'var/old/fresh', 'new', 'etc/conf']) assert.ok(listing.includes(n), `${n} in ${listing}`);
  // And the unpacked layer uses overlay ones again.
  assert.ok(fs.lstatSync(path.join(store.layers.diffDir(top), 'bin/gone')).isCharacterDevice());
  // A container from the committed image sees the result.
  await store.createRWLayer('c2', rec.id);
  const m2 = await store.mountRWLayer('c2');
  mounted.push(m2);
  assert.ok(!fs.existsSync(path.join(m2, 'bin/gone')));
  assert.deepEqual(fs.readdirSync(path.join(m2, 'var/old')), ['fresh']);
  assert.equal(fs.readFileSync(path.join(m2, 'etc/conf'), 'utf8'), 'v2');
  // History: the committed image and its parent.
  const hist = eng.history('committed:v1');
  assert.deepEqual(hist.map((x) => x.Id), [rec.id, base]);
  assert.deepEqual(hist[1]!.Tags, ['rwbase:latest']);
  // The parent cannot go while its child exists.
  assert.throws(() => eng.remove(base, { force: true }), /image has dependent child images/);
});

test('commit without changes records an empty layer', { skip }, async () => {
  await store.createRWLayer('c3', base);
  const rec = await store.commit({ containerId: 'c3', parentImageId: base, config: { Cmd: ['true'] } });
  assert.equal(rec.config.rootfs.diff_ids.length, 1);
  assert.equal(rec.config.history!.at(-1)!.empty_layer, true);
  await store.removeRWLayer('c3');
});

test('export: the whole merged filesystem as a flat tar', { skip }, async () => {
  const tar = await collect(await store.exportRootfs('c1'));
  const listing = execFileSync('tar', ['-tv'], { input: tar, encoding: 'utf8' });
  assert.match(listing, / new\n/);
  assert.match(listing, / bin\/tool\n/);
  assert.match(listing, / \.dockerenv\n/);
  assert.doesNotMatch(listing, /bin\/gone/);
  assert.doesNotMatch(listing, /\.wh\./);
});

test('the containers of one image share its init layer; one removed leaves it to the others', { skip }, async () => {
  await store.createRWLayer('s1', base);
  await store.createRWLayer('s2', base);
  const init = store.graphDriverData('s1').LowerDir!.split(':')[0]!;
  assert.equal(store.graphDriverData('s2').LowerDir!.split(':')[0], init);
  const m = await store.mountRWLayer('s1');
  mounted.push(m);
  fs.writeFileSync(path.join(m, '.dockerenv'), 'changed in s1');
  await store.unmountRWLayer('s1');
  await store.removeRWLayer('s1');
  assert.equal(fs.readFileSync(path.join(init, '.dockerenv'), 'utf8'), '', 'a write goes to the upper layer');
  const m2 = await store.mountRWLayer('s2');
  mounted.push(m2);
  assert.equal(fs.readFileSync(path.join(m2, '.dockerenv'), 'utf8'), '');
  await store.unmountRWLayer('s2');
  await store.removeRWLayer('s2');
});

test('unmount and remove', { skip }, async () => {
  const m = await store.mountRWLayer('c1');
  await store.unmountRWLayer('c1');
  assert.ok(!mountPoints().has(m));
  await store.unmountRWLayer('c1');
  await store.removeRWLayer('c1');
  assert.ok(!fs.existsSync(path.dirname(m)));
  await assert.rejects(store.mountRWLayer('c1'), /No such container/);
  await store.removeRWLayer('c2');
});

test('an image with 40 layers mounts (short lower dir links)', { skip }, async () => {
  let parentId: string | undefined;
  const layers: string[] = [];
  for (let i = 0; i < 40; i++) layers.push(`sha256:${i}`);
  // Build a 40-layer image by loading a hand-made archive.
  const tars = await Promise.all(layers.map((_, i) => tarBuffer([{ name: `f${i}`, content: String(i) }])));
  const { createHash } = await import('node:crypto');
  const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: tars.map(sha) } }));
  const archive = await tarBuffer([
    ...tars.map((t, i) => ({ name: `l${i}.tar`, content: t })),
    { name: 'c.json', content: config },
    { name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', RepoTags: ['deep:1'], Layers: tars.map((_, i) => `l${i}.tar`) }]) },
  ]);
  await eng.load(Readable.from([archive]), { quiet: true }, () => {});
  parentId = eng.resolve('deep:1').id;
  await store.createRWLayer('deep', parentId);
  const m = await store.mountRWLayer('deep');
  mounted.push(m);
  assert.equal(fs.readFileSync(path.join(m, 'f0'), 'utf8'), '0');
  assert.equal(fs.readFileSync(path.join(m, 'f39'), 'utf8'), '39');
  await store.removeRWLayer('deep');
});

async function collect(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
