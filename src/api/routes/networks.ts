// Engine API: /networks/* — thin adapters over the network service.
import { renderEach } from '../views/render-each.ts';
import type { Router } from '../router.ts';
import type { NetworkService, NetworkRecord } from '../../engine/networks.ts';
import { BUILTIN } from '../../engine/networks.ts';
import type { ContainerService } from '../../engine/containers/service.ts';
import { invalidParameter } from '../../errdefs.ts';

function labelMatch(labels: Record<string, string>, f: string): boolean {
  const i = f.indexOf('=');
  return i < 0 ? f in labels : labels[f.slice(0, i)] === f.slice(i + 1);
}

export function registerNetworkRoutes(r: Router, d: { networks: NetworkService; containers: ContainerService }): void {
  const { networks } = d;

  r.get('/networks', (ctx) => {
    const f = ctx.filters();
    for (const k of f.keys()) if (!['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling'].includes(k)) throw invalidParameter(`invalid filter '${k}'`);
    const pass = (n: NetworkRecord) =>
      (!f.has('driver') || f.get('driver')!.includes(n.Driver)) &&
      (!f.has('id') || f.get('id')!.some((v) => n.Id.startsWith(v))) &&
      (!f.has('name') || f.get('name')!.some((v) => n.Name.includes(v))) &&
      (!f.has('label') || f.get('label')!.every((v) => labelMatch(n.Labels, v))) &&
      (!f.has('scope') || f.get('scope')!.includes(n.Scope)) &&
      (!f.has('type') || f.get('type')!.some((v) => (v === 'builtin') === BUILTIN.includes(n.Name))) &&
      (!f.has('dangling') || f.get('dangling')!.some((v) => ['true', '1'].includes(v) === (!BUILTIN.includes(n.Name) && !Object.keys(networks.inspectView(n).Containers as object).length)));
    ctx.ok(renderEach(networks.all().filter(pass), (n) => networks.inspectView(n), 'networks'));
  });

  r.get('/networks/:id', (ctx) => ctx.ok(networks.inspectView(networks.get(ctx.params.id!))));

  r.post('/networks/create', async (ctx) => {
    const body = await ctx.body('NetworkCreate');
    ctx.created(await networks.create(body as any));
  });

  r.delete('/networks/:id', async (ctx) => {
    await networks.remove(ctx.params.id!);
    ctx.noContent();
  });

  r.post('/networks/prune', async (ctx) => {
    const f = ctx.filters();
    const labels = f.get('label') ?? [];
    const deleted = await networks.prune((l) => labels.every((v) => labelMatch(l, v)));
    ctx.ok({ NetworksDeleted: deleted.length ? deleted : null });
  });

  r.post('/networks/:id/connect', async (ctx) => {
    const body = await ctx.body<{ Container?: string; EndpointConfig?: { Aliases?: string[]; IPAMConfig?: { IPv4Address?: string } } }>('NetworkConnect');
    if (!body.Container) throw invalidParameter('no container given');
    await d.containers.connectNetwork(body.Container, ctx.params.id!, body.EndpointConfig ?? {});
    ctx.send(200, '');
  });

  r.post('/networks/:id/disconnect', async (ctx) => {
    const body = await ctx.body<{ Container?: string; Force?: boolean }>('NetworkDisconnect');
    if (!body.Container) throw invalidParameter('no container given');
    await d.containers.disconnectNetwork(body.Container, ctx.params.id!);
    ctx.send(200, '');
  });
}
