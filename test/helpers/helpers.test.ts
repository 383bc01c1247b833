// Tests of the test helpers themselves (no daemon needed, no root needed).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { busyboxDockerArchive, busyboxImportTar, busyboxRootfs, busyboxApplets, readTar, tarBuffer, sha256, dockerArchive, splitTag } from './images.ts';
import { ptyRun, plain, run } from './docker.ts';
import { mountsBelow } from './daemon-common.ts';
import { startDaemonProcess, privateRoot, type DaemonSpec } from './daemon.ts';

const haveBusybox = fs.existsSync('/bin/busybox');

describe('test helpers', { skip: haveBusybox ? false : 'needs /bin/busybox' }, () => {
  test('busyboxDockerArchive: a docker-save archive whose config digest is the image ID', async () => {
    const a = await busyboxDockerArchive();
    const entries = await readTar(a.file, { contentsUpTo: 4 << 20 });
    const manifest = JSON.parse(String(entries.find((e) => e.name === 'manifest.json')!.content));
    assert.equal(manifest.length, 1);
    assert.deepEqual(manifest[0].RepoTags, ['berth-test/busybox:latest']);
    const cfg = entries.find((e) => e.name === manifest[0].Config)!.content!;
    assert.equal(`sha256:${sha256(cfg)}`, a.id);
    const config = JSON.parse(String(cfg));
    assert.deepEqual(config.config.Cmd, ['sh']);
    assert.match(config.config.Env[0], /^PATH=/);
    const layer = entries.find((e) => e.name === manifest[0].Layers[0])!.content as Buffer;
    assert.deepEqual(config.rootfs.diff_ids, [`sha256:${sha256(layer)}`]);
    const repos = JSON.parse(String(entries.find((e) => e.name === 'repositories')!.content));
    assert.ok(repos['berth-test/busybox'].latest);
    // deterministic: same bytes, same ID
    const again = await dockerArchive(path.join(os.tmpdir(), `berth-h-${process.pid}.tar`), { tags: ['berth-test/busybox:latest'], layers: [layer], comments: ['busybox from the host'] });
    assert.equal(again.id, a.id);
    fs.rmSync(again.file);
  });

  test('busyboxImportTar and busyboxRootfs: busybox, an applet per link, passwd, /tmp 1777', async () => {
    const entries = await readTar(await busyboxImportTar());
    const byName = new Map(entries.map((e) => [e.name, e]));
    assert.equal(byName.get('bin/busybox')?.mode, 0o755);
    assert.equal(byName.get('bin/sh')?.type, 'symlink');
    assert.equal(byName.get('bin/sh')?.linkname, 'busybox');
    assert.ok(!byName.has('bin/bin/busybox'));
    assert.equal(byName.get('tmp')?.mode, 0o1777);
    assert.equal(entries.filter((e) => e.type === 'symlink').length, busyboxApplets().length);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-rootfs-'));
    try {
      busyboxRootfs(dir);
      assert.equal(fs.readlinkSync(path.join(dir, 'bin/sh')), 'busybox');
      assert.match(fs.readFileSync(path.join(dir, 'etc/passwd'), 'utf8'), /^nobody:x:65534:65534:/m);
      assert.equal(fs.statSync(path.join(dir, 'tmp')).mode & 0o7777, 0o1777);
      const r = await run(path.join(dir, 'bin/sh'), ['-c', 'echo $((1+2))']);
      assert.equal(r.stdout, '3\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('tarBuffer keeps hostile names verbatim (for bad-input tests)', async () => {
    const file = path.join(os.tmpdir(), `berth-hostile-${process.pid}.tar`);
    fs.writeFileSync(file, await tarBuffer([{ name: '../../x', content: 'a' }, { name: 'l', type: 'symlink', linkname: '/etc' }, { name: 'h', type: 'link', linkname: '../../etc/passwd' }]));
    const e = await readTar(file);
    fs.rmSync(file);
    assert.deepEqual(e.map((x) => [x.name, x.type, x.linkname ?? null]), [['../../x', 'file', null], ['l', 'symlink', '/etc'], ['h', 'link', '../../etc/passwd']]);
  });

  test('splitTag', () => {
    assert.deepEqual(splitTag('a/b:c'), { repo: 'a/b', tag: 'c' });
    assert.deepEqual(splitTag('localhost:5000/b'), { repo: 'localhost:5000/b', tag: 'latest' });
  });

  test('ptyRun drives a shell on a terminal', async () => {
    const r = await ptyRun(['/bin/busybox', 'sh'], [{ expect: '[#$] ', send: 'tty; stty size\r' }, { expect: '24 80', send: 'exit 3\r' }], { timeoutMs: 10_000 });
    assert.equal(r.error, undefined);
    assert.equal(r.code, 3, JSON.stringify(r));
    assert.match(plain(r.output), /\/dev\/pts\/\d+\n24 80\n/);
  });

  test('ptyRun gives up after its time limit', async () => {
    const r = await ptyRun(['/bin/busybox', 'sleep', '30'], [{ expect: 'never' }], { timeoutMs: 1000 });
    assert.equal(r.timedOut, true);
    assert.equal(r.failedStep, 0);
  });

  test('run() kills a command that outlives its time limit', async () => {
    const r = await run('/bin/busybox', ['sleep', '30'], { timeoutMs: 300 });
    assert.equal(r.timedOut, true);
    assert.ok(r.ms < 5000);
  });

  test('mountsBelow finds nothing below a fresh dir', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-m-'));
    assert.deepEqual(mountsBelow(dir), []);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('the daemon lifecycle (daemon.ts)', () => {
  // a stand-in daemon: ready once it has written its file; ignores SIGTERM when asked to
  const spec = (root: string, ignoreTerm: boolean, extra: Partial<DaemonSpec> = {}): DaemonSpec => ({
    what: 'stand-in',
    root,
    binary: 'sh',
    args: ['-c', `${ignoreTerm ? "trap '' TERM; " : ''}echo started; touch ${root}/ready; while :; do sleep 0.05; done`],
    logName: 'd.log',
    ready: async () => fs.existsSync(path.join(root, 'ready')),
    readyTimeoutMs: 10_000,
    stopGraceMs: 300,
    ...extra,
  });

  test('start waits for readiness; stop is bounded (SIGKILL after the grace time) and removes the root', async () => {
    const root = privateRoot('lc-');
    let cleaned = false;
    const d = await startDaemonProcess(spec(root, true, { cleanup: () => void (cleaned = true) }));
    assert.ok(d.pid > 0);
    assert.match(d.logs(), /starting sh[\s\S]*started/);
    const t0 = Date.now();
    await d.stopDaemon();
    assert.ok(Date.now() - t0 < 5000, 'the stop is bounded');
    assert.equal(d.pid, 0);
    assert.match(d.logs(), /daemon exited \(SIGKILL\)/);
    fs.rmSync(path.join(root, 'ready'));
    await d.startDaemon();
    assert.ok(d.pid > 0);
    await d.stop();
    await d.stop();
    assert.ok(cleaned);
    assert.ok(!fs.existsSync(root));
  });

  test('kill -9 runs afterKill once the process is gone; a daemon that dies before it is ready fails the start', async () => {
    const root = privateRoot('lc-');
    let afterKill = 0;
    const d = await startDaemonProcess(spec(root, false, { afterKill: () => void afterKill++ }));
    await d.stopDaemon({ signal: 'SIGKILL' });
    assert.equal(afterKill, 1);
    await d.stop();
    const root2 = privateRoot('lc-');
    await assert.rejects(startDaemonProcess({ ...spec(root2, false), args: ['-c', 'echo bad flag; exit 3'], ready: async () => false }), /stand-in exited \(3\) before it was ready[\s\S]*bad flag/);
    assert.ok(!fs.existsSync(root2), 'a failed start removes its root');
  });
});
