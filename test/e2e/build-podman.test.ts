// End-to-end cross-check with podman (buildah), the second reference for RUN --mount: the same Dockerfile
// (cache, tmpfs, bind and secret mounts) built by berthd and by `podman build` adds the same files to its
// base image — nothing of a mount reaches the image on either.
//
// Skipped when podman is not installed, and against dockerd (20.10's classic builder has no RUN --mount).
// Debian 12's podman 4.3 (buildah 1.28) leaves two run-time stubs in its image that BuildKit and Berth do not:
// /etc/hostname and the secret mount's /run/secrets directory; the test names them.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, uniq } from '../helpers/util.ts';
import { makeContext } from '../helpers/build.ts';
import { run as runCmd, cliEnv } from '../helpers/docker.ts';

const hasPodman = spawnSync('podman', ['--version']).status === 0;
const skip = e2eSkipReason() || (!hasPodman && 'podman is not installed') || (REAL_DOCKER && "dockerd 20.10's classic builder has no RUN --mount");
const BUILDAH_STUBS = ['etc/hostname', 'run/', 'run/secrets/'];

const DOCKERFILE = `ARG BASE
FROM $BASE
RUN --mount=type=cache,target=/cache sh -c 'echo c > /cache/x; echo 1 > /out1'
RUN --mount=type=tmpfs,target=/scratch sh -c 'echo t > /scratch/x; echo 2 > /out2'
RUN --mount=type=bind,source=data,target=/data sh -c 'cat /data/f > /out3'
RUN --mount=type=secret,id=tok sh -c 'cat /run/secrets/tok > /out4'
`;

describe('build: the same file tree as podman build', SUITE(skip), () => {
  const t = e2e();
  let root: string;
  let dir: string;
  const podman = (args: string[]) => {
    const r = spawnSync('podman', ['--root', path.join(root, 'storage'), '--runroot', path.join(root, 'run'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'none', ...args], { encoding: 'buffer', maxBuffer: 1 << 28 });
    assert.equal(r.status, 0, `podman ${args.join(' ')}: ${r.stderr.toString()}`);
    return r.stdout;
  };
  const tarList = (tar: Buffer) => spawnSync('tar', ['-t'], { input: tar, encoding: 'utf8', maxBuffer: 1 << 26 }).stdout.split('\n').filter(Boolean).sort();
  const added = (base: string[], built: string[]) => built.filter((p) => !base.includes(p));

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'podman-'));
    dir = makeContext({ Dockerfile: DOCKERFILE, 'data/f': 'bound\n', tok: 'secret-value\n' });
  });
  after(() => {
    if (root) spawnSync('podman', ['--root', path.join(root, 'storage'), '--runroot', path.join(root, 'run'), '--storage-driver', 'vfs', 'system', 'reset', '-f']);
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('cache, tmpfs, bind and secret mounts: the same files added, with the same contents', T, async () => {
    // podman
    podman(['load', '-i', t.archive.file]);
    const pmBase = 'localhost/berth-test/busybox:latest';
    podman(['build', '--pull=never', '--network', 'none', '--build-arg', `BASE=${pmBase}`, '--secret', `id=tok,src=${path.join(dir, 'tok')}`, '-t', 'localhost/pm:x', dir]);
    const pmTree = (image: string) => {
      const id = podman(['create', '--pull=never', '--network', 'none', image, 'true']).toString().trim();
      const file = path.join(root, `${id}.tar`);
      podman(['export', '-o', file, id]);
      podman(['rm', id]);
      const list = tarList(fs.readFileSync(file));
      fs.rmSync(file);
      return list;
    };
    const pmAdded = added(pmTree(pmBase), pmTree('localhost/pm:x'));
    // berthd, through berth build (the secret needs Berth's channel)
    const tag = uniq('pm');
    const berth = path.resolve(import.meta.dirname, '../../bin/berth');
    const r = await runCmd(berth, ['build', '-t', tag, '--build-arg', `BASE=${t.image}`, '--secret', `id=tok,src=${path.join(dir, 'tok')}`, dir], { envAll: cliEnv(t.d.env), timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const berthTree = async (image: string) => {
      const id = ok(await docker(t.d.env, ['create', image, 'true'])).trim();
      const file = path.join(root, `${id}.tar`);
      ok(await docker(t.d.env, ['export', '-o', file, id]));
      ok(await docker(t.d.env, ['rm', id]));
      const list = tarList(fs.readFileSync(file));
      fs.rmSync(file);
      return list;
    };
    const berthAdded = added(await berthTree(t.image), await berthTree(tag));
    assert.deepEqual(berthAdded, ['out1', 'out2', 'out3', 'out4']);
    assert.deepEqual(pmAdded.filter((p) => !BUILDAH_STUBS.includes(p)), berthAdded);
    assert.equal(ok(await docker(t.d.env, ['run', '--rm', tag, 'cat', '/out1', '/out2', '/out3', '/out4'])), '1\n2\nbound\nsecret-value\n');
  });
});
