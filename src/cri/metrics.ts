// ListMetricDescriptors / ListPodSandboxMetrics: the cAdvisor metrics the kubelet's /metrics/cadvisor
// serves from the runtime when PodAndContainerStatsFromCRI is on, as far as Berth can measure them
// from each container's cgroup and its pod's network namespace. Names, help texts and labels are
// cAdvisor's; every value is read live (timestamp 0, as the CRI asks for live figures).
import os from 'node:os';
import type { ContainerService } from '../engine/containers/service.ts';
import type { ContainerRecord } from '../engine/containers/record.ts';
import type { ImageStoreService } from '../images/image-service.ts';
import { cgroupStats, networkStats, type CgroupStats } from '../platform/linux/cgroup-stats.ts';
import { L, readJsonLabel, type ContainerMetadata, type PodMetadata } from './labels.ts';
import { criObjects } from './lookup.ts';
import { criImage } from './image-view.ts';
import type { Handlers, Msg } from './server.ts';

/** cAdvisor's labels of a container metric (the kubelet's): its name, id, image, Berth's name, the pod's namespace and name */
const BASE = ['container', 'id', 'image', 'name', 'namespace', 'pod'];

interface Def {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE';
  /** the value from a container's cgroup figures, undefined when the host does not count it */
  value: (s: CgroupStats) => number | undefined;
}

const mem = (s: CgroupStats) => s.memory_stats as { usage?: number; limit?: number; failcnt?: number; stats?: Record<string, number> };
const memStat = (s: CgroupStats, v1: string, v2: string) => mem(s).stats?.[v1] ?? mem(s).stats?.[v2];

const CONTAINER_METRICS: Def[] = [
  { name: 'container_cpu_usage_seconds_total', help: 'Cumulative cpu time consumed in seconds.', type: 'COUNTER', value: (s) => s.cpu_stats.cpu_usage.total_usage / 1e9 },
  { name: 'container_cpu_user_seconds_total', help: 'Cumulative user cpu time consumed in seconds.', type: 'COUNTER', value: (s) => s.cpu_stats.cpu_usage.usage_in_usermode / 1e9 },
  { name: 'container_cpu_system_seconds_total', help: 'Cumulative system cpu time consumed in seconds.', type: 'COUNTER', value: (s) => s.cpu_stats.cpu_usage.usage_in_kernelmode / 1e9 },
  { name: 'container_cpu_cfs_periods_total', help: 'Number of elapsed enforcement period intervals.', type: 'COUNTER', value: (s) => s.cpu_stats.throttling_data.periods },
  { name: 'container_cpu_cfs_throttled_periods_total', help: 'Number of throttled period intervals.', type: 'COUNTER', value: (s) => s.cpu_stats.throttling_data.throttled_periods },
  { name: 'container_cpu_cfs_throttled_seconds_total', help: 'Total time duration the container has been throttled.', type: 'COUNTER', value: (s) => s.cpu_stats.throttling_data.throttled_time / 1e9 },
  { name: 'container_memory_usage_bytes', help: 'Current memory usage in bytes, including all memory regardless of when it was accessed', type: 'GAUGE', value: (s) => mem(s).usage },
  {
    name: 'container_memory_working_set_bytes',
    help: 'Current working set in bytes.',
    type: 'GAUGE',
    value: (s) => Math.max(0, (mem(s).usage ?? 0) - (memStat(s, 'total_inactive_file', 'inactive_file') ?? 0)),
  },
  { name: 'container_memory_rss', help: 'Size of RSS in bytes.', type: 'GAUGE', value: (s) => memStat(s, 'total_rss', 'anon') },
  { name: 'container_memory_cache', help: 'Number of bytes of page cache memory.', type: 'GAUGE', value: (s) => memStat(s, 'total_cache', 'file') },
  { name: 'container_memory_mapped_file', help: 'Size of memory mapped files in bytes.', type: 'GAUGE', value: (s) => memStat(s, 'total_mapped_file', 'file_mapped') },
  { name: 'container_memory_swap', help: 'Container swap usage in bytes.', type: 'GAUGE', value: (s) => memStat(s, 'total_swap', 'swap') },
  { name: 'container_memory_failcnt', help: 'Number of memory usage hits limits', type: 'COUNTER', value: (s) => mem(s).failcnt },
  { name: 'container_spec_memory_limit_bytes', help: 'Memory limit for the container.', type: 'GAUGE', value: (s) => mem(s).limit },
  { name: 'container_processes', help: 'Number of processes running inside the container.', type: 'GAUGE', value: (s) => s.pids_stats.current },
];

const NET: [string, string, string][] = [
  ['container_network_receive_bytes_total', 'Cumulative count of bytes received', 'rx_bytes'],
  ['container_network_receive_packets_total', 'Cumulative count of packets received', 'rx_packets'],
  ['container_network_receive_errors_total', 'Cumulative count of errors encountered while receiving', 'rx_errors'],
  ['container_network_receive_packets_dropped_total', 'Cumulative count of packets dropped while receiving', 'rx_dropped'],
  ['container_network_transmit_bytes_total', 'Cumulative count of bytes transmitted', 'tx_bytes'],
  ['container_network_transmit_packets_total', 'Cumulative count of packets transmitted', 'tx_packets'],
  ['container_network_transmit_errors_total', 'Cumulative count of errors encountered while transmitting', 'tx_errors'],
  ['container_network_transmit_packets_dropped_total', 'Cumulative count of packets dropped while transmitting', 'tx_dropped'],
];

export const METRIC_DESCRIPTORS: Msg[] = [
  ...CONTAINER_METRICS.map((d) => ({ name: d.name, help: d.help, label_keys: BASE })),
  ...NET.map(([name, help]) => ({ name, help, label_keys: [...BASE, 'interface'] })),
];

export function metricHandlers(d: { containers: ContainerService; images: ImageStoreService }): Handlers {
  const imageName = (c: ContainerRecord): string => {
    const img = d.images.images.get(c.Image);
    return (img && criImage(img, d.images.images.refs(img.id)).repo_tags[0]) || c.Image;
  };
  const metric = (name: string, type: string, labels: string[], value: number): Msg => ({ name, timestamp: '0', metric_type: type, label_values: labels, value: { value: String(Math.max(0, Math.round(value))) } });

  const podMetrics = (sb: ContainerRecord): Msg => {
    const pod = readJsonLabel<PodMetadata>(sb.Config.Labels, L.metadata, { name: '', uid: '', namespace: '', attempt: 0 });
    const members = criObjects(d.containers, 'container').filter((c) => c.Config.Labels?.[L.sandboxId] === sb.Id && c.State.Running && c.State.Pid);
    const container_metrics = members.map((c) => {
      const meta = readJsonLabel<ContainerMetadata>(c.Config.Labels, L.metadata, { name: '', attempt: 0 });
      const labels = [meta.name, c.Id, imageName(c), c.Name.replace(/^\//, ''), pod.namespace, pod.name];
      const s = cgroupStats(c.State.Pid);
      const metrics: Msg[] = [];
      for (const def of s ? CONTAINER_METRICS : []) {
        const v = def.value(s!);
        // no memory limit is reported as 0, as cAdvisor does (cgroup-stats gives the host's memory then)
        if (v !== undefined && Number.isFinite(v)) metrics.push(metric(def.name, def.type, labels, def.name === 'container_spec_memory_limit_bytes' && v >= os.totalmem() ? 0 : v));
      }
      return { container_id: c.Id, metrics };
    });
    // the pod's network counters: the holder's namespace, under cAdvisor's POD container
    const metrics: Msg[] = [];
    const net = sb.State.Running && sb.State.Pid && sb.HostConfig.NetworkMode !== 'host' ? networkStats(sb.State.Pid) : undefined;
    for (const [iface, counters] of Object.entries(net ?? {})) {
      const labels = ['POD', sb.Id, imageName(sb), sb.Name.replace(/^\//, ''), pod.namespace, pod.name, iface];
      for (const [name, , key] of NET) metrics.push(metric(name, 'COUNTER', labels, counters[key] ?? 0));
    }
    return { pod_sandbox_id: sb.Id, metrics, container_metrics };
  };

  return {
    ListMetricDescriptors() {
      return { descriptors: METRIC_DESCRIPTORS };
    },
    ListPodSandboxMetrics() {
      return { pod_metrics: criObjects(d.containers, 'sandbox').filter((sb) => sb.State.Running).map(podMetrics) };
    },
  };
}
