// A subset of Go's text/template, enough for docker's --format strings:
//   {{.Field}} {{.A.B}} {{.Method "arg"}} {{$}} {{$v := ...}} {{$i, $e := range ...}}
//   pipelines {{.X | lower}}, parenthesised calls, if/else if/else, range (with else, break,
//   continue), with, comments, trim markers {{- -}}, and the functions of Go (and, or, not,
//   len, index, slice, print, printf, println, eq, ne, lt, le, gt, ge, html, js, urlquery)
//   plus docker's (json, split, join, title, lower, upper, pad, truncate).
// Plain objects behave like Go maps (a missing key prints "<no value>"); class instances behave
// like structs: a missing field is an error, methods are called.
//
// The lexer (template-lex.ts), the parser (template-parse.ts) and the values and functions
// (template-values.ts) are beside this file; here is the execution and the API.
import { TemplateError, split, lineCol } from './template-lex.ts';
import { Parser, type Node, type Pipeline, type Command, type Operand } from './template-parse.ts';
import { GoStruct, TypedNil, BUILTINS, HEADER_FUNCS, MISSING, sprintf, printValue, truth, isMap, isStruct, basicKind, type Funcs } from './template-values.ts';

export { TemplateError, GoStruct, TypedNil, HEADER_FUNCS, sprintf };

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
