// docker logs (and attach's logs=1): the container's log files (log-files.ts says which), read by the
// runtime. A follow goes on while the container may still write (running, or created and about to start).
import type { LogEntry, LogOptions } from '../../runtime/types.ts';
import type { Ctx } from './context.ts';
import { logSettings } from './log-files.ts';

export function logs(ctx: Ctx, ref: string, opts: LogOptions, signal: AbortSignal): AsyncIterable<LogEntry> {
  const c = ctx.store.get(ref);
  const follow = opts.follow && (c.State.Running || c.State.Status === 'created');
  return ctx.runtime.logs(c.Id, logSettings(ctx, c), { ...opts, follow }, signal);
}
