// The cgroup side of a container's OCI spec (linux.resources): Docker's HostConfig resources (memory, cpu, pids,
// blkio and its per-device throttles) and the device cgroup rules (Docker's defaults, --device-cgroup-rule). Used
// by buildSpec at create and by `docker update` on a running container.
import fs from 'node:fs';
import type { OciDeviceCgroup, OciResources } from './oci.ts';
import { invalidParameter } from '../errdefs.ts';

const dev = (type: string, major: number | undefined, minor: number | undefined, allow: boolean): OciDeviceCgroup => {
  const d: OciDeviceCgroup = { allow, access: 'rwm' };
  if (type) d.type = type;
  if (major !== undefined) d.major = major;
  if (minor !== undefined) d.minor = minor;
  return d;
};

/** Docker's default device cgroup rules: deny all, then null, zero, full, urandom, random, tty, console, ptmx; deny /dev/rtc0's legacy node. */
export function defaultDeviceRules(): OciDeviceCgroup[] {
  return [
    dev('', undefined, undefined, false),
    dev('c', 1, 5, true),
    dev('c', 1, 3, true),
    dev('c', 1, 9, true),
    dev('c', 1, 8, true),
    dev('c', 5, 0, true),
    dev('c', 5, 1, true),
    dev('c', 10, 229, false),
  ];
}

/** --device-cgroup-rule "c 1:3 rwm" (checked at create) → an OCI device rule. */
export function deviceCgroupRule(rule: string): OciDeviceCgroup {
  const m = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/.exec(rule);
  if (!m) throw invalidParameter(`invalid device cgroup rule format: '${rule}'`);
  const id = (x: string) => (x === '*' ? undefined : Number(x));
  return { ...dev(m[1]!, id(m[2]!), id(m[3]!), true), access: m[4]! };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Docker HostConfig resources → OCI linux.resources (memory, cpu, pids, blkio weight). */
export function containerResources(r: Record<string, unknown>): Omit<OciResources, 'devices'> {
  const out: Omit<OciResources, 'devices'> = {};
  const memory: NonNullable<OciResources['memory']> = {};
  const mem = num(r.Memory);
  if (mem && mem > 0) memory.limit = mem;
  const res = num(r.MemoryReservation);
  if (res && res > 0) memory.reservation = res;
  const swap = num(r.MemorySwap);
  if (swap && swap > 0) memory.swap = swap;
  const swappiness = num(r.MemorySwappiness);
  if (swappiness !== undefined && swappiness >= 0) memory.swappiness = swappiness;
  if (typeof r.OomKillDisable === 'boolean') memory.disableOOMKiller = r.OomKillDisable;
  if (Object.keys(memory).length) out.memory = memory;

  const cpu: NonNullable<OciResources['cpu']> = {};
  const shares = num(r.CpuShares);
  if (shares) {
    if (shares < 0) throw invalidParameter(`invalid CPU shares (${shares}): value must be a positive integer`);
    cpu.shares = shares;
  }
  if (typeof r.CpusetCpus === 'string' && r.CpusetCpus) cpu.cpus = r.CpusetCpus;
  if (typeof r.CpusetMems === 'string' && r.CpusetMems) cpu.mems = r.CpusetMems;
  const nano = num(r.NanoCpus);
  if (nano && nano > 0) {
    cpu.period = 100000;
    cpu.quota = Math.floor((nano * 100000) / 1e9);
  }
  const period = num(r.CpuPeriod);
  if (period) cpu.period = period;
  const quota = num(r.CpuQuota);
  if (quota) cpu.quota = quota;
  const rtPeriod = num(r.CpuRealtimePeriod);
  if (rtPeriod) cpu.realtimePeriod = rtPeriod;
  const rtRuntime = num(r.CpuRealtimeRuntime);
  if (rtRuntime) cpu.realtimeRuntime = rtRuntime;
  if (Object.keys(cpu).length) out.cpu = cpu;

  const pids = r.PidsLimit;
  if (typeof pids === 'number') out.pids = { limit: pids <= 0 ? -1 : pids };
  const weight = num(r.BlkioWeight);
  if (weight) out.blockIO = { weight };
  // --device-read-bps and friends, --blkio-weight-device: per device, by its major:minor
  const perDevice = <K extends string>(field: string, key: K) =>
    ((r[field] as ({ Path: string } & Record<K, number>)[] | null | undefined) ?? []).map((d) => ({ ...blockDevice(d.Path), [key]: d[key] }) as { major: number; minor: number } & Record<K, number>);
  const io: NonNullable<OciResources['blockIO']> = {};
  const weights = perDevice('BlkioWeightDevice', 'Weight').map((d) => ({ major: d.major, minor: d.minor, weight: d.Weight }));
  if (weights.length) io.weightDevice = weights;
  for (const [field, key] of [['BlkioDeviceReadBps', 'throttleReadBpsDevice'], ['BlkioDeviceWriteBps', 'throttleWriteBpsDevice'], ['BlkioDeviceReadIOps', 'throttleReadIOPSDevice'], ['BlkioDeviceWriteIOps', 'throttleWriteIOPSDevice']] as const) {
    const list = perDevice(field, 'Rate').map((d) => ({ major: d.major, minor: d.minor, rate: d.Rate }));
    if (list.length) io[key] = list;
  }
  if (Object.keys(io).length) out.blockIO = { ...out.blockIO, ...io };
  return out;
}

/** A block device's major and minor numbers (Linux's dev_t encoding). */
export function blockDevice(p: string): { major: number; minor: number } {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw invalidParameter(`stat ${p}: no such file or directory`);
  }
  if (!st.isBlockDevice()) throw invalidParameter(`${p} is not a block device`);
  const dev = st.rdev;
  return { major: ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff), minor: (dev & 0xff) | ((dev >>> 12) & 0xfff00) };
}
