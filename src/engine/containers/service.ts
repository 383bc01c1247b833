// The container service: the facade the API, exec, build and the daemon call. Each operation
// lives in its own file (create.ts, start.ts, stop.ts, remove.ts, exit.ts, restart.ts,
// recover.ts, attach.ts, wait.ts, ...) and works on the shared context (context.ts): the store
// (records, names, lock), the state machine (state.ts), and the drivers below the engine.
import type { ContainerConfig } from '../../images/types.ts';
import type { AttachSession, LogEntry, LogOptions } from '../../runtime/types.ts';
import { shortId } from '../../util/ids.ts';
import { layout } from '../../config.ts';
import { ContainerStore } from './store.ts';
import { HealthMonitor } from './health.ts';
import { Waiters, wait, type WaitCondition, type WaitResult } from './wait.ts';
import type { ContainerRecord } from './record.ts';
import { containerDir, emit, type ContainerDeps, type Ctx } from './context.ts';
import { create, type CreateRequest } from './create.ts';
import { start } from './start.ts';
import { kill, stop, restart } from './stop.ts';
import { pause, unpause } from './pause.ts';
import { remove, prune, type RemoveOptions } from './remove.ts';
import { rename } from './rename.ts';
import { removeLink, linkEnvOf } from './links.ts';
import { commit, type CommitOptions } from './commit.ts';
import { update } from './update.ts';
import { handleExit } from './exit.ts';
import { startByPolicy } from './restart.ts';
import { recover } from './recover.ts';
import { attach, resize, reopenLog } from './attach.ts';
import { logs } from './logs.ts';
import { top } from './top.ts';
import { rootfs, releaseRootfs } from './rootfs.ts';
import { connectNetwork, disconnectNetwork } from './connect.ts';

export type { WaitCondition, CreateRequest };

export class ContainerService {
  private readonly ctx: Ctx;

  constructor(deps: ContainerDeps) {
    const store = new ContainerStore(deps.db);
    const health = new HealthMonitor({
      runtime: deps.runtime,
      current: (id) => store.byIdOrUndefined(id),
      onChange: async (id, h, status) => {
        const c = await store.updateLocked(id, (x) => {
          if (x.State.Running) x.State.Health = h;
        });
        if (c && status) emit(this.ctx, c, `health_status: ${status}`);
      },
      onExec: (c, action, attrs) => this.emitEvent(c.Id, action, attrs),
    });
    this.ctx = {
      cfg: deps.cfg,
      dirs: layout(deps.cfg),
      store,
      events: deps.events,
      images: deps.images,
      runtime: deps.runtime,
      networks: deps.networks,
      volumes: deps.volumes,
      health,
      waiters: new Waiters(),
      pendingAttach: new Map(),
      stopping: new Set(),
      restartTimers: new Map(),
      backoffs: new Map(),
      premounts: new Map(),
      rootfsUsers: new Map(),
      pending: new Set(),
    };
    if (deps.networks) deps.networks.containers = () => this.list();
    if (deps.volumes) deps.volumes.containers = () => this.list();
    deps.runtime.onExit((id, code) => void handleExit(this.ctx, id, code));
    deps.images.setInUseCheck((imageId) => {
      let found: { running: boolean; containerId?: string } | undefined;
      for (const c of store.list()) {
        if (c.Image !== imageId) continue;
        if (c.State.Running) return { running: true, containerId: c.Id };
        found ??= { running: false, containerId: c.Id };
      }
      return found;
    });
    deps.images.setContainerLister(() => store.list().map((c) => ({ imageId: c.Image, running: c.State.Running })));
  }

  // --- lookup (store.ts) -----------------------------------------------------------

  /** Find by full id, unique id prefix, or name (Docker's order); not found is Docker's 404. */
  get(ref: string): ContainerRecord {
    return this.ctx.store.get(ref);
  }

  find(ref: string): ContainerRecord | undefined {
    return this.ctx.store.find(ref);
  }

  list(): ContainerRecord[] {
    return this.ctx.store.list();
  }

  containerDir(id: string): string {
    return containerDir(this.ctx, id);
  }

  // --- operations (one file each) --------------------------------------------------------

  create(req: CreateRequest): Promise<{ Id: string; Warnings: string[] }> {
    return create(this.ctx, req);
  }

  update(ref: string, body: Record<string, unknown>): Promise<{ Warnings: string[] }> {
    return update(this.ctx, ref, body);
  }

  start(ref: string): Promise<void> {
    return start(this.ctx, ref);
  }

  connectNetwork(ref: string, network: string, cfg: Parameters<typeof connectNetwork>[3]): Promise<void> {
    return connectNetwork(this.ctx, ref, network, cfg);
  }

  disconnectNetwork(ref: string, network: string, force = false): Promise<void> {
    return disconnectNetwork(this.ctx, ref, network, force);
  }

  startByPolicy(): Promise<void> {
    return startByPolicy(this.ctx);
  }

  attach(ref: string): Promise<AttachSession> {
    return attach(this.ctx, ref);
  }

  logs(ref: string, opts: LogOptions, signal: AbortSignal): AsyncIterable<LogEntry> {
    return logs(this.ctx, ref, opts, signal);
  }

  resize(ref: string, h: number, w: number): Promise<void> {
    return resize(this.ctx, ref, h, w);
  }

  reopenLog(ref: string): Promise<void> {
    return reopenLog(this.ctx, ref);
  }

  wait(ref: string, condition: WaitCondition = 'not-running', signal?: AbortSignal): Promise<WaitResult> {
    return wait(this.ctx, ref, condition, signal);
  }

  kill(ref: string, signal = 'KILL'): Promise<void> {
    return kill(this.ctx, ref, signal);
  }

  stop(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    return stop(this.ctx, ref, opts);
  }

  restart(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    return restart(this.ctx, ref, opts);
  }

  pause(ref: string): Promise<void> {
    return pause(this.ctx, ref);
  }

  unpause(ref: string): Promise<void> {
    return unpause(this.ctx, ref);
  }

  commit(ref: string, o: CommitOptions & { config?: ContainerConfig | null }): Promise<string> {
    return commit(this.ctx, ref, o);
  }

  remove(ref: string, opts: Omit<RemoveOptions, 'resume'> = {}): Promise<void> {
    return remove(this.ctx, ref, opts);
  }

  /** The variables c's legacy links give a process (none when a target no longer runs). */
  linkEnv(c: ContainerRecord): string[] {
    try {
      return linkEnvOf(this.ctx, c);
    } catch {
      return [];
    }
  }

  /** DELETE /containers/{/self/alias}?link=true */
  removeLink(name: string): Promise<void> {
    return removeLink(this.ctx, name);
  }

  rename(ref: string, newName: string): Promise<void> {
    return rename(this.ctx, ref, newName);
  }

  prune(match: (c: ContainerRecord) => boolean): Promise<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }> {
    return prune(this.ctx, match);
  }

  recover(): Promise<void> {
    return recover(this.ctx);
  }

  top(ref: string, psArgs = '-ef'): Promise<{ Titles: string[]; Processes: string[][] }> {
    return top(this.ctx, ref, psArgs);
  }

  rootfs(ref: string): Promise<string> {
    return rootfs(this.ctx, ref);
  }

  releaseRootfs(id: string): Promise<void> {
    return releaseRootfs(this.ctx, id);
  }

  /** Wait for background cleanups (daemon shutdown, tests). */
  async drain(): Promise<void> {
    while (this.ctx.pending.size) await Promise.all([...this.ctx.pending]);
  }

  emitEvent(ref: string, action: string, extra: Record<string, string> = {}): void {
    emit(this.ctx, this.get(ref), action, extra);
  }

  shortId(id: string): string {
    return shortId(id);
  }
}
