// Dockerfile word processing with Docker's rules: $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alternative},
// quotes, and the escape character; and the KEY=VALUE lists of ENV, LABEL and ARG.

/** Expand variables in `s` from `env` (quotes are kept; see words()). */
export function substitute(s: string, env: Record<string, string>, escape = '\\'): string {
  let out = '';
  let inSingle = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === escape && i + 1 < s.length && s[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    if (ch === "'") inSingle = !inSingle;
    if (ch !== '$' || inSingle) {
      out += ch;
      continue;
    }
    const rest = s.slice(i + 1);
    let m = /^\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])((?:[^}\\]|\\.)*))?\}/.exec(rest);
    if (m) {
      const [all, name, op, word = ''] = m;
      const val = env[name!];
      const set = val !== undefined && (op?.startsWith(':') ? val !== '' : true);
      if (!op) out += val ?? '';
      else if (op.endsWith('-')) out += set ? val : substitute(word, env, escape);
      else out += set ? substitute(word, env, escape) : '';
      i += all.length;
      continue;
    }
    m = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
    if (m) {
      out += env[m[1]!] ?? '';
      i += m[1]!.length;
      continue;
    }
    out += ch;
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
