// docker top: the host's `ps` output, filtered to the container's processes (or the runtime's own table).
import { conflict, invalidParameter } from '../../errdefs.ts';
import { run } from '../../util/exec.ts';
import type { Ctx } from './context.ts';

export async function top(ctx: Ctx, ref: string, psArgs = '-ef'): Promise<{ Titles: string[]; Processes: string[][] }> {
  const c = ctx.store.get(ref);
  if (!c.State.Running) throw conflict(`Container ${c.Id} is not running`);
  const own = await ctx.runtime.processTable?.(c.Id);
  if (own) return own;
  const pids = new Set(await ctx.runtime.pids(c.Id));
  const res = await run('ps', psArgs.split(/\s+/).filter(Boolean));
  return filterPs(res.stdout, pids);
}

/** The lines of `ps` output whose PID column is one of `pids`; the last column keeps its spaces. */
export function filterPs(stdout: string, pids: Set<number>): { Titles: string[]; Processes: string[][] } {
  const lines = stdout.trimEnd().split('\n');
  const Titles = lines[0].trim().split(/\s+/);
  const pidCol = Titles.indexOf('PID');
  if (pidCol < 0) throw invalidParameter(`Couldn't find PID field in ps output`);
  const Processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (!pids.has(Number(fields[pidCol]))) continue;
    Processes.push([...fields.slice(0, Titles.length - 1), fields.slice(Titles.length - 1).join(' ')]);
  }
  return { Titles, Processes };
}
