// Where the Engine API listens, as dockerd's -H: unix sockets (root:<group> 0660) and TCP ports,
// the TCP ones over TLS when --tls/--tlsverify is given, with client certificates required and
// checked against --tlscacert under --tlsverify. Every listener hands its connections to one HTTP
// server, so the API (hijacked attach/exec streams and upgrades included) is the same on all.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import dns from 'node:dns/promises';
import type { ApiTls } from '../config.ts';
import { BerthError } from '../errdefs.ts';

export const DEFAULT_TCP_PORT = 2375;
export const DEFAULT_TLS_HOST = 'tcp://localhost:2376';
export const DEFAULT_SOCKET_GROUP = 'docker';

/** Where and how to listen: the normalized hosts, the socket group, TLS for TCP. */
export interface ListenConfig {
  hosts: string[];
  socketGroup?: string;
  tls?: ApiTls;
  /** --tls or --tlsverify was given at all (true or false): the operator chose, so an
   * unauthenticated TCP listener is their explicit intent (dockerd's checkTLSAuthOK). */
  tlsChosen?: boolean;
}

/** A listen configuration the daemon refuses to start with (one line in the log, no stack). */
export class ListenerError extends BerthError {
  constructor(message: string) {
    super('invalid-parameter', message);
  }
}

/** dockerd's opts.ParseDaemonHost: "unix:///path", "tcp://host:port" (host defaults to localhost,
 * port to 2375), "host:port" without a scheme is TCP; "fd://" is systemd socket activation. */
export function parseDaemonHost(address: string): string {
  const h = address.trim();
  const i = h.indexOf('://');
  const proto = i < 0 ? 'tcp' : h.slice(0, i);
  const addr = i < 0 ? h : h.slice(i + 3);
  switch (proto) {
    case 'unix':
      if (addr.includes('://')) throw new ListenerError(`invalid bind address (${address}): invalid unix address: ${addr}`);
      return `unix://${addr || '/run/berth/berth.sock'}`;
    case 'tcp':
      return parseTcpAddr(address, addr);
    case 'fd':
      throw new ListenerError(`invalid bind address (${address}): fd:// (systemd socket activation) is not supported by berthd`);
    default:
      throw new ListenerError(`invalid bind address (${address}): unsupported proto '${proto}'`);
  }
}

function parseTcpAddr(address: string, addr: string): string {
  let url: URL;
  try {
    // "tcp://:2376" leaves the host to its default, as dockerd
    url = new URL(`tcp://${addr.startsWith(':') ? `localhost${addr}` : addr}`);
  } catch {
    throw new ListenerError(`invalid bind address (${address}): invalid address`);
  }
  if (url.pathname !== '' && url.pathname !== '/') throw new ListenerError(`invalid bind address (${address}): should not contain a path element`);
  if (/^[^[]*:$/.test(addr) || (url.port !== '' && Number(url.port) === 0)) throw new ListenerError(`invalid bind address (${address}): invalid port: ${url.port}`);
  const host = url.hostname || 'localhost';
  const port = url.port || String(DEFAULT_TCP_PORT);
  return `tcp://${host}:${port}`;
}

/** Splits a normalized tcp:// host into what net.listen takes. */
function tcpParts(host: string): { hostname: string; port: number } {
  const url = new URL(host);
  return { hostname: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) };
}

async function isLoopback(hostname: string): Promise<boolean> {
  if (hostname === 'localhost') return true;
  let ip = hostname;
  if (!net.isIP(ip)) {
    try {
      ip = (await dns.lookup(hostname)).address;
    } catch {
      return false;
    }
  }
  return net.isIPv4(ip) ? ip.startsWith('127.') : ip === '::1';
}

/**
 * dockerd's checks before binding a TCP port without client authentication: warnings for every
 * such listener, and a refusal for one reachable from other machines unless the operator said
 * --tls=false or --tlsverify=false. (dockerd 20.10 only warns and waits 15 s; Docker announced
 * the refusal for v27 in its deprecation notes, which is what Berth does.)
 */
export async function checkTcpAuth(cfg: ListenConfig, warn: (msg: string) => void): Promise<void> {
  const authEnabled = cfg.tls?.verify === true;
  for (const host of cfg.hosts) {
    if (!host.startsWith('tcp://') || authEnabled) continue;
    warn(`Binding to IP address without --tlsverify is insecure and gives root access on this machine to everyone who has access to your network. host="${host}"`);
    warn(`Binding to an IP address, even on localhost, can also give access to scripts run in a browser. Be safe out there! host="${host}"`);
    if (cfg.tlsChosen) continue;
    if (await isLoopback(tcpParts(host).hostname)) continue;
    throw new ListenerError(
      `failed to load listeners: refusing to listen on ${host} without --tlsverify: binding to an IP address without --tlsverify gives root access on this machine to everyone who has access to your network. ` +
        `Generate TLS certificates with client validation (--tlsverify --tlscacert --tlscert --tlskey), or override this by explicitly specifying '--tls=false' or '--tlsverify=false'. Learn more at: https://docs.docker.com/go/api-security/`,
    );
  }
}

/** Reads the certificate files; dockerd's "invalid TLS configuration" errors when they are unusable. */
export function tlsServerOptions(t: ApiTls): tls.TlsOptions {
  const read = (file: string, what: string) => {
    try {
      return fs.readFileSync(file);
    } catch (e) {
      throw new ListenerError(`invalid TLS configuration: ${what}: ${(e as Error).message}`);
    }
  };
  const opts: tls.TlsOptions = {
    cert: read(t.cert, 'Could not load X509 key pair'),
    key: read(t.key, 'Could not load X509 key pair'),
    minVersion: 'TLSv1.2',
    ALPNProtocols: ['http/1.1'],
    // a hijacked client half-closes its side when stdin ends and still reads the output
    allowHalfOpen: true,
  };
  if (t.verify) {
    // only this CA, not the system's roots (dockerd's ExclusiveRootPools)
    opts.ca = read(t.ca, `Could not read CA certificate "${t.ca}"`);
    opts.requestCert = true;
    opts.rejectUnauthorized = true;
  }
  try {
    tls.createSecureContext(opts);
  } catch (e) {
    throw new ListenerError(`invalid TLS configuration: Could not load X509 key pair: ${(e as Error).message}`);
  }
  return opts;
}

/** The gid of a group from /etc/group, by name or number. */
export function lookupGroupId(name: string, groupFile = '/etc/group'): number | undefined {
  let text = '';
  try {
    text = fs.readFileSync(groupFile, 'utf8');
  } catch {
    /* no group database: numbers only */
  }
  for (const line of text.split('\n')) {
    const [g, , gid] = line.split(':');
    if (g === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return /^\d+$/.test(name) ? Number(name) : undefined;
}

/** The group the unix sockets belong to: --group, "docker" when it exists, else our own. */
export function socketGid(group: string | undefined, warn: (msg: string) => void): number {
  const g = group ?? DEFAULT_SOCKET_GROUP;
  if (g === '') return process.getgid?.() ?? 0;
  const gid = lookupGroupId(g);
  if (gid !== undefined) return gid;
  if (g !== DEFAULT_SOCKET_GROUP) throw new ListenerError(`group ${g} not found`);
  warn(`could not change group to ${DEFAULT_SOCKET_GROUP}: group ${DEFAULT_SOCKET_GROUP} not found`);
  return process.getgid?.() ?? 0;
}

/** Binds one host; its connections (after the TLS handshake for TLS) go to `onConnection`. */
export function openListener(host: string, o: { tls?: tls.TlsOptions; gid: number; onConnection: (s: net.Socket) => void; onTlsError?: (e: Error) => void }): Promise<net.Server> {
  let server: net.Server;
  let bind: (cb: () => void) => void;
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    fs.mkdirSync(path.dirname(socketPath), { recursive: true });
    fs.rmSync(socketPath, { force: true });
    server = net.createServer({ allowHalfOpen: true }, o.onConnection);
    bind = (cb) =>
      server.listen(socketPath, () => {
        // root:<group> 0660, as dockerd's sockets.NewUnixSocket
        fs.chownSync(socketPath, 0, o.gid);
        fs.chmodSync(socketPath, 0o660);
        cb();
      });
  } else {
    const { hostname, port } = tcpParts(host);
    if (o.tls) {
      const s = tls.createServer(o.tls, o.onConnection);
      s.on('tlsClientError', (e) => o.onTlsError?.(e));
      server = s;
    } else server = net.createServer({ allowHalfOpen: true }, o.onConnection);
    bind = (cb) => server.listen({ host: hostname, port }, cb);
  }
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(new ListenerError(`failed to load listeners: listen ${host}: ${e.message}`)));
    bind(() => resolve(server));
  });
}
