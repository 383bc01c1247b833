// Registry endpoints: the pull half of POST /images/create, POST /images/{name}/push, POST /auth.
// Errors before the first progress message are plain HTTP errors (the CLI prints "Error response from
// daemon"); later ones go into the message stream, as dockerd does.
import type { ServerResponse } from 'node:http';
import type { Router } from '../router.ts';
import type { Ctx } from '../context.ts';
import type { DistributionService } from '../../engine/distribution.ts';
import { decodeAuth } from '../../engine/distribution.ts';
import { pullReference, parseNormalizedNamed, withTag } from '../../images/reference.ts';
import { writeJSONMessage, errorMessage } from './images.ts';
import { invalidParameter, kindOf } from '../../errdefs.ts';
import { parseJson } from '../json-body.ts';
import { checkBody } from '../body-types.ts';

function lazyStream(ctx: Ctx): { write: (m: unknown) => void; started: () => boolean; end: () => void } {
  let res: ServerResponse | undefined;
  return {
    write: (m) => {
      res ??= ctx.stream('application/json');
      writeJSONMessage(res, m);
    },
    started: () => !!res,
    end: () => res?.end(),
  };
}

export function pullHandler(dist: DistributionService) {
  return async (ctx: Ctx): Promise<void> => {
    const ref = pullReference(ctx.q('fromImage')!, ctx.q('tag'));
    const out = lazyStream(ctx);
    try {
      await dist.pull(ref, { platform: ctx.q('platform') || undefined, creds: decodeAuth(ctx.req.headers['x-registry-auth'] as string | undefined) }, out.write);
    } catch (e) {
      if (!out.started()) throw e;
      out.write(errorMessage(e));
    }
    out.end();
  };
}

export function pushHandler(dist: DistributionService) {
  return async (ctx: Ctx, name: string): Promise<void> => {
    let ref = parseNormalizedNamed(name);
    const tag = ctx.q('tag');
    if (tag) ref = withTag(ref, tag);
    const out = lazyStream(ctx);
    try {
      await dist.push(ref, { creds: decodeAuth(ctx.req.headers['x-registry-auth'] as string | undefined) }, out.write);
    } catch (e) {
      if (!out.started()) throw e;
      out.write(errorMessage(e));
    }
    out.end();
  };
}

type AuthBody = { username?: string; password?: string; serveraddress?: string; identitytoken?: string };

/** The login body as dockerd's authconfig.DecodeRequestBody decodes it: an empty body, bad JSON or a
 * wrong-typed field is a 400 "invalid X-Registry-Auth header: invalid JSON: <Go's decoder error>". */
async function authBody(ctx: Ctx): Promise<AuthBody> {
  const text = (await ctx.rawBody()).toString('utf8');
  try {
    if (text.trim() === '') throw invalidParameter('EOF');
    return checkBody<AuthBody>('AuthConfig', parseJson(text));
  } catch (e) {
    if (kindOf(e) !== 'invalid-parameter') throw e;
    throw invalidParameter(`invalid X-Registry-Auth header: invalid JSON: ${(e as Error).message}`);
  }
}

export function registerAuthRoute(r: Router, d: { dist: DistributionService }): void {
  r.post('/auth', async (ctx) => {
    ctx.ok(await d.dist.login(await authBody(ctx)));
  });
}
