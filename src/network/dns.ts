// Name resolution on user-defined networks (Docker's embedded DNS): a small DNS server on each network's
// gateway address answers A queries for the names of the containers on that network (container name,
// network aliases, short id); anything else goes to the asking container's own servers (--dns), or to the
// host's resolvers.
import dgram from 'node:dgram';
import fs from 'node:fs';
import { log } from '../util/log.ts';
import { parseIp6, isV6 } from './ipam6.ts';

/** The addresses of a name, IPv4 and IPv6 together (A and AAAA answers pick their family), as the
 * container at `clientIp` sees it (its links are its own names). */
export type Lookup = (name: string, clientIp?: string) => string[];
/** The servers to forward a client's unknown names to (its --dns); none: the host's resolvers. */
export type Upstreams = (clientIp: string) => string[];

const TYPE_A = 1;
const TYPE_AAAA = 28;

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
    rr.writeUInt32BE(600, 6);
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
export function resolveLocally(msg: Buffer, lookup: (name: string) => string[]): { reply: Buffer } | { forward: Question } | undefined {
  const q = parseQuestion(msg);
  if (!q) return undefined;
  const ips = lookup(q.name);
  if (ips.length) {
    const family = q.type === TYPE_A ? ips.filter((ip) => !isV6(ip)) : q.type === TYPE_AAAA ? ips.filter(isV6) : [];
    return { reply: answer(msg, q, family) };
  }
  if (q.type === TYPE_AAAA && lookup(q.name.replace(/\.$/, '')).length) return { reply: answer(msg, q, []) };
  return { forward: q };
}

export class NetworkDns {
  private readonly servers = new Map<string, dgram.Socket>();

  /** Serve names on addr:53 (the gateway of a network). Idempotent. */
  async listen(addr: string, lookup: Lookup, upstreamsFor: Upstreams = () => []): Promise<void> {
    if (this.servers.has(addr)) return;
    const sock = dgram.createSocket('udp4');
    sock.on('message', (msg, rinfo) => this.handle(sock, msg, rinfo, lookup, upstreamsFor));
    sock.on('error', (e) => log.warn(`dns ${addr}: ${e.message}`));
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(53, addr, () => {
        sock.off('error', reject);
        resolve();
      });
    }).catch((e: Error) => {
      sock.close();
      log.warn(`cannot serve DNS on ${addr}:53: ${e.message}`);
      return;
    });
    this.servers.set(addr, sock);
  }

  close(addr?: string): void {
    for (const [a, s] of this.servers) {
      if (addr && a !== addr) continue;
      s.close();
      this.servers.delete(a);
    }
  }

  private handle(sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo, lookup: Lookup, upstreamsFor: Upstreams): void {
    const r = resolveLocally(msg, (name) => lookup(name, rinfo.address));
    if (!r) return;
    if ('reply' in r) return void sock.send(r.reply, rinfo.port, rinfo.address);
    const own = upstreamsFor(rinfo.address).filter((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip));
    this.forward(msg, r.forward, own.length ? own : upstreams(), (res) => sock.send(res, rinfo.port, rinfo.address));
  }

  /** Ask the servers in turn (2 s each); SERVFAIL when none answers, NXDOMAIN when there is none. */
  private forward(msg: Buffer, q: Question, servers: string[], reply: (b: Buffer) => void): void {
    const [up, ...rest] = servers;
    if (!up) return reply(answer(msg, q, [], 3));
    const c = dgram.createSocket('udp4');
    const t = setTimeout(() => {
      c.close();
      if (rest.length) this.forward(msg, q, rest, reply);
      else reply(answer(msg, q, [], 2));
    }, 2000);
    c.on('message', (res) => {
      clearTimeout(t);
      c.close();
      reply(res);
    });
    // an unreachable upstream: the timeout above tries the next one or answers SERVFAIL
    c.on('error', () => {});
    c.send(msg, 53, up);
  }
}
