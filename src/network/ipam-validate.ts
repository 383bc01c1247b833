// The checks current dockerd makes of a network's IPAM.Config before anything is allocated (moby's
// validateIpamConfig): a subnet without host bits, an IP range of the subnet's family inside it, a gateway
// and auxiliary addresses inside the subnet. All the problems are reported at once, in dockerd's words
// ("invalid network config:" then one line, or "* " lines). Unparsable input is left to the IPAM request
// (ipam-request.ts), which refuses it with its own message.
import { invalidParameter } from '../errdefs.ts';
import { parseIp, ipString } from './ipam.ts';
import { parseIp6, ip6String } from './ipam6.ts';
import type { IpamConfigRequest } from './ipam-request.ts';

interface Addr {
  family: 4 | 6;
  n: bigint;
}

interface Prefix extends Addr {
  bits: number;
}

/** Go's zero netip.Prefix (a config without a subnet): it contains and overlaps nothing. */
const NO_PREFIX = 'invalid Prefix';

function addr(s: string): Addr | undefined {
  const v4 = parseIp(s);
  if (v4 !== undefined) return { family: 4, n: BigInt(v4) };
  const v6 = parseIp6(s);
  return v6 === undefined ? undefined : { family: 6, n: v6 };
}

function prefix(s: string): Prefix | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  const a = m ? addr(m[1]!) : undefined;
  const bits = Number(m?.[2]);
  if (!a || bits > (a.family === 4 ? 32 : 128)) return undefined;
  return { ...a, bits };
}

const width = (f: 4 | 6) => (f === 4 ? 32 : 128);
const addrString = (a: Addr) => (a.family === 4 ? ipString(Number(a.n)) : ip6String(a.n));
const prefixString = (p: Prefix | undefined) => (p ? `${addrString(p)}/${p.bits}` : NO_PREFIX);

function masked(p: Prefix): Prefix {
  const host = (1n << BigInt(width(p.family) - p.bits)) - 1n;
  return { ...p, n: p.n & ~host };
}

function contains(p: Prefix | undefined, a: Addr): boolean {
  return !!p && p.family === a.family && masked({ ...a, bits: p.bits }).n === masked(p).n;
}

function overlaps(a: Prefix | undefined, b: Prefix): boolean {
  if (!a || a.family !== b.family) return false;
  const bits = Math.min(a.bits, b.bits);
  return masked({ ...a, bits }).n === masked({ ...b, bits }).n;
}

/** Throws dockerd's 400 for the pools it would refuse; IPv6 pools are checked only with IPv6 enabled. */
export function validateIpamRequest(configs: IpamConfigRequest[], enableIPv6: boolean): void {
  const errs: string[] = [];
  for (const cfg of configs) {
    const subnet = cfg.Subnet ? prefix(cfg.Subnet) : undefined;
    if (cfg.Subnet && !subnet) continue;
    const family = subnet?.family ?? 4;
    if (family === 6 && !enableIPv6) continue;
    if (subnet && masked(subnet).n !== subnet.n) errs.push(`invalid subnet ${prefixString(subnet)}: it should be ${prefixString(masked(subnet))}`);
    if (cfg.IPRange) {
      const r = prefix(cfg.IPRange);
      if (!r) throw invalidParameter(`Invalid ip-range ${cfg.IPRange} : invalid CIDR address: ${cfg.IPRange}`);
      if (r.family !== family) errs.push(`invalid ip-range ${prefixString(r)}: parent subnet is an IPv${family} block`);
      else {
        if (subnet && r.bits < subnet.bits) errs.push(`invalid ip-range ${prefixString(r)}: CIDR block is bigger than its parent subnet ${prefixString(subnet)}`);
        if (masked(r).n !== r.n) errs.push(`invalid ip-range ${prefixString(r)}: it should be ${prefixString(masked(r))}`);
        if (!overlaps(subnet, r)) errs.push(`invalid ip-range ${prefixString(r)}: parent subnet ${prefixString(subnet)} doesn't contain ip-range`);
      }
    }
    const inSubnet = (a: Addr) => (a.family !== family ? `parent subnet is an IPv${family} block` : contains(subnet, a) ? undefined : `parent subnet ${prefixString(subnet)} doesn't contain this address`);
    const gw = cfg.Gateway ? addr(cfg.Gateway) : undefined;
    const gwProblem = gw && inSubnet(gw);
    if (gwProblem) errs.push(`invalid gateway ${addrString(gw)}: ${gwProblem}`);
    for (const [name, v] of Object.entries(cfg.AuxiliaryAddresses ?? {})) {
      const a = addr(v);
      const problem = a && inSubnet(a);
      if (problem) errs.push(`invalid auxiliary address ${name}: ${problem}`);
    }
  }
  if (errs.length === 1) throw invalidParameter(`invalid network config:\n${errs[0]}`);
  if (errs.length) throw invalidParameter(`invalid network config:\n* ${errs.join('\n* ')}`);
}
