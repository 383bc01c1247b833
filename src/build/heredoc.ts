// Heredocs in RUN, COPY and ADD (docker/dockerfile:1): `<<EOF`, `<<-EOF` (leading tabs removed), a quoted
// delimiter (`<<'EOF'`, `<<"EOF"`: no variable expansion), several on one line. As BuildKit does it: the
// words of the line are split keeping their quotes, and a word `[n]<<[-]NAME` opens a heredoc.

export interface Heredoc {
  name: string;
  /** the body, each line ending with "\n" */
  content: string;
  /** `<<-`: leading tabs are removed from every line of the body (and the terminator) */
  chomp: boolean;
  /** an unquoted delimiter: variables in the body are expanded (COPY/ADD) */
  expand: boolean;
}

const HEREDOC_WORD = /^(\d*)<<(-?)([^<]*)$/;

/** The words of a line, quotes kept, split at unquoted whitespace. */
function rawWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += c + line[++i];
      else cur += c;
      if (!quote) cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      cur += c;
    } else if (c === '\\' && i + 1 < line.length) cur += c + line[++i];
    else if (/\s/.test(c)) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

/** The heredocs a line opens (name, chomp, expand), in order; the bodies are filled in by the parser. */
export function heredocsOf(line: string): Heredoc[] {
  const docs: Heredoc[] = [];
  for (const w of rawWords(line)) {
    const m = HEREDOC_WORD.exec(w);
    if (!m || !m[3]) continue;
    const raw = m[3];
    const name = raw.replace(/\\(.)/g, '$1').replace(/["']/g, '');
    if (!name) continue;
    docs.push({ name, content: '', chomp: m[2] === '-', expand: !/["'\\]/.test(raw) });
  }
  return docs;
}

/** The body as used: with `<<-`, each line's leading tabs removed. */
export function heredocBody(h: Heredoc): string {
  return h.chomp ? h.content.replace(/^\t+/gm, '') : h.content;
}

/** Whether the whole argument of a RUN is one heredoc word (`RUN <<EOF`), which BuildKit runs by itself. */
export function isSingleHeredoc(args: string): boolean {
  const w = rawWords(args);
  return w.length === 1 && HEREDOC_WORD.test(w[0]!);
}
