// Engine API: /networks/* — thin adapters over the network service.
import { renderEach } from '../views/render-each.ts';
import type { Router } from '../router.ts';
import type { NetworkService } from '../../engine/networks.ts';
import { NETWORK_LIST_FILTERS, NETWORK_PRUNE_FILTERS, networkListMatcher, networkPruneMatcher } from '../filters/objects.ts';
import { BUILTIN } from '../../engine/networks.ts';
import type { ContainerService } from '../../engine/containers/service.ts';
import { invalidParameter } from '../../errdefs.ts';

export function registerNetworkRoutes(r: Router, d: { networks: NetworkService; containers: ContainerService }): void {
  const { networks } = d;

  r.get('/networks', (ctx) => {
    const pass = networkListMatcher(ctx.filters(NETWORK_LIST_FILTERS));
    const views = networks.all().map((n) => ({ n, view: networks.inspectView(n) }));
    ctx.ok(renderEach(views.filter(({ n, view }) => pass(n, { builtin: BUILTIN.includes(n.Name), inUse: Object.keys(view.Containers as object).length > 0 })), ({ view }) => view, 'networks'));
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
    const deleted = await networks.prune(networkPruneMatcher(ctx.filters(NETWORK_PRUNE_FILTERS)));
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
