// The parser of the CLI's Go templates (template.ts): tokens into pipelines, commands and the
// if/with/range/break/continue tree, with the variables in scope and Go's parse errors.
import { TemplateError, type Tok, type Piece, type Action } from './template-lex.ts';
import type { Funcs } from './template-values.ts';

// ---------------------------------------------------------------- parsing

export type Operand = (
  | { t: 'field'; parts: string[] }
  | { t: 'var'; name: string; parts: string[] }
  | { t: 'fn'; name: string }
  | { t: 'lit'; v: unknown }
  | { t: 'sub'; pipe: Pipeline; parts: string[] }
) & { pos: number; end: number };

export interface Command {
  ops: Operand[];
  pos: number;
  end: number;
}

export interface Pipeline {
  decl: string[];
  assign: boolean; // '=' rather than ':='
  cmds: Command[];
  where: string;
}

export type Node =
  | { n: 'text'; text: string }
  | { n: 'action'; pipe: Pipeline }
  | { n: 'if' | 'with'; pipe: Pipeline; body: Node[]; else: Node[] | null }
  | { n: 'range'; pipe: Pipeline; body: Node[]; else: Node[] | null }
  | { n: 'break' | 'continue' };

export class Parser {
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
