// HTTP/1.1 to the daemon over a unix socket or TCP, with API version negotiation and
// hijacked (upgraded) connections for attach and exec.
import { createRequire } from 'node:module';
import type * as HTTP from 'node:http';
import type * as HTTPS from 'node:https';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { parseHost, type Endpoint } from './host.ts';
import { ApiError, DaemonUnreachableError, errorMessageFromBody, isConnectError } from './errors.ts';
import type { TlsOptions } from './tls.ts';

// Loaded through require: the ESM facade of node:http evaluates every export, including the lazy
// fetch/WebSocket machinery (undici), which costs tens of milliseconds at startup.
const requireNode = createRequire(import.meta.url);
const http = requireNode('node:http') as typeof HTTP;
type IncomingMessage = HTTP.IncomingMessage;

export const CLIENT_API_VERSION = '1.50';
/** The oldest API version this client can speak (the daemon's default when it sends none). */
export const FALLBACK_API_VERSION = '1.24';

export type QueryValue = string | number | boolean | undefined | null | string[] | Record<string, unknown>;
export type Query = Record<string, QueryValue>;

export interface RequestOptions {
  method?: string;
  path: string;
  query?: Query;
  /** A plain value is sent as JSON; a Buffer or Readable as-is (set a content type in headers). */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Send the request without the /vX.Y prefix (only /_ping does this). */
  unversioned?: boolean;
}

export interface PingResult {
  apiVersion: string;
  osType?: string;
  experimental?: boolean;
  builderVersion?: string;
}

export interface TransportOptions {
  host: string;
  /** Pin the API version instead of negotiating (like DOCKER_API_VERSION). */
  version?: string;
  userAgent?: string;
  /** TLS for a tcp:// host (see tls.ts for the docker CLI's rules that make it). */
  tls?: TlsOptions;
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d < 0 ? -1 : 1;
  }
  return 0;
}

export function encodeQuery(q: Query | undefined): string {
  if (!q) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(item)}`);
      continue;
    }
    let s: string;
    if (typeof v === 'boolean') s = v ? '1' : '0';
    else if (typeof v === 'object') s = JSON.stringify(v);
    else s = String(v);
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(s)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** A hijacked connection: raw bytes both ways after the HTTP exchange. */
export interface Hijacked {
  /** Readable side (bytes the daemon sent after the 101 response included). */
  output: Readable;
  /** The socket itself, for writing stdin. */
  socket: Socket;
  /** Half-close: tell the daemon stdin is done while still reading output. */
  closeWrite(): void;
  close(): void;
  /** The response's Content-Type (raw stream for TTYs, multiplexed otherwise). */
  contentType: string;
}

export class Transport {
  readonly endpoint: Endpoint;
  private readonly agent: HTTP.Agent;
  private readonly tls: TlsOptions | undefined;
  /** http or, for TLS, https (loaded only then) */
  private readonly proto: typeof HTTP | typeof HTTPS;
  private readonly userAgent: string;
  private negotiated: Promise<string> | null = null;
  private pinned: string | undefined;
  lastPing: PingResult | undefined;

  constructor(opts: TransportOptions) {
    this.endpoint = parseHost(opts.host);
    this.tls = this.endpoint.kind === 'tcp' ? opts.tls : undefined;
    this.proto = this.tls ? (requireNode('node:https') as typeof HTTPS) : http;
    this.agent = this.tls ? new (this.proto as typeof HTTPS).Agent({ keepAlive: true, maxSockets: 16 }) : new http.Agent({ keepAlive: true, maxSockets: 16 });
    this.userAgent = opts.userAgent ?? `Berth-Client/0.1.0 (${process.platform})`;
    this.pinned = opts.version;
  }

  /** The API version in use: pinned, or min(client, server) after a ping. */
  version(): Promise<string> {
    if (this.pinned) return Promise.resolve(this.pinned);
    this.negotiated ??= this.ping().then(
      (p) => (compareVersions(p.apiVersion, CLIENT_API_VERSION) < 0 ? p.apiVersion : CLIENT_API_VERSION),
      (e) => {
        this.negotiated = null;
        throw e;
      },
    );
    return this.negotiated;
  }

  async ping(signal?: AbortSignal): Promise<PingResult> {
    const res = await this.raw({ method: 'GET', path: '/_ping', unversioned: true, signal });
    const body = await readBody(res);
    if (res.statusCode! >= 400 && !res.headers['api-version']) {
      throw new ApiError(res.statusCode!, errorMessageFromBody(body.toString(), res.statusCode!), 'GET', '/_ping');
    }
    const h = res.headers;
    const p: PingResult = {
      apiVersion: (h['api-version'] as string | undefined) || FALLBACK_API_VERSION,
      osType: h['ostype'] as string | undefined,
      experimental: h['docker-experimental'] === 'true',
      builderVersion: h['builder-version'] as string | undefined,
    };
    this.lastPing = p;
    return p;
  }

  private requestOptions(method: string, path: string, headers: Record<string, string>): HTTPS.RequestOptions {
    const base: HTTPS.RequestOptions = { method, path, headers: { 'User-Agent': this.userAgent, ...headers } };
    if (this.endpoint.kind === 'unix') base.socketPath = this.endpoint.socketPath;
    else {
      base.host = this.endpoint.hostname;
      base.port = this.endpoint.port;
    }
    if (this.tls) {
      base.ca = this.tls.ca;
      base.cert = this.tls.cert;
      base.key = this.tls.key;
      // --tls without --tlsverify: encrypted, the daemon's certificate unchecked (as docker)
      base.rejectUnauthorized = this.tls.verify;
    }
    return base;
  }

  /** Connection failures; TLS refusals keep their own text (docker: "remote error: tls: ..."). */
  private connectError(e: Error): Error {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    // a daemon that refuses our certificate resets the connection during the handshake
    if (this.tls && !['ECONNREFUSED', 'ENOENT', 'EHOSTUNREACH', 'ENOTFOUND', 'ETIMEDOUT', 'ABORT_ERR'].includes(code)) {
      return new Error(`error during connect: ${this.endpoint.url}: ${code === 'ECONNRESET' || code === 'EPIPE' ? 'the daemon closed the TLS connection (is the client certificate accepted by its CA?)' : e.message}`, { cause: e });
    }
    if (isConnectError(e)) return new DaemonUnreachableError(this.endpoint.url, e);
    return e;
  }

  private async fullPath(opts: RequestOptions): Promise<string> {
    const prefix = opts.unversioned ? '' : `/v${await this.version()}`;
    return prefix + opts.path + encodeQuery(opts.query);
  }

  private prepareBody(body: unknown, headers: Record<string, string>): Buffer | Readable | undefined {
    if (body === undefined) return undefined;
    if (isStream(body)) return body;
    if (Buffer.isBuffer(body)) {
      headers['Content-Length'] = String(body.length);
      return body;
    }
    const b = Buffer.from(JSON.stringify(body));
    headers['Content-Type'] ??= 'application/json';
    headers['Content-Length'] = String(b.length);
    return b;
  }

  /** Sends a request and returns the response whatever its status. */
  async raw(opts: RequestOptions): Promise<IncomingMessage> {
    const method = opts.method ?? 'GET';
    const path = await this.fullPath(opts);
    const headers = { ...opts.headers };
    const body = this.prepareBody(opts.body, headers);
    if (isStream(body) && !headers['Content-Length']) headers['Transfer-Encoding'] = 'chunked';
    return new Promise((resolve, reject) => {
      const req = this.proto.request({ ...this.requestOptions(method, path, headers), agent: this.agent, signal: opts.signal });
      req.once('response', resolve);
      req.once('error', (e) => reject(this.connectError(e)));
      if (isStream(body)) {
        // (on, not once: a body torn down with the request may report more than one error)
        body.on('error', (e: Error) => req.destroy(e));
        body.pipe(req);
      } else req.end(body);
    });
  }

  /** Sends a request; a status >= 400 becomes an ApiError with the daemon's message. */
  async request(opts: RequestOptions): Promise<IncomingMessage> {
    const res = await this.raw(opts);
    if (res.statusCode! >= 400) {
      const body = await readBody(res);
      throw new ApiError(res.statusCode!, errorMessageFromBody(body.toString(), res.statusCode!), opts.method ?? 'GET', opts.path);
    }
    return res;
  }

  async json<T>(opts: RequestOptions): Promise<T> {
    const res = await this.request(opts);
    const body = (await readBody(res)).toString();
    if (!body.trim()) return undefined as T;
    return JSON.parse(body) as T;
  }

  /** A request whose response body is discarded. */
  async empty(opts: RequestOptions): Promise<number> {
    const res = await this.request(opts);
    res.resume();
    await new Promise<void>((r) => (res.complete ? r() : res.once('end', r).once('close', r)));
    return res.statusCode!;
  }

  /**
   * Upgrades the connection (`Connection: Upgrade`, `Upgrade: tcp`) for attach and exec start.
   * Resolves once the daemon answers 101 (or 200: some daemons stream without upgrading).
   */
  async hijack(opts: RequestOptions): Promise<Hijacked> {
    const method = opts.method ?? 'POST';
    const path = await this.fullPath(opts);
    const headers: Record<string, string> = { ...opts.headers, Connection: 'Upgrade', Upgrade: 'tcp' };
    const body = this.prepareBody(opts.body, headers) as Buffer | undefined;
    return new Promise((resolve, reject) => {
      const req = this.proto.request({ ...this.requestOptions(method, path, headers), agent: false, signal: opts.signal });
      req.once('upgrade', (res, socket, head) => {
        socket.setNoDelay?.(true);
        if (head.length) socket.unshift(head);
        const contentType = String(res.headers['content-type'] ?? '');
        resolve({
          output: socket,
          socket,
          contentType,
          closeWrite: () => {
            if (!socket.destroyed && socket.writable) socket.end();
          },
          close: () => socket.destroy(),
        });
      });
      req.once('response', async (res) => {
        if (res.statusCode! >= 400) {
          const b = await readBody(res);
          reject(new ApiError(res.statusCode!, errorMessageFromBody(b.toString(), res.statusCode!), method, opts.path));
          return;
        }
        // Not upgraded: the body is the output and stdin cannot be sent.
        const socket = res.socket as Socket;
        resolve({
          output: res,
          socket,
          contentType: String(res.headers['content-type'] ?? ''),
          closeWrite: () => {},
          close: () => socket.destroy(),
        });
      });
      req.once('error', (e) => reject(this.connectError(e)));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Node streams and stream-likes (tar-stream's streamx packs) are sent as they are. */
function isStream(b: unknown): b is Readable {
  return b instanceof Readable || (typeof b === 'object' && b !== null && typeof (b as { pipe?: unknown }).pipe === 'function' && typeof (b as { on?: unknown }).on === 'function');
}

export function readBody(res: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.once('end', () => resolve(Buffer.concat(chunks)));
    res.once('error', reject);
  });
}
