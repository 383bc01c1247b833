// A container's main process exited (reported by the runtime's monitor, or found at recover):
// record it, decide on a policy restart, undo what start set up, tell waiters and subscribers.
import fs from 'node:fs';
import { log } from '../../util/log.ts';
import { deleteNetns, netnsPath } from '../../platform/linux/netns.ts';
import type { ContainerRecord } from './record.ts';
import { shouldRestart } from './restart-policy.ts';
import { scheduleRestart } from './restart.ts';
import { removeLocked } from './remove.ts';
import { emit, emitVolumeEvents, netnsName, type Ctx } from './context.ts';

export async function handleExit(ctx: Ctx, id: string, code: number, finishedAt?: Date): Promise<void> {
  await ctx.store.lock.run(id, async () => {
    const cur = ctx.store.byIdOrUndefined(id);
    if (!cur || (!cur.State.Running && cur.State.Status !== 'removing')) return;
    ctx.health.stop(id);
    // conmon notes the cgroup's OOM kill; ask before teardown deletes the runtime's record
    const oomKilled = ctx.runtime.oomKilled?.(id) ?? false;
    const removing = cur.State.Status === 'removing';
    const restart = !removing && !cur.HostConfig.AutoRemove && shouldRestart(cur.HostConfig.RestartPolicy, { exitCode: code, restartCount: cur.RestartCount, manuallyStopped: !!cur.HasBeenManuallyStopped || ctx.stopping.has(id) });
    const c = ctx.store.update(id, (x) => {
      x.State = { ...x.State, Status: removing ? 'removing' : restart ? 'restarting' : 'exited', Running: false, Restarting: restart, Paused: false, OOMKilled: oomKilled, Pid: 0, ExitCode: code, FinishedAt: (finishedAt ?? new Date()).toISOString() };
      if (x.Intent === 'stop') delete x.Intent;
      // as moby's CloseMonitorChannel: a stopped health monitor leaves the status "unhealthy"
      const health = (x.State as { Health?: { Status: string } }).Health;
      if (health) health.Status = 'unhealthy';
    });
    if (restart) scheduleRestart(ctx, c);
    // A container removed on exit (docker run --rm) is torn down by its removal, off the client's path.
    if (!c.HostConfig.AutoRemove) await teardown(ctx, id, c);
    emitVolumeEvents(ctx, c, 'unmount');
    if (oomKilled) emit(ctx, c, 'oom');
    emit(ctx, c, 'die', { exitCode: String(code) });
    ctx.stopping.delete(id);
    ctx.waiters.notify(c, ['not-running', 'next-exit']);
    if (c.HostConfig.AutoRemove) removeLocked(ctx, ctx.store.get(id), true);
  });
}

/** Undo what start did: endpoints, network namespace, the runtime's state (cgroups, runc's record), the rootfs mount. */
export async function teardown(ctx: Ctx, id: string, c?: ContainerRecord): Promise<void> {
  const netns = netnsName(id);
  const detach = async (w: ContainerRecord) => {
    try {
      await ctx.networks!.detach(w, undefined, fs.existsSync(netnsPath(netns)) ? netnsPath(netns) : '');
      // the released addresses and ports are the record's now (a removed container has none to keep)
      if (ctx.store.has(id)) ctx.store.update(id, (x) => void (x.NetworkSettings = w.NetworkSettings));
    } finally {
      await deleteNetns(netns);
    }
  };
  // Independent, so side by side.
  await Promise.all([
    c && ctx.networks ? detach(structuredClone(c)) : deleteNetns(netns),
    ctx.runtime.delete(id, true).catch((e) => log.warn(`runtime delete ${id}: ${e.message}`)),
    ctx.images.unmountRWLayer(id).catch((e) => log.warn(`unmount ${id}: ${e.message}`)),
  ]);
}
