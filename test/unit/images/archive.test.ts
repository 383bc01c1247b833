// docker cp operations on a root filesystem directory: stat, archive out, extract in, containment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { statPath, getArchive, putArchive, containerUser } from '../../../src/engine/archive.ts';
import { tarBuffer } from '../../helpers/images.ts';
import { MountedRoot } from '../../../src/platform/linux/mounted-root.ts';

let rootfs: string;
let outside: string;
const ID = 'c0ffee';
const root = () => new MountedRoot(rootfs, []);

before(() => {
  rootfs = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cp-'));
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cp-outside-'));
  fs.mkdirSync(path.join(rootfs, 'etc'));
  fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n');
  fs.writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\nstaff:x:50:\n');
  fs.mkdirSync(path.join(rootfs, 'data/sub'), { recursive: true });
  fs.writeFileSync(path.join(rootfs, 'data/file.txt'), 'hello');
  fs.writeFileSync(path.join(rootfs, 'data/sub/deep'), 'deep');
  fs.symlinkSync('/data/file.txt', path.join(rootfs, 'abs-link'));
  fs.symlinkSync('data', path.join(rootfs, 'rel-link'));
  fs.symlinkSync(outside, path.join(rootfs, 'escape'));
  fs.symlinkSync('../../../../..' + outside, path.join(rootfs, 'escape-rel'));
});
after(() => {
  fs.rmSync(rootfs, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

async function listing(s: Readable): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return execFileSync('tar', ['-t'], { input: Buffer.concat(chunks), encoding: 'utf8' }).split('\n').filter(Boolean);
}

test('statPath: Go FileMode bits, link targets resolved inside the rootfs, not-found message', async () => {
  const f = await statPath(root(), '/data/file.txt', ID);
  assert.equal(f.name, 'file.txt');
  assert.equal(f.size, 5);
  assert.equal(f.mode, 0o644);
  assert.equal(f.linkTarget, '');
  assert.match(f.mtime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  const d = await statPath(root(), '/data/', ID);
  assert.equal(d.name, 'data');
  assert.equal(d.mode, 2 ** 31 + 0o755);
  const l = await statPath(root(), '/abs-link', ID);
  assert.equal(l.mode, 2 ** 27 + 0o777);
  assert.equal(l.linkTarget, '/data/file.txt');
  assert.equal((await statPath(root(), 'rel-link', ID)).linkTarget, '/data');
  // A link to a host path is a path inside the container.
  assert.equal((await statPath(root(), '/escape', ID)).linkTarget, outside);
  assert.equal((await statPath(root(), '/escape-rel', ID)).linkTarget, outside);
  assert.equal((await statPath(root(), '/', ID)).name, '/');
  await assert.rejects(statPath(root(), '/nope', ID), { message: `Could not find the file /nope in container ${ID}` });
  await assert.rejects(statPath(root(), '/data/file.txt/x', ID), (e: any) => e.kind === 'not-found');
});

test('getArchive: a directory under its base name, a file alone, "dir/." as its contents', async () => {
  assert.deepEqual(await listing(await getArchive(root(), '/data', ID)), ['data/', 'data/file.txt', 'data/sub/', 'data/sub/deep']);
  assert.deepEqual(await listing(await getArchive(root(), '/data/sub/deep', ID)), ['deep']);
  assert.deepEqual(await listing(await getArchive(root(), '/data/.', ID)), ['./', './file.txt', './sub/', './sub/deep']);
  // A symlink is archived as the link; with a trailing slash it is followed (inside the rootfs).
  assert.deepEqual(await listing(await getArchive(root(), '/rel-link', ID)), ['rel-link']);
  assert.deepEqual(await listing(await getArchive(root(), '/rel-link/', ID)), ['rel-link/', 'rel-link/file.txt', 'rel-link/sub/', 'rel-link/sub/deep']);
  // A link to a host directory is resolved inside the container, where it does not exist.
  await assert.rejects(getArchive(root(), '/escape/', ID), { message: `Could not find the file /escape/ in container ${ID}` });
});

test('putArchive: extracts into the directory, following links inside the rootfs only', async () => {
  const tar = await tarBuffer([
    { name: 'up/', type: 'directory' },
    { name: 'up/a.txt', content: 'A', uid: 1234, gid: 5678 },
  ]);
  await putArchive(root(), '/data', Readable.from([tar]), {}, ID);
  const st = fs.statSync(path.join(rootfs, 'data/up/a.txt'));
  assert.equal(fs.readFileSync(path.join(rootfs, 'data/up/a.txt'), 'utf8'), 'A');
  assert.equal(st.uid, 1234, 'ownership from the archive by default');
  // The extraction point may be a link: resolved in the container.
  await putArchive(root(), '/rel-link', Readable.from([await tarBuffer([{ name: 'via-link', content: 'L' }])]), {}, ID);
  assert.ok(fs.existsSync(path.join(rootfs, 'data/via-link')));
  // A link to a host path leads to the same path inside the container, never to the host.
  await putArchive(root(), '/escape', Readable.from([await tarBuffer([{ name: 'pwned', content: 'x' }])]), {}, ID).catch(() => {});
  await putArchive(root(), '/data', Readable.from([await tarBuffer([{ name: 'x/../../escape/pwned2', content: 'x' }])]), {}, ID).catch(() => {});
  assert.deepEqual(fs.readdirSync(outside), []);
});

test('putArchive: hostile archives are refused or contained', async () => {
  await assert.rejects(putArchive(root(), '/data', Readable.from([await tarBuffer([{ name: '../../../../../../../../tmp/zz', content: 'x' }])]), {}, ID), /is outside of/);
  // An entry writing through an archive symlink that points outside stays in the rootfs.
  await putArchive(
    root(),
    '/data',
    Readable.from([await tarBuffer([{ name: 'lnk', type: 'symlink', linkname: outside }, { name: 'lnk/inside', content: 'i' }])]),
    {},
    ID,
  );
  assert.deepEqual(fs.readdirSync(outside), []);
  assert.equal(fs.readFileSync(path.join(rootfs, outside, 'inside'), 'utf8'), 'i');
  await assert.rejects(putArchive(root(), '/data', Readable.from([await tarBuffer([{ name: 'r', type: 'symlink', linkname: '../../../../../etc' }])]), {}, ID), /invalid symlink/);
});

test('putArchive: errors and options', async () => {
  const t = () => Readable.from([Buffer.alloc(1024)]);
  await assert.rejects(putArchive(root(), '/missing', t(), {}, ID), { message: `Could not find the file /missing in container ${ID}` });
  await assert.rejects(putArchive(root(), '/data/file.txt', t(), {}, ID), { message: 'extraction point is not a directory' });
  const fileOverDir = await tarBuffer([{ name: 'sub', content: 'not a dir' }]);
  await assert.rejects(putArchive(root(), '/data', Readable.from([fileOverDir]), { noOverwriteDirNonDir: true }, ID), /cannot overwrite directory "\/data\/sub" with non-directory "\/data"/);
  const dirOverFile = await tarBuffer([{ name: 'file.txt/', type: 'directory' }]);
  await assert.rejects(putArchive(root(), '/data', Readable.from([dirOverFile]), { noOverwriteDirNonDir: true }, ID), /cannot overwrite non-directory/);
  await putArchive(root(), '/data', Readable.from([await tarBuffer([{ name: 'owned', content: 'o', uid: 7, gid: 7 }])]), { copyUIDGID: true, user: 'app' }, ID);
  const st = fs.statSync(path.join(rootfs, 'data/owned'));
  assert.deepEqual([st.uid, st.gid], [1000, 1001]);
  assert.deepEqual(containerUser(root(), 'app:staff'), { uid: 1000, gid: 50 });
  assert.deepEqual(containerUser(root(), '4242'), { uid: 4242, gid: 0 });
  assert.deepEqual(containerUser(root(), '1000'), { uid: 1000, gid: 1001 });
  assert.throws(() => containerUser(root(), 'ghost'), /failed to look up user "ghost" in container/);
});
