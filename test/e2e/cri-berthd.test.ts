// End-to-end, berthd only: what makes Berth's CRI more than containerd's — one state with the Engine
// API across a daemon restart, and the sandboxed runtime as a runtime handler. (containerd keeps
// its pods across its own restart too, but this machine's containerd has no gVisor shim.)
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { criClients, codeName, podConfig, REAL_CRI, type Msg } from '../helpers/cri.ts';
import { startBerthd, type Berthd } from '../helpers/berthd.ts';
import { registryUnavailable, type Registry } from '../helpers/registry.ts';
import { startCriBerthd, stopCriBerthd } from '../helpers/cri-berthd.ts';
import { docker } from '../helpers/docker.ts';
import { e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok } from '../helpers/util.ts';
import { spawnSync } from 'node:child_process';

const skip = e2eSkipReason() || registryUnavailable() || (REAL_CRI && 'berthd only: the Engine API beside the CRI, gVisor as a handler');
const noRunsc = spawnSync('sh', ['-c', 'command -v runsc']).status !== 0 && 'runsc is not installed';

describe('CRI on berthd: one state, restarts, runtime handlers', SUITE(skip), () => {
  let d: Berthd;
  let reg: Registry;
  let image = '';
  let cri: ReturnType<typeof criClients>;
  const rt = (m: string, req: Msg) => cri.rt.call(m, req);
  const ctr = (name: string, args: string[]) => ({ metadata: { name, attempt: 0 }, image: { image }, command: ['sh', '-c'], args, linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } } });

  test('setup', T, async () => {
    ({ d, reg, image, cri } = await startCriBerthd());
  });
  after(async () => await stopCriBerthd({ d, reg, cri }));

  test('pods and containers keep running and listed across a berthd restart', T, async () => {
    const config = podConfig('survivor');
    const pod = (await rt('RunPodSandbox', { config })).pod_sandbox_id;
    const id = (await rt('CreateContainer', { pod_sandbox_id: pod, config: ctr('app', ['exec sleep 1000']), sandbox_config: config })).container_id;
    await rt('StartContainer', { container_id: id });
    cri.rt.close();
    cri.img.close();
    await d.restart();
    cri = criClients(`unix://${d.root}/cri.sock`);
    assert.equal((await rt('PodSandboxStatus', { pod_sandbox_id: pod })).status.state, 'SANDBOX_READY');
    assert.equal((await rt('ContainerStatus', { container_id: id })).status.state, 'CONTAINER_RUNNING');
    assert.equal(String((await rt('ExecSync', { container_id: id, cmd: ['echo', 'still'] })).stdout), 'still\n');
    assert.match(ok(await docker(d.env, ['ps', '--format', '{{.Names}}'])), /k8s_app_survivor_cri-test_/);
    await rt('RemovePodSandbox', { pod_sandbox_id: pod });
    assert.doesNotMatch(ok(await docker(d.env, ['ps', '-a', '--format', '{{.Names}}'])), /survivor/);
  });

  test('Status lists each runtime as a handler; a pod with RuntimeHandler runsc runs under gVisor', { ...T, skip: noRunsc }, async () => {
    const s = await rt('Status', {});
    const names = s.runtime_handlers.map((h: Msg) => h.name);
    assert.ok(names.includes('runc') && names.includes('runsc'), names.join(','));
    const config = podConfig('sandboxed');
    const pod = (await rt('RunPodSandbox', { config, runtime_handler: 'runsc' })).pod_sandbox_id;
    try {
      assert.equal((await rt('PodSandboxStatus', { pod_sandbox_id: pod })).status.runtime_handler, 'runsc');
      const id = (await rt('CreateContainer', { pod_sandbox_id: pod, config: ctr('inside', ['exec sleep 1000']), sandbox_config: config })).container_id;
      await rt('StartContainer', { container_id: id });
      const r = await rt('ExecSync', { container_id: id, cmd: ['dmesg'] });
      assert.match(String(r.stdout), /gVisor/);
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: pod });
    }
  });

  test('a runsc pod cannot share a PID namespace (each container is its own gVisor sandbox): refused, not ignored', { ...T, skip: noRunsc }, async () => {
    const config = podConfig('sandboxed-pid');
    config.linux.security_context.namespace_options.pid = 'POD';
    const gvisorOnly = (e: unknown) => codeName(e) === 'INVALID_ARGUMENT' && /pid POD is not supported by runtime handler runsc/.test(String(e));
    await assert.rejects(rt('RunPodSandbox', { config, runtime_handler: 'runsc' }), gvisorOnly);
    // a pod of its own namespaces, asked to share one by its container
    config.linux.security_context.namespace_options.pid = 'CONTAINER';
    const pod = (await rt('RunPodSandbox', { config, runtime_handler: 'runsc' })).pod_sandbox_id;
    try {
      const c = ctr('shared', ['exec sleep 1000']);
      c.linux.security_context.namespace_options.pid = 'POD';
      await assert.rejects(rt('CreateContainer', { pod_sandbox_id: pod, config: c, sandbox_config: config }), gvisorOnly);
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: pod });
    }
  });
});
