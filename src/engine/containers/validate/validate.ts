// Create-time validation driven by the field table: every field of the request body is type-checked
// (Go's decoder error, as dockerd answers a mistyped body), then checked by its rule; refused fields
// and refused values are answered with Docker's 400 before anything is stored. Returns the warnings
// dockerd gives for what it accepts and discards.
import { invalidParameter, notFound } from '../../../errdefs.ts';
import { SCHEMAS, QUERY, type FieldRule, type Kind } from './field-table.ts';
import type { CheckContext } from './checks.ts';

const GO_TYPE: Record<Kind, string> = { s: 'string', i: 'int64', n: 'float64', b: 'bool', as: '[]string', ai: '[]int', ao: '[]struct', m: 'map[string]string', o: 'struct' };

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v; // string, number, object
}

/** Go's json decoder: null fits anything; otherwise the JSON type must be the field's. */
function typeError(v: unknown, kind: Kind, field: string): string | undefined {
  if (v === null || v === undefined) return undefined;
  const bad = () => `json: cannot unmarshal ${jsonType(v)} into Go struct field ${field} of type ${GO_TYPE[kind]}`;
  switch (kind) {
    case 's':
      return typeof v === 'string' ? undefined : bad();
    case 'b':
      return typeof v === 'boolean' ? undefined : bad();
    case 'i':
      if (typeof v !== 'number') return bad();
      return Number.isInteger(v) ? undefined : `json: cannot unmarshal number ${v} into Go struct field ${field} of type int64`;
    case 'n':
      return typeof v === 'number' ? undefined : bad();
    case 'as':
      if (!Array.isArray(v)) return bad();
      return v.every((x) => x === null || typeof x === 'string') ? undefined : `json: cannot unmarshal ${jsonType(v.find((x) => typeof x !== 'string'))} into Go struct field ${field} of type string`;
    case 'ai':
      return Array.isArray(v) && v.every((x) => typeof x === 'number') ? undefined : bad();
    case 'ao':
      return Array.isArray(v) && v.every((x) => x === null || (typeof x === 'object' && !Array.isArray(x))) ? undefined : bad();
    case 'm':
      if (typeof v !== 'object' || Array.isArray(v)) return bad();
      for (const x of Object.values(v as object)) if (typeof x !== 'string') return `json: cannot unmarshal ${jsonType(x)} into Go struct field ${field} of type string`;
      return undefined;
    case 'o':
      return typeof v === 'object' && !Array.isArray(v) ? undefined : bad();
  }
}

/** Type-check and rule-check the fields of one object against one schema's table. */
function walk(obj: Record<string, unknown>, table: Record<string, FieldRule>, goPrefix: string, ctx: CheckContext, warnings: string[], skip: string[] = []): void {
  for (const [name, rule] of Object.entries(table)) {
    if (name.includes('.') || skip.includes(name)) continue;
    const v = obj[name];
    const err = typeError(v, rule.kind, `${goPrefix}${name}`);
    if (err) throw invalidParameter(err);
    if (rule.check && v !== undefined && v !== null) {
      const w = rule.check(v, ctx);
      if (w) warnings.push(...w);
    }
  }
}

/** Sub-objects named "Parent.Child" in a table (Mount.BindOptions.Propagation ...). */
function walkNested(obj: Record<string, unknown>, table: Record<string, FieldRule>, goPrefix: string, ctx: CheckContext, warnings: string[]): void {
  const parents = new Set(Object.keys(table).filter((k) => k.includes('.')).map((k) => k.split('.')[0]!));
  for (const parent of parents) {
    const sub = obj[parent];
    if (!sub || typeof sub !== 'object') continue;
    const subTable: Record<string, FieldRule> = {};
    for (const [k, r] of Object.entries(table)) if (k.startsWith(parent + '.')) subTable[k.slice(parent.length + 1)] = r;
    walk(sub as Record<string, unknown>, subTable, `${goPrefix}${parent}.`, ctx, warnings);
  }
}

export interface CreateBody {
  config: Record<string, unknown>;
  hostConfig: Record<string, unknown>;
  networkingConfig?: unknown;
}

/** Everything a create request carries, checked against the table. Throws Docker's 400; returns warnings. */
export function validateCreate(body: CreateBody, opts: { containerExists?: (ref: string) => boolean } = {}): string[] {
  const warnings: string[] = [];
  const ctx: CheckContext = { config: body.config, hostConfig: body.hostConfig, containerExists: opts.containerExists };
  walk(body.config, SCHEMAS.ContainerConfig!, 'ContainerConfigWrapper.Config.', ctx, warnings);
  const health = body.config.Healthcheck;
  if (health && typeof health === 'object') walk(health as Record<string, unknown>, SCHEMAS.HealthConfig!, 'ContainerConfigWrapper.Config.Healthcheck.', ctx, warnings);
  walk(body.hostConfig, SCHEMAS.HostConfig!, 'ContainerConfigWrapper.HostConfig.', ctx, warnings);
  for (const m of (body.hostConfig.Mounts as Record<string, unknown>[] | null | undefined) ?? []) {
    if (!m) continue;
    walk(m, SCHEMAS.Mount!, 'ContainerConfigWrapper.HostConfig.Mounts.', ctx, warnings);
    walkNested(m, SCHEMAS.Mount!, 'ContainerConfigWrapper.HostConfig.Mounts.', ctx, warnings);
  }
  const nc = body.networkingConfig;
  if (nc !== undefined && nc !== null) {
    if (typeof nc !== 'object' || Array.isArray(nc)) throw invalidParameter(`json: cannot unmarshal ${jsonType(nc)} into Go struct field ContainerConfigWrapper.NetworkingConfig of type network.NetworkingConfig`);
    const eps = (nc as { EndpointsConfig?: unknown }).EndpointsConfig;
    if (eps !== undefined && eps !== null) {
      if (typeof eps !== 'object' || Array.isArray(eps)) throw invalidParameter(`json: cannot unmarshal ${jsonType(eps)} into Go struct field NetworkingConfig.NetworkingConfig.EndpointsConfig of type map[string]*network.EndpointSettings`);
      for (const ep of Object.values(eps as Record<string, unknown>)) {
        if (!ep || typeof ep !== 'object') continue;
        walk(ep as Record<string, unknown>, SCHEMAS.EndpointSettings!, 'NetworkingConfig.EndpointsConfig.', ctx, warnings);
        const ipam = (ep as { IPAMConfig?: unknown }).IPAMConfig;
        if (ipam && typeof ipam === 'object') walk(ipam as Record<string, unknown>, SCHEMAS.EndpointIPAMConfig!, 'NetworkingConfig.EndpointsConfig.IPAMConfig.', ctx, warnings);
      }
    }
  }
  return warnings;
}

/** The query of a container endpoint: refused parameters given a value are answered with their message. */
export function checkQuery(route: string, query: URLSearchParams): void {
  const rules = QUERY[route];
  if (!rules) return;
  for (const [name, rule] of Object.entries(rules)) {
    if (rule.honoured || !query.has(name)) continue;
    // moby's httputils.BoolValue: these mean false (docker-py sends "False")
    const v = (query.get(name) ?? '').trim().toLowerCase();
    if (['', '0', 'no', 'false', 'none'].includes(v)) continue;
    throw invalidParameter(rule.refused ?? `${name} is not supported`);
  }
}

/** POST /containers/create?platform=os/arch[/variant]: the image must be of that platform (dockerd's 404). */
export function checkPlatform(platform: string | undefined, image: string, img: { os: string; architecture: string; variant?: string }): void {
  if (!platform) return;
  const [os = '', arch = '', variant = ''] = platform.toLowerCase().split('/');
  const normArch = (a: string) => ({ x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64' })[a] ?? a;
  if (os === img.os && (!arch || normArch(arch) === img.architecture) && (!variant || variant === (img.variant ?? ''))) return;
  const actual = [img.os, img.architecture, img.variant].filter(Boolean).join('/');
  throw notFound(`image with reference ${image} was found but does not match the specified platform: wanted ${platform}, actual: ${actual}`);
}
