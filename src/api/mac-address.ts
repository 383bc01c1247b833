// The container-wide MacAddress (Config.MacAddress) of API < 1.44, which the endpoint-specific
// EndpointSettings.MacAddress replaced: moved to the endpoint of the container's network as dockerd does,
// so the engine honours one field only.
import { invalidParameter } from '../errdefs.ts';
import { compareVersions } from './version.ts';

interface CreateBody {
  MacAddress?: string;
  HostConfig?: { NetworkMode?: string } | null;
  NetworkingConfig?: { EndpointsConfig?: Record<string, { MacAddress?: string } | null> | null } | null;
}

const DEPRECATED = 'The container-wide MacAddress field is now deprecated. It should be specified in EndpointsConfig instead.';

/** Rewrites the create body in place; returns a warning for the client, if any. */
export function migrateMacAddress(body: CreateBody, version: string): string | undefined {
  const mac = body.MacAddress ?? '';
  const old = compareVersions(version, '1.44') < 0;
  if (old && !mac) {
    // the old API had no per-endpoint address: one sent anyway was ignored then, and is now
    for (const ep of Object.values(body.NetworkingConfig?.EndpointsConfig ?? {})) if (ep) delete ep.MacAddress;
    return undefined;
  }
  if (!mac) return undefined;
  const mode = body.HostConfig?.NetworkMode || 'default';
  const ownNamespace = !['host', 'none'].includes(mode) && !mode.startsWith('container:');
  if (!ownNamespace) {
    if (old) throw invalidParameter('conflicting options: mac-address and the network mode');
  } else {
    const name = mode === 'default' ? 'bridge' : mode;
    const nc = (body.NetworkingConfig ??= {});
    const eps = (nc.EndpointsConfig ??= {});
    const key = Object.keys(eps).find((k) => k === name || (name === 'bridge' && k === 'default')) ?? name;
    const ep = (eps[key] ??= {});
    if (!ep.MacAddress) ep.MacAddress = mac;
    else if (ep.MacAddress !== mac) throw invalidParameter('the container-wide MAC address must match the endpoint-specific MAC address for the main network, or be left empty');
  }
  if (old) return undefined;
  delete body.MacAddress;
  return DEPRECATED;
}
