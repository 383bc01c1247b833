// The image operations against a temporary data root: import, list, inspect, history, tag,
// remove, prune, save and load (docker-archive old and new, OCI layout).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { MetaDB } from '../../../src/store/db.ts';
import { EventsService, type EngineEvent } from '../../../src/events/bus.ts';
import { ImageStoreService } from '../../../src/images/image-service.ts';
import { ImagesEngine } from '../../../src/engine/images.ts';
import { layout } from '../../../src/config.ts';
import { parseFilters } from '../../../src/api/filters/args.ts';
import { IMAGE_PRUNE_FILTERS } from '../../../src/api/filters/objects.ts';
import { busyboxImportTar, tarBuffer, type TarEntry } from '../../helpers/images.ts';

interface Daemon {
  root: string;
  db: MetaDB;
  events: EngineEvent[];
  store: ImageStoreService;
  eng: ImagesEngine;
  inUse: Map<string, { running: boolean; containerId: string }>;
}

const daemons: Daemon[] = [];
function daemon(): Daemon {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-images-'));
  const cfg = { socketPath: '', dataRoot: path.join(root, 'data'), execRoot: path.join(root, 'exec'), logLevel: 'info' };
  const db = new MetaDB(layout(cfg).db);
  const bus = new EventsService();
  const events: EngineEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const store = new ImageStoreService({ cfg, db, events: bus });
  const inUse = new Map<string, { running: boolean; containerId: string }>();
  store.setInUseCheck((id) => inUse.get(id));
  const d = { root, db, events, store, eng: new ImagesEngine({ cfg, db, events: bus, store }), inUse };
  daemons.push(d);
  return d;
}

after(() => {
  for (const d of daemons) {
    d.db.close();
    fs.rmSync(d.root, { recursive: true, force: true });
  }
});

const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');
async function collect(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
async function load(d: Daemon, archive: Buffer, quiet = true) {
  const msgs: Record<string, unknown>[] = [];
  await d.eng.load(Readable.from([archive]), { quiet }, (m) => msgs.push(m));
  return msgs;
}

let rootfsTar: Buffer;
let A: Daemon;
let importedId: string;
before(async () => {
  rootfsTar = fs.readFileSync(await busyboxImportTar());
  A = daemon();
  importedId = await A.eng.importImage(Readable.from([rootfsTar]), { repo: 'bb', tag: 'v1', changes: ['CMD ["sh"]', 'LABEL x=y'], message: '' });
});

test('import: one layer, Docker config shape, tag and events', () => {
  const img = A.store.images.get(importedId)!;
  assert.equal(importedId, sha(A.store.images.configBytes(importedId)));
  assert.deepEqual(img.config.rootfs.diff_ids, [sha(rootfsTar)]);
  assert.equal(img.config.architecture, 'amd64');
  assert.equal(img.config.os, 'linux');
  assert.equal(img.config.comment, 'Imported from -');
  assert.deepEqual(img.config.history!.map((h) => Object.keys(h)), [['created', 'comment']]);
  assert.deepEqual(img.config.config.Cmd, ['sh']);
  const raw = JSON.parse(A.store.images.configBytes(importedId).toString());
  assert.deepEqual(Object.keys(raw), [...Object.keys(raw)].sort(), 'top-level keys sorted as dockerd writes them');
  assert.equal(raw.config.Hostname, '');
  assert.equal(raw.config.Env, null);
  assert.deepEqual(
    A.events.map((e) => [e.Action, e.Actor.Attributes.name]),
    [
      ['tag', 'bb:v1'],
      ['import', importedId],
    ],
  );
  assert.equal(A.events[0]!.Actor.Attributes.x, 'y', 'image events carry the labels');
});

test('list, inspect and history shapes', () => {
  const [s] = A.eng.list();
  assert.deepEqual(Object.keys(s!).sort(), ['Containers', 'Created', 'Id', 'Labels', 'ParentId', 'RepoDigests', 'RepoTags', 'SharedSize', 'Size']);
  assert.equal(s!.Id, importedId);
  assert.deepEqual(s!.RepoTags, ['bb:v1']);
  assert.deepEqual(s!.RepoDigests, []);
  assert.equal(s!.Containers, -1);
  assert.equal(s!.SharedSize, -1);
  assert.deepEqual(s!.Labels, { x: 'y' });
  assert.ok(s!.Size > 1000);
  const i = A.eng.inspect('bb:v1') as any;
  assert.equal(i.Id, importedId);
  assert.equal(i.Comment, 'Imported from -');
  assert.equal(i.Size, s!.Size);
  assert.equal(i.GraphDriver.Name, 'overlay2');
  assert.ok(i.GraphDriver.Data.UpperDir.endsWith('/diff'));
  assert.equal(i.GraphDriver.Data.LowerDir, undefined, 'one layer: no LowerDir');
  assert.deepEqual(i.RootFS, { Type: 'layers', Layers: [sha(rootfsTar)] });
  assert.deepEqual(i.Config.Cmd, ['sh']);
  assert.equal(i.Config.Entrypoint, null);
  assert.equal(i.Config.Hostname, undefined, 'API 1.50 image config view');
  assert.match(i.Metadata.LastTagTime, /^\d{4}-/);
  const h = A.eng.history('bb:v1');
  assert.equal(h.length, 1);
  assert.deepEqual(h[0], { Id: importedId, Created: h[0]!.Created, CreatedBy: '', Tags: ['bb:v1'], Size: s!.Size, Comment: 'Imported from -' });
});

test('lookups: name, id, sha256: prefix, short prefix; Docker not-found messages', () => {
  const hex = importedId.slice(7);
  for (const ref of ['bb:v1', importedId, hex, hex.slice(0, 12), `sha256:${hex.slice(0, 8)}`]) assert.equal(A.eng.resolve(ref).id, importedId, ref);
  assert.throws(() => A.eng.resolve('nope'), { message: 'No such image: nope:latest' });
  assert.throws(() => A.eng.resolve('bb:v2'), { message: 'No such image: bb:v2' });
  assert.throws(() => A.eng.resolve('sha256:' + 'f'.repeat(64)), { message: 'No such image: sha256:' + 'f'.repeat(64) });
  assert.throws(() => A.eng.resolve('Bad'), /must be lowercase/);
});

test('tag, untag, and rmi rules', () => {
  const d = daemon();
  return (async () => {
    const id = await d.eng.importImage(Readable.from([rootfsTar]), { repo: 'one' });
    d.eng.tag('one', 'localhost:5000/two/x', 'v2');
    d.eng.tag(id, 'three', '');
    assert.deepEqual(d.eng.inspect(id).RepoTags, ['localhost:5000/two/x:v2', 'one:latest', 'three:latest']);
    assert.throws(() => d.eng.tag('one', 'sha256', 'x'), /ambiguous tag using digest algorithm/);
    assert.throws(() => d.eng.tag('missing', 'x', ''), (e: any) => e.kind === 'not-found');
    // By id with several tags: refused unless forced.
    assert.throws(() => d.eng.remove(id.slice(7, 19)), { message: `conflict: unable to delete ${id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories` });
    // By name: just untag while other tags remain.
    assert.deepEqual(d.eng.remove('three'), [{ Untagged: 'three:latest' }]);
    // A stopped container keeps the last tag unless forced; a running one even then.
    d.inUse.set(id, { running: false, containerId: 'c'.repeat(64) });
    d.eng.remove('localhost:5000/two/x:v2');
    assert.throws(() => d.eng.remove('one'), {
      message: `conflict: unable to remove repository reference "one" (must force) - container cccccccccccc is using its referenced image ${id.slice(7, 19)}`,
    });
    d.inUse.set(id, { running: true, containerId: 'c'.repeat(64) });
    assert.throws(() => d.eng.remove(id, { force: true }), {
      message: `conflict: unable to delete ${id.slice(7, 19)} (cannot be forced) - image is being used by running container cccccccccccc`,
    });
    d.inUse.clear();
    const res = d.eng.remove('one');
    assert.deepEqual(res.slice(0, 2), [{ Untagged: 'one:latest' }, { Deleted: id }]);
    assert.deepEqual(res.slice(2), [{ Deleted: sha(rootfsTar) }], 'the unshared layer goes too');
    assert.equal(d.eng.list().length, 0);
    assert.deepEqual(d.store.layers.all(), []);
    assert.deepEqual(d.store.content.list(), []);
    assert.throws(() => d.eng.remove(''), { message: 'image name cannot be blank' });
  })();
});

test('save → load round trip into another daemon keeps ids, tags and bytes', async () => {
  const archive = await collect(A.eng.save(['bb:v1']));
  const B = daemon();
  const msgs = await load(B, archive, false);
  assert.deepEqual(msgs.at(-1), { stream: 'Loaded image: bb:v1\n' });
  assert.equal(msgs[0]!.status, 'Loading layer');
  assert.equal(B.eng.resolve('bb:v1').id, importedId);
  assert.deepEqual(B.store.images.configBytes(importedId), A.store.images.configBytes(importedId));
  assert.equal(B.eng.inspect('bb:v1').Size, A.eng.inspect('bb:v1').Size);
  assert.deepEqual(B.events.map((e) => e.Action), ['load']);
  // Loading again changes nothing and unpacks nothing.
  const again = await load(B, archive, false);
  assert.deepEqual(again, [{ stream: 'Loaded image: bb:v1\n' }]);
  // The archive holds what dockerd 25+ writes.
  const names: string[] = [];
  const tar = (await import('tar-stream')).default;
  const ex = tar.extract();
  ex.on('entry', (h, s, next) => {
    names.push(h.name);
    s.resume();
    s.on('end', next);
  });
  await new Promise((res, rej) => Readable.from([archive]).pipe(ex as any).on('finish', res).on('error', rej));
  assert.deepEqual(names.filter((n) => !/^blobs\/sha256\/./.test(n)), ['blobs/', 'blobs/sha256/', 'index.json', 'manifest.json', 'oci-layout', 'repositories']);
  assert.ok(names.includes(`blobs/sha256/${importedId.slice(7)}`));
  assert.ok(names.includes(`blobs/sha256/${sha(rootfsTar).slice(7)}`));
});

test('load an untagged image reports its id; save by id', async () => {
  const d = daemon();
  const id = await d.eng.importImage(Readable.from([rootfsTar]), {});
  const archive = await collect(d.eng.save([id.slice(7, 19)]));
  const B = daemon();
  assert.deepEqual(await load(B, archive), [{ stream: `Loaded image ID: ${id}\n` }]);
  assert.deepEqual(B.eng.list()[0]!.RepoTags, []);
  assert.throws(() => d.eng.save(['nothere:1']), { message: 'No such image: nothere:1' });
});

/** An image (config + layers) built by hand. */
async function handImage(layers: TarEntry[][], extra: object = {}) {
  const tars = await Promise.all(layers.map((l) => tarBuffer(l)));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: tars.map((t) => sha(t)) },
      history: tars.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'test' })),
      ...extra,
    }),
  );
  return { tars, config, id: sha(config) };
}

test('load a classic docker-archive (<id>/layer.tar, symlinked duplicate layer)', async () => {
  const img = await handImage([[{ name: 'a', content: 'A' }], [{ name: 'b', content: 'B' }]]);
  const archive = await tarBuffer([
    { name: 'l1/', type: 'directory' },
    { name: 'l1/VERSION', content: '1.0' },
    { name: 'l1/json', content: '{}' },
    { name: 'l1/layer.tar', content: img.tars[0]! },
    { name: 'l2/', type: 'directory' },
    { name: 'l2/layer.tar', content: img.tars[1]! },
    { name: 'l3/', type: 'directory' },
    { name: 'l3/layer.tar', type: 'symlink', linkname: '../l1/layer.tar' },
    { name: `${img.id.slice(7)}.json`, content: img.config },
    { name: 'manifest.json', content: JSON.stringify([{ Config: `${img.id.slice(7)}.json`, RepoTags: ['classic:1'], Layers: ['l1/layer.tar', 'l2/layer.tar'] }]) },
    { name: 'repositories', content: '{}' },
  ]);
  const d = daemon();
  assert.deepEqual(await load(d, archive), [{ stream: 'Loaded image: classic:1\n' }]);
  assert.equal(d.eng.resolve('classic:1').id, img.id);
  assert.equal(d.store.layers.all().length, 2);
  const top = d.store.images.chain(d.eng.resolve('classic:1')).at(-1)!;
  assert.equal(fs.readFileSync(path.join(d.store.layers.diffDir(top), 'b'), 'utf8'), 'B');
  // A symlink in the archive stands for the file it points to.
  const dup = await tarBuffer([
    { name: 'l1/layer.tar', content: img.tars[0]! },
    { name: 'l2/layer.tar', type: 'symlink', linkname: '../l1/layer.tar' },
    { name: 'c.json', content: (await handImage([[{ name: 'a', content: 'A' }], [{ name: 'a', content: 'A' }]])).config },
    { name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', RepoTags: null, Layers: ['l1/layer.tar', 'l2/layer.tar'] }]) },
  ]);
  const msgs = await load(d, dup);
  assert.match(String(msgs[0]!.stream), /^Loaded image ID: sha256:/);
});

test('load an OCI image layout: gzip layers, nested index, platform choice, names from annotations', async () => {
  const img = await handImage([[{ name: 'oci', content: 'hello' }]]);
  const gz = zlib.gzipSync(img.tars[0]!);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: img.id, size: img.config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(gz), size: gz.length }],
    }),
  );
  const other = Buffer.from('{"schemaVersion":2,"config":{"digest":"sha256:' + '0'.repeat(64) + '"},"layers":[]}');
  const inner = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(other), size: other.length, platform: { os: 'linux', architecture: 'arm64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(manifest), size: manifest.length, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    }),
  );
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        digest: sha(inner),
        size: inner.length,
        annotations: { 'io.containerd.image.name': 'docker.io/library/ocitest:2', 'org.opencontainers.image.ref.name': '2' },
      },
    ],
  };
  const blob = (b: Buffer): TarEntry => ({ name: `blobs/sha256/${sha(b).slice(7)}`, content: b });
  const archive = await tarBuffer([
    { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    { name: 'index.json', content: JSON.stringify(index) },
    blob(img.config),
    blob(gz),
    blob(manifest),
    blob(other),
    blob(inner),
  ]);
  const d = daemon();
  assert.deepEqual(await load(d, archive), [{ stream: 'Loaded image: ocitest:2\n' }]);
  const rec = d.eng.resolve('ocitest:2');
  assert.equal(rec.id, img.id);
  const layer = d.store.layers.get(img.config && sha(img.tars[0]!))!;
  assert.equal(layer.blob!.digest, sha(gz), 'the compressed blob is kept as is');
  // Only what the image references stays in the content store.
  assert.deepEqual(d.store.content.list().sort(), [img.id, sha(gz)].sort());
});

test('load errors: no manifest, wrong diffID, truncated archive', async () => {
  const d = daemon();
  await assert.rejects(load(d, await tarBuffer([{ name: 'x', content: 'y' }])), { message: 'invalid archive: does not contain a manifest.json' });
  const img = await handImage([[{ name: 'a', content: 'A' }]]);
  const wrong = await tarBuffer([{ name: 'z', content: 'Z' }]);
  const archive = await tarBuffer([
    { name: 'layer.tar', content: wrong },
    { name: 'c.json', content: img.config },
    { name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', RepoTags: ['w:1'], Layers: ['layer.tar'] }]) },
  ]);
  await assert.rejects(load(d, archive), /invalid diffID for layer 0: expected "sha256:[0-9a-f]+", got "sha256:[0-9a-f]+"/);
  assert.deepEqual(d.eng.list(), []);
  assert.deepEqual(d.store.layers.all(), []);
  await assert.rejects(load(d, archive.subarray(0, 700)), /unexpected EOF/);
});

test('prune removes dangling images only by default', async () => {
  const d = daemon();
  const keep = await d.eng.importImage(Readable.from([rootfsTar]), { repo: 'keep' });
  const dangling = await d.eng.importImage(Readable.from([await tarBuffer([{ name: 'd', content: 'd' }])]), { changes: ['LABEL a=1'] });
  const r = d.eng.prune();
  assert.deepEqual(r.ImagesDeleted![0], { Deleted: dangling });
  assert.ok(r.SpaceReclaimed >= 1);
  assert.ok(d.store.images.get(keep));
  assert.equal(d.store.images.get(dangling), undefined);
  assert.deepEqual(d.eng.prune(), { ImagesDeleted: null, SpaceReclaimed: 0 });
  const all = d.eng.prune(new Map([['dangling', ['false']]]));
  assert.deepEqual(all.ImagesDeleted![0], { Untagged: 'keep:latest' });
  assert.equal(d.eng.list().length, 0);
  // unknown keys are refused by the API's filter table before the engine is asked
  assert.throws(() => parseFilters('{"bogus":["1"]}', IMAGE_PRUNE_FILTERS), { message: "invalid filter 'bogus'" });
});

test('list filters: dangling, label, reference, before/since', async () => {
  const d = daemon();
  const a = await d.eng.importImage(Readable.from([await tarBuffer([{ name: 'a', content: 'a' }])]), { repo: 'x/a', changes: ['LABEL k=v'] });
  await new Promise((r) => setTimeout(r, 1100));
  const b = await d.eng.importImage(Readable.from([await tarBuffer([{ name: 'b', content: 'b' }])]), { repo: 'x/b' });
  const c = await d.eng.importImage(Readable.from([await tarBuffer([{ name: 'c', content: 'c' }])]), {});
  const ids = (f: Record<string, string[]>) => d.eng.list({ filters: new Map(Object.entries(f)) }).map((s) => s.Id);
  assert.deepEqual(ids({ dangling: ['true'] }), [c]);
  assert.deepEqual(ids({ dangling: ['false'] }).sort(), [a, b].sort());
  assert.deepEqual(ids({ label: ['k=v'] }), [a]);
  assert.deepEqual(ids({ label: ['k'] }), [a]);
  assert.deepEqual(ids({ reference: ['x/*'] }).sort(), [a, b].sort());
  assert.deepEqual(ids({ reference: ['x/a:latest'] }), [a]);
  assert.deepEqual(ids({ before: ['x/b'] }), [a]);
  assert.ok(ids({ since: ['x/a'] }).includes(b));
  assert.throws(() => ids({ dangling: ['maybe'] }), { message: "invalid filter 'dangling=maybe'" });
  assert.throws(() => ids({ before: ['nope'] }), /No such image: nope:latest/);
  const df = await d.eng.diskUsage();
  assert.equal(df.Images.length, 3);
  assert.equal(df.Images[0]!.SharedSize, 0);
  assert.equal(df.Images[0]!.Containers, 0);
  assert.equal(df.LayersSize, 3);
});
