// One request as the route handlers see it: parsed params, query and body, and ways to answer
// (JSON, streams, or a hijacked raw connection for attach and exec).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { invalidParameter } from '../errdefs.ts';
import { statusOf, messageOf } from './errors.ts';
import { parseFilters, type FilterArgs, type FilterTable } from './filters/args.ts';
import { readBounded, parseJson, MAX_JSON_BODY } from './json-body.ts';
import { checkBody, type BodyName } from './body-types.ts';
import { READ_ON_BYTES } from './unread-body.ts';
import { goMapJson } from './go-map-order.ts';

const STATUS_TEXT: Record<number, string> = { 101: 'UPGRADED', 200: 'OK', 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error' };

/** A bidirectional raw stream to the client after hijacking (attach, exec start). */
export interface RawConn {
  write(data: Buffer | string): boolean;
  /** Data the client sends (stdin). */
  input: NodeJS.ReadableStream;
  /** Half-close: tell the client no more output comes. */
  end(): void;
  /** Called when the client goes away. */
  onClose(cb: () => void): void;
  /** Called once when output that write() could not pass on at once has gone to the client. */
  onDrain(cb: () => void): void;
  destroy(): void;
}

export class Ctx {
  readonly req: IncomingMessage;
  readonly res?: ServerResponse;
  /** Present when the request came as an HTTP upgrade (Upgrade: tcp). */
  readonly upgradeSocket?: Duplex;
  private upgradeHead: Buffer;
  params: Record<string, string | undefined> = {};
  readonly query: URLSearchParams;
  readonly path: string;
  /** The API version the client asked for (or the daemon's). */
  version: string;
  private bodyCache?: Promise<Buffer>;
  responded = false;

  constructor(req: IncomingMessage, res: ServerResponse | undefined, path: string, query: URLSearchParams, version: string, upgrade?: { socket: Duplex; head: Buffer }) {
    this.req = req;
    this.res = res;
    this.path = path;
    this.query = query;
    this.version = version;
    this.upgradeSocket = upgrade?.socket;
    this.upgradeHead = upgrade?.head ?? Buffer.alloc(0);
  }

  // --- query helpers -------------------------------------------------------
  q(name: string): string | undefined {
    const v = this.query.get(name);
    return v === null ? undefined : v;
  }
  qBool(name: string, dflt = false): boolean {
    const v = this.query.get(name);
    if (v === null) return dflt;
    // Docker: "1", "true", "True" are true; "0", "false", "" are false.
    return !(v === '' || v === '0' || v.toLowerCase() === 'false' || v.toLowerCase() === 'no');
  }
  qInt(name: string): number | undefined {
    const v = this.query.get(name);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw invalidParameter(`invalid value for ${name}: ${v}`);
    return Math.trunc(n);
  }
  /** Docker's `filters` query parameter, checked against the endpoint's table (unknown keys and bad values refused). */
  filters(table: FilterTable): FilterArgs {
    return parseFilters(this.query.get('filters'), table);
  }

  // --- body ----------------------------------------------------------------
  rawBody(): Promise<Buffer> {
    if (!this.bodyCache) this.bodyCache = this.upgradeSocket ? this.readUpgradeBody() : readBounded(this.req);
    return this.bodyCache;
  }
  /** The JSON body, or `dflt` if empty. Malformed JSON is a 400 as in Docker. */
  async json<T = any>(dflt?: T): Promise<T> {
    const buf = await this.rawBody();
    if (buf.length === 0 || buf.toString().trim() === '') {
      if (dflt !== undefined) return dflt;
      throw invalidParameter('bad parameter: request body is empty');
    }
    return parseJson(buf.toString('utf8')) as T;
  }
  /** The JSON body type-checked as the Engine API body `name` (see body-types.ts); null or empty is {}. */
  async body<T = any>(name: BodyName): Promise<T> {
    const buf = await this.rawBody();
    const text = buf.toString('utf8');
    return checkBody<T>(name, text.trim() === '' ? null : parseJson(text));
  }
  /**
   * Reads past a body the endpoint has no use for before the connection is hijacked (attach): with an
   * upgrade the body comes on the socket ahead of stdin, and it is not stdin. dockerd drops what its
   * server read with the request; dockerode sends its attach options as a JSON body.
   */
  async skipBody(): Promise<void> {
    if (this.upgradeSocket && !this.bodyCache) this.bodyCache = this.readUpgradeBody(false);
    await this.bodyCache;
  }
  /** The body of an upgrade request, kept (`keep`, up to MAX_JSON_BODY) or only read past. */
  private readUpgradeBody(keep = true): Promise<Buffer> {
    // With an upgrade, Node hands us the socket right after the headers; the body (if any) follows on it.
    const len = Number(this.req.headers['content-length'] ?? 0);
    if (!len) return Promise.resolve(Buffer.alloc(0));
    if (keep && !(len <= MAX_JSON_BODY)) return Promise.reject(invalidParameter(`request body is too large: more than ${MAX_JSON_BODY} bytes`));
    const sock = this.upgradeSocket!;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let seen = 0;
      const take = (c: Buffer): boolean => {
        const part = c.subarray(0, len - seen);
        if (keep) chunks.push(part);
        seen += part.length;
        if (seen < len) return false;
        this.upgradeHead = c.subarray(part.length);
        return true;
      };
      const finish = () => {
        sock.off('data', onData);
        sock.off('end', gone);
        sock.off('close', gone);
        sock.pause();
        resolve(Buffer.concat(chunks));
      };
      const onData = (c: Buffer) => {
        if (take(c)) finish();
      };
      // a client that hangs up half-way through its body: what came is all there is
      const gone = () => {
        this.upgradeHead = Buffer.alloc(0);
        finish();
      };
      const head = this.upgradeHead;
      this.upgradeHead = Buffer.alloc(0);
      if (take(head)) return finish();
      sock.on('data', onData);
      sock.once('end', gone);
      sock.once('close', gone);
      sock.once('error', reject);
      sock.resume();
    });
  }

  // --- answers -------------------------------------------------------------
  send(status: number, body?: unknown, headers: Record<string, string> = {}): void {
    this.responded = true;
    const data = body === undefined ? '' : typeof body === 'string' || Buffer.isBuffer(body) ? body : goMapJson(body) + '\n';
    const hdrs: Record<string, string | number> = { ...baseHeaders(), ...headers };
    if (body !== undefined && !hdrs['Content-Type']) hdrs['Content-Type'] = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
    if (this.res) {
      if (this.res.headersSent) return void this.res.end();
      this.res.writeHead(status, { ...hdrs, 'Content-Length': Buffer.byteLength(data) });
      const res = this.res;
      afterBody(this.req, () => res.end(data));
    } else if (this.upgradeSocket) {
      const lines = [`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}`];
      for (const [k, v] of Object.entries({ ...hdrs, 'Content-Length': Buffer.byteLength(data) })) lines.push(`${k}: ${v}`);
      this.upgradeSocket.end(lines.join('\r\n') + '\r\n\r\n' + data);
    }
  }
  ok(body: unknown): void {
    this.send(200, body);
  }
  created(body: unknown): void {
    this.send(201, body);
  }
  noContent(): void {
    this.send(204);
  }
  error(err: unknown): void {
    const status = statusOf(err);
    this.send(status, { message: messageOf(err) });
  }

  /** Start a streamed (chunked) response; returns the writable response. */
  stream(contentType: string, status = 200): ServerResponse {
    this.responded = true;
    const res = this.res!;
    res.writeHead(status, { ...baseHeaders(), 'Content-Type': contentType });
    res.flushHeaders();
    return res;
  }

  /**
   * Take over the connection for a raw bidirectional stream (attach, exec start).
   * With `Upgrade: tcp` answer 101 as dockerd does; otherwise answer 200 and keep the connection.
   */
  hijack(contentType: string): RawConn {
    this.responded = true;
    if (this.upgradeSocket) {
      const sock = this.upgradeSocket;
      sock.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n${apiHeaderLines()}\r\n`);
      if (this.upgradeHead.length) sock.unshift(this.upgradeHead);
      // Held until the handler has its stdin listeners in place (it calls input.resume()):
      // a client may send stdin and half-close before the container is attached.
      sock.pause();
      return rawFromSocket(sock);
    }
    const res = this.res!;
    const sock = this.req.socket;
    res.writeHead(200, { ...baseHeaders(), 'Content-Type': contentType });
    res.flushHeaders();
    return {
      write: (d) => res.write(d),
      input: this.req,
      end: () => res.end(),
      onClose: (cb) => whenClosed(sock, cb),
      onDrain: (cb) => void res.once('drain', cb),
      destroy: () => sock.destroy(),
    };
  }

  /** Write an error to a client in whatever state the answer is. */
  fail(err: unknown): void {
    if (!this.responded) return this.error(err);
    if (this.res && !this.res.writableEnded) this.res.end();
  }
}

/** The answers held for their request's body, by connection (see answerHeldOn). */
const waiting = new WeakMap<object, () => void>();

/**
 * For the server's clientError: a client that closes its side before the body it announced is all
 * there breaks the HTTP parser, but an answer already made for the request is still the one to give
 * (dockerd gives it): sends it and returns true, or returns false when none is held.
 */
export function answerHeldOn(socket: object): boolean {
  const finish = waiting.get(socket);
  if (!finish) return false;
  finish();
  return true;
}

/** How much of a body nobody read is taken in before an answer ends its connection (Go's server
 * discards as much: unread-body.ts), and how long that may take. */
const DISCARD_LIMIT = READ_ON_BYTES;
const DISCARD_WAIT_MS = 2000;

/**
 * `end` once the request's body is in, when the answer came before it was read (an early refusal):
 * closing the connection while the client still writes its body would cut the answer off (the client
 * gets EPIPE or a reset instead of the error), where dockerd reads the rest first. A body larger than
 * DISCARD_LIMIT, or one that does not come, does not hold the answer longer.
 */
function afterBody(req: IncomingMessage, end: () => void): void {
  if (req.complete || req.readableEnded || req.destroyed || req.socket.destroyed || req.socket.readableEnded) return end();
  let done = false;
  let seen = 0;
  const finish = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    req.off('data', onData);
    if (waiting.get(req.socket) === finish) waiting.delete(req.socket);
    end();
  };
  waiting.set(req.socket, finish);
  const onData = (c: Buffer) => {
    seen += c.length;
    if (seen > DISCARD_LIMIT) finish();
  };
  const timer = setTimeout(finish, DISCARD_WAIT_MS);
  req.on('data', onData);
  req.once('end', finish);
  req.once('close', finish);
  req.once('error', finish);
  req.resume();
}

function rawFromSocket(sock: Duplex): RawConn {
  return {
    write: (d) => (sock.writable ? sock.write(d) : false),
    input: sock,
    end: () => {
      if (sock.writable) sock.end();
    },
    onClose: (cb) => whenClosed(sock, cb),
    onDrain: (cb) => void sock.once('drain', cb),
    destroy: () => sock.destroy(),
  };
}

/** cb once the connection is closed, also when it closed before anyone asked. */
function whenClosed(sock: Duplex, cb: () => void): void {
  if (sock.destroyed || sock.closed) return void setImmediate(cb);
  sock.once('close', cb);
}

let serverVersion = '';
export function setServerHeader(v: string) {
  serverVersion = v;
}
function baseHeaders(): Record<string, string> {
  return { 'Api-Version': '1.50', 'Docker-Experimental': 'false', Ostype: 'linux', Server: `Docker/${serverVersion} (linux)` };
}
function apiHeaderLines(): string {
  return Object.entries(baseHeaders())
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
}
