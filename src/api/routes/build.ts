// POST /build (the classic builder protocol: a context tar in, a JSON message stream out), /build/prune.
import { messageOf } from '../errors.ts';
import type { Router } from '../router.ts';
import type { BuildService } from '../../engine/build.ts';
import { BuildError } from '../../build/builder.ts';
import { buildOptionsFromQuery } from './build-options.ts';
import { invalidParameter } from '../../errdefs.ts';
import { BUILD_PRUNE_FILTERS, buildPruneUntil } from '../filters/objects.ts';

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
      // (no daemon host paths, no JavaScript error texts in the stream either)
      const msg = messageOf(e);
      for (const o of held) write(o);
      write({ errorDetail: { code: e instanceof BuildError ? e.code : 1, message: msg }, error: msg });
    } finally {
      if (opts.buildId && running.get(opts.buildId) === abort) running.delete(opts.buildId);
      job.release();
    }
    res.end();
  });

  // filters: `until` (and its old name unused-for) by when an entry was last used; keep-storage
  // selects by sizes Berth does not measure: refused, not ignored
  r.post('/build/prune', (ctx) => {
    const keep = ctx.q('keep-storage') ?? ctx.q('reserved-space') ?? ctx.q('max-used-space') ?? ctx.q('min-free-space');
    if (keep && keep !== '0') throw invalidParameter('keep-storage is not supported by this daemon: it does not measure its build cache');
    ctx.ok(d.builds.prune(buildPruneUntil(ctx.filters(BUILD_PRUNE_FILTERS))));
  });
  // dockerd: an id is required (a plain error: 500); an unknown one is not an error
  r.post('/build/cancel', (ctx) => {
    const id = ctx.q('id');
    if (!id) throw new Error('build ID not provided');
    running.get(id)?.abort();
    ctx.send(200, '');
  });
}
