// n runs of a command, at most `width` at a time: one result whose time is the wall-clock of all
// of them, and which fails (the first failure's output) if any of them did.
import type { RunResult } from '../test/helpers/docker.ts';

export async function inParallel(n: number, width: number, one: () => Promise<RunResult>): Promise<RunResult> {
  const t0 = process.hrtime.bigint();
  let next = 0;
  let failed: RunResult | undefined;
  const worker = async () => {
    while (next < n) {
      next++;
      const r = await one();
      if (r.code !== 0) failed ??= r;
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return failed ? { ...failed, ms } : { code: 0, signal: null, stdout: '', stderr: '', timedOut: false, ms };
}
