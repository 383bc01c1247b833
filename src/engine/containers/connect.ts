// docker network connect/disconnect of a container: the network service changes a working copy
// of the record, which is then written, under the container's lock.
import fs from 'node:fs';
import { invalidParameter, notFound } from '../../errdefs.ts';
import type { EndpointRequest } from '../../network/endpoint-config.ts';
import type { Ctx } from './context.ts';

export async function connectNetwork(ctx: Ctx, ref: string, network: string, cfg: EndpointRequest & { NetworkID?: string }): Promise<void> {
  if (!ctx.networks) throw invalidParameter('networks are not available');
  const c0 = ctx.store.get(ref);
  await ctx.store.lock.run(c0.Id, async () => {
    const w = structuredClone(ctx.store.get(c0.Id));
    await ctx.networks!.connect(w, network, cfg, w.State.Running && w.State.Pid ? `/proc/${w.State.Pid}/ns/net` : undefined);
    ctx.store.update(w.Id, (x) => void (x.NetworkSettings = w.NetworkSettings));
    // a running container joining a macvlan/ipvlan network asks its embedded resolver from now on, as
    // dockerd rewrites the file when the resolver starts
    if (w.State.Running && ctx.networks!.find(network)?.vlan) {
      const conf = ctx.networks!.resolvConf(w, () => fs.readFileSync(w.ResolvConfPath, 'utf8'));
      if (conf) fs.writeFileSync(w.ResolvConfPath, conf);
    }
  });
}

export async function disconnectNetwork(ctx: Ctx, ref: string, network: string, force = false): Promise<void> {
  if (!ctx.networks) throw invalidParameter('networks are not available');
  const c0 = ctx.store.find(ref);
  // with Force, a container that is gone: dockerd looks for an endpoint of that name (Berth keeps none of a removed container)
  if (!c0 && force) throw notFound(`endpoint ${ref} not found`);
  if (!c0) throw notFound(`No such container: ${ref}`);
  await ctx.store.lock.run(c0.Id, async () => {
    const w = structuredClone(ctx.store.get(c0.Id));
    await ctx.networks!.disconnect(w, network, w.State.Running, force);
    ctx.store.update(w.Id, (x) => void (x.NetworkSettings = w.NetworkSettings));
  });
}
