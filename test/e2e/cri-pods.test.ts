// End-to-end: pod sandboxes through the CRI (run, status, list with filters, stop, remove, bad
// input) on the host network and on the pod network, against berthd and containerd's CRI.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { criE2E, codeName, podConfig, REAL_CRI, CRI_TARGET, type Msg } from '../helpers/cri.ts';
import { docker } from '../helpers/docker.ts';
import { e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok } from '../helpers/util.ts';

const skip = e2eSkipReason();

describe(`CRI pod sandboxes (${CRI_TARGET})`, SUITE(skip), () => {
  const c = criE2E();
  const run = async (config: Msg) => (await c.rt.call('RunPodSandbox', { config })).pod_sandbox_id as string;
  const status = async (id: string) => (await c.rt.call('PodSandboxStatus', { pod_sandbox_id: id })).status;
  const list = async (filter: Msg = null) => (await c.rt.call('ListPodSandbox', { filter })).items as Msg[];

  test('a pod on the host network: ready, listed with filters, stopped, removed', T, async () => {
    const cfg = podConfig('hostpod', { host: true, labels: { app: 'web', tier: 'a' }, annotations: { note: 'x' } });
    const id = await run(cfg);
    assert.match(id, /^[0-9a-f]{64}$/);
    const s = await status(id);
    assert.equal(s.id, id);
    assert.equal(s.state, 'SANDBOX_READY');
    assert.deepEqual(s.metadata, cfg.metadata);
    assert.deepEqual(s.labels, cfg.labels);
    assert.deepEqual(s.annotations, cfg.annotations);
    assert.equal(s.network.ip, '');
    assert.equal(s.linux.namespaces.options.network, 'NODE');
    assert.ok(BigInt(s.created_at) > BigInt(Date.now() - 60_000) * 1_000_000n);

    assert.ok((await list()).some((p) => p.id === id));
    assert.deepEqual((await list({ id })).map((p) => p.id), [id]);
    assert.deepEqual((await list({ label_selector: { app: 'web' } })).map((p) => p.id), [id]);
    assert.deepEqual(await list({ label_selector: { app: 'db' } }), []);
    assert.deepEqual((await list({ state: { state: 'SANDBOX_READY' }, label_selector: { tier: 'a' } })).map((p) => p.id), [id]);
    assert.deepEqual(await list({ state: { state: 'SANDBOX_NOTREADY' }, label_selector: { tier: 'a' } }), []);

    await c.rt.call('StopPodSandbox', { pod_sandbox_id: id });
    assert.equal((await status(id)).state, 'SANDBOX_NOTREADY');
    await c.rt.call('StopPodSandbox', { pod_sandbox_id: id });
    assert.deepEqual((await list({ state: { state: 'SANDBOX_NOTREADY' }, label_selector: { tier: 'a' } })).map((p) => p.id), [id]);
    await c.rt.call('RemovePodSandbox', { pod_sandbox_id: id });
    await assert.rejects(status(id), (e) => codeName(e) === 'NOT_FOUND');
    await c.rt.call('RemovePodSandbox', { pod_sandbox_id: id });
    await assert.rejects(c.rt.call('StopPodSandbox', { pod_sandbox_id: id }), (e) => codeName(e) === 'NOT_FOUND');
  });

  test('a pod on the pod network gets an address; removing a ready pod stops it first', T, async () => {
    const id = await run(podConfig('netpod'));
    const s = await status(id);
    assert.equal(s.state, 'SANDBOX_READY');
    assert.match(s.network.ip, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(s.linux.namespaces.options.network, 'POD');
    await c.rt.call('RemovePodSandbox', { pod_sandbox_id: id });
    await assert.rejects(status(id), (e) => codeName(e) === 'NOT_FOUND');
  });

  test('bad input: no metadata, a name in use, an unknown runtime handler, unknown ids', T, async () => {
    await assert.rejects(c.rt.call('RunPodSandbox', { config: { hostname: 'x' } }), (e) => codeName(e) !== 'OK');
    await assert.rejects(c.rt.call('RunPodSandbox', { config: { ...podConfig('hn', { host: true }), hostname: 'hn' } }), /hostname/);
    const cfg = podConfig('twice', { host: true });
    const id = await run(cfg);
    try {
      await assert.rejects(run(cfg), /already|reserve/i);
    } finally {
      await c.rt.call('RemovePodSandbox', { pod_sandbox_id: id });
    }
    await assert.rejects(c.rt.call('RunPodSandbox', { config: podConfig('h', { host: true }), runtime_handler: 'nope' }), /no runtime for "nope" is configured/);
    assert.equal((await list()).filter((p) => p.metadata.name === 'h').length, 0, 'no half-made pod');
    await assert.rejects(status('0'.repeat(64)), (e) => codeName(e) === 'NOT_FOUND');
  });

  test('pods are containers for docker ps, named as cri-dockerd names them', { ...T, skip: REAL_CRI && "containerd's CRI has no Docker API" }, async () => {
    const cfg = podConfig('seen', { host: true });
    const id = await run(cfg);
    try {
      const out = ok(await docker(c.t.berthd!.env, ['ps', '--no-trunc', '--format', '{{.ID}} {{.Names}}']));
      assert.match(out, new RegExp(`${id} k8s_POD_seen_cri-test_${cfg.metadata.uid}_0`));
    } finally {
      await c.rt.call('RemovePodSandbox', { pod_sandbox_id: id });
    }
  });
});
