// A registry client for the distribution protocol (v2): the scheme per host (plain HTTP for loopback and
// --insecure-registry hosts, TLS with /etc/docker/certs.d/HOST CAs otherwise), and the authentication
// challenge flow (anonymous, Basic, Bearer tokens from the realm the registry names).
import fs from 'node:fs';
import path from 'node:path';
import { STATUS_CODES } from 'node:http';
// undici (only for a registry with its own certificates in certs.d) is loaded at first use: it is
// a good part of the daemon's memory at rest otherwise.
import type { Agent, Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import { BerthError } from '../errdefs.ts';
import { log } from '../util/log.ts';
import { goDialError } from './net-errors.ts';
import { readAtMost, MAX_SMALL_BODY_BYTES } from './bounded-body.ts';

export interface Credentials {
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export class RegistryError extends BerthError {
  readonly status: number;
  readonly code?: string;
  constructor(kind: ConstructorParameters<typeof BerthError>[0], message: string, status: number, code?: string) {
    super(kind, message);
    this.status = status;
    this.code = code;
  }
}

/** Registry host for a reference domain (Docker Hub's API lives elsewhere). */
export function registryHost(domain: string): string {
  return domain === 'docker.io' ? 'registry-1.docker.io' : domain;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

export interface ClientOptions {
  insecureRegistries?: string[];
  certsDir?: string;
}

export class RegistryClient {
  readonly host: string;
  private readonly base: string;
  private readonly creds?: Credentials;
  private token?: string;
  private basic = false;
  /** TLS material from certs.d, for the dispatcher made at the first request */
  private readonly connect?: { ca?: string[]; cert?: Buffer; key?: Buffer };
  private dispatcher?: Promise<Agent>;
  private streamer?: Promise<Dispatcher>;
  private readonly scopes: string[];

  constructor(host: string, scopes: string[], creds?: Credentials, o: ClientOptions = {}) {
    this.host = host;
    this.creds = creds;
    this.scopes = scopes;
    const insecure = isLoopback(host) || (o.insecureRegistries ?? []).some((r) => r === host || r === host.replace(/:\d+$/, ''));
    this.base = `${insecure ? 'http' : 'https'}://${host}`;
    const dir = path.join(o.certsDir ?? '/etc/docker/certs.d', host);
    if (!insecure && fs.existsSync(dir)) {
      const ca = fs.readdirSync(dir).filter((f) => f.endsWith('.crt')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
      const cert = fs.readdirSync(dir).find((f) => f.endsWith('.cert'));
      const key = fs.readdirSync(dir).find((f) => f.endsWith('.key'));
      this.connect = { ca: ca.length ? ca : undefined, cert: cert ? fs.readFileSync(path.join(dir, cert)) : undefined, key: key ? fs.readFileSync(path.join(dir, key)) : undefined };
    }
  }

  /** fetch()'s dispatcher option: a client for certs.d's TLS material, or nothing (the default one) */
  private async dispatch(): Promise<{ dispatcher?: Agent }> {
    if (!this.connect) return {};
    const connect = this.connect;
    this.dispatcher ??= import('undici').then((u) => new u.Agent({ connect }));
    return { dispatcher: await this.dispatcher };
  }

  /** request()'s dispatcher for getStream(): certs.d's TLS material or none, following redirects as fetch() does */
  private streamDispatcher(): Promise<Dispatcher> {
    const connect = this.connect;
    if (!connect) return (plainStreamer ??= import('undici').then((u) => new u.Agent().compose(u.interceptors.redirect({ maxRedirections: MAX_REDIRECTS }))));
    return (this.streamer ??= import('undici').then((u) => new u.Agent({ connect }).compose(u.interceptors.redirect({ maxRedirections: MAX_REDIRECTS }))));
  }

  /**
   * A GET whose body is a large stream of bytes (a layer blob), through undici's request() rather
   * than fetch(): fetch's WHATWG body copies every chunk and settles promises for each, half the
   * CPU of receiving a blob. As fetch(): redirects followed (a cross-origin one without the
   * Authorization header), the auth challenge met once, a connection failure in Go's words. A 2xx
   * answer gives its body; any other comes back as a Response for the error paths.
   */
  async getStream(p: string): Promise<{ body: Readable; res?: undefined } | { res: Response; body?: undefined }> {
    const [{ request }, dispatcher] = await Promise.all([import('undici'), this.streamDispatcher()]);
    const doGet = () =>
      request(this.url(p), { method: 'GET', headers: this.authHeader(), dispatcher }).catch((e: Error & { cause?: Error }) => {
        throw new RegistryError('system', `Get "${this.url(p)}": ${goDialError(e, this.host)}`, 0);
      });
    let r = await doGet();
    if (r.statusCode === 401 && (await this.answerChallenge(await asResponse(r)))) r = await doGet();
    if (r.statusCode >= 200 && r.statusCode < 300) return { body: r.body };
    return { res: await asResponse(r) };
  }

  url(p: string): string {
    return p.startsWith('http') ? p : `${this.base}${p}`;
  }

  private authHeader(): Record<string, string> {
    if (this.token) return { Authorization: `Bearer ${this.token}` };
    if (this.basic && this.creds?.username) return { Authorization: `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password ?? ''}`).toString('base64')}` };
    return {};
  }

  /** A request, answering the registry's auth challenge once. Bodies that are streams cannot be replayed:
   *  call ping() first so that the challenge is met before them. */
  async fetch(method: string, p: string, init: { headers?: Record<string, string>; body?: BodyInit | null; redirect?: RequestRedirect } = {}): Promise<Response> {
    const dispatch = await this.dispatch();
    const doFetch = () =>
      fetch(this.url(p), {
        method,
        headers: { ...this.authHeader(), ...(init.headers ?? {}) },
        body: init.body as never,
        redirect: init.redirect ?? 'follow',
        ...(init.body && typeof (init.body as { pipe?: unknown }).pipe === 'function' ? { duplex: 'half' } : {}),
        ...dispatch,
      } as RequestInit).catch((e: Error & { cause?: Error }) => {
        throw new RegistryError('system', `Get "${this.url(p)}": ${goDialError(e, this.host)}`, 0);
      });
    let res = await doFetch();
    if (res.status === 401 && (await this.answerChallenge(res))) {
      if (init.body && typeof (init.body as { pipe?: unknown }).pipe === 'function') return res;
      res = await doFetch();
    }
    return res;
  }

  /** GET /v2/ as dockerd's pull begins: only a registry that cannot be reached is an error here (the
   *  error names /v2/, as dockerd's); what it answers is left to the requests that follow. */
  async reach(): Promise<void> {
    const res = await this.fetch('GET', '/v2/');
    await res.arrayBuffer().catch(() => {}); // drained only to free the connection
  }

  /** GET /v2/: meets the auth challenge up front; throws when the credentials are refused. */
  async ping(forLogin = false): Promise<void> {
    const res = await this.fetch('GET', '/v2/');
    await res.arrayBuffer().catch(() => {}); // drained only to free the connection; the status says what happened
    if (res.status === 401) throw new RegistryError('unauthorized', forLogin ? `login attempt to ${this.url('/v2/')} failed with status: 401 Unauthorized` : 'unauthorized: authentication required', 401);
    // a login is only good on a 200 from /v2/; dockerd's loginV2 refuses any other answer with an
    // untyped error (a 500), a 404 or a registry's own 5xx alike
    if (forLogin && res.status !== 200) throw new RegistryError('system', `login attempt to ${this.url('/v2/')} failed with status: ${res.status} ${STATUS_CODES[res.status] ?? ''}`, res.status);
    if (res.status >= 500) throw new RegistryError('unavailable', `${this.url('/v2/')}: ${res.status} ${res.statusText}`, res.status);
  }

  private async answerChallenge(res: Response): Promise<boolean> {
    const h = res.headers.get('www-authenticate') ?? '';
    await res.arrayBuffer().catch(() => {}); // drained only to free the connection; the header says what to do
    const scheme = h.split(' ')[0]!.toLowerCase();
    if (scheme === 'basic') {
      if (!this.creds?.username || this.basic) return false;
      this.basic = true;
      return true;
    }
    if (scheme !== 'bearer' || this.token) return false;
    const params: Record<string, string> = {};
    for (const m of h.slice(7).matchAll(/(\w+)="([^"]*)"/g)) params[m[1]!] = m[2]!;
    if (!params.realm) return false;
    const u = new URL(params.realm);
    if (params.service) u.searchParams.set('service', params.service);
    for (const s of params.scope ? [params.scope] : this.scopes) u.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    if (this.creds?.username) headers.Authorization = `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password ?? ''}`).toString('base64')}`;
    const tr = await fetch(u, { headers, ...(await this.dispatch()) } as RequestInit).catch((e: Error & { cause?: Error }) => void log.warn(`token from ${u.origin}: ${e.cause?.message ?? e.message}`)); // unreachable: refused below as unauthorized
    if (!tr?.ok) return false;
    // (garbage or a body without end: no token, so the request stays unauthorized, as dockerd's)
    const body = await readAtMost(tr.body, MAX_SMALL_BODY_BYTES)
      .then((b) => JSON.parse(b.toString('utf8')) as { token?: string; access_token?: string })
      .catch(() => ({}) as { token?: string; access_token?: string });
    this.token = body.token ?? body.access_token;
    return !!this.token;
  }
}

/** fetch()'s limit */
const MAX_REDIRECTS = 20;
let plainStreamer: Promise<Dispatcher> | undefined;

/** request()'s answer (body read whole) as a fetch Response, for the paths that read errors and challenges */
async function asResponse(r: Dispatcher.ResponseData): Promise<Response> {
  // (an error body is read up to a limit: what is beyond it is no error message)
  const body = await readAtMost(r.body, MAX_SMALL_BODY_BYTES).catch(() => Buffer.alloc(0));
  const headers = new Headers();
  for (const [k, v] of Object.entries(r.headers)) for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) headers.append(k, x);
  return new Response(r.statusCode === 204 || r.statusCode === 304 ? null : new Uint8Array(body), { status: r.statusCode, statusText: STATUS_CODES[r.statusCode] ?? '', headers });
}

/** A registry's error body ({"errors":[{code,message}]}) as a Docker-like error. */
export async function registryError(res: Response, what: string): Promise<RegistryError> {
  let code: string | undefined;
  let message = `${res.status} ${res.statusText}`;
  try {
    const j = JSON.parse((await readAtMost(res.body, MAX_SMALL_BODY_BYTES)).toString('utf8')) as { errors?: { code?: string; message?: string; detail?: unknown }[] };
    const e = j.errors?.[0];
    if (e) {
      code = e.code;
      message = e.message ?? message;
    }
  } catch {
    // the body is not JSON: the status text is the message
  }
  const kind = res.status === 404 ? 'not-found' : res.status === 401 || res.status === 403 ? 'unauthorized' : 'system';
  return new RegistryError(kind as never, `${what}: ${message}`, res.status, code);
}
