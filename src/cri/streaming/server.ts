// The streaming server the CRI's Exec, Attach and PortForward answer with a URL to (as the kubelet's
// streaming library and containerd serve it): one-use tokens that expire, on a loopback port of its
// own, speaking the Kubernetes streaming protocols over either transport the kubelet's library knows:
// websocket (v4.channel.k8s.io: the first byte of each binary message is the stream, 0 stdin,
// 1 stdout, 2 stderr, 3 the final status, 4 terminal resizes) and SPDY/3.1 (spdy-sessions.ts). The
// handlers see one session type whatever the transport (sessions.ts). A connection quiet in both
// directions for the idle timeout (containerd's stream_idle_timeout) is closed, as theirs are.
import http from 'node:http';
import type net from 'node:net';
import crypto from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { status as Status } from '@grpc/grpc-js';
import { log } from '../../util/log.ts';
import { CriError } from '../errors.ts';
import { websocketChannels, websocketPortForward, type SessionHandler } from './sessions.ts';
import { isSpdyUpgrade, serveSpdy } from './spdy-sessions.ts';

export const CHANNEL_PROTOCOLS = ['v4.channel.k8s.io'];
/** the kubelet's streaming cache keeps a request this long */
const TOKEN_TTL_MS = 60_000;
/** and holds at most this many not yet used (its maxInFlight) */
const MAX_IN_FLIGHT = 1000;
/** containerd's default stream_idle_timeout (the kubelet streaming library's DefaultConfig) */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 4 * 3600_000;

export class StreamingServer {
  private readonly server = http.createServer((req, res) => this.plain(req, res));
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => CHANNEL_PROTOCOLS.find((p) => offered.has(p)) ?? false });
  private readonly tokens = new Map<string, { handler: SessionHandler; timer: NodeJS.Timeout }>();
  private base = '';
  /** upgraded connections, which the HTTP server no longer tracks */
  private readonly upgraded = new Set<Duplex>();
  /** 0: connections may stay idle for ever */
  private readonly idleTimeoutMs: number;

  constructor(o: { idleTimeoutMs?: number } = {}) {
    this.idleTimeoutMs = o.idleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
  }

  async listen(host = '127.0.0.1', port = 0): Promise<void> {
    this.server.on('upgrade', (req, socket, head) => {
      const t = this.take(req.url ?? '');
      if (!t) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      const h = t.handler;
      this.upgraded.add(socket);
      socket.on('close', () => this.upgraded.delete(socket));
      if (isSpdyUpgrade(req)) {
        const conn = serveSpdy(req, socket, head, h);
        if (conn) this.closeWhenIdle(socket, () => conn.expire());
        return;
      }
      const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
      if (!String(req.headers.upgrade ?? '').toLowerCase().includes('websocket') || !offered.some((p) => CHANNEL_PROTOCOLS.includes(p))) {
        socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nberthd's streaming server speaks SPDY/3.1, and websocket with the subprotocol ${CHANNEL_PROTOCOLS.join(', ')}\n`);
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        // (after ws has taken the socket: it clears the socket's timeout)
        this.closeWhenIdle(socket, () => ws.terminate());
        if (h.kind === 'portforward') h.serve(websocketPortForward(ws, req));
        else h.serve(websocketChannels(ws));
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const a = this.server.address() as { address: string; port: number };
    this.base = `http://${a.address}:${a.port}`;
    log.info(`CRI streaming server listen on ${this.base}`);
  }

  /** A URL that serves `handler` once, for the next minute. */
  url(handler: SessionHandler): string {
    if (this.tokens.size >= MAX_IN_FLIGHT) throw new CriError(Status.RESOURCE_EXHAUSTED, 'maximum number of in-flight requests exceeded');
    const token = crypto.randomBytes(16).toString('base64url');
    const timer = setTimeout(() => this.tokens.delete(token), TOKEN_TTL_MS);
    timer.unref();
    this.tokens.set(token, { handler, timer });
    return `${this.base}/${handler.kind}/${token}`;
  }

  /**
   * Nothing read or written on the upgraded socket for the idle timeout: `expire` ends the session (the
   * kubelet's library sets the same deadline on each frame or message either way, for every protocol).
   * The handlers see the close as a client going away (an exec's command is killed).
   */
  private closeWhenIdle(socket: Duplex, expire: () => void): void {
    if (!this.idleTimeoutMs) return;
    (socket as net.Socket).setTimeout(this.idleTimeoutMs, () => {
      log.debug(`CRI streaming: connection idle for ${this.idleTimeoutMs} ms, closed`);
      expire();
    });
  }

  private take(url: string): { handler: SessionHandler } | undefined {
    const m = /^\/(exec|attach|portforward)\/([A-Za-z0-9_-]+)(?:\?.*)?$/.exec(url);
    const t = m ? this.tokens.get(m[2]!) : undefined;
    if (!t || t.handler.kind !== m![1]) return undefined;
    clearTimeout(t.timer);
    this.tokens.delete(m![2]!);
    return t;
  }

  /** Anything but an upgrade. */
  private plain(req: http.IncomingMessage, res: http.ServerResponse): void {
    const known = /^\/(exec|attach|portforward)\/[A-Za-z0-9_-]+/.test(req.url ?? '');
    res.writeHead(known ? 400 : 404, { 'Content-Type': 'text/plain' });
    res.end(known ? `berthd's streaming server needs an upgrade: SPDY/3.1, or websocket with the subprotocol ${CHANNEL_PROTOCOLS.join(', ')}\n` : '404 page not found\n');
  }

  async close(): Promise<void> {
    for (const t of this.tokens.values()) clearTimeout(t.timer);
    this.tokens.clear();
    for (const c of this.wss.clients) c.terminate();
    for (const s of this.upgraded) s.destroy();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
