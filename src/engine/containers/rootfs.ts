// The container's root filesystem for cp, export and diff, mounted while someone uses it. Each
// rootfs() call is one user until releaseRootfs(): two clients copying at once must not unmount
// the filesystem under each other.
import { log } from '../../util/log.ts';
import type { Ctx } from './context.ts';

/**
 * Mount a created container's root filesystem ahead of its start, meanwhile: docker run attaches
 * and waits before it starts. (Not at create: creates not followed by a start would all mount.)
 * After this turn of the event loop, so that the answer goes out first; a failed premount is not
 * an error: start mounts again and reports it.
 */
export function premount(ctx: Ctx, id: string): void {
  const c = ctx.store.byIdOrUndefined(id);
  if (!c || c.State.Status !== 'created' || ctx.premounts.has(id)) return;
  ctx.premounts.set(id, new Promise((resolve) => setImmediate(() => void ctx.images.mountRWLayer(id).then(() => resolve(), () => resolve()))));
}

export async function rootfs(ctx: Ctx, ref: string): Promise<string> {
  const c = ctx.store.get(ref);
  ctx.rootfsUsers.set(c.Id, (ctx.rootfsUsers.get(c.Id) ?? 0) + 1);
  try {
    return await ctx.images.mountRWLayer(c.Id);
  } catch (e) {
    await releaseRootfs(ctx, c.Id);
    throw e;
  }
}

/** One user is done; unmount when it was the last and the container is not running. */
export async function releaseRootfs(ctx: Ctx, id: string): Promise<void> {
  const users = Math.max(0, (ctx.rootfsUsers.get(id) ?? 0) - 1);
  if (users) return void ctx.rootfsUsers.set(id, users);
  ctx.rootfsUsers.delete(id);
  const c = ctx.store.byIdOrUndefined(id);
  // still mounted is harmless: the next start or removal unmounts it
  if (c && !c.State.Running) await ctx.images.unmountRWLayer(id).catch((e) => log.debug(`unmount ${id}: ${e.message}`));
}
