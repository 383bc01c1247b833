// After a daemon (re)start: make the store and the outside world agree again. Each operation that
// touches the outside world wrote its intent first, so what a kill -9 cut short is either
// finished or undone here:
//   create  a name reserved without a record, or files without one: removed (undone)
//   start   `starting` (Intent start): the runtime container, namespace and mount are undone
//   stop    Intent stop on a live container: SIGKILL (finished)
//   rm      `removing`: the removal is finished
// and a container that was running is found running, or exited with its code.
import { reconcilePaused } from './reconcile.ts';
import fs from 'node:fs';
import path from 'node:path';
import { log } from '../../util/log.ts';
import { handleExit, teardown } from './exit.ts';
import type { ContainerRecord } from './record.ts';
import { remove, removeFiles } from './remove.ts';
import { undoStart } from './start.ts';
import { logSettings } from './log-files.ts';
import { track, type Ctx } from './context.ts';

const ID = /^[0-9a-f]{64}$/;

export async function recover(ctx: Ctx): Promise<void> {
  sweepOrphans(ctx);
  for (const c of ctx.store.list()) {
    // (a commit's mark outlives its pause only through a crash; on a container that no longer runs it means nothing)
    if (c.pausedForCommit && !c.State.Running) ctx.store.update(c.Id, (x) => void delete x.pausedForCommit);
    if (c.Intent === 'start') {
      log.info(`recover: undoing the start of ${c.Id.slice(0, 12)} a crash interrupted`);
      await undoStart(ctx, c);
      ctx.store.update(c.Id, (x) => void delete x.Intent);
      continue;
    }
    if (c.State.Status === 'removing') {
      // the exit of a container killed before the crash is on record; a live one is watched again
      // so that its exit after the SIGKILL below is seen
      if (c.State.Running) {
        const exit = ctx.runtime.exitCode(c.Id);
        if (exit) await handleExit(ctx, c.Id, exit.code, exit.at);
        else if (await ctx.runtime.state(c.Id).catch(() => undefined)) ctx.runtime.recover(c.Id); // no state: nothing to watch
      }
      await remove(ctx, c.Id, { force: true, resume: true }).catch((e) => log.warn(`finishing removal of ${c.Id}: ${e.message}`));
      continue;
    }
    if (!c.State.Running) {
      // An exit whose teardown a crash cut short (the record already says exited), a premount
      // ahead of a start, or a copy out of a stopped container leave the runtime's stopped
      // container, the rootfs mount, the namespace or endpoints behind. Nothing is the usual
      // case, and each step is cheap then; the endpoints are released only when the record
      // still holds them (releasing asks the network plugins).
      await teardown(ctx, c.Id, holdsEndpoints(c) ? c : undefined).catch((e) => log.warn(`recover: teardown of ${c.Id}: ${e.message}`));
      continue;
    }
    const exit = ctx.runtime.exitCode(c.Id);
    if (exit) {
      resumeLog(ctx, c, false);
      await handleExit(ctx, c.Id, exit.code, exit.at);
      continue;
    }
    const st = await ctx.runtime.state(c.Id).catch(() => undefined); // no state: treated as gone below
    if (st && (st.status === 'running' || st.status === 'paused')) {
      // a commit's pause that a crash kept from its unpause: the container was running, not paused by the user
      if (c.pausedForCommit) c.State = { ...c.State, Status: 'running', Paused: false };
      await reconcilePaused(c, st.status, ctx.runtime, (changed) => void ctx.store.update(changed.Id, (x) => void (x.State = changed.State)));
      if (c.pausedForCommit) {
        log.info(`recover: unpausing ${c.Id.slice(0, 12)}, paused by a commit a crash interrupted`);
        ctx.store.update(c.Id, (x) => {
          x.State = { ...x.State, Status: 'running', Paused: false };
          delete x.pausedForCommit;
        });
      }
      ctx.runtime.recover(c.Id);
      resumeLog(ctx, c, true);
      if (c.Intent === 'stop') {
        log.info(`recover: finishing the stop of ${c.Id.slice(0, 12)} a crash interrupted`);
        ctx.stopping.add(c.Id);
        await ctx.runtime.kill(c.Id, 9, true).catch((e) => log.warn(`recover: SIGKILL ${c.Id}: ${e.message}`));
        continue;
      }
      ctx.health.start(c);
      continue;
    }
    // Neither an exit record nor a live process (e.g. the host rebooted): Docker reports such a container as exited.
    await handleExit(ctx, c.Id, 255);
  }
}

/** What conmon logged while the daemon was down is converted into the container's log files. */
function resumeLog(ctx: Ctx, c: ContainerRecord, running: boolean): void {
  try {
    ctx.runtime.resumeLog?.(c.Id, logSettings(ctx, c), running);
  } catch (e) {
    log.warn(`recover: log of ${c.Id.slice(0, 12)}: ${(e as Error).message}`);
  }
}

/** A stopped container whose endpoints still hold addresses or ports: its teardown did not finish. */
function holdsEndpoints(c: ContainerRecord): boolean {
  const ns = c.NetworkSettings;
  if (!ns) return false;
  return Object.values(ns.Networks ?? {}).some((ep) => ep?.IPAddress || ep?.EndpointID) || Object.values(ns.Ports ?? {}).some((p) => p !== null);
}

/** What has no record: names of creates cut short, container directories, writable layers, runtime state. */
function sweepOrphans(ctx: Ctx): void {
  const seen = new Set<string>();
  const sweep = (id: string) => {
    if (seen.has(id) || ctx.store.has(id)) return;
    seen.add(id);
    track(ctx, removeFiles(ctx, id));
  };
  for (const r of ctx.store.orphanReservations()) {
    sweep(r.id);
    ctx.store.releaseName(r.name, r.id);
  }
  for (const id of readdir(ctx.dirs.containers)) if (ID.test(id)) sweep(id);
  for (const id of ctx.images.rwLayerIds()) sweep(id);
  for (const id of readdir(path.join(ctx.cfg.execRoot, 'containers'))) if (ID.test(id)) sweep(id);
}

function readdir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
