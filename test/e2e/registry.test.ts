// End-to-end: pull and push with the real docker CLI against the reference registry (Debian's
// docker-registry) on 127.0.0.1: shared base layers mounted across repositories, "Already exists"
// on pull, basic auth with docker login, a multi-arch index assembled by the test, bad registries
// (wrong digest, truncated blob, a registry that dies, a manifest that is not JSON; a corrupt blob
// refused again after the image was pulled and removed), and interop
// with Debian's dockerd in both directions.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { docker } from '../helpers/docker.ts';
import { startRegistry, registryUnavailable, type Registry } from '../helpers/registry.ts';
import { startDockerd, dockerdUnavailable, type Dockerd } from '../helpers/dockerd.ts';
import { e2e, e2eSkipReason, T, SUITE, TARGET, REAL_DOCKER } from '../helpers/target.ts';
import { ok, fails, uniq } from '../helpers/util.ts';

const skip = e2eSkipReason() || registryUnavailable();
const MANIFEST_TYPES = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json';

const sha256 = (b: Buffer | string) => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;

/** Raw registry calls, for the test's own uploads (the multi-arch index) and downloads. */
async function getManifest(host: string, repo: string, ref: string): Promise<{ body: Buffer; type: string }> {
  const r = await fetch(`http://${host}/v2/${repo}/manifests/${ref}`, { headers: { Accept: MANIFEST_TYPES } });
  assert.equal(r.status, 200, `GET manifest ${repo}:${ref}`);
  return { body: Buffer.from(await r.arrayBuffer()), type: r.headers.get('content-type') ?? '' };
}
async function getBlob(host: string, repo: string, digest: string): Promise<Buffer> {
  const r = await fetch(`http://${host}/v2/${repo}/blobs/${digest}`);
  assert.equal(r.status, 200, `GET blob ${digest}`);
  return Buffer.from(await r.arrayBuffer());
}
async function putBlob(host: string, repo: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  assert.equal(start.status, 202);
  const loc = new URL(start.headers.get('location')!, `http://${host}`);
  loc.searchParams.set('digest', digest);
  const put = await fetch(loc, { method: 'PUT', body: new Uint8Array(data), headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(put.status, 201, `PUT blob: ${await put.text()}`);
  return digest;
}
async function putManifest(host: string, repo: string, ref: string, body: Buffer, type: string): Promise<void> {
  const r = await fetch(`http://${host}/v2/${repo}/manifests/${ref}`, { method: 'PUT', body: new Uint8Array(body), headers: { 'Content-Type': type } });
  assert.equal(r.status, 201, `PUT manifest: ${await r.text()}`);
}

describe('registry', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, { timeoutMs: 120_000, ...o });
  let reg: Registry;
  let ctx: string;

  /** Builds FROM the test image with one RUN layer of its own. */
  async function buildOnBase(tag: string, marker: string): Promise<void> {
    const dir = fs.mkdtempSync(path.join(ctx, 'b-'));
    fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${t.image}\nRUN echo ${marker} > /marker\nCMD ["cat", "/marker"]\n`);
    ok(await dk(['build', '-q', '-t', tag, dir], { env: { DOCKER_BUILDKIT: '0' } }));
  }

  before(async () => {
    reg = await startRegistry();
    ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-reg-'));
  }, { timeout: 60_000 });
  after(async () => {
    await reg?.stop();
    if (ctx) fs.rmSync(ctx, { recursive: true, force: true });
  });

  test('push mounts the shared base across repositories; pull downloads only the layers not held', T, async () => {
    const one = `${reg.host}/one/app`;
    const two = `${reg.host}/two/app`;
    await buildOnBase(`${one}:v1`, 'first');
    await buildOnBase(`${two}:v1`, 'second');

    const p1 = ok(await dk(['push', `${one}:v1`]));
    assert.match(p1, /Pushed/);
    const digest = /v1: digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(p1)?.[1];
    assert.ok(digest, `no digest line in:\n${p1}`);

    const p2 = ok(await dk(['push', `${two}:v1`]));
    assert.match(p2, /Mounted from one\/app/, `the base layer was uploaded again:\n${p2}`);
    assert.equal(p2.match(/Pushed/g)?.length, 1, `only the second image's own layer is uploaded:\n${p2}`);

    // a repeated push uploads nothing
    const p3 = ok(await dk(['push', `${one}:v1`]));
    assert.doesNotMatch(p3, /Pushed/);
    assert.match(p3, /Layer already exists/);

    ok(await dk(['rmi', `${one}:v1`, `${two}:v1`]));
    const pull = ok(await dk(['pull', `${one}:v1`]));
    assert.match(pull, /Already exists/, `the base layer was downloaded again:\n${pull}`);
    assert.equal(pull.match(/Pull complete/g)?.length, 1, pull);
    assert.match(pull, new RegExp(`Digest: ${digest}`));
    assert.match(pull, new RegExp(`Status: Downloaded newer image for ${one.replace(/[.]/g, '\\.')}:v1`));
    assert.equal(ok(await dk(['run', '--rm', '--network', 'none', `${one}:v1`])), 'first\n');
    const repoDigests = JSON.parse(ok(await dk(['image', 'inspect', '-f', '{{json .RepoDigests}}', `${one}:v1`])));
    assert.deepEqual(repoDigests, [`${one}@${digest}`]);

    // by digest, and again: up to date
    ok(await dk(['rmi', `${one}:v1`]));
    ok(await dk(['pull', `${one}@${digest}`]));
    assert.equal(ok(await dk(['run', '--rm', '--network', 'none', `${one}@${digest}`])), 'first\n');
    ok(await dk(['pull', `${one}:v1`]));
    assert.match(ok(await dk(['pull', `${one}:v1`])), /Image is up to date/);

    fails(await dk(['pull', `${reg.host}/one/missing:v1`]), 1, /not found|manifest unknown/);
  });

  test('a layer bigger than one upload chunk goes up in pieces and comes back whole', T, async () => {
    const big = `${reg.host}/big/app:v1`;
    const dir = fs.mkdtempSync(path.join(ctx, 'big-'));
    // random bytes do not compress: a ~40 MB blob, several upload chunks
    fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${t.image}\nRUN head -c 40000000 /dev/urandom > /big && md5sum /big > /big.md5\n`);
    ok(await dk(['build', '-q', '-t', big, dir], { env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 }));
    assert.match(ok(await dk(['push', big], { timeoutMs: 120_000 })), /Pushed/);
    ok(await dk(['rmi', big]));
    assert.match(ok(await dk(['pull', big], { timeoutMs: 120_000 })), /Pull complete/);
    assert.equal(ok(await dk(['run', '--rm', '--network', 'none', big, 'md5sum', '-c', '/big.md5'])), '/big: OK\n');
    ok(await dk(['rmi', big]));
  });

  test('docker login, then push and pull with basic auth', T, async () => {
    const secure = await startRegistry({ user: 'alice', password: 's3cret' });
    try {
      const img = `${secure.host}/private/app:v1`;
      ok(await dk(['tag', t.image, img]));
      fails(await dk(['push', img]), 1, /no basic auth credentials|unauthorized|authentication required/);
      fails(await dk(['login', '-u', 'alice', '--password-stdin', secure.host], { input: 'wrong\n' }), 1, /401 Unauthorized/);
      assert.match(ok(await dk(['login', '-u', 'alice', '--password-stdin', secure.host], { input: 's3cret\n' })), /Login Succeeded/);
      ok(await dk(['push', img]));
      ok(await dk(['rmi', img]));
      ok(await dk(['pull', img]));
      assert.equal(ok(await dk(['run', '--rm', '--network', 'none', img, 'echo', 'authed'])), 'authed\n');
      ok(await dk(['logout', secure.host]));
      ok(await dk(['rmi', img]));
      fails(await dk(['pull', img]), 1, /pull access denied|no basic auth credentials|unauthorized|authentication required/);
    } finally {
      await secure.stop();
    }
  });

  test('a multi-arch index pulls the image for the requested platform', T, async () => {
    const repo = 'multi/app';
    const amd = `${reg.host}/${repo}:amd64`;
    ok(await dk(['tag', t.image, amd]));
    ok(await dk(['push', amd]));
    // an arm64 variant: the same layers under a config that says arm64 (it is never run)
    const m = await getManifest(reg.host, repo, 'amd64');
    const manifest = JSON.parse(m.body.toString());
    const config = JSON.parse((await getBlob(reg.host, repo, manifest.config.digest)).toString());
    const armConfig = Buffer.from(JSON.stringify({ ...config, architecture: 'arm64', variant: 'v8' }));
    const armConfigDigest = await putBlob(reg.host, repo, armConfig);
    const armManifest = Buffer.from(JSON.stringify({ ...manifest, config: { ...manifest.config, digest: armConfigDigest, size: armConfig.length } }));
    await putManifest(reg.host, repo, 'arm64', armManifest, m.type);
    // and a Windows one (its config says windows), which cannot be pulled here
    const winConfig = Buffer.from(JSON.stringify({ ...config, os: 'windows', 'os.version': '10.0.17763.1' }));
    const winConfigDigest = await putBlob(reg.host, repo, winConfig);
    const winManifest = Buffer.from(JSON.stringify({ ...manifest, config: { ...manifest.config, digest: winConfigDigest, size: winConfig.length } }));
    await putManifest(reg.host, repo, 'windows', winManifest, m.type);
    const hostArch = config.architecture as string;
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          { mediaType: m.type, digest: sha256(armManifest), size: armManifest.length, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
          { mediaType: m.type, digest: sha256(m.body), size: m.body.length, platform: { os: 'linux', architecture: hostArch } },
          { mediaType: m.type, digest: sha256(winManifest), size: winManifest.length, platform: { os: 'windows', architecture: hostArch, 'os.version': '10.0.17763.1' } },
        ],
      }),
    );
    await putManifest(reg.host, repo, 'multi', index, 'application/vnd.oci.image.index.v1+json');
    const multi = `${reg.host}/${repo}:multi`;

    ok(await dk(['pull', '--platform', 'linux/arm64', multi]));
    assert.equal(ok(await dk(['image', 'inspect', '-f', '{{.Os}}/{{.Architecture}}', multi])).trim(), 'linux/arm64');
    ok(await dk(['rmi', multi]));
    ok(await dk(['pull', multi]));
    assert.equal(ok(await dk(['image', 'inspect', '-f', '{{.Os}}/{{.Architecture}}', multi])).trim(), `linux/${hostArch}`);
    const rd = JSON.parse(ok(await dk(['image', 'inspect', '-f', '{{json .RepoDigests}}', multi])));
    assert.ok(rd.includes(`${reg.host}/${repo}@${sha256(index)}`), `RepoDigests names the index: ${rd}`);
    assert.equal(ok(await dk(['run', '--rm', '--network', 'none', multi, 'echo', 'native'])), 'native\n');
    fails(await dk(['pull', '--platform', 'linux/s390x', multi]), 1, /no matching manifest for linux\/s390x/);
    // (the config's OS is checked; dockerd 20.10 stops the message there, current Docker adds the cause)
    fails(await dk(['pull', '--platform', `windows/${hostArch}`, multi]), 1, REAL_DOCKER ? /image operating system "windows" cannot be used on this platform/ : /image operating system "windows" cannot be used on this platform: operating system is not supported/);

    // docker build pulls a FROM image it lacks, for the platform FROM --platform or --platform names
    ok(await dk(['rmi', multi]));
    const ctx2 = fs.mkdtempSync(path.join(ctx, 'plat-'));
    fs.writeFileSync(path.join(ctx2, 'Dockerfile'), `FROM --platform=linux/arm64 ${multi}\nLABEL built=arm\n`);
    const armTag = `${uniq('armbuilt')}:v1`;
    const built = ok(await dk(['build', '-t', armTag, ctx2], { env: { DOCKER_BUILDKIT: '0' } }));
    assert.match(built, /Pulling from multi\/app|Downloaded newer image/, built);
    assert.equal(ok(await dk(['image', 'inspect', '-f', '{{.Architecture}} {{index .Config.Labels "built"}}', armTag])).trim(), 'arm64 arm');
    fs.writeFileSync(path.join(ctx2, 'Dockerfile'), `FROM ${multi}\nRUN echo built-natively > /b\nCMD ["cat", "/b"]\n`);
    const nativeTag = `${uniq('native')}:v1`;
    ok(await dk(['build', '--pull', '-t', nativeTag, ctx2], { env: { DOCKER_BUILDKIT: '0' } }));
    assert.equal(ok(await dk(['run', '--rm', '--network', 'none', nativeTag])), 'built-natively\n');
    ok(await dk(['rmi', armTag, nativeTag]));
  });

  test('a bad registry gives a clear error, stores nothing, and the next pull succeeds', T, async () => {
    const repo = 'bad/app';
    const good = `${reg.host}/${repo}:v1`;
    await buildOnBase(good, 'bad-input');
    ok(await dk(['push', good]));
    ok(await dk(['rmi', good]));
    const m = await getManifest(reg.host, repo, 'v1');
    const manifest = JSON.parse(m.body.toString());
    const blobs = new Map<string, Buffer>();
    for (const d of [manifest.config, ...manifest.layers]) blobs.set(d.digest, await getBlob(reg.host, repo, d.digest));
    const ownLayer = manifest.layers[manifest.layers.length - 1].digest as string;

    // a fake registry that serves the real content, except what the current mode breaks
    let mode: 'digest' | 'truncate' | 'die' | 'json' | 'good' = 'digest';
    const fake = http.createServer((req, res) => {
      const u = req.url ?? '';
      if (u === '/v2/') return res.end('{}');
      if (u.includes('/manifests/')) {
        const body = mode === 'json' ? Buffer.from('<html>this is not a manifest</html>') : m.body;
        res.writeHead(200, { 'Content-Type': m.type, 'Content-Length': body.length, 'Docker-Content-Digest': mode === 'json' ? sha256(body) : sha256(m.body) });
        return res.end(req.method === 'HEAD' ? undefined : body);
      }
      const digest = u.split('/blobs/')[1];
      let blob = blobs.get(digest);
      if (!blob) return res.writeHead(404).end();
      if (digest === ownLayer && mode === 'digest') {
        blob = Buffer.from(blob);
        blob[blob.length - 1] ^= 0xff;
      }
      // byte ranges, as a real registry serves them (dockerd resumes a broken download with one)
      const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
      if (from > 0 && from < blob.length) {
        res.writeHead(206, { 'Content-Type': 'application/octet-stream', 'Content-Length': blob.length - from, 'Content-Range': `bytes ${from}-${blob.length - 1}/${blob.length}` });
        blob = blob.subarray(from);
      } else res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': blob.length });
      if (req.method === 'HEAD') return res.end();
      if (digest === ownLayer && (mode === 'truncate' || mode === 'die')) {
        res.write(blob.subarray(0, Math.floor(blob.length / 2)));
        // truncate: the connection ends early; die: the registry goes away for good
        setTimeout(() => (mode === 'die' ? (fake.closeAllConnections(), fake.close()) : res.socket?.destroy()), 50);
        return;
      }
      res.end(blob);
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    let port = (fake.address() as { port: number }).port;
    const ref = () => `127.0.0.1:${port}/${repo}:v1`;
    const imagesNamed = async () => ok(await dk(['images', '-q', `127.0.0.1:${port}/${repo}`])).trim();
    try {
      fails(await dk(['pull', ref()]), 1, /digest|verification failed/i, 'pull with a corrupt blob');
      assert.equal(await imagesNamed(), '');
      mode = 'truncate';
      fails(await dk(['pull', ref()]), 1, /unexpected EOF|truncated|terminated|closed|reset|short/i, 'pull of a truncated blob');
      assert.equal(await imagesNamed(), '');
      mode = 'json';
      fails(await dk(['pull', ref()]), 1, /manifest|JSON|invalid/i, 'pull of a manifest that is not JSON');
      assert.equal(await imagesNamed(), '');
      mode = 'die';
      fails(await dk(['pull', ref()]), 1, /./, 'pull from a registry that dies');
      assert.equal(await imagesNamed(), '');
      // the registry comes back (on the same port): the pull now succeeds and the image runs
      mode = 'good';
      await new Promise<void>((r, j) => fake.once('error', j).listen(port, '127.0.0.1', () => r()));
      port = (fake.address() as { port: number }).port;
      ok(await dk(['pull', ref()]));
      assert.equal(ok(await dk(['run', '--rm', '--network', 'none', ref()])), 'bad-input\n');
      // once the image was pulled and removed, its blobs are known: a corrupt one is still refused,
      // and the good one pulled again makes the same image
      const id = ok(await dk(['image', 'inspect', '-f', '{{.Id}} {{.RootFS.Layers}}', ref()])).trim();
      ok(await dk(['rmi', ref()]));
      mode = 'digest';
      fails(await dk(['pull', ref()]), 1, /digest|verification failed/i, 'pull again with a corrupt blob');
      assert.equal(await imagesNamed(), '');
      mode = 'good';
      ok(await dk(['pull', ref()]));
      assert.equal(ok(await dk(['image', 'inspect', '-f', '{{.Id}} {{.RootFS.Layers}}', ref()])).trim(), id);
      assert.equal(ok(await dk(['run', '--rm', '--network', 'none', ref()])), 'bad-input\n');
    } finally {
      fake.closeAllConnections();
      fake.close();
    }
  });

  const interopSkip = dockerdUnavailable() || (TARGET === 'dockerd' ? 'the target is dockerd already' : false);
  test('interop: an image pushed by dockerd runs in berthd, and one pushed by berthd runs in dockerd', { ...T, skip: interopSkip }, async () => {
    let ref: Dockerd | undefined;
    try {
      ref = await startDockerd();
      ok(await docker(ref.env, ['load', '-i', t.archive.file]));
      const fromDocker = `${reg.host}/interop/from-dockerd:v1`;
      ok(await docker(ref.env, ['tag', t.image, fromDocker]));
      ok(await docker(ref.env, ['push', fromDocker], { timeoutMs: 120_000 }));
      ok(await dk(['pull', fromDocker]));
      assert.equal(ok(await dk(['run', '--rm', '--network', 'none', fromDocker, 'echo', 'from dockerd'])), 'from dockerd\n');

      const fromBerth = `${reg.host}/interop/from-berthd:v1`;
      await buildOnBase(fromBerth, 'from-berthd');
      ok(await dk(['push', fromBerth]));
      ok(await docker(ref.env, ['pull', fromBerth], { timeoutMs: 120_000 }));
      assert.equal(ok(await docker(ref.env, ['run', '--rm', '--network', 'none', fromBerth])), 'from-berthd\n');
    } finally {
      await ref?.stop();
    }
  });
});
