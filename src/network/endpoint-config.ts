// What a client may ask of a container's endpoint on a network (Docker's EndpointSettings at create and
// at network connect), checked against the network: honoured fields come back normalised, the ones Berth
// cannot honour are refused with Docker's message instead of being dropped.
import { invalidParameter } from '../errdefs.ts';
import { parseCidr, parseIp, contains } from './ipam.ts';
import { parseIp6, parseCidr6, contains6, ip6String, isV6 } from './ipam6.ts';
import { v6Config } from './ipam-request.ts';
import type { NetworkRecord } from './types.ts';
import { checkLinkLocal } from './link-local.ts';

export interface EndpointRequest {
  Aliases?: string[] | null;
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] | null } | null;
  MacAddress?: string;
  Links?: string[] | null;
  DriverOpts?: Record<string, string> | null;
  GwPriority?: number;
  [k: string]: unknown;
}

export interface EndpointChoice {
  aliases?: string[];
  ipv4?: string;
  ipv6?: string;
  mac?: string;
  /** --link-local-ip: added to the interface besides its IPAM address */
  linkLocal?: string[];
  /** legacy links on a user-defined network: "target:alias" names only this container resolves */
  links?: string[];
  /** DriverOpts: recorded and shown by inspect */
  driverOpts?: Record<string, string>;
}

/** The endpoint options dockerd itself acts on (per-interface sysctls, the interface's name), which
 * Berth does not: refused. Any other key goes to the network driver, and none of dockerd's bridge,
 * macvlan or ipvlan drivers reads one, so dockerd records it and it does nothing: Berth the same. */
const ACTED_ON_OPTS = ['com.docker.network.endpoint.sysctls', 'com.docker.network.endpoint.ifname'];

export function checkDriverOpts(opts: Record<string, string> | null | undefined): Record<string, string> | undefined {
  if (!opts || !Object.keys(opts).length) return undefined;
  for (const k of ACTED_ON_OPTS) if (k in opts) throw invalidParameter(`endpoint driver option ${k} is not supported by Berth`);
  return { ...opts };
}

/** A MAC address as Go's net.ParseMAC reads an Ethernet one (xx:xx:.., xx-xx-.., xxxx.xxxx.xxxx), lower case. */
export function parseMac(s: string): string | undefined {
  let hex: string[] | undefined;
  if (/^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i.test(s)) hex = s.split(/[:-]/);
  else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i.test(s)) hex = s.replaceAll('.', '').match(/../g)!;
  return hex?.join(':').toLowerCase();
}

export function checkEndpoint(n: NetworkRecord, req: EndpointRequest | undefined): EndpointChoice {
  const out: EndpointChoice = {};
  if (!req) return out;
  const userDefined = (n.Driver === 'bridge' && n.Name !== 'bridge') || n.Driver === 'macvlan' || n.Driver === 'ipvlan';
  if (req.Aliases?.length) {
    if (!userDefined) throw invalidParameter('network-scoped alias is supported only for containers in user defined networks');
    out.aliases = [...req.Aliases];
  }
  const v4 = req.IPAMConfig?.IPv4Address;
  const v6 = req.IPAMConfig?.IPv6Address;
  if ((v4 || v6) && !userDefined) throw invalidParameter('user specified IP address is supported on user defined networks only');
  if (v4) {
    const ip = parseIp(v4);
    if (ip === undefined || !n.IPAM.Config.some((c) => !isV6(c.Subnet) && contains(parseCidr(c.Subnet), ip))) throw invalidParameter(`no configured subnet or ip-range contain the IP address ${v4}`);
    out.ipv4 = v4;
  }
  if (v6) {
    const ip = parseIp6(v6);
    if (ip === undefined) throw invalidParameter(`invalid IPv6 address: ${v6}`);
    const pool = v6Config(n);
    if (!pool || !contains6(parseCidr6(pool.Subnet)!, ip)) throw invalidParameter(`no configured subnet or ip-range contain the IP address ${v6}`);
    out.ipv6 = ip6String(ip);
  }
  if (req.IPAMConfig?.LinkLocalIPs?.length) out.linkLocal = checkLinkLocal(req.IPAMConfig.LinkLocalIPs);
  if (req.Links?.length) {
    if (!userDefined) throw invalidParameter('links are supported only for containers in user defined networks');
    out.links = [...req.Links];
  }
  // (the default route of a container on several networks is its first network's, whatever the priority)
  if (req.GwPriority) throw invalidParameter('a gateway priority (GwPriority) is not supported by Berth');
  const driverOpts = checkDriverOpts(req.DriverOpts);
  if (driverOpts) out.driverOpts = driverOpts;
  if (req.MacAddress) {
    // (on ipvlan, which has no MAC of its own, dockerd takes it here and refuses it when the container
    // starts: vlan-driver.ts does the same)
    if (!userDefined && n.Driver !== 'bridge') throw invalidParameter('conflicting options: mac-address and the network mode');
    const mac = parseMac(req.MacAddress);
    if (!mac) throw invalidParameter(`invalid endpoint settings:\ninvalid MAC address ${req.MacAddress}`);
    out.mac = mac;
  }
  return out;
}
