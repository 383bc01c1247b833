// Dockerfile word processing with Docker's rules: $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alternative},
// quotes, and the escape character; and the KEY=VALUE lists of ENV, LABEL and ARG.

/** A ${NAME<op>word} whose word is being expanded: what came before it, and how to finish it. */
interface OpenBrace {
  before: string;
  inSingle: boolean;
  name: string;
  op: string;
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const BRACE_OP = /:?[-+]/y;

/** Expand variables in `s` from `env` (quotes are kept; see words()). One pass over `s` with an
 * explicit stack for nested ${A:-${B:-…}} words, so hostile nesting costs linear time and no call
 * stack (Docker's lexer nests these too). */
export function substitute(s: string, env: Record<string, string>, escape = '\\'): string {
  const open: OpenBrace[] = [];
  let out = '';
  let inSingle = false;
  const nameAt = (re: RegExp, at: number): string | undefined => {
    re.lastIndex = at;
    return re.exec(s)?.[0];
  };
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === escape && i + 1 < s.length) {
      if (s[i + 1] === '$') {
        out += '$';
        i++;
        continue;
      }
      if (open.length) {
        // inside a ${…} word an escaped character (such as \}) is kept as it is and ends nothing
        out += ch + s[i + 1];
        i++;
        continue;
      }
    }
    if (ch === '}' && open.length) {
      const b = open.pop()!;
      const val = env[b.name];
      const set = val !== undefined && (b.op.startsWith(':') ? val !== '' : true);
      out = b.before + (b.op.endsWith('-') ? (set ? val : out) : set ? out : '');
      inSingle = b.inSingle;
      continue;
    }
    if (ch === "'") inSingle = !inSingle;
    if (ch !== '$' || inSingle) {
      out += ch;
      continue;
    }
    if (s[i + 1] === '{') {
      const name = nameAt(NAME, i + 2);
      if (name !== undefined) {
        const after = i + 2 + name.length;
        if (s[after] === '}') {
          out += env[name] ?? '';
          i = after;
          continue;
        }
        const op = nameAt(BRACE_OP, after);
        if (op !== undefined) {
          open.push({ before: out, inSingle, name, op });
          out = '';
          inSingle = false;
          i = after + op.length - 1;
          continue;
        }
      }
    }
    const name = nameAt(NAME, i + 1);
    if (name !== undefined) {
      out += env[name] ?? '';
      i += name.length;
      continue;
    }
    out += ch;
  }
  // a ${NAME<op>… never closed is kept as written (its word expanded), as before
  while (open.length) {
    const b = open.pop()!;
    out = `${b.before}\${${b.name}${b.op}${out}`;
  }
  return out;
}

/** Split into words as Docker does for ENV/LABEL values: whitespace separates, quotes group, quotes removed. */
export function words(s: string, escape = '\\'): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === escape && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (ch === escape && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (quote) throw new Error(`unexpected end of statement while looking for matching ${quote}`);
  if (has || cur) out.push(cur);
  return out;
}

/** KEY=VALUE pairs (ENV, LABEL, ARG); the legacy `ENV KEY value` form too. */
export function keyValues(s: string, keyword: string, escape = '\\'): [string, string][] {
  const ws = words(s, escape);
  if (ws.length && !ws[0]!.includes('=')) {
    if (keyword === 'ARG') return [[ws[0]!, '\u0000']];
    if (ws.length < 2) throw new Error(`${keyword} requires at least two arguments`);
    // ENV KEY value with spaces: the rest of the line, unquoted
    const rest = s.trim().slice(s.trim().indexOf(ws[0]!) + ws[0]!.length).trim();
    return [[ws[0]!, words(rest, escape).join(' ')]];
  }
  return ws.map((w) => {
    const i = w.indexOf('=');
    if (i <= 0) throw new Error(`${keyword} names can not be blank`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

/** The JSON (exec) form of RUN/CMD/ENTRYPOINT/SHELL, or undefined for the shell form. */
export function jsonArgs(s: string): string[] | undefined {
  const t = s.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // not JSON: the shell form, as Docker reads it
  }
  return undefined;
}
