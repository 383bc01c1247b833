// A new bridge network's address pools from its IPAM.Config, checked as libnetwork's default IPAM checks
// them: at most one IPv4 and one IPv6 pool (Berth's bridge gives each container one address of each
// family), an IPv4 pool always (picked from the defaults when none is given, as dockerd does), an IPv6
// pool only when asked for (EnableIPv6 without an IPv6 subnet: the next free /64 of the daemon's default
// IPv6 pools, a ULA prefix unless configured, as dockerd 27+ allocates; dockerd 20.10 had none). Overlapping pools, addresses outside their pool and unparsable input are
// refused before anything is made.
import { BerthError, invalidParameter, systemError } from '../errdefs.ts';
import { parseCidr, cidrString, pickPool, firstHost, parseIp, ipString, contains, overlaps, type Cidr } from './ipam.ts';
import { parseCidr6, cidr6String, parseIp6, ip6String, contains6, overlaps6, firstHost6, isV6, pickPool6, type Cidr6, type Pool6 } from './ipam6.ts';
import type { IpamConfig, NetworkRecord } from './types.ts';

export interface IpamConfigRequest {
  Subnet?: string;
  Gateway?: string;
  IPRange?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

/** The IPv4 pool of a network (every bridge network has one). */
export function v4Config(n: Pick<NetworkRecord, 'IPAM'>): IpamConfig | undefined {
  return n.IPAM.Config.find((c) => !isV6(c.Subnet));
}

/** The IPv6 pool a network gives addresses from: only with EnableIPv6 (an IPv6 subnet without it is kept
 * in the record, as dockerd keeps it, and unused). */
export function v6Config(n: Pick<NetworkRecord, 'IPAM' | 'EnableIPv6'>): IpamConfig | undefined {
  return n.EnableIPv6 ? n.IPAM.Config.find((c) => isV6(c.Subnet)) : undefined;
}

const OVERLAP = () => new BerthError('forbidden', 'Pool overlaps with other one on this address space');

/** Where a network with EnableIPv6 and no IPv6 subnet gets one: `pools` in address order, skipping the
 * `reserved` prefixes (the host's IPv6 nameservers). */
export interface V6Defaults {
  pools: Pool6[];
  reserved: Cidr6[];
}

/** The pools of a new network named `name`, given the networks that exist (and the host's routes, which
 * a default IPv4 pool must not shadow, and the default IPv6 pools). */
export function ipamConfigs(name: string, req: IpamConfigRequest[] | undefined, enableIPv6: boolean, existing: NetworkRecord[], routes?: Cidr[], v6Defaults?: V6Defaults): IpamConfig[] {
  const given = req ?? [];
  const v4s = given.filter((c) => !isV6(c.Subnet ?? c.Gateway ?? c.IPRange ?? ''));
  const v6s = given.filter((c) => !v4s.includes(c));
  if (v4s.length > 1 || v6s.length > 1) throw invalidParameter('Berth networks have one IPAM pool per address family: more than one IPv4 or IPv6 IPAM.Config is not supported');
  // the IPv6 pool is checked first: its errors do not depend on which IPv4 pools are free
  const v6 = v6s[0] ? v6Pool(name, v6s[0], existing) : enableIPv6 ? defaultV6Pool(existing, v6Defaults) : undefined;
  if (!v6 && enableIPv6) throw invalidParameter('could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network');
  return [v4Pool(name, v4s[0], existing, routes), ...(v6 ? [v6] : [])];
}

function v4Pool(name: string, cfg: IpamConfigRequest | undefined, existing: NetworkRecord[], routes?: Cidr[]): IpamConfig {
  const used = existing.flatMap((n) => n.IPAM.Config.filter((c) => !isV6(c.Subnet)).map((c) => parseCidr(c.Subnet)));
  let subnet: Cidr;
  let gateway: string;
  if (cfg?.Subnet) {
    subnet = parseCidr(cfg.Subnet);
    if (subnet.bits > 30) throw invalidParameter(`invalid subnet ${cfg.Subnet}: too small`);
    if (used.some((o) => overlaps(o, subnet))) throw OVERLAP();
    // no gateway given: libnetwork's allocator hands out the first free address of the pool, which with
    // an --ip-range is the range's first (its network address included, unless it is the subnet's)
    gateway = cfg.Gateway || (cfg.IPRange ? firstOfRange(subnet, cfg.IPRange) : firstHost(subnet));
    const g = parseIp(gateway);
    if (g === undefined || !contains(subnet, g)) throw invalidParameter(`invalid gateway ${gateway}: not in subnet ${cidrString(subnet)}`);
  } else {
    if (cfg?.Gateway) throw invalidParameter('a gateway needs a subnet');
    subnet = pickPool(used, routes);
    gateway = firstHost(subnet);
  }
  const aux = auxAddresses(name, cfg?.AuxiliaryAddresses, (ip) => {
    const n = parseIp(ip);
    return n === undefined ? undefined : contains(subnet, n);
  }, cidrString(subnet), gateway);
  return { Subnet: cidrString(subnet), Gateway: gateway, ...(cfg?.IPRange ? { IPRange: cfg.IPRange } : {}), ...(aux ? { AuxiliaryAddresses: aux } : {}), ...(cfg?.Subnet && !cfg.Gateway ? { gatewayImplicit: true } : {}) };
}

function v6Pool(name: string, cfg: IpamConfigRequest, existing: NetworkRecord[]): IpamConfig {
  if (!cfg.Subnet) throw invalidParameter('a gateway needs a subnet');
  const subnet = parseCidr6(cfg.Subnet);
  if (!subnet) throw invalidParameter(`Invalid subnet ${cfg.Subnet} : invalid CIDR address: ${cfg.Subnet}`);
  if (subnet.bits > 126) throw invalidParameter(`invalid subnet ${cfg.Subnet}: too small`);
  const used = existing.flatMap((n) => n.IPAM.Config.filter((c) => isV6(c.Subnet)).map((c) => parseCidr6(c.Subnet)!));
  if (used.some((o) => overlaps6(o, subnet))) throw OVERLAP();
  const inPool = (ip: string) => {
    const n = parseIp6(ip);
    return n === undefined ? undefined : contains6(subnet, n);
  };
  const r6 = cfg.IPRange ? parseCidr6(cfg.IPRange) : undefined;
  const gateway = cfg.Gateway ? canonical6(cfg.Gateway, `invalid gateway ${cfg.Gateway}`) : r6 && r6.base > subnet.base ? ip6String(r6.base) : firstHost6(subnet);
  if (!inPool(gateway)) throw invalidParameter(`invalid gateway ${gateway}: not in subnet ${cidr6String(subnet)}`);
  let range: string | undefined;
  if (cfg.IPRange) {
    const r = parseCidr6(cfg.IPRange);
    if (!r) throw invalidParameter(`Invalid ip-range ${cfg.IPRange} : invalid CIDR address: ${cfg.IPRange}`);
    if (!contains6(subnet, r.base) || r.bits < subnet.bits) throw invalidParameter(`invalid ip-range ${cfg.IPRange}: not in subnet ${cidr6String(subnet)}`);
    range = cidr6String(r);
  }
  const aux = auxAddresses(name, cfg.AuxiliaryAddresses, inPool, cidr6String(subnet), gateway);
  return { Subnet: cidr6String(subnet), Gateway: gateway, ...(range ? { IPRange: range } : {}), ...(aux ? { AuxiliaryAddresses: aux } : {}), ...(cfg.Gateway ? {} : { gatewayImplicit: true }) };
}

/** The next free prefix of the default IPv6 pools, its gateway the first address after the anycast one. */
function defaultV6Pool(existing: NetworkRecord[], defaults: V6Defaults | undefined): IpamConfig | undefined {
  if (!defaults) return undefined;
  const used = existing.flatMap((n) => n.IPAM.Config.filter((c) => isV6(c.Subnet)).map((c) => parseCidr6(c.Subnet)!));
  const subnet = pickPool6(defaults.pools, used, defaults.reserved);
  return subnet && { Subnet: cidr6String(subnet), Gateway: firstHost6(subnet) };
}

/** An IPv6 address in Go's spelling, or `msg` as a 400. */
export function canonical6(ip: string, msg: string): string {
  const n = parseIp6(ip);
  if (n === undefined) throw invalidParameter(msg);
  return ip6String(n);
}

/** --aux-address: each an address of the network's pool (checked as libnetwork does). */
function auxAddresses(network: string, given: Record<string, string> | undefined, inPool: (ip: string) => boolean | undefined, pool: string, gateway: string): Record<string, string> | undefined {
  if (!given || !Object.keys(given).length) return undefined;
  const taken = new Set([gateway]);
  for (const [k, v] of Object.entries(given)) {
    const inside = inPool(v);
    if (inside === undefined) throw invalidParameter(`non parsable secondary ip address (${k}:${v}) passed for network ${network}`);
    if (!inside) throw new BerthError('forbidden', `auxiliary address: (${k}:${v}) must belong to the master pool: ${pool}`);
    // the gateway's address, or one reserved already, cannot be reserved again (libnetwork's words and 500)
    if (taken.has(v)) throw systemError(`failed to allocate secondary ip address (${k}:${v}): Address already in use`);
    taken.add(v);
  }
  return { ...given };
}

/** The first address libnetwork allocates from an IPv4 range of the subnet (a range that does not
 * parse, or lies elsewhere, is refused later by the checks of the range itself). */
function firstOfRange(subnet: Cidr, range: string): string {
  try {
    const r = parseCidr(range);
    return r.base > subnet.base ? ipString(r.base) : firstHost(subnet);
  } catch {
    return firstHost(subnet);
  }
}
