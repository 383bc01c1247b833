// Compatibility: the npm clients people use from Node — dockerode and testcontainers — unchanged,
// against berthd on a temporary socket (or Debian's dockerd with BERTH_E2E_DAEMON=dockerd).
// testcontainers' reaper (Ryuk) is disabled: its image cannot be fetched here.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { uniq, ok, waitFor } from '../helpers/util.ts';
import { docker } from '../helpers/docker.ts';

const skip = e2eSkipReason();

function socketOf(env: { DOCKER_HOST: string }): string {
  return env.DOCKER_HOST.replace(/^unix:\/\//, '');
}

/** Everything a stream emits, as one string (demultiplexed when `demux` is given). */
async function collect(stream: NodeJS.ReadableStream, demux?: Docker): Promise<{ stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.stdout.push(c));
  err.on('data', (c: Buffer) => chunks.stderr.push(c));
  if (demux) demux.modem.demuxStream(stream, out, err);
  else stream.on('data', (c: Buffer) => chunks.stdout.push(c));
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  return { stdout: Buffer.concat(chunks.stdout).toString(), stderr: Buffer.concat(chunks.stderr).toString() };
}

describe('dockerode', SUITE(skip), () => {
  const t = e2e();
  const client = () => new Docker({ socketPath: socketOf(t.d.env) });

  test('version, info, ping and the image list', T, async () => {
    const dk = client();
    assert.equal(String(await dk.ping()), 'OK');
    const v = await dk.version();
    assert.match(v.ApiVersion, /^1\.\d+$/);
    const info = await dk.info();
    assert.equal(typeof info.Containers, 'number');
    const images = await dk.listImages({ filters: { reference: [t.image] } });
    assert.equal(images.length, 1);
    assert.deepEqual(images[0].RepoTags, [t.image]);
  });

  test('a container: create, start, logs (demultiplexed), wait, inspect, remove', T, async () => {
    const dk = client();
    const name = uniq('dode');
    const c = await dk.createContainer({ Image: t.image, name, Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], Labels: { suite: 'dockerode' } });
    await c.start();
    const res = await c.wait();
    assert.equal(res.StatusCode, 3);
    const logs = await c.logs({ stdout: true, stderr: true, follow: false });
    // dockerode returns a Buffer of framed output when not following
    const out = new PassThrough();
    const err = new PassThrough();
    const got = { o: '', e: '' };
    out.on('data', (b: Buffer) => (got.o += b));
    err.on('data', (b: Buffer) => (got.e += b));
    const src = new PassThrough();
    dk.modem.demuxStream(src, out, err);
    src.end(logs);
    await new Promise((r) => setImmediate(r));
    assert.equal(got.o, 'out\n');
    assert.equal(got.e, 'err\n');
    const info = await c.inspect();
    assert.equal(info.Name, `/${name}`);
    assert.equal(info.State.ExitCode, 3);
    assert.equal(info.Config.Labels.suite, 'dockerode');
    const listed = await dk.listContainers({ all: true, filters: { label: ['suite=dockerode'] } });
    assert.deepEqual(listed.map((x) => x.Names[0]), [`/${name}`]);
    await c.remove();
    await assert.rejects(c.inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  test('exec with a demultiplexed stream, followed logs and stats', T, async () => {
    const dk = client();
    const c = await dk.createContainer({ Image: t.image, Cmd: ['sh', '-c', 'echo started; sleep 300'], StopTimeout: 1 });
    await c.start();
    const ex = await c.exec({ Cmd: ['sh', '-c', 'echo hi-$X; echo oops >&2; exit 4'], Env: ['X=there'], AttachStdout: true, AttachStderr: true });
    const stream = await ex.start({ hijack: true, stdin: false });
    const got = await collect(stream, dk);
    assert.equal(got.stdout, 'hi-there\n');
    assert.equal(got.stderr, 'oops\n');
    assert.equal((await ex.inspect()).ExitCode, 4);
    const follow = (await c.logs({ stdout: true, follow: true })) as unknown as NodeJS.ReadableStream;
    const first = await new Promise<string>((resolve) => follow.once('data', (b: Buffer) => resolve(b.subarray(8).toString())));
    assert.equal(first, 'started\n');
    (follow as unknown as { destroy(): void }).destroy();
    const stats = await c.stats({ stream: false });
    assert.ok(stats.memory_stats.usage! > 0, 'memory usage is reported');
    assert.ok(stats.cpu_stats.system_cpu_usage! > 0, 'system CPU usage is reported');
    await c.stop();
    await c.remove();
  });

  test('networks and volumes', T, async () => {
    const dk = client();
    const net = await dk.createNetwork({ Name: uniq('dnet') });
    const vol = await dk.createVolume({ Name: uniq('dvol') });
    const c = await dk.createContainer({
      Image: t.image,
      Cmd: ['sh', '-c', 'echo data > /v/f; cat /v/f'],
      HostConfig: { NetworkMode: (await net.inspect()).Name, Binds: [`${vol.name}:/v`] },
    });
    await c.start();
    assert.equal((await c.wait()).StatusCode, 0);
    const ni = await c.inspect();
    assert.ok(ni.NetworkSettings.Networks[(await net.inspect()).Name], 'attached to the network');
    await c.remove();
    assert.ok((await dk.listVolumes()).Volumes.some((v) => v.Name === vol.name));
    await vol.remove();
    await net.remove();
  });

  test('bad input gets Docker\'s errors', T, async () => {
    const dk = client();
    await assert.rejects(dk.createContainer({ Image: 'no-such-image:here' }), (e: { statusCode?: number; message: string }) => e.statusCode === 404 && /No such image/.test(e.message));
    await assert.rejects(dk.getContainer('nope').start(), (e: { statusCode?: number }) => e.statusCode === 404);
    // an option the daemon does not support: Docker's 400, not a hang
    await assert.rejects(
      dk.createContainer({ Image: t.image, HostConfig: { LogConfig: { Type: 'no-such-driver', Config: {} } } }),
      (e: { statusCode?: number; message: string }) => e.statusCode === 400 && /error looking up logging plugin no-such-driver: plugin "no-such-driver" not found/.test(e.message),
    );
  });
});

describe('testcontainers', SUITE(skip), () => {
  const t = e2e();
  // testcontainers reads these when first imported, so import after setting them
  const tc = async () => {
    process.env.DOCKER_HOST = t.d.env.DOCKER_HOST;
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
    return import('testcontainers');
  };

  test('a container waited on with a log message and a listening port', T, async () => {
    const { GenericContainer, Wait } = await tc();
    const container = await new GenericContainer(t.image)
      .withCommand(['sh', '-c', 'mkdir -p /www && echo hello-from-berth > /www/index.html && echo server ready && exec httpd -f -p 8080 -h /www'])
      .withExposedPorts(8080)
      .withWaitStrategy(Wait.forAll([Wait.forLogMessage('server ready'), Wait.forListeningPorts()]))
      .withStartupTimeout(60_000)
      .start();
    try {
      const url = `http://${container.getHost()}:${container.getMappedPort(8080)}/index.html`;
      const body = await (await fetch(url)).text();
      assert.equal(body, 'hello-from-berth\n');
      const r = await container.exec(['cat', '/www/index.html']);
      assert.equal(r.exitCode, 0);
      assert.equal(r.output, 'hello-from-berth\n');
    } finally {
      await container.stop();
    }
  });

  test('an HTTP wait on a mapped port, files copied in before and after the start and out again, exec with its options', T, async () => {
    const { GenericContainer, Wait } = await tc();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tc-'));
    fs.writeFileSync(path.join(dir, 'app.conf'), 'port=8080\n');
    const container = await new GenericContainer(t.image)
      // the server comes up a second late: the wait has to retry
      .withCommand(['sh', '-c', 'sleep 1; exec httpd -f -p 8080 -h /www'])
      .withCopyContentToContainer([{ content: 'hello-http\n', target: '/www/index.html', mode: 0o644 }])
      .withCopyFilesToContainer([{ source: path.join(dir, 'app.conf'), target: '/etc/app.conf' }])
      .withExposedPorts(8080)
      .withWaitStrategy(Wait.forHttp('/index.html', 8080).forStatusCode(200).forResponsePredicate((body) => body === 'hello-http\n'))
      .withStartupTimeout(60_000)
      .start();
    try {
      assert.equal(await (await fetch(`http://${container.getHost()}:${container.getMappedPort(8080)}/index.html`)).text(), 'hello-http\n');
      await container.copyContentToContainer([{ content: 'later\n', target: '/www/later.txt' }]);
      assert.equal(await (await fetch(`http://${container.getHost()}:${container.getMappedPort(8080)}/later.txt`)).text(), 'later\n');
      const r = await container.exec(['sh', '-c', 'echo $FOO; pwd; id -u; cat /etc/app.conf; exit 2'], { env: { FOO: 'bar' }, workingDir: '/tmp', user: '65534' });
      assert.deepEqual([r.exitCode, r.stdout, r.stderr], [2, 'bar\n/tmp\n65534\nport=8080\n', '']);
      const entries = await readTar(await container.copyArchiveFromContainer('/etc/app.conf'));
      assert.deepEqual(entries, [['app.conf', 'port=8080\n']]);
    } finally {
      await container.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a health check waited on: the container is started once Docker calls it healthy", T, async () => {
    const { GenericContainer, Wait } = await tc();
    const container = await new GenericContainer(t.image)
      .withCommand(['sh', '-c', 'sleep 2; touch /ready; exec sleep 300'])
      .withHealthCheck({ test: ['CMD-SHELL', 'test -f /ready'], interval: 500, timeout: 2000, retries: 30 })
      .withWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(60_000)
      .start();
    try {
      assert.equal(ok(await docker(t.d.env, ['inspect', '-f', '{{.State.Health.Status}}', container.getId()])), 'healthy\n');
      assert.equal((await container.exec(['test', '-f', '/ready'])).exitCode, 0);
    } finally {
      await container.stop();
    }
  });

  test('a network with an alias another container reaches the first by', T, async () => {
    const { GenericContainer, Network, Wait } = await tc();
    const network = await new Network().start();
    try {
      const web = await new GenericContainer(t.image)
        .withCommand(['sh', '-c', 'mkdir -p /www && echo via-alias > /www/index.html && echo serving && exec httpd -f -p 8080 -h /www'])
        .withNetwork(network)
        .withNetworkAliases('web')
        .withWaitStrategy(Wait.forLogMessage('serving'))
        .start();
      const client = await new GenericContainer(t.image).withCommand(['sleep', '300']).withNetwork(network).start();
      try {
        // (with aliases testcontainers creates the container on the default network and connects it
        // to this one; inspect lists the networks in the order Go writes a map: sorted)
        assert.deepEqual(web.getNetworkNames(), ['bridge', network.getName()].sort());
        assert.match(web.getIpAddress(network.getName()), /^\d+\.\d+\.\d+\.\d+$/);
        const got = await waitFor(async () => {
          const r = await client.exec(['wget', '-qO-', 'http://web:8080/index.html']);
          return r.exitCode === 0 ? r.output : undefined;
        }, 'the alias answering', 20_000, 250);
        assert.equal(got, 'via-alias\n');
      } finally {
        await client.stop();
        await web.stop();
      }
    } finally {
      await network.stop();
    }
  });

  test('withReuse(): the same configuration started twice is one container', T, async () => {
    const { GenericContainer } = await tc();
    const label = uniq('reuse');
    // reuse looks the container up by a label with the hash of its create options
    const make = () => new GenericContainer(t.image).withCommand(['sleep', '301']).withLabels({ test: label }).withReuse();
    const first = await make().start();
    try {
      const second = await make().start();
      assert.equal(second.getId(), first.getId());
      assert.equal(ok(await docker(t.d.env, ['ps', '-aq', '--filter', `label=test=${label}`])).trim().split('\n').length, 1);
    } finally {
      await first.stop();
    }
  });
});

/** The files of a tar stream, as [name, content] pairs. */
async function readTar(stream: NodeJS.ReadableStream): Promise<[string, string][]> {
  const tar = (await import('tar-stream')).default;
  const extract = tar.extract();
  const files: [string, string][] = [];
  extract.on('entry', (header, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (c) => chunks.push(c as Buffer));
    body.on('end', () => {
      if (header.type === 'file') files.push([header.name, Buffer.concat(chunks).toString()]);
      next();
    });
  });
  const done = new Promise((resolve, reject) => {
    extract.on('finish', () => resolve(undefined));
    extract.on('error', reject);
  });
  stream.pipe(extract);
  await done;
  return files;
}
