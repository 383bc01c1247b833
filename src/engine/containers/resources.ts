// Resource settings checked as dockerd checks them before a container is created or updated:
// impossible combinations are refused with Docker's messages (400), and what the host cannot
// enforce is accepted with Docker's warnings. Ulimits above what this daemon may grant (it has no
// CAP_SYS_RESOURCE to raise a hard limit) are refused here instead of failing at start.
import fs from 'node:fs';
import os from 'node:os';
import { invalidParameter } from '../../errdefs.ts';
import { cgroupLayout } from '../../platform/linux/cgroups.ts';
import { hostRlimits } from '../../platform/linux/rlimits.ts';

const MIN_MEMORY = 6 * 1024 * 1024;

export interface HostResources {
  ncpu: number;
  /** the cpus and memory nodes containers may use, as cpuset lists ("0-1") */
  cpus: string;
  mems: string;
  swapLimit: boolean;
  blkioWeight: boolean;
  oomKillDisable: boolean;
  /** RLIMIT_* → hard limit */
  hardLimits: Record<string, number>;
}

let cached: HostResources | undefined;

export function hostResources(): HostResources {
  if (cached) return cached;
  const layout = cgroupLayout();
  const ctl = (name: string) => layout.controllers[name];
  const exists = (p: string | undefined) => !!p && fs.existsSync(p);
  const read = (p: string, fallback: string) => {
    try {
      return fs.readFileSync(p, 'utf8').trim() || fallback;
    } catch {
      // a cgroup file this kernel does not have: the controller's default applies
      return fallback;
    }
  };
  const ncpu = os.cpus().length;
  const v2 = layout.version === 2;
  const cpuset = v2 ? layout.root : ctl('cpuset');
  const hard: Record<string, number> = {};
  for (const [k, v] of Object.entries(hostRlimits())) hard[k] = v.hard;
  cached = {
    ncpu,
    cpus: cpuset ? read(`${cpuset}/${v2 ? 'cpuset.cpus.effective' : 'cpuset.effective_cpus'}`, `0-${ncpu - 1}`) : `0-${ncpu - 1}`,
    mems: cpuset ? read(`${cpuset}/${v2 ? 'cpuset.mems.effective' : 'cpuset.effective_mems'}`, '0') : '0',
    swapLimit: v2 ? true : exists(ctl('memory') && `${ctl('memory')}/memory.memsw.limit_in_bytes`),
    blkioWeight: v2 ? exists(`${layout.root}/io.weight`) || exists(`${layout.root}/io.bfq.weight`) || layout.controllers.io !== undefined : exists(ctl('blkio') && `${ctl('blkio')}/blkio.weight`) || exists(ctl('blkio') && `${ctl('blkio')}/blkio.bfq.weight`),
    oomKillDisable: !v2,
    hardLimits: hard,
  };
  return cached;
}

/** Docker's cpuset list ("0-2,4") as a set of numbers, or undefined when malformed. */
export function parseCpuset(list: string): Set<number> | undefined {
  const out = new Set<number>();
  if (!list.trim()) return out;
  for (const part of list.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return undefined;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) return undefined;
    for (let i = a; i <= b; i++) out.add(i);
  }
  return out;
}

export interface ResourceFields {
  Memory?: number;
  MemorySwap?: number;
  MemoryReservation?: number;
  MemorySwappiness?: number | null;
  OomKillDisable?: boolean | null;
  NanoCpus?: number;
  CpuShares?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  PidsLimit?: number | null;
  BlkioWeight?: number;
  Ulimits?: { Name: string; Soft: number; Hard: number }[] | null;
  ShmSize?: number;
}

/** Docker's default for a memory limit without a swap limit (moby's adaptContainerSettings): memory
 * plus as much swap, MemorySwap = 2 × Memory, recorded so that inspect shows it and docker update
 * checks a new limit against it. For Engine API creates only: the CRI has its own rule. */
export function defaultMemorySwap(r: ResourceFields, host: HostResources = hostResources()): void {
  if ((r.Memory ?? 0) > 0 && !r.MemorySwap && host.swapLimit) r.MemorySwap = r.Memory! * 2;
}

/** Throws Docker's 400 for impossible settings; returns Docker's warnings for unenforceable ones. */
export function checkResources(r: ResourceFields, host: HostResources = hostResources(), update = false): string[] {
  const warnings: string[] = [];
  const mem = r.Memory ?? 0;
  const swap = r.MemorySwap ?? 0;
  const reservation = r.MemoryReservation ?? 0;
  if (mem < 0 || swap < -1 || reservation < 0) throw invalidParameter('invalid memory value: a memory setting cannot be negative');
  if (mem > 0 && mem < MIN_MEMORY) throw invalidParameter('Minimum memory limit allowed is 6MB');
  if (swap > 0 && !host.swapLimit) {
    warnings.push('Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.');
  } else if (swap > 0 && !update) {
    if (mem === 0) throw invalidParameter('You should always set the Memory limit when using Memoryswap limit, see usage');
    if (swap < mem) throw invalidParameter('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (r.MemorySwappiness !== undefined && r.MemorySwappiness !== null && r.MemorySwappiness !== -1 && (r.MemorySwappiness < 0 || r.MemorySwappiness > 100))
    throw invalidParameter(`Invalid value: ${r.MemorySwappiness}, valid memory swappiness range is 0-100`);
  if (reservation > 0 && reservation < MIN_MEMORY) throw invalidParameter('Minimum memory reservation allowed is 6MB');
  if (mem > 0 && reservation > 0 && mem < reservation) throw invalidParameter('Minimum memory limit can not be less than memory reservation limit, see usage');
  if (r.OomKillDisable) {
    if (!host.oomKillDisable) {
      warnings.push('Your kernel does not support OomKillDisable. OomKillDisable discarded.');
      r.OomKillDisable = false;
    } else if (mem === 0) warnings.push('OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.');
  }

  const nano = r.NanoCpus ?? 0;
  if (nano > 0 && (r.CpuPeriod ?? 0) > 0) throw invalidParameter('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nano > 0 && (r.CpuQuota ?? 0) > 0) throw invalidParameter('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (nano < 0 || nano > host.ncpu * 1e9) throw invalidParameter(`Range of CPUs is from 0.01 to ${host.ncpu}.00, as there are only ${host.ncpu} CPUs available`);
  if ((r.CpuShares ?? 0) < 0) throw invalidParameter(`invalid CPU shares (${r.CpuShares}): value must be a positive integer`);
  const period = r.CpuPeriod ?? 0;
  if (period !== 0 && (period < 1000 || period > 1_000_000)) throw invalidParameter('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  const quota = r.CpuQuota ?? 0;
  if (quota > 0 && quota < 1000) throw invalidParameter('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  for (const [field, value, avail] of [
    ['CPUs', r.CpusetCpus, host.cpus],
    ['memory nodes', r.CpusetMems, host.mems],
  ] as const) {
    if (!value) continue;
    const want = parseCpuset(value);
    if (!want) throw invalidParameter(`Invalid value ${value} for cpuset ${field === 'CPUs' ? 'cpus' : 'mems'}`);
    const have = parseCpuset(avail) ?? new Set<number>();
    if ([...want].some((n) => !have.has(n))) throw invalidParameter(`Requested ${field} are not available - requested ${value}, available: ${avail}`);
  }

  const weight = r.BlkioWeight ?? 0;
  if (weight > 0) {
    if (!host.blkioWeight) {
      warnings.push('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
      r.BlkioWeight = 0;
    } else if (weight < 10 || weight > 1000) throw invalidParameter('Range of blkio weight is from 10 to 1000');
  }
  if ((r.ShmSize ?? 0) < 0) throw invalidParameter('SHM size can not be less than 0');

  for (const u of r.Ulimits ?? []) {
    const key = 'RLIMIT_' + u.Name.toUpperCase();
    const max = host.hardLimits[key];
    if (max === undefined) continue;
    const hard = u.Hard < 0 ? Number.POSITIVE_INFINITY : u.Hard;
    if (hard > max) throw invalidParameter(`ulimit ${u.Name}: hard limit ${u.Hard < 0 ? 'unlimited' : u.Hard} is above this host's limit of ${max} (the daemon cannot raise it)`);
    if (u.Soft > hard) throw invalidParameter(`ulimit soft limit must be less than or equal to hard limit: ${u.Soft} > ${u.Hard}`);
  }
  return warnings;
}
