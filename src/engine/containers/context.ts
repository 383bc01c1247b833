// What every container operation works with: the store, the drivers below the engine, and the
// little in-memory state that lives only as long as the daemon (waiters, pending attaches,
// restart timers, background cleanups). One object, handed to each operation file.
import path from 'node:path';
import type { MetaDB } from '../../store/db.ts';
import type { EventsService } from '../../events/bus.ts';
import type { ImageService } from '../../images/types.ts';
import type { RuntimeDriver, AttachSession } from '../../runtime/types.ts';
import type { DaemonConfig } from '../../config.ts';
import { layout } from '../../config.ts';
import { log } from '../../util/log.ts';
import type { NetworkService } from '../networks.ts';
import type { VolumeService } from '../volumes.ts';
import { ContainerStore } from './store.ts';
import { HealthMonitor } from './health.ts';
import type { Backoff } from './restart-policy.ts';
import type { ContainerRecord } from './record.ts';
import type { Waiters } from './wait.ts';

export interface ContainerDeps {
  cfg: DaemonConfig;
  db: MetaDB;
  events: EventsService;
  images: ImageService;
  runtime: RuntimeDriver;
  networks?: NetworkService;
  volumes?: VolumeService;
}

export interface Ctx {
  readonly cfg: DaemonConfig;
  readonly dirs: ReturnType<typeof layout>;
  readonly store: ContainerStore;
  readonly events: EventsService;
  readonly images: ImageService;
  readonly runtime: RuntimeDriver;
  readonly networks?: NetworkService;
  readonly volumes?: VolumeService;
  readonly health: HealthMonitor;
  readonly waiters: Waiters;
  /** Attach requests made before start: connected to the monitor between create and start so no output is lost. */
  readonly pendingAttach: Map<string, Set<(s: AttachSession | Error) => void>>;
  /** Exits we caused with stop/kill, to tell a stop from a crash. */
  readonly stopping: Set<string>;
  readonly restartTimers: Map<string, NodeJS.Timeout>;
  readonly backoffs: Map<string, Backoff>;
  /** The rootfs mount started right after create (docker run starts at once). */
  readonly premounts: Map<string, Promise<void>>;
  /** How many cp/export requests use each container's mounted rootfs (see rootfs.ts). */
  readonly rootfsUsers: Map<string, number>;
  /** Cleanups running in the background (drain() waits for them). */
  readonly pending: Set<Promise<void>>;
}

export function containerDir(ctx: Ctx, id: string): string {
  return path.join(ctx.dirs.containers, id);
}

/** The runtime's own directory of a container (bundle, conmon's files): survives daemon restarts. */
export function runtimeDir(ctx: Ctx, id: string): string {
  return path.join(ctx.cfg.execRoot, 'containers', id);
}

export function attrs(c: ContainerRecord, extra: Record<string, string> = {}): Record<string, string> {
  return { ...(c.Config.Labels ?? {}), image: c.Config.Image ?? '', name: c.Name.slice(1), ...extra };
}

/** dockerd's volume events for a container's volumes (moby LogVolumeEvent): `mount` as a start sets
 * them up (destination, propagation, read/write), `unmount` as its exit or failed start lets go. */
export function emitVolumeEvents(ctx: Ctx, c: ContainerRecord, action: 'mount' | 'unmount'): void {
  for (const m of c.Mounts) {
    if (m.Type !== 'volume' || !m.Name) continue;
    const a: Record<string, string> = { driver: m.Driver || 'local', container: c.Id };
    if (action === 'mount') Object.assign(a, { destination: m.Destination, 'read/write': String(m.RW), propagation: m.Propagation ?? '' });
    ctx.events.publish('volume', action, m.Name, a);
  }
}

export function emit(ctx: Ctx, c: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
  ctx.events.publish('container', action, c.Id, attrs(c, extra));
}

/** Run a cleanup in the background; its failure is logged (the next recover() sweeps what it left). */
export function track(ctx: Ctx, p: Promise<void>): void {
  const q = p.catch((e) => log.warn(`cleanup: ${e.message}`)).finally(() => ctx.pending.delete(q));
  ctx.pending.add(q);
}

/** The named network namespace of a container on networks (see start.ts). */
export const netnsName = (id: string) => `berth-${id}`;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/**
 * Test hook: with BERTH_TEST_CRASH_AT=<op>:<point> in the daemon's environment, the daemon kills
 * itself (SIGKILL, no cleanup) when it reaches that point, so the crash tests can check what a
 * restart recovers. Without the variable this is a no-op chosen once at load.
 */
export const crashPoint: (point: string) => void = process.env.BERTH_TEST_CRASH_AT
  ? (point) => {
      if (process.env.BERTH_TEST_CRASH_AT === point) {
        log.warn(`BERTH_TEST_CRASH_AT=${point}: killing the daemon`);
        process.kill(process.pid, 'SIGKILL');
      }
    }
  : () => {};
