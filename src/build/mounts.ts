// RUN --mount=... (docker/dockerfile:1): the CSV spec parsed and checked with BuildKit's rules and messages.
// What a mount becomes for the RUN container (a bind of a cache directory, of the context, of a stage's
// filesystem, a tmpfs, a secret file) is decided in instructions/run-mounts.ts.
import path from 'node:path';

export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';
const TYPES: MountType[] = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'];
const SHARING = ['shared', 'private', 'locked'];

export interface RunMount {
  type: MountType;
  target: string;
  source?: string;
  from?: string;
  readOnly: boolean;
  /** cache id (cache), secret id (secret) */
  id?: string;
  sharing: 'shared' | 'private' | 'locked';
  mode?: number;
  uid?: number;
  gid?: number;
  required: boolean;
  sizeBytes?: number;
  /** secret: expose it as this environment variable (instead of, or besides, a file) */
  env?: string;
}

export class MountError extends Error {}

/** Go's strconv.ParseBool. */
function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/** docker/go-units RAMInBytes: "64m", "1g", "512" (binary units). */
function ramInBytes(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(v.trim());
  if (!m) return undefined;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[m[2]!.toLowerCase() as ''];
  return Math.floor(Number(m[1]) * mult);
}

/** CSV fields as Go's encoding/csv reads one record: commas separate, double quotes group. */
function csvFields(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quoted) throw new MountError(`failed to parse csv mounts: extraneous or missing " in quoted-field`);
  out.push(cur);
  return out;
}

/** One --mount value, variables already expanded by the caller. */
export function parseMount(spec: string): RunMount {
  const m: RunMount = { type: 'bind', target: '', readOnly: true, sharing: 'shared', required: false };
  let roAuto = true;
  let sharingSet = false;
  for (const field of csvFields(spec)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? undefined : field.slice(eq + 1);
    const bool = (k: string) => {
      if (value === undefined) return true;
      const b = parseBool(value);
      if (b === undefined) throw new MountError(`invalid value for ${k}: ${value}`);
      return b;
    };
    const uint = (what: string, radix: number) => {
      const n = radix === 8 ? (/^[0-7]+$/.test(value!) ? parseInt(value!, 8) : NaN) : /^\d+$/.test(value!) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n) || n > 0xffffffff) throw new MountError(`invalid value ${value} for ${what}`);
      return n;
    };
    if (value === undefined && !['readonly', 'ro', 'readwrite', 'rw', 'required'].includes(key)) throw new MountError(`invalid field '${field}' must be a key=value pair`);
    switch (key) {
      case 'type': {
        const t = value!.toLowerCase() as MountType;
        if (!TYPES.includes(t)) throw new MountError(`unsupported mount type "${value}"`);
        m.type = t;
        break;
      }
      case 'from':
        m.from = value;
        break;
      case 'source':
      case 'src':
        m.source = value;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.target = value!;
        break;
      case 'readonly':
      case 'ro':
        m.readOnly = bool(key);
        roAuto = false;
        break;
      case 'readwrite':
      case 'rw':
        m.readOnly = !bool(key);
        roAuto = false;
        break;
      case 'required':
        if (m.type !== 'secret' && m.type !== 'ssh') throw new MountError(`unexpected key '${key}' for mount type '${m.type}'`);
        m.required = bool(key);
        break;
      case 'size': {
        if (m.type !== 'tmpfs') throw new MountError(`unexpected key '${key}' for mount type '${m.type}'`);
        const n = ramInBytes(value!);
        if (n === undefined) throw new MountError(`invalid value for ${key}: ${value}`);
        m.sizeBytes = n;
        break;
      }
      case 'id':
        m.id = value;
        break;
      case 'sharing':
        if (!SHARING.includes(value!.toLowerCase())) throw new MountError(`unsupported sharing value "${value}"`);
        m.sharing = value!.toLowerCase() as RunMount['sharing'];
        sharingSet = true;
        break;
      case 'mode':
        m.mode = uint('mode', 8);
        break;
      case 'uid':
        m.uid = uint('uid', 10);
        break;
      case 'gid':
        m.gid = uint('gid', 10);
        break;
      case 'env':
        if (m.type !== 'secret') throw new MountError(`unexpected key '${key}' for mount type '${m.type}'`);
        m.env = value;
        break;
      default:
        throw new MountError(`unexpected key '${key}' in '${field}'`);
    }
  }
  const fileInfo = m.type === 'secret' || m.type === 'ssh' || m.type === 'cache';
  if (!fileInfo) {
    if (m.mode !== undefined) throw new MountError(`mode not allowed for "${m.type}" type mounts`);
    if (m.uid !== undefined) throw new MountError(`uid not allowed for "${m.type}" type mounts`);
    if (m.gid !== undefined) throw new MountError(`gid not allowed for "${m.type}" type mounts`);
  }
  if (roAuto) m.readOnly = !(m.type === 'cache' || m.type === 'tmpfs');
  if (m.type === 'secret') {
    if (m.from !== undefined) throw new MountError('secret mount should not have a from');
    if (sharingSet) throw new MountError('secret mount should not define sharing');
    if (!m.source && !m.target && !m.id && !m.env) throw new MountError('invalid secret mount. one of source, target required');
    if (m.source && m.id) throw new MountError("both source and id can't be set");
    // BuildKit: the id defaults to the target's base name, the target to /run/secrets/<id>
    m.id ??= m.source ?? (m.target ? path.posix.basename(m.target) : m.env);
    if (!m.target && !m.env) m.target = `/run/secrets/${m.id}`;
  }
  if (m.type === 'ssh') {
    m.id ??= 'default';
    if (!m.target) m.target = '/run/buildkit/ssh_agent.0';
  }
  if (sharingSet && m.type !== 'cache') throw new MountError(`invalid cache sharing set for ${m.type} mount`);
  if (m.type !== 'secret' && !m.target) throw new MountError('mount target must be set');
  if (m.type === 'cache') m.id ??= m.target;
  return m;
}
