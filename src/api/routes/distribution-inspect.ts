// GET /distribution/{name}/json: a registry's descriptor and platforms of an image reference, without
// pulling it (docker-py's inspect_distribution, `docker service create`). The name may hold slashes.
// GET /images/search: docker search, a registry's v1 search (distribution/search.ts).
import type { Router } from '../router.ts';
import type { DistributionService } from '../../engine/distribution.ts';
import { decodeAuth } from '../../engine/distribution.ts';
import { parseAnyReference, isNamed } from '../../images/reference.ts';
import { notFound, systemError, invalidParameter } from '../../errdefs.ts';
import { boolKey } from '../filters/args.ts';

const SEARCH_FILTERS = { 'is-automated': boolKey('is-automated'), 'is-official': boolKey('is-official'), stars: true } as const;

export function registerDistributionInspectRoute(r: Router, d: { dist: DistributionService }): void {
  r.get('/distribution/*', async (ctx) => {
    const p = ctx.params['*'] ?? '';
    if (!p.endsWith('/json')) throw notFound('page not found');
    const ref = parseAnyReference(p.slice(0, -'/json'.length));
    // a bare image ID names no repository to ask (dockerd's 500)
    if (!isNamed(ref)) throw systemError('no manifest found for full image ID');
    // (no auth, or an unreadable one, is anonymous, as dockerd takes it here)
    ctx.ok(await d.dist.inspect(ref, { creds: decodeAuth(ctx.req.headers['x-registry-auth'] as string | undefined) }));
  });

  r.get('/images/search', async (ctx) => {
    const raw = ctx.q('limit');
    const limit = raw === undefined || raw === '' ? 0 : Number(raw);
    if (!/^[+-]?\d+$/.test(raw ?? '0') || limit < 0) throw invalidParameter(`invalid limit specified: strconv.Atoi: parsing ${JSON.stringify(raw)}: invalid syntax`);
    const f = ctx.filters(SEARCH_FILTERS);
    // (is-automated is deprecated: asking for true finds nothing, and nothing is asked of the registry)
    if (f.boolOrDefault('is-automated', false)) return ctx.ok([]);
    let stars: number | undefined;
    for (const v of f.get('stars') ?? []) {
      if (!/^[+-]?\d+$/.test(v)) throw invalidParameter(`invalid filter 'stars=${v}': strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
      stars = Math.max(stars ?? 0, Number(v));
    }
    const isOfficial = f.has('is-official') ? f.boolOrDefault('is-official', false) : undefined;
    // (for a search no auth, or an unreadable one, is anonymous, as dockerd takes it)
    ctx.ok(await d.dist.search({ term: ctx.q('term') ?? '', limit, isOfficial, stars, creds: decodeAuth(ctx.req.headers['x-registry-auth'] as string | undefined) }));
  });
}
