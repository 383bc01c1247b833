// A pflag-compatible command-line parser: --long, --long=value, --long value, -s, -svalue,
// -s=value, combined booleans (-it, -dit), "--" to end flags, and non-interspersed mode
// (flags stop at the first positional, as for `run IMAGE CMD --flags-of-cmd`).
import { ramInBytes, parseGoDuration } from './units.ts';

export type FlagKind =
  | 'bool'
  | 'string'
  | 'int'
  | 'uint'
  | 'decimal'
  | 'bytes'
  | 'duration'
  | 'list' // repeatable strings
  | 'map'; // repeatable k=v

export interface FlagSpec {
  name: string;
  short?: string;
  kind: FlagKind;
  usage: string;
  /** Default value (shown in help unless zero). */
  def?: unknown;
  /** The type word shown in help ("list", "string", "bytes", "ulimit", ...). */
  typeName?: string;
  hidden?: boolean;
  /** Extra validation/conversion for a value; throw Error(message) to reject. */
  parse?: (value: string) => unknown;
  /** Not supported by Berth: accepted, and ignored with a warning when used. */
  deprecated?: string;
}

export interface Parsed {
  values: Record<string, any>;
  changed: Set<string>;
  args: string[];
}

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

function flagDisplay(f: FlagSpec): string {
  return f.short ? `-${f.short}, --${f.name}` : `--${f.name}`;
}

function convert(f: FlagSpec, raw: string): unknown {
  const bad = (why: string): never => {
    throw new FlagError(`invalid argument "${raw}" for "${flagDisplay(f)}" flag: ${why}`);
  };
  if (f.parse) {
    try {
      return f.parse(raw);
    } catch (e) {
      return bad((e as Error).message);
    }
  }
  switch (f.kind) {
    case 'bool': {
      const v = raw.toLowerCase();
      if (['1', 't', 'true'].includes(v)) return true;
      if (['0', 'f', 'false'].includes(v)) return false;
      return bad(`strconv.ParseBool: parsing "${raw}": invalid syntax`);
    }
    case 'int':
    case 'uint': {
      if (!/^[+-]?\d+$/.test(raw.trim())) return bad(`strconv.Parse${f.kind === 'int' ? 'Int' : 'Uint'}: parsing "${raw}": invalid syntax`);
      const n = Number(raw);
      if (f.kind === 'uint' && n < 0) return bad(`strconv.ParseUint: parsing "${raw}": invalid syntax`);
      return n;
    }
    case 'decimal': {
      const n = Number(raw);
      if (raw.trim() === '' || Number.isNaN(n)) return bad(`failed to parse ${raw} as a rational number`);
      return n;
    }
    case 'bytes':
      try {
        return ramInBytes(raw);
      } catch (e) {
        return bad((e as Error).message);
      }
    case 'duration':
      try {
        return parseGoDuration(raw);
      } catch (e) {
        return bad((e as Error).message);
      }
    default:
      return raw;
  }
}

function initialValues(specs: FlagSpec[]): Record<string, any> {
  const v: Record<string, any> = {};
  for (const f of specs) {
    if (f.kind === 'list') v[f.name] = Array.isArray(f.def) ? [...f.def] : [];
    else if (f.kind === 'map') v[f.name] = {};
    else if (f.def !== undefined) v[f.name] = f.def;
    else if (f.kind === 'bool') v[f.name] = false;
    else v[f.name] = undefined;
  }
  return v;
}

export function parseFlags(argv: string[], specs: FlagSpec[], opts: { interspersed?: boolean } = {}): Parsed {
  const interspersed = opts.interspersed ?? true;
  const byLong = new Map<string, FlagSpec>();
  const byShort = new Map<string, FlagSpec>();
  for (const f of specs) {
    byLong.set(f.name, f);
    if (f.short) byShort.set(f.short, f);
  }
  const values = initialValues(specs);
  const changed = new Set<string>();
  const args: string[] = [];

  const set = (f: FlagSpec, raw: string) => {
    const v = convert(f, raw);
    if (f.kind === 'list') {
      if (!changed.has(f.name)) values[f.name] = [];
      values[f.name].push(v);
    } else if (f.kind === 'map') {
      const s = String(v);
      const i = s.indexOf('=');
      values[f.name][i < 0 ? s : s.slice(0, i)] = i < 0 ? '' : s.slice(i + 1);
    } else values[f.name] = v;
    changed.add(f.name);
  };

  let i = 0;
  while (i < argv.length) {
    const a = argv[i++];
    if (a === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      args.push(a);
      if (!interspersed) {
        args.push(...argv.slice(i));
        break;
      }
      continue;
    }
    if (a.startsWith('--')) {
      const body = a.slice(2);
      if (body.startsWith('-') || body.startsWith('=')) throw new FlagError(`bad flag syntax: ${a}`);
      const eq = body.indexOf('=');
      const name = eq < 0 ? body : body.slice(0, eq);
      const f = byLong.get(name);
      if (!f) throw new FlagError(`unknown flag: --${name}`);
      if (eq >= 0) set(f, body.slice(eq + 1));
      else if (f.kind === 'bool') set(f, 'true');
      else {
        if (i >= argv.length) throw new FlagError(`flag needs an argument: --${name}`);
        set(f, argv[i++]);
      }
      continue;
    }
    // Shorthand cluster: -it, -p80:80, -e=X, -e X.
    const cluster = a.slice(1);
    for (let j = 0; j < cluster.length; j++) {
      const c = cluster[j];
      const f = byShort.get(c);
      if (!f) throw new FlagError(`unknown shorthand flag: '${c}' in -${cluster}`);
      const rest = cluster.slice(j + 1);
      if (f.kind === 'bool') {
        if (rest.startsWith('=')) {
          set(f, rest.slice(1));
          break;
        }
        set(f, 'true');
        continue;
      }
      if (rest.length) set(f, rest.startsWith('=') ? rest.slice(1) : rest);
      else {
        if (i >= argv.length) throw new FlagError(`flag needs an argument: '${c}' in -${cluster}`);
        set(f, argv[i++]);
      }
      break;
    }
  }
  return { values, changed, args };
}

function zero(f: FlagSpec): boolean {
  const d = f.def;
  return d === undefined || d === false || d === '' || d === 0 || (Array.isArray(d) && !d.length);
}

/** pflag's FlagUsages: aligned "  -a, --attach list   Attach to ..." lines. */
export function flagUsages(specs: FlagSpec[]): string {
  const rows: [string, string][] = [];
  for (const f of [...specs].filter((s) => !s.hidden).sort((a, b) => a.name.localeCompare(b.name))) {
    const typeWord = f.typeName ?? (f.kind === 'bool' ? '' : f.kind === 'decimal' ? 'decimal' : f.kind);
    const left = `${f.short ? `  -${f.short}, ` : '      '}--${f.name}${typeWord ? ' ' + typeWord : ''}`;
    let usage = f.usage;
    if (!zero(f) && f.kind !== 'bool') usage += f.kind === 'string' ? ` (default "${f.def}")` : ` (default ${Array.isArray(f.def) ? `[${f.def.join(',')}]` : f.def})`;
    else if (f.kind === 'bool' && f.def === true) usage += ' (default true)';
    rows.push([left, usage]);
  }
  const max = Math.max(0, ...rows.map((r) => r[0].length));
  return rows.map(([l, u]) => `${l.padEnd(max)}   ${u}`.replace(/\s+$/, '')).join('\n') + (rows.length ? '\n' : '');
}
