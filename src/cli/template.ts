// A subset of Go's text/template, enough for docker's --format strings:
//   {{.Field}} {{.A.B}} {{.Method "arg"}} {{$}} {{$v := ...}} {{$i, $e := range ...}}
//   pipelines {{.X | lower}}, parenthesised calls, if/else if/else, range (with else, break,
//   continue), with, comments, trim markers {{- -}}, and the functions of Go (and, or, not,
//   len, index, slice, print, printf, println, eq, ne, lt, le, gt, ge, html, js, urlquery)
//   plus docker's (json, split, join, title, lower, upper, pad, truncate).
// Plain objects behave like Go maps (a missing key prints "<no value>"); class instances behave
// like structs: a missing field is an error, methods are called.
import { goG } from '../util/units.ts';

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

// ---------------------------------------------------------------- lexing

type Tok = (
  | { k: 'field'; parts: string[]; pos: number } // .A.B  ("." alone has parts [])
  | { k: 'var'; name: string; parts: string[]; pos: number } // $x.A
  | { k: 'ident'; name: string; pos: number }
  | { k: 'str'; v: string; pos: number }
  | { k: 'num'; v: number; pos: number }
  | { k: 'bool'; v: boolean; pos: number }
  | { k: 'nil'; pos: number }
  | { k: 'chain'; parts: string[]; pos: number } // .A after a ")"
  | { k: 'punct'; v: '|' | '(' | ')' | ',' | ':=' | '='; pos: number }
) & { end?: number };

interface Action {
  toks: Tok[];
  line: number;
  col: number;
  src: string;
}

type Piece = { text: string } | { action: Action };

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isIdentStart = (c: string) => /[A-Za-z_]/.test(c);
const isIdent = (c: string) => /[A-Za-z0-9_]/.test(c);

function lineCol(src: string, off: number): { line: number; col: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < off; i++) if (src[i] === '\n') {
    line++;
    last = i;
  }
  return { line, col: off - last - 1 };
}

function split(src: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    trimNext = false;
    if (open < 0) {
      if (text) pieces.push({ text });
      break;
    }
    let start = open + 2;
    if (src[start] === '-' && isSpace(src[start + 1] ?? '')) {
      text = text.replace(/[ \t\r\n]+$/, '');
      start += 1;
    }
    if (text) pieces.push({ text });
    // Find the closing "}}" outside string literals.
    let j = start;
    let quote = '';
    for (; j < src.length; j++) {
      const c = src[j];
      if (quote) {
        if (c === '\\' && quote !== '`') j++;
        else if (c === quote) quote = '';
        continue;
      }
      if (c === '"' || c === '`' || c === "'") quote = c;
      else if (c === '}' && src[j + 1] === '}') break;
    }
    const { line, col } = lineCol(src, open);
    if (j >= src.length) throw new TemplateError(`template: :${line}: unclosed action`);
    let end = j;
    if (src[end - 1] === '-' && isSpace(src[end - 2] ?? '')) {
      end -= 1;
      trimNext = true;
    }
    const body = src.slice(start, end);
    const trimmed = body.trim();
    if (trimmed.startsWith('/*')) {
      if (!trimmed.endsWith('*/')) throw new TemplateError(`template: :${line}: unclosed comment`);
    } else {
      pieces.push({ action: { toks: lex(body, start, src), line, col: col + 2, src: body.trim() } });
    }
    i = j + 2;
  }
  return pieces;
}

function lex(s: string, base: number, whole: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const err = (msg: string): never => {
    throw new TemplateError(`template: :${lineCol(whole, base + i).line}: ${msg}`);
  };
  const readParts = (): string[] => {
    const parts: string[] = [];
    while (s[i] === '.' && isIdentStart(s[i + 1] ?? '')) {
      i++;
      let j = i;
      while (j < s.length && isIdent(s[j])) j++;
      parts.push(s.slice(i, j));
      i = j;
    }
    return parts;
  };
  const close = () => {
    for (let t = toks.length - 1; t >= 0 && toks[t].end === undefined; t--) toks[t].end = base + i;
  };
  while (i < s.length) {
    close();
    const c = s[i];
    const pos = base + i;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '|' || c === '(' || c === ')' || c === ',' || c === '=') {
      toks.push({ k: 'punct', v: c, pos });
      i++;
      if (c === ')' && s[i] === '.' && isIdentStart(s[i + 1] ?? '')) toks.push({ k: 'chain', parts: readParts(), pos: base + i });
      continue;
    }
    if (c === ':' && s[i + 1] === '=') {
      toks.push({ k: 'punct', v: ':=', pos });
      i += 2;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      if (j >= s.length) err('unterminated quoted string');
      toks.push({ k: 'str', v: unquote(s.slice(i, j + 1)), pos });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = s.indexOf('`', i + 1);
      if (j < 0) err('unterminated raw quoted string');
      toks.push({ k: 'str', v: s.slice(i + 1, j), pos });
      i = j + 1;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      while (j < s.length && s[j] !== "'") j += s[j] === '\\' ? 2 : 1;
      const ch = unquote(`"${s.slice(i + 1, j).replace(/"/g, '\\"')}"`);
      toks.push({ k: 'num', v: ch.codePointAt(0) ?? 0, pos });
      i = j + 1;
      continue;
    }
    if (c === '.') {
      if (isIdentStart(s[i + 1] ?? '')) toks.push({ k: 'field', parts: readParts(), pos });
      else if (/[0-9]/.test(s[i + 1] ?? '')) {
        const m = /^\.[0-9]+(?:[eE][+-]?[0-9]+)?/.exec(s.slice(i))!;
        toks.push({ k: 'num', v: Number(m[0]), pos });
        i += m[0].length;
      } else {
        toks.push({ k: 'field', parts: [], pos });
        i++;
      }
      continue;
    }
    if (c === '$') {
      let j = i + 1;
      while (j < s.length && isIdent(s[j])) j++;
      const name = s.slice(i, j);
      i = j;
      toks.push({ k: 'var', name, parts: readParts(), pos });
      continue;
    }
    if (/[0-9+-]/.test(c)) {
      const m = /^[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][+-]?[0-9]+)?)/.exec(s.slice(i));
      if (!m || !/[0-9]/.test(m[0])) err(`bad number syntax: "${s.slice(i, i + 3)}"`);
      const text = m![0].replace(/_/g, '');
      const v = /^[+-]?0[bBoO]/.test(text) ? Number(text.replace(/^([+-]?)0([bBoO])/, (_a, sign: string, b: string) => `${sign}0${b.toLowerCase()}`)) : Number(text);
      if (Number.isNaN(v)) err(`bad number syntax: "${text}"`);
      toks.push({ k: 'num', v, pos });
      i += m![0].length;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i;
      while (j < s.length && isIdent(s[j])) j++;
      const name = s.slice(i, j);
      i = j;
      if (name === 'true' || name === 'false') toks.push({ k: 'bool', v: name === 'true', pos });
      else if (name === 'nil') toks.push({ k: 'nil', pos });
      else toks.push({ k: 'ident', name, pos });
      continue;
    }
    err(`unexpected "${c}" in command`);
  }
  close();
  return toks;
}

function unquote(q: string): string {
  const body = q.slice(1, -1).replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => `\\u00${h}`).replace(/\\U([0-9a-fA-F]{8})/g, (_m, h: string) => String.fromCodePoint(parseInt(h, 16))).replace(/\\([abfv'])/g, (_m, c: string) => ({ a: '\\u0007', b: '\\b', f: '\\f', v: '\\u000b', "'": "'" })[c]!);
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    throw new TemplateError(`template: :1: invalid syntax in string ${q}`);
  }
}

// ---------------------------------------------------------------- parsing

type Operand = (
  | { t: 'field'; parts: string[] }
  | { t: 'var'; name: string; parts: string[] }
  | { t: 'fn'; name: string }
  | { t: 'lit'; v: unknown }
  | { t: 'sub'; pipe: Pipeline; parts: string[] }
) & { pos: number; end: number };

interface Command {
  ops: Operand[];
  pos: number;
  end: number;
}

interface Pipeline {
  decl: string[];
  assign: boolean; // '=' rather than ':='
  cmds: Command[];
  where: string;
}

type Node =
  | { n: 'text'; text: string }
  | { n: 'action'; pipe: Pipeline }
  | { n: 'if' | 'with'; pipe: Pipeline; body: Node[]; else: Node[] | null }
  | { n: 'range'; pipe: Pipeline; body: Node[]; else: Node[] | null }
  | { n: 'break' | 'continue' };

class Parser {
  private readonly pieces: Piece[];
  private idx = 0;
  private readonly funcs: Funcs;
  private vars: string[][] = [['$']];

  constructor(pieces: Piece[], funcs: Funcs) {
    this.pieces = pieces;
    this.funcs = funcs;
  }

  parse(): Node[] {
    const { nodes, stop } = this.list();
    if (stop) throw new TemplateError(`template: :${stop.line}: unexpected {{${stop.toks[0].k === 'ident' ? (stop.toks[0] as { name: string }).name : ''}}}`);
    return nodes;
  }

  /** Parses nodes until {{end}} or {{else ...}}; returns the stopping action (or null at EOF). */
  private list(): { nodes: Node[]; stop: Action | null } {
    const nodes: Node[] = [];
    while (this.idx < this.pieces.length) {
      const p = this.pieces[this.idx++];
      if ('text' in p) {
        nodes.push({ n: 'text', text: p.text });
        continue;
      }
      const a = p.action;
      const first = a.toks[0];
      if (!first) throw new TemplateError(`template: :${a.line}: missing value for command`);
      if (first.k === 'ident') {
        switch (first.name) {
          case 'end':
          case 'else':
            return { nodes, stop: a };
          case 'if':
          case 'with':
          case 'range':
            nodes.push(this.control(first.name, a, a.toks.slice(1)));
            continue;
          case 'break':
          case 'continue':
            nodes.push({ n: first.name });
            continue;
          case 'define':
          case 'template':
          case 'block':
            throw new TemplateError(`template: :${a.line}: {{${first.name}}} is not supported`);
        }
      }
      nodes.push({ n: 'action', pipe: this.pipeline(a, a.toks) });
    }
    return { nodes, stop: null };
  }

  private control(kind: 'if' | 'with' | 'range', a: Action, toks: Tok[]): Node {
    this.vars.push([]);
    const pipe = this.pipeline(a, toks, kind === 'range');
    const { nodes: body, stop } = this.list();
    if (!stop) throw new TemplateError(`template: :${a.line}: unexpected EOF`);
    let elseNodes: Node[] | null = null;
    const s0 = stop.toks[0] as { name: string };
    if (s0.name === 'else') {
      const rest = stop.toks.slice(1);
      this.vars.pop();
      this.vars.push([]);
      if (rest.length && rest[0].k === 'ident' && ((rest[0] as { name: string }).name === 'if' || (rest[0] as { name: string }).name === 'with')) {
        // {{else if ...}} / {{else with ...}}: a nested control that shares our {{end}}.
        const nested = this.control((rest[0] as { name: 'if' | 'with' }).name, stop, rest.slice(1));
        elseNodes = [nested];
        this.vars.pop();
        return { n: kind, pipe, body, else: elseNodes } as Node;
      }
      const r = this.list();
      if (!r.stop || (r.stop.toks[0] as { name: string }).name !== 'end') throw new TemplateError(`template: :${a.line}: expected end; found ${r.stop ? '{{else}}' : 'EOF'}`);
      elseNodes = r.nodes;
    }
    this.vars.pop();
    return { n: kind, pipe, body, else: elseNodes } as Node;
  }

  private pipeline(a: Action, toks: Tok[], isRange = false): Pipeline {
    let i = 0;
    const decl: string[] = [];
    let assign = false;
    // Declarations: $x := ... | $i, $e := range ... | $x = ...
    const look = toks.findIndex((t) => t.k === 'punct' && (t.v === ':=' || t.v === '='));
    if (look > 0 && toks.slice(0, look).every((t) => t.k === 'var' || (t.k === 'punct' && t.v === ','))) {
      for (const t of toks.slice(0, look)) if (t.k === 'var') decl.push(t.name);
      assign = (toks[look] as { v: string }).v === '=';
      if (decl.length > (isRange ? 2 : 1)) throw new TemplateError(`template: :${a.line}: too many declarations in ${a.src}`);
      i = look + 1;
      if (!assign) this.vars[this.vars.length - 1].push(...decl);
    }
    const cmds: Command[] = [];
    let ops: Operand[] = [];
    const endCmd = () => {
      if (!ops.length) throw new TemplateError(`template: :${a.line}: missing value for command`);
      cmds.push({ ops, pos: ops[0].pos, end: ops[ops.length - 1].end });
      ops = [];
    };
    while (i < toks.length) {
      const t = toks[i];
      if (t.k === 'punct' && t.v === '|') {
        endCmd();
        i++;
        continue;
      }
      const [op, next] = this.operand(a, toks, i);
      ops.push(op);
      i = next;
    }
    if (ops.length) endCmd();
    if (!cmds.length) throw new TemplateError(`template: :${a.line}: missing value for ${a.src.split(/\s/)[0] || 'command'}`);
    return { decl, assign, cmds, where: a.src };
  }

  private operand(a: Action, toks: Tok[], i: number): [Operand, number] {
    const [op, next] = this.operand0(a, toks, i);
    return [{ ...op, pos: toks[i].pos, end: toks[next - 1].end ?? toks[next - 1].pos } as Operand, next];
  }

  private operand0(a: Action, toks: Tok[], i: number): [Record<string, unknown> & { t: string }, number] {
    const t = toks[i];
    switch (t.k) {
      case 'field':
        return [{ t: 'field', parts: t.parts }, i + 1];
      case 'var':
        if (!this.vars.some((scope) => scope.includes(t.name))) throw new TemplateError(`template: :${a.line}: undefined variable "${t.name}"`);
        return [{ t: 'var', name: t.name, parts: t.parts }, i + 1];
      case 'ident':
        if (!(t.name in this.funcs)) throw new TemplateError(`template: :${a.line}: function "${t.name}" not defined`);
        return [{ t: 'fn', name: t.name }, i + 1];
      case 'str':
      case 'num':
      case 'bool':
        return [{ t: 'lit', v: t.v }, i + 1];
      case 'nil':
        return [{ t: 'lit', v: null }, i + 1];
      case 'punct': {
        if (t.v !== '(') throw new TemplateError(`template: :${a.line}: unexpected "${t.v}" in operand`);
        let depth = 0;
        let j = i;
        for (; j < toks.length; j++) {
          const u = toks[j];
          if (u.k === 'punct' && u.v === '(') depth++;
          if (u.k === 'punct' && u.v === ')' && --depth === 0) break;
        }
        if (j >= toks.length) throw new TemplateError(`template: :${a.line}: unclosed left paren`);
        const pipe = this.pipeline(a, toks.slice(i + 1, j));
        let parts: string[] = [];
        let next = j + 1;
        if (toks[next]?.k === 'chain') {
          parts = (toks[next] as { parts: string[] }).parts;
          next++;
        }
        return [{ t: 'sub', pipe, parts }, next];
      }
      case 'chain':
        return [{ t: 'field', parts: t.parts }, i + 1];
    }
  }
}

// ---------------------------------------------------------------- values

const MISSING = Symbol('no value');

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

function isMap(v: unknown): v is Record<string, unknown> {
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

function basicKind(v: unknown): string {
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

class BreakSignal {}
class ContinueSignal {}

export interface ExecOptions {
  /** "error" makes a missing map key an error (docker inspect's raw fallback). */
  missingKey?: 'default' | 'error';
}

class Exec {
  private readonly funcs: Funcs;
  private readonly src: string;
  private readonly missingError: boolean;
  private readonly vars: { name: string; v: unknown }[] = [];
  out = '';

  constructor(funcs: Funcs, root: unknown, src: string, opts: ExecOptions) {
    this.funcs = funcs;
    this.src = src;
    this.missingError = opts.missingKey === 'error';
    this.vars.push({ name: '$', v: root });
  }

  private fail(pos: number, text: string, msg: string): never {
    const { line, col } = lineCol(this.src, pos);
    throw new TemplateError(`template: :${line}:${col}: executing "" at <${text}>: ${msg}`);
  }

  run(nodes: Node[], dot: unknown): void {
    for (const node of nodes) {
      switch (node.n) {
        case 'text':
          this.out += node.text;
          break;
        case 'action': {
          const v = this.pipe(node.pipe, dot);
          if (!node.pipe.decl.length) this.out += printValue(v);
          break;
        }
        case 'if':
        case 'with': {
          const mark = this.vars.length;
          const v = this.pipe(node.pipe, dot);
          if (truth(v)) this.run(node.body, node.n === 'with' ? v : dot);
          else if (node.else) this.run(node.else, dot);
          this.vars.length = mark;
          break;
        }
        case 'range':
          this.range(node, dot);
          break;
        case 'break':
          throw new BreakSignal();
        case 'continue':
          throw new ContinueSignal();
      }
    }
  }

  private range(node: Extract<Node, { n: 'range' }>, dot: unknown): void {
    const mark = this.vars.length;
    const declared = node.pipe.decl;
    const v = this.pipe({ ...node.pipe, decl: [] }, dot);
    let items: [unknown, unknown][];
    if (Array.isArray(v)) items = v.map((e, i) => [i, e]);
    else if (isMap(v)) items = Object.keys(v).sort().map((k) => [k, v[k]]);
    else if (typeof v === 'number' && Number.isInteger(v)) items = Array.from({ length: Math.max(0, v) }, (_x, i) => [i, i]);
    else if (v === null || v === undefined || v === MISSING || v instanceof TypedNil) items = [];
    else {
      const c = node.pipe.cmds[0];
      this.fail(c.pos, this.src.slice(c.pos, c.end), `range can't iterate over ${printValue(v)}`);
    }
    if (!items.length) {
      if (node.else) this.run(node.else, dot);
      this.vars.length = mark;
      return;
    }
    for (const [k, e] of items) {
      this.vars.length = mark;
      if (declared.length === 1) this.vars.push({ name: declared[0], v: e });
      else if (declared.length === 2) this.vars.push({ name: declared[0], v: k }, { name: declared[1], v: e });
      try {
        this.run(node.body, e);
      } catch (sig) {
        if (sig instanceof BreakSignal) break;
        if (sig instanceof ContinueSignal) continue;
        throw sig;
      }
    }
    this.vars.length = mark;
  }

  private lookupVar(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].v;
    throw new TemplateError(`template: undefined variable: ${name}`);
  }

  private pipe(p: Pipeline, dot: unknown): unknown {
    let val: unknown = MISSING;
    let hasVal = false;
    for (const cmd of p.cmds) {
      val = this.command(cmd, dot, hasVal ? [val] : []);
      hasVal = true;
    }
    if (p.decl.length) {
      if (p.assign) {
        for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === p.decl[0]) {
          this.vars[i].v = val;
          break;
        }
      } else this.vars.push({ name: p.decl[0], v: val });
    }
    return val;
  }

  private command(cmd: Command, dot: unknown, final: unknown[]): unknown {
    const [first, ...rest] = cmd.ops;
    const nargs = rest.length + final.length;
    const args = () => [...rest.map((o) => this.arg(o, dot)), ...final];
    switch (first.t) {
      case 'fn': {
        const fn = this.funcs[first.name];
        const a = args();
        try {
          return fn(...a);
        } catch (e) {
          if (e instanceof TemplateError) throw e;
          return this.fail(cmd.pos, this.src.slice(cmd.pos, cmd.end), `error calling ${first.name}: ${(e as Error).message}`);
        }
      }
      case 'field':
        return this.fieldChain(dot, first, args(), nargs > 0);
      case 'var': {
        const base = this.lookupVar(first.name);
        return first.parts.length ? this.fieldChain(base, first, args(), nargs > 0) : this.noArgs(base, nargs, first);
      }
      case 'sub': {
        const base = this.pipe(first.pipe, dot);
        return first.parts.length ? this.fieldChain(base, first, args(), nargs > 0) : this.noArgs(base, nargs, first);
      }
      case 'lit':
        return this.noArgs(first.v, nargs, first);
    }
  }

  private noArgs(v: unknown, n: number, o: Operand): unknown {
    if (n > 0) this.fail(o.pos, this.src.slice(o.pos, o.end), `can't give argument to non-function ${printValue(v)}`);
    return v;
  }

  private arg(o: Operand, dot: unknown): unknown {
    switch (o.t) {
      case 'lit':
        return o.v;
      case 'field':
        return this.fieldChain(dot, o, [], false);
      case 'var': {
        const base = this.lookupVar(o.name);
        return o.parts.length ? this.fieldChain(base, o, [], false) : base;
      }
      case 'sub': {
        const base = this.pipe(o.pipe, dot);
        return o.parts.length ? this.fieldChain(base, o, [], false) : base;
      }
      case 'fn':
        return this.funcs[o.name]();
    }
  }

  /** Resolves .A.B.C; the last element may be a method called with args. */
  private fieldChain(v: unknown, o: Operand & { parts: string[] }, args: unknown[], hasArgs: boolean): unknown {
    const parts = o.parts;
    if (!parts.length) return this.noArgs(v, args.length, o);
    const text = this.src.slice(o.pos, o.end);
    const errPos = o.pos + Math.max(0, text.lastIndexOf('.'));
    const fail = (msg: string): never => this.fail(errPos, text, msg);
    let cur = v;
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i];
      const last = i === parts.length - 1;
      if (cur === MISSING || cur === undefined || cur === null) fail(`nil pointer evaluating interface {}.${name}`);
      if (cur instanceof TypedNil) {
        if (cur.kind === 'map') {
          if (this.missingError) fail(`map has no entry for key "${name}"`);
          cur = MISSING;
          continue;
        }
        fail(`can't evaluate field ${name} in type []interface {}`);
      }
      if (isMap(cur)) {
        if (last && hasArgs) fail(`${name} is not a method but has arguments`);
        if (Object.prototype.hasOwnProperty.call(cur, name)) cur = cur[name];
        else if (this.missingError) fail(`map has no entry for key "${name}"`);
        else cur = MISSING;
        continue;
      }
      if (isStruct(cur)) {
        const member = (cur as Record<string, unknown>)[name];
        if (member === undefined && !(name in cur)) fail(`can't evaluate field ${name} in type ${structName(cur)}`);
        if (typeof member === 'function') {
          try {
            cur = (member as (...a: unknown[]) => unknown).apply(cur, last ? args : []);
          } catch (e) {
            if (e instanceof TemplateError) throw e;
            fail(`error calling ${name}: ${(e as Error).message}`);
          }
        } else {
          if (last && hasArgs) fail(`${name} has arguments but cannot be invoked as function`);
          cur = member;
        }
        continue;
      }
      fail(`can't evaluate field ${name} in type ${Array.isArray(cur) ? '[]interface {}' : basicKind(cur)}`);
    }
    return cur;
  }
}

function structName(v: object): string {
  if (v instanceof GoStruct) return 'struct';
  return `*formatter.${v.constructor?.name ?? 'Context'}`;
}

export interface Template {
  execute(data: unknown, opts?: ExecOptions): string;
}

/** Parses a template; throws TemplateError (docker prefixes "template parsing error: "). */
export function parseTemplate(src: string, extra: Funcs = {}): Template {
  const funcs = { ...BUILTINS, ...extra };
  const nodes = new Parser(split(src), funcs).parse();
  return {
    execute(data: unknown, opts: ExecOptions = {}): string {
      const ex = new Exec(funcs, data, src, opts);
      try {
        ex.run(nodes, data);
      } catch (e) {
        if (e instanceof BreakSignal || e instanceof ContinueSignal) throw new TemplateError('template: :1: {{break}} outside {{range}}');
        throw e;
      }
      return ex.out;
    },
  };
}

/** One-shot helper. */
export function renderTemplate(src: string, data: unknown, extra: Funcs = {}): string {
  return parseTemplate(src, extra).execute(data);
}
