// Engine API: /volumes/* — thin adapters over the volume service.
import { renderEach } from '../views/render-each.ts';
import type { Router } from '../router.ts';
import type { VolumeService, VolumeRecord } from '../../engine/volumes.ts';
import { invalidParameter } from '../../errdefs.ts';
import { VOLUME_LIST_FILTERS, VOLUME_PRUNE_FILTERS, volumeListMatcher, volumePruneMatcher } from '../filters/objects.ts';

export function volumeView(v: VolumeRecord): Record<string, unknown> {
  const { populated: _p, ...rest } = v;
  return rest;
}

export function registerVolumeRoutes(r: Router, d: { volumes: VolumeService }): void {
  const { volumes } = d;

  r.get('/volumes', (ctx) => {
    const pass = volumeListMatcher(ctx.filters(VOLUME_LIST_FILTERS));
    const list = volumes.all().filter((v) => pass(v, volumes.users(v.Name).length > 0));
    ctx.ok({ Volumes: renderEach(list, volumeView, 'volumes'), Warnings: null });
  });

  r.post('/volumes/create', async (ctx) => {
    const body = await ctx.body<any>('VolumeCreate');
    ctx.created(volumeView(volumes.create(body)));
  });

  r.post('/volumes/prune', (ctx) => {
    const match = volumePruneMatcher(ctx.filters(VOLUME_PRUNE_FILTERS), ctx.version, (v) => volumes.isAnonymous(v));
    ctx.ok(volumes.prune(match));
  });

  r.get('/volumes/:name', (ctx) => ctx.ok(volumeView(volumes.get(ctx.params.name!))));

  r.delete('/volumes/:name', (ctx) => {
    volumes.remove(ctx.params.name!, { force: ctx.qBool('force') });
    ctx.noContent();
  });
}
