// Go's json.Indent and json.Compact over raw JSON text: the daemon's bytes (key order, escapes,
// number spelling) are kept, only whitespace changes.

function walk(src: string, onToken: (tok: string, kind: 'open' | 'close' | 'comma' | 'colon' | 'scalar') => void): void {
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '{' || c === '[') {
      onToken(c, 'open');
      i++;
    } else if (c === '}' || c === ']') {
      onToken(c, 'close');
      i++;
    } else if (c === ',') {
      onToken(c, 'comma');
      i++;
    } else if (c === ':') {
      onToken(c, 'colon');
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < n && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      onToken(src.slice(i, j + 1), 'scalar');
      i = j + 1;
    } else {
      let j = i;
      while (j < n && !/[\s,:\]\}]/.test(src[j])) j++;
      onToken(src.slice(i, j), 'scalar');
      i = j;
    }
  }
}

export function indentJSON(src: string, indent = '    ', prefix = ''): string {
  let out = '';
  let depth = 0;
  let justOpened = false;
  walk(src, (tok, kind) => {
    const nl = () => '\n' + prefix + indent.repeat(depth);
    switch (kind) {
      case 'open':
        if (justOpened) out += nl();
        out += tok;
        depth++;
        justOpened = true;
        return;
      case 'close':
        depth--;
        if (!justOpened) out += nl();
        out += tok;
        justOpened = false;
        return;
      case 'comma':
        out += ',' + nl();
        return;
      case 'colon':
        out += ': ';
        return;
      default:
        if (justOpened) out += nl();
        justOpened = false;
        out += tok;
    }
  });
  return out;
}

export function compactJSON(src: string): string {
  let out = '';
  walk(src, (tok) => (out += tok));
  return out;
}
