// Tar extraction into a directory that holds mounts (docker cp): entries go to the filesystem that
// holds them; a hard link whose name and target lie on different ones fails as os.Link does (EXDEV).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { extractTar } from '../../../src/images/tar-extract.ts';
import { tarBuffer, type TarEntry } from '../../helpers/images.ts';

function dirs() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-router-'));
  const vol = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-router-vol-'));
  fs.mkdirSync(path.join(root, 'data/vol'), { recursive: true });
  // the container path /data with a volume at /data/vol; copied to /data
  const opts = { root, dest: path.join(root, 'data'), mounts: [{ rel: 'vol', source: vol, readOnly: false, containerPath: '/data/vol' }] };
  const put = async (entries: TarEntry[]) => extractTar(Readable.from(await tarBuffer(entries)), opts);
  return { root, vol, put, done: () => [root, vol].forEach((d) => fs.rmSync(d, { recursive: true, force: true })) };
}

test('a hard link in a mount to a file outside it fails with EXDEV, naming both as the container sees them', async () => {
  const d = dirs();
  try {
    await assert.rejects(d.put([{ name: 'top/f', content: 'f' }, { name: 'vol/l', type: 'link', linkname: 'top/f' }]), { message: 'link /data/top/f /data/vol/l: invalid cross-device link' });
    assert.equal(fs.existsSync(path.join(d.vol, 'l')), false);
  } finally {
    d.done();
  }
});

test('a hard link outside a mount to a file in it fails with EXDEV too, and nothing is made on the rootfs', async () => {
  const d = dirs();
  try {
    // a file of the same name below the mount point (in the layer the volume hides) must not be linked to
    fs.writeFileSync(path.join(d.root, 'data/vol/g'), 'hidden');
    await assert.rejects(d.put([{ name: 'vol/g', content: 'g' }, { name: 'top/h', type: 'link', linkname: 'vol/g' }]), { message: 'link /data/vol/g /data/top/h: invalid cross-device link' });
    assert.equal(fs.existsSync(path.join(d.root, 'data/top/h')), false);
    assert.equal(fs.readFileSync(path.join(d.vol, 'g'), 'utf8'), 'g');
  } finally {
    d.done();
  }
});

test('hard links within one filesystem are made: in the mount and on the rootfs', async () => {
  const d = dirs();
  try {
    await d.put([
      { name: 'vol/a', content: 'a' },
      { name: 'vol/sub/b', type: 'link', linkname: 'vol/a' },
      { name: 'top/c', content: 'c' },
      { name: 'top/d', type: 'link', linkname: 'top/c' },
    ]);
    assert.equal(fs.statSync(path.join(d.vol, 'sub/b')).ino, fs.statSync(path.join(d.vol, 'a')).ino);
    assert.equal(fs.statSync(path.join(d.root, 'data/top/d')).ino, fs.statSync(path.join(d.root, 'data/top/c')).ino);
  } finally {
    d.done();
  }
});
