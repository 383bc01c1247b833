// docker logs (and attach's logs=1): the container's log files (log-files.ts says which), read by the
// runtime. A follow goes on while the container may still write (running, or created and about to start).
import type { LogEntry, LogOptions } from '../../runtime/types.ts';
import type { Ctx } from './context.ts';
import type { ContainerRecord } from './record.ts';
import { logSettings } from './log-files.ts';
import { pidAlive } from '../../platform/linux/proc.ts';

/** How long a read waits for the exit of a process that is gone to be recorded (it comes within milliseconds). */
const EXIT_GRACE_MS = 2000;

export function logs(ctx: Ctx, ref: string, opts: LogOptions, signal: AbortSignal): AsyncIterable<LogEntry> {
  const c = ctx.store.get(ref);
  const follow = opts.follow && (c.State.Running || c.State.Status === 'created');
  if (follow || !c.State.Running || !(c.State.Pid > 0) || pidAlive(c.State.Pid)) return ctx.runtime.logs(c.Id, logSettings(ctx, c), { ...opts, follow }, signal);
  return afterExit(ctx, c, opts, signal);
}

/**
 * The process has ended but its exit is not recorded yet: the monitor records it only once it has
 * drained the container's output, so a read waits for that (briefly) and then sees everything the
 * process wrote. (`docker run` of a short command, then `docker logs`, at once: the output is all there.)
 */
async function* afterExit(ctx: Ctx, c: ContainerRecord, opts: LogOptions, signal: AbortSignal): AsyncIterable<LogEntry> {
  const done = new AbortController();
  const stop = AbortSignal.any([signal, done.signal, AbortSignal.timeout(EXIT_GRACE_MS)]);
  const exited = ctx.waiters.add(c.Id, 'not-running', stop).catch(() => undefined);
  // (the exit may have been recorded before the waiter was added)
  if (!ctx.store.byIdOrUndefined(c.Id)?.State.Running) done.abort();
  await exited;
  const now = ctx.store.byIdOrUndefined(c.Id) ?? c;
  yield* ctx.runtime.logs(now.Id, logSettings(ctx, now), { ...opts, follow: false }, signal);
}
