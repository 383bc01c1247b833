// The values of the CLI's Go templates (template.ts): Go's structs, maps and typed nils, truth,
// printing (%v), printf, comparison, and the functions of Go's text/template and docker's.
import { goG } from '../util/units.ts';

// ---------------------------------------------------------------- values

export const MISSING = Symbol('no value');

/**
 * A Go struct value (for docker inspect's typed rendering): fields print as "{a b c}" and a
 * missing field is an error rather than "<no value>".
 */
export class GoStruct {
  constructor(fields: Record<string, unknown>) {
    Object.assign(this, fields);
  }
}

/** A typed nil map or slice: prints "map[]" / "[]", is empty and false, and is JSON null. */
export class TypedNil {
  readonly kind: 'map' | 'slice';
  constructor(kind: 'map' | 'slice') {
    this.kind = kind;
  }
  toJSON(): null {
    return null;
  }
}

export function isStruct(v: unknown): v is object {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof TypedNil) return false;
  const proto = Object.getPrototypeOf(v);
  return proto !== Object.prototype && proto !== null;
}

export function isMap(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || Buffer.isBuffer(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function truth(v: unknown): boolean {
  if (v === MISSING || v === undefined || v === null || v instanceof TypedNil) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  // Go's %v for float64: shortest repr, exponent form for exp < -4 || exp >= 21.
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 21) {
    const [m, e] = n.toExponential().split('e');
    const ev = Number(e);
    return `${m}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
  }
  return String(n);
}

/** Go's fmt %v rendering of a value. */
export function printValue(v: unknown): string {
  if (v === MISSING || v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return String(v);
  if (v instanceof TypedNil) return v.kind === 'map' ? 'map[]' : '[]';
  if (Array.isArray(v)) return `[${v.map(printInner).join(' ')}]`;
  if (isMap(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${printInner(v[k])}`).join(' ')}]`;
  }
  if (!(v instanceof GoStruct) && typeof (v as { toString?: unknown }).toString === 'function' && (v as object).toString !== Object.prototype.toString) return String(v);
  return `{${Object.values(v as object).map(printInner).join(' ')}}`;
}

function printInner(v: unknown): string {
  return v === undefined || v === MISSING ? '<nil>' : printValue(v);
}

// ---------------------------------------------------------------- functions

export type Funcs = Record<string, (...args: any[]) => unknown>;

function goQuote(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A small printf: %v %s %d %q %t %f %g %e %x %X %o %c %%, with flags, width and precision. */
export function sprintf(format: string, ...args: unknown[]): string {
  let ai = 0;
  return format.replace(/%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d+))?([vsdqtfgexXoc%T])/g, (_m, flags: string, width: string | undefined, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    const w = width === '*' ? Number(args[ai++]) : width ? Number(width) : undefined;
    const p = prec === '*' ? Number(args[ai++]) : prec !== undefined ? Number(prec) : undefined;
    if (ai >= args.length) return `%!${verb}(MISSING)`;
    const a = args[ai++];
    let s: string;
    switch (verb) {
      case 'v':
        s = printValue(a);
        break;
      case 's':
        s = printValue(a);
        if (p !== undefined) s = s.slice(0, p);
        break;
      case 'q':
        s = typeof a === 'number' ? `'${String.fromCodePoint(a)}'` : goQuote(printValue(a));
        break;
      case 'd':
        s = typeof a === 'number' ? String(Math.trunc(a)) : `%!d(${typeof a}=${printValue(a)})`;
        if (flags.includes('+') && typeof a === 'number' && a >= 0) s = '+' + s;
        break;
      case 't':
        s = typeof a === 'boolean' ? String(a) : `%!t(${printValue(a)})`;
        break;
      case 'f':
        s = typeof a === 'number' ? a.toFixed(p ?? 6) : `%!f(${printValue(a)})`;
        break;
      case 'e':
        s = typeof a === 'number' ? a.toExponential(p ?? 6).replace(/e([+-])(\d)$/, 'e$10$2') : `%!e(${printValue(a)})`;
        break;
      case 'g':
        s = typeof a === 'number' ? (p !== undefined ? goG(a, p) : formatNumber(a)) : `%!g(${printValue(a)})`;
        break;
      case 'x':
      case 'X': {
        if (typeof a === 'number') s = Math.trunc(a).toString(16);
        else s = Buffer.from(printValue(a)).toString('hex');
        if (verb === 'X') s = s.toUpperCase();
        if (flags.includes('#')) s = (verb === 'X' ? '0X' : '0x') + s;
        break;
      }
      case 'o':
        s = typeof a === 'number' ? Math.trunc(a).toString(8) : `%!o(${printValue(a)})`;
        break;
      case 'c':
        s = typeof a === 'number' ? String.fromCodePoint(a) : `%!c(${printValue(a)})`;
        break;
      case 'T':
        s = a === null ? '<nil>' : Array.isArray(a) ? '[]interface {}' : typeof a === 'number' ? (Number.isInteger(a) ? 'int' : 'float64') : typeof a === 'object' ? 'map[string]interface {}' : typeof a;
        break;
      default:
        s = printValue(a);
    }
    if (w !== undefined && s.length < w) {
      if (flags.includes('-')) s = s.padEnd(w);
      else if (flags.includes('0') && /^[dfegxXo]$/.test(verb)) s = s.startsWith('-') ? '-' + s.slice(1).padStart(w - 1, '0') : s.padStart(w, '0');
      else s = s.padStart(w);
    }
    return s;
  }) + (ai < args.length ? `%!(EXTRA ${args.slice(ai).map((a) => `${typeof a === 'string' ? 'string' : typeof a}=${printValue(a)}`).join(', ')})` : '');
}

/** Go's fmt.Sprint: spaces between operands when neither is a string. */
function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += printValue(a);
  });
  return out;
}

export function basicKind(v: unknown): string {
  if (v === null || v === undefined || v === MISSING) return 'nil';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return typeof v;
}

function compare(a: unknown, b: unknown, op: string): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  const numeric = (k: string) => k === 'int' || k === 'float';
  if (ka !== kb && !(numeric(ka) && numeric(kb))) {
    if (op === 'eq' || op === 'ne') {
      if (ka === 'nil' || kb === 'nil') return (a === b) === (op === 'eq');
    }
    throw new Error('incompatible types for comparison');
  }
  if (ka === 'object' && op !== 'eq' && op !== 'ne') throw new Error('invalid type for comparison');
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case 'eq':
      return x === y;
    case 'ne':
      return x !== y;
    case 'lt':
      return x < y;
    case 'le':
      return x <= y;
    case 'gt':
      return x > y;
    default:
      return x >= y;
  }
}

function goLen(v: unknown): number {
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (Array.isArray(v)) return v.length;
  if (isMap(v)) return Object.keys(v).length;
  if (v instanceof TypedNil) return 0;
  throw new Error(`len of type ${basicKind(v)}`);
}

function toJSONText(v: unknown): string {
  if (v === MISSING || v === undefined) return 'null';
  const text = JSON.stringify(v) ?? 'null';
  // docker's format contexts marshal themselves with json.Marshal, which escapes HTML characters.
  if (isStruct(v) && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  return text;
}

function titleCase(s: string): string {
  return s.replace(/(^|[^A-Za-z0-9_'])([a-z])/g, (_m, pre: string, c: string) => pre + c.toUpperCase());
}

export const BUILTINS: Funcs = {
  and: (...a: unknown[]) => {
    for (const x of a) if (!truth(x)) return x;
    return a[a.length - 1];
  },
  or: (...a: unknown[]) => {
    for (const x of a) if (truth(x)) return x;
    return a[a.length - 1];
  },
  not: (a: unknown) => !truth(a),
  len: goLen,
  index: (item: unknown, ...keys: unknown[]) => {
    let cur = item;
    for (const k of keys) {
      if (Array.isArray(cur) || typeof cur === 'string') {
        const n = Number(k);
        if (!Number.isInteger(n) || n < 0 || n >= cur.length) throw new Error(`index out of range: ${printValue(k)}`);
        cur = typeof cur === 'string' ? cur.charCodeAt(n) : cur[n];
      } else if (isMap(cur)) {
        const key = String(k);
        if (Object.prototype.hasOwnProperty.call(cur, key)) cur = cur[key];
        else {
          // Go returns the element type's zero value: "" for map[string]string (labels), nil otherwise.
          const vals = Object.values(cur);
          cur = vals.every((x) => typeof x === 'string') ? '' : null;
        }
      } else if (cur instanceof TypedNil) {
        if (cur.kind === 'slice') throw new Error(`index out of range: ${printValue(k)}`);
        cur = '';
      } else if (cur === null || cur === undefined || cur === MISSING) {
        throw new Error('index of untyped nil');
      } else throw new Error(`can't index item of type ${basicKind(cur)}`);
    }
    return cur;
  },
  slice: (item: unknown, ...idx: number[]) => {
    if (typeof item === 'string' || Array.isArray(item)) return item.slice(idx[0] ?? 0, idx[1] ?? item.length);
    throw new Error(`can't slice item of type ${basicKind(item)}`);
  },
  print: (...a: unknown[]) => sprint(a),
  println: (...a: unknown[]) => a.map(printValue).join(' ') + '\n',
  printf: (f: string, ...a: unknown[]) => sprintf(f, ...a),
  eq: (a: unknown, ...bs: unknown[]) => bs.some((b) => compare(a, b, 'eq')),
  ne: (a: unknown, b: unknown) => compare(a, b, 'ne'),
  lt: (a: unknown, b: unknown) => compare(a, b, 'lt'),
  le: (a: unknown, b: unknown) => compare(a, b, 'le'),
  gt: (a: unknown, b: unknown) => compare(a, b, 'gt'),
  ge: (a: unknown, b: unknown) => compare(a, b, 'ge'),
  html: (...a: unknown[]) => sprint(a).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!),
  js: (...a: unknown[]) => sprint(a).replace(/[\\'"<>&=]/g, (c) => ({ '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D' })[c]!),
  urlquery: (...a: unknown[]) => encodeURIComponent(sprint(a)).replace(/%20/g, '+'),
  call: (fn: unknown, ...a: unknown[]) => {
    if (typeof fn !== 'function') throw new Error(`non-function of type ${basicKind(fn)}`);
    return fn(...a);
  },
  // docker's additions
  json: (v: unknown) => toJSONText(v),
  split: (s: string, sep: string) => (sep === '' ? [...String(s)] : String(s).split(sep)),
  join: (elems: unknown, sep: string) => {
    if (elems === null || elems === undefined || elems === MISSING) return '';
    if (Array.isArray(elems)) return elems.map((e) => (typeof e === 'string' ? e : printValue(e))).join(sep);
    if (isMap(elems)) return Object.values(elems).map(printValue).sort().join(sep);
    if (elems instanceof TypedNil) return '';
    throw new Error(`expected slice, got ${basicKind(elems)}`);
  },
  title: (s: string) => titleCase(String(s)),
  lower: (s: string) => String(s).toLowerCase(),
  upper: (s: string) => String(s).toUpperCase(),
  pad: (s: string, prefix: number, suffix: number) => (s === '' ? s : ' '.repeat(prefix) + s + ' '.repeat(suffix)),
  truncate: (s: string, n: number) => {
    const str = String(s);
    return Buffer.byteLength(str) < n ? str : Buffer.from(str).subarray(0, n).toString();
  },
};

/** Docker renders table headers with these replacing the functions that would mangle a header. */
export const HEADER_FUNCS: Funcs = {
  json: (v: unknown) => v,
  split: (v: unknown) => v,
  join: (v: unknown) => v,
  title: (v: unknown) => v,
  lower: (v: unknown) => v,
  upper: (v: unknown) => v,
  truncate: (v: unknown) => v,
};

// ---------------------------------------------------------------- execution
