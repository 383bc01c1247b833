// POST /build (the classic builder protocol: a context tar in, a JSON message stream out), /build/prune.
import type { Router } from '../router.ts';
import type { BuildService } from '../../engine/build.ts';
import { BuildError } from '../../build/builder.ts';
import { invalidParameter } from '../../errdefs.ts';

function jsonParam(v: string | undefined, name: string): Record<string, string> {
  if (!v) return {};
  try {
    const o = JSON.parse(v) as Record<string, string | null>;
    return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== null)) as Record<string, string>;
  } catch {
    throw invalidParameter(`invalid ${name}: ${v}`);
  }
}

export function registerBuildRoutes(r: Router, d: { builds: BuildService }): void {
  r.post('/build', async (ctx) => {
    if (ctx.q('remote')) throw invalidParameter('building from a remote context is not supported: this daemon has no network access');
    const opts = {
      dockerfile: ctx.q('dockerfile') || 'Dockerfile',
      tags: ctx.query.getAll('t').filter(Boolean),
      buildArgs: jsonParam(ctx.q('buildargs'), 'buildargs'),
      target: ctx.q('target') || undefined,
      noCache: ctx.qBool('nocache'),
      labels: jsonParam(ctx.q('labels'), 'labels'),
      networkMode: ctx.q('networkmode') && ctx.q('networkmode') !== 'default' ? ctx.q('networkmode') : undefined,
      hostConfig: {
        ...(ctx.qInt('memory') ? { Memory: ctx.qInt('memory') } : {}),
        ...(ctx.qInt('cpushares') ? { CpuShares: ctx.qInt('cpushares') } : {}),
        ...(ctx.qInt('shmsize') ? { ShmSize: ctx.qInt('shmsize') } : {}),
      },
      forceRm: ctx.qBool('forcerm'),
      pull: ctx.qBool('pull'),
      platform: ctx.q('platform') || undefined,
    };
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
