// End-to-end: what a production kubelet sends beyond the basics: the pod's cgroup parent (every
// container of the pod under it), PID namespace sharing (POD, CONTAINER, NODE, TARGET), reopening a
// container's log after the kubelet rotated it, and the pod CIDR through UpdateRuntimeConfig.
// Against berthd and, with BERTH_CRI_TARGET=containerd, containerd's CRI (cgroupfs driver).
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { criE2EWithImage, codeName, podConfig, removeCgroupTree, REAL_CRI, CRI_TARGET, type Msg } from '../helpers/cri.ts';
import { registryUnavailable } from '../helpers/registry.ts';
import { e2eSkipReason, T, SUITE } from '../helpers/target.ts';

const skip = e2eSkipReason() || registryUnavailable();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`CRI for a production kubelet (${CRI_TARGET})`, SUITE(skip), () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cri-kubelet-'));
  const cgroupTop = `berth-e2e-kubepods-${crypto.randomBytes(4).toString('hex')}`;
  const c = criE2EWithImage();
  after(async () => {
    removeCgroupTree(cgroupTop);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const rt = (m: string, req: Msg) => c.rt.call(m, req);
  const exec = async (id: string, cmd: string[]) => {
    const r = await rt('ExecSync', { container_id: id, cmd, timeout: 20 });
    assert.equal(r.exit_code, 0, `${cmd.join(' ')}: ${r.stderr}`);
    return String(r.stdout).trim();
  };
  async function pod(config: Msg): Promise<string> {
    await c.img.call('PullImage', { image: { image: c.image } });
    return (await rt('RunPodSandbox', { config })).pod_sandbox_id as string;
  }
  async function start(podId: string, podCfg: Msg, name: string, args: string, pid = 'CONTAINER', extra: Msg = {}): Promise<string> {
    const config = { metadata: { name, attempt: 0 }, image: { image: c.image }, command: ['sh', '-c'], args: [args], linux: { security_context: { namespace_options: { network: 'POD', pid, ipc: 'POD', ...(extra.target_id ? { target_id: extra.target_id } : {}) } } }, ...(extra.log_path ? { log_path: extra.log_path } : {}) };
    const id = (await rt('CreateContainer', { pod_sandbox_id: podId, config, sandbox_config: podCfg })).container_id as string;
    await rt('StartContainer', { container_id: id });
    return id;
  }
  const pidNs = (id: string) => exec(id, ['readlink', '/proc/self/ns/pid']);

  test('linux.cgroup_parent: the sandbox and its containers live in <parent>/<id>', T, async () => {
    const cfg = podConfig('cg');
    const parent = `/${cgroupTop}/besteffort/pod${cfg.metadata.uid}`;
    cfg.linux.cgroup_parent = parent;
    const podId = await pod(cfg);
    try {
      const id = await start(podId, cfg, 'app', 'exec sleep 1000');
      const lines = (await exec(id, ['cat', '/proc/self/cgroup'])).split('\n');
      // cgroup v1 (the host's cgroup namespace): the memory hierarchy names the path; v2: the one line does
      const mem = lines.find((l) => /^\d+:memory:/.test(l)) ?? lines.find((l) => l.startsWith('0::'));
      assert.ok(mem?.endsWith(`:${parent}/${id}`), `container cgroups:\n${lines.join('\n')}`);
      // the sandbox's own process too, seen from the host
      const info = JSON.parse((await rt('PodSandboxStatus', { pod_sandbox_id: podId, verbose: true })).info.info);
      const holder = fs.readFileSync(`/proc/${info.pid}/cgroup`, 'utf8');
      assert.match(holder, new RegExp(`:${parent}/${podId}$`, 'm'));
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: podId });
    }
  });

  test('pid POD: the containers of a pod see each other; CONTAINER has its own; TARGET joins its target', T, async () => {
    const cfg = podConfig('pidpod');
    cfg.linux.security_context.namespace_options.pid = 'POD';
    const podId = await pod(cfg);
    try {
      assert.equal((await rt('PodSandboxStatus', { pod_sandbox_id: podId })).status.linux.namespaces.options.pid, 'POD');
      const a = await start(podId, cfg, 'a', 'exec sleep 12345', 'POD');
      const b = await start(podId, cfg, 'b', 'exec sleep 1000', 'POD');
      const own = await start(podId, cfg, 'own', 'exec sleep 1000', 'CONTAINER');
      const target = await start(podId, cfg, 'dbg', 'exec sleep 1000', 'TARGET', { target_id: own });
      const nsA = await pidNs(a);
      assert.equal(await pidNs(b), nsA);
      assert.notEqual(nsA, fs.readlinkSync('/proc/self/ns/pid'));
      // b sees a's process (and, with the pod's namespace, the holder as PID 1 rather than its own command)
      assert.match(await exec(b, ['sh', '-c', 'cat /proc/[0-9]*/cmdline | tr "\\0" " "']), /sleep 12345/);
      assert.doesNotMatch(await exec(b, ['cat', '/proc/1/cmdline']), /1000/);
      // PID 1 of the pod reaps the orphans of its containers, as Kubernetes' pause does (not checked against
      // containerd here: its pause image in these tests is busybox `sleep`, which reaps nothing)
      await exec(b, ['sh', '-c', 'sleep 0.3 & exit 0']);
      await sleep(1500);
      if (!REAL_CRI) assert.equal(await exec(b, ['sh', '-c', 'grep -l "^State:.*Z" /proc/[0-9]*/status || true']), '', 'no zombie in the pod');
      const nsOwn = await pidNs(own);
      assert.notEqual(nsOwn, nsA);
      assert.match(await exec(own, ['cat', '/proc/1/cmdline']), /^sleep\u00001000/);
      assert.equal(await pidNs(target), nsOwn);
      // pid NODE in a pod that is not hostPID (the kubelet never sends it): containerd puts the container in
      // the pod's namespace (not the host's, as asked); berthd refuses it
      if (REAL_CRI) assert.equal(await pidNs(await start(podId, cfg, 'node', 'exec sleep 1000', 'NODE')), nsA);
      else await assert.rejects(start(podId, cfg, 'node', 'exec sleep 1000', 'NODE'), (e) => codeName(e) === 'INVALID_ARGUMENT' && /pid NODE/.test(String(e)));
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: podId });
    }
  });

  test('pid NODE for the whole pod: the sandbox reports it, its containers share the host PID namespace', T, async () => {
    const cfg = podConfig('pidnode');
    cfg.linux.security_context.namespace_options.pid = 'NODE';
    const podId = await pod(cfg);
    try {
      assert.equal((await rt('PodSandboxStatus', { pod_sandbox_id: podId })).status.linux.namespaces.options.pid, 'NODE');
      const id = await start(podId, cfg, 'n', 'exec sleep 1000', 'NODE');
      assert.equal(await pidNs(id), fs.readlinkSync('/proc/self/ns/pid'));
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: podId });
    }
  });

  test('ReopenContainerLog: after the kubelet renamed the log away, the container writes a new one', T, async () => {
    const logDir = fs.mkdtempSync(path.join(tmp, 'logs-'));
    const cfg = podConfig('rot', { logDir });
    const podId = await pod(cfg);
    try {
      const id = await start(podId, cfg, 'ticker', 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.1; done', 'CONTAINER', { log_path: 'ticker/0.log' });
      const log = path.join(logDir, 'ticker/0.log');
      const until = async (what: string, ok: () => boolean) => {
        for (let i = 0; i < 100 && !ok(); i++) await sleep(100);
        assert.ok(ok(), what);
      };
      await until('the first log has lines', () => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('tick 2'));
      fs.renameSync(log, `${log}.20261127-000000`);
      await rt('ReopenContainerLog', { container_id: id });
      // made before the answer, as containerd (critest looks for it at once)
      assert.ok(fs.existsSync(log), 'the new log file exists when ReopenContainerLog answers');
      await until('a new log file at the path', () => fs.existsSync(log) && /stdout F tick \d+/.test(fs.readFileSync(log, 'utf8')));
      const rotated = fs.readFileSync(`${log}.20261127-000000`, 'utf8');
      const first = Number(/tick (\d+)\n?$/.exec(fs.readFileSync(log, 'utf8').split('\n')[0]!)?.[1]);
      assert.ok(first > 1 && rotated.includes(`tick ${first - 1}\n`), `the new log continues the rotated one (${first})`);

      await rt('StopContainer', { container_id: id, timeout: 0 });
      await assert.rejects(rt('ReopenContainerLog', { container_id: id }), /not running/);
      await assert.rejects(rt('ReopenContainerLog', { container_id: '0'.repeat(64) }), (e) => codeName(e) === 'NOT_FOUND');
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: podId });
    }
  });

  test('UpdateRuntimeConfig takes the pod CIDR the kubelet sends', T, async () => {
    await rt('UpdateRuntimeConfig', { runtime_config: { network_config: { pod_cidr: '10.244.1.0/24' } } });
    await rt('UpdateRuntimeConfig', { runtime_config: { network_config: { pod_cidr: '' } } });
    await rt('UpdateRuntimeConfig', { runtime_config: { network_config: { pod_cidr: '10.244.1.0/24,fd00:10:244:1::/64' } } });
    if (REAL_CRI) return; // containerd uses it only through a CNI config template, and reports it nowhere
    const config = JSON.parse((await rt('Status', { verbose: true })).info.config);
    assert.deepEqual(config.podCIDRs, ['10.244.1.0/24', 'fd00:10:244:1::/64']);
    await assert.rejects(rt('UpdateRuntimeConfig', { runtime_config: { network_config: { pod_cidr: '10.244.1.0/40' } } }), (e) => codeName(e) === 'INVALID_ARGUMENT');
  });
});
