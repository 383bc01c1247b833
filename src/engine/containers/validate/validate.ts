// Create-time validation driven by the field table: every field of the request body is checked by
// its rule; refused fields and refused values are answered with Docker's 400 before anything is
// stored. Returns the warnings dockerd gives for what it accepts and discards.
//
// Types are not checked here: a body from a client was decoded against the spec by the API layer
// (api/body-types.ts, Go's decoder errors), and the CRI and the builder build theirs in code. The
// rules only ever see values of their field's type.
import { invalidParameter, notFound } from '../../../errdefs.ts';
import { SCHEMAS, QUERY, type FieldRule } from './field-table.ts';
import type { CheckContext } from './checks.ts';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** Run the rules of one schema's table on the fields of one object (fields named "Parent.Child" are walkNested's). */
function walk(obj: Obj, table: Record<string, FieldRule>, ctx: CheckContext, warnings: string[]): void {
  for (const [name, rule] of Object.entries(table)) {
    if (name.includes('.') || !rule.check) continue;
    const v = obj[name];
    if (v === undefined || v === null) continue;
    const w = rule.check(v, ctx);
    if (w) warnings.push(...w);
  }
}

/** Sub-objects named "Parent.Child" in a table (Mount.BindOptions.Propagation ...). */
function walkNested(obj: Obj, table: Record<string, FieldRule>, ctx: CheckContext, warnings: string[]): void {
  const parents = new Set(Object.keys(table).filter((k) => k.includes('.')).map((k) => k.split('.')[0]!));
  for (const parent of parents) {
    const sub = obj[parent];
    if (!isObject(sub)) continue;
    const subTable: Record<string, FieldRule> = {};
    for (const [k, r] of Object.entries(table)) if (k.startsWith(parent + '.')) subTable[k.slice(parent.length + 1)] = r;
    walk(sub, subTable, ctx, warnings);
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
  walk(body.config, SCHEMAS.ContainerConfig!, ctx, warnings);
  if (isObject(body.config.Healthcheck)) walk(body.config.Healthcheck, SCHEMAS.HealthConfig!, ctx, warnings);
  walk(body.hostConfig, SCHEMAS.HostConfig!, ctx, warnings);
  for (const m of (body.hostConfig.Mounts as unknown[] | null | undefined) ?? []) {
    if (!isObject(m)) continue;
    walk(m, SCHEMAS.Mount!, ctx, warnings);
    walkNested(m, SCHEMAS.Mount!, ctx, warnings);
  }
  const eps = isObject(body.networkingConfig) ? body.networkingConfig.EndpointsConfig : undefined;
  for (const ep of Object.values(isObject(eps) ? eps : {})) {
    if (!isObject(ep)) continue;
    walk(ep, SCHEMAS.EndpointSettings!, ctx, warnings);
    if (isObject(ep.IPAMConfig)) walk(ep.IPAMConfig, SCHEMAS.EndpointIPAMConfig!, ctx, warnings);
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
