// Resource figures of a container's cgroups in the Engine API's stats shape, read from the cgroup files of
// its init process (/proc/PID/cgroup names them, so v1, hybrid and v2 hosts are handled alike).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cgroupLayout, parseProcCgroup } from './cgroups.ts';

export interface CpuStats {
  cpu_usage: { total_usage: number; percpu_usage?: number[]; usage_in_kernelmode: number; usage_in_usermode: number };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

export interface CgroupStats {
  cpu_stats: CpuStats;
  memory_stats: Record<string, unknown>;
  pids_stats: { current?: number; limit?: number };
  blkio_stats: Record<string, BlkioEntry[] | null>;
}

const USER_HZ = 100;

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function num(file: string): number | undefined {
  const t = read(file)?.trim();
  if (t === undefined || t === '' || t === 'max') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

function keyValues(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** Host CPU time in nanoseconds (the first line of /proc/stat), as dockerd's system_cpu_usage. */
export function systemCpuUsage(): number {
  const line = read('/proc/stat')?.split('\n')[0] ?? '';
  const ticks = line.split(/\s+/).slice(1, 8).reduce((a, b) => a + (Number(b) || 0), 0);
  return Math.round((ticks * 1e9) / USER_HZ);
}

export function onlineCpus(): number {
  return os.availableParallelism?.() ?? os.cpus().length;
}

export function cgroupStats(pid: number): CgroupStats | undefined {
  const text = read(`/proc/${pid}/cgroup`);
  if (!text) return undefined;
  const paths = parseProcCgroup(text);
  const layout = cgroupLayout();
  if (layout.version === 2) return v2Stats(path.join(layout.root, paths[''] ?? '/'));
  const dir = (ctrl: string) => path.join(layout.controllers[ctrl] ?? path.join(layout.root, ctrl), paths[ctrl] ?? '/');
  return v1Stats(dir);
}

function v1Stats(dir: (ctrl: string) => string): CgroupStats {
  const cpuacct = dir('cpuacct');
  const percpu = (read(path.join(cpuacct, 'cpuacct.usage_percpu')) ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
  const acct = keyValues(read(path.join(cpuacct, 'cpuacct.stat')));
  const throttle = keyValues(read(path.join(dir('cpu'), 'cpu.stat')));
  const mem = dir('memory');
  const memStat = keyValues(read(path.join(mem, 'memory.stat')));
  const blk = dir('blkio');
  return {
    cpu_stats: {
      cpu_usage: {
        total_usage: num(path.join(cpuacct, 'cpuacct.usage')) ?? 0,
        percpu_usage: percpu.length ? percpu : undefined,
        usage_in_kernelmode: ((acct.system ?? 0) * 1e9) / USER_HZ,
        usage_in_usermode: ((acct.user ?? 0) * 1e9) / USER_HZ,
      },
      throttling_data: { periods: throttle.nr_periods ?? 0, throttled_periods: throttle.nr_throttled ?? 0, throttled_time: throttle.throttled_time ?? 0 },
    },
    memory_stats: {
      usage: num(path.join(mem, 'memory.usage_in_bytes')) ?? 0,
      max_usage: num(path.join(mem, 'memory.max_usage_in_bytes')) ?? 0,
      stats: memStat,
      failcnt: num(path.join(mem, 'memory.failcnt')) ?? 0,
      // An unlimited v1 cgroup reports a huge number: the CLI shows the host's memory then, as dockerd gives it.
      limit: Math.min(num(path.join(mem, 'memory.limit_in_bytes')) ?? Infinity, os.totalmem()),
    },
    pids_stats: { current: num(path.join(dir('pids'), 'pids.current')), limit: num(path.join(dir('pids'), 'pids.max')) },
    blkio_stats: {
      io_service_bytes_recursive: blkioEntries(read(path.join(blk, 'blkio.throttle.io_service_bytes'))),
      io_serviced_recursive: blkioEntries(read(path.join(blk, 'blkio.throttle.io_serviced'))),
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
    },
  };
}

function blkioEntries(text: string | undefined): BlkioEntry[] | null {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: Number(m[4]) });
  }
  return out.length ? out : null;
}

function v2Stats(dir: string): CgroupStats {
  const cpu = keyValues(read(path.join(dir, 'cpu.stat')));
  const memStat = keyValues(read(path.join(dir, 'memory.stat')));
  const io: BlkioEntry[] = [];
  for (const line of (read(path.join(dir, 'io.stat')) ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (.*)$/.exec(line.trim());
    if (!m) continue;
    const kv = Object.fromEntries(m[3]!.split(' ').map((p) => p.split('=')));
    io.push({ major: Number(m[1]), minor: Number(m[2]), op: 'read', value: Number(kv.rbytes ?? 0) });
    io.push({ major: Number(m[1]), minor: Number(m[2]), op: 'write', value: Number(kv.wbytes ?? 0) });
  }
  return {
    cpu_stats: {
      cpu_usage: { total_usage: (cpu.usage_usec ?? 0) * 1000, usage_in_kernelmode: (cpu.system_usec ?? 0) * 1000, usage_in_usermode: (cpu.user_usec ?? 0) * 1000 },
      throttling_data: { periods: cpu.nr_periods ?? 0, throttled_periods: cpu.nr_throttled ?? 0, throttled_time: (cpu.throttled_usec ?? 0) * 1000 },
    },
    memory_stats: {
      usage: num(path.join(dir, 'memory.current')) ?? 0,
      stats: memStat,
      limit: Math.min(num(path.join(dir, 'memory.max')) ?? Infinity, os.totalmem()),
    },
    pids_stats: { current: num(path.join(dir, 'pids.current')), limit: num(path.join(dir, 'pids.max')) },
    blkio_stats: { io_service_bytes_recursive: io.length ? io : null, io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null },
  };
}

/** Interface counters of the network namespace of pid (/proc/PID/net/dev), loopback left out as dockerd does. */
export function networkStats(pid: number): Record<string, Record<string, number>> | undefined {
  const text = read(`/proc/${pid}/net/dev`);
  if (!text) return undefined;
  const out: Record<string, Record<string, number>> = {};
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    out[m[1]!] = { rx_bytes: f[0]!, rx_packets: f[1]!, rx_errors: f[2]!, rx_dropped: f[3]!, tx_bytes: f[8]!, tx_packets: f[9]!, tx_errors: f[10]!, tx_dropped: f[11]! };
  }
  return out;
}
