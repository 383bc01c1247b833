// docker stats: samples of a container's cgroup and network counters, each carrying the previous one
// (precpu_stats) so that clients can compute CPU % from the difference, as dockerd's stats collector does.
import type { ContainerService } from './containers/service.ts';
import type { ContainerRecord } from './containers/record.ts';
import { cgroupStats, networkStats, onlineCpus, systemCpuUsage, type CpuStats } from '../platform/linux/cgroup-stats.ts';

const ZERO_TIME = '0001-01-01T00:00:00Z';
const EMPTY_CPU: CpuStats = { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };

export type StatsSample = Record<string, unknown> & { read: string; cpu_stats: CpuStats };

export class StatsService {
  private readonly containers: ContainerService;

  constructor(deps: { containers: ContainerService }) {
    this.containers = deps.containers;
  }

  /** One sample now; `prev` becomes its pre-sample. A container that does not run gives Docker's empty sample. */
  sample(c: ContainerRecord, prev?: StatsSample): StatsSample {
    const base = { name: c.Name, id: c.Id };
    const cg = c.State.Running && c.State.Pid ? cgroupStats(c.State.Pid) : undefined;
    if (!cg) {
      return { ...base, read: ZERO_TIME, preread: ZERO_TIME, pids_stats: {}, blkio_stats: emptyBlkio(), num_procs: 0, storage_stats: {}, cpu_stats: EMPTY_CPU, precpu_stats: EMPTY_CPU, memory_stats: {} };
    }
    const cpu: CpuStats = { ...cg.cpu_stats, system_cpu_usage: systemCpuUsage(), online_cpus: onlineCpus() };
    const out: StatsSample = {
      ...base,
      read: new Date().toISOString(),
      preread: prev?.read ?? ZERO_TIME,
      pids_stats: cg.pids_stats,
      blkio_stats: cg.blkio_stats,
      num_procs: 0,
      storage_stats: {},
      cpu_stats: cpu,
      precpu_stats: prev?.cpu_stats ?? EMPTY_CPU,
      memory_stats: cg.memory_stats,
    };
    const net = networkStats(c.State.Pid);
    if (net && Object.keys(net).length) out.networks = net;
    return out;
  }

  /**
   * The samples of GET /containers/{id}/stats: every second while `stream`; else one, taken after a
   * first one a second earlier (so CPU % can be computed) unless `oneShot`.
   */
  async *samples(ref: string, o: { stream: boolean; oneShot: boolean }, signal: AbortSignal): AsyncGenerator<StatsSample> {
    const id = this.containers.get(ref).Id;
    let prev: StatsSample | undefined;
    const current = () => this.containers.find(id);
    if (!o.stream) {
      let c = current();
      if (!c) return;
      if (!o.oneShot && c.State.Running) {
        prev = this.sample(c);
        await sleep(1000, signal);
        c = current() ?? c;
      }
      yield this.sample(c, prev);
      return;
    }
    while (!signal.aborted) {
      const c = current();
      if (!c) return;
      const s = this.sample(c, prev);
      yield s;
      prev = s.read === ZERO_TIME ? undefined : s;
      await sleep(1000, signal);
    }
  }
}

function emptyBlkio() {
  return { io_service_bytes_recursive: null, io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
