// End-to-end: what docker-py's own integration suite (tests/integration of docker/docker-py 5.0.3,
// run against berthd and dockerd 20.10 side by side) found berthd doing differently, each checked as
// a client sees it, through the Engine API, with the same expectations against dockerd
// (BERTH_E2E_DAEMON=dockerd). The suite itself is not part of this repository.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok, uniq, curl } from '../helpers/util.ts';
import { startRegistry, registryUnavailable, type Registry } from '../helpers/registry.ts';
import { pushImage } from '../helpers/registry-push.ts';

describe('what docker-py relies on', SUITE(e2eSkipReason()), () => {
  const t = e2e();
  const dk = (args: string[]) => docker(t.d.env, args);
  const api = (method: string, p: string, body?: unknown) => curl(t.d.socket, method, p, body === undefined ? undefined : JSON.stringify(body));

  test('JSON keys name fields case-insensitively, as Go decodes them: docker-py sends exec "detachKeys"', T, async () => {
    const n = uniq('dk');
    ok(await dk(['run', '-d', '--name', n, t.image, 'sleep', '300']));
    try {
      const r = await api('POST', `/containers/${n}/exec`, { cmd: ['cat'], detachKeys: 'ctrl-p', tty: true, attachStdin: true, AttachStdout: true });
      assert.equal(r.status, 201, r.body);
      const x = (await api('GET', `/exec/${r.json.Id}/json`)).json;
      // (inspect shows the keys' bytes, base64-encoded: moby's []byte field; ctrl-p is 0x10)
      assert.equal(x.DetachKeys, 'EA==');
      assert.deepEqual([x.ProcessConfig.entrypoint, x.ProcessConfig.tty, x.OpenStdin, x.OpenStdout], ['cat', true, true, true]);
    } finally {
      await dk(['rm', '-f', n]);
    }
  });

  test('a memory limit alone records twice as much MemorySwap, and docker update may lower the memory', T, async () => {
    const n = uniq('swap');
    const MB = 1024 * 1024;
    ok(await dk(['run', '-d', '--name', n, '-m', '400m', t.image, 'sleep', '300']));
    try {
      const hc = async () => JSON.parse(ok(await dk(['inspect', '-f', '{{json .HostConfig}}', n])));
      assert.deepEqual([(await hc()).Memory, (await hc()).MemorySwap], [400 * MB, 800 * MB]);
      ok(await dk(['update', '-m', '300m', n]));
      const after = await hc();
      assert.deepEqual([after.Memory, after.MemorySwap], [300 * MB, 800 * MB]);
      // the limits are the container's cgroup's: memory and memory+swap (cgroup v1), memory.max and
      // memory.swap.max, the swap alone (cgroup v2)
      const limits = `m=/sys/fs/cgroup/memory; if [ -e $m/memory.limit_in_bytes ]; then cat $m/memory.limit_in_bytes $m/memory.memsw.limit_in_bytes;
        else cat /sys/fs/cgroup/memory.max; echo $(( $(cat /sys/fs/cgroup/memory.max) + $(cat /sys/fs/cgroup/memory.swap.max) )); fi`;
      assert.equal(ok(await dk(['exec', n, 'sh', '-c', limits])), `${300 * MB}\n${800 * MB}\n`);
    } finally {
      await dk(['rm', '-f', n]);
    }
  });

  test('--volume-driver is looked up only when a volume needs it: recorded when none does', T, async () => {
    const n = uniq('vd');
    ok(await dk(['create', '--name', n, '--volume-driver', 'foo', t.image, 'true']));
    try {
      assert.equal(ok(await dk(['inspect', '-f', '{{.HostConfig.VolumeDriver}}', n])), 'foo\n');
    } finally {
      await dk(['rm', '-f', n]);
    }
    // a named volume of -v (or an image's VOLUME) is made by that driver: it has to exist
    const r = await api('POST', `/containers/create?name=${uniq('vd')}`, { Image: t.image, HostConfig: { VolumeDriver: 'foo', Binds: [`${uniq('vol')}:/data`] } });
    assert.equal(r.status >= 400, true, r.body);
    assert.match(r.json.message, /error looking up volume plugin foo: plugin "foo" not found/);
    assert.equal((await api('GET', '/containers/json?all=1')).json.length, 0);
  });

  test("an endpoint's DriverOpts are recorded and shown by inspect, at create and at network connect", T, async () => {
    const n = uniq('eo');
    const net = uniq('eonet');
    ok(await dk(['network', 'create', net]));
    try {
      const r = await api('POST', `/containers/create?name=${n}`, { Image: t.image, Cmd: ['sleep', '300'], HostConfig: { NetworkMode: 'bridge' }, NetworkingConfig: { EndpointsConfig: { bridge: { DriverOpts: { 'com.docker-py.setting': 'on' } } } } });
      assert.equal(r.status, 201, r.body);
      ok(await dk(['start', n]));
      ok(await dk(['network', 'connect', '--driver-opt', 'x.y=z', net, n]));
      const eps = JSON.parse(ok(await dk(['inspect', '-f', '{{json .NetworkSettings.Networks}}', n])));
      assert.deepEqual(eps.bridge.DriverOpts, { 'com.docker-py.setting': 'on' });
      assert.deepEqual(eps[net].DriverOpts, { 'x.y': 'z' });
    } finally {
      await dk(['rm', '-f', n]);
      await dk(['network', 'rm', net]);
    }
  });

  describe('GET /distribution/{name}/json', { skip: registryUnavailable() }, () => {
    let registry: Registry;
    before(async () => {
      registry = await startRegistry();
    });
    after(async () => {
      await registry?.stop();
    });

    test("a registry's descriptor of a tag or a digest, and the platform of the image's config", T, async () => {
      const pushed = await pushImage(registry.host, 'dpy/inspect', 'v1');
      const arch = process.arch === 'x64' ? 'amd64' : process.arch;
      for (const name of [`${registry.host}/dpy/inspect:v1`, `${registry.host}/dpy/inspect@${pushed.digest}`]) {
        const r = await api('GET', `/distribution/${name}/json`);
        assert.equal(r.status, 200, r.body);
        assert.equal(r.json.Descriptor.digest, pushed.digest);
        assert.equal(r.json.Descriptor.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
        assert.ok(r.json.Descriptor.size > 0);
        assert.deepEqual(r.json.Platforms, [{ architecture: arch, os: 'linux' }]);
      }
      // no tag is :latest, which is not there
      const missing = await api('GET', `/distribution/${registry.host}/dpy/inspect/json`);
      assert.notEqual(missing.status, 200, missing.body);
      assert.match(missing.json.message, /manifest unknown/);
      // nothing was pulled
      assert.equal((await api('GET', '/images/json')).json.some((i: { RepoTags?: string[] }) => (i.RepoTags ?? []).some((t) => t.includes('dpy/inspect'))), false);
    });
  });
});
