// End-to-end: what the classic builder protocol (POST /build) carries besides the Dockerfile — --label,
// --add-host, --ulimit, --cpuset-cpus, -m on RUN containers; RUN history with the `|N K=V` build-arg
// prefix; a .dockerignore that lists the Dockerfile; --rm/--force-rm; --cache-from; compressed contexts;
// the stream's final lines; parameters dockerd refuses. All of it is dockerd 20.10's classic behaviour:
// the same expectations hold for both daemons, except where a test says otherwise (BuildKit's stage
// skipping and platform ARGs, which Berth follows).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, uniq, curl } from '../helpers/util.ts';
import { build, contextsRemovedAfter } from '../helpers/build.ts';

const skip = e2eSkipReason();

describe('build: classic builder parameters', SUITE(skip), () => {
  const t = e2e();
  const ctx = contextsRemovedAfter();
  const run = async (image: string, cmd: string) => ok(await docker(t.d.env, ['run', '--rm', image, 'sh', '-c', cmd]));
  const containers = async () => ok(await docker(t.d.env, ['ps', '-aq'])).trim().split('\n').filter(Boolean);

  test('--label, --add-host, --ulimit, --cpuset-cpus and -m reach the image and every RUN container', T, async () => {
    const df = `FROM ${t.image}
RUN cat /etc/hosts > /hosts; ulimit -n > /nofile; ulimit -Hn >> /nofile
RUN (cat /sys/fs/cgroup/cpuset.cpus.effective 2>/dev/null || cat /sys/fs/cgroup/cpuset/cpuset.cpus) > /cpus
RUN (cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes) > /mem
`;
    const tag = uniq('classic');
    const r = await build(t.d.env, ctx({ Dockerfile: df }), ['-t', tag, '--label', 'org.x=one', '--label', 'other=two', '--add-host', 'foo:1.2.3.4', '--add-host', 'bar=5.6.7.8', '--ulimit', 'nofile=1024:2048', '--cpuset-cpus', '0', '-m', '64m']);
    assert.equal(r.code, 0, r.all);
    // each label is one more step, as the classic builder adds them
    assert.match(r.stdout, /Step 5\/6 : LABEL org\.x=one\n[^]*Step 6\/6 : LABEL other=two\n/);
    const labels = JSON.parse(ok(await docker(t.d.env, ['image', 'inspect', '-f', '{{json .Config.Labels}}', tag])));
    assert.deepEqual(labels, { 'org.x': 'one', other: 'two' });
    const hosts = await run(tag, 'cat /hosts');
    assert.match(hosts, /^1\.2\.3\.4\tfoo$/m);
    assert.match(hosts, /^5\.6\.7\.8\tbar$/m);
    assert.equal(await run(tag, 'cat /nofile /cpus /mem'), '1024\n2048\n0\n67108864\n');
  });

  test('RUN history carries the |N K=V prefix of the ARGs in effect (not those ENV shadows)', T, async () => {
    const tag = uniq('hist');
    ok(await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\nARG V=d\nARG W\nARG U\nENV X=1\nARG X=2\nRUN echo $V\n` }), ['-t', tag, '--build-arg', 'W=w']));
    const hist = ok(await docker(t.d.env, ['history', '--no-trunc', '--format', '{{.CreatedBy}}', tag])).split('\n');
    assert.equal(hist[0], '|2 V=d W=w /bin/sh -c echo $V');
  });

  test('a .dockerignore listing the Dockerfile and itself: both are read, neither is copied', T, async () => {
    const tag = uniq('ignore');
    const dir = ctx({ Dockerfile: `FROM ${t.image}\nCOPY . /ctx/\n`, '.dockerignore': 'Dockerfile\n.dockerignore\n*.log\n', 'a.txt': 'a\n', 'x.log': 'x\n' });
    ok(await build(t.d.env, dir, ['-t', tag]));
    assert.equal(await run(tag, 'ls -A /ctx'), 'a.txt\n');
  });

  test('--rm=false keeps RUN containers; a failed step keeps its container unless --force-rm', T, async () => {
    const before = await containers();
    const okDir = ctx({ Dockerfile: `FROM ${t.image}\nRUN echo kept-${uniq()}\n` });
    const r = await build(t.d.env, okDir, ['--rm=false']);
    assert.equal(r.code, 0, r.all);
    assert.doesNotMatch(r.stdout, /Removing intermediate container/);
    assert.equal((await containers()).length, before.length + 1);
    const failDir = ctx({ Dockerfile: `FROM ${t.image}\nRUN exit 3\n` });
    const failed = await build(t.d.env, failDir);
    assert.equal(failed.code, 3, failed.all);
    assert.equal((await containers()).length, before.length + 2);
    const forced = await build(t.d.env, failDir, ['--force-rm']);
    assert.equal(forced.code, 3);
    assert.match(forced.stdout, /Removing intermediate container/);
    assert.equal((await containers()).length, before.length + 2);
    ok(await docker(t.d.env, ['container', 'prune', '-f']));
  });

  test('--cache-from: the named image serves as the cache; an unrelated one gives none', T, async () => {
    const dir = ctx({ Dockerfile: `FROM ${t.image}\nRUN echo ${uniq('cf')} > /f\n` });
    const tag = uniq('cachefrom');
    ok(await build(t.d.env, dir, ['-t', tag]));
    const hit = await build(t.d.env, dir, ['--cache-from', tag]);
    assert.match(hit.stdout, /Using cache/);
    const miss = await build(t.d.env, dir, ['--cache-from', t.image]);
    assert.equal(miss.code, 0, miss.all);
    assert.doesNotMatch(miss.stdout, /Using cache/);
  });

  test('gzip, bzip2 and xz contexts build; the stream ends with Successfully built/tagged and the aux ID', T, async () => {
    const dir = ctx({ Dockerfile: `FROM ${t.image}\nCOPY a.txt /a.txt\n`, 'a.txt': 'compressed\n' });
    for (const [flag, name] of [['-z', 'gzip'], ['-j', 'bzip2'], ['-J', 'xz']] as const) {
      const file = path.join(dir, `..`, `${path.basename(dir)}.${name}`);
      assert.equal(spawnSync('tar', [flag, '-cf', file, '-C', dir, 'Dockerfile', 'a.txt']).status, 0);
      const tag = `${uniq(name)}:v1`;
      const res = await curl(t.d.socket, 'POST', `/build?t=${tag}`, fs.readFileSync(file) as unknown as string, 'application/x-tar');
      fs.rmSync(file);
      assert.equal(res.status, 200, res.body);
      const msgs = res.body.trim().split('\n').map((l) => JSON.parse(l));
      const text = msgs.map((m) => m.stream ?? '').join('');
      assert.match(text, /Successfully built [0-9a-f]{12}\n/);
      assert.match(text, new RegExp(`Successfully tagged ${tag}\n`));
      // dockerd's classic builder: {"aux":{"ID":...}} (no "id") before "Successfully built"
      const auxAt = msgs.findIndex((m) => m.aux);
      assert.equal(msgs[auxAt].id, undefined);
      assert.match(msgs[auxAt].aux.ID, /^sha256:[0-9a-f]{64}$/);
      assert.ok(auxAt < msgs.findIndex((m) => /Successfully built/.test(m.stream ?? '')));
      assert.equal(await run(tag, 'cat /a.txt'), 'compressed\n');
    }
  });

  test("a RUN step's stderr comes in the stream in red (\\x1b[91m … \\x1b[0m), its stdout as it is", T, async () => {
    const dir = ctx({ Dockerfile: `FROM ${t.image}\nRUN echo to-stdout; sleep 0.2; echo to-stderr >&2\n` });
    const tar = path.join(dir, '..', `${path.basename(dir)}.tar`);
    assert.equal(spawnSync('tar', ['-cf', tar, '-C', dir, 'Dockerfile']).status, 0);
    const res = await curl(t.d.socket, 'POST', '/build?nocache=1', fs.readFileSync(tar) as unknown as string, 'application/x-tar');
    fs.rmSync(tar);
    assert.equal(res.status, 200, res.body);
    const streams = res.body.trim().split('\n').map((l) => JSON.parse(l).stream);
    // (docker-py's test_build_stderr_data looks for this very message)
    assert.ok(streams.includes('\x1b[91mto-stderr\n\x1b[0m'), JSON.stringify(streams));
    assert.ok(streams.includes('to-stdout\n'), JSON.stringify(streams));
  });

  test('parameters dockerd refuses: squash, securityopt (400 with dockerd\'s messages)', T, async () => {
    const dir = ctx({ Dockerfile: `FROM ${t.image}\n` });
    const tar = path.join(dir, '..', `${path.basename(dir)}.tar`);
    assert.equal(spawnSync('tar', ['-cf', tar, '-C', dir, 'Dockerfile']).status, 0);
    const body = fs.readFileSync(tar) as unknown as string;
    fs.rmSync(tar);
    let res = await curl(t.d.socket, 'POST', '/build?squash=1', body, 'application/x-tar');
    assert.equal(res.status, 400, res.body);
    assert.match(res.json.message, /squash is only supported with experimental mode/);
    res = await curl(t.d.socket, 'POST', '/build?securityopt=seccomp%3Dunconfined', body, 'application/x-tar');
    assert.equal(res.status, 400, res.body);
    assert.match(res.json.message, /does not support setting security options on build/);
  });

  test('only the stages the target needs are built; platform ARGs are predefined (BuildKit)', T, async () => {
    const df = `FROM ${t.image} AS unused
RUN exit 3
FROM ${t.image} AS dep
RUN echo dep > /dep
FROM ${t.image}
ARG TARGETPLATFORM
ARG TARGETARCH
ARG BUILDPLATFORM
COPY --from=dep /dep /dep
RUN echo "$TARGETPLATFORM $TARGETARCH $BUILDPLATFORM" > /plat
`;
    const tag = uniq('stages');
    const r = await build(t.d.env, ctx({ Dockerfile: df }), ['-t', tag]);
    if (REAL_DOCKER) {
      // dockerd 20.10's classic builder runs every stage up to the target, so the unused one fails it;
      // BuildKit (current docker build) skips it and predefines TARGETPLATFORM etc.
      assert.equal(r.code, 3, r.all);
      return;
    }
    assert.equal(r.code, 0, r.all);
    assert.doesNotMatch(r.stdout, /exit 3/);
    const arch = process.arch === 'x64' ? 'amd64' : process.arch;
    assert.equal(await run(tag, 'cat /dep /plat'), `dep\nlinux/${arch} ${arch} linux/${arch}\n`);
  });

  test('independent stages build at the same time; the transcript stays in Dockerfile order (BuildKit)', T, async () => {
    const df = `FROM ${t.image} AS a
RUN sleep 2; echo a > /a
FROM ${t.image} AS b
RUN sleep 2; echo b > /b
FROM ${t.image}
COPY --from=a /a /a
COPY --from=b /b /b
`;
    const tag = uniq('parallel');
    const started = Date.now();
    const r = await build(t.d.env, ctx({ Dockerfile: df }), ['-t', tag, '--no-cache']);
    const took = Date.now() - started;
    assert.equal(r.code, 0, r.all);
    const steps = [...r.stdout.matchAll(/^Step (\d+)\/7 : /gm)].map((m) => Number(m[1]));
    assert.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(await run(tag, 'cat /a /b'), 'a\nb\n');
    // dockerd 20.10's classic builder runs the stages one after the other (4 s of sleep); BuildKit runs
    // a and b together
    if (REAL_DOCKER) assert.ok(took >= 4000, `${took} ms`);
    else assert.ok(took < 3800, `the two 2 s stages took ${took} ms together`);
  });

  test('POST /build/cancel?id=<buildid> stops a running build: its RUN is killed, the stream ends with "context canceled"', T, async () => {
    const dir = ctx({ Dockerfile: `FROM ${t.image}\nRUN sleep 20\n` });
    const tar = path.join(dir, '..', `${path.basename(dir)}.tar`);
    assert.equal(spawnSync('tar', ['-cf', tar, '-C', dir, 'Dockerfile']).status, 0);
    const body = fs.readFileSync(tar);
    fs.rmSync(tar);
    const id = uniq('buildid');
    const started = Date.now();
    const stream = new Promise<string>((resolve, reject) => {
      const req = http.request({ socketPath: t.d.socket, method: 'POST', path: `/build?buildid=${id}&nocache=1&forcerm=1`, headers: { 'Content-Type': 'application/x-tar' } }, (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
          // once the RUN runs, cancel it
          if (/Running in/.test(text) && !text.includes('"cancel-sent"')) {
            text += '"cancel-sent"';
            void curl(t.d.socket, 'POST', `/build/cancel?id=${id}`);
          }
        });
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end(body);
    });
    const text = await stream;
    if (REAL_DOCKER) {
      // dockerd 20.10 cancels only BuildKit builds by id; its classic build runs to the end
      assert.ok(Date.now() - started >= 15_000, text);
      return;
    }
    assert.match(text, /context canceled/);
    assert.ok(Date.now() - started < 10_000, `cancelled after ${Date.now() - started} ms`);
    assert.equal((await curl(t.d.socket, 'POST', '/build/cancel')).status, 500);
  });
});
