// docker rm and container prune. A running container (rm -f) is first marked `removing` on disk,
// then killed: a daemon killed in between finds the mark at recover() and finishes the removal.
// The record and its name go in one transaction; the files go after, in the background, and a
// crash before they are gone leaves files without a record, which recover() sweeps.
import fs from 'node:fs';
import { conflict, notFound } from '../../errdefs.ts';
import { log } from '../../util/log.ts';
import { shmDir, unmountShm } from '../../runtime/shm.ts';
import type { ContainerRecord } from './record.ts';
import { cancelRestart } from './restart.ts';
import { teardown } from './exit.ts';
import { failPendingAttaches } from './attach.ts';
import { wait } from './wait.ts';
import { containerDir, crashPoint, emit, runtimeDir, sleep, track, type Ctx } from './context.ts';

export interface RemoveOptions {
  force?: boolean;
  volumes?: boolean;
  /** recover(): finish a removal a crash cut short (the container is marked `removing` already) */
  resume?: boolean;
}

export async function remove(ctx: Ctx, ref: string, opts: RemoveOptions = {}): Promise<void> {
  const c0 = ctx.store.get(ref);
  if (c0.State.Restarting && !opts.force) throw conflict(`cannot remove container "${c0.Name}": container is restarting: stop the container before removing or force remove`);
  if (c0.State.Running && !opts.force) throw conflict(`cannot remove container "${c0.Name}": container is running: stop the container before removing or force remove`);
  let marked = !!opts.resume;
  await ctx.store.lock.run(c0.Id, async () => {
    const c = ctx.store.byIdOrUndefined(c0.Id);
    if (!c) throw notFound(`No such container: ${ref}`);
    cancelRestart(ctx, c);
    if (c.State.Status === 'removing' && !marked) throw conflict(`removal of container ${c.Id} is already in progress`);
    const cur = ctx.store.get(c.Id);
    if (cur.State.Running) {
      ctx.store.update(c.Id, (x) => {
        x.State = { ...x.State, Status: 'removing' };
        x.Intent = 'remove';
      });
      marked = true;
    }
  });
  crashPoint('rm:after-intent');
  const running = ctx.store.byIdOrUndefined(c0.Id);
  if (running?.State.Running) {
    ctx.stopping.add(c0.Id);
    // a process already gone is what we want; the wait below sees its exit
    await ctx.runtime.kill(c0.Id, 9, true).catch((e) => log.debug(`rm -f: SIGKILL ${c0.Id}: ${e.message}`));
    if (running.State.Paused) await ctx.runtime.resume(c0.Id).catch((e) => log.debug(`rm -f: resume ${c0.Id}: ${e.message}`));
    const exited = wait(ctx, c0.Id, 'not-running');
    exited.catch(() => {}); // settled by the removal below at the latest
    await Promise.race([exited, sleep(10_000)]);
  }
  await ctx.store.lock.run(c0.Id, async () => {
    const c = ctx.store.byIdOrUndefined(c0.Id);
    if (!c) throw notFound(`No such container: ${ref}`);
    if (c.State.Status === 'removing' && !marked) throw conflict(`removal of container ${c.Id} is already in progress`);
    if (c.State.Running) {
      // The monitor did not report the exit in time: tear down the runtime state ourselves.
      await ctx.runtime.delete(c.Id, true).catch((e) => log.warn(`rm -f: runtime delete ${c.Id}: ${e.message}`));
      ctx.store.update(c.Id, (x) => void (x.State = { ...x.State, Running: false, Paused: false, Pid: 0, ExitCode: 137, FinishedAt: new Date().toISOString() }));
    }
    crashPoint('rm:before-delete');
    removeLocked(ctx, ctx.store.get(c.Id), !!opts.volumes);
  });
}

/**
 * The container ceases to exist for every client at once (record gone, name free, `destroy`,
 * waiters for `removed` answered); its files go in the background.
 */
export function removeLocked(ctx: Ctx, c: ContainerRecord, withVolumes: boolean): void {
  ctx.store.delete(c.Id);
  // docker rm -v (and --rm): the container's anonymous volumes go with it; named ones stay.
  if (withVolumes && ctx.volumes) {
    for (const m of c.Mounts) {
      const v = m.Type === 'volume' && m.Name ? ctx.volumes.find(m.Name) : undefined;
      if (v && ctx.volumes.isAnonymous(v)) {
        try {
          ctx.volumes.remove(v.Name);
        } catch (e) {
          log.warn(`volume ${v.Name}: ${(e as Error).message}`);
        }
      }
    }
  }
  emit(ctx, c, 'destroy');
  ctx.waiters.notify(c, ['removed', 'not-running', 'next-exit']);
  failPendingAttaches(ctx, c.Id, notFound(`No such container: ${c.Id}`));
  // on the next turn of the event loop: the waiters' answers go out before the teardown's
  // synchronous first steps (runc's state, cgroups, the unmount), docker run --rm waits for them
  track(ctx, new Promise<void>((resolve) => setImmediate(resolve)).then(() => removeFiles(ctx, c.Id, c)));
}

/** Everything a container had on disk and in the kernel, record or not. */
export async function removeFiles(ctx: Ctx, id: string, c?: ContainerRecord): Promise<void> {
  await ctx.premounts.get(id);
  ctx.premounts.delete(id);
  await teardown(ctx, id, c);
  ctx.runtime.forgetLog?.(id);
  await ctx.images.removeRWLayer(id).catch((e) => log.warn(`remove rw layer ${id}: ${e.message}`));
  await fs.promises.rm(containerDir(ctx, id), { recursive: true, force: true });
  // a shareable /dev/shm mounted by a start that a kill -9 cut short before the runtime recorded the
  // bundle (the runtime unmounts it only for a bundle it knows): it would outlive the container
  await unmountShm(shmDir(runtimeDir(ctx, id))).catch((e) => log.warn(`unmount the /dev/shm of ${id}: ${e.message}`));
  await fs.promises.rm(runtimeDir(ctx, id), { recursive: true, force: true });
}

/**
 * docker container prune: remove the stopped containers `match` selects. Reports only those really
 * removed (a removal that fails is logged and left out, as dockerd does) and the bytes their
 * writable layers held, measured before removal.
 */
export async function prune(ctx: Ctx, match: (c: ContainerRecord) => boolean): Promise<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }> {
  const deleted: string[] = [];
  let reclaimed = 0;
  for (const c of ctx.store.list()) {
    if (c.State.Running || !match(c)) continue;
    const size = ctx.images.rwLayerSize(c.Id);
    try {
      await remove(ctx, c.Id);
    } catch (e) {
      // started or removed meanwhile, or its removal failed: not pruned, so not reported
      log.warn(`failed to prune container ${c.Id}: ${(e as Error).message}`);
      continue;
    }
    reclaimed += size;
    deleted.push(c.Id);
  }
  ctx.events.publish('container', 'prune', '', { reclaimed: String(reclaimed) });
  return { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
}
