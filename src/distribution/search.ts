// GET /images/search (docker search): a registry's v1 search API, as dockerd asks it. The term names
// the index before its first slash when that part looks like a host ("localhost", a dot or a colon),
// Docker Hub's index.docker.io otherwise; a registry other than Docker Hub is pinged first at
// /v1/_ping, over HTTPS, and over plain HTTP too when it is an insecure one (loopback, or named by
// --insecure-registry). Results are filtered here (is-official, stars); is-automated is deprecated:
// asking for true finds nothing, and every result says false.
import { BerthError, invalidParameter } from '../errdefs.ts';
import { goDialError } from './net-errors.ts';
import type { Credentials } from './client.ts';

export interface SearchResult {
  star_count: number;
  is_official: boolean;
  name: string;
  is_automated: boolean;
  description: string;
}

export interface SearchOptions {
  term: string;
  /** 0: the default, 25 */
  limit: number;
  isOfficial?: boolean;
  /** at least this many stars */
  stars?: number;
  creds?: Credentials;
  insecureRegistries?: string[];
}

const INDEX_SERVER = 'https://index.docker.io/v1/';

/** splitReposSearchTerm: [index name, remote name] */
export function splitSearchTerm(term: string): [string, string] {
  const i = term.indexOf('/');
  if (i < 0) return ['docker.io', term];
  const first = term.slice(0, i);
  if (!first.includes('.') && !first.includes(':') && first !== 'localhost') return ['docker.io', term];
  return [first === 'index.docker.io' ? 'docker.io' : first, term.slice(i + 1)];
}

function isInsecure(index: string, insecure: string[]): boolean {
  const h = index.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h) || insecure.some((r) => r === index || r === h);
}

/** A fetch that failed before an answer, in Go's words: `Get "URL": dial tcp …` */
async function get(url: string, headers: Record<string, string>): Promise<Response> {
  try {
    return await fetch(url, { headers, redirect: 'follow' });
  } catch (e) {
    throw new Error(`Get "${url}": ${goDialError(e as Error, new URL(url).host)}`);
  }
}

async function ping(base: string, headers: Record<string, string>): Promise<void> {
  const res = await get(`${base}_ping`, headers);
  await res.arrayBuffer().catch(() => {}); // whatever it answers, the endpoint is there
}

/** The v1 endpoint of the index, "https://HOST/v1/" (or http for an insecure one that has no HTTPS). */
async function endpoint(index: string, insecure: boolean, headers: Record<string, string>): Promise<string> {
  if (index === 'docker.io') return INDEX_SERVER;
  const https = `https://${index}/v1/`;
  try {
    await ping(https, headers);
    return https;
  } catch (e) {
    if (!insecure) {
      throw invalidParameter(
        `invalid registry endpoint ${https}: ${(e as Error).message}. If this private registry supports only HTTP or HTTPS with an unknown CA certificate, add \`--insecure-registry ${index}\` to the daemon's arguments. ` +
          `In the case of HTTPS, if you have access to the registry's CA certificate, no need for the flag; place the CA certificate at /etc/docker/certs.d/${index}/ca.crt`,
      );
    }
    const http = `http://${index}/v1/`;
    try {
      await ping(http, headers);
      return http;
    } catch (e2) {
      throw invalidParameter(`invalid registry endpoint "${https}". HTTPS attempt: ${(e as Error).message}. HTTP attempt: ${(e2 as Error).message}`);
    }
  }
}

export async function searchRegistry(o: SearchOptions): Promise<SearchResult[]> {
  if (o.term.includes('://')) throw invalidParameter(`invalid repository name: repository name (${o.term}) should not have a scheme`);
  const [index, remote0] = splitSearchTerm(o.term);
  // (Docker Hub stores "library/foo" as "foo")
  const remote = index === 'docker.io' ? remote0.replace(/^library\//, '') : remote0;
  const limit = o.limit || 25;
  const headers: Record<string, string> = {};
  if (o.creds?.username) headers.Authorization = `Basic ${Buffer.from(`${o.creds.username}:${o.creds.password ?? ''}`).toString('base64')}`;
  const base = await endpoint(index, isInsecure(index, o.insecureRegistries ?? []), headers);
  if (limit < 1 || limit > 100) throw invalidParameter(`limit ${limit} is outside the range of [1, 100]`);
  const url = `${base}search?q=${encodeURIComponent(remote).replace(/%20/g, '+')}&n=${limit}`;
  let res: Response;
  try {
    res = await get(url, { ...headers, 'X-Docker-Token': 'true' });
  } catch (e) {
    throw new BerthError('system', (e as Error).message);
  }
  if (res.status !== 200) {
    await res.arrayBuffer().catch(() => {});
    throw new BerthError('system', `unexpected status code ${res.status}`);
  }
  let body: { results?: Partial<SearchResult>[] };
  try {
    body = (await res.json()) as typeof body;
  } catch (e) {
    throw new BerthError('system', `error decoding registry search results: ${(e as Error).message}`);
  }
  const out: SearchResult[] = [];
  for (const r of body?.results ?? []) {
    const result: SearchResult = { star_count: Number(r.star_count ?? 0), is_official: !!r.is_official, name: String(r.name ?? ''), is_automated: false, description: String(r.description ?? '') };
    if (o.isOfficial !== undefined && result.is_official !== o.isOfficial) continue;
    if (o.stars !== undefined && result.star_count < o.stars) continue;
    out.push(result);
  }
  return out;
}
