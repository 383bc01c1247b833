// Engine API: /networks/* — thin adapters over the network service.
import { renderEach } from '../views/render-each.ts';
import type { Router } from '../router.ts';
import type { NetworkService, NetworkCreateRequest } from '../../engine/networks.ts';
import { compareVersions } from '../version.ts';
import { NETWORK_LIST_FILTERS, NETWORK_PRUNE_FILTERS, networkListMatcher, networkPruneMatcher } from '../filters/objects.ts';
import { BUILTIN } from '../../engine/networks.ts';
import type { ContainerService } from '../../engine/containers/service.ts';
import { invalidParameter, notFound } from '../../errdefs.ts';

/** The spellings Go's strconv.ParseBool reads. */
const GO_BOOL = ['1', 't', 'T', 'true', 'TRUE', 'True', '0', 'f', 'F', 'false', 'FALSE', 'False'];

export function registerNetworkRoutes(r: Router, d: { networks: NetworkService; containers: ContainerService }): void {
  const { networks } = d;

  r.get('/networks', (ctx) => {
    const pass = networkListMatcher(ctx.filters(NETWORK_LIST_FILTERS));
    const views = networks.all().map((n) => ({ n, view: networks.inspectView(n) }));
    ctx.ok(renderEach(views.filter(({ n, view }) => pass(n, { builtin: BUILTIN.includes(n.Name), inUse: Object.keys(view.Containers as object).length > 0 })), ({ view }) => view, 'networks'));
  });

  r.get('/networks/:id', (ctx) => {
    const verbose = ctx.query.get('verbose');
    if (verbose && !GO_BOOL.includes(verbose)) throw invalidParameter(`invalid value for verbose: ${verbose}: strconv.ParseBool: parsing "${verbose}": invalid syntax`);
    // (?verbose adds a swarm network's services: Berth's local networks have none. ?scope= narrows the
    // lookup: every Berth network is local, so another scope finds none, as on a dockerd outside a swarm)
    const scope = ctx.query.get('scope');
    if (scope && scope !== 'local') throw notFound(`network ${ctx.params.id} not found`);
    ctx.ok(networks.inspectView(networks.get(ctx.params.id!)));
  });

  r.post('/networks/create', async (ctx) => {
    const body = await ctx.body<NetworkCreateRequest>('NetworkCreate');
    // EnableIPv4 came with API 1.48: older clients' requests are read without it, as dockerd reads them
    if (compareVersions(ctx.version, '1.48') < 0) delete body.EnableIPv4;
    ctx.created(await networks.create(body));
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
    const body = await ctx.body<{ Container?: string; EndpointConfig?: Parameters<ContainerService['connectNetwork']>[2] }>('NetworkConnect');
    if (!body.Container) throw invalidParameter('invalid name or ID supplied: ""');
    await d.containers.connectNetwork(body.Container, ctx.params.id!, body.EndpointConfig ?? {});
    ctx.send(200, '');
  });

  r.post('/networks/:id/disconnect', async (ctx) => {
    const body = await ctx.body<{ Container?: string; Force?: boolean }>('NetworkDisconnect');
    if (!body.Container) throw invalidParameter('invalid name or ID supplied: ""');
    await d.containers.disconnectNetwork(body.Container, ctx.params.id!, !!body.Force);
    ctx.send(200, '');
  });
}
