// The embedded DNS inside a container's own network namespace, at 127.0.0.11, as dockerd serves it on
// every user-defined network. Berth's bridge networks serve names on their gateway (dns.ts); a macvlan or
// ipvlan container cannot reach its host (the parent link isolates it), so its resolver lives in its
// namespace: a child under nsenter makes the sockets there and hands them over (netns-resolver-child.ts),
// and berthd answers on them: the names of the container's networks, and the rest forwarded to its
// servers from inside its namespace (as dockerd's, the servers must be reachable from the container).
// The sockets keep the namespace alive: they are closed when the container stops; berthd's own end (a
// restart) closes them too, and they are made again for the containers that run on.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { log } from '../util/log.ts';
import { answer, resolveLocally, type Question } from './dns.ts';
import { serveTcp } from './dns-tcp.ts';

const CHILD = fileURLToPath(new URL('./netns-resolver-child.ts', import.meta.url));
/** how long the child may take to hand the sockets over */
const OPEN_TIMEOUT_MS = 15_000;
/** how long each upstream server has to answer a forwarded query (as NetworkDns) */
const UPSTREAM_TIMEOUT_MS = 2000;

export interface ResolverSource {
  /** the addresses of a name as this container sees it (none: not a name of its networks) */
  lookup(name: string): string[];
  /** the name of an address of the container's networks ("name.network"; undefined: not one of theirs) */
  reverse?(ip: string): string | undefined;
  /** the IPv4 servers to forward other names to (--dns, else the host's) */
  upstreams(): string[];
}

interface Sockets {
  udp: dgram.Socket;
  tcp: net.Server;
  forward: dgram.Socket;
}

/** Queries sent upstream on one socket: each gets a transaction id of its own (several clients may use
 * the same), given back its own in the answer. */
export class Forwarder {
  private readonly pending = new Map<number, { server: string; id: number; done: (b: Buffer | undefined) => void }>();
  private next = Math.floor(Math.random() * 0x10000);
  private closed = false;
  private readonly sock: dgram.Socket;
  private readonly port: number;

  /** `port`: the servers' (53; another one in tests) */
  constructor(sock: dgram.Socket, port = 53) {
    this.sock = sock;
    this.port = port;
    sock.on('message', (res, from) => {
      if (res.length < 12) return;
      const p = this.pending.get(res.readUInt16BE(0));
      if (!p || p.server !== from.address) return;
      const out = Buffer.from(res);
      out.writeUInt16BE(p.id, 0);
      p.done(out);
    });
  }

  /** The servers in turn, UPSTREAM_TIMEOUT_MS each; SERVFAIL when none answers, NXDOMAIN when there is none. */
  async ask(msg: Buffer, q: Question, servers: string[]): Promise<Buffer> {
    for (const server of servers) {
      if (this.closed) break;
      const res = await this.once(msg, server);
      if (res) return res;
    }
    return answer(msg, q, [], servers.length ? 2 : 3);
  }

  private once(msg: Buffer, server: string): Promise<Buffer | undefined> {
    let key = this.next;
    while (this.pending.has(key)) key = (key + 1) & 0xffff;
    this.next = (key + 1) & 0xffff;
    const out = Buffer.from(msg);
    out.writeUInt16BE(key, 0);
    return new Promise((resolve) => {
      const done = (b: Buffer | undefined) => {
        clearTimeout(timer);
        this.pending.delete(key);
        resolve(b);
      };
      const timer = setTimeout(() => done(undefined), UPSTREAM_TIMEOUT_MS);
      this.pending.set(key, { server, id: msg.readUInt16BE(0), done });
      // an unreachable server: the timeout moves on to the next one
      try {
        this.sock.send(out, this.port, server, (e) => e && done(undefined));
      } catch {
        done(undefined);
      }
    });
  }

  close(): void {
    this.closed = true;
    for (const p of this.pending.values()) p.done(undefined);
  }
}

class Resolver {
  private readonly conns: Set<net.Socket>;
  private closed = false;
  private readonly forwarder: Forwarder;
  private readonly s: Sockets;
  private readonly src: ResolverSource;

  constructor(s: Sockets, src: ResolverSource) {
    this.s = s;
    this.src = src;
    this.forwarder = new Forwarder(s.forward);
    for (const sock of [s.udp, s.forward]) sock.on('error', (e) => log.warn(`embedded DNS: ${e.message}`));
    s.udp.on('message', (msg, from) => void this.reply(msg).then((res) => res && !this.closed && s.udp.send(res, from.port, from.address), (e) => log.warn(`embedded DNS: ${e.message}`)));
    // DNS over TCP (what it forwards goes upstream over UDP: the daemon has no TCP socket in the
    // container's namespace; dockerd's resolver would forward over TCP)
    this.conns = serveTcp(s.tcp, (msg) => this.reply(msg), (e) => log.warn(`embedded DNS: ${e.message}`));
  }

  private async reply(msg: Buffer): Promise<Buffer | undefined> {
    const r = resolveLocally(msg, (name) => this.src.lookup(name), this.src.reverse && ((ip) => this.src.reverse!(ip)));
    if (!r) return undefined;
    if ('reply' in r) return r.reply;
    return this.forwarder.ask(msg, r.forward, this.src.upstreams());
  }

  close(): void {
    this.closed = true;
    this.forwarder.close();
    for (const c of this.conns) c.destroy();
    this.s.tcp.close();
    this.s.udp.close();
    this.s.forward.close();
  }
}

/** The resolvers of the containers, by container id. */
export class NetnsResolvers {
  private readonly open_ = new Map<string, Resolver>();
  private readonly opening = new Map<string, Promise<void>>();

  has(id: string): boolean {
    return this.open_.has(id) || this.opening.has(id);
  }

  /**
   * Serve the container's names at 127.0.0.11 in the namespace at `netnsPath`. `again`: the namespace
   * may hold the rules of an earlier berthd (a restart), which are replaced. Idempotent.
   */
  open(id: string, netnsPath: string, src: ResolverSource, again: boolean): Promise<void> {
    if (this.open_.has(id)) return Promise.resolve();
    let p = this.opening.get(id);
    if (!p) {
      p = openSockets(netnsPath, again)
        .then((s) => {
          // closed while the child was at work: the sockets are not kept
          if (this.opening.get(id) !== p) return closeSockets(s);
          this.open_.set(id, new Resolver(s, src));
        })
        .finally(() => {
          if (this.opening.get(id) === p) this.opening.delete(id);
        });
      this.opening.set(id, p);
    }
    return p;
  }

  close(id: string): void {
    this.opening.delete(id);
    this.open_.get(id)?.close();
    this.open_.delete(id);
  }

  closeAll(): void {
    for (const id of [...this.open_.keys(), ...this.opening.keys()]) this.close(id);
  }
}

function closeSockets(s: Sockets): void {
  s.udp.close();
  s.tcp.close();
  s.forward.close();
}

/** Run the child in the namespace and take the three sockets it makes there. */
function openSockets(netnsPath: string, again: boolean): Promise<Sockets> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${netnsPath}`, process.execPath, ...process.execArgv, CHILD, again ? 'again' : 'first'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const got: Partial<Sockets> = {};
    let stderr = '';
    let settled = false;
    const finish = (e?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.connected) child.disconnect();
      if (!e && got.udp && got.tcp && got.forward) return resolve(got as Sockets);
      for (const s of Object.values(got)) s.close();
      if (child.exitCode === null) child.kill('SIGKILL');
      reject(e ?? new Error('the resolver sockets were not handed over'));
    };
    const timer = setTimeout(() => finish(new Error(`no resolver sockets after ${OPEN_TIMEOUT_MS / 1000}s`)), OPEN_TIMEOUT_MS);
    child.stderr!.on('data', (d) => (stderr += d).length > 4096 && (stderr = stderr.slice(-4096)));
    child.on('error', (e) => finish(e));
    child.on('message', (m: { kind?: keyof Sockets; error?: string }, handle?: dgram.Socket | net.Server) => {
      if (m.error) return finish(new Error(m.error));
      if (m.kind === 'tcp' && handle instanceof net.Server) got.tcp = handle;
      else if ((m.kind === 'udp' || m.kind === 'forward') && handle instanceof dgram.Socket) got[m.kind] = handle;
      if (got.udp && got.tcp && got.forward) finish();
    });
    child.on('exit', (code, signal) => finish(new Error(`the resolver helper ended (${signal ?? code}): ${stderr.trim()}`)));
  });
}
