// Engine API: /images/... — import, list, inspect, history, tag, remove, save, load, prune.
// Image names hold slashes (localhost:5000/a/b:tag), so the per-image routes are wildcards whose
// last path segment picks the operation.
import { renderEach } from '../views/render-each.ts';
import { Readable } from 'node:stream';
import type { ServerResponse } from 'node:http';
import type { Router } from '../router.ts';
import type { Ctx } from '../context.ts';
import { invalidParameter, notFound, systemError } from '../../errdefs.ts';
import { messageOf } from '../errors.ts';
import { IMAGE_LIST_FILTERS, IMAGE_PRUNE_FILTERS } from '../filters/objects.ts';
import type { ImagesEngine } from '../../engine/images.ts';
import { imageInspectFor, imageListFor } from '../versions/responses.ts';
import { pullReference } from '../../images/reference.ts';

export interface ImageRouteDeps {
  images: ImagesEngine;
  /** `POST /images/create?fromImage=` (registry pull); without it pulls answer an error in the stream. */
  pull?: (ctx: Ctx) => Promise<void>;
  /** `POST /images/{name}/push`. */
  push?: (ctx: Ctx, name: string) => Promise<void>;
}

/** dockerd's JSON message framing: one object per line, "\r\n" terminated. */
export function writeJSONMessage(res: ServerResponse, m: unknown): void {
  if (!res.writableEnded && !res.destroyed) res.write(JSON.stringify(m) + '\r\n');
}

export function errorMessage(err: unknown): { errorDetail: { message: string }; error: string } {
  const message = messageOf(err);
  return { errorDetail: { message }, error: message };
}

/** The image name and operation of a wildcard path: "localhost:5000/a/b:tag/json" → ["localhost:5000/a/b:tag", "json"]. */
function split(rest: string | undefined, ops: string[]): [string, string] {
  const s = (rest ?? '').replace(/\/+$/, '');
  const i = s.lastIndexOf('/');
  if (i > 0 && ops.includes(s.slice(i + 1))) return [s.slice(0, i), s.slice(i + 1)];
  return [s, ''];
}

export function registerImageRoutes(router: Router, deps: ImageRouteDeps): void {
  const images = deps.images;

  router.post('/images/create', async (ctx) => {
    const fromImage = ctx.q('fromImage');
    if (fromImage) return pull(ctx, deps, fromImage);
    const src = ctx.q('fromSrc') ?? '';
    let body: Readable = ctx.req;
    let res: ServerResponse | undefined;
    const opts = { repo: ctx.q('repo'), tag: ctx.q('tag'), message: ctx.q('message'), changes: ctx.query.getAll('changes'), platform: ctx.q('platform') };
    try {
      if (src !== '-') {
        if (!src) throw invalidParameter('fromSrc or fromImage must be specified');
        const url = src.includes('://') ? src : `http://${src}`;
        let parsed: URL;
        try {
          parsed = new URL(url);
        } catch (e) {
          throw invalidParameter((e as Error).message);
        }
        // an unreachable source is dockerd's 500 with the transport's reason, worded as Go's client
        const r = await fetch(parsed).catch((e: Error & { cause?: Error }) => {
          throw systemError(`Get "${parsed.href}": ${e.cause?.message ?? e.message}`);
        });
        // an unreadable body only leaves the message without the server's text
        if (!r.ok || !r.body) throw invalidParameter(`failed to GET ${parsed.href} with status ${r.statusText}: ${await r.text().catch(() => '')}`);
        res = ctx.stream('application/json');
        writeJSONMessage(res, { status: `Downloading from ${parsed.href}` });
        body = Readable.fromWeb(r.body as any);
      }
      const id = await images.importImage(body, { ...opts, message: opts.message || `Imported from ${src}` });
      res ??= ctx.stream('application/json');
      writeJSONMessage(res, { status: id });
      res.end();
    } catch (e) {
      if (!res) throw e;
      writeJSONMessage(res, errorMessage(e));
      res.end();
    }
  });

  router.get('/images/json', (ctx) => {
    ctx.ok(imageListFor(ctx.version, renderEach(images.list({ all: ctx.qBool('all'), filters: ctx.filters(IMAGE_LIST_FILTERS), sharedSize: ctx.qBool('shared-size') }), (i) => i, 'images') as unknown as Record<string, unknown>[]));
  });

  // GET /images/get?names=a&names=b — must win over the wildcard.
  router.get('/images/get', (ctx) => save(ctx, images, ctx.query.getAll('names')));

  router.post('/images/load', async (ctx) => {
    const quiet = ctx.qBool('quiet', true);
    const res = ctx.stream('application/json');
    try {
      await images.load(ctx.req, { quiet }, (m) => writeJSONMessage(res, m));
    } catch (e) {
      writeJSONMessage(res, errorMessage(e));
    }
    res.end();
  });

  router.post('/images/prune', (ctx) => {
    ctx.ok(images.prune(ctx.filters(IMAGE_PRUNE_FILTERS)));
  });

  router.get('/images/*', async (ctx) => {
    const [name, op] = split(ctx.params['*'], ['json', 'history', 'get']);
    if (!name) throw notFound('page not found');
    switch (op) {
      case 'json':
        return ctx.ok(imageInspectFor(ctx.version, images.inspect(name), images.resolve(name).config));
      case 'history':
        return ctx.ok(images.history(name));
      case 'get':
        return save(ctx, images, [name]);
      default:
        throw notFound('page not found');
    }
  });

  router.post('/images/*', async (ctx) => {
    const [name, op] = split(ctx.params['*'], ['tag', 'push']);
    if (!name) throw notFound('page not found');
    switch (op) {
      case 'tag':
        images.tag(name, ctx.q('repo'), ctx.q('tag'));
        return ctx.send(201);
      case 'push':
        if (!deps.push) {
          const res = ctx.stream('application/json');
          writeJSONMessage(res, errorMessage(new Error('pushing images is not supported by this daemon yet')));
          return void res.end();
        }
        return deps.push(ctx, name);
      default:
        throw notFound('page not found');
    }
  });

  router.delete('/images/*', (ctx) => {
    const name = (ctx.params['*'] ?? '').replace(/\/+$/, '');
    ctx.ok(images.remove(name, { force: ctx.qBool('force'), noprune: ctx.qBool('noprune') }));
  });
}

function save(ctx: Ctx, images: ImagesEngine, names: string[]): void {
  const tar = images.save(names);
  const res = ctx.stream('application/x-tar');
  tar.on('error', () => res.destroy());
  tar.pipe(res);
}

async function pull(ctx: Ctx, deps: ImageRouteDeps, fromImage: string): Promise<void> {
  // Validate the reference as dockerd does before anything is streamed.
  const tag = ctx.q('tag');
  pullReference(fromImage, tag);
  if (deps.pull) return deps.pull(ctx);
  const res = ctx.stream('application/json');
  writeJSONMessage(res, errorMessage(new Error(`pulling images is not supported by this daemon yet (no registry access): ${fromImage}${tag ? ':' + tag : ''}`)));
  res.end();
}
