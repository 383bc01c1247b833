// The fuzzer's request generator: every operation of the Engine API spec (path, method, query,
// path and body parameters), bodies generated from the spec's schemas and then mutated (wrong
// types, huge and NaN-like numbers, deep nesting, 1 MB strings, NUL bytes, lone surrogates,
// duplicate keys, truncated JSON), query values and filters mutated, path parameters made hostile.
// Pure: a seeded random source in, a request description out (the runner sends it).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SPEC_FILE = [path.join(ROOT, '..', 'shared', 'reference', 'docker-engine-api-v1.50.yaml'), '/work/shared/reference/docker-engine-api-v1.50.yaml'].find((f) => fs.existsSync(f));

/** A small seeded PRNG (mulberry32): the same seed gives the same cases. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<X>(xs: readonly X[]): X {
    return xs[this.int(xs.length)]!;
  }
}

interface Param {
  name: string;
  in: 'path' | 'query' | 'body' | 'header' | 'formData';
  type?: string;
  items?: any;
  enum?: unknown[];
  schema?: any;
}
export interface Operation {
  method: string;
  path: string;
  params: Param[];
}

let cached: { ops: Operation[]; defs: Record<string, any> } | undefined;
export function loadSpec(): { ops: Operation[]; defs: Record<string, any> } {
  if (cached) return cached;
  if (!SPEC_FILE) throw new Error('the API spec (../shared/reference/docker-engine-api-v1.50.yaml) is not here');
  const spec = parse(fs.readFileSync(SPEC_FILE, 'utf8'));
  const ops: Operation[] = [];
  for (const [p, item] of Object.entries<any>(spec.paths)) {
    for (const [m, op] of Object.entries<any>(item)) {
      if (m === 'parameters') continue;
      ops.push({ method: m.toUpperCase(), path: p, params: [...(item.parameters ?? []), ...(op.parameters ?? [])] });
    }
  }
  return (cached = { ops, defs: spec.definitions });
}

/** Values that are wrong for nearly every field. */
export const JUNK: readonly (() => unknown)[] = [
  () => 5,
  () => -1,
  () => -1.5,
  () => 2 ** 64,
  () => 1e308,
  () => Number.MIN_SAFE_INTEGER * 1024,
  () => 'NaN',
  () => 'Infinity',
  () => '-0',
  () => 'maybe',
  () => '',
  () => true,
  () => null,
  () => [],
  () => [null],
  () => ({}),
  () => ({ a: [{ b: null }] }),
  () => 'a\u0000b',
  () => '\ud800x',
  () => '🐳\u202e\u0301',
  () => '../'.repeat(20) + 'etc/passwd',
  () => 'A'.repeat(300),
];

/** Registries the fuzzer may name: a refused loopback port, never the internet. */
export const NO_REGISTRY = 'localhost:2';

/** A value of the schema's type (a few properties of an object), with the depth bounded. */
export function generate(rng: Rng, schema: any, defs: Record<string, any>, depth = 0): unknown {
  if (!schema || depth > 5) return null;
  if (schema.$ref) return generate(rng, defs[schema.$ref.split('/').pop()], defs, depth + 1);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s: any) => generate(rng, s, defs, depth + 1) ?? {}));
  if (schema.enum) return rng.pick(schema.enum);
  if (schema.example !== undefined && rng.chance(0.3)) return schema.example;
  switch (schema.type) {
    case 'string':
      return rng.pick(['x', 'fz', '', '1', 'tcp', '/tmp', 'a=b', '80/tcp', '10.99.0.0/24', 'busybox']);
    case 'integer':
      return rng.pick([0, 1, 2, 1024, 65535]);
    case 'number':
      return rng.pick([0, 0.5, 1]);
    case 'boolean':
      return rng.chance(0.5);
    case 'array':
      return Array.from({ length: rng.int(3) }, () => generate(rng, schema.items, defs, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      const props = Object.entries<any>(schema.properties ?? {});
      for (const [k, s] of props) if (rng.chance(Math.min(1, 3 / props.length))) out[k] = generate(rng, s, defs, depth + 1);
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object' && rng.chance(0.5)) out[rng.pick(['k', 'a.b', 'x/y'])] = generate(rng, schema.additionalProperties, defs, depth + 1);
      return out;
    }
  }
}

/** One random node of a JSON value replaced by junk (a wrong type, a number out of range, …). */
export function mutate(rng: Rng, v: unknown, depth = 0): unknown {
  if (depth > 0 && rng.chance(0.35)) return rng.pick(JUNK)();
  if (Array.isArray(v)) {
    if (v.length === 0 || rng.chance(0.2)) return [...v, rng.pick(JUNK)()];
    const i = rng.int(v.length);
    return v.map((x, j) => (j === i ? mutate(rng, x, depth + 1) : x));
  }
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 0 || rng.chance(0.2)) return { ...v, [rng.pick(['Image', 'HostConfig', 'Name', 'Labels', 'Cmd', 'zz'])]: rng.pick(JUNK)() };
    const k = rng.pick(keys);
    return { ...v, [k]: mutate(rng, (v as any)[k], depth + 1) };
  }
  return rng.pick(JUNK)();
}

/** A body as bytes: usually the JSON text of the (mutated) value, sometimes broken at the text level. */
export function serialise(rng: Rng, v: unknown): { text: Buffer; how: string } {
  const json = JSON.stringify(v) ?? 'null';
  const r = rng.int(14);
  if (r === 0) return { text: Buffer.from(json.slice(0, rng.int(json.length + 1))), how: 'truncated' };
  if (r === 1 && json.startsWith('{') && json.length > 2) return { text: Buffer.from(`{"Image":1,"Image":"x",${json.slice(1)}`), how: 'duplicate keys' };
  if (r === 2) return { text: Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), how: 'deep array' };
  if (r === 3) return { text: Buffer.from(`{"Labels":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`), how: 'deep object' };
  if (r === 4) return { text: Buffer.from(JSON.stringify({ Name: 'x'.repeat(1 << 20), Image: 'y'.repeat(1 << 20) })), how: '1 MB strings' };
  if (r === 5) return { text: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]), how: 'BOM' };
  if (r === 6) return { text: Buffer.from(json + ' trailing{'), how: 'trailing garbage' };
  if (r === 7) return { text: Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0xc3, 0x28]), how: 'invalid utf-8' };
  if (r === 8) return { text: Buffer.from(json.replace(/:(\d+)/, ':1e999')), how: '1e999' };
  if (r === 9) return { text: Buffer.from(json.replace(/"([^"]*)"/, '"$1\\u0000\\ud800"')), how: 'escaped NUL' };
  return { text: Buffer.from(json), how: 'json' };
}

const FILTER_VALUES = [
  '{',
  '[]',
  '"x"',
  'null',
  '{"label":"x"}',
  '{"label":["x"]}',
  '{"label":{"x":true}}',
  '{"label":{"x":"maybe"}}',
  '{"until":["abc"]}',
  '{"until":["99999999999999999999"]}',
  '{"since":["../x"]}',
  '{"nosuchfilter":["x"]}',
  '{"dangling":["maybe"]}',
  '{"status":["nosuch"]}',
  '{"before":["nosuch"]}',
  '{"reference":["[[["]}',
  '{"id":[""]}',
  '{"exited":["-1"]}',
  '{"health":["x"]}',
  '{"type":["x"],"event":["die"]}',
  '{"label":{"a=b":true,"c":false}}',
  '{"name":["' + 'n'.repeat(5000) + '"]}',
];
const QUERY_JUNK = ['maybe', '-1', '99999999999999999999', '1e3', '', '%00', 'x%00y', 'NaN', 'true', '0', '1', '🐳', '[]', '{}', 'a'.repeat(300), '%ff%fe', '+1', '0x10'];

/** A value for a query parameter: right-typed half the time, else junk. */
export function queryValue(rng: Rng, p: Param): string {
  if (p.name === 'filters') return rng.chance(0.2) ? encodeURIComponent(JSON.stringify({ label: ['a=b'] })) : encodeURIComponent(rng.pick(FILTER_VALUES));
  const registry = /^(fromImage|remote|term|fromSrc|serveraddress|repo)$/.test(p.name);
  if (registry) return encodeURIComponent(rng.pick([`${NO_REGISTRY}/x`, `http://127.0.0.1:2/x`, `${NO_REGISTRY}/x:${'t'.repeat(200)}`, '-', '']));
  if (rng.chance(0.5)) {
    if (p.enum) return encodeURIComponent(String(rng.pick(p.enum)));
    if (p.type === 'boolean') return rng.pick(['1', 'true', '0', 'false']);
    if (p.type === 'integer') return rng.pick(['0', '1', '10']);
  }
  return rng.pick(QUERY_JUNK);
}

/** A path parameter: the fixture's real name when there is one, else something hostile. */
export function pathValue(rng: Rng, name: string, real: Record<string, string>): string {
  if (real[name] && rng.chance(0.55)) return real[name]!;
  return rng.pick(['nosuch', 'a%2Fb', 'a/b', '..', '%2e%2e', '%2e%2e%2f%2e%2e', '%00', 'x%00y', 'n'.repeat(300), '%20', '%ff', '🐳', 'sha256:' + 'f'.repeat(64), 'sha256:', ':', 'a:b:c', '-', '.']);
}

export const VERSIONS = ['', '', '', '/v1.12', '/v1.24', '/v1.40', '/v1.41', '/v1.44', '/v1.50', '/v1.51', '/v1.99', '/v0', '/vabc', '/v1', '/v1.5', '/v2.0', '/v1.41.1', '/v-1.0', '/V1.41'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS'];

export interface FuzzRequest {
  method: string;
  /** the spec's path template ("/containers/{id}/json"), for grouping findings */
  template: string;
  /** the request target as sent */
  target: string;
  body?: Buffer;
  how: string;
  contentType?: string;
  headers: Record<string, string>;
}

/** The operations whose answer may rightly never end (a stream that follows, a hijacked session). */
export function mayStream(template: string, target: string): boolean {
  if (/\/(events|attach|attach\/ws|wait|session|grpc)$/.test(template)) return true;
  if (template.endsWith('/exec/{id}/start')) return true;
  if (template.endsWith('/logs') && /[?&]follow=(1|true|t|True|TRUE)/i.test(target)) return true;
  if (template.endsWith('/stats') && !/[?&]stream=(0|false|f|False|FALSE)(&|$)/.test(target) && !/[?&]one-shot=(1|true)/i.test(target)) return true;
  return false;
}

/** One request for an operation of the spec (the body is filled in by the runner for tar bodies). */
export function specRequest(rng: Rng, op: Operation, defs: Record<string, any>, real: Record<string, string>): FuzzRequest {
  let p = op.path;
  for (const param of op.params.filter((x) => x.in === 'path')) p = p.replace(`{${param.name}}`, pathValue(rng, param.name, real));
  // pushes and registry look-ups name an unreachable registry: never the internet
  if (/\/(push|distribution)/.test(op.path) || op.path.startsWith('/distribution')) p = p.replace(/^\/(images|distribution|plugins)\/[^/]*/, `/$1/${encodeURIComponent(`${NO_REGISTRY}/x`)}`);
  const query: string[] = [];
  for (const q of op.params.filter((x) => x.in === 'query')) {
    if (rng.chance(0.45)) query.push(`${q.name}=${queryValue(rng, q)}`);
    if (rng.chance(0.05)) query.push(`${q.name}=${queryValue(rng, q)}`); // repeated
  }
  if (rng.chance(0.1)) query.push(`nosuchparam=${rng.pick(QUERY_JUNK)}`);
  const method = rng.chance(0.85) ? op.method : rng.pick(METHODS);
  const headers: Record<string, string> = {};
  const r = rng.int(20);
  if (r === 0) headers['X-Registry-Auth'] = rng.pick(['!!!notbase64', Buffer.from('{').toString('base64'), Buffer.from('[1,2]').toString('base64'), Buffer.from('{"username":5}').toString('base64'), 'a'.repeat(40_000)]);
  if (r === 1) headers['X-Registry-Config'] = rng.pick(['%%%', Buffer.from('{"x":5}').toString('base64'), Buffer.from('null').toString('base64')]);
  if (r === 2) headers['X-Fuzz-Huge'] = 'h'.repeat(rng.pick([8_000, 15_000]));
  const bodyParam = op.params.find((x) => x.in === 'body');
  let body: Buffer | undefined;
  let how = 'no body';
  let contentType: string | undefined;
  if (bodyParam?.schema && !(bodyParam.schema.type === 'string' && bodyParam.schema.format === 'binary')) {
    const v = generate(rng, bodyParam.schema, defs);
    // a login names an unreachable registry: never a DNS look-up or the internet
    if (op.path === '/auth' && v && typeof v === 'object') Object.assign(v, { serveraddress: rng.pick([NO_REGISTRY, `https://${NO_REGISTRY}/v2/`, '']) });
    // a create that names the real image gets past the image look-up, to the checks behind it
    if (op.path === '/containers/create' && v && typeof v === 'object' && real.image && rng.chance(0.7)) Object.assign(v, { Image: real.image, Cmd: ['true'] });
    const s = serialise(rng, rng.chance(0.75) ? mutate(rng, v) : v);
    body = s.text;
    how = s.how;
    contentType = rng.chance(0.85) ? 'application/json' : rng.pick(['text/plain', 'application/x-tar', 'application/json; charset=latin1', '']);
  } else if (rng.chance(0.1)) {
    // a body where none belongs (GET with a body, DELETE with JSON)
    body = Buffer.from(rng.chance(0.5) ? '{"x":1}' : 'garbage');
    how = 'unexpected body';
    contentType = 'application/json';
  }
  const target = `${rng.pick(VERSIONS)}${p}${query.length ? '?' + query.join('&') : ''}`;
  return { method, template: op.path, target, body, how, contentType, headers };
}
