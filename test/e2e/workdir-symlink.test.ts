// End-to-end: `docker run -w DIR` where a component of DIR is a symlink in the image. The daemon
// makes a missing working directory, and like dockerd it resolves the path inside the container's
// root: a symlink to an absolute path, or one climbing out with `..`, lands inside the container,
// never on the host (dockerd: container.GetResourcePath, a scoped path join). (A symlink whose
// relative target climbs above the root cannot be in an image: both daemons refuse it when they
// unpack the layer, "invalid symlink"; `..` in -w itself stands for it here.)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { docker } from '../helpers/docker.ts';
import { build, makeContext } from '../helpers/build.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok, uniq } from '../helpers/util.ts';

const skip = e2eSkipReason();

describe('working directory through an image symlink', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[]) => docker(t.d.env, args);

  test('-w through a symlink (relative, absolute, climbing out) resolves inside the container root', T, async () => {
    // a host directory the image's symlinks name: nothing may appear in it
    const hostDir = fs.mkdtempSync('/tmp/berth-wd-host-');
    const image = uniq('wd-symlink');
    const dir = makeContext({
      Dockerfile: `FROM ${t.image}\nRUN mkdir /target && ln -s /target /some && ln -s target /rel && ln -s ${hostDir} /abs\n`,
    });
    try {
      const b = await build(t.d.env, dir, ['-q', '-t', image]);
      assert.equal(b.code, 0, b.all);
      // an existing directory behind the symlink, and a missing one that the daemon makes
      assert.equal(ok(await dk(['run', '--rm', '-w', '/some', image, 'pwd', '-P'])), '/target\n');
      assert.equal(ok(await dk(['run', '--rm', '-w', '/some/dir', image, 'sh', '-c', 'pwd -P; test -d /target/dir && echo made'])), '/target/dir\nmade\n');
      assert.equal(ok(await dk(['run', '--rm', '-w', '/rel/a/b', image, 'sh', '-c', 'pwd -P; test -d /target/a/b && echo made'])), '/target/a/b\nmade\n');
      // a symlink to a host path: the directory is made inside the container, under that path
      assert.equal(ok(await dk(['run', '--rm', '-w', '/abs/dir', image, 'sh', '-c', `pwd -P; test -d ${hostDir}/dir && echo made`])), `${hostDir}/dir\nmade\n`);
      // .. above the root stays at the root
      assert.equal(ok(await dk(['run', '--rm', '-w', `/some/../../..${hostDir}/dir2`, image, 'sh', '-c', `pwd -P; test -d ${hostDir}/dir2 && echo made`])), `${hostDir}/dir2\nmade\n`);
      assert.deepEqual(fs.readdirSync(hostDir), [], 'nothing made on the host');
    } finally {
      await dk(['rmi', '-f', image]);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(hostDir, { recursive: true, force: true });
    }
  });

  test('-w naming a file in the image (through a symlink) fails the start', T, async () => {
    const image = uniq('wd-file');
    const dir = makeContext({ Dockerfile: `FROM ${t.image}\nRUN mkdir /target && echo x > /target/f && ln -s /target /some\n` });
    try {
      const b = await build(t.d.env, dir, ['-q', '-t', image]);
      assert.equal(b.code, 0, b.all);
      const r = await dk(['run', '--rm', '-w', '/some/f', image, 'true']);
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stderr, /not a directory/);
    } finally {
      await dk(['rmi', '-f', image]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
