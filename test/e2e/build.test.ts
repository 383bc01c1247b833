// End-to-end: docker build (classic builder protocol) with the real docker CLI against berthd: a
// multi-stage Dockerfile using the instruction set, the config of the image it makes, the cache, and
// the context's safety.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, uniq } from '../helpers/util.ts';

const skip = e2eSkipReason();

const DOCKERFILE = (base: string) => `# syntax=docker/dockerfile:1
ARG BASE=${base}
FROM \${BASE} AS base
ARG GREETING=hi
ENV APP=/app NAME="my app"
WORKDIR $APP
COPY a.txt .
COPY dir/ ./dir/
ADD files.tar /unpacked/
RUN echo "\${GREETING:-none} from RUN" > run.txt && chmod 600 run.txt
COPY --chown=65534:65534 a.txt owned.txt
LABEL org.test=yes other="two words"
EXPOSE 8080/tcp 9000
VOLUME /data
SHELL ["/bin/sh", "-c"]
ONBUILD RUN echo triggered > /tmp/onbuild.txt
HEALTHCHECK --interval=5s --retries=2 CMD true
STOPSIGNAL SIGINT
USER nobody
ENTRYPOINT ["sh", "-c"]
CMD ["cat /app/run.txt"]

FROM base AS child
USER root
RUN cat /tmp/onbuild.txt

FROM ${base}
COPY --from=base /app/run.txt /copied.txt
CMD ["cat", "/copied.txt"]
`;

describe('build', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);
  let ctx: string;

  before(() => {
    ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'bctx-'));
    fs.writeFileSync(path.join(ctx, 'a.txt'), 'hello file\n');
    fs.mkdirSync(path.join(ctx, 'dir'));
    fs.writeFileSync(path.join(ctx, 'dir', 'b.txt'), 'in dir\n');
    fs.mkdirSync(path.join(ctx, 'tarsrc'));
    fs.writeFileSync(path.join(ctx, 'tarsrc', 'inside.txt'), 'from tar\n');
    assert.equal(spawnSync('tar', ['-cf', path.join(ctx, 'files.tar'), '-C', path.join(ctx, 'tarsrc'), 'inside.txt']).status, 0);
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), DOCKERFILE(t.image));
  });
  after(() => fs.rmSync(ctx, { recursive: true, force: true }));

  test('a multi-stage Dockerfile builds; the images run and have the config Docker gives them', T, async () => {
    const tag = `${uniq('built')}:v1`;
    const out = ok(await dk(['build', '-t', tag, '--build-arg', 'GREETING=hey', ctx], { env: { DOCKER_BUILDKIT: '0' } }));
    assert.match(out, /Step 1\/\d+ : ARG BASE=/);
    assert.match(out, /Successfully built [0-9a-f]{12}/);
    assert.match(out, new RegExp(`Successfully tagged ${tag.replace('.', '\\.')}`));
    assert.equal(ok(await dk(['run', '--rm', tag])), 'hey from RUN\n');
    const base = `${uniq('base')}:v1`;
    ok(await dk(['build', '-t', base, '--target', 'base', '--build-arg', 'GREETING=hey', ctx], { env: { DOCKER_BUILDKIT: '0' } }));
    const cfg = JSON.parse(ok(await dk(['image', 'inspect', '-f', '{{json .Config}}', base])));
    assert.equal(cfg.User, 'nobody');
    assert.equal(cfg.WorkingDir, '/app');
    assert.deepEqual(cfg.Entrypoint, ['sh', '-c']);
    assert.deepEqual(cfg.Cmd, ['cat /app/run.txt']);
    assert.ok(cfg.Env.includes('APP=/app') && cfg.Env.includes('NAME=my app'));
    assert.deepEqual(Object.keys(cfg.ExposedPorts).sort(), ['8080/tcp', '9000/tcp']);
    assert.deepEqual(Object.keys(cfg.Volumes), ['/data']);
    assert.deepEqual(cfg.Labels, { 'org.test': 'yes', other: 'two words' });
    assert.deepEqual(cfg.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Retries: 2 });
    assert.equal(cfg.StopSignal, 'SIGINT');
    assert.deepEqual(cfg.OnBuild, ["RUN echo triggered > /tmp/onbuild.txt"]);
    const files = ok(await dk(['run', '--rm', '--entrypoint', '', '-u', 'root', base, 'sh', '-c', 'cat /app/a.txt /app/dir/b.txt /unpacked/inside.txt; stat -c "%u %a" /app/owned.txt; stat -c %a /app/run.txt']));
    assert.equal(files, 'hello file\nin dir\nfrom tar\n65534 644\n600\n');
  });

  test('a second build uses the cache for every step; touching a copied file re-runs from that step', T, async () => {
    const tag = `${uniq('cached')}:v1`;
    const env = { env: { DOCKER_BUILDKIT: '0' } };
    ok(await dk(['build', '-t', tag, ctx], env));
    const again = ok(await dk(['build', '-t', tag, ctx], env));
    // every step (and the ONBUILD trigger) from the cache: nothing runs
    const steps = again.match(/^Step \d+\/\d+ : (?!FROM|ARG)/gm)!.length;
    assert.ok((again.match(/Using cache/g)?.length ?? 0) >= steps, again);
    assert.doesNotMatch(again, /Running in/);
    fs.appendFileSync(path.join(ctx, 'dir', 'b.txt'), 'changed\n');
    const third = ok(await dk(['build', '-t', tag, ctx], env));
    const afterCopy = third.split(/Step \d+\/\d+ : COPY dir\//)[1]!;
    const before = third.split(/Step \d+\/\d+ : COPY dir\//)[0]!;
    assert.match(before, /Using cache/);
    assert.doesNotMatch(afterCopy.split('FROM')[0]!, /Using cache/);
  });

  test('safety: no reading outside the context; a failing RUN reports its code and leaves no container; syntax errors name the line', T, async () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'bbad-'));
    try {
      fs.writeFileSync(path.join(bad, 'Dockerfile'), `FROM ${t.image}\nCOPY ../../etc/passwd /x\n`);
      let r = await dk(['build', bad], { env: { DOCKER_BUILDKIT: '0' } });
      assert.notEqual(r.code, 0);
      assert.match(r.stdout + r.stderr, /forbidden path outside the build context/);
      // a symlink is followed inside the context, as if it were the root: /etc/passwd is <context>/etc/passwd
      fs.symlinkSync('/etc/passwd', path.join(bad, 'out'));
      fs.writeFileSync(path.join(bad, 'Dockerfile'), `FROM ${t.image}\nCOPY out /x\n`);
      r = await dk(['build', bad], { env: { DOCKER_BUILDKIT: '0' } });
      assert.notEqual(r.code, 0);
      assert.match(r.stdout + r.stderr, /COPY failed: file not found in build context or excluded by \.dockerignore: stat out: file does not exist/);
      const before = ok(await dk(['ps', '-aq'])).trim();
      fs.writeFileSync(path.join(bad, 'Dockerfile'), `FROM ${t.image}\nRUN exit 7\n`);
      // dockerd keeps a failed step's container (for inspection) unless --force-rm
      r = await dk(['build', '--force-rm', bad], { env: { DOCKER_BUILDKIT: '0' } });
      assert.notEqual(r.code, 0);
      assert.match(r.stdout + r.stderr, /The command '\/bin\/sh -c exit 7' returned a non-zero code: 7/);
      assert.equal(ok(await dk(['ps', '-aq'])).trim(), before, 'no container is left');
      fs.writeFileSync(path.join(bad, 'Dockerfile'), `FROM ${t.image}\nRUN true\nFOO bar\n`);
      r = await dk(['build', bad], { env: { DOCKER_BUILDKIT: '0' } });
      assert.notEqual(r.code, 0);
      // current Docker (BuildKit's parser) lower-cases the word and suggests the nearest; dockerd 20.10 upper-cased it
      assert.match(r.stdout + r.stderr, REAL_DOCKER ? /line 3: unknown instruction: FOO/ : /on line 3: unknown instruction: foo \(did you mean from\?\)/);
      fs.writeFileSync(path.join(bad, 'Dockerfile'), `FROM ${t.image}\nADD http://example.invalid/x /x\n`);
      r = await dk(['build', bad], { env: { DOCKER_BUILDKIT: '0' } });
      assert.notEqual(r.code, 0);
      // the daemon fetches the URL itself; this host name cannot resolve
      assert.match(r.stdout + r.stderr, /example\.invalid/);
    } finally {
      fs.rmSync(bad, { recursive: true, force: true });
    }
  });

  test('a Dockerfile on stdin, -f outside the context, -q and --iidfile', T, async () => {
    const r = await dk(['build', '-q', '-'], { input: `FROM ${t.image}\nCMD ["echo", "from stdin"]\n`, env: { DOCKER_BUILDKIT: '0' } });
    const id = ok(r).trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(ok(await dk(['run', '--rm', id])), 'from stdin\n');
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'bdf-'));
    try {
      fs.writeFileSync(path.join(elsewhere, 'My.Dockerfile'), `FROM ${t.image}\nCOPY a.txt /a.txt\nCMD ["cat", "/a.txt"]\n`);
      const iid = path.join(elsewhere, 'iid');
      ok(await dk(['build', '-f', path.join(elsewhere, 'My.Dockerfile'), '--iidfile', iid, ctx], { env: { DOCKER_BUILDKIT: '0' } }));
      assert.equal(ok(await dk(['run', '--rm', fs.readFileSync(iid, 'utf8').trim()])), 'hello file\n');
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
