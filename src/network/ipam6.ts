// IPv6 addresses and prefixes for dual-stack networks, as 128-bit bigints: parsing as Go's net.ParseIP /
// net.ParseCIDR accept them (dockerd's own parsers, so the same inputs pass and fail), and printing as
// Go's net.IP.String does (RFC 5952: lower case, the longest run of zero groups shortened to "::").
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { parseIp as parseIp4 } from './ipam.ts';

export interface Cidr6 {
  base: bigint;
  bits: number;
}

const ALL = (1n << 128n) - 1n;

/** An IPv6 address (no zone, as net.ParseIP), or undefined. An IPv4 tail (::ffff:1.2.3.4) is accepted. */
export function parseIp6(s: string): bigint | undefined {
  if (!s.includes(':') || s.includes('%')) return undefined;
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    // an IPv4 tail (::ffff:1.2.3.4) stands for the last two groups
    const v4 = parseIp4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (![...head, ...rest].every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  const given = head.length + rest.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const all = [...head, ...Array<string>(8 - given).fill('0'), ...rest];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Go's net.IP.String of an IPv6 address. */
export function ip6String(n: bigint): string {
  const g = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  // an IPv4-mapped address prints as dotted quad (Go prints it as plain IPv4)
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function mask6(bits: number): bigint {
  return bits === 0 ? 0n : (ALL << BigInt(128 - bits)) & ALL;
}

/** A prefix as net.ParseCIDR reads it (host bits cleared), or undefined. */
export function parseCidr6(s: string): Cidr6 | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp6(s.slice(0, slash));
  const b = s.slice(slash + 1);
  if (ip === undefined || !/^\d{1,3}$/.test(b) || Number(b) > 128) return undefined;
  const bits = Number(b);
  return { base: ip & mask6(bits), bits };
}

export function cidr6String(c: Cidr6): string {
  return `${ip6String(c.base)}/${c.bits}`;
}

export function contains6(c: Cidr6, ip: bigint): boolean {
  return (ip & mask6(c.bits)) === c.base;
}

export function overlaps6(a: Cidr6, b: Cidr6): boolean {
  const m = mask6(Math.min(a.bits, b.bits));
  return (a.base & m) === (b.base & m);
}

/** The gateway Docker gives an IPv6 subnet: its first address after the subnet-router anycast one. */
export function firstHost6(c: Cidr6): string {
  return ip6String(c.base + 1n);
}

/** The address `offset` after the prefix's base (host-local's range starts). */
export function nth6(c: Cidr6, offset: bigint): string {
  return ip6String(c.base + offset);
}

/** Whether a string is written as an IPv6 address or prefix (the family of a --subnet, --ip6 or HostIp). */
export function isV6(s: string): boolean {
  return s.includes(':');
}

/** A range of IPv6 prefixes to allocate networks from: `base` cut into prefixes of length `size`
 * (a default-address-pools entry). */
export interface Pool6 {
  base: Cidr6;
  size: number;
}

/**
 * The IPv6 pool current dockerd (27+) allocates from when none is configured: a ULA /48 derived from the
 * daemon's id (fd00::/8 with a 40-bit global id from the id's SHA-256, after RFC 4193 3.2.2), cut into
 * /64s. The same id gives the same prefix, so a daemon's networks keep their range across restarts.
 */
export function ulaPool(hostId: string): Pool6 {
  const sha = createHash('sha256').update(hostId).digest();
  const gid = sha.readBigUInt64BE(0) & ((1n << 40n) - 1n);
  return { base: { base: (0xfdn << 120n) | (gid << 80n), bits: 48 }, size: 64 };
}

/**
 * The first prefix (lowest address first, pools in address order) that overlaps none of `used` (the
 * networks' IPv6 subnets) nor `reserved` (the host's IPv6 nameservers, as dockerd reserves them), or
 * undefined when every pool is full.
 */
export function pickPool6(pools: Pool6[], used: Cidr6[], reserved: Cidr6[] = []): Cidr6 | undefined {
  const taken = [...used, ...reserved];
  for (const pool of [...pools].sort((a, b) => (a.base.base < b.base.base ? -1 : a.base.base > b.base.base ? 1 : 0))) {
    const step = 1n << BigInt(128 - pool.size);
    const end = pool.base.base + (1n << BigInt(128 - pool.base.bits));
    let at = pool.base.base;
    while (at < end) {
      const cand = { base: at, bits: pool.size };
      const hit = taken.filter((t) => overlaps6(t, cand));
      if (!hit.length) return cand;
      // jump past the largest prefix in the way, aligned to the pool's size
      const past = hit.reduce((hi, t) => {
        const last = t.base + (1n << BigInt(128 - t.bits));
        return last > hi ? last : hi;
      }, at + step);
      at = ((past + step - 1n) / step) * step;
    }
  }
  return undefined;
}

/** The IPv6 nameservers of the host's resolv.conf, which dockerd keeps out of its dynamic IPv6 pools. */
export function hostNameservers6(file = '/etc/resolv.conf'): Cidr6[] {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: Cidr6[] = [];
  for (const m of text.matchAll(/^\s*nameserver\s+(\S+)/gm)) {
    const ip = parseIp6(m[1]!);
    if (ip !== undefined) out.push({ base: ip, bits: 128 });
  }
  return out;
}
