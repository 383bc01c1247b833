// GET /distribution/{name}/json: a registry's descriptor and platforms of an image reference, without
// pulling it (docker-py's inspect_distribution, `docker service create`). The name may hold slashes.
import type { Router } from '../router.ts';
import type { DistributionService } from '../../engine/distribution.ts';
import { decodeAuth } from '../../engine/distribution.ts';
import { parseAnyReference, isNamed } from '../../images/reference.ts';
import { notFound, systemError } from '../../errdefs.ts';

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
}
