// End-to-end: the CRI calls of newer kubelets, in the kubelet's order of calls: RuntimeConfig at
// start-up (the cgroup driver), pod-level resources and overhead on RunPodSandbox and
// UpdatePodSandboxResources (the pod cgroup's limits), the Stream* versions of the List calls
// (CRIListStreaming) and the cAdvisor metrics (ListMetricDescriptors, ListPodSandboxMetrics). Against
// berthd and, with BERTH_CRI_TARGET=containerd, containerd 1.6's CRI, which predates most of these
// calls: where it answers UNIMPLEMENTED the test says what current containerd does.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { criE2EWithImage, codeName, podConfig, removeCgroupTree, REAL_CRI, CRI_TARGET, type Msg } from '../helpers/cri.ts';
import { criServices } from '../../src/cri/proto.ts';
import { registryUnavailable } from '../helpers/registry.ts';
import { e2eSkipReason, T, SUITE } from '../helpers/target.ts';

const skip = e2eSkipReason() || registryUnavailable();
const MiB = 1 << 20;

describe(`CRI pod-level resources, list streams, metrics (${CRI_TARGET})`, SUITE(skip), () => {
  const c = criE2EWithImage();
  const cgroupTop = `berth-e2e-kubepods-${crypto.randomBytes(4).toString('hex')}`;
  after(async () => {
    removeCgroupTree(cgroupTop);
  });

  const rt = (m: string, req: Msg) => c.rt.call(m, req);
  async function pod(name: string, edit: (cfg: Msg) => void = () => {}) {
    await c.img.call('PullImage', { image: { image: c.image } });
    const config = podConfig(name);
    config.linux.cgroup_parent = `/${cgroupTop}/burstable/pod${config.metadata.uid}`;
    edit(config);
    const id = (await rt('RunPodSandbox', { config })).pod_sandbox_id as string;
    return { id, config };
  }
  async function start(p: { id: string; config: Msg }, name: string): Promise<string> {
    const config = { metadata: { name, attempt: 0 }, image: { image: c.image }, command: ['sh', '-c', 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exec sleep 1000'], linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } } };
    const id = (await rt('CreateContainer', { pod_sandbox_id: p.id, config, sandbox_config: p.config })).container_id;
    await rt('StartContainer', { container_id: id });
    return id;
  }
  /** a server-streaming call: every message until EOF */
  function stream(service: 'RuntimeService' | 'ImageService', method: string, req: Msg): Promise<Msg[]> {
    const cl = new (criServices()[service])(c.t.address, grpc.credentials.createInsecure());
    return new Promise<Msg[]>((resolve, reject) => {
      const out: Msg[] = [];
      const s = (cl as unknown as Record<string, (r: Msg) => grpc.ClientReadableStream<Msg>>)[method]!.call(cl, req);
      s.on('data', (m: Msg) => out.push(m));
      s.on('error', reject);
      s.on('end', () => resolve(out));
    }).finally(() => cl.close());
  }
  const v1 = (ctrl: string, cg: string, file: string) => fs.readFileSync(path.join('/sys/fs/cgroup', ctrl, cg, file), 'utf8').trim();
  const cgroupV1 = fs.existsSync('/sys/fs/cgroup/memory');

  test('RuntimeConfig: the cgroup driver the kubelet must use', T, async () => {
    if (REAL_CRI) {
      // containerd 1.6 predates the call; current containerd answers from its runc options (SystemdCgroup)
      await assert.rejects(rt('RuntimeConfig', {}), (e) => codeName(e) === 'UNIMPLEMENTED');
      return;
    }
    assert.deepEqual(await rt('RuntimeConfig', {}), { linux: { cgroup_driver: 'CGROUPFS' } });
  });

  test("pod-level resources and overhead are the pod cgroup's limits, updated by UpdatePodSandboxResources", { ...T, skip: !cgroupV1 && 'reads cgroup v1 files' }, async () => {
    const resources = { cpu_period: 100000, cpu_quota: 50000, cpu_shares: 512, memory_limit_in_bytes: 64 * MiB };
    const overhead = { cpu_period: 100000, cpu_quota: 10000, cpu_shares: 10, memory_limit_in_bytes: 16 * MiB };
    const p = await pod('res', (cfg) => Object.assign(cfg.linux, { resources, overhead }));
    const cg = p.config.linux.cgroup_parent;
    try {
      await start(p, 'app');
      if (REAL_CRI) {
        // containerd leaves the pod cgroup to the kubelet, which writes these limits there itself (current
        // containerd hands them to NRI plugins too); berthd writes them so that they hold whoever drives the CRI
        assert.ok(Number(v1('memory', cg, 'memory.limit_in_bytes')) > 1 << 40);
        await assert.rejects(rt('UpdatePodSandboxResources', { pod_sandbox_id: p.id, resources: { ...resources, memory_limit_in_bytes: 128 * MiB } }), (e) => codeName(e) === 'UNIMPLEMENTED');
        return;
      }
      assert.equal(Number(v1('memory', cg, 'memory.limit_in_bytes')), 80 * MiB);
      assert.equal(v1('cpu', cg, 'cpu.cfs_quota_us'), '60000');
      assert.equal(v1('cpu', cg, 'cpu.cfs_period_us'), '100000');
      assert.equal(v1('cpu', cg, 'cpu.shares'), '522');
      await rt('UpdatePodSandboxResources', { pod_sandbox_id: p.id, resources: { ...resources, memory_limit_in_bytes: 128 * MiB, cpu_quota: 200000 }, overhead });
      assert.equal(Number(v1('memory', cg, 'memory.limit_in_bytes')), 144 * MiB);
      assert.equal(v1('cpu', cg, 'cpu.cfs_quota_us'), '210000');
      await assert.rejects(rt('UpdatePodSandboxResources', { pod_sandbox_id: 'f'.repeat(64), resources }), (e) => codeName(e) === 'NOT_FOUND');
      await assert.rejects(rt('UpdatePodSandboxResources', { pod_sandbox_id: p.id, resources: { ...resources, cpuset_cpus: '0' } }), (e) => codeName(e) === 'INVALID_ARGUMENT' && /cpuset_cpus/.test(String(e)));
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: p.id });
    }
    // what berthd cannot hold a pod to is refused; containerd takes it (the kubelet sends only cpu and memory)
    const bad = podConfig('badres');
    bad.linux.cgroup_parent = `/${cgroupTop}/burstable/pod${bad.metadata.uid}`;
    bad.linux.resources = { cpuset_mems: '0', memory_limit_in_bytes: 64 * MiB };
    const noParent = podConfig('noparent');
    noParent.linux.resources = { memory_limit_in_bytes: 64 * MiB };
    for (const [config, why] of [[bad, /cpuset_mems/], [noParent, /cgroup_parent/]] as const) {
      if (REAL_CRI) await rt('RemovePodSandbox', { pod_sandbox_id: (await rt('RunPodSandbox', { config })).pod_sandbox_id });
      else await assert.rejects(rt('RunPodSandbox', { config }), (e) => codeName(e) === 'INVALID_ARGUMENT' && why.test(String(e)));
    }
  });

  test('the Stream* calls give the List calls’ items, then EOF; the metrics of a running pod', T, async () => {
    const p = await pod('streamed', (cfg) => (cfg.labels = { s: 'yes' }));
    try {
      const ctr = await start(p, 'app');
      await new Promise((r) => setTimeout(r, 1000));
      const calls: [string, Msg, string][] = [
        ['StreamPodSandboxes', { filter: { label_selector: { s: 'yes' } } }, 'pod_sandboxes'],
        ['StreamContainers', { filter: { pod_sandbox_id: p.id } }, 'containers'],
        ['StreamContainerStats', { filter: { pod_sandbox_id: p.id } }, 'container_stats'],
        ['StreamPodSandboxStats', { filter: { id: p.id } }, 'pod_sandbox_stats'],
      ];
      if (REAL_CRI) {
        // containerd 1.6 predates them (cri-api 0.36, feature gate CRIListStreaming)
        for (const [m, req] of calls) await assert.rejects(stream('RuntimeService', m, req), (e) => codeName(e) === 'UNIMPLEMENTED', m);
        await assert.rejects(stream('ImageService', 'StreamImages', {}), (e) => codeName(e) === 'UNIMPLEMENTED');
        // containerd 1.6 predates the metrics calls; current containerd lists its own descriptors (labels id, name)
        await assert.rejects(rt('ListMetricDescriptors', {}), (e) => codeName(e) === 'UNIMPLEMENTED');
        await assert.rejects(rt('ListPodSandboxMetrics', {}), (e) => codeName(e) === 'UNIMPLEMENTED');
        return;
      }
      const ids = async (m: string, req: Msg, field: string) => (await stream('RuntimeService', m, req)).flatMap((x) => x[field]).map((x: Msg) => x.id ?? x.attributes.id);
      assert.deepEqual(await ids(...calls[0]!), [p.id]);
      assert.deepEqual(await ids(...calls[1]!), [ctr]);
      assert.deepEqual(await ids(...calls[2]!), [ctr]);
      assert.deepEqual(await ids(...calls[3]!), [p.id]);
      // nothing matches: no message at all, only EOF (each message holds at least one item)
      assert.deepEqual(await stream('RuntimeService', 'StreamContainers', { filter: { id: 'no-such-id' } }), []);
      const imgs = (await stream('ImageService', 'StreamImages', {})).flatMap((x) => x.images);
      assert.ok(imgs.some((i: Msg) => i.repo_tags.includes(c.image)));

      const descriptors = (await rt('ListMetricDescriptors', {})).descriptors as Msg[];
      const cpu = descriptors.find((x) => x.name === 'container_cpu_usage_seconds_total');
      assert.deepEqual(cpu?.label_keys, ['container', 'id', 'image', 'name', 'namespace', 'pod']);
      assert.ok(descriptors.some((x) => x.name === 'container_network_receive_bytes_total' && x.label_keys.includes('interface')));
      const metrics = ((await rt('ListPodSandboxMetrics', {})).pod_metrics as Msg[]).find((x) => x.pod_sandbox_id === p.id);
      assert.ok(metrics, 'the pod has metrics');
      const cm = metrics.container_metrics.find((x: Msg) => x.container_id === ctr);
      const ws = cm.metrics.find((x: Msg) => x.name === 'container_memory_working_set_bytes');
      assert.ok(Number(ws.value.value) > 0);
      assert.deepEqual(ws.label_values.slice(0, 2), ['app', ctr]);
      assert.equal(ws.label_values[5], 'streamed');
      assert.ok(metrics.metrics.some((x: Msg) => x.name === 'container_network_transmit_bytes_total' && x.label_values[6] === 'eth0'));
      const streamed = (await stream('RuntimeService', 'StreamPodSandboxMetrics', {})).flatMap((x) => x.pod_sandbox_metrics);
      assert.ok(streamed.some((x: Msg) => x.pod_sandbox_id === p.id));
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: p.id });
    }
  });
});
