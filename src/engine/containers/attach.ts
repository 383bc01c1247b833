// docker attach and resize. An attach made before the container runs (docker run attaches, then
// starts) waits here and is connected to the monitor between the runtime's create and start, so
// that no output is lost.
import { conflict, notImplemented } from '../../errdefs.ts';
import type { AttachSession } from '../../runtime/types.ts';
import type { Ctx } from './context.ts';
import { premount } from './rootfs.ts';

/** Attach to a container's stdio: now if it runs, or at its next start. */
export function attach(ctx: Ctx, ref: string): Promise<AttachSession> {
  const c = ctx.store.get(ref);
  if (c.State.Running) return ctx.runtime.attach(c.Id);
  premount(ctx, c.Id);
  return new Promise((resolve, reject) => {
    let set = ctx.pendingAttach.get(c.Id);
    if (!set) ctx.pendingAttach.set(c.Id, (set = new Set()));
    set.add((s) => (s instanceof Error ? reject(s) : resolve(s)));
  });
}

export async function connectPendingAttaches(ctx: Ctx, id: string): Promise<void> {
  const set = ctx.pendingAttach.get(id);
  if (!set) return;
  ctx.pendingAttach.delete(id);
  for (const cb of set) {
    try {
      cb(await ctx.runtime.attach(id));
    } catch (e) {
      cb(e as Error);
    }
  }
}

export function failPendingAttaches(ctx: Ctx, id: string, err: Error): void {
  const set = ctx.pendingAttach.get(id);
  ctx.pendingAttach.delete(id);
  for (const cb of set ?? []) cb(err);
}

export async function resize(ctx: Ctx, ref: string, h: number, w: number): Promise<void> {
  const c = ctx.store.get(ref);
  if (!c.State.Running) throw conflict(`Container ${c.Id} is not running`);
  await ctx.runtime.resize(c.Id, h, w);
}

/** Reopen a running container's log file after it was renamed away (the kubelet's log rotation). */
export async function reopenLog(ctx: Ctx, ref: string): Promise<void> {
  const c = ctx.store.get(ref);
  if (!c.State.Running) throw conflict(`Container ${c.Id} is not running`);
  if (!ctx.runtime.reopenLog) throw notImplemented('this runtime cannot reopen container logs');
  await ctx.runtime.reopenLog(c.Id);
}
