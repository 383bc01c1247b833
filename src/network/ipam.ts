// Address pools for bridge networks, as Docker picks them: the default bridge on 172.17.0.0/16, user
// networks on the next free /16 of 172.18-31, then /20s of 192.168.0.0/16; a pool that overlaps another
// network or a route of the host is skipped. Addresses inside a network are leased by CNI's host-local.
import fs from 'node:fs';
import { invalidParameter } from '../errdefs.ts';

export interface Cidr {
  base: number;
  bits: number;
}

export function parseIp(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function ipString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

export function parseCidr(s: string): Cidr {
  const [ip, b] = s.split('/');
  const n = parseIp(ip ?? '');
  const bits = Number(b);
  if (n === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32 || b === undefined) throw invalidParameter(`invalid CIDR address: ${s}`);
  return { base: (n & mask(bits)) >>> 0, bits };
}

export function cidrString(c: Cidr): string {
  return `${ipString(c.base)}/${c.bits}`;
}

export function contains(c: Cidr, ip: number): boolean {
  return ((ip & mask(c.bits)) >>> 0) === c.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const bits = Math.min(a.bits, b.bits);
  return ((a.base & mask(bits)) >>> 0) === ((b.base & mask(bits)) >>> 0);
}

/** The host's routes (IPv4), which a new network must not shadow. */
export function hostRoutes(): Cidr[] {
  let text = '';
  try {
    text = fs.readFileSync('/proc/net/route', 'utf8');
  } catch {
    return [];
  }
  const out: Cidr[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const le = (h: string) => Number.parseInt(h.match(/../g)!.reverse().join(''), 16) >>> 0;
    const dest = le(f[1]!);
    const m = le(f[7]!);
    if (m === 0) continue; // the default route overlaps everything
    out.push({ base: dest, bits: 32 - countZeros(m) });
  }
  return out;
}

function countZeros(m: number): number {
  let n = 0;
  while (n < 32 && ((m >>> n) & 1) === 0) n++;
  return n;
}

export function* candidatePools(): Generator<Cidr> {
  for (let o = 18; o <= 31; o++) yield { base: parseIp(`172.${o}.0.0`)!, bits: 16 };
  for (let o = 0; o < 256; o += 16) yield { base: parseIp(`192.168.${o}.0`)!, bits: 20 };
}

export function pickPool(used: Cidr[], avoid: Cidr[] = hostRoutes()): Cidr {
  for (const c of candidatePools()) if (![...used, ...avoid].some((u) => overlaps(u, c))) return c;
  throw invalidParameter('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
}

/** The gateway Docker gives a subnet: its first address. */
export function firstHost(c: Cidr): string {
  return ipString(c.base + 1);
}
