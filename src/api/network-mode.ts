// What an API client may not ask for beside --network container:X, which shares another container's
// network namespace (moby runconfig validateNetContainerMode, in its order), and dockerd's warning for
// ports published with --network host. At the API only: the CRI puts a pod's containers in the pod's
// namespace with the pod's hostname, which is not this conflict.
import { invalidParameter } from '../errdefs.ts';

type Body = Record<string, any>;

const set = (v: unknown) => (Array.isArray(v) ? v.length > 0 : v && typeof v === 'object' ? Object.keys(v).length > 0 : !!v);

/** Throws dockerd's 400 for a conflict; the warnings dockerd gives at create. */
export function checkNetworkMode(body: Body): string[] {
  const hc: Body = body.HostConfig && typeof body.HostConfig === 'object' ? body.HostConfig : {};
  const mode = typeof hc.NetworkMode === 'string' ? hc.NetworkMode : '';
  if (mode === 'host' && set(hc.PortBindings)) return ['Published ports are discarded when using host network mode'];
  if (mode !== 'container' && !mode.startsWith('container:')) return [];
  if (!mode.slice('container:'.length)) throw invalidParameter('invalid network mode: invalid container format container:<name|id>');
  const conflicts: [unknown, string][] = [
    [body.Hostname, 'hostname and the network mode'],
    [hc.Links, "container type network can't be used with links. This would result in undefined behavior"],
    [hc.Dns, 'dns and the network mode'],
    [hc.ExtraHosts, 'custom host-to-IP mapping and the network mode'],
    [set(hc.PortBindings) || hc.PublishAllPorts, 'port publishing and the container type network mode'],
    [body.ExposedPorts, 'port exposing and the container type network mode'],
  ];
  for (const [value, what] of conflicts) if (set(value)) throw invalidParameter(`conflicting options: ${what}`);
  return [];
}
