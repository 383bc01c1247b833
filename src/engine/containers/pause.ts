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
    emit(ctx, ctx.store.update(c.Id, (x) => void (x.State = { ...x.State, Status: 'running', Paused: false })), 'unpause');
  });
}
