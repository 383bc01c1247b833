// End-to-end: images with the real docker CLI: load, save/load, export/import, tag/rmi, inspect.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok, fails, uniq } from '../helpers/util.ts';
import { busyboxEntries, busyboxImportTar, dockerArchive, readTar } from '../helpers/images.ts';

const skip = e2eSkipReason();

describe('images', SUITE(skip), () => {
  const t = e2e({ loadImage: false });
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);
  let dir: string;
  const tmp = (name: string) => path.join((dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'berth-img-'))), name);
  process.once('exit', () => dir && fs.rmSync(dir, { recursive: true, force: true }));

  test('docker load of the busybox archive', T, async () => {
    const r = await dk(['load', '-i', t.archive.file]);
    assert.equal(ok(r), `Loaded image: ${t.image}\n`);
    // the image ID is the digest of its config, as in any daemon
    assert.equal(ok(await dk(['image', 'inspect', '-f', '{{.Id}}', t.image])).trim(), t.archive.id);
    const imgs = ok(await dk(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']));
    assert.ok(imgs.includes(`${t.image} ${t.archive.id.slice(7, 19)}`), imgs);
    assert.equal(ok(await dk(['run', '--rm', t.image, 'echo', 'hello'])), 'hello\n');
  });

  test('loading the same archive again is a no-op; from stdin too', T, async () => {
    assert.equal(ok(await dk(['load', '-i', t.archive.file])), `Loaded image: ${t.image}\n`);
    const r = await dk(['load'], { input: fs.readFileSync(t.archive.file) });
    assert.equal(ok(r), `Loaded image: ${t.image}\n`);
    assert.equal(ok(await dk(['images', '-q', '--no-trunc', t.image])).trim(), t.archive.id);
  });

  test('image inspect: config, rootfs, os/arch', T, async () => {
    const j = JSON.parse(ok(await dk(['image', 'inspect', t.image])))[0];
    assert.equal(j.Id, t.archive.id);
    assert.deepEqual(j.RepoTags, [t.image]);
    assert.deepEqual(j.Config.Cmd, ['sh']);
    assert.ok(j.Config.Env.includes('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'));
    assert.equal(j.Os, 'linux');
    assert.equal(j.Architecture, process.arch === 'x64' ? 'amd64' : process.arch);
    assert.equal(j.RootFS.Type, 'layers');
    assert.deepEqual(j.RootFS.Layers, t.archive.diffIds);
    assert.ok(j.Size > 1_000_000, `Size ${j.Size}`);
    assert.equal(j.Created, '2024-01-01T00:00:00Z');
    const h = ok(await dk(['history', '--no-trunc', '--format', '{{.CreatedBy}}', t.image]));
    assert.match(h, /busybox from the host/);
  });

  test('tag, images filters, rmi untags then deletes', T, async () => {
    const tag = `${uniq('tagged')}:v1`;
    ok(await dk(['tag', t.image, tag]));
    assert.equal(ok(await dk(['image', 'inspect', '-f', '{{.Id}}', tag])).trim(), t.archive.id);
    const repo = tag.split(':')[0];
    assert.equal(ok(await dk(['images', '--format', '{{.Repository}}:{{.Tag}}', repo])).trim(), tag);
    // rmi of one of two tags only untags
    assert.equal(ok(await dk(['rmi', tag])), `Untagged: ${tag}\n`);
    assert.equal(ok(await dk(['image', 'inspect', '-f', '{{.Id}}', t.image])).trim(), t.archive.id);
    fails(await dk(['image', 'inspect', tag]), 1, /No such image/);
  });

  test('rmi of an image a container uses is a conflict; -f untags it', T, async () => {
    const tag = `${uniq('inuse')}:v1`;
    ok(await dk(['tag', t.image, tag]));
    const tag2 = `${uniq('inuse2')}:v1`;
    ok(await dk(['tag', t.image, tag2]));
    const c = ok(await dk(['create', tag, 'true'])).trim();
    // by ID, with several tags and a container: refused
    const r = await dk(['rmi', t.archive.id.slice(7, 19)]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /conflict: unable to delete [0-9a-f]{12} \(must be forced\) - image is referenced in multiple repositories|conflict: unable to delete [0-9a-f]{12} \(cannot be forced\) - image is being used by (running|stopped) container [0-9a-f]{12}/);
    ok(await dk(['rmi', tag, tag2]));
    ok(await dk(['rm', c]));
  });

  test('save/load round trip', T, async () => {
    const tag = `${uniq('saved')}:v1`;
    ok(await dk(['tag', t.image, tag]));
    const file = tmp('saved.tar');
    ok(await dk(['save', '-o', file, tag]));
    const entries = await readTar(file, { contentsUpTo: 1 << 20 });
    const manifest = JSON.parse(String(entries.find((e) => e.name === 'manifest.json')?.content ?? 'null'));
    assert.ok(Array.isArray(manifest) && manifest.length === 1, `manifest.json: ${JSON.stringify(manifest)}`);
    assert.deepEqual(manifest[0].RepoTags, [tag]);
    assert.equal(manifest[0].Layers.length, 1);
    assert.ok(entries.some((e) => e.name === manifest[0].Config), 'config blob present');
    assert.ok(entries.some((e) => e.name === manifest[0].Layers[0]), 'layer present');

    ok(await dk(['rmi', tag]));
    assert.equal(ok(await dk(['load', '-i', file])), `Loaded image: ${tag}\n`);
    assert.equal(ok(await dk(['image', 'inspect', '-f', '{{.Id}}', tag])).trim(), t.archive.id);
    assert.equal(ok(await dk(['run', '--rm', tag, 'echo', 'round', 'trip'])), 'round trip\n');

    // save to stdout, several images (one per tag), load into a clean state
    const s = await dk(['save', tag, t.image]);
    ok(s);
    assert.ok(s.stdout.length > 1_000_000);
    ok(await dk(['rmi', tag]));
  });

  test('save an image by ID: no tags; load prints "Loaded image ID"', T, async () => {
    // a fresh image so the save does not carry the test image's tags
    const built = await dockerArchive(tmp('untagged-src.tar'), { layers: [busyboxEntries(), [{ name: 'marker', content: 'untagged\n' }]] });
    const r = await dk(['load', '-i', built.file]);
    assert.equal(ok(r), `Loaded image ID: ${built.id}\n`);
    const file = tmp('by-id.tar');
    ok(await dk(['save', '-o', file, built.id]));
    ok(await dk(['rmi', built.id]));
    assert.equal(ok(await dk(['load', '-i', file])), `Loaded image ID: ${built.id}\n`);
    assert.equal(ok(await dk(['run', '--rm', built.id, 'cat', '/marker'])), 'untagged\n');
    ok(await dk(['rmi', built.id]));
  });

  test('a multi-layer archive with a whiteout', T, async () => {
    const tag = `${uniq('layers')}:v1`;
    const built = await dockerArchive(tmp('layers.tar'), {
      tags: [tag],
      layers: [busyboxEntries(), [{ name: 'etc/motd', content: 'first\n' }, { name: 'data/', type: 'directory' }, { name: 'data/a', content: 'a\n' }], [{ name: 'data/.wh.a', content: '' }, { name: 'data/b', content: 'b\n' }]],
      cmd: ['cat', '/etc/motd'],
    });
    assert.equal(ok(await dk(['load', '-i', built.file])), `Loaded image: ${tag}\n`);
    assert.equal(ok(await dk(['run', '--rm', tag])), 'first\n');
    assert.equal(ok(await dk(['run', '--rm', tag, 'ls', '/data'])), 'b\n');
    assert.deepEqual(JSON.parse(ok(await dk(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', tag]))), built.diffIds);
    ok(await dk(['rmi', tag]));
  });

  test('export/import', T, async () => {
    const c = ok(await dk(['create', t.image, 'true'])).trim();
    const file = tmp('export.tar');
    ok(await dk(['export', '-o', file, c]));
    const names = new Set((await readTar(file)).map((e) => e.name.replace(/^\.?\//, '').replace(/\/$/, '')));
    for (const want of ['bin/busybox', 'bin/sh', 'etc/passwd', 'tmp']) assert.ok(names.has(want), `export lacks ${want}`);
    ok(await dk(['rm', c]));

    const tag = `${uniq('imported')}:v1`;
    const id = ok(await dk(['import', file, tag])).trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(ok(await dk(['run', '--rm', tag, '/bin/echo', 'imported'])), 'imported\n');
    // an imported image has no command
    const nocmd = await dk(['run', '--rm', tag]);
    assert.equal(nocmd.code, 125);
    assert.match(nocmd.stderr, /No command specified/);
    assert.equal(ok(await dk(['image', 'inspect', '-f', '{{len .RootFS.Layers}}', tag])).trim(), '1');
    ok(await dk(['rmi', tag]));
  });

  test('import from stdin with --change and --message', T, async () => {
    const tag = `${uniq('stdin')}:v1`;
    const rootfs = await busyboxImportTar();
    const r = await dk(['import', '-c', 'CMD ["echo","from","stdin"]', '-c', 'ENV A=b', '-m', 'imported from stdin', '-', tag], { input: fs.readFileSync(rootfs) });
    assert.match(ok(r).trim(), /^sha256:[0-9a-f]{64}$/);
    assert.equal(ok(await dk(['run', '--rm', tag])), 'from stdin\n');
    assert.equal(ok(await dk(['run', '--rm', tag, 'sh', '-c', 'echo $A'])), 'b\n');
    assert.equal(ok(await dk(['image', 'inspect', '-f', '{{.Comment}}', tag])).trim(), 'imported from stdin');
    assert.match(ok(await dk(['history', '--no-trunc', '--format', '{{.Comment}}', tag])), /imported from stdin/);
    ok(await dk(['rmi', tag]));
  });

  test('an imported rootfs with absolute symlinks works inside the container', T, async () => {
    const tag = `${uniq('abslink')}:v1`;
    const tarFile = tmp('abslink.tar');
    const { tarBuffer } = await import('../helpers/images.ts');
    fs.writeFileSync(tarFile, await tarBuffer([...busyboxEntries(), { name: 'usr/bin/sh', type: 'symlink', linkname: '/bin/busybox' }, { name: 'etc/abs-passwd', type: 'symlink', linkname: '/etc/passwd' }]));
    ok(await dk(['import', tarFile, tag]));
    assert.equal(ok(await dk(['run', '--rm', tag, '/usr/bin/sh', '-c', 'echo ok'])), 'ok\n');
    assert.match(ok(await dk(['run', '--rm', tag, 'head', '-n', '1', '/etc/abs-passwd'])), /^root:x:0:0:root:\/root:\/bin\/sh$/m);
    ok(await dk(['rmi', tag]));
  });

  test('image prune -a removes unused images; an image in use stays', T, async () => {
    const unused = ok(await dk(['import', await busyboxImportTar(), `${uniq('unused')}:v1`])).trim();
    const used = ok(await dk(['import', '-c', 'CMD ["true"]', await busyboxImportTar(), `${uniq('used')}:v1`])).trim();
    const c = ok(await dk(['create', used])).trim();
    const r = await dk(['image', 'prune', '-a', '-f']);
    assert.match(ok(r), /Total reclaimed space:/);
    fails(await dk(['image', 'inspect', unused]), 1, /No such image/);
    assert.equal(ok(await dk(['image', 'inspect', '-f', '{{.Id}}', used])).trim(), used);
    ok(await dk(['rm', c]));
    ok(await dk(['rmi', '-f', used]));
    // put the test image back for whatever runs next
    ok(await dk(['load', '-i', t.archive.file]));
  });
});
