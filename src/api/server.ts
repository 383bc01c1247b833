// The Engine API HTTP server: versioned paths, routing, errors as {"message"}; one HTTP server
// fed by every listener (unix sockets, TCP, TLS), see listeners.ts.
import http from 'node:http';
import type net from 'node:net';
import type tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { checkTcpAuth, openListener, socketGid, tlsServerOptions, type ListenConfig } from './listeners.ts';
import { Ctx, answerHeldOn } from './context.ts';
import { Router } from './router.ts';
import { checkQuery } from '../engine/containers/validate/validate.ts';
import { API_VERSION, MIN_API_VERSION, compareVersions, splitVersion } from './version.ts';
import { invalidParameter, notFound } from '../errdefs.ts';
import { log } from '../util/log.ts';
import { settleUnreadBody } from './unread-body.ts';

export class ApiServer {
  readonly router = new Router();
  private server: http.Server;
  private sockets = new Set<Duplex>();
  private listeners: net.Server[] = [];
  private prepared?: { cfg: ListenConfig; tlsOpts?: tls.TlsOptions; gid: number };

  constructor() {
    // headers up to 1 MiB, as Go's http.Server (DefaultMaxHeaderBytes): an X-Registry-Auth with a large
    // identity token is over node's 16 KiB default, and dockerd takes it
    // (maxHeaderSize: Go's MaxHeaderBytes, 1 MiB, plus the 4096 bytes of bufio slop its server allows)
    this.server = http.createServer({ keepAliveTimeout: 60_000, requestTimeout: 0, headersTimeout: 60_000, maxHeaderSize: (1 << 20) + 4096 }, (req, res) => {
      void this.dispatch(req, res);
    });
    this.server.on('upgrade', (req, socket, head) => {
      void this.dispatch(req, undefined, { socket, head });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    this.server.on('clientError', (err, socket) => {
      if (answerHeldOn(socket)) return;
      if (!socket.writable) return;
      // headers over the limit: Go's server answers 431 with its text, as dockerd does
      if ((err as NodeJS.ErrnoException).code === 'HPE_HEADER_OVERFLOW') {
        const text = '431 Request Header Fields Too Large';
        socket.end(`HTTP/1.1 ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${text}`);
      } else socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse | undefined, upgrade?: { socket: Duplex; head: Buffer }) {
    // The request target is a path: '//' or '//x/y' must not be read as a scheme-relative URL.
    let url: URL;
    try {
      url = new URL('http://localhost' + (req.url?.startsWith('/') ? req.url : '/' + (req.url ?? '')));
    } catch {
      url = new URL('http://localhost/');
      url.pathname = '/\0invalid';
    }
    // a path with a broken %-escape is refused before routing, as Go's server does (400, no JSON)
    if (/%(?![0-9A-Fa-f]{2})/.test((req.url ?? '').split('?')[0]!)) return plainAnswer(res, upgrade?.socket, '400 Bad Request', { Connection: 'close' });
    const { version, path: p } = splitVersion(url.pathname);
    const ctx = new Ctx(req, res, p, url.searchParams, version ?? API_VERSION, upgrade);
    if (res) settleUnreadBody(req, res);
    try {
      if (version) {
        if (compareVersions(version, API_VERSION) > 0)
          throw invalidParameter(`client version ${version} is too new. Maximum supported API version is ${API_VERSION}`);
        // (a client older than API 1.23 does not read JSON errors: dockerd answers it in plain text)
        if (compareVersions(version, MIN_API_VERSION) < 0)
          return plainAnswer(res, upgrade?.socket, `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version\n`, { 'X-Content-Type-Options': 'nosniff' });
      }
      // (no HEAD for a GET route: dockerd's router answers any method a route lacks with its 404)
      const method = req.method ?? 'GET';
      const found = this.router.find(method, p);
      if (!found) throw notFound('page not found');
      ctx.params = found.params;
      // the field table's refused query parameters (spec paths spell parameters {id}, find-my-way :id)
      checkQuery(`${method} ${found.pattern.replace(/:(\w+)/g, '{$1}')}`, url.searchParams);
      log.debug(`${req.method} ${req.url}`);
      await found.handler(ctx);
    } catch (err) {
      if (!(err as any)?.kind) log.error(`${req.method} ${req.url}: ${(err as Error)?.stack ?? err}`);
      else log.debug(`${req.method} ${req.url}: ${(err as Error).message}`);
      try {
        ctx.fail(err);
      } catch (e) {
        log.error(`${req.method} ${req.url}: answering the error: ${(e as Error).message}`);
        res?.destroy();
        upgrade?.socket.destroy();
      }
    }
  }

  /** Checks the listen configuration before the daemon does any work: dockerd's refusal of an
   * unauthenticated TCP listener, unreadable certificates, an unknown --group. */
  async prepare(cfg: ListenConfig): Promise<void> {
    await checkTcpAuth(cfg, (w) => log.warn(w));
    const tlsOpts = cfg.tls && cfg.hosts.some((h) => h.startsWith('tcp://')) ? tlsServerOptions(cfg.tls) : undefined;
    const gid = cfg.hosts.some((h) => h.startsWith('unix://')) ? socketGid(cfg.socketGroup, (m) => log.warn(m)) : 0;
    this.prepared = { cfg, tlsOpts, gid };
  }

  /** Binds every host (all or none: a failure closes those already bound). */
  async listen(): Promise<void> {
    if (!this.prepared) throw new Error('ApiServer.listen before prepare');
    const { cfg, tlsOpts, gid } = this.prepared;
    const onConnection = (s: net.Socket) => this.server.emit('connection', s);
    try {
      for (const host of cfg.hosts) {
        const tcp = host.startsWith('tcp://');
        this.listeners.push(await openListener(host, { tls: tcp ? tlsOpts : undefined, gid, onConnection, onTlsError: (e) => log.debug(`TLS handshake with a client failed: ${e.message}`) }));
        log.info(`API listen on ${host.replace(/^[a-z]+:\/\//, '')}${tcp && tlsOpts ? (cfg.tls!.verify ? ' (TLS, client certificates verified)' : ' (TLS, no client verification)') : ''}`);
      }
      // The HTTP server itself never binds (the listeners hand it their connections): tell it it is
      // serving, which starts its periodic check of headersTimeout on those connections.
      this.server.emit('listening');
    } catch (e) {
      for (const l of this.listeners) l.close();
      this.listeners = [];
      throw e;
    }
  }

  close(): Promise<void> {
    const closed = this.listeners.map((l) => new Promise<void>((r) => l.close(() => r())));
    this.listeners = [];
    for (const s of this.sockets) s.destroy();
    this.server.close();
    return Promise.all(closed).then(() => undefined);
  }
}

/** A 400 in plain text, as Go's http.Error and its answer to a request line it cannot parse. */
function plainAnswer(res: http.ServerResponse | undefined, socket: Duplex | undefined, body: string, headers: Record<string, string>): void {
  const all = { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), ...headers };
  if (res) {
    res.writeHead(400, all);
    res.end(body);
  } else if (socket?.writable) {
    const lines = Object.entries({ ...all, Connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`);
    socket.end(`HTTP/1.1 400 Bad Request\r\n${lines.join('')}\r\n${body}`);
  }
}
