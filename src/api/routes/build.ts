// POST /build (the classic builder protocol: a context tar in, a JSON message stream out), /build/prune.
import type { Router } from '../router.ts';
import type { BuildService } from '../../engine/build.ts';
import { BuildError } from '../../build/builder.ts';
import { buildOptionsFromQuery } from './build-options.ts';

export function registerBuildRoutes(r: Router, d: { builds: BuildService }): void {
  r.post('/build', async (ctx) => {
    const opts = buildOptionsFromQuery(ctx);
    d.builds.validate(opts);
    // the context is read and the Dockerfile parsed before the response starts: a parse error is a 400
    const job = await d.builds.prepare(ctx.req, opts);
    const quiet = ctx.qBool('q');
    const res = ctx.stream('application/json');
    const send = (o: unknown) => res.write(JSON.stringify(o) + '\n');
    try {
      const id = await job.run(
        (text) => {
          if (!quiet) send({ stream: text });
        },
        (m) => {
          if (!quiet) send(m);
        },
      );
      if (quiet) send({ stream: `${id}\n` });
      send({ aux: { ID: id } });
    } catch (e) {
      const msg = (e as Error).message;
      send({ errorDetail: { code: e instanceof BuildError ? e.code : 1, message: msg }, error: msg });
    } finally {
      job.release();
    }
    res.end();
  });

  r.post('/build/prune', (ctx) => ctx.ok(d.builds.prune()));
  r.post('/build/cancel', (ctx) => ctx.send(200, ''));
}
