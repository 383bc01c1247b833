// Type checking of JSON request bodies against the Engine API spec (shapes in body-shapes.gen.ts),
// before anything acts on them. dockerd decodes bodies into Go structs, so a value of the wrong
// JSON type is a 400 "json: cannot unmarshal …" naming the field; Berth answers the same instead
// of letting a number where a string belongs surface as a TypeError (500) or a failure at start.
// Like Go's decoder: null is accepted anywhere (the zero value), unknown fields are ignored, and a
// key names a struct field case-insensitively (docker-py sends exec's "detachKeys"): such keys are
// renamed to the field's own spelling here, so that what follows reads one name.
import { invalidParameter } from '../errdefs.ts';
import { BODY_SHAPES } from './body-shapes.gen.ts';

export type Shape = 'string' | 'integer' | 'number' | 'boolean' | 'any' | { a: Shape } | { m: Shape } | { o: string };
export type BodyShapes = Record<string, { props?: Record<string, Shape>; extra?: Shape; alias?: Shape }>;
export type BodyName = 'ContainerCreate' | 'ExecCreate' | 'ExecStart' | 'NetworkCreate' | 'NetworkConnect' | 'NetworkDisconnect' | 'VolumeCreate' | 'ContainerUpdate' | 'AuthConfig';

/** The Go type each body decodes into in current dockerd (named in its error messages). */
const GO_NAMES: Record<BodyName, string> = {
  ContainerCreate: 'CreateRequest',
  ExecCreate: 'ExecOptions',
  ExecStart: 'ExecStartOptions',
  NetworkCreate: 'CreateRequest',
  NetworkConnect: 'ConnectOptions',
  NetworkDisconnect: 'DisconnectOptions',
  VolumeCreate: 'CreateOptions',
  ContainerUpdate: 'UpdateConfig',
  AuthConfig: 'AuthConfig',
};

/** The type a whole body of the wrong kind is named by, where Go names it with its package ("Go value of type registry.AuthConfig"). */
const GO_VALUE_NAMES: Partial<Record<BodyName, string>> = { AuthConfig: 'registry.AuthConfig' };

/** Docker's strslice.StrSlice fields: a single string is accepted for a list of strings. */
const STR_SLICES = new Set(['ContainerCreate.Cmd', 'ContainerCreate.Entrypoint', 'ContainerCreate.Shell', 'HostConfig.CapAdd', 'HostConfig.CapDrop']);

const INT64_MAX = 2 ** 63;

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

function goType(s: Shape, shapes: BodyShapes): string {
  if (s === 'integer') return 'int64';
  if (s === 'number') return 'float64';
  if (s === 'boolean') return 'bool';
  if (s === 'string') return 'string';
  if (s === 'any') return 'interface {}';
  if ('a' in s) return `[]${goType(s.a, shapes)}`;
  if ('m' in s) return `map[string]${goType(s.m, shapes)}`;
  const def = shapes[s.o];
  if (def?.alias) return goType(def.alias, shapes);
  return s.o.startsWith('_') ? 'struct' : s.o;
}

/**
 * Throws Docker's 400 when `body` does not decode into the body type `name`. A null or absent
 * body is an empty one; the (possibly replaced) body is returned.
 */
export function checkBody<T = Record<string, unknown>>(name: BodyName, body: unknown, shapes: BodyShapes = BODY_SHAPES): T {
  if (body === null || body === undefined) return {} as T;
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidParameter(`json: cannot unmarshal ${jsonKind(body)} into Go value of type ${GO_VALUE_NAMES[name] ?? GO_NAMES[name]}`);
  checkObject(name, body as Record<string, unknown>, GO_NAMES[name], shapes);
  return body as T;
}

/** Go's encoding/json field matching: the exact name first, else the one that equals it ignoring
 * case; two keys naming one field: the later one wins. Map keys (`extra`) are never folded. */
function foldFieldNames(v: Record<string, unknown>, props: Record<string, Shape>): void {
  const lower = new Map(Object.keys(props).map((p) => [p.toLowerCase(), p]));
  const canonical = (k: string) => (k in props ? k : lower.get(k.toLowerCase()));
  const entries = Object.entries(v);
  if (entries.every(([k]) => canonical(k) === undefined || canonical(k) === k)) return;
  for (const [k] of entries) delete v[k];
  for (const [k, val] of entries) v[canonical(k) ?? k] = val;
}

function checkObject(def: string, v: Record<string, unknown>, path: string, shapes: BodyShapes): void {
  const d = shapes[def];
  if (!d) return;
  if (d.alias) return check(d.alias, v, path, `${def}`, shapes);
  if (d.props) foldFieldNames(v, d.props);
  for (const [k, val] of Object.entries(v)) {
    const s = d.props?.[k] ?? d.extra;
    if (!s) continue;
    const key = d.props?.[k] ? `${def}.${k}` : def;
    // a StrSlice given as one string is that one-element list from here on, as Go's decoder makes it
    if (typeof val === 'string' && STR_SLICES.has(key)) {
      v[k] = [val];
      continue;
    }
    check(s, val, d.props?.[k] ? `${path}.${k}` : path, key, shapes);
  }
}

function check(s: Shape, v: unknown, path: string, key: string, shapes: BodyShapes): void {
  if (v === null || s === 'any') return;
  const fail = (detail = '') => {
    throw invalidParameter(`json: cannot unmarshal ${jsonKind(v)}${detail} into Go struct field ${path} of type ${goType(s, shapes)}`);
  };
  if (s === 'string') return void (typeof v !== 'string' && fail());
  if (s === 'boolean') return void (typeof v !== 'boolean' && fail());
  if (s === 'number') return void (typeof v !== 'number' && fail());
  if (s === 'integer') {
    if (typeof v !== 'number') fail();
    if (!Number.isInteger(v) || Math.abs(v as number) >= INT64_MAX) fail(` ${v}`);
    return;
  }
  if ('a' in s) {
    if (typeof v === 'string' && STR_SLICES.has(key)) return;
    if (!Array.isArray(v)) return fail();
    for (const x of v) check(s.a, x, path, key, shapes);
    return;
  }
  if (typeof v !== 'object' || Array.isArray(v)) return fail();
  if ('m' in s) {
    for (const x of Object.values(v as object)) check(s.m, x, path, key, shapes);
    return;
  }
  const def = shapes[s.o];
  if (def?.alias) return check(def.alias, v, path, key, shapes);
  checkObject(s.o, v as Record<string, unknown>, path, shapes);
}
