// docker kill, stop and restart. A stop is bounded at every step: the stop signal, the grace
// period, SIGKILL, and a last wait for the exit after it (dockerd's "did not receive an exit event").
import { conflict, notModified, systemError, BerthError } from '../../errdefs.ts';
import { log } from '../../util/log.ts';
import { signalNumber } from './signals.ts';
import { cancelRestart } from './restart.ts';
import { start } from './start.ts';
import { wait } from './wait.ts';
import { crashPoint, emit, sleep, type Ctx } from './context.ts';

/** How long an exit may take to be reported after SIGKILL before kill/stop give up (dockerd: 10 s). Tests shorten it. */
export const limits = { killGraceMs: 10_000 };

export async function kill(ctx: Ctx, ref: string, signal = 'KILL'): Promise<void> {
  const c0 = ctx.store.get(ref);
  const sig = signalNumber(signal);
  const exited = await ctx.store.lock.run(c0.Id, async () => {
    const cur = ctx.store.get(c0.Id);
    if (cancelRestart(ctx, cur)) return undefined;
    if (!cur.State.Running) throw conflict(`Cannot kill container: ${ref}: Container ${cur.Id} is not running`);
    // As dockerd: a killed container is not restarted by its policy.
    const c = ctx.store.update(cur.Id, (x) => void (x.HasBeenManuallyStopped = true));
    emit(ctx, c, 'kill', { signal: String(sig) });
    if (sig !== 9) {
      // as dockerd: the signal goes to PID 1 only (SIGKILL to all, so that nothing outlives a kill)
      await ctx.runtime.kill(c.Id, sig, false);
      return undefined;
    }
    ctx.stopping.add(c.Id);
    const w = wait(ctx, c.Id, 'not-running');
    w.catch(() => {}); // awaited below; a removal meanwhile settles it
    await ctx.runtime.kill(c.Id, sig, true);
    // a frozen process gets the SIGKILL only once thawed; if the thaw fails it has exited already
    if (c.State.Paused) await ctx.runtime.resume(c.Id).catch((e) => log.debug(`resume ${c.Id} after kill: ${e.message}`));
    return { w }; // boxed: returned bare, the async function would wait for it under the lock
  });
  // As dockerd: after SIGKILL, kill returns once the container is down (its exit is handled
  // under the lock, so outside it), and gives up after a bounded wait.
  if (exited && !(await Promise.race([exited.w.then(() => true), sleep(limits.killGraceMs).then(() => false)])))
    throw systemError(`tried to kill container, but did not receive an exit event`);
}

export async function stop(ctx: Ctx, ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
  const c0 = ctx.store.get(ref);
  // A policy restart in flight finishes first; then it is either cancelled or stopped like any run.
  const c = await ctx.store.lock.run(c0.Id, async () => {
    const cur = ctx.store.get(c0.Id);
    if (cancelRestart(ctx, cur)) return undefined;
    if (!cur.State.Running) throw notModified('container already stopped');
    return ctx.store.update(cur.Id, (x) => {
      x.HasBeenManuallyStopped = true;
      x.Intent = 'stop';
    });
  });
  if (!c) return;
  crashPoint('stop:after-intent');
  const sig = signalNumber(opts.signal || c.Config.StopSignal || 'TERM');
  const timeout = opts.timeout ?? c.Config.StopTimeout ?? 10;
  const exited = wait(ctx, c.Id, 'not-running');
  // a container removed meanwhile settles the wait too; nothing else rejects it
  exited.catch(() => {});
  ctx.stopping.add(c.Id);
  const forceKill = async () => {
    emit(ctx, c, 'kill', { signal: '9' });
    // the process may be gone already (the exit is on its way): the wait below tells
    await ctx.runtime.kill(c.Id, 9, true).catch((e) => log.debug(`SIGKILL ${c.Id}: ${e.message}`));
    if (c.State.Paused) await ctx.runtime.resume(c.Id).catch((e) => log.debug(`resume ${c.Id}: ${e.message}`));
  };
  // the stop signal goes first even with no grace period (`stop -t 0`), as moby's containerStop sends
  // it before waiting: the events show kill 15 then kill 9
  {
    emit(ctx, c, 'kill', { signal: String(sig) });
    // a signal that cannot be delivered (the process just exited) is answered by the wait below
    await ctx.runtime.kill(c.Id, sig).catch((e) => log.debug(`signal ${sig} to ${c.Id}: ${e.message}`));
    if (c.State.Paused) await ctx.runtime.resume(c.Id).catch((e) => log.debug(`resume ${c.Id}: ${e.message}`));
  }
  crashPoint('stop:after-signal');
  if (sig !== 9 && timeout >= 0) {
    const done = await Promise.race([exited.then(() => true), sleep(timeout * 1000).then(() => false)]);
    if (!done) {
      log.info(`Container ${c.Id} failed to exit within ${timeout} seconds of signal ${sig} - using the force`);
      await forceKill();
    }
  }
  // `--time -1` waits as long as the process takes (asked for); after SIGKILL the wait is bounded
  const done = sig !== 9 && timeout < 0 ? await exited.then(() => true) : await Promise.race([exited.then(() => true), sleep(limits.killGraceMs).then(() => false)]);
  if (!done) {
    ctx.stopping.delete(c.Id);
    await ctx.store.updateLocked(c.Id, (x) => void delete x.Intent);
    throw systemError(`cannot stop container: ${c.Id}: tried to kill container, but did not receive an exit event`);
  }
  emit(ctx, ctx.store.byIdOrUndefined(c.Id) ?? c, 'stop');
}

export async function restart(ctx: Ctx, ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
  const c = ctx.store.get(ref);
  if (c.State.Running)
    await stop(ctx, c.Id, opts).catch((e) => {
      if (!(e instanceof BerthError && e.kind === 'not-modified')) throw e;
    });
  await start(ctx, c.Id);
  emit(ctx, ctx.store.get(c.Id), 'restart');
}
