// A container's filesystem with its mounts laid over the rootfs: resolution as the container sees it,
// never outside the rootfs and the mount sources; and docker cp through it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { MountedRoot } from '../../../src/platform/linux/mounted-root.ts';
import { getArchive, putArchive, statPath, copySharers } from '../../../src/engine/archive.ts';
import type { ContainerRecord } from '../../../src/engine/containers/record.ts';
import { tarBuffer } from '../../helpers/images.ts';

let top: string;
let rootfs: string;
let vol: string;
let bind: string;
let inner: string;
let root: MountedRoot;
const ID = 'c0ffee';

before(() => {
  top = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-mroot-'));
  rootfs = path.join(top, 'rootfs');
  vol = path.join(top, 'vol');
  bind = path.join(top, 'bind');
  inner = path.join(top, 'inner');
  for (const d of [rootfs, vol, bind, inner, path.join(rootfs, 'etc'), path.join(rootfs, 'run'), path.join(rootfs, 'data')]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
  fs.writeFileSync(path.join(rootfs, 'data/hidden'), 'under the mount');
  fs.symlinkSync('/run', path.join(rootfs, 'var-run'));
  fs.symlinkSync('/data/f', path.join(rootfs, 'to-vol'));
  fs.writeFileSync(path.join(vol, 'f'), 'in the volume');
  fs.symlinkSync('/etc/passwd', path.join(vol, 'abs'));
  fs.symlinkSync('../../../../../../etc', path.join(vol, 'climb'));
  fs.writeFileSync(path.join(bind, 'b'), 'bound');
  fs.writeFileSync(path.join(inner, 'i'), 'nested');
  // the runtime made the nested mount's directory in the outer mount when it started
  fs.mkdirSync(path.join(vol, 'sub'));
  root = new MountedRoot(rootfs, [
    { destination: '/data', source: vol, readOnly: false, user: true },
    // a destination through a link lands where the link points, as runc mounts it
    { destination: '/var-run/b', source: bind, readOnly: true, user: true },
    { destination: '/data/sub/inner', source: inner, readOnly: false, user: true },
  ]);
});
after(() => fs.rmSync(top, { recursive: true, force: true }));

test('paths resolve into the mount that holds them, links followed as the container sees them', () => {
  assert.equal(root.resolve('/data/f').host, path.join(vol, 'f'));
  assert.equal(root.resolve('/data/f').mount?.source, vol);
  assert.equal(root.resolve('/data').host, vol);
  assert.equal(root.resolve('/etc/passwd').host, path.join(rootfs, 'etc/passwd'));
  assert.equal(root.resolve('/etc/passwd').mount, undefined);
  // a link on the rootfs into a mount, and a link in a mount back to the rootfs
  assert.equal(root.resolve('/to-vol').host, path.join(vol, 'f'));
  assert.equal(root.resolve('/to-vol', false).host, path.join(rootfs, 'to-vol'));
  assert.equal(root.resolve('/data/abs').host, path.join(rootfs, 'etc/passwd'));
  // ".." in a link never climbs above the container's root
  assert.equal(root.resolve('/data/climb/passwd').host, path.join(rootfs, 'etc/passwd'));
  assert.equal(root.resolve('/data/../../../etc').host, path.join(rootfs, 'etc'));
  // the destination /var-run/b went through the link: the mount is at /run/b
  assert.equal(root.resolve('/run/b/b').host, path.join(bind, 'b'));
  assert.equal(root.resolve('/var-run/b/b').host, path.join(bind, 'b'));
  assert.deepEqual(root.resolve('/var-run/b/b').parts, ['run', 'b', 'b']);
  // a mount inside a mount whose source lacks the directory
  assert.equal(root.resolve('/data/sub/inner/i').host, path.join(inner, 'i'));
  assert.equal(root.resolve('/data/sub').host, path.join(vol, 'sub'));
});

test('mountsBelow: the mounts inside a directory, by relative path', () => {
  assert.deepEqual([...root.mountsBelow([])].sort(), [['data', vol], ['data/sub/inner', inner], ['run/b', bind]]);
  assert.deepEqual([...root.mountsBelow(['data'])], [['sub/inner', inner]]);
  assert.deepEqual([...root.mountsBelow(['etc'])], []);
});

async function listing(s: Readable): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return execFileSync('tar', ['-t'], { input: Buffer.concat(chunks), encoding: 'utf8' }).split('\n').filter(Boolean);
}

test('docker cp out of a mount, and of a directory holding mounts', async () => {
  assert.deepEqual(await listing(await getArchive(root, '/data/f', ID)), ['f']);
  assert.equal((await statPath(root, '/data/f', ID)).size, 'in the volume'.length);
  assert.equal((await statPath(root, '/to-vol', ID)).linkTarget, '/data/f');
  // what the directory holds under the mount is hidden; mount points missing on disk still show
  assert.deepEqual(await listing(await getArchive(root, '/data', ID)), ['data/', 'data/abs', 'data/climb', 'data/f', 'data/sub/', 'data/sub/inner/', 'data/sub/inner/i']);
  assert.deepEqual((await listing(await getArchive(root, '/run', ID))), ['run/', 'run/b/', 'run/b/b']);
});

test('docker cp into a mount writes to its source; read-only mounts and rootfs are refused', async () => {
  await putArchive(root, '/data/', Readable.from([await tarBuffer([{ name: 'new', content: 'n' }])]), {}, ID);
  assert.equal(fs.readFileSync(path.join(vol, 'new'), 'utf8'), 'n');
  assert.equal(fs.existsSync(path.join(rootfs, 'data/new')), false);
  await assert.rejects(putArchive(root, '/run/b', Readable.from([await tarBuffer([{ name: 'x', content: 'x' }])]), {}, ID), { message: 'mounted volume is marked read-only' });
  await assert.rejects(putArchive(root, '/etc', Readable.from([await tarBuffer([{ name: 'x', content: 'x' }])]), { readonlyRootfs: true }, ID), { message: 'container rootfs is marked read-only' });
  await putArchive(root, '/data', Readable.from([await tarBuffer([{ name: 'ok', content: 'k' }])]), { readonlyRootfs: true }, ID);
  assert.equal(fs.readFileSync(path.join(vol, 'ok'), 'utf8'), 'k');
  // a link in the archive cannot carry the extraction out of the mount
  await putArchive(root, '/data', Readable.from([await tarBuffer([{ name: 'l', type: 'symlink', linkname: '/etc' }, { name: 'l/planted', content: 'p' }])]), {}, ID).catch(() => {});
  assert.equal(fs.existsSync(path.join(rootfs, 'etc/planted')), false);
  assert.equal(fs.existsSync('/etc/planted'), false);
});

test('copySharers: the running containers mounting the same source, or one inside or around it', () => {
  const rec = (Id: string, running: boolean, ...sources: string[]) => ({ Id, State: { Running: running }, mountSpecs: sources.map((source) => ({ destination: '/m', source, type: 'bind', options: [] })) }) as unknown as ContainerRecord;
  const me = rec('me', true, '/v/a', '/h/dir');
  const all = [me, rec('same', true, '/v/a'), rec('inside', true, '/h/dir/sub'), rec('around', true, '/h'), rec('stopped', false, '/v/a'), rec('other', true, '/v/ab', '/x'), rec('none', true)];
  assert.deepEqual(copySharers(me, all), ['same', 'inside', 'around']);
  assert.deepEqual(copySharers(rec('lonely', true), all), []);
});
