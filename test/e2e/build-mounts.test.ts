// End-to-end: RUN --mount (cache, tmpfs, bind, secret, ssh), RUN --network and --security through the
// classic build protocol. Nothing of a mount may reach the image: not its contents, not its mount point.
//
// dockerd 20.10's classic builder refuses all of these ("the --mount option requires BuildKit", "Unknown
// flag: network"); the first test checks that, the others check what BuildKit (docker/dockerfile:1) does,
// which Berth follows, and are skipped against dockerd.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { docker, run as runCmd, cliEnv } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, uniq } from '../helpers/util.ts';
import { build, contextsRemovedAfter } from '../helpers/build.ts';

const skip = e2eSkipReason();
const BK = { ...T, skip: REAL_DOCKER ? 'dockerd 20.10\'s classic builder has no RUN --mount/--network (see the first test)' : false };

describe('build: RUN --mount, --network, --security', SUITE(skip), () => {
  const t = e2e();
  const ctx = contextsRemovedAfter();
  const run = async (image: string, cmd: string) => ok(await docker(t.d.env, ['run', '--rm', image, 'sh', '-c', cmd]));

  test('dockerd 20.10 refuses --mount and --network (classic builder); Berth builds them', T, async () => {
    const mount = await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\nRUN --mount=type=tmpfs,target=/t true\n` }));
    const net = await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\nRUN --network=none true\n` }));
    if (REAL_DOCKER) {
      assert.match(mount.stderr, /the --mount option requires BuildKit/);
      assert.match(net.stderr, /Unknown flag: network/);
    } else {
      assert.equal(mount.code, 0, mount.all);
      assert.equal(net.code, 0, net.all);
    }
  });

  test('type=cache persists between builds, never in the image; uid/gid/mode; cleared by docker builder prune', BK, async () => {
    const df = `# syntax=docker/dockerfile:1
FROM ${t.image}
ARG RUNID
RUN --mount=type=cache,target=/cache,sharing=locked sh -c 'echo $RUNID >> /cache/log; cat /cache/log > /seen'
RUN --mount=type=cache,id=owned,target=/owned,uid=65534,gid=65534,mode=0700 stat -c '%u %g %a' /owned > /owned-stat
`;
    const dir = ctx({ Dockerfile: df });
    const tag = uniq('cache');
    ok(await build(t.d.env, dir, ['-t', tag, '--build-arg', 'RUNID=one']));
    assert.equal(await run(tag, 'cat /seen'), 'one\n');
    ok(await build(t.d.env, dir, ['-t', tag, '--build-arg', 'RUNID=two']));
    assert.equal(await run(tag, 'cat /seen'), 'one\ntwo\n', 'the cache directory outlives the build');
    assert.equal(await run(tag, 'cat /owned-stat'), '65534 65534 700\n');
    assert.equal(await run(tag, 'test -e /cache || test -e /owned || echo absent'), 'absent\n', 'no mount point in the image');
    ok(await docker(t.d.env, ['builder', 'prune', '-af']));
    ok(await build(t.d.env, dir, ['-t', tag, '--build-arg', 'RUNID=three']));
    assert.equal(await run(tag, 'cat /seen'), 'three\n', 'prune empties the cache mounts');
  });

  test('type=tmpfs is a tmpfs, not in the image', BK, async () => {
    const tag = uniq('tmpfs');
    ok(await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\nRUN --mount=type=tmpfs,target=/scratch,size=1m sh -c 'echo x > /scratch/f && grep " /scratch " /proc/mounts | cut -d" " -f3 > /fstype'\n` }), ['-t', tag]));
    assert.equal(await run(tag, 'cat /fstype; test -e /scratch || echo absent'), 'tmpfs\nabsent\n');
  });

  test('type=bind: the context (read-only by default, part of the cache key), a stage; rw writes are discarded', BK, async () => {
    const df = `FROM ${t.image} AS stage
RUN mkdir /out && echo from-stage > /out/x
FROM ${t.image}
RUN --mount=type=bind,source=data,target=/data cat /data/f > /from-ctx
RUN --mount=type=bind,from=stage,source=/out,target=/s cat /s/x > /from-stage
RUN --mount=target=/ro sh -c 'touch /ro/new 2>/dev/null && echo writable || echo read-only' > /ro-result
RUN --mount=type=bind,rw,target=/rw sh -c 'echo w > /rw/data/f && cat /rw/data/f' > /rw-result
`;
    const dir = ctx({ Dockerfile: df, 'data/f': 'v1\n' });
    const tag = uniq('bind');
    ok(await build(t.d.env, dir, ['-t', tag]));
    assert.equal(await run(tag, 'cat /from-ctx /from-stage /ro-result /rw-result'), 'v1\nfrom-stage\nread-only\nw\n');
    assert.equal(await run(tag, 'test -e /data || test -e /s || test -e /ro || test -e /rw || echo absent'), 'absent\n');
    assert.equal(fs.readFileSync(path.join(dir, 'data/f'), 'utf8'), 'v1\n', 'rw writes do not reach the context');
    fs.writeFileSync(path.join(dir, 'data/f'), 'v2\n');
    ok(await build(t.d.env, dir, ['-t', tag]));
    assert.equal(await run(tag, 'cat /from-ctx'), 'v2\n', 'a changed bound file re-runs the step');
  });

  test('type=secret and type=ssh: POST /build carries no secrets or agent; required ones fail, optional ones are absent', BK, async () => {
    const images = ok(await docker(t.d.env, ['images', '-aq'])).trim().split('\n').length;
    let r = await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\nRUN --mount=type=secret,id=tok,required=true cat /run/secrets/tok\n` }));
    assert.equal(r.code, 1, r.all);
    assert.match(r.stderr, /secret tok: not found/);
    r = await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\nRUN --mount=type=ssh,required=true true\n` }));
    assert.equal(r.code, 1, r.all);
    assert.match(r.stderr, /SSH agent "default" was forwarded|cannot forward an SSH agent/);
    assert.equal(ok(await docker(t.d.env, ['images', '-aq'])).trim().split('\n').length, images, 'no image is left');
    const tag = uniq('secret');
    ok(await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\nRUN --mount=type=secret,id=tok --mount=type=ssh sh -c 'test -e /run/secrets/tok || echo absent' > /s\n` }), ['-t', tag]));
    assert.equal(await run(tag, 'cat /s; test -e /run/secrets || echo clean'), 'absent\nclean\n');
  });

  test('--network=none has only lo, the default has eth0; --security=insecure and bad mounts are refused', BK, async () => {
    const tag = uniq('net');
    ok(await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\nRUN --network=none ls /sys/class/net > /none\nRUN ls /sys/class/net > /default\n` }), ['-t', tag]));
    assert.equal(await run(tag, 'cat /none'), 'lo\n');
    assert.match(await run(tag, 'cat /default'), /eth0/);
    const cases: [string, RegExp][] = [
      ['RUN --security=insecure true', /security\.insecure is not allowed/],
      ['RUN --mount=type=bogus,target=/x true', /unsupported mount type "bogus"/],
      ['RUN --mount=type=cache,target=/x,foo=1 true', /unexpected key 'foo' in 'foo=1'/],
      ['RUN --mount=type=tmpfs,target=/x,uid=1 true', /uid not allowed for "tmpfs" type mounts/],
      ['RUN --mount=type=bind,source=nope,target=/x true', /nope/],
    ];
    for (const [line, re] of cases) {
      const r = await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\n${line}\n` }));
      assert.equal(r.code, 1, r.all);
      assert.match(r.stderr, re);
    }
  });

  test('berth build --secret (Berth\'s header over POST /build): file and env secrets, mode 0400, never in the image', BK, async () => {
    const dir = ctx({ 'tok.txt': 's3cret', Dockerfile: `FROM ${t.image}
RUN --mount=type=secret,id=tok,required=true sh -c 'cat /run/secrets/tok; stat -c " %a" /run/secrets/tok' > /seen
RUN --mount=type=secret,id=api,env=API_KEY,required sh -c 'echo "$API_KEY"' > /env
` });
    const tag = uniq('secret');
    const berth = path.resolve(import.meta.dirname, '../../bin/berth');
    const r = await runCmd(berth, ['build', '-t', tag, '--secret', `id=tok,src=${path.join(dir, 'tok.txt')}`, '--secret', 'id=api,env=BERTH_TEST_API', dir], { envAll: { ...cliEnv(t.d.env), BERTH_TEST_API: 'key-1' }, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(await run(tag, 'cat /seen /env; test -e /run/secrets/tok || echo absent'), 's3cret 400\nkey-1\nabsent\n');
    const hist = ok(await docker(t.d.env, ['history', '--no-trunc', '--format', '{{.CreatedBy}}', tag]));
    assert.doesNotMatch(hist, /s3cret|key-1/);
    // a secret file that does not exist: the CLI says so, nothing is built
    const bad = await runCmd(berth, ['build', '--secret', 'id=tok,src=/nonexistent/file', dir], { envAll: cliEnv(t.d.env), timeoutMs: 60_000 });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /failed to read secret tok from \/nonexistent\/file/);
  });
});
