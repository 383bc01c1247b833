// Pod-level resources: LinuxPodSandboxConfig.resources (the sum of the pod's container limits, as
// the kubelet computes it) plus .overhead (the RuntimeClass's pod overhead) are the limits of the
// pod's cgroup (cgroup_parent), which holds the cgroups of the holder and of every container of the
// pod. The kubelet also writes them there itself with the cgroupfs driver; berthd writes them too
// so that a pod is held to them whoever drives the CRI, and again on UpdatePodSandboxResources.
import { invalidParameter } from '../errdefs.ts';
import { writeCgroupLimits, type CgroupLimits } from '../platform/linux/cgroup-limits.ts';
import type { Msg } from './server.ts';

const n = (v: unknown) => Number(v ?? 0);

/** The fields Berth applies to a pod's cgroup; any other one given is refused by name. */
function checkFields(res: Msg, what: string): void {
  if (!res) return;
  const no = (field: string) => {
    throw invalidParameter(`berthd does not support ${what}.${field} for a pod (only cpu_period, cpu_quota, cpu_shares, memory_limit_in_bytes)`);
  };
  if (n(res.memory_swap_limit_in_bytes)) no('memory_swap_limit_in_bytes');
  if (res.cpuset_cpus) no('cpuset_cpus');
  if (res.cpuset_mems) no('cpuset_mems');
  if (n(res.oom_score_adj)) no('oom_score_adj');
  if (res.hugepage_limits?.some((h: Msg) => n(h.limit) > 0)) no('hugepage_limits');
  if (res.unified && Object.keys(res.unified).length) no('unified');
  for (const f of ['cpu_period', 'cpu_quota', 'cpu_shares', 'memory_limit_in_bytes']) if (n(res[f]) < 0) throw invalidParameter(`${what}.${f} must not be negative`);
}

/** resources + overhead as the pod cgroup's limits; undefined when neither sets a limit. */
export function podLimits(resources: Msg, overhead: Msg): CgroupLimits | undefined {
  checkFields(resources, 'resources');
  checkFields(overhead, 'overhead');
  const r = resources ?? {};
  const o = overhead ?? {};
  const period = n(r.cpu_period) || n(o.cpu_period) || 100000;
  // a pod without a memory (or CPU) limit of its own stays unlimited whatever its overhead
  const memory = n(r.memory_limit_in_bytes) ? n(r.memory_limit_in_bytes) + n(o.memory_limit_in_bytes) : 0;
  const overheadQuota = n(o.cpu_quota) ? Math.round((n(o.cpu_quota) * period) / (n(o.cpu_period) || period)) : 0;
  const cpuQuota = n(r.cpu_quota) ? n(r.cpu_quota) + overheadQuota : 0;
  const cpuShares = n(r.cpu_shares) + n(o.cpu_shares);
  if (!memory && !cpuQuota && !cpuShares) return undefined;
  return { memory, cpuQuota, cpuPeriod: period, cpuShares };
}

/** Write resources + overhead to the pod's cgroup; a pod without a cgroup_parent has no cgroup of its own. */
export function applyPodResources(cgroupParent: string, resources: Msg, overhead: Msg): void {
  const limits = podLimits(resources, overhead);
  if (!limits) return;
  if (!cgroupParent) throw invalidParameter('pod-level resources (linux.resources, linux.overhead) need linux.cgroup_parent: the pod cgroup that holds them');
  writeCgroupLimits(cgroupParent, limits);
}
