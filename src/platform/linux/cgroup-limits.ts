// Limits written straight into a cgroup that no container owns: a Kubernetes pod's cgroup
// (/kubepods/<qos>/pod<uid>), which holds the cgroups of the pod's containers, so that the pod as a
// whole is held to the sum of its containers' limits. cgroupfs only (v1 controllers or v2).
import fs from 'node:fs';
import path from 'node:path';
import { cgroupLayout } from './cgroups.ts';

export interface CgroupLimits {
  /** bytes; 0 = no limit */
  memory: number;
  /** CFS quota and period in µs; quota 0 = no limit */
  cpuQuota: number;
  cpuPeriod: number;
  /** v1 cpu.shares (2..262144); 0 = leave as it is */
  cpuShares: number;
}

/** v1 shares as a v2 weight, as runc converts them */
function weightOfShares(shares: number): number {
  return Math.max(1, Math.min(10000, 1 + Math.floor(((shares - 2) * 9999) / 262142)));
}

/** Create the cgroup (absolute cgroupfs path such as /kubepods/burstable/pod<uid>) and set its limits. */
export function writeCgroupLimits(cgroup: string, l: CgroupLimits): void {
  const layout = cgroupLayout();
  const rel = cgroup.replace(/^\/+/, '');
  const write = (dir: string, file: string, value: string) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, file), value);
  };
  if (layout.version === 2) {
    const dir = path.join(layout.root, rel);
    // the controllers must be enabled for children along the way, as runc's fs2 manager does
    let cur = layout.root;
    for (const part of rel.split('/').filter(Boolean)) {
      for (const c of ['cpu', 'memory']) {
        try {
          fs.writeFileSync(path.join(cur, 'cgroup.subtree_control'), `+${c}`);
        } catch {
          // already enabled, or a controller this host lacks: the write below says which
        }
      }
      cur = path.join(cur, part);
      fs.mkdirSync(cur, { recursive: true });
    }
    write(dir, 'memory.max', l.memory > 0 ? String(l.memory) : 'max');
    write(dir, 'cpu.max', `${l.cpuQuota > 0 ? l.cpuQuota : 'max'} ${l.cpuPeriod || 100000}`);
    if (l.cpuShares) write(dir, 'cpu.weight', String(weightOfShares(l.cpuShares)));
    return;
  }
  const ctrl = (c: string) => path.join(layout.controllers[c] ?? path.join(layout.root, c), rel);
  write(ctrl('memory'), 'memory.limit_in_bytes', l.memory > 0 ? String(l.memory) : '-1');
  // the period first: a quota is checked against the current period
  write(ctrl('cpu'), 'cpu.cfs_period_us', String(l.cpuPeriod || 100000));
  write(ctrl('cpu'), 'cpu.cfs_quota_us', l.cpuQuota > 0 ? String(l.cpuQuota) : '-1');
  if (l.cpuShares) write(ctrl('cpu'), 'cpu.shares', String(l.cpuShares));
}
