// End-to-end: containers in a pod through the CRI, in the kubelet's order of calls (pull, run the
// pod, create, start, exec, logs, stop, remove): envs, working dir, mounts, the CRI log format, two
// containers sharing the pod's localhost and /dev/shm, exec with a timeout, bad input. Against berthd
// and, with BERTH_CRI_TARGET=containerd, containerd's CRI.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { criE2EWithImage, codeName, podConfig, removeCgroupTree, REAL_CRI, CRI_TARGET, type Msg } from '../helpers/cri.ts';
import { registryUnavailable } from '../helpers/registry.ts';
import { docker } from '../helpers/docker.ts';
import { e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok } from '../helpers/util.ts';

const skip = e2eSkipReason() || registryUnavailable();

describe(`CRI containers (${CRI_TARGET})`, SUITE(skip), () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cri-ctr-'));
  const c = criE2EWithImage();
  after(async () => {
    removeCgroupTree(cgroupTop);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const rt = (m: string, req: Msg) => c.rt.call(m, req);
  const exec = (id: string, cmd: string[], timeout = 0) => rt('ExecSync', { container_id: id, cmd, timeout });
  const cstatus = async (id: string) => (await rt('ContainerStatus', { container_id: id })).status;
  // a cgroup parent as the kubelet gives every pod (containerd measures a pod by it)
  const cgroupTop = `berth-e2e-kubepods-${crypto.randomBytes(4).toString('hex')}`;
  async function pod(name: string, logDir = '') {
    await c.img.call('PullImage', { image: { image: c.image } });
    const config = podConfig(name, { logDir });
    config.linux.cgroup_parent = `/${cgroupTop}/besteffort/pod${config.metadata.uid}`;
    const id = (await rt('RunPodSandbox', { config })).pod_sandbox_id as string;
    return { id, config };
  }
  function ctrConfig(name: string, args: string[], extra: Msg = {}): Msg {
    return { metadata: { name, attempt: 0 }, image: { image: c.image }, command: ['sh', '-c'], args, linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } }, ...extra };
  }
  async function create(p: { id: string; config: Msg }, cfg: Msg): Promise<string> {
    return (await rt('CreateContainer', { pod_sandbox_id: p.id, config: cfg, sandbox_config: p.config })).container_id;
  }

  test('a container in a pod: env, working dir, mount, exec, the CRI log, stop after the timeout, remove', T, async () => {
    const logDir = fs.mkdtempSync(path.join(tmp, 'logs-'));
    const data = fs.mkdtempSync(path.join(tmp, 'data-'));
    fs.writeFileSync(path.join(data, 'f'), 'from the host\n');
    const p = await pod('app', logDir);
    try {
      const id = await create(
        p,
        ctrConfig('web', ['echo hello; echo oops >&2; exec sleep 1000'], {
          envs: [{ key: 'FOO', value: Buffer.from('bar') }],
          working_dir: '/tmp',
          mounts: [{ container_path: '/data', host_path: data, readonly: true }],
          log_path: 'web/0.log',
          labels: { role: 'front' },
          annotations: { a: 'b' },
        }),
      );
      let s = await cstatus(id);
      assert.equal(s.state, 'CONTAINER_CREATED');
      assert.deepEqual(s.metadata, { name: 'web', attempt: 0 });
      assert.deepEqual(s.labels, { role: 'front' });
      assert.deepEqual(s.annotations, { a: 'b' });
      assert.equal(s.log_path, path.join(logDir, 'web/0.log'));
      const listed = (await rt('ListContainers', { filter: { pod_sandbox_id: p.id } })).containers;
      assert.deepEqual(listed.map((x: Msg) => [x.id, x.state, x.pod_sandbox_id]), [[id, 'CONTAINER_CREATED', p.id]]);

      await rt('StartContainer', { container_id: id });
      s = await cstatus(id);
      assert.equal(s.state, 'CONTAINER_RUNNING');
      assert.ok(BigInt(s.started_at) > 0n);
      assert.deepEqual((await rt('ListContainers', { filter: { state: { state: 'CONTAINER_RUNNING' }, label_selector: { role: 'front' } } })).containers.map((x: Msg) => x.id), [id]);

      const r = await exec(id, ['sh', '-c', 'echo $FOO; pwd; cat /data/f; echo err >&2; touch /data/x 2>/dev/null || echo read-only; exit 3']);
      assert.equal(String(r.stdout), 'bar\n/tmp\nfrom the host\nread-only\n');
      assert.equal(String(r.stderr), 'err\n');
      assert.equal(r.exit_code, 3);
      await assert.rejects(exec(id, ['sleep', '30'], 1), (e) => codeName(e) !== 'OK');
      assert.equal(String((await exec(id, ['hostname'])).stdout), 'app\n', "the pod's hostname");

      const log = fs.readFileSync(path.join(logDir, 'web/0.log'), 'utf8');
      assert.match(log, /^\d{4}-\d\d-\d\dT\S+ stdout F hello$/m);
      assert.match(log, /^\d{4}-\d\d-\d\dT\S+ stderr F oops$/m);

      // sleep as PID 1 ignores SIGTERM: the stop ends with SIGKILL after the timeout
      const t0 = Date.now();
      await rt('StopContainer', { container_id: id, timeout: 2 });
      assert.ok(Date.now() - t0 >= 1500, 'waited for the timeout');
      s = await cstatus(id);
      assert.equal(s.state, 'CONTAINER_EXITED');
      assert.equal(s.exit_code, 137);
      assert.equal(s.reason, 'Error');
      assert.ok(BigInt(s.finished_at) >= BigInt(s.started_at));

      await rt('RemoveContainer', { container_id: id });
      await assert.rejects(cstatus(id), (e) => codeName(e) === 'NOT_FOUND');
      await rt('RemoveContainer', { container_id: id });
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: p.id });
    }
  });

  test("two containers of a pod share its localhost and its IPC namespace", T, async () => {
    const p = await pod('pair');
    try {
      const server = await create(p, ctrConfig('server', ['exec nc -ll -p 9099 -e echo pong']));
      const client = await create(p, ctrConfig('client', ['exec sleep 1000']));
      await rt('StartContainer', { container_id: server });
      await rt('StartContainer', { container_id: client });
      let out = '';
      for (const deadline = Date.now() + 10_000; Date.now() < deadline && !out.includes('pong'); await new Promise((r) => setTimeout(r, 200))) {
        out = String((await exec(client, ['sh', '-c', 'nc 127.0.0.1 9099 </dev/null'], 5)).stdout);
      }
      assert.match(out, /pong/);
      const ipc = async (id: string) => String((await exec(id, ['readlink', '/proc/self/ns/ipc'])).stdout);
      assert.match(await ipc(client), /^ipc:\[\d+\]\n$/);
      assert.equal(await ipc(client), await ipc(server));
      assert.notEqual(await ipc(client), fs.readlinkSync('/proc/self/ns/ipc') + '\n');
      assert.equal((await rt('ListContainers', { filter: { pod_sandbox_id: p.id } })).containers.length, 2);
      // stopping the pod stops its containers
      await rt('StopPodSandbox', { pod_sandbox_id: p.id });
      for (const id of [server, client]) assert.equal((await cstatus(id)).state, 'CONTAINER_EXITED');
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: p.id });
    }
  });

  test('pod-to-pod traffic over the pod network', T, async () => {
    const a = await pod('pod-a');
    const b = await pod('pod-b');
    try {
      const server = await create(a, ctrConfig('server', ['exec nc -ll -p 9100 -e echo pong']));
      const client = await create(b, ctrConfig('client', ['exec sleep 1000']));
      await rt('StartContainer', { container_id: server });
      await rt('StartContainer', { container_id: client });
      const ipA = (await rt('PodSandboxStatus', { pod_sandbox_id: a.id })).status.network.ip;
      const ipB = (await rt('PodSandboxStatus', { pod_sandbox_id: b.id })).status.network.ip;
      assert.notEqual(ipA, ipB);
      let out = '';
      for (const deadline = Date.now() + 10_000; Date.now() < deadline && !out.includes('pong'); await new Promise((r) => setTimeout(r, 200))) {
        out = String((await exec(client, ['sh', '-c', `nc ${ipA} 9100 </dev/null`], 5)).stdout);
      }
      assert.match(out, /pong/);
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: a.id });
      await rt('RemovePodSandbox', { pod_sandbox_id: b.id });
    }
  });

  test('stats of a running container and of its pod', T, async () => {
    const p = await pod('stats');
    try {
      const id = await create(p, ctrConfig('busy', ['i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo x > /big; exec sleep 1000'], { labels: { s: '1' } }));
      await rt('StartContainer', { container_id: id });
      await new Promise((r) => setTimeout(r, 1500));
      const s = (await rt('ContainerStats', { container_id: id })).stats;
      assert.equal(s.attributes.id, id);
      assert.deepEqual(s.attributes.labels, { s: '1' });
      assert.ok(Number(s.cpu.usage_core_nano_seconds.value) > 0);
      assert.ok(Number(s.memory.working_set_bytes.value) > 0);
      assert.ok(s.writable_layer.fs_id.mountpoint);
      const list = (await rt('ListContainerStats', { filter: { pod_sandbox_id: p.id } })).stats;
      assert.deepEqual(list.map((x: Msg) => x.attributes.id), [id]);
      assert.deepEqual((await rt('ListContainerStats', { filter: { label_selector: { s: '2' } } })).stats, []);
      const ps = (await rt('PodSandboxStats', { pod_sandbox_id: p.id })).stats;
      assert.equal(ps.attributes.id, p.id);
      assert.ok(ps.linux.containers.some((x: Msg) => x.attributes.id === id));
      await assert.rejects(rt('ContainerStats', { container_id: 'a'.repeat(64) }), (e) => codeName(e) === 'NOT_FOUND');
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: p.id });
    }
  });

  test('bad input: an unknown pod, an unknown image, a name in use, unknown ids', T, async () => {
    await assert.rejects(rt('CreateContainer', { pod_sandbox_id: 'f'.repeat(64), config: ctrConfig('x', ['true']), sandbox_config: podConfig('x') }), (e) => codeName(e) === 'NOT_FOUND');
    const p = await pod('bad');
    try {
      await assert.rejects(create(p, { ...ctrConfig('x', ['true']), image: { image: `${c.registry.host}/cri/none:v9` } }), (e) => codeName(e) !== 'OK');
      const id = await create(p, ctrConfig('same', ['true']));
      await assert.rejects(create(p, ctrConfig('same', ['true'])), /already|reserve/i);
      await rt('RemoveContainer', { container_id: id });
      await assert.rejects(rt('StartContainer', { container_id: id }), (e) => codeName(e) === 'NOT_FOUND');
      await assert.rejects(exec('e'.repeat(64), ['true']), (e) => codeName(e) === 'NOT_FOUND');
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: p.id });
    }
  });

  test('CRI containers are containers for docker ps and docker logs', { ...T, skip: REAL_CRI && "containerd's CRI has no Docker API" }, async () => {
    const logDir = fs.mkdtempSync(path.join(tmp, 'logs-'));
    const p = await pod('visible', logDir);
    try {
      const id = await create(p, ctrConfig('talker', ['echo said-this; exec sleep 1000'], { log_path: 'talker.log' }));
      await rt('StartContainer', { container_id: id });
      const env = c.t.berthd!.env;
      const ps = ok(await docker(env, ['ps', '--no-trunc', '--format', '{{.ID}} {{.Names}}']));
      assert.match(ps, new RegExp(`${id} k8s_talker_visible_cri-test_${p.config.metadata.uid}_0`));
      let logs = '';
      for (const deadline = Date.now() + 5000; Date.now() < deadline && !logs.includes('said-this'); await new Promise((r) => setTimeout(r, 100))) logs = ok(await docker(env, ['logs', id]));
      assert.equal(logs, 'said-this\n');
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: p.id });
    }
  });
});
