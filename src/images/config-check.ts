// Type checking of image config JSON (from `docker load`, a registry, or a build's parent) as
// dockerd's json.Unmarshal into image.Image checks it: a value of the wrong JSON type is refused
// with Go's "json: cannot unmarshal …" naming the field, before anything is stored. Without this a
// config whose history is a string or whose Env is a number loaded fine and then made every
// inspect, history or run of the image an internal error.
// Like Go's decoder: null is the zero value anywhere, unknown fields are ignored, field names
// match case-insensitively, and a single string is a one-element list in Cmd/Entrypoint/Shell
// (strslice.StrSlice): such a string is replaced by that list here.
import { invalidParameter } from '../errdefs.ts';

type Shape = 'string' | 'diffID' | 'bool' | 'int' | 'time' | 'strslice' | 'struct{}' | { a: Shape } | { m: Shape } | Struct;
interface Struct {
  /** Go's type name as the decoder names it in errors (innermost struct of the field) */
  name: string;
  goType: string;
  fields: Record<string, Shape>;
}

const HEALTH: Struct = {
  name: 'HealthConfig',
  goType: 'container.HealthConfig',
  fields: { Test: { a: 'string' }, Interval: 'int', Timeout: 'int', StartPeriod: 'int', StartInterval: 'int', Retries: 'int' },
};
const CONFIG: Struct = {
  name: 'Config',
  goType: 'container.Config',
  fields: {
    Hostname: 'string', Domainname: 'string', User: 'string', AttachStdin: 'bool', AttachStdout: 'bool', AttachStderr: 'bool',
    ExposedPorts: { m: 'struct{}' }, Tty: 'bool', OpenStdin: 'bool', StdinOnce: 'bool', Env: { a: 'string' }, Cmd: 'strslice',
    Healthcheck: HEALTH, ArgsEscaped: 'bool', Image: 'string', Volumes: { m: 'struct{}' }, WorkingDir: 'string',
    Entrypoint: 'strslice', NetworkDisabled: 'bool', MacAddress: 'string', OnBuild: { a: 'string' }, Labels: { m: 'string' },
    StopSignal: 'string', StopTimeout: 'int', Shell: 'strslice',
  },
};
const HISTORY: Struct = {
  name: 'History',
  goType: 'image.History',
  fields: { created: 'time', author: 'string', created_by: 'string', comment: 'string', empty_layer: 'bool' },
};
const ROOTFS: Struct = { name: 'RootFS', goType: 'image.RootFS', fields: { type: 'string', diff_ids: { a: 'diffID' } } };
const IMAGE: Struct = {
  name: 'Image',
  goType: 'image.Image',
  fields: {
    id: 'string', parent: 'string', comment: 'string', created: 'time', container: 'string', container_config: CONFIG,
    docker_version: 'string', author: 'string', config: CONFIG, architecture: 'string', variant: 'string', os: 'string', size: 'int',
    rootfs: ROOTFS, history: { a: HISTORY }, 'os.version': 'string', 'os.features': { a: 'string' },
  },
};

const INT64_MAX = 2 ** 63;
/** RFC 3339 as Go's time.Time UnmarshalJSON takes it */
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function kind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

function goType(s: Shape): string {
  if (typeof s === 'string') return s === 'diffID' ? 'layer.DiffID' : s === 'int' ? 'int64' : s === 'time' ? 'time.Time' : s === 'strslice' ? 'strslice.StrSlice' : s === 'struct{}' ? 'struct {}' : s;
  if ('a' in s) return `[]${goType(s.a)}`;
  if ('m' in s) return `map[string]${goType(s.m)}`;
  return s.goType;
}

/** Throws dockerd's error when `cfg` (parsed JSON) does not decode into image.Image. */
export function checkImageConfig(cfg: unknown): void {
  if (cfg === null) return;
  if (typeof cfg !== 'object' || Array.isArray(cfg)) throw invalidParameter(`json: cannot unmarshal ${kind(cfg)} into Go value of type image.Image`);
  checkStruct(IMAGE, cfg as Record<string, unknown>, '');
}

function checkStruct(st: Struct, v: Record<string, unknown>, path: string): void {
  const byLower = new Map(Object.keys(st.fields).map((k) => [k.toLowerCase(), k]));
  for (const [k, val] of Object.entries(v)) {
    const field = k in st.fields ? k : byLower.get(k.toLowerCase());
    if (!field) continue;
    const s = st.fields[field]!;
    const where = path ? `${path}.${field}` : field;
    if (s === 'strslice' && typeof val === 'string') {
      v[k] = [val];
      continue;
    }
    check(s, val, st.name, where);
  }
}

function check(s: Shape, v: unknown, struct: string, path: string): void {
  if (v === null) return;
  const fail = (detail = '') => {
    throw invalidParameter(`json: cannot unmarshal ${kind(v)}${detail} into Go struct field ${struct}.${path} of type ${goType(s)}`);
  };
  switch (s) {
    case 'string':
    case 'diffID':
      return void (typeof v !== 'string' && fail());
    case 'bool':
      return void (typeof v !== 'boolean' && fail());
    case 'int':
      if (typeof v !== 'number') fail();
      if (!Number.isInteger(v) || Math.abs(v as number) >= INT64_MAX) fail(` ${v}`);
      return;
    case 'time':
      if (typeof v !== 'string') throw invalidParameter('Time.UnmarshalJSON: input is not a JSON string');
      if (!RFC3339.test(v) || !Number.isFinite(Date.parse(v))) throw invalidParameter(`parsing time ${JSON.stringify(JSON.stringify(v))} as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse ${JSON.stringify(v + '"')} as "2006"`);
      return;
    case 'strslice':
      return check({ a: 'string' }, v, struct, path);
    case 'struct{}':
      if (typeof v !== 'object' || Array.isArray(v)) fail();
      return;
  }
  if ('a' in s) {
    if (!Array.isArray(v)) return fail();
    for (const x of v) check(s.a, x, struct, path);
    return;
  }
  if (typeof v !== 'object' || Array.isArray(v)) return fail();
  if ('m' in s) {
    for (const x of Object.values(v as object)) check(s.m, x, struct, path);
    return;
  }
  checkStruct(s, v as Record<string, unknown>, path);
}
