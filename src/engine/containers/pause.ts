// docker pause and unpause: the cgroup freezer, under the container's lock.
import { conflict } from '../../errdefs.ts';
import { emit, type Ctx } from './context.ts';

export async function pause(ctx: Ctx, ref: string): Promise<void> {
  const c0 = ctx.store.get(ref);
  await ctx.store.lock.run(c0.Id, async () => {
    const c = ctx.store.get(c0.Id);
    if (!c.State.Running) throw conflict(`Container ${c.Id} is not running`);
    if (c.State.Paused) throw conflict(`Container ${c.Id} is already paused`);
    await ctx.runtime.pause(c.Id);
    emit(ctx, ctx.store.update(c.Id, (x) => void (x.State = { ...x.State, Status: 'paused', Paused: true })), 'pause');
  });
}

export async function unpause(ctx: Ctx, ref: string): Promise<void> {
  const c0 = ctx.store.get(ref);
  await ctx.store.lock.run(c0.Id, async () => {
    const c = ctx.store.get(c0.Id);
    if (!c.State.Paused) throw conflict(`Container ${c.Id} is not paused`);
    await ctx.runtime.resume(c.Id);
    emit(
      ctx,
      ctx.store.update(c.Id, (x) => {
        x.State = { ...x.State, Status: 'running', Paused: false };
        delete x.pausedForCommit; // the user's unpause ends a commit's pause too
      }),
      'unpause',
    );
  });
}

/**
 * The pause around a commit (dockerd's containerPause, its error ignored): a running container is
 * frozen, marked paused and a `pause` event sent; one that is not running (or exits meanwhile) is
 * committed as it is. Resolves whether it paused it.
 */
export async function pauseForCommit(ctx: Ctx, id: string): Promise<boolean> {
  return ctx.store.lock.run(id, async () => {
    const c = ctx.store.get(id);
    if (!c.State.Running || c.State.Paused || c.State.Restarting) return false;
    try {
      await ctx.runtime.pause(c.Id);
    } catch {
      return false; // exited meanwhile: nothing to hold still
    }
    emit(
      ctx,
      ctx.store.update(c.Id, (x) => {
        x.State = { ...x.State, Status: 'paused', Paused: true };
        x.pausedForCommit = true;
      }),
      'pause',
    );
    return true;
  });
}

/** The unpause after a commit: only if the container is still paused (a user may have unpaused it, or it was killed). */
export async function unpauseAfterCommit(ctx: Ctx, id: string): Promise<void> {
  await ctx.store.lock.run(id, async () => {
    const c = ctx.store.find(id);
    if (!c?.pausedForCommit) return; // a user unpaused it meanwhile (or it is gone)
    try {
      await ctx.runtime.resume(c.Id);
    } catch {
      // killed meanwhile: its exit handling sets the state; only the commit's mark goes
      ctx.store.update(c.Id, (x) => void delete x.pausedForCommit);
      return;
    }
    emit(
      ctx,
      ctx.store.update(c.Id, (x) => {
        x.State = { ...x.State, Status: 'running', Paused: false };
        delete x.pausedForCommit;
      }),
      'unpause',
    );
  });
}
