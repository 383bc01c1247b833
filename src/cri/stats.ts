// ContainerStats / ListContainerStats / PodSandboxStats / ListPodSandboxStats: the cgroup counters
// of Berth's containers in the CRI's terms (the working set as the kubelet computes it: usage minus
// inactive file pages), CPU nano-cores from the previous sample, and the writable layer's usage.
import type { ContainerService } from '../engine/containers/service.ts';
import type { ImageStoreService } from '../images/image-service.ts';
import type { ContainerRecord } from '../engine/containers/record.ts';
import { cgroupStats } from '../platform/linux/cgroup-stats.ts';
import { L, readJsonLabel, matchesSelector, stringMap } from './labels.ts';
import { criObjects, getCri } from './lookup.ts';
import { cachedUsage, type Usage } from './disk-usage.ts';
import type { Handlers, Msg } from './server.ts';

interface CpuSample {
  at: bigint;
  total: number;
}

export function statsHandlers(d: { containers: ContainerService; images: ImageStoreService }): Handlers {
  const lastCpu = new Map<string, CpuSample>();
  const layerUsage = new Map<string, () => Promise<Usage>>();
  const writable = async (c: ContainerRecord): Promise<Msg> => {
    let upper: string;
    try {
      upper = d.images.graphDriverData(c.Id).UpperDir;
    } catch {
      return null;
    }
    let u = layerUsage.get(c.Id);
    if (!u) layerUsage.set(c.Id, (u = cachedUsage(upper, 10_000)));
    const v = await u();
    return { timestamp: String(v.timestamp), fs_id: { mountpoint: upper }, used_bytes: { value: String(v.bytes) }, inodes_used: { value: String(v.inodes) } };
  };

  const containerStats = async (c: ContainerRecord): Promise<Msg> => {
    const labels = c.Config.Labels ?? {};
    const out: Msg = { attributes: { id: c.Id, metadata: readJsonLabel(labels, L.metadata, {}), labels: readJsonLabel(labels, L.labels, {}), annotations: readJsonLabel(labels, L.annotations, {}) } };
    const cg = c.State.Running && c.State.Pid ? cgroupStats(c.State.Pid) : undefined;
    const now = BigInt(Date.now()) * 1_000_000n;
    if (cg) {
      const total = Number(cg.cpu_stats.cpu_usage.total_usage ?? 0);
      const prev = lastCpu.get(c.Id);
      lastCpu.set(c.Id, { at: now, total });
      const nanoCores = prev && now > prev.at ? Math.max(0, Math.round(((total - prev.total) * 1e9) / Number(now - prev.at))) : undefined;
      out.cpu = { timestamp: String(now), usage_core_nano_seconds: { value: String(Math.round(total)) }, ...(nanoCores !== undefined ? { usage_nano_cores: { value: String(nanoCores) } } : {}) };
      const m = cg.memory_stats as { usage?: number; limit?: number; stats?: Record<string, number> };
      const st = m.stats ?? {};
      const usage = m.usage ?? 0;
      const inactive = st.total_inactive_file ?? st.inactive_file ?? 0;
      const workingSet = Math.max(0, usage - inactive);
      out.memory = {
        timestamp: String(now),
        working_set_bytes: { value: String(workingSet) },
        ...(m.limit && m.limit !== Infinity ? { available_bytes: { value: String(Math.max(0, m.limit - workingSet)) } } : {}),
        usage_bytes: { value: String(usage) },
        rss_bytes: { value: String(st.total_rss ?? st.anon ?? 0) },
        page_faults: { value: String(st.total_pgfault ?? st.pgfault ?? 0) },
        major_page_faults: { value: String(st.total_pgmajfault ?? st.pgmajfault ?? 0) },
      };
    }
    const w = await writable(c);
    if (w) out.writable_layer = w;
    return out;
  };

  const podStats = async (sb: ContainerRecord): Promise<Msg> => {
    const labels = sb.Config.Labels ?? {};
    const members = criObjects(d.containers, 'container').filter((c) => c.Config.Labels?.[L.sandboxId] === sb.Id);
    return {
      attributes: { id: sb.Id, metadata: readJsonLabel(labels, L.metadata, {}), labels: readJsonLabel(labels, L.labels, {}), annotations: readJsonLabel(labels, L.annotations, {}) },
      linux: { containers: await Promise.all(members.filter((c) => c.State.Running).map(containerStats)) },
    };
  };

  return {
    async ContainerStats(req) {
      return { stats: await containerStats(getCri(d.containers, 'container', String(req.container_id ?? ''))) };
    },

    async ListContainerStats(req) {
      const f = req.filter ?? {};
      let items = criObjects(d.containers, 'container').filter((c) => c.State.Running);
      // forget the samples of containers that are gone
      const live = new Set(items.map((c) => c.Id));
      for (const id of [...layerUsage.keys(), ...lastCpu.keys()]) if (!live.has(id)) (layerUsage.delete(id), lastCpu.delete(id));
      if (f.id) items = items.filter((c) => c.Id.startsWith(f.id));
      if (f.pod_sandbox_id) items = items.filter((c) => (c.Config.Labels?.[L.sandboxId] ?? '').startsWith(f.pod_sandbox_id));
      const selector = stringMap(f.label_selector);
      items = items.filter((c) => matchesSelector(readJsonLabel(c.Config.Labels, L.labels, {}), selector));
      return { stats: await Promise.all(items.map(containerStats)) };
    },

    async PodSandboxStats(req) {
      return { stats: await podStats(getCri(d.containers, 'sandbox', String(req.pod_sandbox_id ?? ''))) };
    },

    async ListPodSandboxStats(req) {
      const f = req.filter ?? {};
      let items = criObjects(d.containers, 'sandbox').filter((c) => c.State.Running);
      if (f.id) items = items.filter((c) => c.Id.startsWith(f.id));
      const selector = stringMap(f.label_selector);
      items = items.filter((c) => matchesSelector(readJsonLabel(c.Config.Labels, L.labels, {}), selector));
      return { stats: await Promise.all(items.map(podStats)) };
    },
  };
}
