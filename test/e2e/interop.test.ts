// Interop with Debian's real dockerd: the test images load and run there too (so failures of the
// same archives against berthd are berthd's), and `docker save` output of each daemon loads into
// the other. Skipped when dockerd is not installed.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { docker } from '../helpers/docker.ts';
import { startDockerd, dockerdUnavailable, type Dockerd } from '../helpers/dockerd.ts';
import { e2e, e2eSkipReason, T, SUITE, TARGET } from '../helpers/target.ts';
import { ok, uniq } from '../helpers/util.ts';
import { busyboxImportTar } from '../helpers/images.ts';

const skip = e2eSkipReason() || dockerdUnavailable() || (TARGET === 'dockerd' ? 'the target is dockerd already' : false);

describe('interop with dockerd', SUITE(skip), () => {
  const t = e2e();
  let ref: Dockerd;
  let dir: string;
  before(async () => {
    ref = await startDockerd();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-interop-'));
  }, { timeout: 120_000 });
  after(async () => {
    await ref?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, { timeout: 120_000 });

  test('the busybox archive loads and runs in dockerd, with the same image ID', T, async () => {
    assert.equal(ok(await docker(ref.env, ['load', '-i', t.archive.file])), `Loaded image: ${t.image}\n`);
    assert.equal(ok(await docker(ref.env, ['image', 'inspect', '-f', '{{.Id}}', t.image])).trim(), t.archive.id);
    assert.equal(ok(await docker(ref.env, ['run', '--rm', '--network', 'none', t.image, 'echo', 'hello'])), 'hello\n');
    assert.equal(ok(await docker(t.d.env, ['image', 'inspect', '-f', '{{.Id}}', t.image])).trim(), t.archive.id);
  });

  test('docker save from berthd loads into dockerd, and back', T, async () => {
    const tag = `${uniq('interop')}:v1`;
    ok(await docker(t.d.env, ['import', '-c', 'CMD ["echo","interop"]', await busyboxImportTar(), tag]));
    const fromBerth = path.join(dir, 'from-berth.tar');
    ok(await docker(t.d.env, ['save', '-o', fromBerth, tag]));
    assert.equal(ok(await docker(ref.env, ['load', '-i', fromBerth])), `Loaded image: ${tag}\n`);
    assert.equal(ok(await docker(ref.env, ['run', '--rm', '--network', 'none', tag])), 'interop\n');
    const id = ok(await docker(t.d.env, ['image', 'inspect', '-f', '{{.Id}}', tag])).trim();
    assert.equal(ok(await docker(ref.env, ['image', 'inspect', '-f', '{{.Id}}', tag])).trim(), id);

    const fromDocker = path.join(dir, 'from-docker.tar');
    ok(await docker(ref.env, ['save', '-o', fromDocker, tag]));
    ok(await docker(t.d.env, ['rmi', tag]));
    assert.equal(ok(await docker(t.d.env, ['load', '-i', fromDocker])), `Loaded image: ${tag}\n`);
    assert.equal(ok(await docker(t.d.env, ['run', '--rm', tag])), 'interop\n');
    assert.equal(ok(await docker(t.d.env, ['image', 'inspect', '-f', '{{.Id}}', tag])).trim(), id);
  });

  test('docker export from dockerd imports into berthd', T, async () => {
    const c = ok(await docker(ref.env, ['create', '--network', 'none', t.image, 'true'])).trim();
    const file = path.join(dir, 'export.tar');
    ok(await docker(ref.env, ['export', '-o', file, c]));
    const tag = `${uniq('exported')}:v1`;
    ok(await docker(t.d.env, ['import', file, tag]));
    assert.equal(ok(await docker(t.d.env, ['run', '--rm', tag, '/bin/sh', '-c', 'echo $((40+2))'])), '42\n');
    ok(await docker(t.d.env, ['rmi', tag]));
  });

  test('the same Dockerfile builds to the same image config in dockerd and in berthd', T, async () => {
    const ctx = fs.mkdtempSync(path.join(dir, 'build-'));
    fs.writeFileSync(path.join(ctx, 'a.txt'), 'hello\n');
    // the classic builder's instruction set (dockerd's classic builder has no COPY --chmod)
    fs.writeFileSync(
      path.join(ctx, 'Dockerfile'),
      `ARG BASE=${t.image}
FROM \${BASE} AS base
ARG GREETING=hi
ENV APP=/app NAME="my app" GREETING=\${GREETING}
WORKDIR $APP
COPY --chown=65534:65534 a.txt .
RUN echo "\${GREETING:-none}" > run.txt
LABEL org.test=yes other="two words"
EXPOSE 8080/tcp 9000 53/udp
VOLUME /data ["/logs"]
SHELL ["/bin/sh", "-c"]
ONBUILD RUN echo triggered
HEALTHCHECK --interval=5s --timeout=2s --start-period=1s --retries=2 CMD test -f /app/run.txt
STOPSIGNAL SIGINT
USER nobody
ENTRYPOINT ["sh", "-c"]
CMD ["cat /app/run.txt"]
`,
    );
    const tag = `${uniq('same')}:v1`;
    const configs: Record<string, unknown>[] = [];
    for (const env of [ref.env, t.d.env]) {
      if (env === ref.env) ok(await docker(env, ['load', '-i', t.archive.file]));
      ok(await docker(env, ['build', '-q', '--network', 'none', '--build-arg', 'GREETING=hey', '-t', tag, ctx], { env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 }));
      configs.push(JSON.parse(ok(await docker(env, ['image', 'inspect', '-f', '{{json .Config}}', tag]))));
      assert.equal(ok(await docker(env, ['run', '--rm', '--network', 'none', tag])), 'hey\n');
    }
    const [fromDockerd, fromBerthd] = configs;
    for (const field of ['Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User', 'ExposedPorts', 'Volumes', 'Labels', 'Healthcheck', 'StopSignal', 'OnBuild', 'Shell']) {
      assert.deepEqual(fromBerthd![field], fromDockerd![field], `Config.${field}`);
    }
  });
});
