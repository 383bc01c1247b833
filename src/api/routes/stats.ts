// GET /containers/{id}/stats: one JSON sample, or a stream of them (one a second) until the client goes.
import type { Router } from '../router.ts';
import type { StatsService } from '../../engine/stats.ts';

export function registerStatsRoutes(r: Router, d: { stats: StatsService }): void {
  r.get('/containers/:id/stats', async (ctx) => {
    const stream = ctx.qBool('stream', true);
    const oneShot = ctx.qBool('one-shot');
    const ac = new AbortController();
    const samples = d.stats.samples(ctx.params.id!, { stream, oneShot }, ac.signal);
    // The first sample before the status line: an unknown container is still a plain 404.
    const first = await samples.next();
    const res = ctx.stream('application/json');
    res.on('close', () => ac.abort());
    if (!first.done) res.write(JSON.stringify(first.value) + '\n');
    for await (const s of samples) {
      if (ac.signal.aborted) break;
      res.write(JSON.stringify(s) + '\n');
    }
    res.end();
  });
}
