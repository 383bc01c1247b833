// POST /build's query → BuildOptions. Every parameter of the API (v1.50 spec, plus those the docker CLI
// sends beyond it) is honoured as dockerd's classic builder honours it, or refused with dockerd's message:
//
//   dockerfile, t, q, nocache, pull, target, platform, buildargs, labels   honoured
//   rm, forcerm                          intermediate containers kept/removed as dockerd does
//   extrahosts (repeated), networkmode, memory, memswap, cpushares, cpusetcpus, cpusetmems, cpuperiod,
//   cpuquota, shmsize, cgroupparent, ulimits, isolation                    given to every RUN container
//   cachefrom                            only those images (and their parents) serve as the cache
//   squash                               400 "squash is only supported with experimental mode"
//   securityopt                          400, as dockerd on Linux
//   version                              1 (or empty); 2 → 400 "buildkit is not enabled on daemon"
//   outputs                              only the default (the image store); others 400
//   remote                               400: no remote contexts (see below)
//   session, buildid                     buildid names the build for POST /build/cancel; a session
//                                        (BuildKit's gRPC channel) cannot be opened over this API: 400
//   X-Berth-Build-Secrets (header)       Berth's own: the build's secrets (`berth build --secret`),
//                                        base64 JSON of id → base64 value; dockerd has no such channel
import { parseJson } from '../../util/go-json.ts';
import type { BuildOptions } from '../../build/builder.ts';
import { invalidParameter } from '../../errdefs.ts';

interface Query {
  req: { headers: Record<string, string | string[] | undefined> };
  q(name: string): string | undefined;
  qBool(name: string): boolean;
  query: URLSearchParams;
}

/** The JSON shapes of the query's JSON parameters, and the Go type dockerd decodes each into. */
type Shape = { go: string; check(v: unknown): string | undefined };
const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v);
/** Go's json.Unmarshal refusal of a value for a type ("number" into "string"). */
const refuse = (v: unknown, go: string) => `json: cannot unmarshal ${kindOf(v)} into Go value of type ${go}`;
const stringMap = (go: string, nullable: boolean): Shape => ({
  go,
  check: (v) => {
    if (v === null) return undefined;
    if (kindOf(v) !== 'object') return refuse(v, go);
    for (const x of Object.values(v as object)) if (typeof x !== 'string' && !(nullable && x === null)) return refuse(x, 'string');
    return undefined;
  },
});
const list = (go: string, element: (x: unknown) => string | undefined): Shape => ({
  go,
  check: (v) => (v === null ? undefined : Array.isArray(v) ? v.map(element).find(Boolean) : refuse(v, go)),
});
/** A struct's fields: Go names the field in the refusal ("Go struct field Ulimit.Soft of type int64"). */
const objectOf = (go: string, fields: Record<string, [kind: string, goType: string]>) => (x: unknown) => {
  if (x === null) return undefined;
  if (kindOf(x) !== 'object') return refuse(x, go);
  for (const [k, [want, goType]] of Object.entries(fields)) {
    const f = (x as Record<string, unknown>)[k];
    if (f === undefined || f === null) continue;
    const field = `Go struct field ${go.split('.').pop()}.${k} of type ${goType}`;
    if (kindOf(f) !== want) return `json: cannot unmarshal ${kindOf(f)} into ${field}`;
    // (a number that is no int64: 1.5, 1e30)
    if (goType === 'int64' && (!Number.isInteger(f) || Math.abs(f as number) >= 2 ** 63)) return `json: cannot unmarshal number ${f} into ${field}`;
  }
  return undefined;
};
export const QUERY_SHAPES = {
  buildargs: stringMap('map[string]*string', true),
  labels: stringMap('map[string]string', false),
  cachefrom: list('[]string', (x) => (typeof x === 'string' ? undefined : refuse(x, 'string'))),
  ulimits: list('[]*units.Ulimit', objectOf('units.Ulimit', { Name: ['string', 'string'], Soft: ['number', 'int64'], Hard: ['number', 'int64'] })),
  outputs: list('[]types.ImageBuildOutput', objectOf('types.ImageBuildOutput', { Type: ['string', 'string'], Attrs: ['object', 'map[string]string'] })),
} satisfies Record<string, Shape>;

/** A JSON query parameter decoded as dockerd decodes it: a syntax error or a value of the wrong
 * shape is a 400 "error reading <what>: …" (just Go's message for outputs and cachefrom, which
 * dockerd does not wrap; 20.10 answers those 500, as it did not type them), never a TypeError. */
function json<T>(v: string | undefined, what: string | undefined, shape: Shape, dflt: T): T {
  if (!v) return dflt;
  const fail = (m: string) => invalidParameter(what ? `error reading ${what}: ${m}` : m);
  let parsed: unknown;
  try {
    parsed = parseJson(v);
  } catch (e) {
    throw fail((e as Error).message);
  }
  const wrong = shape.check(parsed);
  if (wrong) throw fail(wrong);
  return (parsed ?? dflt) as T;
}

function int(ctx: Query, name: string): number | undefined {
  const v = ctx.q(name);
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw invalidParameter(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

export function buildOptionsFromQuery(ctx: Query): BuildOptions & { buildId?: string } {
  if (ctx.q('remote')) throw invalidParameter('building from a remote context (remote=) is not supported by this daemon: send the context as the request body');
  if (ctx.qBool('squash')) throw invalidParameter('squash is only supported with experimental mode');
  if (ctx.query.getAll('securityopt').length) throw invalidParameter('The daemon on this platform does not support setting security options on build');
  const version = ctx.q('version') ?? '';
  if (version === '2') throw invalidParameter('buildkit is not enabled on daemon');
  if (version !== '' && version !== '1') throw invalidParameter(`invalid version ${version}`);
  if (ctx.q('session')) throw invalidParameter('build sessions (BuildKit) are not supported by this daemon');
  const outputs = json<{ Type?: string; Attrs?: Record<string, string> }[]>(ctx.q('outputs'), undefined, QUERY_SHAPES.outputs, []);
  for (const o of outputs) if (o.Type !== 'moby' || Object.keys(o.Attrs ?? {}).length) throw invalidParameter(`build output type "${o.Type}" is not supported by this daemon: it stores the image in its image store (type "moby") only`);
  const buildArgs: Record<string, string> = {};
  for (const [k, v] of Object.entries(json<Record<string, string | null>>(ctx.q('buildargs'), 'build args', QUERY_SHAPES.buildargs, {}))) if (v !== null) buildArgs[k] = v;
  const labels = json<Record<string, string>>(ctx.q('labels'), 'labels', QUERY_SHAPES.labels, {});
  const cacheFrom = json<string[]>(ctx.q('cachefrom'), undefined, QUERY_SHAPES.cachefrom, []);
  const ulimits = json<{ Name: string; Soft: number; Hard: number }[]>(ctx.q('ulimits'), 'ulimit settings', QUERY_SHAPES.ulimits, []);
  const isolation = ctx.q('isolation') || undefined;
  const hostConfig: Record<string, unknown> = {};
  const set = (k: string, v: unknown) => {
    if (v !== undefined && v !== '' && v !== 0) hostConfig[k] = v;
  };
  set('Memory', int(ctx, 'memory'));
  set('MemorySwap', int(ctx, 'memswap'));
  set('CpuShares', int(ctx, 'cpushares'));
  set('CpuPeriod', int(ctx, 'cpuperiod'));
  set('CpuQuota', int(ctx, 'cpuquota'));
  set('ShmSize', int(ctx, 'shmsize'));
  set('CpusetCpus', ctx.q('cpusetcpus'));
  set('CpusetMems', ctx.q('cpusetmems'));
  set('CgroupParent', ctx.q('cgroupparent'));
  if (ulimits.length) hostConfig.Ulimits = ulimits;
  if (isolation && isolation !== 'default') hostConfig.Isolation = isolation;
  const extraHosts = ctx.query.getAll('extrahosts').filter(Boolean);
  if (extraHosts.length) hostConfig.ExtraHosts = extraHosts;
  const networkMode = ctx.q('networkmode');
  const secrets = secretsFromHeader(ctx.req.headers['x-berth-build-secrets']);
  const forceRm = ctx.qBool('forcerm');
  return {
    dockerfile: ctx.q('dockerfile') || 'Dockerfile',
    tags: ctx.query.getAll('t').filter(Boolean),
    buildArgs,
    target: ctx.q('target') || undefined,
    noCache: ctx.qBool('nocache'),
    labels,
    networkMode: networkMode && networkMode !== 'default' ? networkMode : undefined,
    hostConfig,
    // dockerd: rm defaults to true; forcerm implies it
    rm: forceRm || ctx.q('rm') === undefined || ctx.q('rm') === '' || ctx.qBool('rm'),
    forceRm,
    pull: ctx.qBool('pull'),
    platform: ctx.q('platform') || undefined,
    cacheFrom: cacheFrom.length ? cacheFrom : undefined,
    buildId: ctx.q('buildid') || undefined,
    secrets,
  };
}

function secretsFromHeader(h: string | string[] | undefined): Record<string, Buffer> | undefined {
  if (!h) return undefined;
  let parsed: Record<string, string>;
  try {
    parsed = JSON.parse(Buffer.from(Array.isArray(h) ? h[0]! : h, 'base64').toString('utf8')) as Record<string, string>;
  } catch {
    throw invalidParameter('invalid X-Berth-Build-Secrets header: base64-encoded JSON expected');
  }
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, Buffer.from(String(v), 'base64')]));
}
