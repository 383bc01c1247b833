// Engine API: /volumes/* — thin adapters over the volume service.
import { renderEach } from '../views/render-each.ts';
import type { Router } from '../router.ts';
import type { VolumeService, VolumeRecord } from '../../engine/volumes.ts';
import { invalidParameter } from '../../errdefs.ts';

export function volumeView(v: VolumeRecord): Record<string, unknown> {
  const { populated: _p, ...rest } = v;
  return rest;
}

function labelMatch(labels: Record<string, string>, f: string): boolean {
  const i = f.indexOf('=');
  return i < 0 ? f in labels : labels[f.slice(0, i)] === f.slice(i + 1);
}

export function registerVolumeRoutes(r: Router, d: { volumes: VolumeService }): void {
  const { volumes } = d;

  r.get('/volumes', (ctx) => {
    const f = ctx.filters();
    for (const k of f.keys()) if (!['dangling', 'driver', 'label', 'name'].includes(k)) throw invalidParameter(`invalid filter '${k}'`);
    const list = volumes.all().filter(
      (v) =>
        (!f.has('name') || f.get('name')!.some((n) => v.Name.includes(n))) &&
        (!f.has('driver') || f.get('driver')!.includes(v.Driver)) &&
        (!f.has('label') || f.get('label')!.every((l) => labelMatch(v.Labels, l))) &&
        (!f.has('dangling') || f.get('dangling')!.some((x) => ['true', '1'].includes(x) === (volumes.users(v.Name).length === 0))),
    );
    ctx.ok({ Volumes: renderEach(list, volumeView, 'volumes'), Warnings: null });
  });

  r.post('/volumes/create', async (ctx) => {
    const body = await ctx.body<any>('VolumeCreate');
    ctx.created(volumeView(volumes.create(body)));
  });

  r.post('/volumes/prune', (ctx) => {
    const f = ctx.filters();
    const labels = f.get('label') ?? [];
    const all = (f.get('all') ?? []).some((x) => ['true', '1'].includes(x));
    ctx.ok(volumes.prune({ all, label: (l) => labels.every((x) => labelMatch(l, x)) }));
  });

  r.get('/volumes/:name', (ctx) => ctx.ok(volumeView(volumes.get(ctx.params.name!))));

  r.delete('/volumes/:name', (ctx) => {
    volumes.remove(ctx.params.name!, { force: ctx.qBool('force') });
    ctx.noContent();
  });
}
