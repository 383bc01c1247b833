// The lexer of the CLI's Go templates (template.ts): a template split into text and actions, and an
// action into tokens, with Go's positions and messages.
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

// ---------------------------------------------------------------- lexing

export type Tok = (
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

export interface Action {
  toks: Tok[];
  line: number;
  col: number;
  src: string;
}

export type Piece = { text: string } | { action: Action };

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isIdentStart = (c: string) => /[A-Za-z_]/.test(c);
const isIdent = (c: string) => /[A-Za-z0-9_]/.test(c);

export function lineCol(src: string, off: number): { line: number; col: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < off; i++) if (src[i] === '\n') {
    line++;
    last = i;
  }
  return { line, col: off - last - 1 };
}

export function split(src: string): Piece[] {
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
