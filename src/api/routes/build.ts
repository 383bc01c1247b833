// POST /build (the classic builder protocol: a context tar in, a JSON message stream out), /build/prune.
import type { Router } from '../router.ts';
import type { BuildService } from '../../engine/build.ts';
import { BuildError } from '../../build/builder.ts';
import { buildOptionsFromQuery } from './build-options.ts';
import { invalidParameter } from '../../errdefs.ts';

export function registerBuildRoutes(r: Router, d: { builds: BuildService }): void {
  /** running builds by the client's buildid, for POST /build/cancel */
  const running = new Map<string, AbortController>();

  r.post('/build', async (ctx) => {
    const abort = new AbortController();
    const opts = { ...buildOptionsFromQuery(ctx), signal: abort.signal };
    d.builds.validate(opts);
    // the context is read and the Dockerfile parsed before the response starts: a parse error is a 400
    const job = await d.builds.prepare(ctx.req, opts);
    const quiet = ctx.qBool('q');
    const res = ctx.stream('application/json');
    const write = (o: unknown) => res.write(JSON.stringify(o) + '\n');
    // -q: dockerd holds the output back, drops it on success and sends it before the error on failure
    const held: unknown[] = [];
    const send = (o: unknown) => (quiet ? held.push(o) : write(o));
    // a client that goes away cancels its build, as dockerd's request context does
    const gone = () => {
      if (!res.writableEnded) abort.abort();
    };
    res.once('close', gone);
    if (opts.buildId) running.set(opts.buildId, abort);
    try {
      const id = await job.run(
        (text) => send({ stream: text }),
        (m) => send(m),
      );
      if (quiet) write({ stream: `${id}\n` });
    } catch (e) {
      const msg = (e as Error).message;
      for (const o of held) write(o);
      write({ errorDetail: { code: e instanceof BuildError ? e.code : 1, message: msg }, error: msg });
    } finally {
      if (opts.buildId && running.get(opts.buildId) === abort) running.delete(opts.buildId);
      job.release();
    }
    res.end();
  });

  // all: Berth's build cache is unused between steps, so "all" and "dangling" remove the same; filters and
  // keep-storage select by what Berth does not track (ages, sizes, kinds): refused, not ignored
  r.post('/build/prune', (ctx) => {
    const filters = ctx.q('filters');
    if (filters && filters !== '{}') throw invalidParameter('build cache prune filters are not supported by this daemon: it prunes the whole build cache');
    const keep = ctx.q('keep-storage') ?? ctx.q('reserved-space');
    if (keep && keep !== '0') throw invalidParameter('keep-storage is not supported by this daemon: it does not measure its build cache');
    ctx.ok(d.builds.prune());
  });
  // dockerd: an id is required (a plain error: 500); an unknown one is not an error
  r.post('/build/cancel', (ctx) => {
    const id = ctx.q('id');
    if (!id) throw new Error('build ID not provided');
    running.get(id)?.abort();
    ctx.send(200, '');
  });
}
