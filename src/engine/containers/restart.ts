// Restart policies at work: the back-off timer after an exit the policy restarts, its
// cancellation by a user's start/stop/kill/rm, and the starts the policy asks for at daemon start.
import { log } from '../../util/log.ts';
import type { ContainerRecord } from './record.ts';
import { Backoff, restartOnDaemonStart } from './restart-policy.ts';
import { start, startLocked } from './start.ts';
import type { Ctx } from './context.ts';

/** After an exit the policy asks to restart: wait the back-off, then start again (RestartCount + 1). */
export function scheduleRestart(ctx: Ctx, c: ContainerRecord): void {
  let b = ctx.backoffs.get(c.Id);
  if (!b) ctx.backoffs.set(c.Id, (b = new Backoff()));
  const ran = Date.parse(c.State.FinishedAt) - Date.parse(c.State.StartedAt);
  const t = setTimeout(() => {
    ctx.restartTimers.delete(c.Id);
    void ctx.store.lock.run(c.Id, async () => {
      const cur = ctx.store.byIdOrUndefined(c.Id);
      if (!cur?.State.Restarting) return;
      ctx.store.update(c.Id, (x) => void x.RestartCount++);
      try {
        await startLocked(ctx, c.Id);
      } catch (e) {
        log.warn(`restarting ${c.Id.slice(0, 12)}: ${(e as Error).message}`);
        if (ctx.store.has(c.Id)) ctx.store.update(c.Id, (x) => void (x.State = { ...x.State, Status: 'exited', Restarting: false }));
      }
    });
  }, b.next(Number.isFinite(ran) ? ran : 0));
  ctx.restartTimers.set(c.Id, t);
}

/** Stop a pending policy restart; true when there was one (the container is then simply exited). */
export function cancelRestart(ctx: Ctx, c: ContainerRecord): boolean {
  const t = ctx.restartTimers.get(c.Id);
  if (!t && !c.State.Restarting) return false;
  if (t) clearTimeout(t);
  ctx.restartTimers.delete(c.Id);
  if (!c.State.Restarting) return false;
  ctx.store.update(c.Id, (x) => {
    x.State = { ...x.State, Status: 'exited', Restarting: false };
    x.HasBeenManuallyStopped = true;
  });
  return true;
}

/** At daemon start: the containers whose policy says they run whenever the daemon does. */
export async function startByPolicy(ctx: Ctx): Promise<void> {
  for (const c of ctx.store.list()) {
    if (c.State.Running) continue;
    if (!restartOnDaemonStart(c.HostConfig.RestartPolicy, !!c.HasBeenManuallyStopped) && !c.State.Restarting) continue;
    if (c.State.Restarting) ctx.store.update(c.Id, (x) => void (x.State = { ...x.State, Status: 'exited', Restarting: false }));
    await start(ctx, c.Id).catch((e) => log.warn(`starting ${c.Id.slice(0, 12)} by its restart policy: ${e.message}`));
  }
}
