// Name resolution on user-defined networks (Docker's embedded DNS): a small DNS server on each network's
// gateway address (UDP and TCP) answers A queries for the names of the containers on that network
// (container name, network aliases, short id) and PTR queries for their addresses ("name.network", as
// dockerd's ResolveIP); anything else goes to the asking container's own servers (--dns), or to the
// host's resolvers, over the protocol the query came by.
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import { log } from '../util/log.ts';
import { parseIp6, isV6, ip6String } from './ipam6.ts';
import { serveTcp, askOverTcp } from './dns-tcp.ts';

/** The addresses of a name, IPv4 and IPv6 together (A and AAAA answers pick their family), as the
 * container at `clientIp` sees it (its links are its own names). */
export type Lookup = (name: string, clientIp?: string) => string[];
/** The servers to forward a client's unknown names to (its --dns); none: the host's resolvers. */
export type Upstreams = (clientIp: string) => string[];
/** The name of an address ("web.mynet"), as the container at `clientIp` sees it; undefined: not one of its networks'. */
export type ReverseLookup = (ip: string, clientIp?: string) => string | undefined;

const TYPE_A = 1;
const TYPE_PTR = 12;
const TYPE_AAAA = 28;
const TTL = 600;

export interface Question {
  name: string;
  type: number;
  end: number;
}

export function parseQuestion(msg: Buffer): Question | undefined {
  if (msg.length < 12 || msg.readUInt16BE(4) !== 1) return undefined;
  let off = 12;
  const labels: string[] = [];
  while (off < msg.length) {
    const len = msg[off]!;
    if (len === 0) {
      off++;
      break;
    }
    if (len > 63 || off + 1 + len > msg.length) return undefined;
    labels.push(msg.subarray(off + 1, off + 1 + len).toString('latin1'));
    off += 1 + len;
  }
  if (off + 4 > msg.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(off), end: off + 4 };
}

/** An answer to `query` with the given addresses, A records for IPv4 ones and AAAA for IPv6 ones
 * (none: an empty NOERROR, or with `rcode` NXDOMAIN/SERVFAIL). */
export function answer(query: Buffer, q: Question, ips: string[], rcode = 0): Buffer {
  const head = Buffer.alloc(12);
  query.copy(head, 0, 0, 2);
  const rd = query[2]! & 1;
  head.writeUInt16BE(0x8080 | (rd << 8) | rcode, 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(ips.length, 6);
  const rrs = ips.map((ip) => {
    const v6 = parseIp6(ip);
    const rr = Buffer.alloc(v6 === undefined ? 16 : 28);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(v6 === undefined ? TYPE_A : TYPE_AAAA, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(TTL, 6);
    if (v6 === undefined) {
      rr.writeUInt16BE(4, 10);
      ip.split('.').forEach((p, i) => rr.writeUInt8(Number(p), 12 + i));
    } else {
      rr.writeUInt16BE(16, 10);
      for (let i = 0; i < 16; i++) rr.writeUInt8(Number((v6 >> BigInt(120 - 8 * i)) & 0xffn), 12 + i);
    }
    return rr;
  });
  return Buffer.concat([head, query.subarray(12, q.end), ...rrs]);
}

/** The address a reverse name stands for ("4.3.2.1.in-addr.arpa" is 1.2.3.4; 32 nibbles under ip6.arpa
 * an IPv6 address), or undefined for any other name. */
export function reverseNameIp(name: string): string | undefined {
  const n = name.replace(/\.$/, '').toLowerCase();
  if (n.endsWith('.in-addr.arpa')) {
    const parts = n.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
    return parts.reverse().map(Number).join('.');
  }
  if (n.endsWith('.ip6.arpa')) {
    const nibbles = n.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((x) => /^[0-9a-f]$/.test(x))) return undefined;
    return ip6String(BigInt('0x' + nibbles.reverse().join('')));
  }
  return undefined;
}

/** A PTR answer to `query` naming `host` (a fully qualified name: a root label is added). */
export function ptrAnswer(query: Buffer, q: Question, host: string): Buffer {
  const labels = host.replace(/\.$/, '').split('.').filter(Boolean).map((l) => Buffer.from(l, 'latin1').subarray(0, 63));
  const target = Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0])]);
  const rr = Buffer.alloc(12);
  rr.writeUInt16BE(0xc00c, 0);
  rr.writeUInt16BE(TYPE_PTR, 2);
  rr.writeUInt16BE(1, 4);
  rr.writeUInt32BE(TTL, 6);
  rr.writeUInt16BE(target.length, 10);
  const head = answer(query, q, []);
  head.writeUInt16BE(1, 6);
  return Buffer.concat([head, rr, target]);
}

/** The host's resolvers (/etc/resolv.conf's IPv4 nameservers). */
export function upstreams(): string[] {
  let text = '';
  try {
    text = fs.readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    // no resolv.conf: no upstream servers, as on a host without one
  }
  return text.split('\n').filter((l) => /^nameserver\s+\d+\.\d+\.\d+\.\d+/.test(l)).map((l) => l.split(/\s+/)[1]!);
}

/**
 * What the embedded DNS does with a query: the answer when the name is one of the network's (its
 * addresses of the asked family, or an empty NOERROR: a known name is never forwarded), or the parsed
 * question to forward to the upstream servers; undefined for what is not a query.
 */
export function resolveLocally(msg: Buffer, lookup: (name: string) => string[], reverse?: (ip: string) => string | undefined): { reply: Buffer } | { forward: Question } | undefined {
  const q = parseQuestion(msg);
  if (!q) return undefined;
  // the address of a container of the network: its name (other addresses are the upstream servers' to name)
  if (q.type === TYPE_PTR && reverse) {
    const ip = reverseNameIp(q.name);
    const host = ip === undefined ? undefined : reverse(ip);
    if (host) return { reply: ptrAnswer(msg, q, host) };
  }
  const ips = lookup(q.name);
  if (ips.length) {
    const family = q.type === TYPE_A ? ips.filter((ip) => !isV6(ip)) : q.type === TYPE_AAAA ? ips.filter(isV6) : [];
    return { reply: answer(msg, q, family) };
  }
  if (q.type === TYPE_AAAA && lookup(q.name.replace(/\.$/, '')).length) return { reply: answer(msg, q, []) };
  return { forward: q };
}

interface Server {
  udp: dgram.Socket;
  tcp?: net.Server;
  conns?: Set<net.Socket>;
}

export class NetworkDns {
  private readonly servers = new Map<string, Server>();

  /** Serve names on addr:53 (the gateway of a network), over UDP and TCP. Idempotent. */
  async listen(addr: string, lookup: Lookup, upstreamsFor: Upstreams = () => [], reverse?: ReverseLookup): Promise<void> {
    if (this.servers.has(addr)) return;
    const answerFor = (msg: Buffer, client: string, tcp: boolean) => this.reply(msg, client, tcp, lookup, upstreamsFor, reverse);
    const sock = dgram.createSocket('udp4');
    sock.on('message', (msg, rinfo) => void answerFor(msg, rinfo.address, false).then((res) => res && sock.send(res, rinfo.port, rinfo.address)));
    sock.on('error', (e) => log.warn(`dns ${addr}: ${e.message}`));
    const bound = await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(53, addr, () => {
        sock.off('error', reject);
        resolve();
      });
    }).then(
      () => true,
      (e: Error) => {
        sock.close();
        log.warn(`cannot serve DNS on ${addr}:53: ${e.message}`);
        return false;
      },
    );
    if (!bound) return;
    const server: Server = { udp: sock };
    this.servers.set(addr, server);
    // TCP beside it, as dockerd's resolver (a client asks there again when a UDP answer was truncated)
    const tcp = net.createServer();
    server.conns = serveTcp(tcp, (msg, client) => answerFor(msg, client, true), (e) => log.warn(`dns ${addr} (tcp): ${e.message}`));
    await new Promise<void>((resolve) => {
      tcp.on('error', (e) => {
        log.warn(`DNS over TCP on ${addr}:53: ${e.message}`);
        resolve();
      });
      tcp.listen(53, addr, () => {
        server.tcp = tcp;
        resolve();
      });
    });
  }

  close(addr?: string): void {
    for (const [a, s] of this.servers) {
      if (addr && a !== addr) continue;
      s.udp.close();
      s.tcp?.close();
      for (const c of s.conns ?? []) c.destroy();
      this.servers.delete(a);
    }
  }

  private async reply(msg: Buffer, client: string, tcp: boolean, lookup: Lookup, upstreamsFor: Upstreams, reverse?: ReverseLookup): Promise<Buffer | undefined> {
    const r = resolveLocally(msg, (name) => lookup(name, client), reverse && ((ip) => reverse(ip, client)));
    if (!r) return undefined;
    if ('reply' in r) return r.reply;
    const own = upstreamsFor(client).filter((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip));
    const servers = own.length ? own : upstreams();
    if (!servers.length) return answer(msg, r.forward, [], 3);
    for (const up of servers) {
      const res = tcp ? await askOverTcp(msg, up) : await askOverUdp(msg, up);
      if (res) return res;
    }
    return answer(msg, r.forward, [], 2);
  }
}

/** One query to one server over UDP (2 s): its answer, or undefined. */
function askOverUdp(msg: Buffer, server: string): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const c = dgram.createSocket('udp4');
    const done = (b: Buffer | undefined) => {
      clearTimeout(t);
      c.close();
      resolve(b);
    };
    const t = setTimeout(() => done(undefined), 2000);
    c.on('message', (res) => done(res));
    // an unreachable upstream: the timeout above moves on
    c.on('error', () => {});
    c.send(msg, 53, server);
  });
}
