// Layer registration: digests, compression, dedup, whiteouts, and hostile archives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { MetaDB } from '../../../src/store/db.ts';
import { ContentStore } from '../../../src/images/content-store.ts';
import { LayerStore, chainIdOf } from '../../../src/images/layer-store.ts';
import { tarBuffer, type TarEntry } from '../../helpers/images.ts';

let dir: string;
let db: MetaDB;
let content: ContentStore;
let layers: LayerStore;
const outside = path.join(os.tmpdir(), `berth-outside-${process.pid}`);

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-layers-'));
  db = new MetaDB(path.join(dir, 'db'));
  content = new ContentStore(path.join(dir, 'blobs'), path.join(dir, 'tmp'));
  layers = new LayerStore({ db, content, dir: path.join(dir, 'layers'), tmp: path.join(dir, 'tmp') });
  fs.mkdirSync(outside, { recursive: true });
});
after(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

const digest = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const register = (b: Buffer, parent?: string) => layers.register(Readable.from([b]), parent, { storeBlob: true });
const layerDirs = () => fs.readdirSync(path.join(dir, 'layers')).filter((n) => n !== 'l');

const simple: TarEntry[] = [
  { name: 'etc/', type: 'directory' },
  { name: 'etc/hello', content: 'hello\n', mode: 0o640, uid: 12, gid: 34 },
  { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
  { name: 'etc/hard', type: 'link', linkname: 'etc/hello', mode: 0o640, uid: 12, gid: 34 },
];

test('plain tar: diffID is the digest of the stream, chain ID of a base layer is its diffID', async () => {
  const tar = await tarBuffer(simple);
  const rec = await register(tar);
  layers.unpin(rec.chainId);
  assert.equal(rec.diffId, digest(tar));
  assert.equal(rec.chainId, rec.diffId);
  assert.equal(rec.tarSize, tar.length);
  // 6 bytes of file (the hard link counts once) + the symlink target
  assert.equal(rec.size, 6 + '/bin/busybox'.length);
  assert.equal(rec.blob!.digest, digest(tar));
  assert.deepEqual(content.read(rec.blob!.digest), tar);
  const d = layers.diffDir(rec.chainId);
  const st = fs.statSync(path.join(d, 'etc/hello'));
  assert.equal(st.mode & 0o7777, 0o640);
  assert.equal(st.uid, 12);
  assert.equal(st.gid, 34);
  assert.equal(st.nlink, 2);
  assert.equal(fs.readlinkSync(path.join(d, 'bin/sh')), '/bin/busybox');
  assert.equal(fs.statSync(path.join(d, 'etc/hello')).mtime.getTime(), new Date('2024-01-01T00:00:00Z').getTime());
});

test('gzip and zstd layers: same diffID as the plain tar, blob keeps the compressed bytes', async () => {
  const tar = await tarBuffer([{ name: 'gz/file', content: 'x'.repeat(10000) }]);
  const gz = zlib.gzipSync(tar);
  const rec = await register(gz);
  layers.unpin(rec.chainId);
  assert.equal(rec.diffId, digest(tar));
  assert.equal(rec.blob!.digest, digest(gz));
  assert.equal(rec.blob!.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
  const zst = (zlib as any).zstdCompressSync(tar) as Buffer;
  const again = await register(zst);
  layers.unpin(again.chainId);
  assert.equal(again.chainId, rec.chainId, 'same content, same layer');
  // The layer's tar comes back byte-identical.
  const chunks: Buffer[] = [];
  for await (const c of await layers.tarStream(rec.chainId)) chunks.push(c as Buffer);
  assert.deepEqual(Buffer.concat(chunks), tar);
});

test('chain IDs of stacked layers; one directory per chain', async () => {
  const base = await register(await tarBuffer([{ name: 'a', content: 'a' }]));
  const topTar = await tarBuffer([{ name: 'b', content: 'b' }]);
  const top = await register(topTar, base.chainId);
  assert.equal(top.chainId, chainIdOf(base.chainId, digest(topTar)));
  assert.equal(top.parent, base.chainId);
  const n = layerDirs().length;
  const dup = await register(topTar, base.chainId);
  assert.equal(dup.chainId, top.chainId);
  assert.equal(layerDirs().length, n);
  for (const c of [base.chainId, top.chainId, dup.chainId]) layers.unpin(c);
  assert.ok(fs.readlinkSync(path.join(dir, 'layers', layers.linkName(top.chainId))).endsWith('/diff'));
});

test('whiteouts become overlay whiteouts, opaque markers an xattr', async () => {
  const rec = await register(
    await tarBuffer([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/.wh.passwd', content: '' },
      { name: 'var/', type: 'directory' },
      { name: 'var/.wh..wh..opq', content: '' },
      { name: 'var/keep', content: 'k' },
      { name: '.wh..wh.plnk/', type: 'directory' },
    ]),
  );
  layers.unpin(rec.chainId);
  const d = layers.diffDir(rec.chainId);
  const wh = fs.lstatSync(path.join(d, 'etc/passwd'));
  assert.ok(wh.isCharacterDevice());
  assert.equal(wh.rdev, 0);
  assert.ok(!fs.existsSync(path.join(d, 'etc/.wh.passwd')));
  assert.ok(!fs.existsSync(path.join(d, 'var/.wh..wh..opq')));
  assert.ok(!fs.existsSync(path.join(d, '.wh..wh.plnk')));
  const { execFileSync } = await import('node:child_process');
  const attr = execFileSync('getfattr', ['-h', '--only-values', '-n', 'trusted.overlay.opaque', path.join(d, 'var')], { encoding: 'utf8' });
  assert.equal(attr, 'y');
  assert.equal(fs.readFileSync(path.join(d, 'var/keep'), 'utf8'), 'k');
});

test('entries climbing out with .. are refused and leave no layer', async () => {
  const n = layerDirs().length;
  await assert.rejects(register(await tarBuffer([{ name: 'ok', content: '1' }, { name: '../../escape', content: 'x' }])), /is outside of/);
  await assert.rejects(register(await tarBuffer([{ name: 'a/../../escape', content: 'x' }])), /is outside of/);
  assert.equal(layerDirs().length, n);
  assert.ok(!fs.existsSync(path.join(dir, 'escape')));
});

test('absolute names are contained in the layer', async () => {
  const rec = await register(await tarBuffer([{ name: `${outside}/abs`, content: 'x' }]));
  layers.unpin(rec.chainId);
  assert.ok(!fs.existsSync(path.join(outside, 'abs')));
  assert.ok(fs.existsSync(path.join(layers.diffDir(rec.chainId), outside, 'abs')));
});

test('writing through a symlink that points outside stays inside the layer', async () => {
  const rec = await register(
    await tarBuffer([
      { name: 'evil', type: 'symlink', linkname: outside },
      { name: 'evil/pwned', content: 'x' },
      { name: 'rel', type: 'symlink', linkname: 'evil' },
      { name: 'rel/pwned2', content: 'y' },
    ]),
  );
  layers.unpin(rec.chainId);
  assert.deepEqual(fs.readdirSync(outside), []);
  const d = layers.diffDir(rec.chainId);
  assert.equal(fs.readFileSync(path.join(d, outside, 'pwned'), 'utf8'), 'x');
  assert.equal(fs.readFileSync(path.join(d, outside, 'pwned2'), 'utf8'), 'y');
});

test('relative symlinks and hard links escaping the layer are refused', async () => {
  await assert.rejects(register(await tarBuffer([{ name: 'a/b', type: 'symlink', linkname: '../../../../etc' }])), /invalid symlink/);
  await assert.rejects(register(await tarBuffer([{ name: 'h', type: 'link', linkname: '../../etc/passwd' }])), /is outside of|invalid hardlink/);
});

test('a file replacing a symlink does not write through it', async () => {
  const target = path.join(outside, 'victim');
  fs.writeFileSync(target, 'original');
  const rec = await register(
    await tarBuffer([
      { name: 'f', type: 'symlink', linkname: target },
      { name: 'f', content: 'replaced' },
    ]),
  );
  layers.unpin(rec.chainId);
  assert.equal(fs.readFileSync(target, 'utf8'), 'original');
  assert.equal(fs.readFileSync(path.join(layers.diffDir(rec.chainId), 'f'), 'utf8'), 'replaced');
  fs.rmSync(target);
});

test('a corrupt or truncated tar fails cleanly, without a layer', async () => {
  const n = layerDirs().length;
  const tar = await tarBuffer([{ name: 'big', content: 'z'.repeat(100000) }]);
  await assert.rejects(register(tar.subarray(0, 5000)));
  const bad = Buffer.from(tar);
  bad[100] ^= 0xff; // header checksum no longer matches
  await assert.rejects(register(bad), /archive\/tar: invalid tar header|failed to register layer/);
  const gz = zlib.gzipSync(tar);
  await assert.rejects(register(gz.subarray(0, gz.length - 12)), /unexpected end of file|unexpected EOF/);
  assert.equal(layerDirs().length, n);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(fs.readdirSync(path.join(dir, 'tmp')).filter((n) => n.startsWith('layer-') || n.startsWith('blob-')), []);
});

test('release removes unreferenced layers and their blobs', async () => {
  const rec = await register(await tarBuffer([{ name: 'gone', content: 'bye' }]));
  assert.deepEqual(layers.release([rec.chainId], new Set()), [], 'pinned layers stay');
  layers.unpin(rec.chainId);
  const removed = layers.release([rec.chainId], new Set());
  assert.deepEqual(removed.map((r) => r.chainId), [rec.chainId]);
  assert.equal(layers.get(rec.chainId), undefined);
  assert.ok(!content.has(rec.blob!.digest));
  assert.ok(!fs.existsSync(path.join(dir, 'layers', rec.chainId.slice(7))));
});

test('bytes the caller verifies (a pull) are hashed once: the blob takes the verified digest, and a failed check commits nothing', async () => {
  const tar = await tarBuffer([{ name: 'pulled/file', content: 'p'.repeat(5000) }]);
  const gz = zlib.gzipSync(tar);
  const blob = { digest: digest(gz), size: gz.length };
  const before = layerDirs();
  const blobTemps = () => fs.readdirSync(path.join(dir, 'tmp')).filter((n) => n.startsWith('blob-'));
  await assert.rejects(
    layers.register(Readable.from([gz]), undefined, { storeBlob: true, blob, expectedDiffId: digest(tar), verified: Promise.resolve(new Error('filesystem layer verification failed')) }),
    /verification failed/,
  );
  assert.deepEqual(layerDirs(), before, 'no layer');
  assert.equal(content.has(blob.digest), false, 'no blob');
  assert.deepEqual(blobTemps(), [], 'no blob left half-written');
  const rec = await layers.register(Readable.from([gz]), undefined, { storeBlob: true, blob, expectedDiffId: digest(tar), verified: Promise.resolve(null) });
  layers.unpin(rec.chainId);
  assert.equal(rec.diffId, digest(tar));
  assert.equal(rec.blob!.digest, blob.digest);
  assert.deepEqual(content.read(blob.digest), gz);
});

test("a blob unpacked before is not hashed again: its tar's diffID is the one recorded from checked bytes, and the blob is still checked", async () => {
  const tar = await tarBuffer([{ name: 'again/file', content: 'a'.repeat(7000) }]);
  const gz = zlib.gzipSync(tar);
  const blob = { digest: digest(gz), size: gz.length };
  const recorded = () => db.collection<{ diffId: string; tarSize: number }>('blobdiffid').get(blob.digest.slice(7));
  const first = await layers.register(Readable.from([gz]), undefined, { storeBlob: true, blob, expectedDiffId: digest(tar), verified: Promise.resolve(null) });
  layers.unpin(first.chainId);
  assert.deepEqual(recorded(), { diffId: digest(tar), tarSize: tar.length });
  layers.release([first.chainId], new Set());
  assert.equal(layers.get(first.chainId), undefined);
  // bytes that fail their check commit nothing, known diffID or not
  const before = layerDirs();
  await assert.rejects(
    layers.register(Readable.from([gz]), undefined, { storeBlob: true, blob, expectedDiffId: digest(tar), verified: Promise.resolve(new Error('filesystem layer verification failed')) }),
    /verification failed/,
  );
  assert.deepEqual(layerDirs(), before);
  // a record that disagrees with what the bytes make is refused, not trusted
  db.collection('blobdiffid').put(blob.digest.slice(7), { diffId: digest(tar), tarSize: tar.length + 512 });
  await assert.rejects(layers.register(Readable.from([gz]), undefined, { storeBlob: true, blob, expectedDiffId: digest(tar), verified: Promise.resolve(null) }), /when it was first unpacked/);
  assert.deepEqual(layerDirs(), before);
  assert.equal(content.has(blob.digest), false, 'no blob kept for a layer not made');
  db.collection('blobdiffid').put(blob.digest.slice(7), { diffId: digest(tar), tarSize: tar.length });
  const again = await layers.register(Readable.from([gz]), undefined, { storeBlob: true, blob, expectedDiffId: digest(tar), verified: Promise.resolve(null) });
  layers.unpin(again.chainId);
  assert.equal(again.diffId, digest(tar));
  assert.equal(again.tarSize, tar.length);
  assert.equal(fs.readFileSync(path.join(layers.diffDir(again.chainId), 'again/file'), 'utf8'), 'a'.repeat(7000));
  // the content store's blobs (docker load) are compared with their digest as before
  const fromStore = await layers.registerBlob({ digest: again.blob!.digest, size: again.blob!.size }, again.chainId, undefined);
  layers.unpin(fromStore.chainId);
  assert.equal(fromStore.diffId, digest(tar));
});
